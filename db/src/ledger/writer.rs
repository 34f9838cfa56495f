//! [`Writer`]: one write transaction that appends to the ledger's hash chain, custody events and
//! register records alike, and rolls back unless committed.

use uuid::Uuid;

use super::Ledger;
use crate::error::Result;
use crate::event::{self, Event};
use crate::record::{self, Record};
use crate::time::to_millis;

/// One write transaction. Dropped without [`Writer::commit`], it rolls back: nothing is written.
pub(crate) struct Writer<'a> {
    pub(crate) ledger: &'a Ledger,
    /// Sequence number and hash of the last entry appended.
    head: (i64, [u8; 32]),
    open: bool,
    /// A savepoint inside a caller's transaction rather than a transaction of its own.
    nested: bool,
}

impl Ledger {
    pub(crate) fn writer(&mut self) -> Result<Writer<'_>> {
        // Inside a larger transaction (an incident marking items lost), a savepoint; otherwise
        // IMMEDIATE, to take the write lock now, so two writers never deadlock upgrading a read lock.
        self.writable()?;
        let nested = !self.conn.is_autocommit();
        self.conn
            .execute_batch(if nested { "SAVEPOINT writer" } else { "BEGIN IMMEDIATE" })?;
        let mut w = Writer {
            ledger: self,
            head: (0, event::GENESIS_HASH),
            open: true,
            nested,
        };
        w.head = record::head(&w.ledger.conn)?;
        Ok(w)
    }
}

impl Writer<'_> {
    pub(crate) fn commit(mut self) -> Result<()> {
        self.ledger
            .conn
            .execute_batch(if self.nested { "RELEASE writer" } else { "COMMIT" })?;
        self.open = false;
        Ok(())
    }

    /// The sequence number the next entry will have.
    pub(crate) fn next_seq(&self) -> i64 {
        self.head.0 + 1
    }

    /// Appends any event to the hash chain.
    pub(crate) fn append(&mut self, mut e: Event) -> Result<Event> {
        e.seq = self.next_seq();
        e.id = Uuid::now_v7();
        e.desk.clone_from(&self.ledger.desk);
        e.recorded_at = to_millis(self.ledger.clock.now());
        e.operator.clone_from(&self.ledger.operator);
        e.prev_hash = self.head.1;
        e.hash = e.compute_hash();
        event::insert(&self.ledger.conn, &e)?;
        self.head = (e.seq, e.hash);
        Ok(e)
    }

    /// Appends a register record to the same chain.
    pub(crate) fn append_record(&mut self, mut r: Record) -> Result<Record> {
        r.seq = self.next_seq();
        r.id = Uuid::now_v7();
        r.desk.clone_from(&self.ledger.desk);
        r.recorded_at = to_millis(self.ledger.clock.now());
        r.operator.clone_from(&self.ledger.operator);
        r.prev_hash = self.head.1;
        r.hash = r.compute_hash();
        record::insert(&self.ledger.conn, &r)?;
        self.head = (r.seq, r.hash);
        Ok(r)
    }

    /// The connection, for the projection's writes in this transaction.
    pub(crate) fn conn(&self) -> &rusqlite::Connection {
        &self.ledger.conn
    }
}

impl Drop for Writer<'_> {
    fn drop(&mut self) {
        if self.open {
            let undo = if self.nested {
                "ROLLBACK TO writer; RELEASE writer"
            } else {
                "ROLLBACK"
            };
            let _ = self.ledger.conn.execute_batch(undo);
        }
    }
}
