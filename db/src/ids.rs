//! Identifiers (item tags, person ids, container ids) and free text, checked on the way in.
//!
//! Identifiers go on printed QR labels, which use QR alphanumeric mode: upper-case letters,
//! digits and a little punctuation. We allow `A-Z`, `0-9`, `-` and `.`, upper-case what the
//! user typed, and refuse anything else, so a tag is the same on screen, on paper and in a code.

use crate::Error;

/// Longest identifier accepted; a label prints it in large type.
pub const MAX_ID_LEN: usize = 24;
/// Longest name or note accepted.
pub const MAX_TEXT_LEN: usize = 500;

/// What an identifier names, for error messages.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum IdKind {
    Tag,
    Person,
    Container,
}

impl IdKind {
    fn noun(self) -> &'static str {
        match self {
            IdKind::Tag => "item tag",
            IdKind::Person => "person id",
            IdKind::Container => "container id",
        }
    }
}

/// Upper-cases and checks an identifier typed by a user or read from a file.
pub fn normalise_id(kind: IdKind, raw: &str) -> Result<String, Error> {
    let id = raw.trim().to_ascii_uppercase();
    let problem = if id.is_empty() {
        Some("it is empty".to_string())
    } else if id.chars().count() > MAX_ID_LEN {
        Some(format!("it is longer than {MAX_ID_LEN} characters"))
    } else if let Some(c) = id
        .chars()
        .find(|c| !(c.is_ascii_alphanumeric() || *c == '-' || *c == '.'))
    {
        Some(format!("it contains {c:?}"))
    } else if !id.starts_with(|c: char| c.is_ascii_alphanumeric()) {
        Some("it must start with a letter or a digit".to_string())
    } else {
        None
    };
    match problem {
        None => Ok(id),
        Some(why) => Err(Error::InvalidId {
            what: kind.noun(),
            value: raw.to_string(),
            why,
        }),
    }
}

/// Yes or no as a person types it (also y/n, true/false, 1/0, in any case).
pub fn parse_yes_no(field: &'static str, raw: &str) -> Result<bool, Error> {
    match raw.trim().to_ascii_lowercase().as_str() {
        "yes" | "y" | "true" | "1" => Ok(true),
        "no" | "n" | "false" | "0" => Ok(false),
        _ => Err(Error::InvalidText {
            field,
            why: format!("{raw:?} is neither yes nor no"),
        }),
    }
}

/// A count a person types: a whole number, 0 or more.
pub fn parse_count(field: &'static str, raw: &str) -> Result<u32, Error> {
    raw.trim().parse::<u32>().map_err(|_| Error::InvalidText {
        field,
        why: format!("{raw:?} is not a whole number of 0 or more"),
    })
}

/// Checks a required piece of free text (a name): not blank, not too long, no control characters.
pub fn required_text(field: &'static str, raw: &str) -> Result<String, Error> {
    match optional_text(field, Some(raw))? {
        Some(text) => Ok(text),
        None => Err(Error::InvalidText {
            field,
            why: "it is empty".to_string(),
        }),
    }
}

/// Checks optional free text (a note, a reason); blank becomes `None`.
pub fn optional_text(field: &'static str, raw: Option<&str>) -> Result<Option<String>, Error> {
    let Some(text) = raw.map(str::trim).filter(|t| !t.is_empty()) else {
        return Ok(None);
    };
    if text.chars().count() > MAX_TEXT_LEN {
        return Err(Error::InvalidText {
            field,
            why: format!("it is longer than {MAX_TEXT_LEN} characters"),
        });
    }
    if let Some(c) = text.chars().find(|c| c.is_control()) {
        return Err(Error::InvalidText {
            field,
            why: format!("it contains the control character U+{:04X}", u32::from(c)),
        });
    }
    if let Some(c) = text.chars().find(|&c| is_bidi_control(c)) {
        return Err(Error::InvalidText {
            field,
            why: format!(
                "it contains U+{:04X}, an invisible character that changes the direction of the text (a list could show something other than what is stored)",
                u32::from(c)
            ),
        });
    }
    if let Some(c) = text.chars().find(|&c| is_invisible(c)) {
        return Err(Error::InvalidText {
            field,
            why: format!(
                "it contains U+{:04X}, an invisible character (a name with it looks the same as one without, but is not found by a search for it); type the text again without pasting it",
                u32::from(c)
            ),
        });
    }
    Ok(Some(text.to_string()))
}

/// Characters that show nothing and join or split nothing a reader needs: a zero-width space,
/// a soft hyphen, a word joiner, a byte-order mark. (The zero-width joiners are left: some
/// scripts need them.)
fn is_invisible(c: char) -> bool {
    matches!(c, '\u{00AD}' | '\u{180E}' | '\u{200B}' | '\u{2060}' | '\u{FEFF}')
}

/// Unicode's bidirectional formatting characters: invisible, and able to make a list read
/// differently from what it holds ("Trojan Source").
fn is_bidi_control(c: char) -> bool {
    matches!(c, '\u{061C}' | '\u{200E}' | '\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn invisible_characters_are_refused_like_the_other_hidden_ones() {
        for hidden in ['\u{200B}', '\u{00AD}', '\u{FEFF}', '\u{2060}', '\u{202E}', '\u{0007}'] {
            let name = format!("Sam{hidden} Jones");
            let err = required_text("name", &name).unwrap_err().to_string();
            assert!(err.contains(&format!("U+{:04X}", u32::from(hidden))), "{err}");
        }
        assert_eq!(required_text("name", "Zoë O'Brien-Smith").unwrap(), "Zoë O'Brien-Smith");
    }

    #[test]
    fn ids_are_upper_cased_and_trimmed() {
        assert_eq!(normalise_id(IdKind::Tag, " lt-0042 ").unwrap(), "LT-0042");
    }

    #[test]
    fn bad_ids_say_why() {
        for (raw, why) in [
            ("", "empty"),
            ("LT 42", "' '"),
            ("-LT", "start with"),
            ("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "longer"),
            ("LT/42", "'/'"),
        ] {
            let msg = normalise_id(IdKind::Tag, raw).unwrap_err().to_string();
            assert!(msg.contains(why), "{raw:?}: {msg}");
            assert!(msg.contains("item tag"), "{msg}");
        }
    }

    #[test]
    fn text_refuses_control_characters_and_blank() {
        assert!(required_text("name", "  ").is_err());
        assert!(required_text("name", "Sam\u{7}").is_err());
        let reversed = required_text("name", "Sam \u{202E}senoJ").unwrap_err().to_string();
        assert!(
            reversed.contains("U+202E") && reversed.contains("direction"),
            "{reversed}"
        );
        assert!(required_text("name", "Zoë Ó Briain").is_ok());
        assert_eq!(optional_text("note", Some("  ")).unwrap(), None);
        assert_eq!(required_text("name", " Sam Jones ").unwrap(), "Sam Jones");
    }
}
