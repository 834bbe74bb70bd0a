//! Record mode against moto's server (`moto_server`, pip's `moto[server]`): a second upstream,
//! written independently of this project. moto accepts any signature but keeps the sessions it
//! issued, so a session handed out redacted must reach it as the real one to be recognised.

use std::time::Duration;

use aws_sdk_sts::config::Credentials;

use crate::record_support::{cassettes, developer, recorder};
use crate::support::{client_at, has, session_client, skip};

/// moto on a free port; killed when dropped.
struct Moto {
    child: std::process::Child,
    endpoint: String,
}

impl Drop for Moto {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

async fn moto() -> Option<Moto> {
    if !has("moto_server", &["--help"]) {
        skip("moto_server is not installed");
        return None;
    }
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .ok()?
        .local_addr()
        .ok()?
        .port();
    let child = std::process::Command::new("moto_server")
        .args(["-H", "127.0.0.1", "-p", &port.to_string()])
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .ok()?;
    let moto = Moto {
        child,
        endpoint: format!("http://127.0.0.1:{port}"),
    };
    for _ in 0..200 {
        if tokio::net::TcpStream::connect(("127.0.0.1", port))
            .await
            .is_ok()
        {
            return Some(moto);
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("moto_server did not listen on port {port}");
}

#[tokio::test]
async fn records_against_moto() {
    let Some(moto) = moto().await else {
        return;
    };
    let dir = cassettes("moto");
    let proxy = recorder(&moto.endpoint, &dir, |_| {}).await;
    let sts = developer(&proxy.endpoint());
    let me = sts.get_caller_identity().send().await.expect("moto's GCI");
    let base_arn = me.arn().unwrap_or_default().to_owned();
    assert!(base_arn.starts_with("arn:aws:"), "{base_arn}");
    let out = sts
        .assume_role()
        .role_arn("arn:aws:iam::123456789012:role/app")
        .role_session_name("moto-rec")
        .send()
        .await
        .expect("moto's AssumeRole");
    let handed_out = out.credentials().unwrap();
    // moto knows its own key only: the redacted one must reach it as the real one.
    let direct = session_client_at(&moto.endpoint, handed_out)
        .get_caller_identity()
        .send()
        .await
        .expect("moto answers any key");
    assert_ne!(
        direct.arn(),
        Some("arn:aws:sts::123456789012:assumed-role/app/moto-rec"),
        "moto recognised a key it never issued: the client got the real one"
    );
    let me = session_client(&proxy, handed_out)
        .get_caller_identity()
        .send()
        .await
        .expect("as the role, through the proxy");
    assert_eq!(
        me.arn(),
        Some("arn:aws:sts::123456789012:assumed-role/app/moto-rec")
    );
    proxy.shutdown().await;
    let text = std::fs::read_to_string(dir.join("default.yaml")).unwrap();
    assert!(text.contains("moto-rec"), "{text}");
    assert!(text.contains(handed_out.access_key_id()), "{text}");
    std::fs::remove_dir_all(&dir).unwrap();
}

fn session_client_at(endpoint: &str, c: &aws_sdk_sts::types::Credentials) -> aws_sdk_sts::Client {
    client_at(
        endpoint,
        Credentials::new(
            c.access_key_id(),
            c.secret_access_key(),
            Some(c.session_token().to_owned()),
            None,
            "test",
        ),
    )
}
