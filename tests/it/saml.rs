//! AssumeRoleWithSAML through the SDK, with SAML responses built here.
// The SDK's newer model marks PackedPolicySize deprecated; botocore's (this fake's authority) does not.
#![allow(deprecated)]

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use parlel_sts::Server;
use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

use crate::support::*;

pub(crate) const ROLE: &str = "arn:aws:iam::123456789012:role/Admins";
pub(crate) const PROVIDER: &str = "arn:aws:iam::123456789012:saml-provider/MySAMLIdP";
const ISSUER: &str = "https://example.com/saml";
const ATTR: &str = "https://aws.amazon.com/SAML/Attributes/";

fn time_at(epoch: i64) -> String {
    OffsetDateTime::from_unix_timestamp(epoch)
        .unwrap()
        .format(&Rfc3339)
        .unwrap()
}

/// A SAML response as an IdP would post it; `attributes` are (name after `Attributes/`, values).
pub(crate) struct Assertion {
    issued: i64,
    not_on_or_after: i64,
    audience: &'static str,
    name_id_format: &'static str,
    session_not_on_or_after: Option<i64>,
    attributes: Vec<(&'static str, Vec<String>)>,
    /// With a `ds:Signature` element (a junk one: the fake does not check XML signatures).
    pub(crate) signed: bool,
}

impl Assertion {
    pub(crate) fn new(server: &Server) -> Assertion {
        let now = server.fake().clock().now();
        Assertion {
            issued: now,
            not_on_or_after: now + 300,
            audience: "https://signin.aws.amazon.com/saml",
            name_id_format: "urn:oasis:names:tc:SAML:2.0:nameid-format:persistent",
            session_not_on_or_after: None,
            attributes: vec![
                ("Role", vec![format!("{ROLE},{PROVIDER}")]),
                ("RoleSessionName", vec!["alice@example.com".into()]),
            ],
            signed: false,
        }
    }

    pub(crate) fn encode(&self) -> String {
        let attributes: String = self
            .attributes
            .iter()
            .map(|(name, values)| {
                let values: String = values
                    .iter()
                    .map(|v| format!("<saml:AttributeValue>{v}</saml:AttributeValue>"))
                    .collect();
                format!(r#"<saml:Attribute Name="{ATTR}{name}">{values}</saml:Attribute>"#)
            })
            .collect();
        let (issued, until) = (time_at(self.issued), time_at(self.not_on_or_after));
        let session_limit = self
            .session_not_on_or_after
            .map(|t| format!(r#" SessionNotOnOrAfter="{}""#, time_at(t)))
            .unwrap_or_default();
        let signature = if self.signed {
            r#"<ds:Signature xmlns:ds="http://www.w3.org/2000/09/xmldsig#"><ds:SignedInfo/><ds:SignatureValue>c2ln</ds:SignatureValue></ds:Signature>"#
        } else {
            ""
        };
        let xml = format!(
            r#"<samlp:Response xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" ID="_r1" Version="2.0" IssueInstant="{issued}" Destination="https://signin.aws.amazon.com/saml">
  <saml:Issuer xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion">{ISSUER}</saml:Issuer>{signature}
  <samlp:Status><samlp:StatusCode Value="urn:oasis:names:tc:SAML:2.0:status:Success"/></samlp:Status>
  <saml:Assertion xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion" ID="_a1" Version="2.0" IssueInstant="{issued}">
    <saml:Issuer>{ISSUER}</saml:Issuer>
    <saml:Subject>
      <saml:NameID Format="{}">alice@example.com</saml:NameID>
      <saml:SubjectConfirmation Method="urn:oasis:names:tc:SAML:2.0:cm:bearer">
        <saml:SubjectConfirmationData NotOnOrAfter="{until}" Recipient="https://signin.aws.amazon.com/saml"/>
      </saml:SubjectConfirmation>
    </saml:Subject>
    <saml:Conditions NotBefore="{issued}" NotOnOrAfter="{until}">
      <saml:AudienceRestriction><saml:Audience>{}</saml:Audience></saml:AudienceRestriction>
    </saml:Conditions>
    <saml:AuthnStatement AuthnInstant="{issued}" SessionIndex="_s1"{session_limit}/>
    <saml:AttributeStatement>{attributes}</saml:AttributeStatement>
  </saml:Assertion>
</samlp:Response>"#,
            self.name_id_format, self.audience
        );
        STANDARD.encode(xml)
    }
}

pub(crate) async fn assume(
    server: &Server,
    assertion: &str,
) -> Result<
    aws_sdk_sts::operation::assume_role_with_saml::AssumeRoleWithSamlOutput,
    (u16, String, String),
> {
    client(server, "AKIAIOSFODNN7EXAMPLE")
        .assume_role_with_saml()
        .role_arn(ROLE)
        .principal_arn(PROVIDER)
        .saml_assertion(assertion)
        .send()
        .await
        .map_err(error_of)
}

#[tokio::test]
async fn assertion_becomes_the_answer_and_the_session() {
    let server = start_pinned().await;
    let out = assume(&server, &Assertion::new(&server).encode())
        .await
        .expect("assume");
    assert_eq!(out.audience(), Some("https://signin.aws.amazon.com/saml"));
    assert_eq!(out.subject(), Some("alice@example.com"));
    assert_eq!(out.subject_type(), Some("persistent"));
    assert_eq!(out.issuer(), Some(ISSUER));
    // base64(sha1(issuer + account + "/" + provider name)), AWS's documented formula.
    assert_eq!(out.name_qualifier(), Some("1uAJanUnBc2XeUkHURMht+xam2c="));
    assert_eq!(out.source_identity(), None);
    assert_eq!(out.packed_policy_size(), None);
    let user = out.assumed_role_user().unwrap();
    assert_eq!(
        user.arn(),
        "arn:aws:sts::123456789012:assumed-role/Admins/alice@example.com"
    );
    let creds = out.credentials().unwrap();
    let now = server.fake().clock().now();
    assert_eq!(creds.expiration().secs() - now, 3600);
    let me = whoami(&server, creds).await;
    assert_eq!(me.arn(), Some(user.arn()));
    assert_eq!(me.user_id(), Some(user.assumed_role_id()));

    // Raw bytes: AWS's element order.
    let body = format!(
        "Action=AssumeRoleWithSAML&Version=2011-06-15&RoleArn={}&PrincipalArn={}&SAMLAssertion={}",
        urlencode(ROLE),
        urlencode(PROVIDER),
        urlencode(&Assertion::new(&server).encode())
    );
    let r = raw(
        &server,
        "POST / HTTP/1.1\r\nContent-Type: application/x-www-form-urlencoded",
        &body,
    )
    .await;
    assert_eq!(r.status, 200, "{}", r.body);
    let order: Vec<usize> = [
        "<Audience>",
        "<AssumedRoleUser>",
        "<Credentials>",
        "<Subject>",
        "<NameQualifier>",
        "<SubjectType>",
        "<Issuer>",
    ]
    .iter()
    .map(|e| {
        r.body
            .find(e)
            .unwrap_or_else(|| panic!("{e} in {}", r.body))
    })
    .collect();
    assert!(order.windows(2).all(|w| w[0] < w[1]), "{}", r.body);
}

fn urlencode(s: &str) -> String {
    form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

#[tokio::test]
async fn attributes_set_duration_tags_and_source_identity() {
    let server = start_pinned().await;
    let now = server.fake().clock().now();
    let mut a = Assertion::new(&server);
    a.name_id_format = "urn:oasis:names:tc:SAML:2.0:nameid-format:transient";
    a.attributes.push(("SessionDuration", vec!["1800".into()]));
    a.attributes.push(("SourceIdentity", vec!["alice".into()]));
    a.attributes
        .push(("PrincipalTag:Department", vec!["Finance".into()]));
    a.attributes
        .push(("TransitiveTagKeys", vec!["Department".into()]));
    // The role/provider pair in either order, among other pairs.
    a.attributes[0].1 = vec![
        "arn:aws:iam::123456789012:saml-provider/Other,arn:aws:iam::123456789012:role/Other".into(),
        format!("{PROVIDER},{ROLE}"),
    ];
    let out = assume(&server, &a.encode()).await.expect("assume");
    assert_eq!(out.subject_type(), Some("transient"));
    assert_eq!(out.source_identity(), Some("alice"));
    assert!(out.packed_policy_size().unwrap() > 0);
    assert_eq!(out.credentials().unwrap().expiration().secs() - now, 1800);

    // DurationSeconds wins over the attribute.
    let out = client(&server, "AKIAIOSFODNN7EXAMPLE")
        .assume_role_with_saml()
        .role_arn(ROLE)
        .principal_arn(PROVIDER)
        .saml_assertion(a.encode())
        .duration_seconds(900)
        .send()
        .await
        .unwrap();
    assert_eq!(out.credentials().unwrap().expiration().secs() - now, 900);
}

#[tokio::test]
async fn saml_errors() {
    let server = start().await;
    let now = server.fake().clock().now();
    let invalid = |m: &str| sts_error(400, "InvalidIdentityToken", m);

    let (status, code, message) = assume(&server, "bm90IHhtbA==").await.unwrap_err();
    assert_eq!((status, code.as_str()), (400, "InvalidIdentityToken"));
    assert!(message.starts_with("Invalid SAML response"), "{message}");
    assert_eq!(
        assume(&server, "%%%%").await.unwrap_err().1,
        "InvalidIdentityToken"
    );

    let mut a = Assertion::new(&server);
    a.attributes[0].1 = vec![
        "arn:aws:iam::123456789012:role/Other,arn:aws:iam::123456789012:saml-provider/MySAMLIdP"
            .into(),
    ];
    assert_eq!(
        assume(&server, &a.encode()).await.unwrap_err(),
        sts_error(
            403,
            "AccessDenied",
            "Not authorized to perform sts:AssumeRoleWithSAML"
        )
    );

    let mut a = Assertion::new(&server);
    a.attributes.remove(1);
    assert_eq!(
        assume(&server, &a.encode()).await.unwrap_err(),
        invalid("RoleSessionName is required in AuthnResponse")
    );
    let mut a = Assertion::new(&server);
    a.attributes[1].1 = vec!["has space".into()];
    assert_eq!(
        assume(&server, &a.encode()).await.unwrap_err(),
        invalid("RoleSessionName in AuthnResponse must match [a-zA-Z_0-9+=,.@-]{2,64}")
    );

    let mut a = Assertion::new(&server);
    a.issued = now - 600;
    a.not_on_or_after = now + 600;
    assert_eq!(
        assume(&server, &a.encode()).await.unwrap_err(),
        sts_error(
            400,
            "ExpiredTokenException",
            "Token must be redeemed within 5 minutes of issuance"
        )
    );
    let mut a = Assertion::new(&server);
    a.issued = now - 100;
    a.not_on_or_after = now - 1;
    assert_eq!(
        assume(&server, &a.encode()).await.unwrap_err(),
        sts_error(400, "ExpiredTokenException", "Response has expired")
    );

    // A session that would already be over.
    let mut a = Assertion::new(&server);
    a.session_not_on_or_after = Some(now - 1);
    assert_eq!(
        assume(&server, &a.encode()).await.unwrap_err(),
        sts_error(400, "ExpiredTokenException", "Response has expired")
    );
    // Asserted tags are held to the model's limits.
    let mut a = Assertion::new(&server);
    a.attributes.push(("PrincipalTag:", vec!["x".into()]));
    let (status, code, message) = assume(&server, &a.encode()).await.unwrap_err();
    assert_eq!((status, code.as_str()), (400, "ValidationError"));
    assert!(message.starts_with("Unable to validate tags"), "{message}");

    let mut a = Assertion::new(&server);
    a.audience = "https://some-other-sp.example.com";
    assert_eq!(
        assume(&server, &a.encode()).await.unwrap_err(),
        invalid("Response does not contain the required audience.")
    );

    let err = client(&server, "AKIAIOSFODNN7EXAMPLE")
        .assume_role_with_saml()
        .role_arn(ROLE)
        .principal_arn("arn:aws:iam::123456789012:role/NotAProvider")
        .saml_assertion(Assertion::new(&server).encode())
        .send()
        .await
        .unwrap_err();
    assert_eq!(error_of(err), invalid("Specified provider doesn't exist."));
}
