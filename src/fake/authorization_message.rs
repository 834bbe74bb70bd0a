//! Encoded authorization messages: what an `AccessDenied` of some AWS services carries, and what
//! DecodeAuthorizationMessage turns back into JSON. The fake encodes them on request (the
//! `POST /_parlel/authorization-message` admin route) as sealed blobs holding the decoded JSON, laid
//! out as live STS returns it:
//! `{"allowed":false,"explicitDeny":false,"matchedStatements":{"items":[]},"failures":{"items":[]},
//!   "context":{"principal":{"id":..,"arn":..},"action":..,"resource":..,"conditions":{"items":[
//!   {"key":..,"values":{"items":[{"value":..}]}}]}}}`.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use super::Fake;
use super::sealed::{self, Purpose};

/// The model's maximum length of `EncodedMessage`.
const MAX_ENCODED_LEN: usize = 10_240;

/// What the admin route accepts: the denied request, in plain terms.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AuthorizationRequest {
    pub action: String,
    pub resource: String,
    #[serde(default)]
    pub allowed: bool,
    #[serde(default)]
    pub explicit_deny: bool,
    /// Defaults to the fake's default principal.
    #[serde(default)]
    pub principal: Option<PrincipalRef>,
    /// Condition key -> values, e.g. `{"aws:SourceIp": ["203.0.113.7"]}`.
    #[serde(default)]
    pub conditions: BTreeMap<String, Vec<String>>,
    /// Policy statements that matched, as JSON objects, passed through.
    #[serde(default)]
    pub matched_statements: Vec<serde_json::Value>,
    #[serde(default)]
    pub failures: Vec<serde_json::Value>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PrincipalRef {
    pub id: String,
    pub arn: String,
}

/// The decoded message, fields in live STS's order.
#[derive(Serialize)]
struct Decoded<'a> {
    allowed: bool,
    #[serde(rename = "explicitDeny")]
    explicit_deny: bool,
    #[serde(rename = "matchedStatements")]
    matched_statements: Items<&'a serde_json::Value>,
    failures: Items<&'a serde_json::Value>,
    context: Context<'a>,
}

#[derive(Serialize)]
struct Items<T> {
    items: Vec<T>,
}

#[derive(Serialize)]
struct Context<'a> {
    principal: &'a PrincipalRef,
    action: &'a str,
    resource: &'a str,
    conditions: Items<Condition<'a>>,
}

#[derive(Serialize)]
struct Condition<'a> {
    key: &'a str,
    values: Items<ConditionValue<'a>>,
}

#[derive(Serialize)]
struct ConditionValue<'a> {
    value: &'a str,
}

impl Fake {
    /// An encoded authorization message that DecodeAuthorizationMessage on this server (until the
    /// next reset) decodes into `request`; refused when it would be longer than the 10240
    /// characters the operation accepts.
    pub fn encode_authorization_message(
        &self,
        request: &AuthorizationRequest,
    ) -> Result<String, String> {
        let default = PrincipalRef {
            id: self.default_principal.principal.user_id(),
            arn: self.default_principal.arn.to_string(),
        };
        let decoded = Decoded {
            allowed: request.allowed,
            explicit_deny: request.explicit_deny,
            matched_statements: Items {
                items: request.matched_statements.iter().collect(),
            },
            failures: Items {
                items: request.failures.iter().collect(),
            },
            context: Context {
                principal: request.principal.as_ref().unwrap_or(&default),
                action: &request.action,
                resource: &request.resource,
                conditions: Items {
                    items: request
                        .conditions
                        .iter()
                        .map(|(key, values)| Condition {
                            key,
                            values: Items {
                                items: values
                                    .iter()
                                    .map(|value| ConditionValue { value })
                                    .collect(),
                            },
                        })
                        .collect(),
                },
            },
        };
        let json = serde_json::to_vec(&decoded).unwrap_or_default();
        let encoded = sealed::seal(
            &self.secrets,
            Purpose::AuthorizationMessage,
            self.epoch(),
            &json,
        );
        if encoded.len() > MAX_ENCODED_LEN {
            return Err(format!(
                "the encoded message would be {} characters; DecodeAuthorizationMessage accepts at most {MAX_ENCODED_LEN}",
                encoded.len()
            ));
        }
        Ok(encoded)
    }

    /// The JSON inside an encoded message this server produced, or `None`.
    pub(super) fn decode_authorization_message(&self, encoded: &str) -> Option<String> {
        let json = sealed::open(
            &self.secrets,
            Purpose::AuthorizationMessage,
            self.epoch(),
            encoded,
        )?;
        String::from_utf8(json).ok()
    }
}
