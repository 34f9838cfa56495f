//! The database file: recognised before anything is written, refused with a clear message when it
//! is not ours, left byte-for-byte untouched; pragmas set on every connection.

#![allow(clippy::unwrap_used)]

mod common;

use std::path::Path;
use std::sync::Arc;

use custody_db::{Error, Ledger, SystemClock};

fn open(path: &Path) -> Result<Ledger, Error> {
    Ledger::open(path, Arc::new(SystemClock))
}

/// Opening `bytes` as a database fails with a message containing `words`, and the file is unchanged.
fn refused(name: &str, bytes: &[u8], words: &str) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(name);
    std::fs::write(&path, bytes).unwrap();
    let err = open(&path).expect_err(name).to_string();
    assert!(err.contains(words), "{name}: {err:?} should contain {words:?}");
    assert!(err.contains("left untouched"), "{name}: {err}");
    assert_eq!(
        std::fs::read(&path).unwrap(),
        bytes,
        "{name}: the file must be unchanged"
    );
    let others: Vec<_> = std::fs::read_dir(dir.path()).unwrap().collect();
    assert_eq!(others.len(), 1, "{name}: no -wal or -shm file may be created");
}

fn custody_file_bytes() -> Vec<u8> {
    let db = common::setup();
    drop(db.ledger);
    // Closing the last connection checkpoints the WAL into the main file.
    std::fs::read(&db.path).unwrap()
}

#[test]
fn an_empty_file_is_refused() {
    refused("empty.db", b"", "is an empty file");
}

#[test]
fn a_text_file_is_refused() {
    refused(
        "notes.db",
        b"Sam has LT-0042 until Friday\n".repeat(20).as_slice(),
        "not an SQLite file",
    );
}

#[test]
fn another_programs_database_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("other.db");
    let conn = rusqlite::Connection::open(&path).unwrap();
    conn.execute_batch("PRAGMA application_id = 1234; CREATE TABLE t(x); INSERT INTO t VALUES (1);")
        .unwrap();
    drop(conn);
    let bytes = std::fs::read(&path).unwrap();
    refused("other.db", &bytes, "another program's SQLite database");
}

#[test]
fn a_plain_sqlite_file_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("plain.db");
    rusqlite::Connection::open(&path)
        .unwrap()
        .execute_batch("CREATE TABLE t(x)")
        .unwrap();
    let bytes = std::fs::read(&path).unwrap();
    refused("plain.db", &bytes, "another program's SQLite database");
}

#[test]
fn a_newer_custody_file_is_refused() {
    let mut bytes = custody_file_bytes();
    bytes[60..64].copy_from_slice(&99u32.to_be_bytes()); // user_version
    refused("newer.db", &bytes, "written by a newer version of Custody (schema 99");
}

#[test]
fn a_truncated_file_is_refused() {
    let bytes = custody_file_bytes();
    refused("cut.db", &bytes[..bytes.len() / 2], "cut short");
}

/// A writer killed in the middle of a checkpoint: page 1, with the new page count, reached the
/// file before the file grew. The write-ahead log still holds the pages, so SQLite recovers;
/// Custody must not call it corrupt.
#[test]
fn a_header_ahead_of_the_file_opens_while_the_log_has_the_pages() {
    let mut db = common::setup();
    // Everything so far into the file, then more items: the log now holds a page 1 whose page
    // count is larger than the file (the first ledger stays open, so the log stays).
    let other = rusqlite::Connection::open(&db.path).unwrap();
    other.execute_batch("PRAGMA wal_checkpoint(TRUNCATE)").unwrap();
    drop(other);
    // (Few enough that the log is not checkpointed on its own: each item is a record, signed.)
    for n in 0..80 {
        let tag = format!("CB-{n:04}");
        let item = custody_db::Item::new(&tag, custody_db::ItemKind::Chromebook, "Chromebook with a long name");
        db.ledger.add_item(&item).unwrap();
    }
    let wal = std::fs::read(format!("{}-wal", db.path.display())).unwrap();
    let page_size = u32::from_be_bytes(wal[8..12].try_into().unwrap()) as usize;
    let newest_page_one = wal[32..]
        .chunks_exact(24 + page_size)
        .rfind(|frame| u32::from_be_bytes(frame[..4].try_into().unwrap()) == 1)
        .map(|frame| frame[24..].to_vec())
        .unwrap();
    let file_len = std::fs::metadata(&db.path).unwrap().len();
    let pages = u32::from_be_bytes(newest_page_one[28..32].try_into().unwrap()) as u64;
    assert!(
        pages * page_size as u64 > file_len,
        "the new page 1 says more than the file has"
    );
    // The checkpoint wrote page 1, then the process was killed before the file grew.
    let mut bytes = std::fs::read(&db.path).unwrap();
    bytes[..page_size].copy_from_slice(&newest_page_one);
    std::fs::write(&db.path, &bytes).unwrap();
    let ledger = common::signed_in(open(&db.path).unwrap());
    assert_eq!(ledger.item("CB-0079").unwrap().tag, "CB-0079");
    assert!(ledger.verify().unwrap().is_intact());
}

#[test]
fn a_corrupted_file_is_refused() {
    let mut bytes = custody_file_bytes();
    // Scribble over the schema page (page 1 after the header).
    for b in &mut bytes[100..4096] {
        *b = 0xA5;
    }
    refused("scribbled.db", &bytes, "damaged");
}

#[test]
fn a_missing_file_or_folder_says_so() {
    let dir = tempfile::tempdir().unwrap();
    let err = open(&dir.path().join("nope.db")).unwrap_err().to_string();
    assert!(
        err.contains("There is no Custody database") && err.contains("Create a new one there"),
        "{err}"
    );
    let err = open(&dir.path().join("no-folder/nope.db")).unwrap_err().to_string();
    assert!(err.contains("folder") && err.contains("does not exist"), "{err}");
    let err = Ledger::create(&dir.path().join("no-folder/new.db"), None, Arc::new(SystemClock)).unwrap_err();
    assert!(matches!(err, Error::NoFolder(_)), "{err}");
}

#[test]
fn init_never_touches_an_existing_file() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("precious.db");
    std::fs::write(&path, b"someone's work").unwrap();
    let err = Ledger::create(&path, None, Arc::new(SystemClock))
        .unwrap_err()
        .to_string();
    assert!(err.contains("already exists"), "{err}");
    assert_eq!(std::fs::read(&path).unwrap(), b"someone's work");
}

#[test]
fn every_connection_gets_the_storage_pragmas() {
    let db = common::setup();
    drop(db.ledger);
    let ledger = open(&db.path).unwrap();
    drop(ledger);
    let conn = rusqlite::Connection::open(&db.path).unwrap();
    let app_id: i64 = conn.query_row("PRAGMA application_id", [], |r| r.get(0)).unwrap();
    let version: i64 = conn.query_row("PRAGMA user_version", [], |r| r.get(0)).unwrap();
    let mode: String = conn.query_row("PRAGMA journal_mode", [], |r| r.get(0)).unwrap();
    assert_eq!(app_id, custody_db::storage::APPLICATION_ID);
    assert_eq!(version, custody_db::storage::SCHEMA_VERSION);
    assert_eq!(mode, "wal", "WAL is persistent in the file");
}

#[test]
fn the_organisation_and_zone_are_remembered() {
    let db = common::setup();
    drop(db.ledger);
    let ledger = open(&db.path).unwrap();
    assert_eq!(ledger.organisation().unwrap().as_deref(), Some("Hillside School"));
    assert_eq!(ledger.timezone().name(), "Europe/London");
}

/// Run as a child process by the test below: another program asking whether anyone holds
/// SQLite's reading lock on the file, as an older SQLite does when it closes the file, to learn
/// whether it was the last one using it. Prints nothing when run on its own.
#[test]
fn another_program_asks_whether_the_file_is_in_use() {
    use rustix::process::{Flock, FlockOffsetType, FlockType, fcntl_getlk};
    let Some(path) = std::env::var_os("CUSTODY_TEST_LOCK_PROBE") else {
        return;
    };
    let file = std::fs::File::open(path).unwrap();
    // SQLite's unix locks: the shared range is 510 bytes from two past the pending byte (1 GiB).
    let whole_shared_range = Flock {
        start: 0x4000_0002,
        length: 510,
        pid: None,
        typ: FlockType::WriteLock,
        offset_type: FlockOffsetType::Set,
    };
    let blocked_by = fcntl_getlk(&file, &whole_shared_range).unwrap();
    println!("in-use={}", blocked_by.is_some());
}

/// Whether another program finds the file in use (someone holds SQLite's reading lock).
fn in_use_to_another_program(path: &Path) -> bool {
    let out = std::process::Command::new(std::env::current_exe().unwrap())
        .args([
            "--exact",
            "another_program_asks_whether_the_file_is_in_use",
            "--nocapture",
        ])
        .env("CUSTODY_TEST_LOCK_PROBE", path)
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    match text.split("in-use=").nth(1).and_then(|s| s.split_whitespace().next()) {
        Some(answer) => answer == "true",
        None => panic!(
            "the child process said: {text} {}",
            String::from_utf8_lossy(&out.stderr)
        ),
    }
}

/// POSIX locks belong to the process, and closing *any* handle on the file drops them all. When
/// opening a second connection (the desk's list, report and sync threads do) read the header
/// through a handle of its own and closed it, the desk's locks went with it: the next program to
/// close the file (the `sqlite3` shell 3.40, Python) thought it was the last, checkpointed, and
/// deleted the log the desk was still writing to; the desk's next records were seen by nobody else.
#[test]
fn opening_a_second_connection_keeps_the_first_ones_locks() {
    let mut db = common::setup();
    assert!(in_use_to_another_program(&db.path), "an open ledger holds its lock");
    drop(Ledger::open_reader(&db.path, db.clock.clone()).unwrap());
    assert!(
        in_use_to_another_program(&db.path),
        "after a second connection came and went"
    );
    let reader = Ledger::open(&db.path, db.clock.clone()).unwrap();
    db.ledger.sign_out(&common::out(&["LT-0001"], "S001")).unwrap();
    assert!(in_use_to_another_program(&db.path), "with a second connection open");
    drop(reader);
    drop(db.ledger);
    assert!(!in_use_to_another_program(&db.path), "once every connection is closed");
}
