//! Several desks as one trust, without a server: one desk's entries are handed to another as a
//! pull would (`common::pull`), and each desk applies what it received. A new desk is made from
//! the trust's entries; items' states are the replay of every desk's events; two desks that moved
//! an item apart disagree until a correction settles it, and meanwhile exposure names both holders.

#![allow(clippy::unwrap_used)]

mod common;

use std::sync::Arc;

use common::{ADMIN_PASSWORD, TestDb, out, pull, setup, t};
use custody_db::{Custodian, FixedClock, ItemEdit, Ledger, Role, SignInAt, SignOut, Status};

/// A second desk, made by joining (`common::joined`), with the trust's five items.
fn second_desk(first: &Ledger) -> (tempfile::TempDir, Arc<FixedClock>, Ledger) {
    let desk = common::joined(first);
    assert_eq!(desk.ledger.items().unwrap().len(), 5);
    (desk.dir, desk.clock, desk.ledger)
}

fn exposed(ledger: &Ledger, who: &str, at: &str) -> Vec<String> {
    let e = ledger.exposure(&Custodian::Holder(who.into()), t(at), t(at)).unwrap();
    e.items.into_iter().map(|x| x.item.tag).collect()
}

/// Both desks' item states, compared as the trust sees them.
fn agree(a: &Ledger, b: &Ledger) {
    assert_eq!(a.projection().unwrap(), b.projection().unwrap(), "the desks disagree");
    for desk in [a, b] {
        let report = desk.verify().unwrap();
        assert!(report.is_intact(), "{report:?}");
    }
}

/// The overdue report as of each moment (items changed since are replayed from every desk's
/// events in one query) lists what each item's own replay says was out then.
fn overdue_as_of_agrees_with_states(ledger: &Ledger, moments: &[&str]) {
    let tags: Vec<String> = ledger.items().unwrap().into_iter().map(|r| r.item.tag).collect();
    for at in moments {
        let listed = common::overdue_listed(ledger, t(at));
        assert_eq!(listed, common::overdue_by_state(ledger, &tags, t(at)), "as of {at}");
    }
}

#[test]
fn a_new_desk_made_by_joining_has_the_trusts_register_operators_and_states() {
    let mut a = setup();
    a.ledger.sign_out(&out(&["LT-0001"], "S001")).unwrap();
    a.ledger
        .add_operator("clerk", "Clerk", Role::Operator, "clerk-pin")
        .unwrap();
    let (_dir, _clock, b) = second_desk(&a.ledger);
    assert_eq!(b.person("S001").unwrap().name, "Sam Jones");
    assert!(!b.person("S003").unwrap().active);
    let state = b.state("LT-0001").unwrap();
    assert_eq!((state.status, state.holder.as_deref()), (Status::Out, Some("S001")));
    assert_eq!(state.last_desk.as_deref(), Some(a.ledger.desk_id()));
    assert!(b.operators().unwrap().iter().any(|o| o.id == "clerk"));
    // The same people sign in everywhere.
    let mut again = Ledger::open(b.path(), FixedClock::new(t("2026-11-20T10:05:00Z"))).unwrap();
    again.operator_sign_in("clerk", "clerk-pin", SignInAt::Desk).unwrap();
    // What the first desk holds of the new one, once it pulls: the new desk's sign-ins.
    let mut b = b;
    b.sign_in(&["LT-0001".into()], None, None).unwrap();
    let applied = pull(&mut a.ledger, &b);
    assert_eq!(applied.items, 1);
    assert_eq!(a.ledger.state("LT-0001").unwrap().status, Status::In);
    agree(&a.ledger, &b);
}

#[test]
fn register_changes_and_settings_from_any_desk_apply_everywhere_the_latest_winning() {
    let mut a = setup();
    let (_dir, b_clock, mut b) = second_desk(&a.ledger);
    let rename = |name: &str| ItemEdit {
        name: Some(name.into()),
        ..ItemEdit::default()
    };
    // Apart: the second desk renames the laptop at 12:00, the first at 12:05.
    b_clock.set(t("2026-11-20T12:00:00Z"));
    b.edit_item("LT-0002", &rename("Latitude (science)"), None).unwrap();
    b.set_idle_lock_minutes(7).unwrap();
    a.clock.set(t("2026-11-20T12:05:00Z"));
    a.ledger
        .edit_item("LT-0002", &rename("Latitude (library)"), None)
        .unwrap();
    pull(&mut a.ledger, &b);
    pull(&mut b, &a.ledger);
    for desk in [&a.ledger, &b] {
        assert_eq!(desk.item("LT-0002").unwrap().name, "Latitude (library)");
        assert_eq!(desk.idle_lock_minutes().unwrap(), 7);
        let changes = desk.item_records("LT-0002").unwrap();
        assert_eq!(changes.len(), 3, "registered, and renamed at each desk: {changes:?}");
    }
    agree(&a.ledger, &b);
}

#[test]
fn a_laptop_signed_out_at_two_desks_apart_is_a_conflict_until_a_correction_settles_it() {
    let TestDb {
        ledger: mut a,
        clock: a_clock,
        dir: _a_dir,
        ..
    } = setup();
    let (_dir, b_clock, mut b) = second_desk(&a);
    // Apart: Sam takes LT-0001 at the first desk at 11:00, Priya at the second at 11:30.
    a_clock.set(t("2026-11-20T11:00:00Z"));
    // Due tomorrow: the overdue report lists it as due soon.
    let due = |to: &str| SignOut {
        due: Some(t("2026-11-21T16:00:00Z")),
        ..out(&["LT-0001"], to)
    };
    let sams = a.sign_out(&due("S001")).unwrap();
    b_clock.set(t("2026-11-20T11:30:00Z"));
    b.sign_out(&due("S002")).unwrap();
    // Each desk thinks all is well until it hears from the other.
    assert!(!a.state("LT-0001").unwrap().conflict);
    pull(&mut a, &b);
    pull(&mut b, &a);
    for desk in [&a, &b] {
        let state = desk.state("LT-0001").unwrap();
        assert!(state.conflict, "{state:?}");
        assert_eq!(state.holder.as_deref(), Some("S002"), "the later record wins the state");
        let conflicts = desk.conflicts().unwrap();
        assert_eq!(conflicts.len(), 1);
        assert_eq!(conflicts[0].item.tag, "LT-0001");
        assert_eq!(conflicts[0].events.len(), 2, "{:?}", conflicts[0].events);
        assert_eq!(conflicts[0].refused.len(), 1);
        // Both are possibly exposed: the safe answer for a breach report.
        assert_eq!(exposed(desk, "S001", "2026-11-20T11:45:00Z"), vec!["LT-0001"]);
        assert_eq!(exposed(desk, "S002", "2026-11-20T11:45:00Z"), vec!["LT-0001"]);
    }
    agree(&a, &b);
    for desk in [&a, &b] {
        overdue_as_of_agrees_with_states(desk, &["2026-11-20T11:15:00Z", "2026-11-20T11:45:00Z"]);
    }

    // Priya brings it back to the second desk: Sam may still have had it, as far as the
    // record knows, until the conflict is settled.
    b_clock.set(t("2026-11-20T12:00:00Z"));
    b.sign_in(&["LT-0001".into()], None, None).unwrap();
    pull(&mut a, &b);
    assert_eq!(a.state("LT-0001").unwrap().status, Status::In);
    assert!(a.state("LT-0001").unwrap().conflict);
    assert_eq!(exposed(&a, "S001", "2026-11-20T13:00:00Z"), vec!["LT-0001"]);
    assert!(exposed(&a, "S002", "2026-11-20T13:00:00Z").is_empty());

    // A manager at the first desk finds Sam never took it (the wrong label was scanned): the
    // correction voids Sam's sign-out, though it is not the item's latest event.
    a_clock.set(t("2026-11-20T13:00:00Z"));
    a.correct(&sams[0].id.to_string(), "Wrong label scanned; Sam took LT-0002")
        .unwrap();
    pull(&mut b, &a);
    for desk in [&a, &b] {
        overdue_as_of_agrees_with_states(
            desk,
            &[
                "2026-11-20T10:30:00Z",
                "2026-11-20T11:15:00Z",
                "2026-11-20T11:45:00Z",
                "2026-11-20T12:30:00Z",
            ],
        );
        assert!(desk.conflicts().unwrap().is_empty());
        assert!(!desk.state("LT-0001").unwrap().conflict);
        assert!(exposed(desk, "S001", "2026-11-20T11:45:00Z").is_empty());
        assert_eq!(exposed(desk, "S002", "2026-11-20T11:45:00Z"), vec!["LT-0001"]);
    }
    agree(&a, &b);
}

#[test]
fn a_correction_may_void_another_desks_event() {
    let mut a = setup();
    let (_dir, _clock, mut b) = second_desk(&a.ledger);
    let priyas = b.sign_out(&out(&["LT-0003"], "S002")).unwrap();
    pull(&mut a.ledger, &b);
    assert_eq!(a.ledger.state("LT-0003").unwrap().status, Status::Out);
    a.ledger
        .correct(&priyas[0].id.to_string(), "Signed out at the wrong school")
        .unwrap();
    assert_eq!(a.ledger.state("LT-0003").unwrap().status, Status::In);
    pull(&mut b, &a.ledger);
    assert_eq!(b.state("LT-0003").unwrap().status, Status::In);
    agree(&a.ledger, &b);
}

/// A desk that received other desks' entries under schema 7 (kept as JSON, never applied): the
/// migration keeps them column by column with the same hashes, and the next opening applies them.
#[test]
fn entries_received_under_schema_7_are_kept_and_applied_after_the_migration() {
    let mut a = setup();
    a.ledger.sign_out(&out(&["LT-0001"], "S001")).unwrap();
    let served = common::as_served(&a.ledger, 0);
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("custody.db");
    {
        // A schema-7 file as that version made it: its migrations, then what it received.
        let conn = rusqlite::Connection::open(&path).unwrap();
        for step in [
            include_str!("../src/schema_v1.sql"),
            include_str!("../src/schema_v2.sql"),
            include_str!("../src/schema_v3.sql"),
            include_str!("../src/schema_v4.sql"),
            include_str!("../src/schema_v5.sql"),
            include_str!("../src/schema_v6.sql"),
            include_str!("../src/schema_v7.sql"),
        ] {
            conn.execute_batch(step).unwrap();
        }
        conn.execute(
            "INSERT INTO meta (key, value) VALUES ('desk', ?1), ('created_at', '2026-11-20T10:00:00+00:00')",
            [uuid::Uuid::now_v7().to_string()],
        )
        .unwrap();
        conn.execute_batch(&format!(
            "PRAGMA application_id = {}; PRAGMA user_version = 7;",
            custody_db::storage::APPLICATION_ID
        ))
        .unwrap();
        for e in &served {
            conn.execute(
                "INSERT INTO remote_entries (desk, seq, id, entry, kind, body, prev_hash, hash, received_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, 0)",
                rusqlite::params![
                    e.desk,
                    e.seq,
                    e.id.as_bytes().as_slice(),
                    e.entry,
                    e.kind,
                    e.body.to_string(),
                    e.prev_hash,
                    e.hash
                ],
            )
            .unwrap();
        }
    }
    let mut b = Ledger::open(&path, FixedClock::new(t("2026-11-20T11:00:00Z"))).unwrap();
    b.operator_sign_in("office", ADMIN_PASSWORD, SignInAt::CommandLine)
        .unwrap();
    let state = b.state("LT-0001").unwrap();
    assert_eq!((state.status, state.holder.as_deref()), (Status::Out, Some("S001")));
    assert_eq!(b.person("S002").unwrap().name, "Priya Patel");
    let report = b.verify().unwrap();
    assert!(report.is_intact(), "{report:?}");
    assert_eq!(
        report.remote_checked,
        served.len() as u64,
        "every entry, its hash the same"
    );
    // And the next entries of that desk continue its chain here.
    a.ledger.sign_in(&["LT-0001".into()], None, None).unwrap();
    pull(&mut b, &a.ledger);
    assert_eq!(b.state("LT-0001").unwrap().status, Status::In);
}

/// The workflows' records travel too: a disposal at one desk retires the item everywhere and is
/// in every desk's disposal register; a stocktake stays the desk's own (its number is).
#[test]
fn a_disposal_at_one_desk_is_known_at_every_desk_and_stocktakes_stay_each_desks() {
    let mut a = setup();
    let (_dir, _clock, mut b) = second_desk(&a.ledger);
    a.ledger
        .dispose(&custody_db::disposal::NewDisposal {
            tag: "LT-0003",
            method: custody_db::disposal::Method::CertifiedDestruction,
            reference: "CERT-77",
            witness: None,
            at: None,
        })
        .unwrap();
    a.ledger
        .start_stocktake(custody_db::stocktake::Scope::Premises)
        .unwrap();
    pull(&mut b, &a.ledger);
    assert_eq!(b.state("LT-0003").unwrap().status, Status::Retired);
    let register = b.disposals(t("2026-11-01T00:00:00Z"), b.now()).unwrap();
    assert_eq!(register.len(), 1);
    assert_eq!(register[0].reference, "CERT-77");
    let err = b.sign_out(&out(&["LT-0003"], "S001")).unwrap_err();
    assert!(err.to_string().contains("CERT-77"), "{err}");
    assert!(b.open_stocktakes().unwrap().is_empty(), "desk A's stocktake is A's");
    assert_eq!(
        b.start_stocktake(custody_db::stocktake::Scope::Premises).unwrap().id,
        "ST-1"
    );
    pull(&mut a.ledger, &b);
    assert_eq!(a.ledger.open_stocktakes().unwrap().len(), 1);
    agree(&a.ledger, &b);
}
