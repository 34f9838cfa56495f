//! One round of the outbox: the notices due now are queued (on the record), then each of this
//! desk's queued notices whose wait is over is sent, and what happened is recorded — sent, or
//! why not (it stays queued and is tried again later). The desk runs a round on its own thread
//! every few minutes; `custody notices send` runs one for a scheduled job.

use chrono::{DateTime, Utc};
use custody_db::Ledger;
use custody_db::letters::Letter;
use custody_db::notices::{Claim, Notice, NoticeStage, NoticeStatus};

use super::login::MailLogin;
use super::transport::{Attached, Failure, Mailer};
use crate::render::ReportFormat;

/// After this many refusals of one address, a notice is cancelled: the office tells the holder.
const GIVE_UP_AFTER: u32 = 5;

/// What a round did.
#[derive(Debug, Default)]
pub struct Round {
    /// Newly queued this round.
    pub queued: Vec<Notice>,
    pub sent: Vec<Notice>,
    /// Not sent, and why: they stay queued.
    pub failed: Vec<(Notice, String)>,
    /// Not sent after all, and why (checked again when their turn came): on the record.
    pub cancelled: Vec<(Notice, String)>,
    /// Why the mail server could not take any this round, if so: the rest were not tried.
    pub unreachable: Option<String>,
    /// How many waiting notices were not tried because of that (they stay queued).
    pub untried: usize,
    /// The mail settings are missing or cannot be used: nothing was tried.
    pub not_set_up: Option<String>,
}

impl Round {
    /// Whether the round recorded anything (queued, sent, failed or cancelled notices).
    pub fn wrote(&self) -> bool {
        !(self.queued.is_empty() && self.sent.is_empty() && self.cancelled.is_empty())
            || (self.not_set_up.is_none() && !self.failed.is_empty())
    }
}

impl Round {
    /// The notices queued this round for holders with no address: the office tells them.
    pub fn in_person(&self) -> impl Iterator<Item = &Notice> {
        self.queued.iter().filter(|n| n.status == NoticeStatus::TellInPerson)
    }
}

/// Queues what is due at `now` and sends what is waiting. An error is the ledger's (nothing
/// about the mail server: those are in `failed`, and on the record).
pub fn run_round(ledger: &mut Ledger, login: &MailLogin, now: DateTime<Utc>) -> custody_db::Result<Round> {
    let mut round = Round {
        queued: ledger.queue_notices(now)?,
        ..Round::default()
    };
    let waiting = ledger.notices_to_send(now)?;
    if waiting.is_empty() {
        return Ok(round);
    }
    let organisation = ledger.organisation()?.unwrap_or_else(|| "Custody".to_string());
    let mailer = match ledger.mail_settings()? {
        None => Err(
            "no mail server is set up (an administrator sets it in Settings, or with custody settings mail)"
                .to_string(),
        ),
        Some(settings) => Mailer::new(&settings, login, &organisation),
    };
    let tz = ledger.timezone();
    let mailer = match mailer {
        Ok(mailer) => mailer,
        Err(why) => {
            // Not a try at sending: nothing recorded; they wait for the settings.
            round.not_set_up = Some(why.clone());
            round.failed = waiting.into_iter().map(|n| (n, why.clone())).collect();
            return Ok(round);
        }
    };
    let mut waiting = waiting.into_iter();
    while let Some(queued) = waiting.next() {
        // Claimed on the record first: another sender (a scheduled job beside the desk) skips it,
        // a send cut short is never repeated, and it goes as things stand now.
        let notice = match ledger.claim_notice(&queued.id)? {
            Claim::Send(notice) => notice,
            Claim::NotDue => continue,
            Claim::Cancelled(why) => {
                round.cancelled.push((queued, why));
                continue;
            }
        };
        let Some(email) = notice.email.clone() else {
            continue;
        };
        // A holder's one address, or the weekly report's list.
        let to: Vec<String> = email.split(", ").map(str::to_string).collect();
        let sent = if notice.stage == NoticeStage::WeeklyReport {
            weekly_report(ledger, &organisation, now).and_then(|(letter, files)| mailer.send(&to, &letter, &files))
        } else {
            let letter = custody_db::letters::notice_letter(&notice, &organisation, tz);
            mailer.send(&to, &letter, &[])
        };
        match sent {
            Ok(()) => {
                ledger.notice_sent(&notice.id, &email)?;
                round.sent.push(notice);
            }
            Err(failure) => {
                ledger.notice_failed(&notice.id, &failure.why)?;
                let tries = match &queued.status {
                    NoticeStatus::Queued { tries, .. } => tries + 1,
                    _ => 1,
                };
                if failure.this_email && failure.permanent && tries >= GIVE_UP_AFTER {
                    let why = format!(
                        "the mail server refused it {tries} times ({}): tell them in person",
                        failure.why
                    );
                    ledger.notice_cancelled(&notice.id, &why)?;
                    round.cancelled.push((notice, why));
                    continue;
                }
                let stop = !failure.this_email;
                round.failed.push((notice, failure.why.clone()));
                if stop {
                    // The server cannot take any now: the rest wait, untried (each would wait
                    // for its timeout, and fill the record with the same failure).
                    round.unreachable = Some(failure.why);
                    round.untried = waiting.filter(|n| n.email.is_some()).count();
                    break;
                }
            }
        }
    }
    Ok(round)
}

/// The weekly overdue report as of `now`: its covering letter, and the report as PDF and CSV.
fn weekly_report(ledger: &Ledger, organisation: &str, now: DateTime<Utc>) -> Result<(Letter, Vec<Attached>), Failure> {
    let failed = |why: String| Failure {
        why,
        this_email: true,
        permanent: false,
    };
    let report = ledger.overdue_for_mailing(now).map_err(|e| failed(e.to_string()))?;
    let items = report.overdue.iter().map(|h| h.items.len()).sum();
    let letter =
        custody_db::letters::weekly_report_letter(organisation, now, report.overdue.len(), items, ledger.timezone());
    let day = now.with_timezone(&ledger.timezone()).format("%Y-%m-%d");
    let mut files = Vec::new();
    for (format, mime, extension) in [
        (ReportFormat::Pdf, "application/pdf", "pdf"),
        (ReportFormat::Csv, "text/csv", "csv"),
    ] {
        let bytes = crate::render::overdue::render(ledger, &report, format)
            .map_err(|e| failed(format!("the overdue report could not be made ({e})")))?;
        files.push(Attached {
            name: format!("overdue-{day}.{extension}"),
            mime: mime.to_string(),
            bytes,
        });
    }
    Ok((letter, files))
}
