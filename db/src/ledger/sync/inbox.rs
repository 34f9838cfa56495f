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
use crate::ledger::signatures::Checker;
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
    /// Its author's signature of its hash; `None` for one recorded before its desk signed.
    pub signature: Option<Vec<u8>>,
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
    /// transaction. All of them, or (if one is refused) none, with the reason. Each signature
    /// is checked first, as `verify` checks this desk's own (see `signatures.rs`).
    ///
    /// Entries a desk recorded before it began signing are kept only beneath a signed entry of
    /// the same chain, once signing has begun in the trust: `cover` is that desk's next signed
    /// entry after `entries`, when they end unsigned (it is checked here, and kept when it
    /// arrives in its turn).
    pub fn receive(&mut self, entries: &[RemoteEntry], cover: Option<&RemoteEntry>) -> Result<Applied> {
        self.allow_sync()?;
        self.writable()?;
        let applied = self.in_transaction(|ledger| {
            let mut touched = Touched::default();
            for chain in entries.chunk_by(|a, b| a.desk == b.desk) {
                let cover = cover.filter(|c| c.desk == chain[0].desk);
                receive_chain(ledger, chain, cover, &mut touched)?;
            }
            super::trust::apply_touched(ledger, touched)
        })?;
        self.reload_timezone()?;
        Ok(applied)
    }
}

/// Keeps consecutive entries of one other desk's chain, each checked, with their signatures.
fn receive_chain(
    ledger: &Ledger,
    chain: &[RemoteEntry],
    cover: Option<&RemoteEntry>,
    touched: &mut Touched,
) -> Result<()> {
    let Some(first) = chain.first() else { return Ok(()) };
    let desk = first.desk.as_str();
    let refuse = |seq: i64, why: String| Error::RemoteEntryRefused {
        desk: desk.to_string(),
        seq,
        why,
    };
    if desk == ledger.desk() {
        return Err(refuse(
            first.seq,
            "it is this desk's own entry, not another's".to_string(),
        ));
    }
    let conn = ledger.conn();
    let mut signatures = Checker::for_remote_chain(conn, desk, first.seq - 1)?;
    let mut first_unsigned = None;
    for e in chain {
        let refuse = |why: String| refuse(e.seq, why);
        let entry = e.parsed().map_err(refuse)?;
        match &e.signature {
            Some(signature) if signature.len() != 64 => {
                return Err(refuse(
                    "its signature is not an Ed25519 signature (64 bytes)".to_string(),
                ));
            }
            None if !signatures.rooted() => first_unsigned = first_unsigned.or(Some(e.seq)),
            _ => {}
        }
        signatures.see(&entry, e.signature.clone())?;
        let kept = match &entry {
            Entry::Event(event) => crate::event::insert_into(conn, "remote_events", event),
            Entry::Record(record) => crate::record::insert_into(conn, "remote_records", record),
        }
        .and_then(|()| match &e.signature {
            Some(signature) => conn
                .execute(
                    "INSERT INTO remote_signatures (desk, seq, signature) VALUES (?1, ?2, ?3)",
                    rusqlite::params![desk, e.seq, signature],
                )
                .map(drop),
            None => Ok(()),
        });
        kept.map_err(|err| match err.sqlite_error_code() {
            Some(rusqlite::ErrorCode::ConstraintViolation) => {
                refuse("it does not continue that desk's chain here (a gap, or an entry already kept)".to_string())
            }
            _ => Error::from(err),
        })?;
        touched.add(&entry);
    }
    if let Some(unsigned) = first_unsigned.filter(|_| !signatures.rooted() && !signatures.found_a_problem())
        && signing_begun(conn)?
    {
        let Some(cover) = cover.filter(|c| c.seq > chain[chain.len() - 1].seq && c.signature.is_some()) else {
            return Err(refuse(
                unsigned,
                "it is signed by nobody, and no signed entry of that desk vouches for it yet: it is kept once \
                 an administrator has signed in at that desk"
                    .to_string(),
            ));
        };
        let entry = cover.parsed().map_err(|why| refuse(cover.seq, why))?;
        signatures.see_ahead(&entry, cover.signature.clone())?;
    }
    let found = signatures.finish()?;
    match (found.problem_at, found.problem) {
        (Some(seq), Some(problem)) => Err(refuse(seq, problem)),
        _ => Ok(()),
    }
}

/// Whether anyone in the trust, as far as this desk knows, has signed an entry.
fn signing_begun(conn: &Connection) -> Result<bool> {
    Ok(conn.query_row(
        "SELECT EXISTS (SELECT 1 FROM signatures) OR EXISTS (SELECT 1 FROM remote_signatures)",
        [],
        |r| r.get(0),
    )?)
}

/// `verify`'s check of the other desks' chains: each entry's hash recomputed from its columns,
/// each desk's numbers consecutive from 1 and linked by their hashes, up to the head this desk
/// notes for it, and each signature kept with them checked as the pull checked it. Returns how
/// many were checked and what is wrong (at most `at_most` lines).
pub(crate) fn check_remote_chains(conn: &Connection, at_most: usize) -> Result<RemoteCheck> {
    let heads: Vec<(String, i64, Vec<u8>)> = conn
        .prepare("SELECT desk, seq, hash FROM remote_chains ORDER BY desk")?
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?
        .collect::<rusqlite::Result<_>>()?;
    let (mut checked, mut problems, mut before_hearing) = (0u64, Vec::new(), Vec::new());
    for (desk, head, head_hash) in heads {
        let mut last = (0i64, GENESIS_HASH);
        let say = |seq: i64, why: &str, problems: &mut Vec<String>| {
            if problems.len() < at_most {
                problems.push(format!("desk {desk}, entry {seq}: {why}"));
            }
        };
        let mut signatures = Checker::for_remote_chain(conn, &desk, 0)?.reading_kept_signatures();
        crate::record::for_each_remote_entry(conn, &desk, 0, i64::MAX, |entry| {
            checked += 1;
            signatures.see_kept(&entry)?;
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
        let signed = signatures.finish()?;
        before_hearing.extend(crate::ledger::verify::before_hearing(&format!("desk {desk}"), &signed));
        if let Some(problem) = signed.problem.filter(|_| problems.len() < at_most) {
            problems.push(format!("desk {desk}, {problem}"));
        }
        if (last.0, last.1.as_slice()) != (head, head_hash.as_slice()) {
            say(
                last.0,
                &format!("the chain held ends here, but entry {head} was received"),
                &mut problems,
            );
        }
    }
    Ok(RemoteCheck {
        checked,
        problems,
        before_hearing,
    })
}

/// What [`check_remote_chains`] found.
pub(crate) struct RemoteCheck {
    pub checked: u64,
    pub problems: Vec<String>,
    /// Per desk, what [`crate::ledger::verify::before_hearing`] says of it.
    pub before_hearing: Vec<String>,
}
