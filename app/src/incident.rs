//! `custody incident new|list|show|note`: the R9 workflow at the command line.

use std::io::Write;

use anyhow::Result;
use custody_db::time::describe_span;
use custody_db::{Custodian, DayEdge, Exposure, IcoClock, Incident, IncidentKind, Ledger, NewIncident};
use custody_labels::document::Document;

use crate::chain::Chain;

use crate::cli::IncidentCommand;
use crate::output::{Format, deliver, pdf_footer, print_fields};

pub fn run(ledger: &mut Ledger, cmd: IncidentCommand, out: &mut dyn Write) -> Result<()> {
    match cmd {
        IncidentCommand::New {
            kind,
            holder,
            container,
            at,
            discovered,
            description,
        } => {
            let who = match (holder, container) {
                (Some(h), _) => Custodian::Holder(h),
                (None, Some(c)) => Custodian::Container(c),
                (None, None) => anyhow::bail!("say whose: --holder ID or --container ID"),
            };
            let new = NewIncident {
                kind: IncidentKind::parse(&kind)?,
                who,
                occurred_at: ledger.parse_when(&at, DayEdge::Start)?,
                discovered_at: discovered.map(|d| ledger.parse_when(&d, DayEdge::Start)).transpose()?,
                description,
            };
            let (incident, marked) = ledger.open_incident(&new)?;
            writeln!(out, "Opened {} ({}).", incident.id, incident.kind.as_str())?;
            for e in &marked {
                writeln!(out, "  {} recorded as {}.", e.item, e.kind)?;
            }
            print_clock(ledger, &incident, out)?;
            writeln!(
                out,
                "Tell your Data Protection Officer now, then record it: `custody incident note {} --kind dpo-notified`.",
                incident.id
            )?;
            if incident.exposure["summary"]["alert_safeguarding_lead"] == true {
                writeln!(out, "ALERT THE SAFEGUARDING LEAD: a safeguarding flag is involved.")?;
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
            if format == Format::Json {
                writeln!(out, "{}", serde_json::to_string_pretty(&i)?)?;
                return Ok(());
            }
            print_fields(
                out,
                &[
                    ("incident", i.id.clone()),
                    ("kind", i.kind.as_str().to_string()),
                    (
                        "whose",
                        i.exposure["custodian"].as_str().unwrap_or_default().to_string(),
                    ),
                    ("happened", ledger.format_time(i.occurred_at)),
                    ("discovered", ledger.format_time(i.discovered_at)),
                    ("description", i.description.clone()),
                    (
                        "recorded",
                        format!("{} by {}", ledger.format_time(i.recorded_at), i.operator),
                    ),
                ],
            )?;
            print_clock(ledger, &i, out)?;
            writeln!(
                out,
                "\nExposed at the time ({} item(s)):",
                i.exposure["items"].as_array().map_or(0, Vec::len)
            )?;
            for x in i.exposure["items"].as_array().into_iter().flatten() {
                writeln!(
                    out,
                    "  {}  {}  {} data subject(s){}{}",
                    x["item"]["tag"].as_str().unwrap_or_default(),
                    x["item"]["kind"].as_str().unwrap_or_default(),
                    x["item"]["data_subjects"],
                    if x["item"]["special_category"] == true {
                        ", special category"
                    } else {
                        ""
                    },
                    if x["item"]["safeguarding"] == true {
                        ", SAFEGUARDING"
                    } else {
                        ""
                    },
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
                deliver(
                    &pack_json(ledger, &incident)?,
                    false,
                    Some(&file),
                    "the breach pack as JSON",
                    out,
                )?;
            }
        }
        IncidentCommand::Note { id, kind, at, text } => {
            let at = at.map(|a| ledger.parse_when(&a, DayEdge::Start)).transpose()?;
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

/// "ICO deadline 2026-11-22 21:30 — 12 hours left", unless the decision is recorded.
fn print_clock(ledger: &Ledger, i: &Incident, out: &mut dyn Write) -> Result<()> {
    writeln!(out, "{}", ico_clock(ledger, i).0)?;
    Ok(())
}

/// The ICO clock as a line for people, and whether it needs attention (see
/// [`IcoClock::needs_attention`]).
pub fn ico_clock(ledger: &Ledger, i: &Incident) -> (String, bool) {
    let clock = i.ico_clock(ledger.now());
    let state = match &clock {
        IcoClock::Decided { kind, at } => {
            return (format!("ICO: {kind} on {}.", ledger.format_time(*at)), false);
        }
        IcoClock::Passed { by } => format!("PASSED {} ago", describe_span(*by)),
        IcoClock::Running { left } if clock.needs_attention() => {
            format!("{} left \u{2014} running out", describe_span(*left))
        }
        IcoClock::Running { left } => format!("{} left", describe_span(*left)),
    };
    let line = format!(
        "ICO deadline (72 hours from discovery): {} \u{2014} {state}.",
        ledger.format_time(i.ico_deadline)
    );
    (line, clock.needs_attention())
}

/// The breach pack as a printable document: the incident, its timeline, the exposure as
/// recorded when the incident was opened, and the chain of custody of every item in it.
pub fn pack_pdf(ledger: &Ledger, i: &Incident) -> Result<Vec<u8>> {
    let exposure: Exposure = serde_json::from_value(i.exposure.clone())?;
    let mut doc = Document::new(&pdf_footer(ledger));
    doc.title(&format!("Breach pack: {}", i.id));
    doc.text(&format!("Kind: {}. Whose: {}.", i.kind.as_str(), exposure.custodian));
    doc.text(&format!(
        "Happened {}; discovered {}; recorded {} by {}.",
        ledger.format_time(i.occurred_at),
        ledger.format_time(i.discovered_at),
        ledger.format_time(i.recorded_at),
        i.operator
    ));
    doc.text(&format!("What happened: {}", i.description));
    doc.strong(&ico_clock(ledger, i).0);
    doc.heading("Timeline");
    let rows: Vec<Vec<String>> = i
        .notes
        .iter()
        .map(|n| {
            vec![
                ledger.format_time(n.at),
                n.kind.clone(),
                n.text.clone().unwrap_or_default(),
                n.operator.clone(),
            ]
        })
        .collect();
    doc.table(
        &[("When", 30.0), ("What", 36.0), ("Details", 86.0), ("By", 22.0)],
        &rows,
    );
    doc.heading("Exposure when it happened");
    doc.text(&crate::exposure::window(ledger, &exposure));
    crate::exposure::summary(&mut doc, &exposure);
    crate::exposure::items(&mut doc, ledger, &exposure);
    for x in &exposure.items {
        doc.new_page();
        Chain::read(ledger, &x.item.tag)?.write_to(&mut doc, ledger);
    }
    Ok(doc.finish())
}

/// The breach pack as JSON: `incident` (as `incident show --format json`) and `chains`, one
/// per exposed item (`item`, `events`).
pub fn pack_json(ledger: &Ledger, i: &Incident) -> Result<Vec<u8>> {
    let exposure: Exposure = serde_json::from_value(i.exposure.clone())?;
    let chains = exposure
        .items
        .iter()
        .map(|x| Ok(Chain::read(ledger, &x.item.tag)?.json(ledger)))
        .collect::<Result<Vec<_>>>()?;
    let pack = serde_json::json!({ "incident": i, "chains": chains });
    Ok(serde_json::to_vec_pretty(&pack)?)
}
