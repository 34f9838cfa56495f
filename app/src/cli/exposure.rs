//! `custody exposure`: what a holder or container had at a moment or during a window.

use std::io::Write;

use anyhow::Result;
use clap::Args;
use custody_db::{Custodian, DayEdge, Ledger};

use super::output::ReportOutput;
use crate::render::exposure;

#[derive(Debug, Args)]
#[command(group(clap::ArgGroup::new("whose").required(true).args(["holder", "container"])))]
#[command(group(clap::ArgGroup::new("when").required(true).args(["at", "from"])))]
pub struct ExposureArgs {
    #[arg(long, value_name = "ID")]
    holder: Option<String>,
    #[arg(long, value_name = "ID")]
    container: Option<String>,
    #[arg(long, value_name = "WHEN")]
    at: Option<String>,
    #[arg(long, value_name = "WHEN", requires = "to")]
    from: Option<String>,
    #[arg(long, value_name = "WHEN", requires = "from")]
    to: Option<String>,
    /// Only the custody this desk of the trust recorded (its name)
    #[arg(long, value_name = "NAME")]
    desk: Option<String>,
    #[command(flatten)]
    output: ReportOutput,
}

/// `--holder ID` or `--container ID` (clap makes sure one is given).
pub fn custodian(holder: Option<String>, container: Option<String>) -> Custodian {
    match (holder, container) {
        (Some(h), _) => Custodian::Holder(h),
        (None, c) => Custodian::Container(c.unwrap_or_default()),
    }
}

pub fn run(args: ExposureArgs, ledger: &Ledger, out: &mut dyn Write) -> Result<()> {
    let who = custodian(args.holder, args.container);
    let (from, to) = match (&args.at, &args.from, &args.to) {
        (Some(at), _, _) => {
            let t = ledger.parse_when(at, DayEdge::Start)?;
            (t, t)
        }
        (None, from, to) => (
            ledger.parse_when(from.as_deref().unwrap_or_default(), DayEdge::Start)?,
            ledger.parse_when(to.as_deref().unwrap_or_default(), DayEdge::End)?,
        ),
    };
    let desk = args.desk.as_deref().map(|d| ledger.desk_named(d)).transpose()?;
    let mut found = ledger.exposure(&who, from, to)?;
    if let Some(desk) = desk {
        found = found.recorded_at(&desk);
    }
    let bytes = exposure::render(ledger, &found, args.output.format)?;
    let what = format!("the exposure of {}", found.custodian);
    args.output.deliver(&bytes, &what, out)
}
