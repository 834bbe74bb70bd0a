//! Access key ids as redaction makes its fakes and as a scan tells them from real ones: AWS's
//! format (`AKIA`/`ASIA` + 16 base32 characters, the account encoded), the random bits ending in
//! a checksum that needs no key to check.

use crate::fake::{account_of, mint_id};

/// Random bits of a 20-character key id after its prefix, generation flag and account.
const KEY_TAIL_BITS: u32 = 39;
/// Of those, the last ones are a checksum: a scanner tells a fake made here from a real key
/// without any key (a real key passes by chance once in 65,536).
const KEY_CHECK_BITS: u32 = 16;

/// `prefix` + `account` + 23 bits of `high` + their checksum.
pub(super) fn fake_access_key_id(prefix: &str, account: &str, high: u32) -> String {
    let high = u128::from(high) & ((1 << (KEY_TAIL_BITS - KEY_CHECK_BITS)) - 1);
    let tail = (high << KEY_CHECK_BITS) | u128::from(key_check(prefix, account, high));
    mint_id(prefix, account, 20, &tail.to_be_bytes())
}

fn key_check(prefix: &str, account: &str, high: u128) -> u16 {
    let mut context = ring::digest::Context::new(&ring::digest::SHA256);
    for part in [
        b"parlel-sts fake key".as_slice(),
        prefix.as_bytes(),
        account.as_bytes(),
    ] {
        context.update(part);
        context.update(&[0]);
    }
    context.update(&high.to_be_bytes());
    let hash = context.finish();
    u16::from_be_bytes([hash.as_ref()[0], hash.as_ref()[1]])
}

/// Whether `id` (`AKIA`/`ASIA` + 16 base32 characters) is a fake this redaction made.
pub fn is_fake_access_key_id(id: &str) -> bool {
    const ALPHABET: &[u8; 32] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
    let (Some(prefix), Some(rest)) = (id.get(..4), id.get(4..)) else {
        return false;
    };
    if id.len() != 20 || !matches!(prefix, "AKIA" | "ASIA") {
        return false;
    }
    let mut stream: u128 = 0;
    for b in rest.bytes() {
        let Some(digit) = ALPHABET.iter().position(|&a| a == b) else {
            return false;
        };
        stream = (stream << 5) | digit as u128;
    }
    let Some(account) = account_of(id) else {
        return false;
    };
    let tail = stream & ((1 << KEY_TAIL_BITS) - 1);
    let high = tail >> KEY_CHECK_BITS;
    u128::from(key_check(prefix, &account, high)) == tail & ((1 << KEY_CHECK_BITS) - 1)
}

/// The access key ids in `line` that redaction did not make.
pub(super) fn real_key_ids(line: &str) -> impl Iterator<Item = &str> {
    let bytes = line.as_bytes();
    (0..bytes.len().saturating_sub(19)).filter_map(move |i| {
        let candidate = line.get(i..i + 20)?;
        let starts = candidate.starts_with("AKIA") || candidate.starts_with("ASIA");
        let bounded = (i == 0 || !bytes[i - 1].is_ascii_alphanumeric())
            && bytes.get(i + 20).is_none_or(|b| !b.is_ascii_alphanumeric());
        let base32 = candidate[4..]
            .bytes()
            .all(|b| b.is_ascii_uppercase() || (b'2'..=b'7').contains(&b));
        (starts && bounded && base32 && !is_fake_access_key_id(candidate)).then_some(candidate)
    })
}
