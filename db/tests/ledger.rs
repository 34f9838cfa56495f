//! The ledger's behaviour: moves, refusals (with their messages, writing nothing), history,
//! corrections, and the append-only guarantees.

#![allow(clippy::unwrap_used)]

mod common;

use chrono::Duration;
use common::{dump, out, setup, t};
use custody_db::{DayEdge, Error, EventKind, HistoryFilter, Status};

fn tags(list: &[&str]) -> Vec<String> {
    list.iter().map(|s| s.to_string()).collect()
}

#[test]
fn sign_out_and_in_round_trip() {
    let mut db = setup();
    let events = db.ledger.sign_out(&out(&["lt-0001", "LT-0002"], "s001")).unwrap();
    assert_eq!(events.len(), 2);
    assert_eq!(
        events[0].handover, events[1].handover,
        "one hand-over id for the basket"
    );
    assert_eq!(events[0].operator, "office", "the signed-in operator's id");
    let state = db.ledger.state("LT-0001").unwrap();
    assert_eq!(state.status, Status::Out);
    assert_eq!(state.holder.as_deref(), Some("S001"));
    // Laptops are due in a week, at the end of the day (London time: UTC in November).
    assert_eq!(db.ledger.format_time(state.due_at.unwrap()), "27/11/2026 23:59");
    assert_eq!(db.ledger.out_now().unwrap().len(), 2);
    assert_eq!(db.ledger.holdings("S001").unwrap().len(), 2);

    db.clock.advance(Duration::days(9));
    let back = db
        .ledger
        .sign_in(&tags(&["LT-0001"]), None, Some("Charger missing"))
        .unwrap();
    assert_eq!(back[0].from.name, "Sam Jones");
    // Due on the 27th, back on the 29th: two days late, as the office counts (calendar days).
    assert_eq!(back[0].late_by.as_deref(), Some("2 days"));
    assert_eq!(
        back[0].event.person.as_deref(),
        Some("S001"),
        "the sign-in records who returned it"
    );
    assert_eq!(db.ledger.state("LT-0001").unwrap().status, Status::In);
    assert_eq!(db.ledger.out_now().unwrap().len(), 1);
}

#[test]
fn paper_is_due_next_working_day() {
    let mut db = setup();
    let mut req = out(&["PF-0001"], "S001");
    req.reason = Some("Annual review meeting at home".into());
    req.authoriser = Some("S002".into());
    db.ledger.sign_out(&req).unwrap();
    let due = db.ledger.state("PF-0001").unwrap().due_at.unwrap();
    assert_eq!(
        db.ledger.format_time(due),
        "23/11/2026 17:00",
        "Friday out, Monday 17:00 back"
    );
}

/// Each refusal: its own error, a message that says what to do, and nothing written.
#[test]
fn refusals_name_the_problem_and_write_nothing() {
    let mut db = setup();
    db.ledger.sign_out(&out(&["LT-0001"], "S001")).unwrap();
    db.clock.advance(Duration::hours(1));
    db.ledger.record("LT-0003", EventKind::Stolen, None, None).unwrap();
    db.clock.advance(Duration::hours(1));
    let at = |s: &str| Some(t(s));
    type Attempt = Box<dyn Fn(&mut custody_db::Ledger) -> Result<(), Error>>;
    let cases: Vec<(&str, Attempt, Option<&str>, &str)> = vec![
        (
            "R8 already out",
            Box::new(|l| l.sign_out(&out(&["LT-0001"], "S002")).map(drop)),
            Some("R8"),
            "already out with Sam Jones (S001)",
        ),
        (
            "R8 already out in a basket",
            Box::new(|l| l.sign_out(&out(&["LT-0002", "LT-0001"], "S002")).map(drop)),
            Some("R8"),
            "LT-0001 is already out",
        ),
        (
            "R8 stolen",
            Box::new(|l| l.sign_out(&out(&["LT-0003"], "S002")).map(drop)),
            Some("R8"),
            "recorded as stolen",
        ),
        (
            "R8 inactive person",
            Box::new(|l| l.sign_out(&out(&["LT-0002"], "S003")).map(drop)),
            Some("R8"),
            "Tom Left (S003) is not an active person",
        ),
        (
            "unknown tag",
            Box::new(|l| l.sign_out(&out(&["LT-9999"], "S001")).map(drop)),
            None,
            "No item is tagged LT-9999",
        ),
        (
            "unknown person",
            Box::new(|l| l.sign_out(&out(&["LT-0002"], "S999")).map(drop)),
            None,
            "No person has the id S999",
        ),
        (
            "bad tag",
            Box::new(|l| l.sign_out(&out(&["LT 0002"], "S001")).map(drop)),
            None,
            "not a valid item tag",
        ),
        (
            "no items",
            Box::new(|l| l.sign_out(&out(&[], "S001")).map(drop)),
            None,
            "No items were given",
        ),
        (
            "same item twice",
            Box::new(|l| l.sign_out(&out(&["LT-0002", "lt-0002"], "S001")).map(drop)),
            None,
            "LT-0002 was given twice",
        ),
        (
            "sign in an item that is in",
            Box::new(|l| l.sign_in(&tags(&["LT-0002"]), None, None).map(drop)),
            None,
            "LT-0002 is not out (it is in)",
        ),
        (
            "sign in a stolen item",
            Box::new(|l| l.sign_in(&tags(&["LT-0003"]), None, None).map(drop)),
            None,
            "it is stolen",
        ),
        (
            "transfer to the holder",
            Box::new(|l| l.transfer("LT-0001", "S001", None, None).map(drop)),
            None,
            "already with Sam Jones",
        ),
        (
            "transfer to inactive",
            Box::new(|l| l.transfer("LT-0001", "S003", None, None).map(drop)),
            Some("R8"),
            "not an active person",
        ),
        (
            "retire while out",
            Box::new(|l| l.record("LT-0001", EventKind::Retired, None, None).map(drop)),
            None,
            "sign it in before retiring",
        ),
        (
            "found but never lost",
            Box::new(|l| l.record("LT-0002", EventKind::Found, None, None).map(drop)),
            None,
            "not lost or stolen",
        ),
        (
            "stolen twice",
            Box::new(|l| l.record("LT-0003", EventKind::Stolen, None, None).map(drop)),
            None,
            "already recorded as stolen",
        ),
        (
            "future time",
            Box::new(move |l| {
                let mut req = out(&["LT-0002"], "S001");
                req.at = at("2026-11-21T10:00:00Z");
                l.sign_out(&req).map(drop)
            }),
            None,
            "is in the future",
        ),
        (
            "before the item's last event",
            Box::new(move |l| {
                l.sign_in(&tags(&["LT-0001"]), at("2026-11-19T10:00:00Z"), None)
                    .map(drop)
            }),
            None,
            "last recorded event was at 20/11/2026 10:00",
        ),
        (
            "before the item was registered",
            Box::new(move |l| {
                let mut req = out(&["LT-0002"], "S001");
                req.at = at("1901-01-01T10:00:00Z");
                l.sign_out(&req).map(drop)
            }),
            None,
            "LT-0002 was registered at 01/09/2026 08:00, after 01/01/1901",
        ),
        (
            "lost before it was registered",
            Box::new(move |l| {
                l.record("LT-0003", EventKind::Lost, at("2026-08-31T10:00:00Z"), None)
                    .map(drop)
            }),
            None,
            "import it as a paper signing-out book",
        ),
        (
            "due before out",
            Box::new(move |l| {
                let mut req = out(&["LT-0002"], "S001");
                req.due = at("2026-11-19T10:00:00Z");
                l.sign_out(&req).map(drop)
            }),
            None,
            "is not after the sign-out time",
        ),
        (
            "control character in a note",
            Box::new(|l| l.sign_in(&tags(&["LT-0001"]), None, Some("bad\u{1b}[2J")).map(drop)),
            None,
            "control character",
        ),
        (
            "correct an unknown event",
            Box::new(|l| l.correct("0190d4a6-0000-7000-8000-000000000000", "typo").map(drop)),
            None,
            "No event has the id",
        ),
        (
            "correction without a reason",
            Box::new(|l| l.correct("0190d4a6-0000-7000-8000-000000000000", " ").map(drop)),
            None,
            "reason for the correction is not acceptable",
        ),
    ];
    for (name, attempt, rule, words) in cases {
        let before = dump(&db.path);
        let err = attempt(&mut db.ledger).expect_err(name);
        let msg = err.to_string();
        assert_eq!(err.rule().map(custody_db::Rule::id), rule, "{name}: {msg}");
        assert!(msg.contains(words), "{name}: {msg:?} should contain {words:?}");
        if let Some(rule) = rule {
            assert!(msg.contains(rule), "{name}: the message names the rule: {msg}");
        }
        assert_eq!(dump(&db.path), before, "{name}: nothing may be written");
    }
}

#[test]
fn transfer_lost_found_retired() {
    let mut db = setup();
    db.ledger.sign_out(&out(&["LT-0001"], "S001")).unwrap();
    db.clock.advance(Duration::hours(2));
    let e = db
        .ledger
        .transfer("LT-0001", "S002", None, Some("Covering a trip"))
        .unwrap();
    assert_eq!(e.from_person.as_deref(), Some("S001"));
    let s = db.ledger.state("LT-0001").unwrap();
    assert_eq!(s.holder.as_deref(), Some("S002"));
    assert_eq!(
        db.ledger.format_time(s.due_at.unwrap()),
        "27/11/2026 23:59",
        "transfer keeps the due date"
    );
    db.clock.advance(Duration::hours(2));
    let lost = db
        .ledger
        .record("LT-0001", EventKind::Lost, None, Some("Left on a train"))
        .unwrap();
    assert_eq!(lost.person.as_deref(), Some("S002"), "a loss records who had it");
    assert_eq!(db.ledger.state("LT-0001").unwrap().status, Status::Lost);
    assert!(db.ledger.out_now().unwrap().is_empty());
    db.clock.advance(Duration::days(1));
    db.ledger.record("LT-0001", EventKind::Found, None, None).unwrap();
    db.ledger
        .record("LT-0001", EventKind::Retired, None, Some("Screen cracked"))
        .unwrap();
    let err = db.ledger.sign_out(&out(&["LT-0001"], "S001")).unwrap_err();
    assert!(matches!(err, Error::ItemRetired { .. }), "{err}");
}

/// "Who held what, when": the answer for any past moment, including backdated records.
#[test]
fn state_at_any_past_moment() {
    let mut db = setup();
    let mut req = out(&["LT-0001"], "S001");
    req.at = Some(t("2026-11-02T09:00:00Z"));
    req.due = Some(t("2026-11-09T17:00:00Z"));
    db.ledger.sign_out(&req).unwrap();
    db.ledger
        .transfer("LT-0001", "S002", Some(t("2026-11-05T12:00:00Z")), None)
        .unwrap();
    db.ledger
        .sign_in(&tags(&["LT-0001"]), Some(t("2026-11-10T08:30:00Z")), None)
        .unwrap();

    let at = |s: &str| db.ledger.state_at("LT-0001", t(s)).unwrap();
    assert_eq!(at("2026-11-01T00:00:00Z").status, Status::In);
    assert_eq!(at("2026-11-03T00:00:00Z").holder.as_deref(), Some("S001"));
    assert_eq!(
        at("2026-11-05T12:00:00Z").holder.as_deref(),
        Some("S002"),
        "the moment of the transfer"
    );
    assert_eq!(at("2026-11-09T23:00:00Z").holder.as_deref(), Some("S002"));
    assert_eq!(at("2026-11-10T09:00:00Z").status, Status::In);

    let window = db
        .ledger
        .history(&HistoryFilter {
            person: Some("s001".into()),
            from: Some(t("2026-11-01T00:00:00Z")),
            to: Some(t("2026-11-06T00:00:00Z")),
            ..HistoryFilter::default()
        })
        .unwrap();
    let kinds: Vec<EventKind> = window.iter().map(|e| e.kind).collect();
    assert_eq!(
        kinds,
        vec![EventKind::SignOut, EventKind::Transfer],
        "S001 received it, then handed it on"
    );
    for e in &window {
        assert!(
            e.recorded_at > e.occurred_at,
            "backdated: recorded now, occurred earlier"
        );
    }
}

#[test]
fn a_correction_voids_the_latest_event_and_keeps_it() {
    let mut db = setup();
    db.ledger.sign_out(&out(&["LT-0001"], "S001")).unwrap();
    db.clock.advance(Duration::minutes(5));
    let mistaken = db
        .ledger
        .sign_in(&tags(&["LT-0001"]), None, None)
        .unwrap()
        .remove(0)
        .event;
    db.clock.advance(Duration::minutes(1));
    let fix = db
        .ledger
        .correct(&mistaken.id.to_string(), "Scanned the wrong laptop")
        .unwrap();
    assert_eq!(fix.corrects, Some(mistaken.id));
    let s = db.ledger.state("LT-0001").unwrap();
    assert_eq!(
        (s.status, s.holder.as_deref()),
        (Status::Out, Some("S001")),
        "back out with Sam"
    );
    let history = db.ledger.item_events("LT-0001").unwrap();
    assert_eq!(history.len(), 3, "the mistaken event stays in the ledger");
    assert_eq!(db.ledger.correction_of(&mistaken.id).unwrap().unwrap().id, fix.id);

    let again = db.ledger.correct(&mistaken.id.to_string(), "again").unwrap_err();
    assert!(again.to_string().contains("already been corrected"), "{again}");
    let of_fix = db.ledger.correct(&fix.id.to_string(), "undo").unwrap_err();
    assert!(of_fix.to_string().contains("itself a correction"), "{of_fix}");
    assert!(db.ledger.verify().unwrap().is_intact());
    // Told in words, without the event's id.
    let described = db.ledger.describe(&fix);
    assert_eq!(
        described,
        "correction: Scanned the wrong laptop (voids the return recorded for 20/11/2026 10:05)"
    );
    assert!(!described.contains(&mistaken.id.to_string()));
}

#[test]
fn the_latest_events_are_newest_first_by_when_they_were_recorded() {
    let mut db = setup();
    db.ledger.sign_out(&out(&["LT-0001"], "S001")).unwrap();
    db.clock.advance(Duration::minutes(5));
    // Recorded later, about something that happened earlier: it is still the latest action.
    db.ledger
        .sign_in(&tags(&["LT-0001"]), Some(t("2026-11-20T10:01:00Z")), None)
        .unwrap();
    db.clock.advance(Duration::minutes(1));
    db.ledger.sign_out(&out(&["LT-0002"], "S002")).unwrap();
    let recent: Vec<(String, EventKind)> = db
        .ledger
        .recent_events(3)
        .unwrap()
        .into_iter()
        .map(|e| (e.item, e.kind))
        .collect();
    assert_eq!(
        recent,
        [
            ("LT-0002".to_string(), EventKind::SignOut),
            ("LT-0001".to_string(), EventKind::SignIn),
            ("LT-0001".to_string(), EventKind::SignOut),
        ]
    );
}

#[test]
fn only_the_latest_event_can_be_corrected() {
    let mut db = setup();
    let first = db.ledger.sign_out(&out(&["LT-0001"], "S001")).unwrap().remove(0);
    db.clock.advance(Duration::minutes(5));
    db.ledger.sign_in(&tags(&["LT-0001"]), None, None).unwrap();
    let before = dump(&db.path);
    let err = db.ledger.correct(&first.id.to_string(), "wrong person").unwrap_err();
    assert!(err.to_string().contains("has later events"), "{err}");
    assert_eq!(dump(&db.path), before);
}

#[test]
fn events_cannot_be_updated_or_deleted() {
    let mut db = setup();
    db.ledger.sign_out(&out(&["LT-0001"], "S001")).unwrap();
    let conn = rusqlite::Connection::open(&db.path).unwrap();
    for sql in [
        "UPDATE events SET person = 'S002'",
        "DELETE FROM events",
        "INSERT OR REPLACE INTO events SELECT * FROM events",
    ] {
        let err = conn.execute(sql, []).unwrap_err().to_string();
        assert!(err.contains("append-only"), "{sql}: {err}");
    }
}

#[test]
fn register_refuses_duplicates_and_bad_fields() {
    let mut db = setup();
    let dup = db
        .ledger
        .add_item(&custody_db::Item::new(
            "lt-0001",
            custody_db::ItemKind::Laptop,
            "Another",
        ))
        .unwrap_err();
    assert!(dup.to_string().contains("already an item tagged LT-0001"), "{dup}");
    let dup = db.ledger.add_person("s001", "Someone", None).unwrap_err();
    assert!(dup.to_string().contains("already a person with id S001"), "{dup}");
    let blank = db.ledger.add_person("S010", "   ", None).unwrap_err();
    assert!(
        blank.to_string().contains("name is not acceptable: it is empty"),
        "{blank}"
    );
    let email = db.ledger.add_person("S010", "Ann", Some("not-an-email")).unwrap_err();
    assert!(email.to_string().contains("not an email address"), "{email}");
    let kind = "usb".parse::<custody_db::ItemKind>().unwrap_err();
    assert!(kind.to_string().contains("paper-file"), "{kind}");
}

#[test]
fn when_parsing_uses_the_database_time_zone() {
    let db = setup();
    let due = db.ledger.parse_when("2026-07-01", DayEdge::End).unwrap();
    assert_eq!(due, t("2026-07-01T22:59:59Z"), "London summer time");
}

/// Someone registered today cannot have been handed something yesterday (`--at`); "now" is
/// never asked, and an import of earlier custody (a paper book) is the way to record it.
#[test]
fn a_moment_before_the_person_was_registered_is_refused() {
    let mut db = setup();
    db.ledger.add_person("S010", "New Starter", None).unwrap();
    let before = dump(&db.path);
    let mut req = out(&["LT-0002"], "S010");
    req.at = Some(t("2026-11-19T10:00:00Z"));
    req.acknowledge_warnings = true;
    let err = db.ledger.sign_out(&req).unwrap_err().to_string();
    assert!(err.contains("S010 was registered at 20/11/2026 10:00"), "{err}");
    assert_eq!(dump(&db.path), before);
    req.at = None;
    db.ledger.sign_out(&req).unwrap();
}

/// The desk's camera is its own fact: remembered across opening the file again, and not a
/// setting on the record.
#[test]
fn the_desk_remembers_its_camera() {
    use custody_db::DeskCamera;
    let mut db = setup();
    assert_eq!(db.ledger.desk_camera().unwrap(), None);
    let entries = db.ledger.last_seq().unwrap();
    db.ledger.set_desk_camera(DeskCamera::Index(2)).unwrap();
    assert_eq!(db.ledger.last_seq().unwrap(), entries, "nothing on the record");
    let again = custody_db::Ledger::open(&db.path, db.clock.clone()).unwrap();
    assert_eq!(again.desk_camera().unwrap(), Some(DeskCamera::Index(2)));
    db.ledger.set_desk_camera(DeskCamera::None).unwrap();
    assert_eq!(again.desk_camera().unwrap(), Some(DeskCamera::None));
}

/// A clock set back (by hand, or by the network's time) never dates an entry before the one
/// before it: "recorded at" only goes forward, so the record's own order stays believable.
#[test]
fn recorded_at_never_goes_back_before_the_last_entry() {
    let mut db = setup();
    db.clock.set(t("2026-11-20T10:00:00Z"));
    let first = db.ledger.sign_out(&out(&["LT-0001"], "S001")).unwrap();
    db.clock.set(t("2026-11-19T09:00:00Z"));
    db.ledger.add_person("S090", "Late Starter", None).unwrap();
    let conn = rusqlite::Connection::open(&db.path).unwrap();
    let recorded: i64 = conn
        .query_row("SELECT recorded_at FROM records ORDER BY seq DESC LIMIT 1", [], |r| {
            r.get(0)
        })
        .unwrap();
    assert_eq!(
        recorded, first[0].recorded_at,
        "recorded no earlier than the entry before it"
    );
    assert!(db.ledger.verify().unwrap().is_intact());
}
