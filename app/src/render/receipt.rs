//! The hand-over receipt: what was signed out to whom, when each item is due back, the rules for
//! carrying data home in plain words, and lines to sign. Printed at the desk or written by
//! `custody out … --receipt FILE.pdf`.

use anyhow::Result;
use custody_db::policy::CARRYING_HOME;
use custody_db::{Event, Ledger};
use custody_labels::document::Document;

use super::pdf_footer;

/// The receipt for one sign-out (`events`, all to one holder).
pub fn pdf(ledger: &Ledger, events: &[Event]) -> Result<Vec<u8>> {
    let first = events
        .first()
        .ok_or_else(|| anyhow::anyhow!("a receipt needs a sign-out"))?;
    let holder = ledger.person(first.person.as_deref().unwrap_or_default())?;
    let org = ledger.organisation()?.unwrap_or_default();
    let mut doc = Document::new(&pdf_footer(ledger));
    doc.title("Hand-over receipt");
    doc.text(&format!(
        "{org}. Signed out to {} ({}) on {} by {}.",
        holder.name,
        holder.id,
        ledger.format_time(first.occurred_at),
        first.operator
    ));
    doc.space(3.0);
    let rows = events
        .iter()
        .map(|e| {
            let name = ledger.item(&e.item).map(|i| i.name).unwrap_or_default();
            let due = e.due_at.map(|d| ledger.format_due(d)).unwrap_or_default();
            Ok(vec![e.item.clone(), name, due])
        })
        .collect::<Result<Vec<_>>>()?;
    doc.table(&[("Tag", 30.0), ("What", 90.0), ("Due back", 40.0)], &rows);
    doc.space(4.0);
    doc.heading("Carrying data home: the rules");
    for rule in CARRYING_HOME {
        doc.text(&format!("\u{2022} {rule}"));
    }
    doc.space(8.0);
    doc.text("I have received the items above and read the rules.");
    doc.space(4.0);
    doc.text(&format!(
        "Signed ({}): ______________________   Date: ____________",
        holder.name
    ));
    doc.space(6.0);
    doc.text("Handed over by: ______________________   Returned on: ____________");
    Ok(doc.finish())
}
