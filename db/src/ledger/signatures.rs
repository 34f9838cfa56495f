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
use crate::signing::{PublicKey, fingerprint, public_key_from_hex};

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

/// Signatures are checked in batches, on every core, as the chain is read.
const BATCH: usize = 4096;

struct Pending {
    seq: i64,
    describe: String,
    key: [u8; 32],
    hash: [u8; 32],
    signature: Vec<u8>,
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

pub(crate) fn check(conn: &Connection, own: &str) -> Result<SignatureCheck> {
    let mut found = SignatureCheck::default();
    let mut operators: HashMap<String, Standing> = HashMap::new();
    let mut others = other_desks_operator_records(conn, own)?;
    others.reverse(); // popped from the end, earliest first
    let mut signatures = conn.prepare("SELECT seq, signature FROM signatures ORDER BY seq")?;
    let mut signatures = signatures.query([])?;
    let mut next_signature: Option<(i64, Vec<u8>)> = next(&mut signatures)?;
    let mut pending: Vec<Pending> = Vec::with_capacity(BATCH);
    let mut previous = (0, crate::event::GENESIS_HASH);
    // The trust's root, when this desk joined one: the first key another desk's records issued.
    let mut trust_root: Option<[u8; 32]> = None;
    crate::record::for_each_entry(conn, 0, |entry| {
        if found.problem.is_some() {
            return Ok(());
        }
        let (seq, hash) = (entry.seq(), entry.hash());
        let (operator, recorded_at) = author(&entry);
        while others.last().is_some_and(|r| r.recorded_at <= recorded_at) {
            if let Some(r) = others.pop() {
                if trust_root.is_none() {
                    trust_root = root_key(&Entry::Record(r.clone()), (0, crate::event::GENESIS_HASH)).ok();
                }
                apply(&mut operators, &r);
            }
        }
        if let Some((stray, _)) = next_signature.as_ref().filter(|(s, _)| *s < seq) {
            found.problem = Some(format!(
                "entry {stray}: a signature is kept for it, but the chain has no such entry"
            ));
            return Ok(());
        }
        let signature = match &next_signature {
            Some((s, signature)) if *s == seq => {
                let signature = signature.clone();
                next_signature = next(&mut signatures)?;
                Some(signature)
            }
            _ => None,
        };
        let describe = || describe(&entry);
        match (signature, found.root.is_some()) {
            (None, false) => found.predating += 1,
            (None, true) if is_wrong_password(&entry) => {}
            (None, true) => found.problem = Some(format!("entry {seq} ({}): its signature is missing", describe())),
            (Some(signature), rooted) => {
                let key = if rooted {
                    entitled_key(&entry, operator, &operators)
                } else {
                    match (root_key(&entry, previous), trust_root) {
                        (Ok(key), _) => {
                            found.root = Some(fingerprint(&key));
                            Ok(key)
                        }
                        // A desk that joined a trust: its first entry is signed with a key the
                        // trust's records issued, under the root another desk's chain holds.
                        (Err(_), Some(root)) => entitled_key(&entry, operator, &operators)
                            .inspect(|_| found.root = Some(fingerprint(&root))),
                        (Err(why), None) => Err(why),
                    }
                };
                match key {
                    Ok(key) => pending.push(Pending {
                        seq,
                        describe: describe(),
                        key,
                        hash,
                        signature,
                    }),
                    Err(why) => found.problem = Some(format!("entry {seq} ({}): {why}", describe())),
                }
            }
        }
        if let Entry::Record(r) = &entry
            && r.kind.register() == Register::Operator
        {
            apply(&mut operators, r);
        }
        previous = (seq, hash);
        if pending.len() >= BATCH {
            settle(&mut pending, &mut found);
        }
        Ok(())
    })?;
    settle(&mut pending, &mut found);
    if found.problem.is_none()
        && let Some((stray, _)) = next_signature
    {
        found.problem = Some(format!(
            "entry {stray}: a signature is kept for it, but the chain has no such entry"
        ));
    }
    Ok(found)
}

fn next(rows: &mut rusqlite::Rows<'_>) -> Result<Option<(i64, Vec<u8>)>> {
    Ok(match rows.next()? {
        Some(row) => Some((row.get(0)?, row.get(1)?)),
        None => None,
    })
}

/// Checks the batch's signatures on every core; the first that fails (by its place in the
/// chain) becomes the problem, unless an earlier one was found already.
fn settle(pending: &mut Vec<Pending>, found: &mut SignatureCheck) {
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
    let chunk = pending.len().div_ceil(cores).max(1);
    // A batch has few authors: each key is read (its point decompressed) once.
    let mut keys: HashMap<[u8; 32], Option<PublicKey>> = HashMap::new();
    for p in pending.iter() {
        keys.entry(p.key).or_insert_with(|| PublicKey::from_bytes(&p.key));
    }
    let keys = &keys;
    let failed: Option<&Pending> = std::thread::scope(|scope| {
        let workers: Vec<_> = pending
            .chunks(chunk)
            .map(|part| {
                scope.spawn(move || {
                    part.iter().find(|p| {
                        !keys
                            .get(&p.key)
                            .and_then(Option::as_ref)
                            .is_some_and(|key| key.verifies(&p.hash, &p.signature))
                    })
                })
            })
            .collect();
        workers
            .into_iter()
            .filter_map(|w| w.join().ok().flatten())
            .min_by_key(|p| p.seq)
    });
    let bad_seq = failed.map(|p| p.seq);
    if let Some(p) = failed
        && found.problem.is_none()
    {
        found.problem = Some(format!(
            "entry {} ({}): its signature is not its author's (copied from another entry, or the entry changed)",
            p.seq, p.describe
        ));
    }
    found.checked += pending.iter().filter(|p| bad_seq.is_none_or(|bad| p.seq < bad)).count() as u64;
    pending.clear();
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
