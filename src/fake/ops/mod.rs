//! One file per operation family, each the same shape: read the typed request from the validated
//! parameters, apply it, and build the result members in AWS's order.

mod access_key_info;
mod assume_role;
mod assume_root;
mod caller_identity;
mod decode_authorization_message;
mod delegated_access_token;
mod federation_token;
mod packed_policy;
mod role_arn;
mod role_session;
mod saml;
mod session_tags;
mod session_token;
mod web_identity;
mod web_identity_token;

use super::Fake;
use super::caller::Caller;
use super::entropy::RequestRandom;
use super::principal::Principal;
use crate::error::{ErrorCode, StsError};
use crate::wire::output::Output;
use crate::wire::params::Params;

/// One call of an operation: everything it may read.
pub struct Call<'a> {
    pub fake: &'a Fake,
    /// Already validated against the model.
    pub params: &'a Params,
    /// `None` only for unsigned operations.
    pub caller: Option<Caller<'a>>,
    /// The region of the request's credential scope (`us-east-1` when it names none).
    pub region: &'a str,
    /// The request's `Host` header.
    pub host: Option<&'a str>,
    /// Seconds since the epoch, read once per request.
    pub now: i64,
    pub rng: RequestRandom<'a>,
}

impl<'a> Call<'a> {
    fn caller(&self) -> Result<&Caller<'a>, StsError> {
        self.caller
            .as_ref()
            .ok_or_else(StsError::missing_authentication_token)
    }

    /// The caller, owned: for operations that also need `&mut self` (the random stream).
    fn take_caller(&mut self) -> Result<Caller<'a>, StsError> {
        self.caller
            .take()
            .ok_or_else(StsError::missing_authentication_token)
    }

    fn str(&self, name: &str) -> &'a str {
        self.params.get(name).unwrap_or_default()
    }

    fn opt_str(&self, name: &str) -> Option<&'a str> {
        self.params.get(name)
    }

    fn int(&self, name: &str) -> Result<Option<i32>, StsError> {
        self.params.int(name)
    }

    /// Whether the request carries an MFA device and code.
    fn mfa(&self) -> bool {
        self.params.contains("SerialNumber") && self.params.contains("TokenCode")
    }
}

/// GetSessionToken's and GetFederationToken's duration: 12 hours by default; root's sessions are
/// silently capped at one hour.
fn long_term_duration(principal: &Principal, requested: Option<i32>) -> i32 {
    const DEFAULT: i32 = 43_200;
    const ROOT_MAX: i32 = 3600;
    let requested = requested.unwrap_or(DEFAULT);
    match principal {
        Principal::Root { .. } => requested.min(ROOT_MAX),
        _ => requested,
    }
}

/// Signed operations a federated user's session may not call (AWS lets it call no STS operation
/// but GetCallerIdentity; the older ones answer with their own texts).
const REFUSED_TO_FEDERATED_USERS: [&str; 4] = [
    "AssumeRoot",
    "GetWebIdentityToken",
    "GetDelegatedAccessToken",
    "DecodeAuthorizationMessage",
];

pub fn run(operation: &str, call: &mut Call<'_>) -> Result<Output, StsError> {
    if let Some(Principal::FederatedUser { .. }) = call.caller.as_ref().map(Caller::principal)
        && REFUSED_TO_FEDERATED_USERS.contains(&operation)
    {
        let arn = call
            .caller
            .as_ref()
            .map(|c| c.principal().arn())
            .unwrap_or_default();
        return Err(StsError::access_denied(format!(
            "User: {arn} is not authorized to perform: sts:{operation}"
        )));
    }
    match operation {
        "GetCallerIdentity" => caller_identity::get_caller_identity(call),
        "AssumeRole" => assume_role::assume_role(call),
        "GetSessionToken" => session_token::get_session_token(call),
        "GetFederationToken" => federation_token::get_federation_token(call),
        "GetAccessKeyInfo" => access_key_info::get_access_key_info(call),
        "AssumeRoot" => assume_root::assume_root(call),
        "AssumeRoleWithWebIdentity" => web_identity::assume_role_with_web_identity(call),
        "AssumeRoleWithSAML" => saml::assume_role_with_saml(call),
        "GetWebIdentityToken" => web_identity_token::get_web_identity_token(call),
        "GetDelegatedAccessToken" => delegated_access_token::get_delegated_access_token(call),
        "DecodeAuthorizationMessage" => {
            decode_authorization_message::decode_authorization_message(call)
        }
        other => Err(StsError::new(
            ErrorCode::NotImplemented,
            format!("parlel-sts does not implement {other} yet"),
        )),
    }
}
