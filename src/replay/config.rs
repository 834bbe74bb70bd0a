//! Replay mode's section of the configuration, `[replay]`: what a miss gets, whether recorded
//! times move to now, whether repeats past the recordings miss, and the matching rules.

use std::collections::BTreeMap;

use serde::Deserialize;

use crate::cassette::MatchRuleConfig;

/// `replay.on_miss` / `--on-miss`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum OnMiss {
    /// The built-in fake answers (logged as a miss).
    #[default]
    Fake,
    /// An AWS-style `CassetteMiss` error that says what differs from the closest recording.
    Error,
    /// Forwarded upstream and appended to the cassette, as record mode `new` does.
    Record,
}

impl OnMiss {
    pub fn as_str(self) -> &'static str {
        match self {
            OnMiss::Fake => "fake",
            OnMiss::Error => "error",
            OnMiss::Record => "record",
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
    /// A request repeated more often than it was recorded misses, instead of getting the last
    /// recording again.
    pub strict_order: bool,
    /// `[replay.match.ACTION]` (or `"*"`): parameter = "exact" | "ignore" | { regex = "..." }.
    #[serde(rename = "match")]
    pub matching: BTreeMap<String, BTreeMap<String, MatchRuleConfig>>,
}
