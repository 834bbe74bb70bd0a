//! Configuration: one struct, loaded once at start-up from `proxy.toml` (when present), then
//! overridden by environment variables and flags. Unknown keys and bad values are rejected with a
//! message naming the key. Nothing on the request path reads files or the environment.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use serde::Deserialize;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

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
}

/// Which answers the proxy gives. Only `fake` exists in this build; `record` and `replay` are
/// accepted by the parser so configs written for them fail with a clear message, not a parse error.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, clap::ValueEnum)]
#[serde(rename_all = "lowercase")]
pub enum Mode {
    Fake,
    Record,
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

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct ServerConfig {
    pub listen: String,
    pub mode: Mode,
    pub log_level: String,
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
            log_level: "info".into(),
            max_body_bytes: 1024 * 1024,
            header_read_timeout_ms: 10_000,
            body_read_timeout_ms: 10_000,
            max_connections: 4096,
            shutdown_grace_ms: 5_000,
        }
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct FakeConfig {
    pub account: String,
    pub default_principal: String,
    pub seed: Option<u64>,
    pub clock: Option<String>,
    pub role_max_session_duration: i32,
    pub users: Vec<UserConfig>,
    /// Refuse web identity tokens whose issuer has no `identity_providers` entry, as AWS does.
    pub require_identity_provider: bool,
    pub identity_providers: Vec<IdentityProviderConfig>,
    /// The base URL of GetWebIdentityToken's issuers (`{public_url}/_parlel/oidc/{account}`);
    /// unset: `http://` + the request's Host.
    pub public_url: Option<String>,
    /// Accounts for which GetWebIdentityToken answers OutboundWebIdentityFederationDisabledException
    /// (`"*"`: every account).
    pub outbound_federation_disabled_accounts: Vec<String>,
    /// Fixed trade-in tokens GetDelegatedAccessToken accepts (besides those the admin route issues).
    pub trade_in_tokens: Vec<TradeInTokenConfig>,
}

impl Default for FakeConfig {
    fn default() -> Self {
        FakeConfig {
            account: "000000000000".into(),
            default_principal: "user/parlel".into(),
            seed: None,
            clock: None,
            role_max_session_duration: 43_200,
            users: Vec::new(),
            require_identity_provider: false,
            identity_providers: Vec::new(),
            public_url: None,
            outbound_federation_disabled_accounts: Vec::new(),
            trade_in_tokens: Vec::new(),
        }
    }
}

/// A long-term access key the fake knows: who it belongs to.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UserConfig {
    pub access_key_id: String,
    /// Kept for signature verification (a later feature); never logged.
    #[serde(default)]
    pub secret_access_key: Option<String>,
    /// Defaults to `fake.account`.
    #[serde(default)]
    pub account: Option<String>,
    /// `root`, `user/NAME` or `user/PATH/NAME`.
    pub principal: String,
}

/// A fixed trade-in token: GetDelegatedAccessToken trades it for a session of `principal_arn`.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TradeInTokenConfig {
    pub token: String,
    /// An IAM role or user ARN.
    pub principal_arn: String,
    #[serde(default)]
    pub session_name: Option<String>,
    #[serde(default)]
    pub duration_seconds: Option<i32>,
}

/// An OpenID Connect provider for AssumeRoleWithWebIdentity: tokens whose `iss` is `url` must name
/// one of `audiences` (when any are given) and, when keys are given, be signed by one of them.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct IdentityProviderConfig {
    /// The issuer, as the tokens' `iss` claim states it (`https://token.actions.githubusercontent.com`).
    pub url: String,
    /// Accepted `aud` values (IAM's client id list); empty accepts any.
    #[serde(default)]
    pub audiences: Vec<String>,
    /// The provider's JWKS document, inline.
    #[serde(default)]
    pub jwks: Option<String>,
    /// Or a file holding it, read once at start-up.
    #[serde(default)]
    pub jwks_file: Option<PathBuf>,
}

impl FakeConfig {
    /// Reads every `identity_providers[].jwks_file` into `jwks`: after this, the fake needs no files.
    pub fn load_files(&mut self) -> Result<(), ConfigError> {
        for (i, provider) in self.identity_providers.iter_mut().enumerate() {
            if let Some(path) = provider.jwks_file.take() {
                let text = std::fs::read_to_string(&path).map_err(|e| {
                    ConfigError(format!(
                        "fake.identity_providers[{i}].jwks_file: cannot read {}: {e}",
                        path.display()
                    ))
                })?;
                provider.jwks = Some(text);
            }
        }
        Ok(())
    }
}

/// A principal as written in config.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum PrincipalSpec {
    Root,
    User { path: String, name: String },
}

impl PrincipalSpec {
    pub fn parse(spec: &str) -> Result<PrincipalSpec, String> {
        if spec == "root" {
            return Ok(PrincipalSpec::Root);
        }
        let rest = spec
            .strip_prefix("user/")
            .ok_or_else(|| format!("must be \"root\" or \"user/[PATH/]NAME\", got {spec:?}"))?;
        let (path, name) = match rest.rsplit_once('/') {
            Some((path, name)) => (format!("/{path}/"), name),
            None => ("/".to_owned(), rest),
        };
        let name_ok = (1..=64).contains(&name.len())
            && name
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "_+=,.@-".contains(c));
        if !name_ok {
            return Err(format!(
                "user name {name:?} must be 1..64 characters of [A-Za-z0-9_+=,.@-]"
            ));
        }
        Ok(PrincipalSpec::User {
            path,
            name: name.to_owned(),
        })
    }
}

/// Values from flags and environment variables; each `Some` replaces the file's value.
#[derive(Debug, Clone, Default)]
pub struct Overrides {
    pub config: Option<PathBuf>,
    pub listen: Option<String>,
    pub mode: Option<Mode>,
    pub account: Option<String>,
    pub seed: Option<u64>,
    pub clock: Option<String>,
    pub log_level: Option<String>,
}

#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct ConfigError(pub String);

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
        config.check()?;
        Ok(config)
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
        if o.seed.is_some() {
            self.fake.seed = o.seed;
        }
        if o.clock.is_some() {
            self.fake.clock.clone_from(&o.clock);
        }
    }

    /// Every value checked, each failure naming its key.
    pub fn check(&self) -> Result<(), ConfigError> {
        let bad = |key: &str, why: String| Err(ConfigError(format!("{key}: {why}")));
        if let Err(e) = self.listen_addr() {
            return bad("server.listen", e);
        }
        if self.server.mode != Mode::Fake {
            return bad(
                "server.mode",
                format!(
                    "mode {:?} is not available in this build yet; use \"fake\"",
                    self.server.mode.as_str()
                ),
            );
        }
        if tracing_subscriber::EnvFilter::try_new(&self.server.log_level).is_err() {
            return bad(
                "server.log_level",
                format!("{:?} is not a log level or filter", self.server.log_level),
            );
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
        check_account("fake.account", &self.fake.account)?;
        if let Err(e) = PrincipalSpec::parse(&self.fake.default_principal) {
            return bad("fake.default_principal", e);
        }
        if let Err(e) = self.pinned_clock_ms() {
            return bad("fake.clock", e);
        }
        if !(900..=43_200).contains(&self.fake.role_max_session_duration) {
            return bad(
                "fake.role_max_session_duration",
                "must be within 900..=43200".into(),
            );
        }
        for (i, user) in self.fake.users.iter().enumerate() {
            let key = |field: &str| format!("fake.users[{i}].{field}");
            let id_ok = (16..=128).contains(&user.access_key_id.len())
                && user
                    .access_key_id
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '_');
            if !id_ok {
                return bad(
                    &key("access_key_id"),
                    "must be 16..128 characters of [A-Za-z0-9_]".into(),
                );
            }
            if let Some(account) = &user.account {
                check_account(&key("account"), account)?;
            }
            if let Err(e) = PrincipalSpec::parse(&user.principal) {
                return bad(&key("principal"), e);
            }
        }
        if let Some(url) = &self.fake.public_url
            && !(url.starts_with("http://") || url.starts_with("https://"))
        {
            return bad("fake.public_url", format!("{url:?} is not an http(s) URL"));
        }
        for account in &self.fake.outbound_federation_disabled_accounts {
            if account != "*" {
                check_account("fake.outbound_federation_disabled_accounts", account)?;
            }
        }
        for (i, t) in self.fake.trade_in_tokens.iter().enumerate() {
            if t.token.is_empty() {
                return bad(
                    &format!("fake.trade_in_tokens[{i}].token"),
                    "must not be empty".into(),
                );
            }
            if let Err(e) = crate::fake::check_grant(
                &t.principal_arn,
                t.session_name.as_deref(),
                t.duration_seconds,
            ) {
                return bad(&format!("fake.trade_in_tokens[{i}]"), e);
            }
        }
        for (i, provider) in self.fake.identity_providers.iter().enumerate() {
            let key = |field: &str| format!("fake.identity_providers[{i}].{field}");
            if provider.url.trim().is_empty() {
                return bad(&key("url"), "must be the issuer URL".into());
            }
            if provider.jwks.is_some() && provider.jwks_file.is_some() {
                return bad(&key("jwks"), "give jwks or jwks_file, not both".into());
            }
            let mut loaded = FakeConfig {
                identity_providers: vec![provider.clone()],
                ..FakeConfig::default()
            };
            loaded.load_files()?;
            if let Some(text) = &loaded.identity_providers[0].jwks
                && let Err(e) = crate::fake::Jwks::parse(text)
            {
                let field = if provider.jwks_file.is_some() {
                    "jwks_file"
                } else {
                    "jwks"
                };
                return bad(&key(field), e);
            }
        }
        Ok(())
    }

    pub fn listen_addr(&self) -> Result<SocketAddr, String> {
        self.server
            .listen
            .parse()
            .map_err(|_| format!("{:?} is not ADDR:PORT", self.server.listen))
    }

    /// `fake.clock` as milliseconds since the epoch.
    pub fn pinned_clock_ms(&self) -> Result<Option<i64>, String> {
        self.fake
            .clock
            .as_deref()
            .map(|text| {
                parse_rfc3339_ms(text).map_err(|e| format!("{text:?} is not an RFC 3339 time: {e}"))
            })
            .transpose()
    }
}

/// An RFC 3339 instant as milliseconds since the epoch.
pub fn parse_rfc3339_ms(text: &str) -> Result<i64, time::error::Parse> {
    OffsetDateTime::parse(text, &Rfc3339).map(|t| (t.unix_timestamp_nanos() / 1_000_000) as i64)
}

fn check_account(key: &str, account: &str) -> Result<(), ConfigError> {
    if account.len() == 12 && account.bytes().all(|b| b.is_ascii_digit()) {
        Ok(())
    } else {
        Err(ConfigError(format!(
            "{key}: must be a 12-digit account id, got {account:?}"
        )))
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
        let check = |toml: &str| Config::from_toml(toml).unwrap().check().err().map(|e| e.0);
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

    #[test]
    fn principal_specs() {
        assert_eq!(PrincipalSpec::parse("root"), Ok(PrincipalSpec::Root));
        assert_eq!(
            PrincipalSpec::parse("user/ops/alice"),
            Ok(PrincipalSpec::User {
                path: "/ops/".into(),
                name: "alice".into()
            })
        );
        assert!(PrincipalSpec::parse("role/x").is_err());
        assert!(PrincipalSpec::parse("user/").is_err());
    }
}
