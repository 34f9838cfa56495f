//! `custody status` (what is out now) and `custody history` (what happened).

use std::io::Write;

use anyhow::Result;
use clap::Args;
use custody_db::time::to_millis;
use custody_db::{DayEdge, HistoryFilter, Ledger, is_late};

use super::when;
use crate::render::desk::DeskColumn;
use crate::render::{Cell, Format, Table, history};

#[derive(Debug, Args)]
pub struct StatusArgs {
    /// Only what this desk of the trust signed out (its name)
    #[arg(long, value_name = "NAME")]
    desk: Option<String>,
    #[arg(long, value_enum, default_value_t)]
    format: Format,
}

#[derive(Debug, Args)]
pub struct HistoryArgs {
    #[arg(
        long,
        value_name = "TAG",
        required_unless_present = "person",
        conflicts_with = "person"
    )]
    item: Option<String>,
    #[arg(long, value_name = "ID")]
    person: Option<String>,
    #[arg(long, value_name = "WHEN")]
    from: Option<String>,
    #[arg(long, value_name = "WHEN")]
    to: Option<String>,
    /// Only what this desk of the trust recorded (its name)
    #[arg(long, value_name = "NAME")]
    desk: Option<String>,
    /// Include the changes to the item's or person's record (profile, home-working dates, active)
    #[arg(long)]
    register: bool,
    #[arg(long, value_enum, default_value_t)]
    format: Format,
}

#[derive(Debug, Args)]
pub struct ConflictsArgs {
    #[arg(long, value_enum, default_value_t)]
    format: Format,
}

pub fn status(args: StatusArgs, ledger: &Ledger, out: &mut dyn Write) -> Result<()> {
    let now = ledger.now();
    let desk = args.desk.as_deref().map(|d| ledger.desk_named(d)).transpose()?;
    let mut table = Table::new(
        ledger.timezone(),
        &["tag", "kind", "holder", "name", "out since", "due", "overdue"],
    );
    let desks = DeskColumn::new(ledger);
    desks.add_to(&mut table);
    if desks.shown() {
        table.columns.push("conflict");
    }
    for row in ledger.out_now()? {
        if desk.is_some() && row.desk != desk {
            continue;
        }
        let mut cells = vec![
            row.tag.into(),
            row.kind.as_str().into(),
            row.holder.into(),
            row.holder_name.into(),
            Cell::Time(Some(row.since)),
            Cell::Time(row.due_at),
            Cell::Bool(is_late(row.due_at, now)),
        ];
        desks.push(&mut cells, row.desk.as_deref());
        if desks.shown() {
            cells.push(Cell::Bool(row.conflict));
        }
        table.push(cells);
    }
    table.print(args.format, out)
}

pub fn history(args: HistoryArgs, ledger: &Ledger, out: &mut dyn Write) -> Result<()> {
    let filter = HistoryFilter {
        item: args.item,
        person: args.person,
        from: when(ledger, args.from.as_deref(), DayEdge::Start)?,
        to: when(ledger, args.to.as_deref(), DayEdge::End)?,
        latest: None,
        desk: args.desk,
    };
    let events = ledger.history_marked(&filter)?;
    if !args.register {
        return history::table(ledger, &events).print(args.format, out);
    }
    let mut records = match (&filter.item, &filter.person) {
        (Some(tag), _) => ledger.item_records(tag)?,
        (None, Some(id)) => ledger.person_records(id)?,
        (None, None) => Vec::new(),
    };
    let (from, to) = (filter.from.map(to_millis), filter.to.map(to_millis));
    records.retain(|r| from.is_none_or(|f| r.occurred_at >= f) && to.is_none_or(|t| r.occurred_at <= t));
    history::with_records(ledger, &events, &records).print(args.format, out)
}

/// Each item in conflict, its events from the last one that stood, and which could not follow.
pub fn conflicts(args: ConflictsArgs, ledger: &Ledger, out: &mut dyn Write) -> Result<()> {
    let conflicts = ledger.conflicts()?;
    let names = ledger.desk_names()?;
    let mut table = Table::new(
        ledger.timezone(),
        &[
            "tag", "occurred", "event", "details", "desk", "operator", "stands", "id",
        ],
    );
    for c in &conflicts {
        for e in &c.events {
            table.push(vec![
                c.item.tag.clone().into(),
                Cell::Time(Some(e.occurred_at)),
                e.kind.to_string().into(),
                ledger.describe(e).into(),
                names.get(&e.desk).cloned().unwrap_or_else(|| e.desk.clone()).into(),
                e.operator.clone().into(),
                Cell::Bool(!c.refused.contains(&e.id)),
                e.id.to_string().into(),
            ]);
        }
    }
    if args.format != Format::Table {
        return table.print(args.format, out);
    }
    if conflicts.is_empty() {
        writeln!(out, "No conflicts: every desk's records of every item agree.")?;
        return Ok(());
    }
    writeln!(
        out,
        "{} item(s) in conflict: desks recorded moves that cannot both be true. Until one is corrected, exposure counts everyone each was signed out to.\n",
        conflicts.len()
    )?;
    table.print(Format::Table, out)?;
    writeln!(
        out,
        "\nTo settle one, a manager voids the record that should not stand: custody correct ID --reason \"...\""
    )?;
    Ok(())
}
