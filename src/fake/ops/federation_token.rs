//! GetFederationToken: credentials for a federated user of the caller's account. Refused for
//! session credentials; root's duration is silently capped at one hour. `PackedPolicySize` is
//! always present (0 without a policy), as live STS answers.

use super::Call;
use super::packed_policy::{packed_policy_size, policy_arns};
use super::session_tags::session_tags;
use crate::error::StsError;
use crate::fake::principal::Principal;
use crate::fake::token::{Origin, SessionClaims};
use crate::response::{Fields, Output};

const DEFAULT_DURATION: i32 = 43_200;
const ROOT_MAX: i32 = 3600;

pub fn get_federation_token(call: &mut Call<'_>) -> Result<Output, StsError> {
    let caller = call.caller()?;
    if caller.session().is_some() {
        return Err(StsError::access_denied(
            "Cannot call GetFederationToken with session credentials",
        ));
    }
    let caller_principal = caller.principal();
    let requested = call.int("DurationSeconds")?.unwrap_or(DEFAULT_DURATION);
    let duration = match caller_principal {
        Principal::Root { .. } => requested.min(ROOT_MAX),
        _ => requested,
    };
    let tags = session_tags(call.params, None)?;
    let policy_arns = policy_arns(call.params);
    let packed = packed_policy_size(call.opt_str("Policy"), &policy_arns, &tags.tags);
    let principal = Principal::FederatedUser {
        account: caller_principal.account().to_owned(),
        name: call.str("Name").to_owned(),
    };
    let (arn, federated_user_id) = (principal.arn(), principal.user_id());
    let claims = SessionClaims {
        access_key_id: String::new(),
        principal,
        origin: Origin::FederationToken,
        issued: call.now,
        expires: call.now + i64::from(duration),
        chain_depth: 0,
        mfa: false,
        source_identity: None,
        tags: tags.tags,
        transitive_tag_keys: Vec::new(),
    };
    let credentials = call.fake.issue(&mut call.rng, claims);
    Ok(Fields::new()
        .nested("Credentials", credentials)
        .nested(
            "FederatedUser",
            Fields::new()
                .str("Arn", arn)
                .str("FederatedUserId", federated_user_id),
        )
        .int("PackedPolicySize", packed)
        .output("GetFederationToken"))
}
