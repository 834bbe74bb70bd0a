//! The one AEAD envelope behind everything the fake hands out and later reads back (session
//! tokens, sealed blobs): a plaintext header that holds the nonce, then the payload sealed in place
//! with ChaCha20-Poly1305, then its tag. Each user chooses its header, associated data and text
//! encoding; this holds the sealing and opening they share.

use ring::aead::{Aad, LessSafeKey, NONCE_LEN, Nonce};

/// The tag after the sealed payload.
pub const TAG_LEN: usize = 16;

/// Seals `buf[header..]` in place and appends the tag. Sealing fails only past the cipher's
/// limit (256 GiB); the payload is then dropped, and the result opens as nothing.
pub fn seal(
    key: &LessSafeKey,
    buf: &mut Vec<u8>,
    header: usize,
    nonce: [u8; NONCE_LEN],
    aad: &[u8],
) {
    let Some(payload) = buf.get_mut(header..) else {
        return;
    };
    match key.seal_in_place_separate_tag(
        Nonce::assume_unique_for_key(nonce),
        Aad::from(aad),
        payload,
    ) {
        Ok(tag) => buf.extend_from_slice(tag.as_ref()),
        Err(_) => buf.truncate(header),
    }
}

/// The payload of `raw` (`header` bytes, the sealed payload, the tag) if it opens under `key` with
/// this nonce and associated data.
pub fn open<'a>(
    key: &LessSafeKey,
    raw: &'a mut [u8],
    header: usize,
    nonce: [u8; NONCE_LEN],
    aad: &[u8],
) -> Option<&'a [u8]> {
    let sealed = raw.get_mut(header..)?;
    if sealed.len() < TAG_LEN {
        return None;
    }
    key.open_in_place(Nonce::assume_unique_for_key(nonce), Aad::from(aad), sealed)
        .ok()
        .map(|payload| &*payload)
}

/// The nonce stored in `raw[at..at + NONCE_LEN]`.
pub fn nonce_at(raw: &[u8], at: usize) -> Option<[u8; NONCE_LEN]> {
    raw.get(at..at + NONCE_LEN)?.try_into().ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use ring::aead::{CHACHA20_POLY1305, UnboundKey};

    #[test]
    fn seals_after_the_header_and_opens_only_with_the_same_aad() {
        let key = LessSafeKey::new(UnboundKey::new(&CHACHA20_POLY1305, &[9; 32]).unwrap());
        let mut buf = b"HDRpayload".to_vec();
        seal(&key, &mut buf, 3, [1; NONCE_LEN], b"aad");
        assert_eq!(&buf[..3], b"HDR");
        assert_eq!(buf.len(), 10 + TAG_LEN);
        let mut copy = buf.clone();
        assert_eq!(
            open(&key, &mut copy, 3, [1; NONCE_LEN], b"aad"),
            Some(&b"payload"[..])
        );
        let mut copy = buf.clone();
        assert_eq!(open(&key, &mut copy, 3, [1; NONCE_LEN], b"aaX"), None);
        assert_eq!(
            open(&key, &mut buf[..5].to_vec(), 3, [1; NONCE_LEN], b"aad"),
            None
        );
        assert_eq!(nonce_at(b"xx0123456789abyy", 2), Some(*b"0123456789ab"));
        assert_eq!(nonce_at(b"short", 2), None);
    }
}
