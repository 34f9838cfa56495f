//! The words of every email Custody sends, in one place (a Welsh version would sit beside these):
//! a notice to a holder, and the weekly report to managers. Plain text and a simple HTML part
//! with the same words. A notice names the holder's own items by tag, name and kind, never what
//! personal data they carry, and no other person.

use chrono::{DateTime, Utc};
use chrono_tz::Tz;

use crate::ledger::notices::{Notice, NoticeStage};
use crate::time::{format_date, format_due, from_millis};

/// One email's subject and its two parts.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Letter {
    pub subject: String,
    pub plain: String,
    pub html: String,
}

/// The notice `notice` as an email from `organisation`.
pub fn notice_letter(notice: &Notice, organisation: &str, tz: Tz) -> Letter {
    let one = notice.items.len() == 1;
    let (it, is) = if one { ("it", "is") } else { ("them", "are") };
    // The subject shows on a locked phone: a count, never an item's name (a paper file's may
    // name a pupil).
    let what = if one {
        "1 item".to_string()
    } else {
        format!("{} items", notice.items.len())
    };
    // "Second" and "final" only to someone who was told before: a first contact never says so.
    let told_before = notice.items.iter().any(|i| i.told_before);
    let stage = match notice.stage {
        NoticeStage::Second | NoticeStage::Third if !told_before => NoticeStage::First,
        stage => stage,
    };
    let subject = match stage {
        NoticeStage::Reminder => format!("{organisation}: please bring back {what} when due"),
        NoticeStage::First | NoticeStage::WeeklyReport => format!("{organisation}: {what} overdue"),
        NoticeStage::Second => format!("{organisation}: second notice: {what} still overdue"),
        NoticeStage::Third => format!("{organisation}: final notice: {what} still overdue"),
    };
    let intro = match stage {
        NoticeStage::Reminder => format!("This is a reminder that the following {is} due back soon:"),
        NoticeStage::First | NoticeStage::WeeklyReport => format!("The following {is} now overdue:"),
        NoticeStage::Second => format!("This is a second notice: the following {is} still overdue:"),
        NoticeStage::Third => format!("This is a final notice: the following {is} still overdue:"),
    };
    let ask = match stage {
        NoticeStage::Reminder => format!("Please bring {it} back to the office by the date shown."),
        _ => format!("Please bring {it} back to the office as soon as you can."),
    };
    let lost = format!(
        "If {} lost or stolen, tell the office and the data protection officer at once: the \
         organisation may have to report it within 72 hours.",
        if one { "it is" } else { "any of them is" }
    );
    let lines: Vec<String> = notice
        .items
        .iter()
        .map(|i| {
            format!(
                "{} ({}, {}): due back {}",
                i.name,
                i.tag,
                i.kind.as_str().replace('-', " "),
                format_due(from_millis(i.due_at), tz)
            )
        })
        .collect();
    let plain = format!(
        "Dear {name},\n\n{intro}\n\n{items}\n\n{ask}\n\n{lost}\n\n{organisation}\n",
        name = notice.name,
        items = lines.iter().map(|l| format!("  - {l}")).collect::<Vec<_>>().join("\n"),
    );
    let html = format!(
        "<!DOCTYPE html>\n<html><body>\n<p>Dear {name},</p>\n<p>{intro}</p>\n<ul>\n{items}</ul>\n<p>{ask}</p>\n<p><strong>{lost}</strong></p>\n<p>{org}</p>\n</body></html>\n",
        name = escape(&notice.name),
        intro = escape(&intro),
        items = lines
            .iter()
            .map(|l| format!("<li>{}</li>\n", escape(l)))
            .collect::<String>(),
        ask = escape(&ask),
        lost = escape(&lost),
        org = escape(organisation),
    );
    Letter { subject, plain, html }
}

/// The weekly overdue report's covering email (the report's PDF and CSV are attached).
pub fn weekly_report_letter(organisation: &str, as_of: DateTime<Utc>, holders: usize, items: usize, tz: Tz) -> Letter {
    let day = format_date(as_of.with_timezone(&tz).date_naive());
    let subject = format!("{organisation}: overdue report, {day}");
    let summary = match items {
        0 => "Nothing is overdue.".to_string(),
        1 => "1 item is overdue.".to_string(),
        n => format!(
            "{n} items are overdue, held by {holders} {}.",
            if holders == 1 { "person" } else { "people" }
        ),
    };
    let plain = format!(
        "The weekly overdue report as of {day} is attached (PDF to read, CSV for a spreadsheet).\n\n{summary}\n\n{organisation}\n"
    );
    let html = format!(
        "<!DOCTYPE html>\n<html><body>\n<p>The weekly overdue report as of {day} is attached (PDF to read, CSV for a spreadsheet).</p>\n<p>{}</p>\n<p>{}</p>\n</body></html>\n",
        escape(&summary),
        escape(organisation)
    );
    Letter { subject, plain, html }
}

/// A test email's words, sent from the mail settings.
pub fn test_letter(organisation: &str) -> Letter {
    let plain =
        format!("This is a test email from Custody at {organisation}. If you can read it, the mail settings work.\n");
    Letter {
        subject: format!("{organisation}: Custody test email"),
        html: format!(
            "<!DOCTYPE html>\n<html><body><p>{}</p></body></html>\n",
            escape(plain.trim())
        ),
        plain,
    }
}

/// Text made safe inside HTML.
fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ledger::notices::{NoticeItem, NoticeStatus};
    use crate::model::ItemKind;

    fn notice(stage: NoticeStage, items: usize) -> Notice {
        Notice {
            id: "n1".into(),
            holder: "S001".into(),
            name: "Sam <Jones>".into(),
            email: Some("sam@example.org".into()),
            stage,
            items: (0..items)
                .map(|n| NoticeItem {
                    tag: format!("LT-{n}"),
                    name: "Office laptop".into(),
                    kind: ItemKind::Laptop,
                    due_at: 1_796_083_140_000, // 30/11/2026 23:59 in London
                    since: 0,
                    told_before: false,
                })
                .collect(),
            queued_at: 0,
            desk: "d".into(),
            status: NoticeStatus::Due,
            week: None,
        }
    }

    #[test]
    fn a_notice_names_the_items_their_due_dates_and_what_to_do_if_lost() {
        let letter = notice_letter(
            &notice(NoticeStage::First, 2),
            "Hill School",
            crate::time::DEFAULT_TIMEZONE,
        );
        assert_eq!(letter.subject, "Hill School: 2 items overdue");
        assert!(
            letter
                .plain
                .contains("Office laptop (LT-1, laptop): due back 30/11/2026, end of day"),
            "{}",
            letter.plain
        );
        assert!(letter.plain.contains("data protection officer at once"));
        assert!(letter.html.contains("Sam &lt;Jones&gt;"), "names are escaped in HTML");
        let one = notice_letter(
            &notice(NoticeStage::Reminder, 1),
            "Hill School",
            crate::time::DEFAULT_TIMEZONE,
        );
        assert_eq!(one.subject, "Hill School: please bring back 1 item when due");
        // A first contact at the third stage does not call itself final; after a first, it does.
        let tz = crate::time::DEFAULT_TIMEZONE;
        let mut third = notice(NoticeStage::Third, 1);
        assert_eq!(
            notice_letter(&third, "Hill School", tz).subject,
            "Hill School: 1 item overdue"
        );
        third.items[0].told_before = true;
        assert_eq!(
            notice_letter(&third, "Hill School", tz).subject,
            "Hill School: final notice: 1 item still overdue"
        );
    }
}
