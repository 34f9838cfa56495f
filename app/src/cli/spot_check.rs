//! `custody spot-check draw|record|checklist|report` (R10): random checks of home working.

use std::io::Write;
use std::path::PathBuf;

use anyhow::Result;
use clap::Subcommand;
use custody_db::Ledger;
use custody_db::spot_check::{CheckOutcome, Population, SampleSize};

use super::output::ReportOutput;
use crate::render::spot_check;

#[derive(Debug, Subcommand)]
pub enum SpotCheckCommand {
    /// Draw a random sample of what is out (items, or the people holding them)
    Draw {
        /// How many to draw
        #[arg(long, required_unless_present = "percent", conflicts_with = "percent")]
        count: Option<u32>,
        /// What share to draw, in per cent (rounded up)
        #[arg(long)]
        percent: Option<f64>,
        /// items (out now) or holders (people holding something now)
        #[arg(long, default_value = "items")]
        of: String,
        /// Draw again with a seed recorded earlier [default: a fresh one]
        #[arg(long)]
        seed: Option<u64>,
        /// Also write the checklist to take round
        #[arg(long, value_name = "FILE.pdf")]
        checklist: Option<PathBuf>,
    },
    /// Record what checking one item or holder of a spot check found
    Record {
        /// The spot check, e.g. SC-1
        id: String,
        /// The item's tag or the holder's id, as drawn
        subject: String,
        /// seen (with the holder, stored as the rules say), not-available, or problem
        #[arg(long)]
        outcome: String,
        /// What was wrong (required for a problem)
        #[arg(long)]
        note: Option<String>,
    },
    /// Write the checklist of a spot check
    Checklist {
        id: String,
        #[arg(short = 'o', long, value_name = "FILE.pdf")]
        output: PathBuf,
    },
    /// The spot checks of the last 12 months and what they found
    Report {
        #[command(flatten)]
        output: ReportOutput,
    },
}

pub fn run(cmd: SpotCheckCommand, ledger: &mut Ledger, out: &mut dyn Write) -> Result<()> {
    match cmd {
        SpotCheckCommand::Draw {
            count,
            percent,
            of,
            seed,
            checklist,
        } => {
            // clap asks for one of the two; no percentage is a sample of nothing, refused below.
            let size = count.map_or(SampleSize::Percent(percent.unwrap_or(0.0)), SampleSize::Count);
            let check = ledger.draw_spot_check(Population::parse(&of)?, size, seed)?;
            writeln!(out, "Drew {}", spot_check::summary(ledger, &check))?;
            for s in &check.sample {
                writeln!(out, "  {}", spot_check::describe(ledger, check.of, s))?;
            }
            if let Some(file) = checklist {
                let pdf = spot_check::checklist_pdf(ledger, &check);
                super::deliver(&pdf, true, Some(&file), "the checklist", out)?;
            }
        }
        SpotCheckCommand::Record {
            id,
            subject,
            outcome,
            note,
        } => {
            let outcome = CheckOutcome::parse(&outcome)?;
            let check = ledger.record_spot_check(&id, &subject, outcome, note.as_deref())?;
            writeln!(
                out,
                "Recorded {}: {}. {}",
                subject.trim().to_ascii_uppercase(),
                outcome.describe(),
                spot_check::summary(ledger, &check)
            )?;
        }
        SpotCheckCommand::Checklist { id, output } => {
            let check = ledger.spot_check(&id)?;
            let pdf = spot_check::checklist_pdf(ledger, &check);
            super::deliver(
                &pdf,
                true,
                Some(&output),
                &format!("the checklist of {}", check.id),
                out,
            )?;
        }
        SpotCheckCommand::Report { output } => {
            let checks = ledger.spot_checks_this_year()?;
            let bytes = spot_check::render(ledger, &checks, output.format)?;
            let what = format!("the spot checks of the last 12 months ({})", checks.len());
            output.deliver(&bytes, &what, out)?;
        }
    }
    Ok(())
}
