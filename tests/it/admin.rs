//! The `/_parlel/*` admin routes.

use crate::support::*;

#[tokio::test]
async fn health_counts_live_sessions_and_reset_forgets_them() {
    let server = start_with(|c| c.fake.clock = Some("2030-01-01T00:00:00Z".into())).await;
    let health = raw(&server, "GET /_parlel/health HTTP/1.1", "").await;
    assert_eq!(health.status, 200);
    assert_eq!(
        health.header("content-type").as_deref(),
        Some("application/json")
    );
    let json: serde_json::Value = serde_json::from_str(&health.body).unwrap();
    assert_eq!(json["status"], "ok");
    assert_eq!(json["service"], "sts");
    assert_eq!(json["mode"], "fake");
    assert_eq!(json["live_sessions"], 0);

    let sts = client(&server, "AKIAIOSFODNN7EXAMPLE");
    let session = assume_role(&sts, "arn:aws:iam::123456789012:role/app", "s1")
        .duration_seconds(900)
        .send()
        .await
        .unwrap();
    sts.get_session_token().send().await.unwrap();
    let live = |body: &str| {
        serde_json::from_str::<serde_json::Value>(body).unwrap()["live_sessions"].clone()
    };
    assert_eq!(
        live(&raw(&server, "GET /_parlel/health HTTP/1.1", "").await.body),
        2
    );
    move_clock(&server, r#"{"advance_seconds": 1000}"#).await;
    assert_eq!(
        live(&raw(&server, "GET /_parlel/health HTTP/1.1", "").await.body),
        1
    );

    let reset = raw(&server, "POST /_parlel/reset HTTP/1.1", "").await;
    assert_eq!((reset.status, reset.body.as_str()), (200, r#"{"ok":true}"#));
    assert_eq!(
        live(&raw(&server, "GET /_parlel/health HTTP/1.1", "").await.body),
        0
    );
    // Sessions issued before the reset are "never issued here": the default principal.
    move_clock(&server, r#"{"set": "2030-01-01T00:00:00Z"}"#).await;
    let me = whoami(&server, session.credentials().unwrap()).await;
    assert_eq!(me.arn(), Some("arn:aws:iam::000000000000:user/parlel"));
}

#[tokio::test]
async fn clock_routes() {
    let server = start().await;
    let r = move_clock(&server, r#"{"set": "2031-05-06T07:08:09Z"}"#).await;
    assert_eq!(r.body, r#"{"frozen":true,"now":"2031-05-06T07:08:09Z"}"#);
    let r = move_clock(&server, r#"{"advance_seconds": 60}"#).await;
    assert_eq!(r.body, r#"{"frozen":true,"now":"2031-05-06T07:09:09Z"}"#);
    let r = raw(&server, "GET /_parlel/clock HTTP/1.1", "").await;
    assert!(r.body.contains("2031-05-06T07:09:09Z"));
    let r = move_clock(&server, r#"{"release": true}"#).await;
    assert!(r.body.contains(r#""frozen":false"#));
    let bad = raw(
        &server,
        "POST /_parlel/clock HTTP/1.1",
        r#"{"set": "tomorrow"}"#,
    )
    .await;
    assert_eq!(bad.status, 400);
    assert_eq!(
        raw(&server, "GET /_parlel/nope HTTP/1.1", "").await.status,
        404
    );
    assert_eq!(
        raw(&server, "GET /_parlel/reset HTTP/1.1", "").await.status,
        405
    );
}
