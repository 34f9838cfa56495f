//! The Stocktake screen (R10): start counting a scope, scan everything that is there (camera,
//! scanner or typing: the desk's own scan loop sends sightings here while one is being counted),
//! watch found / still expected, act on what turns up unexpectedly, finish, and read the report
//! of missing and unexpected items, saved as PDF or CSV.

use custody_db::stocktake::{Offer, Outcome, Scope, Seen, Stocktake, StocktakeReport};
use custody_db::{EventKind, ItemKind, Status};
use custody_labels::{CodeKind, Payload};
use egui::RichText;

use crate::desk::beep::Tone;
use crate::desk::widgets;
use crate::desk::{DeskApp, widgets::outcome};
use crate::render::stocktake as render;

/// How many of the latest sightings the screen lists.
const LAST_SCANS: usize = 12;

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
enum ScopeChoice {
    #[default]
    Premises,
    Kind,
    Container,
    All,
}

#[derive(Debug, Default)]
pub struct StocktakeUi {
    choice: ScopeChoice,
    kind: Option<ItemKind>,
    container: String,
    /// The open stocktake being counted, as last read, and the app version it was read at.
    current: Option<Stocktake>,
    read_at: Option<u64>,
    /// The report shown (after finishing, or the latest one).
    report: Option<StocktakeReport>,
    /// Finish was pressed once: the second press finishes.
    confirm_finish: bool,
    message: Option<(bool, String)>,
}

impl StocktakeUi {
    /// Whether scans are sightings now (a stocktake is open on this screen).
    pub fn is_counting(&self) -> bool {
        self.current.is_some()
    }

    fn scope(&self) -> Scope {
        match self.choice {
            ScopeChoice::Premises => Scope::Premises,
            ScopeChoice::All => Scope::All,
            ScopeChoice::Kind => Scope::Kind(self.kind.unwrap_or(ItemKind::Laptop)),
            ScopeChoice::Container => Scope::Container(self.container.trim().to_string()),
        }
    }
}

/// Reads the open stocktake again when the ledger changed.
fn refresh(app: &mut DeskApp) {
    if app.states.stocktake.read_at == Some(app.version) {
        return;
    }
    let state = &mut app.states.stocktake;
    state.read_at = Some(app.version);
    let keep = state.current.as_ref().map(|s| s.id.clone());
    match app.ledger.open_stocktakes() {
        Ok(open) => {
            state.current = keep
                .and_then(|id| open.iter().find(|s| s.id == id).cloned())
                .or_else(|| open.into_iter().next());
        }
        Err(e) => state.message = Some((false, e.to_string())),
    }
    if state.current.is_none() && state.report.is_none() {
        state.report = app.ledger.stocktake_report(None).ok();
    }
}

/// A scan while counting: an item's label or a typed tag is a sighting. Returns how it sounds:
/// taken when counted (or counted already), refused when it needs a look.
pub fn scanned(app: &mut DeskApp, text: &str) -> Tone {
    let Some(id) = app.states.stocktake.current.as_ref().map(|s| s.id.clone()) else {
        return Tone::Refused;
    };
    let text = text.trim();
    let tag = match Payload::parse(text) {
        Ok(p) if p.kind == CodeKind::Item => p.id,
        Ok(p) => {
            let what = if p.kind == CodeKind::Person {
                "a person's badge"
            } else {
                "a container's label"
            };
            app.states.stocktake.message =
                Some((false, format!("That is {what} ({}); a stocktake counts items.", p.id)));
            return Tone::Refused;
        }
        Err(_) if Payload::claims_to_be_one(text) => {
            app.states.stocktake.message = Some((false, format!("That label cannot be read as Custody's: {text}")));
            return Tone::Refused;
        }
        Err(_) => text.to_string(),
    };
    match app.ledger.stocktake_scan(Some(&id), &tag) {
        Ok((seen, stocktake)) => {
            let tag = tag.to_ascii_uppercase();
            let ok = !matches!(seen, Seen::Unexpected { .. });
            app.states.stocktake.message = Some((ok, render::seen_text(&app.ledger, &tag, &seen)));
            app.states.stocktake.current = Some(stocktake);
            if !matches!(seen, Seen::AlreadySeen { .. }) {
                app.changed();
                app.states.stocktake.read_at = Some(app.version);
            }
            if ok { Tone::Taken } else { Tone::Refused }
        }
        Err(e) => {
            app.states.stocktake.message = Some((false, e.to_string()));
            Tone::Refused
        }
    }
}

/// Enter on its own (no tag typed): starts counting the chosen scope; while counting, asks
/// whether to finish, and a second Enter finishes (as the Desk confirms its warnings).
pub fn enter(app: &mut DeskApp) {
    if app.states.stocktake.current.is_none() {
        start(app);
    } else if app.states.stocktake.confirm_finish {
        finish(app);
    } else if app.ledger.may(custody_db::Action::Stocktake) {
        app.states.stocktake.confirm_finish = true;
    }
}

/// Esc on its own: go on counting.
pub fn escape(app: &mut DeskApp) {
    app.states.stocktake.confirm_finish = false;
}

fn start(app: &mut DeskApp) {
    let scope = app.states.stocktake.scope();
    match app.ledger.start_stocktake(scope) {
        Ok(s) => {
            app.states.stocktake.message = Some((
                true,
                format!(
                    "Started {} Scan each item that is here.",
                    render::summary(&app.ledger, &s)
                ),
            ));
            app.states.stocktake.current = Some(s);
            app.states.stocktake.report = None;
            app.changed();
            app.states.stocktake.read_at = Some(app.version);
        }
        Err(e) => app.states.stocktake.message = Some((false, e.to_string())),
    }
}

fn finish(app: &mut DeskApp) {
    let Some(id) = app.states.stocktake.current.as_ref().map(|s| s.id.clone()) else {
        return;
    };
    app.states.stocktake.confirm_finish = false;
    match app.ledger.finish_stocktake(Some(&id)) {
        Ok(report) => {
            let missing = report.of(Outcome::Missing).count();
            let unexpected = report.of(Outcome::Unexpected).count();
            app.states.stocktake.message = Some((
                true,
                format!("Finished {id}: {missing} missing, {unexpected} unexpected."),
            ));
            app.states.stocktake.report = Some(report);
            app.states.stocktake.current = None;
            app.changed();
        }
        Err(e) => app.states.stocktake.message = Some((false, e.to_string())),
    }
}

pub fn ui(app: &mut DeskApp, ui: &mut egui::Ui) {
    refresh(app);
    ui.heading("Stocktake");
    outcome(ui, app.states.stocktake.message.as_ref());
    ui.add_space(4.0);
    if app.states.stocktake.current.is_some() {
        counting(app, ui);
    } else {
        start_form(app, ui);
        ui.separator();
        report(app, ui);
    }
}

fn start_form(app: &mut DeskApp, ui: &mut egui::Ui) {
    let state = &mut app.states.stocktake;
    ui.label("Count what is here against the record. What to count:");
    ui.radio_value(&mut state.choice, ScopeChoice::Premises, Scope::Premises.describe());
    ui.horizontal(|ui| {
        let radio = ui.radio_value(
            &mut state.choice,
            ScopeChoice::Kind,
            "every item of one kind that should be here:",
        );
        // The list of kinds is named by its radio button, for screen readers.
        egui::ComboBox::from_id_salt("stocktake-kind")
            .selected_text(state.kind.unwrap_or(ItemKind::Laptop).as_str())
            .show_ui(ui, |ui| {
                for kind in ItemKind::ALL {
                    if ui.selectable_label(state.kind == Some(kind), kind.as_str()).clicked() {
                        state.kind = Some(kind);
                        state.choice = ScopeChoice::Kind;
                    }
                }
            })
            .response
            .labelled_by(radio.id);
    });
    ui.horizontal(|ui| {
        let radio = ui.radio_value(
            &mut state.choice,
            ScopeChoice::Container,
            "what should be in a bag, case or car:",
        );
        if ui
            .add(
                egui::TextEdit::singleline(&mut state.container)
                    .hint_text("container id")
                    .desired_width(120.0),
            )
            .labelled_by(radio.id)
            .changed()
        {
            state.choice = ScopeChoice::Container;
        }
    });
    ui.radio_value(&mut state.choice, ScopeChoice::All, Scope::All.describe());
    ui.add_space(4.0);
    let may = app.ledger.may(custody_db::Action::Stocktake);
    let button = ui
        .add_enabled(may, egui::Button::new("Start stocktake"))
        .on_hover_text("Enter")
        .on_disabled_hover_text("Starting a stocktake needs the manager role.");
    if button.clicked() {
        start(app);
    }
}

fn counting(app: &mut DeskApp, ui: &mut egui::Ui) {
    let Some(s) = app.states.stocktake.current.clone() else {
        return;
    };
    ui.label(
        RichText::new(format!("{}: {}", s.id, s.scope.describe()))
            .strong()
            .size(18.0),
    );
    ui.weak(format!(
        "Started {} by {}. Scan each item that is here (camera or scanner), or type its tag and press Enter.",
        app.ledger.format_time(s.started_at),
        s.started_by
    ));
    ui.add_space(6.0);
    ui.horizontal(|ui| {
        let big = |t: String| RichText::new(t).size(26.0).strong();
        ui.label(big(format!("Found {} of {}", s.found(), s.expected.len())))
            .on_hover_text("expected and seen");
        ui.add_space(24.0);
        ui.label(big(format!("Still expected {}", s.still_expected())));
        ui.add_space(24.0);
        ui.colored_label(
            if s.unexpected() > 0 {
                widgets::amber(ui)
            } else {
                widgets::green(ui)
            },
            big(format!("Unexpected {}", s.unexpected())),
        );
    });
    let typed = app.wedge.pending().to_string();
    if !typed.is_empty() {
        ui.label(format!("Typed: {typed}"));
    }
    ui.add_space(6.0);
    ui.strong("Last scans");
    let mut act: Option<(String, Offer)> = None;
    egui::Grid::new("stocktake-last")
        .striped(true)
        .num_columns(4)
        .show(ui, |ui| {
            for sighting in s.sightings.iter().rev().take(LAST_SCANS) {
                ui.label(app.ledger.format_time(sighting.at));
                ui.label(&sighting.tag);
                if sighting.expected {
                    ui.colored_label(widgets::green(ui), "found");
                    ui.label("");
                } else {
                    let (why, offer) = app.ledger.why_unexpected(sighting, &s.scope);
                    ui.colored_label(widgets::amber(ui), format!("unexpected: {why}"));
                    let still = app.ledger.state(&sighting.tag).map(|st| st.status).ok();
                    match (offer, still) {
                        _ if !may_act(app, offer) => {
                            ui.label("");
                        }
                        (Offer::SignIn, Some(Status::Out)) if ui.button("Sign in").clicked() => {
                            act = Some((sighting.tag.clone(), offer));
                        }
                        (Offer::Found, Some(Status::Lost | Status::Stolen)) if ui.button("Record found").clicked() => {
                            act = Some((sighting.tag.clone(), offer));
                        }
                        _ => {
                            ui.label("");
                        }
                    }
                }
                ui.end_row();
            }
        });
    if let Some((tag, offer)) = act {
        act_on(app, &tag, offer);
    }
    ui.add_space(8.0);
    let may = app.ledger.may(custody_db::Action::Stocktake);
    ui.horizontal(|ui| {
        if app.states.stocktake.confirm_finish {
            ui.colored_label(
                widgets::red(ui),
                format!(
                    "Finish now? {} still expected will be reported missing. (Enter finishes; Esc goes on counting.)",
                    s.still_expected()
                ),
            );
            if ui.button("Yes, finish").clicked() {
                finish(app);
            }
            if ui.button("Not yet").clicked() {
                app.states.stocktake.confirm_finish = false;
            }
        } else if ui
            .add_enabled(may, egui::Button::new("Finish stocktake"))
            .on_hover_text("Enter with no tag typed")
            .on_disabled_hover_text("Finishing a stocktake needs the manager role.")
            .clicked()
        {
            app.states.stocktake.confirm_finish = true;
        }
    });
}

/// Signs in, or records found, an item that turned up unexpectedly.
fn act_on(app: &mut DeskApp, tag: &str, offer: Offer) {
    let done = match offer {
        Offer::SignIn => app
            .ledger
            .sign_in(&[tag.to_string()], None, Some("seen at a stocktake"))
            .map(|_| format!("Signed in {tag}.")),
        Offer::Found => app
            .ledger
            .record(tag, EventKind::Found, None, Some("seen at a stocktake"))
            .map(|_| format!("Recorded {tag} found.")),
        Offer::None => return,
    };
    app.states.stocktake.message = Some(match done {
        Ok(text) => (true, text),
        Err(e) => (false, e.to_string()),
    });
    app.changed();
}

fn report(app: &mut DeskApp, ui: &mut egui::Ui) {
    let Some(r) = app.states.stocktake.report.clone() else {
        ui.weak("No stocktake has been done on this desk yet.");
        return;
    };
    ui.strong(format!("Stocktake {}", render::summary(&app.ledger, &r.stocktake)));
    // Ctrl+S saves the PDF: no Tabbing past every row's button to reach it.
    let save_key = ui.input_mut(|i| i.consume_key(egui::Modifiers::COMMAND, egui::Key::S));
    ui.horizontal(|ui| {
        for (name, format) in [
            ("Save PDF (Ctrl+S)", crate::render::ReportFormat::Pdf),
            ("Save CSV", crate::render::ReportFormat::Csv),
        ] {
            let keyed = save_key && format == crate::render::ReportFormat::Pdf;
            if ui.button(name).clicked() || keyed {
                let file = format!("stocktake-{}.{}", r.stocktake.id, format.extension());
                let saved = render::render(&app.ledger, &r, format)
                    .map_err(|e| e.to_string())
                    .and_then(|bytes| widgets::save_report(&app.ledger, &file, &bytes));
                app.states.stocktake.message = Some(widgets::outcome_of(saved));
            }
        }
    });
    let mut act: Option<(String, Offer)> = None;
    egui::ScrollArea::vertical().auto_shrink([false, true]).show(ui, |ui| {
        // The unexpected first: they are here, out of place, and need action now.
        for (outcome, title) in [
            (Outcome::Unexpected, "Unexpected: seen and not expected"),
            (Outcome::Missing, "Missing: expected and not seen"),
        ] {
            let lines: Vec<_> = r.of(outcome).collect();
            ui.add_space(4.0);
            ui.strong(format!("{title} ({})", lines.len()));
            egui::Grid::new(title).striped(true).num_columns(4).show(ui, |ui| {
                for l in lines {
                    ui.label(&l.tag);
                    ui.label(l.name.as_deref().unwrap_or(""));
                    ui.colored_label(
                        if outcome == Outcome::Missing {
                            widgets::red(ui)
                        } else {
                            widgets::amber(ui)
                        },
                        &l.note,
                    );
                    let label = match l.offer {
                        Offer::SignIn => Some("Sign in"),
                        Offer::Found => Some("Record found"),
                        Offer::None => None,
                    };
                    match label {
                        Some(label)
                            if outcome == Outcome::Unexpected
                                && may_act(app, l.offer)
                                && ui.button(label).clicked() =>
                        {
                            act = Some((l.tag.clone(), l.offer));
                        }
                        _ => {
                            ui.label("");
                        }
                    }
                    ui.end_row();
                }
            });
        }
        ui.add_space(4.0);
        ui.strong(format!("Found: expected and seen ({})", r.of(Outcome::Found).count()));
    });
    if let Some((tag, offer)) = act {
        act_on(app, &tag, offer);
        app.states.stocktake.report = app.ledger.stocktake_report(Some(&r.stocktake.id)).ok();
    }
}

/// Whether the operator may act on an offer (an auditor reads the report and acts on none).
fn may_act(app: &DeskApp, offer: Offer) -> bool {
    match offer {
        Offer::SignIn => app.ledger.may(custody_db::Action::SignIn),
        Offer::Found => app.ledger.may(custody_db::Action::RecordLossOrFind),
        Offer::None => false,
    }
}
