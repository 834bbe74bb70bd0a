//! GetDelegatedAccessToken through the SDK, with trade-in tokens from the admin route and config.

use parlel_sts::Server;
use parlel_sts::config::TradeInTokenConfig;
use serde_json::{Value, json};

use crate::support::*;

async fn trade_in_token(server: &Server, request: &Value) -> String {
    let body = admin_post(server, "trade-in-token", request).await;
    body["trade_in_token"].as_str().unwrap().to_owned()
}

async fn redeem(
    server: &Server,
    token: &str,
) -> Result<
    aws_sdk_sts::operation::get_delegated_access_token::GetDelegatedAccessTokenOutput,
    (u16, String, String),
> {
    client(server, "AKIAIOSFODNN7EXAMPLE")
        .get_delegated_access_token()
        .trade_in_token(token)
        .send()
        .await
        .map_err(error_of)
}

#[tokio::test]
async fn trade_in_tokens_become_sessions_of_their_principal() {
    let server = start_with(|c| {
        c.fake.clock = Some("2030-01-01T00:00:00Z".into());
        c.fake.trade_in_tokens.push(TradeInTokenConfig {
            token: "fixed-token-for-ci".into(),
            principal_arn: "arn:aws:iam::222233334444:user/ops/auditor".into(),
            session_name: None,
            duration_seconds: Some(900),
        });
    })
    .await;
    let token = trade_in_token(
        &server,
        &json!({"principal_arn": "arn:aws:iam::123456789012:role/Partner", "session_name": "vendor", "duration_seconds": 1800}),
    )
    .await;
    let out = redeem(&server, &token).await.expect("redeem");
    assert_eq!(
        out.assumed_principal(),
        Some("arn:aws:iam::123456789012:role/Partner")
    );
    #[allow(deprecated)]
    let packed = out.packed_policy_size();
    assert_eq!(packed, None);
    let creds = out.credentials().unwrap();
    let now = server.fake().clock().now();
    assert_eq!(creds.expiration().secs() - now, 1800);
    let me = whoami(&server, creds).await;
    assert_eq!(
        me.arn(),
        Some("arn:aws:sts::123456789012:assumed-role/Partner/vendor")
    );

    // The configured token: a session of the IAM user, who it still identifies as.
    let out = redeem(&server, "fixed-token-for-ci")
        .await
        .expect("configured token");
    assert_eq!(
        out.assumed_principal(),
        Some("arn:aws:iam::222233334444:user/ops/auditor")
    );
    let creds = out.credentials().unwrap();
    assert_eq!(creds.expiration().secs() - now, 900);
    let me = whoami(&server, creds).await;
    assert_eq!(me.arn(), Some("arn:aws:iam::222233334444:user/ops/auditor"));
    assert!(me.user_id().unwrap().starts_with("AIDA"));
}

#[tokio::test]
async fn expired_tokens_are_refused_and_unknown_ones_trade_for_the_default_principal() {
    let server = start().await;
    let expired = sts_error(
        400,
        "ExpiredTradeInTokenException",
        "The trade-in token provided in the request has expired and can no longer be exchanged for credentials.",
    );
    let default_principal = Some("arn:aws:iam::000000000000:user/parlel");
    let out = redeem(&server, "never-issued").await.expect("permissive");
    assert_eq!(out.assumed_principal(), default_principal);

    let token = trade_in_token(
        &server,
        &json!({"principal_arn": "arn:aws:iam::123456789012:role/Partner", "expires_in_seconds": 60}),
    )
    .await;
    assert!(redeem(&server, &token).await.is_ok());
    move_clock(&server, r#"{"advance_seconds": 61}"#).await;
    assert_eq!(redeem(&server, &token).await.unwrap_err(), expired);

    let token = trade_in_token(
        &server,
        &json!({"principal_arn": "arn:aws:iam::123456789012:role/Partner"}),
    )
    .await;
    // After a reset it is a token this server never issued (strict mode refuses it: trust.rs).
    server.fake().reset();
    let out = redeem(&server, &token).await.expect("permissive");
    assert_eq!(out.assumed_principal(), default_principal);

    // The admin route refuses what is not a role or user ARN.
    let r = raw(
        &server,
        "POST /_parlel/trade-in-token HTTP/1.1\r\nContent-Type: application/json",
        r#"{"principal_arn":"arn:aws:s3:::bucket"}"#,
    )
    .await;
    assert_eq!(r.status, 400, "{}", r.body);
}
