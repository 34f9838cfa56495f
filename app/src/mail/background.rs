//! The desk's notices thread: a round of the outbox (queue what is due, send what waits) every
//! few minutes while someone is signed in, on its own thread with its own connection, so that a
//! slow or dead mail server never holds up a frame or a sign-out. It reports each round over a
//! channel; the Overdue screen shows it.

use std::sync::mpsc::{Receiver, RecvTimeoutError, Sender, channel};
use std::time::Duration;

use chrono::{DateTime, Utc};
use custody_db::Session;

use super::login::MailLogin;
use super::outbox;
use crate::context::Context;

/// How often a round runs when nothing prompts one.
pub const EVERY: Duration = Duration::from_secs(5 * 60);

/// What the last round did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NoticeRound {
    pub at: DateTime<Utc>,
    pub sent: usize,
    /// Why each notice that was tried and not sent was not (they stay queued).
    pub failed: Vec<String>,
    /// Holders queued this round with no address: the office tells them.
    pub in_person: usize,
    /// The round itself could not run (the ledger refused): why.
    pub error: Option<String>,
    /// The mail server could not take any: the next rounds wait longer.
    pub unreachable: bool,
    /// The round recorded something: the screens read the ledger again.
    pub wrote: bool,
}

enum Nudge {
    SignedIn(Option<Session>),
    Now,
}

/// The running thread; dropped, it stops after its current round.
#[derive(Debug)]
pub struct NoticeThread {
    nudges: Sender<Nudge>,
    pub rounds: Receiver<NoticeRound>,
}

impl NoticeThread {
    /// Starts the thread for `source`'s database; it waits for someone to sign in.
    pub fn start(source: &Context, repaint: impl Fn() + Send + 'static) -> Option<NoticeThread> {
        let (nudges, inbox) = channel();
        let (report, rounds) = channel();
        let mut source = source.clone();
        std::thread::Builder::new()
            .name("custody notices".into())
            .spawn(move || {
                // While the mail server cannot be reached, the automatic rounds wait longer each
                // time (as a notice does after a failure); a nudge still runs one.
                let (mut unreachable_rounds, mut quiet_until) = (0u32, None::<std::time::Instant>);
                loop {
                    match inbox.recv_timeout(EVERY) {
                        Ok(Nudge::SignedIn(session)) => source.session = session,
                        Ok(Nudge::Now) => quiet_until = None,
                        Err(RecvTimeoutError::Timeout) => {}
                        Err(RecvTimeoutError::Disconnected) => return,
                    }
                    if quiet_until.is_some_and(|until| std::time::Instant::now() < until) {
                        continue;
                    }
                    while let Ok(nudge) = inbox.try_recv() {
                        if let Nudge::SignedIn(session) = nudge {
                            source.session = session;
                        }
                    }
                    // Nobody signed in, or an auditor, who sends nothing: no round.
                    if !source
                        .session
                        .as_ref()
                        .is_some_and(|s| s.may(custody_db::Action::SendNotices))
                    {
                        continue;
                    }
                    let done = round(&source);
                    if done.unreachable {
                        unreachable_rounds += 1;
                        let wait = custody_db::notices::retry_after(unreachable_rounds)
                            .to_std()
                            .unwrap_or(EVERY);
                        quiet_until = Some(std::time::Instant::now() + wait);
                    } else {
                        (unreachable_rounds, quiet_until) = (0, None);
                    }
                    if report.send(done).is_err() {
                        return;
                    }
                    repaint();
                }
            })
            .ok()?;
        Some(NoticeThread { nudges, rounds })
    }

    /// Someone signed in (or nobody: the desk locked); a round follows.
    pub fn signed_in(&self, session: Option<Session>) {
        let _ = self.nudges.send(Nudge::SignedIn(session));
    }

    /// Run a round now (the Overdue screen's "Send now").
    pub fn nudge(&self) {
        let _ = self.nudges.send(Nudge::Now);
    }
}

fn round(source: &Context) -> NoticeRound {
    let at = source.clock.now();
    let mut result = NoticeRound {
        at,
        sent: 0,
        failed: Vec::new(),
        in_person: 0,
        error: None,
        unreachable: false,
        wrote: false,
    };
    let done = source.open_reader().map_err(|e| e.to_string()).and_then(|mut ledger| {
        let login = MailLogin::read(&source.path).map_err(|e| e.to_string())?;
        outbox::run_round(&mut ledger, &login, at).map_err(|e| e.to_string())
    });
    match done {
        Ok(round) => {
            result.sent = round.sent.len();
            result.in_person = round.in_person().count();
            result.unreachable = round.unreachable.is_some();
            result.wrote = round.wrote();
            if let Some(why) = round.not_set_up {
                result.error = Some(why);
            }
            result.failed = round.failed.into_iter().map(|(_, why)| why).collect();
        }
        Err(e) => result.error = Some(e),
    }
    result
}
