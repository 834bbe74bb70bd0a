//! Validation of a request against the model table, in AWS's grammar:
//! `{N} validation error{s} detected: ` + failures joined by `; `, each
//! `Value {v} at '{member}' failed to satisfy constraint: {rule}`.
//! Members are checked in model order; within one member the pattern comes before the lengths.
//! Integers are parsed first: an unparsable one is a `MalformedInput` error on its own.

use super::shape::{Member, Operation, Shape};
use crate::error::StsError;
use crate::wire::params::{Params, parse_int};

/// Checks every member of `op` in `params`. `Ok(())` means every constraint of the model holds.
pub fn validate(op: &Operation, params: &Params) -> Result<(), StsError> {
    let mut failures = Vec::new();
    walk_members(op.input, "", "", params, &mut failures)?;
    if failures.is_empty() {
        return Ok(());
    }
    let n = failures.len();
    let plural = if n == 1 { "" } else { "s" };
    Err(StsError::validation(format!(
        "{n} validation error{plural} detected: {}",
        failures.join("; ")
    )))
}

/// `wire` is the parameter-name prefix (`Tags.member.1.`), `path` the message's member path
/// (`tags.1.member.`).
fn walk_members(
    members: &[Member],
    wire: &str,
    path: &str,
    params: &Params,
    failures: &mut Vec<String>,
) -> Result<(), StsError> {
    for member in members {
        let wire_name = format!("{wire}{}", member.name);
        let path_name = format!("{path}{}", lower_first(member.name));
        if !present(member.shape, &wire_name, params) {
            if member.required {
                failures.push(format!(
                    "Value null at '{path_name}' failed to satisfy constraint: Member must not be null"
                ));
            }
            continue;
        }
        walk_shape(member.shape, &wire_name, &path_name, params, failures)?;
    }
    Ok(())
}

fn walk_shape(
    shape: &Shape,
    wire: &str,
    path: &str,
    params: &Params,
    failures: &mut Vec<String>,
) -> Result<(), StsError> {
    match shape {
        Shape::Str {
            min,
            max,
            pattern,
            sensitive,
        } => {
            let value = params.get(wire).unwrap_or_default();
            let shown = if *sensitive {
                String::new()
            } else {
                format!(" '{value}'")
            };
            let mut fail = |rule: String| {
                failures.push(format!(
                    "Value{shown} at '{path}' failed to satisfy constraint: {rule}"
                ))
            };
            if let Some(p) = pattern.filter(|p| !p.matches(value)) {
                fail(format!(
                    "Member must satisfy regular expression pattern: {}",
                    p.source
                ));
            }
            check_length(value.chars().count(), *min, *max, &mut fail);
        }
        Shape::Int { min, max } => {
            let value = i64::from(parse_int(params.get(wire).unwrap_or_default())?);
            let mut fail = |rule: String| {
                failures.push(format!(
                    "Value '{value}' at '{path}' failed to satisfy constraint: {rule}"
                ))
            };
            if let Some(min) = min.filter(|m| value < *m) {
                fail(format!(
                    "Member must have value greater than or equal to {min}"
                ));
            } else if let Some(max) = max.filter(|m| value > *m) {
                fail(format!(
                    "Member must have value less than or equal to {max}"
                ));
            }
        }
        Shape::List { member, min, max } => {
            let count = list_len(member, wire, params);
            let mut fail = |rule: String| {
                failures.push(format!(
                    "Value '[{count} items]' at '{path}' failed to satisfy constraint: {rule}"
                ))
            };
            check_length(count, *min, *max, &mut fail);
            // Past the list's maximum, AWS has already said enough; do not walk a huge list.
            let walk = count.min(max.map_or(usize::MAX, |m| m as usize));
            for i in 1..=walk {
                let item_wire = format!("{wire}.member.{i}");
                let item_path = format!("{path}.{i}.member");
                match member {
                    Shape::Struct(fields) => walk_members(
                        fields,
                        &format!("{item_wire}."),
                        &format!("{item_path}."),
                        params,
                        failures,
                    )?,
                    _ => walk_shape(member, &item_wire, &item_path, params, failures)?,
                }
            }
        }
        Shape::Struct(fields) => walk_members(
            fields,
            &format!("{wire}."),
            &format!("{path}."),
            params,
            failures,
        )?,
    }
    Ok(())
}

fn check_length(len: usize, min: Option<u32>, max: Option<u32>, fail: &mut impl FnMut(String)) {
    if let Some(min) = min.filter(|m| len < *m as usize) {
        fail(format!(
            "Member must have length greater than or equal to {min}"
        ));
    }
    if let Some(max) = max.filter(|m| len > *m as usize) {
        fail(format!(
            "Member must have length less than or equal to {max}"
        ));
    }
}

/// Whether any parameter of this member was sent. Hash lookups only: no scan over all parameters.
fn present(shape: &Shape, wire: &str, params: &Params) -> bool {
    match shape {
        Shape::Str { .. } | Shape::Int { .. } => params.contains(wire),
        Shape::List { member, .. } => item_present(member, &format!("{wire}.member.1"), params),
        Shape::Struct(fields) => fields
            .iter()
            .any(|f| present(f.shape, &format!("{wire}.{}", f.name), params)),
    }
}

fn item_present(member: &Shape, item_wire: &str, params: &Params) -> bool {
    present(member, item_wire, params)
}

/// Items of a list, counted from `.member.1` up to the first gap.
fn list_len(member: &Shape, wire: &str, params: &Params) -> usize {
    (1..)
        .take_while(|i| item_present(member, &format!("{wire}.member.{i}"), params))
        .count()
}

/// `RoleArn` -> `roleArn`, as AWS names members in validation messages.
fn lower_first(name: &str) -> String {
    let mut chars = name.chars();
    match chars.next() {
        Some(first) => first.to_ascii_lowercase().to_string() + chars.as_str(),
        None => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::operation;

    fn check(op: &str, body: &str) -> Result<(), String> {
        let op = operation(op).ok_or("no such op")?;
        validate(op, &Params::from_urlencoded(body.as_bytes()))
            .map_err(|e| e.message.unwrap_or_default().into_owned())
    }

    #[test]
    fn missing_required_members_in_model_order() {
        assert_eq!(
            check("AssumeRole", "").unwrap_err(),
            "2 validation errors detected: Value null at 'roleArn' failed to satisfy constraint: \
             Member must not be null; Value null at 'roleSessionName' failed to satisfy constraint: \
             Member must not be null"
        );
    }

    #[test]
    fn pattern_comes_before_length() {
        assert_eq!(
            check("AssumeRole", "RoleArn=&RoleSessionName=ok").unwrap_err(),
            "2 validation errors detected: Value '' at 'roleArn' failed to satisfy constraint: \
             Member must satisfy regular expression pattern: [\\u0009\\u000A\\u000D\\u0020-\\u007E\\u0085\\u00A0-\\uD7FF\\uE000-\\uFFFD\\u10000-\\u10FFFF]+; \
             Value '' at 'roleArn' failed to satisfy constraint: Member must have length greater than or equal to 20"
        );
    }

    #[test]
    fn ranges_lists_and_nested_members() {
        let arn = "RoleArn=arn:aws:iam::123456789012:role/r&RoleSessionName=s1";
        assert_eq!(
            check("AssumeRole", &format!("{arn}&DurationSeconds=43201")).unwrap_err(),
            "1 validation error detected: Value '43201' at 'durationSeconds' failed to satisfy \
             constraint: Member must have value less than or equal to 43200"
        );
        assert_eq!(
            check("AssumeRole", &format!("{arn}&Tags.member.1.Key=k")).unwrap_err(),
            "1 validation error detected: Value null at 'tags.1.member.value' failed to satisfy \
             constraint: Member must not be null"
        );
        assert!(
            check(
                "AssumeRole",
                &format!("{arn}&Tags.member.1.Key=k&Tags.member.1.Value=")
            )
            .is_ok()
        );
        let many: String = (1..=51)
            .map(|i| format!("&TransitiveTagKeys.member.{i}=k{i}"))
            .collect();
        assert!(check("AssumeRole", &format!("{arn}{many}")).unwrap_err().contains(
            "at 'transitiveTagKeys' failed to satisfy constraint: Member must have length less than or equal to 50"
        ));
    }

    #[test]
    fn malformed_integer_is_its_own_error() {
        let op = operation("GetSessionToken").unwrap();
        let err = validate(op, &Params::from_urlencoded(b"DurationSeconds=abc")).unwrap_err();
        assert_eq!(err.code, crate::error::ErrorCode::MalformedInput);
        assert!(check("GetSessionToken", "DurationSeconds=%2B900").is_ok());
    }

    #[test]
    fn sensitive_values_are_not_echoed() {
        let err = check(
            "AssumeRoleWithWebIdentity",
            "RoleArn=arn:aws:iam::123456789012:role/r&RoleSessionName=s1&WebIdentityToken=abc",
        )
        .unwrap_err();
        assert!(err.contains("Value at 'webIdentityToken' failed"), "{err}");
    }
}
