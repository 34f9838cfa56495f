//! A paper signing-out book (or a spreadsheet of one) typed into the ledger: each row a
//! sign-out (`tag, person, out_at`, with `due_at, reason, authoriser`) and, when the item has
//! come back, its sign-in (`in_at`). Every sign-out and sign-in is applied in time order through
//! the same rules as at the desk; the occurred time is the book's, the recorded time is now.

use chrono::{DateTime, Utc};

use super::{Sheet, bad, cell, moment, require};
use crate::error::Result;
use crate::ids::{IdKind, normalise_id, optional_text};
use crate::ledger::{Ledger, Writer, blank};
use crate::model::EventKind;
use crate::time::{DayEdge, default_due, to_millis};

/// The note every event typed in from a book carries.
pub const BOOK_NOTE: &str = "typed in from a paper signing-out book";

/// One sign-out or sign-in of the book, with the line it came from.
pub(super) struct Entry {
    pub line: u64,
    pub kind: EventKind,
    pub tag: String,
    pub person: String,
    pub at: DateTime<Utc>,
    pub due: Option<DateTime<Utc>>,
    pub reason: Option<String>,
    pub authoriser: Option<String>,
}

/// The book's entries in the order they happened (a sign-out before a sign-in at the same
/// moment, then the book's own order), and the columns used.
pub(super) fn read(ledger: &Ledger, sheet: &Sheet) -> Result<(Vec<Entry>, Vec<Option<usize>>)> {
    let tag = require(sheet, &["tag", "asset_tag"], "tag")?;
    let person = require(sheet, &["person", "person_id", "holder"], "person")?;
    let out_at = require(sheet, &["out_at", "out"], "out_at")?;
    let c = |names: &[&str]| sheet.column(names);
    let (due_at, in_at) = (c(&["due_at", "due"]), c(&["in_at", "returned_at", "in"]));
    let (reason, authoriser) = (c(&["reason"]), c(&["authoriser", "authorizer"]));
    let used = vec![Some(tag), Some(person), Some(out_at), due_at, in_at, reason, authoriser];

    let mut entries = Vec::with_capacity(sheet.rows.len() * 2);
    for (line, row) in &sheet.rows {
        let line = *line;
        let field = |col| cell(row, col);
        let why = |e: crate::error::Error| bad(line, e.to_string().trim_end_matches('.'));
        let id = |kind, col: usize, what: &str| {
            let raw = field(Some(col)).ok_or_else(|| bad(line, format!("the {what} is empty")))?;
            normalise_id(kind, raw).map_err(why)
        };
        let tag = id(IdKind::Tag, tag, "tag")?;
        let person = id(IdKind::Person, person, "person")?;
        let out = moment(
            line,
            "out_at",
            field(Some(out_at)).unwrap_or("(empty)"),
            DayEdge::Start,
            ledger,
        )?;
        let due = field(due_at)
            .map(|t| moment(line, "due_at", t, DayEdge::End, ledger))
            .transpose()?;
        let back = field(in_at)
            .map(|t| moment(line, "in_at", t, DayEdge::Start, ledger))
            .transpose()?;
        if let Some(back) = back.filter(|back| *back < out) {
            return Err(bad(
                line,
                format!(
                    "in_at {} is before out_at {}",
                    ledger.format_time(crate::time::to_millis(back)),
                    ledger.format_time(crate::time::to_millis(out))
                ),
            ));
        }
        let authoriser = field(authoriser)
            .map(|a| normalise_id(IdKind::Person, a))
            .transpose()
            .map_err(why)?;
        entries.push(Entry {
            line,
            kind: EventKind::SignOut,
            tag: tag.clone(),
            person: person.clone(),
            at: out,
            due,
            reason: optional_text("reason", field(reason)).map_err(why)?,
            authoriser,
        });
        if let Some(back) = back {
            entries.push(Entry {
                line,
                kind: EventKind::SignIn,
                tag,
                person,
                at: back,
                due: None,
                reason: None,
                authoriser: None,
            });
        }
    }
    // At one moment: items coming back first (so they can go out again), then sign-outs, then
    // a return at the very moment of its own sign-out (a book kept by dates alone). Stable, so
    // otherwise the book's order.
    let same_row_return = |e: &Entry| {
        e.kind == EventKind::SignIn
            && entries
                .iter()
                .any(|o| o.line == e.line && o.kind == EventKind::SignOut && o.at == e.at)
    };
    let order: Vec<u8> = entries
        .iter()
        .map(|e| match e.kind {
            EventKind::SignIn if same_row_return(e) => 2,
            EventKind::SignIn => 0,
            _ => 1,
        })
        .collect();
    let mut keyed: Vec<(DateTime<Utc>, u8, Entry)> =
        entries.into_iter().zip(order).map(|(e, o)| (e.at, o, e)).collect();
    keyed.sort_by_key(|(at, order, _)| (*at, *order));
    Ok((keyed.into_iter().map(|(_, _, e)| e).collect(), used))
}

/// Appends one entry through the desk's rules: the item and the people must be registered, the
/// item free to go out (or out, to come back), and the times in order.
pub(super) fn append(w: &mut Writer<'_>, entry: &Entry) -> Result<()> {
    let ledger = w.ledger;
    let item = ledger.item(&entry.tag)?;
    let person = ledger.person(&entry.person)?;
    let mut e = blank(entry.kind, &item.tag, entry.at);
    e.person = Some(person.id);
    e.note = Some(BOOK_NOTE.to_string());
    if entry.kind == EventKind::SignOut {
        let working = ledger.working_days()?;
        let due = (entry.due).unwrap_or_else(|| default_due(item.kind, entry.at, ledger.timezone(), &working));
        e.due_at = Some(to_millis(due));
        e.handover = Some(uuid::Uuid::now_v7());
        e.reason.clone_from(&entry.reason);
        e.authoriser = entry
            .authoriser
            .as_deref()
            .map(|a| ledger.person(a))
            .transpose()?
            .map(|p| p.id);
    }
    w.append_imported(e)?;
    Ok(())
}
