//! Whether a recorded answer is what STS answers: the operation's `{Action}Response` (or an
//! `ErrorResponse`) in XML, or a JSON object. `looks_like_sts` is the cheap check replay makes on
//! every interaction at load; `parses_as_sts` the full one `cassette verify` makes.

use quick_xml::Reader;
use quick_xml::events::Event;

use super::json_pairs::is_json;
use super::model::Interaction;

/// The root element an answer of `action` with `status` has: `{action}Response`, or
/// `ErrorResponse`, as (a part, `Response`).
fn expected_root(action: &str, status: u16) -> (&str, &'static str) {
    if status < 300 {
        (action, "Response")
    } else {
        ("Error", "Response")
    }
}

/// Its first and last bytes are an STS answer's: `<ROOT` ... `</ROOT>`, or `{` ... `}`.
pub fn looks_like_sts(interaction: &Interaction) -> Result<(), String> {
    let body = interaction.response.body.trim();
    // By what the body is: an upstream may answer XML to a request that asked for JSON.
    if is_json(body.as_bytes()) {
        return if body.starts_with('{') && body.ends_with('}') {
            Ok(())
        } else {
            Err("its body is not a JSON object".to_owned())
        };
    }
    let (name, suffix) = expected_root(&interaction.request.action, interaction.response.status);
    let opens = body
        .strip_prefix('<')
        .and_then(|b| b.strip_prefix(name))
        .and_then(|b| b.strip_prefix(suffix))
        .is_some_and(|b| b.starts_with([' ', '>', '\n', '\t', '\r']));
    let closes = body
        .strip_suffix('>')
        .and_then(|b| b.strip_suffix(suffix))
        .and_then(|b| b.strip_suffix(name))
        .is_some_and(|b| b.ends_with("</"));
    if opens && closes {
        Ok(())
    } else {
        Err(format!(
            "its body is not STS XML (an <{name}{suffix}> document)"
        ))
    }
}

/// The texts of `<NAME>…</NAME>` in `body` (the access keys an answer hands out, for one).
pub fn element_texts(body: &str, name: &str) -> Vec<String> {
    let (open, close) = (format!("<{name}>"), format!("</{name}>"));
    let mut out = Vec::new();
    let mut rest = body;
    while let Some(start) = rest.find(&open) {
        let after = &rest[start + open.len()..];
        let Some(end) = after.find(&close) else {
            break;
        };
        out.push(after[..end].to_owned());
        rest = &after[end + close.len()..];
    }
    out
}

/// The access key ids an answer hands out: its `AccessKeyId` texts, XML or JSON.
pub fn handed_out_keys(body: &str) -> Vec<String> {
    if is_json(body.as_bytes()) {
        super::json_pairs::string_values(body, "AccessKeyId")
    } else {
        element_texts(body, "AccessKeyId")
    }
}

/// Parses as the operation's answer: well-formed XML whose root is the expected element, or JSON.
pub fn parses_as_sts(interaction: &Interaction) -> Result<(), String> {
    looks_like_sts(interaction)?;
    let body = &interaction.response.body;
    if is_json(body.as_bytes()) {
        return serde_json::from_str::<serde_json::Value>(body)
            .map(|_| ())
            .map_err(|e| format!("its body is not JSON: {e}"));
    }
    let mut reader = Reader::from_str(body);
    let mut depth = 0usize;
    loop {
        match reader.read_event() {
            Ok(Event::Start(_)) => depth += 1,
            Ok(Event::End(_)) => depth = depth.saturating_sub(1),
            Ok(Event::Eof) if depth == 0 => return Ok(()),
            Ok(Event::Eof) => return Err("its body ends inside an element".to_owned()),
            Ok(_) => {}
            Err(e) => return Err(format!("its body is not well-formed XML: {e}")),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cassette::model::sample;

    #[test]
    fn an_answer_is_the_operations_document() {
        let mut i = sample(0);
        i.response.body =
            "<GetCallerIdentityResponse xmlns=\"x\">\n  <A>1</A>\n</GetCallerIdentityResponse>\n"
                .into();
        parses_as_sts(&i).unwrap();
        i.response.body = "<html>nope</html>".into();
        assert!(looks_like_sts(&i).unwrap_err().contains("not STS XML"));
        i.response.body = "<GetCallerIdentityResponse><A></GetCallerIdentityResponse>".into();
        assert!(looks_like_sts(&i).is_ok());
        assert!(parses_as_sts(&i).unwrap_err().contains("not well-formed"));
        i.response.status = 403;
        i.response.body = "<ErrorResponse><Error/></ErrorResponse>".into();
        parses_as_sts(&i).unwrap();
    }

    /// What the body is decides, not what the request asked for: an upstream that ignores
    /// `Accept: application/json` (moto does) answers XML, and that recording still loads.
    #[test]
    fn the_body_says_whether_it_is_json() {
        let mut i = sample(0);
        i.request.format = "json".into();
        parses_as_sts(&i).unwrap();
        i.response.body = r#"{"GetCallerIdentityResponse":{}}"#.into();
        parses_as_sts(&i).unwrap();
        i.response.body = r#"{"GetCallerIdentityResponse":"#.into();
        assert!(
            looks_like_sts(&i)
                .unwrap_err()
                .contains("not a JSON object")
        );
        i.response.body = r#"{"a":}"#.into();
        assert!(parses_as_sts(&i).unwrap_err().contains("not JSON"));
        i.request.format = "xml".into();
        i.response.body = r#"{"AccessKeyId":"ASIA1"}"#.into();
        parses_as_sts(&i).unwrap();
        assert_eq!(handed_out_keys(&i.response.body), ["ASIA1"]);
    }
}
