//! AssumeRole: a session of a role, for any caller but root and federated users. Role chaining (an
//! assumed-role caller) is capped at one hour, and the caller's transitive tags and source identity
//! carry over.

use super::Call;
use super::packed_policy::{packed_policy_size, policy_arns};
use super::role_arn::RoleArn;
use super::session_tags::{TagParams, session_tags};
use crate::error::StsError;
use crate::fake::principal::Principal;
use crate::fake::token::{Origin, SessionClaims};
use crate::response::{Fields, Output};

const DEFAULT_DURATION: i32 = 3600;
const CHAINED_MAX: i32 = 3600;

pub fn assume_role(call: &mut Call<'_>) -> Result<Output, StsError> {
    let role_arn = call.str("RoleArn");
    let arn = RoleArn::parse(role_arn)?;
    let caller = call.caller()?;
    let (account, role_name) = authorize(caller.principal(), &arn, role_arn)?;
    let chained = matches!(caller.principal(), Principal::AssumedRole { .. });
    let duration = duration(call, chained)?;

    let parent = caller.session();
    let tags = session_tags(call.params, TagParams::WithTransitive, parent)?;
    let policy = call.opt_str("Policy");
    let policy_arns = policy_arns(call.params);
    let packed = (policy.is_some() || !policy_arns.is_empty() || tags.requested)
        .then(|| packed_policy_size(policy, &policy_arns, &tags.tags));
    let source_identity = source_identity(call.opt_str("SourceIdentity"), parent)?;

    let principal = Principal::AssumedRole {
        partition: arn.partition.to_owned(),
        account: account.to_owned(),
        role_name: role_name.to_owned(),
        role_id: call.fake.unique_id("AROA", account, role_name),
        session_name: call.str("RoleSessionName").to_owned(),
    };
    let (arn_text, assumed_role_id) = (principal.arn(), principal.user_id());
    let mut claims = SessionClaims::new(principal, Origin::AssumeRole, call.now, duration);
    claims.chain_depth = if chained {
        parent.map_or(1, |p| p.chain_depth.saturating_add(1))
    } else {
        0
    };
    claims.mfa = call.mfa();
    claims.source_identity.clone_from(&source_identity);
    claims.tags = tags.tags;
    claims.transitive_tag_keys = tags.transitive_keys;
    let credentials = call.fake.issue(&mut call.rng, claims);

    // SourceIdentity is echoed when the request set one (the session's, which a chain keeps).
    let echoed = call.opt_str("SourceIdentity").and(source_identity);
    Ok(Fields::new()
        .opt_str("SourceIdentity", echoed)
        .nested(
            "AssumedRoleUser",
            Fields::new()
                .str("AssumedRoleId", assumed_role_id)
                .str("Arn", arn_text),
        )
        .nested("Credentials", credentials)
        .opt_int("PackedPolicySize", packed)
        .output("AssumeRole"))
}

/// Who may assume what: not root, not a federated user, and only an existing-looking role (an ARN
/// that does not name a role of a 12-digit account is AccessDenied, as a missing role is on AWS).
fn authorize<'a>(
    caller: &Principal,
    arn: &RoleArn<'a>,
    role_arn: &str,
) -> Result<(&'a str, &'a str), StsError> {
    let denied = || {
        StsError::access_denied(format!(
            "User: {} is not authorized to perform: sts:AssumeRole on resource: {role_arn}",
            caller.arn()
        ))
    };
    match caller {
        Principal::Root { .. } => Err(StsError::access_denied(
            "Roles may not be assumed by root accounts.",
        )),
        Principal::FederatedUser { .. } => Err(denied()),
        Principal::User { .. } | Principal::AssumedRole { .. } => arn.role.ok_or_else(denied),
    }
}

/// DurationSeconds against the role's MaxSessionDuration (that message wins) and the chain cap.
fn duration(call: &Call<'_>, chained: bool) -> Result<i32, StsError> {
    match call.int("DurationSeconds")? {
        Some(d) if d > call.fake.role_max_session_duration => Err(StsError::validation(
            "The requested DurationSeconds exceeds the MaxSessionDuration set for this role.",
        )),
        Some(d) if chained && d > CHAINED_MAX => Err(StsError::validation(
            "The requested DurationSeconds exceeds the 1 hour session limit for roles assumed by role chaining.",
        )),
        Some(d) => Ok(d),
        None => Ok(DEFAULT_DURATION),
    }
}

/// The session's source identity: once set, it stays with every chained session.
fn source_identity(
    requested: Option<&str>,
    parent: Option<&SessionClaims>,
) -> Result<Option<String>, StsError> {
    if requested.is_some_and(|s| s.to_ascii_lowercase().starts_with("aws:")) {
        return Err(StsError::validation(
            "SourceIdentity cannot start with the reserved prefix 'aws:'",
        ));
    }
    Ok(parent
        .and_then(|p| p.source_identity.clone())
        .or_else(|| requested.map(str::to_owned)))
}
