//! Decisions read the record, not a table. Who may sign in, with which password and role, whether
//! they are locked out, and which policy rules block: all of it is read from the replay of the
//! records, because the `operators` and `settings` tables are only projections that anyone who
//! can write the file could edit. Those tables are also compared with their records when the
//! file is opened and at each sign-in: a difference refuses every write, as a removed guard does,
//! and names the row and the field.

use rusqlite::Connection;
use serde_json::Value;

use super::Ledger;
use super::records::{check_subject, records_of, replayed_fields};
use crate::error::Result;
use crate::operator::{Operator, Role};
use crate::record::Register;

/// An operator as their records say.
#[derive(Clone, Debug)]
pub(crate) struct OperatorOnRecord {
    pub(crate) operator: Operator,
    /// The Argon2id PHC string.
    pub(crate) password: String,
    pub(crate) last_failed_at: Option<i64>,
    /// Their signing key: public, and private sealed under their password (none before signing).
    pub(crate) public_key: Option<[u8; 32]>,
    pub(crate) sealed_key: Option<String>,
}

impl Ledger {
    /// The operator `id` as their records say, if there are any.
    pub(crate) fn operator_on_record(&self, id: &str) -> Result<Option<OperatorOnRecord>> {
        let records = records_of(&self.conn, self.desk(), Register::Operator, id)?;
        if records.is_empty() {
            return Ok(None);
        }
        let fields = replayed_fields(&records);
        let text = |key: &str| fields.get(key).and_then(Value::as_str).unwrap_or_default().to_string();
        let number = |key: &str| fields.get(key).and_then(Value::as_i64);
        Ok(Some(OperatorOnRecord {
            operator: Operator {
                id: id.to_string(),
                name: text("name"),
                // A role the records do not name gives the least power, never more.
                role: text("role").parse().unwrap_or(Role::Operator),
                active: fields.get("active").and_then(Value::as_bool).unwrap_or(false),
                failed_attempts: number("failed_attempts").unwrap_or(0).try_into().unwrap_or(u32::MAX),
                locked_until: number("locked_until"),
            },
            password: text("password"),
            last_failed_at: number("last_failed_at"),
            public_key: fields
                .get("public_key")
                .and_then(Value::as_str)
                .and_then(crate::signing::public_key_from_hex),
            sealed_key: fields.get("sealed_key").and_then(Value::as_str).map(str::to_string),
        }))
    }

    /// A setting as its records say.
    pub(crate) fn setting_on_record(&self, key: &str) -> Result<Option<String>> {
        let records = records_of(&self.conn, self.desk(), Register::Setting, key)?;
        Ok(replayed_fields(&records)
            .get("value")
            .and_then(Value::as_str)
            .map(str::to_string))
    }

    /// Compares the operators and settings tables with their records (on opening, and again at
    /// each sign-in), and refuses every write from now on if they differ.
    pub(crate) fn check_trusted_tables(&mut self) -> Result<()> {
        if !self.tampered.is_empty() {
            return Ok(()); // already refusing: the guards themselves are not as Custody made them
        }
        for difference in trusted_tables_differ(&self.conn, self.desk())? {
            if !self.tampered.contains(&difference) {
                self.tampered.push(difference);
            }
        }
        if !self.tampered.is_empty() && !self.read_only {
            // A second lock on the door: SQLite itself refuses writes on this connection.
            self.conn.execute_batch("PRAGMA query_only = ON")?;
        }
        Ok(())
    }
}

/// Where the operators and settings tables differ from a replay of their records, in words
/// ("operator desk: role: the table says admin, its records say operator").
pub(crate) fn trusted_tables_differ(conn: &Connection, own: &str) -> Result<Vec<String>> {
    let mut differences = Vec::new();
    for (register, table, column) in [
        (Register::Operator, "operators", "id"),
        (Register::Setting, "settings", "key"),
    ] {
        let kinds = serde_json::to_string(&register.kinds()).unwrap_or_default();
        let mut stmt = conn.prepare_cached(&format!(
            "SELECT {column} FROM {table}
             UNION SELECT subject FROM all_records WHERE kind IN (SELECT value FROM json_each(?1))"
        ))?;
        let subjects: Vec<String> = stmt
            .query_map([kinds], |r| r.get(0))?
            .collect::<rusqlite::Result<_>>()?;
        for subject in subjects {
            differences.extend(check_subject(conn, own, register, &subject)?);
        }
    }
    Ok(differences)
}
