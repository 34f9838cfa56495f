//! What the disk holds after a power cut, built from the files as they were before the writer
//! started and the log of what it did since: every write a sync covered is there; of the
//! writes after a file's last sync, each is kept, lost, or torn (some of its 512-byte sectors
//! kept, others not: a disk with a volatile write cache may reorder sectors, but never tears
//! one, so sectors are whole). A file created and never synced may be missing altogether (its
//! directory entry was never synced either). SQLite's `-shm` index is memory: it is gone.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use super::log::Op;

/// The smallest unit a disk writes whole (a 512-byte sector; a 4K disk tears less).
pub const SECTOR: u64 = 512;

/// One file's story: what was on the disk at its last sync, and what came after.
#[derive(Debug, Default)]
struct FileStory {
    /// `None`: not on the disk (never synced since it was created, or deleted).
    durable: Option<Vec<u8>>,
    pending: Vec<Op>,
    /// Created during the run and never synced: its very existence is not durable.
    unsynced_new: bool,
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
/// `rng` choosing the fate of each unsynced write. Returns how many writes were unsynced.
pub fn cut(before: &Snapshot, ops: &[Op], rng: &mut fastrand::Rng) -> std::io::Result<usize> {
    let mut stories: BTreeMap<PathBuf, FileStory> = BTreeMap::new();
    for op in ops {
        let path = PathBuf::from(op.path());
        let story = stories.entry(path.clone()).or_insert_with(|| FileStory {
            durable: before.get(&path).cloned(),
            ..FileStory::default()
        });
        match op {
            Op::Open { .. } => {
                if story.durable.is_none() && story.pending.is_empty() {
                    story.unsynced_new = true;
                }
            }
            Op::Write { .. } | Op::Truncate { .. } => story.pending.push(op.clone()),
            Op::Sync { .. } => {
                let mut contents = story.durable.take().unwrap_or_default();
                for op in story.pending.drain(..) {
                    apply(&mut contents, &op, None);
                }
                story.durable = Some(contents);
                story.unsynced_new = false;
            }
            Op::Delete { .. } => {
                *story = FileStory::default();
            }
        }
    }
    // The shared-memory index of each database touched (never opened through the VFS, and
    // memory, not disk) is gone with the power.
    for path in stories.keys() {
        let _ = std::fs::remove_file(format!("{}-shm", path.display()));
    }
    let mut unsynced = 0;
    for (path, story) in stories {
        unsynced += story.pending.len();
        let exists = story.durable.is_some() || (story.unsynced_new && !story.pending.is_empty() && rng.bool());
        if !exists {
            match std::fs::remove_file(&path) {
                Err(e) if e.kind() != std::io::ErrorKind::NotFound => return Err(e),
                _ => {}
            }
            continue;
        }
        let mut contents = story.durable.unwrap_or_default();
        for op in &story.pending {
            match rng.u8(..3) {
                0 => {}                                   // lost
                1 => apply(&mut contents, op, None),      // kept
                _ => apply(&mut contents, op, Some(rng)), // torn
            }
        }
        std::fs::write(&path, contents)?;
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
}
