//! `verify`'s check of who did what: every entry of this desk's chain signed by its author,
//! with the key their record held at that moment, and every key issued by someone entitled to
//! issue it. The chain is read once, in order; operators' records (this desk's as they pass,
//! other desks' merged by when they were recorded) say who held which key, role and standing.
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
}

/// An operator's standing as their records have said so far.
#[derive(Clone, Debug, Default)]
struct Standing {
    key: Option<[u8; 32]>,
    role: Option<Role>,
    active: bool,
}

impl crate::ledger::Ledger {
    /// The fingerprint of the ledger's root key: the first key an administrator issued to
    /// themselves (this desk's first, or the trust's when it joined one). `None` before signing.
    pub fn root_fingerprint(&self) -> Result<Option<String>> {
        use rusqlite::OptionalExtension;
        let key: Option<String> = self
            .conn()
            .query_row(
                "SELECT json_extract(body, '$.public_key') FROM all_records
                 WHERE kind IN ('operator-added', 'operator-changed') AND subject = operator
                   AND json_extract(body, '$.public_key') IS NOT NULL
                 ORDER BY recorded_at, seq LIMIT 1",
                [],
                |r| r.get(0),
            )
            .optional()?;
        Ok(key.as_deref().and_then(public_key_from_hex).map(|k| fingerprint(&k)))
    }
}

/// Signatures are checked in batches, on every core, while the chain is read.
const BATCH: usize = 16384;

/// Checks each entry's signature as the chain is read in order (by verify's one pass): who
/// was entitled is decided here; whether each signature holds, by workers on every core.
pub(crate) struct Checker<'c> {
    conn: &'c Connection,
    found: SignatureCheck,
    /// The first entry found wrong here (not by the workers), with its place in the chain.
    problem: Option<(i64, String)>,
    operators: HashMap<String, Standing>,
    /// Other desks' operator records not yet applied, the earliest last.
    others: Vec<Record>,
    /// The trust's root, when this desk joined one: the first key another desk's records issued.
    trust_root: Option<[u8; 32]>,
    signatures: Signatures<'c>,
    previous: (i64, [u8; 32]),
    batch: Batch,
    workers: Workers,
}

impl<'c> Checker<'c> {
    pub(crate) fn new(conn: &'c Connection, own: &str) -> Result<Checker<'c>> {
        let mut others = other_desks_operator_records(conn, own)?;
        others.reverse();
        Ok(Checker {
            conn,
            found: SignatureCheck::default(),
            problem: None,
            operators: HashMap::new(),
            others,
            trust_root: None,
            signatures: Signatures::new(conn),
            previous: (0, crate::event::GENESIS_HASH),
            batch: Batch::default(),
            workers: Workers::start(),
        })
    }

    /// The next entry of this desk's chain.
    pub(crate) fn see(&mut self, entry: &Entry) -> Result<()> {
        if self.problem.is_some() {
            return Ok(());
        }
        let (seq, hash) = (entry.seq(), entry.hash());
        let (operator, recorded_at) = author(entry);
        while self.others.last().is_some_and(|r| r.recorded_at <= recorded_at) {
            if let Some(r) = self.others.pop() {
                if self.trust_root.is_none() {
                    self.trust_root = root_key(&Entry::Record(r.clone()), (0, crate::event::GENESIS_HASH)).ok();
                }
                apply(&mut self.operators, &r);
            }
        }
        let signature = match self.signatures.take_for(seq)? {
            Err(stray) => {
                self.problem = Some((stray, stray_signature(stray)));
                return Ok(());
            }
            Ok(signature) => signature,
        };
        match (signature, self.found.root.is_some()) {
            (None, false) => self.found.predating += 1,
            (None, true) if is_wrong_password(entry) => {}
            (None, true) => {
                self.problem = Some((
                    seq,
                    format!("entry {seq} ({}): its signature is missing", describe(entry)),
                ))
            }
            (Some(signature), rooted) => match self.signing_key(entry, operator, rooted) {
                Ok(key) => self.batch.push(seq, SignedEntry { key, hash, signature }),
                Err(why) => self.problem = Some((seq, format!("entry {seq} ({}): {why}", describe(entry)))),
            },
        }
        if let Entry::Record(r) = entry
            && r.kind.register() == Register::Operator
        {
            apply(&mut self.operators, r);
        }
        self.previous = (seq, hash);
        if self.batch.seqs.len() >= BATCH {
            self.workers.check(std::mem::take(&mut self.batch));
        }
        Ok(())
    }

    /// The key an entry must be signed with: before the root, the root's own (or, at a desk
    /// that joined a trust, one the trust's records issued); after it, its entitled author's.
    fn signing_key(&mut self, entry: &Entry, operator: &str, rooted: bool) -> std::result::Result<[u8; 32], String> {
        if rooted {
            return entitled_key(entry, operator, &self.operators);
        }
        match (root_key(entry, self.previous), self.trust_root) {
            (Ok(key), _) => {
                self.found.root = Some(fingerprint(&key));
                Ok(key)
            }
            (Err(_), Some(root)) => {
                entitled_key(entry, operator, &self.operators).inspect(|_| self.found.root = Some(fingerprint(&root)))
            }
            (Err(why), None) => Err(why),
        }
    }

    /// What the signatures say, once the whole chain has been seen.
    pub(crate) fn finish(mut self) -> Result<SignatureCheck> {
        if self.problem.is_none()
            && let Some(stray) = self.signatures.next_seq()?
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
        found.problem = match (self.problem, bad) {
            (Some((seq, problem)), bad) if bad.is_none_or(|bad| seq < bad) => Some(problem),
            (_, Some(bad)) => Some(format!(
                "entry {bad} ({}): its signature is not its author's (copied from another entry, or the entry changed)",
                describe_at(self.conn, bad)?
            )),
            (problem, None) => problem.map(|(_, p)| p),
        };
        Ok(found)
    }
}

fn stray_signature(seq: i64) -> String {
    format!("entry {seq}: a signature is kept for it, but the chain has no such entry")
}

/// The `signatures` table read alongside the chain, a page at a time.
struct Signatures<'c> {
    conn: &'c Connection,
    page: std::collections::VecDeque<(i64, Vec<u8>)>,
    read_up_to: i64,
    ended: bool,
}

impl<'c> Signatures<'c> {
    fn new(conn: &'c Connection) -> Self {
        Signatures {
            conn,
            page: Default::default(),
            read_up_to: 0,
            ended: false,
        }
    }

    fn next_seq(&mut self) -> Result<Option<i64>> {
        if self.page.is_empty() && !self.ended {
            let mut stmt = self
                .conn
                .prepare_cached("SELECT seq, signature FROM signatures WHERE seq > ?1 ORDER BY seq LIMIT ?2")?;
            let rows = stmt.query_map(rusqlite::params![self.read_up_to, BATCH as i64], |r| {
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
fn describe_at(conn: &Connection, seq: i64) -> Result<String> {
    let mut described = String::new();
    crate::record::for_each_entry_between(conn, seq - 1, seq, |entry| {
        described = describe(&entry);
        Ok(())
    })?;
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

/// The key an entry after the root must be signed with: its author's, the author active; for a
/// record that issues a key or changes an operator, an administrator's.
fn entitled_key(
    entry: &Entry,
    operator: &str,
    operators: &HashMap<String, Standing>,
) -> std::result::Result<[u8; 32], String> {
    let standing = operators.get(operator);
    let key = standing
        .and_then(|s| s.key)
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
    Ok(key)
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

/// An operator record's fields applied to their standing.
fn apply(operators: &mut HashMap<String, Standing>, r: &Record) {
    let fields = r.fields();
    let standing = operators.entry(r.subject.clone()).or_default();
    if r.kind == RecordKind::OperatorAdded {
        standing.active = true;
    }
    if let Some(key) = issued_key(&fields) {
        standing.key = Some(key);
    }
    if let Some(role) = text(&fields, "role").and_then(|r| r.parse().ok()) {
        standing.role = Some(role);
    }
    if let Some(active) = fields.get("active").and_then(Value::as_bool) {
        standing.active = active;
    }
}

fn issued_key(fields: &Map<String, Value>) -> Option<[u8; 32]> {
    text(fields, "public_key").and_then(public_key_from_hex)
}

fn text<'a>(fields: &'a Map<String, Value>, key: &str) -> Option<&'a str> {
    fields.get(key).and_then(Value::as_str)
}

/// Other desks' operator records, in the order they were recorded.
fn other_desks_operator_records(conn: &Connection, own: &str) -> Result<Vec<Record>> {
    let kinds = serde_json::to_string(&Register::Operator.kinds()).unwrap_or_default();
    let mut stmt = conn.prepare(&format!(
        "SELECT {} FROM remote_records WHERE desk <> ?1 AND kind IN (SELECT value FROM json_each(?2))
         ORDER BY recorded_at, desk, seq",
        crate::record::COLUMNS
    ))?;
    let rows = stmt.query_map(rusqlite::params![own, kinds], crate::record::from_row)?;
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
