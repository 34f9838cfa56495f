//! Keyboard-wedge scanners (USB or Bluetooth) type the code and press Enter, into whatever has
//! the keyboard. Every frame, before any widget sees the input, [`Wedge::intercept`] takes out
//! what belongs to a scan, so that a scan is a scan on every screen and whatever has the focus:
//!
//! - with no text field focused, everything typed is collected, and Enter after it is a scan
//!   (typing a tag by hand works the same way); a focused button never sees that Enter;
//! - in a text field, only a Custody label (`CU1:…`) is taken: its first characters are held
//!   back until they can no longer begin a label (then the field gets them, a moment late), so
//!   a payload never lands in a field as text.

use custody_labels::payload::PREFIX as LABEL_PREFIX;
use egui::{Event, Key};

/// Characters older than this (seconds) are dropped: a stray key press an hour ago must not
/// prefix the next scan.
const FORGET_AFTER: f64 = 3.0;
/// In a text field, characters that could begin a label are held back this long (seconds) for
/// the next one; a scanner sends the next within milliseconds, a person typing rarely does.
const HOLD_FOR: f64 = 0.12;

#[derive(Debug, Default)]
pub struct Wedge {
    /// A scan being collected.
    buffer: String,
    last_input: f64,
    /// In a text field: characters held back while they could begin a label.
    held: String,
}

/// What the keyboard meant this frame.
#[derive(Debug, PartialEq, Eq)]
pub enum WedgeInput {
    /// Text followed by Enter: a scan.
    Scan(String),
    /// Enter on its own, with nothing focused: the "go" key.
    Enter,
    /// Escape on its own, with nothing focused: the "cancel" key.
    Escape,
}

/// Who has the keyboard when the input arrives.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Focus {
    Nothing,
    /// A button or other widget that is not a text field.
    Widget,
    TextField,
}

impl Wedge {
    /// Takes out of `events` (one frame's input, at `now` in seconds) what belongs to a scan and
    /// says what it meant; everything else is left for the widgets.
    pub fn intercept(&mut self, events: &mut Vec<Event>, now: f64, focus: Focus) -> Vec<WedgeInput> {
        if now - self.last_input > FORGET_AFTER {
            self.buffer.clear();
        }
        let mut out = Vec::new();
        let mut kept = Vec::with_capacity(events.len());
        if !self.held.is_empty() && now - self.last_input > HOLD_FOR {
            kept.push(Event::Text(std::mem::take(&mut self.held)));
        }
        for event in events.drain(..) {
            match (&event, focus) {
                (Event::Text(text) | Event::Paste(text), Focus::TextField) => {
                    self.last_input = now;
                    self.text_in_field(text, &mut kept);
                }
                (Event::Text(text) | Event::Paste(text), _) => {
                    self.buffer.push_str(text);
                    self.last_input = now;
                }
                (Event::Key { key, pressed: true, .. }, _) => {
                    if let Some(meant) = self.key(*key, focus, &mut kept) {
                        out.extend(meant);
                    } else {
                        kept.push(event);
                    }
                }
                _ => kept.push(event),
            }
        }
        *events = kept;
        out
    }

    /// In a text field: a label's characters are taken, anything else goes to the field.
    fn text_in_field(&mut self, text: &str, kept: &mut Vec<Event>) {
        for c in text.chars() {
            if self.buffer.is_empty() {
                self.held.push(c);
                let held = self.held.to_ascii_uppercase();
                if held == LABEL_PREFIX {
                    self.buffer = std::mem::take(&mut self.held);
                } else if !LABEL_PREFIX.starts_with(&held) {
                    kept.push(Event::Text(std::mem::take(&mut self.held)));
                }
            } else {
                self.buffer.push(c);
            }
        }
    }

    /// A key press: `Some` when it belonged to a scan or was the desk's own key (taken), `None`
    /// when it is left for the widgets.
    fn key(&mut self, key: Key, focus: Focus, kept: &mut Vec<Event>) -> Option<Vec<WedgeInput>> {
        match key {
            Key::Enter if !self.buffer.is_empty() => {
                let text = std::mem::take(&mut self.buffer).trim().to_string();
                Some(if text.is_empty() {
                    vec![]
                } else {
                    vec![WedgeInput::Scan(text)]
                })
            }
            Key::Enter if focus == Focus::Nothing => Some(vec![WedgeInput::Enter]),
            Key::Escape if !self.buffer.is_empty() => {
                self.buffer.clear();
                Some(vec![])
            }
            Key::Escape if focus == Focus::Nothing => Some(vec![WedgeInput::Escape]),
            Key::Backspace if !self.buffer.is_empty() && focus != Focus::TextField => {
                self.buffer.pop();
                Some(vec![])
            }
            // A key that edits or moves in the field ends a label's beginning: the field gets
            // what was held first. (Letter keys come with their text, handled above.)
            Key::Backspace
            | Key::Delete
            | Key::Tab
            | Key::Enter
            | Key::Escape
            | Key::ArrowLeft
            | Key::ArrowRight
            | Key::ArrowUp
            | Key::ArrowDown
            | Key::Home
            | Key::End => {
                if !self.held.is_empty() {
                    kept.push(Event::Text(std::mem::take(&mut self.held)));
                }
                None
            }
            _ => None,
        }
    }

    /// What has been typed towards a scan so far, to show it.
    pub fn pending(&self) -> &str {
        &self.buffer
    }

    /// Whether characters are held back from a field (the app looks again shortly to let them go).
    pub fn holding(&self) -> bool {
        !self.held.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(key: Key) -> Event {
        Event::Key {
            key,
            physical_key: None,
            pressed: true,
            repeat: false,
            modifiers: egui::Modifiers::NONE,
        }
    }

    fn typed(text: &str) -> Vec<Event> {
        text.chars().map(|c| Event::Text(c.to_string())).collect()
    }

    fn texts(events: &[Event]) -> String {
        events
            .iter()
            .filter_map(|e| match e {
                Event::Text(t) => Some(t.as_str()),
                _ => None,
            })
            .collect()
    }

    #[test]
    fn a_burst_ending_in_enter_is_a_scan() {
        let mut w = Wedge::default();
        let mut burst = typed("CU1:I:LT-0042");
        assert!(w.intercept(&mut burst, 1.0, Focus::Nothing).is_empty());
        assert!(burst.is_empty(), "no widget sees the scan");
        assert_eq!(w.pending(), "CU1:I:LT-0042");
        let mut enter = vec![key(Key::Enter)];
        assert_eq!(
            w.intercept(&mut enter, 1.05, Focus::Nothing),
            vec![WedgeInput::Scan("CU1:I:LT-0042".into())]
        );
        assert!(enter.is_empty());
        assert_eq!(
            w.intercept(&mut vec![key(Key::Enter)], 1.2, Focus::Nothing),
            vec![WedgeInput::Enter]
        );
    }

    #[test]
    fn a_focused_button_never_sees_a_scans_enter() {
        let mut w = Wedge::default();
        let mut burst = typed("LT-0042");
        burst.push(key(Key::Enter));
        let meant = w.intercept(&mut burst, 1.0, Focus::Widget);
        assert_eq!(meant, vec![WedgeInput::Scan("LT-0042".into())]);
        assert!(burst.is_empty(), "{burst:?}");
        // Enter on its own still presses the focused button.
        let mut enter = vec![key(Key::Enter)];
        assert!(w.intercept(&mut enter, 2.0, Focus::Widget).is_empty());
        assert_eq!(enter.len(), 1);
    }

    #[test]
    fn in_a_text_field_a_label_is_a_scan_and_other_text_is_text() {
        let mut w = Wedge::default();
        let mut burst = typed("cu1:i:lt-0042");
        burst.push(key(Key::Enter));
        let meant = w.intercept(&mut burst, 1.0, Focus::TextField);
        assert_eq!(meant, vec![WedgeInput::Scan("cu1:i:lt-0042".into())]);
        assert!(burst.is_empty(), "{burst:?}");

        let mut name = typed("Cara");
        assert!(w.intercept(&mut name, 2.0, Focus::TextField).is_empty());
        assert_eq!(
            texts(&name),
            "Cara",
            "a C that turns out not to begin a label reaches the field"
        );

        let mut date = typed("2026");
        w.intercept(&mut date, 3.0, Focus::TextField);
        assert_eq!(texts(&date), "2026");
    }

    #[test]
    fn a_held_c_is_let_go_when_nothing_follows() {
        let mut w = Wedge::default();
        let mut c = typed("C");
        w.intercept(&mut c, 1.0, Focus::TextField);
        assert!(c.is_empty() && w.holding());
        let mut later = vec![];
        w.intercept(&mut later, 1.5, Focus::TextField);
        assert_eq!(texts(&later), "C");
        assert!(!w.holding());
    }

    #[test]
    fn old_keystrokes_are_forgotten() {
        let mut w = Wedge::default();
        w.intercept(&mut typed("x"), 1.0, Focus::Nothing);
        w.intercept(&mut typed("LT-1"), 10.0, Focus::Nothing);
        assert_eq!(
            w.intercept(&mut vec![key(Key::Enter)], 10.1, Focus::Nothing),
            vec![WedgeInput::Scan("LT-1".into())]
        );
    }

    #[test]
    fn escape_clears_then_cancels() {
        let mut w = Wedge::default();
        w.intercept(&mut typed("LT"), 1.0, Focus::Nothing);
        assert!(w.intercept(&mut vec![key(Key::Escape)], 1.1, Focus::Nothing).is_empty());
        assert_eq!(w.pending(), "");
        assert_eq!(
            w.intercept(&mut vec![key(Key::Escape)], 1.2, Focus::Nothing),
            vec![WedgeInput::Escape]
        );
    }
}
