//! Every random value of a request (request id, key tails, nonces) comes from one per-request stream:
//! HMAC-SHA256(key, request number || block number). With a seed, the key is derived from it and the
//! same sequence of requests yields the same bytes; without one, the key is random. Lock-free: one
//! atomic counter.

use std::sync::atomic::{AtomicU64, Ordering};

use ring::hmac;

#[derive(Debug)]
pub struct Entropy {
    key: hmac::Key,
    requests: AtomicU64,
}

impl Entropy {
    pub fn new(key: hmac::Key) -> Entropy {
        Entropy {
            key,
            requests: AtomicU64::new(0),
        }
    }

    /// The stream of the next request.
    pub fn next_request(&self) -> RequestRandom<'_> {
        let request = self.requests.fetch_add(1, Ordering::Relaxed);
        RequestRandom {
            key: &self.key,
            request,
            block: 0,
            buf: [0; 32],
            used: 32,
        }
    }
}

/// One request's random bytes.
pub struct RequestRandom<'a> {
    key: &'a hmac::Key,
    request: u64,
    block: u32,
    buf: [u8; 32],
    used: usize,
}

impl RequestRandom<'_> {
    pub fn fill(&mut self, out: &mut [u8]) {
        for byte in out {
            if self.used == self.buf.len() {
                self.refill();
            }
            *byte = self.buf[self.used];
            self.used += 1;
        }
    }

    pub fn bytes<const N: usize>(&mut self) -> [u8; N] {
        let mut out = [0; N];
        self.fill(&mut out);
        out
    }

    /// A version-4 UUID, as STS request ids are.
    pub fn uuid(&mut self) -> String {
        const HEX: &[u8; 16] = b"0123456789abcdef";
        let mut b: [u8; 16] = self.bytes();
        b[6] = (b[6] & 0x0f) | 0x40;
        b[8] = (b[8] & 0x3f) | 0x80;
        let mut id = String::with_capacity(36);
        for (i, byte) in b.iter().enumerate() {
            if matches!(i, 4 | 6 | 8 | 10) {
                id.push('-');
            }
            id.push(HEX[usize::from(byte >> 4)] as char);
            id.push(HEX[usize::from(byte & 15)] as char);
        }
        id
    }

    fn refill(&mut self) {
        let mut msg = [0u8; 12];
        msg[..8].copy_from_slice(&self.request.to_be_bytes());
        msg[8..].copy_from_slice(&self.block.to_be_bytes());
        self.block = self.block.wrapping_add(1);
        self.buf
            .copy_from_slice(hmac::sign(self.key, &msg).as_ref());
        self.used = 0;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_key_same_stream_and_uuid_shape() {
        let a = Entropy::new(hmac::Key::new(hmac::HMAC_SHA256, b"k"));
        let b = Entropy::new(hmac::Key::new(hmac::HMAC_SHA256, b"k"));
        let (mut ra, mut rb) = (a.next_request(), b.next_request());
        assert_eq!(ra.bytes::<100>(), rb.bytes::<100>());
        let id = a.next_request().uuid();
        assert_eq!(id.len(), 36);
        assert_eq!(id.matches('-').count(), 4);
        assert_eq!(id.find('-'), Some(8));
        assert_eq!(&id[14..15], "4");
        assert_ne!(a.next_request().uuid(), id);
    }
}
