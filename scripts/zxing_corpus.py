"""zxing-cpp on the photo corpus (the peer `decode_bench` measures us against): each folder at
each rotation (clockwise, as the image crate turns them), a read counting only when a code's text
equals the expected text exactly.
Usage: zxing_corpus.py CORPUS_DIR FOLDER...  -- prints "folder read0 read90 read180 read270 images ms_per_image".
Only the benchmark installs zxing-cpp (in its own virtual environment); the product never uses it."""
import pathlib
import sys
import time

import zxingcpp
from PIL import Image

TURNS = {0: None, 90: Image.Transpose.ROTATE_270, 180: Image.Transpose.ROTATE_180, 270: Image.Transpose.ROTATE_90}

root = pathlib.Path(sys.argv[1])
for name in sys.argv[2:]:
    folder = root / name
    samples = []
    for path in sorted(folder.iterdir()):
        if path.suffix.lower() in (".png", ".jpg", ".jpeg", ".webp") and path.with_suffix(".txt").exists():
            # The text exactly as written (read_text would turn its \r\n into \n).
            samples.append((path, path.with_suffix(".txt").read_bytes().decode("utf-8")))
    reads, took, images = [], 0.0, 0
    for degrees, turn in TURNS.items():
        read = 0
        for path, expected in samples:
            image = Image.open(path).convert("L")
            if turn is not None:
                image = image.transpose(turn)
            start = time.perf_counter()
            found = zxingcpp.read_barcodes(image, formats=zxingcpp.BarcodeFormat.QRCode)
            took += time.perf_counter() - start
            images += 1
            read += any(code.text == expected for code in found)
        reads.append(read)
    print(name, *reads, len(samples), took * 1000 / max(images, 1))
