//! Request and response bodies: the body type every response has, and reading a request body
//! whole within a size limit and a timeout.
//!
//! Reading goes through `poll_body_frame`, which takes part in the connection's wake filter
//! (`connection`): taking the last piece of a body out of hyper's body channel wakes the channel's
//! sender, hyper's dispatcher on this very task, long after it has sent everything. That one wake
//! is held back here, so a request costs one poll of its connection, not two.

use std::cell::Cell;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll, Waker};
use std::time::Duration;

use bytes::Bytes;
use http_body_util::Full;
use hyper::body::{Body as _, Frame, Incoming};

/// Every response's body: one buffer, written at once.
pub(crate) type Body = Full<Bytes>;

/// Why a request body could not be read.
pub(super) enum BodyError {
    /// Longer than the limit (declared or sent).
    TooLarge,
    /// The client broke off mid-body, or sent a broken chunked encoding.
    Broken,
    /// Still arriving when the timeout ran out.
    TimedOut,
}

/// The whole body, at most `limit` bytes, within `timeout` of starting to wait for it. A body that
/// came with the request head (the usual case) is read without arming a timer, and passed on
/// as it is, without copying.
pub(super) async fn read(
    body: Incoming,
    limit: usize,
    timeout: Duration,
) -> Result<Bytes, BodyError> {
    // hyper has parsed and checked Content-Length already: refuse by it before reading.
    if body
        .size_hint()
        .exact()
        .is_some_and(|len| len > limit as u64)
    {
        return Err(BodyError::TooLarge);
    }
    let mut read = std::pin::pin!(read_all(body, limit));
    let first = std::future::poll_fn(|cx| Poll::Ready(read.as_mut().poll(cx))).await;
    match first {
        Poll::Ready(result) => result,
        Poll::Pending => tokio::time::timeout(timeout, read)
            .await
            .unwrap_or(Err(BodyError::TimedOut)),
    }
}

async fn read_all(mut body: Incoming, limit: usize) -> Result<Bytes, BodyError> {
    let mut first: Option<Bytes> = None;
    let mut joined: Option<Vec<u8>> = None;
    let mut total = 0usize;
    while !body.is_end_stream() {
        let next = std::future::poll_fn(|cx| poll_body_frame(Pin::new(&mut body), cx));
        let Some(frame) = next.await else {
            break;
        };
        let Ok(data) = frame.map_err(|_| BodyError::Broken)?.into_data() else {
            continue; // trailers
        };
        total = total.saturating_add(data.len());
        if total > limit {
            return Err(BodyError::TooLarge);
        }
        match (&mut first, &mut joined) {
            (_, Some(joined)) => joined.extend_from_slice(&data),
            (None, None) => first = Some(data),
            (Some(head), None) => {
                let mut all = Vec::with_capacity(total);
                all.extend_from_slice(head);
                all.extend_from_slice(&data);
                joined = Some(all);
            }
        }
    }
    Ok(match (first, joined) {
        (_, Some(joined)) => Bytes::from(joined),
        (Some(first), None) => first,
        (None, None) => Bytes::new(),
    })
}

thread_local! {
    /// The connection (the data pointer of its waker) whose wakes `poll_body_frame` is holding
    /// back on this thread; null when none.
    static HOLDING: Cell<*const ()> = const { Cell::new(std::ptr::null()) };
    /// A wake was held back.
    static HELD: Cell<bool> = const { Cell::new(false) };
}

/// Called by a connection's waker on every wake: whether `poll_body_frame` is holding this
/// connection's (`waker_data`'s) wakes back on this thread; the wake is then noted, not passed on.
pub(super) fn hold_back(waker_data: *const ()) -> bool {
    if HOLDING.get() == waker_data {
        HELD.set(true);
        true
    } else {
        false
    }
}

/// Ends a hold, even if the poll inside it panics (tokio would go on running other tasks on this
/// thread, which must not find their wakes held).
struct Hold;

impl Hold {
    fn start(waker: &Waker) -> Hold {
        HOLDING.set(waker.data());
        HELD.set(false);
        Hold
    }
}

impl Drop for Hold {
    fn drop(&mut self) {
        HOLDING.set(std::ptr::null());
    }
}

/// Polls `body` for its next frame, as `Body::poll_frame`. A wake of this connection made while
/// doing so (hyper's dispatcher waking itself as the channel's sender) is dropped when that frame
/// completes a body of known length: the sender then has nothing more to send and has hung up.
/// In every other case it goes through. Only this connection's wakes made on this thread during
/// this poll are held, so no other wake (another connection's, or the IO driver's on another
/// thread) is ever touched.
fn poll_body_frame(
    mut body: Pin<&mut Incoming>,
    cx: &mut Context<'_>,
) -> Poll<Option<Result<Frame<Bytes>, hyper::Error>>> {
    let hold = Hold::start(cx.waker());
    let polled = body.as_mut().poll_frame(cx);
    drop(hold);
    if HELD.replace(false) {
        let finished = matches!(polled, Poll::Ready(Some(Ok(_)))) && body.is_end_stream();
        if !finished {
            cx.waker().wake_by_ref();
        }
    }
    polled
}
