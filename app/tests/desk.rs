//! The desk app driven through egui_kittest, against the real app state and a temporary
//! database: label images go through the frame source and the decoder thread; key presses
//! and typed text go through egui's input, as a keyboard or a wedge scanner would send them.

#![allow(clippy::unwrap_used)]

mod common;

use std::time::{Duration, Instant};

use common::{banner, harness, now, setup, step_until, type_burst, write_frame};
use custody::desk::scanner::FolderFrames;
use custody::desk::{DeskApp, Screen};
use custody_db::{FixedClock, Ledger, Status};
use custody_labels::payload::Payload;
use egui::Key;
use egui_kittest::Harness;
use egui_kittest::kittest::Queryable;

#[test]
fn camera_frames_fill_the_basket_set_the_holder_and_enter_signs_out_then_a_scan_signs_in() {
    let (s, app) = setup();
    let mut h = harness(app);
    let frames = s.frames.clone();
    let ctx = h.ctx.clone();
    h.state_mut()
        .start_scanner(&ctx, move || Box::new(FolderFrames::new(&frames, Duration::ZERO)));

    write_frame(&s.frames, "01-laptop", Payload::item("LT-0001"));
    step_until(&mut h, "the laptop in the basket", |a| a.desk.basket.len() == 1);
    assert_eq!(h.state().desk.basket[0].tag, "LT-0001");
    h.get_by_label_contains("LT-0001 (Dell Latitude 5440) added");
    assert!(h.state().last_scan_latency.is_some());

    write_frame(&s.frames, "02-badge", Payload::person("S001"));
    step_until(&mut h, "the holder", |a| a.desk.holder.is_some());
    assert_eq!(h.state().desk.holder.as_ref().unwrap().id, "S001");

    h.key_press(Key::Enter);
    h.run_steps(2);
    let state = h.state().ledger.state("LT-0001").unwrap();
    assert_eq!(state.status, Status::Out);
    assert_eq!(state.holder.as_deref(), Some("S001"));
    assert!(
        h.state().desk.basket.is_empty(),
        "the desk is ready for the next person"
    );
    h.get_by_label_contains("Signed out LT-0001 to Sam Jones");

    // The same label again, after it has been out of view: it comes back.
    s.clock
        .advance(custody::desk::SAME_SCAN_WITHIN + chrono::Duration::milliseconds(200));
    write_frame(&s.frames, "03-laptop-again", Payload::item("LT-0001"));
    step_until(&mut h, "the sign-in", |a| banner(a).starts_with("Returned"));
    assert_eq!(banner(h.state()), "Returned LT-0001 from Sam Jones \u{2014} on time.");
    assert_eq!(h.state().ledger.state("LT-0001").unwrap().status, Status::In);
    drop(s.dir);
}

/// A label held up at arm's length for half a second: ten webcam frames (1280×720) with its code
/// 60 px wide (a 24 mm code 50–60 cm away), turned, a little out of focus, dim, noisy and
/// JPEG-compressed, as the webcam benchmark makes them, go through the frame source and the
/// decoder thread; the laptop ends in the basket.
#[test]
fn a_label_held_at_arms_length_ends_in_the_basket() {
    use custody_labels::webcam::{LabelPicture, frames};
    let (s, app) = setup();
    let mut h = harness(app);
    let label = custody_labels::sheet::Label {
        payload: Payload::item("LT-0001"),
        kind: "laptop".into(),
    };
    let picture = LabelPicture::of_preview(&label, 8).unwrap();
    for (i, frame) in frames(&picture, 60, 10, 2026).into_iter().enumerate() {
        let partial = s.frames.join(format!("{i:02}.part"));
        frame.image.save_with_format(&partial, image::ImageFormat::Png).unwrap();
        std::fs::rename(partial, s.frames.join(format!("{i:02}.png"))).unwrap();
    }
    let folder = s.frames.clone();
    let ctx = h.ctx.clone();
    h.state_mut().camera.show_speed = true;
    h.state_mut()
        .start_scanner(&ctx, move || Box::new(FolderFrames::new(&folder, Duration::ZERO)));
    step_until(&mut h, "the laptop in the basket", |a| a.desk.basket.len() == 1);
    assert_eq!(h.state().desk.basket[0].tag, "LT-0001");
    // For a support call: frames a second and the time to read one, on the preview.
    let speed = h.state().camera.speed_text().unwrap();
    assert!(
        speed.contains(" fps · reading a frame ") && speed.ends_with(" ms"),
        "{speed}"
    );
}

/// The camera chosen at a desk is the one it starts with next time; "No camera" is remembered
/// too, and `--camera N` still wins.
#[test]
fn the_desk_starts_with_the_camera_chosen_last_time() {
    use custody::desk::{Launch, start_frames};
    let (_s, app) = setup();
    let mut h = harness(app);
    let ctx = h.ctx.clone();
    let launch = |camera| Launch {
        frames: None,
        camera,
        no_camera: false,
    };
    h.state_mut().remember_camera(custody_db::DeskCamera::None);
    start_frames(h.state_mut(), &ctx, &launch(None));
    assert!(!h.state().is_scanning(), "no camera, as chosen");
    h.state_mut().remember_camera(custody_db::DeskCamera::Index(3));
    assert_eq!(
        h.state().ledger.desk_camera().unwrap(),
        Some(custody_db::DeskCamera::Index(3))
    );
    start_frames(h.state_mut(), &ctx, &launch(None));
    step_until(&mut h, "camera 3 asked for", |a| {
        a.camera.status.contains("Camera 3") || a.camera.status.contains("No camera")
    });
    h.state_mut().stop_scanner();
    start_frames(h.state_mut(), &ctx, &launch(Some(1)));
    step_until(&mut h, "camera 1 asked for", |a| {
        a.camera.status.contains("Camera 1") || a.camera.status.contains("No camera")
    });
}

#[test]
fn a_wedge_scanner_burst_works_without_focusing_a_field() {
    let (_s, app) = setup();
    let mut h = harness(app);
    type_burst(&h, "CU1:I:LT-0001");
    h.run_steps(2);
    assert_eq!(h.state().desk.basket.len(), 1, "{}", banner(h.state()));
    type_burst(&h, "CU1:P:S002");
    h.run_steps(2);
    assert_eq!(h.state().desk.holder.as_ref().unwrap().id, "S002");
    h.key_press(Key::Enter);
    h.run_steps(2);
    assert_eq!(
        h.state().ledger.state("LT-0001").unwrap().holder.as_deref(),
        Some("S002")
    );
}

/// After a sign-out the desk offers the hand-over receipt; saved beside the database, it holds
/// the holder, the item and the rules for carrying data home.
#[test]
fn the_desk_saves_the_hand_over_receipt() {
    let (s, app) = setup();
    let mut h = harness(app);
    type_burst(&h, "CU1:I:LT-0001");
    type_burst(&h, "CU1:P:S002");
    h.run_steps(2);
    h.key_press(Key::Enter);
    h.run_steps(2);
    h.get_by_label("Save receipt for Priya Patel (S002)").click();
    h.run_steps(2);
    assert!(
        banner(h.state()).contains("print it for Priya Patel (S002) to sign"),
        "{}",
        banner(h.state())
    );
    let reports = s.dir.path().join("reports");
    let receipt = std::fs::read_dir(&reports).unwrap().next().unwrap().unwrap().path();
    let text = custody_tests::pdf_text(&receipt);
    assert!(
        text.contains("Signed out to Priya Patel (S002)") && text.contains("LT-0001"),
        "{text}"
    );
    assert!(text.contains("Go straight home"), "{text}");
}

#[test]
fn a_refused_sign_out_names_the_rule_and_writes_nothing() {
    let (s, app) = setup();
    let mut h = harness(app);
    type_burst(&h, "USB-01");
    type_burst(&h, "S001");
    h.run_steps(2);
    let before = custody_tests::dump(&s.dir.path().join("custody.db"));
    h.key_press(Key::Enter);
    h.run_steps(2);
    let text = banner(h.state());
    assert!(text.starts_with("Not signed out.") && text.contains("R2"), "{text}");
    h.get_by_label_contains("R2");
    assert_eq!(custody_tests::dump(&s.dir.path().join("custody.db")), before);
    assert_eq!(h.state().ledger.state("USB-01").unwrap().status, Status::In);
}

#[test]
fn a_due_date_in_the_past_is_refused_in_the_ledgers_words() {
    let (s, app) = setup();
    let mut h = harness(app);
    type_burst(&h, "LT-0001");
    type_burst(&h, "S001");
    h.state_mut().desk.due_text = "2026-11-19".into();
    h.run_steps(2);
    let before = custody_tests::dump(&s.dir.path().join("custody.db"));
    h.key_press(Key::Enter);
    h.run_steps(2);
    let text = banner(h.state());
    assert!(text.contains("is not after the sign-out time"), "{text}");
    assert!(!text.contains("--"), "no command-line flags at the desk: {text}");
    assert_eq!(custody_tests::dump(&s.dir.path().join("custody.db")), before);
}

#[test]
fn an_inactive_person_is_refused_by_r8() {
    let (_s, mut app) = setup();
    app.ledger.set_person_active("S002", false).unwrap();
    let mut h = harness(app);
    type_burst(&h, "CU1:P:S002");
    h.run_steps(2);
    assert!(h.state().desk.holder.is_none());
    assert!(banner(h.state()).starts_with("Refused by R8"), "{}", banner(h.state()));
}

#[test]
fn warnings_are_confirmed_with_a_second_enter_and_stored_on_the_event() {
    let (_s, app) = setup();
    let mut h = harness(app);
    type_burst(&h, "LT-0002"); // personal data, not encrypted: R4 warns
    type_burst(&h, "S001");
    h.key_press(Key::Enter);
    h.run_steps(2);
    assert_eq!(h.state().ledger.state("LT-0002").unwrap().status, Status::In);
    assert_eq!(h.state().desk.warnings.len(), 1);
    h.get_by_label_contains("R4:");
    h.key_press(Key::Enter);
    h.run_steps(2);
    let events = h.state().ledger.item_events("LT-0002").unwrap();
    let out = events.last().unwrap();
    assert!(
        out.warnings.as_deref().unwrap().starts_with("R4:"),
        "{:?}",
        out.warnings
    );
}

#[test]
fn undo_appends_a_correction() {
    let (_s, app) = setup();
    let mut h = harness(app);
    for scan in ["LT-0001", "S001"] {
        type_burst(&h, scan);
    }
    h.key_press(Key::Enter);
    h.run_steps(2);
    assert_eq!(h.state().ledger.state("LT-0001").unwrap().status, Status::Out);
    h.get_by_label_contains("Undo sign-out of LT-0001 \u{2014} 10 s")
        .click();
    h.run_steps(2);
    assert_eq!(h.state().ledger.state("LT-0001").unwrap().status, Status::In);
    let events = h.state().ledger.item_events("LT-0001").unwrap();
    assert_eq!(events.len(), 2, "the sign-out stays, with its correction");
    assert_eq!(events[1].corrects, Some(events[0].id));
}

#[test]
fn typing_part_of_a_name_picks_the_person() {
    let (_s, app) = setup();
    let mut h = harness(app);
    h.run_steps(3); // the people list is read in the background
    step_until(&mut h, "the people list", |a| a.lists.people.value.is_some());
    let field = h.get_by_label("Scan or type:");
    field.focus();
    field.type_text("priya");
    h.run_steps(2);
    h.get_by_label_contains("Priya Patel (S002)");
    h.key_press(Key::Enter);
    h.run_steps(2);
    assert_eq!(h.state().desk.holder.as_ref().map(|p| p.id.as_str()), Some("S002"));
}

#[test]
fn the_items_screen_searches_and_shows_the_chain_of_custody() {
    let (_s, app) = setup();
    let mut h = harness(app);
    type_burst(&h, "LT-0001");
    type_burst(&h, "S001");
    h.key_press(Key::Enter);
    h.key_press(Key::F2);
    h.run_steps(2);
    assert_eq!(h.state().screen, Screen::Items);
    step_until(&mut h, "the item list", |a| a.lists.items.value.is_some());
    let field = h.get_by_label("Search items:");
    field.focus();
    field.type_text("dell");
    h.run_steps(2);
    h.get_by_label("1 of 3 items");
    h.key_press(Key::ArrowDown);
    h.run_steps(2);
    h.get_by_label_contains("Chain of custody and changes to its record (2, newest first)");
    h.get_by_label_contains("signed out to Sam Jones (S001)");
    h.get_by_label_contains("record: registered");
}

/// The item page's form changes the record: what changed is on the record, old and new, and
/// shows in the item's chain; a save that changes nothing writes nothing.
#[test]
fn the_item_page_changes_the_profile_on_the_record() {
    let (s, app) = setup();
    let mut h = harness(app);
    h.key_press(Key::F2);
    h.run_steps(2);
    step_until(&mut h, "the item list", |a| a.lists.items.value.is_some());
    let field = h.get_by_label("Search items:");
    field.focus();
    field.type_text("LT-0002");
    h.run_steps(2);
    h.key_press(Key::ArrowDown);
    h.run_steps(2);
    h.get_by_label("Change this item's record").click();
    h.run_steps(2);
    let before = custody_tests::dump(&s.dir.path().join("custody.db"));
    h.get_by_label("Save changes").click();
    h.run_steps(2);
    h.get_by_label("No change: nothing was written.");
    assert_eq!(custody_tests::dump(&s.dir.path().join("custody.db")), before);

    h.get_by_label("Storage encrypted").click();
    let why = h.get_by_label("Why");
    why.focus();
    why.type_text("BitLocker turned on");
    h.run_steps(1);
    h.get_by_label("Save changes").click();
    h.run_steps(3);
    h.get_by_label("Saved: encrypted: no -> yes.");
    assert!(h.state().ledger.item("LT-0002").unwrap().encrypted);
    h.get_by_label_contains("record: encrypted: no -> yes (why: BitLocker turned on)");
    assert!(h.state().ledger.verify().unwrap().is_intact());
}

#[test]
fn settings_turn_a_warning_into_a_block() {
    let (_s, app) = setup();
    let mut h = harness(app);
    h.key_press(Key::F9);
    h.run_steps(2);
    assert_eq!(h.state().screen, Screen::Settings);
    let r4 = h
        .state()
        .ledger
        .rules()
        .unwrap()
        .iter()
        .position(|(rule, _)| *rule == custody_db::Rule::R4)
        .unwrap();
    h.get_all_by_label("block").nth(r4).unwrap().click();
    h.run_steps(2);
    h.get_by_label_contains("R4 now blocks");
    h.key_press(Key::F1);
    type_burst(&h, "LT-0002");
    type_burst(&h, "S001");
    h.key_press(Key::Enter);
    h.run_steps(2);
    assert!(banner(h.state()).contains("R4"), "{}", banner(h.state()));
    assert!(
        h.state().desk.warnings.is_empty(),
        "a block is not a warning to confirm"
    );
    assert_eq!(h.state().ledger.state("LT-0002").unwrap().status, Status::In);
}

#[test]
fn the_people_screen_edits_the_register_and_refuses_a_bad_date() {
    let (_s, app) = setup();
    let mut h = harness(app);
    h.key_press(Key::F3);
    h.run_steps(2);
    step_until(&mut h, "the people list", |a| a.lists.people.value.is_some());
    h.key_press(Key::ArrowDown); // selects the first person in the list
    h.run_steps(2);
    let id = h.state().ledger.people().unwrap()[0].person.id.clone();
    let training = h.get_by_label("IG training completed");
    training.focus();
    h.key_press_modifiers(egui::Modifiers::COMMAND, Key::A);
    h.get_by_label("IG training completed").type_text("2026-13-40");
    h.run_steps(1);
    h.get_by_label("Save record").click();
    h.run_steps(2);
    h.get_by_label_contains("Not saved: IG training completed");
    let before = h.state().ledger.person(&id).unwrap();
    assert_eq!(before.home.training, Some("2026-03-15".parse().unwrap()));

    let training = h.get_by_label("IG training completed");
    training.focus();
    h.key_press_modifiers(egui::Modifiers::COMMAND, Key::A);
    h.get_by_label("IG training completed").type_text("2026-11-01");
    h.run_steps(1);
    h.get_by_label("Save record").click();
    h.run_steps(2);
    h.get_by_label("Saved.");
    let after = h.state().ledger.person(&id).unwrap();
    assert_eq!(after.home.training, Some("2026-11-01".parse().unwrap()));
    // The change is on the record and on their page.
    h.get_by_label("record: training: 15/03/2026 -> 01/11/2026");
}

/// Steps until the screen's message says the job finished.
fn wait_for_saved(h: &mut Harness<'static, DeskApp>) {
    let start = Instant::now();
    loop {
        h.step();
        if h.query_by_label_contains("Saved ").is_some() {
            return;
        }
        assert!(start.elapsed() < Duration::from_secs(30), "nothing was saved");
        std::thread::sleep(Duration::from_millis(10));
    }
}

#[test]
fn the_overdue_screen_shows_the_report_and_saves_the_pdf() {
    let (s, mut app) = setup();
    let at = |t: &str| Some(app.ledger.parse_when(t, custody_db::DayEdge::Start).unwrap());
    let request = custody_db::SignOut {
        items: vec!["LT-0001".into()],
        to: "S001".into(),
        at: at("2026-11-01"),
        due: at("2026-11-06"),
        ..Default::default()
    };
    app.ledger.sign_out(&request).unwrap();
    let mut h = harness(app);
    h.key_press(Key::F5);
    step_until(&mut h, "the report", |a| a.states.overdue.report.value.is_some());
    h.get_by_label_contains("1 item(s) with 1 holder(s)");
    h.get_by_label("Sam Jones (S001)");
    h.get_by_label("third notice");
    h.get_by_label("Save PDF with reminder slips").click();
    wait_for_saved(&mut h);
    let pdf = s.dir.path().join("reports").join("overdue-2026-11-20.pdf");
    h.get_by_label(&format!("Saved {}", pdf.display()));
    let text = custody_tests::pdf_text(&pdf);
    assert!(text.contains("Reminder: please return — Sam Jones (S001)"), "{text}");
}

#[test]
fn from_exposure_to_an_incident_and_its_breach_pack() {
    let (s, mut app) = setup();
    let at = Some(
        app.ledger
            .parse_when("19/11/2026 08:00", custody_db::DayEdge::Start)
            .unwrap(),
    );
    let request = custody_db::SignOut {
        items: vec!["LT-0001".into()],
        to: "S001".into(),
        at,
        ..Default::default()
    };
    app.ledger.sign_out(&request).unwrap();
    let mut h = harness(app);
    h.key_press(Key::F6);
    h.run_steps(2);
    let field = h.get_by_label("Person or container:");
    field.focus();
    field.type_text("S001");
    h.run_steps(1);
    let field = h.get_by_label("At:");
    field.focus();
    field.type_text("19/11/2026 18:00");
    h.run_steps(1);
    h.get_by_label("Look up").click();
    step_until(&mut h, "the exposure", |a| a.states.exposure.result.value.is_some());
    h.get_by_label("Sam Jones (S001): In their custody at 19/11/2026 18:00.");
    h.get_by_label_contains("1 item(s): 1 device(s) encrypted, 0 NOT encrypted");

    h.get_by_label("Open an incident from this (loss, theft, disclosure)")
        .click();
    h.run_steps(2);
    h.get_by_label("theft").click();
    let field = h.get_by_label("What happened:");
    field.focus();
    field.type_text("Car broken into");
    h.run_steps(1);
    h.run_steps(1);
    h.get_by_label("Open the incident").click();
    h.run_steps(3);
    assert_eq!(h.state().screen, Screen::Incidents);
    assert_eq!(h.state().ledger.state("LT-0001").unwrap().status, Status::Stolen);
    h.get_by_label("INC-2026-0001 \u{2014} theft");
    // In the list and on the incident's page.
    assert_eq!(
        h.get_all_by_label_contains("ICO deadline (72 hours from discovery): 23/11/2026 10:00")
            .count(),
        2
    );

    let field = h.get_by_label("Details:");
    field.focus();
    field.type_text("Phoned the DPO");
    h.run_steps(1);
    h.run_steps(1);
    h.get_by_label("Add").click();
    h.run_steps(2);
    let notes = h.state().ledger.incident("INC-2026-0001").unwrap().notes;
    assert_eq!(notes.len(), 1, "{notes:?}");
    h.get_by_label("Phoned the DPO");
    h.get_by_label("Save the breach pack (PDF and JSON)").click();
    wait_for_saved(&mut h);
    let reports = s.dir.path().join("reports");
    let text = custody_tests::pdf_text(&reports.join("INC-2026-0001-breach-pack.pdf"));
    assert!(
        text.contains("Phoned the DPO") && text.contains("Chain of custody: LT-0001"),
        "{text}"
    );
    assert!(reports.join("INC-2026-0001-breach-pack.json").exists());
}

#[test]
fn an_empty_database_offers_demo_data() {
    let dir = tempfile::tempdir().unwrap();
    let clock = FixedClock::new(now());
    let ledger = Ledger::create(&dir.path().join("custody.db"), None, clock.clone()).unwrap();
    let mut h = harness(DeskApp::new(ledger, clock));
    h.run_steps(2);
    // A new database has no operators: the desk asks for its first administrator.
    h.get_by_label_contains("This database has no operators yet");
    for (field, text) in [
        ("Organisation:", "Hillside School"),
        ("Operator id:", "boss"),
        ("Name:", "The Head"),
        ("PIN or password:", "boss-pin-1"),
        ("The same again:", "boss-pin-1"),
    ] {
        h.get_by_label(field).click();
        h.run_steps(1);
        h.get_by_label(field).type_text(text);
        h.run_steps(1);
    }
    h.get_by_label("Create and sign in").click();
    common::pin_checked(&mut h); // the PIN is hashed and the key made on a thread
    assert_eq!(
        h.state().ledger.session().map(|s| s.id().to_string()).as_deref(),
        Some("boss")
    );
    h.get_by_label("This database is empty.");
    h.get_by_label("Load demo data").click();
    step_until(&mut h, "the demo data", |a| {
        !a.demo_loading() && a.ledger.counts().unwrap().0 > 0
    });
    h.get_by_label_contains("Demo data loaded: 400 items, 120 people");
    assert!(h.query_by_label("This database is empty.").is_none());
}

#[test]
fn an_unknown_scan_is_named_and_writes_nothing() {
    let (s, app) = setup();
    let mut h = harness(app);
    let before = custody_tests::dump(&s.dir.path().join("custody.db"));
    for text in ["\u{3a9}mega", "https://example.org/x", "CU1:I:LT-9999"] {
        type_burst(&h, text);
        h.run_steps(2);
        assert_eq!(
            h.state().desk.banner.as_ref().unwrap().tone,
            custody::desk::session::Tone::Refused,
            "{text}"
        );
    }
    assert!(banner(h.state()).contains("LT-9999"), "{}", banner(h.state()));
    assert_eq!(custody_tests::dump(&s.dir.path().join("custody.db")), before);
}

/// `custody --db FILE` on a file that is not there opens the window and says so there, with
/// the file's name, offering to create it (nothing is made until asked) or to open another.
#[test]
fn a_missing_database_is_said_in_the_window_which_offers_to_create_it() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("office.db");
    let problem = format!("there is no database at {}.", path.display());
    let opener = custody::desk::opener::Opener::new(&path, problem.clone(), FixedClock::new(now()));
    let mut h = Harness::builder().with_size(egui::vec2(1024.0, 700.0)).build_ui_state(
        |ui, (opener, opened): &mut (custody::desk::opener::Opener, Option<Ledger>)| {
            if let Some(ledger) = opener.show(ui) {
                *opened = Some(ledger);
            }
        },
        (opener, None),
    );
    h.run_steps(2);
    h.get_by_label(&problem);
    assert!(!path.exists(), "nothing is made until asked");
    // Another file that is not there either: said, nothing made.
    h.get_by_label("Open this file").click();
    h.run_steps(2);
    assert!(h.state().1.is_none());
    h.get_by_label("Create a new database here").click();
    h.run_steps(2);
    let ledger = h.state_mut().1.take().expect("created");
    assert!(path.exists());
    assert!(
        !ledger.has_operators().unwrap(),
        "its first administrator is asked for next"
    );
}
