//! An STS request as every mode sees it: the operation of the model it names, its parameters, the
//! caller's credentials, and the raw request they came from (record mode re-signs those bytes).
//!
//! Two protocol steps make one from the HTTP request, in this order: `decode` (the parameters of the
//! form body or query string, or the redirect real STS answers without an Action) and `resolve`
//! (the operation `Action` and `Version` name, and the rule that a signed operation needs
//! credentials). Which mode answers, and whether it validates the parameters, comes after.

use bytes::Bytes;
use http::{HeaderMap, Method, Uri};

use super::caller::CallerCredentials;
use super::headers::RequestHeaders;
use super::params::Params;
use super::render::Format;
use crate::error::StsError;
use crate::model::{self, Operation};

pub struct StsRequest<'a> {
    pub operation: &'static Operation,
    pub params: &'a Params,
    /// The credentials the request states. Always there for a signed operation; for an unsigned
    /// one, whatever it carried that could be read.
    pub caller: Option<CallerCredentials<'a>>,
    /// The `Host` header: GetWebIdentityToken's issuer URL is built on it unless
    /// `fake.public_url` is set.
    pub host: Option<&'a str>,
    pub format: Format,
    /// Whether the answer should name the caller (for the request log line): naming it costs an
    /// ARN per request, so only when that line is written.
    pub describe_caller: bool,
    /// The HTTP request as it arrived; `None` for a request made in-process (tests, a report that
    /// replays requests against the fake).
    pub raw: Option<RawRequest<'a>>,
}

/// The parts of the HTTP request, untouched.
#[derive(Clone, Copy)]
pub struct RawRequest<'a> {
    pub method: &'a Method,
    pub uri: &'a Uri,
    pub headers: &'a HeaderMap,
    pub body: &'a Bytes,
}

/// The parameters of an STS request: the query string's, then (for a form POST) the body's, the
/// first occurrence of a name winning. `None` when real STS would redirect to the IAM home page
/// instead: no `Action`, or a POST whose body is not a form.
pub fn decode(
    method: &Method,
    query: &str,
    headers: &RequestHeaders<'_>,
    body: &[u8],
) -> Option<Params> {
    let mut params = Params::from_urlencoded(query.as_bytes());
    if *method == Method::POST {
        if !headers.is_form() {
            return None;
        }
        params.extend_from_urlencoded(body);
    }
    params.get("Action")?;
    Some(params)
}

impl<'a> StsRequest<'a> {
    /// The operation `Action` and `Version` name (`InvalidAction` for anything else, whatever the
    /// credentials), then the caller: a signed operation without credentials, or with an
    /// unreadable `Authorization`, is refused as STS refuses it.
    pub fn resolve(
        params: &'a Params,
        caller: Result<Option<CallerCredentials<'a>>, StsError>,
        host: Option<&'a str>,
        format: Format,
        raw: Option<RawRequest<'a>>,
    ) -> Result<StsRequest<'a>, StsError> {
        let action = params.get("Action").unwrap_or_default();
        let version = params.get("Version").unwrap_or("NO_VERSION_SPECIFIED");
        let operation = model::resolve(action, version)
            .ok_or_else(|| StsError::invalid_action(action, version))?;
        let caller = match caller {
            Ok(Some(credentials)) => Some(credentials),
            Ok(None) if operation.signed => return Err(StsError::missing_authentication_token()),
            Err(error) if operation.signed => return Err(error),
            Ok(None) | Err(_) => None,
        };
        Ok(StsRequest {
            operation,
            params,
            caller,
            host,
            format,
            describe_caller: false,
            raw,
        })
    }

    /// The `Action` parameter as sent.
    pub fn action(&self) -> &str {
        self.operation.name
    }

    /// The cassette this request names, if it names one: by its path
    /// (`/cassette/NAME/`, what `AWS_ENDPOINT_URL_STS=http://HOST/cassette/NAME/` makes an SDK
    /// send), else by an `X-Parlel-Cassette` header. `Some(Err(what))` for a name that is not
    /// one: letters, digits, `.`, `_` and `-`, 1 to 128 of them, not starting with a dot.
    pub fn cassette(&self) -> Option<Result<&'a str, String>> {
        let raw = self.raw.as_ref()?;
        let name = match cassette_in_path(raw.uri.path()) {
            Some(name) => name,
            None => raw
                .headers
                .get(X_PARLEL_CASSETTE)
                .map(|value| value.to_str().unwrap_or("\u{fffd}"))?,
        };
        let valid = !name.is_empty()
            && name.len() <= 128
            && !name.starts_with('.')
            && name
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-'));
        Some(if valid {
            Ok(name)
        } else {
            Err(format!(
                "{name:?} is not a cassette name (letters, digits, '.', '_' and '-', not starting with '.')"
            ))
        })
    }
}

/// The header that names a request's cassette when its path does not.
pub const X_PARLEL_CASSETTE: &str = "x-parlel-cassette";

/// `NAME` of a path `/cassette/NAME` or `/cassette/NAME/...`.
pub fn cassette_in_path(path: &str) -> Option<&str> {
    let rest = path.strip_prefix("/cassette/")?;
    Some(rest.split_once('/').map_or(rest, |(name, _)| name))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::ErrorCode;

    fn resolve(
        body: &str,
        caller: Result<Option<CallerCredentials<'static>>, StsError>,
    ) -> Result<&'static str, ErrorCode> {
        let params = Params::from_urlencoded(body.as_bytes());
        StsRequest::resolve(&params, caller, None, Format::Xml, None)
            .map(|r| r.operation.name)
            .map_err(|e| e.code)
    }

    const KEY: CallerCredentials<'static> = CallerCredentials {
        access_key_id: "AKIAIOSFODNN7EXAMPLE",
        session_token: None,
        region: None,
    };

    #[test]
    fn action_and_version_name_an_operation_before_credentials_count() {
        let gci = "Action=GetCallerIdentity&Version=2011-06-15";
        assert_eq!(resolve(gci, Ok(Some(KEY))), Ok("GetCallerIdentity"));
        assert_eq!(
            resolve("Action=GetCallerIdentity&Version=2011-06-16", Ok(None)),
            Err(ErrorCode::InvalidAction)
        );
        assert_eq!(
            resolve("Action=getCallerIdentity&Version=2011-06-15", Ok(None)),
            Err(ErrorCode::InvalidAction)
        );
        assert_eq!(
            resolve(gci, Ok(None)),
            Err(ErrorCode::MissingAuthenticationToken)
        );
        let unreadable = StsError::new(ErrorCode::IncompleteSignature, "x");
        assert_eq!(
            resolve(gci, Err(unreadable.clone())),
            Err(ErrorCode::IncompleteSignature)
        );
        // Unsigned operations need no credentials, and unreadable ones do not matter to them.
        let web = "Action=AssumeRoleWithWebIdentity&Version=2011-06-15";
        assert_eq!(resolve(web, Ok(None)), Ok("AssumeRoleWithWebIdentity"));
        assert_eq!(
            resolve(web, Err(unreadable)),
            Ok("AssumeRoleWithWebIdentity")
        );
    }

    #[test]
    fn decode_redirects_without_an_action_or_a_form() {
        let form = http::HeaderMap::from_iter([(
            http::header::CONTENT_TYPE,
            http::HeaderValue::from_static("application/x-www-form-urlencoded; charset=utf-8"),
        )]);
        let headers = RequestHeaders::read(&form);
        let none = RequestHeaders::default();
        let got = decode(&Method::POST, "Version=1", &headers, b"Action=A&Version=2");
        let got = got.map(|p| {
            (
                p.get("Action").map(str::to_owned),
                p.get("Version").map(str::to_owned),
            )
        });
        assert_eq!(got, Some((Some("A".into()), Some("1".into()))));
        assert!(decode(&Method::POST, "Action=A", &none, b"").is_none());
        assert!(decode(&Method::GET, "Action=A", &none, b"Action=B").is_some());
        assert!(decode(&Method::GET, "Version=1", &none, b"").is_none());
    }

    #[test]
    fn a_cassette_is_named_by_path_prefix_then_header() {
        let named = |path: &str, header: Option<&str>| {
            let uri: Uri = path.parse().unwrap();
            let mut headers = HeaderMap::new();
            if let Some(h) = header {
                headers.insert(X_PARLEL_CASSETTE, h.parse().unwrap());
            }
            let body = Bytes::new();
            let params = Params::from_urlencoded(b"Action=GetCallerIdentity&Version=2011-06-15");
            let raw = RawRequest {
                method: &Method::POST,
                uri: &uri,
                headers: &headers,
                body: &body,
            };
            let request =
                StsRequest::resolve(&params, Ok(Some(KEY)), None, Format::Xml, Some(raw)).unwrap();
            request.cassette().map(|r| r.map(str::to_owned))
        };
        assert_eq!(named("/", None), None);
        assert_eq!(named("/cassette/a-1.b/", None), Some(Ok("a-1.b".into())));
        assert_eq!(named("/cassette/x", Some("y")), Some(Ok("x".into())));
        assert_eq!(named("/", Some("y_2")), Some(Ok("y_2".into())));
        assert!(matches!(named("/cassette/../", None), Some(Err(_))));
        assert!(matches!(named("/", Some("a/b")), Some(Err(_))));
        assert!(matches!(named("/cassette//", None), Some(Err(_))));
    }
}
