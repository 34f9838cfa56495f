//! The asset register as the NHS Data Security and Protection Toolkit (7.1.1: an up-to-date
//! register of hardware and data) and the DfE ask for it: every item with its kind, serial,
//! encryption and the data it carries, where it is now (on site, with whom, recorded at which
//! desk), when it was last seen and how, and for what left for good, its disposal evidence.
//! "Last seen" is the latest moment the item was in someone's hands at a desk: a sign-out, a
//! sign-in, or a sighting in a stocktake.

use std::collections::HashMap;

use chrono::DateTime;
use serde::Serialize;

use super::Ledger;
use super::disposal::Disposal;
use crate::error::Result;
use crate::model::Item;
use crate::operator::Action;
use crate::state::ItemState;

/// How an item was last seen.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum SeenBy {
    SignedOut,
    SignedIn,
    Stocktake,
}

impl SeenBy {
    pub fn as_str(self) -> &'static str {
        match self {
            SeenBy::SignedOut => "signed out at the desk",
            SeenBy::SignedIn => "signed in at the desk",
            SeenBy::Stocktake => "sighted in a stocktake",
        }
    }
}

/// One item of the register.
#[derive(Clone, Debug, Serialize)]
pub struct RegisterEntry {
    pub item: Item,
    pub state: ItemState,
    pub holder_name: Option<String>,
    /// When it was last seen (Unix ms), and how.
    pub last_seen: Option<(i64, SeenBy)>,
    /// Its disposal, if it was destroyed (R11).
    pub disposal: Option<Disposal>,
}

impl Ledger {
    /// Every item on the register, by tag, with where it is and when it was last seen.
    pub fn asset_register(&self) -> Result<Vec<RegisterEntry>> {
        self.allow(Action::Export)?;
        let mut seen: HashMap<String, (i64, SeenBy)> = HashMap::new();
        let mut later = |tag: String, at: i64, how: SeenBy| {
            let entry = seen.entry(tag).or_insert((at, how));
            if at > entry.0 {
                *entry = (at, how);
            }
        };
        // SQLite takes the other columns of a MAX() aggregate from the row that has the maximum.
        let mut events = self.conn.prepare(
            "SELECT item, max(occurred_at), kind FROM all_events
             WHERE kind IN ('sign-out', 'sign-in') GROUP BY item",
        )?;
        let mut rows = events.query([])?;
        while let Some(row) = rows.next()? {
            let kind: String = row.get(2)?;
            let how = if kind == "sign-out" {
                SeenBy::SignedOut
            } else {
                SeenBy::SignedIn
            };
            later(row.get(0)?, row.get(1)?, how);
        }
        let mut sightings = self.conn.prepare(
            "SELECT json_extract(body, '$.tag'), max(occurred_at) FROM all_records
             WHERE kind = 'stocktake-sighted' GROUP BY 1",
        )?;
        let mut rows = sightings.query([])?;
        while let Some(row) = rows.next()? {
            if let Some(tag) = row.get::<_, Option<String>>(0)? {
                later(tag, row.get(1)?, SeenBy::Stocktake);
            }
        }
        let mut disposals: HashMap<String, Disposal> = self
            .disposals(DateTime::UNIX_EPOCH, self.now())?
            .into_iter()
            .map(|d| (d.tag.clone(), d))
            .collect();
        Ok(self
            .items()?
            .into_iter()
            .map(|row| RegisterEntry {
                last_seen: seen.get(&row.item.tag).copied(),
                disposal: disposals.remove(&row.item.tag),
                item: row.item,
                state: row.state,
                holder_name: row.holder_name,
            })
            .collect())
    }
}
