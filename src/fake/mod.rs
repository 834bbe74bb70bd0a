//! The fake STS: a pure library type (no sockets, files, environment or globals) that turns a decoded
//! request into a typed answer. Replay's fallback, the server and unit tests all call it directly.
//!
//! Identity lives in the credentials themselves (see `token`): nothing is stored per session.

mod arn;
mod authorization_message;
mod caller;
mod claims;
mod clock;
mod config;
mod credentials;
mod entropy;
mod envelope;
mod identity_providers;
mod ids;
mod jwt;
mod live_sessions;
mod ops;
mod principal;
mod saml;
mod sealed;
mod secrets;
mod signing_keys;
mod token;
mod trade_in;
mod unique_ids;

use std::collections::HashMap;
use std::sync::atomic::{AtomicU32, Ordering};

use crate::error::StsError;
use crate::model;
use crate::wire::answer::{CallerArn, Reply};
use crate::wire::ids::RequestIds;
use crate::wire::output::Output;
use crate::wire::request::StsRequest;
use crate::wire::sigv4::AuthMode;

pub use authorization_message::{AuthorizationRequest, PrincipalRef};
pub use caller::Caller;
pub use clock::Clock;
pub use config::{
    FakeConfig, IdentityProviderConfig, PrincipalSpec, TradeInTokenConfig, UserConfig,
};
pub use ids::{account_of, mint as mint_id};
use principal::LongTermPrincipal;
pub use principal::Principal;
pub use trade_in::TradeInGrant;

/// The region a request is taken to be for when its credential scope names none.
const DEFAULT_REGION: &str = "us-east-1";

/// What a reply says besides its result (see `Reply`).
#[derive(Default)]
struct Notes {
    caller_arn: Option<CallerArn>,
    warning: Option<String>,
}

pub struct Fake {
    account: String,
    default_principal: LongTermPrincipal,
    /// Long-term access key id -> its principal (from `fake.users`).
    users: HashMap<String, LongTermPrincipal>,
    /// Long-term access key id -> its secret, for the users that have one (strict mode).
    user_secrets: HashMap<String, String>,
    /// `fake.builtin_user`: strict mode knows `parlel` / `parlel` too.
    builtin_user: bool,
    role_max_session_duration: i32,
    secrets: secrets::Secrets,
    entropy: entropy::Entropy,
    clock: Clock,
    /// Bumped by `reset`: tokens of other epochs are "never issued here".
    epoch: AtomicU32,
    live: live_sessions::LiveSessions,
    identity_providers: Vec<identity_providers::IdentityProvider>,
    require_identity_provider: bool,
    /// `server.auth = "strict"`: what permissive mode takes on trust (an unknown trade-in token,
    /// a token of an undeclared issuer, an unsigned SAML response) is refused.
    strict: bool,
    /// GetWebIdentityToken's public keys, parsed once: strict mode verifies the fake's own tokens
    /// with them.
    own_keys: std::sync::OnceLock<jwt::Jwks>,
    signing_keys: signing_keys::SigningKeys,
    /// `fake.public_url`: the base of issuer URLs, whatever host a request names.
    public_url: Option<String>,
    /// The server's own address, for requests without a `Host` header.
    local_url: String,
    outbound_federation_disabled: Vec<String>,
    /// `fake.trade_in_tokens`: fixed trade-in tokens.
    trade_in_tokens: HashMap<String, trade_in::TradeInGrant>,
    /// Recently computed unique ids: the same few roles are assumed over and over.
    unique_ids: unique_ids::UniqueIdCache,
}

impl Fake {
    /// Builds the fake from a checked section (`FakeConfig::check`) whose files were read
    /// (`FakeConfig::read_files`).
    pub fn new(config: &FakeConfig) -> Fake {
        let secrets = secrets::Secrets::from_seed(config.seed);
        let secrets_seed = secrets.signing_key_seed;
        let entropy = entropy::Entropy::new(secrets.request_stream.clone(), secrets.seeded);
        let mut fake = Fake {
            account: config.account.clone(),
            default_principal: LongTermPrincipal::new(Principal::Root {
                account: config.account.clone(),
            }),
            users: HashMap::new(),
            user_secrets: config
                .users
                .iter()
                .filter_map(|u| Some((u.access_key_id.clone(), u.secret_access_key.clone()?)))
                .collect(),
            builtin_user: config.builtin_user,
            role_max_session_duration: config.role_max_session_duration,
            secrets,
            entropy,
            clock: Clock::new(config.pinned_clock_ms().ok().flatten()),
            epoch: AtomicU32::new(0),
            live: live_sessions::LiveSessions::default(),
            identity_providers: config
                .identity_providers
                .iter()
                .map(identity_providers::IdentityProvider::from_config)
                .collect(),
            require_identity_provider: config.require_identity_provider,
            strict: false,
            own_keys: std::sync::OnceLock::new(),
            signing_keys: signing_keys::SigningKeys::new(secrets_seed),
            public_url: config
                .public_url
                .as_deref()
                .map(|u| u.trim_end_matches('/').to_owned()),
            local_url: "http://127.0.0.1:4729".to_owned(),
            outbound_federation_disabled: config.outbound_federation_disabled_accounts.clone(),
            trade_in_tokens: config
                .trade_in_tokens
                .iter()
                .map(|t| {
                    let grant = trade_in::TradeInGrant {
                        principal_arn: t.principal_arn.clone(),
                        session_name: t.session_name.clone(),
                        duration_seconds: t.duration_seconds,
                        expires_in_seconds: None,
                        expires: None,
                    };
                    (t.token.clone(), grant)
                })
                .collect(),
            unique_ids: unique_ids::UniqueIdCache::default(),
        };
        fake.default_principal = LongTermPrincipal::new(
            fake.principal_from_spec(&config.account, &config.default_principal),
        );
        for user in &config.users {
            let account = user.account.as_deref().unwrap_or(&config.account);
            let principal = fake.principal_from_spec(account, &user.principal);
            fake.users.insert(
                user.access_key_id.clone(),
                LongTermPrincipal::new(principal),
            );
        }
        fake
    }

    /// The address issuer URLs fall back to when a request has no `Host` (the server sets it).
    pub fn with_local_url(mut self, url: String) -> Fake {
        self.local_url = url;
        self
    }

    /// Strict mode (`server.auth`) refuses what permissive mode takes on trust.
    pub fn with_auth(mut self, auth: AuthMode) -> Fake {
        self.strict = auth == AuthMode::Strict;
        self
    }

    /// The OIDC issuer of GetWebIdentityToken's tokens for `account`:
    /// `{fake.public_url | http://HOST | the server's address}/_parlel/oidc/{account}`, where the
    /// fake serves the discovery document and the JWKS.
    pub fn issuer(&self, account: &str, host: Option<&str>) -> String {
        let base = match (&self.public_url, host) {
            (Some(url), _) => url.clone(),
            (None, Some(host)) => format!("http://{host}"),
            (None, None) => self.local_url.clone(),
        };
        format!("{base}/_parlel/oidc/{account}")
    }

    /// The public keys of GetWebIdentityToken's tokens, as a JWKS document.
    pub fn jwks(&self) -> serde_json::Value {
        self.signing_keys.jwks()
    }

    /// The same keys, to verify a token with.
    fn own_keys(&self) -> &jwt::Jwks {
        self.own_keys
            .get_or_init(|| jwt::Jwks::parse(&self.jwks().to_string()).unwrap_or_default())
    }

    /// Answers one request: its ids, then the operation's output or error. The auth rule and the
    /// operation's resolution are the protocol's (`StsRequest::resolve`); validation is the fake's.
    pub fn answer(&self, request: &StsRequest<'_>) -> Reply {
        let mut rng = self.entropy.next_request();
        let ids = RequestIds::mint(rng.uuid(), rng.bytes());
        let mut notes = Notes::default();
        let result = self.run(request, rng, &mut notes);
        Reply {
            ids,
            result,
            caller_arn: notes.caller_arn,
            warning: notes.warning,
        }
    }

    fn run(
        &self,
        request: &StsRequest<'_>,
        rng: entropy::RequestRandom<'_>,
        notes: &mut Notes,
    ) -> Result<Output, StsError> {
        let op = request.operation;
        let now = self.clock.now();
        let caller = match (&request.caller, op.signed) {
            (Some(credentials), true) => {
                let resolved = self.resolve_caller(credentials, now)?;
                notes.warning = resolved.stale_token;
                if request.describe_caller {
                    notes.caller_arn = Some(resolved.caller.arn());
                }
                Some(resolved.caller)
            }
            (None, true) => return Err(StsError::missing_authentication_token()),
            (_, false) => None,
        };
        model::validate(op, request.params)?;
        let region = request.caller.as_ref().and_then(|c| c.region);
        let mut call = ops::Call {
            fake: self,
            params: request.params,
            caller,
            region: region.unwrap_or(DEFAULT_REGION),
            host: request.host,
            now,
            rng,
        };
        ops::run(op.name, &mut call)
    }

    /// Ids for an answer that never reaches an operation (a redirect, a body over the limit).
    pub fn fresh_ids(&self) -> RequestIds {
        let mut rng = self.entropy.next_request();
        RequestIds::mint(rng.uuid(), rng.bytes())
    }

    /// Forgets every issued session: a new key epoch, and the live count starts over.
    pub fn reset(&self) {
        self.epoch.fetch_add(1, Ordering::Relaxed);
        self.live.clear();
    }

    /// Sessions issued (since the last reset) that have not expired yet.
    pub fn live_sessions(&self) -> u64 {
        self.live.live(self.clock.now())
    }

    /// The current key epoch (bumped by `reset`).
    fn epoch(&self) -> u32 {
        self.epoch.load(Ordering::Relaxed)
    }

    pub fn clock(&self) -> &Clock {
        &self.clock
    }

    pub fn account(&self) -> &str {
        &self.account
    }

    fn principal_from_spec(&self, account: &str, spec: &str) -> Principal {
        match PrincipalSpec::parse(spec) {
            Ok(PrincipalSpec::User { path, name }) => Principal::User {
                account: account.to_owned(),
                id: self.unique_id("AIDA", account, &name),
                path,
                name,
            },
            // Root, or a spec `Config::check` would have refused.
            _ => Principal::Root {
                account: account.to_owned(),
            },
        }
    }

    /// A stable `AROA`/`AIDA` id for (account, name): the same across sessions, resets and, with a
    /// seed, restarts; the account is encoded in it as AWS does.
    fn unique_id(&self, prefix: &str, account: &str, name: &str) -> String {
        self.unique_ids.get_or_insert([prefix, account, name], || {
            // HMAC of `{prefix}\0{account}\0{name}`, fed in pieces.
            let mut ctx = ring::hmac::Context::with_key(&self.secrets.unique_id);
            for part in [prefix, "\0", account, "\0", name] {
                ctx.update(part.as_bytes());
            }
            let tag = ctx.sign();
            let mut tail = [0u8; 16];
            tail.copy_from_slice(&tag.as_ref()[..16]);
            ids::mint(prefix, account, 21, &tail)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unique_ids_are_the_hmac_of_the_joined_inputs() {
        let fake = Fake::new(&FakeConfig::default());
        let tag = ring::hmac::sign(&fake.secrets.unique_id, b"AROA\x00123456789012\x00app");
        let mut tail = [0u8; 16];
        tail.copy_from_slice(&tag.as_ref()[..16]);
        let expected = ids::mint("AROA", "123456789012", 21, &tail);
        assert_eq!(fake.unique_id("AROA", "123456789012", "app"), expected);
        assert_eq!(fake.unique_id("AROA", "123456789012", "app"), expected);
    }
}
