//! `custody stocktake start|scan|status|finish|report` (R10): count what is on the premises
//! against the record. Scans may come from a wedge scanner, one tag per line on standard input.

use std::io::{BufRead, Write};

use anyhow::Result;
use clap::Subcommand;
use custody_db::Ledger;
use custody_db::ids::{IdKind, normalise_id};
use custody_db::stocktake::scope_of;

use super::output::ReportOutput;
use crate::render::stocktake;

#[derive(Debug, Subcommand)]
pub enum StocktakeCommand {
    /// Start counting: by default what should be on the premises now
    Start {
        /// Only items of this kind (laptop, chromebook, paper-file, …) that should be here
        #[arg(long, conflicts_with_all = ["container", "all"])]
        kind: Option<String>,
        /// What should be in this bag, case or car
        #[arg(long, value_name = "ID", conflicts_with = "all")]
        container: Option<String>,
        /// Everything on the register that is in or out (what is out must be brought in or seen)
        #[arg(long)]
        all: bool,
    },
    /// Count items seen: tags as arguments, or `-` to read one per line (a scanner) until the end
    Scan {
        #[arg(required = true, value_name = "TAG")]
        tags: Vec<String>,
        /// Which stocktake, when more than one is open
        #[arg(long, value_name = "ST-N")]
        id: Option<String>,
    },
    /// How far the open stocktakes have got
    Status,
    /// Finish counting and print what is missing and what was unexpected
    Finish {
        #[arg(long, value_name = "ST-N")]
        id: Option<String>,
    },
    /// The report of a stocktake (the latest by default): found, missing, unexpected
    Report {
        #[arg(long, value_name = "ST-N")]
        id: Option<String>,
        #[command(flatten)]
        output: ReportOutput,
    },
}

pub fn run(cmd: StocktakeCommand, ledger: &mut Ledger, out: &mut dyn Write) -> Result<()> {
    match cmd {
        StocktakeCommand::Start { kind, container, all } => {
            let s = ledger.start_stocktake(scope_of(kind.as_deref(), container.as_deref(), all)?)?;
            writeln!(out, "Started stocktake {}", stocktake::summary(ledger, &s))?;
            writeln!(
                out,
                "Scan each item that is there (`custody stocktake scan TAG...`), then `custody stocktake finish`."
            )?;
        }
        StocktakeCommand::Scan { tags, id } => {
            let mut scan = |tag: &str, out: &mut dyn Write| -> Result<()> {
                let (seen, _) = ledger.stocktake_scan(id.as_deref(), tag)?;
                writeln!(
                    out,
                    "{}",
                    stocktake::seen_text(ledger, &normalise_id(IdKind::Tag, tag)?, &seen)
                )?;
                Ok(())
            };
            for tag in &tags {
                if tag == "-" {
                    for line in std::io::stdin().lock().lines() {
                        let line = line?;
                        if !line.trim().is_empty() {
                            scan(line.trim(), out)?;
                        }
                    }
                } else {
                    scan(tag, out)?;
                }
            }
            let s = match id.as_deref() {
                Some(id) => ledger.stocktake(id)?,
                None => ledger.stocktake_report(None)?.stocktake,
            };
            writeln!(out, "{}", stocktake::summary(ledger, &s))?;
        }
        StocktakeCommand::Status => {
            let open = ledger.open_stocktakes()?;
            if open.is_empty() {
                writeln!(out, "No stocktake is open. `custody stocktake start` begins one.")?;
            }
            for s in open {
                writeln!(out, "{}", stocktake::summary(ledger, &s))?;
                for sighting in s.sightings.iter().rev().take(5) {
                    writeln!(
                        out,
                        "  last seen: {} at {}",
                        sighting.tag,
                        ledger.format_time(sighting.at)
                    )?;
                }
            }
        }
        StocktakeCommand::Finish { id } => {
            let report = ledger.finish_stocktake(id.as_deref())?;
            stocktake::print(ledger, &report, crate::render::Format::Table, out)?;
        }
        StocktakeCommand::Report { id, output } => {
            let report = ledger.stocktake_report(id.as_deref())?;
            let bytes = stocktake::render(ledger, &report, output.format)?;
            let what = format!("the report of stocktake {}", report.stocktake.id);
            output.deliver(&bytes, &what, out)?;
        }
    }
    Ok(())
}
