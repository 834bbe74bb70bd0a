//! The SigV4 checker against AWS's signing test suite (`tests/fixtures/sigv4/`, see its README):
//! for every vector, header form and presigned query form, the canonical request, the string to
//! sign and the signature are AWS's to the byte, and a request with a byte changed fails.

use std::path::{Path, PathBuf};

use http::{HeaderMap, HeaderName, HeaderValue};
use parlel_sts::wire::sigv4::{
    self, Stated, canonical_request, payload_hash, signature_matches, signature_of, string_to_sign,
};

fn vectors() -> Vec<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/sigv4");
    let mut out: Vec<PathBuf> = std::fs::read_dir(&dir)
        .expect("tests/fixtures/sigv4")
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.is_dir())
        .collect();
    out.sort();
    out
}

fn read(dir: &Path, file: &str) -> String {
    std::fs::read_to_string(dir.join(file))
        .unwrap_or_else(|e| panic!("{}/{file}: {e}", dir.display()))
}

/// A request as the suite writes it: `METHOD TARGET HTTP/1.1`, `Name:value` lines, a blank line,
/// the body.
struct Request {
    method: String,
    path: String,
    query: String,
    headers: HeaderMap,
    body: Vec<u8>,
}

fn parse(text: &str) -> Request {
    let (head, body) = text.split_once("\n\n").unwrap_or((text, ""));
    let mut lines = head.lines();
    let start = lines.next().expect("a request line");
    let mut words = start.split(' ');
    let method = words.next().expect("method").to_owned();
    let target = words.next().expect("target");
    let (path, query) = target.split_once('?').unwrap_or((target, ""));
    let mut headers = HeaderMap::new();
    for line in lines {
        let (name, value) = line.split_once(':').expect("Name:value");
        headers.append(
            HeaderName::from_bytes(name.trim().to_ascii_lowercase().as_bytes()).expect("a name"),
            HeaderValue::from_str(value.trim()).expect("a value"),
        );
    }
    Request {
        method,
        path: path.to_owned(),
        query: query.to_owned(),
        headers,
        body: body.as_bytes().to_vec(),
    }
}

fn secret(dir: &Path) -> String {
    let context: serde_json::Value = serde_json::from_str(&read(dir, "context.json")).unwrap();
    context["credentials"]["secret_access_key"]
        .as_str()
        .expect("a secret")
        .to_owned()
}

/// The query's parameters, decoded as the server decodes them.
fn decoded(query: &str) -> Vec<(String, String)> {
    form_urlencoded::parse(query.as_bytes())
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect()
}

fn stated_of<'a>(request: &'a Request, params: &'a [(String, String)], form: &str) -> Stated<'a> {
    match form {
        "header" => sigv4::from_authorization(
            request
                .headers
                .get("authorization")
                .and_then(|v| v.to_str().ok())
                .expect("Authorization"),
            request
                .headers
                .get("x-amz-date")
                .and_then(|v| v.to_str().ok()),
        )
        .expect("a readable Authorization"),
        _ => sigv4::from_query(|name| {
            params
                .iter()
                .find(|(n, _)| n == name)
                .map(|(_, v)| v.as_str())
        })
        .expect("a readable presigned query"),
    }
}

fn canonical_of(request: &Request, stated: &Stated<'_>) -> String {
    canonical_request(
        &request.method,
        &request.path,
        &request.query,
        &request.headers,
        stated,
        &payload_hash(&request.body),
    )
    .expect("every signed header is there")
}

#[test]
fn every_vector_verifies_in_both_forms() {
    let vectors = vectors();
    assert!(vectors.len() >= 20, "{}", vectors.len());
    for dir in &vectors {
        let secret = secret(dir);
        for form in ["header", "query"] {
            let what = format!("{} ({form})", dir.display());
            let request = parse(&read(dir, &format!("{form}-signed-request.txt")));
            let params = decoded(&request.query);
            let stated = stated_of(&request, &params, form);
            let canonical = canonical_of(&request, &stated);
            assert_eq!(
                canonical,
                read(dir, &format!("{form}-canonical-request.txt")),
                "{what}"
            );
            let to_sign = string_to_sign(&stated, &canonical);
            assert_eq!(
                to_sign,
                read(dir, &format!("{form}-string-to-sign.txt")),
                "{what}"
            );
            let signature = read(dir, &format!("{form}-signature.txt"));
            assert_eq!(
                signature_of(&secret, &stated, &to_sign).as_deref(),
                Some(signature.trim()),
                "{what}"
            );
            assert!(signature_matches(&secret, &stated, &canonical), "{what}");
        }
    }
}

#[test]
fn a_changed_byte_fails() {
    for dir in &vectors() {
        let secret = secret(dir);
        for form in ["header", "query"] {
            let what = format!("{} ({form})", dir.display());
            let text = read(dir, &format!("{form}-signed-request.txt"));
            let request = parse(&text);
            let params = decoded(&request.query);
            let stated = stated_of(&request, &params, form);
            let canonical = canonical_of(&request, &stated);
            // Another secret, another signature.
            assert!(
                !signature_matches(
                    "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEZ",
                    &stated,
                    &canonical
                ),
                "{what}"
            );
            // The method, the path, the body, each signed header's value: one byte each.
            let mut changed = Vec::new();
            changed.push(canonical_request(
                &request.method.to_ascii_lowercase(),
                &request.path,
                &request.query,
                &request.headers,
                &stated,
                &payload_hash(&request.body),
            ));
            changed.push(canonical_request(
                &request.method,
                &format!("{}x", request.path),
                &request.query,
                &request.headers,
                &stated,
                &payload_hash(&request.body),
            ));
            let mut body = request.body.clone();
            body.push(b'x');
            changed.push(canonical_request(
                &request.method,
                &request.path,
                &request.query,
                &request.headers,
                &stated,
                &payload_hash(&body),
            ));
            for name in stated.signed_headers.split(';') {
                let mut headers = request.headers.clone();
                let value = headers
                    .get(name)
                    .map(|v| format!("{}x", v.to_str().unwrap_or_default()));
                if let Some(value) = value {
                    headers.insert(
                        HeaderName::from_bytes(name.as_bytes()).unwrap(),
                        HeaderValue::from_str(&value).unwrap(),
                    );
                }
                changed.push(canonical_request(
                    &request.method,
                    &request.path,
                    &request.query,
                    &headers,
                    &stated,
                    &payload_hash(&request.body),
                ));
            }
            for canonical in changed.into_iter().flatten() {
                assert!(
                    !signature_matches(&secret, &stated, &canonical),
                    "{what}: {canonical}"
                );
            }
            // A signature with one digit changed.
            let mut signature = stated.signature.to_owned();
            let last = signature
                .pop()
                .map_or('0', |c| if c == '0' { '1' } else { '0' });
            signature.push(last);
            let tampered = Stated {
                signature: &signature,
                ..stated.clone()
            };
            assert!(!signature_matches(&secret, &tampered, &canonical), "{what}");
        }
    }
}

#[test]
fn a_missing_signed_header_is_no_canonical_request() {
    let dir = &vectors()[0];
    let request = parse(&read(dir, "header-signed-request.txt"));
    let stated = stated_of(&request, &[], "header");
    let mut headers = request.headers.clone();
    headers.remove("host");
    assert_eq!(
        canonical_request(
            &request.method,
            &request.path,
            &request.query,
            &headers,
            &stated,
            &payload_hash(b"")
        ),
        None
    );
}

#[test]
fn malformed_statements_are_incomplete_signatures() {
    for (auth, date) in [
        ("AWS4-HMAC-SHA256 Credential", Some("20150830T123600Z")),
        (
            "AWS4-HMAC-SHA256 Credential=a/b/c/sts/aws4_request, SignedHeaders=host",
            Some("20150830T123600Z"),
        ),
        (
            "AWS4-HMAC-SHA256 Credential=a/b, SignedHeaders=host, Signature=00",
            Some("20150830T123600Z"),
        ),
        (
            "AWS4-HMAC-SHA256 Credential=a/b/c/sts/aws4_request, SignedHeaders=host, Signature=00",
            None,
        ),
        ("Bearer x", Some("20150830T123600Z")),
    ] {
        let err = sigv4::from_authorization(auth, date).unwrap_err();
        assert_eq!(
            err.code,
            parlel_sts::error::ErrorCode::IncompleteSignature,
            "{auth}"
        );
    }
    let none = |_: &str| None;
    assert!(sigv4::from_query(none).is_err());
}
