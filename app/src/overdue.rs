//! `custody report overdue`: grouped by holder on screen, one row per item in CSV, the whole
//! report in JSON (keys of `custody_db::OverdueReport`).

use std::io::Write;

use anyhow::Result;
use custody_db::{Ledger, OutItem, OverdueReport, Person};

use crate::output::{Cell, Format, Table};

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
    let row = |section: &str, p: &Person, i: &OutItem| -> Vec<Cell> {
        vec![
            section.into(),
            p.id.clone().into(),
            p.name.clone().into(),
            i.item.tag.clone().into(),
            i.item.kind.as_str().into(),
            Cell::Time(Some(i.due_at)),
            Cell::Int(i.days_overdue),
            i.stage.unwrap_or("").into(),
            i.sensitivity.into(),
        ]
    };
    match format {
        Format::Json => writeln!(out, "{}", serde_json::to_string_pretty(r)?)?,
        Format::Csv => {
            let mut table = Table::new(ledger.timezone(), &columns);
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
                for i in &h.items {
                    table.push(row("", &h.person, i).split_off(3));
                }
                table.print(Format::Table, out)?;
            }
            writeln!(out, "\nDue in the next 7 days: {} item(s).", r.due_soon.len())?;
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
