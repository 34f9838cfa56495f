//! `custody-labels`: a tag to the text in its QR code and back, and camera frames to codes.
//!
//! It knows nothing of the database: the ledger decides whether a tag exists; this crate only
//! says whether a scanned text is a well-formed Custody code, and which. See [`payload`] for
//! the format, [`sheet`] for printable label sheets and [`read`] for decoding frames.

mod binarize;
pub mod corpus;
pub mod document;
mod grid_check;
pub mod payload;
pub mod preview;
pub mod read;
pub mod sheet;
mod small_code;
pub mod synth;
pub mod webcam;

pub use payload::{CodeKind, Payload, PayloadError};
pub use read::{FoundCode, GrayFrame, read_codes};
pub use sheet::{Label, SheetError, TEMPLATES, Template, render_pdf, template};
