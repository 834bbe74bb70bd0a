//! Self-describing session tokens. A SessionToken is an authenticated, encrypted blob holding the
//! session itself (principal, times, chain, MFA, source identity, tags, its access key id and
//! secret), so memory does not grow with the number of sessions issued. Layout, base64 (standard
//! alphabet): `version (1) | key epoch (4) | issued (8) | nonce (12) | ChaCha20-Poly1305(claims) +
//! tag (16)`, integers big-endian, the claims in the compact binary encoding of `claims`.
//! The version, epoch and issue time are authenticated as associated data; `reset` starts a new epoch,
//! and tokens of any other epoch are "never issued here". The issue time is readable without the
//! key, so a token this server cannot open (a stale one from a CLI's cache, say) can still be
//! reported by when it was issued.

use ring::aead::NONCE_LEN;
use ring::hmac;

use super::claims::{SessionClaims, decode, encode_into};
use super::envelope::{self, TAG_LEN};
use super::secrets::Secrets;

/// 0x21 sealed JSON claims; 0x22 the binary encoding; 0x23 with the secret key inside; 0x24 with
/// the issue time in the header.
const VERSION: u8 = 0x24;
/// Still opened, so a seeded CI job's cached credentials keep their identity across upgrades:
/// 0x23 (`version | epoch | nonce`, the epoch as associated data) and 0x22 (the same, and no
/// secret inside: it reads as zeros).
const VERSION_WITHOUT_ISSUED: u8 = 0x23;
const VERSION_WITHOUT_SECRET: u8 = 0x22;

/// Where the nonce starts, and the header's length, in the current layout.
const NONCE_AT: usize = 1 + 4 + 8;
const HEADER: usize = NONCE_AT + NONCE_LEN;
/// The same in the 0x22 and 0x23 layouts.
const OLD_NONCE_AT: usize = 1 + 4;

/// Why a token could not be opened: in permissive mode all of them mean "not issued here".
#[derive(Debug, PartialEq, Eq)]
pub enum OpenError {
    Malformed,
    /// Sealed by this server in an earlier key epoch: issued before a reset, at `issued`.
    BeforeReset {
        issued: i64,
    },
    /// Not sealed by this server: another server's, or this one's before a restart without a
    /// seed. `issued` is what its header says, unverified (tokens of older layouts do not say).
    Foreign {
        issued: Option<i64>,
    },
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
    out.extend_from_slice(&claims.issued.to_be_bytes());
    out.extend_from_slice(&[0u8; NONCE_LEN]);
    encode_into(&mut out, claims);
    // The synthetic nonce covers the header too (version, epoch, issue time): the same claims
    // sealed in another layout never share a nonce.
    let nonce = random_nonce.unwrap_or_else(|| {
        let mut nonce = [0u8; NONCE_LEN];
        let mut ctx = hmac::Context::with_key(&secrets.token_nonce);
        ctx.update(&out[..NONCE_AT]);
        ctx.update(&out[HEADER..]);
        nonce.copy_from_slice(&ctx.sign().as_ref()[..NONCE_LEN]);
        nonce
    });
    out[NONCE_AT..HEADER].copy_from_slice(&nonce);
    let mut aad = [0u8; NONCE_AT];
    aad.copy_from_slice(&out[..NONCE_AT]);
    envelope::seal(&secrets.token_seal, &mut out, HEADER, nonce, &aad);
    // base64-simd: tokens are the longest thing an issuing call writes, and the vector encoder
    // is several times faster than the general-purpose one on them.
    base64_simd::STANDARD.encode_to_string(out)
}

/// The claims of a token this server sealed in key epoch `epoch`.
pub fn open(secrets: &Secrets, epoch: u32, token: &str) -> Result<SessionClaims, OpenError> {
    let mut raw = base64_simd::STANDARD
        .decode_to_vec(token)
        .map_err(|_| OpenError::Malformed)?;
    let (nonce_at, with_secret) = match raw.first() {
        Some(&VERSION) => (NONCE_AT, true),
        Some(&VERSION_WITHOUT_ISSUED) => (OLD_NONCE_AT, true),
        Some(&VERSION_WITHOUT_SECRET) => (OLD_NONCE_AT, false),
        _ => return Err(OpenError::Malformed),
    };
    let header = nonce_at + NONCE_LEN;
    if raw.len() < header + TAG_LEN {
        return Err(OpenError::Malformed);
    }
    // The associated data: the whole header before the nonce in this layout (version, epoch,
    // issue time), the epoch alone in the older ones.
    let mut header_bytes = [0u8; NONCE_AT];
    header_bytes[..nonce_at].copy_from_slice(&raw[..nonce_at]);
    let token_epoch = u32::from_be_bytes([
        header_bytes[1],
        header_bytes[2],
        header_bytes[3],
        header_bytes[4],
    ]);
    let issued = (nonce_at == NONCE_AT).then(|| {
        let mut be = [0u8; 8];
        be.copy_from_slice(&header_bytes[5..NONCE_AT]);
        i64::from_be_bytes(be)
    });
    let aad = if nonce_at == NONCE_AT {
        &header_bytes[..]
    } else {
        &header_bytes[1..nonce_at]
    };
    let nonce = envelope::nonce_at(&raw, nonce_at).ok_or(OpenError::Malformed)?;
    // Opened under the token's own epoch: whether it is this server's at all, then whether it is
    // of this epoch.
    let Some(plaintext) = envelope::open(&secrets.token_seal, &mut raw, header, nonce, aad) else {
        return Err(OpenError::Foreign { issued });
    };
    let claims = decode(plaintext, with_secret).ok_or(OpenError::Malformed)?;
    if token_epoch != epoch {
        return Err(OpenError::BeforeReset {
            issued: claims.issued,
        });
    }
    Ok(claims)
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
    fn tokens_of_the_layout_without_the_issue_time_still_open() {
        let s = Secrets::from_seed(Some(1));
        let c = claims();
        // The 0x23 layout: `version | epoch | nonce`, the epoch alone as associated data.
        let mut plain = encode(&c);
        let mut raw = vec![VERSION_WITHOUT_ISSUED, 0, 0, 0, 3];
        raw.extend_from_slice(&[6; NONCE_LEN]);
        let tag = s
            .token_seal
            .seal_in_place_separate_tag(
                Nonce::assume_unique_for_key([6; NONCE_LEN]),
                Aad::from(3u32.to_be_bytes()),
                &mut plain,
            )
            .unwrap();
        raw.extend_from_slice(&plain);
        raw.extend_from_slice(tag.as_ref());
        let token = STANDARD.encode(raw);
        assert_eq!(open(&s, 3, &token), Ok(c));
        assert_eq!(
            open(&s, 4, &token),
            Err(OpenError::BeforeReset { issued: 10 })
        );
        assert_eq!(
            open(&Secrets::from_seed(Some(2)), 3, &token),
            Err(OpenError::Foreign { issued: None })
        );
    }

    #[test]
    fn round_trip_and_rejections() {
        let s = Secrets::from_seed(Some(1));
        let token = seal(&s, 0, &claims(), None);
        assert!(token.len() > 100, "{}", token.len());
        assert_eq!(open(&s, 0, &token), Ok(claims()));
        assert_eq!(
            open(&s, 1, &token),
            Err(OpenError::BeforeReset { issued: 10 })
        );
        assert_eq!(
            open(&Secrets::from_seed(Some(2)), 0, &token),
            Err(OpenError::Foreign { issued: Some(10) })
        );
        assert_eq!(open(&s, 0, "not base64!"), Err(OpenError::Malformed));
        assert_eq!(open(&s, 0, "AQoDYXdzEJr"), Err(OpenError::Malformed));
        let mut tampered = STANDARD.decode(&token).unwrap();
        let last = tampered.len() - 1;
        tampered[last] ^= 1;
        assert_eq!(
            open(&s, 0, &STANDARD.encode(&tampered)),
            Err(OpenError::Foreign { issued: Some(10) })
        );
        // The issue time in the header is authenticated: changed, the token opens as nothing.
        let mut moved = STANDARD.decode(&token).unwrap();
        moved[12] ^= 1;
        assert_eq!(
            open(&s, 0, &STANDARD.encode(&moved)),
            Err(OpenError::Foreign { issued: Some(11) })
        );
    }
}
