//! The command line, a contract scripts rely on:
//! `parlel-sts [serve] [--config FILE] [--listen ADDR:PORT] [--mode fake|record|replay]
//!  [--auth permissive|strict] [--account ID] [--seed N] [--clock RFC3339] [--log-level LEVEL]
//!  [--log-format text|json]`.
//! Each flag can also come from a `PARLEL_STS_*` environment variable; both override `proxy.toml`.

use std::path::PathBuf;

use clap::parser::ValueSource;
use clap::{ArgMatches, CommandFactory, FromArgMatches, Parser, Subcommand};

use crate::config::Overrides;
use crate::logging::LogFormat;
use crate::mode::Mode;
use crate::wire::sigv4::AuthMode;

#[derive(Debug, Parser)]
#[command(
    name = "parlel-sts",
    version,
    about = "A wire-faithful fake of AWS STS"
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,
    #[command(flatten)]
    pub flags: Flags,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Serve STS (the default).
    Serve,
}

#[derive(Debug, clap::Args)]
pub struct Flags {
    /// Configuration file (default: ./proxy.toml when present).
    #[arg(long, global = true, env = "PARLEL_STS_CONFIG", value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// Address to listen on; port 0 picks a free port.
    #[arg(
        long,
        global = true,
        env = "PARLEL_STS_LISTEN",
        value_name = "ADDR:PORT"
    )]
    pub listen: Option<String>,
    /// Who answers: the built-in fake, or (later) record / replay.
    #[arg(long, global = true, env = "PARLEL_STS_MODE", value_enum)]
    pub mode: Option<Mode>,
    /// Whether signatures are checked: permissive (the default) accepts any, strict verifies SigV4.
    #[arg(long, global = true, env = "PARLEL_STS_AUTH", value_enum)]
    pub auth: Option<AuthMode>,
    /// The default account id (12 digits).
    #[arg(long, global = true, env = "PARLEL_STS_ACCOUNT", value_name = "ID")]
    pub account: Option<String>,
    /// Makes every response deterministic: same requests, same bytes.
    #[arg(long, global = true, env = "PARLEL_STS_SEED", value_name = "N")]
    pub seed: Option<u64>,
    /// Pins the clock at this instant (RFC 3339).
    #[arg(long, global = true, env = "PARLEL_STS_CLOCK", value_name = "RFC3339")]
    pub clock: Option<String>,
    /// Log level or tracing filter (error, warn, info, debug, trace).
    #[arg(
        long,
        global = true,
        env = "PARLEL_STS_LOG_LEVEL",
        value_name = "LEVEL"
    )]
    pub log_level: Option<String>,
    /// Log lines as text (colour on a terminal, unless NO_COLOR is set) or JSON objects.
    #[arg(long, global = true, env = "PARLEL_STS_LOG_FORMAT", value_enum)]
    pub log_format: Option<LogFormat>,
}

/// Each flag: its argument id, the configuration key it sets, and its environment variable.
const FLAG_KEYS: [(&str, &str, &str); 8] = [
    ("listen", "server.listen", "PARLEL_STS_LISTEN"),
    ("mode", "server.mode", "PARLEL_STS_MODE"),
    ("auth", "server.auth", "PARLEL_STS_AUTH"),
    ("account", "fake.account", "PARLEL_STS_ACCOUNT"),
    ("seed", "fake.seed", "PARLEL_STS_SEED"),
    ("clock", "fake.clock", "PARLEL_STS_CLOCK"),
    ("log_level", "server.log_level", "PARLEL_STS_LOG_LEVEL"),
    ("log_format", "server.log_format", "PARLEL_STS_LOG_FORMAT"),
];

impl Cli {
    /// The process's command line, and where each value came from.
    pub fn parse_with_origins() -> (Cli, ArgMatches) {
        let matches = Cli::command().get_matches();
        match Cli::from_arg_matches(&matches) {
            Ok(cli) => (cli, matches),
            Err(e) => e.exit(),
        }
    }
}

impl Flags {
    /// The values to apply over the file; `matches` (when given) says which came from a flag and
    /// which from the environment, so errors can name them.
    pub fn overrides(&self, matches: Option<&ArgMatches>) -> Overrides {
        let origins = matches
            .map(|m| {
                FLAG_KEYS
                    .iter()
                    .filter_map(|&(id, key, var)| match m.value_source(id) {
                        Some(ValueSource::CommandLine) => {
                            Some((key, format!("--{}", id.replace('_', "-"))))
                        }
                        Some(ValueSource::EnvVariable) => Some((key, var.to_owned())),
                        _ => None,
                    })
                    .collect()
            })
            .unwrap_or_default();
        Overrides {
            config: self.config.clone(),
            listen: self.listen.clone(),
            mode: self.mode,
            auth: self.auth,
            account: self.account.clone(),
            seed: self.seed,
            clock: self.clock.clone(),
            log_level: self.log_level.clone(),
            log_format: self.log_format,
            origins,
        }
    }
}
