//! `custody item chain`: one item's chain of custody for evidence — every event with its
//! sequence number, id and hash, corrections shown as such — as CSV, PDF or JSON (the last
//! for the breach pack).

use std::collections::HashSet;

use anyhow::Result;
use custody_db::event::to_hex;
use custody_db::time::from_millis;
use custody_db::{Event, Item, Ledger};
use custody_labels::document::Document;
use serde_json::{Value, json};

use crate::output::{Cell, CsvRows, pdf_footer};

/// An item and its events, oldest first, with which of them a correction voided.
pub struct Chain {
    pub item: Item,
    pub events: Vec<Event>,
    /// Ids of the events a correction voided.
    voided: HashSet<String>,
}

impl Chain {
    pub fn read(ledger: &Ledger, tag: &str) -> Result<Chain> {
        let item = ledger.item(tag)?;
        let events = ledger.item_events(&item.tag)?;
        let voided = events
            .iter()
            .filter_map(|e| e.corrects.map(|c| c.to_string()))
            .collect();
        Ok(Chain { item, events, voided })
    }

    /// Whether every event's stored hash is the hash of its own contents.
    pub fn hashes_match(&self) -> bool {
        self.events.iter().all(|e| e.compute_hash() == e.hash)
    }

    /// Whether a later correction voided this event.
    pub fn is_voided(&self, e: &Event) -> bool {
        self.voided.contains(&e.id.to_string())
    }

    fn status(&self, e: &Event) -> &'static str {
        if self.is_voided(e) {
            "voided by a correction"
        } else {
            ""
        }
    }

    pub fn csv(&self, ledger: &Ledger) -> Result<Vec<u8>> {
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
        for e in &self.events {
            rows.write(&[
                Cell::Int(e.seq),
                e.id.to_string().into(),
                Cell::Time(Some(e.occurred_at)),
                Cell::Time(Some(e.recorded_at)),
                e.kind.as_str().into(),
                ledger.describe(e).into(),
                self.status(e).into(),
                e.operator.clone().into(),
                to_hex(&e.hash).into(),
                to_hex(&e.prev_hash).into(),
            ])?;
        }
        rows.finish()?;
        Ok(buffer)
    }

    /// Writes the chain into a document (its own, or a breach pack).
    pub fn write_to(&self, doc: &mut Document, ledger: &Ledger) {
        let i = &self.item;
        doc.heading(&format!("Chain of custody: {} ({})", i.tag, i.name));
        doc.text(&format!(
            "Kind {}; serial {}; encrypted {}; {} data subjects; categories: {}; special category {}; safeguarding {}.",
            i.kind.as_str(),
            i.serial.as_deref().unwrap_or("not recorded"),
            if i.encrypted { "yes" } else { "no" },
            i.data_subjects,
            if i.data_categories.is_empty() {
                "none".to_string()
            } else {
                i.data_categories.join(", ")
            },
            if i.special_category { "yes" } else { "no" },
            if i.safeguarding { "yes" } else { "no" },
        ));
        let rows: Vec<Vec<String>> = self
            .events
            .iter()
            .map(|e| {
                let mut what = ledger.describe(e);
                if self.is_voided(e) {
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
        doc.text(if self.hashes_match() {
            "Each event's SHA-256 hash was recomputed from its contents and matches the ledger. \
             `custody verify` checks the whole chain."
        } else {
            "WARNING: an event's stored hash does not match its contents. Run `custody verify`."
        });
    }

    pub fn pdf(&self, ledger: &Ledger) -> Vec<u8> {
        let mut doc = Document::new(&pdf_footer(ledger));
        doc.title(&format!("Chain of custody of {}", self.item.tag));
        self.write_to(&mut doc, ledger);
        doc.finish()
    }

    /// Every event with its details, for the breach pack's JSON.
    pub fn json(&self, ledger: &Ledger) -> Value {
        let time = |ms: i64| from_millis(ms).to_rfc3339();
        let events: Vec<Value> = self
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
                    "voided": self.is_voided(e),
                    "details": ledger.describe(e),
                    "hash": to_hex(&e.hash),
                    "prev_hash": to_hex(&e.prev_hash),
                })
            })
            .collect();
        json!({ "item": self.item, "events": events })
    }
}
