//! Where mail goes out: the mail server, how the connection is secured, the sender's address and
//! the login name — settings on the record (an administrator's). The login's secret is never
//! here: the program keeps it in a file beside the database, as it keeps the sync URL.
//! Also who receives the weekly overdue report, on which day, and which desk sends it.

use chrono::Weekday;
use serde::Serialize;

use super::Ledger;
use super::register::checked_email;
use crate::error::{Error, Result};
use crate::operator::Action;

const SERVER_KEY: &str = "mail.server";
const SECURITY_KEY: &str = "mail.security";
const FROM_KEY: &str = "mail.from";
const USER_KEY: &str = "mail.user";
const WEEKLY_TO_KEY: &str = "mail.weekly-report.to";
const WEEKLY_DAY_KEY: &str = "mail.weekly-report.day";
const WEEKLY_DESK_KEY: &str = "mail.weekly-report.desk";

/// How the connection to the mail server is secured.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Security {
    /// Plain at first, then TLS before anything is said (port 587: Microsoft 365, Google).
    StartTls,
    /// TLS from the first byte (port 465).
    Tls,
    /// None: only for a relay on the office's own network.
    None,
}

impl Security {
    pub fn as_str(self) -> &'static str {
        match self {
            Security::StartTls => "starttls",
            Security::Tls => "tls",
            Security::None => "none",
        }
    }

    pub fn parse(s: &str) -> Result<Security> {
        match s.trim().to_ascii_lowercase().as_str() {
            "starttls" => Ok(Security::StartTls),
            "tls" | "ssl" => Ok(Security::Tls),
            "none" => Ok(Security::None),
            _ => Err(Error::InvalidText {
                field: "mail security",
                why: format!("{s:?} is not one of starttls, tls, none"),
            }),
        }
    }
}

/// The mail server's settings.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct MailSettings {
    pub host: String,
    pub port: u16,
    pub security: Security,
    /// The address notices come from.
    pub from: String,
    /// The login name, when the server asks for one (its secret is kept beside the database).
    pub user: Option<String>,
}

impl MailSettings {
    /// Checks settings as typed: `server` is `smtp://HOST:PORT` (or `HOST:PORT`, or `HOST` with
    /// the security's usual port).
    pub fn parse(server: &str, security: &str, from: &str, user: Option<&str>) -> Result<MailSettings> {
        let security = Security::parse(security)?;
        let bad = |why: String| Error::InvalidText {
            field: "mail server",
            why,
        };
        let rest = server.trim();
        let rest = rest
            .strip_prefix("smtp://")
            .or_else(|| rest.strip_prefix("smtps://"))
            .unwrap_or(rest);
        let rest = rest.trim_end_matches('/');
        let (host, port) = match rest.rsplit_once(':') {
            Some((host, port)) => (
                host,
                port.parse::<u16>()
                    .ok()
                    .filter(|p| *p > 0)
                    .ok_or_else(|| bad(format!("{port:?} is not a port number (e.g. 587)")))?,
            ),
            None => (
                rest,
                match security {
                    Security::StartTls => 587,
                    Security::Tls => 465,
                    Security::None => 25,
                },
            ),
        };
        let host_ok = !host.is_empty()
            && host
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '.' || c == '-' || c == '[' || c == ']' || c == ':');
        if !host_ok {
            return Err(bad(format!(
                "{server:?} is not a server's address (e.g. smtp://smtp.office365.com:587)"
            )));
        }
        let from = checked_email(Some(from))?.ok_or_else(|| Error::InvalidText {
            field: "sender's address",
            why: "it is empty: give the address notices come from".to_string(),
        })?;
        let user = user.map(str::trim).filter(|u| !u.is_empty()).map(str::to_string);
        Ok(MailSettings {
            host: host.to_string(),
            port,
            security,
            from,
            user,
        })
    }

    /// `smtp://HOST:PORT`.
    pub fn server(&self) -> String {
        format!("smtp://{}:{}", self.host, self.port)
    }
}

/// Who receives the weekly overdue report, on which day, from which desk.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct WeeklyReport {
    pub to: Vec<String>,
    #[serde(serialize_with = "weekday_name")]
    pub day: Weekday,
    /// The desk that sends it (one per trust: the desk where it was set up).
    pub desk: String,
}

fn weekday_name<S: serde::Serializer>(day: &Weekday, s: S) -> std::result::Result<S::Ok, S::Error> {
    s.serialize_str(&day.to_string())
}

impl Ledger {
    /// The mail server's settings, if an administrator has given them: read from their records
    /// (where mail goes is a decision; the settings table is only a projection).
    pub fn mail_settings(&self) -> Result<Option<MailSettings>> {
        let (Some(server), Some(security), Some(from)) = (
            self.setting_on_record(SERVER_KEY)?,
            self.setting_on_record(SECURITY_KEY)?,
            self.setting_on_record(FROM_KEY)?,
        ) else {
            return Ok(None);
        };
        let user = self.setting_on_record(USER_KEY)?;
        MailSettings::parse(&server, &security, &from, user.as_deref()).map(Some)
    }

    /// Sets the mail server (an administrator's; settings on the record).
    pub fn set_mail_settings(&mut self, settings: &MailSettings) -> Result<()> {
        self.allow(Action::AllSettings)?;
        self.in_transaction(|ledger| {
            ledger.put_setting(SERVER_KEY, &settings.server())?;
            ledger.put_setting(SECURITY_KEY, settings.security.as_str())?;
            ledger.put_setting(FROM_KEY, &settings.from)?;
            ledger.put_setting(USER_KEY, settings.user.as_deref().unwrap_or(""))
        })
    }

    /// The mail settings for a test email, which goes out through the trust's own mail login:
    /// an administrator's to send.
    pub fn mail_settings_to_test(&self) -> Result<Option<MailSettings>> {
        self.allow(crate::operator::Action::AllSettings)?;
        self.mail_settings()
    }

    /// The weekly report's mailing, if set.
    pub fn weekly_report(&self) -> Result<Option<WeeklyReport>> {
        let (Some(to), Some(day), Some(desk)) = (
            self.setting_on_record(WEEKLY_TO_KEY)?,
            self.setting_on_record(WEEKLY_DAY_KEY)?,
            self.setting_on_record(WEEKLY_DESK_KEY)?,
        ) else {
            return Ok(None);
        };
        let to: Vec<String> = to.split(',').map(str::to_string).filter(|a| !a.is_empty()).collect();
        match (to.is_empty(), day.parse::<Weekday>()) {
            (false, Ok(day)) => Ok(Some(WeeklyReport { to, day, desk })),
            _ => Ok(None),
        }
    }

    /// Sends the weekly overdue report to `to` each `day`, from this desk; no addresses stops it.
    pub fn set_weekly_report(&mut self, to: &[String], day: &str) -> Result<Option<WeeklyReport>> {
        self.allow(Action::AllSettings)?;
        let mut checked = Vec::with_capacity(to.len());
        for address in to {
            checked.extend(checked_email(Some(address))?);
        }
        let day: Weekday = day.trim().parse().map_err(|_| Error::InvalidText {
            field: "day of the week",
            why: format!("{day:?} is not a day of the week (e.g. monday)"),
        })?;
        let desk = self.desk().to_string();
        self.in_transaction(|ledger| {
            ledger.put_setting(WEEKLY_TO_KEY, &checked.join(","))?;
            ledger.put_setting(WEEKLY_DAY_KEY, &day.to_string())?;
            ledger.put_setting(WEEKLY_DESK_KEY, &desk)
        })?;
        self.weekly_report()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_server_is_read_with_or_without_its_scheme_and_port() {
        let s = MailSettings::parse(
            "smtp://smtp.office365.com:587",
            "starttls",
            "office@school.org",
            Some("office"),
        )
        .unwrap();
        assert_eq!((s.host.as_str(), s.port), ("smtp.office365.com", 587));
        assert_eq!(s.server(), "smtp://smtp.office365.com:587");
        let s = MailSettings::parse("smtp.gmail.com", "tls", "office@school.org", None).unwrap();
        assert_eq!(s.port, 465);
        for bad in ["smtp://", "smtp://host:port", "smtp://a b:25", "smtp://host:0"] {
            assert!(MailSettings::parse(bad, "none", "a@b", None).is_err(), "{bad}");
        }
        let refused = MailSettings::parse("relay", "sometimes", "a@b", None).unwrap_err();
        assert!(refused.to_string().contains("starttls, tls, none"), "{refused}");
        assert!(MailSettings::parse("relay", "none", "not an address", None).is_err());
    }
}
