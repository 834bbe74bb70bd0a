//! The command line, a contract scripts rely on:
//! `parlel-sts [serve] [--config FILE] [--listen ADDR:PORT] [--mode fake|record|replay]
//!  [--account ID] [--seed N] [--clock RFC3339] [--log-level LEVEL]`.
//! Each flag can also come from a `PARLEL_STS_*` environment variable; both override `proxy.toml`.

use std::path::PathBuf;

use clap::{Parser, Subcommand};

use crate::config::Overrides;
use crate::mode::Mode;

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
}

impl Flags {
    pub fn overrides(&self) -> Overrides {
        Overrides {
            config: self.config.clone(),
            listen: self.listen.clone(),
            mode: self.mode,
            account: self.account.clone(),
            seed: self.seed,
            clock: self.clock.clone(),
            log_level: self.log_level.clone(),
        }
    }
}
