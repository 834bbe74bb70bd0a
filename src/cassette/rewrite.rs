//! The optional rewriting rules of `[record]`: account ids (an explicit map, or `auto`:
//! 000000000000, 000000000001, ... in order of appearance) and any regex. They apply outward, to
//! what is stored and answered (answers and the parameters a cassette keeps), after redaction and
//! before the fail-closed scan; account ids also inward, fake to real, on a request's way to the
//! upstream, so tests can name the fake accounts. Replay applies the same rules to incoming
//! parameters before matching, so a request naming a real account still finds its recording.
//!
//! An account id is a run of exactly 12 digits that no letter, digit or `-` touches (so the last
//! group of a request id is never taken for one).

use std::borrow::Cow;
use std::collections::HashMap;
use std::sync::Mutex;

use regex::Regex;
use serde::Deserialize;

/// `record.accounts`: `"auto"`, or a table of real account id = fake account id.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(untagged)]
pub enum AccountsRule {
    Auto(String),
    Map(HashMap<String, String>),
}

/// One `[[record.rewrite]]` rule: every match of `pattern` becomes `with` (`$1` names a group).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RewriteRule {
    pub pattern: String,
    pub with: String,
}

enum Accounts {
    None,
    Map(AccountMap),
    /// Learned in order of appearance this run.
    Auto(Mutex<AccountMap>),
}

/// Real account ids to fake ones, and back.
#[derive(Default)]
struct AccountMap {
    fake_of: HashMap<String, String>,
    real_of: HashMap<String, String>,
}

impl AccountMap {
    fn insert(&mut self, real: &str, fake: &str) {
        self.fake_of.insert(real.to_owned(), fake.to_owned());
        self.real_of.insert(fake.to_owned(), real.to_owned());
    }
}

pub struct Rewriter {
    accounts: Accounts,
    rules: Vec<(Regex, String)>,
}

impl Default for Rewriter {
    fn default() -> Self {
        Rewriter {
            accounts: Accounts::None,
            rules: Vec::new(),
        }
    }
}

fn is_account_id(text: &str) -> bool {
    text.len() == 12 && text.bytes().all(|b| b.is_ascii_digit())
}

impl Rewriter {
    /// The rules of `[record]`, checked: each failure names its key.
    pub fn build(
        accounts: Option<&AccountsRule>,
        rules: &[RewriteRule],
    ) -> Result<Rewriter, String> {
        let accounts = match accounts {
            None => Accounts::None,
            Some(AccountsRule::Auto(word)) if word == "auto" => {
                Accounts::Auto(Mutex::new(AccountMap::default()))
            }
            Some(AccountsRule::Auto(word)) => {
                return Err(format!(
                    "record.accounts: {word:?} is neither \"auto\" nor a table of real = fake account ids"
                ));
            }
            Some(AccountsRule::Map(map)) => {
                for (real, fake) in map {
                    if !is_account_id(real) || !is_account_id(fake) {
                        return Err(format!(
                            "record.accounts: {real:?} = {fake:?}: both must be 12-digit account ids"
                        ));
                    }
                }
                let mut fakes: Vec<&String> = map.values().collect();
                fakes.sort();
                if fakes.windows(2).any(|w| w[0] == w[1]) {
                    return Err("record.accounts: two real accounts map to one fake".to_owned());
                }
                let mut accounts = AccountMap::default();
                for (real, fake) in map {
                    accounts.insert(real, fake);
                }
                Accounts::Map(accounts)
            }
        };
        let mut compiled = Vec::with_capacity(rules.len());
        for (n, rule) in rules.iter().enumerate() {
            let regex = Regex::new(&rule.pattern)
                .map_err(|e| format!("record.rewrite[{n}].pattern: {e}"))?;
            compiled.push((regex, rule.with.clone()));
        }
        Ok(Rewriter {
            accounts,
            rules: compiled,
        })
    }

    /// These rules as replay applies them to incoming requests: `auto` numbered the accounts of
    /// a recording run, which replay cannot know, so it is left out.
    pub fn for_replay(self) -> Rewriter {
        match self.accounts {
            Accounts::Auto(_) => Rewriter {
                accounts: Accounts::None,
                rules: self.rules,
            },
            _ => self,
        }
    }

    pub fn is_auto(&self) -> bool {
        matches!(self.accounts, Accounts::Auto(_))
    }

    /// The fake of a real account id (itself when no rule rewrites it).
    pub fn account(&self, real: &str) -> String {
        match &self.accounts {
            Accounts::None => real.to_owned(),
            Accounts::Map(map) => map
                .fake_of
                .get(real)
                .cloned()
                .unwrap_or_else(|| real.to_owned()),
            Accounts::Auto(learned) => {
                let Ok(mut learned) = learned.lock() else {
                    return "000000000000".to_owned();
                };
                if let Some(fake) = learned.fake_of.get(real) {
                    return fake.clone();
                }
                let fake = format!("{:012}", learned.fake_of.len());
                learned.insert(real, &fake);
                fake
            }
        }
    }

    /// `text` as it may be stored and answered: account ids and regex rules applied.
    pub fn outward<'a>(&self, text: &'a str) -> Cow<'a, str> {
        let mut text = match self.accounts {
            Accounts::None => Cow::Borrowed(text),
            _ => replace_accounts(text, |real| {
                let fake = self.account(real);
                (fake != real).then_some(fake)
            }),
        };
        for (regex, with) in &self.rules {
            if let Cow::Owned(replaced) = regex.replace_all(&text, with.as_str()) {
                text = Cow::Owned(replaced);
            }
        }
        text
    }

    /// `text` (a query string or form body) on its way up: each fake account id the rules made
    /// replaced by its real one. Account ids here are bounded by non-digits only (`%3A` ends in
    /// a letter).
    pub fn inward<'a>(&self, text: &'a str) -> Cow<'a, str> {
        match &self.accounts {
            Accounts::None => Cow::Borrowed(text),
            Accounts::Map(map) => real_accounts(text, &map.real_of),
            Accounts::Auto(learned) => match learned.lock() {
                Ok(learned) => real_accounts(text, &learned.real_of),
                Err(_) => Cow::Borrowed(text),
            },
        }
    }
}

/// `text` with each run of 12 digits (bounded by non-digits) that `real_of` knows replaced.
fn real_accounts<'a>(text: &'a str, real_of: &HashMap<String, String>) -> Cow<'a, str> {
    let bytes = text.as_bytes();
    let mut out = String::new();
    let mut copied = 0;
    let mut at = 0;
    while at + 12 <= bytes.len() {
        let before_ok = at == 0 || !bytes[at - 1].is_ascii_digit();
        let after_ok = bytes.get(at + 12).is_none_or(|b| !b.is_ascii_digit());
        // Digits are ASCII: once the twelve bytes are, both ends are character boundaries.
        let digits = bytes[at..at + 12].iter().all(u8::is_ascii_digit);
        if before_ok
            && after_ok
            && digits
            && let Some(real) = real_of.get(&text[at..at + 12])
        {
            out.push_str(&text[copied..at]);
            out.push_str(real);
            at += 12;
            copied = at;
        } else {
            at += 1;
        }
    }
    if copied == 0 {
        Cow::Borrowed(text)
    } else {
        out.push_str(&text[copied..]);
        Cow::Owned(out)
    }
}

/// `text` with each account id `fake_of` has a fake for replaced by it.
fn replace_accounts(text: &str, fake_of: impl Fn(&str) -> Option<String>) -> Cow<'_, str> {
    let bytes = text.as_bytes();
    let touches = |b: u8| b.is_ascii_alphanumeric() || b == b'-';
    let mut out = String::new();
    let mut copied = 0;
    let mut at = 0;
    while at < bytes.len() {
        if !bytes[at].is_ascii_digit() || (at > 0 && touches(bytes[at - 1])) {
            at += 1;
            continue;
        }
        let end = bytes[at..]
            .iter()
            .position(|b| !b.is_ascii_digit())
            .map_or(bytes.len(), |n| at + n);
        let standalone = bytes.get(end).is_none_or(|b| !touches(*b));
        if end - at == 12
            && standalone
            && let Some(fake) = fake_of(&text[at..end])
        {
            out.push_str(&text[copied..at]);
            out.push_str(&fake);
            copied = end;
        }
        at = end;
    }
    if copied == 0 {
        Cow::Borrowed(text)
    } else {
        out.push_str(&text[copied..]);
        Cow::Owned(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const ANSWER: &str = "<Arn>arn:aws:sts::123456789012:assumed-role/app/s</Arn>\
        <Account>123456789012</Account><Other>arn:aws:iam::210987654321:role/x</Other>\
        <RequestId>c0ffee00-0000-4000-8000-123456789012</RequestId><N>1234567890123</N>";

    #[test]
    fn an_explicit_map_rewrites_every_account_out_and_fakes_back_in() {
        let map = HashMap::from([("123456789012".to_owned(), "000000000042".to_owned())]);
        let rewriter = Rewriter::build(Some(&AccountsRule::Map(map)), &[]).unwrap();
        let out = rewriter.outward(ANSWER);
        assert_eq!(out.matches("000000000042").count(), 2, "{out}");
        assert!(out.contains("210987654321"), "an unlisted account stays");
        assert!(
            out.contains("-123456789012</RequestId>"),
            "a request id is no account"
        );
        assert!(out.contains("1234567890123"), "13 digits are no account");
        assert_eq!(
            rewriter.inward("RoleArn=arn%3Aaws%3Aiam%3A%3A000000000042%3Arole%2Fx"),
            "RoleArn=arn%3Aaws%3Aiam%3A%3A123456789012%3Arole%2Fx"
        );
        assert_eq!(rewriter.inward("x=1000000000042"), "x=1000000000042");
        // Text that is not ASCII is walked by bytes, never cut inside a character.
        assert_eq!(
            rewriter.inward("é000000000042ééééééééééééé"),
            "é123456789012ééééééééééééé"
        );
    }

    #[test]
    fn auto_numbers_accounts_in_order_of_appearance() {
        let auto = AccountsRule::Auto("auto".into());
        let rewriter = Rewriter::build(Some(&auto), &[]).unwrap();
        let out = rewriter.outward(ANSWER);
        assert!(out.contains("sts::000000000000:assumed-role"), "{out}");
        assert!(out.contains("<Account>000000000000</Account>"), "{out}");
        assert!(out.contains("iam::000000000001:role/x"), "{out}");
        assert_eq!(rewriter.account("210987654321"), "000000000001");
        assert_eq!(rewriter.inward("a=000000000001"), "a=210987654321");
        // Replay cannot know a recording run's numbering: it leaves accounts as they come.
        let replaying = rewriter.for_replay();
        assert_eq!(replaying.outward(ANSWER), ANSWER);
        assert!(!replaying.is_auto());
        assert!(Rewriter::build(Some(&AccountsRule::Auto("yes".into())), &[]).is_err());
    }

    #[test]
    fn regex_rules_apply_after_accounts_and_bad_rules_name_their_key() {
        let rules = [RewriteRule {
            pattern: "role/([a-z]+)".into(),
            with: "role/redacted-$1".into(),
        }];
        let rewriter = Rewriter::build(None, &rules).unwrap();
        assert!(rewriter.outward(ANSWER).contains("role/redacted-x"));
        let bad = [RewriteRule {
            pattern: "(".into(),
            with: String::new(),
        }];
        let why = Rewriter::build(None, &bad).err().unwrap();
        assert!(why.starts_with("record.rewrite[0].pattern: "), "{why}");
        let map = HashMap::from([("1234".to_owned(), "000000000042".to_owned())]);
        assert!(Rewriter::build(Some(&AccountsRule::Map(map)), &[]).is_err());
    }
}
