//! Backups from the command line: the automatic daily backup, `backup -o`, and `restore`, which
//! checks the backup, keeps the current file aside, and refuses another database's backup.

#![allow(clippy::unwrap_used)]

use custody_tests::Desk;

/// The binary under test, as Cargo built it for these tests.
const CUSTODY: &str = env!("CARGO_BIN_EXE_custody");

fn backups(desk: &Desk) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(desk.dir.path().join("backups"))
        .map(|d| {
            d.map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
                .collect()
        })
        .unwrap_or_default();
    names.sort();
    names
}

#[test]
fn the_first_use_each_day_makes_a_backup_and_old_ones_go() {
    let mut desk = Desk::with_basics(CUSTODY); // registered on 1 September: that day's backup
    desk.ok(&["status"]);
    assert_eq!(backups(&desk), vec!["custody-2026-09-01.db", "custody-2026-11-20.db"]);
    desk.ok(&["settings", "keep-backups", "2"]);
    for day in ["2026-11-21", "2026-11-22", "2026-11-23"] {
        desk.now = format!("{day}T09:00:00Z");
        desk.ok(&["status"]);
        desk.ok(&["status"]);
    }
    assert_eq!(backups(&desk), vec!["custody-2026-11-22.db", "custody-2026-11-23.db"]);
}

#[test]
fn two_databases_in_one_folder_each_get_their_daily_backup() {
    let desk = Desk::with_basics(CUSTODY);
    let mut other = Desk::new(CUSTODY);
    other.db = desk.dir.path().join("practice.db");
    other.init(Some("Riverside Practice"));
    other.ok(&["status"]);
    desk.ok(&["status"]);
    assert_eq!(
        backups(&desk),
        vec![
            "custody-2026-09-01.db",
            "custody-2026-11-20.db",
            "practice-2026-11-20.db"
        ],
        "one each, named after its database"
    );
}

#[test]
fn backup_then_restore_brings_the_records_back() {
    let desk = Desk::with_basics(CUSTODY);
    let copy = desk.dir.path().join("copy.db");
    desk.ok(&["out", "LT-0001", "--to", "S001"]);
    assert!(
        desk.ok(&["backup", "-o", copy.to_str().unwrap()])
            .starts_with("Backed up")
    );
    let again = desk.run(&["backup", "-o", copy.to_str().unwrap()]);
    assert_eq!(again.code, 1, "never overwrites: {again:?}");
    desk.ok(&["in", "LT-0001"]);
    let restored = desk.ok(&["restore", copy.to_str().unwrap()]);
    assert!(
        restored.contains("(1 events, verified)") && restored.contains("kept as"),
        "{restored}"
    );
    assert!(desk.ok(&["status"]).contains("LT-0001"), "out again, as in the backup");
    assert!(desk.ok(&["verify"]).contains("Intact"));
    let kept = std::fs::read_dir(desk.dir.path())
        .unwrap()
        .filter(|e| {
            e.as_ref()
                .unwrap()
                .file_name()
                .to_string_lossy()
                .contains(".before-restore-")
        })
        .count();
    assert!(kept >= 1, "the replaced file is kept");
}

#[test]
fn restore_refuses_damaged_and_foreign_backups_changing_nothing() {
    let desk = Desk::with_basics(CUSTODY);
    let other = Desk::with_basics(CUSTODY);
    let foreign = desk.dir.path().join("foreign.db");
    other.ok(&["backup", "-o", foreign.to_str().unwrap()]);
    let before = desk.dump();
    let run = desk.run(&["restore", foreign.to_str().unwrap()]);
    assert_eq!(run.code, 1);
    assert!(
        run.stderr.contains("a backup of a different database") && run.stderr.contains("--force"),
        "{}",
        run.stderr
    );
    assert_eq!(desk.dump(), before);

    let damaged = desk.dir.path().join("damaged.db");
    std::fs::write(&damaged, "this is not a backup").unwrap();
    let run = desk.run(&["restore", damaged.to_str().unwrap()]);
    assert_eq!(run.code, 1);
    assert!(run.stderr.contains("cannot be used as a backup"), "{}", run.stderr);
    assert!(
        !run.stderr.contains(".restoring"),
        "no internal file is named: {}",
        run.stderr
    );
    assert_eq!(desk.dump(), before);
    assert_eq!(
        std::fs::read_to_string(&damaged).unwrap(),
        "this is not a backup",
        "the backup is never changed"
    );

    let forced = desk.ok(&["restore", foreign.to_str().unwrap(), "--force"]);
    assert!(forced.contains("verified"), "{forced}");
}

#[test]
fn restore_waits_for_other_programs_to_close_the_database() {
    let desk = Desk::with_basics(CUSTODY);
    let copy = desk.dir.path().join("copy.db");
    desk.ok(&["backup", "-o", copy.to_str().unwrap()]);
    desk.ok(&["out", "LT-0001", "--to", "S001"]);
    // Another program in the middle of reading, as the desk app is while it shows a screen.
    let other = rusqlite::Connection::open(&desk.db).unwrap();
    other.execute_batch("BEGIN; SELECT count(*) FROM events;").unwrap();
    let run = desk.run(&["restore", copy.to_str().unwrap()]);
    assert_eq!(run.code, 1, "{run:?}");
    assert!(run.stderr.contains("another program"), "{}", run.stderr);
    other.execute_batch("COMMIT").unwrap();
    drop(other);
    assert!(desk.ok(&["restore", copy.to_str().unwrap()]).contains("verified"));
}

#[test]
fn two_restores_in_one_second_keep_both_replaced_files_and_no_logs() {
    let desk = Desk::with_basics(CUSTODY);
    let copy = desk.dir.path().join("copy.db");
    desk.ok(&["backup", "-o", copy.to_str().unwrap()]);
    desk.ok(&["out", "LT-0001", "--to", "S001"]);
    desk.ok(&["restore", copy.to_str().unwrap()]);
    // Newer records made after the first restore: they must survive the second.
    desk.ok(&["out", "LT-0002", "--to", "S002"]);
    desk.ok(&["restore", copy.to_str().unwrap()]);
    let mut kept: Vec<std::path::PathBuf> = std::fs::read_dir(desk.dir.path())
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.to_string_lossy().contains(".before-restore-"))
        .collect();
    kept.sort();
    assert_eq!(kept.len(), 2, "{kept:?}");
    assert!(
        kept.iter()
            .all(|p| !p.to_string_lossy().ends_with("-wal") && !p.to_string_lossy().ends_with("-shm")),
        "no log is left beside a kept file: {kept:?}"
    );
    let holders: Vec<String> = kept
        .iter()
        .map(|p| {
            let run = std::process::Command::new(CUSTODY)
                .args(["--db", p.to_str().unwrap(), "status", "--format", "csv"])
                .env("CUSTODY_NOW", &desk.now)
                .env("CUSTODY_OPERATOR", &desk.operator)
                .env("CUSTODY_PASSWORD_FILE", &desk.password_file)
                .output()
                .unwrap();
            String::from_utf8_lossy(&run.stdout).into_owned()
        })
        .collect();
    assert!(
        holders.iter().any(|s| s.contains("LT-0002")),
        "the second one kept the newer sign-out: {holders:?}"
    );
}

#[test]
fn a_database_is_never_restored_onto_itself() {
    let desk = Desk::with_basics(CUSTODY);
    let before = desk.dump();
    let run = desk.run(&["restore", desk.db.to_str().unwrap()]);
    assert_eq!(run.code, 1, "{run:?}");
    assert!(run.stderr.contains("is the database itself"), "{}", run.stderr);
    assert_eq!(desk.dump(), before);
}

/// What Custody makes holds personal data and password hashes: each file its owner's alone
/// (0600, folders 0700), whatever the account's usual mask. A file left looser (by an older
/// version, or by hand) is named by `verify` and tightened on request.
#[cfg(unix)]
#[test]
fn every_file_custody_makes_is_its_owners_alone() {
    use std::os::unix::fs::PermissionsExt;
    let mode = |p: &std::path::Path| std::fs::metadata(p).unwrap().permissions().mode() & 0o777;
    let desk = Desk::with_basics(CUSTODY);
    desk.ok(&["status"]); // today's backup
    let dir = desk.dir.path();
    let (export, copy) = (dir.join("items.csv"), dir.join("copy.db"));
    desk.ok(&["export", "items", export.to_str().unwrap()]);
    desk.ok(&["backup", "-o", copy.to_str().unwrap()]);
    let mut made = vec![desk.db.clone(), export, copy];
    made.extend(backups(&desk).iter().map(|b| dir.join("backups").join(b)));
    for file in &made {
        assert_eq!(mode(file), 0o600, "{} is its owner's alone", file.display());
    }
    assert_eq!(mode(&dir.join("backups")), 0o700);
    let clean = desk.ok(&["verify"]);
    assert!(!clean.contains("Readable by other accounts"), "{clean}");

    std::fs::set_permissions(&desk.db, std::fs::Permissions::from_mode(0o644)).unwrap();
    let told = desk.ok(&["verify"]);
    assert!(
        told.contains("Readable by other accounts") && told.contains("mode 644") && told.contains("Intact"),
        "named, and the record itself still intact: {told}"
    );
    let tightened = desk.ok(&["settings", "tighten-permissions"]);
    assert!(tightened.contains("Now yours alone"), "{tightened}");
    assert_eq!(mode(&desk.db), 0o600);
    assert!(!desk.ok(&["verify"]).contains("Readable by other accounts"));
}
