//! A pull: every other desk's entries that this desk does not hold yet, desk by desk, in their
//! chains' order, in batches; each batch kept by the ledger (which checks every entry) or, if one
//! entry is refused, none of it; the ledger applies each batch as it keeps it. Then the desks'
//! names.

use anyhow::Result;
use custody_db::{Ledger, RemoteEntry};
use uuid::Uuid;

/// Entries read per query and kept per transaction.
pub const BATCH: i64 = 2000;

/// What one pull did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Pulled {
    /// Entries received this time.
    pub received: u64,
    /// Other desks on the server.
    pub desks: u64,
    /// Items whose state was derived again.
    pub items: u64,
    /// Items in conflict now, at this desk (desks recorded moves that cannot both be true).
    pub conflicts: u64,
}

const COLUMNS: &str = "seq, id, entry, kind, body::text, prev_hash, hash, signature";

fn remote_entry(desk: &Uuid, r: &postgres::Row) -> RemoteEntry {
    RemoteEntry {
        desk: desk.to_string(),
        seq: r.get(0),
        id: r.get(1),
        entry: r.get(2),
        kind: r.get(3),
        body: r.get(4),
        prev_hash: r.get(5),
        hash: r.get(6),
        signature: r.get(7),
    }
}

/// How many entries of other desks than `own` the server holds.
pub fn others_on_server(client: &mut postgres::Client, own: Uuid) -> Result<i64> {
    Ok(client
        .query_one("SELECT count(*) FROM custody_entries WHERE desk <> $1", &[&own])?
        .get(0))
}

pub fn pull(ledger: &mut Ledger, client: &mut postgres::Client) -> Result<Pulled> {
    let own = Uuid::parse_str(ledger.desk_id())?;
    let heads = ledger.remote_heads()?;
    let desks: Vec<Uuid> = client
        .query(
            "SELECT desk FROM custody_chains WHERE desk <> $1 ORDER BY desk",
            &[&own],
        )?
        .iter()
        .map(|r| r.get(0))
        .collect();
    let (mut received, mut items) = (0, 0);
    for desk in &desks {
        let mut after = heads.get(&desk.to_string()).copied().unwrap_or(0);
        loop {
            let rows = client.query(
                &format!("SELECT {COLUMNS} FROM custody_entries WHERE desk = $1 AND seq > $2 ORDER BY seq LIMIT $3"),
                &[desk, &after, &BATCH],
            )?;
            let Some(last) = rows.last() else { break };
            after = last.get(0);
            let batch: Vec<RemoteEntry> = rows.iter().map(|r| remote_entry(desk, r)).collect();
            // Entries recorded before their desk signed are kept only beneath its next signed one.
            let cover = match batch.last() {
                Some(last) if last.signature.is_none() => client
                    .query_opt(
                        &format!(
                            "SELECT {COLUMNS} FROM custody_entries
                             WHERE desk = $1 AND seq > $2 AND signature IS NOT NULL ORDER BY seq LIMIT 1"
                        ),
                        &[desk, &after],
                    )?
                    .map(|r| remote_entry(desk, &r)),
                _ => None,
            };
            received += batch.len() as u64;
            items += ledger.receive(&batch, cover.as_ref())?.items;
        }
    }
    let names: Vec<(String, String)> = client
        .query(
            "SELECT c.desk, d.name FROM custody_chains c JOIN custody_desks d ON d.login = c.login
             UNION SELECT $1, name FROM custody_desks WHERE login = current_user",
            &[&own],
        )?
        .iter()
        .map(|r| (r.get::<_, Uuid>(0).to_string(), r.get(1)))
        .collect();
    let known = ledger.desk_names()?;
    if names.iter().any(|(desk, name)| known.get(desk) != Some(name)) {
        ledger.name_desks(&names)?;
    }
    Ok(Pulled {
        received,
        desks: desks.len() as u64,
        items,
        conflicts: ledger.conflicts_count()?,
    })
}
