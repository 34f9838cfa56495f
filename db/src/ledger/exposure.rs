//! Exposure lookup: everything a holder (or a bag, case or car) had at a moment or at any time
//! in a window, from the ledger's history, with the personal data it carried.
//!
//! Custody is worked out per item by replaying its events that count (corrections applied): a
//! custody period starts when the item is signed out or transferred to the holder (or put in
//! the container) and ends at its return, its hand-on, or the moment it was lost or stolen (it
//! was theirs at that moment, and no longer after). Finding it does not resume their custody:
//! only a new sign-out does. So the exposure at a moment counts only what was held then; what
//! they lost earlier and is still missing is listed apart (`missing_earlier`), named but not
//! counted, because a breach report counts the people affected by *this* breach.
//!
//! Where the record is uncertain (desks disagree about an item, see `ledger/sync`), everyone it
//! was signed out to counts as a possible holder until their own custody ends: the safe answer.

use chrono::{DateTime, Utc};
use rusqlite::{OptionalExtension, params};
use serde::{Deserialize, Serialize};

use super::Ledger;
use super::records::most_exposing;
use crate::error::Result;
use crate::event::Event;
use crate::model::{EventKind, Item};
use crate::time::to_millis;

/// Whose exposure.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Custodian {
    Holder(String),
    Container(String),
}

/// One item in the custodian's hands during the window.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Exposed {
    pub item: Item,
    /// When this custody began (sign-out or transfer).
    pub held_from: i64,
    /// When it ended; `None` while still held. For an item lost or stolen, the moment it went.
    pub held_until: Option<i64>,
    /// How it ended: "signed in", "transferred to S002", "lost", "stolen" ("…, found later"
    /// once it turned up), or "still out".
    pub ended_by: String,
    /// The desk that recorded the custody's start (its id).
    #[serde(default)]
    pub desk: Option<String>,
    /// Desks disagree about the item: this custody is possible, not certain.
    #[serde(default)]
    pub conflict: bool,
    /// Events of this item that were corrected (voided): what the record said, and why not.
    pub corrections: Vec<String>,
    /// Changes to its record made after the custody counted here ended (or after the moment):
    /// "encrypted: no -> yes on 2026-12-01 10:14". The profile above is the one it had then.
    #[serde(default)]
    pub changed_later: Vec<String>,
}

/// An item the custodian lost (or had stolen) before the moment or window, still missing then:
/// not in their custody, not counted, but named, since the DPO will be asked about it.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct MissingEarlier {
    /// Its record as it was when it went missing.
    pub item: Item,
    /// When the custody that ended in the loss began.
    pub held_from: i64,
    /// When it went missing.
    pub missing_since: i64,
    /// "lost" or "stolen".
    pub how: String,
    /// The incident that covers it, if one was opened for that custody.
    pub incident: Option<String>,
    /// The desk that recorded the custody's start (its id).
    pub desk: Option<String>,
}

/// The answer to "what was in their custody then?".
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct Exposure {
    /// "Sam Jones (S001)".
    pub custodian: String,
    /// "S001": the person's or container's id.
    pub custodian_id: String,
    pub from: i64,
    pub to: i64,
    /// What they held at the moment, or at any time in the window: what the summary counts.
    pub items: Vec<Exposed>,
    /// What they lost before and was still missing at the moment (or the window's start).
    #[serde(default)]
    pub missing_earlier: Vec<MissingEarlier>,
    pub summary: ExposureSummary,
}

#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct ExposureSummary {
    pub devices_encrypted: u32,
    pub devices_unencrypted: u32,
    pub paper_files: u32,
    pub data_subjects: u64,
    pub special_category_items: u32,
    pub safeguarding_items: u32,
    /// A safeguarding flag is present: the safeguarding lead must be alerted.
    pub alert_safeguarding_lead: bool,
    /// Every kind of personal data the items carried, e.g. contact, health.
    #[serde(default)]
    pub categories: Vec<String>,
}

impl Exposure {
    /// Only the custody recorded at one desk of the trust (its id), the summary counted again.
    pub fn recorded_at(mut self, desk: &str) -> Exposure {
        self.items.retain(|x| x.desk.as_deref() == Some(desk));
        self.missing_earlier.retain(|x| x.desk.as_deref() == Some(desk));
        self.summary = summarise(&self.items);
        self
    }
}

impl ExposureSummary {
    /// The alert to show wherever an exposure is shown (screen, terminal, PDF), if one is due.
    pub fn safeguarding_alert(&self) -> Option<String> {
        self.alert_safeguarding_lead.then(|| {
            format!(
                "ALERT THE SAFEGUARDING LEAD: {} item(s) carry a safeguarding flag.",
                self.safeguarding_items
            )
        })
    }
}

impl Ledger {
    /// Everything the custodian held at any time in `[from, to]` (a moment when `from == to`).
    /// A window that ends before it starts is refused.
    pub fn exposure(&self, who: &Custodian, from: DateTime<Utc>, to: DateTime<Utc>) -> Result<Exposure> {
        self.allow(crate::operator::Action::Exposure)?;
        self.check_window(from, to)?;
        let (from, to) = (to_millis(from), to_millis(to));
        // Resolve the id as typed ("s001") to the stored one ("S001").
        let (custodian, who, candidates) = match who {
            Custodian::Holder(id) => {
                let person = self.person(id)?;
                let candidates = self.holder_candidates(&person.id, from, to)?;
                (
                    format!("{} ({})", person.name, person.id),
                    Custodian::Holder(person.id),
                    candidates,
                )
            }
            Custodian::Container(id) => {
                let container = self.container(id)?;
                let candidates = self.container_candidates(&container.id, from, to)?;
                (
                    format!("{} ({})", container.name, container.id),
                    Custodian::Container(container.id),
                    candidates,
                )
            }
        };
        // Three reads for all the candidates: their events from the last sign-out before the
        // window (custody before it ended before it), their records, and the items now.
        let mut events = self.events_from_last_sign_out(&candidates, from)?;
        let mut timelines = self.item_timelines(&candidates)?;
        let mut current = self.items_by_tag(&candidates)?;
        let mut items = Vec::new();
        let mut missing_earlier = Vec::new();
        for tag in candidates {
            let events = events.remove(&tag).unwrap_or_default();
            let effective: Vec<Event> = super::queries::effective(&events).cloned().collect();
            let (periods, missing): (Vec<_>, Vec<_>) = custody_periods(&effective, &who)
                .into_iter()
                .filter(|p| p.overlaps(from, to) || p.missing_at(from))
                .partition(|p| p.overlaps(from, to));
            let Some(now) = current
                .remove(&tag)
                .filter(|_| !periods.is_empty() || !missing.is_empty())
            else {
                continue;
            };
            let (profiles, records) = timelines.remove(&tag).unwrap_or_default();
            for p in missing {
                let went = p.until.unwrap_or(p.from);
                missing_earlier.push(MissingEarlier {
                    item: most_exposing(&profiles, went, went).unwrap_or_else(|| now.clone()),
                    held_from: p.from,
                    missing_since: went,
                    how: p.ended_by,
                    incident: self.incident_covering(&tag, p.from)?,
                    desk: Some(p.desk),
                });
            }
            let corrections = self.corrections_among(&events);
            let conflict = super::queries::read_state(&self.conn, &tag)?.conflict;
            for Period {
                from: held_from,
                until: held_until,
                ended_by,
                desk,
                ..
            } in periods
            {
                // The data it carried while held in the window: its record as it was then.
                let (start, end) = (held_from.max(from), held_until.map_or(to, |u| u.min(to)));
                let item = most_exposing(&profiles, start, end).unwrap_or_else(|| now.clone());
                items.push(Exposed {
                    item,
                    held_from,
                    held_until,
                    ended_by,
                    desk: Some(desk),
                    conflict,
                    corrections: corrections.clone(),
                    changed_later: self.changes_after(&records, end),
                });
            }
        }
        items.sort_by(|a, b| (a.held_from, &a.item.tag).cmp(&(b.held_from, &b.item.tag)));
        missing_earlier.sort_by(|a, b| (a.missing_since, &a.item.tag).cmp(&(b.missing_since, &b.item.tag)));
        let summary = summarise(&items);
        let custodian_id = match &who {
            Custodian::Holder(id) | Custodian::Container(id) => id.clone(),
        };
        Ok(Exposure {
            custodian,
            custodian_id,
            from,
            to,
            items,
            missing_earlier,
            summary,
        })
    }

    /// The incident opened for the custody of `tag` that began at `held_from`: one whose
    /// exposure snapshot holds that custody.
    fn incident_covering(&self, tag: &str, held_from: i64) -> Result<Option<String>> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT i.id FROM incidents i WHERE EXISTS (
                 SELECT 1 FROM json_each(i.exposure, '$.items') x
                 WHERE json_extract(x.value, '$.item.tag') = ?1 AND json_extract(x.value, '$.held_from') = ?2)
             ORDER BY i.occurred_at LIMIT 1",
        )?;
        Ok(stmt.query_row(params![tag, held_from], |r| r.get(0)).optional()?)
    }

    /// Items that may have been in a container in the window: those signed out or handed on in
    /// it before its end whose next event that counts is not before its start (a loss or theft
    /// does not end custody). This narrows the items to replay; the replay decides.
    fn container_candidates(&self, container: &str, from: i64, to: i64) -> Result<Vec<String>> {
        let sql = "SELECT DISTINCT e.item FROM all_events e
             WHERE e.container = ?1 AND e.kind IN ('sign-out', 'transfer') AND e.occurred_at <= ?3
               AND coalesce((SELECT min(n.occurred_at) FROM all_events n
                             WHERE n.item = e.item AND n.occurred_at > e.occurred_at
                               AND n.kind NOT IN ('correction', 'lost', 'stolen')
                               AND NOT EXISTS (SELECT 1 FROM all_events c WHERE c.corrects = n.id)), ?2) >= ?2
             ORDER BY e.item";
        let mut stmt = self.conn.prepare_cached(sql)?;
        let rows = stmt.query_map(params![container, from, to], |r| r.get(0))?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// Items that may have been with a holder in the window, found through the holder's own
    /// events (indexed by person and time): custody that began in the window, custody that ended
    /// after it began (a return, a hand-on or a loss records who had it), what they hold now,
    /// and what they lost that was found after the window began, or never.
    fn holder_candidates(&self, holder: &str, from: i64, to: i64) -> Result<Vec<String>> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT item FROM all_events WHERE person = ?1 AND occurred_at BETWEEN ?2 AND ?3
                 AND kind IN ('sign-out', 'transfer')
             UNION SELECT item FROM all_events WHERE person = ?1 AND occurred_at >= ?2
                 AND kind IN ('sign-in', 'lost', 'stolen')
             UNION SELECT item FROM all_events WHERE from_person = ?1 AND occurred_at >= ?2
             UNION SELECT item FROM item_state WHERE holder = ?1
             UNION SELECT e.item FROM all_events e WHERE e.person = ?1 AND e.kind IN ('lost', 'stolen')
                 AND (EXISTS (SELECT 1 FROM item_state s WHERE s.item = e.item AND s.status IN ('lost', 'stolen'))
                      OR EXISTS (SELECT 1 FROM all_events f WHERE f.item = e.item AND f.occurred_at >= e.occurred_at
                                 AND f.kind = 'found' AND f.occurred_at >= ?2))
             UNION SELECT s.item FROM item_state s WHERE s.conflict = 1
                 AND EXISTS (SELECT 1 FROM all_events e WHERE e.item = s.item AND e.person = ?1 AND e.occurred_at <= ?3)
             ORDER BY 1",
        )?;
        let rows = stmt.query_map(params![holder, from, to], |r| r.get(0))?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// "the record said: … ; corrected at … by …: why", for each event among `events` that a
    /// correction among them voided.
    fn corrections_among(&self, events: &[Event]) -> Vec<String> {
        let fixes: std::collections::HashMap<uuid::Uuid, &Event> =
            events.iter().filter_map(|fix| Some((fix.corrects?, fix))).collect();
        events
            .iter()
            .filter_map(|e| {
                let fix = fixes.get(&e.id)?;
                Some(format!(
                    "the record said: {} at {} ({}); corrected at {} by {}: {}",
                    self.describe(e),
                    self.format_time(e.occurred_at),
                    e.kind,
                    self.format_time(fix.recorded_at),
                    fix.operator,
                    fix.reason.as_deref().unwrap_or_default()
                ))
            })
            .collect()
    }
}

/// One custody of an item by the custodian.
struct Period {
    from: i64,
    until: Option<i64>,
    ended_by: String,
    /// The desk that recorded its start.
    desk: String,
    /// It ended when the item was lost or stolen; and when it turned up, if it has.
    went_missing: bool,
    found_at: Option<i64>,
}

impl Period {
    /// Whether the item was in this custody at some moment of `[from, to]`. A custody that
    /// ended in a loss includes the moment of the loss (it was theirs when it went).
    fn overlaps(&self, from: i64, to: i64) -> bool {
        self.from <= to
            && self
                .until
                .is_none_or(|end| end > from || (self.went_missing && end == from))
    }

    /// Whether this custody ended in a loss before `at`, and the item was still missing then.
    fn missing_at(&self, at: i64) -> bool {
        self.went_missing && self.until.is_some_and(|went| went < at) && self.found_at.is_none_or(|f| f > at)
    }
}

/// The periods, from an item's events that count (in replay order), in which it was with the
/// custodian. While desks disagree about an item (a sign-out recorded at one desk while another
/// desk's still stood), everyone it was signed out to stays a possible holder until their own
/// custody ends: the safe answer for a breach report.
fn custody_periods(events: &[Event], who: &Custodian) -> Vec<Period> {
    let mut periods = Vec::new();
    let mut open: Option<(i64, &str)> = None;
    // Who may hold it, and in what: one holder, or several while desks disagree.
    let mut holders: Vec<(Option<&str>, Option<&str>)> = Vec::new();
    let matches = |holders: &[(Option<&str>, Option<&str>)]| {
        holders.iter().any(|(holder, container)| match who {
            Custodian::Holder(id) => *holder == Some(id.as_str()),
            Custodian::Container(id) => *container == Some(id.as_str()),
        })
    };
    for e in events {
        let was = matches(&holders);
        let person = e.person.as_deref();
        match e.kind {
            EventKind::SignOut => holders.push((person, e.container.as_deref())),
            EventKind::Transfer => {
                let giver = holders
                    .iter()
                    .position(|(h, _)| *h == e.from_person.as_deref())
                    .or_else(|| holders.len().checked_sub(1));
                let container = giver.and_then(|i| holders.remove(i).1);
                holders.push((person, e.container.as_deref().or(container)));
            }
            EventKind::Lost | EventKind::Stolen => {
                // Their custody ends as it goes; finding it does not resume it.
                if let Some((start, desk)) = open.filter(|_| was) {
                    periods.push(Period {
                        from: start,
                        until: Some(e.occurred_at),
                        ended_by: e.kind.to_string(),
                        desk: desk.to_string(),
                        went_missing: true,
                        found_at: None,
                    });
                    open = None;
                }
                holders.clear();
                continue;
            }
            EventKind::Found => {
                if let Some(last) = periods.last_mut().filter(|p| p.went_missing && p.found_at.is_none()) {
                    last.found_at = Some(e.occurred_at);
                    last.ended_by = format!("{}, found later", last.ended_by);
                }
                continue;
            }
            EventKind::SignIn if holders.iter().any(|(h, _)| h.is_some() && *h == person) => {
                holders.retain(|(h, _)| *h != person);
            }
            _ => holders.clear(),
        }
        let now = matches(&holders);
        if was && !now {
            let ended_by = match e.kind {
                EventKind::Transfer => format!("transferred to {}", e.person.as_deref().unwrap_or("?")),
                EventKind::SignIn => "signed in".to_string(),
                other => other.to_string(),
            };
            let (from, desk) = open.take().unwrap_or((e.occurred_at, e.desk.as_str()));
            periods.push(Period {
                from,
                until: Some(e.occurred_at),
                ended_by,
                desk: desk.to_string(),
                went_missing: false,
                found_at: None,
            });
        }
        if now && !was {
            open = Some((e.occurred_at, e.desk.as_str()));
        }
    }
    if let Some((from, desk)) = open {
        periods.push(Period {
            from,
            until: None,
            ended_by: "still out".to_string(),
            desk: desk.to_string(),
            went_missing: false,
            found_at: None,
        });
    }
    periods
}

fn summarise(items: &[Exposed]) -> ExposureSummary {
    let mut s = ExposureSummary::default();
    let mut seen = std::collections::HashSet::new();
    for exposed in items {
        let item = &exposed.item;
        if !seen.insert(&item.tag) {
            continue; // held twice in the window: count its data once
        }
        if item.kind == crate::model::ItemKind::PaperFile {
            s.paper_files += 1;
        } else if item.kind.is_device() {
            if item.encrypted {
                s.devices_encrypted += 1;
            } else {
                s.devices_unencrypted += 1;
            }
        }
        s.data_subjects += u64::from(item.data_subjects);
        for c in &item.data_categories {
            if !s.categories.contains(c) {
                s.categories.push(c.clone());
            }
        }
        s.special_category_items += u32::from(item.special_category);
        s.safeguarding_items += u32::from(item.safeguarding);
    }
    s.alert_safeguarding_lead = s.safeguarding_items > 0;
    s.categories.sort();
    s
}
