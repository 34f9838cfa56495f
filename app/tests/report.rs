//! `custody report overdue` as a scheduled job would run it: a fixed as-of date, each format,
//! and a file written with -o.

#![allow(clippy::unwrap_used)]

use custody_tests::Desk;

/// The binary under test, as Cargo built it for these tests.
const CUSTODY: &str = env!("CARGO_BIN_EXE_custody");

/// LT-0001 out to Sam from 1 November, due back on `due`.
fn laptop_out_to_sam(desk: &Desk, due: &str) {
    desk.ok(&["out", "LT-0001", "--to", "S001", "--at", "2026-11-01", "--due", due]);
}

#[test]
fn the_weekly_overdue_report() {
    let desk = Desk::with_basics(CUSTODY);
    laptop_out_to_sam(&desk, "2026-11-06");
    desk.ok(&["out", "LT-0002", "--to", "S002", "--due", "2026-11-24"]);
    let table = desk.ok(&["report", "overdue", "--as-of", "2026-11-20"]);
    assert!(
        table.starts_with("Overdue as of 20/11/2026 23:59: 1 item(s) with 1 holder(s)."),
        "{table}"
    );
    assert!(table.contains("Sam Jones (S001) <sam@example.org>"), "{table}");
    assert!(
        table.contains("LT-0001  laptop  06/11/2026 23:59  14            third notice  personal data"),
        "{table}"
    );
    assert!(table.contains("Due in the next 7 days: 1 item(s)."), "{table}");

    let csv = desk.ok(&["report", "overdue", "--format", "csv"]);
    assert!(
        csv.contains("overdue,S001,Sam Jones,LT-0001,laptop,2026-11-06 23:59,14,third notice,personal data"),
        "{csv}"
    );
    assert!(csv.contains("due soon,S002,Priya Patel,LT-0002"), "{csv}");

    let file = desk.dir.path().join("overdue.json");
    let said = desk.ok(&["report", "overdue", "--format", "json", "-o", file.to_str().unwrap()]);
    assert!(
        said.starts_with("Wrote the overdue report as of 20/11/2026 10:00"),
        "{said}"
    );
    let json: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&file).unwrap()).unwrap();
    assert_eq!(json["overdue"][0]["items"][0]["stage"], "third notice");
}

#[test]
fn the_overdue_pdf_has_a_summary_and_a_reminder_slip_per_holder() {
    let desk = Desk::with_basics(CUSTODY);
    laptop_out_to_sam(&desk, "2026-11-06");
    // Sam is a manager too, so he may authorise Priya's taking a paper file home (R1).
    let password_file = desk.password_file.to_str().unwrap().to_string();
    desk.ok(&[
        "operator",
        "add",
        "S001",
        "--name",
        "Sam Jones",
        "--role",
        "manager",
        "--new-password-file",
        &password_file,
    ]);
    desk.ok(&[
        "out",
        "PF-0001",
        "--to",
        "S002",
        "--at",
        "2026-11-12",
        "--due",
        "2026-11-13",
        "--reason",
        "Home visit",
        "--authorised-by",
        "S001",
        "--yes",
    ]);
    desk.ok(&["out", "LT-0002", "--to", "S002", "--due", "2026-11-24", "--yes"]);
    let file = desk.dir.path().join("overdue.pdf");
    let said = desk.ok(&["report", "overdue", "--format", "pdf", "-o", file.to_str().unwrap()]);
    assert!(
        said.starts_with("Wrote the overdue report as of 20/11/2026 10:00"),
        "{said}"
    );
    let text = custody_tests::pdf_text(&file);
    assert!(text.contains("Overdue items as of 20/11/2026 10:00"), "{text}");
    assert!(
        text.contains("ledger at entry "),
        "every page witnesses the ledger's head: {text}"
    );
    assert!(
        text.contains("2 item(s) overdue with 2 holder(s). First notice: 0; second notice: 1; third notice: 1."),
        "{text}"
    );
    assert!(text.contains("Due in the next 7 days (1)"), "{text}");
    // One slip each, with their items, days late and notice.
    assert!(text.contains("Reminder: please return — Sam Jones (S001)"), "{text}");
    assert!(text.contains("Reminder: please return — Priya Patel (S002)"), "{text}");
    let slip = &text[text.find("Reminder: please return — Sam Jones").unwrap()..];
    assert!(
        slip.contains("LT-0001") && slip.contains("14") && slip.contains("third notice"),
        "{slip}"
    );
    assert!(text.contains("page 2 of 2"), "{text}");

    let refused = desk.run(&["report", "overdue", "--format", "pdf"]);
    assert_eq!(refused.code, 2, "a usage error, as the README says");
    assert!(
        refused.stderr.contains("a PDF needs a file: add -o FILE.pdf"),
        "{}",
        refused.stderr
    );
}

#[test]
fn an_exposure_pdf_alerts_the_safeguarding_lead() {
    let desk = Desk::with_basics(CUSTODY);
    desk.add_safeguarding_file("PF-0002", "Child protection file");
    desk.ok(&[
        "out",
        "PF-0002",
        "LT-0001",
        "--to",
        "S001",
        "--at",
        "19/11/2026 09:00",
        "--reason",
        "Case conference",
        "--authorised-by",
        "S002",
        "--yes",
    ]);
    let file = desk.dir.path().join("exposure.pdf");
    desk.ok(&[
        "exposure",
        "--holder",
        "S001",
        "--at",
        "19/11/2026 12:00",
        "--format",
        "pdf",
        "-o",
        file.to_str().unwrap(),
    ]);
    let text = custody_tests::pdf_text(&file);
    assert!(text.contains("Exposure: Sam Jones (S001)"), "{text}");
    assert!(text.contains("In their custody at 19/11/2026 12:00."), "{text}");
    assert!(
        text.contains("ALERT THE SAFEGUARDING LEAD: 1 item(s) carry a safeguarding flag."),
        "{text}"
    );
    assert!(
        text.contains("2 item(s): 1 device(s) encrypted, 0 device(s) NOT encrypted, 1 paper file(s)."),
        "{text}"
    );
    assert!(text.contains("121 data subjects in all"), "{text}");
}

#[test]
fn escalation_stages_are_a_setting() {
    let desk = Desk::with_basics(CUSTODY);
    laptop_out_to_sam(&desk, "2026-11-12");
    desk.ok(&[
        "out",
        "LT-0002",
        "--to",
        "S002",
        "--at",
        "2026-11-01",
        "--due",
        "2026-11-18",
        "--yes",
    ]);
    let before = desk.dump();
    let refused = desk.run(&["settings", "stages", "3", "2", "10"]);
    assert_eq!(refused.code, 1);
    assert!(refused.stderr.contains("must rise"), "{}", refused.stderr);
    assert_eq!(desk.dump(), before, "a refused setting writes nothing");

    desk.ok(&["settings", "stages", "2", "5", "7"]);
    assert!(
        desk.ok(&["settings", "show"])
            .contains("first from 2 day(s) late, second from 5, third from 7.")
    );
    let csv = desk.ok(&["report", "overdue", "--as-of", "20/11/2026 10:00", "--format", "csv"]);
    // Calendar days late: 8 is the third notice now (from 7); 2 is the first (from 2).
    assert!(csv.contains("LT-0001,laptop,2026-11-12 23:59,8,third notice"), "{csv}");
    assert!(csv.contains("LT-0002,laptop,2026-11-18 23:59,2,first notice"), "{csv}");
}

/// `report register`: the asset register for the DSPT, every item with where it is, when it was
/// last seen (a sign-out, a sign-in, a stocktake sighting) and its disposal evidence; CSV columns
/// other tools rely on, and a PDF that reads back.
#[test]
fn the_asset_register_says_where_each_item_is_and_when_it_was_last_seen() {
    let mut desk = custody_tests::Desk::with_basics(env!("CARGO_BIN_EXE_custody"));
    desk.now = "2026-11-16T09:00:00Z".into();
    desk.ok(&["out", "LT-0001", "--to", "S001", "--yes"]);
    desk.now = "2026-11-18T09:00:00Z".into();
    desk.ok(&["stocktake", "start"]);
    desk.ok(&["stocktake", "scan", "LT-0002"]);
    desk.now = custody_tests::NOW.into();
    desk.ok(&[
        "dispose",
        "LT-0002",
        "--method",
        "certified-destruction",
        "--reference",
        "CERT-77",
    ]);

    let csv = desk.ok(&["report", "register", "--format", "csv"]);
    let mut lines = csv.lines();
    assert_eq!(
        lines.next().unwrap(),
        "tag,name,kind,serial,encrypted,personal_data,special_category,safeguarding,data_subjects,\
         data_categories,status,holder,holder_name,last_seen,last_seen_how,disposed,disposal_method,\
         disposal_reference,disposal_witness"
    );
    let row = |tag: &str| {
        csv.lines()
            .find(|l| l.starts_with(&format!("{tag},")))
            .unwrap()
            .to_string()
    };
    let lt1 = row("LT-0001");
    assert!(
        lt1.contains(",out,S001,Sam Jones,2026-11-16 09:00,signed out at the desk,"),
        "{lt1}"
    );
    assert!(
        lt1.contains(",yes,yes,no,no,120,"),
        "encrypted, personal data of 120: {lt1}"
    );
    let lt2 = row("LT-0002");
    assert!(
        lt2.contains(
            ",retired,,,2026-11-18 09:00,sighted in a stocktake,2026-11-20 10:00,certified-destruction,CERT-77,"
        ),
        "{lt2}"
    );
    let pf = row("PF-0001");
    assert!(pf.contains(",in,,,,,"), "never seen at a desk: {pf}");

    let pdf = desk.dir.path().join("register.pdf");
    desk.ok(&["report", "register", "--format", "pdf", "-o", pdf.to_str().unwrap()]);
    let text = custody_tests::pdf_text(&pdf);
    assert!(text.contains("Asset register as of 20/11/2026"), "{text}");
    assert!(text.contains("3 item(s) on the register, 1 out now"), "{text}");
    assert!(text.contains("0 device(s) carry personal data unencrypted"), "{text}");
    assert!(text.contains("with Sam Jones"), "{text}");
    assert!(text.contains("CERT-77"), "{text}");
}
