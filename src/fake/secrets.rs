//! The server's keys, all derived from one 32-byte root: from the seed when one is set (stable across
//! restarts, so a CI job's cached credentials keep working), random otherwise.

use ring::aead::{CHACHA20_POLY1305, LessSafeKey, UnboundKey};
use ring::digest;
use ring::hmac;
use ring::rand::{SecureRandom, SystemRandom};

/// The root of role and user ids when no seed is set: public, since an id is no secret.
const DEFAULT_ID_ROOT: &[u8] = b"parlel-sts default ids v1";

pub struct Secrets {
    /// Seals session tokens (ChaCha20-Poly1305).
    pub token_seal: LessSafeKey,
    /// With a seed, derives each token's nonce from its plaintext (deterministic, misuse-resistant).
    pub token_nonce: hmac::Key,
    /// Stable unique ids (`AROA`, `AIDA`) for (account, name): from the seed, or a fixed key.
    pub unique_id: hmac::Key,
    /// The per-request random stream.
    pub request_stream: hmac::Key,
    /// Seals encoded authorization messages and trade-in tokens (`sealed`).
    pub blob_seal: LessSafeKey,
    /// Seeds GetWebIdentityToken's signing keys (ES384 and RS256).
    pub signing_key_seed: [u8; 32],
    /// Derived from a seed: the same keys (and random stream) after every restart.
    pub seeded: bool,
}

impl Secrets {
    pub fn from_seed(seed: Option<u64>) -> Secrets {
        let root: [u8; 32] = match seed {
            Some(seed) => {
                let mut ctx = digest::Context::new(&digest::SHA256);
                ctx.update(b"parlel-sts seed v1:");
                ctx.update(&seed.to_be_bytes());
                let mut root = [0; 32];
                root.copy_from_slice(ctx.finish().as_ref());
                root
            }
            None => {
                let mut root = [0; 32];
                // SystemRandom only fails when the OS has no entropy source; then a time-based root
                // still keeps ids distinct between runs.
                if SystemRandom::new().fill(&mut root).is_err() {
                    let nanos = std::time::SystemTime::now()
                        .duration_since(std::time::UNIX_EPOCH)
                        .map_or(0, |d| d.as_nanos());
                    root[..16].copy_from_slice(&nanos.to_be_bytes());
                }
                root
            }
        };
        let root = hmac::Key::new(hmac::HMAC_SHA256, &root);
        let derive = |label: &[u8]| hmac::sign(&root, label);
        let seal = derive(b"token-seal");
        let blob = derive(b"blob-seal");
        let aead_key = |key: &hmac::Tag| {
            LessSafeKey::new(
                UnboundKey::new(&CHACHA20_POLY1305, key.as_ref())
                    .unwrap_or_else(|_| unreachable!("32-byte key for a 32-byte cipher")),
            )
        };
        // Role and user ids are properties of (account, name), as on AWS: without a seed they come
        // from a fixed key, so they stay the same across restarts; a seed makes them its own.
        let unique_id = match seed {
            Some(_) => derive(b"unique-id"),
            None => hmac::sign(
                &hmac::Key::new(hmac::HMAC_SHA256, DEFAULT_ID_ROOT),
                b"unique-id",
            ),
        };
        Secrets {
            token_seal: aead_key(&seal),
            token_nonce: hmac::Key::new(hmac::HMAC_SHA256, derive(b"token-nonce").as_ref()),
            unique_id: hmac::Key::new(hmac::HMAC_SHA256, unique_id.as_ref()),
            request_stream: hmac::Key::new(hmac::HMAC_SHA256, derive(b"request-stream").as_ref()),
            blob_seal: aead_key(&blob),
            signing_key_seed: {
                let mut seed = [0u8; 32];
                seed.copy_from_slice(derive(b"signing-keys").as_ref());
                seed
            },
            seeded: seed.is_some(),
        }
    }
}
