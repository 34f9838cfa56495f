//! The trust's ledger as one. What other desks recorded, as it is received (`inbox.rs`), is
//! applied here: every register row and item state it touches becomes again the replay of all
//! desks' entries (`interleave.rs` says in what order). Items two desks moved apart in ways that cannot both
//! be true are conflicts until a correction voids the move that should not stand.

use std::collections::{BTreeSet, HashMap};

use rusqlite::{Connection, OptionalExtension, params};
use serde_json::{Map, Value};

use crate::error::{Error, Result};
use crate::event::Event;
use crate::ledger::Ledger;
use crate::ledger::custody::write_state;
use crate::ledger::queries::{STATE_COLUMNS, state_from_row};
use crate::ledger::records::{fold_subject, rebuild, records_of};
use crate::ledger::register::{ITEM_COLUMN_COUNT, ITEM_COLUMNS, item_from_row, write_item, write_person};
use crate::model::{Container, Item, Person};
use crate::operator::Action;
use crate::record::{Entry, Register};
use crate::state::{ItemState, apply};

/// The setting: after how many days without a sync a desk says so on every screen.
pub const SYNC_WARNING_KEY: &str = "sync-warning-days";
pub const DEFAULT_SYNC_WARNING_DAYS: u32 = 3;

/// What receiving other desks' entries did.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Applied {
    /// Items whose state was derived again.
    pub items: u64,
    /// Of those, how many are now in conflict.
    pub conflicts: u64,
}

/// What received entries touch: the items whose events they are, and the register's subjects
/// (by the order their registers are replayed in).
#[derive(Debug, Default)]
pub(crate) struct Touched {
    items: BTreeSet<String>,
    subjects: BTreeSet<(usize, String)>,
}

impl Touched {
    pub(crate) fn add(&mut self, entry: &Entry) {
        match entry {
            Entry::Event(e) => {
                self.items.insert(e.item.clone());
            }
            Entry::Record(r) if applies_everywhere(r.kind.register()) => {
                self.subjects
                    .insert((register_order(r.kind.register()), r.subject.clone()));
            }
            Entry::Record(_) => {}
        }
    }
}

/// Replays every register row and item state that received entries touched from every desk's
/// entries (inside the transaction that received them). An item whose registration has not
/// arrived yet waits for it: its registration touches it again.
pub(crate) fn apply_touched(ledger: &Ledger, touched: Touched) -> Result<Applied> {
    let own = ledger.desk().to_string();
    let conn = ledger.conn();
    let Touched { mut items, subjects } = touched;
    let mut applied = Applied::default();
    for (order, subject) in subjects {
        let register = REGISTERS[order];
        store_replayed(conn, &own, register, &subject)?;
        if register == Register::Item {
            items.insert(subject);
        }
    }
    for tag in items {
        if conn
            .query_row("SELECT 1 FROM items WHERE tag = ?1", [&tag], |_| Ok(()))
            .optional()?
            .is_none()
        {
            continue;
        }
        let state = ledger.replay_item(&tag)?;
        applied.items += 1;
        applied.conflicts += u64::from(state.conflict);
        write_state(conn, &tag, &state)?;
    }
    Ok(applied)
}

/// An item that desks disagree about, with the events that disagree.
#[derive(Clone, Debug)]
pub struct Conflict {
    pub item: Item,
    /// Its state as replayed: the latest record wins, and exposure counts every possible holder.
    pub state: ItemState,
    /// Its events that count, from the last one that stood before the first disagreement.
    pub events: Vec<Event>,
    /// Which of those could not happen after the one before (ids).
    pub refused: Vec<uuid::Uuid>,
}

impl Ledger {
    /// What a desk received under schema 7 and never applied, applied once, after the migration
    /// that keeps it column by column (it leaves a note in `meta` when there is any).
    pub(crate) fn apply_migrated(&mut self) -> Result<()> {
        let noted = self
            .conn()
            .query_row("SELECT 1 FROM meta WHERE key = 'remote-to-apply'", [], |_| Ok(()))
            .optional()?;
        if noted.is_none() || self.writable().is_err() {
            return Ok(());
        }
        self.in_transaction(|ledger| {
            let mut touched = Touched::default();
            for desk in ledger.remote_desks()? {
                crate::record::for_each_remote_entry(ledger.conn(), &desk, 0, i64::MAX, |entry| {
                    touched.add(&entry);
                    Ok(())
                })?;
            }
            apply_touched(ledger, touched)?;
            ledger
                .conn()
                .execute("DELETE FROM meta WHERE key = 'remote-to-apply'", [])?;
            Ok(())
        })
    }

    fn remote_desks(&self) -> Result<Vec<String>> {
        let mut stmt = self.conn().prepare("SELECT desk FROM remote_chains")?;
        let rows = stmt.query_map([], |r| r.get(0))?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// After how many days without a sync the desk warns.
    pub fn sync_warning_days(&self) -> Result<u32> {
        Ok(self
            .setting(SYNC_WARNING_KEY)?
            .and_then(|v| v.parse().ok())
            .unwrap_or(DEFAULT_SYNC_WARNING_DAYS))
    }

    /// Sets after how many days without a sync the desk warns (1 to 30; administrators only).
    pub fn set_sync_warning_days(&mut self, days: u32) -> Result<()> {
        self.allow(Action::AllSettings)?;
        if !(1..=30).contains(&days) {
            return Err(Error::InvalidText {
                field: "sync warning",
                why: format!("{days} days is outside 1 to 30"),
            });
        }
        self.put_setting(SYNC_WARNING_KEY, &days.to_string())
    }

    /// What to say on every screen when this desk last synced with its trust's server too long
    /// ago (`last_synced`, Unix ms), if it has.
    pub fn unsynced_warning(&self, last_synced: i64) -> Result<Option<String>> {
        let days = (crate::time::to_millis(self.now()) - last_synced) / 86_400_000;
        if days < i64::from(self.sync_warning_days()?) {
            return Ok(None);
        }
        Ok(Some(format!(
            "Not synced with the trust's server for {days} days (since {}): other desks' records since then are missing here, and this desk's wait to be sent. Check the network, or ask whoever looks after the server.",
            self.format_time(last_synced)
        )))
    }

    /// Remembers the trust's desks' names, as its server knows them (id → name).
    pub fn name_desks(&mut self, names: &[(String, String)]) -> Result<()> {
        self.allow_sync()?;
        self.writable()?;
        self.in_transaction(|ledger| {
            let mut stmt = ledger.conn().prepare_cached(
                "INSERT INTO desk_names (desk, name) VALUES (?1, ?2)
                 ON CONFLICT (desk) DO UPDATE SET name = excluded.name",
            )?;
            for (desk, name) in names {
                stmt.execute(params![desk, name])?;
            }
            Ok(())
        })
    }

    /// Every desk's name that is known here, by id.
    pub fn desk_names(&self) -> Result<HashMap<String, String>> {
        let mut stmt = self.conn().prepare_cached("SELECT desk, name FROM desk_names")?;
        let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// What to call a desk: its name if known, else the start of its id.
    pub fn desk_label(&self, desk: &str) -> Result<String> {
        Ok(self
            .conn()
            .prepare_cached("SELECT name FROM desk_names WHERE desk = ?1")?
            .query_row([desk], |r| r.get(0))
            .optional()?
            .unwrap_or_else(|| desk.chars().take(8).collect()))
    }

    /// Whether this desk holds other desks' records (then rows say which desk recorded them).
    pub fn has_other_desks(&self) -> Result<bool> {
        Ok(self
            .conn()
            .query_row("SELECT 1 FROM remote_events LIMIT 1", [], |_| Ok(()))
            .optional()?
            .is_some())
    }

    /// The id of the desk called `name` (or with that id), among this desk and those it heard from.
    pub fn desk_named(&self, name: &str) -> Result<String> {
        let wanted = name.trim();
        let mut desks: Vec<(String, String)> = self
            .conn()
            .prepare_cached(
                "SELECT d.desk, coalesce(n.name, d.desk) FROM
                     (SELECT ?1 AS desk UNION SELECT desk FROM remote_chains) d
                 LEFT JOIN desk_names n ON n.desk = d.desk ORDER BY 2",
            )?
            .query_map([self.desk()], |r| Ok((r.get(0)?, r.get(1)?)))?
            .collect::<rusqlite::Result<_>>()?;
        if let Some((id, _)) = desks
            .iter()
            .find(|(id, n)| n.eq_ignore_ascii_case(wanted) || id.eq_ignore_ascii_case(wanted))
        {
            return Ok(id.clone());
        }
        Err(Error::UnknownDesk {
            name: wanted.to_string(),
            known: desks.drain(..).map(|(_, n)| n).collect::<Vec<_>>().join(", "),
        })
    }

    /// How many items desks disagree about.
    pub fn conflicts_count(&self) -> Result<u64> {
        Ok(self
            .conn()
            .query_row("SELECT count(*) FROM item_state WHERE conflict = 1", [], |r| {
                r.get::<_, i64>(0)
            })?
            .unsigned_abs())
    }

    /// Items that desks disagree about, by tag, each with the events that disagree.
    pub fn conflicts(&self) -> Result<Vec<Conflict>> {
        self.allow(Action::SeeRegister)?;
        let mut stmt = self.conn().prepare_cached(&format!(
            "SELECT {ITEM_COLUMNS}, {STATE_COLUMNS} FROM item_state s JOIN items i ON i.tag = s.item
             WHERE s.conflict = 1 ORDER BY i.tag"
        ))?;
        let rows: Vec<(Item, ItemState)> = stmt
            .query_map([], |r| Ok((item_from_row(r)?, state_from_row(r, ITEM_COLUMN_COUNT)?)))?
            .collect::<rusqlite::Result<_>>()?;
        let mut conflicts = Vec::new();
        for (item, state) in rows {
            let events = self.effective_events(&item.tag)?;
            let (from, refused) = disagreement(&events);
            conflicts.push(Conflict {
                item,
                state,
                events: events[from..].to_vec(),
                refused,
            });
        }
        Ok(conflicts)
    }
}

/// Where the disagreement in an item's events begins (the last event that stood before the
/// first refused move) and the refused moves.
fn disagreement(events: &[Event]) -> (usize, Vec<uuid::Uuid>) {
    let mut state = ItemState::default();
    let mut stood = 0;
    let mut first: Option<usize> = None;
    let mut refused = Vec::new();
    for (i, e) in events.iter().enumerate() {
        match apply(&state, &e.as_move()) {
            Ok(next) => {
                state = next;
                if first.is_none() {
                    stood = i;
                }
            }
            Err(_) => {
                let next = crate::state::apply_anyway(&state, &e.as_move());
                if next.conflict {
                    refused.push(e.id);
                    first.get_or_insert(i);
                }
                state = next;
            }
        }
    }
    (stood, refused)
}

/// The registers every desk shares. Incidents stay with the desk that opened them (their
/// numbers are each desk's own); the other desks keep their records as received.
fn applies_everywhere(register: Register) -> bool {
    register != Register::Incident
}

/// The order in which touched registers are replayed: people, containers and operators before
/// items, whose states name people and containers.
const REGISTERS: [Register; 5] = [
    Register::Setting,
    Register::Operator,
    Register::Person,
    Register::Container,
    Register::Item,
];

fn register_order(register: Register) -> usize {
    REGISTERS.iter().position(|r| *r == register).unwrap_or(0)
}

/// Writes one subject's row as the replay of every desk's records of it.
fn store_replayed(conn: &Connection, own: &str, register: Register, subject: &str) -> Result<()> {
    let records = records_of(conn, own, register, subject)?;
    let Some(first) = records.first() else { return Ok(()) };
    let added_at = first.occurred_at;
    let fields = fold_subject(&records).1;
    let unreadable = || Error::RemoteEntryRefused {
        desk: first.desk.clone(),
        seq: first.seq,
        why: format!("its records do not make a whole register row for {subject}"),
    };
    match register {
        Register::Item => {
            let item: Item = rebuild("tag", subject, &fields).ok_or_else(unreadable)?;
            write_item(conn, &item, added_at)?;
            conn.execute(
                "UPDATE items SET added_at = ?1 WHERE tag = ?2",
                params![added_at, subject],
            )?;
            conn.execute(
                "INSERT INTO item_state (item, status) VALUES (?1, 'in') ON CONFLICT (item) DO NOTHING",
                [subject],
            )?;
        }
        Register::Person => {
            let person: Person = rebuild("id", subject, &fields).ok_or_else(unreadable)?;
            write_person(conn, &person, added_at)?;
            conn.execute(
                "UPDATE people SET added_at = ?1 WHERE id = ?2",
                params![added_at, subject],
            )?;
        }
        Register::Container => {
            let container: Container = rebuild("id", subject, &fields).ok_or_else(unreadable)?;
            conn.execute(
                "INSERT INTO containers (id, kind, name, added_at) VALUES (?1, ?2, ?3, ?4)
                 ON CONFLICT (id) DO UPDATE SET kind = excluded.kind, name = excluded.name, added_at = excluded.added_at",
                params![container.id, container.kind.as_str(), container.name, added_at],
            )?;
        }
        Register::Setting => {
            let value = fields.get("value").and_then(Value::as_str).ok_or_else(unreadable)?;
            conn.execute(
                "INSERT INTO settings (key, value) VALUES (?1, ?2) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                [subject, value],
            )?;
        }
        Register::Operator => store_operator(conn, subject, &fields, added_at).map_err(|_| unreadable())?,
        Register::Incident | Register::Workflow => {}
    }
    Ok(())
}

/// An operator's row from their records' fields.
fn store_operator(conn: &Connection, id: &str, fields: &Map<String, Value>, added_at: i64) -> Result<()> {
    let text = |k: &str| fields.get(k).and_then(Value::as_str).map(str::to_string);
    let int = |k: &str| fields.get(k).and_then(Value::as_i64);
    let (Some(name), Some(role), Some(password)) = (text("name"), text("role"), text("password")) else {
        return Err(Error::UnknownOperator(id.to_string()));
    };
    conn.execute(
        "INSERT INTO operators (id, name, role, active, password, failed_attempts, last_failed_at, locked_until, added_at,
                                public_key, sealed_key)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)
         ON CONFLICT (id) DO UPDATE SET name = excluded.name, role = excluded.role, active = excluded.active,
             password = excluded.password, failed_attempts = excluded.failed_attempts,
             last_failed_at = excluded.last_failed_at, locked_until = excluded.locked_until, added_at = excluded.added_at,
             public_key = excluded.public_key, sealed_key = excluded.sealed_key",
        params![
            id,
            name,
            role,
            fields.get("active").and_then(Value::as_bool).unwrap_or(true),
            password,
            int("failed_attempts").unwrap_or(0),
            int("last_failed_at"),
            int("locked_until"),
            added_at,
            text("public_key"),
            text("sealed_key")
        ],
    )?;
    Ok(())
}
