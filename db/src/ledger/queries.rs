//! Reading the ledger: what is where now, what happened, and who held what at a moment.

use std::collections::HashSet;

use chrono::{DateTime, Utc};
use std::collections::HashMap;

use rusqlite::{Connection, OptionalExtension, Row};
use serde::Serialize;
use uuid::Uuid;

use super::Ledger;
use super::register::{
    ITEM_COLUMN_COUNT, ITEM_COLUMNS, PERSON_COLUMN_COUNT, PERSON_COLUMNS, item_from_row, person_from_row,
};
use crate::error::{Error, Result};
use crate::event::{self, Event};
use crate::ledger::sync::interleave;
use crate::model::{EventKind, Item, Person};
use crate::state::{ItemState, Status, apply_anyway};
use crate::time::to_millis;

/// An item with where it is now.
#[derive(Clone, Debug, Serialize)]
pub struct ItemRow {
    #[serde(flatten)]
    pub item: Item,
    pub state: ItemState,
    pub holder_name: Option<String>,
    /// When it was registered (Unix ms): for "added since" (labels for new stock).
    #[serde(skip)]
    pub added_at: i64,
}

/// An item that is out now.
#[derive(Clone, Debug, Serialize)]
pub struct OutRow {
    pub tag: String,
    pub kind: crate::model::ItemKind,
    pub name: String,
    pub holder: String,
    pub holder_name: String,
    pub since: i64,
    pub due_at: Option<i64>,
    /// The desk that recorded this custody (its id).
    pub desk: Option<String>,
    /// Desks disagree about the item (see [`crate::Conflict`]).
    pub conflict: bool,
}

/// A person with how many items they hold now.
#[derive(Clone, Debug, Serialize)]
pub struct PersonRow {
    #[serde(flatten)]
    pub person: Person,
    pub holding: u32,
    /// When they were registered (Unix ms).
    #[serde(skip)]
    pub added_at: i64,
}

/// Which events `history` returns.
#[derive(Clone, Debug, Default)]
pub struct HistoryFilter {
    pub item: Option<String>,
    pub person: Option<String>,
    pub from: Option<DateTime<Utc>>,
    pub to: Option<DateTime<Utc>>,
    /// Only the latest this many (still oldest first), for a page that shows a few.
    pub latest: Option<u32>,
    /// Only what this desk recorded (its name or id), among the trust's desks.
    pub desk: Option<String>,
}

/// Events with which of them a later correction voided: an item's chain of custody, or any
/// stretch of history. Corrections stay in the list, as they stay in the ledger.
#[derive(Clone, Debug)]
pub struct Marked {
    pub events: Vec<Event>,
    voided: HashSet<Uuid>,
}

impl Marked {
    /// Whether a later correction voided this event.
    pub fn is_voided(&self, e: &Event) -> bool {
        self.voided.contains(&e.id)
    }

    /// Whether every event's stored hash is the hash of its own contents.
    pub fn hashes_match(&self) -> bool {
        self.events.iter().all(|e| e.compute_hash() == e.hash)
    }
}

/// One item with its whole chain of custody, oldest first.
#[derive(Clone, Debug)]
pub struct Chain {
    pub item: Item,
    pub state: ItemState,
    pub events: Marked,
}

pub(super) const STATE_COLUMNS: &str =
    "s.status, s.holder, s.since, s.due_at, s.container, s.last_seq, s.last_occurred_at, s.last_desk, s.conflict";
pub(super) const STATE_COLUMN_COUNT: usize = 9;

/// Reads [`STATE_COLUMNS`] starting at column `at`.
pub(super) fn state_from_row(row: &Row<'_>, at: usize) -> rusqlite::Result<ItemState> {
    let status: String = row.get(at)?;
    Ok(ItemState {
        status: Status::parse(&status)
            .ok_or_else(|| rusqlite::Error::InvalidColumnType(at, status, rusqlite::types::Type::Text))?,
        holder: row.get(at + 1)?,
        since: row.get(at + 2)?,
        due_at: row.get(at + 3)?,
        container: row.get(at + 4)?,
        last_seq: row.get(at + 5)?,
        last_occurred_at: row.get(at + 6)?,
        last_desk: row.get(at + 7)?,
        conflict: row.get(at + 8)?,
    })
}

/// The stored state of an item (the projection).
pub(crate) fn read_state(conn: &Connection, tag: &str) -> rusqlite::Result<ItemState> {
    conn.prepare_cached(&format!("SELECT {STATE_COLUMNS} FROM item_state s WHERE s.item = ?1"))?
        .query_row([tag], |r| state_from_row(r, 0))
        .optional()
        .map(Option::unwrap_or_default)
}

/// Folds events that count (not corrections, not corrected), in replay order, into a state. A
/// move the state does not allow (two desks apart) still takes effect and marks a conflict; on
/// one desk alone there are none (verify reports any as impossible).
pub(crate) fn fold<'a>(events: impl IntoIterator<Item = &'a Event>) -> ItemState {
    events
        .into_iter()
        .fold(ItemState::default(), |state, e| apply_anyway(&state, &e.as_move()))
}

/// The order in which every desk's events are shown (not replayed: see [`crate::ledger::sync::interleave`]).
pub(crate) const SHOWN_ORDER: &str = "occurred_at, recorded_at, desk, seq";

/// The events among `events` that count: not corrections, and not voided by one of them.
pub(crate) fn effective(events: &[crate::event::Event]) -> impl Iterator<Item = &crate::event::Event> {
    let voided: std::collections::HashSet<uuid::Uuid> = events.iter().filter_map(|e| e.corrects).collect();
    events
        .iter()
        .filter(move |e| e.kind != crate::model::EventKind::Correction && !voided.contains(&e.id))
}

impl Ledger {
    /// Where the item is now (from the projection; fast).
    pub fn state(&self, tag: &str) -> Result<ItemState> {
        self.allow(crate::operator::Action::SeeRegister)?;
        let item = self.item(tag)?;
        Ok(read_state(&self.conn, &item.tag)?)
    }

    /// Where the item was at a moment, replayed from its history: the corrected record, as known now.
    pub fn state_at(&self, tag: &str, at: DateTime<Utc>) -> Result<ItemState> {
        self.allow(crate::operator::Action::SeeRegister)?;
        let item = self.item(tag)?;
        let at = to_millis(at);
        let events = self.effective_events(&item.tag)?;
        Ok(fold(events.iter().take_while(|e| e.occurred_at <= at)))
    }

    /// The item's state derived again from all its events that count.
    pub(crate) fn replay_item(&self, tag: &str) -> Result<ItemState> {
        Ok(fold(&self.effective_events(tag)?))
    }

    /// Each item's events, corrections among them, from its last sign-out that counts at or
    /// before `at` on, in replay order; all of them for an item with none, or in conflict (a
    /// sign-out while desks disagree does not end the custody before it). Before that sign-out
    /// the item was in, so nothing earlier bears on where it was from then on: the recent past
    /// is read without the whole history (each item's index is walked back from `at`), and all
    /// the items in one query.
    pub(super) fn events_from_last_sign_out(&self, tags: &[String], at: i64) -> Result<HashMap<String, Vec<Event>>> {
        let mut stmt = self.conn.prepare_cached(&format!(
            "SELECT {} FROM json_each(?1) j JOIN all_events e ON e.item = j.value AND e.occurred_at >= coalesce((
                 SELECT a.occurred_at FROM all_events a WHERE a.item = j.value AND a.kind = 'sign-out' AND a.occurred_at <= ?2
                   AND NOT EXISTS (SELECT 1 FROM all_events c WHERE c.corrects = a.id)
                   AND NOT EXISTS (SELECT 1 FROM item_state s WHERE s.item = j.value AND s.conflict = 1)
                 ORDER BY a.occurred_at DESC LIMIT 1), -9223372036854775808)",
            prefixed(event::COLUMNS, "e.")
        ))?;
        let json = serde_json::to_string(tags).unwrap_or_default();
        let mut events: HashMap<String, Vec<Event>> = HashMap::new();
        let mut ids = Vec::new();
        for e in stmt.query_map(rusqlite::params![json, at], event::from_row)? {
            let e = e?;
            ids.push(e.id.simple().to_string());
            events.entry(e.item.clone()).or_default().push(e);
        }
        // The corrections of those events, wherever their own times fall (asked apart: an OR in
        // the join would cost the index on item).
        let mut stmt = self.conn.prepare_cached(&format!(
            "SELECT {} FROM all_events WHERE corrects IN (SELECT unhex(value) FROM json_each(?1))",
            event::COLUMNS
        ))?;
        let ids = serde_json::to_string(&ids).unwrap_or_default();
        for fix in stmt.query_map([ids], event::from_row)? {
            let fix = fix?;
            let item = events.entry(fix.item.clone()).or_default();
            if !item.iter().any(|e| e.id == fix.id) {
                item.push(fix);
            }
        }
        Ok(events
            .into_iter()
            .map(|(tag, events)| (tag, interleave(events)))
            .collect())
    }

    /// An item's events that count: not corrections, and not voided by one. In ledger order.
    pub(super) fn effective_events(&self, tag: &str) -> Result<Vec<Event>> {
        let mut stmt = self.conn.prepare_cached(&format!(
            "SELECT {} FROM all_events e WHERE e.item = ?1 AND e.kind != 'correction'
               AND NOT EXISTS (SELECT 1 FROM all_events c WHERE c.corrects = e.id)",
            prefixed(event::COLUMNS, "e.")
        ))?;
        let rows = stmt.query_map([tag], event::from_row)?;
        Ok(interleave(rows.collect::<rusqlite::Result<_>>()?))
    }

    /// The item's whole chain of custody, corrections included, oldest first.
    pub fn item_events(&self, tag: &str) -> Result<Vec<Event>> {
        self.allow(crate::operator::Action::SeeRegister)?;
        let item = self.item(tag)?;
        self.history(&HistoryFilter {
            item: Some(item.tag),
            ..HistoryFilter::default()
        })
    }

    /// The item, where it is now, and its whole chain of custody with voided events marked.
    pub fn chain(&self, tag: &str) -> Result<Chain> {
        self.allow(crate::operator::Action::SeeRegister)?;
        let item = self.item(tag)?;
        let state = read_state(&self.conn, &item.tag)?;
        let events = self.mark_voided(self.item_events(&item.tag)?)?;
        Ok(Chain { item, state, events })
    }

    /// History (as [`Ledger::history`]) with voided events marked.
    pub fn history_marked(&self, filter: &HistoryFilter) -> Result<Marked> {
        self.allow(crate::operator::Action::SeeRegister)?;
        self.mark_voided(self.history(filter)?)
    }

    /// Marks which of `events` a correction voided, in one query.
    fn mark_voided(&self, events: Vec<Event>) -> Result<Marked> {
        let ids: Vec<String> = events.iter().map(|e| e.id.simple().to_string()).collect();
        let mut stmt = self.conn.prepare_cached(
            "SELECT corrects FROM all_events WHERE corrects IN (SELECT unhex(value) FROM json_each(?1))",
        )?;
        let voided = stmt
            .query_map([serde_json::to_string(&ids).unwrap_or_default()], |r| {
                let bytes: Vec<u8> = r.get(0)?;
                Ok(Uuid::from_slice(&bytes).unwrap_or_default())
            })?
            .collect::<rusqlite::Result<_>>()?;
        Ok(Marked { events, voided })
    }

    /// Events about an item or a person (as holder or giver) in a time window, oldest first.
    /// A window that ends before it starts is refused.
    pub fn history(&self, filter: &HistoryFilter) -> Result<Vec<Event>> {
        self.allow(crate::operator::Action::SeeRegister)?;
        let item = filter.item.as_deref().map(|t| self.item(t)).transpose()?;
        let person = filter.person.as_deref().map(|p| self.person(p)).transpose()?;
        if let (Some(from), Some(to)) = (filter.from, filter.to) {
            self.check_window(from, to)?;
        }
        let from = filter.from.map_or(i64::MIN, to_millis);
        let to = filter.to.map_or(i64::MAX, to_millis);
        let desk = filter.desk.as_deref().map(|d| self.desk_named(d)).transpose()?;
        let mut sql = format!(
            "SELECT {} FROM all_events WHERE occurred_at BETWEEN :from AND :to",
            event::COLUMNS
        );
        let mut params: Vec<(&str, &dyn rusqlite::ToSql)> = vec![(":from", &from), (":to", &to)];
        if let Some(desk) = &desk {
            sql.push_str(" AND desk = :desk");
            params.push((":desk", desk));
        }
        if let Some(item) = &item {
            sql.push_str(" AND item = :item");
            params.push((":item", &item.tag));
        }
        if let Some(person) = &person {
            sql.push_str(" AND (person = :person OR from_person = :person)");
            params.push((":person", &person.id));
        }
        let latest = filter.latest.map(i64::from);
        if let Some(latest) = &latest {
            sql.push_str(&format!(
                " ORDER BY {} LIMIT :latest",
                SHOWN_ORDER.replace(',', " DESC,") + " DESC"
            ));
            params.push((":latest", latest));
        } else {
            sql.push_str(&format!(" ORDER BY {SHOWN_ORDER}"));
        }
        let mut stmt = self.conn.prepare(&sql)?;
        let rows = stmt.query_map(params.as_slice(), event::from_row)?;
        let mut events: Vec<Event> = rows.collect::<rusqlite::Result<_>>()?;
        if latest.is_some() {
            events.reverse();
        }
        Ok(events)
    }

    /// Refuses a window whose end is before its start (the one place that rule is said).
    pub fn check_window(&self, from: DateTime<Utc>, to: DateTime<Utc>) -> Result<()> {
        if to < from {
            return Err(Error::WindowBackwards {
                from: self.format_time(to_millis(from)),
                to: self.format_time(to_millis(to)),
            });
        }
        Ok(())
    }

    /// The sequence number of the latest event (0 for an empty ledger): it moves on every write
    /// to the ledger, so readers can tell whether anything changed.
    pub fn last_seq(&self) -> Result<i64> {
        Ok(crate::record::head(&self.conn)?.0)
    }

    /// The chain's head, as a witness: the latest sequence number and the first 12 hex digits
    /// of its hash ("0" and zeros for an empty ledger).
    pub fn chain_head(&self) -> Result<(i64, String)> {
        let (seq, hash) = crate::record::head(&self.conn)?;
        Ok((seq, event::to_hex(&hash)[..12].to_string()))
    }

    /// The latest `limit` events recorded, newest first by when they were recorded (the desk's
    /// "latest actions"). Another desk's or an import's records can arrive out of time order, so
    /// a few more than asked are read by sequence and sorted by time.
    pub fn recent_events(&self, limit: u32) -> Result<Vec<Event>> {
        self.allow(crate::operator::Action::SeeRegister)?;
        let mut stmt = self.conn.prepare_cached(&format!(
            "SELECT {} FROM events ORDER BY seq DESC LIMIT ?1",
            event::COLUMNS
        ))?;
        let rows = stmt.query_map([limit.saturating_mul(4)], event::from_row)?;
        let mut events: Vec<Event> = rows.collect::<rusqlite::Result<_>>()?;
        events.sort_by_key(|e| std::cmp::Reverse((e.recorded_at, e.seq)));
        events.truncate(limit as usize);
        Ok(events)
    }

    /// A number that changes whenever another connection (another program, another desk's
    /// sync) commits to the file: cheap to ask, so a screen can tell when to read again.
    pub fn data_version(&self) -> Result<i64> {
        Ok(self.conn.query_row("PRAGMA data_version", [], |r| r.get(0))?)
    }

    /// Calls `f` with every event in ledger order, one at a time (the ledger can be millions long).
    pub fn for_each_event(&self, mut f: impl FnMut(&Event)) -> Result<()> {
        self.allow(crate::operator::Action::LedgerExport)?;
        let mut stmt = self
            .conn
            .prepare(&format!("SELECT {} FROM events ORDER BY seq", event::COLUMNS))?;
        let mut rows = stmt.query([])?;
        while let Some(row) = rows.next()? {
            f(&event::from_row(row)?);
        }
        Ok(())
    }

    /// One event by id, if it exists.
    pub fn event(&self, id: &Uuid) -> Result<Option<Event>> {
        self.allow(crate::operator::Action::SeeRegister)?;
        Ok(self
            .conn
            .prepare_cached(&format!("SELECT {} FROM all_events WHERE id = ?1", event::COLUMNS))?
            .query_row([id.as_bytes().as_slice()], event::from_row)
            .optional()?)
    }

    /// The correction that voided this event, if any.
    pub fn correction_of(&self, id: &Uuid) -> Result<Option<Event>> {
        self.allow(crate::operator::Action::SeeRegister)?;
        Ok(self
            .conn
            .prepare_cached(&format!(
                "SELECT {} FROM all_events WHERE corrects = ?1",
                event::COLUMNS
            ))?
            .query_row([id.as_bytes().as_slice()], event::from_row)
            .optional()?)
    }

    /// Every item with its state, by tag.
    pub fn items(&self) -> Result<Vec<ItemRow>> {
        self.allow(crate::operator::Action::SeeRegister)?;
        let mut stmt = self.conn.prepare(&format!(
            "SELECT {ITEM_COLUMNS}, {STATE_COLUMNS}, p.name, i.added_at
             FROM items i JOIN item_state s ON s.item = i.tag LEFT JOIN people p ON p.id = s.holder
             ORDER BY i.tag"
        ))?;
        let rows = stmt.query_map([], |r| {
            Ok(ItemRow {
                item: item_from_row(r)?,
                state: state_from_row(r, ITEM_COLUMN_COUNT)?,
                holder_name: r.get(ITEM_COLUMN_COUNT + STATE_COLUMN_COUNT)?,
                added_at: r.get(ITEM_COLUMN_COUNT + STATE_COLUMN_COUNT + 1)?,
            })
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// Everything out now, soonest due first.
    pub fn out_now(&self) -> Result<Vec<OutRow>> {
        self.allow(crate::operator::Action::SeeRegister)?;
        self.out_rows("", &[])
    }

    /// What one person holds now, soonest due first.
    pub fn holdings(&self, person: &str) -> Result<Vec<OutRow>> {
        self.allow(crate::operator::Action::SeeRegister)?;
        let person = self.person(person)?;
        self.out_rows("AND s.holder = ?1", &[&person.id])
    }

    fn out_rows(&self, and: &str, params: &[&dyn rusqlite::ToSql]) -> Result<Vec<OutRow>> {
        let mut stmt = self.conn.prepare_cached(&format!(
            "SELECT i.tag, i.kind, i.name, s.holder, p.name, s.since, s.due_at, s.last_desk, s.conflict
             FROM item_state s JOIN items i ON i.tag = s.item JOIN people p ON p.id = s.holder
             WHERE s.status = 'out' {and}
             ORDER BY s.due_at, i.tag"
        ))?;
        let rows = stmt.query_map(params, |r| {
            let kind: String = r.get(1)?;
            Ok(OutRow {
                tag: r.get(0)?,
                kind: kind.parse().unwrap_or(crate::model::ItemKind::Other),
                name: r.get(2)?,
                holder: r.get(3)?,
                holder_name: r.get(4)?,
                since: r.get(5)?,
                due_at: r.get(6)?,
                desk: r.get(7)?,
                conflict: r.get(8)?,
            })
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// Every person, by id, with how many items each holds now.
    pub fn people(&self) -> Result<Vec<PersonRow>> {
        self.allow(crate::operator::Action::SeeRegister)?;
        let mut stmt = self.conn.prepare(&format!(
            "SELECT {PERSON_COLUMNS}, (SELECT count(*) FROM item_state s WHERE s.holder = p.id), p.added_at
             FROM people p ORDER BY p.id"
        ))?;
        let rows = stmt.query_map([], |r| {
            Ok(PersonRow {
                person: person_from_row(r)?,
                holding: r.get(PERSON_COLUMN_COUNT)?,
                added_at: r.get(PERSON_COLUMN_COUNT + 1)?,
            })
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// Counts of items, people and ledger entries (custody events and register records), for a
    /// summary line and to tell an empty database.
    pub fn counts(&self) -> Result<(u64, u64, u64)> {
        self.allow(crate::operator::Action::SeeRegister)?;
        let count = |table: &str| -> Result<u64> {
            Ok(self
                .conn
                .query_row(&format!("SELECT count(*) FROM {table}"), [], |r| r.get::<_, i64>(0))? as u64)
        };
        // The last sequence number is the entry count (the chain has no gaps); cheaper than count(*).
        let events = crate::record::head(&self.conn)?.0 as u64;
        Ok((count("items")?, count("people")?, events))
    }

    /// "Sam Jones (S001)" for a person id, or the id if unknown.
    pub fn person_label(&self, id: &str) -> String {
        match self.person(id) {
            Ok(p) => format!("{} ({})", p.name, p.id),
            Err(_) => id.to_string(),
        }
    }

    /// Where an item is, for people: "out with Sam Jones (S001) since …, due …", "lost since …",
    /// "in (never signed out)".
    pub fn describe_state(&self, s: &ItemState) -> String {
        let time = |t: Option<i64>| t.map(|t| self.format_time(t)).unwrap_or_default();
        match s.status {
            Status::Out => format!(
                "out with {} since {}, due {}",
                self.person_label(s.holder.as_deref().unwrap_or_default()),
                time(s.since),
                s.due_at.map(|t| self.format_due(t)).unwrap_or_default()
            ),
            Status::In if s.since.is_none() => "in (never signed out)".to_string(),
            other => format!("{} since {}", other.as_str(), time(s.since)),
        }
    }

    /// One line describing an event for people: "signed out to Sam Jones (S001), due 29/11/2026,
    /// end of day".
    pub fn describe(&self, e: &Event) -> String {
        let person = |id: &Option<String>| id.as_deref().map(|p| self.person_label(p)).unwrap_or_default();
        let mut text = match e.kind {
            EventKind::SignOut => format!("signed out to {}", person(&e.person)),
            EventKind::SignIn => format!("signed in from {}", person(&e.person)),
            EventKind::Transfer => format!("transferred from {} to {}", person(&e.from_person), person(&e.person)),
            EventKind::Lost | EventKind::Stolen if e.person.is_some() => {
                format!("{} while with {}", e.kind, person(&e.person))
            }
            EventKind::Correction => {
                let voided = e.corrects.and_then(|id| self.event(&id).ok().flatten());
                let what = voided.map_or("an earlier record".to_string(), |v| {
                    format!("the {} recorded for {}", v.kind.noun(), self.format_time(v.occurred_at))
                });
                format!(
                    "correction: {} (voids {what})",
                    e.reason.as_deref().unwrap_or("no reason given")
                )
            }
            other => other.to_string(),
        };
        if let Some(due) = e.due_at {
            text.push_str(&format!(", due {}", self.format_due(due)));
        }
        if let Some(w) = &e.warnings {
            let rules: Vec<&str> = w.lines().filter_map(|l| l.split(':').next()).collect();
            let (read, warned): (Vec<&str>, Vec<&str>) =
                rules.into_iter().partition(|r| *r == crate::policy::Rule::R14.id());
            if !warned.is_empty() {
                text.push_str(&format!("; warned of {}", warned.join(", ")));
            }
            if !read.is_empty() {
                text.push_str("; the holder said they had read the rules for carrying data home (R14)");
            }
        }
        for (label, value) in [
            ("container", &e.container),
            ("purpose", &e.purpose),
            ("reason", &e.reason),
            ("authorised by", &e.authoriser),
            ("note", &e.note),
        ] {
            // A correction's reason is already in its first words.
            let said = label == "reason" && e.kind == EventKind::Correction;
            if let Some(v) = value.as_ref().filter(|_| !said) {
                text.push_str(&format!("; {label}: {v}"));
            }
        }
        text
    }
}

pub(super) fn prefixed(columns: &str, prefix: &str) -> String {
    columns
        .split(',')
        .map(|c| format!("{prefix}{}", c.trim()))
        .collect::<Vec<_>>()
        .join(", ")
}
