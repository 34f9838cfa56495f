//! Keyboard-wedge scanners (USB or Bluetooth) type the code and press Enter. On the Desk
//! screen, whatever is typed while no text field has the focus is collected here, so a scan
//! works without clicking into a field first; typing a tag by hand and pressing Enter works
//! the same way.

use egui::{Event, Key};

/// Characters older than this (seconds) are dropped: a stray key press an hour ago must not
/// prefix the next scan.
const FORGET_AFTER: f64 = 3.0;

#[derive(Debug, Default)]
pub struct Wedge {
    buffer: String,
    last_input: f64,
}

/// What the keyboard did this frame, when no field had the focus.
#[derive(Debug, PartialEq, Eq)]
pub enum WedgeInput {
    /// Text followed by Enter: a scan.
    Scan(String),
    /// Enter on its own: the desk's "go" key.
    Enter,
    /// Escape on its own: the desk's "cancel" key.
    Escape,
}

impl Wedge {
    /// Feeds one frame's input events (taken at `now`, in seconds) and returns what they mean.
    pub fn feed(&mut self, events: &[Event], now: f64) -> Vec<WedgeInput> {
        if now - self.last_input > FORGET_AFTER {
            self.buffer.clear();
        }
        let mut out = Vec::new();
        for event in events {
            match event {
                Event::Text(text) | Event::Paste(text) => {
                    self.buffer.push_str(text);
                    self.last_input = now;
                }
                Event::Key { key, pressed: true, .. } => match key {
                    Key::Enter => {
                        let text = std::mem::take(&mut self.buffer);
                        let text = text.trim();
                        out.push(if text.is_empty() {
                            WedgeInput::Enter
                        } else {
                            WedgeInput::Scan(text.to_string())
                        });
                    }
                    Key::Escape if self.buffer.is_empty() => out.push(WedgeInput::Escape),
                    Key::Escape => self.buffer.clear(),
                    Key::Backspace => {
                        self.buffer.pop();
                    }
                    _ => {}
                },
                _ => {}
            }
        }
        out
    }

    /// What has been typed so far, to show it.
    pub fn pending(&self) -> &str {
        &self.buffer
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

    #[test]
    fn a_burst_ending_in_enter_is_a_scan() {
        let mut w = Wedge::default();
        let burst: Vec<Event> = "CU1:I:LT-0042".chars().map(|c| Event::Text(c.to_string())).collect();
        assert!(w.feed(&burst, 1.0).is_empty());
        assert_eq!(w.pending(), "CU1:I:LT-0042");
        assert_eq!(
            w.feed(&[key(Key::Enter)], 1.05),
            vec![WedgeInput::Scan("CU1:I:LT-0042".into())]
        );
        assert_eq!(w.feed(&[key(Key::Enter)], 1.2), vec![WedgeInput::Enter]);
    }

    #[test]
    fn old_keystrokes_are_forgotten() {
        let mut w = Wedge::default();
        w.feed(&[Event::Text("x".into())], 1.0);
        w.feed(&[Event::Text("LT-1".into())], 10.0);
        assert_eq!(w.feed(&[key(Key::Enter)], 10.1), vec![WedgeInput::Scan("LT-1".into())]);
    }

    #[test]
    fn escape_clears_then_cancels() {
        let mut w = Wedge::default();
        w.feed(&[Event::Text("LT".into())], 1.0);
        assert!(w.feed(&[key(Key::Escape)], 1.1).is_empty());
        assert_eq!(w.pending(), "");
        assert_eq!(w.feed(&[key(Key::Escape)], 1.2), vec![WedgeInput::Escape]);
    }
}
