//! JS values in and out. Params, options and queries: their top-level keys (and the items of a
//! top-level array) are looked at with js-sys, so that uploads, functions and AbortSignals are found
//! and kept as the JS values they are; objects and arrays of data cross as one `JSON.stringify` text
//! parsed by serde_json (one crossing instead of one per key; serde-wasm-bindgen's deserializer, with
//! its error formatting, is not linked). Results go out through serde-wasm-bindgen's JSON-compatible
//! serializer (plain objects, `null` kept).

use crate::core::json::{parse_json, Json, MAX_DEPTH};
use super::time::Signal;
use crate::core::args::{Arg, NotJson, Opts, Params, Upload};
use web_sys::AbortSignal;
use js_sys::{Array, ArrayBuffer, Function, Object, Reflect, Uint8Array};
use serde::Serialize;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

/// `v[key]` (undefined when it cannot be read).
pub fn get(v: &JsValue, key: &str) -> JsValue {
    Reflect::get(v, &JsValue::from_str(key)).unwrap_or(JsValue::UNDEFINED)
}

#[wasm_bindgen]
extern "C" {
    /// A plain object this module made, written by assignment: no exception to catch (a catching
    /// import wraps every call in a closure and `apply`), so a property costs one crossing.
    type Made;
    #[wasm_bindgen(method, indexing_setter)]
    fn put(this: &Made, key: &str, value: &JsValue);
}

/// `target[key] = value` on an object this module made (its keys are the module's own names; the
/// one key an assignment would not write as data, `__proto__`, goes through `Reflect.defineProperty`).
pub fn set(target: &Object, key: &str, value: &JsValue) {
    if key == "__proto__" {
        let on = JsValue::TRUE;
        let d = object(&[("value", value.clone()), ("writable", on.clone()), ("enumerable", on.clone()), ("configurable", on)]);
        let _ = Reflect::define_property(target, &JsValue::from_str(key), &d);
    } else {
        target.unchecked_ref::<Made>().put(key, value);
    }
}

/// A plain object of the given properties.
pub fn object(props: &[(&str, JsValue)]) -> Object {
    let o = Object::new();
    for (k, v) in props {
        set(&o, k, v);
    }
    o
}

/// A JSON value as a plain JS value (serde-wasm-bindgen's JSON-compatible serializer). An object
/// key `__proto__` would be a prototype write there (it sets keys by assignment): such a value is
/// built here, each key written by [`set`] (an own data property, as `JSON.parse` makes it).
pub fn to_js(j: &Json) -> JsValue {
    if !has_proto_key(j) {
        return j.serialize(&serde_wasm_bindgen::Serializer::json_compatible()).unwrap_or(JsValue::NULL);
    }
    match j {
        Json::Obj(pairs) => {
            let o = Object::new();
            for (k, v) in pairs {
                set(&o, k, &to_js(v));
            }
            o.into()
        }
        Json::Arr(items) => items.iter().map(to_js).collect::<Array>().into(),
        _ => JsValue::NULL, // (a scalar has no key)
    }
}

fn has_proto_key(j: &Json) -> bool {
    match j {
        Json::Obj(pairs) => pairs.iter().any(|(k, v)| k == "__proto__" || has_proto_key(v)),
        Json::Arr(items) => items.iter().any(has_proto_key),
        _ => false,
    }
}

/// `"1"`-style text of a number, as the runtime writes it (`String(n)`).
pub fn number_text(n: f64) -> String {
    js_sys::Number::from(n).to_string_with_radix(10).map(String::from).unwrap_or_default()
}

fn is_array_buffer(v: &JsValue) -> bool {
    v.is_instance_of::<ArrayBuffer>() || type_tag(v).as_deref() == Some("[object ArrayBuffer]")
}

/// `Object.prototype.toString.call(v)` (recognises an ArrayBuffer from another realm).
fn type_tag(v: &JsValue) -> Option<String> {
    get(&Object::new().into(), "toString").dyn_ref::<Function>().and_then(|f| f.call0(v).ok()).and_then(|t| t.as_string())
}

/// Binary data an upload can be made of: a Blob or File (recognised by shape, so one from another
/// realm works too), an ArrayBuffer, a typed array or DataView (Node's Buffer is a Uint8Array).
pub fn is_binary(v: &JsValue) -> bool {
    v.is_object()
        && (is_array_buffer(v)
            || ArrayBuffer::is_view(v)
            || (get(v, "arrayBuffer").is_function() && get(v, "size").as_f64().is_some() && get(v, "type").is_string()))
}

/// `{ data, filename?, name?, type? }`: bytes with their metadata.
pub fn is_wrapper(v: &JsValue) -> bool {
    v.is_object()
        && is_binary(&get(v, "data"))
        && Object::keys(v.unchecked_ref::<Object>()).iter().all(|k| matches!(k.as_string().as_deref(), Some("data" | "filename" | "name" | "type")))
}

/// An AbortSignal (by shape).
pub fn is_signal(v: &JsValue) -> bool {
    v.is_object() && get(v, "aborted").as_bool().is_some() && get(v, "addEventListener").is_function()
}

/// The bytes of an ArrayBuffer or a view of one (all of them).
pub fn bytes_of(v: &JsValue) -> Uint8Array {
    if ArrayBuffer::is_view(v) {
        let buffer = get(v, "buffer");
        let offset = get(v, "byteOffset").as_f64().unwrap_or(0.0) as u32;
        let length = get(v, "byteLength").as_f64().unwrap_or(0.0) as u32;
        Uint8Array::new_with_byte_offset_and_length(&buffer, offset, length)
    } else {
        Uint8Array::new(v)
    }
}

/// What an upload is (its JS value stays with the binding).
fn describe_upload(raw: &JsValue) -> Upload {
    let wrapper = is_wrapper(raw);
    let data = if wrapper { get(raw, "data") } else { raw.clone() };
    let bytes = is_array_buffer(&data) || ArrayBuffer::is_view(&data);
    let text = |v: JsValue| v.as_string();
    let head = if bytes {
        let all = bytes_of(&data);
        all.subarray(0, all.length().min(16)).to_vec()
    } else {
        Vec::new()
    };
    let size = get(&data, "size").as_f64().or_else(|| get(&data, "byteLength").as_f64());
    let name = if wrapper {
        text(get(raw, "filename")).or_else(|| text(get(raw, "name")))
    } else if bytes {
        None
    } else {
        text(get(&data, "name"))
    };
    Upload {
        wrapper,
        bytes,
        size,
        given_type: if wrapper { text(get(raw, "type")) } else { None },
        own_type: if bytes { None } else { text(get(&data, "type")) },
        name,
        head,
    }
}

/// Data: a number, string or boolean as it is; `toJSON()` called as JSON.stringify would; functions,
/// symbols and bigints are not data; objects and arrays go through `JSON.stringify` and serde_json
/// (a cycle, or nesting deeper than the JSON limit, is refused).
pub fn data(v: &JsValue) -> Result<Json, NotJson> {
    if v.is_undefined() || v.is_null() {
        return Ok(Json::Null);
    }
    if v.is_function() || v.is_symbol() || v.is_bigint() {
        return Err(NotJson);
    }
    if v.is_object() {
        let to_json = get(v, "toJSON");
        if let Some(f) = to_json.dyn_ref::<Function>() {
            let plain = f.call0(v).map_err(|_| NotJson)?;
            if plain.is_object() && get(&plain, "toJSON").is_function() {
                return Err(NotJson);
            }
            return data(&plain);
        }
    }
    if let Some(n) = v.as_f64() {
        return Ok(Json::Num(n));
    }
    if let Some(b) = v.as_bool() {
        return Ok(Json::Bool(b));
    }
    if let Some(s) = v.as_string() {
        return Ok(Json::Str(s));
    }
    // Objects and arrays: one JSON.stringify, parsed by serde_json (one crossing, not one per key).
    // The replacer sees every value after its toJSON(): a function or symbol anywhere is not data
    // (stringify would drop it silently); a bigint or a cycle makes stringify throw.
    let mut plain = true;
    let text = js_sys::JSON::stringify_with_replacer_func(
        v,
        &mut |_key, value| {
            if value.is_function() || value.is_symbol() {
                plain = false;
            }
            Ok(Some(value))
        },
        None,
    )
    .map_err(|_| NotJson)?;
    if !plain {
        return Err(NotJson);
    }
    // Deeper than the JSON limit is refused (parse_json would keep it as null): not silently cut.
    parse_json(&String::from(text)).filter(|j| j.depth() <= MAX_DEPTH).ok_or(NotJson)
}

/// Uploads met while converting params: their descriptions and their JS values, in order.
struct Found {
    allowed: bool,
    files: Vec<Upload>,
    values: Vec<JsValue>,
}

impl Found {
    fn upload(&mut self, x: &JsValue) -> Result<Json, NotJson> {
        if !self.allowed {
            return Err(NotJson);
        }
        self.files.push(describe_upload(x));
        self.values.push(x.clone());
        Ok(Json::File(self.files.len() as u32 - 1))
    }

    /// A top-level value: an upload, an array that holds some, or data.
    fn item(&mut self, x: &JsValue) -> Result<Json, NotJson> {
        if is_binary(x) || is_wrapper(x) {
            return self.upload(x);
        }
        if Array::is_array(x) {
            let list: &Array = x.unchecked_ref();
            if list.iter().any(|y| is_binary(&y) || is_wrapper(&y)) {
                let mut out = Vec::new();
                for y in list.iter() {
                    out.push(if is_binary(&y) || is_wrapper(&y) { self.upload(&y)? } else { data(&y)? });
                }
                return Ok(Json::Arr(out));
            }
        }
        data(x)
    }
}

/// Params: an object whose top-level values — and the items of top-level arrays — may be uploads
/// (when `uploads`); everything else is data. Also the uploads' JS values, in order.
pub fn params(v: &JsValue, uploads: bool) -> (Params, Vec<JsValue>) {
    let mut found = Found { allowed: uploads, files: Vec::new(), values: Vec::new() };
    let converted = if v.is_object() && !Array::is_array(v) && !is_binary(v) && !is_wrapper(v) && !get(v, "toJSON").is_function() {
        let mut pairs = Vec::new();
        let mut bad = false;
        for key in Object::keys(v.unchecked_ref::<Object>()).iter() {
            let Some(k) = key.as_string() else { continue };
            let x = get(v, &k);
            if x.is_undefined() {
                continue;
            }
            match found.item(&x) {
                Ok(j) => pairs.push((k, j)),
                Err(NotJson) => {
                    bad = true;
                    break;
                }
            }
        }
        if bad {
            Err(NotJson)
        } else {
            Ok(Json::Obj(pairs))
        }
    } else {
        found.item(v)
    };
    match converted {
        Ok(json) => (Ok((json, found.files)), found.values),
        Err(e) => (Err(e), Vec::new()),
    }
}

/// The caller's `signal` option.
pub fn signal_of(opts: &JsValue) -> Signal {
    let s = if opts.is_object() { get(opts, "signal") } else { JsValue::UNDEFINED };
    Signal(if is_signal(&s) { Some(s.unchecked_into::<AbortSignal>()) } else { None })
}

/// One option value.
pub fn arg(v: &JsValue) -> Arg {
    if v.is_function() {
        Arg::Function
    } else if is_signal(v) {
        Arg::Signal
    } else {
        match data(v) {
            Ok(j) => Arg::Data(j),
            Err(NotJson) => Arg::NotJson,
        }
    }
}

/// An options argument: its top-level keys (undefined values left out, as JSON would).
pub fn opts(v: &JsValue) -> Opts {
    if v.is_undefined() || v.is_null() {
        return Opts::Missing;
    }
    if !v.is_object() || Array::is_array(v) || v.is_function() {
        return Opts::Other(type_name(v));
    }
    // (its properties are getters on the prototype: read as options it would be `{}`, ignored)
    if is_signal(v) {
        return Opts::Other("AbortSignal");
    }
    let mut pairs = Vec::new();
    for key in Object::keys(v.unchecked_ref::<Object>()).iter() {
        let Some(k) = key.as_string() else { continue };
        let x = get(v, &k);
        if !x.is_undefined() {
            pairs.push((k, arg(&x)));
        }
    }
    Opts::Object(pairs)
}

/// The JS type of a value that is not an options object.
pub fn type_name(v: &JsValue) -> &'static str {
    if Array::is_array(v) {
        "array"
    } else if v.is_function() {
        "function"
    } else if v.is_string() {
        "string"
    } else if v.is_symbol() {
        "symbol"
    } else if v.is_bigint() {
        "bigint"
    } else if v.as_bool().is_some() {
        "boolean"
    } else if v.as_f64().is_some() {
        "number"
    } else if v.is_null() {
        "null"
    } else {
        "object"
    }
}
