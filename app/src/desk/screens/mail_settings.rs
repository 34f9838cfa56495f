//! Settings → Mail and notices: whether notices go to holders and at which stages (a manager's),
//! the mail server with its login and a test email, and who receives the weekly overdue report
//! (an administrator's). The login's secret is kept beside the database, never on the record.

use chrono::Weekday;
use custody_db::mail::{MailSettings, Security, WeeklyReport};
use custody_db::notices::{NoticeSettings, NoticeStage};
use custody_db::{Action, Ledger};

use crate::desk::DeskApp;
use crate::desk::loader::Task;
use crate::desk::widgets::{outcome, outcome_of};
use crate::mail::login::MailLogin;
use crate::mail::transport::Mailer;

#[derive(Debug, Default)]
pub struct MailSettingsUi {
    /// The form, filled from the record once per ledger version.
    form: Option<(u64, Form)>,
    test_to: String,
    test: Task,
    message: Option<(bool, String)>,
}

#[derive(Clone)]
struct Form {
    notices: NoticeSettings,
    server: String,
    security: Security,
    from: String,
    user: String,
    /// Typed only to change it: empty keeps the one saved.
    secret: String,
    weekly_to: String,
    weekly_day: Weekday,
}

impl std::fmt::Debug for Form {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Never the secret.
        f.debug_struct("Form")
            .field("server", &self.server)
            .finish_non_exhaustive()
    }
}

fn read(ledger: &Ledger) -> custody_db::Result<Form> {
    let mail = ledger.mail_settings()?;
    let weekly = ledger.weekly_report()?;
    Ok(Form {
        notices: ledger.notice_settings()?,
        server: mail.as_ref().map(MailSettings::server).unwrap_or_default(),
        security: mail.as_ref().map_or(Security::StartTls, |m| m.security),
        from: mail.as_ref().map(|m| m.from.clone()).unwrap_or_default(),
        user: mail.as_ref().and_then(|m| m.user.clone()).unwrap_or_default(),
        secret: String::new(),
        weekly_to: weekly.as_ref().map(|w| w.to.join(", ")).unwrap_or_default(),
        weekly_day: weekly.as_ref().map_or(Weekday::Mon, |w: &WeeklyReport| w.day),
    })
}

const STAGES: [(NoticeStage, &str); 4] = [
    (
        NoticeStage::Reminder,
        "Reminder: a device the working day before it is due, paper the morning it is due",
    ),
    (NoticeStage::First, "First notice (from the first overdue stage)"),
    (NoticeStage::Second, "Second notice"),
    (NoticeStage::Third, "Third notice"),
];

pub fn ui(app: &mut DeskApp, ui: &mut egui::Ui) {
    if !app.ledger.may(Action::RuleSettings) {
        return;
    }
    ui.separator();
    ui.heading("Mail and notices");
    let version = app.version;
    let state = &mut app.states.mail_settings;
    if state.form.as_ref().is_none_or(|(v, _)| *v != version) {
        match read(&app.ledger) {
            Ok(form) => state.form = Some((version, form)),
            Err(e) => {
                state.message = Some((false, e.to_string()));
                return;
            }
        }
    }
    let Some((_, form)) = state.form.as_mut() else { return };
    let mut changed_notices = None;
    let mut on = form.notices.enabled;
    if ui
        .checkbox(
            &mut on,
            "Email holders: a reminder before an item is due, and a notice at each overdue stage",
        )
        .changed()
    {
        changed_notices = Some((None, on));
    }
    ui.add_enabled_ui(form.notices.enabled, |ui| {
        for (stage, label) in STAGES {
            let mut sends = !form.notices.stages_off.contains(&stage);
            if ui.checkbox(&mut sends, label).changed() {
                changed_notices = Some((Some(stage), sends));
            }
        }
    });
    if let Some((stage, on)) = changed_notices {
        let done = match stage {
            None => app.ledger.set_notices(on),
            Some(stage) => app.ledger.set_notice_stage(stage, on),
        };
        state.message = Some(match done {
            Ok(()) => {
                app.version += 1;
                (true, "Saved.".to_string())
            }
            Err(e) => (false, format!("Not saved: {e}")),
        });
    }
    if !app.ledger.may(Action::AllSettings) {
        outcome(ui, app.states.mail_settings.message.as_ref());
        return;
    }
    mail_server(app, ui);
    weekly(app, ui);
    outcome(ui, app.states.mail_settings.message.as_ref());
}

/// The mail server's form, its Save and the test email (sent on a thread: never in a frame).
fn mail_server(app: &mut DeskApp, ui: &mut egui::Ui) {
    let ctx = ui.ctx().clone();
    let state = &mut app.states.mail_settings;
    let Some((_, form)) = state.form.as_mut() else { return };
    ui.label(
        "The mail server notices go through. Microsoft 365: smtp.office365.com:587, starttls, with \
         the mailbox's app password; Google Workspace: smtp.gmail.com:587 (README, \u{201c}Telling people\u{201d}).",
    );
    egui::Grid::new("mail_server").num_columns(2).show(ui, |ui| {
        let label = ui.label("Server");
        ui.add(
            egui::TextEdit::singleline(&mut form.server)
                .hint_text("smtp://smtp.office365.com:587")
                .desired_width(300.0),
        )
        .labelled_by(label.id);
        ui.end_row();
        ui.label("Security");
        ui.horizontal(|ui| {
            for (choice, text) in [
                (Security::StartTls, "STARTTLS (587)"),
                (Security::Tls, "TLS (465)"),
                (Security::None, "none (a relay on this network)"),
            ] {
                ui.radio_value(&mut form.security, choice, text);
            }
        });
        ui.end_row();
        let label = ui.label("From");
        ui.add(
            egui::TextEdit::singleline(&mut form.from)
                .hint_text("office@school.example")
                .desired_width(300.0),
        )
        .labelled_by(label.id);
        ui.end_row();
        let label = ui.label("Login");
        ui.add(
            egui::TextEdit::singleline(&mut form.user)
                .hint_text("when the server asks for one")
                .desired_width(300.0),
        )
        .labelled_by(label.id);
        ui.end_row();
        let label = ui.label("Secret");
        ui.add(
            egui::TextEdit::singleline(&mut form.secret)
                .password(true)
                .hint_text("the app password; empty keeps the one saved")
                .desired_width(300.0),
        )
        .labelled_by(label.id);
        ui.end_row();
    });
    let mut save = false;
    ui.horizontal(|ui| {
        save = ui.button("Save the mail settings").clicked();
        ui.add_space(16.0);
        let label = ui.label("Send a test email to");
        ui.add(egui::TextEdit::singleline(&mut state.test_to).desired_width(220.0))
            .labelled_by(label.id);
        let running = state.test.is_running();
        if ui
            .add_enabled(
                !running && !state.test_to.trim().is_empty(),
                egui::Button::new("Send a test email"),
            )
            .clicked()
        {
            let to = state.test_to.trim().to_string();
            state.test.start(&app.source, &ctx, move |l| send_test(l, &to));
        }
        if running {
            ui.spinner();
        }
    });
    if let Some(done) = state.test.take() {
        state.message = Some(outcome_of(done));
    }
    if save {
        let form = form.clone();
        state.message = Some(match save_mail(&mut app.ledger, &form) {
            Ok(server) => {
                app.version += 1;
                (
                    true,
                    format!("Saved: mail goes through {server}. Send a test email to check it."),
                )
            }
            Err(e) => (false, format!("Not saved: {e}")),
        });
    }
}

fn save_mail(ledger: &mut Ledger, form: &Form) -> Result<String, String> {
    let user = Some(form.user.as_str()).filter(|u| !u.trim().is_empty());
    let settings =
        MailSettings::parse(&form.server, form.security.as_str(), &form.from, user).map_err(|e| e.to_string())?;
    let mut login = MailLogin::read(ledger.path()).map_err(|e| e.to_string())?;
    if settings.user.is_some() && form.secret.is_empty() && login.secret.is_none() {
        return Err("a login needs its secret (the app password)".to_string());
    }
    ledger.allow(Action::AllSettings).map_err(|e| e.to_string())?;
    if !form.secret.is_empty() {
        login.secret = Some(form.secret.clone());
    }
    if settings.user.is_none() {
        login.secret = None;
    }
    // The login first: the settings on the record never name a login whose secret was not kept.
    login.write(ledger.path()).map_err(|e| e.to_string())?;
    ledger.set_mail_settings(&settings).map_err(|e| e.to_string())?;
    Ok(settings.server())
}

fn send_test(ledger: &Ledger, to: &str) -> Result<String, String> {
    let settings = ledger
        .mail_settings_to_test()
        .map_err(|e| e.to_string())?
        .ok_or("no mail server is saved yet")?;
    let organisation = ledger
        .organisation()
        .ok()
        .flatten()
        .unwrap_or_else(|| "Custody".to_string());
    let login = MailLogin::read(ledger.path()).map_err(|e| e.to_string())?;
    Mailer::new(&settings, &login, &organisation)
        .and_then(|m| {
            m.send(&[to.to_string()], &custody_db::letters::test_letter(&organisation), &[])
                .map_err(|f| f.why)
        })
        .map(|()| format!("Sent a test email to {to} through {}.", settings.server()))
        .map_err(|why| format!("The test email to {to} was not sent: {why}"))
}

/// Who receives the weekly overdue report, and on which day.
fn weekly(app: &mut DeskApp, ui: &mut egui::Ui) {
    let state = &mut app.states.mail_settings;
    let Some((_, form)) = state.form.as_mut() else { return };
    let mut save = false;
    ui.horizontal_wrapped(|ui| {
        let label = ui.label("Email the weekly overdue report (PDF and CSV) to");
        ui.add(
            egui::TextEdit::singleline(&mut form.weekly_to)
                .hint_text("dpo@…, head@… (empty: not emailed)")
                .desired_width(300.0),
        )
        .labelled_by(label.id);
        ui.label("on");
        egui::ComboBox::from_label("each week")
            .selected_text(form.weekly_day.to_string())
            .show_ui(ui, |ui| {
                for day in [Weekday::Mon, Weekday::Tue, Weekday::Wed, Weekday::Thu, Weekday::Fri] {
                    ui.selectable_value(&mut form.weekly_day, day, day.to_string());
                }
            });
        save = ui.button("Save the weekly report").clicked();
    });
    if save {
        let to: Vec<String> = form
            .weekly_to
            .split([',', ';', ' '])
            .map(str::trim)
            .filter(|a| !a.is_empty())
            .map(str::to_string)
            .collect();
        let day = form.weekly_day.to_string();
        state.message = Some(match app.ledger.set_weekly_report(&to, &day) {
            Ok(Some(w)) => {
                app.version += 1;
                (
                    true,
                    format!(
                        "Saved: the report goes to {} every {}, from this desk.",
                        w.to.join(", "),
                        w.day
                    ),
                )
            }
            Ok(None) => {
                app.version += 1;
                (true, "Saved: the report is no longer emailed.".to_string())
            }
            Err(e) => (false, format!("Not saved: {e}")),
        });
    }
}
