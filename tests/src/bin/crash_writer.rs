//! A writer for the crash and concurrency tests: signs items out and in on the database it is
//! given, and now and then changes an item's record, printing `seq kind tag` after each commit,
//! until it is killed, or until it has recorded COUNT entries when a count is given.
//! Usage: crash_writer DB SEED [COUNT]

use std::io::Write;
use std::sync::Arc;

use custody_db::{Error, ItemEdit, Ledger, SignOut, Status, SystemClock};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let path = args.next().ok_or("usage: crash_writer DB SEED")?;
    let seed: u64 = args.next().and_then(|s| s.parse().ok()).unwrap_or(1);
    let count: Option<u64> = args.next().and_then(|s| s.parse().ok());
    let mut rng = fastrand::Rng::with_seed(seed);
    let mut ledger = Ledger::open(path.as_ref(), Arc::new(SystemClock))?;
    ledger.operator_sign_in(
        custody_tests::OPERATOR,
        custody_tests::PASSWORD,
        custody_db::SignInAt::CommandLine,
    )?;
    let tags: Vec<String> = ledger.items()?.into_iter().map(|r| r.item.tag).collect();
    let people: Vec<String> = ledger.people()?.into_iter().map(|r| r.person.id).collect();
    let mut out = std::io::stdout().lock();
    let mut written = 0;
    while count.is_none_or(|count| written < count) {
        let tag = &tags[rng.usize(..tags.len())];
        if rng.u32(..8) == 0 {
            // Now and then a change to the register: a record in the same chain.
            let edit = ItemEdit {
                data_subjects: Some(rng.u32(..500)),
                ..ItemEdit::default()
            };
            let done = ledger.edit_item(tag, &edit, Some("crash test"))?;
            if let Some(seq) = done.seq {
                writeln!(out, "{seq} item-changed {tag}")?;
                out.flush()?;
                written += 1;
            }
            continue;
        }
        let result = if ledger.state(tag)?.status == Status::Out {
            ledger
                .sign_in(std::slice::from_ref(tag), None, None)
                .map(|mut r| r.remove(0).event)
        } else {
            let req = SignOut {
                items: vec![tag.clone()],
                to: people[rng.usize(..people.len())].clone(),
                acknowledge_warnings: true,
                ..SignOut::default()
            };
            ledger.sign_out(&req).map(|mut e| e.remove(0))
        };
        let event = match result {
            Ok(event) => event,
            // Another writer moved the item first: a normal refusal, try another.
            Err(e @ (Error::Storage(_) | Error::Io(_) | Error::DiskFull | Error::ReadOnly | Error::WriteFailed(_))) => {
                return Err(e.into());
            }
            Err(_) => continue,
        };
        // Reported only after the commit returned: this line is a promise the test checks.
        writeln!(out, "{} {} {}", event.seq, event.kind, event.item)?;
        out.flush()?;
        written += 1;
    }
    Ok(())
}
