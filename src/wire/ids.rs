//! The ids every STS answer carries: a request id (a UUID, in the body's `RequestId` and the
//! `x-amzn-RequestId` header) and the opaque `x-amz-sts-extended-request-id` real STS sends beside
//! it. Minted here for every answer this server makes up; a stored answer keeps the ids it has.

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RequestIds {
    pub request_id: String,
    pub extended_request_id: String,
}

impl RequestIds {
    /// From a random UUID and 16 random bytes (24 base64 characters).
    pub fn mint(uuid: String, extended: [u8; 16]) -> RequestIds {
        RequestIds {
            request_id: uuid,
            extended_request_id: base64_16(&extended),
        }
    }
}

/// Standard base64 (with padding) of 16 bytes, by hand: on every answer, where the general
/// encoder's set-up costs more than the encoding.
fn base64_16(bytes: &[u8; 16]) -> String {
    const ALPHABET: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let mut out = String::with_capacity(24);
    let mut push = |sextet: u32| out.push(char::from(ALPHABET[(sextet & 63) as usize]));
    for group in bytes[..15].chunks_exact(3) {
        let n = u32::from(group[0]) << 16 | u32::from(group[1]) << 8 | u32::from(group[2]);
        push(n >> 18);
        push(n >> 12);
        push(n >> 6);
        push(n);
    }
    let last = u32::from(bytes[15]);
    push(last >> 2);
    push(last << 4);
    out.push_str("==");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn extended_id_is_the_bytes_in_base64() {
        use base64::Engine;
        for seed in 0u8..=255 {
            let bytes: [u8; 16] =
                std::array::from_fn(|i| seed.wrapping_mul(31).wrapping_add(i as u8 * 17));
            assert_eq!(
                base64_16(&bytes),
                base64::engine::general_purpose::STANDARD.encode(bytes)
            );
        }
        let ids = RequestIds::mint("u".into(), [0xfb; 16]);
        assert_eq!(ids.request_id, "u");
        assert_eq!(
            ids.extended_request_id,
            base64::engine::general_purpose::STANDARD.encode([0xfb; 16])
        );
        assert_eq!(ids.extended_request_id.len(), 24);
    }
}
