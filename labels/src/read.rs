//! Reading codes from a camera frame: a grayscale image in, every QR code in it out, each with
//! its outline (for the preview) and whether it is a Custody code.
//!
//! Passes, cheapest first, stopping at the first that finds something: rxing on the frame
//! (downscaled to about 960 px wide when larger); rqrr, which reads some codes rxing misses
//! (its panics are contained); and, only when the frame has a light-on-dark look, rxing on the
//! inverted frame.

use std::panic::{AssertUnwindSafe, catch_unwind};

use rxing::{BarcodeFormat, DecodeHints};

use crate::payload::{Payload, PayloadError};

/// Frames wider than this are downscaled before decoding.
pub const MAX_DECODE_WIDTH: u32 = 1280;
/// The width a large frame is brought down to (by an integer factor, averaging pixels).
pub const TARGET_WIDTH: u32 = 960;

/// Pictures smaller than this (on their longer side) get a padded, enlarged second look.
const SMALL_FRAME: u32 = 640;

/// An 8-bit grayscale image, row by row.
#[derive(Clone, Debug)]
pub struct GrayFrame {
    pub width: u32,
    pub height: u32,
    pub pixels: Vec<u8>,
}

impl GrayFrame {
    pub fn new(width: u32, height: u32, pixels: Vec<u8>) -> GrayFrame {
        assert_eq!(pixels.len(), (width * height) as usize, "pixels must be width × height");
        GrayFrame { width, height, pixels }
    }

    /// Loads a PNG, JPEG or WebP file as grayscale.
    pub fn load(path: &std::path::Path) -> Result<GrayFrame, String> {
        let img = image::open(path)
            .map_err(|e| format!("{}: {e}", path.display()))?
            .into_luma8();
        let (w, h) = img.dimensions();
        Ok(GrayFrame::new(w, h, img.into_raw()))
    }

    /// Averages `factor × factor` blocks into one pixel.
    pub fn downscale(&self, factor: u32) -> GrayFrame {
        let (w, h) = (self.width / factor, self.height / factor);
        let mut pixels = Vec::with_capacity((w * h) as usize);
        let area = factor * factor;
        for y in 0..h {
            for x in 0..w {
                let mut sum = 0u32;
                for dy in 0..factor {
                    let row = ((y * factor + dy) * self.width + x * factor) as usize;
                    sum += self.pixels[row..row + factor as usize]
                        .iter()
                        .map(|&p| u32::from(p))
                        .sum::<u32>();
                }
                pixels.push((sum / area) as u8);
            }
        }
        GrayFrame::new(w, h, pixels)
    }

    /// The frame inside a white border `pad` pixels wide.
    fn padded(&self, pad: u32) -> GrayFrame {
        let w = self.width + 2 * pad;
        let mut pixels = vec![255u8; (w * (self.height + 2 * pad)) as usize];
        for y in 0..self.height {
            let from = (y * self.width) as usize;
            let to = ((y + pad) * w + pad) as usize;
            pixels[to..to + self.width as usize].copy_from_slice(&self.pixels[from..from + self.width as usize]);
        }
        GrayFrame::new(w, self.height + 2 * pad, pixels)
    }

    /// Twice the width and height, each pixel repeated.
    fn upscale2(&self) -> GrayFrame {
        let w = self.width * 2;
        let mut pixels = Vec::with_capacity((w * self.height * 2) as usize);
        for row in self.pixels.chunks(self.width as usize) {
            let doubled: Vec<u8> = row.iter().flat_map(|&p| [p, p]).collect();
            pixels.extend_from_slice(&doubled);
            pixels.extend_from_slice(&doubled);
        }
        GrayFrame::new(w, self.height * 2, pixels)
    }

    fn inverted(&self) -> GrayFrame {
        GrayFrame::new(self.width, self.height, self.pixels.iter().map(|p| 255 - p).collect())
    }

    fn mean(&self) -> u32 {
        let sum: u64 = self.pixels.iter().step_by(7).map(|&p| u64::from(p)).sum();
        (sum / (self.pixels.len() as u64).div_ceil(7).max(1)) as u32
    }
}

/// A QR code found in a frame.
#[derive(Clone, Debug, PartialEq)]
pub struct FoundCode {
    /// The text it holds, whatever it is.
    pub text: String,
    /// Four corners in frame coordinates (approximate for codes found by their finder patterns).
    pub outline: [(f32, f32); 4],
    /// The Custody code it holds, or why it is not one.
    pub payload: Result<Payload, PayloadError>,
}

/// Every QR code in the frame, Custody or not, each once.
pub fn read_codes(frame: &GrayFrame) -> Vec<FoundCode> {
    let factor = if frame.width > MAX_DECODE_WIDTH {
        frame.width.div_ceil(TARGET_WIDTH)
    } else {
        1
    };
    let small;
    let work = if factor > 1 {
        small = frame.downscale(factor);
        &small
    } else {
        frame
    };
    let mut found = with_rxing(work);
    if found.is_empty() {
        found = with_rqrr(work);
    }
    // Inverted (light-on-dark) codes are rare; only a dark frame is worth a second look.
    if found.is_empty() && work.mean() < 110 {
        found = with_rxing(&work.inverted());
    }
    let mut scale = factor as f32;
    let mut shift = 0.0;
    // A small picture (a crop, a scan of one label) may be tight to the code and coarse: give it
    // a quiet zone and twice the pixels. Camera frames are never this small, so this costs the
    // live preview nothing.
    if found.is_empty() && work.width.max(work.height) < SMALL_FRAME {
        let pad = work.width.max(work.height) / 8;
        let bigger = work.padded(pad).upscale2();
        found = with_rxing(&bigger);
        if found.is_empty() {
            found = with_rqrr(&bigger);
        }
        if found.is_empty() {
            found = with_rxing_global(&bigger);
        }
        if found.is_empty() {
            found = with_rxing(&bigger.inverted());
        }
        scale /= 2.0;
        shift = pad as f32;
    }
    let mut codes: Vec<FoundCode> = Vec::new();
    for (text, outline) in found {
        if codes.iter().any(|c| c.text == text) {
            continue;
        }
        codes.push(FoundCode {
            payload: Payload::parse(&text),
            outline: outline.map(|(x, y)| (x * scale - shift * factor as f32, y * scale - shift * factor as f32)),
            text,
        });
    }
    codes
}

type Raw = Vec<(String, [(f32, f32); 4])>;

/// Look for QR codes only, trying hard.
fn qr_hints() -> DecodeHints {
    DecodeHints {
        PossibleFormats: Some([BarcodeFormat::QR_CODE].into_iter().collect()),
        TryHarder: Some(true),
        ..DecodeHints::default()
    }
}

fn with_rxing(frame: &GrayFrame) -> Raw {
    let mut hints = qr_hints();
    let results =
        rxing::helpers::detect_multiple_in_luma_with_hints(frame.pixels.clone(), frame.width, frame.height, &mut hints)
            .unwrap_or_default();
    results
        .into_iter()
        .map(|r| {
            let points: Vec<(f32, f32)> = r.getPoints().iter().map(|p| (p.x, p.y)).collect();
            (r.getText().to_string(), outline_from_finders(&points))
        })
        .collect()
}

/// rxing with one threshold for the whole picture: reads some blurred pictures that the local
/// thresholds of the usual (hybrid) binarizer break up.
fn with_rxing_global(frame: &GrayFrame) -> Raw {
    use rxing::Reader;
    let hints = qr_hints();
    let Ok(source) = rxing::Luma8LuminanceSource::new(frame.pixels.clone(), frame.width, frame.height) else {
        return Vec::new();
    };
    let mut bitmap = rxing::BinaryBitmap::new(rxing::common::GlobalHistogramBinarizer::new(source));
    rxing::MultiFormatReader::default()
        .decode_with_hints(&mut bitmap, &hints)
        .map(|r| {
            let points: Vec<(f32, f32)> = r.getPoints().iter().map(|p| (p.x, p.y)).collect();
            vec![(r.getText().to_string(), outline_from_finders(&points))]
        })
        .unwrap_or_default()
}

/// rxing reports the centres of the three finder patterns (bottom-left, top-left, top-right);
/// the fourth corner completes the parallelogram, and the whole is pushed out from its centre
/// to reach the code's edges (finder centres sit 3.5 modules in).
fn outline_from_finders(points: &[(f32, f32)]) -> [(f32, f32); 4] {
    let [bl, tl, tr] = match points {
        [a, b, c, ..] => [*a, *b, *c],
        _ => return [(0.0, 0.0); 4],
    };
    let br = (bl.0 + tr.0 - tl.0, bl.1 + tr.1 - tl.1);
    let centre = ((bl.0 + tr.0) / 2.0, (bl.1 + tr.1) / 2.0);
    let grow = |p: (f32, f32)| (centre.0 + (p.0 - centre.0) * 1.4, centre.1 + (p.1 - centre.1) * 1.4);
    [grow(tl), grow(tr), grow(br), grow(bl)]
}

fn with_rqrr(frame: &GrayFrame) -> Raw {
    // rqrr panics on some images; a panic here must never take the camera thread down.
    catch_unwind(AssertUnwindSafe(|| {
        let mut prepared =
            rqrr::PreparedImage::prepare_from_greyscale(frame.width as usize, frame.height as usize, |x, y| {
                frame.pixels[y * frame.width as usize + x]
            });
        prepared
            .detect_grids()
            .into_iter()
            .filter_map(|grid| {
                let bounds = grid.bounds.map(|p| (p.x as f32, p.y as f32));
                grid.decode().ok().map(|(_, text)| (text, bounds))
            })
            .collect()
    }))
    .unwrap_or_default()
}
