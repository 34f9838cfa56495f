//! Crash safety: a real process signing items out and in is killed with SIGKILL at random
//! moments, over and over. After each kill the database must open, pass SQLite's integrity check,
//! keep an unbroken hash chain with the stored state equal to a replay, and hold every event the
//! writer reported as done. `scripts/crash-test ROUNDS` runs a long version (1,000 rounds by
//! default).

#![allow(clippy::unwrap_used)]

use std::io::{BufRead, BufReader, Read};
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::time::Duration;

use custody_db::{Item, ItemKind, Ledger, SystemClock};

/// Every this many rounds (and after the last) the whole file is verified; in between, the
/// latest events.
const FULL_CHECK_EVERY: usize = 25;

fn rounds() -> usize {
    std::env::var("CUSTODY_CRASH_ROUNDS")
        .ok()
        .and_then(|r| r.parse().ok())
        .unwrap_or(12)
}

#[test]
fn killed_writers_never_lose_or_damage_a_record() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("crash.db");
    {
        let mut ledger = custody_tests::new_ledger(&path, Some("Crash test"), Arc::new(SystemClock));
        for n in 0..20 {
            ledger
                .add_item(&Item::new(&format!("CB-{n:04}"), ItemKind::Chromebook, "Chromebook"))
                .unwrap();
        }
        for (id, name) in [("S001", "Sam Jones"), ("S002", "Priya Patel"), ("S003", "Tom Hill")] {
            ledger.add_person(id, name, None).unwrap();
        }
    }
    let mut rng = fastrand::Rng::with_seed(77);
    let mut promised_total = 0;
    for round in 0..rounds() {
        let mut child = Command::new(env!("CARGO_BIN_EXE_crash_writer"))
            .arg(&path)
            .arg(round.to_string())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        // Wait for the first confirmed event, so that every round kills a writer at work.
        let mut reader = BufReader::new(child.stdout.take().unwrap());
        let mut stdout = String::new();
        reader.read_line(&mut stdout).unwrap();
        std::thread::sleep(Duration::from_millis(rng.u64(0..150)));
        child.kill().unwrap(); // SIGKILL on Unix: no chance to tidy up
        child.wait().unwrap();
        reader.read_to_string(&mut stdout).unwrap();
        let mut stderr = String::new();
        child.stderr.take().unwrap().read_to_string(&mut stderr).unwrap();
        assert!(stderr.is_empty(), "round {round}: the writer failed: {stderr}");

        let ledger = custody_tests::sign_in(Ledger::open(&path, Arc::new(SystemClock)).unwrap());
        // Opening checked the latest events (the log was there); the whole file is verified
        // every so often and at the end, so a long run stays linear.
        let last = round + 1 == rounds();
        if round % FULL_CHECK_EVERY == 0 || last {
            let report = ledger.verify().unwrap();
            assert!(report.is_intact(), "round {round}: {report:?}");
        } else {
            ledger.check_recent().unwrap();
        }
        for line in stdout.lines() {
            let mut parts = line.split(' ');
            let (seq, kind, tag) = (parts.next().unwrap(), parts.next().unwrap(), parts.next().unwrap());
            let seq: i64 = seq.parse().unwrap();
            let found = if kind == "item-changed" {
                let records = ledger.item_records(tag).unwrap();
                records.iter().any(|r| r.seq == seq && r.kind.as_str() == kind)
            } else {
                let events = ledger.item_events(tag).unwrap();
                events.iter().any(|e| e.seq == seq && e.kind.as_str() == kind)
            };
            assert!(found, "round {round}: reported event {line} is missing");
            promised_total += 1;
        }
    }
    assert!(
        promised_total > rounds(),
        "the writers got real work done ({promised_total} events)"
    );
}
