//! Answers to HTTP responses: a typed reply rendered as XML (`xml`) or JSON (`json`) with its
//! status and the request-id headers real STS sends; a complete response as it is; and the
//! redirect real STS answers requests without an Action with.

use bytes::Bytes;
use http::{HeaderMap, HeaderName, HeaderValue, Method, Response, StatusCode, header};

use super::answer::{Answer, CompleteResponse, Reply};
use super::headers::RequestHeaders;
use super::ids::RequestIds;
use super::output::Output;
use super::{json, xml};
use crate::error::StsError;

/// Which body format the client asked for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    Xml,
    Json,
}

impl Format {
    /// `Accept: application/json` gets JSON, as STS does for it; everything else XML.
    pub fn asked_by(headers: &RequestHeaders<'_>) -> Format {
        if headers.wants_json {
            Format::Json
        } else {
            Format::Xml
        }
    }

    pub fn content_type(self) -> &'static str {
        match self {
            Format::Xml => "text/xml",
            Format::Json => "application/json",
        }
    }
}

/// A rendered body with the HTTP status it goes out with.
pub struct Rendered {
    pub status: u16,
    pub body: Bytes,
}

pub fn render_output(output: &Output, request_id: &str, format: Format) -> Rendered {
    let body = match format {
        Format::Xml => xml::output_xml(output, request_id),
        Format::Json => json::output_json(output, request_id),
    };
    Rendered { status: 200, body }
}

pub fn render_error(error: &StsError, request_id: &str, format: Format) -> Rendered {
    let body = match format {
        Format::Xml => xml::error_xml(error, request_id),
        Format::Json => json::error_json(error, request_id),
    };
    Rendered {
        status: error.code.status(),
        body,
    }
}

static X_AMZN_REQUESTID: HeaderName = HeaderName::from_static("x-amzn-requestid");
static X_AMZ_STS_EXTENDED_REQUEST_ID: HeaderName =
    HeaderName::from_static("x-amz-sts-extended-request-id");

/// The HTTP response of an answer.
pub fn respond(answer: Answer, format: Format) -> Response<Bytes> {
    match answer {
        Answer::Typed(reply) => typed(reply, format),
        Answer::Complete(complete) => as_stored(complete),
    }
}

/// An error answered before any mode saw the request (body limits, an unknown Action, no
/// authentication), with ids of its own.
pub fn error(error: StsError, ids: RequestIds, format: Format) -> Response<Bytes> {
    typed(Reply::error(ids, error), format)
}

fn typed(reply: Reply, format: Format) -> Response<Bytes> {
    let rendered = match &reply.result {
        Ok(output) => render_output(output, &reply.ids.request_id, format),
        Err(error) => render_error(error, &reply.ids.request_id, format),
    };
    let mut response = Response::new(rendered.body);
    *response.status_mut() =
        StatusCode::from_u16(rendered.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let headers = response.headers_mut();
    headers.reserve(4);
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static(format.content_type()),
    );
    insert(headers, &X_AMZN_REQUESTID, reply.ids.request_id);
    insert(
        headers,
        &X_AMZ_STS_EXTENDED_REQUEST_ID,
        reply.ids.extended_request_id,
    );
    response
}

fn as_stored(complete: CompleteResponse) -> Response<Bytes> {
    let mut response = Response::new(complete.body);
    *response.status_mut() =
        StatusCode::from_u16(complete.status).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR);
    let headers = response.headers_mut();
    headers.reserve(complete.headers.len());
    for (name, value) in complete.headers {
        headers.append(name, value);
    }
    response
}

/// `302 Found` to `https://aws.amazon.com/iam` (GET keeps its query string), empty body: what
/// real STS answers a request without an Action (or a POST that is not a form).
pub fn redirect(method: &Method, query: &str, ids: RequestIds) -> Response<Bytes> {
    let location = if *method == Method::GET && !query.is_empty() {
        format!("https://aws.amazon.com/iam?{query}")
    } else {
        "https://aws.amazon.com/iam".to_owned()
    };
    let mut response = Response::new(Bytes::new());
    *response.status_mut() = StatusCode::FOUND;
    insert(response.headers_mut(), &header::LOCATION, location);
    insert(
        response.headers_mut(),
        &X_AMZ_STS_EXTENDED_REQUEST_ID,
        ids.extended_request_id,
    );
    response
}

/// Takes the value's buffer as the header's (no copy); a value that is not a valid header is left out.
fn insert(headers: &mut HeaderMap, name: &HeaderName, value: String) {
    if let Ok(v) = HeaderValue::try_from(value) {
        headers.insert(name.clone(), v);
    }
}
