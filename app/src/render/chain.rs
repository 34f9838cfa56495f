//! One item's chain of custody for evidence — every event with its sequence number, id and
//! hash, voided events shown as such — as CSV, PDF or JSON (the last for the breach pack).

use anyhow::Result;
use custody_db::event::to_hex;
use custody_db::time::from_millis;
use custody_db::{Chain, Ledger};
use custody_labels::document::Document;
use serde_json::{Value, json};

use super::{Cell, CsvRows, pdf_footer, yes_no};

pub fn csv(chain: &Chain, ledger: &Ledger) -> Result<Vec<u8>> {
    let mut buffer = Vec::new();
    let mut rows = CsvRows::new(
        &mut buffer,
        ledger.timezone(),
        &[
            "seq",
            "id",
            "occurred",
            "recorded",
            "event",
            "details",
            "status",
            "operator",
            "hash",
            "prev hash",
        ],
    )?;
    for e in &chain.events.events {
        let status = if chain.events.is_voided(e) {
            "voided by a correction"
        } else {
            ""
        };
        rows.write(&[
            Cell::Int(e.seq),
            e.id.to_string().into(),
            Cell::Time(Some(e.occurred_at)),
            Cell::Time(Some(e.recorded_at)),
            e.kind.as_str().into(),
            ledger.describe(e).into(),
            status.into(),
            e.operator.clone().into(),
            to_hex(&e.hash).into(),
            to_hex(&e.prev_hash).into(),
        ])?;
    }
    rows.finish()?;
    Ok(buffer)
}

/// Writes the chain into a document (its own, or a breach pack).
pub fn write_to(chain: &Chain, doc: &mut Document, ledger: &Ledger) {
    let i = &chain.item;
    doc.heading(&format!("Chain of custody: {} ({})", i.tag, i.name));
    doc.text(&format!(
        "Kind {}; serial {}; encrypted {}; {} data subjects; categories: {}; special category {}; safeguarding {}.",
        i.kind.as_str(),
        i.serial.as_deref().unwrap_or("not recorded"),
        yes_no(i.encrypted),
        i.data_subjects,
        if i.data_categories.is_empty() {
            "none".to_string()
        } else {
            i.data_categories.join(", ")
        },
        yes_no(i.special_category),
        yes_no(i.safeguarding),
    ));
    let rows: Vec<Vec<String>> = chain
        .events
        .events
        .iter()
        .map(|e| {
            let mut what = ledger.describe(e);
            if chain.events.is_voided(e) {
                what = format!("[VOIDED] {what}");
            }
            vec![
                e.seq.to_string(),
                ledger.format_time(e.occurred_at),
                ledger.format_time(e.recorded_at),
                e.kind.to_string(),
                what,
                e.operator.clone(),
                to_hex(&e.hash)[..12].to_string(),
            ]
        })
        .collect();
    doc.table(
        &[
            ("Seq", 12.0),
            ("Happened", 27.0),
            ("Recorded", 27.0),
            ("Event", 17.0),
            ("Details", 56.0),
            ("By", 16.0),
            ("Hash", 19.0),
        ],
        &rows,
    );
    doc.text(if chain.events.hashes_match() {
        "Each event's SHA-256 hash was recomputed from its contents and matches the ledger. \
         A full verification checks the whole chain."
    } else {
        "WARNING: an event's stored hash does not match its contents. Verify the whole database now."
    });
}

pub fn pdf(chain: &Chain, ledger: &Ledger) -> Vec<u8> {
    let mut doc = Document::new(&pdf_footer(ledger));
    doc.title(&format!("Chain of custody of {}", chain.item.tag));
    write_to(chain, &mut doc, ledger);
    doc.finish()
}

/// Every event with its details, for the breach pack's JSON.
pub fn json(chain: &Chain, ledger: &Ledger) -> Value {
    let time = |ms: i64| from_millis(ms).to_rfc3339();
    let events: Vec<Value> = chain
        .events
        .events
        .iter()
        .map(|e| {
            json!({
                "seq": e.seq,
                "id": e.id.to_string(),
                "kind": e.kind.as_str(),
                "occurred_at": time(e.occurred_at),
                "recorded_at": time(e.recorded_at),
                "operator": e.operator,
                "person": e.person,
                "from_person": e.from_person,
                "due_at": e.due_at.map(time),
                "container": e.container,
                "reason": e.reason,
                "note": e.note,
                "warnings": e.warnings,
                "corrects": e.corrects.map(|c| c.to_string()),
                "voided": chain.events.is_voided(e),
                "details": ledger.describe(e),
                "hash": to_hex(&e.hash),
                "prev_hash": to_hex(&e.prev_hash),
            })
        })
        .collect();
    json!({ "item": chain.item, "events": events })
}
