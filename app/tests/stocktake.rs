//! The Stocktake screen driven as a clerk would: F10, Enter to start, scans from a scanner and
//! typed tags, an unexpected laptop signed in from the screen, a restart in the middle, finish,
//! and the report saved as a PDF and read back.

#![allow(clippy::unwrap_used)]

mod common;

use common::{DESK_PIN, harness, setup, type_burst};
use custody::desk::{DeskApp, Screen};
use custody_db::{Ledger, SignInAt, Status};
use egui::Key;
use egui_kittest::kittest::Queryable;

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

    h.get_by_label("Finish stocktake").click();
    h.run_steps(2);
    h.get_by_label_contains("1 still expected will be reported missing");
    h.get_by_label("Yes, finish").click();
    h.run_steps(2);
    h.get_by_label_contains("Missing: expected and not seen (1)");
    h.get_by_label_contains("Unexpected: seen and not expected (1)");
    h.get_by_label("USB-01");
    h.get_by_label("Save PDF").click();
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
