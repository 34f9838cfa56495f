//! `custody exposure` from the command line: the moment after a theft, a window, JSON keys.

#![allow(clippy::unwrap_used)]

use custody_tests::Desk;

/// The binary under test, as Cargo built it for these tests.
const CUSTODY: &str = env!("CARGO_BIN_EXE_custody");

#[test]
fn what_was_in_sams_custody_on_tuesday_evening() {
    let desk = Desk::with_basics(CUSTODY);
    desk.add_safeguarding_file("PF-0002", "Review ref 51");
    desk.ok(&["out", "LT-0001", "--to", "S001", "--at", "17/11/2026 08:00", "--yes"]);
    desk.ok(&[
        "out",
        "PF-0002",
        "--to",
        "S001",
        "--at",
        "17/11/2026 12:00",
        "--reason",
        "Review",
        "--authorised-by",
        "S002",
        "--yes",
    ]);
    desk.ok(&[
        "stolen",
        "PF-0002",
        "--at",
        "17/11/2026 19:00",
        "--note",
        "Car broken into",
    ]);
    let table = desk.ok(&["exposure", "--holder", "S001", "--at", "17/11/2026 19:30"]);
    assert!(
        table.starts_with("Exposure of Sam Jones (S001) at 17/11/2026 19:30"),
        "{table}"
    );
    // The file stolen at 19:00 was no longer Sam's at 19:30: named apart, not counted.
    let (held, missing) = table.split_once("Lost or stolen earlier").unwrap();
    assert!(held.contains("LT-0001") && !held.contains("PF-0002"), "{table}");
    assert!(missing.contains("PF-0002") && missing.contains("stolen"), "{table}");
    assert!(
        held.contains("1 device(s) encrypted, 0 NOT encrypted, 0 paper file(s); 120 data subjects"),
        "{table}"
    );
    assert!(!table.contains("ALERT THE SAFEGUARDING LEAD"), "{table}");
    let json: serde_json::Value = serde_json::from_str(&desk.ok(&[
        "exposure",
        "--holder",
        "S001",
        "--at",
        "17/11/2026 19:30",
        "--format",
        "json",
    ]))
    .unwrap();
    assert_eq!(json["missing_earlier"][0]["item"]["tag"], "PF-0002");
    assert_eq!(json["missing_earlier"][0]["how"], "stolen");
    assert_eq!(json["missing_earlier"][0]["incident"], serde_json::Value::Null);

    let json: serde_json::Value = serde_json::from_str(&desk.ok(&[
        "exposure",
        "--holder",
        "S001",
        "--from",
        "2026-11-16",
        "--to",
        "2026-11-17",
        "--format",
        "json",
    ]))
    .unwrap();
    assert_eq!(json["items"].as_array().unwrap().len(), 2);
    assert_eq!(json["items"][1]["item"]["tag"], "PF-0002");
    assert!(json["items"][1]["held_until"].is_i64(), "held until the theft: {json}");
    assert_eq!(json["items"][1]["ended_by"], "stolen");
    assert_eq!(
        json["summary"]["alert_safeguarding_lead"], true,
        "stolen inside the window"
    );

    let before = desk.ok(&[
        "exposure",
        "--holder",
        "S001",
        "--at",
        "16/11/2026 12:00",
        "--format",
        "csv",
    ]);
    assert_eq!(before.lines().count(), 1, "nothing held the day before: {before}");
    let bad = desk.run(&["exposure", "--holder", "S001"]);
    assert_eq!(bad.code, 2, "say when: {bad:?}");
}
