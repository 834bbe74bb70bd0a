//! What the binary writes to stderr: one line per request at info (never a secret), JSON when
//! asked, no colour on a pipe, loud warnings for stale session tokens and a distant pinned clock.

use aws_sdk_sts::config::Credentials;

use crate::support::{GCI, Process, SIGV4, Scratch, client_at, raw_at, refused};

fn request_lines(stderr: &str) -> Vec<&str> {
    stderr
        .lines()
        .filter(|l| l.contains("parlel_sts::request"))
        .collect()
}

/// A configured user's ARN is made once at start-up and shared with every line: it must be that
/// user's, not the default principal's.
#[tokio::test]
async fn a_configured_users_lines_name_that_user() {
    let scratch = Scratch::new("logs-users");
    let config = scratch.file(
        "proxy.toml",
        "[[fake.users]]\naccess_key_id = \"AKIAALICEALICEALICE1\"\naccount = \"123456789012\"\nprincipal = \"user/team/alice\"\n",
    );
    let server = Process::start(&["--config", &config], &[]).await;
    for key in ["AKIAALICEALICEALICE1", "AKIAIOSFODNN7EXAMPLE"] {
        let sts = client_at(
            &server.endpoint,
            Credentials::new(key, "s", None, None, "test"),
        );
        sts.get_caller_identity().send().await.unwrap();
    }
    raw_at(server.addr(), "GET /_parlel/health HTTP/1.1", "").await;
    let stderr = server.stderr_with("path=/_parlel/health").await;
    let lines = request_lines(&stderr);
    assert_eq!(lines.len(), 3, "{stderr}");
    assert!(
        lines[0].contains("caller=arn:aws:iam::123456789012:user/team/alice "),
        "{}",
        lines[0]
    );
    assert!(
        lines[1].contains("caller=arn:aws:iam::000000000000:user/parlel "),
        "{}",
        lines[1]
    );
}

#[tokio::test]
async fn one_line_per_request_with_the_caller_and_never_a_secret() {
    let server = Process::start(&[], &[]).await;
    let sts = client_at(
        &server.endpoint,
        Credentials::new("AKIAIOSFODNN7EXAMPLE", "wJalrXUtnFEMI", None, None, "test"),
    );
    let out = sts
        .assume_role()
        .role_arn("arn:aws:iam::123456789012:role/app")
        .role_session_name("logs")
        .send()
        .await
        .unwrap();
    let creds = out.credentials().unwrap();
    let as_role = client_at(
        &server.endpoint,
        Credentials::new(
            creds.access_key_id(),
            creds.secret_access_key(),
            Some(creds.session_token().to_owned()),
            None,
            "sts",
        ),
    );
    as_role.get_caller_identity().send().await.unwrap();
    let bad = raw_at(
        server.addr(),
        &format!("POST / HTTP/1.1\r\nContent-Type: application/x-www-form-urlencoded\r\nAuthorization: {SIGV4}"),
        "Action=GetFederationToken&Version=2011-06-15&Name=b",
    )
    .await;
    assert_eq!(bad.status, 400);
    raw_at(server.addr(), "GET /_parlel/health HTTP/1.1", "").await;

    let stderr = server.stderr_with("path=/_parlel/health").await;
    let lines = request_lines(&stderr);
    assert_eq!(lines.len(), 4, "{stderr}");
    let assume = lines[0];
    for part in [
        " INFO ",
        "method=POST",
        "path=/ ",
        "action=AssumeRole",
        "caller=arn:aws:iam::000000000000:user/parlel",
        "status=200",
        "code=-",
        "latency_us=",
    ] {
        assert!(assume.contains(part), "{part} in {assume}");
    }
    assert!(
        lines[1].contains("action=GetCallerIdentity"),
        "{}",
        lines[1]
    );
    assert!(
        lines[1].contains("caller=arn:aws:sts::123456789012:assumed-role/app/logs"),
        "{}",
        lines[1]
    );
    assert!(
        lines[2].contains("status=400") && lines[2].contains("code=ValidationError"),
        "{}",
        lines[2]
    );
    assert!(
        lines[3].contains("method=GET") && lines[3].contains("path=/_parlel/health"),
        "{}",
        lines[3]
    );
    // No secret, no token, no colour on a pipe.
    for secret in [
        creds.secret_access_key(),
        creds.session_token(),
        "wJalrXUtnFEMI",
    ] {
        assert!(
            !stderr.contains(secret),
            "a secret reached the log:\n{stderr}"
        );
    }
    assert!(
        !stderr.contains('\u{1b}'),
        "ANSI escapes on a pipe:\n{stderr}"
    );
}

#[tokio::test]
async fn a_malformed_key_never_reaches_the_log_as_it_was_sent() {
    let server = Process::start(&[], &[]).await;
    // A presigned-style credential whose key holds a newline and a forged log line.
    let forged = "AKIA%0A2026-01-01T00:00:00.000000Z%20%20INFO%20forged%2Fline%2F20260101%2Fus-east-1%2Fsts%2Faws4_request";
    let r = raw_at(
        server.addr(),
        "POST / HTTP/1.1\r\nContent-Type: application/x-www-form-urlencoded",
        &format!("{GCI}&X-Amz-Credential={forged}&X-Amz-Security-Token=garbage"),
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let stderr = server.stderr_with("a malformed access key id").await;
    assert!(!stderr.contains("INFO forged"), "{stderr}");
    assert!(
        stderr
            .lines()
            .all(|l| !l.starts_with("2026-01-01T00:00:00.000000Z")),
        "{stderr}"
    );
}

#[tokio::test]
async fn json_lines_and_quiet_levels() {
    let server = Process::start(&["--log-format", "json"], &[]).await;
    raw_at(
        server.addr(),
        &format!("POST / HTTP/1.1\r\nContent-Type: application/x-www-form-urlencoded\r\nAuthorization: {SIGV4}"),
        GCI,
    )
    .await;
    let stderr = server.stderr_with("GetCallerIdentity").await;
    let line = request_lines(&stderr)[0];
    let json: serde_json::Value = serde_json::from_str(line).expect("a JSON object per line");
    assert_eq!(json["level"], "INFO");
    assert_eq!(json["target"], "parlel_sts::request");
    assert_eq!(json["action"], "GetCallerIdentity");
    assert_eq!(json["status"], 200);
    assert!(json["latency_us"].is_u64(), "{json}");

    // At warn the request lines go, the warnings stay (a clock pinned in the past gives one).
    let quiet = Process::start(
        &["--log-level", "warn", "--clock", "2020-01-01T00:00:00Z"],
        &[("PARLEL_STS_LOG_FORMAT", "text")],
    )
    .await;
    raw_at(quiet.addr(), "GET /_parlel/health HTTP/1.1", "").await;
    let (status, stderr) = quiet.stop().await;
    assert!(status.success());
    assert!(request_lines(&stderr).is_empty(), "{stderr}");
    assert!(
        stderr.contains(" WARN ") && stderr.contains("fake.clock is pinned"),
        "{stderr}"
    );
}

#[tokio::test]
async fn unknown_levels_are_refused_naming_the_flag_or_variable() {
    let (code, stderr) = refused(&["--log-level", "loud"], &[]).await;
    assert_eq!(code, Some(2));
    assert!(
        stderr.contains("--log-level (server.log_level): \"loud\" is not a log level"),
        "{stderr}"
    );
    let (code, stderr) = refused(&[], &[("PARLEL_STS_LOG_LEVEL", "info,verbose")]).await;
    assert_eq!(code, Some(2));
    assert!(
        stderr.contains("PARLEL_STS_LOG_LEVEL (server.log_level):"),
        "{stderr}"
    );
    let (code, stderr) = refused(&["--log-format", "xml"], &[]).await;
    assert_eq!(code, Some(2));
    assert!(stderr.contains("--log-format"), "{stderr}");
}

#[tokio::test]
async fn a_stale_session_token_is_answered_as_the_default_principal_and_said_loudly() {
    let first = Process::start(&[], &[]).await;
    let sts = client_at(
        &first.endpoint,
        Credentials::new("AKIAIOSFODNN7EXAMPLE", "x", None, None, "test"),
    );
    let out = sts.get_session_token().send().await.unwrap();
    let creds = out.credentials().unwrap().clone();
    first.stop().await;

    // A restart without a seed: new keys, as when the aws CLI's cache outlives the server.
    let second = Process::start(&[], &[]).await;
    let cached = client_at(
        &second.endpoint,
        Credentials::new(
            creds.access_key_id(),
            creds.secret_access_key(),
            Some(creds.session_token().to_owned()),
            None,
            "cache",
        ),
    );
    let me = cached.get_caller_identity().send().await.unwrap();
    assert_eq!(me.arn(), Some("arn:aws:iam::000000000000:user/parlel"));
    let stderr = second.stderr_with("session token of").await;
    let warning = stderr
        .lines()
        .find(|l| l.contains(" WARN ") && l.contains("session token of"))
        .unwrap_or_else(|| panic!("no warning:\n{stderr}"));
    let issued = parlel_sts::timestamp::iso8601_seconds(creds.expiration().secs() - 43_200);
    for part in [
        creds.access_key_id(),
        &format!(
            "says it was issued at {issued} (by another server, or by this one before a restart without a seed)"
        ),
        "answered as arn:aws:iam::000000000000:user/parlel",
    ] {
        assert!(warning.contains(part), "{part} in {warning}");
    }
    assert!(!stderr.contains(creds.session_token()), "{stderr}");
}

#[tokio::test]
async fn a_clock_pinned_far_from_now_is_warned_about() {
    let server = Process::start(&["--clock", "2020-01-01T00:00:00Z"], &[]).await;
    let stderr = server.stderr_with("fake.clock is pinned").await;
    assert!(
        stderr.contains("day(s) behind the system clock"),
        "{stderr}"
    );
    assert!(
        stderr.contains(
            "Credentials were refreshed, but the refreshed credentials are still expired"
        ),
        "{stderr}"
    );
    let ahead = Process::start(&["--clock", "2099-01-01T00:00:00Z"], &[]).await;
    let stderr = ahead.stderr_with("fake.clock is pinned").await;
    assert!(
        stderr.contains("day(s) ahead of the system clock"),
        "{stderr}"
    );
    assert!(
        stderr.contains("web identity tokens and SAML assertions"),
        "{stderr}"
    );
    let near = Process::start(
        &["--clock", &parlel_sts::timestamp::iso8601_seconds(now())],
        &[],
    )
    .await;
    raw_at(near.addr(), "GET /_parlel/health HTTP/1.1", "").await;
    let (_, stderr) = near.stop().await;
    assert!(
        stderr.contains("path=/_parlel/health"),
        "the log was written: {stderr}"
    );
    assert!(!stderr.contains("fake.clock is pinned"), "{stderr}");
}

fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs() as i64)
}
