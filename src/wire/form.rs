//! The AWS Query request's encoding: `application/x-www-form-urlencoded` (a POST body or the query
//! string) decoded into `Params`, exactly as `form_urlencoded::parse` decodes it, but into one
//! string and with memchr.

use std::ops::Range;

use super::params::{Entry, Params, name_class};

impl Params {
    /// Adds every `name=value` pair of an `application/x-www-form-urlencoded` string (body or query),
    /// keeping values already present.
    pub fn extend_from_urlencoded(&mut self, input: &[u8]) {
        if input.is_empty() {
            return;
        }
        if self.entries.is_empty() {
            self.text.reserve(input.len());
            self.entries.reserve(8);
        }
        let mut scratch = Vec::new();
        // The usual input is valid UTF-8: split it at each `&`, find each sequence's first `=`,
        // and whether it holds anything to decode (`%`, `+`), all by memchr. A sequence with
        // nothing to decode is copied whole, its name and value being ranges of the copy.
        if let Ok(text) = std::str::from_utf8(input) {
            let mut start = 0;
            loop {
                let end = memchr::memchr(b'&', &input[start..]).map_or(input.len(), |i| start + i);
                let sequence = &input[start..end];
                let eq = memchr::memchr(b'=', sequence);
                let plain = memchr::memchr2(b'%', b'+', sequence).is_none();
                self.push_sequence(text, start..end, eq, plain, &mut scratch);
                if end == input.len() {
                    break;
                }
                start = end + 1;
            }
            self.build_index();
            return;
        }
        // Decoding as `form_urlencoded::parse` does: `&`-separated, empty sequences skipped, split
        // at the first `=`, `+` is a space, `%XX` a byte, then lossy UTF-8.
        for sequence in input.split(|&b| b == b'&') {
            if sequence.is_empty() {
                continue;
            }
            let (name, value) = match sequence.iter().position(|&b| b == b'=') {
                Some(eq) => (&sequence[..eq], &sequence[eq + 1..]),
                None => (sequence, &[][..]),
            };
            let name = push_decoded(&mut self.text, name, &mut scratch);
            let value = push_decoded(&mut self.text, value, &mut scratch);
            self.classes |= name_class(&self.text.as_bytes()[name.clone()]);
            self.entries.push(Entry { name, value });
        }
        self.build_index();
    }

    /// Adds the sequence `text[range]` (`name=value`, its first `=` at `eq` within it); empty ones
    /// are skipped. All separators are ASCII, so every range lands on character boundaries.
    fn push_sequence(
        &mut self,
        text: &str,
        range: Range<usize>,
        eq: Option<usize>,
        plain: bool,
        scratch: &mut Vec<u8>,
    ) {
        let Some(sequence) = text.get(range.clone()) else {
            return;
        };
        if sequence.is_empty() {
            return;
        }
        let split = eq.unwrap_or(sequence.len());
        if plain {
            let at = self.text.len();
            self.text.push_str(sequence);
            let value = (split + 1).min(sequence.len());
            self.classes |= name_class(&sequence.as_bytes()[..split]);
            self.entries.push(Entry {
                name: at..at + split,
                value: at + value..at + sequence.len(),
            });
            return;
        }
        let name = sequence.get(..split).unwrap_or_default();
        let value = sequence.get(split + 1..).unwrap_or_default();
        let name = push_str_decoded(&mut self.text, name, scratch);
        let value = push_str_decoded(&mut self.text, value, scratch);
        self.classes |= name_class(&self.text.as_bytes()[name.clone()]);
        self.entries.push(Entry { name, value });
    }

    pub fn from_urlencoded(input: &[u8]) -> Params {
        let mut params = Params::default();
        params.extend_from_urlencoded(input);
        params
    }

    /// Parameters already decoded (a cassette's), in order.
    pub fn from_pairs(pairs: impl IntoIterator<Item = (String, String)>) -> Params {
        let mut params = Params::default();
        for (name, value) in pairs {
            let start = params.text.len();
            params.text.push_str(&name);
            let name = start..params.text.len();
            params.text.push_str(&value);
            let value = name.end..params.text.len();
            params.classes |= name_class(&params.text.as_bytes()[name.clone()]);
            params.entries.push(Entry { name, value });
        }
        params.build_index();
        params
    }
}

/// `push_decoded` for a part already known to be UTF-8.
fn push_str_decoded(text: &mut String, raw: &str, scratch: &mut Vec<u8>) -> Range<usize> {
    if memchr::memchr2(b'%', b'+', raw.as_bytes()).is_some() {
        return push_decoded(text, raw.as_bytes(), scratch);
    }
    let start = text.len();
    text.push_str(raw);
    start..text.len()
}

/// Appends the form-decoded `raw` to `text` and returns where it went. Short parts are decoded on
/// the stack, longer ones in `scratch` (decoding never lengthens).
fn push_decoded(text: &mut String, raw: &[u8], scratch: &mut Vec<u8>) -> Range<usize> {
    let start = text.len();
    let mut stack = [0u8; 256];
    let decoded: &[u8] = if memchr::memchr2(b'%', b'+', raw).is_none() {
        raw
    } else if raw.len() <= stack.len() {
        let n = decode_into(raw, &mut stack);
        &stack[..n]
    } else {
        scratch.clear();
        scratch.resize(raw.len(), 0);
        let n = decode_into(raw, scratch);
        &scratch[..n]
    };
    match std::str::from_utf8(decoded) {
        Ok(s) => text.push_str(s),
        Err(_) => text.push_str(&String::from_utf8_lossy(decoded)),
    }
    start..text.len()
}

/// Form-decodes `raw` into `out` (at least as long) and returns the decoded length: the runs
/// between `%` and `+` are copied whole, `+` is a space, `%XX` a byte, and a `%` without two hex
/// digits after it stays as it is.
fn decode_into(raw: &[u8], out: &mut [u8]) -> usize {
    let mut n = 0;
    let mut rest = raw;
    while let Some(at) = memchr::memchr2(b'%', b'+', rest) {
        out[n..n + at].copy_from_slice(&rest[..at]);
        n += at;
        if rest[at] == b'+' {
            out[n] = b' ';
            n += 1;
            rest = &rest[at + 1..];
            continue;
        }
        match (
            rest.get(at + 1).and_then(|&h| hex(h)),
            rest.get(at + 2).and_then(|&l| hex(l)),
        ) {
            (Some(h), Some(l)) => {
                out[n] = h << 4 | l;
                rest = &rest[at + 3..];
            }
            _ => {
                out[n] = b'%';
                rest = &rest[at + 1..];
            }
        }
        n += 1;
    }
    out[n..n + rest.len()].copy_from_slice(rest);
    n + rest.len()
}

fn hex(b: u8) -> Option<u8> {
    match b {
        b'0'..=b'9' => Some(b - b'0'),
        b'a'..=b'f' => Some(b - b'a' + 10),
        b'A'..=b'F' => Some(b - b'A' + 10),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn first_duplicate_wins_and_plus_is_space() {
        let p = Params::from_urlencoded(b"Action=GetCallerIdentity&Action=Nope&X=a+b%2Fc");
        assert_eq!(p.get("Action"), Some("GetCallerIdentity"));
        assert_eq!(p.get("X"), Some("a b/c"));
        let mut q = Params::from_urlencoded(b"A=1");
        q.extend_from_urlencoded(b"A=2&B=3");
        assert_eq!((q.get("A"), q.get("B")), (Some("1"), Some("3")));
    }

    #[test]
    fn decodes_exactly_as_form_urlencoded() {
        let inputs: &[&[u8]] = &[
            b"a=b&&c&=d&e=f=g&+x+=%20y%2",
            b"%zz=%4&%41%42=%e2%82%ac&lat=%ff%fe&u=\xc3\xa9&bad=\xff",
            b"&&&",
            b"RoleArn=arn%3Aaws%3Aiam%3A%3A123456789012%3Arole%2Fbench&RoleSessionName=b+c",
            b"%%41=%4%41&%=%&=&",
        ];
        // Parts longer than the stack buffer, with something to decode near both ends.
        let long = format!(
            "L=%41{}%e2%82%ac+{}%4&M={}",
            "x".repeat(300),
            "y".repeat(300),
            "z".repeat(600)
        );
        let inputs = [inputs, &[long.as_bytes()]].concat();
        for input in &inputs {
            let p = Params::from_urlencoded(input);
            let expected: Vec<(String, String)> = form_urlencoded::parse(input)
                .map(|(k, v)| (k.into_owned(), v.into_owned()))
                .collect();
            let got: Vec<(String, String)> = p
                .entries
                .iter()
                .map(|e| {
                    (
                        p.text[e.name.clone()].to_owned(),
                        p.text[e.value.clone()].to_owned(),
                    )
                })
                .collect();
            assert_eq!(got, expected, "{input:?}");
        }
    }
}
