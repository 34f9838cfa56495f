//! Stocktakes (rule R10): count what is there against what the record says should be.
//!
//! A stocktake is records on the chain: `stocktake-started` (its scope and the tags expected,
//! fixed at that moment), one `stocktake-sighted` per item seen (with what the record said of it
//! then), `stocktake-finished`. So it survives a restart, anyone at the desk can go on with it or
//! finish it, and its report reads the same later. Like incidents, a stocktake belongs to the
//! desk that started it (its number is the desk's own).

use std::collections::HashMap;

use rusqlite::params;
use serde::Serialize;
use serde_json::{Map, json};

use super::Ledger;
use super::queries::read_state;
use crate::error::{Error, Result};
use crate::ids::{IdKind, normalise_id};
use crate::model::ItemKind;
use crate::operator::Action;
use crate::record::{Record, RecordKind};
use crate::state::Status;
use crate::time::to_millis;

/// What a stocktake counts.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Scope {
    /// Everything the record says is on the premises now (the default).
    Premises,
    /// Everything on the register that is in or out: what is out must be brought in or seen.
    All,
    /// The items of one kind that should be on the premises.
    Kind(ItemKind),
    /// What the record says travels in one bag, case or car.
    Container(String),
}

impl Scope {
    /// How the scope is stored, and compared for "one stocktake of a scope at once".
    fn key(&self) -> String {
        match self {
            Scope::Premises => "premises".to_string(),
            Scope::All => "all".to_string(),
            Scope::Kind(k) => format!("kind:{k}"),
            Scope::Container(c) => format!("container:{c}"),
        }
    }

    fn from_key(key: &str) -> Option<Scope> {
        match key.split_once(':') {
            None if key == "premises" => Some(Scope::Premises),
            None if key == "all" => Some(Scope::All),
            Some(("kind", k)) => k.parse().ok().map(Scope::Kind),
            Some(("container", c)) => Some(Scope::Container(c.to_string())),
            _ => None,
        }
    }

    /// In words: "everything that should be on the premises".
    pub fn describe(&self) -> String {
        match self {
            Scope::Premises => "everything that should be on the premises".to_string(),
            Scope::All => "everything on the register, in or out".to_string(),
            Scope::Kind(k) => format!("every {k} that should be on the premises"),
            Scope::Container(c) => format!("what should be in container {c}"),
        }
    }

    /// The condition on items `i` and their state `s` that makes an item expected.
    fn condition(&self) -> (&'static str, Option<String>) {
        match self {
            Scope::Premises => ("s.status = 'in'", None),
            Scope::All => ("s.status IN ('in', 'out')", None),
            Scope::Kind(k) => ("s.status = 'in' AND i.kind = ?1", Some(k.as_str().to_string())),
            Scope::Container(c) => ("s.container = ?1", Some(c.clone())),
        }
    }
}

/// One item seen, the first time it was seen in this stocktake.
#[derive(Clone, Debug, Serialize)]
pub struct Sighting {
    pub tag: String,
    pub at: i64,
    pub operator: String,
    /// It was on the list of what should be there.
    pub expected: bool,
    /// What the record said of it when it was seen (None: not on the register).
    pub status: Option<Status>,
    /// Who the record said held it then.
    pub holder: Option<String>,
}

/// A stocktake as its records tell it.
#[derive(Clone, Debug, Serialize)]
pub struct Stocktake {
    pub id: String,
    pub scope: Scope,
    pub started_at: i64,
    pub started_by: String,
    /// The tags that should be there, fixed when it started, in order.
    pub expected: Vec<String>,
    /// Each item seen, once, in the order seen.
    pub sightings: Vec<Sighting>,
    /// When and by whom it was finished.
    pub finished: Option<(i64, String)>,
}

impl Stocktake {
    /// Expected items seen.
    pub fn found(&self) -> usize {
        self.sightings.iter().filter(|s| s.expected).count()
    }

    /// Expected items not seen yet.
    pub fn still_expected(&self) -> usize {
        self.expected.len() - self.found()
    }

    /// Items seen that were not expected.
    pub fn unexpected(&self) -> usize {
        self.sightings.len() - self.found()
    }

    fn seen(&self, tag: &str) -> Option<&Sighting> {
        self.sightings.iter().find(|s| s.tag == tag)
    }
}

/// What a scan found.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Seen {
    /// On the list, and now counted.
    Expected,
    /// Counted already (a camera sees a code many times): nothing written.
    AlreadySeen { at: i64 },
    /// Not on the list: why, in words, and what can be done.
    Unexpected { why: String, offer: Offer },
}

/// What the desk can offer to do about an unexpected item.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Offer {
    None,
    /// The record says it is out, but it is here.
    SignIn,
    /// The record says it is lost or stolen, but it is here.
    Found,
}

/// One line of a finished (or running) stocktake's report.
#[derive(Clone, Debug, Serialize)]
pub struct StocktakeLine {
    pub tag: String,
    /// From the register; none for a tag that is not on it.
    pub name: Option<String>,
    pub kind: Option<ItemKind>,
    pub outcome: Outcome,
    pub seen_at: Option<i64>,
    /// What the record says, in words ("recorded as out with Sam Jones (S001)").
    pub note: String,
    /// What can still be done about it, judged on the record now.
    pub offer: Offer,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Outcome {
    Found,
    Missing,
    Unexpected,
}

impl Outcome {
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Found => "found",
            Outcome::Missing => "missing",
            Outcome::Unexpected => "unexpected",
        }
    }
}

/// The report: every expected item (found or missing) and every unexpected one.
#[derive(Clone, Debug, Serialize)]
pub struct StocktakeReport {
    pub stocktake: Stocktake,
    /// Missing first, then unexpected, then found; by tag within each.
    pub lines: Vec<StocktakeLine>,
}

impl StocktakeReport {
    pub fn of(&self, outcome: Outcome) -> impl Iterator<Item = &StocktakeLine> {
        self.lines.iter().filter(move |l| l.outcome == outcome)
    }
}

impl Ledger {
    /// Starts a stocktake of `scope`: the items it expects are fixed now. Refused when another
    /// stocktake of the same scope is still open, or when nothing is in scope.
    pub fn start_stocktake(&mut self, scope: Scope) -> Result<Stocktake> {
        self.allow(Action::Stocktake)?;
        let scope = match scope {
            Scope::Container(c) => Scope::Container(self.container(&c)?.id),
            other => other,
        };
        if let Some(open) = self.open_stocktakes()?.into_iter().find(|s| s.scope == scope) {
            return Err(Error::StocktakeOpen {
                id: open.id,
                scope: scope.describe(),
                started: self.format_time(open.started_at),
            });
        }
        let expected = self.in_scope(&scope)?;
        if expected.is_empty() {
            return Err(Error::NothingToCount {
                scope: scope.describe(),
            });
        }
        let now = to_millis(self.now());
        let id = self.next_stocktake_id()?;
        let mut body = Map::new();
        body.insert("scope".into(), json!(scope.key()));
        body.insert("expected".into(), json!(expected));
        let mut w = self.writer()?;
        w.append_record(Record::draft(RecordKind::StocktakeStarted, &id, &body, now))?;
        w.commit()?;
        self.stocktake(&id)
    }

    /// Counts `tag` as seen in the open stocktake (`id`, or the only one open).
    pub fn stocktake_scan(&mut self, id: Option<&str>, tag: &str) -> Result<(Seen, Stocktake)> {
        self.allow(Action::StocktakeScan)?;
        let mut stocktake = self.open_stocktake(id)?;
        let tag = normalise_id(IdKind::Tag, tag)?;
        if let Some(s) = stocktake.seen(&tag) {
            return Ok((Seen::AlreadySeen { at: s.at }, stocktake));
        }
        let known: Option<String> = self
            .conn
            .prepare_cached("SELECT tag FROM items WHERE tag = ?1")?
            .query_row([&tag], |r| r.get(0))
            .ok();
        let state = known.as_ref().map(|t| read_state(&self.conn, t)).transpose()?;
        let expected = stocktake.expected.binary_search(&tag).is_ok();
        let now = to_millis(self.now());
        let sighting = Sighting {
            tag: tag.clone(),
            at: now,
            operator: self.operator().to_string(),
            expected,
            status: state.as_ref().map(|s| s.status),
            holder: state.as_ref().and_then(|s| s.holder.clone()),
        };
        let mut body = Map::new();
        body.insert("tag".into(), json!(tag));
        body.insert("expected".into(), json!(expected));
        body.insert("status".into(), json!(sighting.status.map(Status::as_str)));
        body.insert("holder".into(), json!(sighting.holder));
        let mut w = self.writer()?;
        w.append_record(Record::draft(RecordKind::StocktakeSighted, &stocktake.id, &body, now))?;
        w.commit()?;
        let seen = if expected {
            Seen::Expected
        } else {
            let (why, offer) = self.why_unexpected(&sighting, &stocktake.scope);
            Seen::Unexpected { why, offer }
        };
        stocktake.sightings.push(sighting);
        Ok((seen, stocktake))
    }

    /// Finishes the open stocktake (`id`, or the only one open) and gives its report.
    pub fn finish_stocktake(&mut self, id: Option<&str>) -> Result<StocktakeReport> {
        self.allow(Action::Stocktake)?;
        let stocktake = self.open_stocktake(id)?;
        let now = to_millis(self.now());
        let mut w = self.writer()?;
        w.append_record(Record::draft(
            RecordKind::StocktakeFinished,
            &stocktake.id,
            &Map::new(),
            now,
        ))?;
        w.commit()?;
        self.stocktake_report(Some(&stocktake.id))
    }

    /// The report of stocktake `id`, or of the latest one (open or finished).
    pub fn stocktake_report(&self, id: Option<&str>) -> Result<StocktakeReport> {
        self.allow(Action::SeeRegister)?;
        let stocktake = match id {
            Some(id) => self.stocktake(id)?,
            None => self.latest_stocktake()?.ok_or(Error::NoStocktake)?,
        };
        let seen: HashMap<&str, &Sighting> = stocktake.sightings.iter().map(|s| (s.tag.as_str(), s)).collect();
        let mut tags: Vec<&str> = stocktake.expected.iter().map(String::as_str).collect();
        tags.extend(
            stocktake
                .sightings
                .iter()
                .filter(|s| !s.expected)
                .map(|s| s.tag.as_str()),
        );
        let now = self.items_now(&tags)?;
        let mut lines = Vec::with_capacity(tags.len());
        for tag in tags {
            let (name, kind, status, holder) = match now.get(tag) {
                Some((name, kind, status, holder)) => (Some(name.clone()), Some(*kind), Some(*status), holder.clone()),
                None => (None, None, None, None),
            };
            let offer = match status {
                Some(Status::Out) => Offer::SignIn,
                Some(Status::Lost | Status::Stolen) => Offer::Found,
                _ => Offer::None,
            };
            let line = match seen.get(tag) {
                Some(s) if s.expected => StocktakeLine {
                    tag: tag.to_string(),
                    name,
                    kind,
                    outcome: Outcome::Found,
                    seen_at: Some(s.at),
                    note: String::new(),
                    offer: if matches!(stocktake.scope, Scope::Container(_)) {
                        Offer::None
                    } else {
                        offer
                    },
                },
                Some(s) => StocktakeLine {
                    tag: tag.to_string(),
                    name,
                    kind,
                    outcome: Outcome::Unexpected,
                    seen_at: Some(s.at),
                    note: self.why_unexpected(s, &stocktake.scope).0,
                    offer,
                },
                None => StocktakeLine {
                    tag: tag.to_string(),
                    name,
                    kind,
                    outcome: Outcome::Missing,
                    seen_at: None,
                    note: match status {
                        Some(Status::In) => "recorded as on the premises".to_string(),
                        Some(Status::Out) => format!("recorded as out with {}", self.holder_words(holder.as_deref())),
                        Some(other) => format!("recorded as {} since the stocktake began", other.as_str()),
                        None => "no longer on the register".to_string(),
                    },
                    offer: Offer::None,
                },
            };
            lines.push(line);
        }
        // What needs action now first: an unexpected item is here, out of its place.
        let rank = |o: Outcome| match o {
            Outcome::Unexpected => 0,
            Outcome::Missing => 1,
            Outcome::Found => 2,
        };
        lines.sort_by(|a, b| (rank(a.outcome), &a.tag).cmp(&(rank(b.outcome), &b.tag)));
        Ok(StocktakeReport { stocktake, lines })
    }

    /// The stocktakes not yet finished, oldest first.
    pub fn open_stocktakes(&self) -> Result<Vec<Stocktake>> {
        self.allow(Action::SeeRegister)?;
        let ids: Vec<String> = self
            .conn
            .prepare_cached(
                "SELECT subject FROM records WHERE kind = 'stocktake-started' AND subject NOT IN
                   (SELECT subject FROM records WHERE kind = 'stocktake-finished') ORDER BY seq",
            )?
            .query_map([], |r| r.get(0))?
            .collect::<rusqlite::Result<_>>()?;
        ids.iter().map(|id| self.stocktake(id)).collect()
    }

    /// One stocktake, as its records tell it. SQLite picks the fields out of each record's
    /// body (faster than parsing thousands of bodies here: this runs on every scan).
    pub fn stocktake(&self, id: &str) -> Result<Stocktake> {
        self.stocktake_at(self.desk(), id)
    }

    /// One stocktake of a desk of the trust (each desk numbers its own), as its records tell it.
    pub(crate) fn stocktake_at(&self, desk: &str, id: &str) -> Result<Stocktake> {
        self.allow(Action::SeeRegister)?;
        let id = id.trim().to_ascii_uppercase();
        let mut stmt = self.conn.prepare_cached(&format!(
            "SELECT kind, occurred_at, operator, json_extract(body, '$.scope'), json_extract(body, '$.expected'),
                    json_extract(body, '$.tag'), json_extract(body, '$.status'), json_extract(body, '$.holder')
             FROM {}
             WHERE subject = ?1 AND desk = ?2 AND kind IN ('stocktake-started', 'stocktake-sighted', 'stocktake-finished')
             ORDER BY seq",
            self.records_of_desk(desk)
        ))?;
        let mut rows = stmt.query([&id, desk])?;
        let mut stocktake: Option<Stocktake> = None;
        while let Some(row) = rows.next()? {
            let kind: String = row.get(0)?;
            let (at, operator): (i64, String) = (row.get(1)?, row.get(2)?);
            match (kind.as_str(), stocktake.as_mut()) {
                ("stocktake-started", None) => {
                    let scope: Option<String> = row.get(3)?;
                    let expected: Option<String> = row.get(4)?;
                    let mut expected: Vec<String> =
                        expected.and_then(|e| serde_json::from_str(&e).ok()).unwrap_or_default();
                    expected.sort_unstable();
                    stocktake = Some(Stocktake {
                        id: id.clone(),
                        scope: scope.and_then(|k| Scope::from_key(&k)).unwrap_or(Scope::Premises),
                        started_at: at,
                        started_by: operator,
                        expected,
                        sightings: Vec::new(),
                        finished: None,
                    });
                }
                ("stocktake-sighted", Some(s)) => {
                    // `expected` is stored as JSON true/false, which json_extract gives as 1/0.
                    let expected: Option<i64> = row.get(4)?;
                    let status: Option<String> = row.get(6)?;
                    s.sightings.push(Sighting {
                        tag: row.get::<_, Option<String>>(5)?.unwrap_or_default(),
                        at,
                        operator,
                        expected: expected == Some(1),
                        status: status.and_then(|t| Status::parse(&t)),
                        holder: row.get(7)?,
                    });
                }
                ("stocktake-finished", Some(s)) => s.finished = Some((at, operator)),
                _ => {}
            }
        }
        stocktake.ok_or(Error::UnknownStocktake(id))
    }

    /// The latest stocktake started on this desk, open or finished.
    fn latest_stocktake(&self) -> Result<Option<Stocktake>> {
        let id: Option<String> = self
            .conn
            .prepare_cached("SELECT subject FROM records WHERE kind = 'stocktake-started' ORDER BY seq DESC LIMIT 1")?
            .query_row([], |r| r.get(0))
            .ok();
        id.map(|id| self.stocktake(&id)).transpose()
    }

    /// Stocktake `id` if it is still open, or the only open one when no id is given.
    fn open_stocktake(&self, id: Option<&str>) -> Result<Stocktake> {
        match id {
            Some(id) => {
                let s = self.stocktake(id)?;
                match &s.finished {
                    Some((at, by)) => Err(Error::StocktakeFinished {
                        id: s.id.clone(),
                        at: self.format_time(*at),
                        by: by.clone(),
                    }),
                    None => Ok(s),
                }
            }
            None => {
                let mut open = self.open_stocktakes()?;
                match open.len() {
                    0 => Err(Error::NoStocktake),
                    1 => Ok(open.remove(0)),
                    _ => Err(Error::WhichStocktake(open.into_iter().map(|s| s.id).collect())),
                }
            }
        }
    }

    /// "ST-3": one more than the stocktakes this desk has started.
    fn next_stocktake_id(&self) -> Result<String> {
        let n: i64 = self.conn.query_row(
            "SELECT count(*) FROM records WHERE kind = 'stocktake-started'",
            [],
            |r| r.get(0),
        )?;
        Ok(format!("ST-{}", n + 1))
    }

    /// The tags of the items in `scope` now, in order.
    fn in_scope(&self, scope: &Scope) -> Result<Vec<String>> {
        let (condition, value) = scope.condition();
        let mut stmt = self.conn.prepare(&format!(
            "SELECT i.tag FROM items i JOIN item_state s ON s.item = i.tag WHERE {condition} ORDER BY i.tag"
        ))?;
        let rows = match &value {
            Some(v) => stmt
                .query_map([v], |r| r.get(0))?
                .collect::<rusqlite::Result<Vec<String>>>(),
            None => stmt.query_map([], |r| r.get(0))?.collect(),
        };
        Ok(rows?)
    }

    /// Name, kind, status and holder of each of `tags` on the register now.
    #[allow(clippy::type_complexity)]
    fn items_now(&self, tags: &[&str]) -> Result<HashMap<String, (String, ItemKind, Status, Option<String>)>> {
        let mut stmt = self.conn.prepare(
            "SELECT i.tag, i.name, i.kind, s.status, s.holder FROM json_each(?1) t
             JOIN items i ON i.tag = t.value JOIN item_state s ON s.item = i.tag",
        )?;
        let list = serde_json::to_string(tags).unwrap_or_default();
        let mut rows = stmt.query(params![list])?;
        let mut found = HashMap::new();
        while let Some(r) = rows.next()? {
            let kind: String = r.get(2)?;
            let status: String = r.get(3)?;
            if let (Ok(kind), Some(status)) = (kind.parse(), Status::parse(&status)) {
                found.insert(r.get(0)?, (r.get(1)?, kind, status, r.get(4)?));
            }
        }
        Ok(found)
    }

    /// Why a sighting was not expected, from what the record said when it was seen, and what
    /// could be done about it then.
    pub fn why_unexpected(&self, s: &Sighting, scope: &Scope) -> (String, Offer) {
        match s.status {
            None => (
                "not on the register: not ours, or not registered yet".to_string(),
                Offer::None,
            ),
            Some(Status::Out) => (
                format!("recorded as out with {}", self.holder_words(s.holder.as_deref())),
                Offer::SignIn,
            ),
            Some(Status::Lost) => ("recorded as lost".to_string(), Offer::Found),
            Some(Status::Stolen) => ("recorded as stolen".to_string(), Offer::Found),
            Some(Status::Retired) => (
                "retired or disposed of: it should not be here any more".to_string(),
                Offer::None,
            ),
            Some(Status::In) => (format!("on the premises, but not in {}", scope.describe()), Offer::None),
        }
    }

    fn holder_words(&self, holder: Option<&str>) -> String {
        holder.map_or_else(|| "nobody named".to_string(), |h| self.person_label(h))
    }
}

/// The scope a user asked for: a kind, a container, everything, or by default the premises.
pub fn scope_of(kind: Option<&str>, container: Option<&str>, all: bool) -> Result<Scope> {
    Ok(match (kind, container, all) {
        (Some(k), None, false) => Scope::Kind(k.parse()?),
        (None, Some(c), false) => Scope::Container(normalise_id(IdKind::Container, c)?),
        (None, None, true) => Scope::All,
        (None, None, false) => Scope::Premises,
        _ => {
            return Err(Error::InvalidText {
                field: "stocktake's scope",
                why: "choose one of a kind, a container or everything".to_string(),
            });
        }
    })
}
