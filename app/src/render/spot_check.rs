//! Spot checks: the checklist a manager takes round (what was drawn, boxes for the outcome, a
//! line for notes), and the report of the last year's spot checks and what they found, as a
//! table, CSV (one row per item or holder drawn), JSON or a PDF.

use std::io::Write;

use anyhow::Result;
use custody_db::Ledger;
use custody_db::spot_check::{CheckOutcome, Population, Sampled, SpotCheck};
use custody_labels::document::Document;

use super::{Cell, Format, ReportFormat, Table, pdf_footer};

/// "SC-2: 5 drawn at random from 41 items out, 30/11/2026 09:12 by manager (seed 1234); 3
/// checked: 2 seen, 0 not available, 1 with a problem."
pub fn summary(ledger: &Ledger, c: &SpotCheck) -> String {
    let from = match c.of {
        Population::Items => format!("{} items out", c.population),
        Population::Holders => format!("{} people holding something", c.population),
    };
    format!(
        "{}: {} drawn at random from {from}, {} by {} (seed {}); {} checked: {} seen, {} not available, {} with a problem.",
        c.id,
        c.sample.len(),
        ledger.format_time(c.drawn_at),
        c.drawn_by,
        c.seed,
        c.checked(),
        c.count(CheckOutcome::Seen),
        c.count(CheckOutcome::NotAvailable),
        c.count(CheckOutcome::Problem),
    )
}

/// What one drawn item or holder is, in words: "LT-0042 Dell Latitude, with Sam Jones (S001)",
/// "Sam Jones (S001), holding LT-0042, CB-0007".
pub fn describe(ledger: &Ledger, of: Population, s: &Sampled) -> String {
    match of {
        Population::Items => {
            let name = ledger.item(&s.subject).map(|i| i.name).unwrap_or_default();
            let holder = s.holder.as_deref().map(|h| ledger.person_label(h)).unwrap_or_default();
            format!("{} {name}, with {holder}", s.subject)
        }
        Population::Holders => {
            let holds: Vec<String> = ledger
                .holdings(&s.subject)
                .map(|rows| rows.into_iter().map(|r| r.tag).collect())
                .unwrap_or_default();
            format!("{}, holding {}", ledger.person_label(&s.subject), holds.join(", "))
        }
    }
}

fn outcome_text(s: &Sampled) -> (String, String) {
    match &s.outcome {
        Some((o, note, _, _)) => (o.as_str().to_string(), note.clone().unwrap_or_default()),
        None => ("not checked yet".to_string(), String::new()),
    }
}

/// The checklist for the manager: one row per item or holder drawn, with boxes to tick.
pub fn checklist_pdf(ledger: &Ledger, c: &SpotCheck) -> Vec<u8> {
    let mut doc = Document::new(&pdf_footer(ledger));
    doc.title(&format!("Spot check {}: checklist", c.id));
    doc.text(&summary(ledger, c));
    doc.text(
        "For each: see it with the holder and check it is kept as the rules say (locked away at home, \
         never left in a car, paper apart from devices). Tick one box; say what was wrong for a problem. \
         Then record the outcomes at the desk (Spot checks) or with `custody spot-check record`.",
    );
    let rows: Vec<Vec<String>> = c
        .sample
        .iter()
        .map(|s| {
            vec![
                describe(ledger, c.of, s),
                "[ ] seen and stored as the rules say   [ ] not available   [ ] a problem".to_string(),
                "Note: ______________________".to_string(),
            ]
        })
        .collect();
    doc.table(&[("Drawn", 70.0), ("Outcome", 62.0), ("Note", 42.0)], &rows);
    doc.space(6.0);
    doc.text("Checked by: ______________________   Date: ____________");
    doc.finish()
}

pub fn print(ledger: &Ledger, checks: &[SpotCheck], format: Format, out: &mut dyn Write) -> Result<()> {
    let mut table = Table::new(
        ledger.timezone(),
        &[
            "check", "drawn", "of", "subject", "holder", "outcome", "note", "recorded",
        ],
    );
    for c in checks {
        for s in &c.sample {
            let (outcome, note) = outcome_text(s);
            table.push(vec![
                c.id.clone().into(),
                Cell::Time(Some(c.drawn_at)),
                c.of.as_str().into(),
                s.subject.clone().into(),
                s.holder.clone().unwrap_or_default().into(),
                outcome.into(),
                note.into(),
                Cell::Time(s.outcome.as_ref().map(|o| o.2)),
            ]);
        }
    }
    match format {
        Format::Json => writeln!(out, "{}", serde_json::to_string_pretty(checks)?)?,
        Format::Csv => table.print(Format::Csv, out)?,
        Format::Table => {
            writeln!(out, "{} spot check(s) in the last 12 months.", checks.len())?;
            for c in checks {
                writeln!(out, "{}", summary(ledger, c))?;
            }
            table.print(Format::Table, out)?;
        }
    }
    Ok(())
}

pub fn render(ledger: &Ledger, checks: &[SpotCheck], format: ReportFormat) -> Result<Vec<u8>> {
    let mut bytes = Vec::new();
    match format.list() {
        Some(list) => print(ledger, checks, list, &mut bytes)?,
        None => bytes = report_pdf(ledger, checks),
    }
    Ok(bytes)
}

/// The last year's spot checks: a line for each, then what each found.
pub fn report_pdf(ledger: &Ledger, checks: &[SpotCheck]) -> Vec<u8> {
    let mut doc = Document::new(&pdf_footer(ledger));
    doc.title("Spot checks of the last 12 months");
    let problems: usize = checks.iter().map(|c| c.count(CheckOutcome::Problem)).sum();
    doc.text(&format!(
        "{} spot check(s); {problems} problem(s) found. Each sample was drawn at random (its seed is given, so the draw can be repeated).",
        checks.len()
    ));
    for c in checks {
        doc.heading(&c.id);
        doc.text(&summary(ledger, c));
        let rows: Vec<Vec<String>> = c
            .sample
            .iter()
            .map(|s| {
                let (outcome, note) = outcome_text(s);
                vec![describe(ledger, c.of, s), outcome, note]
            })
            .collect();
        doc.table(&[("Drawn", 80.0), ("Outcome", 34.0), ("Note", 60.0)], &rows);
    }
    doc.finish()
}
