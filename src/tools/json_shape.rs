//! The shape of a JSON answer (`Accept: application/json`) for `cassette drift`: every key's
//! path (`/GetCallerIdentityResponse/GetCallerIdentityResult/Arn`), in document order, with the
//! format of its value, as `drift` lays out an XML answer (a JSON number or boolean is told
//! from text that looks like one). Read by serde_json, whose map access
//! visits keys in the order they are written.

use std::fmt;

use serde::de::{DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};

/// (path, the value's format: `None` for an object or a list) of every key, in order.
pub type Elements = Vec<(String, Option<&'static str>)>;

/// The elements of `body`, each text value's format told by `kind`.
pub fn json_shape(body: &str, kind: fn(&str) -> &'static str) -> Result<Elements, String> {
    let mut elements = Vec::new();
    let mut deserializer = serde_json::Deserializer::from_str(body);
    Walk {
        path: String::new(),
        elements: &mut elements,
        kind,
    }
    .deserialize(&mut deserializer)
    .and_then(|()| deserializer.end())
    .map_err(|e| format!("not JSON: {e}"))?;
    Ok(elements)
}

/// Walks one value at `path`, noting it (and what it holds) in `elements`.
struct Walk<'a> {
    path: String,
    elements: &'a mut Elements,
    kind: fn(&str) -> &'static str,
}

impl Walk<'_> {
    /// Sets the format of the value at this path (a key noted before its value).
    fn note(self, format: &'static str) {
        if let Some(last) = self.elements.last_mut().filter(|(p, _)| *p == self.path) {
            last.1 = Some(format);
        }
    }
}

impl<'de> DeserializeSeed<'de> for Walk<'_> {
    type Value = ();

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Walk<'_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON value")
    }

    fn visit_map<M: MapAccess<'de>>(self, mut map: M) -> Result<(), M::Error> {
        while let Some(key) = map.next_key::<String>()? {
            let path = format!("{}/{key}", self.path);
            self.elements.push((path.clone(), None));
            map.next_value_seed(Walk {
                path,
                elements: self.elements,
                kind: self.kind,
            })?;
        }
        Ok(())
    }

    fn visit_seq<S: SeqAccess<'de>>(self, mut seq: S) -> Result<(), S::Error> {
        // The items of a list share one path, as `member` elements do in XML.
        let path = format!("{}/member", self.path);
        loop {
            self.elements.push((path.clone(), None));
            let item = Walk {
                path: path.clone(),
                elements: self.elements,
                kind: self.kind,
            };
            if seq.next_element_seed(item)?.is_none() {
                // The entry pushed for an item that is not there.
                self.elements.pop();
                return Ok(());
            }
        }
    }

    fn visit_str<E>(self, value: &str) -> Result<(), E> {
        // Empty text is not classified, as in XML.
        if !value.is_empty() {
            let kind = self.kind;
            self.note(kind(value));
        }
        Ok(())
    }

    fn visit_u64<E>(self, _: u64) -> Result<(), E> {
        self.note("a JSON number");
        Ok(())
    }

    fn visit_i64<E>(self, _: i64) -> Result<(), E> {
        self.note("a JSON number");
        Ok(())
    }

    fn visit_f64<E>(self, _: f64) -> Result<(), E> {
        self.note("a JSON number");
        Ok(())
    }

    fn visit_bool<E>(self, _: bool) -> Result<(), E> {
        self.note("a JSON boolean");
        Ok(())
    }

    fn visit_unit<E>(self) -> Result<(), E> {
        self.note("null");
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_in_document_order_with_their_formats() {
        let kind = |text: &str| {
            if text.starts_with("arn:") {
                "an ARN"
            } else {
                "text"
            }
        };
        let body = r#"{"R":{"Result":{"Arn":"arn:aws:iam::1:user/u","UserId":"U","N":1.7E9,"L":["a","b"],"Z":null}}}"#;
        let shape = json_shape(body, kind).unwrap();
        assert_eq!(
            shape,
            [
                ("/R".to_owned(), None),
                ("/R/Result".to_owned(), None),
                ("/R/Result/Arn".to_owned(), Some("an ARN")),
                ("/R/Result/UserId".to_owned(), Some("text")),
                ("/R/Result/N".to_owned(), Some("a JSON number")),
                ("/R/Result/L".to_owned(), None),
                ("/R/Result/L/member".to_owned(), Some("text")),
                ("/R/Result/L/member".to_owned(), Some("text")),
                ("/R/Result/Z".to_owned(), Some("null")),
            ]
        );
        assert!(json_shape("{\"a\":", kind).is_err());
        assert!(json_shape("{} x", kind).is_err());
    }
}
