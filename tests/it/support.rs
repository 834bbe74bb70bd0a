//! Shared test plumbing: start a server in-process, build SDK clients, speak raw HTTP.

use aws_sdk_sts::Client;
use aws_sdk_sts::config::http::HttpResponse;
use aws_sdk_sts::config::{BehaviorVersion, Credentials, Region};
use aws_smithy_http_client::tls::{Provider, rustls_provider::CryptoMode};
use parlel_sts::Server;
use parlel_sts::config::Config;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

pub const GCI: &str = "Action=GetCallerIdentity&Version=2011-06-15";
pub const SIGV4: &str = "AWS4-HMAC-SHA256 Credential=AKIAIOSFODNN7EXAMPLE/20260101/us-east-1/sts/aws4_request, SignedHeaders=host;x-amz-date, Signature=abc";

/// A directory of this test's own under the system's temporary one, removed when dropped.
pub struct Scratch(std::path::PathBuf);

impl Scratch {
    pub fn new(test: &str) -> Scratch {
        let dir = std::env::temp_dir().join(format!("parlel-sts-{test}-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("scratch directory");
        Scratch(dir)
    }

    /// Writes `text` to `name` in the directory; its path, as a command-line argument.
    pub fn file(&self, name: &str, text: &str) -> String {
        let path = self.0.join(name);
        std::fs::write(&path, text).expect("scratch file");
        path.to_string_lossy().into_owned()
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

pub fn test_config() -> Config {
    let mut config = Config::default();
    config.server.listen = "127.0.0.1:0".into();
    config
}

pub async fn start() -> Server {
    start_with(|_| {}).await
}

/// A server whose clock stands still (at 2030-01-01T00:00:00Z): durations compare exactly.
pub async fn start_pinned() -> Server {
    start_with(|c| c.fake.clock = Some("2030-01-01T00:00:00Z".into())).await
}

pub async fn start_with(edit: impl FnOnce(&mut Config)) -> Server {
    let mut config = test_config();
    edit(&mut config);
    config.check().expect("test config is valid");
    Server::start(&config).await.expect("server starts")
}

/// An SDK client with long-term credentials.
pub fn client(server: &Server, access_key_id: &str) -> Client {
    client_with(
        server,
        Credentials::new(access_key_id, "secret", None, None, "test"),
    )
}

/// AssumeRole of `role_arn` as `session`; add parameters, then `.send()`.
pub fn assume_role(
    sts: &Client,
    role_arn: impl Into<String>,
    session: &str,
) -> aws_sdk_sts::operation::assume_role::builders::AssumeRoleFluentBuilder {
    sts.assume_role()
        .role_arn(role_arn)
        .role_session_name(session)
}

/// GetCallerIdentity with the credentials an STS call returned.
pub async fn whoami(
    server: &Server,
    c: &aws_sdk_sts::types::Credentials,
) -> aws_sdk_sts::operation::get_caller_identity::GetCallerIdentityOutput {
    session_client(server, c)
        .get_caller_identity()
        .send()
        .await
        .expect("GetCallerIdentity with issued credentials")
}

/// A session tag.
pub fn tag(key: &str, value: &str) -> aws_sdk_sts::types::Tag {
    aws_sdk_sts::types::Tag::builder()
        .key(key)
        .value(value)
        .build()
        .expect("key and value are set")
}

/// `(status, code, message)` as `error_of` returns it.
pub fn sts_error(status: u16, code: &str, message: &str) -> (u16, String, String) {
    (status, code.to_owned(), message.to_owned())
}

/// An SDK client with the credentials an STS call returned.
pub fn session_client(server: &Server, c: &aws_sdk_sts::types::Credentials) -> Client {
    client_with(
        server,
        Credentials::new(
            c.access_key_id(),
            c.secret_access_key(),
            Some(c.session_token().to_owned()),
            None,
            "sts",
        ),
    )
}

fn client_with(server: &Server, credentials: Credentials) -> Client {
    client_at(&server.endpoint(), credentials)
}

/// An SDK client without credentials: it can call only the operations AWS serves unsigned.
pub fn unsigned_client(server: &Server) -> Client {
    Client::from_conf(sdk_config(&server.endpoint()).build())
}

/// An SDK client for any endpoint URL (a server in another process, say).
pub fn client_at(endpoint: &str, credentials: Credentials) -> Client {
    Client::from_conf(
        sdk_config(endpoint)
            .credentials_provider(credentials)
            .build(),
    )
}

/// The SDK's configuration for `endpoint`: us-east-1, rustls on ring, no credentials yet.
fn sdk_config(endpoint: &str) -> aws_sdk_sts::config::Builder {
    let http = aws_smithy_http_client::Builder::new()
        .tls_provider(Provider::Rustls(CryptoMode::Ring))
        .build_https();
    aws_sdk_sts::Config::builder()
        .behavior_version(BehaviorVersion::latest())
        .region(Region::new("us-east-1"))
        .endpoint_url(endpoint)
        .http_client(http)
}

/// Awaits a request that must fail (`failure(builder.send()).await`) and returns its status, code
/// and message, as `error_of`.
pub async fn failure<T, E>(
    sent: impl std::future::Future<Output = Result<T, aws_sdk_sts::error::SdkError<E, HttpResponse>>>,
) -> (u16, String, String)
where
    T: std::fmt::Debug,
    E: aws_sdk_sts::error::ProvideErrorMetadata + std::fmt::Debug,
{
    error_of(sent.await.expect_err("the request must fail"))
}

/// An SDK error's (HTTP status, code, message).
pub fn error_of<E>(err: aws_sdk_sts::error::SdkError<E, HttpResponse>) -> (u16, String, String)
where
    E: aws_sdk_sts::error::ProvideErrorMetadata + std::fmt::Debug,
{
    use aws_sdk_sts::error::ProvideErrorMetadata;
    let status = err.raw_response().map_or(0, |r| r.status().as_u16());
    (
        status,
        err.code().unwrap_or_default().to_owned(),
        err.message().unwrap_or_default().to_owned(),
    )
}

/// A raw HTTP/1.1 exchange on a fresh connection (`Connection: close` is added).
pub struct RawResponse {
    pub status: u16,
    pub head: String,
    pub body: String,
}

impl RawResponse {
    /// The value of a header, by case-insensitive name.
    pub fn header(&self, name: &str) -> Option<String> {
        self.head.lines().skip(1).find_map(|line| {
            let (n, v) = line.split_once(':')?;
            n.eq_ignore_ascii_case(name).then(|| v.trim().to_owned())
        })
    }
}

pub async fn raw(server: &Server, request_head: &str, body: &str) -> RawResponse {
    raw_at(&server.local_addr().to_string(), request_head, body).await
}

/// `raw` to a server at `addr` (`127.0.0.1:PORT`), in this process or another.
pub async fn raw_at(addr: &str, request_head: &str, body: &str) -> RawResponse {
    let mut stream = tokio::net::TcpStream::connect(addr).await.expect("connect");
    // `Host: sts.test` unless the head names one.
    let host = if request_head.to_ascii_lowercase().contains("\r\nhost:") {
        ""
    } else {
        "\r\nHost: sts.test"
    };
    let request = format!(
        "{request_head}{host}\r\nConnection: close\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    );
    stream.write_all(request.as_bytes()).await.expect("write");
    let mut bytes = Vec::new();
    stream.read_to_end(&mut bytes).await.expect("read");
    let text = String::from_utf8(bytes).expect("utf-8 response");
    let (head, body) = text.split_once("\r\n\r\n").unwrap_or((&text, ""));
    let status = head
        .split(' ')
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0);
    RawResponse {
        status,
        head: head.to_owned(),
        body: body.to_owned(),
    }
}

/// A signed-looking form POST.
pub async fn post(server: &Server, body: &str) -> RawResponse {
    raw(
        server,
        &format!(
            "POST / HTTP/1.1\r\nContent-Type: application/x-www-form-urlencoded; charset=utf-8\r\nAuthorization: {SIGV4}"
        ),
        body,
    )
    .await
}

/// POST `/_parlel/clock` with a JSON body.
pub async fn move_clock(server: &Server, json: &str) -> RawResponse {
    let r = raw(
        server,
        "POST /_parlel/clock HTTP/1.1\r\nContent-Type: application/json",
        json,
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.body);
    r
}

/// POST a JSON body to `/_parlel/{route}`; the answer must be 200 JSON.
pub async fn admin_post(
    server: &Server,
    route: &str,
    body: &serde_json::Value,
) -> serde_json::Value {
    let r = raw(
        server,
        &format!("POST /_parlel/{route} HTTP/1.1\r\nContent-Type: application/json"),
        &body.to_string(),
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.body);
    serde_json::from_str(&r.body).expect("a JSON answer")
}

/// The built binary, running, with its ready line and what it has written to stderr so far.
pub struct Process {
    child: tokio::process::Child,
    /// `http://127.0.0.1:PORT`, from the ready line.
    pub endpoint: String,
    pub ready: String,
    stderr: std::sync::Arc<std::sync::Mutex<String>>,
    /// Reads stderr until the process closes it.
    reader: tokio::task::JoinHandle<()>,
}

pub const BIN: &str = env!("CARGO_BIN_EXE_parlel-sts");

impl Process {
    /// Starts the binary from the repository root with `args` (and `--listen 127.0.0.1:0` unless
    /// they name a listen address) and extra environment variables; returns after its ready line.
    pub async fn start(args: &[&str], env: &[(&str, &str)]) -> Process {
        use std::process::Stdio;
        use tokio::io::AsyncBufReadExt;
        let mut command = tokio::process::Command::new(BIN);
        if !args.contains(&"--listen") {
            command.args(["--listen", "127.0.0.1:0"]);
        }
        let mut child = command
            .args(args)
            .current_dir(env!("CARGO_MANIFEST_DIR"))
            .envs(env.iter().copied())
            .env_remove("NO_COLOR")
            .env_remove("PARLEL_STS_CONFIG")
            .env_remove("PARLEL_STS_LOG_LEVEL")
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .kill_on_drop(true)
            .spawn()
            .expect("binary starts");
        let stderr = std::sync::Arc::new(std::sync::Mutex::new(String::new()));
        let mut lines = tokio::io::BufReader::new(child.stderr.take().expect("stderr")).lines();
        let sink = stderr.clone();
        let reader = tokio::spawn(async move {
            while let Ok(Some(line)) = lines.next_line().await {
                if let Ok(mut all) = sink.lock() {
                    all.push_str(&line);
                    all.push('\n');
                }
            }
        });
        let mut ready = String::new();
        let mut stdout = tokio::io::BufReader::new(child.stdout.take().expect("stdout"));
        let read = stdout.read_line(&mut ready);
        tokio::time::timeout(std::time::Duration::from_secs(10), read)
            .await
            .expect("ready line in time")
            .expect("read the ready line");
        let endpoint = ready
            .split_whitespace()
            .find(|w| w.starts_with("http://"))
            .unwrap_or_else(|| panic!("no address in the ready line {ready:?}"))
            .to_owned();
        Process {
            child,
            endpoint,
            ready,
            stderr,
            reader,
        }
    }

    /// `127.0.0.1:PORT`.
    pub fn addr(&self) -> &str {
        self.endpoint.trim_start_matches("http://")
    }

    pub fn stderr(&self) -> String {
        self.stderr.lock().map(|s| s.clone()).unwrap_or_default()
    }

    /// Waits (up to 5 s) until stderr holds `needle`, and returns it all.
    pub async fn stderr_with(&self, needle: &str) -> String {
        for _ in 0..100 {
            let all = self.stderr();
            if all.contains(needle) {
                return all;
            }
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }
        panic!("stderr never held {needle:?}:\n{}", self.stderr())
    }

    /// SIGKILL: the process ends at once, as in a crash.
    pub async fn kill9(mut self) {
        let _ = self.child.kill().await;
    }

    /// SIGTERM, then its exit status and all of stderr.
    pub async fn stop(mut self) -> (std::process::ExitStatus, String) {
        if let Some(pid) = self.child.id() {
            let _ = tokio::process::Command::new("kill")
                .args(["-TERM", &pid.to_string()])
                .status()
                .await;
        }
        let status = tokio::time::timeout(std::time::Duration::from_secs(10), self.child.wait())
            .await
            .expect("exits in time")
            .expect("exit status");
        // Everything it wrote, up to its end of stderr.
        let _ = tokio::time::timeout(std::time::Duration::from_secs(5), &mut self.reader).await;
        (status, self.stderr())
    }
}

/// Runs the binary with `args` and `env` to completion (it must not start); its exit code and stderr.
pub async fn refused(args: &[&str], env: &[(&str, &str)]) -> (Option<i32>, String) {
    let out = tokio::process::Command::new(BIN)
        .args(args)
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .env_remove("PARLEL_STS_CONFIG")
        .env_remove("PARLEL_STS_LOG_LEVEL")
        .envs(env.iter().copied())
        .output();
    let out = tokio::time::timeout(std::time::Duration::from_secs(10), out)
        .await
        .expect("exits in time")
        .expect("runs");
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// Whether `program args` runs and succeeds (a client a test drives is installed).
pub fn has(program: &str, args: &[&str]) -> bool {
    std::process::Command::new(program)
        .args(args)
        .output()
        .is_ok_and(|o| o.status.success())
}

/// A test whose client is missing is skipped, saying so; under `.ci/run`
/// (`PARLEL_REQUIRE_CLIENTS=1`) that is a failure instead: CI must run every client test.
pub fn skip(why: &str) {
    assert!(
        std::env::var_os("PARLEL_REQUIRE_CLIENTS").is_none(),
        "{why}, and PARLEL_REQUIRE_CLIENTS is set"
    );
    eprintln!("SKIPPED: {why} (.ci/run installs it)");
}
