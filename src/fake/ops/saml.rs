//! AssumeRoleWithSAML (unsigned): a role session for the subject of a SAML 2.0 response. The
//! assertion's `Role` attribute must pair the requested role with the requested provider; the
//! session name, duration, source identity and session tags come from AWS's SAML attributes.
//! Signatures are not verified; strict mode refuses a response that carries none.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use ring::digest;

use super::Call;
use super::packed_policy::session_policy;
use super::role_arn::RoleArn;
use super::role_session::{ASSERTED_SOURCE_IDENTITY_RULE, RoleSession, role_duration};
use super::session_tags::{SessionTags, asserted_tags};
use crate::error::{ErrorCode, StsError};
use crate::fake::arn::Arn;
use crate::fake::claims::Origin;
use crate::fake::principal::is_session_name;
use crate::fake::saml::{self, SamlResponse};
use crate::timestamp::parse_rfc3339_ms;
use crate::wire::output::{Fields, Output};

const ATTRIBUTES: &str = "https://aws.amazon.com/SAML/Attributes/";
const NAME_ID_FORMAT_PREFIX: &str = "urn:oasis:names:tc:SAML:2.0:nameid-format:";
/// How long after its IssueInstant a response may be redeemed.
const REDEEM_WITHIN: i64 = 300;

fn expired(message: &'static str) -> StsError {
    StsError::new(ErrorCode::ExpiredTokenException, message)
}

pub fn assume_role_with_saml(call: &mut Call<'_>) -> Result<Output, StsError> {
    let role_arn_text = call.str("RoleArn");
    let role_arn = RoleArn::parse(role_arn_text)?;
    let principal_arn = call.str("PrincipalArn");
    let (provider_account, provider_name) = saml_provider(principal_arn)?;
    let response = saml::parse(call.str("SAMLAssertion"))
        .map_err(|why| StsError::invalid_identity_token(format!("Invalid SAML response: {why}")))?;
    // Strict mode: a response must at least be signed (the XML signature itself is not checked).
    if call.fake.strict && !response.signed {
        return Err(StsError::invalid_identity_token(
            "Response signature invalid",
        ));
    }
    check_times(&response, call.now)?;
    check_audience(&response)?;

    let denied = || StsError::access_denied("Not authorized to perform sts:AssumeRoleWithSAML");
    if !role_pairs(&response)
        .any(|(role, provider)| role == role_arn_text && provider == principal_arn)
    {
        return Err(denied());
    }
    let (account, role_name) = role_arn.role.ok_or_else(denied)?;

    let (session_name, source_identity) = session_attributes(&response)?;
    let duration = duration(call, &response)?;
    let tags = tags(&response)?;
    let packed = session_policy(call.params, &tags, &mut call.rng)?;

    let subject_type = subject_type(&response);
    // The SubjectConfirmationData's Recipient, as AWS reports it.
    let audience = response
        .recipient
        .clone()
        .or_else(|| response.audiences.first().cloned())
        .unwrap_or_default();
    let name_qualifier = name_qualifier(&response.issuer, provider_account, provider_name);
    let source_identity = source_identity.map(str::to_owned);
    let issued = RoleSession {
        partition: role_arn.partition,
        account,
        role_name,
        session_name,
        origin: Origin::Saml,
        duration,
        tags,
        source_identity: source_identity.clone(),
        chain_depth: 0,
    }
    .issue(call);
    Ok(Fields::new()
        .str("Audience", audience)
        .nested("AssumedRoleUser", issued.assumed_role_user)
        .nested("Credentials", issued.credentials)
        .str("Subject", response.name_id)
        .str("NameQualifier", name_qualifier)
        .str("SubjectType", subject_type)
        .str("Issuer", response.issuer)
        .opt_int("PackedPolicySize", packed)
        .opt_str("SourceIdentity", source_identity)
        .output("AssumeRoleWithSAML"))
}

/// The session name and source identity the response asserts, checked as AWS checks them.
fn session_attributes(response: &SamlResponse) -> Result<(&str, Option<&str>), StsError> {
    let session_name = attribute(response, "RoleSessionName").ok_or_else(|| {
        StsError::invalid_identity_token("RoleSessionName is required in AuthnResponse")
    })?;
    if !is_session_name(session_name) {
        return Err(StsError::invalid_identity_token(
            "RoleSessionName in AuthnResponse must match [a-zA-Z_0-9+=,.@-]{2,64}",
        ));
    }
    let source_identity = attribute(response, "SourceIdentity");
    if source_identity
        .is_some_and(|s| !is_session_name(s) || s.to_ascii_lowercase().starts_with("aws:"))
    {
        return Err(StsError::invalid_identity_token(
            ASSERTED_SOURCE_IDENTITY_RULE,
        ));
    }
    Ok((session_name, source_identity))
}

/// The NameID format without SAML 2.0's prefix (`persistent`, `transient`); other formats whole.
fn subject_type(response: &SamlResponse) -> String {
    let format = response
        .name_id_format
        .as_deref()
        .unwrap_or("urn:oasis:names:tc:SAML:1.1:nameid-format:unspecified");
    format
        .strip_prefix(NAME_ID_FORMAT_PREFIX)
        .unwrap_or(format)
        .to_owned()
}

/// `arn:aws:iam::ACCOUNT:saml-provider/NAME` -> (ACCOUNT, NAME).
fn saml_provider(arn: &str) -> Result<(&str, &str), StsError> {
    Arn::parse(arn)
        .and_then(|arn| arn.iam("saml-provider"))
        .ok_or_else(|| StsError::invalid_identity_token("Specified provider doesn't exist."))
}

/// `base64(sha1(issuer + account + "/" + provider name))`, as AWS documents it.
pub fn name_qualifier(issuer: &str, account: &str, provider_name: &str) -> String {
    let mut ctx = digest::Context::new(&digest::SHA1_FOR_LEGACY_USE_ONLY);
    ctx.update(issuer.as_bytes());
    ctx.update(account.as_bytes());
    ctx.update(b"/");
    ctx.update(provider_name.as_bytes());
    STANDARD.encode(ctx.finish())
}

fn attribute<'r>(response: &'r SamlResponse, name: &str) -> Option<&'r str> {
    response.attribute(&format!("{ATTRIBUTES}{name}"))
}

/// The `Role` attribute's values: `role ARN,provider ARN` in either order.
fn role_pairs(response: &SamlResponse) -> impl Iterator<Item = (&str, &str)> {
    response
        .attributes
        .get(&format!("{ATTRIBUTES}Role"))
        .into_iter()
        .flatten()
        .filter_map(|value| {
            let (a, b) = value.split_once(',')?;
            let (a, b) = (a.trim(), b.trim());
            Some(if a.contains(":saml-provider/") {
                (b, a)
            } else {
                (a, b)
            })
        })
}

/// A SAML instant (`2026-11-23T10:00:00Z`, fractions allowed) in seconds since the epoch.
fn saml_seconds(text: &str) -> Result<i64, StsError> {
    parse_rfc3339_ms(text)
        .map(|ms| ms.div_euclid(1000))
        .map_err(|_| {
            StsError::invalid_identity_token(format!(
                "Invalid SAML response: {text:?} is not a SAML time"
            ))
        })
}

/// A response is redeemed within five minutes of issue, and before its `NotOnOrAfter`.
fn check_times(response: &SamlResponse, now: i64) -> Result<(), StsError> {
    if let Some(instant) = &response.issue_instant
        && saml_seconds(instant)? + REDEEM_WITHIN < now
    {
        return Err(expired(
            "Token must be redeemed within 5 minutes of issuance",
        ));
    }
    for limit in &response.not_on_or_after {
        if saml_seconds(limit)? <= now {
            return Err(expired("Response has expired"));
        }
    }
    Ok(())
}

/// When the response restricts its audience, AWS must be among it.
fn check_audience(response: &SamlResponse) -> Result<(), StsError> {
    let is_aws = |a: &String| {
        a == "urn:amazon:webservices"
            || (a.starts_with("https://") && a.ends_with("signin.aws.amazon.com/saml"))
    };
    if response.audiences.is_empty() || response.audiences.iter().any(is_aws) {
        Ok(())
    } else {
        Err(StsError::invalid_identity_token(
            "Response does not contain the required audience.",
        ))
    }
}

/// `DurationSeconds` when given (against the role's maximum), else the `SessionDuration`
/// attribute, else one hour; never past the assertion's `SessionNotOnOrAfter`.
fn duration(call: &Call<'_>, response: &SamlResponse) -> Result<i32, StsError> {
    let mut duration = role_duration(call, false)?;
    if !call.params.contains("DurationSeconds")
        && let Some(text) = attribute(response, "SessionDuration")
    {
        duration = text
            .trim()
            .parse::<i32>()
            .ok()
            .filter(|d| (900..=43_200).contains(d))
            .ok_or_else(|| {
                StsError::invalid_identity_token(
                    "SessionDuration in AuthnResponse must be an integer from 900 to 43200",
                )
            })?;
        if duration > call.fake.role_max_session_duration {
            return Err(StsError::validation(
                "Requested DurationSeconds exceeds MaxSessionDuration set for this role.",
            ));
        }
    }
    if let Some(limit) = &response.session_not_on_or_after {
        let left = saml_seconds(limit)? - call.now;
        if left <= 0 {
            return Err(expired("Response has expired"));
        }
        duration = duration.min(i32::try_from(left).unwrap_or(i32::MAX));
    }
    Ok(duration)
}

/// `PrincipalTag:KEY` attributes and the `TransitiveTagKeys` attribute.
fn tags(response: &SamlResponse) -> Result<SessionTags, StsError> {
    let prefix = format!("{ATTRIBUTES}PrincipalTag:");
    let tags = response
        .attributes
        .iter()
        .filter_map(|(name, values)| {
            let key = name.strip_prefix(&prefix)?;
            Some((key.to_owned(), values.first().cloned().unwrap_or_default()))
        })
        .collect();
    let transitive: Vec<&str> = response
        .attributes
        .get(&format!("{ATTRIBUTES}TransitiveTagKeys"))
        .into_iter()
        .flatten()
        .map(String::as_str)
        .collect();
    asserted_tags(tags, &transitive)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    // A regression check of the documented formula (the expected value is computed from it, not
    // observed on AWS).
    fn name_qualifier_as_aws_documents_it() {
        assert_eq!(
            name_qualifier("https://example.com/saml", "123456789012", "MySAMLIdP"),
            "1uAJanUnBc2XeUkHURMht+xam2c="
        );
    }
}
