//! What a session is (its principal, times, chain, MFA, source identity, tags, access key id and
//! secret), and the claims as bytes: the plaintext a session token seals (`token`). Compact, since
//! a token goes out with every issued credential and comes back with every request signed with one.

use super::principal::Principal;

/// Random bytes of a session's secret access key (base64: 40 characters, as AWS's).
pub const SECRET_BYTES: usize = 30;

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

/// The claims as bytes: strings as a length (one byte, or 255 then four bytes big-endian) and
/// UTF-8; lists as a count in the same form and their items; times big-endian i64.
/// `access_key_id | secret (30) | principal kind (1) and its strings | origin (1) | issued | expires |
/// chain depth (1) | mfa (1) | source identity (0, or 1 and a string) | tags | transitive keys`.
#[cfg(test)]
pub(super) fn encode(c: &SessionClaims) -> Vec<u8> {
    let mut out = Vec::new();
    encode_into(&mut out, c);
    out
}

pub(super) fn encode_into(out: &mut Vec<u8>, c: &SessionClaims) {
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
pub(super) fn decode(bytes: &[u8], with_secret: bool) -> Option<SessionClaims> {
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
