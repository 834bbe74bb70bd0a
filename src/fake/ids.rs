//! AWS's identifier formats: access key ids (`AKIA`, `ASIA`; 20 characters) and unique ids (`AROA`,
//! `AIDA`; 21 characters) in base32 (`A-Z2-7`), with the owning account encoded as AWS does it:
//! after the 4-character prefix, bit 0 of the decoded stream is a generation flag (1 = new) and bits
//! 1..=40 are the 12-digit account. The remaining bits are random. See reference/sts-wire.md §3.

const ALPHABET: &[u8; 32] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
const ACCOUNT_BITS: u32 = 40;

/// Builds an id of `len` characters: `prefix` (4 characters), the account, then bits from `random`.
pub fn mint(prefix: &str, account: &str, len: usize, random: &[u8; 16]) -> String {
    let account: u128 = account.parse::<u64>().map_or(0, u128::from) & ((1 << ACCOUNT_BITS) - 1);
    let bits = (len - prefix.len()) as u32 * 5;
    let tail_bits = bits - ACCOUNT_BITS - 1;
    let tail = u128::from_be_bytes(*random) & ((1u128 << tail_bits) - 1);
    let mut stream = (((1u128 << ACCOUNT_BITS) | account) << tail_bits) | tail;
    // The base32 digits, last first, into a buffer (ids are at most 25 digits after the prefix).
    let mut digits = [0u8; 25];
    let n = ((bits / 5) as usize).min(digits.len());
    for d in digits[..n].iter_mut().rev() {
        *d = ALPHABET[(stream & 31) as usize];
        stream >>= 5;
    }
    let mut id = String::with_capacity(len);
    id.push_str(prefix);
    id.push_str(std::str::from_utf8(&digits[..n]).unwrap_or_default());
    id
}

/// The 12-digit account encoded in a new-generation key or unique id; `None` for old-generation ids
/// and anything that is not base32.
pub fn account_of(id: &str) -> Option<String> {
    let body = id.get(4..13)?;
    let mut x: u64 = 0;
    for c in body.bytes() {
        let v = ALPHABET.iter().position(|&a| a == c)? as u64;
        x = (x << 5) | v;
    }
    // 45 bits: flag, 40 account bits, 4 random bits.
    if x >> 44 == 0 {
        return None;
    }
    let account = (x >> 4) & ((1 << ACCOUNT_BITS) - 1);
    (account < 1_000_000_000_000).then(|| format!("{account:012}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_real_ids() {
        assert_eq!(
            account_of("AKIARZPUZDIKGB2VALC4").as_deref(),
            Some("123456789012")
        );
        assert_eq!(
            account_of("AROAR42TAWARILN3MNKUT").as_deref(),
            Some("130633740322")
        );
        assert_eq!(
            account_of("ASIAY34FZKBOKMUTVV7A").as_deref(),
            Some("609629065308")
        );
        assert_eq!(
            account_of("AROAYBPYJ6G45OZMMBYVL").as_deref(),
            Some("552960913849")
        );
        assert_eq!(account_of("AIDAJ465PRJTNHYBY4JVY"), None, "old generation");
        assert_eq!(account_of("parlel-not-a-key!"), None);
        assert_eq!(account_of("AKIA"), None);
    }

    #[test]
    fn digits_are_the_stream_in_base32_most_significant_first() {
        for (prefix, len, random) in [("ASIA", 20, [0xA5; 16]), ("AROA", 21, [0x3C; 16])] {
            let id = mint(prefix, "123456789012", len, &random);
            let bits = (len - 4) as u32 * 5;
            let tail_bits = bits - ACCOUNT_BITS - 1;
            let tail = u128::from_be_bytes(random) & ((1u128 << tail_bits) - 1);
            let stream = (((1u128 << ACCOUNT_BITS) | 123_456_789_012) << tail_bits) | tail;
            let expected: String = (1..=bits / 5)
                .map(|i| ALPHABET[((stream >> (bits - 5 * i)) & 31) as usize] as char)
                .collect();
            assert_eq!(id, format!("{prefix}{expected}"));
        }
    }

    #[test]
    fn mints_what_it_decodes() {
        for account in [
            "000000000000",
            "123456789012",
            "999999999999",
            "000000000001",
        ] {
            let key = mint("ASIA", account, 20, &[0xA5; 16]);
            assert_eq!(key.len(), 20);
            assert!(key.starts_with("ASIA"));
            assert_eq!(account_of(&key).as_deref(), Some(account));
            let id = mint("AROA", account, 21, &[7; 16]);
            assert_eq!(id.len(), 21);
            assert_eq!(account_of(&id).as_deref(), Some(account));
        }
        assert!(mint("ASIA", "000000000000", 20, &[0; 16]).starts_with("ASIAQAAAAAAA"));
        assert!(mint("AKIA", "123456789012", 20, &[0; 16]).starts_with("AKIARZPUZDIK"));
    }
}
