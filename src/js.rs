//! The JS side of data: JS values ↔ [`Json`], JSON text out, and the uploads among the params.

use crate::json::{Json, MAX_DEPTH};
use js_sys::{Array, Object, Reflect};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

/// A JS value JSON cannot hold (function, symbol, bigint) was met.
#[derive(Debug, PartialEq)]
pub struct NotJson;

/// JS value → [`Json`] (`undefined` becomes `null`). Fails on values JSON cannot hold
/// (functions, symbols, bigints, binary data). Nesting deeper than [`MAX_DEPTH`] becomes `null`.
///
/// Hand-written rather than through serde-wasm-bindgen: its error paths pull float formatting
/// and `Debug` escaping into the module (about 20 KiB before gzip), and this walk is all we need.
pub fn to_json(v: &JsValue) -> Result<Json, NotJson> {
    walk(v, 0, None)
}

/// Request params → [`Json`], with every upload (Blob, File, bytes, `{ data, filename, type }`)
/// replaced by [`Json::File`] and kept, in order, in the returned list.
pub fn to_params(v: &JsValue) -> Result<(Json, Vec<JsValue>), NotJson> {
    let mut files = Vec::new();
    let json = walk(v, 0, Some(&mut files))?;
    Ok((json, files))
}

/// Binary data an upload can be made of: a Blob (or File), an ArrayBuffer, a typed array or
/// DataView (Node's Buffer is a Uint8Array). Blobs are recognised by shape, so a Blob from
/// another realm (an iframe) works too.
pub fn is_binary(v: &JsValue) -> bool {
    v.is_instance_of::<js_sys::ArrayBuffer>()
        || js_sys::ArrayBuffer::is_view(v)
        || (v.is_object() && get(v, "arrayBuffer").is_function() && get(v, "size").as_f64().is_some() && get(v, "type").is_string())
}

/// The first 16 bytes of a typed array, DataView or ArrayBuffer (`None` for anything else).
pub fn byte_head(data: &JsValue) -> Option<Vec<u8>> {
    let n = |v: JsValue| v.as_f64().unwrap_or(0.0);
    let view = if js_sys::ArrayBuffer::is_view(data) {
        js_sys::Uint8Array::new_with_byte_offset_and_length(&get(data, "buffer"), n(get(data, "byteOffset")) as u32, n(get(data, "byteLength")).min(16.0) as u32)
    } else if data.is_instance_of::<js_sys::ArrayBuffer>() {
        js_sys::Uint8Array::new_with_byte_offset_and_length(data, 0, n(get(data, "byteLength")).min(16.0) as u32)
    } else {
        return None;
    };
    Some(view.to_vec())
}

/// `{ data, filename?, type? }` (or `name`): bytes with their metadata.
pub fn is_file_wrapper(v: &JsValue) -> bool {
    v.is_object()
        && is_binary(&get(v, "data"))
        && keys(v).iter().all(|k| matches!(k.as_str(), "data" | "filename" | "name" | "type"))
}

fn walk(v: &JsValue, depth: u32, mut files: Option<&mut Vec<JsValue>>) -> Result<Json, NotJson> {
    if v.is_null() || v.is_undefined() {
        return Ok(Json::Null);
    }
    if let Some(b) = v.as_bool() {
        return Ok(Json::Bool(b));
    }
    if let Some(n) = v.as_f64() {
        return Ok(Json::Num(n));
    }
    if let Some(s) = v.as_string() {
        return Ok(Json::Str(s));
    }
    if !v.is_object() || v.is_function() {
        return Err(NotJson);
    }
    if is_binary(v) || is_file_wrapper(v) {
        let list = files.ok_or(NotJson)?;
        list.push(v.clone());
        return Ok(Json::File(list.len() as u32 - 1));
    }
    if depth > MAX_DEPTH {
        return Ok(Json::Null);
    }
    if let Some(arr) = v.dyn_ref::<Array>() {
        let mut items = Vec::with_capacity(arr.length() as usize);
        for item in arr.iter() {
            items.push(walk(&item, depth + 1, files.as_deref_mut())?);
        }
        return Ok(Json::Arr(items));
    }
    let mut pairs = Vec::new();
    for k in keys(v) {
        let item = get(v, &k);
        pairs.push((k, walk(&item, depth + 1, files.as_deref_mut())?));
    }
    Ok(Json::Obj(pairs))
}

/// [`Json`] → plain JS value: written as JSON text here and parsed once by the runtime, which is
/// much cheaper than creating every property through the boundary.
pub fn to_js(j: &Json) -> JsValue {
    let mut text = String::new();
    write_json(&mut text, j);
    js_sys::JSON::parse(&text).unwrap_or(JsValue::NULL)
}

/// `j` as JSON text (files and non-finite numbers as `null`).
pub fn write_json(out: &mut String, j: &Json) {
    match j {
        Json::Null | Json::File(_) => out.push_str("null"),
        Json::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Json::Num(n) => write_num(out, *n),
        Json::Str(s) => write_json_str(out, s),
        Json::Arr(items) => {
            out.push('[');
            for (i, v) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_json(out, v);
            }
            out.push(']');
        }
        Json::Obj(pairs) => {
            out.push('{');
            for (i, (k, v)) in pairs.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_json_str(out, k);
                out.push(':');
                write_json(out, v);
            }
            out.push('}');
        }
    }
}

/// A number as JSON that parses back to the same double. Decimals with up to 17 digits after
/// the point are written exactly with integer arithmetic (m / 10^k, both exact, is one correctly
/// rounded division, as is the runtime's reading of "m e-k"); anything else — rare — is written by
/// the runtime's own `Number#toString`, so no float formatter is compiled in.
pub fn write_num(out: &mut String, n: f64) {
    if !n.is_finite() {
        return out.push_str("null");
    }
    let mut scale = 1.0f64;
    for k in 0..=17usize {
        let m = (n * scale).round();
        if m.abs() < 9_007_199_254_740_992.0 && m / scale == n {
            let digits = (m.abs() as u64).to_string();
            if n < 0.0 || (n == 0.0 && n.is_sign_negative()) {
                out.push('-');
            }
            if k == 0 {
                out.push_str(&digits);
            } else if digits.len() > k {
                let cut = digits.len() - k;
                out.push_str(digits.get(..cut).unwrap_or_default());
                out.push('.');
                out.push_str(digits.get(cut..).unwrap_or_default());
            } else {
                out.push_str("0.");
                out.push_str(&"0".repeat(k - digits.len()));
                out.push_str(&digits);
            }
            return;
        }
        scale *= 10.0;
    }
    out.push_str(&runtime_number_text(n));
}

/// The runtime's `String(n)` (wasm), so no float formatter is compiled in.
#[cfg(target_arch = "wasm32")]
fn runtime_number_text(n: f64) -> String {
    js_sys::Number::from(n).to_string_with_radix(10).map(String::from).unwrap_or_else(|_| "null".to_owned())
}

/// Native builds (tests, fuzzing) have no JS runtime: Rust's shortest round-trip exponent form.
#[cfg(not(target_arch = "wasm32"))]
fn runtime_number_text(n: f64) -> String {
    format!("{n:e}")
}

pub fn get(target: &JsValue, key: &str) -> JsValue {
    Reflect::get(target, &JsValue::from_str(key)).unwrap_or(JsValue::UNDEFINED)
}

pub fn set(target: &JsValue, key: &str, value: &JsValue) {
    let _ = Reflect::set(target, &JsValue::from_str(key), value);
}

/// Own enumerable keys of an object (empty for anything else).
pub fn keys(v: &JsValue) -> Vec<String> {
    match v.dyn_ref::<Object>() {
        Some(o) if !v.is_function() => Object::keys(o).iter().filter_map(|k| k.as_string()).collect(),
        _ => Vec::new(),
    }
}

/// `s` as a JSON string literal. Runs without escapes are copied whole (bodies are mostly plain).
pub fn write_json_str(out: &mut String, s: &str) {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    out.push('"');
    let mut start = 0;
    for (i, b) in s.bytes().enumerate() {
        let esc = match b {
            b'"' => "\\\"",
            b'\\' => "\\\\",
            b'\n' => "\\n",
            b'\r' => "\\r",
            b'\t' => "\\t",
            0..=0x1f => "",
            _ => continue,
        };
        // `i` is an ASCII byte, so both cuts are on char boundaries
        out.push_str(s.get(start..i).unwrap_or_default());
        if esc.is_empty() {
            out.push_str("\\u00");
            for nibble in [b >> 4, b & 15] {
                out.push(char::from(HEX.get(usize::from(nibble)).copied().unwrap_or(b'0')));
            }
        } else {
            out.push_str(esc);
        }
        start = i + 1;
    }
    out.push_str(s.get(start..).unwrap_or_default());
    out.push('"');
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn json_strings_parse_back_to_the_same_text() {
        let samples = ["", "plain", "quote \" and \\ backslash", "lines\n\r\ttabs", "\u{0}\u{1}\u{8}\u{c}\u{1f} controls", "é ü 漢字 🦊", "\\u0041", "end\"", "\"start"];
        for s in samples {
            let mut out = String::new();
            write_json_str(&mut out, s);
            assert_eq!(serde_json::from_str::<String>(&out).unwrap(), s, "{out}");
        }
    }
}
