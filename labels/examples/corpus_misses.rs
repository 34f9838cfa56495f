//! Lists the corpus images the reader misses, with their size (a development aid).
use custody_labels::corpus::{load_gray, samples};
use custody_labels::read_codes;
fn main() {
    let dir = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "../shared/corpus/zxing-qrcode".into());
    for folder in ["qrcode-1", "qrcode-2", "qrcode-3", "qrcode-4"] {
        for (path, expected) in samples(&std::path::Path::new(&dir).join(folder)) {
            let rot: u32 = std::env::args()
                .nth(2)
                .and_then(|r| r.parse().ok())
                .unwrap_or(0);
            let mut frame = load_gray(&path).unwrap();
            for _ in 0..rot / 90 {
                let img =
                    image::GrayImage::from_raw(frame.width, frame.height, frame.pixels.clone())
                        .unwrap();
                let r = image::imageops::rotate90(&img);
                frame = custody_labels::GrayFrame::new(r.width(), r.height(), r.into_raw());
            }
            let codes = read_codes(&frame);
            if !codes.iter().any(|c| c.text == expected) {
                println!(
                    "{} {}x{} got {:?}",
                    path.display(),
                    frame.width,
                    frame.height,
                    codes
                        .iter()
                        .map(|c| c.text.chars().take(20).collect::<String>())
                        .collect::<Vec<_>>()
                );
            }
        }
    }
}
