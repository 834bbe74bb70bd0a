//! DecodeAuthorizationMessage: the JSON behind an encoded authorization message this server produced
//! (see `fake::authorization_message`). Anything else is InvalidAuthorizationMessageException.

use super::Call;
use crate::error::{ErrorCode, StsError};
use crate::wire::output::{Fields, Output};

pub fn decode_authorization_message(call: &mut Call<'_>) -> Result<Output, StsError> {
    call.caller()?;
    let decoded = call
        .fake
        .decode_authorization_message(call.str("EncodedMessage"))
        .ok_or_else(|| {
            StsError::new(
                ErrorCode::InvalidAuthorizationMessageException,
                "The message is invalid or has expired.",
            )
        })?;
    Ok(Fields::new()
        .str("DecodedMessage", decoded)
        .output("DecodeAuthorizationMessage"))
}
