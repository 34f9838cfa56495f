//! The webcam benchmark: a real label from our own PDF (rasterised by pdftoppm), photographed in
//! 1280×720 frames with its code 40 to 130 px wide (see `custody_labels::webcam`), read by our
//! reader and, side by side in the same run, by zxing-cpp. `scripts/bench` runs it on one core.
//! Usage: webcam_bench OUT_DIR [PYTHON]  (PYTHON: an interpreter with the zxing-cpp package)

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use custody_labels::sheet::{Label, render_pdf, template};
use custody_labels::webcam::{CODE_WIDTHS, FRAMES_PER_WIDTH, LabelPicture, empty_frame, frames};
use custody_labels::{GrayFrame, Payload, read_codes};

const TEXT: &str = "CU1:I:LT-0042";
const DPI: f32 = 600.0;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let out = PathBuf::from(args.next().ok_or("usage: webcam_bench OUT_DIR [PYTHON]")?);
    let python = args.next();
    std::fs::create_dir_all(&out)?;
    let label = printed_label(&out)?;
    println!(
        "label: L7160 from our PDF at {DPI} dpi, code {:.0} px of {} px wide",
        label.code_side,
        label.picture.width()
    );

    let mut ours = Vec::new();
    for width in CODE_WIDTHS {
        let folder = out.join(format!("{width:03}"));
        std::fs::create_dir_all(&folder)?;
        let (mut read, mut took) = (0, Duration::ZERO);
        for (i, frame) in frames(&label, width, FRAMES_PER_WIDTH, 2026).into_iter().enumerate() {
            frame.image.save(folder.join(format!("{i:02}.png")))?;
            let gray = gray(&frame.image);
            let start = Instant::now();
            let codes = read_codes(&gray);
            took += start.elapsed();
            read += usize::from(codes.iter().any(|c| c.text == TEXT));
        }
        ours.push((width, read, took / FRAMES_PER_WIDTH as u32));
    }
    let empty: Vec<Duration> = (0..FRAMES_PER_WIDTH as u64)
        .map(|seed| {
            let gray = gray(&empty_frame(&label, seed));
            let start = Instant::now();
            read_codes(&gray);
            start.elapsed()
        })
        .collect();

    let theirs = match &python {
        Some(python) => zxing_cpp(python, &out)?,
        None => Vec::new(),
    };
    println!("\ncode px   ours (of {FRAMES_PER_WIDTH})  zxing-cpp   ours ms/frame  zxing-cpp ms/frame   ratio");
    for (width, read, took) in &ours {
        let ms = took.as_secs_f64() * 1000.0;
        let peer = theirs.iter().find(|(w, _, _)| w == width);
        let (peer_read, peer_ms, ratio) = match peer {
            Some((_, r, peer)) => (r.to_string(), format!("{peer:.1}"), format!("{:.2}", ms / peer)),
            None => ("-".to_string(), "-".to_string(), "-".to_string()),
        };
        println!("{width:>7}   {read:>13}  {peer_read:>9}   {ms:>13.1}  {peer_ms:>18}   {ratio:>5}");
    }
    println!("budget: a ratio of at most 1.00 at every width, reading at least as many as zxing-cpp");
    let with_code = ours.iter().map(|(_, _, t)| *t).max().unwrap_or_default();
    println!(
        "\nframe with a code (slowest width, mean)  {:>8.1} ms   budget 15 ms",
        with_code.as_secs_f64() * 1000.0
    );
    println!(
        "empty frame (median of {FRAMES_PER_WIDTH})               {:>8.1} ms   budget 2 ms",
        median(empty).as_secs_f64() * 1000.0
    );
    Ok(())
}

/// One label of a real sheet: our PDF, rasterised, its first cell cut out, and its code found.
fn printed_label(out: &Path) -> Result<LabelPicture, Box<dyn std::error::Error>> {
    let sheet = template("L7160")?;
    let label = Label {
        payload: Payload::parse(TEXT)?,
        kind: "laptop".into(),
    };
    let pdf = out.join("label.pdf");
    std::fs::write(&pdf, render_pdf(&[label], sheet, 0, "Hillside School")?)?;
    let stem = out.join("label");
    let status = Command::new("pdftoppm")
        .args(["-r", &DPI.to_string(), "-gray", "-png", "-singlefile"])
        .arg(&pdf)
        .arg(&stem)
        .status()
        .map_err(|e| format!("pdftoppm (poppler-utils) is needed: {e}"))?;
    if !status.success() {
        return Err("pdftoppm failed".into());
    }
    let page = image::open(stem.with_extension("png"))?.into_luma8();
    let px = |mm: f32| (mm / 25.4 * DPI).round() as u32;
    let (left, top, w, h) = sheet.cell(0);
    let picture = image::imageops::crop_imm(&page, px(left), px(top), px(w), px(h)).to_image();
    let (pw, ph) = picture.dimensions();
    let mut prepared = rqrr::PreparedImage::prepare_from_greyscale(pw as usize, ph as usize, |x, y| {
        picture.get_pixel(x as u32, y as u32)[0]
    });
    let grid = prepared
        .detect_grids()
        .into_iter()
        .next()
        .ok_or("no code found on the printed label")?;
    let [tl, tr, _, bl] = grid.bounds;
    Ok(LabelPicture {
        code_left: tl.x as f32,
        code_top: tl.y as f32,
        code_side: ((tr.x - tl.x) as f32 + (bl.y - tl.y) as f32) / 2.0,
        picture,
    })
}

/// For one code width: how many frames were read, and the time per frame in ms.
type PeerRow = (u32, usize, f64);

/// zxing-cpp's count and time per frame for each width, from `zxing_frames.py`.
fn zxing_cpp(python: &str, out: &Path) -> Result<Vec<PeerRow>, Box<dyn std::error::Error>> {
    let script = Path::new(env!("CARGO_MANIFEST_DIR")).join("../scripts/zxing_frames.py");
    let run = Command::new(python).arg(script).arg(out).arg(TEXT).output()?;
    if !run.status.success() {
        return Err(format!("zxing-cpp: {}", String::from_utf8_lossy(&run.stderr)).into());
    }
    Ok(String::from_utf8_lossy(&run.stdout)
        .lines()
        .filter_map(|line| {
            let mut f = line.split_whitespace();
            Some((
                f.next()?.parse().ok()?,
                f.next()?.parse().ok()?,
                f.next()?.parse().ok()?,
            ))
        })
        .collect())
}

fn gray(image: &image::RgbImage) -> GrayFrame {
    let g = image::DynamicImage::ImageRgb8(image.clone()).into_luma8();
    let (w, h) = g.dimensions();
    GrayFrame::new(w, h, g.into_raw())
}

fn median(mut samples: Vec<Duration>) -> Duration {
    samples.sort();
    samples[samples.len() / 2]
}
