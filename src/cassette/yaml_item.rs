//! One interaction of a YAML cassette read by hand, when it is exactly as this store writes it:
//! the keys in the writer's order at the writer's indentation, each value a plain or
//! single-quoted scalar on its own line (or `[]` for an empty list). Anything else (a double
//! quote, a folded line, a comment, a key out of place) gives `None`, and serde_yaml reads the
//! item instead. What this store writes reads the same both ways (tested).
//!
//! ```yaml
//! - request:
//!     action: AssumeRole
//!     version: 2011-06-15
//!     method: POST
//!     format: xml
//!     identity: base
//!     parameters:
//!     - - RoleArn
//!       - arn:aws:iam::123456789012:role/app
//!   ordinal: 0
//!   recorded_at: 2026-12-01T22:55:00Z
//!   response:
//!     status: 200
//!     headers:
//!     - - content-type
//!       - text/xml
//! ```
//! (the `body: |` block that follows is taken out before, by `yaml_bulk`).

use std::str::Lines;

use super::model::{Interaction, RecordedRequest, RecordedResponse};

/// The item `head` (without its body block) as an interaction whose body is empty.
pub fn read(head: &str) -> Option<Interaction> {
    let mut lines = head.lines();
    expect(&mut lines, "- request:")?;
    let action = value(&mut lines, "    action: ")?;
    let version = value(&mut lines, "    version: ")?;
    let method = value(&mut lines, "    method: ")?;
    let format = value(&mut lines, "    format: ")?;
    let identity = value(&mut lines, "    identity: ")?;
    let (parameters, next) = pairs(&mut lines, "    parameters:")?;
    let ordinal = number(next.strip_prefix("  ordinal: ")?)?;
    let recorded_at = value(&mut lines, "  recorded_at: ")?;
    expect(&mut lines, "  response:")?;
    let status = number(lines.next()?.strip_prefix("    status: ")?)?;
    let (headers, next) = pairs(&mut lines, "    headers:")?;
    if !next.is_empty() || lines.next().is_some() {
        return None;
    }
    Some(Interaction {
        request: RecordedRequest {
            action,
            version,
            method,
            format,
            identity,
            parameters,
        },
        ordinal,
        recorded_at,
        response: RecordedResponse {
            status,
            headers,
            body: String::new(),
        },
    })
}

/// A number as serde_yaml writes one: digits, no sign, no leading zero (`007` is a string to
/// YAML).
fn number<T: std::str::FromStr>(text: &str) -> Option<T> {
    let digits = !text.is_empty() && text.bytes().all(|b| b.is_ascii_digit());
    if digits && (text == "0" || !text.starts_with('0')) {
        text.parse().ok()
    } else {
        None
    }
}

fn expect(lines: &mut Lines<'_>, line: &str) -> Option<()> {
    (lines.next()? == line).then_some(())
}

/// The scalar of the line `key` begins.
fn value(lines: &mut Lines<'_>, key: &str) -> Option<String> {
    scalar(lines.next()?.strip_prefix(key)?)
}

/// A list of (name, value) pairs under `key` (`key []` when empty), and the line after it (empty
/// at the end of the head).
fn pairs<'a>(lines: &mut Lines<'a>, key: &str) -> Option<(Vec<(String, String)>, &'a str)> {
    let first = lines.next()?.strip_prefix(key)?;
    let mut out = Vec::new();
    if first == " []" {
        return Some((out, lines.next().unwrap_or("")));
    }
    if !first.is_empty() {
        return None;
    }
    loop {
        let line = lines.next().unwrap_or("");
        let Some(name) = line.strip_prefix("    - - ") else {
            return (!out.is_empty()).then_some((out, line));
        };
        let value = lines.next()?.strip_prefix("      - ")?;
        out.push((scalar(name)?, scalar(value)?));
    }
}

/// A scalar written on one line: single-quoted (`''` is a quote) or plain, when plain means the
/// text itself to serde_yaml too.
fn scalar(text: &str) -> Option<String> {
    if let Some(quoted) = text.strip_prefix('\'') {
        let inner = quoted.strip_suffix('\'')?;
        // Printable ASCII only inside the quotes too: a line break or a control character
        // means something else to YAML.
        if !printable(inner) {
            return None;
        }
        // Every quote inside comes in pairs (an odd one would have ended the scalar).
        let mut out = String::with_capacity(inner.len());
        let mut rest = inner;
        while let Some(at) = rest.find('\'') {
            if rest[at + 1..].starts_with('\'') {
                out.push_str(&rest[..at + 1]);
                rest = &rest[at + 2..];
            } else {
                return None;
            }
        }
        out.push_str(rest);
        return Some(out);
    }
    plain(text).then(|| text.to_owned())
}

/// Whether `text` is a plain scalar that reads back as itself: no indicator first, no `: ` or
/// ` #` inside, no space at either end, nothing a parser treats as null, and printable ASCII
/// only (anything rarer is left to serde_yaml).
fn plain(text: &str) -> bool {
    let Some(first) = text.bytes().next() else {
        return false;
    };
    let indicator = b"-?:,[]{}#&*!|>'\"%@`".contains(&first);
    // `-x`, `?x` and `:x` are plain, but rare here: serde_yaml decides them.
    !indicator
        && first != b' '
        && !text.ends_with([' ', ':'])
        && !text.contains(": ")
        && !text.contains(" #")
        && !matches!(text, "~" | "null" | "Null" | "NULL")
        && printable(text)
}

fn printable(text: &str) -> bool {
    text.bytes().all(|b| (0x20..0x7f).contains(&b))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cassette::model::sample;

    /// The item serde_yaml writes for `interaction`, without its body block.
    fn head_of(interaction: &Interaction) -> String {
        let text = serde_yaml::to_string(&vec![interaction]).unwrap();
        let at = text.find("\n    body:").unwrap();
        text[..at].to_owned()
    }

    #[test]
    fn reads_what_serde_yaml_reads_or_leaves_it() {
        let values = [
            "plain",
            "2011-06-15",
            "arn:aws:iam::123456789012:role/app",
            "it's",
            "a: b",
            "x #y",
            "#x",
            "-x",
            "- x",
            "",
            " lead",
            "trail ",
            "true",
            "123",
            "1e3",
            "null",
            "~",
            "'",
            "''",
            "\"q\"",
            "tab\there",
            "new\nline",
            "ünï",
            "{\"Version\": \"2012-10-17\", \"Statement\": []}",
            &"long words ".repeat(20),
            "[a]",
            "*ref",
            "&anchor",
            "!tag",
            "%x",
            "@x",
            "a:b",
            "a:",
            "?",
            ":",
        ];
        let mut read_by_hand = 0;
        for value in values {
            let mut interaction = sample(7);
            interaction.response.body = String::new();
            interaction.request.parameters = vec![
                ("Policy".into(), value.to_owned()),
                (value.to_owned(), "v".into()),
            ];
            interaction.response.headers = vec![("x-h".into(), value.to_owned())];
            interaction.recorded_at = value.to_owned();
            let head = head_of(&interaction);
            match read(&head) {
                Some(read) => {
                    assert_eq!(read, interaction, "{head}");
                    read_by_hand += 1;
                }
                None => {
                    // Left to serde_yaml, which reads it.
                    let text = format!("{head}\n    body: ''\n");
                    let parsed: Vec<Interaction> = serde_yaml::from_str(&text).unwrap();
                    assert_eq!(parsed[0], interaction, "{head}");
                }
            }
        }
        assert!(read_by_hand >= 10, "{read_by_hand}");
        // Empty lists, and the sample as written.
        let mut empty = sample(1);
        empty.response.body = String::new();
        empty.request.parameters.clear();
        empty.response.headers.clear();
        assert_eq!(read(&head_of(&empty)), Some(empty));
    }

    /// Hand edits (random bytes put into the item, as a person's editor might): whenever the
    /// item still reads by hand, serde_yaml reads the same.
    #[test]
    fn an_edited_item_read_by_hand_is_what_serde_yaml_reads() {
        let mut interaction = sample(3);
        interaction.response.body = String::new();
        interaction.request.parameters = vec![("RoleArn".into(), "arn:aws:iam::1:role/a b".into())];
        let head = head_of(&interaction);
        const EDITS: &[u8] = b" :#'-0a\n\t\"~+.";
        let mut next = crate::test_random::xorshift(0x2545_f491_4f6c_dd1d_u64);
        let mut compared = 0;
        for _ in 0..5_000 {
            let mut text = head.clone().into_bytes();
            for _ in 0..1 + next() % 2 {
                let at = (next() % text.len() as u64) as usize;
                let byte = EDITS[(next() % EDITS.len() as u64) as usize];
                if next().is_multiple_of(2) {
                    text[at] = byte;
                } else {
                    text.insert(at, byte);
                }
            }
            let Ok(text) = String::from_utf8(text) else {
                continue;
            };
            if let Some(by_hand) = read(&text) {
                let whole = format!("{text}\n    body: ''\n");
                let parsed: Vec<Interaction> = serde_yaml::from_str(&whole).unwrap_or_else(|e| {
                    panic!("serde_yaml refuses what was read by hand: {e}\n{text}")
                });
                assert_eq!(parsed.first(), Some(&by_hand), "{text}");
                compared += 1;
            }
        }
        assert!(compared > 100, "{compared}");
    }

    #[test]
    fn anything_out_of_place_is_left_to_serde_yaml() {
        let mut interaction = sample(2);
        interaction.response.body = String::new();
        let head = head_of(&interaction);
        assert!(read(&head).is_some());
        for changed in [
            head.replace("    method:", "    methods:"),
            head.replace("  ordinal: 2", "  ordinal: two"),
            head.replace("  ordinal: 2\n", ""),
            format!("{head}\n  extra: 1"),
            head.replace("- request:", "- request: # c"),
            head.replace("    status: 200", "    status: 200 # c"),
            head.replace("    status: 200", "    status: 0200"),
            head.replace("    status: 200", "    status: +200"),
            head.replace(
                "    action: GetCallerIdentity",
                "    action:  GetCallerIdentity",
            ),
            head.replace("    action: GetCallerIdentity", "    action: 'Get\rCaller'"),
        ] {
            assert_eq!(read(&changed), None, "{changed}");
        }
    }
}
