//! README.md's examples, run as written: every fenced block preceded by a `<!-- run: KIND -->`
//! comment is extracted and run against the built binary, with `127.0.0.1:4729` (and `4729`)
//! replaced by a free port. A line's `# -> TEXT` (or `// -> TEXT`) comment names output the block
//! must print. What a block needs that a fresh machine lacks (the aws CLI, boto3, the JS SDK)
//! skips it, saying so, as the other client tests do; `.ci/run` installs them all.

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Duration;

use tokio::process::Command;

use crate::support::{BIN, Process, has, skip};

const ROOT: &str = env!("CARGO_MANIFEST_DIR");

/// A block of README.md marked to run.
#[derive(Debug)]
struct Example {
    kind: String,
    lang: String,
    code: String,
    /// The README line of its fence, for messages.
    line: usize,
}

fn examples() -> Vec<Example> {
    let readme = std::fs::read_to_string(Path::new(ROOT).join("README.md")).expect("README.md");
    let lines: Vec<&str> = readme.lines().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while i < lines.len() {
        let Some(kind) = lines[i]
            .trim()
            .strip_prefix("<!-- run:")
            .and_then(|r| r.strip_suffix("-->"))
        else {
            i += 1;
            continue;
        };
        let fence = lines
            .get(i + 1)
            .and_then(|l| l.strip_prefix("```"))
            .unwrap_or_else(|| panic!("README.md:{}: a run marker must precede a fence", i + 1));
        let start = i + 2;
        let end = (start..lines.len())
            .find(|&j| lines[j].starts_with("```"))
            .unwrap_or_else(|| panic!("README.md:{}: unclosed fence", i + 2));
        out.push(Example {
            kind: kind.trim().to_owned(),
            lang: fence.trim().to_owned(),
            code: lines[start..end].join("\n") + "\n",
            line: i + 2,
        });
        i = end + 1;
    }
    out
}

fn example(kind: &str) -> Example {
    let mut found: Vec<Example> = examples().into_iter().filter(|e| e.kind == kind).collect();
    assert_eq!(
        found.len(),
        1,
        "README.md needs one `<!-- run: {kind} -->` block"
    );
    found.remove(0)
}

/// The `-> TEXT` expectations of a block's comments.
fn expectations(code: &str) -> Vec<String> {
    code.lines()
        .filter_map(|l| l.split_once("# -> ").or_else(|| l.split_once("// -> ")))
        .map(|(_, want)| want.trim().to_owned())
        .collect()
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .expect("a free port")
}

fn on_port(code: &str, port: u16) -> String {
    code.replace("4729", &port.to_string())
}

/// The binary on `port`, from the repository root, after its ready line.
async fn serve(port: u16, args: &[&str]) -> Process {
    let listen = format!("127.0.0.1:{port}");
    let mut all = vec!["--listen", listen.as_str()];
    all.extend_from_slice(args);
    Process::start(&all, &[]).await
}

/// A server started with the TOML block `kind` as its config file, and a client of it.
async fn serve_block(kind: &str) -> (Process, aws_sdk_sts::Client) {
    let example = example(kind);
    assert_eq!(example.lang, "toml");
    let dir = scratch(kind);
    let file = dir.join("proxy.toml");
    std::fs::write(&file, &example.code).expect("write the block");
    let server = Process::start(&["--config", &file.to_string_lossy()], &[]).await;
    let sts = crate::support::client_at(
        &server.endpoint,
        aws_sdk_sts::config::Credentials::new("parlel", "parlel", None, None, "test"),
    );
    (server, sts)
}

/// A scratch directory with its own HOME, so no ~/.aws of the machine takes part.
fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("parlel-readme-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(dir.join("home")).expect("scratch dir");
    dir
}

/// Runs `program args` in `dir`, with the binary's folder on PATH; returns stdout, failing the
/// test (with both outputs) unless it succeeds and prints every expectation of `code`.
async fn run_checked(
    example: &Example,
    code: &str,
    dir: &Path,
    program: &str,
    args: &[&str],
) -> String {
    let bin_dir = Path::new(BIN).parent().expect("binary folder");
    let path = format!(
        "{}:{}",
        bin_dir.display(),
        std::env::var("PATH").unwrap_or_default()
    );
    let out = tokio::time::timeout(
        Duration::from_secs(120),
        Command::new(program)
            .args(args)
            .current_dir(dir)
            .env("HOME", dir.join("home"))
            .env("PATH", path)
            .env_remove("AWS_PROFILE")
            .env_remove("AWS_ACCESS_KEY_ID")
            .env_remove("AWS_SECRET_ACCESS_KEY")
            .env_remove("AWS_SESSION_TOKEN")
            .env_remove("AWS_ENDPOINT_URL")
            .env_remove("AWS_ENDPOINT_URL_STS")
            .stdin(Stdio::null())
            .output(),
    )
    .await
    .unwrap_or_else(|_| {
        panic!(
            "README.md:{}: {} block timed out",
            example.line, example.kind
        )
    })
    .expect("runs");
    let stdout = String::from_utf8_lossy(&out.stdout).into_owned();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        out.status.success(),
        "README.md:{}: the {} block failed ({})\n--- block\n{code}--- stdout\n{stdout}--- stderr\n{stderr}",
        example.line,
        example.kind,
        out.status
    );
    for want in expectations(&example.code) {
        assert!(
            stdout.contains(&want),
            "README.md:{}: the {} block did not print {want:?}\n--- stdout\n{stdout}--- stderr\n{stderr}",
            example.line,
            example.kind
        );
    }
    stdout
}

#[test]
fn every_marked_block_is_run_by_a_test() {
    let kinds: Vec<String> = examples().into_iter().map(|e| e.kind).collect();
    let mut sorted = kinds.clone();
    sorted.sort();
    assert_eq!(
        sorted,
        [
            "ci",
            "connect",
            "identity-provider",
            "javascript",
            "python",
            "replay-ci",
            "trade-in-token"
        ],
        "a new `<!-- run: -->` block needs its test here"
    );
}

#[tokio::test]
async fn the_aws_cli_examples_run() {
    if !has("aws", &["--version"]) {
        return skip("the aws CLI is not installed");
    }
    let port = free_port();
    let _server = serve(port, &[]).await;
    run_sh_block("connect", port).await;
}

/// Runs the `sh` block `kind` with bash (`-euo pipefail`), its port made `port`.
async fn run_sh_block(kind: &str, port: u16) {
    let example = example(kind);
    assert_eq!(example.lang, "sh");
    let dir = scratch(kind);
    let code = on_port(&example.code, port);
    let args = ["-euo", "pipefail", "-c", code.as_str()];
    run_checked(&example, &code, &dir, "bash", &args).await;
}

#[tokio::test]
async fn the_python_example_runs() {
    if !has("python3", &["-c", "import boto3"]) {
        return skip("boto3 is not installed");
    }
    let example = example("python");
    assert_eq!(example.lang, "python");
    let port = free_port();
    let _server = serve(port, &[]).await;
    let dir = scratch("python");
    let code = on_port(&example.code, port);
    run_checked(&example, &code, &dir, "python3", &["-c", &code]).await;
}

#[tokio::test]
async fn the_javascript_example_runs() {
    let js = Path::new(ROOT).join("tests/clients/js");
    if !js.join("node_modules/@aws-sdk/client-sts").exists() {
        return skip("the JS v3 SDK is not installed (npm ci --prefix tests/clients/js)");
    }
    let example = example("javascript");
    assert_eq!(example.lang, "js");
    let port = free_port();
    let _server = serve(port, &[]).await;
    // Beside node_modules, so that the import resolves; removed afterwards.
    let file = js.join(format!(".readme-{}.mjs", std::process::id()));
    let code = on_port(&example.code, port);
    std::fs::write(&file, &code).expect("write the snippet");
    let arg = file.to_string_lossy().into_owned();
    let dir = scratch("javascript");
    run_checked(&example, &code, &dir, "node", &[&arg]).await;
    let _ = std::fs::remove_file(&file);
}

#[tokio::test]
async fn the_identity_provider_block_starts_a_server_that_enforces_it() {
    let (_server, sts) = serve_block("identity-provider").await;
    // The declared issuer's tokens are now checked: one signed by nobody is refused.
    let header = b64(br#"{"alg":"RS256","kid":"nobody"}"#);
    let claims = b64(
        br#"{"iss":"https://token.actions.githubusercontent.com","sub":"repo:o/r","aud":"sts.amazonaws.com","exp":4102444800}"#,
    );
    let err = crate::support::failure(
        sts.assume_role_with_web_identity()
            .role_arn("arn:aws:iam::123456789012:role/ci")
            .role_session_name("gha")
            .web_identity_token(format!("{header}.{claims}.c2ln"))
            .send(),
    )
    .await;
    assert_eq!(err.1, "InvalidIdentityToken", "{err:?}");
    assert!(
        err.2.starts_with("Couldn't retrieve verification key"),
        "the declared provider's keys were not the ones checked: {err:?}"
    );
}

#[tokio::test]
async fn the_trade_in_token_block_is_a_config_the_server_takes() {
    let (_server, sts) = serve_block("trade-in-token").await;
    let out = sts
        .get_delegated_access_token()
        .trade_in_token("ci-fixed-trade-in-token")
        .send()
        .await
        .expect("the configured token trades in");
    assert_eq!(
        out.assumed_principal(),
        Some("arn:aws:iam::123456789012:role/Partner")
    );
}

#[tokio::test]
async fn the_ci_recipe_runs() {
    if !has("aws", &["--version"]) {
        return skip("the aws CLI is not installed");
    }
    let port = free_port();
    run_sh_block("ci", port).await;
    // The recipe stops the server it started.
    let stopped = tokio::net::TcpStream::connect(("127.0.0.1", port)).await;
    assert!(stopped.is_err(), "the CI recipe left its server running");
}

#[test]
fn the_rust_example_is_the_library_doc_example() {
    let readme = std::fs::read_to_string(Path::new(ROOT).join("README.md")).expect("README.md");
    let lib = std::fs::read_to_string(Path::new(ROOT).join("src/lib.rs")).expect("src/lib.rs");
    let block = readme
        .split("```rust\n")
        .nth(1)
        .and_then(|rest| rest.split("```").next())
        .expect("a rust block in README.md");
    let doc: String = lib
        .lines()
        .filter_map(|l| l.strip_prefix("//! "))
        .filter(|l| !l.starts_with('#') && !l.starts_with("```"))
        .map(|l| format!("{l}\n"))
        .collect();
    for line in block.lines().filter(|l| !l.trim().is_empty()) {
        assert!(
            doc.contains(line.trim_end()),
            "README's rust line {line:?} is not in src/lib.rs's doc example (which is compiled and run)"
        );
    }
}

fn b64(bytes: &[u8]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    let mut out = String::new();
    for chunk in bytes.chunks(3) {
        let n = chunk
            .iter()
            .enumerate()
            .fold(0u32, |n, (i, &b)| n | u32::from(b) << (16 - 8 * i));
        for i in 0..=chunk.len() {
            out.push(char::from(ALPHABET[(n >> (18 - 6 * i) & 63) as usize]));
        }
    }
    out
}

#[tokio::test]
async fn the_replay_ci_recipe_replays_the_committed_example_and_exits_cleanly() {
    if !has("aws", &["--version"]) {
        return skip("the aws CLI is not installed");
    }
    let example = example("replay-ci");
    let dir = scratch("replay-ci");
    std::fs::create_dir_all(dir.join("cassettes")).expect("cassettes dir");
    std::fs::copy(
        Path::new(ROOT).join("cassettes/example.yaml"),
        dir.join("cassettes/example.yaml"),
    )
    .expect("the example cassette");
    let port = free_port();
    let code = on_port(&example.code, port);
    run_checked(
        &example,
        &code,
        &dir,
        "bash",
        &["-euo", "pipefail", "-c", &code],
    )
    .await;
    let report = std::fs::read_to_string(dir.join("replay-report.json")).expect("the report");
    let report: serde_json::Value = serde_json::from_str(&report).expect("JSON");
    assert_eq!(report["misses"], 0, "{report}");
    assert_eq!(report["hits"], 1, "{report}");
}
