//! An exposure: the items, a summary a Data Protection Officer can act on, JSON with stable keys
//! (those of `custody_db::Exposure`), and the printable page.

use std::io::Write;

use anyhow::Result;
use custody_db::{Exposure, Item, Ledger};
use custody_labels::document::Document;

use super::desk::DeskColumn;
use super::{Cell, Format, ReportFormat, Table, pdf_footer, yes_no};

/// "yes", "no", or "n/a" for paper, which cannot be encrypted.
pub fn encrypted(item: &Item) -> &'static str {
    if item.kind.is_device() {
        yes_no(item.encrypted)
    } else {
        "n/a"
    }
}

pub fn print(ledger: &Ledger, e: &Exposure, format: Format, out: &mut dyn Write) -> Result<()> {
    let mut table = Table::new(
        ledger.timezone(),
        &[
            "tag",
            "kind",
            "held from",
            "held until",
            "ended by",
            "data subjects",
            "categories",
            "special category",
            "safeguarding",
            "encrypted",
            "corrections",
        ],
    );
    let desks = DeskColumn::new(ledger);
    desks.add_to(&mut table);
    for x in &e.items {
        let i = &x.item;
        let mut row = vec![
            i.tag.clone().into(),
            i.kind.as_str().into(),
            Cell::Time(Some(x.held_from)),
            Cell::Time(x.held_until),
            x.ended_by.clone().into(),
            Cell::Int(i64::from(i.data_subjects)),
            i.data_categories.join(",").into(),
            Cell::Bool(i.special_category),
            Cell::Bool(i.safeguarding),
            encrypted(i).into(),
            x.corrections.join(" | ").into(),
        ];
        desks.push(&mut row, x.desk.as_deref());
        table.push(row);
    }
    match format {
        Format::Json => writeln!(out, "{}", serde_json::to_string_pretty(e)?)?,
        Format::Csv => table.print(Format::Csv, out)?,
        Format::Table => {
            let when = if e.from == e.to {
                format!("at {}", ledger.format_time(e.from))
            } else {
                format!("from {} to {}", ledger.format_time(e.from), ledger.format_time(e.to))
            };
            writeln!(out, "Exposure of {} {when}\n", e.custodian)?;
            table.print(Format::Table, out)?;
            writeln!(out, "\n{}", summary_line(e))?;
            if let Some(alert) = e.summary.safeguarding_alert() {
                writeln!(out, "{alert}")?;
            }
            for x in e.items.iter().filter(|x| x.conflict) {
                writeln!(
                    out,
                    "Desks disagree about {} (`custody conflicts`): it counts as possibly held by everyone it was signed out to.",
                    x.item.tag
                )?;
            }
            let missing = missing_earlier(ledger, e);
            if !missing.is_empty() {
                writeln!(out, "\n{}:", missing_heading(e))?;
                for m in missing {
                    writeln!(out, "  {m}")?;
                }
            }
            let later = changed_later(e);
            if !later.is_empty() {
                writeln!(out, "\nChanged since (the table shows each item as it was then):")?;
                for c in later {
                    writeln!(out, "  {c}")?;
                }
            }
        }
    }
    Ok(())
}

/// The heading over what went missing before: not in their custody then, not counted.
pub fn missing_heading(e: &Exposure) -> &'static str {
    if e.from == e.to {
        "Lost or stolen earlier and still missing at this moment (not in their custody then; not counted above)"
    } else {
        "Lost or stolen before the window and still missing (not in their custody then; not counted above)"
    }
}

/// "LT-0042 Staff laptop: lost 05/05/2025 14:00 (held from 01/05/2025 08:00), incident
/// INC-2025-0003", for each item that went missing before the moment or window.
pub fn missing_earlier(ledger: &Ledger, e: &Exposure) -> Vec<String> {
    e.missing_earlier
        .iter()
        .map(|m| {
            let incident = m
                .incident
                .as_ref()
                .map_or_else(|| ", no incident on record".to_string(), |i| format!(", incident {i}"));
            format!(
                "{} {}: {} {} (held from {}){incident}",
                m.item.tag,
                m.item.name,
                m.how,
                ledger.format_time(m.missing_since),
                ledger.format_time(m.held_from)
            )
        })
        .collect()
}

/// The exposure in any format, as bytes: a list (table, CSV, JSON) or the PDF.
pub fn render(ledger: &Ledger, e: &Exposure, format: ReportFormat) -> Result<Vec<u8>> {
    let mut bytes = Vec::new();
    match format.list() {
        Some(list) => print(ledger, e, list, &mut bytes)?,
        None => bytes = pdf(ledger, e)?,
    }
    Ok(bytes)
}

/// "3 item(s): 2 device(s) encrypted, 0 NOT encrypted, 1 paper file(s); 120 data subjects;
/// 1 with special category data." — for the screen and the terminal.
pub fn summary_line(e: &Exposure) -> String {
    let s = &e.summary;
    format!(
        "{} item(s): {} device(s) encrypted, {} NOT encrypted, {} paper file(s); {} data subjects; {} with special category data.",
        e.items.len(),
        s.devices_encrypted,
        s.devices_unencrypted,
        s.paper_files,
        s.data_subjects,
        s.special_category_items
    )
}

/// The exposure as a printable page for the Data Protection Officer: the summary first, then
/// every item, then the corrections.
pub fn pdf(ledger: &Ledger, e: &Exposure) -> Result<Vec<u8>> {
    let mut doc = Document::new(&pdf_footer(ledger));
    doc.title(&format!("Exposure: {}", e.custodian));
    doc.text(&window(ledger, e));
    summary(&mut doc, e);
    items(&mut doc, ledger, e);
    Ok(doc.finish())
}

/// "at 2026-11-20 10:00" or "from … to …".
pub fn window(ledger: &Ledger, e: &Exposure) -> String {
    if e.from == e.to {
        format!("In their custody at {}.", ledger.format_time(e.from))
    } else {
        format!(
            "In their custody at any time from {} to {}.",
            ledger.format_time(e.from),
            ledger.format_time(e.to)
        )
    }
}

/// The summary block, shared with the breach pack.
pub fn summary(doc: &mut Document, e: &Exposure) {
    let s = &e.summary;
    doc.heading("Summary");
    if let Some(alert) = s.safeguarding_alert() {
        doc.strong(&alert);
    }
    doc.text(&format!(
        "{} item(s): {} device(s) encrypted, {} device(s) NOT encrypted, {} paper file(s).",
        e.items.len(),
        s.devices_encrypted,
        s.devices_unencrypted,
        s.paper_files
    ));
    doc.text(&format!(
        "{} data subjects in all; {} item(s) with special category data.",
        s.data_subjects, s.special_category_items
    ));
}

/// The items table and the corrections, shared with the breach pack.
pub fn items(doc: &mut Document, ledger: &Ledger, e: &Exposure) {
    doc.heading("Items");
    let rows: Vec<Vec<String>> = e
        .items
        .iter()
        .map(|x| {
            let i = &x.item;
            vec![
                i.tag.clone(),
                i.kind.as_str().to_string(),
                ledger.format_time(x.held_from),
                x.held_until.map(|t| ledger.format_time(t)).unwrap_or_default(),
                x.ended_by.clone(),
                i.data_subjects.to_string(),
                yes_no(i.special_category).to_string(),
                yes_no(i.safeguarding).to_string(),
                encrypted(i).to_string(),
            ]
        })
        .collect();
    doc.table(
        &[
            ("Tag", 19.0),
            ("Kind", 19.0),
            ("Held from", 27.0),
            ("Held until", 27.0),
            ("Ended by", 26.0),
            ("Subjects", 14.0),
            ("Special", 13.0),
            ("Safeg.", 12.0),
            ("Encrypted", 17.0),
        ],
        &rows,
    );
    let corrections: Vec<String> = e
        .items
        .iter()
        .flat_map(|x| x.corrections.iter().map(move |c| format!("{}: {c}", x.item.tag)))
        .collect();
    if !corrections.is_empty() {
        doc.heading("Corrections in these records");
        for c in corrections {
            doc.text(&c);
        }
    }
    let missing = missing_earlier(ledger, e);
    if !missing.is_empty() {
        doc.heading(missing_heading(e));
        for m in missing {
            doc.text(&m);
        }
    }
    let later = changed_later(e);
    if !later.is_empty() {
        doc.heading("Changed since (the table shows each item as it was then)");
        for c in later {
            doc.text(&c);
        }
    }
}

/// "LT-0042: encrypted: no -> yes on 2026-12-01 10:14", for each change to an item's record
/// made after the custody that counts.
pub fn changed_later(e: &Exposure) -> Vec<String> {
    let mut said: Vec<String> = e
        .items
        .iter()
        .flat_map(|x| x.changed_later.iter().map(move |c| format!("{}: {c}", x.item.tag)))
        .collect();
    said.dedup();
    said
}
