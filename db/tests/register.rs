//! The register on the record: every change to an item, person, container, setting or incident
//! is a record in the hash chain, the tables are its projection, and `verify` replays it.

#![allow(clippy::unwrap_used)]

mod common;

use chrono::Duration;
use common::{dump, setup, t};
use custody_db::record::RecordKind;
use custody_db::{ContainerKind, ItemEdit, Ledger, MIGRATION_REASON, SignOut};

fn tamper(path: &std::path::Path, sql: &str) {
    let conn = rusqlite::Connection::open(path).unwrap();
    conn.execute_batch(sql).unwrap();
}

#[test]
fn an_edit_is_a_record_with_old_and_new_values_and_verify_replays_it() {
    let mut db = setup();
    db.clock.advance(Duration::days(3));
    let edit = db
        .ledger
        .edit_item(
            "lt-0001",
            &ItemEdit {
                encrypted: Some(false),
                data_subjects: Some(45),
                ..ItemEdit::default()
            },
            Some("Audit found BitLocker off"),
        )
        .unwrap();
    let said: Vec<String> = edit.changes.iter().map(ToString::to_string).collect();
    assert_eq!(said, ["data subjects: 30 -> 45", "encrypted: yes -> no"]);
    let item = db.ledger.item("LT-0001").unwrap();
    assert!(!item.encrypted && item.data_subjects == 45);

    let records = db.ledger.item_records("LT-0001").unwrap();
    assert_eq!(records.len(), 2, "registered, then changed");
    assert_eq!(records[0].kind, RecordKind::ItemRegistered);
    assert_eq!(records[1].kind, RecordKind::ItemChanged);
    assert_eq!(records[1].reason.as_deref(), Some("Audit found BitLocker off"));
    assert_eq!(records[1].operator, "office");
    assert_eq!(records[1].summary(), "data subjects: 30 -> 45; encrypted: yes -> no");

    // The profile as it stood before the change, and after.
    let before = db
        .ledger
        .item_as_of("LT-0001", custody_db::time::to_millis(t("2026-11-21T10:00:00Z")))
        .unwrap();
    assert!(before.encrypted && before.data_subjects == 30);
    assert!(db.ledger.verify().unwrap().is_intact());
}

#[test]
fn an_edit_that_changes_nothing_writes_nothing() {
    let mut db = setup();
    let before = dump(&db.path);
    let edit = db
        .ledger
        .edit_item(
            "LT-0001",
            &ItemEdit {
                encrypted: Some(true),
                data_subjects: Some(30),
                ..ItemEdit::default()
            },
            None,
        )
        .unwrap();
    assert!(edit.changed_nothing());
    db.ledger.set_person_active("S001", true).unwrap();
    assert_eq!(dump(&db.path), before);
}

#[test]
fn refused_edits_write_nothing() {
    let mut db = setup();
    db.ledger
        .record("LT-0002", custody_db::EventKind::Retired, None, None)
        .unwrap();
    let before = dump(&db.path);
    let retired_kind = db
        .ledger
        .edit_item(
            "LT-0002",
            &ItemEdit {
                kind: Some(custody_db::ItemKind::Tablet),
                ..ItemEdit::default()
            },
            None,
        )
        .unwrap_err()
        .to_string();
    assert!(retired_kind.contains("LT-0002 is retired"), "{retired_kind}");
    let unknown = db.ledger.edit_item("LT-9999", &ItemEdit::default(), None).unwrap_err();
    assert!(unknown.to_string().contains("LT-9999"), "{unknown}");
    let blank = db
        .ledger
        .edit_item(
            "LT-0001",
            &ItemEdit {
                name: Some("  ".into()),
                ..ItemEdit::default()
            },
            None,
        )
        .unwrap_err();
    assert!(blank.to_string().contains("item name"), "{blank}");
    assert_eq!(dump(&db.path), before);
    // A retired item's profile can still be put right: it matters for what it carried then.
    let fixed = db
        .ledger
        .edit_item(
            "LT-0002",
            &ItemEdit {
                data_subjects: Some(31),
                ..ItemEdit::default()
            },
            None,
        )
        .unwrap();
    assert!(!fixed.changed_nothing());
}

#[test]
fn people_containers_settings_and_incidents_are_on_the_record() {
    let mut db = setup();
    db.ledger
        .add_container("BAG-01", ContainerKind::Bag, "Blue bag")
        .unwrap();
    let edit = db
        .ledger
        .edit_container("bag-01", None, Some("Blue laptop bag"), None)
        .unwrap();
    assert_eq!(edit.changes[0].to_string(), "name: Blue bag -> Blue laptop bag");
    db.ledger.set_person_active("S001", false).unwrap();
    db.ledger.set_person_active("S001", true).unwrap();
    let person = db.ledger.person_records("S001").unwrap();
    let said: Vec<String> = person.iter().map(|c| c.summary()).collect();
    assert!(said.contains(&"active: yes -> no".to_string()), "{said:?}");
    assert!(said.contains(&"active: no -> yes".to_string()), "{said:?}");
    db.ledger
        .set_rule_mode(custody_db::Rule::R4, custody_db::policy::Mode::Warn)
        .unwrap();
    assert!(db.ledger.verify().unwrap().is_intact());
    let conn = rusqlite::Connection::open(&db.path).unwrap();
    let kinds: Vec<String> = conn
        .prepare("SELECT DISTINCT kind FROM records ORDER BY kind")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    for kind in [
        "container-changed",
        "container-registered",
        "item-registered",
        "person-changed",
        "person-registered",
        "setting-changed",
    ] {
        assert!(kinds.contains(&kind.to_string()), "{kind} in {kinds:?}");
    }
}

/// A row of the register changed behind Custody's back: `verify` names the row and the field.
#[test]
fn verify_names_a_register_row_changed_behind_its_back() {
    let db = setup();
    tamper(&db.path, "UPDATE items SET encrypted = 0 WHERE tag = 'LT-0003'");
    let report = db.ledger.verify().unwrap();
    assert!(!report.is_intact());
    assert!(report.chain.is_none());
    let said = report.register_mismatches.join("\n");
    assert!(
        said.contains("item LT-0003: encrypted: the register says no, its records say yes"),
        "{said}"
    );

    let db = setup();
    tamper(
        &db.path,
        "INSERT INTO people (id, name, active, added_at) VALUES ('S099', 'Ghost', 1, 0);
         UPDATE settings SET value = 'block' WHERE key = 'x';",
    );
    let said = db.ledger.verify().unwrap().register_mismatches.join("\n");
    assert!(
        said.contains("person S099: is in the register, but no record registers it"),
        "{said}"
    );
}

/// The register's history itself changed (a record's body rewritten): the chain breaks there.
#[test]
fn verify_finds_a_record_changed_behind_its_back() {
    let db = setup();
    let conn = rusqlite::Connection::open(&db.path).unwrap();
    let seq: i64 = conn
        .query_row("SELECT seq FROM records WHERE subject = 'LT-0002'", [], |r| r.get(0))
        .unwrap();
    conn.execute_batch(&format!(
        "DROP TRIGGER records_are_never_updated;
         UPDATE records SET body = replace(body, '\"encrypted\":true', '\"encrypted\":false') WHERE seq = {seq};
         UPDATE items SET encrypted = 0 WHERE tag = 'LT-0002';"
    ))
    .unwrap();
    let report = db.ledger.verify().unwrap();
    let problem = report.chain.unwrap();
    assert_eq!(problem.seq, seq);
    assert!(problem.item.contains("LT-0002"), "{problem:?}");
    assert!(problem.what.contains("changed after it was recorded"), "{problem:?}");
}

/// A schema-4 database made by the release before (db/tests/fixtures/make-schema-4.sh) opens,
/// keeps every event and its hash, and has its register recorded by the migration.
#[test]
fn a_schema_4_database_migrates_keeping_every_event_and_recording_its_register() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("custody.db");
    std::fs::copy(
        concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/schema-4.db"),
        &path,
    )
    .unwrap();
    let events_before = events(&path);
    assert_eq!(events_before.len(), 6);
    let clock = custody_db::FixedClock::new(t("2026-10-01T09:00:00Z"));
    let ledger = common::signed_in(Ledger::open(&path, clock).unwrap());
    assert!(
        dir.path().join("custody.db.pre-v5").exists(),
        "the old file is kept aside"
    );
    assert_eq!(events(&path), events_before, "every event and its hash as it was");
    let report = ledger.verify().unwrap();
    assert!(report.is_intact(), "{report:?}");

    let item = ledger.item_records("LT-0001").unwrap();
    assert_eq!(item.len(), 1);
    assert_eq!(item[0].kind, RecordKind::ItemRegistered);
    assert_eq!(item[0].reason.as_deref(), Some(MIGRATION_REASON));
    assert_eq!(
        ledger.format_time(item[0].occurred_at),
        "01/09/2026 09:05",
        "dated by when it was added"
    );
    let sam = ledger.person_records("S001").unwrap();
    assert_eq!(sam.len(), 1);
    let at = custody_db::time::to_millis(t("2026-09-05T07:30:00Z"));
    assert!(ledger.person_as_of("S001", at).unwrap().home.agreement_signed.is_some());
    let incident = ledger.incident("INC-2026-0001").unwrap();
    assert_eq!(incident.notes.len(), 1);

    let conn = rusqlite::Connection::open(&path).unwrap();
    let count = |kind: &str| -> i64 {
        conn.query_row("SELECT count(*) FROM records WHERE kind = ?1", [kind], |r| r.get(0))
            .unwrap()
    };
    assert_eq!(count("item-registered"), 3);
    assert_eq!(count("person-registered"), 2);
    assert_eq!(count("container-registered"), 1);
    assert_eq!(
        count("setting-changed"),
        4,
        "two settings, the organisation and the time zone"
    );
    assert_eq!(count("incident-opened"), 1);
    assert_eq!(count("incident-noted"), 1);
    // The first record follows the last event in the chain.
    let first: i64 = conn
        .query_row("SELECT min(seq) FROM records", [], |r| r.get(0))
        .unwrap();
    assert_eq!(first, 7);
    drop(conn);

    // And it carries on: a change is recorded after the migrated register.
    let mut ledger = ledger;
    ledger
        .edit_item(
            "LT-0002",
            &ItemEdit {
                data_subjects: Some(210),
                ..ItemEdit::default()
            },
            None,
        )
        .unwrap();
    assert!(ledger.verify().unwrap().is_intact());
}

/// The same on a believable history: a demo database made by the release before.
#[test]
fn a_schema_4_demo_database_migrates_and_verifies() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("demo.db");
    std::fs::copy(
        concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/schema-4-demo.db"),
        &path,
    )
    .unwrap();
    let events_before = events(&path);
    let clock = custody_db::FixedClock::new(t("2026-10-01T09:00:00Z"));
    let ledger = common::signed_in(Ledger::open(&path, clock).unwrap());
    assert_eq!(events(&path), events_before, "every event and its hash as it was");
    let report = ledger.verify().unwrap();
    assert!(report.is_intact(), "{report:?}");
    assert_eq!(report.events_checked, events_before.len() as u64);
    assert_eq!(
        report.records_checked,
        40 + 12 + 2 + 1,
        "items, people, organisation and time zone, and the first administrator made after the upgrade"
    );
    assert_eq!(ledger.organisation().unwrap().as_deref(), Some("Demo Academy Trust"));
    assert_eq!(ledger.timezone(), chrono_tz::Europe::London);
    // Exposure still works on the migrated history, with each item as registered.
    let busiest = ledger.people().unwrap()[0].person.id.clone();
    let who = custody_db::Custodian::Holder(busiest);
    let exposure = ledger
        .exposure(&who, t("2026-08-01T00:00:00Z"), t("2026-09-30T16:00:00Z"))
        .unwrap();
    assert!(!exposure.items.is_empty());
    assert!(exposure.items.iter().all(|x| x.changed_later.is_empty()));
}

#[test]
fn the_demo_has_profile_changes_and_verifies() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("demo.db");
    let clock = custody_db::FixedClock::new(t("2026-11-20T10:00:00Z"));
    let ledger = common::demo(
        &path,
        clock,
        &custody_db::demo::DemoOptions {
            items: 300,
            people: 60,
            days: 365,
            seed: 7,
        },
    );
    let report = ledger.verify().unwrap();
    assert!(report.is_intact(), "{report:?}");
    let changes = ledger.register_changes(i64::MIN, i64::MAX).unwrap();
    let said: Vec<String> = changes
        .iter()
        .map(|c| format!("{} {}", c.subject, c.summary()))
        .collect();
    assert!(said.iter().any(|s| s.contains("encrypted: no -> yes")), "{said:?}");
    assert!(
        said.iter().any(|s| s.starts_with("PF-") && s.contains("data subjects")),
        "{said:?}"
    );
    assert!(said.iter().any(|s| s.contains("active: yes -> no")), "{said:?}");
}

fn events(path: &std::path::Path) -> Vec<(i64, Vec<u8>)> {
    let conn = rusqlite::Connection::open(path).unwrap();
    conn.prepare("SELECT seq, hash FROM events ORDER BY seq")
        .unwrap()
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
        .unwrap()
        .map(Result::unwrap)
        .collect()
}

/// The done-when of the register issue: a laptop marked encrypted after it was stolen shows as
/// not encrypted in the exposure and the incident for the theft, with the later change named.
#[test]
fn exposure_uses_the_profile_as_it_was_and_names_later_changes() {
    let mut db = setup();
    let unencrypted = ItemEdit {
        encrypted: Some(false),
        ..ItemEdit::default()
    };
    db.ledger.edit_item("LT-0001", &unencrypted, None).unwrap();
    db.ledger
        .sign_out(&SignOut {
            acknowledge_warnings: true,
            ..common::out(&["LT-0001"], "S001")
        })
        .unwrap();
    db.clock.advance(Duration::hours(2));
    let theft = db.ledger.now();
    db.ledger
        .open_incident(&custody_db::NewIncident {
            kind: custody_db::IncidentKind::Theft,
            who: custody_db::Custodian::Holder("S001".into()),
            occurred_at: theft,
            discovered_at: None,
            description: "Bag taken from a car".into(),
        })
        .unwrap();
    db.clock.advance(Duration::days(2));
    let encrypted = ItemEdit {
        encrypted: Some(true),
        data_subjects: Some(10),
        ..ItemEdit::default()
    };
    db.ledger
        .edit_item("LT-0001", &encrypted, Some("Told it had BitLocker after all"))
        .unwrap();

    let sam = custody_db::Custodian::Holder("S001".into());
    let exposure = db.ledger.exposure(&sam, theft, theft).unwrap();
    let laptop = &exposure.items[0];
    assert!(!laptop.item.encrypted, "as it was at the theft");
    assert_eq!(laptop.item.data_subjects, 30);
    assert_eq!(exposure.summary.devices_unencrypted, 1);
    let later = laptop.changed_later.join("; ");
    assert!(later.contains("encrypted: no -> yes on 22/11/2026 12:00"), "{later}");
    assert!(later.contains("data subjects: 30 -> 10"), "{later}");
    // The incident's snapshot was taken at the theft: it says the same.
    let incident = db.ledger.incident("INC-2026-0001").unwrap();
    assert!(!incident.exposure.items[0].item.encrypted);
    // Now, the register says what is true now.
    assert!(db.ledger.item("LT-0001").unwrap().encrypted);
}

/// Over a window, the most exposing profile the item had while held counts.
#[test]
fn over_a_window_the_most_exposing_profile_while_held_counts() {
    let mut db = setup();
    db.ledger
        .sign_out(&SignOut {
            acknowledge_warnings: true,
            ..common::out(&["LT-0002"], "S001")
        })
        .unwrap();
    let from = db.ledger.now();
    db.clock.advance(Duration::days(1));
    let more = ItemEdit {
        data_subjects: Some(300),
        ..ItemEdit::default()
    };
    db.ledger.edit_item("LT-0002", &more, None).unwrap();
    db.clock.advance(Duration::days(1));
    let fewer = ItemEdit {
        data_subjects: Some(5),
        ..ItemEdit::default()
    };
    db.ledger.edit_item("LT-0002", &fewer, None).unwrap();
    let to = db.ledger.now();
    let sam = custody_db::Custodian::Holder("S001".into());
    let window = db.ledger.exposure(&sam, from, to).unwrap();
    assert_eq!(window.items[0].item.data_subjects, 300);
    let start = db.ledger.exposure(&sam, from, from).unwrap();
    assert_eq!(start.items[0].item.data_subjects, 30);
    assert_eq!(start.items[0].changed_later.len(), 2);
}

/// The organisation's name and time zone change every label and every time shown: they are
/// settings on the record, and editing them behind Custody's back is caught.
#[test]
fn the_organisation_and_time_zone_are_on_the_record() {
    let db = setup();
    assert_eq!(db.ledger.organisation().unwrap().as_deref(), Some("Hillside School"));
    tamper(
        &db.path,
        "UPDATE settings SET value = 'America/New_York' WHERE key = 'timezone';
         UPDATE settings SET value = 'Elsewhere Academy' WHERE key = 'organisation';",
    );
    let said = db.ledger.verify().unwrap().register_mismatches.join("\n");
    assert!(
        said.contains("setting timezone: value: the register says America/New_York, its records say Europe/London"),
        "{said}"
    );
    assert!(
        said.contains("setting organisation: value: the register says Elsewhere Academy"),
        "{said}"
    );
}
