//! One HTTP request: admin route, or the STS request path
//! (read a bounded body -> parameters -> caller -> backend -> render, one write).

use std::convert::Infallible;
use std::future::Future;
use std::pin::Pin;
use std::task::Poll;

use bytes::Bytes;
use http::{HeaderMap, HeaderName, HeaderValue, Method, Request, Response, StatusCode, header};
use http_body_util::Full;
use hyper::body::{Body as _, Incoming};

use super::App;
use super::admin;
use super::connection;
use crate::error::{ErrorCode, StsError};
use crate::fake::StsRequest;
use crate::wire::caller::read_caller;
use crate::wire::headers::{RequestHeaders, ascii_str};
use crate::wire::params::Params;
use crate::wire::render::{Format, Rendered, render_error, render_output};

pub(crate) type Body = Full<Bytes>;

pub(crate) async fn handle(
    app: &App,
    request: Request<Incoming>,
) -> Result<Response<Body>, Infallible> {
    if let Some(route) = request.uri().path().strip_prefix("/_parlel/") {
        let route = route.to_owned();
        return Ok(admin::handle(app, &route, request).await);
    }
    Ok(sts(app, request).await)
}

async fn sts(app: &App, request: Request<Incoming>) -> Response<Body> {
    let (parts, body) = request.into_parts();
    let headers = RequestHeaders::read(&parts.headers);
    // `Accept: application/json` gets JSON, as STS does for it; everything else XML.
    let format = if headers.wants_json {
        Format::Json
    } else {
        Format::Xml
    };

    // Bounded body: refuse by the declared length before reading, then enforce while reading.
    // (hyper has parsed and checked Content-Length already; the body's exact size is that length.)
    let declared = body.size_hint().exact();
    if declared.is_some_and(|len| len > app.max_body_bytes as u64) {
        return too_large(app, format);
    }
    // Usually the whole body came with the headers: read it without arming a timer, and only
    // start the clock when the client is still sending.
    let mut read = std::pin::pin!(read_body(body, app.max_body_bytes));
    let first = std::future::poll_fn(|cx| Poll::Ready(read.as_mut().poll(cx))).await;
    let collected = match first {
        Poll::Ready(result) => Ok(result),
        Poll::Pending => tokio::time::timeout(app.body_read_timeout, read).await,
    };
    let body = match collected {
        Ok(Ok(body)) => body,
        Ok(Err(BodyError::TooLarge)) => return too_large(app, format),
        // The client broke off mid-body (or sent a broken chunked encoding).
        Ok(Err(BodyError::Broken)) => return closing(incomplete_body(app, format)),
        Err(_) => {
            let error = StsError::new(
                ErrorCode::RequestTimeout,
                "Your socket connection to the server was not read from or written to within the timeout period.",
            );
            return closing(error_response(app, &error, format));
        }
    };

    let query = parts.uri.query().unwrap_or_default();
    let mut params = Params::from_urlencoded(query.as_bytes());
    let is_form = headers.content_type.and_then(ascii_str).is_some_and(|ct| {
        ct.split(';').next().is_some_and(|m| {
            m.trim()
                .eq_ignore_ascii_case("application/x-www-form-urlencoded")
        })
    });
    if parts.method == Method::POST && is_form {
        params.extend_from_urlencoded(&body);
    }
    // No Action (or a POST that is not a form): real STS redirects to the IAM home page.
    if params.get("Action").is_none() || (parts.method == Method::POST && !is_form) {
        return redirect(app, &parts.method, query);
    }

    let caller = read_caller(&headers, &params);
    let reply = app.backend.answer(&StsRequest {
        params: &params,
        caller,
        host: headers.host.and_then(ascii_str),
    });
    let rendered = match &reply.result {
        Ok(output) => render_output(output, &reply.request_id, format),
        Err(error) => render_error(error, &reply.request_id, format),
    };
    tracing::debug!(
        action = params.get("Action").unwrap_or_default(),
        status = rendered.status,
        request_id = %reply.request_id,
        "sts request"
    );
    respond(
        rendered,
        format,
        reply.request_id,
        reply.extended_request_id,
    )
}

enum BodyError {
    TooLarge,
    Broken,
}

/// The whole body, at most `limit` bytes. A body that arrives in one frame (the usual case) is
/// passed on as it is, without copying.
async fn read_body(mut body: Incoming, limit: usize) -> Result<Bytes, BodyError> {
    let mut first: Option<Bytes> = None;
    let mut joined: Option<Vec<u8>> = None;
    let mut total = 0usize;
    while !body.is_end_stream() {
        let next = std::future::poll_fn(|cx| connection::poll_body_frame(Pin::new(&mut body), cx));
        let Some(frame) = next.await else {
            break;
        };
        let Ok(data) = frame.map_err(|_| BodyError::Broken)?.into_data() else {
            continue; // trailers
        };
        total = total.saturating_add(data.len());
        if total > limit {
            return Err(BodyError::TooLarge);
        }
        match (&mut first, &mut joined) {
            (_, Some(joined)) => joined.extend_from_slice(&data),
            (None, None) => first = Some(data),
            (Some(head), None) => {
                let mut all = Vec::with_capacity(total);
                all.extend_from_slice(head);
                all.extend_from_slice(&data);
                joined = Some(all);
            }
        }
    }
    Ok(match (first, joined) {
        (_, Some(joined)) => Bytes::from(joined),
        (Some(first), None) => first,
        (None, None) => Bytes::new(),
    })
}

static X_AMZN_REQUESTID: HeaderName = HeaderName::from_static("x-amzn-requestid");
static X_AMZ_STS_EXTENDED_REQUEST_ID: HeaderName =
    HeaderName::from_static("x-amz-sts-extended-request-id");

fn respond(
    rendered: Rendered,
    format: Format,
    request_id: String,
    extended: String,
) -> Response<Body> {
    let mut response = Response::new(Full::new(rendered.body));
    *response.status_mut() =
        StatusCode::from_u16(rendered.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let headers = response.headers_mut();
    headers.reserve(4);
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static(format.content_type()),
    );
    insert(headers, &X_AMZN_REQUESTID, request_id);
    insert(headers, &X_AMZ_STS_EXTENDED_REQUEST_ID, extended);
    response
}

/// Takes the value's buffer as the header's (no copy); a value that is not a valid header is left out.
fn insert(headers: &mut HeaderMap, name: &HeaderName, value: String) {
    if let Ok(v) = HeaderValue::try_from(value) {
        headers.insert(name.clone(), v);
    }
}

/// An error that did not reach the backend (body limits, timeouts) still gets ids from it.
fn error_response(app: &App, error: &StsError, format: Format) -> Response<Body> {
    let (request_id, extended) = app.backend.fake().fresh_ids();
    respond(
        render_error(error, &request_id, format),
        format,
        request_id,
        extended,
    )
}

fn too_large(app: &App, format: Format) -> Response<Body> {
    let error = StsError::new(
        ErrorCode::RequestEntityTooLarge,
        format!(
            "Request body must be no longer than {} bytes",
            app.max_body_bytes
        ),
    );
    closing(error_response(app, &error, format))
}

fn incomplete_body(app: &App, format: Format) -> Response<Body> {
    let error = StsError::new(ErrorCode::MalformedInput, "The request body is incomplete");
    error_response(app, &error, format)
}

/// Asks hyper to close the connection after this response: the rest of the body is unread.
fn closing(mut response: Response<Body>) -> Response<Body> {
    response
        .headers_mut()
        .insert(header::CONNECTION, HeaderValue::from_static("close"));
    response
}

/// `302 Found` to `https://aws.amazon.com/iam` (GET keeps its query string), empty body.
fn redirect(app: &App, method: &Method, query: &str) -> Response<Body> {
    let location = if *method == Method::GET && !query.is_empty() {
        format!("https://aws.amazon.com/iam?{query}")
    } else {
        "https://aws.amazon.com/iam".to_owned()
    };
    let (_, extended) = app.backend.fake().fresh_ids();
    let mut response = Response::new(Full::new(Bytes::new()));
    *response.status_mut() = StatusCode::FOUND;
    insert(response.headers_mut(), &header::LOCATION, location);
    insert(
        response.headers_mut(),
        &X_AMZ_STS_EXTENDED_REQUEST_ID,
        extended,
    );
    response
}
