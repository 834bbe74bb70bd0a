//! GetFederationToken: credentials for a federated user of the caller's account. Refused for
//! session credentials; root's duration is silently capped at one hour. `PackedPolicySize` is
//! always present (0 without a policy), as live STS answers.

use super::packed_policy::session_policy;
use super::session_tags::{TagParams, session_tags};
use super::{Call, long_term_duration};
use crate::error::StsError;
use crate::fake::claims::{Origin, SessionClaims};
use crate::fake::principal::Principal;
use crate::wire::output::{Fields, Output};

pub fn get_federation_token(call: &mut Call<'_>) -> Result<Output, StsError> {
    let caller = call.take_caller()?;
    if caller.session().is_some() {
        return Err(StsError::access_denied(
            "Cannot call GetFederationToken with session credentials",
        ));
    }
    let caller_principal = caller.principal();
    let duration = long_term_duration(caller_principal, call.int("DurationSeconds")?);
    let tags = session_tags(call.params, TagParams::TagsOnly, None)?;
    let packed = session_policy(call.params, &tags, &mut call.rng)?.unwrap_or(0);
    let principal = Principal::FederatedUser {
        account: caller_principal.account().to_owned(),
        name: call.str("Name").to_owned(),
    };
    let (arn, federated_user_id) = (principal.arn(), principal.user_id());
    let mut claims = SessionClaims::new(principal, Origin::FederationToken, call.now, duration);
    claims.tags = tags.tags;
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
