//! From the credentials a request states to the principal behind them.

use super::Fake;
use super::claims::SessionClaims;
use super::principal::{LongTermPrincipal, Principal};
use super::token::{self, OpenError};
use crate::error::StsError;
use crate::timestamp::iso8601_seconds;
use crate::wire::answer::CallerArn;
use crate::wire::caller::CallerCredentials;

/// The resolved caller of a signed request.
// Lives on the stack for one request; boxing the session would cost an allocation per call.
#[allow(clippy::large_enum_variant)]
#[derive(Debug, Clone)]
pub enum Caller<'a> {
    /// Long-term credentials: a configured user, or the default principal for unknown keys
    /// (borrowed from the fake's configuration: no copy per request).
    LongTerm(&'a LongTermPrincipal),
    /// Temporary credentials this server issued (and that have not expired).
    Session(SessionClaims),
}

impl Caller<'_> {
    pub fn principal(&self) -> &Principal {
        match self {
            Caller::LongTerm(p) => &p.principal,
            Caller::Session(s) => &s.principal,
        }
    }

    /// The caller's ARN, for the request log: a long-term principal's is shared, a session's made.
    pub fn arn(&self) -> CallerArn {
        match self {
            Caller::LongTerm(p) => CallerArn::Shared(p.arn.clone()),
            Caller::Session(s) => CallerArn::Made(s.principal.arn()),
        }
    }

    pub fn session(&self) -> Option<&SessionClaims> {
        match self {
            Caller::LongTerm(_) => None,
            Caller::Session(s) => Some(s),
        }
    }
}

/// A caller, and what to tell the user about how it was found.
pub(super) struct Resolved<'a> {
    pub caller: Caller<'a>,
    /// Set when the request's session token was not one of this server's live ones and the
    /// caller fell back to its access key: permissive mode accepts it, but says so.
    pub stale_token: Option<String>,
}

impl Fake {
    /// In permissive mode any credentials are accepted (strict mode checks signatures before the
    /// fake sees a request), but who they belong to matters:
    /// configured keys map to their user, tokens this server issued map back to their session, and
    /// anything else (an unknown key, a token from before a restart or reset) is the default
    /// principal, with a note saying which token was not recognised.
    pub(super) fn resolve_caller(
        &self,
        credentials: &CallerCredentials<'_>,
        now: i64,
    ) -> Result<Resolved<'_>, StsError> {
        let mut stale_token = None;
        if let Some(token) = credentials.session_token {
            let epoch = self.epoch.load(std::sync::atomic::Ordering::Relaxed);
            let why = match token::open(&self.secrets, epoch, token) {
                Ok(claims) if claims.access_key_id != credentials.access_key_id => {
                    return Err(StsError::invalid_client_token_id());
                }
                Ok(claims) if claims.expires <= now => return Err(StsError::expired_token()),
                Ok(claims) => {
                    return Ok(Resolved {
                        caller: Caller::Session(claims),
                        stale_token: None,
                    });
                }
                Err(OpenError::BeforeReset { issued }) => format!(
                    "was issued by this server at {} (key epoch before the last reset)",
                    iso8601_seconds(issued)
                ),
                Err(OpenError::Foreign {
                    issued: Some(issued),
                }) => format!(
                    "says it was issued at {} (by another server, or by this one before a restart without a seed)",
                    iso8601_seconds(issued)
                ),
                Err(OpenError::Foreign { issued: None }) => {
                    "was issued by another server or an older build".to_owned()
                }
                Err(OpenError::Malformed) => "is not a session token of this server".to_owned(),
            };
            stale_token = Some(why);
        }
        let principal = self
            .users
            .get(credentials.access_key_id)
            .unwrap_or(&self.default_principal);
        let stale_token = stale_token.map(|why| {
            // The key as the client sent it, but only when it looks like one: this goes to a log.
            let key = credentials.access_key_id;
            let key = if (16..=128).contains(&key.len())
                && key.bytes().all(|b| b.is_ascii_alphanumeric())
            {
                key
            } else {
                "a malformed access key id"
            };
            format!(
                "the session token of {key} {why}; answered as {} (permissive mode). A cached credential (the aws CLI's ~/.aws/cli/cache, an SDK's) may have outlived the server that issued it",
                principal.arn
            )
        });
        Ok(Resolved {
            caller: Caller::LongTerm(principal),
            stale_token,
        })
    }
}

/// The access key id and secret of the built-in user that strict mode knows besides the configured
/// ones (`fake.builtin_user`): the connection the README shows keeps working.
pub const BUILTIN_KEY: &str = "parlel";

impl Fake {
    /// Strict mode: the secret access key of the credentials a request names, or AWS's refusal.
    /// A session token must be one this server issued since its last reset, for this key, and
    /// unexpired; a long-term key must be a configured user's with a secret, or the built-in one.
    pub fn secret_of(
        &self,
        credentials: &CallerCredentials<'_>,
        now: i64,
    ) -> Result<String, StsError> {
        if let Some(token) = credentials.session_token {
            let epoch = self.epoch.load(std::sync::atomic::Ordering::Relaxed);
            return match token::open(&self.secrets, epoch, token) {
                Ok(claims) if claims.access_key_id != credentials.access_key_id => {
                    Err(StsError::invalid_client_token_id())
                }
                Ok(claims) if claims.expires <= now => Err(StsError::expired_token()),
                // Tokens of the 0x22 layout carry no secret (it reads as zeros): nothing to
                // verify with, so they are not accepted as signed.
                Ok(claims) if claims.secret == [0; super::claims::SECRET_BYTES] => {
                    Err(StsError::invalid_client_token_id())
                }
                Ok(claims) => Ok(super::credentials::secret_access_key(&claims.secret)),
                Err(_) => Err(StsError::invalid_client_token_id()),
            };
        }
        if let Some(secret) = self.user_secrets.get(credentials.access_key_id) {
            return Ok(secret.clone());
        }
        if self.builtin_user && credentials.access_key_id == BUILTIN_KEY {
            return Ok(BUILTIN_KEY.to_owned());
        }
        Err(StsError::invalid_client_token_id())
    }
}
