//! Session policies and tags across operations: JSON checks (MalformedPolicyDocument), the packed
//! size limit (PackedPolicyTooLarge) and the per-tag limits, through the SDK.
// The SDK's newer model marks PackedPolicySize deprecated; botocore's (this fake's authority) does not.
#![allow(deprecated)]

use crate::support::*;

const ARN: &str = "arn:aws:iam::123456789012:role/app";

#[tokio::test]
async fn policies_must_be_json_objects() {
    let server = start().await;
    let sts = client(&server, "AKIAIOSFODNN7EXAMPLE");
    let err = assume_role(&sts, ARN, "s1")
        .policy("{invalid")
        .send()
        .await
        .unwrap_err();
    let (status, code, message) = error_of(err);
    assert_eq!((status, code.as_str()), (400, "MalformedPolicyDocument"));
    // Jackson's diagnostic, as AWS words it: the character, its code, and where.
    assert!(
        message.starts_with("Unexpected character ('i' (code 105)): expected a valid value (number, String, array, object, 'true', 'false' or 'null')\n at [Source: java.io.StringReader@"),
        "{message}"
    );
    assert!(message.ends_with("; line: 1, column: 2]"), "{message}");

    let err = sts
        .get_federation_token()
        .name("bob")
        .policy(r#"["not", "an", "object"]"#)
        .send()
        .await
        .unwrap_err();
    assert_eq!(
        error_of(err),
        sts_error(400, "MalformedPolicyDocument", "Syntax errors in policy.")
    );

    let ok = assume_role(&sts, ARN, "s1")
        .policy(r#"{"Version":"2012-10-17","Statement":[{"Effect":"Allow","Action":"s3:*","Resource":"*"}]}"#)
        .send()
        .await
        .expect("a valid policy");
    let packed = ok.packed_policy_size().unwrap();
    assert!((1..=100).contains(&packed), "{packed}");
}

#[tokio::test]
async fn packed_size_limits_for_policies_and_tags() {
    let server = start().await;
    let sts = client(&server, "AKIAIOSFODNN7EXAMPLE");
    // AssumeRole's Policy has no modelled maximum: only the packed size limits it.
    let statements: Vec<String> = (0..40)
        .map(|i| format!(r#"{{"Effect":"Allow","Action":"s3:GetObject","Resource":"arn:aws:s3:::bucket-{i}/*"}}"#))
        .collect();
    let big = format!(
        r#"{{"Version":"2012-10-17","Statement":[{}]}}"#,
        statements.join(",")
    );
    let err = assume_role(&sts, ARN, "s1")
        .policy(&big)
        .send()
        .await
        .unwrap_err();
    let (status, code, message) = error_of(err);
    assert_eq!((status, code.as_str()), (400, "PackedPolicyTooLarge"));
    assert!(message.starts_with("Packed policy consumes "), "{message}");
    assert!(
        message.ends_with("% of allotted space, please use smaller policy."),
        "{message}"
    );

    let mut request = assume_role(&sts, ARN, "s1");
    for i in 0..50 {
        request = request.tags(tag(&format!("{i:0>128}"), &"v".repeat(256)));
    }
    let (status, code, message) = error_of(request.send().await.unwrap_err());
    assert_eq!((status, code.as_str()), (400, "PackedPolicyTooLarge"));
    assert!(
        message.starts_with("Packed size of session tags consumes "),
        "{message}"
    );
    assert!(message.ends_with("% of allotted space."), "{message}");

    // Each tag within the model's limits.
    let err = assume_role(&sts, ARN, "s1")
        .tags(tag(&"k".repeat(129), "v"))
        .send()
        .await
        .unwrap_err();
    let (_, code, message) = error_of(err);
    assert_eq!(code, "ValidationError");
    assert!(
        message.ends_with("at 'tags.1.member.key' failed to satisfy constraint: Member must have length less than or equal to 128"),
        "{message}"
    );
    let err = assume_role(&sts, ARN, "s1")
        .tags(tag("k", "bad\u{7}value"))
        .send()
        .await
        .unwrap_err();
    assert_eq!(error_of(err).1, "ValidationError");
}
