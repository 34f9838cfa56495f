//! What someone who can write the database file cannot do unseen (issue: "Who did what,
//! proven"): each forgery is made with sqlite3-like edits of the file while Custody is closed,
//! and caught by the first decision that would use it, by opening, or by `verify`.

#![allow(clippy::unwrap_used)]

mod common;

use common::{ADMIN_PASSWORD, out, setup};
use custody_db::{Action, Error, Ledger, Role, SignInAt};

const CLERK_PIN: &str = "clerk-pin-1";

/// The test database with a clerk (an operator), closed; the path to edit it.
fn with_a_clerk() -> (common::TestDb, std::path::PathBuf) {
    let mut db = setup();
    db.ledger
        .add_operator("clerk", "Clerk", Role::Operator, CLERK_PIN)
        .unwrap();
    let path = db.path.clone();
    (db, path)
}

fn edit(path: &std::path::Path, sql: &str) {
    rusqlite::Connection::open(path).unwrap().execute_batch(sql).unwrap();
}

fn refused_as_edited(err: &Error, names: &str) {
    let said = err.to_string();
    assert!(
        matches!(err, Error::GuardsRemoved { .. }) && said.contains(names),
        "refused, naming {names:?}: {said}"
    );
}

#[test]
fn a_role_edited_in_its_table_gives_no_power_and_stops_every_write() {
    let (db, path) = with_a_clerk();
    let clock = db.clock.clone();
    drop(db.ledger);
    edit(&path, "UPDATE operators SET role = 'admin' WHERE id = 'clerk'");
    let mut ledger = Ledger::open(&path, clock).unwrap();
    let session = ledger
        .operator_sign_in("clerk", CLERK_PIN, SignInAt::CommandLine)
        .unwrap();
    assert_eq!(session.role(), Role::Operator, "the role its records give");
    assert!(!ledger.may(Action::Operators), "no administrator's powers");
    let err = ledger.sign_out(&out(&["LT-0001"], "S001")).unwrap_err();
    refused_as_edited(&err, "clerk");
    refused_as_edited(&err, "role");
}

#[test]
fn a_password_hash_copied_onto_the_administrator_does_not_open_it() {
    let (db, path) = with_a_clerk();
    let clock = db.clock.clone();
    drop(db.ledger);
    edit(
        &path,
        "UPDATE operators SET password = (SELECT password FROM operators WHERE id = 'clerk') WHERE id = 'office'",
    );
    let mut ledger = Ledger::open(&path, clock).unwrap();
    let err = ledger
        .operator_sign_in("office", CLERK_PIN, SignInAt::CommandLine)
        .unwrap_err();
    assert!(matches!(err, Error::WrongPassword { .. }), "{err}");
    // The real password still signs in, to run verify, which names the row.
    ledger
        .operator_sign_in("office", ADMIN_PASSWORD, SignInAt::CommandLine)
        .unwrap();
    let report = ledger.verify().unwrap();
    assert!(!report.is_intact());
    assert!(
        report
            .register_mismatches
            .iter()
            .any(|m| m.contains("office") && m.contains("password")),
        "{report:?}"
    );
}

#[test]
fn a_rule_setting_inserted_in_its_table_lets_no_memory_stick_out() {
    let db = setup();
    let (path, clock) = (db.path.clone(), db.clock.clone());
    drop(db.ledger);
    edit(&path, "INSERT INTO settings (key, value) VALUES ('rule.R2', 'warn')");
    let mut ledger = Ledger::open(&path, clock).unwrap();
    ledger
        .operator_sign_in("office", ADMIN_PASSWORD, SignInAt::CommandLine)
        .unwrap();
    let mut stick = out(&["RM-0001"], "S001");
    stick.acknowledge_warnings = true;
    let preview = ledger.check_sign_out(&stick).unwrap();
    assert!(
        preview
            .iter()
            .any(|f| f.rule == custody_db::Rule::R2 && f.mode == custody_db::policy::Mode::Block),
        "R2 blocks, as its records say: {preview:?}"
    );
    let err = ledger.sign_out(&stick).unwrap_err();
    refused_as_edited(&err, "rule.R2");
}

#[test]
fn a_lock_out_cleared_in_its_table_still_holds() {
    let (db, path) = with_a_clerk();
    let clock = db.clock.clone();
    let mut ledger = db.ledger;
    for _ in 0..custody_db::operator::LOCK_AFTER {
        clock.advance(chrono::Duration::minutes(1));
        let _ = ledger.operator_sign_in("clerk", "wrong-pin", SignInAt::CommandLine);
    }
    drop(ledger);
    edit(
        &path,
        "UPDATE operators SET failed_attempts = 0, locked_until = NULL, last_failed_at = NULL WHERE id = 'clerk'",
    );
    let mut ledger = Ledger::open(&path, clock).unwrap();
    let err = ledger
        .operator_sign_in("clerk", CLERK_PIN, SignInAt::CommandLine)
        .unwrap_err();
    assert!(matches!(err, Error::OperatorLocked { .. }), "still locked out: {err}");
    drop(db.dir);
}
