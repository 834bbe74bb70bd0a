//! What a mode answers an STS request with: a typed reply that `render` writes (the fake), or a
//! complete response whose bytes go out as they are (a recorded or forwarded answer).

use std::sync::Arc;

use bytes::Bytes;
use http::{HeaderName, HeaderValue};

use super::ids::RequestIds;
use super::output::Output;
use crate::error::StsError;

pub enum Answer {
    Typed(Reply),
    Complete(CompleteResponse),
}

/// An answer made here: its ids and the operation's output or error, and what the request log
/// line says about it.
#[derive(Debug)]
pub struct Reply {
    pub ids: RequestIds,
    pub result: Result<Output, StsError>,
    /// Who called, when the request asked (`StsRequest::describe_caller`) and the caller is known.
    pub caller_arn: Option<CallerArn>,
    /// Something the user should hear about this request (logged as a warning).
    pub warning: Option<String>,
}

impl Reply {
    /// An error answered with nothing more to say.
    pub fn error(ids: RequestIds, error: StsError) -> Reply {
        Reply {
            ids,
            result: Err(error),
            caller_arn: None,
            warning: None,
        }
    }
}

/// A caller's ARN, for the request log line: shared with the configuration for long-term keys
/// (made once at start-up), made for the request for a session.
#[derive(Debug)]
pub enum CallerArn {
    Shared(Arc<str>),
    Made(String),
}

impl CallerArn {
    pub fn as_str(&self) -> &str {
        match self {
            CallerArn::Shared(arn) => arn,
            CallerArn::Made(arn) => arn,
        }
    }
}

/// An answer made elsewhere (real STS, through a cassette or the upstream): status, the headers
/// that matter, and the body, sent as they are.
#[derive(Debug, Clone)]
pub struct CompleteResponse {
    pub status: u16,
    pub headers: Vec<(HeaderName, HeaderValue)>,
    pub body: Bytes,
}

impl Answer {
    /// The AWS error code of a typed error answer.
    pub fn error_code(&self) -> Option<&'static str> {
        match self {
            Answer::Typed(Reply { result: Err(e), .. }) => Some(e.code.as_str()),
            _ => None,
        }
    }

    /// Who called, when the mode said.
    pub fn take_caller_arn(&mut self) -> Option<CallerArn> {
        match self {
            Answer::Typed(reply) => reply.caller_arn.take(),
            Answer::Complete(_) => None,
        }
    }

    /// What the user should hear about this request, when the mode said.
    pub fn take_warning(&mut self) -> Option<String> {
        match self {
            Answer::Typed(reply) => reply.warning.take(),
            Answer::Complete(_) => None,
        }
    }
}
