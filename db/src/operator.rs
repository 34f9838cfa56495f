//! Operators (the staff who use Custody), their roles, and what each role may do.
//!
//! One table says who may do what: [`Action::needs`]. The ledger checks it, through
//! [`crate::Ledger::allow`], at the top of every write and every sensitive read; the front ends
//! only ask it which screens and buttons to show.

use std::fmt;

use argon2::{Argon2, Params, PasswordHash, PasswordVerifier};

use crate::error::{Error, Result};

/// The roles: the first four each allowed everything the one before it is, and more; the
/// auditor apart, reading what an administrator reads and changing nothing.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, serde::Serialize, serde::Deserialize)]
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
    /// Reads everything an administrator can (every screen and report, exposure, incidents and
    /// breach packs, verify) and changes nothing: never signs anything out. For a trust's
    /// auditor, or an inspector.
    Auditor,
}

impl Role {
    pub const ALL: [Role; 5] = [Role::Operator, Role::Manager, Role::Dpo, Role::Admin, Role::Auditor];

    /// Where it stands among the roles that change things (the auditor changes nothing).
    fn rank(self) -> Option<u8> {
        match self {
            Role::Operator => Some(0),
            Role::Manager => Some(1),
            Role::Dpo => Some(2),
            Role::Admin => Some(3),
            Role::Auditor => None,
        }
    }

    /// Whether this role is `other` or above among the roles in line (an auditor is none).
    pub fn at_least(self, other: Role) -> bool {
        matches!((self.rank(), other.rank()), (Some(mine), Some(theirs)) if mine >= theirs)
    }

    /// Whether this role may do `action`: the one table, [`Action::needs`], for the roles in
    /// line; for the auditor, what only reads ([`Action::only_reads`]).
    pub fn may(self, action: Action) -> bool {
        match self {
            Role::Auditor => action.only_reads(),
            _ => self.at_least(action.needs()),
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Operator => "operator",
            Role::Manager => "manager",
            Role::Dpo => "dpo",
            Role::Admin => "admin",
            Role::Auditor => "auditor",
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
    /// Queue and send the notices due to holders (the desk does it while open, whoever is
    /// signed in).
    SendNotices,
    /// See the notices: what is due, what was sent, what waits.
    SeeNotices,
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
    /// Record incidents and add to their timelines.
    Incidents,
    /// Read incidents and their breach packs.
    SeeIncidents,
    /// The trust's report: every desk's figures side by side.
    TrustReport,
    LedgerExport,
    Verify,
    // admin
    Operators,
    /// See the operators and their records.
    SeeOperators,
    Backup,
    Restore,
    AllSettings,
    /// Join this desk to a trust's server (or make the server ready).
    JoinServer,
}

impl Action {
    pub const ALL: [Action; 31] = [
        Action::SignOut,
        Action::SignIn,
        Action::Transfer,
        Action::RecordLossOrFind,
        Action::PrintLabels,
        Action::SeeRegister,
        Action::StocktakeScan,
        Action::Sync,
        Action::SendNotices,
        Action::SeeNotices,
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
        Action::SeeIncidents,
        Action::TrustReport,
        Action::LedgerExport,
        Action::Verify,
        Action::Operators,
        Action::SeeOperators,
        Action::Backup,
        Action::Restore,
        Action::AllSettings,
        Action::JoinServer,
    ];

    /// The least role that may do it: the one table of who may do what.
    pub fn needs(self) -> Role {
        use Action::*;
        match self {
            SignOut | SignIn | Transfer | RecordLossOrFind | PrintLabels | SeeRegister | StocktakeScan | Sync
            | SendNotices | SeeNotices => Role::Operator,
            EditRegister | Import | Export | OverdueReport | Correct | Stocktake | Dispose | SpotCheck
            | RuleSettings => Role::Manager,
            Exposure | Incidents | SeeIncidents | TrustReport | LedgerExport | Verify => Role::Dpo,
            Operators | SeeOperators | Backup | Restore | AllSettings | JoinServer => Role::Admin,
        }
    }

    /// Whether it changes nothing on the record: what an auditor may do. (A sync moves the
    /// trust's record between desks and changes none of it; a verification puts only its own
    /// finding on the record.)
    pub fn only_reads(self) -> bool {
        use Action::*;
        matches!(
            self,
            SeeRegister
                | Export
                | OverdueReport
                | Exposure
                | SeeIncidents
                | SeeNotices
                | TrustReport
                | LedgerExport
                | Verify
                | SeeOperators
                | Sync
        )
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
            SendNotices => "send the notices due to holders",
            SeeNotices => "see the notices to holders",
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
            Incidents => "record incidents",
            SeeIncidents => "read incidents and breach packs",
            TrustReport => "see the trust's report of every desk",
            LedgerExport => "export the ledger",
            Verify => "verify the ledger",
            Operators => "manage operators",
            SeeOperators => "see the operators and their records",
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
#[derive(Clone, Debug)]
pub struct Session {
    pub(crate) id: String,
    pub(crate) name: String,
    pub(crate) role: Role,
    /// Their signing key, unsealed by their password: another connection of this program acting
    /// for them (the desk's) signs with it. Never stored unsealed.
    pub(crate) signer: Option<crate::signing::Signer>,
}

impl PartialEq for Session {
    fn eq(&self, other: &Session) -> bool {
        (&self.id, &self.name, self.role) == (&other.id, &other.name, other.role)
    }
}

impl Eq for Session {}

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
        self.role.may(action)
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

    /// Derives from a new password or PIN what is stored to check it, and the key that seals
    /// the operator's signing key: one Argon2id run with a 64-byte output, of which a SHA-256
    /// under one label is stored (`$custody-argon2id-v2$m=…,t=…,p=1$SALT$VERIFIER`, in hex) and
    /// a SHA-256 under another is the seal key, which is never stored.
    pub(crate) fn derive(self, secret: &str) -> Result<(String, [u8; 32])> {
        let mut salt = [0u8; 16];
        getrandom::fill(&mut salt).map_err(hash_failed)?;
        let (verifier, seal) = argon2_64(secret, &salt, self.memory_kib, self.passes)?;
        let stored = format!(
            "{V2_PREFIX}m={},t={},p=1${}${}",
            self.memory_kib,
            self.passes,
            crate::event::to_hex(&salt),
            crate::event::to_hex(&verifier)
        );
        Ok((stored, seal))
    }
}

/// What a password stored since signing began starts with.
const V2_PREFIX: &str = "$custody-argon2id-v2$";

/// One Argon2id run over `secret`, split by SHA-256 into (what is stored, the seal key).
fn argon2_64(secret: &str, salt: &[u8], memory_kib: u32, passes: u32) -> Result<([u8; 32], [u8; 32])> {
    use sha2::{Digest, Sha256};
    let params = Params::new(memory_kib, passes, 1, Some(64)).map_err(hash_failed)?;
    let hasher = Argon2::new(argon2::Algorithm::Argon2id, argon2::Version::V0x13, params);
    let mut out = [0u8; 64];
    hasher
        .hash_password_into(secret.as_bytes(), salt, &mut out)
        .map_err(hash_failed)?;
    let labelled = |label: &[u8]| -> [u8; 32] { Sha256::new().chain_update(label).chain_update(out).finalize().into() };
    Ok((labelled(b"custody-password-verifier"), labelled(b"custody-key-seal")))
}

/// Whether `secret` is the password stored as `stored`: `None` when it is not; when it is, the
/// key that seals the operator's signing key (`None` inside for a password stored before signing
/// began, an Argon2id PHC string, which yields none).
pub(crate) fn check_secret(secret: &str, stored: &str) -> Option<Option<[u8; 32]>> {
    let Some(rest) = stored.strip_prefix(V2_PREFIX) else {
        let legacy = PasswordHash::new(stored)
            .is_ok_and(|hash| Argon2::default().verify_password(secret.as_bytes(), &hash).is_ok());
        return legacy.then_some(None);
    };
    let mut parts = rest.split('$');
    let (params, salt, verifier) = (parts.next()?, parts.next()?, parts.next()?);
    let number = |key: &str| -> Option<u32> {
        params
            .split(',')
            .find_map(|p| p.strip_prefix(key)?.strip_prefix('=')?.parse().ok())
    };
    let salt = crate::event::hex_bytes(salt)?;
    let (computed, seal) = argon2_64(secret, &salt, number("m")?, number("t")?).ok()?;
    let expected = crate::event::hex_bytes(verifier)?;
    // Compared in full whatever differs first, so the time taken says nothing.
    let same = expected.len() == 32 && expected.iter().zip(computed).fold(0u8, |d, (a, b)| d | (a ^ b)) == 0;
    same.then_some(Some(seal))
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
            let allowed: Vec<bool> = Role::ALL[..4].iter().map(|r| r.may(action)).collect();
            // Once allowed, allowed for every higher role.
            assert!(allowed.windows(2).all(|w| !w[0] || w[1]), "{action:?}");
        }
    }

    #[test]
    fn an_auditor_reads_what_an_administrator_reads_and_changes_nothing() {
        for action in Action::ALL {
            let expected = action.only_reads() && Role::Admin.may(action);
            assert_eq!(Role::Auditor.may(action), expected, "{action:?}");
        }
        assert!(Role::Auditor.may(Action::Exposure) && Role::Auditor.may(Action::SeeIncidents));
        for write in [
            Action::SignOut,
            Action::EditRegister,
            Action::Incidents,
            Action::Operators,
            Action::SendNotices,
        ] {
            assert!(!Role::Auditor.may(write), "{write:?}");
        }
    }

    #[test]
    fn a_password_checks_and_yields_its_seal_key_and_a_wrong_one_does_not() {
        let (stored, seal) = Hashing::cheap_for_tests().derive("correct horse").unwrap_or_default();
        assert!(stored.starts_with("$custody-argon2id-v2$m=8,t=1,p=1$"), "{stored}");
        assert_eq!(check_secret("correct horse", &stored), Some(Some(seal)));
        assert_eq!(check_secret("correct horsE", &stored), None);
        assert_eq!(check_secret("correct horse", "not a stored password"), None);
        assert!(
            !stored.contains(&crate::event::to_hex(&seal)),
            "the seal key is never stored"
        );
        let (again, other_seal) = Hashing::cheap_for_tests().derive("correct horse").unwrap_or_default();
        assert!(again != stored && other_seal != seal, "a fresh salt each time");
    }

    #[test]
    fn a_password_stored_before_signing_still_checks_and_yields_no_seal_key() {
        use argon2::PasswordHasher;
        let params = Params::new(8, 1, 1, None).unwrap_or_default();
        let phc = Argon2::new(argon2::Algorithm::Argon2id, argon2::Version::V0x13, params)
            .hash_password(b"correct horse")
            .map(|h| h.to_string())
            .unwrap_or_default();
        assert_eq!(check_secret("correct horse", &phc), Some(None));
        assert_eq!(check_secret("correct horsE", &phc), None);
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
