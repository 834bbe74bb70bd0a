//! What every request handler of one server shares.

use std::time::Duration;

use crate::fake::Fake;
use crate::logging::RequestLines;
use crate::mode::Backend;
use crate::wire::sigv4::{AuthMode, SigningKeys};

pub(crate) struct App {
    /// Who answers STS requests.
    pub backend: Backend,
    /// The fake, beside the backend: modes fall back to it, admin routes talk to it, and answers
    /// made before any mode (limits, redirects) take their ids from it.
    pub fake: Fake,
    /// Whether signatures are checked before the mode sees a request.
    pub auth: AuthMode,
    /// Strict mode's derived signing keys.
    pub signing_keys: SigningKeys,
    pub max_body_bytes: usize,
    pub body_read_timeout: Duration,
    /// Where each request's log line goes; `None` when those lines are off.
    pub request_lines: Option<&'static RequestLines>,
}
