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
        .env("CUSTODY_OPERATOR", &desk.operator)
        .env("CUSTODY_PASSWORD_FILE", &desk.password_file)
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
        run.stderr.contains("Custody can only read") && run.stderr.contains("records nothing there"),
        "{}",
        run.stderr
    );
    assert_eq!(std::fs::read(&desk.db).unwrap(), bytes);
}

/// A database on a shared drive the clerk may only read: every reading command works and
/// nothing is made in the folder; a write is refused with a message saying why. (As root,
/// which ignores permissions, the commands run as the unprivileged user `nobody`.)
#[test]
fn a_folder_that_can_only_be_read_is_still_read() {
    use std::os::unix::fs::PermissionsExt;
    let desk = Desk::with_basics(CUSTODY);
    desk.ok(&["out", "LT-0001", "--to", "S001"]);
    let folder = desk.dir.path().to_path_buf();
    std::fs::remove_dir_all(folder.join("backups")).unwrap();
    let root = Command::new("id").arg("-u").output().unwrap().stdout == b"0\n";
    if root {
        // `nobody` runs the commands, so the password file is theirs (and private).
        std::os::unix::fs::chown(&desk.password_file, Some(65534), Some(65534)).unwrap();
    }
    let (folder_mode, file_mode) = if root { (0o755, 0o644) } else { (0o555, 0o444) };
    std::fs::set_permissions(&desk.db, std::fs::Permissions::from_mode(file_mode)).unwrap();
    std::fs::set_permissions(&folder, std::fs::Permissions::from_mode(folder_mode)).unwrap();
    let listing = || {
        let mut names: Vec<String> = std::fs::read_dir(&folder)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        names
    };
    let before = listing();
    let run = |args: &[&str]| {
        let mut command = if root {
            let mut c = Command::new("setpriv");
            c.args(["--reuid=65534", "--regid=65534", "--clear-groups", CUSTODY]);
            c
        } else {
            Command::new(CUSTODY)
        };
        let output = command
            .args(args)
            .env("CUSTODY_DB", &desk.db)
            .env("CUSTODY_NOW", &desk.now)
            .env("CUSTODY_OPERATOR", &desk.operator)
            .env("CUSTODY_PASSWORD_FILE", &desk.password_file)
            .output()
            .unwrap();
        (
            output.status.code().unwrap_or(-1),
            String::from_utf8_lossy(&output.stdout).into_owned(),
            String::from_utf8_lossy(&output.stderr).into_owned(),
        )
    };
    let status = run(&["status"]);
    let verify = run(&["verify"]);
    let report = run(&["report", "overdue"]);
    let refused = run(&["in", "LT-0001"]);
    let after = listing();
    std::fs::set_permissions(&folder, std::fs::Permissions::from_mode(0o755)).unwrap();
    std::fs::set_permissions(&desk.db, std::fs::Permissions::from_mode(0o644)).unwrap();
    assert_eq!(status.0, 0, "{status:?}");
    assert!(status.1.contains("LT-0001"), "{status:?}");
    assert_eq!(verify.0, 0, "{verify:?}");
    // Shared for reading on purpose here: verify names the open files, and the record is intact.
    assert!(verify.1.contains("\nIntact: "), "{verify:?}");
    assert_eq!(report.0, 0, "{report:?}");
    assert_eq!(refused.0, 1, "{refused:?}");
    assert!(refused.2.contains("Custody can only read"), "{refused:?}");
    assert_eq!(after, before, "nothing was made in the folder");
    assert_eq!(desk.ok(&["status"]).lines().count(), 2, "LT-0001 is still out");
}
