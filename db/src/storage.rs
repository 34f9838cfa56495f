//! The database file: recognising it, opening it safely, creating it, migrating it.
//!
//! A file is checked (header, application id, schema version, length) *before* SQLite is allowed
//! to write anything to it, so a wrong `--db` never damages someone else's file.

use std::fs::File;
use std::io::Read;
use std::path::{Path, PathBuf};

use rusqlite::{Connection, OpenFlags, TransactionBehavior};

use crate::error::{Error, Result};

/// What a migration needs from above storage: the time (from the ledger's clock), and the step
/// that turns what the register held before schema 5 into records, which only the ledger knows
/// how to append. Storage runs it inside the migration's transaction and calls nothing else.
#[derive(Clone, Copy, Debug)]
pub struct Upgrade {
    /// Unix milliseconds.
    pub now: i64,
    pub record_existing: fn(&Connection, i64) -> rusqlite::Result<()>,
}

mod opened_here;

/// `PRAGMA application_id` of every Custody database: "CUST".
pub const APPLICATION_ID: i64 = 0x4355_5354;
/// The schema this build writes; `user_version` in the file.
pub const SCHEMA_VERSION: i64 = 14;
/// A connection is used by one thread at a time (rusqlite's `Connection` is not `Sync`), so
/// SQLite's lock around every call is not needed (the profiler put its lock and unlock at about
/// a sixth of `verify`'s replay, one pair for each column read).
const ONE_THREAD: OpenFlags = OpenFlags::SQLITE_OPEN_NO_MUTEX;
/// `MIGRATIONS[n]` takes a database from version `n` to `n + 1`.
const MIGRATIONS: &[&str] = &[
    include_str!("schema_v1.sql"),
    include_str!("schema_v2.sql"),
    include_str!("schema_v3.sql"),
    include_str!("schema_v4.sql"),
    include_str!("schema_v5.sql"),
    include_str!("schema_v6.sql"),
    include_str!("schema_v7.sql"),
    include_str!("schema_v8.sql"),
    include_str!("schema_v9.sql"),
    include_str!("schema_v10.sql"),
    include_str!("schema_v11.sql"),
    include_str!("schema_v12.sql"),
    include_str!("schema_v13.sql"),
    include_str!("schema_v14.sql"),
];

const SQLITE_MAGIC: &[u8; 16] = b"SQLite format 3\0";

/// Creates a new, empty Custody database with the given `meta` facts, all in one transaction.
/// Never touches an existing file; on failure, leaves no file behind.
pub fn create(path: &Path, meta: &[(&str, &str)], upgrade: Upgrade) -> Result<Connection> {
    if path.exists() {
        return Err(Error::AlreadyExists(path.to_path_buf()));
    }
    check_folder(path)?;
    let mut handed = opened_here::lock();
    // create_new: if another process creates the file at the same moment, we lose, cleanly.
    // Its owner's alone from the start (SQLite gives its log and index files the same mode).
    crate::private::create_new_file(path).map_err(|e| match e.kind() {
        std::io::ErrorKind::AlreadyExists => Error::AlreadyExists(path.to_path_buf()),
        _ => cannot_open(path, &e.to_string()),
    })?;
    handed.add(path);
    drop(handed);
    let made = (|| {
        let mut conn = Connection::open_with_flags(path, OpenFlags::SQLITE_OPEN_READ_WRITE | ONE_THREAD)
            .map_err(|e| cannot_open(path, &e.to_string()))?;
        configure(&conn, path)?;
        migrate(&mut conn, 0, meta, upgrade)?;
        // Put the new header into the main file now, so the file says what it is at once.
        conn.execute_batch("PRAGMA wal_checkpoint(TRUNCATE)")?;
        Ok(conn)
    })();
    if made.is_err() {
        remove_database_files(path);
    }
    made
}

/// Opens an existing Custody database after checking that it is one, migrating it if it is
/// from an older version of Custody.
pub fn open(path: &Path, upgrade: Upgrade) -> Result<Connection> {
    let version = check_header(path)?;
    match open_writable(path, version, upgrade) {
        Err(e) if refused_writing(path, &e) => open_read_only(path, version),
        opened => opened,
    }
}

/// Whether opening failed only because the file or its folder cannot be written (a shared
/// drive the clerk may only read): then it is opened for reading.
fn refused_writing(path: &Path, e: &Error) -> bool {
    let file_read_only = std::fs::metadata(path).is_ok_and(|m| m.permissions().readonly());
    matches!(e, Error::CannotOpen { .. } | Error::ReadOnly) && (file_read_only || !folder_writable(path))
}

/// Whether a file can be made beside `path` (SQLite's log and index files must be).
fn folder_writable(path: &Path) -> bool {
    let dir = path
        .parent()
        .filter(|d| !d.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    let probe = dir.join(format!(".custody-write-check-{}", std::process::id()));
    let made = std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .open(&probe)
        .is_ok();
    if made {
        let _ = std::fs::remove_file(&probe);
    }
    made
}

/// Opens a file that cannot be written, for reading only: with its log and index files when
/// they are there, else as a file nobody is changing (SQLite cannot make them in the folder).
/// Every write is refused by SQLite itself (`query_only`) and, with a clear message, by the ledger.
fn open_read_only(path: &Path, version: i64) -> Result<Connection> {
    let conn = reader(path)?;
    let (_, found) = read_identity(&conn, path)?;
    if version.max(found) < SCHEMA_VERSION {
        return Err(Error::ReadOnlyNeedsUpgrade {
            path: path.to_path_buf(),
            found: version.max(found),
        });
    }
    conn.execute_batch("PRAGMA query_only = ON; PRAGMA foreign_keys = ON; PRAGMA trusted_schema = OFF;")
        .map_err(|e| storage_problem(path, e))?;
    Ok(conn)
}

/// A connection that only reads, wherever the file can be read: with its log and index files
/// when they are there or can be made, else as a file nobody is changing. For `verify`'s file
/// check and for reading a folder that cannot be written.
pub fn reader(path: &Path) -> Result<Connection> {
    opened_here::lock().add(path);
    let with_log = Connection::open_with_flags(path, OpenFlags::SQLITE_OPEN_READ_ONLY | ONE_THREAD)
        .ok()
        .filter(|conn| read_identity(conn, path).is_ok());
    if let Some(conn) = with_log {
        return Ok(conn);
    }
    let uri = format!("file:{}?immutable=1", path.display());
    let conn = Connection::open_with_flags(
        uri,
        OpenFlags::SQLITE_OPEN_READ_ONLY | OpenFlags::SQLITE_OPEN_URI | ONE_THREAD,
    )
    .map_err(|e| cannot_open(path, &e.to_string()))?;
    read_identity(&conn, path)?;
    Ok(conn)
}

fn open_writable(path: &Path, version: i64, upgrade: Upgrade) -> Result<Connection> {
    let mut conn = Connection::open_with_flags(path, OpenFlags::SQLITE_OPEN_READ_WRITE | ONE_THREAD)
        .map_err(|e| cannot_open(path, &e.to_string()))?;
    // The header on disk can lag behind a WAL file; ask SQLite too, still before writing.
    let (app_id, version) = read_identity(&conn, path).map(|(a, v)| (a, v.max(version)))?;
    check_identity(path, app_id, version)?;
    configure(&conn, path)?;
    if version < SCHEMA_VERSION {
        backup_before_migration(&conn, path, version)?;
        migrate(&mut conn, version, &[], upgrade)?;
    }
    Ok(conn)
}

fn check_folder(path: &Path) -> Result<()> {
    match path.parent() {
        Some(dir) if !dir.as_os_str().is_empty() && !dir.is_dir() => Err(Error::NoFolder(path.to_path_buf())),
        _ => Ok(()),
    }
}

/// The schema version a file's header records, refusing empty, foreign, newer and truncated
/// files; read straight from the file the first time this program opens it, and 0 (SQLite's own
/// answer, read before any write, decides) when this program may have it open already.
fn check_header(path: &Path) -> Result<i64> {
    let mut handed = opened_here::lock();
    if handed.contains(path) {
        return Ok(0);
    }
    let version = read_header(path)?;
    handed.add(path);
    Ok(version)
}

/// Reads the 100-byte SQLite header straight from the file and returns the schema version it
/// records, refusing empty, foreign, newer and truncated files.
fn read_header(path: &Path) -> Result<i64> {
    let mut file = File::open(path).map_err(|e| match e.kind() {
        std::io::ErrorKind::NotFound => {
            if check_folder(path).is_err() {
                Error::NoFolder(path.to_path_buf())
            } else {
                Error::NoDatabase(path.to_path_buf())
            }
        }
        _ => cannot_open(path, &e.to_string()),
    })?;
    let len = file.metadata()?.len();
    if len == 0 {
        return Err(Error::EmptyFile(path.to_path_buf()));
    }
    let mut header = [0u8; 100];
    if len < 100 || file.read_exact(&mut header).is_err() || &header[..16] != SQLITE_MAGIC {
        return Err(Error::NotSqlite(path.to_path_buf()));
    }
    let be32 = |at: usize| u32::from_be_bytes([header[at], header[at + 1], header[at + 2], header[at + 3]]);
    let app_id = i64::from(be32(68) as i32);
    let version = i64::from(be32(60) as i32);
    // With a write-ahead log beside it, the newest header may still be in the log (a database
    // created and never checkpointed): then SQLite's own answer, read before any write, decides.
    // The same goes for the page count: a process killed in the middle of a checkpoint can leave
    // page 1 (with the new count) written before the file has grown, and SQLite recovers the
    // rest from the log. So the count is checked only when there is no log.
    let wal = std::fs::metadata(format!("{}-wal", path.display())).is_ok_and(|m| m.len() > 0);
    if wal {
        return Ok(version);
    }
    check_identity(path, app_id, version)?;
    // Page size is stored as a u16 where 1 means 65536.
    let page_size = match u16::from_be_bytes([header[16], header[17]]) {
        1 => 65_536,
        n => u64::from(n),
    };
    let pages = u64::from(be32(28));
    // The page count is trustworthy only when its "valid for" counter matches the change counter.
    if be32(92) == be32(24) && pages * page_size > len {
        return Err(Error::Corrupt {
            path: path.to_path_buf(),
            detail: format!(
                "the file is {len} bytes but its header says {} bytes: it has been cut short",
                pages * page_size
            ),
        });
    }
    Ok(version)
}

/// Refuses another program's file, and one from a newer Custody.
fn check_identity(path: &Path, app_id: i64, version: i64) -> Result<()> {
    if app_id != APPLICATION_ID {
        return Err(Error::OtherProgram {
            path: path.to_path_buf(),
            app_id,
        });
    }
    if version > SCHEMA_VERSION {
        return Err(Error::NewerSchema {
            path: path.to_path_buf(),
            found: version,
            supported: SCHEMA_VERSION,
        });
    }
    Ok(())
}

fn read_identity(conn: &Connection, path: &Path) -> Result<(i64, i64)> {
    let read = || -> rusqlite::Result<(i64, i64)> {
        let app_id: i64 = conn.query_row("PRAGMA application_id", [], |r| r.get(0))?;
        let version: i64 = conn.query_row("PRAGMA user_version", [], |r| r.get(0))?;
        // Touch the schema so that a damaged file is found now, not halfway through a write.
        conn.query_row("SELECT count(*) FROM sqlite_schema", [], |r| r.get::<_, i64>(0))?;
        Ok((app_id, version))
    };
    read().map_err(|e| storage_problem(path, e))
}

/// The pragmas every connection gets: WAL, a full sync at each commit (a confirmed record is on
/// disk), foreign keys, recursive triggers (so `INSERT OR REPLACE` meets the delete guards), a
/// busy timeout, and no trust in the schema's functions.
fn configure(conn: &Connection, path: &Path) -> Result<()> {
    let set = || -> rusqlite::Result<()> {
        conn.busy_timeout(std::time::Duration::from_secs(10))?;
        let mode: String = conn.query_row("PRAGMA journal_mode = WAL", [], |r| r.get(0))?;
        if !mode.eq_ignore_ascii_case("wal") {
            return Err(rusqlite::Error::InvalidQuery);
        }
        conn.execute_batch(
            "PRAGMA synchronous = FULL;
             PRAGMA foreign_keys = ON;
             PRAGMA recursive_triggers = ON;
             PRAGMA trusted_schema = OFF;",
        )
    };
    set().map_err(|e| storage_problem(path, e))
}

fn migrate(conn: &mut Connection, from: i64, meta: &[(&str, &str)], upgrade: Upgrade) -> Result<()> {
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    for step in &MIGRATIONS[from as usize..] {
        tx.execute_batch(step)?;
    }
    for (key, value) in meta {
        tx.execute("INSERT INTO meta (key, value) VALUES (?1, ?2)", [key, value])?;
    }
    if from < 5 {
        // What the register held before it was on the record becomes records (none when new).
        (upgrade.record_existing)(&tx, upgrade.now)?;
    }
    tx.execute_batch(&format!(
        "PRAGMA application_id = {APPLICATION_ID}; PRAGMA user_version = {SCHEMA_VERSION};"
    ))?;
    tx.commit()?;
    Ok(())
}

/// A new, empty database of an earlier schema `version`, with `meta`, for the power-cut harness
/// to migrate (test builds only): the file as that version's program made it.
#[cfg(feature = "test-support")]
pub fn create_at_version_for_tests(path: &Path, version: i64, meta: &[(&str, &str)]) -> Result<()> {
    let mut conn = Connection::open(path)?;
    configure(&conn, path)?;
    let tx = conn.transaction()?;
    for step in &MIGRATIONS[..version as usize] {
        tx.execute_batch(step)?;
    }
    for (key, value) in meta {
        tx.execute("INSERT INTO meta (key, value) VALUES (?1, ?2)", [key, value])?;
    }
    tx.execute_batch(&format!(
        "PRAGMA application_id = {APPLICATION_ID}; PRAGMA user_version = {version};"
    ))?;
    tx.commit()?;
    conn.execute_batch("PRAGMA wal_checkpoint(TRUNCATE)")?;
    Ok(())
}

/// Copies the database aside before a migration changes it, e.g. `custody.db.pre-v2`.
fn backup_before_migration(conn: &Connection, path: &Path, version: i64) -> Result<()> {
    let mut target = path.as_os_str().to_owned();
    target.push(format!(".pre-v{}", version + 1));
    let target = PathBuf::from(target);
    if !target.exists() {
        // Under a partial name until whole and synced: a power cut during the copy must not
        // leave a part of it where the next start would take it for the copy.
        let partial = crate::durable::partial_of(&target);
        crate::durable::remove(&partial)?;
        crate::private::create_new_file(&partial)?;
        conn.execute("VACUUM INTO ?1", [partial.to_string_lossy()])?;
        crate::durable::put_in_place(&partial, &target)?;
    }
    Ok(())
}

/// Turns an SQLite error met while opening into a message about the file.
fn storage_problem(path: &Path, e: rusqlite::Error) -> Error {
    use rusqlite::ErrorCode::*;
    match e.sqlite_error_code() {
        Some(NotADatabase | DatabaseCorrupt) => Error::Corrupt {
            path: path.to_path_buf(),
            detail: e.to_string(),
        },
        Some(ReadOnly | CannotOpen | PermissionDenied) => cannot_open(
            path,
            "it can be read but not written (check the file's permissions, or whether the disk is read-only)",
        ),
        Some(DatabaseBusy | DatabaseLocked) => {
            cannot_open(path, "another program has it locked; try again in a moment")
        }
        _ => cannot_open(path, &e.to_string()),
    }
}

fn cannot_open(path: &Path, detail: &str) -> Error {
    Error::CannotOpen {
        path: path.to_path_buf(),
        detail: detail.to_string(),
    }
}

/// Where the file's schema differs from what this version of Custody makes: a trigger, table or
/// index removed, changed or added behind its back (for example the triggers that keep the ledger
/// append-only). Empty when it is exactly as made.
pub fn schema_differences(conn: &Connection) -> Result<Vec<String>> {
    // What this version makes, worked out once per program from the migrations themselves.
    static EXPECTED: std::sync::OnceLock<Vec<SchemaEntry>> = std::sync::OnceLock::new();
    let expected = match EXPECTED.get() {
        Some(expected) => expected,
        None => {
            let fresh = Connection::open_in_memory()?;
            for step in MIGRATIONS {
                fresh.execute_batch(step)?;
            }
            EXPECTED.get_or_init(|| schema_of(&fresh).unwrap_or_default())
        }
    };
    let found = schema_of(conn)?;
    let mut differences = Vec::new();
    for (kind, name, sql) in expected {
        match found.iter().find(|(k, n, _)| k == kind && n == name) {
            None => differences.push(format!("the {kind} {name} has been removed")),
            Some((_, _, s)) if s != sql => differences.push(format!("the {kind} {name} has been changed")),
            Some(_) => {}
        }
    }
    for (kind, name, _) in &found {
        if !expected.iter().any(|(k, n, _)| k == kind && n == name) {
            differences.push(format!("a {kind} {name} has been added"));
        }
    }
    Ok(differences)
}

/// One definition: its kind (table, index, trigger, view), name and SQL.
type SchemaEntry = (String, String, Option<String>);

/// Every table, index, trigger and view the file defines (not SQLite's own), by kind and name.
fn schema_of(conn: &Connection) -> Result<Vec<SchemaEntry>> {
    let mut stmt =
        conn.prepare("SELECT type, name, sql FROM sqlite_schema WHERE name NOT LIKE 'sqlite_%' ORDER BY type, name")?;
    let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// Removes a half-created database and its WAL side files.
pub fn remove_database_files(path: &Path) {
    for suffix in ["", "-wal", "-shm"] {
        let mut p = path.as_os_str().to_owned();
        p.push(suffix);
        let _ = crate::durable::remove(&PathBuf::from(p));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A version-1 file, as the first release of Custody wrote it, with one person in it.
    fn version_1_file(path: &Path) {
        let conn = Connection::open(path).unwrap();
        conn.execute_batch(MIGRATIONS[0]).unwrap();
        conn.execute_batch(&format!(
            "PRAGMA application_id = {APPLICATION_ID}; PRAGMA user_version = 1;
             INSERT INTO people (id, name, active, added_at) VALUES ('S001', 'Sam Jones', 1, 0);"
        ))
        .unwrap();
    }

    #[test]
    fn an_older_file_is_copied_aside_then_migrated_keeping_its_data() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("old.db");
        version_1_file(&path);
        let upgrade = Upgrade {
            now: 0,
            record_existing: crate::ledger::record_existing,
        };
        let conn = open(&path, upgrade).unwrap();
        let version: i64 = conn.query_row("PRAGMA user_version", [], |r| r.get(0)).unwrap();
        assert_eq!(version, SCHEMA_VERSION);
        let name: String = conn
            .query_row(
                "SELECT name FROM people WHERE id = 'S001' AND training IS NULL",
                [],
                |r| r.get(0),
            )
            .unwrap();
        assert_eq!(name, "Sam Jones");
        let copy = dir.path().join("old.db.pre-v2");
        let kept = Connection::open(&copy).unwrap();
        let old_version: i64 = kept.query_row("PRAGMA user_version", [], |r| r.get(0)).unwrap();
        assert_eq!(old_version, 1, "the copy is the file as it was");
    }
}
