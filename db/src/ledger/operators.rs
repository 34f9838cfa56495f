//! Operators on the record: adding them, their roles, signing in and out, the desk's lock, and
//! the one check of who may do what ([`Ledger::allow`]).
//!
//! Every change to an operator is a record (kinds `operator-*` and `desk-locked`); the
//! `operators` table is their projection, so `verify` replays it like the rest of the register.
//! A record carries the new values of the columns it changes, the password as its Argon2id PHC
//! string (never the password itself).

use chrono::Duration;
use rusqlite::{OptionalExtension, Row};
use serde_json::{Map, Value, json};

use super::Ledger;
use crate::error::{Error, Result};
use crate::event::to_hex;
use crate::operator::{
    Action, Hashing, LOCK_AFTER, LOCKOUT_MINUTES, Operator, Role, Session, check_new_secret, check_secret, delay_after,
    normalise_operator_id,
};
use crate::record::{Record, RecordKind};
use crate::signing::Signer;
use crate::time::{from_millis, to_millis};

/// Where a sign-in happens: the desk records every one; a command records one only when it
/// clears earlier wrong passwords (a scheduled report would otherwise fill the ledger).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SignInAt {
    Desk,
    CommandLine,
}

/// The setting that says after how many idle minutes the desk locks.
pub const IDLE_LOCK_KEY: &str = "idle-lock-minutes";
pub const DEFAULT_IDLE_LOCK_MINUTES: u32 = 5;

const OPERATOR_COLUMNS: &str = "id, name, role, active, failed_attempts, locked_until";

fn operator_from_row(r: &Row<'_>) -> rusqlite::Result<Operator> {
    let role: String = r.get(2)?;
    Ok(Operator {
        id: r.get(0)?,
        name: r.get(1)?,
        role: role
            .parse()
            .map_err(|_| rusqlite::Error::InvalidColumnType(2, role, rusqlite::types::Type::Text))?,
        active: r.get(3)?,
        failed_attempts: r.get(4)?,
        locked_until: r.get(5)?,
    })
}

impl Ledger {
    /// The one check of who may do what: every write and every sensitive read calls it first.
    /// A refusal names the role that is needed and writes nothing.
    pub fn allow(&self, action: Action) -> Result<()> {
        if self.trusted {
            return Ok(());
        }
        match &self.session {
            Some(s) => {
                // A role changed or an operator disabled (here, or at a desk this one has heard
                // from) while they are signed in counts from their next action, so nothing is
                // signed that the record would refuse. The table may only take power away: the
                // role signed in with must allow it too (a table edited to say more is not read
                // as more; the next sign-in finds the edit).
                let (now, active) = self.standing_now(s)?;
                if !active {
                    return Err(Error::OperatorDisabled { id: s.id.clone() });
                }
                match [s.role, now].into_iter().find(|role| !role.may(action)) {
                    None => Ok(()),
                    Some(role) => Err(Error::RoleRefused {
                        who: s.id.clone(),
                        role,
                        what: action.describe(),
                        needs: action.needs(),
                    }),
                }
            }
            None if !self.has_operators()? => Err(Error::NoOperatorsYet),
            None => Err(Error::NotSignedIn {
                what: action.describe(),
                needs: action.needs(),
            }),
        }
    }

    /// The signed-in operator's role and standing as the operators' table has them now (the
    /// session's if they have no row).
    fn standing_now(&self, s: &Session) -> Result<(Role, bool)> {
        let row: Option<(String, bool)> = self
            .conn
            .prepare_cached("SELECT role, active FROM operators WHERE id = ?1")?
            .query_row([&s.id], |r| Ok((r.get(0)?, r.get(1)?)))
            .optional()?;
        Ok(match row {
            // A role the table does not name gives the least power, never more.
            Some((role, active)) => (role.parse().unwrap_or(Role::Operator), active),
            None => (s.role, true),
        })
    }

    /// Whether the signed-in operator may do `action` (which screens and buttons to show).
    pub fn may(&self, action: Action) -> bool {
        self.trusted || self.session.as_ref().is_some_and(|s| s.may(action))
    }

    /// Who is signed in, if anyone.
    pub fn session(&self) -> Option<&Session> {
        self.session.as_ref()
    }

    /// Runs the ledger's own work (not an operator's): its records name `name`.
    pub(crate) fn as_itself<T>(&mut self, name: &str, work: impl FnOnce(&mut Ledger) -> Result<T>) -> Result<T> {
        let (operator, trusted) = (std::mem::replace(&mut self.operator, name.to_string()), self.trusted);
        self.trusted = true;
        let done = work(self);
        self.operator = operator;
        self.trusted = trusted;
        done
    }

    /// Hashes new passwords with these parameters. Only tests make it cheaper.
    #[doc(hidden)]
    pub fn use_hashing(&mut self, hashing: Hashing) {
        self.hashing = hashing;
    }

    /// The key whoever writes now signs with, if they have one.
    pub(crate) fn signer(&self) -> Option<&Signer> {
        self.signer.as_ref()
    }

    /// How new passwords are hashed here (for another connection that makes one).
    pub fn hashing(&self) -> Hashing {
        self.hashing
    }

    /// Whether anyone can sign in yet (a database made before operators has none).
    pub fn has_operators(&self) -> Result<bool> {
        Ok(self
            .conn
            .query_row("SELECT EXISTS (SELECT 1 FROM operators)", [], |r| r.get(0))?)
    }

    /// One operator, if the id names one (no role is needed: signing in reads it).
    pub(crate) fn find_operator(&self, id: &str) -> Result<Option<Operator>> {
        Ok(self
            .conn
            .query_row(
                &format!("SELECT {OPERATOR_COLUMNS} FROM operators WHERE id = ?1"),
                [id],
                operator_from_row,
            )
            .optional()?)
    }

    fn operator_or_unknown(&self, id: &str) -> Result<Operator> {
        let id = normalise_operator_id(id)?;
        self.find_operator(&id)?.ok_or(Error::UnknownOperator(id))
    }

    /// Every operator, by id (administrators and auditors).
    pub fn operators(&self) -> Result<Vec<Operator>> {
        self.allow(Action::SeeOperators)?;
        let mut stmt = self
            .conn
            .prepare(&format!("SELECT {OPERATOR_COLUMNS} FROM operators ORDER BY id"))?;
        let rows = stmt.query_map([], operator_from_row)?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// One operator (administrators and auditors).
    pub fn operator_by_id(&self, id: &str) -> Result<Operator> {
        self.allow(Action::SeeOperators)?;
        self.operator_or_unknown(id)
    }

    /// Creates the first administrator of a database that has no operators, and signs them in.
    /// Anyone who can open the file may do this once; after that only an administrator adds.
    pub fn add_first_admin(&mut self, id: &str, name: &str, secret: &str) -> Result<Session> {
        self.writable()?;
        let id = normalise_operator_id(id)?;
        if self.has_operators()? {
            return Err(Error::OperatorsExist);
        }
        let name = crate::ids::required_text("operator's name", name)?;
        check_new_secret(secret)?;
        let credentials = self.new_credentials(&id, secret)?;
        // Their key is the ledger's root: it signs its own record, which vouches for what the
        // file held before (its settings), and then everything they record.
        let signer = credentials.signer.clone();
        self.signer = Some(signer.clone());
        let added = self.as_itself(&id.clone(), |ledger| {
            ledger.insert_operator(&id, &name, Role::Admin, &credentials)
        });
        if let Err(e) = added {
            self.signer = None;
            return Err(e);
        }
        self.start_session(&id, Some(signer))
    }

    /// A new password's stored form and a new signing key sealed under it.
    fn new_credentials(&self, id: &str, secret: &str) -> Result<Credentials> {
        let (password, seal) = self.hashing.derive(secret)?;
        let signer = Signer::generate(id)?;
        Ok(Credentials {
            password,
            public_key: to_hex(&signer.public_key()),
            sealed_key: signer.seal(&seal)?,
            signer,
        })
    }

    /// Adds an operator with a role and a first password or PIN (administrators only).
    pub fn add_operator(&mut self, id: &str, name: &str, role: Role, secret: &str) -> Result<Operator> {
        let id = normalise_operator_id(id)?;
        if !self.has_operators()? {
            if role != Role::Admin {
                return Err(Error::FirstMustBeAdmin);
            }
            self.add_first_admin(&id, name, secret)?;
            return self.operator_or_unknown(&id);
        }
        self.check_new_operator(&id)?;
        let name = crate::ids::required_text("operator's name", name)?;
        check_new_secret(secret)?;
        let credentials = self.new_credentials(&id, secret)?;
        self.insert_operator(&id, &name, role, &credentials)?;
        self.operator_or_unknown(&id)
    }

    /// The demo's operators (those not there yet), one of each role: added (and signed) by the
    /// administrator signed in, if one is; else the demo's administrator first, whose key is the
    /// root, then the others, added by them.
    pub(crate) fn add_demo_operators(&mut self) -> Result<()> {
        let mut admin: Option<Signer> = self.signer.clone();
        for (id, name, role) in crate::demo::DEMO_OPERATORS {
            if self.find_operator(id)?.is_some() {
                continue;
            }
            let credentials = self.new_credentials(id, crate::demo::DEMO_PASSWORD)?;
            let author = admin.clone().unwrap_or_else(|| credentials.signer.clone());
            let previous = self.signer.replace(author.clone());
            let added = self.as_itself(author.operator(), |ledger| {
                ledger.insert_operator(id, name, role, &credentials)
            });
            self.signer = previous;
            added?;
            if role == Role::Admin && admin.is_none() {
                admin = Some(credentials.signer);
            }
        }
        Ok(())
    }

    fn insert_operator(&mut self, id: &str, name: &str, role: Role, credentials: &Credentials) -> Result<()> {
        let at = to_millis(self.now());
        let fields = json!({
            "name": name, "role": role.as_str(), "active": true, "password": credentials.password,
            "failed_attempts": 0, "last_failed_at": null, "locked_until": null,
            "public_key": credentials.public_key, "sealed_key": credentials.sealed_key,
        });
        let mut w = self.writer()?;
        w.append_record(Record::draft(RecordKind::OperatorAdded, id, object(&fields), at))?;
        w.conn().execute(
            "INSERT INTO operators (id, name, role, active, password, failed_attempts, added_at, public_key, sealed_key)
             VALUES (?1, ?2, ?3, 1, ?4, 0, ?5, ?6, ?7)",
            rusqlite::params![
                id,
                name,
                role.as_str(),
                credentials.password,
                at,
                credentials.public_key,
                credentials.sealed_key
            ],
        )?;
        w.commit()
    }

    /// Whether an operator with this id may be added now (by whoever is signed in), before
    /// anyone is asked for a password: the id is valid and free, and the role allows it.
    pub fn check_new_operator(&self, id: &str) -> Result<()> {
        let id = normalise_operator_id(id)?;
        if self.has_operators()? {
            self.allow(Action::Operators)?;
        }
        if self.find_operator(&id)?.is_some() {
            return Err(Error::DuplicateOperator(id));
        }
        Ok(())
    }

    /// Gives an operator another role (administrators only). The last active administrator
    /// keeps theirs.
    pub fn set_operator_role(&mut self, id: &str, role: Role) -> Result<Operator> {
        self.allow(Action::Operators)?;
        let op = self.operator_or_unknown(id)?;
        if op.role == Role::Admin && role != Role::Admin {
            self.refuse_last_admin(&op)?;
        }
        self.change_operator(
            RecordKind::OperatorChanged,
            &op.id,
            json!({ "role": role.as_str() }),
            None,
        )?;
        self.operator_or_unknown(&op.id)
    }

    /// Disables (or enables again) an operator: a disabled one cannot sign in. Their past
    /// events keep their id.
    pub fn set_operator_active(&mut self, id: &str, active: bool) -> Result<Operator> {
        self.allow(Action::Operators)?;
        let op = self.operator_or_unknown(id)?;
        if !active && op.role == Role::Admin {
            self.refuse_last_admin(&op)?;
        }
        self.change_operator(RecordKind::OperatorChanged, &op.id, json!({ "active": active }), None)?;
        self.operator_or_unknown(&op.id)
    }

    /// Sets a new password or PIN for an operator (administrators only); it also clears a
    /// lock-out.
    pub fn reset_operator_password(&mut self, id: &str, secret: &str) -> Result<Operator> {
        self.allow(Action::Operators)?;
        let op = self.operator_or_unknown(id)?;
        check_new_secret(secret)?;
        // A forgotten password: the old key cannot be unsealed, so a new key pair is issued.
        let credentials = self.new_credentials(&op.id, secret)?;
        let mut fields = cleared();
        fields.insert("password".to_string(), Value::String(credentials.password));
        fields.insert("public_key".to_string(), Value::String(credentials.public_key));
        fields.insert("sealed_key".to_string(), Value::String(credentials.sealed_key));
        self.change_operator(RecordKind::OperatorChanged, &op.id, Value::Object(fields), None)?;
        self.operator_or_unknown(&op.id)
    }

    /// Clears an operator's wrong-password count and lock-out (administrators only).
    pub fn unlock_operator(&mut self, id: &str) -> Result<Operator> {
        self.allow(Action::Operators)?;
        let op = self.operator_or_unknown(id)?;
        self.change_operator(RecordKind::OperatorChanged, &op.id, Value::Object(cleared()), None)?;
        self.operator_or_unknown(&op.id)
    }

    fn refuse_last_admin(&self, op: &Operator) -> Result<()> {
        let others: i64 = self.conn.query_row(
            "SELECT count(*) FROM operators WHERE role = 'admin' AND active = 1 AND id <> ?1",
            [&op.id],
            |r| r.get(0),
        )?;
        if others == 0 && op.active {
            return Err(Error::LastAdmin { id: op.id.clone() });
        }
        Ok(())
    }

    /// Appends an operator's record and applies the fields it carries to their row.
    fn change_operator(&mut self, kind: RecordKind, id: &str, fields: Value, reason: Option<&str>) -> Result<()> {
        let at = to_millis(self.now());
        let fields = object(&fields);
        let mut w = self.writer()?;
        let mut record = Record::draft(kind, id, fields, at);
        record.reason = reason.map(str::to_string);
        w.append_record(record)?;
        // What a record vouches for is the chain's, not a column's.
        for (column, value) in fields.iter().filter(|(key, _)| !key.starts_with("vouches_for")) {
            // The columns are this module's own names, never input.
            let value = match value {
                Value::Bool(b) => rusqlite::types::Value::Integer(i64::from(*b)),
                Value::Number(n) => n
                    .as_i64()
                    .map_or(rusqlite::types::Value::Null, rusqlite::types::Value::Integer),
                Value::String(s) => rusqlite::types::Value::Text(s.clone()),
                _ => rusqlite::types::Value::Null,
            };
            w.conn().execute(
                &format!("UPDATE operators SET {column} = ?1 WHERE id = ?2"),
                rusqlite::params![value, id],
            )?;
        }
        w.commit()
    }

    /// Signs an operator in with their password or PIN. A wrong one is recorded and counted:
    /// after [`crate::operator::DELAY_AFTER`] in a row each try waits longer, after
    /// [`LOCK_AFTER`] the operator is locked out for [`LOCKOUT_MINUTES`] minutes. The count is in
    /// the database, so it survives a restart.
    pub fn operator_sign_in(&mut self, id: &str, secret: &str, at: SignInAt) -> Result<Session> {
        let id = normalise_operator_id(id)?;
        // The tables are checked again (another program may have written since this opened);
        // the decision itself reads the operator's records, whatever their row says.
        self.check_trusted_tables()?;
        let Some(on_record) = self.operator_on_record(&id)? else {
            return Err(if self.has_operators()? {
                Error::UnknownOperator(id)
            } else {
                Error::NoOperatorsYet
            });
        };
        let recorded = self.writable().is_ok();
        let (op, last_failed_at) = if recorded {
            (on_record.operator, on_record.last_failed_at)
        } else {
            unrecorded::add_to(&self.path, on_record.operator, on_record.last_failed_at)
        };
        let op = &op;
        if !op.active {
            return Err(Error::OperatorDisabled { id });
        }
        let now = self.now();
        if let Some(until) = op.locked_out_at(to_millis(now)) {
            let until = self.format_time(until);
            if self.writable().is_ok() {
                let why = format!("refused: locked out until {until}");
                self.change_operator(RecordKind::OperatorSignInFailed, &id, json!({}), Some(&why))?;
            }
            return Err(Error::OperatorLocked {
                id,
                failed: op.failed_attempts,
                until,
            });
        }
        if let Some(last) = last_failed_at {
            let wait = from_millis(last) + delay_after(op.failed_attempts) - now;
            if wait > Duration::zero() {
                return Err(Error::TooSoon {
                    id,
                    seconds: (wait.num_milliseconds() + 999) / 1000,
                });
            }
        }
        let Some(seal) = check_secret(secret, &on_record.password) else {
            let failed = op.failed_attempts + 1;
            let locked_until = (failed >= LOCK_AFTER).then(|| to_millis(now + Duration::minutes(LOCKOUT_MINUTES)));
            let fields = json!({
                "failed_attempts": failed, "last_failed_at": to_millis(now), "locked_until": locked_until,
            });
            if recorded {
                self.change_operator(RecordKind::OperatorSignInFailed, &id, fields, None)?;
            } else {
                unrecorded::failed(&self.path, &id, failed, to_millis(now), locked_until);
            }
            return Err(match locked_until {
                Some(until) => Error::OperatorLocked {
                    id,
                    failed,
                    until: self.format_time(until),
                },
                None => Error::WrongPassword { id, failed },
            });
        };
        if !recorded {
            unrecorded::cleared(&self.path, &id);
        }
        let signer = match (seal, &on_record.public_key, &on_record.sealed_key) {
            (Some(seal), Some(public_key), Some(sealed)) => Some(
                Signer::unseal(&id, public_key, sealed, &seal)
                    .ok_or_else(|| Error::SealedKeyChanged { operator: id.clone() })?,
            ),
            _ => None,
        };
        let (role, failed_before, locked_before) = (op.role, op.failed_attempts, op.locked_until);
        self.start_session(&id, signer)?;
        let recorded_it = (|| -> Result<()> {
            if !recorded {
                return Ok(());
            }
            if self.signer.is_none() && role == Role::Admin && !self.signing_begun()? {
                self.issue_root_key(&id, secret)?;
            }
            if at == SignInAt::Desk || failed_before > 0 || locked_before.is_some() {
                let reason = match failed_before {
                    0 => None,
                    1 => Some("after a wrong password".to_string()),
                    n => Some(format!("after {n} wrong passwords")),
                };
                self.change_operator(
                    RecordKind::OperatorSignedIn,
                    &id,
                    Value::Object(cleared()),
                    reason.as_deref(),
                )?;
            }
            Ok(())
        })();
        if let Err(e) = recorded_it {
            self.end_session();
            return Err(e);
        }
        self.session.clone().ok_or(Error::UnknownOperator(id))
    }

    /// Whether this desk's chain has a signed entry yet.
    pub(crate) fn signing_begun(&self) -> Result<bool> {
        Ok(self
            .conn
            .query_row("SELECT EXISTS (SELECT 1 FROM signatures)", [], |r| r.get(0))?)
    }

    /// A database made before signing, at its administrator's first sign-in since: their key
    /// pair is made (sealed under the password just checked) and recorded, signed by itself, on
    /// a record that vouches for the chain as it stands (its head's number and hash). That key
    /// is the ledger's root; from here on every entry is signed.
    fn issue_root_key(&mut self, id: &str, secret: &str) -> Result<()> {
        let credentials = self.new_credentials(id, secret)?;
        let (seq, hash) = self.head()?;
        let mut fields = Map::new();
        fields.insert("password".to_string(), Value::String(credentials.password));
        fields.insert("public_key".to_string(), Value::String(credentials.public_key));
        fields.insert("sealed_key".to_string(), Value::String(credentials.sealed_key));
        fields.insert("vouches_for_seq".to_string(), Value::from(seq));
        fields.insert("vouches_for_hash".to_string(), Value::String(to_hex(&hash)));
        self.signer = Some(credentials.signer.clone());
        if let Some(session) = &mut self.session {
            session.signer = Some(credentials.signer);
        }
        self.change_operator(
            RecordKind::OperatorChanged,
            id,
            Value::Object(fields),
            Some("signing begins: this administrator's key vouches for the chain recorded before it"),
        )
    }

    /// Acts for an operator who signed in on another connection to this file (the desk's
    /// background readers). Their row is read again, so a role changed or an operator disabled
    /// since takes effect here.
    pub fn act_as(&mut self, session: &Session) -> Result<Session> {
        let signer = session.signer.clone().filter(|s| s.operator() == session.id);
        self.start_session(&session.id, signer)
    }

    fn start_session(&mut self, id: &str, signer: Option<Signer>) -> Result<Session> {
        // The role and whether they are active, as their records say.
        let op = self
            .operator_on_record(id)?
            .map(|r| r.operator)
            .ok_or_else(|| Error::UnknownOperator(id.to_string()))?;
        if !op.active {
            self.end_session();
            return Err(Error::OperatorDisabled { id: op.id });
        }
        let session = Session {
            id: op.id.clone(),
            name: op.name,
            role: op.role,
            signer: signer.clone(),
        };
        self.operator = op.id;
        self.session = Some(session.clone());
        self.signer = signer;
        Ok(session)
    }

    fn end_session(&mut self) {
        self.session = None;
        self.signer = None;
        self.operator = "nobody".to_string();
    }

    /// Signs the operator out (recorded).
    pub fn operator_sign_out(&mut self) -> Result<()> {
        self.close_session(RecordKind::OperatorSignedOut)
    }

    /// Locks the desk (recorded): the operator signs in again to go on.
    pub fn lock_desk(&mut self) -> Result<()> {
        self.close_session(RecordKind::DeskLocked)
    }

    fn close_session(&mut self, kind: RecordKind) -> Result<()> {
        if let Some(s) = self.session.clone()
            && self.writable().is_ok()
        {
            self.change_operator(kind, &s.id, json!({}), None)?;
        }
        self.end_session();
        Ok(())
    }

    /// After how many idle minutes the desk locks.
    pub fn idle_lock_minutes(&self) -> Result<u32> {
        Ok(self
            .setting(IDLE_LOCK_KEY)?
            .and_then(|v| v.parse().ok())
            .unwrap_or(DEFAULT_IDLE_LOCK_MINUTES))
    }

    /// Sets after how many idle minutes the desk locks (1 to 60; administrators only).
    pub fn set_idle_lock_minutes(&mut self, minutes: u32) -> Result<()> {
        self.allow(Action::AllSettings)?;
        if !(1..=60).contains(&minutes) {
            return Err(Error::InvalidText {
                field: "idle lock",
                why: format!("{minutes} minutes is outside 1 to 60"),
            });
        }
        self.put_setting(IDLE_LOCK_KEY, &minutes.to_string())
    }
}

/// A new password's stored form and the signing key it seals.
struct Credentials {
    password: String,
    public_key: String,
    sealed_key: String,
    signer: Signer,
}

/// The fields that clear a run of wrong passwords.
fn cleared() -> Map<String, Value> {
    let fields = json!({ "failed_attempts": 0, "last_failed_at": null, "locked_until": null });
    object(&fields).clone()
}

fn object(v: &Value) -> &Map<String, Value> {
    static EMPTY: std::sync::OnceLock<Map<String, Value>> = std::sync::OnceLock::new();
    v.as_object().unwrap_or_else(|| EMPTY.get_or_init(Map::new))
}

/// An operator's row as the records carry it, for `verify`'s replay.
pub(crate) fn operator_fields(conn: &rusqlite::Connection, id: &str) -> Result<Option<(Map<String, Value>, i64)>> {
    Ok(conn
        .prepare_cached(
            "SELECT name, role, active, password, failed_attempts, last_failed_at, locked_until, added_at,
                    public_key, sealed_key
             FROM operators WHERE id = ?1",
        )?
        .query_row([id], |r| {
            let fields = json!({
                "name": r.get::<_, String>(0)?, "role": r.get::<_, String>(1)?, "active": r.get::<_, bool>(2)?,
                "password": r.get::<_, String>(3)?, "failed_attempts": r.get::<_, i64>(4)?,
                "last_failed_at": r.get::<_, Option<i64>>(5)?, "locked_until": r.get::<_, Option<i64>>(6)?,
            });
            let mut fields = object(&fields).clone();
            // An operator from before signing has no key: no field, as their records have none.
            for (key, column) in [("public_key", 8), ("sealed_key", 9)] {
                if let Some(value) = r.get::<_, Option<String>>(column)? {
                    fields.insert(key.to_string(), Value::String(value));
                }
            }
            Ok((fields, r.get::<_, i64>(7)?))
        })
        .optional()?)
}

/// Every operator's id (for `verify`'s replay of the whole register).
pub(crate) fn operator_ids(conn: &rusqlite::Connection) -> Result<Vec<String>> {
    let mut stmt = conn.prepare("SELECT id FROM operators")?;
    let rows = stmt.query_map([], |r| r.get(0))?;
    Ok(rows.collect::<rusqlite::Result<_>>()?)
}

/// Wrong passwords at a database this program may only read (a shared folder): they cannot be
/// recorded, so they are counted here, for as long as the program runs (the desk's sign-ins on
/// their threads among them), and delayed and locked out just as recorded ones are.
mod unrecorded {
    use std::collections::HashMap;
    use std::path::{Path, PathBuf};
    use std::sync::{Mutex, PoisonError};

    use crate::operator::Operator;

    /// (wrong in a row, the last one's time, locked until), by database and operator.
    type Failures = (u32, i64, Option<i64>);
    static COUNTED: Mutex<Option<HashMap<(PathBuf, String), Failures>>> = Mutex::new(None);

    fn with<T>(work: impl FnOnce(&mut HashMap<(PathBuf, String), Failures>) -> T) -> T {
        let mut counted = COUNTED.lock().unwrap_or_else(PoisonError::into_inner);
        work(counted.get_or_insert_with(HashMap::new))
    }

    /// The operator with the wrong passwords counted here added to those on the record.
    pub(super) fn add_to(db: &Path, mut op: Operator, last_failed_at: Option<i64>) -> (Operator, Option<i64>) {
        let here = with(|c| c.get(&(db.to_path_buf(), op.id.clone())).copied());
        let Some((failed, last, locked_until)) = here else {
            return (op, last_failed_at);
        };
        op.failed_attempts = op.failed_attempts.max(failed);
        op.locked_until = op.locked_until.max(locked_until);
        (op, last_failed_at.max(Some(last)))
    }

    pub(super) fn failed(db: &Path, id: &str, failed: u32, at: i64, locked_until: Option<i64>) {
        with(|c| c.insert((db.to_path_buf(), id.to_string()), (failed, at, locked_until)));
    }

    pub(super) fn cleared(db: &Path, id: &str) {
        with(|c| c.remove(&(db.to_path_buf(), id.to_string())));
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::operator::DELAY_AFTER;
    use crate::time::FixedClock;

    /// A database the program may only read cannot record wrong passwords; they are delayed
    /// all the same, also for the next connection (the desk checks each PIN on its own).
    #[test]
    fn wrong_passwords_at_a_read_only_database_are_delayed_all_the_same() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("shared.db");
        let clock = FixedClock::new("2026-11-20T10:00:00Z".parse().unwrap());
        {
            let mut ledger = Ledger::create(&path, None, clock.clone()).unwrap();
            ledger.use_hashing(Hashing::cheap_for_tests());
            ledger.add_first_admin("boss", "Boss", "boss-pin-1").unwrap();
        }
        // As the desk opens a file in a folder it may only read (root ignores permissions).
        let read_only =
            || Ledger::from_connection(crate::storage::reader(&path).unwrap(), &path, clock.clone()).unwrap();
        let mut ledger = read_only();
        assert!(ledger.is_read_only());
        for n in 1..=DELAY_AFTER {
            let err = ledger
                .operator_sign_in("boss", "wrong-pin", SignInAt::Desk)
                .unwrap_err();
            assert!(
                matches!(err, Error::WrongPassword { failed, .. } if failed == n),
                "{err}"
            );
        }
        let err = read_only()
            .operator_sign_in("boss", "boss-pin-1", SignInAt::Desk)
            .unwrap_err();
        assert!(matches!(err, Error::TooSoon { .. }), "delayed, the next try too: {err}");
        clock.advance(Duration::seconds(3));
        read_only()
            .operator_sign_in("boss", "boss-pin-1", SignInAt::Desk)
            .unwrap();
        let again = read_only()
            .operator_sign_in("boss", "wrong-pin", SignInAt::Desk)
            .unwrap_err();
        assert!(
            matches!(again, Error::WrongPassword { failed: 1, .. }),
            "a good PIN clears the count: {again}"
        );
    }
}
