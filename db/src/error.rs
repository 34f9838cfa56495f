//! Every way the ledger can say no, each in words a clerk understands: what was wrong and what
//! to do next. When an error is returned, nothing was written.

use std::path::PathBuf;

use crate::policy::Rule;

#[derive(Debug, thiserror::Error)]
pub enum Error {
    // --- the database file ---
    #[error("There is no Custody database at {0}. Create a new one there, or give the path of the right file.")]
    NoDatabase(PathBuf),
    #[error(
        "{0} already exists, and a new database is never made over an existing file. Choose another path, or move that file away first."
    )]
    AlreadyExists(PathBuf),
    #[error("{0} already holds records; demo data goes only into a new or empty database. Choose another path.")]
    NotEmpty(PathBuf),
    #[error("The folder for {0} does not exist. Create the folder first, or choose another path.")]
    NoFolder(PathBuf),
    #[error("{0} is an empty file, not a Custody database. It was left untouched; check the path of the database.")]
    EmptyFile(PathBuf),
    #[error(
        "{0} is not a Custody database (it is not an SQLite file at all). It was left untouched; check the path of the database."
    )]
    NotSqlite(PathBuf),
    #[error(
        "{path} is another program's SQLite database (application id {app_id:#010x}), not Custody's. It was left untouched; check the path of the database."
    )]
    OtherProgram { path: PathBuf, app_id: i64 },
    #[error(
        "{path} was written by a newer version of Custody (schema {found}; this version understands up to {supported}). It was left untouched; update Custody to open it."
    )]
    NewerSchema { path: PathBuf, found: i64, supported: i64 },
    #[error("{path} looks damaged and cannot be read ({detail}). It was left untouched; restore it from a backup.")]
    Corrupt { path: PathBuf, detail: String },
    #[error(
        "{backup} is a backup of a different database from {current}. Nothing was changed; it can replace {current} only if you say so explicitly."
    )]
    DifferentDatabase { backup: PathBuf, current: PathBuf },
    #[error("{0} is the database itself, not a backup of it. Nothing was changed; choose a backup file.")]
    RestoreOntoItself(PathBuf),
    #[error(
        "Restoring it would drop {count} confirmed entries that the trust's server does not have ({named}{more}): they would then exist only in the file kept aside. Nothing was changed. Sync first, if the server can be reached; restore anyway only if you say so explicitly, and then recover them from the kept file."
    , more = if *count > 5 { ", …" } else { "" })]
    RestoreWouldDrop { count: i64, named: String },
    #[error("No entries of this desk were left aside by a restore: there is nothing to recover.")]
    NothingStranded,
    #[error(
        "{given} is not the file the restore kept aside; the entries left there are in {kept}. Nothing was changed."
    )]
    NotTheKeptFile { given: PathBuf, kept: PathBuf },
    #[error(
        "{path} is not as Custody made it ({}), so nothing will be written to it: its record could no longer be trusted. Keep the file as evidence, check it, and restore the latest good backup.",
        .differences.join("; ")
    )]
    GuardsRemoved { path: PathBuf, differences: Vec<String> },
    #[error("{path} cannot be opened: {detail}")]
    CannotOpen { path: PathBuf, detail: String },

    // --- what was typed ---
    #[error(
        "{0:?} is not a kind of item. Use one of: laptop, chromebook, tablet, phone, paper-file, removable-media, other."
    )]
    UnknownKind(String),
    #[error("{0:?} is not a kind of container. Use one of: bag, case, car, other.")]
    UnknownContainerKind(String),
    #[error("{value:?} is not a valid {what}: {why}. Use letters, digits, '-' and '.', up to 24 characters.")]
    InvalidId {
        what: &'static str,
        value: String,
        why: String,
    },
    #[error("The {field} is not acceptable: {why}.")]
    InvalidText { field: &'static str, why: String },
    #[error("{input:?} is not a time Custody understands: {why}.")]
    BadTime { input: String, why: String },
    #[error("{when} is in the future. Custody records what has happened; leave the time out to record it as now.")]
    TimeInFuture { when: String },
    #[error("The due date {due} is not after the sign-out time {out}. Give a later due date, or none for the default.")]
    DueBeforeOut { due: String, out: String },
    #[error(
        "{tag}'s last recorded event was at {last}; an event cannot be recorded before it. Check the time given, or correct the earlier event first."
    )]
    BeforeLastEvent { tag: String, last: String },
    #[error(
        "{what} was registered at {registered}, after {when}; an event cannot be recorded before its item or person was on the register. Check the time given; to record custody from before Custody knew them, import it as a paper signing-out book."
    )]
    BeforeRegistered {
        what: String,
        registered: String,
        when: String,
    },
    #[error("The window ends ({to}) before it starts ({from}). Give the earlier time first.")]
    WindowBackwards { from: String, to: String },
    #[error("No items were given. Name at least one item tag.")]
    NoItems,
    #[error("{0} was given twice. Name each item once.")]
    RepeatedItem(String),

    // --- imports ---
    #[error("Line {line}: {why}. Nothing was imported; correct the file and try again.")]
    Import { line: u64, why: String },

    // --- the register ---
    #[error("There is already an item tagged {0}. Each tag must be unique; choose another tag.")]
    DuplicateItem(String),
    #[error("There is already a person with id {0}. Each person id must be unique.")]
    DuplicatePerson(String),
    #[error("There is already a container with id {0}.")]
    DuplicateContainer(String),
    #[error("No item is tagged {0}. Check the tag, or register the item first.")]
    UnknownItem(String),
    #[error("No person has the id {0}. Check the id, or register the person first.")]
    UnknownPerson(String),
    #[error("No container has the id {0}. Check the id, or register the container first.")]
    UnknownContainer(String),
    #[error("No incident has the id {0}. Check the id in the list of incidents.")]
    UnknownIncident(String),

    // --- stocktakes, spot checks and disposals (R10, R11) ---
    #[error("There is no stocktake {0} on this desk. Check its number (ST-1, ST-2, …).")]
    UnknownStocktake(String),
    #[error("No stocktake is open on this desk. Start one first.")]
    NoStocktake,
    #[error("More than one stocktake is open ({}). Say which one.", .0.join(", "))]
    WhichStocktake(Vec<String>),
    #[error(
        "Stocktake {id} ({scope}) is already open, started at {started}. Go on with it, or finish it before starting another of the same."
    )]
    StocktakeOpen { id: String, scope: String, started: String },
    #[error("Nothing is in {scope}, so there is nothing to count. Choose another scope.")]
    NothingToCount { scope: String },
    #[error(
        "Stocktake {id} was finished at {at} by {by}; nothing more can be counted in it. Start a new one to count again."
    )]
    StocktakeFinished { id: String, at: String, by: String },
    #[error(
        "{tag} is not a missing paper file (it is {status}, not overdue or lost): searches are logged for a paper file that is overdue or recorded lost."
    )]
    NotAMissingFile { tag: String, status: &'static str },
    #[error("A spot check of nothing checks nothing. Give a number or a percentage above zero.")]
    EmptySample,
    #[error("Nothing is out, so there is nothing to spot-check.")]
    NothingOut,
    #[error("There is no spot check {0} on this desk. Check its number (SC-1, SC-2, …).")]
    UnknownSpotCheck(String),
    #[error("{subject} was not drawn in spot check {id}; its sample is {}.", .sample.join(", "))]
    NotInSample {
        id: String,
        subject: String,
        sample: Vec<String>,
    },
    #[error("Say what the problem with {subject} was: a problem is recorded with a note.")]
    ProblemNeedsNote { subject: String },
    #[error(
        "{tag} is {status}; only an item on the premises can be disposed of. Sign it in, or record it found, first."
    )]
    DisposeNotHere { tag: String, status: String },
    #[error("Refused by R11: {tag} is a {kind}, which is disposed of only by {method}.")]
    DisposalMethod {
        tag: String,
        kind: &'static str,
        method: &'static str,
    },
    #[error(
        "Refused by R11: paper ({tag}) is destroyed only in front of a witness. Name the person who saw it shredded."
    )]
    NoWitness { tag: String },
    #[error("No event has the id {0}. Copy the id from the item's chain of custody or its history.")]
    UnknownEvent(String),
    #[error("No desk of this trust is called {name}. The desks known here are: {known}.")]
    UnknownDesk { name: String, known: String },

    // --- rule R8: what can and cannot be signed out ---
    #[error(
        "Refused by R8: {tag} is already out with {holder} since {since}. Sign it in first, or transfer it to hand it on."
    )]
    AlreadyOut { tag: String, holder: String, since: String },
    #[error("Refused by R8: {tag} is recorded as lost. If it has turned up, record it as found first.")]
    ItemLost { tag: String },
    #[error("Refused by R8: {tag} is recorded as stolen. If it has been recovered, record it as found first.")]
    ItemStolen { tag: String },
    #[error("Refused by R8: {tag} {how} and cannot leave again.")]
    ItemRetired { tag: String, how: String },
    #[error("Refused by R8: {name} ({id}) is not an active person and cannot hold items. Choose someone else.")]
    InactivePerson { id: String, name: String },

    // --- the policy rules, R1–R7 and R13 ---
    #[error("Refused by {}:\n{}{}", rule_list(blocks), lines(blocks), warnings_too(warnings))]
    PolicyRefused {
        blocks: Vec<crate::policy::Finding>,
        warnings: Vec<crate::policy::Finding>,
    },
    #[error(
        "Not signed out yet: {} must be acknowledged. Confirm that you have told the holder, and it will be recorded on the sign-out.\n{}",
        rule_list(warnings),
        lines(warnings)
    )]
    NeedsAcknowledgement { warnings: Vec<crate::policy::Finding> },

    // --- other impossible moves ---
    #[error("{tag} is not out (it is {status}), so it cannot be {action}.")]
    NotOut {
        tag: String,
        status: &'static str,
        action: &'static str,
    },
    #[error("{tag} is already with {holder}; a transfer needs a different person.")]
    SameHolder { tag: String, holder: String },
    #[error("{tag} is already recorded as {status}.")]
    AlreadyMissing { tag: String, status: &'static str },
    #[error("{tag} is not lost or stolen (it is {status}), so it cannot be found.")]
    NotMissing { tag: String, status: &'static str },
    #[error("{tag} is out with {holder}; sign it in before retiring it.")]
    RetireWhileOut { tag: String, holder: String },
    #[error("That event cannot be corrected: {0}")]
    CannotCorrect(String),

    // --- operators and roles ---
    #[error("{0:?} is not a role. Use one of: operator, manager, dpo, admin.")]
    UnknownRole(String),
    #[error("{value:?} is not a valid operator id: {why}. Use letters, digits, '-', '.' and '_', up to 24 characters.")]
    InvalidOperatorId { value: String, why: String },
    #[error("There is already an operator with the id {0}. Choose another id.")]
    DuplicateOperator(String),
    #[error("No operator has the id {0}. Check the id, or ask an administrator to add you.")]
    UnknownOperator(String),
    #[error(
        "This database has no operators yet (it was made before Custody had sign-in). Create the first administrator (an id, a name and a password) before anything else."
    )]
    NoOperatorsYet,
    #[error("This database already has operators: an administrator adds more.")]
    OperatorsExist,
    #[error("The first operator must be an administrator, so that someone can add the others.")]
    FirstMustBeAdmin,
    #[error(
        "Refused: signing in is needed to {what} (role {needs} or above). Sign in with your operator id and password first."
    )]
    NotSignedIn {
        what: &'static str,
        needs: crate::operator::Role,
    },
    #[error("{}", role_refused(who, *role, what, *needs))]
    RoleRefused {
        who: String,
        role: crate::operator::Role,
        what: &'static str,
        needs: crate::operator::Role,
    },
    #[error("Wrong password for {id}. {}", attempts_note(*.failed))]
    WrongPassword { id: String, failed: u32 },
    #[error("{id} is disabled and cannot sign in. An administrator can enable them again.")]
    OperatorDisabled { id: String },
    #[error(
        "{id} is locked out after {failed} wrong passwords in a row, until {until}. Wait, or ask an administrator to clear it."
    )]
    OperatorLocked { id: String, failed: u32, until: String },
    #[error("Too many wrong passwords for {id}: wait {seconds} seconds before the next try.")]
    TooSoon { id: String, seconds: i64 },
    #[error(
        "{operator} has no signing key on the record yet, so nothing they record could be proven theirs; nothing was recorded. An administrator sets a new password for them, which issues one."
    )]
    NoSigningKey { operator: String },
    #[error(
        "{operator}'s signing key on the record does not open with their password: the record was changed behind Custody's back. Nothing was recorded; check the database, and restore the latest good backup."
    )]
    SealedKeyChanged { operator: String },
    #[error(
        "{id} is the last active administrator; add or enable another administrator first, so that someone can still manage operators."
    )]
    LastAdmin { id: String },

    // --- sync ---
    #[error(
        "Entry {seq} of desk {desk} from the server was refused: {why}. Nothing from this pull was kept; tell whoever runs the trust's server."
    )]
    RemoteEntryRefused { desk: String, seq: i64, why: String },

    #[error(
        "This desk belongs to another trust: its root key is {ours}, but the server's trust has {theirs}. Nothing was sent or received; check the server's address with whoever runs the trust (and both fingerprints against the one your DPO keeps on paper)."
    )]
    OtherTrust { ours: String, theirs: String },

    // --- the disk ---
    #[error(
        "The disk is full, so nothing was recorded. Free some space (or move the database to another disk) and try again."
    )]
    DiskFull,
    #[error(
        "The database cannot be written (the file or its folder is read-only), so nothing was recorded. Check the permissions of the database and its folder."
    )]
    ReadOnly,
    #[error(
        "{} is in a folder (or is a file) Custody can only read: it shows what the file holds, but records nothing there. Ask for write access to the folder, or work on a copy.",
        path.display()
    )]
    ReadOnlyFolder { path: PathBuf },
    #[error(
        "{} was made by an earlier version of Custody (schema {found}) and must be upgraded before it can be read, which needs write access to its folder. Ask for write access, or upgrade a copy.",
        path.display()
    )]
    ReadOnlyNeedsUpgrade { path: PathBuf, found: i64 },
    #[error(
        "Writing to the disk failed ({0}), so nothing was recorded. The disk may be full or failing: free some space and try again, and if it keeps happening, back the database up to another disk."
    )]
    WriteFailed(rusqlite::Error),
    #[error(
        "The database could not be written: {0}. Nothing was recorded; try again, and if it keeps happening check free disk space and permissions."
    )]
    Storage(rusqlite::Error),
    #[error("{0}")]
    Io(#[from] std::io::Error),
}

impl From<rusqlite::Error> for Error {
    fn from(e: rusqlite::Error) -> Error {
        match e.sqlite_error_code() {
            Some(rusqlite::ErrorCode::DiskFull) => Error::DiskFull,
            Some(rusqlite::ErrorCode::ReadOnly) => Error::ReadOnly,
            Some(rusqlite::ErrorCode::SystemIoFailure) => Error::WriteFailed(e),
            _ => Error::Storage(e),
        }
    }
}

impl Error {
    /// The policy rule that refused, if a rule did (such refusals exit with code 3).
    pub fn rule(&self) -> Option<Rule> {
        match self {
            Error::AlreadyOut { .. }
            | Error::ItemLost { .. }
            | Error::ItemStolen { .. }
            | Error::ItemRetired { .. }
            | Error::InactivePerson { .. } => Some(Rule::R8),
            Error::DisposalMethod { .. } | Error::NoWitness { .. } => Some(Rule::R11),
            Error::PolicyRefused { blocks: f, .. } | Error::NeedsAcknowledgement { warnings: f } => {
                f.first().map(|f| f.rule)
            }
            _ => None,
        }
    }
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

fn attempts_note(failed: u32) -> String {
    use crate::operator::{DELAY_AFTER, LOCK_AFTER, LOCKOUT_MINUTES};
    let left = LOCK_AFTER.saturating_sub(failed);
    if failed < DELAY_AFTER {
        "Check it and try again.".to_string()
    } else if left > 0 {
        format!(
            "{failed} wrong in a row: after {LOCK_AFTER}, sign-in is locked for {LOCKOUT_MINUTES} minutes ({left} tries left)."
        )
    } else {
        format!("{failed} wrong in a row: sign-in is locked for {LOCKOUT_MINUTES} minutes.")
    }
}

fn rule_list(findings: &[crate::policy::Finding]) -> String {
    let mut ids: Vec<&str> = findings.iter().map(|f| f.rule.id()).collect();
    ids.dedup();
    ids.join(", ")
}

fn lines(findings: &[crate::policy::Finding]) -> String {
    findings.iter().map(|f| format!("  {f}")).collect::<Vec<_>>().join("\n")
}

fn warnings_too(warnings: &[crate::policy::Finding]) -> String {
    if warnings.is_empty() {
        String::new()
    } else {
        format!("\nAlso to mention ({}):\n{}", rule_list(warnings), lines(warnings))
    }
}

/// A refusal that names the role: the auditor's, which changes nothing, in words of its own.
fn role_refused(who: &str, role: crate::operator::Role, what: &str, needs: crate::operator::Role) -> String {
    if role == crate::operator::Role::Auditor {
        format!(
            "Refused: {who} is signed in as auditor, who may read everything and change nothing, so may not {what}. Ask someone with the {needs} role."
        )
    } else {
        format!(
            "Refused: {who} is signed in as {role}, and to {what} needs the {needs} role or above. Ask someone with that role."
        )
    }
}
