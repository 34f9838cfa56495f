//! `custody server init|add-desk|add-auditor|desks` (run by whoever looks after the trust's PostgreSQL) and
//! `custody sync [join URL | status]` (run at a desk).

use std::io::Write;

use anyhow::{Context as _, Result, bail};
use clap::{Args, Subcommand};
use custody_db::Action;

use crate::context::Context;
use crate::sync::credentials::Credentials;
use crate::sync::{self, pull, push, server};

#[derive(Debug, Subcommand)]
pub enum ServerCommand {
    /// Make Custody's schema on the server (safe to run again)
    Init(ServerUrl),
    /// Add a desk: makes its login role and prints, last, the URL the desk joins with
    AddDesk {
        /// A name for the desk: letters, digits, '-' and '_'
        name: String,
        #[command(flatten)]
        server: ServerUrl,
    },
    /// Every desk: its last push and its chain's head on the server
    Desks(ServerUrl),
    /// Add an auditor's login: it may read the server's views (the trust's records and figures)
    /// and nothing else. Prints, last, the URL they connect with
    AddAuditor {
        /// A name for the auditor: letters, digits, '-' and '_'
        name: String,
        #[command(flatten)]
        server: ServerUrl,
    },
}

#[derive(Debug, Args)]
pub struct ServerUrl {
    /// The server's administrator URL (postgres://user:password@host:port/database)
    #[arg(long, env = "CUSTODY_SERVER_URL", value_name = "URL")]
    url: String,
}

#[derive(Debug, Args)]
pub struct SyncArgs {
    #[command(subcommand)]
    command: Option<SyncCommand>,
}

#[derive(Debug, Subcommand)]
pub enum SyncCommand {
    /// Join this desk to the trust's server with the URL `custody server add-desk` printed, and push
    Join { url: String },
    /// The last push, what waits to be sent, and the server's head for this desk
    Status,
    /// Bring back the entries a forced restore left only in the file it kept aside
    Recover {
        /// The file the restore kept aside (`custody restore` and `sync status` name it)
        file: std::path::PathBuf,
    },
}

pub fn server(cmd: ServerCommand, out: &mut dyn Write) -> Result<()> {
    match cmd {
        ServerCommand::Init(s) => {
            server::init(&s.url)?;
            writeln!(out, "The Custody schema is ready on {}.", sync::redact(&s.url))?;
        }
        ServerCommand::AddAuditor { name, server: s } => {
            let url = server::add_auditor(&s.url, &name)?;
            writeln!(
                out,
                "Added the auditor {name}: this login reads the server's views and nothing else. Connect with (keep it secret):"
            )?;
            writeln!(out, "{url}")?;
        }
        ServerCommand::AddDesk { name, server: s } => {
            let url = server::add_desk(&s.url, &name)?;
            writeln!(out, "Added the desk {name}. On that desk, join with (keep it secret):")?;
            writeln!(out, "{url}")?;
        }
        ServerCommand::Desks(s) => {
            let desks = server::desks(&s.url)?;
            if desks.is_empty() {
                writeln!(out, "No desks yet: add one with `custody server add-desk NAME`.")?;
            }
            for d in desks {
                let pushed = d.last_push.map_or("never pushed".to_string(), |at| {
                    format!("last push {}", at.format("%Y-%m-%d %H:%M UTC"))
                });
                let head = match &d.head_hash {
                    Some(hash) => format!("head {} ({})", d.head, hex12(hash)),
                    None => "no entries".to_string(),
                };
                writeln!(out, "{}  {}  {pushed}  {head}", d.name, d.login)?;
            }
        }
    }
    Ok(())
}

pub fn run(args: SyncArgs, ctx: &Context, out: &mut dyn Write) -> Result<()> {
    match args.command {
        Some(SyncCommand::Join { url }) if !ctx.path.exists() => join_new_desk(ctx, &url, out)?,
        Some(SyncCommand::Join { url }) => {
            let ledger = &mut super::open(ctx)?;
            ledger.allow(Action::JoinServer)?;
            if let Some(joined) = Credentials::read(&ctx.path)?
                && joined.url != url
            {
                bail!(
                    "this desk has already joined {}; it keeps to one server. Nothing was changed.",
                    sync::redact(&joined.url)
                );
            }
            // Kept only once a push has worked, so a mistyped URL or a refused desk leaves no
            // trace (joining again after a push cut short goes on from the server's head).
            let mut client = sync::connect(&url)?;
            let mut credentials = Credentials {
                url,
                last_push: None,
                pushed_head: 0,
                last_synced: None,
            };
            let (pushed, pulled) = sync::round(ledger, &mut client, &mut credentials, &ctx.path)?;
            writeln!(
                out,
                "Joined {}. Pushed {} entries; the server has this desk's chain up to entry {}.",
                sync::redact(&credentials.url),
                pushed.sent,
                pushed.head
            )?;
            say_pulled(pulled, out)?;
            say_root(ledger, out)?;
        }
        None => {
            let ledger = &mut super::open(ctx)?;
            ledger.allow(Action::Sync)?;
            let mut credentials = joined(ctx)?;
            let mut client = sync::connect(&credentials.url)?;
            let (pushed, pulled) = sync::round(ledger, &mut client, &mut credentials, &ctx.path)?;
            writeln!(
                out,
                "Synced: pushed {} entries; the server has this desk's chain up to entry {}.",
                pushed.sent, pushed.head
            )?;
            say_pulled(pulled, out)?;
        }
        Some(SyncCommand::Recover { file }) => {
            let ledger = &mut super::open(ctx)?;
            let recovered = ledger.recover(&file)?;
            writeln!(
                out,
                "Recovered {} entries from {}: each recorded again, naming the entry it recovers.",
                recovered.recovered,
                file.display()
            )?;
            for left in &recovered.left {
                writeln!(out, "Not recovered: {left}.")?;
            }
        }
        Some(SyncCommand::Status) => {
            let ledger = &mut super::open(ctx)?;
            ledger.allow(Action::Sync)?;
            let credentials = joined(ctx)?;
            let (local, _) = ledger.head()?;
            writeln!(out, "Server: {}", sync::redact(&credentials.url))?;
            if let Some(stranded) = ledger.stranded()? {
                writeln!(out, "{}", say_stranded(&stranded))?;
            }
            writeln!(
                out,
                "Last push: {}",
                credentials.last_push.as_deref().unwrap_or("never")
            )?;
            writeln!(
                out,
                "Last sync (sent and received): {}",
                credentials
                    .last_synced
                    .map_or("never".to_string(), |at| ledger.format_time(at))
            )?;
            if let Some(warning) = credentials
                .last_synced
                .map(|at| ledger.unsynced_warning(at))
                .transpose()?
                .flatten()
            {
                writeln!(out, "{warning}")?;
            }
            let (received, desks) = ledger.remote_counts()?;
            writeln!(out, "Held from other desks: {received} entries from {desks} desks.")?;
            match sync::connect(&credentials.url).and_then(|mut c| {
                let desk = uuid::Uuid::parse_str(ledger.desk_id())?;
                Ok((push::server_head(&mut c, desk)?, pull::others_on_server(&mut c, desk)?))
            }) {
                Ok(((head, _), others)) => {
                    writeln!(
                        out,
                        "The server's head for this desk: entry {head} (this desk: {local})."
                    )?;
                    writeln!(out, "Waiting to be pushed: {} entries.", (local - head).max(0))?;
                    writeln!(
                        out,
                        "Waiting to be received: {} entries from other desks.",
                        (others - received).max(0)
                    )?;
                }
                Err(e) => {
                    writeln!(out, "The server cannot be reached now ({e:#}).")?;
                    writeln!(
                        out,
                        "Waiting to be pushed: {} entries (since the last push).",
                        (local - credentials.pushed_head).max(0)
                    )?;
                }
            }
        }
    }
    Ok(())
}

/// A new desk's database, made by joining: the trust's operators, register, settings and
/// ledger received into a new file. If the round fails, the file goes again (nothing half-made
/// is left to be mistaken for a desk).
fn join_new_desk(ctx: &Context, url: &str, out: &mut dyn Write) -> Result<()> {
    let mut client = sync::connect(url)?;
    let mut ledger = ctx.create_to_join()?;
    let mut credentials = Credentials {
        url: url.to_string(),
        last_push: None,
        pushed_head: 0,
        last_synced: None,
    };
    // Nobody works at a desk being made: its pull may keep larger batches.
    let made = sync::round_pulling(
        &mut ledger,
        &mut client,
        &mut credentials,
        &ctx.path,
        sync::pull::JOINING_BATCH,
    );
    let Ok((_, pulled)) = made else {
        drop(ledger);
        for suffix in ["", "-wal", "-shm", ".sync"] {
            let _ = std::fs::remove_file(format!("{}{suffix}", ctx.path.display()));
        }
        return made.map(|_| ()).context("the new desk's database was not kept");
    };
    writeln!(
        out,
        "Made this desk's database {} from the trust's server {}.",
        ctx.path.display(),
        sync::redact(url)
    )?;
    say_pulled(pulled, out)?;
    say_root(&ledger, out)?;
    if !ledger.has_operators()? {
        writeln!(
            out,
            "The trust has no operators yet: join a desk that has its administrator first, then sync this one."
        )?;
    } else {
        writeln!(out, "The trust's operators sign in here with their own passwords.")?;
    }
    Ok(())
}

/// Confirmed entries a forced restore left only in the kept file, and how to bring them back.
pub fn say_stranded(stranded: &custody_db::Stranded) -> String {
    format!("{stranded}: `custody sync recover {}`.", stranded.kept.display())
}

/// The trust's root key, as this desk now holds to it, for the DPO to check against paper.
fn say_root(ledger: &custody_db::Ledger, out: &mut dyn Write) -> Result<()> {
    if let Some(root) = ledger.root_fingerprint()? {
        writeln!(
            out,
            "The trust's root key: {root}. Check it against the one your DPO keeps on paper."
        )?;
    }
    Ok(())
}

fn say_pulled(pulled: pull::Pulled, out: &mut dyn Write) -> Result<()> {
    writeln!(
        out,
        "Received {} entries from the other {} desks.",
        pulled.received, pulled.desks
    )?;
    if pulled.conflicts > 0 {
        writeln!(
            out,
            "{} items are in conflict: desks recorded moves that cannot both be true. `custody conflicts` lists them.",
            pulled.conflicts
        )?;
    }
    Ok(())
}

fn joined(ctx: &Context) -> Result<Credentials> {
    Credentials::read(&ctx.path)?.ok_or_else(|| {
        anyhow::anyhow!(
            "this desk has not joined a server: an administrator joins it with `custody sync join URL` (the URL `custody server add-desk` printed)"
        )
    })
}

fn hex12(hash: &[u8]) -> String {
    hash.iter().take(6).map(|b| format!("{b:02x}")).collect()
}
