//! SAML 2.0 responses as AssumeRoleWithSAML reads them: base64, then XML (quick-xml), keeping what
//! STS reports or checks. Elements are matched by local name, so any namespace prefix works.
//! Signatures are not verified.

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
    /// The earliest `NotOnOrAfter` of `Conditions` and `SubjectConfirmationData`.
    pub not_on_or_after: Vec<String>,
    /// `AuthnStatement/@SessionNotOnOrAfter`.
    pub session_not_on_or_after: Option<String>,
    /// `Attribute/@Name` -> its `AttributeValue`s.
    pub attributes: BTreeMap<String, Vec<String>>,
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

fn parse_xml(xml: &str) -> Result<SamlResponse, String> {
    let mut reader = Reader::from_str(xml);
    let mut out = SamlResponse::default();
    // Local names of the open elements.
    let mut path: Vec<String> = Vec::new();
    let mut text = String::new();
    let mut attribute_name: Option<String> = None;
    let mut saw_root = false;
    let mut response_issuer = None;
    loop {
        let event = reader
            .read_event()
            .map_err(|e| format!("the assertion is not well-formed XML: {e}"))?;
        match event {
            Event::Start(ref e) | Event::Empty(ref e) => {
                let name = e.local_name().as_ref().to_owned();
                if path.is_empty() {
                    if name != "Response" && name != "Assertion" {
                        return Err(format!("the document is a {name}, not a SAML Response"));
                    }
                    saw_root = true;
                }
                match name.as_str() {
                    "Response" | "Assertion" => {
                        if let Some(instant) = attr(e, "IssueInstant") {
                            out.issue_instant.get_or_insert(instant);
                        }
                    }
                    "NameID" => out.name_id_format = attr(e, "Format"),
                    "SubjectConfirmationData" => {
                        if let Some(r) = attr(e, "Recipient") {
                            out.recipient.get_or_insert(r);
                        }
                        out.not_on_or_after.extend(attr(e, "NotOnOrAfter"));
                    }
                    "Conditions" => out.not_on_or_after.extend(attr(e, "NotOnOrAfter")),
                    "AuthnStatement" => {
                        out.session_not_on_or_after = attr(e, "SessionNotOnOrAfter");
                    }
                    "Attribute" => attribute_name = attr(e, "Name"),
                    _ => {}
                }
                if matches!(event, Event::Start(_)) {
                    path.push(name);
                    text.clear();
                }
            }
            Event::Text(t) => text.push_str(&t.xml10_content()),
            Event::CData(t) => text.push_str(&t.xml10_content()),
            Event::GeneralRef(r) => {
                if let Ok(Some(c)) = r.resolve_char_ref() {
                    text.push(c);
                } else if let Some(s) = resolve_predefined_entity(&r.xml10_content()) {
                    text.push_str(s);
                }
            }
            Event::End(_) => {
                let Some(name) = path.pop() else { break };
                let parent = path.last().map(String::as_str);
                let value = text.trim().to_owned();
                match (name.as_str(), parent) {
                    ("Issuer", Some("Assertion")) => out.issuer = value,
                    ("Issuer", Some("Response")) => response_issuer = Some(value),
                    ("NameID", _) => out.name_id = value,
                    ("Audience", Some("AudienceRestriction")) => out.audiences.push(value),
                    ("AttributeValue", Some("Attribute")) => {
                        if let Some(attribute) = &attribute_name {
                            out.attributes
                                .entry(attribute.clone())
                                .or_default()
                                .push(value);
                        }
                    }
                    _ => {}
                }
                text.clear();
            }
            Event::Eof => break,
            _ => {}
        }
    }
    if !saw_root {
        return Err("the assertion holds no SAML Response".to_owned());
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
}
