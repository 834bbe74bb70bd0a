//! Self-describing session tokens. A SessionToken is an authenticated, encrypted blob holding the
//! session itself (principal, times, chain, MFA, source identity, tags, its access key id), so memory
//! does not grow with the number of sessions issued. Layout, base64 (standard alphabet):
//! `version (1) | key epoch (4, big-endian) | nonce (12) | ChaCha20-Poly1305(claims JSON) + tag (16)`.
//! The epoch is authenticated as associated data; `reset` starts a new one, and tokens of any other
//! epoch are "never issued here".

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use ring::aead::{Aad, NONCE_LEN, Nonce};
use ring::hmac;
use serde::{Deserialize, Serialize};

use super::principal::Principal;
use super::secrets::Secrets;

const VERSION: u8 = 0x21;
const HEADER: usize = 1 + 4 + NONCE_LEN;

/// How a session came to be: decides what its credentials may call.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Origin {
    #[serde(rename = "ar")]
    AssumeRole,
    #[serde(rename = "st")]
    SessionToken,
    #[serde(rename = "ft")]
    FederationToken,
    #[serde(rename = "rt")]
    AssumeRoot,
    #[serde(rename = "wi")]
    WebIdentity,
    #[serde(rename = "sa")]
    Saml,
    #[serde(rename = "dt")]
    DelegatedAccessToken,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct SessionClaims {
    #[serde(rename = "k")]
    pub access_key_id: String,
    #[serde(rename = "p")]
    pub principal: Principal,
    #[serde(rename = "o")]
    pub origin: Origin,
    /// Seconds since the epoch.
    #[serde(rename = "i")]
    pub issued: i64,
    #[serde(rename = "e")]
    pub expires: i64,
    /// 0 for a session from long-term credentials, +1 per role-chaining hop.
    #[serde(rename = "c", default)]
    pub chain_depth: u8,
    #[serde(rename = "m", default)]
    pub mfa: bool,
    #[serde(rename = "si", default, skip_serializing_if = "Option::is_none")]
    pub source_identity: Option<String>,
    #[serde(rename = "t", default, skip_serializing_if = "Vec::is_empty")]
    pub tags: Vec<(String, String)>,
    /// Keys of `tags` that pass on to chained sessions.
    #[serde(rename = "tt", default, skip_serializing_if = "Vec::is_empty")]
    pub transitive_tag_keys: Vec<String>,
}

impl SessionClaims {
    /// A session of `principal` from `now` for `duration` seconds; the rest starts empty and the
    /// access key id is filled in when credentials are issued.
    pub fn new(principal: Principal, origin: Origin, now: i64, duration: i32) -> SessionClaims {
        SessionClaims {
            access_key_id: String::new(),
            principal,
            origin,
            issued: now,
            expires: now.saturating_add(i64::from(duration)),
            chain_depth: 0,
            mfa: false,
            source_identity: None,
            tags: Vec::new(),
            transitive_tag_keys: Vec::new(),
        }
    }
}

/// Why a token could not be opened: in permissive mode both mean "not issued here".
#[derive(Debug, PartialEq, Eq)]
pub enum OpenError {
    Malformed,
    OtherEpochOrServer,
}

pub fn seal(secrets: &Secrets, epoch: u32, claims: &SessionClaims) -> String {
    let plaintext = serde_json::to_vec(claims).unwrap_or_default();
    let mut nonce = [0u8; NONCE_LEN];
    let tag = hmac::sign(&secrets.token_nonce, &plaintext);
    nonce.copy_from_slice(&tag.as_ref()[..NONCE_LEN]);

    let mut out = Vec::with_capacity(HEADER + plaintext.len() + 16);
    out.push(VERSION);
    out.extend_from_slice(&epoch.to_be_bytes());
    out.extend_from_slice(&nonce);
    let mut body = plaintext;
    // Sealing fails only for inputs larger than the cipher's limit (256 GiB); claims are small.
    if secrets
        .token_seal
        .seal_in_place_append_tag(
            Nonce::assume_unique_for_key(nonce),
            Aad::from(epoch.to_be_bytes()),
            &mut body,
        )
        .is_err()
    {
        body.clear();
    }
    out.extend_from_slice(&body);
    STANDARD.encode(out)
}

pub fn open(secrets: &Secrets, epoch: u32, token: &str) -> Result<SessionClaims, OpenError> {
    let mut raw = STANDARD.decode(token).map_err(|_| OpenError::Malformed)?;
    if raw.len() < HEADER + 16 || raw[0] != VERSION {
        return Err(OpenError::Malformed);
    }
    let mut epoch_bytes = [0u8; 4];
    epoch_bytes.copy_from_slice(&raw[1..5]);
    if u32::from_be_bytes(epoch_bytes) != epoch {
        return Err(OpenError::OtherEpochOrServer);
    }
    let mut nonce = [0u8; NONCE_LEN];
    nonce.copy_from_slice(&raw[5..HEADER]);
    let plaintext = secrets
        .token_seal
        .open_in_place(
            Nonce::assume_unique_for_key(nonce),
            Aad::from(epoch_bytes),
            &mut raw[HEADER..],
        )
        .map_err(|_| OpenError::OtherEpochOrServer)?;
    serde_json::from_slice(plaintext).map_err(|_| OpenError::Malformed)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn claims() -> SessionClaims {
        SessionClaims {
            access_key_id: "ASIAQAAAAAAAEXAMPLE1".into(),
            principal: Principal::FederatedUser {
                account: "000000000000".into(),
                name: "bob".into(),
            },
            origin: Origin::FederationToken,
            issued: 10,
            expires: 20,
            chain_depth: 0,
            mfa: false,
            source_identity: None,
            tags: vec![("k".into(), "v".into())],
            transitive_tag_keys: vec![],
        }
    }

    #[test]
    fn round_trip_and_rejections() {
        let s = Secrets::from_seed(Some(1));
        let token = seal(&s, 0, &claims());
        assert!(token.len() > 100, "{}", token.len());
        assert_eq!(open(&s, 0, &token), Ok(claims()));
        assert_eq!(open(&s, 1, &token), Err(OpenError::OtherEpochOrServer));
        assert_eq!(
            open(&Secrets::from_seed(Some(2)), 0, &token),
            Err(OpenError::OtherEpochOrServer)
        );
        assert_eq!(open(&s, 0, "not base64!"), Err(OpenError::Malformed));
        assert_eq!(open(&s, 0, "AQoDYXdzEJr"), Err(OpenError::Malformed));
        let mut tampered = STANDARD.decode(&token).unwrap();
        let last = tampered.len() - 1;
        tampered[last] ^= 1;
        assert_eq!(
            open(&s, 0, &STANDARD.encode(tampered)),
            Err(OpenError::OtherEpochOrServer)
        );
    }
}
