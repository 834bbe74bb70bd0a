//! Who answers an STS request: the one place that knows which modes exist, builds the backend of
//! the configured one at start-up, and refuses the modes this build does not have yet.
//!
//! A backend takes a decoded request (`wire::request::StsRequest`, which carries the raw request
//! too) and answers it, asynchronously: record mode awaits an upstream. Its answer is a typed reply
//! (the fake's, rendered by `wire`) or a complete response (a recorded one, sent as it is). The
//! fake is held beside the backend, not inside it: every mode may fall back to it, and the admin
//! routes talk to it whatever the mode. A new mode is one variant here and a folder of its own.

use serde::Deserialize;

use crate::fake::Fake;
use crate::wire::answer::Answer;
use crate::wire::request::StsRequest;

/// The modes of `server.mode` / `--mode`. All three are known to the parser, so a config written
/// for one this build does not have yet fails with a clear message, not a parse error.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum Mode {
    /// The built-in fake answers everything.
    Fake,
    /// Forward to real STS and keep each exchange as a cassette (not in this build yet).
    Record,
    /// Answer from cassettes (not in this build yet).
    Replay,
}

impl Mode {
    pub fn as_str(self) -> &'static str {
        match self {
            Mode::Fake => "fake",
            Mode::Record => "record",
            Mode::Replay => "replay",
        }
    }
}

/// Whether this build serves `mode`; the error says why not.
pub fn check(mode: Mode) -> Result<(), String> {
    Backend::build(mode).map(|_| ())
}

/// The answering side of the configured mode. An enum, not a trait object: dispatch costs a
/// match, and nothing is allocated per request.
pub enum Backend {
    /// The built-in fake answers every request.
    Fake,
}

impl Backend {
    /// The backend of `mode`, or why this build cannot serve it.
    pub fn build(mode: Mode) -> Result<Backend, String> {
        match mode {
            Mode::Fake => Ok(Backend::Fake),
            Mode::Record | Mode::Replay => Err(format!(
                "mode {:?} is not available in this build yet; use \"fake\"",
                mode.as_str()
            )),
        }
    }

    /// Answers one decoded request; `fake` is the server's fake.
    pub async fn answer(&self, fake: &Fake, request: &StsRequest<'_>) -> Answer {
        match self {
            Backend::Fake => Answer::Typed(fake.answer(request)),
        }
    }

    pub fn mode(&self) -> Mode {
        match self {
            Backend::Fake => Mode::Fake,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn record_and_replay_are_refused_until_they_land() {
        assert!(check(Mode::Fake).is_ok());
        assert_eq!(Backend::build(Mode::Fake).map(|b| b.mode()), Ok(Mode::Fake));
        for mode in [Mode::Record, Mode::Replay] {
            assert_eq!(
                check(mode),
                Err(format!(
                    "mode \"{}\" is not available in this build yet; use \"fake\"",
                    mode.as_str()
                ))
            );
        }
    }
}
