//! The upstream's connections, direct or through a corporate proxy: `HTTPS_PROXY` (or
//! `ALL_PROXY`) and `NO_PROXY`, read once at start-up by hyper-util's matcher; an `https://`
//! upstream it intercepts is reached through the proxy's CONNECT tunnel (hyper-util's `Tunnel`,
//! with the proxy URL's credentials as basic auth), anything else directly. TLS runs inside the
//! tunnel, end to end with the upstream.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use http::Uri;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::client::legacy::connect::proxy::Tunnel;
use hyper_util::client::proxy::matcher::Matcher;
use hyper_util::rt::TokioIo;
use tokio::net::TcpStream;

type BoxError = Box<dyn std::error::Error + Send + Sync>;

#[derive(Clone)]
pub struct ProxyConnector {
    http: HttpConnector,
    matcher: Arc<Matcher>,
}

impl ProxyConnector {
    /// Direct connections by `http`, tunnelled where the environment's proxy settings say.
    pub fn from_env(http: HttpConnector) -> ProxyConnector {
        ProxyConnector {
            http,
            matcher: Arc::new(Matcher::from_env()),
        }
    }
}

impl tower_service::Service<Uri> for ProxyConnector {
    type Response = TokioIo<TcpStream>;
    type Error = BoxError;
    type Future = Pin<Box<dyn Future<Output = Result<Self::Response, BoxError>> + Send>>;

    fn poll_ready(&mut self, _: &mut Context<'_>) -> Poll<Result<(), BoxError>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, destination: Uri) -> Self::Future {
        let tunnel = (destination.scheme_str() == Some("https"))
            .then(|| self.matcher.intercept(&destination))
            .flatten()
            .map(|intercept| {
                let tunnel = Tunnel::new(intercept.uri().clone(), self.http.clone());
                match intercept.basic_auth() {
                    Some(auth) => tunnel.with_auth(auth.clone()),
                    None => tunnel,
                }
            });
        let mut http = self.http.clone();
        Box::pin(async move {
            match tunnel {
                Some(mut tunnel) => tower_service::Service::call(&mut tunnel, destination)
                    .await
                    .map_err(|e| Box::new(e) as BoxError),
                None => tower_service::Service::call(&mut http, destination)
                    .await
                    .map_err(|e| Box::new(e) as BoxError),
            }
        })
    }
}
