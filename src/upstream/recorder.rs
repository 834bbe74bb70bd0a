//! Record mode's answer to one request: pick the credentials the request goes up with (the real
//! session behind a fake key this run handed out, else the base credentials of prod.env; none
//! for an unsigned operation), forward it re-signed, redact the upstream's answer, remember the
//! sessions it handed out, and check that no real value is left before the client sees it.
//!
//! Each exchange but the upstream's 5xx and throttling answers is then kept in the cassette
//! (`cassette::Writer`), durably, before the answer goes back.

use std::borrow::Cow;
use std::collections::{HashSet, VecDeque};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Instant, SystemTime, UNIX_EPOCH};

use bytes::Bytes;
use http::HeaderName;

use super::client::{HopError, UpstreamClient};
use super::config::RecordConfig;
use super::credentials::RealCredentials;
use super::front::Front;
use super::resign::{SigningCredentials, forwarded};
use super::sessions::Sessions;
use crate::cassette::{
    CassetteConfig, Interaction, Named, RecordedResponse, Redactor, Rewriter, Writer, named_by,
    open as open_store, recorded_request, scan,
};
use crate::error::{ErrorCode, StsError};
use crate::fake::Fake;
use crate::replay::{Loaded, ReplayReport};
use crate::secret::Secret;
use crate::upstream::RecordMode;
use crate::wire::answer::{Answer, CompleteResponse, Reply};
use crate::wire::request::{RawRequest, StsRequest, cassette_in_path};

/// The upstream's headers that go back to the client.
const ANSWER_HEADERS: [&str; 2] = ["content-type", "x-amzn-requestid"];

pub struct Recorder {
    client: UpstreamClient,
    /// `scheme://authority` of the upstream.
    base: String,
    /// The upstream's authority, the `Host` the request is signed for.
    authority: String,
    /// The region requests are signed for.
    region: String,
    credentials: RealCredentials,
    sessions: Sessions,
    redactor: Redactor,
    /// The real values the upstream returned (the latest `KNOWN_VALUES`): an answer holding one
    /// after redaction is refused. prod.env's own are searched for anywhere in an answer.
    returned: Mutex<Known>,
    /// `[cassettes]`: the store, its directory, and the default cassette's name.
    cassettes: CassetteConfig,
    record_mode: RecordMode,
    /// The id of this run's redaction key, written in each cassette it records into.
    key_id: String,
    /// In record mode `new` (and replay with `--on-miss record`): what answers from the
    /// cassette before anything is forwarded.
    front: Option<Front>,
    /// `--cassette`'s run, started at start-up.
    default: Arc<Run>,
    /// The runs of cassettes requests named, each started when first named.
    named: Named<Run>,
    /// `yaml` or `sled`.
    store_name: &'static str,
}

/// The recording into one cassette.
struct Run {
    writer: Writer,
    /// The cassette, for messages.
    location: String,
    /// Interactions recorded this run.
    recorded: AtomicU64,
    /// With a front: the cassette as it was when the run began.
    stored: Option<Loaded>,
}

/// What the health endpoint says of a recording run.
pub struct RecordingState<'a> {
    pub upstream: &'a str,
    pub store: &'static str,
    pub cassette: &'a str,
    pub recorded: u64,
}

/// Real values returned kept at most: three per session the sessions map keeps.
const KNOWN_VALUES: usize = 30_000;

#[derive(Default)]
struct Known {
    values: HashSet<String>,
    order: VecDeque<String>,
}

impl Recorder {
    /// The recorder of `[record]` into `[cassettes]`; with `front`, requests the cassette
    /// answers are answered from it and only the rest go up (record mode `new`).
    pub fn build(
        record: &RecordConfig,
        cassettes: &CassetteConfig,
        credentials: &RealCredentials,
        front: Option<Front>,
    ) -> Result<Recorder, String> {
        let base = record.upstream_url(&credentials.region);
        let authority = base
            .split_once("://")
            .map(|(_, a)| a.to_owned())
            .unwrap_or_default();
        let region = if record.upstream.is_none() && record.global_endpoint {
            "us-east-1".to_owned()
        } else {
            credentials.region.clone()
        };
        let client = UpstreamClient::build(
            record.upstream_ca.as_deref(),
            std::time::Duration::from_millis(record.upstream_timeout_ms),
        )
        .map_err(|e| format!("record.upstream_ca: {e}"))?;
        let salt = credentials.redaction_salt();
        let key_id = ring::digest::digest(&ring::digest::SHA256, &salt);
        let key_id: String = key_id.as_ref()[..8]
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        let record_mode = if front.is_some() {
            RecordMode::New
        } else {
            record.record_mode
        };
        let default = start_run(
            cassettes,
            &cassettes.name,
            record_mode,
            &authority,
            &key_id,
            front.as_ref(),
        )
        .map_err(|e| format!("cassettes.dir: {e}"))?;
        Ok(Recorder {
            default: Arc::new(default),
            named: Named::default(),
            cassettes: cassettes.clone(),
            record_mode,
            key_id,
            front,
            store_name: cassettes.store.as_str(),
            client,
            base,
            authority,
            region,
            credentials: credentials.clone(),
            sessions: Sessions::default(),
            redactor: Redactor::new(&salt, record.rewriter()?),
            returned: Mutex::default(),
        })
    }

    /// The run of the cassette `request` names (started on first use), or the default one.
    fn run_for(&self, request: &StsRequest<'_>) -> Result<Arc<Run>, StsError> {
        match named_by(request, &self.cassettes.name)? {
            None => Ok(Arc::clone(&self.default)),
            Some(name) => self.named.get_or_open(name, || {
                start_run(
                    &self.cassettes,
                    name,
                    self.record_mode,
                    &self.authority,
                    &self.key_id,
                    self.front.as_ref(),
                )
            }),
        }
    }

    /// Every run so far, the default first.
    fn runs(&self) -> Vec<Arc<Run>> {
        let mut all = vec![Arc::clone(&self.default)];
        all.extend(self.named.opened());
        all
    }

    /// With a front: what replay's report says of the cassettes as they were when their runs
    /// began (`GET /_parlel/replay`), and its shutdown summary.
    pub fn replay_report(&self) -> Option<ReplayReport> {
        self.front.as_ref()?;
        let runs = self.runs();
        let stored: Vec<&Loaded> = runs.iter().filter_map(|run| run.stored.as_ref()).collect();
        Some(ReplayReport {
            json: crate::replay::report(stored.iter().copied()),
            summary: crate::replay::summary_lines(stored.iter().copied()),
            misses: stored.iter().map(|l| l.counts().1).sum(),
        })
    }

    /// The upstream's host, for the health endpoint and messages.
    pub fn upstream(&self) -> &str {
        &self.authority
    }

    pub fn state(&self) -> RecordingState<'_> {
        RecordingState {
            upstream: &self.authority,
            store: self.store_name,
            cassette: &self.default.location,
            recorded: self
                .runs()
                .iter()
                .map(|run| run.recorded.load(Ordering::Relaxed))
                .sum(),
        }
    }

    pub async fn answer(&self, fake: &Fake, request: &StsRequest<'_>) -> Answer {
        let started = Instant::now();
        let action = request.operation.name;
        let run = match self.run_for(request) {
            Ok(run) => run,
            Err(error) => return Answer::Typed(Reply::error(fake.fresh_ids(), error)),
        };
        let mut missed_cassette = false;
        if let (Some(front), Some(stored)) = (&self.front, &run.stored) {
            let this_run = |key: &str| self.sessions.get(key, fake.clock().now_ms()).is_some();
            match front.answer(stored, fake, request, this_run, self.redactor.rewriter()) {
                Ok(Some(answer)) => return answer,
                Ok(None) => {}
                Err(error) => return Answer::Typed(Reply::error(fake.fresh_ids(), error)),
            }
            missed_cassette = true;
        }
        // Boxed: a forward's future is over a kilobyte, and held inline it would make every
        // request's future (the fake's, a replay hit's) that big, copied at each await on the way
        // down. The allocation is only made for a request that goes upstream.
        let answer = Box::pin(self.forward(request, &run)).await;
        let (answer, status, recorded) = match answer {
            Ok((complete, recorded)) => {
                let status = complete.status;
                (Answer::Complete(complete), status, recorded)
            }
            Err(error) => {
                let status = error.code.status();
                (
                    Answer::Typed(Reply::error(fake.fresh_ids(), error)),
                    status,
                    false,
                )
            }
        };
        tracing::info!(
            target: "parlel_sts::record",
            action,
            upstream = self.authority.as_str(),
            upstream_status = status,
            latency_us = u64::try_from(started.elapsed().as_micros()).unwrap_or(u64::MAX),
            recorded,
            missed_cassette,
            "forwarded"
        );
        answer
    }

    /// Writes each cassette file from this run and removes its journal.
    pub async fn finish(&self) {
        for run in self.runs() {
            match run.writer.finish().await {
                Ok(count) => tracing::info!(
                    target: "parlel_sts::record",
                    "{}: {count} interaction(s) written",
                    run.location
                ),
                Err(why) => tracing::error!(target: "parlel_sts::record", "{why}"),
            }
        }
    }

    /// The upstream's answer, redacted, and whether it was recorded.
    async fn forward(
        &self,
        request: &StsRequest<'_>,
        run: &Run,
    ) -> Result<(CompleteResponse, bool), StsError> {
        let raw = request.raw.as_ref().ok_or_else(|| {
            StsError::new(
                ErrorCode::InternalFailure,
                "record mode forwards HTTP requests only",
            )
        })?;
        // STS is served at `/` (a `/cassette/NAME/` prefix only picks the cassette): nothing
        // else is signed and sent.
        let path = raw.uri.path();
        let at_root = path == "/"
            || cassette_in_path(path).is_some_and(|name| {
                let rest = &path["/cassette/".len() + name.len()..];
                rest.is_empty() || rest == "/"
            });
        if !at_root {
            return Err(StsError::new(
                ErrorCode::InvalidAction,
                format!("record mode forwards STS requests for / only, not for {path}"),
            ));
        }
        let now_ms = i64::try_from(
            SystemTime::now()
                .duration_since(UNIX_EPOCH)
                .unwrap_or_default()
                .as_millis(),
        )
        .unwrap_or(i64::MAX);
        let session = request
            .caller
            .as_ref()
            .and_then(|caller| self.sessions.get(caller.access_key_id, now_ms));
        let signer = match (
            &session,
            request.operation.signed && request.caller.is_some(),
        ) {
            (_, false) => None,
            (Some(session), true) => Some(SigningCredentials {
                access_key_id: &session.access_key_id,
                secret_access_key: &session.secret_access_key,
                session_token: Some(&session.session_token),
            }),
            (None, true) => Some(SigningCredentials {
                access_key_id: &self.credentials.access_key_id,
                secret_access_key: &self.credentials.secret_access_key,
                session_token: self.credentials.session_token.as_ref(),
            }),
        };
        // Fake account ids go up as the real ones; GetAccessKeyInfo of a key this run handed
        // out asks about the real key behind it.
        let translated = self.inward(request, raw, now_ms)?;
        let raw = translated
            .as_ref()
            .map_or(*raw, |(uri, body)| RawRequest { uri, body, ..*raw });
        let up = forwarded(
            &raw,
            &self.base,
            &self.authority,
            &self.region,
            signer.as_ref(),
            SystemTime::now(),
        )
        .map_err(|why| StsError::new(ErrorCode::InternalFailure, why))?;
        let answer = self.client.send(up).await.map_err(|e| match e {
            HopError::Unavailable(why) => StsError::new(
                ErrorCode::UpstreamUnavailable,
                format!("the upstream {} is unavailable: {why}", self.authority),
            ),
            HopError::TimedOut => StsError::new(
                ErrorCode::UpstreamTimeout,
                format!("the upstream {} did not answer in time", self.authority),
            ),
        })?;
        let redacted = self.redactor.answer(&answer.body).map_err(|why| {
            StsError::new(
                ErrorCode::UpstreamUnavailable,
                format!(
                    "the upstream {} answered what is not STS XML or JSON ({why}); not passed on",
                    self.authority
                ),
            )
        })?;
        for (fake_key, session) in redacted.sessions {
            self.sessions.insert(fake_key, session);
        }
        self.check_no_real_value(&redacted.body, redacted.real_values)?;
        let headers: Vec<(HeaderName, http::HeaderValue)> = ANSWER_HEADERS
            .iter()
            .filter_map(|name| {
                let value = answer.headers.get(*name)?.clone();
                Some((HeaderName::from_static(name), value))
            })
            .collect();
        let complete = CompleteResponse {
            status: answer.status,
            headers,
            body: Bytes::from(redacted.body),
        };
        let keep = complete.status < 500
            && memchr::memmem::find(&complete.body, b"<Code>Throttling</Code>").is_none();
        if keep {
            let identity = match (&session, &request.caller) {
                (Some(_), Some(caller)) => caller.access_key_id.to_owned(),
                _ => "base".to_owned(),
            };
            self.record(request, identity, &complete, run).await?;
        }
        Ok((complete, keep))
    }

    /// The URI and body as they go up, when they differ from the client's: the fake account ids
    /// of `[record]`'s rules back to real ones, and for GetAccessKeyInfo of a fake key this run
    /// handed out, the real key in its place (the answer, an account, needs nothing back).
    fn inward(
        &self,
        request: &StsRequest<'_>,
        raw: &RawRequest<'_>,
        now_ms: i64,
    ) -> Result<Option<(http::Uri, Bytes)>, StsError> {
        let session = (request.operation.name == "GetAccessKeyInfo")
            .then(|| request.params.get("AccessKeyId"))
            .flatten()
            .and_then(|fake_key| Some((fake_key, self.sessions.get(fake_key, now_ms)?)));
        let rewriter = self.redactor.rewriter();
        let swap = |text: &str| -> Option<String> {
            let keyed = match &session {
                Some((fake_key, session)) if text.contains(fake_key) => {
                    Cow::Owned(text.replace(fake_key, session.access_key_id.expose()))
                }
                _ => Cow::Borrowed(text),
            };
            match rewriter.inward(&keyed) {
                Cow::Borrowed(_) if matches!(keyed, Cow::Borrowed(_)) => None,
                changed => Some(changed.into_owned()),
            }
        };
        let query = raw.uri.query().and_then(swap);
        let body = std::str::from_utf8(raw.body).ok().and_then(swap);
        let at_root = raw.uri.path() == "/";
        if query.is_none() && body.is_none() && at_root {
            return Ok(None);
        }
        // Upstream, STS is at `/`, whatever cassette the path named here.
        let uri = match query.as_deref().or(raw.uri.query()) {
            Some(query) => format!("/?{query}")
                .parse()
                .map_err(|_| StsError::new(ErrorCode::InternalFailure, "the translated URI"))?,
            None => http::Uri::from_static("/"),
        };
        let body = body.map_or_else(|| raw.body.clone(), Bytes::from);
        Ok(Some((uri, body)))
    }

    /// Keeps the exchange in the cassette, durably; refused (and not answered) when the
    /// interaction would hold a real value.
    async fn record(
        &self,
        request: &StsRequest<'_>,
        identity: String,
        complete: &CompleteResponse,
        run: &Run,
    ) -> Result<(), StsError> {
        let not_kept = |why: String| {
            StsError::new(
                ErrorCode::InternalFailure,
                format!("the exchange could not be kept in {}: {why}", run.location),
            )
        };
        let interaction =
            interaction(request, identity, self.redactor.rewriter(), complete).map_err(not_kept)?;
        let text = serde_yaml::to_string(&interaction).map_err(|e| not_kept(e.to_string()))?;
        self.check_no_real_value(text.as_bytes(), Vec::new())?;
        if let Some(finding) = scan(&text, &[]).first() {
            tracing::error!(
                target: "parlel_sts::record",
                action = request.operation.name,
                "not written to {}: line {} of the exchange holds {}",
                run.location,
                finding.line,
                finding.what
            );
            return Err(not_kept(format!(
                "it holds {} (line {} of its YAML)",
                finding.what, finding.line
            )));
        }
        run.writer.append(interaction).await.map_err(not_kept)?;
        run.recorded.fetch_add(1, Ordering::Relaxed);
        Ok(())
    }

    /// Fail closed: the answer must hold none of the real values this process knows: prod.env's
    /// anywhere in it, and no token of it (a run of base64 characters) may be a value the upstream
    /// returned.
    fn check_no_real_value(&self, body: &[u8], learned: Vec<Secret>) -> Result<(), StsError> {
        let Ok(mut known) = self.returned.lock() else {
            return Err(StsError::new(
                ErrorCode::InternalFailure,
                "record mode's list of real values is unusable",
            ));
        };
        for value in learned {
            let value = value.expose().to_owned();
            if known.values.insert(value.clone()) {
                known.order.push_back(value);
            }
        }
        while known.order.len() > KNOWN_VALUES {
            if let Some(oldest) = known.order.pop_front() {
                known.values.remove(&oldest);
            }
        }
        let base = &self.credentials;
        let base_leaked = [&base.access_key_id, &base.secret_access_key]
            .into_iter()
            .chain(base.session_token.as_ref())
            .any(|v| memchr::memmem::find(body, v.expose().as_bytes()).is_some());
        let returned_leaked = body
            .split(|b| {
                !(b.is_ascii_alphanumeric() || matches!(b, b'+' | b'/' | b'=' | b'-' | b'_'))
            })
            .filter(|token| token.len() >= 16)
            .any(|token| std::str::from_utf8(token).is_ok_and(|t| known.values.contains(t)));
        if base_leaked || returned_leaked {
            tracing::error!(
                target: "parlel_sts::record",
                "an answer still held a real credential after redaction: refused"
            );
            return Err(StsError::new(
                ErrorCode::InternalFailure,
                "parlel-sts refused to pass on an answer that still held a real credential after redaction",
            ));
        }
        Ok(())
    }
}

/// Begins recording into the cassette `name` of `[cassettes]`.
fn start_run(
    cassettes: &CassetteConfig,
    name: &str,
    record_mode: RecordMode,
    authority: &str,
    key_id: &str,
    front: Option<&Front>,
) -> Result<Run, String> {
    let config = CassetteConfig {
        name: name.to_owned(),
        ..cassettes.clone()
    };
    let mut store = open_store(&config)?;
    let location = store.location();
    let building = store.begin(record_mode, authority, key_id)?;
    let stored = match front {
        Some(front) => Some(Loaded::new(
            location.clone(),
            building.clone(),
            &front.matcher,
        )?),
        None => None,
    };
    Ok(Run {
        writer: Writer::start(store, building),
        location,
        recorded: AtomicU64::new(0),
        stored,
    })
}

/// The exchange as the cassette keeps it.
fn interaction(
    request: &StsRequest<'_>,
    identity: String,
    rewriter: &Rewriter,
    complete: &CompleteResponse,
) -> Result<Interaction, String> {
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default()
        .as_secs();
    let body = String::from_utf8(complete.body.to_vec())
        .map_err(|_| "the answer is not UTF-8".to_owned())?;
    Ok(Interaction {
        request: recorded_request(request, identity, rewriter),
        ordinal: 0,
        recorded_at: crate::timestamp::iso8601_seconds(i64::try_from(now).unwrap_or(i64::MAX)),
        response: RecordedResponse {
            status: complete.status,
            headers: complete
                .headers
                .iter()
                .filter_map(|(name, value)| {
                    Some((name.as_str().to_owned(), value.to_str().ok()?.to_owned()))
                })
                .collect(),
            body,
        },
    })
}
