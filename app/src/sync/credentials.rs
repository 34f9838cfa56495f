//! Where a desk keeps its server's address and its login: a file beside the database
//! (`custody.db.sync`), readable by its owner only, never in the ledger (a backup or an export
//! of the ledger never carries the password). It also remembers when the desk last pushed.

use std::path::{Path, PathBuf};

use anyhow::{Context as _, Result, bail};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub struct Credentials {
    /// The URL `custody server add-desk` printed for this desk (with its password).
    pub url: String,
    /// When the last push finished (RFC 3339), and the server's head for this desk then.
    #[serde(default)]
    pub last_push: Option<String>,
    #[serde(default)]
    pub pushed_head: i64,
    /// When the last whole round (push and pull) finished, Unix ms: the desk warns when it is
    /// days ago.
    #[serde(default)]
    pub last_synced: Option<i64>,
}

/// The file beside `db`: `custody.db` → `custody.db.sync`.
pub fn path_for(db: &Path) -> PathBuf {
    let mut name = db.as_os_str().to_owned();
    name.push(".sync");
    PathBuf::from(name)
}

impl Credentials {
    /// The desk's credentials, if it has joined a server.
    pub fn read(db: &Path) -> Result<Option<Credentials>> {
        let path = path_for(db);
        let text = match std::fs::read_to_string(&path) {
            Ok(text) => text,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
            Err(e) => bail!("could not read {}: {e}", path.display()),
        };
        let credentials = serde_json::from_str(&text)
            .with_context(|| format!("{} is not as Custody wrote it; join the server again", path.display()))?;
        Ok(Some(credentials))
    }

    /// Writes them beside `db`, readable by its owner only, replacing the file in one step.
    pub fn write(&self, db: &Path) -> Result<()> {
        let path = path_for(db);
        let partial = path.with_extension("sync.part");
        let text = serde_json::to_string_pretty(self)?;
        {
            use std::io::Write;
            let mut options = std::fs::OpenOptions::new();
            options.write(true).create(true).truncate(true);
            #[cfg(unix)]
            std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
            let mut file = options
                .open(&partial)
                .with_context(|| format!("could not write {}", partial.display()))?;
            file.write_all(text.as_bytes())?;
            file.sync_all()?;
        }
        custody_db::durable::put_in_place(&partial, &path)
            .with_context(|| format!("could not write {}", path.display()))?;
        Ok(())
    }
}
