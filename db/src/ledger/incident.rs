//! Incidents (rule R9): a loss, theft or unauthorised disclosure, opened from an exposure
//! lookup. Opening one marks the items that were with the holder lost or stolen in the ledger
//! and keeps the exposure as it was then; a timeline of notes follows (DPO notified,
//! safeguarding lead alerted, police reference, ICO reported or not, and why). All append-only.

use chrono::{DateTime, Datelike, Duration, Utc};
use rusqlite::{OptionalExtension, Row, params};
use serde::Serialize;

use super::Ledger;
use super::exposure::{Custodian, Exposure};
use crate::error::{Error, Result};
use crate::event::Event;
use crate::ids::{optional_text, required_text};
use crate::model::EventKind;
use crate::record::{Record, RecordKind};
use crate::state::Status;
use crate::time::to_millis;

/// The ICO must be told within 72 hours of the organisation becoming aware (UK GDPR Art. 33).
pub const ICO_HOURS: i64 = 72;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum IncidentKind {
    Loss,
    Theft,
    Disclosure,
}

impl IncidentKind {
    pub fn as_str(self) -> &'static str {
        match self {
            IncidentKind::Loss => "loss",
            IncidentKind::Theft => "theft",
            IncidentKind::Disclosure => "disclosure",
        }
    }

    pub fn parse(s: &str) -> Result<IncidentKind> {
        match s.trim().to_ascii_lowercase().as_str() {
            "loss" | "lost" => Ok(IncidentKind::Loss),
            "theft" | "stolen" => Ok(IncidentKind::Theft),
            "disclosure" => Ok(IncidentKind::Disclosure),
            _ => Err(Error::InvalidText {
                field: "incident kind",
                why: format!("{s:?} is not one of loss, theft, disclosure"),
            }),
        }
    }
}

/// What happens on an incident's timeline.
pub const NOTE_KINDS: [&str; 6] = [
    "dpo-notified",
    "safeguarding-alerted",
    "police-reference",
    "ico-reported",
    "ico-not-reported",
    "note",
];

#[derive(Clone, Debug, Serialize)]
pub struct IncidentNote {
    pub seq: i64,
    pub kind: String,
    pub at: i64,
    pub text: Option<String>,
    pub recorded_at: i64,
    pub operator: String,
}

#[derive(Clone, Debug, Serialize)]
pub struct Incident {
    pub id: String,
    pub kind: IncidentKind,
    pub holder: Option<String>,
    pub container: Option<String>,
    pub occurred_at: i64,
    pub discovered_at: i64,
    /// When the ICO must have been told by.
    pub ico_deadline: i64,
    pub description: String,
    /// The exposure at the moment it happened, as it was recorded then.
    pub exposure: Exposure,
    pub recorded_at: i64,
    pub operator: String,
    pub notes: Vec<IncidentNote>,
}

/// The member of staff an incident is about, as their record stood when it happened (the ICO
/// asks whether they had been trained, and the policy whether they had an agreement and a risk
/// assessment), and what was recorded about them since.
#[derive(Clone, Debug, Serialize)]
pub struct StaffAtTheTime {
    pub person: crate::model::Person,
    /// ("agreement" | "risk assessment" | "training", how it stood that day, in words).
    pub standing: Vec<(&'static str, String)>,
    /// Changes to their record made after the incident: "training: none -> 01/12/2026 on …".
    pub changed_since: Vec<String>,
}

/// Where the 72-hour ICO clock stands.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum IcoClock {
    /// The ICO decision (`ico-reported` or `ico-not-reported`) is on the timeline.
    Decided {
        kind: String,
        at: i64,
    },
    Running {
        left: Duration,
    },
    Passed {
        by: Duration,
    },
}

/// Under this much time left, the clock needs attention.
pub const ICO_RUNNING_OUT_HOURS: i64 = 24;

impl IcoClock {
    /// Less than a day left, or passed, with no decision recorded.
    pub fn needs_attention(&self) -> bool {
        match self {
            IcoClock::Decided { .. } => false,
            IcoClock::Running { left } => left.num_hours() < ICO_RUNNING_OUT_HOURS,
            IcoClock::Passed { .. } => true,
        }
    }
}

impl Incident {
    /// How many whole hours after discovery the ICO was told, once it was.
    pub fn hours_to_report(&self) -> Option<i64> {
        self.notes
            .iter()
            .find(|n| n.kind == "ico-reported")
            .map(|n| hours_to_report(self.discovered_at, n.at))
    }

    /// The ICO clock at `now`: the decision once recorded, else the time left or overdue.
    pub fn ico_clock(&self, now: DateTime<Utc>) -> IcoClock {
        if let Some(n) = self
            .notes
            .iter()
            .find(|n| n.kind == "ico-reported" || n.kind == "ico-not-reported")
        {
            return IcoClock::Decided {
                kind: n.kind.clone(),
                at: n.at,
            };
        }
        let left = Duration::milliseconds(self.ico_deadline - to_millis(now));
        if left.num_minutes() <= 0 {
            IcoClock::Passed { by: -left }
        } else {
            IcoClock::Running { left }
        }
    }
}

/// Whole hours from an incident's discovery to the ICO's being told (Unix ms both).
pub(crate) fn hours_to_report(discovered_at: i64, reported_at: i64) -> i64 {
    Duration::milliseconds(reported_at - discovered_at).num_hours()
}

/// A new incident.
#[derive(Clone, Debug)]
pub struct NewIncident {
    pub kind: IncidentKind,
    pub who: Custodian,
    pub occurred_at: DateTime<Utc>,
    /// When the organisation became aware; now if not given.
    pub discovered_at: Option<DateTime<Utc>>,
    pub description: String,
}

const COLUMNS: &str =
    "id, kind, holder, container, occurred_at, discovered_at, description, exposure, recorded_at, operator";

fn incident_from_row(r: &Row<'_>) -> rusqlite::Result<Incident> {
    let kind: String = r.get(1)?;
    let exposure: String = r.get(7)?;
    let discovered_at: i64 = r.get(5)?;
    Ok(Incident {
        id: r.get(0)?,
        kind: IncidentKind::parse(&kind).unwrap_or(IncidentKind::Loss),
        holder: r.get(2)?,
        container: r.get(3)?,
        occurred_at: r.get(4)?,
        discovered_at,
        ico_deadline: discovered_at + Duration::hours(ICO_HOURS).num_milliseconds(),
        description: r.get(6)?,
        exposure: serde_json::from_str(&exposure)
            .map_err(|e| rusqlite::Error::FromSqlConversionFailure(7, rusqlite::types::Type::Text, Box::new(e)))?,
        recorded_at: r.get(8)?,
        operator: r.get(9)?,
        notes: Vec::new(),
    })
}

/// "Already missing before this incident, not part of it: LT-0042 (lost 05/05/2025 14:00,
/// incident INC-2025-0003)." for an exposure with items missing earlier.
fn missing_earlier_note(ledger: &Ledger, exposure: &Exposure) -> Option<String> {
    if exposure.missing_earlier.is_empty() {
        return None;
    }
    let named: Vec<String> = exposure
        .missing_earlier
        .iter()
        .map(|m| {
            let incident = m
                .incident
                .as_ref()
                .map(|i| format!(", incident {i}"))
                .unwrap_or_default();
            format!(
                "{} ({} {}{incident})",
                m.item.tag,
                m.how,
                ledger.format_time(m.missing_since)
            )
        })
        .collect();
    // A note holds 500 characters: name the first few, count the rest (the snapshot has all).
    const NAMED: usize = 5;
    let more = match named.len().saturating_sub(NAMED) {
        0 => String::new(),
        n => format!("; and {n} more (see the exposure)"),
    };
    Some(format!(
        "Already missing before this incident, so not part of it and not counted: {}{more}.",
        named[..named.len().min(NAMED)].join("; ")
    ))
}

impl Ledger {
    /// Opens an incident: takes the exposure at the moment it happened, marks every item that
    /// was then with the holder (or in the container) and still is as lost or stolen, and stores
    /// both. What they lost before and was still missing is not recorded again: a note on the
    /// timeline names it, as context. All of it, or none.
    pub fn open_incident(&mut self, new: &NewIncident) -> Result<(Incident, Vec<Event>)> {
        self.allow(crate::operator::Action::Incidents)?;
        let description = required_text("description", &new.description)?;
        let now = self.clock.now();
        let discovered = new.discovered_at.unwrap_or(now);
        if new.occurred_at > now || discovered > now {
            return Err(Error::TimeInFuture {
                when: self.format_time(to_millis(new.occurred_at.max(discovered))),
            });
        }
        if discovered < new.occurred_at {
            return Err(Error::InvalidText {
                field: "discovery time",
                why: "it is before the incident happened".to_string(),
            });
        }
        let exposure = self.exposure(&new.who, new.occurred_at, new.occurred_at)?;
        let snapshot = serde_json::to_string(&exposure).map_err(|e| Error::InvalidText {
            field: "exposure",
            why: e.to_string(),
        })?;
        let (holder, container) = match &new.who {
            Custodian::Holder(_) => (Some(exposure.custodian_id.clone()), None),
            Custodian::Container(_) => (None, Some(exposure.custodian_id.clone())),
        };
        let year = new.occurred_at.with_timezone(&self.tz).year();
        let (id, marked) = self.in_transaction(|ledger| {
            let mut marked = Vec::new();
            let mark = match new.kind {
                IncidentKind::Loss => Some(EventKind::Lost),
                IncidentKind::Theft => Some(EventKind::Stolen),
                IncidentKind::Disclosure => None,
            };
            if let Some(kind) = mark {
                for exposed in exposure.items.iter().filter(|x| x.held_until.is_none()) {
                    let state = ledger.state(&exposed.item.tag)?;
                    let still_there = state.status == Status::Out
                        && (holder.is_some() && state.holder == holder
                            || container.is_some() && state.container == container);
                    if still_there {
                        let note = format!("{description} (incident)");
                        marked.push(ledger.record(&exposed.item.tag, kind, Some(new.occurred_at), Some(&note))?);
                    }
                }
            }
            let count: i64 = ledger.conn.query_row(
                "SELECT count(*) FROM incidents WHERE id LIKE ?1",
                [format!("INC-{year}-%")],
                |r| r.get(0),
            )?;
            let id = format!("INC-{year}-{:04}", count + 1);
            let row = serde_json::json!({
                "kind": new.kind.as_str(),
                "holder": holder,
                "container": container,
                "occurred_at": to_millis(new.occurred_at),
                "discovered_at": to_millis(discovered),
                "description": description,
                "exposure": snapshot,
                "recorded_at": to_millis(now),
                "operator": ledger.operator,
            });
            let mut w = ledger.writer()?;
            if let serde_json::Value::Object(mut fields) = row.clone() {
                fields.insert("notes".to_string(), serde_json::Value::Array(Vec::new()));
                let opened = Record::draft(RecordKind::IncidentOpened, &id, &fields, to_millis(new.occurred_at));
                w.append_record(opened)?;
            }
            w.conn().execute(
                &format!("INSERT INTO incidents ({COLUMNS}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)"),
                params![
                    id,
                    new.kind.as_str(),
                    holder,
                    container,
                    to_millis(new.occurred_at),
                    to_millis(discovered),
                    description,
                    snapshot,
                    to_millis(now),
                    w.ledger.operator
                ],
            )?;
            w.commit()?;
            if let Some(context) = missing_earlier_note(ledger, &exposure) {
                ledger.add_incident_note(&id, "note", Some(now), Some(&context))?;
            }
            Ok((id, marked))
        })?;
        Ok((self.incident(&id)?, marked))
    }

    /// The holder an incident is about, as their record stood when it happened; `None` for a
    /// container's incident.
    pub fn staff_at_the_time(&self, i: &Incident) -> Result<Option<StaffAtTheTime>> {
        self.allow(crate::operator::Action::SeeIncidents)?;
        let Some(holder) = &i.holder else { return Ok(None) };
        let person = self.person_as_of(holder, i.occurred_at)?;
        let day = crate::time::from_millis(i.occurred_at)
            .with_timezone(&self.tz)
            .date_naive();
        let standing = crate::policy::standing(&person.home, day)
            .into_iter()
            .map(|(what, _, said)| (what, said))
            .collect();
        let changed_since = self
            .person_records(holder)?
            .into_iter()
            .filter(|r| !r.kind.creates() && r.occurred_at > i.occurred_at)
            .flat_map(|r| {
                let when = self.format_time(r.occurred_at);
                r.changes.into_iter().map(move |c| format!("{c} on {when}"))
            })
            .collect();
        Ok(Some(StaffAtTheTime {
            person,
            standing,
            changed_since,
        }))
    }

    /// One incident with its timeline.
    pub fn incident(&self, id: &str) -> Result<Incident> {
        self.allow(crate::operator::Action::SeeIncidents)?;
        let id = id.trim().to_ascii_uppercase();
        let mut incident = self
            .conn
            .query_row(
                &format!("SELECT {COLUMNS} FROM incidents WHERE id = ?1"),
                [&id],
                incident_from_row,
            )
            .optional()?
            .ok_or_else(|| Error::UnknownIncident(id.clone()))?;
        incident.notes = self.incident_notes(&id)?;
        self.name_later_changes(&mut incident)?;
        Ok(incident)
    }

    fn incident_notes(&self, id: &str) -> Result<Vec<IncidentNote>> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT seq, kind, at, text, recorded_at, operator FROM incident_notes WHERE incident = ?1 ORDER BY seq",
        )?;
        let notes = stmt.query_map([id], |r| {
            Ok(IncidentNote {
                seq: r.get(0)?,
                kind: r.get(1)?,
                at: r.get(2)?,
                text: r.get(3)?,
                recorded_at: r.get(4)?,
                operator: r.get(5)?,
            })
        })?;
        Ok(notes.collect::<rusqlite::Result<_>>()?)
    }

    /// The snapshot keeps each item as it was when the incident happened; changes to an item's
    /// record made since (encrypted after the theft?) are named beside it, never merged in.
    fn name_later_changes(&self, incident: &mut Incident) -> Result<()> {
        for x in &mut incident.exposure.items {
            let later = self.item_changes_after(&x.item.tag, incident.occurred_at)?;
            for change in later {
                if !x.changed_later.contains(&change) {
                    x.changed_later.push(change);
                }
            }
        }
        Ok(())
    }

    /// Every incident, the latest first, each with its timeline.
    pub fn incidents(&self) -> Result<Vec<Incident>> {
        self.allow(crate::operator::Action::SeeIncidents)?;
        let mut stmt = self
            .conn
            .prepare(&format!("SELECT {COLUMNS} FROM incidents ORDER BY recorded_at DESC"))?;
        let rows = stmt.query_map([], incident_from_row)?;
        let mut incidents: Vec<Incident> = rows.collect::<rusqlite::Result<_>>()?;
        for i in &mut incidents {
            i.notes = self.incident_notes(&i.id)?;
            self.name_later_changes(i)?;
        }
        Ok(incidents)
    }

    /// Adds to an incident's timeline: `kind` is one of [`NOTE_KINDS`]; `at` defaults to now.
    pub fn add_incident_note(
        &mut self,
        id: &str,
        kind: &str,
        at: Option<DateTime<Utc>>,
        text: Option<&str>,
    ) -> Result<IncidentNote> {
        self.allow(crate::operator::Action::Incidents)?;
        let incident = self.incident(id)?;
        let kind = NOTE_KINDS
            .iter()
            .find(|k| k.eq_ignore_ascii_case(kind.trim()))
            .ok_or_else(|| Error::InvalidText {
                field: "note kind",
                why: format!("{kind:?} is not one of {}", NOTE_KINDS.join(", ")),
            })?;
        let text = optional_text("note", text)?;
        if matches!(*kind, "police-reference" | "ico-not-reported" | "note") && text.is_none() {
            return Err(Error::InvalidText {
                field: "note",
                why: format!("a {kind} note needs its text (the reference, or the reason)"),
            });
        }
        let now = self.clock.now();
        let at = at.unwrap_or(now);
        if at > now {
            return Err(Error::TimeInFuture {
                when: self.format_time(to_millis(at)),
            });
        }
        let seq = incident.notes.len() as i64 + 1;
        let note = serde_json::json!({
            "seq": seq,
            "kind": kind,
            "at": to_millis(at),
            "text": text,
            "recorded_at": to_millis(now),
            "operator": self.operator,
        });
        let mut fields = serde_json::Map::new();
        fields.insert("note".to_string(), note);
        let mut w = self.writer()?;
        w.append_record(Record::draft(
            RecordKind::IncidentNoted,
            &incident.id,
            &fields,
            to_millis(at),
        ))?;
        w.conn().execute(
            "INSERT INTO incident_notes (incident, seq, kind, at, text, recorded_at, operator)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
            params![
                incident.id,
                seq,
                kind,
                to_millis(at),
                text,
                to_millis(now),
                w.ledger.operator
            ],
        )?;
        w.commit()?;
        Ok(IncidentNote {
            seq,
            kind: kind.to_string(),
            at: to_millis(at),
            text,
            recorded_at: to_millis(now),
            operator: self.operator.clone(),
        })
    }
}
