//! Synthetic photographs of printed codes, for tests and benchmarks that must not depend on
//! anyone else's pictures: a flat picture (a QR code, or a rendered label) is placed in a camera
//! frame at a chosen size and angle, tilted a little, lit unevenly, blurred as an out-of-focus
//! webcam blurs, given sensor noise, and JPEG-compressed. The same seed gives the same frame.

use image::{GrayImage, Luma, RgbImage};
use qrcode::{Color, EcLevel, QrCode};

/// How the picture is photographed.
#[derive(Clone, Debug)]
pub struct Shot {
    /// The frame's size in pixels.
    pub frame: (u32, u32),
    /// How wide the picture appears in the frame, in pixels.
    pub width: f32,
    /// Where its centre is, as a fraction of the frame (0.5, 0.5 is the middle).
    pub centre: (f32, f32),
    /// Rotation in degrees, clockwise.
    pub angle: f32,
    /// Perspective: the far edge is this fraction narrower than the near one (0 is square on).
    pub tilt: f32,
    /// Out-of-focus blur: the radius of the blur in pixels (0 is sharp).
    pub blur: u32,
    /// Overall light, 1.0 for a well-lit desk, lower for dim.
    pub light: f32,
    /// How much the light falls off across the frame (0 is even).
    pub uneven: f32,
    /// Sensor noise: the spread of each pixel's error, in grey levels.
    pub noise: f32,
    /// JPEG quality (1–100), or none for a lossless frame.
    pub jpeg: Option<u8>,
    pub seed: u64,
}

impl Default for Shot {
    fn default() -> Self {
        Shot {
            frame: (1280, 720),
            width: 200.0,
            centre: (0.5, 0.5),
            angle: 0.0,
            tilt: 0.0,
            blur: 0,
            light: 1.0,
            uneven: 0.0,
            noise: 0.0,
            jpeg: None,
            seed: 1,
        }
    }
}

/// A QR code of `text` (error correction M, the 4-module quiet zone) at one pixel per module:
/// white paper, black modules.
pub fn code_picture(text: &str) -> Result<GrayImage, qrcode::types::QrError> {
    let code = QrCode::with_error_correction_level(text.as_bytes(), EcLevel::M)?;
    let modules = code.width() as u32;
    let quiet = 4;
    let side = modules + 2 * quiet;
    let colors = code.to_colors();
    Ok(GrayImage::from_fn(side, side, |x, y| {
        let inside = (quiet..quiet + modules).contains(&x) && (quiet..quiet + modules).contains(&y);
        let dark = inside && colors[((y - quiet) * modules + (x - quiet)) as usize] == Color::Dark;
        Luma([if dark { 0 } else { 255 }])
    }))
}

/// Photographs `picture` as `shot` says.
pub fn photograph(picture: &GrayImage, shot: &Shot) -> RgbImage {
    let (fw, fh) = shot.frame;
    let mut rng = fastrand::Rng::with_seed(shot.seed);
    let (pw, ph) = (picture.width() as f32, picture.height() as f32);
    let height = shot.width * ph / pw;
    let (cx, cy) = (shot.centre.0 * fw as f32, shot.centre.1 * fh as f32);
    let (sin, cos) = shot.angle.to_radians().sin_cos();
    // A desk behind the label: a soft grey gradient with some texture.
    let desk_tone = |x: u32, y: u32| 70.0 + 60.0 * (x as f32 / fw as f32) + 20.0 * (y as f32 / fh as f32);
    // Paper prints at about 235, ink at about 25.
    let ink = |v: u8| 25.0 + f32::from(v) / 255.0 * 210.0;
    let sample = |fx: f32, fy: f32| -> Option<f32> {
        let (dx, dy) = (fx - cx, fy - cy);
        // Undo the rotation, then the tilt (the top edge is narrower).
        let (u, v) = (dx * cos + dy * sin, -dx * sin + dy * cos);
        let v_norm = v / height + 0.5;
        let squeeze = 1.0 - shot.tilt * (1.0 - v_norm);
        let (u, v) = (u / squeeze, v);
        let (px, py) = ((u / shot.width + 0.5) * pw, (v / height + 0.5) * ph);
        if px < 0.0 || py < 0.0 || px >= pw || py >= ph {
            return None;
        }
        Some(ink(picture.get_pixel(px as u32, py as u32)[0]))
    };
    let mut grey = vec![0f32; (fw * fh) as usize];
    for y in 0..fh {
        for x in 0..fw {
            // Four samples a pixel: edges come out as a camera sees them, partly covered.
            let mut sum = 0.0;
            for (ox, oy) in [(0.25, 0.25), (0.75, 0.25), (0.25, 0.75), (0.75, 0.75)] {
                sum += sample(x as f32 + ox, y as f32 + oy).unwrap_or_else(|| desk_tone(x, y));
            }
            grey[(y * fw + x) as usize] = sum / 4.0;
        }
    }
    for _ in 0..2 {
        box_blur(&mut grey, fw, fh, shot.blur);
    }
    let mut frame = RgbImage::new(fw, fh);
    for (i, pixel) in frame.pixels_mut().enumerate() {
        let (x, y) = ((i as u32 % fw) as f32 / fw as f32, (i as u32 / fw) as f32 / fh as f32);
        let light = shot.light * (1.0 - shot.uneven * (0.6 * x + 0.4 * y));
        // Three uniform draws add up to a bell-shaped error.
        let noise = (rng.f32() + rng.f32() + rng.f32() - 1.5) * 2.0 * shot.noise;
        let v = (grey[i] * light + noise).clamp(0.0, 255.0) as u8;
        *pixel = image::Rgb([v, v, v.saturating_sub(4)]);
    }
    match shot.jpeg {
        Some(quality) => jpeg_round_trip(&frame, quality).unwrap_or(frame),
        None => frame,
    }
}

/// Blurs in place with a box of `radius` pixels each way, rows then columns.
pub(crate) fn box_blur(values: &mut [f32], width: u32, height: u32, radius: u32) {
    if radius == 0 {
        return;
    }
    let (w, h, r) = (width as usize, height as usize, radius as usize);
    let mut line = Vec::new();
    let mut pass = |count: usize, len: usize, index: &dyn Fn(usize, usize) -> usize, values: &mut [f32]| {
        for a in 0..count {
            line.clear();
            line.extend((0..len).map(|b| values[index(a, b)]));
            let mut sum: f32 = line[..r.min(len)].iter().sum();
            for b in 0..len {
                if b + r < len {
                    sum += line[b + r];
                }
                if b > r {
                    sum -= line[b - r - 1];
                }
                let span = (b + r).min(len - 1) + 1 - b.saturating_sub(r);
                values[index(a, b)] = sum / span as f32;
            }
        }
    };
    pass(h, w, &|y, x| y * w + x, values);
    pass(w, h, &|x, y| y * w + x, values);
}

fn jpeg_round_trip(frame: &RgbImage, quality: u8) -> Option<RgbImage> {
    let mut bytes = Vec::new();
    image::codecs::jpeg::JpegEncoder::new_with_quality(&mut bytes, quality.clamp(1, 100))
        .encode_image(frame)
        .ok()?;
    Some(image::load_from_memory(&bytes).ok()?.into_rgb8())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::read::{GrayFrame, read_codes};

    fn read(frame: &RgbImage) -> Vec<String> {
        let gray = image::DynamicImage::ImageRgb8(frame.clone()).into_luma8();
        let (w, h) = gray.dimensions();
        read_codes(&GrayFrame::new(w, h, gray.into_raw()))
            .into_iter()
            .map(|c| c.text)
            .collect()
    }

    #[test]
    fn a_clear_photograph_reads_back() {
        let picture = code_picture("CU1:I:LT-0042").unwrap();
        let shot = Shot {
            frame: (640, 480),
            width: 180.0,
            angle: 12.0,
            tilt: 0.1,
            blur: 1,
            light: 0.8,
            uneven: 0.3,
            noise: 4.0,
            jpeg: Some(75),
            ..Shot::default()
        };
        assert_eq!(read(&photograph(&picture, &shot)), ["CU1:I:LT-0042"]);
    }

    #[test]
    fn the_code_is_as_wide_as_asked_and_the_seed_repeats() {
        let picture = code_picture("CU1:I:LT-0042").unwrap();
        let shot = Shot {
            frame: (320, 240),
            width: 100.0,
            noise: 6.0,
            ..Shot::default()
        };
        let frame = photograph(&picture, &shot);
        // The row through the top finder patterns is dark from the code's first module to its
        // last: the code's width less its quiet zone.
        let modules = picture.width() as f32;
        let module = 100.0 / modules;
        let y = (120.0 - 50.0 + 7.5 * module) as u32;
        let row: Vec<u32> = (0..320).filter(|&x| frame.get_pixel(x, y)[0] < 50).collect();
        let (first, last) = (row[0] as f32, *row.last().unwrap() as f32);
        let expected = 100.0 * (modules - 8.0) / modules;
        assert!(
            (last - first + 1.0 - expected).abs() <= 3.0,
            "{first}..{last}, expected {expected}"
        );
        assert_eq!(frame, photograph(&picture, &shot), "same seed, same frame");
    }
}
