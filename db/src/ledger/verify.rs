//! `verify`: is the file sound, is the hash chain unbroken, and does the stored state equal a
//! full replay of the ledger?

use std::collections::{HashMap, HashSet};

use serde::Serialize;
use uuid::Uuid;

use super::Ledger;
use super::queries::{STATE_COLUMNS, read_state, state_from_row};
use super::records::{check_register, check_subject};
use crate::error::Result;
use crate::event::Event;
use crate::event::GENESIS_HASH;
use crate::ledger::sync::interleave;
use crate::model::EventKind;
use crate::record::{self, Entry, Register};
use crate::state::{ItemState, apply, apply_anyway};

/// The first place where the hash chain is broken.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ChainProblem {
    pub seq: i64,
    pub id: String,
    pub item: String,
    pub what: String,
}

/// What `verify` found.
#[derive(Clone, Debug, Default, Serialize)]
pub struct VerifyReport {
    /// `PRAGMA integrity_check` lines other than "ok".
    pub integrity: Vec<String>,
    /// Where the schema differs from what this version makes (guards removed or changed).
    pub schema: Vec<String>,
    /// Witnesses the chain disagrees with: a daily backup holding an event the ledger no longer
    /// has (its newest events deleted), or a different one at the same place.
    pub witnesses: Vec<String>,
    /// How many witnesses (daily backups) were compared.
    pub witnesses_checked: usize,
    /// Custody events in the chain.
    pub events_checked: u64,
    /// Register records in the same chain.
    pub records_checked: u64,
    pub chain: Option<ChainProblem>,
    /// Events the replay could not apply (a move the ledger should never have accepted).
    pub impossible_moves: Vec<String>,
    /// Items whose stored state differs from the replay.
    pub projection_mismatches: Vec<String>,
    /// Rows of the register (items, people, containers, settings, incidents) that differ from
    /// a replay of their records.
    pub register_mismatches: Vec<String>,
    /// Other desks' entries received through the trust's server, and what is wrong with them.
    pub remote_checked: u64,
    pub remote_problems: Vec<String>,
    /// Files of this database that other accounts on the computer may read ("path (mode 644)"):
    /// not damage to the record, but personal data left open; said, and not counted against
    /// its being intact.
    pub readable_by_others: Vec<String>,
    /// Entries whose author's signature was checked, and held.
    pub signatures_checked: u64,
    /// Entries recorded before signing began (vouched for by the first signed entry).
    pub predating_signing: u64,
    /// The fingerprint of the ledger's root key (the first administrator's), once signing began.
    pub root_key: Option<String>,
    /// The first entry whose signature is missing, wrong, or made by a key with no right to it.
    pub signature_problem: Option<String>,
    /// Per chain, entries signed after a change made at another desk had taken that power away,
    /// before the chain's desk could be shown to have heard of it: accepted (that desk let the
    /// operator go on, rightly, until it pulled), said, and not counted against being intact.
    pub signed_before_hearing: Vec<String>,
}

/// "this desk: 2 entries signed ... the first, entry 12 (...): ..." for a chain that has any.
pub(crate) fn before_hearing(chain: &str, signed: &super::signatures::SignatureCheck) -> Option<String> {
    let first = signed.first_before_hearing.as_ref()?;
    let entries = match signed.before_hearing {
        1 => "1 entry".to_string(),
        n => format!("{n} entries"),
    };
    Some(format!(
        "{chain}: {entries} signed after a change made at another desk had taken that right away, \
         before this chain's desk may have heard of it; the first, {first}"
    ))
}

impl VerifyReport {
    pub fn is_intact(&self) -> bool {
        self.integrity.is_empty()
            && self.schema.is_empty()
            && self.witnesses.is_empty()
            && self.chain.is_none()
            && self.impossible_moves.is_empty()
            && self.projection_mismatches.is_empty()
            && self.register_mismatches.is_empty()
            && self.remote_problems.is_empty()
            && self.signature_problem.is_none()
    }
}

impl VerifyReport {
    /// How many problems it found, each list counted whole.
    pub fn problems(&self) -> u64 {
        let lists = [
            &self.integrity,
            &self.schema,
            &self.witnesses,
            &self.impossible_moves,
            &self.projection_mismatches,
            &self.register_mismatches,
            &self.remote_problems,
        ];
        let listed: usize = lists.iter().map(|l| l.len()).sum();
        (listed + usize::from(self.chain.is_some()) + usize::from(self.signature_problem.is_some())) as u64
    }
}

/// How many of the latest events [`Ledger::check_recent`] checks.
pub const RECENT_EVENTS: i64 = 1000;

/// How many differences of each kind a report lists before it stops counting them out.
const LIST_AT_MOST: usize = 20;

impl Ledger {
    /// Files of this database that others on the computer may read, as "path (mode 644)".
    pub fn readable_by_others(&self) -> Vec<String> {
        crate::private::readable_by_others(&self.path)
            .into_iter()
            .map(|(path, mode)| format!("{} (mode {mode:o})", path.display()))
            .collect()
    }

    /// Makes this database's files its owner's alone (an administrator's); returns those changed.
    pub fn tighten_permissions(&self) -> Result<Vec<std::path::PathBuf>> {
        self.allow(crate::operator::Action::AllSettings)?;
        Ok(crate::private::tighten(&self.path)?)
    }
}

impl Ledger {
    /// Puts a verification that found the file intact on the record (`ledger-verified`, with
    /// how many entries it checked), for the trust's report; returns whether it did. A file
    /// found altered is evidence: nothing is written to it.
    pub fn record_verification(&mut self, report: &VerifyReport) -> Result<bool> {
        self.allow(crate::operator::Action::Verify)?;
        if !report.is_intact() {
            return Ok(false);
        }
        let mut fields = serde_json::Map::new();
        fields.insert("intact".into(), report.is_intact().into());
        fields.insert("problems".into(), report.problems().into());
        fields.insert(
            "entries".into(),
            (report.events_checked + report.records_checked).into(),
        );
        fields.insert("remote_entries".into(), report.remote_checked.into());
        if !report.signed_before_hearing.is_empty() {
            fields.insert(
                "signed_before_hearing".into(),
                report.signed_before_hearing.clone().into(),
            );
        }
        let at = crate::time::to_millis(self.now());
        let mut w = self.writer()?;
        w.append_record(crate::record::Record::draft(
            crate::record::RecordKind::LedgerVerified,
            "chain",
            &fields,
            at,
        ))?;
        w.commit()?;
        Ok(true)
    }

    /// Checks the whole database: the file (SQLite's `integrity_check`, which also checks that
    /// every index matches its table), the hash chain, and that the stored state equals a full
    /// replay. Reads only; safe while another program is writing. The file check runs on its own
    /// connection and thread, beside the replay.
    pub fn verify(&self) -> Result<VerifyReport> {
        self.allow(crate::operator::Action::Verify)?;
        let path = self.path.clone();
        let file_check = std::thread::spawn(move || -> Result<Vec<String>> {
            let conn = crate::storage::reader(&path)?;
            // A large cache and memory-mapped reads make the check several times faster.
            conn.execute_batch("PRAGMA cache_size = -262144; PRAGMA mmap_size = 4294967296;")?;
            let mut stmt = conn.prepare("PRAGMA integrity_check")?;
            let lines = stmt.query_map([], |r| r.get::<_, String>(0))?;
            Ok(lines
                .filter(|l| !matches!(l, Ok(l) if l == "ok"))
                .collect::<rusqlite::Result<_>>()?)
        });
        // One read transaction: the replay and the stored state are of the same moment.
        self.conn.execute_batch("BEGIN")?;
        let replay = super::signatures::Checker::for_own_chain(&self.conn, self.desk()).and_then(|mut signatures| {
            let replayed = self.replay_checked(|entry| signatures.see_kept(entry))?;
            Ok((
                replayed,
                signatures.finish()?,
                self.projection()?,
                check_register(&self.conn, self.desk(), LIST_AT_MOST)?,
            ))
        });
        self.conn.execute_batch("COMMIT")?;
        let ((replayed, checked, chain, impossible), signed, stored, register) = replay?;
        let mut report = VerifyReport {
            integrity: match file_check.join() {
                Ok(lines) => lines?,
                Err(_) => vec!["the file check stopped unexpectedly".to_string()],
            },
            ..VerifyReport::default()
        };
        (report.events_checked, report.records_checked) = checked;
        // Asked again, not remembered from opening: the guards may have gone since.
        report.schema = crate::storage::schema_differences(&self.conn)?;
        (report.witnesses, report.witnesses_checked) = self.check_witnesses()?;
        report.chain = chain;
        report.impossible_moves = impossible;
        report.register_mismatches = register;
        let remote = super::sync::check_remote_chains(&self.conn, LIST_AT_MOST)?;
        (report.remote_checked, report.remote_problems) = (remote.checked, remote.problems);
        report
            .signed_before_hearing
            .extend(before_hearing("this desk", &signed));
        report.signed_before_hearing.extend(remote.before_hearing);
        report.readable_by_others = self.readable_by_others();
        report.signatures_checked = signed.checked;
        report.predating_signing = signed.predating;
        // A desk that joined a trust holds to its root before it signs anything itself.
        report.root_key = match signed.root {
            Some(root) => Some(root),
            None => self.root_fingerprint()?,
        };
        report.signature_problem = signed.problem;
        let mut tags: Vec<&String> = replayed
            .keys()
            .chain(stored.keys())
            .collect::<HashSet<_>>()
            .into_iter()
            .collect();
        tags.sort();
        for tag in tags {
            if replayed.get(tag) != stored.get(tag) && report.projection_mismatches.len() < LIST_AT_MOST {
                let say = |state: Option<&ItemState>| {
                    state.map_or("nothing".to_string(), |s| {
                        format!("\u{201c}{}\u{201d}", self.describe_state(s))
                    })
                };
                report.projection_mismatches.push(format!(
                    "{tag}: the current-state table says {}, but its history says {}",
                    say(stored.get(tag)),
                    say(replayed.get(tag))
                ));
            }
        }
        Ok(report)
    }

    /// A hash chain cannot see its own end cut off. Each daily backup saw the chain up to its
    /// head: the ledger must still hold that event, with that hash.
    fn check_witnesses(&self) -> Result<(Vec<String>, usize)> {
        let mut problems = Vec::new();
        let backups = self.daily_backups();
        for backup in &backups {
            let name = backup
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            let Ok(conn) = rusqlite::Connection::open_with_flags(backup, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY)
            else {
                continue;
            };
            let Ok((seq, hash)) = record::head(&conn) else { continue };
            if seq == 0 {
                continue;
            }
            let ours = record::hash_at(&self.conn, seq)?;
            match ours {
                None => problems.push(format!(
                    "the backup {name} holds entry {seq}, which the ledger no longer has: its newest entries were removed"
                )),
                Some(h) if h != hash => problems.push(format!(
                    "entry {seq} differs from the one in the backup {name}: the ledger was rewritten after it"
                )),
                Some(_) => {}
            }
        }
        Ok((problems, backups.len()))
    }

    /// A quick check of the latest events, for opening after an unclean shutdown: the last
    /// [`RECENT_EVENTS`] chain correctly to each other, and the items they touch have stored
    /// states equal to their replay. Refuses with a message when they do not.
    pub fn check_recent(&self) -> Result<()> {
        // One read transaction, so that another program writing meanwhile cannot look like damage.
        self.conn.execute_batch("BEGIN")?;
        let checked = self.check_recent_snapshot();
        self.conn.execute_batch("COMMIT")?;
        checked
    }

    fn check_recent_snapshot(&self) -> Result<()> {
        let (head, _) = record::head(&self.conn)?;
        let mut entries = Vec::new();
        record::for_each_entry(&self.conn, head - RECENT_EVENTS - 1, |e| {
            entries.push(e);
            Ok(())
        })?;
        let damaged = |detail: String| crate::error::Error::Corrupt {
            path: self.path.clone(),
            detail: format!("after an unclean shutdown, {detail}; verify the whole database for the details"),
        };
        for pair in entries.windows(2) {
            if let Some(problem) = chain_problem(&pair[1], (pair[0].seq(), pair[0].hash())) {
                return Err(damaged(format!("entry {} is wrong: {}", problem.seq, problem.what)));
            }
        }
        let mut items: Vec<&str> = Vec::new();
        let mut subjects: Vec<(Register, &str)> = Vec::new();
        for entry in &entries {
            match entry {
                Entry::Event(e) => items.push(&e.item),
                Entry::Record(r) => subjects.push((r.kind.register(), &r.subject)),
            }
        }
        items.sort_unstable();
        items.dedup();
        for tag in items {
            if self.replay_item(tag)? != read_state(&self.conn, tag)? {
                return Err(damaged(format!("the stored state of {tag} differs from its history")));
            }
        }
        subjects.sort_unstable_by_key(|(r, s)| (*r as u8, *s));
        subjects.dedup();
        for (register, subject) in subjects {
            if let Some(problem) = check_subject(&self.conn, self.desk(), register, subject)? {
                return Err(damaged(problem));
            }
        }
        Ok(())
    }

    /// Every item's state, derived from scratch by replaying the whole ledger.
    pub fn replay(&self) -> Result<HashMap<String, ItemState>> {
        self.allow(crate::operator::Action::Verify)?;
        Ok(self.replay_checked(|_| Ok(()))?.0)
    }

    /// Every item's state as stored (the projection the app reads).
    pub fn projection(&self) -> Result<HashMap<String, ItemState>> {
        self.allow(crate::operator::Action::Verify)?;
        let mut stmt = self
            .conn
            .prepare(&format!("SELECT s.item, {STATE_COLUMNS} FROM item_state s"))?;
        let rows = stmt.query_map([], |r| Ok((r.get(0)?, state_from_row(r, 1)?)))?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// Checks the hash chain and replays every item, in one pass over this desk's ledger in
    /// order. An item only this desk has moved is replayed as its events pass (a desk's own
    /// order is its replay order); an item other desks moved too is gathered and replayed after,
    /// with their events, in the order of [`interleave`]. Reading the ledger item by item instead
    /// would fetch two million rows out of order. `each` sees every entry as it passes.
    #[allow(clippy::type_complexity)]
    fn replay_checked(
        &self,
        mut each: impl FnMut(&Entry) -> Result<()>,
    ) -> Result<(
        HashMap<String, ItemState>,
        (u64, u64),
        Option<ChainProblem>,
        Vec<String>,
    )> {
        let voided: HashSet<Uuid> = self
            .conn
            .prepare("SELECT corrects FROM all_events WHERE corrects IS NOT NULL")?
            .query_map([], |r| r.get::<_, Vec<u8>>(0))?
            .filter_map(|b| b.ok().and_then(|b| Uuid::from_slice(&b).ok()))
            .collect();
        let counts = |e: &Event| e.kind != EventKind::Correction && !voided.contains(&e.id);
        let mut others: HashMap<String, Vec<Event>> = HashMap::new();
        for e in self.events_of("remote_events")? {
            if counts(&e) {
                others.entry(e.item.clone()).or_default().push(e);
            }
        }
        let mut replay = Replay::new(self.desk(), self.item_tags()?);
        let mut chain: Option<ChainProblem> = None;
        let mut prev = (0i64, GENESIS_HASH);
        let mut checked = (0u64, 0u64);
        record::for_each_entry(&self.conn, 0, |entry| {
            if chain.is_none() {
                chain = chain_problem(&entry, prev);
            }
            prev = (entry.seq(), entry.hash());
            each(&entry)?;
            match entry {
                Entry::Event(e) => {
                    checked.0 += 1;
                    match others.get_mut(&e.item) {
                        _ if !counts(&e) => {}
                        Some(theirs) => theirs.push(e),
                        None => replay.next(&e),
                    }
                }
                Entry::Record(_) => checked.1 += 1,
            }
            Ok(())
        })?;
        for (_, events) in others {
            for e in interleave(events) {
                replay.next(&e);
            }
        }
        Ok((replay.states, checked, chain, replay.impossible))
    }

    fn item_tags(&self) -> Result<Vec<String>> {
        let mut stmt = self.conn.prepare("SELECT tag FROM items")?;
        let tags = stmt.query_map([], |r| r.get::<_, String>(0))?;
        Ok(tags.collect::<rusqlite::Result<_>>()?)
    }

    fn events_of(&self, table: &str) -> Result<Vec<Event>> {
        let mut stmt = self
            .conn
            .prepare(&format!("SELECT {} FROM {table}", crate::event::COLUMNS))?;
        let events = stmt.query_map([], crate::event::from_row)?;
        Ok(events.collect::<rusqlite::Result<_>>()?)
    }
}

/// Every item's state, built one event at a time in replay order, and the moves of this desk's
/// own that could not happen: a desk alone never accepts one, so each is damage. (A move that
/// another desk's event made impossible is a conflict, which the state carries.)
struct Replay<'a> {
    own: &'a str,
    states: HashMap<String, ItemState>,
    /// Items another desk has moved: from then on a refused move is theirs to explain.
    shared: HashSet<String>,
    impossible: Vec<String>,
}

impl<'a> Replay<'a> {
    fn new(own: &'a str, tags: Vec<String>) -> Self {
        Replay {
            own,
            states: tags.into_iter().map(|t| (t, ItemState::default())).collect(),
            shared: HashSet::new(),
            impossible: Vec::new(),
        }
    }

    fn next(&mut self, e: &Event) {
        if e.desk != self.own {
            self.shared.insert(e.item.clone());
        }
        if !self.states.contains_key(&e.item) {
            self.states.insert(e.item.clone(), ItemState::default());
        }
        let Some(state) = self.states.get_mut(&e.item) else {
            return;
        };
        if let Err(why) = apply(state, &e.as_move())
            && !self.shared.contains(&e.item)
            && self.impossible.len() < LIST_AT_MOST
        {
            self.impossible.push(format!(
                "event {} ({} of {}): {}",
                e.seq,
                e.kind.noun(),
                e.item,
                why.describe()
            ));
        }
        *state = apply_anyway(state, &e.as_move());
    }
}

/// What is wrong with `e` given the entry before it, if anything.
pub(crate) fn chain_problem(e: &Entry, (prev_seq, prev_hash): (i64, [u8; 32])) -> Option<ChainProblem> {
    let what = if e.seq() != prev_seq + 1 {
        format!(
            "sequence jumps from {prev_seq} to {}: {} entries missing or inserted",
            e.seq(),
            (e.seq() - prev_seq - 1).abs()
        )
    } else if e.prev_hash() != prev_hash {
        "its link to the previous entry does not match: an entry before it was removed, inserted or changed".to_string()
    } else if e.compute_hash() != e.hash() {
        "its contents do not match its hash: it was changed after it was recorded".to_string()
    } else {
        return None;
    };
    Some(ChainProblem {
        seq: e.seq(),
        id: e.id().to_string(),
        item: e.about(),
        what,
    })
}
