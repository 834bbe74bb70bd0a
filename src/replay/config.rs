//! Replay mode's section of the configuration, `[replay]`: what a miss gets, and whether
//! recorded times move to now.

use serde::Deserialize;

/// `replay.on_miss` / `--on-miss`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum OnMiss {
    /// The built-in fake answers (logged as a miss).
    #[default]
    Fake,
    /// An AWS-style `CassetteMiss` error that says what differs from the closest recording.
    Error,
}

impl OnMiss {
    pub fn as_str(self) -> &'static str {
        match self {
            OnMiss::Fake => "fake",
            OnMiss::Error => "error",
        }
    }
}

/// `replay.rebase` / `--rebase`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum Rebase {
    /// Recorded `Expiration`s move by (now - recorded_at).
    #[default]
    On,
    /// The bytes exactly as recorded.
    Off,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ReplayConfig {
    pub on_miss: OnMiss,
    /// Exit non-zero at shutdown if any request missed.
    pub fail_on_miss: bool,
    pub rebase: Rebase,
}
