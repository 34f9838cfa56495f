//! The register on the record: what each record says, read back as people read it ("encrypted:
//! no -> yes"), an item's or person's record as it stood at a moment, and the check that the
//! register's tables equal a replay of their records.
//!
//! A record's body is a JSON object of fields: all of them when it registers its subject, only
//! the new values when it changes one. Replaying a subject's records in order gives its row.

use std::collections::{BTreeSet, HashMap};

use rusqlite::Connection;
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::{Map, Value};

use super::Ledger;
use crate::error::{Error, Result};
use crate::ledger::sync::interleave;
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
pub(crate) fn rebuild<T: DeserializeOwned>(id_key: &str, id: &str, fields: &Map<String, Value>) -> Option<T> {
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
    /// The desk that recorded it (its id).
    pub desk: String,
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

/// A field's value as people read it: yes/no, a list with commas, "none" for nothing, a date
/// as UK offices write it (31/12/2026; fields keep ISO 8601).
pub fn field_value(value: &Value) -> String {
    match value {
        Value::Null => "none".to_string(),
        Value::Bool(b) => if *b { "yes" } else { "no" }.to_string(),
        Value::String(s) => match chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d") {
            Ok(day) if s.len() == 10 => crate::time::format_date(day),
            _ => s.clone(),
        },
        Value::Array(items) if items.is_empty() => "none".to_string(),
        Value::Array(items) => items.iter().map(field_value).collect::<Vec<_>>().join(", "),
        other => other.to_string(),
    }
}

/// A field's value as shown: an operator's password hash never is, only that there is one.
fn shown(key: &str, value: &Value) -> String {
    if key == "password" {
        "(a new password)".to_string()
    } else {
        field_value(value)
    }
}

/// Folds one record's fields into its subject's: each field replaces the one before, but a
/// note adds to an incident's timeline (`notes`) rather than replacing a field, and a session
/// record's fields other than its own ([`RecordKind::may_set`]) count for nothing (`verify`
/// and a pull refuse such a record).
fn apply_fields(fields: &mut Map<String, Value>, kind: RecordKind, set: Map<String, Value>) {
    if kind == RecordKind::IncidentNoted {
        let note = set.get("note").cloned().unwrap_or(Value::Null);
        if let Value::Array(notes) = fields.entry("notes").or_insert(Value::Array(Vec::new())) {
            notes.push(note);
        }
    } else {
        fields.extend(set.into_iter().filter(|(field, _)| kind.may_set(field)));
    }
}

/// The fields of one subject after all its records, in order.
pub(crate) fn replayed_fields(records: &[Record]) -> Map<String, Value> {
    let mut fields = Map::new();
    for r in records {
        apply_fields(&mut fields, r.kind, r.fields());
    }
    fields
}

/// Each record of one subject, with what it changed, folding the fields as it goes. Returns
/// the changes and the fields after the last record.
pub(crate) fn fold_subject(records: &[Record]) -> (Vec<RegisterChange>, Map<String, Value>) {
    let mut fields = Map::new();
    let mut changes = Vec::new();
    for r in records {
        let set = r.fields();
        let mut said = Vec::new();
        if r.kind == RecordKind::IncidentNoted {
            let note = set.get("note");
            said.push(FieldChange {
                field: "timeline".to_string(),
                from: None,
                to: note.and_then(|n| n.get("kind")).map_or("note".to_string(), field_value),
            });
        } else {
            for (key, value) in &set {
                let before = fields.get(key);
                if r.kind.creates() || before != Some(value) {
                    said.push(FieldChange {
                        field: field_name(key),
                        from: (!r.kind.creates()).then(|| before.map_or("none".to_string(), |v| shown(key, v))),
                        to: shown(key, value),
                    });
                }
            }
        }
        apply_fields(&mut fields, r.kind, set);
        changes.push(RegisterChange {
            desk: r.desk.clone(),
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
        records_of(&self.conn, self.desk(), register, subject)
    }

    /// What was recorded about an item (registered, then each change), oldest first.
    pub fn item_records(&self, tag: &str) -> Result<Vec<RegisterChange>> {
        self.allow(crate::operator::Action::SeeRegister)?;
        let item = self.item(tag)?;
        Ok(fold_subject(&self.records_of(Register::Item, &item.tag)?).0)
    }

    /// What was recorded about a person (registered, home-working dates, deactivated...).
    pub fn person_records(&self, id: &str) -> Result<Vec<RegisterChange>> {
        self.allow(crate::operator::Action::SeeRegister)?;
        let person = self.person(id)?;
        Ok(fold_subject(&self.records_of(Register::Person, &person.id)?).0)
    }

    /// What was recorded about a container.
    pub fn container_records(&self, id: &str) -> Result<Vec<RegisterChange>> {
        self.allow(crate::operator::Action::SeeRegister)?;
        let container = self.container(id)?;
        Ok(fold_subject(&self.records_of(Register::Container, &container.id)?).0)
    }

    /// Everything on an operator's record, oldest first: added, role and password changes,
    /// sign-ins, locks and wrong passwords (administrators and auditors; a hash is never shown).
    pub fn operator_records(&self, id: &str) -> Result<Vec<RegisterChange>> {
        self.allow(crate::operator::Action::SeeOperators)?;
        let id = crate::operator::normalise_operator_id(id)?;
        if self.find_operator(&id)?.is_none() {
            return Err(crate::error::Error::UnknownOperator(id));
        }
        Ok(fold_subject(&self.records_of(Register::Operator, &id)?).0)
    }

    /// Every change to the register (not registrations) recorded in `[from, to]` by when it
    /// happened, oldest first: for `history`.
    pub fn register_changes(&self, from: i64, to: i64) -> Result<Vec<RegisterChange>> {
        self.allow(crate::operator::Action::SeeRegister)?;
        let subjects: Vec<(String, String)> = self
            .conn
            .prepare_cached(
                "SELECT DISTINCT kind, subject FROM all_records WHERE occurred_at BETWEEN ?1 AND ?2
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
        self.allow(crate::operator::Action::SeeRegister)?;
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

    /// For each item, its profile after each of its records (when it took effect, the item
    /// then) and each record as people read it: one query for all of them, for exposure.
    pub(crate) fn item_timelines(&self, tags: &[String]) -> Result<HashMap<String, ItemTimeline>> {
        let mut stmt = self.conn.prepare_cached(&format!(
            "SELECT {} FROM all_records WHERE subject IN (SELECT value FROM json_each(?1))
               AND kind IN ('item-registered', 'item-changed')",
            record::COLUMNS
        ))?;
        let json = serde_json::to_string(tags).unwrap_or_default();
        let mut by_tag: HashMap<String, Vec<Record>> = HashMap::new();
        for r in stmt.query_map([json], record::from_row)? {
            let r = r?;
            by_tag.entry(r.subject.clone()).or_default().push(r);
        }
        by_tag
            .into_iter()
            .map(|(tag, records)| {
                let records = interleave(records);
                Ok((tag, (profiles(&records, "tag")?, fold_subject(&records).0)))
            })
            .collect()
    }

    /// The person's record as it stood at `at` (as first registered, if `at` is before that).
    pub fn person_as_of(&self, id: &str, at: i64) -> Result<Person> {
        self.allow(crate::operator::Action::SeeRegister)?;
        let person = self.person(id)?;
        let profiles: Vec<(i64, Person)> = profiles(&self.records_of(Register::Person, &person.id)?, "id")?;
        Ok(as_of(profiles, at).unwrap_or(person))
    }

    /// The item's profile as it stood at `at` (as first registered, if `at` is before that).
    pub fn item_as_of(&self, tag: &str, at: i64) -> Result<Item> {
        self.allow(crate::operator::Action::SeeRegister)?;
        let item = self.item(tag)?;
        Ok(as_of(profiles(&self.records_of(Register::Item, &item.tag)?, "tag")?, at).unwrap_or(item))
    }
}

/// An entity after each of its records: (when the record took effect, the entity then).
pub(crate) type Profiles<T> = Vec<(i64, T)>;

/// An item's profiles and its records as people read them.
pub(crate) type ItemTimeline = (Profiles<Item>, Vec<RegisterChange>);

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

/// Every desk's records of one subject, in replay order ([`interleave`]). Incidents are each
/// desk's own: only this desk's (`own`) count.
pub(crate) fn records_of(conn: &Connection, own: &str, register: Register, subject: &str) -> Result<Vec<Record>> {
    let kinds = register.kinds();
    let mut stmt = conn.prepare_cached(&format!(
        "SELECT {} FROM all_records WHERE subject = ?1 AND kind IN (SELECT value FROM json_each(?2))
           AND (desk = ?3 OR kind NOT IN ('incident-opened', 'incident-noted'))",
        record::COLUMNS
    ))?;
    let kinds = serde_json::to_string(&kinds).unwrap_or_default();
    let rows = stmt.query_map(rusqlite::params![subject, kinds, own], record::from_row)?;
    Ok(interleave(rows.collect::<rusqlite::Result<_>>()?))
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
            let show = |v: Option<&Value>| v.map_or("nothing".to_string(), |v| shown(k, v));
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
pub(crate) fn check_subject(conn: &Connection, own: &str, register: Register, subject: &str) -> Result<Option<String>> {
    if !register.has_projection() {
        return Ok(None);
    }
    let records = records_of(conn, own, register, subject)?;
    let replayed = records.first().map(|first| Replayed {
        fields: fold_subject(&records).1,
        first_seq: first.seq,
        added_at: first.occurred_at,
    });
    let stored = stored_fields(conn, register, subject)?;
    Ok(compare(register, subject, stored, replayed))
}

/// A subject's fields replayed from its records, and its first record.
struct Replayed {
    fields: Map<String, Value>,
    first_seq: i64,
    /// When the first record took effect: when it was added.
    added_at: i64,
}

/// Where a subject's stored row differs from the replay of its records, in words.
fn compare(register: Register, subject: &str, stored: Option<StoredRow>, replayed: Option<Replayed>) -> Option<String> {
    let what = match register {
        Register::Item => "item",
        Register::Person => "person",
        Register::Container => "container",
        Register::Setting => "setting",
        Register::Incident => "incident",
        Register::Operator => "operator",
        Register::Workflow => "workflow record",
    };
    let problem = match (stored, replayed) {
        (None, None) => None,
        (Some(_), None) => {
            Some("is in the register, but no record registers it: it was added behind Custody's back".to_string())
        }
        (None, Some(r)) => Some(format!(
            "was registered (record {}), but is missing from the register",
            r.first_seq
        )),
        (Some((stored, stored_added)), Some(r)) => {
            let replayed = match register {
                // Normalised through the type, as the register's row is.
                Register::Item => normalise::<Item>(&r.fields, "tag", subject),
                Register::Person => normalise::<Person>(&r.fields, "id", subject),
                Register::Container => normalise::<Container>(&r.fields, "id", subject),
                // What the first signed record vouches for is the chain's, not a column's.
                Register::Operator => {
                    let mut fields = r.fields;
                    fields.retain(|key, _| !key.starts_with("vouches_for"));
                    fields
                }
                _ => r.fields,
            };
            if stored != replayed {
                Some(describe_difference(&stored, &replayed))
            } else if stored_added.is_some_and(|added| added != r.added_at) {
                Some("the date it was added differs from its registration record".to_string())
            } else {
                None
            }
        }
    };
    problem.map(|p| format!("{what} {subject}: {p}"))
}

/// Every row of the register against a replay of all the records, in one pass over each
/// table (`verify`): the same comparison as [`check_subject`], without a query per row.
pub(crate) fn check_register(conn: &Connection, own: &str, at_most: usize) -> Result<Vec<String>> {
    use super::register::{ITEM_COLUMNS, PERSON_COLUMNS, container_from_row, item_from_row, person_from_row};
    use std::collections::BTreeMap;
    let mut replayed: HashMap<(Register, String), Replayed> = HashMap::new();
    // Every desk's records, one subject at a time, each subject's in replay order.
    let mut stmt = conn.prepare(&format!(
        "SELECT {} FROM all_records WHERE desk = ?1 OR kind NOT IN ('incident-opened', 'incident-noted')
         ORDER BY subject, desk, seq",
        record::COLUMNS
    ))?;
    let mut rows = stmt.query([own])?;
    let mut subject: Vec<Record> = Vec::new();
    let replay_subject = |records: Vec<Record>, replayed: &mut HashMap<(Register, String), Replayed>| {
        let mut by_register: HashMap<Register, Vec<Record>> = HashMap::new();
        for r in records.into_iter().filter(|r| r.kind.register().has_projection()) {
            by_register.entry(r.kind.register()).or_default().push(r);
        }
        for (register, records) in by_register {
            for r in interleave(records) {
                let entry = replayed.entry((register, r.subject.clone())).or_insert(Replayed {
                    fields: Map::new(),
                    first_seq: r.seq,
                    added_at: r.occurred_at,
                });
                apply_fields(&mut entry.fields, r.kind, r.fields());
            }
        }
    };
    while let Some(row) = rows.next()? {
        let r = record::from_row(row)?;
        if subject.first().is_some_and(|first| first.subject != r.subject) {
            replay_subject(std::mem::take(&mut subject), &mut replayed);
        }
        subject.push(r);
    }
    replay_subject(subject, &mut replayed);
    let mut stored: BTreeMap<(u8, String), (Register, StoredRow)> = BTreeMap::new();
    let mut read = |register: Register,
                    sql: &str,
                    row: &dyn Fn(&rusqlite::Row<'_>) -> rusqlite::Result<(String, StoredRow)>|
     -> Result<()> {
        let mut stmt = conn.prepare(sql)?;
        let mut rows = stmt.query([])?;
        while let Some(r) = rows.next()? {
            let (id, fields) = row(r)?;
            stored.insert((register as u8, id), (register, fields));
        }
        Ok(())
    };
    read(
        Register::Item,
        &format!("SELECT {ITEM_COLUMNS}, i.added_at FROM items i"),
        &|r| {
            let item = item_from_row(r)?;
            Ok((item.tag.clone(), (fields_of(&item, "tag"), Some(r.get("added_at")?))))
        },
    )?;
    read(
        Register::Person,
        &format!("SELECT {PERSON_COLUMNS}, p.added_at FROM people p"),
        &|r| {
            let person = person_from_row(r)?;
            Ok((person.id.clone(), (fields_of(&person, "id"), Some(r.get("added_at")?))))
        },
    )?;
    read(
        Register::Container,
        "SELECT id, kind, name, added_at FROM containers",
        &|r| {
            let container = container_from_row(r)?;
            Ok((
                container.id.clone(),
                (fields_of(&container, "id"), Some(r.get("added_at")?)),
            ))
        },
    )?;
    read(Register::Setting, "SELECT key, value FROM settings", &|r| {
        let mut fields = Map::new();
        fields.insert("value".to_string(), Value::String(r.get(1)?));
        Ok((r.get(0)?, (fields, None)))
    })?;
    let incidents: Vec<String> = conn
        .prepare("SELECT id FROM incidents")?
        .query_map([], |r| r.get(0))?
        .collect::<rusqlite::Result<_>>()?;
    for id in incidents {
        if let Some(fields) = incident_row(conn, &id)? {
            stored.insert((Register::Incident as u8, id), (Register::Incident, (fields, None)));
        }
    }
    for id in super::operators::operator_ids(conn)? {
        if let Some((fields, added)) = super::operators::operator_fields(conn, &id)? {
            stored.insert(
                (Register::Operator as u8, id),
                (Register::Operator, (fields, Some(added))),
            );
        }
    }
    let mut problems = Vec::new();
    for ((_, subject), (register, row)) in stored {
        let replay = replayed.remove(&(register, subject.clone()));
        if let Some(problem) = compare(register, &subject, Some(row), replay) {
            problems.push(problem);
        }
    }
    let mut missing: Vec<((Register, String), Replayed)> = replayed.into_iter().collect();
    missing.sort_by_key(|((_, subject), r)| (r.first_seq, subject.clone()));
    for ((register, subject), replay) in missing {
        problems.extend(compare(register, &subject, None, Some(replay)));
    }
    problems.truncate(at_most);
    Ok(problems)
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
        Register::Operator => super::operators::operator_fields(conn, subject)?.map(|(f, added)| (f, Some(added))),
        Register::Workflow => None,
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
