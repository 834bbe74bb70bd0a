//! Which path a request takes: an admin route (`/_parlel/*`) or the STS request path. The one
//! place that reads the URL's path to decide.

use std::convert::Infallible;

use http::{Request, Response};
use hyper::body::Incoming;

use super::app::App;
use super::body::Body;
use super::{admin, sts};

pub(super) async fn handle(
    app: &App,
    request: Request<Incoming>,
) -> Result<Response<Body>, Infallible> {
    if let Some(route) = request.uri().path().strip_prefix("/_parlel/") {
        let route = route.to_owned();
        return Ok(admin::handle(app, &route, request).await);
    }
    Ok(sts::answer(app, request).await)
}
