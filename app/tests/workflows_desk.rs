//! The workflows at the desk, driven as a clerk would: the Stocktake screen (F10, Enter to
//! start, scans from a scanner and typed tags, an unexpected laptop signed in from the screen, a
//! restart in the middle, finish, the report saved and read back), the Spot checks screen, and
//! a disposal from an item's page.

#![allow(clippy::unwrap_used)]

mod common;

use common::{DESK_PIN, harness, setup, type_burst};
use custody::desk::beep::Tone;
use custody::desk::{DeskApp, Screen};
use custody_db::{Ledger, SignInAt, Status};
use egui::Key;
use egui_kittest::kittest::{NodeT, Queryable};

fn sign_out(ledger: &mut Ledger, tag: &str, to: &str) {
    ledger
        .sign_out(&custody_db::SignOut {
            items: vec![tag.into()],
            to: to.into(),
            due: None,
            at: None,
            purpose: None,
            reason: None,
            authoriser: None,
            container: None,
            acknowledge_warnings: true,
        })
        .unwrap();
}

#[test]
fn a_stocktake_at_the_desk_with_the_keyboard_and_a_scanner() {
    let (s, mut app) = setup();
    app.ledger
        .sign_out(&custody_db::SignOut {
            items: vec!["LT-0002".into()],
            to: "S001".into(),
            due: None,
            at: None,
            purpose: None,
            reason: None,
            authoriser: None,
            container: None,
            acknowledge_warnings: true,
        })
        .unwrap();
    let mut h = harness(app);
    h.key_press(Key::F10);
    h.run_steps(2);
    assert_eq!(h.state().screen, Screen::Stocktake);
    h.get_by_label_contains("everything that should be on the premises");
    // Enter on its own starts counting what should be here: LT-0001 and the USB stick.
    h.key_press(Key::Enter);
    h.run_steps(2);
    h.get_by_label_contains("Found 0 of 2");

    type_burst(&h, "CU1:I:LT-0001");
    h.run_steps(2);
    h.get_by_label_contains("Found 1 of 2");
    h.get_by_label_contains("LT-0001: found");
    // Typed by hand, with nothing focused: the same as a scanner.
    type_burst(&h, "lt-0002");
    h.run_steps(2);
    h.get_by_label_contains("unexpected: recorded as out with Sam Jones (S001)");
    assert_eq!(
        h.state().screen,
        Screen::Stocktake,
        "a sighting does not go to the Desk"
    );
    type_burst(&h, "CU1:P:S001");
    h.run_steps(2);
    h.get_by_label_contains("a person's badge (S001); a stocktake counts items");
    // Heard, not only seen: counted is the high tone; unexpected and refused are the low ones.
    assert_eq!(h.state().beeper.played, [Tone::Taken, Tone::Refused, Tone::Refused]);

    // A restart in the middle: the count is on the record.
    let path = s.dir.path().join("custody.db");
    drop(h);
    let mut ledger = Ledger::open(&path, s.clock.clone()).unwrap();
    ledger.operator_sign_in("desk-test", DESK_PIN, SignInAt::Desk).unwrap();
    let mut h = harness(DeskApp::new(ledger, s.clock.clone()));
    h.key_press(Key::F10);
    h.run_steps(2);
    h.get_by_label_contains("Found 1 of 2");
    h.get_by_label("Sign in").click();
    h.run_steps(2);
    assert_eq!(h.state().ledger.state("LT-0002").unwrap().status, Status::In);

    // Enter on its own asks; Esc goes on counting; Enter twice finishes.
    h.key_press(Key::Enter);
    h.run_steps(2);
    h.get_by_label_contains("1 still expected will be reported missing");
    h.key_press(Key::Escape);
    h.run_steps(2);
    assert!(
        h.query_by_label_contains("will be reported missing").is_none(),
        "Esc goes on counting"
    );
    h.get_by_label("Finish stocktake").click();
    h.run_steps(2);
    h.get_by_label_contains("1 still expected will be reported missing");
    h.key_press(Key::Enter);
    h.run_steps(2);
    // The unexpected first: they need action now.
    let missing = h.get_by_label_contains("Missing: expected and not seen (1)").rect();
    let unexpected = h.get_by_label_contains("Unexpected: seen and not expected (1)").rect();
    assert!(
        unexpected.max.y <= missing.min.y,
        "unexpected at {unexpected:?}, missing at {missing:?}"
    );
    h.get_by_label("USB-01");
    // Ctrl+S saves the PDF, with no Tabbing past every row.
    h.key_press_modifiers(egui::Modifiers::COMMAND, Key::S);
    h.run_steps(2);
    let pdf = s.dir.path().join("reports").join("stocktake-ST-1.pdf");
    let text = custody_tests::pdf_text(&pdf);
    assert!(text.contains("Stocktake ST-1") && text.contains("USB-01"), "{text}");
    h.get_by_label("Save CSV").click();
    h.run_steps(2);
    let csv = std::fs::read_to_string(s.dir.path().join("reports").join("stocktake-ST-1.csv")).unwrap();
    assert!(csv.contains("missing,USB-01,removable-media"), "{csv}");
    assert!(csv.contains("unexpected,LT-0002,laptop"), "{csv}");
}

#[test]
fn a_spot_check_drawn_and_recorded_at_the_desk() {
    let (s, mut app) = setup();
    sign_out(&mut app.ledger, "LT-0001", "S001");
    sign_out(&mut app.ledger, "LT-0002", "S002");
    let mut h = harness(app);
    h.key_press(Key::F11);
    h.run_steps(2);
    assert_eq!(h.state().screen, Screen::SpotChecks);
    h.get_by_label_contains("No spot check in the last 12 months");
    h.get_by_label("Draw").click();
    h.run_steps(2);
    h.get_by_label_contains("Drew SC-1: 2 drawn at random from 2 items out");
    h.get_by_label_contains("LT-0001 Dell Latitude 5440, with Sam Jones (S001)");
    h.get_all_by_label("Seen").next().unwrap().click();
    h.run_steps(2);
    h.get_by_label("Recorded LT-0001: seen with the holder and stored as the rules say.");
    // A problem needs a note: refused, then typed and recorded.
    h.get_all_by_label("Problem").nth(1).unwrap().click();
    h.run_steps(2);
    h.get_by_label_contains("a problem is recorded with a note");
    let note = h.get_all_by_role(egui::accesskit::Role::TextInput).nth(2).unwrap();
    note.click();
    note.type_text("left in the car overnight");
    h.run_steps(2);
    h.get_all_by_label("Problem").nth(1).unwrap().click();
    h.run_steps(2);
    h.get_by_label_contains("a problem: left in the car overnight");
    h.get_by_label_contains("2 of 2 checked");

    h.get_by_label("Save checklist (PDF)").click();
    h.run_steps(2);
    let text = custody_tests::pdf_text(&s.dir.path().join("reports").join("spot-check-SC-1.pdf"));
    assert!(
        text.contains("Spot check SC-1: checklist") && text.contains("LT-0002"),
        "{text}"
    );
    h.get_by_label("Save report (PDF)").click();
    h.run_steps(2);
    let text = custody_tests::pdf_text(&s.dir.path().join("reports").join("spot-checks.pdf"));
    assert!(text.contains("left in the car overnight"), "{text}");
}

/// Searches the Items screen for `tag` and shows its page (the arrow keys select a row).
/// A pupil's paper file, PF-0001, on the premises.
fn add_paper_file(ledger: &mut Ledger) {
    ledger
        .add_item(&custody_db::Item::new(
            "PF-0001",
            custody_db::ItemKind::PaperFile,
            "Pupil file 2019",
        ))
        .unwrap();
}

fn select_item(h: &mut egui_kittest::Harness<'static, DeskApp>, tag: &str) {
    h.get_by_label("Search items:").focus();
    h.run_steps(1);
    for _ in 0..12 {
        h.key_press(Key::Backspace);
    }
    h.get_by_label("Search items:").type_text(tag);
    h.run_steps(2);
    h.key_press(Key::Escape);
    h.run_steps(1);
    h.key_press(Key::ArrowDown);
    h.run_steps(2);
    h.get_by_label_contains("Change this item's record");
}

#[test]
fn a_laptop_and_a_paper_file_disposed_of_from_their_pages() {
    let (s, mut app) = setup();
    add_paper_file(&mut app.ledger);
    let mut h = harness(app);
    h.key_press(Key::F2);
    h.run_steps(2);
    common::step_until(&mut h, "the items", |a| a.lists.items.value.is_some());
    select_item(&mut h, "PF-0001");
    h.get_by_label("Dispose of it (R11)").click();
    h.run_steps(2);
    h.get_by_label_contains("Method: cross-cut shredding.");
    // The page's text fields: the search box, then Reference and Witness (the record's form is closed).
    let field = |h: &egui_kittest::Harness<'static, DeskApp>, n: usize, text: &str| {
        let f = h.get_all_by_role(egui::accesskit::Role::TextInput).nth(n).unwrap();
        f.focus();
        f.type_text(text);
    };
    field(&h, 1, "shred log p.4");
    h.run_steps(1);
    let before = custody_tests::dump(&s.dir.path().join("custody.db"));
    h.get_by_label("Record disposal").click();
    h.run_steps(2);
    h.get_by_label_contains("Refused by R11: paper (PF-0001) is destroyed only in front of a witness");
    assert_eq!(custody_tests::dump(&s.dir.path().join("custody.db")), before);
    field(&h, 2, "s002");
    h.run_steps(1);
    h.get_by_label("Record disposal").click();
    h.run_steps(2);
    h.get_by_label_contains("Disposed of PF-0001 (Pupil file 2019), reference shred log p.4");
    assert_eq!(h.state().ledger.state("PF-0001").unwrap().status, Status::Retired);

    select_item(&mut h, "LT-0001");
    h.get_by_label("Dispose of it (R11)").click();
    h.run_steps(2);
    h.get_by_label_contains("Method: the disposal process, with a certificate of data destruction.");
    field(&h, 1, "CERT-2026-0113");
    h.run_steps(1);
    h.get_by_label("Record disposal").click();
    h.run_steps(2);
    h.get_by_label_contains("Disposed of LT-0001");
    let register = h
        .state()
        .ledger
        .disposals(
            h.state().ledger.now() - chrono::Duration::days(30),
            h.state().ledger.now(),
        )
        .unwrap();
    assert_eq!(register.len(), 2);
    h.get_by_label("Save the disposal register (PDF)").click();
    h.run_steps(2);
    let text = custody_tests::pdf_text(&s.dir.path().join("reports").join("disposals.pdf"));
    for wanted in [
        "Disposal register",
        "2 item(s) disposed of",
        "shred log p.4",
        "CERT-2026-0113",
        "Priya Patel",
    ] {
        assert!(text.contains(wanted), "{wanted:?} in {text}");
    }
}

#[test]
fn labels_printed_from_the_desk() {
    let (s, mut app) = setup();
    // Registered today, after the rest (at the start of term): "added since" finds it alone.
    app.ledger
        .add_item(&custody_db::Item::new(
            "CB-0100",
            custody_db::ItemKind::Chromebook,
            "New Chromebook",
        ))
        .unwrap();
    let mut h = harness(app);
    h.key_press(Key::F8);
    h.run_steps(2);
    assert_eq!(h.state().screen, Screen::Labels);
    common::step_until(&mut h, "the items", |a| a.lists.items.value.is_some());
    h.get_by_label_contains("0 ticked of 4");
    h.get_by_label("Added since").focus();
    h.get_by_label("Added since").type_text("2026-11-20");
    h.run_steps(2);
    h.get_by_label("Tick all shown (1)").click();
    h.run_steps(2);
    h.get_by_label("CB-0100 as it will print:");
    h.get_by_label_contains("1 label(s) on 1 page(s) of Avery L7160");

    // Then the two laptops as well, found by searching, on a sheet with three labels used.
    h.get_by_label("Added since").focus();
    h.run_steps(1);
    for _ in 0..10 {
        h.key_press(Key::Backspace);
    }
    h.get_by_label("Search:").focus();
    h.get_by_label("Search:").type_text("LT-");
    h.run_steps(2);
    h.get_by_label("Tick all shown (2)").click();
    h.run_steps(2);
    // The preview is drawn from the printed sheet's layout: the kind as printed (not in
    // capitals) and the organisation's name under it.
    let preview = h
        .get_by_label_contains("as it will print: CB-0100,")
        .accesskit_node()
        .label()
        .unwrap();
    assert!(preview.ends_with(", chromebook, Hillside School"), "{preview}");
    h.get_by_label("Labels already used on the first sheet").focus();
    h.get_by_label("Labels already used on the first sheet").type_text("3");
    h.run_steps(2);
    h.get_by_label_contains("3 label(s) on 1 page(s)");
    h.get_by_label("Save PDF").click();
    h.run_steps(2);
    let reports = s.dir.path().join("reports");
    let pdf = std::fs::read_dir(&reports).unwrap().next().unwrap().unwrap().path();
    assert!(
        pdf.file_name().unwrap().to_string_lossy().starts_with("labels-L7160-"),
        "{pdf:?}"
    );
    let text = custody_tests::pdf_text(&pdf);
    for tag in ["CB-0100", "LT-0001", "LT-0002", "Hillside School"] {
        assert!(text.contains(tag), "{tag} in {text}");
    }
    assert!(!text.contains("USB-01"), "only what was ticked: {text}");
}

#[test]
fn the_desk_asks_whether_the_holder_has_read_the_rules() {
    let (_s, mut app) = setup();
    app.ledger.set_ask_rules_read(true).unwrap();
    let mut h = harness(app);
    type_burst(&h, "CU1:I:LT-0001");
    type_burst(&h, "CU1:P:S001");
    h.run_steps(2);
    h.key_press(Key::Enter);
    h.run_steps(2);
    h.get_by_label_contains("Has Sam Jones read the rules for carrying data home");
    assert_eq!(
        h.state().ledger.state("LT-0001").unwrap().status,
        Status::In,
        "asked, not yet out"
    );
    h.key_press(Key::Enter);
    h.run_steps(2);
    let events = h.state().ledger.item_events("LT-0001").unwrap();
    let warnings = events.last().unwrap().warnings.clone().unwrap_or_default();
    assert!(warnings.contains("R14: Has Sam Jones read the rules"), "{warnings}");
}

#[test]
fn a_missing_paper_file_is_searched_for_from_the_overdue_screen() {
    let (s, mut app) = setup();
    add_paper_file(&mut app.ledger);
    // Out on Monday, due back Tuesday at 17:00; today is Friday: three working days missing.
    s.clock.set(common::now() - chrono::Duration::days(4));
    app.ledger
        .sign_out(&custody_db::SignOut {
            items: vec!["PF-0001".into()],
            to: "S001".into(),
            due: None,
            at: None,
            purpose: None,
            reason: Some("Annual review".into()),
            authoriser: Some("S002".into()),
            container: None,
            acknowledge_warnings: true,
        })
        .unwrap();
    s.clock.set(common::now());
    let mut h = harness(app);
    h.key_press(Key::F5);
    h.run_steps(2);
    common::step_until(&mut h, "the overdue report", |a| {
        a.states.overdue.report.value.is_some()
    });
    h.get_by_label("Missing paper files (1): searches");
    h.get_by_label_contains("no search logged within a working day of it going missing");
    h.get_by_label("Searched").focus();
    h.get_by_label("Searched").type_text("the staff room");
    h.run_steps(1);
    h.get_by_label("Log search").click();
    h.run_steps(2);
    h.get_by_label_contains("Logged a search for PF-0001");
    h.get_by_label("\u{2022} 20/11/2026 10:00, desk-test looked in the staff room");
    assert_eq!(h.state().ledger.searches("PF-0001").unwrap().len(), 1);
    h.get_by_label("Exposure for an incident\u{2026}").click();
    h.run_steps(2);
    assert_eq!(h.state().screen, Screen::Exposure);
}

#[test]
fn the_desk_beeps_at_each_scan_unless_turned_off_here() {
    let (s, app) = setup();
    let mut h = harness(app);
    type_burst(&h, "CU1:I:LT-0001");
    type_burst(&h, "NO-SUCH-TAG");
    h.run_steps(2);
    assert_eq!(h.state().beeper.played, [Tone::Taken, Tone::Refused]);
    h.key_press(Key::F9);
    h.run_steps(2);
    h.get_by_label_contains("Beep at each scan").click();
    h.run_steps(2);
    assert!(!h.state().ledger.desk_beeps().unwrap());
    h.key_press(Key::F1);
    type_burst(&h, "CU1:I:LT-0002");
    h.run_steps(2);
    assert_eq!(h.state().beeper.played.len(), 2, "turned off: silent");
    // Remembered at this desk for its next start, and not on the record.
    let path = s.dir.path().join("custody.db");
    drop(h);
    let ledger = Ledger::open(&path, s.clock.clone()).unwrap();
    assert!(!ledger.desk_beeps().unwrap());
}
