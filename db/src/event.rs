//! One row of the custody ledger, how it is hashed, and how it is read and written.

use rusqlite::{Connection, Row, params};
use serde::{Serialize, Serializer};
use sha2::{Digest, Sha256};
use uuid::Uuid;

use crate::model::EventKind;
use crate::state::Move;

/// SHA-256 over fields, each length-prefixed (and an absent one marked), after a prefix that
/// names the encoding: the one way events and register records are hashed.
pub(crate) struct FieldHash(Sha256);

impl FieldHash {
    pub(crate) fn new(prefix: &[u8]) -> FieldHash {
        let mut h = Sha256::new();
        h.update(prefix);
        FieldHash(h)
    }

    pub(crate) fn bytes(&mut self, field: Option<&[u8]>) {
        match field {
            None => self.0.update([0u8]),
            Some(b) => {
                self.0.update([1u8]);
                self.0.update((b.len() as u64).to_le_bytes());
                self.0.update(b);
            }
        }
    }

    pub(crate) fn text(&mut self, field: Option<&str>) {
        self.bytes(field.map(str::as_bytes));
    }

    pub(crate) fn int(&mut self, field: Option<i64>) {
        self.bytes(field.map(i64::to_le_bytes).as_ref().map(|b| b.as_slice()));
    }

    pub(crate) fn finish(self) -> [u8; 32] {
        self.0.finalize().into()
    }
}

/// The hash before the first event.
pub const GENESIS_HASH: [u8; 32] = [0; 32];

/// An event in the ledger, exactly as stored.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, serde::Deserialize)]
pub struct Event {
    pub seq: i64,
    pub id: Uuid,
    pub desk: String,
    pub kind: EventKind,
    pub item: String,
    /// Receives (sign-out, transfer), returns (sign-in), or held it when it went missing.
    pub person: Option<String>,
    /// Transfer: who handed it on.
    pub from_person: Option<String>,
    /// Shared by the items of one sign-out.
    pub handover: Option<Uuid>,
    pub due_at: Option<i64>,
    pub purpose: Option<String>,
    pub reason: Option<String>,
    pub authoriser: Option<String>,
    pub container: Option<String>,
    /// Correction: the event it voids.
    pub corrects: Option<Uuid>,
    pub note: Option<String>,
    pub occurred_at: i64,
    pub recorded_at: i64,
    pub operator: String,
    /// Policy warnings the clerk acknowledged (sign-out), one per line.
    pub warnings: Option<String>,
    #[serde(serialize_with = "hex", deserialize_with = "from_hex")]
    pub prev_hash: [u8; 32],
    #[serde(serialize_with = "hex", deserialize_with = "from_hex")]
    pub hash: [u8; 32],
}

fn hex<S: Serializer>(bytes: &[u8; 32], s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&to_hex(bytes))
}

/// A hash written by [`to_hex`], read back (another desk's entry, as a server keeps it).
pub(crate) fn from_hex<'de, D: serde::Deserializer<'de>>(d: D) -> Result<[u8; 32], D::Error> {
    let text: String = serde::Deserialize::deserialize(d)?;
    let bad = || serde::de::Error::custom(format!("{text:?} is not a SHA-256 hash in hex"));
    if text.len() != 64 || !text.is_ascii() {
        return Err(bad());
    }
    let mut bytes = [0u8; 32];
    for (i, byte) in bytes.iter_mut().enumerate() {
        *byte = u8::from_str_radix(&text[2 * i..2 * i + 2], 16).map_err(|_| bad())?;
    }
    Ok(bytes)
}

pub fn to_hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Bytes written by [`to_hex`], read back; `None` for anything else.
pub(crate) fn hex_bytes(text: &str) -> Option<Vec<u8>> {
    if !text.len().is_multiple_of(2) || !text.is_ascii() {
        return None;
    }
    (0..text.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&text[i..i + 2], 16).ok())
        .collect()
}

impl Event {
    /// SHA-256 over every field but `hash`, each length-prefixed so that no two different
    /// events can encode alike. Changing this changes every hash: it is versioned by its prefix.
    pub fn compute_hash(&self) -> [u8; 32] {
        let mut h = FieldHash::new(b"custody-event-v1");
        let uuid = |u: &Option<Uuid>| u.map(|u| *u.as_bytes());
        h.int(Some(self.seq));
        h.bytes(Some(self.id.as_bytes()));
        h.text(Some(&self.desk));
        h.text(Some(self.kind.as_str()));
        h.text(Some(&self.item));
        h.text(self.person.as_deref());
        h.text(self.from_person.as_deref());
        h.bytes(uuid(&self.handover).as_ref().map(|b| b.as_slice()));
        h.int(self.due_at);
        h.text(self.purpose.as_deref());
        h.text(self.reason.as_deref());
        h.text(self.authoriser.as_deref());
        h.text(self.container.as_deref());
        h.bytes(uuid(&self.corrects).as_ref().map(|b| b.as_slice()));
        h.text(self.note.as_deref());
        h.int(Some(self.occurred_at));
        h.int(Some(self.recorded_at));
        h.text(Some(&self.operator));
        h.bytes(Some(&self.prev_hash));
        // Added in schema 2: hashed only when present, so events from before keep their hashes.
        if let Some(warnings) = &self.warnings {
            h.text(Some(warnings));
        }
        h.finish()
    }

    /// The part of the event that moves an item's state.
    pub fn as_move(&self) -> Move<'_> {
        Move {
            desk: &self.desk,
            seq: self.seq,
            kind: self.kind,
            person: self.person.as_deref(),
            due_at: self.due_at,
            container: self.container.as_deref(),
            occurred_at: self.occurred_at,
        }
    }
}

/// The columns read by [`from_row`], in order.
pub const COLUMNS: &str = "seq, id, desk, kind, item, person, from_person, handover, due_at, purpose, \
     reason, authoriser, container, corrects, note, occurred_at, recorded_at, operator, prev_hash, hash, \
     warnings";

/// Reads an event selected with [`COLUMNS`].
pub fn from_row(row: &Row<'_>) -> rusqlite::Result<Event> {
    from_row_at(row, 0)
}

/// Reads an event selected with [`COLUMNS`] starting at column `at`.
pub fn from_row_at(row: &Row<'_>, at: usize) -> rusqlite::Result<Event> {
    let uuid = |i: usize| -> rusqlite::Result<Option<Uuid>> {
        let bytes: Option<Vec<u8>> = row.get(at + i)?;
        bytes
            .map(|b| {
                Uuid::from_slice(&b)
                    .map_err(|e| rusqlite::Error::FromSqlConversionFailure(i, rusqlite::types::Type::Blob, Box::new(e)))
            })
            .transpose()
    };
    let hash = |i: usize| -> rusqlite::Result<[u8; 32]> {
        let bytes: Vec<u8> = row.get(at + i)?;
        bytes
            .try_into()
            .map_err(|_| rusqlite::Error::InvalidColumnType(i, "hash".into(), rusqlite::types::Type::Blob))
    };
    let kind: String = row.get(at + 3)?;
    Ok(Event {
        seq: row.get(at)?,
        id: uuid(1)?.unwrap_or_default(),
        desk: row.get(at + 2)?,
        kind: EventKind::parse(&kind)
            .ok_or_else(|| rusqlite::Error::InvalidColumnType(at + 3, kind.clone(), rusqlite::types::Type::Text))?,
        item: row.get(at + 4)?,
        person: row.get(at + 5)?,
        from_person: row.get(at + 6)?,
        handover: uuid(7)?,
        due_at: row.get(at + 8)?,
        purpose: row.get(at + 9)?,
        reason: row.get(at + 10)?,
        authoriser: row.get(at + 11)?,
        container: row.get(at + 12)?,
        corrects: uuid(13)?,
        note: row.get(at + 14)?,
        occurred_at: row.get(at + 15)?,
        recorded_at: row.get(at + 16)?,
        operator: row.get(at + 17)?,
        prev_hash: hash(18)?,
        hash: hash(19)?,
        warnings: row.get(at + 20)?,
    })
}

/// Appends an event whose `hash` is already computed.
pub fn insert(conn: &Connection, e: &Event) -> rusqlite::Result<()> {
    insert_into(conn, "events", e)
}

/// Writes an event into `table`: this desk's `events`, or `remote_events` for another desk's.
pub(crate) fn insert_into(conn: &Connection, table: &str, e: &Event) -> rusqlite::Result<()> {
    let mut stmt = conn.prepare_cached(&format!(
        "INSERT INTO {table} ({COLUMNS}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, ?19, ?20, ?21)"
    ))?;
    stmt.execute(params![
        e.seq,
        e.id.as_bytes().as_slice(),
        e.desk,
        e.kind.as_str(),
        e.item,
        e.person,
        e.from_person,
        e.handover.as_ref().map(|u| u.as_bytes().as_slice()),
        e.due_at,
        e.purpose,
        e.reason,
        e.authoriser,
        e.container,
        e.corrects.as_ref().map(|u| u.as_bytes().as_slice()),
        e.note,
        e.occurred_at,
        e.recorded_at,
        e.operator,
        e.prev_hash.as_slice(),
        e.hash.as_slice(),
        e.warnings,
    ])?;
    Ok(())
}

/// The sequence number and hash of the last event, or (0, genesis) for an empty ledger.
pub fn head(conn: &Connection) -> rusqlite::Result<(i64, [u8; 32])> {
    let mut stmt = conn.prepare_cached("SELECT seq, hash FROM events ORDER BY seq DESC LIMIT 1")?;
    let mut rows = stmt.query([])?;
    match rows.next()? {
        None => Ok((0, GENESIS_HASH)),
        Some(row) => {
            let hash: Vec<u8> = row.get(1)?;
            Ok((row.get(0)?, hash.try_into().unwrap_or(GENESIS_HASH)))
        }
    }
}
