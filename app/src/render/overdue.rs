//! The overdue report: grouped by holder on screen, one row per item in CSV, the whole report in
//! JSON (keys of `custody_db::OverdueReport`), and a PDF with one reminder slip per holder.

use std::io::Write;

use anyhow::Result;
use custody_db::{DUE_SOON_DAYS, Ledger, OutItem, OverdueReport, Person, Sensitivity, Stage};
use custody_labels::document::Document;

use super::desk::DeskColumn;
use super::{Cell, Format, ReportFormat, Table, pdf_footer};

/// "Due in the next 7 days".
pub fn due_soon_title() -> String {
    format!("Due in the next {DUE_SOON_DAYS} days")
}

/// "first notice", or "" below the first stage.
pub fn stage_text(stage: Option<Stage>) -> &'static str {
    stage.map_or("", Stage::as_str)
}

pub fn print(ledger: &Ledger, r: &OverdueReport, format: Format, out: &mut dyn Write) -> Result<()> {
    let columns = [
        "section",
        "holder",
        "holder name",
        "tag",
        "kind",
        "due",
        "days overdue",
        "stage",
        "sensitivity",
    ];
    let desks = DeskColumn::new(ledger);
    let row = |section: &str, p: &Person, i: &OutItem| -> Vec<Cell> {
        let mut cells = vec![
            section.into(),
            p.id.clone().into(),
            p.name.clone().into(),
            i.item.tag.clone().into(),
            i.item.kind.as_str().into(),
            Cell::Time(Some(i.due_at)),
            Cell::Int(i.days_overdue),
            stage_text(i.stage).into(),
            i.sensitivity.as_str().into(),
        ];
        desks.push(&mut cells, i.desk.as_deref());
        cells
    };
    match format {
        Format::Json => writeln!(out, "{}", serde_json::to_string_pretty(r)?)?,
        Format::Csv => {
            let mut table = Table::new(ledger.timezone(), &columns);
            desks.add_to(&mut table);
            for h in &r.overdue {
                for i in &h.items {
                    table.push(row("overdue", &h.person, i));
                }
            }
            for (p, i) in &r.due_soon {
                table.push(row("due soon", p, i));
            }
            table.print(Format::Csv, out)?;
        }
        Format::Table => {
            let items: usize = r.overdue.iter().map(|h| h.items.len()).sum();
            writeln!(
                out,
                "Overdue as of {}: {items} item(s) with {} holder(s).",
                ledger.format_time(r.as_of),
                r.overdue.len()
            )?;
            for h in &r.overdue {
                writeln!(
                    out,
                    "\n{} ({}){}",
                    h.person.name,
                    h.person.id,
                    h.person.email.as_deref().map(|e| format!(" <{e}>")).unwrap_or_default()
                )?;
                let mut table = Table::new(
                    ledger.timezone(),
                    &["tag", "kind", "due", "days overdue", "stage", "sensitivity"],
                );
                desks.add_to(&mut table);
                for i in &h.items {
                    table.push(row("", &h.person, i).split_off(3));
                }
                table.print(Format::Table, out)?;
            }
            writeln!(out, "\n{}: {} item(s).", due_soon_title(), r.due_soon.len())?;
            if !r.due_soon.is_empty() {
                let mut table = Table::new(ledger.timezone(), &["holder", "holder name", "tag", "kind", "due"]);
                for (p, i) in &r.due_soon {
                    let mut cells = row("", p, i).split_off(1);
                    cells.truncate(5);
                    table.push(cells);
                }
                table.print(Format::Table, out)?;
            }
        }
    }
    Ok(())
}

/// The report in any format, as bytes: a list (table, CSV, JSON) or the PDF.
pub fn render(ledger: &Ledger, r: &OverdueReport, format: ReportFormat) -> Result<Vec<u8>> {
    let mut bytes = Vec::new();
    match format.list() {
        Some(list) => print(ledger, r, list, &mut bytes)?,
        None => bytes = pdf(ledger, r)?,
    }
    Ok(bytes)
}

/// The printable report: a summary page, then one reminder slip per holder, each kept whole
/// on a page so it can be cut out and handed over.
pub fn pdf(ledger: &Ledger, r: &OverdueReport) -> Result<Vec<u8>> {
    let mut doc = Document::new(&pdf_footer(ledger));
    let items: Vec<&OutItem> = r.overdue.iter().flat_map(|h| &h.items).collect();
    let count = |stage: Stage| items.iter().filter(|i| i.stage == Some(stage)).count();
    let sensitive = |level: Sensitivity| items.iter().filter(|i| i.sensitivity == level).count();
    doc.title(&format!("Overdue items as of {}", ledger.format_time(r.as_of)));
    doc.text(&format!(
        "{} item(s) overdue with {} holder(s). First notice: {}; second notice: {}; third notice: {}.",
        items.len(),
        r.overdue.len(),
        count(Stage::First),
        count(Stage::Second),
        count(Stage::Third),
    ));
    doc.text(&format!(
        "Most sensitive data on them: safeguarding {}, special category {}, other personal data {}, none {}.",
        sensitive(Sensitivity::Safeguarding),
        sensitive(Sensitivity::SpecialCategory),
        sensitive(Sensitivity::PersonalData),
        sensitive(Sensitivity::None),
    ));
    doc.heading("Holders");
    let rows: Vec<Vec<String>> = r
        .overdue
        .iter()
        .map(|h| {
            let worst = h.items.iter().max_by_key(|i| i.days_overdue);
            vec![
                format!("{} ({})", h.person.name, h.person.id),
                h.person.email.clone().unwrap_or_default(),
                h.items.len().to_string(),
                worst.map(|i| i.days_overdue.to_string()).unwrap_or_default(),
                stage_text(worst.and_then(|i| i.stage)).to_string(),
            ]
        })
        .collect();
    doc.table(
        &[
            ("Holder", 58.0),
            ("Email", 52.0),
            ("Items", 14.0),
            ("Most days late", 24.0),
            ("Stage", 26.0),
        ],
        &rows,
    );
    doc.heading(&format!("{} ({})", due_soon_title(), r.due_soon.len()));
    let rows: Vec<Vec<String>> = r
        .due_soon
        .iter()
        .map(|(p, i)| {
            vec![
                i.item.tag.clone(),
                i.item.name.clone(),
                format!("{} ({})", p.name, p.id),
                ledger.format_due(i.due_at),
            ]
        })
        .collect();
    doc.table(
        &[("Tag", 24.0), ("Item", 60.0), ("Holder", 56.0), ("Due back", 34.0)],
        &rows,
    );
    if !r.overdue.is_empty() {
        doc.new_page();
    }
    for h in &r.overdue {
        reminder_slip(&mut doc, ledger, h);
    }
    Ok(doc.finish())
}

fn reminder_slip(doc: &mut Document, ledger: &Ledger, h: &custody_db::HolderOverdue) {
    doc.keep_together(150.0 + 12.5 * h.items.len() as f32);
    doc.heading(&format!(
        "Reminder: please return  \u{2014}  {} ({})",
        h.person.name, h.person.id
    ));
    doc.text(&format!(
        "Dear {}, our records show that the item(s) below, signed out to you, are past their due date. \
         Please bring them back to the office, or tell us at once if anything has been lost or stolen: \
         they may hold personal data.",
        h.person.name
    ));
    let rows: Vec<Vec<String>> = h
        .items
        .iter()
        .map(|i| {
            vec![
                i.item.tag.clone(),
                i.item.name.clone(),
                ledger.format_due(i.due_at),
                i.days_overdue.to_string(),
                stage_text(i.stage).to_string(),
            ]
        })
        .collect();
    doc.table(
        &[
            ("Tag", 24.0),
            ("Item", 64.0),
            ("Due back", 32.0),
            ("Days late", 18.0),
            ("Notice", 28.0),
        ],
        &rows,
    );
    doc.text("Office use:  returned on ____________   received by ____________");
    doc.cut_line();
}
