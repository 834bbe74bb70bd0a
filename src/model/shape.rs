//! The types the generated model table is made of.

use std::sync::OnceLock;

use regex::Regex;

/// One operation's input: its members in model order and whether it must be SigV4-signed.
#[derive(Debug)]
pub struct Operation {
    pub name: &'static str,
    /// `false` for AssumeRoleWithWebIdentity and AssumeRoleWithSAML (`smithy.api#noAuth`).
    pub signed: bool,
    pub input: &'static [Member],
}

#[derive(Debug)]
pub struct Member {
    /// The wire name (`RoleArn`, `Key`, `arn`).
    pub name: &'static str,
    pub required: bool,
    pub shape: &'static Shape,
}

#[derive(Debug)]
pub enum Shape {
    Str {
        min: Option<u32>,
        max: Option<u32>,
        pattern: Option<&'static Pattern>,
        /// Sensitive values are not echoed in validation messages.
        sensitive: bool,
    },
    Int {
        min: Option<i64>,
        max: Option<i64>,
    },
    List {
        member: &'static Shape,
        min: Option<u32>,
        max: Option<u32>,
    },
    Struct(&'static [Member]),
}

/// A model pattern: printed verbatim in messages, matched with Java's semantics (AWS runs Java regexes).
#[derive(Debug)]
pub struct Pattern {
    pub source: &'static str,
    compiled: OnceLock<Option<Compiled>>,
}

#[derive(Debug)]
struct Compiled {
    regex: Regex,
    /// For a pattern that is one character class repeated (`[...]*` or `[...]+`, as every model
    /// pattern is): which ASCII characters the class holds, so ASCII values skip the regex.
    ascii: Option<AsciiClass>,
}

#[derive(Debug)]
struct AsciiClass {
    allowed: u128,
    at_least_one: bool,
}

impl AsciiClass {
    /// `Some` when `source` (Java dialect) is `[...]*` or `[...]+` with no nested brackets.
    fn of(source: &str) -> Option<AsciiClass> {
        let (class, at_least_one) = match source.strip_suffix('*') {
            Some(class) => (class, false),
            None => (source.strip_suffix('+')?, true),
        };
        let inner = class.strip_prefix('[')?.strip_suffix(']')?;
        if inner.contains(['[', ']']) {
            return None;
        }
        let one = Regex::new(&java_to_rust(class)).ok()?;
        let mut allowed = 0u128;
        let mut buf = [0u8; 4];
        for c in 0u8..128 {
            if one.is_match(char::from(c).encode_utf8(&mut buf)) {
                allowed |= 1 << c;
            }
        }
        Some(AsciiClass {
            allowed,
            at_least_one,
        })
    }

    /// `None` when `value` is not all ASCII (the regex decides then).
    fn matches(&self, value: &str) -> Option<bool> {
        let mut ok = !(self.at_least_one && value.is_empty());
        for b in value.bytes() {
            if b >= 128 {
                return None;
            }
            ok &= self.allowed & (1 << b) != 0;
        }
        Some(ok)
    }
}

impl Pattern {
    pub const fn new(source: &'static str) -> Pattern {
        Pattern {
            source,
            compiled: OnceLock::new(),
        }
    }

    /// Whole-value match, as Java's `String.matches`. Compiled once, on first use.
    pub fn matches(&self, value: &str) -> bool {
        match self.compiled.get_or_init(|| {
            Regex::new(&java_to_rust(self.source))
                .ok()
                .map(|regex| Compiled {
                    regex,
                    ascii: AsciiClass::of(self.source),
                })
        }) {
            Some(c) => match c.ascii.as_ref().and_then(|a| a.matches(value)) {
                Some(matched) => matched,
                None => c.regex.is_match(value),
            },
            // Unreachable for the shipped model (a unit test compiles every pattern); never reject for it.
            None => true,
        }
    }
}

/// Translates the few places where Java's regex dialect differs from the `regex` crate's:
/// `\w` and `\d` are ASCII-only in Java, `\/` is a redundant escape. `\uXXXX` takes exactly four hex
/// digits in both, so the model's `\u10000-\u10FFFF` means `\u1000`, `0-\u10FF`, `F` in both (which is
/// why supplementary-plane characters never match `arnType` on AWS either).
fn java_to_rust(source: &str) -> String {
    let body = source
        .replace(r"\w", "0-9A-Za-z_")
        .replace(r"\d", "0-9")
        .replace(r"\/", "/");
    format!(r"\A(?:{body})\z")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::operations;

    fn all_patterns(shape: &'static Shape, out: &mut Vec<&'static Pattern>) {
        match shape {
            Shape::Str {
                pattern: Some(p), ..
            } => out.push(p),
            Shape::Str { .. } | Shape::Int { .. } => {}
            Shape::List { member, .. } => all_patterns(member, out),
            Shape::Struct(members) => members.iter().for_each(|m| all_patterns(m.shape, out)),
        }
    }

    #[test]
    fn every_model_pattern_compiles() {
        let mut found = Vec::new();
        for op in operations() {
            op.input
                .iter()
                .for_each(|m| all_patterns(m.shape, &mut found));
        }
        assert!(found.len() > 5);
        for p in found {
            assert!(Regex::new(&java_to_rust(p.source)).is_ok(), "{}", p.source);
            assert!(AsciiClass::of(p.source).is_some(), "{}", p.source);
        }
    }

    #[test]
    fn ascii_fast_path_agrees_with_the_regex() {
        let mut found = Vec::new();
        for op in operations() {
            op.input
                .iter()
                .for_each(|m| all_patterns(m.shape, &mut found));
        }
        let mut values: Vec<String> = (0u8..128).map(|c| char::from(c).to_string()).collect();
        values.extend(
            [
                "",
                "ab",
                "a b",
                "a/b:c",
                "x\ty",
                "arn:aws:iam::1:role/r",
                "a\u{7f}",
            ]
            .map(String::from),
        );
        values.extend((0u8..128).map(|c| format!("ok{}ok", char::from(c))));
        for p in found {
            let re = Regex::new(&java_to_rust(p.source)).unwrap();
            for v in &values {
                assert_eq!(p.matches(v), re.is_match(v), "{} {v:?}", p.source);
            }
        }
    }

    #[test]
    fn java_semantics() {
        let name = Pattern::new(r"[\w+=,.@-]*");
        assert!(name.matches("my-session_1@x.y"));
        assert!(!name.matches("bad/name"));
        assert!(!name.matches("é"), "Java's \\w is ASCII-only");
        let arn = Pattern::new(
            r"[\u0009\u000A\u000D\u0020-\u007E\u0085\u00A0-\uD7FF\uE000-\uFFFD\u10000-\u10FFFF]+",
        );
        assert!(arn.matches("arn:aws:iam::123456789012:role/x"));
        assert!(arn.matches("ééé"));
        assert!(!arn.matches("\u{1F600}"));
        assert!(!arn.matches(""));
    }
}
