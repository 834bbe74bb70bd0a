//! The AWS Query request's encoding: `application/x-www-form-urlencoded` (a POST body or the query
//! string) decoded into `Params`, exactly as `form_urlencoded::parse` decodes it, but into one
//! string: one pass decoding into the string's bytes, which are checked as UTF-8 once.

use std::ops::Range;

use super::params::{Entry, Params, name_class};

impl Params {
    /// Adds every `name=value` pair of an `application/x-www-form-urlencoded` string (body or query),
    /// keeping values already present.
    pub fn extend_from_urlencoded(&mut self, input: &[u8]) {
        if input.is_empty() {
            return;
        }
        let (text_len, entries_len, classes) = (self.text.len(), self.entries.len(), self.classes);
        // One pass over the bytes, decoding straight into the text's bytes (decoding never
        // lengthens), which are checked as UTF-8 once at the end: the usual input is a short,
        // valid form, and a byte loop beats searching each part for what to decode.
        let mut bytes = std::mem::take(&mut self.text).into_bytes();
        bytes.reserve(input.len());
        if self.entries.is_empty() {
            self.entries.reserve(8);
        }
        // The sequence being read: where it starts in the input and its name in `bytes`, and
        // where its value starts once its first `=` was seen.
        let (mut sequence_at, mut name_at, mut value_at) = (0, bytes.len(), None);
        let mut i = 0;
        while i < input.len() {
            // The run of ordinary bytes here, copied whole.
            let run = input[i..].iter().position(|&b| SPECIAL[usize::from(b)]);
            let run = run.unwrap_or(input.len() - i);
            if run > 0 {
                bytes.extend_from_slice(&input[i..i + run]);
                i += run;
                continue;
            }
            match input[i] {
                b'&' => {
                    if i > sequence_at {
                        self.push_entry(&bytes, name_at, value_at);
                    }
                    (sequence_at, name_at, value_at) = (i + 1, bytes.len(), None);
                }
                b'=' if value_at.is_none() => value_at = Some(bytes.len()),
                b'+' | b'%' => {
                    let (byte, taken) = unescape(input, i);
                    bytes.push(byte);
                    i += taken;
                    continue;
                }
                b => bytes.push(b),
            }
            i += 1;
        }
        if input.len() > sequence_at {
            self.push_entry(&bytes, name_at, value_at);
        }
        // Valid as a whole, and every name and value valid alone (a character split by `=` or
        // `&` is not).
        let text = String::from_utf8(bytes)
            .map_err(|e| e.into_bytes())
            .and_then(|text| {
                let whole = self.entries[entries_len..].iter().all(|e| {
                    text.is_char_boundary(e.name.end) && text.is_char_boundary(e.value.end)
                });
                if whole {
                    Ok(text)
                } else {
                    Err(text.into_bytes())
                }
            });
        match text {
            Ok(text) => self.text = text,
            Err(mut bytes) => {
                // Undone, and decoded again part by part, each lossily, as
                // `form_urlencoded::parse` does.
                bytes.truncate(text_len);
                self.text = String::from_utf8(bytes).unwrap_or_default();
                self.entries.truncate(entries_len);
                self.classes = classes;
                self.extend_lossy(input);
            }
        }
        self.build_index();
    }

    /// The entry of a sequence whose name starts at `name_at` in `bytes`, its value at
    /// `value_at` (none: no `=`, an empty value), both ending where `bytes` ends now.
    fn push_entry(&mut self, bytes: &[u8], name_at: usize, value_at: Option<usize>) {
        let end = bytes.len();
        let split = value_at.unwrap_or(end);
        self.classes |= name_class(&bytes[name_at..split]);
        self.entries.push(Entry {
            name: name_at..split,
            value: split..end,
        });
    }

    /// `extend_from_urlencoded` for input that decodes to something other than UTF-8: `&`-separated,
    /// empty sequences skipped, split at the first `=`, `+` a space, `%XX` a byte, then lossy
    /// UTF-8, name and value each.
    fn extend_lossy(&mut self, input: &[u8]) {
        let mut scratch = Vec::new();
        for sequence in input.split(|&b| b == b'&') {
            if sequence.is_empty() {
                continue;
            }
            let (name, value) = match sequence.iter().position(|&b| b == b'=') {
                Some(eq) => (&sequence[..eq], &sequence[eq + 1..]),
                None => (sequence, &[][..]),
            };
            let name = push_lossy(&mut self.text, name, &mut scratch);
            let value = push_lossy(&mut self.text, value, &mut scratch);
            self.classes |= name_class(&self.text.as_bytes()[name.clone()]);
            self.entries.push(Entry { name, value });
        }
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

/// The byte the `+` or `%` at `input[i]` stands for, and how many bytes of input it takes: `+` is a
/// space, `%XX` a byte, and a `%` without two hex digits after it is itself.
fn unescape(input: &[u8], i: usize) -> (u8, usize) {
    if input[i] == b'+' {
        return (b' ', 1);
    }
    match (
        input.get(i + 1).and_then(|&h| hex(h)),
        input.get(i + 2).and_then(|&l| hex(l)),
    ) {
        (Some(h), Some(l)) => (h << 4 | l, 3),
        _ => (b'%', 1),
    }
}

/// Appends the form-decoded `raw` to `text`, lossily as UTF-8, and returns where it went.
fn push_lossy(text: &mut String, raw: &[u8], scratch: &mut Vec<u8>) -> Range<usize> {
    let start = text.len();
    scratch.clear();
    let mut i = 0;
    while i < raw.len() {
        let (byte, taken) = match raw[i] {
            b'+' | b'%' => unescape(raw, i),
            b => (b, 1),
        };
        scratch.push(byte);
        i += taken;
    }
    text.push_str(&String::from_utf8_lossy(scratch));
    start..text.len()
}

/// The bytes that end a run of ordinary ones: `&`, `=`, `%` and `+`.
const SPECIAL: [bool; 256] = {
    let mut table = [false; 256];
    table[b'&' as usize] = true;
    table[b'=' as usize] = true;
    table[b'%' as usize] = true;
    table[b'+' as usize] = true;
    table
};

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

    /// Random inputs over the bytes that matter (separators, escapes, hex digits, pieces of
    /// multi-byte characters, a byte that is never UTF-8): decoded as `form_urlencoded` does.
    #[test]
    fn random_inputs_decode_as_form_urlencoded() {
        const ALPHABET: &[u8] = b"a=&%+2F0e\xc3\xa9\x82\xe2\xff";
        let mut next = crate::test_random::xorshift(0x9e37_79b9_7f4a_7c15_u64);
        let decoded = |input: &[u8]| -> Vec<(String, String)> {
            form_urlencoded::parse(input)
                .map(|(k, v)| (k.into_owned(), v.into_owned()))
                .collect()
        };
        for _ in 0..20_000 {
            let mut random = || -> Vec<u8> {
                let len = (next() % 24) as usize;
                (0..len)
                    .map(|_| ALPHABET[(next() % ALPHABET.len() as u64) as usize])
                    .collect()
            };
            // A query string, then a body, into the same parameters.
            let (input, more) = (random(), random());
            let mut p = Params::from_urlencoded(&input);
            p.extend_from_urlencoded(&more);
            let expected = [decoded(&input), decoded(&more)].concat();
            let got: Vec<(String, String)> = p
                .pairs()
                .map(|(k, v)| (k.to_owned(), v.to_owned()))
                .collect();
            assert_eq!(got, expected, "{input:?} then {more:?}");
        }
    }

    #[test]
    fn decodes_exactly_as_form_urlencoded() {
        let inputs: &[&[u8]] = &[
            b"a=b&&c&=d&e=f=g&+x+=%20y%2",
            b"%zz=%4&%41%42=%e2%82%ac&lat=%ff%fe&u=\xc3\xa9&bad=\xff",
            b"&&&",
            b"RoleArn=arn%3Aaws%3Aiam%3A%3A123456789012%3Arole%2Fbench&RoleSessionName=b+c",
            b"%%41=%4%41&%=%&=&",
            b"a%E2%82=%AC&%E2=%82%AC&ok=%E2%82%AC&x=%E2&%82%AC=y",
            // Nothing to decode.
            b"Action=GetCallerIdentity&Version=2011-06-15",
            b"a=b&&c&=d&e=f=g&",
            b"=&=&&x",
            b"u=\xc3\xa9&n\xc3\xa9=v",
            b"bad=\xff&ok=1",
            b"split=\xc3&\xa9=x",
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
