//! The sign-in and lock screen: the only thing a desk shows when nobody is signed in. It holds
//! no names, tags or numbers from the ledger, so an unattended, locked desk gives nothing away.
//! A database with no operators yet asks for its first administrator here.

use std::sync::mpsc::{Receiver, TryRecvError};

use custody_db::{Ledger, Session, SignInAt};

use crate::desk::DeskApp;

/// What the screen asks for.
#[derive(Debug, Default)]
pub struct SignInUi {
    /// At the first start: the organisation's name.
    pub organisation: String,
    pub id: String,
    pub name: String,
    pub pin: String,
    pub pin_again: String,
    /// Locked by this operator: only the PIN is asked, unless someone else signs in.
    pub locked_by: Option<String>,
    /// The last refusal, in the ledger's words.
    pub message: Option<String>,
    /// The cursor was put in the first field (done once, so a click elsewhere is respected).
    pub focused: bool,
    /// Whether the database has no operators yet (asked once per screen, not every frame).
    first_admin: Option<bool>,
    /// A PIN being checked on its own thread (Argon2id is slow on purpose: ~80 ms in release,
    /// far more in a debug build), so the window keeps drawing meanwhile.
    checking: Option<Receiver<custody_db::Result<Session>>>,
}

impl SignInUi {
    pub fn is_checking(&self) -> bool {
        self.checking.is_some()
    }
}

/// How wide the form is; it sits in the middle of the window.
const FORM_WIDTH: f32 = 440.0;

pub fn ui(app: &mut DeskApp, ui: &mut egui::Ui) {
    take_answer(app);
    let first_admin = *app
        .sign_in_ui
        .first_admin
        .get_or_insert_with(|| !app.ledger.has_operators().unwrap_or(true));
    let area = ui.max_rect();
    ui.add_space(area.height() * 0.2);
    ui.horizontal(|ui| {
        ui.add_space(((area.width() - FORM_WIDTH) / 2.0).max(0.0));
        ui.vertical(|ui| {
            ui.set_width(FORM_WIDTH);
            ui.heading("Custody");
            ui.add_space(12.0);
            if first_admin {
                first_admin_form(app, ui);
            } else if app.sign_in_ui.locked_by.is_some() {
                unlock_form(app, ui);
            } else {
                sign_in_form(app, ui);
            }
            if let Some(message) = &app.sign_in_ui.message {
                ui.add_space(8.0);
                ui.colored_label(crate::desk::widgets::red(ui), message);
            }
        });
    });
}

fn sign_in_form(app: &mut DeskApp, ui: &mut egui::Ui) {
    ui.label("Scan your badge or type your operator id, then your PIN.");
    let state = &mut app.sign_in_ui;
    let (id, pin) = fields(ui, |ui| {
        (
            field(ui, "Operator id:", &mut state.id, false),
            field(ui, "PIN or password:", &mut state.pin, true),
        )
    });
    // The cursor starts in the id (a badge scanned then lands there), or after a refusal in
    // the PIN; once, so that a click elsewhere is respected.
    if !std::mem::replace(&mut state.focused, true) {
        if state.id.is_empty() {
            id.request_focus()
        } else {
            pin.request_focus()
        }
    }
    // A badge scanned (or an id typed) ends with Enter: go on to the PIN.
    if id.lost_focus() && ui.input(|i| i.key_pressed(egui::Key::Enter)) {
        pin.request_focus();
    }
    let submitted = pin.lost_focus() && ui.input(|i| i.key_pressed(egui::Key::Enter));
    if submit_button(ui, "Sign in", state.is_checking()) || submitted {
        let id = app.sign_in_ui.id.clone();
        sign_in(app, ui.ctx(), &id);
    }
}

fn unlock_form(app: &mut DeskApp, ui: &mut egui::Ui) {
    ui.label("This desk is locked. Type your PIN to go on.");
    let state = &mut app.sign_in_ui;
    let pin = fields(ui, |ui| field(ui, "PIN or password:", &mut state.pin, true));
    if !std::mem::replace(&mut state.focused, true) {
        pin.request_focus();
    }
    let submitted = pin.lost_focus() && ui.input(|i| i.key_pressed(egui::Key::Enter));
    if submit_button(ui, "Unlock", state.is_checking()) || submitted {
        let id = app.sign_in_ui.locked_by.clone().unwrap_or_default();
        sign_in(app, ui.ctx(), &id);
    }
    if ui.link("Someone else? Sign in with your own id").clicked() {
        // The first operator's basket is cleared when someone else signs in.
        app.sign_in_ui.locked_by = None;
        app.sign_in_ui.pin.clear();
        app.sign_in_ui.message = None;
        app.sign_in_ui.focused = false;
    }
}

fn first_admin_form(app: &mut DeskApp, ui: &mut egui::Ui) {
    ui.label(
        "This database has no operators yet. Name the organisation and create its first \
         administrator, who then adds the others.",
    );
    let state = &mut app.sign_in_ui;
    if !state.focused && state.organisation.is_empty() {
        // A file made with its organisation's name already has it.
        state.organisation = app.ledger.organisation().ok().flatten().unwrap_or_default();
    }
    let responses = fields(ui, |ui| {
        [
            field(ui, "Organisation:", &mut state.organisation, false),
            field(ui, "Operator id:", &mut state.id, false),
            field(ui, "Name:", &mut state.name, false),
            field(ui, "PIN or password:", &mut state.pin, true),
            field(ui, "The same again:", &mut state.pin_again, true),
        ]
    });
    // The cursor starts in the first empty field: at first the organisation, after a refused
    // PIN the PIN.
    if !std::mem::replace(&mut state.focused, true) {
        let texts = [
            &state.organisation,
            &state.id,
            &state.name,
            &state.pin,
            &state.pin_again,
        ];
        let first_empty = texts.iter().position(|t| t.is_empty()).unwrap_or(0);
        responses[first_empty].request_focus();
    }
    // What was wrong stops being said once the fields are changed.
    if responses.iter().any(egui::Response::changed) {
        state.message = None;
    }
    // Enter goes on to the next field, and in the last one creates the administrator.
    let enter = ui.input(|i| i.key_pressed(egui::Key::Enter));
    let left = responses.iter().position(egui::Response::lost_focus).filter(|_| enter);
    if let Some(i) = left.filter(|&i| i + 1 < responses.len()) {
        responses[i + 1].request_focus();
    }
    let submitted = left == Some(responses.len() - 1);
    if submit_button(ui, "Create and sign in", state.is_checking()) || submitted {
        create_first_admin(app, ui.ctx());
    }
}

/// Checks the first-start form and makes the administrator and the organisation's name on a
/// thread (hashing the PIN and making the key takes an Argon2id run).
fn create_first_admin(app: &mut DeskApp, ctx: &egui::Context) {
    let state = &mut app.sign_in_ui;
    if state.is_checking() {
        return;
    }
    let organisation = match Ledger::organisation_name(&state.organisation) {
        Ok(name) => name,
        Err(e) => {
            state.message = Some(format!(
                "{e}. Type the school's or practice's name: labels and reports print it."
            ));
            return;
        }
    };
    if state.pin != state.pin_again {
        state.message = Some("The two PINs differ. Type them again.".to_string());
        forget_pin(state);
        return;
    }
    let (id, name, pin) = (state.id.clone(), state.name.clone(), std::mem::take(&mut state.pin));
    state.pin_again.clear();
    let hashing = app.ledger.hashing();
    check_on_a_thread(app, ctx, move |l| {
        l.use_hashing(hashing);
        let session = l.add_first_admin(&id, &name, &pin)?;
        l.set_organisation(&organisation)?;
        Ok(session)
    });
}

/// A scan at the sign-in or lock screen (never typed into the PIN): an operator's badge
/// chooses the operator, and the cursor goes to the PIN; any other label is refused and counts
/// for nothing; text typed with no field chosen is taken as an operator id.
pub fn scanned(app: &mut DeskApp, text: &str) -> crate::desk::beep::Tone {
    use crate::desk::beep::Tone;
    let state = &mut app.sign_in_ui;
    let id = match custody_labels::Payload::parse(text.trim()) {
        Ok(p) if p.kind == custody_labels::CodeKind::Person => p.id,
        Ok(_) => {
            state.message = Some(locked_refusal(state));
            return Tone::Refused;
        }
        Err(_) if custody_labels::Payload::claims_to_be_one(text) || text.contains("://") => {
            state.message = Some(locked_refusal(state));
            return Tone::Refused;
        }
        Err(_) => text.trim().to_string(),
    };
    forget_pin(state);
    if state
        .locked_by
        .as_deref()
        .is_some_and(|by| !by.eq_ignore_ascii_case(&id))
    {
        // Someone else's badge at a locked desk: they sign in with their own PIN.
        state.locked_by = None;
    }
    state.id = id;
    state.message = None;
    state.focused = false; // to the PIN, the id being there
    Tone::Taken
}

/// What a label other than a badge says at the sign-in or lock screen.
fn locked_refusal(state: &SignInUi) -> String {
    let what = if state.locked_by.is_some() {
        "This desk is locked"
    } else {
        "Nobody is signed in at this desk"
    };
    format!("{what}: that scan was not recorded. Scan your badge or type your PIN first.")
}

/// Empties the PIN fields (their text; their history is never kept, see [`field`]).
fn forget_pin(state: &mut SignInUi) {
    state.pin.clear();
    state.pin_again.clear();
}

/// The form's button; while a PIN is being checked it says so and takes no second press.
fn submit_button(ui: &mut egui::Ui, label: &str, checking: bool) -> bool {
    ui.horizontal(|ui| {
        let clicked = ui.add_enabled(!checking, egui::Button::new(label)).clicked();
        if checking {
            ui.spinner();
            ui.label("Checking…");
        }
        clicked
    })
    .inner
}

/// Starts checking the PIN on a thread with its own connection to the database (the sign-in,
/// or the wrong PIN, is recorded there); [`take_answer`] takes the result in a later frame.
fn sign_in(app: &mut DeskApp, ctx: &egui::Context, id: &str) {
    if app.sign_in_ui.is_checking() {
        return;
    }
    if app.sign_in_ui.pin.is_empty() {
        // Enter on an empty field is not a try: it counts for nothing.
        app.sign_in_ui.message = Some("Type your PIN, then press Enter.".to_string());
        app.sign_in_ui.focused = false;
        return;
    }
    let pin = std::mem::take(&mut app.sign_in_ui.pin);
    // A person's badge scanned into the id names the operator with that id (an operator who
    // also holds items is usually registered under the same id).
    let id = match custody_labels::Payload::parse(id.trim()) {
        Ok(p) if p.kind == custody_labels::CodeKind::Person => p.id,
        _ => id.to_string(),
    };
    check_on_a_thread(app, ctx, move |l| l.operator_sign_in(&id, &pin, SignInAt::Desk));
}

/// Runs `work` (a sign-in, or making the first administrator) on a thread with its own
/// connection to the database; [`take_answer`] takes its session in a later frame.
fn check_on_a_thread(
    app: &mut DeskApp,
    ctx: &egui::Context,
    work: impl FnOnce(&mut Ledger) -> custody_db::Result<Session> + Send + 'static,
) {
    let (tx, rx) = std::sync::mpsc::channel();
    let (path, clock, ctx) = (app.source.path.clone(), app.source.clock.clone(), ctx.clone());
    std::thread::spawn(move || {
        let result = Ledger::open_reader(&path, clock).and_then(|mut l| work(&mut l));
        let _ = tx.send(result);
        ctx.request_repaint();
    });
    app.sign_in_ui.checking = Some(rx);
}

/// The checked PIN's answer, once it has come: the desk opens for the operator (acting for
/// them on its own connection), or the refusal is shown.
fn take_answer(app: &mut DeskApp) {
    let Some(rx) = &app.sign_in_ui.checking else { return };
    let result = match rx.try_recv() {
        Ok(result) => result,
        Err(TryRecvError::Empty) => return,
        Err(TryRecvError::Disconnected) => Err(custody_db::Error::CannotOpen {
            path: app.source.path.clone(),
            detail: "the PIN could not be checked; try again".to_string(),
        }),
    };
    app.sign_in_ui.checking = None;
    let result = result.and_then(|session| app.ledger.act_as(&session));
    if app.sign_in_ui.locked_by.is_some()
        && let Err(e) = &result
    {
        // The lock screen names nobody, not even in a refusal.
        app.sign_in_ui.message = Some(lock_screen_refusal(e));
        app.sign_in_ui.focused = false;
        return;
    }
    app.signed_in(result);
}

/// A refusal at the lock screen, without the operator's id or any figure.
fn lock_screen_refusal(e: &custody_db::Error) -> String {
    match e {
        custody_db::Error::WrongPassword { .. } => "Wrong PIN. Check it and type it again.".to_string(),
        custody_db::Error::TooSoon { .. } => "Too many wrong PINs: wait a moment, then try again.".to_string(),
        custody_db::Error::OperatorLocked { .. } => {
            "Locked out after too many wrong PINs. Wait, or ask an administrator to clear it.".to_string()
        }
        custody_db::Error::OperatorDisabled { .. } => {
            "This operator has been disabled. Sign in as someone else.".to_string()
        }
        _ => "The PIN could not be checked. Sign in as someone else, or ask an administrator.".to_string(),
    }
}

/// The form's fields, in a grid so that they line up.
fn fields<T>(ui: &mut egui::Ui, add: impl FnOnce(&mut egui::Ui) -> T) -> T {
    egui::Grid::new("sign_in_fields").num_columns(2).show(ui, add).inner
}

/// One labelled row of the grid, masked for a PIN. A PIN field keeps no undo history: egui's
/// would hold every PIN typed, for Ctrl+Z to bring back at a desk locked again.
fn field(ui: &mut egui::Ui, label: &str, text: &mut String, secret: bool) -> egui::Response {
    let label = ui.label(label);
    let response = ui
        .add(egui::TextEdit::singleline(text).password(secret).desired_width(240.0))
        .labelled_by(label.id);
    if secret && let Some(mut state) = egui::text_edit::TextEditState::load(ui.ctx(), response.id) {
        state.clear_undoer();
        state.store(ui.ctx(), response.id);
    }
    ui.end_row();
    response
}
