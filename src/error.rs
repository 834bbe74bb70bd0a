//! The one error type a client ever sees. Each code knows its HTTP status, its `Type` (Sender or
//! Receiver) and its XML namespace; rendering happens in exactly one place (`wire::render`).

use std::borrow::Cow;

/// The STS namespace every response uses, but for `InvalidAction`.
pub const STS_NAMESPACE: &str = "https://sts.amazonaws.com/doc/2011-06-15/";
/// Real STS answers an unknown Action in the older AWSFault namespace.
pub const AWSFAULT_NAMESPACE: &str = "http://webservices.amazon.com/AWSFault/2005-15-09";

macro_rules! error_codes {
    ($($code:ident => $status:literal, $kind:ident;)*) => {
        /// AWS error codes, spelled as on the wire (the model's quirks included: `IDPRejectedClaim`,
        /// `InvalidIdentityToken`, `MalformedPolicyDocument`, `PackedPolicyTooLarge` have no suffix).
        #[derive(Clone, Copy, Debug, PartialEq, Eq)]
        #[allow(clippy::enum_variant_names)]
        pub enum ErrorCode { $($code,)* }

        impl ErrorCode {
            pub fn as_str(self) -> &'static str {
                match self { $(ErrorCode::$code => stringify!($code),)* }
            }
            pub fn status(self) -> u16 {
                match self { $(ErrorCode::$code => $status,)* }
            }
            pub fn fault(self) -> Fault {
                match self { $(ErrorCode::$code => Fault::$kind,)* }
            }
        }
    };
}

error_codes! {
    InvalidAction => 400, Sender;
    MissingAuthenticationToken => 403, Sender;
    IncompleteSignature => 400, Sender;
    InvalidClientTokenId => 403, Sender;
    SignatureDoesNotMatch => 403, Sender;
    ExpiredToken => 403, Sender;
    ValidationError => 400, Sender;
    MalformedInput => 400, Sender;
    AccessDenied => 403, Sender;
    InvalidParameterValue => 400, Sender;
    MalformedPolicyDocument => 400, Sender;
    PackedPolicyTooLarge => 400, Sender;
    RegionDisabledException => 403, Sender;
    InvalidIdentityToken => 400, Sender;
    ExpiredTokenException => 400, Sender;
    IDPCommunicationError => 400, Sender;
    IDPRejectedClaim => 403, Sender;
    InvalidAuthorizationMessageException => 400, Sender;
    ExpiredTradeInTokenException => 400, Sender;
    JWTPayloadSizeExceededException => 400, Sender;
    SessionDurationEscalationException => 403, Sender;
    OutboundWebIdentityFederationDisabledException => 403, Sender;
    RequestEntityTooLarge => 413, Sender;
    RequestTimeout => 408, Sender;
    NotImplemented => 501, Receiver;
    InternalFailure => 500, Receiver;
    // parlel-sts's own, for record mode's hop (AWS has no code for "the upstream is away").
    UpstreamUnavailable => 502, Receiver;
    UpstreamTimeout => 504, Receiver;
    // parlel-sts's own, for replay mode: no recording matches the request.
    CassetteMiss => 400, Sender;
}

/// The `<Type>` of an error: whose fault it is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Fault {
    Sender,
    Receiver,
}

impl Fault {
    pub fn as_str(self) -> &'static str {
        match self {
            Fault::Sender => "Sender",
            Fault::Receiver => "Receiver",
        }
    }
}

/// An error as STS reports it. `message: None` renders no `<Message>` element at all, which is what
/// real STS does for some `MalformedInput` cases.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StsError {
    pub code: ErrorCode,
    pub message: Option<Cow<'static, str>>,
}

impl StsError {
    pub fn new(code: ErrorCode, message: impl Into<Cow<'static, str>>) -> StsError {
        StsError {
            code,
            message: Some(message.into()),
        }
    }

    pub fn without_message(code: ErrorCode) -> StsError {
        StsError {
            code,
            message: None,
        }
    }

    pub fn namespace(&self) -> &'static str {
        match self.code {
            ErrorCode::InvalidAction => AWSFAULT_NAMESPACE,
            _ => STS_NAMESPACE,
        }
    }

    /// `Could not find operation {action} for version {version}`.
    pub fn invalid_action(action: &str, version: &str) -> StsError {
        StsError::new(
            ErrorCode::InvalidAction,
            format!("Could not find operation {action} for version {version}"),
        )
    }

    pub fn validation(message: impl Into<Cow<'static, str>>) -> StsError {
        StsError::new(ErrorCode::ValidationError, message)
    }

    pub fn access_denied(message: impl Into<Cow<'static, str>>) -> StsError {
        StsError::new(ErrorCode::AccessDenied, message)
    }

    /// `InvalidIdentityToken` (400): a web identity token or SAML response AWS would not accept.
    pub fn invalid_identity_token(message: impl Into<Cow<'static, str>>) -> StsError {
        StsError::new(ErrorCode::InvalidIdentityToken, message)
    }

    pub fn missing_authentication_token() -> StsError {
        StsError::new(
            ErrorCode::MissingAuthenticationToken,
            "Request is missing Authentication Token",
        )
    }

    pub fn expired_token() -> StsError {
        StsError::new(
            ErrorCode::ExpiredToken,
            "The security token included in the request is expired",
        )
    }

    pub fn invalid_client_token_id() -> StsError {
        StsError::new(
            ErrorCode::InvalidClientTokenId,
            "The security token included in the request is invalid.",
        )
    }
}

impl std::fmt::Display for StsError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.message {
            Some(m) => write!(f, "{}: {m}", self.code.as_str()),
            None => f.write_str(self.code.as_str()),
        }
    }
}

impl std::error::Error for StsError {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_know_their_wire_facts() {
        assert_eq!(ErrorCode::IDPRejectedClaim.as_str(), "IDPRejectedClaim");
        assert_eq!(ErrorCode::IDPRejectedClaim.status(), 403);
        assert_eq!(ErrorCode::ExpiredToken.status(), 403);
        assert_eq!(ErrorCode::ExpiredTokenException.status(), 400);
        assert_eq!(ErrorCode::InternalFailure.fault(), Fault::Receiver);
        assert_eq!(
            StsError::invalid_action("X", "").namespace(),
            AWSFAULT_NAMESPACE
        );
        assert_eq!(StsError::expired_token().namespace(), STS_NAMESPACE);
    }
}
