//! The AWS Query request: form body or query string, decoded into parameters where the first
//! occurrence of a name wins (as on real STS: `Action=GetCallerIdentity&Action=Nope` succeeds).

use std::collections::HashMap;
use std::ops::Range;

use crate::error::{ErrorCode, StsError};

/// Above this many parameters, lookups go through a hash index instead of a linear scan (a request
/// has a handful; a hostile body may have thousands).
const INDEX_ABOVE: usize = 24;

/// Decoded request parameters. Lookup by exact (case-sensitive) name; duplicates keep the first value.
///
/// Every decoded name and value lives in one string, back to back; the parameters are ranges into
/// it, in arrival order. A lookup returns the first parameter of that name, so "first wins" needs no
/// work at insertion. Small requests are scanned linearly; large ones get a hash index.
#[derive(Debug, Default, Clone)]
pub struct Params {
    text: String,
    entries: Vec<Entry>,
    /// Name -> index of its first entry; only when there are more than `INDEX_ABOVE` entries.
    index: Option<HashMap<Box<str>, usize>>,
    /// One bit per (length, first byte, last byte) class of the names present: most lookups are
    /// for optional members a request leaves out, and this answers them without a scan.
    classes: u64,
}

/// The bit of a name's (length, first byte, last byte) class in `Params::classes`.
fn class_bit(len: usize, first: u8, last: u8) -> u64 {
    let mix = len
        .wrapping_mul(31)
        .wrapping_add(usize::from(first).wrapping_mul(7))
        .wrapping_add(usize::from(last));
    1 << (mix % 64)
}

fn name_class(name: &[u8]) -> u64 {
    match (name.first(), name.last()) {
        (Some(&first), Some(&last)) => class_bit(name.len(), first, last),
        _ => class_bit(0, 0, 0),
    }
}

#[derive(Debug, Clone)]
struct Entry {
    name: Range<usize>,
    value: Range<usize>,
}

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

    /// Indexes the names once there are many parameters.
    fn build_index(&mut self) {
        if self.entries.len() > INDEX_ABOVE {
            let mut index = HashMap::with_capacity(self.entries.len());
            for (i, entry) in self.entries.iter().enumerate() {
                index
                    .entry(Box::from(&self.text[entry.name.clone()]))
                    .or_insert(i);
            }
            self.index = Some(index);
        }
    }

    pub fn from_urlencoded(input: &[u8]) -> Params {
        let mut params = Params::default();
        params.extend_from_urlencoded(input);
        params
    }

    pub fn get(&self, name: &str) -> Option<&str> {
        if self.classes & name_class(name.as_bytes()) == 0 {
            return None;
        }
        let entry = match &self.index {
            Some(index) => &self.entries[*index.get(name)?],
            None => self
                .entries
                .iter()
                .find(|e| self.text.as_bytes()[e.name.clone()] == *name.as_bytes())?,
        };
        Some(&self.text[entry.value.clone()])
    }

    /// Every parameter name, in arrival order (duplicates included).
    pub(crate) fn names(&self) -> impl Iterator<Item = &str> {
        self.entries.iter().map(|e| &self.text[e.name.clone()])
    }

    pub fn contains(&self, name: &str) -> bool {
        self.get(name).is_some()
    }

    /// An integer member, parsed as real STS does before validation: signed 32-bit, a leading `+`
    /// and leading zeros allowed. `Ok(None)` when absent.
    pub fn int(&self, name: &str) -> Result<Option<i32>, StsError> {
        self.get(name).map(parse_int).transpose()
    }

    /// The values of a list of strings (`Name.member.1`, `Name.member.2`, ...), up to the first gap.
    pub fn string_list(&self, name: &str) -> Vec<&str> {
        if self.index.is_none() {
            return (1..).map_while(|i| self.get_item(name, i, None)).collect();
        }
        let mut key = ListKey::new(name);
        (1..).map_while(|i| self.get(key.item(i))).collect()
    }

    /// `{name}.member.{i}[.{field}]` by a linear scan, without building the name.
    fn get_item(&self, name: &str, i: usize, field: Option<&str>) -> Option<&str> {
        let mut digits = [0u8; 20];
        let mut at = digits.len();
        let mut n = i;
        loop {
            at -= 1;
            digits[at] = b'0' + (n % 10) as u8;
            n /= 10;
            if n == 0 {
                break;
            }
        }
        let parts: [&[u8]; 5] = [
            name.as_bytes(),
            b".member.",
            &digits[at..],
            if field.is_some() { b"." } else { b"" },
            field.unwrap_or_default().as_bytes(),
        ];
        let len: usize = parts.iter().map(|p| p.len()).sum();
        let last = match field {
            Some(field) => field.as_bytes().last().copied().unwrap_or(b'.'),
            None => digits[digits.len() - 1],
        };
        let first = name.as_bytes().first().copied().unwrap_or(b'.');
        if self.classes & class_bit(len, first, last) == 0 {
            return None;
        }
        let entry = self.entries.iter().find(|e| {
            let mut candidate = &self.text.as_bytes()[e.name.clone()];
            if candidate.len() != len {
                return false;
            }
            parts
                .iter()
                .all(|part| match candidate.split_at_checked(part.len()) {
                    Some((head, rest)) if head == *part => {
                        candidate = rest;
                        true
                    }
                    _ => false,
                })
        })?;
        Some(&self.text[entry.value.clone()])
    }

    /// A list of structures: for each index present, the value of each requested field.
    pub fn struct_list<const N: usize>(
        &self,
        name: &str,
        fields: [&str; N],
    ) -> Vec<[Option<&str>; N]> {
        let mut key = self.index.as_ref().map(|_| ListKey::new(name));
        let mut out = Vec::new();
        for i in 1.. {
            let item = fields.map(|f| match &mut key {
                Some(key) => self.get(key.field(i, f)),
                None => self.get_item(name, i, Some(f)),
            });
            if item.iter().all(Option::is_none) {
                break;
            }
            out.push(item);
        }
        out
    }
}

/// `{name}.member.{i}[.{field}]` in one reused buffer.
struct ListKey {
    buf: String,
    base: usize,
}

impl ListKey {
    fn new(name: &str) -> ListKey {
        let mut buf = String::with_capacity(name.len() + 32);
        buf.push_str(name);
        buf.push_str(".member.");
        ListKey {
            base: buf.len(),
            buf,
        }
    }

    fn item(&mut self, i: usize) -> &str {
        self.buf.truncate(self.base);
        push_decimal(&mut self.buf, i);
        &self.buf
    }

    fn field(&mut self, i: usize, field: &str) -> &str {
        self.item(i);
        self.buf.push('.');
        self.buf.push_str(field);
        &self.buf
    }
}

/// Appends `n` in decimal, without the formatting machinery.
pub(crate) fn push_decimal(out: &mut String, mut n: usize) {
    let mut digits = [0u8; 20];
    let mut at = digits.len();
    loop {
        at -= 1;
        digits[at] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    for &d in &digits[at..] {
        out.push(char::from(d));
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

/// Signed 32-bit parse as STS does it; the empty string and anything else get `MalformedInput`
/// (the latter with no message at all, as captured from the live service).
pub fn parse_int(raw: &str) -> Result<i32, StsError> {
    if raw.is_empty() {
        return Err(StsError::new(
            ErrorCode::MalformedInput,
            "missing value for decimal type",
        ));
    }
    raw.parse::<i32>()
        .map_err(|_| StsError::without_message(ErrorCode::MalformedInput))
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
    fn ints_parse_like_sts() {
        assert_eq!(parse_int("+900"), Ok(900));
        assert_eq!(parse_int("0900"), Ok(900));
        assert_eq!(parse_int("-2147483648"), Ok(i32::MIN));
        for bad in ["abc", "900.0", "2147483648", "-2147483649", " 900"] {
            assert_eq!(
                parse_int(bad),
                Err(StsError::without_message(ErrorCode::MalformedInput)),
                "{bad}"
            );
        }
        assert_eq!(
            parse_int("").unwrap_err().message.as_deref(),
            Some("missing value for decimal type")
        );
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

    #[test]
    fn the_class_filter_never_hides_a_present_name() {
        let body = "=e&a=1&ab=2&L.member.1=x&L.member.2=y&L.member.10=z&T.member.1.Key=k&T.member.1.=v&%41=d&.member.1=w";
        let p = Params::from_urlencoded(body.as_bytes());
        let scan = |name: &str| {
            p.entries
                .iter()
                .find(|e| &p.text[e.name.clone()] == name)
                .map(|e| &p.text[e.value.clone()])
        };
        for name in [
            "",
            "a",
            "ab",
            "b",
            "ba",
            "A",
            "L.member.1",
            "L.member.2",
            "L.member.10",
            "L.member.3",
            "T.member.1.Key",
            "T.member.1.",
            "T.member.1.Value",
            ".member.1",
        ] {
            assert_eq!(p.get(name), scan(name), "{name:?}");
        }
        assert_eq!(p.string_list("L"), ["x", "y"]);
        assert_eq!(p.get_item("L", 10, None), Some("z"));
        assert_eq!(p.get_item("T", 1, Some("Key")), Some("k"));
        assert_eq!(p.get_item("T", 1, Some("")), Some("v"));
        assert_eq!(p.get_item("", 1, None), Some("w"));
        assert_eq!(p.get_item("T", 1, Some("Value")), None);
    }

    #[test]
    fn many_params_use_the_index_and_first_still_wins() {
        let body: String = (0..100).map(|i| format!("K{}=v{i}&", i % 40)).collect();
        let p = Params::from_urlencoded(body.as_bytes());
        assert!(p.index.is_some());
        assert_eq!(p.get("K0"), Some("v0"));
        assert_eq!(p.get("K39"), Some("v39"));
        assert_eq!(p.get("K40"), None);
        let list: String = (1..=60).map(|i| format!("L.member.{i}=x{i}&")).collect();
        let p = Params::from_urlencoded(list.as_bytes());
        assert_eq!(p.string_list("L").len(), 60);
        assert_eq!(p.string_list("L")[59], "x60");
        let tags: String = (1..=30)
            .map(|i| format!("T.member.{i}.Key=k{i}&T.member.{i}.Value=v{i}&"))
            .collect();
        let p = Params::from_urlencoded(tags.as_bytes());
        assert!(p.index.is_some());
        let listed = p.struct_list("T", ["Key", "Value"]);
        assert_eq!(listed.len(), 30);
        assert_eq!(listed[29], [Some("k30"), Some("v30")]);
    }

    #[test]
    fn lists_stop_at_the_first_gap() {
        let p = Params::from_urlencoded(
            b"K.member.1=a&K.member.2=b&K.member.4=d&T.member.1.Key=k&T.member.2.Value=v",
        );
        assert_eq!(p.string_list("K"), vec!["a", "b"]);
        assert_eq!(p.string_list("K.member"), Vec::<&str>::new());
        let p2 =
            Params::from_urlencoded(b"K.member.10=j&K.member.1=a&K.member.1.x=b&Kx.member.2=c");
        assert_eq!(p2.string_list("K"), vec!["a"]);
        assert_eq!(p2.struct_list("K", ["x"]), vec![[Some("b")]]);
        let tags = p.struct_list("T", ["Key", "Value"]);
        assert_eq!(tags, vec![[Some("k"), None], [None, Some("v")]]);
    }
}
