//! `custody`: the desk app and the command line over the Custody ledger.
//!
//! The two front ends never import each other: `cli` and `desk` both collect input, call one
//! function of `custody-db`, and show the result through `render` (what both print) and
//! `context` (which database, the clock, the operator).

pub mod cli;
pub mod context;
pub mod desk;
pub mod mail;
pub mod password;
pub mod render;
pub mod sync;
