//! The events that move items: sign out, sign in, transfer, lost, stolen, found, retired, and
//! corrections. Each call is one transaction: every check passes and every event is appended
//! with the projection updated, or nothing at all is written.

use chrono::{DateTime, Duration, Utc};
use rusqlite::OptionalExtension;
use uuid::Uuid;

use super::Ledger;
use super::queries::read_state;
use super::writer::Writer;
use crate::error::{Error, Result};
use crate::event::{self, Event};
use crate::ids::{IdKind, normalise_id, optional_text, required_text};
use crate::model::{EventKind, Item, Person};
use crate::policy::{self, Finding, Mode, Proposal};
use crate::state::{ItemState, Refusal, apply};
use crate::time::{default_due, to_millis};

/// How far ahead of the clock an `--at` time may be (desk clocks drift a little).
const CLOCK_SLACK: Duration = Duration::minutes(1);

/// How long an operator may take back their own action at the desk (Undo).
pub const UNDO_WITHIN: Duration = Duration::seconds(10);

/// A request to hand one or more items to a person.
#[derive(Clone, Debug, Default)]
pub struct SignOut {
    pub items: Vec<String>,
    pub to: String,
    /// When it is due back; by default depends on the kind (see [`crate::time::default_due`]).
    pub due: Option<DateTime<Utc>>,
    /// When it happened, if earlier than now.
    pub at: Option<DateTime<Utc>>,
    pub purpose: Option<String>,
    pub reason: Option<String>,
    pub authoriser: Option<String>,
    pub container: Option<String>,
    /// The clerk has seen the policy warnings and goes ahead (`--yes`); they are recorded.
    pub acknowledge_warnings: bool,
}

/// A checked sign-out, ready to append.
struct Plan {
    moves: Vec<(Event, ItemState)>,
    findings: Vec<Finding>,
}

/// What an item scanned at the desk means (see [`Ledger::scanned_item`]).
#[derive(Debug, Clone)]
pub enum Scanned {
    /// It is out: the scan signs it back in.
    Returns(Item, ItemState),
    /// It is here and may leave: it goes into the basket.
    Leaves(Item),
}

/// What a sign-in did, for the "Returned LT-0042 from Sam Jones — 2 days late" line.
#[derive(Clone, Debug)]
pub struct Returned {
    pub event: Event,
    pub item: Item,
    pub from: Person,
    pub due_at: Option<i64>,
    /// How late it came back, in words ("2 days", "5 hours"), if it did.
    pub late_by: Option<String>,
}

impl Returned {
    /// "2 days late", or "on time".
    pub fn lateness(&self) -> String {
        match &self.late_by {
            Some(late) => format!("{late} late"),
            None => "on time".to_string(),
        }
    }
}

impl Ledger {
    /// Signs items out to a person, as one hand-over. All items go, or none.
    pub fn sign_out(&mut self, req: &SignOut) -> Result<Vec<Event>> {
        self.allow(crate::operator::Action::SignOut)?;
        let mut w = self.writer()?;
        let plan = w.ledger.plan_sign_out(req)?;
        let (blocks, warnings): (Vec<Finding>, Vec<Finding>) =
            plan.findings.into_iter().partition(|f| f.mode == Mode::Block);
        if !blocks.is_empty() {
            return Err(Error::PolicyRefused { blocks, warnings });
        }
        if !warnings.is_empty() && !req.acknowledge_warnings {
            return Err(Error::NeedsAcknowledgement { warnings });
        }
        let acknowledged =
            (!warnings.is_empty()).then(|| warnings.iter().map(Finding::to_string).collect::<Vec<_>>().join("\n"));
        let mut events = Vec::with_capacity(plan.moves.len());
        for (mut draft, state) in plan.moves {
            draft.warnings.clone_from(&acknowledged);
            events.push(w.append_move(draft, &state)?);
        }
        w.commit()?;
        Ok(events)
    }

    /// What a sign-out would meet, without writing: the same checks as [`Ledger::sign_out`]
    /// (an error for anything impossible, R8 included), then every policy rule that applies.
    pub fn check_sign_out(&self, req: &SignOut) -> Result<Vec<Finding>> {
        self.allow(crate::operator::Action::SignOut)?;
        Ok(self.plan_sign_out(req)?.findings)
    }

    /// The events a sign-out would append, each checked against its item's state, and the
    /// policy findings for the whole hand-over.
    /// The authoriser named for a sign-out (R1): their entry on the people register, and the
    /// operator with the same id as the operators' records have them (not their table).
    fn authoriser(&self, id: &str) -> Result<policy::Authoriser> {
        let person = self.person(id).map_err(|e| match e {
            Error::UnknownPerson(id) => Error::InvalidText {
                field: "authoriser",
                why: policy::r1_not_a_person(&id),
            },
            e => e,
        })?;
        let operator = match crate::operator::normalise_operator_id(&person.id) {
            Ok(operator_id) => self.operator_on_record(&operator_id)?.map(|o| o.operator),
            Err(_) => None,
        };
        Ok(policy::Authoriser { person, operator })
    }

    fn plan_sign_out(&self, req: &SignOut) -> Result<Plan> {
        let tags = normalise_tags(&req.items)?;
        let purpose = optional_text("purpose", req.purpose.as_deref())?;
        let reason = optional_text("reason", req.reason.as_deref())?;
        let holder = self.active_person(&req.to)?;
        let authoriser = req.authoriser.as_deref().map(|id| self.authoriser(id)).transpose()?;
        let container = req.container.as_deref().map(|id| self.container(id)).transpose()?;
        let handover = Uuid::now_v7();
        let at = req.at.unwrap_or_else(|| self.clock.now());
        let mut moves = Vec::with_capacity(tags.len());
        let mut items = Vec::with_capacity(tags.len());
        let working = self.working_days()?;
        for tag in &tags {
            let (item, state) = self.item_and_state(tag)?;
            let due = req.due.unwrap_or_else(|| default_due(item.kind, at, self.tz, &working));
            if req.at.is_some() {
                let mut people = vec![holder.id.as_str()];
                people.extend(authoriser.as_ref().map(|a| a.person.id.as_str()));
                self.registered_by(at, &item.tag, &people)?;
            }
            let mut e = blank(EventKind::SignOut, &item.tag, at);
            e.person = Some(holder.id.clone());
            e.handover = Some(handover);
            e.due_at = Some(to_millis(due));
            e.purpose.clone_from(&purpose);
            e.reason.clone_from(&reason);
            e.authoriser = authoriser.as_ref().map(|a| a.person.id.clone());
            e.container = container.as_ref().map(|c| c.id.clone());
            self.check_move(&e, &state)?;
            moves.push((e, state));
            items.push(item);
        }
        let proposal = Proposal {
            items: &items,
            holder: &holder,
            reason: reason.as_deref(),
            authoriser: authoriser.as_ref(),
            container: container.as_ref().map(|c| c.id.as_str()),
            day: at.with_timezone(&self.tz).date_naive(),
        };
        let r5_needed = items.iter().any(policy::r5_applies);
        let facts = self.policy_facts(&holder.id, container.as_ref().map(|c| c.id.as_str()), at, r5_needed)?;
        let findings = policy::check(&proposal, &facts, &self.policy_settings()?);
        Ok(Plan { moves, findings })
    }

    /// Signs items back in. All of them, or none.
    pub fn sign_in(&mut self, tags: &[String], at: Option<DateTime<Utc>>, note: Option<&str>) -> Result<Vec<Returned>> {
        self.allow(crate::operator::Action::SignIn)?;
        let tags = normalise_tags(tags)?;
        let note = optional_text("note", note)?;
        let mut w = self.writer()?;
        let mut returned = Vec::with_capacity(tags.len());
        for tag in &tags {
            let (item, state) = w.ledger.item_and_state(tag)?;
            let when = at.unwrap_or_else(|| w.ledger.clock.now());
            if at.is_some() {
                w.ledger.registered_by(when, &item.tag, &[])?;
            }
            let mut e = blank(EventKind::SignIn, &item.tag, when);
            e.person.clone_from(&state.holder);
            e.note.clone_from(&note);
            let event = w.append_move(e, &state)?;
            let from = w.ledger.person(state.holder.as_deref().unwrap_or_default())?;
            let returned_at = crate::time::from_millis(event.occurred_at);
            let late_by = (state.due_at)
                .filter(|_| super::is_late(state.due_at, returned_at))
                .map(|due| crate::time::describe_lateness(crate::time::from_millis(due), returned_at, w.ledger.tz));
            returned.push(Returned {
                event,
                item,
                from,
                due_at: state.due_at,
                late_by,
            });
        }
        w.commit()?;
        Ok(returned)
    }

    /// Hands an item that is out from its holder to someone else; the due date stays.
    pub fn transfer(&mut self, tag: &str, to: &str, at: Option<DateTime<Utc>>, note: Option<&str>) -> Result<Event> {
        self.allow(crate::operator::Action::Transfer)?;
        let note = optional_text("note", note)?;
        let mut w = self.writer()?;
        let holder = w.ledger.active_person(to)?;
        let (item, state) = w.ledger.item_and_state(tag)?;
        let when = at.unwrap_or_else(|| w.ledger.clock.now());
        if at.is_some() {
            w.ledger.registered_by(when, &item.tag, &[&holder.id])?;
        }
        let mut e = blank(EventKind::Transfer, &item.tag, when);
        e.person = Some(holder.id);
        e.from_person.clone_from(&state.holder);
        e.note = note;
        let event = w.append_move(e, &state)?;
        w.commit()?;
        Ok(event)
    }

    /// Records that an item was lost, stolen, found, or retired.
    pub fn record(
        &mut self,
        tag: &str,
        kind: EventKind,
        at: Option<DateTime<Utc>>,
        note: Option<&str>,
    ) -> Result<Event> {
        assert!(
            matches!(
                kind,
                EventKind::Lost | EventKind::Stolen | EventKind::Found | EventKind::Retired
            ),
            "record() takes lost, stolen, found or retired"
        );
        // Retiring takes an item off the register for good: the register's keepers decide that.
        self.allow(if kind == EventKind::Retired {
            crate::operator::Action::EditRegister
        } else {
            crate::operator::Action::RecordLossOrFind
        })?;
        let note = optional_text("note", note)?;
        let mut w = self.writer()?;
        let (item, state) = w.ledger.item_and_state(tag)?;
        let when = at.unwrap_or_else(|| w.ledger.clock.now());
        if at.is_some() {
            w.ledger.registered_by(when, &item.tag, &[])?;
        }
        let mut e = blank(kind, &item.tag, when);
        // Who had it when it went missing: the question a DPO asks first.
        e.person.clone_from(&state.holder);
        e.note = note;
        let event = w.append_move(e, &state)?;
        w.commit()?;
        Ok(event)
    }

    /// Voids an event recorded by mistake, with a reason. The event stays in the ledger; a
    /// correction is appended and the item's state is derived again without it. Only an item's
    /// latest event can be corrected, so the record never becomes impossible.
    pub fn correct(&mut self, event_id: &str, reason: &str) -> Result<Event> {
        self.allow(crate::operator::Action::Correct)?;
        self.void(event_id, reason)
    }

    /// The correction itself, once the caller was allowed to make it.
    fn void(&mut self, event_id: &str, reason: &str) -> Result<Event> {
        let reason = required_text("reason for the correction", reason)?;
        let id = Uuid::parse_str(event_id.trim()).map_err(|_| Error::UnknownEvent(event_id.to_string()))?;
        let mut w = self.writer()?;
        let target = w
            .ledger
            .event(&id)?
            .ok_or_else(|| Error::UnknownEvent(event_id.to_string()))?;
        if target.kind == EventKind::Correction {
            return Err(Error::CannotCorrect(
                "it is itself a correction; record the original event again instead".to_string(),
            ));
        }
        if w.ledger.correction_of(&id)?.is_some() {
            return Err(Error::CannotCorrect("it has already been corrected".to_string()));
        }
        let (item, state) = w.ledger.item_and_state(&target.item)?;
        // While desks disagree about the item, any of its events may be the one that should
        // not stand; otherwise only the latest, so the record never becomes impossible.
        let latest = state.last_seq == Some(target.seq) && state.last_desk.as_deref() == Some(target.desk.as_str());
        if !latest && !state.conflict {
            return Err(Error::CannotCorrect(format!(
                "{} has later events; only the latest event of an item can be corrected, so correct those first",
                item.tag
            )));
        }
        let mut e = blank(EventKind::Correction, &item.tag, w.ledger.clock.now());
        e.corrects = Some(id);
        e.reason = Some(reason);
        let event = w.append(e)?;
        let state = w.ledger.replay_item(&item.tag)?;
        write_state(&w.ledger.conn, &item.tag, &state)?;
        w.commit()?;
        Ok(event)
    }

    /// Corrects several events (say, every item of one hand-over) together: all, or none.
    pub fn correct_all(&mut self, event_ids: &[String], reason: &str) -> Result<Vec<Event>> {
        self.allow(crate::operator::Action::Correct)?;
        self.in_transaction(|ledger| event_ids.iter().map(|id| ledger.void(id, reason)).collect())
    }

    /// The desk's Undo: voids events the signed-in operator recorded themselves within the last
    /// [`UNDO_WITHIN`], whatever their role (a correction of anything else, or later, is a
    /// manager's). All of them, or none.
    pub fn undo_own(&mut self, event_ids: &[String], reason: &str) -> Result<Vec<Event>> {
        self.allow(crate::operator::Action::SignOut)?;
        let since = to_millis(self.clock.now() - UNDO_WITHIN);
        for id in event_ids {
            let uuid = Uuid::parse_str(id.trim()).map_err(|_| Error::UnknownEvent(id.to_string()))?;
            let event = self.event(&uuid)?.ok_or_else(|| Error::UnknownEvent(id.to_string()))?;
            if event.operator != self.operator || event.recorded_at < since {
                return Err(Error::CannotCorrect(format!(
                    "Undo takes back only your own action of the last {} seconds; a manager can record a correction of it",
                    UNDO_WITHIN.num_seconds()
                )));
            }
        }
        self.in_transaction(|ledger| event_ids.iter().map(|id| ledger.void(id, reason)).collect())
    }
}

impl Writer<'_> {
    /// Appends a move an import found (Snipe-IT's check-outs, a paper book), with the same checks
    /// of the item's state and the time as at the desk. The person need not be active now: the
    /// import records what was, and someone who has left may still hold something.
    pub(crate) fn append_imported(&mut self, draft: Event) -> Result<Event> {
        let (_, state) = self.ledger.item_and_state(&draft.item)?;
        self.append_move(draft, &state)
    }

    /// Appends an event that moves an item, after checking it (see [`Ledger::check_move`]).
    pub(super) fn append_move(&mut self, mut draft: Event, state: &ItemState) -> Result<Event> {
        self.ledger.check_move(&draft, state)?;
        draft.seq = self.next_seq(); // the state records the sequence number of its last event
        draft.desk.clone_from(&self.ledger.desk); // and its desk
        let next = apply(state, &draft.as_move()).map_err(|r| self.ledger.refusal(r, &draft.item, state))?;
        let event = self.append(draft)?;
        write_state(&self.ledger.conn, &event.item, &next)?;
        Ok(event)
    }
}

impl Ledger {
    fn item_and_state(&self, tag: &str) -> Result<(Item, ItemState)> {
        let item = self.item(tag)?;
        let state = read_state(&self.conn, &item.tag)?;
        Ok((item, state))
    }

    /// What scanning an item at the desk means, from one read of the item and its state: it is
    /// out, so it comes back; or it may leave; or the refusal (rule R8) a sign-out would meet.
    pub fn scanned_item(&self, tag: &str) -> Result<Scanned> {
        self.allow(crate::operator::Action::SignOut)?;
        let (item, state) = self.item_and_state(tag)?;
        if state.status == crate::state::Status::Out {
            return Ok(Scanned::Returns(item, state));
        }
        let draft = blank(EventKind::SignOut, &item.tag, self.clock.now());
        apply(&state, &draft.as_move()).map_err(|r| self.refusal(r, &item.tag, &state))?;
        Ok(Scanned::Leaves(item))
    }

    /// The person, who must exist and be active (rule R8).
    pub fn active_person(&self, id: &str) -> Result<Person> {
        self.allow(crate::operator::Action::SeeRegister)?;
        let person = self.person(id)?;
        if !person.active {
            return Err(Error::InactivePerson {
                id: person.id,
                name: person.name,
            });
        }
        Ok(person)
    }

    /// Checks, in this order, that the move is possible, that its time is neither in the future
    /// nor before the item's last event, and that anything due is due after it happens.
    fn check_move(&self, draft: &Event, state: &ItemState) -> Result<()> {
        apply(state, &draft.as_move()).map_err(|r| self.refusal(r, &draft.item, state))?;
        let now = to_millis(self.clock.now());
        if draft.occurred_at > now + CLOCK_SLACK.num_milliseconds() {
            return Err(Error::TimeInFuture {
                when: self.format_time(draft.occurred_at),
            });
        }
        if let Some(last) = state.last_occurred_at.filter(|last| draft.occurred_at < *last) {
            return Err(Error::BeforeLastEvent {
                tag: draft.item.clone(),
                last: self.format_time(last),
            });
        }
        if let Some(due) = draft.due_at.filter(|due| *due <= draft.occurred_at) {
            return Err(Error::DueBeforeOut {
                due: self.format_due(due),
                out: self.format_time(draft.occurred_at),
            });
        }
        Ok(())
    }

    /// Refuses a moment given with `--at` that is before the item, or any of the people, was
    /// registered. (Only a given moment: "now" at a desk whose clock is behind another desk's
    /// that registered the item must still work.) Imports of earlier custody do not ask this.
    pub(super) fn registered_by(&self, at: DateTime<Utc>, tag: &str, people: &[&str]) -> Result<()> {
        let when = to_millis(at);
        let added = |sql: &str, id: &str| -> Result<Option<i64>> {
            Ok(self.conn.query_row(sql, [id], |r| r.get(0)).optional()?)
        };
        let item = ("SELECT added_at FROM items WHERE tag = ?1", tag);
        let people = people
            .iter()
            .map(|id| ("SELECT added_at FROM people WHERE id = ?1", *id));
        for (sql, id) in std::iter::once(item).chain(people) {
            if let Some(registered) = added(sql, id)?.filter(|registered| *registered > when) {
                return Err(Error::BeforeRegistered {
                    what: id.to_string(),
                    registered: self.format_time(registered),
                    when: self.format_time(when),
                });
            }
        }
        Ok(())
    }

    /// Words for a refused move.
    fn refusal(&self, refusal: Refusal, tag: &str, state: &ItemState) -> Error {
        let tag = tag.to_string();
        let status = state.status.as_str();
        match refusal {
            Refusal::AlreadyOut => Error::AlreadyOut {
                holder: self.holder_name(state),
                since: state.since.map(|t| self.format_time(t)).unwrap_or_default(),
                tag,
            },
            Refusal::Lost => Error::ItemLost { tag },
            Refusal::Stolen => Error::ItemStolen { tag },
            Refusal::Retired => Error::ItemRetired {
                how: self.how_retired(&tag),
                tag,
            },
            Refusal::NotOut => Error::NotOut {
                tag,
                status,
                action: "signed in or transferred",
            },
            Refusal::SameHolder => Error::SameHolder {
                holder: self.holder_name(state),
                tag,
            },
            Refusal::AlreadyMissing => Error::AlreadyMissing { tag, status },
            Refusal::NotMissing => Error::NotMissing { tag, status },
            Refusal::RetireWhileOut => Error::RetireWhileOut {
                holder: self.holder_name(state),
                tag,
            },
            Refusal::NotAMove => Error::CannotCorrect("a correction is not a move".to_string()),
        }
    }

    /// "Sam Jones (S001)", or the bare id if the person cannot be read.
    fn holder_name(&self, state: &ItemState) -> String {
        let id = state.holder.clone().unwrap_or_default();
        match self.person(&id) {
            Ok(p) => format!("{} ({})", p.name, p.id),
            Err(_) => id,
        }
    }
}

/// An event of `kind` for `item` at `at`, with every optional field empty; `append` fills in
/// the sequence number, id, desk, operator, recording time and hashes.
pub(crate) fn blank(kind: EventKind, item: &str, at: DateTime<Utc>) -> Event {
    Event {
        seq: 0,
        id: Uuid::nil(),
        desk: String::new(),
        kind,
        item: item.to_string(),
        person: None,
        from_person: None,
        handover: None,
        due_at: None,
        purpose: None,
        reason: None,
        authoriser: None,
        container: None,
        corrects: None,
        note: None,
        occurred_at: to_millis(at),
        recorded_at: 0,
        operator: String::new(),
        warnings: None,
        prev_hash: event::GENESIS_HASH,
        hash: event::GENESIS_HASH,
    }
}

/// Upper-cases and checks the tags of a request; each may appear once.
fn normalise_tags(raw: &[String]) -> Result<Vec<String>> {
    if raw.is_empty() {
        return Err(Error::NoItems);
    }
    let mut tags: Vec<String> = Vec::with_capacity(raw.len());
    for r in raw {
        let tag = normalise_id(IdKind::Tag, r)?;
        if tags.contains(&tag) {
            return Err(Error::RepeatedItem(tag));
        }
        tags.push(tag);
    }
    Ok(tags)
}

/// Stores an item's derived state (the projection).
pub(crate) fn write_state(conn: &rusqlite::Connection, tag: &str, s: &ItemState) -> rusqlite::Result<()> {
    conn.prepare_cached(
        "INSERT INTO item_state (item, status, holder, since, due_at, container, last_seq, last_occurred_at,
                                 last_desk, conflict)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10)
         ON CONFLICT (item) DO UPDATE SET status = excluded.status, holder = excluded.holder,
             since = excluded.since, due_at = excluded.due_at, container = excluded.container,
             last_seq = excluded.last_seq, last_occurred_at = excluded.last_occurred_at,
             last_desk = excluded.last_desk, conflict = excluded.conflict",
    )?
    .execute(rusqlite::params![
        tag,
        s.status.as_str(),
        s.holder,
        s.since,
        s.due_at,
        s.container,
        s.last_seq,
        s.last_occurred_at,
        s.last_desk,
        s.conflict
    ])?;
    Ok(())
}
