//! Events as a table: `history`, and the history under `item show` and `person show`.

use custody_db::{Ledger, Marked};

use super::{Cell, Table};

/// Events with voided ones marked "(corrected)".
pub fn table(ledger: &Ledger, history: &Marked) -> Table {
    let mut table = Table::new(
        ledger.timezone(),
        &["occurred", "item", "event", "details", "recorded", "operator", "id"],
    );
    for e in &history.events {
        let kind = if history.is_voided(e) {
            format!("{} (corrected)", e.kind)
        } else {
            e.kind.to_string()
        };
        table.push(vec![
            Cell::Time(Some(e.occurred_at)),
            e.item.clone().into(),
            kind.into(),
            ledger.describe(e).into(),
            Cell::Time(Some(e.recorded_at)),
            e.operator.clone().into(),
            e.id.to_string().into(),
        ]);
    }
    table
}
