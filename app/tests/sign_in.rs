//! The desk's sign-in, idle lock and roles, driven as a clerk would: the real app over a real
//! database, headless.

#![allow(clippy::unwrap_used)]

mod common;

use common::{DESK_PIN, harness, now, pin_checked, setup, type_burst};
use custody::desk::{DeskApp, Screen};
use custody_db::{FixedClock, Ledger, Role};
use egui::{Key, Modifiers};
use egui_kittest::Harness;
use egui_kittest::kittest::{NodeT, Queryable};

/// Every piece of text the screen holds (labels and the values of fields).
fn screen_text(h: &Harness<'static, DeskApp>) -> String {
    let mut text = String::new();
    for node in h.queryable_node().children_recursive() {
        let n = node.accesskit_node();
        for part in [n.label(), n.value()].into_iter().flatten() {
            text.push_str(&part);
            text.push('\n');
        }
    }
    text
}

fn type_into(h: &mut Harness<'static, DeskApp>, field: &str, text: &str) {
    h.get_by_label(field).click();
    h.run_steps(1);
    h.get_by_label(field).type_text(text);
    h.run_steps(1);
}

/// Opens the desk over `path` with nobody signed in.
fn unsigned_desk(path: &std::path::Path, clock: std::sync::Arc<FixedClock>) -> Harness<'static, DeskApp> {
    let ledger = Ledger::open(path, clock.clone()).unwrap();
    let mut h = harness(DeskApp::new(ledger, clock));
    h.run_steps(2);
    h
}

fn records_of_kind(path: &std::path::Path, kind: &str) -> i64 {
    let conn = rusqlite::Connection::open(path).unwrap();
    conn.query_row("SELECT count(*) FROM records WHERE kind = ?1", [kind], |r| r.get(0))
        .unwrap()
}

#[test]
fn the_desk_opens_on_sign_in_locks_when_idle_and_the_same_operator_unlocks_with_the_pin() {
    let (s, app) = setup();
    drop(app);
    let db = s.dir.path().join("custody.db");
    let mut h = unsigned_desk(&db, s.clock.clone());
    h.get_by_label_contains("Scan your badge or type your operator id");
    assert!(h.query_by_label("Desk").is_none(), "no screens before signing in");

    type_into(&mut h, "Operator id:", "desk-test");
    type_into(&mut h, "PIN or password:", "wrong-pin");
    h.get_by_label("Sign in").click();
    pin_checked(&mut h);
    h.get_by_label_contains("Wrong password for desk-test");

    type_into(&mut h, "PIN or password:", DESK_PIN);
    h.key_press(Key::Enter);
    pin_checked(&mut h);
    assert_eq!(h.state().ledger.operator(), "desk-test");
    h.get_by_label("desk-test (admin)");
    assert_eq!(
        records_of_kind(&db, "operator-signed-in"),
        1,
        "the desk's sign-in is recorded"
    );

    type_burst(&h, "LT-0001");
    h.run_steps(3);
    assert_eq!(h.state().desk.basket.len(), 1);

    // Five idle minutes (the default): locked, and the screen gives nothing away.
    s.clock.advance(chrono::Duration::minutes(5));
    h.run_steps(2);
    assert!(h.state().ledger.session().is_none(), "locked");
    let shown = screen_text(&h);
    for secret in ["LT-0001", "Dell", "Sam Jones", "Priya", "S001", "desk-test"] {
        assert!(!shown.contains(secret), "the lock screen shows {secret:?}:\n{shown}");
    }
    h.get_by_label_contains("This desk is locked");
    assert_eq!(records_of_kind(&db, "desk-locked"), 1);

    // The same operator: only the PIN, and the basket is as it was.
    type_into(&mut h, "PIN or password:", DESK_PIN);
    h.get_by_label("Unlock").click();
    pin_checked(&mut h);
    assert_eq!(h.state().ledger.operator(), "desk-test");
    assert_eq!(h.state().desk.basket.len(), 1, "the basket waited for its operator");
    // Typed at once, before the lists are read again (as they are after every unlock): the
    // suggestions come when they are.
    h.get_by_label("Scan or type:").click();
    h.run_steps(1);
    h.state_mut().lists = Default::default();
    h.get_by_label("Scan or type:").type_text("Sam");
    h.run_steps(1);
    common::step_until(&mut h, "the people list", |a| a.lists.people.value.is_some());
    h.get_by_label_contains("Person: Sam Jones (S001)");
    assert!(h.query_by_label("No item or person matches.").is_none());

    // Ctrl+L locks at once.
    h.key_press_modifiers(Modifiers::COMMAND, Key::L);
    h.run_steps(2);
    assert!(h.state().ledger.session().is_none());
    assert_eq!(records_of_kind(&db, "desk-locked"), 2);
}

#[test]
fn another_operator_at_a_locked_desk_starts_afresh_and_sees_only_their_screens() {
    let (s, mut app) = setup();
    app.ledger
        .add_operator("clerk", "Clerk", Role::Operator, "clerk-pin-1")
        .unwrap();
    let mut h = harness(app);
    h.run_steps(2);
    type_burst(&h, "LT-0001");
    h.run_steps(3);
    assert_eq!(h.state().desk.basket.len(), 1);
    for screen in ["Overdue", "Exposure", "Incidents", "Settings"] {
        h.get_by_label(screen);
    }
    type_into(&mut h, "Scan or type:", "Priya");
    assert!(screen_text(&h).contains("Priya"), "typed, not yet entered");
    h.get_by_label("Lock").click();
    h.run_steps(2);

    h.get_by_label("Someone else? Sign in with your own id").click();
    h.run_steps(2);
    type_into(&mut h, "Operator id:", "clerk");
    type_into(&mut h, "PIN or password:", "clerk-pin-1");
    h.get_by_label("Sign in").click();
    pin_checked(&mut h);
    assert_eq!(h.state().ledger.operator(), "clerk");
    assert!(
        h.state().desk.basket.is_empty(),
        "the first operator's unsaved basket is cleared"
    );
    let shown = screen_text(&h);
    assert!(
        !shown.contains("Priya"),
        "what the first operator typed is gone:\n{shown}"
    );
    for screen in ["Desk", "Items", "People", "Out now", "Settings"] {
        h.get_by_label(screen);
    }
    for screen in ["Overdue", "Exposure", "Incidents"] {
        assert!(h.query_by_label(screen).is_none(), "an operator does not see {screen}");
    }
    // Nor reach it by its key.
    h.key_press(Key::F6);
    h.run_steps(2);
    assert_eq!(h.state().screen, Screen::Desk);
    // Settings: the clerk sets this desk's look, and sees the rules without changing them.
    h.key_press(Key::F9);
    h.run_steps(2);
    assert_eq!(h.state().screen, Screen::Settings);
    h.get_by_label("Light theme (for a bright office)").click();
    h.run_steps(2);
    assert_eq!(h.ctx.theme(), egui::Theme::Light);
    assert!(h.query_by_label("block").is_none(), "no rule buttons for an operator");
    assert!(h.query_by_label("Save the name").is_none());
    drop(s);
}

/// An auditor at the desk: every screen that reads, the Trust screen, and no Desk; a scan shows
/// the item instead of signing it out; nothing they do changes the record but their sign-in.
#[test]
fn an_auditor_at_the_desk_reads_everything_and_signs_nothing_out() {
    let (s, mut app) = setup();
    app.ledger
        .add_operator("inspector", "Inspector", Role::Auditor, "inspector-pin-1")
        .unwrap();
    let path = app.ledger.path().to_path_buf();
    let mut h = harness(app);
    h.run_steps(2);
    h.get_by_label("Lock").click();
    h.run_steps(2);
    h.get_by_label("Someone else? Sign in with your own id").click();
    h.run_steps(2);
    type_into(&mut h, "Operator id:", "inspector");
    type_into(&mut h, "PIN or password:", "inspector-pin-1");
    h.get_by_label("Sign in").click();
    pin_checked(&mut h);
    assert_eq!(h.state().ledger.operator(), "inspector");
    assert_eq!(h.state().screen, Screen::Items, "an auditor starts where they may read");
    for screen in [
        "Items",
        "People",
        "Out now",
        "Overdue",
        "Exposure",
        "Incidents",
        "Stocktake",
        "Spot checks",
        "Trust",
        "Settings",
    ] {
        h.get_by_label(screen);
    }
    for screen in ["Desk", "Labels"] {
        assert!(h.query_by_label(screen).is_none(), "an auditor does not see {screen}");
    }
    let records = records_of_kind(&path, "operator-signed-in");
    let before = custody_tests::dump(&path);
    // A label scanned: the item is shown, not signed out.
    type_burst(&h, "CU1:I:LT-0001");
    h.run_steps(4);
    assert_eq!(h.state().screen, Screen::Items);
    assert!(h.state().desk.basket.is_empty(), "nothing in a basket");
    h.key_press(Key::F12);
    // The figures are read on a thread: the screen shows them when they come.
    for _ in 0..250 {
        h.run_steps(1);
        if screen_text(&h).contains("TOTAL") {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(20));
    }
    assert_eq!(h.state().screen, Screen::Trust);
    assert!(screen_text(&h).contains("TOTAL"), "{}", screen_text(&h));
    assert_eq!(custody_tests::dump(&path), before, "an auditor changed the file");
    assert_eq!(records_of_kind(&path, "operator-signed-in"), records);
    drop(s);
}

/// The demo's own names and tags, none of which a locked desk may show.
#[test]
fn a_locked_desk_shows_none_of_the_demos_names_or_tags() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("demo.db");
    let clock = FixedClock::new(now());
    let mut ledger = Ledger::create(&db, Some("Demo Academy Trust"), clock.clone()).unwrap();
    ledger.use_hashing(custody_db::Hashing::cheap_for_tests());
    let options = custody_db::demo::DemoOptions {
        items: 80,
        people: 25,
        days: 60,
        seed: 5,
    };
    custody_db::demo::fill(&mut ledger, &options).unwrap();
    ledger
        .operator_sign_in("admin", custody_db::demo::DEMO_PASSWORD, custody_db::SignInAt::Desk)
        .unwrap();
    let tags: Vec<String> = ledger.items().unwrap().into_iter().map(|r| r.item.tag).collect();
    let names: Vec<String> = ledger.people().unwrap().into_iter().map(|r| r.person.name).collect();
    let mut h = harness(DeskApp::new(ledger, clock));
    h.key_press(Key::F3);
    h.run_steps(2);
    common::step_until(&mut h, "the people list", |a| a.lists.people.value.is_some());
    assert!(screen_text(&h).contains(&names[0]), "signed in, the list is there");

    h.key_press_modifiers(Modifiers::COMMAND, Key::L);
    h.run_steps(3);
    let shown = screen_text(&h);
    for secret in tags.iter().chain(&names) {
        assert!(
            !shown.contains(secret.as_str()),
            "the lock screen shows {secret:?}:\n{shown}"
        );
    }
    assert!(
        !shown.chars().any(|c| c.is_ascii_digit()),
        "no numbers either:\n{shown}"
    );
}

#[test]
fn a_persons_badge_signs_in_the_operator_with_that_id() {
    // Priya (S002) is the office manager, an operator with the same id (see `setup`).
    let (s, app) = setup();
    drop(app);
    let mut h = unsigned_desk(&s.dir.path().join("custody.db"), s.clock.clone());
    let badge = custody_labels::payload::Payload::person("S002").to_string();
    // The scanner's burst, with the cursor in the id: the badge chooses the operator.
    h.get_by_label("Operator id:").click();
    h.run_steps(1);
    type_burst(&h, &badge);
    h.run_steps(2);
    assert_eq!(h.state().sign_in_ui.id, "S002");
    type_into(&mut h, "PIN or password:", "priya-pin-1");
    h.get_by_label("Sign in").click();
    pin_checked(&mut h);
    assert_eq!(
        h.state().ledger.operator(),
        "s002",
        "{:?}",
        h.state().sign_in_ui.message
    );
    h.get_by_label("Overdue"); // a manager's screens
    assert!(h.query_by_label("Exposure").is_none());
}

/// As a badge scanner or a clerk at the keyboard does it: no clicks, the cursor is where it
/// should be (the id, then the PIN after Enter, and the PIN again after a wrong one).
#[test]
fn signing_in_needs_no_mouse() {
    let (s, app) = setup();
    drop(app);
    let mut h = unsigned_desk(&s.dir.path().join("custody.db"), s.clock.clone());
    let type_line = |h: &mut Harness<'static, DeskApp>, text: &str| {
        h.event(egui::Event::Text(text.to_string()));
        h.run_steps(1);
        h.key_press(Key::Enter);
        pin_checked(h);
    };
    type_line(&mut h, "desk-test");
    assert_eq!(h.state().sign_in_ui.id, "desk-test");
    type_line(&mut h, "not-the-pin");
    h.get_by_label_contains("Wrong password for desk-test");
    type_line(&mut h, DESK_PIN);
    assert_eq!(h.state().ledger.operator(), "desk-test");
}

/// After the operator unlocks and the desk is locked again, nothing of the PIN is left: Ctrl+Z in
/// the PIN field brings nothing back, and Enter unlocks nothing.
#[test]
fn the_pin_field_keeps_no_history() {
    let (s, app) = setup();
    drop(app);
    let db = s.dir.path().join("custody.db");
    let mut h = unsigned_desk(&db, s.clock.clone());
    type_into(&mut h, "Operator id:", "desk-test");
    type_into(&mut h, "PIN or password:", DESK_PIN);
    h.key_press(Key::Enter);
    pin_checked(&mut h);
    assert_eq!(h.state().ledger.operator(), "desk-test");
    // Locked, unlocked with the PIN, locked again: the lock screen's own field held the PIN.
    h.key_press_modifiers(Modifiers::COMMAND, Key::L);
    h.run_steps(2);
    type_into(&mut h, "PIN or password:", DESK_PIN);
    // A clerk pauses before Enter: egui keeps an undo point once the text has stood a second.
    h.run_steps(120);
    h.key_press(Key::Enter);
    pin_checked(&mut h);
    assert_eq!(h.state().ledger.operator(), "desk-test", "unlocked");
    h.key_press_modifiers(Modifiers::COMMAND, Key::L);
    h.run_steps(2);
    assert!(h.state().ledger.session().is_none(), "locked");
    h.get_by_label("PIN or password:").click();
    h.run_steps(1);
    h.key_press_modifiers(Modifiers::COMMAND, Key::Z);
    h.run_steps(2);
    assert_eq!(h.state().sign_in_ui.pin, "", "undo brings no PIN back");
    h.key_press(Key::Enter);
    pin_checked(&mut h);
    assert!(h.state().ledger.session().is_none(), "still locked");
    h.get_by_label_contains("Type your PIN, then press Enter");
    assert_eq!(
        records_of_kind(&db, "operator-sign-in-failed"),
        0,
        "Enter on an empty PIN is not a wrong PIN"
    );
}

/// A label scanned at the lock screen is never a PIN: it says the desk is locked, with the
/// refusal tone, and no wrong PIN is counted (ten scans once locked an operator out).
#[test]
fn a_scan_at_the_lock_screen_is_never_a_pin() {
    // Priya (S002) is the office manager, an operator with the same id (see `setup`).
    let (s, app) = setup();
    let mut h = harness(app);
    h.run_steps(2);
    h.key_press_modifiers(Modifiers::COMMAND, Key::L);
    h.run_steps(2);
    h.get_by_label("PIN or password:").click();
    h.run_steps(1);
    let failed_before = records_of_kind(&s.dir.path().join("custody.db"), "operator-sign-in-failed");
    for _ in 0..12 {
        type_burst(&h, "CU1:I:LT-0001");
        h.run_steps(2);
        s.clock.advance(chrono::Duration::seconds(3)); // not the same scan again
    }
    h.get_by_label_contains("This desk is locked: that scan was not recorded");
    assert_eq!(h.state().sign_in_ui.pin, "", "nothing went into the PIN");
    assert_eq!(
        records_of_kind(&s.dir.path().join("custody.db"), "operator-sign-in-failed"),
        failed_before,
        "no wrong PIN counted"
    );
    // Another operator's badge chooses them: they sign in with their own PIN.
    type_burst(&h, &custody_labels::payload::Payload::person("S002").to_string());
    h.run_steps(2);
    assert_eq!(h.state().sign_in_ui.id, "S002");
    assert!(h.state().sign_in_ui.locked_by.is_none(), "someone else's sign-in");
    type_into(&mut h, "PIN or password:", "priya-pin-1");
    h.key_press(Key::Enter);
    pin_checked(&mut h);
    assert_eq!(h.state().ledger.operator(), "s002");
}

/// The first start asks for the organisation's name and the first administrator, all from the
/// keyboard: Enter goes to the next field and in the last one creates them. A refusal goes once
/// the field it is about is typed again. The name is a setting on the record, which an
/// administrator changes on Settings.
#[test]
fn the_first_start_names_the_organisation_and_submits_on_enter() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("custody.db");
    let clock = FixedClock::new(now());
    let ledger = Ledger::create(&path, None, clock.clone()).unwrap();
    let mut h = harness(DeskApp::new(ledger, clock));
    h.run_steps(2);
    assert!(h.get_by_label("Organisation:").is_focused());
    let line = |h: &mut Harness<'static, DeskApp>, text: &str| {
        h.event(egui::Event::Text(text.to_string()));
        h.run_steps(1);
        h.key_press(Key::Enter);
        h.run_steps(2);
    };
    for text in ["Hillside Primary", "boss", "The Head", "short", "short"] {
        line(&mut h, text);
    }
    pin_checked(&mut h);
    let refused = h.state().sign_in_ui.message.clone().unwrap_or_default();
    assert!(refused.contains("shorter than"), "{refused}");
    assert!(h.state().ledger.session().is_none());
    // A valid PIN typed: the old refusal goes at once.
    h.get_by_label("PIN or password:").click();
    h.run_steps(1);
    h.get_by_label("PIN or password:").type_text("boss-pin-1");
    h.run_steps(1);
    assert_eq!(h.state().sign_in_ui.message, None);
    h.get_by_label("The same again:").click();
    h.run_steps(1);
    line(&mut h, "boss-pin-1");
    pin_checked(&mut h);
    assert_eq!(
        h.state().ledger.operator(),
        "boss",
        "{:?}",
        h.state().sign_in_ui.message
    );
    assert_eq!(
        h.state().ledger.organisation().unwrap().as_deref(),
        Some("Hillside Primary")
    );
    assert!(records_of_kind(&path, "setting-changed") >= 2);

    // Settings: the administrator renames it; it is on the record and verified.
    h.key_press(Key::F9);
    h.run_steps(2);
    let field = h.get_by_label("Organisation");
    field.focus();
    h.run_steps(1);
    h.key_press_modifiers(Modifiers::COMMAND, Key::A);
    h.event(egui::Event::Text("Hillside Primary Academy".into()));
    h.run_steps(1);
    h.get_by_label("Save the name").click();
    h.run_steps(2);
    h.get_by_label_contains("Saved: labels and reports now say");
    let reopened = Ledger::open(&path, FixedClock::new(now())).unwrap();
    assert_eq!(
        reopened.organisation().unwrap().as_deref(),
        Some("Hillside Primary Academy")
    );
    assert!(h.state().ledger.verify().unwrap().is_intact());
}
