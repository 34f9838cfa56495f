//! `custody import` and `custody export`: the register and the ledger as CSV files.

use std::io::Write;
use std::path::PathBuf;

use anyhow::{Context, Result};
use clap::Args;
use custody_db::Ledger;

use crate::render::{Format, export};

#[derive(Debug, Args)]
pub struct ImportArgs {
    /// items | people
    #[arg(value_enum)]
    what: Register,
    file: PathBuf,
    /// Check the file and say what would be added, without adding anything
    #[arg(long)]
    dry_run: bool,
}

#[derive(Debug, Args)]
pub struct ExportArgs {
    #[arg(value_enum)]
    what: ExportWhat,
    file: PathBuf,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
enum Register {
    Items,
    People,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
enum ExportWhat {
    Items,
    People,
    Events,
}

/// How many added tags or ids an import lists before it says "and N more".
const LIST_AT_MOST: usize = 20;

pub fn import(args: ImportArgs, ledger: &mut Ledger, out: &mut dyn Write) -> Result<()> {
    let file = &args.file;
    let bytes = std::fs::read(file).with_context(|| format!("could not read {}", file.display()))?;
    let report = match args.what {
        Register::Items => ledger.import_items(&bytes, args.dry_run)?,
        Register::People => ledger.import_people(&bytes, args.dry_run)?,
    };
    let verb = if report.dry_run { "Would add" } else { "Added" };
    writeln!(
        out,
        "{} ({}): {verb} {} row(s).",
        file.display(),
        report.format,
        report.rows
    )?;
    if !report.added.is_empty() {
        let shown = report.added[..report.added.len().min(LIST_AT_MOST)].join(", ");
        let more = report.added.len().saturating_sub(LIST_AT_MOST);
        let rest = if more > 0 {
            format!(" and {more} more")
        } else {
            String::new()
        };
        writeln!(out, "  {shown}{rest}")?;
    }
    if !report.ignored_columns.is_empty() {
        writeln!(out, "Ignored columns: {}.", report.ignored_columns.join(", "))?;
    }
    if report.dry_run {
        writeln!(out, "Nothing was written (--dry-run).")?;
    }
    Ok(())
}

pub fn export(args: ExportArgs, ledger: &Ledger, out: &mut dyn Write) -> Result<()> {
    // Checked before the file is made, so a refusal leaves nothing behind.
    ledger.allow(match args.what {
        ExportWhat::Items | ExportWhat::People => custody_db::Action::Export,
        ExportWhat::Events => custody_db::Action::LedgerExport,
    })?;
    let file = &args.file;
    let target = std::fs::File::create(file).with_context(|| format!("could not write {}", file.display()))?;
    let mut target = std::io::BufWriter::new(target);
    let events = match args.what {
        ExportWhat::Items => export::items(ledger)?.print(Format::Csv, &mut target).map(|()| None)?,
        ExportWhat::People => export::people(ledger)?.print(Format::Csv, &mut target).map(|()| None)?,
        ExportWhat::Events => Some(export::events(ledger, &mut target)?),
    };
    target.flush()?;
    match events {
        Some(n) => writeln!(out, "Wrote {n} events to {}.", file.display())?,
        None => writeln!(out, "Wrote {}.", file.display())?,
    }
    Ok(())
}
