//! Every random value of a request (request id, key ids, secrets, token nonces) comes from one
//! per-request stream, and since request ids go out in headers while secrets stay secret, the stream
//! is cryptographic either way:
//! - with a seed, HMAC-SHA256(key, request number || block number), the key derived from the seed:
//!   the same sequence of requests yields the same bytes;
//! - without one, nothing needs to be reproducible: the bytes come from a ChaCha12 generator per
//!   thread, seeded from the operating system (what rand's `ThreadRng` is), which hands out a few
//!   dozen bytes a request from blocks it makes 256 bytes at a time.
//!
//! Lock-free: one atomic counter.

use std::cell::RefCell;
use std::sync::atomic::{AtomicU64, Ordering};

use rand_chacha::ChaCha12Rng;
use rand_chacha::rand_core::{RngCore, SeedableRng};
use ring::hmac;
use ring::rand::{SecureRandom, SystemRandom};

#[derive(Debug)]
pub struct Entropy {
    /// `Some` with a seed: the key of the reproducible HMAC stream.
    seeded: Option<hmac::Key>,
    requests: AtomicU64,
}

impl Entropy {
    /// `seeded`: whether `key` comes from a seed, so that the stream must be reproducible.
    pub fn new(key: hmac::Key, seeded: bool) -> Entropy {
        Entropy {
            seeded: seeded.then_some(key),
            requests: AtomicU64::new(0),
        }
    }

    /// The stream of the next request.
    pub fn next_request(&self) -> RequestRandom<'_> {
        RequestRandom(match &self.seeded {
            Some(key) => Stream::Seeded {
                key,
                request: self.requests.fetch_add(1, Ordering::Relaxed),
                block: 0,
                buf: [0; 32],
                used: 32,
            },
            None => Stream::Fresh,
        })
    }
}

/// One request's random bytes.
pub struct RequestRandom<'a>(Stream<'a>);

enum Stream<'a> {
    Seeded {
        key: &'a hmac::Key,
        request: u64,
        block: u32,
        buf: [u8; 32],
        used: usize,
    },
    /// This thread's generator.
    Fresh,
}

thread_local! {
    /// Unseeded randomness: this thread's ChaCha12 generator, seeded from the OS on first use.
    static FRESH: RefCell<Option<ChaCha12Rng>> = const { RefCell::new(None) };
}

fn os_seeded() -> ChaCha12Rng {
    let mut seed = [0u8; 32];
    // The OS only fails to give entropy when it has no source at all; the time then still makes
    // runs differ.
    if SystemRandom::new().fill(&mut seed).is_err() {
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_nanos());
        seed[..16].copy_from_slice(&nanos.to_le_bytes());
    }
    ChaCha12Rng::from_seed(seed)
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

impl RequestRandom<'_> {
    pub fn fill(&mut self, mut out: &mut [u8]) {
        match &mut self.0 {
            Stream::Fresh => {
                FRESH.with_borrow_mut(|rng| rng.get_or_insert_with(os_seeded).fill_bytes(out));
            }
            Stream::Seeded {
                key,
                request,
                block,
                buf,
                used,
            } => {
                while !out.is_empty() {
                    if *used == buf.len() {
                        let mut msg = [0u8; 12];
                        msg[..8].copy_from_slice(&request.to_be_bytes());
                        msg[8..].copy_from_slice(&block.to_be_bytes());
                        buf.copy_from_slice(hmac::sign(key, &msg).as_ref());
                        *block = block.wrapping_add(1);
                        *used = 0;
                    }
                    let n = out.len().min(buf.len() - *used);
                    let (head, rest) = out.split_at_mut(n);
                    head.copy_from_slice(&buf[*used..*used + n]);
                    *used += n;
                    out = rest;
                }
            }
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
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn same_key_same_stream_and_uuid_shape() {
        let a = Entropy::new(hmac::Key::new(hmac::HMAC_SHA256, b"k"), true);
        let b = Entropy::new(hmac::Key::new(hmac::HMAC_SHA256, b"k"), true);
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
        let mut b: [u8; 16] = Entropy::new(key(), true).next_request().bytes();
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
        assert_eq!(Entropy::new(key(), true).next_request().uuid(), expected);
    }

    #[test]
    fn seeded_stream_is_the_hmac_stream() {
        let key = hmac::Key::new(hmac::HMAC_SHA256, b"k");
        let e = Entropy::new(key.clone(), true);
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
    fn unseeded_bytes_differ_per_request_and_per_thread() {
        let e = Entropy::new(hmac::Key::new(hmac::HMAC_SHA256, b"k"), false);
        let mut seen = std::collections::HashSet::new();
        for _ in 0..1000 {
            assert!(seen.insert(e.next_request().bytes::<16>()));
        }
        let mut r = e.next_request();
        let (x, y): ([u8; 32], [u8; 32]) = (r.bytes(), r.bytes());
        assert_ne!(x, y);
        let other = std::thread::spawn(|| {
            let e = Entropy::new(hmac::Key::new(hmac::HMAC_SHA256, b"k"), false);
            e.next_request().bytes::<32>()
        });
        let here = Entropy::new(hmac::Key::new(hmac::HMAC_SHA256, b"k"), false);
        assert_ne!(other.join().unwrap(), here.next_request().bytes::<32>());
    }
}
