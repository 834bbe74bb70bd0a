//! AssumeRoleWithWebIdentity (unsigned): a role session for the subject of an OpenID Connect token.
//! The token's claims are read (`sub`, `aud`/`azp`, `iss`, `exp`, AWS's session-tag and source
//! identity claims). A provider declared in `fake.identity_providers` for the token's issuer has its
//! audiences and (with keys) signatures enforced; tokens of undeclared issuers are trusted unverified
//! unless `fake.require_identity_provider` is set, or in strict mode, which accepts an undeclared
//! issuer's token only when the fake's own keys (GetWebIdentityToken's) verify it. With `ProviderId` (OAuth 2.0: Login with Amazon,
//! Facebook) an opaque access token is accepted and its subject derived from it.

use serde_json::Value;

use super::Call;
use super::packed_policy::session_policy;
use super::role_arn::RoleArn;
use super::role_session::{ASSERTED_SOURCE_IDENTITY_RULE, RoleSession, role_duration};
use super::session_tags::{SessionTags, asserted_tags};
use crate::error::{ErrorCode, StsError};
use crate::fake::claims::Origin;
use crate::fake::identity_providers::{IdentityProvider, issuer_key, provider_name};
use crate::fake::jwt::{Jwt, VerifyError};
use crate::fake::principal::is_session_name;
use crate::wire::output::{Fields, Output};

/// Issuers AWS knows without an IAM provider; it reports their host as `Provider`.
const BUILT_IN_ISSUERS: [&str; 2] = ["accounts.google.com", "cognito-identity.amazonaws.com"];
/// AWS's claim for session tags in a web identity token.
const TAGS_CLAIM: &str = "https://aws.amazon.com/tags";
const SOURCE_IDENTITY_CLAIM: &str = "https://aws.amazon.com/source_identity";

/// What the token says about who is calling.
struct WebIdentity {
    subject: String,
    audience: String,
    /// `host/path` of the issuer, or the OAuth provider id.
    provider: String,
    built_in: bool,
    tags: SessionTags,
    source_identity: Option<String>,
}

pub fn assume_role_with_web_identity(call: &mut Call<'_>) -> Result<Output, StsError> {
    let role_arn = RoleArn::parse(call.str("RoleArn"))?;
    let identity = match call.opt_str("ProviderId") {
        Some(provider_id) if Jwt::decode(call.str("WebIdentityToken")).is_none() => {
            oauth_identity(call, provider_id)
        }
        _ => oidc_identity(call)?,
    };
    let (account, role_name) = role_arn.role.ok_or_else(|| {
        StsError::access_denied("Not authorized to perform sts:AssumeRoleWithWebIdentity")
    })?;
    let duration = role_duration(call, false)?;
    let packed = session_policy(call.params, &identity.tags, &mut call.rng)?;
    let provider = if identity.built_in {
        identity.provider.clone()
    } else {
        format!(
            "arn:{}:iam::{account}:oidc-provider/{}",
            role_arn.partition, identity.provider
        )
    };
    let source_identity = identity.source_identity.clone();
    let issued = RoleSession {
        partition: role_arn.partition,
        account,
        role_name,
        session_name: call.str("RoleSessionName"),
        origin: Origin::WebIdentity,
        duration,
        tags: identity.tags,
        source_identity: identity.source_identity,
        chain_depth: 0,
    }
    .issue(call);
    Ok(Fields::new()
        .str("Audience", identity.audience)
        .nested("AssumedRoleUser", issued.assumed_role_user)
        .str("Provider", provider)
        .nested("Credentials", issued.credentials)
        .str("SubjectFromWebIdentityToken", identity.subject)
        .opt_int("PackedPolicySize", packed)
        .opt_str("SourceIdentity", source_identity)
        .output("AssumeRoleWithWebIdentity"))
}

/// An OAuth 2.0 access token of a built-in provider: opaque, so its subject is derived from it
/// (stable for the same token) and the audience is the provider.
fn oauth_identity(call: &Call<'_>, provider_id: &str) -> WebIdentity {
    let token = call.str("WebIdentityToken");
    let digest = ring::digest::digest(&ring::digest::SHA256, token.as_bytes());
    let hex: String = digest.as_ref()[..12]
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    WebIdentity {
        subject: format!("amzn1.account.{hex}"),
        audience: provider_id.to_owned(),
        provider: provider_id.to_owned(),
        built_in: true,
        tags: SessionTags::default(),
        source_identity: None,
    }
}

fn oidc_identity(call: &Call<'_>) -> Result<WebIdentity, StsError> {
    let jwt = Jwt::decode(call.str("WebIdentityToken")).ok_or_else(|| {
        StsError::invalid_identity_token(
            "The ID Token provided is not a valid JWT. (You may see this error if you sent an Access Token)",
        )
    })?;
    let issuer = jwt
        .str_claim("iss")
        .ok_or_else(|| StsError::invalid_identity_token("Missing a required claim: iss"))?;
    let name = provider_name(issuer);
    let built_in = BUILT_IN_ISSUERS.contains(&name);
    let key = issuer_key(issuer);
    let declared = call.fake.identity_providers.iter().find(|p| p.key == key);
    if declared.is_none() && !built_in {
        let unknown = || {
            StsError::invalid_identity_token(format!(
                "No OpenIDConnect provider found in your account for {issuer}"
            ))
        };
        if call.fake.strict {
            // Strict mode trusts an undeclared issuer only when the token is the fake's own.
            match call.fake.own_keys().verify(&jwt) {
                Ok(()) => {}
                Err(VerifyError::BadSignature) if jwt.header.kid.is_some() => {
                    return Err(StsError::invalid_identity_token(
                        "Signature validation failed",
                    ));
                }
                Err(_) => return Err(unknown()),
            }
        } else if call.fake.require_identity_provider {
            return Err(unknown());
        }
    }
    let audiences = jwt.audiences();
    let first_audience = *audiences
        .first()
        .ok_or_else(|| StsError::invalid_identity_token("Missing a required claim: aud"))?;
    let subject = jwt
        .str_claim("sub")
        .ok_or_else(|| StsError::invalid_identity_token("Missing a required claim: sub"))?;
    check_expiry(&jwt, call.now)?;
    if let Some(provider) = declared {
        check_with_provider(provider, &jwt, &audiences)?;
    }
    // Google reports the authorized party (the client) as the audience.
    let audience = match jwt.str_claim("azp") {
        Some(azp) if name == "accounts.google.com" => azp,
        _ => first_audience,
    };
    let source_identity = jwt.str_claim(SOURCE_IDENTITY_CLAIM).map(str::to_owned);
    check_source_identity_claim(source_identity.as_deref())?;
    Ok(WebIdentity {
        subject: subject.to_owned(),
        audience: audience.to_owned(),
        provider: name.to_owned(),
        built_in,
        tags: tags_claim(jwt.claims.get(TAGS_CLAIM))?,
        source_identity,
    })
}

fn check_expiry(jwt: &Jwt<'_>, now: i64) -> Result<(), StsError> {
    let expires = jwt
        .time_claim("exp")
        .ok_or_else(|| StsError::invalid_identity_token("Missing a required claim: exp"))?;
    if expires <= now {
        return Err(StsError::new(
            ErrorCode::ExpiredTokenException,
            format!(
                "Token expired: current date/time {now} must be before the expiration date/time{expires}"
            ),
        ));
    }
    Ok(())
}

/// A declared provider's audiences and, when it has keys, the signature.
fn check_with_provider(
    provider: &IdentityProvider,
    jwt: &Jwt<'_>,
    audiences: &[&str],
) -> Result<(), StsError> {
    if !provider.audiences.is_empty()
        && !audiences
            .iter()
            .any(|a| provider.audiences.iter().any(|p| p == a))
    {
        return Err(StsError::invalid_identity_token("Incorrect token audience"));
    }
    match provider.keys.as_ref().map(|keys| keys.verify(jwt)) {
        None | Some(Ok(())) => Ok(()),
        Some(Err(VerifyError::NoKey | VerifyError::UnsupportedAlgorithm)) => {
            Err(StsError::invalid_identity_token(
                "Couldn't retrieve verification key from your identity provider,  please reference AssumeRoleWithWebIdentity documentation for requirements",
            ))
        }
        Some(Err(VerifyError::BadSignature)) => Err(StsError::invalid_identity_token(
            "Signature validation failed",
        )),
    }
}

/// `{"principal_tags": {"k": ["v"]}, "transitive_tag_keys": ["k"]}`: the session tags a token
/// carries (the first value of each tag).
fn tags_claim(claim: Option<&Value>) -> Result<SessionTags, StsError> {
    let Some(claim) = claim else {
        return Ok(SessionTags::default());
    };
    let tags = match claim.get("principal_tags") {
        Some(Value::Object(principal_tags)) => principal_tags
            .iter()
            .map(|(key, values)| {
                let value = match values {
                    Value::Array(list) => list.first().and_then(Value::as_str),
                    Value::String(s) => Some(s.as_str()),
                    _ => None,
                };
                (key.clone(), value.unwrap_or_default().to_owned())
            })
            .collect(),
        _ => Vec::new(),
    };
    let transitive: Vec<&str> = match claim.get("transitive_tag_keys") {
        Some(Value::Array(keys)) => keys.iter().filter_map(Value::as_str).collect(),
        _ => Vec::new(),
    };
    asserted_tags(tags, &transitive)
}

fn check_source_identity_claim(value: Option<&str>) -> Result<(), StsError> {
    match value {
        Some(v) if !is_session_name(v) || v.to_ascii_lowercase().starts_with("aws:") => Err(
            StsError::invalid_identity_token(ASSERTED_SOURCE_IDENTITY_RULE),
        ),
        _ => Ok(()),
    }
}
