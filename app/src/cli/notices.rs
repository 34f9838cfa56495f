//! `custody notices preview|send|list|test`: the notices to holders, for a clerk to look at and
//! for a scheduled job to send (see README, "Telling people").

use std::io::Write;

use anyhow::Result;
use clap::Subcommand;
use custody_db::notices::{Notice, NoticeStage, NoticeStatus};
use custody_db::{DayEdge, Ledger};

use crate::mail::login::MailLogin;
use crate::mail::outbox;
use crate::mail::transport::Mailer;
use crate::render::{Format, Table};

#[derive(Debug, Subcommand)]
pub enum NoticesCommand {
    /// What would be queued now: each holder, the stage and their items. Nothing is recorded or sent
    Preview {
        /// Also print each email's subject and text
        #[arg(long)]
        letters: bool,
    },
    /// Queue the notices due now and send every one waiting; exit 1 if any could not be sent
    /// (they stay queued, with the reason, and are tried again later)
    Send,
    /// The notices queued in a period, with where each stands
    List {
        /// From this moment [default: 30 days ago]
        #[arg(long, value_name = "WHEN")]
        from: Option<String>,
        /// To this moment [default: now]
        #[arg(long, value_name = "WHEN")]
        to: Option<String>,
        #[arg(long, value_enum, default_value_t)]
        format: Format,
    },
    /// Send a test email to ADDRESS with the mail settings
    Test { address: String },
}

/// Runs one command; `Ok(false)` when some notices could not be sent.
pub fn run(cmd: NoticesCommand, ledger: &mut Ledger, out: &mut dyn Write) -> Result<bool> {
    match cmd {
        NoticesCommand::Preview { letters } => preview(ledger, letters, out)?,
        NoticesCommand::Send => return send(ledger, out),
        NoticesCommand::List { from, to, format } => {
            let to = super::when(ledger, to.as_deref(), DayEdge::End)?.unwrap_or_else(|| ledger.now());
            let from = super::when(ledger, from.as_deref(), DayEdge::Start)?.unwrap_or(to - chrono::Duration::days(30));
            let notices = ledger.notices(from, to)?;
            table(ledger, &notices).print(format, out)?;
        }
        NoticesCommand::Test { address } => {
            let settings = ledger.mail_settings_to_test()?.ok_or_else(|| {
                anyhow::anyhow!("no mail server is set up: custody settings mail --server smtp://HOST:PORT --security starttls --from ADDRESS")
            })?;
            let organisation = ledger.organisation()?.unwrap_or_else(|| "Custody".to_string());
            let login = MailLogin::read(ledger.path())?;
            Mailer::new(&settings, &login, &organisation)
                .and_then(|m| {
                    m.send(
                        std::slice::from_ref(&address),
                        &custody_db::letters::test_letter(&organisation),
                        &[],
                    )
                    .map_err(|f| f.why)
                })
                .map_err(|why| anyhow::anyhow!("the test email to {address} was not sent: {why}"))?;
            writeln!(out, "Sent a test email to {address} through {}.", settings.server())?;
        }
    }
    Ok(true)
}

fn preview(ledger: &Ledger, letters: bool, out: &mut dyn Write) -> Result<()> {
    let now = ledger.now();
    let settings = ledger.notice_settings()?;
    if !settings.enabled {
        writeln!(
            out,
            "Notices are off, so none is due (a manager turns them on: custody settings notices on)."
        )?;
        return Ok(());
    }
    let due = ledger.notices_due(now)?;
    if due.is_empty() {
        writeln!(out, "No notice is due now.")?;
    } else {
        table(ledger, &due).print(Format::Table, out)?;
    }
    let waiting = ledger.notices_to_send(now)?.len();
    if waiting > 0 {
        writeln!(out, "\n{waiting} queued earlier and waiting to be sent.")?;
    }
    if letters {
        let organisation = ledger.organisation()?.unwrap_or_else(|| "Custody".to_string());
        for notice in due.iter().filter(|n| n.email.is_some()) {
            let letter = custody_db::letters::notice_letter(notice, &organisation, ledger.timezone());
            let to = notice.email.as_deref().unwrap_or_default();
            writeln!(out, "\nTo: {to}\nSubject: {}\n\n{}", letter.subject, letter.plain)?;
        }
    }
    Ok(())
}

fn send(ledger: &mut Ledger, out: &mut dyn Write) -> Result<bool> {
    let login = MailLogin::read(ledger.path())?;
    let now = ledger.now();
    let round = outbox::run_round(ledger, &login, now)?;
    let items = |n: &Notice| n.items.iter().map(|i| i.tag.as_str()).collect::<Vec<_>>().join(", ");
    for notice in &round.sent {
        let to = notice.email.as_deref().unwrap_or_default();
        if notice.stage == NoticeStage::WeeklyReport {
            writeln!(out, "Sent the weekly overdue report to {to}.")?;
        } else {
            writeln!(
                out,
                "Sent the {} to {} ({to}): {}.",
                notice.stage.describe(),
                notice.name,
                items(notice)
            )?;
        }
    }
    for notice in round.in_person() {
        writeln!(
            out,
            "Tell {} in person ({}; no email address): {}.",
            notice.name,
            notice.stage.describe(),
            items(notice)
        )?;
    }
    for (notice, why) in &round.failed {
        writeln!(
            out,
            "Not sent: the {} to {} ({}): {why}. It stays queued and is tried again later.",
            notice.stage.describe(),
            notice.name,
            notice.email.as_deref().unwrap_or_default()
        )?;
    }
    for (notice, why) in &round.cancelled {
        writeln!(
            out,
            "Not sent, cancelled: the {} to {}: {why}.",
            notice.stage.describe(),
            notice.name
        )?;
    }
    if let Some(why) = round.unreachable.as_ref().filter(|_| round.untried > 0) {
        writeln!(
            out,
            "Not tried: {} more waiting, as {why}. They stay queued and are tried again later.",
            round.untried
        )?;
    }
    if round.sent.is_empty() && round.failed.is_empty() && round.queued.is_empty() && round.cancelled.is_empty() {
        writeln!(out, "Nothing to send.")?;
    }
    Ok(round.failed.is_empty() && round.untried == 0)
}

fn table(ledger: &Ledger, notices: &[Notice]) -> Table {
    let tz = ledger.timezone();
    let mut table = Table::new(tz, &["queued", "holder", "name", "email", "stage", "items", "status"]);
    for n in notices {
        let items: Vec<String> = n
            .items
            .iter()
            .map(|i| format!("{} (due {})", i.tag, ledger.format_due(i.due_at)))
            .collect();
        let queued = match n.status {
            NoticeStatus::Due => None,
            _ => Some(n.queued_at),
        };
        table.push(vec![
            crate::render::Cell::Time(queued),
            n.holder.clone().into(),
            n.name.clone().into(),
            n.email.clone().into(),
            n.stage.describe().into(),
            items.join(", ").into(),
            n.status.describe(tz).into(),
        ]);
    }
    table
}
