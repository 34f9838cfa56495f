//! The Spot checks screen (R10): draw a random sample of what is out (a number or a
//! percentage, of items or of holders), save the checklist to take round, record each outcome
//! with a note, and save the report of the last 12 months.

use std::collections::HashMap;

use custody_db::spot_check::{CheckOutcome, Population, SampleSize, SpotCheck};

use crate::desk::DeskApp;
use crate::desk::widgets::{self, outcome};
use crate::render::{ReportFormat, spot_check as render};

#[derive(Debug)]
pub struct SpotChecksUi {
    of: Population,
    /// "5" or "10%".
    size: String,
    /// The spot check shown.
    current: Option<String>,
    /// Notes typed beside each drawn item or holder.
    notes: HashMap<String, String>,
    /// The last year's spot checks, and the app version they were read at.
    checks: Option<(u64, Vec<SpotCheck>)>,
    message: Option<(bool, String)>,
}

impl Default for SpotChecksUi {
    fn default() -> Self {
        SpotChecksUi {
            of: Population::Items,
            size: "5".to_string(),
            current: None,
            notes: HashMap::new(),
            checks: None,
            message: None,
        }
    }
}

/// "5" is a count, "10%" (or "10 %") a percentage.
fn parse_size(text: &str) -> Result<SampleSize, String> {
    let text = text.trim();
    let bad = || format!("{text:?} is not a number, or a percentage such as 10%");
    match text.strip_suffix('%') {
        Some(p) => p.trim().parse().map(SampleSize::Percent).map_err(|_| bad()),
        None => text.parse().map(SampleSize::Count).map_err(|_| bad()),
    }
}

pub fn ui(app: &mut DeskApp, ui: &mut egui::Ui) {
    let version = app.version;
    if app
        .states
        .spot_checks
        .checks
        .as_ref()
        .is_none_or(|(v, _)| *v != version)
    {
        match app.ledger.spot_checks_this_year() {
            Ok(checks) => app.states.spot_checks.checks = Some((version, checks)),
            Err(e) => app.states.spot_checks.message = Some((false, e.to_string())),
        }
    }
    ui.heading("Spot checks");
    outcome(ui, app.states.spot_checks.message.as_ref());
    draw_form(app, ui);
    ui.separator();
    let checks = app
        .states
        .spot_checks
        .checks
        .as_ref()
        .map(|(_, c)| c.clone())
        .unwrap_or_default();
    let shown = app
        .states
        .spot_checks
        .current
        .as_ref()
        .and_then(|id| checks.iter().find(|c| &c.id == id))
        .or(checks.first())
        .cloned();
    egui::Panel::left("spot-check-list")
        .exact_size(230.0)
        .resizable(false)
        .show(ui, |ui| {
            ui.strong(format!("The last 12 months ({})", checks.len()));
            if ui.button("Save report (PDF)").clicked() {
                let saved = render::render(&app.ledger, &checks, ReportFormat::Pdf)
                    .map_err(|e| e.to_string())
                    .and_then(|pdf| widgets::save_report(&app.ledger, "spot-checks.pdf", &pdf));
                app.states.spot_checks.message = Some(widgets::outcome_of(saved));
            }
            egui::ScrollArea::vertical().show(ui, |ui| {
                for c in &checks {
                    let selected = shown.as_ref().is_some_and(|s| s.id == c.id);
                    let text = format!(
                        "{}  {}  {} of {} checked",
                        c.id,
                        app.ledger.format_time(c.drawn_at),
                        c.checked(),
                        c.sample.len()
                    );
                    if ui.selectable_label(selected, text).clicked() {
                        app.states.spot_checks.current = Some(c.id.clone());
                    }
                }
            });
        });
    if let Some(check) = shown {
        check_ui(app, ui, &check);
    } else {
        ui.weak("No spot check in the last 12 months. Draw one above.");
    }
}

fn draw_form(app: &mut DeskApp, ui: &mut egui::Ui) {
    let state = &mut app.states.spot_checks;
    let mut drew = false;
    ui.horizontal(|ui| {
        let l = ui.label("Draw at random");
        ui.add(egui::TextEdit::singleline(&mut state.size).desired_width(50.0))
            .labelled_by(l.id)
            .on_hover_text("a number, or a percentage such as 10%");
        ui.radio_value(&mut state.of, Population::Items, "of the items out");
        ui.radio_value(&mut state.of, Population::Holders, "of the people holding something");
        let may = app.ledger.may(custody_db::Action::SpotCheck);
        let draw = ui
            .add_enabled(may, egui::Button::new("Draw"))
            .on_disabled_hover_text("Spot checks need the manager role.");
        if draw.clicked() {
            let result = parse_size(&state.size).and_then(|size| {
                app.ledger
                    .draw_spot_check(state.of, size, None)
                    .map_err(|e| e.to_string())
            });
            match result {
                Ok(check) => {
                    state.message = Some((true, format!("Drew {}", render::summary(&app.ledger, &check))));
                    state.current = Some(check.id);
                    drew = true;
                }
                Err(e) => state.message = Some((false, e)),
            }
        }
    });
    if drew {
        app.changed();
    }
}

fn check_ui(app: &mut DeskApp, ui: &mut egui::Ui, check: &SpotCheck) {
    ui.strong(render::summary(&app.ledger, check));
    if ui.button("Save checklist (PDF)").clicked() {
        let pdf = render::checklist_pdf(&app.ledger, check);
        let saved = widgets::save_report(&app.ledger, &format!("spot-check-{}.pdf", check.id), &pdf);
        app.states.spot_checks.message = Some(widgets::outcome_of(saved));
    }
    let mut record: Option<(String, CheckOutcome)> = None;
    // Two lines each (what was drawn and what was found; then a note and the outcomes), so the
    // screen fits the desk's smallest window.
    egui::ScrollArea::vertical().show(ui, |ui| {
        for s in &check.sample {
            ui.separator();
            ui.horizontal(|ui| {
                ui.label(render::describe(&app.ledger, check.of, s));
                match &s.outcome {
                    Some((o, note, _, _)) => {
                        let colour = match o {
                            CheckOutcome::Seen => widgets::green(ui),
                            CheckOutcome::NotAvailable => widgets::amber(ui),
                            CheckOutcome::Problem => widgets::red(ui),
                        };
                        let note = note.as_deref().map(|n| format!(": {n}")).unwrap_or_default();
                        ui.colored_label(colour, format!("{}{note}", o.describe()));
                    }
                    None => {
                        ui.weak("not checked yet");
                    }
                }
            });
            ui.horizontal(|ui| {
                let note = app.states.spot_checks.notes.entry(s.subject.clone()).or_default();
                ui.add(egui::TextEdit::singleline(note).hint_text("note").desired_width(220.0));
                for (label, outcome) in [
                    ("Seen", CheckOutcome::Seen),
                    ("Not available", CheckOutcome::NotAvailable),
                    ("Problem", CheckOutcome::Problem),
                ] {
                    if ui.button(label).on_hover_text(outcome.describe()).clicked() {
                        record = Some((s.subject.clone(), outcome));
                    }
                }
            });
        }
    });
    if let Some((subject, outcome)) = record {
        let note = app.states.spot_checks.notes.get(&subject).cloned().unwrap_or_default();
        let note = Some(note.as_str()).filter(|n| !n.trim().is_empty());
        match app.ledger.record_spot_check(&check.id, &subject, outcome, note) {
            Ok(_) => {
                app.states.spot_checks.message = Some((true, format!("Recorded {subject}: {}.", outcome.describe())));
                app.states.spot_checks.notes.remove(&subject);
                app.changed();
            }
            Err(e) => app.states.spot_checks.message = Some((false, e.to_string())),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_size_is_a_count_or_a_percentage() {
        assert_eq!(parse_size("5"), Ok(SampleSize::Count(5)));
        assert_eq!(parse_size(" 10 % "), Ok(SampleSize::Percent(10.0)));
        assert!(parse_size("five").unwrap_err().contains("not a number"));
    }
}
