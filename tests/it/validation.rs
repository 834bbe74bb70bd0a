//! Model constraints and AWS's exact validation grammar, through the SDK where it sends the value
//! and raw HTTP where the SDK would not.

use crate::support::*;

async fn assume(
    server: &parlel_sts::Server,
    arn: &str,
    session: &str,
    duration: Option<i32>,
) -> (u16, String, String) {
    let err = assume_role(&client(server, "AKIAIOSFODNN7EXAMPLE"), arn, session)
        .set_duration_seconds(duration)
        .send()
        .await
        .unwrap_err();
    error_of(err)
}

const ARN: &str = "arn:aws:iam::123456789012:role/app";

#[tokio::test]
async fn lengths_patterns_and_ranges() {
    let server = start().await;
    let v = |m: &str| (400, "ValidationError".to_owned(), m.to_owned());
    assert_eq!(
        assume(&server, ARN, "a", None).await,
        v(
            "1 validation error detected: Value 'a' at 'roleSessionName' failed to satisfy constraint: Member must have length greater than or equal to 2"
        )
    );
    assert_eq!(
        assume(&server, ARN, "bad/name", None).await,
        v(
            "1 validation error detected: Value 'bad/name' at 'roleSessionName' failed to satisfy constraint: Member must satisfy regular expression pattern: [\\w+=,.@-]*"
        )
    );
    assert_eq!(
        assume(&server, ARN, &"x".repeat(65), None).await,
        v(&format!(
            "1 validation error detected: Value '{}' at 'roleSessionName' failed to satisfy constraint: Member must have length less than or equal to 64",
            "x".repeat(65)
        ))
    );
    assert_eq!(
        assume(&server, ARN, "s1", Some(43201)).await,
        v(
            "1 validation error detected: Value '43201' at 'durationSeconds' failed to satisfy constraint: Member must have value less than or equal to 43200"
        )
    );
    assert_eq!(
        assume(&server, ARN, "s1", Some(899)).await,
        v(
            "1 validation error detected: Value '899' at 'durationSeconds' failed to satisfy constraint: Member must have value greater than or equal to 900"
        )
    );
    assert_eq!(
        assume(&server, "not-an-arn", "a", None).await,
        v(
            "2 validation errors detected: Value 'not-an-arn' at 'roleArn' failed to satisfy constraint: Member must have length greater than or equal to 20; Value 'a' at 'roleSessionName' failed to satisfy constraint: Member must have length greater than or equal to 2"
        )
    );
    assert_eq!(
        assume(&server, "nothing-valid-in-here", "s1", None).await,
        v("nothing-valid-in-here is invalid")
    );
    let err = client(&server, "AKIAIOSFODNN7EXAMPLE")
        .get_access_key_info()
        .access_key_id("short")
        .send()
        .await
        .unwrap_err();
    assert_eq!(
        error_of(err).2,
        "1 validation error detected: Value 'short' at 'accessKeyId' failed to satisfy constraint: Member must have length greater than or equal to 16"
    );
    let err = client(&server, "AKIAIOSFODNN7EXAMPLE")
        .get_federation_token()
        .name("b")
        .policy("x".repeat(2049))
        .send()
        .await
        .unwrap_err();
    assert!(error_of(err).2.starts_with(
        "2 validation errors detected: Value 'b' at 'name' failed to satisfy constraint: Member must have length greater than or equal to 2; Value 'xxx"
    ));
}

#[tokio::test]
async fn missing_members_empty_values_and_lists() {
    let server = start().await;
    let r = post(&server, "Action=AssumeRole&Version=2011-06-15").await;
    assert_eq!(r.status, 400);
    assert!(r.body.contains("<Code>ValidationError</Code>"));
    assert!(r.body.contains("<Message>2 validation errors detected: Value null at 'roleArn' failed to satisfy constraint: Member must not be null; Value null at 'roleSessionName' failed to satisfy constraint: Member must not be null</Message>"), "{}", r.body);

    let r = post(
        &server,
        "Action=AssumeRole&Version=2011-06-15&RoleArn=&RoleSessionName=ok",
    )
    .await;
    assert!(r.body.contains("2 validation errors detected: Value '' at 'roleArn' failed to satisfy constraint: Member must satisfy regular expression pattern: "), "{}", r.body);

    let tags: String = (1..=51)
        .map(|i| format!("&Tags.member.{i}.Key=k{i}&Tags.member.{i}.Value=v"))
        .collect();
    let r = post(
        &server,
        &format!("Action=AssumeRole&Version=2011-06-15&RoleArn={ARN}&RoleSessionName=s1{tags}"),
    )
    .await;
    assert!(r.body.contains("at 'tags' failed to satisfy constraint: Member must have length less than or equal to 50"), "{}", r.body);

    let r = post(&server, &format!("Action=AssumeRole&Version=2011-06-15&RoleArn={ARN}&RoleSessionName=s1&Tags.member.1.Key=a&Tags.member.1.Value=1&Tags.member.2.Key=A&Tags.member.2.Value=2")).await;
    assert_eq!(r.status, 400);
    assert!(r.body.contains("<Code>InvalidParameterValue</Code>"));
    assert!(
        r.body
            .contains("Duplicate tag keys found. Please note that Tag keys are case insensitive.")
    );
}

#[tokio::test]
async fn integers_parse_as_signed_32_bit() {
    let server = start().await;
    let base = format!("Action=AssumeRole&Version=2011-06-15&RoleArn={ARN}&RoleSessionName=s1");
    let ok = post(&server, &format!("{base}&DurationSeconds=%2B900")).await;
    assert_eq!(ok.status, 200, "{}", ok.body);
    for bad in ["abc", "900.0", "2147483648"] {
        let r = post(&server, &format!("{base}&DurationSeconds={bad}")).await;
        assert_eq!(r.status, 400);
        assert!(r.body.contains("<Code>MalformedInput</Code>"), "{}", r.body);
        assert!(
            !r.body.contains("<Message>"),
            "no message for {bad}: {}",
            r.body
        );
    }
    let r = post(&server, &format!("{base}&DurationSeconds=")).await;
    assert!(
        r.body
            .contains("<Message>missing value for decimal type</Message>")
    );
    let r = post(&server, &format!("{base}&DurationSeconds=-2147483648")).await;
    assert!(
        r.body.contains("Value '-2147483648' at 'durationSeconds'"),
        "{}",
        r.body
    );
}

#[tokio::test]
async fn lengths_count_code_points_and_patterns_follow_java() {
    let server = start().await;
    let base = "Action=AssumeRole&Version=2011-06-15&RoleSessionName=s1&RoleArn=";
    let prefix = "arn:aws:iam::123456789012:role/";
    // 2048 code points (more bytes) pass arnType's length; 2049 do not.
    let name = "%C3%A9".repeat(2048 - prefix.len());
    let r = post(&server, &format!("{base}{prefix}{name}")).await;
    assert_eq!(r.status, 200, "{}", r.body);
    let r = post(&server, &format!("{base}{prefix}{name}%C3%A9")).await;
    assert!(
        r.body
            .contains("Member must have length less than or equal to 2048"),
        "{}",
        r.body
    );
    // Supplementary-plane characters never match arnType's pattern (Java's \uXXXX is 4 digits).
    let r = post(&server, &format!("{base}{prefix}%F0%9F%98%80")).await;
    assert!(r.body.contains("at 'roleArn' failed to satisfy constraint: Member must satisfy regular expression pattern"), "{}", r.body);
    // e + U+0301 is two code points (and four bytes): 3 code points fail a minimum of 4.
    let r = post(
        &server,
        &format!("{base}{prefix}app&ProvidedContexts.member.1.ProviderArn=arn%3Aaws%3Aiam%3A%3Aaws%3Acontextprovider%2FIdentityCenter&ProvidedContexts.member.1.ContextAssertion=e%CC%81e"),
    )
    .await;
    assert!(r.body.contains("1 validation error detected: Value 'e\u{301}e' at 'providedContexts.1.member.contextAssertion' failed to satisfy constraint: Member must have length greater than or equal to 4"), "{}", r.body);
    // Java's \w is ASCII-only.
    let r = post(
        &server,
        &format!("Action=AssumeRole&Version=2011-06-15&RoleArn={ARN}&RoleSessionName=caf%C3%A9"),
    )
    .await;
    assert!(r.body.contains("Value 'café' at 'roleSessionName' failed to satisfy constraint: Member must satisfy regular expression pattern"), "{}", r.body);
}

#[tokio::test]
async fn control_characters_still_give_parseable_errors() {
    let server = start().await;
    let err = assume_role(&client(&server, "AKIAIOSFODNN7EXAMPLE"), ARN, "\u{1}\u{1}")
        .send()
        .await
        .unwrap_err();
    let (status, code, message) = error_of(err);
    assert_eq!((status, code.as_str()), (400, "ValidationError"));
    assert!(
        message.contains("Value '\u{FFFD}\u{FFFD}' at 'roleSessionName'"),
        "{message}"
    );
}

#[tokio::test]
async fn federation_tokens_ignore_parameters_they_do_not_have() {
    let server = start().await;
    let r = post(
        &server,
        "Action=GetFederationToken&Version=2011-06-15&Name=bob&Tags.member.1.Key=a&Tags.member.1.Value=1&TransitiveTagKeys.member.1=zzz",
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let order = [
        "<Credentials>",
        "<AccessKeyId>",
        "<Expiration>",
        "</Credentials>",
        "<FederatedUser>",
        "<Arn>arn:aws:sts::000000000000:federated-user/bob</Arn>",
        "<FederatedUserId>000000000000:bob</FederatedUserId>",
        "<PackedPolicySize>",
    ];
    let positions: Vec<usize> = order
        .iter()
        .map(|p| r.body.find(p).unwrap_or_else(|| panic!("{p}")))
        .collect();
    assert!(positions.windows(2).all(|w| w[0] < w[1]), "{}", r.body);
    let r = post(&server, "Action=GetSessionToken&Version=2011-06-15").await;
    assert!(
        r.body
            .contains("<GetSessionTokenResult>\n    <Credentials>\n      <AccessKeyId>ASIA"),
        "{}",
        r.body
    );
}
