//! `custody settings show|set|rules-read|tighten-permissions|keep-backups|organisation|idle-lock|sync-warning|stages|nation|closed|mail|notices|notice-stage|weekly-report`.

use std::io::Write;

use anyhow::Result;
use clap::Subcommand;
use custody_db::Ledger;
use custody_db::calendar::Nation;
use custody_db::policy::{Mode, Rule};
use custody_db::time::parse_date;

use crate::render::{Format, Table};

#[derive(Debug, Subcommand)]
pub enum SettingsCommand {
    /// Each rule, what it says, and whether it blocks or warns
    Show,
    /// Make a configurable rule (R1–R7, R13) block or warn
    Set {
        rule: String,
        /// block | warn
        mode: String,
    },
    /// R14: whether each sign-out asks if the holder has read the rules for carrying data home
    RulesRead {
        /// ask | off (default off)
        answer: String,
    },
    /// Make the database, its backups and reports readable and writable by you alone (0600;
    /// folders 0700), as Custody now makes them
    TightenPermissions,
    /// How many daily backups to keep (default 30)
    KeepBackups { count: u32 },
    /// The organisation's name, printed on labels, receipts and reports
    Organisation { name: String },
    /// After how many idle minutes the desk locks (1 to 60, default 5)
    IdleLock { minutes: u32 },
    /// After how many days without a sync a desk of a trust says so on every screen (1 to 30, default 3)
    SyncWarning { days: u32 },
    /// When overdue items reach the first, second and third notice, in days late (default 1 7 14)
    Stages { first: i64, second: i64, third: i64 },
    /// Whose bank holidays apply: england-wales (default), scotland or northern-ireland
    Nation { nation: String },
    /// Days the organisation is closed (INSET days, school holidays): not working days
    Closed {
        /// 31/12/2026 or 2026-12-31
        #[arg(required = true, value_name = "DATE")]
        dates: Vec<String>,
        /// Take these days off the list again
        #[arg(long)]
        remove: bool,
    },
    /// The mail server notices go through (an administrator's); alone, shows it
    Mail(MailArgs),
    /// Whether notices go to holders: on | off (default off, until the mail server is set up)
    Notices { answer: String },
    /// Turn one stage's notices on or off: reminder | first | second | third, then on | off
    NoticeStage { stage: String, answer: String },
    /// Email the weekly overdue report (PDF and CSV) to these addresses on this day, from this desk
    WeeklyReport {
        /// An address to send it to (repeat for more; none stops it)
        #[arg(long = "to", value_name = "ADDRESS")]
        to: Vec<String>,
        /// monday … sunday
        #[arg(long, default_value = "monday")]
        day: String,
    },
}

#[derive(Debug, clap::Args)]
pub struct MailArgs {
    /// smtp://HOST:PORT (e.g. smtp://smtp.office365.com:587)
    #[arg(long, value_name = "URL", requires_all = ["security", "from"])]
    server: Option<String>,
    /// starttls (port 587) | tls (port 465) | none (a relay on the office's network only)
    #[arg(long)]
    security: Option<String>,
    /// The address notices come from
    #[arg(long, value_name = "ADDRESS")]
    from: Option<String>,
    /// The login name, when the server asks for one
    #[arg(long, value_name = "NAME", requires = "secret_file")]
    user: Option<String>,
    /// A file holding the login's secret (an app password): kept beside the database, never in the ledger
    #[arg(long, value_name = "FILE")]
    secret_file: Option<std::path::PathBuf>,
    /// The certificate (PEM) of the authority a trust's own mail relay uses
    #[arg(long, value_name = "FILE")]
    root_certificate: Option<std::path::PathBuf>,
}

pub fn run(cmd: SettingsCommand, ledger: &mut Ledger, out: &mut dyn Write) -> Result<()> {
    match cmd {
        SettingsCommand::Show => {
            let mut table = Table::new(ledger.timezone(), &["rule", "when it applies", "rule says"]);
            for (rule, mode) in ledger.rules()? {
                table.push(vec![rule.id().into(), mode.as_str().into(), rule.text().into()]);
            }
            let r8 = Rule::R8;
            table.push(vec![
                r8.id().into(),
                "block".into(),
                format!("{} (fixed)", r8.text()).into(),
            ]);
            let asked = if ledger.policy_settings()?.ask_rules_read {
                "ask"
            } else {
                "off"
            };
            table.push(vec![Rule::R14.id().into(), asked.into(), Rule::R14.text().into()]);
            table.print(Format::Table, out)?;
            writeln!(out, "\n{}", stages_line(ledger.overdue_stages()?))?;
            let organisation = ledger.organisation()?;
            writeln!(
                out,
                "Organisation: {}.",
                organisation
                    .as_deref()
                    .unwrap_or("not named (custody settings organisation NAME)")
            )?;
            writeln!(out, "Daily backups kept: {}.", ledger.backups_kept()?)?;
            writeln!(
                out,
                "The desk locks after {} idle minutes.",
                ledger.idle_lock_minutes()?
            )?;
            let working = ledger.working_days()?;
            writeln!(out, "Bank holidays: {}.", working.nation)?;
            writeln!(
                out,
                "{}",
                closures_line(&working.closures.into_iter().collect::<Vec<_>>())
            )?;
        }
        SettingsCommand::Set { rule, mode } => {
            let rule = Rule::configurable_named(&rule)?;
            let mode: Mode = mode.parse()?;
            ledger.set_rule_mode(rule, mode)?;
            writeln!(out, "{rule} now {}s.", mode.as_str())?;
        }
        SettingsCommand::RulesRead { answer } => {
            let ask = match answer.trim().to_ascii_lowercase().as_str() {
                "ask" | "on" | "yes" => true,
                "off" | "no" => false,
                other => {
                    return Err(super::UsageError(format!("{other:?} is neither ask nor off")).into());
                }
            };
            ledger.set_ask_rules_read(ask)?;
            writeln!(
                out,
                "{}",
                if ask {
                    "Each sign-out now asks whether the holder has read the rules for carrying data home (R14); the yes is recorded with it."
                } else {
                    "Sign-outs no longer ask whether the holder has read the rules (R14)."
                }
            )?;
        }
        SettingsCommand::TightenPermissions => {
            let changed = ledger.tighten_permissions()?;
            if changed.is_empty() {
                writeln!(out, "Every file of this database is already yours alone.")?;
            }
            for path in changed {
                writeln!(out, "Now yours alone: {}", path.display())?;
            }
        }
        SettingsCommand::KeepBackups { count } => {
            ledger.set_backups_kept(count)?;
            writeln!(
                out,
                "The last {count} daily backups will be kept in {}.",
                ledger.backup_folder().display()
            )?;
        }
        SettingsCommand::Organisation { name } => {
            let name = ledger.set_organisation(&name)?;
            writeln!(out, "Labels, receipts and reports now say \u{201c}{name}\u{201d}.")?;
        }
        SettingsCommand::IdleLock { minutes } => {
            ledger.set_idle_lock_minutes(minutes)?;
            writeln!(out, "The desk now locks after {minutes} idle minutes.")?;
        }
        SettingsCommand::SyncWarning { days } => {
            ledger.set_sync_warning_days(days)?;
            writeln!(
                out,
                "A desk that has not synced for {days} days now says so on every screen."
            )?;
        }
        SettingsCommand::Stages { first, second, third } => {
            ledger.set_overdue_stages([first, second, third])?;
            writeln!(out, "{}", stages_line([first, second, third]))?;
        }
        SettingsCommand::Nation { nation } => {
            let nation: Nation = nation.parse()?;
            ledger.set_nation(nation)?;
            writeln!(out, "Bank holidays: {nation}.")?;
        }
        SettingsCommand::Closed { dates, remove } => {
            let days = dates.iter().map(|d| parse_date(d)).collect::<Result<Vec<_>, _>>()?;
            let now = ledger.set_closures(&days, remove)?;
            writeln!(out, "{}", closures_line(&now))?;
        }
        SettingsCommand::Mail(args) => mail(args, ledger, out)?,
        SettingsCommand::Notices { answer } => {
            let on = on_or_off(&answer)?;
            ledger.set_notices(on)?;
            writeln!(
                out,
                "{}",
                if on {
                    "Notices now go to holders: a reminder before an item is due and one at each overdue stage (custody notices preview shows what is due)."
                } else {
                    "Notices to holders are off: none is queued, and those queued earlier are cancelled when their turn comes (the weekly report, if set, still goes)."
                }
            )?;
        }
        SettingsCommand::NoticeStage { stage, answer } => {
            let stage = custody_db::notices::NoticeStage::parse(&stage)?;
            let on = on_or_off(&answer)?;
            ledger.set_notice_stage(stage, on)?;
            writeln!(
                out,
                "The {} is now {}.",
                stage.describe(),
                if on { "sent" } else { "not sent" }
            )?;
        }
        SettingsCommand::WeeklyReport { to, day } => match ledger.set_weekly_report(&to, &day)? {
            Some(weekly) => writeln!(
                out,
                "The overdue report now goes to {} every {}, from this desk.",
                weekly.to.join(", "),
                weekly.day
            )?,
            None => writeln!(out, "The overdue report is no longer emailed.")?,
        },
    }
    Ok(())
}

fn on_or_off(answer: &str) -> Result<bool> {
    match answer.trim().to_ascii_lowercase().as_str() {
        "on" | "yes" => Ok(true),
        "off" | "no" => Ok(false),
        other => Err(super::UsageError(format!("{other:?} is neither on nor off")).into()),
    }
}

/// Sets the mail server (and keeps the login's secret beside the database), or shows it.
fn mail(args: MailArgs, ledger: &mut Ledger, out: &mut dyn Write) -> Result<()> {
    use crate::mail::login::{MailLogin, path_for};
    let Some(server) = args.server else {
        match ledger.mail_settings()? {
            Some(s) => writeln!(
                out,
                "Mail goes through {} ({}) from {}{}.",
                s.server(),
                s.security.as_str(),
                s.from,
                s.user.map(|u| format!(", signing in as {u}")).unwrap_or_default()
            )?,
            None => writeln!(
                out,
                "No mail server is set up: custody settings mail --server smtp://HOST:PORT --security starttls --from ADDRESS [--user NAME --secret-file FILE]"
            )?,
        }
        return Ok(());
    };
    let read = |path: &std::path::Path, what: &str| -> Result<String> {
        std::fs::read_to_string(path).map_err(|e| {
            anyhow::anyhow!(
                "could not read the {what} {}: {e}. Nothing was changed.",
                path.display()
            )
        })
    };
    let settings = custody_db::mail::MailSettings::parse(
        &server,
        args.security.as_deref().unwrap_or_default(),
        args.from.as_deref().unwrap_or_default(),
        args.user.as_deref(),
    )?;
    let mut login = MailLogin::read(ledger.path())?;
    if let Some(file) = &args.secret_file {
        let secret = read(file, "secret file")?.trim().to_string();
        if secret.is_empty() {
            anyhow::bail!("the secret file {} is empty. Nothing was changed.", file.display());
        }
        login.secret = Some(secret);
    }
    if let Some(file) = &args.root_certificate {
        login.root_certificate = Some(read(file, "certificate")?);
    }
    // Only an administrator's: refused before anything is written. Then the login, then the
    // settings on the record, which so never name a login whose secret was not kept.
    ledger.allow(custody_db::Action::AllSettings)?;
    if settings.user.is_none() {
        login.secret = None;
    }
    login.write(ledger.path())?;
    ledger.set_mail_settings(&settings)?;
    writeln!(
        out,
        "Mail now goes through {} ({}) from {}. The login is kept in {}, never in the ledger. Try it: custody notices test ADDRESS",
        settings.server(),
        settings.security.as_str(),
        settings.from,
        path_for(ledger.path()).display()
    )?;
    Ok(())
}

fn closures_line(days: &[chrono::NaiveDate]) -> String {
    if days.is_empty() {
        return "Closure days: none.".to_string();
    }
    let days: Vec<String> = days.iter().map(|d| d.format("%d/%m/%Y").to_string()).collect();
    format!("Closure days: {}.", days.join(", "))
}

fn stages_line([first, second, third]: [i64; 3]) -> String {
    format!("Overdue notices: first from {first} day(s) late, second from {second}, third from {third}.")
}
