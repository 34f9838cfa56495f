//! An incident from the command line: exposure, opening it, the timeline and the ICO clock.

#![allow(clippy::unwrap_used)]

use custody_tests::Desk;

/// The binary under test, as Cargo built it for these tests.
const CUSTODY: &str = env!("CARGO_BIN_EXE_custody");

#[test]
fn from_theft_to_timeline() {
    let mut desk = Desk::with_basics(CUSTODY);
    desk.ok(&["out", "LT-0001", "--to", "S001", "--at", "19/11/2026 08:00"]);
    let opened = desk.ok(&[
        "incident",
        "new",
        "--kind",
        "theft",
        "--holder",
        "S001",
        "--at",
        "19/11/2026 19:00",
        "--discovered",
        "19/11/2026 21:30",
        "--description",
        "Car broken into",
    ]);
    assert!(
        opened.starts_with("Opened INC-2026-0001 (theft).\n  LT-0001 recorded as stolen."),
        "{opened}"
    );
    assert!(
        opened.contains("ICO deadline (72 hours from discovery): 22/11/2026 21:30 — 2 days left"),
        "{opened}"
    );
    assert!(
        desk.ok(&["item", "show", "LT-0001"])
            .contains("stolen since 19/11/2026 19:00")
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
        show.contains("dpo-notified: Phoned the DPO  (recorded by office)"),
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
            .contains("ICO: ico-not-reported on 22/11/2026 12:00.")
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

#[test]
fn the_breach_pack_holds_the_incident_the_exposure_and_each_chain_of_custody() {
    let desk = Desk::with_basics(CUSTODY);
    desk.ok(&["out", "LT-0002", "--to", "S001", "--at", "18/11/2026 08:00", "--yes"]);
    desk.ok(&["out", "LT-0001", "--to", "S001", "--at", "19/11/2026 08:00"]);
    desk.ok(&[
        "incident",
        "new",
        "--kind",
        "loss",
        "--holder",
        "S001",
        "--at",
        "19/11/2026 17:00",
        "--description",
        "Bag left on the train",
    ]);
    desk.ok(&[
        "incident",
        "note",
        "INC-2026-0001",
        "--kind",
        "police-reference",
        "--text",
        "BTP-4411",
    ]);
    let (pdf, json) = (desk.dir.path().join("pack.pdf"), desk.dir.path().join("pack.json"));
    let said = desk.ok(&[
        "incident",
        "pack",
        "INC-2026-0001",
        "--pdf",
        pdf.to_str().unwrap(),
        "--json",
        json.to_str().unwrap(),
    ]);
    assert!(said.contains("Wrote the breach pack to") && said.contains("Wrote the breach pack as JSON to"));
    let text = custody_tests::pdf_text(&pdf);
    for expected in [
        "Breach pack: INC-2026-0001",
        "A loss in the custody of Sam Jones (S001).",
        "Bag left on the train",
        "ICO deadline (72 hours from discovery): 23/11/2026 10:00",
        "police-reference",
        "BTP-4411",
        "In their custody at 19/11/2026 17:00.",
        "1 device(s) encrypted, 1 device(s) NOT encrypted, 0 paper file(s), as recorded at the time.",
        "Chain of custody: LT-0001 (Dell Latitude 5440)",
        "Chain of custody: LT-0002 (Lenovo ThinkPad E14)",
        "lost while with Sam Jones (S001)",
    ] {
        assert!(text.contains(expected), "missing {expected:?} in\n{text}");
    }
    let pack: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&json).unwrap()).unwrap();
    assert_eq!(pack["incident"]["id"], "INC-2026-0001");
    assert_eq!(pack["incident"]["exposure"]["items"].as_array().unwrap().len(), 2);
    let chain = &pack["chains"][0];
    assert_eq!(chain["item"]["tag"], "LT-0002");
    assert_eq!(chain["events"][0]["kind"], "sign-out");
    assert_eq!(chain["events"][1]["kind"], "lost");
    assert_eq!(chain["events"][1]["prev_hash"].as_str().unwrap().len(), 64);

    let missing = desk.run(&["incident", "pack", "INC-2026-0001"]);
    assert_eq!(missing.code, 2, "say where: --pdf or --json");

    // A day later Sam's car is broken into with a paper file: that breach counts the file alone,
    // and names the two laptops already lost (and their incident) without counting them.
    desk.ok(&[
        "out",
        "PF-0001",
        "--to",
        "S001",
        "--at",
        "20/11/2026 07:00",
        "--reason",
        "Review meeting",
        "--authorised-by",
        "S002",
        "--yes",
    ]);
    desk.ok(&[
        "incident",
        "new",
        "--kind",
        "theft",
        "--holder",
        "S001",
        "--at",
        "20/11/2026 09:00",
        "--description",
        "Car broken into",
    ]);
    desk.ok(&["incident", "pack", "INC-2026-0002", "--pdf", pdf.to_str().unwrap()]);
    let text = custody_tests::pdf_text(&pdf);
    for expected in [
        "affected by this breach",
        "Lost or stolen earlier and still missing at this moment",
        "LT-0001",
        "LT-0002",
        "INC-2026-0001",
        "Already missing before this incident",
    ] {
        assert!(text.contains(expected), "missing {expected:?} in\n{text}");
    }
    let second = desk.ok(&["incident", "show", "INC-2026-0002", "--format", "json"]);
    let second: serde_json::Value = serde_json::from_str(&second).unwrap();
    let held: Vec<&str> = second["exposure"]["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|x| x["item"]["tag"].as_str().unwrap())
        .collect();
    assert_eq!(held, vec!["PF-0001"]);
}

#[test]
fn a_chain_of_custody_for_evidence_shows_corrections() {
    let desk = Desk::with_basics(CUSTODY);
    desk.ok(&["out", "LT-0001", "--to", "S002", "--at", "18/11/2026 08:00"]);
    let events = desk.ok(&["item", "show", "LT-0001", "--format", "json"]);
    let json: serde_json::Value = serde_json::from_str(&events).unwrap();
    let history = json["history"].as_array().unwrap();
    let sign_out = history.iter().find(|h| h["event"] == "sign-out").unwrap();
    let id = sign_out["id"].as_str().unwrap().to_string();
    desk.ok(&["correct", &id, "--reason", "Scanned the wrong laptop"]);
    desk.ok(&["out", "LT-0001", "--to", "S001"]);
    let csv = desk.dir.path().join("chain.csv");
    let said = desk.ok(&["item", "chain", "LT-0001", "-o", csv.to_str().unwrap()]);
    assert!(
        said.starts_with("Wrote the chain of custody of LT-0001 (3 events)"),
        "{said}"
    );
    let rows = std::fs::read_to_string(&csv).unwrap();
    assert!(rows.starts_with("seq,id,occurred,recorded,event,details,status,operator,hash,prev hash\n"));
    assert!(
        rows.contains("signed out to Priya Patel (S002)") && rows.contains("voided by a correction"),
        "{rows}"
    );
    let pdf = desk.dir.path().join("chain.pdf");
    desk.ok(&["item", "chain", "LT-0001", "-o", pdf.to_str().unwrap()]);
    let text = custody_tests::pdf_text(&pdf);
    assert!(text.contains("[VOIDED] signed out to Priya Patel"), "{text}");
    assert!(
        text.contains("Each event's SHA-256 hash was recomputed from its contents and matches"),
        "{text}"
    );
}

/// The register issue's done-when: a laptop marked encrypted after it was stolen shows as not
/// encrypted in the exposure and the breach pack, with the later change named; the pack follows
/// the ICO's order, with the staff member's record as it stood then and the hours to report.
#[test]
fn the_breach_pack_shows_the_data_as_it_was_in_the_icos_order() {
    let mut desk = Desk::with_basics(CUSTODY);
    desk.ok(&[
        "item",
        "set",
        "LT-0002",
        "--data-subjects",
        "40",
        "--categories",
        "contact,sen",
    ]);
    desk.ok(&["out", "LT-0002", "--to", "S001", "--yes"]);
    desk.now = "2026-11-20T19:00:00Z".to_string();
    desk.ok(&[
        "incident",
        "new",
        "--kind",
        "theft",
        "--holder",
        "S001",
        "--at",
        "20/11/2026 17:00",
        "--discovered",
        "20/11/2026 18:00",
        "--description",
        "Car broken into",
    ]);
    desk.ok(&[
        "incident",
        "note",
        "INC-2026-0001",
        "--kind",
        "dpo-notified",
        "--at",
        "20/11/2026 18:30",
    ]);
    desk.now = "2026-11-22T10:00:00Z".to_string();
    desk.ok(&[
        "incident",
        "note",
        "INC-2026-0001",
        "--kind",
        "ico-reported",
        "--at",
        "21/11/2026 09:00",
    ]);
    let said = desk.ok(&[
        "item",
        "set",
        "LT-0002",
        "--encrypted",
        "yes",
        "--reason",
        "IT say BitLocker was on",
    ]);
    assert!(said.contains("encrypted: no -> yes"), "{said}");
    desk.ok(&["person", "set", "S001", "--training", "2026-11-21"]);

    let exposure = desk.ok(&["exposure", "--holder", "S001", "--at", "20/11/2026 17:00"]);
    assert!(exposure.contains("1 NOT encrypted"), "{exposure}");
    assert!(
        exposure.contains("LT-0002: encrypted: no -> yes on 22/11/2026 10:00"),
        "{exposure}"
    );

    let pdf = desk.dir.path().join("pack.pdf");
    desk.ok(&["incident", "pack", "INC-2026-0001", "--pdf", pdf.to_str().unwrap()]);
    let text = custody_tests::pdf_text(&pdf);
    let mut last = 0;
    for section in [
        "1. What happened",
        "2. When it happened and when it was discovered",
        "3. Staff involved",
        "4. The data and the people affected",
        "5. Safeguards in place",
        "6. Containment, and who else was told",
        "7. Reporting to the ICO",
    ] {
        let at = text
            .find(section)
            .unwrap_or_else(|| panic!("missing {section:?} in\n{text}"));
        assert!(at > last, "{section:?} out of order in\n{text}");
        last = at;
    }
    for expected in [
        "0 device(s) encrypted, 1 device(s) NOT encrypted",
        "Kinds of personal data: contact, sen.",
        "Data subjects: 40 in all.",
        "LT-0002: encrypted: no -> yes on 22/11/2026 10:00",
        "Sam Jones (S001), as their record stood on 20/11/2026 17:00:",
        "Information-governance training: current (completed 15/03/2026",
        // Their training was renewed after the theft: the pack says so, apart.
        "Recorded after the incident: training: 15/03/2026 -> 21/11/2026 on 22/11/2026 10:00.",
        "dpo-notified",
        "Reported 15 hour(s) after discovery.",
        "Data subjects: 40 in all.",
    ] {
        assert!(text.contains(expected), "missing {expected:?} in\n{text}");
    }
    assert!(desk.ok(&["verify"]).starts_with("Intact"));
}
