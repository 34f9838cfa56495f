//! Incidents (R9) for people: the ICO clock as a line, an incident's facts, and the breach pack
//! (PDF and JSON).

use anyhow::Result;
use custody_db::time::describe_span;
use custody_db::{IcoClock, Incident, Ledger};
use custody_labels::document::Document;

use super::{chain, exposure, pdf_footer};

/// An incident's facts as (label, value) lines, for the terminal and the screen.
pub fn fields(ledger: &Ledger, i: &Incident) -> Vec<(&'static str, String)> {
    vec![
        ("incident", i.id.clone()),
        ("kind", i.kind.as_str().to_string()),
        ("whose", i.exposure.custodian.clone()),
        ("happened", ledger.format_time(i.occurred_at)),
        ("discovered", ledger.format_time(i.discovered_at)),
        ("description", i.description.clone()),
        (
            "recorded",
            format!("{} by {}", ledger.format_time(i.recorded_at), i.operator),
        ),
        (
            "exposed",
            format!(
                "{} item(s), {} data subjects",
                i.exposure.items.len(),
                i.exposure.summary.data_subjects
            ),
        ),
    ]
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
    let exposed = &i.exposure;
    let mut doc = Document::new(&pdf_footer(ledger));
    doc.title(&format!("Breach pack: {}", i.id));
    doc.text(&format!("Kind: {}. Whose: {}.", i.kind.as_str(), exposed.custodian));
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
    doc.text(&exposure::window(ledger, exposed));
    exposure::summary(&mut doc, exposed);
    exposure::items(&mut doc, ledger, exposed);
    for x in &exposed.items {
        doc.new_page();
        chain::write_to(&ledger.chain(&x.item.tag)?, &mut doc, ledger);
    }
    Ok(doc.finish())
}

/// The breach pack as JSON: `incident` (as `incident show --format json`) and `chains`, one
/// per exposed item (`item`, `events`).
pub fn pack_json(ledger: &Ledger, i: &Incident) -> Result<Vec<u8>> {
    let chains = i
        .exposure
        .items
        .iter()
        .map(|x| Ok(chain::json(&ledger.chain(&x.item.tag)?, ledger)))
        .collect::<Result<Vec<_>>>()?;
    let pack = serde_json::json!({ "incident": i, "chains": chains });
    Ok(serde_json::to_vec_pretty(&pack)?)
}
