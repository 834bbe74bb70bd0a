//! Opaque strings the fake hands out and later reads back: encoded authorization messages and
//! trade-in tokens. Layout, base64url without padding:
//! `purpose (1) | nonce (12) | ChaCha20-Poly1305(payload) + tag (16)`, with the purpose and the key
//! epoch as associated data: a blob of one kind never opens as another, and `reset` retires them all.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use ring::aead::{Aad, NONCE_LEN, Nonce};
use ring::hmac;

use super::secrets::Secrets;

/// What a sealed blob is for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Purpose {
    AuthorizationMessage = 1,
    TradeInToken = 2,
}

const HEADER: usize = 1 + NONCE_LEN;

fn aad(purpose: Purpose, epoch: u32) -> [u8; 5] {
    let e = epoch.to_be_bytes();
    [purpose as u8, e[0], e[1], e[2], e[3]]
}

/// Seals `payload`. The nonce is an HMAC of the purpose, epoch and payload (synthetic-IV style):
/// deterministic, so a seeded server seals the same way after a restart, and never the same for two
/// different payloads under one key.
pub fn seal(secrets: &Secrets, purpose: Purpose, epoch: u32, payload: &[u8]) -> String {
    let aad = aad(purpose, epoch);
    let mut ctx = hmac::Context::with_key(&secrets.token_nonce);
    ctx.update(b"sealed-blob\0");
    ctx.update(&aad);
    ctx.update(payload);
    let mut nonce = [0u8; NONCE_LEN];
    nonce.copy_from_slice(&ctx.sign().as_ref()[..NONCE_LEN]);
    let mut out = Vec::with_capacity(HEADER + payload.len() + 16);
    out.push(purpose as u8);
    out.extend_from_slice(&nonce);
    let mut body = payload.to_vec();
    // Sealing fails only past the cipher's 256 GiB limit.
    if secrets
        .blob_seal
        .seal_in_place_append_tag(
            Nonce::assume_unique_for_key(nonce),
            Aad::from(aad),
            &mut body,
        )
        .is_err()
    {
        body.clear();
    }
    out.extend_from_slice(&body);
    URL_SAFE_NO_PAD.encode(out)
}

/// The payload of a blob this server sealed for `purpose` in this epoch, or `None`.
pub fn open(secrets: &Secrets, purpose: Purpose, epoch: u32, text: &str) -> Option<Vec<u8>> {
    let mut raw = URL_SAFE_NO_PAD.decode(text.trim()).ok()?;
    if raw.len() < HEADER + 16 || raw[0] != purpose as u8 {
        return None;
    }
    let mut nonce = [0u8; NONCE_LEN];
    nonce.copy_from_slice(&raw[1..HEADER]);
    let payload = secrets
        .blob_seal
        .open_in_place(
            Nonce::assume_unique_for_key(nonce),
            Aad::from(aad(purpose, epoch)),
            &mut raw[HEADER..],
        )
        .ok()?;
    Some(payload.to_vec())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_and_rejections() {
        let s = Secrets::from_seed(Some(7));
        let blob = seal(&s, Purpose::AuthorizationMessage, 0, b"hello");
        assert_eq!(blob, seal(&s, Purpose::AuthorizationMessage, 0, b"hello"));
        assert_ne!(blob, seal(&s, Purpose::AuthorizationMessage, 0, b"hellp"));
        assert_eq!(
            open(&s, Purpose::AuthorizationMessage, 0, &blob).as_deref(),
            Some(&b"hello"[..])
        );
        assert_eq!(open(&s, Purpose::TradeInToken, 0, &blob), None);
        assert_eq!(open(&s, Purpose::AuthorizationMessage, 1, &blob), None);
        assert_eq!(
            open(
                &Secrets::from_seed(Some(8)),
                Purpose::AuthorizationMessage,
                0,
                &blob
            ),
            None
        );
        assert_eq!(open(&s, Purpose::AuthorizationMessage, 0, "garbage!"), None);
        assert_eq!(open(&s, Purpose::AuthorizationMessage, 0, ""), None);
    }
}
