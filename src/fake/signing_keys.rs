//! The keys GetWebIdentityToken signs with, and the JWKS that publishes them. Both derive from the
//! server's root secret, so with a `seed` they are the same after a restart:
//! - ES384: the P-384 scalar is HMAC-derived (p384, RFC 6979 signatures: deterministic);
//! - RS256: a 2048-bit key generated from a ChaCha20 stream seeded the same way (rsa), on first use
//!   (generation takes a moment), then signed with by ring.

use std::sync::OnceLock;

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use p384::ecdsa::signature::Signer;
use p384::ecdsa::{Signature, SigningKey};
use rand_chacha::ChaCha20Rng;
use rand_chacha::rand_core::SeedableRng;
use ring::hmac;
use ring::rand::SystemRandom;
use ring::signature::{RSA_PKCS1_SHA256, RsaKeyPair, RsaPublicKeyComponents};
use rsa::pkcs8::EncodePrivateKey;
use serde_json::{Value, json};

/// The algorithms GetWebIdentityToken offers.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Algorithm {
    Rs256,
    Es384,
}

impl Algorithm {
    pub fn parse(name: &str) -> Option<Algorithm> {
        match name {
            "RS256" => Some(Algorithm::Rs256),
            "ES384" => Some(Algorithm::Es384),
            _ => None,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Algorithm::Rs256 => "RS256",
            Algorithm::Es384 => "ES384",
        }
    }
}

pub struct SigningKeys {
    seed: [u8; 32],
    es384: OnceLock<Option<(SigningKey, String)>>,
    rs256: OnceLock<Option<(RsaKeyPair, String)>>,
}

impl SigningKeys {
    pub fn new(seed: [u8; 32]) -> SigningKeys {
        SigningKeys {
            seed,
            es384: OnceLock::new(),
            rs256: OnceLock::new(),
        }
    }

    fn derive(&self, label: &[u8]) -> hmac::Tag {
        hmac::sign(&hmac::Key::new(hmac::HMAC_SHA256, &self.seed), label)
    }

    fn es384(&self) -> Option<&(SigningKey, String)> {
        self.es384
            .get_or_init(|| {
                // A 48-byte scalar from two HMAC blocks; the rare value outside the curve order is
                // skipped by trying the next counter.
                (0u8..=255).find_map(|counter| {
                    let mut scalar = [0u8; 48];
                    scalar[..32].copy_from_slice(self.derive(&[b'e', b's', 1, counter]).as_ref());
                    scalar[32..]
                        .copy_from_slice(&self.derive(&[b'e', b's', 2, counter]).as_ref()[..16]);
                    let key = SigningKey::from_slice(&scalar).ok()?;
                    let kid = kid(&self.derive(b"es384-kid"));
                    Some((key, kid))
                })
            })
            .as_ref()
    }

    fn rs256(&self) -> Option<&(RsaKeyPair, String)> {
        self.rs256
            .get_or_init(|| {
                let mut seed = [0u8; 32];
                seed.copy_from_slice(self.derive(b"rs256").as_ref());
                let mut rng = ChaCha20Rng::from_seed(seed);
                let key = rsa::RsaPrivateKey::new(&mut rng, 2048).ok()?;
                let der = key.to_pkcs8_der().ok()?;
                let pair = RsaKeyPair::from_pkcs8(der.as_bytes()).ok()?;
                Some((pair, kid(&self.derive(b"rs256-kid"))))
            })
            .as_ref()
    }

    /// A compact JWS of `claims` (a JSON object), or `None` if the key could not be made.
    pub fn sign(&self, algorithm: Algorithm, claims: &[u8]) -> Option<String> {
        let kid = match algorithm {
            Algorithm::Es384 => &self.es384()?.1,
            Algorithm::Rs256 => &self.rs256()?.1,
        };
        let header = json!({"alg": algorithm.name(), "kid": kid, "typ": "JWT"});
        let input = format!(
            "{}.{}",
            URL_SAFE_NO_PAD.encode(header.to_string()),
            URL_SAFE_NO_PAD.encode(claims)
        );
        let signature = match algorithm {
            Algorithm::Es384 => {
                let signature: Signature = self.es384()?.0.sign(input.as_bytes());
                signature.to_bytes().to_vec()
            }
            Algorithm::Rs256 => {
                let pair = &self.rs256()?.0;
                let mut out = vec![0u8; pair.public().modulus_len()];
                pair.sign(
                    &RSA_PKCS1_SHA256,
                    &SystemRandom::new(),
                    input.as_bytes(),
                    &mut out,
                )
                .ok()?;
                out
            }
        };
        Some(format!("{input}.{}", URL_SAFE_NO_PAD.encode(signature)))
    }

    /// `{"keys":[...]}` with both public keys.
    pub fn jwks(&self) -> Value {
        let mut keys = Vec::new();
        if let Some((key, kid)) = self.rs256() {
            let public: RsaPublicKeyComponents<Vec<u8>> = key.public().into();
            keys.push(json!({
                "kty": "RSA",
                "use": "sig",
                "alg": "RS256",
                "kid": kid,
                "n": URL_SAFE_NO_PAD.encode(&public.n),
                "e": URL_SAFE_NO_PAD.encode(&public.e),
            }));
        }
        if let Some((key, kid)) = self.es384() {
            let point = key.verifying_key().to_encoded_point(false);
            let (Some(x), Some(y)) = (point.x(), point.y()) else {
                return json!({ "keys": keys });
            };
            keys.push(json!({
                "kty": "EC",
                "use": "sig",
                "alg": "ES384",
                "kid": kid,
                "crv": "P-384",
                "x": URL_SAFE_NO_PAD.encode(x),
                "y": URL_SAFE_NO_PAD.encode(y),
            }));
        }
        json!({ "keys": keys })
    }
}

fn kid(tag: &hmac::Tag) -> String {
    URL_SAFE_NO_PAD.encode(&tag.as_ref()[..12])
}
