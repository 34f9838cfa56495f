//! Measuring the reader against a folder of photographs with their expected text (the layout of
//! `shared/corpus/zxing-qrcode`: `N.png|jpg|webp` beside `N.txt`). Used by the test that pins
//! the counts and by the benchmark that prints them.

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use crate::read::{GrayFrame, read_codes};

/// The rotations the corpus is read at, in degrees.
pub const ROTATIONS: [u32; 4] = [0, 90, 180, 270];

/// How one folder fared at one rotation.
#[derive(Clone, Debug)]
pub struct Score {
    pub folder: String,
    pub rotation: u32,
    pub images: usize,
    pub read: usize,
    /// Time spent decoding (not loading), all images together.
    pub decoding: Duration,
}

/// The images of a folder that have an expected text, with that text.
pub fn samples(folder: &Path) -> Vec<(PathBuf, String)> {
    let mut out: Vec<(PathBuf, String)> = std::fs::read_dir(folder)
        .map(|entries| entries.filter_map(Result::ok).map(|e| e.path()).collect::<Vec<_>>())
        .unwrap_or_default()
        .into_iter()
        .filter(|p| {
            matches!(
                p.extension().and_then(|e| e.to_str()),
                Some("png" | "jpg" | "jpeg" | "webp")
            )
        })
        .filter_map(|p| {
            let expected = std::fs::read_to_string(p.with_extension("txt")).ok()?;
            Some((p, expected))
        })
        .collect();
    out.sort();
    out
}

fn rotate(img: &image::GrayImage, degrees: u32) -> image::GrayImage {
    match degrees {
        90 => image::imageops::rotate90(img),
        180 => image::imageops::rotate180(img),
        270 => image::imageops::rotate270(img),
        _ => img.clone(),
    }
}

/// Reads every sample of `folder` at every rotation; a read counts only when some code's text
/// equals the expected text exactly.
pub fn score_folder(folder: &Path) -> Vec<Score> {
    let name = folder
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let loaded: Vec<(image::GrayImage, String)> = samples(folder)
        .into_iter()
        .filter_map(|(path, expected)| Some((image::open(&path).ok()?.into_luma8(), expected)))
        .collect();
    ROTATIONS
        .iter()
        .map(|&rotation| {
            let mut score = Score {
                folder: name.clone(),
                rotation,
                images: loaded.len(),
                read: 0,
                decoding: Duration::ZERO,
            };
            for (img, expected) in &loaded {
                let turned = rotate(img, rotation);
                let (w, h) = turned.dimensions();
                let frame = GrayFrame::new(w, h, turned.into_raw());
                let start = Instant::now();
                let codes = read_codes(&frame);
                score.decoding += start.elapsed();
                score.read += usize::from(codes.iter().any(|c| &c.text == expected));
            }
            score
        })
        .collect()
}

/// Whether each sample of `folder` is read at each of the [`ROTATIONS`], by file name: which
/// pictures a change gains or loses, and which another reader reads and this one does not.
pub fn read_each(folder: &Path) -> Vec<(String, [bool; 4])> {
    samples(folder)
        .into_iter()
        .filter_map(|(path, expected)| {
            let img = image::open(&path).ok()?.into_luma8();
            let mut read = [false; 4];
            for (slot, &rotation) in read.iter_mut().zip(&ROTATIONS) {
                let turned = rotate(&img, rotation);
                let (w, h) = turned.dimensions();
                let codes = read_codes(&GrayFrame::new(w, h, turned.into_raw()));
                *slot = codes.iter().any(|c| c.text == expected);
            }
            let name = path.file_name()?.to_string_lossy().into_owned();
            Some((name, read))
        })
        .collect()
}
