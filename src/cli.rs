//! The command line, a contract scripts rely on:
//! `parlel-sts cassette scan [--prod-env FILE] PATH...`, `parlel-sts cassette convert FROM TO`, and
//! `parlel-sts [serve] [--config FILE] [--listen ADDR:PORT] [--mode fake|record|replay]
//!  [--auth permissive|strict] [--account ID] [--seed N] [--clock RFC3339] [--log-level LEVEL]
//!  [--log-format text|json]`, and record mode's `[--upstream URL] [--prod-env FILE]
//!  [--store yaml|sled] [--cassettes DIR] [--cassette NAME] [--record-mode all|new]
//!  [--allow-network] [--allow-remote] [--upstream-ca FILE]`, and replay mode's `[--on-miss fake|error|record]
//!  [--fail-on-miss] [--strict-order] [--rebase on|off]` (with `--store`, `--cassettes`, `--cassette`, `--clock`).
//! Each flag can also come from a `PARLEL_STS_*` environment variable; both override `proxy.toml`.

use std::path::PathBuf;

use clap::parser::ValueSource;
use clap::{ArgMatches, CommandFactory, FromArgMatches, Parser, Subcommand};

use crate::config::{Overrides, RecordMode, Store};
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
    /// Work on cassettes.
    Cassette {
        #[command(subcommand)]
        command: CassetteCommand,
    },
}

#[derive(Debug, Subcommand)]
pub enum CassetteCommand {
    /// Look for real credentials in cassette files (the values of --prod-env, default ./prod.env,
    /// and any AWS access key id that is not a redacted fake); exit 1 on a finding. Usable as a
    /// pre-commit hook: `parlel-sts cassette scan cassettes/`.
    Scan {
        /// Cassette files, or directories of them.
        #[arg(required = true)]
        paths: Vec<PathBuf>,
    },
    /// Every cassette in --cassettes DIR (default ./cassettes): name, store, interactions, when
    /// recorded, upstream.
    List {
        /// One JSON array instead of a table.
        #[arg(long)]
        json: bool,
    },
    /// A cassette's interactions, one row each: ordinal, action, identity, status, parameters.
    Show {
        /// A cassette of --cassettes DIR, or a path to NAME.yaml / NAME.sled.
        name: String,
        /// One JSON object instead of a table.
        #[arg(long)]
        json: bool,
    },
    /// Check cassettes: each loads (format version included), holds no real credential, names
    /// STS operations, and every answer parses as the operation's; exit 1 on a problem.
    Verify {
        /// Cassettes of --cassettes DIR, or paths.
        #[arg(required = true)]
        names: Vec<String>,
    },
    /// Drop the interactions a replay report (GET /_parlel/replay, saved to a file) marked unused.
    Prune {
        /// A cassette of --cassettes DIR, or a path.
        name: String,
        /// The replay report (JSON) of a run against this cassette.
        #[arg(long, value_name = "REPORT")]
        unused_since: PathBuf,
    },
    /// Replay a cassette's requests against the built-in fake and report, field by field, where
    /// the fake's answers differ in shape from the recorded ones; exit 1 on a difference.
    Drift {
        /// A cassette of --cassettes DIR, or a path.
        name: String,
        /// One JSON object instead of lines.
        #[arg(long)]
        json: bool,
    },
    /// Copy a cassette between the stores, losslessly: `NAME.yaml` (a YAML file) or `NAME.sled`
    /// (a sled database, which no running server may hold). YAML -> sled -> YAML is
    /// byte-identical.
    Convert {
        /// The cassette to read.
        from: PathBuf,
        /// The cassette to write (replaced if it exists).
        to: PathBuf,
    },
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
    /// Who answers: the built-in fake, or record (forward and keep cassettes) / replay (answer from them).
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
    /// Record mode: the STS endpoint to forward to (default: STS's endpoint for the region of the
    /// credentials).
    #[arg(long, global = true, env = "PARLEL_STS_UPSTREAM", value_name = "URL")]
    pub upstream: Option<String>,
    /// Record mode: the dotenv file of the real credentials (default ./prod.env; when it does not
    /// exist, the process's AWS_* variables).
    #[arg(long, global = true, env = "PARLEL_STS_PROD_ENV", value_name = "FILE")]
    pub prod_env: Option<PathBuf>,
    /// Where cassettes are kept: one YAML file each, or a sled database.
    #[arg(long, global = true, env = "PARLEL_STS_STORE", value_enum)]
    pub store: Option<Store>,
    /// The directory of the cassettes (default ./cassettes).
    #[arg(long, global = true, env = "PARLEL_STS_CASSETTES", value_name = "DIR")]
    pub cassettes: Option<PathBuf>,
    /// This run's cassette (default "default").
    #[arg(long, global = true, env = "PARLEL_STS_CASSETTE", value_name = "NAME")]
    pub cassette: Option<String>,
    /// Record mode: forward everything (all) or only what the cassette lacks (new).
    #[arg(long, global = true, env = "PARLEL_STS_RECORD_MODE", value_enum)]
    pub record_mode: Option<RecordMode>,
    /// Record mode: start even when CI is set in the environment.
    #[arg(long, global = true, env = "PARLEL_STS_ALLOW_NETWORK")]
    pub allow_network: bool,
    /// Record mode: listen on an address other than loopback.
    #[arg(long, global = true, env = "PARLEL_STS_ALLOW_REMOTE")]
    pub allow_remote: bool,
    /// Replay mode: what a request no recording matches gets: the fake's answer, CassetteMiss, or
    /// forwarded upstream and appended (as record mode `new`).
    #[arg(long, global = true, env = "PARLEL_STS_ON_MISS", value_enum)]
    pub on_miss: Option<crate::config::OnMiss>,
    /// Replay mode: exit non-zero at shutdown if any request missed.
    #[arg(long, global = true, env = "PARLEL_STS_FAIL_ON_MISS")]
    pub fail_on_miss: bool,
    /// Replay mode: a request repeated more often than recorded misses, instead of getting the
    /// last recording again.
    #[arg(long, global = true, env = "PARLEL_STS_STRICT_ORDER")]
    pub strict_order: bool,
    /// Replay mode: move recorded Expirations to now (on), or answer the bytes as recorded (off).
    #[arg(long, global = true, env = "PARLEL_STS_REBASE", value_enum)]
    pub rebase: Option<crate::config::Rebase>,
    /// Record mode: a PEM file of CA certificates to trust for the upstream, besides the public roots.
    #[arg(
        long,
        global = true,
        env = "PARLEL_STS_UPSTREAM_CA",
        value_name = "FILE"
    )]
    pub upstream_ca: Option<PathBuf>,
}

/// Each flag: its argument id, the configuration key it sets, and its environment variable.
const FLAG_KEYS: [(&str, &str, &str); 21] = [
    ("listen", "server.listen", "PARLEL_STS_LISTEN"),
    ("mode", "server.mode", "PARLEL_STS_MODE"),
    ("auth", "server.auth", "PARLEL_STS_AUTH"),
    ("account", "fake.account", "PARLEL_STS_ACCOUNT"),
    ("seed", "fake.seed", "PARLEL_STS_SEED"),
    ("clock", "fake.clock", "PARLEL_STS_CLOCK"),
    ("log_level", "server.log_level", "PARLEL_STS_LOG_LEVEL"),
    ("log_format", "server.log_format", "PARLEL_STS_LOG_FORMAT"),
    ("upstream", "record.upstream", "PARLEL_STS_UPSTREAM"),
    ("prod_env", "record.prod_env", "PARLEL_STS_PROD_ENV"),
    ("store", "cassettes.store", "PARLEL_STS_STORE"),
    ("cassettes", "cassettes.dir", "PARLEL_STS_CASSETTES"),
    ("cassette", "cassettes.name", "PARLEL_STS_CASSETTE"),
    (
        "record_mode",
        "record.record_mode",
        "PARLEL_STS_RECORD_MODE",
    ),
    (
        "allow_network",
        "record.allow_network",
        "PARLEL_STS_ALLOW_NETWORK",
    ),
    (
        "allow_remote",
        "record.allow_remote",
        "PARLEL_STS_ALLOW_REMOTE",
    ),
    (
        "upstream_ca",
        "record.upstream_ca",
        "PARLEL_STS_UPSTREAM_CA",
    ),
    ("on_miss", "replay.on_miss", "PARLEL_STS_ON_MISS"),
    (
        "fail_on_miss",
        "replay.fail_on_miss",
        "PARLEL_STS_FAIL_ON_MISS",
    ),
    ("rebase", "replay.rebase", "PARLEL_STS_REBASE"),
    (
        "strict_order",
        "replay.strict_order",
        "PARLEL_STS_STRICT_ORDER",
    ),
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
            upstream: self.upstream.clone(),
            prod_env: self.prod_env.clone(),
            store: self.store,
            cassettes: self.cassettes.clone(),
            cassette: self.cassette.clone(),
            record_mode: self.record_mode,
            allow_network: self.allow_network,
            allow_remote: self.allow_remote,
            upstream_ca: self.upstream_ca.clone(),
            on_miss: self.on_miss,
            fail_on_miss: self.fail_on_miss,
            strict_order: self.strict_order,
            rebase: self.rebase,
            origins,
        }
    }
}
