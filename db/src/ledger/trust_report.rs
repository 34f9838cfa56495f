//! The trust's view: one row of figures per desk (school or practice) and a total, for the DPO
//! and the board, from the ledger a desk holds after pulling every desk's. Each figure comes
//! from the definitions the other reports use: "overdue" and its stages from the overdue
//! report, a stocktake's found, missing and unexpected from its report, "late" from
//! [`is_late`], the hours to the ICO from the incident's. Nothing here decides anew.
//!
//! Which desk a figure belongs to: an item to the desk that registered it; a loan (out now,
//! overdue, returned) to the desk that recorded the custody, as the overdue report's `desk`;
//! a sign-out, stocktake, spot check, disposal, incident and verification to the desk that
//! recorded it.

use std::collections::{BTreeMap, BTreeSet};

use chrono::{DateTime, Datelike, Months, NaiveDate, TimeZone, Utc};
use serde::Serialize;

use super::Ledger;
use super::incident::hours_to_report;
use super::overdue::is_late;
use super::register::{ITEM_COLUMN_COUNT, ITEM_COLUMNS, item_from_row};
use crate::error::Result;
use crate::model::ItemKind;
use crate::operator::Action;
use crate::policy::{Paperwork, Standing};
use crate::spot_check::CheckOutcome;
use crate::state::Status;
use crate::time::{from_millis, to_millis};

/// The desk named on the total row.
pub const TOTAL: &str = "TOTAL";
/// How many months the trends cover, this one included.
pub const TREND_MONTHS: u32 = 12;

/// The latest stocktake a desk made.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct StocktakeFigures {
    pub id: String,
    pub started_at: i64,
    pub finished: bool,
    pub found: u64,
    pub missing: u64,
    pub unexpected: u64,
}

/// A desk's latest check of its chain.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Verification {
    pub at: i64,
    pub intact: bool,
    /// How many problems it found (0 when intact).
    pub problems: u64,
}

/// One desk's figures (or the trust's, on the total row).
#[derive(Clone, Debug, Default, Serialize)]
pub struct DeskFigures {
    /// The desk's name ([`TOTAL`] on the total row).
    pub desk: String,
    /// Items on the register (not retired) that this desk registered, by kind.
    pub on_register: BTreeMap<ItemKind, u64>,
    /// Items out now, and of them: devices carrying personal data not recorded as encrypted
    /// (R4); items carrying special category or safeguarding data.
    pub out_now: u64,
    pub out_unencrypted: u64,
    pub out_special: u64,
    /// Sign-outs in the period (not voided).
    pub sign_outs: u64,
    /// Items overdue now: all, those not yet at the first notice's day, and at each stage.
    pub overdue_now: u64,
    pub overdue_by_stage: [u64; 4],
    /// Calendar days the longest overdue item is late.
    pub longest_overdue_days: Option<i64>,
    /// Sign-ins in the period, and of them those after the due date.
    pub returned: u64,
    pub returned_late: u64,
    pub stocktake: Option<StocktakeFigures>,
    /// Spot checks drawn in the period, and what their checks found.
    pub spot_checks: u64,
    pub spot_checked: u64,
    pub spot_outcomes: [u64; 3],
    /// Disposals in the period with their evidence (R11's record), and items retired without.
    pub disposals: u64,
    pub retired_without_evidence: u64,
    /// Incidents opened in the period, of them reported to the ICO, the longest time from
    /// discovery to that report, and the most people whose data one incident put at risk.
    pub incidents: u64,
    pub reported_to_ico: u64,
    pub ico_hours_longest: Option<i64>,
    pub most_affected: Option<u64>,
    /// People holding items now who have left (inactive), and who hold items while their
    /// agreement or training has lapsed.
    pub leavers_holding: u64,
    pub lapsed_holding: u64,
    /// Who those people are: one who holds items of two desks counts once in the total.
    #[serde(skip)]
    leaver_ids: BTreeSet<String>,
    #[serde(skip)]
    lapsed_ids: BTreeSet<String>,
    pub verified: Option<Verification>,
    /// The latest entry this desk holds from that desk (when it was recorded there): how up to
    /// date the figures are. For this desk itself, its last sync round, when the caller knows.
    pub last_synced: Option<i64>,
}

impl DeskFigures {
    /// Items on the register, all kinds.
    pub fn items(&self) -> u64 {
        self.on_register.values().sum()
    }

    /// The share of returns that were late, when there were returns.
    pub fn late_share(&self) -> Option<f64> {
        (self.returned > 0).then(|| self.returned_late as f64 / self.returned as f64)
    }

    fn add(&mut self, o: &DeskFigures) {
        for (kind, n) in &o.on_register {
            *self.on_register.entry(*kind).or_default() += n;
        }
        let sum = |a: &mut u64, b: u64| *a += b;
        sum(&mut self.out_now, o.out_now);
        sum(&mut self.out_unencrypted, o.out_unencrypted);
        sum(&mut self.out_special, o.out_special);
        sum(&mut self.sign_outs, o.sign_outs);
        sum(&mut self.overdue_now, o.overdue_now);
        for (a, b) in self.overdue_by_stage.iter_mut().zip(o.overdue_by_stage) {
            *a += b;
        }
        self.longest_overdue_days = self.longest_overdue_days.max(o.longest_overdue_days);
        sum(&mut self.returned, o.returned);
        sum(&mut self.returned_late, o.returned_late);
        if let Some(s) = &o.stocktake {
            // The total's date is the oldest of the desks' latest stocktakes: the one to chase.
            let t = self.stocktake.get_or_insert_with(|| StocktakeFigures {
                started_at: s.started_at,
                ..Default::default()
            });
            t.started_at = t.started_at.min(s.started_at);
            t.found += s.found;
            t.missing += s.missing;
            t.unexpected += s.unexpected;
        }
        sum(&mut self.spot_checks, o.spot_checks);
        sum(&mut self.spot_checked, o.spot_checked);
        for (a, b) in self.spot_outcomes.iter_mut().zip(o.spot_outcomes) {
            *a += b;
        }
        sum(&mut self.disposals, o.disposals);
        sum(&mut self.retired_without_evidence, o.retired_without_evidence);
        sum(&mut self.incidents, o.incidents);
        sum(&mut self.reported_to_ico, o.reported_to_ico);
        self.ico_hours_longest = self.ico_hours_longest.max(o.ico_hours_longest);
        self.most_affected = self.most_affected.max(o.most_affected);
        self.leaver_ids.extend(o.leaver_ids.iter().cloned());
        self.lapsed_ids.extend(o.lapsed_ids.iter().cloned());
        self.leavers_holding = self.leaver_ids.len() as u64;
        self.lapsed_holding = self.lapsed_ids.len() as u64;
    }
}

/// The trust's report: a row per desk, by name, and the total.
#[derive(Clone, Debug, Serialize)]
pub struct TrustReport {
    /// The period of the counts (Unix ms, both inclusive: to the last moment of its last day).
    pub from: i64,
    pub to: i64,
    /// The moment "now" figures are taken at (out, overdue, holders, stocktake, verification).
    pub as_of: i64,
    pub desks: Vec<DeskFigures>,
    pub total: DeskFigures,
}

/// One month of the trends: the trust's figures for it (or one desk's).
#[derive(Clone, Debug, Serialize)]
pub struct MonthFigures {
    /// The month's first day (local).
    pub month: NaiveDate,
    pub desk: String,
    pub sign_outs: u64,
    /// Sign-outs of devices carrying personal data not recorded as encrypted (as the register
    /// holds the item now).
    pub unencrypted_sign_outs: u64,
    /// Out, and overdue, at the month's end.
    pub out_at_end: u64,
    pub overdue_at_end: u64,
    pub returned: u64,
    pub returned_late: u64,
    pub incidents: u64,
}

impl MonthFigures {
    /// Overdue at the month's end as a share of what was out then.
    pub fn overdue_rate(&self) -> Option<f64> {
        (self.out_at_end > 0).then(|| self.overdue_at_end as f64 / self.out_at_end as f64)
    }

    /// Incidents per 100 sign-outs in the month.
    pub fn incidents_per_100(&self) -> Option<f64> {
        (self.sign_outs > 0).then(|| self.incidents as f64 * 100.0 / self.sign_outs as f64)
    }
}

/// Where a loan's return was recorded, and by which desk's custody.
struct Returned {
    desk: String,
    at: i64,
    late: bool,
}

impl Ledger {
    /// The trust's report for `[from, to]`, its "now" figures as of now; `desks` (ids) keeps to
    /// some desks (the total is theirs). `own_last_sync` is this desk's last sync round, which
    /// only the caller knows.
    pub fn trust_report(
        &self,
        from: DateTime<Utc>,
        to: DateTime<Utc>,
        desks: Option<&[String]>,
        own_last_sync: Option<i64>,
    ) -> Result<TrustReport> {
        self.allow(Action::TrustReport)?;
        self.check_window(from, to)?;
        let now = self.now();
        let (from_ms, to_ms) = (to_millis(from), to_millis(to));
        let mut rows = self.desk_rows()?;
        self.count_now(&mut rows, now)?;
        // The counts take [from, to]; the readers take an end they stop before.
        self.count_period(&mut rows, from_ms, to_ms.saturating_add(1))?;
        self.count_the_record(&mut rows, own_last_sync)?;
        let mut kept: Vec<DeskFigures> = rows
            .into_iter()
            .filter(|(id, _)| desks.is_none_or(|d| d.contains(id)))
            .map(|(_, r)| r)
            .collect();
        kept.sort_by_key(|a| a.desk.to_lowercase());
        let total = total_of(&kept);
        Ok(TrustReport {
            from: from_ms,
            to: to_ms,
            as_of: to_millis(now),
            desks: kept,
            total,
        })
    }

    /// An empty row for each desk of the trust, by id, named.
    fn desk_rows(&self) -> Result<BTreeMap<String, DeskFigures>> {
        let names = self.desk_names()?;
        let own_name = self.organisation()?.unwrap_or_else(|| "this desk".to_string());
        let mut rows = BTreeMap::new();
        for desk in self.trust_desks()? {
            // A desk that has not joined a trust has no name on a server: it is the organisation.
            let name = match names.get(&desk) {
                Some(name) => name.clone(),
                None if desk == self.desk() => own_name.clone(),
                None => desk.chars().take(8).collect(),
            };
            rows.insert(
                desk,
                DeskFigures {
                    desk: name,
                    ..Default::default()
                },
            );
        }
        Ok(rows)
    }

    /// The register, what is out and overdue, and who holds it, as of `now`.
    fn count_now(&self, rows: &mut BTreeMap<String, DeskFigures>, now: DateTime<Utc>) -> Result<()> {
        for (desk, kind) in self.items_registered_at()? {
            if let Some(r) = row_of(rows, Some(&desk)) {
                *r.on_register.entry(kind).or_default() += 1;
            }
        }
        let out = self.out_at(to_millis(now))?;
        let holders = self.people_by_id(out.iter().filter_map(|(_, s)| s.holder.as_ref()))?;
        let today = self.today();
        for (item, state) in &out {
            let Some(r) = row_of(rows, state.last_desk.as_deref()) else {
                continue;
            };
            r.out_now += 1;
            r.out_unencrypted += u64::from(item.unencrypted_personal_data());
            r.out_special += u64::from(item.special_category || item.safeguarding);
            let Some(person) = state.holder.as_ref().and_then(|h| holders.get(h)) else {
                continue;
            };
            if !person.active && r.leaver_ids.insert(person.id.clone()) {
                r.leavers_holding += 1;
            }
            let papers = Paperwork::of(&person.home);
            let lapsed = [papers.agreement, papers.training]
                .iter()
                .any(|p| p.standing(today) == Standing::Lapsed);
            if lapsed && r.lapsed_ids.insert(person.id.clone()) {
                r.lapsed_holding += 1;
            }
        }
        for holder in self.overdue_among(out, now)?.overdue {
            for item in holder.items {
                let Some(r) = row_of(rows, item.desk.as_deref()) else {
                    continue;
                };
                r.overdue_now += 1;
                r.overdue_by_stage[item.stage.map_or(0, |s| s as usize + 1)] += 1;
                r.longest_overdue_days = r.longest_overdue_days.max(Some(item.days_overdue));
            }
        }
        Ok(())
    }

    /// What happened in `[from, before)`.
    fn count_period(&self, rows: &mut BTreeMap<String, DeskFigures>, from_ms: i64, before: i64) -> Result<()> {
        for (desk, _, _) in self.sign_outs_between(from_ms, before)? {
            if let Some(r) = row_of(rows, Some(&desk)) {
                r.sign_outs += 1;
            }
        }
        for ret in self.returns_between(from_ms, before)? {
            if let Some(r) = row_of(rows, Some(&ret.desk)) {
                r.returned += 1;
                r.returned_late += u64::from(ret.late);
            }
        }
        for (desk, id) in self.workflow_subjects("spot-check-drawn", from_ms, before)? {
            let check = self.spot_check_at(&desk, &id)?;
            if let Some(r) = row_of(rows, Some(&desk)) {
                r.spot_checks += 1;
                r.spot_checked += check.checked() as u64;
                for (n, outcome) in r.spot_outcomes.iter_mut().zip(CheckOutcome::ALL) {
                    *n += check.count(outcome) as u64;
                }
            }
        }
        let (disposed, retired) = self.retirements_between(from_ms, before)?;
        for desk in disposed {
            if let Some(r) = row_of(rows, Some(&desk)) {
                r.disposals += 1;
            }
        }
        for desk in retired {
            if let Some(r) = row_of(rows, Some(&desk)) {
                r.retired_without_evidence += 1;
            }
        }
        for incident in self.incidents_between(from_ms, before)? {
            if let Some(r) = row_of(rows, Some(&incident.desk)) {
                r.incidents += 1;
                if let Some(reported) = incident.reported_at {
                    r.reported_to_ico += 1;
                    let hours = hours_to_report(incident.discovered_at, reported);
                    r.ico_hours_longest = r.ico_hours_longest.max(Some(hours));
                }
                r.most_affected = r.most_affected.max(Some(incident.data_subjects));
            }
        }
        Ok(())
    }

    /// Each desk's latest stocktake, its last verification, and when it was last heard from.
    fn count_the_record(&self, rows: &mut BTreeMap<String, DeskFigures>, own_last_sync: Option<i64>) -> Result<()> {
        for (desk, id) in self.latest_stocktakes()? {
            let s = self.stocktake_at(&desk, &id)?;
            if let Some(r) = row_of(rows, Some(&desk)) {
                r.stocktake = Some(StocktakeFigures {
                    found: s.found() as u64,
                    missing: s.still_expected() as u64,
                    unexpected: s.unexpected() as u64,
                    finished: s.finished.is_some(),
                    started_at: s.started_at,
                    id: s.id,
                });
            }
        }
        for (desk, v) in self.latest_verifications()? {
            if let Some(r) = row_of(rows, Some(&desk)) {
                r.verified = Some(v);
            }
        }
        for (desk, at) in self.last_heard_from()? {
            if let Some(r) = row_of(rows, Some(&desk)) {
                r.last_synced = Some(at);
            }
        }
        if let Some(r) = rows.get_mut(self.desk()) {
            r.last_synced = own_last_sync;
        }

        Ok(())
    }

    /// The trends: for each of the `months` calendar months up to and including this one, the
    /// trust's figures (desk [`TOTAL`]) then each desk's, by name.
    pub fn trust_trends(&self, months: u32, desks: Option<&[String]>) -> Result<Vec<MonthFigures>> {
        self.allow(Action::TrustReport)?;
        // The desks kept, named as the report names them, in its order; the trust's row first.
        let mut kept: Vec<(String, String)> = self
            .desk_rows()?
            .into_iter()
            .filter(|(d, _)| desks.is_none_or(|k| k.contains(d)))
            .map(|(d, row)| (d, row.desk))
            .collect();
        kept.sort_by_key(|(_, name)| name.to_lowercase());
        let this_month = self.today().with_day(1).unwrap_or(self.today());
        let first = this_month
            .checked_sub_months(Months::new(months.saturating_sub(1)))
            .unwrap_or(this_month);
        let starts: Vec<NaiveDate> = (0..months)
            .filter_map(|m| first.checked_add_months(Months::new(m)))
            .collect();
        let edge = |d: NaiveDate| self.local_midnight(d);
        let (from, to) = (
            edge(first),
            edge(this_month.checked_add_months(Months::new(1)).unwrap_or(this_month)),
        );
        let edges: Vec<i64> = starts.iter().map(|s| edge(*s)).collect();
        let month_of = |at: i64| edges.iter().rposition(|start| at >= *start);
        let rows = || std::iter::once((TOTAL.to_string(), TOTAL.to_string())).chain(kept.iter().cloned());
        let mut figures: Vec<Vec<(String, MonthFigures)>> = starts
            .iter()
            .map(|m| {
                rows()
                    .map(|(d, desk)| {
                        let blank = MonthFigures {
                            month: *m,
                            desk,
                            sign_outs: 0,
                            unencrypted_sign_outs: 0,
                            out_at_end: 0,
                            overdue_at_end: 0,
                            returned: 0,
                            returned_late: 0,
                            incidents: 0,
                        };
                        (d, blank)
                    })
                    .collect()
            })
            .collect();
        // Adds to a month's total and to the desk's own row (desks not kept count in neither).
        let mut each = |month: Option<usize>, desk: Option<&str>, f: &mut dyn FnMut(&mut MonthFigures)| {
            let (Some(m), Some(desk)) = (month.and_then(|m| figures.get_mut(m)), desk) else {
                return;
            };
            if kept.iter().any(|(k, _)| k == desk) {
                for (_, row) in m.iter_mut().filter(|(key, _)| key == TOTAL || key == desk) {
                    f(row);
                }
            }
        };
        for (desk, at, unencrypted) in self.sign_outs_between(from, to)? {
            each(month_of(at), Some(&desk), &mut |r| {
                r.sign_outs += 1;
                r.unencrypted_sign_outs += u64::from(unencrypted);
            });
        }
        for ret in self.returns_between(from, to)? {
            each(month_of(ret.at), Some(&ret.desk), &mut |r| {
                r.returned += 1;
                r.returned_late += u64::from(ret.late);
            });
        }
        for incident in self.incidents_between(from, to)? {
            each(month_of(incident.recorded_at), Some(&incident.desk), &mut |r| {
                r.incidents += 1
            });
        }
        // What was out and overdue as each month ended (this month: now).
        let now = to_millis(self.now());
        for (m, start) in starts.iter().enumerate() {
            // The month's last moment: a sign-out at midnight as the next begins is the next's.
            let end = start
                .checked_add_months(Months::new(1))
                .map_or(now, |d| edge(d) - 1)
                .min(now);
            // Overdue as the overdue report counts it: out then, and late by `is_late`.
            let at_end = from_millis(end);
            for (_, state) in self.out_at(end)? {
                let late = is_late(state.due_at, at_end);
                each(Some(m), state.last_desk.as_deref(), &mut |r| {
                    r.out_at_end += 1;
                    r.overdue_at_end += u64::from(late);
                });
            }
        }
        Ok(figures.into_iter().flatten().map(|(_, row)| row).collect())
    }

    /// Every desk of the trust this desk knows of: itself and each it has received from.
    fn trust_desks(&self) -> Result<Vec<String>> {
        let mut stmt = self
            .conn
            .prepare_cached("SELECT ?1 UNION SELECT desk FROM remote_chains")?;
        let rows = stmt.query_map([self.desk()], |r| r.get(0))?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// Each item on the register (not retired): the desk that registered it, and its kind.
    fn items_registered_at(&self) -> Result<Vec<(String, ItemKind)>> {
        let mut stmt = self.conn.prepare(
            "SELECT (SELECT r.desk FROM all_records r WHERE r.subject = i.tag AND r.kind = 'item-registered'
                     ORDER BY r.recorded_at LIMIT 1), i.kind
             FROM items i JOIN item_state s ON s.item = i.tag WHERE s.status <> ?1",
        )?;
        let mut rows = stmt.query([Status::Retired.as_str()])?;
        let mut found = Vec::new();
        while let Some(row) = rows.next()? {
            let (desk, kind): (Option<String>, String) = (row.get(0)?, row.get(1)?);
            if let (Some(desk), Ok(kind)) = (desk, kind.parse()) {
                found.push((desk, kind));
            }
        }
        Ok(found)
    }

    /// The sign-outs in `[from, to)` that stand (not voided): their desk, when, and whether the
    /// item is a device with personal data not recorded as encrypted.
    fn sign_outs_between(&self, from: i64, to: i64) -> Result<Vec<(String, i64, bool)>> {
        let mut stmt = self.conn.prepare_cached(&format!(
            "SELECT {ITEM_COLUMNS}, e.desk, e.occurred_at FROM all_events e JOIN items i ON i.tag = e.item
             WHERE e.kind = 'sign-out' AND e.occurred_at >= ?1 AND e.occurred_at < ?2
               AND NOT EXISTS (SELECT 1 FROM all_events c WHERE c.corrects = e.id)"
        ))?;
        let mut rows = stmt.query([from, to])?;
        let mut found = Vec::new();
        while let Some(row) = rows.next()? {
            let item = item_from_row(row)?;
            found.push((
                row.get(ITEM_COLUMN_COUNT)?,
                row.get(ITEM_COLUMN_COUNT + 1)?,
                item.unencrypted_personal_data(),
            ));
        }
        Ok(found)
    }

    /// The sign-ins in `[from, to)` that stand, each with the desk of the custody it ended and
    /// whether it came after that custody's due date ([`is_late`]): each returned item's events
    /// replayed through the one state machine, in the one order, so a transfer's due date, a
    /// correction and two desks' moves count as they do everywhere else.
    fn returns_between(&self, from: i64, to: i64) -> Result<Vec<Returned>> {
        let mut stmt = self.conn.prepare_cached(&format!(
            "WITH returned AS MATERIALIZED (
                 SELECT DISTINCT item FROM all_events WHERE kind = 'sign-in' AND occurred_at >= ?1 AND occurred_at < ?2)
             SELECT {} FROM all_events e JOIN returned r ON r.item = e.item
             WHERE e.occurred_at < ?2 AND e.kind != 'correction'
               AND NOT EXISTS (SELECT 1 FROM all_events c WHERE c.corrects = e.id)
             ORDER BY e.item",
            super::queries::prefixed(crate::event::COLUMNS, "e.")
        ))?;
        let mut by_item: Vec<Vec<crate::event::Event>> = Vec::new();
        let mut rows = stmt.query([from, to])?;
        while let Some(row) = rows.next()? {
            let event = crate::event::from_row(row)?;
            match by_item.last_mut() {
                Some(events) if events[0].item == event.item => events.push(event),
                _ => by_item.push(vec![event]),
            }
        }
        let mut found = Vec::new();
        for events in by_item {
            let mut state = crate::state::ItemState::default();
            for e in super::sync::interleave(events) {
                let at = e.occurred_at;
                if e.kind == crate::model::EventKind::SignIn && at >= from && state.status == Status::Out {
                    found.push(Returned {
                        desk: state.last_desk.clone().unwrap_or_default(),
                        at,
                        late: is_late(state.due_at, from_millis(at)),
                    });
                }
                state = crate::state::apply_anyway(&state, &e.as_move());
            }
        }
        Ok(found)
    }

    /// Each desk's latest stocktake: (desk, its id).
    fn latest_stocktakes(&self) -> Result<Vec<(String, String)>> {
        let mut stmt = self.conn.prepare_cached(
            // SQLite takes the bare column from the row that has the maximum.
            "SELECT desk, subject, max(seq) FROM all_records WHERE kind = 'stocktake-started' GROUP BY desk",
        )?;
        let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// The (desk, subject) of each workflow record of `kind` made in `[from, to)`.
    fn workflow_subjects(&self, kind: &str, from: i64, to: i64) -> Result<Vec<(String, String)>> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT desk, subject FROM all_records WHERE kind = ?1 AND occurred_at >= ?2 AND occurred_at < ?3",
        )?;
        let rows = stmt.query_map(rusqlite::params![kind, from, to], |r| Ok((r.get(0)?, r.get(1)?)))?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// Items retired in `[from, to)`, by the desk that recorded it: those with a disposal on the
    /// record (R11's evidence), and those without.
    fn retirements_between(&self, from: i64, to: i64) -> Result<(Vec<String>, Vec<String>)> {
        let mut stmt = self.conn.prepare_cached(
            // A disposal is its retirement's record: the same item, desk and moment.
            "SELECT e.desk, EXISTS (SELECT 1 FROM all_records d WHERE d.subject = e.item AND d.kind = 'item-disposed'
                                      AND d.desk = e.desk AND d.occurred_at = e.occurred_at)
             FROM all_events e WHERE e.kind = 'retired' AND e.occurred_at >= ?1 AND e.occurred_at < ?2
               AND NOT EXISTS (SELECT 1 FROM all_events c WHERE c.corrects = e.id)",
        )?;
        let mut rows = stmt.query([from, to])?;
        let (mut disposed, mut without) = (Vec::new(), Vec::new());
        while let Some(row) = rows.next()? {
            let (desk, evidenced): (String, bool) = (row.get(0)?, row.get(1)?);
            if evidenced {
                disposed.push(desk)
            } else {
                without.push(desk)
            }
        }
        Ok((disposed, without))
    }

    /// Incidents opened (recorded) in `[from, to)` at any desk, from their records: an
    /// incident stays with the desk that opened it, so other desks' have no table here.
    fn incidents_between(&self, from: i64, to: i64) -> Result<Vec<IncidentFigures>> {
        let mut stmt = self.conn.prepare_cached(
            // When it was opened is the incident's own `recorded_at` (a record made when an older
            // file was upgraded carries the upgrade's time); the ICO report is the first on its
            // timeline, as the incident's own `hours_to_report` takes it.
            "SELECT desk, opened, discovered, affected, (
                     SELECT json_extract(n.body, '$.note.at') FROM all_records n
                     WHERE n.subject = o.subject AND n.desk = o.desk AND n.kind = 'incident-noted'
                       AND json_extract(n.body, '$.note.kind') = 'ico-reported'
                     ORDER BY json_extract(n.body, '$.note.seq') LIMIT 1)
             FROM (SELECT desk, subject, coalesce(json_extract(body, '$.recorded_at'), recorded_at) AS opened,
                          json_extract(body, '$.discovered_at') AS discovered,
                          json_extract(json_extract(body, '$.exposure'), '$.summary.data_subjects') AS affected
                   FROM all_records WHERE kind = 'incident-opened') o
             WHERE opened >= ?1 AND opened < ?2",
        )?;
        let rows = stmt.query_map([from, to], |r| {
            Ok(IncidentFigures {
                desk: r.get(0)?,
                recorded_at: r.get(1)?,
                discovered_at: r.get::<_, Option<i64>>(2)?.unwrap_or_default(),
                data_subjects: r.get::<_, Option<i64>>(3)?.unwrap_or_default().max(0) as u64,
                reported_at: r.get(4)?,
            })
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// Each desk's latest `ledger-verified` record.
    fn latest_verifications(&self) -> Result<Vec<(String, Verification)>> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT desk, occurred_at, json_extract(body, '$.intact'), json_extract(body, '$.problems'), max(seq)
             FROM all_records WHERE kind = 'ledger-verified' GROUP BY desk",
        )?;
        let rows = stmt.query_map([], |r| {
            Ok((
                r.get(0)?,
                Verification {
                    at: r.get(1)?,
                    intact: r.get::<_, Option<i64>>(2)? == Some(1),
                    problems: r.get::<_, Option<i64>>(3)?.unwrap_or_default().max(0) as u64,
                },
            ))
        })?;
        Ok(rows.collect::<rusqlite::Result<_>>()?)
    }

    /// For each other desk, when the latest of its entries this desk holds was recorded there.
    fn last_heard_from(&self) -> Result<Vec<(String, i64)>> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT c.desk, coalesce(
                 (SELECT recorded_at FROM remote_events e WHERE e.desk = c.desk AND e.seq = c.seq),
                 (SELECT recorded_at FROM remote_records r WHERE r.desk = c.desk AND r.seq = c.seq))
             FROM remote_chains c",
        )?;
        let rows = stmt.query_map([], |r| Ok((r.get(0)?, r.get::<_, Option<i64>>(1)?)))?;
        let mut found = Vec::new();
        for row in rows {
            if let (desk, Some(at)) = row? {
                found.push((desk, at));
            }
        }
        Ok(found)
    }

    /// The last calendar month, local time, to its last moment: the trust's report's default
    /// period.
    pub fn previous_month(&self) -> (DateTime<Utc>, DateTime<Utc>) {
        let this_month = self.today().with_day(1).unwrap_or(self.today());
        let last_month = this_month.checked_sub_months(Months::new(1)).unwrap_or(this_month);
        (
            from_millis(self.local_midnight(last_month)),
            from_millis(self.local_midnight(this_month) - 1),
        )
    }

    /// Midnight at the start of `day`, local time (Unix ms).
    fn local_midnight(&self, day: NaiveDate) -> i64 {
        let midnight = day.and_hms_opt(0, 0, 0).unwrap_or_default();
        self.tz
            .from_local_datetime(&midnight)
            .earliest()
            .map_or(0, |t| t.timestamp_millis())
    }
}

/// The total row: counts added; the verification and sync the weakest desk's.
fn total_of(desks: &[DeskFigures]) -> DeskFigures {
    let mut total = DeskFigures {
        desk: TOTAL.to_string(),
        ..Default::default()
    };
    for r in desks {
        total.add(r);
    }
    // The total's verification and sync are the weakest desk's: the oldest, any not intact.
    total.verified = desks
        .iter()
        .map(|r| r.verified.clone())
        .collect::<Option<Vec<_>>>()
        .and_then(|all| {
            let at = all.iter().map(|v| v.at).min()?;
            Some(Verification {
                at,
                intact: all.iter().all(|v| v.intact),
                problems: all.iter().map(|v| v.problems).sum(),
            })
        });
    total.last_synced = desks
        .iter()
        .map(|r| r.last_synced)
        .collect::<Option<Vec<_>>>()
        .and_then(|v| v.into_iter().min());
    total
}

/// A desk's row, if it is one the report has.
fn row_of<'a>(rows: &'a mut BTreeMap<String, DeskFigures>, desk: Option<&str>) -> Option<&'a mut DeskFigures> {
    desk.and_then(|d| rows.get_mut(d))
}

/// What the report needs of one incident.
struct IncidentFigures {
    desk: String,
    recorded_at: i64,
    discovered_at: i64,
    data_subjects: u64,
    reported_at: Option<i64>,
}

impl Ledger {
    /// Ids of the desks named (by name or id), for `--desk`.
    pub fn desks_named(&self, names: &[String]) -> Result<Vec<String>> {
        names.iter().map(|n| self.desk_named(n)).collect()
    }
}
