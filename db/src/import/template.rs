//! Empty templates to start from: the header Custody reads, and an example row commented out
//! with `#` (an import skips it; take the `#` off to try it).

use super::{ITEM_OPTIONAL, ITEM_REQUIRED, PEOPLE_OPTIONAL, PEOPLE_REQUIRED};

/// What a template is for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Template {
    Items,
    People,
    /// A paper signing-out book: who had what, from when, until when.
    Custody,
}

/// The columns of the paper-book template.
pub const CUSTODY_COLUMNS: [&str; 7] = ["tag", "person", "out_at", "due_at", "reason", "authoriser", "in_at"];

/// The template's text: its header, then the example row as a comment.
pub fn template(which: Template) -> String {
    let (columns, example): (Vec<&str>, &str) = match which {
        Template::Items => (
            ITEM_REQUIRED.iter().chain(&ITEM_OPTIONAL).copied().collect(),
            "LT-0042,laptop,Dell Latitude 5440,5CG1234XYZ,yes,30,contact,no,no,no,no",
        ),
        Template::People => (
            PEOPLE_REQUIRED.iter().chain(&PEOPLE_OPTIONAL).copied().collect(),
            "S001,Sam Jones,sam.jones@example.org,yes,2026-01-10,2027-01-10,2026-02-01,2027-02-01,RA-118,2026-03-15",
        ),
        Template::Custody => (
            CUSTODY_COLUMNS.to_vec(),
            "LT-0042,S001,07/09/2026 08:40,11/09/2026,Marking at home,S010,11/09/2026 08:15",
        ),
    };
    format!("{}\n# {example}\n", columns.join(","))
}
