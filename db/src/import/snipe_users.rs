//! People from a Snipe-IT users export (`First Name`, `Last Name`, `Email`, `Username`,
//! `Employee Number`, `Activated`, `End Date`, … in any order).
//!
//! The id is the employee number when there is one, else the username in Custody's id alphabet
//! (upper case; `_` becomes `-`, `@` becomes `.`); the dry run shows every username's id. A person
//! not activated, or whose end date has passed, is imported as inactive.

use std::collections::HashMap;

use chrono::NaiveDate;

use super::{Sheet, bad, cell, require, yes_no};
use crate::error::{Error, Result};
use crate::ids::{IdKind, normalise_id, optional_text, required_text};
use crate::ledger::checked_email;
use crate::model::{HomeWorking, Person};
use crate::time::parse_date;

/// Whether the sheet is a Snipe-IT users export.
pub(super) fn is_users_export(sheet: &Sheet) -> bool {
    sheet.column(&["username", "user_name"]).is_some() && sheet.column(&["first_name"]).is_some()
}

/// A Snipe-IT username in Custody's id alphabet.
pub(crate) fn id_from_username(username: &str) -> Result<String> {
    let mapped: String = username
        .trim()
        .chars()
        .map(|c| match c {
            '@' => '.',
            c if c.is_ascii_alphanumeric() || c == '-' || c == '.' => c,
            _ => '-',
        })
        .collect();
    normalise_id(IdKind::Person, mapped.trim_start_matches(['-', '.']))
}

/// The people of a users export, with the columns used and how each id was made.
pub(super) struct Read {
    pub people: Vec<(u64, Person)>,
    pub used: Vec<Option<usize>>,
    pub mappings: Vec<String>,
}

pub(super) fn read(sheet: &Sheet, today: NaiveDate) -> Result<Read> {
    let username = require(sheet, &["username", "user_name"], "username")?;
    let c = |names: &[&str]| sheet.column(names);
    let (first, last, display) = (c(&["first_name"]), c(&["last_name"]), c(&["display_name"]));
    let (email, employee, activated) = (
        c(&["email"]),
        c(&["employee_number", "employee_num"]),
        c(&["activated"]),
    );
    let end = c(&["end_date"]);
    let used = vec![Some(username), first, last, display, email, employee, activated, end];

    let mut people = Vec::with_capacity(sheet.rows.len());
    let mut mappings = Vec::new();
    let mut usernames: HashMap<String, u64> = HashMap::new();
    let mut ids: HashMap<String, u64> = HashMap::new();
    for (line, row) in &sheet.rows {
        let line = *line;
        let field = |col| cell(row, col);
        let why = |e: Error| bad(line, e.to_string().trim_end_matches('.'));
        let user = field(Some(username)).ok_or_else(|| bad(line, "the username is empty"))?;
        if let Some(first_line) = usernames.insert(user.to_lowercase(), line) {
            return Err(bad(
                line,
                format!("the username {user} is also on line {first_line}; a username names one person"),
            ));
        }
        let id = match field(employee) {
            Some(number) => normalise_id(IdKind::Person, number).map_err(why)?,
            None => {
                let id = id_from_username(user).map_err(why)?;
                mappings.push(format!("username {user} → id {id}"));
                id
            }
        };
        if let Some(first_line) = ids.insert(id.clone(), line) {
            return Err(bad(
                line,
                format!("its id would be {id}, as on line {first_line}; give one of them an employee number"),
            ));
        }
        let joined = [field(first), field(last)]
            .into_iter()
            .flatten()
            .collect::<Vec<_>>()
            .join(" ");
        let name = if joined.is_empty() {
            field(display).unwrap_or_default()
        } else {
            &joined
        };
        let left = field(end)
            .map(|d| parse_date(d).map_err(|e| bad(line, format!("End Date: {e}"))))
            .transpose()?
            .is_some_and(|d| d < today);
        let active = (field(activated).is_none() || yes_no(line, "Activated", field(activated))?) && !left;
        let person = Person {
            id,
            name: required_text("name", name)
                .map_err(|_| bad(line, format!("{user} has no name (First Name and Last Name are empty)")))?,
            email: checked_email(optional_text("email", field(email)).map_err(why)?.as_deref()).map_err(why)?,
            active,
            home: HomeWorking::default(),
        };
        people.push((line, person));
    }
    Ok(Read { people, used, mappings })
}
