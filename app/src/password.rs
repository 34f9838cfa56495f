//! Passwords on the command line: from a file that only its owner can read (for scheduled
//! jobs), or typed on the terminal without echo. Never from an argument, which other users of
//! the computer can see in the process list.

use std::io::IsTerminal;
use std::path::Path;

use anyhow::{Result, anyhow, bail};

/// The password of `operator`, to sign in.
pub fn read(operator: &str, file: Option<&Path>) -> Result<String> {
    match file {
        Some(file) => from_file(file),
        None if std::io::stdin().is_terminal() => Ok(rpassword::prompt_password(format!("Password for {operator}: "))?),
        None => bail!(
            "signing in as {operator} needs a password: give --password-file FILE (or CUSTODY_PASSWORD_FILE), or run the command on a terminal to type it. Nothing was done."
        ),
    }
}

/// A new password for `operator`: from the file, or typed twice on the terminal.
pub fn read_new(operator: &str, file: Option<&Path>) -> Result<String> {
    match file {
        Some(file) => from_file(file),
        None if std::io::stdin().is_terminal() => {
            let first = rpassword::prompt_password(format!("New password or PIN for {operator}: "))?;
            let again = rpassword::prompt_password("The same again: ")?;
            if first != again {
                bail!("the two passwords differ. Nothing was changed; try again.");
            }
            Ok(first)
        }
        None => bail!(
            "a new password for {operator} is needed: give --password-file FILE, or run the command on a terminal to type it. Nothing was changed."
        ),
    }
}

/// The first line of a password file, which must be readable by its owner only (as ssh asks of
/// a private key).
fn from_file(file: &Path) -> Result<String> {
    let shown = file.display();
    let meta = std::fs::metadata(file)
        .map_err(|e| anyhow!("could not read the password file {shown}: {e}. Nothing was done."))?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = meta.permissions().mode() & 0o777;
        if mode & 0o077 != 0 {
            bail!(
                "the password file {shown} can be read by other users (mode {mode:o}): make it private with `chmod 600 {shown}` and try again. Nothing was done."
            );
        }
    }
    #[cfg(not(unix))]
    let _ = meta;
    let text = std::fs::read_to_string(file)
        .map_err(|e| anyhow!("could not read the password file {shown}: {e}. Nothing was done."))?;
    let password = text.lines().next().unwrap_or("").to_string();
    if password.is_empty() {
        bail!("the password file {shown} is empty: put the password on its first line. Nothing was done.");
    }
    Ok(password)
}
