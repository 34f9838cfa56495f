//! A pull: every other desk's entries that this desk does not hold yet, desk by desk, in their
//! chains' order, in batches; each batch kept by the ledger (which checks every entry) or, if one
//! entry is refused, none of it. Once all are there, the ledger applies them (one transaction),
//! and learns the desks' names.

use anyhow::Result;
use custody_db::{Applied, Ledger, RemoteEntry};
use uuid::Uuid;

/// Entries read per query and kept per transaction.
pub const BATCH: i64 = 5000;

/// What one pull did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Pulled {
    /// Entries received this time.
    pub received: u64,
    /// Other desks on the server.
    pub desks: u64,
    /// What applying them did (items whose state was derived again, conflicts among them).
    pub applied: Applied,
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
    let mut received = 0;
    for desk in &desks {
        let mut after = heads.get(&desk.to_string()).copied().unwrap_or(0);
        loop {
            let rows = client.query(
                "SELECT seq, id, entry, kind, body, prev_hash, hash FROM custody_entries
                 WHERE desk = $1 AND seq > $2 ORDER BY seq LIMIT $3",
                &[desk, &after, &BATCH],
            )?;
            let Some(last) = rows.last() else { break };
            after = last.get(0);
            let batch: Vec<RemoteEntry> = rows
                .iter()
                .map(|r| RemoteEntry {
                    desk: desk.to_string(),
                    seq: r.get(0),
                    id: r.get(1),
                    entry: r.get(2),
                    kind: r.get(3),
                    body: r.get(4),
                    prev_hash: r.get(5),
                    hash: r.get(6),
                })
                .collect();
            received += ledger.receive(&batch)? as u64;
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
    ledger.name_desks(&names)?;
    let applied = ledger.apply_received()?;
    Ok(Pulled {
        received,
        desks: desks.len() as u64,
        applied,
    })
}
