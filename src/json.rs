//! A small JSON value, the one data model of the pure modules.
//!
//! It is parsed from JSON text by [`parse_json`]: response bodies, and everything the facade sends
//! (params, options: see `js::from_wire`); natively it also comes from `serde_json` in tests (the serde impls below are test-only, so no serde code
//! reaches the wasm module). Objects keep their key order, because
//! deAPI's 422 `errors` are reported to users in server order. Nesting deeper than [`MAX_DEPTH`]
//! is cut to `null` instead of recursing without bound.

use crate::num;
use crate::prelude::*;


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
    /// How deeply arrays and objects nest (a scalar is 0). Decoded values are capped at
    /// `MAX_DEPTH + 1`, so this recursion is bounded.
    pub fn depth(&self) -> u32 {
        match self {
            Json::Arr(items) => 1 + items.iter().map(Json::depth).max().unwrap_or(0),
            Json::Obj(pairs) => 1 + pairs.iter().map(|(_, v)| v.depth()).max().unwrap_or(0),
            _ => 0,
        }
    }
    /// Does any string (keys too) contain `needle`?
    pub fn contains_str(&self, needle: &str) -> bool {
        match self {
            Json::Str(s) => s.contains(needle),
            Json::Arr(items) => items.iter().any(|v| v.contains_str(needle)),
            Json::Obj(pairs) => pairs.iter().any(|(k, v)| k.contains(needle) || v.contains_str(needle)),
            _ => false,
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

/// Parse JSON text (RFC 8259; what `JSON.parse` accepts). `None` for anything that is not exactly
/// one JSON value. Nesting deeper than [`MAX_DEPTH`] is read but kept as `null`. Text is parsed
/// here rather than walked as a JS object after the runtime's `JSON.parse`, because walking a JS
/// object from wasm costs a boundary crossing per key and value.
pub fn parse_json(text: &str) -> Option<Json> {
    let mut p = Parser { s: text.as_bytes(), i: 0 };
    let v = p.value(0)?;
    p.ws();
    (p.i == p.s.len()).then_some(v)
}

/// Duplicate keys as `JSON.parse` treats them: the key keeps its first position and takes its
/// last value. A small open-addressing table keeps this linear for objects with many keys.
fn dedup_keys(mut pairs: Vec<(String, Json)>) -> Vec<(String, Json)> {
    if pairs.len() < 2 {
        return pairs;
    }
    // Small objects (most of them) are checked pair by pair, without allocating a table.
    if pairs.len() <= 16 && !pairs.iter().enumerate().any(|(i, (k, _))| pairs.iter().take(i).any(|(k2, _)| k2 == k)) {
        return pairs;
    }
    let fnv = |k: &str| k.bytes().fold(0xcbf2_9ce4_8422_2325u64, |h, b| (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3));
    let size = (pairs.len() * 2).next_power_of_two();
    let mask = size - 1;
    // slot → 1 + index of the first pair with that key (0: empty)
    let mut table = vec![0usize; size];
    let mut drop = vec![false; pairs.len()];
    let mut any = false;
    for i in 0..pairs.len() {
        let Some(key) = pairs.get(i).map(|p| p.0.as_str()) else { continue };
        let mut slot = (fnv(key) as usize) & mask;
        loop {
            match table.get(slot).copied() {
                Some(0) | None => {
                    if let Some(t) = table.get_mut(slot) {
                        *t = i + 1;
                    }
                    break;
                }
                Some(first) if pairs.get(first - 1).map(|p| p.0.as_str()) == Some(key) => {
                    let value = pairs.get_mut(i).map(|p| core::mem::take(&mut p.1)).unwrap_or_default();
                    if let Some(p) = pairs.get_mut(first - 1) {
                        p.1 = value;
                    }
                    if let Some(d) = drop.get_mut(i) {
                        *d = true;
                    }
                    any = true;
                    break;
                }
                Some(_) => slot = (slot + 1) & mask,
            }
        }
    }
    if !any {
        return pairs;
    }
    pairs.into_iter().zip(drop).filter(|(_, d)| !d).map(|(p, _)| p).collect()
}

struct Parser<'a> {
    s: &'a [u8],
    i: usize,
}

impl Parser<'_> {
    fn peek(&self) -> Option<u8> {
        self.s.get(self.i).copied()
    }
    fn ws(&mut self) {
        while matches!(self.peek(), Some(b' ' | b'\t' | b'\n' | b'\r')) {
            self.i += 1;
        }
    }
    fn eat(&mut self, lit: &[u8]) -> Option<()> {
        (self.s.get(self.i..self.i + lit.len()) == Some(lit)).then(|| self.i += lit.len())
    }
    /// Skip one value without recursion (nesting past `MAX_DEPTH`): brackets are counted and
    /// strings read; scalars are not checked.
    fn skip(&mut self) -> Option<Json> {
        let mut open = 0usize;
        loop {
            self.ws();
            match self.peek()? {
                b'"' => {
                    self.string()?;
                }
                b'[' | b'{' => {
                    open += 1;
                    self.i += 1;
                    continue;
                }
                b']' | b'}' => {
                    open = open.checked_sub(1)?;
                    self.i += 1;
                }
                b',' | b':' if open > 0 => {
                    self.i += 1;
                    continue;
                }
                b',' | b':' => return None,
                _ => {
                    while !matches!(self.peek(), None | Some(b',' | b']' | b'}' | b':' | b' ' | b'\t' | b'\n' | b'\r')) {
                        self.i += 1;
                    }
                }
            }
            if open == 0 {
                return Some(Json::Null);
            }
        }
    }
    fn value(&mut self, depth: u32) -> Option<Json> {
        self.ws();
        if depth > MAX_DEPTH {
            return self.skip();
        }
        let keep = true;
        match self.peek()? {
            b'{' => {
                self.i += 1;
                let mut pairs: Vec<(String, Json)> = Vec::new();
                self.ws();
                if self.peek() == Some(b'}') {
                    self.i += 1;
                } else {
                    loop {
                        self.ws();
                        let k = self.string()?;
                        self.ws();
                        self.eat(b":")?;
                        let v = self.value(depth + 1)?;
                        if keep {
                            pairs.push((k, v));
                        }
                        self.ws();
                        match self.peek()? {
                            b',' => self.i += 1,
                            b'}' => {
                                self.i += 1;
                                break;
                            }
                            _ => return None,
                        }
                    }
                }
                Some(if keep { Json::Obj(dedup_keys(pairs)) } else { Json::Null })
            }
            b'[' => {
                self.i += 1;
                let mut items = Vec::new();
                self.ws();
                if self.peek() == Some(b']') {
                    self.i += 1;
                } else {
                    loop {
                        let v = self.value(depth + 1)?;
                        if keep {
                            items.push(v);
                        }
                        self.ws();
                        match self.peek()? {
                            b',' => self.i += 1,
                            b']' => {
                                self.i += 1;
                                break;
                            }
                            _ => return None,
                        }
                    }
                }
                Some(if keep { Json::Arr(items) } else { Json::Null })
            }
            b'"' => self.string().map(Json::Str),
            b't' => self.eat(b"true").map(|_| Json::Bool(true)),
            b'f' => self.eat(b"false").map(|_| Json::Bool(false)),
            b'n' => self.eat(b"null").map(|_| Json::Null),
            _ => self.number(),
        }
    }
    fn number(&mut self) -> Option<Json> {
        let start = self.i;
        let digits = |p: &mut Self| {
            let from = p.i;
            while matches!(p.peek(), Some(b'0'..=b'9')) {
                p.i += 1;
            }
            p.i > from
        };
        if self.peek() == Some(b'-') {
            self.i += 1;
        }
        if self.peek() == Some(b'0') {
            self.i += 1;
        } else if !digits(self) {
            return None;
        }
        if self.peek() == Some(b'.') {
            self.i += 1;
            if !digits(self) {
                return None;
            }
        }
        if matches!(self.peek(), Some(b'e' | b'E')) {
            self.i += 1;
            if matches!(self.peek(), Some(b'+' | b'-')) {
                self.i += 1;
            }
            if !digits(self) {
                return None;
            }
        }
        let lexeme = core::str::from_utf8(self.s.get(start..self.i)?).ok()?;
        // JSON.parse turns 1e999 into Infinity; a JSON value cannot hold it, so it becomes null.
        Some(parse_number(lexeme).map_or(Json::Null, Json::Num))
    }
    fn hex4(&mut self) -> Option<u32> {
        let mut n = 0;
        for &b in self.s.get(self.i..self.i + 4)? {
            n = n * 16 + char::from(b).to_digit(16)?;
        }
        self.i += 4;
        Some(n)
    }
    fn string(&mut self) -> Option<String> {
        self.eat(b"\"")?;
        let mut out = String::new();
        loop {
            let start = self.i;
            // the run up to the next quote, backslash or control byte, in one slice scan
            self.i += self.s.get(start..)?.iter().position(|&b| b == b'"' || b == b'\\' || b < 0x20)?;
            out.push_str(core::str::from_utf8(self.s.get(start..self.i)?).ok()?);
            match self.peek()? {
                b'"' => {
                    self.i += 1;
                    return Some(out);
                }
                b'\\' => {
                    self.i += 1;
                    let c = self.peek()?;
                    self.i += 1;
                    match c {
                        b'"' => out.push('"'),
                        b'\\' => out.push('\\'),
                        b'/' => out.push('/'),
                        b'b' => out.push('\u{8}'),
                        b'f' => out.push('\u{c}'),
                        b'n' => out.push('\n'),
                        b'r' => out.push('\r'),
                        b't' => out.push('\t'),
                        b'u' => {
                            let hi = self.hex4()?;
                            let code = if (0xD800..0xDC00).contains(&hi) && self.s.get(self.i..self.i + 2) == Some(b"\\u") {
                                let save = self.i;
                                self.i += 2;
                                match self.hex4()? {
                                    lo @ 0xDC00..=0xDFFF => 0x10000 + ((hi - 0xD800) << 10) + (lo - 0xDC00),
                                    _ => {
                                        self.i = save;
                                        0xFFFD
                                    }
                                }
                            } else {
                                hi
                            };
                            // lone surrogates (valid in JSON text, not in a Rust string) become U+FFFD
                            out.push(char::from_u32(code).unwrap_or('\u{FFFD}'));
                        }
                        _ => return None,
                    }
                }
                _ => return None, // a raw control character
            }
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
            // 19 significant digits are plenty for an f64; later ones only move the point
            if mantissa < 1e18 {
                mantissa = mantissa * 10.0 + f64::from(b - b'0');
                scale -= i32::from(is_frac);
            } else {
                scale += i32::from(!is_frac);
            }
        }
    }
    if let Some(e) = exp_part {
        let (eneg, edigits) = match e.as_bytes().first() {
            Some(b'-') => (true, e.get(1..)?),
            Some(b'+') => (false, e.get(1..)?),
            _ => (false, e),
        };
        if edigits.is_empty() || !edigits.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        let ev = edigits.bytes().fold(0i32, |acc, b| (acc * 10 + i32::from(b - b'0')).min(99_999));
        scale += if eneg { -ev } else { ev };
    }
    let value = if mantissa == 0.0 {
        0.0
    } else if scale < -300 {
        mantissa / 1e300 / num::powi(10.0, -scale - 300)
    } else if scale < 0 {
        mantissa / num::powi(10.0, -scale)
    } else {
        mantissa * num::powi(10.0, scale)
    };
    let value = if neg { -value } else { value };
    value.is_finite().then_some(value)
}

/// Where `needle` first occurs in `hay` (an empty needle: at 0). A scan for the first byte, then a
/// compare: the strings searched here are messages, field names and bodies, and the standard
/// substring searcher would bring its panic path (and with it `char`'s `Debug` and the Unicode
/// printable tables, several KiB) into the module.
pub fn find_str(hay: &str, needle: &str) -> Option<usize> {
    let (h, n) = (hay.as_bytes(), needle.as_bytes());
    let Some((&first, rest)) = n.split_first() else { return Some(0) };
    h.iter().enumerate().position(|(i, &b)| b == first && h.get(i + 1..i + 1 + rest.len()) == Some(rest))
}

/// Replace `secret` inside `s`; an empty or very short secret is left alone (it would match noise).
pub fn redact_str(s: &mut String, secret: &str) {
    if secret.len() < 3 {
        return;
    }
    let Some(mut at) = find_str(s, secret) else { return };
    let mut out = String::with_capacity(s.len());
    let mut rest: &str = s;
    loop {
        // `at` is where a match of `secret` (valid UTF-8) starts, so both cuts are char boundaries
        out.push_str(rest.get(..at).unwrap_or_default());
        out.push_str("[REDACTED]");
        rest = rest.get(at + secret.len()..).unwrap_or_default();
        match find_str(rest, secret) {
            Some(next) => at = next,
            None => break,
        }
    }
    out.push_str(rest);
    *s = out;
}

#[cfg(test)]
mod serde_impls {
    use super::*;
    use serde::de::{self, DeserializeSeed, Deserializer};
    use serde::ser::{Serialize, SerializeMap, SerializeSeq, Serializer};

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
            super::seed::Seed(0).deserialize(d)
        }
    }
}

/// serde → `Json` (tests only), shared with tests/fuzz.rs.
#[cfg(test)]
#[path = "../tests/common/json_seed.rs"]
mod seed;

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
        assert_eq!(parse(&text).unwrap().depth(), MAX_DEPTH + 1);
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
    fn parse_json_agrees_with_serde_json() {
        let cases = [
            r#"{"b":1,"a":[true,null,"x"],"c":{"d":2.5e-3,"e":-0}}"#,
            r#"  [ 1 , 2 ]  "#,
            r#""esc \" \\ \/ \b \f \n \r \t \u00e9 \ud83d\ude00""#,
            r#"{"message":"The width field must be at least 512.","errors":{"width":["a","b"]}}"#,
            r#"{"k":1,"k":2}"#,
            r#"-12.5E+2"#,
            "[]",
            "{}",
            r#"{"a":[[[[]]]]}"#,
        ];
        for c in cases {
            assert_eq!(parse_json(c), parse(c), "{c}");
        }
        assert_eq!(parse_json(r#"{"k":1,"k":2}"#), Some(Json::Obj(vec![("k".into(), Json::Num(2.0))])));
        // JSON.parse: a repeated key keeps its first position and takes its last value
        assert_eq!(parse_json(r#"{"k":1,"a":2,"k":3,"b":4,"a":5}"#), parse(r#"{"k":3,"a":5,"b":4}"#));
        // many keys stay fast (the duplicate check is not quadratic)
        let big = format!("{{{}}}", (0..100_000).map(|i| format!("\"k{i}\":{i}")).collect::<Vec<_>>().join(","));
        let Some(Json::Obj(p)) = parse_json(&big) else { panic!() };
        assert_eq!(p.len(), 100_000);
        for bad in ["", " ", "{", "[1,]", "{\"a\":1,}", "01", "1.", ".5", "+1", "tru", "nul", r#""\u12""#, "\"\x01\"", "[1] 2", "{'a':1}", "NaN", "\"unterminated"] {
            assert_eq!(parse_json(bad), None, "{bad:?}");
        }
        // a lone surrogate becomes U+FFFD; a control character inside a string is refused
        assert_eq!(parse_json(r#""\ud800x""#), Some(Json::str("\u{FFFD}x")));
        assert_eq!(parse_json("\"a\nb\""), None);
        assert_eq!(parse_json("1e999"), Some(Json::Null));
    }

    #[test]
    fn parse_json_cuts_deep_nesting() {
        let text = "[".repeat(5000) + "123, \"x]\", {\"a\": [1, 2]}" + &"]".repeat(5000);
        assert_eq!(parse_json(&("[".repeat(100) + "]")), None, "unbalanced");
        assert_eq!(parse_json(&text).unwrap().depth(), MAX_DEPTH + 1);
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

#[cfg(test)]
mod search_tests {
    use super::*;

    #[test]
    fn find_and_redact_match_the_standard_library() {
        let cases = [
            ("", "abc"), ("abc", "abc"), ("xxabcxx", "abc"), ("aaaaa", "aaa"), ("ababab", "aba"),
            ("é1|secret漢1|secret🦊", "1|secret"), ("1|secre", "1|secret"), ("end 1|secret", "1|secret"),
            ("Bearer 1|secret 1|secret1|secret", "1|secret"), ("no match here", "zzz"),
        ];
        for (hay, needle) in cases {
            assert_eq!(find_str(hay, needle), hay.find(needle), "{hay:?} / {needle:?}");
            let mut s = hay.to_owned();
            redact_str(&mut s, needle);
            assert_eq!(s, hay.replace(needle, "[REDACTED]"), "{hay:?} / {needle:?}");
        }
        assert_eq!(find_str("abc", ""), Some(0));
        let mut short = "ab ab".to_owned();
        redact_str(&mut short, "ab");
        assert_eq!(short, "ab ab", "secrets shorter than 3 bytes are left alone");
    }
}
