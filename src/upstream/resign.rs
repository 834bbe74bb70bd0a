//! The request that goes up: the client's request as it asks (method, path, every query parameter
//! and the body, byte for byte), without what belongs to the client's own signature or SDK
//! (`Authorization`, `X-Amz-Date`, `X-Amz-Security-Token`, `X-Amz-Content-Sha256`, user agents,
//! invocation ids, `Host`, `Content-Length`), signed again by aws-sigv4 with the credentials
//! record mode chose, at the current time. A presigned GET is presigned again the same way, for
//! its `X-Amz-Expires`, its signed headers (an EKS token's `x-k8s-aws-id`) going along. A request
//! that came unsigned goes up unsigned.

use std::time::{Duration, SystemTime};

use aws_credential_types::Credentials;
use aws_sigv4::http_request::{
    SignableBody, SignableRequest, SignatureLocation, SigningSettings, sign,
};
use aws_sigv4::sign::v4::SigningParams;
use aws_smithy_runtime_api::client::identity::Identity;
use bytes::Bytes;
use http::{HeaderName, HeaderValue, Request, header};
use http_body_util::Full;

use crate::secret::Secret;
use crate::wire::request::RawRequest;

/// The credentials a forwarded request is signed with.
pub struct SigningCredentials<'a> {
    pub access_key_id: &'a Secret,
    pub secret_access_key: &'a Secret,
    pub session_token: Option<&'a Secret>,
}

/// The presigned query's own parameters: replaced by the new presignature.
const PRESIGN_PARAMETERS: [&str; 7] = [
    "X-Amz-Algorithm",
    "X-Amz-Credential",
    "X-Amz-Date",
    "X-Amz-Expires",
    "X-Amz-SignedHeaders",
    "X-Amz-Signature",
    "X-Amz-Security-Token",
];

/// The request for `base` (`scheme://authority` of the upstream), signed with `signer` for
/// `region` at `now`; unsigned when `signer` is `None`.
pub fn forwarded(
    raw: &RawRequest<'_>,
    base: &str,
    authority: &str,
    region: &str,
    signer: Option<&SigningCredentials<'_>>,
    now: SystemTime,
) -> Result<Request<Full<Bytes>>, String> {
    let query = raw.uri.query().unwrap_or_default();
    let presigned_for = presigned_expiry(query);
    let kept_query: Vec<&str> = query
        .split('&')
        .filter(|pair| !pair.is_empty())
        .filter(|pair| {
            presigned_for.is_none() || {
                let name = pair.split_once('=').map_or(*pair, |(n, _)| n);
                !PRESIGN_PARAMETERS.contains(&name)
            }
        })
        .collect();
    let mut url = format!("{base}{}", raw.uri.path());
    if !kept_query.is_empty() {
        url.push('?');
        url.push_str(&kept_query.join("&"));
    }
    // What goes along: the body's type, the answer's wanted type, and the headers a presigned
    // URL signed (not host).
    let signed_names = if presigned_for.is_some() {
        presigned_signed_headers(query)
    } else {
        Vec::new()
    };
    let mut headers: Vec<(&str, &str)> = vec![("host", authority)];
    if let Some(content_type) = raw.headers.get(header::CONTENT_TYPE).and_then(ascii) {
        headers.push(("content-type", content_type));
    }
    // `Accept: application/json` asks STS for a JSON answer.
    if let Some(accept) = raw.headers.get(header::ACCEPT).and_then(ascii) {
        headers.push(("accept", accept));
    }
    for name in &signed_names {
        if name != "host"
            && name != "content-type"
            && name != "accept"
            && !name.starts_with("x-amz-")
            && let Some(value) = raw.headers.get(name.as_str()).and_then(ascii)
        {
            headers.push((name.as_str(), value));
        }
    }
    let mut request = Request::builder()
        .method(raw.method.clone())
        .uri(&url)
        .body(Full::new(raw.body.clone()))
        .map_err(|e| format!("the forwarded request: {e}"))?;
    for (name, value) in &headers {
        let header_name =
            HeaderName::from_bytes(name.as_bytes()).map_err(|e| format!("header {name}: {e}"))?;
        let value = HeaderValue::from_str(value).map_err(|e| format!("header {name}: {e}"))?;
        request.headers_mut().insert(header_name, value);
    }
    let Some(signer) = signer else {
        return Ok(request);
    };
    let identity: Identity = Credentials::new(
        signer.access_key_id.expose(),
        signer.secret_access_key.expose(),
        signer.session_token.map(|t| t.expose().to_owned()),
        None,
        "record mode",
    )
    .into();
    let mut settings = SigningSettings::default();
    if let Some(expires) = presigned_for {
        settings.signature_location = SignatureLocation::QueryParams;
        settings.expires_in = Some(Duration::from_secs(expires));
    }
    let params = SigningParams::builder()
        .identity(&identity)
        .region(region)
        .name("sts")
        .time(now)
        .settings(settings)
        .build()
        .map_err(|e| format!("signing: {e}"))?
        .into();
    let signable = SignableRequest::new(
        raw.method.as_str(),
        url.as_str(),
        headers.iter().copied(),
        SignableBody::Bytes(raw.body),
    )
    .map_err(|e| format!("signing: {e}"))?;
    let (instructions, _) = sign(signable, &params)
        .map_err(|e| format!("signing: {e}"))?
        .into_parts();
    instructions.apply_to_request_http1x(&mut request);
    Ok(request)
}

fn ascii(value: &HeaderValue) -> Option<&str> {
    value.to_str().ok()
}

/// `X-Amz-Expires` of a presigned query (`X-Amz-Signature` present), else `None`.
fn presigned_expiry(query: &str) -> Option<u64> {
    let mut signature = false;
    let mut expires = None;
    for (name, value) in form_urlencoded::parse(query.as_bytes()) {
        match name.as_ref() {
            "X-Amz-Signature" => signature = true,
            "X-Amz-Expires" => expires = value.parse().ok(),
            _ => {}
        }
    }
    if signature {
        Some(expires.unwrap_or(900))
    } else {
        None
    }
}

/// `X-Amz-SignedHeaders` of a presigned query, lower case.
fn presigned_signed_headers(query: &str) -> Vec<String> {
    form_urlencoded::parse(query.as_bytes())
        .find(|(name, _)| name == "X-Amz-SignedHeaders")
        .map(|(_, value)| {
            value
                .split(';')
                .map(|n| n.trim().to_ascii_lowercase())
                .collect()
        })
        .unwrap_or_default()
}
