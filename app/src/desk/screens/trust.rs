//! The Trust screen (the DPO, administrators and auditors): `custody report trust` on screen, a
//! table per group of figures with a row per desk and the total, the trends below, and the PDF
//! and CSVs saved beside the database. Read on a thread: a frame never waits for it.

use std::hash::{Hash, Hasher};

use custody_db::DayEdge;
use custody_db::trust_report::{DeskFigures, MonthFigures, TOTAL, TREND_MONTHS, TrustReport};

use super::items::loading;
use crate::desk::DeskApp;
use crate::desk::loader::{Loaded, Task};
use crate::desk::widgets::{self, outcome, outcome_of, save_report};
use crate::render::ReportFormat;
use crate::render::trust::GROUPS;

#[derive(Debug, Default)]
pub struct TrustUi {
    from: String,
    to: String,
    report: Loaded<(TrustReport, Vec<MonthFigures>)>,
    task: Task,
    message: Option<(bool, String)>,
}

pub fn ui(app: &mut DeskApp, ui: &mut egui::Ui) {
    let ctx = ui.ctx().clone();
    let state = &mut app.states.trust;
    let (month_start, month_end) = app.ledger.previous_month();
    let when = |text: &str, edge: DayEdge, default| match text.trim() {
        "" => Ok(default),
        text => app.ledger.parse_when(text, edge),
    };
    let mut save = None;
    ui.horizontal_wrapped(|ui| {
        let label = ui.label("From:");
        let from = egui::TextEdit::singleline(&mut state.from)
            .hint_text(format!(
                "{} (last month)",
                month_start.with_timezone(&app.ledger.timezone()).format("%d/%m/%Y")
            ))
            .desired_width(170.0);
        let response = ui.add(from).labelled_by(label.id);
        widgets::focus_on_ctrl_f(ui, &response);
        let label = ui.label("To:");
        let to = egui::TextEdit::singleline(&mut state.to)
            .hint_text("the end of last month")
            .desired_width(170.0);
        ui.add(to).labelled_by(label.id);
        ui.add_enabled_ui(!state.task.is_running(), |ui| {
            if ui.button("Save PDF with charts").clicked() {
                save = Some((ReportFormat::Pdf, false));
            }
            if ui.button("Save CSV").clicked() {
                save = Some((ReportFormat::Csv, false));
            }
            if ui.button("Save trends CSV").clicked() {
                save = Some((ReportFormat::Csv, true));
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
    let period = when(&state.from, DayEdge::Start, month_start)
        .and_then(|from| when(&state.to, DayEdge::End, month_end).map(|to| (from, to)));
    let (from, to) = match period {
        Ok(p) => p,
        Err(e) => {
            ui.colored_label(widgets::red(ui), e.to_string());
            return;
        }
    };
    // Keyed on what was typed, not on the moment it means: "now" means another moment every
    // frame, and must not start another reading each time.
    let own_last_sync = app.last_synced;
    let mut key = std::collections::hash_map::DefaultHasher::new();
    (
        app.version,
        state.from.trim(),
        state.to.trim(),
        app.ledger.today(),
        own_last_sync,
    )
        .hash(&mut key);
    state.report.keep_fresh(key.finish(), &app.source, &ctx, move |l| {
        let report = l
            .trust_report(from, to, None, own_last_sync)
            .map_err(|e| e.to_string())?;
        let trends = l.trust_trends(TREND_MONTHS, None).map_err(|e| e.to_string())?;
        Ok((report, trends))
    });
    let Some(read) = state.report.value.clone() else {
        loading(ui, state.report.error.as_deref());
        return;
    };
    // What is saved is what is on the screen, not a second reading of the ledger.
    if let Some((format, trends_only)) = save {
        let read = read.clone();
        state.task.start(&app.source, &ctx, move |l| {
            let (report, trends) = &*read;
            let bytes =
                crate::render::trust::render(l, report, trends, trends_only, format).map_err(|e| e.to_string())?;
            let month = custody_db::time::from_millis(report.from)
                .with_timezone(&l.timezone())
                .format("%Y-%m");
            let name = if trends_only {
                "trust-trends".to_string()
            } else {
                format!("trust-{month}")
            };
            save_report(l, &format!("{name}.{}", format.extension()), &bytes)
        });
    }
    let (report, trends) = &*read;
    egui::ScrollArea::vertical().auto_shrink([false; 2]).show(ui, |ui| {
        show(app, ui, report);
        show_trends(ui, trends);
    });
}

/// The figures, a group to a table as on the page: a row per desk and the total.
fn show(app: &DeskApp, ui: &mut egui::Ui, r: &TrustReport) {
    let ledger = &app.ledger;
    ui.heading(format!(
        "The trust: {} desk(s), {} to {}",
        r.desks.len(),
        ledger.format_time(r.from),
        ledger.format_time(r.to)
    ));
    ui.label(format!("\"Now\" figures as of {}.", ledger.format_time(r.as_of)));
    let rows: Vec<&DeskFigures> = r.desks.iter().chain([&r.total]).collect();
    for group in &GROUPS {
        ui.add_space(6.0);
        ui.strong(group.heading);
        egui::Grid::new(group.heading)
            .striped(true)
            .spacing([18.0, 4.0])
            .show(ui, |ui| {
                ui.strong("Desk");
                for (title, _) in group.columns {
                    ui.strong(*title);
                }
                ui.end_row();
                for d in &rows {
                    if d.desk == TOTAL {
                        ui.strong(&d.desk);
                    } else {
                        ui.label(&d.desk);
                    }
                    for cell in (group.cells)(ledger, d) {
                        ui.label(cell);
                    }
                    ui.end_row();
                }
            });
        if let Some(note) = group.note {
            ui.weak(note);
        }
    }
}

/// The trust's key figures month by month (the PDF draws them as charts).
fn show_trends(ui: &mut egui::Ui, trends: &[MonthFigures]) {
    ui.add_space(10.0);
    ui.strong("Trends, the whole trust");
    egui::Grid::new("trust-trends")
        .striped(true)
        .spacing([18.0, 4.0])
        .show(ui, |ui| {
            for title in [
                "Month",
                "Sign-outs",
                "Unencrypted loans",
                "Overdue rate",
                "Incidents per 100 sign-outs",
            ] {
                ui.strong(title);
            }
            ui.end_row();
            for m in trends.iter().filter(|m| m.desk == TOTAL) {
                ui.label(m.month.format("%b %Y").to_string());
                ui.label(m.sign_outs.to_string());
                ui.label(m.unencrypted_sign_outs.to_string());
                ui.label(
                    m.overdue_rate()
                        .map(|r| format!("{:.0}%", r * 100.0))
                        .unwrap_or_else(|| "–".into()),
                );
                ui.label(
                    m.incidents_per_100()
                        .map(|r| format!("{r:.1}"))
                        .unwrap_or_else(|| "–".into()),
                );
                ui.end_row();
            }
        });
}
