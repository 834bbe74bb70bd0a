//! Who is calling: the access key id (from a SigV4/SigV4a `Authorization` header or a presigned
//! query's `X-Amz-Credential`) and the session token (`X-Amz-Security-Token`): what the credentials
//! claim. Strict mode verifies the signature as well (`sigv4`).

use super::ascii::split_once_ascii;
use super::headers::{RequestHeaders, ascii_str};

use crate::error::{ErrorCode, StsError};
use crate::wire::params::Params;

/// The credentials a request was signed with, as the request states them.
#[derive(Debug, Clone, PartialEq, Eq)]
/// Borrowed from the request's headers and parameters: nothing is copied per request.
pub struct CallerCredentials<'a> {
    pub access_key_id: &'a str,
    pub session_token: Option<&'a str>,
    /// The region of the credential scope (`AKID/date/REGION/sts/aws4_request`), when it names one.
    pub region: Option<&'a str>,
}

/// Reads the caller from the request. `Ok(None)`: the request carries no authentication at all.
pub fn read_caller<'a>(
    headers: &RequestHeaders<'a>,
    params: &'a Params,
) -> Result<Option<CallerCredentials<'a>>, StsError> {
    let header_token = headers.security_token.and_then(ascii_str);
    if let Some(auth) = headers.authorization {
        let auth =
            ascii_str(auth).ok_or_else(|| incomplete("Authorization header is not valid ASCII"))?;
        let (access_key_id, region) = access_key_from_authorization(auth)?;
        return Ok(Some(CallerCredentials {
            access_key_id,
            session_token: header_token,
            region,
        }));
    }
    if let Some(credential) = params.get("X-Amz-Credential") {
        let (access_key_id, region) = credential_scope(credential)
            .ok_or_else(|| incomplete("X-Amz-Credential is not a credential scope"))?;
        // The query's token is the signed one; a header token is the fallback.
        let token = params.get("X-Amz-Security-Token").or(header_token);
        return Ok(Some(CallerCredentials {
            access_key_id,
            session_token: token,
            region,
        }));
    }
    Ok(None)
}

/// `AWS4-HMAC-SHA256 Credential=AKID/20220809/us-east-1/sts/aws4_request, SignedHeaders=.., Signature=..`
/// (or SigV4a's `AWS4-ECDSA-P256-SHA256`): the access key id and region of the credential scope.
fn access_key_from_authorization(auth: &str) -> Result<(&str, Option<&str>), StsError> {
    let (scheme, rest) = split_once_ascii(auth, b' ').unwrap_or((auth, ""));
    if scheme != "AWS4-HMAC-SHA256" && scheme != "AWS4-ECDSA-P256-SHA256" {
        return Err(incomplete(format!(
            "Authorization header requires 'Credential' parameter. Authorization header requires \
             'Signature' parameter. Authorization header requires 'SignedHeaders' parameter. \
             Authorization={auth}"
        )));
    }
    // What every SDK sends: `Credential=` first. The loop below would stop at it too.
    if let Some(value) = rest.strip_prefix("Credential=") {
        let value = split_once_ascii(value, b',')
            .map_or(value, |(v, _)| v)
            .trim();
        return credential_scope(value).ok_or_else(|| {
            incomplete(format!(
                "Credential should be scoped to a valid region. '{value}'"
            ))
        });
    }
    // `rest.split(',')`, with a byte search (this runs on every request).
    let mut rest = Some(rest);
    while let Some(remaining) = rest {
        let part = match split_once_ascii(remaining, b',') {
            Some((part, next)) => {
                rest = Some(next);
                part
            }
            None => {
                rest = None;
                remaining
            }
        };
        let part = part.trim();
        let Some((name, value)) = split_once_ascii(part, b'=') else {
            return Err(incomplete(format!(
                "'{part}' not a valid key=value pair (missing equal-sign) in Authorization header: '{auth}'."
            )));
        };
        if name == "Credential" {
            return credential_scope(value).ok_or_else(|| {
                incomplete(format!(
                    "Credential should be scoped to a valid region. '{value}'"
                ))
            });
        }
    }
    Err(incomplete(format!(
        "Authorization header requires 'Credential' parameter. Authorization={auth}"
    )))
}

/// `AKID/date/region/service/aws4_request` -> (`AKID`, `region`).
fn credential_scope(scope: &str) -> Option<(&str, Option<&str>)> {
    let (key, rest) = split_once_ascii(scope, b'/')?;
    if key.is_empty() || rest.is_empty() {
        return None;
    }
    let region = split_once_ascii(rest, b'/')
        .map(|(_date, after)| split_once_ascii(after, b'/').map_or(after, |(r, _)| r))
        .filter(|r| !r.is_empty());
    Some((key, region))
}

fn incomplete(message: impl Into<std::borrow::Cow<'static, str>>) -> StsError {
    StsError::new(ErrorCode::IncompleteSignature, message)
}

#[cfg(test)]
mod tests {
    use super::*;

    use http::HeaderMap;

    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        let mut h = HeaderMap::new();
        for (k, v) in pairs {
            h.insert(*k, v.parse().unwrap());
        }
        h
    }

    #[test]
    fn reads_header_and_token() {
        let h = headers(&[
            (
                "authorization",
                "AWS4-HMAC-SHA256 Credential=AKIAEXAMPLE/20260101/us-east-1/sts/aws4_request, SignedHeaders=host;x-amz-date, Signature=abc",
            ),
            ("x-amz-security-token", "tok"),
        ]);
        let none = Params::default();
        let c = read_caller(&RequestHeaders::read(&h), &none)
            .unwrap()
            .unwrap();
        assert_eq!(c.access_key_id, "AKIAEXAMPLE");
        assert_eq!(c.session_token, Some("tok"));
        assert_eq!(c.region, Some("us-east-1"));
    }

    #[test]
    fn reads_presigned_query() {
        let p = Params::from_urlencoded(
            b"X-Amz-Credential=ASIAX%2F20260101%2Fus-east-1%2Fsts%2Faws4_request&X-Amz-Security-Token=t",
        );
        let empty = HeaderMap::new();
        let c = read_caller(&RequestHeaders::read(&empty), &p)
            .unwrap()
            .unwrap();
        assert_eq!(c.access_key_id, "ASIAX");
        assert_eq!(c.session_token, Some("t"));
        // The query's token is signed; a token header beside it does not override it.
        let h = headers(&[("x-amz-security-token", "header")]);
        let c = read_caller(&RequestHeaders::read(&h), &p).unwrap().unwrap();
        assert_eq!(c.session_token, Some("t"));
        let bare = Params::from_urlencoded(
            b"X-Amz-Credential=ASIAX%2F20260101%2Fus-east-1%2Fsts%2Faws4_request",
        );
        let c = read_caller(&RequestHeaders::read(&h), &bare)
            .unwrap()
            .unwrap();
        assert_eq!(c.session_token, Some("header"));
        assert_eq!(
            read_caller(&RequestHeaders::default(), &Params::default()),
            Ok(None)
        );
    }

    #[test]
    fn malformed_authorization_is_incomplete_signature() {
        for bad in [
            "Bearer x",
            "AWS4-HMAC-SHA256 Credential",
            "AWS4-HMAC-SHA256 Credential=nokey",
        ] {
            let h = headers(&[("authorization", bad)]);
            let err = read_caller(&RequestHeaders::read(&h), &Params::default()).unwrap_err();
            assert_eq!(err.code, ErrorCode::IncompleteSignature, "{bad}");
        }
    }
}
