//! `custody`: with no command the desk app, else one command of the command line.

use std::process::ExitCode;

use clap::Parser;
use custody::context::{Context, GlobalArgs};
use custody::{cli, desk};

#[derive(Debug, Parser)]
#[command(
    name = "custody",
    version,
    about = "Who holds which laptop, Chromebook or paper file, since when, and until when.",
    after_help = "WHEN is 31/12/2026, 31/12/2026 14:30, 2026-12-31 or 2026-12-31 14:30 (local time), RFC 3339, now, today or tomorrow.\n\
                  Exit codes: 0 done; 1 refused or bad input (nothing written); 2 usage; 3 refused by a policy rule."
)]
struct Args {
    #[command(flatten)]
    global: GlobalArgs,
    /// With no command, the desk app opens.
    #[command(subcommand)]
    command: Option<cli::Command>,
    #[command(flatten)]
    desk: desk::launch::DeskArgs,
}

/// Exit codes: 0 done; 1 refused or bad input; 2 usage (clap); 3 refused by a policy rule.
fn main() -> ExitCode {
    let started = std::time::Instant::now();
    // Everything this program makes (the database and its logs, backups, exports, reports,
    // receipts, their folders) holds personal data: it is its owner's alone.
    #[cfg(unix)]
    rustix::process::umask(rustix::fs::Mode::from_raw_mode(0o077));
    let args = Args::parse();
    let mut stdout = std::io::stdout().lock();
    let ran = Context::from_args(&args.global).and_then(|ctx| match args.command {
        Some(command) => cli::run(command, &ctx, &mut stdout),
        None => desk::launch::run(&ctx, &args.desk, started, &mut stdout),
    });
    match ran {
        Ok(true) => ExitCode::SUCCESS,
        Ok(false) => ExitCode::from(1),
        Err(err) => {
            // A closed pipe (`custody status | head`) is not an error worth a message.
            if err
                .downcast_ref::<std::io::Error>()
                .is_some_and(|e| e.kind() == std::io::ErrorKind::BrokenPipe)
            {
                return ExitCode::SUCCESS;
            }
            eprintln!("custody: {err:#}");
            if let Some(hint) = cli::hint(&err) {
                eprintln!("hint: {hint}");
            }
            if err.downcast_ref::<cli::UsageError>().is_some() {
                return ExitCode::from(2);
            }
            let rule = err
                .downcast_ref::<custody_db::Error>()
                .and_then(custody_db::Error::rule);
            ExitCode::from(if rule.is_some() { 3 } else { 1 })
        }
    }
}
