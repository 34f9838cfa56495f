//! What each command does: collect the input, call one ledger function, print the result.
//! Every rule lives in `custody-db`; nothing here decides what is allowed.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use anyhow::{Context, Result, anyhow};
use custody_db::demo::{self, DemoOptions};
use custody_db::policy::Mode;
use custody_db::{
    Clock, ContainerKind, Custodian, DayEdge, Event, EventKind, FixedClock, HistoryFilter, Item, ItemKind, Ledger,
    SignOut, Status, SystemClock,
};

use crate::cli::{
    Cli, Command, ContainerCommand, EvidenceFormat, ExportWhat, ItemCommand, PersonCommand, Register, RegisterField,
    ReportCommand, SettingsCommand, WhenNote,
};
use crate::labels;
use crate::output::{Cell, Format, Table, deliver, print_fields};
use crate::{export, exposure, incident, overdue};

/// Runs one command; `Ok(false)` means it ran but found a problem (e.g. `verify`), exit 1.
pub fn run(cli: Cli, out: &mut dyn Write) -> Result<bool> {
    let started = std::time::Instant::now();
    let path = database_path(cli.db.as_deref())?;
    let clock = clock()?;
    let operator = cli.operator.unwrap_or_else(login_name);
    let open = |clock: Arc<dyn Clock>| -> Result<Ledger> {
        let mut ledger = Ledger::open(&path, clock)?;
        ledger.set_operator(&operator)?;
        // The first use each day leaves a backup; a failure is reported but stops nothing.
        if let Err(e) = ledger.daily_backup() {
            eprintln!("custody: warning: today's automatic backup could not be made: {e}");
        }
        Ok(ledger)
    };
    let Some(command) = cli.command else {
        let ledger = open_for_desk(&path, cli.db.is_none(), clock.clone(), &operator)?;
        return crate::desk_command::run(ledger, clock, &cli.desk, started, out);
    };
    match command {
        Command::Init { org } => {
            prepare_default_folder(cli.db.is_none(), &path)?;
            Ledger::create(&path, org.as_deref(), clock)?;
            writeln!(out, "Created a new Custody database at {}.", path.display())?;
            writeln!(
                out,
                "Next: add items with `custody item add` and people with `custody person add`."
            )?;
        }
        Command::Demo {
            items,
            people,
            days,
            seed,
        } => {
            prepare_default_folder(cli.db.is_none(), &path)?;
            let created = !path.exists();
            let mut ledger = if created {
                Ledger::create(&path, Some("Demo Academy Trust"), clock)?
            } else {
                open(clock)?
            };
            let summary = demo::fill(
                &mut ledger,
                &DemoOptions {
                    items,
                    people,
                    days,
                    seed,
                },
            );
            if summary.is_err() && created {
                drop(ledger);
                custody_db::storage::remove_database_files(&path);
            }
            let s = summary?;
            writeln!(
                out,
                "Filled {} with demo data: {} items, {} people, {} events over {days} days; {} out now ({} overdue), {} lost, {} stolen.",
                path.display(),
                s.items,
                s.people,
                s.events,
                s.out_now,
                s.overdue,
                s.lost,
                s.stolen
            )?;
        }
        Command::Item(cmd) => item_command(&mut open(clock)?, cmd, out)?,
        Command::Import { what, file, dry_run } => {
            let bytes = std::fs::read(&file).with_context(|| format!("could not read {}", file.display()))?;
            let mut ledger = open(clock)?;
            let report = match what {
                Register::Items => ledger.import_items(&bytes, dry_run)?,
                Register::People => ledger.import_people(&bytes, dry_run)?,
            };
            let verb = if report.dry_run { "Would add" } else { "Added" };
            writeln!(
                out,
                "{} ({}): {verb} {} row(s).",
                file.display(),
                report.format,
                report.rows
            )?;
            const LIST_AT_MOST: usize = 20;
            if !report.added.is_empty() {
                let shown = report.added[..report.added.len().min(LIST_AT_MOST)].join(", ");
                let more = report.added.len().saturating_sub(LIST_AT_MOST);
                let rest = if more > 0 {
                    format!(" and {more} more")
                } else {
                    String::new()
                };
                writeln!(out, "  {shown}{rest}")?;
            }
            if !report.ignored_columns.is_empty() {
                writeln!(out, "Ignored columns: {}.", report.ignored_columns.join(", "))?;
            }
            if report.dry_run {
                writeln!(out, "Nothing was written (--dry-run).")?;
            }
        }
        Command::Export { what, file } => {
            let ledger = open(clock)?;
            let target = std::fs::File::create(&file).with_context(|| format!("could not write {}", file.display()))?;
            let mut target = std::io::BufWriter::new(target);
            let rows = match what {
                ExportWhat::Items => export::items(&ledger)?.print(Format::Csv, &mut target).map(|()| None)?,
                ExportWhat::People => export::people(&ledger)?
                    .print(Format::Csv, &mut target)
                    .map(|()| None)?,
                ExportWhat::Events => Some(export::events(&ledger, &mut target)?),
            };
            target.flush()?;
            match rows {
                Some(n) => writeln!(out, "Wrote {n} events to {}.", file.display())?,
                None => writeln!(out, "Wrote {}.", file.display())?,
            }
        }
        Command::Report(ReportCommand::Overdue { as_of, format, output }) => {
            let ledger = open(clock)?;
            let as_of = match as_of {
                Some(text) => ledger.parse_when(&text, DayEdge::End)?,
                None => ledger.now(),
            };
            let report = ledger.overdue(as_of)?;
            let bytes = overdue::render(&ledger, &report, format)?;
            let what = format!("the overdue report as of {}", ledger.format_time(report.as_of));
            deliver(&bytes, format.list().is_none(), output.as_deref(), &what, out)?;
        }
        Command::Incident(cmd) => incident::run(&mut open(clock)?, cmd, out)?,
        Command::Exposure {
            holder,
            container,
            at,
            from,
            to,
            format,
            output,
        } => {
            let ledger = open(clock)?;
            let who = match (holder, container) {
                (Some(h), _) => Custodian::Holder(h),
                (None, Some(c)) => Custodian::Container(c),
                (None, None) => return Err(anyhow!("say whose exposure: --holder ID or --container ID")),
            };
            let (from, to) = match (at, from, to) {
                (Some(at), _, _) => {
                    let t = ledger.parse_when(&at, DayEdge::Start)?;
                    (t, t)
                }
                (None, Some(from), Some(to)) => (
                    ledger.parse_when(&from, DayEdge::Start)?,
                    ledger.parse_when(&to, DayEdge::End)?,
                ),
                _ => return Err(anyhow!("say when: --at WHEN, or --from WHEN --to WHEN")),
            };
            if to < from {
                return Err(anyhow!("--to is before --from; give the earlier time first."));
            }
            let exposure = ledger.exposure(&who, from, to)?;
            let bytes = exposure::render(&ledger, &exposure, format)?;
            let what = format!("the exposure of {}", exposure.custodian);
            deliver(&bytes, format.list().is_none(), output.as_deref(), &what, out)?;
        }
        Command::Backup { output } => {
            let ledger = open(clock)?;
            ledger.backup_to(&output)?;
            writeln!(out, "Backed up {} to {}.", path.display(), output.display())?;
        }
        Command::Restore { backup, force } => {
            let restored = custody_db::restore(&path, &backup, force, clock)?;
            writeln!(
                out,
                "Restored {} from {} ({} events, verified).",
                path.display(),
                backup.display(),
                restored.events
            )?;
            if let Some(aside) = restored.kept_aside {
                writeln!(out, "The file it replaced is kept as {}.", aside.display())?;
            }
        }
        Command::Settings(SettingsCommand::KeepBackups { count }) => {
            let mut ledger = open(clock)?;
            ledger.set_backups_kept(count)?;
            writeln!(
                out,
                "The last {count} daily backups will be kept in {}.",
                ledger.backup_folder().display()
            )?;
        }
        Command::Settings(SettingsCommand::Show) => {
            let ledger = open(clock)?;
            let mut table = Table::new(ledger.timezone(), &["rule", "when it applies", "rule says"]);
            for (id, text, mode) in ledger.rules()? {
                table.push(vec![id.into(), mode.as_str().into(), text.into()]);
            }
            table.push(vec![
                "R8".into(),
                "block".into(),
                "Lost, stolen, retired or already-out items, and inactive people, never (fixed)".into(),
            ]);
            table.print(Format::Table, out)?;
            writeln!(out, "\n{}", stages_line(ledger.overdue_stages()?))?;
            writeln!(out, "Daily backups kept: {}.", ledger.backups_kept()?)?;
        }
        Command::Settings(SettingsCommand::Stages { first, second, third }) => {
            let mut ledger = open(clock)?;
            ledger.set_overdue_stages([first, second, third])?;
            writeln!(out, "{}", stages_line([first, second, third]))?;
        }
        Command::Settings(SettingsCommand::Set { rule, mode }) => {
            let mode: Mode = mode.parse()?;
            let mut ledger = open(clock)?;
            ledger.set_rule_mode(&rule, mode)?;
            writeln!(out, "{} now {}s.", rule.trim().to_ascii_uppercase(), mode.as_str())?;
        }
        Command::Person(cmd) => person_command(&mut open(clock)?, cmd, out)?,
        Command::Container(ContainerCommand::Add { id, kind, name }) => {
            let kind: ContainerKind = kind.parse()?;
            let c = open(clock)?.add_container(&id, kind, &name)?;
            writeln!(out, "Added {} ({}): {}", c.id, c.kind.as_str(), c.name)?;
        }
        Command::Container(ContainerCommand::List { format }) => {
            let ledger = open(clock)?;
            let mut table = Table::new(ledger.timezone(), &["id", "kind", "name"]);
            for c in ledger.containers()? {
                table.push(vec![c.id.into(), c.kind.as_str().into(), c.name.into()]);
            }
            table.print(format, out)?;
        }
        Command::Out {
            tags,
            to,
            due,
            at,
            purpose,
            reason,
            authorised_by,
            container,
            yes,
        } => {
            let mut ledger = open(clock)?;
            let req = SignOut {
                items: tags,
                to,
                due: when(&ledger, due.as_deref(), DayEdge::End)?,
                at: when(&ledger, at.as_deref(), DayEdge::Start)?,
                purpose,
                reason,
                authoriser: authorised_by,
                container,
                acknowledge_warnings: yes,
            };
            let events = ledger.sign_out(&req)?;
            print_sign_out(&ledger, &events, out)?;
            if let Some(warnings) = &events[0].warnings {
                writeln!(out, "Warnings acknowledged and recorded:")?;
                for line in warnings.lines() {
                    writeln!(out, "  {line}")?;
                }
            }
        }
        Command::In { tags, when: w } => {
            let mut ledger = open(clock)?;
            let at = when(&ledger, w.at.as_deref(), DayEdge::Start)?;
            for r in ledger.sign_in(&tags, at, w.note.as_deref())? {
                writeln!(
                    out,
                    "Returned {} from {} ({}) — {}.",
                    r.item.tag,
                    r.from.name,
                    r.from.id,
                    r.lateness()
                )?;
            }
        }
        Command::Transfer { tag, to, when: w } => {
            let mut ledger = open(clock)?;
            let at = when(&ledger, w.at.as_deref(), DayEdge::Start)?;
            let e = ledger.transfer(&tag, &to, at, w.note.as_deref())?;
            let due = ledger
                .state(&e.item)?
                .due_at
                .map(|d| ledger.format_time(d))
                .unwrap_or_default();
            writeln!(
                out,
                "{} passed from {} to {}; still due {due}.",
                e.item,
                ledger.person_label(e.from_person.as_deref().unwrap_or_default()),
                ledger.person_label(e.person.as_deref().unwrap_or_default())
            )?;
        }
        Command::Lost { tag, when: w } => record(&mut open(clock)?, &tag, EventKind::Lost, &w, out)?,
        Command::Stolen { tag, when: w } => record(&mut open(clock)?, &tag, EventKind::Stolen, &w, out)?,
        Command::Found { tag, when: w } => record(&mut open(clock)?, &tag, EventKind::Found, &w, out)?,
        Command::Retire { tag, when: w } => record(&mut open(clock)?, &tag, EventKind::Retired, &w, out)?,
        Command::Correct { event, reason } => {
            let mut ledger = open(clock)?;
            let fix = ledger.correct(&event, &reason)?;
            let state = ledger.state(&fix.item)?;
            writeln!(
                out,
                "Corrected: event {event} no longer counts (it stays in the ledger, marked corrected). {} is now {}.",
                fix.item,
                describe_state(&ledger, &state)
            )?;
        }
        Command::Status { format } => {
            let ledger = open(clock)?;
            let now = custody_db::time::to_millis(ledger.now());
            let mut table = Table::new(
                ledger.timezone(),
                &["tag", "kind", "holder", "name", "out since", "due", "overdue"],
            );
            for row in ledger.out_now()? {
                table.push(vec![
                    row.tag.into(),
                    row.kind.as_str().into(),
                    row.holder.into(),
                    row.holder_name.into(),
                    Cell::Time(Some(row.since)),
                    Cell::Time(row.due_at),
                    Cell::Bool(row.due_at.is_some_and(|d| d < now)),
                ]);
            }
            table.print(format, out)?;
        }
        Command::History {
            item,
            person,
            from,
            to,
            format,
        } => {
            let ledger = open(clock)?;
            let filter = HistoryFilter {
                item,
                person,
                from: when(&ledger, from.as_deref(), DayEdge::Start)?,
                to: when(&ledger, to.as_deref(), DayEdge::End)?,
            };
            if let (Some(from), Some(to)) = (filter.from, filter.to)
                && to < from
            {
                return Err(anyhow!("--to is before --from; give the earlier time first."));
            }
            events_table(&ledger, &ledger.history(&filter)?)?.print(format, out)?;
        }
        Command::Verify => return verify(&open(clock)?, out),
        Command::Labels {
            tags,
            all_items,
            all_people,
            all_containers,
            template,
            skip,
            output,
            preview,
        } => {
            let which = if all_containers {
                labels::Which::AllContainers
            } else if all_people {
                labels::Which::AllPeople
            } else if all_items {
                labels::Which::AllItems
            } else {
                labels::Which::Items(tags)
            };
            let req = labels::Request {
                which,
                template,
                skip,
                output,
                preview,
            };
            labels::print(&open(clock)?, req, out)?;
        }
        Command::Scan { raw, images } => return labels::scan(&images, raw, out),
    }
    Ok(true)
}

fn item_command(ledger: &mut Ledger, cmd: ItemCommand, out: &mut dyn Write) -> Result<()> {
    match cmd {
        ItemCommand::Add {
            tag,
            kind,
            name,
            serial,
            encrypted,
            data_subjects,
            categories,
            special_category,
            safeguarding,
            confidential,
            anonymised_unapproved,
        } => {
            let kind: ItemKind = kind.parse()?;
            let item = ledger.add_item(&Item {
                tag,
                kind,
                name,
                serial,
                encrypted,
                data_categories: categories,
                data_subjects,
                special_category,
                safeguarding,
                confidential,
                anonymised_unapproved,
            })?;
            writeln!(out, "Added {} ({}): {}", item.tag, item.kind, item.name)?;
        }
        ItemCommand::List { format } => {
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
            table.print(format, out)?;
        }
        ItemCommand::Chain { tag, format, output } => {
            let chain = crate::chain::Chain::read(ledger, &tag)?;
            let by_name = output.extension().is_some_and(|e| e.eq_ignore_ascii_case("csv"));
            let bytes = match format {
                Some(EvidenceFormat::Csv) => chain.csv(ledger)?,
                None if by_name => chain.csv(ledger)?,
                Some(EvidenceFormat::Pdf) | None => chain.pdf(ledger),
            };
            let what = format!(
                "the chain of custody of {} ({} events)",
                chain.item.tag,
                chain.events.len()
            );
            deliver(&bytes, true, Some(&output), &what, out)?;
        }
        ItemCommand::Show { tag, format } => {
            let item = ledger.item(&tag)?;
            let state = ledger.state(&item.tag)?;
            let history = events_table(ledger, &ledger.item_events(&item.tag)?)?;
            match format {
                Format::Json => {
                    let json = serde_json::json!({ "item": item, "state": state, "history": history.json_rows() });
                    writeln!(out, "{}", serde_json::to_string_pretty(&json)?)?;
                }
                Format::Csv => history.print(Format::Csv, out)?,
                Format::Table => {
                    let yes_no = |b: bool| if b { "yes" } else { "no" }.to_string();
                    print_fields(
                        out,
                        &[
                            ("tag", item.tag.clone()),
                            ("kind", item.kind.to_string()),
                            ("name", item.name.clone()),
                            ("serial", item.serial.clone().unwrap_or_default()),
                            ("encrypted", yes_no(item.encrypted)),
                            ("personal data", item.data_categories.join(", ")),
                            ("data subjects", item.data_subjects.to_string()),
                            ("special category", yes_no(item.special_category)),
                            ("safeguarding", yes_no(item.safeguarding)),
                            ("confidential", yes_no(item.confidential)),
                            (
                                "anonymised data",
                                if item.anonymised_unapproved {
                                    "yes, technique not approved"
                                } else {
                                    "none with an unapproved technique"
                                }
                                .into(),
                            ),
                            ("now", describe_state(ledger, &state)),
                        ],
                    )?;
                    writeln!(out, "\nChain of custody:")?;
                    history.print(Format::Table, out)?;
                }
            }
        }
    }
    Ok(())
}

fn person_command(ledger: &mut Ledger, cmd: PersonCommand, out: &mut dyn Write) -> Result<()> {
    match cmd {
        PersonCommand::Add { id, name, email } => {
            let p = ledger.add_person(&id, &name, email.as_deref())?;
            writeln!(out, "Added {} ({})", p.name, p.id)?;
        }
        PersonCommand::List { format } => {
            let today = ledger.now().with_timezone(&ledger.timezone()).date_naive();
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
                let standing = custody_db::policy::standing(&row.person.home, today);
                cells.extend(standing.into_iter().map(|(_, s, _)| Cell::from(s.as_str())));
                table.push(cells);
            }
            table.print(format, out)?;
        }
        PersonCommand::Show { id, format } => {
            let person = ledger.person(&id)?;
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
            let history = events_table(
                ledger,
                &ledger.history(&HistoryFilter {
                    person: Some(person.id.clone()),
                    ..HistoryFilter::default()
                })?,
            )?;
            match format {
                Format::Json => {
                    let json = serde_json::json!({
                        "person": person, "holding": holding.json_rows(), "history": history.json_rows()
                    });
                    writeln!(out, "{}", serde_json::to_string_pretty(&json)?)?;
                }
                Format::Csv => history.print(Format::Csv, out)?,
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
                    history.print(Format::Table, out)?;
                }
            }
        }
        PersonCommand::Set {
            id,
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
                set_or_clear(field, given, stored, &clear)?;
            }
            set_or_clear(
                RegisterField::AssessmentRef,
                assessment_ref,
                &mut record.assessment_ref,
                &clear,
            )?;
            let p = ledger.set_home_working(&id, &record)?;
            writeln!(out, "Updated {} ({}):", p.name, p.id)?;
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

/// The home-working register of a person, each line with its standing today.
fn home_working_fields(ledger: &Ledger, p: &custody_db::Person) -> Vec<(&'static str, String)> {
    let today = ledger.now().with_timezone(&ledger.timezone()).date_naive();
    custody_db::policy::standing(&p.home, today)
        .into_iter()
        .map(|(what, _, text)| (what, text))
        .collect()
}

fn record(ledger: &mut Ledger, tag: &str, kind: EventKind, w: &WhenNote, out: &mut dyn Write) -> Result<()> {
    let at = when(ledger, w.at.as_deref(), DayEdge::Start)?;
    let e = ledger.record(tag, kind, at, w.note.as_deref())?;
    let with = e
        .person
        .as_deref()
        .map(|p| format!(" (it was with {})", ledger.person_label(p)))
        .unwrap_or_default();
    writeln!(out, "Recorded {} as {}{with}.", e.item, kind)?;
    if matches!(kind, EventKind::Lost | EventKind::Stolen) {
        writeln!(
            out,
            "A loss or theft of personal data is a possible breach: tell your Data Protection Officer now."
        )?;
    }
    Ok(())
}

fn print_sign_out(ledger: &Ledger, events: &[Event], out: &mut dyn Write) -> Result<()> {
    let holder = ledger.person_label(events[0].person.as_deref().unwrap_or_default());
    let tags: Vec<&str> = events.iter().map(|e| e.item.as_str()).collect();
    let mut dues: Vec<i64> = events.iter().filter_map(|e| e.due_at).collect();
    dues.dedup();
    if dues.len() == 1 {
        writeln!(
            out,
            "Signed out {} to {holder}, due {}.",
            tags.join(", "),
            ledger.format_time(dues[0])
        )?;
    } else {
        writeln!(out, "Signed out to {holder}:")?;
        for e in events {
            writeln!(
                out,
                "  {} due {}",
                e.item,
                ledger.format_time(e.due_at.unwrap_or_default())
            )?;
        }
    }
    Ok(())
}

fn verify(ledger: &Ledger, out: &mut dyn Write) -> Result<bool> {
    let report = ledger.verify()?;
    for line in &report.integrity {
        writeln!(out, "File damage: {line}")?;
    }
    if let Some(p) = &report.chain {
        writeln!(
            out,
            "Hash chain broken at event {} ({}, item {}): {}.",
            p.seq, p.id, p.item, p.what
        )?;
    }
    for line in &report.impossible_moves {
        writeln!(out, "Impossible move in the ledger: {line}")?;
    }
    for line in &report.projection_mismatches {
        writeln!(out, "Current state differs from the ledger: {line}")?;
    }
    if report.is_intact() {
        writeln!(
            out,
            "Intact: file checks passed, {} events in an unbroken hash chain, current state equals a full replay.",
            report.events_checked
        )?;
    } else {
        writeln!(
            out,
            "NOT intact. Keep this file as evidence and restore the latest good backup."
        )?;
    }
    Ok(report.is_intact())
}

/// A chain of custody as a table (corrected events are marked).
fn events_table(ledger: &Ledger, events: &[Event]) -> Result<Table> {
    let mut table = Table::new(
        ledger.timezone(),
        &["occurred", "item", "event", "details", "recorded", "operator", "id"],
    );
    for e in events {
        let corrected = ledger.correction_of(&e.id)?.is_some();
        let kind = if corrected {
            format!("{} (corrected)", e.kind)
        } else {
            e.kind.to_string()
        };
        table.push(vec![
            Cell::Time(Some(e.occurred_at)),
            e.item.clone().into(),
            kind.into(),
            ledger.describe(e).into(),
            Cell::Time(Some(e.recorded_at)),
            e.operator.clone().into(),
            e.id.to_string().into(),
        ]);
    }
    Ok(table)
}

fn stages_line([first, second, third]: [i64; 3]) -> String {
    format!("Overdue notices: first from {first} day(s) late, second from {second}, third from {third}.")
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
        return Err(anyhow!(
            "--{name} and --clear {name} say opposite things; give one of them."
        ));
    }
    if clearing {
        *stored = None;
    } else if given.is_some() {
        *stored = given;
    }
    Ok(())
}

fn describe_state(ledger: &Ledger, s: &custody_db::ItemState) -> String {
    match s.status {
        Status::Out => format!(
            "out with {} since {}, due {}",
            ledger.person_label(s.holder.as_deref().unwrap_or_default()),
            s.since.map(|t| ledger.format_time(t)).unwrap_or_default(),
            s.due_at.map(|t| ledger.format_time(t)).unwrap_or_default()
        ),
        Status::In if s.since.is_none() => "in (never signed out)".to_string(),
        other => format!(
            "{} since {}",
            other.as_str(),
            s.since.map(|t| ledger.format_time(t)).unwrap_or_default()
        ),
    }
}

fn when(ledger: &Ledger, input: Option<&str>, edge: DayEdge) -> Result<Option<chrono::DateTime<chrono::Utc>>> {
    Ok(input.map(|s| ledger.parse_when(s, edge)).transpose()?)
}

/// `--db`, else `CUSTODY_DB` (clap reads it), else `custody.db` in the platform's data folder.
fn database_path(given: Option<&Path>) -> Result<PathBuf> {
    match given {
        Some(p) => Ok(p.to_path_buf()),
        None => default_database_path(),
    }
}

pub fn default_database_path() -> Result<PathBuf> {
    let data = dirs::data_dir().context("this computer has no data folder for Custody; give a file with --db")?;
    Ok(data.join("custody").join("custody.db"))
}

/// The desk's database: the default one is created on first start (the Desk then offers
/// demo data); a file named with --db must exist already, so a typo never makes a new one.
/// The desk makes its daily backup in the background (see `DeskApp::backup_in_background`).
fn open_for_desk(path: &Path, is_default: bool, clock: Arc<dyn Clock>, operator: &str) -> Result<Ledger> {
    let mut ledger = if is_default && !path.exists() {
        prepare_default_folder(true, path)?;
        Ledger::create(path, None, clock)?
    } else if !path.exists() {
        return Err(anyhow!(
            "there is no database at {}. Create one with `custody init`, or `custody demo` for demo data.",
            path.display()
        ));
    } else {
        Ledger::open(path, clock)?
    };
    ledger.set_operator(operator)?;
    Ok(ledger)
}

/// Creates the data folder for the default database; an explicit --db folder must already exist.
fn prepare_default_folder(is_default: bool, path: &Path) -> Result<()> {
    if let (true, Some(dir)) = (is_default, path.parent()) {
        std::fs::create_dir_all(dir).with_context(|| format!("could not create the folder {}", dir.display()))?;
    }
    Ok(())
}

/// The system clock, or a fixed time from `CUSTODY_NOW` (RFC 3339), so that scripted runs and
/// tests never depend on today's date.
fn clock() -> Result<Arc<dyn Clock>> {
    match std::env::var("CUSTODY_NOW") {
        Ok(text) => {
            let now = chrono::DateTime::parse_from_rfc3339(&text)
                .with_context(|| format!("CUSTODY_NOW={text:?} is not an RFC 3339 time"))?;
            Ok(FixedClock::new(now.with_timezone(&chrono::Utc)))
        }
        Err(_) => Ok(Arc::new(SystemClock)),
    }
}

fn login_name() -> String {
    ["CUSTODY_OPERATOR", "USER", "USERNAME"]
        .iter()
        .find_map(|v| std::env::var(v).ok().filter(|s| !s.trim().is_empty()))
        .unwrap_or_else(|| "desk".to_string())
}
