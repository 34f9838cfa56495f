//! The policy rules from the command line: exit code 3 naming the rule, nothing written, `--yes`
//! to acknowledge warnings (recorded), settings, and the people register.

#![allow(clippy::unwrap_used)]

use custody_tests::Desk;

/// The binary under test, as Cargo built it for these tests.
const CUSTODY: &str = env!("CARGO_BIN_EXE_custody");

#[test]
fn a_blocking_rule_exits_3_names_the_rule_and_writes_nothing() {
    let desk = Desk::with_basics(CUSTODY);
    let before = desk.dump();
    let run = desk.run(&["out", "PF-0001", "--to", "S001"]);
    assert_eq!(run.code, 3, "{run:?}");
    assert!(run.stderr.contains("Refused by R1:"), "{}", run.stderr);
    assert!(
        run.stderr.contains("PF-0001 is a paper file; paper should not leave"),
        "{}",
        run.stderr
    );
    assert_eq!(desk.dump(), before);
    let ok = desk.ok(&[
        "out",
        "PF-0001",
        "--to",
        "S001",
        "--reason",
        "Home visit",
        "--authorised-by",
        "S002",
    ]);
    assert!(
        ok.starts_with("Signed out PF-0001 to Sam Jones (S001), due 23/11/2026 17:00."),
        "{ok}"
    );
}

#[test]
fn warnings_need_yes_and_are_recorded() {
    let desk = Desk::with_basics(CUSTODY);
    desk.ok(&["person", "add", "S003", "--name", "New Starter"]);
    let before = desk.dump();
    let run = desk.run(&["out", "LT-0002", "--to", "S003"]);
    assert_eq!(run.code, 3, "{run:?}");
    assert!(
        run.stderr.contains("R6, R7 must be acknowledged") && run.stderr.contains("--yes"),
        "{}",
        run.stderr
    );
    assert_eq!(desk.dump(), before, "nothing written until acknowledged");
    let ok = desk.ok(&["out", "LT-0002", "--to", "S003", "--yes"]);
    assert!(
        ok.contains("Warnings acknowledged and recorded:\n  R6: New Starter has no home-working agreement"),
        "{ok}"
    );
    let history = desk.ok(&["history", "--item", "LT-0002"]);
    assert!(history.contains("warned of R6, R7"), "{history}");
}

#[test]
fn settings_turn_a_warning_into_a_block() {
    let desk = Desk::with_basics(CUSTODY);
    desk.ok(&[
        "item",
        "add",
        "LT-0009",
        "--kind",
        "laptop",
        "--name",
        "Old laptop",
        "--data-subjects",
        "30",
    ]);
    let shown = desk.ok(&["settings", "show"]);
    assert!(shown.contains("R4    warn"), "{shown}");
    assert_eq!(desk.ok(&["settings", "set", "r4", "block"]), "R4 now blocks.\n");
    let run = desk.run(&["out", "LT-0009", "--to", "S001", "--yes"]);
    assert_eq!(run.code, 3);
    assert!(run.stderr.contains("Refused by R4:"), "{}", run.stderr);
    let bad = desk.run(&["settings", "set", "R8", "warn"]);
    assert_eq!(bad.code, 1);
    assert!(bad.stderr.contains("R8 always blocks"), "{}", bad.stderr);
}

#[test]
fn the_people_register_at_a_glance_and_in_detail() {
    let desk = Desk::with_basics(CUSTODY);
    desk.ok(&["person", "add", "S004", "--name", "Lapsed Trainee"]);
    let set = desk.ok(&[
        "person",
        "set",
        "s004",
        "--training",
        "2025-06-01",
        "--agreement-signed",
        "2026-01-01",
        "--agreement-review",
        "2026-12-01",
    ]);
    assert!(
        set.contains("training:") && set.contains("lapsed (completed 01/06/2025, review 01/06/2026)"),
        "{set}"
    );
    let list = desk.ok(&["person", "list", "--format", "csv"]);
    assert!(
        list.contains("S001,Sam Jones,sam@example.org,yes,0,current,current,current"),
        "{list}"
    );
    assert!(
        list.contains("S004,Lapsed Trainee,,yes,0,due for review,missing,lapsed"),
        "{list}"
    );
    let show = desk.ok(&["person", "show", "S001"]);
    assert!(
        show.contains("risk assessment:") && show.contains("current (done 01/02/2026, review 01/02/2027)"),
        "{show}"
    );
    let bad = desk.run(&["person", "set", "S001", "--training", "2026-13-01"]);
    assert_eq!(bad.code, 1, "{bad:?}");
    assert!(bad.stderr.contains("there is no such date"), "{}", bad.stderr);
    let uk = desk.ok(&["person", "set", "S001", "--training", "15/03/2026"]);
    assert!(uk.contains("completed 15/03/2026"), "{uk}");
    let future = desk.run(&["person", "set", "S001", "--training", "2027-01-01"]);
    assert_eq!(future.code, 1);
    assert!(future.stderr.contains("is in the future"), "{}", future.stderr);
}

#[test]
fn a_register_date_entered_by_mistake_can_be_cleared() {
    let desk = Desk::with_basics(CUSTODY);
    let cleared = desk.ok(&[
        "person",
        "set",
        "S001",
        "--clear",
        "assessment-done,assessment-review,assessment-ref",
    ]);
    assert!(
        cleared.contains("risk assessment:") && cleared.contains("none on record"),
        "{cleared}"
    );
    assert!(
        cleared.contains("current (signed 10/01/2026"),
        "the rest stays: {cleared}"
    );
    let before = desk.dump();
    let both = desk.run(&[
        "person",
        "set",
        "S001",
        "--training",
        "2026-05-01",
        "--clear",
        "training",
    ]);
    assert_eq!(both.code, 2, "a usage error");
    assert!(
        both.stderr
            .contains("--training and --clear training say opposite things"),
        "{}",
        both.stderr
    );
    assert_eq!(desk.dump(), before);
}
