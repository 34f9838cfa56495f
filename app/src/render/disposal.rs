//! The disposal register (R11) for a period: what left for good, how, on what reference and
//! before which witness; as a table, CSV, JSON or a PDF.

use std::io::Write;

use anyhow::Result;
use custody_db::Ledger;
use custody_db::disposal::Disposal;
use custody_labels::document::Document;

use super::{Cell, Format, ReportFormat, Table, pdf_footer};

fn witness(d: &Disposal) -> String {
    d.witness
        .as_ref()
        .map(|(id, name)| format!("{name} ({id})"))
        .unwrap_or_default()
}

pub fn print(ledger: &Ledger, disposals: &[Disposal], format: Format, out: &mut dyn Write) -> Result<()> {
    let mut table = Table::new(
        ledger.timezone(),
        &[
            "disposed",
            "tag",
            "kind",
            "name",
            "method",
            "reference",
            "witness",
            "recorded by",
        ],
    );
    for d in disposals {
        table.push(vec![
            Cell::Time(Some(d.at)),
            d.tag.clone().into(),
            d.kind.as_str().into(),
            d.name.clone().into(),
            d.method.as_str().into(),
            d.reference.clone().into(),
            witness(d).into(),
            d.operator.clone().into(),
        ]);
    }
    table.print(format, out)
}

pub fn render(ledger: &Ledger, disposals: &[Disposal], period: (i64, i64), format: ReportFormat) -> Result<Vec<u8>> {
    let mut bytes = Vec::new();
    match format.list() {
        Some(list) => print(ledger, disposals, list, &mut bytes)?,
        None => bytes = pdf(ledger, disposals, period),
    }
    Ok(bytes)
}

pub fn pdf(ledger: &Ledger, disposals: &[Disposal], (from, to): (i64, i64)) -> Vec<u8> {
    let mut doc = Document::new(&pdf_footer(ledger));
    doc.title("Disposal register");
    doc.text(&format!(
        "{} item(s) disposed of from {} to {}. Devices leave through the disposal process with a certificate \
         of data destruction; paper only by cross-cut shredding, in front of a witness (R11).",
        disposals.len(),
        ledger.format_time(from),
        ledger.format_time(to)
    ));
    let rows: Vec<Vec<String>> = disposals
        .iter()
        .map(|d| {
            vec![
                ledger.format_time(d.at),
                format!("{} {}", d.tag, d.name),
                d.method.describe().to_string(),
                d.reference.clone(),
                witness(d),
            ]
        })
        .collect();
    doc.table(
        &[
            ("Disposed", 30.0),
            ("Item", 46.0),
            ("Method", 42.0),
            ("Reference", 28.0),
            ("Witness", 28.0),
        ],
        &rows,
    );
    doc.finish()
}
