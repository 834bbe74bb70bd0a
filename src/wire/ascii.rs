//! Splitting text at an ASCII byte, by `memchr`: the `char` searcher of `str::split` costs more
//! on the short strings of a request's credentials and signature. Splitting at an ASCII byte
//! always lands on a character boundary.

/// `s.split(c)` for an ASCII `c`.
pub fn split_ascii(s: &str, c: u8) -> impl Iterator<Item = &str> {
    debug_assert!(c.is_ascii());
    let mut rest = Some(s);
    std::iter::from_fn(move || {
        let text = rest?;
        match memchr::memchr(c, text.as_bytes()) {
            Some(i) => {
                rest = text.get(i + 1..);
                text.get(..i)
            }
            None => {
                rest = None;
                Some(text)
            }
        }
    })
}

/// `s.split_once(c)` for an ASCII `c`.
pub fn split_once_ascii(s: &str, c: u8) -> Option<(&str, &str)> {
    debug_assert!(c.is_ascii());
    let i = memchr::memchr(c, s.as_bytes())?;
    Some((s.get(..i)?, s.get(i + 1..)?))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn split_ascii_is_split() {
        for s in ["", "a", "a;b", ";", "a;;b", "é;ü;", "ü", ";a;"] {
            assert_eq!(
                split_ascii(s, b';').collect::<Vec<_>>(),
                s.split(';').collect::<Vec<_>>(),
                "{s}"
            );
        }
    }

    #[test]
    fn split_once_ascii_is_split_once() {
        for s in ["", "a", "a,b", ",", "a,,b", "é,ü,", "ü"] {
            assert_eq!(split_once_ascii(s, b','), s.split_once(','), "{s}");
        }
    }
}
