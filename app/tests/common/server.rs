//! What the sync tests share: a fresh database on the test server (`CUSTODY_TEST_POSTGRES`,
//! which `scripts/test` starts), desks that join it, and the checks every fault test ends with.
//!
//! A test that needs the server is marked `#[ignore = "needs PostgreSQL …"]`, so that a plain
//! `cargo test` shows it as not run rather than passed; `scripts/test` runs it with
//! `--include-ignored`, and there a missing server fails it.

#![allow(clippy::unwrap_used, dead_code)]

use custody_tests::Desk;

pub const CUSTODY: &str = env!("CARGO_BIN_EXE_custody");

/// A new, empty database on the test server, and its administrator URL. Login roles belong to
/// the whole server, so those of an earlier run of this test (desks and auditors named
/// `{name}-…`) go too.
pub fn fresh_server(name: &str) -> String {
    let admin = required_env("CUSTODY_TEST_POSTGRES");
    let mut client = postgres::Client::connect(&admin, postgres::NoTls).unwrap();
    client
        .batch_execute(&format!("DROP DATABASE IF EXISTS {name}"))
        .unwrap();
    // Compared here, not with LIKE, whose `_` matches any character: `trust_` would take
    // `trustview`'s roles too.
    let prefixes = [format!("custody_desk_{name}_"), format!("custody_auditor_{name}_")];
    let roles = client.query("SELECT rolname FROM pg_roles", &[]).unwrap();
    for role in roles {
        let role: String = role.get(0);
        if prefixes.iter().any(|p| role.starts_with(p.as_str())) {
            client.batch_execute(&format!("DROP ROLE {role}")).unwrap();
        }
    }
    client.batch_execute(&format!("CREATE DATABASE {name}")).unwrap();
    let (base, _) = admin.rsplit_once('/').unwrap();
    format!("{base}/{name}")
}

/// The test server's folder (`CUSTODY_TEST_POSTGRES_DIR`), for tests that restart it or read
/// its certificate.
pub fn server_folder() -> String {
    required_env("CUSTODY_TEST_POSTGRES_DIR")
}

/// A variable `scripts/test` sets; without it the test fails (never passes by skipping).
fn required_env(name: &str) -> String {
    std::env::var(name).unwrap_or_else(|_| {
        panic!("{name} is not set: this test needs the PostgreSQL that scripts/test starts; run scripts/test")
    })
}

pub fn count_on_server(url: &str) -> i64 {
    let mut client = postgres::Client::connect(url, postgres::NoTls).unwrap();
    client
        .query_one("SELECT count(*) FROM custody_entries", &[])
        .unwrap()
        .get(0)
}

/// The URL `server add-desk` printed, as its last line.
pub fn add_desk(desk: &Desk, server: &str, name: &str) -> String {
    let out = desk.ok(&["server", "add-desk", name, "--url", server]);
    out.lines().last().unwrap().to_string()
}

pub fn local_head(desk: &Desk) -> i64 {
    let conn = rusqlite::Connection::open(&desk.db).unwrap();
    conn.query_row(
        "SELECT max(seq) FROM (SELECT seq FROM events UNION ALL SELECT seq FROM records)",
        [],
        |r| r.get(0),
    )
    .unwrap()
}

/// `custody ARGS` for `desk`, started in the background, its output dropped.
pub fn spawn(desk: &Desk, args: &[&str]) -> std::process::Child {
    std::process::Command::new(CUSTODY)
        .args(args)
        .env("CUSTODY_DB", &desk.db)
        .env("CUSTODY_NOW", &desk.now)
        .env("CUSTODY_OPERATOR", &desk.operator)
        .env("CUSTODY_PASSWORD_FILE", &desk.password_file)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap()
}

/// Starts `custody ARGS` for `desk`, and kills it (SIGKILL) after `after`.
pub fn kill_during(desk: &Desk, args: &[&str], after: std::time::Duration) {
    let mut child = spawn(desk, args);
    std::thread::sleep(after);
    let _ = child.kill();
    child.wait().unwrap();
}

/// A desk with a few thousand entries (a demo), signed in as its administrator.
pub fn busy_desk() -> Desk {
    let mut desk = Desk::new(CUSTODY);
    desk.ok(&["demo", "--items", "1500", "--people", "200", "--days", "150"]);
    desk.act_as("admin", "custody-demo");
    desk
}

/// A desk made by joining: a new file for the trust's desk `url`, as the next desk's office would
/// make it, its clock at `now`.
pub fn joined_desk(url: &str, now: &str) -> Desk {
    let desk = Desk {
        now: now.to_string(),
        ..Desk::new(CUSTODY)
    };
    let made = desk.ok(&["sync", "join", url]);
    assert!(made.contains("Made this desk's database"), "{made}");
    desk
}

/// A desk of a busy trust (signed in as its `admin`) registers `count` laptops of its own in one
/// import, and signs the first out to a new member of staff: entries to push, and events of its own.
pub fn registers_laptops(desk: &mut Desk, count: usize) {
    desk.act_as("admin", "custody-demo");
    let items = desk.dir.path().join("items.csv");
    let rows: String = (1..=count).map(|n| format!("B-{n:04},Laptop {n},Laptops\n")).collect();
    std::fs::write(&items, format!("Asset Tag,Name,Category\n{rows}")).unwrap();
    desk.ok(&["import", "items", items.to_str().unwrap()]);
    desk.ok(&["person", "add", "B-S001", "--name", "Bea Newcomer"]);
    desk.ok(&["out", "B-0001", "--to", "B-S001", "--yes"]);
}

/// No entry twice on the server, by id or by place in its desk's chain.
pub fn assert_no_duplicates(server: &str) {
    let mut client = postgres::Client::connect(server, postgres::NoTls).unwrap();
    let row = client
        .query_one(
            "SELECT count(*), count(DISTINCT id), count(DISTINCT (desk, seq)) FROM custody_entries",
            &[],
        )
        .unwrap();
    let (all, ids, places): (i64, i64, i64) = (row.get(0), row.get(1), row.get(2));
    assert!(all == ids && all == places, "{all} entries, {ids} ids, {places} places");
}

/// Every desk's `verify` passes and every desk tells the same story of every item.
pub fn assert_agree(desks: &[&Desk]) {
    let states: Vec<String> = desks
        .iter()
        .map(|d| {
            assert!(d.ok(&["verify"]).contains("Intact"));
            d.ok(&["status", "--format", "csv"])
        })
        .collect();
    for pair in states.windows(2) {
        let only = |x: &str, y: &str| {
            x.lines()
                .filter(|l| !y.contains(l))
                .take(5)
                .collect::<Vec<_>>()
                .join("\n")
        };
        assert!(
            pair[0] == pair[1],
            "the desks disagree: only one says\n{}\nonly the other says\n{}",
            only(&pair[0], &pair[1]),
            only(&pair[1], &pair[0])
        );
    }
}
