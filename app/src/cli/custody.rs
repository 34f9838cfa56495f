//! The commands that move items: `out`, `in`, `transfer`, `lost`, `stolen`, `found`, `retire`,
//! and `correct` for a mistake.

use std::io::Write;

use anyhow::Result;
use clap::Args;
use custody_db::{DayEdge, Event, EventKind, Ledger, SignOut};

use super::when;
use crate::render::handover::by_due_date;

#[derive(Debug, Args)]
pub struct OutArgs {
    #[arg(required = true, value_name = "TAG")]
    tags: Vec<String>,
    /// Who takes them (person id)
    #[arg(long, value_name = "PERSON")]
    to: String,
    /// When they are due back [default: a week for devices, next working day 17:00 for paper]
    #[arg(long, value_name = "WHEN")]
    due: Option<String>,
    /// When they left, if earlier than now
    #[arg(long, value_name = "WHEN")]
    at: Option<String>,
    #[arg(long)]
    purpose: Option<String>,
    /// Why (needed for paper files)
    #[arg(long)]
    reason: Option<String>,
    /// The manager who authorised it (person id)
    #[arg(long, value_name = "PERSON")]
    authorised_by: Option<String>,
    /// The bag, case or car they travel in (container id)
    #[arg(long, value_name = "ID")]
    container: Option<String>,
    /// Go ahead despite policy warnings (they are recorded on the sign-out)
    #[arg(long, short = 'y')]
    yes: bool,
    /// Also write the hand-over receipt (the items, when they are due, the rules for carrying
    /// data home, lines to sign) to this PDF
    #[arg(long, value_name = "FILE.pdf")]
    receipt: Option<std::path::PathBuf>,
}

/// When it happened, and a note.
#[derive(Debug, Args)]
pub struct WhenNote {
    /// When it happened, if earlier than now
    #[arg(long, value_name = "WHEN")]
    at: Option<String>,
    #[arg(long)]
    note: Option<String>,
}

#[derive(Debug, Args)]
pub struct InArgs {
    #[arg(required = true, value_name = "TAG")]
    tags: Vec<String>,
    #[command(flatten)]
    when: WhenNote,
}

#[derive(Debug, Args)]
pub struct TransferArgs {
    tag: String,
    #[arg(long, value_name = "PERSON")]
    to: String,
    #[command(flatten)]
    when: WhenNote,
}

/// `lost`, `stolen`, `found` and `retire`: one item, when, and a note.
#[derive(Debug, Args)]
pub struct RecordArgs {
    tag: String,
    #[command(flatten)]
    when: WhenNote,
}

#[derive(Debug, Args)]
pub struct CorrectArgs {
    /// The event's id, from `item show` or `history`
    event: String,
    #[arg(long)]
    reason: String,
}

pub fn out(args: OutArgs, ledger: &mut Ledger, out: &mut dyn Write) -> Result<()> {
    let req = SignOut {
        items: args.tags,
        to: args.to,
        due: when(ledger, args.due.as_deref(), DayEdge::End)?,
        at: when(ledger, args.at.as_deref(), DayEdge::Start)?,
        purpose: args.purpose,
        reason: args.reason,
        authoriser: args.authorised_by,
        container: args.container,
        acknowledge_warnings: args.yes,
    };
    // The receipt's file is made before the sign-out, so that a folder it cannot be written to
    // stops the command before anything is recorded.
    let receipt = match &args.receipt {
        Some(path) => Some((
            path,
            std::fs::File::create(path).map_err(|e| {
                anyhow::anyhow!(
                    "could not write the receipt {}: {e}. Nothing was signed out.",
                    path.display()
                )
            })?,
        )),
        None => None,
    };
    let events = match ledger.sign_out(&req) {
        Ok(events) => events,
        Err(e) => {
            if let Some((path, _)) = &receipt {
                let _ = std::fs::remove_file(path);
            }
            return Err(e.into());
        }
    };
    print_sign_out(ledger, &events, out)?;
    if let Some((path, mut file)) = receipt {
        file.write_all(&crate::render::receipt::pdf(ledger, &events)?)?;
        // On the disk before it is said to be written.
        file.sync_all()?;
        custody_db::durable::sync_folder(custody_db::durable::folder_of(path))?;
        writeln!(out, "Wrote the hand-over receipt to {}.", path.display())?;
    }
    if let Some(warnings) = &events[0].warnings {
        writeln!(out, "Warnings acknowledged and recorded:")?;
        for line in warnings.lines() {
            writeln!(out, "  {line}")?;
        }
    }
    Ok(())
}

pub fn sign_in(args: InArgs, ledger: &mut Ledger, out: &mut dyn Write) -> Result<()> {
    let at = when(ledger, args.when.at.as_deref(), DayEdge::Start)?;
    for r in ledger.sign_in(&args.tags, at, args.when.note.as_deref())? {
        writeln!(
            out,
            "Returned {} from {} ({}) — {}.",
            r.item.tag,
            r.from.name,
            r.from.id,
            r.lateness()
        )?;
    }
    Ok(())
}

pub fn transfer(args: TransferArgs, ledger: &mut Ledger, out: &mut dyn Write) -> Result<()> {
    let at = when(ledger, args.when.at.as_deref(), DayEdge::Start)?;
    let e = ledger.transfer(&args.tag, &args.to, at, args.when.note.as_deref())?;
    let due = ledger
        .state(&e.item)?
        .due_at
        .map(|d| ledger.format_time(d))
        .unwrap_or_default();
    writeln!(
        out,
        "{} passed from {} to {}; still due {due}.",
        e.item,
        ledger.person_label(e.from_person.as_deref().unwrap_or_default()),
        ledger.person_label(e.person.as_deref().unwrap_or_default())
    )?;
    Ok(())
}

/// `lost`, `stolen`, `found`, `retire`.
pub fn record(args: RecordArgs, kind: EventKind, ledger: &mut Ledger, out: &mut dyn Write) -> Result<()> {
    let at = when(ledger, args.when.at.as_deref(), DayEdge::Start)?;
    let e = ledger.record(&args.tag, kind, at, args.when.note.as_deref())?;
    let with = e
        .person
        .as_deref()
        .map(|p| format!(" (it was with {})", ledger.person_label(p)))
        .unwrap_or_default();
    writeln!(out, "Recorded {} as {}{with}.", e.item, kind)?;
    if matches!(kind, EventKind::Lost | EventKind::Stolen) {
        writeln!(
            out,
            "A loss or theft of personal data is a possible breach: tell your Data Protection Officer now."
        )?;
    }
    Ok(())
}

pub fn correct(args: CorrectArgs, ledger: &mut Ledger, out: &mut dyn Write) -> Result<()> {
    let fix = ledger.correct(&args.event, &args.reason)?;
    let state = ledger.state(&fix.item)?;
    writeln!(
        out,
        "Corrected: event {} no longer counts (it stays in the ledger, marked corrected). {} is now {}.",
        args.event,
        fix.item,
        ledger.describe_state(&state)
    )?;
    Ok(())
}

fn print_sign_out(ledger: &Ledger, events: &[Event], out: &mut dyn Write) -> Result<()> {
    let holder = ledger.person_label(events[0].person.as_deref().unwrap_or_default());
    match by_due_date(ledger, events).as_slice() {
        [(tags, due)] => writeln!(out, "Signed out {} to {holder}, due {due}.", tags.join(", "))?,
        groups => {
            writeln!(out, "Signed out to {holder}:")?;
            for (tags, due) in groups {
                writeln!(out, "  {} due {due}", tags.join(", "))?;
            }
        }
    }
    Ok(())
}
