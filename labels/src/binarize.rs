//! Black and white for rxing's QR detectors: rxing's own local-threshold ("hybrid") binarizer,
//! computed the same way, bit for bit, at a fraction of its cost. It was the largest single cost
//! of a picture that holds no readable code: every pixel set one at a time in the bit matrix. Here
//! each 8 × 8 block's black point is found as rxing finds it, each block's threshold is the mean
//! of the 5 × 5 black points around it, and a row's bits are packed into words before they go
//! into the matrix.

use std::borrow::Cow;

use rxing::common::{BitArray, BitMatrix, GlobalHistogramBinarizer, LineOrientation, Result};
use rxing::{Binarizer, Luma8LuminanceSource, LuminanceSource};

const BLOCK: usize = 8;
/// Pictures smaller than five blocks a side are left to rxing's global threshold, as rxing does.
const MINIMUM: usize = BLOCK * 5;
/// How far a block's darkest and lightest pixels must differ for its mean to be its black point.
const MIN_DYNAMIC_RANGE: u8 = 24;

pub(crate) struct LocalThreshold {
    /// For rows of one-dimensional codes and for tiny pictures, as rxing's hybrid binarizer does.
    global: GlobalHistogramBinarizer<Luma8LuminanceSource>,
    matrix: Option<BitMatrix>,
}

impl LocalThreshold {
    pub(crate) fn new(source: Luma8LuminanceSource) -> LocalThreshold {
        let (width, height) = (source.get_width(), source.get_height());
        let matrix = (width >= MINIMUM && height >= MINIMUM)
            .then(|| threshold(&source.get_matrix(), width, height))
            .flatten();
        LocalThreshold {
            global: GlobalHistogramBinarizer::new(source),
            matrix,
        }
    }
}

impl Binarizer for LocalThreshold {
    type Source = Luma8LuminanceSource;

    fn get_luminance_source(&self) -> &Self::Source {
        self.global.get_luminance_source()
    }

    fn get_black_row(&self, y: usize) -> Result<Cow<'_, BitArray>> {
        self.global.get_black_row(y)
    }

    /// (rxing's gives the global threshold's row until its matrix has been asked for; this one's
    /// matrix is always there. Only one-dimensional readers ask.)
    fn get_black_row_from_matrix(&self, y: usize) -> Result<Cow<'_, BitArray>> {
        match &self.matrix {
            Some(matrix) => Ok(Cow::Owned(matrix.getRow(y as u32))),
            None => self.global.get_black_row(y),
        }
    }

    fn get_black_matrix(&self) -> Result<&BitMatrix> {
        match &self.matrix {
            Some(matrix) => Ok(matrix),
            None => self.global.get_black_matrix(),
        }
    }

    fn get_black_line(&self, l: usize, lt: LineOrientation) -> Result<Cow<'_, BitArray>> {
        self.global.get_black_line(l, lt)
    }

    fn create_binarizer(&self, source: Self::Source) -> Self {
        LocalThreshold::new(source)
    }

    fn get_width(&self) -> usize {
        self.global.get_width()
    }

    fn get_height(&self) -> usize {
        self.global.get_height()
    }
}

/// The black point of each block (the last block of a row or column moved in to end at the
/// picture's edge, overlapping the one before): the mean of its pixels if they differ enough;
/// otherwise half its darkest, or, if darker than them, the mean of the black points above,
/// to the left (counted twice) and above-left. A row of blocks is summed column by column first
/// (element by element, which the compiler widens), then across each block.
fn black_points(pixels: &[u8], width: usize, height: usize) -> (Vec<u32>, usize, usize) {
    let (across, down) = (width.div_ceil(BLOCK), height.div_ceil(BLOCK));
    let mut points = vec![0u32; across * down];
    let (mut sums, mut lows, mut highs) = (vec![0u16; width], vec![0u8; width], vec![0u8; width]);
    for by in 0..down {
        let top = (by * BLOCK).min(height - BLOCK);
        sums.fill(0);
        lows.fill(u8::MAX);
        highs.fill(u8::MIN);
        for row in pixels[top * width..].chunks(width).take(BLOCK) {
            for (((sum, lo), hi), &p) in sums.iter_mut().zip(lows.iter_mut()).zip(highs.iter_mut()).zip(row) {
                *sum += u16::from(p);
                *lo = (*lo).min(p);
                *hi = (*hi).max(p);
            }
        }
        for bx in 0..across {
            let left = (bx * BLOCK).min(width - BLOCK);
            let columns = left..left + BLOCK;
            let sum: u32 = sums[columns.clone()].iter().map(|&s| u32::from(s)).sum();
            let lo = lows[columns.clone()].iter().copied().min().unwrap_or(u8::MAX);
            let hi = highs[columns].iter().copied().max().unwrap_or(u8::MIN);
            let mut point = sum >> 6;
            if hi - lo <= MIN_DYNAMIC_RANGE {
                point = u32::from(lo) / 2;
                if by > 0 && bx > 0 {
                    let at = |x: usize, y: usize| points[y * across + x];
                    let neighbours = (at(bx, by - 1) + 2 * at(bx - 1, by) + at(bx - 1, by - 1)) / 4;
                    if u32::from(lo) < neighbours {
                        point = neighbours;
                    }
                }
            }
            points[by * across + bx] = point;
        }
    }
    (points, across, down)
}

/// The bit matrix: a pixel is black when no lighter than the mean of the 5 × 5 black points
/// about its block (the square moved in to stay inside the picture). Where the last blocks
/// overlap the ones before, a pixel black under either block's threshold is black: under the
/// higher of the two.
fn threshold(pixels: &[u8], width: usize, height: usize) -> Option<BitMatrix> {
    // rxing's bit matrices are rows of machine words, lowest bit first.
    const WORD: usize = usize::BITS as usize;
    let (points, across, down) = black_points(pixels, width, height);
    let words = width.div_ceil(WORD);
    let mut bits = vec![0usize; words * height];
    // Each pixel's limit along a row of blocks, and which pixels of a row are black (0 or 1),
    // padded to whole words.
    let mut limits = vec![0u8; width];
    let mut dark = vec![0u8; words * WORD];
    for by in 0..down {
        let top = (by * BLOCK).min(height - BLOCK);
        let centre_y = by.clamp(2, down - 3);
        for bx in 0..across {
            let left = (bx * BLOCK).min(width - BLOCK);
            let centre_x = bx.clamp(2, across - 3);
            let sum: u32 = (centre_y - 2..=centre_y + 2)
                .map(|y| {
                    points[y * across + centre_x - 2..=y * across + centre_x + 2]
                        .iter()
                        .sum::<u32>()
                })
                .sum();
            // A mean of black points, each at most 255.
            let limit = (sum / 25) as u8;
            // The last block's columns that the one before also covers keep the higher limit.
            for (x, l) in (left..).zip(&mut limits[left..left + BLOCK]) {
                *l = if x < bx * BLOCK { (*l).max(limit) } else { limit };
            }
        }
        for (y, row) in (top..top + BLOCK).zip(pixels[top * width..].chunks(width)) {
            for ((d, &p), &l) in dark.iter_mut().zip(row).zip(&limits) {
                *d = u8::from(p <= l);
            }
            for (word, chunk) in bits[y * words..(y + 1) * words].iter_mut().zip(dark.chunks_exact(WORD)) {
                *word |= pack(chunk);
            }
        }
    }
    let mut matrix = BitMatrix::new(width as u32, height as u32).ok()?;
    let mut row = BitArray::with_size(width);
    for y in 0..height {
        row.clear();
        for (i, &word) in bits[y * words..(y + 1) * words].iter().enumerate() {
            row.setBulk(i * WORD, word);
        }
        matrix.setRow(y as u32, &row);
    }
    Some(matrix)
}

/// A word's worth of 0-or-1 bytes as bits, the first lowest: eight at a time, each eight bytes
/// gathered into one by a multiplication whose partial products never overlap.
fn pack(bytes: &[u8]) -> usize {
    bytes.chunks_exact(8).enumerate().fold(0usize, |word, (i, eight)| {
        let lanes = u64::from_le_bytes(eight.try_into().unwrap_or([0; 8]));
        let gathered = (lanes.wrapping_mul(0x0102_0408_1020_4080) >> 56) as usize;
        word | gathered << (8 * i)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The same matrix as rxing's hybrid binarizer, bit for bit, on pictures of every kind of
    /// size (whole blocks or not, just five blocks a side) and content (noise, flat areas beside
    /// busy ones, as a code on paper has).
    #[test]
    fn it_is_rxings_hybrid_binarizer_bit_for_bit() {
        let mut rng = fastrand::Rng::with_seed(35);
        for round in 0..60 {
            let (w, h) = (rng.usize(40..300), rng.usize(40..240));
            let flat = rng.u8(..);
            let pixels: Vec<u8> = (0..w * h)
                .map(|i| match round % 3 {
                    0 => rng.u8(..),
                    1 if (i % w) < w / 2 => flat.saturating_add(rng.u8(..10)),
                    _ => {
                        if ((i % w) / 3 + (i / w) / 3) % 2 == 0 {
                            rng.u8(0..80)
                        } else {
                            rng.u8(150..)
                        }
                    }
                })
                .collect();
            let source = || Luma8LuminanceSource::new(pixels.clone(), w as u32, h as u32).unwrap();
            let ours = LocalThreshold::new(source());
            let theirs = rxing::common::HybridBinarizer::new(source());
            assert_eq!(
                ours.get_black_matrix().unwrap(),
                theirs.get_black_matrix().unwrap(),
                "{w}×{h}, round {round}"
            );
        }
    }
}
