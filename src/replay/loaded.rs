//! One cassette made ready for replay, once, when it is first needed: each recorded answer
//! prepared (recorded_at parsed, headers built, body kept once as bytes), the recordings grouped
//! by match key in recorded order, the access keys its answers handed out, and what this run
//! did with it (hits, misses with their closest recording, which recordings were used).
//!
//! Two sources: a cassette read whole (YAML, or sled without an index this build trusts, or with
//! `[replay.match]` rules), made ready at load; or a sled store's index (`cassette::SledIndex`),
//! opened without reading the interactions, each made ready when first answered.
//!
//! Order is per key: the n-th request of one key gets the n-th recording of that key, whatever
//! other keys do in between; concurrent requests of one key take the recordings in the order
//! they reach the counter.

use std::collections::{HashMap, HashSet};
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Mutex, OnceLock};

use bytes::Bytes;
use http::{HeaderName, HeaderValue};

use super::rebase::{Span, expiration_spans, rebased};
use crate::cassette::{
    Cassette, Interaction, Matcher, RecordedRequest, SledIndex, handed_out_keys, looks_like_sts,
};
use crate::timestamp::parse_rfc3339_ms;
use crate::wire::answer::CompleteResponse;

/// The recordings of one key, and which is next.
struct Sequence {
    interactions: Vec<usize>,
    next: AtomicUsize,
}

/// A recorded answer made ready: what a hit sends, but for rebasing.
struct Prepared {
    /// `recorded_at`, in seconds since the epoch.
    recorded_at: i64,
    status: u16,
    headers: Vec<(HeaderName, HeaderValue)>,
    body: Bytes,
    /// Where each `Expiration` time is in `body`, and that time: found once, so a hit only
    /// writes the moved times.
    expirations: Vec<Span>,
}

/// Interaction `index`'s answer made ready (its body moved out of it), and the access keys it
/// handed out.
fn prepare(
    index: usize,
    interaction: &mut Interaction,
    location: &str,
) -> Result<(Prepared, Vec<String>), String> {
    looks_like_sts(interaction).map_err(|why| format!("{location}: interaction {index}: {why}"))?;
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
    let status = response.status;
    let body = std::mem::take(&mut interaction.response.body);
    let handed_out = handed_out_keys(&body);
    let prepared = Prepared {
        recorded_at,
        status,
        headers,
        expirations: expiration_spans(&body),
        // Kept once: the interaction keeps its request (misses are told from it).
        body: Bytes::from(body),
    };
    Ok((prepared, handed_out))
}

/// A miss, as the report keeps it.
#[derive(Debug, Clone)]
pub struct Miss {
    pub action: String,
    pub identity: String,
    /// The index of the closest recording of the same Action, and what differs from it.
    pub closest: Option<(usize, Vec<String>)>,
}

/// Misses kept per cassette for the report (all are counted).
const MISSES_KEPT: usize = 1000;

enum Source {
    /// Read whole and made ready at load.
    Whole {
        /// The recorded requests (misses are described against them).
        interactions: Vec<Interaction>,
        /// `interactions`' answers, in the same order (their bodies moved here).
        prepared: Vec<Prepared>,
        by_key: HashMap<String, Sequence>,
        /// The access key ids the cassette's answers handed out.
        handed_out: HashSet<String>,
    },
    /// A sled store's index: each answer made ready when first needed.
    Indexed {
        index: SledIndex,
        prepared: Vec<OnceLock<Result<Prepared, String>>>,
        /// Per key, how many requests it has had.
        next: Mutex<HashMap<String, usize>>,
        /// Every interaction, read when a miss or a report first needs them.
        all: OnceLock<Vec<Interaction>>,
    },
}

pub struct Loaded {
    /// Where the cassette is, for messages.
    pub location: String,
    source: Source,
    used: Vec<AtomicBool>,
    hits: AtomicU64,
    misses: AtomicU64,
    kept_misses: Mutex<Vec<Miss>>,
}

/// How a lookup went.
pub enum Lookup {
    Hit(usize),
    /// Every recording of the key was used and `strict_order` is on.
    Exhausted(usize),
    Miss,
}

impl Loaded {
    pub fn new(
        location: String,
        mut cassette: Cassette,
        matcher: &Matcher,
    ) -> Result<Loaded, String> {
        // Each interaction is made ready on its own, spread over the machine's threads (a
        // cassette of 100,000 interactions is read at start-up); then grouped by key, in order.
        let location_ref = &location;
        let ready = crate::parallel::in_runs(&mut cassette.interactions, |offset, run| {
            run.iter_mut()
                .enumerate()
                .map(|(i, interaction)| {
                    let key = matcher.key(&interaction.request);
                    let (prepared, handed) = prepare(offset + i, interaction, location_ref)?;
                    Ok((key, prepared, handed))
                })
                .collect::<Result<Vec<_>, String>>()
        })?;
        let mut by_key: HashMap<String, Sequence> = HashMap::new();
        let mut handed_out = HashSet::new();
        let mut prepared = Vec::with_capacity(cassette.interactions.len());
        for (key, answer, handed) in ready {
            let index = prepared.len();
            prepared.push(answer);
            handed_out.extend(handed);
            by_key
                .entry(key)
                .or_insert_with(|| Sequence {
                    interactions: Vec::new(),
                    next: AtomicUsize::new(0),
                })
                .interactions
                .push(index);
        }
        let count = prepared.len();
        Ok(Loaded::with(
            location,
            Source::Whole {
                interactions: cassette.interactions,
                prepared,
                by_key,
                handed_out,
            },
            count,
        ))
    }

    /// A sled store's cassette through its index: nothing is read until it is asked for.
    pub fn indexed(index: SledIndex) -> Loaded {
        let count = index.len();
        let location = index.location().to_owned();
        let source = Source::Indexed {
            prepared: (0..count).map(|_| OnceLock::new()).collect(),
            index,
            next: Mutex::new(HashMap::new()),
            all: OnceLock::new(),
        };
        Loaded::with(location, source, count)
    }

    fn with(location: String, source: Source, count: usize) -> Loaded {
        Loaded {
            location,
            source,
            used: (0..count).map(|_| AtomicBool::new(false)).collect(),
            hits: AtomicU64::new(0),
            misses: AtomicU64::new(0),
            kept_misses: Mutex::new(Vec::new()),
        }
    }

    /// Whether one of this cassette's answers handed out `access_key_id`.
    pub fn handed_out(&self, access_key_id: &str) -> bool {
        match &self.source {
            Source::Whole { handed_out, .. } => handed_out.contains(access_key_id),
            Source::Indexed { index, .. } => index.handed_out(access_key_id),
        }
    }

    pub fn len(&self) -> usize {
        self.used.len()
    }

    pub fn is_empty(&self) -> bool {
        self.used.is_empty()
    }

    /// The next recording of `key`: the last one again once they are used up, unless
    /// `strict_order`.
    pub fn lookup(&self, key: &str, strict_order: bool) -> Lookup {
        let (at, recorded): (usize, Vec<usize>) = match &self.source {
            Source::Whole { by_key, .. } => {
                let Some(sequence) = by_key.get(key) else {
                    return Lookup::Miss;
                };
                let at = sequence.next.fetch_add(1, Ordering::Relaxed);
                return self.pick(at, &sequence.interactions, strict_order);
            }
            Source::Indexed { index, next, .. } => {
                let ids = index.ids(key).unwrap_or_default();
                if ids.is_empty() {
                    return Lookup::Miss;
                }
                let Ok(mut next) = next.lock() else {
                    return Lookup::Miss;
                };
                let count = next.entry(key.to_owned()).or_default();
                let at = *count;
                *count += 1;
                (at, ids)
            }
        };
        self.pick(at, &recorded, strict_order)
    }

    /// The `at`-th of `recorded`, or the last.
    fn pick(&self, at: usize, recorded: &[usize], strict_order: bool) -> Lookup {
        let index = match recorded.get(at) {
            Some(&index) => index,
            None if strict_order => return Lookup::Exhausted(recorded.len()),
            None => match recorded.last() {
                Some(&index) => index,
                None => return Lookup::Miss,
            },
        };
        if let Some(used) = self.used.get(index) {
            used.store(true, Ordering::Relaxed);
        }
        self.hits.fetch_add(1, Ordering::Relaxed);
        Lookup::Hit(index)
    }

    /// The recorded answer `index`, its `Expiration`s moved by (now - recorded_at) up to
    /// `now_s` (`None`: as recorded). An interaction of a sled index that cannot be read is an
    /// error naming the store and the interaction.
    pub fn answer(&self, index: usize, now_s: Option<i64>) -> Result<CompleteResponse, String> {
        let ready = match &self.source {
            Source::Whole { prepared, .. } => prepared
                .get(index)
                .ok_or_else(|| format!("{}: no interaction {index}", self.location))?,
            Source::Indexed {
                index: sled,
                prepared,
                ..
            } => prepared
                .get(index)
                .ok_or_else(|| format!("{}: no interaction {index}", self.location))?
                .get_or_init(|| {
                    let mut interaction = sled.interaction(index)?;
                    prepare(index, &mut interaction, &self.location).map(|(p, _)| p)
                })
                .as_ref()
                .map_err(Clone::clone)?,
        };
        let body = match now_s {
            Some(now_s) => rebased(&ready.body, &ready.expirations, now_s - ready.recorded_at),
            None => ready.body.clone(),
        };
        Ok(CompleteResponse {
            status: ready.status,
            headers: ready.headers.clone(),
            body,
        })
    }

    /// The recorded requests, in order (a sled index reads them all the first time).
    fn requests(&self) -> &[Interaction] {
        match &self.source {
            Source::Whole { interactions, .. } => interactions,
            Source::Indexed { index, all, .. } => all.get_or_init(|| match index.all() {
                Ok(all) => all,
                Err(why) => {
                    tracing::warn!(target: "parlel_sts::replay", "{why}");
                    Vec::new()
                }
            }),
        }
    }

    /// Counts a miss of `asked` and describes it: the closest recording of the same Action.
    pub fn miss(&self, asked: &RecordedRequest, matcher: &Matcher) -> Miss {
        self.misses.fetch_add(1, Ordering::Relaxed);
        let keyed = matcher.parameters(asked);
        let closest = self
            .requests()
            .iter()
            .enumerate()
            .filter(|(_, i)| i.request.action == asked.action)
            .map(|(index, i)| (index, differences(&i.request, matcher, asked, &keyed)))
            .min_by_key(|(_, d)| d.len());
        let miss = Miss {
            action: asked.action.clone(),
            identity: asked.identity.clone(),
            closest,
        };
        if let Ok(mut kept) = self.kept_misses.lock()
            && kept.len() < MISSES_KEPT
        {
            kept.push(miss.clone());
        }
        miss
    }

    /// A miss in words a person can act on.
    pub fn describe(&self, miss: &Miss) -> String {
        let head = format!(
            "no interaction of {} matches {} (identity {})",
            self.location, miss.action, miss.identity
        );
        match &miss.closest {
            None => format!("{head}; it holds no {} at all", miss.action),
            Some((index, differences)) if differences.is_empty() => {
                format!("{head}; interaction {index} matches but was used up (strict_order)")
            }
            Some((index, differences)) => format!(
                "{head}; closest is interaction {index}, which differs in: {}",
                differences.join(", ")
            ),
        }
    }

    /// (hits, misses) so far.
    pub fn counts(&self) -> (u64, u64) {
        (
            self.hits.load(Ordering::Relaxed),
            self.misses.load(Ordering::Relaxed),
        )
    }

    /// The misses kept for the report.
    pub fn misses(&self) -> Vec<Miss> {
        self.kept_misses
            .lock()
            .map(|m| m.clone())
            .unwrap_or_default()
    }

    /// How many recordings no request used.
    pub fn unused_count(&self) -> usize {
        self.used
            .iter()
            .filter(|u| !u.load(Ordering::Relaxed))
            .count()
    }

    /// The recordings no request used: (index, interaction).
    pub fn unused(&self) -> impl Iterator<Item = (usize, &Interaction)> {
        self.requests().iter().enumerate().filter(|(index, _)| {
            !self
                .used
                .get(*index)
                .is_some_and(|u| u.load(Ordering::Relaxed))
        })
    }
}

/// What differs between a recording and a request, one phrase each, as keyed (so a wildcard
/// that matched is not a difference).
fn differences(
    recorded: &RecordedRequest,
    matcher: &Matcher,
    asked: &RecordedRequest,
    asked_keyed: &[(String, String)],
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
    let recorded_keyed = matcher.parameters(recorded);
    let get = |list: &[(String, String)], name: &str| {
        list.iter().find(|(n, _)| n == name).map(|(_, v)| v.clone())
    };
    let mut names: Vec<&String> = recorded_keyed
        .iter()
        .chain(asked_keyed)
        .map(|(n, _)| n)
        .collect();
    names.sort();
    names.dedup();
    for name in names {
        match (get(&recorded_keyed, name), get(asked_keyed, name)) {
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cassette::{FORMAT, sample};

    #[test]
    fn handed_out_keys_are_read_from_xml_and_json() {
        let xml = "<C><AccessKeyId>a</AccessKeyId></C><C><AccessKeyId>b</AccessKeyId></C>";
        assert_eq!(handed_out_keys(xml), ["a", "b"]);
        assert_eq!(handed_out_keys(r#"{"C":{"AccessKeyId":"a"}}"#), ["a"]);
    }

    #[test]
    fn repeats_get_the_recordings_in_order_then_the_last_or_a_miss() {
        let mut first = sample(0);
        let mut second = sample(1);
        second.request.parameters = first.request.parameters.clone();
        first.response.body = "<GetCallerIdentityResponse>first</GetCallerIdentityResponse>".into();
        second.response.body =
            "<GetCallerIdentityResponse>second</GetCallerIdentityResponse>".into();
        let cassette = Cassette {
            format: FORMAT,
            upstream: "u".into(),
            redaction_key: "k".into(),
            interactions: vec![first.clone(), second, sample(2)],
        };
        let matcher = Matcher::default();
        let loaded = Loaded::new("c".into(), cassette, &matcher).unwrap();
        let key = matcher.key(&first.request);
        let body = |lookup: Lookup| match lookup {
            Lookup::Hit(i) => {
                String::from_utf8(loaded.answer(i, None).unwrap().body.to_vec()).unwrap()
            }
            Lookup::Exhausted(n) => format!("exhausted {n}"),
            Lookup::Miss => "miss".into(),
        };
        assert_eq!(
            body(loaded.lookup(&key, true)),
            "<GetCallerIdentityResponse>first</GetCallerIdentityResponse>"
        );
        assert_eq!(
            body(loaded.lookup(&key, true)),
            "<GetCallerIdentityResponse>second</GetCallerIdentityResponse>"
        );
        assert_eq!(body(loaded.lookup(&key, true)), "exhausted 2");
        assert_eq!(
            body(loaded.lookup(&key, false)),
            "<GetCallerIdentityResponse>second</GetCallerIdentityResponse>"
        );
        assert_eq!(body(loaded.lookup("nope", false)), "miss");
        let unused: Vec<usize> = loaded.unused().map(|(i, _)| i).collect();
        assert_eq!(unused, [2]);
    }
}
