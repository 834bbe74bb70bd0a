//! The real credentials record mode signs with: `prod.env` in dotenv form, else the process's own
//! `AWS_*` variables. Every value is a `Secret` (`crate::secret`), so no log line, error or panic
//! message can show one; errors name the file and the line, never what is on it.

use std::io::ErrorKind;
use std::path::Path;

use crate::secret::Secret;

/// Credentials and region, and where they came from.
#[derive(Debug, Clone)]
pub struct RealCredentials {
    pub access_key_id: Secret,
    pub secret_access_key: Secret,
    pub session_token: Option<Secret>,
    /// `AWS_REGION` (else `AWS_DEFAULT_REGION`), else us-east-1.
    pub region: String,
    /// The file's path, or "the environment".
    pub source: String,
}

const DEFAULT_REGION: &str = "us-east-1";

impl RealCredentials {
    /// The key redaction derives its fakes with: an HMAC of a fixed label under the real secret.
    /// So every run with the same credentials (a `--record-mode new` run appending to a
    /// cassette, another cassette of the suite) maps one real value to one fake, and nothing
    /// needs keeping: the key is never stored, and tells nothing of the secret.
    pub fn redaction_salt(&self) -> [u8; 32] {
        let key = ring::hmac::Key::new(
            ring::hmac::HMAC_SHA256,
            self.secret_access_key.expose().as_bytes(),
        );
        let tag = ring::hmac::sign(&key, b"parlel-sts redaction key 1");
        let mut salt = [0u8; 32];
        salt.copy_from_slice(tag.as_ref());
        salt
    }

    /// From `path` when it exists, else from `env` (the process environment's `AWS_*`).
    pub fn load(
        path: &Path,
        env: impl Fn(&str) -> Option<String>,
    ) -> Result<RealCredentials, String> {
        match std::fs::read_to_string(path) {
            Ok(text) => {
                let source = path.display().to_string();
                let pairs = parse_dotenv(&text).map_err(|why| format!("{source}: {why}"))?;
                let get = |name: &str| {
                    pairs
                        .iter()
                        .rev()
                        .find(|(k, _)| k == name)
                        .map(|(_, v)| v.clone())
                };
                RealCredentials::from_lookup(get, source)
            }
            Err(e) if e.kind() == ErrorKind::NotFound => {
                if env("AWS_ACCESS_KEY_ID").is_none_or(|v| v.is_empty()) {
                    return Err(format!(
                        "no credentials to record with: {} does not exist and AWS_ACCESS_KEY_ID is not set (make one with `aws configure export-credentials --profile PROFILE --format env-no-export > {}`)",
                        path.display(),
                        path.display()
                    ));
                }
                RealCredentials::from_lookup(env, "the environment".to_owned())
            }
            Err(e) => Err(format!("cannot read {}: {e}", path.display())),
        }
    }

    fn from_lookup(
        get: impl Fn(&str) -> Option<String>,
        source: String,
    ) -> Result<RealCredentials, String> {
        let get = |name: &str| get(name).filter(|v| !v.is_empty());
        let required = |name: &str| get(name).ok_or_else(|| format!("{source}: {name} is missing"));
        Ok(RealCredentials {
            access_key_id: Secret(required("AWS_ACCESS_KEY_ID")?),
            secret_access_key: Secret(required("AWS_SECRET_ACCESS_KEY")?),
            session_token: get("AWS_SESSION_TOKEN").map(Secret),
            region: get("AWS_REGION")
                .or_else(|| get("AWS_DEFAULT_REGION"))
                .unwrap_or_else(|| DEFAULT_REGION.to_owned()),
            source,
        })
    }
}

/// `KEY=VALUE` lines as dotenv tools read them: blank lines and `#` comments skipped, an
/// `export ` prefix allowed, spaces around `=` trimmed, values bare (an inline ` #` starts a
/// comment), in single quotes (literal) or in double quotes (`\n`, `\"`, `\\` escapes). An error
/// names the line by number only.
pub fn parse_dotenv(text: &str) -> Result<Vec<(String, String)>, String> {
    let mut pairs = Vec::new();
    for (index, line) in text.lines().enumerate() {
        let number = index + 1;
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let line = line.strip_prefix("export ").map_or(line, str::trim_start);
        let (key, value) = line
            .split_once('=')
            .ok_or_else(|| format!("line {number} is not KEY=VALUE"))?;
        let key = key.trim();
        let key_ok = !key.is_empty()
            && key.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_')
            && !key.as_bytes()[0].is_ascii_digit();
        if !key_ok {
            return Err(format!("line {number} does not start with a variable name"));
        }
        let value =
            unquote(value.trim()).ok_or_else(|| format!("line {number} has an unclosed quote"))?;
        pairs.push((key.to_owned(), value));
    }
    Ok(pairs)
}

fn unquote(value: &str) -> Option<String> {
    if let Some(rest) = value.strip_prefix('\'') {
        let end = rest.find('\'')?;
        return Some(rest[..end].to_owned());
    }
    if let Some(rest) = value.strip_prefix('"') {
        let mut out = String::new();
        let mut chars = rest.chars();
        while let Some(c) = chars.next() {
            match c {
                '"' => return Some(out),
                '\\' => match chars.next()? {
                    'n' => out.push('\n'),
                    other => out.push(other),
                },
                c => out.push(c),
            }
        }
        return None;
    }
    let bare = match value.find(" #") {
        Some(i) => &value[..i],
        None => value,
    };
    Some(bare.trim_end().to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    const KEY: &str = "AKIAIOSFODNN7EXAMPLE";
    const SECRET: &str = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY";

    #[test]
    fn the_redaction_key_follows_the_secret_and_shows_nothing_of_it() {
        let with = |secret: &str| RealCredentials {
            access_key_id: Secret::new(KEY),
            secret_access_key: Secret::new(secret),
            session_token: None,
            region: DEFAULT_REGION.into(),
            source: "test".into(),
        };
        let a = with("s1s1s1s1s1s1s1s1s1s1s1s1s1s1s1s1s1s1s1s1").redaction_salt();
        assert_eq!(
            a,
            with("s1s1s1s1s1s1s1s1s1s1s1s1s1s1s1s1s1s1s1s1").redaction_salt()
        );
        assert_ne!(
            a,
            with("s2s2s2s2s2s2s2s2s2s2s2s2s2s2s2s2s2s2s2s2").redaction_salt()
        );
        assert!(!a.windows(4).any(|w| w == b"s1s1"));
    }

    #[test]
    fn dotenv_forms() {
        let text = format!(
            "# exported by the aws CLI\n\nexport AWS_ACCESS_KEY_ID={KEY}\nAWS_SECRET_ACCESS_KEY = \"{SECRET}\"\nAWS_SESSION_TOKEN='a#b c'\nAWS_REGION=eu-west-1 # Ireland\nQUOTED=\"x\\\"y\\\\z\\n\"\n"
        );
        let pairs = parse_dotenv(&text).unwrap();
        let get = |k: &str| pairs.iter().find(|(n, _)| n == k).map(|(_, v)| v.as_str());
        assert_eq!(get("AWS_ACCESS_KEY_ID"), Some(KEY));
        assert_eq!(get("AWS_SECRET_ACCESS_KEY"), Some(SECRET));
        assert_eq!(get("AWS_SESSION_TOKEN"), Some("a#b c"));
        assert_eq!(get("AWS_REGION"), Some("eu-west-1"));
        assert_eq!(get("QUOTED"), Some("x\"y\\z\n"));
    }

    #[test]
    fn errors_name_the_line_never_its_value() {
        for (text, why) in [
            (format!("{SECRET}\n"), "line 1 is not KEY=VALUE"),
            (
                format!("\n1X={SECRET}\n"),
                "line 2 does not start with a variable name",
            ),
            (format!("A=\"{SECRET}\n"), "line 1 has an unclosed quote"),
        ] {
            let error = parse_dotenv(&text).unwrap_err();
            assert_eq!(error, why);
            assert!(!error.contains(SECRET));
        }
    }

    #[test]
    fn the_file_then_the_environment_and_never_a_value_shown() {
        let dir = std::env::temp_dir().join(format!("parlel-prod-env-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let file = dir.join("prod.env");
        std::fs::write(
            &file,
            format!("AWS_ACCESS_KEY_ID={KEY}\nAWS_SECRET_ACCESS_KEY={SECRET}\n"),
        )
        .unwrap();
        let no_env = |_: &str| None;
        let c = RealCredentials::load(&file, no_env).unwrap();
        assert_eq!(
            (c.access_key_id.expose(), c.secret_access_key.expose()),
            (KEY, SECRET)
        );
        assert_eq!(c.region, "us-east-1");
        let shown = format!("{c:?} {} {}", c.access_key_id, c.secret_access_key);
        assert!(!shown.contains(KEY) && !shown.contains(SECRET), "{shown}");

        std::fs::write(&file, format!("AWS_ACCESS_KEY_ID={KEY}\n")).unwrap();
        let e = RealCredentials::load(&file, no_env).unwrap_err();
        assert_eq!(
            e,
            format!("{}: AWS_SECRET_ACCESS_KEY is missing", file.display())
        );

        let missing = dir.join("absent.env");
        let e = RealCredentials::load(&missing, no_env).unwrap_err();
        assert!(
            e.starts_with(&format!(
                "no credentials to record with: {} does not exist",
                missing.display()
            )),
            "{e}"
        );
        let env = |name: &str| match name {
            "AWS_ACCESS_KEY_ID" => Some(KEY.to_owned()),
            "AWS_SECRET_ACCESS_KEY" => Some(SECRET.to_owned()),
            "AWS_DEFAULT_REGION" => Some("ap-south-1".to_owned()),
            _ => None,
        };
        let c = RealCredentials::load(&missing, env).unwrap();
        assert_eq!(
            (c.source.as_str(), c.region.as_str()),
            ("the environment", "ap-south-1")
        );
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
