//! The overdue report on a fixed as-of date with known answers: stage boundaries, items returned
//! late (overdue before their return, not after), the due-soon section, and sensitivity.

#![allow(clippy::unwrap_used)]

mod common;

use common::{out_due, setup, t};
use custody_db::{Item, ItemKind, Sensitivity, Stage};

/// As of Friday 20 November 10:00: laptops due 19 Nov 09:00 (1 day late), 13 Nov 10:00 (7 days),
/// 6 Nov 10:00 (14 days), 20 Nov 08:00 (2 hours late), a tablet due 25 Nov; and a Chromebook due
/// 10 Nov that came back on 18 Nov.
fn week() -> common::TestDb {
    let mut db = setup();
    common::registered_earlier(&mut db, |ledger| {
        for (tag, kind) in [
            ("TB-0001", ItemKind::Tablet),
            ("CB-0001", ItemKind::Chromebook),
            ("LT-0004", ItemKind::Laptop),
        ] {
            ledger.add_item(&Item::new(tag, kind, "device")).unwrap();
        }
        let mut sg = Item::new("LT-0005", ItemKind::Laptop, "DSL laptop");
        sg.safeguarding = true;
        sg.encrypted = true;
        ledger.add_item(&sg).unwrap();
    });
    out_due(
        &mut db,
        "LT-0001",
        "S001",
        "2026-11-12T09:00:00Z",
        "2026-11-19T09:00:00Z",
    );
    out_due(
        &mut db,
        "LT-0002",
        "S002",
        "2026-11-06T10:00:00Z",
        "2026-11-13T10:00:00Z",
    );
    out_due(
        &mut db,
        "LT-0005",
        "S002",
        "2026-10-30T10:00:00Z",
        "2026-11-06T10:00:00Z",
    );
    out_due(
        &mut db,
        "LT-0003",
        "S001",
        "2026-11-13T08:00:00Z",
        "2026-11-20T08:00:00Z",
    );
    out_due(
        &mut db,
        "TB-0001",
        "S001",
        "2026-11-18T08:00:00Z",
        "2026-11-25T17:00:00Z",
    );
    out_due(
        &mut db,
        "CB-0001",
        "S002",
        "2026-11-03T08:00:00Z",
        "2026-11-10T17:00:00Z",
    );
    db.ledger
        .sign_in(&["CB-0001".into()], Some(t("2026-11-18T12:00:00Z")), None)
        .unwrap();
    db
}

#[test]
fn stages_and_holders_as_of_now() {
    let db = week();
    let r = db.ledger.overdue(t("2026-11-20T10:00:00Z")).unwrap();
    let rows: Vec<(String, &str, i64, Option<&str>)> = r
        .overdue
        .iter()
        .flat_map(|h| {
            h.items.iter().map(move |i| {
                (
                    h.person.id.clone(),
                    i.item.tag.as_str(),
                    i.days_overdue,
                    i.stage.map(Stage::as_str),
                )
            })
        })
        .collect();
    assert_eq!(
        rows,
        vec![
            ("S002".to_string(), "LT-0005", 14, Some("third notice")),
            ("S002".to_string(), "LT-0002", 7, Some("second notice")),
            ("S001".to_string(), "LT-0001", 1, Some("first notice")),
            ("S001".to_string(), "LT-0003", 0, None),
        ]
    );
    assert_eq!(r.overdue[0].items[0].sensitivity, Sensitivity::Safeguarding);
    assert_eq!(r.due_soon.len(), 1);
    assert_eq!(r.due_soon[0].1.item.tag, "TB-0001");
}

#[test]
fn a_day_late_means_the_next_calendar_day() {
    let db = week();
    // LT-0001 was due on the 19th at 09:00: late that evening, but not yet a day late.
    let lt1 = |at: &str| {
        let r = db.ledger.overdue(t(at)).unwrap();
        let i = r
            .overdue
            .iter()
            .flat_map(|h| &h.items)
            .find(|i| i.item.tag == "LT-0001")
            .cloned()
            .unwrap();
        (i.days_overdue, i.stage)
    };
    assert_eq!(lt1("2026-11-19T23:59:59Z"), (0, None), "still the day it was due");
    assert_eq!(
        lt1("2026-11-20T00:00:00Z"),
        (1, Some(Stage::First)),
        "the next day: a day late"
    );
}

#[test]
fn an_item_returned_late_was_overdue_before_its_return_only() {
    let db = week();
    let before = db.ledger.overdue(t("2026-11-17T10:00:00Z")).unwrap();
    let cb = before
        .overdue
        .iter()
        .flat_map(|h| &h.items)
        .find(|i| i.item.tag == "CB-0001")
        .unwrap();
    // Due on the 10th, as of the 17th: seven calendar days, the second notice.
    assert_eq!((cb.days_overdue, cb.stage), (7, Some(Stage::Second)));
    let after = db.ledger.overdue(t("2026-11-19T10:00:00Z")).unwrap();
    assert!(
        after
            .overdue
            .iter()
            .flat_map(|h| &h.items)
            .all(|i| i.item.tag != "CB-0001")
    );
}

/// The report as of any past moment (replayed in one query from each changed item's last
/// sign-out) agrees with every item's state at that moment worked out the slow way.
#[test]
fn as_of_any_moment_it_agrees_with_each_items_state_then() {
    let dir = tempfile::tempdir().unwrap();
    let clock = custody_db::FixedClock::new(t("2026-11-20T10:00:00Z"));
    let options = custody_db::demo::DemoOptions {
        items: 150,
        people: 30,
        days: 120,
        seed: 3,
    };
    let ledger = common::demo(&dir.path().join("demo.db"), clock, &options);
    let tags: Vec<String> = ledger.items().unwrap().into_iter().map(|r| r.item.tag).collect();
    for days_ago in [0, 1, 3, 7, 20, 60] {
        let at = t("2026-11-20T10:00:00Z") - chrono::Duration::days(days_ago);
        let (listed, expected) = (
            common::overdue_listed(&ledger, at),
            common::overdue_by_state(&ledger, &tags, at),
        );
        assert_eq!(listed, expected, "{days_ago} days ago");
        assert!(!expected.is_empty(), "the demo has something out {days_ago} days ago");
    }
}
