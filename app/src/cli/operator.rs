//! `custody operator add|list|show|set-role|disable|enable|reset-password|unlock`: the staff who use
//! Custody. Only an administrator may run these, except that a database with no operators yet
//! takes its first administrator from whoever opens it.

use std::io::Write;
use std::path::PathBuf;

use anyhow::Result;
use clap::Subcommand;
use custody_db::{Ledger, Operator, Role};

use crate::render::{Cell, Format, Table};

#[derive(Debug, Subcommand)]
pub enum OperatorCommand {
    /// Add an operator with a role and a first password or PIN
    Add {
        id: String,
        #[arg(long)]
        name: String,
        /// operator | manager | dpo | admin | auditor (reads everything, changes nothing)
        #[arg(long)]
        role: String,
        /// Read the new operator's password from this file [default: asked twice on the terminal]
        #[arg(long, value_name = "FILE")]
        new_password_file: Option<PathBuf>,
    },
    /// Every operator: id, name, role, whether active or locked out
    List {
        #[arg(long, value_enum, default_value_t)]
        format: Format,
    },
    /// One operator and everything on their record: role changes, sign-ins, locks, wrong passwords
    Show { id: String },
    /// Give an operator another role
    SetRole {
        id: String,
        /// operator | manager | dpo | admin | auditor (reads everything, changes nothing)
        role: String,
    },
    /// Stop an operator signing in (their past events keep their id)
    Disable { id: String },
    /// Let a disabled operator sign in again
    Enable { id: String },
    /// Set a new password or PIN (also clears a lock-out)
    ResetPassword {
        id: String,
        /// Read the new password from this file [default: asked twice on the terminal]
        #[arg(long, value_name = "FILE")]
        new_password_file: Option<PathBuf>,
    },
    /// Clear an operator's lock-out after too many wrong passwords
    Unlock { id: String },
}

pub fn run(cmd: OperatorCommand, ledger: &mut Ledger, out: &mut dyn Write) -> Result<()> {
    match cmd {
        OperatorCommand::Add {
            id,
            name,
            role,
            new_password_file,
        } => {
            let role: Role = role.parse()?;
            // Checked before the password is asked for, so a refusal costs no typing.
            ledger.check_new_operator(&id)?;
            let password = crate::password::read_new(&id, new_password_file.as_deref())?;
            let op = ledger.add_operator(&id, &name, role, &password)?;
            writeln!(out, "Added operator {} ({}), role {}.", op.id, op.name, op.role)?;
        }
        OperatorCommand::List { format } => {
            let mut table = Table::new(ledger.timezone(), &["id", "name", "role", "active", "signing in"]);
            for op in ledger.operators()? {
                let state = sign_in_state(ledger, &op);
                table.push(vec![
                    op.id.into(),
                    op.name.into(),
                    op.role.as_str().into(),
                    Cell::Bool(op.active),
                    state.into(),
                ]);
            }
            table.print(format, out)?;
        }
        OperatorCommand::Show { id } => {
            let op = ledger.operator_by_id(&id)?;
            writeln!(
                out,
                "{} ({}), role {}, {}; signing in: {}",
                op.id,
                op.name,
                op.role,
                if op.active { "active" } else { "disabled" },
                sign_in_state(ledger, &op)
            )?;
            for change in ledger.operator_records(&op.id)? {
                writeln!(
                    out,
                    "  {}  {}",
                    ledger.format_time(change.occurred_at),
                    describe(&change)
                )?;
            }
        }
        OperatorCommand::SetRole { id, role } => {
            let op = ledger.set_operator_role(&id, role.parse()?)?;
            writeln!(out, "{} ({}) now has the role {}.", op.id, op.name, op.role)?;
        }
        OperatorCommand::Disable { id } => {
            let op = ledger.set_operator_active(&id, false)?;
            writeln!(out, "Disabled {} ({}): they can no longer sign in.", op.id, op.name)?;
        }
        OperatorCommand::Enable { id } => {
            let op = ledger.set_operator_active(&id, true)?;
            writeln!(out, "Enabled {} ({}): they can sign in again.", op.id, op.name)?;
        }
        OperatorCommand::ResetPassword { id, new_password_file } => {
            ledger.operator_by_id(&id)?; // before the password is asked for
            let password = crate::password::read_new(&id, new_password_file.as_deref())?;
            let op = ledger.reset_operator_password(&id, &password)?;
            writeln!(out, "Set a new password for {} ({}).", op.id, op.name)?;
        }
        OperatorCommand::Unlock { id } => {
            let op = ledger.unlock_operator(&id)?;
            writeln!(out, "Cleared the wrong-password count of {} ({}).", op.id, op.name)?;
        }
    }
    Ok(())
}

/// One line of an operator's record: "wrong password", "role: operator -> manager (by admin)".
fn describe(change: &custody_db::RegisterChange) -> String {
    use custody_db::record::RecordKind::*;
    let what = match change.kind {
        OperatorSignInFailed => "a wrong password".to_string(),
        OperatorSignedIn => "signed in".to_string(),
        OperatorSignedOut => "signed out".to_string(),
        DeskLocked => "locked the desk".to_string(),
        OperatorAdded => "added".to_string(),
        _ => change.summary(),
    };
    let why = change.reason.as_ref().map(|r| format!(" ({r})")).unwrap_or_default();
    // A sign-in attempt is made by nobody yet; a change by someone else names them.
    let by = if change.operator == change.subject || change.operator == "nobody" {
        String::new()
    } else {
        format!(" (by {})", change.operator)
    };
    format!("{what}{why}{by}")
}

/// "ok", "3 wrong passwords", or "locked out until 10:27".
fn sign_in_state(ledger: &Ledger, op: &Operator) -> String {
    match op.locked_out_at(custody_db::time::to_millis(ledger.now())) {
        Some(until) => format!("locked out until {}", ledger.format_time(until)),
        None if op.failed_attempts == 1 => "1 wrong password".to_string(),
        None if op.failed_attempts > 0 => format!("{} wrong passwords in a row", op.failed_attempts),
        None => "ok".to_string(),
    }
}
