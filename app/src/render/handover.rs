//! What a sign-out did, in words: the items grouped by their due date, since a basket of a
//! laptop and a paper file has two (a week for devices, the next working day for paper).

use custody_db::{Event, Ledger};

/// Each due date with the items due then, in the order they were signed out.
pub fn by_due_date(ledger: &Ledger, events: &[Event]) -> Vec<(Vec<String>, String)> {
    let mut groups: Vec<(Option<i64>, Vec<String>)> = Vec::new();
    for e in events {
        match groups.iter_mut().find(|(due, _)| *due == e.due_at) {
            Some((_, tags)) => tags.push(e.item.clone()),
            None => groups.push((e.due_at, vec![e.item.clone()])),
        }
    }
    groups
        .into_iter()
        .map(|(due, tags)| (tags, due.map(|d| ledger.format_due(d)).unwrap_or_default()))
        .collect()
}

/// "LT-0042 and CB-0007", or "12 items".
pub fn tags(tags: &[String]) -> String {
    match tags {
        [one] => one.clone(),
        [a, b] => format!("{a} and {b}"),
        _ => format!("{} items", tags.len()),
    }
}

/// "Signed out LT-0001 to Sam Jones, due back 2026-11-27 23:59", or with two due dates
/// "Signed out to Sam Jones: LT-0001 due back …; PF-0001 due back …".
pub fn signed_out(ledger: &Ledger, events: &[Event], holder: &str) -> String {
    match by_due_date(ledger, events).as_slice() {
        [(items, due)] => format!("Signed out {} to {holder}, due back {due}", tags(items)),
        groups => {
            let parts: Vec<String> = groups
                .iter()
                .map(|(items, due)| format!("{} due back {due}", tags(items)))
                .collect();
            format!("Signed out to {holder}: {}", parts.join("; "))
        }
    }
}
