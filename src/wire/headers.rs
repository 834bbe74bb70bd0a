//! The request headers the STS path reads, found in one pass over the header map: a request has a
//! handful of headers, and walking them once costs less than hashing five names for five lookups.

use http::header::{ACCEPT, AUTHORIZATION, CONTENT_TYPE, HOST};
use http::{HeaderMap, HeaderName, HeaderValue};

static X_AMZ_SECURITY_TOKEN: HeaderName = HeaderName::from_static("x-amz-security-token");
static X_AMZ_DATE: HeaderName = HeaderName::from_static("x-amz-date");

/// The first value of each header of interest (as a lookup by name would give), and whether any
/// `Accept` value asks for JSON.
#[derive(Debug, Default, Clone, Copy)]
pub struct RequestHeaders<'a> {
    pub authorization: Option<&'a HeaderValue>,
    pub security_token: Option<&'a HeaderValue>,
    pub content_type: Option<&'a HeaderValue>,
    pub host: Option<&'a HeaderValue>,
    /// The signing time of a SigV4 `Authorization` header (strict mode checks it).
    pub amz_date: Option<&'a HeaderValue>,
    /// `Accept: application/json` (in any of its values): STS then answers JSON.
    pub wants_json: bool,
}

impl<'a> RequestHeaders<'a> {
    pub fn read(headers: &'a HeaderMap) -> RequestHeaders<'a> {
        let mut known = RequestHeaders::default();
        for (name, value) in headers {
            let slot = if name == AUTHORIZATION {
                &mut known.authorization
            } else if name == CONTENT_TYPE {
                &mut known.content_type
            } else if name == HOST {
                &mut known.host
            } else if name == X_AMZ_SECURITY_TOKEN {
                &mut known.security_token
            } else if name == X_AMZ_DATE {
                &mut known.amz_date
            } else {
                // As `to_str` + `contains` would: a value that is not ASCII is not read.
                let bytes = value.as_bytes();
                if name == ACCEPT
                    && memchr::memmem::find(bytes, b"application/json").is_some()
                    && bytes.is_ascii()
                {
                    known.wants_json = true;
                }
                continue;
            };
            slot.get_or_insert(value);
        }
        known
    }

    /// Whether `Content-Type` names a form (`application/x-www-form-urlencoded`, in any case,
    /// parameters after `;` ignored): as `ascii_str`, then splitting at `;` and trimming, would
    /// decide, but on the bytes (this runs on every POST).
    pub fn is_form(&self) -> bool {
        let Some(value) = self.content_type else {
            return false;
        };
        const FORM: &[u8] = b"application/x-www-form-urlencoded";
        let bytes = value.as_bytes();
        // What SDKs send, exactly: one compare.
        if bytes == FORM {
            return true;
        }
        let media = memchr::memchr(b';', bytes).map_or(bytes, |at| &bytes[..at]);
        bytes.is_ascii() && media.trim_ascii().eq_ignore_ascii_case(FORM)
    }
}

/// A header's value as text when it is ASCII, as `HeaderValue::to_str` (hyper has already refused
/// control characters), but by the standard library's word-at-a-time checks instead of a byte loop:
/// session tokens and `Authorization` values run to hundreds of bytes on every request.
pub fn ascii_str(value: &HeaderValue) -> Option<&str> {
    let bytes = value.as_bytes();
    // A short value (a host, a date) costs less through `to_str`'s loop than the set-up of the
    // two word-at-a-time checks; for ASCII values the two agree.
    if bytes.len() < 32 {
        return value.to_str().ok();
    }
    if bytes.is_ascii() {
        std::str::from_utf8(bytes).ok()
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ascii_str_is_to_str_short_and_long() {
        for len in [0, 1, 31, 32, 33, 200] {
            for odd in [None, Some(b'\t'), Some(0xe9), Some(0x80)] {
                let mut bytes = vec![b'a'; len];
                if let (Some(odd), Some(last)) = (odd, bytes.last_mut()) {
                    *last = odd;
                }
                let value = HeaderValue::from_bytes(&bytes).unwrap();
                assert_eq!(ascii_str(&value), value.to_str().ok(), "{len} {odd:?}");
            }
        }
    }

    #[test]
    fn a_form_is_named_by_its_media_type_in_any_case() {
        let form = |value: &[u8]| {
            let mut h = HeaderMap::new();
            h.insert(CONTENT_TYPE, HeaderValue::from_bytes(value).unwrap());
            RequestHeaders::read(&h).is_form()
        };
        assert!(form(b"application/x-www-form-urlencoded"));
        assert!(form(b"Application/X-WWW-Form-URLencoded; charset=utf-8"));
        assert!(form(b" \tapplication/x-www-form-urlencoded \t;"));
        assert!(!form(b"application/x-www-form-urlencoded-x"));
        assert!(!form(b"application/json"));
        assert!(!form(b"application/x-www-form-urlencoded; charset=\xe9"));
        assert!(!form(b""));
        assert!(!RequestHeaders::default().is_form());
    }

    #[test]
    fn first_values_as_lookups_give_and_json_from_any_accept() {
        let mut h = HeaderMap::new();
        h.append("authorization", HeaderValue::from_static("a1"));
        h.append("authorization", HeaderValue::from_static("a2"));
        h.append("x-amz-security-token", HeaderValue::from_static("t"));
        h.append("accept", HeaderValue::from_static("text/xml"));
        h.append(
            "accept",
            HeaderValue::from_bytes(b"\xe9 application/json").unwrap(),
        );
        h.append("accept", HeaderValue::from_static("application/json"));
        h.append(
            "content-type",
            HeaderValue::from_static("application/x-www-form-urlencoded"),
        );
        h.append("x-other", HeaderValue::from_static("o"));
        let k = RequestHeaders::read(&h);
        assert_eq!(k.authorization, h.get("authorization"));
        assert_eq!(k.security_token, h.get("x-amz-security-token"));
        assert_eq!(k.content_type, h.get("content-type"));
        assert_eq!(k.host, None);
        assert!(k.wants_json);
        assert!(!RequestHeaders::read(&HeaderMap::new()).wants_json);
        let mut not_ascii = HeaderMap::new();
        not_ascii.append(
            "accept",
            HeaderValue::from_bytes(b"\xe9 application/json").unwrap(),
        );
        assert!(!RequestHeaders::read(&not_ascii).wants_json);
    }
}
