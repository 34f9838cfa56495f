//! `custody report overdue` as a scheduled job would run it: a fixed as-of date, each format,
//! and a file written with -o.

#![allow(clippy::unwrap_used)]

use custody_tests::Desk;

#[test]
fn the_weekly_overdue_report() {
    let desk = Desk::with_basics();
    desk.ok(&[
        "out",
        "LT-0001",
        "--to",
        "S001",
        "--at",
        "2026-11-01",
        "--due",
        "2026-11-06",
    ]);
    desk.ok(&["out", "LT-0002", "--to", "S002", "--due", "2026-11-24"]);
    let table = desk.ok(&["report", "overdue", "--as-of", "2026-11-20"]);
    assert!(
        table.starts_with("Overdue as of 2026-11-20 23:59: 1 item(s) with 1 holder(s)."),
        "{table}"
    );
    assert!(table.contains("Sam Jones (S001) <sam@example.org>"), "{table}");
    assert!(
        table.contains("LT-0001  laptop  2026-11-06 23:59  14            third notice  personal data"),
        "{table}"
    );
    assert!(table.contains("Due in the next 7 days: 1 item(s)."), "{table}");

    let csv = desk.ok(&["report", "overdue", "--format", "csv"]);
    assert!(
        csv.contains("overdue,S001,Sam Jones,LT-0001,laptop,2026-11-06 23:59,13,second notice,personal data"),
        "{csv}"
    );
    assert!(csv.contains("due soon,S002,Priya Patel,LT-0002"), "{csv}");

    let file = desk.dir.path().join("overdue.json");
    let said = desk.ok(&["report", "overdue", "--format", "json", "-o", file.to_str().unwrap()]);
    assert!(
        said.starts_with("Wrote the overdue report as of 2026-11-20 10:00"),
        "{said}"
    );
    let json: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&file).unwrap()).unwrap();
    assert_eq!(json["overdue"][0]["items"][0]["stage"], "second notice");
}
