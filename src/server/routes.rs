//! Which path a request takes: an admin route (`/_parlel/*`) or the STS request path.
//! The one place that reads the URL's path to decide.

use std::convert::Infallible;
use std::time::SystemTime;

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
    let Some(route) = request.uri().path().strip_prefix("/_parlel/") else {
        return Ok(sts::answer(app, request).await);
    };
    let route = route.to_owned();
    let started = app.request_lines.map(|lines| (lines, SystemTime::now()));
    let method = request.method().clone();
    // Boxed: the admin routes' future is large, and held inline it would make every STS
    // request's future that big too, copied at each await on the way down.
    let response = Box::pin(admin::handle(app, &route, request)).await;
    if let Some((lines, started)) = started {
        let path = format!("/_parlel/{route}");
        let status = response.status().as_u16();
        request_log::line(lines, &method, &path, status, &Seen::default(), started);
    }
    Ok(response)
}
