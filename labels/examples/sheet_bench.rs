//! Times writing a 1,000-label PDF and decoding synthetic camera frames; `scripts/bench` runs it.
//! With an argument, also writes the 1,000-label PDF there (to look at it).

use std::time::{Duration, Instant};

use custody_labels::sheet::{Label, QUIET_ZONE, qr_modules, render_pdf, template};
use custody_labels::{GrayFrame, Payload, read_codes};

fn median(mut samples: Vec<Duration>) -> Duration {
    samples.sort();
    samples[samples.len() / 2]
}

fn row(what: &str, took: Duration, budget: &str) {
    println!("{what:<48} {:>9.2} ms   budget {budget}", took.as_secs_f64() * 1000.0);
}

/// A mid-gray, gently noisy frame with a label's code of `module` px per module at (x, y).
fn frame(width: u32, height: u32, code: Option<(&Payload, u32, u32, u32)>) -> GrayFrame {
    let mut rng = fastrand::Rng::with_seed(9);
    let mut pixels: Vec<u8> = (0..width * height)
        .map(|i| 120 + ((i / width) % 40) as u8 + rng.u8(..12))
        .collect();
    if let Some((payload, x, y, module)) = code {
        let (n, dark) = qr_modules(payload).expect("a valid payload");
        let side = (n + 2 * QUIET_ZONE) as u32 * module;
        for py in 0..side {
            for px in 0..side {
                let (mx, my) = ((px / module) as usize, (py / module) as usize);
                let inside = (QUIET_ZONE..QUIET_ZONE + n).contains(&mx) && (QUIET_ZONE..QUIET_ZONE + n).contains(&my);
                let is_dark = inside && dark[(my - QUIET_ZONE) * n + (mx - QUIET_ZONE)];
                pixels[((y + py) * width + x + px) as usize] = if is_dark { 30 } else { 225 };
            }
        }
    }
    GrayFrame::new(width, height, pixels)
}

fn time_frame(f: &GrayFrame, expect: Option<&Payload>) -> Duration {
    let runs: Vec<Duration> = (0..21)
        .map(|_| {
            let start = Instant::now();
            let codes = read_codes(f);
            let took = start.elapsed();
            let got: Vec<_> = codes.into_iter().filter_map(|c| c.payload.ok()).collect();
            assert_eq!(got.first(), expect, "frame {}x{} read wrongly", f.width, f.height);
            took
        })
        .collect();
    median(runs)
}

fn main() {
    let labels: Vec<Label> = (0..1000)
        .map(|i| Label {
            payload: Payload::item(&format!("CB-{i:04}")),
            kind: "chromebook".into(),
        })
        .collect();
    let t = template("L7160").expect("a known template");
    let runs: Vec<Duration> = (0..5)
        .map(|_| {
            let start = Instant::now();
            let pdf = render_pdf(&labels, t, 0, "Hillside Primary School").expect("labels render");
            let took = start.elapsed();
            if let Some(path) = std::env::args().nth(1) {
                std::fs::write(path, &pdf).expect("the PDF can be written");
            }
            took
        })
        .collect();
    row(
        "1,000 labels written as PDF (L7160, median of 5)",
        median(runs),
        "1000 ms",
    );

    // The Labels screen's preview: one label laid out at its stock's size, as the sheet does
    // (the desk paints the layout's runs and lines).
    for t in custody_labels::sheet::TEMPLATES {
        let (w, h) = (
            t.label_w * custody_labels::sheet::MM,
            t.label_h * custody_labels::sheet::MM,
        );
        let runs: Vec<Duration> = (0..21)
            .map(|_| {
                let start = Instant::now();
                custody_labels::sheet::layout_label(&labels[42], "Hillside School", w, h).expect("a layout");
                start.elapsed()
            })
            .collect();
        row(
            &format!("the Labels screen's preview on {} (median of 21)", t.name),
            median(runs),
            "50 ms",
        );
    }

    let tag = Payload::item("LT-0042");
    row(
        "960×540 frame with a label (median of 21)",
        time_frame(&frame(960, 540, Some((&tag, 380, 150, 6))), Some(&tag)),
        "5 ms",
    );
    row(
        "960×540 empty frame (median of 21)",
        time_frame(&frame(960, 540, None), None),
        "10 ms",
    );
    row(
        "1280×720 frame with a label (median of 21)",
        time_frame(&frame(1280, 720, Some((&tag, 500, 200, 8))), Some(&tag)),
        "20 ms",
    );
    row(
        "1920×1080 frame with a label (median of 21)",
        time_frame(&frame(1920, 1080, Some((&tag, 800, 300, 10))), Some(&tag)),
        "25 ms",
    );
}
