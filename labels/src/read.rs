//! Reading codes from a camera frame: a grayscale image in, every QR code in it out, each with
//! its outline (for the preview) and whether it is a Custody code.
//!
//! Passes, cheapest first, stopping at the first that finds something. In a camera frame, the
//! busy patches first (where ink meets paper: a label held up), each cut out, enlarged and read,
//! then sharpened and read again; the whole frame only when there is contrast elsewhere: rxing
//! on the frame (downscaled to about 960 px wide when larger); rqrr, which reads some codes
//! rxing misses (its panics are contained); and, only when the frame has a light-on-dark look,
//! rxing on the inverted frame. A small picture (a crop, a scan; never a camera frame): rxing,
//! then inside a quiet zone (rxing, with one threshold, inverted), then twice the size.

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

    /// The `w × h` part of the frame whose top-left corner is at (x, y).
    fn crop(&self, x: u32, y: u32, w: u32, h: u32) -> GrayFrame {
        let mut pixels = Vec::with_capacity((w * h) as usize);
        for row in y..y + h {
            let start = (row * self.width + x) as usize;
            pixels.extend_from_slice(&self.pixels[start..start + w as usize]);
        }
        GrayFrame::new(w, h, pixels)
    }

    /// `factor` times the width and height, each new pixel blended from its four nearest
    /// (bilinear): edges stay soft, so a thresholder finds where they are between pixels.
    pub(crate) fn enlarged(&self, factor: u32) -> GrayFrame {
        let (w, h) = (self.width * factor, self.height * factor);
        // Where each new column and row falls between the old ones, with its weight in 256ths:
        // worked out once, not per pixel, and blended in integers.
        let place = |i: u32, len: u32| {
            let f = ((i as f32 + 0.5) / factor as f32 - 0.5).clamp(0.0, (len - 1) as f32);
            let i0 = f as u32;
            (
                i0 as usize,
                (i0 + 1).min(len - 1) as usize,
                (f.fract() * 256.0).round() as u32,
            )
        };
        let columns: Vec<(usize, usize, u32)> = (0..w).map(|x| place(x, self.width)).collect();
        // Each old row is widened once (kept unrounded: 255 × 256 fits 16 bits), and each new
        // row blends the two widened rows about it.
        let widened: Vec<Vec<u16>> = self
            .pixels
            .chunks(self.width as usize)
            .map(|row| {
                columns
                    .iter()
                    .map(|&(x0, x1, tx)| (u32::from(row[x0]) * (256 - tx) + u32::from(row[x1]) * tx) as u16)
                    .collect()
            })
            .collect();
        let mut pixels = Vec::with_capacity((w * h) as usize);
        for y in 0..h {
            let (y0, y1, ty) = place(y, self.height);
            pixels.extend(widened[y0].iter().zip(&widened[y1]).map(|(&upper, &lower)| {
                ((u32::from(upper) * (256 - ty) + u32::from(lower) * ty + (1 << 15)) >> 16) as u8
            }));
        }
        GrayFrame::new(w, h, pixels)
    }

    /// Unsharp masking: each pixel pushed away from the mean of the `radius` around it by
    /// `amount` times the difference, undoing some of a soft lens's blur.
    fn sharpened(&self, radius: u32, amount: f32) -> GrayFrame {
        let mut blurred: Vec<f32> = self.pixels.iter().map(|&p| f32::from(p)).collect();
        crate::synth::box_blur(&mut blurred, self.width, self.height, radius);
        let pixels = self
            .pixels
            .iter()
            .zip(&blurred)
            .map(|(&p, &m)| (f32::from(p) + amount * (f32::from(p) - m)).clamp(0.0, 255.0) as u8)
            .collect();
        GrayFrame::new(self.width, self.height, pixels)
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
    let mut codes: Vec<FoundCode> = Vec::new();
    // A camera frame: first the patches where ink meets paper (a label held up makes one), each
    // cut out and enlarged: cheaper than the whole frame, and it reads small, soft codes that
    // the whole frame does not. The whole frame is read too when there is contrast outside the
    // patches read (what it finds is added), or when a large patch did not read; a frame with
    // no contrast anywhere holds no code.
    if work.width.max(work.height) >= SMALL_FRAME {
        let busy = busy_patches(work);
        for (text, outline) in read_busy_patches(work, &busy.patches) {
            let outline = outline.map(|(x, y)| (x * factor as f32, y * factor as f32));
            push_code(&mut codes, text, outline);
        }
        // A large patch (a code near the camera) is as well seen in the whole frame, where
        // rqrr and the inverted look get their turn; a small one is not.
        let large_patch = (busy.patches.iter().take(PATCHES_READ)).any(|&(_, _, w, h)| enlargement(w, h) < 2);
        if !busy.any_contrast || !(busy.elsewhere || codes.is_empty() && large_patch) {
            return codes;
        }
    }
    let small_picture = work.width.max(work.height) < SMALL_FRAME;
    let mut found = with_rxing(work);
    // rqrr reads some camera frames rxing misses. On small pictures it read two of the photo
    // corpus's 424 that nothing else did, at a few milliseconds each where nothing is read (its
    // perspective search), and is not asked.
    if found.is_empty() && !small_picture {
        found = with_rqrr(work);
    }
    // Inverted (light-on-dark) codes are rare; only a dark frame is worth a second look.
    if found.is_empty() && work.mean() < 110 {
        found = with_rxing(&work.inverted());
    }
    let mut scale = factor as f32;
    let mut shift = 0.0;
    // A small picture (a crop, a scan of one label) may be tight to the code: give it a quiet
    // zone; and coarse: then twice the pixels, last, as that costs four times as much. Camera
    // frames are never this small, so this costs the live preview nothing.
    if found.is_empty() && small_picture {
        let pad = work.width.max(work.height) / 8;
        let padded = work.padded(pad);
        found = with_rxing(&padded);
        if found.is_empty() {
            found = with_rxing_global(&padded);
        }
        if found.is_empty() {
            found = with_rxing(&padded.inverted());
        }
        if found.is_empty() {
            found = with_rxing(&padded.upscale2());
            scale /= 2.0;
        }
        shift = pad as f32;
    }
    for (text, outline) in found {
        let outline = outline.map(|(x, y)| (x * scale - shift * factor as f32, y * scale - shift * factor as f32));
        push_code(&mut codes, text, outline);
    }
    codes
}

/// Adds a code unless its text is already there.
fn push_code(codes: &mut Vec<FoundCode>, text: String, outline: [(f32, f32); 4]) {
    if codes.iter().all(|c| c.text != text) {
        codes.push(FoundCode {
            payload: Payload::parse(&text),
            outline,
            text,
        });
    }
}

/// The side of the blocks the busy-patch search looks at.
const BLOCK: u32 = 16;
/// The fewest (grown) blocks a patch must have to hold a code: four busy blocks and their ring.
const MIN_PATCH_BLOCKS: u32 = 16;
/// How many patches are enlarged and read at most, the largest first.
const PATCHES_READ: usize = 3;

/// How large an enlarged patch is made, on its longer side: a held-up label's code then has
/// about ten pixels a module, and enlarging further only costs time.
const PATCH_SIZE: u32 = 640;
/// The most a patch is enlarged: the module-by-module reader reads as much at three times as
/// at four (measured on the webcam benchmark), at two thirds of the cost.
const MAX_ENLARGE: u32 = 3;
/// From this enlargement on, a patch holds a small code: it is read module by module only.
const SMALL_CODE_ENLARGEMENT: u32 = 3;
/// How strongly a patch that did not read is sharpened for a second try.
const SHARPEN: f32 = 2.0;

/// Reads the largest busy patches, each cut out with its margin and enlarged (bilinear) to about
/// [`PATCH_SIZE`], then, if that fails, sharpened.
fn read_busy_patches(frame: &GrayFrame, patches: &[(u32, u32, u32, u32)]) -> Raw {
    let mut found = Vec::new();
    for &(x, y, w, h) in patches.iter().take(PATCHES_READ) {
        let f = enlargement(w, h);
        let crop = frame.crop(x, y, w, h);
        // A code large in the frame reads as it is, at a fraction of the enlarged patch's cost;
        // only what does not is enlarged.
        let direct = if f > 1 { with_rxing(&crop) } else { Vec::new() };
        if !direct.is_empty() {
            found.extend(
                direct
                    .into_iter()
                    .map(|(text, outline)| (text, outline.map(|(px, py)| (x as f32 + px, y as f32 + py)))),
            );
            continue;
        }
        let crop = crop.enlarged(f);
        let raw = if f >= SMALL_CODE_ENLARGEMENT {
            // A code a few pixels a module wide (held at arm's length): laid out by its finders
            // and read module by module, whatever its version (a Custody code is version 1 to
            // 3). On such patches the general decoders read no Custody code this does not
            // (measured on the webcam benchmark) at twice to three times the cost, so they are
            // not asked: a foreign code this small goes unread.
            crate::small_code::read_small_code(&crop).into_iter().collect()
        } else {
            let mut raw = with_rxing(&crop);
            // A soft code's modules run into each other; pushing each pixel away from its
            // surroundings (unsharp masking over one frame pixel) parts them again.
            if raw.is_empty() {
                raw = with_rxing(&crop.sharpened(f, SHARPEN));
            }
            if raw.is_empty() {
                raw = with_rqrr(&crop);
            }
            if raw.is_empty() {
                raw = crate::small_code::read_small_code(&crop).into_iter().collect();
            }
            raw
        };
        found.extend(raw.into_iter().map(|(text, outline)| {
            (
                text,
                outline.map(|(px, py)| (x as f32 + px / f as f32, y as f32 + py / f as f32)),
            )
        }));
    }
    found
}

/// How many times a `w × h` patch is enlarged: to about [`PATCH_SIZE`], at most [`MAX_ENLARGE`].
fn enlargement(w: u32, h: u32) -> u32 {
    (PATCH_SIZE / w.max(h).max(1)).clamp(1, MAX_ENLARGE)
}

/// What the busy-patch search found.
struct Busy {
    /// Patches of high contrast, as (x, y, width, height) with a block's margin, largest first;
    /// patches too small to hold a code or too large to be one held up are left out.
    patches: Vec<(u32, u32, u32, u32)>,
    /// Whether any block has even half the contrast of ink on paper.
    any_contrast: bool,
    /// Whether contrast was found that the patches read do not cover (a region too large to be
    /// a label held up, such as a code close to the camera, or more patches than are read), so
    /// that the whole frame is still worth reading.
    elsewhere: bool,
}

/// How much light and dark must differ in a block for it to be busy, in grey levels: printed
/// ink on paper, dimly lit and softened, still differs by more.
const BUSY_CONTRAST: u8 = 60;

/// Each whole block's contrast (its lightest pixel less its darkest), row by row of blocks:
/// first column by column down a block's rows (element by element, which the compiler turns
/// into wide vector instructions), then across each block's columns. Pixel by pixel, block by
/// block, it took a millisecond a 1280×720 frame; this way a sixth of that.
fn block_contrasts(frame: &GrayFrame) -> Vec<u8> {
    let (bw, bh) = (frame.width / BLOCK, frame.height / BLOCK);
    let width = (bw * BLOCK) as usize;
    let mut contrasts = Vec::with_capacity((bw * bh) as usize);
    let (mut lo, mut hi) = (vec![u8::MAX; width], vec![u8::MIN; width]);
    for by in 0..bh {
        lo.fill(u8::MAX);
        hi.fill(u8::MIN);
        for y in by * BLOCK..(by + 1) * BLOCK {
            let start = (y * frame.width) as usize;
            let row = &frame.pixels[start..start + width];
            for ((l, h), &p) in lo.iter_mut().zip(hi.iter_mut()).zip(row) {
                *l = (*l).min(p);
                *h = (*h).max(p);
            }
        }
        for (l, h) in lo.chunks_exact(BLOCK as usize).zip(hi.chunks_exact(BLOCK as usize)) {
            let darkest = l.iter().copied().min().unwrap_or(u8::MAX);
            let lightest = h.iter().copied().max().unwrap_or(u8::MIN);
            contrasts.push(lightest.saturating_sub(darkest));
        }
    }
    contrasts
}

fn busy_patches(frame: &GrayFrame) -> Busy {
    let (bw, bh) = (frame.width / BLOCK, frame.height / BLOCK);
    let contrasts = block_contrasts(frame);
    let any_contrast = contrasts.iter().any(|&c| c > BUSY_CONTRAST / 2);
    let busy: Vec<bool> = contrasts.iter().map(|&c| c > BUSY_CONTRAST).collect();
    // Grown by a block each way, so that a label's parts (its code, its lines of text, its
    // edges against the desk) join into one patch, with a block of margin around it.
    let busy: Vec<bool> = (0..busy.len())
        .map(|i| {
            let (bx, by) = (i as u32 % bw, i as u32 / bw);
            (by.saturating_sub(1)..(by + 2).min(bh))
                .any(|y| (bx.saturating_sub(1)..(bx + 2).min(bw)).any(|x| busy[(y * bw + x) as usize]))
        })
        .collect();
    let mut seen = vec![false; busy.len()];
    let mut patches = Vec::new();
    let mut elsewhere = false;
    for start in 0..busy.len() {
        if !busy[start] || seen[start] {
            continue;
        }
        // One patch: the busy blocks joined to this one, side by side.
        let (mut x0, mut y0, mut x1, mut y1, mut count) = (u32::MAX, u32::MAX, 0, 0, 0);
        let mut stack = vec![start];
        seen[start] = true;
        while let Some(i) = stack.pop() {
            let (bx, by) = (i as u32 % bw, i as u32 / bw);
            (x0, y0, x1, y1, count) = (x0.min(bx), y0.min(by), x1.max(bx), y1.max(by), count + 1);
            let mut visit = |j: usize| {
                if busy[j] && !seen[j] {
                    seen[j] = true;
                    stack.push(j);
                }
            };
            if bx > 0 {
                visit(i - 1);
            }
            if bx + 1 < bw {
                visit(i + 1);
            }
            if by > 0 {
                visit(i - bw as usize);
            }
            if by + 1 < bh {
                visit(i + bw as usize);
            }
        }
        let (w, h) = (x1 - x0 + 1, y1 - y0 + 1);
        if w > bw / 3 || h > bh / 2 {
            elsewhere = true;
        } else if count >= MIN_PATCH_BLOCKS {
            patches.push((count, x0, y0, x1 + 1, y1 + 1));
        }
    }
    patches.sort_by_key(|p| std::cmp::Reverse(p.0));
    elsewhere |= patches.len() > PATCHES_READ;
    Busy {
        patches: patches
            .into_iter()
            .map(|(_, x0, y0, x1, y1)| (x0 * BLOCK, y0 * BLOCK, (x1 - x0) * BLOCK, (y1 - y0) * BLOCK))
            .collect(),
        any_contrast,
        elsewhere,
    }
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

/// rxing's two QR detectors on one black-and-white picture: the one ported from zxing-cpp,
/// which finds every code in it, and, when that finds none, the older one, which reads some it
/// does not. Black and white by [`crate::binarize`] (rxing's local threshold, faster).
fn with_rxing(frame: &GrayFrame) -> Raw {
    match rxing::Luma8LuminanceSource::new(frame.pixels.clone(), frame.width, frame.height) {
        Ok(source) => both_detectors(crate::binarize::LocalThreshold::new(source)),
        Err(_) => Vec::new(),
    }
}

/// The same with one threshold for the whole picture: reads some blurred pictures that the
/// local thresholds break up.
fn with_rxing_global(frame: &GrayFrame) -> Raw {
    match rxing::Luma8LuminanceSource::new(frame.pixels.clone(), frame.width, frame.height) {
        Ok(source) => both_detectors(rxing::common::GlobalHistogramBinarizer::new(source)),
        Err(_) => Vec::new(),
    }
}

fn both_detectors<B: rxing::Binarizer>(binarizer: B) -> Raw {
    use rxing::Reader;
    use rxing::multi::MultipleBarcodeReader;
    let hints = qr_hints();
    let mut bitmap = rxing::BinaryBitmap::new(binarizer);
    let found: Raw = rxing::qrcode::cpp_port::QrReader
        .decode_multiple_with_hints(&mut bitmap, &hints)
        .unwrap_or_default()
        .iter()
        .map(|r| (r.getText().to_string(), outline_from_corners(&points_of(r))))
        .collect();
    if !found.is_empty() {
        return found;
    }
    rxing::qrcode::QRCodeReader
        .decode_with_hints(&mut bitmap, &hints)
        .map(|r| vec![(r.getText().to_string(), outline_from_finders(&points_of(&r)))])
        .unwrap_or_default()
}

fn points_of(r: &rxing::RXingResult) -> Vec<(f32, f32)> {
    r.getPoints().iter().map(|p| (p.x, p.y)).collect()
}

/// The zxing-cpp port reports the code's four corners: top-left, top-right, bottom-left,
/// bottom-right, in that order.
fn outline_from_corners(points: &[(f32, f32)]) -> [(f32, f32); 4] {
    match points {
        [tl, tr, bl, br, ..] => [*tl, *tr, *br, *bl],
        _ => [(0.0, 0.0); 4],
    }
}

/// The older detector reports the centres of the three finder patterns (bottom-left, top-left,
/// top-right), and then an alignment pattern's if it found one: the fourth corner completes the
/// parallelogram, and the whole is pushed out from its centre to reach the code's edges (finder
/// centres sit 3.5 modules in).
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

#[cfg(test)]
mod tests {
    use super::*;

    /// Each block's contrast the plain way, pixel by pixel, block by block.
    fn block_contrasts_one_by_one(frame: &GrayFrame) -> Vec<u8> {
        let (bw, bh) = (frame.width / BLOCK, frame.height / BLOCK);
        let mut found = Vec::new();
        for by in 0..bh {
            for bx in 0..bw {
                let pixels = (by * BLOCK..(by + 1) * BLOCK).flat_map(|y| {
                    let start = (y * frame.width + bx * BLOCK) as usize;
                    frame.pixels[start..start + BLOCK as usize].iter().copied()
                });
                let (lo, hi) = pixels.fold((u8::MAX, u8::MIN), |(lo, hi), p| (lo.min(p), hi.max(p)));
                found.push(hi - lo);
            }
        }
        found
    }

    /// The enlargement the plain way: each new pixel from its four nearest, one at a time.
    fn enlarged_one_by_one(frame: &GrayFrame, factor: u32) -> GrayFrame {
        let (w, h) = (frame.width * factor, frame.height * factor);
        let place = |i: u32, len: u32| {
            let f = ((i as f32 + 0.5) / factor as f32 - 0.5).clamp(0.0, (len - 1) as f32);
            let i0 = f as u32;
            (i0, (i0 + 1).min(len - 1), (f.fract() * 256.0).round() as u32)
        };
        let p = |x: u32, y: u32| u32::from(frame.pixels[(y * frame.width + x) as usize]);
        let mut pixels = Vec::new();
        for y in 0..h {
            let (y0, y1, ty) = place(y, frame.height);
            for x in 0..w {
                let (x0, x1, tx) = place(x, frame.width);
                let upper = p(x0, y0) * (256 - tx) + p(x1, y0) * tx;
                let lower = p(x0, y1) * (256 - tx) + p(x1, y1) * tx;
                pixels.push(((upper * (256 - ty) + lower * ty + (1 << 15)) >> 16) as u8);
            }
        }
        GrayFrame::new(w, h, pixels)
    }

    #[test]
    fn an_enlargement_is_the_pixel_by_pixel_one() {
        fastrand::seed(34);
        for _ in 0..30 {
            let (w, h) = (fastrand::u32(1..90), fastrand::u32(1..70));
            let frame = GrayFrame::new(w, h, (0..w * h).map(|_| fastrand::u8(..)).collect());
            for factor in 1..=4 {
                assert_eq!(
                    frame.enlarged(factor).pixels,
                    enlarged_one_by_one(&frame, factor).pixels,
                    "{w}×{h} ×{factor}"
                );
            }
        }
    }

    /// A code six pixels a module, its modules from (124, 104) to (250, 230) in a camera-sized
    /// frame: the outline drawn on the preview lies on its corners, in order.
    #[test]
    fn the_outline_lies_on_the_codes_corners() {
        let code = crate::synth::code_picture("CU1:I:LT-0042").unwrap();
        let (w, h) = (640u32, 480u32);
        let mut pixels = vec![255u8; (w * h) as usize];
        for y in 0..code.height() * 6 {
            for x in 0..code.width() * 6 {
                pixels[((y + 80) * w + x + 100) as usize] = code.get_pixel(x / 6, y / 6).0[0];
            }
        }
        let found = read_codes(&GrayFrame::new(w, h, pixels));
        assert_eq!(found.len(), 1, "{found:?}");
        let corners = [(124.0, 104.0), (250.0, 104.0), (250.0, 230.0), (124.0, 230.0)];
        for (&(x, y), (cx, cy)) in found[0].outline.iter().zip(corners) {
            assert!((x - cx).abs() < 9.0 && (y - cy).abs() < 9.0, "{:?}", found[0].outline);
        }
    }

    /// The older detector's points (finder centres, then an alignment pattern's on a version-2
    /// code) make the same outline.
    #[test]
    fn the_older_detectors_outline_lies_on_the_codes_corners() {
        use rxing::Reader;
        let code = crate::synth::code_picture("CU1:I:Chromebook-17").unwrap();
        assert_eq!(code.width(), 25 + 8, "a version-2 code");
        let (w, h) = (400u32, 300u32);
        let mut pixels = vec![255u8; (w * h) as usize];
        for y in 0..code.height() * 6 {
            for x in 0..code.width() * 6 {
                pixels[((y + 40) * w + x + 60) as usize] = code.get_pixel(x / 6, y / 6).0[0];
            }
        }
        let source = rxing::Luma8LuminanceSource::new(pixels, w, h).unwrap();
        let mut bitmap = rxing::BinaryBitmap::new(crate::binarize::LocalThreshold::new(source));
        let read = rxing::qrcode::QRCodeReader
            .decode_with_hints(&mut bitmap, &qr_hints())
            .unwrap();
        assert_eq!(read.getPoints().len(), 4, "finders and the alignment pattern");
        let outline = outline_from_finders(&points_of(&read));
        // Modules from (84, 64) to (234, 214).
        let corners = [(84.0, 64.0), (234.0, 64.0), (234.0, 214.0), (84.0, 214.0)];
        for (&(x, y), (cx, cy)) in outline.iter().zip(corners) {
            assert!((x - cx).abs() < 9.0 && (y - cy).abs() < 9.0, "{outline:?}");
        }
    }

    #[test]
    fn block_contrasts_are_those_a_pixel_by_pixel_search_finds() {
        fastrand::seed(33);
        for _ in 0..50 {
            // Any size (with strips past the last whole block), any pixels.
            let (w, h) = (fastrand::u32(16..400), fastrand::u32(16..300));
            let pixels = (0..w * h).map(|_| fastrand::u8(..)).collect();
            let frame = GrayFrame::new(w, h, pixels);
            assert_eq!(block_contrasts(&frame), block_contrasts_one_by_one(&frame), "{w}×{h}");
        }
    }
}
