//! Cassettes: the recorded interactions record mode writes and replay mode answers from. For now
//! their configuration (`[cassettes]`) and the redaction of answers (`redact`); the interaction
//! model and the YAML and sled stores come next.

mod config;
mod redact;

pub use config::{CassetteConfig, Store};
pub use redact::{RealSession, Redacted, Redactor};
