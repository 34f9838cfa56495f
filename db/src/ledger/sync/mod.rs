//! The ledger's half of sync: what a desk sends, what it receives, how what it receives is
//! checked and applied, and in what order several desks' entries are replayed. The other half,
//! the wire (PostgreSQL, the sync thread), is `app/src/sync/`; the ledger knows nothing of the
//! network, so the two halves meet only in the functions below.
//!
//! - `outbox`: this desk's own entries, in chain order, read in batches for a push.
//! - `inbox`: another desk's entries as the server holds them, each checked as it arrives (its
//!   hash from its own columns, its place in its desk's chain) and kept in `remote_events` /
//!   `remote_records`.
//! - `trust`: applies what a pull received: every register row and item state it touches
//!   becomes again the replay of all desks' entries; contradictions become conflicts.
//! - `interleave`: the replay order across desks (each desk's own order kept, merged by time).
//!
//! Entries travel whole, by their columns: a new kind of record of an existing register syncs
//! with no change here. A new register (a new kind of subject) needs its place in `trust.rs`
//! (`REGISTERS`, whether it `applies_everywhere`, and how `store_replayed` writes its row).

#[cfg(test)]
mod forged_pulls;
mod inbox;
mod interleave;
mod outbox;
mod trust;

pub use inbox::RemoteEntry;
pub(crate) use inbox::check_remote_chains;
pub(crate) use interleave::interleave;
pub use trust::{Applied, Conflict, DEFAULT_SYNC_WARNING_DAYS};
pub(crate) use trust::{Touched, apply_touched};
