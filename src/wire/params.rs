//! The AWS Query request: form body or query string, decoded into parameters where the first
//! occurrence of a name wins (as on real STS: `Action=GetCallerIdentity&Action=Nope` succeeds).

use std::collections::HashMap;
use std::collections::hash_map::Entry;

use crate::error::{ErrorCode, StsError};

/// Decoded request parameters. Lookup by exact (case-sensitive) name; duplicates keep the first value.
#[derive(Debug, Default, Clone)]
pub struct Params {
    values: HashMap<String, String>,
}

impl Params {
    /// Adds every `name=value` pair of an `application/x-www-form-urlencoded` string (body or query),
    /// keeping values already present.
    pub fn extend_from_urlencoded(&mut self, input: &[u8]) {
        for (name, value) in form_urlencoded::parse(input) {
            if let Entry::Vacant(slot) = self.values.entry(name.into_owned()) {
                slot.insert(value.into_owned());
            }
        }
    }

    pub fn from_urlencoded(input: &[u8]) -> Params {
        let mut params = Params::default();
        params.extend_from_urlencoded(input);
        params
    }

    pub fn get(&self, name: &str) -> Option<&str> {
        self.values.get(name).map(String::as_str)
    }

    pub fn contains(&self, name: &str) -> bool {
        self.values.contains_key(name)
    }

    /// An integer member, parsed as real STS does before validation: signed 32-bit, a leading `+`
    /// and leading zeros allowed. `Ok(None)` when absent.
    pub fn int(&self, name: &str) -> Result<Option<i32>, StsError> {
        self.get(name).map(parse_int).transpose()
    }

    /// The values of a list of strings (`Name.member.1`, `Name.member.2`, ...), up to the first gap.
    pub fn string_list(&self, name: &str) -> Vec<&str> {
        (1..)
            .map_while(|i| self.get(&format!("{name}.member.{i}")))
            .collect()
    }

    /// A list of structures: for each index present, the value of each requested field.
    pub fn struct_list<const N: usize>(
        &self,
        name: &str,
        fields: [&str; N],
    ) -> Vec<[Option<&str>; N]> {
        let mut out = Vec::new();
        for i in 1.. {
            let item = fields.map(|f| self.get(&format!("{name}.member.{i}.{f}")));
            if item.iter().all(Option::is_none) {
                break;
            }
            out.push(item);
        }
        out
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
    fn lists_stop_at_the_first_gap() {
        let p = Params::from_urlencoded(
            b"K.member.1=a&K.member.2=b&K.member.4=d&T.member.1.Key=k&T.member.2.Value=v",
        );
        assert_eq!(p.string_list("K"), vec!["a", "b"]);
        let tags = p.struct_list("T", ["Key", "Value"]);
        assert_eq!(tags, vec![[Some("k"), None], [None, Some("v")]]);
    }
}
