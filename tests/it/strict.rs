//! Strict mode (`server.auth = "strict"`) through aws-sdk-sts: correct signatures work, and each
//! way a real credential goes wrong gets AWS's code and text. (Issue 14's first slice: header
//! form through the Rust SDK; the CLI, boto3, presigned EKS tokens and Vault come next.)

use aws_sdk_sts::config::Credentials;
use parlel_sts::config::UserConfig;
use parlel_sts::wire::sigv4::AuthMode;

use crate::support::{GCI, client_at, failure, move_clock, raw, start_with, sts_error};

const KEY: &str = "AKIAQAAAAAAAEXAMPLE1";
const SECRET: &str = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";
const MISMATCH: &str = "The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.";

async fn strict(edit: impl FnOnce(&mut parlel_sts::config::Config)) -> parlel_sts::Server {
    start_with(|c| {
        c.server.auth = AuthMode::Strict;
        c.fake.users.push(UserConfig {
            access_key_id: KEY.into(),
            secret_access_key: Some(SECRET.into()),
            account: Some("123456789012".into()),
            principal: "user/alice".into(),
        });
        edit(c);
    })
    .await
}

fn signed(
    server: &parlel_sts::Server,
    key: &str,
    secret: &str,
    token: Option<&str>,
) -> aws_sdk_sts::Client {
    client_at(
        &server.endpoint(),
        Credentials::new(key, secret, token.map(str::to_owned), None, "test"),
    )
}

#[tokio::test]
async fn correct_signatures_work_for_users_the_builtin_key_and_issued_sessions() {
    let server = strict(|_| {}).await;
    let alice = signed(&server, KEY, SECRET, None);
    let me = alice.get_caller_identity().send().await.unwrap();
    assert_eq!(me.arn(), Some("arn:aws:iam::123456789012:user/alice"));
    let builtin = signed(&server, "parlel", "parlel", None);
    let me = builtin.get_caller_identity().send().await.unwrap();
    assert_eq!(me.arn(), Some("arn:aws:iam::000000000000:user/parlel"));
    // A session this server issued signs with the secret it handed out.
    let role = alice
        .assume_role()
        .role_arn("arn:aws:iam::123456789012:role/app")
        .role_session_name("strict")
        .send()
        .await
        .unwrap();
    let c = role.credentials().unwrap();
    let session = signed(
        &server,
        c.access_key_id(),
        c.secret_access_key(),
        Some(c.session_token()),
    );
    let me = session.get_caller_identity().send().await.unwrap();
    assert_eq!(
        me.arn(),
        Some("arn:aws:sts::123456789012:assumed-role/app/strict")
    );
    // A chain: the session assumes a role in turn.
    let chained = session
        .assume_role()
        .role_arn("arn:aws:iam::123456789012:role/next")
        .role_session_name("hop")
        .send()
        .await
        .unwrap();
    assert!(chained.credentials().is_some());
    // The health endpoint says which mode this is.
    let health = raw(&server, "GET /_parlel/health HTTP/1.1", "").await;
    assert!(
        health.body.contains("\"auth\":\"strict\""),
        "{}",
        health.body
    );
}

#[tokio::test]
async fn each_wrong_credential_gets_aws_code_and_text() {
    let server =
        strict(|c| c.fake.clock = Some(parlel_sts::timestamp::iso8601_seconds(now()))).await;
    let wrong_secret = signed(&server, KEY, "not-the-secret", None);
    assert_eq!(
        failure(wrong_secret.get_caller_identity().send()).await,
        sts_error(403, "SignatureDoesNotMatch", MISMATCH)
    );
    let unknown = signed(&server, "AKIAQAAAAAAAUNKNOWN1", SECRET, None);
    assert_eq!(
        failure(unknown.get_caller_identity().send()).await,
        sts_error(
            403,
            "InvalidClientTokenId",
            "The security token included in the request is invalid."
        )
    );
    let alice = signed(&server, KEY, SECRET, None);
    let out = alice
        .get_session_token()
        .duration_seconds(900)
        .send()
        .await
        .unwrap();
    let c = out.credentials().unwrap();
    // Another key with this session's token, and this key without its token.
    let foreign = signed(&server, KEY, c.secret_access_key(), Some(c.session_token()));
    assert_eq!(
        failure(foreign.get_caller_identity().send()).await,
        sts_error(
            403,
            "InvalidClientTokenId",
            "The security token included in the request is invalid."
        )
    );
    let tokenless = signed(&server, c.access_key_id(), c.secret_access_key(), None);
    assert_eq!(
        failure(tokenless.get_caller_identity().send()).await.1,
        "InvalidClientTokenId"
    );
    // The right secret with a token whose session is over: the token wins over the signature.
    move_clock(&server, r#"{"advance_seconds":1000}"#).await;
    let expired = signed(
        &server,
        c.access_key_id(),
        c.secret_access_key(),
        Some(c.session_token()),
    );
    assert_eq!(
        failure(expired.get_caller_identity().send()).await,
        sts_error(
            403,
            "ExpiredToken",
            "The security token included in the request is expired"
        )
    );
    // 1000 s on, a request signed now is 16 minutes old to the server.
    let (status, code, message) = failure(alice.get_caller_identity().send()).await;
    assert_eq!((status, code.as_str()), (403, "SignatureDoesNotMatch"));
    assert!(message.starts_with("Signature expired: "), "{message}");
    assert!(message.ends_with(" - 15 min.)"), "{message}");
    // And 2000 s back, 16 minutes early.
    move_clock(&server, r#"{"advance_seconds":-2000}"#).await;
    let (_, code, message) = failure(alice.get_caller_identity().send()).await;
    assert_eq!(code, "SignatureDoesNotMatch");
    assert!(
        message.starts_with("Signature not yet current: "),
        "{message}"
    );
    assert!(message.ends_with(" + 15 min.)"), "{message}");
}

#[tokio::test]
async fn requests_without_a_valid_signature_never_reach_the_fake() {
    let server = strict(|c| {
        c.fake.builtin_user = false;
        c.fake.clock = Some("2026-01-01T00:00:00Z".into());
    })
    .await;
    // The built-in key is gone when switched off.
    let builtin = signed(&server, "parlel", "parlel", None);
    assert_eq!(
        failure(builtin.get_caller_identity().send()).await.1,
        "InvalidClientTokenId"
    );
    // A made-up signature with a known key, and garbage in the header.
    let forged = format!(
        "POST / HTTP/1.1\r\nContent-Type: application/x-www-form-urlencoded\r\nX-Amz-Date: 20260101T000000Z\r\nAuthorization: AWS4-HMAC-SHA256 Credential={KEY}/20260101/us-east-1/sts/aws4_request, SignedHeaders=host;x-amz-date, Signature=00"
    );
    let r = raw(&server, &forged, GCI).await;
    assert_eq!(r.status, 403, "{}", r.body);
    assert!(
        r.body.contains("<Code>SignatureDoesNotMatch</Code>"),
        "{}",
        r.body
    );
    assert!(
        r.body.contains(&format!("<Message>{MISMATCH}</Message>")),
        "{}",
        r.body
    );
    // Host not among the signed headers; a part said twice.
    let unhosted = forged.replace("SignedHeaders=host;x-amz-date", "SignedHeaders=x-amz-date");
    let r = raw(&server, &unhosted, GCI).await;
    assert_eq!(r.status, 400, "{}", r.body);
    assert!(
        r.body
            .contains("'Host' or ':authority' must be a 'SignedHeader' in the AWS Authorization."),
        "{}",
        r.body
    );
    let twice = forged.replace(
        ", Signature=00",
        ", Credential=AKIAQAAAAAAAOTHER01/20260101/eu-west-1/sts/aws4_request, Signature=00",
    );
    let r = raw(&server, &twice, GCI).await;
    assert_eq!(r.status, 400, "{}", r.body);
    assert!(
        r.body.contains("<Code>IncompleteSignature</Code>")
            && r.body.contains("appears more than once"),
        "{}",
        r.body
    );
    // A present header listed over and over (the canonical request would be huge): refused at once.
    let big = "v".repeat(60_000);
    let repeated = format!(
        "POST / HTTP/1.1\r\nContent-Type: application/x-www-form-urlencoded\r\nX-Amz-Date: 20260101T000000Z\r\nx-big: {big}\r\nAuthorization: AWS4-HMAC-SHA256 Credential={KEY}/20260101/us-east-1/sts/aws4_request, SignedHeaders=host;{}x-amz-date, Signature=00",
        "x-big;".repeat(20_000)
    );
    let r = raw(&server, &repeated, GCI).await;
    assert_eq!(r.status, 403, "{}", r.body);
    assert!(
        r.body.contains(&format!("<Message>{MISMATCH}</Message>")),
        "{}",
        r.body
    );
    // A region that is no region.
    let regionless = forged.replace("/us-east-1/", &format!("/{}/", "r".repeat(100)));
    let r = raw(&server, &regionless, GCI).await;
    assert_eq!(r.status, 400, "{}", r.body);
    assert!(
        r.body
            .contains("Credential should be scoped to a valid region."),
        "{}",
        r.body
    );
    for garbage in [
        "AWS4-HMAC-SHA256 Credential=x",
        "AWS4-HMAC-SHA256 Credential=a/b/c/sts/aws4_request, SignedHeaders=host, Signature=00",
        &format!(
            "AWS4-HMAC-SHA256 Credential={}/20260101/us-east-1/sts/aws4_request, SignedHeaders={}, Signature=00",
            KEY,
            "h;".repeat(5000)
        ),
        &format!(
            "AWS4-HMAC-SHA256 Credential={}, SignedHeaders=host, Signature=00",
            "k/".repeat(5000)
        ),
    ] {
        let r = raw(
            &server,
            &format!("POST / HTTP/1.1\r\nContent-Type: application/x-www-form-urlencoded\r\nX-Amz-Date: 20260101T000000Z\r\nAuthorization: {garbage}"),
            GCI,
        )
        .await;
        assert!(matches!(r.status, 400 | 403), "{} {}", r.status, r.body);
        assert!(r.body.contains("<Code>"), "{}", r.body);
    }
}

fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64)
}

/// An EKS authenticator's token: `k8s-aws-v1.` + base64url of a presigned GetCallerIdentity URL
/// with `x-k8s-aws-id` signed and a 60 s expiry, made with aws-sigv4's presigner.
fn eks_presigned_url(endpoint: &str, key: &str, secret: &str, cluster: &str) -> String {
    use aws_sigv4::http_request::{
        SignableBody, SignableRequest, SignatureLocation, SigningSettings, sign,
    };
    let credentials = Credentials::new(key, secret, None, None, "test");
    let identity = credentials.into();
    let mut settings = SigningSettings::default();
    settings.signature_location = SignatureLocation::QueryParams;
    settings.expires_in = Some(std::time::Duration::from_secs(60));
    let params = aws_sigv4::sign::v4::SigningParams::builder()
        .identity(&identity)
        .region("us-east-1")
        .name("sts")
        .time(std::time::SystemTime::now())
        .settings(settings)
        .build()
        .unwrap()
        .into();
    let url = format!("{endpoint}/?Action=GetCallerIdentity&Version=2011-06-15");
    let host = endpoint.trim_start_matches("http://");
    let headers = [("host", host), ("x-k8s-aws-id", cluster)];
    let signable = SignableRequest::new(
        "GET",
        url.clone(),
        headers.into_iter(),
        SignableBody::Bytes(&[]),
    )
    .unwrap();
    let (instructions, _) = sign(signable, &params).unwrap().into_parts();
    let mut request = http::Request::builder().uri(&url).body(()).unwrap();
    instructions.apply_to_request_http1x(&mut request);
    request.uri().to_string()
}

/// GETs a presigned URL with the headers the authenticator forwards.
async fn get_presigned(
    server: &parlel_sts::Server,
    url: &str,
    cluster: &str,
) -> crate::support::RawResponse {
    let target = url
        .split_once("://")
        .and_then(|(_, rest)| rest.split_once('/'))
        .map(|(_, t)| format!("/{t}"))
        .unwrap();
    raw(
        server,
        &format!(
            "GET {target} HTTP/1.1\r\nHost: {}\r\nx-k8s-aws-id: {cluster}",
            server.local_addr()
        ),
        "",
    )
    .await
}

#[tokio::test]
async fn presigned_get_caller_identity_as_an_eks_token_carries_it() {
    let server = strict(|_| {}).await;
    let url = eks_presigned_url(&server.endpoint(), KEY, SECRET, "my-cluster");
    assert!(
        url.contains("X-Amz-Expires=60") && url.contains("x-k8s-aws-id"),
        "{url}"
    );
    // The token an EKS authenticator would receive, and the URL it decodes from it.
    use base64::Engine;
    let token = format!(
        "k8s-aws-v1.{}",
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(&url)
    );
    let decoded = base64::engine::general_purpose::URL_SAFE_NO_PAD
        .decode(token.trim_start_matches("k8s-aws-v1."))
        .unwrap();
    let url = String::from_utf8(decoded).unwrap();
    let ok = get_presigned(&server, &url, "my-cluster").await;
    assert_eq!(ok.status, 200, "{}", ok.body);
    assert!(
        ok.body
            .contains("<Arn>arn:aws:iam::123456789012:user/alice</Arn>"),
        "{}",
        ok.body
    );
    // The signed header changed, the URL tampered with, the URL expired.
    let other = get_presigned(&server, &url, "other-cluster").await;
    assert_eq!(other.status, 403, "{}", other.body);
    assert!(
        other.body.contains("<Code>SignatureDoesNotMatch</Code>"),
        "{}",
        other.body
    );
    let tampered = url.replace("Version=2011-06-15", "Version=2011-06-15&Extra=1");
    let tampered = get_presigned(&server, &tampered, "my-cluster").await;
    assert!(
        tampered.body.contains("<Code>SignatureDoesNotMatch</Code>"),
        "{}",
        tampered.body
    );
    // STS holds a presigned URL to its 15 minutes, whatever X-Amz-Expires says (an EKS token is
    // good for 15 minutes): two minutes on it still works, sixteen on it is expired.
    let at = |t: i64| {
        format!(
            r#"{{"set":"{}"}}"#,
            parlel_sts::timestamp::iso8601_seconds(t)
        )
    };
    move_clock(&server, &at(now() + 120)).await;
    assert_eq!(get_presigned(&server, &url, "my-cluster").await.status, 200);
    move_clock(&server, &at(now() + 960)).await;
    let expired = get_presigned(&server, &url, "my-cluster").await;
    assert_eq!(expired.status, 403, "{}", expired.body);
    assert!(
        expired.body.contains("Signature expired: ") && expired.body.contains(" - 15 min.)"),
        "{}",
        expired.body
    );
}

/// The aws CLI and boto3 (`tests/clients/strict.py`) against the binary in strict mode.
#[tokio::test]
async fn the_aws_cli_and_boto3_sign_as_strict_mode_verifies() {
    use crate::support::{has, skip};
    if !has("python3", &["-c", "import boto3"]) || !has("aws", &["--version"]) {
        return skip("the aws CLI or boto3 is not installed");
    }
    let server = crate::support::Process::start(&["--auth", "strict"], &[]).await;
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/clients/strict.py");
    let out = tokio::process::Command::new("python3")
        .arg(script)
        .arg(&server.endpoint)
        .output()
        .await
        .unwrap();
    assert!(
        out.status.success(),
        "strict.py failed\nstdout:\n{}\nstderr:\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Every operation of the model answers a correctly signed request in strict mode (the unsigned
/// two without any signature).
#[tokio::test]
async fn every_operation_works_with_correct_signatures() {
    use aws_sdk_sts::types::PolicyDescriptorType;
    let server =
        strict(|c| c.fake.clock = Some(parlel_sts::timestamp::iso8601_seconds(now()))).await;
    let alice = signed(&server, KEY, SECRET, None);
    alice
        .get_caller_identity()
        .send()
        .await
        .expect("GetCallerIdentity");
    alice
        .get_session_token()
        .send()
        .await
        .expect("GetSessionToken");
    alice
        .get_federation_token()
        .name("bob")
        .send()
        .await
        .expect("GetFederationToken");
    alice
        .get_access_key_info()
        .access_key_id(KEY)
        .send()
        .await
        .expect("GetAccessKeyInfo");
    alice
        .assume_root()
        .target_principal("111122223333")
        .task_policy_arn(
            PolicyDescriptorType::builder()
                .arn("arn:aws:iam::aws:policy/root-task/S3UnlockBucketPolicy")
                .build(),
        )
        .send()
        .await
        .expect("AssumeRoot");
    let role = alice
        .assume_role()
        .role_arn("arn:aws:iam::123456789012:role/app")
        .role_session_name("all")
        .send()
        .await
        .expect("AssumeRole");
    let c = role.credentials().unwrap();
    let as_role = signed(
        &server,
        c.access_key_id(),
        c.secret_access_key(),
        Some(c.session_token()),
    );
    let token = as_role
        .get_web_identity_token()
        .audience("sts.amazonaws.com")
        .signing_algorithm("ES384")
        .send()
        .await
        .expect("GetWebIdentityToken");
    // AssumeRoleWithWebIdentity is unsigned: no credentials at all.
    let unsigned = crate::support::unsigned_client(&server);
    unsigned
        .assume_role_with_web_identity()
        .role_arn("arn:aws:iam::123456789012:role/ci")
        .role_session_name("web")
        .web_identity_token(token.web_identity_token().unwrap())
        .send()
        .await
        .expect("AssumeRoleWithWebIdentity, unsigned");
    let grant = crate::support::admin_post(
        &server,
        "trade-in-token",
        &serde_json::json!({"principal_arn": "arn:aws:iam::123456789012:role/Partner"}),
    )
    .await;
    alice
        .get_delegated_access_token()
        .trade_in_token(grant["trade_in_token"].as_str().unwrap())
        .send()
        .await
        .expect("GetDelegatedAccessToken");
    let message = crate::support::admin_post(
        &server,
        "authorization-message",
        &serde_json::json!({"action": "s3:GetObject", "resource": "arn:aws:s3:::b/k"}),
    )
    .await;
    alice
        .decode_authorization_message()
        .encoded_message(message["encoded_message"].as_str().unwrap())
        .send()
        .await
        .expect("DecodeAuthorizationMessage");
    // AssumeRoleWithSAML is unsigned too: refused for its assertion, not for a signature.
    let saml = unsigned
        .assume_role_with_saml()
        .role_arn("arn:aws:iam::123456789012:role/saml")
        .principal_arn("arn:aws:iam::123456789012:saml-provider/idp")
        .saml_assertion("bm90IHNhbWw=")
        .send()
        .await;
    assert_eq!(
        crate::support::error_of(saml.unwrap_err()).1,
        "InvalidIdentityToken"
    );
}

/// Vault's AWS auth method: the client signs a GetCallerIdentity POST, with Vault's own header
/// among the signed ones, and Vault replays method, URL, headers and body as they were signed.
#[tokio::test]
async fn a_signed_post_replayed_as_it_was_signed_verifies() {
    use aws_sigv4::http_request::{SignableBody, SignableRequest, SigningSettings, sign};
    let server = strict(|_| {}).await;
    let body = "Action=GetCallerIdentity&Version=2011-06-15";
    let host = server.local_addr().to_string();
    let headers = [
        ("host", host.as_str()),
        (
            "content-type",
            "application/x-www-form-urlencoded; charset=utf-8",
        ),
        ("x-vault-aws-iam-server-id", "vault.example.com"),
    ];
    let credentials = Credentials::new(KEY, SECRET, None, None, "test");
    let identity = credentials.into();
    let params = aws_sigv4::sign::v4::SigningParams::builder()
        .identity(&identity)
        .region("us-east-1")
        .name("sts")
        .time(std::time::SystemTime::now())
        .settings(SigningSettings::default())
        .build()
        .unwrap()
        .into();
    let url = format!("{}/", server.endpoint());
    let signable = SignableRequest::new(
        "POST",
        url.clone(),
        headers.iter().copied(),
        SignableBody::Bytes(body.as_bytes()),
    )
    .unwrap();
    let (instructions, _) = sign(signable, &params).unwrap().into_parts();
    let mut request = http::Request::builder().method("POST").uri(&url);
    for (name, value) in headers.iter().skip(1) {
        request = request.header(*name, *value);
    }
    let mut request = request.body(()).unwrap();
    instructions.apply_to_request_http1x(&mut request);
    let head = |server_id: &str| {
        let mut head = format!("POST / HTTP/1.1\r\nHost: {host}");
        for (name, value) in request.headers() {
            let value = value.to_str().unwrap();
            let value = if name == "x-vault-aws-iam-server-id" {
                server_id
            } else {
                value
            };
            head.push_str(&format!("\r\n{name}: {value}"));
        }
        head
    };
    let replayed = raw(&server, &head("vault.example.com"), body).await;
    assert_eq!(replayed.status, 200, "{}", replayed.body);
    assert!(replayed.body.contains("user/alice"), "{}", replayed.body);
    // Replayed to another Vault (its server id changed): the signature no longer holds.
    let elsewhere = raw(&server, &head("other.example.com"), body).await;
    assert_eq!(elsewhere.status, 403, "{}", elsewhere.body);
    // The body changed on the way.
    let changed = raw(
        &server,
        &head("vault.example.com"),
        "Action=GetCallerIdentity&Version=2011-06-15&X=1",
    )
    .await;
    assert_eq!(changed.status, 403, "{}", changed.body);
}

fn sha256_hex(data: &[u8]) -> String {
    ring::digest::digest(&ring::digest::SHA256, data)
        .as_ref()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// AWS: "If the Date header is specified in the ISO 8601 basic format, X-Amz-Date is not
/// required." A request signed that way (by hand: no SDK signs so) verifies; an HTTP-date does not.
#[tokio::test]
async fn a_date_header_in_basic_format_stands_in_for_x_amz_date() {
    use aws_sigv4::sign::v4::{calculate_signature, generate_signing_key};
    let secs = now();
    let server =
        strict(|c| c.fake.clock = Some(parlel_sts::timestamp::iso8601_seconds(secs))).await;
    let at = std::time::UNIX_EPOCH + std::time::Duration::from_secs(secs.unsigned_abs());
    let date: String = parlel_sts::timestamp::iso8601_seconds(secs)
        .chars()
        .filter(|c| *c != '-' && *c != ':')
        .collect();
    let host = server.local_addr().to_string();
    let content_type = "application/x-www-form-urlencoded";
    let canonical = format!(
        "POST\n/\n\ncontent-type:{content_type}\ndate:{date}\nhost:{host}\n\ncontent-type;date;host\n{}",
        sha256_hex(GCI.as_bytes())
    );
    let scope = format!("{}/us-east-1/sts/aws4_request", &date[..8]);
    let string_to_sign = format!(
        "AWS4-HMAC-SHA256\n{date}\n{scope}\n{}",
        sha256_hex(canonical.as_bytes())
    );
    let key = generate_signing_key(SECRET, at, "us-east-1", "sts");
    let signature = calculate_signature(key, string_to_sign.as_bytes());
    let head = |date: &str| {
        format!(
            "POST / HTTP/1.1\r\nHost: {host}\r\nContent-Type: {content_type}\r\nDate: {date}\r\nAuthorization: AWS4-HMAC-SHA256 Credential={KEY}/{scope}, SignedHeaders=content-type;date;host, Signature={signature}"
        )
    };
    let r = raw(&server, &head(&date), GCI).await;
    assert_eq!(r.status, 200, "{}", r.body);
    assert!(r.body.contains("user/alice"), "{}", r.body);
    let http_date = "Tue, 01 Dec 2026 22:00:00 GMT";
    let r = raw(&server, &head(http_date), GCI).await;
    assert!(
        r.body.contains("<Code>IncompleteSignature</Code>"),
        "{}",
        r.body
    );
    assert!(
        r.body.contains(&format!(
            "Date must be in ISO-8601 'basic format'. Got '{http_date}'."
        )),
        "{}",
        r.body
    );
}
