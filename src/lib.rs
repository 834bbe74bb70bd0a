//! parlel-sts: a wire-faithful fake of AWS STS (API 2011-06-15), growing into a record-and-replay
//! proxy. The modules follow a request:
//!
//! - `server` (transport): the TCP listener, HTTP/1.1 per connection (`connection`: header-read
//!   timeout, graceful shutdown, the connection's waker), bodies read within their limits
//!   (`body`), `routes` (admin or STS), the admin routes (`admin`, `/_parlel/*`), and the STS path
//!   as named stages (`sts`): read the body -> decode -> resolve -> verify (strict mode) -> mode
//!   -> render.
//! - `wire` (the AWS Query protocol, both ways): in, `headers` (the few it reads, in one pass),
//!   `form` and `params` (form or query, first duplicate wins), `caller` (SigV4 header or
//!   presigned query), `sigv4` (strict mode's signature check) and `request` (the `StsRequest` every mode takes: operation, parameters,
//!   caller, raw request); out, `answer` (a typed reply or a complete response), `ids`, `output`,
//!   `render` (`xml`, exact as STS writes it, or `json`).
//! - `mode`: which modes exist, their start-up guards (record mode: not under CI unless allowed,
//!   loopback only), and the backend of the configured one: the fake, a `upstream::Recorder` or
//!   a `replay::Replayer`.
//! - `upstream` (record mode's way to real STS: its `[record]` section, the real credentials as
//!   `Secret`s, the pooled client, re-signing, the sessions it handed out, record mode `new`'s
//!   front), `replay` (answers from cassettes: the match key and its rules, order, rebasing, the
//!   report) and `cassette` (the format, redaction and rewriting rules, the fail-closed scan, the
//!   YAML and sled stores, the cassettes requests name), beside `fake`.
//! - `fake`: the built-in STS, pure (the `Fake` has no sockets, files or globals): identity,
//!   self-describing credentials, one file per operation, and its own `[fake]` configuration
//!   section (whose JWKS files are read once, at start-up).
//! - `model`: botocore's STS model as a table, and validation in AWS's grammar.
//! - `error`, `timestamp`, `decimal`: the one error type, RFC 3339 times, decimal digits;
//!   `logging`: the process's log lines (batched to stderr, text or JSON).
//! - `config` / `cli`: `proxy.toml`, environment and flags, composed from each part's section
//!   and loaded once at start-up.
//! - `tools`: `parlel-sts cassette ...` (list, show, verify, prune, drift, scan, convert), on
//!   stored cassettes with no server.
//!
//! Imports run one way, with no circle: `server` -> `config` -> `mode` -> `fake` -> `wire` ->
//! `model` -> `error`, `timestamp`, `decimal`. The fake knows nothing of the server, the
//! configuration file or the modes; the protocol knows nothing of the fake.
//!
//! Start one in-process (several per process are fine; README.md shows the same lines):
//! ```
//! # #[tokio::main(flavor = "current_thread")]
//! # async fn main() -> Result<(), parlel_sts::server::StartError> {
//! let mut config = parlel_sts::config::Config::default();
//! config.server.listen = "127.0.0.1:0".into();
//! let server = parlel_sts::Server::start(&config).await?;
//! let endpoint = server.endpoint();          // http://127.0.0.1:PORT
//! server.fake().clock().advance(3_600_000);  // expire credentials without sleeping
//! # assert!(endpoint.starts_with("http://127.0.0.1:"));
//! server.shutdown().await;
//! # Ok(()) }
//! ```

#![forbid(unsafe_code)]

pub mod cassette;
pub mod cli;
pub mod config;
pub mod decimal;
pub mod error;
pub mod fake;
pub mod logging;
pub mod mode;
pub mod model;
pub mod parallel;
pub mod replay;
pub mod secret;
pub mod server;
#[cfg(test)]
mod test_random;
pub mod timestamp;
pub mod tools;
pub mod upstream;
pub mod wire;

pub use server::Server;
