//! AssumeRole: a session of a role, for any caller but root and federated users. Role chaining (an
//! assumed-role caller) is capped at one hour, and the caller's transitive tags and source identity
//! carry over.

use super::Call;
use super::packed_policy::{packed_policy_size, policy_arns};
use super::role_arn::RoleArn;
use super::session_tags::session_tags;
use crate::error::StsError;
use crate::fake::principal::Principal;
use crate::fake::token::{Origin, SessionClaims};
use crate::response::{Fields, Output};

const DEFAULT_DURATION: i32 = 3600;
const CHAINED_MAX: i32 = 3600;

pub fn assume_role(call: &mut Call<'_>) -> Result<Output, StsError> {
    let role_arn = call.str("RoleArn");
    let session_name = call.str("RoleSessionName");
    let arn = RoleArn::parse(role_arn)?;
    let caller = call.caller()?;
    let caller_principal = caller.principal();
    let denied = || {
        StsError::access_denied(format!(
            "User: {} is not authorized to perform: sts:AssumeRole on resource: {role_arn}",
            caller_principal.arn()
        ))
    };
    match caller_principal {
        Principal::Root { .. } => {
            return Err(StsError::access_denied(
                "Roles may not be assumed by root accounts.",
            ));
        }
        Principal::FederatedUser { .. } => return Err(denied()),
        Principal::User { .. } | Principal::AssumedRole { .. } => {}
    }
    let (account, role_name) = arn.role.ok_or_else(denied)?;

    let chained = matches!(caller_principal, Principal::AssumedRole { .. });
    let duration = match call.int("DurationSeconds")? {
        Some(d) if d > call.fake.role_max_session_duration => {
            return Err(StsError::validation(
                "The requested DurationSeconds exceeds the MaxSessionDuration set for this role.",
            ));
        }
        Some(d) if chained && d > CHAINED_MAX => {
            return Err(StsError::validation(
                "The requested DurationSeconds exceeds the 1 hour session limit for roles assumed by role chaining.",
            ));
        }
        Some(d) => d,
        None => DEFAULT_DURATION,
    };

    let parent = caller.session();
    let tags = session_tags(call.params, parent)?;
    let policy = call.opt_str("Policy");
    let policy_arns = policy_arns(call.params);
    let packed = (policy.is_some() || !policy_arns.is_empty() || tags.requested)
        .then(|| packed_policy_size(policy, &policy_arns, &tags.tags));
    let requested_source_identity = call.opt_str("SourceIdentity");
    if requested_source_identity.is_some_and(|s| s.to_ascii_lowercase().starts_with("aws:")) {
        return Err(StsError::validation(
            "SourceIdentity cannot start with the reserved prefix 'aws:'",
        ));
    }
    // A source identity, once set, stays with every chained session.
    let source_identity = parent
        .and_then(|p| p.source_identity.clone())
        .or_else(|| requested_source_identity.map(str::to_owned));

    let role_id = call.fake.unique_id("AROA", account, role_name);
    let principal = Principal::AssumedRole {
        partition: arn.partition.to_owned(),
        account: account.to_owned(),
        role_name: role_name.to_owned(),
        role_id,
        session_name: session_name.to_owned(),
    };
    let (arn_text, assumed_role_id) = (principal.arn(), principal.user_id());
    let claims = SessionClaims {
        access_key_id: String::new(),
        principal,
        origin: Origin::AssumeRole,
        issued: call.now,
        expires: call.now + i64::from(duration),
        chain_depth: parent.map_or(0, |p| p.chain_depth.saturating_add(1)),
        mfa: call.opt_str("SerialNumber").is_some() && call.opt_str("TokenCode").is_some(),
        source_identity,
        tags: tags.tags,
        transitive_tag_keys: tags.transitive_keys,
    };
    let credentials = call.fake.issue(&mut call.rng, claims);
    Ok(Fields::new()
        .opt_str("SourceIdentity", requested_source_identity)
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
