//! The things the ledger tracks: items, people, containers, and the kinds of event.

use std::fmt;
use std::str::FromStr;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::Error;

/// What an item is. Removable media exists only so that it can be refused (rule R2).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ItemKind {
    Laptop,
    Chromebook,
    Tablet,
    Phone,
    PaperFile,
    RemovableMedia,
    Other,
}

impl ItemKind {
    pub const ALL: [ItemKind; 7] = [
        ItemKind::Laptop,
        ItemKind::Chromebook,
        ItemKind::Tablet,
        ItemKind::Phone,
        ItemKind::PaperFile,
        ItemKind::RemovableMedia,
        ItemKind::Other,
    ];

    /// The name used on the command line, in the database and in files.
    pub fn as_str(self) -> &'static str {
        match self {
            ItemKind::Laptop => "laptop",
            ItemKind::Chromebook => "chromebook",
            ItemKind::Tablet => "tablet",
            ItemKind::Phone => "phone",
            ItemKind::PaperFile => "paper-file",
            ItemKind::RemovableMedia => "removable-media",
            ItemKind::Other => "other",
        }
    }

    /// Devices can be encrypted; paper cannot.
    pub fn is_device(self) -> bool {
        !matches!(self, ItemKind::PaperFile | ItemKind::Other)
    }
}

impl fmt::Display for ItemKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for ItemKind {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self, Error> {
        let wanted = s.trim().to_ascii_lowercase().replace('_', "-");
        ItemKind::ALL
            .into_iter()
            .find(|k| k.as_str() == wanted)
            .ok_or_else(|| Error::UnknownKind(s.to_string()))
    }
}

/// What kind of container an item can travel in.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ContainerKind {
    Bag,
    Case,
    Car,
    Other,
}

impl ContainerKind {
    pub const ALL: [ContainerKind; 4] = [
        ContainerKind::Bag,
        ContainerKind::Case,
        ContainerKind::Car,
        ContainerKind::Other,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            ContainerKind::Bag => "bag",
            ContainerKind::Case => "case",
            ContainerKind::Car => "car",
            ContainerKind::Other => "other",
        }
    }
}

impl FromStr for ContainerKind {
    type Err = Error;
    fn from_str(s: &str) -> Result<Self, Error> {
        let wanted = s.trim().to_ascii_lowercase();
        ContainerKind::ALL
            .into_iter()
            .find(|k| k.as_str() == wanted)
            .ok_or_else(|| Error::UnknownContainerKind(s.to_string()))
    }
}

/// The kinds of event in the custody ledger.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, serde::Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum EventKind {
    SignOut,
    SignIn,
    Transfer,
    Lost,
    Stolen,
    Found,
    Retired,
    /// Voids an earlier event (named by `corrects`), with a reason. Nothing is deleted.
    Correction,
}

impl EventKind {
    pub const ALL: [EventKind; 8] = [
        EventKind::SignOut,
        EventKind::SignIn,
        EventKind::Transfer,
        EventKind::Lost,
        EventKind::Stolen,
        EventKind::Found,
        EventKind::Retired,
        EventKind::Correction,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            EventKind::SignOut => "sign-out",
            EventKind::SignIn => "sign-in",
            EventKind::Transfer => "transfer",
            EventKind::Lost => "lost",
            EventKind::Stolen => "stolen",
            EventKind::Found => "found",
            EventKind::Retired => "retired",
            EventKind::Correction => "correction",
        }
    }

    pub fn parse(s: &str) -> Option<EventKind> {
        EventKind::ALL.into_iter().find(|k| k.as_str() == s)
    }
}

impl EventKind {
    /// The event as a noun, for "the sign-out of 20 Nov", "the theft of …".
    pub fn noun(self) -> &'static str {
        match self {
            EventKind::SignOut => "sign-out",
            EventKind::SignIn => "return",
            EventKind::Transfer => "transfer",
            EventKind::Lost => "loss",
            EventKind::Stolen => "theft",
            EventKind::Found => "find",
            EventKind::Retired => "retirement",
            EventKind::Correction => "correction",
        }
    }
}

impl fmt::Display for EventKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// An item as registered, with its personal-data profile.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Item {
    pub tag: String,
    pub kind: ItemKind,
    pub name: String,
    pub serial: Option<String>,
    pub encrypted: bool,
    /// Kinds of personal data it carries, e.g. `contact`, `health`, `sen`.
    pub data_categories: Vec<String>,
    /// How many people's data it carries (data subjects / records).
    pub data_subjects: u32,
    pub special_category: bool,
    pub safeguarding: bool,
    pub confidential: bool,
    /// Anonymised data whose anonymisation technique is not approved (one of R5's categories).
    #[serde(default)]
    pub anonymised_unapproved: bool,
}

impl Item {
    /// A new item with no personal data and nothing else set.
    pub fn new(tag: &str, kind: ItemKind, name: &str) -> Item {
        Item {
            tag: tag.to_string(),
            kind,
            name: name.to_string(),
            serial: None,
            encrypted: false,
            data_categories: Vec::new(),
            data_subjects: 0,
            special_category: false,
            safeguarding: false,
            confidential: false,
            anonymised_unapproved: false,
        }
    }

    /// Whether the item carries any personal data at all.
    pub fn holds_personal_data(&self) -> bool {
        self.data_subjects > 0 || !self.data_categories.is_empty() || self.special_category || self.safeguarding
    }

    /// A device carrying personal data that is not recorded as encrypted (what R4 is about).
    pub fn unencrypted_personal_data(&self) -> bool {
        self.kind.is_device() && self.holds_personal_data() && !self.encrypted
    }
}

/// A person who can hold items.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Person {
    pub id: String,
    pub name: String,
    pub email: Option<String>,
    pub active: bool,
    #[serde(flatten)]
    pub home: HomeWorking,
}

/// What the home-working policy needs to know of a person (rules R5, R6, R7).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct HomeWorking {
    /// Home-working agreement signed on, and when it is due for review (R6).
    pub agreement_signed: Option<NaiveDate>,
    pub agreement_review: Option<NaiveDate>,
    /// Home-working risk assessment done on, due for review on, and its reference (R5).
    pub assessment_done: Option<NaiveDate>,
    pub assessment_review: Option<NaiveDate>,
    pub assessment_ref: Option<String>,
    /// Information-governance training completed on (R7).
    pub training: Option<NaiveDate>,
}

/// A bag, case or car that items travel in.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Container {
    pub id: String,
    pub kind: ContainerKind,
    pub name: String,
}
