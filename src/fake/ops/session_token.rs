//! GetSessionToken: temporary credentials for the calling user (or root), who they still identify
//! as. Refused for session credentials with AWS's AccessDenied text; root's duration is silently
//! capped at one hour.

use super::{Call, long_term_duration};
use crate::error::StsError;
use crate::fake::claims::{Origin, SessionClaims};
use crate::wire::output::{Fields, Output};

pub fn get_session_token(call: &mut Call<'_>) -> Result<Output, StsError> {
    let caller = call.caller()?;
    if caller.session().is_some() {
        return Err(StsError::access_denied(
            "Cannot call GetSessionToken with session credentials",
        ));
    }
    let principal = caller.principal().clone();
    let duration = long_term_duration(&principal, call.int("DurationSeconds")?);
    let mut claims = SessionClaims::new(principal, Origin::SessionToken, call.now, duration);
    claims.mfa = call.mfa();
    let credentials = call.fake.issue(&mut call.rng, claims);
    Ok(Fields::new()
        .nested("Credentials", credentials)
        .output("GetSessionToken"))
}
