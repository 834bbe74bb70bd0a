//! The fake STS: a pure library type (no sockets, files, environment or globals) that turns a decoded
//! request into a typed answer. Replay's fallback, the server and unit tests all call it directly.
//!
//! Identity lives in the credentials themselves (see `token`): nothing is stored per session.

mod arn;
mod authorization_message;
mod caller;
mod clock;
mod credentials;
mod entropy;
mod identity_providers;
mod ids;
mod jwt;
mod ops;
mod principal;
mod saml;
mod sealed;
mod secrets;
mod signing_keys;
mod token;
mod trade_in;

use std::collections::HashMap;
use std::sync::Mutex;
use std::sync::atomic::{AtomicU32, Ordering};

use base64::Engine;

use crate::config::{FakeConfig, PrincipalSpec};
use crate::error::StsError;
use crate::model;
use crate::response::Output;
use crate::wire::caller::CallerCredentials;
use crate::wire::params::Params;

pub use authorization_message::{AuthorizationRequest, PrincipalRef};
pub use caller::Caller;
pub use clock::Clock;
pub use ids::account_of;
pub use jwt::Jwks;
pub use principal::Principal;
pub use trade_in::{TradeInGrant, check_grant};

mod live_sessions;

/// The region a request is taken to be for when its credential scope names none.
const DEFAULT_REGION: &str = "us-east-1";

/// A decoded STS request, as the wire layer hands it over.
pub struct StsRequest<'a> {
    pub params: &'a Params,
    /// The credentials the request states, or why they could not be read. Only signed operations
    /// look at it.
    pub caller: Result<Option<CallerCredentials<'a>>, StsError>,
    /// The request's `Host` header: GetWebIdentityToken's issuer URL is built on it unless
    /// `fake.public_url` is set.
    pub host: Option<&'a str>,
}

/// The fake's answer: the ids of this request and the operation's output or error.
#[derive(Debug)]
pub struct Reply {
    pub request_id: String,
    pub extended_request_id: String,
    pub result: Result<Output, StsError>,
}

pub struct Fake {
    account: String,
    default_principal: Principal,
    /// Long-term access key id -> its principal (from `fake.users`).
    users: HashMap<String, Principal>,
    role_max_session_duration: i32,
    secrets: secrets::Secrets,
    entropy: entropy::Entropy,
    clock: Clock,
    /// Bumped by `reset`: tokens of other epochs are "never issued here".
    epoch: AtomicU32,
    live: live_sessions::LiveSessions,
    identity_providers: Vec<identity_providers::IdentityProvider>,
    require_identity_provider: bool,
    signing_keys: signing_keys::SigningKeys,
    /// `fake.public_url`: the base of issuer URLs, whatever host a request names.
    public_url: Option<String>,
    /// The server's own address, for requests without a `Host` header.
    local_url: String,
    outbound_federation_disabled: Vec<String>,
    /// `fake.trade_in_tokens`: fixed trade-in tokens.
    trade_in_tokens: HashMap<String, trade_in::TradeInGrant>,
    /// Recently computed unique ids: the same few roles are assumed over and over.
    unique_ids: UniqueIdCache,
}

/// A small direct-mapped memo of `unique_id` (a pure function of its inputs): bounded memory, one
/// uncontended lock, and a miss costs no more than the HMAC it saves.
#[derive(Default)]
struct UniqueIdCache(Mutex<Vec<Option<CachedId>>>);

struct CachedId {
    /// `prefix`, `account` and `name`, each followed by a NUL (none of them holds one).
    key: String,
    id: String,
}

const UNIQUE_ID_SLOTS: usize = 64;

impl UniqueIdCache {
    fn slot(parts: &[&str; 3]) -> usize {
        // FNV-1a: cheap, and only picks a slot (the key is compared in full).
        let mut h: u64 = 0xcbf2_9ce4_8422_2325;
        for part in parts {
            for &b in part.as_bytes().iter().chain(b"\0") {
                h = (h ^ u64::from(b)).wrapping_mul(0x0000_0100_0000_01b3);
            }
        }
        (h % UNIQUE_ID_SLOTS as u64) as usize
    }

    fn matches(key: &str, parts: &[&str; 3]) -> bool {
        let mut rest = key;
        for part in parts {
            match rest.strip_prefix(part).and_then(|r| r.strip_prefix('\0')) {
                Some(r) => rest = r,
                None => return false,
            }
        }
        rest.is_empty()
    }

    fn get_or_insert(&self, parts: [&str; 3], compute: impl FnOnce() -> String) -> String {
        // A name holding NUL would make keys ambiguous: never cache it.
        if parts.iter().any(|p| p.contains('\0')) {
            return compute();
        }
        let slot = Self::slot(&parts);
        if let Ok(slots) = self.0.lock()
            && let Some(Some(cached)) = slots.get(slot)
            && Self::matches(&cached.key, &parts)
        {
            return cached.id.clone();
        }
        let id = compute();
        if let Ok(mut slots) = self.0.lock() {
            if slots.len() < UNIQUE_ID_SLOTS {
                slots.resize_with(UNIQUE_ID_SLOTS, || None);
            }
            let mut key = String::with_capacity(parts.iter().map(|p| p.len() + 1).sum());
            for part in parts {
                key.push_str(part);
                key.push('\0');
            }
            slots[slot] = Some(CachedId {
                key,
                id: id.clone(),
            });
        }
        id
    }
}

impl Fake {
    /// Builds the fake from a checked config (`Config::check`).
    pub fn new(config: &FakeConfig, pinned_clock_ms: Option<i64>) -> Fake {
        let secrets = secrets::Secrets::from_seed(config.seed);
        let secrets_seed = secrets.signing_key_seed;
        let entropy = entropy::Entropy::new(secrets.request_stream.clone(), secrets.seeded);
        let mut fake = Fake {
            account: config.account.clone(),
            default_principal: Principal::Root {
                account: config.account.clone(),
            },
            users: HashMap::new(),
            role_max_session_duration: config.role_max_session_duration,
            secrets,
            entropy,
            clock: Clock::new(pinned_clock_ms),
            epoch: AtomicU32::new(0),
            live: live_sessions::LiveSessions::default(),
            identity_providers: config
                .identity_providers
                .iter()
                .map(identity_providers::IdentityProvider::from_config)
                .collect(),
            require_identity_provider: config.require_identity_provider,
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
            unique_ids: UniqueIdCache::default(),
        };
        fake.default_principal =
            fake.principal_from_spec(&config.account, &config.default_principal);
        for user in &config.users {
            let account = user.account.as_deref().unwrap_or(&config.account);
            let principal = fake.principal_from_spec(account, &user.principal);
            fake.users.insert(user.access_key_id.clone(), principal);
        }
        fake
    }

    /// The address issuer URLs fall back to when a request has no `Host` (the server sets it).
    pub fn with_local_url(mut self, url: String) -> Fake {
        self.local_url = url;
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

    /// Answers one request.
    pub fn handle(&self, request: &StsRequest<'_>) -> Reply {
        let mut rng = self.entropy.next_request();
        let (request_id, extended_request_id) = request_ids(&mut rng);
        let result = self.dispatch(request, rng);
        Reply {
            request_id,
            extended_request_id,
            result,
        }
    }

    fn dispatch(
        &self,
        request: &StsRequest<'_>,
        rng: entropy::RequestRandom<'_>,
    ) -> Result<Output, StsError> {
        let params = request.params;
        let action = params.get("Action").unwrap_or_default();
        let version = params.get("Version").unwrap_or("NO_VERSION_SPECIFIED");
        let op = match model::operation(action) {
            Some(op) if version == model::API_VERSION => op,
            _ => return Err(StsError::invalid_action(action, version)),
        };
        let now = self.clock.now();
        let caller = if op.signed {
            let credentials = match &request.caller {
                Ok(Some(credentials)) => credentials,
                Ok(None) => return Err(StsError::missing_authentication_token()),
                Err(error) => return Err(error.clone()),
            };
            Some(self.resolve_caller(credentials, now)?)
        } else {
            None
        };
        model::validate(op, params)?;
        let region = match &request.caller {
            Ok(Some(credentials)) => credentials.region,
            _ => None,
        };
        let mut call = ops::Call {
            fake: self,
            params,
            caller,
            region: region.unwrap_or(DEFAULT_REGION),
            host: request.host,
            now,
            rng,
        };
        ops::run(op.name, &mut call)
    }

    /// Ids for an answer that never reaches an operation (a redirect, a body over the limit).
    pub fn fresh_ids(&self) -> (String, String) {
        request_ids(&mut self.entropy.next_request())
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

/// A request id (a UUID, also sent as `x-amzn-RequestId`) and the opaque
/// `x-amz-sts-extended-request-id` real STS sends beside it.
fn request_ids(rng: &mut entropy::RequestRandom<'_>) -> (String, String) {
    let request_id = rng.uuid();
    // 16 bytes are 24 base64 characters; encoded on the stack, then one allocation of that size.
    let mut text = [0u8; 24];
    let written = base64::engine::general_purpose::STANDARD
        .encode_slice(rng.bytes::<16>(), &mut text)
        .unwrap_or_default();
    let extended = std::str::from_utf8(&text[..written])
        .unwrap_or_default()
        .to_owned();
    (request_id, extended)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unique_id_cache_is_transparent() {
        let cache = UniqueIdCache::default();
        let mut computed = 0;
        let mut id = |parts: [&str; 3]| {
            cache.get_or_insert(parts, || {
                computed += 1;
                parts.join("|")
            })
        };
        assert_eq!(id(["AROA", "1", "app"]), "AROA|1|app");
        assert_eq!(id(["AROA", "1", "app"]), "AROA|1|app");
        assert_eq!(id(["AROA", "1", "ap"]), "AROA|1|ap");
        assert_eq!(id(["AROA", "1a", "pp"]), "AROA|1a|pp");
        assert_eq!(id(["AIDA", "1", "app"]), "AIDA|1|app");
        assert_eq!(id(["AROA", "1", "a\0b"]), "AROA|1|a\0b");
        assert_eq!(id(["AROA", "1", "a\0b"]), "AROA|1|a\0b");
        for i in 0..200 {
            let name = format!("role{i}");
            assert_eq!(id(["AROA", "1", &name]), format!("AROA|1|{name}"));
        }
        assert_eq!(computed, 206);
    }

    #[test]
    fn unique_ids_are_the_hmac_of_the_joined_inputs() {
        let fake = Fake::new(&crate::config::Config::default().fake, None);
        let tag = ring::hmac::sign(&fake.secrets.unique_id, b"AROA\x00123456789012\x00app");
        let mut tail = [0u8; 16];
        tail.copy_from_slice(&tag.as_ref()[..16]);
        let expected = ids::mint("AROA", "123456789012", 21, &tail);
        assert_eq!(fake.unique_id("AROA", "123456789012", "app"), expected);
        assert_eq!(fake.unique_id("AROA", "123456789012", "app"), expected);
    }
}
