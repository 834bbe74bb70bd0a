//! A request as a cassette keeps it. One function builds the request record for both modes, so
//! what record mode wrote is what replay looks up (`replay::Matcher` keys both alike).

use super::model::{DIGESTED_PARAMETERS, RecordedRequest, digest};
use super::rewrite::Rewriter;
use crate::wire::render::Format;
use crate::wire::request::StsRequest;

/// `request` as kept: Action, Version, method, format, `identity`, and every parameter but
/// Action, Version and the presigned `X-Amz-*` ones, client tokens as digests, the others as
/// `rewriter` makes them, sorted.
pub fn recorded_request(
    request: &StsRequest<'_>,
    identity: String,
    rewriter: &Rewriter,
) -> RecordedRequest {
    let mut parameters: Vec<(String, String)> = request
        .params
        .pairs()
        .filter(|(name, _)| !matches!(*name, "Action" | "Version") && !name.starts_with("X-Amz-"))
        .map(|(name, value)| {
            let value = if DIGESTED_PARAMETERS.contains(&name) {
                digest(value)
            } else {
                rewriter.outward(value).into_owned()
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
