//! What a mode answers an STS request with: a typed reply that `render` writes (the fake), or a
//! complete response whose bytes go out as they are (a recorded or forwarded answer).

use bytes::Bytes;
use http::{HeaderName, HeaderValue};

use super::ids::RequestIds;
use super::output::Output;
use crate::error::StsError;

pub enum Answer {
    Typed(Reply),
    Complete(CompleteResponse),
}

/// An answer made here: its ids and the operation's output or error.
#[derive(Debug)]
pub struct Reply {
    pub ids: RequestIds,
    pub result: Result<Output, StsError>,
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
    /// The HTTP status this answer goes out with.
    pub fn status(&self) -> u16 {
        match self {
            Answer::Typed(reply) => match &reply.result {
                Ok(_) => 200,
                Err(error) => error.code.status(),
            },
            Answer::Complete(response) => response.status,
        }
    }
}
