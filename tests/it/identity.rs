//! Who the caller is, through a real SDK: default principal, configured users, assumed roles,
//! chaining, session and federation tokens, expiry, reset.
// The SDK marks `PackedPolicySize` deprecated; STS still sends it and these tests check it.
#![allow(deprecated)]

use crate::support::*;
use parlel_sts::config::UserConfig;

#[tokio::test]
async fn unknown_long_term_key_is_the_default_user() {
    let server = start().await;
    let out = client(&server, "parlel")
        .get_caller_identity()
        .send()
        .await
        .unwrap();
    assert_eq!(out.arn(), Some("arn:aws:iam::000000000000:user/parlel"));
    assert_eq!(out.account(), Some("000000000000"));
    let user_id = out.user_id().unwrap();
    assert!(
        user_id.starts_with("AIDA") && user_id.len() == 21,
        "{user_id}"
    );
    // The user id is stable and encodes the account, as AWS's do.
    let again = client(&server, "AKIAIOSFODNN7EXAMPLE")
        .get_caller_identity()
        .send()
        .await
        .unwrap();
    assert_eq!(again.user_id(), Some(user_id));
    let info = client(&server, "x")
        .get_access_key_info()
        .access_key_id(user_id)
        .send()
        .await
        .unwrap();
    assert_eq!(info.account(), Some("000000000000"));
}

#[tokio::test]
async fn configured_users_and_root() {
    let server = start_with(|c| {
        c.fake.users = vec![
            UserConfig {
                access_key_id: "AKIAALICEALICEALICE1".into(),
                secret_access_key: Some("s".into()),
                account: Some("123456789012".into()),
                principal: "user/team/alice".into(),
            },
            UserConfig {
                access_key_id: "AKIAROOTROOTROOTROOT".into(),
                secret_access_key: None,
                account: None,
                principal: "root".into(),
            },
        ];
        c.fake.clock = Some("2030-01-01T00:00:00Z".into());
    })
    .await;
    let alice = client(&server, "AKIAALICEALICEALICE1");
    let out = alice.get_caller_identity().send().await.unwrap();
    assert_eq!(out.arn(), Some("arn:aws:iam::123456789012:user/team/alice"));
    assert_eq!(out.account(), Some("123456789012"));
    let info = alice
        .get_access_key_info()
        .access_key_id("AKIAALICEALICEALICE1")
        .send()
        .await
        .unwrap();
    assert_eq!(info.account(), Some("123456789012"));

    let root = client(&server, "AKIAROOTROOTROOTROOT");
    let out = root.get_caller_identity().send().await.unwrap();
    assert_eq!(
        (out.arn(), out.user_id(), out.account()),
        (
            Some("arn:aws:iam::000000000000:root"),
            Some("000000000000"),
            Some("000000000000")
        )
    );
    let err = assume_role(&root, "arn:aws:iam::000000000000:role/app", "s1")
        .send()
        .await
        .unwrap_err();
    assert_eq!(
        error_of(err),
        sts_error(
            403,
            "AccessDenied",
            "Roles may not be assumed by root accounts."
        )
    );
    // Root's GetSessionToken is silently capped at one hour.
    let out = root
        .get_session_token()
        .duration_seconds(7200)
        .send()
        .await
        .unwrap();
    let expiration = out.credentials().unwrap().expiration().secs();
    assert_eq!(expiration, 1_893_456_000 + 3600);
}

#[tokio::test]
async fn assumed_role_round_trip() {
    let server = start().await;
    let sts = client(&server, "AKIAIOSFODNN7EXAMPLE");
    let out = assume_role(
        &sts,
        "arn:aws:iam::123456789012:role/team/app",
        "alice@example.com",
    )
    .send()
    .await
    .unwrap();
    let user = out.assumed_role_user().unwrap();
    assert_eq!(
        user.arn(),
        "arn:aws:sts::123456789012:assumed-role/app/alice@example.com"
    );
    assert!(user.assumed_role_id().starts_with("AROA"));
    assert!(user.assumed_role_id().ends_with(":alice@example.com"));
    assert_eq!(user.assumed_role_id().split(':').next().unwrap().len(), 21);
    assert_eq!(
        out.packed_policy_size(),
        None,
        "no policy, no tags: no PackedPolicySize"
    );
    let creds = out.credentials().unwrap();
    assert!(creds.access_key_id().starts_with("ASIA") && creds.access_key_id().len() == 20);
    assert_eq!(creds.secret_access_key().len(), 40);
    assert!(creds.session_token().len() > 100);

    let as_role = session_client(&server, creds);
    let me = as_role.get_caller_identity().send().await.unwrap();
    assert_eq!(me.arn(), Some(user.arn()));
    assert_eq!(me.user_id(), Some(user.assumed_role_id()));
    assert_eq!(me.account(), Some("123456789012"));
    let info = sts
        .get_access_key_info()
        .access_key_id(creds.access_key_id())
        .send()
        .await
        .unwrap();
    assert_eq!(info.account(), Some("123456789012"));

    // The role id is a property of the role: the same for every session.
    let second = assume_role(&sts, "arn:aws:iam::123456789012:role/app", "other")
        .send()
        .await
        .unwrap();
    let id = |s: &str| s.split(':').next().unwrap().to_owned();
    assert_eq!(
        id(second.assumed_role_user().unwrap().assumed_role_id()),
        id(user.assumed_role_id())
    );
    assert_ne!(
        second.credentials().unwrap().access_key_id(),
        creds.access_key_id()
    );
}

#[tokio::test]
async fn role_chaining_is_capped_at_one_hour() {
    let server = start().await;
    let sts = client(&server, "AKIAIOSFODNN7EXAMPLE");
    let first = assume_role(&sts, "arn:aws:iam::111111111111:role/first", "one")
        .duration_seconds(7200)
        .send()
        .await
        .unwrap();
    let as_first = session_client(&server, first.credentials().unwrap());
    let err = assume_role(&as_first, "arn:aws:iam::222222222222:role/second", "two")
        .duration_seconds(3601)
        .send()
        .await
        .unwrap_err();
    assert_eq!(
        error_of(err),
        sts_error(
            400,
            "ValidationError",
            "The requested DurationSeconds exceeds the 1 hour session limit for roles assumed by role chaining."
        )
    );
    let second = assume_role(&as_first, "arn:aws:iam::222222222222:role/second", "two")
        .send()
        .await
        .unwrap();
    let me = whoami(&server, second.credentials().unwrap()).await;
    assert_eq!(
        me.arn(),
        Some("arn:aws:sts::222222222222:assumed-role/second/two")
    );
}

#[tokio::test]
async fn max_session_duration_message_wins() {
    let server = start_with(|c| c.fake.role_max_session_duration = 3600).await;
    let err = assume_role(
        &client(&server, "AKIAIOSFODNN7EXAMPLE"),
        "arn:aws:iam::123456789012:role/app",
        "s1",
    )
    .duration_seconds(7200)
    .send()
    .await
    .unwrap_err();
    assert_eq!(
        error_of(err).2,
        "The requested DurationSeconds exceeds the MaxSessionDuration set for this role."
    );
}

#[tokio::test]
async fn transitive_tags_follow_the_chain() {
    let server = start().await;
    let first = assume_role(
        &client(&server, "AKIAIOSFODNN7EXAMPLE"),
        "arn:aws:iam::123456789012:role/a",
        "one",
    )
    .tags(tag("Project", "x"))
    .transitive_tag_keys("Project")
    .source_identity("alice")
    .send()
    .await
    .unwrap();
    assert!(first.packed_policy_size().is_some(), "tags were passed");
    assert_eq!(first.source_identity(), Some("alice"));
    let err = assume_role(
        &session_client(&server, first.credentials().unwrap()),
        "arn:aws:iam::123456789012:role/b",
        "two",
    )
    .tags(tag("project", "y"))
    .send()
    .await
    .unwrap_err();
    assert_eq!(
        error_of(err),
        sts_error(
            400,
            "InvalidParameterValue",
            "One of the specified transitive tag keys can't be set because it conflicts with a transitive tag key from the calling session."
        )
    );
}

#[tokio::test]
async fn session_and_federation_tokens() {
    let server = start().await;
    let sts = client(&server, "AKIAIOSFODNN7EXAMPLE");
    let session = sts.get_session_token().send().await.unwrap();
    let as_session = session_client(&server, session.credentials().unwrap());
    let me = as_session.get_caller_identity().send().await.unwrap();
    assert_eq!(me.arn(), Some("arn:aws:iam::000000000000:user/parlel"));
    let err = as_session.get_session_token().send().await.unwrap_err();
    assert_eq!(
        error_of(err),
        sts_error(
            403,
            "AccessDenied",
            "Cannot call GetSessionToken with session credentials"
        )
    );
    let err = as_session
        .get_federation_token()
        .name("bob")
        .send()
        .await
        .unwrap_err();
    assert_eq!(
        error_of(err).2,
        "Cannot call GetFederationToken with session credentials"
    );

    let fed = sts.get_federation_token().name("bob").send().await.unwrap();
    let user = fed.federated_user().unwrap();
    assert_eq!(user.arn(), "arn:aws:sts::000000000000:federated-user/bob");
    assert_eq!(user.federated_user_id(), "000000000000:bob");
    assert_eq!(fed.packed_policy_size(), Some(0));
    let as_fed = session_client(&server, fed.credentials().unwrap());
    let me = as_fed.get_caller_identity().send().await.unwrap();
    assert_eq!(
        (me.arn(), me.user_id()),
        (Some(user.arn()), Some("000000000000:bob"))
    );
    let err = assume_role(&as_fed, "arn:aws:iam::000000000000:role/app", "s1")
        .send()
        .await
        .unwrap_err();
    assert_eq!(
        error_of(err),
        sts_error(
            403,
            "AccessDenied",
            "User: arn:aws:sts::000000000000:federated-user/bob is not authorized to perform: sts:AssumeRole on resource: arn:aws:iam::000000000000:role/app"
        )
    );
}

#[tokio::test]
async fn durations_and_expiration_follow_the_clock() {
    let server = start_with(|c| c.fake.clock = Some("2030-01-01T00:00:00Z".into())).await;
    let t0 = 1_893_456_000;
    let sts = client(&server, "AKIAIOSFODNN7EXAMPLE");
    let exp = |c: Option<&aws_sdk_sts::types::Credentials>| c.unwrap().expiration().secs();
    let ar = assume_role(&sts, "arn:aws:iam::123456789012:role/app", "s1")
        .send()
        .await
        .unwrap();
    assert_eq!(exp(ar.credentials()), t0 + 3600, "AssumeRole default");
    let st = sts.get_session_token().send().await.unwrap();
    assert_eq!(
        exp(st.credentials()),
        t0 + 43_200,
        "GetSessionToken default"
    );
    let ft = sts
        .get_federation_token()
        .name("bob")
        .duration_seconds(129_600)
        .send()
        .await
        .unwrap();
    assert_eq!(
        exp(ft.credentials()),
        t0 + 129_600,
        "GetFederationToken maximum"
    );

    // Past its Expiration, a session is refused with ExpiredToken (403).
    let as_role = session_client(&server, ar.credentials().unwrap());
    as_role.get_caller_identity().send().await.unwrap();
    move_clock(&server, r#"{"advance_seconds": 3600}"#).await;
    let err = as_role.get_caller_identity().send().await.unwrap_err();
    assert_eq!(
        error_of(err),
        sts_error(
            403,
            "ExpiredToken",
            "The security token included in the request is expired"
        )
    );
    // Still live: the 12-hour session token.
    whoami(&server, st.credentials().unwrap()).await;
}

#[tokio::test]
async fn tokens_from_elsewhere_are_the_default_principal() {
    let server = start().await;
    let other = start().await;
    let foreign = assume_role(
        &client(&other, "AKIAIOSFODNN7EXAMPLE"),
        "arn:aws:iam::123456789012:role/app",
        "s1",
    )
    .send()
    .await
    .unwrap();
    let me = whoami(&server, foreign.credentials().unwrap()).await;
    assert_eq!(me.arn(), Some("arn:aws:iam::000000000000:user/parlel"));

    // A token of ours presented with another key id is invalid, as on AWS.
    let ours = client(&server, "AKIAIOSFODNN7EXAMPLE")
        .get_session_token()
        .send()
        .await
        .unwrap();
    let c = ours.credentials().unwrap();
    let mismatched = aws_sdk_sts::types::Credentials::builder()
        .access_key_id("ASIAQAAAAAAAMISMATCH")
        .secret_access_key(c.secret_access_key())
        .session_token(c.session_token())
        .expiration(*c.expiration())
        .build()
        .unwrap();
    let err = session_client(&server, &mismatched)
        .get_caller_identity()
        .send()
        .await
        .unwrap_err();
    assert_eq!(
        error_of(err),
        sts_error(
            403,
            "InvalidClientTokenId",
            "The security token included in the request is invalid."
        )
    );
}

#[tokio::test]
async fn transitive_tags_survive_several_hops_whatever_their_case() {
    let server = start().await;
    let hop = |creds: Option<aws_sdk_sts::types::Credentials>, role: &'static str| {
        let sts = match &creds {
            Some(c) => session_client(&server, c),
            None => client(&server, "AKIAIOSFODNN7EXAMPLE"),
        };
        async move {
            sts.assume_role()
                .role_arn(format!("arn:aws:iam::123456789012:role/{role}"))
                .role_session_name("hop")
        }
    };
    let first = hop(None, "a")
        .await
        .tags(tag("Project", "x"))
        .transitive_tag_keys("project")
        .send()
        .await
        .unwrap();
    let second = hop(first.credentials().cloned(), "b")
        .await
        .send()
        .await
        .unwrap();
    let err = hop(second.credentials().cloned(), "c")
        .await
        .tags(tag("PROJECT", "y"))
        .send()
        .await
        .unwrap_err();
    assert_eq!(
        error_of(err).1,
        "InvalidParameterValue",
        "the third hop still carries the tag"
    );
}
