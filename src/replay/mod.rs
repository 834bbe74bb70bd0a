//! Replay mode: answers from a cassette, with no network and no credentials.
//!
//! A request is looked up by the key record mode wrote it under (`cassette::match_key`: Action,
//! Version, format, who calls, every parameter; not the method). Who calls is the (redacted)
//! access key id of a session the cassette handed out, when the request signs with one; a
//! session the fake issued belongs to the fake; anything else is "base", whatever its value.
//! Identical requests get the recordings in recorded order, per key; when they run out the last
//! one repeats. Recorded `Expiration`s move by (now - recorded_at), now being the fake's clock
//! (pinned with `--clock`). A miss goes to the fake or gets `CassetteMiss`.

mod config;

use std::collections::{HashMap, HashSet};
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};

use bytes::Bytes;
use http::{HeaderName, HeaderValue};

pub use config::{OnMiss, Rebase, ReplayConfig};

use crate::cassette::{
    CassetteConfig, Interaction, match_key, open as open_store, recorded_request,
};
use crate::error::{ErrorCode, StsError};
use crate::fake::Fake;
use crate::timestamp::{iso8601_seconds, parse_rfc3339_ms};
use crate::wire::answer::{Answer, CompleteResponse, Reply};
use crate::wire::request::StsRequest;

/// The recordings of one key, and which is next.
struct Sequence {
    interactions: Vec<usize>,
    next: AtomicUsize,
}

/// A recorded answer made ready once, at load: what a hit sends, but for rebasing.
struct Prepared {
    /// `recorded_at`, in seconds since the epoch.
    recorded_at: i64,
    status: u16,
    headers: Vec<(HeaderName, HeaderValue)>,
    body: Bytes,
}

pub struct Replayer {
    /// The cassette, for messages.
    cassette: String,
    /// The recorded requests (misses are described against them).
    interactions: Vec<Interaction>,
    /// `interactions`' answers, in the same order (their bodies moved here).
    prepared: Vec<Prepared>,
    by_key: HashMap<String, Sequence>,
    /// The access key ids the cassette's answers handed out.
    handed_out: HashSet<String>,
    on_miss: OnMiss,
    rebase: Rebase,
    hits: AtomicU64,
    misses: AtomicU64,
}

impl Replayer {
    /// Loads the cassette `[cassettes]` names; a cassette that is not there is an error.
    pub fn build(replay: &ReplayConfig, cassettes: &CassetteConfig) -> Result<Replayer, String> {
        let store = open_store(cassettes)?;
        let location = store.location();
        let mut cassette = store.load()?.ok_or_else(|| {
            format!("{location}: no cassette there (record one with --mode record)")
        })?;
        let mut by_key: HashMap<String, Sequence> = HashMap::new();
        let mut handed_out = HashSet::new();
        let mut prepared = Vec::with_capacity(cassette.interactions.len());
        for (index, interaction) in cassette.interactions.iter_mut().enumerate() {
            let recorded_at = parse_rfc3339_ms(&interaction.recorded_at).map_err(|_| {
                format!("{location}: interaction {index}: recorded_at is not an RFC 3339 time")
            })? / 1000;
            let response = &interaction.response;
            let mut headers = Vec::with_capacity(response.headers.len());
            for (name, value) in &response.headers {
                let header = HeaderName::from_bytes(name.as_bytes())
                    .ok()
                    .zip(HeaderValue::from_str(value).ok())
                    .ok_or_else(|| {
                        format!("{location}: interaction {index}: the header {name:?} is not HTTP")
                    })?;
                headers.push(header);
            }
            prepared.push(Prepared {
                recorded_at,
                status: response.status,
                headers,
                // Kept once: the interaction keeps its request (misses are told from it).
                body: Bytes::from(std::mem::take(&mut interaction.response.body)),
            });
            by_key
                .entry(match_key(&interaction.request))
                .or_insert_with(|| Sequence {
                    interactions: Vec::new(),
                    next: AtomicUsize::new(0),
                })
                .interactions
                .push(index);
            handed_out.extend(element_texts(
                std::str::from_utf8(&prepared[index].body).unwrap_or_default(),
                "AccessKeyId",
            ));
        }
        Ok(Replayer {
            cassette: location,
            interactions: cassette.interactions,
            prepared,
            by_key,
            handed_out,
            on_miss: replay.on_miss,
            rebase: replay.rebase,
            hits: AtomicU64::new(0),
            misses: AtomicU64::new(0),
        })
    }

    /// (hits, misses) so far.
    pub fn counts(&self) -> (u64, u64) {
        (
            self.hits.load(Ordering::Relaxed),
            self.misses.load(Ordering::Relaxed),
        )
    }

    pub fn cassette(&self) -> &str {
        &self.cassette
    }

    pub fn answer(&self, fake: &Fake, request: &StsRequest<'_>) -> Answer {
        let now_ms = fake.clock().now_ms();
        let identity = match &request.caller {
            Some(caller) if self.handed_out.contains(caller.access_key_id) => {
                caller.access_key_id.to_owned()
            }
            // A session the fake issued (a fallback answer handed it out) is the fake's.
            Some(caller)
                if caller.session_token.is_some()
                    && fake.secret_of(caller, now_ms / 1000).is_ok() =>
            {
                return Answer::Typed(fake.answer(request));
            }
            _ => "base".to_owned(),
        };
        let asked = recorded_request(request, identity);
        let key = match_key(&asked);
        if let Some(sequence) = self.by_key.get(&key) {
            let at = sequence.next.fetch_add(1, Ordering::Relaxed);
            let last = sequence.interactions.len().saturating_sub(1);
            if let Some(&index) = sequence.interactions.get(at.min(last)) {
                self.hits.fetch_add(1, Ordering::Relaxed);
                return Answer::Complete(self.replayed(index, now_ms));
            }
        }
        self.misses.fetch_add(1, Ordering::Relaxed);
        let why = self.miss_message(&asked);
        tracing::warn!(target: "parlel_sts::replay", "miss: {why}");
        match self.on_miss {
            OnMiss::Fake => Answer::Typed(fake.answer(request)),
            OnMiss::Error => Answer::Typed(Reply::error(
                fake.fresh_ids(),
                StsError::new(ErrorCode::CassetteMiss, why),
            )),
        }
    }

    /// The recorded answer, its `Expiration`s moved by (now - recorded_at) unless rebasing is off.
    fn replayed(&self, index: usize, now_ms: i64) -> CompleteResponse {
        let ready = &self.prepared[index];
        let body = match self.rebase {
            Rebase::On => Bytes::from(rebase_expirations(
                std::str::from_utf8(&ready.body).unwrap_or_default(),
                now_ms / 1000 - ready.recorded_at,
            )),
            Rebase::Off => ready.body.clone(),
        };
        CompleteResponse {
            status: ready.status,
            headers: ready.headers.clone(),
            body,
        }
    }

    /// Names the cassette, the closest recording of the same Action and what differs.
    fn miss_message(&self, asked: &crate::cassette::RecordedRequest) -> String {
        let closest = self
            .interactions
            .iter()
            .enumerate()
            .filter(|(_, i)| i.request.action == asked.action)
            .map(|(index, i)| (index, differences(&i.request, asked)))
            .min_by_key(|(_, d)| d.len());
        let head = format!(
            "no interaction of {} matches {} (identity {})",
            self.cassette, asked.action, asked.identity
        );
        match closest {
            None => format!("{head}; it holds no {} at all", asked.action),
            Some((index, differences)) => format!(
                "{head}; closest is interaction {index}, which differs in: {}",
                differences.join(", ")
            ),
        }
    }
}

/// What differs between a recording and a request, one phrase each.
fn differences(
    recorded: &crate::cassette::RecordedRequest,
    asked: &crate::cassette::RecordedRequest,
) -> Vec<String> {
    let mut out = Vec::new();
    for (what, a, b) in [
        ("Version", &recorded.version, &asked.version),
        ("format", &recorded.format, &asked.format),
        ("identity", &recorded.identity, &asked.identity),
    ] {
        if a != b {
            out.push(format!("{what} (recorded {a:?}, asked {b:?})"));
        }
    }
    let get = |list: &[(String, String)], name: &str| {
        list.iter().find(|(n, _)| n == name).map(|(_, v)| v.clone())
    };
    let mut names: Vec<&String> = recorded
        .parameters
        .iter()
        .chain(&asked.parameters)
        .map(|(n, _)| n)
        .collect();
    names.sort();
    names.dedup();
    for name in names {
        match (
            get(&recorded.parameters, name),
            get(&asked.parameters, name),
        ) {
            (Some(a), Some(b)) if a != b => {
                out.push(format!("{name} (recorded {a:?}, asked {b:?})"));
            }
            (Some(_), None) => out.push(format!("{name} (recorded, not asked)")),
            (None, Some(_)) => out.push(format!("{name} (asked, not recorded)")),
            _ => {}
        }
    }
    out
}

/// The texts of `<NAME>…</NAME>` in `body`.
fn element_texts<'a>(body: &'a str, name: &str) -> Vec<String> {
    let (open, close) = (format!("<{name}>"), format!("</{name}>"));
    let mut out = Vec::new();
    let mut rest: &'a str = body;
    while let Some(start) = rest.find(&open) {
        let after = &rest[start + open.len()..];
        let Some(end) = after.find(&close) else {
            break;
        };
        out.push(after[..end].to_owned());
        rest = &after[end + close.len()..];
    }
    out
}

/// Each `<Expiration>` moved by `seconds`.
fn rebase_expirations(body: &str, seconds: i64) -> String {
    let (open, close) = ("<Expiration>", "</Expiration>");
    let mut out = String::with_capacity(body.len());
    let mut rest = body;
    while let Some(start) = rest.find(open) {
        let after = &rest[start + open.len()..];
        let Some(end) = after.find(close) else {
            break;
        };
        out.push_str(&rest[..start + open.len()]);
        match parse_rfc3339_ms(&after[..end]) {
            Ok(ms) => out.push_str(&iso8601_seconds(ms / 1000 + seconds)),
            Err(_) => out.push_str(&after[..end]),
        }
        out.push_str(close);
        rest = &after[end + close.len()..];
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn expirations_move_and_nothing_else() {
        let body =
            "<A><Expiration>2026-12-01T01:00:00Z</Expiration><B>2026-12-01T01:00:00Z</B></A>";
        assert_eq!(
            rebase_expirations(body, 3600),
            "<A><Expiration>2026-12-01T02:00:00Z</Expiration><B>2026-12-01T01:00:00Z</B></A>"
        );
        assert_eq!(element_texts("<K>a</K><K>b</K>", "K"), ["a", "b"]);
    }
}
