//! Record mode over TLS to an upstream whose certificate no public root signed: refused by
//! default (a 502 that says why), accepted with `record.upstream_ca` (`--upstream-ca FILE`).
//! The upstream is a strict parlel-sts behind a local rustls terminator with a generated
//! certificate for 127.0.0.1.

use std::sync::Arc;

use rustls_pki_types::{CertificateDer, PrivateKeyDer, PrivatePkcs8KeyDer};
use tokio::net::{TcpListener, TcpStream};

use crate::record_support::{cassettes, developer, recorder, recorder_process, strict_upstream};
use crate::support::failure;

/// TLS on a local port, in front of `plain` (`127.0.0.1:PORT`); its certificate as PEM.
async fn tls_in_front_of(plain: String) -> (String, String) {
    let certified = rcgen::generate_simple_self_signed(vec!["127.0.0.1".to_owned()]).unwrap();
    let pem = certified.cert.pem();
    let chain = vec![CertificateDer::from(certified.cert.der().to_vec())];
    let key = PrivateKeyDer::Pkcs8(PrivatePkcs8KeyDer::from(
        certified.signing_key.serialize_der(),
    ));
    let config = rustls::ServerConfig::builder_with_provider(Arc::new(
        rustls::crypto::ring::default_provider(),
    ))
    .with_safe_default_protocol_versions()
    .unwrap()
    .with_no_client_auth()
    .with_single_cert(chain, key)
    .unwrap();
    let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(config));
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap().to_string();
    tokio::spawn(async move {
        while let Ok((socket, _)) = listener.accept().await {
            let acceptor = acceptor.clone();
            let plain = plain.clone();
            tokio::spawn(async move {
                let Ok(mut tls) = acceptor.accept(socket).await else {
                    return;
                };
                let Ok(mut upstream) = TcpStream::connect(&plain).await else {
                    return;
                };
                let _ = tokio::io::copy_bidirectional(&mut tls, &mut upstream).await;
            });
        }
    });
    (format!("https://{address}"), pem)
}

#[tokio::test]
async fn an_unknown_certificate_is_refused_unless_its_ca_is_given() {
    let up = strict_upstream().await;
    let (https, pem) = tls_in_front_of(up.local_addr().to_string()).await;
    let dir = cassettes("tls");
    std::fs::create_dir_all(&dir).unwrap();

    let refusing = recorder(&https, &dir.join("a"), |_| {}).await;
    let (status, code, message) =
        failure(developer(&refusing.endpoint()).get_caller_identity().send()).await;
    assert_eq!((status, code.as_str()), (502, "UpstreamUnavailable"));
    assert!(message.contains("is unavailable"), "{message}");
    assert!(
        message.to_ascii_lowercase().contains("certificate"),
        "{message}"
    );

    let ca = dir.join("ca.pem");
    std::fs::write(&ca, pem).unwrap();
    let trusting = recorder(&https, &dir.join("b"), |c| c.record.upstream_ca = Some(ca)).await;
    let me = developer(&trusting.endpoint())
        .get_caller_identity()
        .send()
        .await
        .expect("through TLS with the CA given");
    assert_eq!(me.arn(), Some("arn:aws:iam::123456789012:user/recorder"));
    std::fs::remove_dir_all(&dir).unwrap();
}

/// A CONNECT proxy on a local port; `seen` keeps each CONNECT line it got.
async fn connect_proxy() -> (String, Arc<std::sync::Mutex<Vec<String>>>) {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}", listener.local_addr().unwrap());
    let seen = Arc::new(std::sync::Mutex::new(Vec::new()));
    let kept = seen.clone();
    tokio::spawn(async move {
        while let Ok((mut client, _)) = listener.accept().await {
            let kept = kept.clone();
            tokio::spawn(async move {
                let mut head = Vec::new();
                let mut byte = [0u8; 1];
                while !head.ends_with(b"\r\n\r\n") {
                    if client.read(&mut byte).await.unwrap_or(0) == 0 {
                        return;
                    }
                    head.push(byte[0]);
                }
                let head = String::from_utf8_lossy(&head).into_owned();
                let line = head.lines().next().unwrap_or_default().to_owned();
                kept.lock().unwrap().push(line.clone());
                let Some(target) = line
                    .strip_prefix("CONNECT ")
                    .and_then(|r| r.split(' ').next())
                else {
                    return;
                };
                let Ok(mut upstream) = TcpStream::connect(target).await else {
                    return;
                };
                if client
                    .write_all(b"HTTP/1.1 200 Connection established\r\n\r\n")
                    .await
                    .is_err()
                {
                    return;
                }
                let _ = tokio::io::copy_bidirectional(&mut client, &mut upstream).await;
            });
        }
    });
    (url, seen)
}

/// Through the binary, so that the proxy variables are its own: HTTPS_PROXY carries the TLS
/// connection (a CONNECT tunnel), and NO_PROXY takes a host out of it.
#[tokio::test]
async fn https_proxy_tunnels_the_upstream_and_no_proxy_bypasses_it() {
    let up = strict_upstream().await;
    let (https, pem) = tls_in_front_of(up.local_addr().to_string()).await;
    let (proxy, seen) = connect_proxy().await;
    let dir = cassettes("proxy");
    std::fs::create_dir_all(&dir).unwrap();
    let ca = dir.join("ca.pem");
    std::fs::write(&ca, pem).unwrap();
    let ca = ca.to_string_lossy().into_owned();
    for (no_proxy, tunnelled) in [("", true), ("127.0.0.1", false)] {
        seen.lock().unwrap().clear();
        let env = [
            ("HTTPS_PROXY", proxy.as_str()),
            ("https_proxy", ""),
            ("ALL_PROXY", ""),
            ("NO_PROXY", no_proxy),
            ("no_proxy", ""),
        ];
        let process = recorder_process(&https, &dir, &["--upstream-ca", &ca], &env).await;
        let me = developer(&process.endpoint)
            .get_caller_identity()
            .send()
            .await
            .expect("recorded through the proxy or around it");
        assert_eq!(me.arn(), Some("arn:aws:iam::123456789012:user/recorder"));
        let lines = seen.lock().unwrap().clone();
        let host = https.trim_start_matches("https://");
        if tunnelled {
            assert_eq!(lines, [format!("CONNECT {host} HTTP/1.1")]);
        } else {
            assert!(lines.is_empty(), "{lines:?}");
        }
        process.stop().await;
    }
    std::fs::remove_dir_all(&dir).unwrap();
}
