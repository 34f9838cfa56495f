//! `custody incident new|list|show|pack|note`: the R9 workflow at the command line.

use std::io::Write;
use std::path::PathBuf;

use anyhow::Result;
use clap::Subcommand;
use custody_db::{DayEdge, IncidentKind, Ledger, NewIncident};

use super::{deliver, when};
use crate::render::incident::{fields, ico_clock, pack_json, pack_pdf};
use crate::render::print_fields;

/// An incident is a page, not a table: text to read, or JSON for a program (no CSV).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, clap::ValueEnum)]
pub enum ShowFormat {
    #[default]
    Table,
    Json,
}

#[derive(Debug, Subcommand)]
pub enum IncidentCommand {
    /// Open an incident from the exposure at the moment it happened; what was still held is marked lost or stolen
    #[command(group(clap::ArgGroup::new("whose").required(true).args(["holder", "container"])))]
    New {
        /// loss | theft | disclosure
        #[arg(long)]
        kind: String,
        #[arg(long, value_name = "ID")]
        holder: Option<String>,
        #[arg(long, value_name = "ID")]
        container: Option<String>,
        /// When it happened
        #[arg(long, value_name = "WHEN")]
        at: String,
        /// When the organisation became aware (the ICO's 72 hours start) [default: now]
        #[arg(long, value_name = "WHEN")]
        discovered: Option<String>,
        #[arg(long)]
        description: String,
    },
    /// Every incident, the latest first, with its ICO clock
    List,
    /// One incident: the exposure, the timeline, the ICO clock (as text, or JSON)
    Show {
        id: String,
        #[arg(long, value_enum, default_value_t)]
        format: ShowFormat,
    },
    /// The breach pack: the incident, its timeline, the exposure and each item's chain of custody
    #[command(group(clap::ArgGroup::new("pack").required(true).multiple(true).args(["pdf", "json"])))]
    Pack {
        id: String,
        /// Write the printable pack here
        #[arg(long, value_name = "FILE")]
        pdf: Option<PathBuf>,
        /// Write the same as JSON here (keys documented in the README)
        #[arg(long, value_name = "FILE")]
        json: Option<PathBuf>,
    },
    /// Add to the timeline: dpo-notified | safeguarding-alerted | police-reference | ico-reported | ico-not-reported | note
    Note {
        id: String,
        #[arg(long)]
        kind: String,
        /// When it happened [default: now]
        #[arg(long, value_name = "WHEN")]
        at: Option<String>,
        /// The reference, the reason, or what was said
        #[arg(long)]
        text: Option<String>,
    },
}

pub fn run(cmd: IncidentCommand, ledger: &mut Ledger, out: &mut dyn Write) -> Result<()> {
    match cmd {
        IncidentCommand::New {
            kind,
            holder,
            container,
            at,
            discovered,
            description,
        } => {
            let new = NewIncident {
                kind: IncidentKind::parse(&kind)?,
                who: super::exposure::custodian(holder, container),
                occurred_at: ledger.parse_when(&at, DayEdge::Start)?,
                discovered_at: when(ledger, discovered.as_deref(), DayEdge::Start)?,
                description,
            };
            let (incident, marked) = ledger.open_incident(&new)?;
            writeln!(out, "Opened {} ({}).", incident.id, incident.kind.as_str())?;
            for e in &marked {
                writeln!(out, "  {} recorded as {}.", e.item, e.kind)?;
            }
            writeln!(out, "{}", ico_clock(ledger, &incident).0)?;
            writeln!(
                out,
                "Tell your Data Protection Officer now, then record it: `custody incident note {} --kind dpo-notified`.",
                incident.id
            )?;
            if let Some(alert) = incident.exposure.summary.safeguarding_alert() {
                writeln!(out, "{alert}")?;
            }
        }
        IncidentCommand::List => {
            for i in ledger.incidents()? {
                writeln!(
                    out,
                    "{}  {:<10}  happened {}  {}\n    {}",
                    i.id,
                    i.kind.as_str(),
                    ledger.format_time(i.occurred_at),
                    i.description,
                    ico_clock(ledger, &i).0
                )?;
            }
        }
        IncidentCommand::Show { id, format } => {
            let i = ledger.incident(&id)?;
            if format == ShowFormat::Json {
                writeln!(out, "{}", serde_json::to_string_pretty(&i)?)?;
                return Ok(());
            }
            print_fields(out, &fields(ledger, &i))?;
            writeln!(out, "{}", ico_clock(ledger, &i).0)?;
            writeln!(out, "\nExposed at the time ({} item(s)):", i.exposure.items.len())?;
            for x in &i.exposure.items {
                writeln!(
                    out,
                    "  {}  {}  {} data subject(s){}{}",
                    x.item.tag,
                    x.item.kind.as_str(),
                    x.item.data_subjects,
                    if x.item.special_category {
                        ", special category"
                    } else {
                        ""
                    },
                    if x.item.safeguarding { ", SAFEGUARDING" } else { "" },
                )?;
            }
            writeln!(out, "\nTimeline:")?;
            for n in &i.notes {
                writeln!(
                    out,
                    "  {}  {}{}  (recorded by {})",
                    ledger.format_time(n.at),
                    n.kind,
                    n.text.as_deref().map(|t| format!(": {t}")).unwrap_or_default(),
                    n.operator
                )?;
            }
        }
        IncidentCommand::Pack { id, pdf, json } => {
            let incident = ledger.incident(&id)?;
            if let Some(file) = pdf {
                deliver(&pack_pdf(ledger, &incident)?, true, Some(&file), "the breach pack", out)?;
            }
            if let Some(file) = json {
                let bytes = pack_json(ledger, &incident)?;
                deliver(&bytes, false, Some(&file), "the breach pack as JSON", out)?;
            }
        }
        IncidentCommand::Note { id, kind, at, text } => {
            let at = when(ledger, at.as_deref(), DayEdge::Start)?;
            let note = ledger.add_incident_note(&id, &kind, at, text.as_deref())?;
            writeln!(
                out,
                "Added to {}: {} at {}.",
                id.trim().to_ascii_uppercase(),
                note.kind,
                ledger.format_time(note.at)
            )?;
        }
    }
    Ok(())
}
