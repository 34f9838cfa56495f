//! `custody exposure`: the items, a summary a Data Protection Officer can act on, and JSON with
//! stable keys (those of `custody_db::Exposure`).

use std::io::Write;

use anyhow::Result;
use custody_db::{Exposure, Ledger};

use crate::output::{Cell, Format, Table};

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
    for x in &e.items {
        let i = &x.item;
        table.push(vec![
            i.tag.clone().into(),
            i.kind.as_str().into(),
            Cell::Time(Some(x.held_from)),
            Cell::Time(x.held_until),
            x.ended_by.clone().into(),
            Cell::Int(i64::from(i.data_subjects)),
            i.data_categories.join(",").into(),
            Cell::Bool(i.special_category),
            Cell::Bool(i.safeguarding),
            if i.kind.is_device() {
                Cell::Bool(i.encrypted)
            } else {
                "n/a".into()
            },
            x.corrections.join(" | ").into(),
        ]);
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
            let s = &e.summary;
            writeln!(
                out,
                "\n{} item(s): {} device(s) encrypted, {} NOT encrypted, {} paper file(s); {} data subjects; {} with special category data.",
                e.items.len(),
                s.devices_encrypted,
                s.devices_unencrypted,
                s.paper_files,
                s.data_subjects,
                s.special_category_items
            )?;
            if s.alert_safeguarding_lead {
                writeln!(
                    out,
                    "ALERT THE SAFEGUARDING LEAD: {} item(s) carry a safeguarding flag.",
                    s.safeguarding_items
                )?;
            }
        }
    }
    Ok(())
}
