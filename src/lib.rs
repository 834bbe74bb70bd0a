//! parlel-sts: a wire-faithful fake of AWS STS (API 2011-06-15), growing into a record-and-replay
//! proxy. The modules follow a request:
//!
//! - `server`: TCP listener, HTTP/1.1 per connection (`connection`: header-read timeout, graceful
//!   shutdown, the connection's waker), admin routes (`/_parlel/*`).
//! - `wire`: the AWS Query protocol: `headers` (the few it reads, in one pass), `params` (form or
//!   query, first duplicate wins), `caller` (SigV4 header or presigned query), `render` (exact XML,
//!   or JSON for `Accept: application/json`).
//! - `mode`: the one place that picks who answers (today: the fake).
//! - `model`: botocore's STS model as a table, and validation in AWS's grammar.
//! - `fake`: the built-in STS: identity, self-describing credentials, one file per operation.
//! - `response` / `error`: typed answers and the one error type.
//! - `config` / `cli`: `proxy.toml`, environment and flags, loaded once at start-up.
//!
//! Start one in-process (several per process are fine):
//! ```no_run
//! # async fn demo() -> std::io::Result<()> {
//! let mut config = parlel_sts::config::Config::default();
//! config.server.listen = "127.0.0.1:0".into();
//! let server = parlel_sts::Server::start(&config).await?;
//! println!("{}", server.endpoint());
//! server.shutdown().await;
//! # Ok(()) }
//! ```

#![forbid(unsafe_code)]

pub mod cli;
pub mod config;
pub mod error;
pub mod fake;
pub mod mode;
pub mod model;
pub mod response;
pub mod server;
pub mod wire;

pub use server::Server;
