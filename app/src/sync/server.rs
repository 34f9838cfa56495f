//! The server side, which is plain PostgreSQL: its schema, the desks a trust adds, and what
//! each has pushed. Run with the server's administrator URL; Custody runs no server program.

use anyhow::{Context as _, Result, bail};

use super::{SERVER_SQL, connect, with_login};

/// Makes the schema (again: it is idempotent).
pub fn init(url: &str) -> Result<()> {
    let mut client = connect(url)?;
    client
        .batch_execute(SERVER_SQL)
        .context("the schema could not be made (is the URL's user allowed to create tables and roles?)")?;
    Ok(())
}

/// Creates a login role for one desk and returns the URL it joins with (its password in it).
pub fn add_desk(url: &str, name: &str) -> Result<String> {
    let login = login_for(name)?;
    let mut client = connect(url)?;
    let mut tx = client.transaction()?;
    let exists: bool = tx
        .query_one("SELECT EXISTS (SELECT 1 FROM custody_desks WHERE name = $1)", &[&name])
        .context("the server has no Custody schema yet: run `custody server init` first")?
        .get(0);
    if exists {
        bail!("the server already has a desk called {name:?}; choose another name");
    }
    let password = new_login(&mut tx, &login, "IN ROLE custody_desk", "")?;
    tx.execute(
        "INSERT INTO custody_desks (name, login) VALUES ($1, $2)",
        &[&name, &login],
    )?;
    tx.commit()?;
    with_login(url, &login, &password)
}

/// The views an auditor's login may read (and nothing else).
const AUDITOR_VIEWS: &str = "custody_events, custody_effective_events, custody_items, custody_periods, \
     custody_now, custody_overdue, custody_trust_now, custody_sign_outs_by_month";

/// Creates a login role for an auditor, who may read this database's views and nothing else,
/// and returns the URL they connect with (their password in it). The views are granted to the
/// login itself, in this database only: roles belong to the whole server, and another trust's
/// database on it grants this login nothing.
pub fn add_auditor(url: &str, name: &str) -> Result<String> {
    let login = format!("custody_auditor_{}", safe_name(name)?);
    let mut client = connect(url)?;
    let mut tx = client.transaction()?;
    let schema: bool = tx
        .query_one("SELECT to_regclass('custody_schema') IS NOT NULL", &[])?
        .get(0);
    if !schema {
        bail!("the server has no Custody schema yet: run `custody server init` first");
    }
    let grants = format!("GRANT SELECT ON {AUDITOR_VIEWS} TO {login};");
    let password = new_login(&mut tx, &login, "", &grants)?;
    tx.commit()?;
    with_login(url, &login, &password)
}

/// Makes the login role `login` with a new password and `options` (`IN ROLE …`), then runs
/// `grants` (SQL naming it), and returns the password. A role's name and password cannot be
/// parameters: both are made of safe characters (the name by [`safe_name`]; the password two
/// random UUIDs' worth of hex, 244 random bits that any URL takes as they are).
fn new_login(tx: &mut postgres::Transaction<'_>, login: &str, options: &str, grants: &str) -> Result<String> {
    let password = format!("{}{}", uuid::Uuid::new_v4().simple(), uuid::Uuid::new_v4().simple());
    tx.batch_execute(&format!(
        "CREATE ROLE {login} LOGIN PASSWORD '{password}' {options}; {grants}"
    ))
    .map_err(super::server_said)
    .with_context(|| format!("the login role {login} could not be made (is the name taken on this server?)"))?;
    Ok(password)
}

/// One desk as the server knows it.
#[derive(Debug, Clone)]
pub struct DeskOnServer {
    pub name: String,
    pub login: String,
    /// The desk's own id, once it has pushed.
    pub desk: Option<uuid::Uuid>,
    pub head: i64,
    pub head_hash: Option<Vec<u8>>,
    pub last_push: Option<chrono::DateTime<chrono::Utc>>,
}

/// Every desk, with its chain's head and when it last pushed.
pub fn desks(url: &str) -> Result<Vec<DeskOnServer>> {
    let mut client = connect(url)?;
    let rows = client
        .query(
            "SELECT d.name, d.login,
                    (SELECT c.desk FROM custody_chains c WHERE c.login = d.login),
                    (SELECT max(p.at) FROM custody_pushes p WHERE p.login = d.login)
             FROM custody_desks d ORDER BY d.name",
            &[],
        )
        .context("the server has no Custody schema yet: run `custody server init` first")?;
    let mut desks = Vec::new();
    for row in rows {
        let desk: Option<uuid::Uuid> = row.get(2);
        let (head, head_hash) = match desk {
            Some(desk) => super::push::server_head(&mut client, desk)?,
            None => (0, None),
        };
        desks.push(DeskOnServer {
            name: row.get(0),
            login: row.get(1),
            desk,
            head,
            head_hash,
            last_push: row.get(3),
        });
    }
    Ok(desks)
}

/// The login role of a desk called `name`: `custody_desk_` and the name in lower case.
fn login_for(name: &str) -> Result<String> {
    Ok(format!("custody_desk_{}", safe_name(name)?))
}

/// A desk's or auditor's name as part of a login role's: letters, digits and '_' (a '-' becomes
/// one), lower case; a role's name cannot be a parameter, so nothing else may reach the SQL.
fn safe_name(name: &str) -> Result<String> {
    let ok =
        !name.is_empty() && name.len() <= 40 && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
    if !ok {
        bail!("{name:?} is not a name Custody can give a login: use letters, digits, '-' and '_', up to 40 characters");
    }
    Ok(name.to_ascii_lowercase().replace('-', "_"))
}
