//! A trust of 50 desks through one PostgreSQL, for a school term: each desk registers its own
//! laptops and staff, signs out and in every school day (some to staff of other schools), and
//! syncs twice a week, often cut off (the network gone) or killed in the middle of a sync (a real
//! `custody sync` process, SIGKILLed). Then a final sync, and the checks: the server holds every
//! entry made, once; each desk's `verify` passes; every desk tells the same story of every item.
//! Prints how long each stage took and the trust-wide figures against their budgets.
//!
//! Usage: trust_sim SERVER_ADMIN_URL [DESKS] [DAYS]   (`scripts/bench` runs it against a
//! throwaway server; it makes a database of its own there, `custody_trust_sim`). The desks' files go to /dev/shm when there is one (the term's hundred
//! thousand transactions are about the CPU, not the disk); the durable sign-out is measured on
//! disk, in bench-data/. `CUSTODY_SIM_KEEP=1` keeps the desks' files for a closer look.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{Context as _, Result, ensure};
use chrono::{DateTime, TimeZone, Utc};
use custody::sync::credentials::Credentials;
use custody::sync::{self, server};
use custody_db::{Clock, FixedClock, Hashing, Item, ItemKind, Ledger, SignInAt, SignOut, SystemClock};

const ADMIN: &str = "admin";
const PASSWORD: &str = "trust-sim-password";
const ITEMS_PER_DESK: usize = 120;
const PEOPLE_PER_DESK: usize = 60;
const OUT_PER_DAY: usize = 15;

fn row(what: &str, figure: String, budget: &str) {
    println!("{what:<52} {figure:>14}   budget {budget}");
}

fn secs(d: Duration) -> String {
    format!("{:.1} s", d.as_secs_f64())
}

/// One desk of the trust, as the simulation drives it.
struct Desk {
    name: String,
    path: PathBuf,
    clock: Arc<FixedClock>,
    ledger: Ledger,
    credentials: Credentials,
    client: Option<postgres::Client>,
    /// Its own items, and which are out (with their due day).
    items: Vec<String>,
    out: Vec<Option<i64>>,
}

impl Desk {
    /// A round in this process, as the desk's thread makes it; a connection error leaves the
    /// entries waiting, as at a desk.
    fn sync(&mut self) -> Result<()> {
        if self.client.as_ref().is_none_or(postgres::Client::is_closed) {
            self.client = Some(sync::connect(&self.credentials.url)?);
        }
        let client = self.client.as_mut().context("connected")?;
        sync::round(&mut self.ledger, client, &mut self.credentials, &self.path)?;
        Ok(())
    }
}

fn main() -> Result<()> {
    let args: Vec<String> = std::env::args().collect();
    let server_url = args
        .get(1)
        .context("usage: trust_sim SERVER_ADMIN_URL [DESKS] [DAYS]")?;
    let admin_url = fresh_database(server_url, "custody_trust_sim")?;
    let desks: usize = args.get(2).map_or(Ok(50), |a| a.parse())?;
    let days: i64 = args.get(3).map_or(Ok(65), |a| a.parse())?;
    let shm = Path::new("/dev/shm");
    let work = if shm.is_dir() {
        shm.join("custody-trust-sim")
    } else {
        PathBuf::from("bench-data/trust-sim")
    };
    let _ = std::fs::remove_dir_all(&work);
    std::fs::create_dir_all(&work)?;
    let custody = std::env::current_exe()?
        .parent()
        .and_then(Path::parent)
        .map(|release| release.join("custody"))
        .context("the custody binary beside the examples")?;
    let password_file = work.join("password");
    std::fs::write(&password_file, PASSWORD)?;
    #[cfg(unix)]
    std::fs::set_permissions(&password_file, std::os::unix::fs::PermissionsExt::from_mode(0o600))?;
    let term_start = Utc.with_ymd_and_hms(2026, 9, 7, 8, 0, 0).single().context("date")?;
    fastrand::seed(20260907);

    // ---- Setup: the server, its desks, each desk's register ----
    let started = Instant::now();
    let mut trust = set_up_trust(&admin_url, &work, desks, term_start)?;
    // Everyone hears of everyone's staff before the term.
    for _ in 0..2 {
        for desk in &mut trust {
            desk.sync()?;
        }
    }
    let setup = started.elapsed();

    // ---- The term ----
    let started = Instant::now();
    let (rounds, cut_off, killed) = run_term(&mut trust, &custody, &password_file, term_start, days)?;
    let term = started.elapsed();

    // ---- The final sync: every desk twice round (the first pushes, the second brings all) ----
    let started = Instant::now();
    for _ in 0..2 {
        for desk in &mut trust {
            desk.clock.set(term_start + chrono::Duration::days(days / 5 * 7 + 7));
            desk.sync()?;
        }
    }
    let final_sync = started.elapsed();

    // ---- The checks ----
    let started = Instant::now();
    let made: i64 = trust
        .iter()
        .map(|d| d.ledger.head().map(|h| h.0))
        .sum::<custody_db::Result<i64>>()?;
    let mut admin = postgres::Client::connect(&admin_url, postgres::NoTls)?;
    let on_server = admin.query_one(
        "SELECT count(*), count(DISTINCT id), count(DISTINCT (desk, seq)) FROM custody_entries",
        &[],
    )?;
    let (stored, ids, places): (i64, i64, i64) = (on_server.get(0), on_server.get(1), on_server.get(2));
    let first = trust[0].ledger.projection()?;
    let mut disagree = 0;
    for desk in &trust[1..] {
        if desk.ledger.projection()? != first {
            disagree += 1;
        }
    }
    let mut verified = 0;
    for desk in trust.iter().step_by((desks / 5).max(1)) {
        let report = desk.ledger.verify()?;
        ensure!(report.is_intact(), "{} does not verify: {report:?}", desk.name);
        verified += 1;
    }
    let checks = started.elapsed();

    println!(
        "{desks} desks, {days} school days, {rounds} rounds synced, {cut_off} cut off, {killed} killed in the middle"
    );
    row("entries made at the desks", made.to_string(), "");
    row("entries on the server", stored.to_string(), "= entries made");
    row(
        "of them twice (by id, by desk and number)",
        format!("{}, {}", stored - ids, stored - places),
        "0",
    );
    row("desks disagreeing with school-00 on an item", disagree.to_string(), "0");
    row("desks verified (one in five)", format!("{verified}, intact"), "intact");
    row("stage: setup (server, desks, registers)", secs(setup), "");
    row("stage: the term", secs(term), "");
    row("stage: the final sync", secs(final_sync), "");
    row("stage: the checks", secs(checks), "");
    ensure!(
        stored == made && ids == stored && places == stored,
        "entries lost or doubled"
    );
    ensure!(disagree == 0, "desks disagree");

    // ---- Trust-wide figures ----
    let idle = {
        let desk = &mut trust[0];
        desk.sync()?;
        let start = Instant::now();
        desk.sync()?;
        start.elapsed()
    };
    row(
        "a sync round with nothing new (in the desk)",
        format!("{:.1} ms", idle.as_secs_f64() * 1000.0),
        "50 ms",
    );
    exposure_figure(&custody, &trust[0], &password_file, term_start, days)?;
    trust_report_figure(&custody, &trust[0], &password_file, term_start, days)?;
    new_desk_figure(&admin_url, &work, made)?;
    sign_out_while_syncing(&admin_url, &trust[0])?;
    drop(trust);
    if std::env::var_os("CUSTODY_SIM_KEEP").is_none() {
        std::fs::remove_dir_all(&work)?;
    }
    Ok(())
}

/// The server's desks, each with its own database, register and first sync; the first desk
/// makes the trust's administrator and policy.
fn set_up_trust(admin_url: &str, work: &Path, desks: usize, term_start: chrono::DateTime<Utc>) -> Result<Vec<Desk>> {
    server::init(admin_url)?;
    let mut trust: Vec<Desk> = Vec::new();
    for d in 0..desks {
        let name = format!("school-{d:02}");
        let url = server::add_desk(admin_url, &name)?;
        let path = work.join(format!("{name}.db"));
        let clock = FixedClock::new(term_start);
        let mut ledger = if d == 0 {
            let mut first = Ledger::create(&path, Some("Sim Academy Trust"), clock.clone())?;
            first.use_hashing(Hashing::cheap_for_tests());
            first.add_first_admin(ADMIN, "Trust administrator", PASSWORD)?;
            // The trust's policy, set once and applied at every desk: a busy borrower of
            // sensitive laptops is a warning here, not a refusal.
            first.set_rule_mode(custody_db::Rule::R5, custody_db::policy::Mode::Warn)?;
            // The killed `custody sync` processes leave the day's backup of a desk: one each.
            first.set_backups_kept(1)?;
            first
        } else {
            Ledger::create_to_join(&path, clock.clone())?
        };
        let mut credentials = Credentials {
            url,
            last_push: None,
            pushed_head: 0,
            last_synced: None,
        };
        let mut client = sync::connect(&credentials.url)?;
        sync::round(&mut ledger, &mut client, &mut credentials, &path)?;
        if d > 0 {
            ledger.operator_sign_in(ADMIN, PASSWORD, SignInAt::Desk)?;
        }
        let mut items = Vec::new();
        for n in 0..ITEMS_PER_DESK {
            let tag = format!("S{d:02}-LT-{n:04}");
            let mut item = Item::new(&tag, ItemKind::Laptop, "Staff laptop");
            item.encrypted = n % 10 != 0;
            item.data_subjects = 30 + (n as u32 % 7) * 40;
            ledger.add_item(&item)?;
            items.push(tag);
        }
        for n in 0..PEOPLE_PER_DESK {
            ledger.add_person(&format!("P{d:02}-{n:03}"), &format!("Staff {d:02}-{n:03}"), None)?;
        }
        trust.push(Desk {
            name,
            path,
            clock,
            ledger,
            credentials,
            client: Some(client),
            out: vec![None; items.len()],
            items,
        });
    }
    Ok(trust)
}

/// Every school day of the term at every desk: returns, sign-outs, and twice a week a sync
/// that is often cut off and sometimes killed. Returns (rounds synced, cut off, killed).
fn run_term(
    trust: &mut [Desk],
    custody: &Path,
    password_file: &Path,
    term_start: chrono::DateTime<Utc>,
    days: i64,
) -> Result<(u32, u32, u32)> {
    let desks = trust.len();
    let started = Instant::now();
    let (mut rounds, mut cut_off, mut killed) = (0u32, 0u32, 0u32);
    for day in 0..days {
        if day % 10 == 0 {
            eprintln!(
                "trust_sim: day {day} of {days}, {:.0} s",
                started.elapsed().as_secs_f64()
            );
        }
        // School days: Monday to Friday.
        let date = term_start + chrono::Duration::days(day / 5 * 7 + day % 5);
        for (d, desk) in trust.iter_mut().enumerate() {
            desk.clock.set(date + chrono::Duration::hours(1));
            // Back on or after the day they were due (one in ten a few days late).
            let back: Vec<usize> = (0..desk.items.len())
                .filter(|&i| desk.out[i].is_some_and(|due| due <= day && fastrand::u8(..10) > 0))
                .collect();
            if !back.is_empty() {
                let tags: Vec<String> = back.iter().map(|&i| desk.items[i].clone()).collect();
                desk.ledger.sign_in(&tags, None, None)?;
                back.iter().for_each(|&i| desk.out[i] = None);
            }
            for k in 0..OUT_PER_DAY {
                let free: Vec<usize> = (0..desk.items.len()).filter(|&i| desk.out[i].is_none()).collect();
                if free.is_empty() {
                    break;
                }
                let i = free[fastrand::usize(..free.len())];
                // Mostly the school's own staff; one in seven works across schools.
                let school = if fastrand::u8(..7) == 0 {
                    fastrand::usize(..desks)
                } else {
                    d
                };
                let holder = format!("P{school:02}-{:03}", fastrand::usize(..PEOPLE_PER_DESK));
                let nights = 1 + fastrand::i64(0..10);
                desk.clock
                    .set(date + chrono::Duration::hours(1) + chrono::Duration::minutes(k as i64 * 20));
                let request = SignOut {
                    items: vec![desk.items[i].clone()],
                    to: holder,
                    due: Some(date + chrono::Duration::days(nights) + chrono::Duration::hours(8)),
                    acknowledge_warnings: true,
                    ..SignOut::default()
                };
                desk.ledger.sign_out(&request)?;
                desk.out[i] = Some(day + nights);
            }
            // Twice a week, each desk on its own days: often cut off, sometimes killed mid-sync.
            if (day + d as i64) % 3 != 0 {
                continue;
            }
            desk.clock.set(date + chrono::Duration::hours(10));
            match fastrand::u8(..20) {
                0..=2 => cut_off += 1,
                3 => {
                    killed += 1;
                    kill_a_sync(custody, desk, password_file)?;
                }
                _ => {
                    rounds += 1;
                    desk.sync()?;
                }
            }
        }
    }
    Ok((rounds, cut_off, killed))
}

/// A new, empty database on the server for the simulation (and no login roles left from an
/// earlier run), and its administrator URL.
fn fresh_database(server_url: &str, name: &str) -> Result<String> {
    let mut client = postgres::Client::connect(server_url, postgres::NoTls)?;
    client.batch_execute(&format!("DROP DATABASE IF EXISTS {name}"))?;
    for row in client.query(
        "SELECT rolname FROM pg_roles WHERE rolname ~ '^custody_desk_(school_|newcomer|busy_minute)'",
        &[],
    )? {
        client.batch_execute(&format!("DROP ROLE {}", row.get::<_, String>(0)))?;
    }
    client.batch_execute(&format!("CREATE DATABASE {name}"))?;
    let (base, _) = server_url.rsplit_once('/').context("a URL ending in /database")?;
    Ok(format!("{base}/{name}"))
}

/// `custody sync` for this desk as its own process, SIGKILLed after a moment.
fn kill_a_sync(custody: &Path, desk: &mut Desk, password_file: &Path) -> Result<()> {
    desk.client = None; // the process makes its own connection
    let mut child = std::process::Command::new(custody)
        .args(["sync"])
        .env("CUSTODY_DB", &desk.path)
        .env("CUSTODY_NOW", desk.clock.now().to_rfc3339())
        .env("CUSTODY_OPERATOR", ADMIN)
        .env("CUSTODY_PASSWORD_FILE", password_file)
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()?;
    std::thread::sleep(Duration::from_millis(20 + fastrand::u64(..300)));
    let _ = child.kill();
    child.wait()?;
    // The desk program goes on with what the file and its credentials now say.
    desk.credentials = Credentials::read(&desk.path)?.context("still joined")?;
    Ok(())
}

/// `custody ARGS` at `desk`, as its administrator, to the end.
fn cli(custody: &Path, desk: &Desk, password_file: &Path, args: &[&str]) -> Result<std::process::Output> {
    Ok(std::process::Command::new(custody)
        .args(args)
        .env("CUSTODY_DB", &desk.path)
        .env("CUSTODY_NOW", desk.clock.now().to_rfc3339())
        .env("CUSTODY_OPERATOR", ADMIN)
        .env("CUSTODY_PASSWORD_FILE", password_file)
        .output()?)
}

/// `custody report trust` over the whole term on a desk holding every desk's, as the command
/// line answers it (process start, signing in and the 12 months of trends included), table
/// and PDF.
fn trust_report_figure(
    custody: &Path,
    desk: &Desk,
    password_file: &Path,
    from: DateTime<Utc>,
    days: i64,
) -> Result<()> {
    let to = from + chrono::Duration::days(days / 5 * 7);
    let pdf = desk.path.with_extension("trust.pdf");
    for (format, what) in [("table", "table"), ("pdf", "PDF")] {
        let mut best = Duration::MAX;
        let mut rows = 0;
        for _ in 0..3 {
            let start = Instant::now();
            let mut args = vec!["report", "trust", "--format", format];
            let (from, to) = (from.to_rfc3339(), to.to_rfc3339());
            args.extend(["--from", &from, "--to", &to]);
            if format == "pdf" {
                args.extend(["-o", pdf.to_str().context("a path")?]);
            }
            let out = cli(custody, desk, password_file, &args)?;
            best = best.min(start.elapsed());
            ensure!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
            rows = String::from_utf8_lossy(&out.stdout).lines().count().saturating_sub(1);
        }
        let desks = if format == "table" {
            format!(", {rows} rows")
        } else {
            String::new()
        };
        row(
            &format!("report trust, the term, {what} (CLI{desks})"),
            format!("{:.2} s", best.as_secs_f64()),
            "10 s",
        );
    }
    let _ = std::fs::remove_file(&pdf);
    Ok(())
}

/// Trust-wide exposure on a desk holding every desk's term: the busiest holder of the term,
/// as the command line answers it (process start and signing in included).
fn exposure_figure(custody: &Path, desk: &Desk, password_file: &Path, from: DateTime<Utc>, days: i64) -> Result<()> {
    let conn = rusqlite::Connection::open(&desk.path)?;
    let (holder, periods): (String, i64) = conn.query_row(
        "SELECT person, count(*) FROM all_events WHERE kind = 'sign-out' GROUP BY person ORDER BY 2 DESC LIMIT 1",
        [],
        |r| Ok((r.get(0)?, r.get(1)?)),
    )?;
    let events: i64 = conn.query_row("SELECT count(*) FROM all_events", [], |r| r.get(0))?;
    let to = from + chrono::Duration::days(days / 5 * 7);
    let mut best = Duration::MAX;
    for _ in 0..3 {
        let start = Instant::now();
        let (from, to) = (from.to_rfc3339(), to.to_rfc3339());
        let out = cli(
            custody,
            desk,
            password_file,
            &["exposure", "--holder", &holder, "--from", &from, "--to", &to],
        )?;
        best = best.min(start.elapsed());
        ensure!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    }
    row(
        &format!("exposure: {holder} ({periods} sign-outs) over {events} events (CLI)"),
        format!("{:.0} ms", best.as_secs_f64() * 1000.0),
        "150 ms",
    );
    Ok(())
}

/// A new desk joining: everything the trust has, pulled and applied.
fn new_desk_figure(admin_url: &str, work: &Path, entries: i64) -> Result<()> {
    let url = server::add_desk(admin_url, "newcomer")?;
    let path = work.join("newcomer.db");
    let mut ledger = Ledger::create_to_join(&path, Arc::new(SystemClock))?;
    let mut credentials = Credentials {
        url,
        last_push: None,
        pushed_head: 0,
        last_synced: None,
    };
    let start = Instant::now();
    let mut client = sync::connect(&credentials.url)?;
    let (_, pulled) = sync::round(&mut ledger, &mut client, &mut credentials, &path)?;
    let took = start.elapsed();
    ensure!(
        pulled.received as i64 == entries,
        "the newcomer received {} of {entries}",
        pulled.received
    );
    let per_million = took.as_secs_f64() * 1_000_000.0 / entries as f64;
    row(
        &format!("a new desk pulling {entries} entries"),
        format!("{} ({per_million:.0} s/M)", secs(took)),
        "60 s per 1,000,000",
    );
    Ok(())
}

/// Durable sign-outs on disk at one desk while its sync thread keeps syncing, each round
/// bringing what another desk recorded meanwhile: the median and the slowest sign-out.
fn sign_out_while_syncing(admin_url: &str, school: &Desk) -> Result<()> {
    // A term of 50 desks is about three entries a minute across the trust; a round here
    // brings more than three times that, and rounds run back to back, not once a minute.
    const PER_ROUND: usize = 10;
    let disk = PathBuf::from("bench-data/trust-sim-desk.db");
    let busy_path = disk.with_file_name("trust-sim-busy.db");
    let remove = |path: &Path| {
        for suffix in ["", "-wal", "-shm", ".sync"] {
            let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
        }
    };
    remove(&disk);
    remove(&busy_path);
    school.ledger.backup_to(&disk)?;
    let joined = school.credentials.clone();
    joined.write(&disk)?;
    let clock = FixedClock::new(school.clock.now());
    let mut ledger = Ledger::open(&disk, clock.clone())?;
    ledger.operator_sign_in(ADMIN, PASSWORD, SignInAt::Desk)?;

    // Another desk, made and caught up first; then this desk's sync thread: rounds back to back
    // while the desk works, each bringing what the other desk recorded meanwhile.
    let url = server::add_desk(admin_url, "busy-minute")?;
    let mut busy = Ledger::create_to_join(&busy_path, clock.clone())?;
    let mut busy_credentials = Credentials {
        url,
        last_push: None,
        pushed_head: 0,
        last_synced: None,
    };
    let mut busy_client = sync::connect(&busy_credentials.url)?;
    sync::round(&mut busy, &mut busy_client, &mut busy_credentials, &busy_path)?;
    busy.operator_sign_in(ADMIN, PASSWORD, SignInAt::Desk)?;
    let done = Arc::new(std::sync::atomic::AtomicBool::new(false));
    let rounds = Arc::new(std::sync::atomic::AtomicU32::new(0));
    let syncing = {
        let (disk, busy_path, clock, done, rounds) = (
            disk.clone(),
            busy_path.clone(),
            clock.clone(),
            done.clone(),
            rounds.clone(),
        );
        std::thread::spawn(move || -> Result<Duration> {
            let mut desk = Ledger::open(&disk, clock)?;
            desk.operator_sign_in(ADMIN, PASSWORD, SignInAt::Desk)?;
            let mut credentials = Credentials::read(&disk)?.context("joined")?;
            let mut client = sync::connect(&credentials.url)?;
            let (mut slowest, mut n) = (Duration::ZERO, 0);
            while !done.load(std::sync::atomic::Ordering::Relaxed) {
                for _ in 0..PER_ROUND {
                    busy.add_person(&format!("BUSY-{n:05}"), "Busy minute", None)?;
                    n += 1;
                }
                sync::round(&mut busy, &mut busy_client, &mut busy_credentials, &busy_path)?;
                let start = Instant::now();
                sync::round(&mut desk, &mut client, &mut credentials, &disk)?;
                slowest = slowest.max(start.elapsed());
                rounds.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            }
            Ok(slowest)
        })
    };
    let free: Vec<String> = ledger
        .items()?
        .into_iter()
        .filter(|r| r.state.status == custody_db::Status::In && r.item.tag.starts_with("S00"))
        .map(|r| r.item.tag)
        .collect();
    let mut took = Vec::new();
    let enough = |took: &Vec<Duration>| took.len() >= 60 && rounds.load(std::sync::atomic::Ordering::Relaxed) >= 10;
    for tag in &free {
        if enough(&took) {
            break;
        }
        let start = Instant::now();
        ledger.sign_out(&SignOut {
            items: vec![tag.clone()],
            to: "P00-000".into(),
            acknowledge_warnings: true,
            ..SignOut::default()
        })?;
        took.push(start.elapsed());
        std::thread::sleep(Duration::from_millis(15));
    }
    done.store(true, std::sync::atomic::Ordering::Relaxed);
    let slowest = syncing
        .join()
        .map_err(|_| anyhow::anyhow!("the sync thread stopped"))??;
    let rounds = rounds.load(std::sync::atomic::Ordering::Relaxed);
    took.sort();
    let ms = |d: Duration| format!("{:.1}", d.as_secs_f64() * 1000.0);
    row(
        &format!(
            "durable sign-out during {rounds} rounds of {PER_ROUND} (<= {} ms) (median, max)",
            slowest.as_millis()
        ),
        format!("{}, {} ms", ms(took[took.len() / 2]), ms(took[took.len() - 1])),
        "10 ms",
    );
    drop(ledger);
    remove(&disk);
    remove(&busy_path);
    Ok(())
}
