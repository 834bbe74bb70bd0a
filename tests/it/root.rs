//! AssumeRoot through the SDK: root-session credentials of the target account, 900 s at most.

use aws_sdk_sts::types::PolicyDescriptorType;

use crate::support::*;

fn task_policy(name: &str) -> PolicyDescriptorType {
    PolicyDescriptorType::builder()
        .arn(format!("arn:aws:iam::aws:policy/root-task/{name}"))
        .build()
}

#[tokio::test]
async fn assume_root_gives_the_target_accounts_root() {
    let server = start_pinned().await;
    let sts = client(&server, "AKIAIOSFODNN7EXAMPLE");
    let before = server.fake().clock().now();
    let out = sts
        .assume_root()
        .target_principal("111122223333")
        .task_policy_arn(task_policy("S3UnlockBucketPolicy"))
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
    let out = sts
        .assume_root()
        .target_principal("arn:aws:iam::444455556666:root")
        .task_policy_arn(task_policy("IAMAuditRootUserCredentials"))
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
    let err = sts
        .assume_root()
        .target_principal("111122223333")
        .task_policy_arn(task_policy("S3UnlockBucketPolicy"))
        .duration_seconds(901)
        .send()
        .await
        .unwrap_err();
    assert_eq!(
        error_of(err),
        sts_error(
            400,
            "ValidationError",
            "1 validation error detected: Value '901' at 'durationSeconds' failed to satisfy constraint: Member must have value less than or equal to 900"
        )
    );

    let err = sts
        .assume_root()
        .target_principal("111122223333")
        .task_policy_arn(task_policy("AdministratorAccess"))
        .send()
        .await
        .unwrap_err();
    let (status, code, message) = error_of(err);
    assert_eq!((status, code.as_str()), (400, "ValidationError"));
    assert!(
        message.contains("root-task/AdministratorAccess"),
        "{message}"
    );

    let err = sts
        .assume_root()
        .target_principal("not-an-account")
        .task_policy_arn(task_policy("S3UnlockBucketPolicy"))
        .send()
        .await
        .unwrap_err();
    assert_eq!(error_of(err).1, "ValidationError");

    // Root sessions cannot start another root session.
    let root = sts
        .assume_root()
        .target_principal("111122223333")
        .task_policy_arn(task_policy("SQSUnlockQueuePolicy"))
        .send()
        .await
        .unwrap();
    let err = session_client(&server, root.credentials().unwrap())
        .assume_root()
        .target_principal("111122223333")
        .task_policy_arn(task_policy("SQSUnlockQueuePolicy"))
        .send()
        .await
        .unwrap_err();
    assert_eq!(error_of(err).1, "AccessDenied");
}
