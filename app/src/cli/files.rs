//! `custody import` and `custody export`: the register and the ledger as CSV files.

use std::io::Write;
use std::path::PathBuf;

use anyhow::{Context, Result};
use clap::Args;
use custody_db::Ledger;
use custody_db::import::{ImportReport, Template, template};

use crate::render::{Format, export};

#[derive(Debug, Args)]
pub struct ImportArgs {
    #[command(subcommand)]
    what: ImportWhat,
}

#[derive(Debug, clap::Subcommand)]
enum ImportWhat {
    /// Items: Custody's template, or a Snipe-IT asset export (its check-outs become who holds what)
    Items {
        #[command(flatten)]
        file: ImportFile,
        /// Refuse a check-out to someone who is not among the people, rather than add them
        #[arg(long)]
        no_new_people: bool,
    },
    /// People: Custody's template, or a Snipe-IT users export
    People(ImportFile),
    /// A paper signing-out book: tag, person, out_at, due_at, reason, authoriser, in_at
    Custody(ImportFile),
    /// Write an empty template, with an example row commented out with #
    Template {
        #[arg(value_enum)]
        of: TemplateOf,
        #[arg(short, long)]
        output: PathBuf,
    },
}

#[derive(Debug, Args)]
struct ImportFile {
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
enum TemplateOf {
    Items,
    People,
    Custody,
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
    let read = |f: &ImportFile| std::fs::read(&f.file).with_context(|| format!("could not read {}", f.file.display()));
    let (file, report) = match &args.what {
        ImportWhat::Items { file, no_new_people } => {
            (file, ledger.import_items(&read(file)?, file.dry_run, *no_new_people)?)
        }
        ImportWhat::People(file) => (file, ledger.import_people(&read(file)?, file.dry_run)?),
        ImportWhat::Custody(file) => (file, ledger.import_custody(&read(file)?, file.dry_run)?),
        ImportWhat::Template { of, output } => return write_template(*of, output, out),
    };
    print_report(&file.file, &report, out)
}

fn write_template(of: TemplateOf, output: &std::path::Path, out: &mut dyn Write) -> Result<()> {
    let which = match of {
        TemplateOf::Items => Template::Items,
        TemplateOf::People => Template::People,
        TemplateOf::Custody => Template::Custody,
    };
    custody_db::durable::write_file(output, template(which).as_bytes())
        .with_context(|| format!("could not write {}", output.display()))?;
    writeln!(
        out,
        "Wrote {}: the header, and an example row commented out with # (take the # off to try it).",
        output.display()
    )?;
    Ok(())
}

/// What an import did or would do, each list cut short after [`LIST_AT_MOST`].
fn print_report(file: &std::path::Path, report: &ImportReport, out: &mut dyn Write) -> Result<()> {
    let verb = if report.dry_run { "Would add" } else { "Added" };
    writeln!(
        out,
        "{} ({}): {verb} {} row(s).",
        file.display(),
        report.format,
        report.rows
    )?;
    let list = |title: &str, lines: &[String], out: &mut dyn Write| -> Result<()> {
        if lines.is_empty() {
            return Ok(());
        }
        writeln!(out, "{title}")?;
        for line in lines.iter().take(LIST_AT_MOST) {
            writeln!(out, "  {line}")?;
        }
        if lines.len() > LIST_AT_MOST {
            writeln!(out, "  and {} more", lines.len() - LIST_AT_MOST)?;
        }
        Ok(())
    };
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
    if report.custody_events > 0 {
        let verb = if report.dry_run { "Would record" } else { "Recorded" };
        writeln!(
            out,
            "{verb} {} custody event(s) (who holds what), marked as imported.",
            report.custody_events
        )?;
    }
    list(
        "People added because a check-out names them:",
        &report.people_added,
        out,
    )?;
    list("Read as:", &report.mappings, out)?;
    list("Not imported:", &report.not_imported, out)?;
    if !report.used_columns.is_empty() {
        writeln!(out, "Columns used: {}.", report.used_columns.join(", "))?;
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
    // Streamed under a partial name, then put in place whole: a power cut never leaves half an
    // export under the export's name.
    let partial = custody_db::durable::partial_of(file);
    let _ = std::fs::remove_file(&partial);
    let target = custody_db::private::create_new_file(&partial)
        .with_context(|| format!("could not write {}", file.display()))?;
    let mut target = std::io::BufWriter::new(target);
    let events = match args.what {
        ExportWhat::Items => export::items(ledger)?.print(Format::Csv, &mut target).map(|()| None)?,
        ExportWhat::People => export::people(ledger)?.print(Format::Csv, &mut target).map(|()| None)?,
        ExportWhat::Events => Some(export::events(ledger, &mut target)?),
    };
    target.flush()?;
    drop(target);
    custody_db::durable::put_in_place(&partial, file).with_context(|| format!("could not write {}", file.display()))?;
    match events {
        Some(n) => writeln!(out, "Wrote {n} events to {}.", file.display())?,
        None => writeln!(out, "Wrote {}.", file.display())?,
    }
    Ok(())
}
