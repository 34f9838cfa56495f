//! What to type next. The ledger's messages say what was wrong and what would allow it, in words;
//! here the command line adds the command or flag that does it.

use custody_db::{Error, Rule};

/// A hint for an error from a command, if the command line has one.
pub fn hint(err: &anyhow::Error) -> Option<String> {
    let err = err.downcast_ref::<Error>()?;
    let text = match err {
        Error::NoDatabase(_) => {
            "create one with `custody init` (or `custody demo` for demo data), or name the right file with --db"
        }
        Error::AlreadyExists(_) | Error::NotEmpty(_) | Error::NoFolder(_) => "give another path with --db",
        Error::EmptyFile(_) | Error::NotSqlite(_) | Error::OtherProgram { .. } => "check the path given with --db",
        Error::DifferentDatabase { .. } => "add --force to restore it anyway",
        Error::RestoreWouldDrop { .. } => {
            "run `custody sync` first; or add --force, then `custody sync recover KEPT-FILE` brings them back"
        }
        Error::TimeInFuture { .. } => "leave out --at to record it as now",
        Error::DueBeforeOut { .. } => "give a later --due, or leave it out for the default",
        Error::BeforeLastEvent { .. } => "check the --at time, or `custody correct` the earlier event first",
        Error::WindowBackwards { .. } => "give --from before --to",
        Error::UnknownItem(_) => "add it with `custody item add`; `custody item list` shows every tag",
        Error::UnknownPerson(_) => "add them with `custody person add`; `custody person list` shows every id",
        Error::UnknownContainer(_) => "add it with `custody container add`; `custody container list` shows them",
        Error::UnknownIncident(_) => "`custody incident list` shows every incident",
        Error::UnknownEvent(_) => "copy the id from `custody item show TAG` or `custody history`",
        Error::UnknownDesk { .. } => "`custody server desks` lists the trust's desks by name",
        Error::AlreadyOut { tag, .. } => {
            return Some(format!(
                "`custody in {tag}` signs it in; `custody transfer {tag} --to PERSON` hands it on"
            ));
        }
        Error::ItemLost { tag } | Error::ItemStolen { tag } => {
            return Some(format!("`custody found {tag}` records that it has turned up"));
        }
        Error::NeedsAcknowledgement { warnings } if warnings.iter().any(|w| w.rule == Rule::R14) => {
            "add --yes once the holder says they have read the rules (and has been told any warnings)"
        }
        Error::NeedsAcknowledgement { .. } => "add --yes once you have told the holder",
        Error::PolicyRefused { blocks, .. } => return policy_hint(blocks),
        Error::NoOperatorsYet => "custody operator add ID --name \"YOUR NAME\" --role admin",
        Error::OperatorsExist => "an administrator runs `custody operator add ID --name NAME --role ROLE`",
        Error::FirstMustBeAdmin => "give --role admin",
        Error::BeforeRegistered { .. } => "`custody import custody FILE` brings in a paper book's history",
        Error::CannotCorrect(why) if why.contains("record a correction") => {
            "a manager runs `custody correct EVENT-ID --reason TEXT`"
        }
        Error::Import { why, .. } if why.contains("letting this file add new people") => {
            "leave out --no-new-people to add them from this file"
        }
        Error::NotSignedIn { .. } => {
            "give --operator ID (or CUSTODY_OPERATOR) and --password-file FILE, or run the command on a terminal to type the password"
        }
        Error::UnknownOperator(_) => {
            "give your own id with --operator; an administrator sees every id with `custody operator list`"
        }
        Error::OperatorLocked { id, .. } => {
            return Some(format!(
                "an administrator can clear it now: `custody operator unlock {id}`"
            ));
        }
        Error::NoStocktake => "`custody stocktake start` begins one",
        Error::WhichStocktake(_) => "add --id ST-N; `custody stocktake status` lists the open ones",
        Error::StocktakeOpen { id, .. } => {
            return Some(format!(
                "`custody stocktake scan TAG...` goes on with it; `custody stocktake finish --id {id}` ends it"
            ));
        }
        Error::DisposeNotHere { tag, .. } => {
            return Some(format!(
                "`custody in {tag}` signs it in; `custody found {tag}` records it found"
            ));
        }
        Error::GuardsRemoved { .. } => "`custody verify` lists everything that differs",
        Error::DiskFull => "free some space, or move the database with --db",
        Error::WriteFailed(_) => "`custody backup -o FILE` copies the database to another disk",
        _ => return None,
    };
    Some(text.to_string())
}

/// For rules that a change to the person's record or the sign-out's flags can satisfy.
fn policy_hint(blocks: &[custody_db::policy::Finding]) -> Option<String> {
    let hints: Vec<&str> = blocks
        .iter()
        .filter_map(|f| match f.rule {
            Rule::R1 => Some("give --reason TEXT and --authorised-by ID (a manager's: on the people register, and an operator with that id)"),
            Rule::R5 => Some("`custody person set PERSON --assessment-done DATE --assessment-review DATE`"),
            Rule::R6 => Some("`custody person set PERSON --agreement-signed DATE --agreement-review DATE`"),
            Rule::R7 => Some("`custody person set PERSON --training DATE`"),
            _ => None,
        })
        .collect();
    (!hints.is_empty()).then(|| hints.join("; "))
}
