//! What every request handler of one server shares.

use std::time::Duration;

use crate::fake::Fake;
use crate::logging::RequestLines;
use crate::mode::Backend;

pub(crate) struct App {
    /// Who answers STS requests.
    pub backend: Backend,
    /// The fake, beside the backend: modes fall back to it, admin routes talk to it, and answers
    /// made before any mode (limits, redirects) take their ids from it.
    pub fake: Fake,
    pub max_body_bytes: usize,
    pub body_read_timeout: Duration,
    /// Where each request's log line goes; `None` when those lines are off.
    pub request_lines: Option<&'static RequestLines>,
}
