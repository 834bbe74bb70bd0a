//! From the credentials a request states to the principal behind them.

use super::Fake;
use super::claims::SessionClaims;
use super::principal::Principal;
use super::token::{self, OpenError};
use crate::error::StsError;
use crate::wire::caller::CallerCredentials;

/// The resolved caller of a signed request.
// Lives on the stack for one request; boxing the session would cost an allocation per call.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone)]
pub enum Caller<'a> {
    /// Long-term credentials: a configured user, or the default principal for unknown keys
    /// (borrowed from the fake's configuration: no copy per request).
    LongTerm(&'a Principal),
    /// Temporary credentials this server issued (and that have not expired).
    Session(SessionClaims),
}

impl Caller<'_> {
    pub fn principal(&self) -> &Principal {
        match self {
            Caller::LongTerm(p) => p,
            Caller::Session(s) => &s.principal,
        }
    }

    pub fn session(&self) -> Option<&SessionClaims> {
        match self {
            Caller::LongTerm(_) => None,
            Caller::Session(s) => Some(s),
        }
    }
}

impl Fake {
    /// Any credentials are accepted (signatures are not checked yet), but who they belong to matters:
    /// configured keys map to their user, tokens this server issued map back to their session, and
    /// anything else (an unknown key, a token from before a restart or reset) is the default
    /// principal.
    pub(super) fn resolve_caller(
        &self,
        credentials: &CallerCredentials<'_>,
        now: i64,
    ) -> Result<Caller<'_>, StsError> {
        if let Some(token) = credentials.session_token {
            let epoch = self.epoch.load(std::sync::atomic::Ordering::Relaxed);
            match token::open(&self.secrets, epoch, token) {
                Ok(claims) if claims.access_key_id != credentials.access_key_id => {
                    return Err(StsError::invalid_client_token_id());
                }
                Ok(claims) if claims.expires <= now => return Err(StsError::expired_token()),
                Ok(claims) => return Ok(Caller::Session(claims)),
                Err(OpenError::Malformed | OpenError::OtherEpochOrServer) => {}
            }
        }
        let principal = self
            .users
            .get(credentials.access_key_id)
            .unwrap_or(&self.default_principal);
        Ok(Caller::LongTerm(principal))
    }
}
