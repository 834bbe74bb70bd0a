//! GetSessionToken: temporary credentials for the calling user (or root), who they still identify
//! as. Refused for session credentials with AWS's AccessDenied text; root's duration is silently
//! capped at one hour.

use super::Call;
use crate::error::StsError;
use crate::fake::principal::Principal;
use crate::fake::token::{Origin, SessionClaims};
use crate::response::{Fields, Output};

const DEFAULT_DURATION: i32 = 43_200;
const ROOT_MAX: i32 = 3600;

pub fn get_session_token(call: &mut Call<'_>) -> Result<Output, StsError> {
    let caller = call.caller()?;
    if caller.session().is_some() {
        return Err(StsError::access_denied(
            "Cannot call GetSessionToken with session credentials",
        ));
    }
    let principal = caller.principal().clone();
    let requested = call.int("DurationSeconds")?.unwrap_or(DEFAULT_DURATION);
    let duration = match principal {
        Principal::Root { .. } => requested.min(ROOT_MAX),
        _ => requested,
    };
    let claims = SessionClaims {
        access_key_id: String::new(),
        principal,
        origin: Origin::SessionToken,
        issued: call.now,
        expires: call.now + i64::from(duration),
        chain_depth: 0,
        mfa: call.opt_str("SerialNumber").is_some() && call.opt_str("TokenCode").is_some(),
        source_identity: None,
        tags: Vec::new(),
        transitive_tag_keys: Vec::new(),
    };
    let credentials = call.fake.issue(&mut call.rng, claims);
    Ok(Fields::new()
        .nested("Credentials", credentials)
        .output("GetSessionToken"))
}
