//! serde → the crate's `Json`, for tests only (the crate itself reads JSON with its own parser,
//! `json::parse_json`, and has no serde in its build). One copy, included with `#[path]` by
//! `src/json.rs`'s tests and by `tests/fuzz.rs` (the crate's `#[cfg(test)]` items are not visible to
//! an integration test); the includer has `Json` and `MAX_DEPTH` in scope.

use super::{Json, MAX_DEPTH};
use serde::de::{DeserializeSeed, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use std::borrow::ToOwned;
use std::fmt;
use std::string::String;
use std::vec::Vec;

/// One value at a depth; deeper than `MAX_DEPTH` becomes `null` (as `json::parse_json` does).
#[derive(Clone, Copy)]
pub struct Seed(pub u32);

impl<'de> DeserializeSeed<'de> for Seed {
    type Value = Json;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Json, D::Error> {
        if self.0 > MAX_DEPTH {
            d.deserialize_ignored_any(IgnoredAny).map(|_| Json::Null)
        } else {
            d.deserialize_any(self)
        }
    }
}

impl<'de> Visitor<'de> for Seed {
    type Value = Json;
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a JSON value")
    }
    fn visit_unit<E>(self) -> Result<Json, E> {
        Ok(Json::Null)
    }
    fn visit_none<E>(self) -> Result<Json, E> {
        Ok(Json::Null)
    }
    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Json, D::Error> {
        self.deserialize(d)
    }
    fn visit_bool<E>(self, v: bool) -> Result<Json, E> {
        Ok(Json::Bool(v))
    }
    fn visit_i64<E>(self, v: i64) -> Result<Json, E> {
        Ok(Json::Num(v as f64))
    }
    fn visit_u64<E>(self, v: u64) -> Result<Json, E> {
        Ok(Json::Num(v as f64))
    }
    fn visit_f64<E>(self, v: f64) -> Result<Json, E> {
        Ok(Json::Num(v))
    }
    fn visit_str<E>(self, v: &str) -> Result<Json, E> {
        Ok(Json::Str(v.to_owned()))
    }
    fn visit_string<E>(self, v: String) -> Result<Json, E> {
        Ok(Json::Str(v))
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Json, A::Error> {
        let mut items = Vec::new();
        while let Some(v) = seq.next_element_seed(Seed(self.0 + 1))? {
            items.push(v);
        }
        Ok(Json::Arr(items))
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Json, A::Error> {
        let mut pairs: Vec<(String, Json)> = Vec::new();
        while let Some(k) = map.next_key::<String>()? {
            let v = map.next_value_seed(Seed(self.0 + 1))?;
            // Duplicate keys: the last one wins, in the first one's place, as in JSON.parse.
            match pairs.iter_mut().find(|(key, _)| *key == k) {
                Some(slot) => slot.1 = v,
                None => pairs.push((k, v)),
            }
        }
        Ok(Json::Obj(pairs))
    }
}
