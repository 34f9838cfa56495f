//! `custody dispose TAG --method METHOD --reference REF [--witness PERSON]` (R11).

use std::io::Write;

use anyhow::Result;
use clap::Args;
use custody_db::disposal::{Method, NewDisposal};
use custody_db::{DayEdge, Ledger};

#[derive(Debug, Args)]
pub struct DisposeArgs {
    tag: String,
    /// certified-destruction (devices: the disposal process) or cross-cut-shredding (paper)
    #[arg(long)]
    method: String,
    /// The certificate of data destruction's number, or the shredding log's reference
    #[arg(long, value_name = "REF")]
    reference: String,
    /// Who saw it destroyed (a person's id; required for paper)
    #[arg(long, value_name = "PERSON")]
    witness: Option<String>,
    /// When it was destroyed, if earlier than now
    #[arg(long, value_name = "WHEN")]
    at: Option<String>,
}

pub fn dispose(args: DisposeArgs, ledger: &mut Ledger, out: &mut dyn Write) -> Result<()> {
    let d = ledger.dispose(&NewDisposal {
        tag: &args.tag,
        method: Method::parse(&args.method)?,
        reference: &args.reference,
        witness: args.witness.as_deref(),
        at: super::when(ledger, args.at.as_deref(), DayEdge::Start)?,
    })?;
    let witness = d
        .witness
        .as_ref()
        .map(|(id, name)| format!(", witnessed by {name} ({id})"))
        .unwrap_or_default();
    writeln!(
        out,
        "Disposed of {} ({}) on {} by {}, reference {}{witness}. It can never be signed out again.",
        d.tag,
        d.name,
        ledger.format_time(d.at),
        d.method.describe(),
        d.reference
    )?;
    Ok(())
}
