//! The trust's report (`custody report trust`, the desk's Trust screen): a row per desk and the
//! total, as a table, CSV (snake_case columns other tools can rely on), JSON or a PDF for the
//! DPO and the board; and the trends month by month, as CSV or as charts in the PDF.

use std::io::Write;

use anyhow::Result;
use custody_db::trust_report::{DeskFigures, MonthFigures, TrustReport};
use custody_db::{ItemKind, Ledger};
use custody_labels::document::Document;

use super::{Cell, Format, ReportFormat, Table, pdf_footer};

/// The CSV column of a kind's count on the register.
fn kind_column(kind: ItemKind) -> &'static str {
    match kind {
        ItemKind::Laptop => "laptops",
        ItemKind::Chromebook => "chromebooks",
        ItemKind::Tablet => "tablets",
        ItemKind::Phone => "phones",
        ItemKind::PaperFile => "paper_files",
        ItemKind::RemovableMedia => "removable_media",
        ItemKind::Other => "other_items",
    }
}

/// The columns, in order; each one's meaning is in the README ("The trust's view").
fn columns() -> Vec<&'static str> {
    let mut c = vec!["desk", "items"];
    c.extend(ItemKind::ALL.map(kind_column));
    c.extend([
        "out_now",
        "out_unencrypted",
        "out_special_or_safeguarding",
        "sign_outs",
        "overdue_now",
        "overdue_before_first_notice",
        "overdue_first_notice",
        "overdue_second_notice",
        "overdue_third_notice",
        "longest_overdue_days",
        "returned",
        "returned_late",
        "returned_late_share",
        "stocktake",
        "stocktake_started",
        "stocktake_found",
        "stocktake_missing",
        "stocktake_unexpected",
        "spot_checks",
        "spot_checked",
        "spot_seen",
        "spot_not_available",
        "spot_problems",
        "disposals",
        "retired_without_evidence",
        "incidents",
        "incidents_reported_to_ico",
        "ico_hours_longest",
        "most_people_affected",
        "leavers_holding",
        "lapsed_holding",
        "verified_at",
        "verified_result",
        "last_synced",
    ]);
    c
}

fn count(n: u64) -> Cell {
    Cell::Int(i64::try_from(n).unwrap_or(i64::MAX))
}

fn maybe(n: Option<i64>) -> Cell {
    n.map_or_else(|| Cell::Text(String::new()), Cell::Int)
}

/// A share as a fraction with three decimals ("0.125"), empty when there is nothing to share.
fn share(s: Option<f64>) -> Cell {
    Cell::Text(s.map(|s| format!("{s:.3}")).unwrap_or_default())
}

/// How a verification stood, in a word or two.
pub fn verified_result(d: &DeskFigures) -> String {
    match &d.verified {
        None => "never verified".to_string(),
        Some(v) if v.intact => "intact".to_string(),
        Some(v) => format!("NOT intact ({} problem(s))", v.problems),
    }
}

fn row(d: &DeskFigures) -> Vec<Cell> {
    let mut r: Vec<Cell> = vec![d.desk.clone().into(), count(d.items())];
    r.extend(ItemKind::ALL.map(|k| count(d.on_register.get(&k).copied().unwrap_or(0))));
    let s = d.stocktake.as_ref();
    // A desk with no stocktake has empty cells, not zeros.
    let of_stocktake = |n: fn(&custody_db::trust_report::StocktakeFigures) -> u64| {
        s.map_or_else(|| Cell::Text(String::new()), |s| count(n(s)))
    };
    r.extend([
        count(d.out_now),
        count(d.out_unencrypted),
        count(d.out_special),
        count(d.sign_outs),
        count(d.overdue_now),
        count(d.overdue_by_stage[0]),
        count(d.overdue_by_stage[1]),
        count(d.overdue_by_stage[2]),
        count(d.overdue_by_stage[3]),
        maybe(d.longest_overdue_days),
        count(d.returned),
        count(d.returned_late),
        share(d.late_share()),
        s.map(|s| s.id.clone()).into(),
        Cell::Time(s.map(|s| s.started_at)),
        of_stocktake(|s| s.found),
        of_stocktake(|s| s.missing),
        of_stocktake(|s| s.unexpected),
        count(d.spot_checks),
        count(d.spot_checked),
        count(d.spot_outcomes[0]),
        count(d.spot_outcomes[1]),
        count(d.spot_outcomes[2]),
        count(d.disposals),
        count(d.retired_without_evidence),
        count(d.incidents),
        count(d.reported_to_ico),
        maybe(d.ico_hours_longest),
        maybe(d.most_affected.map(|n| i64::try_from(n).unwrap_or(i64::MAX))),
        count(d.leavers_holding),
        count(d.lapsed_holding),
        Cell::Time(d.verified.as_ref().map(|v| v.at)),
        verified_result(d).into(),
        Cell::Time(d.last_synced),
    ]);
    r
}

pub fn print(ledger: &Ledger, report: &TrustReport, format: Format, out: &mut dyn Write) -> Result<()> {
    let mut table = Table::new(ledger.timezone(), &columns());
    for d in report.desks.iter().chain([&report.total]) {
        table.push(row(d));
    }
    table.print(format, out)
}

const TREND_COLUMNS: &[&str] = &[
    "month",
    "desk",
    "sign_outs",
    "unencrypted_sign_outs",
    "out_at_end",
    "overdue_at_end",
    "overdue_rate",
    "returned",
    "returned_late",
    "incidents",
    "incidents_per_100_sign_outs",
];

pub fn print_trends(ledger: &Ledger, months: &[MonthFigures], format: Format, out: &mut dyn Write) -> Result<()> {
    let mut table = Table::new(ledger.timezone(), TREND_COLUMNS);
    for m in months {
        table.push(vec![
            m.month.format("%Y-%m").to_string().into(),
            m.desk.clone().into(),
            count(m.sign_outs),
            count(m.unencrypted_sign_outs),
            count(m.out_at_end),
            count(m.overdue_at_end),
            share(m.overdue_rate()),
            count(m.returned),
            count(m.returned_late),
            count(m.incidents),
            Cell::Text(m.incidents_per_100().map(|n| format!("{n:.2}")).unwrap_or_default()),
        ]);
    }
    table.print(format, out)
}

/// The report as asked: the per-desk figures as a list, the trends as a list, or the PDF with
/// both (the trends as charts).
pub fn render(
    ledger: &Ledger,
    report: &TrustReport,
    trends: &[MonthFigures],
    trends_only: bool,
    format: ReportFormat,
) -> Result<Vec<u8>> {
    let mut bytes = Vec::new();
    match format.list() {
        Some(list) if trends_only => print_trends(ledger, trends, list, &mut bytes)?,
        Some(list) => print(ledger, report, list, &mut bytes)?,
        None => bytes = pdf(ledger, report, trends),
    }
    Ok(bytes)
}

/// "1 day", "14 days".
fn days(n: i64) -> String {
    if n == 1 {
        "1 day".to_string()
    } else {
        format!("{n} days")
    }
}

/// A day and time, or "never".
fn when(ledger: &Ledger, at: Option<i64>) -> String {
    at.map_or_else(|| "never".to_string(), |at| ledger.format_time(at))
}

/// Returns late, and their share: "3 (25%)".
fn late(d: &DeskFigures) -> String {
    match d.late_share() {
        Some(share) => format!("{} ({:.0}%)", d.returned_late, share * 100.0),
        None => "0".to_string(),
    }
}

/// A group of figures as the page and the Trust screen show them: its heading, each column's
/// title and width on the page (mm; the desk's column, 30 mm, comes first), a row's cells, and
/// a line saying what the compact cells hold.
#[derive(Debug)]
pub struct Group {
    pub heading: &'static str,
    pub columns: &'static [(&'static str, f32)],
    pub cells: fn(&Ledger, &DeskFigures) -> Vec<String>,
    pub note: Option<&'static str>,
}

pub const GROUPS: [Group; 4] = [
    Group {
        heading: "The register and what is out",
        columns: &[
            ("Items", 14.0),
            ("Out now", 16.0),
            ("Unencrypted", 20.0),
            ("Special/safeg.", 22.0),
            ("Sign-outs", 17.0),
            ("Overdue", 35.0),
            ("Longest", 20.0),
        ],
        cells: |_, d| {
            vec![
                d.items().to_string(),
                d.out_now.to_string(),
                d.out_unencrypted.to_string(),
                d.out_special.to_string(),
                d.sign_outs.to_string(),
                format!(
                    "{} ({})",
                    d.overdue_now,
                    d.overdue_by_stage.map(|n| n.to_string()).join("/")
                ),
                d.longest_overdue_days.map(days).unwrap_or_default(),
            ]
        },
        note: Some("Overdue: all, then (before the first notice / first / second / third notice)."),
    },
    Group {
        heading: "Returns, stocktakes and spot checks",
        columns: &[
            ("Returned", 16.0),
            ("Late", 19.0),
            ("Stocktake", 24.0),
            ("Found", 12.0),
            ("Missing", 14.0),
            ("Unexp.", 14.0),
            ("Spot checks", 20.0),
            ("Findings", 25.0),
        ],
        cells: |ledger, d| {
            let s = d.stocktake.as_ref();
            let count = |n: fn(&custody_db::trust_report::StocktakeFigures) -> u64| {
                s.map(|s| n(s).to_string()).unwrap_or_default()
            };
            vec![
                d.returned.to_string(),
                late(d),
                s.map_or_else(
                    || "never".to_string(),
                    |s| ledger.format_time(s.started_at).chars().take(10).collect(),
                ),
                count(|s| s.found),
                count(|s| s.missing),
                count(|s| s.unexpected),
                d.spot_checks.to_string(),
                d.spot_outcomes.map(|n| n.to_string()).join("/"),
            ]
        },
        note: Some(
            "Stocktake: each desk's latest (the total: the oldest of them). Spot-check findings: seen / not available / a problem.",
        ),
    },
    Group {
        heading: "Disposals, incidents and people",
        columns: &[
            ("Disposals", 17.0),
            ("No evidence", 30.0),
            ("Incidents", 17.0),
            ("To ICO (longest h)", 28.0),
            ("Most affected", 22.0),
            ("Leavers", 16.0),
            ("Lapsed", 14.0),
        ],
        cells: |_, d| {
            vec![
                d.disposals.to_string(),
                d.retired_without_evidence.to_string(),
                d.incidents.to_string(),
                match d.ico_hours_longest {
                    Some(h) => format!("{} ({h} h)", d.reported_to_ico),
                    None => d.reported_to_ico.to_string(),
                },
                d.most_affected.map(|n| n.to_string()).unwrap_or_default(),
                d.leavers_holding.to_string(),
                d.lapsed_holding.to_string(),
            ]
        },
        note: Some(
            "No evidence: retired without a disposal on the record. Leavers and lapsed: people holding items who have left, or whose agreement or training has lapsed.",
        ),
    },
    Group {
        heading: "The record",
        columns: &[("Last verified", 40.0), ("Result", 40.0), ("Last synced", 40.0)],
        cells: |ledger, d| {
            vec![
                when(ledger, d.verified.as_ref().map(|v| v.at)),
                verified_result(d),
                when(ledger, d.last_synced),
            ]
        },
        note: None,
    },
];

pub fn pdf(ledger: &Ledger, report: &TrustReport, trends: &[MonthFigures]) -> Vec<u8> {
    let mut doc = Document::new(&pdf_footer(ledger));
    let org = ledger
        .organisation()
        .ok()
        .flatten()
        .unwrap_or_else(|| "The trust".to_string());
    doc.title(&format!("{org}: custody by desk"));
    doc.text(&format!(
        "Counts for {} to {}; \"now\" is {}. {} desk(s). Each figure's meaning is in the README (\"The trust's view\").",
        ledger.format_time(report.from),
        ledger.format_time(report.to),
        ledger.format_time(report.as_of),
        report.desks.len()
    ));
    let all: Vec<&DeskFigures> = report.desks.iter().chain([&report.total]).collect();
    for group in &GROUPS {
        doc.heading(group.heading);
        let rows: Vec<Vec<String>> = all
            .iter()
            .map(|d| {
                let mut r = vec![d.desk.clone()];
                r.extend((group.cells)(ledger, d));
                r
            })
            .collect();
        let mut columns = vec![("Desk", 30.0)];
        columns.extend_from_slice(group.columns);
        doc.table(&columns, &rows);
        if let Some(note) = group.note {
            doc.text(note);
        }
    }
    trend_charts(&mut doc, trends);
    doc.finish()
}

/// The trust's key figures month by month, a chart each.
fn trend_charts(doc: &mut Document, trends: &[MonthFigures]) {
    let total: Vec<&MonthFigures> = trends
        .iter()
        .filter(|m| m.desk == custody_db::trust_report::TOTAL)
        .collect();
    if total.is_empty() {
        return;
    }
    doc.new_page();
    doc.title("Trends: the last 12 months, the whole trust");
    let label = |m: &MonthFigures| m.month.format("%b %y").to_string();
    type Value = fn(&MonthFigures) -> Option<f64>;
    type Words = fn(f64) -> String;
    let charts: [(&str, Value, Words); 4] = [
        (
            "Overdue rate: overdue as a share of what was out, at each month's end",
            MonthFigures::overdue_rate,
            |v| format!("{:.0}%", v * 100.0),
        ),
        (
            "Unencrypted loans: sign-outs of devices with personal data not recorded as encrypted",
            |m| Some(m.unencrypted_sign_outs as f64),
            |v| format!("{v:.0}"),
        ),
        ("Incidents per 100 sign-outs", MonthFigures::incidents_per_100, |v| {
            format!("{v:.1}")
        }),
        ("Sign-outs", |m| Some(m.sign_outs as f64), |v| format!("{v:.0}")),
    ];
    for (title, value, show) in charts {
        let bars: Vec<(String, Option<f64>)> = total.iter().map(|m| (label(m), value(m))).collect();
        doc.bar_chart(title, &bars, 32.0, show);
    }
}
