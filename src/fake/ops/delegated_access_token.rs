//! GetDelegatedAccessToken: trades a trade-in token (see `fake::trade_in`) for credentials of the
//! principal it names. `AssumedPrincipal` is that principal's ARN; `PackedPolicySize` is not
//! populated for this operation (AWS's documentation says so). A token this server never issued is
//! `ExpiredTradeInTokenException` in strict mode, the default principal's credentials otherwise.

use super::Call;
use super::role_arn::RoleArn;
use super::role_session::RoleSession;
use super::session_tags::SessionTags;
use crate::error::{ErrorCode, StsError};
use crate::fake::arn::Arn;
use crate::fake::claims::{Origin, SessionClaims};
use crate::fake::principal::Principal;
use crate::wire::output::{Fields, Output};

const DEFAULT_DURATION: i32 = 3600;
const DEFAULT_SESSION_NAME: &str = "delegated-session";

fn expired() -> StsError {
    StsError::new(
        ErrorCode::ExpiredTradeInTokenException,
        "The trade-in token provided in the request has expired and can no longer be exchanged for credentials.",
    )
}

pub fn get_delegated_access_token(call: &mut Call<'_>) -> Result<Output, StsError> {
    call.take_caller()?;
    let Some(grant) = call.fake.trade_in_grant(call.str("TradeInToken")) else {
        // A token this server never issued: strict mode refuses it; permissive mode trades it for
        // the default principal, as it takes an undeclared issuer's web identity token on trust.
        if call.fake.strict {
            return Err(expired());
        }
        let principal = call.fake.default_principal.principal.clone();
        let arn = principal.arn();
        let claims = SessionClaims::new(
            principal,
            Origin::DelegatedAccessToken,
            call.now,
            DEFAULT_DURATION,
        );
        let credentials = call.fake.issue(&mut call.rng, claims);
        return Ok(Fields::new()
            .nested("Credentials", credentials)
            .str("AssumedPrincipal", arn)
            .output("GetDelegatedAccessToken"));
    };
    if grant.expires.is_some_and(|e| e <= call.now) {
        return Err(expired());
    }
    let duration = grant.duration_seconds.unwrap_or(DEFAULT_DURATION);
    let arn = grant.principal_arn.as_str();
    let credentials = if let Ok(RoleArn {
        partition,
        role: Some((account, role_name)),
    }) = RoleArn::parse(arn)
    {
        RoleSession {
            partition,
            account,
            role_name,
            session_name: grant
                .session_name
                .as_deref()
                .unwrap_or(DEFAULT_SESSION_NAME),
            origin: Origin::DelegatedAccessToken,
            duration,
            tags: SessionTags::default(),
            source_identity: None,
            chain_depth: 0,
        }
        .issue(call)
        .credentials
    } else {
        let principal = user_principal(call, arn).ok_or_else(expired)?;
        let claims =
            SessionClaims::new(principal, Origin::DelegatedAccessToken, call.now, duration);
        call.fake.issue(&mut call.rng, claims)
    };
    Ok(Fields::new()
        .nested("Credentials", credentials)
        .str("AssumedPrincipal", arn)
        .output("GetDelegatedAccessToken"))
}

/// `arn:aws:iam::ACCOUNT:user/[PATH/]NAME` as a principal.
fn user_principal(call: &Call<'_>, arn: &str) -> Option<Principal> {
    let (account, path_and_name) = Arn::parse(arn)?.iam("user")?;
    let (path, name) = match path_and_name.rsplit_once('/') {
        Some((path, name)) => (format!("/{path}/"), name),
        None => ("/".to_owned(), path_and_name),
    };
    (!name.is_empty()).then(|| Principal::User {
        account: account.to_owned(),
        path,
        name: name.to_owned(),
        id: call.fake.unique_id("AIDA", account, name),
    })
}
