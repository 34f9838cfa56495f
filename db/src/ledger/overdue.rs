//! The weekly overdue report: as of a moment, every item out past its due date, by holder, with
//! how late and how sensitive it is and its escalation stage, and what falls due in the week after.
//!
//! The stored state answers for items whose last event is not after the as-of moment (an item's
//! events never go back in time); items that changed since are replayed up to that moment.

use chrono::{DateTime, Duration, Utc};
use serde::Serialize;

use std::collections::HashMap;

use super::Ledger;
use super::queries::{STATE_COLUMNS, state_from_row};
use super::register::{ITEM_COLUMN_COUNT, ITEM_COLUMNS, PERSON_COLUMNS, item_from_row, person_from_row};
use crate::error::{Error, Result};
use crate::event::Event;
use crate::ledger::sync::interleave;
use crate::model::{Item, Person};
use crate::state::{ItemState, Status};
use crate::time::{from_millis, to_millis};

/// Escalation stages by default: a first notice from 1 day late, a second from 7, a third from 14.
pub const DEFAULT_STAGES: [i64; 3] = [1, 7, 14];
const STAGES_KEY: &str = "overdue.stages";

/// The "due soon" section looks this far ahead.
pub const DUE_SOON_DAYS: i64 = 7;

/// Whether something due at `due` (stored milliseconds) is late at `now`: the one meaning of
/// "late" and "overdue" everywhere.
pub fn is_late(due: Option<i64>, now: DateTime<Utc>) -> bool {
    due.is_some_and(|due| due < to_millis(now))
}

/// How far an overdue item has escalated.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub enum Stage {
    #[serde(rename = "first notice")]
    First,
    #[serde(rename = "second notice")]
    Second,
    #[serde(rename = "third notice")]
    Third,
}

impl Stage {
    pub const ALL: [Stage; 3] = [Stage::First, Stage::Second, Stage::Third];

    pub fn as_str(self) -> &'static str {
        match self {
            Stage::First => "first notice",
            Stage::Second => "second notice",
            Stage::Third => "third notice",
        }
    }

    /// The stage for an item this many whole days late, given the days each stage starts at.
    pub(crate) fn reached(days_overdue: i64, starts: [i64; 3]) -> Option<Stage> {
        Stage::ALL
            .into_iter()
            .zip(starts)
            .rev()
            .find(|&(_, from)| days_overdue >= from)
            .map(|(s, _)| s)
    }
}

/// The most sensitive data an item carries, least first.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
pub enum Sensitivity {
    #[serde(rename = "none")]
    None,
    #[serde(rename = "personal data")]
    PersonalData,
    #[serde(rename = "special category")]
    SpecialCategory,
    #[serde(rename = "safeguarding")]
    Safeguarding,
}

impl Sensitivity {
    pub const ALL: [Sensitivity; 4] = [
        Sensitivity::Safeguarding,
        Sensitivity::SpecialCategory,
        Sensitivity::PersonalData,
        Sensitivity::None,
    ];

    pub fn of(item: &Item) -> Sensitivity {
        if item.safeguarding {
            Sensitivity::Safeguarding
        } else if item.special_category {
            Sensitivity::SpecialCategory
        } else if item.holds_personal_data() {
            Sensitivity::PersonalData
        } else {
            Sensitivity::None
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Sensitivity::None => "none",
            Sensitivity::PersonalData => "personal data",
            Sensitivity::SpecialCategory => "special category",
            Sensitivity::Safeguarding => "safeguarding",
        }
    }
}

/// One item out at the as-of moment.
#[derive(Clone, Debug, Serialize)]
pub struct OutItem {
    pub item: Item,
    pub since: Option<i64>,
    pub due_at: i64,
    /// Calendar days past due, in local time (0 when late on the day it was due, or not yet due).
    pub days_overdue: i64,
    /// `None` below the first stage.
    pub stage: Option<Stage>,
    pub sensitivity: Sensitivity,
    /// The desk that recorded this custody (its id).
    #[serde(default)]
    pub desk: Option<String>,
}

impl OverdueReport {
    /// Only what one desk of the trust signed out (its id).
    pub fn recorded_at(mut self, desk: &str) -> OverdueReport {
        let here = |i: &OutItem| i.desk.as_deref() == Some(desk);
        for holder in &mut self.overdue {
            holder.items.retain(here);
        }
        self.overdue.retain(|h| !h.items.is_empty());
        self.due_soon.retain(|(_, i)| here(i));
        self
    }
}

/// A holder's overdue items.
#[derive(Clone, Debug, Serialize)]
pub struct HolderOverdue {
    pub person: Person,
    pub items: Vec<OutItem>,
}

#[derive(Clone, Debug, Serialize)]
pub struct OverdueReport {
    pub as_of: i64,
    /// Holders with overdue items, the latest first.
    pub overdue: Vec<HolderOverdue>,
    /// Items due within [`DUE_SOON_DAYS`] after the as-of moment, soonest first, with holders.
    pub due_soon: Vec<(Person, OutItem)>,
}

impl Ledger {
    /// The days late at which the first, second and third notices start.
    pub fn overdue_stages(&self) -> Result<[i64; 3]> {
        self.allow(crate::operator::Action::SeeRegister)?;
        let stored = self.setting(STAGES_KEY)?.and_then(|v| {
            let days: Vec<i64> = v.split(',').filter_map(|d| d.trim().parse().ok()).collect();
            <[i64; 3]>::try_from(days).ok()
        });
        Ok(stored.unwrap_or(DEFAULT_STAGES))
    }

    /// Sets the escalation stages: three numbers of days late, rising, from 1 to 365.
    pub fn set_overdue_stages(&mut self, days: [i64; 3]) -> Result<()> {
        self.allow(crate::operator::Action::RuleSettings)?;
        let rising = days[0] < days[1] && days[1] < days[2];
        if !rising || days[0] < 1 || days[2] > 365 {
            return Err(Error::InvalidText {
                field: "escalation setting",
                why: format!(
                    "{}, {} and {} days must rise, from at least 1 to at most 365 (e.g. 1, 7, 14)",
                    days[0], days[1], days[2]
                ),
            });
        }
        self.put_setting(STAGES_KEY, &format!("{},{},{}", days[0], days[1], days[2]))
    }

    /// The overdue report as of `as_of`.
    pub fn overdue(&self, as_of: DateTime<Utc>) -> Result<OverdueReport> {
        self.allow(crate::operator::Action::OverdueReport)?;
        self.overdue_as_of(as_of)
    }

    /// The overdue report an administrator set to be emailed weekly (see
    /// [`Ledger::weekly_report`]): the desk makes it for the mail whoever is signed in, as it
    /// sends holders' notices; it goes only to the addresses set.
    pub fn overdue_for_mailing(&self, as_of: DateTime<Utc>) -> Result<OverdueReport> {
        self.allow(crate::operator::Action::SendNotices)?;
        if self.weekly_report()?.is_none() {
            return Err(Error::InvalidText {
                field: "weekly report",
                why: "no one is set to receive it".to_string(),
            });
        }
        self.overdue_as_of(as_of)
    }

    fn overdue_as_of(&self, as_of: DateTime<Utc>) -> Result<OverdueReport> {
        let out = self.out_at(to_millis(as_of))?;
        self.overdue_among(out, as_of)
    }

    /// The overdue report as of `as_of` over `out`, what [`Ledger::out_at`] gave for that
    /// moment (a caller that needs both replays once).
    pub(super) fn overdue_among(&self, out: Vec<(Item, ItemState)>, as_of: DateTime<Utc>) -> Result<OverdueReport> {
        let at = to_millis(as_of);
        let stages = self.overdue_stages()?;
        let mut by_holder: std::collections::BTreeMap<String, Vec<OutItem>> = Default::default();
        let mut soon: Vec<(String, OutItem)> = Vec::new();
        for (item, state) in out {
            let (Some(holder), Some(due)) = (state.holder.clone(), state.due_at) else {
                continue;
            };
            let days_overdue = crate::time::days_late(from_millis(due), as_of, self.tz);
            let out = OutItem {
                sensitivity: Sensitivity::of(&item),
                item,
                since: state.since,
                due_at: due,
                days_overdue,
                stage: Stage::reached(days_overdue, stages),
                desk: state.last_desk.clone(),
            };
            if is_late(Some(due), as_of) {
                by_holder.entry(holder).or_default().push(out);
            } else if due - at <= Duration::days(DUE_SOON_DAYS).num_milliseconds() {
                soon.push((holder, out));
            }
        }
        let holders = self.people_by_id(by_holder.keys().chain(soon.iter().map(|(h, _)| h)))?;
        let person = |id: &str| {
            holders
                .get(id)
                .cloned()
                .ok_or_else(|| Error::UnknownPerson(id.to_string()))
        };
        let mut overdue = Vec::with_capacity(by_holder.len());
        for (holder, mut items) in by_holder {
            items.sort_by(|a, b| (a.due_at, &a.item.tag).cmp(&(b.due_at, &b.item.tag)));
            overdue.push(HolderOverdue {
                person: person(&holder)?,
                items,
            });
        }
        // The longest overdue holders first: they are chased first.
        overdue.sort_by_key(|h| {
            (
                -h.items.iter().map(|i| i.days_overdue).max().unwrap_or(0),
                h.person.id.clone(),
            )
        });
        soon.sort_by(|a, b| (a.1.due_at, &a.1.item.tag).cmp(&(b.1.due_at, &b.1.item.tag)));
        let due_soon = soon
            .into_iter()
            .map(|(holder, item)| Ok((person(&holder)?, item)))
            .collect::<Result<_>>()?;
        Ok(OverdueReport {
            as_of: at,
            overdue,
            due_soon,
        })
    }

    /// The people with these ids, in one query.
    pub(super) fn people_by_id<'a>(&self, ids: impl Iterator<Item = &'a String>) -> Result<HashMap<String, Person>> {
        let ids: Vec<&String> = ids.collect();
        let mut stmt = self.conn.prepare_cached(&format!(
            "SELECT {PERSON_COLUMNS} FROM people p WHERE p.id IN (SELECT value FROM json_each(?1))"
        ))?;
        let json = serde_json::to_string(&ids).unwrap_or_default();
        let rows = stmt.query_map([json], |r| person_from_row(r).map(|p| (p.id.clone(), p)))?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// Every item that was out at `at`, with its state then. The stored state answers for items
    /// whose last event is not after `at` (an item's events never go back in time); the items
    /// changed since are replayed from their last sign-out before `at`, all in one query.
    pub(super) fn out_at(&self, at: i64) -> Result<Vec<(Item, ItemState)>> {
        let mut out = Vec::new();
        let mut stmt = self.conn.prepare_cached(&format!(
            "SELECT {ITEM_COLUMNS}, {STATE_COLUMNS} FROM item_state s JOIN items i ON i.tag = s.item
             WHERE s.status = 'out' AND coalesce(s.last_occurred_at, 0) <= ?1"
        ))?;
        let mut rows = stmt.query([at])?;
        while let Some(row) = rows.next()? {
            out.push((item_from_row(row)?, state_from_row(row, ITEM_COLUMN_COUNT)?));
        }
        // Each changed item's events (every desk's) from its last sign-out that counts at or
        // before `at`, up to `at`, and the corrections (made at any time) among them. Where each
        // item's replay starts is found once, first; each desk's table is then read from there
        // (through the `all_events` view SQLite would look for that start twice).
        let from = |table: &str| {
            format!(
                "SELECT s.item, {} FROM start s JOIN {table} e ON e.item = s.item AND e.occurred_at >= s.since
                 WHERE e.occurred_at <= ?1 OR e.kind = 'correction'",
                super::queries::prefixed(crate::event::COLUMNS, "e.")
            )
        };
        let mut stmt = self.conn.prepare_cached(&format!(
            "WITH start AS MATERIALIZED (
                 SELECT s.item, coalesce((
                     SELECT a.occurred_at FROM all_events a
                     WHERE a.item = s.item AND a.kind = 'sign-out' AND a.occurred_at <= ?1 AND s.conflict = 0
                       AND NOT EXISTS (SELECT 1 FROM all_events c WHERE c.corrects = a.id)
                     ORDER BY a.occurred_at DESC LIMIT 1), CASE s.conflict WHEN 1 THEN -9223372036854775808 END) AS since
                 FROM item_state s WHERE s.last_occurred_at > ?1)
             {} UNION ALL {} ORDER BY 1",
            from("events"),
            from("remote_events")
        ))?;
        let mut rows = stmt.query([at])?;
        let mut changed: Vec<(String, Vec<Event>)> = Vec::new();
        while let Some(row) = rows.next()? {
            let tag: String = row.get(0)?;
            let event = crate::event::from_row_at(row, 1)?;
            match changed.last_mut() {
                Some((last, events)) if *last == tag => events.push(event),
                _ => changed.push((tag, vec![event])),
            }
        }
        let tags: Vec<String> = changed.iter().map(|(tag, _)| tag.clone()).collect();
        let mut items = self.items_by_tag(&tags)?;
        for (tag, events) in changed {
            let events = interleave(events);
            let state = super::queries::fold(super::queries::effective(&events));
            if let Some(item) = items.remove(&tag).filter(|_| state.status == Status::Out) {
                out.push((item, state));
            }
        }
        Ok(out)
    }
}
