//! What goes on a label for each thing on the register, and the sheet of them as a PDF: the
//! same for `custody labels` and the desk's Labels screen.

use anyhow::Result;
use custody_db::{Container, Item, Ledger};
use custody_labels::Payload;
use custody_labels::sheet::{Label, Template, render_pdf};

/// An item's label: its tag, and its kind in words ("paper file").
pub fn for_item(item: &Item) -> Label {
    Label {
        payload: Payload::item(&item.tag),
        kind: item.kind.as_str().replace('-', " "),
    }
}

/// A person's badge (their id; never their name, which a label must not carry).
pub fn for_person(id: &str) -> Label {
    Label {
        payload: Payload::person(id),
        kind: "person badge".to_string(),
    }
}

pub fn for_container(c: &Container) -> Label {
    Label {
        payload: Payload::container(&c.id),
        kind: c.kind.as_str().to_string(),
    }
}

/// The labels on `template`, the first `skip` places of the first sheet left unused, with the
/// organisation's name on each.
pub fn sheet(ledger: &Ledger, labels: &[Label], template: &Template, skip: u32) -> Result<Vec<u8>> {
    let organisation = ledger.organisation()?.unwrap_or_default();
    Ok(render_pdf(labels, template, skip, &organisation)?)
}

/// "21 label(s) on 1 page(s) of Avery L7160 …".
pub fn pages_text(count: usize, template: &Template, skip: u32) -> String {
    let sheets = (skip as usize + count).div_ceil(template.per_page() as usize);
    format!("{count} label(s) on {sheets} page(s) of {}", template.description)
}
