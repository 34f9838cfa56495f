//! The asset register (`custody report register`): every item, its data, where it is and when it
//! was last seen, and its disposal evidence; as a table, CSV (snake_case columns other tools can
//! rely on), JSON or a PDF for the NHS DSPT and the DfE.

use std::io::Write;

use anyhow::Result;
use custody_db::asset_register::RegisterEntry;
use custody_db::{Ledger, Status};
use custody_labels::document::Document;

use super::desk::DeskColumn;
use super::{Cell, Format, ReportFormat, Table, pdf_footer};

/// The data an item carries, in words: "special category, 120 people (health, sen)".
fn data_carried(e: &RegisterEntry) -> String {
    let item = &e.item;
    if !item.holds_personal_data() {
        return "none".to_string();
    }
    let mut what = vec![];
    if item.safeguarding {
        what.push("safeguarding".to_string());
    }
    if item.special_category {
        what.push("special category".to_string());
    }
    if what.is_empty() {
        what.push("personal data".to_string());
    }
    if item.data_subjects > 0 {
        what.push(format!("{} people", item.data_subjects));
    }
    let mut text = what.join(", ");
    if !item.data_categories.is_empty() {
        text.push_str(&format!(" ({})", item.data_categories.join(", ")));
    }
    text
}

/// Where it is now, in words.
fn where_now(e: &RegisterEntry) -> String {
    let holder = || match (&e.state.holder, &e.holder_name) {
        (Some(id), Some(name)) => format!("{name} ({id})"),
        (Some(id), None) => id.clone(),
        _ => "someone".to_string(),
    };
    match e.state.status {
        Status::In => "on site".to_string(),
        Status::Out => format!("with {}", holder()),
        Status::Lost => "lost".to_string(),
        Status::Stolen => "stolen".to_string(),
        Status::Retired if e.disposal.is_some() => "disposed of".to_string(),
        Status::Retired => "retired".to_string(),
    }
}

pub fn print(ledger: &Ledger, entries: &[RegisterEntry], format: Format, out: &mut dyn Write) -> Result<()> {
    let desks = DeskColumn::new(ledger);
    let mut table = Table::new(
        ledger.timezone(),
        &[
            "tag",
            "name",
            "kind",
            "serial",
            "encrypted",
            "personal_data",
            "special_category",
            "safeguarding",
            "data_subjects",
            "data_categories",
            "status",
            "holder",
            "holder_name",
            "last_seen",
            "last_seen_how",
            "disposed",
            "disposal_method",
            "disposal_reference",
            "disposal_witness",
        ],
    );
    desks.add_to(&mut table);
    for e in entries {
        let d = e.disposal.as_ref();
        let mut row = vec![
            e.item.tag.clone().into(),
            e.item.name.clone().into(),
            e.item.kind.as_str().into(),
            e.item.serial.clone().into(),
            Cell::Bool(e.item.encrypted),
            Cell::Bool(e.item.holds_personal_data()),
            Cell::Bool(e.item.special_category),
            Cell::Bool(e.item.safeguarding),
            Cell::Int(i64::from(e.item.data_subjects)),
            e.item.data_categories.join(" ").into(),
            e.state.status.as_str().into(),
            e.state.holder.clone().into(),
            e.holder_name.clone().into(),
            Cell::Time(e.last_seen.map(|(at, _)| at)),
            e.last_seen.map(|(_, how)| how.as_str()).unwrap_or_default().into(),
            Cell::Time(d.map(|d| d.at)),
            d.map(|d| d.method.as_str()).unwrap_or_default().into(),
            d.map(|d| d.reference.clone()).into(),
            d.and_then(|d| d.witness.as_ref().map(|(id, name)| format!("{name} ({id})")))
                .into(),
        ];
        desks.push(&mut row, e.state.last_desk.as_deref());
        table.push(row);
    }
    table.print(format, out)
}

pub fn render(ledger: &Ledger, entries: &[RegisterEntry], format: ReportFormat) -> Result<Vec<u8>> {
    let mut bytes = Vec::new();
    match format.list() {
        Some(list) => print(ledger, entries, list, &mut bytes)?,
        None => bytes = pdf(ledger, entries),
    }
    Ok(bytes)
}

pub fn pdf(ledger: &Ledger, entries: &[RegisterEntry]) -> Vec<u8> {
    let mut doc = Document::new(&pdf_footer(ledger));
    doc.title(&format!(
        "Asset register as of {}",
        ledger.format_time(custody_db::time::to_millis(ledger.now()))
    ));
    let out = entries.iter().filter(|e| e.state.status == Status::Out).count();
    let exposed = entries
        .iter()
        .filter(|e| {
            e.item.kind.is_device() && e.item.holds_personal_data() && !e.item.encrypted && e.disposal.is_none()
        })
        .count();
    doc.text(&format!(
        "{} item(s) on the register, {out} out now; {exposed} device(s) carry personal data unencrypted. \
         Last seen: the latest sign-out, sign-in or stocktake sighting at a desk.",
        entries.len()
    ));
    let rows: Vec<Vec<String>> = entries
        .iter()
        .map(|e| {
            vec![
                format!("{} {}", e.item.tag, e.item.name),
                format!(
                    "{}{}",
                    e.item.kind.as_str(),
                    e.item.serial.as_deref().map(|s| format!(", {s}")).unwrap_or_default()
                ),
                if e.item.encrypted { "yes" } else { "no" }.to_string(),
                data_carried(e),
                where_now(e),
                e.last_seen
                    .map(|(at, how)| format!("{}, {}", ledger.format_time(at), how.as_str()))
                    .unwrap_or_else(|| "never".to_string()),
                e.disposal
                    .as_ref()
                    .map(|d| format!("{}, {}", d.method.describe(), d.reference))
                    .unwrap_or_default(),
            ]
        })
        .collect();
    doc.table(
        &[
            ("Item", 36.0),
            ("Kind, serial", 24.0),
            ("Encrypted", 17.0),
            ("Data", 30.0),
            ("Where now", 26.0),
            ("Last seen", 23.0),
            ("Disposal", 24.0),
        ],
        &rows,
    );
    doc.finish()
}
