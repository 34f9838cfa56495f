//! Other desks' entries kept by this desk (what a pull hands over): checked as they arrive, kept
//! in their own chains, all or none, and checked again by `verify`. No server is needed here:
//! one desk's entries are handed to another as a server would return them.

#![allow(clippy::unwrap_used)]

mod common;

use common::{as_served, joined, out, setup};
use custody_db::Error;

#[test]
fn another_desks_chain_is_kept_checked_and_verified() {
    let mut a = setup();
    let mut b = joined(&a.ledger);
    let held = b.ledger.remote_heads().unwrap()[a.ledger.desk_id()];
    a.ledger.sign_out(&out(&["LT-0001"], "S001")).unwrap();
    let served = as_served(&a.ledger, held);
    b.ledger.receive(&served, None).unwrap();
    assert_eq!(
        b.ledger.remote_heads().unwrap()[a.ledger.desk_id()],
        held + served.len() as i64
    );

    // Only what follows: the same again is refused, and writes nothing.
    let before = common::dump(&b.path);
    let again = b.ledger.receive(&served[..1], None).unwrap_err();
    assert!(
        again.to_string().contains("does not continue that desk's chain"),
        "{again}"
    );
    assert_eq!(common::dump(&b.path), before);

    a.ledger.sign_in(&["LT-0001".to_string()], None, None).unwrap();
    let next = as_served(&a.ledger, held + served.len() as i64);
    assert_eq!(next.len(), 1);
    b.ledger.receive(&next, None).unwrap();
    let report = b.ledger.verify().unwrap();
    assert!(report.is_intact(), "{report:?}");
    assert_eq!(report.remote_checked, (held + served.len() as i64) as u64 + 1);
}

#[test]
fn a_changed_entry_is_refused_and_nothing_of_its_batch_is_kept() {
    let mut a = setup();
    let mut b = joined(&a.ledger);
    let held = b.ledger.remote_heads().unwrap()[a.ledger.desk_id()];
    a.ledger.sign_out(&out(&["LT-0001"], "S001")).unwrap();
    let mut served = as_served(&a.ledger, held);
    let last = served.last_mut().unwrap();
    let mut body: serde_json::Value = serde_json::from_str(&last.body).unwrap();
    body["person"] = serde_json::Value::String("S002".into());
    last.body = body.to_string();
    let before = common::dump(&b.path);
    let refused = b.ledger.receive(&served, None).unwrap_err();
    assert!(matches!(refused, Error::RemoteEntryRefused { .. }), "{refused}");
    assert!(
        refused.to_string().contains("its hash is not the hash of its contents"),
        "{refused}"
    );
    assert_eq!(common::dump(&b.path), before, "not even the good entries before it");

    // A desk's own entries coming back are not another desk's.
    b.ledger.sign_out(&out(&["LT-0002"], "S002")).unwrap();
    let own = as_served(&b.ledger, 0);
    let refused = b.ledger.receive(&own[..1], None).unwrap_err();
    assert!(refused.to_string().contains("this desk's own entry"), "{refused}");
}

#[test]
fn verify_names_another_desks_entry_changed_in_this_file() {
    let mut a = setup();
    let mut b = joined(&a.ledger);
    a.ledger.sign_out(&out(&["LT-0001"], "S001")).unwrap();
    common::pull(&mut b.ledger, &a.ledger);
    let conn = rusqlite::Connection::open(&b.path).unwrap();
    conn.execute_batch(
        "DROP TRIGGER remote_events_are_never_updated;
         UPDATE remote_events SET person = 'S002' WHERE kind = 'sign-out';",
    )
    .unwrap();
    let report = custody_db::Ledger::open(&b.path, b.clock.clone())
        .map(common::signed_in)
        .unwrap()
        .verify()
        .unwrap();
    assert!(!report.is_intact());
    assert!(
        report
            .remote_problems
            .iter()
            .any(|p| p.contains("its hash is not the hash of its contents")),
        "{report:?}"
    );
}
