//! Measures the ledger's budgets on a demo database; `scripts/bench` runs it.
//! Usage: ledger_bench DEMO.db   (the file is changed: give it a copy)

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use custody_db::{HomeWorking, ItemKind, Ledger, SignOut, Status, SystemClock};

fn median(mut samples: Vec<Duration>) -> Duration {
    samples.sort();
    samples[samples.len() / 2]
}

fn ms(d: Duration) -> String {
    format!("{:.3} ms", d.as_secs_f64() * 1000.0)
}

fn row(what: &str, figure: String, budget: &str) {
    println!("{what:<48} {figure:>12}   budget {budget}");
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let path = PathBuf::from(std::env::args().nth(1).ok_or("usage: ledger_bench DEMO.db")?);

    let opens: Vec<Duration> = (0..7)
        .map(|_| {
            let start = Instant::now();
            let ledger = Ledger::open(&path, Arc::new(SystemClock));
            let took = start.elapsed();
            drop(ledger);
            took
        })
        .collect();
    let mut ledger = Ledger::open(&path, Arc::new(SystemClock))?;
    let signing_in = Instant::now();
    ledger.operator_sign_in("admin", custody_db::demo::DEMO_PASSWORD, custody_db::SignInAt::Desk)?;
    let signed_in = signing_in.elapsed();
    let (items, people, entries) = ledger.counts()?;
    println!("database: {items} items, {people} people, {entries} ledger entries\n");
    row("open with its checks (median of 7)", ms(median(opens)), "300 ms");
    row(
        "operator sign-in at the desk (Argon2id, OWASP minimum; recorded)",
        ms(signed_in),
        "300 ms",
    );

    let rows = ledger.items()?;
    let tags: Vec<String> = rows
        .iter()
        // Laptops with 50+ people's data: R5 applies, so the rules must count earlier occasions.
        .filter(|r| r.state.status == Status::In && r.item.kind == ItemKind::Laptop && r.item.data_subjects >= 50)
        .take(200)
        .map(|r| r.item.tag.clone())
        .collect();
    let holder = ledger.people()?.first().ok_or("no people")?.person.id.clone();

    let mut states = Vec::new();
    for row in rows.iter().step_by(rows.len() / 500 + 1) {
        let start = Instant::now();
        ledger.state(&row.item.tag)?;
        states.push(start.elapsed());
    }
    row("current state of one item (median)", ms(median(states)), "1 ms");

    let mut outs = Vec::new();
    let mut count = 0;
    for _ in 0..5 {
        let start = Instant::now();
        count = ledger.out_now()?.len();
        outs.push(start.elapsed());
    }
    row(
        &format!("status: all {count} items out (median of 5)"),
        ms(median(outs)),
        "100 ms for 5,000",
    );

    // The busiest borrower (demo borrowing is skewed towards the first people), with a register
    // in order so that the rules let the sign-outs through.
    let today = ledger.now().date_naive();
    let current = HomeWorking {
        agreement_signed: Some(today - chrono::Duration::days(30)),
        agreement_review: Some(today + chrono::Duration::days(300)),
        assessment_done: Some(today - chrono::Duration::days(30)),
        assessment_review: Some(today + chrono::Duration::days(300)),
        assessment_ref: None,
        training: Some(today - chrono::Duration::days(30)),
    };
    ledger.set_person_active(&holder, true)?;
    ledger.update_home_working(&holder, &current)?;
    writes(&mut ledger, &path, &tags, &holder)?;
    reports(&ledger, &path)?;
    whole_file(&ledger, &path)?;
    stocktake(&mut ledger)?;
    moving_in(&path.with_extension("moving-in.db"))
}

/// The writes a desk makes: the rules checked, sign-outs, profile changes, an import.
fn writes(ledger: &mut Ledger, path: &Path, tags: &[String], holder: &str) -> Result<(), Box<dyn std::error::Error>> {
    let request = |tag: &str| SignOut {
        items: vec![tag.to_string()],
        to: holder.to_string(),
        acknowledge_warnings: true,
        ..SignOut::default()
    };

    let mut checks = Vec::new();
    for tag in &tags[..tags.len().min(100)] {
        let start = Instant::now();
        ledger.check_sign_out(&request(tag))?;
        checks.push(start.elapsed());
    }
    row(
        "checking the rules for a sign-out (median of 100)",
        ms(median(checks)),
        "5 ms",
    );

    let mut sign_outs = Vec::new();
    for tag in &tags[..tags.len().min(100)] {
        let start = Instant::now();
        ledger.sign_out(&request(tag))?;
        sign_outs.push(start.elapsed());
        ledger.sign_in(std::slice::from_ref(tag), None, None)?;
    }
    let sign_out = median(sign_outs);
    row("one durable sign-out committed (median of 100)", ms(sign_out), "10 ms");
    let raw = raw_sqlite_commit(&path.with_extension("raw.db"))?;
    row(
        "  peer: one row committed by raw SQLite, same pragmas",
        ms(raw),
        &format!("(sign-out is {:.1}x)", sign_out.as_secs_f64() / raw.as_secs_f64()),
    );

    let mut edits = Vec::new();
    for (n, tag) in tags.iter().take(100).enumerate() {
        let edit = custody_db::ItemEdit {
            data_subjects: Some(60 + n as u32),
            ..custody_db::ItemEdit::default()
        };
        let start = Instant::now();
        ledger.edit_item(tag, &edit, Some("bench"))?;
        edits.push(start.elapsed());
    }
    row(
        "one profile change recorded (median of 100)",
        ms(median(edits)),
        "10 ms",
    );

    let mut csv = String::from("tag,kind,name,serial,encrypted,data_subjects\n");
    for n in 0..10_000 {
        csv.push_str(&format!(
            "IMP-{n:05},laptop,Imported laptop {n},SN{n:08},yes,{}\n",
            n % 300
        ));
    }
    let start = Instant::now();
    let imported = ledger.import_items(csv.as_bytes(), false, false)?;
    let took = start.elapsed();
    row(
        &format!("importing {} items from CSV", imported.rows),
        ms(took),
        "2000 ms",
    );

    Ok(())
}

/// The reports: exposure lookups and the overdue report.
fn reports(ledger: &Ledger, path: &Path) -> Result<(), Box<dyn std::error::Error>> {
    let week_end = ledger.now();
    let mut lookups = Vec::new();
    for person in ledger.people()?.iter().take(20) {
        let who = custody_db::Custodian::Holder(person.person.id.clone());
        let start = Instant::now();
        ledger.exposure(&who, week_end - chrono::Duration::days(7), week_end)?;
        lookups.push(start.elapsed());
    }
    row(
        "exposure of one holder over a week (median of 20)",
        ms(median(lookups)),
        "50 ms",
    );

    // The busiest holder over 30 days (demo borrowing is skewed towards the first people).
    let month_end = ledger.now();
    let month = month_end - chrono::Duration::days(30);
    let mut busiest = (0usize, String::new());
    for person in ledger.people()?.iter().take(30) {
        let who = custody_db::Custodian::Holder(person.person.id.clone());
        let items = ledger.exposure(&who, month, month_end)?.items.len();
        if items > busiest.0 {
            busiest = (items, person.person.id.clone());
        }
    }
    let who = custody_db::Custodian::Holder(busiest.1.clone());
    let mut lookups = Vec::new();
    for _ in 0..5 {
        let start = Instant::now();
        ledger.exposure(&who, month, month_end)?;
        lookups.push(start.elapsed());
    }
    row(
        &format!("exposure: busiest holder, 30 days, {} items", busiest.0),
        ms(median(lookups)),
        "(whole process below)",
    );
    // For the command-line run that scripts/bench times as a whole process.
    std::fs::write(path.with_extension("busiest-holder"), &busiest.1)?;

    let mut reports = Vec::new();
    for _ in 0..5 {
        let start = Instant::now();
        let report = ledger.overdue(ledger.now())?;
        std::hint::black_box(report.overdue.len());
        reports.push(start.elapsed());
    }
    row("overdue report as of now (median of 5)", ms(median(reports)), "200 ms");
    let mut reports = Vec::new();
    for _ in 0..3 {
        let start = Instant::now();
        ledger.overdue(ledger.now() - chrono::Duration::days(7))?;
        reports.push(start.elapsed());
    }
    row(
        "overdue report as of a week ago (median of 3)",
        ms(median(reports)),
        "500 ms",
    );

    Ok(())
}

/// What reads the whole file: opening after a crash, verify, a backup.
fn whole_file(ledger: &Ledger, path: &Path) -> Result<(), Box<dyn std::error::Error>> {
    // A crash image: the file and its write-ahead log copied while this ledger has them open.
    let crashed = path.with_extension("crashed.db");
    std::fs::copy(path, &crashed)?;
    std::fs::copy(format!("{}-wal", path.display()), format!("{}-wal", crashed.display()))?;
    let start = Instant::now();
    let reopened = Ledger::open(&crashed, Arc::new(SystemClock))?;
    let took = start.elapsed();
    drop(reopened);
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", crashed.display()));
    }
    row(
        "opening after an unclean shutdown (with its check)",
        ms(took),
        "2000 ms",
    );

    let start = Instant::now();
    let report = ledger.verify()?;
    let verify = format!("{:.2} s", start.elapsed().as_secs_f64());
    row(&format!("verify (intact: {})", report.is_intact()), verify, "15 s");

    let copy = path.with_extension("backup.db");
    let _ = std::fs::remove_file(&copy);
    let start = Instant::now();
    ledger.backup_to(&copy)?;
    let took = format!("{:.2} s", start.elapsed().as_secs_f64());
    std::fs::remove_file(&copy)?;
    row("a backup of it (backup API, one snapshot)", took, "10 s");
    Ok(())
}

/// A stocktake of the kind with nearest 5,000 items on the premises: every one scanned (each
/// scan a durable record), some seen twice, some that are out, then finished with its report.
fn stocktake(ledger: &mut Ledger) -> Result<(), Box<dyn std::error::Error>> {
    use custody_db::stocktake::Scope;
    let rows = ledger.items()?;
    let here = |kind: ItemKind| {
        rows.iter()
            .filter(|r| r.item.kind == kind && r.state.status == Status::In)
            .count()
    };
    let kind = ItemKind::ALL
        .into_iter()
        .min_by_key(|k| here(*k).abs_diff(5_000))
        .ok_or("no kinds")?;
    let st = ledger.start_stocktake(Scope::Kind(kind))?;
    let away: Vec<String> = rows
        .iter()
        .filter(|r| r.item.kind == kind && r.state.status == Status::Out)
        .take(20)
        .map(|r| r.item.tag.clone())
        .collect();
    let mut scans = Vec::new();
    let twice = st.expected.iter().step_by(100).cloned();
    for tag in st.expected.iter().cloned().chain(away).chain(twice) {
        let start = Instant::now();
        ledger.stocktake_scan(Some(&st.id), &tag)?;
        scans.push(start.elapsed());
    }
    let mut sorted = scans.clone();
    sorted.sort();
    let p99 = sorted[sorted.len() * 99 / 100];
    let worst = sorted.last().copied().unwrap_or_default();
    row(
        &format!("stocktake of {} {kind}s: one scan (median)", st.expected.len()),
        ms(median(scans)),
        "20 ms",
    );
    row("stocktake: one scan (99th percentile)", ms(p99), "20 ms");
    // A commit that falls on SQLite's automatic checkpoint copies the log back into the file.
    row("stocktake: the slowest scan", ms(worst), "20 ms");
    let start = Instant::now();
    let report = ledger.finish_stocktake(Some(&st.id))?;
    row(
        &format!("stocktake finished: report of {} lines", report.lines.len()),
        ms(start.elapsed()),
        "1000 ms",
    );
    Ok(())
}

/// Day one at a large trust: a Snipe-IT users export of 10,000 people, then an asset export of
/// 50,000 assets of which 10,000 are checked out (opening custody), into a new database.
fn moving_in(path: &std::path::Path) -> Result<(), Box<dyn std::error::Error>> {
    custody_db::storage::remove_database_files(path);
    let mut ledger = Ledger::create(path, Some("Bench Trust"), Arc::new(SystemClock))?;
    ledger.use_hashing(custody_db::Hashing::cheap_for_tests());
    ledger.add_first_admin("bench", "Bench", "bench-password-1")?;
    let mut users = String::from("First Name,Last Name,Email,Username,Activated,Employee Number,End Date\n");
    for n in 0..10_000 {
        users.push_str(&format!("First{n},Last{n},user{n}@example.org,user{n},TRUE,,\n"));
    }
    let mut assets = String::from(
        "Name,Asset Tag,Category,Checkout Type,Checked Out To: Username,Checked Out To: Email,Last Checkout,Expected Checkin\n",
    );
    for n in 0..50_000 {
        let checkout = if n % 5 == 0 {
            let user = n / 5;
            format!(
                "User,user{user},user{user}@example.org,2026-09-{:02} 08:30,",
                1 + n % 28
            )
        } else {
            ",,,,".to_string()
        };
        assets.push_str(&format!("Laptop {n},AS-{n:05},Laptops,{checkout}\n"));
    }
    let start = Instant::now();
    let people = ledger.import_people(users.as_bytes(), false)?;
    let items = ledger.import_items(assets.as_bytes(), false, false)?;
    let took = start.elapsed();
    row(
        &format!(
            "moving in: {} people, {} assets, {} check-outs",
            people.rows, items.rows, items.custody_events
        ),
        format!("{:.2} s", took.as_secs_f64()),
        "10 s",
    );
    drop(ledger);
    custody_db::storage::remove_database_files(path);
    Ok(())
}

/// The peer for a commit: one row inserted and committed by SQLite itself, with the pragmas
/// Custody uses (WAL, synchronous=FULL), in a file beside the database. Median of 100.
fn raw_sqlite_commit(path: &std::path::Path) -> Result<Duration, Box<dyn std::error::Error>> {
    let _ = std::fs::remove_file(path);
    let conn = rusqlite::Connection::open(path)?;
    conn.execute_batch(
        "PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL;
         CREATE TABLE t (seq INTEGER PRIMARY KEY, body TEXT NOT NULL);",
    )?;
    let mut commits = Vec::new();
    for n in 0..100 {
        let start = Instant::now();
        conn.execute_batch("BEGIN IMMEDIATE")?;
        conn.execute(
            "INSERT INTO t (seq, body) VALUES (?1, 'a sign-out of about this size')",
            [n],
        )?;
        conn.execute_batch("COMMIT")?;
        commits.push(start.elapsed());
    }
    drop(conn);
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
    }
    Ok(median(commits))
}
