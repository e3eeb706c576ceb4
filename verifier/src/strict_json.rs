//! JSON documents read strictly: a member name may appear only once in each object, at every
//! depth.
//!
//! `serde_json` keeps the last of two equal member names, so `{"groups":["admin"],
//! "groups":["staff"]}` would quietly mean `staff`. A configuration (`ROUTE_RULES`), a JWKS
//! document or a token header that says one thing twice is refused instead: whoever reads it
//! next (a person, a review, another parser) may well take the first.

use std::borrow::Cow;
use std::fmt;

use serde::Deserialize;
use serde::de::{self, DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};
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

/// Reads the JSON object `json` as strictly as [`parse_object`] does (no member name twice at
/// any depth, every member read) and keeps the values of the members named in `wanted`, in
/// that order, without building a map of all its members: a token's header is read this way
/// on every request.
pub(crate) fn pick_members<const N: usize>(
    json: &[u8],
    wanted: [&str; N],
) -> Result<[Option<Value>; N], serde_json::Error> {
    let mut deserializer = serde_json::Deserializer::from_slice(json);
    let picked = Pick(wanted).deserialize(&mut deserializer)?;
    deserializer.end()?;
    Ok(picked)
}

struct Pick<'w, const N: usize>([&'w str; N]);

impl<'de, const N: usize> DeserializeSeed<'de> for Pick<'_, N> {
    type Value = [Option<Value>; N];

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Self::Value, D::Error> {
        // An object only: anything else is refused by the map reader.
        deserializer.deserialize_map(self)
    }
}

impl<'de, const N: usize> Visitor<'de> for Pick<'_, N> {
    type Value = [Option<Value>; N];

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a JSON object without duplicate member names")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut access: A) -> Result<Self::Value, A::Error> {
        let mut picked = std::array::from_fn(|_| None);
        let mut names: Vec<Cow<'de, str>> = Vec::with_capacity(4);
        while let Some(BorrowedStr(name)) = access.next_key()? {
            let StrictValue(value) = access.next_value()?;
            if let Some(slot) = self.0.iter().position(|wanted| *wanted == name) {
                picked[slot] = Some(value);
            }
            names.push(name);
        }
        // Sorted, not compared pairwise: an object with thousands of members stays
        // O(n log n), as a map would.
        names.sort_unstable();
        if names.windows(2).any(|pair| pair[0] == pair[1]) {
            return Err(de::Error::custom("duplicate member name"));
        }
        Ok(picked)
    }
}

/// A string, borrowed from the input unless it has escapes (then unescaped, so that
/// `"\u0061lg"` is `alg`, as any JSON reader takes it).
#[derive(Debug)]
pub(crate) struct BorrowedStr<'a>(pub(crate) Cow<'a, str>);

impl std::ops::Deref for BorrowedStr<'_> {
    type Target = str;

    fn deref(&self) -> &str {
        &self.0
    }
}

impl<'de: 'a, 'a> Deserialize<'de> for BorrowedStr<'a> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct StrVisitor;
        impl<'de> Visitor<'de> for StrVisitor {
            type Value = BorrowedStr<'de>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a string")
            }
            fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Self::Value, E> {
                Ok(BorrowedStr(Cow::Borrowed(v)))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
                Ok(BorrowedStr(Cow::Owned(v.to_owned())))
            }
        }
        deserializer.deserialize_str(StrVisitor)
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
