//! The workflows of R10 and R11 on a real database: a stocktake (started, counted, finished,
//! read back after a restart, the refusals that write nothing), spot checks and disposals.

#![allow(clippy::unwrap_used)]

mod common;

use chrono::Duration;
use common::{dump, out, setup, t};
use custody_db::disposal::{Method, NewDisposal};
use custody_db::spot_check::{CheckOutcome, Population, SampleSize, SpotCheck};
use custody_db::stocktake::{Offer, Outcome, Scope, Seen};
use custody_db::{ContainerKind, Error, EventKind, Ledger, Status};

#[test]
fn a_stocktake_counts_what_is_there_against_the_record() {
    let mut db = setup();
    let l = &mut db.ledger;
    l.sign_out(&out(&["LT-0002"], "S001")).unwrap();
    l.record("RM-0001", EventKind::Lost, None, None).unwrap();

    let st = l.start_stocktake(Scope::Premises).unwrap();
    assert_eq!(st.id, "ST-1");
    // What the record says is here: LT-0001, LT-0003 and the paper file.
    assert_eq!(st.expected, ["LT-0001", "LT-0003", "PF-0001"]);

    let (seen, st) = l.stocktake_scan(None, "lt-0001").unwrap();
    assert_eq!(seen, Seen::Expected);
    assert_eq!((st.found(), st.still_expected()), (1, 2));
    // A camera sees the same code again and again: counted once, nothing more written.
    let before = dump(&db.path);
    let (seen, _) = db.ledger.stocktake_scan(None, "LT-0001").unwrap();
    assert!(matches!(seen, Seen::AlreadySeen { .. }), "{seen:?}");
    assert_eq!(dump(&db.path), before);

    let l = &mut db.ledger;
    let (seen, _) = l.stocktake_scan(None, "LT-0002").unwrap();
    match seen {
        Seen::Unexpected { why, offer } => {
            assert_eq!(offer, Offer::SignIn);
            assert!(why.contains("out with Sam Jones"), "{why}");
        }
        other => panic!("{other:?}"),
    }
    let (seen, _) = l.stocktake_scan(None, "RM-0001").unwrap();
    assert!(
        matches!(
            seen,
            Seen::Unexpected {
                offer: Offer::Found,
                ..
            }
        ),
        "{seen:?}"
    );
    let (seen, st) = l.stocktake_scan(None, "XX-9999").unwrap();
    assert!(
        matches!(&seen, Seen::Unexpected { why, offer: Offer::None } if why.contains("not on the register")),
        "{seen:?}"
    );
    assert_eq!((st.found(), st.still_expected(), st.unexpected()), (1, 2, 3));

    // A restart: the stocktake is on the record, and someone else goes on with it.
    drop(db.ledger);
    let mut l = common::signed_in(Ledger::open(&db.path, db.clock.clone()).unwrap());
    let open = l.open_stocktakes().unwrap();
    assert_eq!(open.len(), 1);
    assert_eq!(open[0].sightings.len(), 4);
    l.stocktake_scan(Some("st-1"), "PF-0001").unwrap();

    let report = l.finish_stocktake(None).unwrap();
    let tags = |o: Outcome| report.of(o).map(|l| l.tag.as_str()).collect::<Vec<_>>();
    assert_eq!(tags(Outcome::Found), ["LT-0001", "PF-0001"]);
    assert_eq!(tags(Outcome::Missing), ["LT-0003"]);
    assert_eq!(tags(Outcome::Unexpected), ["LT-0002", "RM-0001", "XX-9999"]);
    let lt2 = report.lines.iter().find(|l| l.tag == "LT-0002").unwrap();
    assert_eq!(lt2.offer, Offer::SignIn);
    // Unexpected first: they are here, out of place, and need action now.
    assert_eq!(report.lines[0].outcome, Outcome::Unexpected);

    // Once signed in, the report no longer offers to sign it in, but still says how it was seen.
    l.sign_in(&["LT-0002".into()], None, None).unwrap();
    let report = l.stocktake_report(Some("ST-1")).unwrap();
    let lt2 = report.lines.iter().find(|l| l.tag == "LT-0002").unwrap();
    assert_eq!((lt2.offer, lt2.outcome), (Offer::None, Outcome::Unexpected));
    assert!(lt2.note.contains("out with Sam Jones"), "{}", lt2.note);
    l.verify().unwrap();
}

#[test]
fn stocktake_scopes_kind_container_and_everything() {
    let mut db = setup();
    let l = &mut db.ledger;
    l.add_container("BAG-1", ContainerKind::Bag, "Blue bag").unwrap();
    let mut o = out(&["LT-0001", "LT-0002"], "S001");
    o.container = Some("BAG-1".into());
    l.sign_out(&o).unwrap();

    let laptops = l.start_stocktake(Scope::Kind("laptop".parse().unwrap())).unwrap();
    assert_eq!(laptops.expected, ["LT-0003"]);
    let bag = l.start_stocktake(Scope::Container("bag-1".into())).unwrap();
    assert_eq!(bag.expected, ["LT-0001", "LT-0002"]);
    // Two open: a scan must say which.
    let err = l.stocktake_scan(None, "LT-0001").unwrap_err();
    assert!(matches!(&err, Error::WhichStocktake(ids) if ids.len() == 2), "{err}");
    let (seen, _) = l.stocktake_scan(Some(&bag.id), "LT-0001").unwrap();
    assert_eq!(seen, Seen::Expected);
    let report = l.finish_stocktake(Some(&bag.id)).unwrap();
    let found = report.of(Outcome::Found).next().unwrap();
    assert_eq!(found.offer, Offer::None, "what is in the bag is meant to be out");
    let missing = report.of(Outcome::Missing).next().unwrap();
    assert!(missing.note.contains("out with Sam Jones"), "{}", missing.note);

    let all = l.start_stocktake(Scope::All).unwrap();
    assert_eq!(all.expected, ["LT-0001", "LT-0002", "LT-0003", "PF-0001", "RM-0001"]);
}

#[test]
fn stocktake_refusals_write_nothing() {
    let mut db = setup();
    db.ledger.start_stocktake(Scope::Premises).unwrap();
    let before = dump(&db.path);
    let l = &mut db.ledger;

    let err = l.start_stocktake(Scope::Premises).unwrap_err();
    assert!(
        err.to_string().contains("ST-1") && err.to_string().contains("already open"),
        "{err}"
    );
    let err = l.start_stocktake(Scope::Kind("tablet".parse().unwrap())).unwrap_err();
    assert!(matches!(err, Error::NothingToCount { .. }), "{err}");
    assert!(err.to_string().contains("nothing to count"), "{err}");
    let err = l.start_stocktake(Scope::Container("NO-SUCH".into())).unwrap_err();
    assert!(matches!(err, Error::UnknownContainer(_)), "{err}");
    let err = l.stocktake_scan(Some("ST-9"), "LT-0001").unwrap_err();
    assert!(matches!(err, Error::UnknownStocktake(_)), "{err}");
    let err = l.stocktake_scan(None, "not a tag!").unwrap_err();
    assert!(matches!(err, Error::InvalidId { .. }), "{err}");
    assert_eq!(dump(&db.path), before);

    db.ledger.finish_stocktake(None).unwrap();
    let before = dump(&db.path);
    let l = &mut db.ledger;
    let err = l.stocktake_scan(Some("ST-1"), "LT-0001").unwrap_err();
    assert!(err.to_string().contains("was finished"), "{err}");
    let err = l.stocktake_scan(None, "LT-0001").unwrap_err();
    assert!(matches!(err, Error::NoStocktake), "{err}");
    let err = l.finish_stocktake(Some("ST-1")).unwrap_err();
    assert!(matches!(err, Error::StocktakeFinished { .. }), "{err}");
    assert_eq!(dump(&db.path), before);
    // Finished, the same scope may be counted again.
    assert_eq!(db.ledger.start_stocktake(Scope::Premises).unwrap().id, "ST-2");
}

#[test]
fn disposal_of_a_laptop_and_a_paper_file() {
    let mut db = setup();
    let l = &mut db.ledger;
    let laptop = l
        .dispose(&NewDisposal {
            tag: "LT-0003",
            method: Method::CertifiedDestruction,
            reference: "CERT-2026-0113",
            witness: None,
            at: None,
        })
        .unwrap();
    assert_eq!(laptop.reference, "CERT-2026-0113");
    let paper = l
        .dispose(&NewDisposal {
            tag: "pf-0001",
            method: Method::CrossCutShredding,
            reference: "shredding log p.4",
            witness: Some("s002"),
            at: None,
        })
        .unwrap();
    assert_eq!(paper.witness, Some(("S002".into(), "Priya Patel".into())));
    assert_eq!(l.state("PF-0001").unwrap().status, Status::Retired);

    // R8 names the disposal when a disposed item is scanned to go out.
    let err = l.sign_out(&out(&["LT-0003"], "S001")).unwrap_err();
    assert_eq!(err.rule(), Some(custody_db::Rule::R8));
    assert!(
        err.to_string().contains("disposed of on") && err.to_string().contains("CERT-2026-0113"),
        "{err}"
    );

    let register = l.disposals(l.now() - Duration::days(30), l.now()).unwrap();
    let tags: Vec<&str> = register.iter().map(|d| d.tag.as_str()).collect();
    assert_eq!(tags, ["LT-0003", "PF-0001"]);
    assert_eq!(register[1].method, Method::CrossCutShredding);
    l.verify().unwrap();
}

#[test]
fn disposal_refusals_write_nothing() {
    let mut db = setup();
    db.ledger.sign_out(&out(&["LT-0001"], "S001")).unwrap();
    let before = dump(&db.path);
    let l = &mut db.ledger;
    let d = |tag, method, witness| NewDisposal {
        tag,
        method,
        reference: "REF-1",
        witness,
        at: None,
    };
    let err = l
        .dispose(&d("LT-0001", Method::CertifiedDestruction, None))
        .unwrap_err();
    assert!(err.to_string().contains("out with Sam Jones"), "{err}");
    let err = l.dispose(&d("PF-0001", Method::CrossCutShredding, None)).unwrap_err();
    assert_eq!(err.rule(), Some(custody_db::Rule::R11));
    assert!(err.to_string().contains("witness"), "{err}");
    let err = l
        .dispose(&d("PF-0001", Method::CertifiedDestruction, Some("S002")))
        .unwrap_err();
    assert_eq!(err.rule(), Some(custody_db::Rule::R11));
    assert!(err.to_string().contains("cross-cut shredding"), "{err}");
    let err = l
        .dispose(&d("LT-0002", Method::CrossCutShredding, Some("S002")))
        .unwrap_err();
    assert_eq!(err.rule(), Some(custody_db::Rule::R11));
    let err = l
        .dispose(&d("PF-0001", Method::CrossCutShredding, Some("S999")))
        .unwrap_err();
    assert!(matches!(err, Error::UnknownPerson(_)), "{err}");
    let err = l
        .dispose(&NewDisposal {
            reference: "  ",
            ..d("LT-0002", Method::CertifiedDestruction, None)
        })
        .unwrap_err();
    assert!(err.to_string().contains("disposal reference"), "{err}");
    let err = l
        .dispose(&NewDisposal {
            at: Some(t("2026-08-01T10:00:00Z")),
            ..d("LT-0002", Method::CertifiedDestruction, None)
        })
        .unwrap_err();
    assert!(matches!(err, Error::BeforeRegistered { .. }), "{err}");
    assert_eq!(dump(&db.path), before);
}

#[test]
fn a_spot_check_is_drawn_on_the_record_and_its_outcomes_follow() {
    let mut db = setup();
    let l = &mut db.ledger;
    l.sign_out(&out(&["LT-0001", "LT-0002"], "S001")).unwrap();
    l.sign_out(&out(&["LT-0003"], "S002")).unwrap();

    let check = l
        .draw_spot_check(Population::Items, SampleSize::Count(2), Some(7))
        .unwrap();
    assert_eq!(
        (check.id.as_str(), check.population, check.sample.len()),
        ("SC-1", 3, 2)
    );
    // The same seed over the same population draws the same sample: anyone can check the draw.
    let again = l
        .draw_spot_check(Population::Items, SampleSize::Count(2), Some(7))
        .unwrap();
    let subjects = |c: &SpotCheck| c.sample.iter().map(|s| s.subject.clone()).collect::<Vec<_>>();
    assert_eq!(subjects(&check), subjects(&again));
    assert_eq!(again.id, "SC-2");
    let first = &check.sample[0];
    assert!(first.holder.is_some(), "an item's holder at the draw is kept");

    let holders = l
        .draw_spot_check(Population::Holders, SampleSize::Percent(50.0), None)
        .unwrap();
    assert_eq!(holders.sample.len(), 1, "50 % of two holders");

    let subject = first.subject.clone();
    let c = l
        .record_spot_check("sc-1", &subject, CheckOutcome::NotAvailable, None)
        .unwrap();
    assert_eq!(c.checked(), 1);
    // A later visit: the latest outcome counts.
    let c = l
        .record_spot_check(
            "SC-1",
            &subject,
            CheckOutcome::Problem,
            Some("left in the car overnight"),
        )
        .unwrap();
    assert_eq!((c.checked(), c.count(CheckOutcome::Problem)), (1, 1));

    drop(db.ledger);
    let l = common::signed_in(Ledger::open(&db.path, db.clock.clone()).unwrap());
    let year = l.spot_checks_this_year().unwrap();
    assert_eq!(
        year.iter().map(|c| c.id.as_str()).collect::<Vec<_>>(),
        ["SC-3", "SC-2", "SC-1"]
    );
    let sc1 = year.iter().find(|c| c.id == "SC-1").unwrap();
    let (outcome, note, _, _) = sc1.sample[0].outcome.clone().unwrap();
    assert_eq!(outcome, CheckOutcome::Problem);
    assert_eq!(note.as_deref(), Some("left in the car overnight"));
    l.verify().unwrap();
}

#[test]
fn spot_check_refusals_write_nothing() {
    let mut db = setup();
    let before = dump(&db.path);
    let l = &mut db.ledger;
    let err = l
        .draw_spot_check(Population::Items, SampleSize::Count(2), None)
        .unwrap_err();
    assert!(matches!(err, Error::NothingOut), "{err}");
    l.sign_out(&out(&["LT-0001"], "S001")).unwrap();
    let before_draw = dump(&db.path);
    assert_ne!(before, before_draw);
    let l = &mut db.ledger;
    let err = l
        .draw_spot_check(Population::Items, SampleSize::Count(0), None)
        .unwrap_err();
    assert!(matches!(err, Error::EmptySample), "{err}");
    let err = l
        .draw_spot_check(Population::Items, SampleSize::Percent(0.0), None)
        .unwrap_err();
    assert!(matches!(err, Error::EmptySample), "{err}");
    let err = l
        .draw_spot_check(Population::Items, SampleSize::Percent(150.0), None)
        .unwrap_err();
    assert!(err.to_string().contains("more than 100"), "{err}");
    assert_eq!(dump(&db.path), before_draw);

    db.ledger
        .draw_spot_check(Population::Items, SampleSize::Count(1), Some(1))
        .unwrap();
    let before = dump(&db.path);
    let l = &mut db.ledger;
    let err = l
        .record_spot_check("SC-1", "LT-0002", CheckOutcome::Seen, None)
        .unwrap_err();
    assert!(
        err.to_string().contains("was not drawn") && err.to_string().contains("LT-0001"),
        "{err}"
    );
    let err = l
        .record_spot_check("SC-1", "LT-0001", CheckOutcome::Problem, None)
        .unwrap_err();
    assert!(matches!(err, Error::ProblemNeedsNote { .. }), "{err}");
    let err = l
        .record_spot_check("SC-9", "LT-0001", CheckOutcome::Seen, None)
        .unwrap_err();
    assert!(matches!(err, Error::UnknownSpotCheck(_)), "{err}");
    assert_eq!(dump(&db.path), before);
}

#[test]
fn when_asked_for_the_holder_s_yes_to_the_rules_is_part_of_the_sign_out() {
    let mut db = setup();
    let l = &mut db.ledger;
    // Off by default: nothing is asked.
    l.sign_out(&out(&["LT-0001"], "S001")).unwrap();
    l.set_ask_rules_read(true).unwrap();
    let before = dump(&db.path);
    let l = &mut db.ledger;
    let err = l.sign_out(&out(&["LT-0002"], "S001")).unwrap_err();
    match &err {
        Error::NeedsAcknowledgement { warnings } => {
            assert_eq!(warnings.len(), 1, "{warnings:?}");
            assert_eq!(warnings[0].rule, custody_db::Rule::R14);
            assert!(
                warnings[0]
                    .message
                    .starts_with("Has Sam Jones read the rules for carrying data home")
            );
        }
        other => panic!("{other}"),
    }
    assert_eq!(dump(&db.path), before, "nothing is written until the clerk says yes");
    let l = &mut db.ledger;
    let mut yes = out(&["LT-0002"], "S001");
    yes.acknowledge_warnings = true;
    let done = l.sign_out(&yes).unwrap();
    let warnings = done[0].warnings.clone().unwrap_or_default();
    assert!(warnings.contains("R14: Has Sam Jones read the rules"), "{warnings}");
    l.set_ask_rules_read(false).unwrap();
    l.sign_out(&out(&["LT-0003"], "S002")).unwrap();
    l.verify().unwrap();
}

#[test]
fn a_missing_paper_file_has_a_search_log_with_reminders() {
    use custody_db::search::Reminder;
    let mut db = setup();
    let l = &mut db.ledger;
    let mut o = out(&["PF-0001"], "S001");
    o.at = Some(t("2026-11-16T09:00:00Z"));
    o.reason = Some("Annual review at home".into());
    o.authoriser = Some("S002".into());
    l.sign_out(&o).unwrap();
    // Due back on Tuesday 17 November at 17:00; today is Friday 20th: three working days on.
    let missing = l.missing_paper(l.now()).unwrap();
    assert_eq!(missing.len(), 1);
    assert_eq!(
        (missing[0].working_days, missing[0].reminder),
        (3, Some(Reminder::SearchOverdue))
    );
    assert_eq!(missing[0].holder.as_deref(), Some("S001"));

    let before = dump(&db.path);
    let l = &mut db.ledger;
    let err = l.log_search("LT-0001", "the office", None, None, None).unwrap_err();
    assert!(err.to_string().contains("not a missing paper file"), "{err}");
    let err = l.log_search("PF-0001", "  ", None, None, None).unwrap_err();
    assert!(err.to_string().contains("place searched"), "{err}");
    let err = l
        .log_search("PF-0001", "the office", Some("S999"), None, None)
        .unwrap_err();
    assert!(matches!(err, Error::UnknownPerson(_)), "{err}");
    let err = l
        .log_search("PF-0001", "the office", None, None, Some(t("2026-11-17T08:00:00Z")))
        .unwrap_err();
    assert!(err.to_string().contains("before PF-0001 went missing"), "{err}");
    assert_eq!(dump(&db.path), before);

    let l = &mut db.ledger;
    let s = l
        .log_search(
            "pf-0001",
            "Sam's desk and the staff room",
            Some("s002"),
            Some("not there"),
            None,
        )
        .unwrap();
    assert_eq!(s.by, Some(("S002".into(), "Priya Patel".into())));
    let missing = l.missing_paper(l.now()).unwrap();
    assert_eq!((missing[0].searches.len(), missing[0].reminder), (1, None));

    // Still missing the next Tuesday: five working days, the DPO is told.
    db.clock.set(t("2026-11-24T10:00:00Z"));
    let l = &mut db.ledger;
    let missing = l.missing_paper(l.now()).unwrap();
    assert_eq!(
        (missing[0].working_days, missing[0].reminder),
        (5, Some(Reminder::Escalate))
    );
    // Recorded lost, it stays on the list with who had it.
    l.record("PF-0001", EventKind::Lost, None, None).unwrap();
    let missing = l.missing_paper(l.now()).unwrap();
    assert_eq!(
        (missing[0].status, missing[0].holder.as_deref()),
        (Status::Lost, Some("S001"))
    );
    l.verify().unwrap();
}
