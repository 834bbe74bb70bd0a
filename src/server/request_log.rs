//! The one line logged per request at `info` (target `parlel_sts::request`): method, path, Action,
//! caller ARN, status, AWS error code and latency in microseconds. Never a secret or a session
//! token: the caller is named by its ARN only. Written through the process's non-blocking writer,
//! and skipped entirely (no clock read, no ARN made) when that level is off.

use std::time::Instant;

/// The log line's target: `--log-level warn,parlel_sts::request=info` keeps these lines alone.
pub(super) const TARGET: &str = "parlel_sts::request";

/// Whether request lines are written: decided once, when the server starts (the filter is fixed
/// for the life of the process).
pub(super) fn enabled() -> bool {
    tracing::enabled!(target: TARGET, tracing::Level::INFO)
}

/// What the STS path learnt about a request, for its line.
#[derive(Default)]
pub(super) struct Seen {
    pub action: Option<&'static str>,
    pub caller: Option<String>,
    pub code: Option<&'static str>,
}

pub(super) fn line(method: &http::Method, path: &str, status: u16, seen: &Seen, started: Instant) {
    let latency_us = u64::try_from(started.elapsed().as_micros()).unwrap_or(u64::MAX);
    tracing::info!(
        target: TARGET,
        method = %method,
        path = %path,
        action = %seen.action.unwrap_or("-"),
        caller = %seen.caller.as_deref().unwrap_or("-"),
        status,
        code = %seen.code.unwrap_or("-"),
        latency_us,
    );
}
