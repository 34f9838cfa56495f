//! Exports: the register and the ledger as CSV tables. The item and people columns are
//! those of the import templates, so an export can be edited and imported into a new database.

use anyhow::Result;
use custody_db::Ledger;
use custody_db::import::{ITEM_OPTIONAL, ITEM_REQUIRED, PEOPLE_OPTIONAL, PEOPLE_REQUIRED};

use std::io::Write;

use super::{Cell, CsvRows, Table};

pub fn items(ledger: &Ledger) -> Result<Table> {
    let columns: Vec<&'static str> = [&ITEM_REQUIRED[..], &ITEM_OPTIONAL, &["status", "holder", "due"]].concat();
    let mut table = Table::new(ledger.timezone(), &columns);
    for row in ledger.items()? {
        let i = row.item;
        table.push(vec![
            i.tag.into(),
            i.kind.as_str().into(),
            i.name.into(),
            i.serial.into(),
            Cell::Bool(i.encrypted),
            Cell::Int(i64::from(i.data_subjects)),
            i.data_categories.join(",").into(),
            Cell::Bool(i.special_category),
            Cell::Bool(i.safeguarding),
            Cell::Bool(i.confidential),
            Cell::Bool(i.anonymised_unapproved),
            row.state.status.as_str().into(),
            row.state.holder.into(),
            Cell::Time(row.state.due_at),
        ]);
    }
    Ok(table)
}

pub fn people(ledger: &Ledger) -> Result<Table> {
    let columns: Vec<&'static str> = [&PEOPLE_REQUIRED[..], &PEOPLE_OPTIONAL, &["holding"]].concat();
    let mut table = Table::new(ledger.timezone(), &columns);
    let day = |d: Option<chrono::NaiveDate>| Cell::from(d.map(|d| d.to_string()));
    for row in ledger.people()? {
        let p = row.person;
        table.push(vec![
            p.id.into(),
            p.name.into(),
            p.email.into(),
            Cell::Bool(p.active),
            day(p.home.agreement_signed),
            day(p.home.agreement_review),
            day(p.home.assessment_done),
            day(p.home.assessment_review),
            p.home.assessment_ref.into(),
            day(p.home.training),
            Cell::Int(i64::from(row.holding)),
        ]);
    }
    Ok(table)
}

/// Every event in ledger order, every field, with local times, streamed to `out`; returns
/// how many were written.
pub fn events(ledger: &Ledger, out: impl Write) -> Result<u64> {
    let mut csv = CsvRows::new(
        out,
        ledger.timezone(),
        &[
            "seq",
            "id",
            "kind",
            "item",
            "person",
            "from_person",
            "due",
            "purpose",
            "reason",
            "authoriser",
            "container",
            "corrects",
            "note",
            "warnings",
            "occurred",
            "recorded",
            "operator",
            "desk",
            "hash",
        ],
    )?;
    let mut written = 0u64;
    let mut failed = None;
    ledger.for_each_event(|e| {
        if failed.is_some() {
            return;
        }
        written += 1;
        let row = [
            Cell::Int(e.seq),
            e.id.to_string().into(),
            e.kind.as_str().into(),
            e.item.clone().into(),
            e.person.clone().into(),
            e.from_person.clone().into(),
            Cell::Time(e.due_at),
            e.purpose.clone().into(),
            e.reason.clone().into(),
            e.authoriser.clone().into(),
            e.container.clone().into(),
            e.corrects.map(|u| u.to_string()).into(),
            e.note.clone().into(),
            e.warnings.as_deref().map(|w| w.replace('\n', " | ")).into(),
            Cell::Time(Some(e.occurred_at)),
            Cell::Time(Some(e.recorded_at)),
            e.operator.clone().into(),
            e.desk.clone().into(),
            custody_db::event::to_hex(&e.hash).into(),
        ];
        failed = csv.write(&row).err();
    })?;
    if let Some(e) = failed {
        return Err(e);
    }
    csv.finish()?;
    Ok(written)
}
