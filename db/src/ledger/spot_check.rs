//! Spot checks (rule R10): a random sample of the items that are out, or of the people holding
//! them, checked by a manager (seen with the holder and stored as the rules say, not available,
//! or a problem). The draw is on the record with its seed and its sample, so anyone can draw it
//! again from the same population and get the same names; each outcome is a record after it.

use chrono::{DateTime, Duration, Utc};
use serde::Serialize;
use serde_json::{Map, Value, json};

use super::Ledger;
use crate::error::{Error, Result};
use crate::ids::optional_text;
use crate::operator::Action;
use crate::record::{Record, RecordKind};
use crate::time::to_millis;

/// What is sampled.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Population {
    /// Items out now.
    Items,
    /// People holding something now.
    Holders,
}

impl Population {
    pub fn as_str(self) -> &'static str {
        match self {
            Population::Items => "items",
            Population::Holders => "holders",
        }
    }

    pub fn parse(s: &str) -> Result<Population> {
        match s.trim().to_ascii_lowercase().as_str() {
            "items" | "item" => Ok(Population::Items),
            "holders" | "holder" | "people" => Ok(Population::Holders),
            _ => Err(Error::InvalidText {
                field: "spot check's population",
                why: format!("{s:?} is not items or holders"),
            }),
        }
    }
}

/// How large a sample.
#[derive(Clone, Copy, Debug, PartialEq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum SampleSize {
    Count(u32),
    Percent(f64),
}

impl SampleSize {
    /// How many of `population`: a percentage rounds up, so 10 % of 3 is 1, never 0.
    fn of(self, population: usize) -> usize {
        match self {
            SampleSize::Count(n) => (n as usize).min(population),
            SampleSize::Percent(p) => ((population as f64 * p / 100.0).ceil() as usize).min(population),
        }
    }

    fn is_zero(self) -> bool {
        match self {
            SampleSize::Count(n) => n == 0,
            SampleSize::Percent(p) => p <= 0.0 || p.is_nan(),
        }
    }
}

/// What the check found.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum CheckOutcome {
    /// Seen with the holder, and kept as the rules say.
    Seen,
    /// The holder or the item could not be seen.
    NotAvailable,
    /// Something was wrong (a note says what).
    Problem,
}

impl CheckOutcome {
    pub const ALL: [CheckOutcome; 3] = [CheckOutcome::Seen, CheckOutcome::NotAvailable, CheckOutcome::Problem];

    pub fn as_str(self) -> &'static str {
        match self {
            CheckOutcome::Seen => "seen",
            CheckOutcome::NotAvailable => "not-available",
            CheckOutcome::Problem => "problem",
        }
    }

    /// In words, for the checklist and the report.
    pub fn describe(self) -> &'static str {
        match self {
            CheckOutcome::Seen => "seen with the holder and stored as the rules say",
            CheckOutcome::NotAvailable => "not available",
            CheckOutcome::Problem => "a problem",
        }
    }

    pub fn parse(s: &str) -> Result<CheckOutcome> {
        let wanted = s.trim().to_ascii_lowercase().replace([' ', '_'], "-");
        CheckOutcome::ALL
            .into_iter()
            .find(|o| o.as_str() == wanted)
            .ok_or_else(|| Error::InvalidText {
                field: "spot check's outcome",
                why: format!("{s:?} is not one of seen, not-available, problem"),
            })
    }
}

/// One item or holder drawn, with what was found.
#[derive(Clone, Debug, Serialize)]
pub struct Sampled {
    /// The item's tag, or the holder's id.
    pub subject: String,
    /// For an item: who held it when drawn.
    pub holder: Option<String>,
    /// The latest outcome recorded: (outcome, note, when, by whom).
    pub outcome: Option<(CheckOutcome, Option<String>, i64, String)>,
}

/// A spot check as its records tell it.
#[derive(Clone, Debug, Serialize)]
pub struct SpotCheck {
    pub id: String,
    pub of: Population,
    pub seed: u64,
    /// How many there were to draw from.
    pub population: usize,
    pub drawn_at: i64,
    pub drawn_by: String,
    pub sample: Vec<Sampled>,
}

impl SpotCheck {
    /// How many of the sample have an outcome.
    pub fn checked(&self) -> usize {
        self.sample.iter().filter(|s| s.outcome.is_some()).count()
    }

    pub fn count(&self, outcome: CheckOutcome) -> usize {
        self.sample
            .iter()
            .filter(|s| s.outcome.as_ref().is_some_and(|o| o.0 == outcome))
            .count()
    }
}

/// A spot check's report covers the last year.
pub const REPORT_DAYS: i64 = 365;

impl Ledger {
    /// Draws a sample of what is out now (items, or the people holding them), at random with
    /// `seed` (a fresh one if none), and records the draw.
    pub fn draw_spot_check(&mut self, of: Population, size: SampleSize, seed: Option<u64>) -> Result<SpotCheck> {
        self.allow(Action::SpotCheck)?;
        if size.is_zero() {
            return Err(Error::EmptySample);
        }
        if let SampleSize::Percent(p) = size
            && p > 100.0
        {
            return Err(Error::InvalidText {
                field: "percentage",
                why: format!("{p} is more than 100"),
            });
        }
        let population = self.population(of)?;
        if population.is_empty() {
            return Err(Error::NothingOut);
        }
        let seed = seed.unwrap_or_else(|| fastrand::u64(..));
        let sample = draw(&population, size.of(population.len()), seed);
        let n: i64 = self.conn.query_row(
            "SELECT count(*) FROM records WHERE kind = 'spot-check-drawn'",
            [],
            |r| r.get(0),
        )?;
        let id = format!("SC-{}", n + 1);
        let mut body = Map::new();
        body.insert("of".into(), json!(of.as_str()));
        // JSON numbers lose precision past 2^53: the seed is kept as text.
        body.insert("seed".into(), json!(seed.to_string()));
        body.insert("population".into(), json!(population.len()));
        body.insert(
            "sample".into(),
            Value::Array(
                sample
                    .iter()
                    .map(|(subject, holder)| json!({"subject": subject, "holder": holder}))
                    .collect(),
            ),
        );
        let now = to_millis(self.now());
        let mut w = self.writer()?;
        w.append_record(Record::draft(RecordKind::SpotCheckDrawn, &id, &body, now))?;
        w.commit()?;
        self.spot_check(&id)
    }

    /// Records what checking one of a spot check's sample found. A problem needs a note.
    pub fn record_spot_check(
        &mut self,
        id: &str,
        subject: &str,
        outcome: CheckOutcome,
        note: Option<&str>,
    ) -> Result<SpotCheck> {
        self.allow(Action::SpotCheck)?;
        let check = self.spot_check(id)?;
        let subject = subject.trim().to_ascii_uppercase();
        if !check.sample.iter().any(|s| s.subject == subject) {
            return Err(Error::NotInSample {
                id: check.id,
                subject,
                sample: check.sample.iter().map(|s| s.subject.clone()).collect(),
            });
        }
        let note = optional_text("note", note)?;
        if outcome == CheckOutcome::Problem && note.is_none() {
            return Err(Error::ProblemNeedsNote { subject });
        }
        let mut body = Map::new();
        body.insert("subject".into(), json!(subject));
        body.insert("outcome".into(), json!(outcome.as_str()));
        body.insert("note".into(), json!(note));
        let now = to_millis(self.now());
        let mut w = self.writer()?;
        w.append_record(Record::draft(RecordKind::SpotCheckRecorded, &check.id, &body, now))?;
        w.commit()?;
        self.spot_check(&check.id)
    }

    /// One spot check, as its records tell it.
    pub fn spot_check(&self, id: &str) -> Result<SpotCheck> {
        self.spot_check_at(self.desk(), id)
    }

    /// One spot check of a desk of the trust (each desk numbers its own).
    pub(crate) fn spot_check_at(&self, desk: &str, id: &str) -> Result<SpotCheck> {
        self.allow(Action::SeeRegister)?;
        let id = id.trim().to_ascii_uppercase();
        let mut stmt = self.conn.prepare_cached(&format!(
            "SELECT kind, body, occurred_at, operator FROM {}
             WHERE subject = ?1 AND desk = ?2 AND kind IN ('spot-check-drawn', 'spot-check-recorded') ORDER BY seq",
            self.records_of_desk(desk)
        ))?;
        let mut rows = stmt.query([&id, desk])?;
        let mut check: Option<SpotCheck> = None;
        while let Some(row) = rows.next()? {
            let (kind, body, at, operator): (String, String, i64, String) =
                (row.get(0)?, row.get(1)?, row.get(2)?, row.get(3)?);
            let body: Map<String, Value> = serde_json::from_str(&body).unwrap_or_default();
            let text = |v: Option<&Value>| v.and_then(Value::as_str).map(str::to_string);
            match (kind.as_str(), check.as_mut()) {
                ("spot-check-drawn", None) => {
                    let sample = body
                        .get("sample")
                        .and_then(Value::as_array)
                        .map(|a| {
                            a.iter()
                                .map(|s| Sampled {
                                    subject: text(s.get("subject")).unwrap_or_default(),
                                    holder: text(s.get("holder")),
                                    outcome: None,
                                })
                                .collect()
                        })
                        .unwrap_or_default();
                    check = Some(SpotCheck {
                        id: id.clone(),
                        of: text(body.get("of"))
                            .and_then(|o| Population::parse(&o).ok())
                            .unwrap_or(Population::Items),
                        seed: text(body.get("seed")).and_then(|s| s.parse().ok()).unwrap_or(0),
                        population: body.get("population").and_then(Value::as_u64).unwrap_or(0) as usize,
                        drawn_at: at,
                        drawn_by: operator,
                        sample,
                    });
                }
                ("spot-check-recorded", Some(c)) => {
                    let subject = text(body.get("subject")).unwrap_or_default();
                    let outcome = text(body.get("outcome")).and_then(|o| CheckOutcome::parse(&o).ok());
                    if let (Some(s), Some(outcome)) = (c.sample.iter_mut().find(|s| s.subject == subject), outcome) {
                        s.outcome = Some((outcome, text(body.get("note")), at, operator));
                    }
                }
                _ => {}
            }
        }
        check.ok_or(Error::UnknownSpotCheck(id))
    }

    /// The spot checks drawn from `since`, newest first.
    pub fn spot_checks(&self, since: DateTime<Utc>) -> Result<Vec<SpotCheck>> {
        self.allow(Action::SeeRegister)?;
        let ids: Vec<String> = self
            .conn
            .prepare_cached(
                "SELECT subject FROM records WHERE kind = 'spot-check-drawn' AND occurred_at >= ?1 ORDER BY seq DESC",
            )?
            .query_map([to_millis(since)], |r| r.get(0))?
            .collect::<rusqlite::Result<_>>()?;
        ids.iter().map(|id| self.spot_check(id)).collect()
    }

    /// The spot checks of the last year ([`REPORT_DAYS`]).
    pub fn spot_checks_this_year(&self) -> Result<Vec<SpotCheck>> {
        self.spot_checks(self.now() - Duration::days(REPORT_DAYS))
    }

    /// What can be drawn now, in order: (subject, holder) pairs.
    fn population(&self, of: Population) -> Result<Vec<(String, Option<String>)>> {
        let sql = match of {
            Population::Items => "SELECT item, holder FROM item_state WHERE status = 'out' ORDER BY item",
            Population::Holders => {
                "SELECT DISTINCT holder, NULL FROM item_state WHERE status = 'out' AND holder IS NOT NULL ORDER BY holder"
            }
        };
        let rows = self
            .conn
            .prepare(sql)?
            .query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?
            .collect::<rusqlite::Result<_>>()?;
        Ok(rows)
    }
}

/// `n` of `population` at random, the same for the same seed: a Fisher–Yates shuffle of its
/// first `n` places, then in the population's order (easier to walk round).
fn draw(population: &[(String, Option<String>)], n: usize, seed: u64) -> Vec<(String, Option<String>)> {
    let mut rng = fastrand::Rng::with_seed(seed);
    let mut order: Vec<usize> = (0..population.len()).collect();
    for i in 0..n {
        let j = rng.usize(i..order.len());
        order.swap(i, j);
    }
    let mut chosen = order[..n].to_vec();
    chosen.sort_unstable();
    chosen.into_iter().map(|i| population[i].clone()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn population(n: usize) -> Vec<(String, Option<String>)> {
        (0..n).map(|i| (format!("LT-{i:04}"), None)).collect()
    }

    #[test]
    fn the_same_seed_draws_the_same_sample_and_another_seed_usually_not() {
        let p = population(200);
        assert_eq!(draw(&p, 10, 42), draw(&p, 10, 42));
        assert_ne!(draw(&p, 10, 42), draw(&p, 10, 43));
        let d = draw(&p, 10, 42);
        let mut unique = d.clone();
        unique.dedup();
        assert_eq!(unique.len(), 10, "no one is drawn twice");
    }

    #[test]
    fn every_member_can_be_drawn() {
        let p = population(20);
        let mut seen = std::collections::HashSet::new();
        for seed in 0..500 {
            seen.extend(draw(&p, 2, seed).into_iter().map(|(s, _)| s));
        }
        assert_eq!(seen.len(), 20);
    }

    #[test]
    fn a_percentage_rounds_up_and_never_exceeds_the_population() {
        assert_eq!(SampleSize::Percent(10.0).of(3), 1);
        assert_eq!(SampleSize::Percent(10.0).of(25), 3);
        assert_eq!(SampleSize::Count(50).of(7), 7);
    }
}
