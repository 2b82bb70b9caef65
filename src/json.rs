//! A small JSON value, the one data model of the pure modules.
//!
//! In wasm it is filled from a JS value by `js::to_json` (after the runtime's own `JSON.parse`),
//! natively from `serde_json` in tests (the serde impls below are test-only, so no serde code
//! reaches the wasm module). Objects keep their key order, because
//! deAPI's 422 `errors` are reported to users in server order. Nesting deeper than [`MAX_DEPTH`]
//! is cut to `null` instead of recursing without bound.


/// Deepest nesting kept when decoding; deeper values become `null`.
pub const MAX_DEPTH: u32 = 64;

#[derive(Clone, Debug, PartialEq, Default)]
pub enum Json {
    #[default]
    Null,
    Bool(bool),
    Num(f64),
    Str(String),
    Arr(Vec<Json>),
    Obj(Vec<(String, Json)>),
    /// An upload (Blob, File, bytes) found in request params: index into the side list of JS
    /// values the binding keeps. Never produced from a response.
    File(u32),
}

impl Json {
    pub fn get(&self, key: &str) -> Option<&Json> {
        match self {
            Json::Obj(pairs) => pairs.iter().find(|(k, _)| k == key).map(|(_, v)| v),
            _ => None,
        }
    }
    pub fn as_str(&self) -> Option<&str> {
        match self {
            Json::Str(s) => Some(s),
            _ => None,
        }
    }
    /// A number, or a string holding one (deAPI sends `"45.50"` for progress and limits).
    pub fn as_f64_lenient(&self) -> Option<f64> {
        match self {
            Json::Num(n) if n.is_finite() => Some(*n),
            Json::Str(s) => parse_number(s),
            _ => None,
        }
    }
    /// A boolean, or deAPI's `"1"`/`"0"`/`1`/`0`/`"true"`/`"false"` spellings of one.
    pub fn as_bool_lenient(&self) -> Option<bool> {
        match self {
            Json::Bool(b) => Some(*b),
            Json::Num(n) if *n == 1.0 => Some(true),
            Json::Num(n) if *n == 0.0 => Some(false),
            Json::Str(s) => match s.as_str() {
                "1" | "true" => Some(true),
                "0" | "false" | "" => Some(false),
                _ => None,
            },
            _ => None,
        }
    }
    pub fn is_null(&self) -> bool {
        matches!(self, Json::Null)
    }
    pub fn str(s: &str) -> Json {
        Json::Str(s.to_owned())
    }
    /// Short name of the value's JSON type, for error messages.
    pub fn type_name(&self) -> &'static str {
        match self {
            Json::Null => "null",
            Json::Bool(_) => "boolean",
            Json::Num(_) => "number",
            Json::Str(_) => "string",
            Json::Arr(_) => "array",
            Json::Obj(_) => "object",
            Json::File(_) => "file",
        }
    }
    /// Replace every occurrence of `secret` in every string (keys too) with `[REDACTED]`.
    pub fn redact(&mut self, secret: &str) {
        match self {
            Json::Str(s) => redact_str(s, secret),
            Json::Arr(items) => items.iter_mut().for_each(|v| v.redact(secret)),
            Json::Obj(pairs) => pairs.iter_mut().for_each(|(k, v)| {
                redact_str(k, secret);
                v.redact(secret);
            }),
            _ => {}
        }
    }
}

/// A decimal number (`-12`, `45.50`, `1e-3`, surrounding spaces allowed). Small on purpose: the
/// standard float parser adds ~10 KiB of tables to the module; values here are header numbers,
/// progress and model limits, where the last bit of precision does not matter.
pub fn parse_number(s: &str) -> Option<f64> {
    let s = s.trim();
    let (neg, rest) = match s.as_bytes().first() {
        Some(b'-') => (true, s.get(1..)?),
        Some(b'+') => (false, s.get(1..)?),
        _ => (false, s),
    };
    let (mantissa_part, exp_part) = match rest.find(['e', 'E']) {
        Some(i) => (rest.get(..i)?, Some(rest.get(i + 1..)?)),
        None => (rest, None),
    };
    let (int_part, frac_part) = mantissa_part.split_once('.').unwrap_or((mantissa_part, ""));
    if int_part.is_empty() && frac_part.is_empty() {
        return None;
    }
    let mut mantissa: f64 = 0.0;
    let mut scale: i32 = 0;
    for (digits, is_frac) in [(int_part, false), (frac_part, true)] {
        for b in digits.bytes() {
            if !b.is_ascii_digit() {
                return None;
            }
            mantissa = mantissa * 10.0 + f64::from(b - b'0');
            if is_frac {
                scale -= 1;
            }
        }
    }
    if let Some(e) = exp_part {
        let (eneg, edigits) = match e.as_bytes().first() {
            Some(b'-') => (true, e.get(1..)?),
            Some(b'+') => (false, e.get(1..)?),
            _ => (false, e),
        };
        if edigits.is_empty() || edigits.len() > 4 || !edigits.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        let ev = edigits.bytes().fold(0i32, |acc, b| acc * 10 + i32::from(b - b'0'));
        scale += if eneg { -ev } else { ev };
    }
    let value = if scale < 0 { mantissa / 10f64.powi(-scale) } else { mantissa * 10f64.powi(scale) };
    let value = if neg { -value } else { value };
    value.is_finite().then_some(value)
}

/// Replace `secret` inside `s`; an empty or very short secret is left alone (it would match noise).
pub fn redact_str(s: &mut String, secret: &str) {
    if secret.len() >= 3 && s.contains(secret) {
        *s = s.replace(secret, "[REDACTED]");
    }
}

#[cfg(test)]
mod serde_impls {
    use super::*;
    use serde::de::{self, DeserializeSeed, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
    use serde::ser::{Serialize, SerializeMap, SerializeSeq, Serializer};
    use std::fmt;

    impl Serialize for Json {
        fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
            match self {
                Json::Null | Json::File(_) => s.serialize_unit(),
                Json::Bool(b) => s.serialize_bool(*b),
                Json::Num(n) => s.serialize_f64(*n),
                Json::Str(v) => s.serialize_str(v),
                Json::Arr(items) => {
                    let mut seq = s.serialize_seq(Some(items.len()))?;
                    for v in items {
                        seq.serialize_element(v)?;
                    }
                    seq.end()
                }
                Json::Obj(pairs) => {
                    let mut map = s.serialize_map(Some(pairs.len()))?;
                    for (k, v) in pairs {
                        map.serialize_entry(k, v)?;
                    }
                    map.end()
                }
            }
        }
    }

    impl<'de> de::Deserialize<'de> for Json {
        fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Json, D::Error> {
            Seed(0).deserialize(d)
        }
    }

    /// Deserializes one value at a given depth.
    #[derive(Clone, Copy)]
    struct Seed(u32);

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
                // Duplicate keys: the last one wins, as in JSON.parse.
                match pairs.iter_mut().find(|(key, _)| *key == k) {
                    Some(slot) => slot.1 = v,
                    None => pairs.push((k, v)),
                }
            }
            Ok(Json::Obj(pairs))
        }
    }
}

#[cfg(test)]
pub fn parse(text: &str) -> Option<Json> {
    serde_json::from_str(text).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keeps_key_order_and_types() {
        let v = parse(r#"{"b":1,"a":[true,null,"x"],"c":{"d":2.5}}"#).unwrap();
        let Json::Obj(pairs) = &v else { panic!() };
        let keys: Vec<_> = pairs.iter().map(|(k, _)| k.as_str()).collect();
        assert_eq!(keys, ["b", "a", "c"]);
        assert_eq!(v.get("c").unwrap().get("d"), Some(&Json::Num(2.5)));
        assert_eq!(
            v.get("a"),
            Some(&Json::Arr(vec![Json::Bool(true), Json::Null, Json::str("x")]))
        );
    }

    #[test]
    fn deep_nesting_is_cut_not_overflowed() {
        let text = "[".repeat(100) + &"]".repeat(100);
        // serde_json's own recursion limit is 128; ours cuts at 64.
        let mut v = &parse(&text).unwrap();
        let mut depth = 0;
        while let Json::Arr(items) = v {
            depth += 1;
            match items.first() {
                Some(next) => v = next,
                None => break,
            }
        }
        assert_eq!(depth, MAX_DEPTH + 1);
    }

    #[test]
    fn lenient_accessors() {
        assert_eq!(Json::str("45.50").as_f64_lenient(), Some(45.5));
        assert_eq!(Json::str("abc").as_f64_lenient(), None);
        assert_eq!(Json::str("1").as_bool_lenient(), Some(true));
        assert_eq!(Json::Num(0.0).as_bool_lenient(), Some(false));
        assert_eq!(Json::str("maybe").as_bool_lenient(), None);
    }

    #[test]
    fn numbers() {
        for (text, want) in [("12", 12.0), ("-3", -3.0), ("45.50", 45.5), (" 0.0123 ", 0.0123), ("1e3", 1000.0), ("2.5E-2", 0.025), (".5", 0.5), ("7.", 7.0), ("+4", 4.0)] {
            assert_eq!(parse_number(text), Some(want), "{text}");
        }
        for text in ["", "-", ".", "1.2.3", "abc", "1e", "1e+", "0x10", "1,5", "NaN", "inf", "1e99999", "--1"] {
            assert_eq!(parse_number(text), None, "{text}");
        }
    }

    #[test]
    fn redacts_keys_and_values() {
        let mut v = parse(r#"{"k 1|sekret":"Bearer 1|sekret!","n":[ "x1|sekret" ]}"#).unwrap();
        v.redact("1|sekret");
        let text = serde_json::to_string(&v).unwrap();
        assert!(!text.contains("sekret"), "{text}");
        assert_eq!(text.matches("[REDACTED]").count(), 3);
    }
}
