//! The Desk screen, where the app opens: always ready to scan. A scanned item that is in goes
//! into the basket; one that is out comes back at once; a badge sets who takes the basket;
//! Enter signs it out.

use egui::{Key, Modifiers, RichText};

use crate::desk::session::{Desk, Tone};
use crate::desk::widgets;
use crate::desk::{DeskApp, scanner};

/// How many suggestions the type-ahead shows.
const SUGGESTIONS: usize = 8;

#[derive(Debug, Default)]
pub struct DeskUi {
    typed: String,
    /// Put the cursor in Scan or type at the next frame.
    focus_typed: bool,
    /// What the suggestions were made for: the text, the ledger's version and the readings of
    /// the lists (after an unlock they are read afresh, and a name typed meanwhile must match).
    suggested_for: Option<(String, u64, u64, u64)>,
    suggestions: Vec<Suggestion>,
    recent: Vec<(String, String)>,
    recent_version: Option<u64>,
    cameras: Option<Vec<(u32, String)>>,
    /// Asking the system for its cameras can take a while: it runs on a thread of its own.
    finding_cameras: Option<std::sync::mpsc::Receiver<Vec<(u32, String)>>>,
    /// Whether the database has no items, and for which change counter.
    empty: Option<(u64, bool)>,
}

impl DeskUi {
    /// Forgets what was typed in *Scan or type* and its suggestions: a scan or a sign-out has
    /// acted, and the text no longer says what the desk is doing.
    pub fn forget_typed(&mut self) {
        self.typed.clear();
        self.suggestions.clear();
        self.suggested_for = None;
    }

    /// Puts text that named nothing exactly into Scan or type, with the cursor there, so that
    /// its suggestions show what it was meant to be.
    pub fn suggest_for(&mut self, text: String) {
        self.typed = text;
        self.focus_typed = true;
    }
}

#[derive(Clone, Debug)]
struct Suggestion {
    /// What scanning it would send: a tag or a person id.
    scan: String,
    label: String,
}

/// How much of an item's name the basket shows (the rest on the item's page).
const NAME_WIDTH: f32 = 200.0;

/// The side panel's width: the camera preview and the latest actions.
const SIDE_WIDTH: f32 = 400.0;

pub fn ui(app: &mut DeskApp, ui: &mut egui::Ui) {
    if app.desk.undo_open(app.ledger.now()).is_some() && ui.input_mut(|i| i.consume_key(Modifiers::COMMAND, Key::Z)) {
        app.desk_action(Desk::undo);
    } else if app.desk.undo.is_some()
        && ui.memory(|m| m.focused().is_none())
        && ui.input_mut(|i| i.consume_key(Modifiers::COMMAND, Key::Z))
    {
        // Too late for Undo: say so, and what puts it right, rather than nothing.
        app.desk.undo_too_late();
    }
    // The side panel keeps its width whatever it shows; long lines are cut short, not widened.
    let side_width = SIDE_WIDTH.min(ui.available_width() * 0.4);
    egui::Panel::right("desk_side")
        .exact_size(side_width)
        .resizable(false)
        .show(ui, |ui| side(app, ui));
    // What a clerk must always see stays put: the banner and the field at the top, who takes
    // the basket and the sign-out button at the bottom; only the basket list scrolls.
    egui::Panel::top("desk_top").show(ui, |ui| top(app, ui));
    egui::Panel::bottom("desk_handover").show(ui, |ui| handover(app, ui));
    basket(app, ui);
}

/// Enter: sign the basket out, or confirm the warnings shown.
pub fn go(app: &mut DeskApp) {
    let confirmed = !app.desk.warnings.is_empty();
    app.desk_action(|desk, ledger| desk.sign_out(ledger, confirmed));
    app.states.desk.forget_typed();
}

/// Escape: drop the warnings, or else empty the basket.
pub fn cancel(app: &mut DeskApp) {
    if !app.desk.warnings.is_empty() {
        app.desk.warnings.clear();
    } else if !app.desk.basket.is_empty() || app.desk.holder.is_some() {
        app.desk.clear();
        app.desk.banner = None;
    }
}

fn top(app: &mut DeskApp, ui: &mut egui::Ui) {
    match &app.desk.banner {
        Some(b) => widgets::banner(ui, b),
        None => widgets::banner(
            ui,
            &crate::desk::session::Banner {
                tone: Tone::Info,
                text: "Ready to scan: an item, a person's badge, or type a tag or name.".to_string(),
            },
        ),
    }
    ui.horizontal(|ui| {
        let now = app.ledger.now();
        if let Some(undo) = app.desk.undo_open(now) {
            let left = (undo.until - now).num_seconds().max(1);
            let text = format!("Undo {} \u{2014} {left} s (Ctrl+Z)", undo.label);
            if ui.button(text).on_hover_text(undo.what.clone()).clicked() {
                app.desk_action(Desk::undo);
            }
        }
        if let Some(handed) = &app.desk.handed_over
            && ui
                .button(format!("Save receipt for {}", handed.holder))
                .on_hover_text("The hand-over receipt to print and sign: the items, when they are due, the rules for carrying data home")
                .clicked()
        {
            app.desk_action(Desk::save_receipt);
        }
        if app.desk.turned_up.is_some() && ui.button("It has turned up: record it found").clicked() {
            app.desk_action(Desk::record_found);
        }
    });
    if !app.wedge.pending().is_empty() {
        ui.weak(format!("Typed: {}", app.wedge.pending()));
    }
    ui.add_space(4.0);
    type_ahead(app, ui);
    ui.add_space(4.0);
}

fn type_ahead(app: &mut DeskApp, ui: &mut egui::Ui) {
    let state = &mut app.states.desk;
    let response = ui
        .horizontal(|ui| {
            let label = ui.label("Scan or type:");
            let field = egui::TextEdit::singleline(&mut state.typed)
                .hint_text("a tag, a person's name or id (Ctrl+F)")
                .desired_width(320.0);
            let response = ui.add(field).labelled_by(label.id);
            widgets::focus_on_ctrl_f(ui, &response);
            if std::mem::take(&mut state.focus_typed) {
                response.request_focus();
            }
            response
        })
        .inner;
    refresh_suggestions(app);
    let submitted = response.lost_focus() && ui.input(|i| i.key_pressed(Key::Enter));
    let mut chosen: Option<String> = None;
    if submitted {
        let typed = app.states.desk.typed.trim().to_string();
        let exact = app.ledger.item(&typed).is_ok()
            || app.ledger.person(&typed).is_ok()
            || app.ledger.container(&typed).is_ok()
            || custody_labels::Payload::claims_to_be_one(&typed);
        chosen = if exact {
            Some(typed)
        } else {
            app.states.desk.suggestions.first().map(|s| s.scan.clone())
        };
    }
    if !app.states.desk.typed.trim().is_empty() {
        for s in &app.states.desk.suggestions {
            if ui.button(&s.label).clicked() {
                chosen = Some(s.scan.clone());
            }
        }
        if app.states.desk.suggestions.is_empty() {
            ui.weak("No item or person matches.");
        }
    }
    if let Some(scan) = chosen {
        app.states.desk.typed.clear();
        app.scan(&scan);
    }
}

fn refresh_suggestions(app: &mut DeskApp) {
    let key = (
        app.states.desk.typed.trim().to_lowercase(),
        app.version,
        app.lists.people.reads,
        app.lists.items.reads,
    );
    if app.states.desk.suggested_for.as_ref() == Some(&key) {
        return;
    }
    let query = key.0.clone();
    let mut found = Vec::new();
    if !query.is_empty() {
        if let Some(people) = &app.lists.people.value {
            found.extend(
                people
                    .iter()
                    .filter(|p| p.person.active && widgets::matches(&query, &[&p.person.id, &p.person.name]))
                    .take(SUGGESTIONS / 2)
                    .map(|p| Suggestion {
                        scan: p.person.id.clone(),
                        label: format!("Person: {} ({}), holds {}", p.person.name, p.person.id, p.holding),
                    }),
            );
        }
        if let Some(items) = &app.lists.items.value {
            let room = SUGGESTIONS - found.len();
            found.extend(
                items
                    .iter()
                    .filter(|r| widgets::matches(&query, &[&r.item.tag, &r.item.name]))
                    .take(room)
                    .map(|r| Suggestion {
                        scan: r.item.tag.clone(),
                        label: format!(
                            "Item: {} \u{b7} {} \u{b7} {}{}",
                            r.item.tag,
                            r.item.name,
                            r.state.status.as_str(),
                            r.holder_name.as_ref().map(|h| format!(" with {h}")).unwrap_or_default()
                        ),
                    }),
            );
        }
    }
    app.states.desk.suggestions = found;
    app.states.desk.suggested_for = Some(key);
}

/// The items going out: the one part of the Desk that scrolls.
fn basket(app: &mut DeskApp, ui: &mut egui::Ui) {
    ui.heading(format!("Going out ({})", app.desk.basket.len()));
    if app.desk.basket.is_empty() {
        ui.weak("Scan the items that are leaving. Scanning an item that is out signs it back in.");
    }
    let mut remove = None;
    egui::ScrollArea::vertical().id_salt("basket").show(ui, |ui| {
        egui::Grid::new("basket").striped(true).num_columns(5).show(ui, |ui| {
            for item in &app.desk.basket {
                ui.strong(&item.tag);
                ui.scope(|ui| {
                    ui.set_width(NAME_WIDTH);
                    widgets::short(ui, item.name.as_str());
                });
                ui.label(item.kind.as_str());
                ui.colored_label(widgets::amber(ui), widgets::flags(item));
                if ui.small_button("Remove").clicked() {
                    remove = Some(item.tag.clone());
                }
                ui.end_row();
            }
        });
        // Counted once per change, not every frame.
        if app.states.desk.empty.is_none_or(|(version, _)| version != app.version) {
            let empty = app.ledger.counts().is_ok_and(|(items, _, _)| items == 0);
            app.states.desk.empty = Some((app.version, empty));
        }
        if app.states.desk.empty.is_some_and(|(_, empty)| empty) {
            empty_database(app, ui);
        }
    });
    if let Some(tag) = remove {
        app.desk.remove(&tag);
    }
}

/// Who takes the basket, until when, the warnings, and the button: always in view.
fn handover(app: &mut DeskApp, ui: &mut egui::Ui) {
    let desk = &mut app.desk;
    let mut entered_r1 = false;
    ui.add_space(4.0);
    egui::Grid::new("handover").num_columns(2).show(ui, |ui| {
        ui.label("Taken by:");
        match &desk.holder {
            Some(p) => ui.strong(format!("{} ({})", p.name, p.id)),
            None => ui.weak("scan their badge, or type part of their name above"),
        };
        ui.end_row();
        if let Some(c) = &desk.container {
            ui.label("Travelling in:");
            ui.label(format!("{} ({})", c.name, c.id));
            ui.end_row();
        }
        let label = ui.label("Due back:");
        let hint = desk.due_summary(&app.ledger);
        ui.add(
            egui::TextEdit::singleline(&mut desk.due_text)
                .hint_text(hint)
                .desired_width(260.0),
        )
        .labelled_by(label.id)
        .on_hover_text(format!(
            "Leave empty for the default. Write it as {}, or tomorrow.",
            custody_db::time::WHEN_FORMATS
        ));
        ui.end_row();
        if desk.needs_reason() {
            let label = ui.label("Reason (R1):");
            let reason = ui.text_edit_singleline(&mut desk.reason).labelled_by(label.id);
            ui.end_row();
            let label = ui.label("Authorised by (R1):");
            let field = egui::TextEdit::singleline(&mut desk.authoriser)
                .id(widgets::authoriser_id())
                .hint_text(custody_db::policy::R1_AUTHORISER_HINT);
            let authoriser = ui.add(field).labelled_by(label.id);
            ui.end_row();
            if reason.changed() || authoriser.changed() {
                desk.hand_over_details_changed();
            }
            // Enter in either signs out, as it does with nothing focused.
            let enter = ui.input(|i| i.key_pressed(Key::Enter));
            entered_r1 = enter && (reason.lost_focus() || authoriser.lost_focus());
        }
    });
    if !desk.warnings.is_empty() {
        egui::Frame::new()
            .stroke(egui::Stroke::new(2.0, widgets::amber(ui)))
            .inner_margin(8.0)
            .show(ui, |ui| {
                ui.strong("Before these go, tell the holder:");
                egui::ScrollArea::vertical()
                    .id_salt("warnings")
                    .max_height(120.0)
                    .show(ui, |ui| {
                        for w in &desk.warnings {
                            ui.colored_label(widgets::amber(ui), format!("{}: {}", w.rule, w.message));
                        }
                    });
                ui.label("The warnings are recorded with the sign-out.");
            });
    }
    let go_label = if desk.warnings.is_empty() {
        "Sign out (Enter)"
    } else {
        "Confirm and sign out (Enter)"
    };
    let ready = !desk.basket.is_empty() && desk.holder.is_some();
    let (go_clicked, clear_clicked) = ui
        .horizontal(|ui| {
            let go = ui.add_enabled(ready, egui::Button::new(RichText::new(go_label).size(16.0)));
            (go.clicked(), ui.button("Clear (Esc)").clicked())
        })
        .inner;
    ui.add_space(4.0);
    if go_clicked || (entered_r1 && ready) {
        go(app);
    }
    if clear_clicked {
        cancel(app);
    }
}

fn empty_database(app: &mut DeskApp, ui: &mut egui::Ui) {
    ui.add_space(16.0);
    egui::Frame::new()
        .stroke(egui::Stroke::new(1.0, ui.visuals().weak_text_color()))
        .inner_margin(12.0)
        .show(ui, |ui| {
            ui.strong("This database is empty.");
            ui.label(
                "Load demo data to try the desk (400 items, 120 people, a year of history), \
                 or add your own with `custody import items FILE.csv` and `custody import people FILE.csv`.",
            );
            if app.demo_loading() {
                ui.horizontal(|ui| {
                    ui.spinner();
                    ui.label("Loading demo data\u{2026}");
                });
            } else if app.ledger.may(custody_db::Action::EditRegister) && ui.button("Load demo data").clicked() {
                app.load_demo();
            }
        });
}

fn side(app: &mut DeskApp, ui: &mut egui::Ui) {
    ui.heading("Camera");
    let width = ui.available_width().min(440.0);
    app.camera.ui(ui, width);
    camera_choice(app, ui);
    ui.separator();
    ui.heading("Latest actions at this desk");
    if app.states.desk.recent_version != Some(app.version) {
        app.states.desk.recent = app
            .ledger
            .recent_events(12)
            .map(|events| {
                events
                    .iter()
                    .map(|e| {
                        let when = app.ledger.format_time(e.recorded_at);
                        (when, format!("{} {}", e.item, app.ledger.describe(e)))
                    })
                    .collect()
            })
            .unwrap_or_else(|e| vec![(String::new(), e.to_string())]);
        app.states.desk.recent_version = Some(app.version);
    }
    egui::ScrollArea::vertical().id_salt("recent").show(ui, |ui| {
        egui::Grid::new("recent").striped(true).num_columns(2).show(ui, |ui| {
            for (when, what) in &app.states.desk.recent {
                ui.weak(when);
                widgets::short(ui, what.as_str()).on_hover_text(what.as_str());
                ui.end_row();
            }
        });
    });
}

fn camera_choice(app: &mut DeskApp, ui: &mut egui::Ui) {
    ui.horizontal(|ui| {
        if let Some(rx) = &app.states.desk.finding_cameras
            && let Ok(found) = rx.try_recv()
        {
            app.states.desk.cameras = Some(found);
            app.states.desk.finding_cameras = None;
        }
        ui.checkbox(&mut app.camera.show_speed, "Show speed")
            .on_hover_text("Frames a second and the time to read each, on the preview (for support calls)");
        if app.states.desk.finding_cameras.is_some() {
            ui.spinner();
        } else if ui.small_button("Find cameras").clicked() {
            let (tx, rx) = std::sync::mpsc::channel();
            let ctx = ui.ctx().clone();
            std::thread::spawn(move || {
                let _ = tx.send(scanner::cameras());
                ctx.request_repaint();
            });
            app.states.desk.finding_cameras = Some(rx);
        }
        if let Some(cameras) = app.states.desk.cameras.clone() {
            if cameras.is_empty() {
                ui.colored_label(widgets::red(ui), "No camera found.");
            }
            for (index, name) in cameras {
                if ui.small_button(format!("Use {index}: {name}")).clicked() {
                    let ctx = ui.ctx().clone();
                    app.start_scanner(&ctx, move || Box::new(scanner::CameraFrames::new(index)));
                    app.remember_camera(custody_db::DeskCamera::Index(index));
                }
            }
            if ui.small_button("No camera").clicked() {
                app.stop_scanner();
                app.remember_camera(custody_db::DeskCamera::None);
            }
        }
    });
}
