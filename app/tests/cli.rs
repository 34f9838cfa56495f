//! The `custody` command line as a new user meets it: the real binary, a real SQLite file.

#![allow(clippy::unwrap_used)]

use custody_tests::Desk;

/// The binary under test, as Cargo built it for these tests.
const CUSTODY: &str = env!("CARGO_BIN_EXE_custody");

#[test]
fn a_new_user_signs_items_out_and_in() {
    let desk = Desk::with_basics(CUSTODY);
    let out = desk.ok(&["out", "lt-0001", "LT-0002", "--to", "s001"]);
    assert_eq!(
        out,
        "Signed out LT-0001, LT-0002 to Sam Jones (S001), due 27/11/2026, end of day.\n"
    );

    let status = desk.ok(&["status"]);
    let lines: Vec<&str> = status.lines().collect();
    assert!(
        lines[0].starts_with("TAG") && lines[0].contains("OUT SINCE"),
        "{status}"
    );
    assert!(
        lines[1].starts_with("LT-0001  laptop") && lines[1].contains("Sam Jones"),
        "{status}"
    );
    assert_eq!(lines.len(), 3);

    let mut later = Desk {
        now: "2026-11-30T09:00:00Z".into(),
        ..desk
    };
    let back = later.ok(&["in", "LT-0001"]);
    // Due on the 27th, back on the 30th: three calendar days late.
    assert_eq!(back, "Returned LT-0001 from Sam Jones (S001) — 3 days late.\n");

    let show = later.ok(&["item", "show", "LT-0001"]);
    assert!(
        show.contains("now:") && show.contains("in since 30/11/2026 09:00"),
        "{show}"
    );
    assert!(
        show.contains("signed out to Sam Jones (S001), due 27/11/2026, end of day"),
        "{show}"
    );
    assert!(show.contains("signed in from Sam Jones (S001)"), "{show}");
    assert!(show.contains(" office"), "every event names its operator's id: {show}");

    let history = later.ok(&["history", "--person", "S001", "--format", "json"]);
    let events: serde_json::Value = serde_json::from_str(&history).unwrap();
    assert_eq!(events.as_array().unwrap().len(), 3);
    assert_eq!(events[2]["event"], "sign-in");
    assert_eq!(events[2]["occurred"], "2026-11-30T09:00:00+00:00");

    let verify = later.ok(&["verify"]);
    assert!(verify.contains("Intact") && verify.contains("3 events"), "{verify}");
    later.now = "2026-12-01T09:00:00Z".into();
    assert!(
        later
            .ok(&["status", "--format", "csv"])
            .contains("LT-0002,laptop,S001,Sam Jones")
    );
}

#[test]
fn backdated_records_keep_both_times() {
    let desk = Desk::with_basics(CUSTODY);
    desk.ok(&[
        "out",
        "LT-0001",
        "--to",
        "S002",
        "--at",
        "18/11/2026 14:30",
        "--due",
        "2026-11-19",
    ]);
    let json = desk.ok(&["history", "--item", "LT-0001", "--format", "json"]);
    let events: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(events[0]["occurred"], "2026-11-18T14:30:00+00:00");
    assert_eq!(events[0]["recorded"], "2026-11-20T10:00:00+00:00");
    let status = desk.ok(&["status", "--format", "json"]);
    let rows: serde_json::Value = serde_json::from_str(&status).unwrap();
    assert_eq!(rows[0]["overdue"], true, "due end of the 19th, now the 20th");
    let window = desk.ok(&[
        "history",
        "--person",
        "S002",
        "--from",
        "2026-11-19",
        "--to",
        "2026-11-20",
    ]);
    assert_eq!(
        window.lines().count(),
        1,
        "only the header: nothing happened in that window: {window}"
    );
}

#[test]
fn transfer_loss_and_correction() {
    let desk = Desk::with_basics(CUSTODY);
    desk.ok(&["out", "LT-0001", "--to", "S001"]);
    let moved = desk.ok(&["transfer", "LT-0001", "--to", "S002"]);
    assert!(
        moved.contains("passed from Sam Jones (S001) to Priya Patel (S002)"),
        "{moved}"
    );
    let stolen = desk.ok(&["stolen", "LT-0001", "--note", "Car broken into"]);
    assert!(
        stolen.contains("it was with Priya Patel (S002)") && stolen.contains("Data Protection Officer"),
        "{stolen}"
    );
    let json = desk.ok(&["item", "show", "LT-0001", "--format", "json"]);
    let shown: serde_json::Value = serde_json::from_str(&json).unwrap();
    assert_eq!(shown["state"]["status"], "stolen");
    let history = shown["history"].as_array().unwrap();
    let theft = history.iter().find(|h| h["event"] == "stolen").unwrap();
    let last_id = theft["id"].as_str().unwrap().to_string();
    let fixed = desk.ok(&["correct", &last_id, "--reason", "Recorded against the wrong laptop"]);
    assert!(fixed.contains("LT-0001 is now out with Priya Patel (S002)"), "{fixed}");
    let show = desk.ok(&["item", "show", "LT-0001"]);
    assert!(show.contains("stolen (corrected)"), "{show}");
    assert!(
        show.contains("correction: Recorded against the wrong laptop (voids the theft recorded for"),
        "{show}"
    );
}

/// Each bad input: exit code, a message that says what was wrong, and nothing written.
#[test]
fn bad_input_is_refused_and_nothing_is_written() {
    let desk = Desk::with_basics(CUSTODY);
    desk.ok(&["out", "LT-0002", "--to", "S001"]);
    desk.ok(&["person", "deactivate", "S002"]);
    let long = "x".repeat(501);
    let cases: &[(&[&str], i32, &str)] = &[
        (
            &["out", "LT-0002", "--to", "S001"],
            3,
            "Refused by R8: LT-0002 is already out with Sam Jones (S001)",
        ),
        (
            &["out", "LT-0001", "--to", "S002"],
            3,
            "Refused by R8: Priya Patel (S002) is not an active person",
        ),
        (&["out", "LT-9999", "--to", "S001"], 1, "No item is tagged LT-9999"),
        (&["out", "LT-0001", "--to", "S404"], 1, "No person has the id S404"),
        (
            &["out", "LT-0001", "--to", "S001", "--due", "next week"],
            1,
            "\"next week\" is not a time Custody understands",
        ),
        (
            &["out", "LT-0001", "--to", "S001", "--due", "2026-13-01"],
            1,
            "there is no such date",
        ),
        (
            &["out", "LT-0001", "--to", "S001", "--due", "2026-11-19"],
            1,
            "is not after the sign-out time",
        ),
        (
            &["out", "LT-0001", "--to", "S001", "--at", "2026-11-21"],
            1,
            "is in the future",
        ),
        (&["out", "LT-0001"], 2, "--to"),
        (&["in", "LT-0001"], 1, "LT-0001 is not out (it is in)"),
        (&["in", "LT-0002", "--note", "bad\u{7}bell"], 1, "control character"),
        (
            &["person", "add", "S009", "--name", "Sam \u{202E}senoJ"],
            1,
            "changes the direction of the text",
        ),
        (&["in", "LT-0002", "--note", &long], 1, "longer than 500 characters"),
        (
            &["item", "add", "LT-0003", "--kind", "usb-stick", "--name", "x"],
            1,
            "is not a kind of item",
        ),
        (
            &["item", "add", "LT 3", "--kind", "laptop", "--name", "x"],
            1,
            "is not a valid item tag",
        ),
        (
            &["item", "add", "LT-0001", "--kind", "laptop", "--name", "x"],
            1,
            "already an item tagged LT-0001",
        ),
        (
            &["item", "add", "LT-0003", "--kind", "laptop", "--name", " "],
            1,
            "item name is not acceptable: it is empty",
        ),
        (&["person", "add", "S003", "--name", ""], 1, "name is not acceptable"),
        (
            &[
                "history",
                "--item",
                "LT-0001",
                "--from",
                "2026-11-20",
                "--to",
                "2026-11-01",
            ],
            1,
            "The window ends (01/11/2026 23:59) before it starts (20/11/2026 00:00)",
        ),
        (
            &["correct", "not-an-id", "--reason", "x"],
            1,
            "No event has the id not-an-id",
        ),
        (&["lost", "LT-4040"], 1, "No item is tagged LT-4040"),
        (
            &["in", "LT-0002", "--at", "25/10/2026 01:30"],
            1,
            "01:30 happens twice that day (the clocks go back)",
        ),
        (
            &["incident", "show", "INC-2026-0001", "--format", "csv"],
            2,
            "invalid value 'csv'",
        ),
        (&["frobnicate"], 2, "unrecognized subcommand"),
    ];
    for (args, code, words) in cases {
        let before = desk.dump();
        let run = desk.run(args);
        assert_eq!(run.code, *code, "custody {args:?}: {run:?}");
        assert!(
            run.stderr.contains(words),
            "custody {args:?}: {:?} should contain {words:?}",
            run.stderr
        );
        assert!(run.stdout.is_empty(), "custody {args:?} printed {:?}", run.stdout);
        assert_eq!(desk.dump(), before, "custody {args:?} must write nothing");
    }
}

#[test]
fn init_refuses_an_existing_file_and_other_commands_need_one() {
    let desk = Desk::new(CUSTODY);
    let missing = desk.run(&["status"]);
    assert_eq!(missing.code, 1);
    assert!(missing.stderr.contains("There is no Custody database") && missing.stderr.contains("custody init"));
    assert!(!desk.db.exists(), "a read command never creates a database");

    std::fs::write(&desk.db, "my shopping list").unwrap();
    let init = desk.run(&["init"]);
    assert_eq!(init.code, 1);
    assert!(init.stderr.contains("already exists"), "{init:?}");
    let status = desk.run(&["status"]);
    assert!(status.stderr.contains("not an SQLite file at all"), "{status:?}");
    assert_eq!(std::fs::read_to_string(&desk.db).unwrap(), "my shopping list");
}

#[test]
fn csv_cells_that_look_like_formulas_are_neutralised() {
    let desk = Desk::with_basics(CUSTODY);
    desk.ok(&[
        "item",
        "add",
        "OT-0001",
        "--kind",
        "other",
        "--name",
        "=HYPERLINK(\"http://x\",\"y\")",
    ]);
    let csv = desk.ok(&["item", "list", "--format", "csv"]);
    assert!(csv.contains("OT-0001,other,\"'=HYPERLINK("), "{csv}");
}

#[test]
fn demo_makes_a_believable_database() {
    let mut desk = Desk::new(CUSTODY);
    let out = desk.ok(&["demo", "--items", "300", "--people", "60", "--days", "120"]);
    assert!(out.contains("300 items, 60 people"), "{out}");
    assert!(
        out.contains("Demo operators, all with the password \"custody-demo\": admin (admin), manager (manager), dpo (dpo), desk (operator)."),
        "{out}"
    );
    desk.act_as("admin", "custody-demo");
    let people = desk.ok(&["person", "list", "--format", "json"]);
    let people: serde_json::Value = serde_json::from_str(&people).unwrap();
    // The 60 asked for, and the office manager, who may authorise paper (R1).
    assert_eq!(people.as_array().unwrap().len(), 61);
    assert!(
        out.contains("The office manager (manager) is on the people register too"),
        "{out}"
    );
    assert!(desk.ok(&["status"]).lines().count() > 10, "some items are out");
    assert!(desk.ok(&["verify"]).contains("Intact"));
    let again = desk.run(&["demo"]);
    assert_eq!(again.code, 1);
    assert!(again.stderr.contains("already holds records"), "{again:?}");
}

#[test]
fn verify_exits_1_and_names_the_event_changed_behind_its_back() {
    let desk = Desk::with_basics(CUSTODY);
    desk.ok(&["out", "LT-0001", "LT-0002", "--to", "S001"]);
    desk.ok(&["in", "LT-0002"]);
    let conn = rusqlite::Connection::open(&desk.db).unwrap();
    let second: i64 = conn
        .query_row("SELECT seq FROM events ORDER BY seq LIMIT 1 OFFSET 1", [], |r| r.get(0))
        .unwrap();
    conn.execute_batch(&format!(
        "DROP TRIGGER events_are_never_updated;
         UPDATE events SET person = 'S002' WHERE seq = {second};"
    ))
    .unwrap();
    drop(conn);
    let run = desk.run(&["verify"]);
    assert_eq!(run.code, 1, "{run:?}");
    assert!(
        run.stdout.contains(&format!("Hash chain broken at entry {second} (")) && run.stdout.contains(", LT-0002)"),
        "{}",
        run.stdout
    );
    assert!(run.stdout.contains("NOT intact"), "{}", run.stdout);
}

#[test]
fn paper_is_due_on_the_next_working_day_past_holidays_and_closures() {
    let mut desk = Desk::with_basics(CUSTODY);
    // An INSET day on Monday 23 November: paper out on Friday the 20th is due on Tuesday.
    let closed = desk.ok(&["settings", "closed", "23/11/2026"]);
    assert_eq!(closed, "Closure days: 23/11/2026.\n");
    let paper_out = [
        "out",
        "PF-0001",
        "--to",
        "S001",
        "--reason",
        "Review",
        "--authorised-by",
        "S002",
        "--yes",
    ];
    let out = desk.ok(&paper_out);
    assert!(out.contains("due 24/11/2026 17:00"), "{out}");
    desk.ok(&["in", "PF-0001"]);
    // Christmas Eve: past Christmas Day, the weekend and the substitute Boxing Day.
    desk.now = "2026-12-24T10:00:00Z".into();
    let out = desk.ok(&paper_out);
    assert!(out.contains("due 29/12/2026 17:00"), "{out}");
    let shown = desk.ok(&["settings", "show"]);
    assert!(shown.contains("Bank holidays: England and Wales."), "{shown}");
    let bad = desk.run(&["settings", "nation", "atlantis"]);
    assert_eq!(bad.code, 1);
    assert!(
        bad.stderr
            .contains("not one of england-wales, scotland, northern-ireland"),
        "{}",
        bad.stderr
    );
    assert_eq!(
        desk.ok(&["settings", "nation", "scotland"]),
        "Bank holidays: Scotland.\n"
    );
}

/// Changing an item's record: what changed is said and recorded; bad input is refused with
/// exit 1 and a message saying what was wrong, and writes nothing.
#[test]
fn item_set_records_what_changed_and_refuses_bad_input_writing_nothing() {
    let desk = Desk::with_basics(CUSTODY);
    let said = desk.ok(&[
        "item",
        "set",
        "lt-0002",
        "--encrypted",
        "yes",
        "--data-subjects",
        "45",
        "--reason",
        "Audit",
    ]);
    assert!(said.contains("Changed LT-0002 (on the record):"), "{said}");
    assert!(
        said.contains("  data subjects: 0 -> 45") && said.contains("  encrypted: no -> yes"),
        "{said}"
    );
    let again = desk.ok(&["item", "set", "LT-0002", "--encrypted", "yes"]);
    assert!(
        again.contains("No change: LT-0002 already says that, so nothing was written."),
        "{again}"
    );

    desk.ok(&["retire", "PF-0001"]);
    let before = custody_tests::dump(&desk.db);
    for (args, says) in [
        (
            vec!["item", "set", "LT-9999", "--name", "x"],
            "No item is tagged LT-9999",
        ),
        (
            vec!["item", "set", "LT-0002", "--data-subjects", "-3"],
            "\"-3\" is not a whole number",
        ),
        (
            vec!["item", "set", "LT-0002", "--data-subjects", "many"],
            "\"many\" is not a whole number",
        ),
        (
            vec!["item", "set", "LT-0002", "--encrypted", "yse"],
            "\"yse\" is neither yes nor no",
        ),
        (vec!["item", "set", "LT-0002", "--kind", "spaceship"], "spaceship"),
        (vec!["item", "set", "PF-0001", "--kind", "laptop"], "PF-0001 is retired"),
        (vec!["item", "set", "LT-0002", "--name", "  "], "item name"),
    ] {
        let run = desk.run(&args);
        assert_eq!(run.code, 1, "{args:?}: {run:?}");
        assert!(run.stderr.contains(says), "{args:?}: {}", run.stderr);
    }
    let unknown_field = desk.run(&["item", "set", "LT-0002", "--colour", "red"]);
    assert_eq!(
        unknown_field.code, 2,
        "an unknown option is a usage error: {unknown_field:?}"
    );
    assert_eq!(custody_tests::dump(&desk.db), before, "nothing was written");

    let history = desk.ok(&["history", "--item", "LT-0002", "--register"]);
    assert!(
        history.contains("item-registered") && history.contains("(why: Audit)"),
        "{history}"
    );
    let show = desk.ok(&["item", "show", "LT-0002"]);
    assert!(show.contains("data subjects: 0 -> 45; encrypted: no -> yes"), "{show}");
    desk.ok(&["container", "add", "BAG-01", "--kind", "bag", "--name", "Blue bag"]);
    let renamed = desk.ok(&["container", "set", "BAG-01", "--name", "Blue laptop bag"]);
    assert!(renamed.contains("name: Blue bag -> Blue laptop bag"), "{renamed}");
    let person = desk.ok(&["person", "set", "S002", "--email", "priya@example.org"]);
    assert!(person.contains("email: none -> priya@example.org"), "{person}");
    assert!(desk.ok(&["person", "show", "S002"]).contains("person-changed"));
    assert!(desk.ok(&["verify"]).starts_with("Intact"));
}

/// Moving in from the command line: a template written, filled in as a paper book and imported
/// (a dry run first), and a Snipe-IT asset export's check-out refused with `--no-new-people`.
#[test]
fn moving_in_from_the_command_line() {
    let desk = Desk::with_basics(CUSTODY);
    let book = desk.dir.path().join("book.csv");
    let said = desk.ok(&["import", "template", "custody", "-o", book.to_str().unwrap()]);
    assert!(said.contains("an example row commented out with #"), "{said}");
    let template = std::fs::read_to_string(&book).unwrap();
    assert!(
        template.starts_with("tag,person,out_at,due_at,reason,authoriser,in_at\n# "),
        "{template}"
    );
    std::fs::write(
        &book,
        format!("{template}LT-0002,S001,16/11/2026 08:30,18/11/2026,Marking,,\nLT-0001,S002,02/11/2026,06/11/2026,,,05/11/2026 15:00\n"),
    )
    .unwrap();
    let before = desk.dump();
    let dry = desk.ok(&["import", "custody", book.to_str().unwrap(), "--dry-run"]);
    assert!(dry.contains("Would record 3 custody event(s)"), "{dry}");
    assert_eq!(desk.dump(), before);
    let done = desk.ok(&["import", "custody", book.to_str().unwrap()]);
    assert!(done.contains("Recorded 3 custody event(s)"), "{done}");
    let overdue = desk.ok(&["report", "overdue"]);
    assert!(overdue.contains("LT-0002") && !overdue.contains("LT-0001"), "{overdue}");

    let assets = desk.dir.path().join("assets.csv");
    std::fs::write(
        &assets,
        "Asset Tag,Name,Category,Checkout Type,Checked Out To: Username,Checked Out To: First Name,Checked Out To: Last Name\n\
         A-0001,Laptop,Laptops,User,jnew,Jo,New\n",
    )
    .unwrap();
    let before = desk.dump();
    let refused = desk.run(&["import", "items", assets.to_str().unwrap(), "--no-new-people"]);
    assert_eq!(refused.code, 1, "{refused:?}");
    assert!(
        refused.stderr.contains("Line 2") && refused.stderr.contains("jnew (line 2)"),
        "{refused:?}"
    );
    assert_eq!(desk.dump(), before);
    let added = desk.ok(&["import", "items", assets.to_str().unwrap()]);
    assert!(added.contains("JNEW Jo New (line 2)"), "{added}");
}

/// `out --receipt` writes the hand-over receipt: the holder, each item with when it is due, the
/// rules for carrying data home, lines to sign. A sign-out that is refused leaves no receipt.
#[test]
fn a_sign_out_can_print_its_hand_over_receipt() {
    let desk = Desk::with_basics(CUSTODY);
    let receipt = desk.dir.path().join("receipt.pdf");
    let said = desk.ok(&[
        "out",
        "LT-0001",
        "LT-0002",
        "--to",
        "S001",
        "--yes",
        "--receipt",
        receipt.to_str().unwrap(),
    ]);
    assert!(said.contains("Wrote the hand-over receipt to"), "{said}");
    let text = custody_tests::pdf_text(&receipt);
    for words in [
        "Hand-over receipt",
        "Signed out to Sam Jones (S001) on 20/11/2026 10:00",
        "LT-0001",
        "Dell Latitude 5440",
        "27/11/2026, end of day",
        "Go straight home",
        "never leave it in a car overnight",
        "Keep paper apart from devices",
        "tell the Data Protection Officer at once",
        "Signed (Sam Jones)",
    ] {
        assert!(text.contains(words), "{words:?} not in the receipt:\n{text}");
    }
    let refused = desk.dir.path().join("refused.pdf");
    let run = desk.run(&["out", "LT-0001", "--to", "S002", "--receipt", refused.to_str().unwrap()]);
    assert_eq!(run.code, 3, "{run:?}");
    assert!(!refused.exists(), "no receipt for a sign-out that did not happen");
}
