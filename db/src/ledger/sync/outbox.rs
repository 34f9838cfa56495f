//! What a desk sends to the trust's server: its own entries, in chain order, read in batches.
//! The ledger knows nothing of the network; the sync layer (in the app) asks for these.

use crate::error::Result;
use crate::ledger::Ledger;
use crate::record::{self, Entry};

impl Ledger {
    /// This desk's id (a UUIDv7 made with the database): the name of its chain on a server.
    pub fn desk_id(&self) -> &str {
        self.desk()
    }

    /// The chain's head: the latest sequence number and its full hash (zeros when empty).
    pub fn head(&self) -> Result<(i64, [u8; 32])> {
        Ok(record::head(self.conn())?)
    }

    /// The hash of entry `seq`, if the chain has one (to check a server's copy against).
    pub fn hash_of_entry(&self, seq: i64) -> Result<Option<Vec<u8>>> {
        Ok(record::hash_at(self.conn(), seq)?)
    }

    /// Up to `limit` entries after `after`, events and records merged in chain order.
    pub fn entries_after(&self, after: i64, limit: usize) -> Result<Vec<Entry>> {
        self.allow_sync()?;
        let mut entries = Vec::with_capacity(limit.min(10_000));
        let mut stop = |e: Entry| -> Result<()> {
            if entries.len() < limit {
                entries.push(e);
            }
            Ok(())
        };
        // Bounded by sequence number, so a batch reads only what it returns.
        let upto = after.saturating_add(limit as i64);
        record::for_each_entry_between(self.conn(), after, upto, &mut stop)?;
        Ok(entries)
    }

    /// The signatures of this desk's entries `after < seq <= upto`, by sequence number (an
    /// entry recorded before signing began has none).
    pub fn signatures_between(&self, after: i64, upto: i64) -> Result<std::collections::HashMap<i64, Vec<u8>>> {
        self.allow_sync()?;
        let mut stmt = self
            .conn()
            .prepare_cached("SELECT seq, signature FROM signatures WHERE seq > ?1 AND seq <= ?2")?;
        let rows = stmt.query_map([after, upto], |r| Ok((r.get(0)?, r.get(1)?)))?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }
}

impl Entry {
    /// "event" or "record".
    pub fn table(&self) -> &'static str {
        match self {
            Entry::Event(_) => "event",
            Entry::Record(_) => "record",
        }
    }

    /// Its kind as stored: "sign-out", "item-changed", …
    pub fn kind_name(&self) -> &'static str {
        match self {
            Entry::Event(e) => e.kind.as_str(),
            Entry::Record(r) => r.kind.as_str(),
        }
    }

    /// Every column, as JSON (hashes in hex), for a server that keeps it as it came.
    pub fn to_json(&self) -> serde_json::Value {
        match self {
            Entry::Event(e) => serde_json::to_value(e),
            Entry::Record(r) => serde_json::to_value(r),
        }
        .unwrap_or(serde_json::Value::Null)
    }
}
