//! Measures the desk app's budgets on the demo database, headless (egui lays out and
//! tessellates each frame as in the window; only the GPU upload is missing).
//! Usage: desk_bench DEMO.db   `scripts/bench` runs it on a copy.

use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use custody::desk::scanner::FrameSource;
use custody::desk::{DeskApp, Screen};
use custody_db::{Ledger, Status, SystemClock};
use custody_labels::payload::Payload;
use custody_labels::sheet::Label;

fn ms(d: Duration) -> String {
    format!("{:.1} ms", d.as_secs_f64() * 1000.0)
}

fn row(what: &str, figure: String, budget: &str) {
    println!("{what:<48} {figure:>12}   budget {budget}");
}

fn input(time: f64, events: Vec<egui::Event>) -> egui::RawInput {
    egui::RawInput {
        screen_rect: Some(egui::Rect::from_min_size(egui::Pos2::ZERO, egui::vec2(1280.0, 800.0))),
        time: Some(time),
        events,
        ..Default::default()
    }
}

/// One full frame: the app's ui, then tessellation (what the window does before drawing).
fn frame(ctx: &egui::Context, app: &mut DeskApp, time: f64, events: Vec<egui::Event>) -> Duration {
    let start = Instant::now();
    let mut out = ctx.run_ui(input(time, events), |ui| app.show(ui));
    let _ = ctx.tessellate(std::mem::take(&mut out.shapes), out.pixels_per_point);
    out.textures_delta.clear();
    start.elapsed()
}

/// One 1280×720 camera frame with an item label on it, then nothing.
struct OneFrame(Option<image::RgbImage>);

impl FrameSource for OneFrame {
    fn describe(&self) -> String {
        "bench frame".into()
    }
    fn next_frame(&mut self) -> Result<Option<image::RgbImage>, String> {
        std::thread::sleep(Duration::from_millis(5));
        Ok(self.0.take())
    }
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let path = PathBuf::from(std::env::args().nth(1).ok_or("usage: desk_bench DEMO.db")?);
    let clock = Arc::new(SystemClock);

    // Start: open the database, build the app, lay out and tessellate the first frame. The
    // desk opens on its sign-in screen; the sign-in (measured by the ledger's bench, with its
    // hash) is taken out of this figure, and the lists are read for the operator signed in.
    let start = Instant::now();
    let mut ledger = Ledger::open(&path, clock.clone())?;
    let signing_in = Instant::now();
    ledger.operator_sign_in(
        "admin",
        custody_db::demo::DEMO_PASSWORD,
        custody_db::SignInAt::CommandLine,
    )?;
    let start = start + signing_in.elapsed();
    let mut app = DeskApp::new(ledger, clock);
    let ctx = egui::Context::default();
    frame(&ctx, &mut app, 0.0, vec![]);
    row("desk: start to the first frame", ms(start.elapsed()), "1 s");
    let mut t = 0.0;
    while app.is_busy() {
        t += 1.0 / 60.0;
        frame(&ctx, &mut app, t, vec![]);
        std::thread::sleep(Duration::from_millis(5));
    }
    row(
        "desk: start to every list read (background)",
        ms(start.elapsed()),
        "none",
    );

    // Items: scroll through the whole table with the mouse wheel.
    app.screen = Screen::Items;
    let rows = app.lists.items.value.as_ref().map_or(0, |v| v.len());
    for _ in 0..3 {
        t += 1.0 / 60.0;
        frame(
            &ctx,
            &mut app,
            t,
            vec![egui::Event::PointerMoved(egui::pos2(400.0, 400.0))],
        );
    }
    let mut times = Vec::new();
    for _ in 0..300 {
        t += 1.0 / 60.0;
        let wheel = egui::Event::MouseWheel {
            unit: egui::MouseWheelUnit::Point,
            delta: egui::vec2(0.0, -4000.0),
            phase: egui::TouchPhase::Move,
            source: egui::MouseWheelSource::Wheel,
            modifiers: egui::Modifiers::NONE,
        };
        times.push(frame(&ctx, &mut app, t, vec![wheel]));
    }
    times.sort();
    row(
        &format!("items: frame while scrolling {rows} rows, median"),
        ms(times[times.len() / 2]),
        "16 ms",
    );
    row(
        "items: slowest of 300 scrolling frames",
        ms(times[times.len() - 1]),
        "16 ms",
    );

    // Camera: a frame holding a code, through the capture and decoder threads, to the basket.
    app.screen = Screen::Desk;
    let tag = app
        .lists
        .items
        .value
        .as_ref()
        .and_then(|items| {
            items
                .iter()
                .find(|r| r.state.status == Status::In)
                .map(|r| r.item.tag.clone())
        })
        .ok_or("no item is in")?;
    let png = custody_labels::preview::label_png(
        &Label {
            payload: Payload::item(&tag),
            kind: "laptop".into(),
        },
        4,
    )?;
    let label = image::load_from_memory(&png)?.into_rgb8();
    let mut picture = image::RgbImage::from_pixel(1280, 720, image::Rgb([140, 140, 140]));
    image::imageops::overlay(&mut picture, &label, 400, 200);
    let ctx2 = ctx.clone();
    app.start_scanner(&ctx2, move || Box::new(OneFrame(Some(picture))));
    let waited = Instant::now();
    while !app.desk.basket.iter().any(|i| i.tag == tag) {
        if waited.elapsed() > Duration::from_secs(10) {
            return Err("the label was not read".into());
        }
        t += 1.0 / 60.0;
        frame(&ctx, &mut app, t, vec![]);
        std::thread::sleep(Duration::from_millis(1));
    }
    // The basket shows it in the next frame.
    let shown = frame(&ctx, &mut app, t + 0.016, vec![]);
    let latency = app.last_scan_latency.unwrap_or_default() + shown;
    row(
        "camera frame (1280x720) to the basket showing it",
        ms(latency),
        "100 ms",
    );
    Ok(())
}
