//! The text inside every Custody QR code.
//!
//! ```text
//! CU1:I:LT-0042      an item        (CU, format version 1, type I, the item's tag)
//! CU1:P:S00123       a person badge (type P, the person's id)
//! CU1:C:BAG-3        a container    (type C, the container's id)
//! ```
//!
//! It is opaque (no URL, no name: a lost label tells a finder nothing), versioned (a future
//! format can be told apart), typed, and uses only characters of QR *alphanumeric mode*
//! (`0-9 A-Z space $ % * + - . / :`), which keeps codes small. Identifiers use `A-Z 0-9 - .`
//! only, up to 24 characters, so the `:` separators are unambiguous.

use std::fmt;

/// The format version this build writes and reads.
pub const VERSION: u32 = 1;
const MAGIC: &str = "CU";
/// What every code of this format begins with: the magic and the version.
pub const PREFIX: &str = "CU1:";
/// Longest identifier, matching the ledger's rule.
pub const MAX_ID_LEN: usize = 24;

/// What a code names.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum CodeKind {
    Item,
    Person,
    Container,
}

impl CodeKind {
    pub const ALL: [CodeKind; 3] = [CodeKind::Item, CodeKind::Person, CodeKind::Container];

    fn letter(self) -> char {
        match self {
            CodeKind::Item => 'I',
            CodeKind::Person => 'P',
            CodeKind::Container => 'C',
        }
    }

    fn from_letter(c: char) -> Option<CodeKind> {
        CodeKind::ALL.into_iter().find(|k| k.letter() == c)
    }
}

/// A decoded Custody code.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Payload {
    pub kind: CodeKind,
    pub id: String,
}

/// Why a scanned text is not a Custody code, one reason each, in words for the desk.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum PayloadError {
    #[error("The code is empty.")]
    Empty,
    #[error("This code is a web address ({0}), not a Custody label.")]
    Url(String),
    #[error("This code is a phone number, not a Custody label.")]
    PhoneNumber,
    #[error("This code belongs to another system ({0:?}), not Custody. Scan the Custody label, or type the tag.")]
    NotCustody(String),
    #[error("This Custody label uses format version {0}, which this version of Custody does not read. Update Custody.")]
    UnknownVersion(String),
    #[error("This Custody label is of an unknown type {0:?}. Reprint it from this version of Custody.")]
    UnknownType(String),
    #[error(
        "This Custody label has a stray character {0:?}; it may be damaged or mistyped. Reprint it, or type the tag."
    )]
    StrayCharacter(char),
    #[error("This Custody label has no identifier after its prefix. Reprint it.")]
    MissingId,
    #[error("This Custody label's identifier is longer than {MAX_ID_LEN} characters. Reprint it.")]
    IdTooLong,
}

impl Payload {
    pub fn item(tag: &str) -> Payload {
        Payload {
            kind: CodeKind::Item,
            id: tag.to_string(),
        }
    }

    pub fn person(id: &str) -> Payload {
        Payload {
            kind: CodeKind::Person,
            id: id.to_string(),
        }
    }

    pub fn container(id: &str) -> Payload {
        Payload {
            kind: CodeKind::Container,
            id: id.to_string(),
        }
    }

    /// The text to put in the QR code. Fails only for an identifier that could not be read back.
    pub fn render(&self) -> Result<String, PayloadError> {
        check_id(&self.id)?;
        Ok(format!("{PREFIX}{}:{}", self.kind.letter(), self.id))
    }

    /// Whether scanned or typed text claims to be a Custody code (it begins with [`PREFIX`], in
    /// any case), so that it is read as one, and refused in words if it is not well formed.
    pub fn claims_to_be_one(text: &str) -> bool {
        // `get`, not slicing: typed text may have a multi-byte character at any position.
        text.trim_start()
            .get(..PREFIX.len())
            .is_some_and(|p| p.eq_ignore_ascii_case(PREFIX))
    }

    /// Reads scanned text strictly: anything but a well-formed Custody code is refused, with
    /// the reason. Surrounding whitespace (a scanner's trailing newline) is ignored.
    pub fn parse(text: &str) -> Result<Payload, PayloadError> {
        let text = text.trim();
        if text.is_empty() {
            return Err(PayloadError::Empty);
        }
        let Some(rest) = text.strip_prefix(MAGIC) else {
            return Err(foreign(text));
        };
        let (version, rest) = rest.split_once(':').ok_or_else(|| foreign(text))?;
        if version.is_empty() || !version.chars().all(|c| c.is_ascii_digit()) {
            return Err(foreign(text));
        }
        // Exactly "1": "01" would read as 1 but is not what Custody prints (found by fuzzing).
        if version != VERSION.to_string() {
            return Err(PayloadError::UnknownVersion(version.to_string()));
        }
        let (letter, id) = rest.split_once(':').ok_or(PayloadError::MissingId)?;
        let mut letters = letter.chars();
        let kind = match (letters.next(), letters.next()) {
            (Some(c), None) => CodeKind::from_letter(c),
            _ => None,
        }
        .ok_or_else(|| PayloadError::UnknownType(letter.to_string()))?;
        check_id(id)?;
        Ok(Payload {
            kind,
            id: id.to_string(),
        })
    }
}

impl fmt::Display for Payload {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{MAGIC}{VERSION}:{}:{}", self.kind.letter(), self.id)
    }
}

fn check_id(id: &str) -> Result<(), PayloadError> {
    if id.is_empty() {
        return Err(PayloadError::MissingId);
    }
    if let Some(c) = id
        .chars()
        .find(|c| !(c.is_ascii_uppercase() || c.is_ascii_digit() || *c == '-' || *c == '.'))
    {
        return Err(PayloadError::StrayCharacter(c));
    }
    if !id.starts_with(|c: char| c.is_ascii_alphanumeric()) {
        return Err(PayloadError::StrayCharacter(id.chars().next().unwrap_or(' ')));
    }
    if id.len() > MAX_ID_LEN {
        return Err(PayloadError::IdTooLong);
    }
    Ok(())
}

/// Names what a non-Custody text looks like, so the clerk knows what they scanned.
fn foreign(text: &str) -> PayloadError {
    let lower = text.to_ascii_lowercase();
    if lower.contains("://") || lower.starts_with("www.") || lower.starts_with("mailto:") {
        let shown: String = text.chars().take(40).collect();
        return PayloadError::Url(shown);
    }
    let digits = text.chars().filter(char::is_ascii_digit).count();
    let phone_like = text
        .trim_start_matches("tel:")
        .chars()
        .all(|c| c.is_ascii_digit() || " +-()".contains(c));
    if phone_like && (7..=15).contains(&digits) {
        return PayloadError::PhoneNumber;
    }
    let shown: String = text.chars().filter(|c| !c.is_control()).take(24).collect();
    PayloadError::NotCustody(shown)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn the_prefix_is_the_magic_and_the_version() {
        assert_eq!(PREFIX, format!("{MAGIC}{VERSION}:"));
        assert!(Payload::claims_to_be_one("cu1:i:lt-1"));
        assert!(!Payload::claims_to_be_one("CU"));
        assert!(!Payload::claims_to_be_one("ČU1:"));
    }

    #[test]
    fn renders_and_parses_each_kind() {
        for p in [
            Payload::item("LT-0042"),
            Payload::person("S00123"),
            Payload::container("BAG-3"),
        ] {
            let text = p.render().unwrap();
            assert!(text.starts_with("CU1:"));
            assert_eq!(Payload::parse(&text).unwrap(), p);
        }
        assert_eq!(Payload::item("LT-0042").render().unwrap(), "CU1:I:LT-0042");
        assert_eq!(Payload::parse(" CU1:I:LT-0042\r\n").unwrap(), Payload::item("LT-0042"));
    }

    #[test]
    fn each_kind_of_wrong_text_has_its_own_error() {
        let cases: &[(&str, PayloadError)] = &[
            ("", PayloadError::Empty),
            (
                "https://example.org/asset/42",
                PayloadError::Url("https://example.org/asset/42".into()),
            ),
            ("+44 20 7946 0958", PayloadError::PhoneNumber),
            ("tel:07700900123", PayloadError::PhoneNumber),
            ("ASSET-000123", PayloadError::NotCustody("ASSET-000123".into())),
            ("CUSTARD", PayloadError::NotCustody("CUSTARD".into())),
            ("CU2:I:LT-0042", PayloadError::UnknownVersion("2".into())),
            ("CU01:I:LT-0042", PayloadError::UnknownVersion("01".into())),
            ("CU1:X:LT-0042", PayloadError::UnknownType("X".into())),
            ("CU1:I:lt-0042", PayloadError::StrayCharacter('l')),
            ("CU1:I:LT 0042", PayloadError::StrayCharacter(' ')),
            ("CU1:I:LT:0042", PayloadError::StrayCharacter(':')),
            ("CU1:I:", PayloadError::MissingId),
            ("CU1:I", PayloadError::MissingId),
            ("CU1:I:ABCDEFGHIJKLMNOPQRSTUVWXYZ", PayloadError::IdTooLong),
        ];
        for (text, expected) in cases {
            assert_eq!(&Payload::parse(text).unwrap_err(), expected, "{text:?}");
        }
    }

    #[test]
    fn payloads_use_only_qr_alphanumeric_characters() {
        let text = Payload::container("CASE-12.B").render().unwrap();
        assert!(
            text.chars()
                .all(|c| "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:".contains(c))
        );
    }

    fn any_payload() -> impl Strategy<Value = Payload> {
        (prop::sample::select(CodeKind::ALL.to_vec()), "[A-Z0-9][A-Z0-9.-]{0,23}")
            .prop_map(|(kind, id)| Payload { kind, id })
    }

    proptest! {
        #[test]
        fn parse_inverts_render(p in any_payload()) {
            prop_assert_eq!(Payload::parse(&p.render().unwrap()).unwrap(), p);
        }

        #[test]
        fn no_input_panics(text in any::<String>()) {
            let _ = Payload::parse(&text);
        }

        #[test]
        fn near_misses_never_panic(text in "CU[0-9]{0,3}:?[A-Z:]{0,3}[ -~]{0,30}") {
            let _ = Payload::parse(&text);
        }
    }
}
