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

/// The breach pack as a printable document, in the order of the ICO's breach report: what
/// happened; when it happened and was discovered; the staff involved as their record stood
/// then; the data and the people affected; the safeguards (encryption as it was); containment
/// and who else was told; reporting to the ICO. Then the chain of custody of every item.
pub fn pack_pdf(ledger: &Ledger, i: &Incident) -> Result<Vec<u8>> {
    let exposed = &i.exposure;
    let s = &exposed.summary;
    let mut doc = Document::new(&pdf_footer(ledger));
    doc.title(&format!("Breach pack: {}", i.id));
    doc.text("Arranged in the order of the ICO's personal data breach report.");

    doc.heading("1. What happened");
    doc.text(&format!(
        "A {} in the custody of {}.",
        i.kind.as_str(),
        exposed.custodian
    ));
    doc.text(&i.description);

    doc.heading("2. When it happened and when it was discovered");
    doc.text(&format!("Happened: {}.", ledger.format_time(i.occurred_at)));
    doc.text(&format!(
        "Discovered: {} (the ICO's 72 hours start here).",
        ledger.format_time(i.discovered_at)
    ));
    doc.text(&format!(
        "Recorded in Custody: {} by {}.",
        ledger.format_time(i.recorded_at),
        i.operator
    ));

    doc.heading("3. Staff involved");
    match ledger.staff_at_the_time(i)? {
        None => doc.text(&format!(
            "The items were in {}; see each item's chain of custody for who held it.",
            exposed.custodian
        )),
        Some(staff) => {
            doc.text(&format!(
                "{} ({}), as their record stood on {}:",
                staff.person.name,
                staff.person.id,
                ledger.format_time(i.occurred_at)
            ));
            for (what, said) in &staff.standing {
                doc.text(&format!("{}: {said}", what_label(what)));
            }
            for change in &staff.changed_since {
                doc.text(&format!("Recorded after the incident: {change}."));
            }
        }
    }

    doc.heading("4. The data and the people affected");
    if let Some(alert) = s.safeguarding_alert() {
        doc.strong(&alert);
    }
    if exposed.missing_earlier.is_empty() {
        doc.text(&format!("Data subjects: {} in all.", s.data_subjects));
    } else {
        doc.text(&format!(
            "Data subjects: {} affected by this breach. {} item(s) the holder lost before it, and still missing then, are listed under section 5 and not counted: they were not in their custody at the time.",
            s.data_subjects,
            exposed.missing_earlier.len()
        ));
    }
    let categories = if s.categories.is_empty() {
        "none recorded".to_string()
    } else {
        s.categories.join(", ")
    };
    doc.text(&format!("Kinds of personal data: {categories}."));
    doc.text(&format!(
        "Special category data: {} item(s). Safeguarding information: {} item(s).",
        s.special_category_items, s.safeguarding_items
    ));

    doc.heading("5. Safeguards in place");
    doc.text(&format!(
        "{} device(s) encrypted, {} device(s) NOT encrypted, {} paper file(s), as recorded at the time.",
        s.devices_encrypted, s.devices_unencrypted, s.paper_files
    ));
    doc.text(&exposure::window(ledger, exposed));
    exposure::items(&mut doc, ledger, exposed);

    doc.heading("6. Containment, and who else was told");
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
    if rows.is_empty() {
        doc.text("Nothing on the incident's timeline yet.");
    } else {
        doc.table(
            &[("When", 30.0), ("What", 36.0), ("Details", 86.0), ("By", 22.0)],
            &rows,
        );
    }

    doc.heading("7. Reporting to the ICO");
    doc.strong(&ico_clock(ledger, i).0);
    if let Some(hours) = i.hours_to_report() {
        doc.text(&format!("Reported {hours} hour(s) after discovery."));
    }

    for x in &exposed.items {
        doc.new_page();
        chain::write_to(&ledger.chain(&x.item.tag)?, &mut doc, ledger);
    }
    Ok(doc.finish())
}

/// "Agreement", "Risk assessment", "Information-governance training".
fn what_label(what: &str) -> String {
    match what {
        "training" => "Information-governance training".to_string(),
        other => {
            let mut c = other.chars();
            c.next()
                .map(|f| f.to_uppercase().collect::<String>() + c.as_str())
                .unwrap_or_default()
        }
    }
}

/// The breach pack as JSON: `incident` (as `incident show --format json`), `staff` (the
/// holder's record as it stood then, or null), `hours_to_report`, and `chains`, one per
/// exposed item (`item`, `events`).
pub fn pack_json(ledger: &Ledger, i: &Incident) -> Result<Vec<u8>> {
    let chains = i
        .exposure
        .items
        .iter()
        .map(|x| Ok(chain::json(&ledger.chain(&x.item.tag)?, ledger)))
        .collect::<Result<Vec<_>>>()?;
    let pack = serde_json::json!({
        "incident": i,
        "staff": ledger.staff_at_the_time(i)?,
        "hours_to_report": i.hours_to_report(),
        "chains": chains,
    });
    Ok(serde_json::to_vec_pretty(&pack)?)
}
