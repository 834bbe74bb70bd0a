//! Configuration: one struct, loaded once at start-up from `proxy.toml` (when present), then
//! overridden by environment variables and flags. Unknown keys and bad values are rejected with a
//! message naming the key. Nothing on the request path reads files or the environment.
//!
//! This file composes: each part owns its section and that section's check (`[fake]` is
//! `fake::FakeConfig`; the mode module decides which `server.mode` values exist), and `[server]`,
//! the listener's, lives here. `ready` checks every section and reads every file they name, once.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use serde::Deserialize;

use crate::logging::{self, LogFormat};
use crate::mode::{self, Mode};
use crate::wire::sigv4::AuthMode;

/// The sections other parts own, composed here.
pub use crate::cassette::{CassetteConfig, Store};
pub use crate::fake::{FakeConfig, IdentityProviderConfig, TradeInTokenConfig, UserConfig};
pub use crate::replay::{OnMiss, Rebase, ReplayConfig};
use crate::upstream::RealCredentials;
pub use crate::upstream::{RecordConfig, RecordMode};

/// The file loaded from the working directory when `--config` is not given.
pub const DEFAULT_CONFIG_FILE: &str = "proxy.toml";

/// `server.max_connections` at most: far beyond what one process serves, and a count the
/// connection semaphore takes in one go at shutdown.
const MAX_CONNECTIONS: usize = 1_000_000;

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Config {
    pub server: ServerConfig,
    pub fake: FakeConfig,
    pub record: RecordConfig,
    pub replay: ReplayConfig,
    pub cassettes: CassetteConfig,
    /// `CI` is set in the environment (read by `load`; a config built in code says false).
    #[serde(skip)]
    pub in_ci: bool,
    /// Record mode's real credentials, read by `ready` (from `record.prod_env` or the
    /// environment); their values never print.
    #[serde(skip)]
    pub record_credentials: Option<RealCredentials>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ServerConfig {
    pub listen: String,
    pub mode: Mode,
    pub auth: AuthMode,
    pub log_level: String,
    pub log_format: LogFormat,
    pub max_body_bytes: usize,
    pub header_read_timeout_ms: u64,
    pub body_read_timeout_ms: u64,
    pub max_connections: usize,
    pub shutdown_grace_ms: u64,
}

impl Default for ServerConfig {
    fn default() -> Self {
        ServerConfig {
            listen: "127.0.0.1:4729".into(),
            mode: Mode::Fake,
            auth: AuthMode::Permissive,
            log_level: "info".into(),
            log_format: LogFormat::Text,
            max_body_bytes: 1024 * 1024,
            header_read_timeout_ms: 10_000,
            body_read_timeout_ms: 10_000,
            max_connections: 4096,
            shutdown_grace_ms: 5_000,
        }
    }
}

/// Values from flags and environment variables; each `Some` replaces the file's value.
#[derive(Debug, Clone, Default)]
pub struct Overrides {
    pub config: Option<PathBuf>,
    pub listen: Option<String>,
    pub mode: Option<Mode>,
    pub auth: Option<AuthMode>,
    pub account: Option<String>,
    pub seed: Option<u64>,
    pub clock: Option<String>,
    pub log_level: Option<String>,
    pub log_format: Option<LogFormat>,
    pub upstream: Option<String>,
    pub prod_env: Option<PathBuf>,
    pub store: Option<Store>,
    pub cassettes: Option<PathBuf>,
    pub cassette: Option<String>,
    pub record_mode: Option<RecordMode>,
    /// Flags: `true` turns the switch on; `false` leaves the file's value.
    pub allow_network: bool,
    pub allow_remote: bool,
    pub upstream_ca: Option<PathBuf>,
    pub on_miss: Option<OnMiss>,
    pub fail_on_miss: bool,
    pub strict_order: bool,
    pub rebase: Option<Rebase>,
    /// Where each value came from, when not from the file: (config key, `--flag` or
    /// `PARLEL_STS_VAR`). An error about that key names the flag or variable the user typed.
    pub origins: Vec<(&'static str, String)>,
}

#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct ConfigError(pub String);

impl ConfigError {
    /// `KEY: why` -> `--flag (KEY): why` (or the variable) when the value came from there.
    fn named_by(self, origins: &[(&'static str, String)]) -> ConfigError {
        for (key, origin) in origins {
            if let Some(why) = self.0.strip_prefix(key).and_then(|r| r.strip_prefix(": ")) {
                return ConfigError(format!("{origin} ({key}): {why}"));
            }
        }
        self
    }
}

impl Config {
    /// Reads the config file (`--config`, else `./proxy.toml` when present), applies overrides and
    /// checks every value.
    pub fn load(overrides: &Overrides) -> Result<Config, ConfigError> {
        let mut config = match &overrides.config {
            Some(path) => Config::from_file(path)?,
            None if Path::new(DEFAULT_CONFIG_FILE).exists() => {
                Config::from_file(Path::new(DEFAULT_CONFIG_FILE))?
            }
            None => Config::default(),
        };
        config.apply(overrides);
        config.in_ci = crate::upstream::in_ci(std::env::var("CI").ok().as_deref());
        config.ready().map_err(|e| e.named_by(&overrides.origins))
    }

    /// Checks every value, then reads the files the sections name (each once): what the server
    /// starts from.
    pub fn ready(mut self) -> Result<Config, ConfigError> {
        self.check()?;
        self.fake.read_files().map_err(ConfigError)?;
        if mode::forwards(self.server.mode, self.replay.on_miss)
            && self.record_credentials.is_none()
        {
            let credentials =
                RealCredentials::load(&self.record.prod_env, |name| std::env::var(name).ok())
                    .map_err(|why| ConfigError(format!("record.prod_env: {why}")))?;
            self.record_credentials = Some(credentials);
        }
        Ok(self)
    }

    pub fn from_file(path: &Path) -> Result<Config, ConfigError> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| ConfigError(format!("cannot read {}: {e}", path.display())))?;
        Config::from_toml(&text).map_err(|e| ConfigError(format!("{}: {}", path.display(), e.0)))
    }

    pub fn from_toml(text: &str) -> Result<Config, ConfigError> {
        toml::from_str(text).map_err(|e| ConfigError(e.to_string()))
    }

    pub fn apply(&mut self, o: &Overrides) {
        let replace = |slot: &mut String, v: &Option<String>| {
            if let Some(v) = v {
                slot.clone_from(v);
            }
        };
        replace(&mut self.server.listen, &o.listen);
        replace(&mut self.server.log_level, &o.log_level);
        replace(&mut self.fake.account, &o.account);
        if let Some(mode) = o.mode {
            self.server.mode = mode;
        }
        if let Some(auth) = o.auth {
            self.server.auth = auth;
        }
        if let Some(format) = o.log_format {
            self.server.log_format = format;
        }
        if o.seed.is_some() {
            self.fake.seed = o.seed;
        }
        if o.clock.is_some() {
            self.fake.clock.clone_from(&o.clock);
        }
        if o.upstream.is_some() {
            self.record.upstream.clone_from(&o.upstream);
        }
        if let Some(path) = &o.prod_env {
            self.record.prod_env.clone_from(path);
        }
        if let Some(store) = o.store {
            self.cassettes.store = store;
        }
        if let Some(dir) = &o.cassettes {
            self.cassettes.dir.clone_from(dir);
        }
        replace(&mut self.cassettes.name, &o.cassette);
        if let Some(record_mode) = o.record_mode {
            self.record.record_mode = record_mode;
        }
        self.record.allow_network |= o.allow_network;
        self.record.allow_remote |= o.allow_remote;
        if o.upstream_ca.is_some() {
            self.record.upstream_ca.clone_from(&o.upstream_ca);
        }
        if let Some(on_miss) = o.on_miss {
            self.replay.on_miss = on_miss;
        }
        self.replay.fail_on_miss |= o.fail_on_miss;
        self.replay.strict_order |= o.strict_order;
        if let Some(rebase) = o.rebase {
            self.replay.rebase = rebase;
        }
    }

    /// Every value checked, each failure naming its key.
    pub fn check(&self) -> Result<(), ConfigError> {
        let bad = |key: &str, why: String| Err(ConfigError(format!("{key}: {why}")));
        let listen = match self.listen_addr() {
            Ok(listen) => listen,
            Err(e) => return bad("server.listen", e),
        };
        let around = mode::Surroundings {
            listen,
            record: &self.record,
            in_ci: self.in_ci,
            auth: self.server.auth,
            on_miss: self.replay.on_miss,
        };
        if let Err((key, why)) = mode::check(self.server.mode, &around) {
            return bad(key, why);
        }
        if let Err(why) = crate::replay::Matcher::build(&self.replay.matching) {
            return Err(ConfigError(why));
        }
        if let Err(e) = logging::check_level(&self.server.log_level) {
            return bad("server.log_level", e);
        }
        for (key, value) in [
            ("server.max_body_bytes", self.server.max_body_bytes as u64),
            (
                "server.header_read_timeout_ms",
                self.server.header_read_timeout_ms,
            ),
            (
                "server.body_read_timeout_ms",
                self.server.body_read_timeout_ms,
            ),
            ("server.max_connections", self.server.max_connections as u64),
        ] {
            if value == 0 {
                return bad(key, "must be greater than 0".into());
            }
        }
        if self.server.max_connections > MAX_CONNECTIONS {
            return bad(
                "server.max_connections",
                format!("must be at most {MAX_CONNECTIONS}"),
            );
        }
        self.fake.check().map_err(ConfigError)?;
        self.record.check().map_err(ConfigError)?;
        self.cassettes.check().map_err(ConfigError)
    }

    /// `server.listen` as an address: `ADDR:PORT`, or `HOST:PORT` for a host name that resolves
    /// to a loopback address (`localhost:0`), which is then the one bound.
    pub fn listen_addr(&self) -> Result<SocketAddr, String> {
        let listen = &self.server.listen;
        if let Ok(addr) = listen.parse() {
            return Ok(addr);
        }
        let not = || format!("{listen:?} is not ADDR:PORT or HOST:PORT");
        let (host, port) = listen.rsplit_once(':').ok_or_else(not)?;
        if host.is_empty() || port.parse::<u16>().is_err() {
            return Err(not());
        }
        let resolved: Vec<SocketAddr> = std::net::ToSocketAddrs::to_socket_addrs(listen.as_str())
            .map_err(|e| format!("{listen:?}: cannot resolve {host:?}: {e}"))?
            .collect();
        // IPv4 first: what clients told "localhost" usually try first, too.
        let loopback = |v4: bool| {
            resolved
                .iter()
                .find(|a| a.ip().is_loopback() && a.is_ipv4() == v4)
                .copied()
        };
        loopback(true).or_else(|| loopback(false)).ok_or_else(|| {
            format!(
                "{listen:?}: a host name must resolve to a loopback address (it resolves to {resolved:?}); give an IP address to listen elsewhere"
            )
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shipped_proxy_toml_is_the_default_and_valid() {
        let text = include_str!("../proxy.toml");
        let c = Config::from_toml(text).unwrap();
        c.check().unwrap();
        let d = Config::default();
        assert_eq!(c.server.listen, d.server.listen);
        assert_eq!(c.fake.account, d.fake.account);
        assert_eq!(c.fake.default_principal, d.fake.default_principal);
        assert_eq!(c.server.max_body_bytes, d.server.max_body_bytes);
    }

    #[test]
    fn federation_keys_are_checked() {
        let check = |toml: &str| Config::from_toml(toml).unwrap().ready().err().map(|e| e.0);
        let provider = "[[fake.identity_providers]]\nurl = \"https://idp.example.com\"\n";
        assert_eq!(check(provider), None);
        let bad_jwks = format!("{provider}jwks = \"not json\"\n");
        assert!(
            check(&bad_jwks)
                .unwrap()
                .starts_with("fake.identity_providers[0].jwks: not a JWKS")
        );
        let both = format!("{provider}jwks = '{{\"keys\":[]}}'\njwks_file = \"x.json\"\n");
        assert!(check(&both).unwrap().contains("not both"));
        let missing = format!("{provider}jwks_file = \"/nonexistent/jwks.json\"\n");
        assert!(
            check(&missing)
                .unwrap()
                .contains("cannot read /nonexistent/jwks.json")
        );
        assert!(
            check("[[fake.trade_in_tokens]]\ntoken = \"t\"\nprincipal_arn = \"arn:aws:s3:::b\"\n")
                .unwrap()
                .starts_with("fake.trade_in_tokens[0]:")
        );
        assert!(
            check("[fake]\npublic_url = \"ftp://x\"\n")
                .unwrap()
                .starts_with("fake.public_url:")
        );
        assert!(
            check("[fake]\noutbound_federation_disabled_accounts = [\"12\"]\n")
                .unwrap()
                .starts_with("fake.outbound_federation_disabled_accounts:")
        );
    }

    #[test]
    fn unknown_keys_and_bad_values_name_the_key() {
        let e = Config::from_toml("[server]\nlisten_on = \"x\"\n").unwrap_err();
        assert!(e.0.contains("listen_on"), "{e}");
        let e = Config::from_toml("[server]\nmode = \"nope\"\n").unwrap_err();
        assert!(e.0.contains("mode"), "{e}");
        let c = Config::from_toml("[fake]\naccount = \"12\"\n").unwrap();
        assert!(c.check().unwrap_err().0.starts_with("fake.account:"));
        let c = Config::from_toml("[fake]\nclock = \"yesterday\"\n").unwrap();
        assert!(c.check().unwrap_err().0.starts_with("fake.clock:"));
        for bad in ["0", "1000001"] {
            let c = Config::from_toml(&format!("[server]\nmax_connections = {bad}\n")).unwrap();
            assert!(
                c.check()
                    .unwrap_err()
                    .0
                    .starts_with("server.max_connections:"),
                "{bad}"
            );
        }
        let c = Config::from_toml("[server]\nmax_connections = 1000000\n").unwrap();
        c.check().unwrap();
        let c =
            Config::from_toml("[[fake.users]]\naccess_key_id = \"AKIA\"\nprincipal = \"root\"\n")
                .unwrap();
        assert!(
            c.check()
                .unwrap_err()
                .0
                .starts_with("fake.users[0].access_key_id:")
        );
    }

    #[test]
    fn overrides_win() {
        let mut c = Config::default();
        c.apply(&Overrides {
            listen: Some("127.0.0.1:0".into()),
            account: Some("123456789012".into()),
            seed: Some(7),
            ..Overrides::default()
        });
        c.check().unwrap();
        assert_eq!(
            (
                c.server.listen.as_str(),
                c.fake.account.as_str(),
                c.fake.seed
            ),
            ("127.0.0.1:0", "123456789012", Some(7))
        );
    }
}
