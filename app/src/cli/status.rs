//! `custody status` (what is out now) and `custody history` (what happened).

use std::io::Write;

use anyhow::Result;
use clap::Args;
use custody_db::time::to_millis;
use custody_db::{DayEdge, HistoryFilter, Ledger, is_late};

use super::when;
use crate::render::{Cell, Format, Table, history};

#[derive(Debug, Args)]
pub struct StatusArgs {
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
    /// Include the changes to the item's or person's record (profile, home-working dates, active)
    #[arg(long)]
    register: bool,
    #[arg(long, value_enum, default_value_t)]
    format: Format,
}

pub fn status(args: StatusArgs, ledger: &Ledger, out: &mut dyn Write) -> Result<()> {
    let now = ledger.now();
    let mut table = Table::new(
        ledger.timezone(),
        &["tag", "kind", "holder", "name", "out since", "due", "overdue"],
    );
    for row in ledger.out_now()? {
        table.push(vec![
            row.tag.into(),
            row.kind.as_str().into(),
            row.holder.into(),
            row.holder_name.into(),
            Cell::Time(Some(row.since)),
            Cell::Time(row.due_at),
            Cell::Bool(is_late(row.due_at, now)),
        ]);
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
