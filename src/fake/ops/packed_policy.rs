//! PackedPolicySize: the percentage of AWS's packed limit that session policies and tags use.
//! AWS packs them with an undocumented binary compression; this is a documented approximation
//! (bytes of the minified policy, the policy ARNs and the tags against a 2048-byte budget, rounded
//! up), so the value is plausible and grows with the input, but is not AWS's exact figure.

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
}
