//! The command line: one module per command (or group of commands), each with its own clap
//! arguments and one function that runs it. A command collects its input, calls one function of
//! `custody-db`, and prints the answer through `render`; nothing here decides what is allowed.

mod backup;
mod container;
mod custody;
mod disposal;
mod exposure;
mod files;
mod hint;
mod incident;
mod item;
mod labels;
mod notices;
mod operator;
mod output;
mod person;
mod report;
mod search;
mod settings;
mod setup;
mod spot_check;
mod status;
mod stocktake;
mod sync;

use std::io::Write;
use std::path::Path;

use anyhow::Result;
use clap::Subcommand;
use custody_db::{DayEdge, Ledger};

use crate::context::Context;

pub use hint::hint;

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Create a new, empty database (never touches an existing file)
    Init(setup::InitArgs),
    /// Create a new database filled with realistic demo data
    Demo(setup::DemoArgs),
    /// The staff who use Custody: add, list, set-role, disable, enable, reset-password, unlock
    #[command(subcommand)]
    Operator(operator::OperatorCommand),
    /// Items: add, list, show, chain
    #[command(subcommand)]
    Item(item::ItemCommand),
    /// People who hold items: add, list, show, set, deactivate, activate
    #[command(subcommand)]
    Person(person::PersonCommand),
    /// Bags, cases and cars that items travel in
    #[command(subcommand)]
    Container(container::ContainerCommand),
    /// Sign items out to a person (one hand-over)
    Out(custody::OutArgs),
    /// Which policy rules block and which warn
    #[command(subcommand)]
    Settings(settings::SettingsCommand),
    /// Add items, people or a paper book from a CSV file (all rows, or none), or write a template
    Import(files::ImportArgs),
    /// Write items, people or the whole ledger to a CSV file
    Export(files::ExportArgs),
    /// Sign items back in
    In(custody::InArgs),
    /// Hand an item that is out to someone else (the due date stays)
    Transfer(custody::TransferArgs),
    /// Record that an item was lost
    Lost(custody::RecordArgs),
    /// Record that an item was stolen
    Stolen(custody::RecordArgs),
    /// Record that a lost or stolen item was found
    Found(custody::RecordArgs),
    /// Retire an item for good (it can never leave again)
    Retire(custody::RecordArgs),
    /// Record that an item was destroyed (R11): a device with its certificate, paper shredded before a witness
    Dispose(disposal::DisposeArgs),
    /// Count what is on the premises against the record (R10): start, scan, status, finish, report
    #[command(subcommand)]
    Stocktake(stocktake::StocktakeCommand),
    /// Random checks of home working (R10): draw, record, checklist, report
    #[command(subcommand)]
    SpotCheck(spot_check::SpotCheckCommand),
    /// Missing paper files: log where someone searched, list them with what is due next
    #[command(subcommand)]
    Search(search::SearchCommand),
    /// Void an event recorded by mistake (it stays in the ledger, marked corrected)
    Correct(custody::CorrectArgs),
    /// What is out now: tag, kind, holder, out since, due
    Status(status::StatusArgs),
    /// The events about an item or a person, optionally in a time window
    History(status::HistoryArgs),
    /// Items two desks of the trust moved apart in ways that cannot both be true, with the events
    Conflicts(status::ConflictsArgs),
    /// Check the file and the ledger's hash chain; exit 0 only when intact
    Verify,
    /// Reports: the weekly overdue report, the disposal register
    #[command(subcommand)]
    Report(report::ReportCommand),
    /// Emails to holders before an item is due and when it is late: preview, send, list, test
    #[command(subcommand)]
    Notices(notices::NoticesCommand),
    /// Losses, thefts and disclosures (rule R9): open one, follow its timeline
    #[command(subcommand)]
    Incident(incident::IncidentCommand),
    /// What a holder (or a bag, case or car) had at a moment or during a window, and its data
    Exposure(exposure::ExposureArgs),
    /// Write a consistent copy of the database (safe while the desk is in use)
    Backup(backup::BackupArgs),
    /// Replace the database with a backup, after checking it; the current file is kept aside
    Restore(backup::RestoreArgs),
    /// Print QR labels as a PDF for items, people or containers (labels carry no names)
    Labels(labels::LabelsArgs),
    /// The trust's PostgreSQL server: init, add-desk, desks (run with its administrator URL)
    #[command(subcommand)]
    Server(sync::ServerCommand),
    /// Share this desk's ledger through the trust's server: join URL, status, or (alone) one round
    Sync(sync::SyncArgs),
    /// Read the QR codes in image files: one line per image, path, a tab, then the text or the error
    Scan(labels::ScanArgs),
}

/// Runs one command; `Ok(false)` means it ran but found a problem (e.g. `verify`): exit 1.
pub fn run(command: Command, ctx: &Context, out: &mut dyn Write) -> Result<bool> {
    use custody_db::EventKind::{Found, Lost, Retired, Stolen};
    let done = |ran: Result<()>| ran.map(|()| true);
    match command {
        Command::Init(args) => done(setup::init(args, ctx, out)),
        Command::Demo(args) => done(setup::demo(args, ctx, out)),
        Command::Operator(cmd) => done(operator::run(cmd, &mut open(ctx)?, out)),
        Command::Item(cmd) => done(item::run(cmd, &mut open(ctx)?, out)),
        Command::Person(cmd) => done(person::run(cmd, &mut open(ctx)?, out)),
        Command::Container(cmd) => done(container::run(cmd, &mut open(ctx)?, out)),
        Command::Out(args) => done(custody::out(args, &mut open(ctx)?, out)),
        Command::In(args) => done(custody::sign_in(args, &mut open(ctx)?, out)),
        Command::Transfer(args) => done(custody::transfer(args, &mut open(ctx)?, out)),
        Command::Lost(args) => done(custody::record(args, Lost, &mut open(ctx)?, out)),
        Command::Stolen(args) => done(custody::record(args, Stolen, &mut open(ctx)?, out)),
        Command::Found(args) => done(custody::record(args, Found, &mut open(ctx)?, out)),
        Command::Retire(args) => done(custody::record(args, Retired, &mut open(ctx)?, out)),
        Command::Dispose(args) => done(disposal::dispose(args, &mut open(ctx)?, out)),
        Command::Stocktake(cmd) => done(stocktake::run(cmd, &mut open(ctx)?, out)),
        Command::SpotCheck(cmd) => done(spot_check::run(cmd, &mut open(ctx)?, out)),
        Command::Search(cmd) => done(search::run(cmd, &mut open(ctx)?, out)),
        Command::Correct(args) => done(custody::correct(args, &mut open(ctx)?, out)),
        Command::Settings(cmd) => done(settings::run(cmd, &mut open(ctx)?, out)),
        Command::Import(args) => done(files::import(args, &mut open(ctx)?, out)),
        Command::Export(args) => done(files::export(args, &open(ctx)?, out)),
        Command::Status(args) => done(status::status(args, &open(ctx)?, out)),
        Command::History(args) => done(status::history(args, &open(ctx)?, out)),
        Command::Conflicts(args) => done(status::conflicts(args, &open(ctx)?, out)),
        Command::Verify => backup::verify(&mut open(ctx)?, out),
        Command::Report(cmd) => done(report::run(cmd, &open(ctx)?, out)),
        Command::Notices(cmd) => notices::run(cmd, &mut open(ctx)?, out),
        Command::Incident(cmd) => done(incident::run(cmd, &mut open(ctx)?, out)),
        Command::Exposure(args) => done(exposure::run(args, &open(ctx)?, out)),
        Command::Backup(args) => done(backup::backup(args, &open(ctx)?, out)),
        Command::Restore(args) => done(backup::restore(args, ctx, out)),
        Command::Labels(args) => done(labels::print(args, &open(ctx)?, out)),
        Command::Scan(args) => labels::scan(args, out),
        Command::Server(cmd) => done(sync::server(cmd, out)),
        Command::Sync(args) => done(sync::run(args, ctx, out)),
    }
}

/// Opens the database for a command. The first use each day leaves a backup; a failure is
/// reported but stops nothing.
fn open(ctx: &Context) -> Result<Ledger> {
    let ledger = ctx.open()?;
    if let Err(e) = ledger.daily_backup() {
        eprintln!("custody: warning: today's automatic backup could not be made: {e}");
    }
    Ok(ledger)
}

/// Arguments that do not go together, found after clap has read them: exit code 2, as clap's
/// own usage errors.
#[derive(Debug)]
pub struct UsageError(pub String);

impl std::fmt::Display for UsageError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for UsageError {}

/// A `WHEN` given on the command line, if any.
fn when(ledger: &Ledger, input: Option<&str>, edge: DayEdge) -> Result<Option<chrono::DateTime<chrono::Utc>>> {
    Ok(input.map(|s| ledger.parse_when(s, edge)).transpose()?)
}

/// What an edit did: each change, old and new, or that nothing changed and nothing was written.
fn say_edit(edit: &custody_db::Edit, out: &mut dyn Write) -> Result<()> {
    if edit.changed_nothing() {
        writeln!(
            out,
            "No change: {} already says that, so nothing was written.",
            edit.subject
        )?;
    } else {
        writeln!(out, "Changed {} (on the record):", edit.subject)?;
        for change in &edit.changes {
            writeln!(out, "  {change}")?;
        }
    }
    Ok(())
}

/// Writes a finished report to `file`, or to the screen; a PDF needs a file.
fn deliver(bytes: &[u8], is_pdf: bool, file: Option<&Path>, what: &str, out: &mut dyn Write) -> Result<()> {
    match file {
        Some(file) => {
            // Whole or not at all, even if the power goes as it is written.
            custody_db::durable::write_file(file, bytes)
                .map_err(|e| anyhow::anyhow!("could not write {}: {e}. Nothing else was changed.", file.display()))?;
            writeln!(out, "Wrote {what} to {}.", file.display())?;
        }
        None if is_pdf => return Err(UsageError("a PDF needs a file: add -o FILE.pdf".into()).into()),
        None => out.write_all(bytes)?,
    }
    Ok(())
}
