//! Record mode through aws-sdk-sts, against a second parlel-sts in strict mode as the upstream
//! (it knows only the prod.env key): a wrong re-signing fails there with SignatureDoesNotMatch,
//! so answers that work prove the signatures. The client gets redacted credentials; signing with
//! them reaches the upstream as the real session behind them.

use std::path::{Path, PathBuf};

use aws_sdk_sts::config::Credentials;
use parlel_sts::Server;
use parlel_sts::cassette::{Cassette, YamlStore};
use parlel_sts::config::{Config, UserConfig};
use parlel_sts::mode::Mode;
use parlel_sts::secret::Secret;
use parlel_sts::upstream::RealCredentials;
use parlel_sts::wire::sigv4::AuthMode;

use crate::support::{client_at, failure, raw, session_client, start_with, sts_error};

const PROD_KEY: &str = "AKIAQAAAAAAAEXAMPLE1";
const PROD_SECRET: &str = "prodSecretprodSecretprodSecretprodSecret";

/// The upstream: strict, and the prod.env key is a user of account 123456789012.
async fn upstream() -> Server {
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

fn prod_credentials(secret: &str) -> RealCredentials {
    RealCredentials {
        access_key_id: Secret::new(PROD_KEY),
        secret_access_key: Secret::new(secret),
        session_token: None,
        region: "us-east-1".into(),
        source: "test".into(),
    }
}

/// A directory of its own for each test's cassettes.
fn cassettes(test: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("parlel-record-{}-{test}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    dir
}

async fn recorder(upstream: &str, secret: &str, dir: &Path) -> Server {
    start_with(|c: &mut Config| {
        c.server.mode = Mode::Record;
        c.record.upstream = Some(upstream.to_owned());
        c.record.upstream_timeout_ms = 2_000;
        c.record_credentials = Some(prod_credentials(secret));
        c.cassettes.dir = dir.to_owned();
    })
    .await
}

/// What a developer's SDK has: any credentials at all.
fn developer(server: &Server) -> aws_sdk_sts::Client {
    client_at(
        &server.endpoint(),
        Credentials::new("AKIAIOSFODNN7EXAMPLE", "whatever", None, None, "test"),
    )
}

#[tokio::test]
async fn requests_go_up_re_signed_and_sessions_stay_themselves() {
    let up = upstream().await;
    let dir = cassettes("sessions");
    let proxy = recorder(&up.endpoint(), PROD_SECRET, &dir).await;
    let sts = developer(&proxy);
    // Base credentials are replaced by prod.env's: the upstream verified them.
    let me = sts
        .get_caller_identity()
        .send()
        .await
        .expect("GetCallerIdentity");
    assert_eq!(me.arn(), Some("arn:aws:iam::123456789012:user/recorder"));

    let role = sts
        .assume_role()
        .role_arn("arn:aws:iam::123456789012:role/app")
        .role_session_name("rec")
        .send()
        .await
        .expect("AssumeRole");
    let handed_out = role.credentials().unwrap();
    assert!(handed_out.access_key_id().starts_with("ASIA"));
    assert_eq!(handed_out.secret_access_key().len(), 40);
    // Redacted: the upstream itself does not know these credentials.
    let direct = session_client(&up, handed_out).get_caller_identity().send();
    assert_eq!(failure(direct).await.1, "InvalidClientTokenId");
    // Through the proxy they are the session the upstream issued.
    let as_role = session_client(&proxy, handed_out);
    let me = as_role
        .get_caller_identity()
        .send()
        .await
        .expect("as the role");
    assert_eq!(
        me.arn(),
        Some("arn:aws:sts::123456789012:assumed-role/app/rec")
    );
    // A chain of depth 2 records as a chain.
    let next = as_role
        .assume_role()
        .role_arn("arn:aws:iam::123456789012:role/next")
        .role_session_name("hop")
        .send()
        .await
        .expect("chained AssumeRole");
    let me = session_client(&proxy, next.credentials().unwrap())
        .get_caller_identity()
        .send()
        .await
        .expect("as the chained role");
    assert_eq!(
        me.arn(),
        Some("arn:aws:sts::123456789012:assumed-role/next/hop")
    );
    // The upstream's own refusals come back as they are, and are recorded.
    let refused = as_role.get_session_token().send();
    let (status, code, _) = failure(refused).await;
    assert_eq!((status, code.as_str()), (403, "AccessDenied"));

    // Each exchange is in the journal before its answer came back: a cassette that loads now
    // (as after a kill -9) holds all six.
    let store = YamlStore::new(&dir, "default");
    let loaded = store.load().unwrap().expect("a journal");
    let actions: Vec<&str> = loaded
        .interactions
        .iter()
        .map(|i| i.request.action.as_str())
        .collect();
    assert_eq!(
        actions,
        [
            "GetCallerIdentity",
            "AssumeRole",
            "GetCallerIdentity",
            "AssumeRole",
            "GetCallerIdentity",
            "GetSessionToken"
        ]
    );
    let as_role_call = &loaded.interactions[2];
    assert_eq!(as_role_call.request.identity, handed_out.access_key_id());
    assert_eq!(as_role_call.ordinal, 0);
    assert_eq!(loaded.interactions[0].request.identity, "base");
    assert_eq!(loaded.interactions[5].response.status, 403);
    // Shut down: one cassette file, no journal, and what the client got is what it holds.
    proxy.shutdown().await;
    assert!(!dir.join("default.yaml.journal").exists());
    let text = std::fs::read_to_string(dir.join("default.yaml")).unwrap();
    assert!(text.contains(handed_out.access_key_id()), "{text}");
    assert!(text.contains(handed_out.secret_access_key()), "{text}");
    assert!(
        !text.contains(PROD_SECRET) && !text.contains(PROD_KEY),
        "{text}"
    );
    let cassette: Cassette = serde_yaml::from_str(&text).unwrap();
    assert_eq!(cassette.interactions, loaded.interactions);
    std::fs::remove_dir_all(&dir).unwrap();
}

#[tokio::test]
async fn a_wrong_prod_secret_fails_upstream_and_unsigned_operations_go_up_unsigned() {
    let up = upstream().await;
    let dir = cassettes("wrong-secret");
    let proxy = recorder(
        &up.endpoint(),
        "not-the-secret-not-the-secret-not-the-se",
        &dir,
    )
    .await;
    let sent = developer(&proxy).get_caller_identity().send();
    assert_eq!(failure(sent).await.1, "SignatureDoesNotMatch");
    // AssumeRoleWithWebIdentity goes up unsigned: the upstream judges the token, not a signature
    // (strict mode refuses an undeclared issuer with AWS's text).
    let token = "eyJhbGciOiJSUzI1NiJ9.eyJpc3MiOiJodHRwczovL2lkcC5leGFtcGxlLmNvbSIsInN1YiI6InMiLCJhdWQiOiJhIiwiZXhwIjo0MTAyNDQ0ODAwfQ.c2ln";
    let sent = developer(&proxy)
        .assume_role_with_web_identity()
        .role_arn("arn:aws:iam::123456789012:role/ci")
        .role_session_name("web")
        .web_identity_token(token)
        .send();
    assert_eq!(
        failure(sent).await,
        sts_error(
            400,
            "InvalidIdentityToken",
            "No OpenIDConnect provider found in your account for https://idp.example.com"
        )
    );
}

#[tokio::test]
async fn an_upstream_that_is_away_gets_a_502_naming_it() {
    // A port nothing listens on: bind one, then let it go.
    let port = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.local_addr().unwrap().port()
    };
    let dir = cassettes("away");
    let proxy = recorder(&format!("http://127.0.0.1:{port}"), PROD_SECRET, &dir).await;
    let (status, code, message) = failure(developer(&proxy).get_caller_identity().send()).await;
    assert_eq!((status, code.as_str()), (502, "UpstreamUnavailable"));
    assert!(
        message.starts_with(&format!("the upstream 127.0.0.1:{port} is unavailable: ")),
        "{message}"
    );
    // Not an operation of the model: refused here, never forwarded (nothing listens anyway).
    let r = raw(
        &proxy,
        "POST / HTTP/1.1\r\nContent-Type: application/x-www-form-urlencoded",
        "Action=DeleteEverything&Version=2011-06-15",
    )
    .await;
    assert_eq!(r.status, 400, "{}", r.body);
    assert!(r.body.contains("<Code>InvalidAction</Code>"), "{}", r.body);
}

/// Through the binary: 200 concurrent recordings, then kill -9. The cassette loads and holds every
/// one (each was durable before its answer), none interleaved; a SIGTERM run writes the file.
#[tokio::test]
async fn concurrent_recordings_survive_a_kill_9() {
    use crate::support::Process;
    let up = upstream().await;
    let dir = cassettes("kill9");
    std::fs::create_dir_all(&dir).unwrap();
    let prod_env = dir.join("prod.env");
    std::fs::write(
        &prod_env,
        format!("AWS_ACCESS_KEY_ID={PROD_KEY}\nAWS_SECRET_ACCESS_KEY={PROD_SECRET}\n"),
    )
    .unwrap();
    let args = |name: &'static str| {
        vec![
            "--mode".to_owned(),
            "record".into(),
            "--upstream".into(),
            up.endpoint(),
            "--prod-env".into(),
            prod_env.to_string_lossy().into_owned(),
            "--cassettes".into(),
            dir.to_string_lossy().into_owned(),
            "--cassette".into(),
            name.into(),
            "--log-level".into(),
            "warn".into(),
        ]
    };
    let env = [("CI", "")];
    let kill9_args = args("crash");
    let argv: Vec<&str> = kill9_args.iter().map(String::as_str).collect();
    let process = Process::start(&argv, &env).await;
    let sts = client_at(
        &process.endpoint,
        Credentials::new("AKIAIOSFODNN7EXAMPLE", "x", None, None, "test"),
    );
    let mut calls = tokio::task::JoinSet::new();
    for _ in 0..200 {
        let sts = sts.clone();
        calls.spawn(async move { sts.get_caller_identity().send().await });
    }
    while let Some(call) = calls.join_next().await {
        let me = call.unwrap().expect("recorded GetCallerIdentity");
        assert_eq!(me.arn(), Some("arn:aws:iam::123456789012:user/recorder"));
    }
    process.kill9().await;
    let loaded = YamlStore::new(&dir, "crash")
        .load()
        .expect("the cassette loads")
        .expect("its journal is there");
    assert_eq!(loaded.interactions.len(), 200);
    let mut ordinals: Vec<u32> = loaded.interactions.iter().map(|i| i.ordinal).collect();
    ordinals.sort_unstable();
    assert_eq!(ordinals, (0..200).collect::<Vec<u32>>());
    assert!(
        loaded
            .interactions
            .iter()
            .all(|i| i.response.body.contains("user/recorder"))
    );

    // SIGTERM: the run ends by writing the cassette file.
    let term_args = args("clean");
    let argv: Vec<&str> = term_args.iter().map(String::as_str).collect();
    let process = Process::start(&argv, &env).await;
    let sts = client_at(
        &process.endpoint,
        Credentials::new("AKIAIOSFODNN7EXAMPLE", "x", None, None, "test"),
    );
    sts.get_caller_identity().send().await.expect("recorded");
    let (status, stderr) = process.stop().await;
    assert!(status.success(), "{stderr}");
    assert!(!dir.join("clean.yaml.journal").exists());
    let text = std::fs::read_to_string(dir.join("clean.yaml")).unwrap();
    let cassette: Cassette = serde_yaml::from_str(&text).unwrap();
    assert_eq!(cassette.interactions.len(), 1);
    assert!(!text.contains(PROD_SECRET), "{text}");
    std::fs::remove_dir_all(&dir).unwrap();
}

/// The aws CLI and boto3 (`tests/clients/record.py`) recording through the binary: every call
/// the script makes answers as the upstream would, and the cassette keeps them all.
#[tokio::test]
async fn the_aws_cli_and_boto3_record_through_the_proxy() {
    use crate::support::{Process, has, skip};
    if !has("python3", &["-c", "import boto3"]) || !has("aws", &["--version"]) {
        return skip("the aws CLI or boto3 is not installed");
    }
    let up = upstream().await;
    let dir = cassettes("clients");
    std::fs::create_dir_all(&dir).unwrap();
    let prod_env = dir.join("prod.env");
    std::fs::write(
        &prod_env,
        format!("AWS_ACCESS_KEY_ID={PROD_KEY}\nAWS_SECRET_ACCESS_KEY={PROD_SECRET}\n"),
    )
    .unwrap();
    let (endpoint, prod_env, cassettes) = (
        up.endpoint(),
        prod_env.to_string_lossy().into_owned(),
        dir.to_string_lossy().into_owned(),
    );
    let process = Process::start(
        &[
            "--mode",
            "record",
            "--upstream",
            &endpoint,
            "--prod-env",
            &prod_env,
            "--cassettes",
            &cassettes,
            "--log-level",
            "warn",
        ],
        &[("CI", "")],
    )
    .await;
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/clients/record.py");
    let out = tokio::process::Command::new("python3")
        .arg(script)
        .arg(&process.endpoint)
        .output()
        .await
        .unwrap();
    let (_, stderr) = process.stop().await;
    assert!(
        out.status.success(),
        "record.py failed\nstdout:\n{}\nstderr:\n{}\nserver:\n{stderr}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    let text = std::fs::read_to_string(dir.join("default.yaml")).unwrap();
    assert!(!text.contains(PROD_SECRET), "{text}");
    let cassette: Cassette = serde_yaml::from_str(&text).unwrap();
    let has = |action: &str, method: &str, status: u16| {
        cassette.interactions.iter().any(|i| {
            i.request.action == action && i.request.method == method && i.response.status == status
        })
    };
    for action in [
        "GetCallerIdentity",
        "AssumeRole",
        "GetSessionToken",
        "GetFederationToken",
    ] {
        assert!(has(action, "POST", 200), "{action} in {text}");
    }
    assert!(
        has("GetSessionToken", "POST", 403),
        "the AccessDenied is kept"
    );
    assert!(
        has("GetCallerIdentity", "GET", 200),
        "the presigned GET is kept"
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

/// The sled store through the binary: recordings durable before their answers (kill -9), one
/// process per store (a convert while a recorder holds it is refused), and YAML -> sled -> YAML
/// byte-identical through `parlel-sts cassette convert`.
#[tokio::test]
async fn the_sled_store_records_and_converts_losslessly() {
    use crate::support::{BIN, Process};
    let up = upstream().await;
    let dir = cassettes("sled");
    std::fs::create_dir_all(&dir).unwrap();
    let prod_env = dir.join("prod.env");
    std::fs::write(
        &prod_env,
        format!("AWS_ACCESS_KEY_ID={PROD_KEY}\nAWS_SECRET_ACCESS_KEY={PROD_SECRET}\n"),
    )
    .unwrap();
    let path = |name: &str| dir.join(name).to_string_lossy().into_owned();
    let (endpoint, prod_env) = (up.endpoint(), prod_env.to_string_lossy().into_owned());
    let cassettes = path("");
    let process = Process::start(
        &[
            "--mode",
            "record",
            "--store",
            "sled",
            "--cassette",
            "db",
            "--upstream",
            &endpoint,
            "--prod-env",
            &prod_env,
            "--cassettes",
            &cassettes,
            "--log-level",
            "warn",
        ],
        &[("CI", "")],
    )
    .await;
    let convert = |from: String, to: String| async move {
        let out = tokio::process::Command::new(BIN)
            .args(["cassette", "convert", &from, &to])
            .output()
            .await
            .unwrap();
        (
            out.status.code(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    };
    let sts = client_at(
        &process.endpoint,
        Credentials::new("AKIAIOSFODNN7EXAMPLE", "x", None, None, "test"),
    );
    let mut calls = tokio::task::JoinSet::new();
    for i in 0..50 {
        let sts = sts.clone();
        calls.spawn(async move {
            sts.assume_role()
                .role_arn("arn:aws:iam::123456789012:role/app")
                .role_session_name(format!("s{i}"))
                .send()
                .await
        });
    }
    while let Some(call) = calls.join_next().await {
        call.unwrap().expect("recorded AssumeRole");
    }
    // The recorder holds the database: sled allows one process at a time.
    let (code, stderr) = convert(path("db.sled"), path("held.yaml")).await;
    assert_eq!(code, Some(2), "{stderr}");
    assert!(stderr.contains("open in another process"), "{stderr}");
    process.kill9().await;

    let (code, stderr) = convert(path("db.sled"), path("db.yaml")).await;
    assert_eq!(code, Some(0), "{stderr}");
    let yaml = std::fs::read_to_string(dir.join("db.yaml")).unwrap();
    let cassette: Cassette = serde_yaml::from_str(&yaml).unwrap();
    assert_eq!(cassette.interactions.len(), 50);
    assert!(!yaml.contains(PROD_SECRET));
    let (code, stderr) = convert(path("db.yaml"), path("again.sled")).await;
    assert_eq!(code, Some(0), "{stderr}");
    let (code, stderr) = convert(path("again.sled"), path("again.yaml")).await;
    assert_eq!(code, Some(0), "{stderr}");
    assert_eq!(
        std::fs::read_to_string(dir.join("again.yaml")).unwrap(),
        yaml
    );
    std::fs::remove_dir_all(&dir).unwrap();
}
