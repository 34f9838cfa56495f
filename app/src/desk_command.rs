//! `custody` with no command: opens the desk window, or with `--screenshot` renders a screen
//! to a PNG without one.

use std::io::Write;
use std::sync::Arc;

use anyhow::{Context, Result, anyhow};
use custody_db::{Clock, Ledger};

use crate::cli::DeskArgs;
use crate::desk::{self, DeskApp, Launch, Screen};

/// `started`: when the program started, for the start-to-first-frame figure.
pub fn run(
    ledger: Ledger,
    clock: Arc<dyn Clock>,
    args: &DeskArgs,
    started: std::time::Instant,
    out: &mut dyn Write,
) -> Result<bool> {
    if let Some(file) = &args.screenshot {
        let screen = Screen::parse(&args.screen).ok_or_else(|| {
            anyhow!(
                "there is no screen called {:?}; choose desk, items, people or out-now",
                args.screen
            )
        })?;
        let size = parse_size(&args.size)?;
        let mut app = DeskApp::new(ledger, clock);
        app.screen = screen;
        for scan in &args.scan {
            app.scan(scan);
        }
        if let (Some(who), Some(at)) = (&args.exposure_of, &args.exposure_at) {
            app.exposure_ui.prefill(who, at);
        }
        let image = desk::screenshot::capture(&mut app, size, 1.0);
        image
            .save(file)
            .with_context(|| format!("could not write the screenshot to {}", file.display()))?;
        writeln!(out, "Wrote the {} screen to {}.", screen.title(), file.display())?;
        return Ok(true);
    }
    if let Some(folder) = &args.frames
        && !folder.is_dir()
    {
        return Err(anyhow!(
            "--frames {}: there is no such folder. Give a folder of PNG or JPEG images.",
            folder.display()
        ));
    }
    let launch = Launch {
        frames: args.frames.clone(),
        camera: args.camera,
        no_camera: args.no_camera,
    };
    desk::run(ledger, clock, launch, started)?;
    Ok(true)
}

/// "1280x800" → points.
fn parse_size(text: &str) -> Result<egui::Vec2> {
    let parsed = text
        .split_once(['x', 'X'])
        .and_then(|(w, h)| Some((w.trim().parse::<u16>().ok()?, h.trim().parse::<u16>().ok()?)))
        .filter(|&(w, h)| w >= 320 && h >= 240);
    let (w, h) =
        parsed.ok_or_else(|| anyhow!("--size {text:?}: give WIDTHxHEIGHT, at least 320x240, e.g. 1280x800"))?;
    Ok(egui::vec2(f32::from(w), f32::from(h)))
}
