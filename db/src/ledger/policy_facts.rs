//! What the policy rules need from the ledger: settings, what the holder and container already
//! carry, and how often the holder has taken sensitive data home (R5).

use chrono::{DateTime, Duration, NaiveDate, Utc};
use rusqlite::{OptionalExtension, params};

use super::Ledger;
use crate::calendar::{Nation, WorkingDays};
use crate::error::Result;
use crate::model::ItemKind;
use crate::policy::{Facts, Mode, OCCASIONS_COUNTED, Rule, Settings, r5_applies_sql};
use crate::time::to_millis;

const NATION_KEY: &str = "calendar.nation";
const CLOSURES_KEY: &str = "calendar.closures";

/// The setting behind R14 ("ask" or "off").
const ASK_RULES_READ: &str = "rule.R14";

/// The setting that holds a configurable rule's mode.
fn mode_key(rule: Rule) -> String {
    format!("rule.{rule}")
}

impl Ledger {
    /// The organisation's working days: its nation's bank holidays and the days it has said
    /// it is closed.
    pub fn working_days(&self) -> Result<WorkingDays> {
        let nation = self
            .setting(NATION_KEY)?
            .and_then(|n| n.parse::<Nation>().ok())
            .unwrap_or_default();
        let closures = self
            .setting(CLOSURES_KEY)?
            .map(|list| list.split(',').filter_map(|d| d.trim().parse().ok()).collect())
            .unwrap_or_default();
        Ok(WorkingDays { nation, closures })
    }

    /// Whose bank holidays apply.
    pub fn set_nation(&mut self, nation: Nation) -> Result<()> {
        self.allow(crate::operator::Action::RuleSettings)?;
        self.put_setting(NATION_KEY, nation.as_str())
    }

    /// Adds days the organisation is closed (INSET days, school holidays), or with `remove`
    /// takes them off again. Returns the closure days now set.
    pub fn set_closures(&mut self, days: &[NaiveDate], remove: bool) -> Result<Vec<NaiveDate>> {
        self.allow(crate::operator::Action::RuleSettings)?;
        let mut closures = self.working_days()?.closures;
        for day in days {
            if remove {
                closures.remove(day);
            } else {
                closures.insert(*day);
            }
        }
        let list: Vec<String> = closures.iter().map(NaiveDate::to_string).collect();
        self.put_setting(CLOSURES_KEY, &list.join(","))?;
        Ok(closures.into_iter().collect())
    }

    /// When something signed out at `at` is due back when no date is given (see
    /// [`crate::time::default_due`]).
    pub fn default_due(&self, kind: ItemKind, at: DateTime<Utc>) -> Result<DateTime<Utc>> {
        Ok(crate::time::default_due(kind, at, self.tz, &self.working_days()?))
    }

    /// Which rules block and which warn, as configured (defaults where not).
    /// Read from the settings' records, not their table: a row inserted behind Custody's back
    /// (`rule.R2 = warn`) lets nothing through.
    pub fn policy_settings(&self) -> Result<Settings> {
        let mut settings = Settings::default();
        for rule in Rule::configurable() {
            if let Some(mode) = self
                .setting_on_record(&mode_key(rule))?
                .and_then(|v| v.parse::<Mode>().ok())
            {
                settings.set(rule, mode);
            }
        }
        settings.ask_rules_read = self.setting_on_record(ASK_RULES_READ)?.as_deref() == Some("ask");
        Ok(settings)
    }

    /// R14: whether each sign-out asks if the holder has read the rules for carrying data home.
    pub fn set_ask_rules_read(&mut self, ask: bool) -> Result<()> {
        self.allow(crate::operator::Action::RuleSettings)?;
        self.put_setting(ASK_RULES_READ, if ask { "ask" } else { "off" })
    }

    /// Makes a rule block or warn from now on.
    pub fn set_rule_mode(&mut self, rule: Rule, mode: Mode) -> Result<()> {
        self.allow(crate::operator::Action::RuleSettings)?;
        if !rule.is_configurable() {
            return Rule::configurable_named(rule.id()).map(drop);
        }
        self.put_setting(&mode_key(rule), mode.as_str())
    }

    /// Every configurable rule with its current mode.
    pub fn rules(&self) -> Result<Vec<(Rule, Mode)>> {
        let settings = self.policy_settings()?;
        Ok(Rule::configurable().map(|r| (r, settings.mode(r))).collect())
    }

    /// `r5_needed`: whether the sign-out includes an item R5 applies to (otherwise the count of
    /// earlier occasions is not worth its query).
    pub(super) fn policy_facts(
        &self,
        holder: &str,
        container: Option<&str>,
        at: DateTime<Utc>,
        r5_needed: bool,
    ) -> Result<Facts> {
        let kinds = |sql: &str, key: &str| -> Result<Vec<ItemKind>> {
            let mut stmt = self.conn.prepare_cached(sql)?;
            let rows = stmt.query_map([key], |r| r.get::<_, String>(0))?;
            Ok(rows.filter_map(|k| k.ok()?.parse().ok()).collect())
        };
        let holder_holds = kinds(
            "SELECT DISTINCT i.kind FROM item_state s JOIN items i ON i.tag = s.item
             WHERE s.status = 'out' AND s.holder = ?1",
            holder,
        )?;
        let container_holds = match container {
            Some(c) => kinds(
                "SELECT DISTINCT i.kind FROM item_state s JOIN items i ON i.tag = s.item
                 WHERE s.status = 'out' AND s.container = ?1",
                c,
            )?,
            None => Vec::new(),
        };
        let earlier_occasions = if r5_needed {
            self.earlier_occasions(holder, at)?
        } else {
            0
        };
        // The longest overdue, and how many: a busy holder may have hundreds out. (The unary
        // `+` keeps SQLite on the holder's index rather than every holder's overdue items.)
        let holder_overdue = self
            .conn
            .prepare_cached(
                "SELECT item, due_at, count(*) OVER () FROM item_state
                 WHERE holder = ?1 AND +status = 'out' AND +due_at < ?2
                 ORDER BY due_at, item LIMIT 1",
            )?
            .query_row(params![holder, to_millis(at)], |r| {
                Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)?, r.get::<_, u32>(2)?))
            })
            .optional()?
            .map(|(tag, due, count)| (tag, self.format_due(due), count));
        Ok(Facts {
            holder_holds,
            container_holds,
            earlier_occasions,
            holder_overdue,
        })
    }

    /// R5's "occasions": hand-overs (not items) of sensitive items to this holder in the 365 days
    /// before `at`, not counting any that were corrected away; newest first, and counted only up
    /// to [`OCCASIONS_COUNTED`], which keeps the check fast for the busiest borrower.
    fn earlier_occasions(&self, holder: &str, at: DateTime<Utc>) -> Result<u32> {
        // Each desk's table on its own, newest first, stopping at the count (through the
        // `all_events` view SQLite would gather a busy holder's whole year before sorting it).
        // A hand-over belongs to one desk, so the union of each table's newest is exact.
        let mut occasions = std::collections::HashSet::new();
        for table in ["events", "remote_events"] {
            let mut stmt = self.conn.prepare_cached(&format!(
                "SELECT DISTINCT e.handover FROM {table} e JOIN items i ON i.tag = e.item
                 WHERE e.person = ?1 AND e.occurred_at >= ?2 AND e.occurred_at < ?3 AND e.kind = 'sign-out'
                   AND {}
                   AND NOT EXISTS (SELECT 1 FROM all_events c WHERE c.corrects = e.id)
                 ORDER BY e.occurred_at DESC
                 LIMIT ?4",
                r5_applies_sql("i")
            ))?;
            let rows = stmt.query_map(
                params![
                    holder,
                    to_millis(at - Duration::days(365)),
                    to_millis(at),
                    OCCASIONS_COUNTED
                ],
                |r| r.get::<_, Option<Vec<u8>>>(0),
            )?;
            for handover in rows {
                occasions.insert(handover?);
            }
        }
        Ok((occasions.len() as u32).min(OCCASIONS_COUNTED))
    }
}
