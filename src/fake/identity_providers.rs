//! The OpenID Connect providers the fake knows (`fake.identity_providers`): the issuer a token must
//! name, the audiences it may carry, and the keys that sign it.

use super::jwt::Jwks;
use crate::config::IdentityProviderConfig;

pub struct IdentityProvider {
    /// `host/path` of the issuer URL: how IAM names an OIDC provider (and how tokens are matched,
    /// with or without `https://` and a trailing slash).
    pub name: String,
    pub audiences: Vec<String>,
    /// `None`: signatures are not checked. A JWKS that does not parse (only possible when the config
    /// was not checked) verifies nothing.
    pub keys: Option<Jwks>,
}

impl IdentityProvider {
    pub fn from_config(config: &IdentityProviderConfig) -> IdentityProvider {
        IdentityProvider {
            name: provider_name(&config.url).to_owned(),
            audiences: config.audiences.clone(),
            keys: config
                .jwks
                .as_deref()
                .map(|text| Jwks::parse(text).unwrap_or_default()),
        }
    }
}

/// `https://oidc.example.com/id/1/` -> `oidc.example.com/id/1`.
pub fn provider_name(issuer: &str) -> &str {
    let issuer = issuer.trim();
    let issuer = issuer.strip_prefix("https://").unwrap_or(issuer);
    issuer.trim_end_matches('/')
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
}
