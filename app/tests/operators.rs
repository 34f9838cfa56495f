//! Operators on the command line, as a new user meets them: `init` makes the first
//! administrator, who adds the others; every command signs in; a refusal names the role needed,
//! exits 1 and writes nothing but the record of a failed attempt.

#![allow(clippy::unwrap_used)]

use custody_tests::{Desk, write_private};

const CUSTODY: &str = env!("CARGO_BIN_EXE_custody");

#[test]
fn init_makes_the_administrator_who_adds_an_operator_who_signs_items_out() {
    let mut desk = Desk::new(CUSTODY);
    desk.act_as("boss", "boss-password");
    let init = desk.ok(&[
        "init",
        "--org",
        "Hillside School",
        "--admin",
        "Boss",
        "--admin-name",
        "The Head",
    ]);
    assert!(init.contains("Its administrator is boss"), "{init}");

    let clerk_password = desk.dir.path().join("clerk-new");
    write_private(&clerk_password, "clerk-pin-1");
    let added = desk.ok(&[
        "operator",
        "add",
        "clerk",
        "--name",
        "Clerk at the desk",
        "--role",
        "operator",
        "--new-password-file",
        clerk_password.to_str().unwrap(),
    ]);
    assert_eq!(added, "Added operator clerk (Clerk at the desk), role operator.\n");
    desk.ok(&["item", "add", "LT-0001", "--kind", "laptop", "--name", "Dell"]);
    desk.ok(&["person", "add", "S001", "--name", "Sam Jones"]);
    let list = desk.ok(&["operator", "list", "--format", "csv"]);
    assert!(
        list.contains("boss,The Head,admin,yes,ok") && list.contains("clerk,Clerk at the desk,operator,yes,ok"),
        "{list}"
    );

    desk.act_as("clerk", "clerk-pin-1");
    desk.ok(&["out", "LT-0001", "--to", "S001", "--yes"]);
    let history = desk.ok(&["history", "--item", "LT-0001", "--format", "json"]);
    let events: serde_json::Value = serde_json::from_str(&history).unwrap();
    assert_eq!(
        events[0]["operator"], "clerk",
        "the event names the signed-in operator's id"
    );

    // A role trying a command above it: refused, the role needed named, nothing written.
    let before = desk.dump();
    for args in [
        &["item", "add", "LT-0002", "--kind", "laptop", "--name", "Spare"][..],
        &["exposure", "--holder", "S001", "--at", "now"],
        &["verify"],
        &["operator", "list"],
        &["report", "overdue"],
    ] {
        let run = desk.run(args);
        assert_eq!(run.code, 1, "{args:?}: {run:?}");
        assert!(
            run.stderr.contains("clerk is signed in as operator, and to"),
            "{args:?}: {}",
            run.stderr
        );
        assert!(run.stderr.contains("role or above"), "{}", run.stderr);
        assert_eq!(desk.dump(), before, "{args:?} wrote something");
    }
    let backup = desk.dir.path().join("copy.db");
    let refused = desk.run(&["backup", "-o", backup.to_str().unwrap()]);
    assert!(refused.stderr.contains("needs the admin role"), "{refused:?}");
    assert!(!backup.exists());
    let export = desk.dir.path().join("people.csv");
    let refused = desk.run(&["export", "people", export.to_str().unwrap()]);
    assert!(refused.stderr.contains("needs the manager role"), "{refused:?}");
    assert!(!export.exists(), "a refused export leaves no file");
}

#[test]
fn bad_sign_ins_say_what_was_wrong() {
    let mut desk = Desk::with_basics(CUSTODY);
    desk.add_operator("clerk", custody_db::Role::Operator);
    let before = desk.dump();

    desk.act_as("nobody-here", "whatever");
    let unknown = desk.run(&["status"]);
    assert_eq!(unknown.code, 1);
    assert!(
        unknown.stderr.contains("No operator has the id nobody-here"),
        "{unknown:?}"
    );
    assert_eq!(desk.dump(), before, "an unknown id writes nothing");

    // A password file others can read is refused before it is read.
    desk.act_as("clerk", "clerk-password");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&desk.password_file, std::fs::Permissions::from_mode(0o644)).unwrap();
        let open = desk.run(&["status"]);
        assert_eq!(open.code, 1);
        assert!(
            open.stderr.contains("can be read by other users (mode 644)") && open.stderr.contains("chmod 600"),
            "{open:?}"
        );
        assert_eq!(desk.dump(), before);
    }

    // No password file and no terminal: says how to give one.
    let run = std::process::Command::new(CUSTODY)
        .args(["status"])
        .env("CUSTODY_DB", &desk.db)
        .env("CUSTODY_NOW", &desk.now)
        .env("CUSTODY_OPERATOR", "clerk")
        .env_remove("CUSTODY_PASSWORD_FILE")
        .output()
        .unwrap();
    assert_eq!(run.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&run.stderr).contains("give --password-file FILE"));

    // A wrong password: refused, and only the failed attempt is recorded.
    desk.act_as("clerk", "not-the-password");
    let wrong = desk.run(&["status"]);
    assert_eq!(wrong.code, 1);
    assert!(wrong.stderr.contains("Wrong password for clerk"), "{wrong:?}");
    let after = desk.dump();
    let new_rows: Vec<&str> = after.lines().filter(|l| !before.contains(*l)).collect();
    assert!(
        new_rows
            .iter()
            .all(|l| l.starts_with("records|") && l.contains("operator-sign-in-failed") || l.starts_with("operators|")),
        "{new_rows:?}"
    );

    // Disabled: refused with its own message.
    desk.act_as("office", "office-password");
    desk.ok(&["operator", "disable", "clerk"]);
    desk.act_as("clerk", "clerk-password");
    let disabled = desk.run(&["status"]);
    assert!(disabled.stderr.contains("clerk is disabled"), "{disabled:?}");
}

#[test]
fn the_weekly_report_runs_unattended_as_a_report_operator() {
    let mut desk = Desk::with_basics(CUSTODY);
    desk.ok(&["out", "LT-0001", "--to", "S001"]);
    desk.add_operator("reports", custody_db::Role::Manager);
    desk.act_as("reports", "reports-password");
    desk.now = "2026-11-30T07:00:00Z".into();
    let csv = desk.dir.path().join("overdue.csv");
    let out = desk.ok(&["report", "overdue", "--format", "csv", "-o", csv.to_str().unwrap()]);
    assert!(out.starts_with("Wrote"), "{out}");
    assert!(std::fs::read_to_string(&csv).unwrap().contains("LT-0001"));
}

#[test]
fn a_database_from_before_operators_says_how_to_begin() {
    let desk = Desk::new(CUSTODY);
    {
        // Made as an older release left it: no operators.
        let clock = custody_db::FixedClock::new(chrono::Utc::now());
        custody_db::Ledger::create(&desk.db, Some("Old School"), clock).unwrap();
    }
    let run = desk.run(&["status"]);
    assert_eq!(run.code, 1);
    assert!(
        run.stderr.contains("has no operators yet")
            && run.stderr.contains("custody operator add ID")
            && run.stderr.contains("Create the first administrator"),
        "{run:?}"
    );
    let first = desk.dir.path().join("first");
    write_private(&first, "first-admin-pw");
    let made = desk.ok(&[
        "operator",
        "add",
        "head",
        "--name",
        "Head",
        "--role",
        "admin",
        "--new-password-file",
        first.to_str().unwrap(),
    ]);
    assert!(made.contains("Added operator head"), "{made}");
    assert!(
        desk.run(&["status"]).stderr.contains("No operator has the id office"),
        "now sign-in is needed"
    );
}
