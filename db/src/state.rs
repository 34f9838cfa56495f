//! An item's state and the one function that moves it along: `apply(state, event)`.
//!
//! Both the stored projection (`item_state`, updated in the same transaction as each event) and
//! a full replay of the ledger use this function, which is why they can be compared.

use serde::Serialize;

use crate::model::EventKind;

/// Where an item is.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Status {
    /// On the premises.
    #[default]
    In,
    Out,
    Lost,
    Stolen,
    Retired,
}

impl Status {
    pub const ALL: [Status; 5] = [Status::In, Status::Out, Status::Lost, Status::Stolen, Status::Retired];

    pub fn as_str(self) -> &'static str {
        match self {
            Status::In => "in",
            Status::Out => "out",
            Status::Lost => "lost",
            Status::Stolen => "stolen",
            Status::Retired => "retired",
        }
    }

    pub fn parse(s: &str) -> Option<Status> {
        Status::ALL.into_iter().find(|k| k.as_str() == s)
    }
}

/// An item's current state, derived from its events.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct ItemState {
    pub status: Status,
    /// Who holds it; only while it is out.
    pub holder: Option<String>,
    /// When the current status began (for an item that is out: when this holder got it).
    pub since: Option<i64>,
    /// When it is due back; only while it is out.
    pub due_at: Option<i64>,
    /// The bag, case or car it travels in; only while it is out.
    pub container: Option<String>,
    /// The sequence number of the last event that counted (corrected events do not).
    pub last_seq: Option<i64>,
    /// When that event happened.
    pub last_occurred_at: Option<i64>,
    /// The desk that recorded that event.
    pub last_desk: Option<String>,
    /// Desks disagree: a replay of every desk's records met a move this state did not allow
    /// (two desks, apart, moved the item in ways that cannot both be true). It stays until a
    /// correction voids the move that should not stand.
    pub conflict: bool,
}

/// The parts of an event that change an item's state.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Move<'a> {
    pub desk: &'a str,
    pub seq: i64,
    pub kind: EventKind,
    pub person: Option<&'a str>,
    pub due_at: Option<i64>,
    pub container: Option<&'a str>,
    pub occurred_at: i64,
}

/// Why a move is impossible from the current state (the ledger turns this into a message).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Refusal {
    AlreadyOut,
    Lost,
    Stolen,
    Retired,
    NotOut,
    SameHolder,
    AlreadyMissing,
    NotMissing,
    RetireWhileOut,
    /// Corrections are not moves; they remove an earlier move from the replay.
    NotAMove,
}

impl Refusal {
    /// Why, in words: for `verify`'s report of a move the ledger should never have accepted.
    pub fn describe(self) -> &'static str {
        match self {
            Refusal::AlreadyOut => "the item was already out",
            Refusal::Lost => "the item was recorded as lost",
            Refusal::Stolen => "the item was recorded as stolen",
            Refusal::Retired => "the item had been retired",
            Refusal::NotOut => "the item was not out",
            Refusal::SameHolder => "the item was already with that person",
            Refusal::AlreadyMissing => "the item was already recorded as lost or stolen",
            Refusal::NotMissing => "the item was not lost or stolen",
            Refusal::RetireWhileOut => "the item was still out",
            Refusal::NotAMove => "a correction does not move an item",
        }
    }
}

/// The state after `mv`, or why `mv` cannot happen.
pub fn apply(state: &ItemState, mv: &Move<'_>) -> Result<ItemState, Refusal> {
    use Status::*;
    let refuse_unavailable = |status: Status| match status {
        Out => Refusal::AlreadyOut,
        Lost => Refusal::Lost,
        Stolen => Refusal::Stolen,
        Retired => Refusal::Retired,
        In => Refusal::NotOut,
    };
    let moved = |status, holder, due_at, container| moved_to(mv, (status, holder, due_at, container), state.conflict);
    match (mv.kind, state.status) {
        (EventKind::SignOut, In) => Ok(moved(Out, mv.person, mv.due_at, mv.container)),
        (EventKind::SignOut, other) => Err(refuse_unavailable(other)),
        (EventKind::SignIn, Out) => Ok(moved(In, None, None, None)),
        (EventKind::SignIn, _) => Err(Refusal::NotOut),
        (EventKind::Transfer, Out) if state.holder.as_deref() == mv.person => Err(Refusal::SameHolder),
        // A transfer keeps the due date and container unless the event sets new ones.
        (EventKind::Transfer, Out) => Ok(moved(
            Out,
            mv.person,
            mv.due_at.or(state.due_at),
            mv.container.or(state.container.as_deref()),
        )),
        (EventKind::Transfer, _) => Err(Refusal::NotOut),
        (EventKind::Lost, In | Out) => Ok(moved(Lost, None, None, None)),
        (EventKind::Stolen, In | Out) => Ok(moved(Stolen, None, None, None)),
        (EventKind::Lost | EventKind::Stolen, Lost | Stolen) => Err(Refusal::AlreadyMissing),
        (EventKind::Lost | EventKind::Stolen, _) => Err(Refusal::Retired),
        (EventKind::Found, Lost | Stolen) => Ok(moved(In, None, None, None)),
        (EventKind::Found, _) => Err(Refusal::NotMissing),
        (EventKind::Retired, In | Lost | Stolen) => Ok(moved(Retired, None, None, None)),
        (EventKind::Retired, Out) => Err(Refusal::RetireWhileOut),
        (EventKind::Retired, Retired) => Err(Refusal::Retired),
        (EventKind::Correction, _) => Err(Refusal::NotAMove),
    }
}

/// Where `mv` leaves an item: its status, holder, due date and container, from the move's time.
fn moved_to(
    mv: &Move<'_>,
    (status, holder, due_at, container): (Status, Option<&str>, Option<i64>, Option<&str>),
    conflict: bool,
) -> ItemState {
    ItemState {
        status,
        holder: holder.map(str::to_string),
        since: Some(mv.occurred_at),
        due_at,
        container: container.map(str::to_string),
        last_seq: Some(mv.seq),
        last_occurred_at: Some(mv.occurred_at),
        last_desk: Some(mv.desk.to_string()),
        conflict,
    }
}

/// The state after `mv` in a replay of several desks' records, where a move the state does not
/// allow can happen: two desks that were apart each moved the item. The move still takes effect
/// (the later record wins, so every desk replays to the same state), and if it changes where the
/// item is or who holds it the state is marked as a conflict. A move that changes neither (both
/// desks signed it back in, or out to the same person) is only a duplicate.
pub fn apply_anyway(state: &ItemState, mv: &Move<'_>) -> ItemState {
    use Status::*;
    match apply(state, mv) {
        Ok(next) => return next,
        Err(Refusal::NotAMove) => return state.clone(),
        Err(_) => {}
    }
    let forced = |status, holder, due_at, container| moved_to(mv, (status, holder, due_at, container), true);
    let next = match mv.kind {
        EventKind::SignOut => forced(Out, mv.person, mv.due_at, mv.container),
        EventKind::Transfer => forced(
            Out,
            mv.person,
            mv.due_at.or(state.due_at),
            mv.container.or(state.container.as_deref()),
        ),
        EventKind::SignIn | EventKind::Found => forced(In, None, None, None),
        EventKind::Lost => forced(Lost, None, None, None),
        EventKind::Stolen => forced(Stolen, None, None, None),
        EventKind::Retired => forced(Retired, None, None, None),
        EventKind::Correction => return state.clone(),
    };
    if next.status == state.status && next.holder == state.holder {
        return state.clone();
    }
    next
}

#[cfg(test)]
mod tests {
    use super::*;

    fn mv(kind: EventKind, person: Option<&str>) -> Move<'_> {
        Move {
            desk: "D",
            seq: 1,
            kind,
            person,
            due_at: Some(100),
            container: None,
            occurred_at: 10,
        }
    }

    #[test]
    fn out_then_in() {
        let out = apply(&ItemState::default(), &mv(EventKind::SignOut, Some("S1"))).unwrap();
        assert_eq!(out.status, Status::Out);
        assert_eq!(out.holder.as_deref(), Some("S1"));
        let back = apply(&out, &mv(EventKind::SignIn, None)).unwrap();
        assert_eq!(back.status, Status::In);
        assert_eq!(back.holder, None);
    }

    #[test]
    fn impossible_moves_are_refused() {
        let out = apply(&ItemState::default(), &mv(EventKind::SignOut, Some("S1"))).unwrap();
        assert_eq!(
            apply(&out, &mv(EventKind::SignOut, Some("S2"))),
            Err(Refusal::AlreadyOut)
        );
        assert_eq!(
            apply(&out, &mv(EventKind::Transfer, Some("S1"))),
            Err(Refusal::SameHolder)
        );
        assert_eq!(apply(&out, &mv(EventKind::Retired, None)), Err(Refusal::RetireWhileOut));
        let lost = apply(&out, &mv(EventKind::Lost, None)).unwrap();
        assert_eq!(apply(&lost, &mv(EventKind::SignOut, Some("S2"))), Err(Refusal::Lost));
        assert_eq!(apply(&lost, &mv(EventKind::Stolen, None)), Err(Refusal::AlreadyMissing));
        let retired = apply(&lost, &mv(EventKind::Retired, None)).unwrap();
        assert_eq!(
            apply(&retired, &mv(EventKind::SignOut, Some("S2"))),
            Err(Refusal::Retired)
        );
        assert_eq!(
            apply(&ItemState::default(), &mv(EventKind::SignIn, None)),
            Err(Refusal::NotOut)
        );
        assert_eq!(
            apply(&ItemState::default(), &mv(EventKind::Found, None)),
            Err(Refusal::NotMissing)
        );
    }

    #[test]
    fn transfer_keeps_due_date() {
        let out = apply(&ItemState::default(), &mv(EventKind::SignOut, Some("S1"))).unwrap();
        let mut t = mv(EventKind::Transfer, Some("S2"));
        t.due_at = None;
        let moved = apply(&out, &t).unwrap();
        assert_eq!(moved.holder.as_deref(), Some("S2"));
        assert_eq!(moved.due_at, Some(100));
    }
}
