//! Which path a request takes: an admin route (`/_parlel`, `/_parlel/*`) or the STS request path.
//! The one place that reads the URL's path to decide.

use std::convert::Infallible;
use std::time::Instant;

use http::{Request, Response};
use hyper::body::Incoming;

use super::app::App;
use super::body::Body;
use super::request_log::{self, Seen};
use super::{admin, sts};

pub(super) async fn handle(
    app: &App,
    request: Request<Incoming>,
) -> Result<Response<Body>, Infallible> {
    let path = request.uri().path();
    let route = match path.strip_prefix("/_parlel") {
        Some("") => Some(String::new()),
        Some(rest) => rest.strip_prefix('/').map(str::to_owned),
        None => None,
    };
    let Some(route) = route else {
        return Ok(sts::answer(app, request).await);
    };
    let started = app.log_requests.then(Instant::now);
    let method = request.method().clone();
    let response = admin::handle(app, &route, request).await;
    if let Some(started) = started {
        let path = format!("/_parlel/{route}");
        let status = response.status().as_u16();
        request_log::line(&method, &path, status, &Seen::default(), started);
    }
    Ok(response)
}
