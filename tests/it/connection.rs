//! A connection's life in raw HTTP/1.1: keep-alive while requests come, closed when quiet for the
//! header-read timeout, and graceful shutdown with its grace period.

use std::time::{Duration, Instant};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use crate::support::*;

fn keep_alive_request() -> String {
    format!(
        "POST / HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\nAuthorization: {SIGV4}\r\nContent-Length: {}\r\n\r\n{GCI}",
        GCI.len()
    )
}

/// Reads one response (head and `Content-Length` body) off a keep-alive connection.
async fn read_response(stream: &mut TcpStream) -> String {
    let mut bytes = Vec::new();
    let mut byte = [0u8; 1];
    while !bytes.ends_with(b"\r\n\r\n") {
        let n = stream.read(&mut byte).await.expect("read head");
        assert_eq!(n, 1, "closed mid-head: {}", String::from_utf8_lossy(&bytes));
        bytes.push(byte[0]);
    }
    let head = String::from_utf8(bytes).expect("utf-8 head");
    let length: usize = head
        .lines()
        .find_map(|l| {
            let (name, value) = l.split_once(':')?;
            name.eq_ignore_ascii_case("content-length")
                .then(|| value.trim().parse().ok())?
        })
        .expect("content-length");
    let mut body = vec![0u8; length];
    stream.read_exact(&mut body).await.expect("read body");
    head + &String::from_utf8(body).expect("utf-8 body")
}

/// Waits for the server to close `stream` and says how long that took.
async fn closed_after(stream: &mut TcpStream) -> Duration {
    let started = Instant::now();
    let mut rest = Vec::new();
    tokio::time::timeout(Duration::from_secs(5), stream.read_to_end(&mut rest))
        .await
        .expect("closed by the server")
        .expect("read to the end");
    assert!(rest.is_empty(), "{}", String::from_utf8_lossy(&rest));
    started.elapsed()
}

#[tokio::test]
async fn a_connection_in_use_outlives_the_header_timeout_and_closes_when_quiet() {
    let server = start_with(|c| c.server.header_read_timeout_ms = 300).await;
    let mut stream = TcpStream::connect(server.local_addr()).await.unwrap();
    // Requests 100 ms apart for a second: more than three timeouts on one connection.
    for _ in 0..10 {
        stream
            .write_all(keep_alive_request().as_bytes())
            .await
            .unwrap();
        let response = read_response(&mut stream).await;
        assert!(response.starts_with("HTTP/1.1 200"), "{response}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    // Then quiet: closed between one and one and a quarter timeouts after the last answer (the
    // 100 ms slept above count), with some slack for a loaded machine.
    let waited = closed_after(&mut stream).await + Duration::from_millis(100);
    assert!(waited >= Duration::from_millis(300), "{waited:?}");
    assert!(waited < Duration::from_millis(375 + 300), "{waited:?}");
}

#[tokio::test]
async fn a_slow_request_head_is_cut_off_after_the_timeout_not_before() {
    let server = start_with(|c| c.server.header_read_timeout_ms = 300).await;
    let mut stream = TcpStream::connect(server.local_addr()).await.unwrap();
    // A byte every 50 ms is traffic, but no request head ever completes.
    let trickle = async {
        for byte in b"POST / HTTP/1.1\r\nX-Slow: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa" {
            if stream.write_all(&[*byte]).await.is_err() {
                break;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    };
    let started = Instant::now();
    trickle.await;
    let mut rest = Vec::new();
    let _ = tokio::time::timeout(Duration::from_secs(5), stream.read_to_end(&mut rest)).await;
    let waited = started.elapsed();
    assert!(rest.is_empty(), "{}", String::from_utf8_lossy(&rest));
    assert!(waited >= Duration::from_millis(300), "{waited:?}");
    assert!(waited < Duration::from_millis(375 + 300), "{waited:?}");
}

#[tokio::test]
async fn shutdown_finishes_the_request_in_flight_and_closes_idle_connections() {
    let server = start().await;
    let mut idle = TcpStream::connect(server.local_addr()).await.unwrap();
    idle.write_all(keep_alive_request().as_bytes())
        .await
        .unwrap();
    assert!(read_response(&mut idle).await.starts_with("HTTP/1.1 200"));
    // A request whose body is half there when shutdown begins.
    let mut busy = TcpStream::connect(server.local_addr()).await.unwrap();
    let request = keep_alive_request();
    let (first, rest) = request.split_at(request.len() - 10);
    busy.write_all(first.as_bytes()).await.unwrap();
    tokio::time::sleep(Duration::from_millis(100)).await;
    let shutdown = tokio::spawn(server.shutdown());
    tokio::time::sleep(Duration::from_millis(100)).await;
    closed_after(&mut idle).await;
    busy.write_all(rest.as_bytes()).await.unwrap();
    let response = read_response(&mut busy).await;
    assert!(response.starts_with("HTTP/1.1 200"), "{response}");
    assert!(response.contains("<Account>"), "{response}");
    closed_after(&mut busy).await;
    tokio::time::timeout(Duration::from_secs(5), shutdown)
        .await
        .expect("shutdown returns once every connection is closed")
        .unwrap();
}

#[tokio::test]
async fn shutdown_drops_a_stalled_request_when_the_grace_period_is_over() {
    let server = start_with(|c| c.server.shutdown_grace_ms = 300).await;
    let mut stalled = TcpStream::connect(server.local_addr()).await.unwrap();
    let request = keep_alive_request();
    stalled
        .write_all(&request.as_bytes()[..request.len() - 10])
        .await
        .unwrap();
    tokio::time::sleep(Duration::from_millis(100)).await;
    let started = Instant::now();
    tokio::time::timeout(Duration::from_secs(5), server.shutdown())
        .await
        .expect("shutdown is bounded by the grace period");
    let took = started.elapsed();
    assert!(took >= Duration::from_millis(300), "{took:?}");
    closed_after(&mut stalled).await;
}

// On two worker threads: the connection task may move between threads as it is woken.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn bodies_arriving_in_pieces_are_answered_and_the_connection_stays_usable() {
    let server = start().await;
    let mut stream = TcpStream::connect(server.local_addr()).await.unwrap();
    let pause = || tokio::time::sleep(Duration::from_millis(30));
    // A Content-Length body in three writes, the head apart from it.
    let request = keep_alive_request();
    let (head, body) = request.split_at(request.len() - GCI.len());
    stream.write_all(head.as_bytes()).await.unwrap();
    for piece in [&body[..5], &body[5..20], &body[20..]] {
        pause().await;
        stream.write_all(piece.as_bytes()).await.unwrap();
    }
    let answered = tokio::time::timeout(Duration::from_secs(5), read_response(&mut stream));
    let response = answered.await.expect("answered");
    assert!(response.starts_with("HTTP/1.1 200"), "{response}");
    // A chunked body in two chunks, on the same connection.
    let chunked = format!(
        "POST / HTTP/1.1\r\nHost: x\r\nContent-Type: application/x-www-form-urlencoded\r\nAuthorization: {SIGV4}\r\nTransfer-Encoding: chunked\r\n\r\n"
    );
    stream.write_all(chunked.as_bytes()).await.unwrap();
    let (a, b) = GCI.split_at(10);
    for chunk in [a, b] {
        pause().await;
        let framed = format!("{:x}\r\n{chunk}\r\n", chunk.len());
        stream.write_all(framed.as_bytes()).await.unwrap();
    }
    pause().await;
    stream.write_all(b"0\r\n\r\n").await.unwrap();
    let answered = tokio::time::timeout(Duration::from_secs(5), read_response(&mut stream));
    let response = answered.await.expect("answered");
    assert!(response.starts_with("HTTP/1.1 200"), "{response}");
    assert!(response.contains("<Account>"), "{response}");
    // Several chunks in one write: hyper holds one at a time for the service, so taking each
    // must wake hyper to hand over the next (no more bytes arrive to wake it otherwise).
    let mut all_at_once = chunked.clone();
    for chunk in [&GCI[..7], &GCI[7..19], &GCI[19..]] {
        all_at_once.push_str(&format!("{:x}\r\n{chunk}\r\n", chunk.len()));
    }
    all_at_once.push_str("0\r\n\r\n");
    stream.write_all(all_at_once.as_bytes()).await.unwrap();
    let answered = tokio::time::timeout(Duration::from_secs(5), read_response(&mut stream));
    let response = answered.await.expect("answered");
    assert!(response.starts_with("HTTP/1.1 200"), "{response}");
    // And a request in one piece after both.
    stream
        .write_all(keep_alive_request().as_bytes())
        .await
        .unwrap();
    let answered = tokio::time::timeout(Duration::from_secs(5), read_response(&mut stream));
    assert!(
        answered
            .await
            .expect("answered")
            .starts_with("HTTP/1.1 200")
    );
}
