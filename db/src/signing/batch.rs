//! Many entry signatures checked at once, for `verify` and for pulls: about five times
//! faster than one by one, because a batch is one multiscalar sum and each author's key, met
//! thousands of times, enters it once.
//!
//! Ed25519's signature (R, s) of M by A holds when [s]B = R + [k]A, k = SHA-512(R ‖ A ‖ M).
//! For random 128-bit z_i, the batch holds when
//! [8]( −(Σ z_i·s_i)·B + Σ z_i·R_i + Σ_A (Σ_{i by A} z_i·k_i)·A ) is the identity; a batch
//! with a wrong signature passes only with probability 2⁻¹²⁸, the z_i being unknown to whoever
//! wrote the file. A batch that fails is checked one by one, strictly, to name the first bad one.

use std::sync::OnceLock;
use std::sync::atomic::{AtomicU64, Ordering};

use curve25519_dalek::constants::ED25519_BASEPOINT_POINT;
use curve25519_dalek::edwards::{CompressedEdwardsY, EdwardsPoint};
use curve25519_dalek::scalar::Scalar;
use curve25519_dalek::traits::{IsIdentity, VartimeMultiscalarMul};
use sha2::{Digest, Sha512};

use super::{ENTRY_SIGNATURE_PREFIX, PublicKey};

/// One entry's signature, with the key it must have been made with.
#[derive(Clone, Debug)]
pub struct SignedEntry {
    pub key: [u8; 32],
    pub hash: [u8; 32],
    pub signature: Vec<u8>,
}

/// The place in `entries` of the first signature that does not hold, if any.
pub fn first_failing(entries: &[SignedEntry]) -> Option<usize> {
    if all_hold(entries) {
        return None;
    }
    entries
        .iter()
        .position(|e| !PublicKey::from_bytes(&e.key).is_some_and(|key| key.verifies(&e.hash, &e.signature)))
}

/// Whether every signature of the batch holds (see the module's note).
fn all_hold(entries: &[SignedEntry]) -> bool {
    let mut weights = Weights::new();
    let mut base = Scalar::ZERO;
    let mut keys: Vec<([u8; 32], EdwardsPoint, Scalar)> = Vec::new();
    let mut scalars = Vec::with_capacity(entries.len() + 8);
    let mut points = Vec::with_capacity(entries.len() + 8);
    for entry in entries {
        let Ok(signature) = <&[u8; 64]>::try_from(entry.signature.as_slice()) else {
            return false;
        };
        let (r, s) = signature.split_at(32);
        let Some(r_point) = CompressedEdwardsY::from_slice(r).ok().and_then(|r| r.decompress()) else {
            return false;
        };
        let Some(s) = Option::<Scalar>::from(Scalar::from_canonical_bytes(s.try_into().unwrap_or([0xff; 32]))) else {
            return false;
        };
        let k = Scalar::from_bytes_mod_order_wide(
            &Sha512::new()
                .chain_update(r)
                .chain_update(entry.key)
                .chain_update(ENTRY_SIGNATURE_PREFIX)
                .chain_update(entry.hash)
                .finalize()
                .into(),
        );
        let z = weights.next();
        base -= z * s;
        scalars.push(z);
        points.push(r_point);
        match keys.iter_mut().find(|(bytes, _, _)| *bytes == entry.key) {
            Some((_, _, sum)) => *sum += z * k,
            None => {
                let Some(point) = CompressedEdwardsY(entry.key).decompress() else {
                    return false;
                };
                keys.push((entry.key, point, z * k));
            }
        }
    }
    scalars.push(base);
    points.push(ED25519_BASEPOINT_POINT);
    for (_, point, sum) in keys {
        scalars.push(sum);
        points.push(point);
    }
    EdwardsPoint::vartime_multiscalar_mul(scalars, points)
        .mul_by_cofactor()
        .is_identity()
}

/// The batch's random 128-bit weights: SHA-512 of a secret drawn once per process, the batch's
/// number and a counter, four weights to a digest.
struct Weights {
    batch: u64,
    counter: u64,
    digest: [u8; 64],
    used: usize,
}

impl Weights {
    fn new() -> Weights {
        static BATCHES: AtomicU64 = AtomicU64::new(0);
        Weights {
            batch: BATCHES.fetch_add(1, Ordering::Relaxed),
            counter: 0,
            digest: [0; 64],
            used: 4,
        }
    }

    fn next(&mut self) -> Scalar {
        if self.used == 4 {
            self.digest = Sha512::new()
                .chain_update(secret())
                .chain_update(self.batch.to_le_bytes())
                .chain_update(self.counter.to_le_bytes())
                .finalize()
                .into();
            self.counter += 1;
            self.used = 0;
        }
        let mut weight = [0u8; 16];
        weight.copy_from_slice(&self.digest[self.used * 16..(self.used + 1) * 16]);
        self.used += 1;
        Scalar::from(u128::from_le_bytes(weight))
    }
}

/// Drawn from the operating system once; if it gives none, from the clock and the process, so
/// that the weights are still unknown before the file was written.
fn secret() -> &'static [u8; 32] {
    static SECRET: OnceLock<[u8; 32]> = OnceLock::new();
    SECRET.get_or_init(|| {
        let mut secret = [0u8; 32];
        if getrandom::fill(&mut secret).is_err() {
            let fallback = format!("{:?} {}", std::time::SystemTime::now(), std::process::id());
            secret = sha2::Sha256::digest(fallback.as_bytes()).into();
        }
        secret
    })
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::signing::Signer;

    fn signed(signers: &[Signer], n: usize) -> Vec<SignedEntry> {
        (0..n)
            .map(|i| {
                let signer = &signers[i % signers.len()];
                let hash = [i as u8; 32];
                SignedEntry {
                    key: signer.public_key(),
                    hash,
                    signature: signer.sign_entry(&hash).to_vec(),
                }
            })
            .collect()
    }

    #[test]
    fn a_batch_of_good_signatures_holds() {
        let signers = [Signer::generate("a").unwrap(), Signer::generate("b").unwrap()];
        let batch = signed(&signers, 100);
        assert!(all_hold(&batch), "held as a batch, not one by one");
        assert_eq!(first_failing(&batch), None);
        assert_eq!(first_failing(&[]), None);
    }

    /// Each kind of bad signature, anywhere in a batch, is found and its place named.
    #[test]
    fn the_first_bad_signature_is_named() {
        let signers = [Signer::generate("a").unwrap(), Signer::generate("b").unwrap()];
        let good = signed(&signers, 50);
        type Spoil = fn(&mut SignedEntry);
        let spoil: [(&str, Spoil); 6] = [
            ("a bit of s", |e| e.signature[40] ^= 1),
            ("a bit of R", |e| e.signature[3] ^= 1),
            ("another entry's hash", |e| e.hash[0] ^= 1),
            ("another author's key", |e| {
                e.key = Signer::generate("c").unwrap().public_key()
            }),
            ("blank", |e| e.signature = vec![0; 64]),
            ("cut short", |e| e.signature.truncate(63)),
        ];
        for (what, spoil) in spoil {
            for at in [0, 17, 49] {
                let mut batch = good.clone();
                spoil(&mut batch[at]);
                assert!(!all_hold(&batch), "{what} at {at}: the batch fails");
                assert_eq!(first_failing(&batch), Some(at), "{what} at {at}");
            }
        }
        let mut swapped = good.clone();
        let (first, second) = (swapped[0].signature.clone(), swapped[2].signature.clone());
        (swapped[0].signature, swapped[2].signature) = (second, first);
        assert_eq!(first_failing(&swapped), Some(0), "two signatures swapped");
    }
}
