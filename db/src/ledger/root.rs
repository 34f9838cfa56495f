//! The trust's root key: the key its first administrator signed with, under which every
//! desk's entries are signed. A desk's own chain begins with it (the founding desk, or a file
//! upgraded from before signing); a desk made by joining is given it by the trust's server and
//! keeps it among its own facts. Its fingerprint is what the DPO keeps on paper.

use rusqlite::Connection;
use serde_json::Value;

use crate::error::Result;
use crate::record::{Record, RecordKind};
use crate::signing::{fingerprint, public_key_from_hex};

/// Where a desk that joined a trust keeps the trust's root key (hex), as the server gave it.
const TRUST_ROOT_KEY: &str = "trust-root";

impl crate::ledger::Ledger {
    /// The fingerprint of the ledger's root key (see [`Ledger::root_key`]). `None` before signing.
    pub fn root_fingerprint(&self) -> Result<Option<String>> {
        Ok(self.root_key()?.map(|key| fingerprint(&key)))
    }

    /// The root key of this desk's trust: the key this desk's chain began signing with, or the
    /// one it was given on joining a trust ([`Ledger::pin_root_key`]); for a file that joined a
    /// trust before signing began, the first root another desk's records issued.
    pub fn root_key(&self) -> Result<Option<[u8; 32]>> {
        use rusqlite::OptionalExtension;
        if let Some(key) = pinned_root(self.conn())? {
            return Ok(Some(key));
        }
        let key: Option<String> = self
            .conn()
            .query_row(
                "SELECT json_extract(body, '$.public_key') FROM all_records
                 WHERE kind IN ('operator-added', 'operator-changed') AND subject = operator
                   AND json_extract(body, '$.public_key') IS NOT NULL
                 ORDER BY recorded_at, seq LIMIT 1",
                [],
                |r| r.get(0),
            )
            .optional()?;
        Ok(key.as_deref().and_then(public_key_from_hex))
    }

    /// Takes `key` as the trust's root, as a joining desk is given it by the trust's server:
    /// from then on, every chain it receives must be signed under it. Refused when this desk's
    /// own chain began under another root.
    pub fn pin_root_key(&mut self, key: &[u8; 32]) -> Result<()> {
        self.writable()?;
        match pinned_root(self.conn())? {
            Some(held) if held == *key => Ok(()),
            Some(held) => Err(crate::error::Error::OtherTrust {
                ours: fingerprint(&held),
                theirs: fingerprint(key),
            }),
            None => self.set_desk_fact(TRUST_ROOT_KEY, &crate::event::to_hex(key)),
        }
    }
}

/// The root this desk holds to: its own chain's, if its first signed entry is a root; else the
/// one it was given on joining.
pub(crate) fn pinned_root(conn: &Connection) -> Result<Option<[u8; 32]>> {
    use rusqlite::OptionalExtension;
    let first_signed: Option<Record> = conn
        .query_row(
            &format!(
                "SELECT {} FROM records WHERE seq = (SELECT min(seq) FROM signatures)",
                crate::record::COLUMNS
            ),
            [],
            crate::record::from_row,
        )
        .optional()?;
    if let Some(key) = first_signed.as_ref().and_then(own_root_key) {
        return Ok(Some(key));
    }
    let given: Option<String> = conn
        .query_row("SELECT value FROM meta WHERE key = ?1", [TRUST_ROOT_KEY], |r| r.get(0))
        .optional()?;
    Ok(given.as_deref().and_then(public_key_from_hex))
}

/// The key a record issues as a root, whether it begins a chain or vouches for one: an
/// administrator's own key, on their own record.
pub(crate) fn own_root_key(r: &Record) -> Option<[u8; 32]> {
    let fields = r.fields();
    let admin = r.kind == RecordKind::OperatorAdded && fields.get("role").and_then(Value::as_str) == Some("admin");
    let vouches = fields.contains_key("vouches_for_seq");
    (r.subject == r.operator && (admin || vouches))
        .then(|| {
            fields
                .get("public_key")
                .and_then(Value::as_str)
                .and_then(public_key_from_hex)
        })
        .flatten()
}
