//! Where the `Expiration` times of a recorded answer are, and the answer with them moved.
//!
//! XML answers carry `<Expiration>2026-12-01T01:00:00Z</Expiration>`; JSON answers
//! (`Accept: application/json`) carry `"Expiration":` and a number of epoch seconds, written as
//! an integer (`1764550800`), in scientific notation (`1.7645508E9`) or with a fraction. The
//! places are found once, when a cassette loads; a hit only writes the moved times, each in the
//! form it was recorded in.

use std::ops::Range;

use bytes::Bytes;

use crate::cassette::json_pairs::{Value, is_json, pairs};
use crate::decimal;
use crate::timestamp::{iso8601_seconds_into, parse_rfc3339_ms};

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

impl Form {
    /// Whether a time of `seconds` can be written in this form: from 1970 to the year 9999 in
    /// RFC 3339 (what `iso8601_seconds_into` writes), to 10^12 seconds as a number. A time out of
    /// it stays as recorded.
    fn writes(self, seconds: i64) -> bool {
        let latest = match self {
            Form::Rfc3339 => 253_402_300_800,
            _ => 1_000_000_000_000,
        };
        (0..latest).contains(&seconds)
    }

    /// `seconds` written in this form onto `out`, with no allocation (a hit writes them).
    /// Scientific notation is written exactly (every digit the value needs, at least as many as
    /// recorded), as Java's `Double.toString` does for whole seconds.
    fn write(self, seconds: i64, out: &mut Vec<u8>) {
        let mut buf = [0u8; 20];
        match self {
            Form::Rfc3339 => out.extend_from_slice(iso8601_seconds_into(seconds, &mut buf)),
            Form::Integer => out.extend_from_slice(decimal::signed(seconds, &mut buf)),
            Form::Decimal { fraction, digits } => {
                out.extend_from_slice(decimal::signed(seconds, &mut buf));
                out.push(b'.');
                let fraction = decimal::digits(u64::from(fraction), &mut buf);
                out.resize(out.len() + digits.saturating_sub(fraction.len()), b'0');
                out.extend_from_slice(fraction);
            }
            Form::Scientific { digits, letter } => {
                let all = decimal::signed(seconds, &mut buf);
                let (first, rest) = all.split_at(1);
                let kept = rest.len() - rest.iter().rev().take_while(|&&d| d == b'0').count();
                out.extend_from_slice(first);
                out.push(b'.');
                out.extend_from_slice(&rest[..kept]);
                out.resize(out.len() + digits.max(1).saturating_sub(kept), b'0');
                out.push(letter);
                let mut exponent = [0u8; 20];
                out.extend_from_slice(decimal::digits(rest.len() as u64, &mut exponent));
            }
        }
    }
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
    if is_json(body.as_bytes()) {
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
        return Form::Integer
            .writes(seconds)
            .then_some((seconds, Form::Integer));
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
        return form.writes(seconds).then_some((seconds, form));
    }
    let e = text.find(['e', 'E'])?;
    let value: f64 = text.parse().ok()?;
    // Finite and in range before the cast (which saturates), so `writes` decides on the value.
    if !(0.0..1e15).contains(&value) {
        return None;
    }
    let mantissa = &text[..e];
    let digits = mantissa.find('.').map_or(0, |dot| mantissa.len() - dot - 1);
    let form = Form::Scientific {
        digits,
        letter: text.as_bytes()[e],
    };
    let seconds = value.floor() as i64;
    form.writes(seconds).then_some((seconds, form))
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
        match span.seconds.checked_add(seconds) {
            Some(moved) if span.form.writes(moved) => span.form.write(moved, &mut out),
            // Out of what this form writes: as recorded.
            _ => out.extend_from_slice(&body[span.at.clone()]),
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
        // (recorded, moved by, answered)
        let cases = [
            // Only Expiration moves.
            (
                r#"{"C":{"Expiration":1764550800,"X":1764550800}}"#,
                3600,
                r#"{"C":{"Expiration":1764554400,"X":1764550800}}"#,
            ),
            (
                r#"{"Expiration": 1.7645508E9}"#,
                3600,
                r#"{"Expiration": 1.7645544E9}"#,
            ),
            (
                r#"{"Expiration":1.764550800e9}"#,
                1,
                r#"{"Expiration":1.764550801e9}"#,
            ),
            // Every digit the moved value needs; a fraction as recorded.
            (
                r#"{"Expiration":1.7645508E9}"#,
                1,
                r#"{"Expiration":1.764550801E9}"#,
            ),
            (
                r#"{"Expiration":1.7645E9}"#,
                3600,
                r#"{"Expiration":1.7645036E9}"#,
            ),
            (
                r#"{"Expiration":1764550800.000}"#,
                60,
                r#"{"Expiration":1764550860.000}"#,
            ),
            (
                r#"{"Expiration":1764550800.05}"#,
                1,
                r#"{"Expiration":1764550801.05}"#,
            ),
        ];
        for (recorded, seconds, answered) in cases {
            assert_eq!(moved(recorded, seconds), answered, "{recorded}");
        }
        // As recorded: too large to be a time, moved out of range (no overflow), a string, an
        // escaped key inside a string, a negative number.
        let kept = [
            (r#"{"Expiration":9223372036854775807}"#, i64::MAX),
            (r#"{"Expiration":99999999999999}"#, 1),
            (r#"{"Expiration":1.0E300}"#, 1),
            (r#"{"Expiration":100}"#, i64::MIN),
            (r#"{"Expiration":100}"#, i64::MAX),
            (r#"{"Expiration":"2026-12-01T01:00:00Z"}"#, 3600),
            (r#"{"M":"{\"Expiration\":1764550800}"}"#, 3600),
            (r#"{"Expiration":-1.5}"#, 3600),
        ];
        for (recorded, seconds) in kept {
            assert_eq!(moved(recorded, seconds), recorded, "{recorded}");
        }
    }
}
