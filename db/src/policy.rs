//! The home-working policy's rules R1–R7, and R13 (something overdue), checked for a proposed
//! sign-out. (R8, what state an
//! item or person must be in, is enforced by the ledger itself and always blocks.)
//!
//! [`check`] is a pure function of the proposal, a few facts from the ledger, and the settings:
//! it returns every rule that blocks or warns, each with a message that says what would allow it.

use std::fmt;
use std::str::FromStr;

use chrono::{Months, NaiveDate};
use serde::Serialize;

use crate::error::{Error, RuleId};
use crate::model::{Item, ItemKind, Person};

/// What a rule does when it applies.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Mode {
    /// Refuse the sign-out.
    Block,
    /// Show the message; the sign-out goes ahead once acknowledged, and the warning is recorded.
    Warn,
}

impl Mode {
    pub fn as_str(self) -> &'static str {
        match self {
            Mode::Block => "block",
            Mode::Warn => "warn",
        }
    }
}

impl FromStr for Mode {
    type Err = Error;
    fn from_str(s: &str) -> Result<Mode, Error> {
        match s.trim().to_ascii_lowercase().as_str() {
            "block" => Ok(Mode::Block),
            "warn" => Ok(Mode::Warn),
            _ => Err(Error::InvalidText {
                field: "rule setting",
                why: format!("{s:?} is neither block nor warn"),
            }),
        }
    }
}

/// The configurable rules, what each says, and its default (from the product brief).
pub const RULES: [(RuleId, &str, Mode); 8] = [
    (
        "R1",
        "Paper files leave only with a reason and a named authoriser",
        Mode::Block,
    ),
    (
        "R2",
        "Memory sticks and other removable media may not be signed out",
        Mode::Block,
    ),
    ("R3", "Keep paper records apart from devices", Mode::Warn),
    ("R4", "A device that holds personal data must be encrypted", Mode::Warn),
    (
        "R5",
        "Regular home workers with sensitive data need a current risk assessment",
        Mode::Block,
    ),
    (
        "R6",
        "A home-working agreement must be in place and within its review date",
        Mode::Warn,
    ),
    (
        "R7",
        "Information-governance training must be within the last 12 months",
        Mode::Warn,
    ),
    (
        "R13",
        "Someone who still has something overdue is reminded before more goes out with them",
        Mode::Warn,
    ),
];

/// R8, which the ledger enforces itself (see `state::apply`): it always blocks and cannot be set.
pub const R8: (RuleId, &str) = (
    "R8",
    "An item that is out, lost, stolen or retired cannot be signed out, and a person who is not active cannot hold items",
);

/// R14, the holder's acknowledgement: when the organisation asks for it (a setting, off by
/// default), every sign-out asks whether the holder has read the rules for carrying data home,
/// and the clerk's "yes" is recorded with it as an acknowledged warning. It never blocks: a
/// holder who has not read them reads them (on the hand-over receipt) first.
pub const R14: (RuleId, &str) = (
    "R14",
    "The holder has read the rules for carrying data home (asked at each sign-out when the setting is on)",
);

/// The rules for carrying data home, in plain words, as the hand-over receipt prints them (from
/// the seed policies' guidance for staff who take devices and paper out).
pub const CARRYING_HOME: [&str; 6] = [
    "Go straight home. Do not leave what you carry unattended on the way.",
    "In a car, keep it out of sight in the locked boot, and never leave it in a car overnight.",
    "Keep paper apart from devices, so that one loss does not expose both.",
    "At home, keep it locked away when you are not using it, and out of reach of others in the household.",
    "Use it only for the work it was signed out for; do not copy personal data onto your own devices.",
    "If anything is lost or stolen, tell the Data Protection Officer at once, whatever the time: the organisation has 72 hours to report a breach.",
];

/// From this many earlier occasions in the last 365 days, R5 requires a risk assessment.
pub const R5_EARLIER_OCCASIONS: u32 = 5;
/// Earlier occasions are counted up to this many; more are reported as "more than".
pub const OCCASIONS_COUNTED: u32 = 20;
/// How long training counts for (R7).
pub const TRAINING_MONTHS: u32 = 12;

/// Which rules block and which warn.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Settings {
    modes: Vec<(RuleId, Mode)>,
    /// R14: ask whether the holder has read the rules for carrying data home.
    pub ask_rules_read: bool,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            modes: RULES.iter().map(|(id, _, mode)| (*id, *mode)).collect(),
            ask_rules_read: false,
        }
    }
}

impl Settings {
    pub fn mode(&self, rule: &str) -> Mode {
        self.modes
            .iter()
            .find(|(id, _)| *id == rule)
            .map_or(Mode::Block, |(_, m)| *m)
    }

    /// Changes one rule; the id must be one of [`RULES`].
    pub fn set(&mut self, rule: &str, mode: Mode) -> Result<RuleId, Error> {
        let id = rule_id(rule)?;
        if let Some(entry) = self.modes.iter_mut().find(|(r, _)| *r == id) {
            entry.1 = mode;
        }
        Ok(id)
    }
}

/// The canonical id of a configurable rule (`r4` → `R4`).
pub fn rule_id(rule: &str) -> Result<RuleId, Error> {
    let wanted = rule.trim().to_ascii_uppercase();
    RULES
        .iter()
        .map(|(id, _, _)| *id)
        .find(|id| *id == wanted)
        .ok_or_else(|| Error::InvalidText {
            field: "rule",
            why: format!("{rule:?} is not a configurable rule; use R1 to R7 or R13 (R8 always blocks)"),
        })
}

/// One rule that applies to a proposed sign-out.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Finding {
    pub rule: RuleId,
    pub mode: Mode,
    pub message: String,
}

impl fmt::Display for Finding {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.rule, self.message)
    }
}

/// A sign-out as proposed at the desk.
#[derive(Clone, Debug)]
pub struct Proposal<'a> {
    pub items: &'a [Item],
    pub holder: &'a Person,
    pub reason: Option<&'a str>,
    pub authoriser: Option<&'a Person>,
    pub container: Option<&'a str>,
    /// The local day it happens.
    pub day: NaiveDate,
}

/// What the ledger knows that the rules need.
#[derive(Clone, Debug, Default)]
pub struct Facts {
    /// Kinds of the items the holder already holds.
    pub holder_holds: Vec<ItemKind>,
    /// Kinds of the items already out in the chosen container.
    pub container_holds: Vec<ItemKind>,
    /// The holder's home-working occasions (R5) in the 365 days before this one.
    pub earlier_occasions: u32,
    /// What the holder already has that is overdue (R13): the longest overdue (its tag, and when
    /// it was due as the desk shows it) and how many there are.
    pub holder_overdue: Option<(String, String, u32)>,
}

/// Whether an item puts its holder under R5: confidential documents, sensitive
/// person-identifiable data, or person-identifiable data of 50 or more people. (The count of
/// earlier occasions in `ledger/policy_facts.rs` applies the same test in SQL.)
pub fn r5_applies(item: &Item) -> bool {
    item.confidential
        || item.special_category
        || item.safeguarding
        || item.data_subjects >= 50
        || item.anonymised_unapproved
}

/// Where one part of a person's home-working record stands today.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Standing {
    Current,
    /// Current, but its review (or expiry) falls within [`REVIEW_DUE_SOON_DAYS`].
    DueSoon,
    Lapsed,
    Missing,
}

/// How far ahead a review of the home-working record counts as "due soon".
pub const REVIEW_DUE_SOON_DAYS: i64 = 30;

impl Standing {
    pub fn as_str(self) -> &'static str {
        match self {
            Standing::Current => "current",
            Standing::DueSoon => "due for review",
            Standing::Lapsed => "lapsed",
            Standing::Missing => "missing",
        }
    }
}

/// The agreement (R6), risk assessment (R5) and training (R7) of a person, each with where it
/// stands on `today` and a line saying so.
pub fn standing(h: &crate::model::HomeWorking, today: NaiveDate) -> Vec<(&'static str, Standing, String)> {
    let year_after = |d: NaiveDate| d.checked_add_months(Months::new(12));
    let judge = |done: Option<NaiveDate>, until: Option<NaiveDate>| match (done, until) {
        (None, _) => Standing::Missing,
        (Some(_), Some(until)) if until < today => Standing::Lapsed,
        (Some(_), Some(until)) if (until - today).num_days() <= REVIEW_DUE_SOON_DAYS => Standing::DueSoon,
        _ => Standing::Current,
    };
    let describe = |done: Option<NaiveDate>, until: Option<NaiveDate>, verb: &str, extra: &str| match (done, until) {
        (None, _) => "none on record".to_string(),
        (Some(d), Some(u)) => format!("{} ({verb} {d}, review {u}{extra})", judge(done, until).as_str()),
        (Some(d), None) => format!("{} ({verb} {d}{extra})", judge(done, until).as_str()),
    };
    let assessment_until = h.assessment_review.or_else(|| h.assessment_done.and_then(year_after));
    let reference = h
        .assessment_ref
        .as_deref()
        .map(|r| format!(", ref {r}"))
        .unwrap_or_default();
    let training_until = h
        .training
        .and_then(|t| t.checked_add_months(Months::new(TRAINING_MONTHS)));
    vec![
        (
            "agreement",
            judge(h.agreement_signed, h.agreement_review),
            describe(h.agreement_signed, h.agreement_review, "signed", ""),
        ),
        (
            "risk assessment",
            judge(h.assessment_done, assessment_until),
            describe(h.assessment_done, assessment_until, "done", &reference),
        ),
        (
            "training",
            judge(h.training, training_until),
            describe(h.training, training_until, "completed", ""),
        ),
    ]
}

/// Every rule that blocks or warns for this proposal, in rule order.
pub fn check(p: &Proposal<'_>, facts: &Facts, settings: &Settings) -> Vec<Finding> {
    let mut found: Vec<(RuleId, String)> = Vec::new();
    let holder = &p.holder.name;

    for item in p.items.iter().filter(|i| i.kind == ItemKind::PaperFile) {
        let problem = match (p.reason, p.authoriser) {
            (None, _) => Some("a reason".to_string()),
            (_, None) => Some("a named authoriser, a manager who is not the holder".to_string()),
            (_, Some(a)) if a.id == p.holder.id => Some("an authoriser other than the holder".to_string()),
            (_, Some(a)) if !a.active => Some(format!("an active authoriser ({} is no longer active)", a.name)),
            _ => None,
        };
        if let Some(needed) = problem {
            found.push((
                "R1",
                format!(
                    "{} is a paper file; paper should not leave. An exceptional removal needs {needed}.",
                    item.tag
                ),
            ));
        }
    }
    for item in p.items.iter().filter(|i| i.kind == ItemKind::RemovableMedia) {
        found.push((
            "R2",
            format!(
                "{} is removable media, which may not be signed out. Use an encrypted laptop instead.",
                item.tag
            ),
        ));
    }
    let taking_paper = p.items.iter().any(|i| i.kind == ItemKind::PaperFile);
    let taking_device = p.items.iter().any(|i| i.kind.is_device());
    let holds_paper = facts.holder_holds.contains(&ItemKind::PaperFile);
    let holds_device = facts.holder_holds.iter().any(|k| k.is_device());
    let bag_paper = facts.container_holds.contains(&ItemKind::PaperFile);
    let bag_device = facts.container_holds.iter().any(|k| k.is_device());
    let r3 = if taking_paper && taking_device {
        Some("paper and a device are going out together".to_string())
    } else if (taking_paper && holds_device) || (taking_device && holds_paper) {
        Some(format!(
            "{holder} already holds {}",
            if holds_paper { "paper" } else { "a device" }
        ))
    } else if (taking_paper && bag_device) || (taking_device && bag_paper) {
        let c = p.container.unwrap_or_default();
        Some(format!(
            "{c} already carries {}",
            if bag_paper { "paper" } else { "a device" }
        ))
    } else {
        None
    };
    if let Some(why) = r3 {
        found.push((
            "R3",
            format!("{why}. Keep paper records apart from devices: carry them separately, so that one loss does not expose both."),
        ));
    }
    for item in p.items.iter().filter(|i| i.unencrypted_personal_data()) {
        found.push((
            "R4",
            format!(
                "{} holds personal data but is not recorded as encrypted. Encrypt it before it leaves, then record it as encrypted.",
                item.tag
            ),
        ));
    }
    if p.items.iter().any(r5_applies) && facts.earlier_occasions >= R5_EARLIER_OCCASIONS {
        let h = &p.holder.home;
        let current = h.assessment_done.is_some_and(|done| match h.assessment_review {
            Some(review) => review >= p.day,
            None => done.checked_add_months(Months::new(12)).is_some_and(|end| end >= p.day),
        });
        if !current {
            let state = match (h.assessment_done, h.assessment_review) {
                (None, _) => "there is none on record".to_string(),
                (Some(_), Some(review)) => format!("the one on record was due for review on {review}"),
                (Some(done), None) => format!("the one on record is from {done}, over a year ago"),
            };
            let occasion = if facts.earlier_occasions >= OCCASIONS_COUNTED {
                format!("more than occasion {OCCASIONS_COUNTED}")
            } else {
                format!("occasion {}", facts.earlier_occasions + 1)
            };
            found.push((
                "R5",
                format!(
                    "this is {holder}'s {occasion} of working from home with sensitive data in 12 months, so a current home-working risk assessment is required, and {state}. Record a current assessment (done and review dates) on their record."
                ),
            ));
        }
    }
    let h = &p.holder.home;
    let r6 = match (h.agreement_signed, h.agreement_review) {
        (None, _) => Some(format!("{holder} has no home-working agreement on record")),
        (Some(_), Some(review)) if review < p.day => Some(format!(
            "{holder}'s home-working agreement was due for review on {review}"
        )),
        _ => None,
    };
    if let Some(why) = r6 {
        found.push((
            "R6",
            format!("{why}. Record a current agreement (signed and review dates) on their record."),
        ));
    }
    let trained = h
        .training
        .and_then(|t| t.checked_add_months(Months::new(TRAINING_MONTHS)))
        .is_some_and(|until| until >= p.day);
    if !trained {
        let when = h
            .training
            .map_or("has no information-governance training on record".to_string(), |t| {
                format!("last completed information-governance training on {t}, over {TRAINING_MONTHS} months ago")
            });
        found.push((
            "R7",
            format!("{holder} {when}. Record the date of new training on their record."),
        ));
    }
    if let Some((first, due, count)) = &facts.holder_overdue {
        let (what, it) = match count {
            1 => (format!("{first}, due back {due}"), "it"),
            n => (
                format!("{n} overdue items ({first}, due back {due}, the longest overdue)"),
                "them",
            ),
        };
        found.push((
            "R13",
            format!(
                "{holder} still has {what}. Ask for {it} back, or record what happened to {it}, before more goes out."
            ),
        ));
    }
    let mut findings: Vec<Finding> = found
        .into_iter()
        .map(|(rule, message)| Finding {
            rule,
            mode: settings.mode(rule),
            message,
        })
        .collect();
    if settings.ask_rules_read {
        findings.push(Finding {
            rule: R14.0,
            mode: Mode::Warn,
            message: format!(
                "Has {holder} read the rules for carrying data home (on the hand-over receipt)? Go ahead only if they have: their yes is recorded with the sign-out."
            ),
        });
    }
    findings
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::HomeWorking;

    fn day(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    fn person(id: &str, home: HomeWorking) -> Person {
        Person {
            id: id.into(),
            name: format!("Person {id}"),
            email: None,
            active: true,
            home,
        }
    }

    fn in_order() -> HomeWorking {
        HomeWorking {
            agreement_signed: Some(day("2026-01-10")),
            agreement_review: Some(day("2027-01-10")),
            assessment_done: Some(day("2026-02-01")),
            assessment_review: Some(day("2027-02-01")),
            assessment_ref: Some("RA-118".into()),
            training: Some(day("2026-03-15")),
        }
    }

    fn rules(items: &[Item], holder: &Person, facts: &Facts) -> Vec<RuleId> {
        let p = Proposal {
            items,
            holder,
            reason: None,
            authoriser: None,
            container: None,
            day: day("2026-11-20"),
        };
        check(&p, facts, &Settings::default())
            .into_iter()
            .map(|f| f.rule)
            .collect()
    }

    #[test]
    fn a_clean_sign_out_meets_no_rule() {
        let mut laptop = Item::new("LT-1", ItemKind::Laptop, "x");
        laptop.encrypted = true;
        laptop.data_subjects = 20;
        assert!(rules(&[laptop], &person("S1", in_order()), &Facts::default()).is_empty());
    }

    #[test]
    fn training_runs_out_after_twelve_months() {
        let mut home = in_order();
        home.training = Some(day("2025-11-20"));
        let laptop = Item::new("LT-1", ItemKind::Laptop, "x");
        assert!(
            rules(
                std::slice::from_ref(&laptop),
                &person("S1", home.clone()),
                &Facts::default()
            )
            .is_empty()
        );
        home.training = Some(day("2025-11-19"));
        assert_eq!(rules(&[laptop], &person("S1", home), &Facts::default()), vec!["R7"]);
    }

    #[test]
    fn settings_name_only_configurable_rules() {
        let mut s = Settings::default();
        assert_eq!(s.mode("R4"), Mode::Warn);
        assert_eq!(s.set("r4", Mode::Block).unwrap(), "R4");
        assert_eq!(s.mode("R4"), Mode::Block);
        assert!(
            s.set("R8", Mode::Warn)
                .unwrap_err()
                .to_string()
                .contains("R8 always blocks")
        );
        assert!("maybe".parse::<Mode>().is_err());
    }
}
