//! `Secret`: a value that must never be shown (a real credential of record mode). Its `Debug` and
//! `Display` print a redaction, so no log line, error or panic message can carry one; only
//! `expose` gives the value out, to sign with or to compare.

use std::fmt;

/// A value that must not be shown: only `expose` gives it out, for signing.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(pub(crate) String);

impl Secret {
    pub fn new(value: impl Into<String>) -> Secret {
        Secret(value.into())
    }

    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(<redacted>)")
    }
}

impl fmt::Display for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("<redacted>")
    }
}
