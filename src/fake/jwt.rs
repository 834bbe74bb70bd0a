//! JSON Web Tokens as AssumeRoleWithWebIdentity reads them: split and decode (header, claims), and
//! verify the signature against a provider's JWKS (RS256/384/512 and ES256/384, with ring).

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use ring::signature::{self, RsaPublicKeyComponents, UnparsedPublicKey};
use serde::Deserialize;
use serde_json::{Map, Value};

/// A decoded (not yet verified) JWT.
#[derive(Debug)]
pub struct Jwt<'a> {
    pub header: Header,
    pub claims: Map<String, Value>,
    /// `header.payload`: what the signature covers.
    signing_input: &'a str,
    signature: Vec<u8>,
}

#[derive(Debug, Deserialize)]
pub struct Header {
    pub alg: String,
    #[serde(default)]
    pub kid: Option<String>,
}

impl<'a> Jwt<'a> {
    /// `None` when the text is not three base64url parts with a JSON header and a JSON object payload.
    pub fn decode(token: &'a str) -> Option<Jwt<'a>> {
        let token = token.trim();
        let (signing_input, signature) = token.rsplit_once('.')?;
        let (header, payload) = signing_input.split_once('.')?;
        let header: Header = serde_json::from_slice(&URL_SAFE_NO_PAD.decode(header).ok()?).ok()?;
        let claims = match serde_json::from_slice(&URL_SAFE_NO_PAD.decode(payload).ok()?).ok()? {
            Value::Object(claims) => claims,
            _ => return None,
        };
        let signature = URL_SAFE_NO_PAD.decode(signature).ok()?;
        Some(Jwt {
            header,
            claims,
            signing_input,
            signature,
        })
    }

    pub fn str_claim(&self, name: &str) -> Option<&str> {
        self.claims.get(name).and_then(Value::as_str)
    }

    /// A numeric date claim (`exp`, `iat`, `nbf`): an integer, or a float truncated.
    pub fn time_claim(&self, name: &str) -> Option<i64> {
        let v = self.claims.get(name)?;
        v.as_i64().or_else(|| v.as_f64().map(|f| f as i64))
    }

    /// `aud` as a list (a string is a list of one).
    pub fn audiences(&self) -> Vec<&str> {
        match self.claims.get("aud") {
            Some(Value::String(a)) => vec![a.as_str()],
            Some(Value::Array(list)) => list.iter().filter_map(Value::as_str).collect(),
            _ => Vec::new(),
        }
    }
}

/// A provider's published keys.
#[derive(Debug, Default)]
pub struct Jwks {
    keys: Vec<Jwk>,
}

#[derive(Debug)]
struct Jwk {
    kid: Option<String>,
    key: PublicKey,
}

#[derive(Debug)]
enum PublicKey {
    Rsa {
        n: Vec<u8>,
        e: Vec<u8>,
    },
    /// Uncompressed SEC1 point `04 || x || y`.
    Ec {
        curve: String,
        point: Vec<u8>,
    },
}

#[derive(Deserialize)]
struct JwksDoc {
    keys: Vec<JwkDoc>,
}

#[derive(Deserialize)]
struct JwkDoc {
    kty: String,
    #[serde(default)]
    kid: Option<String>,
    #[serde(default)]
    n: Option<String>,
    #[serde(default)]
    e: Option<String>,
    #[serde(default)]
    crv: Option<String>,
    #[serde(default)]
    x: Option<String>,
    #[serde(default)]
    y: Option<String>,
}

/// Why a signature did not verify.
#[derive(Debug, PartialEq, Eq)]
pub enum VerifyError {
    /// No key of the set matches the token's `kid` (or its type).
    NoKey,
    /// An algorithm this fake does not verify (`none`, `HS256`, `PS256`, `ES512`, ...).
    UnsupportedAlgorithm,
    BadSignature,
}

impl Jwks {
    /// Parses `{"keys":[...]}`; RSA and EC (P-256, P-384) keys are kept, others skipped.
    pub fn parse(text: &str) -> Result<Jwks, String> {
        let doc: JwksDoc = serde_json::from_str(text).map_err(|e| format!("not a JWKS: {e}"))?;
        let b64 = |field: &Option<String>, name: &str| {
            let value = field
                .as_deref()
                .ok_or_else(|| format!("a key lacks {name:?}"))?;
            URL_SAFE_NO_PAD
                .decode(value.trim_end_matches('='))
                .map_err(|_| format!("{name:?} is not base64url"))
        };
        let mut keys = Vec::new();
        for key in &doc.keys {
            let public = match key.kty.as_str() {
                "RSA" => PublicKey::Rsa {
                    n: b64(&key.n, "n")?,
                    e: b64(&key.e, "e")?,
                },
                "EC" => {
                    let mut point = vec![4u8];
                    point.extend(b64(&key.x, "x")?);
                    point.extend(b64(&key.y, "y")?);
                    PublicKey::Ec {
                        curve: key.crv.clone().unwrap_or_default(),
                        point,
                    }
                }
                _ => continue,
            };
            keys.push(Jwk {
                kid: key.kid.clone(),
                key: public,
            });
        }
        Ok(Jwks { keys })
    }

    /// Checks `jwt`'s signature with the key its `kid` names (any key of the right type when the
    /// token has no `kid`).
    pub fn verify(&self, jwt: &Jwt<'_>) -> Result<(), VerifyError> {
        let message = jwt.signing_input.as_bytes();
        let candidates = self.keys.iter().filter(|k| match &jwt.header.kid {
            Some(kid) => k.kid.as_deref() == Some(kid.as_str()),
            None => true,
        });
        let mut saw_key = false;
        for jwk in candidates {
            let verified = match (&jwk.key, jwt.header.alg.as_str()) {
                (PublicKey::Rsa { n, e }, alg @ ("RS256" | "RS384" | "RS512")) => {
                    let params = match alg {
                        "RS256" => &signature::RSA_PKCS1_2048_8192_SHA256,
                        "RS384" => &signature::RSA_PKCS1_2048_8192_SHA384,
                        _ => &signature::RSA_PKCS1_2048_8192_SHA512,
                    };
                    RsaPublicKeyComponents { n, e }
                        .verify(params, message, &jwt.signature)
                        .is_ok()
                }
                (PublicKey::Ec { curve, point }, "ES256") if curve == "P-256" => {
                    UnparsedPublicKey::new(&signature::ECDSA_P256_SHA256_FIXED, point)
                        .verify(message, &jwt.signature)
                        .is_ok()
                }
                (PublicKey::Ec { curve, point }, "ES384") if curve == "P-384" => {
                    UnparsedPublicKey::new(&signature::ECDSA_P384_SHA384_FIXED, point)
                        .verify(message, &jwt.signature)
                        .is_ok()
                }
                (_, "RS256" | "RS384" | "RS512" | "ES256" | "ES384") => continue,
                _ => return Err(VerifyError::UnsupportedAlgorithm),
            };
            saw_key = true;
            if verified {
                return Ok(());
            }
        }
        if saw_key {
            Err(VerifyError::BadSignature)
        } else {
            Err(VerifyError::NoKey)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn b64(s: &str) -> String {
        URL_SAFE_NO_PAD.encode(s)
    }

    #[test]
    fn decodes_claims_and_rejects_non_jwts() {
        let token = format!(
            "{}.{}.{}",
            b64(r#"{"alg":"RS256","kid":"k1"}"#),
            b64(r#"{"sub":"abc","aud":["a","b"],"exp":1.5e9}"#),
            b64("sig")
        );
        let jwt = Jwt::decode(&token).unwrap();
        assert_eq!(jwt.header.kid.as_deref(), Some("k1"));
        assert_eq!(jwt.str_claim("sub"), Some("abc"));
        assert_eq!(jwt.audiences(), ["a", "b"]);
        assert_eq!(jwt.time_claim("exp"), Some(1_500_000_000));
        for bad in ["", "a.b", "not.a.jwt", "x.y.z.w"] {
            assert!(Jwt::decode(bad).is_none(), "{bad}");
        }
        let array_payload = format!("{}.{}.", b64(r#"{"alg":"none"}"#), b64("[1]"));
        assert!(Jwt::decode(&array_payload).is_none());
    }

    #[test]
    fn verifies_es256_with_the_named_key_only() {
        use ring::rand::SystemRandom;
        use ring::signature::{ECDSA_P256_SHA256_FIXED_SIGNING, EcdsaKeyPair, KeyPair};
        let rng = SystemRandom::new();
        let pkcs8 = EcdsaKeyPair::generate_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, &rng).unwrap();
        let pair = EcdsaKeyPair::from_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, pkcs8.as_ref(), &rng)
            .unwrap();
        let point = pair.public_key().as_ref();
        let jwks = Jwks::parse(&format!(
            r#"{{"keys":[{{"kty":"EC","kid":"k1","crv":"P-256","x":"{}","y":"{}"}},{{"kty":"oct","k":"x"}}]}}"#,
            URL_SAFE_NO_PAD.encode(&point[1..33]),
            URL_SAFE_NO_PAD.encode(&point[33..])
        ))
        .unwrap();
        let input = format!("{}.{}", b64(r#"{"alg":"ES256","kid":"k1"}"#), b64("{}"));
        let sig = pair.sign(&rng, input.as_bytes()).unwrap();
        let good = format!("{input}.{}", URL_SAFE_NO_PAD.encode(sig.as_ref()));
        assert_eq!(jwks.verify(&Jwt::decode(&good).unwrap()), Ok(()));
        let forged = format!("{input}.{}", URL_SAFE_NO_PAD.encode([0u8; 64]));
        assert_eq!(
            jwks.verify(&Jwt::decode(&forged).unwrap()),
            Err(VerifyError::BadSignature)
        );
        let other_kid = format!("{}.{}.AA", b64(r#"{"alg":"ES256","kid":"k2"}"#), b64("{}"));
        assert_eq!(
            jwks.verify(&Jwt::decode(&other_kid).unwrap()),
            Err(VerifyError::NoKey)
        );
        let hs = format!("{}.{}.AA", b64(r#"{"alg":"HS256","kid":"k1"}"#), b64("{}"));
        assert_eq!(
            jwks.verify(&Jwt::decode(&hs).unwrap()),
            Err(VerifyError::UnsupportedAlgorithm)
        );
    }
}
