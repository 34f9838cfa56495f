//! Who did what, proven. Each operator has an Ed25519 key pair: the public half is on their
//! record; the private half is on it too, sealed (ChaCha20-Poly1305) under a key that only their
//! password yields (see `operator::Hashing::derive`), so it travels with the register and they
//! can sign at any desk, while nobody holding the file can sign as them. Every entry carries its
//! author's signature over its hash (`signatures`, beside the chain); `verify` checks each one
//! against the key the author's record held at that moment.

pub mod batch;

use chacha20poly1305::aead::{Aead, KeyInit, Payload};
use chacha20poly1305::{ChaCha20Poly1305, Nonce};
use ed25519_dalek::{Signature, Signer as _, SigningKey, VerifyingKey};
use sha2::{Digest, Sha256};

use crate::error::{Error, Result};
use crate::event::to_hex;

/// What a signature covers: this prefix, then the entry's 32-byte hash.
pub const ENTRY_SIGNATURE_PREFIX: &[u8] = b"custody-entry-signature-v1";
/// Bound to each sealed key as associated data, with the operator's id and public key, so a
/// sealed key copied onto another operator's record does not open.
const SEAL_PREFIX: &[u8] = b"custody-sealed-key-v1";

/// An operator's unsealed private key, held in memory while they are signed in (shared by the
/// connections that act for them). Never printed, logged or stored unsealed; zeroed when the
/// last of them is dropped.
#[derive(Clone)]
pub struct Signer {
    operator: String,
    key: std::sync::Arc<SigningKey>,
}

impl std::fmt::Debug for Signer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Signer({}, key {})", self.operator, fingerprint(&self.public_key()))
    }
}

impl Signer {
    /// A new key pair for `operator`.
    pub(crate) fn generate(operator: &str) -> Result<Signer> {
        let mut secret = [0u8; 32];
        getrandom::fill(&mut secret).map_err(|e| Error::InvalidText {
            field: "signing key",
            why: format!("this computer gave no random numbers to make it ({e})"),
        })?;
        Ok(Signer {
            operator: operator.to_string(),
            key: std::sync::Arc::new(SigningKey::from_bytes(&secret)),
        })
    }

    pub fn operator(&self) -> &str {
        &self.operator
    }

    pub fn public_key(&self) -> [u8; 32] {
        self.key.verifying_key().to_bytes()
    }

    /// The signature of an entry whose hash is `hash`.
    pub fn sign_entry(&self, hash: &[u8; 32]) -> [u8; 64] {
        self.key.sign(&entry_message(hash)).to_bytes()
    }

    /// The private key sealed under `seal_key` (from the operator's password), as hex: a random
    /// nonce, then the ciphertext with its tag.
    pub(crate) fn seal(&self, seal_key: &[u8; 32]) -> Result<String> {
        let mut nonce = [0u8; 12];
        getrandom::fill(&mut nonce).map_err(|e| Error::InvalidText {
            field: "signing key",
            why: format!("this computer gave no random numbers to seal it ({e})"),
        })?;
        let aad = seal_aad(&self.operator, &self.public_key());
        let sealed = ChaCha20Poly1305::new(seal_key.into())
            .encrypt(
                &Nonce::from(nonce),
                Payload {
                    msg: self.key.as_bytes(),
                    aad: &aad,
                },
            )
            .map_err(|_| Error::InvalidText {
                field: "signing key",
                why: "it could not be sealed".to_string(),
            })?;
        Ok(to_hex(&[nonce.as_slice(), &sealed].concat()))
    }

    /// Opens a sealed key: `None` when the seal key is not the one it was sealed under, or the
    /// sealed key, the operator or the public key was changed.
    pub(crate) fn unseal(operator: &str, public_key: &[u8; 32], sealed: &str, seal_key: &[u8; 32]) -> Option<Signer> {
        let bytes = crate::event::hex_bytes(sealed)?;
        let (nonce, body) = bytes.split_at_checked(12)?;
        let aad = seal_aad(operator, public_key);
        let secret = ChaCha20Poly1305::new(seal_key.into())
            .decrypt(&Nonce::try_from(nonce).ok()?, Payload { msg: body, aad: &aad })
            .ok()?;
        let secret: [u8; 32] = secret.try_into().ok()?;
        let key = SigningKey::from_bytes(&secret);
        (key.verifying_key().to_bytes() == *public_key).then(|| Signer {
            operator: operator.to_string(),
            key: std::sync::Arc::new(key),
        })
    }
}

/// Whether `signature` is the holder of `public_key`'s signature of the entry hashed `hash`.
pub fn verify_entry(public_key: &[u8; 32], hash: &[u8; 32], signature: &[u8]) -> bool {
    PublicKey::from_bytes(public_key).is_some_and(|key| key.verifies(hash, signature))
}

/// A public key read once (its point decompressed), to check many signatures with.
#[derive(Clone, Copy, Debug)]
pub struct PublicKey(VerifyingKey);

impl PublicKey {
    pub fn from_bytes(bytes: &[u8; 32]) -> Option<PublicKey> {
        VerifyingKey::from_bytes(bytes).ok().map(PublicKey)
    }

    /// Whether `signature` is this key's signature of the entry hashed `hash`.
    pub fn verifies(&self, hash: &[u8; 32], signature: &[u8]) -> bool {
        Signature::from_slice(signature).is_ok_and(|s| self.0.verify_strict(&entry_message(hash), &s).is_ok())
    }
}

/// A public key as people read and compare it on paper: "SHA256:3f2a 9c01 …" (the first 16
/// bytes of its SHA-256, in groups of four hex digits).
pub fn fingerprint(public_key: &[u8; 32]) -> String {
    let digest = Sha256::digest(public_key);
    let hex = to_hex(&digest[..16]);
    let groups: Vec<&str> = (0..hex.len()).step_by(4).map(|i| &hex[i..i + 4]).collect();
    format!("SHA256:{}", groups.join(" "))
}

/// A public key from its hex, as records carry it.
pub fn public_key_from_hex(text: &str) -> Option<[u8; 32]> {
    crate::event::hex_bytes(text)?.try_into().ok()
}

fn entry_message(hash: &[u8; 32]) -> Vec<u8> {
    [ENTRY_SIGNATURE_PREFIX, hash.as_slice()].concat()
}

fn seal_aad(operator: &str, public_key: &[u8; 32]) -> Vec<u8> {
    [SEAL_PREFIX, operator.as_bytes(), b"\0", public_key.as_slice()].concat()
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn a_signature_checks_only_for_its_entry_and_its_key() {
        let alice = Signer::generate("alice").unwrap();
        let bob = Signer::generate("bob").unwrap();
        let hash = [7u8; 32];
        let signed = alice.sign_entry(&hash);
        assert!(verify_entry(&alice.public_key(), &hash, &signed));
        assert!(!verify_entry(&bob.public_key(), &hash, &signed), "another's key");
        assert!(!verify_entry(&alice.public_key(), &[8u8; 32], &signed), "another entry");
        assert!(!verify_entry(&alice.public_key(), &hash, &[0u8; 64]), "blank");
        assert!(!verify_entry(&alice.public_key(), &hash, &signed[..10]), "cut short");
    }

    #[test]
    fn a_sealed_key_opens_only_with_its_seal_for_its_operator() {
        let alice = Signer::generate("alice").unwrap();
        let seal = [1u8; 32];
        let sealed = alice.seal(&seal).unwrap();
        let public = alice.public_key();
        let opened = Signer::unseal("alice", &public, &sealed, &seal).unwrap();
        assert_eq!(opened.public_key(), public);
        assert!(
            Signer::unseal("alice", &public, &sealed, &[2u8; 32]).is_none(),
            "wrong password"
        );
        assert!(
            Signer::unseal("mallory", &public, &sealed, &seal).is_none(),
            "copied onto another"
        );
        let mut edited = sealed.clone();
        edited.replace_range(30..32, if &sealed[30..32] == "00" { "01" } else { "00" });
        assert!(Signer::unseal("alice", &public, &edited, &seal).is_none(), "edited");
        assert!(
            !format!("{alice:?}").contains(&to_hex(alice.key.as_bytes())),
            "never printed"
        );
    }

    #[test]
    fn a_fingerprint_reads_in_groups() {
        let f = fingerprint(&[0u8; 32]);
        assert!(f.starts_with("SHA256:") && f.split(' ').count() == 8, "{f}");
    }
}
