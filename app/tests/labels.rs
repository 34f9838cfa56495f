//! Labels as a new user prints them, and scanning them back: `custody labels` writes a real PDF,
//! pdftoppm renders it, `custody scan` reads the picture.

#![allow(clippy::unwrap_used)]

use std::process::Command;

use custody_tests::Desk;

/// The binary under test, as Cargo built it for these tests.
const CUSTODY: &str = env!("CARGO_BIN_EXE_custody");

fn render_first_page(pdf: &std::path::Path, dpi: &str) -> std::path::PathBuf {
    let stem = pdf.with_extension("");
    let status = Command::new("pdftoppm")
        .args(["-r", dpi, "-png", "-f", "1", "-l", "1", "-singlefile"])
        .arg(pdf)
        .arg(&stem)
        .status()
        .expect("pdftoppm (poppler-utils) is needed; scripts/test installs it");
    assert!(status.success());
    stem.with_extension("png")
}

#[test]
fn print_labels_for_items_and_scan_one_back() {
    let desk = Desk::with_basics(CUSTODY);
    let pdf = desk.dir.path().join("labels.pdf");
    let preview = desk.dir.path().join("first.png");
    let (pdf_arg, preview_arg) = (pdf.to_str().unwrap(), preview.to_str().unwrap());
    let out = desk.ok(&[
        "labels",
        "LT-0001",
        "pf-0001",
        "--template",
        "dymo-99012",
        "-o",
        pdf_arg,
        "--preview",
        preview_arg,
    ]);
    assert!(out.contains("Wrote 2 label(s) on 2 page(s)"), "{out}");
    assert!(std::fs::read(&pdf).unwrap().starts_with(b"%PDF-"));
    let png = render_first_page(&pdf, "150");
    let scanned = desk.ok(&["scan", png.to_str().unwrap(), preview_arg]);
    assert_eq!(
        scanned,
        format!(
            "{}\tCU1:I:LT-0001\n{}\tCU1:I:LT-0001\n",
            png.display(),
            preview.display()
        )
    );
}

#[test]
fn badges_for_everyone_on_a_part_used_sheet() {
    let desk = Desk::with_basics(CUSTODY);
    let pdf = desk.dir.path().join("badges.pdf");
    let out = desk.ok(&[
        "labels",
        "--all-people",
        "--template",
        "L7160",
        "--skip",
        "5",
        "-o",
        pdf.to_str().unwrap(),
    ]);
    assert!(out.contains("Wrote 2 label(s) on 1 page(s) of Avery L7160"), "{out}");
    let png = render_first_page(&pdf, "150");
    let scanned = desk.ok(&["scan", png.to_str().unwrap()]);
    assert!(
        scanned.contains("CU1:P:S001") && scanned.contains("CU1:P:S002"),
        "{scanned}"
    );
}

#[test]
fn label_mistakes_are_named() {
    let desk = Desk::with_basics(CUSTODY);
    let pdf = desk.dir.path().join("x.pdf");
    let pdf = pdf.to_str().unwrap();
    for (args, words) in [
        (
            vec!["labels", "LT-0001", "--template", "A4", "-o", pdf],
            "is not a label template. Use one of: L7160",
        ),
        (
            vec!["labels", "LT-9999", "--template", "L7160", "-o", pdf],
            "No item is tagged LT-9999",
        ),
        (
            vec!["labels", "LT-0001", "--template", "L7160", "--skip", "21", "-o", pdf],
            "one L7160 sheet has 21 labels",
        ),
    ] {
        let run = desk.run(&args);
        assert_eq!(run.code, 1, "{args:?}: {run:?}");
        assert!(run.stderr.contains(words), "{args:?}: {}", run.stderr);
    }
    let run = desk.run(&["labels", "--template", "L7160", "-o", pdf]);
    assert_eq!(run.code, 2, "say which labels: {run:?}");
    assert!(!std::path::Path::new(pdf).exists(), "nothing written on a mistake");
}

#[test]
fn scan_names_what_is_not_a_custody_code() {
    let desk = Desk::new(CUSTODY);
    // Another system's code, photographed as a webcam would: tilted, soft, noisy, compressed.
    let foreign = "https://assets.example.org/item/4821";
    let picture = custody_labels::synth::code_picture(foreign).unwrap();
    let shot = custody_labels::synth::Shot {
        frame: (960, 540),
        width: 260.0,
        angle: -9.0,
        tilt: 0.08,
        blur: 1,
        light: 0.85,
        uneven: 0.25,
        noise: 5.0,
        jpeg: Some(80),
        ..Default::default()
    };
    let photo = desk.dir.path().join("photo.jpg");
    custody_labels::synth::photograph(&picture, &shot).save(&photo).unwrap();
    let missing = desk.dir.path().join("missing.png");
    let text = desk.dir.path().join("notes.png");
    std::fs::write(&text, "not an image").unwrap();
    let run = desk.run(&[
        "scan",
        photo.to_str().unwrap(),
        missing.to_str().unwrap(),
        text.to_str().unwrap(),
    ]);
    assert_eq!(run.code, 1, "{run:?}");
    let lines: Vec<&str> = run.stdout.lines().collect();
    assert_eq!(lines.len(), 3, "one line per image: {run:?}");
    assert!(lines[0].contains("web address"), "{}", lines[0]);
    assert!(lines[1].contains("cannot read the image"), "{}", lines[1]);
    assert!(lines[2].contains("cannot read the image"), "{}", lines[2]);
    let raw = desk.run(&["scan", "--raw", photo.to_str().unwrap()]);
    assert_eq!(raw.code, 0);
    assert_eq!(raw.stdout.trim_end(), format!("{}\t{foreign}", photo.display()));
}

#[test]
fn container_labels() {
    let desk = Desk::with_basics(CUSTODY);
    desk.ok(&["container", "add", "bag-3", "--kind", "bag", "--name", "Red sealed bag"]);
    assert!(
        desk.ok(&["container", "list", "--format", "csv"])
            .contains("BAG-3,bag,Red sealed bag")
    );
    let pdf = desk.dir.path().join("bags.pdf");
    desk.ok(&[
        "labels",
        "--all-containers",
        "--template",
        "roll-62",
        "-o",
        pdf.to_str().unwrap(),
    ]);
    let png = render_first_page(&pdf, "150");
    assert!(desk.ok(&["scan", png.to_str().unwrap()]).ends_with("\tCU1:C:BAG-3\n"));
}
