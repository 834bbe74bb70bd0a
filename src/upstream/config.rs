//! Record mode's section of the configuration, `[record]`: where the upstream is, whose
//! credentials sign for it, and the two guards that keep a recorder from reaching AWS by accident
//! (`allow_network` under CI) or from serving as an open signing relay (`allow_remote`).

use std::path::PathBuf;

use serde::Deserialize;

pub use crate::cassette::RecordMode;
use crate::cassette::{AccountsRule, RewriteRule, Rewriter};

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct RecordConfig {
    /// The STS endpoint requests are forwarded to; unset: `https://sts.{region}.amazonaws.com`
    /// for the region of the credentials (`AWS_REGION`, else us-east-1), or
    /// `https://sts.amazonaws.com` with `global_endpoint`.
    pub upstream: Option<String>,
    /// With no `upstream`: the global endpoint instead of the regional one.
    pub global_endpoint: bool,
    /// The dotenv file of the real credentials; when it does not exist, the process's own
    /// `AWS_*` variables.
    pub prod_env: PathBuf,
    pub record_mode: RecordMode,
    /// Record mode refuses to start when `CI` is set, unless this is true.
    pub allow_network: bool,
    /// Record mode listens on loopback only, unless this is true.
    pub allow_remote: bool,
    /// A PEM file of CA certificates trusted for the upstream besides the public roots.
    pub upstream_ca: Option<PathBuf>,
    /// How long one upstream exchange may take, in milliseconds.
    pub upstream_timeout_ms: u64,
    /// Account ids rewritten in what is stored and answered: `"auto"` or real = fake.
    pub accounts: Option<AccountsRule>,
    /// Regex rules applied to what is stored and answered, after redaction.
    pub rewrite: Vec<RewriteRule>,
}

impl Default for RecordConfig {
    fn default() -> Self {
        RecordConfig {
            upstream: None,
            global_endpoint: false,
            prod_env: PathBuf::from("prod.env"),
            record_mode: RecordMode::All,
            allow_network: false,
            allow_remote: false,
            upstream_ca: None,
            upstream_timeout_ms: 10_000,
            accounts: None,
            rewrite: Vec::new(),
        }
    }
}

impl RecordConfig {
    /// Every value checked, each failure naming its key.
    pub fn check(&self) -> Result<(), String> {
        if let Some(upstream) = &self.upstream {
            check_upstream(upstream).map_err(|why| format!("record.upstream: {why}"))?;
        }
        if self.upstream_timeout_ms == 0 {
            return Err("record.upstream_timeout_ms: must be greater than 0".into());
        }
        let rewriter = self.rewriter()?;
        if rewriter.is_auto() && self.record_mode == RecordMode::New {
            return Err("record.accounts: \"auto\" numbers accounts afresh each run, so a run that appends to a cassette (record_mode \"new\") would number them differently: give an explicit map of real = fake account ids".into());
        }
        Ok(())
    }

    /// The rewriting rules of `accounts` and `rewrite`.
    pub fn rewriter(&self) -> Result<Rewriter, String> {
        Rewriter::build(self.accounts.as_ref(), &self.rewrite)
    }

    /// The upstream's base URL: the configured one, or STS's endpoint for `region`.
    pub fn upstream_url(&self, region: &str) -> String {
        match &self.upstream {
            Some(url) => url.trim_end_matches('/').to_owned(),
            None if self.global_endpoint => "https://sts.amazonaws.com".to_owned(),
            None => format!("https://sts.{region}.amazonaws.com"),
        }
    }
}

/// `http://HOST[:PORT]` or `https://HOST[:PORT]`, nothing after the authority but `/`.
fn check_upstream(url: &str) -> Result<(), String> {
    let rest = url
        .strip_prefix("https://")
        .or_else(|| url.strip_prefix("http://"))
        .ok_or_else(|| {
            format!("{url:?} must start with https:// (or http:// for a local upstream)")
        })?;
    let authority = rest.trim_end_matches('/');
    let valid = !authority.is_empty()
        && authority
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b':' | b'[' | b']'));
    if valid {
        Ok(())
    } else {
        Err(format!("{url:?} must be a scheme and a host, with no path"))
    }
}

/// Whether the environment says this is a CI job: `CI` set to anything but empty, `0` or
/// `false` (GitHub Actions, GitLab, CircleCI, Buildkite and others set `CI=true`).
pub fn in_ci(value: Option<&str>) -> bool {
    value.is_some_and(|v| !matches!(v.trim().to_ascii_lowercase().as_str(), "" | "0" | "false"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn upstream_urls() {
        let mut c = RecordConfig::default();
        assert_eq!(
            c.upstream_url("eu-west-1"),
            "https://sts.eu-west-1.amazonaws.com"
        );
        c.global_endpoint = true;
        assert_eq!(c.upstream_url("eu-west-1"), "https://sts.amazonaws.com");
        c.upstream = Some("http://127.0.0.1:4730/".into());
        assert_eq!(c.upstream_url("eu-west-1"), "http://127.0.0.1:4730");
        c.check().unwrap();
        for bad in [
            "sts.amazonaws.com",
            "ftp://x",
            "https://",
            "https://h/path",
            "https://a b",
        ] {
            c.upstream = Some(bad.into());
            assert!(
                c.check().unwrap_err().starts_with("record.upstream: "),
                "{bad}"
            );
        }
    }

    #[test]
    fn auto_accounts_are_refused_with_record_mode_new_and_bad_rules_name_their_key() {
        let mut c = RecordConfig {
            accounts: Some(AccountsRule::Auto("auto".into())),
            ..RecordConfig::default()
        };
        c.check().unwrap();
        c.record_mode = RecordMode::New;
        let why = c.check().unwrap_err();
        assert!(why.starts_with("record.accounts: \"auto\""), "{why}");
        c.accounts = None;
        c.rewrite = vec![RewriteRule {
            pattern: "[".into(),
            with: String::new(),
        }];
        assert!(
            c.check()
                .unwrap_err()
                .starts_with("record.rewrite[0].pattern")
        );
    }

    #[test]
    fn ci_is_set_unless_empty_zero_or_false() {
        for set in ["true", "1", "yes", "TRUE"] {
            assert!(in_ci(Some(set)), "{set}");
        }
        for unset in [None, Some(""), Some("0"), Some("false"), Some("False")] {
            assert!(!in_ci(unset), "{unset:?}");
        }
    }
}
