//! The screens, one module each with one `ui` function; each keeps its own state in a `…Ui`
//! struct that the app owns.

pub mod desk;
pub mod dispose_form;
pub mod exposure;
pub mod incidents;
pub mod item_edit;
pub mod items;
pub mod labels;
pub mod mail_settings;
pub mod missing_paper;
pub mod out_now;
pub mod overdue;
pub mod people;
pub mod settings;
pub mod sign_in;
pub mod spot_checks;
pub mod stocktake;
pub mod trust;
