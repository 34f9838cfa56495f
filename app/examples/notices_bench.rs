//! Measures the notices' budgets on the demo database: the preview (who is due which notice
//! now), queueing them all, and a durable sign-out while the outbox is sending to a mail server
//! that has not answered yet (a listener that accepts and says nothing: each send waits on it).
//! Usage: notices_bench DEMO.db   `scripts/bench` runs it on a copy.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use custody::mail::login::MailLogin;
use custody::mail::outbox;
use custody_db::mail::MailSettings;
use custody_db::{Ledger, SignInAt, SignOut, Status, SystemClock};

fn row(what: &str, figure: String, budget: &str) {
    println!("{what:<48} {figure:>12}   budget {budget}");
}

fn ms(d: Duration) -> String {
    format!("{:.1} ms", d.as_secs_f64() * 1000.0)
}

fn signed_in(path: &Path) -> Result<Ledger, Box<dyn std::error::Error>> {
    let mut ledger = Ledger::open(path, Arc::new(SystemClock))?;
    ledger.operator_sign_in("admin", custody_db::demo::DEMO_PASSWORD, SignInAt::CommandLine)?;
    Ok(ledger)
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let path = PathBuf::from(std::env::args().nth(1).ok_or("usage: notices_bench DEMO.db")?);
    let mut ledger = signed_in(&path)?;
    // A mail server that accepts the connection and never greets: a send in progress.
    let stalled = std::net::TcpListener::bind("127.0.0.1:0")?;
    let port = stalled.local_addr()?.port();
    std::thread::spawn(move || {
        let mut held = Vec::new();
        for connection in stalled.incoming().flatten() {
            held.push(connection);
        }
    });
    ledger.set_notices(true)?;
    let settings = MailSettings::parse(&format!("smtp://127.0.0.1:{port}"), "none", "office@demo.example", None)?;
    ledger.set_mail_settings(&settings)?;
    // Closed and opened again: an upgrade's or a long import's log is moved into the file on
    // close, as at the desk's first start, not in the middle of the figures below.
    drop(ledger);
    let mut ledger = signed_in(&path)?;

    let now = ledger.now();
    let start = Instant::now();
    let due = ledger.notices_due(now)?;
    let holders: std::collections::HashSet<&str> = due.iter().map(|n| n.holder.as_str()).collect();
    row(
        &format!("notices: preview, {} due to {} holders", due.len(), holders.len()),
        ms(start.elapsed()),
        "1 s",
    );

    // Sign-outs (and their sign-ins) while it runs: each durable before it returns.
    let tag = ledger
        .items()?
        .into_iter()
        .find(|r| r.state.status == Status::In && r.item.kind.is_device())
        .map(|r| r.item.tag)
        .ok_or("no device is in")?;
    let person = ledger
        .people()?
        .into_iter()
        .find(|p| p.person.active)
        .map(|p| p.person.id)
        .ok_or("no one active")?;
    // The first sign-out of a session reads what its rules need: done once, before the round.
    let sign_out = |ledger: &mut Ledger| -> Result<Duration, Box<dyn std::error::Error>> {
        let start = Instant::now();
        ledger.sign_out(&SignOut {
            items: vec![tag.clone()],
            to: person.clone(),
            acknowledge_warnings: true,
            ..SignOut::default()
        })?;
        let took = start.elapsed();
        ledger.sign_in(std::slice::from_ref(&tag), None, None)?;
        Ok(took)
    };
    let first = sign_out(&mut ledger)?;
    let quiet = sign_out(&mut ledger)?;
    row("durable sign-out, the session's first", ms(first), "none");
    row("durable sign-out, nothing else running", ms(quiet), "10 ms");
    // The round on its own thread and connection, as the desk runs it.
    let round_path = path.clone();
    let round = std::thread::spawn(move || -> Result<(Duration, usize), String> {
        let mut ledger = signed_in(&round_path).map_err(|e| e.to_string())?;
        let (start, now) = (Instant::now(), ledger.now());
        let done = outbox::run_round(&mut ledger, &MailLogin::default(), now).map_err(|e| e.to_string())?;
        Ok((start.elapsed(), done.queued.len()))
    });
    let mut times = Vec::new();
    while !round.is_finished() && times.len() < 200 {
        times.push(sign_out(&mut ledger)?);
        std::thread::sleep(Duration::from_millis(20));
    }
    let (took, queued) = round.join().map_err(|_| "the round panicked")??;
    times.sort();
    row(
        &format!("notices: a round queueing {queued} (server silent)"),
        ms(took),
        "none",
    );
    row(
        &format!("durable sign-out during that round, median of {}", times.len()),
        ms(times[times.len() / 2]),
        "10 ms",
    );
    row(
        "durable sign-out during that round, slowest",
        ms(times[times.len() - 1]),
        "10 ms",
    );
    Ok(())
}
