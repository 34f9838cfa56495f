//! The power-cut harness: ROUNDS rounds (default 1000) of a writer over the logging VFS whose
//! power is cut — at a random sync, or between two writes — followed by the disk a power cut
//! leaves, the program started again on it, and the checks: SQLite's integrity check, the
//! ledger's verify, every acknowledged record there, every backup whole or absent.
//! Prints, last, `power-cut: R rounds, A acknowledged records, lost L`; exits 0 when nothing was
//! lost or damaged.
//! With `--control`, the writer runs at `synchronous=OFF`: the harness must see losses, and
//! exits 1 when it does (a harness that cannot see a loss proves nothing).
//! With `--restores`, every round restores a backup, the power going at each of its syncs in turn.
//! Usage: power_cut [--control] [--restores] [ROUNDS]

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::Arc;
use std::time::{Duration, Instant};

use custody_db::{Ledger, SystemClock};
use custody_tests::power_cut::{disk, log::Op};

/// Every this many rounds (and after the last) the whole ledger is verified; in between, the
/// latest entries.
const FULL_CHECK_EVERY: usize = 25;

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let control = args.iter().any(|a| a == "--control");
    // Every round restores a backup, and the power goes at each sync of it in turn.
    let only_restores = args.iter().any(|a| a == "--restores");
    let rounds: usize = args.iter().find_map(|a| a.parse().ok()).unwrap_or(1000);
    let writer = sibling("power_writer");
    let work = tempfile::tempdir().expect("a folder");
    let data = work.path().join("data");
    let log = work.path().join("power.log");
    let db = data.join("custody.db");
    fresh_database(&data, &db);
    let mut rng = fastrand::Rng::with_seed(2026);
    let (mut acknowledged, mut lost, mut unsynced) = (0usize, 0usize, 0usize);
    // Migration rounds, and those cut before the migrated file was opened.
    let (mut migrations, mut cut_migrating) = (0usize, 0usize);
    // Restores begun, and those cut before they were done.
    let (mut restores, mut cut_restoring) = (0usize, 0usize);
    let started = Instant::now();
    for round in 0..rounds {
        // Every tenth round migrates a file of the previous schema as the power goes.
        let migrating = round % 10 == 5 && !only_restores;
        // And every tenth another restores a backup as the power goes.
        let restoring = round % 10 == 8 || only_restores;
        if migrating {
            previous_schema_database(&data, &db);
        }
        let before = disk::snapshot(&data).expect("the folder is read");
        let mut command = Command::new(&writer);
        command.arg(&db).arg(&log).arg(round.to_string());
        if control {
            command.arg("--weaken");
        }
        if restoring {
            command.arg("--restore");
        }
        // Half the rounds lose power at a chosen sync, half at a random moment between writes.
        // (A migration's rounds mostly lose it within the first syncs: in the migration.)
        let at_sync = if only_restores {
            Some(1 + round as u32 % 16)
        } else if migrating && rng.u8(..3) > 0 {
            Some(rng.u32(1..8))
        } else if restoring && rng.u8(..3) > 0 {
            Some(rng.u32(1..16))
        } else {
            rng.bool().then(|| rng.u32(1..60))
        };
        if let Some(n) = at_sync {
            command.env("CUSTODY_CUT_AT_SYNC", n.to_string());
        }
        let mut child = command
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("the writer starts");
        let stdout = child.stdout.take().expect("its output");
        let reader = std::thread::spawn(move || {
            BufReader::new(stdout)
                .lines()
                .map_while(Result::ok)
                .collect::<Vec<String>>()
        });
        if at_sync.is_none() {
            std::thread::sleep(Duration::from_millis(rng.u64(5..120)));
            let _ = child.kill(); // SIGKILL: the power goes
        }
        let status = child.wait().expect("the writer ends");
        let said = reader.join().expect("its acknowledgements");
        let mut stderr = String::new();
        if let Some(mut e) = child.stderr.take() {
            use std::io::Read;
            let _ = e.read_to_string(&mut stderr);
        }
        if !stderr.trim().is_empty() && !stderr.contains("panicked") && status.code() != Some(86) {
            // A refusal the writer did not expect is the writer's bug, not a loss.
            eprintln!("round {round}: the writer stopped: {stderr}");
        }
        let ops = Op::decode_all(&std::fs::read(&log).unwrap_or_default());
        unsynced += disk::cut(&before, &ops, &mut rng).expect("the disk after the cut is written");
        acknowledged += said.len();
        if migrating {
            migrations += 1;
            cut_migrating += usize::from(!said.iter().any(|l| l == "opened"));
        }
        let begun = said.iter().filter(|l| l.starts_with("restoring ")).count();
        restores += begun;
        cut_restoring += begun - said.iter().filter(|l| l.starts_with("restored ")).count();
        let full = round % FULL_CHECK_EVERY == 0 || round + 1 == rounds;
        match check(&db, &said, full || migrating) {
            Ok(()) => {}
            Err(problems) => {
                lost += problems.missing;
                for p in problems.notes.iter().take(3) {
                    eprintln!("round {round}: {p}");
                }
                if !control {
                    println!(
                        "power-cut: {} rounds, {acknowledged} acknowledged records, lost {lost}: round {round} failed",
                        round + 1
                    );
                    std::process::exit(1);
                }
                if problems.damaged {
                    // The control may leave a file that cannot be read: start the next round afresh.
                    fresh_database(&data, &db);
                }
            }
        }
    }
    let seconds = started.elapsed().as_secs_f64();
    if control {
        println!(
            "power-cut --control: {rounds} rounds at synchronous=OFF, {acknowledged} acknowledged records, {unsynced} unsynced writes, lost {lost} ({seconds:.0} s)"
        );
        std::process::exit(i32::from(lost > 0));
    }
    println!(
        "power-cut: {rounds} rounds ({migrations} migrating a file of the previous schema, {cut_migrating} of them cut mid-way; {restores} restores, {cut_restoring} cut mid-way), {acknowledged} acknowledged records, {unsynced} unsynced writes cut, lost {lost} ({seconds:.0} s)"
    );
}

/// The writer binary beside this one.
fn sibling(name: &str) -> PathBuf {
    let me = std::env::current_exe().expect("this program's path");
    me.with_file_name(name)
}

/// A new database with a few laptops, Chromebooks and people, made without the logging VFS.
fn fresh_database(data: &Path, db: &Path) {
    let _ = std::fs::remove_dir_all(data);
    std::fs::create_dir_all(data).expect("the data folder");
    let mut ledger = custody_tests::new_ledger(db, Some("Power cut"), Arc::new(SystemClock));
    custody_tests::power_cut::register(&mut ledger).expect("the register");
}

/// A new, empty database of the previous schema, for the writer to migrate (and to give an
/// administrator and a register) with the power cut at any moment of it.
fn previous_schema_database(data: &Path, db: &Path) {
    let _ = std::fs::remove_dir_all(data);
    std::fs::create_dir_all(data).expect("the data folder");
    let created = chrono::Utc::now().to_rfc3339();
    let meta = [("desk", "power-cut-desk"), ("created_at", created.as_str())];
    custody_db::storage::create_at_version_for_tests(db, custody_db::storage::SCHEMA_VERSION - 1, &meta)
        .expect("a file of the previous schema");
}

struct Problems {
    missing: usize,
    damaged: bool,
    notes: Vec<String>,
}

/// After the cut: the file opens (SQLite recovers its log), passes the integrity check and the
/// ledger's own checks, and holds everything acknowledged; each backup is whole or absent.
fn check(db: &Path, said: &[String], full: bool) -> Result<(), Problems> {
    let damaged = |note: String| Problems {
        missing: said.len(),
        damaged: true,
        notes: vec![note],
    };
    whole(db).map_err(|e| damaged(format!("the integrity check: {e}")))?;
    let mut ledger = Ledger::open(db, Arc::new(SystemClock)).map_err(|e| damaged(format!("it does not open: {e}")))?;
    // A migrated file whose administrator was not yet made holds no entries to check.
    let made = ledger.has_operators().unwrap_or(false);
    if made {
        ledger
            .operator_sign_in(
                custody_tests::OPERATOR,
                custody_tests::PASSWORD,
                custody_db::SignInAt::CommandLine,
            )
            .map_err(|e| damaged(format!("the sign-in: {e}")))?;
    }
    if !made {
        // Nothing recorded yet to check: only the file's soundness, above.
    } else if full {
        let report = ledger.verify().map_err(|e| damaged(format!("verify: {e}")))?;
        if !report.is_intact() {
            return Err(damaged(format!("verify: {report:?}")));
        }
    } else {
        ledger
            .check_recent()
            .map_err(|e| damaged(format!("the latest entries: {e}")))?;
    }
    let mut problems = Problems {
        missing: 0,
        damaged: false,
        notes: Vec::new(),
    };
    let expected = Expected::from(said);
    let mut lost = missing(&ledger, &expected.now);
    if let Some((backup, before)) = &expected.restoring
        && !lost.is_empty()
    {
        // The power went during a restore, which took: the file is the backup, whole (all it
        // held is there), and the file it replaced is kept aside with everything acknowledged.
        let mut took = missing(&ledger, &expected.in_backup[backup]);
        match kept_aside(db).last() {
            Some(kept) => match signed_in(kept) {
                Ok(kept_ledger) => took.extend(
                    missing(&kept_ledger, before)
                        .into_iter()
                        .map(|l| format!("{l} (not in the file kept aside)")),
                ),
                Err(e) => took.push(format!("the file kept aside does not open: {e}")),
            },
            None => took.push("no file kept aside".to_string()),
        }
        if took.is_empty() {
            lost.clear();
        } else {
            lost.push(format!("the restore of {backup} was cut: neither whole nor absent"));
            lost.extend(took);
        }
    }
    for (kept, acknowledged) in &expected.kept {
        match signed_in(Path::new(kept)) {
            Ok(kept_ledger) => lost.extend(
                missing(&kept_ledger, acknowledged)
                    .into_iter()
                    .map(|l| format!("{l} (not in {kept}, kept at a restore)")),
            ),
            Err(e) => lost.push(format!("the file kept at a restore, {kept}, does not open: {e}")),
        }
    }
    problems.missing += lost.len();
    problems
        .notes
        .extend(lost.into_iter().map(|l| format!("acknowledged and lost: {l}")));
    // The copy made before an upgrade: whole or absent.
    let mut copy = db.as_os_str().to_owned();
    copy.push(format!(".pre-v{}", custody_db::storage::SCHEMA_VERSION));
    let copy = PathBuf::from(copy);
    if copy.exists()
        && let Err(e) = whole(&copy).and_then(|()| of_schema(&copy, custody_db::storage::SCHEMA_VERSION - 1))
    {
        problems.missing += 1;
        problems
            .notes
            .push(format!("the copy before the upgrade is there but not whole: {e}"));
    }
    // Backups not yet acknowledged: whole or absent, never a file that is there and unreadable.
    let backups = db.parent().map(|d| d.join("backups"));
    for entry in backups
        .and_then(|b| std::fs::read_dir(b).ok())
        .into_iter()
        .flatten()
        .flatten()
    {
        let path = entry.path();
        if path.extension().is_some_and(|e| e == "db")
            && let Err(e) = whole(&path).and_then(|()| {
                Ledger::open(&path, Arc::new(SystemClock))
                    .map(|_| ())
                    .map_err(|e| e.to_string())
            })
        {
            problems.missing += 1;
            problems
                .notes
                .push(format!("a backup that is there but not whole: {}: {e}", path.display()));
        }
    }
    if problems.missing == 0 {
        // Checked: cleared away, so that each round reads a small folder.
        if let Some(backups) = db.parent().map(|d| d.join("backups")) {
            let _ = std::fs::remove_dir_all(backups);
        }
        for kept in kept_aside(db) {
            custody_db::storage::remove_database_files(&kept);
        }
        Ok(())
    } else {
        Err(problems)
    }
}

/// Whether `path` opens and passes SQLite's integrity check.
fn whole(path: &Path) -> Result<(), String> {
    let conn = rusqlite::Connection::open_with_flags(path, rusqlite::OpenFlags::SQLITE_OPEN_READ_WRITE)
        .map_err(|e| e.to_string())?;
    let result: String = conn
        .query_row("PRAGMA integrity_check", [], |r| r.get(0))
        .map_err(|e| e.to_string())?;
    if result == "ok" { Ok(()) } else { Err(result) }
}

/// What the writer acknowledged, as it stands after its restores.
struct Expected {
    /// What the database must hold now.
    now: Vec<String>,
    /// What each backup held: everything acknowledged before it.
    in_backup: std::collections::HashMap<String, Vec<String>>,
    /// A restore cut short: its backup, and what the file held before it.
    restoring: Option<(String, Vec<String>)>,
    /// Each file kept aside by a finished restore, with what it must hold.
    kept: Vec<(String, Vec<String>)>,
}

impl Expected {
    fn from(said: &[String]) -> Expected {
        let mut expected = Expected {
            now: Vec::new(),
            in_backup: Default::default(),
            restoring: None,
            kept: Vec::new(),
        };
        for line in said {
            let parts: Vec<&str> = line.split(' ').collect();
            match parts[..] {
                ["restoring", backup] => expected.restoring = Some((backup.to_string(), expected.now.clone())),
                ["restored", backup, kept] => {
                    let before = std::mem::replace(&mut expected.now, expected.in_backup[backup].clone());
                    expected.kept.push((kept.to_string(), before));
                    expected.restoring = None;
                }
                ["backup", backup] => {
                    expected.in_backup.insert(backup.to_string(), expected.now.clone());
                    expected.now.push(line.clone());
                }
                _ => expected.now.push(line.clone()),
            }
        }
        expected
    }
}

/// The acknowledgements in `said` that `ledger` does not hold.
fn missing(ledger: &Ledger, said: &[String]) -> Vec<String> {
    said.iter()
        .filter(|line| {
            let parts: Vec<&str> = line.split(' ').collect();
            let there = match parts[0] {
                "event" => {
                    let seq: i64 = parts[1].parse().unwrap_or(-1);
                    ledger
                        .item_events(parts[3])
                        .is_ok_and(|events| events.iter().any(|e| e.seq == seq && e.kind.as_str() == parts[2]))
                }
                "record" => {
                    let seq: i64 = parts[1].parse().unwrap_or(-1);
                    ledger
                        .item_records(parts[2])
                        .is_ok_and(|r| r.iter().any(|r| r.seq == seq))
                }
                "person" => ledger.person(parts[1]).is_ok(),
                "import" => parts[1..].iter().all(|tag| ledger.item(tag).is_ok()),
                "backup" => whole(Path::new(parts[1])).is_ok(),
                _ => true,
            };
            !there
        })
        .cloned()
        .collect()
}

/// A file a restore kept aside, opened and signed in to, to read what it holds.
fn signed_in(path: &Path) -> custody_db::Result<Ledger> {
    let mut ledger = Ledger::open(path, Arc::new(SystemClock))?;
    ledger.operator_sign_in(
        custody_tests::OPERATOR,
        custody_tests::PASSWORD,
        custody_db::SignInAt::CommandLine,
    )?;
    Ok(ledger)
}

/// The files restores kept aside beside `db`, oldest first.
fn kept_aside(db: &Path) -> Vec<PathBuf> {
    let name = db
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let prefix = format!("{name}.before-restore-");
    let mut kept: Vec<PathBuf> = std::fs::read_dir(db.parent().unwrap_or(Path::new(".")))
        .into_iter()
        .flatten()
        .flatten()
        .map(|e| e.path())
        .filter(|p| {
            p.file_name().and_then(|n| n.to_str()).is_some_and(|n| {
                n.starts_with(&prefix) && !["-wal", "-shm", ".log-left-at-restore"].iter().any(|s| n.ends_with(s))
            })
        })
        .collect();
    // `…-20261205-101500`, then `…-20261205-101500-2` and on for more in the same second.
    kept.sort_by_key(|p| {
        let name = p
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        let rest = name[prefix.len()..].to_string();
        match rest
            .get(15..)
            .and_then(|n| n.strip_prefix('-'))
            .and_then(|n| n.parse::<u32>().ok())
        {
            Some(n) => (rest[..15].to_string(), n),
            None => (rest, 1),
        }
    });
    kept
}

/// Whether `path` is a Custody database of schema `version` (an empty file passes SQLite's
/// integrity check: it is an empty database, not a copy).
fn of_schema(path: &Path, version: i64) -> Result<(), String> {
    let conn = rusqlite::Connection::open_with_flags(path, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY)
        .map_err(|e| e.to_string())?;
    let read = |pragma: &str| -> Result<i64, String> {
        conn.query_row(&format!("PRAGMA {pragma}"), [], |r| r.get(0))
            .map_err(|e| e.to_string())
    };
    let (id, found) = (read("application_id")?, read("user_version")?);
    if id == custody_db::storage::APPLICATION_ID && found == version {
        Ok(())
    } else {
        Err(format!(
            "application id {id:#x}, schema {found}: not a whole copy of schema {version}"
        ))
    }
}
