//! The Exposure screen: what a person (or a bag, case or car) held at a moment or over a
//! window, from the ledger's history; saved as PDF or CSV; and the incident opened from it.

use std::hash::{Hash, Hasher};

use chrono::{DateTime, Utc};
use custody_db::{Custodian, DayEdge, Exposure, IncidentKind, NewIncident};
use egui::RichText;

use crate::desk::DeskApp;
use crate::desk::loader::{Loaded, Task};
use crate::desk::widgets::{self, outcome, outcome_of, save_report};
use crate::render::ReportFormat;
use crate::render::exposure::{encrypted, missing_earlier, missing_heading, render, summary_line, window};

#[derive(Debug, Default)]
pub struct ExposureUi {
    who: String,
    at: String,
    from: String,
    to: String,
    window: bool,
    /// What was last looked up.
    asked: Option<(Custodian, DateTime<Utc>, DateTime<Utc>)>,
    pub result: Loaded<Exposure>,
    task: Task,
    message: Option<(bool, String)>,
    /// Look up as soon as the screen is shown (filled in from outside).
    ask_now: bool,
    incident: IncidentForm,
}

/// The incident form under an exposure: empty for each new lookup.
#[derive(Debug, Default)]
struct IncidentForm {
    kind: Option<IncidentKind>,
    discovered: String,
    description: String,
    /// What went wrong, shown beside the button.
    problem: Option<String>,
}

impl ExposureUi {
    /// A badge or bag label scanned into "Person or container" fills it in.
    pub fn search_for(&mut self, id: &str) {
        self.who = id.to_string();
    }

    /// Fills in the form for a moment and looks it up when the screen is next shown.
    pub fn prefill(&mut self, who: &str, at: &str) {
        self.who = who.to_string();
        self.at = at.to_string();
        self.window = false;
        self.ask_now = true;
    }
}

pub fn ui(app: &mut DeskApp, ui: &mut egui::Ui) {
    let ctx = ui.ctx().clone();
    ui.heading("Exposure: what was in someone's custody");
    let state = &mut app.states.exposure;
    let mut look_up = false;
    egui::Grid::new("exposure_query").num_columns(2).show(ui, |ui| {
        let label = ui.label("Person or container:");
        let r = ui
            .add(
                egui::TextEdit::singleline(&mut state.who)
                    .id(crate::desk::widgets::search_id())
                    .hint_text("id, e.g. S001 or BAG-01 (Ctrl+F)"),
            )
            .labelled_by(label.id);
        crate::desk::widgets::focus_on_ctrl_f(ui, &r);
        look_up |= r.lost_focus() && ui.input(|i| i.key_pressed(egui::Key::Enter));
        ui.end_row();
        ui.label("When:");
        ui.horizontal(|ui| {
            ui.radio_value(&mut state.window, false, "at a moment");
            ui.radio_value(&mut state.window, true, "over a window");
        });
        ui.end_row();
        let fields: Vec<(&str, &mut String)> = if state.window {
            vec![("From:", &mut state.from), ("To:", &mut state.to)]
        } else {
            vec![("At:", &mut state.at)]
        };
        for (name, text) in fields {
            let label = ui.label(name);
            let r = ui
                .add(egui::TextEdit::singleline(text).hint_text("19/11/2026 18:00"))
                .labelled_by(label.id);
            look_up |= r.lost_focus() && ui.input(|i| i.key_pressed(egui::Key::Enter));
            ui.end_row();
        }
    });
    let asked_now = std::mem::take(&mut state.ask_now);
    if ui.button("Look up").clicked() || look_up || asked_now {
        ask(app);
    }
    let state = &mut app.states.exposure;
    if let Some(done) = state.task.take() {
        state.message = Some(outcome_of(done));
    }
    outcome(ui, state.message.as_ref());
    let Some(asked) = state.asked.clone() else { return };
    let mut key = std::collections::hash_map::DefaultHasher::new();
    (format!("{:?}", asked.0), asked.1, asked.2, app.version).hash(&mut key);
    let query = asked.clone();
    state.result.keep_fresh(key.finish(), &app.source, &ctx, move |l| {
        l.exposure(&query.0, query.1, query.2).map_err(|e| e.to_string())
    });
    let Some(exposure) = state.result.value.clone() else {
        super::items::loading(ui, state.result.error.as_deref());
        return;
    };
    ui.separator();
    show(app, ui, &exposure);
    ui.separator();
    ui.horizontal(|ui| {
        let state = &mut app.states.exposure;
        for (label, format) in [("Save PDF", ReportFormat::Pdf), ("Save CSV", ReportFormat::Csv)] {
            if ui
                .add_enabled(!state.task.is_running(), egui::Button::new(label))
                .clicked()
            {
                // The exposure on the screen is what is saved.
                let e = exposure.clone();
                state.task.start(&app.source, &ctx, move |l| {
                    let bytes = render(l, &e, format).map_err(|e| e.to_string())?;
                    let name = format!("exposure-{}.{}", e.custodian_id, format.extension());
                    save_report(l, &name, &bytes)
                });
            }
        }
    });
    incident_form(app, ui, &asked);
}

/// Reads the form and starts the lookup, or says what is wrong with it.
fn ask(app: &mut DeskApp) {
    let state = &mut app.states.exposure;
    let who = state.who.trim();
    let custodian = if app.ledger.person(who).is_ok() {
        Custodian::Holder(who.to_string())
    } else if app.ledger.container(who).is_ok() {
        Custodian::Container(who.to_string())
    } else {
        state.message = Some((
            false,
            format!("No person or container has the id \u{201c}{who}\u{201d}."),
        ));
        return;
    };
    let when = |text: &str, edge| app.ledger.parse_when(text, edge).map_err(|e| e.to_string());
    let times = if state.window {
        when(&state.from, DayEdge::Start).and_then(|f| Ok((f, when(&state.to, DayEdge::End)?)))
    } else {
        when(&state.at, DayEdge::Start).map(|t| (t, t))
    };
    match times.and_then(|(from, to)| {
        app.ledger
            .check_window(from, to)
            .map(|()| (from, to))
            .map_err(|e| e.to_string())
    }) {
        Ok((from, to)) => {
            state.asked = Some((custodian, from, to));
            state.result.clear();
            state.message = None;
            // A new lookup, a new incident form.
            state.incident = IncidentForm::default();
        }
        Err(e) => state.message = Some((false, e)),
    }
}

fn show(app: &DeskApp, ui: &mut egui::Ui, e: &Exposure) {
    let ledger = &app.ledger;
    ui.strong(format!("{}: {}", e.custodian, window(ledger, e)));
    if let Some(alert) = e.summary.safeguarding_alert() {
        ui.label(RichText::new(alert).color(widgets::red(ui)).strong().size(16.0));
    }
    ui.label(summary_line(e));
    egui::ScrollArea::vertical()
        .max_height(320.0)
        .id_salt("exposed")
        .show(ui, |ui| {
            egui::Grid::new("exposed").striped(true).show(ui, |ui| {
                for title in [
                    "Tag",
                    "Item",
                    "Held from",
                    "Held until",
                    "Ended by",
                    "Encrypted",
                    "Personal data",
                ] {
                    ui.strong(title);
                }
                ui.end_row();
                for x in &e.items {
                    ui.label(&x.item.tag);
                    ui.label(&x.item.name);
                    ui.label(ledger.format_time(x.held_from));
                    ui.label(x.held_until.map(|t| ledger.format_time(t)).unwrap_or_default());
                    ui.label(&x.ended_by);
                    ui.label(encrypted(&x.item));
                    ui.colored_label(widgets::amber(ui), crate::desk::widgets::flags(&x.item));
                    ui.end_row();
                    for c in &x.corrections {
                        ui.label("");
                        ui.weak(format!("corrected: {c}"));
                        ui.end_row();
                    }
                }
            });
            let missing = missing_earlier(ledger, e);
            if !missing.is_empty() {
                ui.add_space(6.0);
                ui.strong(missing_heading(e));
                for m in missing {
                    ui.label(m);
                }
            }
        });
}

/// R9: record an incident from this exposure; it marks what was still held lost or stolen.
fn incident_form(app: &mut DeskApp, ui: &mut egui::Ui, asked: &(Custodian, DateTime<Utc>, DateTime<Utc>)) {
    if !app.ledger.may(custody_db::Action::Incidents) {
        return; // an auditor reads incidents and opens none
    }
    ui.collapsing("Open an incident from this (loss, theft, disclosure)", |ui| {
        let form = &mut app.states.exposure.incident;
        ui.label(format!(
            "It happened at {}; what was still held then is recorded as lost or stolen.",
            app.ledger.format_time(custody_db::time::to_millis(asked.1))
        ));
        ui.horizontal(|ui| {
            for kind in [IncidentKind::Loss, IncidentKind::Theft, IncidentKind::Disclosure] {
                ui.radio_value(&mut form.kind, Some(kind), kind.as_str());
            }
        });
        let label = ui.label("Discovered:");
        ui.add(egui::TextEdit::singleline(&mut form.discovered).hint_text("now, or 19/11/2026 21:00"))
            .labelled_by(label.id);
        let label = ui.label("What happened:");
        ui.add(egui::TextEdit::multiline(&mut form.description).desired_rows(2))
            .labelled_by(label.id);
        ui.horizontal(|ui| {
            if ui.button("Open the incident").clicked() {
                open_incident(app, asked);
            }
            if let Some(problem) = &app.states.exposure.incident.problem {
                ui.colored_label(widgets::red(ui), problem);
            }
        });
    });
}

fn open_incident(app: &mut DeskApp, asked: &(Custodian, DateTime<Utc>, DateTime<Utc>)) {
    let form = &mut app.states.exposure.incident;
    let Some(kind) = form.kind else {
        form.problem = Some("Choose loss, theft or disclosure.".into());
        return;
    };
    let discovered = match form.discovered.trim() {
        "" => Ok(None),
        text => app.ledger.parse_when(text, DayEdge::Start).map(Some),
    };
    let new = match discovered {
        Ok(discovered_at) => NewIncident {
            kind,
            who: asked.0.clone(),
            occurred_at: asked.1,
            discovered_at,
            description: form.description.clone(),
        },
        Err(e) => {
            form.problem = Some(format!("Discovered: {e}"));
            return;
        }
    };
    match app.ledger.open_incident(&new) {
        Ok((incident, marked)) => {
            app.states.exposure.message = Some((
                true,
                format!(
                    "Opened {}; {} item(s) recorded as {}.",
                    incident.id,
                    marked.len(),
                    kind.as_str()
                ),
            ));
            app.states.exposure.incident = IncidentForm::default();
            app.states.incidents.select(&incident.id);
            app.screen = crate::desk::Screen::Incidents;
            app.changed();
        }
        Err(e) => form.problem = Some(format!("Not opened: {e}")),
    }
}
