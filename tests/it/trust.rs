//! The README's permissive/strict table, row by row: what permissive mode takes on trust, strict
//! mode refuses with AWS's error. Each test runs the same input against both modes.

use parlel_sts::Server;
use parlel_sts::wire::sigv4::AuthMode;

use crate::support::*;

const DEFAULT_PRINCIPAL: &str = "arn:aws:iam::000000000000:user/parlel";

async fn server(auth: AuthMode) -> Server {
    start_with(|c| c.server.auth = auth).await
}

/// The built-in key, which both modes know (strict mode verifies its secret, `parlel`).
fn builtin(server: &Server) -> aws_sdk_sts::Client {
    client_at(
        &server.endpoint(),
        aws_sdk_sts::config::Credentials::new("parlel", "parlel", None, None, "test"),
    )
}

fn invalid_client_token() -> (u16, String, String) {
    sts_error(
        403,
        "InvalidClientTokenId",
        "The security token included in the request is invalid.",
    )
}

#[tokio::test]
async fn an_unknown_long_term_key() {
    let permissive = server(AuthMode::Permissive).await;
    let me = client(&permissive, "AKIAQAAAAAAAUNKNOWN1")
        .get_caller_identity()
        .send()
        .await
        .expect("permissive: the default principal");
    assert_eq!(me.arn(), Some(DEFAULT_PRINCIPAL));
    let strict = server(AuthMode::Strict).await;
    let sent = client(&strict, "AKIAQAAAAAAAUNKNOWN1")
        .get_caller_identity()
        .send();
    assert_eq!(failure(sent).await, invalid_client_token());
}

#[tokio::test]
async fn a_temporary_key_of_another_server() {
    let other = start_with(|c| c.fake.seed = Some(7)).await;
    let out = builtin(&other)
        .get_session_token()
        .send()
        .await
        .expect("a session elsewhere");
    let foreign = out.credentials().unwrap();
    let permissive = server(AuthMode::Permissive).await;
    let me = session_client(&permissive, foreign)
        .get_caller_identity()
        .send()
        .await
        .expect("permissive: the default principal");
    assert_eq!(me.arn(), Some(DEFAULT_PRINCIPAL));
    let strict = server(AuthMode::Strict).await;
    let sent = session_client(&strict, foreign)
        .get_caller_identity()
        .send();
    assert_eq!(failure(sent).await, invalid_client_token());
}

#[tokio::test]
async fn a_trade_in_token_this_server_never_issued() {
    let permissive = server(AuthMode::Permissive).await;
    let out = builtin(&permissive)
        .get_delegated_access_token()
        .trade_in_token("never-issued")
        .send()
        .await
        .expect("permissive: the default principal's credentials");
    assert_eq!(out.assumed_principal(), Some(DEFAULT_PRINCIPAL));
    let me = whoami(&permissive, out.credentials().unwrap()).await;
    assert_eq!(me.arn(), Some(DEFAULT_PRINCIPAL));
    let strict = server(AuthMode::Strict).await;
    let sent = builtin(&strict)
        .get_delegated_access_token()
        .trade_in_token("never-issued")
        .send();
    assert_eq!(
        failure(sent).await,
        sts_error(
            400,
            "ExpiredTradeInTokenException",
            "The trade-in token provided in the request has expired and can no longer be exchanged for credentials.",
        )
    );
}

#[tokio::test]
async fn a_web_identity_token_of_an_undeclared_issuer() {
    use crate::web_identity::{GITHUB, claims, token};
    let permissive = server(AuthMode::Permissive).await;
    let jwt = token(&claims(&permissive));
    crate::web_identity::assume(&permissive, &jwt)
        .await
        .expect("permissive: trusted unverified");
    let strict = server(AuthMode::Strict).await;
    let jwt = token(&claims(&strict));
    assert_eq!(
        crate::web_identity::assume(&strict, &jwt)
            .await
            .unwrap_err(),
        sts_error(
            400,
            "InvalidIdentityToken",
            &format!("No OpenIDConnect provider found in your account for {GITHUB}"),
        )
    );
}

/// Strict mode still knows one issuer without a declaration: its own (GetWebIdentityToken's
/// keys), whatever host the token names; a token of its own with a broken signature is refused.
#[tokio::test]
async fn strict_mode_verifies_the_fakes_own_web_identity_tokens() {
    let strict = server(AuthMode::Strict).await;
    let minted = builtin(&strict)
        .get_web_identity_token()
        .audience("sts.amazonaws.com")
        .signing_algorithm("RS256")
        .send()
        .await
        .expect("GetWebIdentityToken");
    let jwt = minted.web_identity_token().unwrap();
    crate::web_identity::assume(&strict, jwt)
        .await
        .expect("the fake's own token");
    let (head, signature) = jwt.rsplit_once('.').unwrap();
    let flipped = if signature.starts_with('A') { 'B' } else { 'A' };
    let tampered = format!("{head}.{flipped}{}", &signature[1..]);
    assert_eq!(
        crate::web_identity::assume(&strict, &tampered)
            .await
            .unwrap_err(),
        sts_error(400, "InvalidIdentityToken", "Signature validation failed")
    );
}

#[tokio::test]
async fn an_unsigned_saml_response() {
    use crate::saml::{Assertion, assume};
    let permissive = server(AuthMode::Permissive).await;
    assume(&permissive, &Assertion::new(&permissive).encode())
        .await
        .expect("permissive: read unverified");
    let strict = server(AuthMode::Strict).await;
    assert_eq!(
        assume(&strict, &Assertion::new(&strict).encode())
            .await
            .unwrap_err(),
        sts_error(400, "InvalidIdentityToken", "Response signature invalid")
    );
    let mut signed = Assertion::new(&strict);
    signed.signed = true;
    assume(&strict, &signed.encode())
        .await
        .expect("strict: a signed response (the signature itself is not checked)");
}
