//! SigV4 (`AWS4-HMAC-SHA256`) as a server checks it: what a request states about its signature
//! (the `Authorization` header, or a presigned query's `X-Amz-*` parameters), the canonical request
//! rebuilt from the request as it arrived (`canonical`), and the signature compared in constant
//! time. The signing key is aws-sigv4's (`sign::v4`'s HMAC chain, the SDK's own); the last HMAC,
//! over the string to sign, is ring's with that key's precomputed state, compared in constant time
//! (`hmac::verify`). The AWS test vectors check it against aws-sigv4's `calculate_signature`.
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
use ring::{digest, hmac};

use crate::decimal;

pub use canonical::{canonical_request, write_canonical_request};
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
        let mut out = String::new();
        self.write_scope(&mut out);
        out
    }

    fn write_scope(&self, out: &mut String) {
        for part in [
            self.scope_date,
            "/",
            self.region,
            "/",
            self.service,
            "/aws4_request",
        ] {
            out.push_str(part);
        }
    }
}

/// The string to sign for `canonical`, the canonical request of `stated`.
pub fn string_to_sign(stated: &Stated<'_>, canonical: &str) -> String {
    let mut out = String::new();
    write_string_to_sign(stated, canonical, &mut out);
    out
}

fn write_string_to_sign(stated: &Stated<'_>, canonical: &str, out: &mut String) {
    let hash = digest::digest(&digest::SHA256, canonical.as_bytes());
    let mut hex_buffer = [0u8; 64];
    for part in [ALGORITHM, "\n", stated.amz_date, "\n"] {
        out.push_str(part);
    }
    stated.write_scope(out);
    out.push('\n');
    out.push_str(hex_into(hash.as_ref(), &mut hex_buffer));
}

/// The signature `secret` gives `string_to_sign` in `stated`'s scope (`None` for a scope date
/// that is not a date): aws-sigv4's, as a signer computes it.
pub fn signature_of(secret: &str, stated: &Stated<'_>, string_to_sign: &str) -> Option<String> {
    let day = scope_day(stated.scope_date)?;
    let key = generate_signing_key(secret, day, stated.region, stated.service);
    Some(calculate_signature(key, string_to_sign.as_bytes()))
}

/// aws-sigv4's signing key (the HMAC chain over date, region, service and `aws4_request`), ready
/// for the last HMAC (ring's key keeps the padded key's hash states, so each use costs the
/// message's blocks only).
fn signing_key(secret: &str, stated: &Stated<'_>) -> Option<hmac::Key> {
    let day = scope_day(stated.scope_date)?;
    let key = generate_signing_key(secret, day, stated.region, stated.service);
    Some(hmac::Key::new(hmac::HMAC_SHA256, key.as_ref()))
}

/// Signing keys already derived, by (secret, date, region, service): a verified request then costs
/// one HMAC, not five. Bounded in entries and in their size: only keys that verified a request are
/// kept, and those have an 8-digit date, a region of at most 32 characters and the service `sts`.
#[derive(Default)]
pub struct SigningKeys(Mutex<HashMap<String, hmac::Key>>);

const KEPT: usize = 4096;

impl SigningKeys {
    /// The key from the cache, or derived; `id` is its cache id (the four parts, the secret
    /// length-prefixed so that no two tuples share an id), written into a reused buffer.
    fn get(&self, secret: &str, stated: &Stated<'_>, id: &mut String) -> Option<(hmac::Key, bool)> {
        id.clear();
        decimal::push(id, secret.len());
        for part in [
            ":",
            secret,
            "/",
            stated.scope_date,
            "/",
            stated.region,
            "/",
            stated.service,
        ] {
            id.push_str(part);
        }
        if let Ok(keys) = self.0.lock()
            && let Some(key) = keys.get(id.as_str())
        {
            return Some((key.clone(), true));
        }
        Some((signing_key(secret, stated)?, false))
    }

    fn keep(&self, id: &str, key: hmac::Key) {
        if let Ok(mut keys) = self.0.lock() {
            if keys.len() >= KEPT {
                keys.clear();
            }
            keys.insert(id.to_owned(), key);
        }
    }
}

/// Whether `stated.signature` is the one `secret` makes for `canonical`, compared in constant time.
pub fn signature_matches(secret: &str, stated: &Stated<'_>, canonical: &str) -> bool {
    let mut to_sign = String::new();
    write_string_to_sign(stated, canonical, &mut to_sign);
    signing_key(secret, stated).is_some_and(|key| matches_with(&key, stated, &to_sign))
}

/// `signature_matches`, the signing key from `keys`; `scratch` holds the string to sign and the
/// cache id (buffers a caller reuses).
pub fn signature_matches_cached(
    keys: &SigningKeys,
    secret: &str,
    stated: &Stated<'_>,
    canonical: &str,
    scratch: &mut [String; 2],
) -> bool {
    let [to_sign, id] = scratch;
    let Some((key, cached)) = keys.get(secret, stated, id) else {
        return false;
    };
    to_sign.clear();
    write_string_to_sign(stated, canonical, to_sign);
    let matched = matches_with(&key, stated, to_sign);
    if matched && !cached {
        keys.keep(id, key);
    }
    matched
}

/// The stated signature (64 lower-case hex digits) against the HMAC of `to_sign`; ring's
/// `hmac::verify` compares in constant time.
fn matches_with(key: &hmac::Key, stated: &Stated<'_>, to_sign: &str) -> bool {
    let Some(signature) = unhex_32(stated.signature) else {
        return false;
    };
    hmac::verify(key, to_sign.as_bytes(), &signature).is_ok()
}

/// 64 lower-case hex digits as 32 bytes (what a signer writes; upper case is not its signature).
fn unhex_32(text: &str) -> Option<[u8; 32]> {
    let digits = text.as_bytes();
    if digits.len() != 64 {
        return None;
    }
    let value = |d: u8| match d {
        b'0'..=b'9' => Some(d - b'0'),
        b'a'..=b'f' => Some(d - b'a' + 10),
        _ => None,
    };
    let mut out = [0u8; 32];
    for (byte, pair) in out.iter_mut().zip(digits.chunks_exact(2)) {
        *byte = value(pair[0])? << 4 | value(pair[1])?;
    }
    Some(out)
}

/// `YYYYMMDD` as the instant that day starts (what `generate_signing_key` reads its date from).
fn scope_day(date: &str) -> Option<SystemTime> {
    if date.len() != 8 {
        return None;
    }
    let seconds = parse_amz_date(&format!("{date}T000000Z"))?;
    Some(SystemTime::UNIX_EPOCH + Duration::from_secs(u64::try_from(seconds).ok()?))
}

/// Up to 32 bytes as lower-case hex, in `buffer`.
fn hex_into<'b>(bytes: &[u8], buffer: &'b mut [u8; 64]) -> &'b str {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    let n = bytes.len().min(32);
    for (pair, &b) in buffer.chunks_exact_mut(2).zip(&bytes[..n]) {
        pair[0] = DIGITS[usize::from(b >> 4)];
        pair[1] = DIGITS[usize::from(b & 15)];
    }
    std::str::from_utf8(&buffer[..2 * n]).unwrap_or_default()
}

/// The SHA-256 of a payload, in hex: the canonical request's last line.
pub fn payload_hash(body: &[u8]) -> String {
    let mut buffer = [0u8; 64];
    payload_hash_into(body, &mut buffer).to_owned()
}

/// `payload_hash`, in `buffer`.
pub fn payload_hash_into<'b>(body: &[u8], buffer: &'b mut [u8; 64]) -> &'b str {
    hex_into(digest::digest(&digest::SHA256, body).as_ref(), buffer)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hex_both_ways() {
        let bytes: Vec<u8> = (0u8..32).map(|i| i.wrapping_mul(37)).collect();
        let mut buffer = [0u8; 64];
        let text = hex_into(&bytes, &mut buffer).to_owned();
        assert_eq!(text.len(), 64);
        assert_eq!(unhex_32(&text).map(|b| b.to_vec()), Some(bytes));
        assert_eq!(
            payload_hash(b""),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        );
        // What a signer writes, and nothing else: lower case, 64 digits.
        for bad in [
            text.to_uppercase(),
            text[..62].to_owned(),
            format!("{text}00"),
            "zz".repeat(32),
        ] {
            assert_eq!(unhex_32(&bad), None, "{bad}");
        }
    }
}
