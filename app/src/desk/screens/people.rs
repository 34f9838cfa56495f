//! The People screen: everyone, with their home-working record at a glance (agreement, risk
//! assessment, training: current / due for review / lapsed / missing); a person's page with
//! what they hold now, their history, and their record, which can be edited here.

use chrono::NaiveDate;
use custody_db::policy::{Standing, standing};
use custody_db::time::parse_date;
use custody_db::{HistoryFilter, HomeWorking, Ledger, Person};

use super::items::loading;
use crate::desk::DeskApp;
use crate::desk::widgets::{self, outcome};

/// How many of a person's past events their page shows.
const HISTORY_SHOWN: u32 = 50;

#[derive(Debug, Default)]
pub struct PeopleUi {
    query: String,
    filtered: Vec<usize>,
    filtered_for: Option<(String, u64)>,
    selected: Option<usize>,
    page: Option<PersonPage>,
    /// The record being edited, as typed.
    form: Option<RegisterForm>,
    message: Option<(bool, String)>,
}

#[derive(Debug)]
struct PersonPage {
    id: String,
    version: u64,
    person: Person,
    holds: Vec<(String, String, String)>,
    /// (when, what, voided by a later correction).
    history: Vec<(String, String, bool)>,
}

/// The six dates and the reference, as text fields.
#[derive(Debug, Default, Clone)]
struct RegisterForm {
    fields: [String; 6],
}

const FORM_LABELS: [&str; 6] = [
    "Agreement signed",
    "Agreement review due",
    "Risk assessment done",
    "Risk assessment review due",
    "Risk assessment reference",
    "IG training completed",
];

impl PeopleUi {
    /// A badge scanned into the search box searches for the person's id.
    pub fn search_for(&mut self, query: &str) {
        self.query = query.to_string();
    }
}

/// The list's columns and the widths they ask for.
const COLUMNS: &[(&str, f32)] = &[
    ("Id", 80.0),
    ("Name", 200.0),
    ("Active", 60.0),
    ("Holds", 60.0),
    ("Agreement", 110.0),
    ("Assessment", 110.0),
    ("Training", 110.0),
];

pub fn ui(app: &mut DeskApp, ui: &mut egui::Ui) {
    let Some(people) = app.lists.people.value.clone() else {
        loading(ui, app.lists.people.error.as_deref());
        return;
    };
    let today = app.ledger.today();
    let state = &mut app.states.people;
    ui.horizontal(|ui| {
        widgets::search_box(ui, "Search people:", "name or id (Ctrl+F)", &mut state.query);
        ui.weak(format!("{} of {} people", state.filtered.len(), people.len()));
        widgets::read_at(ui, &app.ledger, app.lists.people.read_at);
    });
    let key = (state.query.trim().to_lowercase(), app.lists.people.reads);
    if state.filtered_for.as_ref() != Some(&key) {
        state.filtered = people
            .iter()
            .enumerate()
            .filter(|(_, p)| widgets::matches(&key.0, &[&p.person.id, &p.person.name]))
            .map(|(i, _)| i)
            .collect();
        state.filtered_for = Some(key);
        // The count above was drawn from the last filtering: draw again with this one's.
        ui.ctx().request_repaint();
        state.selected = None;
    }
    let moved = widgets::arrow_keys(ui, &mut state.selected, state.filtered.len());
    let selected = state
        .selected
        .and_then(|i| state.filtered.get(i))
        .map(|&i| people[i].person.id.clone());
    let split = widgets::split(ui, COLUMNS, selected.is_some());
    if let (Some(id), Some(page)) = (selected, split.page) {
        widgets::inside(ui, page, |ui| {
            egui::ScrollArea::vertical()
                .id_salt("person_page")
                .show(ui, |ui| page_ui(app, ui, &id, today));
        });
    }
    let state = &mut app.states.people;
    let mut clicked = None;
    let scroll_to = state.selected.filter(|_| moved);
    widgets::inside(ui, split.list, |ui| {
        widgets::list_table(ui, COLUMNS, scroll_to).body(|body| {
            body.rows(widgets::ROW_HEIGHT, state.filtered.len(), |mut row| {
                let index = row.index();
                let p = &people[state.filtered[index]];
                row.set_selected(state.selected == Some(index));
                row.col(|ui| {
                    ui.label(&p.person.id);
                });
                row.col(|ui| {
                    ui.label(&p.person.name);
                });
                row.col(|ui| {
                    ui.label(if p.person.active { "yes" } else { "no" });
                });
                row.col(|ui| {
                    ui.label(p.holding.to_string());
                });
                for (_, s, line) in standing(&p.person.home, today) {
                    row.col(|ui| {
                        ui.colored_label(colour(ui, s), s.as_str()).on_hover_text(line);
                    });
                }
                if row.response().clicked() {
                    clicked = Some(index);
                }
            });
        });
    });
    if clicked.is_some() {
        state.selected = clicked;
    }
}

fn colour(ui: &egui::Ui, s: Standing) -> egui::Color32 {
    match s {
        Standing::Current => widgets::green(ui),
        Standing::DueSoon => widgets::amber(ui),
        Standing::Lapsed | Standing::Missing => widgets::red(ui),
    }
}

fn page_ui(app: &mut DeskApp, ui: &mut egui::Ui, id: &str, today: NaiveDate) {
    let state = &mut app.states.people;
    if !state
        .page
        .as_ref()
        .is_some_and(|p| p.id == id && p.version == app.version)
    {
        match read_page(&app.ledger, id, app.version) {
            Ok(page) => {
                if state.page.as_ref().is_none_or(|p| p.id != id) {
                    state.form = Some(RegisterForm::from(&page.person.home));
                    state.message = None;
                }
                state.page = Some(page);
            }
            Err(e) => {
                ui.colored_label(widgets::red(ui), e.to_string());
                return;
            }
        }
    }
    let Some(page) = &state.page else { return };
    ui.heading(format!("{} ({})", page.person.name, page.person.id));
    if !page.person.active {
        ui.colored_label(widgets::red(ui), "Not active: cannot take items (R8).");
    }
    if let Some(email) = &page.person.email {
        ui.label(email);
    }
    for (part, s, line) in standing(&page.person.home, today) {
        let text = egui::RichText::new(line).color(colour(ui, s));
        widgets::fact_line(ui, part, text);
    }
    ui.separator();
    ui.strong(format!("Holds now ({})", page.holds.len()));
    egui::Grid::new("holds").striped(true).show(ui, |ui| {
        for (tag, name, due) in &page.holds {
            ui.label(tag);
            ui.label(name);
            if due.starts_with("late") {
                ui.colored_label(widgets::red(ui), due);
            } else {
                ui.label(due);
            }
            ui.end_row();
        }
    });
    // The record is kept by managers; others see it above, but no form to change it.
    if app.ledger.may(custody_db::Action::EditRegister)
        && let Some(form) = &mut state.form
    {
        ui.separator();
        ui.strong("Home-working record");
        egui::Grid::new("register").num_columns(2).show(ui, |ui| {
            for (i, (label, field)) in FORM_LABELS.iter().zip(form.fields.iter_mut()).enumerate() {
                let l = ui.label(*label);
                ui.add(
                    egui::TextEdit::singleline(field)
                        .hint_text(if i == 4 { "reference" } else { "31/12/2026" })
                        .desired_width(140.0),
                )
                .labelled_by(l.id);
                ui.end_row();
            }
        });
        if ui.button("Save record").clicked() {
            let saved = form
                .parse()
                .map_err(|e| e.to_string())
                .and_then(|h| app.ledger.set_home_working(id, &h).map_err(|e| e.to_string()));
            state.message = Some(match saved {
                Ok(_) => {
                    app.version += 1;
                    (true, "Saved.".to_string())
                }
                Err(e) => (false, format!("Not saved: {e}")),
            });
        }
        outcome(ui, state.message.as_ref());
    }
    ui.separator();
    let Some(page) = &state.page else { return };
    ui.strong(format!("History (latest {HISTORY_SHOWN})"));
    for (when, what, voided) in &page.history {
        widgets::history_line(ui, when, what, None, *voided);
    }
}

fn read_page(ledger: &Ledger, id: &str, version: u64) -> custody_db::Result<PersonPage> {
    let person = ledger.person(id)?;
    let holds = ledger
        .holdings(id)?
        .into_iter()
        .map(|r| {
            (
                r.tag,
                r.name,
                match r.due_at {
                    // Said in words, not by colour alone.
                    Some(d) if custody_db::is_late(Some(d), ledger.now()) => format!("late: {}", ledger.format_due(d)),
                    Some(d) => ledger.format_due(d),
                    None => String::new(),
                },
            )
        })
        .collect();
    // With what later corrections voided, struck through as on the item's page (an Undo).
    let marked = ledger.history_marked(&HistoryFilter {
        person: Some(id.to_string()),
        latest: Some(HISTORY_SHOWN),
        ..HistoryFilter::default()
    })?;
    // Their events and the changes to their record, newest first.
    let mut story: Vec<(i64, i64, String, bool)> = marked
        .events
        .iter()
        .map(|e| {
            let what = format!("{} {}", e.item, ledger.describe(e));
            (e.occurred_at, e.seq, what, marked.is_voided(e))
        })
        .collect();
    for r in ledger.person_records(id)? {
        story.push((r.occurred_at, r.seq, format!("record: {}", r.summary()), false));
    }
    story.sort_by_key(|(at, seq, ..)| std::cmp::Reverse((*at, *seq)));
    story.truncate(HISTORY_SHOWN as usize);
    let history = story
        .into_iter()
        .map(|(at, _, what, voided)| (ledger.format_time(at), what, voided))
        .collect();
    Ok(PersonPage {
        id: id.to_string(),
        version,
        person,
        holds,
        history,
    })
}

impl From<&HomeWorking> for RegisterForm {
    fn from(h: &HomeWorking) -> Self {
        let day = |d: Option<NaiveDate>| d.map(custody_db::time::format_date).unwrap_or_default();
        RegisterForm {
            fields: [
                day(h.agreement_signed),
                day(h.agreement_review),
                day(h.assessment_done),
                day(h.assessment_review),
                h.assessment_ref.clone().unwrap_or_default(),
                day(h.training),
            ],
        }
    }
}

impl RegisterForm {
    /// The record as typed; an empty field clears that part.
    fn parse(&self) -> Result<HomeWorking, String> {
        let day = |i: usize| -> Result<Option<NaiveDate>, String> {
            let text = self.fields[i].trim();
            if text.is_empty() {
                return Ok(None);
            }
            parse_date(text)
                .map(Some)
                .map_err(|e| format!("{}: {e}", FORM_LABELS[i]))
        };
        let reference = self.fields[4].trim();
        Ok(HomeWorking {
            agreement_signed: day(0)?,
            agreement_review: day(1)?,
            assessment_done: day(2)?,
            assessment_review: day(3)?,
            assessment_ref: (!reference.is_empty()).then(|| reference.to_string()),
            training: day(5)?,
        })
    }
}
