//! Helpers for end-to-end tests: run the real `custody` binary against a database in a
//! temporary folder, with a fixed clock, and dump the database to prove what was (not) written.
//!
//! The tests that run `custody` live in its own package (`app/tests/`), where Cargo gives them
//! the binary it built (`env!("CARGO_BIN_EXE_custody")`); they pass that path in.

#![allow(clippy::unwrap_used)]

use std::path::{Path, PathBuf};
use std::process::Command;

pub mod power_cut;
pub mod smtp;

/// The time every test runs at: Friday 20 November 2026, 10:00 UTC (10:00 in London).
pub const NOW: &str = "2026-11-20T10:00:00Z";
/// When [`Desk::with_basics`] registers its items and people: the start of term.
pub const REGISTERED_AT: &str = "2026-09-01T07:00:00Z";

/// What a run of `custody` did.
#[derive(Debug)]
pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

/// The administrator every test desk has, and their password.
pub const OPERATOR: &str = "office";
pub const PASSWORD: &str = "office-password";

/// A database path in a temporary folder, and a way to run commands against it.
#[derive(Debug)]
pub struct Desk {
    pub dir: tempfile::TempDir,
    pub db: PathBuf,
    pub now: String,
    /// The `custody` binary under test.
    pub binary: PathBuf,
    /// Who the commands run as (`CUSTODY_OPERATOR`), and the file with their password.
    pub operator: String,
    pub password_file: PathBuf,
}

impl Desk {
    /// A desk with no database yet, run by the `custody` binary at `binary`, as [`OPERATOR`].
    pub fn new(binary: &str) -> Desk {
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("custody.db");
        let password_file = dir.path().join("password");
        write_private(&password_file, PASSWORD);
        Desk {
            dir,
            db,
            now: NOW.to_string(),
            binary: PathBuf::from(binary),
            operator: OPERATOR.to_string(),
            password_file,
        }
    }

    /// Runs the next commands as another operator, with this password.
    pub fn act_as(&mut self, operator: &str, password: &str) {
        self.operator = operator.to_string();
        self.password_file = self.dir.path().join(format!("password-{operator}"));
        write_private(&self.password_file, password);
    }

    /// Creates the database as `custody init` does, with [`OPERATOR`] as its first administrator,
    /// through the library, so that their password is hashed with cheap test parameters (every
    /// command checks it). `custody init` itself is tested on its own.
    pub fn init(&self, org: Option<&str>) {
        let now = chrono::DateTime::parse_from_rfc3339(&self.now)
            .unwrap()
            .with_timezone(&chrono::Utc);
        let mut ledger = custody_db::Ledger::create(&self.db, org, custody_db::FixedClock::new(now)).unwrap();
        ledger.use_hashing(custody_db::Hashing::cheap_for_tests());
        ledger.add_first_admin(OPERATOR, "Test Office", PASSWORD).unwrap();
    }

    /// Adds an operator with a role (as [`OPERATOR`], hashing cheaply) whose password is
    /// `{id}-password`.
    pub fn add_operator(&self, id: &str, role: custody_db::Role) {
        let now = chrono::DateTime::parse_from_rfc3339(&self.now)
            .unwrap()
            .with_timezone(&chrono::Utc);
        let mut ledger = custody_db::Ledger::open(&self.db, custody_db::FixedClock::new(now)).unwrap();
        ledger.use_hashing(custody_db::Hashing::cheap_for_tests());
        ledger
            .operator_sign_in(OPERATOR, PASSWORD, custody_db::SignInAt::CommandLine)
            .unwrap();
        ledger
            .add_operator(id, &format!("Operator {id}"), role, &format!("{id}-password"))
            .unwrap();
    }

    /// Runs `custody ARGS` with this desk's database, clock, operator and password file.
    pub fn run(&self, args: &[&str]) -> Run {
        self.run_at(&self.now, args)
    }

    /// [`Desk::run`] with the clock at `now`.
    fn run_at(&self, now: &str, args: &[&str]) -> Run {
        let output = Command::new(&self.binary)
            .args(args)
            .env("CUSTODY_DB", &self.db)
            .env("CUSTODY_NOW", now)
            .env("CUSTODY_OPERATOR", &self.operator)
            .env("CUSTODY_PASSWORD_FILE", &self.password_file)
            .env_remove("RUST_BACKTRACE")
            .output()
            .unwrap();
        Run {
            code: output.status.code().unwrap_or(-1),
            stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
            stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
        }
    }

    /// Runs a command that must succeed and returns its standard output.
    pub fn ok(&self, args: &[&str]) -> String {
        let run = self.run(args);
        assert_eq!(run.code, 0, "custody {args:?} failed: {run:?}");
        run.stdout
    }

    /// Every row of every table, as text (to prove a refused command wrote nothing).
    pub fn dump(&self) -> String {
        dump(&self.db)
    }

    /// Registers a paper file about one child with a safeguarding flag, at the start of term.
    pub fn add_safeguarding_file(&self, tag: &str, name: &str) {
        let args = ["item", "add", tag, "--kind", "paper-file", "--name", name];
        let run = self.run_at(
            REGISTERED_AT,
            &[&args[..], &["--safeguarding", "--data-subjects", "1"]].concat(),
        );
        assert_eq!(run.code, 0, "adding {tag} failed: {run:?}");
    }

    /// A database with two laptops, a paper file and two people (S001 Sam Jones, S002 Priya
    /// Patel) whose home-working records are in order.
    pub fn with_basics(binary: &str) -> Desk {
        let mut desk = Desk::new(binary);
        // Registered at the start of term, so that tests may record events from any time since.
        desk.now = REGISTERED_AT.to_string();
        desk.init(Some("Hillside School"));
        desk.ok(&[
            "item",
            "add",
            "LT-0001",
            "--kind",
            "laptop",
            "--name",
            "Dell Latitude 5440",
            "--encrypted",
            "--data-subjects",
            "120",
        ]);
        desk.ok(&[
            "item",
            "add",
            "LT-0002",
            "--kind",
            "laptop",
            "--name",
            "Lenovo ThinkPad E14",
        ]);
        desk.ok(&[
            "item",
            "add",
            "PF-0001",
            "--kind",
            "paper-file",
            "--name",
            "Pupil file ref 2024-118",
            "--special-category",
        ]);
        desk.ok(&[
            "person",
            "add",
            "S001",
            "--name",
            "Sam Jones",
            "--email",
            "sam@example.org",
        ]);
        desk.ok(&["person", "add", "S002", "--name", "Priya Patel"]);
        // Priya is also the office manager, an operator: she may authorise paper's removal (R1).
        let password_file = desk.password_file.to_str().unwrap().to_string();
        desk.ok(&[
            "operator",
            "add",
            "S002",
            "--name",
            "Priya Patel",
            "--role",
            "manager",
            "--new-password-file",
            &password_file,
        ]);
        for id in ["S001", "S002"] {
            desk.ok(&[
                "person",
                "set",
                id,
                "--agreement-signed",
                "2026-01-10",
                "--agreement-review",
                "2027-01-10",
                "--assessment-done",
                "2026-02-01",
                "--assessment-review",
                "2027-02-01",
                "--training",
                "2026-03-15",
            ]);
        }
        desk.now = NOW.to_string();
        desk
    }
}

/// A new database at `path` whose first administrator is [`OPERATOR`] (hashed cheaply), signed in.
pub fn new_ledger(path: &Path, org: Option<&str>, clock: std::sync::Arc<dyn custody_db::Clock>) -> custody_db::Ledger {
    let mut ledger = custody_db::Ledger::create(path, org, clock).unwrap();
    ledger.use_hashing(custody_db::Hashing::cheap_for_tests());
    ledger.add_first_admin(OPERATOR, "Test Office", PASSWORD).unwrap();
    ledger
}

/// Signs `ledger` in as [`OPERATOR`] (made by [`new_ledger`] or [`Desk::init`]).
pub fn sign_in(mut ledger: custody_db::Ledger) -> custody_db::Ledger {
    ledger
        .operator_sign_in(OPERATOR, PASSWORD, custody_db::SignInAt::CommandLine)
        .unwrap();
    ledger
}

/// Writes a file only its owner can read (as a password file must be).
pub fn write_private(path: &Path, text: &str) {
    std::fs::write(path, format!("{text}\n")).unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600)).unwrap();
    }
}

/// Every row of every table of an SQLite file, as text, read through a connection of its own.
pub fn dump(path: &Path) -> String {
    let conn = rusqlite::Connection::open_with_flags(path, rusqlite::OpenFlags::SQLITE_OPEN_READ_ONLY).unwrap();
    let tables: Vec<String> = conn
        .prepare("SELECT name FROM sqlite_schema WHERE type = 'table' ORDER BY name")
        .unwrap()
        .query_map([], |r| r.get(0))
        .unwrap()
        .map(Result::unwrap)
        .collect();
    let mut out = String::new();
    for table in tables {
        let mut stmt = conn.prepare(&format!("SELECT * FROM {table}")).unwrap();
        let columns = stmt.column_count();
        let mut rows = stmt.query([]).unwrap();
        while let Some(row) = rows.next().unwrap() {
            out.push_str(&table);
            for c in 0..columns {
                let v: rusqlite::types::Value = row.get(c).unwrap();
                out.push_str(&format!("|{v:?}"));
            }
            out.push('\n');
        }
    }
    out
}

/// The text of a PDF as `pdftotext -layout` reads it (poppler-utils; scripts/test installs it).
pub fn pdf_text(pdf: &Path) -> String {
    let output = Command::new("pdftotext")
        .args(["-layout".as_ref(), pdf.as_os_str(), "-".as_ref()])
        .output()
        .expect("pdftotext (poppler-utils) is needed; scripts/test installs it");
    assert!(output.status.success(), "pdftotext could not read {}", pdf.display());
    String::from_utf8_lossy(&output.stdout).into_owned()
}

/// Everything in `from`'s chain after `after`, as the trust's server hands it to another desk
/// (what a pull gives `Ledger::receive`), for tests that need no server.
pub fn as_served(from: &custody_db::Ledger, after: i64) -> Vec<custody_db::RemoteEntry> {
    let mut signatures = from.signatures_between(after, i64::MAX).unwrap();
    from.entries_after(after, 100_000)
        .unwrap()
        .into_iter()
        .map(|e| custody_db::RemoteEntry {
            signature: signatures.remove(&e.seq()),
            desk: from.desk_id().to_string(),
            seq: e.seq(),
            id: e.id(),
            entry: e.table().to_string(),
            kind: e.kind_name().to_string(),
            body: e.to_json().to_string(),
            prev_hash: e.prev_hash().to_vec(),
            hash: e.hash().to_vec(),
        })
        .collect()
}
