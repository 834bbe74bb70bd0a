//! Opaque strings the fake hands out and later reads back: encoded authorization messages and
//! trade-in tokens. Layout, base64url without padding:
//! `purpose (1) | nonce (12) | ChaCha20-Poly1305(payload) + tag (16)`, with the purpose and the key
//! epoch as associated data: a blob of one kind never opens as another, and `reset` retires them all.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use ring::aead::NONCE_LEN;
use ring::hmac;

use super::envelope;
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
    let mut out = Vec::with_capacity(HEADER + payload.len() + envelope::TAG_LEN);
    out.push(purpose as u8);
    out.extend_from_slice(&nonce);
    out.extend_from_slice(payload);
    envelope::seal(&secrets.blob_seal, &mut out, HEADER, nonce, &aad);
    URL_SAFE_NO_PAD.encode(out)
}

/// The payload of a blob this server sealed for `purpose` in this epoch, or `None`.
pub fn open(secrets: &Secrets, purpose: Purpose, epoch: u32, text: &str) -> Option<Vec<u8>> {
    let mut raw = URL_SAFE_NO_PAD.decode(text.trim()).ok()?;
    if raw.first() != Some(&(purpose as u8)) {
        return None;
    }
    let nonce = envelope::nonce_at(&raw, 1)?;
    envelope::open(
        &secrets.blob_seal,
        &mut raw,
        HEADER,
        nonce,
        &aad(purpose, epoch),
    )
    .map(<[u8]>::to_vec)
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
