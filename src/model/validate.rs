//! Validation of a request against the model table, in AWS's grammar:
//! `{N} validation error{s} detected: ` + failures joined by `; `, each
//! `Value {v} at '{member}' failed to satisfy constraint: {rule}`.
//! Members are checked in model order; within one member the pattern comes before the lengths.
//! Integers are parsed first: an unparsable one is a `MalformedInput` error on its own.

use std::fmt::Write;

use super::Parameters;
use super::integer::parse_int;
use super::shape::{Member, Operation, Shape};
use crate::decimal;
use crate::error::StsError;

/// Items of a list without a modelled maximum that are checked one by one.
const UNBOUNDED_LIST_WALK: usize = 100;

/// Checks every member of `op` in `params`. `Ok(())` means every constraint of the model holds.
pub fn validate(op: &Operation, params: &impl Parameters) -> Result<(), StsError> {
    if op.input.is_empty() {
        return Ok(());
    }
    let mut walk = Walk {
        params,
        name_starts: params
            .names()
            .fold(0, |set, name| set | first_byte_bit(name)),
        failures: Vec::new(),
        wire: String::with_capacity(64),
        path: String::with_capacity(64),
    };
    walk.members(op.input)?;
    let failures = walk.failures;
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

/// One of 64 bits for the name's first byte (none for an empty name).
fn first_byte_bit(name: &str) -> u64 {
    name.as_bytes().first().map_or(0, |b| 1 << (b & 63))
}

/// A walk over the model, with the current parameter name (`Tags.member.1.Key`) and message path
/// (`tags.1.member.key`) kept in two reused buffers: a valid request allocates nothing per member.
struct Walk<'p, P> {
    params: &'p P,
    /// `first_byte_bit` of every parameter name, or-ed: a member whose bit is not in it has no
    /// parameter (a cheap first test; a set bit still needs the scan).
    name_starts: u64,
    failures: Vec<String>,
    wire: String,
    path: String,
}

impl<P: Parameters> Walk<'_, P> {
    fn members(&mut self, members: &[Member]) -> Result<(), StsError> {
        let top_level = self.wire.is_empty();
        for member in members {
            // A top-level member is present only if some parameter is named after it or starts
            // with its name and a dot: most optional members are absent, and this one pass over
            // the (few) names avoids building and looking up their item names.
            if top_level
                && !member.required
                && (self.name_starts & first_byte_bit(member.name) == 0
                    || !self.params.names().any(|n| {
                        n.strip_prefix(member.name)
                            .is_some_and(|rest| rest.is_empty() || rest.starts_with('.'))
                    }))
            {
                continue;
            }
            let (wire_len, path_len) = (self.wire.len(), self.path.len());
            self.wire.push_str(member.name);
            push_lower_first(&mut self.path, member.name);
            if present(member.shape, &mut self.wire, self.params) {
                self.shape(member.shape)?;
            } else if member.required {
                self.failures.push(format!(
                    "Value null at '{}' failed to satisfy constraint: Member must not be null",
                    self.path
                ));
            }
            self.wire.truncate(wire_len);
            self.path.truncate(path_len);
        }
        Ok(())
    }

    fn shape(&mut self, shape: &Shape) -> Result<(), StsError> {
        match shape {
            Shape::Str {
                min,
                max,
                pattern,
                sensitive,
            } => {
                let value = self.params.get(&self.wire).unwrap_or_default();
                let mut rules = Vec::new();
                if let Some(p) = pattern.filter(|p| !p.matches(value)) {
                    rules.push(format!(
                        "Member must satisfy regular expression pattern: {}",
                        p.source
                    ));
                }
                length_rules(value.chars().count(), *min, *max, &mut rules);
                self.fail(rules, || {
                    if *sensitive {
                        String::new()
                    } else {
                        format!(" '{value}'")
                    }
                });
            }
            Shape::Int { min, max } => {
                let value = i64::from(parse_int(self.params.get(&self.wire).unwrap_or_default())?);
                let mut rules = Vec::new();
                if let Some(min) = min.filter(|m| value < *m) {
                    rules.push(format!(
                        "Member must have value greater than or equal to {min}"
                    ));
                } else if let Some(max) = max.filter(|m| value > *m) {
                    rules.push(format!(
                        "Member must have value less than or equal to {max}"
                    ));
                }
                self.fail(rules, || format!(" '{value}'"));
            }
            Shape::List { member, min, max } => {
                let count = list_len(member, &mut self.wire, self.params);
                let mut rules = Vec::new();
                length_rules(count, *min, *max, &mut rules);
                self.fail(rules, || format!(" '[{count} items]'"));
                // Past the list's maximum, AWS has already said enough; and an unbounded list
                // (PolicyArns) is walked only so far, so a huge body cannot grow a huge message.
                let walk = count.min(max.map_or(UNBOUNDED_LIST_WALK, |m| m as usize));
                for i in 1..=walk {
                    let (wire_len, path_len) = (self.wire.len(), self.path.len());
                    push_item(&mut self.wire, i);
                    let _ = write!(self.path, ".{i}.member");
                    match member {
                        Shape::Struct(fields) => {
                            self.wire.push('.');
                            self.path.push('.');
                            self.members(fields)?;
                        }
                        _ => self.shape(member)?,
                    }
                    self.wire.truncate(wire_len);
                    self.path.truncate(path_len);
                }
            }
            Shape::Struct(fields) => {
                self.wire.push('.');
                self.path.push('.');
                self.members(fields)?;
            }
        }
        Ok(())
    }

    /// Records one failure per broken rule of the current member; `shown` renders the value.
    fn fail(&mut self, rules: Vec<String>, shown: impl FnOnce() -> String) {
        if rules.is_empty() {
            return;
        }
        let shown = shown();
        for rule in rules {
            self.failures.push(format!(
                "Value{shown} at '{}' failed to satisfy constraint: {rule}",
                self.path
            ));
        }
    }
}

fn length_rules(len: usize, min: Option<u32>, max: Option<u32>, rules: &mut Vec<String>) {
    if let Some(min) = min.filter(|m| len < *m as usize) {
        rules.push(format!(
            "Member must have length greater than or equal to {min}"
        ));
    }
    if let Some(max) = max.filter(|m| len > *m as usize) {
        rules.push(format!(
            "Member must have length less than or equal to {max}"
        ));
    }
}

/// Whether any parameter of this member was sent; `wire` is its name and is left as it was found.
/// Hash lookups only: no scan over all parameters.
fn present(shape: &Shape, wire: &mut String, params: &impl Parameters) -> bool {
    let len = wire.len();
    let found = match shape {
        Shape::Str { .. } | Shape::Int { .. } => params.contains(wire),
        Shape::List { member, .. } => {
            push_item(wire, 1);
            present(member, wire, params)
        }
        Shape::Struct(fields) => fields.iter().any(|f| {
            let len = wire.len();
            wire.push('.');
            wire.push_str(f.name);
            let found = present(f.shape, wire, params);
            wire.truncate(len);
            found
        }),
    };
    wire.truncate(len);
    found
}

/// `{wire}.member.{i}`
fn push_item(wire: &mut String, i: usize) {
    wire.push_str(".member.");
    decimal::push(wire, i);
}

/// Items of a list, counted from `.member.1` up to the first gap.
fn list_len(member: &Shape, wire: &mut String, params: &impl Parameters) -> usize {
    let mut count = 0;
    loop {
        let len = wire.len();
        push_item(wire, count + 1);
        let found = present(member, wire, params);
        wire.truncate(len);
        if !found {
            return count;
        }
        count += 1;
    }
}

/// `RoleArn` -> `roleArn`, as AWS names members in validation messages.
fn push_lower_first(out: &mut String, name: &str) {
    let mut chars = name.chars();
    if let Some(first) = chars.next() {
        out.push(first.to_ascii_lowercase());
        out.push_str(chars.as_str());
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::operation;

    /// Form-decoded parameters, first occurrence first (the model knows no wire type).
    struct Form(Vec<(String, String)>);

    impl Parameters for Form {
        fn get(&self, name: &str) -> Option<&str> {
            self.0
                .iter()
                .find(|(n, _)| n == name)
                .map(|(_, v)| v.as_str())
        }

        fn names(&self) -> impl Iterator<Item = &str> {
            self.0.iter().map(|(n, _)| n.as_str())
        }
    }

    fn form(body: &[u8]) -> Form {
        Form(
            form_urlencoded::parse(body)
                .map(|(n, v)| (n.into_owned(), v.into_owned()))
                .collect(),
        )
    }

    fn check(op: &str, body: &str) -> Result<(), String> {
        let op = operation(op).ok_or("no such op")?;
        validate(op, &form(body.as_bytes())).map_err(|e| e.message.unwrap_or_default().into_owned())
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
        let err = validate(op, &form(b"DurationSeconds=abc")).unwrap_err();
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
