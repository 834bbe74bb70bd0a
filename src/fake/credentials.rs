//! Minting temporary credentials: an `ASIA` key with the session's account encoded, a random secret,
//! and the sealed session token that carries both (see `token`).

use base64::Engine;
use base64::engine::general_purpose::STANDARD;

use super::Fake;
use super::claims::{SECRET_BYTES, SessionClaims};
use super::entropy::RequestRandom;
use super::ids;
use super::token;
use crate::wire::output::Fields;

impl Fake {
    /// Issues credentials for `claims` (whose `access_key_id` and `secret` are filled in here) and
    /// returns the `Credentials` element in AWS's order.
    pub(super) fn issue(&self, rng: &mut RequestRandom<'_>, mut claims: SessionClaims) -> Fields {
        let access_key_id = ids::mint("ASIA", claims.principal.account(), 20, &rng.bytes());
        claims.access_key_id.clone_from(&access_key_id);
        claims.secret = rng.bytes();
        let epoch = self.epoch.load(std::sync::atomic::Ordering::Relaxed);
        let random_nonce = (!self.secrets.seeded).then(|| rng.bytes());
        let session_token = token::seal(&self.secrets, epoch, &claims, random_nonce);
        self.live.issued(claims.expires);
        Fields::new()
            .str("AccessKeyId", access_key_id)
            .str("SecretAccessKey", secret_access_key(&claims.secret))
            .str("SessionToken", session_token)
            .time("Expiration", claims.expires)
    }
}

/// 40 characters of `[A-Za-z0-9+/]`, as AWS's secret access keys.
pub(super) fn secret_access_key(secret: &[u8; SECRET_BYTES]) -> String {
    let mut text = [0u8; SECRET_BYTES / 3 * 4];
    let written = STANDARD.encode_slice(secret, &mut text).unwrap_or_default();
    std::str::from_utf8(&text[..written])
        .unwrap_or_default()
        .to_owned()
}
