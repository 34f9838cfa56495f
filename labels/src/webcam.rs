//! The frames of the webcam benchmark: a printed label held up at arm's length before a 720p
//! webcam. The label is placed in a 1280×720 frame with its code a given number of pixels wide,
//! turned up to 15° either way, tilted a little, blurred as a webcam out of focus blurs, dimly
//! and unevenly lit, with sensor noise, JPEG-compressed at quality 60–80. The same seed gives
//! the same frames, so every decoder is measured on exactly the same pictures.

use image::{GrayImage, RgbImage};

use crate::synth::{Shot, photograph};

/// The code widths measured, in frame pixels: a 24 mm code from about 80 cm (40 px) to 25 cm
/// (130 px) from the webcam.
pub const CODE_WIDTHS: [u32; 7] = [40, 50, 60, 70, 85, 100, 130];
/// How many frames of each width.
pub const FRAMES_PER_WIDTH: usize = 20;

/// A picture of a label and where its code is in it: the left and top edges of the code's
/// modules (its quiet zone not included) and its side, in the picture's pixels.
#[derive(Clone, Debug)]
pub struct LabelPicture {
    pub picture: GrayImage,
    pub code_left: f32,
    pub code_top: f32,
    pub code_side: f32,
}

/// One frame and what it shows.
#[derive(Debug)]
pub struct WebcamFrame {
    /// How wide the code is in the frame, in pixels.
    pub code_width: u32,
    /// The code's rotation, clockwise, in degrees.
    pub angle: f32,
    pub shot: Shot,
    pub image: RgbImage,
}

/// Where the picture must be centred for the code's centre to land at `at` (frame fractions).
fn picture_centre(label: &LabelPicture, shot: &Shot, at: (f32, f32)) -> (f32, f32) {
    let (pw, ph) = (label.picture.width() as f32, label.picture.height() as f32);
    let scale = shot.width / pw;
    // The code's centre relative to the picture's centre, in frame pixels, before tilt.
    let dx = (label.code_left + label.code_side / 2.0 - pw / 2.0) * scale;
    let dy = (label.code_top + label.code_side / 2.0 - ph / 2.0) * scale;
    let (sin, cos) = shot.angle.to_radians().sin_cos();
    let (rx, ry) = (dx * cos - dy * sin, dx * sin + dy * cos);
    let (fw, fh) = (shot.frame.0 as f32, shot.frame.1 as f32);
    (at.0 - rx / fw, at.1 - ry / fh)
}

impl LabelPicture {
    /// Our own label as the app previews it (see [`crate::preview`]), `module` pixels a module;
    /// none if its payload cannot be drawn.
    pub fn of_preview(label: &crate::sheet::Label, module: u32) -> Option<LabelPicture> {
        let png = crate::preview::label_png(label, module).ok()?;
        let picture = image::load_from_memory(&png).ok()?.into_luma8();
        let (n, _) = crate::sheet::qr_modules(&label.payload).ok()?;
        let edge = (crate::sheet::QUIET_ZONE as u32 * module) as f32;
        Some(LabelPicture {
            picture,
            code_left: edge,
            code_top: edge,
            code_side: (n as u32 * module) as f32,
        })
    }

    /// The picture brought down (averaging, as a camera's pixels integrate the light on them)
    /// to about twice the size it has in the frame, so that the photograph's four samples a
    /// pixel see what a sensor sees rather than the hairlines between a raster's modules.
    fn at_frame_scale(&self, code_width: u32) -> LabelPicture {
        let scale = 2.0 * code_width as f32 / self.code_side;
        if scale >= 1.0 {
            return self.clone();
        }
        let (w, h) = self.picture.dimensions();
        let size = |v: u32| ((v as f32 * scale).round() as u32).max(1);
        LabelPicture {
            picture: image::imageops::resize(&self.picture, size(w), size(h), image::imageops::FilterType::Triangle),
            code_left: self.code_left * scale,
            code_top: self.code_top * scale,
            code_side: self.code_side * scale,
        }
    }
}

/// `count` frames with the code `code_width` pixels wide, from `seed`.
pub fn frames(label: &LabelPicture, code_width: u32, count: usize, seed: u64) -> Vec<WebcamFrame> {
    let label = &label.at_frame_scale(code_width);
    let mut rng = fastrand::Rng::with_seed(seed ^ u64::from(code_width).wrapping_mul(0x9E37_79B9));
    (0..count)
        .map(|_| {
            let between = |rng: &mut fastrand::Rng, lo: f32, hi: f32| lo + rng.f32() * (hi - lo);
            let mut shot = Shot {
                frame: (1280, 720),
                width: code_width as f32 * label.picture.width() as f32 / label.code_side,
                angle: between(&mut rng, -15.0, 15.0),
                tilt: between(&mut rng, 0.0, 0.12),
                // A little out of focus at arm's length: a blur about a pixel wide (two passes of
                // a 3-pixel box, a spread of 1.15 px), whatever the distance.
                blur: 1,
                light: between(&mut rng, 0.45, 0.95),
                uneven: between(&mut rng, 0.0, 0.5),
                noise: between(&mut rng, 2.0, 6.0),
                jpeg: Some(rng.u8(60..=80)),
                seed: rng.u64(..),
                ..Shot::default()
            };
            let at = (between(&mut rng, 0.3, 0.7), between(&mut rng, 0.35, 0.65));
            shot.centre = picture_centre(label, &shot, at);
            WebcamFrame {
                code_width,
                angle: shot.angle,
                image: photograph(&label.picture, &shot),
                shot,
            }
        })
        .collect()
}

/// A frame of the desk with no code in it (the label held out of view), for the empty-frame
/// time.
pub fn empty_frame(label: &LabelPicture, seed: u64) -> RgbImage {
    let shot = Shot {
        width: 100.0,
        centre: (3.0, 3.0),
        blur: 1,
        light: 0.7,
        uneven: 0.3,
        noise: 4.0,
        jpeg: Some(70),
        seed,
        ..Shot::default()
    };
    photograph(&label.picture, &shot)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::payload::Payload;
    use crate::read::{GrayFrame, read_codes};
    use crate::sheet::Label;

    /// Our own label drawn with 8-pixel modules, and where its code is.
    fn label() -> LabelPicture {
        let label = Label {
            payload: Payload::parse("CU1:I:LT-0042").unwrap(),
            kind: "laptop".into(),
        };
        LabelPicture::of_preview(&label, 8).unwrap()
    }

    fn gray(frame: &RgbImage) -> GrayFrame {
        let g = image::DynamicImage::ImageRgb8(frame.clone()).into_luma8();
        let (w, h) = g.dimensions();
        GrayFrame::new(w, h, g.into_raw())
    }

    /// The frames are what they say: a sharp frame's code, found by the reader, is as wide and
    /// as turned as the generator said, and where it said.
    #[test]
    fn a_frame_shows_the_code_as_wide_and_as_turned_as_it_says() {
        let label = label();
        for (width, angle) in [(130, 10.0), (85, -12.0), (60, 4.0)] {
            let mut shot = Shot {
                width: width as f32 * label.picture.width() as f32 / label.code_side,
                angle,
                ..Shot::default()
            };
            shot.centre = picture_centre(&label, &shot, (0.4, 0.6));
            let frame = photograph(&label.picture, &shot);
            // rqrr reports the corners of the code's modules: top-left, top-right, bottom-right,
            // bottom-left, as the code itself has them.
            let g = gray(&frame);
            let mut prepared = rqrr::PreparedImage::prepare_from_greyscale(1280, 720, |x, y| g.pixels[y * 1280 + x]);
            let grids = prepared.detect_grids();
            assert_eq!(grids.len(), 1, "{width} px at {angle}°");
            let read = read_codes(&g);
            assert_eq!(read.len(), 1, "{width} px at {angle}°");
            assert_eq!(read[0].text, "CU1:I:LT-0042");
            let [tl, tr, br, bl] = grids[0].bounds.map(|p| (p.x as f32, p.y as f32));
            let side = ((tr.0 - tl.0).hypot(tr.1 - tl.1) + (bl.0 - tl.0).hypot(bl.1 - tl.1)) / 2.0;
            assert!((side / width as f32 - 1.0).abs() < 0.1, "{width} px measured as {side}");
            let turned = (tr.1 - tl.1).atan2(tr.0 - tl.0).to_degrees();
            assert!((turned - angle).abs() < 2.0, "{angle}° measured as {turned}°");
            let centre = ((tl.0 + br.0) / 2.0 / 1280.0, (tl.1 + br.1) / 2.0 / 720.0);
            assert!(
                (centre.0 - 0.4).abs() < 0.02 && (centre.1 - 0.6).abs() < 0.02,
                "{centre:?}"
            );
        }
    }

    #[test]
    fn the_same_seed_makes_the_same_frames_and_every_width_is_made() {
        let label = label();
        let a = frames(&label, 60, 3, 7);
        let b = frames(&label, 60, 3, 7);
        assert_eq!(a.len(), 3);
        for (x, y) in a.iter().zip(&b) {
            assert_eq!(x.image, y.image);
            assert_eq!(x.code_width, 60);
            assert!((-15.0..=15.0).contains(&x.angle));
            assert_eq!(x.image.dimensions(), (1280, 720));
        }
        assert!(read_codes(&gray(&empty_frame(&label, 1))).is_empty());
    }
}
