//! Self-describing session tokens. A SessionToken is an authenticated, encrypted blob holding the
//! session itself (principal, times, chain, MFA, source identity, tags, its access key id and
//! secret), so memory
//! does not grow with the number of sessions issued. Layout, base64 (standard alphabet):
//! `version (1) | key epoch (4, big-endian) | nonce (12) | ChaCha20-Poly1305(claims) + tag (16)`,
//! the claims in the compact binary encoding of `claims`.
//! The epoch is authenticated as associated data; `reset` starts a new one, and tokens of any other
//! epoch are "never issued here".

use ring::aead::NONCE_LEN;
use ring::hmac;

use super::claims::{SessionClaims, decode, encode_into};
use super::envelope::{self, TAG_LEN};
use super::secrets::Secrets;

/// 0x21 sealed JSON claims; 0x22 the binary encoding; 0x23 with the secret key inside.
const VERSION: u8 = 0x23;
/// Still opened (their secret reads as zeros), so a seeded CI job's cached credentials keep
/// their identity across this upgrade.
const VERSION_WITHOUT_SECRET: u8 = 0x22;

const HEADER: usize = 1 + 4 + NONCE_LEN;

/// Why a token could not be opened: in permissive mode both mean "not issued here".
#[derive(Debug, PartialEq, Eq)]
pub enum OpenError {
    Malformed,
    OtherEpochOrServer,
}

/// Seals `claims` into a token. `random_nonce` is for keys that are random themselves (no seed):
/// fresh random bytes are then a sound nonce. Without one (a seeded server, whose keys and random
/// stream repeat after a restart) the nonce is an HMAC of the claims, synthetic-IV style: never the
/// same for two different claims under one key.
pub fn seal(
    secrets: &Secrets,
    epoch: u32,
    claims: &SessionClaims,
    random_nonce: Option<[u8; NONCE_LEN]>,
) -> String {
    // One buffer: header, then the claims encrypted in place, then the tag.
    let mut out = Vec::with_capacity(HEADER + 160);
    out.push(VERSION);
    out.extend_from_slice(&epoch.to_be_bytes());
    out.extend_from_slice(&[0u8; NONCE_LEN]);
    encode_into(&mut out, claims);
    let nonce = random_nonce.unwrap_or_else(|| {
        let mut nonce = [0u8; NONCE_LEN];
        let tag = hmac::sign(&secrets.token_nonce, &out[HEADER..]);
        nonce.copy_from_slice(&tag.as_ref()[..NONCE_LEN]);
        nonce
    });
    out[5..HEADER].copy_from_slice(&nonce);
    envelope::seal(
        &secrets.token_seal,
        &mut out,
        HEADER,
        nonce,
        &epoch.to_be_bytes(),
    );
    // base64-simd: tokens are the longest thing an issuing call writes, and the vector encoder
    // is several times faster than the general-purpose one on them.
    base64_simd::STANDARD.encode_to_string(out)
}

pub fn open(secrets: &Secrets, epoch: u32, token: &str) -> Result<SessionClaims, OpenError> {
    let mut raw = base64_simd::STANDARD
        .decode_to_vec(token)
        .map_err(|_| OpenError::Malformed)?;
    if raw.len() < HEADER + TAG_LEN || !matches!(raw[0], VERSION | VERSION_WITHOUT_SECRET) {
        return Err(OpenError::Malformed);
    }
    let with_secret = raw[0] == VERSION;
    let mut epoch_bytes = [0u8; 4];
    epoch_bytes.copy_from_slice(&raw[1..5]);
    if u32::from_be_bytes(epoch_bytes) != epoch {
        return Err(OpenError::OtherEpochOrServer);
    }
    let nonce = envelope::nonce_at(&raw, 5).ok_or(OpenError::Malformed)?;
    let plaintext = envelope::open(&secrets.token_seal, &mut raw, HEADER, nonce, &epoch_bytes)
        .ok_or(OpenError::OtherEpochOrServer)?;
    decode(plaintext, with_secret).ok_or(OpenError::Malformed)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fake::claims::{Origin, SECRET_BYTES, encode};
    use crate::fake::principal::Principal;
    use base64::Engine;
    use base64::engine::general_purpose::STANDARD;
    use ring::aead::{Aad, Nonce};

    fn claims() -> SessionClaims {
        SessionClaims {
            access_key_id: "ASIAQAAAAAAAEXAMPLE1".into(),
            secret: [7; SECRET_BYTES],
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
    fn every_claim_round_trips() {
        let s = Secrets::from_seed(Some(3));
        let long = "x".repeat(300);
        let principals = [
            Principal::Root {
                account: "1".into(),
            },
            Principal::User {
                account: "1".into(),
                path: "/a/b/".into(),
                name: "n".into(),
                id: "AIDA".into(),
            },
            Principal::AssumedRole {
                partition: "aws-cn".into(),
                account: "123456789012".into(),
                role_name: long.clone(),
                role_id: "AROA".into(),
                session_name: "s@x".into(),
            },
            claims().principal,
        ];
        for (i, principal) in principals.into_iter().enumerate() {
            let mut c = claims();
            c.principal = principal;
            c.origin = [
                Origin::AssumeRole,
                Origin::SessionToken,
                Origin::FederationToken,
                Origin::AssumeRoot,
                Origin::WebIdentity,
                Origin::Saml,
                Origin::DelegatedAccessToken,
            ][i % 7];
            c.issued = -5;
            c.expires = i64::MAX;
            c.chain_depth = 255;
            c.mfa = i % 2 == 0;
            c.source_identity = (i % 2 == 1).then(|| "src".to_owned());
            c.tags = (0..300).map(|t| (format!("k{t}"), long.clone())).collect();
            c.transitive_tag_keys = vec!["k1".into(), String::new(), "é".into()];
            assert_eq!(open(&s, 9, &seal(&s, 9, &c, None)), Ok(c.clone()));
            assert_eq!(open(&s, 9, &seal(&s, 9, &c, Some([7; 12]))), Ok(c.clone()));
            let bytes = encode(&c);
            assert_eq!(decode(&bytes, true), Some(c));
            for cut in [0, 1, bytes.len() / 2, bytes.len() - 1] {
                assert_eq!(decode(&bytes[..cut], true), None, "{cut}");
            }
            let mut longer = bytes.clone();
            longer.push(0);
            assert_eq!(decode(&longer, true), None);
        }
    }

    #[test]
    fn tokens_from_before_the_secret_moved_in_still_open() {
        let s = Secrets::from_seed(Some(1));
        let c = claims();
        // The 0x22 layout: the same claims without the 30 secret bytes after the access key id.
        let mut plain = encode(&c);
        let at = 1 + c.access_key_id.len();
        plain.drain(at..at + SECRET_BYTES);
        let mut raw = vec![VERSION_WITHOUT_SECRET, 0, 0, 0, 0];
        raw.extend_from_slice(&[5; NONCE_LEN]);
        let tag = s
            .token_seal
            .seal_in_place_separate_tag(
                Nonce::assume_unique_for_key([5; NONCE_LEN]),
                Aad::from(0u32.to_be_bytes()),
                &mut plain,
            )
            .unwrap();
        raw.extend_from_slice(&plain);
        raw.extend_from_slice(tag.as_ref());
        let opened = open(&s, 0, &STANDARD.encode(raw)).unwrap();
        assert_eq!(opened.secret, [0; SECRET_BYTES]);
        assert_eq!(
            SessionClaims {
                secret: c.secret,
                ..opened
            },
            c
        );
    }

    #[test]
    fn round_trip_and_rejections() {
        let s = Secrets::from_seed(Some(1));
        let token = seal(&s, 0, &claims(), None);
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
