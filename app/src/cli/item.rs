//! `custody item add|list|show|chain`.

use std::io::Write;
use std::path::PathBuf;

use anyhow::Result;
use clap::Subcommand;
use custody_db::ids::{parse_count, parse_yes_no};
use custody_db::{Item, ItemEdit, ItemKind, Ledger};

use crate::render::{Cell, Format, Table, chain, history, print_fields, yes_no};

#[derive(Debug, Subcommand)]
pub enum ItemCommand {
    /// Register an item
    Add(AddArgs),
    /// Change an item's record: its name, serial, kind or personal-data profile. What changed,
    /// old and new, is recorded in the ledger with the reason; a change to nothing writes nothing
    Set(SetArgs),
    /// Every item with where it is now
    List {
        #[arg(long, value_enum, default_value_t)]
        format: Format,
    },
    /// One item, with its whole chain of custody
    Show {
        tag: String,
        #[arg(long, value_enum, default_value_t)]
        format: Format,
    },
    /// One item's chain of custody for evidence, with each event's id and hash (PDF or CSV)
    Chain {
        tag: String,
        /// pdf or csv [default: from the file's extension]
        #[arg(long, value_enum)]
        format: Option<EvidenceFormat>,
        #[arg(short = 'o', long, value_name = "FILE")]
        output: PathBuf,
    },
}

/// How evidence is written.
#[derive(Clone, Copy, Debug, PartialEq, Eq, clap::ValueEnum)]
pub enum EvidenceFormat {
    Pdf,
    Csv,
}

/// A new item: its register fields and personal-data profile.
#[derive(Debug, clap::Args)]
pub struct AddArgs {
    tag: String,
    /// laptop | chromebook | tablet | phone | paper-file | removable-media | other
    #[arg(long)]
    kind: String,
    #[arg(long)]
    name: String,
    #[arg(long)]
    serial: Option<String>,
    /// The device's storage is encrypted
    #[arg(long)]
    encrypted: bool,
    /// How many people's data it carries
    #[arg(long, default_value_t = 0, value_name = "N")]
    data_subjects: u32,
    /// Kinds of personal data, e.g. contact,health,sen
    #[arg(long, value_delimiter = ',', value_name = "A,B")]
    categories: Vec<String>,
    /// Carries special category data (health, SEN, ethnicity...)
    #[arg(long)]
    special_category: bool,
    /// Carries safeguarding information (e.g. a looked-after child)
    #[arg(long)]
    safeguarding: bool,
    #[arg(long)]
    confidential: bool,
    /// Holds anonymised data whose anonymisation technique is not approved (counts for R5)
    #[arg(long)]
    anonymised_unapproved: bool,
}

impl AddArgs {
    fn item(self) -> Result<Item> {
        Ok(Item {
            kind: self.kind.parse()?,
            tag: self.tag,
            name: self.name,
            serial: self.serial,
            encrypted: self.encrypted,
            data_categories: self.categories,
            data_subjects: self.data_subjects,
            special_category: self.special_category,
            safeguarding: self.safeguarding,
            confidential: self.confidential,
            anonymised_unapproved: self.anonymised_unapproved,
        })
    }
}

/// A change to an item's record: only the fields given change.
#[derive(Debug, clap::Args)]
pub struct SetArgs {
    tag: String,
    /// laptop | chromebook | tablet | phone | paper-file | removable-media | other
    #[arg(long)]
    kind: Option<String>,
    #[arg(long)]
    name: Option<String>,
    /// The serial number ("" to clear it)
    #[arg(long)]
    serial: Option<String>,
    #[arg(long, value_name = "yes|no")]
    encrypted: Option<String>,
    /// How many people's data it carries
    #[arg(long, value_name = "N", allow_hyphen_values = true)]
    data_subjects: Option<String>,
    /// Kinds of personal data, replacing those recorded, e.g. contact,health ("" for none)
    #[arg(long, value_name = "A,B")]
    categories: Option<String>,
    #[arg(long, value_name = "yes|no")]
    special_category: Option<String>,
    #[arg(long, value_name = "yes|no")]
    safeguarding: Option<String>,
    #[arg(long, value_name = "yes|no")]
    confidential: Option<String>,
    #[arg(long, value_name = "yes|no")]
    anonymised_unapproved: Option<String>,
    /// Why (kept with the change)
    #[arg(long)]
    reason: Option<String>,
}

impl SetArgs {
    /// The change, each typed answer read by db's parsers (which name what was wrong).
    fn edit(self) -> Result<ItemEdit> {
        let flag = |field: &'static str, v: Option<String>| v.map(|v| parse_yes_no(field, &v)).transpose();
        Ok(ItemEdit {
            kind: self.kind.map(|k| k.parse::<ItemKind>()).transpose()?,
            name: self.name,
            serial: self.serial.map(|s| Some(s).filter(|s| !s.trim().is_empty())),
            encrypted: flag("encryption answer", self.encrypted)?,
            data_categories: self.categories.map(|c| vec![c]),
            data_subjects: self
                .data_subjects
                .map(|n| parse_count("number of data subjects", &n))
                .transpose()?,
            special_category: flag("special-category answer", self.special_category)?,
            safeguarding: flag("safeguarding answer", self.safeguarding)?,
            confidential: flag("confidential answer", self.confidential)?,
            anonymised_unapproved: flag("unapproved-anonymisation answer", self.anonymised_unapproved)?,
        })
    }
}

pub fn run(cmd: ItemCommand, ledger: &mut Ledger, out: &mut dyn Write) -> Result<()> {
    match cmd {
        ItemCommand::Add(args) => {
            let item = ledger.add_item(&args.item()?)?;
            writeln!(out, "Added {} ({}): {}", item.tag, item.kind, item.name)?;
        }
        ItemCommand::Set(args) => {
            let (tag, reason) = (args.tag.clone(), args.reason.clone());
            let done = ledger.edit_item(&tag, &args.edit()?, reason.as_deref())?;
            super::say_edit(&done, out)?;
        }
        ItemCommand::List { format } => list(ledger, format, out)?,
        ItemCommand::Show { tag, format } => show(ledger, &tag, format, out)?,
        ItemCommand::Chain { tag, format, output } => {
            let found = ledger.chain(&tag)?;
            let by_name = output.extension().is_some_and(|e| e.eq_ignore_ascii_case("csv"));
            let bytes = match format {
                Some(EvidenceFormat::Csv) => chain::csv(&found, ledger)?,
                None if by_name => chain::csv(&found, ledger)?,
                Some(EvidenceFormat::Pdf) | None => chain::pdf(&found, ledger),
            };
            let what = format!(
                "the chain of custody of {} ({} events)",
                found.item.tag,
                found.events.events.len()
            );
            super::deliver(&bytes, true, Some(&output), &what, out)?;
        }
    }
    Ok(())
}

fn list(ledger: &Ledger, format: Format, out: &mut dyn Write) -> Result<()> {
    let mut table = Table::new(
        ledger.timezone(),
        &[
            "tag",
            "kind",
            "name",
            "status",
            "holder",
            "due",
            "encrypted",
            "data subjects",
        ],
    );
    for row in ledger.items()? {
        table.push(vec![
            row.item.tag.into(),
            row.item.kind.as_str().into(),
            row.item.name.into(),
            row.state.status.as_str().into(),
            row.state
                .holder
                .map(|h| format!("{} ({h})", row.holder_name.unwrap_or_default()))
                .into(),
            Cell::Time(row.state.due_at),
            Cell::Bool(row.item.encrypted),
            Cell::Int(i64::from(row.item.data_subjects)),
        ]);
    }
    table.print(format, out)
}

fn show(ledger: &Ledger, tag: &str, format: Format, out: &mut dyn Write) -> Result<()> {
    let found = ledger.chain(tag)?;
    let (item, state) = (&found.item, &found.state);
    let events = history::with_records(ledger, &found.events, &ledger.item_records(&found.item.tag)?);
    match format {
        Format::Json => {
            let json = serde_json::json!({ "item": item, "state": state, "history": events.json_rows() });
            writeln!(out, "{}", serde_json::to_string_pretty(&json)?)?;
        }
        Format::Csv => events.print(Format::Csv, out)?,
        Format::Table => {
            let yes = |b: bool| yes_no(b).to_string();
            print_fields(
                out,
                &[
                    ("tag", item.tag.clone()),
                    ("kind", item.kind.to_string()),
                    ("name", item.name.clone()),
                    ("serial", item.serial.clone().unwrap_or_default()),
                    ("encrypted", yes(item.encrypted)),
                    ("personal data", item.data_categories.join(", ")),
                    ("data subjects", item.data_subjects.to_string()),
                    ("special category", yes(item.special_category)),
                    ("safeguarding", yes(item.safeguarding)),
                    ("confidential", yes(item.confidential)),
                    (
                        "anonymised data",
                        if item.anonymised_unapproved {
                            "yes, technique not approved"
                        } else {
                            "none with an unapproved technique"
                        }
                        .into(),
                    ),
                    ("now", ledger.describe_state(state)),
                ],
            )?;
            writeln!(out, "\nChain of custody (with each change to its record):")?;
            events.print(Format::Table, out)?;
        }
    }
    Ok(())
}
