//! Operators (the staff who use Custody), their roles, and what each role may do.
//!
//! One table says who may do what: [`Action::needs`]. The ledger checks it, through
//! [`crate::Ledger::allow`], at the top of every write and every sensitive read; the front ends
//! only ask it which screens and buttons to show.

use std::fmt;

use argon2::{Argon2, Params, PasswordHash, PasswordHasher, PasswordVerifier};

use crate::error::{Error, Result};

/// The roles, each allowed everything the one before it is, and more.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Role {
    /// Signs items out and in, transfers them, records losses and finds, prints labels, and
    /// sees the items, the people and what is out.
    Operator,
    /// Also keeps the register, imports and exports, the overdue report, corrections,
    /// stocktakes and the settings of the rules.
    Manager,
    /// The data protection officer: also exposure lookups, incidents and breach packs, the
    /// ledger's export and `verify`.
    Dpo,
    /// Also operators, backups and restores, and every setting.
    Admin,
}

impl Role {
    pub const ALL: [Role; 4] = [Role::Operator, Role::Manager, Role::Dpo, Role::Admin];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Operator => "operator",
            Role::Manager => "manager",
            Role::Dpo => "dpo",
            Role::Admin => "admin",
        }
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl std::str::FromStr for Role {
    type Err = Error;
    fn from_str(s: &str) -> Result<Role> {
        let s = s.trim().to_ascii_lowercase();
        Role::ALL
            .into_iter()
            .find(|r| r.as_str() == s)
            .ok_or(Error::UnknownRole(s))
    }
}

/// Everything a role may or may not do. Each is checked in `db`, by [`Action::needs`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Action {
    // operator
    SignOut,
    SignIn,
    Transfer,
    RecordLossOrFind,
    PrintLabels,
    SeeRegister,
    /// Count items seen in an open stocktake.
    StocktakeScan,
    /// Send this desk's entries to the trust's server (a sync round).
    Sync,
    // manager
    EditRegister,
    Import,
    Export,
    OverdueReport,
    Correct,
    Stocktake,
    /// Record a disposal (R11).
    Dispose,
    /// Draw a spot check and record what it found (R10).
    SpotCheck,
    RuleSettings,
    // dpo
    Exposure,
    Incidents,
    LedgerExport,
    Verify,
    // admin
    Operators,
    Backup,
    Restore,
    AllSettings,
    /// Join this desk to a trust's server (or make the server ready).
    JoinServer,
}

impl Action {
    pub const ALL: [Action; 26] = [
        Action::SignOut,
        Action::SignIn,
        Action::Transfer,
        Action::RecordLossOrFind,
        Action::PrintLabels,
        Action::SeeRegister,
        Action::StocktakeScan,
        Action::Sync,
        Action::EditRegister,
        Action::Import,
        Action::Export,
        Action::OverdueReport,
        Action::Correct,
        Action::Stocktake,
        Action::Dispose,
        Action::SpotCheck,
        Action::RuleSettings,
        Action::Exposure,
        Action::Incidents,
        Action::LedgerExport,
        Action::Verify,
        Action::Operators,
        Action::Backup,
        Action::Restore,
        Action::AllSettings,
        Action::JoinServer,
    ];

    /// The least role that may do it: the one table of who may do what.
    pub fn needs(self) -> Role {
        use Action::*;
        match self {
            SignOut | SignIn | Transfer | RecordLossOrFind | PrintLabels | SeeRegister | StocktakeScan | Sync => {
                Role::Operator
            }
            EditRegister | Import | Export | OverdueReport | Correct | Stocktake | Dispose | SpotCheck
            | RuleSettings => Role::Manager,
            Exposure | Incidents | LedgerExport | Verify => Role::Dpo,
            Operators | Backup | Restore | AllSettings | JoinServer => Role::Admin,
        }
    }

    /// What it is, in the words of a refusal: "… needs the manager role to {describe}".
    pub fn describe(self) -> &'static str {
        use Action::*;
        match self {
            SignOut => "sign items out",
            SignIn => "sign items in",
            Transfer => "transfer items",
            RecordLossOrFind => "record a loss, a theft or a find",
            PrintLabels => "print labels",
            SeeRegister => "see the items, the people and what is out",
            StocktakeScan => "count items in a stocktake",
            Sync => "sync with the trust's server",
            EditRegister => "add or change items, people and containers",
            Import => "import a file",
            Export => "export the register",
            OverdueReport => "run the overdue report",
            Correct => "correct an event",
            Stocktake => "run a stocktake",
            Dispose => "record a disposal",
            SpotCheck => "draw or record a spot check",
            RuleSettings => "change the settings of the rules",
            Exposure => "look up an exposure",
            Incidents => "read or record incidents",
            LedgerExport => "export the ledger",
            Verify => "verify the ledger",
            Operators => "manage operators",
            Backup => "make a backup",
            Restore => "restore a backup",
            AllSettings => "change this setting",
            JoinServer => "join this desk to a trust's server",
        }
    }
}

/// One operator as the register holds them (never their password hash).
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct Operator {
    pub id: String,
    pub name: String,
    pub role: Role,
    pub active: bool,
    /// Wrong passwords in a row since the last good one.
    pub failed_attempts: u32,
    /// Until when (Unix ms) sign-in is refused after too many wrong passwords.
    pub locked_until: Option<i64>,
}

impl Operator {
    /// Until when sign-in is refused, if it is at `now` (Unix ms).
    pub fn locked_out_at(&self, now: i64) -> Option<i64> {
        self.locked_until.filter(|until| *until > now)
    }
}

/// Who a ledger acts for. Made only by signing in (or by the ledger itself for its own work),
/// so holding one is proof that the password was checked.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Session {
    pub(crate) id: String,
    pub(crate) name: String,
    pub(crate) role: Role,
}

impl Session {
    pub fn id(&self) -> &str {
        &self.id
    }
    pub fn name(&self) -> &str {
        &self.name
    }
    pub fn role(&self) -> Role {
        self.role
    }
    /// Whether this operator's role may do `action`.
    pub fn may(&self, action: Action) -> bool {
        self.role >= action.needs()
    }
}

/// The shortest password or PIN accepted.
pub const MIN_SECRET_LEN: usize = 6;
/// Wrong passwords in a row after which each further attempt waits longer.
pub const DELAY_AFTER: u32 = 5;
/// Wrong passwords in a row after which the operator is locked out for [`LOCKOUT_MINUTES`].
pub const LOCK_AFTER: u32 = 10;
pub const LOCKOUT_MINUTES: i64 = 15;

/// How long the next attempt must wait after `failed` wrong passwords in a row: nothing up to
/// [`DELAY_AFTER`], then 2, 4, 8 … seconds, at most a minute.
pub fn delay_after(failed: u32) -> chrono::Duration {
    if failed < DELAY_AFTER {
        return chrono::Duration::zero();
    }
    let doublings = (failed - DELAY_AFTER).min(5);
    chrono::Duration::seconds((2_i64 << doublings).min(60))
}

/// How passwords are hashed: Argon2id with OWASP's minimum (19 MiB, two passes), or, for tests
/// only, the cheapest parameters Argon2 accepts. Checking a password always uses the parameters
/// stored in its PHC string, so a test's cheap hashes still check.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Hashing {
    memory_kib: u32,
    passes: u32,
}

impl Default for Hashing {
    fn default() -> Self {
        Hashing {
            memory_kib: Params::DEFAULT_M_COST,
            passes: Params::DEFAULT_T_COST,
        }
    }
}

impl Hashing {
    /// Cheap parameters that make tests fast. Never used by the program itself.
    #[doc(hidden)]
    pub fn cheap_for_tests() -> Hashing {
        Hashing {
            memory_kib: Params::MIN_M_COST.max(8),
            passes: 1,
        }
    }

    /// Hashes a password or PIN into a PHC string (`$argon2id$v=19$m=…`).
    pub(crate) fn hash(self, secret: &str) -> Result<String> {
        let params = Params::new(self.memory_kib, self.passes, 1, None).map_err(hash_failed)?;
        let hasher = Argon2::new(argon2::Algorithm::Argon2id, argon2::Version::V0x13, params);
        Ok(hasher
            .hash_password(secret.as_bytes())
            .map_err(hash_failed)?
            .to_string())
    }
}

/// Whether `secret` matches the PHC string `phc` (with the parameters it names).
pub(crate) fn secret_matches(secret: &str, phc: &str) -> bool {
    PasswordHash::new(phc).is_ok_and(|hash| Argon2::default().verify_password(secret.as_bytes(), &hash).is_ok())
}

fn hash_failed(e: impl fmt::Display) -> Error {
    Error::InvalidText {
        field: "password",
        why: format!("it could not be hashed ({e})"),
    }
}

/// Checks a new password or PIN: long enough, not blank, no control characters.
pub(crate) fn check_new_secret(secret: &str) -> Result<()> {
    let why = if secret.trim().is_empty() {
        Some("it is empty".to_string())
    } else if secret.chars().count() < MIN_SECRET_LEN {
        Some(format!("it is shorter than {MIN_SECRET_LEN} characters"))
    } else if secret.chars().any(char::is_control) {
        Some("it contains a control character".to_string())
    } else {
        None
    };
    match why {
        None => Ok(()),
        Some(why) => Err(Error::InvalidText {
            field: "password or PIN",
            why: format!("{why}; choose one of at least {MIN_SECRET_LEN} characters"),
        }),
    }
}

/// Checks and lower-cases an operator id: letters, digits, '-', '.' and '_', as login names are.
pub fn normalise_operator_id(raw: &str) -> Result<String> {
    let id = raw.trim().to_ascii_lowercase();
    let why = if id.is_empty() {
        Some("it is empty".to_string())
    } else if id.chars().count() > crate::ids::MAX_ID_LEN {
        Some(format!("it is longer than {} characters", crate::ids::MAX_ID_LEN))
    } else if let Some(c) = id
        .chars()
        .find(|c| !(c.is_ascii_alphanumeric() || matches!(c, '-' | '.' | '_')))
    {
        Some(format!("it contains {c:?}"))
    } else if !id.starts_with(|c: char| c.is_ascii_alphanumeric()) {
        Some("it must start with a letter or a digit".to_string())
    } else {
        None
    };
    match why {
        None => Ok(id),
        Some(why) => Err(Error::InvalidOperatorId {
            value: raw.to_string(),
            why,
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_role_may_do_what_the_one_below_may() {
        for action in Action::ALL {
            let allowed: Vec<bool> = Role::ALL.iter().map(|r| *r >= action.needs()).collect();
            // Once allowed, allowed for every higher role.
            assert!(allowed.windows(2).all(|w| !w[0] || w[1]), "{action:?}");
        }
    }

    #[test]
    fn a_cheap_hash_checks_and_a_wrong_secret_does_not() {
        let phc = Hashing::cheap_for_tests().hash("correct horse").unwrap_or_default();
        assert!(phc.starts_with("$argon2id$v=19$"), "{phc}");
        assert!(secret_matches("correct horse", &phc));
        assert!(!secret_matches("correct horsE", &phc));
        assert!(!secret_matches("correct horse", "not a phc string"));
    }

    #[test]
    fn the_default_is_owasps_minimum() {
        let h = Hashing::default();
        assert_eq!((h.memory_kib, h.passes), (19 * 1024, 2));
    }

    #[test]
    fn the_delay_grows_then_stops_growing() {
        assert_eq!(delay_after(4), chrono::Duration::zero());
        assert_eq!(delay_after(5), chrono::Duration::seconds(2));
        assert_eq!(delay_after(6), chrono::Duration::seconds(4));
        assert_eq!(delay_after(20), chrono::Duration::seconds(60));
    }
}
