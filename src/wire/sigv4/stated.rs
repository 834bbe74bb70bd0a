//! Reading what a request states about its signature: the `Authorization` header with
//! `X-Amz-Date`, or a presigned query's `X-Amz-*` parameters. A part that is missing or malformed
//! is `IncompleteSignature`, with AWS's words where they are known.

use super::{ALGORITHM, Form, Stated};
use crate::error::{ErrorCode, StsError};
use crate::wire::ascii::{split_ascii, split_once_ascii};

/// From `Authorization: AWS4-HMAC-SHA256 Credential=AKID/DATE/REGION/SERVICE/aws4_request,
/// SignedHeaders=a;b, Signature=hex` and the `X-Amz-Date` header.
pub fn from_authorization<'a>(
    authorization: &'a str,
    amz_date: Option<&'a str>,
) -> Result<Stated<'a>, StsError> {
    if authorization.starts_with("AWS4-ECDSA-P256-SHA256 ") {
        return Err(incomplete(
            "parlel-sts does not verify SigV4a (AWS4-ECDSA-P256-SHA256) signatures in strict mode; sign with SigV4 (AWS4-HMAC-SHA256), as STS's regional endpoints expect",
        ));
    }
    let rest = authorization
        .strip_prefix(ALGORITHM)
        .and_then(|r| r.strip_prefix(' '))
        .ok_or_else(|| {
            incomplete(format!(
                "Authorization header requires 'Credential' parameter. Authorization header requires 'Signature' parameter. Authorization header requires 'SignedHeaders' parameter. Authorization={authorization}"
            ))
        })?;
    let (mut credential, mut signed_headers, mut signature) = (None, None, None);
    for part in split_ascii(rest, b',') {
        let part = part.trim();
        let Some((name, value)) = split_once_ascii(part, b'=') else {
            return Err(incomplete(format!(
                "'{part}' not a valid key=value pair (missing equal-sign) in Authorization header: '{authorization}'."
            )));
        };
        let slot = match name {
            "Credential" => &mut credential,
            "SignedHeaders" => &mut signed_headers,
            "Signature" => &mut signature,
            _ => continue,
        };
        // Said twice, a part could be read one way here and another elsewhere: refused.
        if slot.replace(value).is_some() {
            return Err(incomplete(format!(
                "'{name}' appears more than once in Authorization header: '{authorization}'."
            )));
        }
    }
    let mut missing = Vec::new();
    for (name, value) in [
        ("Credential", credential),
        ("Signature", signature),
        ("SignedHeaders", signed_headers),
    ] {
        if value.is_none() {
            missing.push(format!("Authorization header requires '{name}' parameter."));
        }
    }
    let amz_date = amz_date.filter(|d| !d.is_empty());
    if amz_date.is_none() {
        missing.push(
            "Authorization header requires existence of either a 'X-Amz-Date' or a 'Date' header."
                .to_owned(),
        );
    }
    if !missing.is_empty() {
        return Err(incomplete(format!(
            "{} Authorization={authorization}",
            missing.join(" ")
        )));
    }
    stated(
        Form::Header,
        credential.unwrap_or_default(),
        amz_date.unwrap_or_default(),
        signed_headers.unwrap_or_default(),
        signature.unwrap_or_default(),
    )
}

/// From a presigned query: `get` looks a decoded parameter up by name.
pub fn from_query<'a>(get: impl Fn(&str) -> Option<&'a str>) -> Result<Stated<'a>, StsError> {
    let mut missing = Vec::new();
    let mut need = |name: &'static str| {
        let value = get(name);
        if value.is_none() {
            missing.push(name);
        }
        value.unwrap_or_default()
    };
    let algorithm = need("X-Amz-Algorithm");
    let credential = need("X-Amz-Credential");
    let amz_date = need("X-Amz-Date");
    let expires = need("X-Amz-Expires");
    let signed_headers = need("X-Amz-SignedHeaders");
    let signature = need("X-Amz-Signature");
    if !missing.is_empty() {
        return Err(incomplete(format!(
            "AWS query-string parameters must include {}. Re-examine the query-string parameters.",
            missing
                .iter()
                .map(|m| format!("'{m}'"))
                .collect::<Vec<_>>()
                .join(", ")
        )));
    }
    if algorithm != ALGORITHM {
        return Err(incomplete(format!(
            "X-Amz-Algorithm only supports \"{ALGORITHM}\""
        )));
    }
    let expires = expires
        .parse::<u32>()
        .ok()
        .filter(|e| (1..=604_800).contains(e))
        .ok_or_else(|| incomplete("X-Amz-Expires must be a number of seconds from 1 to 604800"))?;
    stated(
        Form::Query { expires },
        credential,
        amz_date,
        signed_headers,
        signature,
    )
}

/// What both forms state, once every part was found: the credential split into its scope.
fn stated<'a>(
    form: Form,
    credential: &'a str,
    amz_date: &'a str,
    signed_headers: &'a str,
    signature: &'a str,
) -> Result<Stated<'a>, StsError> {
    let (access_key_id, scope_date, region, service) = scope(credential)?;
    Ok(Stated {
        form,
        access_key_id,
        scope_date,
        region,
        service,
        amz_date,
        signed_headers,
        signature,
    })
}

/// `AKID/DATE/REGION/SERVICE/aws4_request` -> its four parts.
fn scope(credential: &str) -> Result<(&str, &str, &str, &str), StsError> {
    let mut parts = split_ascii(credential, b'/');
    match (
        parts.next(),
        parts.next(),
        parts.next(),
        parts.next(),
        parts.next(),
        parts.next(),
    ) {
        (Some(key), Some(date), Some(region), Some(service), Some("aws4_request"), None)
            if !key.is_empty() && !date.is_empty() && is_region(region) =>
        {
            Ok((key, date, region, service))
        }
        _ => Err(incomplete(format!(
            "Credential should be scoped to a valid region. '{credential}'"
        ))),
    }
}

/// What a region name can be (`us-east-1`, `cn-north-1`, `us-gov-west-1`): a bounded word.
fn is_region(region: &str) -> bool {
    (1..=32).contains(&region.len())
        && region
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
}

fn incomplete(message: impl Into<std::borrow::Cow<'static, str>>) -> StsError {
    StsError::new(ErrorCode::IncompleteSignature, message)
}
