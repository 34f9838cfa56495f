//! Which database files this program has handed to SQLite.
//!
//! SQLite's locks on a file are POSIX locks, and those belong to the process: closing *any*
//! handle on the file drops them all, SQLite's included. Reading the header of a file this
//! program already has open (the desk opens a second connection for its lists, reports and
//! sync) through a handle of our own would drop the desk's locks; the next program to close
//! the file (an older SQLite: the `sqlite3` shell, Python, a DPO's browser) would then think it
//! was the last, checkpoint, and delete the log the desk is still writing to — and the desk's
//! next records would be seen by nobody else. So a file's header is read straight from disk
//! only the first time; after that SQLite, which shares its handles within the program, answers.

use std::collections::BTreeSet;
use std::path::Path;
use std::sync::{Mutex, MutexGuard, PoisonError};
use std::time::SystemTime;

/// A file as the system knows it: device, inode and (where the file system keeps it) when it
/// was made, so that a new file given a deleted one's inode is not taken for it.
type FileId = (u64, u64, Option<SystemTime>);

static HANDED: Mutex<BTreeSet<FileId>> = Mutex::new(BTreeSet::new());

/// The files handed to SQLite, locked: hold it from looking at a file until it is
/// [`Handed::add`]ed, so that two threads opening the same file cannot both read it from disk.
pub struct Handed(MutexGuard<'static, BTreeSet<FileId>>);

pub fn lock() -> Handed {
    Handed(HANDED.lock().unwrap_or_else(PoisonError::into_inner))
}

impl Handed {
    /// Whether SQLite may have `path` open in this program (so reading it ourselves is unsafe).
    pub fn contains(&self, path: &Path) -> bool {
        file_id(path).is_some_and(|id| self.0.contains(&id))
    }

    /// Notes that `path` is about to be opened by SQLite.
    pub fn add(&mut self, path: &Path) {
        self.0.extend(file_id(path));
    }
}

#[cfg(unix)]
fn file_id(path: &Path) -> Option<FileId> {
    use std::os::unix::fs::MetadataExt;
    // `metadata` asks about the file without opening it, so it drops no locks.
    let meta = std::fs::metadata(path).ok()?;
    Some((meta.dev(), meta.ino(), meta.created().ok()))
}

/// Elsewhere locks are not dropped by another handle's closing, so nothing needs remembering.
#[cfg(not(unix))]
fn file_id(_: &Path) -> Option<FileId> {
    None
}
