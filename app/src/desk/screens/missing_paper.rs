//! Missing paper files on the Overdue screen: each file overdue or recorded lost, what the
//! procedure asks for next (search within a working day; escalate after five), the searches so
//! far, a form to log one more, and the way to an incident (the Exposure screen, filled in with
//! who had it and when it went missing, where the DPO opens one).

use std::collections::HashMap;

use custody_db::search::{MissingPaper, Reminder};

use crate::desk::widgets::{self, outcome};
use crate::desk::{DeskApp, Screen};
use crate::render::missing::{missing_text, search_text};

/// A search as typed for one file.
#[derive(Debug, Default, Clone)]
struct SearchForm {
    place: String,
    by: String,
    note: String,
}

#[derive(Debug, Default)]
pub struct MissingPaperUi {
    /// The files as read at an app version.
    files: Option<(u64, Result<Vec<MissingPaper>, String>)>,
    forms: HashMap<String, SearchForm>,
    message: Option<(bool, String)>,
}

pub fn ui(app: &mut DeskApp, ui: &mut egui::Ui) {
    let version = app.version;
    let state = &mut app.states.overdue.missing;
    if state.files.as_ref().is_none_or(|(v, _)| *v != version) {
        let read = app.ledger.missing_paper(app.ledger.now()).map_err(|e| e.to_string());
        state.files = Some((version, read));
    }
    let files = match &state.files {
        Some((_, Ok(files))) => files.clone(),
        Some((_, Err(e))) => {
            ui.colored_label(widgets::red(ui), e);
            return;
        }
        None => return,
    };
    let mut log: Option<(String, SearchForm)> = None;
    let mut exposure: Option<(String, i64)> = None;
    let may_see_exposure = app.ledger.may(custody_db::Action::Exposure);
    egui::CollapsingHeader::new(format!("Missing paper files ({}): searches", files.len()))
        .id_salt("missing-paper")
        .default_open(!files.is_empty())
        .show(ui, |ui| {
            if files.is_empty() {
                ui.weak("No paper file is overdue or recorded lost.");
            }
            for m in &files {
                ui.separator();
                ui.horizontal(|ui| {
                    ui.strong(format!("{} {}", m.tag, m.name));
                    ui.label(missing_text(&app.ledger, m));
                });
                if let Some(r) = m.reminder {
                    let colour = if r == Reminder::SearchToday {
                        widgets::amber(ui)
                    } else {
                        widgets::red(ui)
                    };
                    ui.colored_label(colour, r.describe());
                }
                for s in &m.searches {
                    ui.label(format!("\u{2022} {}", search_text(&app.ledger, s)));
                }
                let form = state.forms.entry(m.tag.clone()).or_default();
                ui.horizontal(|ui| {
                    for (label, text, width) in [
                        ("Searched", &mut form.place, 200.0),
                        ("by", &mut form.by, 80.0),
                        ("found", &mut form.note, 160.0),
                    ] {
                        let l = ui.label(label);
                        ui.add(egui::TextEdit::singleline(text).desired_width(width))
                            .labelled_by(l.id);
                    }
                    if app.ledger.may(custody_db::Action::RecordLossOrFind) && ui.button("Log search").clicked() {
                        log = Some((m.tag.clone(), form.clone()));
                    }
                    if may_see_exposure
                        && let Some(holder) = &m.holder
                        && ui
                            .button("Exposure for an incident\u{2026}")
                            .on_hover_text("What they had when it went missing; open the incident there")
                            .clicked()
                    {
                        exposure = Some((holder.clone(), m.since));
                    }
                });
            }
            outcome(ui, state.message.as_ref());
        });
    if let Some((tag, form)) = log {
        let by = Some(form.by.as_str());
        let note = Some(form.note.as_str()).filter(|n| !n.trim().is_empty());
        let result = app.ledger.log_search(&tag, &form.place, by, note, None);
        let state = &mut app.states.overdue.missing;
        state.message = Some(match result {
            Ok(s) => {
                state.forms.remove(&tag);
                (
                    true,
                    format!("Logged a search for {tag}: {}.", search_text(&app.ledger, &s)),
                )
            }
            Err(e) => (false, e.to_string()),
        });
        app.changed();
    }
    if let Some((holder, since)) = exposure {
        let at = app.ledger.format_time(since);
        app.states.exposure.prefill(&holder, &at);
        app.screen = Screen::Exposure;
    }
}
