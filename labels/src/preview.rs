//! A PNG of one label, for the command line's preview and the tests' camera frames: the QR code
//! with its quiet zone, the identifier large and the kind small beside it, drawn with a built-in
//! 5×7 pixel font so that no font file is needed. (The desk draws its preview from the printed
//! sheet's own layout: `sheet::layout_label`.)

use std::io::Cursor;

use crate::sheet::{Label, QUIET_ZONE, SheetError, qr_modules};

/// Renders `label` with each QR module `module` pixels square.
pub fn label_png(label: &Label, module: u32) -> Result<Vec<u8>, SheetError> {
    let (n, dark) = qr_modules(&label.payload)?;
    let module = module.max(1);
    let side = (n + 2 * QUIET_ZONE) as u32 * module;
    let tag_scale = (side / 28).max(1);
    let kind_scale = (tag_scale / 2).max(1);
    let kind = label.kind.to_ascii_uppercase();
    let text_w = text_width(&label.payload.id, tag_scale).max(text_width(&kind, kind_scale));
    let (width, height) = (side + text_w + 2 * module * 4, side);
    let mut canvas = Canvas {
        width,
        pixels: vec![255; (width * height) as usize],
    };
    for (i, _) in dark.iter().enumerate().filter(|(_, d)| **d) {
        let (x, y) = ((i % n + QUIET_ZONE) as u32, (i / n + QUIET_ZONE) as u32);
        canvas.fill(x * module, y * module, module, module);
    }
    let text_x = side + module * 2;
    let tag_y = height / 2 - 8 * tag_scale;
    canvas.text(text_x, tag_y, &label.payload.id, tag_scale);
    canvas.text(text_x, height / 2 + 2 * kind_scale, &kind, kind_scale);

    let image = image::GrayImage::from_raw(width, height, canvas.pixels)
        .ok_or_else(|| SheetError::Qr("the preview has the wrong size".to_string()))?;
    let mut png = Vec::new();
    image
        .write_to(&mut Cursor::new(&mut png), image::ImageFormat::Png)
        .map_err(|e| SheetError::Qr(e.to_string()))?;
    Ok(png)
}

struct Canvas {
    width: u32,
    pixels: Vec<u8>,
}

impl Canvas {
    fn fill(&mut self, x: u32, y: u32, w: u32, h: u32) {
        for row in y..y + h {
            let start = (row * self.width + x) as usize;
            if let Some(span) = self.pixels.get_mut(start..start + w as usize) {
                span.fill(0);
            }
        }
    }

    fn text(&mut self, x: u32, y: u32, text: &str, scale: u32) {
        for (i, ch) in text.chars().enumerate() {
            let left = x + i as u32 * 6 * scale;
            for (row, bits) in glyph(ch).iter().enumerate() {
                for col in 0..5 {
                    if bits & (0x10 >> col) != 0 {
                        self.fill(left + col * scale, y + row as u32 * scale, scale, scale);
                    }
                }
            }
        }
    }
}

fn text_width(text: &str, scale: u32) -> u32 {
    text.chars().count() as u32 * 6 * scale
}

/// Rows of a 5×7 glyph, top first, leftmost pixel in bit 4. Unknown characters are a box.
fn glyph(ch: char) -> [u8; 7] {
    match ch.to_ascii_uppercase() {
        '0' => [0x0E, 0x11, 0x13, 0x15, 0x19, 0x11, 0x0E],
        '1' => [0x04, 0x0C, 0x04, 0x04, 0x04, 0x04, 0x0E],
        '2' => [0x0E, 0x11, 0x01, 0x02, 0x04, 0x08, 0x1F],
        '3' => [0x1F, 0x02, 0x04, 0x02, 0x01, 0x11, 0x0E],
        '4' => [0x02, 0x06, 0x0A, 0x12, 0x1F, 0x02, 0x02],
        '5' => [0x1F, 0x10, 0x1E, 0x01, 0x01, 0x11, 0x0E],
        '6' => [0x06, 0x08, 0x10, 0x1E, 0x11, 0x11, 0x0E],
        '7' => [0x1F, 0x01, 0x02, 0x04, 0x08, 0x08, 0x08],
        '8' => [0x0E, 0x11, 0x11, 0x0E, 0x11, 0x11, 0x0E],
        '9' => [0x0E, 0x11, 0x11, 0x0F, 0x01, 0x02, 0x0C],
        'A' => [0x0E, 0x11, 0x11, 0x11, 0x1F, 0x11, 0x11],
        'B' => [0x1E, 0x11, 0x11, 0x1E, 0x11, 0x11, 0x1E],
        'C' => [0x0E, 0x11, 0x10, 0x10, 0x10, 0x11, 0x0E],
        'D' => [0x1C, 0x12, 0x11, 0x11, 0x11, 0x12, 0x1C],
        'E' => [0x1F, 0x10, 0x10, 0x1E, 0x10, 0x10, 0x1F],
        'F' => [0x1F, 0x10, 0x10, 0x1E, 0x10, 0x10, 0x10],
        'G' => [0x0E, 0x11, 0x10, 0x17, 0x11, 0x11, 0x0F],
        'H' => [0x11, 0x11, 0x11, 0x1F, 0x11, 0x11, 0x11],
        'I' => [0x0E, 0x04, 0x04, 0x04, 0x04, 0x04, 0x0E],
        'J' => [0x07, 0x02, 0x02, 0x02, 0x02, 0x12, 0x0C],
        'K' => [0x11, 0x12, 0x14, 0x18, 0x14, 0x12, 0x11],
        'L' => [0x10, 0x10, 0x10, 0x10, 0x10, 0x10, 0x1F],
        'M' => [0x11, 0x1B, 0x15, 0x15, 0x11, 0x11, 0x11],
        'N' => [0x11, 0x11, 0x19, 0x15, 0x13, 0x11, 0x11],
        'O' => [0x0E, 0x11, 0x11, 0x11, 0x11, 0x11, 0x0E],
        'P' => [0x1E, 0x11, 0x11, 0x1E, 0x10, 0x10, 0x10],
        'Q' => [0x0E, 0x11, 0x11, 0x11, 0x15, 0x12, 0x0D],
        'R' => [0x1E, 0x11, 0x11, 0x1E, 0x14, 0x12, 0x11],
        'S' => [0x0F, 0x10, 0x10, 0x0E, 0x01, 0x01, 0x1E],
        'T' => [0x1F, 0x04, 0x04, 0x04, 0x04, 0x04, 0x04],
        'U' => [0x11, 0x11, 0x11, 0x11, 0x11, 0x11, 0x0E],
        'V' => [0x11, 0x11, 0x11, 0x11, 0x11, 0x0A, 0x04],
        'W' => [0x11, 0x11, 0x11, 0x15, 0x15, 0x15, 0x0A],
        'X' => [0x11, 0x11, 0x0A, 0x04, 0x0A, 0x11, 0x11],
        'Y' => [0x11, 0x11, 0x11, 0x0A, 0x04, 0x04, 0x04],
        'Z' => [0x1F, 0x01, 0x02, 0x04, 0x08, 0x10, 0x1F],
        '-' => [0x00, 0x00, 0x00, 0x1F, 0x00, 0x00, 0x00],
        '.' => [0x00, 0x00, 0x00, 0x00, 0x00, 0x0C, 0x0C],
        ' ' => [0x00; 7],
        _ => [0x1F, 0x11, 0x11, 0x11, 0x11, 0x11, 0x1F],
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{GrayFrame, Payload, read_codes};

    #[test]
    fn the_preview_is_a_png_whose_code_reads_back() {
        let label = Label {
            payload: Payload::item("PF-2026.118"),
            kind: "paper file".into(),
        };
        let png = label_png(&label, 6).unwrap();
        assert!(png.starts_with(b"\x89PNG"));
        let img = image::load_from_memory(&png).unwrap().into_luma8();
        let (w, h) = img.dimensions();
        assert!(w > h, "code and text side by side: {w}×{h}");
        let codes = read_codes(&GrayFrame::new(w, h, img.into_raw()));
        assert_eq!(codes.len(), 1);
        assert_eq!(codes[0].payload, Ok(label.payload));
    }

    /// The layout the sheet and the desk's preview share: on each template, the label's
    /// proportions, a code that reads back when its runs are drawn, and the identifier, the kind
    /// as written and the organisation beside it.
    #[test]
    fn each_template_s_layout_has_its_proportions_its_text_and_a_code_that_reads_back() {
        let label = Label {
            payload: Payload::item("LT-0042"),
            kind: "laptop".into(),
        };
        for template in crate::sheet::TEMPLATES {
            let (w, h) = (template.label_w * crate::sheet::MM, template.label_h * crate::sheet::MM);
            let layout = crate::sheet::layout_label(&label, "Hillside School", w, h).unwrap();
            let scale = 4.0;
            let (pw, ph) = ((w * scale).round() as u32, (h * scale).round() as u32);
            let mut pixels = vec![255u8; (pw * ph) as usize];
            for &(x, y, rw, rh) in &layout.dark {
                let (x0, y0) = ((x * scale).round() as u32, (y * scale).round() as u32);
                let (x1, y1) = (((x + rw) * scale).round() as u32, ((y + rh) * scale).round() as u32);
                for row in y0..y1 {
                    pixels[(row * pw + x0) as usize..(row * pw + x1) as usize].fill(0);
                }
            }
            let codes = read_codes(&GrayFrame::new(pw, ph, pixels));
            assert_eq!(codes.len(), 1, "{}", template.name);
            assert_eq!(codes[0].payload, Ok(label.payload.clone()), "{}", template.name);
            if template.label_w > template.label_h * 1.5 {
                let texts: Vec<&str> = layout.lines.iter().map(|l| l.text.as_str()).collect();
                assert_eq!(texts, ["LT-0042", "laptop", "Hillside School"], "{}", template.name);
                assert!(layout.lines.iter().all(|l| l.x + 10.0 < w), "{}", template.name);
            }
        }
    }
}
