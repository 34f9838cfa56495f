//! `custody`: the command line (and, later, the desk app) over the Custody ledger.

mod cli;
mod commands;
mod export;
mod exposure;
mod incident;
mod labels;
mod output;
mod overdue;

use std::process::ExitCode;

use clap::Parser;

/// Exit codes: 0 done; 1 refused or bad input; 2 usage (clap); 3 refused by a policy rule.
fn main() -> ExitCode {
    let cli = cli::Cli::parse();
    let mut stdout = std::io::stdout().lock();
    match commands::run(cli, &mut stdout) {
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
            let rule = err
                .downcast_ref::<custody_db::Error>()
                .and_then(custody_db::Error::rule);
            ExitCode::from(if rule.is_some() { 3 } else { 1 })
        }
    }
}
