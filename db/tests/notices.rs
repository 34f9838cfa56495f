//! Notices to holders on fixed dates with known answers: one per holder per stage naming all their
//! items at it, never twice, the reminder's day for devices and for paper, a holder with no
//! address, stages turned off, and the outbox's tries with their back-off.

#![allow(clippy::unwrap_used)]

mod common;

use common::{setup, t};
use custody_db::SignOut;
use custody_db::notices::{Claim, NoticeStage, NoticeStatus};

/// As [`common::out_due`], with a reason and an authoriser (which a paper file needs).
fn out_due(db: &mut common::TestDb, tag: &str, to: &str, at: &str, due: &str) {
    let request = SignOut {
        reason: Some("exam board visit".into()),
        authoriser: Some("S002".into()),
        ..common::out(&[tag], to)
    };
    common::sign_out_due(db, request, at, due);
}

/// As of Friday 20 November 10:00: Sam (who has an address) holds two laptops due on the 19th,
/// Priya (who has none) one.
fn two_late() -> common::TestDb {
    let mut db = setup();
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
        "S001",
        "2026-11-13T09:00:00Z",
        "2026-11-19T12:00:00Z",
    );
    out_due(
        &mut db,
        "LT-0003",
        "S002",
        "2026-11-13T09:00:00Z",
        "2026-11-19T12:00:00Z",
    );
    db
}

#[test]
fn notices_are_off_until_turned_on() {
    let mut db = two_late();
    let now = t("2026-11-20T10:00:00Z");
    assert!(db.ledger.notices_due(now).unwrap().is_empty());
    assert!(db.ledger.queue_notices(now).unwrap().is_empty());
    db.ledger.set_notices(true).unwrap();
    assert_eq!(db.ledger.notices_due(now).unwrap().len(), 2);
}

#[test]
fn one_notice_per_holder_per_stage_naming_all_their_items_and_never_twice() {
    let mut db = two_late();
    db.ledger.set_notices(true).unwrap();
    let now = t("2026-11-20T10:00:00Z");
    let queued = db.ledger.queue_notices(now).unwrap();
    let sam = queued.iter().find(|n| n.holder == "S001").unwrap();
    assert_eq!(sam.stage, NoticeStage::First);
    let tags: Vec<&str> = sam.items.iter().map(|i| i.tag.as_str()).collect();
    assert_eq!(tags, ["LT-0001", "LT-0002"]);
    assert!(matches!(sam.status, NoticeStatus::Queued { tries: 0, .. }));
    let priya = queued.iter().find(|n| n.holder == "S002").unwrap();
    assert_eq!(priya.status, NoticeStatus::TellInPerson, "no address: told in person");

    // Queued once: not due again the same stage, later that day or the next.
    assert!(db.ledger.notices_due(now).unwrap().is_empty());
    db.clock.set(t("2026-11-21T10:00:00Z"));
    assert!(db.ledger.queue_notices(t("2026-11-21T10:00:00Z")).unwrap().is_empty());

    // Seven days late: the second notice, to each, once.
    let week = t("2026-11-26T10:00:00Z");
    db.clock.set(week);
    let second = db.ledger.queue_notices(week).unwrap();
    assert_eq!(second.len(), 2);
    assert!(second.iter().all(|n| n.stage == NoticeStage::Second));
    assert!(db.ledger.queue_notices(week).unwrap().is_empty());

    // Sam returns one and borrows it again: the new loan is noticed afresh when it is late.
    db.ledger.sign_in(&["LT-0001".to_string()], None, None).unwrap();
    db.clock.set(t("2026-11-26T10:06:00Z"));
    out_due(
        &mut db,
        "LT-0001",
        "S001",
        "2026-11-26T10:05:00Z",
        "2026-11-27T09:00:00Z",
    );
    let later = t("2026-11-28T10:00:00Z");
    db.clock.set(later);
    let fresh = db.ledger.notices_due(later).unwrap();
    let sam: Vec<_> = fresh.iter().filter(|n| n.holder == "S001").collect();
    assert_eq!(sam.len(), 1);
    assert_eq!(sam[0].stage, NoticeStage::First);
    assert_eq!(sam[0].items.len(), 1);
    assert_eq!(sam[0].items[0].tag, "LT-0001");
}

#[test]
fn a_device_is_reminded_the_working_day_before_and_paper_the_morning_it_is_due() {
    let mut db = setup();
    db.ledger.set_notices(true).unwrap();
    // Due Monday 23 November: the laptop's reminder is on Friday, the file's on Monday morning.
    out_due(
        &mut db,
        "LT-0001",
        "S001",
        "2026-11-16T09:00:00Z",
        "2026-11-23T23:59:00Z",
    );
    out_due(
        &mut db,
        "PF-0001",
        "S001",
        "2026-11-16T09:00:00Z",
        "2026-11-23T17:00:00Z",
    );
    let stages_at = |db: &common::TestDb, at: &str| -> Vec<(NoticeStage, Vec<String>)> {
        db.ledger
            .notices_due(t(at))
            .unwrap()
            .into_iter()
            .map(|n| (n.stage, n.items.into_iter().map(|i| i.tag).collect()))
            .collect()
    };
    assert!(
        stages_at(&db, "2026-11-19T16:00:00Z").is_empty(),
        "Thursday: nothing yet"
    );
    assert!(
        stages_at(&db, "2026-11-20T06:30:00Z").is_empty(),
        "Friday before the office opens"
    );
    assert_eq!(
        stages_at(&db, "2026-11-20T07:30:00Z"),
        [(NoticeStage::Reminder, vec!["LT-0001".to_string()])]
    );
    db.clock.set(t("2026-11-20T07:30:00Z"));
    db.ledger.queue_notices(t("2026-11-20T07:30:00Z")).unwrap();
    assert_eq!(
        stages_at(&db, "2026-11-23T07:30:00Z"),
        [(NoticeStage::Reminder, vec!["PF-0001".to_string()])]
    );
}

#[test]
fn an_item_signed_out_after_its_reminder_moment_gets_no_reminder() {
    let mut db = setup();
    db.ledger.set_notices(true).unwrap();
    // Out on Friday afternoon until Monday: the clerk told Sam at the desk.
    db.clock.set(t("2026-11-20T14:30:00Z"));
    out_due(
        &mut db,
        "LT-0001",
        "S001",
        "2026-11-20T14:00:00Z",
        "2026-11-23T23:59:00Z",
    );
    assert!(db.ledger.notices_due(t("2026-11-20T15:00:00Z")).unwrap().is_empty());
}

#[test]
fn a_stage_turned_off_is_skipped_and_the_next_still_goes() {
    let mut db = two_late();
    db.ledger.set_notices(true).unwrap();
    db.ledger.set_notice_stage(NoticeStage::First, false).unwrap();
    assert!(db.ledger.notices_due(t("2026-11-20T10:00:00Z")).unwrap().is_empty());
    let second = db.ledger.notices_due(t("2026-11-26T10:00:00Z")).unwrap();
    assert!(!second.is_empty() && second.iter().all(|n| n.stage == NoticeStage::Second));
    let settings = db.ledger.notice_settings().unwrap();
    assert_eq!(settings.stages_off, [NoticeStage::First]);
}

#[test]
fn a_failed_notice_stays_queued_waits_and_once_sent_is_never_tried_again() {
    let mut db = two_late();
    db.ledger.set_notices(true).unwrap();
    let now = t("2026-11-20T10:00:00Z");
    db.ledger.queue_notices(now).unwrap();
    let to_send = db.ledger.notices_to_send(now).unwrap();
    assert_eq!(to_send.len(), 1, "Priya has no address: only Sam's is sent");
    let id = to_send[0].id.clone();

    db.ledger
        .notice_failed(&id, "the mail server could not be reached")
        .unwrap();
    assert!(db.ledger.notices_to_send(now).unwrap().is_empty(), "waits five minutes");
    let listed = db.ledger.notices(now - chrono::Duration::days(1), now).unwrap();
    let sam = listed.iter().find(|n| n.id == id).unwrap();
    assert_eq!(
        sam.status,
        NoticeStatus::Queued {
            tries: 1,
            reason: Some("the mail server could not be reached".into()),
            retry_at: custody_db::time::to_millis(now + chrono::Duration::minutes(5)),
        }
    );
    let later = now + chrono::Duration::minutes(6);
    db.clock.set(later);
    assert_eq!(db.ledger.notices_to_send(later).unwrap().len(), 1);
    db.ledger.notice_sent(&id, "sam@example.org").unwrap();
    assert!(
        db.ledger
            .notices_to_send(later + chrono::Duration::days(1))
            .unwrap()
            .is_empty()
    );
    let listed = db.ledger.notices(now - chrono::Duration::days(1), later).unwrap();
    assert!(
        matches!(&listed.iter().find(|n| n.id == id).unwrap().status, NoticeStatus::Sent { to, .. } if to == "sam@example.org")
    );
}

#[test]
fn a_notice_that_is_not_this_desks_cannot_be_marked() {
    let mut db = two_late();
    let refused = db.ledger.notice_sent("0190-not-a-notice", "x@example.org").unwrap_err();
    assert!(
        refused.to_string().contains("is not a notice this desk queued"),
        "{refused}"
    );
}

#[test]
fn a_notice_is_claimed_once_and_a_send_cut_short_is_never_repeated() {
    let mut db = two_late();
    db.ledger.set_notices(true).unwrap();
    let now = t("2026-11-20T10:00:00Z");
    db.ledger.queue_notices(now).unwrap();
    let id = db.ledger.notices_to_send(now).unwrap()[0].id.clone();
    let claimed = |db: &mut common::TestDb| db.ledger.claim_notice(&id).unwrap();
    assert!(matches!(claimed(&mut db), Claim::Send(_)), "the first sender takes it");
    assert!(matches!(claimed(&mut db), Claim::NotDue), "a second sender does not");
    // The sender stopped before recording how it went: never tried again, and said so.
    let later = now + chrono::Duration::days(1);
    assert!(db.ledger.notices_to_send(later).unwrap().is_empty());
    let listed = db.ledger.notices(now - chrono::Duration::days(1), later).unwrap();
    let status = &listed.iter().find(|n| n.id == id).unwrap().status;
    assert!(matches!(status, NoticeStatus::Sending { .. }), "{status:?}");
    assert!(
        status
            .describe(custody_db::time::DEFAULT_TIMEZONE)
            .contains("not sent again")
    );
    // A failure recorded after the claim puts it back in the queue, to wait and be tried again.
    db.ledger.notice_failed(&id, "refused").unwrap();
    assert!(matches!(claimed(&mut db), Claim::NotDue), "waits first: {status:?}");
    assert_eq!(db.ledger.notices_to_send(later).unwrap().len(), 1);
}

#[test]
fn a_queued_notice_goes_as_things_stand_when_its_turn_comes() {
    let mut db = two_late();
    db.ledger.set_notices(true).unwrap();
    let now = t("2026-11-20T10:00:00Z");
    db.ledger.queue_notices(now).unwrap();
    let id = db.ledger.notices_to_send(now).unwrap()[0].id.clone();
    // Before it goes, Sam brings one laptop back and the office corrects his address.
    db.ledger.sign_in(&["LT-0001".to_string()], None, None).unwrap();
    db.ledger
        .edit_person("S001", None, Some("sam.jones@example.org"), None)
        .unwrap();
    match db.ledger.claim_notice(&id).unwrap() {
        Claim::Send(notice) => {
            let tags: Vec<&str> = notice.items.iter().map(|i| i.tag.as_str()).collect();
            assert_eq!(tags, ["LT-0002"], "only what is still out");
            assert_eq!(notice.email.as_deref(), Some("sam.jones@example.org"));
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn a_notice_whose_items_came_back_or_whose_stage_was_turned_off_is_cancelled_not_sent() {
    let mut db = two_late();
    db.ledger.set_notices(true).unwrap();
    let now = t("2026-11-20T10:00:00Z");
    db.ledger.queue_notices(now).unwrap();
    let id = db.ledger.notices_to_send(now).unwrap()[0].id.clone();
    db.ledger
        .sign_in(&["LT-0001".to_string(), "LT-0002".to_string()], None, None)
        .unwrap();
    match db.ledger.claim_notice(&id).unwrap() {
        Claim::Cancelled(why) => assert!(why.contains("its items are back"), "{why}"),
        other => panic!("{other:?}"),
    }
    let listed = db.ledger.notices(now - chrono::Duration::days(1), now).unwrap();
    let status = &listed.iter().find(|n| n.id == id).unwrap().status;
    assert!(matches!(status, NoticeStatus::Cancelled { .. }), "{status:?}");
    assert!(db.ledger.notices_to_send(now).unwrap().is_empty());

    // Queued, then notices turned off before it went.
    let mut db = two_late();
    db.ledger.set_notices(true).unwrap();
    db.ledger.queue_notices(now).unwrap();
    let id = db.ledger.notices_to_send(now).unwrap()[0].id.clone();
    db.ledger.set_notice_stage(NoticeStage::First, false).unwrap();
    match db.ledger.claim_notice(&id).unwrap() {
        Claim::Cancelled(why) => assert!(why.contains("turned off"), "{why}"),
        other => panic!("{other:?}"),
    }
}

#[test]
fn a_loan_that_comes_back_to_its_holder_by_transfer_is_not_noticed_again() {
    let mut db = two_late();
    db.ledger.set_notices(true).unwrap();
    let now = t("2026-11-20T10:00:00Z");
    db.ledger.queue_notices(now).unwrap();
    // LT-0001 goes to Priya and back to Sam, its due date unchanged.
    db.ledger.transfer("LT-0001", "S002", None, None).unwrap();
    let priya = db.ledger.notices_due(now).unwrap();
    assert!(
        priya
            .iter()
            .any(|n| n.holder == "S002" && n.items.iter().any(|i| i.tag == "LT-0001")),
        "Priya is told of what she now holds: {priya:?}"
    );
    db.ledger.transfer("LT-0001", "S001", None, None).unwrap();
    let again = db.ledger.notices_due(now).unwrap();
    assert!(
        !again.iter().any(|n| n.holder == "S001"),
        "Sam was told of it at this stage already: {again:?}"
    );
}

#[test]
fn the_reminder_skips_bank_holidays_and_a_first_contact_is_not_called_final() {
    let mut db = setup();
    db.ledger.set_notices(true).unwrap();
    // Due Tuesday 29 December: Christmas Day (Friday) and Boxing Day's substitute (Monday 28th)
    // are bank holidays, so the last working day before is Thursday 24 December.
    db.clock.set(t("2026-12-01T09:00:00Z"));
    out_due(
        &mut db,
        "LT-0001",
        "S001",
        "2026-12-01T09:00:00Z",
        "2026-12-29T23:59:00Z",
    );
    assert!(db.ledger.notices_due(t("2026-12-23T12:00:00Z")).unwrap().is_empty());
    let due = db.ledger.notices_due(t("2026-12-24T07:30:00Z")).unwrap();
    assert_eq!(due.len(), 1);
    assert_eq!(due[0].stage, NoticeStage::Reminder);

    // Never told (notices were off): at fourteen days late the first email is the third stage,
    // but it does not say it is a final notice.
    let late = db.ledger.notices_due(t("2027-01-13T10:00:00Z")).unwrap();
    assert_eq!(late[0].stage, NoticeStage::Third);
    assert!(!late[0].items[0].told_before);
}
