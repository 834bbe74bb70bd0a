//! Record mode's answer to one request: pick the credentials the request goes up with (the real
//! session behind a fake key this run handed out, else the base credentials of prod.env; none
//! for an unsigned operation), forward it re-signed, redact the upstream's answer, remember the
//! sessions it handed out, and check that no real value is left before the client sees it.
//!
//! Each exchange but the upstream's 5xx and throttling answers is then kept in the cassette
//! (`cassette::Writer`), durably, before the answer goes back.

use std::collections::{HashSet, VecDeque};
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Instant, SystemTime, UNIX_EPOCH};

use bytes::Bytes;
use http::HeaderName;

use super::client::{HopError, UpstreamClient};
use super::config::RecordConfig;
use super::credentials::RealCredentials;
use super::resign::{SigningCredentials, forwarded};
use super::sessions::Sessions;
use crate::cassette::{
    CassetteConfig, Interaction, RecordedResponse, Redactor, Writer, open as open_store,
    recorded_request, scan,
};
use crate::error::{ErrorCode, StsError};
use crate::fake::Fake;
use crate::secret::Secret;
use crate::upstream::RecordMode;
use crate::wire::answer::{Answer, CompleteResponse, Reply};
use crate::wire::request::{RawRequest, StsRequest};

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
    /// The cassette this run records into.
    writer: Writer,
    /// The cassette file, for messages.
    cassette: String,
    /// Interactions recorded this run.
    recorded: AtomicU64,
    /// `yaml` or `sled`.
    store_name: &'static str,
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
    pub fn build(
        record: &RecordConfig,
        cassettes: &CassetteConfig,
        credentials: &RealCredentials,
    ) -> Result<Recorder, String> {
        if record.record_mode == RecordMode::New {
            return Err("record.record_mode: \"new\" (answer what the cassette has, forward the rest) is not built yet; use \"all\"".to_owned());
        }
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
        // A per-run key until cassettes keep theirs: one real value, one fake, this run.
        let mut salt = [0u8; 32];
        ring::rand::SecureRandom::fill(&ring::rand::SystemRandom::new(), &mut salt)
            .map_err(|_| "no randomness for the redaction key".to_owned())?;
        let key_id = ring::digest::digest(&ring::digest::SHA256, &salt);
        let key_id: String = key_id.as_ref()[..8]
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        let mut store = open_store(cassettes).map_err(|e| format!("cassettes.dir: {e}"))?;
        let cassette = store.location();
        let recorded = store
            .begin(record.record_mode, &authority, &key_id)
            .map_err(|e| format!("cassettes.dir: {e}"))?;
        Ok(Recorder {
            writer: Writer::start(store, recorded),
            store_name: cassettes.store.as_str(),
            cassette,
            recorded: AtomicU64::new(0),
            client,
            base,
            authority,
            region,
            credentials: credentials.clone(),
            sessions: Sessions::default(),
            redactor: Redactor::new(&salt),
            returned: Mutex::default(),
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
            cassette: &self.cassette,
            recorded: self.recorded.load(Ordering::Relaxed),
        }
    }

    pub async fn answer(&self, fake: &Fake, request: &StsRequest<'_>) -> Answer {
        let started = Instant::now();
        let action = request.operation.name;
        let answer = self.forward(request).await;
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
            "forwarded"
        );
        answer
    }

    /// Writes the cassette file from this run and removes its journal.
    pub async fn finish(&self) {
        match self.writer.finish().await {
            Ok(count) => tracing::info!(
                target: "parlel_sts::record",
                "{}: {count} interaction(s) written",
                self.cassette
            ),
            Err(why) => tracing::error!(target: "parlel_sts::record", "{why}"),
        }
    }

    /// The upstream's answer, redacted, and whether it was recorded.
    async fn forward(
        &self,
        request: &StsRequest<'_>,
    ) -> Result<(CompleteResponse, bool), StsError> {
        let raw = request.raw.as_ref().ok_or_else(|| {
            StsError::new(
                ErrorCode::InternalFailure,
                "record mode forwards HTTP requests only",
            )
        })?;
        // STS is served at `/`: nothing else is signed and sent.
        if raw.uri.path() != "/" {
            return Err(StsError::new(
                ErrorCode::InvalidAction,
                format!(
                    "record mode forwards STS requests for / only, not for {}",
                    raw.uri.path()
                ),
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
        // GetAccessKeyInfo of a key this run handed out asks about the real key behind it.
        let translated = self.translate_access_key(request, raw, now_ms)?;
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
                    "the upstream {} answered what is not STS XML ({why}); not passed on",
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
            self.record(request, identity, &complete).await?;
        }
        Ok((complete, keep))
    }

    /// For GetAccessKeyInfo of a fake key this run handed out: the URI and body with the real key
    /// in its place (the answer, an account, needs nothing back).
    fn translate_access_key(
        &self,
        request: &StsRequest<'_>,
        raw: &RawRequest<'_>,
        now_ms: i64,
    ) -> Result<Option<(http::Uri, Bytes)>, StsError> {
        if request.operation.name != "GetAccessKeyInfo" {
            return Ok(None);
        }
        let Some(fake_key) = request.params.get("AccessKeyId") else {
            return Ok(None);
        };
        let Some(session) = self.sessions.get(fake_key, now_ms) else {
            return Ok(None);
        };
        let real = session.access_key_id.expose();
        let swap = |text: &str| text.replace(fake_key, real);
        let uri = match raw.uri.query() {
            Some(query) => format!("{}?{}", raw.uri.path(), swap(query))
                .parse()
                .map_err(|_| StsError::new(ErrorCode::InternalFailure, "the translated URI"))?,
            None => raw.uri.clone(),
        };
        let body = match std::str::from_utf8(raw.body) {
            Ok(text) => Bytes::from(swap(text)),
            Err(_) => raw.body.clone(),
        };
        Ok(Some((uri, body)))
    }

    /// Keeps the exchange in the cassette, durably; refused (and not answered) when the
    /// interaction would hold a real value.
    async fn record(
        &self,
        request: &StsRequest<'_>,
        identity: String,
        complete: &CompleteResponse,
    ) -> Result<(), StsError> {
        let not_kept = |why: String| {
            StsError::new(
                ErrorCode::InternalFailure,
                format!("the exchange could not be kept in {}: {why}", self.cassette),
            )
        };
        let interaction = interaction(request, identity, complete).map_err(not_kept)?;
        let text = serde_yaml::to_string(&interaction).map_err(|e| not_kept(e.to_string()))?;
        self.check_no_real_value(text.as_bytes(), Vec::new())?;
        if let Some(finding) = scan(&text, &[]).first() {
            tracing::error!(
                target: "parlel_sts::record",
                action = request.operation.name,
                "not written to {}: line {} of the exchange holds {}",
                self.cassette,
                finding.line,
                finding.what
            );
            return Err(not_kept(format!(
                "it holds {} (line {} of its YAML)",
                finding.what, finding.line
            )));
        }
        self.writer.append(interaction).await.map_err(not_kept)?;
        self.recorded.fetch_add(1, Ordering::Relaxed);
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

/// The exchange as the cassette keeps it.
fn interaction(
    request: &StsRequest<'_>,
    identity: String,
    complete: &CompleteResponse,
) -> Result<Interaction, String> {
    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default()
        .as_secs();
    let body = String::from_utf8(complete.body.to_vec())
        .map_err(|_| "the answer is not UTF-8".to_owned())?;
    Ok(Interaction {
        request: recorded_request(request, identity),
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
