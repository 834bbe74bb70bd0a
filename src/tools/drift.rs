//! `cassette drift NAME`: replays each recorded request against the built-in fake and reports,
//! field by field, where the fake's answer differs in shape from the recorded (real) one: the
//! status and error code, elements present in one and not the other, the order of elements under
//! a parent, and the format of values (an ARN, an account id, an access key id, a time, a number,
//! a request id, a token, text). Values themselves are not compared: they differ by design.
//! Answers recorded as JSON (`Accept: application/json`) are compared the same way, key by key
//! (`json_shape`).
//! Requests whose tokens the cassette keeps as digests (web identity, SAML, trade-in) cannot be
//! sent again and are listed as not compared.

use std::collections::BTreeMap;
use std::path::Path;

use quick_xml::Reader;
use quick_xml::events::Event;
use serde_json::json;

use super::json_shape::json_shape;
use super::load;
use crate::cassette::json_pairs::{is_json, string_values};
use crate::cassette::{DIGESTED_PARAMETERS, Interaction, element_texts};
use crate::fake::{Fake, FakeConfig};
use crate::timestamp::parse_rfc3339_ms;
use crate::wire::answer::Answer;
use crate::wire::caller::CallerCredentials;
use crate::wire::params::Params;
use crate::wire::render::{self, Format};
use crate::wire::request::StsRequest;

/// An answer's shape: each element's path in document order, with the format of its text.
#[derive(Debug, Default)]
struct Shape {
    elements: Vec<(String, Option<&'static str>)>,
}

pub fn drift(path: &Path, as_json: bool) -> Result<bool, String> {
    let (store, cassette) = load(path)?;
    let fake = Fake::new(&FakeConfig::default());
    let session = fake_session(&fake)?;
    let mut reports = Vec::new();
    let mut drifted = 0;
    for (index, interaction) in cassette.interactions.iter().enumerate() {
        let found = match compare(&fake, &session, interaction) {
            Ok(differences) => differences,
            Err(why) => vec![format!("not compared: {why}")],
        };
        if !found.is_empty() {
            drifted += 1;
        }
        reports.push((index, interaction.request.action.clone(), found));
    }
    let location = store.location();
    if as_json {
        let out = json!({
            "cassette": location,
            "interactions": cassette.interactions.len(),
            "drifted": drifted,
            "differences": reports.iter().filter(|(_, _, d)| !d.is_empty()).map(|(i, a, d)| json!({
                "interaction": i, "action": a, "differences": d,
            })).collect::<Vec<_>>(),
        });
        println!("{out}");
    } else {
        for (index, action, differences) in &reports {
            for difference in differences {
                println!("{location}: interaction {index} ({action}): {difference}");
            }
        }
        println!(
            "{location}: {drifted} of {} interaction(s) differ in shape from the fake's answers",
            cassette.interactions.len()
        );
    }
    Ok(drifted == 0)
}

/// The differences between the recorded answer and the fake's to the same request.
fn compare(
    fake: &Fake,
    session: &(String, String),
    interaction: &Interaction,
) -> Result<Vec<String>, String> {
    let request = &interaction.request;
    if let Some((name, _)) = request
        .parameters
        .iter()
        .find(|(name, _)| DIGESTED_PARAMETERS.contains(&name.as_str()) && name != "TokenCode")
    {
        return Err(format!("its {name} is kept as a digest"));
    }
    let operation = crate::model::resolve(&request.action, &request.version)
        .ok_or_else(|| format!("{} is not an operation of STS", request.action))?;
    let mut pairs = vec![
        ("Action".to_owned(), request.action.clone()),
        ("Version".to_owned(), request.version.clone()),
    ];
    pairs.extend(request.parameters.iter().cloned());
    let params = Params::from_pairs(pairs);
    // "base" is any long-term key; a recorded session is played by a session of the fake's own.
    let base = request.identity == "base";
    let caller = CallerCredentials {
        access_key_id: if base {
            "AKIAIOSFODNN7EXAMPLE"
        } else {
            &session.0
        },
        session_token: (!base).then_some(session.1.as_str()),
        region: Some("us-east-1"),
    };
    // The fake answers in the form the recording is in (an upstream may ignore `Accept`).
    let format = if is_json(interaction.response.body.as_bytes()) {
        Format::Json
    } else {
        Format::Xml
    };
    let sts = StsRequest {
        operation,
        params: &params,
        caller: operation.signed.then_some(caller),
        host: None,
        format,
        describe_caller: false,
        raw: None,
    };
    let answered = render::respond(Answer::Typed(fake.answer(&sts)), format);
    let (status, body) = (answered.status().as_u16(), answered.into_body());
    let body = String::from_utf8_lossy(&body);
    let mut out = Vec::new();
    let recorded = &interaction.response;
    if status != recorded.status {
        out.push(format!(
            "status: recorded {}, fake {status}",
            recorded.status
        ));
    }
    let (real_code, our_code) = (error_code(&recorded.body), error_code(&body));
    if real_code != our_code {
        out.push(format!(
            "error code: recorded {}, fake {}",
            real_code.as_deref().unwrap_or("none"),
            our_code.as_deref().unwrap_or("none")
        ));
    }
    // A success against an error (or two errors) are two documents: their fields do not compare.
    if !out.is_empty() || real_code.is_some() {
        return Ok(out);
    }
    let (real, ours) = (shape(&recorded.body)?, shape(&body)?);
    out.extend(differences(&real, &ours));
    Ok(out)
}

fn differences(real: &Shape, ours: &Shape) -> Vec<String> {
    let mut out = Vec::new();
    let index = |s: &Shape| -> BTreeMap<String, Option<&'static str>> {
        s.elements.iter().cloned().collect()
    };
    let (real_map, our_map) = (index(real), index(ours));
    for (path, kind) in &real_map {
        match our_map.get(path) {
            None => out.push(format!("{path}: recorded, missing in the fake's answer")),
            Some(theirs) if theirs != kind && kind.is_some() && theirs.is_some() => {
                out.push(format!(
                    "{path}: recorded {}, fake {}",
                    kind.unwrap_or("-"),
                    theirs.unwrap_or("-")
                ));
            }
            _ => {}
        }
    }
    for path in our_map.keys() {
        if !real_map.contains_key(path) {
            out.push(format!("{path}: in the fake's answer, not recorded"));
        }
    }
    // Order: the children both have, under each parent both have.
    let children = |s: &Shape, other: &BTreeMap<String, Option<&'static str>>| {
        let mut by_parent: BTreeMap<String, Vec<String>> = BTreeMap::new();
        for (path, _) in &s.elements {
            if let Some((parent, name)) = path.rsplit_once('/')
                && other.contains_key(path)
                && !by_parent
                    .get(parent)
                    .is_some_and(|c| c.contains(&name.to_owned()))
            {
                by_parent
                    .entry(parent.to_owned())
                    .or_default()
                    .push(name.to_owned());
            }
        }
        by_parent
    };
    let (real_children, our_children) = (children(real, &our_map), children(ours, &real_map));
    for (parent, names) in &real_children {
        if let Some(theirs) = our_children.get(parent)
            && theirs != names
        {
            out.push(format!(
                "{parent}: element order recorded {}, fake {}",
                names.join(","),
                theirs.join(",")
            ));
        }
    }
    out
}

/// A session of the fake's own (an AssumeRole), to call as when a recording called as a session.
fn fake_session(fake: &Fake) -> Result<(String, String), String> {
    let params = Params::from_urlencoded(
        b"Action=AssumeRole&Version=2011-06-15&RoleSessionName=drift\
          &RoleArn=arn%3Aaws%3Aiam%3A%3A000000000000%3Arole%2Fdrift",
    );
    let operation = crate::model::resolve("AssumeRole", crate::model::API_VERSION)
        .ok_or("the model has no AssumeRole")?;
    let request = StsRequest {
        operation,
        params: &params,
        caller: Some(CallerCredentials {
            access_key_id: "AKIAIOSFODNN7EXAMPLE",
            session_token: None,
            region: Some("us-east-1"),
        }),
        host: None,
        format: Format::Xml,
        describe_caller: false,
        raw: None,
    };
    let body = render::respond(Answer::Typed(fake.answer(&request)), Format::Xml).into_body();
    let body = String::from_utf8_lossy(&body);
    let first = |name: &str| element_texts(&body, name).into_iter().next();
    first("AccessKeyId")
        .zip(first("SessionToken"))
        .ok_or_else(|| "the fake handed out no session".to_owned())
}

/// The shape of an answer: its XML elements, or its JSON keys (`json_shape`).
fn shape(body: &str) -> Result<Shape, String> {
    if is_json(body.as_bytes()) {
        return json_shape(body, kind).map(|elements| Shape { elements });
    }
    let mut reader = Reader::from_str(body);
    let mut stack: Vec<String> = Vec::new();
    let mut shape = Shape::default();
    loop {
        match reader.read_event() {
            Ok(Event::Start(e)) => {
                let name = e.local_name().into_inner().to_owned();
                stack.push(name);
                shape.elements.push((format!("/{}", stack.join("/")), None));
            }
            Ok(Event::Empty(e)) => {
                let name = e.local_name().into_inner().to_owned();
                let path = format!("/{}/{name}", stack.join("/"));
                shape.elements.push((path, Some("empty")));
            }
            Ok(Event::Text(t)) => {
                let text = t.xml10_content();
                let text = text.trim();
                if !text.is_empty()
                    && let Some(last) = shape.elements.last_mut()
                {
                    last.1 = Some(kind(text));
                }
            }
            Ok(Event::End(_)) => {
                stack.pop();
            }
            Ok(Event::Eof) => return Ok(shape),
            Ok(_) => {}
            Err(e) => return Err(format!("not well-formed XML: {e}")),
        }
    }
}

/// An error answer's `Code`, XML or JSON.
fn error_code(body: &str) -> Option<String> {
    if is_json(body.as_bytes()) {
        string_values(body, "Code").into_iter().next()
    } else {
        element_texts(body, "Code").into_iter().next()
    }
}

/// The format of a value, in words.
fn kind(text: &str) -> &'static str {
    let upper_b32 = |s: &str| {
        s.bytes()
            .all(|b| b.is_ascii_uppercase() || (b'2'..=b'7').contains(&b))
    };
    let hex_groups = text.split('-').map(str::len).collect::<Vec<_>>() == [8, 4, 4, 4, 12]
        && text.bytes().all(|b| b.is_ascii_hexdigit() || b == b'-');
    if text.starts_with("arn:") {
        "an ARN"
    } else if text.len() == 12 && text.bytes().all(|b| b.is_ascii_digit()) {
        "an account id"
    } else if text.bytes().all(|b| b.is_ascii_digit()) {
        "a number"
    } else if text.len() == 20
        && (text.starts_with("AKIA") || text.starts_with("ASIA"))
        && upper_b32(&text[4..])
    {
        "an access key id"
    } else if hex_groups {
        "a request id"
    } else if parse_rfc3339_ms(text).is_ok() {
        "a time"
    } else if text.len() >= 40
        && text.bytes().all(|b| {
            b.is_ascii_alphanumeric() || matches!(b, b'+' | b'/' | b'=' | b'-' | b'_' | b'.')
        })
    {
        "a token"
    } else if matches!(text, "true" | "false") {
        "a boolean"
    } else {
        "text"
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn order_presence_and_formats_are_told_apart() {
        let real = shape("<R><A>arn:aws:x</A><B>123456789012</B><C>x</C></R>").unwrap();
        let ours = shape("<R><B>abc</B><A>arn:aws:y</A><D>1</D></R>").unwrap();
        let found = differences(&real, &ours);
        assert!(
            found.contains(&"/R: element order recorded A,B, fake B,A".to_owned()),
            "{found:?}"
        );
        assert!(
            found.contains(&"/R/B: recorded an account id, fake text".to_owned()),
            "{found:?}"
        );
        assert!(
            found.contains(&"/R/C: recorded, missing in the fake's answer".to_owned()),
            "{found:?}"
        );
        assert!(
            found.contains(&"/R/D: in the fake's answer, not recorded".to_owned()),
            "{found:?}"
        );
        let real =
            shape("<G xmlns=\"x\">\n  <R>\n    <U>AIDA</U>\n    <A>arn:x</A>\n  </R>\n</G>\n")
                .unwrap();
        let ours =
            shape("<G xmlns=\"x\">\n  <R>\n    <A>arn:y</A>\n    <U>AIDB</U>\n  </R>\n</G>\n")
                .unwrap();
        assert_eq!(
            differences(&real, &ours),
            ["/G/R: element order recorded U,A, fake A,U"],
            "{:?} {:?}",
            real,
            ours
        );
    }
}
