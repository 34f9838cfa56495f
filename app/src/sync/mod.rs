//! Sync: one trust, many desks, through the trust's PostgreSQL server. The desk's SQLite file
//! stays its own authority; this layer reads the ledger's entries (`Ledger::entries_after`) and
//! sends them, and the ledger knows nothing of the network.
//!
//! The server's schema, its desks and its reporting views (`server`), a desk joining and pushing
//! its chain (`push`), pulling the other desks' entries into its own file, which applies them
//! (`pull`), where a desk keeps its server's address (`credentials`), and the desk app's thread
//! (`background`).

pub mod background;
pub mod credentials;
pub mod pull;
pub mod push;
pub mod server;

use std::time::Duration;

use anyhow::{Context as _, Result};

/// The server's schema, made by `custody server init` (idempotent).
pub const SERVER_SQL: &str = include_str!("server.sql");

/// How long to wait for the server before saying it cannot be reached.
const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);

/// Connects to a PostgreSQL URL, with TLS when the URL asks for it (`sslmode=require`). The
/// server's certificate must be one this computer trusts, or signed by the certificate the URL
/// names with `sslrootcert=FILE` (a trust's own certificate authority, as libpq takes it).
pub fn connect(url: &str) -> Result<postgres::Client> {
    let (url, root) = split_root_certificate(url);
    let url = url.as_str();
    let mut config: postgres::Config = url.parse().with_context(|| {
        format!(
            "{:?} is not a PostgreSQL URL; give one such as postgres://user:password@host:5432/custody",
            redact(url)
        )
    })?;
    if config.get_connect_timeout().is_none() {
        config.connect_timeout(CONNECT_TIMEOUT);
    }
    let reach = || format!("could not reach the server at {}", redact(url));
    // TLS only when the URL asks for it: a server that offers TLS to a URL that did not ask
    // would otherwise have its certificate checked, and setting TLS up reads the computer's
    // certificates (a tenth of a second).
    if config.get_ssl_mode() != postgres::config::SslMode::Require {
        config.ssl_mode(postgres::config::SslMode::Disable);
        return config.connect(postgres::NoTls).with_context(reach);
    }
    let mut tls = native_tls::TlsConnector::builder();
    if let Some(file) = root {
        let pem = std::fs::read(&file).with_context(|| format!("could not read the certificate {file}"))?;
        let certificate = native_tls::Certificate::from_pem(&pem)
            .with_context(|| format!("{file} is not a certificate in PEM form"))?;
        tls.add_root_certificate(certificate);
    }
    let tls = tls.build().context("TLS could not be set up on this computer")?;
    config
        .connect(postgres_native_tls::MakeTlsConnector::new(tls))
        .with_context(reach)
}

/// The URL without its `sslrootcert=FILE` (which the PostgreSQL driver does not take), and
/// the file.
fn split_root_certificate(url: &str) -> (String, Option<String>) {
    let Some((base, query)) = url.split_once('?') else {
        return (url.to_string(), None);
    };
    let (roots, rest): (Vec<&str>, Vec<&str>) = query.split('&').partition(|p| p.starts_with("sslrootcert="));
    let root = roots.last().map(|p| p["sslrootcert=".len()..].to_string());
    let url = if rest.is_empty() {
        base.to_string()
    } else {
        format!("{base}?{}", rest.join("&"))
    };
    (url, root)
}

/// One round, the same from the command line and the desk's thread: agree on the trust's root
/// key, push, remember when and how far beside the database, then pull.
pub fn round(
    ledger: &mut custody_db::Ledger,
    client: &mut postgres::Client,
    credentials: &mut credentials::Credentials,
    db: &std::path::Path,
) -> Result<(push::Pushed, pull::Pulled)> {
    round_pulling(ledger, client, credentials, db, pull::BATCH)
}

/// A round whose pull keeps `batch` entries a transaction (a new desk's: [`pull::JOINING_BATCH`]).
pub fn round_pulling(
    ledger: &mut custody_db::Ledger,
    client: &mut postgres::Client,
    credentials: &mut credentials::Credentials,
    db: &std::path::Path,
    batch: i64,
) -> Result<(push::Pushed, pull::Pulled)> {
    agree_on_root(ledger, client)?;
    let pushed = push::push(ledger, client)?;
    credentials.last_push = Some(ledger.format_time(custody_db::time::to_millis(ledger.now())));
    credentials.pushed_head = pushed.head;
    credentials.write(db)?;
    let pulled = pull::pull(ledger, client, batch)?;
    credentials.last_synced = Some(custody_db::time::to_millis(ledger.now()));
    credentials.write(db)?;
    Ok((pushed, pulled))
}

/// The trust's root key, as the server holds it: published by the founding desk (the first to
/// sync with a root of its own), taken by a joining desk, and otherwise the same at every desk.
fn agree_on_root(ledger: &mut custody_db::Ledger, client: &mut postgres::Client) -> Result<()> {
    let published: Option<Vec<u8>> = client
        .query_opt("SELECT root_key FROM custody_trust", &[])
        .map_err(server_said)?
        .map(|r| r.get(0));
    let published: Option<[u8; 32]> = published.and_then(|key| key.try_into().ok());
    match (published, ledger.root_key()?) {
        (Some(theirs), _) => Ok(ledger.pin_root_key(&theirs)?),
        (None, Some(ours)) => {
            client
                .execute("INSERT INTO custody_trust (root_key) VALUES ($1)", &[&ours.as_slice()])
                .map_err(server_said)?;
            Ok(())
        }
        (None, None) => Ok(()),
    }
}

/// A server's refusal in its own words ("custody: fork: …"), else the error as it came.
pub fn server_said(e: postgres::Error) -> anyhow::Error {
    match e.as_db_error() {
        Some(db) => anyhow::anyhow!("the server refused: {}. Nothing more was sent.", db.message()),
        None => anyhow::Error::new(e).context("the connection to the server failed"),
    }
}

/// A URL with its password replaced by `***`, for messages and status lines.
pub fn redact(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_string();
    };
    match rest.split_once('@') {
        Some((user_info, host)) => {
            let user = user_info.split(':').next().unwrap_or_default();
            format!("{scheme}://{user}:***@{host}")
        }
        None => url.to_string(),
    }
}

/// The URL with another user and password (`custody server add-desk` prints the desk's).
pub fn with_login(url: &str, user: &str, password: &str) -> Result<String> {
    let (scheme, rest) = url
        .split_once("://")
        .context("give the server as a URL (postgres://user:password@host:port/database)")?;
    let host = rest.split_once('@').map_or(rest, |(_, host)| host);
    Ok(format!("{scheme}://{user}:{password}@{host}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_never_reach_a_message() {
        assert_eq!(
            redact("postgres://admin:s3cret@db.example:5432/custody"),
            "postgres://admin:***@db.example:5432/custody"
        );
        assert_eq!(redact("postgres://db.example/custody"), "postgres://db.example/custody");
    }

    #[test]
    fn a_root_certificate_is_taken_out_of_the_url() {
        let (url, root) = split_root_certificate("postgres://u:p@h/db?sslmode=require&sslrootcert=/etc/ca.pem");
        assert_eq!(url, "postgres://u:p@h/db?sslmode=require");
        assert_eq!(root.as_deref(), Some("/etc/ca.pem"));
        let (url, root) = split_root_certificate("postgres://u:p@h/db");
        assert_eq!((url.as_str(), root), ("postgres://u:p@h/db", None));
    }

    #[test]
    fn a_desks_url_keeps_the_server_and_its_options() {
        let url = with_login(
            "postgresql://admin:x@db:5432/custody?sslmode=require",
            "custody_desk_a",
            "pw",
        )
        .unwrap_or_default();
        assert_eq!(url, "postgresql://custody_desk_a:pw@db:5432/custody?sslmode=require");
    }
}
