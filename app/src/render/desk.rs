//! Which desk recorded a row. On a desk that holds other desks' records (one of a trust's), lists
//! gain a `desk` column with the desk's name; a desk alone shows nothing new.

use std::collections::HashMap;

use custody_db::Ledger;

use super::{Cell, Table};

#[derive(Debug)]
pub struct DeskColumn {
    /// Desk id → name, when the column is shown.
    names: Option<HashMap<String, String>>,
}

impl DeskColumn {
    pub fn new(ledger: &Ledger) -> DeskColumn {
        let names = ledger
            .has_other_desks()
            .unwrap_or(false)
            .then(|| ledger.desk_names().unwrap_or_default());
        DeskColumn { names }
    }

    pub fn shown(&self) -> bool {
        self.names.is_some()
    }

    /// Adds the `desk` column to a table about to be filled (when shown).
    pub fn add_to(&self, table: &mut Table) {
        if self.names.is_some() {
            table.columns.push("desk");
        }
    }

    /// Adds the desk's cell to a row (when shown).
    pub fn push(&self, row: &mut Vec<Cell>, desk: Option<&str>) {
        if let Some(names) = &self.names {
            row.push(label(names, desk).into());
        }
    }
}

/// A desk's name, else the start of its id.
fn label(names: &HashMap<String, String>, desk: Option<&str>) -> String {
    let Some(desk) = desk else { return String::new() };
    names
        .get(desk)
        .cloned()
        .unwrap_or_else(|| desk.chars().take(8).collect())
}
