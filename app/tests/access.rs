//! Access for all: every interactive widget on every screen has a name a screen reader can say,
//! read from the AccessKit tree (the tree screen readers use), and the desk's text size and
//! light theme are kept at the desk.

#![allow(clippy::unwrap_used)]

mod common;

use common::{harness, setup, step_until, type_burst};
use custody::desk::{DeskApp, Screen};
use egui::Key;
use egui::accesskit::Role;
use egui_kittest::Harness;
use egui_kittest::kittest::{NodeT, Queryable};

/// The roles a person acts on, which must each have a name.
const INTERACTIVE: [Role; 10] = [
    Role::Button,
    Role::CheckBox,
    Role::TextInput,
    Role::MultilineTextInput,
    Role::ComboBox,
    Role::RadioButton,
    Role::Slider,
    Role::SpinButton,
    Role::Link,
    Role::Switch,
];

/// Every interactive node without a name on the screen shown, as "role at rect".
fn unnamed(h: &Harness<'static, DeskApp>) -> Vec<String> {
    h.queryable_node()
        .children_recursive()
        .filter(|n| {
            let node = n.accesskit_node();
            INTERACTIVE.contains(&node.role()) && node.label().is_none_or(|l| l.trim().is_empty())
        })
        .map(|n| {
            format!(
                "{:?} at {:?} (value {:?})",
                n.accesskit_node().role(),
                n.rect(),
                n.accesskit_node().value()
            )
        })
        .collect()
}

#[test]
fn every_interactive_widget_on_every_screen_has_a_name() {
    let (_s, app) = setup();
    let mut h = harness(app);
    // Something in the basket and a holder, so the hand-over's fields and buttons show.
    type_burst(&h, "CU1:I:LT-0001");
    type_burst(&h, "CU1:P:S001");
    h.run_steps(3);
    let mut found = Vec::new();
    let screens: Vec<Screen> = Screen::all().collect();
    assert!(screens.len() >= 11, "{screens:?}");
    for screen in screens {
        h.key_press(screen.key());
        h.run_steps(2);
        step_until(&mut h, "the screen's lists", |a| !a.is_busy());
        // A row selected where the screen has a list, so its page shows too.
        h.key_press(Key::ArrowDown);
        h.run_steps(3);
        assert_eq!(h.state().screen, screen);
        found.extend(unnamed(&h).into_iter().map(|u| format!("{}: {u}", screen.title())));
    }
    assert!(
        found.is_empty(),
        "interactive widgets without a name:\n{}",
        found.join("\n")
    );
}

/// Ctrl+plus makes the text larger and the desk remembers it; the light theme is a setting of
/// the desk beside the beep, remembered too.
#[test]
fn text_size_and_light_theme_are_kept_at_the_desk() {
    let (s, app) = setup();
    let mut h = harness(app);
    h.run_steps(2);
    assert_eq!(h.ctx.zoom_factor(), 1.0);
    h.key_press_modifiers(egui::Modifiers::COMMAND, Key::Plus);
    h.run_steps(2);
    let larger = h.ctx.zoom_factor();
    assert!(larger > 1.0, "{larger}");
    let db = s.dir.path().join("custody.db");
    let reopened = || custody_db::Ledger::open(&db, s.clock.clone()).unwrap();
    assert!((reopened().desk_text_size().unwrap() - larger).abs() < 0.01);

    h.key_press(Key::F9);
    h.run_steps(2);
    assert!((h.ctx.theme() == egui::Theme::Dark));
    h.get_by_label("Light theme (for a bright office)").click();
    h.run_steps(3);
    assert!(!(h.ctx.theme() == egui::Theme::Dark), "the light theme is shown");
    assert!(reopened().desk_light_theme().unwrap());

    // The next start at this desk opens as it was left.
    let mut again = harness(DeskApp::new(reopened(), s.clock.clone()));
    let app = again.state_mut();
    app.ledger.use_hashing(custody_db::Hashing::cheap_for_tests());
    again.run_steps(2);
    assert!(!(again.ctx.theme() == egui::Theme::Dark));
    assert!((again.ctx.zoom_factor() - larger).abs() < 0.01);
}
