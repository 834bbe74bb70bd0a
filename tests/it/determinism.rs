//! What a seed promises, as the README states it: two processes with the same seed, pinned clock
//! and `fake.public_url` answer the same requests with the same bytes (every header but `date`,
//! and every body); role and user ids stay the same across restarts even without a seed.

use crate::support::{Process, SIGV4, Scratch, raw_at, start, start_with, whoami};

const REQUESTS: [&str; 6] = [
    "Action=GetCallerIdentity&Version=2011-06-15",
    "Action=AssumeRole&Version=2011-06-15&RoleArn=arn%3Aaws%3Aiam%3A%3A123456789012%3Arole%2Fapp&RoleSessionName=s1",
    "Action=GetSessionToken&Version=2011-06-15",
    "Action=GetFederationToken&Version=2011-06-15&Name=bob",
    "Action=GetWebIdentityToken&Version=2011-06-15&Audience.member.1=sts.amazonaws.com&SigningAlgorithm=ES384",
    "Action=AssumeRole&Version=2011-06-15",
];

/// Every response of `REQUESTS`, without the `date` header.
async fn answers(server: &Process) -> Vec<String> {
    let mut out = Vec::new();
    for body in REQUESTS {
        let r = raw_at(
            server.addr(),
            &format!("POST / HTTP/1.1\r\nHost: sts.test\r\nContent-Type: application/x-www-form-urlencoded\r\nAuthorization: {SIGV4}"),
            body,
        )
        .await;
        let head: Vec<&str> = r
            .head
            .lines()
            .filter(|l| !l.to_ascii_lowercase().starts_with("date:"))
            .collect();
        out.push(format!("{}\n\n{}", head.join("\n"), r.body));
    }
    out
}

#[tokio::test]
async fn seed_clock_and_public_url_make_two_processes_answer_byte_for_byte_alike() {
    let scratch = Scratch::new("determinism");
    let config = scratch.file("proxy.toml", "[fake]\npublic_url = \"http://sts.test\"\n");
    let args = [
        "--config",
        &config,
        "--seed",
        "42",
        "--clock",
        "2030-01-01T00:00:00Z",
    ];
    let (a, b) = (
        Process::start(&args, &[]).await,
        Process::start(&args, &[]).await,
    );
    let (first, second) = (answers(&a).await, answers(&b).await);
    for (x, y) in first.iter().zip(&second) {
        assert_eq!(x, y);
    }
    assert!(first[1].contains("<SessionToken>"), "{}", first[1]);
    assert!(first[4].contains("<WebIdentityToken>"), "{}", first[4]);
    // A seed alone fixes the ids, keys and secrets, but tokens and expirations carry the time.
    let seed_only = ["--seed", "42"];
    let (c, d) = (
        Process::start(&seed_only, &[]).await,
        Process::start(&seed_only, &[]).await,
    );
    let (third, fourth) = (answers(&c).await, answers(&d).await);
    let id = |s: &str| {
        s.lines()
            .find(|l| l.starts_with("x-amzn-requestid"))
            .map(str::to_owned)
    };
    assert_eq!(id(&third[0]), id(&fourth[0]));
    assert_eq!(third[0], fourth[0], "GetCallerIdentity holds no time");
}

#[tokio::test]
async fn role_and_user_ids_survive_a_restart_without_a_seed() {
    let ids = |server: parlel_sts::Server| async move {
        let sts = crate::support::client(&server, "AKIAIOSFODNN7EXAMPLE");
        let me = sts.get_caller_identity().send().await.unwrap();
        let role = crate::support::assume_role(&sts, "arn:aws:iam::123456789012:role/app", "s1")
            .send()
            .await
            .unwrap();
        let as_role = whoami(&server, role.credentials().unwrap()).await;
        (
            me.user_id().unwrap().to_owned(),
            as_role.user_id().unwrap().to_owned(),
        )
    };
    let (first, second) = (ids(start().await).await, ids(start().await).await);
    assert!(
        first.0.starts_with("AIDA") && first.1.starts_with("AROA"),
        "{first:?}"
    );
    assert_eq!(first, second);
    // A seed makes them its own.
    let seeded = ids(start_with(|c| c.fake.seed = Some(9)).await).await;
    assert_ne!(seeded.0, first.0);
    assert_ne!(seeded.1, first.1);
}
