//! Files Custody promises are saved, made so that a power cut leaves each whole or absent, never
//! a part: written under a partial name beside their place, synced, renamed into place, and
//! their folder synced (a rename reaches the disk only with its folder). The database itself is
//! SQLite's to keep (WAL, `synchronous=FULL`); this is for the other files: backups, the copy
//! before an upgrade, a restore, reports and exports.

use std::fs::File;
use std::io::{self, Write};
use std::path::{Path, PathBuf};

/// `.NAME.partial` beside `path`: where a file is made before it is put in place.
pub fn partial_of(path: &Path) -> PathBuf {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    path.with_file_name(format!(".{name}.partial"))
}

/// Makes what was written to `path` reach the disk.
pub fn sync_file(path: &Path) -> io::Result<()> {
    File::open(path)?.sync_all()?;
    watch::saw(|| watch::Happened::Synced(path.to_path_buf()));
    Ok(())
}

/// Renames `from` to `to` (replacing `to` in one step). The new name reaches the disk with the
/// folder's next sync.
pub fn rename(from: &Path, to: &Path) -> io::Result<()> {
    std::fs::rename(from, to)?;
    watch::saw(|| watch::Happened::Renamed(from.to_path_buf(), to.to_path_buf()));
    Ok(())
}

/// Copies `from` to `to` (made or replaced); nothing is synced.
pub fn copy(from: &Path, to: &Path) -> io::Result<()> {
    std::fs::copy(from, to)?;
    watch::saw(|| watch::Happened::Written(to.to_path_buf(), std::fs::read(to).unwrap_or_default()));
    Ok(())
}

/// Gives the file at `from` a second name, `to` (a hard link), or where the file system has no
/// links (a FAT memory stick), a synced copy. Either way `to` is whole once the folder is synced.
pub fn link_or_copy(from: &Path, to: &Path) -> io::Result<()> {
    if std::fs::hard_link(from, to).is_ok() {
        watch::saw(|| watch::Happened::Linked(from.to_path_buf(), to.to_path_buf()));
        return Ok(());
    }
    copy(from, to)?;
    sync_file(to)
}

/// Removes `path`; a file already gone is not an error.
pub fn remove(path: &Path) -> io::Result<()> {
    match std::fs::remove_file(path) {
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(()),
        Err(e) => Err(e),
        Ok(()) => {
            watch::saw(|| watch::Happened::Removed(path.to_path_buf()));
            Ok(())
        }
    }
}

/// Makes the names in `folder` (a file created, renamed or removed there) reach the disk.
pub fn sync_folder(folder: &Path) -> io::Result<()> {
    #[cfg(unix)]
    {
        let folder = if folder.as_os_str().is_empty() {
            Path::new(".")
        } else {
            folder
        };
        File::open(folder)?.sync_all()?;
        watch::saw(|| watch::Happened::FolderSynced(folder.to_path_buf()));
        Ok(())
    }
    #[cfg(not(unix))]
    {
        // Windows has no way to sync a folder; NTFS journals its names.
        let _ = folder;
        Ok(())
    }
}

/// The folder `path` is in.
pub fn folder_of(path: &Path) -> &Path {
    path.parent().unwrap_or(Path::new("."))
}

/// Syncs `partial`, renames it to `path` (replacing what was there in one step) and syncs the
/// folder: after this, `path` is whole on the disk.
pub fn put_in_place(partial: &Path, path: &Path) -> io::Result<()> {
    sync_file(partial)?;
    rename(partial, path)?;
    sync_folder(folder_of(path))
}

/// Writes `bytes` to `path` (its owner's alone), whole or not at all, even if the power goes.
pub fn write_file(path: &Path, bytes: &[u8]) -> io::Result<()> {
    let partial = partial_of(path);
    remove(&partial)?;
    let written = crate::private::create_new_file(&partial).and_then(|mut file| {
        file.write_all(bytes)?;
        file.sync_all()
    });
    if let Err(e) = written.and_then(|()| put_in_place(&partial, path)) {
        let _ = std::fs::remove_file(&partial);
        return Err(e);
    }
    Ok(())
}

/// What the power-cut harness sees of the file operations above (SQLite's own it sees through
/// its VFS): in a test build, each is told to the watcher it installs; otherwise nothing.
pub mod watch {
    use std::path::PathBuf;

    /// One file operation, done.
    #[derive(Debug)]
    pub enum Happened {
        /// The file (made, or emptied) now holds these bytes, not yet synced.
        Written(PathBuf, Vec<u8>),
        Synced(PathBuf),
        Renamed(PathBuf, PathBuf),
        Linked(PathBuf, PathBuf),
        Removed(PathBuf),
        FolderSynced(PathBuf),
    }

    #[cfg(feature = "test-support")]
    static WATCHER: std::sync::OnceLock<fn(&Happened)> = std::sync::OnceLock::new();

    /// Tells `watcher` of every file operation from now on (test builds only).
    #[cfg(feature = "test-support")]
    pub fn install(watcher: fn(&Happened)) {
        let _ = WATCHER.set(watcher);
    }

    #[cfg(feature = "test-support")]
    pub(super) fn saw(what: impl FnOnce() -> Happened) {
        if let Some(watcher) = WATCHER.get() {
            watcher(&what());
        }
    }

    #[cfg(not(feature = "test-support"))]
    #[inline(always)]
    pub(super) fn saw(_what: impl FnOnce() -> Happened) {}
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_file_is_written_through_its_partial_name_and_replaces_the_old_one() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("report.pdf");
        write_file(&path, b"first").unwrap();
        write_file(&path, b"second").unwrap();
        assert_eq!(std::fs::read(&path).unwrap(), b"second");
        assert!(!partial_of(&path).exists(), "no partial file is left");
        assert_eq!(partial_of(&path).file_name().unwrap(), ".report.pdf.partial");
    }
}
