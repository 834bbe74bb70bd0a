//! The STS request path, as a straight line of named stages:
//! read the body (bounded) -> decode -> resolve -> verify (strict mode) -> mode -> render, one write;
//! then the request's log line. An answer made before the mode (a limit, a redirect, an unknown
//! Action, no credentials) takes its ids from the fake, as every answer made here does.

use std::time::SystemTime;

use http::request::Parts;
use http::{HeaderValue, Request, Response, header};
use hyper::body::Incoming;

use super::app::App;
use super::body::{self, Body, BodyError};
use super::request_log::{self, Seen};
use crate::error::{ErrorCode, StsError};
use crate::wire::caller::read_caller;
use crate::wire::headers::{RequestHeaders, ascii_str};
use crate::wire::params::Params;
use crate::wire::render::{self, Format};
use crate::wire::request::{self, RawRequest, StsRequest};
use crate::wire::sigv4::{self, AuthMode};

pub(super) async fn answer(app: &App, request: Request<Incoming>) -> Response<Body> {
    let started = app.request_lines.map(|lines| (lines, SystemTime::now()));
    let (parts, body) = request.into_parts();
    let mut seen = Seen::default();
    let response = stages(app, &parts, body, &mut seen).await;
    if let Some((lines, started)) = started {
        let status = response.status().as_u16();
        request_log::line(
            lines,
            &parts.method,
            parts.uri.path(),
            status,
            &seen,
            started,
        );
    }
    response
}

async fn stages(app: &App, parts: &Parts, body: Incoming, seen: &mut Seen) -> Response<Body> {
    let headers = RequestHeaders::read(&parts.headers);
    let format = Format::asked_by(&headers);

    let body = match body::read(body, app.max_body_bytes, app.body_read_timeout).await {
        Ok(body) => body,
        Err(error) => return unread(app, error, format, seen),
    };

    let query = parts.uri.query().unwrap_or_default();
    let Some(params) = request::decode(&parts.method, query, &headers, &body) else {
        return render::redirect(&parts.method, query, app.fake.fresh_ids()).map(Body::new);
    };

    let raw = RawRequest {
        method: &parts.method,
        uri: &parts.uri,
        headers: &parts.headers,
        body: &body,
    };
    let caller = read_caller(&headers, &params);
    let host = headers.host.and_then(ascii_str);
    let mut request = match StsRequest::resolve(&params, caller, host, format, Some(raw)) {
        Ok(request) => request,
        Err(error) => {
            seen.code = Some(error.code.as_str());
            return refused(app, error, format);
        }
    };
    seen.action = Some(request.operation.name);
    if app.auth == AuthMode::Strict
        && let Err(error) = verify(app, &request, &headers, &params)
    {
        seen.code = Some(error.code.as_str());
        return refused(app, error, format);
    }
    request.describe_caller = app.request_lines.is_some();

    let mut answer = app.backend.answer(&app.fake, &request).await;

    if let Some(warning) = answer.take_warning() {
        tracing::warn!(action = request.operation.name, "{warning}");
    }
    seen.code = answer.error_code();
    seen.caller = answer.take_caller_arn();
    render::respond(answer, format).map(Body::new)
}

/// Strict mode: a signed operation's signature, by the secret of the key it names. A bad or
/// foreign token is refused before the signature is looked at, as AWS does. Unsigned operations
/// are checked only when they carry a signature.
fn verify(
    app: &App,
    request: &StsRequest<'_>,
    headers: &RequestHeaders<'_>,
    params: &Params,
) -> Result<(), StsError> {
    let (Some(credentials), Some(raw)) = (&request.caller, &request.raw) else {
        return Ok(());
    };
    let stated = match headers.authorization.and_then(ascii_str) {
        Some(authorization) => {
            // AWS: a `Date` header in ISO 8601 basic format stands in for a missing `X-Amz-Date`.
            let date = headers
                .amz_date
                .or_else(|| raw.headers.get(header::DATE))
                .and_then(ascii_str);
            sigv4::from_authorization(authorization, date)?
        }
        None => sigv4::from_query(|name| params.get(name))?,
    };
    // The key and region that pick the secret are the ones whose scope the signature covers.
    if stated.access_key_id != credentials.access_key_id
        || Some(stated.region) != credentials.region
    {
        return Err(StsError::new(
            ErrorCode::IncompleteSignature,
            "The credential scope of the signature is not the one of the request's credentials.",
        ));
    }
    let now = app.fake.clock().now();
    let secret = app.fake.secret_of(credentials, now)?;
    sigv4::verify(raw, &stated, &secret, now, &app.signing_keys)
}

/// An STS error answered before any mode saw the request.
fn refused(app: &App, error: StsError, format: Format) -> Response<Body> {
    render::error(error, app.fake.fresh_ids(), format).map(Body::new)
}

/// A body that could not be read: an AWS-style error, and the connection closes after it (what is
/// left of the body is not read).
fn unread(app: &App, error: BodyError, format: Format, seen: &mut Seen) -> Response<Body> {
    let error = match error {
        BodyError::TooLarge => StsError::new(
            ErrorCode::RequestEntityTooLarge,
            format!(
                "Request body must be no longer than {} bytes",
                app.max_body_bytes
            ),
        ),
        BodyError::Broken => {
            StsError::new(ErrorCode::MalformedInput, "The request body is incomplete")
        }
        BodyError::TimedOut => StsError::new(
            ErrorCode::RequestTimeout,
            "Your socket connection to the server was not read from or written to within the timeout period.",
        ),
    };
    seen.code = Some(error.code.as_str());
    let mut response = refused(app, error, format);
    response
        .headers_mut()
        .insert(header::CONNECTION, HeaderValue::from_static("close"));
    response
}
