//! No request input makes the fake panic: many random requests, built from the model's own
//! parameter names with hostile values, straight into the library's `Fake`.

use parlel_sts::config::FakeConfig;
use parlel_sts::error::{ErrorCode, StsError};
use parlel_sts::fake::Fake;
use parlel_sts::wire::answer::Reply;
use parlel_sts::wire::caller::CallerCredentials;
use parlel_sts::wire::params::Params;
use parlel_sts::wire::render::Format;
use parlel_sts::wire::request::StsRequest;

const NAMES: &[&str] = &[
    "RoleArn",
    "RoleSessionName",
    "DurationSeconds",
    "Policy",
    "PolicyArns.member.1.arn",
    "PolicyArns.member.2.arn",
    "Tags.member.1.Key",
    "Tags.member.1.Value",
    "Tags.member.2.Key",
    "TransitiveTagKeys.member.1",
    "ExternalId",
    "SerialNumber",
    "TokenCode",
    "SourceIdentity",
    "ProvidedContexts.member.1.ProviderArn",
    "ProvidedContexts.member.1.ContextAssertion",
    "Name",
    "AccessKeyId",
    "WebIdentityToken",
    "SAMLAssertion",
    "PrincipalArn",
    "TargetPrincipal",
    "TaskPolicyArn.arn",
    "EncodedMessage",
    "TradeInToken",
    "Audience.member.1",
    "SigningAlgorithm",
    "ProviderId",
];
const ACTIONS: &[&str] = &[
    "AssumeRole",
    "GetCallerIdentity",
    "GetSessionToken",
    "GetFederationToken",
    "GetAccessKeyInfo",
    "AssumeRoot",
    "AssumeRoleWithSAML",
    "AssumeRoleWithWebIdentity",
    "GetWebIdentityToken",
    "GetDelegatedAccessToken",
    "DecodeAuthorizationMessage",
    "Nope",
    "",
];
const VALUES: &[&str] = &[
    "",
    "a",
    "arn:aws:iam::123456789012:role/app",
    "arn:aws:iam::123456789012:role/",
    "arn:::::",
    "-2147483648",
    "2147483647",
    "99999999999999999999",
    "+900",
    "é",
    "\u{1F600}",
    "\u{0}",
    "%",
    "aws:x",
    "AKIARZPUZDIKGB2VALC4",
    "ASIA\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}\u{e9}",
    "{}",
    // Hostile web identity tokens and SAML responses, so the JWT and XML readers run too.
    "eyJhbGciOiJub25lIn0.eyJpc3MiOiJ4Iiwic3ViIjoicyIsImF1ZCI6W10sImV4cCI6OTk5OTk5OTk5OTk5OTk5OTk5OTl9.",
    "eyJhbGciOiJIUzI1NiIsImtpZCI6ImsifQ.eyJpc3MiOiJodHRwczovL2EiLCJzdWIiOiJzIiwiYXVkIjoiYSIsImV4cCI6MWUzMDAsImh0dHBzOi8vYXdzLmFtYXpvbi5jb20vdGFncyI6eyJwcmluY2lwYWxfdGFncyI6eyIiOlsxXX0sInRyYW5zaXRpdmVfdGFnX2tleXMiOlsienoiXX19.AA",
    "PFJlc3BvbnNlPjxJc3N1ZXI+YTwvSXNzdWVyPjwvUmVzcG9uc2U+PFJlc3BvbnNlLz4=",
    "PCFET0NUWVBFIHIgWzwhRU5USVRZIHggInkiPl0+PFJlc3BvbnNlPiZ4OzwvUmVzcG9uc2U+",
    "PFJlc3BvbnNlPjxhPjxhPjxhPjxhPjxhPjxhPjxhPjxhPjxhPjxhPjxhPjxhPjxhPjxhPjxhPjxhPjxhPjxhPjxhPjxhPjxhPjxhPjxhPjxhPjxhPjxhPjxhPjxhPjxhPjxhPjxhPjxhPjxhPjxhPjxhPjxhPjxhPjxhPjxhPjxhPjxhPjxhPjxhPjxhPjxhPjxhPjxhPjxhPjxhPjxhPjxhPjxhPjxhPjxhPjxhPjxhPjxhPjxhPjxhPjxhPjxhPjxhPjxhPjxhPjxhPjxhPjxhPjxhPjxhPjxhPjxhPjxhPjxhPjxhPjxhPjxhPjxhPjxhPjxhPjxhPjxhPjxhPjxhPjxhPjxhPjxhPjxhPjxhPjxhPjxhPjxhPjxhPjxhPjxhPjxhPjxhPjxhPjxhPjxhPjxhPjxhPjxhPjxhPjxhPjxhPjxhPjxhPjxhPjxhPjxhPjxhPjxhPjxhPjxhPjxhPjxhPjxhPjxhPjxhPjxhPjxhPjxhPjxhPjxhPjxhPjxhPjxhPjxhPjxhPjxhPjxhPjxhPjxhPjxhPjxhPjxhPjxhPjxhPjxhPjxhPjxhPjxhPjxhPjxhPjxhPjxhPjxhPjxhPjxhPjxhPjxhPjxhPjxhPjxhPjxhPjxhPjxhPjxhPjxhPjxhPjxhPjxhPjxhPjxhPjxhPjxhPjxhPjxhPjxhPjxhPjxhPjxhPjxhPjxhPjxhPjxhPjxhPjxhPjxhPjxhPjxhPjxhPjxhPjxhPjxhPjxhPjxhPjxhPjxhPjxhPjxhPjxhPjxhPjxhPjxhPjxhPjxhPjxhPjxhPjxhPjxhPjxhPjxhPjxhPjxhPjxhPjxhPjxhPjxhPjxhPjxhPjxhPjxhPjxhPjxhPjxhPjxhPjxhPjxhPjxhPjxhPjxhPjxhPjxhPjxhPjxhPjxhPjxhPjxhPjxhPjxhPjxhPjxhPjxhPjxhPjxhPjxhPjxhPjxhPjxhPjxhPjxhPjxhPjxhPjxhPjxhPjxhPjxhPjxhPjxhPjxhPjxhPjxhPjxhPjxhPjxhPjxhPjxhPjxhPjxhPjxhPjxhPjxhPjxhPjxhPjxhPjxhPjxhPjxhPjxhPjxhPjxhPjxhPjxhPjxhPjxhPjxhPjxhPjxhPjxhPjxhPjxhPjxhPjxhPjxhPjxhPjxhPjxhPjxhPjxhPjxhPjxhPjxhPjxhPjxhPjxhPjxhPjxhPjxhPjxhPjxhPjxhPjxhPjxhPjxhPjxhPjxhPjxhPjxhPjxhPjxhPjxhPjxhPjxhPjxhPjxhPjxhPjxhPjxhPjxhPjxhPjxhPjxhPjxhPjxhPjxhPjxhPjxhPjxhPjxhPjxhPjxhPjxhPjxhPjxhPjxhPjxhPjxhPjxhPjxhPjxhPjxhPjxhPjxhPjxhPjxhPjxhPjxhPjxhPjxhPjxhPjxhPjxhPjxhPjxhPjxhPjxhPjxhPjxhPjxhPjxhPjxhPjxhPjxhPjxhPjxhPjxhPjxhPjxhPjxhPjxhPjxhPjxhPjxhPjxhPjxhPjxhPjxhPjxhPjxhPjxhPjxhPjxhPjxhPjxhPjxhPjxhPjxhPjxhPjxhPjxhPjxhPjxhPjxhPjxhPjxhPjxhPjxhPjxhPjxhPjxhPjxhPjxhPjxhPjxhPjxhPjxhPjxhPjxhPjxhPjxhPjxhPjxhPjxhPjxhPjxhPjxhPjxhPjxhPjxhPjxhPjxhPjxhPjxhPjxhPjxhPjxhPjxhPjxhPjxhPjxhPjxhPjxhPjxhPjxhPjxhPjxhPjxhPjxhPjxhPjxhPjxhPjxhPjxhPjxhPjxhPjxhPjxhPjxhPjxhPjxhPjxhPjxhPjxhPjxhPjxhPjxhPjxhPjxhPjxhPjxhPjxhPjxhPjxhPjxhPjxhPjxhPjxhPjxhPjxhPjxhPjxhPjxhPjxhPjxhPjxhPjxhPjxhPjxhPjxhPjxhPjxhPjxhPjxhPjxhPjxhPjxhPjxhPjxhPjxhPjxhPjxhPjxhPjxhPjxhPjxhPjxhPjxhPjxhPjxhPjwvUmVzcG9uc2U+",
    "PFJlc3BvbnNlIElzc3VlSW5zdGFudD0iOTk5OS05OS05OSI+PEFzc2VydGlvbj48SXNzdWVyPmk8L0lzc3Vlcj48U3ViamVjdD48TmFtZUlEPm48L05hbWVJRD48L1N1YmplY3Q+PEF0dHJpYnV0ZVN0YXRlbWVudD48QXR0cmlidXRlIE5hbWU9Imh0dHBzOi8vYXdzLmFtYXpvbi5jb20vU0FNTC9BdHRyaWJ1dGVzL1Nlc3Npb25EdXJhdGlvbiI+PEF0dHJpYnV0ZVZhbHVlPi0xPC9BdHRyaWJ1dGVWYWx1ZT48L0F0dHJpYnV0ZT48L0F0dHJpYnV0ZVN0YXRlbWVudD48L0Fzc2VydGlvbj48L1Jlc3BvbnNlPg==",
];

/// A small deterministic generator (no extra dependency).
struct Lcg(u64);
impl Lcg {
    fn next(&mut self, n: usize) -> usize {
        self.0 = self
            .0
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        ((self.0 >> 33) as usize) % n
    }
}

/// The protocol's steps (the operation, the auth rule), then the fake, as the server runs them.
/// Requests the protocol refuses never reach the fake: their error must be the protocol's own.
fn answer(
    fake: &Fake,
    body: &[u8],
    caller: Result<Option<CallerCredentials<'_>>, StsError>,
) -> Result<Reply, StsError> {
    let params = Params::from_urlencoded(body);
    let request = StsRequest::resolve(&params, caller, None, Format::Xml, None)?;
    Ok(fake.answer(&request))
}

#[test]
fn random_requests_never_panic() {
    let fake = Fake::new(&FakeConfig::default());
    let mut rng = Lcg(7);
    // A real session token to mix in, so the session paths run too.
    let issued = answer(
        &fake,
        b"Action=GetSessionToken&Version=2011-06-15",
        Ok(Some(CallerCredentials {
            access_key_id: "AKIAIOSFODNN7EXAMPLE",
            session_token: None,
            region: None,
        })),
    )
    .expect("a known operation, signed");
    assert!(issued.result.is_ok());
    for _ in 0..20_000 {
        let mut body = format!(
            "Action={}&Version=2011-06-15",
            ACTIONS[rng.next(ACTIONS.len())]
        );
        for _ in 0..rng.next(8) {
            let value: String = (0..1 + rng.next(3))
                .map(|_| VALUES[rng.next(VALUES.len())])
                .collect();
            let value: String = form_urlencoded::byte_serialize(value.as_bytes()).collect();
            body.push_str(&format!("&{}={value}", NAMES[rng.next(NAMES.len())]));
        }
        let caller = match rng.next(4) {
            0 => Ok(None),
            1 => Ok(Some(CallerCredentials {
                access_key_id: "ASIAQAAAAAAAEXAMPLE1",
                session_token: Some("garbage"),
                region: Some("eu-west-1"),
            })),
            _ => Ok(Some(CallerCredentials {
                access_key_id: VALUES[rng.next(VALUES.len())],
                session_token: None,
                region: None,
            })),
        };
        match answer(&fake, body.as_bytes(), caller) {
            Ok(reply) => assert_eq!(reply.ids.request_id.len(), 36),
            Err(refused) => assert!(
                matches!(
                    refused.code,
                    ErrorCode::InvalidAction | ErrorCode::MissingAuthenticationToken
                ),
                "{refused}"
            ),
        }
    }
}
