//! Who answers an STS request: the one place that knows which modes exist, checks what each needs
//! to start (record mode's guards), and builds the backend of the configured one at start-up.
//!
//! A backend takes a decoded request (`wire::request::StsRequest`, which carries the raw request
//! too) and answers it, asynchronously: record mode awaits an upstream. Its answer is a typed reply
//! (the fake's, rendered by `wire`) or a complete response (a recorded one, sent as it is). The
//! fake is held beside the backend, not inside it: every mode may fall back to it, and the admin
//! routes talk to it whatever the mode. A new mode is one variant here and a folder of its own.

use std::net::SocketAddr;

use serde::Deserialize;

use crate::cassette::CassetteConfig;
use crate::cassette::RecordMode;
use crate::fake::Fake;
use crate::replay::{Matcher, OnMiss, ReplayConfig, ReplayReport, Replayer};
use crate::upstream::{Front, RealCredentials, RecordConfig, Recorder, RecordingState};
use crate::wire::answer::Answer;
use crate::wire::request::StsRequest;
use crate::wire::sigv4::AuthMode;

/// The modes of `server.mode` / `--mode`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum Mode {
    /// The built-in fake answers everything.
    Fake,
    /// Forward to real STS, re-signed, and keep each exchange as a cassette.
    Record,
    /// Answer from cassettes, the fake for what they do not hold.
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

/// What a mode's start-up checks look at besides the mode.
pub struct Surroundings<'a> {
    /// The address the server is to listen on.
    pub listen: SocketAddr,
    pub record: &'a RecordConfig,
    /// The environment says this is a CI job (`upstream::in_ci`).
    pub in_ci: bool,
    /// `server.auth`.
    pub auth: AuthMode,
    /// `replay.on_miss`: `record` makes replay mode forward what its cassette lacks.
    pub on_miss: OnMiss,
}

/// Whether `mode` forwards requests upstream, signed with real credentials: record mode, and
/// replay mode with `--on-miss record`.
pub fn forwards(mode: Mode, on_miss: OnMiss) -> bool {
    mode == Mode::Record || (mode == Mode::Replay && on_miss == OnMiss::Record)
}

/// Whether `mode` may start here: `Err((config key, why))` when it may not. Record mode reaches
/// the network and signs with real credentials, so it refuses a CI job (unless
/// `record.allow_network`) and any address but loopback (unless `record.allow_remote`).
pub fn check(mode: Mode, around: &Surroundings<'_>) -> Result<(), (&'static str, String)> {
    match mode {
        Mode::Fake => Ok(()),
        _ if forwards(mode, around.on_miss) => {
            let who = if mode == Mode::Record {
                "record mode"
            } else {
                "replay mode with --on-miss record"
            };
            if around.in_ci && !around.record.allow_network {
                return Err((
                    "server.mode",
                    format!("{who} forwards requests to real STS, and CI is set in the environment: refusing to start, so that a test suite never reaches AWS by accident. Pass --allow-network (record.allow_network = true) when this job is meant to record"),
                ));
            }
            if around.auth == AuthMode::Strict {
                return Err((
                    "server.auth",
                    format!("{who} forwards what the client signs, re-signed with real credentials, and hands out credentials only the upstream can verify: strict mode does not apply to it (use it with the fake)"),
                ));
            }
            if !around.listen.ip().is_loopback() && !around.record.allow_remote {
                return Err((
                    "server.listen",
                    format!(
                        "{who} signs what reaches it with real credentials, so it listens on loopback only, and {} is not a loopback address. Pass --allow-remote (record.allow_remote = true) to listen there anyway",
                        around.listen
                    ),
                ));
            }
            Ok(())
        }
        // Replay reaches nothing (but with --on-miss record, above): its cassettes are read.
        Mode::Replay if around.auth == AuthMode::Strict => Err((
            "server.auth",
            "replay mode does not verify signatures yet (the fake does not know the sessions a cassette handed out): use --auth permissive".to_owned(),
        )),
        // Record mode always forwards: the guards above are its own.
        Mode::Record | Mode::Replay => Ok(()),
    }
}

/// The answering side of the configured mode. An enum, not a trait object: dispatch costs a
/// match, and nothing is allocated per request.
pub enum Backend {
    /// The built-in fake answers every request.
    Fake,
    /// Each request goes to the upstream, re-signed; its answer comes back redacted.
    Record(Box<Recorder>),
    /// Each request is answered from the cassette.
    Replay(Box<Replayer>),
    /// Replay mode with `--on-miss record`: answered from the cassette, and what it does not
    /// hold forwarded and appended, as record mode `new` does.
    ReplayRecordingMisses(Box<Recorder>),
}

impl Backend {
    /// The backend of `mode`, or why this build cannot serve it. Record mode needs its section
    /// and the real credentials `Config::ready` read.
    pub fn build(
        mode: Mode,
        record: &RecordConfig,
        replay: &ReplayConfig,
        cassettes: &CassetteConfig,
        credentials: Option<&RealCredentials>,
    ) -> Result<Backend, String> {
        match mode {
            Mode::Fake => Ok(Backend::Fake),
            Mode::Record => {
                let credentials = credentials
                    .ok_or_else(|| "record mode has no credentials (record.prod_env)".to_owned())?;
                let front = match record.record_mode {
                    RecordMode::New => Some(front(replay)?),
                    RecordMode::All => None,
                };
                Ok(Backend::Record(Box::new(Recorder::build(
                    record,
                    cassettes,
                    credentials,
                    front,
                )?)))
            }
            Mode::Replay if replay.on_miss == OnMiss::Record => {
                let credentials = credentials.ok_or_else(|| {
                    "replay mode with --on-miss record has no credentials (record.prod_env)"
                        .to_owned()
                })?;
                Ok(Backend::ReplayRecordingMisses(Box::new(Recorder::build(
                    record,
                    cassettes,
                    credentials,
                    Some(front(replay)?),
                )?)))
            }
            Mode::Replay => Ok(Backend::Replay(Box::new(Replayer::build(
                replay,
                cassettes,
                record.rewriter()?.for_replay(),
            )?))),
        }
    }

    /// Answers one decoded request; `fake` is the server's fake.
    pub async fn answer(&self, fake: &Fake, request: &StsRequest<'_>) -> Answer {
        match self {
            Backend::Fake => Answer::Typed(fake.answer(request)),
            Backend::Record(recorder) | Backend::ReplayRecordingMisses(recorder) => {
                recorder.answer(fake, request).await
            }
            Backend::Replay(replayer) => replayer.answer(fake, request),
        }
    }

    pub fn mode(&self) -> Mode {
        match self {
            Backend::Fake => Mode::Fake,
            Backend::Record(_) => Mode::Record,
            Backend::Replay(_) | Backend::ReplayRecordingMisses(_) => Mode::Replay,
        }
    }

    /// Ends the mode's run: record mode writes its cassette.
    pub async fn finish(&self) {
        if let Backend::Record(recorder) | Backend::ReplayRecordingMisses(recorder) = self {
            recorder.finish().await;
        }
    }

    /// A recording run's state, in record mode.
    pub fn recording(&self) -> Option<RecordingState<'_>> {
        match self {
            Backend::Record(recorder) | Backend::ReplayRecordingMisses(recorder) => {
                Some(recorder.state())
            }
            Backend::Fake | Backend::Replay(_) => None,
        }
    }

    /// What replay did so far, in replay mode (and record mode `new`, whose cassette answers
    /// first).
    pub fn replay_report(&self) -> Option<ReplayReport> {
        match self {
            Backend::Replay(replayer) => Some(replayer.report()),
            Backend::Record(recorder) | Backend::ReplayRecordingMisses(recorder) => {
                recorder.replay_report()
            }
            Backend::Fake => None,
        }
    }

    /// The default cassette's location, in replay mode.
    pub fn replay_cassette(&self) -> Option<&str> {
        match self {
            Backend::Replay(replayer) => Some(replayer.cassette()),
            Backend::ReplayRecordingMisses(recorder) => Some(recorder.state().cassette),
            Backend::Fake | Backend::Record(_) => None,
        }
    }

    /// The upstream's host, in record mode.
    pub fn upstream(&self) -> Option<&str> {
        match self {
            Backend::Record(recorder) | Backend::ReplayRecordingMisses(recorder) => {
                Some(recorder.upstream())
            }
            Backend::Fake | Backend::Replay(_) => None,
        }
    }
}

/// How record mode `new` answers from its cassette first: replay's matching rules and order.
fn front(replay: &ReplayConfig) -> Result<Front, String> {
    Ok(Front {
        matcher: Matcher::build(&replay.matching)?,
        strict_order: replay.strict_order,
        rebase: replay.rebase,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn around(
        listen: &str,
        record: &RecordConfig,
        in_ci: bool,
    ) -> Result<(), (&'static str, String)> {
        let around = Surroundings {
            listen: listen.parse().unwrap(),
            record,
            in_ci,
            auth: AuthMode::Permissive,
            on_miss: OnMiss::Fake,
        };
        check(Mode::Record, &around)
    }

    #[test]
    fn record_mode_refuses_ci_and_remote_addresses_unless_allowed() {
        let mut record = RecordConfig::default();
        assert_eq!(around("127.0.0.1:0", &record, false), Ok(()));
        assert_eq!(around("[::1]:0", &record, false), Ok(()));
        let (key, why) = around("127.0.0.1:0", &record, true).unwrap_err();
        assert_eq!(key, "server.mode");
        assert!(
            why.contains("CI is set") && why.contains("--allow-network"),
            "{why}"
        );
        let (key, why) = around("0.0.0.0:4729", &record, false).unwrap_err();
        assert_eq!(key, "server.listen");
        assert!(
            why.contains("0.0.0.0:4729 is not a loopback address")
                && why.contains("--allow-remote"),
            "{why}"
        );
        record.allow_network = true;
        record.allow_remote = true;
        assert_eq!(around("0.0.0.0:4729", &record, true), Ok(()));
        let strict = Surroundings {
            listen: "127.0.0.1:0".parse().unwrap(),
            record: &record,
            in_ci: false,
            auth: AuthMode::Strict,
            on_miss: OnMiss::Fake,
        };
        assert_eq!(check(Mode::Record, &strict).unwrap_err().0, "server.auth");
        assert_eq!(check(Mode::Replay, &strict).unwrap_err().0, "server.auth");
    }

    #[test]
    fn replay_recording_its_misses_is_under_record_modes_guards() {
        let record = RecordConfig::default();
        let replay = |listen: &str, in_ci: bool, on_miss: OnMiss| {
            let around = Surroundings {
                listen: listen.parse().unwrap(),
                record: &record,
                in_ci,
                auth: AuthMode::Permissive,
                on_miss,
            };
            check(Mode::Replay, &around)
        };
        assert_eq!(
            replay("0.0.0.0:1", true, OnMiss::Error),
            Ok(()),
            "replay reaches nothing"
        );
        let (key, why) = replay("127.0.0.1:1", true, OnMiss::Record).unwrap_err();
        assert_eq!(key, "server.mode");
        assert!(
            why.starts_with("replay mode with --on-miss record"),
            "{why}"
        );
        assert_eq!(
            replay("0.0.0.0:1", false, OnMiss::Record).unwrap_err().0,
            "server.listen"
        );
        assert!(forwards(Mode::Replay, OnMiss::Record) && !forwards(Mode::Replay, OnMiss::Fake));
    }

    #[test]
    fn record_needs_credentials_and_replay_its_cassette() {
        let record = RecordConfig::default();
        let replay = ReplayConfig::default();
        let cassettes = CassetteConfig {
            dir: std::env::temp_dir().join("parlel-no-such-cassettes"),
            ..CassetteConfig::default()
        };
        let mode = |m| Backend::build(m, &record, &replay, &cassettes, None).map(|b| b.mode());
        assert_eq!(mode(Mode::Fake), Ok(Mode::Fake));
        assert!(mode(Mode::Record).is_err(), "no credentials");
        let missing = mode(Mode::Replay).unwrap_err();
        assert!(missing.contains("no cassette there"), "{missing}");
    }
}
