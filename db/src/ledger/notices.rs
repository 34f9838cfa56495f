//! Notices to holders: a reminder before an item is due, and a notice at each overdue stage. This
//! decides who is due which notice; the outbox is on the record (`notice-queued`, then
//! `notice-sent` or `notice-failed` for each try), so every desk of a trust sees what went and
//! nothing is sent twice. Only the desk where an item went out notices its holder about it: two
//! desks never both send for one loan, with or without a sync between them. Sending the mail is
//! the program's (it has the mail server); what to send, to whom and when to try again is here.

use std::collections::{BTreeMap, HashMap, HashSet};

use chrono::{DateTime, Datelike, Duration, NaiveTime, Utc};
use rusqlite::params;
use serde::Serialize;
use serde_json::{Map, Value, json};

use super::Ledger;
use super::overdue::{Stage, is_late};
use crate::error::{Error, Result};
use crate::model::ItemKind;
use crate::operator::Action;
use crate::record::{Record, RecordKind};
use crate::time::{from_millis, to_millis};

const ENABLED_KEY: &str = "notices.enabled";
const STAGES_OFF_KEY: &str = "notices.stages-off";

/// When, on the day, a reminder may go: the start of the office's morning.
const MORNING: NaiveTime = NaiveTime::from_hms_opt(7, 0, 0).expect("a time of day");

/// Which notice: the reminder before the due date, or an overdue stage.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum NoticeStage {
    Reminder,
    First,
    Second,
    Third,
    /// The weekly overdue report, to managers (not a holder's notice: not in `ALL`).
    WeeklyReport,
}

impl NoticeStage {
    pub const ALL: [NoticeStage; 4] = [
        NoticeStage::Reminder,
        NoticeStage::First,
        NoticeStage::Second,
        NoticeStage::Third,
    ];

    /// As stored and typed: `reminder`, `first`, `second`, `third`.
    pub fn key(self) -> &'static str {
        match self {
            NoticeStage::Reminder => "reminder",
            NoticeStage::First => "first",
            NoticeStage::Second => "second",
            NoticeStage::Third => "third",
            NoticeStage::WeeklyReport => "weekly-report",
        }
    }

    /// For people: "reminder", "first notice"…
    pub fn describe(self) -> &'static str {
        match self {
            NoticeStage::Reminder => "reminder",
            NoticeStage::First => "first notice",
            NoticeStage::Second => "second notice",
            NoticeStage::Third => "third notice",
            NoticeStage::WeeklyReport => "weekly overdue report",
        }
    }

    pub fn parse(s: &str) -> Result<NoticeStage> {
        let key = s.trim().to_ascii_lowercase();
        NoticeStage::ALL
            .into_iter()
            .chain([NoticeStage::WeeklyReport])
            .find(|st| st.key() == key || st.describe() == key)
            .ok_or_else(|| Error::InvalidText {
                field: "notice stage",
                why: format!("{s:?} is not one of reminder, first, second, third"),
            })
    }

    fn of_overdue(stage: Stage) -> NoticeStage {
        match stage {
            Stage::First => NoticeStage::First,
            Stage::Second => NoticeStage::Second,
            Stage::Third => NoticeStage::Third,
        }
    }
}

/// One item a notice names: its tag, name and kind, never what data it carries.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, serde::Deserialize)]
pub struct NoticeItem {
    pub tag: String,
    pub name: String,
    pub kind: ItemKind,
    pub due_at: i64,
    /// When this loan began (its holder's sign-out or transfer).
    pub since: i64,
    /// Whether this holder was sent an earlier stage's notice for it: only then does a notice
    /// say "second" or "final" (a first contact never does).
    #[serde(default)]
    pub told_before: bool,
}

/// Where a notice stands.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "status", rename_all = "kebab-case")]
pub enum NoticeStatus {
    /// Would be queued now (a preview: nothing recorded).
    Due,
    /// Queued, not yet sent: `tries` failed so far, the last for `reason`; tried again from
    /// `retry_at`.
    Queued {
        tries: u32,
        reason: Option<String>,
        retry_at: i64,
    },
    /// A send began at `at` and its end is not recorded: under way, or cut short (the program
    /// stopped). It may have gone, so it is never sent again.
    Sending { at: i64, tries: u32 },
    /// Handed to the mail server.
    Sent { at: i64, to: String },
    /// Not sent after all, and why (checked again when its turn came).
    Cancelled { at: i64, reason: String },
    /// The holder has no email address: the office tells them (the printed slip).
    TellInPerson,
}

impl NoticeStatus {
    /// Where it stands in a few words, for a list: "sent 05/12/2026 06:16", "queued",
    /// "not sent (2 tries)", "may have gone", "tell in person".
    pub fn brief(&self, tz: chrono_tz::Tz) -> String {
        match self {
            NoticeStatus::Due => "due now".to_string(),
            NoticeStatus::Queued { tries: 0, .. } => "queued".to_string(),
            NoticeStatus::Queued { tries, .. } => {
                format!("not sent ({tries} {})", if *tries == 1 { "try" } else { "tries" })
            }
            NoticeStatus::Sending { .. } => "may have gone".to_string(),
            NoticeStatus::Sent { at, .. } => format!("sent {}", crate::time::format_local(from_millis(*at), tz)),
            NoticeStatus::Cancelled { .. } => "not sent (cancelled)".to_string(),
            NoticeStatus::TellInPerson => "tell in person".to_string(),
        }
    }

    /// Where it stands, in words, with times in `tz`.
    pub fn describe(&self, tz: chrono_tz::Tz) -> String {
        let time = |ms: i64| crate::time::format_local(from_millis(ms), tz);
        match self {
            NoticeStatus::Due => "due now, not yet queued".to_string(),
            NoticeStatus::Queued { tries: 0, retry_at, .. } => format!("queued, to be sent from {}", time(*retry_at)),
            NoticeStatus::Queued {
                tries,
                reason,
                retry_at,
            } => format!(
                "not sent after {tries} {}: {}; tried again from {}",
                if *tries == 1 { "try" } else { "tries" },
                reason.as_deref().unwrap_or("no reason given"),
                time(*retry_at)
            ),
            NoticeStatus::Sending { at, .. } => format!(
                "a send began at {} and its end is not recorded: it may have gone, so it is not sent again (check with the holder)",
                time(*at)
            ),
            NoticeStatus::Sent { at, to } => format!("sent to {to} at {}", time(*at)),
            NoticeStatus::Cancelled { at, reason } => format!("not sent: {reason} (at {})", time(*at)),
            NoticeStatus::TellInPerson => "no email address: tell them in person (the printed slip)".to_string(),
        }
    }
}

/// A notice to one holder at one stage, naming all their items at that stage.
#[derive(Clone, Debug, Serialize)]
pub struct Notice {
    /// Its id on the record (empty in a preview).
    pub id: String,
    pub holder: String,
    pub name: String,
    pub email: Option<String>,
    pub stage: NoticeStage,
    pub items: Vec<NoticeItem>,
    /// When it was queued (in a preview, now).
    pub queued_at: i64,
    /// The desk that queued it, which alone sends it.
    pub desk: String,
    pub status: NoticeStatus,
    /// For the weekly report: the day it is for (`2026-11-20`), sent once.
    pub week: Option<String>,
}

/// What a notice is about: an item, its holder and its due date.
type Loan = (String, String, i64);

/// How many notices one transaction queues (a few milliseconds' work), and the pause after each.
const QUEUE_BATCH: usize = 25;
const BATCH_PAUSE: std::time::Duration = std::time::Duration::from_millis(5);

/// Appends a `notice-queued` record for `notice`; returns it as queued.
fn queue_one(w: &mut super::writer::Writer<'_>, mut notice: Notice, now: DateTime<Utc>) -> Result<Notice> {
    let mut body = Map::new();
    body.insert("holder".into(), json!(notice.holder));
    body.insert("name".into(), json!(notice.name));
    body.insert("email".into(), json!(notice.email));
    body.insert("stage".into(), json!(notice.stage.key()));
    body.insert("items".into(), json!(notice.items));
    if let Some(week) = &notice.week {
        body.insert("week".into(), json!(week));
    }
    notice.id = uuid::Uuid::now_v7().to_string();
    let record = w.append_record(Record::draft(
        RecordKind::NoticeQueued,
        &notice.id,
        &body,
        to_millis(now),
    ))?;
    notice.queued_at = record.occurred_at;
    notice.status = match notice.email {
        Some(_) => NoticeStatus::Queued {
            tries: 0,
            reason: None,
            retry_at: record.occurred_at,
        },
        None => NoticeStatus::TellInPerson,
    };
    Ok(notice)
}

/// What claiming a notice found.
#[derive(Debug)]
pub enum Claim {
    /// Send this (as it stands now: its items still out, the holder's address now).
    Send(Notice),
    /// Not to be sent now: sent, another sender has it, or it waits after a failure.
    NotDue,
    /// Not true any more: cancelled on the record, for this reason.
    Cancelled(String),
}

/// Whether notices go, and which stages.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct NoticeSettings {
    pub enabled: bool,
    pub stages_off: Vec<NoticeStage>,
}

impl NoticeSettings {
    pub fn sends(&self, stage: NoticeStage) -> bool {
        self.enabled && !self.stages_off.contains(&stage)
    }
}

/// How long after the `tries`th failure a notice is tried again: five minutes, doubling, at most
/// six hours (a mail server down for a morning is tried a few times, not every minute).
pub fn retry_after(tries: u32) -> Duration {
    let minutes = 5i64 << tries.saturating_sub(1).min(7);
    Duration::minutes(minutes.min(6 * 60))
}

impl Ledger {
    /// Whether notices are sent, and which stages are turned off. Off until someone turns them
    /// on (after the mail server is set up). Read from the records, as the rules are.
    pub fn notice_settings(&self) -> Result<NoticeSettings> {
        let enabled = self.setting_on_record(ENABLED_KEY)?.as_deref() == Some("on");
        let stages_off = self
            .setting_on_record(STAGES_OFF_KEY)?
            .map(|v| v.split(',').filter_map(|s| NoticeStage::parse(s).ok()).collect())
            .unwrap_or_default();
        Ok(NoticeSettings { enabled, stages_off })
    }

    /// Turns notices on or off (a manager's: a rule's setting, on the record).
    pub fn set_notices(&mut self, on: bool) -> Result<()> {
        self.allow(Action::RuleSettings)?;
        self.put_setting(ENABLED_KEY, if on { "on" } else { "off" })
    }

    /// Turns one stage's notices on or off.
    pub fn set_notice_stage(&mut self, stage: NoticeStage, on: bool) -> Result<()> {
        self.allow(Action::RuleSettings)?;
        if stage == NoticeStage::WeeklyReport {
            return Err(Error::InvalidText {
                field: "notice stage",
                why: "the weekly report is not a holder's notice: it stops when no one is set to receive it"
                    .to_string(),
            });
        }
        let mut off = self.notice_settings()?.stages_off;
        off.retain(|s| *s != stage);
        if !on {
            off.push(stage);
        }
        off.sort();
        let value: Vec<&str> = off.iter().map(|s| s.key()).collect();
        self.put_setting(STAGES_OFF_KEY, &value.join(","))
    }

    /// The notices due at `now` and not yet queued, one per holder per stage: what
    /// [`Ledger::queue_notices`] would record. Nothing is recorded. Stages turned off are left
    /// out; with notices off, nothing is due.
    pub fn notices_due(&self, now: DateTime<Utc>) -> Result<Vec<Notice>> {
        self.allow(Action::SeeNotices)?;
        let settings = self.notice_settings()?;
        if !settings.enabled {
            return Ok(Vec::new());
        }
        let stages = self.overdue_stages()?;
        let working = self.working_days()?;
        let already = self.loans_noticed()?;
        let mut by_holder: BTreeMap<(String, NoticeStage), Vec<NoticeItem>> = BTreeMap::new();
        for (item, state) in self.out_at(to_millis(now))? {
            let (Some(holder), Some(due), Some(since)) = (state.holder, state.due_at, state.since) else {
                continue;
            };
            // Only the desk where it went out tells its holder.
            if state.last_desk.as_deref() != Some(self.desk()) {
                continue;
            }
            let stage = if is_late(Some(due), now) {
                let days = crate::time::days_late(from_millis(due), now, self.tz);
                Stage::reached(days, stages).map(NoticeStage::of_overdue)
            } else {
                let from = self.reminder_from(item.kind, due, &working);
                // Signed out after the reminder's moment: they were told at the desk.
                (to_millis(now) >= from && since < from).then_some(NoticeStage::Reminder)
            };
            let Some(stage) = stage.filter(|s| settings.sends(*s)) else {
                continue;
            };
            // A loan (an item, its holder, its due date) noticed at this stage or a later one is
            // not noticed again: not after an Undo and a sign-out again, nor when it comes back
            // to the same holder by transfer.
            let loan = (item.tag.clone(), holder.clone(), due);
            let told = |from: NoticeStage, to: NoticeStage| {
                NoticeStage::ALL
                    .iter()
                    .filter(|s| (from..=to).contains(*s))
                    .any(|s| already.contains(&(loan.clone(), *s)))
            };
            if told(stage, NoticeStage::Third) {
                continue;
            }
            let told_before = stage > NoticeStage::First && told(NoticeStage::First, stage);
            by_holder.entry((holder, stage)).or_default().push(NoticeItem {
                tag: item.tag,
                name: item.name,
                kind: item.kind,
                due_at: due,
                since,
                told_before,
            });
        }
        let people = self.people_by_id(by_holder.keys().map(|(h, _)| h))?;
        let mut due = Vec::with_capacity(by_holder.len());
        for ((holder, stage), mut items) in by_holder {
            let person = people
                .get(&holder)
                .ok_or_else(|| Error::UnknownPerson(holder.clone()))?;
            items.sort_by(|a, b| (a.due_at, &a.tag).cmp(&(b.due_at, &b.tag)));
            let status = if person.email.is_some() {
                NoticeStatus::Due
            } else {
                NoticeStatus::TellInPerson
            };
            due.push(Notice {
                id: String::new(),
                holder,
                name: person.name.clone(),
                email: person.email.clone(),
                stage,
                items,
                queued_at: to_millis(now),
                desk: self.desk().to_string(),
                status,
                week: None,
            });
        }
        Ok(due)
    }

    /// The weekly overdue report, when it is due at `now` and not yet queued for its latest day:
    /// on its day from the office's morning (or the first day after that the desk is open), and
    /// only at the desk the setting names, so a trust sends it once.
    pub fn weekly_report_due(&self, now: DateTime<Utc>) -> Result<Option<Notice>> {
        self.allow(Action::SeeNotices)?;
        let Some(weekly) = self.weekly_report()? else {
            return Ok(None);
        };
        if weekly.desk != self.desk() {
            return Ok(None);
        }
        // The latest of its days that has begun (from the office's morning): this week's, or
        // last week's when the desk was not open since. Each is sent once.
        let local = now.with_timezone(&self.tz);
        let mut day = local.date_naive();
        if local.time() < MORNING {
            day -= Duration::days(1);
        }
        while day.weekday() != weekly.day {
            day -= Duration::days(1);
        }
        // Not for a day before it was set up.
        let set_at: Option<i64> = self.conn.query_row(
            "SELECT max(occurred_at) FROM all_records WHERE kind = 'setting-changed' AND subject LIKE 'mail.weekly-report.%'",
            [],
            |r| r.get(0),
        )?;
        if set_at.is_some_and(|at| day < from_millis(at).with_timezone(&self.tz).date_naive()) {
            return Ok(None);
        }
        let week = day.format("%Y-%m-%d").to_string();
        let sent: i64 = self.conn.query_row(
            "SELECT count(*) FROM all_records WHERE kind = 'notice-queued'
               AND json_extract(body, '$.stage') = 'weekly-report' AND json_extract(body, '$.week') = ?1",
            [&week],
            |r| r.get(0),
        )?;
        if sent > 0 {
            return Ok(None);
        }
        Ok(Some(Notice {
            id: String::new(),
            holder: String::new(),
            name: "the overdue report".to_string(),
            email: Some(weekly.to.join(", ")),
            stage: NoticeStage::WeeklyReport,
            items: Vec::new(),
            queued_at: to_millis(now),
            desk: self.desk().to_string(),
            status: NoticeStatus::Due,
            week: Some(week),
        }))
    }

    /// The moment a reminder may go for an item of `kind` due at `due`: for paper, the morning
    /// it is due; for a device, the morning of the last working day before.
    fn reminder_from(&self, kind: ItemKind, due: i64, working: &crate::calendar::WorkingDays) -> i64 {
        let due_day = from_millis(due).with_timezone(&self.tz).date_naive();
        let day = if kind == ItemKind::PaperFile {
            due_day
        } else {
            // The last working day before; after a closure longer than two months, the day before.
            (1..=62)
                .map(|back| due_day - Duration::days(back))
                .find(|day| working.is_working_day(*day))
                .unwrap_or(due_day - Duration::days(1))
        };
        crate::time::local_to_utc(day.and_time(MORNING), self.tz).map_or(due, to_millis)
    }

    /// Records the notices due at `now` (see [`Ledger::notices_due`]) in the outbox, in short
    /// transactions of a few each, and returns them as queued.
    pub fn queue_notices(&mut self, now: DateTime<Utc>) -> Result<Vec<Notice>> {
        self.allow(Action::SendNotices)?;
        // Another sender at this desk (the desk's thread, a scheduled job) may queue at the same
        // time: each batch checks, in its transaction, that nothing was queued since the notices
        // due were read, and they are read again if something was.
        let mut queued = Vec::new();
        'afresh: loop {
            let mut expected = self.queued_here()?;
            let mut due = self.notices_due(now)?;
            due.extend(self.weekly_report_due(now)?);
            // In batches: a sign-out at the desk never waits long for the first round's thousands.
            for batch in due.chunks(QUEUE_BATCH) {
                let written = self.in_transaction(|ledger| {
                    if ledger.queued_here()? != expected {
                        return Ok(None);
                    }
                    let mut w = ledger.writer()?;
                    let batch: Vec<Notice> = batch
                        .iter()
                        .map(|notice| queue_one(&mut w, notice.clone(), now))
                        .collect::<Result<_>>()?;
                    w.commit()?;
                    Ok(Some(batch))
                })?;
                match written {
                    Some(batch) => {
                        expected += batch.len() as i64;
                        queued.extend(batch);
                    }
                    None => continue 'afresh,
                }
                // A pause between batches lets a sign-out waiting for the write lock take it: SQLite's
                // busy handler waits longer each time it finds the lock taken, and back-to-back
                // batches kept one sign-out waiting 100 to 300 ms.
                std::thread::sleep(BATCH_PAUSE);
            }
            return Ok(queued);
        }
    }

    /// How many notices this desk has queued, ever: a count another sender changes.
    fn queued_here(&self) -> Result<i64> {
        Ok(self
            .conn
            .query_row("SELECT count(*) FROM records WHERE kind = 'notice-queued'", [], |r| {
                r.get(0)
            })?)
    }

    /// Every loan noticed, at which stage: ((tag, holder, due), stage), from every desk's records.
    fn loans_noticed(&self) -> Result<HashSet<(Loan, NoticeStage)>> {
        let mut stmt = self
            .conn
            .prepare_cached("SELECT body FROM all_records WHERE kind = 'notice-queued'")?;
        let mut rows = stmt.query([])?;
        let mut noticed = HashSet::new();
        while let Some(row) = rows.next()? {
            let body: String = row.get(0)?;
            let notice = notice_from(String::new(), &body, 0, String::new());
            if notice.stage != NoticeStage::WeeklyReport {
                noticed.extend(
                    notice
                        .items
                        .into_iter()
                        .map(|i| ((i.tag, notice.holder.clone(), i.due_at), notice.stage)),
                );
            }
        }
        Ok(noticed)
    }

    /// The outbox: every notice queued between `from` and `to` (any desk's), with where it
    /// stands, the latest first.
    pub fn notices(&self, from: DateTime<Utc>, to: DateTime<Utc>) -> Result<Vec<Notice>> {
        self.allow(Action::SeeNotices)?;
        let mut stmt = self.conn.prepare_cached(
            "SELECT q.subject, q.body, q.occurred_at, q.desk, r.kind, r.body, r.occurred_at
             FROM all_records q LEFT JOIN all_records r
               ON r.subject = q.subject
              AND r.kind IN ('notice-sending', 'notice-sent', 'notice-failed', 'notice-cancelled')
             WHERE q.kind = 'notice-queued' AND q.occurred_at BETWEEN ?1 AND ?2
             ORDER BY q.occurred_at DESC, q.subject, r.seq",
        )?;
        let mut rows = stmt.query(params![to_millis(from), to_millis(to)])?;
        let mut notices: Vec<Notice> = Vec::new();
        while let Some(row) = rows.next()? {
            let id: String = row.get(0)?;
            if notices.last().is_none_or(|n| n.id != id) {
                let body: String = row.get(1)?;
                let queued_at: i64 = row.get(2)?;
                notices.push(notice_from(id, &body, queued_at, row.get(3)?));
            }
            let notice = notices.last_mut().expect("just pushed");
            let (Some(kind), Some(body), Some(at)) = (
                row.get::<_, Option<String>>(4)?,
                row.get::<_, Option<String>>(5)?,
                row.get::<_, Option<i64>>(6)?,
            ) else {
                continue;
            };
            notice.status = next_status(&notice.status, &kind, &body, at);
        }
        Ok(notices)
    }

    /// The notices this desk queued that should be tried now: not sent, with an address, and
    /// their wait after the last failure over.
    pub fn notices_to_send(&self, now: DateTime<Utc>) -> Result<Vec<Notice>> {
        let from = now - Duration::days(366);
        let at = to_millis(now);
        Ok(self
            .notices(from, now)?
            .into_iter()
            .filter(|n| n.desk == self.desk())
            .filter(|n| matches!(n.status, NoticeStatus::Queued { retry_at, .. } if retry_at <= at))
            .collect())
    }

    /// The latest notice each holder was sent or queued, by holder id (for the Overdue screen):
    /// of several queued at once, the furthest stage.
    pub fn last_notices(&self, now: DateTime<Utc>) -> Result<HashMap<String, Notice>> {
        let mut last: HashMap<String, Notice> = HashMap::new();
        for notice in self.notices(now - Duration::days(366), now)? {
            if notice.stage == NoticeStage::WeeklyReport {
                continue;
            }
            let later = |n: &Notice| (n.queued_at, n.stage);
            match last.get(&notice.holder) {
                Some(kept) if later(kept) >= later(&notice) => {}
                _ => {
                    last.insert(notice.holder.clone(), notice);
                }
            }
        }
        Ok(last)
    }

    /// Claims the queued notice `id` for sending, recorded before the mail server is asked, so
    /// that no notice is sent twice, even by two senders at once (the desk's thread and a
    /// scheduled `custody notices send`). It is checked again first, as things stand now: items
    /// back on the shelf or with someone else are left out, the holder's address is read afresh,
    /// and a notice no longer true (nothing left out, notices turned off, a later notice queued
    /// for the same loans) is cancelled on the record instead.
    pub fn claim_notice(&mut self, id: &str) -> Result<Claim> {
        self.allow(Action::SendNotices)?;
        let id = id.to_string();
        self.in_transaction(move |ledger| {
            let Some(mut notice) = ledger.notice_here(&id)? else {
                return Err(Error::InvalidText {
                    field: "notice",
                    why: format!("{id} is not a notice this desk queued"),
                });
            };
            let at = to_millis(ledger.now());
            if !matches!(notice.status, NoticeStatus::Queued { retry_at, .. } if retry_at <= at) {
                return Ok(Claim::NotDue);
            }
            let cancel = ledger.still_true(&mut notice)?.err();
            let mut w = ledger.writer()?;
            let claim = match cancel {
                Some(reason) => {
                    let mut body = Map::new();
                    body.insert("reason".into(), json!(reason));
                    w.append_record(Record::draft(RecordKind::NoticeCancelled, &id, &body, at))?;
                    Claim::Cancelled(reason)
                }
                None => {
                    let mut body = Map::new();
                    body.insert("to".into(), json!(notice.email));
                    let tags: Vec<&str> = notice.items.iter().map(|i| i.tag.as_str()).collect();
                    body.insert("items".into(), json!(tags));
                    w.append_record(Record::draft(RecordKind::NoticeSending, &id, &body, at))?;
                    Claim::Send(notice)
                }
            };
            w.commit()?;
            Ok(claim)
        })
    }

    /// The notice `id` this desk queued, as it stands.
    fn notice_here(&self, id: &str) -> Result<Option<Notice>> {
        let mut stmt = self
            .conn
            .prepare_cached("SELECT kind, body, occurred_at, desk FROM records WHERE subject = ?1 ORDER BY seq")?;
        let rows: Vec<(String, String, i64, String)> = stmt
            .query_map([id], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?, r.get(3)?)))?
            .collect::<rusqlite::Result<_>>()?;
        let Some((_, body, queued_at, desk)) = rows.iter().find(|(kind, ..)| kind == "notice-queued") else {
            return Ok(None);
        };
        let mut notice = notice_from(id.to_string(), body, *queued_at, desk.clone());
        for (kind, body, at, _) in rows.iter().filter(|(kind, ..)| kind != "notice-queued") {
            notice.status = next_status(&notice.status, kind, body, *at);
        }
        Ok(Some(notice))
    }

    /// Whether `notice` is still worth sending now: keeps only its items still out with that
    /// holder on that due date, and takes the holder's address as it is now. `Err` says why not.
    fn still_true(&self, notice: &mut Notice) -> Result<std::result::Result<(), String>> {
        if notice.stage == NoticeStage::WeeklyReport {
            return Ok(match self.weekly_report()? {
                Some(weekly) => {
                    notice.email = Some(weekly.to.join(", "));
                    Ok(())
                }
                None => Err("no one is set to receive the weekly report any more".to_string()),
            });
        }
        if !self.notice_settings()?.sends(notice.stage) {
            return Ok(Err(format!("notices ({}) were turned off", notice.stage.describe())));
        }
        let noticed = self.loans_noticed()?;
        let holder = notice.holder.clone();
        let stage = notice.stage;
        let mut items = Vec::with_capacity(notice.items.len());
        for item in std::mem::take(&mut notice.items) {
            let state = self.state(&item.tag)?;
            let out_with_holder = state.status == crate::state::Status::Out
                && state.holder.as_deref() == Some(holder.as_str())
                && state.due_at == Some(item.due_at);
            let loan = (item.tag.clone(), holder.clone(), item.due_at);
            let overtaken = NoticeStage::ALL
                .iter()
                .any(|s| *s > stage && noticed.contains(&(loan.clone(), *s)));
            if out_with_holder && !overtaken {
                items.push(item);
            }
        }
        notice.items = items;
        if notice.items.is_empty() {
            return Ok(Err(
                "its items are back, with someone else, due on another date, or named in a later notice".to_string(),
            ));
        }
        notice.email = self.person(&holder)?.email;
        if notice.email.is_none() {
            return Ok(Err(
                "the holder has no email address now: tell them in person".to_string()
            ));
        }
        Ok(Ok(()))
    }

    /// Records that the notice `id` was handed to the mail server for `to`.
    pub fn notice_sent(&mut self, id: &str, to: &str) -> Result<()> {
        self.allow(Action::SendNotices)?;
        let mut body = Map::new();
        body.insert("to".into(), json!(to));
        self.record_try(RecordKind::NoticeSent, id, body)
    }

    /// Records a failed try at sending the notice `id`, and why; it stays queued, to be tried
    /// again after [`retry_after`].
    pub fn notice_failed(&mut self, id: &str, reason: &str) -> Result<()> {
        self.allow(Action::SendNotices)?;
        let mut body = Map::new();
        body.insert("reason".into(), json!(reason));
        self.record_try(RecordKind::NoticeFailed, id, body)
    }

    /// Records that the notice `id` will not be sent after all, and why (the mail server refused
    /// the address again and again: the office tells the holder).
    pub fn notice_cancelled(&mut self, id: &str, reason: &str) -> Result<()> {
        self.allow(Action::SendNotices)?;
        let mut body = Map::new();
        body.insert("reason".into(), json!(reason));
        self.record_try(RecordKind::NoticeCancelled, id, body)
    }

    fn record_try(&mut self, kind: RecordKind, id: &str, body: Map<String, Value>) -> Result<()> {
        let queued = self
            .conn
            .query_row(
                "SELECT count(*) FROM records WHERE kind = 'notice-queued' AND subject = ?1",
                [id],
                |r| r.get::<_, i64>(0),
            )
            .map(|n| n > 0)?;
        if !queued {
            return Err(Error::InvalidText {
                field: "notice",
                why: format!("{id} is not a notice this desk queued"),
            });
        }
        let at = to_millis(self.now());
        let mut w = self.writer()?;
        w.append_record(Record::draft(kind, id, &body, at))?;
        w.commit()
    }
}

/// A queued notice's stage and items, from its record's body.
fn stage_and_items(body: &str) -> (Option<NoticeStage>, Vec<NoticeItem>) {
    let fields: Map<String, Value> = serde_json::from_str(body).unwrap_or_default();
    let stage = fields
        .get("stage")
        .and_then(Value::as_str)
        .and_then(|s| NoticeStage::parse(s).ok());
    let items = fields
        .get("items")
        .and_then(|v| serde_json::from_value(v.clone()).ok())
        .unwrap_or_default();
    (stage, items)
}

fn notice_from(id: String, body: &str, queued_at: i64, desk: String) -> Notice {
    let fields: Map<String, Value> = serde_json::from_str(body).unwrap_or_default();
    let text = |k: &str| fields.get(k).and_then(Value::as_str).map(str::to_string);
    let (stage, items) = stage_and_items(body);
    let email = text("email");
    let status = match email {
        Some(_) => NoticeStatus::Queued {
            tries: 0,
            reason: None,
            retry_at: queued_at,
        },
        None => NoticeStatus::TellInPerson,
    };
    Notice {
        id,
        holder: text("holder").unwrap_or_default(),
        name: text("name").unwrap_or_default(),
        email,
        stage: stage.unwrap_or(NoticeStage::First),
        items,
        queued_at,
        desk,
        status,
        week: text("week"),
    }
}

/// Where a notice stands after one more try, recorded at `at`.
fn next_status(now: &NoticeStatus, kind: &str, body: &str, at: i64) -> NoticeStatus {
    let fields: Map<String, Value> = serde_json::from_str(body).unwrap_or_default();
    let text = |k: &str| fields.get(k).and_then(Value::as_str).unwrap_or_default().to_string();
    match (now, kind) {
        (NoticeStatus::Sent { .. } | NoticeStatus::Cancelled { .. }, _) => now.clone(),
        (_, "notice-sent") => NoticeStatus::Sent { at, to: text("to") },
        (_, "notice-cancelled") => NoticeStatus::Cancelled {
            at,
            reason: text("reason"),
        },
        (NoticeStatus::Queued { tries, .. }, "notice-sending") => NoticeStatus::Sending { at, tries: *tries },
        (NoticeStatus::Queued { tries, .. } | NoticeStatus::Sending { tries, .. }, "notice-failed") => {
            let tries = tries + 1;
            NoticeStatus::Queued {
                tries,
                reason: Some(text("reason")),
                retry_at: at + retry_after(tries).num_milliseconds(),
            }
        }
        _ => now.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_failed_notice_waits_longer_each_time_up_to_six_hours() {
        let waits: Vec<i64> = (1..=10).map(|t| retry_after(t).num_minutes()).collect();
        assert_eq!(waits, [5, 10, 20, 40, 80, 160, 320, 360, 360, 360]);
    }

    #[test]
    fn a_sent_notice_stays_sent_and_failures_count() {
        let queued = NoticeStatus::Queued {
            tries: 0,
            reason: None,
            retry_at: 0,
        };
        let failed = next_status(&queued, "notice-failed", r#"{"reason":"refused"}"#, 1000);
        assert_eq!(
            failed,
            NoticeStatus::Queued {
                tries: 1,
                reason: Some("refused".into()),
                retry_at: 1000 + 5 * 60_000
            }
        );
        let sent = next_status(&failed, "notice-sent", r#"{"to":"sam@example.org"}"#, 2000);
        assert_eq!(next_status(&sent, "notice-failed", r#"{"reason":"late"}"#, 3000), sent);
    }
}
