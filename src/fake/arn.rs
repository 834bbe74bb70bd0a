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
        let mut parts = text.splitn(6, ':');
        let mut next = || parts.next();
        let (
            Some("arn"),
            Some(partition),
            Some(service),
            Some(_region),
            Some(account),
            Some(resource),
        ) = (next(), next(), next(), next(), next(), next())
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
