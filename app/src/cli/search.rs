//! `custody search log|list`: missing paper files and the searches for them.

use std::io::Write;

use anyhow::Result;
use clap::Subcommand;
use custody_db::ids::{IdKind, normalise_id};
use custody_db::{DayEdge, Ledger};

use crate::render::{Format, missing};

#[derive(Debug, Subcommand)]
pub enum SearchCommand {
    /// Log a search for a missing paper file: where someone looked
    Log {
        tag: String,
        /// Where they looked
        #[arg(long = "where", value_name = "PLACE")]
        place: String,
        /// Who looked (a person's id) [default: you]
        #[arg(long, value_name = "PERSON")]
        by: Option<String>,
        /// What they found, or anything else to say
        #[arg(long)]
        note: Option<String>,
        /// When they looked, if earlier than now
        #[arg(long, value_name = "WHEN")]
        at: Option<String>,
    },
    /// The missing paper files (overdue or lost), their searches and what is due next
    List {
        #[arg(long, value_enum, default_value_t)]
        format: Format,
    },
}

pub fn run(cmd: SearchCommand, ledger: &mut Ledger, out: &mut dyn Write) -> Result<()> {
    match cmd {
        SearchCommand::Log {
            tag,
            place,
            by,
            note,
            at,
        } => {
            let at = super::when(ledger, at.as_deref(), DayEdge::Start)?;
            let s = ledger.log_search(&tag, &place, by.as_deref(), note.as_deref(), at)?;
            writeln!(
                out,
                "Logged a search for {}: {}.",
                normalise_id(IdKind::Tag, &tag)?,
                missing::search_text(ledger, &s)
            )?;
        }
        SearchCommand::List { format } => {
            let files = ledger.missing_paper(ledger.now())?;
            missing::print(ledger, &files, format, out)?;
        }
    }
    Ok(())
}
