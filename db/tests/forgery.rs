//! What someone who can write the database file cannot do unseen (issue: "Who did what,
//! proven"): each forgery is made with sqlite3-like edits of the file while Custody is closed,
//! and caught by the first decision that would use it, by opening, or by `verify`.

#![allow(clippy::unwrap_used)]

mod common;

use common::{ADMIN_PASSWORD, out, setup};
use custody_db::{Action, Clock, Error, Ledger, Role, SignInAt};

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

/// As someone with the file and sqlite3 would: a new administrator appended with a correctly
/// computed chain hash, the guards untouched. The chain is unbroken; its signature is missing.
#[test]
fn a_record_appended_with_a_valid_chain_hash_is_named_by_verify() {
    use custody_db::record::{self, Record, RecordKind};
    let db = setup();
    let (path, clock) = (db.path.clone(), db.clock.clone());
    let desk = db.ledger.desk_id().to_string();
    drop(db.ledger);
    let conn = rusqlite::Connection::open(&path).unwrap();
    let (seq, prev) = record::head(&conn).unwrap();
    let fields = serde_json::json!({"name": "Mallory", "role": "admin", "active": true, "password": "x",
        "failed_attempts": 0, "last_failed_at": null, "locked_until": null});
    let mut forged = Record::draft(RecordKind::OperatorAdded, "mallory", fields.as_object().unwrap(), 0);
    forged.seq = seq + 1;
    forged.id = uuid::Uuid::now_v7();
    forged.desk = desk;
    forged.operator = "office".into();
    forged.recorded_at = custody_db::time::to_millis(clock.now());
    forged.prev_hash = prev;
    forged.hash = forged.compute_hash();
    record::insert(&conn, &forged).unwrap();
    conn.execute(
        "INSERT INTO operators (id, name, role, active, password, failed_attempts, added_at) VALUES ('mallory', 'Mallory', 'admin', 1, 'x', 0, 0)",
        [],
    )
    .unwrap();
    drop(conn);
    let report = ledger_for_verify(&path);
    assert!(report.chain.is_none(), "the chain itself is unbroken: {report:?}");
    assert_eq!(
        report.signature_problem.as_deref(),
        Some(format!("entry {} (operator-added mallory): its signature is missing", seq + 1).as_str()),
    );
    assert!(!report.is_intact());
}

/// Verify as the administrator, on a connection that only reads (a forged file refuses writes).
fn ledger_for_verify(path: &std::path::Path) -> custody_db::VerifyReport {
    let mut ledger = Ledger::open_reader(path, custody_db::FixedClock::new(common::t("2026-11-20T10:00:00Z"))).unwrap();
    let _ = ledger.operator_sign_in("office", ADMIN_PASSWORD, SignInAt::CommandLine);
    ledger.verify().unwrap()
}

/// The guards taken off and put back exactly as they were, a signature blanked or copied from
/// another entry: the schema is as Custody made it, and verify names the entry.
#[test]
fn a_signature_blanked_or_copied_is_named_by_verify() {
    for (what, sql) in [
        ("blanked", "UPDATE signatures SET signature = zeroblob(64) WHERE seq = (SELECT max(seq) FROM signatures)"),
        (
            "copied",
            "UPDATE signatures SET signature = (SELECT signature FROM signatures WHERE seq = (SELECT min(seq) FROM signatures))
             WHERE seq = (SELECT max(seq) FROM signatures)",
        ),
        ("removed", "DELETE FROM signatures WHERE seq = (SELECT max(seq) FROM signatures)"),
    ] {
        let mut db = setup();
        db.ledger.sign_out(&out(&["LT-0001"], "S001")).unwrap();
        let path = db.path.clone();
        drop(db.ledger);
        let conn = rusqlite::Connection::open(&path).unwrap();
        let guards: Vec<String> = conn
            .prepare("SELECT sql FROM sqlite_schema WHERE type = 'trigger' AND tbl_name = 'signatures'")
            .unwrap()
            .query_map([], |r| r.get(0))
            .unwrap()
            .collect::<rusqlite::Result<_>>()
            .unwrap();
        for name in ["signatures_are_never_updated", "signatures_are_never_replaced", "signatures_are_never_deleted"] {
            conn.execute_batch(&format!("DROP TRIGGER {name}")).unwrap();
        }
        conn.execute_batch(sql).unwrap();
        for guard in &guards {
            conn.execute_batch(guard).unwrap();
        }
        drop(conn);
        let report = ledger_for_verify(&path);
        assert!(report.schema.is_empty(), "{what}: the guards are back as they were");
        let problem = report.signature_problem.clone().unwrap_or_default();
        assert!(problem.contains("sign-out LT-0001"), "{what}: {report:?}");
        assert!(!report.is_intact(), "{what}");
        drop(db.dir);
    }
}

#[test]
fn a_new_database_is_signed_from_its_first_administrator_on() {
    let mut db = setup();
    db.ledger.sign_out(&out(&["LT-0001"], "S001")).unwrap();
    let report = db.ledger.verify().unwrap();
    assert!(report.is_intact(), "{report:?}");
    assert!(
        report.root_key.as_deref().is_some_and(|k| k.starts_with("SHA256:")),
        "{report:?}"
    );
    assert!(report.signatures_checked > 10, "{report:?}");
    assert_eq!(
        report.predating_signing, 2,
        "the time zone and the organisation's name, set as the file was made: {report:?}"
    );
}

/// The desk offers demo data once its first administrator exists: the history loaded is theirs,
/// each entry signed with their key, and the demo's operators added by them.
#[test]
fn demo_data_loaded_after_the_first_administrator_is_signed_by_them() {
    let dir = tempfile::tempdir().unwrap();
    let clock = custody_db::FixedClock::new(common::t("2026-11-20T10:00:00Z"));
    let mut ledger = Ledger::create(&dir.path().join("custody.db"), None, clock).unwrap();
    ledger.use_hashing(custody_db::Hashing::cheap_for_tests());
    ledger.add_first_admin("head", "The Head", "head-pin-1").unwrap();
    let options = custody_db::demo::DemoOptions {
        items: 40,
        people: 12,
        days: 60,
        ..Default::default()
    };
    custody_db::demo::fill(&mut ledger, &options).unwrap();
    let report = ledger.verify().unwrap();
    assert!(report.is_intact(), "{report:?}");
    assert_eq!(
        report.predating_signing, 1,
        "only the time zone, set as the file was made"
    );
    assert!(report.signatures_checked > 100, "{report:?}");
    ledger
        .operator_sign_in("desk", custody_db::demo::DEMO_PASSWORD, SignInAt::CommandLine)
        .unwrap();
}
