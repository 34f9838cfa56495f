//! `custody`: the desk app and the command line over the Custody ledger.

mod chain;
pub mod cli;
pub mod commands;
pub mod desk;
mod desk_command;
mod export;
mod exposure;
mod incident;
mod labels;
mod output;
mod overdue;
