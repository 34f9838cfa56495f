//! The trust's report's figures at one desk, against what happened: a return after a transfer
//! is late by the due date the sign-out gave; someone who has left counts once.

#![allow(clippy::unwrap_used)]

mod common;

use common::{out_due, setup, t};

#[test]
fn a_return_after_a_transfer_is_late_by_the_sign_outs_due_date() {
    let mut db = setup();
    // LT-0001: out to Sam, due the 6th, handed to Priya on the 5th, back on the 9th: late.
    out_due(
        &mut db,
        "LT-0001",
        "S001",
        "2026-11-02T09:00:00Z",
        "2026-11-06T16:00:00Z",
    );
    let l = &mut db.ledger;
    l.transfer("LT-0001", "S002", Some(t("2026-11-05T09:00:00Z")), None)
        .unwrap();
    l.sign_in(&["LT-0001".into()], Some(t("2026-11-09T09:00:00Z")), None)
        .unwrap();
    // LT-0002: out and back in time.
    out_due(
        &mut db,
        "LT-0002",
        "S001",
        "2026-11-02T09:00:00Z",
        "2026-11-06T16:00:00Z",
    );
    db.ledger
        .sign_in(&["LT-0002".into()], Some(t("2026-11-04T09:00:00Z")), None)
        .unwrap();
    // LT-0003: out to Sam, who then leaves, still holding it.
    out_due(
        &mut db,
        "LT-0003",
        "S001",
        "2026-11-10T09:00:00Z",
        "2026-11-30T16:00:00Z",
    );
    let l = &mut db.ledger;
    l.set_person_active("S001", false).unwrap();

    let report = l
        .trust_report(t("2026-11-01T00:00:00Z"), t("2026-11-20T00:00:00Z"), None, None)
        .unwrap();
    let desk = &report.desks[0];
    assert_eq!((desk.returned, desk.returned_late), (2, 1), "{desk:?}");
    assert_eq!(desk.sign_outs, 3);
    assert_eq!((desk.out_now, desk.leavers_holding), (1, 1));
    assert_eq!(report.total.leavers_holding, 1);
}
