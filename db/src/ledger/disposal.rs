//! Disposal (rule R11): equipment leaves through the organisation's disposal process with a
//! reference (its certificate of data destruction); paper is destroyed only by cross-cut
//! shredding, in front of a witness. A disposal is the item's `retired` event and an
//! `item-disposed` record, in one transaction: the item can never be signed out again (R8).

use chrono::{DateTime, Utc};
use rusqlite::params;
use serde::Serialize;
use serde_json::{Map, Value, json};

use super::Ledger;
use super::custody::blank;
use super::queries::read_state;
use crate::error::{Error, Result};
use crate::ids::required_text;
use crate::model::{EventKind, ItemKind};
use crate::operator::Action;
use crate::record::{Record, RecordKind};
use crate::state::Status;
use crate::time::to_millis;

/// The disposal register covers this many days unless asked for another period.
pub const REGISTER_DAYS: i64 = 365;

/// How an item was disposed of.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Method {
    /// A device through the organisation's disposal process, which issues a certificate of
    /// data destruction (its number is the reference).
    CertifiedDestruction,
    /// Paper, cut across as well as along (strip-cut paper can be pieced together).
    CrossCutShredding,
}

impl Method {
    pub const ALL: [Method; 2] = [Method::CertifiedDestruction, Method::CrossCutShredding];

    pub fn as_str(self) -> &'static str {
        match self {
            Method::CertifiedDestruction => "certified-destruction",
            Method::CrossCutShredding => "cross-cut-shredding",
        }
    }

    /// In words, for the register and the refusals.
    pub fn describe(self) -> &'static str {
        match self {
            Method::CertifiedDestruction => "the disposal process, with a certificate of data destruction",
            Method::CrossCutShredding => "cross-cut shredding",
        }
    }

    pub fn parse(s: &str) -> Result<Method> {
        let wanted = s.trim().to_ascii_lowercase().replace([' ', '_'], "-");
        Method::ALL
            .into_iter()
            .find(|m| m.as_str() == wanted)
            .ok_or_else(|| Error::InvalidText {
                field: "disposal method",
                why: format!("{s:?} is not one of certified-destruction (devices), cross-cut-shredding (paper)"),
            })
    }

    /// The only method R11 allows for an item of this kind.
    pub fn for_kind(kind: ItemKind) -> Method {
        if kind.is_device() {
            Method::CertifiedDestruction
        } else {
            Method::CrossCutShredding
        }
    }
}

/// A disposal as recorded.
#[derive(Clone, Debug, Serialize)]
pub struct Disposal {
    pub tag: String,
    pub name: String,
    pub kind: ItemKind,
    pub method: Method,
    pub reference: String,
    /// The witness's id and name (required for paper).
    pub witness: Option<(String, String)>,
    pub at: i64,
    pub operator: String,
}

/// What a disposal needs from whoever records it.
#[derive(Clone, Debug)]
pub struct NewDisposal<'a> {
    pub tag: &'a str,
    pub method: Method,
    pub reference: &'a str,
    pub witness: Option<&'a str>,
    /// When it was destroyed; now if not given.
    pub at: Option<DateTime<Utc>>,
}

impl Ledger {
    /// Records a disposal: refused for an item that is not on the premises, for a method R11
    /// does not allow for its kind, and for paper without a witness.
    pub fn dispose(&mut self, d: &NewDisposal<'_>) -> Result<Disposal> {
        self.allow(Action::Dispose)?;
        let reference = required_text("disposal reference", d.reference)?;
        let item = self.item(d.tag)?;
        let state = read_state(&self.conn, &item.tag)?;
        if state.status != Status::In {
            return Err(Error::DisposeNotHere {
                tag: item.tag,
                status: self.describe_state(&state),
            });
        }
        let allowed = Method::for_kind(item.kind);
        if d.method != allowed {
            return Err(Error::DisposalMethod {
                tag: item.tag,
                kind: item.kind.as_str(),
                method: allowed.describe(),
            });
        }
        let witness = match d.witness.map(str::trim).filter(|w| !w.is_empty()) {
            Some(w) => Some(self.person(w)?),
            None if d.method == Method::CrossCutShredding => {
                return Err(Error::NoWitness { tag: item.tag });
            }
            None => None,
        };
        let when = d.at.unwrap_or_else(|| self.now());
        if d.at.is_some() {
            self.registered_by(when, &item.tag, &[])?;
        }
        let mut body = Map::new();
        body.insert("method".into(), json!(d.method.as_str()));
        body.insert("reference".into(), json!(reference));
        body.insert("witness".into(), json!(witness.as_ref().map(|p| &p.id)));
        let mut w = self.writer()?;
        let mut e = blank(EventKind::Retired, &item.tag, when);
        e.note = Some(format!("disposed of by {}, reference {reference}", d.method.describe()));
        let event = w.append_move(e, &state)?;
        let record = w.append_record(Record::draft(
            RecordKind::ItemDisposed,
            &item.tag,
            &body,
            event.occurred_at,
        ))?;
        w.commit()?;
        Ok(Disposal {
            tag: item.tag,
            name: item.name,
            kind: item.kind,
            method: d.method,
            reference,
            witness: witness.map(|p| (p.id, p.name)),
            at: record.occurred_at,
            operator: record.operator,
        })
    }

    /// The disposals recorded in `[from, to]`, by when they happened: the disposal register.
    pub fn disposals(&self, from: DateTime<Utc>, to: DateTime<Utc>) -> Result<Vec<Disposal>> {
        self.allow(Action::SeeRegister)?;
        let mut stmt = self.conn.prepare_cached(
            "SELECT r.subject, r.body, r.occurred_at, r.operator, i.name, i.kind
             FROM all_records r JOIN items i ON i.tag = r.subject
             WHERE r.kind = 'item-disposed' AND r.occurred_at BETWEEN ?1 AND ?2 ORDER BY r.occurred_at, r.subject",
        )?;
        let mut rows = stmt.query(params![to_millis(from), to_millis(to)])?;
        let mut found = Vec::new();
        while let Some(r) = rows.next()? {
            let body: String = r.get(1)?;
            let kind: String = r.get(5)?;
            let (method, reference, witness) = disposal_fields(&body);
            let witness = witness.map(|id| {
                let name = self.person(&id).map(|p| p.name).unwrap_or_default();
                (id, name)
            });
            found.push(Disposal {
                tag: r.get(0)?,
                name: r.get(4)?,
                kind: kind.parse()?,
                method,
                reference,
                witness,
                at: r.get(2)?,
                operator: r.get(3)?,
            });
        }
        Ok(found)
    }

    /// How an item left for good, for R8's refusal: "was disposed of on 3 Dec 2026 by
    /// cross-cut shredding (reference SH-12)", or "has been retired".
    pub(crate) fn how_retired(&self, tag: &str) -> String {
        let disposal: Option<(String, i64)> = self
            .conn
            .prepare_cached(
                "SELECT body, occurred_at FROM all_records WHERE subject = ?1 AND kind = 'item-disposed'
                 ORDER BY occurred_at DESC LIMIT 1",
            )
            .and_then(|mut s| s.query_row([tag], |r| Ok((r.get(0)?, r.get(1)?))))
            .ok();
        match disposal {
            Some((body, at)) => {
                let (method, reference, _) = disposal_fields(&body);
                format!(
                    "was disposed of on {} by {} (reference {reference})",
                    self.format_time(at),
                    method.describe()
                )
            }
            None => "has been retired".to_string(),
        }
    }
}

/// Method, reference and witness from an `item-disposed` record's body.
fn disposal_fields(body: &str) -> (Method, String, Option<String>) {
    let body: Map<String, Value> = serde_json::from_str(body).unwrap_or_default();
    let text = |k: &str| body.get(k).and_then(Value::as_str).map(str::to_string);
    (
        text("method")
            .and_then(|m| Method::parse(&m).ok())
            .unwrap_or(Method::CertifiedDestruction),
        text("reference").unwrap_or_default(),
        text("witness"),
    )
}
