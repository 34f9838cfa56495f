//! The workflows of R10 and R11 from the command line: a stocktake and disposals, each with its
//! report read back as CSV and as a PDF, and the refusals that leave the database as it was.

#![allow(clippy::unwrap_used)]

use custody_tests::{Desk, pdf_text};

const CUSTODY: &str = env!("CARGO_BIN_EXE_custody");

#[test]
fn a_stocktake_from_the_command_line() {
    let desk = Desk::with_basics(CUSTODY);
    desk.ok(&["out", "LT-0002", "--to", "S001"]);
    let started = desk.ok(&["stocktake", "start"]);
    assert!(
        started.contains("Started stocktake ST-1 (everything that should be on the premises)")
            && started.contains("0 of 2 found"),
        "{started}"
    );
    let before = desk.dump();
    let again = desk.run(&["stocktake", "start"]);
    assert_eq!(again.code, 1, "{again:?}");
    assert!(
        again.stderr.contains("ST-1") && again.stderr.contains("already open"),
        "{again:?}"
    );
    assert_eq!(desk.dump(), before);

    let scanned = desk.ok(&["stocktake", "scan", "lt-0001", "LT-0002", "LT-0001"]);
    assert!(scanned.contains("LT-0001: found"), "{scanned}");
    assert!(
        scanned.contains("LT-0002: unexpected, recorded as out with Sam Jones (S001) (sign it in)"),
        "{scanned}"
    );
    assert!(scanned.contains("LT-0001: already counted at"), "{scanned}");
    assert!(
        scanned.contains("1 of 2 found, 1 still expected, 1 unexpected"),
        "{scanned}"
    );
    let status = desk.ok(&["stocktake", "status"]);
    assert!(
        status.contains("ST-1") && status.contains("last seen: LT-0002"),
        "{status}"
    );

    let finished = desk.ok(&["stocktake", "finish"]);
    assert!(
        finished.contains("missing") && finished.contains("PF-0001"),
        "{finished}"
    );

    let csv = desk.ok(&["stocktake", "report", "--format", "csv"]);
    let rows: Vec<&str> = csv.lines().collect();
    assert_eq!(rows[0], "outcome,tag,kind,name,seen,note");
    // The unexpected first: they need action now.
    assert!(rows[1].starts_with("unexpected,LT-0002,laptop,"), "{csv}");
    assert!(rows[2].starts_with("missing,PF-0001,paper-file,"), "{csv}");
    assert!(rows[3].starts_with("found,LT-0001,laptop,"), "{csv}");
    let pdf = desk.dir.path().join("stocktake.pdf");
    desk.ok(&["stocktake", "report", "--format", "pdf", "-o", pdf.to_str().unwrap()]);
    let text = pdf_text(&pdf);
    for wanted in [
        "Stocktake ST-1",
        "Missing: expected and not seen (1)",
        "Unexpected: seen and not expected (1)",
        "PF-0001",
        "recorded as out with Sam Jones",
    ] {
        assert!(text.contains(wanted), "{wanted:?} in {text}");
    }

    let before = desk.dump();
    let late = desk.run(&["stocktake", "scan", "PF-0001", "--id", "ST-1"]);
    assert_eq!(late.code, 1, "{late:?}");
    assert!(late.stderr.contains("was finished"), "{late:?}");
    let none = desk.run(&["stocktake", "scan", "PF-0001"]);
    assert!(
        none.stderr.contains("No stocktake is open") && none.stderr.contains("custody stocktake start"),
        "{none:?}"
    );
    assert_eq!(desk.dump(), before);
}

#[test]
fn disposing_of_a_laptop_and_a_paper_file() {
    let desk = Desk::with_basics(CUSTODY);
    let before = desk.dump();
    let refused = desk.run(&[
        "dispose",
        "PF-0001",
        "--method",
        "cross-cut-shredding",
        "--reference",
        "LOG-4",
    ]);
    assert_eq!(refused.code, 3, "a refusal by a rule: {refused:?}");
    assert!(
        refused.stderr.contains("R11") && refused.stderr.contains("witness"),
        "{refused:?}"
    );
    desk.ok(&["out", "LT-0002", "--to", "S001"]);
    let out = desk.run(&[
        "dispose",
        "LT-0002",
        "--method",
        "certified-destruction",
        "--reference",
        "C-1",
    ]);
    assert!(
        out.stderr.contains("out with Sam Jones") && out.stderr.contains("custody in LT-0002"),
        "{out:?}"
    );
    let unknown = desk.run(&["dispose", "LT-0001", "--method", "burning", "--reference", "C-1"]);
    assert!(
        unknown.stderr.contains("not one of certified-destruction"),
        "{unknown:?}"
    );
    desk.ok(&["in", "LT-0002"]);
    let before_disposal = desk.dump();
    assert_ne!(before, before_disposal);

    let laptop = desk.ok(&[
        "dispose",
        "LT-0001",
        "--method",
        "certified-destruction",
        "--reference",
        "CERT-2026-0113",
    ]);
    assert!(
        laptop.contains("Disposed of LT-0001") && laptop.contains("CERT-2026-0113"),
        "{laptop}"
    );
    let paper = desk.ok(&[
        "dispose",
        "PF-0001",
        "--method",
        "cross-cut-shredding",
        "--reference",
        "LOG-4",
        "--witness",
        "s002",
    ]);
    assert!(paper.contains("witnessed by Priya Patel (S002)"), "{paper}");
    let again = desk.run(&["out", "PF-0001", "--to", "S001"]);
    assert!(
        again.stderr.contains("R8") && again.stderr.contains("disposed of on"),
        "{again:?}"
    );

    let csv = desk.ok(&["report", "disposals", "--format", "csv"]);
    assert!(
        csv.starts_with("disposed,tag,kind,name,method,reference,witness,recorded by\n"),
        "{csv}"
    );
    assert!(
        csv.contains(",PF-0001,paper-file,") && csv.contains("Priya Patel (S002)"),
        "{csv}"
    );
    let pdf = desk.dir.path().join("disposals.pdf");
    desk.ok(&["report", "disposals", "--format", "pdf", "-o", pdf.to_str().unwrap()]);
    let text = pdf_text(&pdf);
    for wanted in [
        "Disposal register",
        "2 item(s) disposed of",
        "CERT-2026-0113",
        "cross-cut shredding",
        "Priya Patel",
    ] {
        assert!(text.contains(wanted), "{wanted:?} in {text}");
    }
    desk.ok(&["verify"]);
}

#[test]
fn a_spot_check_from_the_command_line() {
    let desk = Desk::with_basics(CUSTODY);
    let before = desk.dump();
    let none = desk.run(&["spot-check", "draw", "--count", "1"]);
    assert_eq!(none.code, 1, "{none:?}");
    assert!(none.stderr.contains("Nothing is out"), "{none:?}");
    assert_eq!(desk.dump(), before);
    desk.ok(&["out", "LT-0001", "--to", "S001"]);
    desk.ok(&["out", "LT-0002", "--to", "S002"]);
    let before = desk.dump();
    let zero = desk.run(&["spot-check", "draw", "--count", "0"]);
    assert!(zero.stderr.contains("A spot check of nothing"), "{zero:?}");
    assert_eq!(desk.dump(), before);

    let checklist = desk.dir.path().join("checklist.pdf");
    let drawn = desk.ok(&[
        "spot-check",
        "draw",
        "--count",
        "1",
        "--seed",
        "11",
        "--checklist",
        checklist.to_str().unwrap(),
    ]);
    assert!(
        drawn.contains("Drew SC-1: 1 drawn at random from 2 items out") && drawn.contains("(seed 11)"),
        "{drawn}"
    );
    let text = pdf_text(&checklist);
    assert!(
        text.contains("Spot check SC-1: checklist") && text.contains("not available"),
        "{text}"
    );
    // The same seed draws the same: the draw can be checked by anyone.
    let again = desk.ok(&["spot-check", "draw", "--count", "1", "--seed", "11"]);
    let sample = |s: &str| {
        s.lines()
            .skip(1)
            .map(|l| l.trim().split(' ').next().unwrap().to_string())
            .collect::<Vec<_>>()
    };
    assert_eq!(sample(&drawn)[0], sample(&again)[0]);
    let first = sample(&drawn)[0].clone();
    assert!(text.contains(&first), "{first} on the checklist: {text}");

    let before = desk.dump();
    let no_note = desk.run(&["spot-check", "record", "SC-1", &first, "--outcome", "problem"]);
    assert!(no_note.stderr.contains("recorded with a note"), "{no_note:?}");
    assert_eq!(desk.dump(), before);
    let recorded = desk.ok(&[
        "spot-check",
        "record",
        "SC-1",
        &first,
        "--outcome",
        "problem",
        "--note",
        "left in the car overnight",
    ]);
    assert!(
        recorded.contains("1 checked: 0 seen, 0 not available, 1 with a problem"),
        "{recorded}"
    );

    let holders = desk.ok(&["spot-check", "draw", "--percent", "50", "--of", "holders"]);
    assert!(
        holders.contains("1 drawn at random from 2 people holding something"),
        "{holders}"
    );

    let csv = desk.ok(&["spot-check", "report", "--format", "csv"]);
    assert!(
        csv.starts_with("check,drawn,of,subject,holder,outcome,note,recorded\n"),
        "{csv}"
    );
    assert!(csv.contains("problem,left in the car overnight"), "{csv}");
    let pdf = desk.dir.path().join("spot-checks.pdf");
    desk.ok(&["spot-check", "report", "--format", "pdf", "-o", pdf.to_str().unwrap()]);
    let text = pdf_text(&pdf);
    for wanted in [
        "Spot checks of the last 12 months",
        "3 spot check(s); 1 problem(s) found",
        "left in the car overnight",
    ] {
        assert!(text.contains(wanted), "{wanted:?} in {text}");
    }
}

#[test]
fn the_holder_s_yes_to_the_rules_from_the_command_line() {
    let desk = Desk::with_basics(CUSTODY);
    let said = desk.ok(&["settings", "rules-read", "ask"]);
    assert!(said.contains("Each sign-out now asks"), "{said}");
    assert!(desk.ok(&["settings", "show"]).contains("R14"));
    let receipt = desk.dir.path().join("receipt.pdf");
    let before = desk.dump();
    let asked = desk.run(&["out", "LT-0001", "--to", "S001", "--receipt", receipt.to_str().unwrap()]);
    assert_eq!(asked.code, 3, "{asked:?}");
    assert!(
        asked
            .stderr
            .contains("Has Sam Jones read the rules for carrying data home")
            && asked.stderr.contains("once the holder says they have read the rules"),
        "{asked:?}"
    );
    assert_eq!(desk.dump(), before);
    assert!(!receipt.exists(), "no receipt for a sign-out that did not happen");
    desk.ok(&[
        "out",
        "LT-0001",
        "--to",
        "S001",
        "--yes",
        "--receipt",
        receipt.to_str().unwrap(),
    ]);
    let history = desk.ok(&["history", "--item", "LT-0001", "--format", "csv"]);
    assert!(
        history.contains("the holder said they had read the rules for carrying data home (R14)"),
        "{history}"
    );
    assert!(pdf_text(&receipt).contains("Carrying data home"));
}

#[test]
fn searching_for_a_missing_paper_file_from_the_command_line() {
    let desk = Desk::with_basics(CUSTODY);
    desk.ok(&[
        "out",
        "PF-0001",
        "--to",
        "S001",
        "--at",
        "2026-11-16 09:00",
        "--reason",
        "Annual review",
        "--authorised-by",
        "S002",
        "--yes",
    ]);
    let list = desk.ok(&["search", "list"]);
    assert!(list.starts_with("1 missing paper file(s)."), "{list}");
    assert!(list.contains("no search logged within a working day"), "{list}");
    let before = desk.dump();
    let refused = desk.run(&["search", "log", "LT-0001", "--where", "the office"]);
    assert_eq!(refused.code, 1, "{refused:?}");
    assert!(refused.stderr.contains("not a missing paper file"), "{refused:?}");
    assert_eq!(desk.dump(), before);
    let logged = desk.ok(&[
        "search",
        "log",
        "pf-0001",
        "--where",
        "Sam's classroom",
        "--by",
        "S002",
        "--note",
        "not there",
    ]);
    assert!(
        logged.contains("Priya Patel (S002) looked in Sam's classroom: not there"),
        "{logged}"
    );
    let csv = desk.ok(&["search", "list", "--format", "csv"]);
    assert!(
        csv.starts_with("tag,name,missing since,working days,last with,searches,next\n"),
        "{csv}"
    );
    assert!(csv.contains("PF-0001") && csv.contains("Sam's classroom"), "{csv}");
}
