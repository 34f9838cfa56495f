//! Rendering for both front ends: tables for the terminal, CSV, JSON, and the printable PDFs
//! (the overdue report with its slips, exposure, chain of custody, breach pack). Everything here
//! turns what the ledger answered into text or bytes; nothing decides what is allowed, writes to
//! the ledger, or knows which front end asked.

pub mod asset_register;
pub mod chain;
pub mod desk;
pub mod disposal;
pub mod export;
pub mod exposure;
pub mod handover;
pub mod history;
pub mod incident;
pub mod labels;
pub mod missing;
pub mod overdue;
pub mod receipt;
pub mod spot_check;
pub mod stocktake;
pub mod table;
pub mod trust;

pub use table::{Cell, CsvRows, Table, print_fields};

/// How a list is printed.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Format {
    #[default]
    Table,
    Csv,
    Json,
}

impl Format {
    pub const ALL: [Format; 3] = [Format::Table, Format::Csv, Format::Json];

    pub fn name(self) -> &'static str {
        match self {
            Format::Table => "table",
            Format::Csv => "csv",
            Format::Json => "json",
        }
    }
}

/// How a report is written: as a list, or as a printable PDF.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum ReportFormat {
    #[default]
    Table,
    Csv,
    Json,
    Pdf,
}

impl ReportFormat {
    pub const ALL: [ReportFormat; 4] = [
        ReportFormat::Table,
        ReportFormat::Csv,
        ReportFormat::Json,
        ReportFormat::Pdf,
    ];

    /// Its name: the list format's, or "pdf".
    pub fn extension_or_name(self) -> &'static str {
        self.list().map_or("pdf", Format::name)
    }

    /// The list format, or `None` for PDF.
    pub fn list(self) -> Option<Format> {
        match self {
            ReportFormat::Table => Some(Format::Table),
            ReportFormat::Csv => Some(Format::Csv),
            ReportFormat::Json => Some(Format::Json),
            ReportFormat::Pdf => None,
        }
    }

    /// The file extension for a report in this format.
    pub fn extension(self) -> &'static str {
        match self {
            ReportFormat::Table => "txt",
            ReportFormat::Csv => "csv",
            ReportFormat::Json => "json",
            ReportFormat::Pdf => "pdf",
        }
    }
}

/// The foot of every page of a printed report: whose, when and by whom it was made, and the
/// ledger's head then, so that a printed page witnesses how far the record went.
pub fn pdf_footer(ledger: &custody_db::Ledger) -> String {
    let org = ledger.organisation().ok().flatten().unwrap_or_default();
    let head = ledger
        .chain_head()
        .map(|(seq, hash)| format!("  \u{b7}  ledger at entry {seq} ({hash})"))
        .unwrap_or_default();
    let root = ledger
        .root_fingerprint()
        .ok()
        .flatten()
        .map(|root| format!("\nSigned entries check back to the ledger's root key {root}"))
        .unwrap_or_default();
    format!(
        "{org}  \u{b7}  Custody  \u{b7}  made {} by {}{head}{root}",
        ledger.format_time(custody_db::time::to_millis(ledger.now())),
        ledger.operator()
    )
}

/// "yes" or "no", as every table and page says it.
pub fn yes_no(b: bool) -> &'static str {
    if b { "yes" } else { "no" }
}
