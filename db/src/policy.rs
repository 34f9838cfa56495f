//! The policy rules: each is a [`Rule`], with its id, its one line, its default mode, and (for
//! the rules checked at a sign-out) one function that says whether it applies.
//!
//! [`check`] is a pure function of the proposal, a few facts from the ledger, and the settings:
//! it returns every rule that blocks or warns, each with a message that says what would allow it.
//! A new rule is one variant of [`Rule`], its row in [`Rule::about`], and its function in
//! [`Rule::applies`].

use std::fmt;
use std::str::FromStr;

use chrono::{Months, NaiveDate};
use serde::Serialize;

use crate::error::Error;
use crate::model::{HomeWorking, Item, ItemKind, Person};
use crate::time::format_date;

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

/// A rule of the organisation's home-working policy (from the product brief), by its id.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Rule {
    R1,
    R2,
    R3,
    R4,
    R5,
    R6,
    R7,
    /// What state an item or person must be in: the ledger enforces it (see `state::apply`).
    R8,
    /// Disposal: enforced by the disposal workflow.
    R11,
    R13,
    /// The holder's acknowledgement: when the organisation asks for it (a setting, off by
    /// default), every sign-out asks whether the holder has read the rules for carrying data
    /// home, and the clerk's "yes" is recorded as an acknowledged warning. It never blocks.
    R14,
}

/// Whether a rule's mode is the organisation's to choose.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Setting {
    /// Block or warn, as configured; the default given.
    Configurable(Mode),
    /// Always this.
    Fixed(Mode),
}

impl Rule {
    pub const ALL: [Rule; 11] = [
        Rule::R1,
        Rule::R2,
        Rule::R3,
        Rule::R4,
        Rule::R5,
        Rule::R6,
        Rule::R7,
        Rule::R8,
        Rule::R11,
        Rule::R13,
        Rule::R14,
    ];

    /// Its id, as messages, settings and recorded warnings cite it.
    pub fn id(self) -> &'static str {
        self.about().0
    }

    /// What it says, in one line.
    pub fn text(self) -> &'static str {
        self.about().1
    }

    /// Its default mode, and whether that may be changed.
    pub fn setting(self) -> Setting {
        self.about().2
    }

    pub fn default_mode(self) -> Mode {
        match self.setting() {
            Setting::Configurable(m) | Setting::Fixed(m) => m,
        }
    }

    pub fn is_configurable(self) -> bool {
        matches!(self.setting(), Setting::Configurable(_))
    }

    /// The rules whose mode the organisation chooses.
    pub fn configurable() -> impl Iterator<Item = Rule> {
        Rule::ALL.into_iter().filter(|r| r.is_configurable())
    }

    fn about(self) -> (&'static str, &'static str, Setting) {
        use Setting::{Configurable, Fixed};
        match self {
            Rule::R1 => (
                "R1",
                "Paper files leave only with a reason and a named authoriser",
                Configurable(Mode::Block),
            ),
            Rule::R2 => (
                "R2",
                "Memory sticks and other removable media may not be signed out",
                Configurable(Mode::Block),
            ),
            Rule::R3 => ("R3", "Keep paper records apart from devices", Configurable(Mode::Warn)),
            Rule::R4 => (
                "R4",
                "A device that holds personal data must be encrypted",
                Configurable(Mode::Warn),
            ),
            Rule::R5 => (
                "R5",
                "Regular home workers with sensitive data need a current risk assessment",
                Configurable(Mode::Block),
            ),
            Rule::R6 => (
                "R6",
                "A home-working agreement must be in place and within its review date",
                Configurable(Mode::Warn),
            ),
            Rule::R7 => (
                "R7",
                "Information-governance training must be within the last 12 months",
                Configurable(Mode::Warn),
            ),
            Rule::R8 => (
                "R8",
                "An item that is out, lost, stolen or retired cannot be signed out, and a person who is not active cannot hold items",
                Fixed(Mode::Block),
            ),
            Rule::R11 => (
                "R11",
                "Retired equipment is disposed of with a reference; paper is shredded in front of a witness",
                Fixed(Mode::Block),
            ),
            Rule::R13 => (
                "R13",
                "Someone who still has something overdue is reminded before more goes out with them",
                Configurable(Mode::Warn),
            ),
            Rule::R14 => (
                "R14",
                "The holder has read the rules for carrying data home (asked at each sign-out when the setting is on)",
                Fixed(Mode::Warn),
            ),
        }
    }

    /// A configurable rule named as typed (`r4` → R4).
    pub fn configurable_named(name: &str) -> Result<Rule, Error> {
        let wanted = name.trim().to_ascii_uppercase();
        Rule::configurable().find(|r| r.id() == wanted).ok_or_else(|| {
            let ids: Vec<&str> = Rule::configurable().map(Rule::id).collect();
            let fixed: Vec<String> = Rule::ALL
                .into_iter()
                .filter(|r| !r.is_configurable())
                .map(|r| format!("{} always {}s", r.id(), r.default_mode().as_str()))
                .collect();
            Error::InvalidText {
                field: "rule",
                why: format!(
                    "{name:?} is not a configurable rule; use one of {} ({})",
                    ids.join(", "),
                    fixed.join(", ")
                ),
            }
        })
    }

    /// Whether this rule applies to the proposed sign-out, and if so why, in words that say
    /// what would allow it: one message for each item or reason it applies.
    fn applies(self, p: &Proposal<'_>, facts: &Facts, settings: &Settings) -> Vec<String> {
        match self {
            Rule::R1 => r1_paper_needs_reason(p),
            Rule::R2 => r2_no_removable_media(p),
            Rule::R3 => r3_paper_apart_from_devices(p, facts).into_iter().collect(),
            Rule::R4 => r4_encrypted(p),
            Rule::R5 => r5_risk_assessment(p, facts).into_iter().collect(),
            Rule::R6 => r6_agreement(p).into_iter().collect(),
            Rule::R7 => r7_training(p).into_iter().collect(),
            Rule::R13 => r13_overdue(p, facts).into_iter().collect(),
            Rule::R14 => r14_rules_read(p, settings).into_iter().collect(),
            // Enforced where the ledger moves items (R8) and disposes of them (R11).
            Rule::R8 | Rule::R11 => Vec::new(),
        }
    }
}

impl fmt::Display for Rule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.id())
    }
}

impl Serialize for Rule {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.id())
    }
}

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

/// From this many earlier occasions in the last 365 days (so at the 6th), R5 requires a risk
/// assessment.
pub const R5_EARLIER_OCCASIONS: u32 = 5;
/// From this many data subjects, person-identifiable data puts its holder under R5.
pub const R5_DATA_SUBJECTS: u32 = 50;
/// Earlier occasions are counted up to this many; more are reported as "more than".
pub const OCCASIONS_COUNTED: u32 = 20;
/// How long training counts for (R7), and a risk assessment with no review date (R5).
pub const TRAINING_MONTHS: u32 = 12;

/// Which rules block and which warn.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Settings {
    modes: Vec<(Rule, Mode)>,
    /// R14: ask whether the holder has read the rules for carrying data home.
    pub ask_rules_read: bool,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            modes: Rule::configurable().map(|r| (r, r.default_mode())).collect(),
            ask_rules_read: false,
        }
    }
}

impl Settings {
    pub fn mode(&self, rule: Rule) -> Mode {
        self.modes
            .iter()
            .find(|(r, _)| *r == rule)
            .map_or(rule.default_mode(), |(_, m)| *m)
    }

    /// Changes one configurable rule (a fixed rule stays as it is).
    pub fn set(&mut self, rule: Rule, mode: Mode) {
        if let Some(entry) = self.modes.iter_mut().find(|(r, _)| *r == rule) {
            entry.1 = mode;
        }
    }
}

/// One rule that applies to a proposed sign-out.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Finding {
    pub rule: Rule,
    pub mode: Mode,
    pub message: String,
}

impl fmt::Display for Finding {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.rule, self.message)
    }
}

/// Who may authorise a paper file's removal (R1), said once for the rule, its messages and the
/// desk's field: a manager, that is someone on the people register whose id is also their
/// operator id (one badge for both), an active operator with the manager, DPO or administrator
/// role, and not the holder.
pub const R1_AUTHORISER_HINT: &str = "scan a manager's badge, or type their id";

/// Who an authoriser must be, for R1's messages.
const R1_WHO: &str = "a manager: someone on the people register whose id is also an active operator's with the manager, DPO or administrator role, not the holder";

/// The authoriser named for a sign-out: their entry on the people register, and the operator
/// with the same id as the operators' records have them (`None` if there is none).
#[derive(Clone, Debug)]
pub struct Authoriser {
    pub person: Person,
    pub operator: Option<crate::operator::Operator>,
}

/// Why `id` cannot authorise at all: they are not on the people register.
pub fn r1_not_a_person(id: &str) -> String {
    format!(
        "{id} is not on the people register. R1's authoriser is {R1_WHO}; add them to the people register with their operator id"
    )
}

/// A sign-out as proposed at the desk.
#[derive(Clone, Debug)]
pub struct Proposal<'a> {
    pub items: &'a [Item],
    pub holder: &'a Person,
    pub reason: Option<&'a str>,
    pub authoriser: Option<&'a Authoriser>,
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
/// person-identifiable data, person-identifiable data of [`R5_DATA_SUBJECTS`] or more people,
/// or anonymised data whose technique is not approved.
pub fn r5_applies(item: &Item) -> bool {
    item.confidential
        || item.special_category
        || item.safeguarding
        || item.data_subjects >= R5_DATA_SUBJECTS
        || item.anonymised_unapproved
}

/// [`r5_applies`] as an SQL condition on the `items` table under `alias`, for counting
/// occasions where the items are rows, not values.
pub fn r5_applies_sql(alias: &str) -> String {
    format!(
        "({alias}.confidential = 1 OR {alias}.special_category = 1 OR {alias}.safeguarding = 1 \
         OR {alias}.data_subjects >= {R5_DATA_SUBJECTS} OR {alias}.anonymised_unapproved = 1)"
    )
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

/// One part of a person's home-working record: when it was done, and the last day it counts.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Paper {
    pub done: Option<NaiveDate>,
    pub until: Option<NaiveDate>,
}

impl Paper {
    pub fn standing(self, today: NaiveDate) -> Standing {
        match (self.done, self.until) {
            (None, _) => Standing::Missing,
            (Some(_), Some(until)) if until < today => Standing::Lapsed,
            (Some(_), Some(until)) if (until - today).num_days() <= REVIEW_DUE_SOON_DAYS => Standing::DueSoon,
            _ => Standing::Current,
        }
    }

    /// Whether it counts on `day` (due for review soon still counts).
    pub fn is_current(self, day: NaiveDate) -> bool {
        matches!(self.standing(day), Standing::Current | Standing::DueSoon)
    }
}

/// A person's home-working record, each part with the last day it counts: the agreement (R6)
/// until its review, the risk assessment (R5) until its review or a year after it was done,
/// training (R7) for [`TRAINING_MONTHS`]. Worked out here once, for the rules and for
/// [`standing`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Paperwork {
    pub agreement: Paper,
    pub assessment: Paper,
    pub training: Paper,
}

impl Paperwork {
    pub fn of(h: &HomeWorking) -> Paperwork {
        let after = |d: Option<NaiveDate>, months: u32| d.and_then(|d| d.checked_add_months(Months::new(months)));
        Paperwork {
            agreement: Paper {
                done: h.agreement_signed,
                until: h.agreement_review,
            },
            assessment: Paper {
                done: h.assessment_done,
                until: h.assessment_review.or_else(|| after(h.assessment_done, 12)),
            },
            training: Paper {
                done: h.training,
                until: after(h.training, TRAINING_MONTHS),
            },
        }
    }
}

/// The agreement (R6), risk assessment (R5) and training (R7) of a person, each with where it
/// stands on `today` and a line saying so.
pub fn standing(h: &HomeWorking, today: NaiveDate) -> Vec<(&'static str, Standing, String)> {
    let papers = Paperwork::of(h);
    let describe = |paper: Paper, verb: &str, extra: &str| {
        let standing = paper.standing(today).as_str();
        match (paper.done, paper.until) {
            (None, _) => "none on record".to_string(),
            (Some(d), Some(u)) => format!(
                "{standing} ({verb} {}, review {}{extra})",
                format_date(d),
                format_date(u)
            ),
            (Some(d), None) => format!("{standing} ({verb} {}{extra})", format_date(d)),
        }
    };
    let reference = h
        .assessment_ref
        .as_deref()
        .map(|r| format!(", ref {r}"))
        .unwrap_or_default();
    vec![
        (
            "agreement",
            papers.agreement.standing(today),
            describe(papers.agreement, "signed", ""),
        ),
        (
            "risk assessment",
            papers.assessment.standing(today),
            describe(papers.assessment, "done", &reference),
        ),
        (
            "training",
            papers.training.standing(today),
            describe(papers.training, "completed", ""),
        ),
    ]
}

/// Every rule that blocks or warns for this proposal, in rule order.
pub fn check(p: &Proposal<'_>, facts: &Facts, settings: &Settings) -> Vec<Finding> {
    Rule::ALL
        .into_iter()
        .flat_map(|rule| {
            rule.applies(p, facts, settings)
                .into_iter()
                .map(move |message| Finding {
                    rule,
                    mode: settings.mode(rule),
                    message,
                })
        })
        .collect()
}

fn r1_paper_needs_reason(p: &Proposal<'_>) -> Vec<String> {
    let needed = match (p.reason, p.authoriser) {
        (None, None) => format!("a reason and a named authoriser, {R1_WHO}"),
        (None, _) => "a reason".to_string(),
        (_, None) => format!("a named authoriser, {R1_WHO}"),
        (_, Some(a)) if a.person.id == p.holder.id => "an authoriser other than the holder".to_string(),
        (_, Some(a)) if !a.person.active => format!("an active authoriser ({} is no longer active)", a.person.name),
        (_, Some(Authoriser { person, operator: None })) => format!(
            "an authoriser who is {R1_WHO}; {} ({}) is not an operator (an administrator can add them as one, with the same id and the manager's role)",
            person.name, person.id
        ),
        (
            _,
            Some(Authoriser {
                person,
                operator: Some(o),
            }),
        ) if !o.active => {
            format!("an active authoriser ({} is no longer an active operator)", person.name)
        }
        (
            _,
            Some(Authoriser {
                person,
                operator: Some(o),
            }),
        ) if !o.role.at_least(crate::operator::Role::Manager) => format!(
            "an authoriser who is {R1_WHO}; {} is an operator without that role (an administrator can give it)",
            person.name
        ),
        _ => return Vec::new(),
    };
    p.items
        .iter()
        .filter(|i| i.kind == ItemKind::PaperFile)
        .map(|item| {
            format!(
                "{} is a paper file; paper should not leave. An exceptional removal needs {needed}.",
                item.tag
            )
        })
        .collect()
}

fn r2_no_removable_media(p: &Proposal<'_>) -> Vec<String> {
    p.items
        .iter()
        .filter(|i| i.kind == ItemKind::RemovableMedia)
        .map(|item| {
            format!(
                "{} is removable media, which may not be signed out. Use an encrypted laptop instead.",
                item.tag
            )
        })
        .collect()
}

fn r3_paper_apart_from_devices(p: &Proposal<'_>, facts: &Facts) -> Option<String> {
    let taking_paper = p.items.iter().any(|i| i.kind == ItemKind::PaperFile);
    let taking_device = p.items.iter().any(|i| i.kind.is_device());
    let holds_paper = facts.holder_holds.contains(&ItemKind::PaperFile);
    let holds_device = facts.holder_holds.iter().any(|k| k.is_device());
    let bag_paper = facts.container_holds.contains(&ItemKind::PaperFile);
    let bag_device = facts.container_holds.iter().any(|k| k.is_device());
    let either = |paper: bool| if paper { "paper" } else { "a device" };
    let why = if taking_paper && taking_device {
        "paper and a device are going out together".to_string()
    } else if (taking_paper && holds_device) || (taking_device && holds_paper) {
        format!("{} already holds {}", p.holder.name, either(holds_paper))
    } else if (taking_paper && bag_device) || (taking_device && bag_paper) {
        format!(
            "{} already carries {}",
            p.container.unwrap_or_default(),
            either(bag_paper)
        )
    } else {
        return None;
    };
    Some(format!(
        "{why}. Keep paper records apart from devices: carry them separately, so that one loss does not expose both."
    ))
}

fn r4_encrypted(p: &Proposal<'_>) -> Vec<String> {
    p.items
        .iter()
        .filter(|i| i.unencrypted_personal_data())
        .map(|item| {
            format!(
                "{} holds personal data but is not recorded as encrypted. Encrypt it before it leaves, then record it as encrypted.",
                item.tag
            )
        })
        .collect()
}

fn r5_risk_assessment(p: &Proposal<'_>, facts: &Facts) -> Option<String> {
    let h = &p.holder.home;
    let required = p.items.iter().any(r5_applies) && facts.earlier_occasions >= R5_EARLIER_OCCASIONS;
    if !required || Paperwork::of(h).assessment.is_current(p.day) {
        return None;
    }
    let state = match (h.assessment_done, h.assessment_review) {
        (None, _) => "there is none on record".to_string(),
        (Some(_), Some(review)) => format!("the one on record was due for review on {}", format_date(review)),
        (Some(done), None) => format!("the one on record is from {}, over a year ago", format_date(done)),
    };
    let occasion = if facts.earlier_occasions >= OCCASIONS_COUNTED {
        format!("has worked from home with sensitive data more than {OCCASIONS_COUNTED} times")
    } else {
        format!(
            "this is occasion {} of working from home with sensitive data",
            facts.earlier_occasions + 1
        )
    };
    Some(format!(
        "for {}, {occasion} in 12 months, so a current home-working risk assessment is required, and {state}. A manager records a current assessment (done and review dates) on their record.",
        p.holder.name
    ))
}

fn r6_agreement(p: &Proposal<'_>) -> Option<String> {
    let h = &p.holder.home;
    if Paperwork::of(h).agreement.is_current(p.day) {
        return None;
    }
    let holder = &p.holder.name;
    let why = match h.agreement_review {
        Some(review) if h.agreement_signed.is_some() => {
            format!(
                "{holder}'s home-working agreement was due for review on {}",
                format_date(review)
            )
        }
        _ => format!("{holder} has no home-working agreement on record"),
    };
    Some(format!(
        "{why}. Record a current agreement (signed and review dates) on their record."
    ))
}

fn r7_training(p: &Proposal<'_>) -> Option<String> {
    let h = &p.holder.home;
    if Paperwork::of(h).training.is_current(p.day) {
        return None;
    }
    let when = h
        .training
        .map_or("has no information-governance training on record".to_string(), |t| {
            format!("last completed information-governance training on {t}, over {TRAINING_MONTHS} months ago")
        });
    Some(format!(
        "{} {when}. Record the date of new training on their record.",
        p.holder.name
    ))
}

fn r13_overdue(p: &Proposal<'_>, facts: &Facts) -> Option<String> {
    let (first, due, count) = facts.holder_overdue.as_ref()?;
    let (what, it) = match count {
        1 => (format!("{first}, due back {due}"), "it"),
        n => (
            format!("{n} overdue items ({first}, due back {due}, the longest overdue)"),
            "them",
        ),
    };
    Some(format!(
        "{} still has {what}. Ask for {it} back, or record what happened to {it}, before more goes out.",
        p.holder.name
    ))
}

fn r14_rules_read(p: &Proposal<'_>, settings: &Settings) -> Option<String> {
    settings.ask_rules_read.then(|| {
        format!(
            "Has {} read the rules for carrying data home (on the hand-over receipt)? Go ahead only if they have: their yes is recorded with the sign-out.",
            p.holder.name
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn settings_name_only_configurable_rules() {
        let mut s = Settings::default();
        assert_eq!(s.mode(Rule::R4), Mode::Warn);
        s.set(Rule::configurable_named("r4").unwrap(), Mode::Block);
        assert_eq!(s.mode(Rule::R4), Mode::Block);
        let refused = Rule::configurable_named("R8").unwrap_err().to_string();
        assert!(refused.contains("R8 always blocks"), "{refused}");
        assert!(refused.contains("R1, R2, R3, R4, R5, R6, R7, R13"), "{refused}");
        s.set(Rule::R8, Mode::Warn);
        assert_eq!(s.mode(Rule::R8), Mode::Block, "a fixed rule stays as it is");
        assert!("maybe".parse::<Mode>().is_err());
    }

    #[test]
    fn each_rule_has_its_own_id() {
        let mut ids: Vec<&str> = Rule::ALL.into_iter().map(Rule::id).collect();
        ids.dedup();
        assert_eq!(ids.len(), Rule::ALL.len());
        assert!(Rule::ALL.into_iter().all(|r| format!("{r:?}") == r.id()));
    }

    #[test]
    fn r5_sql_says_what_r5_applies_says() {
        let sql = r5_applies_sql("i");
        assert!(sql.contains(&format!("i.data_subjects >= {R5_DATA_SUBJECTS}")), "{sql}");
        let mut file = Item::new("PF-1", ItemKind::PaperFile, "x");
        file.data_subjects = R5_DATA_SUBJECTS - 1;
        assert!(!r5_applies(&file));
        file.data_subjects = R5_DATA_SUBJECTS;
        assert!(r5_applies(&file));
    }
}
