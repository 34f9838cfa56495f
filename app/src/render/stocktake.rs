//! A stocktake: where it stands (counts and the last scans), and its report of expected and
//! found, missing and unexpected, as a table, CSV (one row per item with a column saying which),
//! JSON, or a PDF.

use std::io::Write;

use anyhow::Result;
use custody_db::Ledger;
use custody_db::stocktake::{Offer, Outcome, Seen, Stocktake, StocktakeLine, StocktakeReport};
use custody_labels::document::Document;

use super::{Cell, Format, ReportFormat, Table, pdf_footer};

/// "ST-1 (everything that should be on the premises), started 30/11/2026 09:00 by desk: 41 of
/// 120 found, 79 still expected, 2 unexpected."
pub fn summary(ledger: &Ledger, s: &Stocktake) -> String {
    let state = match &s.finished {
        Some((at, by)) => format!("finished {} by {by}", ledger.format_time(*at)),
        None => "open".to_string(),
    };
    format!(
        "{} ({}), started {} by {}, {state}: {} of {} found, {} still expected, {} unexpected.",
        s.id,
        s.scope.describe(),
        ledger.format_time(s.started_at),
        s.started_by,
        s.found(),
        s.expected.len(),
        s.still_expected(),
        s.unexpected()
    )
}

/// What one scan found, in words: "LT-0042: found", "LT-0007: already counted at 09:14".
pub fn seen_text(ledger: &Ledger, tag: &str, seen: &Seen) -> String {
    match seen {
        Seen::Expected => format!("{tag}: found"),
        Seen::AlreadySeen { at } => format!("{tag}: already counted at {}", ledger.format_time(*at)),
        Seen::Unexpected { why, offer } => format!("{tag}: unexpected, {why}{}", offer_text(*offer)),
    }
}

/// What can be done about an unexpected item, as a clause: "; sign it in?".
pub fn offer_text(offer: Offer) -> &'static str {
    match offer {
        Offer::None => "",
        Offer::SignIn => " (sign it in)",
        Offer::Found => " (record it found)",
    }
}

fn note(line: &StocktakeLine) -> String {
    format!("{}{}", line.note, offer_text(line.offer))
}

pub fn print(ledger: &Ledger, r: &StocktakeReport, format: Format, out: &mut dyn Write) -> Result<()> {
    let columns = ["outcome", "tag", "kind", "name", "seen", "note"];
    let mut table = Table::new(ledger.timezone(), &columns);
    for l in &r.lines {
        table.push(vec![
            l.outcome.as_str().into(),
            l.tag.clone().into(),
            l.kind.map(|k| k.as_str()).unwrap_or_default().into(),
            l.name.clone().unwrap_or_default().into(),
            Cell::Time(l.seen_at),
            note(l).into(),
        ]);
    }
    match format {
        Format::Json => writeln!(out, "{}", serde_json::to_string_pretty(r)?)?,
        Format::Csv => table.print(Format::Csv, out)?,
        Format::Table => {
            writeln!(out, "Stocktake {}", summary(ledger, &r.stocktake))?;
            table.print(Format::Table, out)?;
        }
    }
    Ok(())
}

/// The report in any format, as bytes.
pub fn render(ledger: &Ledger, r: &StocktakeReport, format: ReportFormat) -> Result<Vec<u8>> {
    let mut bytes = Vec::new();
    match format.list() {
        Some(list) => print(ledger, r, list, &mut bytes)?,
        None => bytes = pdf(ledger, r)?,
    }
    Ok(bytes)
}

/// The printable report: the summary, then unexpected (they need action now), missing and
/// found, each a table.
pub fn pdf(ledger: &Ledger, r: &StocktakeReport) -> Result<Vec<u8>> {
    let s = &r.stocktake;
    let mut doc = Document::new(&pdf_footer(ledger));
    doc.title(&format!("Stocktake {}", s.id));
    doc.text(&summary(ledger, s));
    let sections = [
        (Outcome::Unexpected, "Unexpected: seen and not expected"),
        (Outcome::Missing, "Missing: expected and not seen"),
        (Outcome::Found, "Found: expected and seen"),
    ];
    for (outcome, title) in sections {
        let rows: Vec<Vec<String>> = r
            .of(outcome)
            .map(|l| {
                vec![
                    l.tag.clone(),
                    l.name.clone().unwrap_or_default(),
                    l.seen_at.map(|t| ledger.format_time(t)).unwrap_or_default(),
                    note(l),
                ]
            })
            .collect();
        doc.heading(&format!("{title} ({})", rows.len()));
        if rows.is_empty() {
            doc.text("None.");
        } else {
            doc.table(&[("Tag", 26.0), ("Item", 50.0), ("Seen", 32.0), ("Note", 66.0)], &rows);
        }
    }
    Ok(doc.finish())
}
