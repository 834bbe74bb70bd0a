//! Replay's matching rules, order and report; per-request cassettes; record mode `new` and
//! replay `--on-miss record`; account rewriting. Every upstream is the local strict parlel-sts.

use std::collections::HashMap;
use std::path::Path;

use parlel_sts::Server;
use parlel_sts::cassette::{AccountsRule, YamlStore, element_texts};
use parlel_sts::config::{Config, OnMiss, Rebase, RecordMode};
use parlel_sts::mode::Mode;

use crate::record_support::{
    PROD_SECRET, cassettes, developer, prod_credentials, recorder, strict_upstream,
};
use crate::support::{SIGV4, assume_role, failure, raw, session_client, start_with};

const ROLE: &str = "arn:aws:iam::123456789012:role/app";

async fn replayer(dir: &Path, edit: impl FnOnce(&mut Config)) -> Server {
    start_with(|c| {
        c.server.mode = Mode::Replay;
        c.cassettes.dir = dir.to_owned();
        c.replay.on_miss = OnMiss::Error;
        edit(c);
    })
    .await
}

const FORM: &str = "POST / HTTP/1.1\r\nContent-Type: application/x-www-form-urlencoded";

/// An AssumeRole with an SDK-made session name, two tags and a policy, as botocore would send it.
const RECORDED: &str = "Action=AssumeRole&Version=2011-06-15\
    &RoleArn=arn%3Aaws%3Aiam%3A%3A123456789012%3Arole%2Fapp\
    &RoleSessionName=botocore-session-1700000000\
    &Tags.member.1.Key=team&Tags.member.1.Value=a&Tags.member.2.Key=env&Tags.member.2.Value=ci\
    &Policy=%7B%22Version%22%3A%222012-10-17%22%2C%22Statement%22%3A%5B%5D%7D";

/// The same call: GET, other order, lower-case escapes, another botocore session name, the tags
/// swapped and renumbered, the policy's keys in another order with white space.
const ASKED: &str = "/?RoleSessionName=botocore-session-1800000000&Version=2011-06-15\
    &Tags.member.3.Key=team&Tags.member.3.Value=a&Tags.member.1.Key=env&Tags.member.1.Value=ci\
    &Policy=%7b%20%22Statement%22%3a%20%5b%5d%2c%20%22Version%22%3a%20%222012-10-17%22%7d\
    &RoleArn=arn%3aaws%3aiam%3a%3a123456789012%3arole%2fapp&Action=AssumeRole";

#[tokio::test]
async fn the_same_call_in_other_words_hits_repeats_miss_under_strict_order_and_the_report_says_so()
{
    let dir = cassettes("rules");
    let up = strict_upstream().await;
    let proxy = recorder(&up.endpoint(), &dir, |_| {}).await;
    let auth = format!("{FORM}\r\nAuthorization: {SIGV4}");
    let recorded = raw(&proxy, &auth, RECORDED).await;
    assert_eq!(recorded.status, 200, "{}", recorded.body);
    let unused = raw(&proxy, &auth, "Action=GetCallerIdentity&Version=2011-06-15").await;
    assert_eq!(unused.status, 200);
    proxy.shutdown().await;
    up.shutdown().await;

    let replay = replayer(&dir, |c| {
        c.replay.strict_order = true;
        c.replay.rebase = Rebase::Off;
    })
    .await;
    let head = format!("GET {ASKED} HTTP/1.1\r\nAuthorization: {SIGV4}");
    let hit = raw(&replay, &head, "").await;
    assert_eq!(hit.status, 200, "{}", hit.body);
    assert_eq!(hit.body, recorded.body, "the recorded bytes");
    assert_eq!(
        element_texts(&hit.body, "AccessKeyId"),
        element_texts(&recorded.body, "AccessKeyId")
    );
    // Recorded once: under strict_order a second call is a miss that says so.
    let again = raw(&replay, &head, "").await;
    assert_eq!(again.status, 400, "{}", again.body);
    assert!(
        again.body.contains("<Code>CassetteMiss</Code>"),
        "{}",
        again.body
    );
    assert!(
        again.body.contains("used up (strict_order)"),
        "{}",
        again.body
    );

    let report = raw(&replay, "GET /_parlel/replay HTTP/1.1", "").await;
    let report: serde_json::Value = serde_json::from_str(&report.body).unwrap();
    assert_eq!(report["hits"], 1);
    assert_eq!(report["misses"], 1);
    let cassette = &report["cassettes"][0];
    assert_eq!(cassette["interactions"], 2);
    assert_eq!(cassette["miss_details"][0]["action"], "AssumeRole");
    assert_eq!(cassette["miss_details"][0]["closest"]["interaction"], 0);
    assert_eq!(cassette["unused"].as_array().unwrap().len(), 1);
    assert_eq!(cassette["unused"][0]["action"], "GetCallerIdentity");
    replay.shutdown().await;
    std::fs::remove_dir_all(&dir).unwrap();
}

#[tokio::test]
async fn parallel_tests_record_and_replay_their_own_cassettes_by_path_prefix_and_header() {
    let dir = cassettes("per-test");
    let up = strict_upstream().await;
    let proxy = recorder(&up.endpoint(), &dir, |_| {}).await;
    let at = |name: &str| developer(&format!("{}/cassette/{name}/", proxy.endpoint()));
    let (alpha, beta) = (at("alpha"), at("beta"));
    let assume = |sts: &aws_sdk_sts::Client, session: &str| assume_role(sts, ROLE, session).send();
    let (a, b) = tokio::join!(assume(&alpha, "aa"), assume(&beta, "bb"));
    let (a, b) = (a.expect("alpha"), b.expect("beta"));
    let by_header = raw(
        &proxy,
        &format!("{FORM}\r\nAuthorization: {SIGV4}\r\nX-Parlel-Cassette: gamma"),
        "Action=GetCallerIdentity&Version=2011-06-15",
    )
    .await;
    assert_eq!(by_header.status, 200, "{}", by_header.body);
    proxy.shutdown().await;
    up.shutdown().await;
    for (name, count) in [("alpha", 1), ("beta", 1), ("gamma", 1)] {
        let cassette = YamlStore::new(&dir, name).load().unwrap().expect(name);
        assert_eq!(cassette.interactions.len(), count, "{name}");
    }
    assert!(
        !dir.join("default.yaml").exists(),
        "nothing went to the default"
    );

    // Replay needs a default cassette: gamma's.
    let replay = replayer(&dir, |c| c.cassettes.name = "gamma".into()).await;
    let at = |name: &str| developer(&format!("{}/cassette/{name}/", replay.endpoint()));
    let (alpha, beta) = (at("alpha"), at("beta"));
    let (ra, rb) = tokio::join!(assume(&alpha, "aa"), assume(&beta, "bb"));
    let key = |o: &aws_sdk_sts::operation::assume_role::AssumeRoleOutput| {
        o.credentials().unwrap().access_key_id().to_owned()
    };
    assert_eq!(key(&ra.expect("alpha replayed")), key(&a));
    assert_eq!(key(&rb.expect("beta replayed")), key(&b));
    // Each cassette holds only its own test's calls.
    let (status, code, message) = failure(assume(&alpha, "bb")).await;
    assert_eq!((status, code.as_str()), (400, "CassetteMiss"));
    assert!(message.contains("alpha.yaml"), "{message}");
    let (_, code, message) = failure(
        developer(&format!("{}/cassette/..hidden/", replay.endpoint()))
            .get_caller_identity()
            .send(),
    )
    .await;
    assert_eq!(code, "CassetteMiss");
    assert!(message.contains("is not a cassette name"), "{message}");
    let me = developer(&replay.endpoint())
        .get_caller_identity()
        .send()
        .await
        .expect("the default cassette, gamma");
    assert_eq!(me.arn(), Some("arn:aws:iam::123456789012:user/recorder"));
    replay.shutdown().await;
    std::fs::remove_dir_all(&dir).unwrap();
}

#[tokio::test]
async fn record_mode_new_and_on_miss_record_answer_what_the_cassette_has_and_append_the_rest() {
    let dir = cassettes("new-mode");
    let up = strict_upstream().await;
    let proxy = recorder(&up.endpoint(), &dir, |_| {}).await;
    let first = assume_role(&developer(&proxy.endpoint()), ROLE, "rec")
        .send()
        .await
        .expect("recorded");
    proxy.shutdown().await;
    let recorded = first.credentials().unwrap().clone();
    let key_of_first_run = YamlStore::new(&dir, "default")
        .load()
        .unwrap()
        .unwrap()
        .redaction_key;

    let proxy = recorder(&up.endpoint(), &dir, |c| {
        c.record.record_mode = RecordMode::New;
    })
    .await;
    let sts = developer(&proxy.endpoint());
    let again = assume_role(&sts, ROLE, "rec")
        .send()
        .await
        .expect("from the cassette");
    // A forwarded AssumeRole would have handed out a new key.
    assert_eq!(
        again.credentials().unwrap().access_key_id(),
        recorded.access_key_id()
    );
    sts.get_session_token()
        .send()
        .await
        .expect("new: forwarded");
    // The cassette's session has no real credentials behind it: what it lacks cannot go up.
    let (status, code, message) = failure(
        session_client(&proxy, &recorded)
            .get_caller_identity()
            .send(),
    )
    .await;
    assert_eq!((status, code.as_str()), (400, "CassetteMiss"));
    assert!(message.contains("no real credentials"), "{message}");
    proxy.shutdown().await;
    let cassette = YamlStore::new(&dir, "default").load().unwrap().unwrap();
    let actions: Vec<&str> = cassette
        .interactions
        .iter()
        .map(|i| i.request.action.as_str())
        .collect();
    assert_eq!(actions, ["AssumeRole", "GetSessionToken"]);
    // One redaction key for both runs (it follows prod.env's secret): one real value, one fake.
    assert_eq!(cassette.redaction_key, key_of_first_run);

    let replay = replayer(&dir, |c| {
        c.replay.on_miss = OnMiss::Record;
        c.record.upstream = Some(up.endpoint());
        c.record_credentials = Some(prod_credentials(PROD_SECRET));
    })
    .await;
    let sts = developer(&replay.endpoint());
    sts.get_session_token().send().await.expect("a hit");
    sts.get_federation_token()
        .name("fed")
        .send()
        .await
        .expect("a miss, forwarded");
    let report = replay.replay_report().unwrap();
    assert_eq!((report.json["hits"].as_u64(), report.misses), (Some(1), 1));
    replay.shutdown().await;
    let cassette = YamlStore::new(&dir, "default").load().unwrap().unwrap();
    assert_eq!(cassette.interactions.len(), 3);
    assert_eq!(
        cassette.interactions[2].request.action,
        "GetFederationToken"
    );
    up.shutdown().await;
    std::fs::remove_dir_all(&dir).unwrap();
}

#[tokio::test]
async fn account_ids_are_rewritten_in_answers_and_cassettes_and_replay_maps_them_alike() {
    let dir = cassettes("accounts");
    let up = strict_upstream().await;
    let map = AccountsRule::Map(HashMap::from([(
        "123456789012".to_owned(),
        "000000000042".to_owned(),
    )]));
    let accounts = map.clone();
    let proxy = recorder(&up.endpoint(), &dir, |c| c.record.accounts = Some(accounts)).await;
    let sts = developer(&proxy.endpoint());
    let me = sts.get_caller_identity().send().await.expect("GCI");
    assert_eq!(me.arn(), Some("arn:aws:iam::000000000042:user/recorder"));
    assert_eq!(me.account(), Some("000000000042"));
    // Tests may name the fake account: it goes up as the real one.
    let role = assume_role(&sts, "arn:aws:iam::000000000042:role/app", "rec")
        .send()
        .await
        .expect("AssumeRole");
    let assumed = role.assumed_role_user().unwrap().arn();
    assert_eq!(assumed, "arn:aws:sts::000000000042:assumed-role/app/rec");
    proxy.shutdown().await;
    up.shutdown().await;
    let text = std::fs::read_to_string(dir.join("default.yaml")).unwrap();
    assert!(!text.contains("123456789012"), "{text}");

    // Replay under the same rules: a test naming the real account still hits.
    let replay = replayer(&dir, |c| c.record.accounts = Some(map)).await;
    let again = assume_role(&developer(&replay.endpoint()), ROLE, "rec")
        .send()
        .await
        .expect("replayed with the real account named");
    assert_eq!(
        again.credentials().unwrap().access_key_id(),
        role.credentials().unwrap().access_key_id()
    );
    replay.shutdown().await;
    std::fs::remove_dir_all(&dir).unwrap();
}

/// `program args ENDPOINT` run to its end: (succeeded, stdout, stderr).
async fn client_run(program: &str, args: &[&str], endpoint: &str) -> (bool, String, String) {
    let out = tokio::process::Command::new(program)
        .args(args)
        .arg(endpoint)
        .output()
        .await
        .unwrap();
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// A client (`program args`) recorded through the binary against the strict upstream into
/// `dir`; returns what it printed.
async fn client_recorded(dir: &Path, program: &str, args: &[&str]) -> String {
    let up = strict_upstream().await;
    let recording = crate::record_support::recorder_process(&up.endpoint(), dir, &[], &[]).await;
    let (ok, recorded, err) = client_run(program, args, &recording.endpoint).await;
    let (_, server) = recording.stop().await;
    assert!(ok, "record run\n{recorded}\n{err}\nserver:\n{server}");
    up.shutdown().await;
    recorded
}

/// The same client against the binary replaying `dir` (default cassette `cassette`) under CI,
/// every request required to hit; returns what it printed and the server's stderr.
async fn client_replayed(
    dir: &Path,
    cassette: &str,
    program: &str,
    args: &[&str],
) -> (String, String) {
    let cassettes_dir = dir.to_string_lossy().into_owned();
    let replaying = crate::support::Process::start(
        &[
            "--mode",
            "replay",
            "--cassettes",
            &cassettes_dir,
            "--cassette",
            cassette,
            "--on-miss",
            "error",
            "--fail-on-miss",
            "--rebase",
            "on",
            "--log-level",
            "warn",
        ],
        &[("CI", "true")],
    )
    .await;
    let (ok, replayed, err) = client_run(program, args, &replaying.endpoint).await;
    let (status, server) = replaying.stop().await;
    assert!(ok, "replay run\n{replayed}\n{err}\nserver:\n{server}");
    assert!(status.success(), "no miss: {server}");
    (replayed, server)
}

/// The aws CLI and boto3 (`tests/clients/replay.py`) through per-test cassettes named by
/// `AWS_ENDPOINT_URL_STS`'s path: recorded through the binary, moved three hours into the past
/// (as if recorded earlier), then replayed with no upstream. Every call answers as recorded; boto3's
/// assume-role provider, whose session name changes each run, hits and takes the rebased
/// credentials as fresh (with `--rebase off`, botocore refuses them as expired).
#[tokio::test]
async fn the_aws_cli_and_boto3_replay_per_test_cassettes_recorded_hours_earlier() {
    use parlel_sts::cassette::CassetteStore;
    use parlel_sts::timestamp::{iso8601_seconds, parse_rfc3339_ms};

    use crate::support::{has, skip};
    if !has("python3", &["-c", "import boto3"]) || !has("aws", &["--version"]) {
        return skip("the aws CLI or boto3 is not installed");
    }
    let script = [concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/clients/replay.py"
    )];
    let dir = cassettes("clients-replay");
    let recorded = client_recorded(&dir, "python3", &script).await;

    // Three hours earlier: recorded_at and every Expiration.
    let earlier = |text: &str| iso8601_seconds(parse_rfc3339_ms(text).unwrap() / 1000 - 3 * 3600);
    for name in ["cli-test", "boto3-test", "provider-test"] {
        let mut store = YamlStore::new(&dir, name);
        let mut cassette = store.load().unwrap().expect(name);
        for interaction in &mut cassette.interactions {
            interaction.recorded_at = earlier(&interaction.recorded_at);
            let body = &mut interaction.response.body;
            if let Some(start) = body.find("<Expiration>").map(|i| i + "<Expiration>".len()) {
                let end = start + body[start..].find('<').unwrap();
                let moved = earlier(&body[start..end]);
                body.replace_range(start..end, &moved);
            }
        }
        store
            .begin(RecordMode::All, &cassette.upstream, &cassette.redaction_key)
            .unwrap();
        store.commit(Some(&cassette)).unwrap();
    }

    let (replayed, server) = client_replayed(&dir, "cli-test", "python3", &script).await;
    assert_eq!(replayed, recorded, "the same answers, from the cassettes");
    assert!(
        server.contains("provider-test.yaml: 2 hit(s), 0 miss(es)"),
        "{server}"
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

/// A client that names its cassette by its endpoint's path (`/cassette/NAME/`), recorded
/// through the binary into that cassette and replayed from it with no upstream. The replay's
/// default cassette is an empty one, so a client that dropped the path would miss (and fail,
/// under `--on-miss error`) instead of hitting by accident.
async fn replays_by_path_prefix(name: &str, program: &str, args: &[&str]) -> String {
    use parlel_sts::cassette::{Cassette, CassetteStore};
    let dir = cassettes(&format!("{name}-replay"));
    let recorded = client_recorded(&dir, program, args).await;
    assert!(
        dir.join(format!("{name}.yaml")).exists(),
        "the path named the cassette: {recorded}"
    );
    let mut empty = YamlStore::new(&dir, "default");
    empty.begin(RecordMode::All, "", "").unwrap();
    empty
        .commit(Some(&Cassette::for_run(None, "all", "", "")))
        .unwrap();
    let (replayed, server) = client_replayed(&dir, "default", program, args).await;
    assert_eq!(replayed, recorded, "the same answers, from the cassette");
    assert!(
        server.contains(&format!("{name}.yaml: 2 hit(s), 0 miss(es)")),
        "{server}"
    );
    std::fs::remove_dir_all(&dir).unwrap();
    replayed
}

/// The JS v3 SDK with `endpoint: http://HOST/cassette/js-test/` (`tests/clients/js/replay.mjs`).
#[tokio::test]
async fn the_js_sdk_replays_its_cassette_by_path_prefix() {
    let js = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/clients/js");
    if !Path::new(js)
        .join("node_modules/@aws-sdk/client-sts")
        .exists()
    {
        return crate::support::skip(
            "run `npm ci --prefix tests/clients/js` (.ci/run does) to test the JS v3 SDK",
        );
    }
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/clients/js/replay.mjs");
    let replayed = replays_by_path_prefix("js-test", "node", &[script]).await;
    assert!(replayed.contains("assumed-role/app/from-js"), "{replayed}");
}

/// The aws CLI v2 (Debian's awscli 2.9.19, at /usr/bin/aws) with `--endpoint-url
/// http://HOST/cassette/cli2-test/` (`tests/clients/replay_cli_v2.py`).
#[tokio::test]
async fn the_aws_cli_v2_replays_its_cassette_by_path_prefix() {
    let v2 = std::process::Command::new("/usr/bin/aws")
        .arg("--version")
        .output()
        .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).starts_with("aws-cli/2."));
    if !v2 {
        return crate::support::skip(
            "the aws CLI v2 is not at /usr/bin/aws (apt-get install awscli)",
        );
    }
    let script = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/clients/replay_cli_v2.py"
    );
    let replayed = replays_by_path_prefix("cli2-test", "python3", &[script]).await;
    assert!(
        replayed.contains("assumed-role/app/from-cli-v2"),
        "{replayed}"
    );
}

/// The Go SDK v2 (Debian's golang-github-aws-aws-sdk-go-v2-dev) with an endpoint resolver of
/// `http://HOST/cassette/go-test/` (`tests/clients/go/replay.go`).
#[tokio::test]
async fn the_go_sdk_replays_its_cassette_by_path_prefix() {
    const SDK: &str = "/usr/share/gocode/src/github.com/aws/aws-sdk-go-v2/service/sts";
    if !crate::support::has("go", &["version"]) || !Path::new(SDK).exists() {
        return crate::support::skip(
            "Go or its AWS SDK v2 is not installed (apt-get install golang-go golang-github-aws-aws-sdk-go-v2-dev)",
        );
    }
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/clients/go/replay.go");
    let args = [
        "GO111MODULE=off",
        "GOPATH=/usr/share/gocode",
        "GOFLAGS=",
        concat!("GOCACHE=", env!("CARGO_MANIFEST_DIR"), "/target/go-cache"),
        "go",
        "run",
        script,
    ];
    let replayed = replays_by_path_prefix("go-test", "env", &args).await;
    assert!(replayed.contains("assumed-role/app/from-go"), "{replayed}");
}

/// The Ruby SDK (Debian's ruby-aws-sdk-core, `Aws::STS`) with `endpoint:
/// http://HOST/cassette/rb-test/` (`tests/clients/replay.rb`).
#[tokio::test]
async fn the_ruby_sdk_replays_its_cassette_by_path_prefix() {
    if !crate::support::has("ruby", &["-e", "require 'aws-sdk-core'"]) {
        return crate::support::skip(
            "Ruby or aws-sdk-core is not installed (apt-get install ruby-aws-sdk-core)",
        );
    }
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/clients/replay.rb");
    let replayed = replays_by_path_prefix("rb-test", "ruby", &[script]).await;
    assert!(
        replayed.contains("assumed-role/app/from-ruby"),
        "{replayed}"
    );
}

/// `Accept: application/json` (STS's JSON answers): record mode asks the upstream for JSON and
/// redacts the JSON answer (the client gets fake keys that still work through the proxy), and
/// replay rebases its numeric `Expiration` and knows the sessions it handed out.
#[tokio::test]
async fn json_answers_are_recorded_redacted_and_replayed_rebased() {
    use parlel_sts::cassette::{handed_out_keys, is_fake_access_key_id};
    use parlel_sts::timestamp::{iso8601_seconds, parse_rfc3339_ms};

    let dir = cassettes("json");
    let up = strict_upstream().await;
    let proxy = recorder(&up.endpoint(), &dir, |_| {}).await;
    let json = format!("{FORM}\r\nAccept: application/json\r\nAuthorization: {SIGV4}");
    let assume = "Action=AssumeRole&Version=2011-06-15&RoleSessionName=json\
        &RoleArn=arn%3Aaws%3Aiam%3A%3A123456789012%3Arole%2Fapp";
    let recorded = raw(&proxy, &json, assume).await;
    assert_eq!(recorded.status, 200, "{}", recorded.body);
    let answer: serde_json::Value = serde_json::from_str(&recorded.body).unwrap();
    let credentials = &answer["AssumeRoleResponse"]["AssumeRoleResult"]["Credentials"];
    let key = credentials["AccessKeyId"].as_str().unwrap().to_owned();
    assert!(is_fake_access_key_id(&key), "redacted: {key}");
    let expires = credentials["Expiration"].as_i64().unwrap();
    // The fake session is known to the proxy: re-signed as the real one, the strict upstream
    // accepts it.
    let me = as_role(&proxy.endpoint(), credentials)
        .get_caller_identity()
        .send()
        .await
        .unwrap();
    assert_eq!(
        me.arn(),
        Some("arn:aws:sts::123456789012:assumed-role/app/json")
    );
    proxy.shutdown().await;
    up.shutdown().await;
    let stored = std::fs::read_to_string(dir.join("default.yaml")).unwrap();
    assert!(stored.contains("application/json") && stored.contains(&key));
    // `cassette drift` compares the JSON answer key by key: the fake answers as the upstream
    // (another parlel-sts) did; with two keys swapped in the recording, it says so.
    let drift = |name: &str| {
        let out = std::process::Command::new(crate::support::BIN)
            .args([
                "cassette",
                "drift",
                name,
                "--cassettes",
                dir.to_str().unwrap(),
            ])
            .output()
            .unwrap();
        (
            out.status.code(),
            String::from_utf8_lossy(&out.stdout).into_owned(),
        )
    };
    let (code, out) = drift("default");
    assert_eq!(code, Some(0), "{out}");
    let swapped = stored
        .replacen(r#""AccessKeyId":"#, r#""Swapped":"#, 1)
        .replacen(r#""SecretAccessKey":"#, r#""AccessKeyId":"#, 1);
    std::fs::write(dir.join("swapped.yaml"), swapped).unwrap();
    let (code, out) = drift("swapped");
    assert_eq!(code, Some(1), "{out}");
    assert!(
        out.contains("/AssumeRoleResponse/AssumeRoleResult/Credentials/Swapped: recorded, missing in the fake's answer"),
        "{out}"
    );
    std::fs::remove_file(dir.join("swapped.yaml")).unwrap();

    // Replayed two hours later: the same answer, its Expiration two hours on.
    let recorded_at = parse_rfc3339_ms(&interaction_recorded_at(&stored)).unwrap() / 1000;
    let replay = replayer(&dir, |c| {
        c.fake.clock = Some(iso8601_seconds(recorded_at + 7200));
    })
    .await;
    let hit = raw(&replay, &json, assume).await;
    assert_eq!(hit.status, 200, "{}", hit.body);
    assert_eq!(
        hit.body,
        recorded.body.replace(
            &format!("\"Expiration\":{expires}"),
            &format!("\"Expiration\":{}", expires + 7200)
        )
    );
    assert_eq!(handed_out_keys(&hit.body), [key]);
    // The session it handed out is the caller of the recorded GetCallerIdentity.
    let me = as_role(&replay.endpoint(), credentials)
        .get_caller_identity()
        .send()
        .await
        .unwrap();
    assert_eq!(
        me.arn(),
        Some("arn:aws:sts::123456789012:assumed-role/app/json")
    );
    replay.shutdown().await;
    std::fs::remove_dir_all(&dir).unwrap();
}

/// The first `recorded_at` of a YAML cassette's text.
fn interaction_recorded_at(yaml: &str) -> String {
    let line = yaml
        .lines()
        .find_map(|l| l.trim().strip_prefix("recorded_at: "))
        .unwrap();
    line.trim_matches('\'').to_owned()
}

/// A client at `endpoint` signing with a JSON answer's `credentials`.
fn as_role(endpoint: &str, credentials: &serde_json::Value) -> aws_sdk_sts::Client {
    let text = |name: &str| credentials[name].as_str().unwrap().to_owned();
    crate::support::client_at(
        endpoint,
        aws_sdk_sts::config::Credentials::new(
            text("AccessKeyId"),
            text("SecretAccessKey"),
            Some(text("SessionToken")),
            None,
            "json",
        ),
    )
}
