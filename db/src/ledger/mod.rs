//! [`Ledger`]: one open Custody database, the operator at the desk, and the clock.
//!
//! The methods are split by job: `register` (items, people, containers), `custody` (the events
//! that move items), `queries` (what is where, and what happened), `verify` (integrity).

pub mod asset_register;
mod backup;
mod custody;
mod desk_facts;
pub mod disposal;
mod exposure;
mod incident;
pub mod mail;
pub mod notices;
mod operators;
mod overdue;
mod policy_facts;
mod queries;
mod record_existing;
mod records;
mod register;
mod root;
pub mod search;
pub(crate) mod signatures;
pub mod spot_check;
pub mod stocktake;
mod stranded;
pub(crate) mod sync;
pub mod trust_report;
mod trusted;
mod verify;
mod writer;
pub(crate) use writer::Writer;

use std::path::{Path, PathBuf};
use std::sync::Arc;

use chrono::{DateTime, NaiveDate, Utc};
use chrono_tz::Tz;
use rusqlite::{Connection, OptionalExtension};

pub use backup::{DEFAULT_KEEP, Restored, restore};
pub use custody::{Returned, Scanned, SignOut, UNDO_WITHIN};
pub(crate) use custody::{blank, write_state};
pub use desk_facts::{DeskCamera, TEXT_SIZES};
pub use exposure::{Custodian, Exposed, Exposure, ExposureSummary};
pub use incident::{
    ICO_HOURS, ICO_RUNNING_OUT_HOURS, IcoClock, Incident, IncidentKind, IncidentNote, NOTE_KINDS, NewIncident,
    StaffAtTheTime,
};
pub use operators::{DEFAULT_IDLE_LOCK_MINUTES, SignInAt};
pub use overdue::{DUE_SOON_DAYS, HolderOverdue, OutItem, OverdueReport, Sensitivity, Stage, is_late};
pub use queries::{Chain, HistoryFilter, ItemRow, Marked, OutRow, PersonRow};
pub use record_existing::MIGRATION_REASON;
pub(crate) use record_existing::record_existing;
pub(crate) use records::fields_of;
pub use records::{FieldChange, RegisterChange};
pub use register::{Edit, ItemEdit};
pub(crate) use register::{checked_email, insert_item, validate_home_working, validate_item, write_person};
pub use stranded::{Recovered, Stranded};
pub use sync::RemoteEntry;
pub use sync::{Applied, Conflict, DEFAULT_SYNC_WARNING_DAYS};
pub use verify::{ChainProblem, VerifyReport};

use crate::error::Result;
use crate::storage;
use crate::time::{self, Clock, DEFAULT_TIMEZONE, DayEdge};

/// The settings that hold the organisation's name and its time zone (in `meta` before schema 5).
const ORGANISATION_KEY: &str = "organisation";
const TIMEZONE_KEY: &str = "timezone";

/// An open Custody database.
#[derive(Debug)]
pub struct Ledger {
    conn: Connection,
    path: PathBuf,
    clock: Arc<dyn Clock>,
    tz: Tz,
    desk: String,
    /// The name every event and record written now carries: the signed-in operator's id, or
    /// what the ledger itself is doing ("custody init").
    operator: String,
    /// Who is signed in, if anyone: every write and sensitive read is checked against their role.
    session: Option<crate::operator::Session>,
    /// The signing key of whoever writes now (the signed-in operator's, unsealed at sign-in):
    /// every entry they append is signed with it.
    signer: Option<crate::signing::Signer>,
    /// The ledger's own work (creating a file, filling it with demo data): no role is needed.
    trusted: bool,
    /// How new passwords are hashed (OWASP's minimum; cheaper only in tests).
    hashing: crate::operator::Hashing,
    /// How the schema differs from what this version makes (its guards removed?); writes are
    /// refused while it is not empty.
    tampered: Vec<String>,
    /// Opened for reading only: the file or its folder cannot be written.
    read_only: bool,
    /// Made by joining a trust's server, in this program: it may receive the trust's entries
    /// before anyone can sign in at it.
    joining: bool,
}

/// What storage needs from the ledger to migrate a file: the time, and how to record what an
/// older file's register held.
fn upgrade(clock: &dyn Clock) -> storage::Upgrade {
    storage::Upgrade {
        now: crate::time::to_millis(clock.now()),
        record_existing,
    }
}

impl Ledger {
    /// Creates a new database at `path` (never an existing file) for the organisation `org`.
    pub fn create(path: &Path, org: Option<&str>, clock: Arc<dyn Clock>) -> Result<Ledger> {
        let org = crate::ids::optional_text("organisation name", org)?;
        let mut ledger = Self::create_to_join(path, clock)?;
        // The facts every time and label depends on are settings on the record, not bare rows.
        ledger.as_itself("custody init", |ledger| {
            ledger.put_setting(TIMEZONE_KEY, DEFAULT_TIMEZONE.name())?;
            if let Some(org) = &org {
                ledger.put_setting(ORGANISATION_KEY, org)?;
            }
            Ok(())
        })?;
        Ok(ledger)
    }

    /// Creates a new, empty database at `path` for a desk that joins its trust's server: it
    /// records nothing of its own (not even the time zone) until it has received the trust's
    /// register, operators and settings, which would otherwise be overruled by its defaults.
    pub fn create_to_join(path: &Path, clock: Arc<dyn Clock>) -> Result<Ledger> {
        let desk = uuid::Uuid::now_v7().to_string();
        let created = clock.now().to_rfc3339();
        let meta = [("desk", desk.as_str()), ("created_at", created.as_str())];
        let conn = storage::create(path, &meta, upgrade(&*clock))?;
        let mut ledger = Self::from_connection(conn, path, clock)?;
        ledger.joining = true;
        Ok(ledger)
    }

    /// Opens an existing database, refusing anything that is not a Custody database.
    ///
    /// A write-ahead log left behind means the last program using the file may have stopped
    /// without closing it (or is still running). SQLite recovers the log by itself; then the
    /// latest events are checked ([`Ledger::check_recent`]) before anything else happens.
    pub fn open(path: &Path, clock: Arc<dyn Clock>) -> Result<Ledger> {
        let wal = std::fs::metadata(format!("{}-wal", path.display())).is_ok_and(|m| m.len() > 0);
        let mut ledger = Self::open_reader(path, clock)?;
        if wal {
            ledger.check_recent()?;
        }
        ledger.apply_migrated()?;
        // Decisions read the records; a table that no longer matches them was edited.
        ledger.check_trusted_tables()?;
        Ok(ledger)
    }

    /// Opens an existing database for reading alongside a ledger that is already open in this
    /// program (the desk's background lists and reports). It skips the after-a-crash check,
    /// which the first [`Ledger::open`] made: while the desk runs, its log is always there.
    pub fn open_reader(path: &Path, clock: Arc<dyn Clock>) -> Result<Ledger> {
        Self::from_connection(storage::open(path, upgrade(&*clock))?, path, clock)
    }

    fn from_connection(conn: Connection, path: &Path, clock: Arc<dyn Clock>) -> Result<Ledger> {
        let read = |sql: &str, key: &str| -> Result<Option<String>> {
            Ok(conn.query_row(sql, [key], |r| r.get(0)).optional()?)
        };
        let tz = read("SELECT value FROM settings WHERE key = ?1", TIMEZONE_KEY)?
            .and_then(|name| name.parse::<Tz>().ok())
            .unwrap_or(DEFAULT_TIMEZONE);
        let desk = read("SELECT value FROM meta WHERE key = ?1", "desk")?.unwrap_or_else(|| "unknown-desk".to_string());
        let tampered = storage::schema_differences(&conn)?;
        let read_only = conn.is_readonly(c"main")?;
        if !tampered.is_empty() {
            // A second lock on the door: SQLite itself refuses writes on this connection.
            conn.execute_batch("PRAGMA query_only = ON")?;
        }
        Ok(Ledger {
            conn,
            path: path.to_path_buf(),
            clock,
            tz,
            desk,
            operator: "nobody".to_string(),
            session: None,
            signer: None,
            trusted: false,
            hashing: crate::operator::Hashing::default(),
            tampered,
            read_only,
            joining: false,
        })
    }

    /// The id of the operator signed in (every event names it), or "nobody".
    pub fn operator(&self) -> &str {
        &self.operator
    }

    /// Whether it was opened for reading only (the file or its folder cannot be written).
    pub fn is_read_only(&self) -> bool {
        self.read_only
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// The time zone people read and type times in.
    pub fn timezone(&self) -> Tz {
        self.tz
    }

    /// Reads the time zone setting again (another desk's change to it was just applied).
    pub(crate) fn reload_timezone(&mut self) -> Result<()> {
        if let Some(tz) = self.setting(TIMEZONE_KEY)?.and_then(|name| name.parse::<Tz>().ok()) {
            self.tz = tz;
        }
        Ok(())
    }

    /// The organisation's name, as given at the first start or changed since (a setting on the
    /// record): printed on labels, receipts and reports.
    pub fn organisation(&self) -> Result<Option<String>> {
        self.setting(ORGANISATION_KEY)
    }

    /// Names the organisation (administrators only; a setting on the record).
    pub fn set_organisation(&mut self, name: &str) -> Result<String> {
        self.allow(crate::operator::Action::AllSettings)?;
        let name = Self::organisation_name(name)?;
        self.put_setting(ORGANISATION_KEY, &name)?;
        Ok(name)
    }

    /// An organisation's name as it would be kept, or why it cannot be (checked before a first
    /// start makes anything).
    pub fn organisation_name(name: &str) -> Result<String> {
        crate::ids::required_text("organisation name", name)
    }

    pub fn now(&self) -> DateTime<Utc> {
        self.clock.now()
    }

    /// Today's date where the organisation is (its time zone, not the computer's).
    pub fn today(&self) -> NaiveDate {
        self.now().with_timezone(&self.tz).date_naive()
    }

    /// A stored setting, if it was ever set.
    pub(crate) fn setting(&self, key: &str) -> Result<Option<String>> {
        Ok(self
            .conn
            .query_row("SELECT value FROM settings WHERE key = ?1", [key], |r| r.get(0))
            .optional()?)
    }

    /// Refuses to write to a file whose schema (its append-only guards among it) is not what
    /// this version made. Every write goes through this first.
    pub(crate) fn writable(&self) -> Result<()> {
        if self.read_only {
            return Err(crate::error::Error::ReadOnlyFolder {
                path: self.path.clone(),
            });
        }
        if self.tampered.is_empty() {
            Ok(())
        } else {
            Err(crate::error::Error::GuardsRemoved {
                path: self.path.clone(),
                differences: self.tampered.clone(),
            })
        }
    }

    /// Stores a setting, replacing any earlier value, as a record in the ledger. Setting what
    /// is already set writes nothing.
    pub(crate) fn put_setting(&mut self, key: &str, value: &str) -> Result<()> {
        if self.setting(key)?.as_deref() == Some(value) {
            return Ok(());
        }
        let at = time::to_millis(self.clock.now());
        let mut w = self.writer()?;
        let mut fields = serde_json::Map::new();
        fields.insert("value".to_string(), serde_json::Value::String(value.to_string()));
        w.append_record(crate::record::Record::draft(
            crate::record::RecordKind::SettingChanged,
            key,
            &fields,
            at,
        ))?;
        w.conn().execute(
            "INSERT INTO settings (key, value) VALUES (?1, ?2)
             ON CONFLICT (key) DO UPDATE SET value = excluded.value",
            [key, value],
        )?;
        w.commit()
    }

    /// Runs `work` as one transaction: everything it writes is kept, or (on an error) nothing.
    /// The ledger's own writers inside it become savepoints.
    pub(crate) fn in_transaction<T>(&mut self, work: impl FnOnce(&mut Ledger) -> Result<T>) -> Result<T> {
        self.writable()?;
        self.conn.execute_batch("BEGIN IMMEDIATE")?;
        match work(self) {
            Ok(done) => {
                self.conn.execute_batch("COMMIT")?;
                Ok(done)
            }
            Err(e) => {
                let _ = self.conn.execute_batch("ROLLBACK");
                Err(e)
            }
        }
    }

    /// Parses a `WHEN` typed by a person, in this database's time zone.
    pub fn parse_when(&self, input: &str, edge: DayEdge) -> Result<DateTime<Utc>> {
        time::parse_when(input, self.tz, edge, self.now())
    }

    /// A stored time as people read it: `22/11/2026 15:40`.
    pub fn format_time(&self, millis: i64) -> String {
        time::format_local(time::from_millis(millis), self.tz)
    }

    /// A stored due time as people read it: `27/11/2026, end of day`, or with its time.
    pub fn format_due(&self, millis: i64) -> String {
        time::format_due(time::from_millis(millis), self.tz)
    }

    /// The power-cut harness's control (test builds only): this connection's commits stop
    /// waiting for the disk (`synchronous=OFF`), so a power cut must lose some of them.
    #[cfg(feature = "test-support")]
    pub fn weaken_durability_for_tests(&self) -> Result<()> {
        self.conn.execute_batch("PRAGMA synchronous = OFF")?;
        Ok(())
    }

    /// The connection, for the demo generator's bulk writes.
    pub(crate) fn conn(&self) -> &Connection {
        &self.conn
    }

    /// This desk's id, recorded on every event it writes.
    pub(crate) fn desk(&self) -> &str {
        &self.desk
    }

    /// The table that holds a desk's own records: this desk's chain, or what was received from
    /// another (reading the table itself keeps its index in use; the view would read both).
    pub(crate) fn records_of_desk(&self, desk: &str) -> &'static str {
        if desk == self.desk() {
            "records"
        } else {
            "remote_records"
        }
    }
}
