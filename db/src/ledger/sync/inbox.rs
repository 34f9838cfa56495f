//! What a desk receives from the trust's server: other desks' entries, kept column by column as
//! their desks stored them, each desk's in its own chain. Each is checked as it arrives (its hash
//! recomputed from its own columns, its place in its desk's chain) and again by `verify`.
//! `trust.rs` applies them once a pull has them all.

use std::collections::HashMap;

use rusqlite::Connection;
use uuid::Uuid;

use super::trust::{Applied, Touched};
use crate::error::{Error, Result};
use crate::event::{Event, GENESIS_HASH};
use crate::ledger::Ledger;
use crate::operator::Action;
use crate::record::Entry;
use crate::record::Record;

/// One entry of another desk, as the server keeps it.
#[derive(Clone, Debug)]
pub struct RemoteEntry {
    pub desk: String,
    pub seq: i64,
    pub id: Uuid,
    /// "event" or "record".
    pub entry: String,
    pub kind: String,
    /// Every column, as that desk stored it: JSON text.
    pub body: String,
    pub prev_hash: Vec<u8>,
    pub hash: Vec<u8>,
}

impl RemoteEntry {
    /// The entry it carries, or why it cannot be kept: its columns must say what its body says,
    /// and its hash must be the hash of its body.
    fn parsed(&self) -> std::result::Result<Entry, String> {
        let entry = match self.entry.as_str() {
            "event" => Entry::Event(
                serde_json::from_str::<Event>(&self.body).map_err(|e| format!("its body is not an event ({e})"))?,
            ),
            "record" => Entry::Record(
                serde_json::from_str::<Record>(&self.body).map_err(|e| format!("its body is not a record ({e})"))?,
            ),
            other => return Err(format!("{other:?} is neither an event nor a record")),
        };
        let (desk, kind) = match &entry {
            Entry::Event(e) => (e.desk.as_str(), e.kind.as_str()),
            Entry::Record(r) => (r.desk.as_str(), r.kind.as_str()),
        };
        if (entry.seq(), entry.id(), desk, kind) != (self.seq, self.id, self.desk.as_str(), self.kind.as_str()) {
            return Err("its columns do not say what its body says".to_string());
        }
        if entry.prev_hash().as_slice() != self.prev_hash || entry.hash().as_slice() != self.hash {
            return Err("its hashes do not say what its body says".to_string());
        }
        if entry.compute_hash() != entry.hash() {
            return Err("its hash is not the hash of its contents: it was changed after it was made".to_string());
        }
        Ok(entry)
    }
}

impl Ledger {
    /// Sync is an operator's action; but a new desk, made by joining, receives the trust's
    /// entries (its operators among them) before anyone can sign in at it. The login the server
    /// gave this desk is the authority for that first pull, made by the program that made the
    /// file ([`Ledger::create_to_join`]).
    pub(crate) fn allow_sync(&self) -> Result<()> {
        if self.joining && self.session().is_none() {
            return Ok(());
        }
        self.allow(Action::Sync)
    }

    /// How far this desk holds each other desk's chain: desk id → last sequence number.
    pub fn remote_heads(&self) -> Result<HashMap<String, i64>> {
        self.allow_sync()?;
        let mut stmt = self.conn().prepare_cached("SELECT desk, seq FROM remote_chains")?;
        let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// How many other desks' entries this desk holds, and from how many desks.
    pub fn remote_counts(&self) -> Result<(i64, i64)> {
        self.allow_sync()?;
        Ok(self
            .conn()
            .query_row("SELECT coalesce(sum(seq), 0), count(*) FROM remote_chains", [], |r| {
                Ok((r.get(0)?, r.get(1)?))
            })?)
    }

    /// Keeps other desks' entries, in their chains' order, and applies them: the register rows
    /// and item states they touch are replayed from every desk's entries, in the same
    /// transaction. All of them, or (if one is refused) none, with the reason.
    pub fn receive(&mut self, entries: &[RemoteEntry]) -> Result<Applied> {
        self.allow_sync()?;
        self.writable()?;
        let own = self.desk().to_string();
        let applied = self.in_transaction(|ledger| {
            let mut touched = Touched::default();
            for e in entries {
                let refuse = |why: String| Error::RemoteEntryRefused {
                    desk: e.desk.clone(),
                    seq: e.seq,
                    why,
                };
                if e.desk == own {
                    return Err(refuse("it is this desk's own entry, not another's".to_string()));
                }
                let entry = e.parsed().map_err(refuse)?;
                let kept = match &entry {
                    Entry::Event(event) => crate::event::insert_into(ledger.conn(), "remote_events", event),
                    Entry::Record(record) => crate::record::insert_into(ledger.conn(), "remote_records", record),
                };
                kept.map_err(|err| match err.sqlite_error_code() {
                    Some(rusqlite::ErrorCode::ConstraintViolation) => refuse(
                        "it does not continue that desk's chain here (a gap, or an entry already kept)".to_string(),
                    ),
                    _ => Error::from(err),
                })?;
                touched.add(&entry);
            }
            super::trust::apply_touched(ledger, touched)
        })?;
        self.reload_timezone()?;
        Ok(applied)
    }
}

/// `verify`'s check of the other desks' chains: each entry's hash recomputed from its columns,
/// each desk's numbers consecutive from 1 and linked by their hashes, up to the head this desk
/// notes for it. Returns how many were checked and what is wrong (at most `at_most` lines).
pub(crate) fn check_remote_chains(conn: &Connection, at_most: usize) -> Result<(u64, Vec<String>)> {
    let heads: Vec<(String, i64, Vec<u8>)> = conn
        .prepare("SELECT desk, seq, hash FROM remote_chains ORDER BY desk")?
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?
        .collect::<rusqlite::Result<_>>()?;
    let (mut checked, mut problems) = (0u64, Vec::new());
    for (desk, head, head_hash) in heads {
        let mut last = (0i64, GENESIS_HASH);
        let say = |seq: i64, why: &str, problems: &mut Vec<String>| {
            if problems.len() < at_most {
                problems.push(format!("desk {desk}, entry {seq}: {why}"));
            }
        };
        crate::record::for_each_remote_entry(conn, &desk, 0, i64::MAX, |entry| {
            checked += 1;
            if entry.compute_hash() != entry.hash() {
                say(
                    entry.seq(),
                    "its hash is not the hash of its contents: it was changed after it was made",
                    &mut problems,
                );
            } else if entry.seq() != last.0 + 1 || entry.prev_hash() != last.1 {
                say(entry.seq(), "it does not follow the entry before it", &mut problems);
            }
            last = (entry.seq(), entry.hash());
            Ok(())
        })?;
        if (last.0, last.1.as_slice()) != (head, head_hash.as_slice()) {
            say(
                last.0,
                &format!("the chain held ends here, but entry {head} was received"),
                &mut problems,
            );
        }
    }
    Ok((checked, problems))
}
