//! The trust's view with two desks through the test PostgreSQL: each desk's row of `report
//! trust` agrees with that desk's own status, overdue report and stocktake; the PDF reads back
//! with its charts; an auditor reads everything and changes nothing, at a desk and on the server.

#![allow(clippy::unwrap_used)]

mod common;

use std::collections::HashMap;

use common::server::*;
use custody_tests::Desk;

/// A CSV's rows as column → value maps.
fn csv_rows(csv: &str) -> Vec<HashMap<String, String>> {
    let mut reader = csv::Reader::from_reader(csv.as_bytes());
    let headers = reader.headers().unwrap().clone();
    reader
        .records()
        .map(|r| {
            let r = r.unwrap();
            headers
                .iter()
                .map(str::to_string)
                .zip(r.iter().map(str::to_string))
                .collect()
        })
        .collect()
}

/// The row of the trust's report for `desk`.
fn row_of<'a>(rows: &'a [HashMap<String, String>], desk: &str) -> &'a HashMap<String, String> {
    rows.iter()
        .find(|r| r["desk"] == desk)
        .unwrap_or_else(|| panic!("no row for {desk}: {rows:?}"))
}

#[test]
#[ignore = "needs PostgreSQL: scripts/test starts one and runs this"]
fn each_desks_row_agrees_with_its_own_reports_and_an_auditor_changes_nothing() {
    let server = fresh_server("trustview");
    let north = Desk::with_basics(CUSTODY);
    // Unencrypted, with pupils' data: what the DPO looks for first.
    north.ok(&[
        "item",
        "add",
        "LT-0003",
        "--kind",
        "laptop",
        "--name",
        "HP ProBook",
        "--data-subjects",
        "30",
    ]);
    north.ok(&["item", "add", "LT-0004", "--kind", "laptop", "--name", "HP ProBook 2"]);
    north.add_operator("inspector", custody_db::Role::Auditor);
    north.ok(&["server", "init", "--url", &server]);
    let north_url = add_desk(&north, &server, "trustview-north");
    let south_url = add_desk(&north, &server, "trustview-south");
    north.ok(&["sync", "join", &north_url]);
    let south = joined_desk(&south_url, "2026-11-20T11:00:00Z");

    // North: LT-0001 to Sam since 1 November, due on the 6th (the third notice); LT-0003 to
    // Priya, due next week.
    north.ok(&[
        "out",
        "LT-0001",
        "--to",
        "S001",
        "--at",
        "2026-11-01",
        "--due",
        "2026-11-06",
    ]);
    north.ok(&["out", "LT-0003", "--to", "S002", "--due", "2026-11-25", "--yes"]);
    // South: LT-0002 to Priya, back four days late; then to Sam, due yesterday (the first notice).
    south.ok(&[
        "out",
        "LT-0002",
        "--to",
        "S002",
        "--at",
        "2026-11-02 09:00",
        "--due",
        "2026-11-04",
    ]);
    south.ok(&["in", "LT-0002", "--at", "2026-11-08 09:00"]);
    south.ok(&[
        "out",
        "LT-0002",
        "--to",
        "S001",
        "--at",
        "2026-11-12 09:00",
        "--due",
        "2026-11-19",
    ]);
    for desk in [&north, &south, &north] {
        desk.ok(&["sync"]);
    }
    // North counts the premises: the pupil file is there, LT-0004 is not, LT-0003 turns up.
    north.ok(&["stocktake", "start"]);
    north.ok(&["stocktake", "scan", "PF-0001", "LT-0003"]);
    north.ok(&["stocktake", "finish"]);
    north.ok(&["verify"]);
    for desk in [&north, &south, &north] {
        desk.ok(&["sync"]);
    }

    let period = ["--from", "2026-11-01", "--to", "2026-11-30"];
    let report = |desk: &Desk| csv_rows(&desk.ok(&[&["report", "trust"][..], &period, &["--format", "csv"]].concat()));
    let at_north = report(&north);
    assert_eq!(at_north.len(), 3, "two desks and the total: {at_north:?}");
    assert_eq!(at_north[2]["desk"], "TOTAL");
    for desk in ["trustview-north", "trustview-south"] {
        let row = row_of(&at_north, desk);
        // Out now: the desk's own status.
        let status = csv_rows(&north.ok(&["status", "--desk", desk, "--format", "csv"]));
        assert_eq!(row["out_now"], status.len().to_string(), "{desk}: {row:?}");
        // Overdue now: the desk's own overdue report.
        let overdue = csv_rows(&north.ok(&["report", "overdue", "--desk", desk, "--format", "csv"]));
        let overdue = overdue.iter().filter(|r| r["section"] == "overdue").count();
        assert_eq!(row["overdue_now"], overdue.to_string(), "{desk}: {row:?}");
    }
    let n = row_of(&at_north, "trustview-north");
    let s = row_of(&at_north, "trustview-south");
    let figures = |r: &HashMap<String, String>, columns: &[&str]| -> Vec<String> {
        columns.iter().map(|c| r[*c].clone()).collect()
    };
    assert_eq!(
        figures(
            n,
            &[
                "items",
                "laptops",
                "paper_files",
                "out_now",
                "out_unencrypted",
                "out_special_or_safeguarding"
            ]
        ),
        ["5", "4", "1", "2", "1", "0"],
        "{n:?}"
    );
    assert_eq!(
        figures(
            n,
            &[
                "sign_outs",
                "overdue_now",
                "overdue_third_notice",
                "longest_overdue_days"
            ]
        ),
        ["2", "1", "1", "14"],
        "{n:?}"
    );
    assert_eq!(
        figures(
            s,
            &[
                "items",
                "sign_outs",
                "overdue_now",
                "overdue_first_notice",
                "returned",
                "returned_late",
                "returned_late_share"
            ]
        ),
        ["0", "2", "1", "1", "1", "1", "1.000"],
        "{s:?}"
    );
    // The stocktake's figures are its own report's.
    let stocktake = csv_rows(&north.ok(&["stocktake", "report", "--format", "csv"]));
    for (outcome, column) in [
        ("found", "stocktake_found"),
        ("missing", "stocktake_missing"),
        ("unexpected", "stocktake_unexpected"),
    ] {
        let counted = stocktake.iter().filter(|r| r["outcome"] == outcome).count();
        assert_eq!(n[column], counted.to_string(), "{outcome}: {stocktake:?}");
    }
    assert_eq!(
        figures(
            n,
            &[
                "stocktake",
                "stocktake_found",
                "stocktake_missing",
                "stocktake_unexpected"
            ]
        ),
        ["ST-1", "1", "1", "1"]
    );
    assert_eq!(s["stocktake"], "");
    // North verified its chain (on the record, synced); south never has.
    assert_eq!(n["verified_result"], "intact");
    assert_eq!(s["verified_result"], "never verified");
    assert!(!s["last_synced"].is_empty(), "when north last heard from south: {s:?}");
    let total = &at_north[2];
    assert_eq!(
        figures(
            total,
            &["out_now", "sign_outs", "overdue_now", "returned_late", "stocktake"]
        ),
        ["3", "4", "2", "1", ""]
    );
    // South, having pulled, tells the same story of every desk.
    let at_south = report(&south);
    for column in [
        "out_now",
        "out_unencrypted",
        "sign_outs",
        "overdue_now",
        "returned_late",
        "stocktake_found",
        "verified_result",
    ] {
        for desk in ["trustview-north", "trustview-south", "TOTAL"] {
            assert_eq!(
                row_of(&at_south, desk)[column],
                row_of(&at_north, desk)[column],
                "{desk} {column}"
            );
        }
    }

    // The month by month figures, and the PDF with its charts.
    let trends = csv_rows(&north.ok(&["report", "trust", "--trends", "--format", "csv"]));
    assert_eq!(trends.iter().filter(|r| r["desk"] == "TOTAL").count(), 12, "{trends:?}");
    let november = trends
        .iter()
        .find(|r| r["desk"] == "TOTAL" && r["month"] == "2026-11")
        .unwrap();
    assert_eq!(
        figures(
            november,
            &["sign_outs", "unencrypted_sign_outs", "out_at_end", "overdue_at_end"]
        ),
        ["4", "1", "3", "2"]
    );
    // LT-0001 went out at midnight as November began: November's, not October's.
    let october = trends
        .iter()
        .find(|r| r["desk"] == "TOTAL" && r["month"] == "2026-10")
        .unwrap();
    assert_eq!(figures(october, &["out_at_end", "overdue_rate"]), ["0", ""]);
    let pdf = north.dir.path().join("trust.pdf");
    north.ok(&[
        &["report", "trust"][..],
        &period,
        &["--format", "pdf", "-o", pdf.to_str().unwrap()],
    ]
    .concat());
    let text = custody_tests::pdf_text(&pdf);
    for words in [
        "custody by desk",
        "trustview-north",
        "trustview-south",
        "TOTAL",
        "Trends",
        "Overdue rate",
        "Unencrypted loans",
        "Incidents per 100 sign-outs",
        "Nov 26",
    ] {
        assert!(text.contains(words), "{words:?} in {text}");
    }

    // The auditor, at south: reads everything, changes nothing; each refusal names the role.
    let mut auditor = south;
    auditor.act_as("inspector", "inspector-password");
    assert!(auditor.ok(&["report", "trust", "--format", "csv"]).contains("TOTAL"));
    assert!(
        auditor
            .ok(&["exposure", "--holder", "S001", "--at", "2026-11-20 09:00"])
            .contains("LT-0001")
    );
    auditor.ok(&["report", "overdue"]);
    auditor.ok(&["operator", "list"]);
    let before = auditor.dump();
    for write in [
        &["out", "LT-0004", "--to", "S001"][..],
        &["in", "LT-0002"],
        &["item", "add", "LT-0099", "--kind", "laptop", "--name", "Sneaked in"],
        &["stocktake", "start"],
        &["settings", "sync-warning", "9"],
    ] {
        let refused = auditor.run(write);
        assert_ne!(refused.code, 0, "{write:?} was allowed");
        assert!(
            refused.stderr.contains("signed in as auditor"),
            "{write:?}: {}",
            refused.stderr
        );
    }
    assert_eq!(auditor.dump(), before, "a refused write changed the file");
    // A verification is the one thing an auditor puts on the record, and it is theirs.
    assert_eq!(auditor.run(&["verify"]).code, 0);

    // On the server: the auditor's login reads the views, and PostgreSQL refuses it the rest.
    let url = north.ok(&["server", "add-auditor", "trustview-inspector", "--url", &server]);
    let url = url.lines().last().unwrap();
    let mut client = postgres::Client::connect(url, postgres::NoTls).unwrap();
    let now: Vec<(String, i64, i64)> = client
        .query(
            "SELECT desk, out_now, out_unencrypted FROM custody_trust_now ORDER BY desk",
            &[],
        )
        .unwrap()
        .iter()
        .map(|r| (r.get(0), r.get(1), r.get(2)))
        .collect();
    assert_eq!(
        now,
        [
            ("trustview-north".to_string(), 2, 1),
            ("trustview-south".to_string(), 1, 0)
        ],
        "the server's view agrees with the desks' report"
    );
    let months: i64 = client
        .query_one("SELECT sum(sign_outs)::bigint FROM custody_sign_outs_by_month", &[])
        .unwrap()
        .get(0);
    assert_eq!(months, 4);
    for refused in [
        "SELECT count(*) FROM custody_entries",
        "INSERT INTO custody_entries SELECT * FROM custody_entries LIMIT 1",
        "UPDATE custody_entries SET kind = 'sign-in'",
        "DELETE FROM custody_entries",
        "DELETE FROM custody_desks",
    ] {
        let e = client.batch_execute(refused).unwrap_err();
        assert!(
            e.to_string().contains("permission denied") || format!("{e:?}").contains("permission denied"),
            "{refused}: {e:?}"
        );
    }
}
