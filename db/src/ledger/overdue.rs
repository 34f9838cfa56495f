//! The weekly overdue report: as of a moment, every item out past its due date, by holder, with
//! how late and how sensitive it is and its escalation stage, and what falls due in the week after.
//!
//! The stored state answers for items whose last event is not after the as-of moment (an item's
//! events never go back in time); items that changed since are replayed up to that moment.

use chrono::{DateTime, Duration, Utc};
use serde::Serialize;

use super::Ledger;
use crate::error::{Error, Result};
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
    fn reached(days_overdue: i64, starts: [i64; 3]) -> Option<Stage> {
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
        let stored = self.setting(STAGES_KEY)?.and_then(|v| {
            let days: Vec<i64> = v.split(',').filter_map(|d| d.trim().parse().ok()).collect();
            <[i64; 3]>::try_from(days).ok()
        });
        Ok(stored.unwrap_or(DEFAULT_STAGES))
    }

    /// Sets the escalation stages: three numbers of days late, rising, from 1 to 365.
    pub fn set_overdue_stages(&mut self, days: [i64; 3]) -> Result<()> {
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
        let at = to_millis(as_of);
        let stages = self.overdue_stages()?;
        let states = self.states_at(at)?;
        let mut by_holder: std::collections::BTreeMap<String, Vec<OutItem>> = Default::default();
        let mut soon: Vec<(String, OutItem)> = Vec::new();
        for (tag, state) in states {
            let (Status::Out, Some(holder), Some(due)) = (state.status, state.holder.clone(), state.due_at) else {
                continue;
            };
            let item = self.item(&tag)?;
            let days_overdue = crate::time::days_late(from_millis(due), as_of, self.tz);
            let out = OutItem {
                sensitivity: Sensitivity::of(&item),
                item,
                since: state.since,
                due_at: due,
                days_overdue,
                stage: Stage::reached(days_overdue, stages),
            };
            if is_late(Some(due), as_of) {
                by_holder.entry(holder).or_default().push(out);
            } else if due - at <= Duration::days(DUE_SOON_DAYS).num_milliseconds() {
                soon.push((holder, out));
            }
        }
        let mut overdue = Vec::with_capacity(by_holder.len());
        for (holder, mut items) in by_holder {
            items.sort_by(|a, b| (a.due_at, &a.item.tag).cmp(&(b.due_at, &b.item.tag)));
            overdue.push(HolderOverdue {
                person: self.person(&holder)?,
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
            .map(|(holder, item)| Ok((self.person(&holder)?, item)))
            .collect::<Result<_>>()?;
        Ok(OverdueReport {
            as_of: at,
            overdue,
            due_soon,
        })
    }

    /// Every item's state at `at` that could matter (out then, or changed since): the stored
    /// state, except for items whose last event is after `at`, which are replayed up to `at`
    /// from their last sign-out before it (whether and how it was out is all that matters here).
    fn states_at(&self, at: i64) -> Result<Vec<(String, ItemState)>> {
        let mut states: Vec<(String, ItemState)> = self
            .projection()?
            .into_iter()
            .filter(|(_, s)| s.status == Status::Out || s.last_occurred_at.is_some_and(|last| last > at))
            .collect();
        for (tag, state) in &mut states {
            if state.last_occurred_at.is_some_and(|last| last > at) {
                let events = self.events_from_last_sign_out(tag, at)?;
                *state = super::queries::fold(super::queries::effective(&events).take_while(|e| e.occurred_at <= at));
            }
        }
        Ok(states)
    }
}
