//! Replay mode: answers from cassettes, with no network and no credentials.
//!
//! A request is looked up by its match key (`cassette::Matcher`: Action, Version, format, who calls, the
//! parameters after normalization and the `[replay.match]` rules; not the method). Who calls is
//! the (redacted) access key id of a session the cassette handed out, when the request signs with
//! one; a session the fake issued belongs to the fake; anything else is "base", whatever its
//! value. Identical requests get the recordings in recorded order, per key (`loaded`); when they
//! run out the last one repeats, unless `strict_order`. Recorded `Expiration`s move by
//! (now - recorded_at), now being the fake's clock (pinned with `--clock`). A miss goes to the
//! fake or gets `CassetteMiss`.
//!
//! The cassette is `--cassette`'s, or the one a request names (`/cassette/NAME/` path prefix, or
//! an `X-Parlel-Cassette` header): each is loaded once, when first named, and shared read-only.

mod config;
mod loaded;
mod rebase;
mod report;

use std::sync::Arc;

pub use crate::cassette::{MatchRuleConfig, Matcher, is_sdk_session_name};
pub use config::{OnMiss, Rebase, ReplayConfig};
pub use loaded::{Loaded, Lookup, Miss};
pub use report::{report, summary_lines};

use crate::cassette::{
    CassetteConfig, Named, RecordedRequest, Rewriter, named_by, open as open_store,
    recorded_request,
};
use crate::error::{ErrorCode, StsError};
use crate::fake::Fake;
use crate::wire::answer::{Answer, Reply};
use crate::wire::request::StsRequest;

/// Who a request is, for matching.
pub enum Identity {
    /// A session the cassette handed out: its (redacted) access key id.
    Recorded(String),
    /// A session the fake issued: the fake answers.
    Fake,
    /// Anything else: the base credentials, whatever their value.
    Base,
}

impl Identity {
    /// Who signs `request`, seen by `loaded` (a cassette) and `fake`.
    pub fn of(request: &StsRequest<'_>, loaded: &Loaded, fake: &Fake) -> Identity {
        match &request.caller {
            Some(caller) if loaded.handed_out(caller.access_key_id) => {
                Identity::Recorded(caller.access_key_id.to_owned())
            }
            // A session the fake issued (a fallback answer handed it out) is the fake's.
            Some(caller)
                if caller.session_token.is_some()
                    && fake.secret_of(caller, fake.clock().now()).is_ok() =>
            {
                Identity::Fake
            }
            _ => Identity::Base,
        }
    }

    /// As a cassette writes it.
    pub fn recorded(self) -> String {
        match self {
            Identity::Recorded(key) => key,
            Identity::Fake | Identity::Base => "base".to_owned(),
        }
    }
}

/// What a replay run did: `GET /_parlel/replay`'s JSON, the shutdown summary (a line per
/// cassette), and how many requests missed.
pub struct ReplayReport {
    pub json: serde_json::Value,
    pub summary: Vec<String>,
    pub misses: u64,
}

pub struct Replayer {
    cassettes: CassetteConfig,
    /// `--cassette`'s, loaded at start-up.
    default: Arc<Loaded>,
    named: Named<Loaded>,
    matcher: Matcher,
    /// `[record]`'s rules, applied to incoming parameters as record mode applied them.
    rewriter: Rewriter,
    on_miss: OnMiss,
    rebase: Rebase,
    strict_order: bool,
}

impl Replayer {
    /// Loads the cassette `[cassettes]` names; a cassette that is not there is an error.
    pub fn build(
        replay: &ReplayConfig,
        cassettes: &CassetteConfig,
        rewriter: Rewriter,
    ) -> Result<Replayer, String> {
        let matcher = Matcher::build(&replay.matching)?;
        let default = Arc::new(load(cassettes, &cassettes.name, &matcher, true)?);
        Ok(Replayer {
            cassettes: cassettes.clone(),
            default,
            named: Named::default(),
            matcher,
            rewriter,
            on_miss: replay.on_miss,
            rebase: replay.rebase,
            strict_order: replay.strict_order,
        })
    }

    /// The default cassette's location.
    pub fn cassette(&self) -> &str {
        &self.default.location
    }

    /// Every cassette loaded so far, the default first.
    pub fn loaded(&self) -> Vec<Arc<Loaded>> {
        let mut all = vec![Arc::clone(&self.default)];
        all.extend(self.named.opened());
        all
    }

    /// What this run did with each cassette.
    pub fn report(&self) -> ReplayReport {
        let all = self.loaded();
        ReplayReport {
            json: report::report(all.iter().map(|l| &**l)),
            summary: report::summary_lines(all.iter().map(|l| &**l)),
            misses: self.counts().1,
        }
    }

    /// (hits, misses) over every cassette.
    pub fn counts(&self) -> (u64, u64) {
        self.loaded().iter().fold((0, 0), |(h, m), loaded| {
            let (hits, misses) = loaded.counts();
            (h + hits, m + misses)
        })
    }

    /// The cassette `request` names (loaded on first use), or the default one.
    fn cassette_for(&self, request: &StsRequest<'_>) -> Result<Arc<Loaded>, StsError> {
        match named_by(request, &self.cassettes.name)? {
            None => Ok(Arc::clone(&self.default)),
            Some(name) => self
                .named
                .get_or_open(name, || load(&self.cassettes, name, &self.matcher, false)),
        }
    }

    /// The request as a cassette would keep it, for matching.
    fn asked(&self, request: &StsRequest<'_>, identity: String) -> RecordedRequest {
        recorded_request(request, identity, &self.rewriter)
    }

    /// `(now - recorded_at)` rebasing, or none.
    fn rebase_now(&self, fake: &Fake) -> Option<i64> {
        (self.rebase == Rebase::On).then(|| fake.clock().now_ms() / 1000)
    }

    pub fn answer(&self, fake: &Fake, request: &StsRequest<'_>) -> Answer {
        let loaded = match self.cassette_for(request) {
            Ok(loaded) => loaded,
            Err(error) => {
                tracing::warn!(target: "parlel_sts::replay", "{}", error.message.as_deref().unwrap_or_default());
                return Answer::Typed(Reply::error(fake.fresh_ids(), error));
            }
        };
        let identity = match Identity::of(request, &loaded, fake) {
            Identity::Fake => return Answer::Typed(fake.answer(request)),
            identity => identity.recorded(),
        };
        let asked = self.asked(request, identity);
        let key = self.matcher.key(&asked);
        if let Lookup::Hit(index) = loaded.lookup(&key, self.strict_order) {
            return match loaded.answer(index, self.rebase_now(fake)) {
                Ok(complete) => Answer::Complete(complete),
                Err(why) => {
                    tracing::warn!(target: "parlel_sts::replay", "{why}");
                    Answer::Typed(Reply::error(
                        fake.fresh_ids(),
                        StsError::new(ErrorCode::CassetteMiss, why),
                    ))
                }
            };
        }
        let miss = loaded.miss(&asked, &self.matcher);
        let why = loaded.describe(&miss);
        tracing::warn!(target: "parlel_sts::replay", "miss: {why}");
        match self.on_miss {
            OnMiss::Fake | OnMiss::Record => Answer::Typed(fake.answer(request)),
            OnMiss::Error => Answer::Typed(Reply::error(
                fake.fresh_ids(),
                StsError::new(ErrorCode::CassetteMiss, why),
            )),
        }
    }
}

/// The cassette `name` of `[cassettes]`' store and directory, made ready. A cassette that is not
/// there is an error when `required`, else an empty one (every request misses).
fn load(
    cassettes: &CassetteConfig,
    name: &str,
    matcher: &Matcher,
    required: bool,
) -> Result<Loaded, String> {
    let config = CassetteConfig {
        name: name.to_owned(),
        ..cassettes.clone()
    };
    let store = open_store(&config)?;
    // A store with an index this build trusts (sled's) opens without reading its interactions,
    // unless [replay.match] rules make keys of their own.
    if matcher.is_default()
        && let Some(index) = store.index()?
    {
        return Ok(Loaded::indexed(index));
    }
    let location = store.location();
    let cassette = match store.load()? {
        Some(cassette) => cassette,
        None if required => {
            return Err(format!(
                "{location}: no cassette there (record one with --mode record)"
            ));
        }
        None => {
            tracing::warn!(target: "parlel_sts::replay", "{location}: no cassette there; every request to it misses");
            crate::cassette::Cassette::for_run(None, "all", "", "")
        }
    };
    Loaded::new(location, cassette, matcher)
}
