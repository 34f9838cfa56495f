//! `custody container add|set|list`.

use std::io::Write;

use anyhow::Result;
use clap::Subcommand;
use custody_db::{ContainerKind, Ledger};

use crate::render::{Format, Table};

#[derive(Debug, Subcommand)]
pub enum ContainerCommand {
    /// Register a bag, case or car
    Add {
        id: String,
        /// bag | case | car | other
        #[arg(long)]
        kind: String,
        #[arg(long)]
        name: String,
    },
    /// Change a container's kind or name (recorded in the ledger, old and new)
    Set {
        id: String,
        /// bag | case | car | other
        #[arg(long)]
        kind: Option<String>,
        #[arg(long)]
        name: Option<String>,
        /// Why (kept with the change)
        #[arg(long)]
        reason: Option<String>,
    },
    /// Every container
    List {
        #[arg(long, value_enum, default_value_t)]
        format: Format,
    },
}

pub fn run(cmd: ContainerCommand, ledger: &mut Ledger, out: &mut dyn Write) -> Result<()> {
    match cmd {
        ContainerCommand::Add { id, kind, name } => {
            let kind: ContainerKind = kind.parse()?;
            let c = ledger.add_container(&id, kind, &name)?;
            writeln!(out, "Added {} ({}): {}", c.id, c.kind.as_str(), c.name)?;
        }
        ContainerCommand::Set { id, kind, name, reason } => {
            let kind = kind.map(|k| k.parse::<ContainerKind>()).transpose()?;
            let edit = ledger.edit_container(&id, kind, name.as_deref(), reason.as_deref())?;
            super::say_edit(&edit, out)?;
        }
        ContainerCommand::List { format } => {
            let mut table = Table::new(ledger.timezone(), &["id", "kind", "name"]);
            for c in ledger.containers()? {
                table.push(vec![c.id.into(), c.kind.as_str().into(), c.name.into()]);
            }
            table.print(format, out)?;
        }
    }
    Ok(())
}
