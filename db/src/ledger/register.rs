//! The register: items, people and containers. Adding one checks and normalises every field.

use chrono::NaiveDate;
use rusqlite::{Connection, OptionalExtension, Row, params};

use serde::Serialize;

use super::Ledger;
use super::records::{FieldChange, changed_fields, fields_of};
use super::writer::Writer;
use crate::error::{Error, Result};
use crate::ids::{IdKind, normalise_id, optional_text, required_text};
use crate::model::{Container, ContainerKind, HomeWorking, Item, ItemKind, Person};
use crate::record::{Record, RecordKind};
use crate::state::Status;
use crate::time::{format_date, to_millis};

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
    write_item(conn, item, added_at)?;
    conn.prepare_cached("INSERT INTO item_state (item, status) VALUES (?1, 'in')")?
        .execute([&item.tag])?;
    Ok(())
}

/// Writes an item's row: a new one added at `added_at`, or over an existing one, which keeps
/// when it was added (its state is the ledger's business, not this).
pub(crate) fn write_item(conn: &Connection, item: &Item, added_at: i64) -> rusqlite::Result<()> {
    conn.prepare_cached(
        "INSERT INTO items (tag, kind, name, serial, encrypted, data_categories, data_subjects,
                            special_category, safeguarding, confidential, anonymised_unapproved, added_at)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)
         ON CONFLICT (tag) DO UPDATE SET kind = excluded.kind, name = excluded.name, serial = excluded.serial,
             encrypted = excluded.encrypted, data_categories = excluded.data_categories,
             data_subjects = excluded.data_subjects, special_category = excluded.special_category,
             safeguarding = excluded.safeguarding, confidential = excluded.confidential,
             anonymised_unapproved = excluded.anonymised_unapproved",
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
    Ok(())
}

/// Writes a person's row: a new one added at `added_at`, or over an existing one, which keeps
/// when it was added.
pub(crate) fn write_person(conn: &Connection, person: &Person, added_at: i64) -> rusqlite::Result<()> {
    let h = &person.home;
    conn.prepare_cached(
        "INSERT INTO people (id, name, email, active, added_at, agreement_signed, agreement_review,
                             assessment_done, assessment_review, assessment_ref, training)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)
         ON CONFLICT (id) DO UPDATE SET name = excluded.name, email = excluded.email, active = excluded.active,
             agreement_signed = excluded.agreement_signed, agreement_review = excluded.agreement_review,
             assessment_done = excluded.assessment_done, assessment_review = excluded.assessment_review,
             assessment_ref = excluded.assessment_ref, training = excluded.training",
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

/// An email address as typed, checked: blank is none.
pub(crate) fn checked_email(email: Option<&str>) -> Result<Option<String>> {
    let email = optional_text("email", email)?;
    if let Some(email) = &email
        && (!email.contains('@') || email.contains(char::is_whitespace))
    {
        return Err(Error::InvalidText {
            field: "email",
            why: format!("{email:?} is not an email address"),
        });
    }
    Ok(email)
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
            return Err(bad(format!("the {what} {} is in the future", format_date(d))));
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
                "the {what}'s review date {} is before it was done ({})",
                format_date(review),
                format_date(done)
            )));
        }
    }
    Ok(HomeWorking {
        assessment_ref: optional_text("risk assessment reference", h.assessment_ref.as_deref())?,
        ..h.clone()
    })
}

/// What an edit changed; empty when it changed nothing (and then nothing was written).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Edit {
    /// The tag or id, as stored.
    pub subject: String,
    pub changes: Vec<FieldChange>,
    /// The sequence number of the record written; `None` when nothing changed.
    pub seq: Option<i64>,
}

impl Edit {
    pub fn changed_nothing(&self) -> bool {
        self.changes.is_empty()
    }
}

/// Changes to an item's record: each field given replaces the stored one.
#[derive(Clone, Debug, Default)]
pub struct ItemEdit {
    pub kind: Option<ItemKind>,
    pub name: Option<String>,
    /// `Some(None)` clears the serial number.
    pub serial: Option<Option<String>>,
    pub encrypted: Option<bool>,
    pub data_categories: Option<Vec<String>>,
    pub data_subjects: Option<u32>,
    pub special_category: Option<bool>,
    pub safeguarding: Option<bool>,
    pub confidential: Option<bool>,
    pub anonymised_unapproved: Option<bool>,
}

impl ItemEdit {
    fn applied_to(&self, item: &Item) -> Item {
        let mut new = item.clone();
        let set = |field: &mut bool, value: Option<bool>| {
            if let Some(v) = value {
                *field = v;
            }
        };
        if let Some(kind) = self.kind {
            new.kind = kind;
        }
        if let Some(name) = &self.name {
            new.name.clone_from(name);
        }
        if let Some(serial) = &self.serial {
            new.serial.clone_from(serial);
        }
        set(&mut new.encrypted, self.encrypted);
        if let Some(categories) = &self.data_categories {
            new.data_categories.clone_from(categories);
        }
        if let Some(n) = self.data_subjects {
            new.data_subjects = n;
        }
        set(&mut new.special_category, self.special_category);
        set(&mut new.safeguarding, self.safeguarding);
        set(&mut new.confidential, self.confidential);
        set(&mut new.anonymised_unapproved, self.anonymised_unapproved);
        new
    }
}

impl Writer<'_> {
    /// Appends the record registering `entity` (its fields, all of them) at `at`.
    fn register<T: Serialize>(
        &mut self,
        kind: RecordKind,
        id: &str,
        entity: &T,
        id_key: &str,
        at: i64,
        reason: Option<&str>,
    ) -> Result<Record> {
        let mut r = Record::draft(kind, id, &fields_of(entity, id_key), at);
        r.reason = reason.map(str::to_string);
        self.append_record(r)
    }

    /// Appends the record of what changed from `before` to `after`, now; nothing when nothing did.
    fn change<T: Serialize>(
        &mut self,
        kind: RecordKind,
        id: &str,
        (before, after): (&T, &T),
        id_key: &str,
        reason: Option<&str>,
    ) -> Result<Edit> {
        let (before, after) = (fields_of(before, id_key), fields_of(after, id_key));
        let changed = changed_fields(&before, &after);
        let changes = changed
            .iter()
            .map(|(key, value)| FieldChange {
                field: super::records::field_name(key),
                from: Some(before.get(key).map_or("none".to_string(), super::records::field_value)),
                to: super::records::field_value(value),
            })
            .collect();
        let mut seq = None;
        if !changed.is_empty() {
            let at = to_millis(self.ledger.clock.now());
            let mut r = Record::draft(kind, id, &changed, at);
            r.reason = reason.map(str::to_string);
            seq = Some(self.append_record(r)?.seq);
        }
        Ok(Edit {
            subject: id.to_string(),
            changes,
            seq,
        })
    }

    /// Registers an already validated item: its record, its row and its state ("in").
    pub(crate) fn register_item(&mut self, item: &Item, at: i64, reason: Option<&str>) -> Result<()> {
        self.register(RecordKind::ItemRegistered, &item.tag, item, "tag", at, reason)?;
        insert_item(self.conn(), item, at)?;
        Ok(())
    }

    /// Registers an already validated person: their record and their row.
    pub(crate) fn register_person(&mut self, person: &Person, at: i64, reason: Option<&str>) -> Result<()> {
        self.register(RecordKind::PersonRegistered, &person.id, person, "id", at, reason)?;
        write_person(self.conn(), person, at)?;
        Ok(())
    }

    fn change_person(&mut self, before: &Person, after: &Person, reason: Option<&str>) -> Result<Edit> {
        let edit = self.change(RecordKind::PersonChanged, &after.id, (before, after), "id", reason)?;
        if !edit.changed_nothing() {
            write_person(self.conn(), after, 0)?; // an existing row: it keeps its added_at
        }
        Ok(edit)
    }
}

impl Ledger {
    /// Every person's id, and the id of each email address (lower case), for matching an
    /// import's people to the register.
    pub(crate) fn person_ids_and_emails(
        &self,
    ) -> Result<(
        std::collections::HashSet<String>,
        std::collections::HashMap<String, String>,
    )> {
        let mut stmt = self.conn.prepare("SELECT id, lower(email) FROM people")?;
        let rows = stmt.query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, Option<String>>(1)?)))?;
        let (mut ids, mut emails) = (std::collections::HashSet::new(), std::collections::HashMap::new());
        for row in rows {
            let (id, email) = row?;
            if let Some(email) = email {
                emails.insert(email, id.clone());
            }
            ids.insert(id);
        }
        Ok((ids, emails))
    }

    /// Registers a new item. Its tag must be new.
    pub fn add_item(&mut self, item: &Item) -> Result<Item> {
        self.allow(crate::operator::Action::EditRegister)?;
        let item = validate_item(item)?;
        self.register_items(std::slice::from_ref(&item), None)?;
        Ok(item)
    }

    /// Registers already validated items, all or none (an import); each tag must be new.
    pub(crate) fn register_items(&mut self, items: &[Item], reason: Option<&str>) -> Result<()> {
        let at = to_millis(self.clock.now());
        let mut w = self.writer()?;
        for item in items {
            if exists(w.conn(), "SELECT 1 FROM items WHERE tag = ?1", &item.tag)? {
                return Err(Error::DuplicateItem(item.tag.clone()));
            }
            w.register_item(item, at, reason)?;
        }
        w.commit()
    }

    /// Registers already validated people, all or none (an import); each id must be new.
    pub(crate) fn register_people(&mut self, people: &[Person], reason: Option<&str>) -> Result<()> {
        let at = to_millis(self.clock.now());
        let mut w = self.writer()?;
        for person in people {
            if exists(w.conn(), "SELECT 1 FROM people WHERE id = ?1", &person.id)? {
                return Err(Error::DuplicatePerson(person.id.clone()));
            }
            w.register_person(person, at, reason)?;
        }
        w.commit()
    }

    /// Changes an item's record (its name, serial, kind or personal-data profile) and records
    /// what changed, old and new, with the reason. A change to nothing writes nothing. A retired
    /// item's profile can still be put right (it matters for past exposures), but not its kind.
    pub fn edit_item(&mut self, tag: &str, edit: &ItemEdit, reason: Option<&str>) -> Result<Edit> {
        self.allow(crate::operator::Action::EditRegister)?;
        let before = self.item(tag)?;
        let reason = optional_text("reason", reason)?;
        let after = validate_item(&edit.applied_to(&before))?;
        if after.kind != before.kind && self.state(&before.tag)?.status == Status::Retired {
            return Err(Error::InvalidText {
                field: "kind",
                why: format!("{} is retired: its kind can no longer change", before.tag),
            });
        }
        let mut w = self.writer()?;
        let change = w.change(
            RecordKind::ItemChanged,
            &before.tag,
            (&before, &after),
            "tag",
            reason.as_deref(),
        )?;
        if !change.changed_nothing() {
            write_item(w.conn(), &after, 0)?; // an existing row: it keeps its added_at
        }
        w.commit()?;
        Ok(change)
    }

    /// Registers a new person who can hold items.
    pub fn add_person(&mut self, id: &str, name: &str, email: Option<&str>) -> Result<Person> {
        self.allow(crate::operator::Action::EditRegister)?;
        let person = Person {
            id: normalise_id(IdKind::Person, id)?,
            name: required_text("name", name)?,
            email: checked_email(email)?,
            active: true,
            home: HomeWorking::default(),
        };
        self.register_people(std::slice::from_ref(&person), None)?;
        Ok(person)
    }

    /// Changes a person's name, email or home-working record (each given replaces the stored
    /// one; a home-working record replaces the whole record, so a date left out is cleared),
    /// after checking them, as one record. A change to nothing writes nothing.
    pub fn edit_person(
        &mut self,
        id: &str,
        name: Option<&str>,
        email: Option<&str>,
        home: Option<&HomeWorking>,
    ) -> Result<Edit> {
        self.allow(crate::operator::Action::EditRegister)?;
        let before = self.person(id)?;
        let mut after = before.clone();
        if let Some(name) = name {
            after.name = required_text("name", name)?;
        }
        if let Some(email) = email {
            after.email = checked_email(Some(email))?;
        }
        if let Some(home) = home {
            after.home = validate_home_working(home, self.today())?;
        }
        let mut w = self.writer()?;
        let edit = w.change_person(&before, &after, None)?;
        w.commit()?;
        Ok(edit)
    }

    /// Marks a person as able (or no longer able) to hold items (rule R8). Items they hold now
    /// stay recorded with them until signed in. Recorded as a change to their record.
    pub fn set_person_active(&mut self, id: &str, active: bool) -> Result<Person> {
        self.allow(crate::operator::Action::EditRegister)?;
        let before = self.person(id)?;
        let after = Person {
            active,
            ..before.clone()
        };
        let mut w = self.writer()?;
        w.change_person(&before, &after, None)?;
        w.commit()?;
        Ok(after)
    }

    /// Updates a person's home-working record: every field given in `change` replaces the
    /// stored one; fields left `None` stay as they are.
    pub fn update_home_working(&mut self, id: &str, change: &HomeWorking) -> Result<Person> {
        self.allow(crate::operator::Action::EditRegister)?;
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
    /// checking it; on a refusal nothing is written. Each date changed is on the record.
    pub fn set_home_working(&mut self, id: &str, record: &HomeWorking) -> Result<Person> {
        self.allow(crate::operator::Action::EditRegister)?;
        self.edit_person(id, None, None, Some(record))?;
        self.person(id)
    }

    /// Registers a bag, case or car that items can travel in.
    pub fn add_container(&mut self, id: &str, kind: ContainerKind, name: &str) -> Result<Container> {
        self.allow(crate::operator::Action::EditRegister)?;
        let container = Container {
            id: normalise_id(IdKind::Container, id)?,
            kind,
            name: required_text("container name", name)?,
        };
        let at = to_millis(self.clock.now());
        let mut w = self.writer()?;
        if exists(w.conn(), "SELECT 1 FROM containers WHERE id = ?1", &container.id)? {
            return Err(Error::DuplicateContainer(container.id));
        }
        w.register(
            RecordKind::ContainerRegistered,
            &container.id,
            &container,
            "id",
            at,
            None,
        )?;
        w.conn().execute(
            "INSERT INTO containers (id, kind, name, added_at) VALUES (?1, ?2, ?3, ?4)",
            params![container.id, container.kind.as_str(), container.name, at],
        )?;
        w.commit()?;
        Ok(container)
    }

    /// Changes a container's kind or name (each given replaces the stored one).
    pub fn edit_container(
        &mut self,
        id: &str,
        kind: Option<ContainerKind>,
        name: Option<&str>,
        reason: Option<&str>,
    ) -> Result<Edit> {
        self.allow(crate::operator::Action::EditRegister)?;
        let before = self.container(id)?;
        let reason = optional_text("reason", reason)?;
        let after = Container {
            kind: kind.unwrap_or(before.kind),
            name: name.map_or(Ok(before.name.clone()), |n| required_text("container name", n))?,
            ..before.clone()
        };
        let mut w = self.writer()?;
        let edit = w.change(
            RecordKind::ContainerChanged,
            &before.id,
            (&before, &after),
            "id",
            reason.as_deref(),
        )?;
        if !edit.changed_nothing() {
            w.conn().execute(
                "UPDATE containers SET kind = ?1, name = ?2 WHERE id = ?3",
                params![after.kind.as_str(), after.name, after.id],
            )?;
        }
        w.commit()?;
        Ok(edit)
    }

    /// The item with this tag (any case).
    pub fn item(&self, tag: &str) -> Result<Item> {
        self.allow(crate::operator::Action::SeeRegister)?;
        let sql = format!("SELECT {ITEM_COLUMNS} FROM items i WHERE i.tag = ?1");
        self.find(IdKind::Tag, tag, &sql, item_from_row, Error::UnknownItem)
    }

    /// The person with this id (any case).
    pub fn person(&self, id: &str) -> Result<Person> {
        self.allow(crate::operator::Action::SeeRegister)?;
        let sql = format!("SELECT {PERSON_COLUMNS} FROM people p WHERE p.id = ?1");
        self.find(IdKind::Person, id, &sql, person_from_row, Error::UnknownPerson)
    }

    /// The container with this id (any case).
    pub fn container(&self, id: &str) -> Result<Container> {
        self.allow(crate::operator::Action::SeeRegister)?;
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

    /// The items with these tags (as stored), in one query.
    pub(crate) fn items_by_tag(&self, tags: &[String]) -> Result<std::collections::HashMap<String, Item>> {
        let mut stmt = self.conn.prepare_cached(&format!(
            "SELECT {ITEM_COLUMNS} FROM items i WHERE i.tag IN (SELECT value FROM json_each(?1))"
        ))?;
        let json = serde_json::to_string(tags).unwrap_or_default();
        let rows = stmt.query_map([json], |r| item_from_row(r).map(|i| (i.tag.clone(), i)))?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// Every container, by id.
    pub fn containers(&self) -> Result<Vec<Container>> {
        self.allow(crate::operator::Action::SeeRegister)?;
        let mut stmt = self.conn.prepare("SELECT id, kind, name FROM containers ORDER BY id")?;
        let rows = stmt.query_map([], container_from_row)?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }
}

pub(crate) fn container_from_row(r: &Row<'_>) -> rusqlite::Result<Container> {
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
