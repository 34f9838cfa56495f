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
    File::open(path)?.sync_all()
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
        File::open(folder)?.sync_all()
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
    std::fs::rename(partial, path)?;
    sync_folder(folder_of(path))
}

/// Writes `bytes` to `path` (its owner's alone), whole or not at all, even if the power goes.
pub fn write_file(path: &Path, bytes: &[u8]) -> io::Result<()> {
    let partial = partial_of(path);
    match std::fs::remove_file(&partial) {
        Err(e) if e.kind() != io::ErrorKind::NotFound => return Err(e),
        _ => {}
    }
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
