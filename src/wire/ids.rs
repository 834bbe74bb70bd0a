//! The ids every STS answer carries: a request id (a UUID, in the body's `RequestId` and the
//! `x-amzn-RequestId` header) and the opaque `x-amz-sts-extended-request-id` real STS sends beside
//! it. Minted here for every answer this server makes up; a stored answer keeps the ids it has.

use base64::Engine;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RequestIds {
    pub request_id: String,
    pub extended_request_id: String,
}

impl RequestIds {
    /// From a random UUID and 16 random bytes (24 base64 characters).
    pub fn mint(uuid: String, extended: [u8; 16]) -> RequestIds {
        // Encoded on the stack, then one allocation of that size.
        let mut text = [0u8; 24];
        let written = base64::engine::general_purpose::STANDARD
            .encode_slice(extended, &mut text)
            .unwrap_or_default();
        let extended_request_id = std::str::from_utf8(&text[..written])
            .unwrap_or_default()
            .to_owned();
        RequestIds {
            request_id: uuid,
            extended_request_id,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn extended_id_is_the_bytes_in_base64() {
        let ids = RequestIds::mint("u".into(), [0xfb; 16]);
        assert_eq!(ids.request_id, "u");
        assert_eq!(
            ids.extended_request_id,
            base64::engine::general_purpose::STANDARD.encode([0xfb; 16])
        );
        assert_eq!(ids.extended_request_id.len(), 24);
    }
}
