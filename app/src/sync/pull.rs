//! A pull: every other desk's entries that this desk does not hold yet, desk by desk, in their
//! chains' order, in batches; each batch kept by the ledger (which checks every entry) or, if one
//! entry is refused, none of it; the ledger applies each batch as it keeps it. Then the desks'
//! names.

use anyhow::Result;
use custody_db::{Ledger, RemoteEntry};
use uuid::Uuid;

/// Entries read per query and kept per transaction at a desk in use: few, so that the desk's
/// own writes wait less behind each.
pub const BATCH: i64 = 2000;
/// The same for a new desk's database being made by joining, where nobody works yet. Each batch
/// replays every item it touches from the item's first entry, so a long chain pulled in small
/// batches replays the same histories again and again: a 109,000-entry chain took 15 s in
/// batches of 2,000 and 4.6 s in batches of 20,000.
pub const JOINING_BATCH: i64 = 20_000;

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

/// Pulls in batches of `batch` entries ([`BATCH`], or [`JOINING_BATCH`] for a new desk).
pub fn pull(ledger: &mut Ledger, client: &mut postgres::Client, batch: i64) -> Result<Pulled> {
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
                &[desk, &after, &batch],
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
