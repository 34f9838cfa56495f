//! The desk app (egui/eframe): the app struct owns the ledger and each screen's state; each
//! screen is a module with one `ui` function. Camera frames, decoding and big reads run on
//! their own threads and come back over channels, so a frame never blocks.

pub mod appearance;
pub mod beep;
mod camera_view;
pub mod launch;
pub mod loader;
pub mod opener;
pub mod scanner;
mod screens;
pub mod screenshot;
pub mod session;
pub mod wedge;
mod widgets;

use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use custody_db::{Action, Clock, Ledger, Session};
use custody_db::{ItemRow, OutRow, PersonRow};

pub use camera_view::CameraView;
use loader::Loaded;
use screens::{
    desk as desk_screen, exposure, incidents, items, labels, mail_settings, out_now, overdue, people, settings,
    sign_in, spot_checks, stocktake, trust,
};

use crate::context::Context;
use scanner::{FrameSource, ScanGate, ScanMsg, Scanner};
use session::Desk;

/// The smallest window the desk allows (points): tested at this size, 1280×800 and 1920×1080.
pub const MIN_WINDOW: [f32; 2] = [1024.0, 700.0];

/// How often the desk asks whether another program has written to the database.
const CHECK_OTHERS_EVERY: Duration = Duration::from_secs(1);

/// A code seen again within this time of its last sighting is the same scan.
pub const SAME_SCAN_WITHIN: chrono::Duration = chrono::Duration::seconds(2);

/// The screens of the navigation bar. Each is described once, by its row in [`SCREENS`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Screen {
    Desk,
    Items,
    People,
    OutNow,
    Overdue,
    Exposure,
    Incidents,
    Labels,
    Stocktake,
    SpotChecks,
    Trust,
    Settings,
}

/// A screen's row: its title, the function key that opens it, what a role must be allowed to
/// open it (screens a role may not use are not shown), the function that draws it, and what it
/// does with the scan loop's Enter and Esc and with a label scanned into its search box.
#[derive(Debug)]
pub struct ScreenEntry {
    pub screen: Screen,
    pub title: &'static str,
    pub key: egui::Key,
    pub needs: Action,
    /// An auditor reads it although they may not do what it needs (its reports are reads).
    pub auditor_reads: bool,
    ui: fn(&mut DeskApp, &mut egui::Ui),
    enter: Option<fn(&mut DeskApp)>,
    escape: Option<fn(&mut DeskApp)>,
    search: Option<fn(&mut ScreenStates, &str)>,
}

/// The navigation bar, in order. A new screen is a variant of [`Screen`], a row here, and its
/// state in [`ScreenStates`].
pub const SCREENS: [ScreenEntry; 12] = {
    use egui::Key::*;
    const fn row(
        screen: Screen,
        title: &'static str,
        key: egui::Key,
        needs: Action,
        ui: fn(&mut DeskApp, &mut egui::Ui),
    ) -> ScreenEntry {
        ScreenEntry {
            screen,
            title,
            key,
            needs,
            auditor_reads: false,
            ui,
            enter: None,
            escape: None,
            search: None,
        }
    }
    [
        ScreenEntry {
            enter: Some(desk_screen::go),
            escape: Some(desk_screen::cancel),
            ..row(Screen::Desk, "Desk", F1, Action::SignOut, desk_screen::ui)
        },
        ScreenEntry {
            search: Some(|s, q| s.items.search_for(q)),
            ..row(Screen::Items, "Items", F2, Action::SeeRegister, items::ui)
        },
        ScreenEntry {
            search: Some(|s, q| s.people.search_for(q)),
            ..row(Screen::People, "People", F3, Action::SeeRegister, people::ui)
        },
        ScreenEntry {
            search: Some(|s, q| s.out_now.search_for(q)),
            ..row(Screen::OutNow, "Out now", F4, Action::SeeRegister, out_now::ui)
        },
        row(Screen::Overdue, "Overdue", F5, Action::OverdueReport, overdue::ui),
        ScreenEntry {
            search: Some(|s, q| s.exposure.search_for(q)),
            ..row(Screen::Exposure, "Exposure", F6, Action::Exposure, exposure::ui)
        },
        row(Screen::Incidents, "Incidents", F7, Action::SeeIncidents, incidents::ui),
        row(Screen::Labels, "Labels", F8, Action::PrintLabels, labels::ui),
        ScreenEntry {
            enter: Some(stocktake::enter),
            escape: Some(stocktake::escape),
            auditor_reads: true,
            ..row(
                Screen::Stocktake,
                "Stocktake",
                F10,
                Action::StocktakeScan,
                stocktake::ui,
            )
        },
        ScreenEntry {
            auditor_reads: true,
            ..row(
                Screen::SpotChecks,
                "Spot checks",
                F11,
                Action::SpotCheck,
                spot_checks::ui,
            )
        },
        row(Screen::Trust, "Trust", F12, Action::TrustReport, trust::ui),
        // Every role: this desk's beep, theme and text size are on it (the rules are shown, and
        // changed only by those who may).
        row(Screen::Settings, "Settings", F9, Action::SeeRegister, settings::ui),
    ]
};

/// What each screen holds for the operator signed in; another operator starts afresh with
/// `ScreenStates::default()`, so nothing typed or found for the last one stays.
#[derive(Debug, Default)]
pub struct ScreenStates {
    pub desk: desk_screen::DeskUi,
    pub items: items::ItemsUi,
    pub people: people::PeopleUi,
    pub out_now: out_now::OutNowUi,
    pub overdue: overdue::OverdueUi,
    pub exposure: exposure::ExposureUi,
    pub incidents: incidents::IncidentsUi,
    pub labels: labels::LabelsUi,
    pub stocktake: stocktake::StocktakeUi,
    pub spot_checks: spot_checks::SpotChecksUi,
    pub trust: trust::TrustUi,
    pub settings: settings::SettingsUi,
    pub mail_settings: mail_settings::MailSettingsUi,
}

impl Screen {
    /// Every screen, in the order of the navigation bar.
    pub fn all() -> impl Iterator<Item = Screen> {
        SCREENS.iter().map(|e| e.screen)
    }

    pub fn entry(self) -> &'static ScreenEntry {
        SCREENS
            .iter()
            .find(|e| e.screen == self)
            .unwrap_or_else(|| unreachable!("every Screen has a row in SCREENS, and {self:?} has none"))
    }

    pub fn title(self) -> &'static str {
        self.entry().title
    }

    /// The function key that opens it.
    pub fn key(self) -> egui::Key {
        self.entry().key
    }

    /// What a role must be allowed to open it.
    pub fn needs(self) -> Action {
        self.entry().needs
    }

    /// `--screen NAME`: the title in any case, with or without spaces or dashes.
    pub fn parse(name: &str) -> Option<Screen> {
        let key = |s: &str| s.to_ascii_lowercase().replace([' ', '-', '_'], "");
        Screen::all().find(|s| key(s.title()) == key(name))
    }

    /// The names `--screen` takes: "desk, items, people, out-now, …".
    pub fn names() -> String {
        let names: Vec<String> = Screen::all()
            .map(|s| s.title().to_ascii_lowercase().replace(' ', "-"))
            .collect();
        names.join(", ")
    }
}

/// Lists read in the background: items and people for the Desk's suggestions and their
/// screens, what is out for the Out now screen (read only when it is shown).
#[derive(Debug, Default)]
pub struct Lists {
    pub items: Loaded<Vec<ItemRow>>,
    pub people: Loaded<Vec<PersonRow>>,
    pub out_now: Loaded<Vec<OutRow>>,
}

/// The whole app's state.
pub struct DeskApp {
    pub ledger: Ledger,
    /// How background threads open the same database.
    source: Context,
    pub screen: Screen,
    pub desk: Desk,
    pub camera: CameraView,
    pub lists: Lists,
    /// Bumped on every write, so lists and details know they are stale.
    pub version: u64,
    wedge: wedge::Wedge,
    scanner: Option<Scanner>,
    gate: ScanGate,
    /// Each screen's state, for the operator signed in.
    pub states: ScreenStates,
    pub sign_in_ui: sign_in::SignInUi,
    /// The tone at each scan (silent in tests and screenshots: no sound thread there).
    pub beeper: beep::Beeper,
    /// The theme and text size shown with (`None` until the first frame applies this desk's).
    pub appearance: Option<appearance::Appearance>,
    /// The last key, click or scan, for the idle lock (the ledger's clock, so tests can move it).
    last_activity: chrono::DateTime<chrono::Utc>,
    /// The idle-lock setting, and the ledger version it was read at (not read every frame).
    idle_lock: Option<(u64, u32)>,
    /// Whose basket and screens these are: another operator signing in starts them afresh.
    owner: Option<String>,
    /// The sync thread, if this desk has joined a server, and what its last round found.
    sync: Option<crate::sync::background::SyncThread>,
    pub sync_state: Option<crate::sync::background::SyncState>,
    /// The notices thread (sends the outbox while someone is signed in), and its last round.
    notices: Option<crate::mail::background::NoticeThread>,
    pub notice_round: Option<crate::mail::background::NoticeRound>,
    /// When this desk last synced (Unix ms), and what every screen says when that is too long ago.
    pub(crate) last_synced: Option<i64>,
    pub sync_warning: Option<String>,
    /// From a camera frame holding a code to the desk having acted on it, for the last scan.
    pub last_scan_latency: Option<Duration>,
    /// Demo data being loaded; the result is shown on the Desk.
    demo_loading: Option<std::sync::mpsc::Receiver<Result<String, String>>>,
    /// Today's backup being made; a message arrives only if it failed.
    backup: Option<std::sync::mpsc::Receiver<String>>,
    /// When the program started, until the first frame is drawn (`CUSTODY_TIMING=1` prints it).
    started: Option<Instant>,
    /// SQLite's count of other connections' commits, as last seen, and when it was asked.
    data_version: Option<i64>,
    checked_others: Option<Instant>,
}

impl std::fmt::Debug for DeskApp {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("DeskApp")
            .field("db", &self.source.path)
            .field("screen", &self.screen)
            .finish_non_exhaustive()
    }
}

impl DeskApp {
    /// The app over an open ledger (whose file is `ledger.path()`), with no camera yet.
    /// Signed in already (tests, `--screenshot` with a password file), it opens on the Desk;
    /// otherwise on the sign-in screen.
    pub fn new(ledger: Ledger, clock: Arc<dyn Clock>) -> DeskApp {
        let source = Context::for_file(ledger.path(), clock, ledger.session().cloned());
        let last_activity = ledger.now();
        let owner = ledger.session().map(|s| s.id().to_string());
        DeskApp {
            ledger,
            source,
            screen: Screen::Desk,
            desk: Desk::default(),
            camera: CameraView::default(),
            lists: Lists::default(),
            version: 0,
            wedge: wedge::Wedge::default(),
            scanner: None,
            gate: ScanGate::new(SAME_SCAN_WITHIN),
            states: ScreenStates::default(),
            sign_in_ui: sign_in::SignInUi::default(),
            beeper: beep::Beeper::default(),
            appearance: None,
            last_activity,
            idle_lock: None,
            owner,
            sync: None,
            sync_state: None,
            notices: None,
            notice_round: None,
            last_synced: None,
            sync_warning: None,
            last_scan_latency: None,
            demo_loading: None,
            backup: None,
            started: None,
            data_version: None,
            checked_others: None,
        }
    }

    /// Makes today's automatic backup (the first use each day) on a thread with its own
    /// connection, so a large database does not delay the first frame. A failure is shown.
    pub fn backup_in_background(&mut self) {
        let (tx, rx) = std::sync::mpsc::channel();
        let source = self.source.clone();
        std::thread::spawn(move || {
            let made = source.open_reader().and_then(|l| l.daily_backup());
            if let Err(e) = made {
                let _ = tx.send(format!("Today's automatic backup could not be made: {e}"));
            }
        });
        self.backup = Some(rx);
    }

    /// Starts syncing in the background, if this desk has joined a server.
    pub fn start_sync(&mut self, ctx: &egui::Context) {
        let ctx = ctx.clone();
        self.sync = crate::sync::background::SyncThread::start(&self.source, move || ctx.request_repaint());
        if let Some(sync) = &self.sync {
            sync.signed_in(self.ledger.session().cloned());
            self.last_synced = sync.last_synced;
        }
        self.check_sync_age();
    }

    /// Says so on every screen when the desk has not synced for the days the setting allows, or
    /// when a restore left confirmed entries only in the file it kept aside.
    fn check_sync_age(&mut self) {
        let stranded = self.ledger.stranded().ok().flatten();
        self.sync_warning = stranded.map(|s| format!("{s} (custody sync recover).")).or_else(|| {
            self.last_synced
                .and_then(|at| self.ledger.unsynced_warning(at).ok().flatten())
        });
    }

    /// Starts sending notices in the background (rounds run only while someone is signed in).
    pub fn start_notices(&mut self, ctx: &egui::Context) {
        let ctx = ctx.clone();
        self.notices = crate::mail::background::NoticeThread::start(&self.source, move || ctx.request_repaint());
        self.tell_sync();
    }

    /// Whether this desk sends notices in the background (the window does; tests may not).
    pub fn notices_running(&self) -> bool {
        self.notices.is_some()
    }

    /// Runs a round of the outbox now (the Overdue screen's button).
    pub fn send_notices_now(&self) {
        if let Some(notices) = &self.notices {
            notices.nudge();
        }
    }

    /// Tells the sync and notices threads who is signed in now (nobody while locked).
    fn tell_sync(&self) {
        if let Some(sync) = &self.sync {
            sync.signed_in(self.ledger.session().cloned());
        }
        if let Some(notices) = &self.notices {
            notices.signed_in(self.ledger.session().cloned());
        }
    }

    /// Starts scanning frames from a source (the webcam, or a folder of images).
    pub fn start_scanner(&mut self, ctx: &egui::Context, open: impl FnOnce() -> Box<dyn FrameSource> + Send + 'static) {
        let ctx = ctx.clone();
        self.scanner = Some(Scanner::start(open, move || ctx.request_repaint()));
    }

    pub fn stop_scanner(&mut self) {
        self.scanner = None;
        let show_speed = self.camera.show_speed;
        self.camera = CameraView::default();
        self.camera.show_speed = show_speed;
    }

    /// Whether frames are being read (a camera or a folder).
    pub fn is_scanning(&self) -> bool {
        self.scanner.is_some()
    }

    /// Remembers the camera chosen here for the desk's next start. If that cannot be written
    /// (a database the desk may only read), the choice holds until the desk closes, and the
    /// line under the preview says so.
    pub fn remember_camera(&mut self, camera: custody_db::DeskCamera) {
        if let Err(e) = self.ledger.set_desk_camera(camera) {
            self.camera.status = format!("This camera will not be remembered for next time: {e}");
        }
    }

    /// Turns the beep on or off at this desk (remembered here, not on the record).
    pub fn set_beeps(&mut self, on: bool) -> custody_db::Result<()> {
        self.ledger.set_desk_beeps(on)?;
        self.beeper.enabled = on;
        Ok(())
    }

    /// Whether anything is still being read or loaded (screenshots wait for this).
    pub fn is_busy(&self) -> bool {
        self.lists.items.is_loading()
            || self.lists.people.is_loading()
            || self.lists.out_now.is_loading()
            || self.states.overdue.report.is_loading()
            || self.states.exposure.result.is_loading()
            || self.demo_loading.is_some()
            || self.sign_in_ui.is_checking()
            || self.backup.is_some()
    }

    /// Acts on a scan from any of the three ways in (camera, wedge scanner, typing), and says
    /// what it did. Lists go stale only if it wrote: a scan that only fills the basket does not
    /// make the 50,000-item list be read again.
    pub fn scan(&mut self, text: &str) -> Option<session::Tone> {
        let tone = self.desk.scan(&mut self.ledger, text);
        if tone == Some(session::Tone::Done) {
            self.changed();
        }
        tone
    }

    /// Runs a Desk action. Lists and details go stale only if it wrote to the ledger: a scan
    /// that only fills the basket does not make the 50,000-item list be read again.
    pub fn desk_action(&mut self, action: impl FnOnce(&mut Desk, &mut Ledger)) {
        let before = self.ledger.last_seq().ok();
        action(&mut self.desk, &mut self.ledger);
        if self.ledger.last_seq().ok() != before {
            self.changed();
        }
    }

    /// Marks lists and details stale after a write (or a possible one), and syncs soon.
    pub fn changed(&mut self) {
        self.version += 1;
        if let Some(sync) = &self.sync {
            sync.nudge();
        }
    }

    /// After a sign-in (or the first administrator made): the desk opens for them, afresh if
    /// they are not the one whose basket it was. A refusal stays on the sign-in screen.
    pub fn signed_in(&mut self, result: custody_db::Result<Session>) {
        match result {
            Ok(session) => {
                if self.owner.as_deref() != Some(session.id()) {
                    self.start_afresh();
                    self.owner = Some(session.id().to_string());
                }
                self.source.session = Some(session);
                self.sign_in_ui = sign_in::SignInUi::default();
                self.last_activity = self.ledger.now();
                if !self.may_open(self.screen) {
                    self.screen = self.home_screen();
                }
                self.tell_sync();
                self.changed();
            }
            Err(e) => {
                self.sign_in_ui.message = Some(e.to_string());
                self.sign_in_ui.focused = false; // back to the field, to type it again
            }
        }
    }

    /// Whether the signed-in operator may open `screen`: their role may do what it needs, or
    /// they are an auditor and it is a screen an auditor reads (its writes refused in `db`).
    pub fn may_open(&self, screen: Screen) -> bool {
        let auditor = self
            .ledger
            .session()
            .is_some_and(|s| s.role() == custody_db::Role::Auditor);
        self.ledger.may(screen.needs()) || auditor && screen.entry().auditor_reads
    }

    /// Where the signed-in operator starts: the Desk, or for someone who signs nothing out (an
    /// auditor) the first screen they may see.
    fn home_screen(&self) -> Screen {
        if self.may_open(Screen::Desk) {
            return Screen::Desk;
        }
        Screen::all().find(|s| self.may_open(*s)).unwrap_or(Screen::Desk)
    }

    /// Locks the desk (recorded): the same operator unlocks with their PIN, or someone else
    /// signs in. The lists are dropped, so nothing from the ledger stays on screen.
    pub fn lock(&mut self) {
        let locked_by = self.ledger.session().map(|s| s.id().to_string());
        if let Err(e) = self.ledger.lock_desk() {
            self.sign_in_ui.message = Some(format!("The lock could not be recorded: {e}"));
        }
        self.source.session = None;
        self.lists = Lists::default();
        self.tell_sync();
        self.sign_in_ui.pin.clear();
        self.sign_in_ui.locked_by = locked_by;
        self.sign_in_ui.focused = false;
    }

    /// Ends the operator's session (recorded): the next one starts with an empty basket.
    pub fn log_off(&mut self) {
        if let Err(e) = self.ledger.operator_sign_out() {
            self.sign_in_ui.message = Some(format!("The sign-out could not be recorded: {e}"));
        }
        self.source.session = None;
        self.tell_sync();
        self.start_afresh();
        self.owner = None;
    }

    /// Empties the basket and every screen's state, for another operator.
    fn start_afresh(&mut self) {
        self.desk = Desk::default();
        self.lists = Lists::default();
        self.screen = Screen::Desk;
        self.states = ScreenStates::default();
    }

    /// Locks after the idle time (a setting) or on Ctrl+L. Any key, click or scan is activity.
    fn lock_when_idle(&mut self, ctx: &egui::Context) {
        let now = self.ledger.now();
        let active = ctx.input(|i| {
            i.events.iter().any(|e| {
                matches!(
                    e,
                    egui::Event::Key { .. }
                        | egui::Event::Text(_)
                        | egui::Event::PointerButton { .. }
                        | egui::Event::PointerMoved(_)
                        | egui::Event::MouseWheel { .. }
                )
            })
        });
        if active {
            self.last_activity = now;
        }
        let idle = match self.idle_lock {
            Some((version, minutes)) if version == self.version => minutes,
            _ => {
                let minutes = self
                    .ledger
                    .idle_lock_minutes()
                    .unwrap_or(custody_db::DEFAULT_IDLE_LOCK_MINUTES);
                self.idle_lock = Some((self.version, minutes));
                minutes
            }
        };
        let lock_now = ctx.input_mut(|i| i.consume_key(egui::Modifiers::COMMAND, egui::Key::L));
        if lock_now || now - self.last_activity >= chrono::Duration::minutes(i64::from(idle)) {
            self.lock();
        }
    }

    /// One frame of the whole app.
    pub fn show(&mut self, ui: &mut egui::Ui) {
        let ctx = ui.ctx().clone();
        appearance::keep(&mut self.appearance, &mut self.ledger, &ctx);
        if self.ledger.session().is_some() {
            self.lock_when_idle(&ctx);
        }
        if self.ledger.session().is_none() {
            self.take_background_results();
            self.take_scans_while_locked(&ctx);
            egui::CentralPanel::default().show(ui, |ui| sign_in::ui(self, ui));
            return;
        }
        // Before any widget: a scan is a scan whatever has the keyboard.
        self.take_keyboard_scans(&ctx);
        self.take_scanner_messages(&ctx);
        self.take_background_results();
        self.notice_changes_by_others(&ctx);
        self.lists.items.keep_fresh(self.version, &self.source, &ctx, |l| {
            l.items().map_err(|e| e.to_string())
        });
        self.lists.people.keep_fresh(self.version, &self.source, &ctx, |l| {
            l.people().map_err(|e| e.to_string())
        });
        self.switch_by_key(&ctx);

        egui::Panel::top("navigation").show(ui, |ui| self.navigation(ui));
        if let Some(warning) = &self.sync_warning {
            egui::Panel::top("sync-warning").show(ui, |ui| {
                ui.colored_label(widgets::amber(ui), warning);
            });
        }
        let draw = self.screen.entry().ui;
        egui::CentralPanel::default().show(ui, |ui| draw(self, ui));
        // Undo and outlines fade on their own, and held keys are let go: look again shortly.
        if self.desk.undo.is_some() || self.camera.has_outline() || self.wedge.holding() {
            ctx.request_repaint_after(Duration::from_millis(100));
        }
    }

    /// The bar at the top: the screens on the left (on two rows when a narrow window cannot hold
    /// them in one), who is signed in, Lock and Log off on the right, never drawn over each other.
    fn navigation(&mut self, ui: &mut egui::Ui) {
        let bar = ui.available_rect_before_wrap();
        let right = ui
            .scope_builder(
                egui::UiBuilder::new()
                    .max_rect(bar)
                    .layout(egui::Layout::right_to_left(egui::Align::Min)),
                |ui| self.session_controls(ui),
            )
            .response
            .rect;
        let left = egui::Rect::from_min_max(bar.min, egui::pos2(right.min.x - 12.0, bar.max.y));
        ui.scope_builder(egui::UiBuilder::new().max_rect(left), |ui| {
            ui.horizontal_wrapped(|ui| {
                // (No separator: in a wrapping row it would take the whole height.)
                ui.strong("Custody");
                ui.add_space(8.0);
                let open: Vec<Screen> = Screen::all().filter(|s| self.may_open(*s)).collect();
                for screen in open {
                    let button = ui
                        .add(egui::Button::selectable(self.screen == screen, screen.title()))
                        .on_hover_text(screen.key().name());
                    if button.clicked() {
                        self.screen = screen;
                    }
                }
            });
        });
    }

    /// Who is signed in (the database's file on hover), the sync state, Lock and Log off.
    fn session_controls(&mut self, ui: &mut egui::Ui) {
        // "Log off", not "Sign out": on the Desk, signing out hands items over.
        if ui
            .button("Log off")
            .on_hover_text("End your session at this desk")
            .clicked()
        {
            self.log_off();
            return;
        }
        if ui.button("Lock").on_hover_text("Ctrl+L").clicked() {
            self.lock();
            return;
        }
        if let Some(s) = self.ledger.session() {
            ui.label(format!("{} ({})", s.id(), s.role()))
                .on_hover_text(self.source.path.display().to_string());
        }
        if let Some(state) = &self.sync_state {
            widgets::sync_state(ui, state, &self.ledger);
        }
    }

    fn switch_by_key(&mut self, ctx: &egui::Context) {
        let open: Vec<Screen> = Screen::all().filter(|s| self.may_open(*s)).collect();
        for screen in open {
            if ctx.input_mut(|i| i.consume_key(egui::Modifiers::NONE, screen.key())) {
                self.screen = screen;
            }
        }
    }

    /// Takes this frame's scanner bursts out of the input before any widget sees them, and
    /// acts on them: see [`wedge`] for what counts as a scan.
    fn take_keyboard_scans(&mut self, ctx: &egui::Context) {
        let focus = keyboard_focus(ctx);
        let focused = ctx.memory(|m| m.focused());
        let inputs = ctx.input_mut(|i| self.wedge.intercept(&mut i.events, i.time, focus));
        // A scan takes the keyboard from a focused button (a screen's, say): the Enter that
        // follows ("Press Enter to sign the basket out") must reach the Desk, not the button.
        if focus == wedge::Focus::Widget
            && let Some(id) = focused
            && inputs.iter().any(|i| matches!(i, wedge::WedgeInput::Scan(_)))
        {
            ctx.memory_mut(|m| m.surrender_focus(id));
        }
        for input in inputs {
            match input {
                wedge::WedgeInput::Scan(text) => self.scanned_into(&text, focused),
                wedge::WedgeInput::Enter => {
                    if let Some(enter) = self.screen.entry().enter {
                        enter(self);
                    }
                }
                wedge::WedgeInput::Escape => {
                    if let Some(escape) = self.screen.entry().escape {
                        escape(self);
                    }
                }
            }
        }
    }

    /// While locked, or before anyone signs in, a scan is never a PIN: the scanner's bursts are
    /// taken out of the input before the PIN field sees them, and a camera's codes too (none is
    /// kept for after unlocking). An operator's badge chooses the operator; anything else counts
    /// for nothing, with the refusal tone.
    fn take_scans_while_locked(&mut self, ctx: &egui::Context) {
        let focus = keyboard_focus(ctx);
        let inputs = ctx.input_mut(|i| self.wedge.intercept(&mut i.events, i.time, focus));
        let mut scans: Vec<String> = inputs
            .into_iter()
            .filter_map(|input| match input {
                wedge::WedgeInput::Scan(text) => Some(text),
                wedge::WedgeInput::Enter | wedge::WedgeInput::Escape => None,
            })
            .collect();
        if let Some(scanner) = &self.scanner {
            for msg in scanner.messages.try_iter() {
                if let ScanMsg::Codes { codes, .. } = msg {
                    scans.extend(codes.into_iter().map(|c| c.text));
                }
            }
        }
        for text in scans {
            if self.gate.admit(text.trim(), self.ledger.now()) {
                let tone = sign_in::scanned(self, &text);
                self.beeper.play(tone);
            }
        }
    }

    /// A scan from the keyboard, routed by where the cursor was: a badge scanned into
    /// "Authorised by" names the authoriser; a label scanned into a search box searches for it;
    /// anything else is a scan at the desk.
    fn scanned_into(&mut self, text: &str, focused: Option<egui::Id>) {
        let payload = custody_labels::Payload::parse(text).ok();
        if focused == Some(widgets::authoriser_id())
            && let Some(p) = &payload
            && p.kind == custody_labels::CodeKind::Person
        {
            self.desk.authoriser = p.id.clone();
            self.desk.hand_over_details_changed();
            return;
        }
        if focused == Some(widgets::search_id()) {
            let query = payload.map_or_else(|| text.to_string(), |p| p.id);
            if let Some(search) = self.screen.entry().search {
                search(&mut self.states, &query);
            }
            return;
        }
        self.scanned(text);
    }

    /// A scan from a device (camera or scanner): the same code again within
    /// [`SAME_SCAN_WITHIN`] counts once, and the Desk shows what it did, whichever screen was open.
    /// Returns whether it was acted on (not a repeat, nor empty).
    pub fn scanned(&mut self, text: &str) -> bool {
        self.last_activity = self.ledger.now();
        if !self.gate.admit(text.trim(), self.ledger.now()) {
            return false;
        }
        // Counting a stocktake, a scan is a sighting: the screen stays.
        if self.screen == Screen::Stocktake && self.states.stocktake.is_counting() {
            let tone = stocktake::scanned(self, text);
            self.beeper.play(tone);
            return true;
        }
        // Someone who signs nothing out (an auditor) is shown the item instead.
        if !self.ledger.may(Action::SignOut) {
            let tag = custody_labels::Payload::parse(text).map_or_else(|_| text.trim().to_string(), |p| p.id);
            self.states.items.search_for(&tag);
            self.screen = Screen::Items;
            return true;
        }
        let Some(tone) = self.scan(text) else { return false };
        self.states.desk.forget_typed();
        if let Some(unmatched) = self.desk.unmatched.take() {
            self.states.desk.suggest_for(unmatched);
        }
        self.beeper.play(match tone {
            session::Tone::Refused => beep::Tone::Refused,
            session::Tone::Done | session::Tone::Info => beep::Tone::Taken,
        });
        self.screen = Screen::Desk;
        true
    }

    /// Reads the lists again when another program (the command line, another desk's sync)
    /// has written to the file. SQLite's `data_version` says so cheaply; it is asked once a
    /// second, not on every frame.
    fn notice_changes_by_others(&mut self, ctx: &egui::Context) {
        let due = self.checked_others.is_none_or(|at| at.elapsed() >= CHECK_OTHERS_EVERY);
        if due {
            self.checked_others = Some(Instant::now());
            self.check_sync_age();
            if let Ok(version) = self.ledger.data_version() {
                if self.data_version.is_some_and(|seen| seen != version) {
                    self.changed();
                }
                self.data_version = Some(version);
            }
        }
        ctx.request_repaint_after(CHECK_OTHERS_EVERY);
    }

    fn take_scanner_messages(&mut self, ctx: &egui::Context) {
        let Some(scanner) = &self.scanner else { return };
        let messages: Vec<ScanMsg> = scanner.messages.try_iter().collect();
        for msg in messages {
            match msg {
                ScanMsg::Status(text) => self.camera.status = text,
                ScanMsg::Preview(image) => self.camera.show_frame(ctx, image),
                ScanMsg::Codes {
                    width,
                    height,
                    codes,
                    captured,
                    decoding,
                } => {
                    self.camera.decoded_in(decoding);
                    self.camera.show_codes(ctx, width, height, &codes);
                    for code in codes {
                        if self.scanned(&code.text) {
                            self.last_scan_latency = Some(captured.elapsed());
                        }
                    }
                }
            }
        }
    }

    /// Fills an empty database with demo data, on a thread with its own connection.
    pub fn load_demo(&mut self) {
        let (tx, rx) = std::sync::mpsc::channel();
        let source = self.source.clone();
        std::thread::spawn(move || {
            let result = source
                .open_reader()
                .and_then(|mut l| custody_db::demo::fill(&mut l, &custody_db::demo::DemoOptions::default()))
                .map(|s| {
                    format!(
                        "Demo data loaded: {} items, {} people, {} events.",
                        s.items, s.people, s.events
                    )
                })
                .map_err(|e| format!("Demo data could not be loaded: {e}"));
            let _ = tx.send(result);
        });
        self.demo_loading = Some(rx);
    }

    fn take_background_results(&mut self) {
        let mut synced = None;
        if let Some(sync) = &self.sync {
            while let Ok(state) = sync.states.try_recv() {
                if let crate::sync::background::SyncState::Synced { at, .. } = &state {
                    synced = Some(custody_db::time::to_millis(*at));
                }
                self.sync_state = Some(state);
            }
        }
        if synced.is_some() {
            self.last_synced = synced;
            self.check_sync_age();
        }
        let mut wrote = false;
        if let Some(notices) = &self.notices {
            while let Ok(round) = notices.rounds.try_recv() {
                wrote |= round.wrote;
                self.notice_round = Some(round);
            }
        }
        if wrote {
            // The Overdue screen shows what was sent; the sync sends the records on.
            self.changed();
        }
        if let Some(rx) = &self.backup {
            match rx.try_recv() {
                Ok(failure) => {
                    self.desk.banner = Some(session::Banner {
                        tone: session::Tone::Refused,
                        text: failure,
                    });
                    self.backup = None;
                }
                Err(std::sync::mpsc::TryRecvError::Disconnected) => self.backup = None,
                Err(std::sync::mpsc::TryRecvError::Empty) => {}
            }
        }
        let Some(rx) = &self.demo_loading else { return };
        if let Ok(result) = rx.try_recv() {
            self.demo_loading = None;
            let (tone, text) = match result {
                Ok(t) => (session::Tone::Done, t),
                Err(t) => (session::Tone::Refused, t),
            };
            self.desk.banner = Some(session::Banner { tone, text });
            self.changed();
        }
    }

    pub fn demo_loading(&self) -> bool {
        self.demo_loading.is_some()
    }
}

/// Who has the keyboard now, as the scanner's bursts are told apart from typing.
fn keyboard_focus(ctx: &egui::Context) -> wedge::Focus {
    match ctx.memory(|m| m.focused()) {
        None => wedge::Focus::Nothing,
        Some(_) if ctx.text_edit_focused() => wedge::Focus::TextField,
        Some(_) => wedge::Focus::Widget,
    }
}

impl eframe::App for DeskApp {
    fn ui(&mut self, ui: &mut egui::Ui, _frame: &mut eframe::Frame) {
        self.show(ui);
        if let Some(started) = self.started.take()
            && std::env::var_os("CUSTODY_TIMING").is_some()
        {
            eprintln!("custody: first frame after {} ms", started.elapsed().as_millis());
        }
    }
}

/// How the desk app was asked to start.
#[derive(Debug, Clone)]
pub struct Launch {
    pub frames: Option<PathBuf>,
    /// `--camera N`; without it, the camera last chosen at this desk.
    pub camera: Option<u32>,
    pub no_camera: bool,
}

/// The database the desk was asked to open, or where it looked and why it could not.
pub type Opened = Result<Ledger, (PathBuf, String)>;

/// The window: the desk, or, until its database is open, the screen that says why not.
enum Window {
    Opening {
        opener: opener::Opener,
        clock: Arc<dyn Clock>,
        launch: Launch,
        started: Instant,
    },
    Desk(Box<DeskApp>),
}

impl eframe::App for Window {
    fn ui(&mut self, ui: &mut egui::Ui, frame: &mut eframe::Frame) {
        match self {
            Window::Desk(app) => app.ui(ui, frame),
            Window::Opening {
                opener,
                clock,
                launch,
                started,
            } => {
                let opened = egui::CentralPanel::default().show(ui, |ui| opener.show(ui)).inner;
                if let Some(ledger) = opened {
                    let ctx = ui.ctx().clone();
                    let app = start_desk(ledger, clock.clone(), &ctx, launch, *started);
                    *self = Window::Desk(Box::new(app));
                }
            }
        }
    }
}

/// Opens the desk window and runs until it is closed.
pub fn run(opened: Opened, clock: Arc<dyn Clock>, launch: Launch, started: Instant) -> anyhow::Result<()> {
    let path = match &opened {
        Ok(ledger) => ledger.path().to_path_buf(),
        Err((path, _)) => path.clone(),
    };
    let options = eframe::NativeOptions {
        viewport: egui::ViewportBuilder::default()
            .with_title(window_title(&path))
            .with_inner_size([1280.0, 800.0])
            // Below this the Desk's columns and the lists' pages cannot both be read.
            .with_min_inner_size(MIN_WINDOW),
        ..Default::default()
    };
    eframe::run_native(
        "Custody",
        options,
        Box::new(move |cc| {
            let window = match opened {
                Ok(ledger) => Window::Desk(Box::new(start_desk(ledger, clock, &cc.egui_ctx, &launch, started))),
                Err((path, problem)) => Window::Opening {
                    opener: opener::Opener::new(&path, problem, clock.clone()),
                    clock,
                    launch,
                    started,
                },
            };
            Ok(Box::new(window))
        }),
    )
    .map_err(|e| {
        anyhow::anyhow!(
            "the desk window could not open ({e}). It needs a desktop session; every job can also be done from the command line (custody --help)."
        )
    })
}

/// "Custody — /path/to/custody.db": which file this desk keeps, since the bar has no room for
/// it at 1024 px.
fn window_title(path: &std::path::Path) -> String {
    format!("Custody \u{2014} {}", path.display())
}

/// The desk over an open database: its beeper, backup, sync and camera started.
fn start_desk(
    ledger: Ledger,
    clock: Arc<dyn Clock>,
    ctx: &egui::Context,
    launch: &Launch,
    started: Instant,
) -> DeskApp {
    ctx.send_viewport_cmd(egui::ViewportCommand::Title(window_title(ledger.path())));
    let mut app = DeskApp::new(ledger, clock);
    app.started = Some(started);
    app.beeper = beep::Beeper::start();
    app.beeper.enabled = app.ledger.desk_beeps().unwrap_or(true);
    app.backup_in_background();
    app.start_sync(ctx);
    app.start_notices(ctx);
    start_frames(&mut app, ctx, launch);
    app
}

/// Feeds the scanner from `--frames DIR` if given, else from the chosen camera.
pub fn start_frames(app: &mut DeskApp, ctx: &egui::Context, launch: &Launch) {
    if let Some(folder) = launch.frames.clone() {
        app.start_scanner(ctx, move || {
            Box::new(scanner::FolderFrames::new(&folder, Duration::from_millis(1500)))
        });
    } else if !launch.no_camera {
        let chosen = match launch.camera {
            Some(index) => Some(index),
            None => match app.ledger.desk_camera() {
                Ok(Some(custody_db::DeskCamera::None)) => None,
                Ok(Some(custody_db::DeskCamera::Index(index))) => Some(index),
                Ok(None) | Err(_) => Some(0),
            },
        };
        if let Some(index) = chosen {
            app.start_scanner(ctx, move || Box::new(scanner::CameraFrames::new(index)));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_screen_has_one_row_and_its_own_key() {
        for entry in &SCREENS {
            assert_eq!(
                entry.screen.entry().title,
                entry.title,
                "{:?} has one row",
                entry.screen
            );
        }
        let mut keys: Vec<&str> = SCREENS.iter().map(|e| e.key.name()).collect();
        keys.sort_unstable();
        keys.dedup();
        assert_eq!(keys.len(), SCREENS.len(), "each screen has its own key");
    }
}
