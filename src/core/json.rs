//! A small JSON value, the one data model of the pure modules.
//!
//! It is read from JSON text by [`parse_json`] (serde_json with the `Deserialize` below): response
//! bodies, and params, options and queries from JS (`wasm::convert`: one `JSON.stringify` text); its
//! `Serialize` makes JS values (serde-wasm-bindgen: results, and request bodies, which the runtime's
//! `JSON.stringify` then writes) and, natively, JSON text ([`to_text`]: tests, fuzzing — serde_json's
//! serializer is not in the wasm module). Objects keep their key order,
//! because deAPI's 422 `errors` are reported to users in server order. Nesting deeper than [`MAX_DEPTH`]
//! is cut to `null` instead of recursing without bound; a text of more than [`MAX_VALUES`] values is
//! refused ([`read_json`]: [`Unread::TooLarge`]), and every list grows fallibly (`try_reserve`), so a
//! large value is an error, never a panic ("capacity overflow") or an abort.

use serde::de::{Deserialize, DeserializeSeed, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde::ser::{Serialize, SerializeMap, SerializeSeq, Serializer};
use std::cell::Cell;
use std::fmt;
use crate::core::text::{redact_str, truncate};


/// Deepest nesting kept when decoding; deeper values become `null`.
pub const MAX_DEPTH: u32 = 64;

/// Most values one text decodes to (array items and object members at any depth, up to
/// [`MAX_DEPTH`]; 2^20). A value takes 16 bytes of wasm memory (32 for an object member), so this
/// bounds what a hostile body can make the module hold (≈ 16–32 MiB, and as much again while a list
/// grows) whatever `maxResponseBytes` allows: a 16 MiB text of `[0,0,0,…]` would otherwise become
/// 8 million values, 128 MiB. deAPI's largest answers (a models page) hold a few thousand.
pub const MAX_VALUES: usize = 1 << 20;

/// Why [`read_json`] did not read a text.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Unread {
    /// Not exactly one JSON value.
    NotJson,
    /// JSON with more than [`MAX_VALUES`] values (or a list the allocator could not grow).
    TooLarge,
}

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
            // the last: an object past FOLD_UP_TO keys may repeat one (JSON.parse keeps the last value)
            Json::Obj(pairs) => pairs.iter().rev().find(|(k, _)| k == key).map(|(_, v)| v),
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
    /// How deeply arrays and objects nest (a scalar is 0). Decoded values are capped at
    /// `MAX_DEPTH + 1`, so this recursion is bounded.
    pub fn depth(&self) -> u32 {
        match self {
            Json::Arr(items) => 1 + items.iter().map(Json::depth).max().unwrap_or(0),
            Json::Obj(pairs) => 1 + pairs.iter().map(|(_, v)| v.depth()).max().unwrap_or(0),
            _ => 0,
        }
    }
    /// Cut the value to about `budget` bytes of JSON text (an error's `body`, after redaction): every
    /// string (keys too) to at most `max_str` bytes and what is left of the budget (with `…`), arrays
    /// and objects to their first members while the budget lasts (a scalar counts 8, punctuation 2
    /// or 3); the shape, the order and the first members stay.
    pub fn prune(&mut self, budget: &mut usize, max_str: usize) {
        let cut = |s: &mut String, budget: &mut usize| {
            *s = truncate(core::mem::take(s), max_str.min(*budget));
            *budget = budget.saturating_sub(s.len() + 3);
        };
        match self {
            Json::Str(s) => cut(s, budget),
            Json::Arr(items) => {
                *budget = budget.saturating_sub(2);
                let mut kept = 0;
                for v in items.iter_mut() {
                    if *budget == 0 {
                        break;
                    }
                    v.prune(budget, max_str);
                    kept += 1;
                }
                items.truncate(kept);
            }
            Json::Obj(pairs) => {
                *budget = budget.saturating_sub(2);
                let mut kept = 0;
                for (k, v) in pairs.iter_mut() {
                    if *budget == 0 {
                        break;
                    }
                    cut(k, budget);
                    v.prune(budget, max_str);
                    kept += 1;
                }
                pairs.truncate(kept);
            }
            _ => *budget = budget.saturating_sub(8),
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

/// Parse JSON text (RFC 8259; what `JSON.parse` accepts) with serde_json and [`Json`]'s
/// `Deserialize`. `None` for anything that is not exactly one JSON value (surrounding whitespace
/// allowed). Nesting deeper than [`MAX_DEPTH`] is read but kept as `null`. Text is parsed here
/// rather than walked as a JS object after the runtime's `JSON.parse`, because walking a JS object
/// from wasm costs a boundary crossing per key and value.
///
/// serde_json refuses two things `JSON.parse` accepts: lone UTF-16 surrogate escapes (`"\ud800"`)
/// and numbers that overflow a double (`1e999`, Infinity in JS). When it refuses a text that has
/// either, they are rewritten (to U+FFFD, which a Rust string can hold, and to `null`, which a JSON
/// value can) and the text is parsed again.
pub fn parse_json(text: &str) -> Option<Json> {
    read_json(text).ok()
}

/// [`parse_json`], telling a text that is not JSON from one too large to decode.
pub fn read_json(text: &str) -> Result<Json, Unread> {
    match from_text(text) {
        Err(Unread::NotJson) => from_text(&js_leniencies(text).ok_or(Unread::NotJson)?),
        done => done,
    }
}

/// One JSON value read by serde_json with a count of the values made.
fn from_text(text: &str) -> Result<Json, Unread> {
    let count = Cell::new(0);
    let mut de = serde_json::Deserializer::from_str(text);
    Seed { depth: 0, count: &count }
        .deserialize(&mut de)
        .and_then(|v| de.end().map(|()| v))
        .map_err(|_| Unread::NotJson)
        .and_then(|v| if count.get() > MAX_VALUES { Err(Unread::TooLarge) } else { Ok(v) })
}

/// `text` with lone surrogate escapes as `\ufffd` and overflowing number lexemes as `null`, or
/// `None` when it has neither (see [`parse_json`]).
fn js_leniencies(text: &str) -> Option<String> {
    let b = text.as_bytes();
    let hex4 = |at: usize| -> Option<u32> {
        let h = b.get(at..at + 4)?;
        h.iter().all(u8::is_ascii_hexdigit).then(|| h.iter().fold(0, |n, &c| n * 16 + char::from(c).to_digit(16).unwrap_or(0)))
    };
    let mut out = String::new();
    // `i` and `copied` only ever stop on ASCII bytes, so every cut is on a char boundary
    let (mut i, mut copied, mut in_string) = (0usize, 0usize, false);
    while let Some(&c) = b.get(i) {
        match (in_string, c) {
            (_, b'"') => {
                in_string = !in_string;
                i += 1;
            }
            (true, b'\\') if b.get(i + 1) == Some(&b'u') => match hex4(i + 2) {
                Some(0xD800..=0xDBFF) if b.get(i + 6..i + 8) == Some(b"\\u") && matches!(hex4(i + 8), Some(0xDC00..=0xDFFF)) => i += 12,
                Some(0xD800..=0xDFFF) => {
                    out.push_str(text.get(copied..i)?);
                    out.push_str("\\ufffd");
                    i += 6;
                    copied = i;
                }
                _ => i += 2,
            },
            (true, b'\\') => i += 2,
            (false, b'-' | b'0'..=b'9') => {
                let len = b.get(i..)?.iter().position(|c| !matches!(c, b'0'..=b'9' | b'-' | b'+' | b'.' | b'e' | b'E'));
                let end = len.map_or(b.len(), |n| i + n);
                let lexeme = text.get(i..end)?;
                // a valid JSON number (serde_json checks the grammar when it skips a value) that
                // is too large for a double
                if json_number(lexeme).is_none() && serde_json::from_str::<serde::de::IgnoredAny>(lexeme).is_ok() {
                    out.push_str(text.get(copied..i)?);
                    out.push_str("null");
                    copied = end;
                }
                i = end;
            }
            _ => i += 1,
        }
    }
    if copied == 0 {
        // nothing was rewritten (every rewrite ends past byte 0)
        return None;
    }
    out.push_str(text.get(copied..)?);
    Some(out)
}

/// A decimal number (`-12`, `45.50`, `1e-3`, `.5`, `+4`, surrounding whitespace allowed); `None` for
/// anything else (`inf`, `NaN`, hex, …) and values too large for a double. Used for numbers sent as
/// strings (headers, progress, model limits). The digits are read by serde_json (the module's one
/// decimal-to-double conversion): the lenient forms are first written as a JSON number (`+4` → `4`,
/// `.5` → `0.5`, `7.` → `7`, `007` → `7`).
pub fn parse_number(s: &str) -> Option<f64> {
    let s = s.trim();
    let (minus, rest) = match s.as_bytes().first() {
        Some(b'-') => (true, s.get(1..)?),
        Some(b'+') => (false, s.get(1..)?),
        _ => (false, s),
    };
    let (mantissa, exponent) = match rest.find(['e', 'E']) {
        Some(i) => (rest.get(..i)?, Some(rest.get(i + 1..)?)),
        None => (rest, None),
    };
    let (int, frac) = mantissa.split_once('.').unwrap_or((mantissa, ""));
    let digits = |t: &str| t.bytes().all(|b| b.is_ascii_digit());
    if !digits(int) || !digits(frac) || (int.is_empty() && frac.is_empty()) {
        return None;
    }
    let mut json = String::with_capacity(s.len() + 2);
    if minus {
        json.push('-');
    }
    let int = int.trim_start_matches('0');
    json.push_str(if int.is_empty() { "0" } else { int });
    if !frac.is_empty() {
        json.push('.');
        json.push_str(frac);
    }
    if let Some(e) = exponent {
        let unsigned = e.strip_prefix(['+', '-']).unwrap_or(e);
        if unsigned.is_empty() || !digits(unsigned) {
            return None;
        }
        json.push('e');
        json.push_str(e);
    }
    json_number(&json)
}

/// A JSON number lexeme read by serde_json (into [`Json`], not `f64`: deserializing a bare `f64`
/// links serde's type-error messages, with float formatting); `None` if it is not one, or too large
/// for a double (serde_json: "number out of range").
fn json_number(lexeme: &str) -> Option<f64> {
    match serde_json::from_str::<Json>(lexeme) {
        Ok(Json::Num(n)) if n.is_finite() => Some(n),
        _ => None,
    }
}

/// `j` as JSON text (for tests and the fuzzer; the module's request bodies are written by the
/// runtime's `JSON.stringify`), as `JSON.stringify` writes it (uploads and non-finite numbers as `null`; see
/// `Json`'s `Serialize`).
#[allow(clippy::disallowed_methods)] // serde_json's writer: only tests and the fuzzer call this, so it is not in the module
pub fn to_text(j: &Json) -> String {
    // serde_json cannot fail here: every key is a string and every value serialisable
    serde_json::to_string(j).unwrap_or_else(|_| "null".to_owned())
}

/// 2^53: past it a double holds no exact integer. Integers up to it are written without a fraction
/// (`512`, not `512.0`), as JS does; validation applies no model limit past it (`validate::limit`).
pub const MAX_SAFE_INTEGER: f64 = 9_007_199_254_740_992.0; // 2^53

/// JSON as `JSON.stringify` writes it: objects in their order, integral numbers as integers,
/// non-finite numbers and uploads as `null` (one difference: −0 is written `-0.0`, so it survives).
impl Serialize for Json {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            Json::Null | Json::File(_) => s.serialize_unit(),
            Json::Bool(b) => s.serialize_bool(*b),
            Json::Num(n) if !n.is_finite() => s.serialize_unit(),
            // exact: an integral double within ±2^53 is an i64. Not −0, which JS keeps apart from 0
            // (serde_json writes it `-0.0`, which JSON.parse reads back as −0).
            Json::Num(n) if n.fract() == 0.0 && n.abs() <= MAX_SAFE_INTEGER && !(*n == 0.0 && n.is_sign_negative()) => s.serialize_i64(*n as i64),
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

impl<'de> Deserialize<'de> for Json {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Json, D::Error> {
        Seed { depth: 0, count: &Cell::new(0) }.deserialize(d)
    }
}

/// One value at a nesting depth; deeper than [`MAX_DEPTH`] it is skipped (serde_json skips without
/// recursing) and becomes `null`. `count`: the values made so far in this text (see [`MAX_VALUES`]).
#[derive(Clone, Copy)]
pub struct Seed<'c> {
    pub depth: u32,
    pub count: &'c Cell<usize>,
}

impl Seed<'_> {
    /// Room for one more value in `list`: counted against [`MAX_VALUES`], grown fallibly. `false`
    /// (the count set past the limit, so the reader reports [`Unread::TooLarge`]) when there is none:
    /// the value is dropped, and every later one is skipped unread ([`Seed`]'s `deserialize`). (No
    /// serde error is made: `Error::custom` would link `core::fmt`'s formatting, 5 KiB of the download.)
    fn room<T>(&self, list: &mut Vec<T>) -> bool {
        let n = self.count.get() + 1;
        self.count.set(n);
        if n > MAX_VALUES || list.try_reserve(1).is_err() {
            self.count.set(MAX_VALUES + 1);
            return false;
        }
        true
    }
}

/// Objects up to this many keys have their repeated keys folded as `JSON.parse` folds them; a larger
/// one keeps its pairs as they come (a check per key against every earlier key would be quadratic,
/// and a hash index costs 2.5 KiB of the browser download for objects no deAPI answer has). Either
/// way a read ([`Json::get`]) takes a key's last value and the JS value built from it is
/// `JSON.parse`'s: an assignment per pair, the last one winning in the first one's place.
const FOLD_UP_TO: usize = 256;

impl<'de> DeserializeSeed<'de> for Seed<'_> {
    type Value = Json;
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Json, D::Error> {
        if self.depth > MAX_DEPTH || self.count.get() > MAX_VALUES {
            d.deserialize_ignored_any(IgnoredAny).map(|_| Json::Null)
        } else {
            d.deserialize_any(self)
        }
    }
}

impl<'de> Visitor<'de> for Seed<'_> {
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
        while let Some(v) = seq.next_element_seed(Seed { depth: self.depth + 1, ..self })? {
            if self.room(&mut items) {
                items.push(v);
            }
        }
        Ok(Json::Arr(items))
    }
    /// Duplicate keys as `JSON.parse` treats them: the key keeps its first position and takes its
    /// last value (up to [`FOLD_UP_TO`] keys; see there).
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Json, A::Error> {
        let mut pairs: Vec<(String, Json)> = Vec::new();
        while let Some(k) = map.next_key::<String>()? {
            let v = map.next_value_seed(Seed { depth: self.depth + 1, ..self })?;
            if pairs.len() <= FOLD_UP_TO {
                if let Some(slot) = pairs.iter_mut().find(|(key, _)| *key == k) {
                    slot.1 = v;
                    continue;
                }
            }
            if self.room(&mut pairs) {
                pairs.push((k, v));
            }
        }
        Ok(Json::Obj(pairs))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::test_util::obj;
    use crate::core::text::redact_str;


    #[test]
    fn keeps_key_order_and_types() {
        let v = parse_json(r#"{"b":1,"a":[true,null,"x"],"c":{"d":2.5}}"#).unwrap();
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
        assert_eq!(parse_json(&text).unwrap().depth(), MAX_DEPTH + 1);
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
    fn parse_json_reads_what_json_parse_reads() {
        let j = parse_json(r#"  {"b":1,"a":[true,null,"x"],"c":{"d":2.5e-3,"e":-0,"f":-12.5E+2}}  "#).unwrap();
        let Some(Json::Num(e)) = j.get("c").and_then(|c| c.get("e")) else { panic!() };
        assert!(*e == 0.0 && e.is_sign_negative(), "-0 stays negative zero");
        assert_eq!(
            j,
            obj(&[
                ("b", Json::Num(1.0)),
                ("a", Json::Arr(vec![Json::Bool(true), Json::Null, Json::str("x")])),
                ("c", obj(&[("d", Json::Num(0.0025)), ("e", Json::Num(-0.0)), ("f", Json::Num(-1250.0))])),
            ])
        );
        assert_eq!(parse_json(r#""esc \" \\ \/ \b \f \n \r \t \u00e9 \ud83d\ude00""#), Some(Json::str("esc \" \\ / \u{8} \u{c} \n \r \t é 😀")));
        assert_eq!(parse_json("[]"), Some(Json::Arr(vec![])));
        assert_eq!(parse_json("{}"), Some(Json::Obj(vec![])));
        // correctly rounded, as JS engines read numbers
        assert_eq!(parse_json("0.1"), Some(Json::Num(0.1)));
        assert_eq!(parse_json("9007199254740993"), Some(Json::Num(9_007_199_254_740_992.0)));
        assert_eq!(parse_json("2.2250738585072011e-308"), Some(Json::Num(2.225_073_858_507_201e-308)));
        // JSON.parse: a repeated key keeps its first position and takes its last value
        assert_eq!(parse_json(r#"{"k":1,"k":2}"#), Some(obj(&[("k", Json::Num(2.0))])));
        assert_eq!(parse_json(r#"{"k":1,"a":2,"k":3,"b":4,"a":5}"#), Some(obj(&[("k", Json::Num(3.0)), ("a", Json::Num(5.0)), ("b", Json::Num(4.0))])));
        // the same for a few dozen keys
        let keys = (0..40).map(|i| format!("\"k{i}\":{i}")).collect::<Vec<_>>().join(",");
        let Some(Json::Obj(p)) = parse_json(&format!("{{{keys},\"k3\":\"again\",\"k39\":null}}")) else { panic!() };
        assert_eq!((p.len(), &p[3], &p[39]), (40, &("k3".to_owned(), Json::str("again")), &("k39".to_owned(), Json::Null)));
        // many keys stay fast (the duplicate check stops past FOLD_UP_TO keys); a larger object
        // keeps a repeated key's pairs, and a read takes the last value, as JSON.parse does
        let big = format!("{{{},\"k7\":\"last\"}}", (0..100_000).map(|i| format!("\"k{i}\":{i}")).collect::<Vec<_>>().join(","));
        let Some(j @ Json::Obj(_)) = parse_json(&big) else { panic!() };
        let Json::Obj(p) = &j else { panic!() };
        assert_eq!(p.len(), 100_001);
        assert_eq!(j.get("k7"), Some(&Json::str("last")));
        assert_eq!(j.get("k99999"), Some(&Json::Num(99_999.0)));
        // up to FOLD_UP_TO keys folded: the key's first place, its last value
        let keys = (0..FOLD_UP_TO).map(|i| format!("\"k{i}\":{i}")).collect::<Vec<_>>().join(",");
        let Some(Json::Obj(p)) = parse_json(&format!("{{{keys},\"k0\":\"last\"}}")) else { panic!() };
        assert_eq!((p.len(), &p[0]), (FOLD_UP_TO, &("k0".to_owned(), Json::str("last"))));
        for bad in ["", " ", "{", "[1,]", "{\"a\":1,}", "01", "1.", ".5", "+1", "tru", "nul", r#""\u12""#, "\"\x01\"", "[1] 2", "{'a':1}", "NaN", "\"unterminated", "[01e999]", "[1e999,]", "\"\\ud800\" x"] {
            assert_eq!(parse_json(bad), None, "{bad:?}");
        }
        // a lone surrogate becomes U+FFFD; a control character inside a string is refused
        assert_eq!(parse_json(r#""\ud800x""#), Some(Json::str("\u{FFFD}x")));
        assert_eq!(parse_json(r#"{"\udc00\ud800":"\ud83d\ude00\ud800\u0041"}"#), Some(obj(&[("\u{FFFD}\u{FFFD}", Json::str("😀\u{FFFD}A"))])));
        assert_eq!(parse_json(r#"["\\ud800"]"#), Some(Json::Arr(vec![Json::str("\\ud800")])), "an escaped backslash is not an escape");
        assert_eq!(parse_json("\"a\nb\""), None);
        // numbers beyond a double (Infinity in JS) become null; tiny ones 0
        assert_eq!(parse_json("1e999"), Some(Json::Null));
        assert_eq!(parse_json(r#"[-1e400,"1e999",1e-400,1.5]"#), Some(Json::Arr(vec![Json::Null, Json::str("1e999"), Json::Num(0.0), Json::Num(1.5)])));
    }

    #[test]
    fn a_text_of_too_many_values_is_refused_not_a_panic() {
        // 16 MiB of `[0,0,…]`: 8 million values (128 MiB of nodes) before; refused at MAX_VALUES now
        let zeros = format!("[{}0]", "0,".repeat(8 << 20));
        assert_eq!(read_json(&zeros), Err(Unread::TooLarge));
        assert_eq!(parse_json(&zeros), None);
        // the limit counts values at every depth, object members too
        let at = |n: usize| format!("[{}]", vec!["{\"a\":0}"; n / 2].join(","));
        assert!(read_json(&at(MAX_VALUES)).is_ok(), "exactly MAX_VALUES values");
        assert_eq!(read_json(&at(MAX_VALUES + 2)), Err(Unread::TooLarge));
        let members = format!("{{{}}}", (0..=MAX_VALUES).map(|i| format!("\"k{i}\":0")).collect::<Vec<_>>().join(","));
        assert_eq!(read_json(&members), Err(Unread::TooLarge));
        // the count is per text: the next one reads
        assert_eq!(read_json("[1,2]"), Ok(Json::Arr(vec![Json::Num(1.0), Json::Num(2.0)])));
        // text that is not JSON stays NotJson (and the lenient second reading still applies)
        assert_eq!(read_json("[1,"), Err(Unread::NotJson));
        assert_eq!(read_json("1e999"), Ok(Json::Null));
    }

    #[test]
    fn parse_json_cuts_deep_nesting() {
        let text = "[".repeat(5000) + "123, \"x]\", {\"a\": [1, 2]}" + &"]".repeat(5000);
        assert_eq!(parse_json(&("[".repeat(100) + "]")), None, "unbalanced");
        assert_eq!(parse_json(&text).unwrap().depth(), MAX_DEPTH + 1);
    }

    #[test]
    fn writes_json_as_json_stringify() {
        let j = obj(&[
            ("z", Json::Num(512.0)),
            ("a", Json::Arr(vec![Json::Num(-0.0), Json::Num(0.5), Json::Num(f64::NAN), Json::Num(f64::NEG_INFINITY), Json::File(3)])),
            ("s", Json::str("q\"\\\n\u{1}é")),
            ("big", Json::Num(9_007_199_254_740_992.0)),
            ("n", Json::Null),
            ("b", Json::Bool(false)),
        ]);
        assert_eq!(serde_json::to_string(&j).unwrap(), r#"{"z":512,"a":[-0.0,0.5,null,null,null],"s":"q\"\\\n\u0001é","big":9007199254740992,"n":null,"b":false}"#);
        // written text reads back as the same value
        let text = serde_json::to_string(&j).unwrap();
        assert_eq!(parse_json(&text).unwrap().get("s"), j.get("s"));
    }

    #[test]
    fn numbers() {
        for (text, want) in [("12", 12.0), ("-3", -3.0), ("45.50", 45.5), (" 0.0123 ", 0.0123), ("1e3", 1000.0), ("2.5E-2", 0.025), (".5", 0.5), ("7.", 7.0), ("+4", 4.0)] {
            assert_eq!(parse_number(text), Some(want), "{text}");
        }
        for text in ["", "-", ".", "1.2.3", "abc", "1e", "1e+", "0x10", "1,5", "NaN", "inf", "infinity", "1e99999", "--1"] {
            assert_eq!(parse_number(text), None, "{text}");
        }
    }

    #[test]
    fn redacts_keys_and_values() {
        let mut v = parse_json(r#"{"k 1|sekret":"Bearer 1|sekret!","n":[ "x1|sekret" ]}"#).unwrap();
        v.redact("1|sekret");
        let text = serde_json::to_string(&v).unwrap();
        assert!(!text.contains("sekret"), "{text}");
        assert_eq!(text.matches("[REDACTED]").count(), 3);
        let mut short = "ab ab".to_owned();
        redact_str(&mut short, "ab");
        assert_eq!(short, "ab ab", "secrets shorter than 3 bytes are left alone");
    }
}
