//! Importing items and people from CSV (Custody's own templates, Snipe-IT's asset and users
//! exports) and who holds what (Snipe-IT's check-outs, a paper signing-out book).
//!
//! An import is all-or-nothing: every row is checked first, and the first bad one stops the
//! import with its line number and the reason; only a clean file is written, in one transaction.
//!
//! Items template: `tag, kind, name` required; `serial, encrypted, data_subjects, categories,
//! special_category, safeguarding, confidential` optional. People template: `id, name` required;
//! `email, active, agreement_signed, agreement_review, assessment_done, assessment_review,
//! assessment_ref, training` optional (dates `YYYY-MM-DD`). Snipe-IT: `asset_tag` and
//! `item_name` (or `asset_name` / `name`), with `serial` and `category` used when present.
//! Headers are matched without regard to case, spaces, colons or underscores. Other columns are
//! ignored and listed in the report. Lines starting with `#` are comments (the templates' example).

use std::collections::HashSet;

use chrono::{DateTime, NaiveDate, Utc};
use serde::Serialize;

use crate::error::{Error, Result};
use crate::ids::{IdKind, normalise_id, optional_text, required_text};
use crate::ledger::{Ledger, Writer, blank};
use crate::model::{EventKind, HomeWorking, Item, ItemKind, Person};
use crate::time::{DayEdge, parse_when};

mod book;
mod opening;
mod snipe_users;
mod template;

pub use book::BOOK_NOTE;
pub use opening::OPENING_NOTE;
pub use template::{Template, template};

/// The items template: required columns, then optional ones (exports write the same).
pub const ITEM_REQUIRED: [&str; 3] = ["tag", "kind", "name"];
pub const ITEM_OPTIONAL: [&str; 8] = [
    "serial",
    "encrypted",
    "data_subjects",
    "categories",
    "special_category",
    "safeguarding",
    "confidential",
    "anonymised_unapproved",
];
/// The people template.
pub const PEOPLE_REQUIRED: [&str; 2] = ["id", "name"];
pub const PEOPLE_OPTIONAL: [&str; 8] = [
    "email",
    "active",
    "agreement_signed",
    "agreement_review",
    "assessment_done",
    "assessment_review",
    "assessment_ref",
    "training",
];

/// What an import did (or, for a dry run, would do).
#[derive(Clone, Debug, Default, Serialize)]
pub struct ImportReport {
    /// "Custody items template", "Snipe-IT asset export", "Custody people template".
    pub format: &'static str,
    pub rows: usize,
    /// Identifiers added, in file order.
    pub added: Vec<String>,
    pub used_columns: Vec<String>,
    pub ignored_columns: Vec<String>,
    pub dry_run: bool,
    /// How the file's values were read where that is not plain: "username jlowseley9 → id
    /// JLOWSELEY9", "category Laptops → laptop".
    pub mappings: Vec<String>,
    /// People added because a check-out names them and they were not known: "JDOE Jo Doe (line 7)".
    pub people_added: Vec<String>,
    /// Custody events recorded: opening sign-outs, or a paper book's sign-outs and sign-ins.
    pub custody_events: usize,
    /// What the file says that was not imported, each with its line and why.
    pub not_imported: Vec<String>,
}

/// A parsed CSV file: normalised header names and rows, each with its line number.
struct Sheet {
    header: Vec<String>,
    rows: Vec<(u64, Vec<String>)>,
}

impl Sheet {
    fn column(&self, names: &[&str]) -> Option<usize> {
        names.iter().find_map(|n| self.header.iter().position(|h| h == n))
    }

    fn ignored(&self, used: &[Option<usize>]) -> Vec<String> {
        (0..self.header.len())
            .filter(|i| !used.contains(&Some(*i)))
            .map(|i| self.header[i].clone())
            .collect()
    }

    /// The names of the `used` columns, in the file's order.
    fn used(&self, used: &[Option<usize>]) -> Vec<String> {
        (0..self.header.len())
            .filter(|i| used.contains(&Some(*i)))
            .map(|i| self.header[i].clone())
            .collect()
    }
}

fn bad(line: u64, why: impl Into<String>) -> Error {
    Error::Import { line, why: why.into() }
}

/// Reads CSV bytes strictly: UTF-8 (a byte-order mark is allowed), comma-separated, every row
/// as wide as the header.
fn read_sheet(bytes: &[u8]) -> Result<Sheet> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let utf16 = bytes.starts_with(b"\xFF\xFE") || bytes.starts_with(b"\xFE\xFF");
    if utf16 || bytes.get(..2).is_some_and(|b| b.contains(&0)) {
        return Err(bad(
            1,
            "the file is in UTF-16 (Excel's \"Unicode Text\"); save it from your spreadsheet as \"CSV UTF-8 (comma delimited)\"",
        ));
    }
    if let Err(e) = std::str::from_utf8(bytes) {
        let line = bytes[..e.valid_up_to()].iter().filter(|b| **b == b'\n').count() as u64 + 1;
        return Err(bad(
            line,
            "the file is not UTF-8 text; save it from your spreadsheet as \"CSV UTF-8 (comma delimited)\"",
        ));
    }
    let first_line = bytes.split(|b| *b == b'\n').next().unwrap_or_default();
    if !first_line.contains(&b',') {
        for (sep, name) in [(b';', "semicolons"), (b'\t', "tabs"), (b'|', "'|'")] {
            if first_line.contains(&sep) {
                return Err(bad(
                    1,
                    format!(
                        "the columns are separated by {name}, not commas; save the file as \"CSV (comma delimited)\""
                    ),
                ));
            }
        }
    }
    if let Some(line) = unterminated_quote(bytes) {
        return Err(bad(
            line,
            "a quoted cell starts here and never ends (a \" is missing); correct the file",
        ));
    }
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(true)
        .flexible(false)
        .comment(Some(b'#'))
        .from_reader(bytes);
    let given: Vec<String> = reader
        .headers()
        .map_err(|e| bad(1, format!("the header row cannot be read ({e})")))?
        .iter()
        .map(|h| h.trim().to_string())
        .collect();
    let header: Vec<String> = given.iter().map(|h| header_name(h)).collect();
    if header.iter().all(String::is_empty) {
        return Err(bad(1, "the file is empty; the first line must name the columns"));
    }
    for (i, name) in header.iter().enumerate().filter(|(_, n)| !n.is_empty()) {
        if let Some(j) = header[i + 1..].iter().position(|other| other == name) {
            return Err(bad(
                1,
                format!(
                    "the header names the same column twice ({:?} and {:?}); keep one of them",
                    given[i],
                    given[i + 1 + j]
                ),
            ));
        }
    }
    let mut rows = Vec::new();
    for record in reader.records() {
        let record = record.map_err(|e| {
            let line = e.position().map_or(0, |p| p.line());
            match e.kind() {
                csv::ErrorKind::UnequalLengths { expected_len, len, .. } => {
                    bad(line, format!("it has {len} cells where the header has {expected_len}"))
                }
                _ => bad(line, format!("it cannot be read ({e})")),
            }
        })?;
        let line = record.position().map_or(0, |p| p.line());
        if record.iter().all(|c| c.trim().is_empty()) {
            continue; // spreadsheets leave blank lines at the end
        }
        rows.push((
            line,
            record
                .iter()
                .map(|c| unneutralise_formula(c.trim()).to_string())
                .collect(),
        ));
    }
    Ok(Sheet { header, rows })
}

/// A header as it is matched: lower case, words joined by single underscores
/// ("Checked Out To: Username" → `checked_out_to_username`).
fn header_name(given: &str) -> String {
    given
        .to_ascii_lowercase()
        .split([' ', '-', '_', ':'])
        .filter(|w| !w.is_empty())
        .collect::<Vec<_>>()
        .join("_")
}

/// The line on which a quoted cell opens and never closes, if one does.
fn unterminated_quote(bytes: &[u8]) -> Option<u64> {
    let (mut line, mut opened_on, mut quoted) = (1u64, 0u64, false);
    for &b in bytes {
        match b {
            b'"' => {
                quoted = !quoted; // a doubled "" inside a cell toggles twice
                if quoted {
                    opened_on = line;
                }
            }
            b'\n' => line += 1,
            _ => {}
        }
    }
    quoted.then_some(opened_on)
}

/// Whether a spreadsheet would run a cell as a formula: it starts with `= + - @`, a tab or a
/// carriage return, after any apostrophes that themselves make it plain text.
fn looks_like_a_formula(cell: &str) -> bool {
    cell.trim_start_matches('\'')
        .starts_with(['=', '+', '-', '@', '\t', '\r'])
}

/// For export: a leading apostrophe makes a formula-like cell plain text in a spreadsheet
/// (OWASP's advice against CSV injection). [`unneutralise_formula`] takes exactly it off again,
/// so an export imports back unchanged.
pub fn neutralise_formula(cell: &str) -> String {
    if looks_like_a_formula(cell) {
        format!("'{cell}")
    } else {
        cell.to_string()
    }
}

/// For import: the apostrophe [`neutralise_formula`] added, and only that, is taken off.
pub fn unneutralise_formula(cell: &str) -> &str {
    match cell.strip_prefix('\'') {
        Some(rest) if looks_like_a_formula(rest) => rest,
        _ => cell,
    }
}

fn require(sheet: &Sheet, names: &[&str], what: &str) -> Result<usize> {
    sheet
        .column(names)
        .ok_or_else(|| bad(1, format!("the header has no {what} column (expected {:?})", names[0])))
}

fn cell(row: &[String], col: Option<usize>) -> Option<&str> {
    col.and_then(|c| row.get(c))
        .map(String::as_str)
        .filter(|s| !s.is_empty())
}

fn yes_no(line: u64, column: &str, value: Option<&str>) -> Result<bool> {
    match value.map(str::to_ascii_lowercase).as_deref() {
        None | Some("no" | "n" | "false" | "0") => Ok(false),
        Some("yes" | "y" | "true" | "1") => Ok(true),
        Some(other) => Err(bad(line, format!("{column} is {other:?}; use yes or no"))),
    }
}

fn date(line: u64, column: &str, value: Option<&str>) -> Result<Option<NaiveDate>> {
    value
        .map(|v| {
            NaiveDate::parse_from_str(v, "%Y-%m-%d").map_err(|_| {
                bad(
                    line,
                    format!("{column} {v:?} is not a date; use YYYY-MM-DD, e.g. 2026-09-01"),
                )
            })
        })
        .transpose()
}

/// A moment in the file, read as a person would type it (local time).
fn moment(line: u64, column: &str, text: &str, edge: DayEdge, ledger: &Ledger) -> Result<DateTime<Utc>> {
    parse_when(text, ledger.timezone(), edge, ledger.now()).map_err(|e| bad(line, format!("{column}: {e}")))
}

/// A Snipe-IT category ("Laptops", "Chromebooks", "Mobile Phones"...) as an item kind.
fn kind_from_category(category: &str) -> ItemKind {
    let c = category.to_ascii_lowercase();
    let has = |words: &[&str]| words.iter().any(|w| c.contains(w));
    if has(&["chromebook"]) {
        ItemKind::Chromebook
    } else if has(&["laptop", "notebook", "macbook"]) {
        ItemKind::Laptop
    } else if has(&["tablet", "ipad"]) {
        ItemKind::Tablet
    } else if has(&["phone", "mobile"]) {
        ItemKind::Phone
    } else if has(&["usb", "memory", "flash", "removable", "external drive", "hard drive"]) {
        ItemKind::RemovableMedia
    } else if has(&["paper", "file", "record"]) {
        ItemKind::PaperFile
    } else {
        ItemKind::Other
    }
}

impl Ledger {
    /// Imports items from CSV bytes; with `dry_run`, checks everything and writes nothing. A
    /// Snipe-IT export's check-outs become opening sign-outs (see [`opening`]); with
    /// `no_new_people`, a holder who is not among the people is refused rather than added.
    pub fn import_items(&mut self, csv: &[u8], dry_run: bool, no_new_people: bool) -> Result<ImportReport> {
        self.allow(crate::operator::Action::Import)?;
        let sheet = read_sheet(csv)?;
        let snipe = sheet.column(&["asset_tag"]).is_some();
        let (tag, name, kind, category) = if snipe {
            (
                require(&sheet, &["asset_tag"], "asset tag")?,
                require(&sheet, &["item_name", "asset_name", "name", "model"], "item name")?,
                None,
                sheet.column(&["category"]),
            )
        } else {
            (
                require(&sheet, &["tag"], "tag")?,
                require(&sheet, &["name"], "name")?,
                Some(require(&sheet, &["kind"], "kind")?),
                None,
            )
        };
        let cols = ITEM_OPTIONAL.map(|c| sheet.column(&[c]));
        let [
            serial,
            encrypted,
            subjects,
            categories,
            special,
            safeguarding,
            confidential,
            anonymised,
        ] = cols;
        let mut used = vec![Some(tag), Some(name), kind, category];
        used.extend(cols);
        let checkouts = if snipe { opening::Columns::of(&sheet) } else { None };
        used.extend(checkouts.iter().flat_map(opening::Columns::used));
        let mut kinds_from = std::collections::BTreeMap::new();

        let mut items = Vec::with_capacity(sheet.rows.len());
        let mut seen = HashSet::new();
        for (line, row) in &sheet.rows {
            let line = *line;
            let field = |c| cell(row, c);
            let kind = match (kind, field(category)) {
                (Some(k), _) => field(Some(k))
                    .ok_or_else(|| bad(line, "the kind is empty"))?
                    .parse::<ItemKind>()
                    .map_err(|e| bad(line, e.to_string().trim_end_matches('.')))?,
                (None, Some(c)) => *kinds_from.entry(c.to_string()).or_insert_with(|| kind_from_category(c)),
                (None, None) => ItemKind::Other,
            };
            let data_subjects = match field(subjects) {
                None => 0,
                Some(n) => n
                    .parse::<u32>()
                    .map_err(|_| bad(line, format!("data_subjects {n:?} is not a whole number")))?,
            };
            let raw = Item {
                tag: field(Some(tag)).unwrap_or_default().to_string(),
                kind,
                name: field(Some(name)).unwrap_or_default().to_string(),
                serial: field(serial).map(str::to_string),
                encrypted: yes_no(line, "encrypted", field(encrypted))?,
                data_categories: field(categories).map(|c| vec![c.to_string()]).unwrap_or_default(),
                data_subjects,
                special_category: yes_no(line, "special_category", field(special))?,
                safeguarding: yes_no(line, "safeguarding", field(safeguarding))?,
                confidential: yes_no(line, "confidential", field(confidential))?,
                anonymised_unapproved: yes_no(line, "anonymised_unapproved", field(anonymised))?,
            };
            let item =
                crate::ledger::validate_item(&raw).map_err(|e| bad(line, e.to_string().trim_end_matches('.')))?;
            if !seen.insert(item.tag.clone()) {
                return Err(bad(line, format!("the tag {} appears twice in the file", item.tag)));
            }
            if self.item(&item.tag).is_ok() {
                return Err(bad(line, format!("there is already an item tagged {}", item.tag)));
            }
            items.push(item);
        }
        let plan = match &checkouts {
            Some(cols) => opening::plan(self, &sheet, cols, &items, no_new_people)?,
            None => opening::Plan::default(),
        };
        let format = if snipe {
            "Snipe-IT asset export"
        } else {
            "Custody items template"
        };
        let report = ImportReport {
            format,
            rows: items.len(),
            added: items.iter().map(|i| i.tag.clone()).collect(),
            used_columns: sheet.used(&used),
            ignored_columns: sheet.ignored(&used),
            dry_run,
            mappings: kinds_from
                .iter()
                .map(|(category, kind)| format!("category {category} → {kind}"))
                .collect(),
            people_added: (plan.new_people.iter())
                .map(|(line, p)| format!("{} {} (line {line})", p.id, p.name))
                .collect(),
            custody_events: plan.openings.len(),
            not_imported: plan.not_imported.clone(),
        };
        let reason = format!("imported from a {format}");
        self.in_import(dry_run, |w| {
            let at = crate::time::to_millis(w.ledger.now());
            for item in &items {
                w.register_item(item, at, Some(&reason))?;
            }
            for (_, person) in &plan.new_people {
                w.register_person(person, at, Some(&reason))?;
            }
            for o in &plan.openings {
                let mut e = blank(EventKind::SignOut, &o.tag, o.at);
                e.person = Some(o.holder.clone());
                e.handover = Some(uuid::Uuid::now_v7());
                e.due_at = o.due.map(crate::time::to_millis);
                e.note = Some(opening::OPENING_NOTE.to_string());
                w.append_imported(e)
                    .map_err(|e| bad(o.line, e.to_string().trim_end_matches('.')))?;
            }
            Ok(())
        })?;
        Ok(report)
    }

    /// Imports people from CSV bytes (Custody's template or a Snipe-IT users export); with
    /// `dry_run`, checks everything and writes nothing.
    pub fn import_people(&mut self, csv: &[u8], dry_run: bool) -> Result<ImportReport> {
        self.allow(crate::operator::Action::Import)?;
        let sheet = read_sheet(csv)?;
        let today = self.today();
        let (format, read) = if snipe_users::is_users_export(&sheet) {
            ("Snipe-IT users export", snipe_users::read(&sheet, today)?)
        } else {
            ("Custody people template", people_from_template(&sheet, today)?)
        };
        for (line, person) in &read.people {
            if self.person(&person.id).is_ok() {
                return Err(bad(*line, format!("there is already a person with id {}", person.id)));
            }
        }
        let report = ImportReport {
            format,
            rows: read.people.len(),
            added: read.people.iter().map(|(_, p)| p.id.clone()).collect(),
            used_columns: sheet.used(&read.used),
            ignored_columns: sheet.ignored(&read.used),
            dry_run,
            mappings: read.mappings,
            ..ImportReport::default()
        };
        let reason = format!("imported from a {format}");
        self.in_import(dry_run, |w| {
            let at = crate::time::to_millis(w.ledger.now());
            for (_, person) in &read.people {
                w.register_person(person, at, Some(&reason))?;
            }
            Ok(())
        })?;
        Ok(report)
    }

    /// Types a paper signing-out book into the ledger (see [`book`]): all of it, or nothing.
    pub fn import_custody(&mut self, csv: &[u8], dry_run: bool) -> Result<ImportReport> {
        self.allow(crate::operator::Action::Import)?;
        let sheet = read_sheet(csv)?;
        let (entries, used) = book::read(self, &sheet)?;
        let report = ImportReport {
            format: "paper signing-out book",
            rows: sheet.rows.len(),
            used_columns: sheet.used(&used),
            ignored_columns: sheet.ignored(&used),
            dry_run,
            custody_events: entries.len(),
            ..ImportReport::default()
        };
        self.in_import(dry_run, |w| {
            for entry in &entries {
                book::append(w, entry).map_err(|e| bad(entry.line, e.to_string().trim_end_matches('.')))?;
            }
            Ok(())
        })?;
        Ok(report)
    }

    /// Runs an import's writes as one transaction: committed, or for a dry run rolled back, so
    /// a dry run meets every check the import would.
    fn in_import(&mut self, dry_run: bool, write: impl FnOnce(&mut Writer<'_>) -> Result<()>) -> Result<()> {
        let mut w = self.writer()?;
        write(&mut w)?;
        if dry_run {
            return Ok(()); // dropped uncommitted: rolled back
        }
        w.commit()
    }
}

/// The people of Custody's own template.
fn people_from_template(sheet: &Sheet, today: NaiveDate) -> Result<snipe_users::Read> {
    let id = require(sheet, &["id", "staff_number"], "id")?;
    let name = require(sheet, &["name"], "name")?;
    let cols = PEOPLE_OPTIONAL.map(|c| sheet.column(&[c]));
    let [email, active, a_signed, a_review, r_done, r_review, r_ref, training] = cols;
    let mut used = vec![Some(id), Some(name)];
    used.extend(cols);

    let mut people = Vec::with_capacity(sheet.rows.len());
    let mut seen = HashSet::new();
    for (line, row) in &sheet.rows {
        let line = *line;
        let field = |c| cell(row, c);
        let why = |e: Error| bad(line, e.to_string().trim_end_matches('.'));
        let home = HomeWorking {
            agreement_signed: date(line, "agreement_signed", field(a_signed))?,
            agreement_review: date(line, "agreement_review", field(a_review))?,
            assessment_done: date(line, "assessment_done", field(r_done))?,
            assessment_review: date(line, "assessment_review", field(r_review))?,
            assessment_ref: field(r_ref).map(str::to_string),
            training: date(line, "training", field(training))?,
        };
        let person = Person {
            id: normalise_id(IdKind::Person, field(Some(id)).unwrap_or_default()).map_err(why)?,
            name: required_text("name", field(Some(name)).unwrap_or_default()).map_err(why)?,
            email: optional_text("email", field(email)).map_err(why)?,
            active: field(active).is_none() || yes_no(line, "active", field(active))?,
            home: crate::ledger::validate_home_working(&home, today).map_err(why)?,
        };
        if !seen.insert(person.id.clone()) {
            return Err(bad(line, format!("the id {} appears twice in the file", person.id)));
        }
        people.push((line, person));
    }
    Ok(snipe_users::Read {
        people,
        used,
        mappings: Vec::new(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formulas_are_neutralised_and_imports_take_exactly_that_off() {
        assert_eq!(neutralise_formula("=HYPERLINK(\"x\")"), "'=HYPERLINK(\"x\")");
        assert_eq!(neutralise_formula("@SUM(A1)"), "'@SUM(A1)");
        assert_eq!(neutralise_formula("LT-0042"), "LT-0042");
        for cell in ["=1+1", "-5 apples", "'=already quoted", "'plain", "plain", "''-x", ""] {
            assert_eq!(unneutralise_formula(&neutralise_formula(cell)), cell, "{cell:?}");
        }
    }
}
