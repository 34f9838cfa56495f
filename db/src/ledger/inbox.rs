//! What a desk receives from the trust's server: other desks' entries, kept as they came, each
//! desk's in its own chain. Each is checked as it arrives (its hash recomputed from its own
//! columns, its place in its desk's chain) and again by `verify`. Received entries are evidence
//! kept side by side with this desk's own; `trust.rs` applies them once a pull has them all.

use std::collections::HashMap;

use rusqlite::{Connection, params};
use uuid::Uuid;

use super::Ledger;
use crate::error::{Error, Result};
use crate::event::{Event, GENESIS_HASH};
use crate::operator::Action;
use crate::record::Record;
use crate::time::to_millis;

/// One entry of another desk, as the server keeps it.
#[derive(Clone, Debug)]
pub struct RemoteEntry {
    pub desk: String,
    pub seq: i64,
    pub id: Uuid,
    /// "event" or "record".
    pub entry: String,
    pub kind: String,
    /// Every column, as that desk stored it.
    pub body: serde_json::Value,
    pub prev_hash: Vec<u8>,
    pub hash: Vec<u8>,
}

impl RemoteEntry {
    /// Why it cannot be kept, if it cannot: its columns must say what its body says, and its
    /// hash must be the hash of its body.
    fn problem(&self) -> Option<String> {
        let (seq, id, desk, kind, prev, computed, stored) = match self.entry.as_str() {
            "event" => match serde_json::from_value::<Event>(self.body.clone()) {
                Ok(e) => (
                    e.seq,
                    e.id,
                    e.desk.clone(),
                    e.kind.as_str(),
                    e.prev_hash,
                    e.compute_hash(),
                    e.hash,
                ),
                Err(e) => return Some(format!("its body is not an event ({e})")),
            },
            "record" => match serde_json::from_value::<Record>(self.body.clone()) {
                Ok(r) => (
                    r.seq,
                    r.id,
                    r.desk.clone(),
                    r.kind.as_str(),
                    r.prev_hash,
                    r.compute_hash(),
                    r.hash,
                ),
                Err(e) => return Some(format!("its body is not a record ({e})")),
            },
            other => return Some(format!("{other:?} is neither an event nor a record")),
        };
        if (seq, id, desk.as_str(), kind) != (self.seq, self.id, self.desk.as_str(), self.kind.as_str()) {
            return Some("its columns do not say what its body says".to_string());
        }
        if prev.as_slice() != self.prev_hash || stored.as_slice() != self.hash {
            return Some("its hashes do not say what its body says".to_string());
        }
        (computed != stored)
            .then(|| "its hash is not the hash of its contents: it was changed after it was made".to_string())
    }
}

impl Ledger {
    /// Sync is an operator's action; but a new desk, made by joining, receives the trust's
    /// entries (its operators among them) before anyone can sign in at it. The login the server
    /// gave this desk is the authority for that first pull, into a file that holds nothing yet.
    pub(crate) fn allow_sync(&self) -> Result<()> {
        match self.allow(Action::Sync) {
            Err(Error::NoOperatorsYet) if crate::record::head(self.conn())?.0 == 0 => Ok(()),
            other => other,
        }
    }

    /// How far this desk holds each other desk's chain: desk id → last sequence number.
    pub fn remote_heads(&self) -> Result<HashMap<String, i64>> {
        self.allow_sync()?;
        let mut stmt = self
            .conn()
            .prepare("SELECT desk, max(seq) FROM remote_entries GROUP BY desk")?;
        let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// How many other desks' entries this desk holds, and from how many desks.
    pub fn remote_counts(&self) -> Result<(i64, i64)> {
        self.allow_sync()?;
        Ok(self
            .conn()
            .query_row("SELECT count(*), count(DISTINCT desk) FROM remote_entries", [], |r| {
                Ok((r.get(0)?, r.get(1)?))
            })?)
    }

    /// Keeps other desks' entries, in their chains' order: all of them, or (if one is refused)
    /// none, with the reason.
    pub fn receive(&mut self, entries: &[RemoteEntry]) -> Result<usize> {
        self.allow_sync()?;
        self.writable()?;
        let own = self.desk().to_string();
        let at = to_millis(self.now());
        self.in_transaction(|ledger| {
            let mut insert = ledger.conn().prepare_cached(
                "INSERT INTO remote_entries (desk, seq, id, entry, kind, body, prev_hash, hash, received_at)
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
            )?;
            for e in entries {
                let refuse = |why: String| Error::RemoteEntryRefused {
                    desk: e.desk.clone(),
                    seq: e.seq,
                    why,
                };
                if e.desk == own {
                    return Err(refuse("it is this desk's own entry, not another's".to_string()));
                }
                if let Some(why) = e.problem() {
                    return Err(refuse(why));
                }
                insert
                    .execute(params![
                        e.desk,
                        e.seq,
                        e.id.as_bytes().as_slice(),
                        e.entry,
                        e.kind,
                        e.body.to_string(),
                        e.prev_hash,
                        e.hash,
                        at
                    ])
                    .map_err(|err| match err.sqlite_error_code() {
                        Some(rusqlite::ErrorCode::ConstraintViolation) => refuse(
                            "it does not continue that desk's chain here (a gap, or an entry already kept)".to_string(),
                        ),
                        _ => Error::from(err),
                    })?;
            }
            Ok(entries.len())
        })
    }
}

/// `verify`'s check of the other desks' chains: each entry's hash recomputed from its body, each
/// desk's numbers consecutive from 1 and linked by their hashes. Returns how many were checked
/// and what is wrong (at most `at_most` lines).
pub(crate) fn check_remote_chains(conn: &Connection, at_most: usize) -> Result<(u64, Vec<String>)> {
    let mut stmt = conn
        .prepare("SELECT desk, seq, id, entry, kind, body, prev_hash, hash FROM remote_entries ORDER BY desk, seq")?;
    let mut rows = stmt.query([])?;
    let (mut checked, mut problems) = (0u64, Vec::new());
    let mut last: Option<(String, i64, Vec<u8>)> = None;
    while let Some(row) = rows.next()? {
        checked += 1;
        let desk: String = row.get(0)?;
        let seq: i64 = row.get(1)?;
        let id: Vec<u8> = row.get(2)?;
        let body: String = row.get(5)?;
        let entry = RemoteEntry {
            desk: desk.clone(),
            seq,
            id: Uuid::from_slice(&id).unwrap_or_default(),
            entry: row.get(3)?,
            kind: row.get(4)?,
            body: serde_json::from_str(&body).unwrap_or(serde_json::Value::Null),
            prev_hash: row.get(6)?,
            hash: row.get(7)?,
        };
        let expected = match &last {
            Some((d, s, h)) if *d == desk => (s + 1, h.clone()),
            _ => (1, GENESIS_HASH.to_vec()),
        };
        let problem = entry.problem().or_else(|| {
            (seq != expected.0 || entry.prev_hash != expected.1)
                .then(|| "it does not follow the entry before it".to_string())
        });
        if let Some(why) = problem
            && problems.len() < at_most
        {
            problems.push(format!("desk {desk}, entry {seq}: {why}"));
        }
        last = Some((desk, seq, entry.hash));
    }
    Ok((checked, problems))
}
