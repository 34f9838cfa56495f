//! The Incidents screen (R9): every incident with its 72-hour ICO clock, highlighted when it
//! is running out; the selected one's exposure and timeline, a form to add to the timeline,
//! and the breach pack saved as PDF and JSON.

use custody_db::{DayEdge, Incident, NOTE_KINDS};

use crate::desk::DeskApp;
use crate::desk::loader::Task;
use crate::desk::widgets::{self, outcome, outcome_of, save_report};
use crate::render::incident::{fields, ico_clock, pack_json, pack_pdf};

#[derive(Debug, Default)]
pub struct IncidentsUi {
    list: Vec<Incident>,
    list_version: Option<u64>,
    selected: Option<String>,
    note_kind: usize,
    note_text: String,
    note_at: String,
    task: Task,
    message: Option<(bool, String)>,
}

impl IncidentsUi {
    pub fn select(&mut self, id: &str) {
        self.selected = Some(id.to_string());
        self.message = None;
    }
}

pub fn ui(app: &mut DeskApp, ui: &mut egui::Ui) {
    if app.states.incidents.list_version != Some(app.version) {
        match app.ledger.incidents() {
            Ok(list) => app.states.incidents.list = list,
            Err(e) => app.states.incidents.message = Some((false, e.to_string())),
        }
        app.states.incidents.list_version = Some(app.version);
    }
    ui.heading("Incidents");
    if app.states.incidents.list.is_empty() {
        ui.label("No incidents. To open one, look up the exposure on the Exposure screen (F6) first.");
    }
    let mut chosen = None;
    egui::Grid::new("incidents").striped(true).show(ui, |ui| {
        for i in &app.states.incidents.list {
            let selected = app.states.incidents.selected.as_deref() == Some(i.id.as_str());
            if ui.selectable_label(selected, &i.id).clicked() {
                chosen = Some(i.id.clone());
            }
            ui.label(i.kind.as_str());
            ui.label(&i.exposure.custodian);
            ui.label(format!("happened {}", app.ledger.format_time(i.occurred_at)));
            let (clock, urgent) = ico_clock(&app.ledger, i);
            ui.colored_label(if urgent { widgets::red(ui) } else { widgets::amber(ui) }, clock);
            ui.end_row();
        }
    });
    if let Some(id) = chosen {
        app.states.incidents.select(&id);
    }
    if app.states.incidents.selected.is_none()
        && let Some(latest) = app.states.incidents.list.first()
    {
        app.states.incidents.selected = Some(latest.id.clone());
    }
    let Some(incident) = app
        .states
        .incidents
        .selected
        .as_ref()
        .and_then(|id| app.states.incidents.list.iter().find(|i| &i.id == id))
        .cloned()
    else {
        return;
    };
    ui.separator();
    details(app, ui, &incident);
}

fn details(app: &mut DeskApp, ui: &mut egui::Ui, i: &Incident) {
    let ledger = &app.ledger;
    ui.heading(format!("{} \u{2014} {}", i.id, i.kind.as_str()));
    let (clock, urgent) = ico_clock(ledger, i);
    let clock = egui::RichText::new(clock).size(16.0).strong();
    ui.label(if urgent { clock.color(widgets::red(ui)) } else { clock });
    egui::Grid::new("incident_fields").num_columns(2).show(ui, |ui| {
        // The id and kind are in the heading.
        for (k, v) in fields(ledger, i).into_iter().skip(2) {
            ui.weak(k);
            ui.label(v);
            ui.end_row();
        }
    });
    if let Some(alert) = i.exposure.summary.safeguarding_alert() {
        ui.colored_label(widgets::red(ui), alert);
    }
    ui.strong("Timeline");
    egui::Grid::new("timeline").striped(true).show(ui, |ui| {
        for n in &i.notes {
            ui.weak(ledger.format_time(n.at));
            ui.label(&n.kind);
            ui.label(n.text.as_deref().unwrap_or(""));
            ui.weak(&n.operator);
            ui.end_row();
        }
    });
    if app.ledger.may(custody_db::Action::Incidents) {
        add_note(app, ui, &i.id);
    }
    pack_buttons(app, ui, &i.id);
}

fn add_note(app: &mut DeskApp, ui: &mut egui::Ui, id: &str) {
    let state = &mut app.states.incidents;
    ui.horizontal(|ui| {
        egui::ComboBox::from_label("Add to the timeline")
            .selected_text(NOTE_KINDS[state.note_kind])
            .show_ui(ui, |ui| {
                for (n, kind) in NOTE_KINDS.iter().enumerate() {
                    ui.selectable_value(&mut state.note_kind, n, *kind);
                }
            });
        let label = ui.label("Details:");
        ui.add(egui::TextEdit::singleline(&mut state.note_text).hint_text("reference, reason or what was said"))
            .labelled_by(label.id);
        let label = ui.label("When:");
        ui.add(
            egui::TextEdit::singleline(&mut state.note_at)
                .hint_text("now, or 19/11/2026 21:00")
                .desired_width(130.0),
        )
        .labelled_by(label.id);
    });
    if !ui.button("Add").clicked() {
        return;
    }
    let at = match state.note_at.trim() {
        "" => Ok(None),
        text => app.ledger.parse_when(text, DayEdge::Start).map(Some),
    };
    let text = Some(state.note_text.trim()).filter(|t| !t.is_empty());
    let added = at.and_then(|at| app.ledger.add_incident_note(id, NOTE_KINDS[state.note_kind], at, text));
    match added {
        Ok(n) => {
            state.message = Some((true, format!("Added {} to {id}.", n.kind)));
            state.note_text.clear();
            state.note_at.clear();
            app.changed();
        }
        Err(e) => state.message = Some((false, format!("Not added: {e}"))),
    }
}

fn pack_buttons(app: &mut DeskApp, ui: &mut egui::Ui, id: &str) {
    let ctx = ui.ctx().clone();
    let state = &mut app.states.incidents;
    if let Some(done) = state.task.take() {
        state.message = Some(outcome_of(done));
    }
    let button = egui::Button::new("Save the breach pack (PDF and JSON)");
    if ui.add_enabled(!state.task.is_running(), button).clicked() {
        let id = id.to_string();
        state.task.start(&app.source, &ctx, move |l| {
            let incident = l.incident(&id).map_err(|e| e.to_string())?;
            let pdf = pack_pdf(l, &incident).map_err(|e| e.to_string())?;
            let json = pack_json(l, &incident).map_err(|e| e.to_string())?;
            let first = save_report(l, &format!("{id}-breach-pack.pdf"), &pdf)?;
            save_report(l, &format!("{id}-breach-pack.json"), &json)?;
            Ok(format!("{first} and its .json beside it"))
        });
    }
    outcome(ui, state.message.as_ref());
}
