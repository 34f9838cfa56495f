//! Printable A4 documents (reports, reminder slips, evidence packs) as PDF: headings, wrapped
//! text, tables that repeat their header on each page, cut lines, and "page N of M". Base-14
//! Helvetica in WinAnsi encoding, so no font is shipped and `pdftotext` reads it back.

use pdf_writer::{Content, Finish, Name, Pdf, Rect, Ref, Str};

const MM: f32 = 72.0 / 25.4;
const PAGE_W: f32 = 210.0 * MM;
const PAGE_H: f32 = 297.0 * MM;
const MARGIN: f32 = 18.0 * MM;

/// A document being written top to bottom; pages are added as it fills.
pub struct Document {
    footer: String,
    pages: Vec<Content>,
    page: Content,
    /// Distance from the top margin to the next line's top, in points.
    y: f32,
}

impl std::fmt::Debug for Document {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Document({} pages so far)", self.pages.len() + 1)
    }
}

#[derive(Clone, Copy, Debug)]
enum Font {
    Regular,
    Bold,
}

impl Document {
    /// A new document; `footer` is printed at the foot of every page, its first line beside
    /// "page N of M" (a second line, after a newline, below it).
    pub fn new(footer: &str) -> Document {
        Document {
            footer: footer.to_string(),
            pages: Vec::new(),
            page: Content::new(),
            y: 0.0,
        }
    }

    fn room(&self) -> f32 {
        PAGE_H - 2.0 * MARGIN - 10.0 - self.y
    }

    /// Starts a new page unless the current one has `height` points left.
    pub fn keep_together(&mut self, height: f32) {
        if self.room() < height && self.y > 0.0 {
            self.new_page();
        }
    }

    pub fn new_page(&mut self) {
        let full = std::mem::replace(&mut self.page, Content::new());
        self.pages.push(full);
        self.y = 0.0;
    }

    fn write(&mut self, x: f32, text: &str, font: Font, size: f32) {
        let name = match font {
            Font::Regular => Name(b"F1"),
            Font::Bold => Name(b"F2"),
        };
        let baseline = PAGE_H - MARGIN - self.y - size;
        self.page.begin_text();
        self.page.set_font(name, size);
        self.page.next_line(MARGIN + x, baseline);
        self.page.show(Str(&win_ansi(text)));
        self.page.end_text();
    }

    fn line_of(&mut self, text: &str, font: Font, size: f32) {
        let width = PAGE_W - 2.0 * MARGIN;
        for line in wrap(text, width, size) {
            self.keep_together(size * 1.35);
            self.write(0.0, &line, font, size);
            self.y += size * 1.35;
        }
    }

    pub fn title(&mut self, text: &str) {
        self.line_of(text, Font::Bold, 18.0);
        self.space(2.0);
    }

    pub fn heading(&mut self, text: &str) {
        self.keep_together(40.0);
        self.space(3.0);
        self.line_of(text, Font::Bold, 12.0);
        self.space(1.0);
    }

    /// Ordinary text, wrapped to the page.
    pub fn text(&mut self, text: &str) {
        self.line_of(text, Font::Regular, 10.0);
    }

    /// Text in bold, for what must not be missed.
    pub fn strong(&mut self, text: &str) {
        self.line_of(text, Font::Bold, 10.0);
    }

    /// Vertical space in millimetres.
    pub fn space(&mut self, mm: f32) {
        self.y += mm * MM;
    }

    /// A dashed line across the page to cut slips apart.
    pub fn cut_line(&mut self) {
        self.space(3.0);
        let y = PAGE_H - MARGIN - self.y;
        self.page.set_dash_pattern([3.0, 3.0], 0.0);
        self.page.set_line_width(0.5);
        self.page.move_to(MARGIN, y);
        self.page.line_to(PAGE_W - MARGIN, y);
        self.page.stroke();
        self.page.set_dash_pattern([], 0.0);
        self.space(5.0);
    }

    /// A table: column titles with widths in millimetres, then rows. A cell too long for its
    /// column wraps onto more lines (a single word too long is shortened with "…"). On a page
    /// break the titles are repeated.
    pub fn table(&mut self, columns: &[(&str, f32)], rows: &[Vec<String>]) {
        const SIZE: f32 = 8.5;
        let step = SIZE * 1.45;
        let header = |doc: &mut Document| {
            let mut x = 0.0;
            for (title, width) in columns {
                doc.write(x, &clip(title, width * MM - 4.0, SIZE), Font::Bold, SIZE);
                x += width * MM;
            }
            doc.y += step;
        };
        self.keep_together(step * 3.0);
        header(self);
        for row in rows {
            // Long cells wrap inside their column; the row is as tall as its tallest cell.
            let cells: Vec<Vec<String>> = columns
                .iter()
                .zip(row)
                .map(|((_, width), cell)| {
                    wrap(cell, width * MM - 4.0, SIZE)
                        .into_iter()
                        .map(|line| clip(&line, width * MM - 4.0, SIZE))
                        .collect()
                })
                .collect();
            let height = step * cells.iter().map(Vec::len).max().unwrap_or(1) as f32;
            if self.room() < height {
                self.new_page();
                header(self);
            }
            let mut x = 0.0;
            for ((_, width), lines) in columns.iter().zip(&cells) {
                for (n, line) in lines.iter().enumerate() {
                    self.y += step * n as f32;
                    self.write(x, line, Font::Regular, SIZE);
                    self.y -= step * n as f32;
                }
                x += width * MM;
            }
            self.y += height;
        }
        self.space(2.0);
    }

    /// A small bar chart, the page's width and `height_mm` tall: a title, one bar per
    /// (label, value) with its value written above it (as `show` words it; a missing value is
    /// no bar and "–"), the labels below. Bars are scaled to the largest value.
    pub fn bar_chart(
        &mut self,
        title: &str,
        bars: &[(String, Option<f64>)],
        height_mm: f32,
        show: impl Fn(f64) -> String,
    ) {
        const SIZE: f32 = 7.0;
        let plot = height_mm * MM;
        self.keep_together(plot + 12.0 * SIZE);
        self.line_of(title, Font::Bold, 10.0);
        self.y += SIZE * 1.6; // room for the tallest bar's value
        let top = PAGE_H - MARGIN - self.y;
        let bottom = top - plot;
        let width = PAGE_W - 2.0 * MARGIN;
        let slot = width / bars.len().max(1) as f32;
        let largest = bars.iter().filter_map(|(_, v)| *v).fold(0.0_f64, f64::max);
        for (n, (label, value)) in bars.iter().enumerate() {
            let x = MARGIN + slot * n as f32;
            let height = match value {
                Some(v) if largest > 0.0 => (v / largest) as f32 * plot,
                _ => 0.0,
            };
            if height > 0.0 {
                self.page.set_fill_gray(0.45);
                self.page.rect(x + slot * 0.2, bottom, slot * 0.6, height);
                self.page.fill_nonzero();
                self.page.set_fill_gray(0.0);
            }
            let words = value.map_or_else(|| "–".to_string(), &show);
            let text_y = self.y;
            self.y = PAGE_H - MARGIN - (bottom + height) - SIZE * 1.4;
            self.write(
                slot * n as f32 + slot * 0.2,
                &clip(&words, slot, SIZE),
                Font::Regular,
                SIZE,
            );
            self.y = plot + text_y + SIZE * 0.4;
            self.write(
                slot * n as f32 + slot * 0.2,
                &clip(label, slot, SIZE),
                Font::Regular,
                SIZE,
            );
            self.y = text_y;
        }
        self.page.set_line_width(0.5);
        self.page.move_to(MARGIN, bottom);
        self.page.line_to(PAGE_W - MARGIN, bottom);
        self.page.stroke();
        self.y += plot + SIZE * 2.0;
        self.space(3.0);
    }

    /// The PDF file.
    pub fn finish(mut self) -> Vec<u8> {
        self.new_page();
        let count = self.pages.len();
        let footer = std::mem::take(&mut self.footer);
        let pages = self.pages.into_iter().enumerate().map(|(n, mut content)| {
            content.begin_text();
            content.set_font(Name(b"F1"), 7.5);
            content.set_leading(9.0);
            content.next_line(MARGIN, MARGIN - 8.0);
            // The page number on the first line, so a long footer never pushes it off the page.
            let mut lines = footer.lines();
            let first = lines.next().unwrap_or_default();
            content.show(Str(&win_ansi(&format!("{first}    page {} of {count}", n + 1))));
            for line in lines {
                content.next_line_using_leading();
                content.show(Str(&win_ansi(line)));
            }
            content.end_text();
            content
        });
        assemble(pages.collect(), PAGE_W, PAGE_H)
    }
}

/// A PDF of pages `width × height` points, each with Helvetica as `F1` and Helvetica-Bold as
/// `F2` (WinAnsi encoding). Label sheets and documents both end here.
pub(crate) fn assemble(pages: Vec<Content>, width: f32, height: f32) -> Vec<u8> {
    let mut pdf = Pdf::new();
    let (catalog, tree, regular, bold) = (Ref::new(1), Ref::new(2), Ref::new(3), Ref::new(4));
    let page_ids: Vec<Ref> = (0..pages.len()).map(|i| Ref::new(5 + 2 * i as i32)).collect();
    pdf.catalog(catalog).pages(tree);
    pdf.pages(tree).kids(page_ids.iter().copied()).count(pages.len() as i32);
    for (id, face) in [(regular, &b"Helvetica"[..]), (bold, &b"Helvetica-Bold"[..])] {
        pdf.type1_font(id)
            .base_font(Name(face))
            .encoding_predefined(Name(b"WinAnsiEncoding"));
    }
    for (content, page_id) in pages.into_iter().zip(&page_ids) {
        let contents_id = Ref::new(page_id.get() + 1);
        let mut page = pdf.page(*page_id);
        page.media_box(Rect::new(0.0, 0.0, width, height));
        page.parent(tree);
        page.contents(contents_id);
        let mut resources = page.resources();
        let mut fonts = resources.fonts();
        fonts.pair(Name(b"F1"), regular);
        fonts.pair(Name(b"F2"), bold);
        fonts.finish();
        resources.finish();
        page.finish();
        pdf.stream(contents_id, &content.finish());
    }
    pdf.finish()
}

/// Helvetica's advance widths (thousandths of the size) for the printable ASCII characters,
/// from its font metrics; other characters count as wide as a digit.
const WIDTHS: [u16; 95] = [
    278, 278, 355, 556, 556, 889, 667, 191, 333, 333, 389, 584, 278, 333, 278, 278, // space../
    556, 556, 556, 556, 556, 556, 556, 556, 556, 556, 278, 278, 584, 584, 584, 556, // 0..?
    1015, 667, 667, 722, 722, 667, 611, 778, 722, 278, 500, 667, 556, 833, 722, 778, // @..O
    667, 778, 722, 667, 611, 722, 667, 944, 667, 667, 611, 278, 278, 278, 469, 556, // P.._
    333, 556, 556, 500, 556, 556, 278, 556, 556, 222, 222, 500, 222, 833, 556, 556, // `..o
    556, 556, 333, 500, 278, 556, 500, 722, 500, 500, 500, 334, 260, 334, 584, // p..~
];

/// How wide `text` is at `size` in regular Helvetica (bold is about 6% wider).
fn text_width(text: &str, size: f32) -> f32 {
    let thousandths: u32 = text
        .chars()
        .map(|c| match c as u32 {
            code @ 0x20..=0x7e => u32::from(WIDTHS[(code - 0x20) as usize]),
            _ => 556,
        })
        .sum();
    thousandths as f32 * size / 1000.0 * 1.06
}

fn clip(text: &str, width: f32, size: f32) -> String {
    if text_width(text, size) <= width {
        return text.to_string();
    }
    let mut short = String::new();
    for c in text.chars() {
        short.push(c);
        if text_width(&short, size) + text_width("\u{2026}", size) > width {
            short.pop();
            break;
        }
    }
    short.push('\u{2026}');
    short
}

/// Splits text into lines that fit `width`, at spaces.
fn wrap(text: &str, width: f32, size: f32) -> Vec<String> {
    let mut lines = Vec::new();
    for paragraph in text.split('\n') {
        let mut line = String::new();
        for word in paragraph.split(' ') {
            let candidate = if line.is_empty() {
                word.to_string()
            } else {
                format!("{line} {word}")
            };
            if text_width(&candidate, size) > width && !line.is_empty() {
                lines.push(std::mem::replace(&mut line, word.to_string()));
            } else {
                line = candidate;
            }
        }
        lines.push(line);
    }
    lines
}

/// Text in the WinAnsi encoding of the base-14 fonts; what it cannot show becomes "?".
pub fn win_ansi(text: &str) -> Vec<u8> {
    text.chars()
        .map(|ch| match ch {
            '\u{20}'..='\u{7e}' | '\u{a0}'..='\u{ff}' => ch as u8,
            '\u{2014}' => 0x97,
            '\u{2013}' => 0x96,
            '\u{2018}' => 0x91,
            '\u{2019}' => 0x92,
            '\u{201c}' => 0x93,
            '\u{201d}' => 0x94,
            '\u{2022}' => 0x95,
            '\u{2026}' => 0x85,
            '\u{20ac}' => 0x80,
            _ => b'?',
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wrapping_keeps_every_word() {
        let text = "The quick brown fox jumps over the lazy dog ".repeat(20);
        let lines = wrap(text.trim(), 200.0, 10.0);
        assert!(lines.len() > 1);
        assert!(lines.iter().all(|l| text_width(l, 10.0) <= 200.0));
        assert_eq!(lines.join(" "), text.trim());
    }

    #[test]
    fn clipping_marks_what_was_cut() {
        assert_eq!(clip("2026-11-20 10:00", 100.0, 8.5), "2026-11-20 10:00");
        let short = clip("a very long description of a laptop", 60.0, 8.5);
        assert!(
            short.ends_with('\u{2026}') && text_width(&short, 8.5) <= 60.0,
            "{short}"
        );
    }

    #[test]
    fn dashes_and_quotes_survive_the_encoding() {
        assert_eq!(win_ansi("a\u{2014}b \u{201c}c\u{201d} \u{2192}"), b"a\x97b \x93c\x94 ?");
    }

    #[test]
    fn a_long_table_breaks_across_pages() {
        let mut doc = Document::new("test");
        let rows: Vec<Vec<String>> = (0..200).map(|i| vec![format!("row {i}"), "x".into()]).collect();
        doc.table(&[("a", 40.0), ("b", 40.0)], &rows);
        let pdf = doc.finish();
        let text = String::from_utf8_lossy(&pdf);
        // About 59 rows fit on a page: four pages, each starting with the column titles.
        assert!(text.contains("page 4 of 4"), "200 rows need four pages");
        assert_eq!(text.matches("(a) Tj").count(), 4);
    }
}
