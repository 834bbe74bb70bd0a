//! The cassette format: what one recorded exchange keeps, at the wire. The request as it was
//! meant (Action, Version, method, format, who called, every parameter, sorted), never its
//! signature, dates, SDK ids or user agent; the response as the upstream sent it, redacted
//! (status, the headers that matter, the body). Client-sent tokens (`WebIdentityToken`,
//! `SAMLAssertion`, `TokenCode`, `TradeInToken`) are kept as SHA-256 digests.
//!
//! ```yaml
//! format: 1
//! upstream: sts.us-east-1.amazonaws.com
//! redaction_key: 3f9c2a71d04be815
//! interactions:
//! - request:
//!     action: AssumeRole
//!     version: 2011-06-15
//!     method: POST
//!     format: xml
//!     identity: base
//!     parameters:
//!     - - RoleArn
//!       - arn:aws:iam::123456789012:role/app
//!     - - RoleSessionName
//!       - rec
//!   ordinal: 0
//!   recorded_at: 2026-12-01T22:55:00Z
//!   response:
//!     status: 200
//!     headers:
//!     - - content-type
//!       - text/xml
//!     - - x-amzn-requestid
//!       - 4b3c…
//!     body: |
//!       <AssumeRoleResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">
//!       …
//! ```

use serde::{Deserialize, Serialize};

/// The version of this format, written in every cassette.
pub const FORMAT: u32 = 1;

/// `Err` naming `location` when `format` is not the one this build reads.
pub fn check_format(format: u32, location: &str) -> Result<(), String> {
    if format == FORMAT {
        Ok(())
    } else {
        Err(format!(
            "{location}: cassette format {format}, but this parlel-sts reads format {FORMAT} (re-record it, or use the parlel-sts that wrote it)"
        ))
    }
}

/// Parameters kept as digests: tokens the client sends are credentials too.
pub const DIGESTED_PARAMETERS: [&str; 4] = [
    "WebIdentityToken",
    "SAMLAssertion",
    "TokenCode",
    "TradeInToken",
];

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Cassette {
    pub format: u32,
    /// The upstream's host.
    pub upstream: String,
    /// An id of the redaction key the fakes were made with (not the key).
    pub redaction_key: String,
    pub interactions: Vec<Interaction>,
}

impl Cassette {
    /// What a run of `mode` (`all` or `new`) builds on: the stored cassette for `new`, an empty
    /// one for `all`; either way under the run's upstream and redaction key.
    pub fn for_run(
        stored: Option<Cassette>,
        mode: &str,
        upstream: &str,
        redaction_key: &str,
    ) -> Cassette {
        let mut cassette = match (mode, stored) {
            ("new", Some(stored)) => stored,
            _ => Cassette {
                format: FORMAT,
                upstream: String::new(),
                redaction_key: String::new(),
                interactions: Vec::new(),
            },
        };
        upstream.clone_into(&mut cassette.upstream);
        redaction_key.clone_into(&mut cassette.redaction_key);
        cassette
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Interaction {
    pub request: RecordedRequest,
    /// Among the identical requests of this cassette, this one's place (0 for the first).
    pub ordinal: u32,
    /// RFC 3339, seconds.
    pub recorded_at: String,
    pub response: RecordedResponse,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RecordedRequest {
    pub action: String,
    pub version: String,
    pub method: String,
    /// `xml` or `json`: what the client asked for.
    pub format: String,
    /// `base`, or the (redacted) access key id of a session this cassette handed out.
    pub identity: String,
    /// (name, value), sorted; Action, Version and presigned `X-Amz-*` parameters left out.
    pub parameters: Vec<(String, String)>,
}

impl RecordedRequest {
    /// What makes two requests "the same" for ordinals: everything the request keeps.
    pub fn key(&self) -> String {
        let mut key = format!(
            "{}\n{}\n{}\n{}\n{}",
            self.action, self.version, self.method, self.format, self.identity
        );
        for (name, value) in &self.parameters {
            key.push('\n');
            key.push_str(name);
            key.push('=');
            key.push_str(value);
        }
        key
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RecordedResponse {
    pub status: u16,
    /// (lower-case name, value).
    pub headers: Vec<(String, String)>,
    pub body: String,
}

/// `sha256:` and the hex digest of `value`.
pub fn digest(value: &str) -> String {
    let hash = ring::digest::digest(&ring::digest::SHA256, value.as_bytes());
    let hex: String = hash.as_ref().iter().map(|b| format!("{b:02x}")).collect();
    format!("sha256:{hex}")
}

/// An interaction for tests: a GetCallerIdentity with parameter `X=v{n}`, ordinal `n`.
#[cfg(test)]
pub(crate) fn sample(n: u32) -> Interaction {
    Interaction {
        request: RecordedRequest {
            action: "GetCallerIdentity".into(),
            version: "2011-06-15".into(),
            method: "POST".into(),
            format: "xml".into(),
            identity: "base".into(),
            parameters: vec![("X".into(), format!("v{n}"))],
        },
        ordinal: n,
        recorded_at: "2026-12-01T00:00:00Z".into(),
        response: RecordedResponse {
            status: 200,
            headers: vec![("content-type".into(), "text/xml".into())],
            body: "<GetCallerIdentityResponse>\n  ...\n</GetCallerIdentityResponse>\n".into(),
        },
    }
}
