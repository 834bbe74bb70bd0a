//! PackedPolicySize: the percentage of AWS's packed limit that session policies and tags use.
//! AWS packs them with an undocumented binary compression; this is a documented approximation
//! (characters of the policy without whitespace and of the policy ARNs, and separately of the tags,
//! against a 2048-character budget, rounded up), so the value is plausible and grows with the
//! input, but is not AWS's exact figure.

use super::session_tags::SessionTags;
use crate::error::{ErrorCode, StsError};
use crate::fake::entropy::RequestRandom;
use crate::wire::params::Params;

const PACKED_BUDGET: usize = 2048;

/// The `PolicyArns.member.N.arn` values of a request.
pub fn policy_arns(params: &Params) -> Vec<&str> {
    params
        .struct_list("PolicyArns", ["arn"])
        .into_iter()
        .filter_map(|[arn]| arn)
        .collect()
}

/// Checks the request's session policy (valid JSON, an object) and its packed size with the
/// session tags. `Some(percent)` when the request passed a policy, policy ARNs or tags (when AWS
/// reports `PackedPolicySize`), `None` otherwise.
pub fn session_policy(
    params: &Params,
    tags: &SessionTags,
    rng: &mut RequestRandom<'_>,
) -> Result<Option<i64>, StsError> {
    let policy = params.get("Policy");
    if let Some(policy) = policy {
        check_policy_document(policy, rng)?;
    }
    let arns = policy_arns(params);
    if policy.is_none() && arns.is_empty() && !tags.requested {
        return Ok(None);
    }
    let policy_part = packed_policy_size(policy, &arns, &[]);
    let tags_part = packed_policy_size(None, &[], &tags.tags);
    let too_large = |message: String| StsError::new(ErrorCode::PackedPolicyTooLarge, message);
    if policy_part > 100 {
        return Err(too_large(format!(
            "Packed policy consumes {policy_part}% of allotted space, please use smaller policy."
        )));
    }
    if tags_part > 100 {
        return Err(too_large(format!(
            "Packed size of session tags consumes {tags_part}% of allotted space."
        )));
    }
    Ok(Some(policy_part.max(tags_part)))
}

/// A session policy must parse as a JSON object. A parse error reads as AWS's (its JSON parser's
/// diagnostic, with a per-call `java.io.StringReader@hex` source and the line and column);
/// JSON that is not an object gets IAM's `Syntax errors in policy.`.
fn check_policy_document(policy: &str, rng: &mut RequestRandom<'_>) -> Result<(), StsError> {
    let malformed = |message: String| StsError::new(ErrorCode::MalformedPolicyDocument, message);
    let error = match serde_json::from_str::<serde_json::Value>(policy) {
        Ok(serde_json::Value::Object(_)) => return Ok(()),
        Ok(_) => return Err(malformed("Syntax errors in policy.".to_owned())),
        Err(e) => e,
    };
    let source = format!(
        "java.io.StringReader@{:08x}",
        u32::from_be_bytes(rng.bytes())
    );
    let (line, column) = (error.line(), error.column());
    let at = format!("[Source: {source}; line: {line}, column: {column}]");
    let found = policy
        .lines()
        .nth(line.saturating_sub(1))
        .and_then(|l| l.chars().nth(column.saturating_sub(1)));
    Err(malformed(match found {
        Some(c) if error.is_syntax() => format!(
            "Unexpected character ('{c}' (code {})): expected a valid value (number, String, array, object, 'true', 'false' or 'null')\n at {at}",
            u32::from(c)
        ),
        _ => format!(
            "Unexpected end-of-input: expected close marker for Object (start marker at [Source: {source}; line: 1, column: 1])\n at {at}"
        ),
    }))
}

pub fn packed_policy_size(
    policy: Option<&str>,
    policy_arns: &[&str],
    tags: &[(String, String)],
) -> i64 {
    let policy_bytes = policy.map_or(0, |p| p.chars().filter(|c| !c.is_whitespace()).count());
    let arn_bytes: usize = policy_arns.iter().map(|a| a.len()).sum();
    let tag_bytes: usize = tags.iter().map(|(k, v)| k.len() + v.len() + 2).sum();
    let total = policy_bytes + arn_bytes + tag_bytes;
    (total * 100).div_ceil(PACKED_BUDGET) as i64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn grows_with_input() {
        assert_eq!(packed_policy_size(None, &[], &[]), 0);
        let small = packed_policy_size(Some(r#"{"Version": "2012-10-17"}"#), &[], &[]);
        assert!(small >= 1);
        let big = packed_policy_size(Some(&"x".repeat(2048)), &[], &[]);
        assert_eq!(big, 100);
    }

    #[test]
    fn policy_documents_must_be_json_objects() {
        let entropy = crate::fake::entropy::Entropy::new(
            ring::hmac::Key::new(ring::hmac::HMAC_SHA256, b"k"),
            true,
        );
        let rng = &mut entropy.next_request();
        assert!(check_policy_document(r#"{"Version":"2012-10-17","Statement":[]}"#, rng).is_ok());
        let e = check_policy_document("{invalid", rng).unwrap_err();
        assert_eq!(e.code, ErrorCode::MalformedPolicyDocument);
        let message = e.message.unwrap();
        assert!(
            message.starts_with("Unexpected character ('i' (code 105))"),
            "{message}"
        );
        assert!(
            message.contains("\n at [Source: java.io.StringReader@"),
            "{message}"
        );
        assert!(message.ends_with("; line: 1, column: 2]"), "{message}");
        assert_eq!(
            check_policy_document("[]", rng)
                .unwrap_err()
                .message
                .unwrap(),
            "Syntax errors in policy."
        );
        let eof = check_policy_document(r#"{"a":"#, rng)
            .unwrap_err()
            .message
            .unwrap();
        assert!(eof.starts_with("Unexpected end-of-input"), "{eof}");
    }
}
