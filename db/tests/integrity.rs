//! The stored state equals a full replay, and `verify` finds tampering done behind the app's back.

#![allow(clippy::unwrap_used)]

mod common;

use chrono::Duration;
use common::setup;
use custody_db::demo::{self, DemoOptions};
use custody_db::{EventKind, Item, ItemKind, Ledger, SignOut, Status};

/// Random requests, most of them valid, some refused; after each, projection == replay.
#[test]
fn projection_equals_replay_after_random_operations() {
    let mut db = setup();
    for n in 4..=30 {
        db.ledger
            .add_item(&Item::new(&format!("CB-{n:04}"), ItemKind::Chromebook, "Chromebook"))
            .unwrap();
    }
    let tags: Vec<String> = db.ledger.items().unwrap().into_iter().map(|r| r.item.tag).collect();
    let people = ["S001", "S002", "S003"];
    let mut rng = fastrand::Rng::with_seed(2026);
    let mut done = 0;
    let mut last_events: Vec<String> = Vec::new();
    for _ in 0..600 {
        db.clock.advance(Duration::minutes(rng.i64(1..600)));
        let tag = tags[rng.usize(..tags.len())].clone();
        let person = people[rng.usize(..people.len())];
        let result = match rng.u32(..10) {
            0..=3 => db
                .ledger
                .sign_out(&SignOut {
                    items: vec![tag.clone(), tags[rng.usize(..tags.len())].clone()],
                    to: person.to_string(),
                    reason: Some("Home visit".into()),
                    authoriser: Some("S002".into()),
                    acknowledge_warnings: true,
                    ..SignOut::default()
                })
                .map(|mut e| e.remove(0)),
            4..=6 => db
                .ledger
                .sign_in(std::slice::from_ref(&tag), None, None)
                .map(|mut r| r.remove(0).event),
            7 => db.ledger.transfer(&tag, person, None, None),
            8 => {
                let kind = [EventKind::Lost, EventKind::Stolen, EventKind::Found, EventKind::Retired][rng.usize(..4)];
                db.ledger.record(&tag, kind, None, None)
            }
            _ => match last_events.pop() {
                Some(id) => db.ledger.correct(&id, "mistake"),
                None => continue,
            },
        };
        if let Ok(e) = result {
            done += 1;
            if e.kind != EventKind::Correction {
                last_events.push(e.id.to_string());
            }
        }
        assert_eq!(db.ledger.projection().unwrap(), db.ledger.replay().unwrap());
    }
    assert!(done > 150, "enough requests succeeded to mean something ({done})");
    let report = db.ledger.verify().unwrap();
    assert!(report.is_intact(), "{report:?}");
    assert!(report.events_checked >= done);
}

#[test]
fn demo_data_is_consistent_and_believable() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("demo.db");
    let clock = custody_db::FixedClock::new(common::t("2026-11-20T10:00:00Z"));
    let mut ledger = Ledger::create(&path, Some("Demo Academy Trust"), clock).unwrap();
    ledger.use_hashing(custody_db::Hashing::cheap_for_tests());
    let summary = demo::fill(
        &mut ledger,
        &DemoOptions {
            items: 600,
            people: 150,
            days: 365,
            seed: 3,
        },
    )
    .unwrap();
    let mut ledger = common::signed_in(ledger);
    assert_eq!(summary.items, 600);
    assert!(summary.events > 600 * 10, "a year of history: {summary:?}");
    assert!(summary.out_now > 20 && summary.overdue > 0, "{summary:?}");
    assert_eq!(ledger.projection().unwrap(), ledger.replay().unwrap());
    let report = ledger.verify().unwrap();
    assert!(report.is_intact(), "{report:?}");
    // Removable media never leaves (R2); paper descriptions carry references, not names (R12).
    for row in ledger.items().unwrap() {
        if row.item.kind == ItemKind::RemovableMedia {
            assert_eq!(row.state.status, Status::In);
        }
    }
    // Its office manager may authorise a paper file's removal (R1): on the people register and
    // an operator with the manager's role, under one id.
    let paper = ledger
        .items()
        .unwrap()
        .into_iter()
        .find(|r| r.item.kind == ItemKind::PaperFile && r.state.status == Status::In)
        .unwrap();
    let holder = ledger
        .people()
        .unwrap()
        .into_iter()
        .find(|p| p.person.active && p.person.id.starts_with('S'))
        .unwrap();
    let req = custody_db::SignOut {
        items: vec![paper.item.tag.clone()],
        to: holder.person.id.clone(),
        reason: Some("Case review at home".into()),
        authoriser: Some(demo::DEMO_AUTHORISER.0.into()),
        acknowledge_warnings: true,
        ..custody_db::SignOut::default()
    };
    let findings = ledger.check_sign_out(&req).unwrap();
    assert!(
        findings.iter().all(|f| f.rule != custody_db::policy::Rule::R1),
        "{findings:?}"
    );
    // Demo data goes only into an empty database.
    let err = demo::fill(&mut ledger, &DemoOptions::default()).unwrap_err();
    assert!(err.to_string().contains("already holds records"), "{err}");
}

fn tamper(path: &std::path::Path, sql: &str) {
    let conn = rusqlite::Connection::open(path).unwrap();
    conn.execute_batch(
        "DROP TRIGGER events_are_never_updated; DROP TRIGGER events_are_never_deleted;
         DROP TRIGGER events_are_never_replaced;",
    )
    .unwrap();
    conn.execute_batch(sql).unwrap();
}

/// The sequence number of the `n`th custody event (1-based): the register's records come first.
fn event_seq(path: &std::path::Path, n: i64) -> i64 {
    let conn = rusqlite::Connection::open(path).unwrap();
    conn.query_row("SELECT seq FROM events ORDER BY seq LIMIT 1 OFFSET ?1", [n - 1], |r| {
        r.get(0)
    })
    .unwrap()
}

fn ledger_with_five_events() -> common::TestDb {
    let mut db = setup();
    for tag in ["LT-0001", "LT-0002", "LT-0003", "PF-0001"] {
        db.ledger
            .sign_out(&SignOut {
                items: vec![tag.into()],
                to: "S001".into(),
                reason: Some("Annual review at home".into()),
                authoriser: Some("S002".into()),
                acknowledge_warnings: true,
                ..SignOut::default()
            })
            .unwrap();
        db.clock.advance(Duration::minutes(3));
    }
    db.ledger.sign_in(&["LT-0002".to_string()], None, None).unwrap();
    assert!(db.ledger.verify().unwrap().is_intact());
    db
}

#[test]
fn verify_finds_a_changed_event() {
    let db = ledger_with_five_events();
    let third = event_seq(&db.path, 3);
    tamper(
        &db.path,
        &format!("UPDATE events SET person = 'S002' WHERE seq = {third}"),
    );
    let problem = db.ledger.verify().unwrap().chain.unwrap();
    assert_eq!(problem.seq, third);
    assert!(problem.what.contains("changed after it was recorded"), "{problem:?}");
}

#[test]
fn verify_finds_a_deleted_event() {
    let db = ledger_with_five_events();
    let (second, third) = (event_seq(&db.path, 2), event_seq(&db.path, 3));
    tamper(&db.path, &format!("DELETE FROM events WHERE seq = {second}"));
    let report = db.ledger.verify().unwrap();
    let problem = report.chain.unwrap();
    assert_eq!(problem.seq, third, "the first event after the gap");
    assert!(problem.what.contains("missing or inserted"), "{problem:?}");
    assert!(
        !report.projection_mismatches.is_empty(),
        "LT-0002 is out in the stored state only"
    );
}

#[test]
fn verify_finds_an_inserted_event() {
    let db = ledger_with_five_events();
    // A forged copy of the last event slipped in after it, with a plausible but wrong link.
    let fifth = event_seq(&db.path, 5);
    tamper(
        &db.path,
        &format!(
            "INSERT INTO events SELECT {}, randomblob(16), desk, kind, 'LT-0001', person, from_person, handover,
                due_at, purpose, reason, authoriser, container, corrects, note, occurred_at, recorded_at,
                operator, prev_hash, hash, warnings FROM events WHERE seq = {fifth}",
            fifth + 1
        ),
    );
    let problem = db.ledger.verify().unwrap().chain.unwrap();
    assert_eq!(problem.seq, fifth + 1);
    assert!(problem.what.contains("link to the previous entry"), "{problem:?}");
}

#[test]
fn verify_names_a_move_that_could_not_happen() {
    let db = ledger_with_five_events();
    // LT-0002's sign-in recorded a second time: it was already in.
    let fifth = event_seq(&db.path, 5);
    tamper(
        &db.path,
        &format!(
            "INSERT INTO events SELECT {}, randomblob(16), desk, kind, item, person, from_person, handover,
                due_at, purpose, reason, authoriser, container, corrects, note, occurred_at, recorded_at,
                operator, prev_hash, hash, warnings FROM events WHERE seq = {fifth}",
            fifth + 1
        ),
    );
    let report = db.ledger.verify().unwrap();
    assert_eq!(report.impossible_moves.len(), 1, "{report:?}");
    let said = &report.impossible_moves[0];
    assert!(
        said.starts_with(&format!("event {} (", fifth + 1)) && said.contains("LT-0002"),
        "{said}"
    );
    assert!(
        report.projection_mismatches.is_empty(),
        "a repeated sign-in leaves it in: {report:?}"
    );
}

#[test]
fn verify_finds_a_projection_changed_behind_its_back() {
    let db = ledger_with_five_events();
    tamper(
        &db.path,
        "UPDATE item_state SET status = 'in', holder = NULL WHERE item = 'LT-0001'",
    );
    let report = db.ledger.verify().unwrap();
    assert!(report.chain.is_none());
    assert_eq!(report.projection_mismatches.len(), 1, "{report:?}");
    let said = &report.projection_mismatches[0];
    assert!(said.starts_with("LT-0001"), "{said}");
    assert!(
        said.contains(
            "the current-state table says \u{201c}in since 20/11/2026 10:00\u{201d}, but its history says \u{201c}out with Sam Jones (S001)"
        ),
        "in words a DPO reads: {said}"
    );
    assert!(
        !said.contains("Some(") && !said.contains("Out)"),
        "no Rust names: {said}"
    );
}

#[test]
fn opening_after_an_unclean_shutdown_checks_the_latest_events() {
    let db = ledger_with_five_events();
    // The first ledger is still open, so its write-ahead log is there, as after a crash.
    assert!(std::fs::metadata(format!("{}-wal", db.path.display())).unwrap().len() > 0);
    let clock = custody_db::FixedClock::new(common::t("2026-11-20T11:00:00Z"));
    Ledger::open(&db.path, clock.clone()).unwrap();
    tamper(&db.path, "UPDATE item_state SET holder = 'S002' WHERE item = 'LT-0003'");
    let err = Ledger::open(&db.path, clock).unwrap_err().to_string();
    assert!(err.contains("unclean shutdown") && err.contains("LT-0003"), "{err}");
}

/// An attacker drops the append-only triggers: Custody still reads the file, refuses to write
/// to it, and `verify` names what was removed.
#[test]
fn a_file_whose_guards_were_removed_is_read_but_never_written() {
    let db = ledger_with_five_events();
    let path = db.path.clone();
    drop(db.ledger);
    tamper(&path, "SELECT 1");
    let before = common::dump(&path);
    let clock = custody_db::FixedClock::new(common::t("2026-11-20T11:00:00Z"));
    let mut ledger = Ledger::open(&path, clock).unwrap();
    // Signing in checks the password and writes nothing (from the command line, at the first try).
    ledger
        .operator_sign_in("office", common::ADMIN_PASSWORD, custody_db::SignInAt::CommandLine)
        .unwrap();
    assert_eq!(ledger.out_now().unwrap().len(), 3, "reading still works");
    let refused = ledger
        .sign_in(&["LT-0001".to_string()], None, None)
        .unwrap_err()
        .to_string();
    assert!(
        refused.contains("is not as Custody made it")
            && refused.contains("the trigger events_are_never_deleted has been removed"),
        "{refused}"
    );
    let report = ledger.verify().unwrap();
    assert!(!report.is_intact());
    assert!(
        report.schema.iter().any(|s| s.contains("events_are_never_updated")),
        "{report:?}"
    );
    drop(ledger);
    assert_eq!(common::dump(&path), before, "nothing was written");
}

/// Deleting the newest events, with the projection made to match: the chain alone cannot see
/// it, but the day's backup saw a longer chain, and `verify` says so.
#[test]
fn deleting_the_newest_events_is_caught_by_the_backup_that_saw_them() {
    let db = ledger_with_five_events();
    db.ledger.daily_backup().unwrap().unwrap();
    let path = db.path.clone();
    let intact = db.ledger.verify().unwrap();
    assert!(intact.is_intact() && intact.witnesses_checked == 1, "{intact:?}");
    drop(db.ledger);
    // The last two events go (LT-0002's return and PF-0001's sign-out), and the stored state is
    // made to agree with what is left, as a careful attacker would.
    let (second, third, fifth) = (event_seq(&path, 2), event_seq(&path, 3), event_seq(&path, 5));
    tamper(
        &path,
        &format!(
            "DELETE FROM events WHERE seq > {third};
         UPDATE item_state SET status = 'out', holder = 'S001', last_seq = {second},
                since = (SELECT occurred_at FROM events WHERE seq = {second}),
                due_at = (SELECT due_at FROM events WHERE seq = {second}),
                last_occurred_at = (SELECT occurred_at FROM events WHERE seq = {second})
          WHERE item = 'LT-0002';
         UPDATE item_state SET status = 'in', holder = NULL, since = NULL, due_at = NULL, last_seq = NULL, last_desk = NULL,
                last_occurred_at = NULL WHERE item = 'PF-0001';"
        ),
    );
    let clock = custody_db::FixedClock::new(common::t("2026-11-20T11:00:00Z"));
    let ledger = common::signed_in(Ledger::open(&path, clock).unwrap());
    let report = ledger.verify().unwrap();
    assert!(report.chain.is_none(), "the chain that is left is unbroken: {report:?}");
    assert!(
        report.projection_mismatches.is_empty(),
        "and the state agrees with it: {report:?}"
    );
    assert!(
        report
            .witnesses
            .iter()
            .any(|w| w.contains(&format!("holds entry {fifth}, which the ledger no longer has"))),
        "{report:?}"
    );
    assert!(!report.is_intact());
}
