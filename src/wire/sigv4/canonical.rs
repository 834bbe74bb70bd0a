//! The canonical request of SigV4, as AWS builds it for every service but S3: the method, the
//! path with dot segments and repeated slashes removed and then percent-encoded again (so that an
//! encoded `%3A` is `%253A`), the query sorted by encoded name and value, the signed headers
//! (lower-case names, values trimmed with inner runs of spaces folded, repeated headers joined by
//! commas), the signed header list, and the SHA-256 of the payload.

use http::HeaderMap;

use crate::wire::ascii::split_ascii;

use super::{Form, Stated};

/// The canonical request of a request that arrived as `method`, `path` and `query` (both as sent,
/// percent-encoded), with these headers and a payload whose SHA-256 is `payload_hash`. `None` when
/// a signed header is not in the request, or the signed header list is not what a signer writes
/// (lower-case names, each once, in ascending order): the canonical request is then bounded by
/// the request's own size, whatever the list.
pub fn canonical_request(
    method: &str,
    path: &str,
    query: &str,
    headers: &HeaderMap,
    stated: &Stated<'_>,
    payload_hash: &str,
) -> Option<String> {
    let mut out = String::with_capacity(256 + query.len());
    write_canonical_request(method, path, query, headers, stated, payload_hash, &mut out)?;
    Some(out)
}

/// `canonical_request`, written into `out` (a buffer the caller reuses).
pub fn write_canonical_request(
    method: &str,
    path: &str,
    query: &str,
    headers: &HeaderMap,
    stated: &Stated<'_>,
    payload_hash: &str,
    out: &mut String,
) -> Option<()> {
    if !signed_headers_in_order(stated.signed_headers, headers.keys_len()) {
        return None;
    }
    out.clear();
    out.push_str(method);
    out.push('\n');
    canonical_path(path, out);
    out.push('\n');
    canonical_query(query, stated.form, out);
    out.push('\n');
    for name in split_ascii(stated.signed_headers, b';') {
        out.push_str(name);
        out.push(':');
        let mut first = true;
        for value in headers.get_all(name) {
            if !first {
                out.push(',');
            }
            first = false;
            folded(value.as_bytes(), out)?;
        }
        if first {
            return None;
        }
        out.push('\n');
    }
    out.push('\n');
    out.push_str(stated.signed_headers);
    out.push('\n');
    out.push_str(payload_hash);
    Some(())
}

/// Names, `;`-separated, each non-empty, lower-case and after the one before it; no more of them
/// than the request has headers.
fn signed_headers_in_order(list: &str, headers: usize) -> bool {
    let mut count = 0;
    let mut previous: Option<&str> = None;
    for name in split_ascii(list, b';') {
        count += 1;
        let well_formed = !name.is_empty()
            && name
                .bytes()
                .all(|b| !b.is_ascii_uppercase() && b.is_ascii_graphic());
        if !well_formed || count > headers || previous.is_some_and(|p| p >= name) {
            return false;
        }
        previous = Some(name);
    }
    true
}

/// A header value trimmed, inner runs of spaces folded into one (as aws-sigv4 does; tabs are kept).
/// A value that is not UTF-8 is not signed text: it fails the check.
fn folded(value: &[u8], out: &mut String) -> Option<()> {
    let text = std::str::from_utf8(value).ok()?;
    // Most values have no space to fold or trim.
    if memchr::memchr(b' ', value).is_none() {
        out.push_str(text);
        return Some(());
    }
    let mut words = split_ascii(text, b' ').filter(|w| !w.is_empty());
    if let Some(word) = words.next() {
        out.push_str(word);
    }
    for word in words {
        out.push(' ');
        out.push_str(word);
    }
    Some(())
}

/// The path with RFC 3986's dot segments removed and empty segments dropped, each byte that is
/// not unreserved (nor `/`) percent-encoded; `/` when nothing is left.
fn canonical_path(path: &str, out: &mut String) {
    if path == "/" {
        out.push('/');
        return;
    }
    let mut segments: Vec<&str> = Vec::new();
    for segment in split_ascii(path, b'/') {
        match segment {
            "" | "." => {}
            ".." => {
                segments.pop();
            }
            _ => segments.push(segment),
        }
    }
    out.push('/');
    for (i, segment) in segments.iter().enumerate() {
        if i > 0 {
            out.push('/');
        }
        encode(segment.as_bytes(), out);
    }
    // `/a/`, `/a/.` and `/a/b/..` all end in a directory, as aws-sigv4 reads them.
    let ends_in_directory = path.ends_with('/') || path.ends_with("/.") || path.ends_with("/..");
    if !segments.is_empty() && ends_in_directory {
        out.push('/');
    }
}

/// The query's `name=value` pairs, decoded (`%XX`, and `+` as a space, as the parameters are read
/// and as aws-sigv4 reads them), encoded again, sorted by name and then value; a presigned
/// request's own `X-Amz-Signature` is left out.
fn canonical_query(query: &str, form: Form, out: &mut String) {
    if query.is_empty() {
        return;
    }
    let mut pairs: Vec<(String, String)> = query
        .split('&')
        .filter(|pair| !pair.is_empty())
        .map(|pair| {
            let (name, value) = pair.split_once('=').unwrap_or((pair, ""));
            (reencoded(name), reencoded(value))
        })
        .filter(|(name, _)| !(matches!(form, Form::Query { .. }) && name == "X-Amz-Signature"))
        .collect();
    pairs.sort();
    for (i, (name, value)) in pairs.iter().enumerate() {
        if i > 0 {
            out.push('&');
        }
        out.push_str(name);
        out.push('=');
        out.push_str(value);
    }
}

/// `%XX` decoded, then encoded as SigV4 encodes.
fn reencoded(raw: &str) -> String {
    let bytes = raw.as_bytes();
    let mut decoded = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = |b: u8| char::from(b).to_digit(16).map(|d| d as u8);
        match (
            bytes[i],
            bytes.get(i + 1).copied().and_then(hex),
            bytes.get(i + 2).copied().and_then(hex),
        ) {
            (b'%', Some(high), Some(low)) => {
                decoded.push(high << 4 | low);
                i += 3;
            }
            (b'+', _, _) => {
                decoded.push(b' ');
                i += 1;
            }
            (b, _, _) => {
                decoded.push(b);
                i += 1;
            }
        }
    }
    let mut out = String::with_capacity(decoded.len() + 8);
    encode(&decoded, &mut out);
    out
}

/// Every byte but the unreserved ones (`A-Z a-z 0-9 - . _ ~`) as `%XX`, upper-case hex.
fn encode(bytes: &[u8], out: &mut String) {
    const HEX: &[u8; 16] = b"0123456789ABCDEF";
    for &b in bytes {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
            out.push(char::from(b));
        } else {
            out.push('%');
            out.push(char::from(HEX[usize::from(b >> 4)]));
            out.push(char::from(HEX[usize::from(b & 15)]));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_plus_in_the_query_is_the_space_the_parameters_read() {
        let mut plus = String::new();
        canonical_query("RoleSessionName=a+b", Form::Header, &mut plus);
        let mut encoded_plus = String::new();
        canonical_query("RoleSessionName=a%2Bb", Form::Header, &mut encoded_plus);
        assert_eq!(plus, "RoleSessionName=a%20b");
        assert_eq!(encoded_plus, "RoleSessionName=a%2Bb");
    }

    #[test]
    fn only_a_presigned_query_leaves_its_signature_out() {
        let mut header = String::new();
        canonical_query("X-Amz-Signature=00&A=1", Form::Header, &mut header);
        let mut query = String::new();
        canonical_query(
            "X-Amz-Signature=00&A=1",
            Form::Query { expires: 60 },
            &mut query,
        );
        assert_eq!(
            (header.as_str(), query.as_str()),
            ("A=1&X-Amz-Signature=00", "A=1")
        );
    }

    #[test]
    fn signed_header_lists_are_what_a_signer_writes() {
        assert!(signed_headers_in_order("host;x-amz-date", 2));
        for bad in [
            "x-amz-date;host",
            "host;host",
            "Host",
            "host;;x",
            "",
            "a;b;c",
        ] {
            assert!(!signed_headers_in_order(bad, 2), "{bad}");
        }
    }
}
