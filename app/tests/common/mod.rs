//! What the desk's kittest tests share: a database with a few items and people, the app over
//! it with a fixed clock, and ways to drive it as a clerk and a scanner would.

#![allow(clippy::unwrap_used, dead_code)]

pub mod server;

use std::path::Path;
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};
use custody::desk::DeskApp;
use custody_db::{FixedClock, HomeWorking, Item, ItemKind, Ledger};
use custody_labels::payload::Payload;
use custody_labels::sheet::Label;
use egui::{Event, Key};
use egui_kittest::Harness;
use tempfile::TempDir;

pub struct Setup {
    pub dir: TempDir,
    pub frames: std::path::PathBuf,
    pub clock: std::sync::Arc<FixedClock>,
}

/// The PIN of `desk-test`, the administrator every desk test is signed in as.
pub const DESK_PIN: &str = "desk-pin-1";

pub fn now() -> DateTime<Utc> {
    DateTime::parse_from_rfc3339("2026-11-20T10:00:00Z")
        .unwrap()
        .with_timezone(&Utc)
}

/// A database with an encrypted laptop, an unencrypted one, a USB stick and two people with
/// their home-working records in order (so only the rules under test speak).
pub fn setup() -> (Setup, DeskApp) {
    let dir = tempfile::tempdir().unwrap();
    let frames = dir.path().join("frames");
    std::fs::create_dir(&frames).unwrap();
    // Registered at the start of term, so that tests may record events from any time since.
    let clock = FixedClock::new(custody_tests::REGISTERED_AT.parse().unwrap());
    let mut ledger = Ledger::create(&dir.path().join("custody.db"), Some("Hillside School"), clock.clone()).unwrap();
    ledger.use_hashing(custody_db::Hashing::cheap_for_tests());
    ledger.add_first_admin("desk-test", "Desk Test", DESK_PIN).unwrap();
    let mut laptop = Item::new("LT-0001", ItemKind::Laptop, "Dell Latitude 5440");
    laptop.encrypted = true;
    laptop.data_subjects = 120;
    ledger.add_item(&laptop).unwrap();
    let mut open_laptop = Item::new("LT-0002", ItemKind::Laptop, "Lenovo ThinkPad E14");
    open_laptop.data_subjects = 30;
    ledger.add_item(&open_laptop).unwrap();
    ledger
        .add_item(&Item::new("USB-01", ItemKind::RemovableMedia, "Kingston stick"))
        .unwrap();
    let record = HomeWorking {
        agreement_signed: Some("2026-01-10".parse().unwrap()),
        agreement_review: Some("2027-01-10".parse().unwrap()),
        assessment_done: Some("2026-02-01".parse().unwrap()),
        assessment_review: Some("2027-02-01".parse().unwrap()),
        assessment_ref: Some("RA-1".into()),
        training: Some("2026-03-15".parse().unwrap()),
    };
    for (id, name) in [("S001", "Sam Jones"), ("S002", "Priya Patel")] {
        ledger.add_person(id, name, None).unwrap();
        ledger.set_home_working(id, &record).unwrap();
    }
    // Priya is also the office manager, an operator: she may authorise paper's removal (R1).
    ledger
        .add_operator("S002", "Priya Patel", custody_db::Role::Manager, "priya-pin-1")
        .unwrap();
    clock.set(now());
    let app = DeskApp::new(ledger, clock.clone());
    (Setup { dir, frames, clock }, app)
}

pub fn harness(app: DeskApp) -> Harness<'static, DeskApp> {
    harness_sized(app, egui::vec2(1280.0, 800.0))
}

pub fn harness_sized(app: DeskApp, size: egui::Vec2) -> Harness<'static, DeskApp> {
    // Frames a sixtieth of a second apart, as a screen draws them: a scanner's burst arrives
    // one character a frame in the harness, and must look as quick as it is.
    Harness::builder()
        .with_size(size)
        .with_step_dt(1.0 / 60.0)
        .build_ui_state(|ui, app: &mut DeskApp| app.show(ui), app)
}

/// Writes a camera-sized frame (960×540, grey) with the label for `payload` on it.
pub fn write_frame(folder: &Path, name: &str, payload: Payload) {
    let label = Label {
        payload,
        kind: "label".into(),
    };
    let png = custody_labels::preview::label_png(&label, 4).unwrap();
    let label = image::load_from_memory(&png).unwrap().into_rgb8();
    let mut frame = image::RgbImage::from_pixel(960, 540, image::Rgb([150, 150, 150]));
    image::imageops::overlay(&mut frame, &label, 200, 100);
    // Written under a temporary name first, so the folder source never reads half a file.
    let partial = folder.join(format!("{name}.part"));
    frame.save_with_format(&partial, image::ImageFormat::Png).unwrap();
    std::fs::rename(partial, folder.join(format!("{name}.png"))).unwrap();
}

/// Steps the app until `done` holds (the camera and decoder threads run meanwhile).
/// Steps until the PIN typed at the sign-in or lock screen has been checked (on its thread).
pub fn pin_checked(h: &mut Harness<'static, DeskApp>) {
    h.run_steps(1); // the click or Enter is taken in the next frame
    step_until(h, "the PIN to be checked", |a| !a.sign_in_ui.is_checking());
}

pub fn step_until(h: &mut Harness<'static, DeskApp>, what: &str, done: impl Fn(&DeskApp) -> bool) {
    let start = Instant::now();
    while !done(h.state()) {
        assert!(
            start.elapsed() < Duration::from_secs(30),
            "timed out waiting for {what}"
        );
        h.step();
        std::thread::sleep(Duration::from_millis(10));
    }
    h.run_steps(2);
}

pub fn banner(app: &DeskApp) -> String {
    app.desk.banner.as_ref().map(|b| b.text.clone()).unwrap_or_default()
}

pub fn type_burst(h: &Harness<'static, DeskApp>, text: &str) {
    for c in text.chars() {
        h.event(Event::Text(c.to_string()));
    }
    h.key_press(Key::Enter);
}
