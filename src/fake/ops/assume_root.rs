//! AssumeRoot: a short privileged session as the root user of a member account, scoped by one of
//! AWS's five root task policies. `DurationSeconds` is 0..900 (the model's range), default 900; the
//! credentials identify as `arn:aws:iam::TARGET:root`.

use super::Call;
use crate::error::StsError;
use crate::fake::arn::{Arn, is_account_id};
use crate::fake::claims::{Origin, SessionClaims};
use crate::fake::principal::Principal;
use crate::wire::output::{Fields, Output};

const DEFAULT_DURATION: i32 = 900;

/// The AWS managed policies an AssumeRoot session may be scoped to.
pub const ROOT_TASK_POLICIES: [&str; 5] = [
    "IAMAuditRootUserCredentials",
    "IAMCreateRootUserPassword",
    "IAMDeleteRootUserCredentials",
    "S3UnlockBucketPolicy",
    "SQSUnlockQueuePolicy",
];
const TASK_POLICY_PREFIX: &str = "arn:aws:iam::aws:policy/root-task/";

pub fn assume_root(call: &mut Call<'_>) -> Result<Output, StsError> {
    let caller = call.caller()?.principal();
    if matches!(caller, Principal::Root { .. }) {
        return Err(StsError::access_denied(
            "You cannot use root user credentials to make this call.",
        ));
    }
    let target = target_account(call.str("TargetPrincipal"))?;
    let task_policy = call.str("TaskPolicyArn.arn");
    let known = task_policy
        .strip_prefix(TASK_POLICY_PREFIX)
        .is_some_and(|name| ROOT_TASK_POLICIES.contains(&name));
    if !known {
        return Err(StsError::validation(format!(
            "The TaskPolicyArn {task_policy} is not a valid root task policy. \
             Valid values: {}",
            ROOT_TASK_POLICIES
                .map(|p| format!("{TASK_POLICY_PREFIX}{p}"))
                .join(", ")
        )));
    }
    let duration = call.int("DurationSeconds")?.unwrap_or(DEFAULT_DURATION);
    let principal = Principal::Root {
        account: target.to_owned(),
    };
    let claims = SessionClaims::new(principal, Origin::AssumeRoot, call.now, duration);
    let credentials = call.fake.issue(&mut call.rng, claims);
    Ok(Fields::new()
        .nested("Credentials", credentials)
        .output("AssumeRoot"))
}

/// A member account id, or an ARN in that account (`arn:aws:iam::111122223333:root`).
fn target_account(target: &str) -> Result<&str, StsError> {
    if is_account_id(target) {
        return Ok(target);
    }
    Arn::parse(target)
        .map(|arn| arn.account)
        .filter(|account| is_account_id(account))
        .ok_or_else(|| {
            StsError::validation(format!(
                "The TargetPrincipal {target} is not a valid account ID or principal ARN."
            ))
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn target_is_an_account_or_an_arn_in_one() {
        assert_eq!(target_account("111122223333").unwrap(), "111122223333");
        assert_eq!(
            target_account("arn:aws:iam::111122223333:root").unwrap(),
            "111122223333"
        );
        assert!(target_account("11112222333x").is_err());
        assert!(target_account("arn:aws:iam::1111:root").is_err());
    }
}
