//! Replay mode through aws-sdk-sts: record against the strict upstream, stop it, replay. Answers
//! are the recorded ones (Expirations rebased), identity survives (a handed-out key names its
//! session; other base credentials still hit), repeats come in recorded order, and a miss goes to
//! the fake or gets CassetteMiss.

use std::path::Path;

use aws_sdk_sts::config::Credentials;
use parlel_sts::Server;
use parlel_sts::cassette::{Cassette, YamlStore, element_texts};
use parlel_sts::config::OnMiss;
use parlel_sts::mode::Mode;
use parlel_sts::timestamp::{iso8601_seconds, parse_rfc3339_ms};

use crate::record_support::{cassettes, developer, recorder, strict_upstream};
use crate::support::{assume_role, client_at, failure, session_client, start_with};

const ROLE: &str = "arn:aws:iam::123456789012:role/app";

async fn replayer(dir: &Path, on_miss: OnMiss, clock: Option<String>) -> Server {
    start_with(|c| {
        c.server.mode = Mode::Replay;
        c.cassettes.dir = dir.to_owned();
        c.replay.on_miss = on_miss;
        c.fake.clock = clock;
    })
    .await
}

/// Records GetCallerIdentity, AssumeRole twice (same call, two answers), and GetCallerIdentity
/// as the first role; returns the cassette.
async fn record(dir: &Path) -> Cassette {
    let up = strict_upstream().await;
    let proxy = recorder(&up.endpoint(), dir, |_| {}).await;
    let sts = developer(&proxy.endpoint());
    sts.get_caller_identity().send().await.expect("GCI");
    let first = assume_role(&sts, ROLE, "rec")
        .send()
        .await
        .expect("AssumeRole");
    assume_role(&sts, ROLE, "rec")
        .send()
        .await
        .expect("AssumeRole again");
    session_client(&proxy, first.credentials().unwrap())
        .get_caller_identity()
        .send()
        .await
        .expect("GCI as the role");
    proxy.shutdown().await;
    YamlStore::new(dir, "default").load().unwrap().unwrap()
}

/// The `AccessKeyId` and `Expiration` of the i-th recorded AssumeRole.
fn recorded_credentials(cassette: &Cassette, i: usize) -> (String, String) {
    let body = &cassette
        .interactions
        .iter()
        .filter(|x| x.request.action == "AssumeRole")
        .nth(i)
        .unwrap()
        .response
        .body;
    let text = |name: &str| element_texts(body, name)[0].clone();
    (text("AccessKeyId"), text("Expiration"))
}

#[tokio::test]
async fn replays_what_was_recorded_with_identity_order_and_time() {
    let dir = cassettes("replay");
    let cassette = record(&dir).await;
    assert_eq!(cassette.interactions.len(), 4);
    // Two hours after the recording, pinned.
    let recorded_at = parse_rfc3339_ms(&cassette.interactions[1].recorded_at).unwrap() / 1000;
    let replay = replayer(
        &dir,
        OnMiss::Error,
        Some(iso8601_seconds(recorded_at + 7200)),
    )
    .await;
    // Other base credentials than the recording's: still "base".
    let sts = client_at(
        &replay.endpoint(),
        Credentials::new("AKIAQAAAAAAAOTHERKEY", "other", None, None, "ci"),
    );
    let me = sts
        .get_caller_identity()
        .send()
        .await
        .expect("replayed GCI");
    assert_eq!(me.arn(), Some("arn:aws:iam::123456789012:user/recorder"));

    let assume = || assume_role(&sts, ROLE, "rec").send();
    let (first_key, first_expiration) = recorded_credentials(&cassette, 0);
    let (second_key, _) = recorded_credentials(&cassette, 1);
    let one = assume().await.expect("1st AssumeRole");
    let c = one.credentials().unwrap();
    assert_eq!(c.access_key_id(), first_key);
    // Rebased: two hours later than recorded.
    let recorded_expiration = parse_rfc3339_ms(&first_expiration).unwrap() / 1000;
    assert_eq!(c.expiration().secs(), recorded_expiration + 7200);
    let two = assume().await.expect("2nd AssumeRole");
    assert_eq!(two.credentials().unwrap().access_key_id(), second_key);
    let three = assume().await.expect("3rd AssumeRole: the last repeats");
    assert_eq!(three.credentials().unwrap().access_key_id(), second_key);

    // The handed-out key names its recorded session.
    let me = session_client(&replay, c)
        .get_caller_identity()
        .send()
        .await
        .expect("GCI as the recorded role");
    assert_eq!(
        me.arn(),
        Some("arn:aws:sts::123456789012:assumed-role/app/rec")
    );

    // A miss, with what differs from the closest recording.
    let (status, code, message) = failure(assume_role(&sts, ROLE, "other").send()).await;
    assert_eq!((status, code.as_str()), (400, "CassetteMiss"));
    assert!(
        message.contains("RoleSessionName (recorded \"rec\", asked \"other\")"),
        "{message}"
    );
    let report = replay.replay_report().unwrap();
    assert_eq!((report.json["hits"].as_u64(), report.misses), (Some(5), 1));
    std::fs::remove_dir_all(&dir).unwrap();
}

#[tokio::test]
async fn a_miss_goes_to_the_fake_whose_sessions_keep_working() {
    let dir = cassettes("replay-fallback");
    record(&dir).await;
    let replay = replayer(&dir, OnMiss::Fake, None).await;
    let sts = developer(&replay.endpoint());
    let out = assume_role(
        &sts,
        "arn:aws:iam::222233334444:role/never-recorded",
        "fresh",
    )
    .send()
    .await
    .expect("the fake answers the miss");
    let me = session_client(&replay, out.credentials().unwrap())
        .get_caller_identity()
        .send()
        .await
        .expect("the fake's session works");
    assert_eq!(
        me.arn(),
        Some("arn:aws:sts::222233334444:assumed-role/never-recorded/fresh")
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

/// Through the binary: the ready line names the cassette, shutdown reports hits and misses, and
/// `--fail-on-miss` exits 1 when a request missed.
#[tokio::test]
async fn fail_on_miss_exits_non_zero_after_a_miss() {
    use crate::support::Process;
    let dir = cassettes("replay-binary");
    record(&dir).await;
    let cassettes_dir = dir.to_string_lossy().into_owned();
    let process = Process::start(
        &[
            "--mode",
            "replay",
            "--cassettes",
            &cassettes_dir,
            "--fail-on-miss",
        ],
        &[],
    )
    .await;
    assert!(
        process.ready.contains(&format!(
            "(mode replay, cassette {}",
            dir.join("default.yaml").display()
        )),
        "{}",
        process.ready
    );
    let sts = developer(&process.endpoint);
    sts.get_caller_identity().send().await.expect("a hit");
    sts.get_session_token()
        .send()
        .await
        .expect("a miss, answered by the fake");
    let (status, stderr) = process.stop().await;
    assert_eq!(status.code(), Some(1), "{stderr}");
    assert!(stderr.contains(": 1 hit(s), 1 miss(es)"), "{stderr}");
    assert!(
        stderr.contains("--fail-on-miss: 1 request(s) missed"),
        "{stderr}"
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

/// `--rebase off`: the recorded bytes exactly, however late the replay.
#[tokio::test]
async fn rebase_off_answers_the_recorded_expiration() {
    let dir = cassettes("replay-as-recorded");
    let cassette = record(&dir).await;
    let recorded_at = parse_rfc3339_ms(&cassette.interactions[1].recorded_at).unwrap() / 1000;
    let replay = start_with(|c| {
        c.server.mode = Mode::Replay;
        c.cassettes.dir = dir.clone();
        c.replay.rebase = parlel_sts::config::Rebase::Off;
        c.fake.clock = Some(iso8601_seconds(recorded_at + 7200));
    })
    .await;
    let out = assume_role(&developer(&replay.endpoint()), ROLE, "rec")
        .send()
        .await
        .expect("replayed AssumeRole");
    let (_, expiration) = recorded_credentials(&cassette, 0);
    assert_eq!(
        out.credentials().unwrap().expiration().secs(),
        parse_rfc3339_ms(&expiration).unwrap() / 1000
    );
    std::fs::remove_dir_all(&dir).unwrap();
}
