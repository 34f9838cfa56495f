//! Nothing confirmed is silently dropped by a restore. At a desk that joined a trust, a restore
//! from an older backup would drop the current file's newest entries; those the trust's server
//! holds are not lost, but those it lacks would then exist only in the file kept aside. Such a
//! restore is refused unless the restorer says so explicitly; after it, the restored file notes
//! (among the desk's own facts) how many, and where they are, until they are recovered.

use std::path::{Path, PathBuf};

use rusqlite::{Connection, OpenFlags};

use super::Ledger;
use crate::error::{Error, Result};
use crate::record::{self, Entry};

/// Where the restored file notes its stranded entries.
const STRANDED_KEY: &str = "stranded";
/// How many of them a refusal names.
const NAMED: usize = 5;

/// Confirmed entries of a file that a restore leaves only in the file kept aside.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Stranded {
    /// The first and last of them (sequence numbers in the kept file's chain).
    pub from: i64,
    pub to: i64,
    /// The restored chain's head when it was restored: up to it, it and the kept file agree.
    pub base: i64,
    /// The file kept aside that holds them.
    pub kept: PathBuf,
}

impl Stranded {
    pub fn count(&self) -> i64 {
        self.to - self.from + 1
    }
}

impl std::fmt::Display for Stranded {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} confirmed entries exist only in the file a restore kept aside, {}; an administrator recovers them from it",
            self.count(),
            self.kept.display()
        )
    }
}

/// The entries of the file at `current` after `kept_elsewhere` (the later of the backup's head
/// and the server's), described, at most [`NAMED`] of them, with their range. `None` when
/// there are none, or when the file cannot be read (it is being replaced because it is
/// damaged: its entries stay in the kept file all the same).
pub(crate) fn only_in(current: &Path, kept_elsewhere: i64) -> Option<(i64, i64, Vec<String>)> {
    let conn = Connection::open_with_flags(current, OpenFlags::SQLITE_OPEN_READ_ONLY).ok()?;
    let (head, _) = record::head(&conn).ok()?;
    if head <= kept_elsewhere {
        return None;
    }
    let mut named = Vec::new();
    record::for_each_entry_between(&conn, kept_elsewhere, kept_elsewhere + NAMED as i64, |entry| {
        named.push(describe(&entry));
        Ok(())
    })
    .ok()?;
    Some((kept_elsewhere + 1, head, named))
}

/// "entry 4812 (sign-out LT-0042)".
fn describe(entry: &Entry) -> String {
    match entry {
        Entry::Event(e) => format!("entry {} ({} {})", e.seq, e.kind.as_str(), e.item),
        Entry::Record(r) => format!("entry {} ({} {})", r.seq, r.kind.as_str(), r.subject),
    }
}

/// Notes in the restored file at `path` what stayed only in the kept file.
pub(crate) fn note(path: &Path, stranded: &Stranded) -> Result<()> {
    let conn = Connection::open(path)?;
    let value = serde_json::json!({
        "from": stranded.from,
        "to": stranded.to,
        "base": stranded.base,
        "kept": stranded.kept.to_string_lossy(),
    });
    conn.execute(
        "INSERT INTO meta (key, value) VALUES (?1, ?2) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
        [STRANDED_KEY, &value.to_string()],
    )?;
    Ok(())
}

impl Ledger {
    /// Confirmed entries a forced restore left only in the file it kept aside, until they are
    /// recovered (shown by `sync status` and on every screen of the desk).
    pub fn stranded(&self) -> Result<Option<Stranded>> {
        let Some(noted) = self.desk_fact(STRANDED_KEY)? else {
            return Ok(None);
        };
        let value: serde_json::Value = serde_json::from_str(&noted).unwrap_or_default();
        let number = |key: &str| value[key].as_i64();
        Ok(
            match (number("from"), number("to"), number("base"), value["kept"].as_str()) {
                (Some(from), Some(to), Some(base), Some(kept)) => Some(Stranded {
                    from,
                    to,
                    base,
                    kept: PathBuf::from(kept),
                }),
                _ => None,
            },
        )
    }
}

/// What [`Ledger::recover`] brought back, and what it could not.
#[derive(Clone, Debug, Default)]
pub struct Recovered {
    /// Entries recorded again, each as a new entry naming the one it recovers.
    pub recovered: u64,
    /// Entries not recorded again, each with the reason ("entry 4812 (sign-in LT-0042): …").
    pub left: Vec<String>,
}

impl Ledger {
    /// Brings back the entries a forced restore left only in the file kept aside (`kept`): each
    /// is recorded again as a new entry of this chain, signed by the administrator recovering
    /// it, its note naming the entry it recovers, who recorded it and when. The kept file's
    /// chain and signatures up to them are checked first. A custody event that can no longer
    /// happen (the item has moved since), a correction of an entry this chain does not have,
    /// or a record of a stocktake, search, spot check, disposal or incident is left, with the
    /// reason: those are recorded again by hand. Sign-ins, sign-outs and locks are not
    /// recorded again. All of it, in one transaction; then the note of stranded entries goes.
    pub fn recover(&mut self, kept: &Path) -> Result<Recovered> {
        self.allow(crate::operator::Action::Restore)?;
        self.writable()?;
        let stranded = self.stranded()?.ok_or(Error::NothingStranded)?;
        let same = |a: &Path, b: &Path| std::fs::canonicalize(a).ok() == std::fs::canonicalize(b).ok();
        if !same(kept, &stranded.kept) {
            return Err(Error::NotTheKeptFile {
                given: kept.to_path_buf(),
                kept: stranded.kept.clone(),
            });
        }
        let entries = checked_entries(kept, &stranded, self)?;
        let file = kept
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let mut recovered = Recovered::default();
        self.in_transaction(|ledger| {
            let mut touched = super::sync::Touched::default();
            for entry in entries {
                match ledger.recover_one(&entry, &file)? {
                    Ok(again) => {
                        touched.add(&again);
                        recovered.recovered += 1;
                    }
                    Err(why) => recovered.left.push(format!("{}: {why}", describe(&entry))),
                }
            }
            super::sync::apply_touched(ledger, touched)?;
            ledger
                .conn()
                .execute("DELETE FROM meta WHERE key = ?1", [STRANDED_KEY])?;
            Ok(())
        })?;
        Ok(recovered)
    }

    /// Records one stranded entry again, or says why not.
    fn recover_one(&mut self, entry: &Entry, file: &str) -> Result<std::result::Result<Entry, String>> {
        let from = |seq: i64, operator: &str, recorded_at: i64| {
            format!(
                "recovered from {file}, entry {seq} (recorded by {operator}, {})",
                self.format_time(recorded_at)
            )
        };
        match entry {
            Entry::Event(e) => {
                if let Some(corrects) = e.corrects
                    && !self.has_event(corrects)?
                {
                    return Ok(Err("it corrects an entry this ledger does not have".to_string()));
                }
                if e.kind != crate::model::EventKind::Correction
                    && let Err(why) = crate::state::apply(&self.replay_item(&e.item)?, &e.as_move())
                {
                    return Ok(Err(format!(
                        "{}; record it again by hand if it still stands",
                        why.describe()
                    )));
                }
                let mut again = e.clone();
                let said = from(e.seq, &e.operator, e.recorded_at);
                again.note = Some(match &e.note {
                    Some(note) => format!("{said}; {note}"),
                    None => said,
                });
                let mut w = self.writer()?;
                let again = w.append(again)?;
                w.commit()?;
                Ok(Ok(Entry::Event(again)))
            }
            Entry::Record(r) => {
                use crate::record::{RecordKind::*, Register};
                if matches!(
                    r.kind,
                    OperatorSignedIn | OperatorSignInFailed | OperatorSignedOut | DeskLocked
                ) {
                    return Ok(Err("a sign-in, sign-out or lock: not needed again".to_string()));
                }
                if !matches!(
                    r.kind.register(),
                    Register::Setting | Register::Operator | Register::Person | Register::Container | Register::Item
                ) {
                    return Ok(Err("record it again by hand, where it belongs".to_string()));
                }
                let mut again = r.clone();
                let said = from(r.seq, &r.operator, r.recorded_at);
                again.reason = Some(match &r.reason {
                    Some(reason) => format!("{said}; {reason}"),
                    None => said,
                });
                let mut w = self.writer()?;
                let again = w.append_record(again)?;
                w.commit()?;
                Ok(Ok(Entry::Record(again)))
            }
        }
    }

    fn has_event(&self, id: uuid::Uuid) -> Result<bool> {
        Ok(self.conn().query_row(
            "SELECT EXISTS (SELECT 1 FROM all_events WHERE id = ?1)",
            [id.as_bytes().as_slice()],
            |r| r.get(0),
        )?)
    }
}

/// The stranded entries of the kept file, once it is shown to be this desk's (its chain the
/// same as this ledger's up to the restore, under the same root), its chain up to them links and
/// its signatures hold (as `verify` checks them).
fn checked_entries(kept: &Path, stranded: &Stranded, ledger: &Ledger) -> Result<Vec<Entry>> {
    let damaged = |detail: String| Error::Corrupt {
        path: kept.to_path_buf(),
        detail: format!("its entries cannot be recovered: {detail}"),
    };
    let conn =
        Connection::open_with_flags(kept, OpenFlags::SQLITE_OPEN_READ_ONLY).map_err(|e| damaged(e.to_string()))?;
    let desk: String = conn
        .query_row("SELECT value FROM meta WHERE key = 'desk'", [], |r| r.get(0))
        .map_err(|e| damaged(e.to_string()))?;
    let ours = record::hash_at(ledger.conn(), stranded.base)?;
    if desk != ledger.desk()
        || ours.is_none()
        || ours != record::hash_at(&conn, stranded.base)?
        || super::root::pinned_root(&conn)? != ledger.root_key()?
    {
        return Err(Error::NotTheKeptFile {
            given: kept.to_path_buf(),
            kept: stranded.kept.clone(),
        });
    }
    let mut signatures = super::signatures::Checker::for_own_chain(&conn, &desk)?;
    let mut previous = (0, crate::event::GENESIS_HASH);
    let mut entries = Vec::new();
    let mut broken = None;
    record::for_each_entry_between(&conn, 0, stranded.to, |entry| {
        if broken.is_none() {
            broken = super::verify::chain_problem(&entry, previous);
        }
        previous = (entry.seq(), entry.hash());
        signatures.see_kept(&entry)?;
        if entry.seq() >= stranded.from {
            entries.push(entry);
        }
        Ok(())
    })?;
    if let Some(problem) = broken {
        return Err(damaged(format!("entry {}: {}", problem.seq, problem.what)));
    }
    if let Some(problem) = signatures.finish()?.problem {
        return Err(damaged(problem));
    }
    if previous.0 < stranded.to {
        return Err(damaged(format!(
            "it ends at entry {}, before entry {}",
            previous.0, stranded.to
        )));
    }
    Ok(entries)
}
