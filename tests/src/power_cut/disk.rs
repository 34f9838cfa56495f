//! What the disk holds after a power cut, built from the files as they were before the writer
//! started and the log of what it did since. The device model:
//!
//! - **Contents.** Every write a sync of its file covered is there; of the writes after a file's
//!   last sync, each is kept, lost, or torn (some of its 512-byte sectors kept, others not: a
//!   disk with a volatile write cache may reorder sectors, but never tears one).
//! - **Names** (a file made, renamed, linked or removed) reach the disk in the order they were
//!   made, as a journaling file system (ext4, XFS, NTFS) commits them: after the cut, some of
//!   the changes since the last commit are there, always the earliest ones. A sync of a folder
//!   commits every change up to the last one in that folder; a sync of a file, every change up to
//!   the last that named it (SQLite syncs a new log's folder on its first sync, and so does the
//!   journal).
//! - SQLite's `-shm` index is memory: it is gone.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use super::log::Op;

/// The smallest unit a disk writes whole (a 512-byte sector; a 4K disk tears less).
pub const SECTOR: u64 = 512;

/// One file's contents (an inode: it may have several names, or none).
#[derive(Debug, Default)]
struct Contents {
    /// What was on the disk at its last sync.
    durable: Vec<u8>,
    /// Writes and truncations since.
    pending: Vec<Op>,
}

/// A change to the folder's names, naming the file it concerns.
#[derive(Debug)]
enum NameChange {
    /// Made, or linked: `path` now names file `file`.
    Bind {
        path: PathBuf,
        file: usize,
    },
    Rename {
        from: PathBuf,
        to: PathBuf,
        file: usize,
    },
    Unbind {
        path: PathBuf,
    },
}

impl NameChange {
    fn in_folder(&self, folder: &Path) -> bool {
        let within = |p: &Path| p.parent() == Some(folder);
        match self {
            NameChange::Bind { path, .. } | NameChange::Unbind { path } => within(path),
            NameChange::Rename { from, to, .. } => within(from) || within(to),
        }
    }

    fn names(&self, file: usize) -> bool {
        matches!(self, NameChange::Bind { file: f, .. } | NameChange::Rename { file: f, .. } if *f == file)
    }
}

/// The folder's files before the run: path → contents.
pub type Snapshot = BTreeMap<PathBuf, Vec<u8>>;

/// Reads every file under `folder` (the harness's own folder: small).
pub fn snapshot(folder: &Path) -> std::io::Result<Snapshot> {
    let mut files = Snapshot::new();
    let mut stack = vec![folder.to_path_buf()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir)? {
            let path = entry?.path();
            if path.is_dir() {
                stack.push(path);
            } else {
                files.insert(path.clone(), std::fs::read(&path)?);
            }
        }
    }
    Ok(files)
}

/// Writes to the disk (the real folder) what a power cut after `ops` leaves of the files, with
/// `rng` choosing the fate of each unsynced write and how many uncommitted name changes landed.
/// Returns how many writes were unsynced.
pub fn cut(before: &Snapshot, ops: &[Op], rng: &mut fastrand::Rng) -> std::io::Result<usize> {
    let mut files: Vec<Contents> = Vec::new();
    let mut on_disk: BTreeMap<PathBuf, usize> = BTreeMap::new();
    for (path, contents) in before {
        on_disk.insert(path.clone(), files.len());
        files.push(Contents {
            durable: contents.clone(),
            pending: Vec::new(),
        });
    }
    let mut live = on_disk.clone();
    let mut changes: Vec<NameChange> = Vec::new();
    // changes[..committed] are on the disk.
    let mut committed = 0;
    let mut touched: BTreeSet<PathBuf> = before.keys().cloned().collect();
    for op in ops {
        let path = PathBuf::from(op.path());
        if !matches!(op, Op::SyncFolder { .. }) {
            touched.insert(path.clone());
        }
        // The file a path names now, made (and named) if there is none.
        let mut file_at = |path: &PathBuf| {
            *live.entry(path.clone()).or_insert_with(|| {
                files.push(Contents::default());
                changes.push(NameChange::Bind {
                    path: path.clone(),
                    file: files.len() - 1,
                });
                files.len() - 1
            })
        };
        match op {
            Op::Open { .. } => {
                file_at(&path);
            }
            Op::Write { .. } | Op::Truncate { .. } => {
                let file = file_at(&path);
                files[file].pending.push(op.clone());
            }
            Op::Sync { .. } => {
                if let Some(&file) = live.get(&path) {
                    let story = &mut files[file];
                    for op in story.pending.drain(..) {
                        apply(&mut story.durable, &op, None);
                    }
                    if let Some(last) = changes.iter().rposition(|c| c.names(file)) {
                        committed = committed.max(last + 1);
                    }
                }
            }
            Op::SyncFolder { .. } => {
                if let Some(last) = changes.iter().rposition(|c| c.in_folder(&path)) {
                    committed = committed.max(last + 1);
                }
            }
            Op::Delete { .. } => {
                if live.remove(&path).is_some() {
                    changes.push(NameChange::Unbind { path });
                }
            }
            Op::Rename { to, .. } => {
                let to = PathBuf::from(to);
                touched.insert(to.clone());
                if let Some(file) = live.remove(&path) {
                    live.insert(to.clone(), file);
                    changes.push(NameChange::Rename { from: path, to, file });
                }
            }
            Op::Link { to, .. } => {
                let to = PathBuf::from(to);
                touched.insert(to.clone());
                if let Some(&file) = live.get(&path) {
                    live.insert(to.clone(), file);
                    changes.push(NameChange::Bind { path: to, file });
                }
            }
        }
    }
    // The names: the committed changes and, of the rest, the earliest few — half the time all
    // of them (the journal was about to commit), where a step that must follow another is
    // most often missing.
    let landed = if rng.bool() {
        changes.len()
    } else {
        rng.usize(committed..=changes.len())
    };
    for change in &changes[..landed] {
        match change {
            NameChange::Bind { path, file } => {
                on_disk.insert(path.clone(), *file);
            }
            NameChange::Rename { from, to, file } => {
                on_disk.remove(from);
                on_disk.insert(to.clone(), *file);
            }
            NameChange::Unbind { path } => {
                on_disk.remove(path);
            }
        }
    }
    // The contents: each unsynced write's fate, once per file (however many names it has).
    let mut unsynced = 0;
    let contents: Vec<Vec<u8>> = files
        .into_iter()
        .map(|file| {
            unsynced += file.pending.len();
            let mut contents = file.durable;
            for op in &file.pending {
                match rng.u8(..3) {
                    0 => {}                                   // lost
                    1 => apply(&mut contents, op, None),      // kept
                    _ => apply(&mut contents, op, Some(rng)), // torn
                }
            }
            contents
        })
        .collect();
    for path in &touched {
        // The shared-memory index of each database (memory, not disk) is gone with the power.
        let _ = std::fs::remove_file(format!("{}-shm", path.display()));
        match on_disk.get(path) {
            Some(&file) => std::fs::write(path, &contents[file])?,
            None => match std::fs::remove_file(path) {
                Err(e) if e.kind() != std::io::ErrorKind::NotFound => return Err(e),
                _ => {}
            },
        }
    }
    Ok(unsynced)
}

/// Applies one write or truncation; torn, only some of a write's sectors land.
fn apply(contents: &mut Vec<u8>, op: &Op, torn: Option<&mut fastrand::Rng>) {
    match op {
        Op::Write { offset, data, .. } => {
            let end = *offset as usize + data.len();
            let mut keep = vec![true; data.len()];
            if let Some(rng) = torn {
                // Sector by sector, as the disk lays them down: each may or may not have landed.
                let mut at = *offset;
                while at < end as u64 {
                    let next = ((at / SECTOR) + 1) * SECTOR;
                    let stop = next.min(end as u64);
                    let landed = rng.bool();
                    for i in at..stop {
                        keep[(i - offset) as usize] = landed;
                    }
                    at = stop;
                }
            }
            if contents.len() < end && keep.iter().any(|k| *k) {
                let last = keep.iter().rposition(|k| *k).unwrap_or(0);
                let needed = *offset as usize + last + 1;
                if contents.len() < needed {
                    contents.resize(needed, 0);
                }
            }
            for (i, byte) in data.iter().enumerate() {
                if keep[i] {
                    contents[*offset as usize + i] = *byte;
                }
            }
        }
        Op::Truncate { size, .. } => contents.truncate(*size as usize),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write(offset: u64, data: &[u8]) -> Op {
        Op::Write {
            path: "/f".into(),
            offset,
            data: data.to_vec(),
        }
    }

    #[test]
    fn a_torn_write_keeps_whole_sectors_only() {
        let mut rng = fastrand::Rng::with_seed(3);
        for _ in 0..50 {
            let mut contents = vec![0u8; 2048];
            apply(&mut contents, &write(0, &[7u8; 2048]), Some(&mut rng));
            for sector in contents.chunks(SECTOR as usize) {
                assert!(sector.iter().all(|b| *b == 7) || sector.iter().all(|b| *b == 0));
            }
        }
    }

    #[test]
    fn synced_writes_survive_and_unsynced_ones_may_not() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("f");
        let p = path.to_string_lossy().to_string();
        let ops = vec![
            Op::Open { path: p.clone() },
            Op::Write {
                path: p.clone(),
                offset: 0,
                data: b"synced".to_vec(),
            },
            Op::Sync { path: p.clone() },
            Op::Write {
                path: p.clone(),
                offset: 0,
                data: b"LATER!".to_vec(),
            },
        ];
        let mut seen = std::collections::BTreeSet::new();
        for seed in 0..40 {
            cut(&Snapshot::new(), &ops, &mut fastrand::Rng::with_seed(seed)).unwrap();
            seen.insert(std::fs::read(&path).unwrap());
        }
        assert!(seen.contains(b"synced".as_slice()), "{seen:?}");
        assert!(seen.contains(b"LATER!".as_slice()), "{seen:?}");
        assert!(seen.iter().all(|c| c.len() == 6));
    }

    /// Renaming a file aside and another into its place: until the folder is synced, the cut
    /// may leave the first rename without the second (no file under the name), never the second
    /// without the first; after the sync, only the new file.
    #[test]
    fn names_land_in_order_and_a_folder_sync_commits_them() {
        let dir = tempfile::tempdir().unwrap();
        let name = |n: &str| dir.path().join(n).to_string_lossy().into_owned();
        let (db, aside, staging) = (name("db"), name("aside"), name("staging"));
        let mut before = Snapshot::new();
        before.insert(db.clone().into(), b"old".to_vec());
        before.insert(staging.clone().into(), b"new".to_vec());
        let renames = vec![
            Op::Rename {
                path: db.clone(),
                to: aside.clone(),
            },
            Op::Rename {
                path: staging.clone(),
                to: db.clone(),
            },
        ];
        let mut seen = std::collections::BTreeSet::new();
        for seed in 0..60 {
            for (p, c) in &before {
                std::fs::write(p, c).unwrap();
            }
            cut(&before, &renames, &mut fastrand::Rng::with_seed(seed)).unwrap();
            let read = |p: &str| std::fs::read(p).ok();
            seen.insert((read(&db), read(&aside)));
        }
        let (old, new) = (Some(b"old".to_vec()), Some(b"new".to_vec()));
        let expected = [(old.clone(), None), (None, old.clone()), (new.clone(), old.clone())];
        assert_eq!(
            seen,
            expected.into_iter().collect(),
            "each prefix of the renames, and only those"
        );

        let mut synced = renames;
        synced.push(Op::SyncFolder {
            path: dir.path().to_string_lossy().into_owned(),
        });
        for seed in 0..10 {
            for (p, c) in &before {
                std::fs::write(p, c).unwrap();
            }
            cut(&before, &synced, &mut fastrand::Rng::with_seed(seed)).unwrap();
            assert_eq!(std::fs::read(&db).ok(), new);
            assert_eq!(std::fs::read(&aside).ok(), old);
        }
    }
}
