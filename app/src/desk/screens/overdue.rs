//! The Overdue screen: the weekly report (as `custody report overdue` gives it) as of now or
//! any date, grouped by holder, with the due-soon section, saved as PDF (reminder slips) or CSV.

use std::collections::HashMap;
use std::hash::{Hash, Hasher};

use custody_db::notices::{Notice, NoticeSettings, NoticeStage, NoticeStatus};
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
    /// The notices: whether they go, each holder's last, and those waiting.
    pub notices: Loaded<Notices>,
}

/// What the screen shows of the outbox.
#[derive(Debug, Clone)]
pub struct Notices {
    settings: NoticeSettings,
    /// Each holder's latest notice, by person id.
    last: HashMap<String, Notice>,
    /// Queued and not yet sent (with the reason of the last try), and holders to tell in person,
    /// of the last week.
    waiting: Vec<Notice>,
}

fn read_notices(l: &custody_db::Ledger) -> custody_db::Result<Notices> {
    let now = l.now();
    let week = now - chrono::Duration::days(7);
    let waiting = l
        .notices(week, now)?
        .into_iter()
        .filter(|n| {
            matches!(
                n.status,
                NoticeStatus::Queued { .. } | NoticeStatus::Sending { .. } | NoticeStatus::TellInPerson
            )
        })
        .collect();
    Ok(Notices {
        settings: l.notice_settings()?,
        last: l.last_notices(now)?,
        waiting,
    })
}

/// One line of the report on screen.
enum Line {
    Holder(usize),
    /// The holder's last notice, under their name.
    LastNotice(usize),
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
    state.notices.keep_fresh(app.version, &app.source, &ctx, |l| {
        read_notices(l).map_err(|e| e.to_string())
    });
    let Some(report) = state.report.value.clone() else {
        loading(ui, state.report.error.as_deref());
        return;
    };
    let notices = state.notices.value.clone();
    super::missing_paper::ui(app, ui);
    if let Some(notices) = &notices {
        outbox(app, ui, notices);
    }
    show(app, ui, &report, notices.as_deref());
}

/// Whether notices go, what the last round did, and what waits: a line each.
fn outbox(app: &DeskApp, ui: &mut egui::Ui, notices: &Notices) {
    let tz = app.ledger.timezone();
    ui.horizontal_wrapped(|ui| {
        if notices.settings.enabled {
            ui.label("Notices to holders are on.");
        } else {
            ui.weak("Notices to holders are off (a manager turns them on in Settings).");
        }
        if let Some(round) = &app.notice_round {
            let at = custody_db::time::format_local(round.at, tz);
            let text = match &round.error {
                Some(e) => format!("The last round, at {at}, could not run: {e}"),
                None if round.failed.is_empty() => format!("Last round at {at}: {} sent.", round.sent),
                None => format!(
                    "Last round at {at}: {} sent, {} not sent ({}).",
                    round.sent,
                    round.failed.len(),
                    round.failed[0]
                ),
            };
            ui.label(text);
        }
        if app.notices_running()
            && app.ledger.may(custody_db::Action::SendNotices)
            && ui.button("Send notices now").clicked()
        {
            app.send_notices_now();
        }
    });
    for notice in &notices.waiting {
        let who = if notice.stage == NoticeStage::WeeklyReport {
            "The weekly overdue report".to_string()
        } else {
            format!("{} ({}), {}", notice.name, notice.holder, notice.stage.describe())
        };
        let colour = match notice.status {
            NoticeStatus::Queued { tries: 0, .. } => ui.visuals().text_color(),
            _ => widgets::amber(ui),
        };
        ui.colored_label(colour, format!("{who}: {}", notice.status.describe(tz)));
    }
}

fn show(app: &DeskApp, ui: &mut egui::Ui, r: &OverdueReport, notices: Option<&Notices>) {
    let tz = app.ledger.timezone();
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
        if notices.is_some_and(|n| n.last.contains_key(&holder.person.id)) {
            lines.push(Line::LastNotice(h));
        }
        lines.extend((0..holder.items.len()).map(|i| Line::Item(h, i)));
    }
    lines.push(Line::SoonTitle);
    lines.extend((0..r.due_soon.len()).map(Line::Soon));
    TableBuilder::new(ui)
        .striped(true)
        .column(Column::exact(90.0))
        .column(Column::remainder().at_least(200.0).clip(true))
        .column(Column::exact(165.0))
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
                Line::LastNotice(h) => {
                    let Some(last) = notices.and_then(|n| n.last.get(&r.overdue[h].person.id)) else {
                        return;
                    };
                    row.col(|_| {});
                    row.col(|ui| {
                        ui.weak(format!(
                            "Last notice: {}, {}",
                            last.stage.describe(),
                            last.status.brief(tz)
                        ))
                        .on_hover_text(format!(
                            "The {}: {}",
                            last.stage.describe(),
                            last.status.describe(tz)
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
