//! The ceiling for `benches/bench.sh`: the least a hyper 1.x HTTP/1.1 server can do per request.
//!
//! Same stack and settings as parlel-sts (tokio multi-thread runtime, hyper `http1`, keep-alive,
//! TCP_NODELAY, the mimalloc allocator), but every request gets the same fixed ~400-byte XML body
//! without reading the request body or doing any STS work. parlel-sts's throughput over this server's is the ratio
//! the benchmark reports.
//!
//! `cargo run --release --example ceiling -- 127.0.0.1:4800`

#![forbid(unsafe_code)]

use std::convert::Infallible;
use std::net::SocketAddr;

use bytes::Bytes;
use http_body_util::Full;
use hyper::body::Incoming;
use hyper::header::{CONTENT_TYPE, HeaderValue};
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Request, Response};
use hyper_util::rt::TokioIo;
use tokio::net::TcpListener;

/// The same allocator as parlel-sts (it makes no difference here: this server hardly allocates).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// A GetCallerIdentity-shaped answer, about 400 bytes.
const BODY: &str = concat!(
    "<GetCallerIdentityResponse xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\">\n",
    "  <GetCallerIdentityResult>\n",
    "    <Arn>arn:aws:iam::123456789012:user/ceiling-benchmark-user</Arn>\n",
    "    <UserId>AIDAQAAAAAAAAAAAAAAAA</UserId>\n",
    "    <Account>123456789012</Account>\n",
    "  </GetCallerIdentityResult>\n",
    "  <ResponseMetadata>\n",
    "    <RequestId>01234567-89ab-cdef-0123-456789abcdef</RequestId>\n",
    "  </ResponseMetadata>\n",
    "</GetCallerIdentityResponse>\n",
);

async fn answer(_request: Request<Incoming>) -> Result<Response<Full<Bytes>>, Infallible> {
    let mut response = Response::new(Full::new(Bytes::from_static(BODY.as_bytes())));
    response
        .headers_mut()
        .insert(CONTENT_TYPE, HeaderValue::from_static("text/xml"));
    Ok(response)
}

#[tokio::main]
async fn main() -> std::io::Result<()> {
    let addr: SocketAddr = match std::env::args().nth(1).map(|a| a.parse()) {
        Some(Ok(addr)) => addr,
        _ => {
            eprintln!("usage: ceiling ADDR:PORT");
            std::process::exit(2);
        }
    };
    let listener = TcpListener::bind(addr).await?;
    println!("ceiling ready on http://{}", listener.local_addr()?);
    let mut builder = http1::Builder::new();
    builder.keep_alive(true);
    loop {
        let (stream, _peer) = match listener.accept().await {
            Ok(accepted) => accepted,
            Err(error) => {
                eprintln!("ceiling: accept failed: {error}");
                continue;
            }
        };
        stream.set_nodelay(true)?;
        let connection = builder.serve_connection(TokioIo::new(stream), service_fn(answer));
        tokio::spawn(async move {
            let _ = connection.await;
        });
    }
}
