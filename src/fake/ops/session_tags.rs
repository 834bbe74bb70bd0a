//! Session tags: the checks AWS makes beyond the model (duplicate keys, transitive keys), and the
//! transitive tags a chained session inherits from its caller. Keys compare case-insensitively.

use crate::error::{ErrorCode, StsError};
use crate::fake::claims::SessionClaims;
use crate::wire::params::Params;

#[derive(Debug, Default)]
pub struct SessionTags {
    pub tags: Vec<(String, String)>,
    pub transitive_keys: Vec<String>,
    /// Whether the request itself passed tags (they count towards PackedPolicySize).
    pub requested: bool,
}

fn invalid(message: &'static str) -> StsError {
    StsError::new(ErrorCode::InvalidParameterValue, message)
}

/// Which tag parameters an operation has.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum TagParams {
    /// `Tags` only (GetFederationToken): `TransitiveTagKeys` is an unknown parameter, ignored.
    TagsOnly,
    /// `Tags` and `TransitiveTagKeys` (AssumeRole).
    WithTransitive,
}

/// Reads the tag parameters; `inherited` is the calling session, whose transitive tags pass on and
/// may not be overridden.
pub fn session_tags(
    params: &Params,
    which: TagParams,
    inherited: Option<&SessionClaims>,
) -> Result<SessionTags, StsError> {
    let requested: Vec<(String, String)> = params
        .struct_list("Tags", ["Key", "Value"])
        .into_iter()
        .map(|[k, v]| {
            (
                k.unwrap_or_default().to_owned(),
                v.unwrap_or_default().to_owned(),
            )
        })
        .collect();
    let transitive = match which {
        TagParams::WithTransitive => params.string_list("TransitiveTagKeys"),
        TagParams::TagsOnly => Vec::new(),
    };
    combine(requested, &transitive, inherited)
}

/// Session tags an identity provider asserts (SAML attributes, web identity token claims): the
/// same checks as for request parameters.
/// Asserted tags are held to the model's limits too (at most 50; keys 1..128 and values 0..256
/// characters of letters, digits, spaces and `_.:/=+-@`).
pub fn asserted_tags(
    tags: Vec<(String, String)>,
    transitive: &[&str],
) -> Result<SessionTags, StsError> {
    let allowed = |s: &str| {
        s.chars()
            .all(|c| c.is_alphanumeric() || c.is_whitespace() || "_.:/=+-@".contains(c))
    };
    let why = if tags.len() > 50 {
        Some("more than 50 session tags".to_owned())
    } else {
        tags.iter().find_map(|(k, v)| {
            let key_ok = (1..=128).contains(&k.chars().count()) && allowed(k);
            let value_ok = v.chars().count() <= 256 && allowed(v);
            (!key_ok || !value_ok).then(|| format!("the tag {k:?}"))
        })
    };
    if let Some(why) = why {
        return Err(StsError::validation(format!(
            "Unable to validate tags: {why}"
        )));
    }
    combine(tags, transitive, None)
}

fn combine(
    requested: Vec<(String, String)>,
    transitive: &[&str],
    inherited: Option<&SessionClaims>,
) -> Result<SessionTags, StsError> {
    let lower: Vec<String> = requested.iter().map(|(k, _)| k.to_lowercase()).collect();
    if lower
        .iter()
        .enumerate()
        .any(|(i, k)| lower[..i].contains(k))
    {
        return Err(invalid(
            "Duplicate tag keys found. Please note that Tag keys are case insensitive.",
        ));
    }
    if transitive
        .iter()
        .any(|t| !lower.contains(&t.to_lowercase()))
    {
        return Err(invalid(
            "The specified transitive tag key must be included in the requested tags.",
        ));
    }

    let mut out = SessionTags {
        requested: !requested.is_empty(),
        ..SessionTags::default()
    };
    if let Some(parent) = inherited {
        for key in &parent.transitive_tag_keys {
            if lower.contains(&key.to_lowercase()) {
                return Err(invalid(
                    "One of the specified transitive tag keys can't be set because it conflicts \
                     with a transitive tag key from the calling session.",
                ));
            }
            let key_lower = key.to_lowercase();
            if let Some(tag) = parent
                .tags
                .iter()
                .find(|(k, _)| k.to_lowercase() == key_lower)
            {
                out.tags.push(tag.clone());
                out.transitive_keys.push(key.clone());
            }
        }
    }
    out.tags.extend(requested);
    out.transitive_keys
        .extend(transitive.iter().map(|k| (*k).to_owned()));
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(s: &str) -> Params {
        Params::from_urlencoded(s.as_bytes())
    }

    #[test]
    fn duplicates_and_transitive_keys() {
        let e = session_tags(&p("Tags.member.1.Key=a&Tags.member.1.Value=1&Tags.member.2.Key=A&Tags.member.2.Value=2"), TagParams::WithTransitive, None)
            .unwrap_err();
        assert!(e.message.unwrap().starts_with("Duplicate tag keys found."));
        let e = session_tags(
            &p("Tags.member.1.Key=a&Tags.member.1.Value=1&TransitiveTagKeys.member.1=b"),
            TagParams::WithTransitive,
            None,
        )
        .unwrap_err();
        assert!(
            e.message
                .unwrap()
                .starts_with("The specified transitive tag key")
        );
        let ok = session_tags(
            &p("Tags.member.1.Key=Team&Tags.member.1.Value=x&TransitiveTagKeys.member.1=team"),
            TagParams::WithTransitive,
            None,
        )
        .unwrap();
        assert_eq!(ok.tags, vec![("Team".into(), "x".into())]);
        assert_eq!(ok.transitive_keys, vec!["team".to_owned()]);
    }
}
