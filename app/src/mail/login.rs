//! What the desk keeps of its mail login beside the database (`custody.db.mail`), readable by
//! its owner only, never in the ledger (a backup or an export of the ledger never carries it):
//! the secret (an app password), and the certificate of a trust's own authority when its mail
//! relay uses one.

use std::path::{Path, PathBuf};

use anyhow::{Context as _, Result, bail};
use serde::{Deserialize, Serialize};

#[derive(Clone, Default, Serialize, Deserialize, PartialEq, Eq)]
pub struct MailLogin {
    #[serde(default)]
    pub secret: Option<String>,
    /// PEM: an authority to trust besides the system's (a relay with the trust's own certificate).
    #[serde(default)]
    pub root_certificate: Option<String>,
}

impl std::fmt::Debug for MailLogin {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Never the secret, in a log or an error.
        f.debug_struct("MailLogin")
            .field("secret", &self.secret.as_ref().map(|_| "(kept)"))
            .field("root_certificate", &self.root_certificate.is_some())
            .finish()
    }
}

/// The file beside `db`: `custody.db` → `custody.db.mail`.
pub fn path_for(db: &Path) -> PathBuf {
    let mut name = db.as_os_str().to_owned();
    name.push(".mail");
    PathBuf::from(name)
}

impl MailLogin {
    /// The desk's mail login, or an empty one.
    pub fn read(db: &Path) -> Result<MailLogin> {
        let path = path_for(db);
        let text = match std::fs::read_to_string(&path) {
            Ok(text) => text,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(MailLogin::default()),
            Err(e) => bail!("could not read {}: {e}", path.display()),
        };
        serde_json::from_str(&text).with_context(|| {
            format!(
                "{} is not as Custody wrote it; set the mail settings again",
                path.display()
            )
        })
    }

    /// Writes it beside `db`, readable by its owner only, whole or not at all.
    pub fn write(&self, db: &Path) -> Result<()> {
        let path = path_for(db);
        let text = serde_json::to_string_pretty(self)?;
        custody_db::durable::write_file(&path, text.as_bytes())
            .with_context(|| format!("could not write {}", path.display()))
    }
}
