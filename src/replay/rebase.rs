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
    /// Epoch seconds as `D.DDDE9`: at least `digits` after the point, the exponent letter `e`
    /// or `E`.
    Scientific { digits: usize, letter: u8 },
    /// Epoch seconds and a fraction of `digits` digits (kept as recorded).
    Decimal { fraction: u32, digits: usize },
}

/// Times this rebases: epoch seconds from 1970 to the year 33658 (anything else stays as
/// recorded).
const LATEST: i64 = 1_000_000_000_000;

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
        let seconds: i64 = text.parse().ok()?;
        return (seconds < LATEST).then_some((seconds, Form::Integer));
    }
    if let Some((whole, fraction)) = text.split_once('.')
        && !whole.is_empty()
        && whole.bytes().all(|b| b.is_ascii_digit())
        && (1..=9).contains(&fraction.len())
        && fraction.bytes().all(|b| b.is_ascii_digit())
    {
        let seconds: i64 = whole.parse().ok()?;
        let form = Form::Decimal {
            fraction: fraction.parse().ok()?,
            digits: fraction.len(),
        };
        return (seconds < LATEST).then_some((seconds, form));
    }
    let e = text.find(['e', 'E'])?;
    let value: f64 = text.parse().ok()?;
    if !value.is_finite() || !(0.0..LATEST as f64).contains(&value) {
        return None;
    }
    let mantissa = &text[..e];
    let digits = mantissa.find('.').map_or(0, |dot| mantissa.len() - dot - 1);
    let form = Form::Scientific {
        digits,
        letter: text.as_bytes()[e],
    };
    Some((value.floor() as i64, form))
}

/// `seconds` written in `form`. Scientific notation is written exactly (every digit the value
/// needs, at least as many as recorded), as Java's `Double.toString` does for whole seconds.
fn write(seconds: i64, form: Form) -> String {
    match form {
        Form::Rfc3339 => iso8601_seconds(seconds),
        Form::Integer => seconds.to_string(),
        Form::Decimal { fraction, digits } => format!("{seconds}.{fraction:0digits$}"),
        Form::Scientific { digits, letter } => {
            let all = seconds.to_string();
            let (first, rest) = all.split_at(1);
            let mut rest = rest.trim_end_matches('0').to_owned();
            while rest.len() < digits.max(1) {
                rest.push('0');
            }
            format!("{first}.{rest}{}{}", letter as char, all.len() - 1)
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
        let writable = |t: &i64| match span.form {
            // `iso8601_seconds` writes years up to 9999.
            Form::Rfc3339 => (0..253_402_300_800).contains(t),
            _ => (0..LATEST).contains(t),
        };
        match span.seconds.checked_add(seconds).filter(writable) {
            Some(moved) => out.extend_from_slice(write(moved, span.form).as_bytes()),
            // Out of what this writes: as recorded.
            None => out.extend_from_slice(&body[span.at.clone()]),
        }
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
        // Every digit the moved value needs, and the fraction as recorded.
        assert_eq!(
            moved(r#"{"Expiration":1.7645508E9}"#, 1),
            r#"{"Expiration":1.764550801E9}"#
        );
        assert_eq!(
            moved(r#"{"Expiration":1.7645E9}"#, 3600),
            r#"{"Expiration":1.7645036E9}"#
        );
        assert_eq!(
            moved(r#"{"Expiration":1764550800.5}"#, 1),
            r#"{"Expiration":1764550801.5}"#
        );
        // Too large to be a time, or moved out of range: as recorded, no overflow.
        for kept in [
            r#"{"Expiration":9223372036854775807}"#,
            r#"{"Expiration":99999999999999}"#,
        ] {
            assert_eq!(moved(kept, i64::MAX), kept);
        }
        assert_eq!(
            moved(r#"{"Expiration":100}"#, i64::MIN),
            r#"{"Expiration":100}"#
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
