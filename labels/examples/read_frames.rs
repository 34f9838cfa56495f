//! Reads every picture under a folder again and again, for a profiler (`perf record`) to see
//! where the reader's time goes: pictures are loaded once, before the reading starts.
//!
//! Usage: read_frames FOLDER [ROUNDS]   (e.g. the frames `webcam_bench` leaves in bench-data/webcam)

use std::path::{Path, PathBuf};
use std::time::Instant;

use custody_labels::{GrayFrame, read_codes};

fn pictures(folder: &Path, found: &mut Vec<PathBuf>) -> std::io::Result<()> {
    for entry in std::fs::read_dir(folder)? {
        let path = entry?.path();
        if path.is_dir() {
            pictures(&path, found)?;
        } else if path
            .extension()
            .is_some_and(|e| ["png", "jpg", "jpeg", "webp"].contains(&e.to_string_lossy().to_lowercase().as_str()))
        {
            found.push(path);
        }
    }
    Ok(())
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let folder = PathBuf::from(args.next().ok_or("usage: read_frames FOLDER [ROUNDS]")?);
    let rounds: usize = args.next().map_or(Ok(5), |r| r.parse())?;
    let mut paths = Vec::new();
    pictures(&folder, &mut paths)?;
    paths.sort();
    let frames: Vec<GrayFrame> = paths.iter().map(|p| GrayFrame::load(p)).collect::<Result<_, _>>()?;
    let start = Instant::now();
    let mut read = 0;
    for _ in 0..rounds {
        for frame in &frames {
            read += usize::from(!read_codes(frame).is_empty());
        }
    }
    let each = start.elapsed().as_secs_f64() * 1000.0 / (rounds * frames.len()).max(1) as f64;
    println!(
        "{} pictures, {rounds} rounds: {read} reads, {each:.2} ms a picture",
        frames.len()
    );
    Ok(())
}
