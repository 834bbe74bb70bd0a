//! Strict mode's check of one request: the signature it states (`stated`), against the secret of
//! the key it names, over the request as it arrived, within AWS's 15 minutes of clock skew.

use std::cell::RefCell;

use super::{
    SigningKeys, Stated, payload_hash_into, signature_matches_cached, write_canonical_request,
};
use crate::error::{ErrorCode, StsError};
use crate::timestamp::iso8601_seconds_into;
use crate::wire::ascii::split_ascii;
use crate::wire::request::RawRequest;

thread_local! {
    /// The canonical request, the string to sign and the signing-key cache id of the last request
    /// this thread verified: buffers reused, so verifying allocates nothing.
    static SCRATCH: RefCell<(String, [String; 2])> = RefCell::default();
}

/// How far a request's `X-Amz-Date` may be from the server's clock, either way.
const SKEW_SECONDS: i64 = 15 * 60;

/// `server.auth` / `--auth`: whether signatures are checked.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, serde::Deserialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum AuthMode {
    /// Any signature is accepted; who signed still decides who the caller is.
    #[default]
    Permissive,
    /// Every signed request must carry a valid SigV4 signature of a key this server knows.
    Strict,
}

impl AuthMode {
    pub fn as_str(self) -> &'static str {
        match self {
            AuthMode::Permissive => "permissive",
            AuthMode::Strict => "strict",
        }
    }
}

/// Checks `stated` for `raw`, signed with `secret`, at `now` (seconds since the epoch); signing
/// keys come from (and go into) `keys`.
pub fn verify(
    raw: &RawRequest<'_>,
    stated: &Stated<'_>,
    secret: &str,
    now: i64,
    keys: &SigningKeys,
) -> Result<(), StsError> {
    let signed_at = parse_amz_date(stated.amz_date).ok_or_else(|| {
        StsError::new(
            ErrorCode::IncompleteSignature,
            format!(
                "Date must be in ISO-8601 'basic format'. Got '{}'. See http://en.wikipedia.org/wiki/ISO_8601",
                stated.amz_date
            ),
        )
    })?;
    if stated.amz_date.get(..8) != Some(stated.scope_date) {
        return Err(does_not_match(format!(
            "Date in Credential scope does not match YYYYMMDD from ISO-8601 version of date from HTTP: '{}' != '{}', from '{}'.",
            stated.scope_date,
            stated.amz_date.get(..8).unwrap_or_default(),
            stated.amz_date
        )));
    }
    if !split_ascii(stated.signed_headers, b';').any(|name| name == "host") {
        return Err(StsError::new(
            ErrorCode::IncompleteSignature,
            "'Host' or ':authority' must be a 'SignedHeader' in the AWS Authorization.",
        ));
    }
    if stated.service != "sts" {
        return Err(does_not_match(
            "Credential should be scoped to correct service: 'sts'. ",
        ));
    }
    skew(signed_at, now)?;
    let path = raw.uri.path();
    let query = raw.uri.query().unwrap_or_default();
    let mut hash = [0u8; 64];
    let payload_hash = payload_hash_into(raw.body, &mut hash);
    let matched = SCRATCH.with_borrow_mut(|(canonical, scratch)| {
        write_canonical_request(
            raw.method.as_str(),
            path,
            query,
            raw.headers,
            stated,
            payload_hash,
            canonical,
        )
        .is_some()
            && signature_matches_cached(keys, secret, stated, canonical, scratch)
    });
    if matched {
        Ok(())
    } else {
        Err(does_not_match(
            "The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.",
        ))
    }
}

/// AWS's window: 15 minutes either way of the server's clock, with its texts. STS applies it to
/// presigned URLs too, whatever their `X-Amz-Expires` (an EKS token lasts 15 minutes).
fn skew(signed_at: i64, now: i64) -> Result<(), StsError> {
    if signed_at > now + SKEW_SECONDS {
        return Err(does_not_match(format!(
            "Signature not yet current: {} is still later than {} ({} + 15 min.)",
            basic(signed_at),
            basic(now + SKEW_SECONDS),
            basic(now)
        )));
    }
    if signed_at < now - SKEW_SECONDS {
        return Err(does_not_match(format!(
            "Signature expired: {} is now earlier than {} ({} - 15 min.)",
            basic(signed_at),
            basic(now - SKEW_SECONDS),
            basic(now)
        )));
    }
    Ok(())
}

fn does_not_match(message: impl Into<std::borrow::Cow<'static, str>>) -> StsError {
    StsError::new(ErrorCode::SignatureDoesNotMatch, message)
}

/// `20150830T123600Z` -> seconds since the epoch.
pub fn parse_amz_date(text: &str) -> Option<i64> {
    let b = text.as_bytes();
    if b.len() != 16 || b[8] != b'T' || b[15] != b'Z' {
        return None;
    }
    let n = |r: std::ops::Range<usize>| text.get(r)?.parse::<u32>().ok();
    let month = time::Month::try_from(u8::try_from(n(4..6)?).ok()?).ok()?;
    let date = time::Date::from_calendar_date(
        i32::try_from(n(0..4)?).ok()?,
        month,
        u8::try_from(n(6..8)?).ok()?,
    )
    .ok()?;
    let time = time::Time::from_hms(
        u8::try_from(n(9..11)?).ok()?,
        u8::try_from(n(11..13)?).ok()?,
        u8::try_from(n(13..15)?).ok()?,
    )
    .ok()?;
    Some(
        time::PrimitiveDateTime::new(date, time)
            .assume_utc()
            .unix_timestamp(),
    )
}

/// Seconds since the epoch as `20150830T123600Z`.
fn basic(t: i64) -> String {
    let mut text = [0u8; 20];
    let iso = iso8601_seconds_into(t, &mut text);
    // `2015-08-30T12:36:00Z` without its separators.
    iso.iter()
        .filter(|&&b| b != b'-' && b != b':')
        .map(|&b| char::from(b))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_in_basic_format() {
        assert_eq!(parse_amz_date("20150830T123600Z"), Some(1_440_938_160));
        assert_eq!(basic(1_440_938_160), "20150830T123600Z");
        for bad in [
            "",
            "20150830T123600",
            "2015-08-30T12:36:00Z",
            "20151330T123600Z",
            "2015083OT123600Z",
        ] {
            assert_eq!(parse_amz_date(bad), None, "{bad}");
        }
    }

    #[test]
    fn the_skew_window_and_its_texts() {
        let t = 1_643_242_467; // 20220127T001427Z
        assert!(skew(t, t + 900).is_ok());
        assert!(skew(t, t - 900).is_ok());
        let late = skew(t, t + 901).unwrap_err();
        assert_eq!(
            late.message.as_deref(),
            Some(
                "Signature expired: 20220127T001427Z is now earlier than 20220127T001428Z (20220127T002928Z - 15 min.)"
            )
        );
        let early = skew(t, t - 901).unwrap_err();
        assert_eq!(
            early.message.as_deref(),
            Some(
                "Signature not yet current: 20220127T001427Z is still later than 20220127T001426Z (20220126T235926Z + 15 min.)"
            )
        );
    }
}
