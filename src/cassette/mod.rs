//! Cassettes: the recorded interactions record mode writes and replay mode answers from. For now
//! their configuration (`[cassettes]`); the interaction model, redaction and the YAML and sled
//! stores come with record mode.

mod config;

pub use config::{CassetteConfig, Store};
