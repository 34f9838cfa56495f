//! Missing paper files and their searches, for `custody search list` and the Overdue screen.

use std::io::Write;

use anyhow::Result;
use custody_db::Ledger;
use custody_db::search::{MissingPaper, Search};

use super::{Cell, Format, Table};

/// "30/11/2026 10:14, Priya Patel (S002) looked in Sam's desk: not there".
pub fn search_text(ledger: &Ledger, s: &Search) -> String {
    let who =
        s.by.as_ref()
            .map_or_else(|| s.logged_by.clone(), |(id, name)| format!("{name} ({id})"));
    let note = s.note.as_deref().map(|n| format!(": {n}")).unwrap_or_default();
    format!("{}, {who} looked in {}{note}", ledger.format_time(s.at), s.place)
}

/// "overdue since 17/11/2026 17:00 with Sam Jones (S001), 3 working days".
pub fn missing_text(ledger: &Ledger, m: &MissingPaper) -> String {
    let how = match m.status {
        custody_db::Status::Out => "overdue since",
        _ => "recorded lost since",
    };
    let with = m
        .holder
        .as_deref()
        .map(|h| format!(", last with {}", ledger.person_label(h)))
        .unwrap_or_default();
    format!(
        "{how} {}{with}; {} working day(s)",
        ledger.format_time(m.since),
        m.working_days
    )
}

pub fn print(ledger: &Ledger, files: &[MissingPaper], format: Format, out: &mut dyn Write) -> Result<()> {
    if format == Format::Json {
        writeln!(out, "{}", serde_json::to_string_pretty(files)?)?;
        return Ok(());
    }
    if format == Format::Table {
        writeln!(out, "{} missing paper file(s).", files.len())?;
    }
    let mut table = Table::new(
        ledger.timezone(),
        &[
            "tag",
            "name",
            "missing since",
            "working days",
            "last with",
            "searches",
            "next",
        ],
    );
    for m in files {
        table.push(vec![
            m.tag.clone().into(),
            m.name.clone().into(),
            Cell::Time(Some(m.since)),
            Cell::Int(m.working_days),
            m.holder
                .as_deref()
                .map(|h| ledger.person_label(h))
                .unwrap_or_default()
                .into(),
            m.searches
                .iter()
                .map(|s| search_text(ledger, s))
                .collect::<Vec<_>>()
                .join("; ")
                .into(),
            m.reminder.map(|r| r.describe()).unwrap_or("").into(),
        ]);
    }
    table.print(format, out)
}
