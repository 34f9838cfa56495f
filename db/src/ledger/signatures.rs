//! The check of who did what: every entry of a chain signed by its author, with the key their
//! record held at that moment, and every key issued by someone entitled to issue it; for
//! `verify` (this desk's chain) and for a pull (another desk's, before anything is kept). The
//! chain is read once, in order; operators' records (the chain's own as they pass, other
//! chains' merged by when they were recorded) say who held which key, role and standing.
//!
//! The rules, in the order a ledger meets them:
//! - Entries before the first signed one predate signing (a file made, filled or upgraded before
//!   anyone could sign): counted, and vouched for by that first signed entry.
//! - The first signed entry is the root: an administrator's own record carrying their new key,
//!   signed with it (the first administrator's `operator-added`, or an older file's first
//!   administrator sign-in since signing, which names the chain's head it vouches for).
//! - After it, every entry is signed by its author's key, the author active then; but a wrong
//!   password (recorded by nobody) may go unsigned. A record that issues a key, adds an
//!   operator, or changes a role, standing or password is signed by an active administrator.

use std::collections::HashMap;

use rusqlite::Connection;
use serde_json::{Map, Value};

use super::root::{own_root_key, pinned_root};
use crate::error::Result;
use crate::operator::Role;
use crate::record::{Entry, Record, RecordKind, Register};
use crate::signing::batch::{SignedEntry, first_failing};
use crate::signing::{fingerprint, public_key_from_hex};

/// What the signatures say, for the verify report.
#[derive(Clone, Debug, Default)]
pub struct SignatureCheck {
    /// Entries whose signature was checked (and held).
    pub checked: u64,
    /// Entries before the first signed one.
    pub predating: u64,
    /// The root key's fingerprint, once signing has begun.
    pub root: Option<String>,
    /// The first entry whose signature is missing, wrong, or made by a key with no right to it.
    pub problem: Option<String>,
    /// That entry's sequence number.
    pub problem_at: Option<i64>,
    /// Entries signed after a change made at another desk had taken that power away, while the
    /// chain's own desk may not yet have heard of it (accepted: see [`Checker`]).
    pub before_hearing: u64,
    /// The first of them, described.
    pub first_before_hearing: Option<String>,
}

/// An operator's standing as their records have said so far.
#[derive(Clone, Debug, Default)]
struct Standing {
    /// The keys they may sign with, the latest last: one, but for the keys other desks issued
    /// while this chain's desk may still have held an older one.
    keys: Vec<[u8; 32]>,
    role: Option<Role>,
    active: bool,
}

/// Signatures are checked in batches, on every core, while the chain is read.
const BATCH: usize = 16384;

/// Another desk's operator records that give power count a few minutes before that desk
/// recorded them: desks' clocks differ, and a desk acts on a record moments after pulling it.
const CLOCKS_MAY_DIFFER: i64 = 5 * 60 * 1000;

/// Checks each entry's signature as a chain is read in order (this desk's, by verify's one
/// pass; another desk's, by a pull before it keeps anything): who was entitled is decided
/// here; whether each signature holds, by workers on every core.
///
/// A change made at another desk that takes power away (an operator disabled, a role lowered,
/// a new key) reaches this chain's desk only when it pulls, which may be days later for a desk
/// that is offline: until then the desk rightly lets the operator go on as before. The record
/// cannot say when the desk heard, so such an entry is accepted, counted and named in the
/// report ([`SignatureCheck::before_hearing`]): refusing it would stop every other desk's pull
/// of this chain for good. Never so a change to operators, nor a first signed entry that vouches
/// for entries before it ([`Checker::authors_key`]). This desk's own changes count exactly.
pub(crate) struct Checker<'c> {
    conn: &'c Connection,
    /// The other desk whose chain this is; `None` for this desk's own.
    desk: Option<String>,
    found: SignatureCheck,
    /// The first entry found wrong here (not by the workers), with its place in the chain.
    problem: Option<(i64, String)>,
    /// Standings as the record says at each moment: every chain's changes, another chain's
    /// counting from when it was recorded (what they give, a few minutes before).
    operators: HashMap<String, Standing>,
    /// Standings as this chain's desk may have known them: another chain's changes count only
    /// for what they give, a few minutes early.
    known_here: HashMap<String, Standing>,
    /// Other chains' operator records not yet applied, the earliest last.
    others: Vec<Record>,
    /// Other chains' operator records whose gifts are applied and whose whole is not yet, the
    /// earliest first.
    given_early: std::collections::VecDeque<Record>,
    /// The trust's root: the one this desk holds to ([`pinned_root`]); for a file that has
    /// none, the first key another chain's records issued to an administrator, by themselves.
    trust_root: Option<[u8; 32]>,
    /// Whether `trust_root` is the one this desk holds to (and not found along the way).
    pinned: bool,
    /// Whether this chain has had a signed entry.
    rooted: bool,
    /// This desk's `signatures` table, read alongside its chain.
    signatures: Option<Signatures<'c>>,
    previous: (i64, [u8; 32]),
    batch: Batch,
    workers: Workers,
}

impl<'c> Checker<'c> {
    /// For this desk's chain, from its first entry; the signatures are its own table's.
    pub(crate) fn for_own_chain(conn: &'c Connection, own: &str) -> Result<Checker<'c>> {
        let others = operator_records(
            conn,
            "SELECT {} FROM remote_records WHERE desk <> ?1 AND {kinds} ORDER BY recorded_at, desk, seq",
            [own],
        )?;
        let mut checker = Checker::start(conn, None, others, (0, crate::event::GENESIS_HASH))?;
        checker.signatures = Some(Signatures::new(conn, None));
        Ok(checker)
    }

    /// For another desk's chain, continuing after the entry `after` this desk holds of it; the
    /// signatures come with each entry. Every other chain's operator records, and this chain's
    /// up to `after`, say who held which key.
    pub(crate) fn for_remote_chain(conn: &'c Connection, desk: &str, after: i64) -> Result<Checker<'c>> {
        use rusqlite::OptionalExtension;
        let others = operator_records(
            conn,
            "SELECT {} FROM all_records WHERE desk <> ?1 AND {kinds} ORDER BY recorded_at, desk, seq",
            [desk],
        )?;
        // This chain's own records so far come before what follows, whenever they were recorded.
        let earlier = operator_records(
            conn,
            "SELECT {} FROM remote_records WHERE desk = ?1 AND seq <= ?2 AND {kinds} ORDER BY seq",
            rusqlite::params![desk, after],
        )?;
        let previous: Option<Vec<u8>> = conn
            .query_row(
                "SELECT hash FROM remote_events WHERE desk = ?1 AND seq = ?2
                 UNION ALL SELECT hash FROM remote_records WHERE desk = ?1 AND seq = ?2",
                rusqlite::params![desk, after],
                |r| r.get(0),
            )
            .optional()?;
        let previous = previous
            .and_then(|hash| <[u8; 32]>::try_from(hash).ok())
            .map_or((0, crate::event::GENESIS_HASH), |hash| (after, hash));
        let mut checker = Checker::start(conn, Some(desk.to_string()), others, previous)?;
        // As a pass from the chain's start would meet them: each after the other chains' records
        // recorded before it, so that a pull that resumes decides as `verify` does.
        for r in &earlier {
            if checker.trust_root.is_none() {
                checker.trust_root = own_root_key(r);
            }
            checker.hear_of_others(r.recorded_at);
            checker.apply_own(r);
        }
        checker.rooted = conn.query_row(
            "SELECT EXISTS (SELECT 1 FROM remote_signatures WHERE desk = ?1 AND seq <= ?2)",
            rusqlite::params![desk, after],
            |r| r.get(0),
        )?;
        Ok(checker)
    }

    fn start(
        conn: &'c Connection,
        desk: Option<String>,
        mut others: Vec<Record>,
        previous: (i64, [u8; 32]),
    ) -> Result<Self> {
        others.reverse();
        let trust_root = pinned_root(conn)?;
        Ok(Checker {
            conn,
            desk,
            found: SignatureCheck::default(),
            problem: None,
            operators: HashMap::new(),
            known_here: HashMap::new(),
            others,
            given_early: Default::default(),
            pinned: trust_root.is_some(),
            trust_root,
            rooted: false,
            signatures: None,
            previous,
            batch: Batch::default(),
            workers: Workers::start(),
        })
    }

    /// The signatures are to be read from where this desk keeps them (for `verify`), not
    /// handed over with each entry (as a pull does).
    pub(crate) fn reading_kept_signatures(mut self) -> Self {
        self.signatures = Some(Signatures::new(self.conn, self.desk.clone()));
        self
    }

    /// The next entry of the chain, its signature read from where this desk keeps it.
    pub(crate) fn see_kept(&mut self, entry: &Entry) -> Result<()> {
        let Some(signatures) = &mut self.signatures else {
            return Ok(());
        };
        match signatures.take_for(entry.seq())? {
            Err(stray) if self.problem.is_none() => {
                self.problem = Some((stray, stray_signature(stray)));
                Ok(())
            }
            Err(_) => Ok(()),
            Ok(signature) => self.see(entry, signature),
        }
    }

    /// The next entry of the chain, with the signature kept for it.
    pub(crate) fn see(&mut self, entry: &Entry, signature: Option<Vec<u8>>) -> Result<()> {
        if self.problem.is_some() {
            return Ok(());
        }
        let (seq, hash) = (entry.seq(), entry.hash());
        let (operator, recorded_at) = author(entry);
        self.hear_of_others(recorded_at);
        let refuse = |why: String| Some((seq, format!("entry {seq} ({}): {why}", describe(entry))));
        if let Some(field) = overreach(entry) {
            self.problem = refuse(format!(
                "a record of a sign-in, sign-out or lock sets {field}, which only an administrator's change of the operator may"
            ));
            return Ok(());
        }
        match signature {
            None if !self.rooted => self.found.predating += 1,
            None if is_wrong_password(entry) => {}
            None => self.problem = refuse("its signature is missing".to_string()),
            Some(signature) => match self.signing_key(entry, operator, &signature) {
                Ok(key) => {
                    self.rooted = true;
                    self.batch.push(seq, SignedEntry { key, hash, signature });
                }
                Err(why) => self.problem = refuse(why),
            },
        }
        if let Entry::Record(r) = entry
            && r.kind.register() == Register::Operator
        {
            self.apply_own(r);
        }
        self.previous = (seq, hash);
        if self.batch.seqs.len() >= BATCH {
            self.workers.check(std::mem::take(&mut self.batch));
        }
        Ok(())
    }

    /// Other chains' operator records up to an entry recorded at `recorded_at`: what they give
    /// from a few minutes before they were recorded, the whole of them from when they were.
    fn hear_of_others(&mut self, recorded_at: i64) {
        while self
            .others
            .last()
            .is_some_and(|r| r.recorded_at <= recorded_at.saturating_add(CLOCKS_MAY_DIFFER))
        {
            if let Some(r) = self.others.pop() {
                if self.trust_root.is_none() {
                    self.trust_root = own_root_key(&r);
                }
                apply(&mut self.operators, &r, Part::Gifts);
                apply(&mut self.known_here, &r, Part::Gifts);
                self.given_early.push_back(r);
            }
        }
        while self.given_early.front().is_some_and(|r| r.recorded_at <= recorded_at) {
            if let Some(r) = self.given_early.pop_front() {
                apply(&mut self.operators, &r, Part::All);
            }
        }
    }

    /// One of this chain's own operator records: it counts in full, at once.
    fn apply_own(&mut self, r: &Record) {
        apply(&mut self.operators, r, Part::All);
        apply(&mut self.known_here, r, Part::All);
    }

    /// The key an entry must be signed with: the chain's first signed entry is its root (or, at
    /// a desk that joined a trust, signed with a key the trust's records issued); after it, its
    /// entitled author's.
    fn signing_key(
        &mut self,
        entry: &Entry,
        operator: &str,
        signature: &[u8],
    ) -> std::result::Result<[u8; 32], String> {
        if self.rooted {
            return self.authors_key(entry, operator, signature, true);
        }
        match (root_key(entry, self.previous), self.trust_root) {
            (Ok(key), Some(root)) if self.pinned && key != root => Err(format!(
                "it begins signing under a root key of its own ({}), not this trust's ({})",
                fingerprint(&key),
                fingerprint(&root)
            )),
            (Ok(key), _) => {
                self.found.root = Some(fingerprint(&key));
                Ok(key)
            }
            // When it vouches for entries before it, its author's right is taken as the record
            // says, never as its desk may have known it.
            (Err(_), Some(root)) => self
                .authors_key(entry, operator, signature, self.previous.0 == 0)
                .inspect(|_| self.found.root = Some(fingerprint(&root))),
            (Err(why), None) => Err(why),
        }
    }

    /// The key of an entry's author, if they were entitled to it: as the record says, or else
    /// (for anything but a change to operators, and never for the chain's first signed entry)
    /// as this chain's desk may have known it, counted ([`Checker`]).
    fn authors_key(
        &mut self,
        entry: &Entry,
        operator: &str,
        signature: &[u8],
        lenient: bool,
    ) -> std::result::Result<[u8; 32], String> {
        let hash = entry.hash();
        let made_it = |key: &[u8; 32]| crate::signing::verify_entry(key, &hash, signature);
        // The usual case, one key either way, and nothing copied: the workers check it.
        if let (Ok([key]), Ok([known])) = (
            entitled(entry, operator, &self.operators),
            entitled(entry, operator, &self.known_here),
        ) && key == known
        {
            return Ok(*key);
        }
        let recorded = entitled(entry, operator, &self.operators).map(<[_]>::to_vec);
        let known = entitled(entry, operator, &self.known_here).map(<[_]>::to_vec);
        match (recorded, known) {
            (Ok(keys), known) => {
                let latest = keys[keys.len() - 1];
                if let Some(key) = keys.iter().copied().find(|k| made_it(k)) {
                    // The latest key has signed here: this desk has it.
                    if key == latest
                        && let Some(standing) = self.known_here.get_mut(operator)
                    {
                        standing.keys = vec![key];
                    }
                    return Ok(key);
                }
                match known.ok().and_then(|known| known.into_iter().find(|k| made_it(k))) {
                    Some(older) if lenient => {
                        self.note_before_hearing(
                            entry,
                            format!("signed with a key of {operator}'s that a new one had replaced"),
                        );
                        Ok(older)
                    }
                    _ => Ok(latest), // the workers find the signature wrong
                }
            }
            (Err(why), Ok(known)) if lenient && !governs_operators_entry(entry) => {
                // (What gives power is never taken on trust: an administrator disabled or
                // demoted elsewhere could otherwise make anyone an administrator here.)
                match known.into_iter().find(|k| made_it(k)) {
                    Some(key) => {
                        self.note_before_hearing(entry, why);
                        Ok(key)
                    }
                    None => Err(why),
                }
            }
            (Err(why), _) => Err(why),
        }
    }

    /// Counts an entry accepted as its desk may have known its author, and names the first.
    fn note_before_hearing(&mut self, entry: &Entry, why: String) {
        self.found.before_hearing += 1;
        if self.found.first_before_hearing.is_none() {
            self.found.first_before_hearing = Some(format!("entry {} ({}): {why}", entry.seq(), describe(entry)));
        }
    }

    /// A signed entry further along the chain, seen before the entries between it and the last
    /// one seen (they arrive later, and must then lead to it): whether it holds as the chain's
    /// first signed entry would.
    pub(crate) fn see_ahead(&mut self, entry: &Entry, signature: Option<Vec<u8>>) -> Result<()> {
        self.previous = (entry.seq() - 1, entry.prev_hash());
        self.see(entry, signature)
    }

    /// Whether an entry seen so far was wrong (before the workers' findings).
    pub(crate) fn found_a_problem(&self) -> bool {
        self.problem.is_some()
    }

    /// Whether the chain has had a signed entry (so far, as seen).
    pub(crate) fn rooted(&self) -> bool {
        self.rooted
    }

    /// What the signatures say, once the chain (or what arrived of it) has been seen.
    pub(crate) fn finish(mut self) -> Result<SignatureCheck> {
        if self.problem.is_none()
            && let Some(signatures) = &mut self.signatures
            && let Some(stray) = signatures.next_seq()?
        {
            self.problem = Some((stray, stray_signature(stray)));
        }
        self.workers.check(std::mem::take(&mut self.batch));
        let (outcomes, unchecked) = self.workers.finish();
        if unchecked > 0 && self.problem.is_none() {
            self.problem = Some((
                i64::MAX,
                format!("{unchecked} signatures were not checked: the check stopped unexpectedly; run verify again"),
            ));
        }
        let bad = outcomes.iter().filter_map(|o| o.first_bad).min();
        let mut found = self.found;
        found.checked = outcomes
            .iter()
            .map(|o| match bad {
                Some(bad) if o.last >= bad => o.good_before_bad,
                _ => o.len,
            })
            .sum();
        let problem = match (self.problem, bad) {
            (Some((seq, problem)), bad) if bad.is_none_or(|bad| seq < bad) => Some((seq, problem)),
            (_, Some(bad)) => Some((
                bad,
                format!(
                    "entry {bad} ({}): its signature is not its author's (copied from another entry, or the entry changed)",
                    describe_at(self.conn, self.desk.as_deref(), bad)?
                ),
            )),
            (problem, None) => problem,
        };
        (found.problem_at, found.problem) = problem.unzip();
        Ok(found)
    }
}

fn stray_signature(seq: i64) -> String {
    format!("entry {seq}: a signature is kept for it, but the chain has no such entry")
}

/// The signatures kept for a chain (this desk's `signatures`, or another desk's in
/// `remote_signatures`), read alongside it a page at a time.
struct Signatures<'c> {
    conn: &'c Connection,
    /// The other desk whose chain this is; `None` for this desk's own.
    desk: Option<String>,
    page: std::collections::VecDeque<(i64, Vec<u8>)>,
    read_up_to: i64,
    ended: bool,
}

impl<'c> Signatures<'c> {
    fn new(conn: &'c Connection, desk: Option<String>) -> Self {
        Signatures {
            conn,
            desk,
            page: Default::default(),
            read_up_to: 0,
            ended: false,
        }
    }

    fn next_seq(&mut self) -> Result<Option<i64>> {
        if self.page.is_empty() && !self.ended {
            let mut stmt = self.conn.prepare_cached(
                "SELECT seq, signature FROM signatures WHERE ?3 IS NULL AND seq > ?1
                 UNION ALL SELECT seq, signature FROM remote_signatures WHERE desk = ?3 AND seq > ?1
                 ORDER BY seq LIMIT ?2",
            )?;
            let rows = stmt.query_map(rusqlite::params![self.read_up_to, BATCH as i64, self.desk], |r| {
                Ok((r.get(0)?, r.get(1)?))
            })?;
            self.page = rows.collect::<rusqlite::Result<_>>()?;
            self.ended = self.page.is_empty();
            self.read_up_to = self.page.back().map_or(self.read_up_to, |(seq, _)| *seq);
        }
        Ok(self.page.front().map(|(seq, _)| *seq))
    }

    /// The signature kept for entry `seq`, if any; `Err` names a signature kept for an entry
    /// before it that the chain does not have.
    fn take_for(&mut self, seq: i64) -> Result<std::result::Result<Option<Vec<u8>>, i64>> {
        Ok(match self.next_seq()? {
            Some(kept) if kept < seq => Err(kept),
            Some(kept) if kept == seq => Ok(self.page.pop_front().map(|(_, signature)| signature)),
            _ => Ok(None),
        })
    }
}

/// Consecutive signed entries of the chain, for one worker.
#[derive(Default)]
struct Batch {
    seqs: Vec<i64>,
    entries: Vec<SignedEntry>,
}

impl Batch {
    fn push(&mut self, seq: i64, entry: SignedEntry) {
        self.seqs.push(seq);
        self.entries.push(entry);
    }
}

/// What a worker found in one batch.
struct Outcome {
    last: i64,
    len: u64,
    first_bad: Option<i64>,
    good_before_bad: u64,
}

/// One thread per core, checking batches as the chain's reader hands them over.
struct Workers {
    batches: Option<std::sync::mpsc::SyncSender<Batch>>,
    /// Signatures handed to the workers, to be matched by their outcomes.
    sent: u64,
    threads: Vec<std::thread::JoinHandle<Vec<Outcome>>>,
}

impl Workers {
    fn start() -> Workers {
        let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
        let (batches, queue) = std::sync::mpsc::sync_channel::<Batch>(cores);
        let queue = std::sync::Arc::new(std::sync::Mutex::new(queue));
        let threads = (0..cores)
            .map(|_| {
                let queue = queue.clone();
                std::thread::spawn(move || {
                    let mut outcomes = Vec::new();
                    while let Some(batch) = queue.lock().ok().and_then(|q| q.recv().ok()) {
                        let bad = first_failing(&batch.entries);
                        outcomes.push(Outcome {
                            last: batch.seqs.last().copied().unwrap_or(0),
                            len: batch.seqs.len() as u64,
                            first_bad: bad.map(|at| batch.seqs[at]),
                            good_before_bad: bad.unwrap_or(batch.seqs.len()) as u64,
                        });
                    }
                    outcomes
                })
            })
            .collect();
        Workers {
            batches: Some(batches),
            sent: 0,
            threads,
        }
    }

    fn check(&mut self, batch: Batch) {
        if !batch.seqs.is_empty()
            && let Some(batches) = &self.batches
        {
            self.sent += batch.seqs.len() as u64;
            // Should every worker have stopped, `finish` counts what was left unchecked.
            let _ = batches.send(batch);
        }
    }

    /// Every batch's outcome, and how many signatures no worker reported on.
    fn finish(mut self) -> (Vec<Outcome>, u64) {
        self.batches = None;
        let outcomes: Vec<Outcome> = self
            .threads
            .drain(..)
            .flat_map(|t| t.join().unwrap_or_default())
            .collect();
        let reported: u64 = outcomes.iter().map(|o| o.len).sum();
        (outcomes, self.sent.saturating_sub(reported))
    }
}

/// "operator-added mallory" for the entry at `seq`.
fn describe_at(conn: &Connection, desk: Option<&str>, seq: i64) -> Result<String> {
    let mut described = String::new();
    let describe = |entry: Entry| {
        described = describe(&entry);
        Ok(())
    };
    match desk {
        None => crate::record::for_each_entry_between(conn, seq - 1, seq, describe)?,
        Some(desk) => crate::record::for_each_remote_entry(conn, desk, seq - 1, seq, describe)?,
    }
    Ok(described)
}

/// Who wrote an entry, and when it was recorded.
fn author(entry: &Entry) -> (&str, i64) {
    match entry {
        Entry::Event(e) => (&e.operator, e.recorded_at),
        Entry::Record(r) => (&r.operator, r.recorded_at),
    }
}

/// "operator-added mallory", "sign-out LT-0042".
fn describe(entry: &Entry) -> String {
    match entry {
        Entry::Event(e) => format!("{} {}", e.kind, e.item),
        Entry::Record(r) => format!("{} {}", r.kind, r.subject),
    }
}

fn is_wrong_password(entry: &Entry) -> bool {
    matches!(entry, Entry::Record(r) if r.kind == RecordKind::OperatorSignInFailed)
}

/// The key of the ledger's root entry, if it is one: an administrator's own record carrying a
/// new key, signed by themselves; if it vouches for the chain before it, for the chain as it is.
fn root_key(entry: &Entry, previous: (i64, [u8; 32])) -> std::result::Result<[u8; 32], String> {
    let Entry::Record(r) = entry else {
        return Err("the first signed entry must be an administrator's key, not an event".to_string());
    };
    let fields = r.fields();
    let key = issued_key(&fields).ok_or("the first signed entry issues no key")?;
    let admin = r.kind == RecordKind::OperatorAdded && text(&fields, "role") == Some("admin");
    let vouches = fields.get("vouches_for_seq").and_then(Value::as_i64);
    match vouches {
        Some(seq)
            if seq != previous.0 || text(&fields, "vouches_for_hash") != Some(&crate::event::to_hex(&previous.1)) =>
        {
            Err(format!(
                "it vouches for entry {seq}, but the chain before it ends otherwise"
            ))
        }
        _ if r.subject != r.operator => Err("a key issued as the root must be signed by its own holder".to_string()),
        Some(_) => Ok(key),
        None if admin => Ok(key),
        None => Err("the first signed entry is not an administrator's".to_string()),
    }
}

/// The keys an entry after the root may be signed with (never none): its author's, the author
/// active; for a record that issues a key or changes an operator, an administrator's.
fn entitled<'s>(
    entry: &Entry,
    operator: &str,
    operators: &'s HashMap<String, Standing>,
) -> std::result::Result<&'s [[u8; 32]], String> {
    let standing = operators.get(operator);
    let keys = standing
        .map(|s| s.keys.as_slice())
        .filter(|keys| !keys.is_empty())
        .ok_or_else(|| format!("signed as {operator}, who held no key then"))?;
    if !standing.is_some_and(|s| s.active) {
        return Err(format!("signed by {operator}, who was disabled then"));
    }
    if let Entry::Record(r) = entry
        && governs_operators(r)
        && standing.and_then(|s| s.role) != Some(Role::Admin)
    {
        return Err(format!(
            "{operator} was not an administrator then, and only an administrator may do this"
        ));
    }
    if standing.and_then(|s| s.role) == Some(Role::Auditor) && !an_auditors_own(entry) {
        return Err(format!(
            "{operator} was an auditor then, and an auditor changes nothing on the record"
        ));
    }
    Ok(keys)
}

/// A field a session record sets that it may not ([`RecordKind::may_set`]).
fn overreach(entry: &Entry) -> Option<String> {
    let Entry::Record(r) = entry else { return None };
    if !r.kind.is_session() {
        return None;
    }
    r.fields().keys().find(|f| !r.kind.may_set(f)).cloned()
}

/// What an auditor's key may sign: their own comings and goings and a verification's finding.
fn an_auditors_own(entry: &Entry) -> bool {
    let Entry::Record(r) = entry else { return false };
    match r.kind {
        RecordKind::LedgerVerified => true,
        RecordKind::OperatorSignedIn | RecordKind::OperatorSignedOut | RecordKind::DeskLocked => {
            r.subject == r.operator
        }
        _ => false,
    }
}

fn governs_operators_entry(entry: &Entry) -> bool {
    matches!(entry, Entry::Record(r) if governs_operators(r))
}

/// Whether a record adds an operator, or changes a role, standing, password or key.
fn governs_operators(r: &Record) -> bool {
    match r.kind {
        RecordKind::OperatorAdded => true,
        RecordKind::OperatorChanged => {
            let fields = r.fields();
            ["role", "active", "password", "public_key", "sealed_key"]
                .iter()
                .any(|k| fields.contains_key(*k))
        }
        _ => false,
    }
}

/// Which of an operator record's changes to apply.
#[derive(Clone, Copy, PartialEq)]
enum Part {
    All,
    /// Only what gives power: being added or enabled, a role no less than the one held, a key
    /// (joining those held, not replacing them).
    Gifts,
}

/// An operator record's fields applied to their standing (a session record's set none of it).
fn apply(operators: &mut HashMap<String, Standing>, r: &Record, part: Part) {
    if r.kind.is_session() {
        return;
    }
    let fields = r.fields();
    let standing = operators.entry(r.subject.clone()).or_default();
    if r.kind == RecordKind::OperatorAdded {
        standing.active = true;
    }
    if let Some(key) = issued_key(&fields) {
        if part == Part::All {
            standing.keys.clear();
        }
        if !standing.keys.contains(&key) {
            standing.keys.push(key);
        }
    }
    if let Some(role) = text(&fields, "role").and_then(|r| r.parse().ok())
        && (part == Part::All || standing.role.is_none_or(|held| power(role) >= power(held)))
    {
        standing.role = Some(role);
    }
    if let Some(active) = fields.get("active").and_then(Value::as_bool)
        && (part == Part::All || active)
    {
        standing.active = active;
    }
}

/// What a role may sign, as [`entitled`] tells roles apart: only their own comings and goings
/// (an auditor); anything but changes to operators; anything (an administrator). Should
/// `entitled` come to tell others apart, this must too.
fn power(role: Role) -> u8 {
    match role {
        Role::Auditor => 0,
        Role::Operator | Role::Manager | Role::Dpo => 1,
        Role::Admin => 2,
    }
}

fn issued_key(fields: &Map<String, Value>) -> Option<[u8; 32]> {
    text(fields, "public_key").and_then(public_key_from_hex)
}

fn text<'a>(fields: &'a Map<String, Value>, key: &str) -> Option<&'a str> {
    fields.get(key).and_then(Value::as_str)
}

/// Operator records: `query` with `{}` for the columns and `{kinds}` for the condition on
/// their kind.
fn operator_records(conn: &Connection, query: &str, params: impl rusqlite::Params) -> Result<Vec<Record>> {
    let kinds = Register::Operator
        .kinds()
        .iter()
        .map(|k| format!("'{k}'"))
        .collect::<Vec<_>>()
        .join(", ");
    let query = query
        .replace("{}", crate::record::COLUMNS)
        .replace("{kinds}", &format!("kind IN ({kinds})"));
    let mut stmt = conn.prepare(&query)?;
    let rows = stmt.query_map(params, crate::record::from_row)?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::ledger::{Ledger, SignInAt};
    use crate::operator::Hashing;
    use crate::record::Record;
    use crate::time::FixedClock;

    fn new_ledger(dir: &tempfile::TempDir) -> Ledger {
        let clock = FixedClock::new("2026-11-20T10:00:00Z".parse().unwrap());
        let mut ledger = Ledger::create(&dir.path().join("custody.db"), None, clock).unwrap();
        ledger.use_hashing(Hashing::cheap_for_tests());
        ledger.add_first_admin("boss", "Boss", "boss-pin-1").unwrap();
        ledger
    }

    /// Someone who holds an operator's key (or their password) signs as them while they are
    /// disabled, or as a manager changes a role: verify names the entry and who had no right.
    #[test]
    fn a_key_with_no_right_to_sign_is_named() {
        let dir = tempfile::tempdir().unwrap();
        let mut ledger = new_ledger(&dir);
        ledger
            .add_operator("clerk", "Clerk", Role::Operator, "clerk-pin-1")
            .unwrap();
        ledger
            .add_operator("mgr", "Manager", Role::Manager, "mgr-pin-1")
            .unwrap();
        let clerk = ledger
            .operator_sign_in("clerk", "clerk-pin-1", SignInAt::CommandLine)
            .unwrap();
        let mgr = ledger
            .operator_sign_in("mgr", "mgr-pin-1", SignInAt::CommandLine)
            .unwrap();
        ledger
            .operator_sign_in("boss", "boss-pin-1", SignInAt::CommandLine)
            .unwrap();
        ledger.set_operator_active("clerk", false).unwrap();
        let as_them = |ledger: &mut Ledger, who: &crate::operator::Session, work: &dyn Fn(&mut Ledger)| {
            ledger.signer.clone_from(&who.signer);
            ledger
                .as_itself(&who.id.clone(), |l| {
                    work(l);
                    Ok(())
                })
                .unwrap();
        };
        as_them(&mut ledger, &clerk, &|l| {
            l.put_setting("calendar.nation", "scotland").unwrap()
        });
        let report = ledger.verify().unwrap();
        let problem = report.signature_problem.unwrap_or_default();
        assert!(
            problem.contains("setting-changed calendar.nation") && problem.contains("clerk, who was disabled then"),
            "{problem}"
        );

        let dir = tempfile::tempdir().unwrap();
        let mut ledger = new_ledger(&dir);
        ledger
            .add_operator("mgr", "Manager", Role::Manager, "mgr-pin-1")
            .unwrap();
        let mgr2 = ledger
            .operator_sign_in("mgr", "mgr-pin-1", SignInAt::CommandLine)
            .unwrap();
        as_them(&mut ledger, &mgr2, &|l| {
            l.set_operator_role("mgr", Role::Admin).unwrap();
        });
        ledger
            .operator_sign_in("boss", "boss-pin-1", SignInAt::CommandLine)
            .unwrap();
        let problem = ledger.verify().unwrap().signature_problem.unwrap_or_default();
        assert!(
            problem.contains("operator-changed mgr") && problem.contains("mgr was not an administrator then"),
            "{problem}"
        );
        drop(mgr);
    }

    /// A database made before signing, its administrator's password stored as an Argon2id PHC
    /// string: their next sign-in issues their key, which vouches for the chain so far; an
    /// operator without a key then records nothing until an administrator resets their password.
    #[test]
    fn a_database_made_before_signing_is_vouched_for_by_its_administrator() {
        use argon2::PasswordHasher;
        let dir = tempfile::tempdir().unwrap();
        let clock = FixedClock::new("2026-11-20T10:00:00Z".parse().unwrap());
        let mut ledger = Ledger::create(&dir.path().join("old.db"), None, clock).unwrap();
        ledger.use_hashing(Hashing::cheap_for_tests());
        let phc = |secret: &str| {
            let params = argon2::Params::new(8, 1, 1, None).unwrap();
            argon2::Argon2::new(argon2::Algorithm::Argon2id, argon2::Version::V0x13, params)
                .hash_password(secret.as_bytes())
                .unwrap()
                .to_string()
        };
        for (id, role, secret) in [("boss", "admin", "boss-pin-1"), ("clerk", "manager", "clerk-pin-1")] {
            let password = phc(secret);
            let fields = serde_json::json!({"name": id, "role": role, "active": true, "password": password,
                "failed_attempts": 0, "last_failed_at": null, "locked_until": null});
            ledger
                .as_itself(id, |l| {
                    let mut w = l.writer()?;
                    w.append_record(Record::draft(
                        RecordKind::OperatorAdded,
                        id,
                        fields.as_object().unwrap(),
                        0,
                    ))?;
                    w.conn().execute(
                        "INSERT INTO operators (id, name, role, active, password, failed_attempts, added_at)
                         VALUES (?1, ?1, ?2, 1, ?3, 0, 0)",
                        rusqlite::params![id, role, password],
                    )?;
                    w.commit()
                })
                .unwrap();
        }
        assert!(!ledger.signing_begun().unwrap());
        ledger
            .operator_sign_in("clerk", "clerk-pin-1", SignInAt::CommandLine)
            .unwrap();
        ledger.set_nation(crate::calendar::Nation::Scotland).unwrap(); // before signing: unsigned
        ledger
            .operator_sign_in("boss", "boss-pin-1", SignInAt::CommandLine)
            .unwrap();
        assert!(
            ledger.signing_begun().unwrap(),
            "the administrator's sign-in began signing"
        );
        let report = ledger.verify().unwrap();
        assert!(report.is_intact(), "{report:?}");
        assert_eq!(
            report.predating_signing, 4,
            "the time zone, two operators, the nation: {report:?}"
        );
        assert!(report.root_key.is_some());
        ledger
            .operator_sign_in("clerk", "clerk-pin-1", SignInAt::CommandLine)
            .unwrap();
        let refused = ledger.set_nation(crate::calendar::Nation::EnglandWales).unwrap_err();
        assert!(matches!(refused, crate::error::Error::NoSigningKey { .. }), "{refused}");
        ledger
            .operator_sign_in("boss", "boss-pin-1", SignInAt::CommandLine)
            .unwrap();
        ledger.reset_operator_password("clerk", "clerk-pin-2").unwrap();
        ledger
            .operator_sign_in("clerk", "clerk-pin-2", SignInAt::CommandLine)
            .unwrap();
        ledger.set_nation(crate::calendar::Nation::EnglandWales).unwrap();
        ledger
            .operator_sign_in("boss", "boss-pin-1", SignInAt::CommandLine)
            .unwrap();
        let report = ledger.verify().unwrap();
        assert!(report.is_intact(), "{report:?}");
    }
}
