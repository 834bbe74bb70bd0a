//! Record mode's answer to one request: pick the credentials the request goes up with (the real
//! session behind a fake key this run handed out, else the base credentials of prod.env; none
//! for an unsigned operation), forward it re-signed, redact the upstream's answer, remember the
//! sessions it handed out, and check that no real value is left before the client sees it.
//!
//! (Keeping each exchange in a cassette comes next.)

use std::collections::{HashSet, VecDeque};
use std::sync::Mutex;
use std::time::{Instant, SystemTime, UNIX_EPOCH};

use bytes::Bytes;
use http::HeaderName;

use super::client::{HopError, UpstreamClient};
use super::config::RecordConfig;
use super::credentials::RealCredentials;
use super::resign::{SigningCredentials, forwarded};
use super::sessions::Sessions;
use crate::cassette::Redactor;
use crate::error::{ErrorCode, StsError};
use crate::fake::Fake;
use crate::secret::Secret;
use crate::wire::answer::{Answer, CompleteResponse, Reply};
use crate::wire::request::StsRequest;

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
}

/// Real values returned kept at most: three per session the sessions map keeps.
const KNOWN_VALUES: usize = 30_000;

#[derive(Default)]
struct Known {
    values: HashSet<String>,
    order: VecDeque<String>,
}

impl Recorder {
    pub fn build(record: &RecordConfig, credentials: &RealCredentials) -> Result<Recorder, String> {
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
        Ok(Recorder {
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

    pub async fn answer(&self, fake: &Fake, request: &StsRequest<'_>) -> Answer {
        let started = Instant::now();
        let action = request.operation.name;
        let answer = self.forward(request).await;
        let (answer, status) = match answer {
            Ok(complete) => {
                let status = complete.status;
                (Answer::Complete(complete), status)
            }
            Err(error) => {
                let status = error.code.status();
                (Answer::Typed(Reply::error(fake.fresh_ids(), error)), status)
            }
        };
        tracing::info!(
            target: "parlel_sts::record",
            action,
            upstream = self.authority.as_str(),
            upstream_status = status,
            latency_us = u64::try_from(started.elapsed().as_micros()).unwrap_or(u64::MAX),
            recorded = false,
            "forwarded"
        );
        answer
    }

    async fn forward(&self, request: &StsRequest<'_>) -> Result<CompleteResponse, StsError> {
        let raw = request.raw.as_ref().ok_or_else(|| {
            StsError::new(
                ErrorCode::InternalFailure,
                "record mode forwards HTTP requests only",
            )
        })?;
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
        let up = forwarded(
            raw,
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
        let headers = ANSWER_HEADERS
            .iter()
            .filter_map(|name| {
                let value = answer.headers.get(*name)?.clone();
                Some((HeaderName::from_static(name), value))
            })
            .collect();
        Ok(CompleteResponse {
            status: answer.status,
            headers,
            body: Bytes::from(redacted.body),
        })
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
