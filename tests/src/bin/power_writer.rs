//! The writer the power-cut harness cuts the power of: over the logging VFS, it records the
//! real mix a desk does — sign-outs of several items, sign-ins, people added, items changed,
//! backups, now and then a restore of the latest backup — and prints an acknowledgement after
//! each returns, until it is killed. A restore says `restoring BACKUP` before it starts and
//! `restored BACKUP KEPT` (where the replaced file was kept) when it is done.
//! Usage: power_writer DB LOG SEED [--weaken] [--restore]
//! `--weaken` (the control) sets the writer's connection to `synchronous=OFF`, through a switch
//! that only a test build has.

use std::io::Write;
use std::path::PathBuf;
use std::sync::Arc;

use custody_db::{ItemEdit, Ledger, SignOut, Status, SystemClock};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (path, log) = (PathBuf::from(&args[0]), PathBuf::from(&args[1]));
    let seed: u64 = args[2].parse()?;
    let weaken = args.iter().any(|a| a == "--weaken");
    let restore_soon = args.iter().any(|a| a == "--restore");
    custody_tests::power_cut::vfs::install(&log);
    let mut rng = fastrand::Rng::with_seed(seed);
    let mut out = std::io::stdout().lock();
    // A file of the previous schema is migrated here, under the power cut too.
    let mut ledger = open(&path, weaken)?;
    writeln!(out, "opened")?;
    out.flush()?;
    let tags: Vec<String> = ledger.items()?.into_iter().map(|r| r.item.tag).collect();
    let people: Vec<String> = ledger
        .people()?
        .into_iter()
        .filter(|p| p.person.active)
        .map(|r| r.person.id)
        .collect();
    let backups = path.parent().unwrap_or(std::path::Path::new(".")).join("backups");
    std::fs::create_dir_all(&backups)?;
    let mut latest_backup = None;
    for n in 0.. {
        // With --restore, the first action is a backup and the third restores it, for the
        // harness's cut to fall within a restore often.
        let pick = match n {
            0 if restore_soon => 4,
            2 if restore_soon => 5,
            _ => rng.u32(..20),
        };
        match pick {
            0 => {
                let id = format!("P{seed:04}-{n:04}");
                ledger.add_person(&id, "Power Cut", None)?;
                writeln!(out, "person {id}")?;
            }
            1..=2 => {
                let tag = &tags[rng.usize(..tags.len())];
                // A change to the register (the serial: no rule turns on it).
                let edit = ItemEdit {
                    serial: Some(Some(format!("SN-{seed}-{n}"))),
                    ..ItemEdit::default()
                };
                if let Some(seq) = ledger.edit_item(tag, &edit, Some("power cut"))?.seq {
                    writeln!(out, "record {seq} {tag}")?;
                }
            }
            3 => {
                // An import of two new items from a spreadsheet.
                let tags = [format!("IM-{seed}-{n}-A"), format!("IM-{seed}-{n}-B")];
                let csv = format!(
                    "tag,kind,name\n{},laptop,Imported\n{},chromebook,Imported\n",
                    tags[0], tags[1]
                );
                let report = ledger.import_items(csv.as_bytes(), false, true)?;
                writeln!(out, "import {}", report.added.join(" "))?;
            }
            4 => {
                let target = backups.join(format!("backup-{seed}-{n}.db"));
                ledger.backup_to(&target)?;
                writeln!(out, "backup {}", target.display())?;
                latest_backup = Some(target);
            }
            5 if (restore_soon || rng.u8(..4) == 0)
                && let Some(backup) = &latest_backup =>
            {
                // The administrator restores the latest backup: the desk's file is closed first.
                let by = ledger.session().cloned().ok_or("the writer is signed in")?;
                drop(ledger);
                writeln!(out, "restoring {}", backup.display())?;
                out.flush()?;
                let restored = custody_db::restore(&path, backup, false, None, Arc::new(SystemClock), Some(&by))?;
                let kept = restored.kept_aside.ok_or("the replaced file is kept")?;
                writeln!(out, "restored {} {}", backup.display(), kept.display())?;
                ledger = open(&path, weaken)?;
            }
            _ => {
                // Sign-outs of several items at once, or sign-ins, as a desk does.
                let mut chosen: Vec<String> = (0..rng.usize(1..4))
                    .map(|_| tags[rng.usize(..tags.len())].clone())
                    .collect();
                chosen.sort();
                chosen.dedup();
                let out_now: Vec<String> = chosen
                    .iter()
                    .filter(|t| ledger.state(t).is_ok_and(|s| s.status == Status::Out))
                    .cloned()
                    .collect();
                let events = if out_now.is_empty() {
                    let req = SignOut {
                        items: chosen,
                        to: people[rng.usize(..people.len())].clone(),
                        acknowledge_warnings: true,
                        ..SignOut::default()
                    };
                    match ledger.sign_out(&req) {
                        Ok(events) => events,
                        // A rule refused it (the holder's paperwork): nothing written, go on.
                        Err(custody_db::Error::PolicyRefused { .. }) => continue,
                        Err(e) => return Err(e.into()),
                    }
                } else {
                    ledger
                        .sign_in(&out_now, None, None)?
                        .into_iter()
                        .map(|r| r.event)
                        .collect()
                };
                for e in events {
                    writeln!(out, "event {} {} {}", e.seq, e.kind, e.item)?;
                }
            }
        }
        // Said only after the call returned: each line is a promise the harness checks.
        out.flush()?;
    }
    Ok(())
}

/// Opens the database and signs the writer in; a new (migrated) file gets its administrator and
/// a register first, as on a desk's first day.
fn open(path: &std::path::Path, weaken: bool) -> Result<Ledger, Box<dyn std::error::Error>> {
    let mut ledger = Ledger::open(path, Arc::new(SystemClock))?;
    if ledger.has_operators()? {
        ledger.operator_sign_in(
            custody_tests::OPERATOR,
            custody_tests::PASSWORD,
            custody_db::SignInAt::CommandLine,
        )?;
    } else {
        ledger.use_hashing(custody_db::Hashing::cheap_for_tests());
        ledger.add_first_admin(custody_tests::OPERATOR, "Power cut", custody_tests::PASSWORD)?;
        custody_tests::power_cut::register(&mut ledger)?;
    }
    if weaken {
        ledger.weaken_durability_for_tests()?;
    }
    Ok(ledger)
}
