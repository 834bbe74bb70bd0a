//! GetWebIdentityToken through the SDK: a real signed JWT that a relying party verifies with a JWT
//! library against the JWKS the fake publishes at the token's issuer.

use jsonwebtoken::jwk::JwkSet;
use jsonwebtoken::{Algorithm, DecodingKey, Validation};
use parlel_sts::Server;
use serde_json::Value;

use crate::support::*;

const ROLE: &str = "arn:aws:iam::123456789012:role/DataProcessingRole";

/// A GET of a URL the server itself serves (`http://127.0.0.1:PORT/...`).
async fn get_json(server: &Server, url: &str) -> Value {
    let path = url
        .strip_prefix(&server.endpoint())
        .unwrap_or_else(|| panic!("{url} is not served by {}", server.endpoint()));
    let host = server.local_addr();
    let r = raw(server, &format!("GET {path} HTTP/1.1\r\nHost: {host}"), "").await;
    assert_eq!(r.status, 200, "{url}: {}", r.body);
    serde_json::from_str(&r.body).unwrap()
}

/// Verifies `token` the way a relying party would: discovery document at the issuer, JWKS from it,
/// signature, issuer, audience and expiry checked by jsonwebtoken.
async fn verify(server: &Server, token: &str, algorithm: Algorithm, audience: &str) -> Value {
    let header = jsonwebtoken::decode_header(token).unwrap();
    assert_eq!(header.alg, algorithm);
    let unverified: Value = {
        use base64::Engine;
        let payload = token.split('.').nth(1).unwrap();
        serde_json::from_slice(
            &base64::engine::general_purpose::URL_SAFE_NO_PAD
                .decode(payload)
                .unwrap(),
        )
        .unwrap()
    };
    let issuer = unverified["iss"].as_str().unwrap().to_owned();
    let discovery = get_json(
        server,
        &format!("{issuer}/.well-known/openid-configuration"),
    )
    .await;
    assert_eq!(discovery["issuer"], issuer.as_str());
    let jwks: JwkSet =
        serde_json::from_value(get_json(server, discovery["jwks_uri"].as_str().unwrap()).await)
            .unwrap();
    let jwk = jwks
        .find(header.kid.as_deref().unwrap())
        .expect("the token's kid is published");
    let mut validation = Validation::new(algorithm);
    validation.set_audience(&[audience]);
    validation.set_issuer(&[issuer.as_str()]);
    jsonwebtoken::decode::<Value>(token, &DecodingKey::from_jwk(jwk).unwrap(), &validation)
        .expect("the token verifies against the published JWKS")
        .claims
}

/// GetWebIdentityToken for audience `x`; add parameters, then `.send()`.
fn token_for_x(
    sts: &aws_sdk_sts::Client,
    algorithm: &str,
) -> aws_sdk_sts::operation::get_web_identity_token::builders::GetWebIdentityTokenFluentBuilder {
    sts.get_web_identity_token()
        .audience("x")
        .signing_algorithm(algorithm)
}

async fn role_session(server: &Server, duration: i32) -> aws_sdk_sts::Client {
    let out = assume_role(&client(server, "AKIAIOSFODNN7EXAMPLE"), ROLE, "etl")
        .tags(tag("team", "data"))
        .duration_seconds(duration)
        .send()
        .await
        .unwrap();
    session_client(server, out.credentials().unwrap())
}

#[tokio::test]
async fn es384_and_rs256_tokens_verify_against_the_published_jwks() {
    let server = start_pinned().await;
    let sts = role_session(&server, 3600).await;
    let now = server.fake().clock().now();
    for (name, algorithm) in [("ES384", Algorithm::ES384), ("RS256", Algorithm::RS256)] {
        let out = sts
            .get_web_identity_token()
            .audience("https://api.example.com")
            .signing_algorithm(name)
            .tags(tag("job", "nightly"))
            .send()
            .await
            .expect("GetWebIdentityToken");
        let token = out.web_identity_token().unwrap();
        let claims = verify(&server, token, algorithm, "https://api.example.com").await;
        let expiration = out.expiration().unwrap().secs();
        assert_eq!(claims["exp"].as_i64(), Some(expiration));
        assert_eq!(expiration, now + 300, "default duration");
        assert_eq!(claims["sub"], ROLE);
        assert_eq!(claims["aud"], "https://api.example.com");
        assert!(
            claims["iss"]
                .as_str()
                .unwrap()
                .ends_with("/_parlel/oidc/123456789012")
        );
        assert_eq!(
            claims["exp"].as_i64().unwrap() - claims["iat"].as_i64().unwrap(),
            300
        );
        assert_eq!(claims["jti"].as_str().unwrap().len(), 36);
        let aws = &claims["https://sts.amazonaws.com/"];
        assert_eq!(aws["aws_account"], "123456789012");
        assert_eq!(aws["source_region"], "us-east-1");
        assert_eq!(aws["principal_tags"]["team"], "data");
        assert_eq!(aws["request_tags"]["job"], "nightly");
    }

    // Several audiences: an array; a chosen duration.
    let out = sts
        .get_web_identity_token()
        .audience("a")
        .audience("b")
        .signing_algorithm("ES384")
        .duration_seconds(60)
        .send()
        .await
        .unwrap();
    let claims = verify(
        &server,
        out.web_identity_token().unwrap(),
        Algorithm::ES384,
        "b",
    )
    .await;
    assert_eq!(claims["aud"], serde_json::json!(["a", "b"]));
    assert_eq!(out.expiration().unwrap().secs(), now + 60);

    // An IAM user's token names the user.
    let out = token_for_x(&client(&server, "AKIAIOSFODNN7EXAMPLE"), "ES384")
        .send()
        .await
        .unwrap();
    let claims = verify(
        &server,
        out.web_identity_token().unwrap(),
        Algorithm::ES384,
        "x",
    )
    .await;
    assert_eq!(claims["sub"], "arn:aws:iam::000000000000:user/parlel");
}

#[tokio::test]
async fn web_identity_token_errors() {
    let server = start_with(|c| {
        c.fake.outbound_federation_disabled_accounts = vec!["111122223333".into()];
    })
    .await;
    let sts = role_session(&server, 900).await;
    assert_eq!(
        failure(token_for_x(&sts, "RS384").send()).await,
        sts_error(
            400,
            "ValidationError",
            "1 validation error detected: Value 'RS384' at 'signingAlgorithm' failed to satisfy constraint: Member must satisfy enum value set: [RS256, ES384]"
        )
    );
    assert_eq!(
        failure(token_for_x(&sts, "ES384").duration_seconds(30).send()).await,
        sts_error(
            400,
            "ValidationError",
            "1 validation error detected: Value '30' at 'durationSeconds' failed to satisfy constraint: Member must have value greater than or equal to 60"
        )
    );
    // The session has 900 s left: a 3600 s token would outlive it.
    let (status, code, _) = failure(token_for_x(&sts, "ES384").duration_seconds(3600).send()).await;
    assert_eq!(
        (status, code.as_str()),
        (403, "SessionDurationEscalationException")
    );

    let disabled = assume_role(
        &client(&server, "AKIAIOSFODNN7EXAMPLE"),
        "arn:aws:iam::111122223333:role/r",
        "s1",
    )
    .send()
    .await
    .unwrap();
    let (status, code, _) = failure(
        token_for_x(
            &session_client(&server, disabled.credentials().unwrap()),
            "ES384",
        )
        .send(),
    )
    .await;
    assert_eq!(
        (status, code.as_str()),
        (403, "OutboundWebIdentityFederationDisabledException")
    );
}

#[tokio::test]
async fn seeded_keys_and_tokens_are_stable_across_restarts() {
    let seeded = || {
        start_with(|c| {
            c.fake.seed = Some(42);
            c.fake.clock = Some("2026-11-23T10:00:00Z".into());
            c.fake.public_url = Some("https://sts.fake.test".into());
        })
    };
    let mut tokens = Vec::new();
    let mut key_sets = Vec::new();
    for _ in 0..2 {
        let server = seeded().await;
        let sts = client(&server, "AKIAIOSFODNN7EXAMPLE");
        let mut pair = Vec::new();
        for alg in ["ES384", "RS256"] {
            let out = sts
                .get_web_identity_token()
                .audience("aud")
                .signing_algorithm(alg)
                .send()
                .await
                .unwrap();
            pair.push(out.web_identity_token().unwrap().to_owned());
        }
        tokens.push(pair);
        let r = raw(
            &server,
            "GET /_parlel/oidc/000000000000/.well-known/jwks.json HTTP/1.1",
            "",
        )
        .await;
        key_sets.push(r.body);
        let discovery = raw(
            &server,
            "GET /_parlel/oidc/000000000000/.well-known/openid-configuration HTTP/1.1",
            "",
        )
        .await;
        assert!(
            discovery
                .body
                .contains(r#""issuer":"https://sts.fake.test/_parlel/oidc/000000000000""#),
            "{}",
            discovery.body
        );
        server.shutdown().await;
    }
    assert_eq!(tokens[0], tokens[1]);
    assert_eq!(key_sets[0], key_sets[1]);
    let keys: Value = serde_json::from_str(&key_sets[0]).unwrap();
    assert_eq!(keys["keys"].as_array().unwrap().len(), 2);
}

#[tokio::test]
async fn federated_users_may_not_call_the_newer_operations() {
    let server = start().await;
    let fed = client(&server, "AKIAIOSFODNN7EXAMPLE")
        .get_federation_token()
        .name("bob")
        .send()
        .await
        .unwrap();
    let sts = session_client(&server, fed.credentials().unwrap());
    assert_eq!(
        failure(token_for_x(&sts, "ES384").send()).await,
        sts_error(
            403,
            "AccessDenied",
            "User: arn:aws:sts::000000000000:federated-user/bob is not authorized to perform: sts:GetWebIdentityToken"
        )
    );
    assert_eq!(
        failure(
            sts.decode_authorization_message()
                .encoded_message("x")
                .send(),
        )
        .await
        .1,
        "AccessDenied"
    );
    // GetCallerIdentity still answers.
    assert_eq!(
        whoami(&server, fed.credentials().unwrap()).await.arn(),
        Some("arn:aws:sts::000000000000:federated-user/bob")
    );
}
