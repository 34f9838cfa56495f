//! Measures the ledger's budgets on a demo database; `scripts/bench` runs it.
//! Usage: ledger_bench DEMO.db   (the file is changed: give it a copy)

use std::path::PathBuf;
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
    ledger.set_operator("bench")?;
    let (items, people, events) = ledger.counts()?;
    println!("database: {items} items, {people} people, {events} events\n");
    row("open with its checks (median of 7)", ms(median(opens)), "300 ms");

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
    let request = |tag: &str| SignOut {
        items: vec![tag.to_string()],
        to: holder.clone(),
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
    row(
        "one durable sign-out committed (median of 100)",
        ms(median(sign_outs)),
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
    let imported = ledger.import_items(csv.as_bytes(), false)?;
    let took = start.elapsed();
    row(
        &format!("importing {} items from CSV", imported.rows),
        ms(took),
        "2000 ms",
    );

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

    let mut reports = Vec::new();
    for _ in 0..5 {
        let start = Instant::now();
        let report = ledger.overdue(ledger.now())?;
        std::hint::black_box(report.overdue.len());
        reports.push(start.elapsed());
    }
    row("overdue report as of now (median of 5)", ms(median(reports)), "200 ms");
    let start = Instant::now();
    ledger.overdue(ledger.now() - chrono::Duration::days(7))?;
    row("overdue report as of a week ago", ms(start.elapsed()), "none");

    // A crash image: the file and its write-ahead log copied while this ledger has them open.
    let crashed = path.with_extension("crashed.db");
    std::fs::copy(&path, &crashed)?;
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
    row(&format!("verify (intact: {})", report.is_intact()), verify, "10 s");

    let copy = path.with_extension("backup.db");
    let _ = std::fs::remove_file(&copy);
    let start = Instant::now();
    ledger.backup_to(&copy)?;
    let took = format!("{:.2} s", start.elapsed().as_secs_f64());
    std::fs::remove_file(&copy)?;
    row("a backup of it (backup API, one snapshot)", took, "10 s");
    Ok(())
}
