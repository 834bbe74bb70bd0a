//! Where the `Expiration` times of a recorded answer are, and the answer with them moved.
//!
//! XML answers carry `<Expiration>2026-12-01T01:00:00Z</Expiration>`; JSON answers
//! (`Accept: application/json`) carry `"Expiration":` and a number of epoch seconds, written as
//! an integer (`1764550800`), in scientific notation (`1.7645508E9`) or with a fraction. The
//! places are found once, when a cassette loads; a hit only writes the moved times, each in the
//! form it was recorded in.

use std::ops::Range;

use bytes::Bytes;

use crate::cassette::json_pairs::{Value, pairs};
use crate::timestamp::{iso8601_seconds, parse_rfc3339_ms};

/// How a recorded time is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Form {
    /// RFC 3339 in UTC, whole seconds (XML).
    Rfc3339,
    /// Epoch seconds as digits (JSON).
    Integer,
    /// Epoch seconds as `D.DDDE9`: `digits` after the point, the exponent letter `e` or `E`.
    Scientific { digits: usize, letter: u8 },
    /// Epoch seconds with `digits` after a decimal point.
    Decimal { digits: usize },
}

/// One recorded time: where it is in the body, its value and its form.
#[derive(Debug, Clone)]
pub struct Span {
    at: Range<usize>,
    seconds: i64,
    form: Form,
}

/// Every `Expiration` time in `body` that parses (others are answered as recorded).
pub fn expiration_spans(body: &str) -> Vec<Span> {
    if body.trim_start().starts_with('{') {
        json_spans(body)
    } else {
        xml_spans(body)
    }
}

fn xml_spans(body: &str) -> Vec<Span> {
    let (open, close) = ("<Expiration>", "</Expiration>");
    let mut spans = Vec::new();
    let mut at = 0;
    while let Some(found) = body[at..].find(open) {
        let start = at + found + open.len();
        let Some(length) = body[start..].find(close) else {
            break;
        };
        let end = start + length;
        if let Ok(ms) = parse_rfc3339_ms(&body[start..end]) {
            spans.push(Span {
                at: start..end,
                seconds: ms / 1000,
                form: Form::Rfc3339,
            });
        }
        at = end + close.len();
    }
    spans
}

fn json_spans(body: &str) -> Vec<Span> {
    pairs(body)
        .unwrap_or_default()
        .into_iter()
        .filter(|pair| pair.key == "Expiration" && pair.value == Value::Scalar)
        .filter_map(|pair| {
            let (seconds, form) = epoch_number(&body[pair.at.clone()])?;
            Some(Span {
                at: pair.at,
                seconds,
                form,
            })
        })
        .collect()
}

/// A JSON number of epoch seconds and how it is written (`None`: not one this can write back).
fn epoch_number(text: &str) -> Option<(i64, Form)> {
    if !text.is_empty() && text.bytes().all(|b| b.is_ascii_digit()) {
        return Some((text.parse().ok()?, Form::Integer));
    }
    let value: f64 = text.parse().ok()?;
    if !value.is_finite() || !(0.0..1e12).contains(&value) {
        return None;
    }
    let form = match text.find(['e', 'E']) {
        Some(e) => {
            let mantissa = &text[..e];
            let digits = mantissa.find('.').map_or(0, |dot| mantissa.len() - dot - 1);
            Form::Scientific {
                digits,
                letter: text.as_bytes()[e],
            }
        }
        None => Form::Decimal {
            digits: text.find('.').map_or(0, |dot| text.len() - dot - 1),
        },
    };
    Some((value.floor() as i64, form))
}

/// `seconds` written in `form`.
fn write(seconds: i64, form: Form) -> String {
    match form {
        Form::Rfc3339 => iso8601_seconds(seconds),
        Form::Integer => seconds.to_string(),
        Form::Decimal { digits } => format!("{seconds}.{:0digits$}", 0),
        Form::Scientific { digits, letter } => {
            let exponent = seconds.unsigned_abs().checked_ilog10().unwrap_or(0);
            let mantissa = seconds as f64 / 10f64.powi(exponent as i32);
            format!("{mantissa:.digits$}{}{exponent}", letter as char)
        }
    }
}

/// `body` with each span's time moved by `seconds` (the body itself when nothing moves).
pub fn rebased(body: &Bytes, spans: &[Span], seconds: i64) -> Bytes {
    if spans.is_empty() || seconds == 0 {
        return body.clone();
    }
    let mut out = Vec::with_capacity(body.len() + 8);
    let mut copied = 0;
    for span in spans {
        out.extend_from_slice(&body[copied..span.at.start]);
        out.extend_from_slice(write(span.seconds + seconds, span.form).as_bytes());
        copied = span.at.end;
    }
    out.extend_from_slice(&body[copied..]);
    Bytes::from(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn moved(body: &str, seconds: i64) -> Bytes {
        rebased(
            &Bytes::from(body.to_owned()),
            &expiration_spans(body),
            seconds,
        )
    }

    #[test]
    fn xml_expirations_move_and_nothing_else() {
        assert_eq!(
            moved(
                "<A><Expiration>2026-12-01T01:00:00Z</Expiration><B>2026-12-01T01:00:00Z</B></A>",
                3600
            ),
            "<A><Expiration>2026-12-01T02:00:00Z</Expiration><B>2026-12-01T01:00:00Z</B></A>"
        );
        assert_eq!(
            moved(
                "<A><Expiration>soon</Expiration><Expiration>2026-12-01T01:00:00Z</Expiration></A>",
                -3600
            ),
            "<A><Expiration>soon</Expiration><Expiration>2026-12-01T00:00:00Z</Expiration></A>"
        );
    }

    #[test]
    fn json_expirations_move_in_the_form_they_were_recorded_in() {
        assert_eq!(
            moved(r#"{"C":{"Expiration":1764550800,"X":1764550800}}"#, 3600),
            r#"{"C":{"Expiration":1764554400,"X":1764550800}}"#
        );
        assert_eq!(
            moved(r#"{"Expiration": 1.7645508E9}"#, 3600),
            r#"{"Expiration": 1.7645544E9}"#
        );
        assert_eq!(
            moved(r#"{"Expiration":1.764550800e9}"#, 1),
            r#"{"Expiration":1.764550801e9}"#
        );
        assert_eq!(
            moved(r#"{"Expiration":1764550800.000}"#, 60),
            r#"{"Expiration":1764550860.000}"#
        );
        // A string, an escaped key inside a string, and a number out of range stay.
        for kept in [
            r#"{"Expiration":"2026-12-01T01:00:00Z"}"#,
            r#"{"M":"{\"Expiration\":1764550800}"}"#,
            r#"{"Expiration":-1.5}"#,
        ] {
            assert_eq!(moved(kept, 3600), kept);
        }
    }
}
