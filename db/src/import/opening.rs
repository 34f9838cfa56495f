//! Who holds what on day one: a Snipe-IT asset export's check-outs become opening sign-outs.
//!
//! A check-out to a user becomes a sign-out to the person it names (matched by employee number,
//! username or email), dated by `last_checkout` (else the import) and due by `expected_checkin`
//! (else no due date: Snipe-IT leaves it empty for allocations). A user who is not yet among the
//! people is added from the export's own name and email columns, as Snipe-IT's importer does.
//! A check-out to a location or another asset is reported, never guessed at.

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, Utc};

use super::snipe_users::id_from_username;
use super::{Sheet, bad, cell, moment};
use crate::error::{Error, Result};
use crate::ids::{IdKind, normalise_id, required_text};
use crate::ledger::Ledger;
use crate::ledger::checked_email;
use crate::model::{Item, Person};
use crate::time::{DayEdge, to_millis};

/// The note every opening sign-out carries, so the ledger says where it came from.
pub const OPENING_NOTE: &str = "opening custody imported from a Snipe-IT asset export";

/// The check-out columns of an asset export (Snipe-IT names them "Checked Out To: …").
pub(super) struct Columns {
    kind: Option<usize>,
    username: Option<usize>,
    email: Option<usize>,
    employee: Option<usize>,
    first: Option<usize>,
    last: Option<usize>,
    full: Option<usize>,
    location: Option<usize>,
    out_at: Option<usize>,
    due_at: Option<usize>,
}

impl Columns {
    /// The export's check-out columns, if it has any that name a holder.
    pub(super) fn of(sheet: &Sheet) -> Option<Columns> {
        let c = |names: &[&str]| sheet.column(names);
        let columns = Columns {
            kind: c(&["checkout_type", "checked_out_type"]),
            username: c(&["checked_out_to_username", "username"]),
            email: c(&["checked_out_to_email", "email"]),
            employee: c(&["checked_out_to_employee_number", "employee_number"]),
            first: c(&["checked_out_to_first_name"]),
            last: c(&["checked_out_to_last_name"]),
            full: c(&["checked_out_to", "full_name"]),
            location: c(&["checked_out_to_location"]),
            out_at: c(&["last_checkout", "checkout_date", "checked_out_at"]),
            due_at: c(&["expected_checkin", "expected_check_in"]),
        };
        let names_a_holder = [columns.username, columns.email, columns.employee, columns.location]
            .iter()
            .any(Option::is_some);
        names_a_holder.then_some(columns)
    }

    pub(super) fn used(&self) -> Vec<Option<usize>> {
        vec![
            self.kind,
            self.username,
            self.email,
            self.employee,
            self.first,
            self.last,
            self.full,
            self.location,
            self.out_at,
            self.due_at,
        ]
    }
}

/// One opening sign-out, checked and ready to record.
pub(super) struct Opening {
    pub line: u64,
    pub tag: String,
    pub holder: String,
    pub at: DateTime<Utc>,
    pub due: Option<DateTime<Utc>>,
}

/// What the check-out columns say: the sign-outs, the people to add, and what was left out.
#[derive(Default)]
pub(super) struct Plan {
    pub openings: Vec<Opening>,
    pub new_people: Vec<(u64, Person)>,
    pub not_imported: Vec<String>,
}

/// Reads every row's check-out; `items[i]` is the item on `sheet.rows[i]`.
pub(super) fn plan(
    ledger: &Ledger,
    sheet: &Sheet,
    cols: &Columns,
    items: &[Item],
    no_new_people: bool,
) -> Result<Plan> {
    let known = Known::read(ledger)?;
    let now = ledger.now();
    let mut plan = Plan::default();
    let mut added = HashSet::new();
    let mut unknown = Vec::new();
    for ((line, row), item) in sheet.rows.iter().zip(items) {
        let line = *line;
        let field = |c| cell(row, c);
        let kind = field(cols.kind).unwrap_or_default().to_ascii_lowercase();
        let names_user = [cols.username, cols.email, cols.employee]
            .iter()
            .any(|c| field(*c).is_some());
        let elsewhere = match kind.as_str() {
            "location" => Some(format!(
                "the location {}",
                field(cols.location).unwrap_or("(not named)")
            )),
            "asset" => Some("another asset".to_string()),
            _ if !names_user => field(cols.location).map(|l| format!("the location {l}")),
            _ => None,
        };
        if let Some(place) = elsewhere {
            plan.not_imported.push(format!(
                "line {line}: {} is checked out to {place}; Custody records people, so it is imported as in",
                item.tag
            ));
            continue;
        }
        if !names_user {
            continue;
        }
        let who = Holder {
            employee: field(cols.employee),
            username: field(cols.username),
            email: field(cols.email),
        };
        let holder = match known.find(&who) {
            Some(id) => id,
            None => {
                let id = who.id(line)?;
                if added.insert(id.clone()) {
                    if no_new_people {
                        unknown.push(format!("{} (line {line})", who.describe()));
                        continue;
                    }
                    let name = name_of(field(cols.full), field(cols.first), field(cols.last));
                    plan.new_people.push((line, who.new_person(line, id.clone(), name)?));
                } else if no_new_people {
                    continue;
                }
                id
            }
        };
        let at = match field(cols.out_at) {
            Some(text) => moment(line, "last_checkout", text, DayEdge::Start, ledger)?,
            None => now,
        };
        let due = field(cols.due_at)
            .map(|text| moment(line, "expected_checkin", text, DayEdge::End, ledger))
            .transpose()?;
        if let Some(due) = due.filter(|due| *due <= at) {
            return Err(bad(
                line,
                format!(
                    "expected_checkin {} is not after the check-out {}",
                    ledger.format_time(to_millis(due)),
                    ledger.format_time(to_millis(at))
                ),
            ));
        }
        plan.openings.push(Opening {
            line,
            tag: item.tag.clone(),
            holder,
            at,
            due,
        });
    }
    if let Some(first) = unknown.first() {
        let line = first
            .rsplit("line ")
            .next()
            .and_then(|l| l.trim_end_matches(')').parse().ok());
        return Err(bad(
            line.unwrap_or(1),
            format!(
                "these holders are not among the people: {}; import Snipe-IT's users export first, or import again letting this file add new people",
                unknown.join(", ")
            ),
        ));
    }
    Ok(plan)
}

/// "Jo Doe" from a full name, or from first and last names.
fn name_of(full: Option<&str>, first: Option<&str>, last: Option<&str>) -> Option<String> {
    let joined = [first, last].into_iter().flatten().collect::<Vec<_>>().join(" ");
    full.map(str::to_string).or((!joined.is_empty()).then_some(joined))
}

/// How a check-out names its user.
struct Holder<'a> {
    employee: Option<&'a str>,
    username: Option<&'a str>,
    email: Option<&'a str>,
}

impl Holder<'_> {
    fn describe(&self) -> String {
        self.username
            .or(self.email)
            .or(self.employee)
            .unwrap_or_default()
            .to_string()
    }

    /// The id a new person gets: the employee number, else the username (or the email's
    /// name) in Custody's id alphabet — as the users import gives them.
    fn id(&self, line: u64) -> Result<String> {
        let why = |e: Error| bad(line, e.to_string().trim_end_matches('.'));
        match (self.employee, self.username, self.email) {
            (Some(number), _, _) => normalise_id(IdKind::Person, number).map_err(why),
            (None, Some(username), _) => id_from_username(username).map_err(why),
            (None, None, Some(email)) => id_from_username(email.split('@').next().unwrap_or(email)).map_err(why),
            (None, None, None) => Err(bad(line, "the check-out names no user")),
        }
    }

    fn new_person(&self, line: u64, id: String, name: Option<String>) -> Result<Person> {
        let Some(name) = name else {
            return Err(bad(
                line,
                format!(
                    "it is checked out to {}, who is not among the people and whose name the file does not give; import Snipe-IT's users export first",
                    self.describe()
                ),
            ));
        };
        let why = |e: Error| bad(line, e.to_string().trim_end_matches('.'));
        Ok(Person {
            id,
            name: required_text("name", &name).map_err(why)?,
            email: checked_email(self.email).map_err(why)?,
            active: true,
            home: crate::model::HomeWorking::default(),
        })
    }
}

/// The people already registered, by id and by email.
struct Known {
    ids: HashSet<String>,
    emails: HashMap<String, String>,
}

impl Known {
    fn read(ledger: &Ledger) -> Result<Known> {
        let (ids, emails) = ledger.person_ids_and_emails()?;
        Ok(Known { ids, emails })
    }

    /// The registered person a check-out names: by employee number, username, then email.
    fn find(&self, who: &Holder<'_>) -> Option<String> {
        let by_id = |raw: Option<&str>, derive: fn(&str) -> Result<String>| {
            raw.and_then(|r| derive(r).ok()).filter(|id| self.ids.contains(id))
        };
        by_id(who.employee, |n| normalise_id(IdKind::Person, n))
            .or_else(|| by_id(who.username, id_from_username))
            .or_else(|| who.email.and_then(|e| self.emails.get(&e.to_lowercase()).cloned()))
    }
}
