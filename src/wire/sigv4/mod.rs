//! SigV4 (`AWS4-HMAC-SHA256`) as a server checks it: what a request states about its signature
//! (the `Authorization` header, or a presigned query's `X-Amz-*` parameters), the canonical request
//! rebuilt from the request as it arrived (`canonical`), and the signature compared in constant
//! time. The signing key and the HMAC are aws-sigv4's (`sign::v4`), so the crypto is the SDK's own.
//!
//! This module knows no secrets: the caller finds the secret of the access key id the request
//! names, and hands it in.

mod canonical;
mod stated;
mod verify;

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, SystemTime};

use aws_sigv4::sign::v4::{calculate_signature, generate_signing_key};
use ring::digest;
use subtle::ConstantTimeEq;

pub use canonical::canonical_request;
pub use stated::{from_authorization, from_query};
pub use verify::{AuthMode, parse_amz_date, verify};

pub const ALGORITHM: &str = "AWS4-HMAC-SHA256";

/// Where a request carries its signature.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Form {
    /// `Authorization: AWS4-HMAC-SHA256 Credential=.., SignedHeaders=.., Signature=..`.
    Header,
    /// A presigned URL: `X-Amz-Algorithm`, `X-Amz-Credential`, .. `X-Amz-Signature` in the query,
    /// valid for `X-Amz-Expires` seconds.
    Query { expires: u32 },
}

/// What a request states about its signature, borrowed from it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Stated<'a> {
    pub form: Form,
    pub access_key_id: &'a str,
    /// The credential scope: `{date}/{region}/{service}/aws4_request`.
    pub scope_date: &'a str,
    pub region: &'a str,
    pub service: &'a str,
    /// `X-Amz-Date`, `YYYYMMDDTHHMMSSZ`.
    pub amz_date: &'a str,
    /// Lower-case names, `;`-separated, as signed.
    pub signed_headers: &'a str,
    /// Lower-case hex.
    pub signature: &'a str,
}

impl Stated<'_> {
    /// `{date}/{region}/{service}/aws4_request`.
    pub fn scope(&self) -> String {
        format!(
            "{}/{}/{}/aws4_request",
            self.scope_date, self.region, self.service
        )
    }
}

/// The string to sign for `canonical`, the canonical request of `stated`.
pub fn string_to_sign(stated: &Stated<'_>, canonical: &str) -> String {
    let hash = digest::digest(&digest::SHA256, canonical.as_bytes());
    format!(
        "{ALGORITHM}\n{}\n{}\n{}",
        stated.amz_date,
        stated.scope(),
        hex(hash.as_ref())
    )
}

/// The signature `secret` gives `string_to_sign` in `stated`'s scope (`None` for a scope date
/// that is not a date).
pub fn signature_of(secret: &str, stated: &Stated<'_>, string_to_sign: &str) -> Option<String> {
    let key = signing_key(secret, stated)?;
    Some(calculate_signature(key, string_to_sign.as_bytes()))
}

/// aws-sigv4's signing key (the HMAC chain over date, region, service and `aws4_request`).
fn signing_key(secret: &str, stated: &Stated<'_>) -> Option<[u8; 32]> {
    let day = scope_day(stated.scope_date)?;
    let key = generate_signing_key(secret, day, stated.region, stated.service);
    key.as_ref().try_into().ok()
}

/// Signing keys already derived, by (secret, date, region, service): a verified request then costs
/// one HMAC, not five. Bounded in entries and in their size: only keys that verified a request are
/// kept, and those have an 8-digit date, a region of at most 32 characters and the service `sts`.
#[derive(Default)]
pub struct SigningKeys(Mutex<HashMap<String, [u8; 32]>>);

const KEPT: usize = 4096;

impl SigningKeys {
    /// The key, from the cache or derived, and its cache id (the four parts, the secret
    /// length-prefixed so that no two tuples share an id).
    fn get(&self, secret: &str, stated: &Stated<'_>) -> Option<([u8; 32], String)> {
        let id = format!(
            "{}:{secret}/{}/{}/{}",
            secret.len(),
            stated.scope_date,
            stated.region,
            stated.service
        );
        if let Ok(keys) = self.0.lock()
            && let Some(key) = keys.get(&id)
        {
            return Some((*key, id));
        }
        Some((signing_key(secret, stated)?, id))
    }

    fn keep(&self, id: String, key: [u8; 32]) {
        if let Ok(mut keys) = self.0.lock() {
            if keys.len() >= KEPT {
                keys.clear();
            }
            keys.insert(id, key);
        }
    }
}

/// Whether `stated.signature` is the one `secret` makes for `canonical`, compared in constant time.
pub fn signature_matches(secret: &str, stated: &Stated<'_>, canonical: &str) -> bool {
    matches_with(signing_key(secret, stated), stated, canonical)
}

/// `signature_matches`, the signing key from `keys`.
pub fn signature_matches_cached(
    keys: &SigningKeys,
    secret: &str,
    stated: &Stated<'_>,
    canonical: &str,
) -> bool {
    let Some((key, id)) = keys.get(secret, stated) else {
        return false;
    };
    let matched = matches_with(Some(key), stated, canonical);
    if matched {
        keys.keep(id, key);
    }
    matched
}

fn matches_with(key: Option<[u8; 32]>, stated: &Stated<'_>, canonical: &str) -> bool {
    let Some(key) = key else {
        return false;
    };
    let expected = calculate_signature(key, string_to_sign(stated, canonical).as_bytes());
    expected.len() == stated.signature.len()
        && bool::from(expected.as_bytes().ct_eq(stated.signature.as_bytes()))
}

/// `YYYYMMDD` as the instant that day starts (what `generate_signing_key` reads its date from).
fn scope_day(date: &str) -> Option<SystemTime> {
    if date.len() != 8 {
        return None;
    }
    let seconds = parse_amz_date(&format!("{date}T000000Z"))?;
    Some(SystemTime::UNIX_EPOCH + Duration::from_secs(u64::try_from(seconds).ok()?))
}

/// Lower-case hex.
pub fn hex(bytes: &[u8]) -> String {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let mut out = String::with_capacity(2 * bytes.len());
    for &b in bytes {
        out.push(char::from(DIGITS[usize::from(b >> 4)]));
        out.push(char::from(DIGITS[usize::from(b & 15)]));
    }
    out
}

/// The SHA-256 of a payload, in hex: the canonical request's last line.
pub fn payload_hash(body: &[u8]) -> String {
    hex(digest::digest(&digest::SHA256, body).as_ref())
}
