//! One client connection: hyper's HTTP/1.1 dispatcher, plus a watchdog task that enforces the
//! header-read timeout and graceful shutdown.
//!
//! hyper's own `header_read_timeout` arms a timer for every request head, and hyper-util's graceful
//! wrapper polls a channel on every wake-up: together about a tenth of a small request's cost. Here
//! a request costs a few plain stores into `Activity`; a watchdog task per connection wakes a few
//! times per timeout period (not per request), and closes the connection when it has been waiting
//! for a request head (idle keep-alive, or headers that never end) for a whole period:
//!
//! - ticks come every quarter of `header_read_timeout`; a connection where no request began or
//!   ended, and none was in progress, for four ticks in a row is closed: between 1 and 1.25
//!   timeouts after it went quiet. A client that stops reading its response counts as quiet too.
//! - on shutdown, the watchdog asks hyper to finish the request in flight and close, and drops
//!   the connection once `shutdown_grace` is over.
//!
//! hyper is also polled through a waker of our own (`Activity`), which forwards every wake to the
//! task but one: taking the last piece of a request body out of hyper's body channel wakes the
//! channel's sender, which is hyper's dispatcher on this very task, long after it has sent
//! everything and hung up. Left alone, that wake costs every request a second, empty poll of the
//! whole connection; `body` holds it back when the body is complete.

use std::future::Future;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::task::{Context, Wake, Waker};
use std::time::Duration;

use atomic_waker::AtomicWaker;
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper_util::rt::TokioIo;
use tokio::net::TcpStream;
use tokio::sync::{OwnedSemaphorePermit, oneshot, watch};
use tokio::task::AbortHandle;

use super::app::App;
use super::{body, routes};

/// Ticks per header-read timeout.
const TICKS_PER_TIMEOUT: u32 = 4;

/// What the watchdog sees of a connection. Only the connection's own task writes `events` and
/// `busy`, so updates are plain (relaxed) stores: no read-modify-write on the request path.
#[derive(Default)]
struct Activity {
    /// Requests begun and ended so far (two events each).
    events: AtomicU64,
    /// A request is being answered.
    busy: AtomicBool,
    /// Shutdown was asked for: finish the request in flight, then close.
    stop: AtomicBool,
    /// The connection task, woken to act on `stop`.
    task: AtomicWaker,
}

impl Activity {
    fn request_started(&self) -> Busy<'_> {
        self.event();
        self.busy.store(true, Ordering::Relaxed);
        Busy(self)
    }

    fn event(&self) {
        let events = self.events.load(Ordering::Relaxed);
        self.events.store(events.wrapping_add(1), Ordering::Relaxed);
    }

    fn ask_to_stop(&self) {
        self.stop.store(true, Ordering::Relaxed);
        self.task.wake();
    }
}

/// The waker hyper sees: forwards to the connection's task, except while `body` holds this
/// connection's wakes back on this thread.
impl Wake for Activity {
    fn wake(self: Arc<Self>) {
        self.wake_by_ref();
    }

    fn wake_by_ref(self: &Arc<Self>) {
        if !body::hold_back(Arc::as_ptr(self).cast()) {
            self.task.wake();
        }
    }
}

/// Marks the connection busy while a request is answered (also if the answer is dropped).
struct Busy<'a>(&'a Activity);

impl Drop for Busy<'_> {
    fn drop(&mut self) {
        self.0.busy.store(false, Ordering::Relaxed);
        self.0.event();
    }
}

/// Limits and signals every connection shares.
pub(super) struct Supervision {
    pub header_read_timeout: Duration,
    pub shutdown_grace: Duration,
    pub stopped: watch::Receiver<bool>,
}

/// Serves `stream` on a task of its own, watched by a second task; `permit` is held until the
/// connection is closed.
pub(super) fn spawn(
    builder: &http1::Builder,
    stream: TcpStream,
    app: Arc<App>,
    permit: OwnedSemaphorePermit,
    supervision: &Supervision,
) {
    let activity = Arc::new(Activity::default());
    let shared = activity.clone();
    let service = service_fn(move |request: hyper::Request<Incoming>| {
        let app = app.clone();
        let activity = shared.clone();
        async move {
            let _busy = activity.request_started();
            routes::handle(&app, request).await
        }
    });
    let connection = builder.serve_connection(TokioIo::new(stream), service);
    let (closed, on_closed) = oneshot::channel::<()>();
    let watched = activity.clone();
    let task = tokio::spawn(async move {
        let mut connection = std::pin::pin!(connection);
        let mut stopping = false;
        let waker = Waker::from(watched.clone());
        let served = std::future::poll_fn(|cx| {
            // Register first: a stop asked between the check and the registration would
            // otherwise wake nobody (a wake takes the registered waker).
            watched.task.register(cx.waker());
            if !stopping && watched.stop.load(Ordering::Relaxed) {
                stopping = true;
                connection.as_mut().graceful_shutdown();
            }
            connection.as_mut().poll(&mut Context::from_waker(&waker))
        })
        .await;
        if let Err(error) = served {
            tracing::debug!(%error, "connection ended with an error");
        }
        drop(permit);
        drop(closed);
    });
    tokio::spawn(watchdog(
        activity,
        task.abort_handle(),
        on_closed,
        supervision.stopped.clone(),
        supervision.header_read_timeout,
        supervision.shutdown_grace,
    ));
}

/// Closes the connection when it has been quiet for a header-read timeout, and on shutdown once
/// the grace period is over. Ends when the connection does.
async fn watchdog(
    activity: Arc<Activity>,
    connection: AbortHandle,
    mut closed: oneshot::Receiver<()>,
    mut stopped: watch::Receiver<bool>,
    header_read_timeout: Duration,
    shutdown_grace: Duration,
) {
    let period = (header_read_timeout / TICKS_PER_TIMEOUT).max(Duration::from_millis(1));
    let mut ticks = tokio::time::interval_at(tokio::time::Instant::now() + period, period);
    ticks.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    let grace = tokio::time::sleep(Duration::MAX);
    let mut grace = std::pin::pin!(grace);
    let mut stopping = *stopped.borrow();
    if stopping {
        activity.ask_to_stop();
        grace
            .as_mut()
            .reset(tokio::time::Instant::now() + shutdown_grace);
    }
    let mut last_events = 0;
    let mut quiet_ticks = 0;
    loop {
        tokio::select! {
            _ = &mut closed => return,
            changed = stopped.changed(), if !stopping => {
                // A dropped sender (the server value is gone) means stop too.
                if changed.is_err() || *stopped.borrow() {
                    stopping = true;
                    activity.ask_to_stop();
                    grace.as_mut().reset(tokio::time::Instant::now() + shutdown_grace);
                }
            }
            _ = &mut grace, if stopping => {
                tracing::warn!("shutdown grace period over; dropping an open connection");
                connection.abort();
                return;
            }
            _ = ticks.tick() => {
                let events = activity.events.load(Ordering::Relaxed);
                if events != last_events || activity.busy.load(Ordering::Relaxed) {
                    last_events = events;
                    quiet_ticks = 0;
                    continue;
                }
                quiet_ticks += 1;
                if quiet_ticks >= TICKS_PER_TIMEOUT {
                    tracing::debug!("no request head within the header read timeout; closing");
                    connection.abort();
                    return;
                }
            }
        }
    }
}
