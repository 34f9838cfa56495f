//! `custody init` and `custody demo`: a new database, empty or with demo data.

use std::io::Write;

use anyhow::Result;
use clap::Args;
use custody_db::demo::{self, DemoOptions};

use crate::context::Context;

#[derive(Debug, Args)]
pub struct InitArgs {
    /// The organisation's name, printed on labels and reports
    #[arg(long)]
    org: Option<String>,
    /// The first administrator's operator id (their password is read from --password-file, or
    /// asked twice on the terminal)
    #[arg(long, value_name = "ID", default_value = "admin")]
    admin: String,
    /// The first administrator's name
    #[arg(long, value_name = "TEXT", default_value = "Administrator")]
    admin_name: String,
}

#[derive(Debug, Args)]
pub struct DemoArgs {
    #[arg(long, default_value_t = 400)]
    items: u32,
    #[arg(long, default_value_t = 120)]
    people: u32,
    /// Days of history, ending now
    #[arg(long, default_value_t = 365)]
    days: u32,
    /// Same seed, same data
    #[arg(long, default_value_t = 7)]
    seed: u64,
}

/// A new database and its first administrator. The password is asked before the file is made,
/// so a mistyped one leaves nothing behind.
pub fn init(args: InitArgs, ctx: &Context, out: &mut dyn Write) -> Result<()> {
    let admin = custody_db::operator::normalise_operator_id(&args.admin)?;
    if ctx.path.exists() {
        return Err(custody_db::Error::AlreadyExists(ctx.path.clone()).into());
    }
    ctx.prepare_default_folder()?;
    if ctx
        .path
        .parent()
        .is_some_and(|dir| !dir.as_os_str().is_empty() && !dir.is_dir())
    {
        return Err(custody_db::Error::NoFolder(ctx.path.clone()).into());
    }
    let password = crate::password::read_new(&admin, ctx.password_file.as_deref())?;
    let mut ledger = ctx.create(args.org.as_deref())?;
    if let Err(e) = ledger.add_first_admin(&admin, &args.admin_name, &password) {
        drop(ledger);
        custody_db::storage::remove_database_files(&ctx.path);
        return Err(e.into());
    }
    writeln!(out, "Created a new Custody database at {}.", ctx.path.display())?;
    writeln!(
        out,
        "Its administrator is {admin}: sign in with that id and the password just given."
    )?;
    if let Some(root) = ledger.root_fingerprint()? {
        writeln!(
            out,
            "The ledger's root key is {root}. Write it down and keep it with the Data Protection Officer: every report names it, and verify checks each entry's signature back to it."
        )?;
    }
    writeln!(
        out,
        "Next: add operators with `custody operator add`, items with `custody item add` and people with `custody person add`."
    )?;
    Ok(())
}

/// Fills a new (or empty) database; a new file that could not be filled is removed again.
pub fn demo(args: DemoArgs, ctx: &Context, out: &mut dyn Write) -> Result<()> {
    let created = !ctx.path.exists();
    let mut ledger = if created {
        ctx.create(Some("Demo Academy Trust"))?
    } else {
        super::open(ctx)?
    };
    let DemoArgs {
        items,
        people,
        days,
        seed,
    } = args;
    let summary = demo::fill(
        &mut ledger,
        &DemoOptions {
            items,
            people,
            days,
            seed,
        },
    );
    if summary.is_err() && created {
        drop(ledger);
        custody_db::storage::remove_database_files(&ctx.path);
    }
    let s = summary?;
    writeln!(
        out,
        "Filled {} with demo data: {} items, {} people, {} events over {days} days; {} out now ({} overdue), {} lost, {} stolen.",
        ctx.path.display(),
        s.items,
        s.people,
        s.events,
        s.out_now,
        s.overdue,
        s.lost,
        s.stolen
    )?;
    writeln!(
        out,
        "Demo operators, all with the password \"{}\": {}.",
        demo::DEMO_PASSWORD,
        demo::DEMO_OPERATORS
            .iter()
            .map(|(id, _, role)| format!("{id} ({role})"))
            .collect::<Vec<_>>()
            .join(", ")
    )?;
    writeln!(
        out,
        "The office manager ({}) is on the people register too, so may authorise a paper file's removal (R1).",
        demo::DEMO_AUTHORISER.0
    )?;
    Ok(())
}
