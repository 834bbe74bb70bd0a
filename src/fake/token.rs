//! Self-describing session tokens. A SessionToken is an authenticated, encrypted blob holding the
//! session itself (principal, times, chain, MFA, source identity, tags, its access key id and
//! secret), so memory
//! does not grow with the number of sessions issued. Layout, base64 (standard alphabet):
//! `version (1) | key epoch (4, big-endian) | nonce (12) | ChaCha20-Poly1305(claims) + tag (16)`,
//! the claims in a compact binary encoding (see `encode`).
//! The epoch is authenticated as associated data; `reset` starts a new one, and tokens of any other
//! epoch are "never issued here".

use ring::aead::{Aad, NONCE_LEN, Nonce};
use ring::hmac;

use super::principal::Principal;
use super::secrets::Secrets;

/// 0x21 sealed JSON claims; 0x22 the binary encoding; 0x23 with the secret key inside.
const VERSION: u8 = 0x23;
/// Still opened (their secret reads as zeros), so a seeded CI job's cached credentials keep
/// their identity across this upgrade.
const VERSION_WITHOUT_SECRET: u8 = 0x22;

/// Random bytes of a session's secret access key (base64: 40 characters, as AWS's).
pub const SECRET_BYTES: usize = 30;
const HEADER: usize = 1 + 4 + NONCE_LEN;

/// How a session came to be: decides what its credentials may call.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Origin {
    AssumeRole,
    SessionToken,
    FederationToken,
    AssumeRoot,
    WebIdentity,
    Saml,
    DelegatedAccessToken,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SessionClaims {
    pub access_key_id: String,
    /// The secret access key's bytes: the token carries it, so it is never stored and never
    /// derived from the key id alone.
    pub secret: [u8; SECRET_BYTES],
    pub principal: Principal,
    pub origin: Origin,
    /// Seconds since the epoch.
    pub issued: i64,
    pub expires: i64,
    /// 0 for a session from long-term credentials, +1 per role-chaining hop.
    pub chain_depth: u8,
    pub mfa: bool,
    pub source_identity: Option<String>,
    pub tags: Vec<(String, String)>,
    /// Keys of `tags` that pass on to chained sessions.
    pub transitive_tag_keys: Vec<String>,
}

impl SessionClaims {
    /// A session of `principal` from `now` for `duration` seconds; the rest starts empty and the
    /// access key id is filled in when credentials are issued.
    pub fn new(principal: Principal, origin: Origin, now: i64, duration: i32) -> SessionClaims {
        SessionClaims {
            access_key_id: String::new(),
            secret: [0; SECRET_BYTES],
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
    // Sealing fails only for inputs larger than the cipher's limit (256 GiB); claims are small.
    match secrets.token_seal.seal_in_place_separate_tag(
        Nonce::assume_unique_for_key(nonce),
        Aad::from(epoch.to_be_bytes()),
        &mut out[HEADER..],
    ) {
        Ok(tag) => out.extend_from_slice(tag.as_ref()),
        Err(_) => out.truncate(HEADER),
    }
    // base64-simd: tokens are the longest thing an issuing call writes, and the vector encoder
    // is several times faster than the general-purpose one on them.
    base64_simd::STANDARD.encode_to_string(out)
}

pub fn open(secrets: &Secrets, epoch: u32, token: &str) -> Result<SessionClaims, OpenError> {
    let mut raw = base64_simd::STANDARD
        .decode_to_vec(token)
        .map_err(|_| OpenError::Malformed)?;
    if raw.len() < HEADER + 16 || !matches!(raw[0], VERSION | VERSION_WITHOUT_SECRET) {
        return Err(OpenError::Malformed);
    }
    let with_secret = raw[0] == VERSION;
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
    decode(plaintext, with_secret).ok_or(OpenError::Malformed)
}

/// The claims as bytes: strings as a length (one byte, or 255 then four bytes big-endian) and
/// UTF-8; lists as a count in the same form and their items; times big-endian i64.
/// `access_key_id | secret (30) | principal kind (1) and its strings | origin (1) | issued | expires |
/// chain depth (1) | mfa (1) | source identity (0, or 1 and a string) | tags | transitive keys`.
#[cfg(test)]
fn encode(c: &SessionClaims) -> Vec<u8> {
    let mut out = Vec::new();
    encode_into(&mut out, c);
    out
}

fn encode_into(out: &mut Vec<u8>, c: &SessionClaims) {
    put_str(out, &c.access_key_id);
    out.extend_from_slice(&c.secret);
    match &c.principal {
        Principal::Root { account } => {
            out.push(0);
            put_str(out, account);
        }
        Principal::User {
            account,
            path,
            name,
            id,
        } => {
            out.push(1);
            for s in [account, path, name, id] {
                put_str(out, s);
            }
        }
        Principal::AssumedRole {
            partition,
            account,
            role_name,
            role_id,
            session_name,
        } => {
            out.push(2);
            for s in [partition, account, role_name, role_id, session_name] {
                put_str(out, s);
            }
        }
        Principal::FederatedUser { account, name } => {
            out.push(3);
            put_str(out, account);
            put_str(out, name);
        }
    }
    out.push(match c.origin {
        Origin::AssumeRole => 0,
        Origin::SessionToken => 1,
        Origin::FederationToken => 2,
        Origin::AssumeRoot => 3,
        Origin::WebIdentity => 4,
        Origin::Saml => 5,
        Origin::DelegatedAccessToken => 6,
    });
    out.extend_from_slice(&c.issued.to_be_bytes());
    out.extend_from_slice(&c.expires.to_be_bytes());
    out.push(c.chain_depth);
    out.push(u8::from(c.mfa));
    match &c.source_identity {
        Some(s) => {
            out.push(1);
            put_str(out, s);
        }
        None => out.push(0),
    }
    put_len(out, c.tags.len());
    for (k, v) in &c.tags {
        put_str(out, k);
        put_str(out, v);
    }
    put_len(out, c.transitive_tag_keys.len());
    for k in &c.transitive_tag_keys {
        put_str(out, k);
    }
}

fn put_len(out: &mut Vec<u8>, len: usize) {
    match u8::try_from(len) {
        Ok(short) if short < 255 => out.push(short),
        _ => {
            out.push(255);
            out.extend_from_slice(&u32::try_from(len).unwrap_or(u32::MAX).to_be_bytes());
        }
    }
}

fn put_str(out: &mut Vec<u8>, s: &str) {
    put_len(out, s.len());
    out.extend_from_slice(s.as_bytes());
}

/// The inverse of `encode`; `None` for anything it would not have written.
fn decode(bytes: &[u8], with_secret: bool) -> Option<SessionClaims> {
    let mut r = Reader(bytes);
    let access_key_id = r.string()?;
    let mut secret = [0u8; SECRET_BYTES];
    if with_secret {
        secret.copy_from_slice(r.take(SECRET_BYTES)?);
    }
    let principal = match r.byte()? {
        0 => Principal::Root {
            account: r.string()?,
        },
        1 => Principal::User {
            account: r.string()?,
            path: r.string()?,
            name: r.string()?,
            id: r.string()?,
        },
        2 => Principal::AssumedRole {
            partition: r.string()?,
            account: r.string()?,
            role_name: r.string()?,
            role_id: r.string()?,
            session_name: r.string()?,
        },
        3 => Principal::FederatedUser {
            account: r.string()?,
            name: r.string()?,
        },
        _ => return None,
    };
    let origin = match r.byte()? {
        0 => Origin::AssumeRole,
        1 => Origin::SessionToken,
        2 => Origin::FederationToken,
        3 => Origin::AssumeRoot,
        4 => Origin::WebIdentity,
        5 => Origin::Saml,
        6 => Origin::DelegatedAccessToken,
        _ => return None,
    };
    let issued = r.i64()?;
    let expires = r.i64()?;
    let chain_depth = r.byte()?;
    let mfa = match r.byte()? {
        0 => false,
        1 => true,
        _ => return None,
    };
    let source_identity = match r.byte()? {
        0 => None,
        1 => Some(r.string()?),
        _ => return None,
    };
    let n = r.len()?;
    let mut tags = Vec::with_capacity(n.min(64));
    for _ in 0..n {
        tags.push((r.string()?, r.string()?));
    }
    let n = r.len()?;
    let mut transitive_tag_keys = Vec::with_capacity(n.min(64));
    for _ in 0..n {
        transitive_tag_keys.push(r.string()?);
    }
    r.0.is_empty().then_some(SessionClaims {
        access_key_id,
        secret,
        principal,
        origin,
        issued,
        expires,
        chain_depth,
        mfa,
        source_identity,
        tags,
        transitive_tag_keys,
    })
}

struct Reader<'a>(&'a [u8]);

impl Reader<'_> {
    fn take(&mut self, n: usize) -> Option<&[u8]> {
        let (head, rest) = self.0.split_at_checked(n)?;
        self.0 = rest;
        Some(head)
    }

    fn byte(&mut self) -> Option<u8> {
        self.take(1).map(|b| b[0])
    }

    fn len(&mut self) -> Option<usize> {
        match self.byte()? {
            255 => {
                let mut be = [0u8; 4];
                be.copy_from_slice(self.take(4)?);
                usize::try_from(u32::from_be_bytes(be)).ok()
            }
            short => Some(usize::from(short)),
        }
    }

    fn string(&mut self) -> Option<String> {
        let n = self.len()?;
        let bytes = self.take(n)?;
        std::str::from_utf8(bytes).ok().map(str::to_owned)
    }

    fn i64(&mut self) -> Option<i64> {
        let mut be = [0u8; 8];
        be.copy_from_slice(self.take(8)?);
        Some(i64::from_be_bytes(be))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use base64::Engine;
    use base64::engine::general_purpose::STANDARD;

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
