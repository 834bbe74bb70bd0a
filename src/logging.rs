//! The process's logs: one line per event on stderr, as text (colour only on a terminal, and never
//! with `NO_COLOR`) or as JSON objects, written by a background thread so that a request never
//! waits for stderr. Levels are checked strictly: a word that is not a level is an error, not a
//! filter for a target of that name.

use std::io::IsTerminal;

use serde::Deserialize;
use tracing_appender::non_blocking::WorkerGuard;
use tracing_subscriber::EnvFilter;

/// `server.log_format` / `--log-format`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum LogFormat {
    /// `2026-12-01T10:00:00.000000Z  INFO target: field=value ...`
    #[default]
    Text,
    /// One JSON object per line, the event's fields at the top level.
    Json,
}

const LEVELS: [&str; 6] = ["off", "error", "warn", "info", "debug", "trace"];

/// A level (`off`, `error`, `warn`, `info`, `debug`, `trace`) or a filter of comma-separated
/// `TARGET=LEVEL` / `LEVEL` directives, as `tracing_subscriber::EnvFilter` reads them.
pub fn check_level(text: &str) -> Result<(), String> {
    let why = || {
        format!(
            "{text:?} is not a log level ({}) or a filter of TARGET=LEVEL directives",
            LEVELS.join(", ")
        )
    };
    for directive in text.split(',') {
        let directive = directive.trim();
        let level = match directive.rsplit_once('=') {
            Some((target, level)) if !target.trim().is_empty() => level,
            Some(_) => return Err(why()),
            None => directive,
        };
        if !LEVELS.contains(&level.trim().to_ascii_lowercase().as_str()) {
            return Err(why());
        }
    }
    EnvFilter::try_new(text).map(|_| ()).map_err(|_| why())
}

/// Whether stderr may carry ANSI colour: it is a terminal, and `NO_COLOR` is unset or empty.
pub fn colour() -> bool {
    std::io::stderr().is_terminal() && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
}

/// Installs the process's subscriber. Keep the guard for the life of the process: dropping it
/// flushes what is still queued.
pub fn init(level: &str, format: LogFormat) -> WorkerGuard {
    let (writer, guard) = tracing_appender::non_blocking(std::io::stderr());
    let filter = EnvFilter::try_new(level).unwrap_or_else(|_| EnvFilter::new("info"));
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(writer)
        .with_ansi(colour());
    match format {
        LogFormat::Text => builder.init(),
        LogFormat::Json => builder.json().flatten_event(true).init(),
    }
    guard
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn levels_and_filters_but_no_unknown_words() {
        for ok in [
            "info",
            "WARN",
            "off",
            "warn,parlel_sts::request=info",
            "hyper=debug, info",
        ] {
            assert_eq!(check_level(ok), Ok(()), "{ok}");
        }
        for bad in ["loud", "", "info,", "=info", "hyper=loud", "info,verbose"] {
            assert!(check_level(bad).is_err(), "{bad}");
        }
        assert_eq!(
            check_level("loud"),
            Err("\"loud\" is not a log level (off, error, warn, info, debug, trace) or a filter of TARGET=LEVEL directives".to_owned())
        );
    }
}
