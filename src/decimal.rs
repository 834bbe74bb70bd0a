//! Decimal digits without the formatting machinery: the one writer behind list member names
//! (`Tags.member.12`), XML integers and validation paths.

/// `n` in decimal, written into the end of `out` (20 bytes hold every `u64`).
pub fn digits(mut n: u64, out: &mut [u8; 20]) -> &[u8] {
    let mut at = out.len();
    loop {
        at -= 1;
        out[at] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    &out[at..]
}

/// The last `out.len()` decimal digits of `n`, zero-padded, filling `out` (`007`).
pub fn padded(mut n: u64, out: &mut [u8]) {
    for digit in out.iter_mut().rev() {
        *digit = b'0' + (n % 10) as u8;
        n /= 10;
    }
}

/// `n` in decimal with its sign, as `i64::to_string` (20 bytes hold `i64::MIN`).
pub fn signed(n: i64, out: &mut [u8; 20]) -> &[u8] {
    let len = digits(n.unsigned_abs(), out).len();
    let mut at = out.len() - len;
    if n < 0 {
        at -= 1;
        out[at] = b'-';
    }
    &out[at..]
}

/// Appends `n` in decimal.
pub fn push(out: &mut String, n: usize) {
    let mut buf = [0u8; 20];
    for &d in digits(n as u64, &mut buf) {
        out.push(char::from(d));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn as_to_string() {
        let mut buf = [0u8; 20];
        for n in [0, 1, 9, 10, 99, 100, 12_345, i64::MAX, -1, -10, i64::MIN] {
            assert_eq!(signed(n, &mut buf), n.to_string().as_bytes(), "{n}");
        }
        assert_eq!(digits(u64::MAX, &mut buf), u64::MAX.to_string().as_bytes());
        let mut six = [0u8; 6];
        for (n, text) in [
            (0, "000000"),
            (41, "000041"),
            (999_999, "999999"),
            (1_000_040, "000040"),
        ] {
            padded(n, &mut six);
            assert_eq!(six, text.as_bytes(), "{n}");
        }
        let mut s = String::from("x.");
        push(&mut s, 907);
        assert_eq!(s, "x.907");
    }
}
