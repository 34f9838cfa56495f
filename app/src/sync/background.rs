//! The desk's sync thread: a round every minute and soon after each action, on its own thread
//! with its own connections, so the desk never waits on the network. It reports what happened
//! over a channel; the desk shows it ("synced 10:42", "offline since 09:12: 14 entries
//! waiting", or a refusal). It syncs only while someone is signed in (the ledger checks the
//! role of whoever syncs, as for everything else).

use std::sync::mpsc::{Receiver, RecvTimeoutError, Sender, channel};
use std::time::Duration;

use chrono::{DateTime, Utc};
use custody_db::Session;

use super::connect;
use super::credentials::Credentials;
use crate::context::Context;

/// How often a round runs when nothing prompts one.
pub const EVERY: Duration = Duration::from_secs(60);

/// What the last round found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SyncState {
    /// Pushed and pulled; when.
    Synced {
        at: DateTime<Utc>,
        sent: u64,
        received: u64,
    },
    /// The server could not be reached: since when, and how many entries wait to be sent.
    Offline { since: DateTime<Utc>, waiting: i64 },
    /// The server or the ledger refused (a fork, an entry changed on the server): never "synced".
    Refused { why: String },
}

/// What the desk tells the thread: who is signed in now (nobody while locked), and "now".
enum Nudge {
    SignedIn(Option<Session>),
    Now,
}

/// The running thread; dropped, it stops after its current round.
#[derive(Debug)]
pub struct SyncThread {
    nudges: Sender<Nudge>,
    pub states: Receiver<SyncState>,
    /// When the desk last synced before this thread started (Unix ms), from beside the database.
    pub last_synced: Option<i64>,
}

impl SyncThread {
    /// Starts syncing `source`'s database, if it has joined a server (else `None`).
    pub fn start(source: &Context, repaint: impl Fn() + Send + 'static) -> Option<SyncThread> {
        let last_synced = Credentials::read(&source.path).ok().flatten()?.last_synced;
        let (nudges, inbox) = channel();
        let (report, states) = channel();
        let mut source = source.clone();
        std::thread::Builder::new()
            .name("custody sync".into())
            .spawn(move || {
                let mut client: Option<postgres::Client> = None;
                let mut offline_since = None;
                loop {
                    match inbox.recv_timeout(EVERY) {
                        Ok(Nudge::SignedIn(session)) => source.session = session,
                        Ok(Nudge::Now) | Err(RecvTimeoutError::Timeout) => {}
                        Err(RecvTimeoutError::Disconnected) => return,
                    }
                    // Several nudges in a row make one round.
                    while let Ok(nudge) = inbox.try_recv() {
                        if let Nudge::SignedIn(session) = nudge {
                            source.session = session;
                        }
                    }
                    if source.session.is_none() {
                        continue;
                    }
                    let state = round(&source, &mut client, &mut offline_since);
                    if report.send(state).is_err() {
                        return;
                    }
                    repaint();
                }
            })
            .ok()?;
        Some(SyncThread {
            nudges,
            states,
            last_synced,
        })
    }

    /// Someone signed in (or nobody: the desk locked); a round follows.
    pub fn signed_in(&self, session: Option<Session>) {
        let _ = self.nudges.send(Nudge::SignedIn(session));
    }

    /// Something was recorded: sync soon.
    pub fn nudge(&self) {
        let _ = self.nudges.send(Nudge::Now);
    }
}

/// One round on the thread's own connections. A lost connection is made again next time.
fn round(
    source: &Context,
    client: &mut Option<postgres::Client>,
    offline_since: &mut Option<DateTime<Utc>>,
) -> SyncState {
    let now = source.clock.now();
    let mut ledger = match source.open_reader() {
        Ok(ledger) => ledger,
        Err(e) => return SyncState::Refused { why: e.to_string() },
    };
    let mut credentials = match Credentials::read(&source.path) {
        Ok(Some(c)) => c,
        Ok(None) => {
            return SyncState::Refused {
                why: "this desk has left its server".to_string(),
            };
        }
        Err(e) => return SyncState::Refused { why: e.to_string() },
    };
    if client.as_ref().is_none_or(postgres::Client::is_closed) {
        *client = connect(&credentials.url).ok();
    }
    let offline = |ledger: &custody_db::Ledger, credentials: &Credentials, since: &mut Option<DateTime<Utc>>| {
        SyncState::Offline {
            since: *since.get_or_insert(now),
            waiting: ledger.head().map_or(0, |(head, _)| head - credentials.pushed_head),
        }
    };
    let Some(c) = client.as_mut() else {
        return offline(&ledger, &credentials, offline_since);
    };
    match super::round(&mut ledger, c, &mut credentials, &source.path) {
        Ok((pushed, pulled)) => {
            *offline_since = None;
            SyncState::Synced {
                at: now,
                sent: pushed.sent,
                received: pulled.received,
            }
        }
        // The connection failed (not a refusal, which comes in the server's or the ledger's own
        // words): offline, and a new connection next time.
        Err(e) if c.is_closed() || e.downcast_ref::<postgres::Error>().is_some() => {
            *client = None;
            offline(&ledger, &credentials, offline_since)
        }
        Err(e) => SyncState::Refused { why: format!("{e:#}") },
    }
}
