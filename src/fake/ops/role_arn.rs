//! A role ARN as AssumeRole reads it: `arn:PARTITION:iam::ACCOUNT:role/[PATH/]NAME`.

use crate::error::StsError;
use crate::fake::arn::Arn;

pub struct RoleArn<'a> {
    pub partition: &'a str,
    /// `None` when the ARN parses but does not name a role of a 12-digit account: AWS then answers
    /// AccessDenied, as for a role that does not exist.
    pub role: Option<(&'a str, &'a str)>,
}

impl<'a> RoleArn<'a> {
    /// Fails with AWS's `{arn} is invalid` when the text is not an ARN at all.
    pub fn parse(text: &'a str) -> Result<RoleArn<'a>, StsError> {
        let arn =
            Arn::parse(text).ok_or_else(|| StsError::validation(format!("{text} is invalid")))?;
        let role = arn.iam("role").and_then(|(account, path_and_name)| {
            let name = path_and_name.rsplit('/').next().filter(|n| !n.is_empty())?;
            Some((account, name))
        });
        Ok(RoleArn {
            partition: arn.partition,
            role,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn invalid_arns_as_aws_reports_them() {
        for bad in [
            "nothing-valid-in-here",
            "arn::b:::something/test-role",
            "arn:a::::something/test-role",
            "arn:a:::something/test-role",
            "arn:a:a::aaaaaaaaaa:",
            "xxxxxxxxxxxxxxxxxxxx",
        ] {
            let err = RoleArn::parse(bad).err().unwrap();
            assert_eq!(err.message.unwrap(), format!("{bad} is invalid"));
        }
    }

    #[test]
    fn role_name_drops_the_path() {
        let r = RoleArn::parse("arn:aws:iam::123456789012:role/team/app").unwrap();
        assert_eq!(r.role, Some(("123456789012", "app")));
        assert!(
            RoleArn::parse("arn:aws:iam::123456789012:user/app")
                .unwrap()
                .role
                .is_none()
        );
        assert!(
            RoleArn::parse("arn:aws:iam::12:role/app")
                .unwrap()
                .role
                .is_none()
        );
        assert_eq!(
            RoleArn::parse("arn:aws-cn:iam::123456789012:role/a")
                .unwrap()
                .partition,
            "aws-cn"
        );
    }
}
