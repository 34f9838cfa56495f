//! The register: items, people and containers. Adding one checks and normalises every field.

use chrono::NaiveDate;
use rusqlite::{Connection, OptionalExtension, Row, params};

use super::Ledger;
use crate::error::{Error, Result};
use crate::ids::{IdKind, normalise_id, optional_text, required_text};
use crate::model::{Container, ContainerKind, HomeWorking, Item, Person};
use crate::time::to_millis;

/// Columns read by [`item_from_row`], in order (table alias `i`).
pub(crate) const ITEM_COLUMNS: &str = "i.tag, i.kind, i.name, i.serial, i.encrypted, i.data_categories, \
     i.data_subjects, i.special_category, i.safeguarding, i.confidential, i.anonymised_unapproved";

/// How many columns [`ITEM_COLUMNS`] has (where the next columns start).
pub(crate) const ITEM_COLUMN_COUNT: usize = 11;

pub(crate) fn item_from_row(row: &Row<'_>) -> rusqlite::Result<Item> {
    let kind: String = row.get(1)?;
    let categories: String = row.get(5)?;
    Ok(Item {
        tag: row.get(0)?,
        kind: kind
            .parse()
            .map_err(|_| rusqlite::Error::InvalidColumnType(1, kind, rusqlite::types::Type::Text))?,
        name: row.get(2)?,
        serial: row.get(3)?,
        encrypted: row.get(4)?,
        data_categories: split_categories(&categories),
        data_subjects: row.get(6)?,
        special_category: row.get(7)?,
        safeguarding: row.get(8)?,
        confidential: row.get(9)?,
        anonymised_unapproved: row.get(10)?,
    })
}

/// Columns read by [`person_from_row`], in order (table alias `p`).
pub(crate) const PERSON_COLUMNS: &str = "p.id, p.name, p.email, p.active, p.agreement_signed, p.agreement_review, \
     p.assessment_done, p.assessment_review, p.assessment_ref, p.training";
/// How many columns [`PERSON_COLUMNS`] has.
pub(crate) const PERSON_COLUMN_COUNT: usize = 10;

pub(crate) fn person_from_row(row: &Row<'_>) -> rusqlite::Result<Person> {
    let date = |i: usize| -> rusqlite::Result<Option<NaiveDate>> {
        let text: Option<String> = row.get(i)?;
        text.map(|t| {
            NaiveDate::parse_from_str(&t, "%Y-%m-%d")
                .map_err(|e| rusqlite::Error::FromSqlConversionFailure(i, rusqlite::types::Type::Text, Box::new(e)))
        })
        .transpose()
    };
    Ok(Person {
        id: row.get(0)?,
        name: row.get(1)?,
        email: row.get(2)?,
        active: row.get(3)?,
        home: HomeWorking {
            agreement_signed: date(4)?,
            agreement_review: date(5)?,
            assessment_done: date(6)?,
            assessment_review: date(7)?,
            assessment_ref: row.get(8)?,
            training: date(9)?,
        },
    })
}

fn split_categories(text: &str) -> Vec<String> {
    text.split(',')
        .map(str::trim)
        .filter(|c| !c.is_empty())
        .map(str::to_string)
        .collect()
}

/// Checks every field of an item and returns it normalised (tag upper-cased, text trimmed,
/// categories lower-cased and de-duplicated).
pub fn validate_item(item: &Item) -> Result<Item> {
    let mut categories: Vec<String> = Vec::new();
    for raw in &item.data_categories {
        for part in split_categories(raw) {
            let category = part.to_ascii_lowercase();
            if !category
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
            {
                return Err(Error::InvalidText {
                    field: "data category",
                    why: format!("{part:?} may contain only letters, digits, '-' and '_'"),
                });
            }
            if !categories.contains(&category) {
                categories.push(category);
            }
        }
    }
    Ok(Item {
        tag: normalise_id(IdKind::Tag, &item.tag)?,
        kind: item.kind,
        name: required_text("item name", &item.name)?,
        serial: optional_text("serial number", item.serial.as_deref())?,
        encrypted: item.encrypted,
        data_categories: categories,
        data_subjects: item.data_subjects,
        special_category: item.special_category,
        safeguarding: item.safeguarding,
        confidential: item.confidential,
        anonymised_unapproved: item.anonymised_unapproved,
    })
}

/// Inserts an already validated item and its initial state ("in").
pub(crate) fn insert_item(conn: &Connection, item: &Item, added_at: i64) -> rusqlite::Result<()> {
    conn.prepare_cached(
        "INSERT INTO items (tag, kind, name, serial, encrypted, data_categories, data_subjects,
                            special_category, safeguarding, confidential, anonymised_unapproved, added_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)",
    )?
    .execute(params![
        item.tag,
        item.kind.as_str(),
        item.name,
        item.serial,
        item.encrypted,
        item.data_categories.join(","),
        item.data_subjects,
        item.special_category,
        item.safeguarding,
        item.confidential,
        item.anonymised_unapproved,
        added_at,
    ])?;
    conn.prepare_cached("INSERT INTO item_state (item, status) VALUES (?1, 'in')")?
        .execute([&item.tag])?;
    Ok(())
}

pub(crate) fn insert_person(conn: &Connection, person: &Person, added_at: i64) -> rusqlite::Result<()> {
    let h = &person.home;
    conn.prepare_cached(
        "INSERT INTO people (id, name, email, active, added_at, agreement_signed, agreement_review,
                             assessment_done, assessment_review, assessment_ref, training)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
    )?
    .execute(params![
        person.id,
        person.name,
        person.email,
        person.active,
        added_at,
        h.agreement_signed.map(day),
        h.agreement_review.map(day),
        h.assessment_done.map(day),
        h.assessment_review.map(day),
        h.assessment_ref,
        h.training.map(day),
    ])?;
    Ok(())
}

/// A day as stored: `2026-11-20`.
fn day(d: NaiveDate) -> String {
    d.format("%Y-%m-%d").to_string()
}

/// Checks a home-working record: references are plain text, reviews come after what they review,
/// and nothing was done in the future.
pub fn validate_home_working(h: &HomeWorking, today: NaiveDate) -> Result<HomeWorking> {
    let bad = |why: String| Error::InvalidText {
        field: "home-working record",
        why,
    };
    for (what, date) in [
        ("agreement signing date", h.agreement_signed),
        ("risk assessment date", h.assessment_done),
        ("training date", h.training),
    ] {
        if let Some(d) = date.filter(|d| *d > today) {
            return Err(bad(format!("the {what} {d} is in the future")));
        }
    }
    for (done, review, what) in [
        (h.agreement_signed, h.agreement_review, "agreement"),
        (h.assessment_done, h.assessment_review, "risk assessment"),
    ] {
        if let (Some(done), Some(review)) = (done, review)
            && review < done
        {
            return Err(bad(format!(
                "the {what}'s review date {review} is before it was done ({done})"
            )));
        }
    }
    Ok(HomeWorking {
        assessment_ref: optional_text("risk assessment reference", h.assessment_ref.as_deref())?,
        ..h.clone()
    })
}

impl Ledger {
    /// Registers a new item. Its tag must be new.
    pub fn add_item(&mut self, item: &Item) -> Result<Item> {
        let item = validate_item(item)?;
        let exists = "SELECT 1 FROM items WHERE tag = ?1";
        self.add_new(exists, &item.tag, Error::DuplicateItem, |tx, at| {
            insert_item(tx, &item, at)
        })?;
        Ok(item)
    }

    /// Inserts a new row of the register in one transaction, unless `exists` finds its id.
    fn add_new(
        &mut self,
        exists_sql: &str,
        id: &str,
        duplicate: fn(String) -> Error,
        insert: impl FnOnce(&Connection, i64) -> rusqlite::Result<()>,
    ) -> Result<()> {
        self.writable()?;
        let tx = self.conn.transaction()?;
        if exists(&tx, exists_sql, id)? {
            return Err(duplicate(id.to_string()));
        }
        insert(&tx, to_millis(self.clock.now()))?;
        tx.commit()?;
        Ok(())
    }

    /// Runs `insert` in one transaction with the time of adding: all rows, or none.
    pub(crate) fn insert_all(&mut self, insert: impl FnOnce(&Connection, i64) -> rusqlite::Result<()>) -> Result<()> {
        self.writable()?;
        let at = to_millis(self.clock.now());
        let tx = self.conn.transaction()?;
        insert(&tx, at)?;
        tx.commit()?;
        Ok(())
    }

    /// Registers a new person who can hold items.
    pub fn add_person(&mut self, id: &str, name: &str, email: Option<&str>) -> Result<Person> {
        let person = Person {
            id: normalise_id(IdKind::Person, id)?,
            name: required_text("name", name)?,
            email: optional_text("email", email)?,
            active: true,
            home: HomeWorking::default(),
        };
        if let Some(email) = &person.email
            && (!email.contains('@') || email.contains(char::is_whitespace))
        {
            return Err(Error::InvalidText {
                field: "email",
                why: format!("{email:?} is not an email address"),
            });
        }
        let exists = "SELECT 1 FROM people WHERE id = ?1";
        self.add_new(exists, &person.id, Error::DuplicatePerson, |tx, at| {
            insert_person(tx, &person, at)
        })?;
        Ok(person)
    }

    /// Marks a person as able (or no longer able) to hold items (rule R8). Items they hold now
    /// stay recorded with them until signed in.
    pub fn set_person_active(&mut self, id: &str, active: bool) -> Result<Person> {
        self.writable()?;
        let mut person = self.person(id)?;
        self.conn.execute(
            "UPDATE people SET active = ?1 WHERE id = ?2",
            params![active, person.id],
        )?;
        person.active = active;
        Ok(person)
    }

    /// Updates a person's home-working record: every field given in `change` replaces the
    /// stored one; fields left `None` stay as they are.
    pub fn update_home_working(&mut self, id: &str, change: &HomeWorking) -> Result<Person> {
        let mut person = self.person(id)?;
        let h = &mut person.home;
        let merge = |new: Option<NaiveDate>, old: Option<NaiveDate>| new.or(old);
        h.agreement_signed = merge(change.agreement_signed, h.agreement_signed);
        h.agreement_review = merge(change.agreement_review, h.agreement_review);
        h.assessment_done = merge(change.assessment_done, h.assessment_done);
        h.assessment_review = merge(change.assessment_review, h.assessment_review);
        h.training = merge(change.training, h.training);
        if change.assessment_ref.is_some() {
            h.assessment_ref.clone_from(&change.assessment_ref);
        }
        self.set_home_working(id, &person.home)
    }

    /// Replaces a person's whole home-working record (a field left `None` is cleared), after
    /// checking it; on a refusal nothing is written.
    pub fn set_home_working(&mut self, id: &str, record: &HomeWorking) -> Result<Person> {
        self.writable()?;
        let mut person = self.person(id)?;
        let today = self.today();
        person.home = validate_home_working(record, today)?;
        let h = &person.home;
        self.conn.execute(
            "UPDATE people SET agreement_signed = ?1, agreement_review = ?2, assessment_done = ?3,
                 assessment_review = ?4, assessment_ref = ?5, training = ?6 WHERE id = ?7",
            params![
                h.agreement_signed.map(day),
                h.agreement_review.map(day),
                h.assessment_done.map(day),
                h.assessment_review.map(day),
                h.assessment_ref,
                h.training.map(day),
                person.id
            ],
        )?;
        Ok(person)
    }

    /// Registers a bag, case or car that items can travel in.
    pub fn add_container(&mut self, id: &str, kind: ContainerKind, name: &str) -> Result<Container> {
        let container = Container {
            id: normalise_id(IdKind::Container, id)?,
            kind,
            name: required_text("container name", name)?,
        };
        let exists = "SELECT 1 FROM containers WHERE id = ?1";
        self.add_new(exists, &container.id, Error::DuplicateContainer, |tx, at| {
            tx.execute(
                "INSERT INTO containers (id, kind, name, added_at) VALUES (?1, ?2, ?3, ?4)",
                params![container.id, container.kind.as_str(), container.name, at],
            )
            .map(|_| ())
        })?;
        Ok(container)
    }

    /// The item with this tag (any case).
    pub fn item(&self, tag: &str) -> Result<Item> {
        let sql = format!("SELECT {ITEM_COLUMNS} FROM items i WHERE i.tag = ?1");
        self.find(IdKind::Tag, tag, &sql, item_from_row, Error::UnknownItem)
    }

    /// The person with this id (any case).
    pub fn person(&self, id: &str) -> Result<Person> {
        let sql = format!("SELECT {PERSON_COLUMNS} FROM people p WHERE p.id = ?1");
        self.find(IdKind::Person, id, &sql, person_from_row, Error::UnknownPerson)
    }

    /// The container with this id (any case).
    pub fn container(&self, id: &str) -> Result<Container> {
        let sql = "SELECT id, kind, name FROM containers WHERE id = ?1";
        self.find(IdKind::Container, id, sql, container_from_row, Error::UnknownContainer)
    }

    /// One row of the register by its id as typed, or `missing` naming the id as stored.
    fn find<T>(
        &self,
        kind: IdKind,
        id: &str,
        sql: &str,
        read: fn(&rusqlite::Row<'_>) -> rusqlite::Result<T>,
        missing: fn(String) -> Error,
    ) -> Result<T> {
        let id = normalise_id(kind, id)?;
        let found = self.conn.prepare_cached(sql)?.query_row([&id], read).optional()?;
        found.ok_or_else(|| missing(id))
    }

    /// Every container, by id.
    pub fn containers(&self) -> Result<Vec<Container>> {
        let mut stmt = self.conn.prepare("SELECT id, kind, name FROM containers ORDER BY id")?;
        let rows = stmt.query_map([], container_from_row)?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }
}

fn container_from_row(r: &Row<'_>) -> rusqlite::Result<Container> {
    let kind: String = r.get(1)?;
    Ok(Container {
        id: r.get(0)?,
        kind: kind.parse().unwrap_or(ContainerKind::Other),
        name: r.get(2)?,
    })
}

fn exists(conn: &Connection, sql: &str, key: &str) -> rusqlite::Result<bool> {
    Ok(conn
        .prepare_cached(sql)?
        .query_row([key], |_| Ok(()))
        .optional()?
        .is_some())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Queries that read more columns after these find them by the counts.
    #[test]
    fn the_column_counts_match_the_column_lists() {
        assert_eq!(ITEM_COLUMNS.split(',').count(), ITEM_COLUMN_COUNT);
        assert_eq!(PERSON_COLUMNS.split(',').count(), PERSON_COLUMN_COUNT);
    }
}
