//! Record mode's start-up contract, through the binary: the CI guard, loopback only, and real
//! credentials read from prod.env (or the environment) without a value ever shown.

use crate::support::{Process, refused};

const KEY: &str = "AKIAQAAAAAAAREALKEY1";
const SECRET: &str = "realSecretrealSecretrealSecretrealSecre1";

/// The environment of a developer's machine: not CI, no AWS credentials of its own.
const NOT_CI: [(&str, &str); 3] = [
    ("CI", ""),
    ("AWS_ACCESS_KEY_ID", ""),
    ("AWS_SECRET_ACCESS_KEY", ""),
];

fn prod_env(name: &str, text: &str) -> String {
    let dir = std::env::temp_dir().join(format!("parlel-record-{}-{name}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("prod.env");
    std::fs::write(&file, text).unwrap();
    file.to_string_lossy().into_owned()
}

#[tokio::test]
async fn ci_refuses_record_mode_unless_network_is_allowed() {
    let (code, stderr) = refused(&["--mode", "record"], &[("CI", "true")]).await;
    assert_eq!(code, Some(2), "{stderr}");
    assert!(
        stderr.contains("--mode (server.mode): record mode forwards requests to real STS, and CI is set in the environment: refusing to start"),
        "{stderr}"
    );
    assert!(stderr.contains("--allow-network"), "{stderr}");
    // Allowed, it goes on to the next check (no credentials here).
    let mut env = NOT_CI.to_vec();
    env[0] = ("CI", "true");
    let (_, stderr) = refused(
        &[
            "--mode",
            "record",
            "--allow-network",
            "--prod-env",
            "/nonexistent/prod.env",
        ],
        &env,
    )
    .await;
    assert!(!stderr.contains("CI is set"), "{stderr}");
    assert!(
        stderr.contains("/nonexistent/prod.env does not exist"),
        "{stderr}"
    );
}

#[tokio::test]
async fn record_mode_listens_on_loopback_only_unless_remote_is_allowed() {
    let (code, stderr) = refused(&["--mode", "record", "--listen", "0.0.0.0:0"], &NOT_CI).await;
    assert_eq!(code, Some(2), "{stderr}");
    assert!(
        stderr.contains("--listen (server.listen): record mode signs what reaches it with real credentials, so it listens on loopback only, and 0.0.0.0:0 is not a loopback address"),
        "{stderr}"
    );
    let (_, stderr) = refused(
        &[
            "--mode",
            "record",
            "--listen",
            "0.0.0.0:0",
            "--allow-remote",
            "--prod-env",
            "/nonexistent/prod.env",
        ],
        &NOT_CI,
    )
    .await;
    assert!(!stderr.contains("loopback"), "{stderr}");
}

#[tokio::test]
async fn credentials_come_from_prod_env_and_are_never_shown() {
    // No file and no AWS_* variables: the error names the file and how to make one.
    let (code, stderr) = refused(
        &["--mode", "record", "--prod-env", "/nonexistent/prod.env"],
        &NOT_CI,
    )
    .await;
    assert_eq!(code, Some(2), "{stderr}");
    assert!(
        stderr.contains("--prod-env (record.prod_env): no credentials to record with: /nonexistent/prod.env does not exist and AWS_ACCESS_KEY_ID is not set"),
        "{stderr}"
    );
    assert!(
        stderr.contains("aws configure export-credentials"),
        "{stderr}"
    );
    // A file without the secret: named, the key's value not shown.
    let file = prod_env("partial", &format!("export AWS_ACCESS_KEY_ID={KEY}\n"));
    let (_, stderr) = refused(&["--mode", "record", "--prod-env", &file], &NOT_CI).await;
    assert!(
        stderr.contains(&format!("{file}: AWS_SECRET_ACCESS_KEY is missing")),
        "{stderr}"
    );
    assert!(!stderr.contains(KEY), "{stderr}");
    // A line that is not KEY=VALUE: its number, never its text.
    let file = prod_env("garbled", &format!("AWS_ACCESS_KEY_ID={KEY}\n{SECRET}\n"));
    let (_, stderr) = refused(&["--mode", "record", "--prod-env", &file], &NOT_CI).await;
    assert!(
        stderr.contains(&format!("{file}: line 2 is not KEY=VALUE")),
        "{stderr}"
    );
    assert!(
        !stderr.contains(SECRET) && !stderr.contains(KEY),
        "{stderr}"
    );
    // Complete credentials: it starts, and says where it forwards to and whose credentials
    // it holds (the file), never what they are.
    let file = prod_env(
        "complete",
        &format!(
            "AWS_ACCESS_KEY_ID={KEY}\nAWS_SECRET_ACCESS_KEY=\"{SECRET}\"\nAWS_REGION=eu-west-1\n"
        ),
    );
    let dir = std::path::Path::new(&file)
        .parent()
        .unwrap()
        .join("cassettes");
    let dir = dir.to_string_lossy().into_owned();
    let process = Process::start(
        &["--mode", "record", "--prod-env", &file, "--cassettes", &dir],
        &NOT_CI,
    )
    .await;
    assert!(
        process.ready.contains(&format!(
            "(mode record, upstream sts.eu-west-1.amazonaws.com, credentials from {file})"
        )),
        "{}",
        process.ready
    );
    let (_, stderr) = process.stop().await;
    assert!(
        !stderr.contains(SECRET) && !stderr.contains(KEY),
        "{stderr}"
    );
    // The process's own variables stand in for a missing file.
    let env = [
        ("CI", ""),
        ("AWS_ACCESS_KEY_ID", KEY),
        ("AWS_SECRET_ACCESS_KEY", SECRET),
        ("AWS_REGION", ""),
    ];
    let process = Process::start(
        &[
            "--mode",
            "record",
            "--prod-env",
            "/nonexistent/prod.env",
            "--cassettes",
            &dir,
        ],
        &env,
    )
    .await;
    assert!(
        process
            .ready
            .contains("upstream sts.us-east-1.amazonaws.com, credentials from the environment"),
        "{}",
        process.ready
    );
    let (_, stderr) = process.stop().await;
    assert!(
        !stderr.contains(SECRET) && !stderr.contains(KEY),
        "{stderr}"
    );
}

#[tokio::test]
async fn record_and_cassette_flags_are_checked_and_named() {
    let (code, stderr) = refused(&["--upstream", "sts.amazonaws.com"], &NOT_CI).await;
    assert_eq!(code, Some(2), "{stderr}");
    assert!(
        stderr.contains(
            "--upstream (record.upstream): \"sts.amazonaws.com\" must start with https://"
        ),
        "{stderr}"
    );
    let (_, stderr) = refused(&[], &[("PARLEL_STS_CASSETTE", "../escape")]).await;
    assert!(
        stderr.contains("PARLEL_STS_CASSETTE (cassettes.name): \"../escape\" must be"),
        "{stderr}"
    );
    let (code, stderr) = refused(&["--store", "tape"], &NOT_CI).await;
    assert_eq!(code, Some(2), "{stderr}");
    assert!(
        stderr.contains("invalid value 'tape' for '--store"),
        "{stderr}"
    );
}

/// `parlel-sts cassette scan`: a pre-commit hook's exit codes and findings, never a value.
#[tokio::test]
async fn cassette_scan_finds_real_credentials_and_names_only_where() {
    let run = |args: Vec<String>| async move {
        let out = tokio::process::Command::new(crate::support::BIN)
            .args(&args)
            .env("AWS_ACCESS_KEY_ID", "")
            .output()
            .await
            .unwrap();
        (
            out.status.code(),
            String::from_utf8_lossy(&out.stdout).into_owned(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    };
    let dir = std::env::temp_dir().join(format!("parlel-scan-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    let fake =
        parlel_sts::cassette::Redactor::new(b"k", Default::default()).fake("AccessKeyId", KEY);
    std::fs::write(dir.join("clean.yaml"), format!("identity: {fake}\n")).unwrap();
    let path = |name: &str| dir.join(name).to_string_lossy().into_owned();
    let (code, stdout, _) = run(vec!["cassette".into(), "scan".into(), path("")]).await;
    assert_eq!(code, Some(0), "{stdout}");
    assert!(
        stdout.contains("1 file(s), no real credential found"),
        "{stdout}"
    );

    // AWS's documented example key: base32, as real key ids are.
    let real_key = "AKIAIOSFODNN7EXAMPLE";
    std::fs::write(
        dir.join("leak.yaml.journal"),
        format!("a: 1\nkey: {real_key}\n"),
    )
    .unwrap();
    let (code, stdout, _) = run(vec!["cassette".into(), "scan".into(), path("")]).await;
    assert_eq!(code, Some(1), "{stdout}");
    assert!(
        stdout.contains(&format!(
            "{}:2: an AWS access key id that is not a redacted fake",
            path("leak.yaml.journal")
        )),
        "{stdout}"
    );
    assert!(!stdout.contains(real_key), "{stdout}");

    let prod_env = dir.join("prod.env");
    std::fs::write(
        &prod_env,
        format!("AWS_ACCESS_KEY_ID=AKIAQAAAAAAAOTHERKEY\nAWS_SECRET_ACCESS_KEY={SECRET}\n"),
    )
    .unwrap();
    std::fs::write(dir.join("secret.yaml"), format!("body: x{SECRET}x\n")).unwrap();
    let (code, stdout, _) = run(vec![
        "cassette".into(),
        "scan".into(),
        "--prod-env".into(),
        prod_env.to_string_lossy().into_owned(),
        path("secret.yaml"),
    ])
    .await;
    assert_eq!(code, Some(1), "{stdout}");
    assert!(stdout.contains(":1: a real credential value"), "{stdout}");
    assert!(!stdout.contains(SECRET), "{stdout}");

    let (code, _, stderr) = run(vec!["cassette".into(), "scan".into(), path("absent.yaml")]).await;
    assert_eq!(code, Some(2), "{stderr}");
    assert!(stderr.contains("cannot read"), "{stderr}");
    std::fs::remove_dir_all(&dir).unwrap();
}
