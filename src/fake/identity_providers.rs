//! The OpenID Connect providers the fake knows (`fake.identity_providers`): the issuer a token must
//! name, the audiences it may carry, and the keys that sign it.

use super::config::IdentityProviderConfig;
use super::jwt::Jwks;

pub struct IdentityProvider {
    /// `issuer_key` of the provider's URL: tokens whose `iss` has the same key are its.
    pub key: String,
    pub audiences: Vec<String>,
    /// `None`: no keys were configured, signatures are not checked. Keys that could not be read (a
    /// JWKS that does not parse, or a `jwks_file` not loaded with `FakeConfig::load_files`: only
    /// possible when the config was not checked) verify nothing.
    pub keys: Option<Jwks>,
}

impl IdentityProvider {
    pub fn from_config(config: &IdentityProviderConfig) -> IdentityProvider {
        IdentityProvider {
            key: issuer_key(&config.url),
            audiences: config.audiences.clone(),
            keys: match (&config.jwks, &config.jwks_file) {
                (Some(text), _) => Some(Jwks::parse(text).unwrap_or_default()),
                (None, Some(_)) => Some(Jwks::default()),
                (None, None) => None,
            },
        }
    }
}

/// `https://oidc.example.com/id/1/` -> `oidc.example.com/id/1`: how IAM names the provider.
pub fn provider_name(issuer: &str) -> &str {
    let issuer = issuer.trim();
    let issuer = issuer.strip_prefix("https://").unwrap_or(issuer);
    issuer.trim_end_matches('/')
}

/// What two issuers must share to be the same provider: the name with the scheme (`http://` too),
/// the default HTTPS port and the host's case set aside. A declared provider cannot be side-stepped
/// by writing its issuer differently.
pub fn issuer_key(issuer: &str) -> String {
    let name = provider_name(issuer);
    let name = name.strip_prefix("http://").unwrap_or(name);
    let (host, path) = name.split_once('/').unwrap_or((name, ""));
    let host = host
        .strip_suffix(":443")
        .unwrap_or(host)
        .to_ascii_lowercase();
    if path.is_empty() {
        host
    } else {
        format!("{host}/{path}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_drop_scheme_and_trailing_slash() {
        assert_eq!(
            provider_name("https://oidc.eks.eu-west-1.amazonaws.com/id/ABC/"),
            "oidc.eks.eu-west-1.amazonaws.com/id/ABC"
        );
        assert_eq!(provider_name("accounts.google.com"), "accounts.google.com");
    }

    #[test]
    fn issuer_keys_ignore_scheme_case_and_default_port() {
        let key = issuer_key("https://idp.example.com/a");
        for same in [
            "https://IDP.example.com/a/",
            "http://idp.example.com/a",
            "https://idp.example.com:443/a",
        ] {
            assert_eq!(issuer_key(same), key, "{same}");
        }
        assert_ne!(issuer_key("https://idp.example.com/b"), key);
        assert_ne!(issuer_key("https://idp.example.com:8443/a"), key);
    }
}
