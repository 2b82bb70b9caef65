//! The wire between the facade and the core: JSON text in (params, options and queries, with the
//! facade's markers for uploads, functions, signals and non-finite numbers) and JSON text out.
//! Pure: no JS value crosses into the module, so all of it is tested natively.


use crate::json::Json;

/// A value JSON cannot hold (a function, symbol or bigint where data is expected, an upload where
/// none may be) was met.
#[derive(Debug, PartialEq)]
pub struct NotJson;

/// The key of the facade's markers: `{"\u0000": tag, …}` stands for what JSON cannot say (see
/// `wire` in js/facade.js).
pub const MARK: &str = "\u{0}";
/// A function (a hook, `fetch`, `onProgress`) where the facade keeps it: the value of that key.
pub const FUNCTION: &str = "\u{0}fn";
/// A valid `AbortSignal` in call options (the facade keeps it).
pub const SIGNAL: &str = "\u{0}signal";

/// One upload among the params, as the facade described it.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Upload {
    /// `{ data, filename?, name?, type? }`.
    pub wrapper: bool,
    /// Raw bytes (ArrayBuffer, typed array, DataView, Node Buffer) rather than a Blob or File.
    pub bytes: bool,
    pub size: Option<f64>,
    /// The wrapper's `type`.
    pub given_type: Option<String>,
    /// The Blob's own `type`.
    pub own_type: Option<String>,
    /// The wrapper's `filename` (or `name`), or the File's `name`.
    pub name: Option<String>,
    /// The first bytes of raw bytes (for sniffing the type).
    pub head: Vec<u8>,
}

/// Params, options or a query as the facade sends them: JSON text whose markers become what they
/// stand for. Uploads become [`Json::File`] (their descriptions, in order, in the returned list) —
/// or [`NotJson`] when `uploads` is false; non-finite numbers become numbers again; a function
/// becomes the string [`FUNCTION`] and a signal [`SIGNAL`] when `top_level_functions` and they are
/// the value of a top-level key, and [`NotJson`] anywhere else. Text that does not parse (the
/// facade could not serialise the value: a cycle, a bigint) is [`NotJson`].
pub fn from_wire(text: &str, uploads: bool, top_level_functions: bool) -> Result<(Json, Vec<Upload>), NotJson> {
    let json = crate::json::parse_json(text).ok_or(NotJson)?;
    let mut files = Vec::new();
    let files_ref = if uploads { Some(&mut files) } else { None };
    let out = match json {
        Json::Obj(pairs) if top_level_functions && !matches!(pairs.first(), Some((k, _)) if k == MARK) => {
            let mut out = Vec::with_capacity(pairs.len());
            let mut files_ref = files_ref;
            for (k, v) in pairs {
                let v = match marker(&v) {
                    Some("fn") => Json::Str(FUNCTION.to_owned()),
                    Some("signal") => Json::Str(SIGNAL.to_owned()),
                    _ => unmark(v, files_ref.as_deref_mut())?,
                };
                out.push((k, v));
            }
            Json::Obj(out)
        }
        other => unmark(other, files_ref)?,
    };
    Ok((out, files))
}

/// One value off the wire: what it stands for, or [`NotJson`].
pub type Value = Result<Json, NotJson>;

/// Like [`from_wire`] for one top-level key at a time: each value of the object, unmarked on its
/// own, so a bad value names its key (options). Functions and signals at the top level are kept as
/// [`FUNCTION`] / [`SIGNAL`]; a text that is not an object gives the value itself as `Err`.
pub fn from_wire_keys(text: &str) -> Result<Vec<(String, Value)>, Value> {
    let json = crate::json::parse_json(text).ok_or(Err(NotJson))?;
    match json {
        Json::Obj(pairs) if !matches!(pairs.first(), Some((k, _)) if k == MARK) => Ok(pairs
            .into_iter()
            .map(|(k, v)| {
                let v = match marker(&v) {
                    Some("fn") => Ok(Json::Str(FUNCTION.to_owned())),
                    Some("signal") => Ok(Json::Str(SIGNAL.to_owned())),
                    _ => unmark(v, None),
                };
                (k, v)
            })
            .collect()),
        other => Err(match marker(&other) {
            Some("fn") => Ok(Json::Str(FUNCTION.to_owned())),
            _ => unmark(other, None),
        }),
    }
}

/// The JS type the facade named in the marker that `text` is (`symbol`, `bigint`, …), if it is one.
pub fn wire_type(text: &str) -> Option<&'static str> {
    let v = crate::json::parse_json(text)?;
    if marker(&v) != Some("x") {
        return None;
    }
    match v.get("t").and_then(Json::as_str)? {
        "symbol" => Some("symbol"),
        "bigint" => Some("bigint"),
        "function" => Some("function"),
        _ => None,
    }
}

/// The tag of a marker object: an object whose first key is [`MARK`] (the facade never writes
/// that key otherwise; a marker without a known tag is refused like a function).
fn marker(v: &Json) -> Option<&str> {
    match v {
        Json::Obj(pairs) => match pairs.first() {
            Some((k, tag)) if k == MARK => Some(tag.as_str().unwrap_or("")),
            _ => None,
        },
        _ => None,
    }
}

fn unmark(v: Json, mut files: Option<&mut Vec<Upload>>) -> Result<Json, NotJson> {
    match marker(&v) {
        Some("num") => {
            let n = match v.get("v").and_then(Json::as_str) {
                Some("Infinity") => f64::INFINITY,
                Some("-Infinity") => f64::NEG_INFINITY,
                _ => f64::NAN,
            };
            return Ok(Json::Num(n));
        }
        Some("file") => {
            let list = files.ok_or(NotJson)?;
            list.push(upload(&v));
            return Ok(Json::File(list.len() as u32 - 1));
        }
        Some(_) => return Err(NotJson),
        None => {}
    }
    match v {
        Json::Arr(items) => {
            let mut out = Vec::with_capacity(items.len());
            for item in items {
                out.push(unmark(item, files.as_deref_mut())?);
            }
            Ok(Json::Arr(out))
        }
        Json::Obj(pairs) => {
            let mut out = Vec::with_capacity(pairs.len());
            for (k, item) in pairs {
                out.push((k, unmark(item, files.as_deref_mut())?));
            }
            Ok(Json::Obj(out))
        }
        other => Ok(other),
    }
}

/// An upload's description: `{"\u0000": "file", w, b, size, given, own, name, head}`.
fn upload(v: &Json) -> Upload {
    let text = |k: &str| v.get(k).and_then(Json::as_str).map(str::to_owned);
    let flag = |k: &str| matches!(v.get(k), Some(Json::Num(n)) if *n != 0.0);
    let head = match v.get("head") {
        Some(Json::Arr(bytes)) => bytes.iter().filter_map(|b| match b {
            Json::Num(n) if (0.0..=255.0).contains(n) => Some(*n as u8),
            _ => None,
        }).collect(),
        _ => Vec::new(),
    };
    Upload {
        wrapper: flag("w"),
        bytes: flag("b"),
        size: match v.get("size") {
            Some(Json::Num(n)) => Some(*n),
            _ => None,
        },
        given_type: text("given"),
        own_type: text("own"),
        name: text("name"),
        head,
    }
}

/// `j` as JSON text, as `JSON.stringify` writes it (files and non-finite numbers as `null`; see
/// `Json`'s `Serialize`).
pub fn write_json(out: &mut String, j: &Json) {
    // serde_json cannot fail here: every key is a string and every value serialisable
    out.push_str(&serde_json::to_string(j).unwrap_or_else(|_| "null".to_owned()));
}

/// A number as JSON: integral values within ±2^53 as integers (`512`), other finite values as
/// serde_json writes them (shortest text that reads back as the same double, e.g. `0.1`, `1e+20`,
/// `-0.0`), non-finite ones as `null`.
pub fn write_num(out: &mut String, n: f64) {
    write_json(out, &Json::Num(n));
}

/// `s` as a JSON string literal.
pub fn write_json_str(out: &mut String, s: &str) {
    out.push_str(&serde_json::to_string(s).unwrap_or_else(|_| "\"\"".to_owned()));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wire_markers_become_what_they_stand_for() {
        // uploads: described, replaced by File(i), listed in order
        let text = r#"{"a":{"\u0000":"file","w":1,"b":1,"size":3,"given":"image/png","own":null,"name":"x.png","head":[137,80,78]},"n":[{"\u0000":"num","v":"NaN"},{"\u0000":"num","v":"-Infinity"}]}"#;
        let (j, files) = from_wire(text, true, false).unwrap();
        assert_eq!(j.get("a"), Some(&Json::File(0)));
        assert_eq!(files, [Upload { wrapper: true, bytes: true, size: Some(3.0), given_type: Some("image/png".into()), own_type: None, name: Some("x.png".into()), head: vec![137, 80, 78] }]);
        match j.get("n") {
            Some(Json::Arr(n)) => assert!(matches!(n.as_slice(), [Json::Num(a), Json::Num(b)] if a.is_nan() && *b == f64::NEG_INFINITY)),
            other => panic!("{other:?}"),
        }
        // an upload where none may be, a function or symbol anywhere in data, text that does not parse
        assert_eq!(from_wire(text, false, false), Err(NotJson));
        assert_eq!(from_wire(r#"{"a":[{"\u0000":"x","t":"symbol"}]}"#, true, false), Err(NotJson));
        assert_eq!(from_wire(r#"{"f":{"\u0000":"fn"}}"#, true, false), Err(NotJson));
        assert_eq!(from_wire("{\"a\":", true, false), Err(NotJson));
        // a top-level function or signal in options is kept as its marker string
        let (j, _) = from_wire(r#"{"f":{"\u0000":"fn"},"signal":{"\u0000":"signal"}}"#, false, true).unwrap();
        assert_eq!((j.get("f").and_then(Json::as_str), j.get("signal").and_then(Json::as_str)), (Some(FUNCTION), Some(SIGNAL)));
        // per key: a bad value names its key; a non-object is the value itself
        let keys = from_wire_keys(r#"{"ok":1,"bad":{"x":{"\u0000":"x","t":"bigint"}},"hook":{"\u0000":"fn"}}"#).unwrap();
        assert_eq!(keys, [("ok".to_owned(), Ok(Json::Num(1.0))), ("bad".to_owned(), Err(NotJson)), ("hook".to_owned(), Ok(Json::Str(FUNCTION.into())))]);
        assert_eq!(from_wire_keys("\"str\""), Err(Ok(Json::Str("str".into()))));
        assert_eq!(wire_type(r#"{"\u0000":"x","t":"symbol"}"#), Some("symbol"));
    }

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
