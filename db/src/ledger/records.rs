//! The register on the record: what each record says, read back as people read it ("encrypted:
//! no -> yes"), an item's or person's record as it stood at a moment, and the check that the
//! register's tables equal a replay of their records.
//!
//! A record's body is a JSON object of fields: all of them when it registers its subject, only
//! the new values when it changes one. Replaying a subject's records in order gives its row.

use std::collections::BTreeSet;

use rusqlite::Connection;
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::{Map, Value};

use super::Ledger;
use crate::error::{Error, Result};
use crate::model::{Container, Item, Person};
use crate::record::{self, Record, RecordKind, Register};

/// An entity's fields as a record carries them: everything but its id.
pub(crate) fn fields_of<T: Serialize>(entity: &T, id_key: &str) -> Map<String, Value> {
    match serde_json::to_value(entity) {
        Ok(Value::Object(mut map)) => {
            map.remove(id_key);
            map
        }
        _ => Map::new(),
    }
}

/// The fields whose values differ, with their new values.
pub(crate) fn changed_fields(before: &Map<String, Value>, after: &Map<String, Value>) -> Map<String, Value> {
    after
        .iter()
        .filter(|(k, v)| before.get(*k) != Some(*v))
        .map(|(k, v)| (k.clone(), v.clone()))
        .collect()
}

/// The entity whose id is `id` and whose fields are `fields`.
fn rebuild<T: DeserializeOwned>(id_key: &str, id: &str, fields: &Map<String, Value>) -> Option<T> {
    let mut map = fields.clone();
    map.insert(id_key.to_string(), Value::String(id.to_string()));
    serde_json::from_value(Value::Object(map)).ok()
}

/// One field's change, as people read it: "encrypted: no -> yes".
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct FieldChange {
    /// "encrypted", "data subjects", "agreement signed".
    pub field: String,
    /// `None` when the record registered its subject.
    pub from: Option<String>,
    pub to: String,
}

impl std::fmt::Display for FieldChange {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.from {
            // "->" rather than an arrow: the base-14 PDF fonts and the desk's font have none.
            Some(from) => write!(f, "{}: {from} -> {}", self.field, self.to),
            None => write!(f, "{}: {}", self.field, self.to),
        }
    }
}

/// A record about one subject, as people read it.
#[derive(Clone, Debug, Serialize)]
pub struct RegisterChange {
    pub seq: i64,
    /// The record's id (a UUID).
    pub id: String,
    pub kind: RecordKind,
    pub subject: String,
    pub occurred_at: i64,
    pub recorded_at: i64,
    pub operator: String,
    pub reason: Option<String>,
    /// Every field it set (registered) or each field it changed, old value first.
    pub changes: Vec<FieldChange>,
}

impl RegisterChange {
    /// "registered" or "encrypted: no -> yes; data subjects: 30 -> 45".
    pub fn summary(&self) -> String {
        if self.kind.creates() {
            "registered".to_string()
        } else {
            self.changes
                .iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join("; ")
        }
    }
}

/// A field's name as people read it: `data_subjects` → "data subjects".
pub fn field_name(key: &str) -> String {
    key.replace('_', " ")
}

/// A field's value as people read it: yes/no, a list with commas, "none" for nothing.
pub fn field_value(value: &Value) -> String {
    match value {
        Value::Null => "none".to_string(),
        Value::Bool(b) => if *b { "yes" } else { "no" }.to_string(),
        Value::String(s) => s.clone(),
        Value::Array(items) if items.is_empty() => "none".to_string(),
        Value::Array(items) => items.iter().map(field_value).collect::<Vec<_>>().join(", "),
        other => other.to_string(),
    }
}

/// Each record of one subject, with what it changed, folding the fields as it goes. Returns
/// the changes and the fields after the last record.
fn fold_subject(records: &[Record]) -> (Vec<RegisterChange>, Map<String, Value>) {
    let mut fields = Map::new();
    let mut changes = Vec::new();
    for r in records {
        let set = r.fields();
        let mut said = Vec::new();
        if r.kind == RecordKind::IncidentNoted {
            // A note adds to the incident's timeline rather than replacing a field.
            let note = set.get("note").cloned().unwrap_or(Value::Null);
            said.push(FieldChange {
                field: "timeline".to_string(),
                from: None,
                to: note.get("kind").map_or("note".to_string(), field_value),
            });
            if let Value::Array(notes) = fields.entry("notes").or_insert(Value::Array(Vec::new())) {
                notes.push(note);
            }
        }
        for (key, value) in set.iter().filter(|_| r.kind != RecordKind::IncidentNoted) {
            let before = fields.get(key);
            if r.kind.creates() || before != Some(value) {
                said.push(FieldChange {
                    field: field_name(key),
                    from: (!r.kind.creates()).then(|| before.map_or("none".to_string(), field_value)),
                    to: field_value(value),
                });
            }
            fields.insert(key.clone(), value.clone());
        }
        changes.push(RegisterChange {
            seq: r.seq,
            id: r.id.to_string(),
            kind: r.kind,
            subject: r.subject.clone(),
            occurred_at: r.occurred_at,
            recorded_at: r.recorded_at,
            operator: r.operator.clone(),
            reason: r.reason.clone(),
            changes: said,
        });
    }
    (changes, fields)
}

impl Ledger {
    /// Every record about one subject of the register, in ledger order.
    pub(crate) fn records_of(&self, register: Register, subject: &str) -> Result<Vec<Record>> {
        records_of(&self.conn, register, subject)
    }

    /// What was recorded about an item (registered, then each change), oldest first.
    pub fn item_records(&self, tag: &str) -> Result<Vec<RegisterChange>> {
        let item = self.item(tag)?;
        Ok(fold_subject(&self.records_of(Register::Item, &item.tag)?).0)
    }

    /// What was recorded about a person (registered, home-working dates, deactivated...).
    pub fn person_records(&self, id: &str) -> Result<Vec<RegisterChange>> {
        let person = self.person(id)?;
        Ok(fold_subject(&self.records_of(Register::Person, &person.id)?).0)
    }

    /// What was recorded about a container.
    pub fn container_records(&self, id: &str) -> Result<Vec<RegisterChange>> {
        let container = self.container(id)?;
        Ok(fold_subject(&self.records_of(Register::Container, &container.id)?).0)
    }

    /// Every change to the register (not registrations) recorded in `[from, to]` by when it
    /// happened, oldest first: for `history`.
    pub fn register_changes(&self, from: i64, to: i64) -> Result<Vec<RegisterChange>> {
        let subjects: Vec<(String, String)> = self
            .conn
            .prepare_cached(
                "SELECT DISTINCT kind, subject FROM records WHERE occurred_at BETWEEN ?1 AND ?2
                 AND kind IN ('item-changed', 'person-changed', 'container-changed', 'setting-changed')",
            )?
            .query_map([from, to], |r| Ok((r.get(0)?, r.get(1)?)))?
            .collect::<rusqlite::Result<_>>()?;
        let mut changes = Vec::new();
        for (kind, subject) in subjects {
            let Some(kind) = RecordKind::parse(&kind) else { continue };
            let records = self.records_of(kind.register(), &subject)?;
            changes.extend(
                fold_subject(&records)
                    .0
                    .into_iter()
                    .filter(|c| c.kind == kind && (from..=to).contains(&c.occurred_at)),
            );
        }
        changes.sort_by_key(|c| (c.occurred_at, c.seq));
        Ok(changes)
    }

    /// Changes to an item's record that took effect after `at`, each as "encrypted: no -> yes
    /// on 2026-12-01 10:14" (what an exposure or incident of that moment names beside the
    /// profile it had then).
    pub fn item_changes_after(&self, tag: &str, at: i64) -> Result<Vec<String>> {
        Ok(self.changes_after(&fold_subject(&self.records_of(Register::Item, tag)?).0, at))
    }

    pub(crate) fn changes_after(&self, records: &[RegisterChange], at: i64) -> Vec<String> {
        records
            .iter()
            .filter(|r| r.kind == RecordKind::ItemChanged && r.occurred_at > at)
            .flat_map(|r| {
                let when = self.format_time(r.occurred_at);
                r.changes.iter().map(move |c| format!("{c} on {when}"))
            })
            .collect()
    }

    /// The item's profile after each of its records (when it took effect, the item then), and
    /// each record as people read it: one read for exposure, which needs both.
    pub(crate) fn item_timeline(&self, tag: &str) -> Result<(Profiles<Item>, Vec<RegisterChange>)> {
        let records = self.records_of(Register::Item, tag)?;
        Ok((profiles(&records, "tag")?, fold_subject(&records).0))
    }

    /// The person's record as it stood at `at` (as first registered, if `at` is before that).
    pub fn person_as_of(&self, id: &str, at: i64) -> Result<Person> {
        let person = self.person(id)?;
        let profiles: Vec<(i64, Person)> = profiles(&self.records_of(Register::Person, &person.id)?, "id")?;
        Ok(as_of(profiles, at).unwrap_or(person))
    }

    /// The item's profile as it stood at `at` (as first registered, if `at` is before that).
    pub fn item_as_of(&self, tag: &str, at: i64) -> Result<Item> {
        let item = self.item(tag)?;
        Ok(as_of(profiles(&self.records_of(Register::Item, &item.tag)?, "tag")?, at).unwrap_or(item))
    }
}

/// An entity after each of its records: (when the record took effect, the entity then).
pub(crate) type Profiles<T> = Vec<(i64, T)>;

/// A register row as its records' fields, and when it was added (items, people, containers).
type StoredRow = (Map<String, Value>, Option<i64>);

/// The entity after each record: (when the record took effect, the entity then).
fn profiles<T: DeserializeOwned>(records: &[Record], id_key: &str) -> Result<Vec<(i64, T)>> {
    let mut fields = Map::new();
    let mut out = Vec::new();
    for r in records {
        fields.extend(r.fields());
        let entity = rebuild(id_key, &r.subject, &fields).ok_or_else(|| Error::Corrupt {
            path: Default::default(),
            detail: format!("record {} ({} {}) cannot be read", r.seq, r.kind, r.subject),
        })?;
        out.push((r.occurred_at, entity));
    }
    Ok(out)
}

/// The most exposing profile the item had between `from` and `to` (the one in effect at `from`
/// and any that took effect after it, up to `to`): unencrypted beats encrypted, then more data
/// subjects, special category, safeguarding, confidential, anonymised data, more categories.
pub(crate) fn most_exposing(profiles: &[(i64, Item)], from: i64, to: i64) -> Option<Item> {
    let in_effect = profiles
        .iter()
        .enumerate()
        .filter(|(n, (at, _))| {
            // In effect from its record (the first: from the start) until the next one.
            let starts = if *n == 0 { i64::MIN } else { *at };
            let ends = profiles.get(n + 1).map_or(i64::MAX, |(next, _)| *next);
            starts <= to && ends > from
        })
        .map(|(_, (_, item))| item);
    in_effect
        .max_by_key(|i| {
            (
                !i.encrypted,
                i.data_subjects,
                i.special_category,
                i.safeguarding,
                i.confidential,
                i.anonymised_unapproved,
                i.data_categories.len(),
            )
        })
        .cloned()
}

/// The last profile in effect at `at`, or the first if `at` comes before them all.
fn as_of<T>(profiles: Vec<(i64, T)>, at: i64) -> Option<T> {
    let mut chosen = None;
    for (n, (from, entity)) in profiles.into_iter().enumerate() {
        if n == 0 || from <= at {
            chosen = Some(entity);
        } else {
            break;
        }
    }
    chosen
}

pub(crate) fn records_of(conn: &Connection, register: Register, subject: &str) -> Result<Vec<Record>> {
    let kinds = register.kinds();
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT {} FROM records WHERE subject = ?1 AND kind IN (SELECT value FROM json_each(?2)) ORDER BY seq",
        record::COLUMNS
    ))?;
    let kinds = serde_json::to_string(&kinds).unwrap_or_default();
    let rows = stmt.query_map(rusqlite::params![subject, kinds], record::from_row)?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

// ---- The check: the register's tables against a replay of their records ----

/// A table row as JSON, column by column (for the tables whose rows the records carry as they are).
fn row_json(conn: &Connection, sql: &str, key: &[&dyn rusqlite::ToSql]) -> Result<Option<Map<String, Value>>> {
    let mut stmt = conn.prepare_cached(sql)?;
    let names: Vec<String> = stmt.column_names().map(|s| s.to_string()).collect();
    let mut rows = stmt.query(key)?;
    let Some(row) = rows.next()? else { return Ok(None) };
    let mut map = Map::new();
    for (i, name) in names.iter().enumerate() {
        use rusqlite::types::ValueRef;
        let value = match row.get_ref(i)? {
            ValueRef::Null => Value::Null,
            ValueRef::Integer(n) => Value::from(n),
            ValueRef::Real(x) => Value::from(x),
            ValueRef::Text(t) => Value::String(String::from_utf8_lossy(t).into_owned()),
            ValueRef::Blob(b) => Value::String(crate::event::to_hex(b)),
        };
        map.insert(name.clone(), value);
    }
    Ok(Some(map))
}

/// "encrypted: the register says yes, its records say no" for the first fields that differ.
fn describe_difference(stored: &Map<String, Value>, replayed: &Map<String, Value>) -> String {
    let keys: BTreeSet<&String> = stored.keys().chain(replayed.keys()).collect();
    let said: Vec<String> = keys
        .into_iter()
        .filter(|k| stored.get(*k) != replayed.get(*k))
        .take(3)
        .map(|k| {
            let show = |v: Option<&Value>| v.map_or("nothing".to_string(), field_value);
            format!(
                "{}: the register says {}, its records say {}",
                field_name(k),
                show(stored.get(k)),
                show(replayed.get(k))
            )
        })
        .collect();
    said.join("; ")
}

/// Where one subject's row differs from a replay of its records, in words; `None` when equal.
pub(crate) fn check_subject(conn: &Connection, register: Register, subject: &str) -> Result<Option<String>> {
    let records = records_of(conn, register, subject)?;
    let (_, replayed) = fold_subject(&records);
    let what = match register {
        Register::Item => "item",
        Register::Person => "person",
        Register::Container => "container",
        Register::Setting => "setting",
        Register::Incident => "incident",
    };
    let stored = stored_fields(conn, register, subject)?;
    let added_at = records.first().map(|r| r.occurred_at);
    let problem = match (stored, records.is_empty()) {
        (None, true) => None,
        (Some(_), true) => {
            Some("is in the register, but no record registers it: it was added behind Custody's back".to_string())
        }
        (None, false) => Some(format!(
            "was registered (record {}), but is missing from the register",
            records[0].seq
        )),
        (Some((stored, stored_added)), false) => {
            let replayed = match register {
                // Normalised through the type, as the register's row is.
                Register::Item => normalise::<Item>(&replayed, "tag", subject),
                Register::Person => normalise::<Person>(&replayed, "id", subject),
                Register::Container => normalise::<Container>(&replayed, "id", subject),
                _ => replayed,
            };
            if stored != replayed {
                Some(describe_difference(&stored, &replayed))
            } else if stored_added.is_some() && stored_added != added_at {
                Some("the date it was added differs from its registration record".to_string())
            } else {
                None
            }
        }
    };
    Ok(problem.map(|p| format!("{what} {subject}: {p}")))
}

fn normalise<T: Serialize + DeserializeOwned>(
    fields: &Map<String, Value>,
    id_key: &str,
    id: &str,
) -> Map<String, Value> {
    rebuild::<T>(id_key, id, fields).map_or_else(|| fields.clone(), |t| fields_of(&t, id_key))
}

/// A subject's row as stored, as the fields its records carry, and when it was added.
fn stored_fields(conn: &Connection, register: Register, subject: &str) -> Result<Option<StoredRow>> {
    use super::register::{ITEM_COLUMNS, PERSON_COLUMNS, container_from_row, item_from_row, person_from_row};
    Ok(match register {
        Register::Item => typed_row(
            conn,
            &format!("SELECT {ITEM_COLUMNS}, i.added_at FROM items i WHERE i.tag = ?1"),
            subject,
            |r| Ok(fields_of(&item_from_row(r)?, "tag")),
        )?,
        Register::Person => typed_row(
            conn,
            &format!("SELECT {PERSON_COLUMNS}, p.added_at FROM people p WHERE p.id = ?1"),
            subject,
            |r| Ok(fields_of(&person_from_row(r)?, "id")),
        )?,
        Register::Container => typed_row(
            conn,
            "SELECT id, kind, name, added_at FROM containers WHERE id = ?1",
            subject,
            |r| Ok(fields_of(&container_from_row(r)?, "id")),
        )?,
        Register::Setting => {
            row_json(conn, "SELECT value FROM settings WHERE key = ?1", &[&subject])?.map(|f| (f, None))
        }
        Register::Incident => incident_row(conn, subject)?.map(|f| (f, None)),
    })
}

/// A row read through its type (so that it compares with a replay as the app reads it), and
/// its `added_at`.
fn typed_row(
    conn: &Connection,
    sql: &str,
    id: &str,
    read: impl Fn(&rusqlite::Row<'_>) -> rusqlite::Result<Map<String, Value>>,
) -> Result<Option<StoredRow>> {
    use rusqlite::OptionalExtension;
    Ok(conn
        .prepare_cached(sql)?
        .query_row([id], |r| Ok((read(r)?, Some(r.get::<_, i64>("added_at")?))))
        .optional()?)
}

/// An incident's row and its notes, as the records carry them: the row's columns, and
/// `notes` a list of the notes' columns.
fn incident_row(conn: &Connection, id: &str) -> Result<Option<Map<String, Value>>> {
    let Some(mut row) = row_json(
        conn,
        "SELECT kind, holder, container, occurred_at, discovered_at, description, exposure, recorded_at, operator
         FROM incidents WHERE id = ?1",
        &[&id],
    )?
    else {
        return Ok(None);
    };
    let mut notes = Vec::new();
    let count: i64 = conn.query_row("SELECT count(*) FROM incident_notes WHERE incident = ?1", [id], |r| {
        r.get(0)
    })?;
    for seq in 1..=count.max(0) {
        let note = row_json(
            conn,
            "SELECT seq, kind, at, text, recorded_at, operator FROM incident_notes WHERE incident = ?1 AND seq = ?2",
            &[&id, &seq],
        )?;
        notes.push(note.map_or(Value::Null, Value::Object));
    }
    row.insert("notes".to_string(), Value::Array(notes));
    Ok(Some(row))
}

/// Every subject the register holds or its records name, in one part of the register.
pub(crate) fn subjects(conn: &Connection, register: Register) -> Result<BTreeSet<String>> {
    let table = match register {
        Register::Item => "SELECT tag FROM items",
        Register::Person => "SELECT id FROM people",
        Register::Container => "SELECT id FROM containers",
        Register::Setting => "SELECT key FROM settings",
        Register::Incident => "SELECT id FROM incidents",
    };
    let kinds = serde_json::to_string(&register.kinds()).unwrap_or_default();
    let mut found: BTreeSet<String> = conn
        .prepare(table)?
        .query_map([], |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    let recorded: Vec<String> = conn
        .prepare("SELECT DISTINCT subject FROM records WHERE kind IN (SELECT value FROM json_each(?1))")?
        .query_map([kinds], |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    found.extend(recorded);
    Ok(found)
}
