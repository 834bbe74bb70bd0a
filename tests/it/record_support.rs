//! What the record-mode tests share: the prod.env key, a strict upstream that knows only it, a
//! recorder in-process or as the binary, a developer's client, and a directory per test.

use std::path::{Path, PathBuf};

use aws_sdk_sts::config::Credentials;
use parlel_sts::Server;
use parlel_sts::config::{Config, UserConfig};
use parlel_sts::mode::Mode;
use parlel_sts::secret::Secret;
use parlel_sts::upstream::RealCredentials;
use parlel_sts::wire::sigv4::AuthMode;

use crate::support::{Process, client_at, start_with};

pub const PROD_KEY: &str = "AKIAQAAAAAAAEXAMPLE1";
pub const PROD_SECRET: &str = "prodSecretprodSecretprodSecretprodSecret";

/// The upstream: a parlel-sts in strict mode whose only key is prod.env's, a user of account
/// 123456789012. A wrong re-signing fails there with SignatureDoesNotMatch.
pub async fn strict_upstream() -> Server {
    start_with(|c| {
        c.server.auth = AuthMode::Strict;
        c.fake.builtin_user = false;
        c.fake.users.push(UserConfig {
            access_key_id: PROD_KEY.into(),
            secret_access_key: Some(PROD_SECRET.into()),
            account: Some("123456789012".into()),
            principal: "user/recorder".into(),
        });
    })
    .await
}

pub fn prod_credentials(secret: &str) -> RealCredentials {
    RealCredentials {
        access_key_id: Secret::new(PROD_KEY),
        secret_access_key: Secret::new(secret),
        session_token: None,
        region: "us-east-1".into(),
        source: "test".into(),
    }
}

/// A directory of its own for each test's cassettes (emptied).
pub fn cassettes(test: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("parlel-record-{}-{test}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    dir
}

/// Record mode in-process, forwarding to `upstream` with prod.env's credentials, its cassettes
/// in `dir`; `edit` changes the rest.
pub async fn recorder(upstream: &str, dir: &Path, edit: impl FnOnce(&mut Config)) -> Server {
    start_with(|c: &mut Config| {
        c.server.mode = Mode::Record;
        c.record.upstream = Some(upstream.to_owned());
        c.record.upstream_timeout_ms = 2_000;
        c.record_credentials = Some(prod_credentials(PROD_SECRET));
        c.cassettes.dir = dir.to_owned();
        edit(c);
    })
    .await
}

/// The binary in record mode: prod.env written into `dir` (created), the cassettes there, and
/// `extra` flags; not under CI, with `env` besides.
pub async fn recorder_process(
    upstream: &str,
    dir: &Path,
    extra: &[&str],
    env: &[(&str, &str)],
) -> Process {
    std::fs::create_dir_all(dir).unwrap();
    let prod_env = dir.join("prod.env");
    std::fs::write(
        &prod_env,
        format!("AWS_ACCESS_KEY_ID={PROD_KEY}\nAWS_SECRET_ACCESS_KEY={PROD_SECRET}\n"),
    )
    .unwrap();
    let (prod_env, cassettes) = (
        prod_env.to_string_lossy().into_owned(),
        dir.to_string_lossy().into_owned(),
    );
    let mut args = vec![
        "--mode",
        "record",
        "--upstream",
        upstream,
        "--prod-env",
        &prod_env,
        "--cassettes",
        &cassettes,
        "--log-level",
        "warn",
    ];
    args.extend_from_slice(extra);
    let mut environment = vec![("CI", "")];
    environment.extend_from_slice(env);
    Process::start(&args, &environment).await
}

/// What a developer's SDK has: any credentials at all.
pub fn developer(endpoint: &str) -> aws_sdk_sts::Client {
    client_at(
        endpoint,
        Credentials::new("AKIAIOSFODNN7EXAMPLE", "whatever", None, None, "test"),
    )
}
