//! Typed responses and errors as XML, exactly as real STS writes them: pretty-printed (two-space
//! indent, no declaration, trailing newline), into one pre-sized buffer.

use std::borrow::Cow;

use bytes::Bytes;
use quick_xml::escape::partial_escape;

use super::output::{Field, Output, Value};
use crate::decimal;
use crate::error::{STS_NAMESPACE, StsError};
use crate::timestamp::iso8601_seconds_into;

pub(super) fn output_xml(output: &Output, request_id: &str) -> Bytes {
    let op = output.operation;
    let mut xml = XmlOut::new(
        256 + 2 * op.len()
            + output
                .result
                .iter()
                .map(Field::xml_size_hint)
                .sum::<usize>(),
    );
    with_skeleton(op, |skeleton| {
        xml.buf.extend_from_slice(&skeleton.head);
        xml.depth = 2;
        xml.line_break = true;
        output.result.iter().for_each(|f| xml.field(f));
        xml.buf.extend_from_slice(&skeleton.before_id);
        xml.escaped(request_id);
        xml.buf.extend_from_slice(&skeleton.after_id);
    });
    xml.finish()
}

/// What a success document holds besides its fields and request id, which depends on the
/// operation only: laid out by `XmlOut` once per operation and thread, then copied in three pieces.
/// `head` | fields | `before_id` | request id | `after_id`.
struct Skeleton {
    /// `<{op}Response xmlns="..">` and `<{op}Result>` (fields follow at depth 2).
    head: Vec<u8>,
    /// The end of the result, `<ResponseMetadata>` and `<RequestId>`.
    before_id: Vec<u8>,
    /// `</RequestId>` to `</{op}Response>` (the final newline is `finish`'s).
    after_id: Vec<u8>,
}

impl Skeleton {
    fn of(op: &str) -> Skeleton {
        let mut xml = XmlOut::detached();
        xml.start_tag(op, "Response", Some(STS_NAMESPACE));
        xml.start_tag(op, "Result", None);
        let head = std::mem::take(&mut xml.buf);
        // The fields leave the writer at depth 2 after an end tag; so does an empty result.
        xml.end_tag(op, "Result");
        xml.start("ResponseMetadata");
        xml.start("RequestId");
        let before_id = std::mem::take(&mut xml.buf);
        xml.line_break = false;
        xml.end("RequestId");
        xml.end("ResponseMetadata");
        xml.end_tag(op, "Response");
        Skeleton {
            head,
            before_id,
            after_id: xml.buf,
        }
    }
}

thread_local! {
    /// Each operation's skeleton, made on first use (a handful of operations, so a short list).
    static SKELETONS: std::cell::RefCell<Vec<(&'static str, Skeleton)>> =
        const { std::cell::RefCell::new(Vec::new()) };
}

fn with_skeleton(op: &'static str, write: impl FnOnce(&Skeleton)) {
    SKELETONS.with_borrow_mut(|skeletons| {
        let at = match skeletons.iter().position(|(name, _)| *name == op) {
            Some(at) => at,
            None => {
                skeletons.push((op, Skeleton::of(op)));
                skeletons.len() - 1
            }
        };
        write(&skeletons[at].1);
    });
}

pub(super) fn error_xml(error: &StsError, request_id: &str) -> Bytes {
    let mut xml = XmlOut::new(384);
    xml.start_tag("ErrorResponse", "", Some(error.namespace()));
    xml.start("Error");
    xml.text("Type", error.code.fault().as_str());
    xml.text("Code", error.code.as_str());
    if let Some(message) = &error.message {
        xml.text("Message", message);
    }
    xml.end("Error");
    xml.text("RequestId", request_id);
    xml.end("ErrorResponse");
    xml.finish()
}

/// Indented XML (two spaces, as quick-xml's indenting writer lays it out: a start or end tag goes on
/// a new line unless it follows text) into one pre-sized buffer. Element names are our own static
/// identifiers; text goes through quick-xml's escaping.
struct XmlOut {
    buf: Vec<u8>,
    depth: usize,
    line_break: bool,
}

thread_local! {
    /// Where XML is written before it is copied out at its exact size: one per thread, reused.
    static SCRATCH: std::cell::Cell<Vec<u8>> = const { std::cell::Cell::new(Vec::new()) };
}

/// A scratch buffer that grew beyond this (a huge decoded message) is not kept.
const SCRATCH_KEPT: usize = 64 * 1024;

const INDENT: &[u8] = b"                                                                ";
const NEW_LINE: &[u8] = b"\n                                ";

impl XmlOut {
    /// Writes into this thread's scratch buffer (`capacity` is a hint for its first use).
    fn new(capacity: usize) -> XmlOut {
        let mut buf = SCRATCH.take();
        buf.clear();
        buf.reserve(capacity);
        XmlOut {
            buf,
            depth: 0,
            line_break: false,
        }
    }

    /// A writer of its own, for laying out skeletons.
    fn detached() -> XmlOut {
        XmlOut {
            buf: Vec::with_capacity(128),
            depth: 0,
            line_break: false,
        }
    }

    fn new_line(&mut self) {
        if self.line_break {
            // The newline and the indent in one copy (the usual, shallow case).
            let indent = 2 * self.depth;
            if let Some(line) = NEW_LINE.get(..1 + indent) {
                self.buf.extend_from_slice(line);
                return;
            }
            self.buf.push(b'\n');
            let mut indent = indent;
            while indent > 0 {
                let n = indent.min(INDENT.len());
                self.buf.extend_from_slice(&INDENT[..n]);
                indent -= n;
            }
        }
    }

    /// `<{name}{suffix}>`, or with an `xmlns` attribute.
    #[inline]
    fn start_tag(&mut self, name: &str, suffix: &str, namespace: Option<&str>) {
        self.new_line();
        self.buf.push(b'<');
        self.buf.extend_from_slice(name.as_bytes());
        // Most elements have no suffix: no copy of nothing (this is on every field).
        if !suffix.is_empty() {
            self.buf.extend_from_slice(suffix.as_bytes());
        }
        if let Some(namespace) = namespace {
            self.buf.extend_from_slice(b" xmlns=\"");
            // A byte scan: the `char`-set `contains` costs several times as much per character.
            if namespace
                .bytes()
                .any(|b| matches!(b, b'<' | b'>' | b'&' | b'"' | b'\''))
            {
                self.buf
                    .extend_from_slice(quick_xml::escape::escape(namespace).as_bytes());
            } else {
                self.buf.extend_from_slice(namespace.as_bytes());
            }
            self.buf.push(b'"');
        }
        self.buf.push(b'>');
        self.depth += 1;
        self.line_break = true;
    }

    #[inline]
    fn end_tag(&mut self, name: &str, suffix: &str) {
        self.depth = self.depth.saturating_sub(1);
        self.new_line();
        self.buf.extend_from_slice(b"</");
        self.buf.extend_from_slice(name.as_bytes());
        if !suffix.is_empty() {
            self.buf.extend_from_slice(suffix.as_bytes());
        }
        self.buf.push(b'>');
        self.line_break = true;
    }

    fn start(&mut self, name: &str) {
        self.start_tag(name, "", None);
    }

    fn end(&mut self, name: &str) {
        self.end_tag(name, "");
    }

    /// `<name>` raw `</name>`: `raw` must already be escaped.
    fn raw_element(&mut self, name: &str, raw: &[u8]) {
        self.start(name);
        self.buf.extend_from_slice(raw);
        self.line_break = false;
        self.end(name);
    }

    /// `<name>` escaped `value` `</name>`.
    fn text(&mut self, name: &str, value: &str) {
        self.start(name);
        self.escaped(value);
        self.line_break = false;
        self.end(name);
    }

    /// `value` as element text, escaped, at the current position.
    #[inline]
    fn escaped(&mut self, value: &str) {
        if needs_escape(value.as_bytes()) {
            self.buf
                .extend_from_slice(partial_escape(xml_chars(value)).as_bytes());
        } else {
            self.buf.extend_from_slice(value.as_bytes());
        }
    }

    fn field(&mut self, field: &Field) {
        match &field.value {
            Value::Str(s) => self.text(field.name, s),
            Value::Int(n) => {
                let mut digits = [0u8; 20];
                let text = decimal::signed(*n, &mut digits);
                self.raw_element(field.name, text);
            }
            Value::Time(t) => {
                let mut text = [0u8; 20];
                let text = iso8601_seconds_into(*t, &mut text);
                self.raw_element(field.name, text);
            }
            Value::Struct(children) => {
                self.start(field.name);
                children.iter().for_each(|c| self.field(c));
                self.end(field.name);
            }
        }
    }

    /// The document, in an allocation of exactly its size (a `Bytes` made from a `Vec` with room
    /// to spare would allocate a second time); the scratch buffer goes back for the next one.
    fn finish(mut self) -> Bytes {
        self.buf.push(b'\n');
        let body = Bytes::from(self.buf.to_vec());
        if self.buf.capacity() <= SCRATCH_KEPT {
            SCRATCH.set(self.buf);
        }
        body
    }
}

/// Whether text holds `<`, `>`, `&` or a control character other than tab and newline. Most values
/// (keys, tokens, ARNs) hold none, so the scan runs over fixed 32-byte blocks without an early exit
/// inside a block, which the compiler turns into a few vector compares per block.
fn needs_escape(text: &[u8]) -> bool {
    fn flag(b: u8) -> u8 {
        u8::from(
            (b == b'<') | (b == b'>') | (b == b'&') | ((b < 0x20) & (b != b'\t') & (b != b'\n')),
        )
    }
    fn any(block: &[u8; 32]) -> bool {
        block.iter().fold(0u8, |found, &b| found | flag(b)) != 0
    }
    let mut blocks = text.chunks_exact(32);
    for block in &mut blocks {
        if block.try_into().is_ok_and(any) {
            return true;
        }
    }
    // The short tail (most values are shorter than a block) padded with a harmless byte, so it
    // takes the vector path too.
    let tail = blocks.remainder();
    let mut last = [b'a'; 32];
    last[..tail.len()].copy_from_slice(tail);
    any(&last)
}

impl Field {
    /// Roughly the bytes this field takes as indented XML: enough to render in one allocation.
    fn xml_size_hint(&self) -> usize {
        let tags = 2 * self.name.len() + 16;
        tags + match &self.value {
            Value::Str(s) => s.len(),
            Value::Int(_) | Value::Time(_) => 20,
            Value::Struct(children) => children.iter().map(Field::xml_size_hint).sum(),
        }
    }
}

/// XML 1.0 cannot carry control characters other than tab, newline and carriage return, not even
/// as references: an echoed `%01` becomes U+FFFD so clients can still parse the error.
fn xml_chars(value: &str) -> Cow<'_, str> {
    let forbidden = |c: char| c < ' ' && !matches!(c, '\t' | '\n' | '\r');
    if value.chars().any(forbidden) {
        Cow::Owned(
            value
                .chars()
                .map(|c| if forbidden(c) { '\u{FFFD}' } else { c })
                .collect(),
        )
    } else {
        Cow::Borrowed(value)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::ErrorCode;
    use crate::wire::output::Fields;
    use crate::wire::render::{Format, render_error, render_output};

    #[test]
    fn xml_success_matches_captured_layout() {
        let out = Fields::new()
            .str("Arn", "arn:aws:iam::738054984624:user/eduardo.valdes")
            .str("UserId", "AIDAJ465PRJTNHYBY4JVY")
            .str("Account", "738054984624")
            .output("GetCallerIdentity");
        let r = render_output(&out, "ec50e120-c591-4731-834b-efd0856b5b9d", Format::Xml);
        let expected =
            "<GetCallerIdentityResponse xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\">
  <GetCallerIdentityResult>
    <Arn>arn:aws:iam::738054984624:user/eduardo.valdes</Arn>
    <UserId>AIDAJ465PRJTNHYBY4JVY</UserId>
    <Account>738054984624</Account>
  </GetCallerIdentityResult>
  <ResponseMetadata>
    <RequestId>ec50e120-c591-4731-834b-efd0856b5b9d</RequestId>
  </ResponseMetadata>
</GetCallerIdentityResponse>
";
        assert_eq!(std::str::from_utf8(&r.body).unwrap(), expected);
        assert_eq!(r.body.len(), 411, "the captured Content-Length");
    }

    #[test]
    fn xml_error_matches_captured_layout() {
        let r = render_error(
            &StsError::new(
                ErrorCode::InvalidClientTokenId,
                "The security token included in the request is invalid",
            ),
            "16fc956c-311e-4199-bee1-1680236e9698",
            Format::Xml,
        );
        assert_eq!(r.status, 403);
        assert_eq!(r.body.len(), 305, "the captured Content-Length");
    }

    #[test]
    fn nested_ints_times_and_empty_values_lay_out_as_quick_xml_did() {
        let out = Fields::new()
            .str("Empty", "")
            .nested(
                "Credentials",
                Fields::new()
                    .str("AccessKeyId", "ASIA")
                    .time("Expiration", 1_700_000_000),
            )
            .nested("None", Fields::new())
            .int("PackedPolicySize", -12)
            .int("Zero", 0)
            .output("AssumeRole");
        let r = render_output(&out, "r", Format::Xml);
        let expected = "<AssumeRoleResponse xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\">
  <AssumeRoleResult>
    <Empty></Empty>
    <Credentials>
      <AccessKeyId>ASIA</AccessKeyId>
      <Expiration>2023-11-14T22:13:20Z</Expiration>
    </Credentials>
    <None>
    </None>
    <PackedPolicySize>-12</PackedPolicySize>
    <Zero>0</Zero>
  </AssumeRoleResult>
  <ResponseMetadata>
    <RequestId>r</RequestId>
  </ResponseMetadata>
</AssumeRoleResponse>
";
        assert_eq!(std::str::from_utf8(&r.body).unwrap(), expected);
    }

    #[test]
    fn skeletons_are_per_operation_and_hold_empty_results_and_escaped_ids() {
        let render = |op: &'static str, id: &str| {
            let out = Output {
                operation: op,
                result: Vec::new(),
            };
            String::from_utf8(render_output(&out, id, Format::Xml).body.to_vec()).unwrap()
        };
        let expected = |op: &str, id: &str| {
            format!(
                "<{op}Response xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\">\n  <{op}Result>\n  </{op}Result>\n  <ResponseMetadata>\n    <RequestId>{id}</RequestId>\n  </ResponseMetadata>\n</{op}Response>\n"
            )
        };
        for _ in 0..2 {
            assert_eq!(render("OpA", "r1"), expected("OpA", "r1"));
            assert_eq!(render("OpB", "a<&b"), expected("OpB", "a&lt;&amp;b"));
        }
    }

    #[test]
    fn needs_escape_finds_every_special_byte_anywhere() {
        let special =
            |b: u8| matches!(b, b'<' | b'>' | b'&') || (b < 0x20 && b != b'\t' && b != b'\n');
        for len in 0..80 {
            let plain = vec![b'x'; len];
            assert!(!needs_escape(&plain), "{len}");
            for at in 0..len {
                for b in 0..=255u8 {
                    let mut text = plain.clone();
                    text[at] = b;
                    assert_eq!(
                        needs_escape(&text),
                        special(b),
                        "len {len} at {at} byte {b}"
                    );
                }
            }
        }
    }

    #[test]
    fn text_is_escaped_and_missing_message_omitted() {
        let r = render_error(
            &StsError::without_message(ErrorCode::MalformedInput),
            "r",
            Format::Xml,
        );
        let s = std::str::from_utf8(&r.body).unwrap();
        assert!(!s.contains("<Message>"));
        let out = Fields::new().str("X", "a<b&c\"").output("Op");
        let s = String::from_utf8(render_output(&out, "r", Format::Xml).body.to_vec()).unwrap();
        assert!(s.contains("<X>a&lt;b&amp;c\"</X>"));
        let out = Fields::new().str("X", "a\u{1}b\r\tc").output("Op");
        let s = String::from_utf8(render_output(&out, "r", Format::Xml).body.to_vec()).unwrap();
        assert!(s.contains("<X>a\u{FFFD}b&#13;\tc</X>"), "{s}");
    }
}
