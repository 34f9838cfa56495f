//! `custody` with no command: opens the desk window, or with `--screenshot` renders a screen
//! to a PNG without one.

use std::io::Write;
use std::path::PathBuf;

use anyhow::{Context as _, Result, anyhow};
use clap::Args;

use crate::context::Context;
use crate::desk::{self, DeskApp, Launch, Screen};

/// Options for the desk app (`custody` with no command).
#[derive(Debug, Args)]
pub struct DeskArgs {
    /// Scan image files from this folder instead of the camera (files added later are scanned too)
    #[arg(long, value_name = "DIR")]
    pub frames: Option<PathBuf>,
    /// Which camera to use [default: the one last chosen at this desk, else the first]
    #[arg(long, value_name = "N")]
    pub camera: Option<u32>,
    /// Do not start the camera (scan with a USB scanner or type)
    #[arg(long)]
    pub no_camera: bool,
    /// Render the desk app to a PNG file and exit, with no window
    #[arg(long, value_name = "FILE")]
    pub screenshot: Option<PathBuf>,
    /// With --screenshot: which screen (desk, items, people, out-now, overdue, exposure,
    /// incidents, labels, stocktake, spot-checks or settings)
    #[arg(long, value_name = "NAME", requires = "screenshot", default_value = "desk")]
    pub screen: String,
    /// With --screenshot: act on these scans first (a payload such as CU1:I:LT-0001, or a tag)
    #[arg(long, value_name = "TEXT", requires = "screenshot")]
    pub scan: Vec<String>,
    /// With --screenshot --screen exposure: whose exposure (a person or container id)
    #[arg(long, value_name = "ID", requires = "exposure_at")]
    pub exposure_of: Option<String>,
    /// With --screenshot --screen exposure: the moment
    #[arg(long, value_name = "WHEN", requires = "exposure_of")]
    pub exposure_at: Option<String>,
    /// With --screenshot: light or dark [default: as this desk remembers]
    #[arg(long, value_name = "THEME", requires = "screenshot", value_parser = ["light", "dark"])]
    pub theme: Option<String>,
    /// With --screenshot: width and height in points
    #[arg(long, value_name = "WxH", requires = "screenshot", default_value = "1280x800")]
    pub size: String,
}

/// `started`: when the program started, for the start-to-first-frame figure.
pub fn run(ctx: &Context, args: &DeskArgs, started: std::time::Instant, out: &mut dyn Write) -> Result<bool> {
    let clock = ctx.clock.clone();
    if let Some(file) = &args.screenshot {
        let mut ledger = ctx.open_for_desk()?;
        // A picture of a signed-in desk needs an operator and their password file; without
        // them, it is the sign-in screen, as a desk opens.
        if ctx.password_file.is_some() {
            ctx.sign_in(&mut ledger)?;
        }
        let screen = Screen::parse(&args.screen).ok_or_else(|| {
            anyhow!(
                "there is no screen called {:?}; choose one of: {}",
                args.screen,
                Screen::names()
            )
        })?;
        let size = parse_size(&args.size)?;
        let mut app = DeskApp::new(ledger, clock);
        app.screen = screen;
        if let Some(theme) = &args.theme {
            let remembered = desk::appearance::Appearance::remembered(&app.ledger);
            app.appearance = Some(desk::appearance::Appearance {
                light: theme == "light",
                ..remembered
            });
        }
        for scan in &args.scan {
            app.scan(scan);
        }
        if let (Some(who), Some(at)) = (&args.exposure_of, &args.exposure_at) {
            app.states.exposure.prefill(who, at);
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
    // A file that is not there, or cannot be read, is said in the window, which offers to
    // create it or to open another: a desk started from a shortcut has no terminal to read.
    let opened = ctx.open_for_desk().map_err(|e| {
        let path = std::path::absolute(&ctx.path).unwrap_or_else(|_| ctx.path.clone());
        let problem = if path.exists() {
            format!("{} could not be opened: {e:#}", path.display())
        } else {
            format!("There is no database at {}.", path.display())
        };
        (path, problem)
    });
    desk::run(opened, clock, launch, started)?;
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
