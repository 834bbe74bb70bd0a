//! The one line logged per request at `info` (target `parlel_sts::request`): method, path, Action,
//! caller ARN, status, AWS error code and latency in microseconds. Never a secret or a session
//! token: the caller is named by its ARN only. Laid out and queued by `logging::RequestLines`, and
//! skipped entirely (no clock read, no ARN made) when that level is off.

use std::time::SystemTime;

use crate::logging::{RequestLine, RequestLines};
use crate::wire::answer::CallerArn;

/// What the STS path learnt about a request, for its line.
#[derive(Default)]
pub(super) struct Seen {
    pub action: Option<&'static str>,
    pub caller: Option<CallerArn>,
    pub code: Option<&'static str>,
}

pub(super) fn line(
    lines: &RequestLines,
    method: &http::Method,
    path: &str,
    status: u16,
    seen: &Seen,
    started: SystemTime,
) {
    // One clock for both the latency and the line's time stamp.
    let now = SystemTime::now();
    let latency = now.duration_since(started).unwrap_or_default();
    let line = RequestLine {
        method: method.as_str(),
        path,
        action: seen.action.unwrap_or("-"),
        caller: seen.caller.as_ref().map_or("-", CallerArn::as_str),
        status,
        code: seen.code.unwrap_or("-"),
        latency_us: u64::try_from(latency.as_micros()).unwrap_or(u64::MAX),
    };
    lines.write(&line, now);
}
