//! One change to the register (an item, person or container registered or changed, a setting,
//! an incident opened or added to), how it is hashed, read and written.
//!
//! Records and custody events are one ledger: they share the desk's sequence numbers and one
//! hash chain (each links to whichever came before it). The register's tables are projections
//! of these records, written in the same transaction; `verify` replays them.

use std::fmt;

use rusqlite::{Connection, OptionalExtension, Row, params};
use serde::Serialize;
use serde_json::{Map, Value};
use uuid::Uuid;

use crate::event::{self, Event, FieldHash, GENESIS_HASH};

/// What a record does.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, serde::Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum RecordKind {
    ItemRegistered,
    ItemChanged,
    PersonRegistered,
    PersonChanged,
    ContainerRegistered,
    ContainerChanged,
    SettingChanged,
    IncidentOpened,
    IncidentNoted,
    OperatorAdded,
    OperatorChanged,
    OperatorSignedIn,
    OperatorSignInFailed,
    OperatorSignedOut,
    DeskLocked,
    StocktakeStarted,
    StocktakeSighted,
    StocktakeFinished,
    SpotCheckDrawn,
    SpotCheckRecorded,
    SearchLogged,
    ItemDisposed,
    /// An overdue notice (or a reminder) queued for a holder: who, which items, which stage.
    NoticeQueued,
    /// A send begun: the notice is claimed before the mail server is asked (no second sender
    /// takes it; one that never finished is not sent again).
    NoticeSending,
    /// A notice handed to the mail server.
    NoticeSent,
    /// A try at sending a notice that failed, and why; it stays queued.
    NoticeFailed,
    /// A notice not sent after all, and why (its items came back, notices were turned off, the
    /// server refused the address too often).
    NoticeCancelled,
    /// A check of the chain (`verify`) and what it found, so that the trust can see when each
    /// desk last checked and how its chain stood.
    LedgerVerified,
}

/// Which part of the register a record is about.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Register {
    Item,
    Person,
    Container,
    Setting,
    Incident,
    Operator,
    /// The workflows (stocktakes, spot checks, searches, disposals): facts on the record with
    /// no table of their own, read back from their records.
    Workflow,
}

impl RecordKind {
    pub const ALL: [RecordKind; 28] = [
        RecordKind::ItemRegistered,
        RecordKind::ItemChanged,
        RecordKind::PersonRegistered,
        RecordKind::PersonChanged,
        RecordKind::ContainerRegistered,
        RecordKind::ContainerChanged,
        RecordKind::SettingChanged,
        RecordKind::IncidentOpened,
        RecordKind::IncidentNoted,
        RecordKind::OperatorAdded,
        RecordKind::OperatorChanged,
        RecordKind::OperatorSignedIn,
        RecordKind::OperatorSignInFailed,
        RecordKind::OperatorSignedOut,
        RecordKind::DeskLocked,
        RecordKind::StocktakeStarted,
        RecordKind::StocktakeSighted,
        RecordKind::StocktakeFinished,
        RecordKind::SpotCheckDrawn,
        RecordKind::SpotCheckRecorded,
        RecordKind::SearchLogged,
        RecordKind::ItemDisposed,
        RecordKind::NoticeQueued,
        RecordKind::NoticeSending,
        RecordKind::NoticeSent,
        RecordKind::NoticeFailed,
        RecordKind::NoticeCancelled,
        RecordKind::LedgerVerified,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            RecordKind::ItemRegistered => "item-registered",
            RecordKind::ItemChanged => "item-changed",
            RecordKind::PersonRegistered => "person-registered",
            RecordKind::PersonChanged => "person-changed",
            RecordKind::ContainerRegistered => "container-registered",
            RecordKind::ContainerChanged => "container-changed",
            RecordKind::SettingChanged => "setting-changed",
            RecordKind::IncidentOpened => "incident-opened",
            RecordKind::IncidentNoted => "incident-noted",
            RecordKind::OperatorAdded => "operator-added",
            RecordKind::OperatorChanged => "operator-changed",
            RecordKind::OperatorSignedIn => "operator-signed-in",
            RecordKind::OperatorSignInFailed => "operator-sign-in-failed",
            RecordKind::OperatorSignedOut => "operator-signed-out",
            RecordKind::DeskLocked => "desk-locked",
            RecordKind::StocktakeStarted => "stocktake-started",
            RecordKind::StocktakeSighted => "stocktake-sighted",
            RecordKind::StocktakeFinished => "stocktake-finished",
            RecordKind::SpotCheckDrawn => "spot-check-drawn",
            RecordKind::SpotCheckRecorded => "spot-check-recorded",
            RecordKind::SearchLogged => "search-logged",
            RecordKind::ItemDisposed => "item-disposed",
            RecordKind::NoticeQueued => "notice-queued",
            RecordKind::NoticeSending => "notice-sending",
            RecordKind::NoticeSent => "notice-sent",
            RecordKind::NoticeFailed => "notice-failed",
            RecordKind::NoticeCancelled => "notice-cancelled",
            RecordKind::LedgerVerified => "ledger-verified",
        }
    }

    pub fn parse(s: &str) -> Option<RecordKind> {
        RecordKind::ALL.into_iter().find(|k| k.as_str() == s)
    }

    pub fn register(self) -> Register {
        match self {
            RecordKind::ItemRegistered | RecordKind::ItemChanged => Register::Item,
            RecordKind::PersonRegistered | RecordKind::PersonChanged => Register::Person,
            RecordKind::ContainerRegistered | RecordKind::ContainerChanged => Register::Container,
            RecordKind::SettingChanged => Register::Setting,
            RecordKind::IncidentOpened | RecordKind::IncidentNoted => Register::Incident,
            RecordKind::OperatorAdded
            | RecordKind::OperatorChanged
            | RecordKind::OperatorSignedIn
            | RecordKind::OperatorSignInFailed
            | RecordKind::OperatorSignedOut
            | RecordKind::DeskLocked => Register::Operator,
            RecordKind::StocktakeStarted
            | RecordKind::StocktakeSighted
            | RecordKind::StocktakeFinished
            | RecordKind::SpotCheckDrawn
            | RecordKind::SpotCheckRecorded
            | RecordKind::SearchLogged
            | RecordKind::ItemDisposed
            | RecordKind::NoticeQueued
            | RecordKind::NoticeSending
            | RecordKind::NoticeSent
            | RecordKind::NoticeFailed
            | RecordKind::NoticeCancelled
            | RecordKind::LedgerVerified => Register::Workflow,
        }
    }

    /// For a record of an operator's session (a sign-in, a wrong password, a sign-out, a lock),
    /// the only fields it may set: the wrong-password count and the lock-out. A role, a
    /// standing, a password or a key is changed by an operator record an administrator signs,
    /// never by these (some of which nobody signs).
    pub const SESSION_FIELDS: [&'static str; 3] = ["failed_attempts", "last_failed_at", "locked_until"];

    /// Whether it records an operator's session rather than a change to the operator.
    pub fn is_session(self) -> bool {
        matches!(
            self,
            RecordKind::OperatorSignedIn
                | RecordKind::OperatorSignInFailed
                | RecordKind::OperatorSignedOut
                | RecordKind::DeskLocked
        )
    }

    /// Whether a record of this kind may set `field`.
    pub fn may_set(self, field: &str) -> bool {
        !self.is_session() || RecordKind::SESSION_FIELDS.contains(&field)
    }

    /// Whether the record creates its subject (rather than changing one that exists).
    pub fn creates(self) -> bool {
        matches!(
            self,
            RecordKind::ItemRegistered
                | RecordKind::PersonRegistered
                | RecordKind::ContainerRegistered
                | RecordKind::IncidentOpened
                | RecordKind::OperatorAdded
        )
    }
}

impl Register {
    /// Whether a table of the register is the projection of its records (checked by `verify`).
    pub fn has_projection(self) -> bool {
        self != Register::Workflow
    }

    /// The kinds of record about this part of the register, as stored.
    pub fn kinds(self) -> Vec<&'static str> {
        RecordKind::ALL
            .into_iter()
            .filter(|k| k.register() == self)
            .map(RecordKind::as_str)
            .collect()
    }
}

impl fmt::Display for RecordKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// A record of the register, exactly as stored.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, serde::Deserialize)]
pub struct Record {
    pub seq: i64,
    pub id: Uuid,
    pub desk: String,
    pub kind: RecordKind,
    /// The tag, person id, container id, setting key or incident id it is about.
    pub subject: String,
    /// The fields registered or changed, as a JSON object (new values only).
    pub body: String,
    /// Why, when someone said (or "recorded by the migration" for what was there before).
    pub reason: Option<String>,
    pub occurred_at: i64,
    pub recorded_at: i64,
    pub operator: String,
    #[serde(serialize_with = "hex", deserialize_with = "event::from_hex")]
    pub prev_hash: [u8; 32],
    #[serde(serialize_with = "hex", deserialize_with = "event::from_hex")]
    pub hash: [u8; 32],
}

fn hex<S: serde::Serializer>(bytes: &[u8; 32], s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&event::to_hex(bytes))
}

impl Record {
    /// A record of `kind` about `subject` with these fields, at `occurred_at`; the writer fills
    /// in the sequence number, id, desk, operator, recording time and hashes.
    pub fn draft(kind: RecordKind, subject: &str, fields: &Map<String, Value>, occurred_at: i64) -> Record {
        Record {
            seq: 0,
            id: Uuid::nil(),
            desk: String::new(),
            kind,
            subject: subject.to_string(),
            body: Value::Object(fields.clone()).to_string(),
            reason: None,
            occurred_at,
            recorded_at: 0,
            operator: String::new(),
            prev_hash: GENESIS_HASH,
            hash: GENESIS_HASH,
        }
    }

    /// The fields it registered or changed.
    pub fn fields(&self) -> Map<String, Value> {
        match serde_json::from_str(&self.body) {
            Ok(Value::Object(map)) => map,
            _ => Map::new(),
        }
    }

    /// SHA-256 over every field but `hash`, length-prefixed as events are, with a prefix of its
    /// own so that no record can hash like an event.
    pub fn compute_hash(&self) -> [u8; 32] {
        let mut h = FieldHash::new(b"custody-record-v1");
        h.int(Some(self.seq));
        h.bytes(Some(self.id.as_bytes()));
        h.text(Some(&self.desk));
        h.text(Some(self.kind.as_str()));
        h.text(Some(&self.subject));
        h.text(Some(&self.body));
        h.text(self.reason.as_deref());
        h.int(Some(self.occurred_at));
        h.int(Some(self.recorded_at));
        h.text(Some(&self.operator));
        h.bytes(Some(&self.prev_hash));
        h.finish()
    }
}

/// The columns read by [`from_row`], in order.
pub const COLUMNS: &str =
    "seq, id, desk, kind, subject, body, reason, occurred_at, recorded_at, operator, prev_hash, hash";

/// Reads a record selected with [`COLUMNS`].
pub fn from_row(row: &Row<'_>) -> rusqlite::Result<Record> {
    let bad = |i: usize, what: &str| rusqlite::Error::InvalidColumnType(i, what.into(), rusqlite::types::Type::Blob);
    let id: Vec<u8> = row.get(1)?;
    let kind: String = row.get(3)?;
    let hash = |i: usize| -> rusqlite::Result<[u8; 32]> {
        let bytes: Vec<u8> = row.get(i)?;
        bytes.try_into().map_err(|_| bad(i, "hash"))
    };
    Ok(Record {
        seq: row.get(0)?,
        id: Uuid::from_slice(&id).map_err(|_| bad(1, "id"))?,
        desk: row.get(2)?,
        kind: RecordKind::parse(&kind).ok_or_else(|| bad(3, &kind))?,
        subject: row.get(4)?,
        body: row.get(5)?,
        reason: row.get(6)?,
        occurred_at: row.get(7)?,
        recorded_at: row.get(8)?,
        operator: row.get(9)?,
        prev_hash: hash(10)?,
        hash: hash(11)?,
    })
}

/// Appends a record whose `hash` is already computed.
pub fn insert(conn: &Connection, r: &Record) -> rusqlite::Result<()> {
    insert_into(conn, "records", r)
}

/// Writes a record into `table`: this desk's `records`, or `remote_records` for another desk's.
pub(crate) fn insert_into(conn: &Connection, table: &str, r: &Record) -> rusqlite::Result<()> {
    conn.prepare_cached(&format!(
        "INSERT INTO {table} ({COLUMNS}) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)"
    ))?
    .execute(params![
        r.seq,
        r.id.as_bytes().as_slice(),
        r.desk,
        r.kind.as_str(),
        r.subject,
        r.body,
        r.reason,
        r.occurred_at,
        r.recorded_at,
        r.operator,
        r.prev_hash.as_slice(),
        r.hash.as_slice(),
    ])?;
    Ok(())
}

/// One link of the ledger's chain: a custody event or a register record.
#[derive(Clone, Debug)]
pub enum Entry {
    Event(Event),
    Record(Record),
}

impl Entry {
    pub fn seq(&self) -> i64 {
        match self {
            Entry::Event(e) => e.seq,
            Entry::Record(r) => r.seq,
        }
    }
    pub fn id(&self) -> Uuid {
        match self {
            Entry::Event(e) => e.id,
            Entry::Record(r) => r.id,
        }
    }
    pub fn hash(&self) -> [u8; 32] {
        match self {
            Entry::Event(e) => e.hash,
            Entry::Record(r) => r.hash,
        }
    }
    pub fn prev_hash(&self) -> [u8; 32] {
        match self {
            Entry::Event(e) => e.prev_hash,
            Entry::Record(r) => r.prev_hash,
        }
    }
    pub fn compute_hash(&self) -> [u8; 32] {
        match self {
            Entry::Event(e) => e.compute_hash(),
            Entry::Record(r) => r.compute_hash(),
        }
    }
    /// What it is about: "LT-0042", or "the register: person S001".
    pub fn about(&self) -> String {
        match self {
            Entry::Event(e) => e.item.clone(),
            Entry::Record(r) => format!("{} {}", r.kind, r.subject),
        }
    }
}

/// Whether the file has the records table (schema 5 on): a backup made by an older release
/// has only events.
pub fn has_records(conn: &Connection) -> rusqlite::Result<bool> {
    Ok(conn
        .query_row(
            "SELECT 1 FROM sqlite_schema WHERE type = 'table' AND name = 'records'",
            [],
            |_| Ok(()),
        )
        .optional()?
        .is_some())
}

/// The sequence number and hash of the ledger's last entry (event or record), or (0, genesis)
/// for an empty ledger.
pub fn head(conn: &Connection) -> rusqlite::Result<(i64, [u8; 32])> {
    let event = event::head(conn)?;
    if !has_records(conn)? {
        return Ok(event);
    }
    let mut stmt = conn.prepare_cached("SELECT seq, hash FROM records ORDER BY seq DESC LIMIT 1")?;
    let record = stmt
        .query_row([], |row| {
            let hash: Vec<u8> = row.get(1)?;
            Ok((row.get::<_, i64>(0)?, hash.try_into().unwrap_or(GENESIS_HASH)))
        })
        .optional()?;
    Ok(match record {
        Some(r) if r.0 > event.0 => r,
        _ => event,
    })
}

/// When the entry at `seq` was recorded (0 for none): "recorded at" never goes back before it.
pub(crate) fn recorded_at(conn: &Connection, seq: i64) -> rusqlite::Result<i64> {
    let mut stmt = conn.prepare_cached(
        "SELECT max(at) FROM (SELECT recorded_at AS at FROM events WHERE seq = ?1
                              UNION ALL SELECT recorded_at FROM records WHERE seq = ?1)",
    )?;
    Ok(stmt.query_row([seq], |r| r.get::<_, Option<i64>>(0))?.unwrap_or(0))
}

/// The hash of the entry at `seq`, if the ledger has one there.
pub fn hash_at(conn: &Connection, seq: i64) -> rusqlite::Result<Option<Vec<u8>>> {
    let found = conn
        .prepare_cached("SELECT hash FROM events WHERE seq = ?1")?
        .query_row([seq], |r| r.get(0))
        .optional()?;
    if found.is_some() || !has_records(conn)? {
        return Ok(found);
    }
    conn.prepare_cached("SELECT hash FROM records WHERE seq = ?1")?
        .query_row([seq], |r| r.get(0))
        .optional()
}

/// Calls `f` with every entry whose sequence number is above `after`, in ledger order: the
/// events and the records, merged.
pub fn for_each_entry(conn: &Connection, after: i64, f: impl FnMut(Entry) -> crate::Result<()>) -> crate::Result<()> {
    for_each_entry_between(conn, after, i64::MAX, f)
}

/// Each entry with `after < seq <= upto`, in chain order.
pub fn for_each_entry_between(
    conn: &Connection,
    after: i64,
    upto: i64,
    f: impl FnMut(Entry) -> crate::Result<()>,
) -> crate::Result<()> {
    merged_from(conn, "", None, after, upto, f)
}

/// Each entry of another desk's chain, as this desk holds it, with `after < seq <= upto`, in
/// that chain's order.
pub(crate) fn for_each_remote_entry(
    conn: &Connection,
    desk: &str,
    after: i64,
    upto: i64,
    f: impl FnMut(Entry) -> crate::Result<()>,
) -> crate::Result<()> {
    merged_from(conn, "remote_", Some(desk), after, upto, f)
}

/// The events and records of one chain (this desk's tables, or `remote_` ones for `desk`'s),
/// merged by sequence number.
fn merged_from(
    conn: &Connection,
    prefix: &str,
    desk: Option<&str>,
    after: i64,
    upto: i64,
    f: impl FnMut(Entry) -> crate::Result<()>,
) -> crate::Result<()> {
    let only = if desk.is_some() { "desk = ?3 AND" } else { "" };
    let select = |columns: &str, table: &str| {
        format!("SELECT {columns} FROM {prefix}{table} WHERE {only} seq > ?1 AND seq <= ?2 ORDER BY seq")
    };
    let mut params: Vec<&dyn rusqlite::ToSql> = vec![&after, &upto];
    if let Some(desk) = &desk {
        params.push(desk);
    }
    merged(
        conn,
        &select(event::COLUMNS, "events"),
        &select(COLUMNS, "records"),
        &params,
        f,
    )
}

/// The events and the records that two queries select (each in sequence order), merged by
/// sequence number: one chain.
fn merged(
    conn: &Connection,
    events_sql: &str,
    records_sql: &str,
    params: &[&dyn rusqlite::ToSql],
    mut f: impl FnMut(Entry) -> crate::Result<()>,
) -> crate::Result<()> {
    let mut events = conn.prepare_cached(events_sql)?;
    let mut records = conn.prepare_cached(records_sql)?;
    // A query binds only the parameters its text names.
    let bind = |stmt: &rusqlite::Statement<'_>| &params[..stmt.parameter_count()];
    let (event_params, record_params) = (bind(&events), bind(&records));
    let mut events = events.query_map(event_params, event::from_row)?.peekable();
    let mut records = records.query_map(record_params, from_row)?.peekable();
    loop {
        let take_event = match (events.peek(), records.peek()) {
            (None, None) => return Ok(()),
            (Some(_), None) => true,
            (None, Some(_)) => false,
            (Some(Ok(e)), Some(Ok(r))) => e.seq < r.seq,
            (Some(Err(_)), _) => true,
            (_, Some(Err(_))) => false,
        };
        let entry = if take_event {
            events.next().map(|e| e.map(Entry::Event))
        } else {
            records.next().map(|r| r.map(Entry::Record))
        };
        if let Some(entry) = entry {
            f(entry?)?;
        }
    }
}

/// Appends to the chain without a [`crate::Ledger`]: for the migration and the demo generator,
/// which write many entries in one transaction of their own and set each one's times.
pub(crate) struct Appender {
    pub desk: String,
    /// Sequence number and hash of the last entry.
    pub head: (i64, [u8; 32]),
}

impl Appender {
    pub fn new(conn: &Connection, desk: &str) -> rusqlite::Result<Appender> {
        Ok(Appender {
            desk: desk.to_string(),
            head: head(conn)?,
        })
    }

    /// Appends `r` (its kind, subject, body, reason and `occurred_at` set) as recorded at
    /// `recorded_at` by `operator`, with a UUIDv7 of that time.
    pub fn append_record(
        &mut self,
        conn: &Connection,
        mut r: Record,
        recorded_at: i64,
        operator: &str,
    ) -> rusqlite::Result<Record> {
        r.seq = self.head.0 + 1;
        r.id = uuid_at(recorded_at);
        r.desk.clone_from(&self.desk);
        r.recorded_at = recorded_at;
        r.operator = operator.to_string();
        r.prev_hash = self.head.1;
        r.hash = r.compute_hash();
        insert(conn, &r)?;
        self.head = (r.seq, r.hash);
        Ok(r)
    }
}

/// A UUIDv7 whose time is `millis` (ids of entries written for an earlier moment).
pub(crate) fn uuid_at(millis: i64) -> Uuid {
    use uuid::{Timestamp, timestamp::context::NoContext};
    let millis = millis.max(0) as u64;
    Uuid::new_v7(Timestamp::from_unix(
        NoContext,
        millis / 1000,
        (millis % 1000) as u32 * 1_000_000,
    ))
}
