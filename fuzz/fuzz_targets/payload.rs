//! The QR payload parser takes whatever a camera or scanner gives it: it must never panic, and
//! what it accepts must render back to the same text.
#![no_main]

use custody_labels::Payload;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    if let Ok(payload) = Payload::parse(text) {
        assert_eq!(payload.render().as_deref(), Ok(text.trim()));
    }
});
