//! Typed responses: what an operation answers, before it becomes bytes. An operation builds a
//! `Output` (its result members in AWS's order); `wire::render` turns it into XML or JSON.

use time::OffsetDateTime;
#[cfg(test)]
use time::format_description::well_known::Rfc3339;

/// The result of one operation: `<{operation}Result>` children in the order AWS emits them.
#[derive(Debug, Clone, PartialEq)]
pub struct Output {
    pub operation: &'static str,
    pub result: Vec<Field>,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Field {
    pub name: &'static str,
    pub value: Value,
}

#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Str(String),
    Int(i64),
    /// Seconds since the epoch; `YYYY-MM-DDTHH:MM:SSZ` in XML, a number in JSON (as STS does).
    Time(i64),
    Struct(Vec<Field>),
}

/// Builds a list of fields in order: `Fields::new().str("Arn", arn).int("PackedPolicySize", 6)`.
#[derive(Debug, Default)]
pub struct Fields(Vec<Field>);

impl Fields {
    pub fn new() -> Fields {
        Fields(Vec::with_capacity(4))
    }

    pub fn str(mut self, name: &'static str, value: impl Into<String>) -> Fields {
        self.0.push(Field {
            name,
            value: Value::Str(value.into()),
        });
        self
    }

    pub fn opt_str(self, name: &'static str, value: Option<impl Into<String>>) -> Fields {
        match value {
            Some(v) => self.str(name, v),
            None => self,
        }
    }

    pub fn int(mut self, name: &'static str, value: i64) -> Fields {
        self.0.push(Field {
            name,
            value: Value::Int(value),
        });
        self
    }

    pub fn opt_int(self, name: &'static str, value: Option<i64>) -> Fields {
        match value {
            Some(v) => self.int(name, v),
            None => self,
        }
    }

    pub fn time(mut self, name: &'static str, epoch_seconds: i64) -> Fields {
        self.0.push(Field {
            name,
            value: Value::Time(epoch_seconds),
        });
        self
    }

    pub fn nested(mut self, name: &'static str, fields: Fields) -> Fields {
        self.0.push(Field {
            name,
            value: Value::Struct(fields.0),
        });
        self
    }

    pub fn output(self, operation: &'static str) -> Output {
        Output {
            operation,
            result: self.0,
        }
    }
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
