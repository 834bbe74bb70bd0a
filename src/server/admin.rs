//! The `/_parlel/*` admin routes, JSON in and out, and `GET /_parlel/`, a short page for a browser:
//! - `GET /_parlel/health`: `{"status":"ok","service":"sts","mode":..,"live_sessions":..,..}`, and
//!   in record mode `"record":{"upstream":..,"store":..,"cassette":..,"interactions_recorded":..}`
//! - `POST /_parlel/reset`: forget every issued session -> `{"ok":true}`
//! - `GET /_parlel/clock`, `POST /_parlel/clock` with `{"set":"RFC3339"}` (pin),
//!   `{"advance_seconds":N}` or `{"release":true}` (back to the system clock).
//! - `GET /_parlel/replay` (replay mode): per cassette, hits, misses with their closest recording
//!   and what differs, and the recordings no request used.
//! - `GET /_parlel/oidc/{account}/.well-known/openid-configuration` and `.../jwks.json`: the OIDC
//!   issuer of GetWebIdentityToken's tokens (discovery document and public keys).
//! - `POST /_parlel/trade-in-token` with `{"principal_arn":..,"session_name"?,"duration_seconds"?,
//!   "expires_in_seconds"? | "expires"?}` -> `{"trade_in_token":..,"expires":..}` for
//!   GetDelegatedAccessToken.
//! - `POST /_parlel/authorization-message` with `{"action":..,"resource":..,..}` ->
//!   `{"encoded_message":..}`, which DecodeAuthorizationMessage decodes.

use http::{HeaderValue, Method, Request, Response, StatusCode, header};
use http_body_util::{BodyExt, Full, Limited};
use hyper::body::Incoming;
use serde::Deserialize;
use serde::de::DeserializeOwned;
use serde_json::json;

use super::app::App;
use super::body::Body;
use crate::fake::{AuthorizationRequest, TradeInGrant};
use crate::timestamp::{iso8601_seconds, parse_rfc3339_ms};

/// Admin bodies are tiny; anything bigger is a mistake.
const ADMIN_BODY_LIMIT: usize = 64 * 1024;

pub(crate) async fn handle(app: &App, route: &str, request: Request<Incoming>) -> Response<Body> {
    match (request.method(), route) {
        (&Method::GET, "") => index(app),
        (&Method::GET, "health") => json_response(StatusCode::OK, &health(app)),
        (&Method::POST, "reset") => {
            app.fake.reset();
            json_response(StatusCode::OK, &json!({"ok": true}))
        }
        (&Method::GET, "clock") => json_response(StatusCode::OK, &clock_state(app)),
        (&Method::GET, "replay") => match app.backend.replay_report() {
            Some(report) => json_response(StatusCode::OK, &report.json),
            None => json_error(StatusCode::NOT_FOUND, "not in replay mode"),
        },
        (&Method::POST, "clock") => set_clock(app, request).await,
        (&Method::POST, "authorization-message") => encode_message(app, request).await,
        (&Method::POST, "trade-in-token") => trade_in_token(app, request).await,
        (&Method::GET, oidc) if oidc.starts_with("oidc/") => oidc_document(app, oidc, &request),
        (
            _,
            ""
            | "health"
            | "reset"
            | "clock"
            | "replay"
            | "authorization-message"
            | "trade-in-token",
        ) => json_error(
            StatusCode::METHOD_NOT_ALLOWED,
            "method not allowed on this route",
        ),
        _ => json_error(StatusCode::NOT_FOUND, "no such admin route"),
    }
}

/// What this is, for a person who opened the endpoint in a browser.
fn index(app: &App) -> Response<Body> {
    let page = format!(
        "<!doctype html>\n<html><head><meta charset=\"utf-8\"><title>parlel-sts</title></head><body>\n\
         <h1>parlel-sts {version}</h1>\n\
         <p>A wire-faithful fake of AWS STS (API 2011-06-15), here in <b>{mode}</b> mode for account \
         {account}. Point an SDK or the aws CLI at this address (<code>AWS_ENDPOINT_URL_STS</code>); \
         a request without an Action is redirected to aws.amazon.com, as real STS does.</p>\n\
         <ul>\n<li><a href=\"/_parlel/health\">/_parlel/health</a>: mode, account, live sessions</li>\n\
         <li><a href=\"/_parlel/clock\">/_parlel/clock</a>: the fake's clock</li>\n\
         <li>Admin routes, configuration and the rest: README.md, section \"Admin endpoints\"</li>\n</ul>\n\
         </body></html>\n",
        version = env!("CARGO_PKG_VERSION"),
        mode = app.backend.mode().as_str(),
        account = app.fake.account(),
    );
    let mut response = Response::new(Full::new(page.into()));
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/html; charset=utf-8"),
    );
    response
}

fn health(app: &App) -> serde_json::Value {
    let fake = &app.fake;
    let mut health = json!({
        "status": "ok",
        "service": "sts",
        "mode": app.backend.mode().as_str(),
        "auth": app.auth.as_str(),
        "live_sessions": fake.live_sessions(),
        "account": fake.account(),
        "version": env!("CARGO_PKG_VERSION"),
    });
    if let Some(run) = app.backend.recording() {
        health["record"] = json!({
            "upstream": run.upstream,
            "store": run.store,
            "cassette": run.cassette,
            "interactions_recorded": run.recorded,
        });
    }
    health
}

fn clock_state(app: &App) -> serde_json::Value {
    let clock = app.fake.clock();
    json!({"now": iso8601_seconds(clock.now()), "frozen": clock.is_frozen()})
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ClockChange {
    set: Option<String>,
    advance_seconds: Option<i64>,
    #[serde(default)]
    release: bool,
}

/// `oidc/{account}/.well-known/openid-configuration` or `.../jwks.json`.
fn oidc_document(app: &App, route: &str, request: &Request<Incoming>) -> Response<Body> {
    let parts: Vec<&str> = route.split('/').collect();
    let ["oidc", account, ".well-known", document] = parts[..] else {
        return json_error(StatusCode::NOT_FOUND, "no such admin route");
    };
    let fake = &app.fake;
    match document {
        "jwks.json" => json_response(StatusCode::OK, &fake.jwks()),
        "openid-configuration" => {
            let host = request
                .headers()
                .get(header::HOST)
                .and_then(|v| v.to_str().ok());
            let issuer = fake.issuer(account, host);
            json_response(
                StatusCode::OK,
                &json!({
                    "issuer": issuer,
                    "jwks_uri": format!("{issuer}/.well-known/jwks.json"),
                    "response_types_supported": ["id_token"],
                    "subject_types_supported": ["public"],
                    "id_token_signing_alg_values_supported": ["RS256", "ES384"],
                    "claims_supported": ["iss", "aud", "sub", "iat", "exp", "jti", "https://sts.amazonaws.com/"],
                }),
            )
        }
        _ => json_error(StatusCode::NOT_FOUND, "no such admin route"),
    }
}

/// The JSON body of an admin request, or the error response to send instead.
async fn read_json<T: DeserializeOwned>(
    request: Request<Incoming>,
    what: &str,
) -> Result<T, Response<Body>> {
    let Ok(body) = Limited::new(request.into_body(), ADMIN_BODY_LIMIT)
        .collect()
        .await
    else {
        return Err(json_error(
            StatusCode::BAD_REQUEST,
            "body too large or unreadable",
        ));
    };
    serde_json::from_slice(&body.to_bytes())
        .map_err(|e| json_error(StatusCode::BAD_REQUEST, &format!("bad {what} request: {e}")))
}

async fn trade_in_token(app: &App, request: Request<Incoming>) -> Response<Body> {
    let grant: TradeInGrant = match read_json(request, "trade-in-token").await {
        Ok(grant) => grant,
        Err(response) => return response,
    };
    match app.fake.issue_trade_in_token(&grant) {
        Ok((token, expires)) => json_response(
            StatusCode::OK,
            &json!({"trade_in_token": token, "expires": iso8601_seconds(expires)}),
        ),
        Err(e) => json_error(StatusCode::BAD_REQUEST, &e),
    }
}

async fn encode_message(app: &App, request: Request<Incoming>) -> Response<Body> {
    let message: AuthorizationRequest = match read_json(request, "authorization-message").await {
        Ok(message) => message,
        Err(response) => return response,
    };
    match app.fake.encode_authorization_message(&message) {
        Ok(encoded) => json_response(StatusCode::OK, &json!({"encoded_message": encoded})),
        Err(e) => json_error(StatusCode::BAD_REQUEST, &e),
    }
}

async fn set_clock(app: &App, request: Request<Incoming>) -> Response<Body> {
    let change: ClockChange = match read_json(request, "clock").await {
        Ok(change) => change,
        Err(response) => return response,
    };
    let clock = app.fake.clock();
    if change.release {
        clock.release();
    }
    if let Some(text) = change.set {
        match parse_rfc3339_ms(&text) {
            Ok(ms) => clock.pin(ms),
            Err(e) => {
                return json_error(
                    StatusCode::BAD_REQUEST,
                    &format!("set: {text:?} is not RFC 3339: {e}"),
                );
            }
        }
    }
    if let Some(seconds) = change.advance_seconds {
        clock.advance(seconds.saturating_mul(1000));
    }
    json_response(StatusCode::OK, &clock_state(app))
}

fn json_response(status: StatusCode, value: &serde_json::Value) -> Response<Body> {
    let body = serde_json::to_vec(value).unwrap_or_default();
    let mut response = Response::new(Full::new(body.into()));
    *response.status_mut() = status;
    response.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("application/json"),
    );
    response
}

fn json_error(status: StatusCode, message: &str) -> Response<Body> {
    json_response(status, &json!({"ok": false, "error": message}))
}
