//! The beep: a short high tone when a scan is taken, two low ones when it is refused, so a clerk
//! walking along a trolley with a scanner knows without looking. Sound plays on a thread of its
//! own (rodio, ALSA on Linux), opened at the first beep; a machine with no sound device is a
//! normal state: the desk stays silent and says so on the Settings screen. A setting at each
//! desk turns it off.

use std::sync::mpsc::{Receiver, Sender, channel};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use rodio::Source;
use rodio::source::SineWave;

/// What a scan did, as the clerk hears it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Tone {
    /// Taken: into the basket, signed in, the holder chosen, counted.
    Taken,
    /// Refused, or needs a look (an unexpected item in a stocktake).
    Refused,
}

impl Tone {
    /// The notes: (frequency in Hz, start, length), each a plain sine at a quiet volume.
    pub fn notes(self) -> &'static [(f32, Duration, Duration)] {
        const TAKEN: [(f32, Duration, Duration); 1] = [(1_760.0, Duration::ZERO, Duration::from_millis(70))];
        const REFUSED: [(f32, Duration, Duration); 2] = [
            (220.0, Duration::ZERO, Duration::from_millis(140)),
            (220.0, Duration::from_millis(220), Duration::from_millis(140)),
        ];
        match self {
            Tone::Taken => &TAKEN,
            Tone::Refused => &REFUSED,
        }
    }
}

/// Where the sound device stands.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Device {
    /// Not opened yet (nothing has beeped).
    NotYet,
    Playing,
    /// No sound device, or it could not be opened: silent.
    Silent(String),
}

/// The desk's beeper. Made without a thread (tests, screenshots), it only remembers what it
/// would have played.
#[derive(Debug)]
pub struct Beeper {
    sender: Option<Sender<Tone>>,
    pub enabled: bool,
    /// Every tone asked for, in order (what the tests listen to).
    pub played: Vec<Tone>,
    device: Arc<Mutex<Device>>,
}

impl Default for Beeper {
    fn default() -> Self {
        Beeper {
            sender: None,
            enabled: true,
            played: Vec::new(),
            device: Arc::new(Mutex::new(Device::NotYet)),
        }
    }
}

impl Beeper {
    /// A beeper with its sound thread.
    pub fn start() -> Beeper {
        let (sender, receiver) = channel();
        let beeper = Beeper {
            sender: Some(sender),
            ..Beeper::default()
        };
        let device = beeper.device.clone();
        std::thread::Builder::new()
            .name("beep".into())
            .spawn(move || play_tones(&receiver, &device))
            .ok();
        beeper
    }

    pub fn play(&mut self, tone: Tone) {
        if !self.enabled {
            return;
        }
        self.played.push(tone);
        if let Some(sender) = &self.sender {
            let _ = sender.send(tone);
        }
    }

    /// "beeps", "silent: no sound device (…)", for the Settings screen.
    pub fn device(&self) -> Device {
        self.device.lock().map(|d| d.clone()).unwrap_or(Device::NotYet)
    }
}

/// The sound thread: opens the default output at the first tone and plays each one; without a
/// device, drains the tones silently.
fn play_tones(receiver: &Receiver<Tone>, device: &Mutex<Device>) {
    let mut sink: Option<rodio::MixerDeviceSink> = None;
    for tone in receiver {
        if sink.is_none() && matches!(*device.lock().unwrap_or_else(|e| e.into_inner()), Device::NotYet) {
            let state = match no_sound_card() {
                Some(why) => Device::Silent(why),
                None => match rodio::DeviceSinkBuilder::open_default_sink() {
                    Ok(mut s) => {
                        s.log_on_drop(false);
                        sink = Some(s);
                        Device::Playing
                    }
                    Err(e) => Device::Silent(e.to_string()),
                },
            };
            *device.lock().unwrap_or_else(|e| e.into_inner()) = state;
        }
        if let Some(sink) = &sink {
            for &(freq, start, length) in tone.notes() {
                sink.mixer()
                    .add(SineWave::new(freq).take_duration(length).amplify(0.25).delay(start));
            }
        }
    }
}

/// On Linux, why there is certainly no sound (the kernel lists no sound card), so that ALSA is
/// not asked: asked, it prints its own complaints on standard error.
fn no_sound_card() -> Option<String> {
    if !cfg!(target_os = "linux") {
        return None;
    }
    match std::fs::read_to_string("/proc/asound/cards") {
        Err(_) => Some("this computer has no sound system".to_string()),
        Ok(cards) if cards.contains("no soundcards") => Some("this computer has no sound card".to_string()),
        Ok(_) => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn taken_and_refused_sound_different() {
        let (taken, refused) = (Tone::Taken.notes(), Tone::Refused.notes());
        assert_eq!(taken.len(), 1);
        assert_eq!(refused.len(), 2, "refused is two beeps");
        assert!(taken[0].0 > 4.0 * refused[0].0, "taken is high, refused low");
    }

    #[test]
    fn a_machine_without_sound_is_silent_not_broken() {
        let mut beeper = Beeper::start();
        beeper.play(Tone::Taken);
        beeper.play(Tone::Refused);
        // The thread opens the device (or finds none) at the first tone.
        let start = std::time::Instant::now();
        while beeper.device() == Device::NotYet && start.elapsed() < Duration::from_secs(10) {
            std::thread::sleep(Duration::from_millis(10));
        }
        match beeper.device() {
            Device::Playing | Device::Silent(_) => {}
            Device::NotYet => panic!("the sound thread never looked for a device"),
        }
        assert_eq!(beeper.played, [Tone::Taken, Tone::Refused]);
        beeper.enabled = false;
        beeper.play(Tone::Taken);
        assert_eq!(beeper.played.len(), 2, "turned off, nothing is played");
    }
}
