//! `custody backup`, `custody restore` and `custody verify`: keeping the file safe.

use std::io::Write;
use std::path::PathBuf;

use anyhow::Result;
use clap::Args;
use custody_db::Ledger;

use crate::context::Context;

#[derive(Debug, Args)]
pub struct BackupArgs {
    #[arg(short = 'o', long, value_name = "FILE")]
    output: PathBuf,
}

#[derive(Debug, Args)]
pub struct RestoreArgs {
    backup: PathBuf,
    /// Allow a backup of a different database
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
    let restored = custody_db::restore(&ctx.path, &args.backup, args.force, ctx.clock.clone())?;
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
    Ok(())
}

/// Prints what `verify` found; `Ok(false)` when the database is not intact.
pub fn verify(ledger: &Ledger, out: &mut dyn Write) -> Result<bool> {
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
    if report.is_intact() {
        writeln!(
            out,
            "Intact: file checks passed, {} events and {} register records in an unbroken hash chain, current state and the register equal a full replay, and the chain reaches as far as each of the {} daily backups.",
            report.events_checked, report.records_checked, report.witnesses_checked
        )?;
    } else {
        writeln!(
            out,
            "NOT intact. Keep this file as evidence and restore the latest good backup."
        )?;
    }
    Ok(report.is_intact())
}
