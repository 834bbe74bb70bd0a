//! The fake's section of the configuration, `[fake]`: its types, its check (every failure names
//! its key) and the one start-up step that reads files (`read_files`). The `Fake` itself never
//! touches a file: it is built from a section that has been checked and read.

use std::path::PathBuf;

use serde::Deserialize;

use super::jwt::Jwks;
use super::trade_in::check_grant;
use crate::timestamp::parse_rfc3339_ms;

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct FakeConfig {
    pub account: String,
    pub default_principal: String,
    pub seed: Option<u64>,
    pub clock: Option<String>,
    pub role_max_session_duration: i32,
    pub users: Vec<UserConfig>,
    /// Strict mode also knows the access key `parlel` with the secret `parlel` (the default
    /// connection of the README), as the default principal. `false` removes it.
    pub builtin_user: bool,
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
            builtin_user: true,
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
    /// What strict mode verifies this key's signatures with; never logged.
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

impl FakeConfig {
    /// Every value of `[fake]` checked, without reading any file; a failure is `fake.KEY: why`.
    pub fn check(&self) -> Result<(), String> {
        let bad = |key: &str, why: String| Err(format!("{key}: {why}"));
        check_account("fake.account", &self.account)?;
        if let Err(e) = PrincipalSpec::parse(&self.default_principal) {
            return bad("fake.default_principal", e);
        }
        if let Err(e) = self.pinned_clock_ms() {
            return bad("fake.clock", e);
        }
        if !(900..=43_200).contains(&self.role_max_session_duration) {
            return bad(
                "fake.role_max_session_duration",
                "must be within 900..=43200".into(),
            );
        }
        let mut keys = std::collections::HashSet::new();
        for (i, user) in self.users.iter().enumerate() {
            if !keys.insert(user.access_key_id.as_str()) {
                return bad(
                    &format!("fake.users[{i}].access_key_id"),
                    format!("{:?} is listed twice", user.access_key_id),
                );
            }
        }
        for (i, user) in self.users.iter().enumerate() {
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
        if let Some(url) = &self.public_url
            && !(url.starts_with("http://") || url.starts_with("https://"))
        {
            return bad("fake.public_url", format!("{url:?} is not an http(s) URL"));
        }
        for account in &self.outbound_federation_disabled_accounts {
            if account != "*" {
                check_account("fake.outbound_federation_disabled_accounts", account)?;
            }
        }
        for (i, t) in self.trade_in_tokens.iter().enumerate() {
            if t.token.is_empty() {
                return bad(
                    &format!("fake.trade_in_tokens[{i}].token"),
                    "must not be empty".into(),
                );
            }
            if let Err(e) = check_grant(
                &t.principal_arn,
                t.session_name.as_deref(),
                t.duration_seconds,
            ) {
                return bad(&format!("fake.trade_in_tokens[{i}]"), e);
            }
        }
        for (i, provider) in self.identity_providers.iter().enumerate() {
            let key = |field: &str| format!("fake.identity_providers[{i}].{field}");
            if provider.url.trim().is_empty() {
                return bad(&key("url"), "must be the issuer URL".into());
            }
            if provider.jwks.is_some() && provider.jwks_file.is_some() {
                return bad(&key("jwks"), "give jwks or jwks_file, not both".into());
            }
            if let Some(text) = &provider.jwks
                && let Err(e) = Jwks::parse(text)
            {
                return bad(&key("jwks"), e);
            }
        }
        Ok(())
    }

    /// `fake.clock` as milliseconds since the epoch.
    pub fn pinned_clock_ms(&self) -> Result<Option<i64>, String> {
        self.clock
            .as_deref()
            .map(|text| {
                parse_rfc3339_ms(text).map_err(|e| format!("{text:?} is not an RFC 3339 time: {e}"))
            })
            .transpose()
    }

    /// Reads every `identity_providers[].jwks_file` (once: it becomes the provider's `jwks`) and
    /// checks what it holds. After this the fake needs no file.
    pub fn read_files(&mut self) -> Result<(), String> {
        for (i, provider) in self.identity_providers.iter_mut().enumerate() {
            let Some(path) = provider.jwks_file.take() else {
                continue;
            };
            let key = format!("fake.identity_providers[{i}].jwks_file");
            let text = std::fs::read_to_string(&path)
                .map_err(|e| format!("{key}: cannot read {}: {e}", path.display()))?;
            Jwks::parse(&text).map_err(|e| format!("{key}: {e}"))?;
            provider.jwks = Some(text);
        }
        Ok(())
    }
}

fn check_account(key: &str, account: &str) -> Result<(), String> {
    if account.len() == 12 && account.bytes().all(|b| b.is_ascii_digit()) {
        Ok(())
    } else {
        Err(format!(
            "{key}: must be a 12-digit account id, got {account:?}"
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_key_listed_twice_is_refused() {
        let user = |secret: &str| UserConfig {
            access_key_id: "AKIAQAAAAAAAEXAMPLE1".into(),
            secret_access_key: Some(secret.into()),
            account: None,
            principal: "user/alice".into(),
        };
        let mut config = FakeConfig {
            users: vec![user("a")],
            ..FakeConfig::default()
        };
        assert_eq!(config.check(), Ok(()));
        config.users.push(user("b"));
        assert_eq!(
            config.check(),
            Err("fake.users[1].access_key_id: \"AKIAQAAAAAAAEXAMPLE1\" is listed twice".into())
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
