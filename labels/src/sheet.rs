//! Printable labels as PDF: vector QR codes (4-module quiet zone), the identifier in large
//! print, the kind of thing, and the organisation. Labels never carry a person's name (R12):
//! a lost laptop's label tells a finder nothing.
//!
//! Text uses the PDF base-14 Helvetica fonts, so no font is shipped; widths for fitting text
//! come from Helvetica's metrics.

use pdf_writer::{Content, Name, Str};
use qrcode::{Color, EcLevel, QrCode};

use crate::payload::{Payload, PayloadError};

/// Points in a millimetre.
pub const MM: f32 = 72.0 / 25.4;

/// A label stock: page size and the grid of labels on it, in millimetres from the top left.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Template {
    pub name: &'static str,
    pub description: &'static str,
    pub page_w: f32,
    pub page_h: f32,
    pub cols: u32,
    pub rows: u32,
    pub label_w: f32,
    pub label_h: f32,
    pub left: f32,
    pub top: f32,
    pub pitch_x: f32,
    pub pitch_y: f32,
}

impl Template {
    pub fn per_page(&self) -> u32 {
        self.cols * self.rows
    }

    /// The rectangle of label `index` on its page: (left, top, width, height) in mm.
    pub fn cell(&self, index: u32) -> (f32, f32, f32, f32) {
        let i = index % self.per_page();
        let (col, row) = (i % self.cols, i / self.cols);
        (
            self.left + col as f32 * self.pitch_x,
            self.top + row as f32 * self.pitch_y,
            self.label_w,
            self.label_h,
        )
    }
}

const INCH: f32 = 25.4;

/// The stocks Custody prints on.
pub const TEMPLATES: &[Template] = &[
    Template {
        name: "L7160",
        description: "Avery L7160, A4, 21 labels (3 × 7) of 63.5 × 38.1 mm",
        page_w: 210.0,
        page_h: 297.0,
        cols: 3,
        rows: 7,
        label_w: 63.5,
        label_h: 38.1,
        left: 7.2,
        top: 15.15,
        pitch_x: 66.0,
        pitch_y: 38.1,
    },
    Template {
        name: "L7163",
        description: "Avery L7163, A4, 14 labels (2 × 7) of 99.1 × 38.1 mm",
        page_w: 210.0,
        page_h: 297.0,
        cols: 2,
        rows: 7,
        label_w: 99.1,
        label_h: 38.1,
        left: 4.65,
        top: 15.15,
        pitch_x: 101.6,
        pitch_y: 38.1,
    },
    Template {
        name: "L7651",
        description: "Avery L7651, A4, 65 labels (5 × 13) of 38.1 × 21.2 mm",
        page_w: 210.0,
        page_h: 297.0,
        cols: 5,
        rows: 13,
        label_w: 38.1,
        label_h: 21.2,
        left: 4.75,
        top: 10.7,
        pitch_x: 40.6,
        pitch_y: 21.2,
    },
    Template {
        name: "5160",
        description: "Avery 5160, US Letter, 30 labels (3 × 10) of 2.625 × 1 in",
        page_w: 8.5 * INCH,
        page_h: 11.0 * INCH,
        cols: 3,
        rows: 10,
        label_w: 2.625 * INCH,
        label_h: INCH,
        left: 0.1875 * INCH,
        top: 0.5 * INCH,
        pitch_x: 2.75 * INCH,
        pitch_y: INCH,
    },
    Template {
        name: "roll-62",
        description: "62 mm continuous roll (e.g. Brother DK-22205), one 62 × 38 mm label per page",
        page_w: 62.0,
        page_h: 38.0,
        cols: 1,
        rows: 1,
        label_w: 62.0,
        label_h: 38.0,
        left: 0.0,
        top: 0.0,
        pitch_x: 62.0,
        pitch_y: 38.0,
    },
    Template {
        name: "dymo-99012",
        description: "Dymo 99012, one 89 × 36 mm label per page",
        page_w: 89.0,
        page_h: 36.0,
        cols: 1,
        rows: 1,
        label_w: 89.0,
        label_h: 36.0,
        left: 0.0,
        top: 0.0,
        pitch_x: 89.0,
        pitch_y: 36.0,
    },
];

/// The template with this name (any case), or the list of names in the error.
pub fn template(name: &str) -> Result<&'static Template, SheetError> {
    TEMPLATES
        .iter()
        .find(|t| t.name.eq_ignore_ascii_case(name.trim()))
        .ok_or_else(|| SheetError::UnknownTemplate(name.to_string()))
}

/// One label to print.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Label {
    pub payload: Payload,
    /// What it is, in a word or two: "laptop", "paper file", "person badge", "bag".
    pub kind: String,
}

#[derive(Debug, thiserror::Error)]
pub enum SheetError {
    #[error("{0:?} is not a label template. Use one of: {names}.", names = TEMPLATES.iter().map(|t| t.name).collect::<Vec<_>>().join(", "))]
    UnknownTemplate(String),
    #[error("There are no labels to print.")]
    NoLabels,
    #[error(
        "Skipping {skip} labels is too many: one {template} sheet has {per_page} labels. Skip fewer than {per_page}."
    )]
    SkipTooMany {
        skip: u32,
        template: &'static str,
        per_page: u32,
    },
    #[error(transparent)]
    Payload(#[from] PayloadError),
    #[error("The QR code could not be made: {0}")]
    Qr(String),
}

/// Writes a PDF of `labels` on `template`, leaving the first `skip` positions of the first
/// sheet empty (for a partly used sheet).
pub fn render_pdf(labels: &[Label], template: &Template, skip: u32, organisation: &str) -> Result<Vec<u8>, SheetError> {
    if labels.is_empty() {
        return Err(SheetError::NoLabels);
    }
    if skip >= template.per_page() && template.per_page() > 1 {
        return Err(SheetError::SkipTooMany {
            skip,
            template: template.name,
            per_page: template.per_page(),
        });
    }
    let skip = if template.per_page() == 1 { 0 } else { skip };
    let positions = skip as usize + labels.len();
    let pages_needed = positions.div_ceil(template.per_page() as usize);

    let page_h = template.page_h * MM;
    let mut pages = Vec::with_capacity(pages_needed);
    for page_no in 0..pages_needed {
        let mut content = Content::new();
        for slot in 0..template.per_page() as usize {
            let position = page_no * template.per_page() as usize + slot;
            let Some(label) = position.checked_sub(skip as usize).and_then(|i| labels.get(i)) else {
                continue;
            };
            let (x, top, w, h) = template.cell(slot as u32);
            draw_label(
                &mut content,
                label,
                organisation,
                x * MM,
                page_h - (top + h) * MM,
                w * MM,
                h * MM,
            )?;
        }
        pages.push(content);
    }
    Ok(crate::document::assemble(pages, template.page_w * MM, page_h))
}

/// The QR code's modules for a payload, dark = true, without quiet zone.
pub fn qr_modules(payload: &Payload) -> Result<(usize, Vec<bool>), SheetError> {
    let text = payload.render()?;
    let code =
        QrCode::with_error_correction_level(text.as_bytes(), EcLevel::M).map_err(|e| SheetError::Qr(e.to_string()))?;
    let colors = code.to_colors();
    Ok((code.width(), colors.into_iter().map(|c| c == Color::Dark).collect()))
}

/// Modules of white border around the code that decoders need.
pub const QUIET_ZONE: usize = 4;

/// Where the code sits on a label `w` × `h` points: the margin, the side of the square (quiet
/// zone included) and one module, for a code `n` modules wide. The printed sheet and the desk's
/// preview both place it so.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct CodePlace {
    pub margin: f32,
    pub side: f32,
    pub module: f32,
}

/// The code fills the label's height (or width, if narrower), less a small margin.
pub fn code_place(w: f32, h: f32, n: usize) -> CodePlace {
    let margin = (h * 0.06).max(2.0);
    let side = (h - 2.0 * margin).min(w - 2.0 * margin);
    CodePlace {
        margin,
        side,
        module: side / (n + 2 * QUIET_ZONE) as f32,
    }
}

/// One label laid out, in points from its top-left corner: what the printed sheet draws and
/// what the desk's preview draws, so that the preview is the label as it will print.
#[derive(Clone, Debug, PartialEq)]
pub struct LabelLayout {
    pub w: f32,
    pub h: f32,
    /// The code's dark runs: (x, y, width, height), y downwards.
    pub dark: Vec<(f32, f32, f32, f32)>,
    pub lines: Vec<TextLine>,
}

/// A line of text on a label: Helvetica (bold for the identifier) at `size` points, starting at
/// `x` with its baseline `baseline` below the label's top.
#[derive(Clone, Debug, PartialEq)]
pub struct TextLine {
    pub text: String,
    pub bold: bool,
    pub size: f32,
    pub x: f32,
    pub baseline: f32,
}

/// Lays out one label `w` × `h` points: the code at the left, filling the height, and beside it
/// the identifier large, the kind, then the organisation.
pub fn layout_label(label: &Label, organisation: &str, w: f32, h: f32) -> Result<LabelLayout, SheetError> {
    let (n, dark) = qr_modules(&label.payload)?;
    let CodePlace { margin, side, module } = code_place(w, h, n);
    let (qx, qy) = (
        margin + QUIET_ZONE as f32 * module,
        (h - side) / 2.0 + QUIET_ZONE as f32 * module,
    );
    let mut runs = Vec::new();
    for row in 0..n {
        let mut col = 0;
        while col < n {
            if !dark[row * n + col] {
                col += 1;
                continue;
            }
            let start = col;
            while col < n && dark[row * n + col] {
                col += 1;
            }
            runs.push((
                qx + start as f32 * module,
                qy + row as f32 * module,
                (col - start) as f32 * module,
                module,
            ));
        }
    }
    let mut layout = LabelLayout {
        w,
        h,
        dark: runs,
        lines: Vec::new(),
    };
    let text_x = margin + side + margin * 0.5;
    let text_w = (w - margin) - text_x;
    if text_w < 10.0 {
        return Ok(layout);
    }
    let tag_size = fit(&label.payload.id, true, text_w, h * 0.32);
    let small = fit(&label.kind, false, text_w, (h * 0.14).min(tag_size * 0.6));
    let org_size = fit(organisation, false, text_w, small);
    let middle = h / 2.0;
    let mut line = |text: &str, bold: bool, size: f32, baseline: f32| {
        layout.lines.push(TextLine {
            text: text.to_string(),
            bold,
            size,
            x: text_x,
            baseline,
        });
    };
    line(&label.payload.id, true, tag_size, middle - tag_size * 0.05);
    line(&label.kind, false, small, middle + small * 1.3);
    if !organisation.is_empty() {
        line(organisation, false, org_size, middle + small * 1.3 + org_size * 1.4);
    }
    Ok(layout)
}

/// Draws one label with its bottom-left corner at (x, y) in points.
fn draw_label(
    c: &mut Content,
    label: &Label,
    organisation: &str,
    x: f32,
    y: f32,
    w: f32,
    h: f32,
) -> Result<(), SheetError> {
    let layout = layout_label(label, organisation, w, h)?;
    // The layout's y runs down from the label's top; PDF's runs up from its bottom.
    let top = y + h;
    c.set_fill_gray(0.0);
    for &(rx, ry, rw, rh) in &layout.dark {
        c.rect(x + rx, top - ry - rh, rw, rh);
    }
    c.fill_nonzero();
    for l in &layout.lines {
        c.begin_text();
        c.set_font(Name(if l.bold { b"F2" } else { b"F1" }), l.size);
        c.next_line(x + l.x, top - l.baseline);
        c.show(Str(&crate::document::win_ansi(&l.text)));
        c.end_text();
    }
    Ok(())
}

/// The largest size up to `max` at which `text` fits in `width` points.
fn fit(text: &str, bold: bool, width: f32, max: f32) -> f32 {
    let em: f32 = text.chars().map(|ch| advance(ch, bold)).sum::<f32>() / 1000.0;
    if em <= 0.0 { max } else { (width / em).min(max) }
}

/// Helvetica advance widths in thousandths of an em (Adobe's AFM metrics, the common glyphs).
fn advance(ch: char, bold: bool) -> f32 {
    let w = match ch {
        ' ' | '.' | ',' | ':' | ';' | '/' | 'I' | 'f' | 't' => 278,
        '0'..='9' | 'a' | 'b' | 'd' | 'e' | 'g' | 'h' | 'n' | 'o' | 'p' | 'q' | 'u' | 'L' if !bold => 556,
        '0'..='9' | 'a' | 'e' => 556,
        'b' | 'd' | 'g' | 'h' | 'n' | 'o' | 'p' | 'q' | 'u' | 'L' => 611,
        'i' | 'j' | 'l' => {
            if bold {
                278
            } else {
                222
            }
        }
        'c' | 'k' | 's' | 'v' | 'x' | 'y' | 'z' | 'J' => {
            if bold {
                556
            } else {
                500
            }
        }
        'r' | '-' | '(' | ')' => 333,
        'm' | 'M' => 833,
        'w' | 'C' | 'D' | 'H' | 'N' | 'R' | 'U' => 722,
        'A' | 'B' | 'K' => {
            if bold {
                722
            } else {
                667
            }
        }
        'E' | 'P' | 'S' | 'V' | 'X' | 'Y' | '&' => 667,
        'F' | 'T' | 'Z' => 611,
        'G' | 'O' | 'Q' => 778,
        'W' => 944,
        _ => 611,
    };
    w as f32
}
