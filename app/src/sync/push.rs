//! A push: this desk's entries that the server does not have yet, in batches, each batch one
//! transaction. A retry after a lost acknowledgement doubles nothing (the server skips an entry
//! it already has), and a desk whose chain no longer matches the server's copy (a fork: say, a
//! database restored from an old backup that has since recorded other entries) is refused
//! before anything is sent.

use anyhow::{Result, bail};
use custody_db::Ledger;
use uuid::Uuid;

/// Entries sent per transaction.
pub const BATCH: usize = 1000;

/// What one push did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Pushed {
    /// Entries sent this time.
    pub sent: u64,
    /// The server's head for this desk afterwards (its last sequence number).
    pub head: i64,
}

/// The server's head for this desk: its last sequence number and that entry's hash.
pub fn server_head(client: &mut postgres::Client, desk: Uuid) -> Result<(i64, Option<Vec<u8>>)> {
    let row = client.query_opt(
        "SELECT seq, hash FROM custody_entries WHERE desk = $1 ORDER BY seq DESC LIMIT 1",
        &[&desk],
    )?;
    Ok(row.map_or((0, None), |r| (r.get(0), Some(r.get(1)))))
}

/// The server's head for the chain this login pushes (0 before its first push): what a desk's
/// restore must not drop, asked without the desk's own file (it may be the damaged one).
pub fn own_head(client: &mut postgres::Client) -> Result<i64> {
    let desk: Option<Uuid> = client
        .query_opt("SELECT desk FROM custody_chains WHERE login = current_user", &[])?
        .map(|r| r.get(0));
    Ok(match desk {
        Some(desk) => server_head(client, desk)?.0,
        None => 0,
    })
}

/// Sends every entry after the server's head for this desk.
pub fn push(ledger: &Ledger, client: &mut postgres::Client) -> Result<Pushed> {
    let desk = Uuid::parse_str(ledger.desk_id())?;
    let owner = client
        .query_opt(
            "SELECT login, current_user::text FROM custody_chains WHERE desk = $1",
            &[&desk],
        )?
        .map(|r| (r.get::<_, String>(0), r.get::<_, String>(1)));
    if let Some((owner, me)) = owner.filter(|(owner, me)| owner != me) {
        bail!(
            "Refused: this database's chain is already on the server, sent by {owner}, not {me}: this file is a \
             copy of another desk's database. Nothing was sent. Each desk joins with its own database."
        );
    }
    let (mut head, server_hash) = server_head(client, desk)?;
    let (local_head, _) = ledger.head()?;
    if head > local_head {
        bail!(
            "Refused: the server has {head} entries from this desk, but its database has only {local_head}. \
             It was probably restored from an older backup; it can no longer push. Nothing was sent or overwritten. \
             Keep this file, and ask whoever runs the server to compare the two."
        );
    }
    if head > 0 && ledger.hash_of_entry(head)? != server_hash {
        bail!(
            "Refused: entry {head} of this desk differs from the server's copy: the desk's ledger has forked \
             (restored from an old backup, then used). Nothing was sent or overwritten. Keep this file, and \
             ask whoever runs the server to compare the two."
        );
    }
    let mut sent = 0;
    loop {
        let entries = ledger.entries_after(head, BATCH)?;
        let Some(last) = entries.last() else { break };
        let last_seq = last.seq();
        // One statement per batch (the columns as arrays): one round trip, not one per entry.
        let seqs: Vec<i64> = entries.iter().map(|e| e.seq()).collect();
        let ids: Vec<Uuid> = entries.iter().map(|e| e.id()).collect();
        let tables: Vec<&str> = entries.iter().map(|e| e.table()).collect();
        let kinds: Vec<&str> = entries.iter().map(|e| e.kind_name()).collect();
        let bodies: Vec<serde_json::Value> = entries.iter().map(|e| e.to_json()).collect();
        let prevs: Vec<Vec<u8>> = entries.iter().map(|e| e.prev_hash().to_vec()).collect();
        let hashes: Vec<Vec<u8>> = entries.iter().map(|e| e.hash().to_vec()).collect();
        let mut signed = ledger.signatures_between(head, last_seq)?;
        let signatures: Vec<Option<Vec<u8>>> = seqs.iter().map(|seq| signed.remove(seq)).collect();
        let mut tx = client.transaction()?;
        tx.execute(
            "INSERT INTO custody_entries (desk, seq, id, entry, kind, body, prev_hash, hash, signature)
             SELECT $1, e.seq, e.id, e.entry, e.kind, e.body, e.prev_hash, e.hash, e.signature
             FROM unnest($2::bigint[], $3::uuid[], $4::text[], $5::text[], $6::jsonb[], $7::bytea[], $8::bytea[],
                         $9::bytea[])
                  WITH ORDINALITY AS e(seq, id, entry, kind, body, prev_hash, hash, signature, n)
             ORDER BY e.n",
            &[
                &desk,
                &seqs,
                &ids,
                &tables,
                &kinds,
                &bodies,
                &prevs,
                &hashes,
                &signatures,
            ],
        )
        .map_err(super::server_said)?;
        tx.commit().map_err(super::server_said)?;
        sent += entries.len() as u64;
        head = last_seq;
    }
    // Noted only when something went: a desk syncing every minute would otherwise add half a
    // million rows a year.
    if sent > 0 {
        client.execute(
            "INSERT INTO custody_pushes (desk, head) VALUES ($1, $2)",
            &[&desk, &head],
        )?;
    }
    Ok(Pushed { sent, head })
}
