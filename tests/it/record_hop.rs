//! Record mode's hop against a scripted upstream (a socket that answers what the test says and
//! keeps what it was sent): what goes up and what comes back, its failures, and what is kept.

use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use parlel_sts::Server;
use parlel_sts::cassette::YamlStore;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;

use crate::record_support::{PROD_KEY, PROD_SECRET, cassettes, developer, recorder};
use crate::support::{raw, session_client};

/// The credentials the scripted upstream hands out: what must never reach the client or disk.
const REAL_KEY: &str = "ASIAQAAAAAAAREALKEY7";
const REAL_SECRET: &str = "realSecretrealSecretrealSecretrealSecre7";
const REAL_TOKEN: &str =
    "IQoJb3JpZ2luX2VjEJr//////////wEaCXVzLWVhc3QtMSJHMEUCIQDrealtokenrealtoken==";

/// What the scripted upstream does with a request (its head and body as text).
type Script = Arc<dyn Fn(&str) -> Reply + Send + Sync>;

enum Reply {
    Answer(u16, String),
    /// Says nothing for this long.
    Silence(Duration),
}

/// A scripted upstream; `sent` keeps every request it got.
struct Scripted {
    endpoint: String,
    sent: Arc<Mutex<Vec<String>>>,
}

async fn scripted(script: Script) -> Scripted {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let endpoint = format!("http://{}", listener.local_addr().unwrap());
    let sent = Arc::new(Mutex::new(Vec::new()));
    let kept = sent.clone();
    tokio::spawn(async move {
        while let Ok((mut socket, _)) = listener.accept().await {
            let script = script.clone();
            let kept = kept.clone();
            tokio::spawn(async move {
                let mut buffer = Vec::new();
                loop {
                    // One request: the head, then Content-Length bytes of body.
                    let mut chunk = [0u8; 4096];
                    let Some(head_end) = find(&buffer, b"\r\n\r\n") else {
                        match socket.read(&mut chunk).await {
                            Ok(0) | Err(_) => return,
                            Ok(n) => buffer.extend_from_slice(&chunk[..n]),
                        }
                        continue;
                    };
                    let head = String::from_utf8_lossy(&buffer[..head_end]).into_owned();
                    let length = head
                        .lines()
                        .find_map(|l| {
                            l.to_ascii_lowercase()
                                .strip_prefix("content-length:")
                                .map(|v| v.trim().parse::<usize>().unwrap_or(0))
                        })
                        .unwrap_or(0);
                    while buffer.len() < head_end + 4 + length {
                        match socket.read(&mut chunk).await {
                            Ok(0) | Err(_) => return,
                            Ok(n) => buffer.extend_from_slice(&chunk[..n]),
                        }
                    }
                    let request =
                        String::from_utf8_lossy(&buffer[..head_end + 4 + length]).into_owned();
                    buffer.drain(..head_end + 4 + length);
                    kept.lock().unwrap().push(request.clone());
                    match script(&request) {
                        Reply::Answer(status, body) => {
                            let response = format!(
                                "HTTP/1.1 {status} X\r\nContent-Type: text/xml\r\nx-amzn-RequestId: 11111111-2222-3333-4444-555555555555\r\nContent-Length: {}\r\n\r\n{body}",
                                body.len()
                            );
                            if socket.write_all(response.as_bytes()).await.is_err() {
                                return;
                            }
                        }
                        Reply::Silence(how_long) => {
                            tokio::time::sleep(how_long).await;
                            return;
                        }
                    }
                }
            });
        }
    });
    Scripted { endpoint, sent }
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

async fn hop_recorder(upstream: &str, dir: &Path, timeout_ms: u64) -> Server {
    recorder(upstream, dir, |c| c.record.upstream_timeout_ms = timeout_ms).await
}

fn assume_role_answer() -> String {
    format!(
        r#"<AssumeRoleResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">
  <AssumeRoleResult>
    <SourceIdentity>dev</SourceIdentity>
    <AssumedRoleUser>
      <AssumedRoleId>AROAQAAAAAAAEXAMPLE12:rec</AssumedRoleId>
      <Arn>arn:aws:sts::123456789012:assumed-role/app/rec</Arn>
    </AssumedRoleUser>
    <Credentials>
      <AccessKeyId>{REAL_KEY}</AccessKeyId>
      <SecretAccessKey>{REAL_SECRET}</SecretAccessKey>
      <SessionToken>{REAL_TOKEN}</SessionToken>
      <Expiration>2099-01-01T00:00:00Z</Expiration>
    </Credentials>
  </AssumeRoleResult>
  <ResponseMetadata>
    <RequestId>11111111-2222-3333-4444-555555555555</RequestId>
  </ResponseMetadata>
</AssumeRoleResponse>
"#
    )
}

const ACCESS_KEY_INFO: &str = r#"<GetAccessKeyInfoResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">
  <GetAccessKeyInfoResult>
    <Account>123456789012</Account>
  </GetAccessKeyInfoResult>
  <ResponseMetadata>
    <RequestId>11111111-2222-3333-4444-555555555555</RequestId>
  </ResponseMetadata>
</GetAccessKeyInfoResponse>
"#;

#[tokio::test]
async fn real_credentials_never_reach_the_client_or_the_disk() {
    let up = scripted(Arc::new(|request: &str| {
        if request.contains("Action=AssumeRole") {
            Reply::Answer(200, assume_role_answer())
        } else {
            Reply::Answer(200, ACCESS_KEY_INFO.to_owned())
        }
    }))
    .await;
    let dir = cassettes("secrets");
    let proxy = hop_recorder(&up.endpoint, &dir, 2_000).await;
    let sts = developer(&proxy.endpoint());
    let out = sts
        .assume_role()
        .role_arn("arn:aws:iam::123456789012:role/app")
        .role_session_name("rec")
        .send()
        .await
        .expect("AssumeRole");
    let got = out.credentials().unwrap();
    for real in [REAL_KEY, REAL_SECRET, REAL_TOKEN] {
        assert!(
            ![
                got.access_key_id(),
                got.secret_access_key(),
                got.session_token()
            ]
            .contains(&real)
        );
    }
    assert_eq!(got.session_token().len(), REAL_TOKEN.len());
    assert_eq!(
        out.assumed_role_user().unwrap().arn(),
        "arn:aws:sts::123456789012:assumed-role/app/rec"
    );
    // GetAccessKeyInfo of the handed-out key asks the upstream about the real key behind it, and
    // signs with the session it belongs to.
    let info = session_client(&proxy, got)
        .get_access_key_info()
        .access_key_id(got.access_key_id())
        .send()
        .await
        .expect("GetAccessKeyInfo");
    assert_eq!(info.account(), Some("123456789012"));
    let sent = up.sent.lock().unwrap().clone();
    assert_eq!(sent.len(), 2);
    assert!(
        sent[1].contains(&format!("AccessKeyId={REAL_KEY}")),
        "{}",
        sent[1]
    );
    assert!(
        sent[1].contains(&format!("Credential={REAL_KEY}/")),
        "{}",
        sent[1]
    );
    assert!(
        sent[1].to_ascii_lowercase().contains(&format!(
            "x-amz-security-token: {}",
            REAL_TOKEN.to_ascii_lowercase()
        )),
        "{}",
        sent[1]
    );
    assert!(
        !sent[0].contains("AKIAIOSFODNN7EXAMPLE"),
        "the client's key does not go up"
    );
    // Nothing real on disk, before and after the run ends.
    let journal = std::fs::read_to_string(dir.join("default.yaml.journal")).unwrap();
    proxy.shutdown().await;
    let cassette = std::fs::read_to_string(dir.join("default.yaml")).unwrap();
    for text in [&journal, &cassette] {
        for real in [REAL_KEY, REAL_SECRET, REAL_TOKEN, PROD_KEY, PROD_SECRET] {
            assert!(!text.contains(real), "{real} in {text}");
        }
    }
    assert!(cassette.contains(got.access_key_id()));
    std::fs::remove_dir_all(&dir).unwrap();
}

#[tokio::test]
async fn server_errors_pass_through_unrecorded_and_silence_is_a_504() {
    let up = scripted(Arc::new(|request: &str| {
        if request.contains("Action=GetSessionToken") {
            Reply::Silence(Duration::from_secs(5))
        } else if request.contains("Action=GetFederationToken") {
            Reply::Answer(400, "<ErrorResponse xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\"><Error><Type>Sender</Type><Code>Throttling</Code><Message>Rate exceeded</Message></Error><RequestId>1</RequestId></ErrorResponse>".to_owned())
        } else {
            Reply::Answer(503, "<ErrorResponse xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\"><Error><Type>Receiver</Type><Code>ServiceUnavailable</Code><Message>busy</Message></Error><RequestId>1</RequestId></ErrorResponse>".to_owned())
        }
    }))
    .await;
    let dir = cassettes("errors");
    let proxy = hop_recorder(&up.endpoint, &dir, 500).await;
    let plain = |body: &'static str| {
        let proxy = &proxy;
        async move {
            raw(
                proxy,
                "POST / HTTP/1.1\r\nContent-Type: application/x-www-form-urlencoded\r\nAuthorization: AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20260101/us-east-1/sts/aws4_request, SignedHeaders=host, Signature=00",
                body,
            )
            .await
        }
    };
    let r = plain("Action=GetCallerIdentity&Version=2011-06-15").await;
    assert_eq!(r.status, 503, "{}", r.body);
    assert!(r.body.contains("ServiceUnavailable"), "{}", r.body);
    let r = plain("Action=GetFederationToken&Version=2011-06-15&Name=bob").await;
    assert_eq!(r.status, 400, "{}", r.body);
    assert!(r.body.contains("<Code>Throttling</Code>"), "{}", r.body);
    let r = plain("Action=GetSessionToken&Version=2011-06-15").await;
    assert_eq!(r.status, 504, "{}", r.body);
    assert!(
        r.body.contains("<Code>UpstreamTimeout</Code>"),
        "{}",
        r.body
    );
    assert!(
        r.body.contains(&format!(
            "the upstream {} did not answer in time",
            up.endpoint.trim_start_matches("http://")
        )),
        "{}",
        r.body
    );
    // Another path never goes up.
    let before = up.sent.lock().unwrap().len();
    let r = raw(&proxy, "POST /other HTTP/1.1\r\nContent-Type: application/x-www-form-urlencoded\r\nAuthorization: AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20260101/us-east-1/sts/aws4_request, SignedHeaders=host, Signature=00", "Action=GetCallerIdentity&Version=2011-06-15").await;
    assert_eq!(r.status, 400, "{}", r.body);
    assert_eq!(up.sent.lock().unwrap().len(), before);
    // None of them was kept; the health endpoint says so.
    let health = raw(&proxy, "GET /_parlel/health HTTP/1.1", "").await;
    let health: serde_json::Value = serde_json::from_str(&health.body).unwrap();
    assert_eq!(health["mode"], "record");
    assert_eq!(health["record"]["interactions_recorded"], 0);
    assert_eq!(health["record"]["store"], "yaml");
    assert_eq!(
        health["record"]["upstream"],
        up.endpoint.trim_start_matches("http://")
    );
    let loaded = YamlStore::new(&dir, "default").load().unwrap().unwrap();
    assert!(loaded.interactions.is_empty());
    drop(proxy);
    std::fs::remove_dir_all(&dir).unwrap();
}

/// GetWebIdentityToken's token is a credential too: the client and the cassette get a fake of
/// its shape (three base64url parts of the same lengths).
#[tokio::test]
async fn web_identity_tokens_are_redacted() {
    const REAL_JWT: &str = "eyJraWQiOiJyZWFsIiwiYWxnIjoiRVMzODQifQ.eyJzdWIiOiJhcm46YXdzOmlhbTo6MTIzNDU2Nzg5MDEyOnJvbGUvYXBwIn0.cmVhbHNpZ25hdHVyZXJlYWxzaWduYXR1cmU";
    let up = scripted(Arc::new(|_: &str| {
        Reply::Answer(
            200,
            format!(
                "<GetWebIdentityTokenResponse xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\">\n  <GetWebIdentityTokenResult>\n    <WebIdentityToken>{REAL_JWT}</WebIdentityToken>\n    <Expiration>2099-01-01T00:00:00Z</Expiration>\n  </GetWebIdentityTokenResult>\n  <ResponseMetadata>\n    <RequestId>1</RequestId>\n  </ResponseMetadata>\n</GetWebIdentityTokenResponse>\n"
            ),
        )
    }))
    .await;
    let dir = cassettes("jwt");
    let proxy = hop_recorder(&up.endpoint, &dir, 2_000).await;
    let out = developer(&proxy.endpoint())
        .get_web_identity_token()
        .audience("https://api.example.com")
        .signing_algorithm("ES384")
        .send()
        .await
        .expect("GetWebIdentityToken");
    let token = out.web_identity_token().unwrap();
    assert_ne!(token, REAL_JWT);
    let lengths = |t: &str| t.split('.').map(str::len).collect::<Vec<_>>();
    assert_eq!(lengths(token), lengths(REAL_JWT));
    proxy.shutdown().await;
    let cassette = std::fs::read_to_string(dir.join("default.yaml")).unwrap();
    assert!(
        !cassette.contains(REAL_JWT) && cassette.contains(token),
        "{cassette}"
    );
    std::fs::remove_dir_all(&dir).unwrap();
}
