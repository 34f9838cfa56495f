//! What many commands share about their output: `--format` for a list, and `--format` with
//! `-o FILE` for a report. The formats themselves are rendering's ([`crate::render`]); only the
//! command line knows they are typed as flags.

use std::io::Write;
use std::path::PathBuf;

use anyhow::Result;
use clap::ValueEnum;
use clap::builder::PossibleValue;

use crate::render::{Format, ReportFormat};

/// `--format table|csv|json|pdf` and `-o FILE`: how a report is written, and where.
#[derive(Debug, Clone, clap::Args)]
pub struct ReportOutput {
    /// table, csv or json on the screen or to a file; pdf (printable) to a file
    #[arg(long, value_enum, default_value_t)]
    pub format: ReportFormat,
    /// Write to this file instead of the screen (needed for pdf; for a scheduled job)
    #[arg(short = 'o', long, value_name = "FILE")]
    pub output: Option<PathBuf>,
}

impl ReportOutput {
    /// Writes the rendered report where it was asked for, and says so.
    pub fn deliver(&self, bytes: &[u8], what: &str, out: &mut dyn Write) -> Result<()> {
        super::deliver(bytes, self.format.list().is_none(), self.output.as_deref(), what, out)
    }
}

impl ValueEnum for Format {
    fn value_variants<'a>() -> &'a [Self] {
        &Format::ALL
    }

    fn to_possible_value(&self) -> Option<PossibleValue> {
        Some(PossibleValue::new(self.name()))
    }
}

impl ValueEnum for ReportFormat {
    fn value_variants<'a>() -> &'a [Self] {
        &ReportFormat::ALL
    }

    fn to_possible_value(&self) -> Option<PossibleValue> {
        Some(PossibleValue::new(self.extension_or_name()))
    }
}
