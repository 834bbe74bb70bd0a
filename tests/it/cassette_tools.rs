//! The committed example cassette (`cassettes/example.yaml`, recorded from a local upstream by
//! `cassettes/record-examples.sh`) replayed from YAML and from sled; `parlel-sts cassette
//! list/show/verify/drift/prune` through the binary; bad cassettes refused at start-up with the
//! file and the problem.

use std::path::{Path, PathBuf};

use parlel_sts::Server;
use parlel_sts::cassette::{Cassette, YamlStore, element_texts};
use parlel_sts::config::{OnMiss, Store};
use parlel_sts::mode::Mode;

use crate::record_support::cassettes;
use crate::support::{BIN, Process, assume_role, client_at, failure, session_client};

const EXAMPLE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/cassettes/example.yaml");

/// The binary's exit code and stdout for `parlel-sts cassette ARGS`.
fn cassette(args: &[&str]) -> (Option<i32>, String, String) {
    let out = std::process::Command::new(BIN)
        .arg("cassette")
        .args(args)
        .env_remove("PARLEL_STS_CASSETTES")
        .output()
        .expect("runs");
    (
        out.status.code(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// The binary replaying the example cassette of the directory `d`.
async fn example_process(d: &str) -> Process {
    let args = [
        "--mode",
        "replay",
        "--cassettes",
        d,
        "--cassette",
        "example",
    ];
    Process::start(&[&args[..], &["--log-level", "warn"]].concat(), &[]).await
}

/// A copy of the example cassette in a directory of its own.
fn example_copy(test: &str) -> PathBuf {
    let dir = cassettes(test);
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::copy(EXAMPLE, dir.join("example.yaml")).unwrap();
    dir
}

async fn replay_example(dir: &Path, store: Store) -> Result<Server, String> {
    replay_example_at(dir, store, None).await
}

async fn replay_example_at(
    dir: &Path,
    store: Store,
    clock: Option<&str>,
) -> Result<Server, String> {
    let mut config = crate::support::test_config();
    config.fake.clock = clock.map(str::to_owned);
    config.server.mode = Mode::Replay;
    config.replay.on_miss = OnMiss::Error;
    config.cassettes.dir = dir.to_owned();
    config.cassettes.name = "example".into();
    config.cassettes.store = store;
    Server::start(&config).await.map_err(|e| e.to_string())
}

#[tokio::test]
async fn the_committed_example_replays_from_yaml_and_from_sled() {
    let example: Cassette =
        serde_yaml::from_str(&std::fs::read_to_string(EXAMPLE).unwrap()).unwrap();
    let recorded_key =
        element_texts(&example.interactions[1].response.body, "AccessKeyId")[0].clone();
    let dir = cassettes("example-sled");
    std::fs::create_dir_all(&dir).unwrap();
    let sled = dir.join("example.sled");
    let (code, _, err) = cassette(&["convert", EXAMPLE, sled.to_str().unwrap()]);
    assert_eq!(code, Some(0), "{err}");
    let yaml_dir = Path::new(EXAMPLE).parent().unwrap();
    for (dir, store) in [(yaml_dir, Store::Yaml), (dir.as_path(), Store::Sled)] {
        let replay = replay_example(dir, store).await.expect("replays");
        let sts = client_at(
            &replay.endpoint(),
            aws_sdk_sts::config::Credentials::new("AKIAQAAAAAAAANYKEY12", "x", None, None, "ci"),
        );
        let me = sts.get_caller_identity().send().await.expect("GCI");
        assert_eq!(me.arn(), Some("arn:aws:iam::123456789012:user/recorder"));
        let role = assume_role(&sts, "arn:aws:iam::123456789012:role/example", "example")
            .send()
            .await
            .expect("AssumeRole");
        let credentials = role.credentials().unwrap();
        assert_eq!(credentials.access_key_id(), recorded_key, "{store:?}");
        let as_role = session_client(&replay, credentials);
        let me = as_role
            .get_caller_identity()
            .send()
            .await
            .expect("as the role");
        assert_eq!(
            me.arn(),
            Some("arn:aws:sts::123456789012:assumed-role/example/example")
        );
        let (status, code, _) = failure(as_role.get_session_token().send()).await;
        assert_eq!(
            (status, code.as_str()),
            (403, "AccessDenied"),
            "the recorded error"
        );
        let report = replay.replay_report().unwrap();
        assert_eq!(report.misses, 0, "{store:?}: {}", report.json);
        replay.shutdown().await;
    }
    std::fs::remove_dir_all(&dir).unwrap();
}

/// The same requests, twice from YAML and once from sled, with the clock pinned: byte-identical
/// answers (status, headers, body).
#[tokio::test]
async fn replay_is_byte_identical_run_after_run_and_store_after_store() {
    let dir = cassettes("deterministic");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::copy(EXAMPLE, dir.join("example.yaml")).unwrap();
    let sled = dir.join("example.sled");
    let (code, _, err) = cassette(&["convert", EXAMPLE, sled.to_str().unwrap()]);
    assert_eq!(code, Some(0), "{err}");
    let key = element_texts(&std::fs::read_to_string(EXAMPLE).unwrap(), "AccessKeyId")[0].clone();
    let signed = |key: &str| {
        format!(
            "POST / HTTP/1.1\r\nContent-Type: application/x-www-form-urlencoded\r\nAuthorization: AWS4-HMAC-SHA256 Credential={key}/20260101/us-east-1/sts/aws4_request, SignedHeaders=host, Signature=abc"
        )
    };
    let requests = [
        (
            signed("AKIAQAAAAAAAANYKEY12"),
            "Action=GetCallerIdentity&Version=2011-06-15",
        ),
        (
            signed("AKIAQAAAAAAAANYKEY12"),
            "Action=AssumeRole&Version=2011-06-15&RoleArn=arn%3Aaws%3Aiam%3A%3A123456789012%3Arole%2Fexample&RoleSessionName=example",
        ),
        (
            format!("{}\r\nX-Amz-Security-Token: t", signed(&key)),
            "Action=GetCallerIdentity&Version=2011-06-15",
        ),
        (
            signed("AKIAQAAAAAAAANYKEY12"),
            "Action=GetSessionToken&Version=2011-06-15&DurationSeconds=900",
        ),
    ];
    let mut runs = Vec::new();
    for store in [Store::Yaml, Store::Yaml, Store::Sled] {
        let replay = replay_example_at(&dir, store, Some("2030-01-01T00:00:00Z"))
            .await
            .expect("replays");
        let mut answers = Vec::new();
        for (head, body) in &requests {
            let answer = crate::support::raw(&replay, head, body).await;
            assert_eq!(answer.status, 200, "{store:?} {body}: {}", answer.body);
            let kept: Vec<&str> = answer
                .head
                .lines()
                .filter(|l| !l.to_ascii_lowercase().starts_with("date:"))
                .collect();
            answers.push(format!("{}\n\n{}", kept.join("\n"), answer.body));
        }
        assert_eq!(replay.replay_report().unwrap().misses, 0);
        replay.shutdown().await;
        runs.push(answers);
    }
    assert_eq!(runs[0], runs[1], "two runs from YAML");
    assert_eq!(runs[0], runs[2], "YAML and sled");
    assert!(
        runs[0][1].contains("<Expiration>2030-01-01T"),
        "rebased to the pinned clock"
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

#[tokio::test]
async fn list_show_verify_and_drift_read_cassettes_and_find_what_is_wrong() {
    let dir = example_copy("tools");
    let d = dir.to_str().unwrap();
    let (code, out, err) = cassette(&["list", "--cassettes", d]);
    assert_eq!(code, Some(0), "{err}");
    assert!(
        out.contains("example") && out.contains("yaml") && out.contains("127.0.0.1"),
        "{out}"
    );
    let (code, out, _) = cassette(&["show", "example", "--cassettes", d, "--json"]);
    assert_eq!(code, Some(0));
    let shown: serde_json::Value = serde_json::from_str(&out).unwrap();
    let actions: Vec<&str> = shown["interactions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["action"].as_str().unwrap())
        .collect();
    assert_eq!(
        actions,
        [
            "GetCallerIdentity",
            "AssumeRole",
            "GetCallerIdentity",
            "GetSessionToken",
            "GetSessionToken"
        ]
    );
    let (code, out, _) = cassette(&["show", "example", "--cassettes", d]);
    assert_eq!(code, Some(0));
    assert!(out.contains("RoleSessionName=example"), "{out}");
    let (code, out, _) = cassette(&["verify", "example", "--cassettes", d]);
    assert_eq!(code, Some(0), "{out}");
    assert!(out.contains("ok, format 1, 5 interaction(s)"), "{out}");
    let (code, out, _) = cassette(&["drift", "example", "--cassettes", d]);
    assert_eq!(
        code,
        Some(0),
        "the fake answers as the local upstream did: {out}"
    );

    // A body that is not STS XML, and a real-looking key: verify names both.
    let path = dir.join("example.yaml");
    let text = std::fs::read_to_string(&path).unwrap();
    let broken = text.replacen(
        "<GetCallerIdentityResponse xmlns",
        "<html><GetCallerIdentityResponse xmlns",
        1,
    );
    std::fs::write(dir.join("broken.yaml"), &broken).unwrap();
    let (code, out, _) = cassette(&["verify", "broken", "--cassettes", d]);
    assert_eq!(code, Some(1), "{out}");
    assert!(
        out.contains("broken.yaml: interaction 0: its body is not STS XML"),
        "{out}"
    );
    std::fs::write(
        dir.join("leaky.yaml"),
        text.replacen("user/recorder", "user/AKIAQAAAAAAAREAL2KEY", 1),
    )
    .unwrap();
    let (code, out, _) = cassette(&["verify", "leaky", "--cassettes", d]);
    assert_eq!(code, Some(1), "{out}");
    assert!(out.contains("leaky.yaml: interaction 0:"), "{out}");

    // Drift: element order and a value's format, field by field.
    let arn = "          <Arn>arn:aws:iam::123456789012:user/recorder</Arn>\n";
    let drifted = text
        .replacen(arn, "", 1)
        .replacen("</UserId>\n", &format!("</UserId>\n{arn}"), 1)
        .replacen(
            "<Account>123456789012</Account>",
            "<Account>one-two-three</Account>",
            1,
        );
    assert_ne!(drifted, text);
    std::fs::write(dir.join("drifted.yaml"), drifted).unwrap();
    let (code, out, _) = cassette(&["drift", "drifted", "--cassettes", d]);
    assert_eq!(code, Some(1), "{out}");
    assert!(
        out.contains("interaction 0 (GetCallerIdentity): /GetCallerIdentityResponse/GetCallerIdentityResult: element order recorded UserId,Arn,Account, fake Arn,UserId,Account"),
        "{out}"
    );
    assert!(
        out.contains("/GetCallerIdentityResult/Account: recorded text, fake an account id"),
        "{out}"
    );
    assert!(out.contains("1 of 5 interaction(s) differ"), "{out}");
    let (code, out, _) = cassette(&["drift", "drifted", "--cassettes", d, "--json"]);
    assert_eq!(code, Some(1), "{out}");
    let report: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(report["interactions"], 5);
    assert_eq!(report["drifted"], 1, "{out}");
    assert_eq!(report["differences"][0]["interaction"], 0);
    assert_eq!(report["differences"][0]["action"], "GetCallerIdentity");
    assert_eq!(
        report["differences"][0]["differences"]
            .as_array()
            .unwrap()
            .len(),
        2,
        "{out}"
    );

    // `list --json` and `show` of a sled store (converted from the YAML, the same table).
    let sled = dir.join("example.sled");
    let (code, _, err) = cassette(&["convert", EXAMPLE, sled.to_str().unwrap()]);
    assert_eq!(code, Some(0), "{err}");
    std::fs::write(dir.join("truncated.yaml"), &text[..text.len() / 2]).unwrap();
    let (code, out, _) = cassette(&["list", "--cassettes", d, "--json"]);
    assert_eq!(code, Some(1), "truncated.yaml does not load: {out}");
    let rows: serde_json::Value = serde_json::from_str(&out).unwrap();
    let row = |name: &str, store: &str| {
        rows.as_array()
            .unwrap()
            .iter()
            .find(|r| r["name"] == name && r["store"] == store)
            .cloned()
            .unwrap_or_else(|| panic!("{name} {store}: {out}"))
    };
    for store in ["yaml", "sled"] {
        let example = row("example", store);
        assert_eq!(example["interactions"], 5, "{example}");
        assert!(example["upstream"].as_str().unwrap().contains("127.0.0.1"));
    }
    assert!(row("truncated", "yaml")["error"].is_string(), "{out}");
    assert_eq!(
        row("broken", "yaml")["interactions"],
        5,
        "it loads; verify finds it"
    );
    let (_, from_yaml, _) = cassette(&["show", "example", "--cassettes", d]);
    let (code, from_sled, err) =
        cassette(&["show", "example", "--cassettes", d, "--store", "sled"]);
    assert_eq!(code, Some(0), "{err}");
    let table = |text: &str| text.lines().skip(1).map(str::to_owned).collect::<Vec<_>>();
    assert_eq!(table(&from_sled), table(&from_yaml), "{from_sled}");
    let (code, _, err) = cassette(&["show", "nope", "--cassettes", d]);
    assert_eq!(code, Some(2));
    assert!(err.contains("nope.yaml: no cassette there"), "{err}");
    std::fs::remove_dir_all(&dir).unwrap();
}

#[tokio::test]
async fn prune_drops_what_a_replay_report_found_unused() {
    let dir = example_copy("prune");
    let d = dir.to_str().unwrap();
    let replay = example_process(d).await;
    let sts = crate::record_support::developer(&replay.endpoint);
    sts.get_caller_identity().send().await.expect("a hit");
    let report = reqwest_get(&format!("{}/_parlel/replay", replay.endpoint)).await;
    let _ = replay.stop().await;
    let report_path = dir.join("report.json");
    std::fs::write(&report_path, &report).unwrap();
    let (code, out, err) = cassette(&[
        "prune",
        "example",
        "--cassettes",
        d,
        "--unused-since",
        report_path.to_str().unwrap(),
    ]);
    assert_eq!(code, Some(0), "{out}{err}");
    assert!(
        out.contains("4 unused interaction(s) dropped, 1 kept"),
        "{out}"
    );
    let kept = YamlStore::new(&dir, "example").load().unwrap().unwrap();
    assert_eq!(kept.interactions.len(), 1);
    assert_eq!(kept.interactions[0].request.action, "GetCallerIdentity");
    // The report no longer fits the cassette: refused.
    let (code, _, err) = cassette(&[
        "prune",
        "example",
        "--cassettes",
        d,
        "--unused-since",
        report_path.to_str().unwrap(),
    ]);
    assert_eq!(code, Some(2));
    assert!(err.contains("the cassette changed since"), "{err}");
    std::fs::remove_dir_all(&dir).unwrap();
}

/// A GET of `url`'s body (plain HTTP/1.1 on loopback).
async fn reqwest_get(url: &str) -> String {
    let rest = url.strip_prefix("http://").unwrap();
    let (addr, path) = rest.split_once('/').unwrap();
    crate::support::raw_at(addr, &format!("GET /{path} HTTP/1.1"), "")
        .await
        .body
}

#[tokio::test]
async fn bad_cassettes_are_refused_with_the_file_and_the_problem() {
    let dir = example_copy("bad");
    let text = std::fs::read_to_string(dir.join("example.yaml")).unwrap();
    let cases = [
        (text[..text.len() / 2].to_owned(), "example.yaml"),
        (
            text.replacen("format: 1", "format: 2", 1),
            "cassette format 2, but this parlel-sts reads format 1",
        ),
        (
            text.replacen("<GetCallerIdentityResponse xmlns", "<Nonsense xmlns", 1)
                .replacen("</GetCallerIdentityResponse>", "</Nonsense>", 1),
            "interaction 0: its body is not STS XML",
        ),
    ];
    for (content, needle) in cases {
        std::fs::write(dir.join("example.yaml"), &content).unwrap();
        let why = replay_example(&dir, Store::Yaml)
            .await
            .err()
            .expect("refused");
        assert!(
            why.contains("example.yaml") && why.contains(needle),
            "{needle}: {why}"
        );
    }
    // A sled store another process holds.
    std::fs::write(dir.join("example.yaml"), &text).unwrap();
    let sled = dir.join("example.sled");
    let (code, _, err) = cassette(&[
        "convert",
        dir.join("example.yaml").to_str().unwrap(),
        sled.to_str().unwrap(),
    ]);
    assert_eq!(code, Some(0), "{err}");
    // A recorder holds its sled store for its whole run.
    let holder = crate::record_support::recorder_process(
        "http://127.0.0.1:9",
        &dir,
        &["--store", "sled", "--cassette", "example"],
        &[],
    )
    .await;
    let why = replay_example(&dir, Store::Sled)
        .await
        .err()
        .expect("refused");
    assert!(
        why.contains("example.sled") && why.contains("open in another process"),
        "{why}"
    );
    let _ = holder.stop().await;
    replay_example(&dir, Store::Sled)
        .await
        .expect("free again")
        .shutdown()
        .await;
    std::fs::remove_dir_all(&dir).unwrap();
}

/// A sled store opens through its index without reading its interactions: one that does not
/// parse is found when first asked for, and answered with `CassetteMiss` naming the store and
/// the interaction; the others still replay.
#[tokio::test]
async fn an_indexed_sled_interaction_that_does_not_parse_is_a_miss_naming_it() {
    let dir = cassettes("sled-broken");
    std::fs::create_dir_all(&dir).unwrap();
    let sled_path = dir.join("example.sled");
    let (code, _, err) = cassette(&["convert", EXAMPLE, sled_path.to_str().unwrap()]);
    assert_eq!(code, Some(0), "{err}");
    {
        let db = sled::open(&sled_path).unwrap();
        let meta = db.open_tree("meta").unwrap();
        let current: String =
            serde_yaml::from_slice(&meta.get("current").unwrap().unwrap()).unwrap();
        let tree = db.open_tree(current).unwrap();
        tree.insert(0u64.to_be_bytes(), b"{not json".as_slice())
            .unwrap();
        db.flush().unwrap();
    }
    let replay = replay_example(&dir, Store::Sled)
        .await
        .expect("opens: nothing read yet");
    let sts = crate::record_support::developer(&replay.endpoint());
    let (status, code, message) = failure(sts.get_caller_identity().send()).await;
    assert_eq!((status, code.as_str()), (400, "CassetteMiss"));
    assert!(message.contains("example.sled: interaction 0"), "{message}");
    sts.get_session_token()
        .duration_seconds(900)
        .send()
        .await
        .expect("the other interactions replay");
    replay.shutdown().await;
    std::fs::remove_dir_all(&dir).unwrap();
}

/// `--strict-order` and `PARLEL_STS_STRICT_ORDER` (the binary): a request repeated more often
/// than recorded misses.
#[tokio::test]
async fn strict_order_comes_from_the_flag_and_the_environment() {
    let dir = example_copy("strict-order");
    let d = dir.to_str().unwrap();
    let base = [
        "--mode",
        "replay",
        "--cassettes",
        d,
        "--cassette",
        "example",
        "--on-miss",
        "error",
        "--log-level",
        "warn",
    ];
    for (extra, env) in [
        (vec!["--strict-order"], vec![]),
        (vec![], vec![("PARLEL_STS_STRICT_ORDER", "true")]),
    ] {
        let mut args = base.to_vec();
        args.extend(extra);
        let replay = Process::start(&args, &env).await;
        let sts = crate::record_support::developer(&replay.endpoint);
        let token = || sts.get_session_token().duration_seconds(900).send();
        token().await.expect("the one recording");
        let (status, code, message) = failure(token()).await;
        assert_eq!((status, code.as_str()), (400, "CassetteMiss"), "{env:?}");
        assert!(message.contains("used up (strict_order)"), "{message}");
        let _ = replay.stop().await;
    }
    std::fs::remove_dir_all(&dir).unwrap();
}

/// `--on-miss fake` (the default): the fake answers a request the cassette does not hold, and
/// the miss is logged at warn with the same detail a `CassetteMiss` gives (the cassette, the
/// closest recording, what differs); the shutdown summary counts it.
#[tokio::test]
async fn a_miss_answered_by_the_fake_is_logged_with_what_differs() {
    let dir = example_copy("miss-logged");
    let d = dir.to_str().unwrap();
    let replay = example_process(d).await;
    let sts = client_at(
        &replay.endpoint,
        aws_sdk_sts::config::Credentials::new("AKIAQAAAAAAAANYKEY12", "x", None, None, "ci"),
    );
    let role = assume_role(
        &sts,
        "arn:aws:iam::123456789012:role/example",
        "not-recorded",
    )
    .send()
    .await
    .expect("the fake answers the miss");
    assert_eq!(
        role.assumed_role_user().map(|u| u.arn()),
        Some("arn:aws:sts::123456789012:assumed-role/example/not-recorded")
    );
    let (status, stderr) = replay.stop().await;
    assert!(status.success(), "no --fail-on-miss: {stderr}");
    assert!(
        stderr.contains("WARN") && stderr.contains("miss:"),
        "logged at warn: {stderr}"
    );
    assert!(
        stderr.contains(r#"RoleSessionName (recorded "example", asked "not-recorded")"#),
        "with what differs: {stderr}"
    );
    assert!(stderr.contains("1 miss(es)"), "{stderr}");
    std::fs::remove_dir_all(&dir).unwrap();
}
