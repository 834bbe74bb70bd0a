//! Starting the binary: the ready line says what makes a run reproducible, host names that
//! resolve to loopback are accepted, errors name the flag or variable a value came from, and a
//! browser gets a page at /_parlel/.

use crate::support::{Process, raw_at, refused};

#[tokio::test]
async fn the_ready_line_names_seed_and_clock() {
    let plain = Process::start(&[], &[]).await;
    assert!(
        plain.ready.trim_end().ends_with("(mode fake)"),
        "{}",
        plain.ready
    );
    let seeded = Process::start(
        &["--seed", "42"],
        &[("PARLEL_STS_CLOCK", "2030-01-01T00:00:00Z")],
    )
    .await;
    assert!(
        seeded
            .ready
            .trim_end()
            .ends_with("(mode fake, seed 42, clock 2030-01-01T00:00:00Z)"),
        "{}",
        seeded.ready
    );
}

#[tokio::test]
async fn localhost_is_a_listen_address() {
    let server = Process::start(&["--listen", "localhost:0"], &[]).await;
    assert!(
        server
            .ready
            .starts_with("parlel-sts ready on http://127.0.0.1:")
            || server
                .ready
                .starts_with("parlel-sts ready on http://[::1]:"),
        "{}",
        server.ready
    );
    assert_eq!(
        raw_at(server.addr(), "GET /_parlel/health HTTP/1.1", "")
            .await
            .status,
        200
    );
    let (code, stderr) = refused(&["--listen", "localhost"], &[]).await;
    assert_eq!(code, Some(2));
    assert!(
        stderr.contains("--listen (server.listen): \"localhost\" is not ADDR:PORT or HOST:PORT"),
        "{stderr}"
    );
}

#[tokio::test]
async fn errors_name_the_flag_or_the_variable_the_value_came_from() {
    let (code, stderr) = refused(&["--clock", "yesterday"], &[]).await;
    assert_eq!(code, Some(2));
    assert!(
        stderr.contains("--clock (fake.clock): \"yesterday\" is not an RFC 3339 time"),
        "{stderr}"
    );
    let (code, stderr) = refused(&[], &[("PARLEL_STS_ACCOUNT", "12")]).await;
    assert_eq!(code, Some(2));
    assert!(
        stderr.contains("PARLEL_STS_ACCOUNT (fake.account): must be a 12-digit account id"),
        "{stderr}"
    );
    // From the file, the key.
    let dir = std::env::temp_dir().join(format!("parlel-sts-startup-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("proxy.toml");
    std::fs::write(&file, "[fake]\nclock = \"yesterday\"\n").unwrap();
    let (code, stderr) = refused(&["--config", &file.to_string_lossy()], &[]).await;
    assert_eq!(code, Some(2));
    assert!(stderr.contains(": fake.clock: \"yesterday\""), "{stderr}");
    let _ = std::fs::remove_dir_all(dir);
}

#[tokio::test]
async fn a_browser_gets_a_page_at_the_admin_root() {
    let server = Process::start(&[], &[]).await;
    {
        let page = raw_at(server.addr(), "GET /_parlel/ HTTP/1.1", "").await;
        assert_eq!(page.status, 200);
        assert_eq!(
            page.header("content-type").as_deref(),
            Some("text/html; charset=utf-8")
        );
        assert!(page.body.contains("<b>fake</b> mode"), "{}", page.body);
        assert!(
            page.body.contains("href=\"/_parlel/health\""),
            "{}",
            page.body
        );
    }
    // The STS root still redirects, as real STS does, and so does any other path (STS answers
    // under any path prefix, `/_parlel` without its slash too).
    for path in ["/", "/_parlel"] {
        let root = raw_at(server.addr(), &format!("GET {path} HTTP/1.1"), "").await;
        assert_eq!(root.status, 302, "{path}");
    }
}
