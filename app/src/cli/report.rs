//! `custody report overdue`: the weekly report, on screen or to a file for a scheduled job.

use std::io::Write;
use std::path::PathBuf;

use anyhow::Result;
use clap::Subcommand;
use custody_db::{DayEdge, Ledger};

use crate::render::{ReportFormat, disposal, overdue};
use custody_db::time::to_millis;

#[derive(Debug, Subcommand)]
pub enum ReportCommand {
    /// Everything out past its due date, by holder, with stage and sensitivity; and what is due soon
    Overdue {
        /// The moment to report as of [default: now]
        #[arg(long, value_name = "WHEN")]
        as_of: Option<String>,
        /// Only what this desk of the trust signed out (its name)
        #[arg(long, value_name = "NAME")]
        desk: Option<String>,
        /// pdf: a summary page, then one reminder slip per holder to hand over
        #[arg(long, value_enum, default_value_t)]
        format: ReportFormat,
        /// Write to this file instead of the screen (for a scheduled job)
        #[arg(short = 'o', long, value_name = "FILE")]
        output: Option<PathBuf>,
    },
    /// The disposal register (R11): what was destroyed in a period, how, and on what reference
    Disposals {
        /// From this moment [default: a year ago]
        #[arg(long, value_name = "WHEN")]
        from: Option<String>,
        /// To this moment [default: now]
        #[arg(long, value_name = "WHEN")]
        to: Option<String>,
        #[arg(long, value_enum, default_value_t)]
        format: ReportFormat,
        #[arg(short = 'o', long, value_name = "FILE")]
        output: Option<PathBuf>,
    },
}

pub fn run(cmd: ReportCommand, ledger: &Ledger, out: &mut dyn Write) -> Result<()> {
    let (as_of, desk, format, output) = match cmd {
        ReportCommand::Overdue {
            as_of,
            desk,
            format,
            output,
        } => (as_of, desk, format, output),
        ReportCommand::Disposals {
            from,
            to,
            format,
            output,
        } => return disposals(ledger, from, to, format, output, out),
    };
    let as_of = super::when(ledger, as_of.as_deref(), DayEdge::End)?.unwrap_or_else(|| ledger.now());
    let desk = desk.as_deref().map(|d| ledger.desk_named(d)).transpose()?;
    let mut report = ledger.overdue(as_of)?;
    if let Some(desk) = desk {
        report = report.recorded_at(&desk);
    }
    let bytes = overdue::render(ledger, &report, format)?;
    let what = format!("the overdue report as of {}", ledger.format_time(report.as_of));
    super::deliver(&bytes, format.list().is_none(), output.as_deref(), &what, out)
}

fn disposals(
    ledger: &Ledger,
    from: Option<String>,
    to: Option<String>,
    format: ReportFormat,
    output: Option<PathBuf>,
    out: &mut dyn Write,
) -> Result<()> {
    let to = super::when(ledger, to.as_deref(), DayEdge::End)?.unwrap_or_else(|| ledger.now());
    let from = super::when(ledger, from.as_deref(), DayEdge::Start)?
        .unwrap_or(to - chrono::Duration::days(custody_db::disposal::REGISTER_DAYS));
    let found = ledger.disposals(from, to)?;
    let period = (to_millis(from), to_millis(to));
    let bytes = disposal::render(ledger, &found, period, format)?;
    let what = format!("the disposal register ({} item(s))", found.len());
    super::deliver(&bytes, format.list().is_none(), output.as_deref(), &what, out)
}
