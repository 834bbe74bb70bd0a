//! The listener: accepts TCP connections, serves each with hyper's HTTP/1.1 (keep-alive,
//! TCP_NODELAY; `connection` adds the header-read timeout), bounds the number of connections, and
//! shuts down gracefully (in-flight requests finish, bounded by `server.shutdown_grace_ms`).
//!
//! A `Server` is a value, not a global: tests start several in one process on port 0.

mod admin;
mod app;
mod body;
mod connection;
mod request_log;
mod routes;
mod sts;

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use hyper::server::conn::http1;
use tokio::net::TcpListener;
use tokio::sync::{Semaphore, watch};
use tokio::task::JoinHandle;

use crate::config::{Config, ConfigError};
use crate::fake::Fake;
use crate::mode::{Backend, Mode};
use app::App;

/// Why a server did not start.
#[derive(Debug, thiserror::Error)]
pub enum StartError {
    /// A value of the configuration, or a file it names.
    #[error("{0}")]
    Config(#[from] ConfigError),
    #[error("cannot listen on {listen}: {source}")]
    Listen {
        listen: String,
        source: std::io::Error,
    },
}

/// A running server. Drop it or call `shutdown` to stop it.
pub struct Server {
    local_addr: SocketAddr,
    app: Arc<App>,
    stop: watch::Sender<bool>,
    task: Option<JoinHandle<()>>,
}

impl Server {
    /// Checks `config` and reads the files it names (`Config::ready`), builds the configured
    /// mode, binds `server.listen` (port 0 picks a free port) and starts serving in the background.
    pub async fn start(config: &Config) -> Result<Server, StartError> {
        let config = config.clone().ready()?;
        let addr = config
            .listen_addr()
            .map_err(|e| ConfigError(format!("server.listen: {e}")))?;
        let backend = Backend::build(
            config.server.mode,
            &config.record,
            &config.replay,
            &config.cassettes,
            config.record_credentials.as_ref(),
        )
        .map_err(|e| ConfigError(format!("server.mode: {e}")))?;
        let listen_error = |source| StartError::Listen {
            listen: config.server.listen.clone(),
            source,
        };
        let listener = TcpListener::bind(addr).await.map_err(listen_error)?;
        let local_addr = listener.local_addr().map_err(listen_error)?;
        let app = Arc::new(App {
            backend,
            fake: Fake::new(&config.fake)
                .with_local_url(local_url(local_addr))
                .with_auth(config.server.auth),
            auth: config.server.auth,
            signing_keys: crate::wire::sigv4::SigningKeys::default(),
            max_body_bytes: config.server.max_body_bytes,
            body_read_timeout: Duration::from_millis(config.server.body_read_timeout_ms),
            request_lines: crate::logging::request_lines(),
        });
        warn_of_a_distant_clock(&config);
        let (stop, stopped) = watch::channel(false);
        let limits = Limits {
            header_read_timeout: Duration::from_millis(config.server.header_read_timeout_ms),
            max_connections: config.server.max_connections,
            shutdown_grace: Duration::from_millis(config.server.shutdown_grace_ms),
        };
        let task = tokio::spawn(accept_loop(listener, app.clone(), limits, stopped));
        Ok(Server {
            local_addr,
            app,
            stop,
            task: Some(task),
        })
    }

    pub fn local_addr(&self) -> SocketAddr {
        self.local_addr
    }

    /// `http://127.0.0.1:PORT`: what to give an SDK as its endpoint URL.
    pub fn endpoint(&self) -> String {
        format!("http://{}", self.local_addr)
    }

    pub fn mode(&self) -> Mode {
        self.app.backend.mode()
    }

    /// The upstream's host, in record mode.
    pub fn upstream(&self) -> Option<&str> {
        self.app.backend.upstream()
    }

    /// What replay did so far with each cassette (replay mode, record mode `new`).
    pub fn replay_report(&self) -> Option<crate::replay::ReplayReport> {
        self.app.backend.replay_report()
    }

    /// Replay mode's default cassette.
    pub fn replay_cassette(&self) -> Option<&str> {
        self.app.backend.replay_cassette()
    }

    /// The fake beside this server's mode: its clock, reset and live-session count.
    pub fn fake(&self) -> &Fake {
        &self.app.fake
    }

    /// Stops accepting, lets in-flight requests finish (up to the grace period), and returns when
    /// every connection is closed.
    pub async fn shutdown(mut self) {
        let _ = self.stop.send(true);
        if let Some(task) = self.task.take() {
            let _ = task.await;
        }
        // Every connection is closed: the mode's run is over (record mode writes its cassette).
        self.app.backend.finish().await;
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.stop.send(true);
    }
}

/// A clock pinned more than a day away from the system clock is usually a mistake, and each
/// direction has its own consequence.
fn warn_of_a_distant_clock(config: &Config) {
    const DAY_MS: i64 = 86_400_000;
    let Ok(Some(pinned)) = config.fake.pinned_clock_ms() else {
        return;
    };
    let away = pinned - crate::fake::Clock::new(None).now_ms();
    let days = away.abs() / DAY_MS;
    if away < -DAY_MS {
        tracing::warn!(
            "fake.clock is pinned {days} day(s) behind the system clock: SDKs and the aws CLI \
             compare Expiration with their own clock, so credentials issued at a pinned time in \
             the past look expired to them (\"Credentials were refreshed, but the refreshed \
             credentials are still expired\"); pin a time near now or in the future, or move it \
             with POST /_parlel/clock"
        );
    } else if away > DAY_MS {
        tracing::warn!(
            "fake.clock is pinned {days} day(s) ahead of the system clock: credentials expire \
             relative to it (SDKs see them valid for longer), but web identity tokens and SAML \
             assertions made with a real clock look expired or stale to the fake"
        );
    }
}

/// `http://ADDR` for the bound address (`127.0.0.1` for a wildcard bind).
fn local_url(addr: SocketAddr) -> String {
    let mut addr = addr;
    if addr.ip().is_unspecified() {
        addr.set_ip(std::net::Ipv4Addr::LOCALHOST.into());
    }
    format!("http://{addr}")
}

struct Limits {
    header_read_timeout: Duration,
    max_connections: usize,
    shutdown_grace: Duration,
}

async fn accept_loop(
    listener: TcpListener,
    app: Arc<App>,
    limits: Limits,
    mut stopped: watch::Receiver<bool>,
) {
    let mut builder = http1::Builder::new();
    builder.keep_alive(true);
    let supervision = connection::Supervision {
        header_read_timeout: limits.header_read_timeout,
        shutdown_grace: limits.shutdown_grace,
        stopped: stopped.clone(),
    };
    let connections = Arc::new(Semaphore::new(limits.max_connections));
    loop {
        let accepted = tokio::select! {
            accepted = listener.accept() => accepted,
            _ = stopped.changed() => break,
        };
        let stream = match accepted {
            Ok((stream, _peer)) => stream,
            Err(error) => {
                // Out of file descriptors and the like: back off instead of spinning.
                tracing::warn!(%error, "accept failed");
                tokio::time::sleep(Duration::from_millis(20)).await;
                continue;
            }
        };
        // Over the connection limit, refuse by closing: memory stays bounded.
        let Ok(permit) = connections.clone().try_acquire_owned() else {
            tracing::warn!("connection limit reached; closing a new connection");
            continue;
        };
        let _ = stream.set_nodelay(true);
        connection::spawn(&builder, stream, app.clone(), permit, &supervision);
    }
    drop(listener);
    // Every connection holds a permit until it is closed; each one's watchdog drops it once the
    // grace period is over.
    let all = u32::try_from(limits.max_connections).unwrap_or(u32::MAX);
    let _ = connections.acquire_many(all).await;
}
