//! `custody-db`: the custody ledger and everything derived from it.
//!
//! Every business rule lives here, so that the desk app and the command line behave alike.
//! The ledger is append-only: each sign-out, sign-in, transfer, loss, theft, find, retirement
//! and correction is an [`Event`] chained to the one before it by SHA-256. An item's current
//! [`ItemState`] is derived from its events (and kept as a projection, updated in the same
//! transaction); `state_at` answers where an item was at any past moment.
//!
//! ```no_run
//! use custody_db::{Ledger, Item, ItemKind, SignOut, SystemClock};
//! # fn main() -> Result<(), custody_db::Error> {
//! let mut ledger = Ledger::create("custody.db".as_ref(), Some("Hillside School"), std::sync::Arc::new(SystemClock))?;
//! ledger.add_item(&Item::new("LT-0042", ItemKind::Laptop, "Dell Latitude 5440"))?;
//! ledger.add_person("S001", "Sam Jones", None)?;
//! ledger.sign_out(&SignOut { items: vec!["LT-0042".into()], to: "S001".into(), ..Default::default() })?;
//! # Ok(()) }
//! ```

pub mod calendar;
pub mod demo;
pub mod durable;
mod error;
pub mod event;
pub mod ids;
pub mod import;
mod ledger;
pub mod letters;
pub mod model;
pub mod operator;
pub mod policy;
pub mod private;
pub mod record;
pub mod signing;
pub mod state;
pub mod storage;
pub mod time;

pub use error::{Error, Result};
pub use event::Event;
pub use ledger::{
    Applied, Conflict, DEFAULT_IDLE_LOCK_MINUTES, DEFAULT_SYNC_WARNING_DAYS, DeskCamera, RemoteEntry, SignInAt,
    TEXT_SIZES,
};
pub use ledger::{
    Chain, ChainProblem, Custodian, DEFAULT_KEEP, DUE_SOON_DAYS, Edit, Exposed, Exposure, ExposureSummary, FieldChange,
    HistoryFilter, HolderOverdue, ICO_HOURS, ICO_RUNNING_OUT_HOURS, IcoClock, Incident, IncidentKind, IncidentNote,
    ItemEdit, ItemRow, Ledger, MIGRATION_REASON, Marked, NOTE_KINDS, NewIncident, OutItem, OutRow, OverdueReport,
    PersonRow, Recovered, RegisterChange, Restored, Returned, Scanned, Sensitivity, SignOut, StaffAtTheTime, Stage,
    Stranded, UNDO_WITHIN, VerifyReport, is_late, restore,
};
pub use ledger::{asset_register, disposal, mail, notices, search, spot_check, stocktake, trust_report};
pub use model::{Container, ContainerKind, EventKind, HomeWorking, Item, ItemKind, Person};
pub use operator::{Action, Hashing, Operator, Role, Session};
pub use policy::Rule;
pub use state::{ItemState, Status};
pub use time::{Clock, DayEdge, FixedClock, SystemClock};
