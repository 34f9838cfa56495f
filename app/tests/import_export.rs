//! Imports and exports from the command line: a round trip through CSV into a new database, a
//! dry run, a bad file, and formula cells neutralised on export.

#![allow(clippy::unwrap_used)]

use custody_tests::Desk;

/// The binary under test, as Cargo built it for these tests.
const CUSTODY: &str = env!("CARGO_BIN_EXE_custody");

#[test]
fn export_then_import_into_a_new_database() {
    let old = Desk::with_basics(CUSTODY);
    old.ok(&["out", "LT-0001", "--to", "S001"]);
    let items = old.dir.path().join("items.csv");
    let people = old.dir.path().join("people.csv");
    let events = old.dir.path().join("events.csv");
    old.ok(&["export", "items", items.to_str().unwrap()]);
    old.ok(&["export", "people", people.to_str().unwrap()]);
    assert_eq!(
        old.ok(&["export", "events", events.to_str().unwrap()]),
        format!("Wrote 1 events to {}.\n", events.display())
    );
    let ledger = std::fs::read_to_string(&events).unwrap();
    assert!(ledger.starts_with("seq,id,kind,item,person"), "{ledger}");
    assert!(ledger.contains(",sign-out,LT-0001,S001,"), "{ledger}");

    let new = Desk::new(CUSTODY);
    new.init(None);
    let dry = new.ok(&["import", "items", items.to_str().unwrap(), "--dry-run"]);
    assert!(
        dry.contains("Would add 3 row(s).") && dry.contains("Nothing was written"),
        "{dry}"
    );
    assert!(
        new.ok(&["item", "list"]).lines().count() == 1,
        "the dry run added nothing"
    );
    let added = new.ok(&["import", "items", items.to_str().unwrap()]);
    assert!(
        added.contains("(Custody items template): Added 3 row(s).\n  LT-0001, LT-0002, PF-0001"),
        "{added}"
    );
    assert!(added.contains("Ignored columns: status, holder, due."), "{added}");
    new.ok(&["import", "people", people.to_str().unwrap()]);
    let sam = new.ok(&["person", "show", "S001"]);
    assert!(
        sam.contains("training:") && sam.contains("current (completed 15/03/2026"),
        "{sam}"
    );
    let show = new.ok(&["item", "show", "LT-0001"]);
    assert!(
        show.contains("encrypted:        yes") && show.contains("data subjects:    120"),
        "{show}"
    );
}

#[test]
fn a_bad_import_names_the_line_and_adds_nothing() {
    let desk = Desk::with_basics(CUSTODY);
    let file = desk.dir.path().join("bad.csv");
    std::fs::write(&file, "tag,kind,name\nCB-0001,chromebook,ok\nCB-0002,tablet-ish,bad\n").unwrap();
    let before = desk.dump();
    let run = desk.run(&["import", "items", file.to_str().unwrap()]);
    assert_eq!(run.code, 1);
    assert!(
        run.stderr.contains("Line 3: \"tablet-ish\" is not a kind of item"),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains("Nothing was imported"), "{}", run.stderr);
    assert_eq!(desk.dump(), before);
    let missing = desk.run(&["import", "items", "/no/such/file.csv"]);
    assert_eq!(missing.code, 1);
    assert!(
        missing.stderr.contains("could not read /no/such/file.csv"),
        "{}",
        missing.stderr
    );
}

#[test]
fn names_that_look_like_formulas_survive_an_export_and_an_import_exactly() {
    let old = Desk::with_basics(CUSTODY);
    let names = [
        "=1+1 laptop",
        "-5 spare",
        "'quoted already",
        "@home kit",
        "'=odd but real",
    ];
    for (n, name) in names.iter().enumerate() {
        let tag = format!("X-{n}");
        let name = format!("--name={name}"); // `=` so that "-5 spare" is a value, not a flag
        old.ok(&["item", "add", &tag, "--kind", "other", &name]);
    }
    let file = old.dir.path().join("items.csv");
    old.ok(&["export", "items", file.to_str().unwrap()]);
    let new = Desk::new(CUSTODY);
    new.init(None);
    new.ok(&["import", "items", file.to_str().unwrap()]);
    let listed = new.ok(&["item", "list", "--format", "json"]);
    let rows: serde_json::Value = serde_json::from_str(&listed).unwrap();
    for (n, name) in names.iter().enumerate() {
        let tag = format!("X-{n}");
        let row = rows
            .as_array()
            .unwrap()
            .iter()
            .find(|r| r["tag"] == tag.as_str())
            .unwrap();
        assert_eq!(row["name"], *name, "{tag}");
    }
}

#[test]
fn exported_formulas_are_neutralised() {
    let desk = Desk::with_basics(CUSTODY);
    desk.ok(&["person", "add", "S009", "--name", "@SUM(1+1)*cmd"]);
    let file = desk.dir.path().join("people.csv");
    desk.ok(&["export", "people", file.to_str().unwrap()]);
    let csv = std::fs::read_to_string(&file).unwrap();
    assert!(csv.contains("S009,'@SUM(1+1)*cmd,"), "{csv}");
}
