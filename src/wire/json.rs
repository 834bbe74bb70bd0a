//! Typed responses and errors as JSON, for `Accept: application/json`: keys sorted, times as
//! numbers, as STS answers.

use bytes::Bytes;
use serde_json::{Map, Value as Json};

use super::output::{Field, Output, Value};
use crate::error::StsError;

pub(super) fn output_json(output: &Output, request_id: &str) -> Bytes {
    let op = output.operation;
    let mut response = Map::new();
    response.insert(format!("{op}Result"), fields_json(&output.result));
    response.insert("ResponseMetadata".into(), metadata_json(request_id));
    let mut root = Map::new();
    root.insert(format!("{op}Response"), Json::Object(response));
    to_bytes(&Json::Object(root))
}

pub(super) fn error_json(error: &StsError, request_id: &str) -> Bytes {
    let mut inner = Map::new();
    inner.insert("Code".into(), error.code.as_str().into());
    if let Some(message) = &error.message {
        inner.insert("Message".into(), Json::String(message.to_string()));
    }
    inner.insert("Type".into(), error.code.fault().as_str().into());
    let mut root = Map::new();
    root.insert("Error".into(), Json::Object(inner));
    root.insert("RequestId".into(), request_id.into());
    to_bytes(&Json::Object(root))
}

fn metadata_json(request_id: &str) -> Json {
    let mut m = Map::new();
    m.insert("RequestId".into(), request_id.into());
    Json::Object(m)
}

/// serde_json's default map is ordered by key, which is the order STS's JSON uses
/// (`{"Account":..,"Arn":..,"UserId":..}`).
fn fields_json(fields: &[Field]) -> Json {
    let mut m = Map::new();
    for f in fields {
        let v = match &f.value {
            Value::Str(s) => Json::String(s.clone()),
            Value::Int(n) | Value::Time(n) => Json::from(*n),
            Value::Struct(children) => fields_json(children),
        };
        m.insert(f.name.to_owned(), v);
    }
    Json::Object(m)
}

fn to_bytes(json: &Json) -> Bytes {
    Bytes::from(serde_json::to_vec(json).unwrap_or_default())
}

#[cfg(test)]
mod tests {
    use crate::error::StsError;
    use crate::wire::output::Fields;
    use crate::wire::render::{Format, render_error, render_output};

    #[test]
    fn json_keys_are_sorted_and_times_are_numbers() {
        let out = Fields::new()
            .str("Arn", "a")
            .str("UserId", "u")
            .str("Account", "1")
            .nested("Credentials", Fields::new().time("Expiration", 60))
            .output("GetCallerIdentity");
        let r = render_output(&out, "r", Format::Json);
        assert_eq!(
            std::str::from_utf8(&r.body).unwrap(),
            r#"{"GetCallerIdentityResponse":{"GetCallerIdentityResult":{"Account":"1","Arn":"a","Credentials":{"Expiration":60},"UserId":"u"},"ResponseMetadata":{"RequestId":"r"}}}"#
        );
        let e = render_error(
            &StsError::invalid_action("CreateUser", "2011-06-15"),
            "r",
            Format::Json,
        );
        assert_eq!(
            std::str::from_utf8(&e.body).unwrap(),
            r#"{"Error":{"Code":"InvalidAction","Message":"Could not find operation CreateUser for version 2011-06-15","Type":"Sender"},"RequestId":"r"}"#
        );
    }
}
