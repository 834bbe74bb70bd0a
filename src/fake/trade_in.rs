//! Trade-in tokens for GetDelegatedAccessToken. AWS does not document where they come from; the fake
//! issues them through `POST /_parlel/trade-in-token` (sealed, with their own expiry, forgotten by a
//! reset) or takes them from `fake.trade_in_tokens` (fixed strings that never expire).

use serde::{Deserialize, Serialize};

use super::Fake;
use super::arn::Arn;
use super::principal::is_session_name;
use super::sealed::{self, Purpose};

/// What a trade-in token grants: a session of `principal_arn` (a role or an IAM user). The admin
/// route takes it as JSON, and it is what a token seals.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
#[serde(deny_unknown_fields)]
pub struct TradeInGrant {
    /// `arn:aws:iam::ACCOUNT:role/NAME` or `arn:aws:iam::ACCOUNT:user/NAME`.
    pub principal_arn: String,
    /// The role session's name (roles only). Default `delegated-session`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub session_name: Option<String>,
    /// Lifetime of the credentials, 900..=43200 seconds. Default 3600.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub duration_seconds: Option<i32>,
    /// How long the token stays redeemable from its issue (default 300), when `expires` is not set.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expires_in_seconds: Option<i64>,
    /// Seconds since the epoch from which the token no longer trades in (`None`: never, for
    /// configured tokens).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expires: Option<i64>,
}

impl Fake {
    /// A trade-in token for `request`, and the instant it stops being redeemable.
    pub fn issue_trade_in_token(&self, request: &TradeInGrant) -> Result<(String, i64), String> {
        check_grant(
            &request.principal_arn,
            request.session_name.as_deref(),
            request.duration_seconds,
        )?;
        let expires = request.expires.unwrap_or_else(|| {
            self.clock
                .now()
                .saturating_add(request.expires_in_seconds.unwrap_or(300))
        });
        let grant = TradeInGrant {
            expires: Some(expires),
            expires_in_seconds: None,
            ..request.clone()
        };
        let payload = serde_json::to_vec(&grant).map_err(|e| e.to_string())?;
        let token = sealed::seal(&self.secrets, Purpose::TradeInToken, self.epoch(), &payload);
        Ok((token, expires))
    }

    /// The grant behind `token`, whether or not it has expired: a configured token, or one this
    /// server issued since the last reset.
    pub(super) fn trade_in_grant(&self, token: &str) -> Option<TradeInGrant> {
        if let Some(grant) = self.trade_in_tokens.get(token) {
            return Some(grant.clone());
        }
        let payload = sealed::open(&self.secrets, Purpose::TradeInToken, self.epoch(), token)?;
        serde_json::from_slice(&payload).ok()
    }
}

/// What the admin route and the config refuse up front.
pub fn check_grant(
    principal_arn: &str,
    session_name: Option<&str>,
    duration: Option<i32>,
) -> Result<(), String> {
    if session_name.is_some_and(|n| !is_session_name(n)) {
        return Err("session_name must match [\\w+=,.@-]{2,64}".to_owned());
    }
    let ok = Arn::parse(principal_arn)
        .is_some_and(|arn| arn.iam("role").is_some() || arn.iam("user").is_some());
    if !ok {
        return Err(format!(
            "principal_arn {principal_arn:?} is not an IAM role or user ARN"
        ));
    }
    if duration.is_some_and(|d| !(900..=43_200).contains(&d)) {
        return Err("duration_seconds must be within 900..=43200".to_owned());
    }
    Ok(())
}
