//! A request as a cassette keeps it, and what replay matches it by. One function builds the
//! request record for both modes, so what record mode wrote is what replay looks up.

use super::model::{DIGESTED_PARAMETERS, RecordedRequest, digest};
use crate::wire::render::Format;
use crate::wire::request::StsRequest;

/// `request` as kept: Action, Version, method, format, `identity`, and every parameter but
/// Action, Version and the presigned `X-Amz-*` ones, client tokens as digests, sorted.
pub fn recorded_request(request: &StsRequest<'_>, identity: String) -> RecordedRequest {
    let mut parameters: Vec<(String, String)> = request
        .params
        .pairs()
        .filter(|(name, _)| !matches!(*name, "Action" | "Version") && !name.starts_with("X-Amz-"))
        .map(|(name, value)| {
            let value = if DIGESTED_PARAMETERS.contains(&name) {
                digest(value)
            } else {
                value.to_owned()
            };
            (name.to_owned(), value)
        })
        .collect();
    parameters.sort();
    RecordedRequest {
        action: request.operation.name.to_owned(),
        version: request.params.get("Version").unwrap_or_default().to_owned(),
        method: request
            .raw
            .as_ref()
            .map_or("POST", |raw| raw.method.as_str())
            .to_owned(),
        format: match request.format {
            Format::Xml => "xml",
            Format::Json => "json",
        }
        .to_owned(),
        identity,
        parameters,
    }
}

/// What replay matches by: everything kept but the method (GET and POST of one call are the
/// same call).
pub fn match_key(request: &RecordedRequest) -> String {
    let mut key = format!(
        "{}\n{}\n{}\n{}",
        request.action, request.version, request.format, request.identity
    );
    for (name, value) in &request.parameters {
        key.push('\n');
        key.push_str(name);
        key.push('=');
        key.push_str(value);
    }
    key
}
