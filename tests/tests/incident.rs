//! An incident from the command line: exposure, opening it, the timeline and the ICO clock.

#![allow(clippy::unwrap_used)]

use custody_tests::Desk;

#[test]
fn from_theft_to_timeline() {
    let mut desk = Desk::with_basics();
    desk.ok(&["out", "LT-0001", "--to", "S001", "--at", "2026-11-19 08:00"]);
    let opened = desk.ok(&[
        "incident",
        "new",
        "--kind",
        "theft",
        "--holder",
        "S001",
        "--at",
        "2026-11-19 19:00",
        "--discovered",
        "2026-11-19 21:30",
        "--description",
        "Car broken into",
    ]);
    assert!(
        opened.starts_with("Opened INC-2026-0001 (theft).\n  LT-0001 recorded as stolen."),
        "{opened}"
    );
    assert!(
        opened.contains("ICO deadline (72 hours from discovery): 2026-11-22 21:30 — 2 days left"),
        "{opened}"
    );
    assert!(
        desk.ok(&["item", "show", "LT-0001"])
            .contains("stolen since 2026-11-19 19:00")
    );

    desk.ok(&[
        "incident",
        "note",
        "INC-2026-0001",
        "--kind",
        "dpo-notified",
        "--text",
        "Phoned the DPO",
    ]);
    desk.now = "2026-11-22T12:00:00Z".into();
    let show = desk.ok(&["incident", "show", "inc-2026-0001"]);
    assert!(show.contains("9 hours left — running out"), "{show}");
    assert!(show.contains("LT-0001  laptop  120 data subject(s)"), "{show}");
    assert!(
        show.contains("dpo-notified: Phoned the DPO  (recorded by Test Office)"),
        "{show}"
    );
    desk.ok(&[
        "incident",
        "note",
        "INC-2026-0001",
        "--kind",
        "ico-not-reported",
        "--text",
        "Encrypted device: unlikely to result in a risk",
    ]);
    assert!(
        desk.ok(&["incident", "show", "INC-2026-0001"])
            .contains("ICO: ico-not-reported on 2026-11-22 12:00.")
    );
    assert!(desk.ok(&["incident", "list"]).starts_with("INC-2026-0001  theft"));
    let missing = desk.run(&["incident", "show", "INC-2026-0099"]);
    assert_eq!(missing.code, 1);
    assert!(
        missing.stderr.contains("No incident has the id INC-2026-0099"),
        "{}",
        missing.stderr
    );
}
