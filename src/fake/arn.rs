//! ARNs as the fake reads them: `arn:PARTITION:SERVICE:REGION:ACCOUNT:RESOURCE`.

/// The parts of an ARN. Parsing checks the shape only; what an ARN must name is the caller's call.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Arn<'a> {
    pub partition: &'a str,
    pub service: &'a str,
    pub account: &'a str,
    pub resource: &'a str,
}

impl<'a> Arn<'a> {
    /// `None` unless the text has six `:`-separated parts, starts with `arn`, and names a
    /// partition, a service and a resource.
    pub fn parse(text: &'a str) -> Option<Arn<'a>> {
        // `text.splitn(6, ':')`, by byte scans (cheaper than the `char` searcher on short parts;
        // a split at an ASCII byte always lands on a character boundary).
        let mut rest = Some(text);
        let mut next = |last: bool| {
            let remaining = rest?;
            if last {
                rest = None;
                return Some(remaining);
            }
            match remaining.bytes().position(|b| b == b':') {
                Some(i) => {
                    rest = remaining.get(i + 1..);
                    remaining.get(..i)
                }
                None => {
                    rest = None;
                    Some(remaining)
                }
            }
        };
        let (
            Some("arn"),
            Some(partition),
            Some(service),
            Some(_region),
            Some(account),
            Some(resource),
        ) = (
            next(false),
            next(false),
            next(false),
            next(false),
            next(false),
            next(true),
        )
        else {
            return None;
        };
        (!partition.is_empty() && !service.is_empty() && !resource.is_empty()).then_some(Arn {
            partition,
            service,
            account,
            resource,
        })
    }

    /// An IAM resource of a 12-digit account: for `arn:aws:iam::123456789012:role/team/app` and
    /// `kind` `role`, `Some(("123456789012", "team/app"))`.
    pub fn iam(&self, kind: &str) -> Option<(&'a str, &'a str)> {
        let rest = self.resource.strip_prefix(kind)?.strip_prefix('/')?;
        (self.service == "iam" && is_account_id(self.account) && !rest.is_empty())
            .then_some((self.account, rest))
    }
}

/// Twelve ASCII digits.
pub fn is_account_id(text: &str) -> bool {
    text.len() == 12 && text.bytes().all(|b| b.is_ascii_digit())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_splits_as_splitn() {
        for text in [
            "",
            "arn",
            "arn:",
            "arn:a:b:c:d",
            "arn:a:b:c:d:",
            "arn:a:b:c:d:e",
            "arn:a:b:c:d:e:f:g",
            "arn:aws:iam::123456789012:role/x",
            "arn::iam::1:r",
            "arn:é:ü::1:r:s",
            "x:a:b:c:d:e",
        ] {
            let mut parts = text.splitn(6, ':');
            let expected = match (
                parts.next(),
                parts.next(),
                parts.next(),
                parts.next(),
                parts.next(),
                parts.next(),
            ) {
                (Some("arn"), Some(p), Some(s), Some(_), Some(a), Some(r))
                    if !p.is_empty() && !s.is_empty() && !r.is_empty() =>
                {
                    Some((p, s, a, r))
                }
                _ => None,
            };
            let got = Arn::parse(text).map(|a| (a.partition, a.service, a.account, a.resource));
            assert_eq!(got, expected, "{text}");
        }
    }

    #[test]
    fn parts_and_iam_resources() {
        let arn = Arn::parse("arn:aws:iam::123456789012:role/team/app").unwrap();
        assert_eq!((arn.partition, arn.service), ("aws", "iam"));
        assert_eq!(arn.iam("role"), Some(("123456789012", "team/app")));
        assert_eq!(arn.iam("user"), None);
        assert_eq!(
            Arn::parse("arn:aws:iam::12345:role/x").unwrap().iam("role"),
            None
        );
        assert_eq!(
            Arn::parse("arn:aws:iam::123456789012:role/")
                .unwrap()
                .iam("role"),
            None
        );
        for bad in [
            "",
            "arn:aws:iam::1",
            "arn::iam::1:r",
            "nope:aws:iam::1:r",
            "arn:aws:iam::1:",
        ] {
            assert!(Arn::parse(bad).is_none(), "{bad}");
        }
    }
}
