//! AssumeRole: a session of a role, for any caller but root and federated users. Role chaining (an
//! assumed-role caller) is capped at one hour, and the caller's transitive tags and source identity
//! carry over.

use super::Call;
use super::packed_policy::session_policy;
use super::role_arn::RoleArn;
use super::role_session::{RoleSession, check_source_identity, role_duration};
use super::session_tags::{TagParams, session_tags};
use crate::error::StsError;
use crate::fake::claims::{Origin, SessionClaims};
use crate::fake::principal::Principal;
use crate::wire::output::{Fields, Output};

pub fn assume_role(call: &mut Call<'_>) -> Result<Output, StsError> {
    let role_arn = call.str("RoleArn");
    let arn = RoleArn::parse(role_arn)?;
    let caller = call.take_caller()?;
    let (account, role_name) = authorize(caller.principal(), &arn, role_arn)?;
    let chained = matches!(caller.principal(), Principal::AssumedRole { .. });
    let duration = role_duration(call, chained)?;

    let parent = caller.session();
    let tags = session_tags(call.params, TagParams::WithTransitive, parent)?;
    let packed = session_policy(call.params, &tags, &mut call.rng)?;
    let requested_source = call.opt_str("SourceIdentity");
    check_source_identity(requested_source)?;
    let source_identity = inherited_source_identity(requested_source, parent);
    let chain_depth = if chained {
        parent.map_or(1, |p| p.chain_depth.saturating_add(1))
    } else {
        0
    };

    // SourceIdentity is echoed when the request set one (the session's, which a chain keeps).
    let echoed = requested_source.and(source_identity.clone());
    let issued = RoleSession {
        partition: arn.partition,
        account,
        role_name,
        session_name: call.str("RoleSessionName"),
        origin: Origin::AssumeRole,
        duration,
        tags,
        source_identity,
        chain_depth,
    }
    .issue(call);
    Ok(Fields::new()
        .opt_str("SourceIdentity", echoed)
        .nested("AssumedRoleUser", issued.assumed_role_user)
        .nested("Credentials", issued.credentials)
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

/// The session's source identity: once set, it stays with every chained session.
fn inherited_source_identity(
    requested: Option<&str>,
    parent: Option<&SessionClaims>,
) -> Option<String> {
    parent
        .and_then(|p| p.source_identity.clone())
        .or_else(|| requested.map(str::to_owned))
}
