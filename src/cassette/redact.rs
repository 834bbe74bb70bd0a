//! Redaction of an STS answer before anything keeps or forwards it. Each secret (a credential's
//! `AccessKeyId`, `SecretAccessKey` and `SessionToken`, a `WebIdentityToken`) becomes a fake of
//! the same shape, derived from the real value with the cassette's key: one real value maps to one
//! fake everywhere, so chains still correlate. The fake access key id encodes the real key's
//! account, as AWS's do (GetAccessKeyInfo on it answers the recorded account).
//!
//! The answer's other bytes are kept as they are: the XML is read with quick-xml only to find the
//! text of those elements, which is replaced in place.

use quick_xml::Reader;
use quick_xml::events::Event;
use ring::hmac;

use super::json_pairs::{Value as JsonValue, is_json, pairs};
use super::key_ids::{fake_access_key_id, real_key_ids};
use super::rewrite::Rewriter;
use crate::fake::account_of;
use crate::secret::Secret;
use crate::timestamp::parse_rfc3339_ms;

/// The elements whose text is a secret.
const SECRET_ELEMENTS: [&str; 4] = [
    "AccessKeyId",
    "SecretAccessKey",
    "SessionToken",
    "WebIdentityToken",
];

/// The real temporary credentials behind a fake access key id the client was handed.
#[derive(Debug, Clone)]
pub struct RealSession {
    pub access_key_id: Secret,
    pub secret_access_key: Secret,
    pub session_token: Secret,
    /// `Expiration`, in milliseconds since the epoch, when the answer said.
    pub expires_ms: Option<i64>,
}

/// An answer with its secrets replaced, and the sessions it handed out (fake key -> real).
#[derive(Debug)]
pub struct Redacted {
    pub body: Vec<u8>,
    pub sessions: Vec<(String, RealSession)>,
    /// Every real value that was replaced (what a fail-closed scan looks for later).
    pub real_values: Vec<Secret>,
}

/// Makes the fakes: an HMAC key from the cassette's salt; then `[record]`'s rewriting rules.
pub struct Redactor {
    key: hmac::Key,
    rewriter: Rewriter,
}

impl Redactor {
    pub fn new(salt: &[u8], rewriter: Rewriter) -> Redactor {
        Redactor {
            key: hmac::Key::new(hmac::HMAC_SHA256, salt),
            rewriter,
        }
    }

    /// The rewriting rules applied after redaction.
    pub fn rewriter(&self) -> &Rewriter {
        &self.rewriter
    }

    /// `body` (an STS XML answer) with every secret replaced. An answer that is not well-formed
    /// XML is refused: what it holds cannot be known.
    pub fn answer(&self, body: &[u8]) -> Result<Redacted, String> {
        let spans = secret_spans(body)?;
        let mut out = Vec::with_capacity(body.len());
        let mut at = 0;
        let mut real_values = Vec::new();
        let mut credentials = CredentialsSeen::default();
        let mut sessions = Vec::new();
        for span in &spans {
            let real = std::str::from_utf8(&body[span.start..span.end])
                .map_err(|_| format!("the {} of the answer is not UTF-8", span.element))?;
            let fake = self.fake(span.element, real);
            out.extend_from_slice(&body[at..span.start]);
            out.extend_from_slice(fake.as_bytes());
            at = span.end;
            real_values.push(Secret::new(real));
            credentials.note(span.element, real, &fake);
            if let Some(session) = credentials.complete(span.expires_ms) {
                sessions.push(session);
            }
        }
        out.extend_from_slice(&body[at..]);
        // An access key id anywhere else in the answer (moto, for one, reports the caller's key
        // as its UserId) is replaced too: nothing shaped as a real key is passed on.
        let text = String::from_utf8(out).map_err(|_| "the answer is not UTF-8".to_owned())?;
        let stray: Vec<String> = real_key_ids(&text).map(str::to_owned).collect();
        let mut text = text;
        for key in stray {
            text = text.replace(&key, &self.fake("AccessKeyId", &key));
            real_values.push(Secret::new(key));
        }
        let text = self.rewriter.outward(&text).into_owned();
        Ok(Redacted {
            body: text.into_bytes(),
            sessions,
            real_values,
        })
    }

    /// The fake of `real`, a value of `element`.
    pub fn fake(&self, element: &str, real: &str) -> String {
        let stream = |len: usize| self.stream(element, real, len);
        match element {
            "AccessKeyId" => {
                let account = account_of(real).map_or_else(
                    || "000000000000".to_owned(),
                    |account| self.rewriter.account(&account),
                );
                let prefix = if real.starts_with("AKIA") {
                    "AKIA"
                } else {
                    "ASIA"
                };
                let mut high = [0u8; 4];
                high.copy_from_slice(&stream(4));
                fake_access_key_id(prefix, &account, u32::from_be_bytes(high))
            }
            "WebIdentityToken" => {
                // Three base64url parts of the real parts' lengths: still shaped as a JWT.
                let parts: Vec<String> = real
                    .split('.')
                    .enumerate()
                    .map(|(i, part)| {
                        let bytes = self.stream(&format!("{element}.{i}"), real, part.len());
                        alphabet_string(&bytes, BASE64URL)
                    })
                    .collect();
                parts.join(".")
            }
            // A secret access key (40 characters) or a session token: base64 of the same length.
            _ => alphabet_string(&stream(real.len()), BASE64),
        }
    }

    /// `len` bytes derived from (`label`, `real`): HMAC blocks in counter mode.
    fn stream(&self, label: &str, real: &str, len: usize) -> Vec<u8> {
        let mut out = Vec::with_capacity(len + 32);
        let mut counter: u32 = 0;
        while out.len() < len {
            let mut context = hmac::Context::with_key(&self.key);
            context.update(label.as_bytes());
            context.update(&[0]);
            context.update(&counter.to_be_bytes());
            context.update(real.as_bytes());
            out.extend_from_slice(context.sign().as_ref());
            counter += 1;
        }
        out.truncate(len);
        out
    }
}

const BASE64: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
const BASE64URL: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

fn alphabet_string(bytes: &[u8], alphabet: &[u8; 64]) -> String {
    bytes
        .iter()
        .map(|b| char::from(alphabet[usize::from(b & 63)]))
        .collect()
}

/// Where a secret's text is in the answer.
struct Span {
    element: &'static str,
    start: usize,
    end: usize,
    /// The `Expiration` of the `Credentials` this span is in, when there is one.
    expires_ms: Option<i64>,
}

/// The text spans of the secret elements (or JSON keys), in order, each with its credentials'
/// expiration. An answer that is neither XML nor JSON (plain text, a BOM first) is refused: what
/// cannot be read cannot be known to hold no secret.
fn secret_spans(body: &[u8]) -> Result<Vec<Span>, String> {
    if is_json(body) {
        let text = std::str::from_utf8(body).map_err(|_| "the answer is not UTF-8".to_owned())?;
        // Well-formed first: the scanner below reads keys as written, and a document it could
        // misread is not passed on.
        serde_json::from_str::<serde::de::IgnoredAny>(text)
            .map_err(|e| format!("the answer is not well-formed JSON: {e}"))?;
        return json_secret_spans(text);
    }
    match body.trim_ascii_start().first() {
        Some(b'<') => xml_secret_spans(body),
        // Nothing at all holds nothing.
        None => Ok(Vec::new()),
        Some(_) => Err("the answer is neither XML nor JSON".to_owned()),
    }
}

/// A JSON answer's (`Accept: application/json`): the string values of the secret keys; the
/// `Expiration` of a `Credentials` object is a number of epoch seconds.
fn json_secret_spans(body: &str) -> Result<Vec<Span>, String> {
    let mut spans: Vec<Span> = Vec::new();
    // Where the current `Credentials` object's spans start, and its `Expiration` once seen
    // (JSON writes it between the key id and the secret).
    let (mut credentials_start, mut expires) = (0, None);
    for pair in pairs(body)? {
        // A key written with an escape (`Secret\u0041ccessKey`) could be a secret's.
        if pair.key.contains('\\') {
            return Err("a key of the answer is written with an escape".to_owned());
        }
        let text = &body[pair.at.clone()];
        match (pair.key, pair.value) {
            ("Credentials", JsonValue::Nested) => {
                (credentials_start, expires) = (spans.len(), None)
            }
            ("Expiration", JsonValue::Scalar) => {
                expires = text
                    .parse::<f64>()
                    .ok()
                    .filter(|s| s.is_finite())
                    .map(|s| (s * 1000.0) as i64);
                for span in &mut spans[credentials_start..] {
                    span.expires_ms = expires;
                }
            }
            (key, value) => {
                let Some(element) = SECRET_ELEMENTS.iter().copied().find(|s| *s == key) else {
                    continue;
                };
                if value != JsonValue::String || text.contains('\\') {
                    return Err("a secret of the answer is not plain text".to_owned());
                }
                spans.push(Span {
                    element,
                    start: pair.at.start,
                    end: pair.at.end,
                    expires_ms: expires,
                });
            }
        }
    }
    Ok(spans)
}

fn xml_secret_spans(body: &[u8]) -> Result<Vec<Span>, String> {
    let mut reader = Reader::from_reader(body);
    let mut spans = Vec::new();
    let mut open: Option<&'static str> = None;
    let mut in_expiration = false;
    let mut credentials_start = 0;
    loop {
        let before = usize::try_from(reader.buffer_position()).unwrap_or(usize::MAX);
        let event = reader
            .read_event()
            .map_err(|e| format!("the answer is not well-formed XML: {e}"))?;
        let after = usize::try_from(reader.buffer_position()).unwrap_or(usize::MAX);
        match event {
            Event::Start(e) => {
                let local = e.local_name();
                let name: &str = local.into_inner();
                open = SECRET_ELEMENTS.iter().copied().find(|s| *s == name);
                in_expiration = name == "Expiration";
                if name == "Credentials" {
                    credentials_start = spans.len();
                }
            }
            Event::Text(t) => {
                if let Some(element) = open {
                    spans.push(Span {
                        element,
                        start: before,
                        end: after,
                        expires_ms: None,
                    });
                } else if in_expiration {
                    let text = t.xml10_content();
                    let expires = parse_rfc3339_ms(text.trim()).ok();
                    for span in &mut spans[credentials_start..] {
                        span.expires_ms = expires;
                    }
                }
            }
            Event::CData(_) | Event::GeneralRef(_) if open.is_some() => {
                return Err("a secret of the answer is not plain text".to_owned());
            }
            Event::End(_) => {
                open = None;
                in_expiration = false;
            }
            Event::Eof => break,
            _ => {}
        }
    }
    Ok(spans)
}

/// The parts of one `Credentials` element seen so far.
#[derive(Default)]
struct CredentialsSeen {
    fake_key: Option<String>,
    key: Option<String>,
    secret: Option<String>,
    token: Option<String>,
}

impl CredentialsSeen {
    fn note(&mut self, element: &str, real: &str, fake: &str) {
        match element {
            "AccessKeyId" => {
                self.key = Some(real.to_owned());
                self.fake_key = Some(fake.to_owned());
            }
            "SecretAccessKey" => self.secret = Some(real.to_owned()),
            "SessionToken" => self.token = Some(real.to_owned()),
            _ => {}
        }
    }

    /// The session, once its three parts were seen (and the parts forgotten).
    fn complete(&mut self, expires_ms: Option<i64>) -> Option<(String, RealSession)> {
        if self.key.is_none() || self.secret.is_none() || self.token.is_none() {
            return None;
        }
        let seen = std::mem::take(self);
        Some((
            seen.fake_key?,
            RealSession {
                access_key_id: Secret::new(seen.key?),
                secret_access_key: Secret::new(seen.secret?),
                session_token: Secret::new(seen.token?),
                expires_ms,
            },
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cassette::key_ids::is_fake_access_key_id;

    const ANSWER: &str = r#"<AssumeRoleResponse xmlns="https://sts.amazonaws.com/doc/2011-06-15/">
  <AssumeRoleResult>
    <Credentials>
      <AccessKeyId>ASIAYQAAAAAAAREALKEY</AccessKeyId>
      <SecretAccessKey>realsecretrealsecretrealsecretrealsecre</SecretAccessKey>
      <SessionToken>IQoJb3JpZ2luX2VjEJr//////////realtoken==</SessionToken>
      <Expiration>2030-01-01T01:00:00Z</Expiration>
    </Credentials>
    <AssumedRoleUser><Arn>arn:aws:sts::123456789012:assumed-role/r/s</Arn></AssumedRoleUser>
  </AssumeRoleResult>
</AssumeRoleResponse>"#;

    #[test]
    fn secrets_become_stable_fakes_of_their_shape_and_nothing_else_changes() {
        let redactor = Redactor::new(b"cassette salt", Rewriter::default());
        let redacted = redactor.answer(ANSWER.as_bytes()).unwrap();
        let text = String::from_utf8(redacted.body.clone()).unwrap();
        for real in [
            "ASIAYQAAAAAAAREALKEY",
            "realsecretrealsecretrealsecretrealsecre",
            "realtoken",
        ] {
            assert!(!text.contains(real), "{text}");
        }
        assert!(text.contains("arn:aws:sts::123456789012:assumed-role/r/s"));
        assert!(text.contains("<Expiration>2030-01-01T01:00:00Z</Expiration>"));
        let (fake_key, session) = &redacted.sessions[0];
        assert!(
            fake_key.starts_with("ASIA") && fake_key.len() == 20,
            "{fake_key}"
        );
        assert_eq!(account_of(fake_key), account_of("ASIAYQAAAAAAAREALKEY"));
        assert!(is_fake_access_key_id(fake_key));
        assert!(!is_fake_access_key_id("ASIAYQAAAAAAAREALKEY"));
        assert_eq!(session.access_key_id.expose(), "ASIAYQAAAAAAAREALKEY");
        assert_eq!(session.expires_ms, Some(1_893_459_600_000));
        assert_eq!(redacted.real_values.len(), 3);
        // The same salt and value, the same fake; another salt, another.
        let again = redactor.answer(ANSWER.as_bytes()).unwrap();
        assert_eq!(again.body, redacted.body);
        let other = Redactor::new(b"another", Rewriter::default())
            .answer(ANSWER.as_bytes())
            .unwrap();
        assert_ne!(other.body, redacted.body);
        // Only the secrets' text changed: the lengths of the secret and token are kept.
        assert_eq!(text.len(), ANSWER.len());
    }

    #[test]
    fn a_key_id_anywhere_in_the_answer_is_replaced() {
        let redactor = Redactor::new(b"s", Rewriter::default());
        let answer =
            b"<R><UserId>AKIAIOSFODNN7EXAMPLE</UserId><Arn>arn:aws:iam::1:user/u</Arn></R>";
        let redacted = redactor.answer(answer).unwrap();
        let text = String::from_utf8(redacted.body).unwrap();
        let fake = redactor.fake("AccessKeyId", "AKIAIOSFODNN7EXAMPLE");
        assert_eq!(
            text,
            format!("<R><UserId>{fake}</UserId><Arn>arn:aws:iam::1:user/u</Arn></R>")
        );
        assert_eq!(redacted.real_values.len(), 1);
    }

    #[test]
    fn web_identity_tokens_keep_a_jwt_shape() {
        let redactor = Redactor::new(b"s", Rewriter::default());
        let fake = redactor.fake("WebIdentityToken", "eyJhbGciOi.eyJzdWIiOiJ.c2lnbmF0dXJl");
        let lengths: Vec<usize> = fake.split('.').map(str::len).collect();
        assert_eq!(lengths, [10, 11, 12]);
        assert!(!fake.contains("eyJzdWIiOiJ"));
    }

    #[test]
    fn json_answers_are_redacted_too() {
        let redactor = Redactor::new(b"cassette salt", Rewriter::default());
        let answer = r#"{"AssumeRoleResponse":{"AssumeRoleResult":{"AssumedRoleUser":{"Arn":"arn:aws:sts::123456789012:assumed-role/r/s"},"Credentials":{"AccessKeyId":"ASIAYQAAAAAAAREALKEY","Expiration":1.8934164E9,"SecretAccessKey":"realsecretrealsecretrealsecretrealsecre","SessionToken":"IQoJb3JpZ2luX2VjEJr//////////realtoken=="}}}}"#;
        let redacted = redactor.answer(answer.as_bytes()).unwrap();
        let text = String::from_utf8(redacted.body).unwrap();
        for real in ["REALKEY", "realsecret", "realtoken"] {
            assert!(!text.contains(real), "{text}");
        }
        assert!(text.contains(r#""Expiration":1.8934164E9"#), "{text}");
        let (fake_key, session) = &redacted.sessions[0];
        assert!(is_fake_access_key_id(fake_key), "{fake_key}");
        assert!(text.contains(fake_key.as_str()));
        assert_eq!(session.access_key_id.expose(), "ASIAYQAAAAAAAREALKEY");
        assert_eq!(session.expires_ms, Some(1_893_416_400_000));
        assert_eq!(redacted.real_values.len(), 3);
        // What cannot be read for certain is refused, not guessed at: a secret or a key with an
        // escape, JSON that is not well-formed, a body that is neither XML nor JSON.
        for refused in [
            &br#"{"Credentials":{"SessionToken":"a\/b"}}"#[..],
            br#"{"Credentials":{"Secret\u0041ccessKey":"REAL"}}"#,
            br#"{"a":1"SessionToken":"REAL"}"#,
            b"\xef\xbb\xbf<R><SessionToken>REAL</SessionToken></R>",
            b"SessionToken: REAL",
        ] {
            assert!(
                redactor.answer(refused).is_err(),
                "{}",
                String::from_utf8_lossy(refused)
            );
        }
    }

    /// A real secret never survives: JSON answers laid out at random (white space, key order,
    /// other keys, a byte changed outside the secrets' keys) are redacted without it, or refused.
    #[test]
    fn no_real_secret_survives_a_json_answer_in_any_layout() {
        let redactor = Redactor::new(b"salt", Rewriter::default());
        let secrets = [
            ("AccessKeyId", "ASIAYQAAAAAAAREALKEY"),
            ("SecretAccessKey", "realsecretrealsecretrealsecretrealsecre"),
            ("SessionToken", "IQoJb3JpZ2luX2VjEJrealtokenrealtoken=="),
        ];
        let mut next = crate::test_random::xorshift(0x853c_49e6_748f_ea9b_u64);
        let spaces = [" ", "", "\n  ", "\t"];
        for _ in 0..5_000 {
            let space = |n: u64| spaces[(n % 4) as usize];
            let mut members: Vec<String> = secrets
                .iter()
                .map(|(k, v)| format!("\"{k}\"{}:{}\"{v}\"", space(next()), space(next())))
                .collect();
            members.push(format!("\"Expiration\":{}1.8E9", space(next())));
            members.push(format!("\"Other\":{}[\"x\",{{\"y\":null}}]", space(next())));
            let rotate = (next() % members.len() as u64) as usize;
            members.rotate_left(rotate);
            let mut body = format!(
                "{{\"R\":{{\"Credentials\":{{{}{}}}}}}}",
                space(next()),
                members.join(",")
            )
            .into_bytes();
            // A byte changed anywhere but in a secret's key (an answer whose keys are others
            // holds no secret by name; the XML path is the same).
            let in_a_key = |at: usize, body: &[u8]| {
                secrets.iter().any(|(key, _)| {
                    memchr::memmem::find(body, key.as_bytes())
                        .is_some_and(|start| (start..start + key.len()).contains(&at))
                })
            };
            let at = (next() % body.len() as u64) as usize;
            if next().is_multiple_of(3) && !in_a_key(at, &body) {
                body[at] = b"\"{}:,\\ x"[(next() % 8) as usize];
            }
            if let Ok(redacted) = redactor.answer(&body) {
                let text = String::from_utf8_lossy(&redacted.body);
                for (_, real) in secrets {
                    // A changed byte may have cut a secret short: its second half is looked
                    // for too (the first half of a key id is its account, kept by design).
                    for part in [real, &real[real.len() / 2..]] {
                        assert!(!text.contains(part), "{part} in {text}");
                    }
                }
            }
        }
    }

    #[test]
    fn answers_that_are_not_xml_are_refused() {
        let redactor = Redactor::new(b"s", Rewriter::default());
        assert!(redactor.answer(b"<a><b></a>").is_err());
        assert!(
            redactor
                .answer(b"<r><SessionToken><![CDATA[x]]></SessionToken></r>")
                .is_err()
        );
    }
}
