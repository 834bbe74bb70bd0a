//! Record mode through aws-sdk-sts, against a second parlel-sts in strict mode as the upstream
//! (it knows only the prod.env key): a wrong re-signing fails there with SignatureDoesNotMatch,
//! so answers that work prove the signatures. The client gets redacted credentials; signing with
//! them reaches the upstream as the real session behind them.

use parlel_sts::cassette::{Cassette, YamlStore};

use crate::record_support::{
    PROD_KEY, PROD_SECRET, cassettes, developer, prod_credentials, recorder, recorder_process,
    strict_upstream as upstream,
};
use crate::support::{failure, raw, session_client, sts_error};

#[tokio::test]
async fn requests_go_up_re_signed_and_sessions_stay_themselves() {
    let up = upstream().await;
    let dir = cassettes("sessions");
    let proxy = recorder(&up.endpoint(), &dir, |_| {}).await;
    let sts = developer(&proxy.endpoint());
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
    let proxy = recorder(&up.endpoint(), &dir, |c| {
        c.record_credentials = Some(prod_credentials("not-the-secret-not-the-secret-not-the-se"));
    })
    .await;
    let sent = developer(&proxy.endpoint()).get_caller_identity().send();
    assert_eq!(failure(sent).await.1, "SignatureDoesNotMatch");
    // AssumeRoleWithWebIdentity goes up unsigned: the upstream judges the token, not a signature
    // (strict mode refuses an undeclared issuer with AWS's text).
    let token = "eyJhbGciOiJSUzI1NiJ9.eyJpc3MiOiJodHRwczovL2lkcC5leGFtcGxlLmNvbSIsInN1YiI6InMiLCJhdWQiOiJhIiwiZXhwIjo0MTAyNDQ0ODAwfQ.c2ln";
    let sent = developer(&proxy.endpoint())
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
    // The client's token is a credential: the cassette keeps its digest only.
    let loaded = YamlStore::new(&dir, "default").load().unwrap().unwrap();
    let web = loaded
        .interactions
        .iter()
        .find(|i| i.request.action == "AssumeRoleWithWebIdentity")
        .expect("the refusal is kept");
    let kept = web
        .request
        .parameters
        .iter()
        .find(|(name, _)| name == "WebIdentityToken")
        .map(|(_, value)| value.as_str());
    assert_eq!(kept, Some(parlel_sts::cassette::digest(token).as_str()));
    assert!(kept.is_some_and(|v| v.starts_with("sha256:")));
    proxy.shutdown().await;
    let text = std::fs::read_to_string(dir.join("default.yaml")).unwrap();
    assert!(!text.contains(token), "{text}");
    std::fs::remove_dir_all(&dir).unwrap();
}

#[tokio::test]
async fn an_upstream_that_is_away_gets_a_502_naming_it() {
    // A port nothing listens on: bind one, then let it go.
    let port = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.local_addr().unwrap().port()
    };
    let dir = cassettes("away");
    let proxy = recorder(&format!("http://127.0.0.1:{port}"), &dir, |_| {}).await;
    let (status, code, message) =
        failure(developer(&proxy.endpoint()).get_caller_identity().send()).await;
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
    let up = upstream().await;
    let dir = cassettes("kill9");
    let process = recorder_process(&up.endpoint(), &dir, &["--cassette", "crash"], &[]).await;
    let sts = developer(&process.endpoint);
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
    let process = recorder_process(&up.endpoint(), &dir, &["--cassette", "clean"], &[]).await;
    let sts = developer(&process.endpoint);
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
    use crate::support::{has, skip};
    if !has("python3", &["-c", "import boto3"]) || !has("aws", &["--version"]) {
        return skip("the aws CLI or boto3 is not installed");
    }
    let up = upstream().await;
    let dir = cassettes("clients");
    let process = recorder_process(&up.endpoint(), &dir, &[], &[]).await;
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
    use crate::support::BIN;
    let up = upstream().await;
    let dir = cassettes("sled");
    let path = |name: &str| dir.join(name).to_string_lossy().into_owned();
    let process = recorder_process(
        &up.endpoint(),
        &dir,
        &["--store", "sled", "--cassette", "db"],
        &[],
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
    let sts = developer(&process.endpoint);
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
