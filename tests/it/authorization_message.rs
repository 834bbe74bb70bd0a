//! DecodeAuthorizationMessage through the SDK, with messages encoded by the admin route.

use serde_json::{Value, json};

use crate::support::*;

async fn encode(server: &parlel_sts::Server, request: &Value) -> String {
    let body = admin_post(server, "authorization-message", request).await;
    body["encoded_message"].as_str().unwrap().to_owned()
}

#[tokio::test]
async fn decodes_what_the_admin_route_encoded() {
    let server = start().await;
    let encoded = encode(
        &server,
        &json!({
            "action": "ec2:RunInstances",
            "resource": "arn:aws:ec2:us-east-1:000000000000:instance/*",
            "conditions": {"ec2:InstanceMarketType": ["on-demand"], "aws:Region": ["us-east-1"]},
        }),
    )
    .await;
    let sts = client(&server, "AKIAIOSFODNN7EXAMPLE");
    let out = sts
        .decode_authorization_message()
        .encoded_message(&encoded)
        .send()
        .await
        .expect("DecodeAuthorizationMessage");
    let text = out.decoded_message().unwrap();
    // Live STS's layout: these keys first, in this order, with JSON booleans.
    assert!(
        text.starts_with(r#"{"allowed":false,"explicitDeny":false,"matchedStatements":{"items":[]},"failures":{"items":[]},"context":{"principal":{"id":"#),
        "{text}"
    );
    let decoded: Value = serde_json::from_str(text).unwrap();
    assert_eq!(decoded["context"]["action"], "ec2:RunInstances");
    assert_eq!(
        decoded["context"]["principal"]["arn"],
        "arn:aws:iam::000000000000:user/parlel"
    );
    let conditions = decoded["context"]["conditions"]["items"]
        .as_array()
        .unwrap();
    assert!(conditions.contains(
        &json!({"key": "ec2:InstanceMarketType", "values": {"items": [{"value": "on-demand"}]}})
    ));

    // An explicit deny with a named principal.
    let encoded = encode(
        &server,
        &json!({
            "action": "s3:GetObject",
            "resource": "arn:aws:s3:::bucket/key",
            "explicit_deny": true,
            "principal": {"id": "AROAEXAMPLE:s", "arn": "arn:aws:sts::000000000000:assumed-role/r/s"},
            "matched_statements": [{"effect": "DENY"}],
        }),
    )
    .await;
    let out = sts
        .decode_authorization_message()
        .encoded_message(&encoded)
        .send()
        .await
        .unwrap();
    let decoded: Value = serde_json::from_str(out.decoded_message().unwrap()).unwrap();
    assert_eq!(decoded["explicitDeny"], true);
    assert_eq!(decoded["context"]["principal"]["id"], "AROAEXAMPLE:s");
    assert_eq!(decoded["matchedStatements"]["items"][0]["effect"], "DENY");
}

#[tokio::test]
async fn garbage_and_stale_messages_are_invalid() {
    let server = start().await;
    let sts = client(&server, "AKIAIOSFODNN7EXAMPLE");
    let encoded = encode(&server, &json!({"action": "a:b", "resource": "*"})).await;
    for bad in ["garbage", &encoded[..encoded.len() - 2]] {
        let err = sts
            .decode_authorization_message()
            .encoded_message(bad)
            .send()
            .await
            .unwrap_err();
        let (status, code, _) = error_of(err);
        assert_eq!(
            (status, code.as_str()),
            (400, "InvalidAuthorizationMessageException")
        );
    }
    // A reset forgets what this server encoded.
    server.fake().reset();
    let err = sts
        .decode_authorization_message()
        .encoded_message(&encoded)
        .send()
        .await
        .unwrap_err();
    assert_eq!(error_of(err).1, "InvalidAuthorizationMessageException");

    // ... and one that would encode longer than DecodeAuthorizationMessage accepts.
    let long = serde_json::json!({"action": "a:b", "resource": "x".repeat(9000)}).to_string();
    let r = raw(
        &server,
        "POST /_parlel/authorization-message HTTP/1.1\r\nContent-Type: application/json",
        &long,
    )
    .await;
    assert_eq!(r.status, 400, "{}", r.body);

    // The admin route refuses a request without the action.
    let r = raw(
        &server,
        "POST /_parlel/authorization-message HTTP/1.1\r\nContent-Type: application/json",
        r#"{"resource":"*"}"#,
    )
    .await;
    assert_eq!(r.status, 400, "{}", r.body);
}
