//! `custody`: with no command the desk app, else one command of the command line.

use std::process::ExitCode;

use clap::Parser;

/// Exit codes: 0 done; 1 refused or bad input; 2 usage (clap); 3 refused by a policy rule.
fn main() -> ExitCode {
    let cli = custody::cli::Cli::parse();
    let mut stdout = std::io::stdout().lock();
    match custody::commands::run(cli, &mut stdout) {
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
