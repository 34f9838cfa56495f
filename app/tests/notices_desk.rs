//! Notices at the desk (kittest, with a real SMTP server): Settings saves the mail server and its
//! *Send a test email* button sends one on a thread; the desk's notices thread sends what is due,
//! and the Overdue screen shows each holder's last notice and what waits.

#![allow(clippy::unwrap_used)]

mod common;

use common::{harness_sized, setup, step_until};
use custody_db::SignOut;
use custody_tests::smtp::SmtpServer;
use egui::Key;
use egui_kittest::kittest::{NodeT, Queryable};

#[test]
fn settings_send_a_test_email_and_the_desk_sends_the_notices_due() {
    let server = SmtpServer::start();
    let (s, mut app) = setup();
    // Kim, with an address, has had LT-0002 since the 12th, due on the 19th.
    s.clock.set(custody_tests::REGISTERED_AT.parse().unwrap());
    app.ledger
        .add_person("S003", "Kim Lee", Some("kim@example.org"))
        .unwrap();
    s.clock.set(common::now());
    app.ledger
        .sign_out(&SignOut {
            items: vec!["LT-0002".into()],
            to: "S003".into(),
            at: Some("2026-11-12T09:00:00Z".parse().unwrap()),
            due: Some("2026-11-19T09:00:00Z".parse().unwrap()),
            acknowledge_warnings: true,
            ..SignOut::default()
        })
        .unwrap();
    // Tall enough for the whole Settings screen without scrolling.
    let mut h = harness_sized(app, egui::vec2(1280.0, 1800.0));
    h.run_steps(2);

    // Settings: the mail server, saved, and a test email through it.
    h.key_press(Key::F9);
    h.run_steps(2);
    h.get_by_label("Server").focus();
    h.run_steps(1);
    h.event(egui::Event::Text(server.url()));
    h.get_by_label("none (a relay on this network)").click();
    h.run_steps(1);
    h.get_by_label("From").focus();
    h.run_steps(1);
    h.event(egui::Event::Text("office@hillside.example".into()));
    h.run_steps(1);
    h.get_by_label("Save the mail settings").click();
    h.run_steps(2);
    let said: Vec<String> = h
        .query_all_by(|n| n.role() == egui::accesskit::Role::Label)
        .filter_map(|n| n.accesskit_node().label())
        .filter(|l| l.contains("aved"))
        .collect();
    let settings = h
        .state()
        .ledger
        .mail_settings()
        .unwrap()
        .unwrap_or_else(|| panic!("not saved: {said:?}"));
    assert_eq!(settings.server(), server.url());
    h.get_by_label("Send a test email to").focus();
    h.run_steps(1);
    h.event(egui::Event::Text("me@hillside.example".into()));
    h.run_steps(1);
    h.get_by_label("Send a test email").click();
    step_until(&mut h, "the test email", |_| !server.received().is_empty());
    assert_eq!(server.received()[0].subject, "Hillside School: Custody test email");

    // Notices on: the desk's thread sends Kim's first notice.
    h.get_by_label("Email holders: a reminder before an item is due, and a notice at each overdue stage")
        .click();
    h.run_steps(2);
    assert!(h.state().ledger.notice_settings().unwrap().enabled);
    let ctx = h.ctx.clone();
    h.state_mut().start_notices(&ctx);
    step_until(&mut h, "a round of the outbox", |a| a.notice_round.is_some());
    let received = server.received();
    assert_eq!(received.len(), 2, "{received:?}");
    assert!(received.iter().any(|m| m.to == ["kim@example.org"]));

    // The Overdue screen says so, beside Kim.
    h.key_press(Key::F5);
    step_until(&mut h, "the overdue report", |a| {
        a.states.overdue.report.value.is_some() && a.states.overdue.notices.value.is_some()
    });
    assert!(h.query_by_label_contains("Notices to holders are on.").is_some());
    assert!(
        h.query_by_label_contains("Last notice: first notice, sent 20/11/2026 10:00")
            .is_some(),
        "Kim's last notice is shown"
    );
}
