//! AssumeRoleWithWebIdentity through the SDK: claims in the answer and in the session, providers
//! declared in config (audiences, ES256 signatures), and AWS's errors.
// The SDK's newer model marks PackedPolicySize deprecated; botocore's (this fake's authority) does not.
#![allow(deprecated)]

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use parlel_sts::Server;
use parlel_sts::config::IdentityProviderConfig;
use ring::rand::SystemRandom;
use ring::signature::{ECDSA_P256_SHA256_FIXED_SIGNING, EcdsaKeyPair, KeyPair};
use serde_json::{Value, json};

use crate::support::*;

pub(crate) const GITHUB: &str = "https://token.actions.githubusercontent.com";
pub(crate) const ROLE: &str = "arn:aws:iam::123456789012:role/deploy";

fn b64(value: &Value) -> String {
    URL_SAFE_NO_PAD.encode(value.to_string())
}

/// An unsigned-looking token (the signature part is junk).
pub(crate) fn token(claims: &Value) -> String {
    format!(
        "{}.{}.c2ln",
        b64(&json!({"alg": "RS256", "kid": "k1"})),
        b64(claims)
    )
}

pub(crate) fn claims(server: &Server) -> Value {
    let now = server.fake().clock().now();
    json!({
        "iss": GITHUB,
        "sub": "repo:octo/app:ref:refs/heads/main",
        "aud": "sts.amazonaws.com",
        "iat": now,
        "exp": now + 300,
    })
}

/// An ES256 key pair and its JWKS.
struct Signer {
    pair: EcdsaKeyPair,
    kid: &'static str,
}

impl Signer {
    fn new(kid: &'static str) -> Signer {
        let rng = SystemRandom::new();
        let pkcs8 = EcdsaKeyPair::generate_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, &rng).unwrap();
        let pair = EcdsaKeyPair::from_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, pkcs8.as_ref(), &rng)
            .unwrap();
        Signer { pair, kid }
    }

    fn jwks(&self) -> String {
        let point = self.pair.public_key().as_ref();
        json!({"keys": [{
            "kty": "EC", "crv": "P-256", "kid": self.kid, "use": "sig", "alg": "ES256",
            "x": URL_SAFE_NO_PAD.encode(&point[1..33]),
            "y": URL_SAFE_NO_PAD.encode(&point[33..]),
        }]})
        .to_string()
    }

    fn sign(&self, claims: &Value) -> String {
        let input = format!(
            "{}.{}",
            b64(&json!({"alg": "ES256", "kid": self.kid, "typ": "JWT"})),
            b64(claims)
        );
        let sig = self
            .pair
            .sign(&SystemRandom::new(), input.as_bytes())
            .unwrap();
        format!("{input}.{}", URL_SAFE_NO_PAD.encode(sig.as_ref()))
    }
}

pub(crate) async fn assume(
    server: &Server,
    web_token: &str,
) -> Result<
    aws_sdk_sts::operation::assume_role_with_web_identity::AssumeRoleWithWebIdentityOutput,
    (u16, String, String),
> {
    client(server, "AKIAIOSFODNN7EXAMPLE")
        .assume_role_with_web_identity()
        .role_arn(ROLE)
        .role_session_name("gha")
        .web_identity_token(web_token)
        .send()
        .await
        .map_err(error_of)
}

#[tokio::test]
async fn claims_become_the_answer_and_the_session() {
    let server = start_pinned().await;
    let out = assume(&server, &token(&claims(&server)))
        .await
        .expect("assume");
    assert_eq!(out.audience(), Some("sts.amazonaws.com"));
    assert_eq!(
        out.provider(),
        Some("arn:aws:iam::123456789012:oidc-provider/token.actions.githubusercontent.com")
    );
    assert_eq!(
        out.subject_from_web_identity_token(),
        Some("repo:octo/app:ref:refs/heads/main")
    );
    assert_eq!(out.packed_policy_size(), None);
    let user = out.assumed_role_user().unwrap();
    assert_eq!(
        user.arn(),
        "arn:aws:sts::123456789012:assumed-role/deploy/gha"
    );
    assert!(user.assumed_role_id().starts_with("AROA") && user.assumed_role_id().ends_with(":gha"));
    let creds = out.credentials().unwrap();
    assert_eq!(
        creds.expiration().secs() - server.fake().clock().now(),
        3600
    );
    let me = whoami(&server, creds).await;
    assert_eq!(me.arn(), Some(user.arn()));
    assert_eq!(me.user_id(), Some(user.assumed_role_id()));
    assert_eq!(me.account(), Some("123456789012"));

    // The same role through AssumeRole has the same role id.
    let via_assume_role = assume_role(&client(&server, "AKIAIOSFODNN7EXAMPLE"), ROLE, "xx")
        .send()
        .await
        .unwrap();
    let id = via_assume_role
        .assumed_role_user()
        .unwrap()
        .assumed_role_id();
    assert_eq!(
        id.split(':').next(),
        user.assumed_role_id().split(':').next()
    );
}

#[tokio::test]
async fn tags_source_identity_google_and_oauth_providers() {
    let server = start().await;
    let mut c = claims(&server);
    c["https://aws.amazon.com/tags"] = json!({
        "principal_tags": {"team": ["payments"], "env": ["ci"]},
        "transitive_tag_keys": ["team"],
    });
    c["https://aws.amazon.com/source_identity"] = json!("octocat");
    let out = assume(&server, &token(&c)).await.expect("assume with tags");
    assert_eq!(out.source_identity(), Some("octocat"));
    assert!(out.packed_policy_size().unwrap() > 0);
    // The transitive tag and the source identity pass on to a chained session.
    let chained = assume_role(
        &session_client(&server, out.credentials().unwrap()),
        "arn:aws:iam::123456789012:role/next",
        "hop",
    )
    .tags(tag("team", "other"))
    .send()
    .await
    .unwrap_err();
    assert_eq!(error_of(chained).1, "InvalidParameterValue");

    // Google: the audience is the authorized party, the provider the bare host.
    let now = server.fake().clock().now();
    let google = json!({"iss": "https://accounts.google.com", "sub": "1234567890", "aud": "client-1.apps.googleusercontent.com", "azp": "sa@project.iam.gserviceaccount.com", "exp": now + 60});
    let out = assume(&server, &token(&google)).await.expect("google");
    assert_eq!(out.audience(), Some("sa@project.iam.gserviceaccount.com"));
    assert_eq!(out.provider(), Some("accounts.google.com"));

    // OAuth 2.0 (ProviderId): an opaque access token, a stable subject derived from it.
    let oauth = |t: &'static str| {
        client(&server, "AKIAIOSFODNN7EXAMPLE")
            .assume_role_with_web_identity()
            .role_arn(ROLE)
            .role_session_name("amzn")
            .provider_id("www.amazon.com")
            .web_identity_token(t)
            .send()
    };
    let a = oauth("Atza|opaque-access-token").await.expect("oauth");
    let b = oauth("Atza|opaque-access-token").await.unwrap();
    assert_eq!(a.provider(), Some("www.amazon.com"));
    assert_eq!(
        a.subject_from_web_identity_token(),
        b.subject_from_web_identity_token()
    );
    assert!(
        a.subject_from_web_identity_token()
            .unwrap()
            .starts_with("amzn1.account.")
    );
}

#[tokio::test]
async fn token_errors() {
    let server = start_pinned().await;
    let invalid = |m: &str| sts_error(400, "InvalidIdentityToken", m);
    assert_eq!(
        assume(&server, "not-a-jwt").await.unwrap_err(),
        invalid(
            "The ID Token provided is not a valid JWT. (You may see this error if you sent an Access Token)"
        )
    );
    let now = server.fake().clock().now();
    let mut expired = claims(&server);
    expired["exp"] = json!(now - 10);
    assert_eq!(
        assume(&server, &token(&expired)).await.unwrap_err(),
        sts_error(
            400,
            "ExpiredTokenException",
            &format!(
                "Token expired: current date/time {now} must be before the expiration date/time{}",
                now - 10
            )
        )
    );
    for claim in ["aud", "sub", "iss", "exp"] {
        let mut c = claims(&server);
        c.as_object_mut().unwrap().remove(claim);
        assert_eq!(
            assume(&server, &token(&c)).await.unwrap_err(),
            invalid(&format!("Missing a required claim: {claim}"))
        );
    }
    // A role ARN that names no role.
    let err = client(&server, "AKIAIOSFODNN7EXAMPLE")
        .assume_role_with_web_identity()
        .role_arn("arn:aws:iam::123456789012:user/someone")
        .role_session_name("s1")
        .web_identity_token(token(&claims(&server)))
        .send()
        .await
        .unwrap_err();
    assert_eq!(
        error_of(err),
        sts_error(
            403,
            "AccessDenied",
            "Not authorized to perform sts:AssumeRoleWithWebIdentity"
        )
    );
    // A malformed session policy.
    let err = client(&server, "AKIAIOSFODNN7EXAMPLE")
        .assume_role_with_web_identity()
        .role_arn(ROLE)
        .role_session_name("s1")
        .web_identity_token(token(&claims(&server)))
        .policy("{not json")
        .send()
        .await
        .unwrap_err();
    assert_eq!(error_of(err).1, "MalformedPolicyDocument");
}

#[tokio::test]
async fn declared_providers_check_audience_and_signature() {
    let signer = Signer::new("key-1");
    // The JWKS from a file (read at start-up), as `jwks_file` in proxy.toml.
    let jwks_file =
        std::env::temp_dir().join(format!("parlel-sts-jwks-{}.json", std::process::id()));
    std::fs::write(&jwks_file, signer.jwks()).unwrap();
    let server = start_with(|c| {
        c.fake.require_identity_provider = true;
        c.fake.identity_providers.push(IdentityProviderConfig {
            url: format!("{GITHUB}/"),
            audiences: vec!["sts.amazonaws.com".into()],
            jwks: None,
            jwks_file: Some(jwks_file.clone()),
        });
    })
    .await;
    let _ = std::fs::remove_file(&jwks_file);
    let good = claims(&server);
    let out = assume(&server, &signer.sign(&good))
        .await
        .expect("signed token");
    assert_eq!(
        out.subject_from_web_identity_token(),
        Some("repo:octo/app:ref:refs/heads/main")
    );
    // aud as a list works when one entry is accepted.
    let mut listed = good.clone();
    listed["aud"] = json!(["other", "sts.amazonaws.com"]);
    assert!(assume(&server, &signer.sign(&listed)).await.is_ok());

    let invalid = |m: &str| sts_error(400, "InvalidIdentityToken", m);
    let mut wrong_aud = good.clone();
    wrong_aud["aud"] = json!("someone-else");
    assert_eq!(
        assume(&server, &signer.sign(&wrong_aud)).await.unwrap_err(),
        invalid("Incorrect token audience")
    );
    // Signed by another key with the same kid: the signature fails.
    let impostor = Signer::new("key-1");
    assert_eq!(
        assume(&server, &impostor.sign(&good)).await.unwrap_err(),
        invalid("Signature validation failed")
    );
    // A kid the JWKS does not have.
    let stranger = Signer::new("key-2");
    assert_eq!(
        assume(&server, &stranger.sign(&good)).await.unwrap_err(),
        invalid(
            "Couldn't retrieve verification key from your identity provider,  please reference AssumeRoleWithWebIdentity documentation for requirements"
        )
    );
    // The unsigned token is refused too, as is `alg: none`, and so is the same issuer written
    // differently (case, port, scheme): it is still the declared provider.
    assert_eq!(
        assume(&server, &token(&good)).await.unwrap_err().1,
        "InvalidIdentityToken"
    );
    let none = format!("{}.{}.", b64(&json!({"alg": "none"})), b64(&good));
    assert_eq!(
        assume(&server, &none).await.unwrap_err(),
        invalid(
            "Couldn't retrieve verification key from your identity provider,  please reference AssumeRoleWithWebIdentity documentation for requirements"
        )
    );
    for disguised in [
        "https://TOKEN.actions.githubusercontent.com",
        "https://token.actions.githubusercontent.com:443/",
        "http://token.actions.githubusercontent.com",
    ] {
        let mut c = good.clone();
        c["iss"] = json!(disguised);
        assert_eq!(
            assume(&server, &token(&c)).await.unwrap_err().1,
            "InvalidIdentityToken",
            "{disguised}"
        );
        assert!(
            assume(&server, &signer.sign(&c)).await.is_ok(),
            "{disguised}"
        );
    }
    // An issuer with no declared provider, when providers are required.
    let mut other = good.clone();
    other["iss"] = json!("https://auth.example.com/");
    assert_eq!(
        assume(&server, &token(&other)).await.unwrap_err(),
        invalid("No OpenIDConnect provider found in your account for https://auth.example.com/")
    );
}

#[tokio::test]
async fn rs256_tokens_verify_against_a_declared_jwks() {
    // One fake issues an RS256 token; a second one declares the first as an identity provider, with
    // the JWKS the first publishes.
    let issuer_server =
        start_with(|c| c.fake.public_url = Some("https://idp.fake.test".into())).await;
    let jwks = raw(
        &issuer_server,
        "GET /_parlel/oidc/000000000000/.well-known/jwks.json HTTP/1.1",
        "",
    )
    .await
    .body;
    let minted = client(&issuer_server, "AKIAIOSFODNN7EXAMPLE")
        .get_web_identity_token()
        .audience("sts.amazonaws.com")
        .signing_algorithm("RS256")
        .send()
        .await
        .unwrap();
    let token = minted.web_identity_token().unwrap();

    let server = start_with(|c| {
        c.fake.identity_providers.push(IdentityProviderConfig {
            url: "https://idp.fake.test/_parlel/oidc/000000000000".into(),
            audiences: vec!["sts.amazonaws.com".into()],
            jwks: Some(jwks),
            jwks_file: None,
        });
    })
    .await;
    let out = assume(&server, token).await.expect("RS256 token verifies");
    assert_eq!(
        out.subject_from_web_identity_token(),
        Some("arn:aws:iam::000000000000:user/parlel")
    );
    assert_eq!(
        out.provider(),
        Some("arn:aws:iam::123456789012:oidc-provider/idp.fake.test/_parlel/oidc/000000000000")
    );
    // One flipped signature byte fails.
    let (head, sig) = token.rsplit_once('.').unwrap();
    let mut sig = URL_SAFE_NO_PAD.decode(sig).unwrap();
    sig[10] ^= 1;
    let forged = format!("{head}.{}", URL_SAFE_NO_PAD.encode(sig));
    assert_eq!(
        assume(&server, &forged).await.unwrap_err(),
        sts_error(400, "InvalidIdentityToken", "Signature validation failed")
    );
}
