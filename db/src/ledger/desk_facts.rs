//! This desk's own facts, kept in `meta` beside its id: the camera it scans with, whether it
//! beeps, its theme and its text size. They are about this computer and the office it stands
//! in, so they are not on the record and never go to other desks.

use rusqlite::OptionalExtension;

use super::Ledger;
use crate::error::Result;

const CAMERA_KEY: &str = "camera";
const BEEP_KEY: &str = "beep";
const THEME_KEY: &str = "theme";
const TEXT_SIZE_KEY: &str = "text-size";

/// The text sizes a desk may have, as a share of the normal size.
pub const TEXT_SIZES: std::ops::RangeInclusive<f32> = 0.8..=2.0;

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
        Ok(self.desk_fact(CAMERA_KEY)?.and_then(|v| match v.as_str() {
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
        self.set_desk_fact(CAMERA_KEY, &value)
    }

    /// Whether this desk beeps at a scan (on unless turned off here).
    pub fn desk_beeps(&self) -> Result<bool> {
        Ok(self.desk_fact(BEEP_KEY)?.as_deref() != Some("off"))
    }

    pub fn set_desk_beeps(&mut self, on: bool) -> Result<()> {
        self.writable()?;
        self.set_desk_fact(BEEP_KEY, if on { "on" } else { "off" })
    }

    /// Whether this desk shows the light theme (for a bright office; dark unless chosen here).
    pub fn desk_light_theme(&self) -> Result<bool> {
        Ok(self.desk_fact(THEME_KEY)?.as_deref() == Some("light"))
    }

    pub fn set_desk_light_theme(&mut self, light: bool) -> Result<()> {
        self.writable()?;
        self.set_desk_fact(THEME_KEY, if light { "light" } else { "dark" })
    }

    /// This desk's text size, as a share of the normal size (1.0 unless changed here).
    pub fn desk_text_size(&self) -> Result<f32> {
        Ok(self
            .desk_fact(TEXT_SIZE_KEY)?
            .and_then(|v| v.parse::<f32>().ok())
            .filter(|size| TEXT_SIZES.contains(size))
            .unwrap_or(1.0))
    }

    /// Remembers this desk's text size, within [`TEXT_SIZES`].
    pub fn set_desk_text_size(&mut self, size: f32) -> Result<()> {
        self.writable()?;
        let size = size.clamp(*TEXT_SIZES.start(), *TEXT_SIZES.end());
        self.set_desk_fact(TEXT_SIZE_KEY, &format!("{size:.2}"))
    }

    pub(super) fn desk_fact(&self, key: &str) -> Result<Option<String>> {
        Ok(self
            .conn
            .query_row("SELECT value FROM meta WHERE key = ?1", [key], |r| r.get(0))
            .optional()?)
    }

    pub(super) fn set_desk_fact(&mut self, key: &str, value: &str) -> Result<()> {
        self.conn.execute(
            "INSERT INTO meta (key, value) VALUES (?1, ?2) ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            [key, value],
        )?;
        Ok(())
    }
}
