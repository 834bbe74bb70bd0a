//! Minting temporary credentials: an `ASIA` key with the session's account encoded, a secret derived
//! from the key, and the sealed session token.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use ring::digest;

use super::Fake;
use super::entropy::RequestRandom;
use super::ids;
use super::token::{self, SessionClaims};
use crate::response::Fields;

impl Fake {
    /// Issues credentials for `claims` (whose `access_key_id` is filled in here) and returns the
    /// `Credentials` element in AWS's order.
    pub(super) fn issue(&self, rng: &mut RequestRandom<'_>, mut claims: SessionClaims) -> Fields {
        let access_key_id = ids::mint("ASIA", claims.principal.account(), 20, &rng.bytes());
        claims.access_key_id.clone_from(&access_key_id);
        let epoch = self.epoch.load(std::sync::atomic::Ordering::Relaxed);
        let random_nonce = (!self.secrets.reproducible()).then(|| rng.bytes());
        let session_token = token::seal(&self.secrets, epoch, &claims, random_nonce);
        self.live.issued(claims.expires);
        let secret = self.secret_for(&access_key_id);
        Fields::new()
            .str("AccessKeyId", access_key_id)
            .str("SecretAccessKey", secret)
            .str("SessionToken", session_token)
            .time("Expiration", claims.expires)
    }

    /// 40 characters of `[A-Za-z0-9+/]`, derived from the key id: re-derivable without storage.
    pub fn secret_for(&self, access_key_id: &str) -> String {
        let mut ctx = digest::Context::new(&digest::SHA256);
        ctx.update(&self.secrets.secret_key);
        ctx.update(access_key_id.as_bytes());
        STANDARD.encode(&ctx.finish().as_ref()[..30])
    }
}
