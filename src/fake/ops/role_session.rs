//! What every way into a role shares (AssumeRole, AssumeRoleWithWebIdentity, AssumeRoleWithSAML):
//! the duration rules, and issuing an `assumed-role/ROLE/SESSION` session with its
//! `AssumedRoleUser` and `Credentials` elements.

use super::Call;
use super::session_tags::SessionTags;
use crate::error::StsError;
use crate::fake::claims::{Origin, SessionClaims};
use crate::fake::principal::Principal;
use crate::wire::output::Fields;

const DEFAULT_DURATION: i32 = 3600;
const CHAINED_MAX: i32 = 3600;

/// A role session about to be issued.
pub struct RoleSession<'a> {
    pub partition: &'a str,
    pub account: &'a str,
    pub role_name: &'a str,
    pub session_name: &'a str,
    pub origin: Origin,
    pub duration: i32,
    pub tags: SessionTags,
    pub source_identity: Option<String>,
    /// Role-chaining hops (0 when the caller was not itself a role session).
    pub chain_depth: u8,
}

/// The elements that describe an issued role session.
pub struct Issued {
    pub assumed_role_user: Fields,
    pub credentials: Fields,
}

impl RoleSession<'_> {
    pub fn issue(self, call: &mut Call<'_>) -> Issued {
        let principal = Principal::AssumedRole {
            partition: self.partition.to_owned(),
            account: self.account.to_owned(),
            role_name: self.role_name.to_owned(),
            role_id: call.fake.unique_id("AROA", self.account, self.role_name),
            session_name: self.session_name.to_owned(),
        };
        let assumed_role_user = Fields::new()
            .str("AssumedRoleId", principal.user_id())
            .str("Arn", principal.arn());
        let mut claims = SessionClaims::new(principal, self.origin, call.now, self.duration);
        claims.chain_depth = self.chain_depth;
        claims.mfa = call.mfa();
        claims.source_identity = self.source_identity;
        claims.tags = self.tags.tags;
        claims.transitive_tag_keys = self.tags.transitive_keys;
        let credentials = call.fake.issue(&mut call.rng, claims);
        Issued {
            assumed_role_user,
            credentials,
        }
    }
}

/// DurationSeconds against the role's MaxSessionDuration (that message wins) and, for role
/// chaining, the one-hour cap. Default one hour.
pub fn role_duration(call: &Call<'_>, chained: bool) -> Result<i32, StsError> {
    match call.int("DurationSeconds")? {
        Some(d) if d > call.fake.role_max_session_duration => Err(StsError::validation(
            "The requested DurationSeconds exceeds the MaxSessionDuration set for this role.",
        )),
        Some(d) if chained && d > CHAINED_MAX => Err(StsError::validation(
            "The requested DurationSeconds exceeds the 1 hour session limit for roles assumed by role chaining.",
        )),
        Some(d) => Ok(d),
        None => Ok(DEFAULT_DURATION),
    }
}

/// A requested source identity may not use AWS's reserved prefix.
pub fn check_source_identity(requested: Option<&str>) -> Result<(), StsError> {
    if requested.is_some_and(|s| s.to_ascii_lowercase().starts_with("aws:")) {
        return Err(StsError::validation(
            "SourceIdentity cannot start with the reserved prefix 'aws:'",
        ));
    }
    Ok(())
}

/// AWS's message for a source identity an identity provider asserts that breaks the rule.
pub const ASSERTED_SOURCE_IDENTITY_RULE: &str =
    "Source Identity must match [a-zA-Z_0-9+=,.@-]{2,64} and not begin with \"aws:\"";
