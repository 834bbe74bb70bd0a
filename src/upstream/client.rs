//! The one HTTP client to the upstream, built at start-up: hyper-util's pooled client (HTTP/1.1,
//! keep-alive) over hyper-rustls, rustls on the ring provider (passed explicitly) with Mozilla's
//! roots compiled in, plus the certificates of `record.upstream_ca`, through `HTTPS_PROXY` where
//! the environment says (`proxy`). A plain `http://` upstream is allowed (tests, a local STS). Each exchange has a deadline; the answer's body is bounded.

use std::path::Path;
use std::sync::Arc;
use std::time::Duration;

use bytes::Bytes;
use http::{HeaderMap, Request};
use http_body_util::{BodyExt, Full, Limited};
use hyper_rustls::HttpsConnector;
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;

use super::proxy::ProxyConnector;
use rustls_pki_types::CertificateDer;
use rustls_pki_types::pem::PemObject;

/// The largest answer read from the upstream (STS answers are a few kilobytes).
const MAX_ANSWER_BYTES: usize = 1024 * 1024;

/// Why an exchange with the upstream gave no answer.
#[derive(Debug)]
pub enum HopError {
    /// Refused, reset, TLS refused, or an answer that broke off.
    Unavailable(String),
    /// No complete answer within the deadline.
    TimedOut,
}

/// An upstream's answer: status, headers and body.
pub struct UpstreamAnswer {
    pub status: u16,
    pub headers: HeaderMap,
    pub body: Bytes,
}

pub struct UpstreamClient {
    client: Client<HttpsConnector<ProxyConnector>, Full<Bytes>>,
    timeout: Duration,
}

impl UpstreamClient {
    /// The client, trusting the public roots and the PEM certificates in `extra_ca` (if any).
    pub fn build(extra_ca: Option<&Path>, timeout: Duration) -> Result<UpstreamClient, String> {
        let mut roots = rustls::RootCertStore::empty();
        roots.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned());
        if let Some(path) = extra_ca {
            let certificates: Vec<CertificateDer<'static>> = CertificateDer::pem_file_iter(path)
                .map_err(|e| format!("cannot read {}: {e}", path.display()))?
                .collect::<Result<_, _>>()
                .map_err(|e| format!("{}: not PEM certificates: {e}", path.display()))?;
            if certificates.is_empty() {
                return Err(format!("{}: holds no certificate", path.display()));
            }
            for certificate in certificates {
                roots
                    .add(certificate)
                    .map_err(|e| format!("{}: {e}", path.display()))?;
            }
        }
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let tls = rustls::ClientConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .map_err(|e| format!("TLS: {e}"))?
            .with_root_certificates(roots)
            .with_no_client_auth();
        let mut http = HttpConnector::new();
        http.enforce_http(false);
        http.set_nodelay(true);
        http.set_connect_timeout(Some(timeout));
        let https = hyper_rustls::HttpsConnectorBuilder::new()
            .with_tls_config(tls)
            .https_or_http()
            .enable_http1()
            .wrap_connector(ProxyConnector::from_env(http));
        let client = Client::builder(TokioExecutor::new())
            .pool_idle_timeout(Duration::from_secs(30))
            .build(https);
        Ok(UpstreamClient { client, timeout })
    }

    /// Sends `request` and reads the whole answer, within the deadline.
    pub async fn send(&self, request: Request<Full<Bytes>>) -> Result<UpstreamAnswer, HopError> {
        let exchange = async {
            let response = self
                .client
                .request(request)
                .await
                .map_err(|e| HopError::Unavailable(describe(&e)))?;
            let (parts, body) = response.into_parts();
            let body = Limited::new(body, MAX_ANSWER_BYTES)
                .collect()
                .await
                .map_err(|e| HopError::Unavailable(format!("the answer broke off: {e}")))?
                .to_bytes();
            Ok(UpstreamAnswer {
                status: parts.status.as_u16(),
                headers: parts.headers,
                body,
            })
        };
        tokio::time::timeout(self.timeout, exchange)
            .await
            .unwrap_or(Err(HopError::TimedOut))
    }
}

/// An error and its causes, one line (hyper-util's own message is only "client error (Connect)").
fn describe(error: &(dyn std::error::Error + 'static)) -> String {
    let mut text = error.to_string();
    let mut source = error.source();
    while let Some(cause) = source {
        text.push_str(": ");
        text.push_str(&cause.to_string());
        source = cause.source();
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_upstream_ca_file_must_hold_certificates() {
        let timeout = Duration::from_secs(1);
        assert!(UpstreamClient::build(None, timeout).is_ok());
        let missing = UpstreamClient::build(Some(Path::new("/nonexistent/ca.pem")), timeout);
        assert!(
            missing
                .err()
                .is_some_and(|e| e.starts_with("cannot read /nonexistent/ca.pem"))
        );
        let empty =
            std::env::temp_dir().join(format!("parlel-empty-ca-{}.pem", std::process::id()));
        std::fs::write(&empty, "not a certificate\n").unwrap();
        let none = UpstreamClient::build(Some(&empty), timeout)
            .err()
            .unwrap_or_default();
        assert!(none.ends_with("holds no certificate"), "{none}");
        std::fs::remove_file(&empty).unwrap();
    }
}
