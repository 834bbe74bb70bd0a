//! AssumeRoot through the SDK: root-session credentials of the target account, 900 s at most.

use aws_sdk_sts::types::PolicyDescriptorType;

use crate::support::*;

fn task_policy(name: &str) -> PolicyDescriptorType {
    PolicyDescriptorType::builder()
        .arn(format!("arn:aws:iam::aws:policy/root-task/{name}"))
        .build()
}

/// AssumeRoot of `target` scoped by the root-task policy `policy`; add parameters, then `.send()`.
fn assume_root(
    sts: &aws_sdk_sts::Client,
    target: &str,
    policy: &str,
) -> aws_sdk_sts::operation::assume_root::builders::AssumeRootFluentBuilder {
    sts.assume_root()
        .target_principal(target)
        .task_policy_arn(task_policy(policy))
}

#[tokio::test]
async fn assume_root_gives_the_target_accounts_root() {
    let server = start_pinned().await;
    let sts = client(&server, "AKIAIOSFODNN7EXAMPLE");
    let before = server.fake().clock().now();
    let out = assume_root(&sts, "111122223333", "S3UnlockBucketPolicy")
        .send()
        .await
        .expect("AssumeRoot");
    let creds = out.credentials().expect("credentials");
    assert!(creds.access_key_id().starts_with("ASIA"));
    assert_eq!(creds.expiration().secs() - before, 900, "default duration");
    assert_eq!(out.source_identity(), None);
    let me = whoami(&server, creds).await;
    assert_eq!(me.arn(), Some("arn:aws:iam::111122223333:root"));
    assert_eq!(me.user_id(), Some("111122223333"));
    assert_eq!(me.account(), Some("111122223333"));
    let key_account = sts
        .get_access_key_info()
        .access_key_id(creds.access_key_id())
        .send()
        .await
        .unwrap();
    assert_eq!(key_account.account(), Some("111122223333"));

    // An ARN in the member account works too, and a shorter duration is kept.
    let out = assume_root(
        &sts,
        "arn:aws:iam::444455556666:root",
        "IAMAuditRootUserCredentials",
    )
    .duration_seconds(300)
    .send()
    .await
    .expect("AssumeRoot with an ARN");
    let creds = out.credentials().unwrap();
    assert_eq!(creds.expiration().secs() - before, 300);
    assert_eq!(whoami(&server, creds).await.account(), Some("444455556666"));
}

#[tokio::test]
async fn assume_root_errors() {
    let server = start().await;
    let sts = client(&server, "AKIAIOSFODNN7EXAMPLE");
    assert_eq!(
        failure(
            assume_root(&sts, "111122223333", "S3UnlockBucketPolicy")
                .duration_seconds(901)
                .send(),
        )
        .await,
        sts_error(
            400,
            "ValidationError",
            "1 validation error detected: Value '901' at 'durationSeconds' failed to satisfy constraint: Member must have value less than or equal to 900"
        )
    );

    let (status, code, message) =
        failure(assume_root(&sts, "111122223333", "AdministratorAccess").send()).await;
    assert_eq!((status, code.as_str()), (400, "ValidationError"));
    assert!(
        message.contains("root-task/AdministratorAccess"),
        "{message}"
    );

    assert_eq!(
        failure(assume_root(&sts, "not-an-account", "S3UnlockBucketPolicy").send())
            .await
            .1,
        "ValidationError"
    );

    // Root sessions cannot start another root session.
    let root = assume_root(&sts, "111122223333", "SQSUnlockQueuePolicy")
        .send()
        .await
        .unwrap();
    assert_eq!(
        failure(
            assume_root(
                &session_client(&server, root.credentials().unwrap()),
                "111122223333",
                "SQSUnlockQueuePolicy",
            )
            .send(),
        )
        .await,
        sts_error(
            403,
            "AccessDenied",
            "You cannot use root user credentials to make this call."
        )
    );
}
