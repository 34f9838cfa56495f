//! Incidents (R9): opened from an exposure, marking what was still with the holder as stolen,
//! keeping the exposure as it was, and a timeline with the 72-hour ICO clock.

#![allow(clippy::unwrap_used)]

mod common;

use chrono::Duration;
use common::{dump, setup, t};
use custody_db::{Custodian, IncidentKind, NewIncident, SignOut, Status};

fn theft() -> NewIncident {
    NewIncident {
        kind: IncidentKind::Theft,
        who: Custodian::Holder("s001".into()),
        occurred_at: t("2026-11-19T19:00:00Z"),
        discovered_at: Some(t("2026-11-19T21:30:00Z")),
        description: "Car broken into outside home".into(),
    }
}

fn sam_has_two_laptops() -> common::TestDb {
    let mut db = setup();
    db.ledger
        .sign_out(&SignOut {
            items: vec!["LT-0001".into(), "LT-0002".into()],
            to: "S001".into(),
            at: Some(t("2026-11-19T08:00:00Z")),
            ..SignOut::default()
        })
        .unwrap();
    db
}

#[test]
fn opening_an_incident_marks_the_items_and_keeps_the_exposure() {
    let mut db = sam_has_two_laptops();
    let (incident, marked) = db.ledger.open_incident(&theft()).unwrap();
    assert_eq!(incident.id, "INC-2026-0001");
    assert_eq!(incident.holder.as_deref(), Some("S001"));
    assert_eq!(marked.len(), 2);
    assert_eq!(db.ledger.state("LT-0001").unwrap().status, Status::Stolen);
    assert_eq!(marked[0].occurred_at, t("2026-11-19T19:00:00Z").timestamp_millis());
    assert_eq!(incident.exposure.items.len(), 2);
    assert_eq!(incident.exposure.summary.data_subjects, 60);
    assert_eq!(
        incident.ico_deadline,
        t("2026-11-22T21:30:00Z").timestamp_millis(),
        "72 h from discovery"
    );
    assert!(db.ledger.verify().unwrap().is_intact());
    let (second, _) = db
        .ledger
        .open_incident(&NewIncident {
            kind: IncidentKind::Disclosure,
            ..theft()
        })
        .unwrap();
    assert_eq!(second.id, "INC-2026-0002");
}

#[test]
fn the_timeline_is_append_only_and_checked() {
    let mut db = sam_has_two_laptops();
    let (incident, _) = db.ledger.open_incident(&theft()).unwrap();
    db.clock.advance(Duration::minutes(5));
    db.ledger
        .add_incident_note(&incident.id, "dpo-notified", None, Some("Phoned J. Smith"))
        .unwrap();
    db.ledger
        .add_incident_note(&incident.id, "police-reference", None, Some("CAD 1234/19NOV"))
        .unwrap();
    let err = db
        .ledger
        .add_incident_note(&incident.id, "ico-not-reported", None, None)
        .unwrap_err();
    assert!(err.to_string().contains("needs its text"), "{err}");
    let err = db
        .ledger
        .add_incident_note(&incident.id, "told-the-head", None, None)
        .unwrap_err();
    assert!(err.to_string().contains("dpo-notified"), "{err}");
    let shown = db.ledger.incident("inc-2026-0001").unwrap();
    let kinds: Vec<&str> = shown.notes.iter().map(|n| n.kind.as_str()).collect();
    assert_eq!(kinds, vec!["dpo-notified", "police-reference"]);
    let conn = rusqlite::Connection::open(&db.path).unwrap();
    assert!(
        conn.execute("DELETE FROM incident_notes", [])
            .unwrap_err()
            .to_string()
            .contains("append-only")
    );
    assert!(
        conn.execute("UPDATE incidents SET description = 'x'", [])
            .unwrap_err()
            .to_string()
            .contains("append-only")
    );
}

#[test]
fn a_refused_incident_writes_nothing() {
    let mut db = sam_has_two_laptops();
    let before = dump(&db.path);
    for (bad, words) in [
        (
            NewIncident {
                description: " ".into(),
                ..theft()
            },
            "description is not acceptable",
        ),
        (
            NewIncident {
                discovered_at: Some(t("2026-11-19T18:00:00Z")),
                ..theft()
            },
            "before the incident happened",
        ),
        (
            NewIncident {
                occurred_at: t("2026-11-21T18:00:00Z"),
                ..theft()
            },
            "is in the future",
        ),
        (
            NewIncident {
                who: Custodian::Holder("S404".into()),
                ..theft()
            },
            "No person has the id S404",
        ),
    ] {
        let err = db.ledger.open_incident(&bad).unwrap_err().to_string();
        assert!(err.contains(words), "{err}");
        assert_eq!(dump(&db.path), before);
    }
}
