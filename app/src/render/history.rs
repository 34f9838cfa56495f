//! Events as a table: `history`, and the history under `item show` and `person show`.

use custody_db::{Ledger, Marked, RegisterChange};

use super::desk::DeskColumn;
use super::{Cell, Table};

/// Events with voided ones marked "(corrected)".
pub fn table(ledger: &Ledger, history: &Marked) -> Table {
    let mut table = Table::new(
        ledger.timezone(),
        &["occurred", "item", "event", "details", "recorded", "operator", "id"],
    );
    let desks = DeskColumn::new(ledger);
    desks.add_to(&mut table);
    for e in &history.events {
        let kind = if history.is_voided(e) {
            format!("{} (corrected)", e.kind)
        } else {
            e.kind.to_string()
        };
        let mut row = vec![
            Cell::Time(Some(e.occurred_at)),
            e.item.clone().into(),
            kind.into(),
            ledger.describe(e).into(),
            Cell::Time(Some(e.recorded_at)),
            e.operator.clone().into(),
            e.id.to_string().into(),
        ];
        desks.push(&mut row, Some(&e.desk));
        table.push(row);
    }
    table
}

/// Events and the subject's register records together, in the order they happened: an item's
/// whole story (signed out, encrypted: no -> yes, signed in) or a person's.
pub fn with_records(ledger: &Ledger, history: &Marked, records: &[RegisterChange]) -> Table {
    let mut table = table(ledger, history);
    let mut rows: Vec<(i64, usize, Vec<Cell>)> = table
        .rows
        .drain(..)
        .zip(&history.events)
        .enumerate()
        .map(|(n, (row, e))| (e.occurred_at, n, row))
        .collect();
    let desks = DeskColumn::new(ledger);
    for (n, r) in records.iter().enumerate() {
        let details = match &r.reason {
            Some(why) => format!("{} (why: {why})", r.summary()),
            None => r.summary(),
        };
        let mut row = vec![
            Cell::Time(Some(r.occurred_at)),
            r.subject.clone().into(),
            r.kind.to_string().into(),
            details.into(),
            Cell::Time(Some(r.recorded_at)),
            r.operator.clone().into(),
            r.id.clone().into(),
        ];
        desks.push(&mut row, Some(&r.desk));
        rows.push((r.occurred_at, history.events.len() + n, row));
    }
    rows.sort_by_key(|(at, n, _)| (*at, *n));
    table.rows = rows.into_iter().map(|(_, _, row)| row).collect();
    table
}
