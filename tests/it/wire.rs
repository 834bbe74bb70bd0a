//! The wire itself, in raw HTTP/1.1 bytes: envelopes, headers, redirects, protocol quirks, limits,
//! determinism.

use std::time::Duration;

use tokio::io::{AsyncReadExt, AsyncWriteExt};

use crate::support::*;

#[tokio::test]
async fn success_envelope_bytes_and_headers() {
    let server = start().await;
    let r = post(&server, GCI).await;
    assert_eq!(r.status, 200);
    assert_eq!(r.header("content-type").as_deref(), Some("text/xml"));
    assert_eq!(r.header("content-length"), Some(r.body.len().to_string()));
    assert!(r.header("date").is_some());
    assert!(
        r.header("x-amz-sts-extended-request-id")
            .is_some_and(|v| !v.is_empty())
    );
    let request_id = r.header("x-amzn-requestid").unwrap();
    assert_eq!(request_id.len(), 36);
    let user_id = r
        .body
        .split("<UserId>")
        .nth(1)
        .unwrap()
        .split('<')
        .next()
        .unwrap();
    let expected = format!(
        "<GetCallerIdentityResponse xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\">
  <GetCallerIdentityResult>
    <Arn>arn:aws:iam::000000000000:user/parlel</Arn>
    <UserId>{user_id}</UserId>
    <Account>000000000000</Account>
  </GetCallerIdentityResult>
  <ResponseMetadata>
    <RequestId>{request_id}</RequestId>
  </ResponseMetadata>
</GetCallerIdentityResponse>
"
    );
    assert_eq!(r.body, expected);
}

#[tokio::test]
async fn assume_role_element_order() {
    let server = start().await;
    let r = post(
        &server,
        "Action=AssumeRole&Version=2011-06-15&RoleArn=arn%3Aaws%3Aiam%3A%3A123456789012%3Arole%2Fapp&RoleSessionName=s1&SourceIdentity=alice&Policy=%7B%7D",
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let order = [
        "<AssumeRoleResult>",
        "<SourceIdentity>alice</SourceIdentity>",
        "<AssumedRoleUser>",
        "<AssumedRoleId>AROA",
        "<Arn>arn:aws:sts::123456789012:assumed-role/app/s1</Arn>",
        "<Credentials>",
        "<AccessKeyId>ASIA",
        "<SecretAccessKey>",
        "<SessionToken>",
        "<Expiration>",
        "<PackedPolicySize>",
        "</AssumeRoleResult>",
    ];
    let positions: Vec<usize> = order
        .iter()
        .map(|p| {
            r.body
                .find(p)
                .unwrap_or_else(|| panic!("{p} in {}", r.body))
        })
        .collect();
    assert!(positions.windows(2).all(|w| w[0] < w[1]), "{}", r.body);
    let expiration = r
        .body
        .split("<Expiration>")
        .nth(1)
        .unwrap()
        .split('<')
        .next()
        .unwrap();
    assert_eq!(expiration.len(), 20, "second precision: {expiration}");
}

#[tokio::test]
async fn errors_use_the_aws_envelope() {
    let server = start().await;
    let r = post(&server, "Action=CreateUser&Version=2011-06-15").await;
    assert_eq!(r.status, 400);
    let rid = r.header("x-amzn-requestid").unwrap();
    assert_eq!(
        r.body,
        format!(
            "<ErrorResponse xmlns=\"http://webservices.amazon.com/AWSFault/2005-15-09\">
  <Error>
    <Type>Sender</Type>
    <Code>InvalidAction</Code>
    <Message>Could not find operation CreateUser for version 2011-06-15</Message>
  </Error>
  <RequestId>{rid}</RequestId>
</ErrorResponse>
"
        )
    );
    let r = post(&server, "Action=GetCallerIdentity&Version=2012-01-01").await;
    assert!(
        r.body
            .contains("Could not find operation GetCallerIdentity for version 2012-01-01")
    );
    let r = post(&server, "Action=GetCallerIdentity").await;
    assert!(
        r.body.contains(
            "Could not find operation GetCallerIdentity for version NO_VERSION_SPECIFIED"
        )
    );
    let r = post(&server, "Action=GetCallerIdentity&Version=").await;
    assert!(
        r.body
            .contains("<Message>Could not find operation GetCallerIdentity for version </Message>")
    );

    let unsigned = raw(
        &server,
        "POST / HTTP/1.1\r\nContent-Type: application/x-www-form-urlencoded",
        GCI,
    )
    .await;
    assert_eq!(unsigned.status, 403);
    assert!(
        unsigned
            .body
            .contains("<Code>MissingAuthenticationToken</Code>")
    );
    assert!(
        unsigned
            .body
            .contains("<Message>Request is missing Authentication Token</Message>")
    );
}

#[tokio::test]
async fn no_action_redirects_to_iam() {
    let server = start().await;
    let r = raw(&server, "GET /?Version=2011-06-15 HTTP/1.1", "").await;
    assert_eq!(r.status, 302);
    assert_eq!(
        r.header("location").as_deref(),
        Some("https://aws.amazon.com/iam?Version=2011-06-15")
    );
    assert_eq!(r.body, "");
    assert!(r.header("x-amz-sts-extended-request-id").is_some());
    let r = post(&server, "Version=2011-06-15").await;
    assert_eq!(
        (r.status, r.header("location").as_deref()),
        (302, Some("https://aws.amazon.com/iam"))
    );
    let r = raw(
        &server,
        &format!("POST / HTTP/1.1\r\nAuthorization: {SIGV4}"),
        GCI,
    )
    .await;
    assert_eq!(r.status, 302, "POST without Content-Type");
}

#[tokio::test]
async fn quirks_of_the_query_protocol() {
    let server = start().await;
    // First duplicate wins, for Action and for operation parameters; unknown parameters are ignored.
    let r = post(&server, &format!("{GCI}&Action=NoSuchAction&Bogus=1")).await;
    assert_eq!(r.status, 200);
    let r = post(&server, &format!("Action=NoSuchAction&{GCI}")).await;
    assert_eq!(r.status, 400);
    // GET with a signed header, under a path prefix.
    let r = raw(
        &server,
        &format!("GET /some/prefix?{GCI} HTTP/1.1\r\nAuthorization: {SIGV4}"),
        "",
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.body);
    // Presigned GET: the caller comes from X-Amz-Credential.
    let presigned = format!(
        "GET /?{GCI}&X-Amz-Algorithm=AWS4-HMAC-SHA256&X-Amz-Credential=AKIAIOSFODNN7EXAMPLE%2F20260101%2Fus-east-1%2Fsts%2Faws4_request&X-Amz-Signature=abc HTTP/1.1"
    );
    let r = raw(&server, &presigned, "").await;
    assert_eq!(r.status, 200, "{}", r.body);
    // Content-Type without charset, and a JSON answer for Accept: application/json.
    let r = raw(
        &server,
        &format!("POST / HTTP/1.1\r\nContent-Type: application/x-www-form-urlencoded\r\nAccept: application/json\r\nAuthorization: {SIGV4}"),
        GCI,
    )
    .await;
    assert_eq!(
        r.header("content-type").as_deref(),
        Some("application/json")
    );
    assert!(r.body.starts_with(r#"{"GetCallerIdentityResponse":{"GetCallerIdentityResult":{"Account":"000000000000","Arn":"arn:aws:iam::000000000000:user/parlel","UserId":"AIDA"#), "{}", r.body);
    let r = raw(&server, "POST / HTTP/1.1\r\nContent-Type: application/x-www-form-urlencoded\r\nAuthorization: Bearer nope", GCI).await;
    assert_eq!(r.status, 400);
    assert!(r.body.contains("<Code>IncompleteSignature</Code>"));
}

#[tokio::test]
async fn oversized_bodies_are_refused() {
    let server = start_with(|c| c.server.max_body_bytes = 4096).await;
    let big = format!("{GCI}&Pad={}", "x".repeat(5000));
    let r = post(&server, &big).await;
    assert_eq!(r.status, 413);
    assert!(r.body.contains("<Code>RequestEntityTooLarge</Code>"));
    assert_eq!(r.header("connection").as_deref(), Some("close"));
    // The server is still fine.
    assert_eq!(post(&server, GCI).await.status, 200);
}

#[tokio::test]
async fn slow_clients_are_cut_off() {
    let server = start_with(|c| {
        c.server.header_read_timeout_ms = 300;
        c.server.body_read_timeout_ms = 300;
    })
    .await;
    // Headers that never end: the connection is closed.
    let mut slow = tokio::net::TcpStream::connect(server.local_addr())
        .await
        .unwrap();
    slow.write_all(b"POST / HTTP/1.1\r\nHost: x\r\n")
        .await
        .unwrap();
    let mut buf = Vec::new();
    let read = tokio::time::timeout(Duration::from_secs(5), slow.read_to_end(&mut buf)).await;
    assert!(read.is_ok(), "the server closed the connection");
    // An idle keep-alive connection is closed too.
    let mut idle = tokio::net::TcpStream::connect(server.local_addr())
        .await
        .unwrap();
    let request = format!(
        "POST / HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\nAuthorization: {SIGV4}\r\nContent-Length: {}\r\n\r\n{GCI}",
        GCI.len()
    );
    idle.write_all(request.as_bytes()).await.unwrap();
    let mut buf = Vec::new();
    tokio::time::timeout(Duration::from_secs(5), idle.read_to_end(&mut buf))
        .await
        .expect("closed when idle")
        .unwrap();
    assert!(String::from_utf8_lossy(&buf).starts_with("HTTP/1.1 200"));
    // A body that never comes: RequestTimeout, then close.
    let mut slow = tokio::net::TcpStream::connect(server.local_addr())
        .await
        .unwrap();
    let head = format!(
        "POST / HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\nAuthorization: {SIGV4}\r\nContent-Length: 100\r\n\r\nAction="
    );
    slow.write_all(head.as_bytes()).await.unwrap();
    let mut buf = Vec::new();
    tokio::time::timeout(Duration::from_secs(5), slow.read_to_end(&mut buf))
        .await
        .unwrap()
        .unwrap();
    let text = String::from_utf8_lossy(&buf);
    assert!(text.starts_with("HTTP/1.1 408"), "{text}");
    assert!(text.contains("<Code>RequestTimeout</Code>"));
}

#[tokio::test]
async fn a_seed_makes_responses_byte_identical() {
    let seeded = |c: &mut parlel_sts::config::Config| {
        c.fake.seed = Some(42);
        c.fake.clock = Some("2030-01-01T00:00:00Z".into());
    };
    let (a, b) = (start_with(seeded).await, start_with(seeded).await);
    let requests = [
        GCI.to_owned(),
        "Action=AssumeRole&Version=2011-06-15&RoleArn=arn%3Aaws%3Aiam%3A%3A123456789012%3Arole%2Fapp&RoleSessionName=s1".to_owned(),
        "Action=GetSessionToken&Version=2011-06-15".to_owned(),
        "Action=AssumeRole&Version=2011-06-15".to_owned(),
    ];
    for body in &requests {
        let (ra, rb) = (post(&a, body).await, post(&b, body).await);
        assert_eq!(ra.body, rb.body);
        assert_eq!(ra.header("x-amzn-requestid"), rb.header("x-amzn-requestid"));
    }
    // Without a seed, ids differ between servers.
    let (c, d) = (start().await, start().await);
    assert_ne!(
        post(&c, GCI).await.header("x-amzn-requestid"),
        post(&d, GCI).await.header("x-amzn-requestid")
    );
}

#[tokio::test]
async fn seeded_credentials_survive_a_restart() {
    let seeded = |c: &mut parlel_sts::config::Config| c.fake.seed = Some(7);
    let first = start_with(seeded).await;
    let out = assume_role(
        &client(&first, "AKIAIOSFODNN7EXAMPLE"),
        "arn:aws:iam::123456789012:role/app",
        "ci",
    )
    .send()
    .await
    .unwrap();
    first.shutdown().await;
    let second = start_with(seeded).await;
    let me = whoami(&second, out.credentials().unwrap()).await;
    assert_eq!(
        me.arn(),
        Some("arn:aws:sts::123456789012:assumed-role/app/ci")
    );
}

#[tokio::test]
async fn json_errors_and_chunked_bodies() {
    let server = start_with(|c| c.server.max_body_bytes = 4096).await;
    let r = raw(
        &server,
        &format!("POST / HTTP/1.1\r\nContent-Type: application/x-www-form-urlencoded\r\nAccept: application/json\r\nAuthorization: {SIGV4}"),
        "Action=GetFederationToken&Version=2011-06-15&Name=b",
    )
    .await;
    assert_eq!(r.status, 400);
    let rid = r.header("x-amzn-requestid").unwrap();
    assert_eq!(
        r.body,
        format!(
            r#"{{"Error":{{"Code":"ValidationError","Message":"1 validation error detected: Value 'b' at 'name' failed to satisfy constraint: Member must have length greater than or equal to 2","Type":"Sender"}},"RequestId":"{rid}"}}"#
        )
    );
    // A chunked body over the limit is refused as too large, not as anything else.
    let mut stream = tokio::net::TcpStream::connect(server.local_addr())
        .await
        .unwrap();
    let chunk = "x".repeat(5000);
    let request = format!(
        "POST / HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\nAuthorization: {SIGV4}\r\nTransfer-Encoding: chunked\r\n\r\n{:x}\r\n{chunk}\r\n0\r\n\r\n",
        chunk.len()
    );
    stream.write_all(request.as_bytes()).await.unwrap();
    let mut buf = Vec::new();
    tokio::time::timeout(Duration::from_secs(5), stream.read_to_end(&mut buf))
        .await
        .unwrap()
        .unwrap();
    let text = String::from_utf8_lossy(&buf);
    assert!(text.starts_with("HTTP/1.1 413"), "{text}");
}

#[tokio::test]
async fn connections_over_the_cap_are_closed() {
    let server = start_with(|c| c.server.max_connections = 1).await;
    // The one allowed connection, held open (idle).
    let _held = tokio::net::TcpStream::connect(server.local_addr())
        .await
        .unwrap();
    tokio::time::sleep(Duration::from_millis(50)).await;
    let mut refused = tokio::net::TcpStream::connect(server.local_addr())
        .await
        .unwrap();
    let request = format!(
        "POST / HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\nAuthorization: {SIGV4}\r\nContent-Length: {}\r\n\r\n{GCI}",
        GCI.len()
    );
    let _ = refused.write_all(request.as_bytes()).await;
    let mut buf = Vec::new();
    let _ = tokio::time::timeout(Duration::from_secs(5), refused.read_to_end(&mut buf))
        .await
        .expect("closed at once");
    assert!(buf.is_empty(), "{}", String::from_utf8_lossy(&buf));
}
