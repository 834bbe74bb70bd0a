//! Instants as STS writes and reads them: RFC 3339 in, `YYYY-MM-DDTHH:MM:SSZ` out. Shared by the
//! configuration (`fake.clock`), the admin routes, SAML assertions and the XML writer.

use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

/// An RFC 3339 instant as milliseconds since the epoch.
pub fn parse_rfc3339_ms(text: &str) -> Result<i64, time::error::Parse> {
    OffsetDateTime::parse(text, &Rfc3339).map(|t| (t.unix_timestamp_nanos() / 1_000_000) as i64)
}

/// `2026-11-23T10:00:00Z`: second precision, as live STS answers.
pub fn iso8601_seconds(epoch_seconds: i64) -> String {
    let mut buf = [0u8; 20];
    String::from_utf8_lossy(iso8601_seconds_into(epoch_seconds, &mut buf)).into_owned()
}

/// `iso8601_seconds` into a stack buffer: RFC 3339 in UTC with no fraction, for years 0..=9999
/// (what RFC 3339 can express); the epoch for anything else.
pub fn iso8601_seconds_into(epoch_seconds: i64, out: &mut [u8; 20]) -> &[u8] {
    const FALLBACK: &[u8; 20] = b"1970-01-01T00:00:00Z";
    let Ok(t) = OffsetDateTime::from_unix_timestamp(epoch_seconds) else {
        return FALLBACK;
    };
    let Ok(year) = u32::try_from(t.year()) else {
        return FALLBACK;
    };
    if year > 9999 {
        return FALLBACK;
    }
    let two = |out: &mut [u8; 20], at: usize, v: u8| {
        out[at] = b'0' + v / 10;
        out[at + 1] = b'0' + v % 10;
    };
    out[0] = b'0' + (year / 1000) as u8;
    out[1] = b'0' + (year / 100 % 10) as u8;
    out[2] = b'0' + (year / 10 % 10) as u8;
    out[3] = b'0' + (year % 10) as u8;
    out[4] = b'-';
    two(out, 5, u8::from(t.month()));
    out[7] = b'-';
    two(out, 8, t.day());
    out[10] = b'T';
    two(out, 11, t.hour());
    out[13] = b':';
    two(out, 14, t.minute());
    out[16] = b':';
    two(out, 17, t.second());
    out[19] = b'Z';
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_have_second_precision() {
        assert_eq!(iso8601_seconds(0), "1970-01-01T00:00:00Z");
        assert_eq!(iso8601_seconds(1_700_000_000), "2023-11-14T22:13:20Z");
        let rfc3339 = |t: i64| {
            OffsetDateTime::from_unix_timestamp(t)
                .ok()
                .and_then(|t| t.format(&Rfc3339).ok())
                .unwrap_or_else(|| "1970-01-01T00:00:00Z".to_owned())
        };
        let mut t = -62_167_219_300_i64;
        while t < 253_402_400_000 {
            assert_eq!(iso8601_seconds(t), rfc3339(t), "{t}");
            t += 86_399_017;
        }
        for t in [
            -1,
            0,
            59,
            253_402_300_799,
            253_402_300_800,
            i64::MAX,
            i64::MIN,
        ] {
            assert_eq!(iso8601_seconds(t), rfc3339(t), "{t}");
        }
    }
}
