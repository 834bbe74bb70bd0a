//! SAML 2.0 responses as AssumeRoleWithSAML reads them: base64, then XML (quick-xml), keeping what
//! STS reports or checks. Elements are matched by local name, so any namespace prefix works.
//! Signatures are not verified; whether the response or its assertion carries one is noted (strict
//! mode refuses an unsigned response).

use std::collections::BTreeMap;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use quick_xml::Reader;
use quick_xml::XmlVersion;
use quick_xml::escape::resolve_predefined_entity;
use quick_xml::events::{BytesStart, Event};

/// What a SAML response says.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct SamlResponse {
    /// The assertion's `Issuer` (the response's when the assertion has none).
    pub issuer: String,
    pub name_id: String,
    /// `NameID/@Format`, as written.
    pub name_id_format: Option<String>,
    /// `SubjectConfirmationData/@Recipient`.
    pub recipient: Option<String>,
    /// `Conditions/AudienceRestriction/Audience` values.
    pub audiences: Vec<String>,
    /// `IssueInstant` of the response (or the assertion), as written.
    pub issue_instant: Option<String>,
    /// Every `NotOnOrAfter` of `Conditions` and `SubjectConfirmationData`: all must be in the future.
    pub not_on_or_after: Vec<String>,
    /// `AuthnStatement/@SessionNotOnOrAfter`.
    pub session_not_on_or_after: Option<String>,
    /// `Attribute/@Name` -> its `AttributeValue`s.
    pub attributes: BTreeMap<String, Vec<String>>,
    /// A `Signature` element is a child of the response or of its assertion.
    pub signed: bool,
}

impl SamlResponse {
    pub fn attribute(&self, name: &str) -> Option<&str> {
        self.attributes
            .get(name)
            .and_then(|v| v.first())
            .map(String::as_str)
    }
}

/// Parses the base64 `SAMLAssertion` parameter. The error says what was wrong.
pub fn parse(assertion_b64: &str) -> Result<SamlResponse, String> {
    let compact: String = assertion_b64
        .chars()
        .filter(|c| !c.is_ascii_whitespace())
        .collect();
    let bytes = STANDARD
        .decode(compact.as_bytes())
        .map_err(|_| "the assertion is not base64".to_owned())?;
    let xml = String::from_utf8(bytes).map_err(|_| "the assertion is not UTF-8 XML".to_owned())?;
    parse_xml(&xml)
}

fn attr(element: &BytesStart<'_>, name: &str) -> Option<String> {
    element
        .attributes()
        .flatten()
        .find(|a| a.key.local_name().as_ref() == name)
        .and_then(|a| {
            a.normalized_value(XmlVersion::Implicit1_0)
                .ok()
                .map(|v| v.into_owned())
        })
}

/// The open elements' local names, with where the assertion starts in them.
struct Path(Vec<String>);

impl Path {
    /// The path below the (one) assertion: `Some(["Subject", "NameID"])` inside
    /// `Response/Assertion/Subject/NameID` or `Assertion/Subject/NameID`; `None` elsewhere.
    fn names(&self) -> Vec<&str> {
        self.0.iter().map(String::as_str).collect()
    }

    fn in_assertion(&self) -> Option<Vec<&str>> {
        match self.names()[..] {
            ["Assertion", ref rest @ ..] | ["Response", "Assertion", ref rest @ ..] => {
                Some(rest.to_vec())
            }
            _ => None,
        }
    }
}

fn parse_xml(xml: &str) -> Result<SamlResponse, String> {
    let mut reader = Reader::from_str(xml);
    let mut out = SamlResponse::default();
    let mut path = Path(Vec::new());
    let mut text = String::new();
    let mut attribute_name: Option<String> = None;
    let mut roots = 0;
    let mut assertions = 0;
    let mut response_issuer = None;
    loop {
        let event = reader
            .read_event()
            .map_err(|e| format!("the assertion is not well-formed XML: {e}"))?;
        match event {
            Event::Start(ref e) | Event::Empty(ref e) => {
                let name = e.local_name().as_ref().to_owned();
                if path.0.is_empty() {
                    roots += 1;
                    if roots > 1 {
                        return Err("the document has more than one root element".to_owned());
                    }
                    if name != "Response" && name != "Assertion" {
                        return Err(format!("the document is a {name}, not a SAML Response"));
                    }
                    out.issue_instant = attr(e, "IssueInstant");
                }
                path.0.push(name);
                // The response's own assertions (not one quoted inside Advice).
                if matches!(
                    path.names()[..],
                    ["Assertion"] | ["Response", "Assertion" | "EncryptedAssertion"]
                ) {
                    assertions += 1;
                }
                if matches!(
                    path.names()[..],
                    ["Response" | "Assertion", "Signature"]
                        | ["Response", "Assertion", "Signature"]
                ) {
                    out.signed = true;
                }
                if let Some(inside) = path.in_assertion() {
                    read_element(&inside, e, &mut out, &mut attribute_name);
                }
                if matches!(event, Event::Empty(_)) {
                    path.0.pop();
                }
                text.clear();
            }
            Event::Text(t) => text.push_str(&t.xml10_content()),
            Event::CData(t) => text.push_str(&t.xml10_content()),
            Event::GeneralRef(r) => match r.resolve_char_ref() {
                Ok(Some(c)) => text.push(c),
                _ => match resolve_predefined_entity(&r.xml10_content()) {
                    Some(s) => text.push_str(s),
                    None => return Err("the assertion uses an undefined entity".to_owned()),
                },
            },
            Event::DocType(_) => return Err("the assertion holds a DTD".to_owned()),
            Event::End(_) => {
                let value = text.trim().to_owned();
                text.clear();
                if path.names() == ["Response", "Issuer"] {
                    response_issuer.get_or_insert(value);
                } else if let Some(inside) = path.in_assertion() {
                    read_text(&inside, value, &mut out, attribute_name.as_deref());
                }
                path.0.pop();
            }
            Event::Eof => break,
            _ => {}
        }
        if assertions > 1 {
            return Err("the response holds more than one assertion".to_owned());
        }
    }
    if !path.0.is_empty() || roots == 0 {
        return Err("the assertion is not a complete SAML Response".to_owned());
    }
    finish(out, assertions, response_issuer)
}

/// Attributes of an element inside the assertion, by its path there (first occurrence wins).
fn read_element(
    inside: &[&str],
    e: &BytesStart<'_>,
    out: &mut SamlResponse,
    attribute_name: &mut Option<String>,
) {
    match inside {
        ["Subject", "NameID"] if out.name_id_format.is_none() => {
            out.name_id_format = attr(e, "Format");
        }
        ["Subject", "SubjectConfirmation", "SubjectConfirmationData"] => {
            if out.recipient.is_none() {
                out.recipient = attr(e, "Recipient");
            }
            out.not_on_or_after.extend(attr(e, "NotOnOrAfter"));
        }
        ["Conditions"] => out.not_on_or_after.extend(attr(e, "NotOnOrAfter")),
        ["AuthnStatement"] if out.session_not_on_or_after.is_none() => {
            out.session_not_on_or_after = attr(e, "SessionNotOnOrAfter");
        }
        ["AttributeStatement", "Attribute"] => *attribute_name = attr(e, "Name"),
        _ => {}
    }
}

/// The text of an element inside the assertion that just closed (first occurrence wins).
fn read_text(inside: &[&str], value: String, out: &mut SamlResponse, attribute: Option<&str>) {
    match inside {
        ["Issuer"] if out.issuer.is_empty() => out.issuer = value,
        ["Subject", "NameID"] if out.name_id.is_empty() => out.name_id = value,
        ["Conditions", "AudienceRestriction", "Audience"] => out.audiences.push(value),
        ["AttributeStatement", "Attribute", "AttributeValue"] => {
            if let Some(name) = attribute {
                out.attributes
                    .entry(name.to_owned())
                    .or_default()
                    .push(value);
            }
        }
        _ => {}
    }
}

fn finish(
    mut out: SamlResponse,
    assertions: usize,
    response_issuer: Option<String>,
) -> Result<SamlResponse, String> {
    if assertions == 0 {
        return Err("the response holds no assertion".to_owned());
    }
    if out.issuer.is_empty() {
        out.issuer = response_issuer.unwrap_or_default();
    }
    if out.issuer.is_empty() {
        return Err("the response has no Issuer".to_owned());
    }
    if out.name_id.is_empty() {
        return Err("the assertion has no Subject NameID".to_owned());
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    const RESPONSE: &str = r#"<samlp:Response xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" IssueInstant="2026-11-23T10:00:00Z">
  <saml:Issuer xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion">https://idp.example.com/</saml:Issuer>
  <saml:Assertion xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion" IssueInstant="2026-11-23T10:00:01Z">
    <saml:Issuer>https://idp.example.com/saml</saml:Issuer>
    <saml:Subject>
      <saml:NameID Format="urn:oasis:names:tc:SAML:2.0:nameid-format:persistent">a&amp;b@example.com</saml:NameID>
      <saml:SubjectConfirmation><saml:SubjectConfirmationData NotOnOrAfter="2026-11-23T10:05:00Z" Recipient="https://signin.aws.amazon.com/saml"/></saml:SubjectConfirmation>
    </saml:Subject>
    <saml:Conditions NotOnOrAfter="2026-11-23T11:00:00Z"><saml:AudienceRestriction><saml:Audience>urn:amazon:webservices</saml:Audience></saml:AudienceRestriction></saml:Conditions>
    <saml:AttributeStatement>
      <saml:Attribute Name="https://aws.amazon.com/SAML/Attributes/Role">
        <saml:AttributeValue>arn:aws:iam::1:role/a,arn:aws:iam::1:saml-provider/p</saml:AttributeValue>
        <saml:AttributeValue><![CDATA[arn:aws:iam::1:role/b,arn:aws:iam::1:saml-provider/p]]></saml:AttributeValue>
      </saml:Attribute>
    </saml:AttributeStatement>
  </saml:Assertion>
</samlp:Response>"#;

    #[test]
    fn reads_what_sts_reports() {
        let r = parse(&STANDARD.encode(RESPONSE)).unwrap();
        assert_eq!(r.issuer, "https://idp.example.com/saml");
        assert_eq!(r.name_id, "a&b@example.com");
        assert_eq!(
            r.name_id_format.as_deref(),
            Some("urn:oasis:names:tc:SAML:2.0:nameid-format:persistent")
        );
        assert_eq!(
            r.recipient.as_deref(),
            Some("https://signin.aws.amazon.com/saml")
        );
        assert_eq!(r.audiences, ["urn:amazon:webservices"]);
        assert_eq!(r.issue_instant.as_deref(), Some("2026-11-23T10:00:00Z"));
        assert_eq!(r.not_on_or_after.len(), 2);
        assert_eq!(
            r.attributes["https://aws.amazon.com/SAML/Attributes/Role"].len(),
            2
        );
    }

    #[test]
    fn rejects_what_is_not_a_saml_response() {
        for bad in [
            "%%%",
            &STANDARD.encode("<a>"),
            &STANDARD.encode("<html/>"),
            &STANDARD.encode("not xml <"),
            &STANDARD.encode(""),
        ] {
            assert!(parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn refuses_documents_that_could_smuggle_a_second_identity() {
        let second_root = format!("{RESPONSE}<Response><Issuer>evil</Issuer></Response>");
        let two_assertions = RESPONSE.replace(
            "</samlp:Response>",
            r#"<saml:Assertion xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion"><saml:Issuer>evil</saml:Issuer></saml:Assertion></samlp:Response>"#,
        );
        let dtd = format!(r#"<!DOCTYPE r [<!ENTITY b "x">]>{RESPONSE}"#);
        let unclosed = RESPONSE.replace("</samlp:Response>", "");
        for bad in [second_root, two_assertions, dtd, unclosed] {
            assert!(parse(&STANDARD.encode(&bad)).is_err(), "{bad}");
        }
    }

    #[test]
    fn only_the_assertions_own_subject_and_issuer_count() {
        // A NameID inside an attribute value, and an assertion quoted in Advice, change nothing.
        let tricky = RESPONSE.replace(
            "<saml:AttributeStatement>",
            r#"<saml:Advice><saml:Assertion><saml:Issuer>evil</saml:Issuer></saml:Assertion></saml:Advice><saml:AttributeStatement><saml:Attribute Name="eduPersonTargetedID"><saml:AttributeValue><saml:NameID>mallory</saml:NameID></saml:AttributeValue></saml:Attribute>"#,
        );
        let r = parse(&STANDARD.encode(&tricky)).unwrap();
        assert_eq!(r.issuer, "https://idp.example.com/saml");
        assert_eq!(r.name_id, "a&b@example.com");
        assert_eq!(
            r.name_id_format.as_deref(),
            Some("urn:oasis:names:tc:SAML:2.0:nameid-format:persistent")
        );
    }

    #[test]
    fn notes_a_signature_of_the_response_or_its_assertion_only() {
        assert!(!parse(&STANDARD.encode(RESPONSE)).unwrap().signed);
        let signature = r#"<ds:Signature xmlns:ds="http://www.w3.org/2000/09/xmldsig#"><ds:SignatureValue>AA==</ds:SignatureValue></ds:Signature>"#;
        let on_response = RESPONSE.replacen(
            "<saml:Assertion ",
            &format!("{signature}<saml:Assertion "),
            1,
        );
        let on_assertion =
            RESPONSE.replacen("<saml:Subject>", &format!("{signature}<saml:Subject>"), 1);
        for signed in [on_response, on_assertion] {
            assert!(parse(&STANDARD.encode(&signed)).unwrap().signed, "{signed}");
        }
        // A signature element deeper down (in an attribute value) signs nothing.
        let buried = RESPONSE.replacen(
            "<saml:AttributeValue>arn",
            &format!("<saml:AttributeValue>{signature}arn"),
            1,
        );
        assert!(!parse(&STANDARD.encode(&buried)).unwrap().signed);
    }
}
