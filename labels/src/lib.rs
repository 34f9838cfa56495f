//! `custody-labels`: a tag to the text in its QR code and back.
//!
//! It knows nothing of the database: the ledger decides whether a tag exists; this crate only
//! says whether a scanned text is a well-formed Custody code, and which. See [`payload`] for
//! the format.

pub mod payload;

pub use payload::{CodeKind, Payload, PayloadError};
