//! Exposure lookup: "what was in Sam's custody on Tuesday evening?", at a moment and over a
//! window, with transfers, returns just before, sign-outs just after, corrections and losses.

#![allow(clippy::unwrap_used)]

mod common;

use common::{setup, t};
use custody_db::{Custodian, EventKind, Item, ItemKind, SignOut};

fn out_at(db: &mut common::TestDb, tags: &[&str], to: &str, at: &str) {
    db.ledger
        .sign_out(&SignOut {
            items: tags.iter().map(|s| s.to_string()).collect(),
            to: to.into(),
            at: Some(t(at)),
            due: Some(t("2026-11-30T17:00:00Z")),
            acknowledge_warnings: true,
            ..SignOut::default()
        })
        .unwrap();
}

fn tags(e: &custody_db::Exposure) -> Vec<&str> {
    e.items.iter().map(|x| x.item.tag.as_str()).collect()
}

/// Tuesday 17 November 2026: LT-0001 out to Sam all week; LT-0002 returned at 17:59;
/// LT-0003 signed out to Sam at 20:01; a Chromebook handed from Priya to Sam at 18:30; a
/// safeguarding paper file out to Sam and then stolen at 19:00 (never found).
fn tuesday() -> common::TestDb {
    let mut db = setup();
    common::registered_earlier(&mut db, |ledger| {
        let mut file = Item::new("PF-0100", ItemKind::PaperFile, "Looked-after child review ref 2026-51");
        file.safeguarding = true;
        file.special_category = true;
        file.data_subjects = 1;
        ledger.add_item(&file).unwrap();
        ledger
            .add_item(&Item::new("CB-0001", ItemKind::Chromebook, "Chromebook"))
            .unwrap();
    });
    out_at(&mut db, &["LT-0001"], "S001", "2026-11-16T08:00:00Z");
    out_at(&mut db, &["LT-0002"], "S001", "2026-11-16T08:05:00Z");
    db.ledger
        .sign_in(&["LT-0002".into()], Some(t("2026-11-17T17:59:00Z")), None)
        .unwrap();
    out_at(&mut db, &["CB-0001"], "S002", "2026-11-17T09:00:00Z");
    db.ledger
        .transfer("CB-0001", "S001", Some(t("2026-11-17T18:30:00Z")), None)
        .unwrap();
    db.ledger
        .sign_out(&SignOut {
            items: vec!["PF-0100".into()],
            to: "S001".into(),
            at: Some(t("2026-11-17T12:00:00Z")),
            due: Some(t("2026-11-18T17:00:00Z")),
            reason: Some("Review meeting".into()),
            authoriser: Some("S002".into()),
            acknowledge_warnings: true,
            ..SignOut::default()
        })
        .unwrap();
    db.ledger
        .record(
            "PF-0100",
            EventKind::Stolen,
            Some(t("2026-11-17T19:00:00Z")),
            Some("Car broken into"),
        )
        .unwrap();
    out_at(&mut db, &["LT-0003"], "S001", "2026-11-17T20:01:00Z");
    db
}

#[test]
fn at_a_moment() {
    let db = tuesday();
    let sam = Custodian::Holder("s001".into());
    let e = db
        .ledger
        .exposure(&sam, t("2026-11-17T19:30:00Z"), t("2026-11-17T19:30:00Z"))
        .unwrap();
    // Returned at 17:59 (before) and signed out at 20:01 (after) are not there; the file stolen
    // at 19:00 was no longer in Sam's custody: it is named apart and not counted.
    assert_eq!(tags(&e), vec!["LT-0001", "CB-0001"]);
    assert_eq!(e.summary.paper_files, 0);
    assert_eq!(
        e.summary.devices_encrypted, 1,
        "LT-0001 is encrypted; the Chromebook is not"
    );
    assert_eq!(e.summary.devices_unencrypted, 1);
    assert_eq!(
        e.summary.data_subjects, 30,
        "the stolen file's subject is not this moment's"
    );
    assert!(!e.summary.alert_safeguarding_lead);
    assert!(e.custodian.contains("Sam Jones"));
    let [missing] = e.missing_earlier.as_slice() else {
        panic!("one item missing earlier: {:?}", e.missing_earlier)
    };
    assert_eq!(
        (missing.item.tag.as_str(), missing.how.as_str(), missing.missing_since),
        (
            "PF-0100",
            "stolen",
            custody_db::time::to_millis(t("2026-11-17T19:00:00Z"))
        )
    );
    assert_eq!(missing.incident, None, "no incident was opened for it");

    // At the moment of the theft it was still theirs: it is in the items, ended by the theft.
    let then = db
        .ledger
        .exposure(&sam, t("2026-11-17T19:00:00Z"), t("2026-11-17T19:00:00Z"))
        .unwrap();
    assert_eq!(tags(&then), vec!["LT-0001", "PF-0100", "CB-0001"]);
    let file = &then.items[1];
    assert_eq!(
        (file.held_until, file.ended_by.as_str()),
        (Some(custody_db::time::to_millis(t("2026-11-17T19:00:00Z"))), "stolen")
    );
    assert!(then.missing_earlier.is_empty());
    assert!(then.summary.alert_safeguarding_lead);
    assert_eq!(then.summary.data_subjects, 31);
}

#[test]
fn over_a_window() {
    let db = tuesday();
    let sam = Custodian::Holder("S001".into());
    let evening = db
        .ledger
        .exposure(&sam, t("2026-11-17T17:00:00Z"), t("2026-11-17T23:00:00Z"))
        .unwrap();
    assert_eq!(
        tags(&evening),
        vec!["LT-0001", "LT-0002", "PF-0100", "CB-0001", "LT-0003"]
    );
    let returned = &evening.items[1];
    assert_eq!(returned.ended_by, "signed in");
    // Stolen during the window: held for part of it, until the theft.
    let stolen = &evening.items[2];
    assert_eq!(
        (stolen.held_until, stolen.ended_by.as_str()),
        (Some(custody_db::time::to_millis(t("2026-11-17T19:00:00Z"))), "stolen")
    );
    assert!(evening.missing_earlier.is_empty(), "it went missing inside the window");
    assert_eq!(evening.summary.paper_files, 1);
    let priya = Custodian::Holder("S002".into());
    let hers = db
        .ledger
        .exposure(&priya, t("2026-11-17T17:00:00Z"), t("2026-11-17T23:00:00Z"))
        .unwrap();
    assert_eq!(tags(&hers), vec!["CB-0001"]);
    assert_eq!(hers.items[0].ended_by, "transferred to S001");
    let monday = db
        .ledger
        .exposure(&sam, t("2026-11-15T00:00:00Z"), t("2026-11-15T23:00:00Z"))
        .unwrap();
    assert!(monday.items.is_empty(), "nothing before the first sign-out");
}

#[test]
fn corrections_are_shown_and_applied() {
    let mut db = tuesday();
    // A sign-in of LT-0001 recorded by mistake, then corrected: the laptop stayed with Sam.
    let wrong = db
        .ledger
        .sign_in(&["LT-0001".into()], Some(t("2026-11-18T09:00:00Z")), None)
        .unwrap();
    db.ledger
        .correct(&wrong[0].event.id.to_string(), "Scanned the wrong laptop")
        .unwrap();
    let sam = Custodian::Holder("S001".into());
    let e = db
        .ledger
        .exposure(&sam, t("2026-11-18T12:00:00Z"), t("2026-11-18T12:00:00Z"))
        .unwrap();
    let laptop = e.items.iter().find(|x| x.item.tag == "LT-0001").unwrap();
    assert_eq!(laptop.held_until, None, "still held: the sign-in was voided");
    assert_eq!(laptop.corrections.len(), 1);
    assert!(
        laptop.corrections[0].contains("signed in from Sam Jones")
            && laptop.corrections[0].contains("Scanned the wrong laptop")
    );
}

#[test]
fn a_found_item_is_theirs_again_only_by_a_new_sign_out() {
    let mut db = setup();
    out_at(&mut db, &["LT-0001"], "S001", "2026-11-10T08:00:00Z");
    db.ledger
        .record("LT-0001", EventKind::Lost, Some(t("2026-11-11T08:00:00Z")), None)
        .unwrap();
    db.ledger
        .record("LT-0001", EventKind::Found, Some(t("2026-11-13T08:00:00Z")), None)
        .unwrap();
    let sam = Custodian::Holder("S001".into());
    let at = |db: &common::TestDb, when: &str| db.ledger.exposure(&sam, t(when), t(when)).unwrap();
    // While lost: not in Sam's custody, named as missing since the loss.
    let during = at(&db, "2026-11-12T00:00:00Z");
    assert!(during.items.is_empty(), "{:?}", tags(&during));
    assert_eq!(during.missing_earlier.len(), 1);
    assert_eq!(during.missing_earlier[0].how, "lost, found later");
    // Found: no longer missing, and not Sam's either.
    let found = at(&db, "2026-11-14T00:00:00Z");
    assert!(found.items.is_empty() && found.missing_earlier.is_empty());
    // Signed out to Sam again: theirs from that sign-out.
    out_at(&mut db, &["LT-0001"], "S001", "2026-11-15T08:00:00Z");
    let again = at(&db, "2026-11-16T00:00:00Z");
    assert_eq!(tags(&again), vec!["LT-0001"]);
    assert_eq!(
        again.items[0].held_from,
        custody_db::time::to_millis(t("2026-11-15T08:00:00Z"))
    );
    assert!(again.missing_earlier.is_empty());
}

/// Emily lost a laptop in May and was never given it back; in October her bag is stolen with
/// another laptop in it. The October breach counts only the October laptop; the May one is
/// named, with the incident that covers it, and not marked again.
#[test]
fn a_breach_counts_only_what_was_held_then() {
    use custody_db::{IncidentKind, NewIncident};
    let mut db = setup();
    let of_sam = |kind, at: &str, description: &str| NewIncident {
        kind,
        who: Custodian::Holder("S001".into()),
        occurred_at: t(at),
        discovered_at: None,
        description: description.into(),
    };
    out_at(&mut db, &["LT-0001"], "S001", "2026-11-02T08:00:00Z");
    let may = of_sam(IncidentKind::Loss, "2026-11-03T18:00:00Z", "Left on a train");
    let (first, marked) = db.ledger.open_incident(&may).unwrap();
    assert_eq!(marked.len(), 1, "LT-0001 recorded lost by the first incident");
    out_at(&mut db, &["LT-0002"], "S001", "2026-11-16T08:00:00Z");
    let october = of_sam(IncidentKind::Theft, "2026-11-17T19:00:00Z", "Bag stolen from a car");
    let (second, marked) = db.ledger.open_incident(&october).unwrap();
    let marked: Vec<&str> = marked.iter().map(|e| e.item.as_str()).collect();
    assert_eq!(marked, vec!["LT-0002"], "the laptop lost earlier is not recorded again");
    assert_eq!(tags(&second.exposure), vec!["LT-0002"]);
    assert_eq!(
        second.exposure.summary.data_subjects,
        u64::from(second.exposure.items[0].item.data_subjects),
        "only the laptop in the bag counts"
    );
    let missing = &second.exposure.missing_earlier;
    assert_eq!(missing.len(), 1);
    assert_eq!(missing[0].item.tag, "LT-0001");
    assert_eq!(missing[0].incident.as_deref(), Some(first.id.as_str()));
    let context = &second.notes.last().unwrap().text;
    assert!(
        context
            .as_deref()
            .is_some_and(|c| c.contains("LT-0001") && c.contains(&first.id)),
        "the timeline names what was already missing: {:?}",
        second.notes
    );
}

#[test]
fn a_bag_stolen_earlier_is_named_not_counted() {
    let mut db = setup();
    db.ledger
        .add_container("BAG-1", custody_db::ContainerKind::Bag, "Red sealed bag")
        .unwrap();
    db.ledger
        .sign_out(&SignOut {
            items: vec!["LT-0001".into()],
            to: "S001".into(),
            container: Some("BAG-1".into()),
            at: Some(t("2026-11-19T08:00:00Z")),
            acknowledge_warnings: true,
            ..SignOut::default()
        })
        .unwrap();
    db.ledger
        .record("LT-0001", EventKind::Stolen, Some(t("2026-11-19T10:00:00Z")), None)
        .unwrap();
    let bag = Custodian::Container("BAG-1".into());
    let e = db
        .ledger
        .exposure(&bag, t("2026-11-19T12:00:00Z"), t("2026-11-19T12:00:00Z"))
        .unwrap();
    assert!(e.items.is_empty(), "{:?}", tags(&e));
    assert_eq!(e.missing_earlier.len(), 1);
    assert_eq!(e.missing_earlier[0].how, "stolen");
}

#[test]
fn a_bag_and_what_was_in_it() {
    let mut db = setup();
    db.ledger
        .add_container("BAG-1", custody_db::ContainerKind::Bag, "Red sealed bag")
        .unwrap();
    db.ledger
        .sign_out(&SignOut {
            items: vec!["LT-0001".into(), "LT-0002".into()],
            to: "S001".into(),
            container: Some("BAG-1".into()),
            at: Some(t("2026-11-19T08:00:00Z")),
            acknowledge_warnings: true,
            ..SignOut::default()
        })
        .unwrap();
    let bag = Custodian::Container("bag-1".into());
    let e = db
        .ledger
        .exposure(&bag, t("2026-11-19T12:00:00Z"), t("2026-11-19T12:00:00Z"))
        .unwrap();
    assert_eq!(tags(&e), vec!["LT-0001", "LT-0002"]);
    assert!(e.custodian.contains("Red sealed bag"));
}
