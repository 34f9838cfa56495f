//! Who may do what, as a matrix: every action, tried by every role on a real database through
//! the ledger's own functions. Allowed means it ran; refused means the message names the role
//! needed and nothing at all was written. Then the sign-in itself: wrong passwords, lock-outs,
//! disabled and unknown operators.

#![allow(clippy::unwrap_used)]

mod common;

use chrono::Duration;
use common::{ADMIN_PASSWORD, out, setup, t};
use custody_db::policy::Mode;
use custody_db::{Action, Custodian, Error, EventKind, Item, ItemKind, Ledger, Role, SignInAt};

/// Sets the scene as the administrator (some actions need an item out first).
type Prepare = fn(&mut Ledger);
/// Does the action as the operator under test.
type Act = fn(&mut Ledger, &std::path::Path) -> custody_db::Result<()>;

fn nothing(_: &mut Ledger) {}

fn sign_out_lt1(l: &mut Ledger) {
    l.sign_out(&out(&["LT-0001"], "S001")).unwrap();
}

fn start_stocktake(l: &mut Ledger) {
    l.start_stocktake(custody_db::stocktake::Scope::Premises).unwrap();
}

/// One real call per action.
fn cases() -> Vec<(Action, Prepare, Act)> {
    vec![
        (Action::SignOut, nothing, |l, _| {
            l.sign_out(&out(&["LT-0001"], "S001")).map(drop)
        }),
        (Action::SignIn, sign_out_lt1, |l, _| {
            l.sign_in(&["LT-0001".into()], None, None).map(drop)
        }),
        (Action::Transfer, sign_out_lt1, |l, _| {
            l.transfer("LT-0001", "S002", None, None).map(drop)
        }),
        (Action::RecordLossOrFind, nothing, |l, _| {
            l.record("LT-0002", EventKind::Lost, None, None).map(drop)
        }),
        (Action::PrintLabels, nothing, |l, _| l.allow(Action::PrintLabels)),
        (Action::SeeRegister, nothing, |l, _| l.items().map(drop)),
        (Action::Sync, nothing, |l, _| l.entries_after(0, 10).map(drop)),
        (Action::SendNotices, nothing, |l, _| l.queue_notices(l.now()).map(drop)),
        (Action::SeeNotices, nothing, |l, _| l.notices_due(l.now()).map(drop)),
        (Action::EditRegister, nothing, |l, _| {
            l.add_item(&Item::new("LT-0009", ItemKind::Laptop, "Spare")).map(drop)
        }),
        (Action::Import, nothing, |l, _| {
            l.import_items(b"tag,kind,name\nLT-0010,laptop,Spare\n", false, false)
                .map(drop)
        }),
        (Action::Export, nothing, |l, _| l.allow(Action::Export)),
        (Action::OverdueReport, nothing, |l, _| l.overdue(l.now()).map(drop)),
        (Action::Correct, sign_out_lt1, |l, _| {
            let id = l.item_events_unchecked("LT-0001").to_string();
            l.correct(&id, "scanned the wrong laptop").map(drop)
        }),
        (Action::Stocktake, nothing, |l, _| {
            l.start_stocktake(custody_db::stocktake::Scope::Premises).map(drop)
        }),
        (Action::StocktakeScan, start_stocktake, |l, _| {
            l.stocktake_scan(None, "LT-0001").map(drop)
        }),
        (Action::SpotCheck, sign_out_lt1, |l, _| {
            l.draw_spot_check(
                custody_db::spot_check::Population::Items,
                custody_db::spot_check::SampleSize::Count(1),
                None,
            )
            .map(drop)
        }),
        (Action::Dispose, nothing, |l, _| {
            l.dispose(&custody_db::disposal::NewDisposal {
                tag: "LT-0003",
                method: custody_db::disposal::Method::CertifiedDestruction,
                reference: "CERT-1",
                witness: None,
                at: None,
            })
            .map(drop)
        }),
        (Action::RuleSettings, nothing, |l, _| {
            l.set_rule_mode(custody_db::Rule::R5, Mode::Block)
        }),
        (Action::Exposure, nothing, |l, _| {
            let now = l.now();
            l.exposure(&Custodian::Holder("S001".into()), now - Duration::days(7), now)
                .map(drop)
        }),
        (Action::Incidents, nothing, |l, _| {
            let now = l.now();
            l.open_incident(&custody_db::NewIncident {
                kind: custody_db::IncidentKind::Disclosure,
                who: Custodian::Holder("S001".into()),
                occurred_at: now - Duration::hours(2),
                discovered_at: None,
                description: "an email to the wrong parent".into(),
            })
            .map(drop)
        }),
        (Action::SeeIncidents, nothing, |l, _| l.incidents().map(drop)),
        (Action::SeeOperators, nothing, |l, _| l.operators().map(drop)),
        (Action::TrustReport, nothing, |l, _| {
            let now = l.now();
            l.trust_report(now - Duration::days(30), now, None, None).map(drop)
        }),
        (Action::LedgerExport, nothing, |l, _| l.for_each_event(|_| {})),
        (Action::Verify, nothing, |l, _| l.verify().map(drop)),
        (Action::Operators, nothing, |l, _| {
            l.add_operator("newbie", "New Starter", Role::Operator, "newbie-pin")
                .map(drop)
        }),
        (Action::Backup, nothing, |l, dir| l.backup_to(&dir.join("copy.db"))),
        (Action::Restore, nothing, |l, dir| {
            let copy = dir.join("before.db");
            l.as_admin(|admin| admin.backup_to(&copy));
            let by = l.session().cloned().unwrap();
            // Restored beside it: the database itself is open in this test.
            custody_db::restore(&dir.join("restored.db"), &copy, false, None, l_clock(), Some(&by)).map(drop)
        }),
        (Action::AllSettings, nothing, |l, _| l.set_backups_kept(10)),
        (Action::JoinServer, nothing, |l, _| l.allow(Action::JoinServer)),
    ]
}

fn l_clock() -> std::sync::Arc<dyn custody_db::Clock> {
    custody_db::FixedClock::new(t("2026-11-20T10:00:00Z"))
}

/// Test-only shortcuts on the ledger.
trait TestLedger {
    fn item_events_unchecked(&self, tag: &str) -> uuid::Uuid;
    fn as_admin(&mut self, f: impl FnOnce(&mut Ledger) -> custody_db::Result<()>);
}

impl TestLedger for Ledger {
    /// The id of an item's latest event, read straight from the file (any role).
    fn item_events_unchecked(&self, tag: &str) -> uuid::Uuid {
        let conn = rusqlite::Connection::open(self.path()).unwrap();
        let id: Vec<u8> = conn
            .query_row(
                "SELECT id FROM events WHERE item = ?1 ORDER BY seq DESC LIMIT 1",
                [tag],
                |r| r.get(0),
            )
            .unwrap();
        uuid::Uuid::from_slice(&id).unwrap()
    }

    /// Runs `f` on a second connection signed in as the administrator.
    fn as_admin(&mut self, f: impl FnOnce(&mut Ledger) -> custody_db::Result<()>) {
        let mut admin = Ledger::open(self.path(), l_clock()).unwrap();
        admin
            .operator_sign_in("office", ADMIN_PASSWORD, SignInAt::CommandLine)
            .unwrap();
        f(&mut admin).unwrap();
    }
}

#[test]
fn every_action_is_allowed_exactly_to_the_roles_that_may_do_it() {
    let mut checked = 0;
    for (action, prepare, act) in cases() {
        for role in Role::ALL {
            let mut db = setup();
            prepare(&mut db.ledger);
            let id = format!("as-{role}");
            db.ledger.add_operator(&id, "Tester", role, "tester-pin").unwrap();
            let mut ledger = Ledger::open(&db.path, db.clock.clone()).unwrap();
            let session = ledger
                .operator_sign_in(&id, "tester-pin", SignInAt::CommandLine)
                .unwrap();
            assert_eq!(session.role(), role);
            let before = common::dump(&db.path);
            let done = act(&mut ledger, db.dir.path());
            let may = role.may(action);
            match done {
                Ok(()) => assert!(may, "{action:?} was allowed to {role}"),
                Err(Error::RoleRefused { needs, role: had, .. }) => {
                    assert!(!may, "{action:?} was refused to {role}");
                    assert_eq!((needs, had), (action.needs(), role), "{action:?}");
                    assert_eq!(
                        common::dump(&db.path),
                        before,
                        "{action:?} refused to {role} wrote something"
                    );
                }
                Err(e) => panic!("{action:?} as {role}: {e}"),
            }
            checked += 1;
        }
    }
    assert_eq!(checked, Action::ALL.len() * Role::ALL.len(), "every action has a case");
}

#[test]
fn a_refusal_names_the_role_needed() {
    let mut db = setup();
    db.ledger
        .add_operator("clerk", "Clerk", Role::Operator, "clerk-pin")
        .unwrap();
    db.ledger
        .operator_sign_in("clerk", "clerk-pin", SignInAt::CommandLine)
        .unwrap();
    let now = db.ledger.now();
    let refused = db
        .ledger
        .exposure(&Custodian::Holder("S001".into()), now - Duration::days(1), now)
        .unwrap_err()
        .to_string();
    assert_eq!(
        refused,
        "Refused: clerk is signed in as operator, and to look up an exposure needs the dpo role or above. Ask someone with that role."
    );
}

#[test]
fn nobody_signed_in_may_do_nothing_and_is_told_how() {
    let db = setup();
    let mut ledger = Ledger::open(&db.path, db.clock.clone()).unwrap();
    let before = common::dump(&db.path);
    let refused = ledger.sign_out(&out(&["LT-0001"], "S001")).unwrap_err().to_string();
    assert!(
        refused.starts_with("Refused: signing in is needed to sign items out"),
        "{refused}"
    );
    assert!(ledger.items().is_err(), "not even the list of items");
    assert_eq!(common::dump(&db.path), before);
}

#[test]
fn a_database_from_before_operators_says_how_to_make_the_first_administrator() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("old.db");
    let mut ledger = Ledger::create(&path, None, l_clock()).unwrap();
    let refused = ledger.items().unwrap_err().to_string();
    assert!(refused.contains("Create the first administrator"), "{refused}");
    assert!(
        !refused.contains("custody "),
        "no command in a library's words: {refused}"
    );
    ledger.use_hashing(custody_db::Hashing::cheap_for_tests());
    let first = ledger
        .add_operator("clerk", "Clerk", Role::Operator, "clerk-pin")
        .unwrap_err();
    assert!(matches!(first, Error::FirstMustBeAdmin), "{first}");
    ledger
        .add_operator("boss", "The Boss", Role::Admin, "boss-password")
        .unwrap();
    assert_eq!(
        ledger.session().unwrap().id(),
        "boss",
        "the first administrator is signed in"
    );
    assert!(ledger.items().is_ok());
}

/// The attack table: each attempt gets a clear message and writes nothing but the record of a
/// failed attempt.
#[test]
fn wrong_passwords_are_counted_delayed_and_locked_out_and_the_count_survives_a_restart() {
    let mut db = setup();
    db.ledger
        .add_operator("clerk", "Clerk", Role::Operator, "clerk-pin")
        .unwrap();
    let failures = |path: &std::path::Path| -> i64 {
        let conn = rusqlite::Connection::open(path).unwrap();
        conn.query_row(
            "SELECT count(*) FROM records WHERE kind = 'operator-sign-in-failed'",
            [],
            |r| r.get(0),
        )
        .unwrap()
    };
    let open = || {
        let mut l = Ledger::open(&db.path, db.clock.clone()).unwrap();
        l.use_hashing(custody_db::Hashing::cheap_for_tests());
        l
    };

    // Unknown and disabled operators: a clear message, nothing written.
    let before = common::dump(&db.path);
    let unknown = open()
        .operator_sign_in("nobody", "whatever", SignInAt::Desk)
        .unwrap_err();
    assert_eq!(
        unknown.to_string(),
        "No operator has the id nobody. Check the id, or ask an administrator to add you."
    );
    assert_eq!(common::dump(&db.path), before);

    // Five wrong in a row: each recorded; from then on each try waits longer.
    for n in 1..=5 {
        let mut l = open(); // a restart each time: the count is in the file
        let wrong = l.operator_sign_in("clerk", "guess", SignInAt::Desk).unwrap_err();
        assert!(
            matches!(wrong, Error::WrongPassword { failed, .. } if failed == n),
            "{wrong}"
        );
        assert_eq!(failures(&db.path), i64::from(n));
    }
    let too_soon = open()
        .operator_sign_in("clerk", "clerk-pin", SignInAt::Desk)
        .unwrap_err();
    assert_eq!(
        too_soon.to_string(),
        "Too many wrong passwords for clerk: wait 2 seconds before the next try."
    );
    assert_eq!(
        failures(&db.path),
        5,
        "a try refused for being too soon is not checked or counted"
    );

    // Five more, waiting each time: the tenth locks the operator out for 15 minutes.
    for _ in 6..=10 {
        db.clock.advance(Duration::minutes(1));
        let _ = open().operator_sign_in("clerk", "guess", SignInAt::Desk);
    }
    db.clock.advance(Duration::minutes(1));
    let locked = open()
        .operator_sign_in("clerk", "clerk-pin", SignInAt::Desk)
        .unwrap_err();
    assert!(
        locked
            .to_string()
            .starts_with("clerk is locked out after 10 wrong passwords in a row, until 20/11/2026 10:20"),
        "the right PIN does not open a lock-out: {locked}"
    );
    assert_eq!(failures(&db.path), 11, "the refused try is on the record too");

    // An administrator clears it; then the right PIN works and the count is back to nothing.
    db.ledger.unlock_operator("clerk").unwrap();
    let mut l = open();
    l.operator_sign_in("clerk", "clerk-pin", SignInAt::Desk).unwrap();
    let clerk = db
        .ledger
        .operators()
        .unwrap()
        .into_iter()
        .find(|o| o.id == "clerk")
        .unwrap();
    assert_eq!((clerk.failed_attempts, clerk.locked_until), (0, None));
    assert!(db.ledger.verify().unwrap().is_intact(), "every attempt replays");

    // Disabled: refused, and says so.
    db.ledger.set_operator_active("clerk", false).unwrap();
    let disabled = open()
        .operator_sign_in("clerk", "clerk-pin", SignInAt::Desk)
        .unwrap_err();
    assert!(disabled.to_string().starts_with("clerk is disabled"), "{disabled}");
}

#[test]
fn a_lock_out_ends_by_itself_after_fifteen_minutes() {
    let mut db = setup();
    db.ledger
        .add_operator("clerk", "Clerk", Role::Operator, "clerk-pin")
        .unwrap();
    for _ in 0..10 {
        db.clock.advance(Duration::minutes(1));
        let _ = db.ledger.operator_sign_in("clerk", "guess", SignInAt::Desk);
    }
    db.clock.advance(Duration::minutes(14));
    assert!(
        db.ledger
            .operator_sign_in("clerk", "clerk-pin", SignInAt::Desk)
            .is_err()
    );
    db.clock.advance(Duration::minutes(2));
    db.ledger
        .operator_sign_in("clerk", "clerk-pin", SignInAt::Desk)
        .unwrap();
}

#[test]
fn short_and_empty_pins_are_refused_and_the_last_administrator_stays() {
    let mut db = setup();
    let before = common::dump(&db.path);
    for pin in ["", "   ", "12345"] {
        let refused = db
            .ledger
            .add_operator("clerk", "Clerk", Role::Operator, pin)
            .unwrap_err();
        assert!(refused.to_string().contains("at least 6 characters"), "{refused}");
    }
    let demote = db.ledger.set_operator_role("office", Role::Manager).unwrap_err();
    assert!(demote.to_string().contains("last active administrator"), "{demote}");
    let disable = db.ledger.set_operator_active("office", false).unwrap_err();
    assert!(disable.to_string().contains("last active administrator"), "{disable}");
    assert_eq!(common::dump(&db.path), before);
}

#[test]
fn operator_changes_are_records_that_verify_replays_and_never_show_a_hash() {
    let mut db = setup();
    db.ledger
        .add_operator("clerk", "Clerk", Role::Operator, "clerk-pin")
        .unwrap();
    db.ledger.set_operator_role("clerk", Role::Manager).unwrap();
    db.ledger.reset_operator_password("clerk", "new-clerk-pin").unwrap();
    db.ledger.set_operator_active("clerk", false).unwrap();
    assert!(db.ledger.verify().unwrap().is_intact());
    let conn = rusqlite::Connection::open(&db.path).unwrap();
    let kinds: Vec<String> = conn
        .prepare("SELECT kind FROM records WHERE subject = 'clerk' ORDER BY seq")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    assert_eq!(
        kinds,
        [
            "operator-added",
            "operator-changed",
            "operator-changed",
            "operator-changed"
        ]
    );
    let changes = db.ledger.operator_records("clerk").unwrap();
    let said: String = changes.iter().map(|c| c.summary()).collect::<Vec<_>>().join("\n");
    assert!(said.contains("role: operator -> manager"), "{said}");
    assert!(
        said.contains("password: (a new password) -> (a new password)"),
        "{said}"
    );
    assert!(said.contains("active: yes -> no"), "{said}");
    assert!(!said.contains("$argon2"), "a password hash is never shown: {said}");

    // The projection edited behind the app's back is caught.
    conn.execute("UPDATE operators SET role = 'admin' WHERE id = 'clerk'", [])
        .unwrap();
    let report = db.ledger.verify().unwrap();
    assert!(
        report
            .register_mismatches
            .iter()
            .any(|m| m.starts_with("operator clerk: role")),
        "{report:?}"
    );
}

#[test]
fn an_operator_undoes_only_their_own_action_and_only_straight_away() {
    let mut db = setup();
    db.ledger
        .add_operator("clerk", "Clerk", Role::Operator, "clerk-pin")
        .unwrap();
    db.ledger
        .add_operator("clerk2", "Other clerk", Role::Operator, "clerk2-pin")
        .unwrap();
    let mut clerk = Ledger::open(&db.path, db.clock.clone()).unwrap();
    clerk
        .operator_sign_in("clerk", "clerk-pin", SignInAt::CommandLine)
        .unwrap();
    let mut other = Ledger::open(&db.path, db.clock.clone()).unwrap();
    other
        .operator_sign_in("clerk2", "clerk2-pin", SignInAt::CommandLine)
        .unwrap();

    let first = clerk.sign_out(&out(&["LT-0001"], "S001")).unwrap();
    let ids: Vec<String> = first.iter().map(|e| e.id.to_string()).collect();
    let refused = other.undo_own(&ids, "not mine").unwrap_err().to_string();
    assert!(refused.contains("only your own action"), "{refused}");
    let as_correction = clerk.correct(&ids[0], "a correction").unwrap_err().to_string();
    assert!(as_correction.contains("needs the manager role"), "{as_correction}");
    clerk.undo_own(&ids, "undone at once").unwrap();

    let second = clerk.sign_out(&out(&["LT-0002"], "S001")).unwrap();
    db.clock.advance(Duration::seconds(11));
    let late = clerk
        .undo_own(&[second[0].id.to_string()], "too late")
        .unwrap_err()
        .to_string();
    assert!(
        late.contains("last 10 seconds") && late.contains("a manager can record a correction"),
        "{late}"
    );
}

/// A role taken away (or an operator disabled) by an administrator elsewhere while they are
/// signed in at a desk counts from their next action: nothing is written that the record, which
/// now says otherwise, would refuse. A role given counts from their next sign-in.
#[test]
fn a_role_changed_while_signed_in_counts_from_the_next_action() {
    let mut db = setup();
    db.ledger.use_hashing(custody_db::Hashing::cheap_for_tests());
    db.ledger
        .add_operator("mgr", "Manager", Role::Manager, "mgr-pin-1")
        .unwrap();
    let mut desk = Ledger::open(&db.path, db.clock.clone()).unwrap();
    desk.operator_sign_in("mgr", "mgr-pin-1", SignInAt::Desk).unwrap();
    desk.add_item(&Item::new("LT-0100", ItemKind::Laptop, "Spare")).unwrap();

    db.ledger.set_operator_role("mgr", Role::Auditor).unwrap();
    let before = common::dump(&db.path);
    match desk.add_item(&Item::new("LT-0101", ItemKind::Laptop, "Spare")) {
        Err(Error::RoleRefused {
            role: Role::Auditor, ..
        }) => {}
        other => panic!("{other:?}"),
    }
    assert_eq!(common::dump(&db.path), before);

    // Made an administrator: not before they sign in again.
    db.ledger.set_operator_role("mgr", Role::Admin).unwrap();
    match desk.set_backups_kept(3) {
        Err(Error::RoleRefused {
            role: Role::Manager, ..
        }) => {}
        other => panic!("{other:?}"),
    }
    db.ledger.set_operator_active("mgr", false).unwrap();
    match desk.add_item(&Item::new("LT-0102", ItemKind::Laptop, "Spare")) {
        Err(Error::OperatorDisabled { .. }) => {}
        other => panic!("{other:?}"),
    }
    drop(desk);
    assert!(db.ledger.verify().unwrap().is_intact());
}
