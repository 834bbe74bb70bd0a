//! The `"key": value` pairs of a JSON answer (`Accept: application/json`), at any depth, with
//! where each value's text is: what redaction replaces, replay rebases and reads handed-out keys
//! from. A small scanner over the bytes, so the answer's other bytes stay exactly as they were.

use std::ops::Range;

/// What a pair's value is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Value {
    /// A string: `at` is its content between the quotes, escapes and all.
    String,
    /// A number, `true`, `false` or `null`: `at` is its text.
    Scalar,
    /// An object or an array: `at` is where it opens.
    Nested,
}

/// One pair: its key (unescaped when it had no escapes; keys of STS answers have none), what its
/// value is, and where.
#[derive(Debug, Clone)]
pub struct Pair<'a> {
    pub key: &'a str,
    pub value: Value,
    pub at: Range<usize>,
}

/// Whether `body` is a JSON answer (an object or a list first), not XML: what the answer is,
/// whatever the request asked for (an upstream may ignore `Accept`).
pub fn is_json(body: &[u8]) -> bool {
    matches!(body.trim_ascii_start().first(), Some(b'{' | b'['))
}

/// The end of the string whose content starts at `start` (the index of its closing quote).
fn string_end(bytes: &[u8], start: usize) -> Result<usize, String> {
    let mut i = start;
    while i < bytes.len() {
        match bytes[i] {
            b'\\' => i += 2,
            b'"' => return Ok(i),
            _ => i += 1,
        }
    }
    Err("the JSON answer ends inside a string".to_owned())
}

fn skip_space(bytes: &[u8], mut i: usize) -> usize {
    while i < bytes.len() && bytes[i].is_ascii_whitespace() {
        i += 1;
    }
    i
}

/// Every pair of `body`, in order; an error when the body is not JSON this can read (a string
/// left open, a key without a value).
pub fn pairs(body: &str) -> Result<Vec<Pair<'_>>, String> {
    let bytes = body.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] != b'"' {
            i += 1;
            continue;
        }
        let start = i + 1;
        let end = string_end(bytes, start)?;
        let colon = skip_space(bytes, end + 1);
        if bytes.get(colon) != Some(&b':') {
            // A string value (or an array element), not a key.
            i = end + 1;
            continue;
        }
        let key = &body[start..end];
        let value_at = skip_space(bytes, colon + 1);
        match bytes.get(value_at) {
            Some(b'"') => {
                let value_end = string_end(bytes, value_at + 1)?;
                out.push(Pair {
                    key,
                    value: Value::String,
                    at: value_at + 1..value_end,
                });
                i = value_end + 1;
            }
            Some(b'{' | b'[') => {
                out.push(Pair {
                    key,
                    value: Value::Nested,
                    at: value_at..value_at + 1,
                });
                i = value_at + 1;
            }
            Some(_) => {
                let length = bytes[value_at..]
                    .iter()
                    .position(|b| matches!(b, b',' | b'}' | b']') || b.is_ascii_whitespace())
                    .unwrap_or(bytes.len() - value_at);
                out.push(Pair {
                    key,
                    value: Value::Scalar,
                    at: value_at..value_at + length,
                });
                i = value_at + length;
            }
            None => return Err(format!("the JSON key {key:?} has no value")),
        }
    }
    Ok(out)
}

/// The string values of `key` in `body` (unreadable JSON has none).
pub fn string_values(body: &str, key: &str) -> Vec<String> {
    pairs(body)
        .unwrap_or_default()
        .into_iter()
        .filter(|p| p.key == key && p.value == Value::String)
        .map(|p| body[p.at].to_owned())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pairs_at_any_depth_with_their_places() {
        let body =
            r#"{"R":{"C":{"AccessKeyId":"ASIA1","Expiration":1.7E9,"M":"a\"b:c"},"L":["x","y"]}}"#;
        let found: Vec<(&str, Value, &str)> = pairs(body)
            .unwrap()
            .into_iter()
            .map(|p| (p.key, p.value, &body[p.at]))
            .collect();
        assert_eq!(
            found,
            [
                ("R", Value::Nested, "{"),
                ("C", Value::Nested, "{"),
                ("AccessKeyId", Value::String, "ASIA1"),
                ("Expiration", Value::Scalar, "1.7E9"),
                ("M", Value::String, r#"a\"b:c"#),
                ("L", Value::Nested, "["),
            ]
        );
        assert_eq!(string_values(body, "AccessKeyId"), ["ASIA1"]);
    }

    #[test]
    fn a_string_left_open_is_an_error() {
        assert!(pairs(r#"{"A":"b"#).is_err());
        assert!(pairs(r#"{"A":"#).is_err());
        // Escaped JSON inside a string is text, not pairs.
        assert_eq!(pairs(r#"{"M":"{\"Expiration\":1}"}"#).unwrap().len(), 1);
    }
}
