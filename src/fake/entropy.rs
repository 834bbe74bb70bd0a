//! Every random value of a request (request id, key tails, nonces) comes from one per-request stream:
//! HMAC-SHA256(key, request number || block number). With a seed, the key is derived from it and the
//! same sequence of requests yields the same bytes. Without one nothing needs to be reproducible, so
//! a much cheaper stream is used: SplitMix64 from a random 128-bit key and the request number
//! (ids only need to be unique and unguessable enough for a fake; secrets and token nonces are
//! HMACs of their own). Lock-free: one atomic counter.

use std::sync::atomic::{AtomicU64, Ordering};

use ring::hmac;

#[derive(Debug)]
pub struct Entropy {
    source: Source,
    requests: AtomicU64,
}

#[derive(Debug)]
enum Source {
    /// Reproducible: HMAC blocks.
    Seeded(hmac::Key),
    /// Not reproducible: SplitMix64 keyed with random bits.
    Fast([u64; 2]),
}

impl Entropy {
    /// `fast_key`: `Some` (random bits) when there is no seed and the stream need not be reproducible.
    pub fn new(key: hmac::Key, fast_key: Option<[u64; 2]>) -> Entropy {
        Entropy {
            source: match fast_key {
                Some(k) => Source::Fast(k),
                None => Source::Seeded(key),
            },
            requests: AtomicU64::new(0),
        }
    }

    /// The stream of the next request.
    pub fn next_request(&self) -> RequestRandom<'_> {
        let request = self.requests.fetch_add(1, Ordering::Relaxed);
        RequestRandom {
            source: &self.source,
            request,
            block: 0,
            buf: [0; 32],
            used: 32,
        }
    }
}

/// One request's random bytes.
pub struct RequestRandom<'a> {
    source: &'a Source,
    request: u64,
    block: u32,
    buf: [u8; 32],
    used: usize,
}

/// Each byte's two lowercase hex digits.
const HEX_PAIRS: [[u8; 2]; 256] = {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let mut pairs = [[0u8; 2]; 256];
    let mut i = 0;
    while i < 256 {
        pairs[i] = [HEX[i >> 4], HEX[i & 15]];
        i += 1;
    }
    pairs
};

const GOLDEN: u64 = 0x9E37_79B9_7F4A_7C15;

/// SplitMix64's output function (a bijection).
fn mix(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

impl RequestRandom<'_> {
    pub fn fill(&mut self, mut out: &mut [u8]) {
        while !out.is_empty() {
            if self.used == self.buf.len() {
                self.refill();
            }
            let n = out.len().min(self.buf.len() - self.used);
            let (head, rest) = out.split_at_mut(n);
            head.copy_from_slice(&self.buf[self.used..self.used + n]);
            self.used += n;
            out = rest;
        }
    }

    pub fn bytes<const N: usize>(&mut self) -> [u8; N] {
        let mut out = [0; N];
        self.fill(&mut out);
        out
    }

    /// A version-4 UUID, as STS request ids are.
    pub fn uuid(&mut self) -> String {
        let mut b: [u8; 16] = self.bytes();
        b[6] = (b[6] & 0x0f) | 0x40;
        b[8] = (b[8] & 0x3f) | 0x80;
        let mut id = [b'-'; 36];
        // Byte i goes to HEX_AT[i] (dashes at 8, 13, 18 and 23 stay).
        const HEX_AT: [usize; 16] = [0, 2, 4, 6, 9, 11, 14, 16, 19, 21, 24, 26, 28, 30, 32, 34];
        for (byte, at) in b.iter().zip(HEX_AT) {
            id[at..at + 2].copy_from_slice(&HEX_PAIRS[usize::from(*byte)]);
        }
        // Hex digits and dashes: always ASCII.
        std::str::from_utf8(&id).unwrap_or_default().to_owned()
    }

    fn refill(&mut self) {
        match self.source {
            Source::Seeded(key) => {
                let mut msg = [0u8; 12];
                msg[..8].copy_from_slice(&self.request.to_be_bytes());
                msg[8..].copy_from_slice(&self.block.to_be_bytes());
                self.buf.copy_from_slice(hmac::sign(key, &msg).as_ref());
            }
            Source::Fast([k0, k1]) => {
                let base = mix(self.request ^ k0) ^ k1;
                let first = u64::from(self.block) * 4;
                for (i, chunk) in self.buf.chunks_exact_mut(8).enumerate() {
                    let n = first + i as u64 + 1;
                    chunk.copy_from_slice(
                        &mix(base.wrapping_add(n.wrapping_mul(GOLDEN))).to_le_bytes(),
                    );
                }
            }
        }
        self.block = self.block.wrapping_add(1);
        self.used = 0;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_key_same_stream_and_uuid_shape() {
        let a = Entropy::new(hmac::Key::new(hmac::HMAC_SHA256, b"k"), None);
        let b = Entropy::new(hmac::Key::new(hmac::HMAC_SHA256, b"k"), None);
        let (mut ra, mut rb) = (a.next_request(), b.next_request());
        assert_eq!(ra.bytes::<100>(), rb.bytes::<100>());
        let id = a.next_request().uuid();
        assert_eq!(id.len(), 36);
        assert_eq!(id.matches('-').count(), 4);
        assert_eq!(id.find('-'), Some(8));
        assert_eq!(&id[14..15], "4");
        assert_ne!(a.next_request().uuid(), id);
    }

    #[test]
    fn uuid_is_the_stream_bytes_in_hex_with_the_version_and_variant_bits() {
        let key = || hmac::Key::new(hmac::HMAC_SHA256, b"k");
        let mut b: [u8; 16] = Entropy::new(key(), None).next_request().bytes();
        b[6] = (b[6] & 0x0f) | 0x40;
        b[8] = (b[8] & 0x3f) | 0x80;
        let hex: String = b.iter().map(|x| format!("{x:02x}")).collect();
        let expected = format!(
            "{}-{}-{}-{}-{}",
            &hex[..8],
            &hex[8..12],
            &hex[12..16],
            &hex[16..20],
            &hex[20..]
        );
        assert_eq!(Entropy::new(key(), None).next_request().uuid(), expected);
    }

    #[test]
    fn seeded_stream_is_the_hmac_stream() {
        let key = hmac::Key::new(hmac::HMAC_SHA256, b"k");
        let e = Entropy::new(key.clone(), None);
        e.next_request();
        let mut r = e.next_request();
        let mut expected = Vec::new();
        for block in 0u32..3 {
            let mut msg = [0u8; 12];
            msg[..8].copy_from_slice(&1u64.to_be_bytes());
            msg[8..].copy_from_slice(&block.to_be_bytes());
            expected.extend_from_slice(hmac::sign(&key, &msg).as_ref());
        }
        let mut got = [0u8; 96];
        r.fill(&mut got[..5]);
        r.fill(&mut got[5..40]);
        r.fill(&mut got[40..]);
        assert_eq!(got[..], expected[..]);
    }

    #[test]
    fn fast_stream_differs_per_request_and_key() {
        let key = || hmac::Key::new(hmac::HMAC_SHA256, b"k");
        let a = Entropy::new(key(), Some([1, 2]));
        let b = Entropy::new(key(), Some([1, 3]));
        let mut seen = std::collections::HashSet::new();
        for _ in 0..1000 {
            assert!(seen.insert(a.next_request().bytes::<16>()));
            assert!(seen.insert(b.next_request().bytes::<16>()));
        }
        let mut r = a.next_request();
        let (x, y): ([u8; 32], [u8; 32]) = (r.bytes(), r.bytes());
        assert_ne!(x, y);
    }
}
