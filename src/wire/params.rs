//! A request's parameters, as `form` decodes them: looked up by exact (case-sensitive) name, the
//! first occurrence of a name winning (as on real STS: `Action=GetCallerIdentity&Action=Nope`
//! succeeds), with the Query protocol's lists (`Name.member.N`) and structures read by index.

use std::collections::HashMap;
use std::ops::Range;

use crate::decimal;
use crate::error::StsError;
use crate::model;

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
    pub(super) text: String,
    pub(super) entries: Vec<Entry>,
    /// Name -> index of its first entry; only when there are more than `INDEX_ABOVE` entries.
    index: Option<HashMap<Box<str>, usize>>,
    /// One bit per (length, first byte, last byte) class of the names present: most lookups are
    /// for optional members a request leaves out, and this answers them without a scan.
    pub(super) classes: u64,
}

/// The bit of a name's (length, first byte, last byte) class in `Params::classes`.
fn class_bit(len: usize, first: u8, last: u8) -> u64 {
    let mix = len
        .wrapping_mul(31)
        .wrapping_add(usize::from(first).wrapping_mul(7))
        .wrapping_add(usize::from(last));
    1 << (mix % 64)
}

pub(super) fn name_class(name: &[u8]) -> u64 {
    match (name.first(), name.last()) {
        (Some(&first), Some(&last)) => class_bit(name.len(), first, last),
        _ => class_bit(0, 0, 0),
    }
}

#[derive(Debug, Clone)]
pub(super) struct Entry {
    pub(super) name: Range<usize>,
    pub(super) value: Range<usize>,
}

impl Params {
    /// Indexes the names once there are many parameters.
    pub(super) fn build_index(&mut self) {
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
    pub fn names(&self) -> impl Iterator<Item = &str> {
        self.entries.iter().map(|e| &self.text[e.name.clone()])
    }

    /// Every (name, value), in arrival order (duplicates included).
    pub fn pairs(&self) -> impl Iterator<Item = (&str, &str)> {
        self.entries
            .iter()
            .map(|e| (&self.text[e.name.clone()], &self.text[e.value.clone()]))
    }

    pub fn contains(&self, name: &str) -> bool {
        self.get(name).is_some()
    }

    /// An integer member, parsed as real STS does before validation: signed 32-bit, a leading `+`
    /// and leading zeros allowed. `Ok(None)` when absent.
    pub fn int(&self, name: &str) -> Result<Option<i32>, StsError> {
        self.get(name).map(model::parse_int).transpose()
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
        let mut buf = [0u8; 20];
        let digits = decimal::digits(i as u64, &mut buf);
        let parts: [&[u8]; 5] = [
            name.as_bytes(),
            b".member.",
            digits,
            if field.is_some() { b"." } else { b"" },
            field.unwrap_or_default().as_bytes(),
        ];
        let len: usize = parts.iter().map(|p| p.len()).sum();
        let last = match field {
            Some(field) => field.as_bytes().last().copied().unwrap_or(b'.'),
            None => digits.last().copied().unwrap_or(b'0'),
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

impl model::Parameters for Params {
    fn get(&self, name: &str) -> Option<&str> {
        Params::get(self, name)
    }

    fn names(&self) -> impl Iterator<Item = &str> {
        Params::names(self)
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
        decimal::push(&mut self.buf, i);
        &self.buf
    }

    fn field(&mut self, i: usize, field: &str) -> &str {
        self.item(i);
        self.buf.push('.');
        self.buf.push_str(field);
        &self.buf
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
