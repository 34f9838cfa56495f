//! Backups: a consistent copy on demand, one automatically each day (30 kept by default), and a
//! restore that checks the backup before using it and keeps the current file aside.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use rusqlite::{Connection, OpenFlags};

use super::Ledger;
use crate::error::{Error, Result};
use crate::operator::{Action, Session};
use crate::storage::remove_database_files;
use crate::time::Clock;

/// A role check for work that is not on one open ledger (a restore replaces the file).
fn refuse_unless_allowed(by: &Session, action: Action) -> Result<()> {
    if by.may(action) {
        return Ok(());
    }
    Err(Error::RoleRefused {
        who: by.id().to_string(),
        role: by.role(),
        what: action.describe(),
        needs: action.needs(),
    })
}

/// How many daily backups are kept unless configured.
pub const DEFAULT_KEEP: u32 = 30;
const KEEP_KEY: &str = "backup.keep";

impl Ledger {
    /// Writes a consistent copy of the database to `target` (a new file), even while other
    /// programs write: SQLite's backup API copies one snapshot.
    pub fn backup_to(&self, target: &Path) -> Result<()> {
        self.allow(crate::operator::Action::Backup)?;
        self.copy_to(target)
    }

    /// The copy itself, for an administrator's backup and for the automatic daily one (which
    /// whoever opens the database first each day makes, whatever their role).
    fn copy_to(&self, target: &Path) -> Result<()> {
        if target.exists() {
            return Err(Error::AlreadyExists(target.to_path_buf()));
        }
        // Made under a partial name and put in place only when whole and synced, so that a
        // power cut never leaves a part of a backup under a backup's name (the power-cut
        // harness found one: an empty file, which then counted as today's backup). The copy is
        // its owner's alone from the start: SQLite writes into the empty file.
        let partial = crate::durable::partial_of(target);
        remove_database_files(&partial);
        crate::private::create_new_file(&partial).map_err(|e| Error::CannotOpen {
            path: target.to_path_buf(),
            detail: format!("the backup could not be made there ({e})"),
        })?;
        let copy = || -> rusqlite::Result<()> {
            let mut dest = Connection::open(&partial)?;
            let backup = rusqlite::backup::Backup::new(&self.conn, &mut dest)?;
            // All pages in one step (-1): one read transaction, so one consistent snapshot.
            // Busy or locked: another program holds a lock for a moment; wait up to ten seconds.
            for _ in 0..200 {
                match backup.step(-1)? {
                    rusqlite::backup::StepResult::Done => return Ok(()),
                    _ => std::thread::sleep(std::time::Duration::from_millis(50)),
                }
            }
            Err(rusqlite::Error::SqliteFailure(
                rusqlite::ffi::Error::new(rusqlite::ffi::SQLITE_BUSY),
                Some("the database stayed busy for ten seconds".to_string()),
            ))
        };
        let made = copy()
            .map_err(|e| e.to_string())
            .and_then(|()| crate::durable::put_in_place(&partial, target).map_err(|e| e.to_string()));
        made.map_err(|e| {
            remove_database_files(&partial);
            Error::CannotOpen {
                path: target.to_path_buf(),
                detail: format!("the backup could not be written ({e}); nothing was left there"),
            }
        })
    }

    /// The folder daily backups go in: `backups` beside the database.
    pub fn backup_folder(&self) -> PathBuf {
        self.path.parent().unwrap_or(Path::new(".")).join("backups")
    }

    /// Makes today's backup if there is none yet, and deletes the oldest beyond the number
    /// kept. Returns the new backup's path, if one was made.
    ///
    /// Backups are named after the database file (`custody.db` → `custody-2026-11-20.db`), so two
    /// databases in one folder each get their own.
    pub fn daily_backup(&self) -> Result<Option<PathBuf>> {
        if self.read_only {
            // Only someone who can write beside the file keeps its backups.
            return Ok(None);
        }
        let folder = self.backup_folder();
        crate::private::create_private_folder(&folder)?;
        let stem = self.path.file_stem().and_then(|s| s.to_str()).unwrap_or("custody");
        let prefix = format!("{stem}-");
        let today = self.now().with_timezone(&self.tz).format("%Y-%m-%d");
        let target = folder.join(format!("{prefix}{today}.db"));
        if target.exists() {
            return Ok(None);
        }
        // Files made looser by an older version, or by hand, are tightened with each backup.
        crate::private::tighten(&self.path)?;
        self.copy_to(&target)?;
        let daily = self.daily_backups();
        let keep = self.backups_kept()? as usize;
        for old in daily.iter().take(daily.len().saturating_sub(keep)) {
            remove_database_files(old);
        }
        Ok(Some(target))
    }

    /// This database's daily backups, oldest first: in the backup folder, its name, then a
    /// date, nothing else.
    pub fn daily_backups(&self) -> Vec<PathBuf> {
        let stem = self.path.file_stem().and_then(|s| s.to_str()).unwrap_or("custody");
        let prefix = format!("{stem}-");
        let daily_of_this = |name: &str| {
            name.strip_prefix(&prefix)
                .and_then(|rest| rest.strip_suffix(".db"))
                .is_some_and(|day| chrono::NaiveDate::parse_from_str(day, "%Y-%m-%d").is_ok())
        };
        let mut daily: Vec<PathBuf> = std::fs::read_dir(self.backup_folder())
            .map(|entries| entries.filter_map(|e| e.ok().map(|e| e.path())).collect())
            .unwrap_or_default();
        daily.retain(|p| p.file_name().and_then(|n| n.to_str()).is_some_and(daily_of_this));
        daily.sort(); // the names sort by date
        daily
    }

    /// How many daily backups are kept.
    pub fn backups_kept(&self) -> Result<u32> {
        Ok(self
            .setting(KEEP_KEY)?
            .and_then(|v| v.parse().ok())
            .unwrap_or(DEFAULT_KEEP))
    }

    pub fn set_backups_kept(&mut self, keep: u32) -> Result<()> {
        self.allow(crate::operator::Action::AllSettings)?;
        if keep == 0 {
            return Err(Error::InvalidText {
                field: "number of backups to keep",
                why: "it must be at least 1".to_string(),
            });
        }
        self.put_setting(KEEP_KEY, &keep.to_string())
    }
}

/// What a restore did.
#[derive(Clone, Debug)]
pub struct Restored {
    pub events: u64,
    /// Where the file that was replaced now is, if there was one.
    pub kept_aside: Option<PathBuf>,
    /// Its confirmed entries that are now only there (see `stranded.rs`), if any.
    pub stranded: Option<super::stranded::Stranded>,
}

/// Replaces the database at `current` with `backup`, after checking the backup in full (on a
/// copy: the backup itself is never changed). The current file is kept aside under a new name,
/// never deleted.
/// A backup of a different database is refused unless `force`. At a desk that joined a trust,
/// `server_has` is how far the trust's server holds this desk's chain: a restore that would
/// leave confirmed entries only in the kept file (after both the backup's head and the
/// server's) is refused unless `force`, naming them, and noted in the restored file if forced.
///
/// `by` is the administrator restoring, signed in on the current database (or, when that cannot
/// be opened, on the backup): they must be an active administrator in the backup too, so a
/// restore never brings back a file its restorer could not manage.
///
/// `None` is accepted only while neither file has operators (both made before sign-in existed).
pub fn restore(
    current: &Path,
    backup: &Path,
    force: bool,
    server_has: Option<i64>,
    clock: Arc<dyn Clock>,
    by: Option<&Session>,
) -> Result<Restored> {
    match by {
        Some(by) => refuse_unless_allowed(by, Action::Restore)?,
        None if Ledger::open(current, clock.clone()).is_ok_and(|l| l.has_operators().unwrap_or(true)) => {
            return Err(Error::NotSignedIn {
                what: Action::Restore.describe(),
                needs: Action::Restore.needs(),
            });
        }
        None => {}
    }
    if !backup.is_file() {
        return Err(Error::NoDatabase(backup.to_path_buf()));
    }
    let same = |a: &Path, b: &Path| {
        std::fs::canonicalize(a)
            .ok()
            .zip(std::fs::canonicalize(b).ok())
            .is_some_and(|(a, b)| a == b)
    };
    if same(current, backup) {
        return Err(Error::RestoreOntoItself(backup.to_path_buf()));
    }
    let staging = sibling(current, ".restoring");
    remove_database_files(&staging);
    crate::durable::copy(backup, &staging)
        .and_then(|()| crate::private::make_private(&staging))
        .map_err(|e| Error::CannotOpen {
            path: staging.clone(),
            detail: format!("the backup could not be copied beside the database ({e})"),
        })?;
    let checked = check_backup(&staging, backup, current, force, clock, by);
    let (events, backup_head) = match checked {
        Ok(checked) => checked,
        Err(e) => {
            remove_database_files(&staging);
            return Err(e);
        }
    };
    let only_here = server_has.and_then(|held| super::stranded::only_in(current, backup_head.max(held)));
    if let Some((from, to, named)) = &only_here
        && !force
    {
        remove_database_files(&staging);
        return Err(Error::RestoreWouldDrop {
            count: to - from + 1,
            named: named.join(", "),
        });
    }
    if current.exists()
        && let Err(e) = settle(current)
    {
        remove_database_files(&staging);
        return Err(e);
    }
    // The current file keeps its name until the restored one takes it, in one rename: a power
    // cut at any moment leaves one or the other under the database's name, never neither (the
    // power-cut harness found that gap when the current file was renamed aside first).
    let kept_aside = if current.exists() {
        let aside = unused_name(
            current,
            &format!(".before-restore-{}", chrono::Utc::now().format("%Y%m%d-%H%M%S")),
        );
        crate::durable::link_or_copy(current, &aside)?;
        leave_no_log_beside(current, &aside)?;
        crate::durable::sync_folder(crate::durable::folder_of(current))?;
        Some(aside)
    } else {
        None
    };
    // The restored file reaches the disk before it takes the database's name, and its name
    // before this says it is done.
    crate::durable::put_in_place(&staging, current)?;
    // Noted with its full path: the desk may be started from anywhere.
    let kept = kept_aside
        .as_ref()
        .map(|k| std::fs::canonicalize(k).unwrap_or_else(|_| k.clone()));
    let stranded = only_here
        .zip(kept)
        .map(|((from, to, _), kept)| super::stranded::Stranded {
            from,
            to,
            base: backup_head,
            kept,
        });
    if let Some(stranded) = &stranded {
        super::stranded::note(current, stranded)?;
    }
    Ok(Restored {
        events,
        kept_aside,
        stranded,
    })
}

/// Opens the staged copy as a ledger (migrating an older one), verifies it in full, and compares
/// its identity with the current database's. Returns its number of events and its head.
fn check_backup(
    staging: &Path,
    backup: &Path,
    current: &Path,
    force: bool,
    clock: Arc<dyn Clock>,
    by: Option<&Session>,
) -> Result<(u64, i64)> {
    // The message names the backup the user gave, not the copy it was checked on.
    let mut staged = Ledger::open(staging, clock).map_err(|e| Error::Corrupt {
        path: backup.to_path_buf(),
        detail: format!(
            "it cannot be used as a backup: {}",
            e.to_string()
                .replace(&staging.display().to_string(), &backup.display().to_string())
        ),
    })?;
    if staged.has_operators()? {
        let by = by.ok_or(Error::NotSignedIn {
            what: Action::Restore.describe(),
            needs: Action::Restore.needs(),
        })?;
        let there = staged.act_as(by)?;
        refuse_unless_allowed(&there, Action::Restore)?;
    }
    let report = staged.as_itself("restore", |staged| staged.verify())?;
    if !report.is_intact() {
        return Err(Error::Corrupt {
            path: backup.to_path_buf(),
            detail: "it fails verification (verify the backup itself for the details)".to_string(),
        });
    }
    if current.exists() && !force {
        // The current file may be the damaged one; if it cannot be read, there is nothing to compare.
        if let Some(desk) = desk_of(current)
            && desk != staged.desk()
        {
            return Err(Error::DifferentDatabase {
                backup: backup.to_path_buf(),
                current: current.to_path_buf(),
            });
        }
    }
    Ok((report.events_checked, staged.head()?.0))
}

/// Moves everything in the current file's write-ahead log into the file, refusing if another
/// program still has it open (renaming a file under a running desk would lose its next records).
fn settle(current: &Path) -> Result<()> {
    let Ok(conn) = Connection::open_with_flags(current, OpenFlags::SQLITE_OPEN_READ_WRITE) else {
        return Ok(()); // unreadable: it is being replaced because it is damaged
    };
    // Give a scheduled report a moment to finish before giving up.
    conn.busy_timeout(std::time::Duration::from_secs(2))?;
    // Every connection to a WAL database holds a shared lock on it while open; an exclusive
    // lock is only granted when no other program has it open, busy or idle.
    let alone = conn
        .execute_batch("PRAGMA locking_mode = EXCLUSIVE; BEGIN EXCLUSIVE; COMMIT;")
        .and_then(|()| conn.query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |r| r.get::<_, i64>(0)));
    match alone {
        Ok(0) => Ok(()),
        Ok(_) | Err(_) => Err(Error::CannotOpen {
            path: current.to_path_buf(),
            detail: "another program (the desk app, or a scheduled report) is using it; close it and restore again"
                .to_string(),
        }),
    }
}

fn desk_of(path: &Path) -> Option<String> {
    let conn = Connection::open_with_flags(path, OpenFlags::SQLITE_OPEN_READ_ONLY).ok()?;
    conn.query_row("SELECT value FROM meta WHERE key = 'desk'", [], |r| r.get(0))
        .ok()
}

/// `custody.db` + `.before-restore-…`, or with `-2`, `-3`… after it when a file (or its log) of
/// that name is there already: a kept file is never overwritten.
fn unused_name(current: &Path, suffix: &str) -> PathBuf {
    let taken = |p: &PathBuf| ["", "-wal", "-shm"].iter().any(|s| sibling(p, s).exists());
    std::iter::once(sibling(current, suffix))
        .chain((2..).map(|n| sibling(current, &format!("{suffix}-{n}"))))
        .find(|p| !taken(p))
        .unwrap_or_default()
}

/// After the current file was settled (its log moved into it) and kept aside, its `-shm` (only
/// an index) and an empty `-wal` are removed, so that neither is paired with the restored file.
/// A log that still holds pages (the file was too damaged to settle) is kept for evidence under
/// a name SQLite will never pair with a file.
fn leave_no_log_beside(current: &Path, aside: &Path) -> Result<()> {
    let (wal, shm) = (sibling(current, "-wal"), sibling(current, "-shm"));
    crate::durable::remove(&shm)?;
    match std::fs::metadata(&wal) {
        Ok(m) if m.len() == 0 => crate::durable::remove(&wal)?,
        Ok(_) => crate::durable::rename(&wal, &sibling(aside, ".log-left-at-restore"))?,
        Err(_) => {}
    }
    Ok(())
}

/// `custody.db` + `.restoring` → `custody.db.restoring`.
fn sibling(path: &Path, suffix: &str) -> PathBuf {
    let mut name = path.as_os_str().to_owned();
    name.push(suffix);
    PathBuf::from(name)
}
