//! The desk on a busy morning, driven as a clerk with a keyboard-wedge scanner drives it: bursts
//! of typed characters ending in Enter, on any screen, whatever has the focus; a second program
//! writing to the same file; small and large windows.

#![allow(clippy::unwrap_used)]

mod common;

use std::path::PathBuf;

use common::{DESK_PIN, Setup, banner, harness, harness_sized, setup, step_until, type_burst};
use custody::desk::{DeskApp, MIN_WINDOW, Screen};
use custody_db::{Item, ItemKind, SignOut, Status};
use egui::Key;
use egui_kittest::Harness;
use egui_kittest::kittest::Queryable;

/// LT-0001 signed out to Sam, through the ledger.
fn laptop_out(app: &mut DeskApp) {
    let req = SignOut {
        items: vec!["LT-0001".into()],
        to: "S001".into(),
        ..SignOut::default()
    };
    app.ledger.sign_out(&req).unwrap();
    app.changed();
}

fn add_paper_file(app: &mut DeskApp) {
    let mut paper = Item::new("PF-0001", ItemKind::PaperFile, "Review ref 2024-118");
    paper.data_subjects = 1;
    app.ledger.add_item(&paper).unwrap();
    app.changed();
}

fn status(h: &Harness<'static, DeskApp>, tag: &str) -> Status {
    h.state().ledger.state(tag).unwrap().status
}

/// Moves the desk's clock on, past the window in which a second read is the same scan.
fn later(s: &Setup) {
    s.clock
        .advance(custody::desk::SAME_SCAN_WITHIN + chrono::Duration::seconds(1));
}

#[test]
fn a_scan_on_any_screen_is_acted_on_and_the_desk_says_so() {
    let (s, mut app) = setup();
    laptop_out(&mut app);
    let mut h = harness(app);
    for screen in [Key::F2, Key::F3, Key::F4, Key::F5, Key::F9] {
        h.key_press(screen);
        h.run_steps(2);
        assert_ne!(h.state().screen, Screen::Desk);
        let was_out = status(&h, "LT-0001") == Status::Out;
        type_burst(&h, "CU1:I:LT-0001");
        h.run_steps(2);
        assert_eq!(h.state().screen, Screen::Desk, "the clerk is shown what the scan did");
        let said = banner(h.state());
        if was_out {
            assert!(said.starts_with("Returned LT-0001"), "{said}");
            assert_eq!(status(&h, "LT-0001"), Status::In);
        } else {
            assert!(said.contains("LT-0001 (Dell Latitude 5440) added"), "{said}");
            h.state_mut().desk.clear();
        }
        later(&s);
    }
}

#[test]
fn a_focused_button_never_eats_a_scans_enter() {
    let (s, mut app) = setup();
    laptop_out(&mut app);
    let mut h = harness(app);
    // Tab has put the focus on "Out now" in the navigation bar.
    h.get_by_label("Out now").focus();
    h.run_steps(1);
    type_burst(&h, "CU1:I:LT-0001");
    h.run_steps(2);
    assert_eq!(status(&h, "LT-0001"), Status::In, "{}", banner(h.state()));
    assert_eq!(h.state().screen, Screen::Desk, "the focused button was not pressed");

    // With "Clear (Esc)" focused, a scan goes into the basket and the basket stays.
    later(&s);
    type_burst(&h, "CU1:I:LT-0002");
    h.run_steps(2);
    h.get_by_label("Clear (Esc)").focus();
    h.run_steps(1);
    type_burst(&h, "CU1:I:LT-0001");
    h.run_steps(2);
    let basket: Vec<String> = h.state().desk.basket.iter().map(|i| i.tag.clone()).collect();
    assert_eq!(basket, ["LT-0002", "LT-0001"]);
}

#[test]
fn a_label_scanned_into_a_field_is_a_scan_not_text() {
    let (_s, app) = setup();
    let mut h = harness(app);
    type_burst(&h, "CU1:P:S001");
    h.run_steps(2);
    h.get_by_label("Due back:").focus();
    h.run_steps(1);
    type_burst(&h, "CU1:I:LT-0002");
    h.run_steps(2);
    assert_eq!(h.state().desk.due_text, "", "nothing landed in the field");
    assert_eq!(h.state().desk.basket.len(), 1, "{}", banner(h.state()));
    // Typing a date by hand still types a date.
    h.get_by_label("Due back:").focus();
    for c in "27/11/2026 14:30".chars() {
        h.event(egui::Event::Text(c.to_string()));
    }
    h.run_steps(3);
    assert_eq!(h.state().desk.due_text, "27/11/2026 14:30");
    h.state_mut().desk.warnings.clear();
    h.get_by_label("Sign out (Enter)").click();
    h.run_steps(2);
    // R4 warns about the unencrypted laptop: confirm it (once the panel has settled).
    h.run_steps(2);
    h.get_by_label("Confirm and sign out (Enter)").click();
    h.run_steps(2);
    let state = h.state().ledger.state("LT-0002").unwrap();
    assert_eq!(state.status, Status::Out, "{}", banner(h.state()));
    assert_eq!(h.state().ledger.format_time(state.due_at.unwrap()), "27/11/2026 14:30");
}

#[test]
fn a_badge_scanned_into_authorised_by_names_the_authoriser() {
    let (_s, mut app) = setup();
    add_paper_file(&mut app);
    let mut h = harness(app);
    type_burst(&h, "CU1:I:PF-0001");
    type_burst(&h, "CU1:P:S001");
    h.run_steps(2);
    h.get_by_label("Authorised by (R1):").focus();
    h.run_steps(1);
    type_burst(&h, "CU1:P:S002");
    h.run_steps(2);
    assert_eq!(h.state().desk.authoriser, "S002");
    assert_eq!(h.state().desk.holder.as_ref().unwrap().id, "S001", "the holder stays");
}

#[test]
fn a_double_read_counts_once() {
    let (s, mut app) = setup();
    laptop_out(&mut app);
    let h = harness(app);
    let mut h = h;
    type_burst(&h, "CU1:I:LT-0001");
    type_burst(&h, "CU1:I:LT-0001");
    h.run_steps(3);
    assert_eq!(status(&h, "LT-0001"), Status::In);
    assert!(h.state().desk.basket.is_empty(), "not put straight back in the basket");
    assert_eq!(h.state().ledger.item_events("LT-0001").unwrap().len(), 2);
    // Shown again later, it is a new scan: into the basket.
    later(&s);
    type_burst(&h, "CU1:I:LT-0001");
    h.run_steps(2);
    assert_eq!(h.state().desk.basket.len(), 1);
}

#[test]
fn a_label_scanned_into_a_search_box_searches_for_its_tag() {
    let (_s, app) = setup();
    let mut h = harness(app);
    h.key_press(Key::F2);
    h.run_steps(2);
    step_until(&mut h, "the items", |a| a.lists.items.value.is_some());
    h.get_by_label("Search items:").focus();
    h.run_steps(1);
    type_burst(&h, "CU1:I:LT-0002");
    h.run_steps(3);
    assert_eq!(h.state().screen, Screen::Items);
    h.get_by_label_contains("1 of 3 items");
    assert!(h.state().desk.basket.is_empty());
    // A badge scanned into Exposure's "Person or container" fills it in; the Desk is untouched.
    h.key_press(Key::F6);
    h.run_steps(2);
    h.get_by_label("Person or container:").focus();
    h.run_steps(1);
    type_burst(&h, "CU1:P:S002");
    h.run_steps(2);
    assert_eq!(h.state().screen, Screen::Exposure);
    assert!(h.state().desk.holder.is_none());
    assert_eq!(h.get_by_label("Person or container:").value().as_deref(), Some("S002"));
}

#[test]
fn a_sign_out_by_another_program_appears_without_touching_the_desk() {
    let (s, app) = setup();
    let mut h = harness(app);
    h.key_press(Key::F4);
    h.run_steps(2);
    step_until(&mut h, "the out-now list", |a| a.lists.out_now.value.is_some());
    assert!(h.state().lists.out_now.value.as_ref().unwrap().is_empty());
    let db = s.dir.path().join("custody.db");
    let password = s.dir.path().join("password");
    custody_tests::write_private(&password, DESK_PIN);
    let run = std::process::Command::new(env!("CARGO_BIN_EXE_custody"))
        .args(["out", "LT-0001", "--to", "S002"])
        .env("CUSTODY_DB", &db)
        .env("CUSTODY_NOW", "2026-11-20T10:05:00Z")
        .env("CUSTODY_OPERATOR", "desk-test")
        .env("CUSTODY_PASSWORD_FILE", &password)
        .output()
        .unwrap();
    assert!(run.status.success(), "{run:?}");
    step_until(&mut h, "the other program's sign-out", |a| {
        a.lists.out_now.value.as_ref().is_some_and(|rows| rows.len() == 1)
    });
    h.get_by_label_contains("read at");
    h.key_press(Key::F2);
    h.run_steps(2);
    step_until(&mut h, "the items list to show it out", |a| {
        a.lists.items.value.as_ref().is_some_and(|rows| {
            rows.iter()
                .any(|r| r.item.tag == "LT-0001" && r.state.status == Status::Out)
        })
    });
}

#[test]
fn the_banner_says_each_due_date_of_a_mixed_basket() {
    let (_s, mut app) = setup();
    add_paper_file(&mut app);
    let mut h = harness(app);
    for scan in ["CU1:I:PF-0001", "CU1:I:LT-0001", "CU1:P:S001"] {
        type_burst(&h, scan);
    }
    h.run_steps(2);
    h.state_mut().desk.reason = "Case review".into();
    h.state_mut().desk.authoriser = "S002".into();
    h.key_press(Key::Enter);
    h.run_steps(2);
    if !h.state().desk.warnings.is_empty() {
        h.key_press(Key::Enter); // R3: paper with a device; confirmed
        h.run_steps(2);
    }
    let said = banner(h.state());
    assert!(
        said.contains("PF-0001 due back 23/11/2026 17:00") && said.contains("LT-0001 due back 27/11/2026, end of day"),
        "{said}"
    );
}

#[test]
fn undo_says_what_and_for_how_long_and_never_reaches_back_past_the_next_hand_over() {
    let (s, app) = setup();
    let mut h = harness(app);
    for scan in ["CU1:I:LT-0001", "CU1:P:S001"] {
        type_burst(&h, scan);
    }
    h.key_press(Key::Enter);
    h.run_steps(2);
    h.get_by_label_contains("Undo sign-out of LT-0001 \u{2014} 10 s");
    s.clock.advance(chrono::Duration::seconds(3));
    h.run_steps(1);
    h.get_by_label_contains("Undo sign-out of LT-0001 \u{2014} 7 s");
    // The next hand-over begins: Undo is gone, and Ctrl+Z does nothing.
    type_burst(&h, "CU1:I:LT-0002");
    h.run_steps(2);
    assert!(h.query_by_label_contains("Undo sign-out").is_none());
    h.key_press_modifiers(egui::Modifiers::COMMAND, Key::Z);
    h.run_steps(2);
    assert_eq!(status(&h, "LT-0001"), Status::Out);
    // And an Undo left alone disappears when its time is up.
    h.state_mut().desk.clear();
    later(&s);
    type_burst(&h, "CU1:I:LT-0001");
    h.run_steps(2);
    h.get_by_label_contains("Undo return of LT-0001");
    s.clock.advance(chrono::Duration::seconds(11));
    h.run_steps(2);
    assert!(h.query_by_label_contains("Undo return").is_none());
}

#[test]
fn ctrl_f_finds_the_field_on_every_screen_that_has_one() {
    let (_s, app) = setup();
    let mut h = harness(app);
    step_until(&mut h, "the lists", |a| {
        a.lists.items.value.is_some() && a.lists.people.value.is_some()
    });
    for (key, field) in [
        (Key::F1, "Scan or type:"),
        (Key::F2, "Search items:"),
        (Key::F3, "Search people:"),
        (Key::F4, "Search:"),
        (Key::F5, "As of:"),
        (Key::F6, "Person or container:"),
    ] {
        h.key_press(key);
        h.run_steps(2);
        if key == Key::F4 {
            step_until(&mut h, "out now", |a| a.lists.out_now.value.is_some());
        }
        h.key_press_modifiers(egui::Modifiers::COMMAND, Key::F);
        h.run_steps(2);
        assert!(h.get_by_label(field).is_focused(), "{field}");
        h.key_press(Key::Escape);
        h.run_steps(1);
    }
}

/// Where the screenshots of these tests go, to look at after a run.
fn screens_folder() -> PathBuf {
    let folder = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("screens");
    std::fs::create_dir_all(&folder).unwrap();
    folder
}

#[test]
fn the_layout_holds_at_three_window_sizes() {
    for size in [MIN_WINDOW.into(), egui::vec2(1280.0, 800.0), egui::vec2(1920.0, 1080.0)] {
        let (s, mut app) = setup();
        for n in 1..=40 {
            let tag = format!("CB-{n:04}");
            app.ledger
                .add_item(&Item::new(
                    &tag,
                    ItemKind::Chromebook,
                    "Chromebook with a long descriptive name",
                ))
                .unwrap();
        }
        app.changed();
        let mut h = harness_sized(app, size);
        let name = format!("{}x{}", size.x, size.y);

        // The top bar: every screen's button, who is signed in, Lock and Log off, apart.
        h.run_steps(2);
        let mut bar: Vec<(String, egui::Rect)> = ["Desk", "Items", "Settings", "Spot checks", "Lock", "Log off"]
            .iter()
            .map(|l| (l.to_string(), h.get_by_label(l).rect()))
            .collect();
        bar.push(("who".into(), h.get_by_label("desk-test (admin)").rect()));
        for (i, (a, ra)) in bar.iter().enumerate() {
            assert!(ra.max.x <= size.x, "{name}: {a} at {ra:?} beyond the window");
            for (b, rb) in &bar[i + 1..] {
                assert!(!ra.intersects(*rb), "{name}: {a} at {ra:?} overlaps {b} at {rb:?}");
            }
        }

        // 40 Chromebooks and a holder: the banner and the button stay in the window.
        for n in 1..=40 {
            type_burst(&h, &format!("CU1:I:CB-{n:04}"));
        }
        type_burst(&h, "CU1:P:S001");
        h.run_steps(3);
        assert_eq!(h.state().desk.basket.len(), 40, "{}", banner(h.state()));
        let button = h.get_by_label("Sign out (Enter)").rect();
        assert!(
            button.max.y <= size.y && button.min.y >= 0.0,
            "{name}: the button at {button:?}"
        );
        let said = h.get_by_label_contains("Sam Jones (S001) takes the items").rect();
        assert!(
            said.min.y >= 0.0 && said.max.y <= size.y,
            "{name}: the banner at {said:?}"
        );
        custody::desk::screenshot::capture(h.state_mut(), size, 1.0)
            .save(screens_folder().join(format!("desk-{name}.png")))
            .unwrap();
        h.key_press(Key::Enter);
        step_until(&mut h, "the sign-out", |a| a.desk.basket.is_empty());

        // Items, People and Out now with a row's page open: the list (its titles and its
        // cells) ends before the page starts, and the page stays in the window.
        for (key, heading, screen, list_titles) in [
            (
                Key::F2,
                "Chain of custody",
                "items",
                &["Tag", "Status", "Holder", "Due back"][..],
            ),
            (
                Key::F3,
                "Home-working record",
                "people",
                &["Id", "Active", "Holds", "Agreement", "Assessment", "Training"][..],
            ),
            (
                Key::F4,
                "Chain of custody",
                "out-now",
                &["Holder", "Since", "Due back", "Late by"][..],
            ),
        ] {
            h.key_press(key);
            h.run_steps(2);
            step_until(&mut h, "the list", |a| match screen {
                "items" => a.lists.items.value.is_some(),
                "people" => a.lists.people.value.is_some(),
                _ => a.lists.out_now.value.as_ref().is_some_and(|l| !l.is_empty()),
            });
            h.key_press(Key::ArrowDown);
            h.run_steps(3);
            let page = h.get_by_label_contains(heading).rect();
            let mut top = f32::MAX;
            for title in list_titles {
                // The list's is the leftmost (the page may name a line the same).
                let r = h
                    .get_all_by_label(title)
                    .map(|n| n.rect())
                    .min_by(|a, b| a.min.x.total_cmp(&b.min.x))
                    .unwrap();
                top = top.min(r.min.y);
                assert!(
                    r.max.x <= page.min.x,
                    "{name} {screen}: {title} at {r:?}, page from {page:?}"
                );
            }
            let texts: Vec<egui::Rect> = h
                .query_all_by(|n| n.role() == egui::accesskit::Role::Label)
                .map(|n| n.rect())
                .collect();
            // Below the search bar, where the list and the page sit side by side.
            for r in texts.iter().filter(|r| r.min.y >= top) {
                if r.min.x < page.min.x - 1.0 {
                    assert!(
                        r.max.x <= page.min.x,
                        "{name} {screen}: a list's text at {r:?}, page from {page:?}"
                    );
                }
                assert!(
                    r.max.x <= size.x + 0.5,
                    "{name} {screen}: a text beyond the window at {r:?}"
                );
            }
            custody::desk::screenshot::capture(h.state_mut(), size, 1.0)
                .save(screens_folder().join(format!("{screen}-{name}.png")))
                .unwrap();
        }
        drop(s);
    }
}

#[test]
fn the_incident_form_starts_fresh_and_says_what_is_wrong_beside_its_button() {
    let (_s, mut app) = setup();
    laptop_out(&mut app);
    let mut h = harness(app);
    h.key_press(Key::F6);
    h.run_steps(2);
    let look_up = |h: &mut Harness<'static, DeskApp>, who: &str| {
        let field = h.get_by_label("Person or container:");
        field.focus();
        h.key_press_modifiers(egui::Modifiers::COMMAND, Key::A);
        h.get_by_label("Person or container:").type_text(who);
        h.run_steps(1);
        let field = h.get_by_label("At:");
        field.focus();
        h.key_press_modifiers(egui::Modifiers::COMMAND, Key::A);
        h.get_by_label("At:").type_text("20/11/2026 10:00");
        h.run_steps(1);
        h.get_by_label("Look up").click();
        step_until(h, "the exposure", |a| a.states.exposure.result.value.is_some());
    };
    look_up(&mut h, "S001");
    h.get_by_label("Open an incident from this (loss, theft, disclosure)")
        .click();
    h.run_steps(2);
    let field = h.get_by_label("What happened:");
    field.focus();
    field.type_text("Bag left on a train");
    h.run_steps(1);
    // No kind chosen: the problem is said beside the button, on its row.
    h.get_by_label("Open the incident").click();
    h.run_steps(2);
    let button = h.get_by_label("Open the incident").rect();
    let problem = h.get_by_label("Choose loss, theft or disclosure.").rect();
    assert!(
        (problem.center().y - button.center().y).abs() < 4.0 && problem.min.x > button.max.x,
        "{problem:?} beside {button:?}"
    );
    // A new lookup starts a new form.
    look_up(&mut h, "S002");
    h.run_steps(2);
    assert!(h.query_by_label("Choose loss, theft or disclosure.").is_none());
    assert!(
        h.query_by_label("Bag left on a train").is_none(),
        "the description is gone"
    );
}

#[test]
fn the_persons_record_form_is_reached_with_tab() {
    let (_s, app) = setup();
    let mut h = harness(app);
    h.key_press(Key::F3);
    h.run_steps(2);
    step_until(&mut h, "the people", |a| a.lists.people.value.is_some());
    h.key_press(Key::ArrowDown);
    h.run_steps(2);
    h.get_by_label("Search people:").focus();
    h.run_steps(1);
    let mut reached = false;
    for _ in 0..40 {
        h.key_press(Key::Tab);
        h.run_steps(1);
        if h.get_by_label("IG training completed").is_focused() {
            reached = true;
            break;
        }
    }
    assert!(reached, "Tab never reached the record's fields");
}

/// The hand-over as a clerk goes through it: a badge scanned with a screen's button focused,
/// then Enter, signs out (the banner says so); what was typed goes once a scan acts; the
/// receipt names its holder and goes when the next hand-over starts; an R1 refusal goes once
/// its fields are typed.
#[test]
fn the_hand_over_flow_does_what_its_banner_says() {
    let (s, mut app) = setup();
    add_paper_file(&mut app);
    let mut h = harness(app);
    type_burst(&h, "CU1:I:LT-0001");
    h.run_steps(2);
    // The clerk starts typing a name, then scans the badge instead, with "Items" focused.
    h.get_by_label("Scan or type:").click();
    h.run_steps(1);
    h.get_by_label("Scan or type:").type_text("Sam");
    h.run_steps(2);
    h.get_by_label_contains("Person: Sam Jones (S001)");
    h.get_by_label("Items").focus();
    h.run_steps(1);
    type_burst(&h, "CU1:P:S001");
    h.run_steps(2);
    assert!(
        banner(h.state()).contains("Press Enter to sign the basket out"),
        "{}",
        banner(h.state())
    );
    assert_eq!(h.get_by_label("Scan or type:").value().as_deref(), Some(""));
    assert!(
        h.query_by_label_contains("Person: Sam Jones (S001)").is_none(),
        "the suggestions went"
    );
    h.key_press(Key::Enter);
    h.run_steps(2);
    assert_eq!(
        h.state().screen,
        Screen::Desk,
        "Enter went to the Desk, not the focused button"
    );
    assert_eq!(status(&h, "LT-0001"), Status::Out, "{}", banner(h.state()));

    // The receipt names whose it is, and is gone once the next basket is begun.
    h.get_by_label("Save receipt for Sam Jones (S001)");
    later(&s);
    type_burst(&h, "CU1:I:PF-0001");
    h.run_steps(2);
    assert!(
        h.query_by_label_contains("Save receipt").is_none(),
        "the last holder's receipt is not offered"
    );

    // R1 refuses paper without a reason and a manager; typing them drops the red refusal.
    type_burst(&h, "CU1:P:S001");
    h.run_steps(2);
    h.key_press(Key::Enter);
    h.run_steps(2);
    assert_eq!(
        h.state().desk.banner.as_ref().unwrap().tone,
        custody::desk::session::Tone::Refused
    );
    h.get_by_label("Reason (R1):").click();
    h.run_steps(1);
    h.get_by_label("Reason (R1):").type_text("Case review at home");
    h.run_steps(2);
    assert_eq!(
        h.state().desk.banner.as_ref().unwrap().tone,
        custody::desk::session::Tone::Info
    );
    // The manager's id typed in Authorised by, then Enter there: signed out at once.
    h.get_by_label("Authorised by (R1):").click();
    h.run_steps(1);
    h.get_by_label("Authorised by (R1):").type_text("S002");
    h.run_steps(1);
    h.key_press(Key::Enter);
    h.run_steps(3);
    // Sam already has a laptop: R3 warns, and Enter confirms.
    assert!(
        banner(h.state()).contains("tell the holder, then confirm"),
        "{}",
        banner(h.state())
    );
    h.key_press(Key::Enter);
    h.run_steps(3);
    assert_eq!(status(&h, "PF-0001"), Status::Out, "{}", banner(h.state()));
}

/// A name typed with no field chosen names nothing exactly: it goes into Scan or type, whose
/// suggestions show who was meant.
#[test]
fn a_name_typed_anywhere_is_offered_to_scan_or_type() {
    let (_s, app) = setup();
    let mut h = harness(app);
    step_until(&mut h, "the lists", |a| a.lists.people.value.is_some());
    type_burst(&h, "Priya");
    h.run_steps(3);
    assert!(
        banner(h.state()).contains("listed under Scan or type"),
        "{}",
        banner(h.state())
    );
    assert_eq!(h.get_by_label("Scan or type:").value().as_deref(), Some("Priya"));
    h.get_by_label_contains("Person: Priya Patel (S002)").click();
    h.run_steps(2);
    assert!(
        banner(h.state()).contains("Priya Patel (S002) takes the items"),
        "{}",
        banner(h.state())
    );
}

/// After an Undo, the person's page says the undone event was voided, as the item's page does
/// (struck through, and in words for a screen reader); Ctrl+Z once Undo's moment has passed says
/// so, and what to do instead.
#[test]
fn undo_is_voided_on_the_persons_page_and_a_late_one_says_what_to_do() {
    let (s, mut app) = setup();
    laptop_out(&mut app);
    let mut h = harness(app);
    later(&s);
    type_burst(&h, "CU1:I:LT-0001"); // back in
    h.run_steps(2);
    assert_eq!(status(&h, "LT-0001"), Status::In);
    h.key_press_modifiers(egui::Modifiers::COMMAND, Key::Z);
    h.run_steps(2);
    assert_eq!(status(&h, "LT-0001"), Status::Out, "{}", banner(h.state()));
    // Once Undo's moment has passed, Ctrl+Z says so and what to do instead.
    type_burst(&h, "CU1:I:LT-0002");
    type_burst(&h, "CU1:P:S002");
    h.run_steps(2);
    h.key_press(Key::Enter);
    h.run_steps(2);
    h.key_press(Key::Enter); // R4: the unencrypted laptop's warning, confirmed
    h.run_steps(2);
    assert_eq!(status(&h, "LT-0002"), Status::Out, "{}", banner(h.state()));
    s.clock
        .advance(custody::desk::session::UNDO_FOR + chrono::Duration::seconds(1));
    h.key_press_modifiers(egui::Modifiers::COMMAND, Key::Z);
    h.run_steps(2);
    assert!(
        banner(h.state()).starts_with("Too late to undo"),
        "{}",
        banner(h.state())
    );
    assert_eq!(status(&h, "LT-0002"), Status::Out, "nothing was undone");
    h.key_press(Key::F3);
    h.run_steps(2);
    step_until(&mut h, "the people", |a| a.lists.people.value.is_some());
    h.key_press(Key::ArrowDown); // Sam Jones, S001
    h.run_steps(3);
    h.get_by_label_contains("LT-0001 signed in from Sam Jones (S001)");
    h.get_by_label_contains("(voided by a later correction)");
}
