//! Two programs at once: two writer processes and a reader on one database never meet
//! "database is locked" in normal use (WAL, a busy timeout, and write transactions that take
//! the lock up front).

#![allow(clippy::unwrap_used)]

use std::io::Read;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use custody_db::{Item, ItemKind, Ledger, SystemClock};

/// How many events each writer records before it stops.
const EVENTS_EACH: usize = 150;

fn writer(path: &std::path::Path, seed: u32) -> Child {
    Command::new(env!("CARGO_BIN_EXE_crash_writer"))
        .arg(path)
        .arg(seed.to_string())
        .arg(EVENTS_EACH.to_string())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap()
}

#[test]
fn two_writers_and_a_reader_share_one_database() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("shared.db");
    {
        let mut ledger = custody_tests::new_ledger(&path, None, Arc::new(SystemClock));
        for n in 0..30 {
            ledger
                .add_item(&Item::new(&format!("CB-{n:04}"), ItemKind::Chromebook, "Chromebook"))
                .unwrap();
        }
        ledger.add_person("S001", "Sam Jones", None).unwrap();
        ledger.add_person("S002", "Priya Patel", None).unwrap();
    }
    let mut writers = [writer(&path, 1), writer(&path, 2)];
    let entries_before = ledger_entries(&path);
    let reader = custody_tests::sign_in(Ledger::open(&path, Arc::new(SystemClock)).unwrap());
    // Only a guard against a hang: the test asserts what was done, not how fast.
    let hang_guard = Instant::now() + Duration::from_secs(300);
    let mut reads = 0;
    let mut backed_up = false;
    while writers.iter_mut().any(|w| w.try_wait().unwrap().is_none()) || !backed_up {
        assert!(Instant::now() < hang_guard, "the writers did not finish");
        reader.out_now().unwrap();
        reader.items().unwrap();
        reads += 1;
        if reads % 20 == 0 {
            assert!(reader.verify().unwrap().is_intact(), "consistent while being written");
        }
        if !backed_up && ledger_entries(&path) > entries_before + 10 {
            backed_up = true;
            // A backup taken mid-write is one consistent snapshot.
            let copy = dir.path().join("mid-write.db");
            reader.backup_to(&copy).unwrap();
            let backup = custody_tests::sign_in(Ledger::open(&copy, Arc::new(SystemClock)).unwrap());
            let report = backup.verify().unwrap();
            assert!(report.is_intact() && report.events_checked > 0, "{report:?}");
        }
    }
    for (n, child) in writers.iter_mut().enumerate() {
        assert!(child.wait().unwrap().success(), "writer {n} failed");
        let mut stdout = String::new();
        child.stdout.take().unwrap().read_to_string(&mut stdout).unwrap();
        let mut stderr = String::new();
        child.stderr.take().unwrap().read_to_string(&mut stderr).unwrap();
        assert!(stderr.is_empty(), "writer {n}: {stderr}");
        assert_eq!(stdout.lines().count(), EVENTS_EACH, "writer {n}");
    }
    let entries = ledger_entries(&path);
    assert_eq!(
        entries,
        entries_before + 2 * EVENTS_EACH as u64,
        "every confirmed entry is there once"
    );
    assert!(reads > 0);
    assert!(backed_up, "a backup was taken while the writers ran");
    assert!(reader.verify().unwrap().is_intact());
}

/// How many entries the ledger holds: custody events and register records (the writers make
/// both, and report each).
fn ledger_entries(path: &std::path::Path) -> u64 {
    let conn = rusqlite::Connection::open(path).unwrap();
    let sql = "SELECT (SELECT count(*) FROM events) + (SELECT count(*) FROM records)";
    conn.query_row(sql, [], |r| r.get::<_, i64>(0)).unwrap() as u64
}
