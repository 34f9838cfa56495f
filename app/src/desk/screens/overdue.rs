//! The Overdue screen: the weekly report (as `custody report overdue` gives it) as of now or
//! any date, grouped by holder, with the due-soon section, saved as PDF (reminder slips) or CSV.

use std::hash::{Hash, Hasher};

use custody_db::{DayEdge, OverdueReport, Sensitivity};
use egui_extras::{Column, TableBuilder};

use super::items::loading;
use crate::desk::DeskApp;
use crate::desk::loader::{Loaded, Task};
use crate::desk::widgets::{self, outcome, outcome_of, save_report};
use crate::render::ReportFormat;
use crate::render::overdue::{due_soon_title, render, stage_text};

const ROW_HEIGHT: f32 = 22.0;

#[derive(Debug, Default)]
pub struct OverdueUi {
    as_of: String,
    pub report: Loaded<OverdueReport>,
    task: Task,
    message: Option<(bool, String)>,
    /// The missing paper files and their searches, above the report.
    pub missing: super::missing_paper::MissingPaperUi,
}

/// One line of the report on screen.
enum Line {
    Holder(usize),
    Item(usize, usize),
    SoonTitle,
    Soon(usize),
}

pub fn ui(app: &mut DeskApp, ui: &mut egui::Ui) {
    let ctx = ui.ctx().clone();
    let state = &mut app.states.overdue;
    let as_of = match state.as_of.trim() {
        "" => Ok(None),
        text => app.ledger.parse_when(text, DayEdge::End).map(Some),
    };
    let mut save = None;
    ui.horizontal(|ui| {
        let label = ui.label("As of:");
        let field = egui::TextEdit::singleline(&mut state.as_of)
            .hint_text("now, or 31/12/2026 (Ctrl+F)")
            .desired_width(200.0);
        let response = ui.add(field).labelled_by(label.id);
        crate::desk::widgets::focus_on_ctrl_f(ui, &response);
        ui.add_enabled_ui(!state.task.is_running(), |ui| {
            if ui.button("Save PDF with reminder slips").clicked() {
                save = Some(ReportFormat::Pdf);
            }
            if ui.button("Save CSV").clicked() {
                save = Some(ReportFormat::Csv);
            }
        });
        if state.task.is_running() {
            ui.spinner();
        }
    });
    if let Some(done) = state.task.take() {
        state.message = Some(outcome_of(done));
    }
    outcome(ui, state.message.as_ref());
    let as_of = match as_of {
        Ok(t) => t,
        Err(e) => {
            ui.colored_label(widgets::red(ui), e.to_string());
            return;
        }
    };
    let mut key = std::collections::hash_map::DefaultHasher::new();
    (app.version, as_of).hash(&mut key);
    state.report.keep_fresh(key.finish(), &app.source, &ctx, move |l| {
        l.overdue(as_of.unwrap_or_else(|| l.now())).map_err(|e| e.to_string())
    });
    // What is saved is the report on the screen, not a second reading of the ledger.
    if let (Some(format), Some(report)) = (save, state.report.value.clone()) {
        state.task.start(&app.source, &ctx, move |l| {
            let as_of = custody_db::time::from_millis(report.as_of);
            let day = as_of.with_timezone(&l.timezone()).format("%Y-%m-%d");
            let bytes = render(l, &report, format).map_err(|e| e.to_string())?;
            save_report(l, &format!("overdue-{day}.{}", format.extension()), &bytes)
        });
    }
    let Some(report) = state.report.value.clone() else {
        loading(ui, state.report.error.as_deref());
        return;
    };
    super::missing_paper::ui(app, ui);
    show(app, ui, &report);
}

fn show(app: &DeskApp, ui: &mut egui::Ui, r: &OverdueReport) {
    let ledger = &app.ledger;
    let items: usize = r.overdue.iter().map(|h| h.items.len()).sum();
    ui.heading(format!(
        "Overdue as of {}: {items} item(s) with {} holder(s)",
        ledger.format_time(r.as_of),
        r.overdue.len()
    ));
    let mut lines = Vec::new();
    for (h, holder) in r.overdue.iter().enumerate() {
        lines.push(Line::Holder(h));
        lines.extend((0..holder.items.len()).map(|i| Line::Item(h, i)));
    }
    lines.push(Line::SoonTitle);
    lines.extend((0..r.due_soon.len()).map(Line::Soon));
    TableBuilder::new(ui)
        .striped(true)
        .column(Column::exact(90.0))
        .column(Column::remainder().at_least(200.0).clip(true))
        .column(Column::exact(130.0))
        .column(Column::exact(80.0))
        .column(Column::exact(110.0))
        .column(Column::exact(120.0))
        .header(ROW_HEIGHT, |mut h| {
            for title in ["Tag", "Item", "Due back", "Days late", "Stage", "Sensitivity"] {
                h.col(|ui| {
                    ui.strong(title);
                });
            }
        })
        .body(|body| {
            body.rows(ROW_HEIGHT, lines.len(), |mut row| match lines[row.index()] {
                Line::Holder(h) => {
                    let p = &r.overdue[h].person;
                    row.col(|_| {});
                    row.col(|ui| {
                        ui.strong(format!(
                            "{} ({}){}",
                            p.name,
                            p.id,
                            p.email.as_deref().map(|e| format!("  {e}")).unwrap_or_default()
                        ));
                    });
                }
                Line::Item(h, i) => {
                    let item = &r.overdue[h].items[i];
                    row.col(|ui| {
                        ui.label(&item.item.tag);
                    });
                    row.col(|ui| {
                        ui.label(&item.item.name);
                    });
                    row.col(|ui| {
                        ui.label(ledger.format_due(item.due_at));
                    });
                    row.col(|ui| {
                        ui.colored_label(widgets::red(ui), item.days_overdue.to_string());
                    });
                    row.col(|ui| {
                        ui.label(stage_text(item.stage));
                    });
                    row.col(|ui| {
                        let colour = if item.sensitivity == Sensitivity::None {
                            widgets::green(ui)
                        } else {
                            widgets::amber(ui)
                        };
                        ui.colored_label(colour, item.sensitivity.as_str());
                    });
                }
                Line::SoonTitle => {
                    row.col(|_| {});
                    row.col(|ui| {
                        ui.strong(format!("{}: {} item(s)", due_soon_title(), r.due_soon.len()));
                    });
                }
                Line::Soon(i) => {
                    let (p, item) = &r.due_soon[i];
                    row.col(|ui| {
                        ui.label(&item.item.tag);
                    });
                    row.col(|ui| {
                        ui.label(format!("{} \u{b7} with {} ({})", item.item.name, p.name, p.id));
                    });
                    row.col(|ui| {
                        ui.label(ledger.format_due(item.due_at));
                    });
                }
            });
        });
}
