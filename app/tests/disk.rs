//! When the disk misbehaves: a full disk (a file-size limit stands in for it) gives a clear
//! message and writes nothing; a missing folder says so.

#![allow(clippy::unwrap_used)]

use std::process::Command;

use custody_tests::Desk;

/// The binary under test, as Cargo built it for these tests.
const CUSTODY: &str = env!("CARGO_BIN_EXE_custody");

#[test]
fn a_full_disk_says_so_and_records_nothing() {
    let desk = Desk::with_basics(CUSTODY);
    let csv = desk.dir.path().join("many.csv");
    let mut rows = String::from("tag,kind,name\n");
    for n in 0..5000 {
        rows.push_str(&format!(
            "CB-{n:05},chromebook,Chromebook number {n} with a long description\n"
        ));
    }
    std::fs::write(&csv, rows).unwrap();
    let before = desk.dump();
    // No file may grow past 64 KiB; SIGXFSZ is ignored so that writes fail with EFBIG instead.
    let script = format!(
        "trap '' XFSZ; ulimit -f 128; exec '{}' import items '{}'",
        CUSTODY,
        csv.display()
    );
    let output = Command::new("sh")
        .arg("-c")
        .arg(&script)
        .env("CUSTODY_DB", &desk.db)
        .env("CUSTODY_NOW", &desk.now)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(1), "{stderr}");
    assert!(
        stderr.contains("so nothing was recorded") && stderr.contains("The disk may be full"),
        "{stderr}"
    );
    assert_eq!(desk.dump(), before, "no half-written import");
    assert!(desk.ok(&["verify"]).contains("Intact"));
}

#[test]
fn a_missing_folder_says_so() {
    let desk = Desk::new(CUSTODY);
    let nowhere = desk.dir.path().join("no/such/folder/custody.db");
    let run = Command::new(CUSTODY)
        .args(["--db", nowhere.to_str().unwrap(), "init"])
        .output()
        .unwrap();
    assert_eq!(run.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&run.stderr);
    assert!(
        stderr.contains("The folder for") && stderr.contains("does not exist"),
        "{stderr}"
    );
    assert!(!nowhere.exists());
}

/// `chattr +i` makes the file immutable even for root (tests run as root on CI, where plain
/// permissions would not stop a write).
#[test]
fn a_read_only_database_says_so_and_stays_as_it_was() {
    let desk = Desk::with_basics(CUSTODY);
    let bytes = std::fs::read(&desk.db).unwrap();
    let locked = Command::new("chattr").arg("+i").arg(&desk.db).status().unwrap();
    assert!(locked.success(), "chattr +i is needed for this test");
    let run = desk.run(&["out", "LT-0001", "--to", "S001"]);
    Command::new("chattr").arg("-i").arg(&desk.db).status().unwrap();
    assert_eq!(run.code, 1, "{run:?}");
    assert!(
        run.stderr.contains("read-only") || run.stderr.contains("can be read but not written"),
        "{}",
        run.stderr
    );
    assert_eq!(std::fs::read(&desk.db).unwrap(), bytes);
}
