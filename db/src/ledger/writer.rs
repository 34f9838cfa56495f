//! [`Writer`]: one write transaction that appends to the ledger's hash chain, custody events and
//! register records alike, and rolls back unless committed.

use uuid::Uuid;

use super::Ledger;
use crate::error::Result;
use crate::event::{self, Event};
use crate::record::{self, Record, RecordKind};
use crate::time::to_millis;

/// One write transaction. Dropped without [`Writer::commit`], it rolls back: nothing is written.
pub(crate) struct Writer<'a> {
    pub(crate) ledger: &'a Ledger,
    /// Sequence number and hash of the last entry appended.
    head: (i64, [u8; 32]),
    /// When the last entry was recorded: a clock set back (by hand, or by the network's time)
    /// never makes a "recorded at" earlier than the entry before it.
    last_recorded: i64,
    /// Whether this chain has a signed entry yet: from the first one on, every entry is signed.
    signing_begun: bool,
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
            last_recorded: 0,
            signing_begun: false,
            open: true,
            nested,
        };
        w.head = record::head(&w.ledger.conn)?;
        w.last_recorded = record::recorded_at(&w.ledger.conn, w.head.0)?;
        w.signing_begun = w
            .ledger
            .conn
            .query_row("SELECT EXISTS (SELECT 1 FROM signatures)", [], |r| r.get(0))?;
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

    /// Now, or the last entry's "recorded at" if the clock says earlier.
    fn recorded_now(&mut self) -> i64 {
        self.last_recorded = self.last_recorded.max(to_millis(self.ledger.clock.now()));
        self.last_recorded
    }

    /// Appends any event to the hash chain.
    pub(crate) fn append(&mut self, mut e: Event) -> Result<Event> {
        e.seq = self.next_seq();
        e.id = Uuid::now_v7();
        e.desk.clone_from(&self.ledger.desk);
        e.recorded_at = self.recorded_now();
        e.operator.clone_from(&self.ledger.operator);
        e.prev_hash = self.head.1;
        e.hash = e.compute_hash();
        event::insert(&self.ledger.conn, &e)?;
        self.sign(e.seq, &e.hash, &e.operator, false)?;
        self.head = (e.seq, e.hash);
        Ok(e)
    }

    /// Appends a register record to the same chain.
    pub(crate) fn append_record(&mut self, mut r: Record) -> Result<Record> {
        r.seq = self.next_seq();
        r.id = Uuid::now_v7();
        r.desk.clone_from(&self.ledger.desk);
        r.recorded_at = self.recorded_now();
        r.operator.clone_from(&self.ledger.operator);
        r.prev_hash = self.head.1;
        r.hash = r.compute_hash();
        record::insert(&self.ledger.conn, &r)?;
        // A wrong password is recorded by nobody, so unsigned: it can only count wrong passwords.
        self.sign(r.seq, &r.hash, &r.operator, r.kind == RecordKind::OperatorSignInFailed)?;
        self.head = (r.seq, r.hash);
        Ok(r)
    }

    /// Signs the entry just appended with its author's key. Before this chain's first signed
    /// entry (a database made, or filled, before anyone could sign) an entry may go unsigned;
    /// from then on, every entry must be signed, but a wrong password's.
    fn sign(&mut self, seq: i64, hash: &[u8; 32], operator: &str, may_go_unsigned: bool) -> Result<()> {
        match &self.ledger.signer {
            Some(signer) if signer.operator() == operator => {
                self.ledger.conn.execute(
                    "INSERT INTO signatures (seq, signature) VALUES (?1, ?2)",
                    rusqlite::params![seq, signer.sign_entry(hash).as_slice()],
                )?;
                self.signing_begun = true;
                Ok(())
            }
            _ if !self.signing_begun || may_go_unsigned => Ok(()),
            _ => Err(crate::error::Error::NoSigningKey {
                operator: operator.to_string(),
            }),
        }
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
