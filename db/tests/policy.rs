//! Rules R1–R7 and R13 at sign-out, through the real ledger: what blocks, what warns, what the messages
//! say, that a refusal writes nothing, and that acknowledged warnings are kept on the event.

#![allow(clippy::unwrap_used)]

mod common;

use chrono::{Duration, NaiveDate};
use common::{TestDb, dump, in_order, out, setup};
use custody_db::policy::Mode;
use custody_db::{ContainerKind, Error, HomeWorking, Item, ItemKind, SignOut};

fn day(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
}

/// The rules that `policy::check` finds for these items and holder on 2026-11-20, with no
/// reason, authoriser or container (the pure function, without a ledger).
fn rules_for(items: &[Item], home: HomeWorking, facts: &custody_db::policy::Facts) -> Vec<custody_db::Rule> {
    let holder = custody_db::Person {
        id: "S1".into(),
        name: "Person S1".into(),
        email: None,
        active: true,
        home,
    };
    let p = custody_db::policy::Proposal {
        items,
        holder: &holder,
        reason: None,
        authoriser: None,
        container: None,
        day: day("2026-11-20"),
    };
    custody_db::policy::check(&p, facts, &custody_db::policy::Settings::default())
        .into_iter()
        .map(|f| f.rule)
        .collect()
}

#[test]
fn a_clean_sign_out_meets_no_rule() {
    let mut laptop = Item::new("LT-1", ItemKind::Laptop, "x");
    laptop.encrypted = true;
    laptop.data_subjects = 20;
    assert!(rules_for(&[laptop], in_order(), &Default::default()).is_empty());
}

#[test]
fn r7_training_runs_out_after_twelve_months() {
    let mut home = in_order();
    home.training = Some(day("2025-11-20"));
    let laptop = Item::new("LT-1", ItemKind::Laptop, "x");
    let facts = Default::default();
    assert!(rules_for(std::slice::from_ref(&laptop), home.clone(), &facts).is_empty());
    home.training = Some(day("2025-11-19"));
    assert_eq!(rules_for(&[laptop], home, &facts), vec![custody_db::Rule::R7]);
}

/// The sign-out is refused, naming `rule` (exit code 3 in the CLI), and nothing is written.
fn refused(db: &mut TestDb, req: &SignOut, rule: &str, words: &str) -> Error {
    let before = dump(&db.path);
    let err = db.ledger.sign_out(req).unwrap_err();
    let msg = err.to_string();
    assert_eq!(err.rule().map(custody_db::Rule::id), Some(rule), "{msg}");
    assert!(msg.contains(&format!("{rule}: ")), "the message names {rule}: {msg}");
    assert!(msg.contains(words), "{msg:?} should contain {words:?}");
    assert_eq!(dump(&db.path), before, "a refused sign-out writes nothing");
    err
}

/// The sign-out needs `rule`'s warning acknowledged, and goes ahead once it is.
fn warns(db: &mut TestDb, req: &SignOut, rule: &str, words: &str) {
    let err = refused(db, req, rule, words);
    assert!(matches!(err, Error::NeedsAcknowledgement { .. }), "{err}");
    let mut ack = req.clone();
    ack.acknowledge_warnings = true;
    let events = db.ledger.sign_out(&ack).unwrap();
    let recorded = events[0].warnings.as_deref().unwrap();
    assert!(
        recorded.contains(&format!("{rule}: ")) && recorded.contains(words),
        "{recorded}"
    );
}

fn laptop(db: &mut TestDb, tag: &str, subjects: u32, encrypted: bool) {
    let mut item = Item::new(tag, ItemKind::Laptop, "Dell Latitude 5440");
    item.data_subjects = subjects;
    item.encrypted = encrypted;
    db.ledger.add_item(&item).unwrap();
}

#[test]
fn r1_paper_needs_a_reason_and_an_authoriser_who_is_not_the_holder() {
    let mut db = setup();
    let mut req = out(&["PF-0001"], "S001");
    refused(
        &mut db,
        &req,
        "R1",
        "PF-0001 is a paper file; paper should not leave. An exceptional removal needs a reason and a named authoriser, a manager:",
    );
    req.authoriser = Some("S002".into());
    refused(&mut db, &req, "R1", "An exceptional removal needs a reason.");
    req.authoriser = None;
    req.reason = Some("Review meeting at home".into());
    refused(
        &mut db,
        &req,
        "R1",
        "needs a named authoriser, a manager: someone on the people register whose id is also an active operator's with the manager, DPO or administrator role, not the holder",
    );
    req.authoriser = Some("S001".into());
    refused(&mut db, &req, "R1", "needs an authoriser other than the holder");
    req.authoriser = Some("S003".into());
    refused(&mut db, &req, "R1", "Tom Left is no longer active");
    // On the people register but not an operator: not a manager, and how to make them one.
    db.ledger.add_person("S004", "Ann Teacher", None).unwrap();
    req.authoriser = Some("S004".into());
    refused(
        &mut db,
        &req,
        "R1",
        "Ann Teacher (S004) is not an operator (an administrator can add them as one, with the same id and the manager's role)",
    );
    // An operator without the role, and a manager no longer active.
    db.ledger
        .add_operator("S004", "Ann Teacher", custody_db::Role::Operator, "ann-pin-1")
        .unwrap();
    refused(&mut db, &req, "R1", "Ann Teacher is an operator without that role");
    db.ledger.set_operator_role("S004", custody_db::Role::Manager).unwrap();
    db.ledger.set_operator_active("S004", false).unwrap();
    refused(&mut db, &req, "R1", "Ann Teacher is no longer an active operator");
    // An operator who is not on the people register cannot be recorded as the authoriser.
    db.ledger
        .add_operator("head", "The Head", custody_db::Role::Admin, "head-pin-1")
        .unwrap();
    req.authoriser = Some("head".into());
    let err = db.ledger.sign_out(&req).unwrap_err().to_string();
    assert!(
        err.contains("HEAD is not on the people register")
            && err.contains("add them to the people register with their operator id"),
        "{err}"
    );
    // The office manager: on the register and an operator with the manager's role.
    req.authoriser = Some("S002".into());
    let events = db.ledger.sign_out(&req).unwrap();
    assert_eq!(events[0].authoriser.as_deref(), Some("S002"));
    assert_eq!(events[0].reason.as_deref(), Some("Review meeting at home"));
}

#[test]
fn r2_removable_media_is_refused() {
    let mut db = setup();
    refused(
        &mut db,
        &out(&["RM-0001"], "S001"),
        "R2",
        "RM-0001 is removable media, which may not be signed out",
    );
}

#[test]
fn r3_paper_and_a_device_together_warns() {
    let mut db = setup();
    let mut req = out(&["PF-0001", "LT-0001"], "S001");
    req.reason = Some("Home visit".into());
    req.authoriser = Some("S002".into());
    warns(&mut db, &req, "R3", "paper and a device are going out together");
}

#[test]
fn r3_also_when_the_holder_already_holds_the_other_kind() {
    let mut db = setup();
    db.ledger.sign_out(&out(&["LT-0001"], "S001")).unwrap();
    let mut req = out(&["PF-0001"], "S001");
    req.reason = Some("Home visit".into());
    req.authoriser = Some("S002".into());
    warns(&mut db, &req, "R3", "Sam Jones already holds a device");
}

#[test]
fn r3_also_when_the_container_already_carries_the_other_kind() {
    let mut db = setup();
    db.ledger
        .add_container("BAG-1", ContainerKind::Bag, "Red sealed bag")
        .unwrap();
    let mut first = out(&["LT-0001"], "S002");
    first.container = Some("BAG-1".into());
    db.ledger.sign_out(&first).unwrap();
    let mut req = out(&["PF-0001"], "S001");
    req.reason = Some("Home visit".into());
    req.authoriser = Some("S002".into());
    req.container = Some("bag-1".into());
    warns(&mut db, &req, "R3", "BAG-1 already carries a device");
}

#[test]
fn r4_an_unencrypted_device_with_personal_data_warns() {
    let mut db = setup();
    laptop(&mut db, "LT-0100", 40, false);
    warns(
        &mut db,
        &out(&["LT-0100"], "S001"),
        "R4",
        "LT-0100 holds personal data but is not recorded as encrypted",
    );
    // No personal data, no warning.
    laptop(&mut db, "LT-0101", 0, false);
    db.ledger.sign_out(&out(&["LT-0101"], "S001")).unwrap();
}

#[test]
fn r4_settings_can_make_it_block() {
    let mut db = setup();
    laptop(&mut db, "LT-0100", 40, false);
    db.ledger.set_rule_mode(custody_db::Rule::R4, Mode::Block).unwrap();
    let err = refused(&mut db, &out(&["LT-0100"], "S001"), "R4", "not recorded as encrypted");
    assert!(matches!(err, Error::PolicyRefused { .. }));
    let mut ack = out(&["LT-0100"], "S001");
    ack.acknowledge_warnings = true;
    refused(&mut db, &ack, "R4", "not recorded as encrypted");
    db.ledger.set_rule_mode(custody_db::Rule::R4, Mode::Warn).unwrap();
    db.ledger.sign_out(&ack).unwrap();
}

/// Sam Weekly (S020) takes a laptop with 120 pupils' data home once a week: occasions 1–5 need nothing; from
/// the 6th a current risk assessment is required.
fn r5_occasions(db: &mut TestDb, home: HomeWorking, count: usize) -> Vec<Result<(), Error>> {
    laptop(db, "LT-0200", 120, true);
    db.ledger.add_person("S020", "Sam Weekly", None).unwrap();
    db.ledger.update_home_working("S020", &home).unwrap();
    let mut results = Vec::new();
    for _ in 0..count {
        results.push(db.ledger.sign_out(&out(&["LT-0200"], "S020")).map(drop));
        db.clock.advance(Duration::hours(8));
        if db.ledger.state("LT-0200").unwrap().holder.is_some() {
            db.ledger.sign_in(&["LT-0200".to_string()], None, None).unwrap();
        }
        db.clock.advance(Duration::days(7) - Duration::hours(8));
    }
    results
}

#[test]
fn r5_from_the_sixth_occasion_a_risk_assessment_is_required() {
    let mut db = setup();
    let no_assessment = HomeWorking {
        assessment_done: None,
        assessment_review: None,
        ..in_order()
    };
    let results = r5_occasions(&mut db, no_assessment, 7);
    for (n, r) in results.iter().enumerate().take(5) {
        assert!(r.is_ok(), "occasion {}: {r:?}", n + 1);
    }
    for (n, r) in results.iter().enumerate().skip(5) {
        let msg = r.as_ref().unwrap_err().to_string();
        assert!(msg.starts_with("Refused by R5"), "occasion {}: {msg}", n + 1);
        // A refused sign-out is not an occasion: the 7th attempt is still occasion 6.
        assert!(msg.contains("occasion 6 "), "attempt {}: {msg}", n + 1);
        assert!(msg.contains("there is none on record"), "{msg}");
    }
}

#[test]
fn r5_a_current_assessment_allows_the_sixth_and_seventh() {
    let mut db = setup();
    assert!(r5_occasions(&mut db, in_order(), 6).iter().all(Result::is_ok));
    // Then the assessment lapses: the 7th occasion is refused.
    let lapsed = HomeWorking {
        assessment_done: Some(day("2025-01-01")),
        assessment_review: Some(day("2025-12-31")),
        ..in_order()
    };
    db.ledger.update_home_working("S020", &lapsed).unwrap();
    let err = db.ledger.sign_out(&out(&["LT-0200"], "S020")).unwrap_err().to_string();
    assert!(
        err.contains("occasion 7 ") && err.contains("due for review on 31/12/2025"),
        "{err}"
    );
}

#[test]
fn r5_an_expired_assessment_does_not_count() {
    let mut db = setup();
    let expired = HomeWorking {
        assessment_done: Some(day("2025-06-01")),
        assessment_review: Some(day("2026-06-01")),
        ..in_order()
    };
    let results = r5_occasions(&mut db, expired, 6);
    let msg = results[5].as_ref().unwrap_err().to_string();
    assert!(
        msg.contains("R5") && msg.contains("was due for review on 01/06/2026"),
        "{msg}"
    );
}

/// Leaves the person with no risk assessment at all (`set` replaces the whole record;
/// `update` would keep the old dates).
fn without_assessment(db: &mut TestDb, id: &str) {
    let record = HomeWorking {
        assessment_done: None,
        assessment_review: None,
        assessment_ref: None,
        ..in_order()
    };
    db.ledger.set_home_working(id, &record).unwrap();
}

#[test]
fn r5_does_not_apply_to_items_without_sensitive_data() {
    let mut db = setup();
    without_assessment(&mut db, "S001");
    for _ in 0..7 {
        db.ledger.sign_out(&out(&["LT-0001"], "S001")).unwrap();
        db.clock.advance(Duration::days(1));
        db.ledger.sign_in(&["LT-0001".to_string()], None, None).unwrap();
    }
}

#[test]
fn r6_a_missing_or_lapsed_agreement_warns() {
    let mut db = setup();
    db.ledger.add_person("S010", "Ann Other", None).unwrap();
    db.ledger
        .update_home_working(
            "S010",
            &HomeWorking {
                agreement_signed: None,
                agreement_review: None,
                ..in_order()
            },
        )
        .unwrap();
    warns(
        &mut db,
        &out(&["LT-0001"], "S010"),
        "R6",
        "Ann Other has no home-working agreement on record",
    );
    db.ledger
        .update_home_working(
            "S001",
            &HomeWorking {
                agreement_review: Some(day("2026-11-01")),
                ..in_order()
            },
        )
        .unwrap();
    warns(
        &mut db,
        &out(&["LT-0002"], "S001"),
        "R6",
        "Sam Jones's home-working agreement was due for review on 01/11/2026",
    );
}

#[test]
fn r7_training_older_than_twelve_months_warns() {
    let mut db = setup();
    db.ledger
        .update_home_working(
            "S001",
            &HomeWorking {
                training: Some(day("2025-10-01")),
                ..in_order()
            },
        )
        .unwrap();
    warns(
        &mut db,
        &out(&["LT-0001"], "S001"),
        "R7",
        "last completed information-governance training on 2025-10-01",
    );
}

#[test]
fn warnings_are_kept_on_the_event_and_in_the_hash_chain() {
    let mut db = setup();
    db.ledger.add_person("S011", "New Starter", None).unwrap();
    let mut req = out(&["LT-0001", "LT-0002"], "S011");
    let preview = db.ledger.check_sign_out(&req).unwrap();
    let rules: Vec<&str> = preview.iter().map(|f| f.rule.id()).collect();
    assert_eq!(rules, vec!["R6", "R7"], "the desk can show them before confirming");
    req.acknowledge_warnings = true;
    let events = db.ledger.sign_out(&req).unwrap();
    for e in &events {
        let w = e.warnings.as_deref().unwrap();
        assert_eq!(w.lines().count(), 2);
        assert!(w.starts_with("R6: New Starter has no home-working agreement"), "{w}");
    }
    let stored = db.ledger.item_events("LT-0002").unwrap();
    assert_eq!(stored[0].warnings, events[1].warnings);
    assert!(db.ledger.verify().unwrap().is_intact());
}

#[test]
fn blocks_are_listed_with_the_warnings_that_would_follow() {
    let mut db = setup();
    db.ledger.add_person("S012", "Another Starter", None).unwrap();
    let err = refused(&mut db, &out(&["RM-0001"], "S012"), "R2", "removable media");
    let msg = err.to_string();
    assert!(msg.contains("Also to mention (R6, R7)"), "{msg}");
}

#[test]
fn the_register_refuses_impossible_dates() {
    let mut db = setup();
    let err = db
        .ledger
        .update_home_working(
            "S001",
            &HomeWorking {
                training: Some(day("2027-01-01")),
                ..HomeWorking::default()
            },
        )
        .unwrap_err();
    assert!(
        err.to_string().contains("training date 01/01/2027 is in the future"),
        "{err}"
    );
    let err = db
        .ledger
        .update_home_working(
            "S001",
            &HomeWorking {
                agreement_signed: Some(day("2026-05-01")),
                agreement_review: Some(day("2026-04-01")),
                ..HomeWorking::default()
            },
        )
        .unwrap_err();
    assert!(
        err.to_string().contains("review date 01/04/2026 is before it was done"),
        "{err}"
    );
}

#[test]
fn r5_counts_anonymised_data_whose_technique_is_not_approved() {
    let mut db = setup();
    without_assessment(&mut db, "S001");
    let mut item = custody_db::Item::new("LT-0300", custody_db::ItemKind::Laptop, "Research extract laptop");
    item.encrypted = true;
    item.anonymised_unapproved = true;
    db.ledger.add_item(&item).unwrap();
    assert!(custody_db::policy::r5_applies(&item));
    let mut results = Vec::new();
    for _ in 0..6 {
        results.push(db.ledger.sign_out(&out(&["LT-0300"], "S001")).map(drop));
        db.clock.advance(Duration::hours(4));
        if db.ledger.state("LT-0300").unwrap().holder.is_some() {
            db.ledger.sign_in(&["LT-0300".to_string()], None, None).unwrap();
        }
        db.clock.advance(Duration::days(2));
    }
    assert!(results[..5].iter().all(Result::is_ok), "{results:?}");
    let msg = results[5].as_ref().unwrap_err().to_string();
    assert!(msg.starts_with("Refused by R5") && msg.contains("occasion 6 "), "{msg}");
}

/// R13: someone who still has something overdue is reminded at their next sign-out (a warning
/// by default, kept on the event once acknowledged), and it can be made to block.
#[test]
fn r13_someone_with_something_overdue_is_reminded() {
    let mut db = setup();
    let mut first = out(&["LT-0001"], "S001");
    first.at = Some(common::t("2026-11-09T09:00:00Z"));
    first.due = Some(common::t("2026-11-13T17:00:00Z"));
    db.ledger.sign_out(&first).unwrap();
    let next = out(&["LT-0002"], "S001");
    warns(
        &mut db,
        &next,
        "R13",
        "Sam Jones still has LT-0001, due back 13/11/2026 17:00. Ask for it back",
    );
    db.ledger.sign_in(&["LT-0002".to_string()], None, None).unwrap();
    let mut older = out(&["LT-0003"], "S001");
    older.at = Some(common::t("2026-11-10T09:00:00Z"));
    older.due = Some(common::t("2026-11-11T17:00:00Z"));
    older.acknowledge_warnings = true;
    db.ledger.sign_out(&older).unwrap();
    db.ledger.set_rule_mode(custody_db::Rule::R13, Mode::Block).unwrap();
    refused(
        &mut db,
        &next,
        "R13",
        "still has 2 overdue items (LT-0003, due back 11/11/2026 17:00, the longest overdue). Ask for them back",
    );
    // Someone else, with nothing overdue, is not reminded of Sam's.
    db.ledger.sign_out(&out(&["LT-0002"], "S002")).unwrap();
}
