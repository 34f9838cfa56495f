"""zxing-cpp on the webcam benchmark's frames (the peer `webcam_bench` measures us against).
Usage: zxing_frames.py FRAMES_DIR EXPECTED_TEXT  -- prints "width read ms_per_frame" per folder.
Only the benchmark installs zxing-cpp (in its own virtual environment); the product never uses it."""
import pathlib
import sys
import time

import zxingcpp
from PIL import Image

root, expected = pathlib.Path(sys.argv[1]), sys.argv[2]
for folder in sorted(p for p in root.iterdir() if p.is_dir()):
    read, took, frames = 0, 0.0, sorted(folder.glob("*.png"))
    for path in frames:
        image = Image.open(path).convert("L")
        start = time.perf_counter()
        found = zxingcpp.read_barcodes(image, formats=zxingcpp.BarcodeFormat.QRCode)
        took += time.perf_counter() - start
        read += any(code.text == expected for code in found)
    print(int(folder.name), read, took * 1000 / max(len(frames), 1))
