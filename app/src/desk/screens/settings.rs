//! The Settings screen: which policy rules block and which warn (R8 always blocks), how many
//! daily backups are kept, mail and notices (`mail_settings.rs`), and where the database is.

use custody_db::Ledger;
use custody_db::policy::{Mode, Rule};

use crate::desk::DeskApp;
use crate::desk::beep::Device;
use crate::desk::widgets::{self, outcome};

#[derive(Debug, Default)]
pub struct SettingsUi {
    keep_text: Option<String>,
    idle_text: Option<String>,
    organisation_text: Option<String>,
    message: Option<(bool, String)>,
    /// The settings as read for a version of the ledger (read again only after a change).
    read: Option<(u64, Result<Stored, String>)>,
}

/// What the screen shows, read once per change rather than every frame.
#[derive(Debug)]
struct Stored {
    rules: Vec<(Rule, Mode)>,
    ask_rules_read: bool,
    backups_kept: u32,
    idle_minutes: u32,
    organisation: String,
    /// This database's files that others may read.
    loose: Vec<String>,
}

fn read(ledger: &Ledger) -> Result<Stored, String> {
    let read = || -> custody_db::Result<Stored> {
        Ok(Stored {
            rules: ledger.rules()?,
            ask_rules_read: ledger.policy_settings()?.ask_rules_read,
            backups_kept: ledger.backups_kept()?,
            idle_minutes: ledger.idle_lock_minutes()?,
            organisation: ledger.organisation()?.unwrap_or_default(),
            loose: ledger.readable_by_others(),
        })
    };
    read().map_err(|e| e.to_string())
}

pub fn ui(app: &mut DeskApp, ui: &mut egui::Ui) {
    // Longer than a small screen: the rules, the desk's settings, mail and notices.
    egui::ScrollArea::vertical()
        .auto_shrink([false, false])
        .show(ui, |ui| contents(app, ui));
}

fn contents(app: &mut DeskApp, ui: &mut egui::Ui) {
    ui.heading("Policy rules");
    ui.label(
        "A rule that blocks refuses the sign-out. A rule that warns shows its message; the clerk \
         confirms that the holder was told, and the warning is stored with the sign-out.",
    );
    if app.states.settings.read.as_ref().is_none_or(|(v, _)| *v != app.version) {
        app.states.settings.read = Some((app.version, read(&app.ledger)));
    }
    let stored = match &app.states.settings.read {
        Some((_, Ok(stored))) => stored,
        Some((_, Err(e))) => {
            ui.colored_label(widgets::red(ui), e);
            return;
        }
        None => return,
    };
    let (rules, mut ask, kept, idle, organisation) = (
        stored.rules.clone(),
        stored.ask_rules_read,
        stored.backups_kept,
        stored.idle_minutes,
        stored.organisation.clone(),
    );
    let mut change = None;
    let mut asked = None;
    // Those who may not change the rules see how they stand, as words.
    let may_change = app.ledger.may(custody_db::Action::RuleSettings);
    egui::Grid::new("rules").striped(true).num_columns(3).show(ui, |ui| {
        for (id, mode) in &rules {
            ui.strong(id.id());
            ui.label(id.text());
            if !may_change {
                ui.label(format!("{}s", mode.as_str()));
                ui.end_row();
                continue;
            }
            ui.horizontal(|ui| {
                for choice in [Mode::Block, Mode::Warn] {
                    let label = format!("{id} {}", choice.as_str());
                    let button = egui::Button::selectable(*mode == choice, choice.as_str());
                    if ui.add(button).on_hover_text(label).clicked() && *mode != choice {
                        change = Some((*id, choice));
                    }
                }
            });
            ui.end_row();
        }
        ui.strong(Rule::R8.id());
        ui.label(Rule::R8.text());
        ui.label("always blocks");
        ui.end_row();
        ui.strong(Rule::R14.id());
        ui.label(Rule::R14.text());
        if ui
            .add_enabled(may_change, egui::Checkbox::new(&mut ask, "ask at each sign-out"))
            .changed()
        {
            asked = Some(ask);
        }
        ui.end_row();
    });
    if let Some(ask) = asked {
        let message = match app.ledger.set_ask_rules_read(ask) {
            Ok(()) => {
                app.changed();
                (
                    true,
                    format!(
                        "R14: {}.",
                        if ask {
                            "each sign-out now asks"
                        } else {
                            "no longer asked"
                        }
                    ),
                )
            }
            Err(e) => (false, e.to_string()),
        };
        app.states.settings.message = Some(message);
    }
    if let Some((id, mode)) = change {
        let message = match app.ledger.set_rule_mode(id, mode) {
            Ok(()) => {
                app.changed();
                (true, format!("{id} now {}s.", mode.as_str()))
            }
            Err(e) => (false, e.to_string()),
        };
        app.states.settings.message = Some(message);
    }
    if !app.ledger.may(custody_db::Action::AllSettings) {
        // Backups and the desk's lock are an administrator's settings.
        outcome(ui, app.states.settings.message.as_ref());
        desk_facts(app, ui, &organisation);
        super::mail_settings::ui(app, ui);
        return;
    }
    idle_lock(app, ui, idle);
    let state = &mut app.states.settings;
    ui.separator();
    ui.heading("Backups");
    let keep = state.keep_text.get_or_insert_with(|| kept.to_string());
    ui.horizontal(|ui| {
        let label = ui.label("Daily backups kept:");
        ui.add(egui::TextEdit::singleline(keep).desired_width(60.0))
            .labelled_by(label.id);
        if ui.button("Save").clicked() {
            let parsed = keep
                .trim()
                .parse::<u32>()
                .map_err(|_| format!("\u{201c}{}\u{201d} is not a number of days, e.g. 30.", keep.trim()));
            state.message = Some(
                match parsed.and_then(|n| app.ledger.set_backups_kept(n).map_err(|e| e.to_string())) {
                    Ok(()) => {
                        app.version += 1;
                        (true, "Saved.".to_string())
                    }
                    Err(e) => (false, format!("Not saved: {e}")),
                },
            );
        }
    });
    ui.label(format!(
        "A backup is made on the first use of each day, in {}.",
        app.ledger.backup_folder().display()
    ));
    private_files(app, ui);
    outcome(ui, app.states.settings.message.as_ref());
    desk_facts(app, ui, &organisation);
    super::mail_settings::ui(app, ui);
}

/// Files of this database that other accounts on the computer may read, and the button that
/// makes them the owner's alone (an administrator's).
fn private_files(app: &mut DeskApp, ui: &mut egui::Ui) {
    let loose = &app
        .states
        .settings
        .read
        .as_ref()
        .and_then(|(_, r)| r.as_ref().ok())
        .map(|s| s.loose.clone());
    let Some(loose) = loose.as_ref().filter(|l| !l.is_empty()) else {
        return;
    };
    ui.colored_label(
        widgets::red(ui),
        format!(
            "Readable by other accounts on this computer (personal data left open): {}.",
            loose.join(", ")
        ),
    );
    if ui.button("Make them readable by this account alone").clicked() {
        app.states.settings.message = Some(match app.ledger.tighten_permissions() {
            Ok(changed) => {
                app.version += 1;
                (true, format!("{} file(s) made this account's alone.", changed.len()))
            }
            Err(e) => (false, e.to_string()),
        });
    }
}

/// Where the database is, whose it is, who is recording, and whether it beeps.
fn desk_facts(app: &mut DeskApp, ui: &mut egui::Ui, organisation: &str) {
    ui.separator();
    ui.heading("This desk");
    let mut beeps = app.beeper.enabled;
    ui.horizontal(|ui| {
        if ui
            .checkbox(
                &mut beeps,
                "Beep at each scan (a high tone when taken, two low ones when refused)",
            )
            .changed()
        {
            app.states.settings.message = Some(match app.set_beeps(beeps) {
                Ok(()) => (
                    true,
                    format!("This desk {} beep.", if beeps { "will" } else { "will not" }),
                ),
                Err(e) => (false, e.to_string()),
            });
        }
        let device = match app.beeper.device() {
            Device::NotYet => "(the sound device is opened at the first scan)".to_string(),
            Device::Playing => "(sound device open)".to_string(),
            Device::Silent(why) => format!("(silent: no sound device: {why})"),
        };
        ui.weak(device);
    });
    look(app, ui);
    egui::Grid::new("desk_facts").num_columns(2).show(ui, |ui| {
        ui.weak("Database");
        ui.label(app.ledger.path().display().to_string());
        ui.end_row();
        let label = ui.weak("Organisation");
        if app.ledger.may(custody_db::Action::AllSettings) {
            organisation_field(app, ui, organisation, label.id);
        } else {
            ui.label(organisation);
        }
        ui.end_row();
        ui.weak("Recording as");
        ui.label(app.ledger.operator());
        ui.end_row();
        ui.weak("Camera");
        ui.label("Chosen on the Desk (Find cameras) and remembered at this desk.");
        ui.end_row();
    });
}

/// The theme and the text size of this desk, remembered here (not on the record).
fn look(app: &mut DeskApp, ui: &mut egui::Ui) {
    let Some(now) = app.appearance else { return };
    let mut new = now;
    ui.horizontal(|ui| {
        ui.checkbox(&mut new.light, "Light theme (for a bright office)");
        ui.add_space(16.0);
        ui.label(format!("Text size {:.0}%", now.text_size * 100.0));
        if ui.button("Smaller text (Ctrl+minus)").clicked() {
            new.text_size -= 0.1;
        }
        if ui.button("Larger text (Ctrl+plus)").clicked() {
            new.text_size += 0.1;
        }
    });
    if new != now {
        let ctx = ui.ctx().clone();
        let changed = crate::desk::appearance::change(&mut app.appearance, &mut app.ledger, &ctx, new);
        if let Err(e) = changed {
            app.states.settings.message = Some((false, format!("Not remembered at this desk: {e}")));
        }
    }
}

/// The organisation's name, printed on labels, receipts and reports (an administrator's setting,
/// on the record).
fn organisation_field(app: &mut DeskApp, ui: &mut egui::Ui, organisation: &str, label: egui::Id) {
    let state = &mut app.states.settings;
    let text = state.organisation_text.get_or_insert_with(|| organisation.to_string());
    ui.horizontal(|ui| {
        let field = ui
            .add(
                egui::TextEdit::singleline(text)
                    .hint_text("the school's or practice's name")
                    .desired_width(260.0),
            )
            .labelled_by(label);
        let enter = field.lost_focus() && ui.input(|i| i.key_pressed(egui::Key::Enter));
        if ui.button("Save the name").clicked() || enter {
            state.message = Some(match app.ledger.set_organisation(text) {
                Ok(name) => {
                    app.version += 1;
                    *text = name.clone();
                    (
                        true,
                        format!("Saved: labels and reports now say \u{201c}{name}\u{201d}."),
                    )
                }
                Err(e) => (false, format!("Not saved: {e}")),
            });
        }
    });
}

/// After how many idle minutes the desk locks (an administrator's setting).
fn idle_lock(app: &mut DeskApp, ui: &mut egui::Ui, idle: u32) {
    ui.separator();
    ui.heading("The desk's lock");
    let state = &mut app.states.settings;
    let text = state.idle_text.get_or_insert_with(|| idle.to_string());
    ui.horizontal(|ui| {
        let label = ui.label("Lock after this many idle minutes:");
        ui.add(egui::TextEdit::singleline(text).desired_width(60.0))
            .labelled_by(label.id);
        if ui.button("Save the lock").clicked() {
            let parsed = text
                .trim()
                .parse::<u32>()
                .map_err(|_| format!("\u{201c}{}\u{201d} is not a number of minutes, e.g. 5.", text.trim()));
            state.message = Some(
                match parsed.and_then(|n| app.ledger.set_idle_lock_minutes(n).map_err(|e| e.to_string())) {
                    Ok(()) => {
                        app.version += 1;
                        (true, "Saved.".to_string())
                    }
                    Err(e) => (false, format!("Not saved: {e}")),
                },
            );
        }
    });
}
