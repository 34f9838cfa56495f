//! Every label of every template, printed to PDF and rendered at 150 dpi by pdftoppm (poppler),
//! decodes back to its identifier: the real PDF, a real rasteriser, the real reader.

#![allow(clippy::unwrap_used)]

use std::path::Path;
use std::process::Command;

use custody_labels::sheet::{Label, TEMPLATES, Template, render_pdf, template};
use custody_labels::{GrayFrame, Payload, read_codes};

const DPI: f32 = 150.0;

fn labels(count: usize) -> Vec<Label> {
    (0..count)
        .map(|i| match i % 3 {
            0 => Label {
                payload: Payload::item(&format!("LT-{i:04}")),
                kind: "laptop".into(),
            },
            1 => Label {
                payload: Payload::person(&format!("S{i:05}")),
                kind: "person badge".into(),
            },
            _ => Label {
                payload: Payload::item(&format!("PF-2026.{i:03}")),
                kind: "paper file".into(),
            },
        })
        .collect()
}

/// Renders every page of the PDF to grayscale PNGs and loads them.
fn rasterise(pdf: &[u8], dir: &Path) -> Vec<GrayFrame> {
    let file = dir.join("sheet.pdf");
    std::fs::write(&file, pdf).unwrap();
    let status = Command::new("pdftoppm")
        .args(["-r", "150", "-gray", "-png"])
        .arg(&file)
        .arg(dir.join("page"))
        .status()
        .expect("pdftoppm (poppler-utils) is needed; scripts/test installs it");
    assert!(status.success());
    let mut pages: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "png"))
        .collect();
    pages.sort();
    pages.iter().map(|p| GrayFrame::load(p).unwrap()).collect()
}

fn crop(page: &GrayFrame, (x, y, w, h): (f32, f32, f32, f32)) -> GrayFrame {
    let px = |mm: f32| (mm / 25.4 * DPI).round() as u32;
    let (x0, y0) = (px(x), px(y));
    let (w, h) = (px(w).min(page.width - x0), px(h).min(page.height - y0));
    let mut pixels = Vec::with_capacity((w * h) as usize);
    for row in y0..y0 + h {
        let start = (row * page.width + x0) as usize;
        pixels.extend_from_slice(&page.pixels[start..start + w as usize]);
    }
    GrayFrame::new(w, h, pixels)
}

fn every_label_reads_back(t: &Template) {
    let skip = if t.per_page() > 1 { 2 } else { 0 };
    // A full sheet and a few more, so that a second page is tested too.
    let wanted = labels(t.per_page() as usize + 3);
    let pdf = render_pdf(&wanted, t, skip, "Hillside Primary School").unwrap();
    let dir = tempfile::tempdir().unwrap();
    let pages = rasterise(&pdf, dir.path());
    let expected_pages = (skip as usize + wanted.len()).div_ceil(t.per_page() as usize);
    assert_eq!(pages.len(), expected_pages, "{}", t.name);
    for (i, label) in wanted.iter().enumerate() {
        let position = skip as usize + i;
        let page = &pages[position / t.per_page() as usize];
        let cell = crop(page, t.cell((position % t.per_page() as usize) as u32));
        let codes = read_codes(&cell);
        let payloads: Vec<_> = codes.iter().filter_map(|c| c.payload.clone().ok()).collect();
        assert_eq!(
            payloads,
            vec![label.payload.clone()],
            "{} label {i} at position {position}",
            t.name
        );
    }
    // The skipped positions are blank.
    for position in 0..skip {
        assert!(
            read_codes(&crop(&pages[0], t.cell(position))).is_empty(),
            "{} skipped {position}",
            t.name
        );
    }
}

#[test]
fn l7160_every_label_reads_back() {
    every_label_reads_back(template("L7160").unwrap());
}

#[test]
fn l7163_every_label_reads_back() {
    every_label_reads_back(template("l7163").unwrap());
}

#[test]
fn l7651_every_label_reads_back() {
    every_label_reads_back(template("L7651").unwrap());
}

#[test]
fn letter_5160_every_label_reads_back() {
    every_label_reads_back(template("5160").unwrap());
}

#[test]
fn roll_62mm_every_label_reads_back() {
    every_label_reads_back(template("roll-62").unwrap());
}

#[test]
fn dymo_99012_every_label_reads_back() {
    every_label_reads_back(template("dymo-99012").unwrap());
}

#[test]
fn every_template_fits_its_page() {
    for t in TEMPLATES {
        let (x, y, w, h) = t.cell(t.per_page() - 1);
        assert!(x + w <= t.page_w + 0.01 && y + h <= t.page_h + 0.01, "{}", t.name);
    }
}

#[test]
fn mistakes_are_named() {
    let err = template("A4-plain").unwrap_err().to_string();
    assert!(err.contains("L7160") && err.contains("dymo-99012"), "{err}");
    let t = template("L7160").unwrap();
    let err = render_pdf(&labels(1), t, 21, "x").unwrap_err().to_string();
    assert!(err.contains("21 labels"), "{err}");
    assert!(render_pdf(&[], t, 0, "x").is_err());
}
