//! The camera this desk scans with: the desk's own fact, kept in `meta` beside its id. It names
//! a device of this computer, so it is not on the record and never goes to other desks.

use rusqlite::OptionalExtension;

use super::Ledger;
use crate::error::Result;

const CAMERA_KEY: &str = "camera";

/// What the desk was last told to scan with.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum DeskCamera {
    /// The camera with this index (as the computer lists them).
    Index(u32),
    /// No camera: a USB scanner or typing.
    None,
}

impl Ledger {
    /// The camera chosen at this desk, if one was ever chosen.
    pub fn desk_camera(&self) -> Result<Option<DeskCamera>> {
        let value: Option<String> = self
            .conn
            .query_row("SELECT value FROM meta WHERE key = ?1", [CAMERA_KEY], |r| r.get(0))
            .optional()?;
        Ok(value.and_then(|v| match v.as_str() {
            "none" => Some(DeskCamera::None),
            n => n.parse().ok().map(DeskCamera::Index),
        }))
    }

    /// Remembers the camera chosen at this desk, for its next start.
    pub fn set_desk_camera(&mut self, camera: DeskCamera) -> Result<()> {
        self.writable()?;
        let value = match camera {
            DeskCamera::Index(n) => n.to_string(),
            DeskCamera::None => "none".to_string(),
        };
        self.conn.execute(
            "INSERT INTO meta (key, value) VALUES (?1, ?2) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            [CAMERA_KEY, value.as_str()],
        )?;
        Ok(())
    }
}
