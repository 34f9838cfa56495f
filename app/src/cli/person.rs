//! `custody person add|list|show|set|deactivate|activate`.

use std::io::Write;

use anyhow::Result;
use chrono::NaiveDate;
use clap::Subcommand;
use custody_db::policy::standing;
use custody_db::time::parse_date;
use custody_db::{HistoryFilter, Ledger, Person};

use crate::render::{Cell, Format, Table, history, print_fields};

#[derive(Debug, Subcommand)]
pub enum PersonCommand {
    /// Register a person who can hold items
    Add {
        id: String,
        #[arg(long)]
        name: String,
        #[arg(long)]
        email: Option<String>,
    },
    /// Everyone, with how many items each holds
    List {
        #[arg(long, value_enum, default_value_t)]
        format: Format,
    },
    /// One person: what they hold now and their history
    Show {
        id: String,
        #[arg(long, value_enum, default_value_t)]
        format: Format,
    },
    /// Change a person's name or email, or record their home-working agreement, risk assessment
    /// and training dates (31/12/2026 or 2026-12-31); each change is on the record
    Set {
        id: String,
        #[arg(long)]
        name: Option<String>,
        #[arg(long)]
        email: Option<String>,
        #[arg(long, value_name = "DATE")]
        agreement_signed: Option<String>,
        #[arg(long, value_name = "DATE")]
        agreement_review: Option<String>,
        #[arg(long, value_name = "DATE")]
        assessment_done: Option<String>,
        #[arg(long, value_name = "DATE")]
        assessment_review: Option<String>,
        /// The risk assessment's reference
        #[arg(long, value_name = "REF")]
        assessment_ref: Option<String>,
        /// Information-governance training completed on
        #[arg(long, value_name = "DATE")]
        training: Option<String>,
        /// Remove parts of the record entered by mistake, e.g. --clear assessment-done,assessment-review
        #[arg(long, value_enum, value_delimiter = ',', value_name = "FIELD,...")]
        clear: Vec<RegisterField>,
    },
    /// They have left: they can no longer hold items (rule R8)
    Deactivate { id: String },
    /// They may hold items again
    Activate { id: String },
}

/// A part of a person's home-working record, for `person set --clear`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum RegisterField {
    AgreementSigned,
    AgreementReview,
    AssessmentDone,
    AssessmentReview,
    AssessmentRef,
    Training,
}

pub fn run(cmd: PersonCommand, ledger: &mut Ledger, out: &mut dyn Write) -> Result<()> {
    match cmd {
        PersonCommand::Add { id, name, email } => {
            let p = ledger.add_person(&id, &name, email.as_deref())?;
            writeln!(out, "Added {} ({})", p.name, p.id)?;
        }
        PersonCommand::List { format } => list(ledger, format, out)?,
        PersonCommand::Show { id, format } => show(ledger, &id, format, out)?,
        PersonCommand::Set {
            id,
            name,
            email,
            agreement_signed,
            agreement_review,
            assessment_done,
            assessment_review,
            assessment_ref,
            training,
            clear,
        } => {
            // Given fields replace, cleared ones are emptied, the rest stay: one write.
            let mut record = ledger.person(&id)?.home;
            let dates = [
                (
                    RegisterField::AgreementSigned,
                    agreement_signed,
                    &mut record.agreement_signed,
                ),
                (
                    RegisterField::AgreementReview,
                    agreement_review,
                    &mut record.agreement_review,
                ),
                (
                    RegisterField::AssessmentDone,
                    assessment_done,
                    &mut record.assessment_done,
                ),
                (
                    RegisterField::AssessmentReview,
                    assessment_review,
                    &mut record.assessment_review,
                ),
                (RegisterField::Training, training, &mut record.training),
            ];
            for (field, given, stored) in dates {
                let given: Option<NaiveDate> = given.as_deref().map(parse_date).transpose()?;
                set_or_clear(field, given, stored, &clear)?;
            }
            set_or_clear(
                RegisterField::AssessmentRef,
                assessment_ref,
                &mut record.assessment_ref,
                &clear,
            )?;
            let edit = ledger.edit_person(&id, name.as_deref(), email.as_deref(), Some(&record))?;
            let p = ledger.person(&id)?;
            if edit.changed_nothing() {
                writeln!(
                    out,
                    "No change: {} ({}) already says that, so nothing was written.",
                    p.name, p.id
                )?;
            } else {
                let changes: Vec<String> = edit.changes.iter().map(ToString::to_string).collect();
                writeln!(
                    out,
                    "Updated {} ({}) on the record: {}.",
                    p.name,
                    p.id,
                    changes.join("; ")
                )?;
            }
            print_fields(out, &home_working_fields(ledger, &p))?;
        }
        PersonCommand::Deactivate { id } => {
            let p = ledger.set_person_active(&id, false)?;
            let held = ledger.holdings(&p.id)?.len();
            writeln!(out, "{} ({}) can no longer hold items.", p.name, p.id)?;
            if held > 0 {
                writeln!(
                    out,
                    "They still hold {held} item(s); see `custody person show {}`.",
                    p.id
                )?;
            }
        }
        PersonCommand::Activate { id } => {
            let p = ledger.set_person_active(&id, true)?;
            writeln!(out, "{} ({}) can hold items again.", p.name, p.id)?;
        }
    }
    Ok(())
}

fn list(ledger: &Ledger, format: Format, out: &mut dyn Write) -> Result<()> {
    let today = ledger.today();
    let mut table = Table::new(
        ledger.timezone(),
        &[
            "id",
            "name",
            "email",
            "active",
            "holding",
            "agreement",
            "risk assessment",
            "training",
        ],
    );
    for row in ledger.people()? {
        let mut cells = vec![
            row.person.id.clone().into(),
            row.person.name.clone().into(),
            row.person.email.clone().into(),
            Cell::Bool(row.person.active),
            Cell::Int(i64::from(row.holding)),
        ];
        let standing = standing(&row.person.home, today);
        cells.extend(standing.into_iter().map(|(_, s, _)| Cell::from(s.as_str())));
        table.push(cells);
    }
    table.print(format, out)
}

fn show(ledger: &Ledger, id: &str, format: Format, out: &mut dyn Write) -> Result<()> {
    let person = ledger.person(id)?;
    let mut holding = Table::new(ledger.timezone(), &["tag", "kind", "name", "since", "due"]);
    for row in ledger.holdings(&person.id)? {
        holding.push(vec![
            row.tag.into(),
            row.kind.as_str().into(),
            row.name.into(),
            Cell::Time(Some(row.since)),
            Cell::Time(row.due_at),
        ]);
    }
    let events = history::with_records(
        ledger,
        &ledger.history_marked(&HistoryFilter {
            person: Some(person.id.clone()),
            ..HistoryFilter::default()
        })?,
        &ledger.person_records(&person.id)?,
    );
    match format {
        Format::Json => {
            let json = serde_json::json!({
                "person": person, "holding": holding.json_rows(), "history": events.json_rows()
            });
            writeln!(out, "{}", serde_json::to_string_pretty(&json)?)?;
        }
        Format::Csv => events.print(Format::Csv, out)?,
        Format::Table => {
            let active = if person.active { "yes" } else { "no (cannot hold items)" };
            let mut fields = vec![
                ("id", person.id.clone()),
                ("name", person.name.clone()),
                ("email", person.email.clone().unwrap_or_default()),
                ("active", active.to_string()),
            ];
            fields.extend(home_working_fields(ledger, &person));
            print_fields(out, &fields)?;
            writeln!(out, "\nHolding now:")?;
            holding.print(Format::Table, out)?;
            writeln!(out, "\nHistory:")?;
            events.print(Format::Table, out)?;
        }
    }
    Ok(())
}

/// The home-working register of a person, each line with its standing today.
fn home_working_fields(ledger: &Ledger, p: &Person) -> Vec<(&'static str, String)> {
    standing(&p.home, ledger.today())
        .into_iter()
        .map(|(what, _, text)| (what, text))
        .collect()
}

/// Applies one field of `person set`: a given value replaces, `--clear` empties.
fn set_or_clear<T>(
    field: RegisterField,
    given: Option<T>,
    stored: &mut Option<T>,
    clear: &[RegisterField],
) -> Result<()> {
    let clearing = clear.contains(&field);
    if clearing && given.is_some() {
        let name = clap::ValueEnum::to_possible_value(&field)
            .map(|v| v.get_name().to_string())
            .unwrap_or_default();
        return Err(super::UsageError(format!(
            "--{name} and --clear {name} say opposite things; give one of them."
        ))
        .into());
    }
    if clearing {
        *stored = None;
    } else if given.is_some() {
        *stored = given;
    }
    Ok(())
}
