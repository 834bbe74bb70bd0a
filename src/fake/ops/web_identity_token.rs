//! GetWebIdentityToken (outbound identity federation): a signed JWT (RS256 or ES384) about the
//! caller, for an external relying party. The issuer is per account and served by the fake itself
//! (`/_parlel/oidc/{account}/.well-known/openid-configuration` and `.../jwks.json`), so a test can
//! verify the token for real.

use std::collections::BTreeMap;

use serde::Serialize;
use serde_json::Value;

use super::Call;
use super::session_tags::{TagParams, session_tags};
use crate::error::{ErrorCode, StsError};
use crate::fake::principal::Principal;
use crate::fake::signing_keys::Algorithm;
use crate::wire::output::{Fields, Output};

const DEFAULT_DURATION: i32 = 300;
/// The largest claims payload this fake signs (AWS's own limit is not published).
const MAX_PAYLOAD_BYTES: usize = 8192;

#[derive(Serialize)]
struct Claims<'a> {
    iss: String,
    /// One audience is a string, several an array.
    aud: Value,
    sub: String,
    iat: i64,
    exp: i64,
    jti: String,
    #[serde(rename = "https://sts.amazonaws.com/")]
    aws: AwsClaims<'a>,
}

#[derive(Serialize)]
struct AwsClaims<'a> {
    aws_account: &'a str,
    source_region: &'a str,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    principal_tags: BTreeMap<&'a str, &'a str>,
    #[serde(skip_serializing_if = "BTreeMap::is_empty")]
    request_tags: BTreeMap<&'a str, &'a str>,
}

pub fn get_web_identity_token(call: &mut Call<'_>) -> Result<Output, StsError> {
    let requested = call.str("SigningAlgorithm");
    let algorithm = Algorithm::parse(requested).ok_or_else(|| {
        StsError::validation(format!(
            "1 validation error detected: Value '{requested}' at 'signingAlgorithm' failed to satisfy constraint: Member must satisfy enum value set: [RS256, ES384]"
        ))
    })?;
    let caller = call.take_caller()?;
    let principal = caller.principal();
    let account = principal.account();
    let disabled = &call.fake.outbound_federation_disabled;
    if disabled.iter().any(|a| a == "*" || a == account) {
        return Err(StsError::new(
            ErrorCode::OutboundWebIdentityFederationDisabledException,
            "The outbound web identity federation feature is not enabled for this account.",
        ));
    }
    let duration = call.int("DurationSeconds")?.unwrap_or(DEFAULT_DURATION);
    let expires = call.now + i64::from(duration);
    if let Some(session) = caller.session()
        && expires > session.expires
    {
        return Err(StsError::new(
            ErrorCode::SessionDurationEscalationException,
            "The requested token duration would extend the session beyond its original expiration time.",
        ));
    }
    let request_tags = session_tags(call.params, TagParams::TagsOnly, None)?;
    let audiences = call.params.string_list("Audience");
    let claims = Claims {
        iss: call.fake.issuer(account, call.host),
        aud: match audiences[..] {
            [one] => Value::from(one),
            _ => Value::from(audiences.clone()),
        },
        sub: subject(principal),
        iat: call.now,
        exp: expires,
        jti: call.rng.uuid(),
        aws: AwsClaims {
            aws_account: account,
            source_region: call.region,
            principal_tags: caller
                .session()
                .map(|s| {
                    s.tags
                        .iter()
                        .map(|(k, v)| (k.as_str(), v.as_str()))
                        .collect()
                })
                .unwrap_or_default(),
            request_tags: request_tags
                .tags
                .iter()
                .map(|(k, v)| (k.as_str(), v.as_str()))
                .collect(),
        },
    };
    let payload = serde_json::to_vec(&claims).unwrap_or_default();
    if payload.len() > MAX_PAYLOAD_BYTES {
        return Err(StsError::new(
            ErrorCode::JWTPayloadSizeExceededException,
            "The requested token payload size exceeds the maximum allowed size.",
        ));
    }
    let token = call
        .fake
        .signing_keys
        .sign(algorithm, &payload)
        .ok_or_else(|| {
            StsError::new(
                ErrorCode::InternalFailure,
                "The signing key is unavailable.",
            )
        })?;
    Ok(Fields::new()
        .str("WebIdentityToken", token)
        .time("Expiration", expires)
        .output("GetWebIdentityToken"))
}

/// `sub`: the IAM identity behind the caller, a role session's role (not the session).
fn subject(principal: &Principal) -> String {
    match principal {
        Principal::AssumedRole {
            partition,
            account,
            role_name,
            ..
        } => format!("arn:{partition}:iam::{account}:role/{role_name}"),
        other => other.arn(),
    }
}
