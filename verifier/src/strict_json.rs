//! JSON documents read strictly: a member name may appear only once in each object, at every
//! depth.
//!
//! `serde_json` keeps the last of two equal member names, so `{"groups":["admin"],
//! "groups":["staff"]}` would quietly mean `staff`. A configuration (`ROUTE_RULES`), a JWKS
//! document or a token header that says one thing twice is refused instead: whoever reads it
//! next (a person, a review, another parser) may well take the first.

use std::fmt;

use serde::Deserialize;
use serde::de::{self, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_json::{Map, Value};

/// Parses `json` into a tree, refusing duplicate member names at any depth.
pub fn parse_value(json: &[u8]) -> Result<Value, serde_json::Error> {
    serde_json::from_slice::<StrictValue>(json).map(|value| value.0)
}

/// Parses `json`, which must be an object, refusing duplicate member names at any depth.
pub fn parse_object(json: &[u8]) -> Option<Map<String, Value>> {
    match parse_value(json) {
        Ok(Value::Object(map)) => Some(map),
        _ => None,
    }
}

/// A value read strictly (see the module docs): what [`parse_value`] reads, as a serde type.
pub(crate) struct StrictValue(pub(crate) Value);

impl<'de> Deserialize<'de> for StrictValue {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(StrictVisitor).map(StrictValue)
    }
}

struct StrictVisitor;

impl<'de> Visitor<'de> for StrictVisitor {
    type Value = Value;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("JSON without duplicate member names")
    }

    fn visit_bool<E: de::Error>(self, v: bool) -> Result<Value, E> {
        Ok(Value::Bool(v))
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<Value, E> {
        Ok(Value::from(v))
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Value, E> {
        Ok(Value::from(v))
    }

    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Value, E> {
        // serde_json never hands over a non-finite number.
        Ok(serde_json::Number::from_f64(v).map_or(Value::Null, Value::Number))
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<Value, E> {
        Ok(Value::String(v.to_owned()))
    }

    fn visit_unit<E: de::Error>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        let mut items = Vec::new();
        while let Some(StrictValue(item)) = seq.next_element()? {
            items.push(item);
        }
        Ok(Value::Array(items))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut access: A) -> Result<Value, A::Error> {
        let mut map = Map::new();
        while let Some(key) = access.next_key::<String>()? {
            let StrictValue(value) = access.next_value()?;
            if map.contains_key(&key) {
                return Err(de::Error::custom(format_args!(
                    "duplicate member name {key:?}"
                )));
            }
            map.insert(key, value);
        }
        Ok(Value::Object(map))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refuses_duplicates_at_every_depth() {
        let duplicated = [
            r#"{"a":1,"a":1}"#,
            r#"{"GET /admin":{"groups":["admin"],"groups":["staff"]}}"#,
            r#"{"x":[{"k":1},{"k":2,"k":3}]}"#,
            r#"[{"deep":{"deeper":{"n":1,"n":2}}}]"#,
        ];
        for json in duplicated {
            let error = parse_value(json.as_bytes()).unwrap_err();
            assert!(
                error.to_string().contains("duplicate member name"),
                "{json}: {error}"
            );
        }
    }

    #[test]
    fn keeps_every_value_of_a_clean_document() {
        let json = r#"{"s":"t\u0041","n":-1,"u":18446744073709551615,"f":1.5,"b":true,"z":null,"a":[1,{"k":[]}],"o":{"a":{"a":1}}}"#;
        let strict = parse_value(json.as_bytes()).unwrap();
        let plain: Value = serde_json::from_str(json).unwrap();
        assert_eq!(strict, plain);
    }

    #[test]
    fn objects_only_where_an_object_is_asked_for() {
        assert!(parse_object(br#"{"a":{"b":1}}"#).is_some());
        for json in ["[]", "1", "\"x\"", "null", "{", r#"{"a":1,"a":2}"#] {
            assert!(parse_object(json.as_bytes()).is_none(), "{json}");
        }
    }
}
