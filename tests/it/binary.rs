//! The built binary: its ready line, config errors, signals, and the aws CLI and boto3 against it.

use std::process::Stdio;
use std::time::Duration;

use tokio::io::{AsyncBufReadExt, BufReader};
use tokio::process::{Child, Command};

const BIN: &str = env!("CARGO_BIN_EXE_parlel-sts");

/// Starts the binary on a free port; returns it and its endpoint from the ready line.
async fn spawn(args: &[&str]) -> (Child, String) {
    spawn_in(env!("CARGO_MANIFEST_DIR"), &[], args).await
}

/// Starts the binary in `dir` with extra environment variables.
async fn spawn_in(
    dir: impl AsRef<std::path::Path>,
    env: &[(&str, &str)],
    args: &[&str],
) -> (Child, String) {
    let mut child = Command::new(BIN)
        .args(["--listen", "127.0.0.1:0"])
        .args(args)
        .current_dir(dir)
        .envs(env.iter().copied())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .kill_on_drop(true)
        .spawn()
        .expect("binary starts");
    let stdout = child.stdout.take().expect("stdout");
    let mut line = String::new();
    tokio::time::timeout(
        Duration::from_secs(10),
        BufReader::new(stdout).read_line(&mut line),
    )
    .await
    .expect("ready line in time")
    .expect("read ready line");
    let endpoint = line
        .split_whitespace()
        .find(|w| w.starts_with("http://"))
        .unwrap_or_else(|| panic!("no address in ready line {line:?}"))
        .to_owned();
    assert!(
        line.starts_with("parlel-sts ready on http://127.0.0.1:"),
        "{line}"
    );
    (child, endpoint)
}

#[tokio::test]
async fn sigterm_shuts_down_cleanly() {
    let (mut child, _) = spawn(&[]).await;
    send_sigterm(&child).await;
    let status = tokio::time::timeout(Duration::from_secs(10), child.wait())
        .await
        .unwrap()
        .unwrap();
    assert!(status.success(), "{status}");
}

async fn send_sigterm(child: &Child) {
    let pid = child.id().expect("pid").to_string();
    let killed = Command::new("kill")
        .args(["-TERM", &pid])
        .status()
        .await
        .unwrap();
    assert!(killed.success());
}

#[tokio::test]
async fn sigterm_lets_in_flight_requests_finish() {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let (mut child, endpoint) = spawn(&[]).await;
    let addr = endpoint.trim_start_matches("http://");
    let mut stream = tokio::net::TcpStream::connect(addr).await.unwrap();
    let body = "Action=GetCallerIdentity&Version=2011-06-15";
    let head = format!(
        "POST / HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\nAuthorization: AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20260101/us-east-1/sts/aws4_request, SignedHeaders=host, Signature=abc\r\nContent-Length: {}\r\n\r\n",
        body.len()
    );
    // Headers and half the body are in; then the signal; then the rest of the body.
    stream.write_all(head.as_bytes()).await.unwrap();
    stream.write_all(&body.as_bytes()[..10]).await.unwrap();
    tokio::time::sleep(Duration::from_millis(200)).await;
    send_sigterm(&child).await;
    tokio::time::sleep(Duration::from_millis(200)).await;
    stream.write_all(&body.as_bytes()[10..]).await.unwrap();
    let mut response = Vec::new();
    tokio::time::timeout(Duration::from_secs(10), stream.read_to_end(&mut response))
        .await
        .expect("answered in time")
        .unwrap();
    let text = String::from_utf8_lossy(&response);
    assert!(text.starts_with("HTTP/1.1 200"), "{text}");
    assert!(
        text.contains("<Arn>arn:aws:iam::000000000000:user/parlel</Arn>"),
        "{text}"
    );
    let status = tokio::time::timeout(Duration::from_secs(10), child.wait())
        .await
        .unwrap()
        .unwrap();
    assert!(status.success(), "{status}");
}

/// The AWS SDK for JavaScript v3 (tests/clients/js, installed by `.ci/run` with `npm ci`).
#[tokio::test]
async fn javascript_sdk_v3() {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/clients/js");
    if !std::path::Path::new(dir)
        .join("node_modules/@aws-sdk/client-sts")
        .exists()
    {
        eprintln!(
            "SKIPPED: run `npm ci --prefix tests/clients/js` (.ci/run does) to test the JS v3 SDK"
        );
        return;
    }
    let (_child, endpoint) = spawn(&[]).await;
    let out = Command::new("node")
        .arg(format!("{dir}/smoke.mjs"))
        .arg(&endpoint)
        .output()
        .await
        .expect("node runs");
    assert!(
        out.status.success(),
        "smoke.mjs failed\nstdout:\n{}\nstderr:\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

/// `./proxy.toml` is loaded when present; environment variables override it, and flags override both.
#[tokio::test]
async fn file_then_environment_then_flags() {
    use aws_sdk_sts::config::Credentials;
    let dir = std::env::temp_dir().join(format!("parlel-sts-layers-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(
        dir.join("proxy.toml"),
        "[fake]\naccount = \"111111111111\"\n",
    )
    .unwrap();
    let credentials = || Credentials::new("AKIAIOSFODNN7EXAMPLE", "x", None, None, "test");
    let account = |endpoint: String| async move {
        let out = crate::support::client_at(&endpoint, credentials())
            .get_caller_identity()
            .send()
            .await
            .unwrap();
        out.account().unwrap().to_owned()
    };
    let (_file, endpoint) = spawn_in(&dir, &[], &[]).await;
    assert_eq!(account(endpoint).await, "111111111111");
    let env = [("PARLEL_STS_ACCOUNT", "222222222222")];
    let (_env, endpoint) = spawn_in(&dir, &env, &[]).await;
    assert_eq!(account(endpoint).await, "222222222222");
    let (_flag, endpoint) = spawn_in(
        &dir,
        &env,
        &[
            "--account",
            "333333333333",
            "--clock",
            "2030-01-01T00:00:00Z",
        ],
    )
    .await;
    assert_eq!(account(endpoint.clone()).await, "333333333333");
    let out = crate::support::client_at(&endpoint, credentials())
        .get_session_token()
        .send()
        .await
        .unwrap();
    assert_eq!(
        out.credentials().unwrap().expiration().secs(),
        1_893_456_000 + 43_200,
        "--clock pins time"
    );
    let _ = std::fs::remove_dir_all(dir);
}

#[tokio::test]
async fn bad_config_is_refused_naming_the_key() {
    let scratch = crate::support::Scratch::new("cfg");
    let file = scratch.file(
        "bad.toml",
        "[fake]\naccount = \"000000000000\"\ncolour = \"blue\"\n",
    );
    let out = Command::new(BIN)
        .arg("--config")
        .arg(&file)
        .output()
        .await
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("colour"), "{stderr}");

    let out = Command::new(BIN)
        .args(["serve", "--account", "12"])
        .output()
        .await
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("fake.account"));
    let out = Command::new(BIN)
        .args(["--mode", "replay", "--listen", "127.0.0.1:0"])
        .output()
        .await
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("server.mode"));
}

/// The aws CLI and boto3 (tests/clients/smoke.py) against the real binary, seeded and with a flag
/// override, so the flags reach the server.
#[tokio::test]
async fn aws_cli_and_boto3() {
    let has_python_boto3 = std::process::Command::new("python3")
        .args(["-c", "import boto3"])
        .status()
        .is_ok_and(|s| s.success());
    let has_cli = std::process::Command::new("aws")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    if !has_python_boto3 && !has_cli {
        eprintln!("SKIPPED: neither the aws CLI nor boto3 is installed (.ci/run installs both)");
        return;
    }
    assert!(
        has_python_boto3 && has_cli,
        "install both: pip install awscli boto3"
    );
    let (_child, endpoint) = spawn(&["--seed", "5"]).await;
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/clients/smoke.py");
    let out = Command::new("python3")
        .arg(script)
        .arg(&endpoint)
        .output()
        .await
        .unwrap();
    assert!(
        out.status.success(),
        "smoke.py failed\nstdout:\n{}\nstderr:\n{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}
