//! How STS reads an integer member, before any constraint is checked.

use crate::error::{ErrorCode, StsError};

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
}
