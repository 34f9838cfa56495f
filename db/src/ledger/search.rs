//! Missing paper files and the search for them. A paper file that is overdue, or recorded lost,
//! is missing; each search (who looked, where, when, and what they found) is a `search-logged`
//! record about it. Reminders follow NHS records-management practice: search within a working
//! day of it going missing, and escalate to the DPO after five working days without finding it.

use chrono::{DateTime, Utc};
use rusqlite::params;
use serde::Serialize;
use serde_json::{Map, json};

use super::Ledger;
use crate::error::{Error, Result};
use crate::ids::{optional_text, required_text};
use crate::model::ItemKind;
use crate::operator::Action;
use crate::record::{Record, RecordKind};
use crate::state::Status;
use crate::time::{from_millis, to_millis};

/// A search should begin within this many working days of a file going missing.
pub const SEARCH_WITHIN_WORKING_DAYS: i64 = 1;
/// After this many working days still missing, it goes to the DPO.
pub const ESCALATE_AFTER_WORKING_DAYS: i64 = 5;

/// One search, as logged.
#[derive(Clone, Debug, Serialize)]
pub struct Search {
    pub at: i64,
    /// Where they looked.
    pub place: String,
    /// Who looked (a person's id and name), if not the operator who logged it.
    pub by: Option<(String, String)>,
    pub note: Option<String>,
    /// The operator who logged it.
    pub logged_by: String,
}

/// What the procedure asks for next.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Reminder {
    /// Missing since today (or since a day that was not a working day): search today.
    SearchToday,
    /// No search logged within a working day of it going missing.
    SearchOverdue,
    /// Missing for five working days or more: the DPO decides whether it is an incident.
    Escalate,
}

impl Reminder {
    pub fn describe(self) -> &'static str {
        match self {
            Reminder::SearchToday => "search for it today (within a working day of it going missing)",
            Reminder::SearchOverdue => "no search logged within a working day of it going missing: search now",
            Reminder::Escalate => {
                "missing for five working days or more: escalate to the DPO, who decides whether it is an incident"
            }
        }
    }
}

/// A paper file that is missing, with its searches.
#[derive(Clone, Debug, Serialize)]
pub struct MissingPaper {
    pub tag: String,
    pub name: String,
    pub status: Status,
    /// Who had it last (the holder if out; who had it when it was recorded lost).
    pub holder: Option<String>,
    /// When it went missing: when it was due back, or when it was recorded lost.
    pub since: i64,
    /// Working days it has been missing, today included.
    pub working_days: i64,
    pub searches: Vec<Search>,
    pub reminder: Option<Reminder>,
}

impl Ledger {
    /// The paper files missing at `now` (overdue, or recorded lost), longest missing first.
    pub fn missing_paper(&self, now: DateTime<Utc>) -> Result<Vec<MissingPaper>> {
        self.allow(Action::SeeRegister)?;
        self.missing(now, None)
    }

    /// The missing paper files at `now`, or only `tag` if it is one.
    fn missing(&self, now: DateTime<Utc>, only: Option<&str>) -> Result<Vec<MissingPaper>> {
        let now_ms = to_millis(now);
        let mut stmt = self.conn.prepare_cached(
            "SELECT i.tag, i.name, s.status, s.holder, s.since, s.due_at,
                    (SELECT e.person FROM all_events e WHERE e.item = i.tag AND e.kind IN ('lost')
                     ORDER BY e.occurred_at DESC LIMIT 1)
             FROM items i JOIN item_state s ON s.item = i.tag
             WHERE i.kind = ?1 AND (s.status = 'lost' OR (s.status = 'out' AND s.due_at < ?2))
               AND (?3 IS NULL OR i.tag = ?3)",
        )?;
        let working = self.working_days()?;
        let today = now.with_timezone(&self.tz).date_naive();
        let mut missing = Vec::new();
        let mut rows = stmt.query(params![ItemKind::PaperFile.as_str(), now_ms, only])?;
        while let Some(r) = rows.next()? {
            let (tag, name, status): (String, String, String) = (r.get(0)?, r.get(1)?, r.get(2)?);
            let (holder, since, due, lost_by): (Option<String>, Option<i64>, Option<i64>, Option<String>) =
                (r.get(3)?, r.get(4)?, r.get(5)?, r.get(6)?);
            let status = Status::parse(&status).unwrap_or(Status::Lost);
            let since = if status == Status::Out { due } else { since }.unwrap_or(now_ms);
            let went = from_millis(since).with_timezone(&self.tz).date_naive();
            let working_days = working.working_days_between(went, today);
            let searches = self.searches(&tag)?;
            let reminder = if working_days >= ESCALATE_AFTER_WORKING_DAYS {
                Some(Reminder::Escalate)
            } else if searches.is_empty() && working_days >= SEARCH_WITHIN_WORKING_DAYS {
                Some(Reminder::SearchOverdue)
            } else if searches.is_empty() {
                Some(Reminder::SearchToday)
            } else {
                None
            };
            missing.push(MissingPaper {
                tag,
                name,
                status,
                holder: holder.or(lost_by),
                since,
                working_days,
                searches,
                reminder,
            });
        }
        missing.sort_by(|a, b| (a.since, &a.tag).cmp(&(b.since, &b.tag)));
        Ok(missing)
    }

    /// Logs a search for a missing paper file: where someone looked (`by`, a person's id, or
    /// the operator), when (now if not given), and what they found.
    pub fn log_search(
        &mut self,
        tag: &str,
        place: &str,
        by: Option<&str>,
        note: Option<&str>,
        at: Option<DateTime<Utc>>,
    ) -> Result<Search> {
        self.allow(Action::RecordLossOrFind)?;
        let item = self.item(tag)?;
        let place = required_text("place searched", place)?;
        let note = optional_text("note", note)?;
        let by = by
            .map(str::trim)
            .filter(|b| !b.is_empty())
            .map(|b| self.person(b))
            .transpose()?;
        let now = self.now();
        let when = at.unwrap_or(now);
        if when > now {
            return Err(Error::TimeInFuture {
                when: self.format_time(to_millis(when)),
            });
        }
        let missing = self.missing(now, Some(&item.tag))?;
        let Some(file) = missing.first() else {
            let state = self.state(&item.tag)?;
            return Err(Error::NotAMissingFile {
                tag: item.tag,
                status: state.status.as_str(),
            });
        };
        if to_millis(when) < file.since {
            return Err(Error::InvalidText {
                field: "time of the search",
                why: format!(
                    "it is before {} went missing ({})",
                    file.tag,
                    self.format_time(file.since)
                ),
            });
        }
        let mut body = Map::new();
        body.insert("place".into(), json!(place));
        body.insert("by".into(), json!(by.as_ref().map(|p| &p.id)));
        body.insert("note".into(), json!(note));
        let mut w = self.writer()?;
        let r = w.append_record(Record::draft(
            RecordKind::SearchLogged,
            &item.tag,
            &body,
            to_millis(when),
        ))?;
        w.commit()?;
        Ok(Search {
            at: r.occurred_at,
            place,
            by: by.map(|p| (p.id, p.name)),
            note,
            logged_by: r.operator,
        })
    }

    /// The searches logged for `tag`, in the order they happened.
    pub fn searches(&self, tag: &str) -> Result<Vec<Search>> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT occurred_at, operator, json_extract(body, '$.place'), json_extract(body, '$.by'),
                    json_extract(body, '$.note')
             FROM all_records WHERE subject = ?1 AND kind = 'search-logged' ORDER BY occurred_at, seq",
        )?;
        let mut rows = stmt.query([tag])?;
        let mut found = Vec::new();
        while let Some(r) = rows.next()? {
            let by: Option<String> = r.get(3)?;
            found.push(Search {
                at: r.get(0)?,
                logged_by: r.get(1)?,
                place: r.get::<_, Option<String>>(2)?.unwrap_or_default(),
                by: by.map(|id| {
                    let name = self.person(&id).map(|p| p.name).unwrap_or_default();
                    (id, name)
                }),
                note: r.get(4)?,
            });
        }
        Ok(found)
    }
}
