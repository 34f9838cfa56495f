//! `custody backup`, `custody restore` and `custody verify`: keeping the file safe.

use std::io::Write;
use std::path::{Path, PathBuf};

use anyhow::Result;
use clap::Args;
use custody_db::{Ledger, Session};

use crate::context::Context;

#[derive(Debug, Args)]
pub struct BackupArgs {
    #[arg(short = 'o', long, value_name = "FILE")]
    output: PathBuf,
}

#[derive(Debug, Args)]
pub struct RestoreArgs {
    backup: PathBuf,
    /// Restore anyway: a backup of a different database, or one that would leave entries the
    /// trust's server lacks only in the kept file (`custody sync recover` brings them back)
    #[arg(long)]
    force: bool,
}

pub fn backup(args: BackupArgs, ledger: &Ledger, out: &mut dyn Write) -> Result<()> {
    ledger.backup_to(&args.output)?;
    writeln!(
        out,
        "Backed up {} to {}.",
        ledger.path().display(),
        args.output.display()
    )?;
    Ok(())
}

pub fn restore(args: RestoreArgs, ctx: &Context, out: &mut dyn Write) -> Result<()> {
    let by = restorer(ctx, &args.backup)?;
    let server_has = server_has(ctx, out)?;
    let restored = custody_db::restore(
        &ctx.path,
        &args.backup,
        args.force,
        server_has,
        ctx.clock.clone(),
        by.as_ref(),
    )?;
    writeln!(
        out,
        "Restored {} from {} ({} events, verified).",
        ctx.path.display(),
        args.backup.display(),
        restored.events
    )?;
    if let Some(aside) = restored.kept_aside {
        writeln!(out, "The file it replaced is kept as {}.", aside.display())?;
    }
    if let Some(stranded) = &restored.stranded {
        writeln!(out, "{}", super::sync::say_stranded(stranded))?;
    }
    Ok(())
}

/// At a desk that joined a trust, how far the server holds this desk's chain: asked of the
/// server, or (when it cannot be reached) as far as the last push is known to have gone.
fn server_has(ctx: &Context, out: &mut dyn Write) -> Result<Option<i64>> {
    let Some(credentials) = crate::sync::credentials::Credentials::read(&ctx.path)? else {
        return Ok(None);
    };
    let asked = crate::sync::connect(&credentials.url).and_then(|mut client| crate::sync::push::own_head(&mut client));
    Ok(Some(match asked {
        Ok(head) => head,
        Err(e) => {
            writeln!(
                out,
                "The trust's server cannot be reached ({e:#}): taking it to hold this desk's entries up to the last push, entry {}.",
                credentials.pushed_head
            )?;
            credentials.pushed_head
        }
    }))
}

/// Who is restoring: signed in on the current database, or, when that cannot be opened (the
/// usual reason to restore) or has no operators, on a scratch copy of the backup (so a wrong
/// password is counted nowhere that lasts). `None` when neither file has operators yet.
fn restorer(ctx: &Context, backup: &Path) -> Result<Option<Session>> {
    if let Ok(mut current) = Ledger::open(&ctx.path, ctx.clock.clone())
        && current.has_operators()?
    {
        ctx.sign_in(&mut current)?;
        return Ok(current.session().cloned());
    }
    let scratch = tempfile::tempdir()?;
    let copy = scratch.path().join("backup.db");
    std::fs::copy(backup, &copy).map_err(|e| {
        anyhow::anyhow!(
            "could not read the backup {}: {e}. Nothing was changed.",
            backup.display()
        )
    })?;
    let Ok(mut staged) = Ledger::open(&copy, ctx.clock.clone()) else {
        return Ok(None); // The restore itself says what is wrong with the file.
    };
    ctx.sign_in(&mut staged)?;
    Ok(staged.session().cloned())
}

/// Prints what `verify` found and puts an intact check on the record (for the trust's report);
/// `Ok(false)` when the database is not intact.
pub fn verify(ledger: &mut Ledger, out: &mut dyn Write) -> Result<bool> {
    let report = ledger.verify()?;
    for line in &report.integrity {
        writeln!(out, "File damage: {line}")?;
    }
    for line in &report.schema {
        writeln!(out, "Guard removed or changed: {line}.")?;
    }
    for line in &report.witnesses {
        writeln!(out, "Shorter than a witness: {line}.")?;
    }
    if let Some(p) = &report.chain {
        writeln!(
            out,
            "Hash chain broken at entry {} ({}, {}): {}.",
            p.seq, p.id, p.item, p.what
        )?;
    }
    for line in &report.impossible_moves {
        writeln!(out, "Impossible move in the ledger: {line}")?;
    }
    for line in &report.projection_mismatches {
        writeln!(out, "Current state differs from the ledger: {line}")?;
    }
    for line in &report.register_mismatches {
        writeln!(out, "The register differs from its records: {line}")?;
    }
    for line in &report.remote_problems {
        writeln!(out, "Another desk's entry is not as it came: {line}")?;
    }
    if let Some(problem) = &report.signature_problem {
        writeln!(out, "Not signed by its author: {problem}.")?;
    }
    if !report.readable_by_others.is_empty() {
        writeln!(
            out,
            "Readable by other accounts on this computer (personal data left open): {}. `custody settings tighten-permissions` makes them yours alone.",
            report.readable_by_others.join(", ")
        )?;
    }
    if report.is_intact() {
        writeln!(
            out,
            "Intact: file checks passed, {} events and {} register records in an unbroken hash chain, current state and the register equal a full replay, and the chain reaches as far as each of the {} daily backups.",
            report.events_checked, report.records_checked, report.witnesses_checked
        )?;
        writeln!(out, "{}", signatures_line(&report))?;
        if report.remote_checked > 0 {
            writeln!(
                out,
                "Other desks' entries received through the server: {}, each desk's chain unbroken.",
                report.remote_checked
            )?;
        }
    } else {
        writeln!(
            out,
            "NOT intact. Keep this file as evidence and restore the latest good backup."
        )?;
    }
    for line in &report.signed_before_hearing {
        writeln!(
            out,
            "Note (accepted; a desk learns of another desk's change when it next syncs): {line}."
        )?;
    }
    match ledger.record_verification(&report) {
        Ok(true) => {}
        Ok(false) => writeln!(
            out,
            "This check is not put on the record: the file is left exactly as it is, as evidence."
        )?,
        Err(e) => writeln!(out, "This check is not on the record: {e}")?,
    }
    Ok(report.is_intact())
}

/// What the signatures proved: how many entries, under which root, and how many came before.
fn signatures_line(report: &custody_db::VerifyReport) -> String {
    match &report.root_key {
        Some(root) => {
            let before = match report.predating_signing {
                0 => String::new(),
                n => format!(" {n} entries recorded before signing began are vouched for by the first signed one."),
            };
            format!(
                "Signed: {} entries, each by its author's key as the record held it then; the ledger's root key is {root} (keep it on paper).{before}",
                report.signatures_checked
            )
        }
        None => format!(
            "Not yet signed: this ledger's {} entries predate signing. Its administrator's next sign-in vouches for them and signs everything after.",
            report.predating_signing
        ),
    }
}
