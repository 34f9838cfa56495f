//! The migration to schema 5: what the register held before it was on the record becomes
//! "registered" records, so that `verify` can replay it like everything after.

use rusqlite::Connection;
use serde_json::{Map, Value};

use super::records::fields_of;
use super::register::{ITEM_COLUMNS, PERSON_COLUMNS, container_from_row, item_from_row, person_from_row};
use crate::record::{Appender, Record, RecordKind};

/// Said in every record the migration writes.
pub const MIGRATION_REASON: &str =
    "registered before Custody kept the register on the record; recorded by the migration to schema 5";
const MIGRATION_OPERATOR: &str = "Custody (migration)";

/// Appends a record for each item, person, container, setting, incident and incident note the
/// tables hold, in that order, each dated by when it was added (settings: now), after the
/// existing events. Run inside the migration's transaction.
pub(crate) fn record_existing(conn: &Connection, now: i64) -> rusqlite::Result<()> {
    let desk: String = conn
        .query_row("SELECT value FROM meta WHERE key = 'desk'", [], |r| r.get(0))
        .unwrap_or_else(|_| "unknown-desk".to_string());
    let mut chain = Appender::new(conn, &desk)?;
    let mut append = |kind: RecordKind, subject: &str, fields: Map<String, Value>, at: i64| {
        let mut r = Record::draft(kind, subject, &fields, at);
        r.reason = Some(MIGRATION_REASON.to_string());
        chain.append_record(conn, r, now, MIGRATION_OPERATOR).map(|_| ())
    };

    let mut stmt = conn.prepare(&format!(
        "SELECT {ITEM_COLUMNS}, i.added_at FROM items i ORDER BY i.added_at, i.tag"
    ))?;
    let items: Vec<(crate::model::Item, i64)> = stmt
        .query_map([], |r| Ok((item_from_row(r)?, r.get("added_at")?)))?
        .collect::<rusqlite::Result<_>>()?;
    for (item, at) in items {
        append(RecordKind::ItemRegistered, &item.tag, fields_of(&item, "tag"), at)?;
    }
    let mut stmt = conn.prepare(&format!(
        "SELECT {PERSON_COLUMNS}, p.added_at FROM people p ORDER BY p.added_at, p.id"
    ))?;
    let people: Vec<(crate::model::Person, i64)> = stmt
        .query_map([], |r| Ok((person_from_row(r)?, r.get("added_at")?)))?
        .collect::<rusqlite::Result<_>>()?;
    for (person, at) in people {
        append(RecordKind::PersonRegistered, &person.id, fields_of(&person, "id"), at)?;
    }
    let mut stmt = conn.prepare("SELECT id, kind, name, added_at FROM containers ORDER BY added_at, id")?;
    let containers: Vec<(crate::model::Container, i64)> = stmt
        .query_map([], |r| Ok((container_from_row(r)?, r.get(3)?)))?
        .collect::<rusqlite::Result<_>>()?;
    for (container, at) in containers {
        append(
            RecordKind::ContainerRegistered,
            &container.id,
            fields_of(&container, "id"),
            at,
        )?;
    }
    let mut stmt = conn.prepare("SELECT key, value FROM settings ORDER BY key")?;
    let settings: Vec<(String, String)> = stmt
        .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
        .collect::<rusqlite::Result<_>>()?;
    for (key, value) in settings {
        let mut fields = Map::new();
        fields.insert("value".to_string(), Value::String(value));
        append(RecordKind::SettingChanged, &key, fields, now)?;
    }
    let mut stmt = conn.prepare(
        "SELECT id, kind, holder, container, occurred_at, discovered_at, description, exposure, recorded_at, operator
         FROM incidents ORDER BY recorded_at, id",
    )?;
    let incidents: Vec<(String, i64, Map<String, Value>)> = stmt
        .query_map([], |r| {
            let mut fields = Map::new();
            let text = |i: usize| -> rusqlite::Result<Value> {
                Ok(r.get::<_, Option<String>>(i)?.map_or(Value::Null, Value::String))
            };
            fields.insert("kind".into(), text(1)?);
            fields.insert("holder".into(), text(2)?);
            fields.insert("container".into(), text(3)?);
            fields.insert("occurred_at".into(), Value::from(r.get::<_, i64>(4)?));
            fields.insert("discovered_at".into(), Value::from(r.get::<_, i64>(5)?));
            fields.insert("description".into(), text(6)?);
            fields.insert("exposure".into(), text(7)?);
            fields.insert("recorded_at".into(), Value::from(r.get::<_, i64>(8)?));
            fields.insert("operator".into(), text(9)?);
            fields.insert("notes".into(), Value::Array(Vec::new()));
            Ok((r.get(0)?, r.get(4)?, fields))
        })?
        .collect::<rusqlite::Result<_>>()?;
    for (id, at, fields) in incidents {
        append(RecordKind::IncidentOpened, &id, fields, at)?;
        let mut stmt = conn.prepare(
            "SELECT seq, kind, at, text, recorded_at, operator FROM incident_notes WHERE incident = ?1 ORDER BY seq",
        )?;
        let notes: Vec<(i64, Value)> = stmt
            .query_map([&id], |r| {
                let at: i64 = r.get(2)?;
                Ok((
                    at,
                    serde_json::json!({
                        "seq": r.get::<_, i64>(0)?,
                        "kind": r.get::<_, String>(1)?,
                        "at": at,
                        "text": r.get::<_, Option<String>>(3)?,
                        "recorded_at": r.get::<_, i64>(4)?,
                        "operator": r.get::<_, String>(5)?,
                    }),
                ))
            })?
            .collect::<rusqlite::Result<_>>()?;
        for (at, note) in notes {
            let mut fields = Map::new();
            fields.insert("note".to_string(), note);
            append(RecordKind::IncidentNoted, &id, fields, at)?;
        }
    }
    Ok(())
}
