//! What replay matches a request by: its key, built from the request as a cassette keeps it
//! (`recorded_request`) after these rules, applied alike to the recordings (at load, or when a
//! sled store indexes its cassette) and to each incoming request:
//!
//! - Action, Version, the format asked for (XML or JSON) and the calling identity; never the
//!   method (GET and POST of one call are one call), the signature, dates, SDK ids or user agent.
//! - Every other parameter, by name, in any order. Values arrive percent-decoded, so encoding
//!   variants are one value.
//! - Lists (`Name.member.N...`) are renumbered 1, 2, ... in the order of their numbers, gaps
//!   closed; `Tags`, `TransitiveTagKeys` and `PolicyArns` are sets: their entries are also sorted.
//! - `Policy` is compared as canonical JSON (keys sorted, no insignificant white space).
//! - SDK-made values are wildcards: a `RoleSessionName` an SDK's credential provider generated
//!   (`botocore-session-<epoch>`, `aws-go-sdk-<nanos>`, `aws-sdk-js-<ms>`,
//!   `aws-sdk-js-session-<ms>`, `aws-sdk-java-<ms>`, and the Rust SDK's
//!   `assume-role-provider-<ms>`, `web-identity-token-<ms>`, `profile-file-provider-<ms>`) and a
//!   TOTP `TokenCode` match any value of their kind.
//! - Per action (or `"*"` for all), `[replay.match.ACTION]` marks a parameter `"exact"` (no
//!   wildcard), `"ignore"` (left out of the key), or `{ regex = "..." }` (any value the regex
//!   matches is one value). A rule named for a list (`Tags`) applies to its members.

use std::borrow::Cow;
use std::collections::{BTreeMap, HashMap};

use regex::Regex;
use serde::Deserialize;

use super::model::RecordedRequest;

/// One parameter's rule in `[replay.match.ACTION]`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(untagged)]
pub enum MatchRuleConfig {
    /// `"exact"` or `"ignore"`.
    Word(String),
    Regex {
        regex: String,
    },
}

#[derive(Debug)]
enum Rule {
    Exact,
    Ignore,
    Regex(Regex),
}

/// A list's members: number -> [(rest of the name, value)].
type Members = BTreeMap<u64, Vec<(String, String)>>;

/// The lists whose order means nothing.
const SET_LISTS: [&str; 3] = ["Tags", "TransitiveTagKeys", "PolicyArns"];

/// The prefixes SDK credential providers name their sessions with, before a timestamp.
const SDK_SESSION_PREFIXES: [&str; 8] = [
    "botocore-session-",
    "aws-go-sdk-",
    "aws-sdk-js-session-",
    "aws-sdk-js-",
    "aws-sdk-java-",
    "assume-role-provider-",
    "web-identity-token-",
    "profile-file-provider-",
];

/// What an SDK-made session name is keyed as.
const SDK_SESSION: &str = "<sdk-session-name>";

/// Whether `name` is a session name an SDK made: a known prefix and a timestamp of 9 to 20
/// digits.
pub fn is_sdk_session_name(name: &str) -> bool {
    SDK_SESSION_PREFIXES.iter().any(|prefix| {
        name.strip_prefix(prefix).is_some_and(|digits| {
            (9..=20).contains(&digits.len()) && digits.bytes().all(|b| b.is_ascii_digit())
        })
    })
}

#[derive(Debug, Default)]
pub struct Matcher {
    /// Action (or `*`) -> parameter -> rule.
    rules: HashMap<String, HashMap<String, Rule>>,
}

impl Matcher {
    /// The rules of `[replay.match]`, checked; a failure names its key.
    pub fn build(
        config: &BTreeMap<String, BTreeMap<String, MatchRuleConfig>>,
    ) -> Result<Matcher, String> {
        let mut rules = HashMap::new();
        for (action, parameters) in config {
            if action != "*" && crate::model::operation(action).is_none() {
                return Err(format!(
                    "replay.match.{action}: not an STS operation (or \"*\" for all of them)"
                ));
            }
            let mut compiled = HashMap::new();
            for (name, rule) in parameters {
                let key = format!("replay.match.{action}.{name}");
                let rule = match rule {
                    MatchRuleConfig::Word(w) if w == "exact" => Rule::Exact,
                    MatchRuleConfig::Word(w) if w == "ignore" => Rule::Ignore,
                    MatchRuleConfig::Word(w) => {
                        return Err(format!(
                            "{key}: {w:?} is not \"exact\", \"ignore\" or {{ regex = \"...\" }}"
                        ));
                    }
                    MatchRuleConfig::Regex { regex } => {
                        Rule::Regex(Regex::new(regex).map_err(|e| format!("{key}: {e}"))?)
                    }
                };
                compiled.insert(name.clone(), rule);
            }
            rules.insert(action.clone(), compiled);
        }
        Ok(Matcher { rules })
    }

    /// Whether no `[replay.match]` rule is set: the keys are the default rules' (what a sled
    /// store's index holds).
    pub fn is_default(&self) -> bool {
        self.rules.is_empty()
    }

    fn rule(&self, action: &str, name: &str) -> Option<&Rule> {
        let list = name.split_once(".member.").map_or(name, |(list, _)| list);
        [action, "*"].iter().find_map(|scope| {
            let rules = self.rules.get(*scope)?;
            rules.get(name).or_else(|| rules.get(list))
        })
    }

    /// The key `request` is matched by.
    pub fn key(&self, request: &RecordedRequest) -> String {
        let mut key = format!(
            "{}\n{}\n{}\n{}",
            request.action, request.version, request.format, request.identity
        );
        // The usual case, without a copy of each parameter: no rules, no lists, and the names
        // already in order (as a cassette keeps them), so the order after the rules is theirs.
        let plain = self.rules.is_empty()
            && request.parameters.windows(2).all(|w| w[0].0 < w[1].0)
            && !request
                .parameters
                .iter()
                .any(|(name, _)| name.contains(".member."));
        if plain {
            for (name, value) in &request.parameters {
                key.push('\n');
                key.push_str(name);
                key.push('=');
                key.push_str(&default_value(name, value));
            }
            return key;
        }
        for (name, value) in self.parameters(request) {
            key.push('\n');
            key.push_str(&name);
            key.push('=');
            key.push_str(&value);
        }
        key
    }

    /// The parameters of `request` as they are keyed, sorted.
    pub fn parameters(&self, request: &RecordedRequest) -> Vec<(String, String)> {
        let mut plain: Vec<(String, String)> = Vec::with_capacity(request.parameters.len());
        let mut lists: BTreeMap<&str, Members> = BTreeMap::new();
        for (name, value) in &request.parameters {
            let value = match self.rule(&request.action, name) {
                Some(Rule::Ignore) => continue,
                Some(Rule::Exact) => value.clone(),
                Some(Rule::Regex(regex)) if regex.is_match(value) => {
                    format!("<matches {}>", regex.as_str())
                }
                Some(Rule::Regex(_)) => value.clone(),
                None => default_value(name, value).into_owned(),
            };
            match list_member(name) {
                Some((list, number, rest)) => lists
                    .entry(list)
                    .or_default()
                    .entry(number)
                    .or_default()
                    .push((rest.to_owned(), value)),
                None => plain.push((name.clone(), value)),
            }
        }
        for (list, members) in lists {
            let mut entries: Vec<Vec<(String, String)>> = members
                .into_values()
                .map(|mut fields| {
                    fields.sort();
                    fields
                })
                .collect();
            if SET_LISTS.contains(&list) {
                entries.sort();
                entries.dedup();
            }
            for (n, fields) in entries.into_iter().enumerate() {
                for (rest, value) in fields {
                    plain.push((format!("{list}.member.{}{rest}", n + 1), value));
                }
            }
        }
        plain.sort();
        plain
    }
}

/// `(list, number, rest)` of `List.member.N[.rest]`; rest keeps its leading dot.
fn list_member(name: &str) -> Option<(&str, u64, &str)> {
    let (list, after) = name.split_once(".member.")?;
    let digits = after.find('.').map_or(after, |dot| &after[..dot]);
    let number = digits.parse().ok()?;
    Some((list, number, &after[digits.len()..]))
}

/// A value as keyed when no rule names its parameter.
fn default_value<'a>(name: &str, value: &'a str) -> Cow<'a, str> {
    match name {
        "RoleSessionName" if is_sdk_session_name(value) => Cow::Borrowed(SDK_SESSION),
        // A TOTP code changes every 30 s (and is kept as a digest).
        "TokenCode" => Cow::Borrowed("<any>"),
        "Policy" => canonical_json(value).map_or(Cow::Borrowed(value), Cow::Owned),
        _ => Cow::Borrowed(value),
    }
}

/// `text` as canonical JSON (keys sorted, compact), when it is JSON.
fn canonical_json(text: &str) -> Option<String> {
    let value: serde_json::Value = serde_json::from_str(text).ok()?;
    // serde_json's map is a BTreeMap (no `preserve_order`): keys come out sorted.
    serde_json::to_string(&value).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request(parameters: &[(&str, &str)]) -> RecordedRequest {
        RecordedRequest {
            action: "AssumeRole".into(),
            version: "2011-06-15".into(),
            method: "POST".into(),
            format: "xml".into(),
            identity: "base".into(),
            parameters: parameters
                .iter()
                .map(|(n, v)| ((*n).to_owned(), (*v).to_owned()))
                .collect(),
        }
    }

    #[test]
    fn lists_renumber_sets_sort_and_policies_compare_as_json() {
        let m = Matcher::default();
        let a = request(&[
            ("Tags.member.1.Key", "team"),
            ("Tags.member.1.Value", "a"),
            ("Tags.member.2.Key", "env"),
            ("Tags.member.2.Value", "ci"),
            ("PolicyArns.member.3.arn", "arn:aws:iam::aws:policy/B"),
            ("PolicyArns.member.1.arn", "arn:aws:iam::aws:policy/A"),
            ("Policy", r#"{"Version":"2012-10-17","Statement":[]}"#),
        ]);
        let b = request(&[
            (
                "Policy",
                "{ \"Statement\": [ ],\n \"Version\": \"2012-10-17\" }",
            ),
            ("PolicyArns.member.1.arn", "arn:aws:iam::aws:policy/B"),
            ("PolicyArns.member.2.arn", "arn:aws:iam::aws:policy/A"),
            ("Tags.member.1.Value", "ci"),
            ("Tags.member.1.Key", "env"),
            ("Tags.member.7.Key", "team"),
            ("Tags.member.7.Value", "a"),
        ]);
        assert_eq!(m.key(&a), m.key(&b));
        let c = request(&[("Tags.member.1.Key", "team"), ("Tags.member.1.Value", "b")]);
        assert_ne!(m.key(&a), m.key(&c));
        // An ordered list keeps its order.
        let d = request(&[("ProvidedContexts.member.1.ProviderArn", "x")]);
        let e = request(&[("ProvidedContexts.member.4.ProviderArn", "x")]);
        assert_eq!(m.key(&d), m.key(&e));
    }

    #[test]
    fn sdk_session_names_and_token_codes_are_wildcards_unless_exact() {
        let m = Matcher::default();
        for (a, b) in [
            ("botocore-session-1700000000", "botocore-session-1800000000"),
            ("aws-go-sdk-1700000000123456789", "aws-sdk-js-1700000000123"),
            ("assume-role-provider-1700000000123", "aws-sdk-js-session-1"),
        ] {
            let same = m.key(&request(&[("RoleSessionName", a)]))
                == m.key(&request(&[("RoleSessionName", b)]));
            assert_eq!(same, is_sdk_session_name(b), "{a} {b}");
        }
        assert_ne!(
            m.key(&request(&[("RoleSessionName", "ci")])),
            m.key(&request(&[(
                "RoleSessionName",
                "botocore-session-1700000000"
            )]))
        );
        assert_eq!(
            m.key(&request(&[("TokenCode", "sha256:aa")])),
            m.key(&request(&[("TokenCode", "sha256:bb")]))
        );
        let config: BTreeMap<String, BTreeMap<String, MatchRuleConfig>> = toml::from_str(
            r#"
            [AssumeRole]
            RoleSessionName = "exact"
            DurationSeconds = "ignore"
            ["*"]
            ExternalId = { regex = "^job-[0-9]+$" }
            "#,
        )
        .unwrap();
        let m = Matcher::build(&config).unwrap();
        assert_ne!(
            m.key(&request(&[(
                "RoleSessionName",
                "botocore-session-1700000000"
            )])),
            m.key(&request(&[(
                "RoleSessionName",
                "botocore-session-1800000000"
            )]))
        );
        assert_eq!(
            m.key(&request(&[("DurationSeconds", "900")])),
            m.key(&request(&[("DurationSeconds", "3600")]))
        );
        assert_eq!(
            m.key(&request(&[("ExternalId", "job-1")])),
            m.key(&request(&[("ExternalId", "job-22")]))
        );
        assert_ne!(
            m.key(&request(&[("ExternalId", "job-1")])),
            m.key(&request(&[("ExternalId", "other")]))
        );
        for (bad, key) in [
            ("[AssumeRole]\nX = \"loose\"", "replay.match.AssumeRole.X"),
            (
                "[AssumeRole]\nX = { regex = \"(\" }",
                "replay.match.AssumeRole.X",
            ),
            ("[Nope]\nX = \"exact\"", "replay.match.Nope"),
        ] {
            let config = toml::from_str(bad).unwrap();
            let why = Matcher::build(&config).unwrap_err();
            assert!(why.starts_with(key), "{why}");
        }
    }
}
