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

pub fn init(args: InitArgs, ctx: &Context, out: &mut dyn Write) -> Result<()> {
    ctx.create(args.org.as_deref())?;
    writeln!(out, "Created a new Custody database at {}.", ctx.path.display())?;
    writeln!(
        out,
        "Next: add items with `custody item add` and people with `custody person add`."
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
    Ok(())
}
