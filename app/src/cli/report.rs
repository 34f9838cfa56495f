//! `custody report overdue|disposals|register`: the weekly report, the disposal register and the
//! asset register, on screen or to a file for a scheduled job.

use std::io::Write;

use anyhow::Result;
use clap::Subcommand;
use custody_db::{DayEdge, Ledger};

use super::output::ReportOutput;
use crate::render::{disposal, overdue};
use custody_db::time::to_millis;

#[derive(Debug, Subcommand)]
pub enum ReportCommand {
    /// The trust's view for the DPO and the board: a row per desk (school or practice) and a
    /// TOTAL; with --trends, the key figures month by month for the last 12 months (the PDF has
    /// both, the trends as charts)
    Trust {
        /// From this moment [default: the start of last month]
        #[arg(long, value_name = "WHEN")]
        from: Option<String>,
        /// To this moment [default: the end of last month]
        #[arg(long, value_name = "WHEN")]
        to: Option<String>,
        /// Only these desks of the trust (their names; again for more)
        #[arg(long, value_name = "NAME")]
        desk: Vec<String>,
        /// The month-by-month figures instead (table, csv, json)
        #[arg(long)]
        trends: bool,
        #[command(flatten)]
        output: ReportOutput,
    },
    /// The asset register for the NHS DSPT and the DfE: every item with its kind, serial,
    /// encryption and data, where it is now, when it was last seen, and its disposal evidence
    Register {
        #[command(flatten)]
        output: ReportOutput,
    },
    /// Everything out past its due date, by holder, with stage and sensitivity; and what is due
    /// soon. As a pdf: a summary page, then one reminder slip per holder to hand over
    Overdue {
        /// The moment to report as of [default: now]
        #[arg(long, value_name = "WHEN")]
        as_of: Option<String>,
        /// Only what this desk of the trust signed out (its name)
        #[arg(long, value_name = "NAME")]
        desk: Option<String>,
        #[command(flatten)]
        output: ReportOutput,
    },
    /// The disposal register (R11): what was destroyed in a period, how, and on what reference
    Disposals {
        /// From this moment [default: a year ago]
        #[arg(long, value_name = "WHEN")]
        from: Option<String>,
        /// To this moment [default: now]
        #[arg(long, value_name = "WHEN")]
        to: Option<String>,
        #[command(flatten)]
        output: ReportOutput,
    },
}

pub fn run(cmd: ReportCommand, ledger: &Ledger, out: &mut dyn Write) -> Result<()> {
    let (as_of, desk, output) = match cmd {
        ReportCommand::Overdue { as_of, desk, output } => (as_of, desk, output),
        ReportCommand::Disposals { from, to, output } => return disposals(ledger, from, to, &output, out),
        ReportCommand::Trust {
            from,
            to,
            desk,
            trends,
            output,
        } => return trust(ledger, (from, to), &desk, trends, &output, out),
        ReportCommand::Register { output } => {
            let entries = ledger.asset_register()?;
            let bytes = crate::render::asset_register::render(ledger, &entries, output.format)?;
            let what = format!("the asset register ({} items)", entries.len());
            return output.deliver(&bytes, &what, out);
        }
    };
    let as_of = super::when(ledger, as_of.as_deref(), DayEdge::End)?.unwrap_or_else(|| ledger.now());
    let desk = desk.as_deref().map(|d| ledger.desk_named(d)).transpose()?;
    let mut report = ledger.overdue(as_of)?;
    if let Some(desk) = desk {
        report = report.recorded_at(&desk);
    }
    let bytes = overdue::render(ledger, &report, output.format)?;
    let what = format!("the overdue report as of {}", ledger.format_time(report.as_of));
    output.deliver(&bytes, &what, out)
}

fn disposals(
    ledger: &Ledger,
    from: Option<String>,
    to: Option<String>,
    output: &ReportOutput,
    out: &mut dyn Write,
) -> Result<()> {
    let to = super::when(ledger, to.as_deref(), DayEdge::End)?.unwrap_or_else(|| ledger.now());
    let from = super::when(ledger, from.as_deref(), DayEdge::Start)?
        .unwrap_or(to - chrono::Duration::days(custody_db::disposal::REGISTER_DAYS));
    let found = ledger.disposals(from, to)?;
    let period = (to_millis(from), to_millis(to));
    let bytes = disposal::render(ledger, &found, period, output.format)?;
    let what = format!("the disposal register ({} item(s))", found.len());
    output.deliver(&bytes, &what, out)
}

fn trust(
    ledger: &Ledger,
    (from, to): (Option<String>, Option<String>),
    desks: &[String],
    trends_only: bool,
    output: &ReportOutput,
    out: &mut dyn Write,
) -> Result<()> {
    let (month_start, month_end) = ledger.previous_month();
    let from = super::when(ledger, from.as_deref(), DayEdge::Start)?.unwrap_or(month_start);
    let to = super::when(ledger, to.as_deref(), DayEdge::End)?.unwrap_or(month_end);
    let desks = (!desks.is_empty()).then(|| ledger.desks_named(desks)).transpose()?;
    let own_last_sync = crate::sync::credentials::Credentials::read(ledger.path())?.and_then(|c| c.last_synced);
    let report = ledger.trust_report(from, to, desks.as_deref(), own_last_sync)?;
    let trends = ledger.trust_trends(custody_db::trust_report::TREND_MONTHS, desks.as_deref())?;
    let bytes = crate::render::trust::render(ledger, &report, &trends, trends_only, output.format)?;
    let what = if trends_only {
        "the trust's trends (12 months)".to_string()
    } else {
        format!(
            "the trust's report for {} to {} ({} desk(s))",
            ledger.format_time(report.from),
            ledger.format_time(report.to),
            report.desks.len()
        )
    };
    output.deliver(&bytes, &what, out)
}
