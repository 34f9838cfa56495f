//! The files Custody makes hold personal data and password hashes: each is its owner's alone
//! (mode 0600; folders 0700), so that another account on a shared office computer cannot read
//! them. On Windows the per-user data folder is private already; there these do nothing.

use std::io;
use std::path::{Path, PathBuf};

/// A file Custody makes: read and written by its owner only.
pub const FILE_MODE: u32 = 0o600;
/// A folder Custody makes: its owner's only.
pub const FOLDER_MODE: u32 = 0o700;

/// Creates a new file (never over an existing one), its owner's alone from the start.
pub fn create_new_file(path: &Path) -> io::Result<std::fs::File> {
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, FILE_MODE);
    options.open(path)
}

/// Makes an existing file or folder its owner's alone.
pub fn make_private(path: &Path) -> io::Result<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = if path.is_dir() { FOLDER_MODE } else { FILE_MODE };
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode))?;
    }
    #[cfg(not(unix))]
    let _ = path;
    Ok(())
}

/// Creates a folder (and its parents) for Custody's files; the folder itself its owner's alone.
pub fn create_private_folder(path: &Path) -> io::Result<()> {
    std::fs::create_dir_all(path)?;
    make_private(path)
}

/// The files and folders of the database at `db` that others may read, with their modes: the
/// database, every file beside it whose name begins with its name (its log and index, copies
/// kept before a migration or a restore), and the `backups` and `reports` folders beside it
/// with what they hold.
pub fn readable_by_others(db: &Path) -> Vec<(PathBuf, u32)> {
    let mut loose = Vec::new();
    #[cfg(unix)]
    for path in custody_files(db) {
        use std::os::unix::fs::PermissionsExt;
        if let Ok(meta) = std::fs::symlink_metadata(&path) {
            let mode = meta.permissions().mode() & 0o777;
            if mode & 0o077 != 0 {
                loose.push((path, mode));
            }
        }
    }
    #[cfg(not(unix))]
    let _ = db;
    loose
}

/// Makes every file [`readable_by_others`] finds its owner's alone; returns those it changed.
pub fn tighten(db: &Path) -> io::Result<Vec<PathBuf>> {
    let loose = readable_by_others(db);
    for (path, _) in &loose {
        make_private(path)?;
    }
    Ok(loose.into_iter().map(|(p, _)| p).collect())
}

/// The database, its siblings by name, and the folders Custody keeps beside it with their files.
fn custody_files(db: &Path) -> Vec<PathBuf> {
    let folder = db
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let name = db
        .file_name()
        .map(|n| n.to_string_lossy().to_string())
        .unwrap_or_default();
    let listed = |dir: &Path| -> Vec<PathBuf> {
        std::fs::read_dir(dir)
            .map(|entries| entries.filter_map(|e| e.ok().map(|e| e.path())).collect())
            .unwrap_or_default()
    };
    let mut files: Vec<PathBuf> = listed(folder)
        .into_iter()
        .filter(|p| {
            p.file_name()
                .is_some_and(|n| !name.is_empty() && n.to_string_lossy().starts_with(&name))
        })
        .collect();
    for kept in ["backups", "reports"] {
        let dir = folder.join(kept);
        if dir.is_dir() {
            files.extend(listed(&dir).into_iter().filter(|p| p.is_file()));
            files.push(dir);
        }
    }
    files.sort();
    files
}

#[cfg(all(test, unix))]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    fn mode(path: &Path) -> u32 {
        std::fs::metadata(path).unwrap().permissions().mode() & 0o777
    }

    #[test]
    fn loose_files_are_found_and_tightened_and_others_left_alone() {
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("custody.db");
        let open = |p: &Path, m: u32| {
            std::fs::write(p, b"x").unwrap();
            std::fs::set_permissions(p, std::fs::Permissions::from_mode(m)).unwrap();
        };
        open(&db, 0o644);
        open(&dir.path().join("custody.db-wal"), 0o600);
        open(&dir.path().join("custody.db.pre-v10"), 0o640);
        open(&dir.path().join("someone-elses.txt"), 0o644);
        std::fs::create_dir(dir.path().join("backups")).unwrap();
        open(&dir.path().join("backups/custody-2026-11-20.db"), 0o644);
        let found: Vec<PathBuf> = readable_by_others(&db).into_iter().map(|(p, _)| p).collect();
        assert_eq!(
            found,
            vec![
                dir.path().join("backups"),
                dir.path().join("backups/custody-2026-11-20.db"),
                db.clone(),
                dir.path().join("custody.db.pre-v10"),
            ]
        );
        assert_eq!(tighten(&db).unwrap().len(), 4);
        assert!(readable_by_others(&db).is_empty());
        assert_eq!(mode(&db), 0o600);
        assert_eq!(mode(&dir.path().join("backups")), 0o700);
        assert_eq!(mode(&dir.path().join("someone-elses.txt")), 0o644, "not Custody's");
    }
}
