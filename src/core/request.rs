//! Request building (pure): URL, headers and body from the client config and the user's params.


use crate::core::api::{encode_component, Endpoint};
use crate::core::config::{is_secret_header, Config};
use crate::core::error::{ApiError, FieldError, Kind};
use crate::core::json::Json;
use crate::core::text::dec;

#[derive(Clone, Debug, PartialEq)]
pub struct HttpRequest {
    pub method: &'static str,
    pub url: String,
    pub headers: Vec<(String, String)>,
    pub body: Option<Body>,
    pub is_submission: bool,
    /// The rate-limit bucket: the v2 resource (`images/generations`), `price`, `jobs`, …
    pub bucket: &'static str,
}

/// A request body: JSON when there is no file, multipart when there is one (deapi-api.md §2.2).
#[derive(Clone, Debug, PartialEq)]
pub enum Body {
    /// Handed to the binding as a [`crate::core::plan::PlanBody::Json`]; the runtime's `JSON.stringify`
    /// writes it (`crate::wasm::transport::body_of`).
    Json(Json),
    /// Form fields in order; the binding builds a `FormData` from them (`crate::wasm::transport`'s
    /// `form_data`), each upload as [`crate::core::session::Session::plan`] decided.
    Multipart(Vec<(String, Part)>),
}

#[derive(Clone, Debug, PartialEq)]
pub enum Part {
    Text(String),
    /// Sent as the runtime's `String(n)`, so no float formatting is compiled in.
    Num(f64),
    /// An upload: index into the binding's list of files.
    File(u32),
}

impl HttpRequest {
    /// The headers with every secret value hidden ([`is_secret_header`]: `Authorization`,
    /// `Cookie`, `X-Api-Key`, …), for hooks and logs.
    pub fn redacted_headers(&self) -> Vec<(String, String)> {
        self.headers
            .iter()
            .map(|(k, v)| {
                let v = if is_secret_header(k) { redact_value(k, v) } else { v.clone() };
                (k.clone(), v)
            })
            .collect()
    }
}

/// A secret header's value as hooks see it: `Bearer [REDACTED]` for `Authorization` and
/// `Proxy-Authorization` (the scheme is not secret and tells what was sent), else `[REDACTED]`.
fn redact_value(name: &str, v: &str) -> String {
    let scheme = v.split_once(' ').map(|(scheme, _)| scheme).filter(|_| name.eq_ignore_ascii_case("authorization") || name.eq_ignore_ascii_case("proxy-authorization"));
    match scheme {
        Some(scheme) => [scheme, " [REDACTED]"].concat(),
        None => "[REDACTED]".to_owned(),
    }
}

/// Build a request. `params` is the user's body object (POST), `query` the query pairs (GET).
pub fn build(cfg: &Config, endpoint: &Endpoint, params: Option<&Json>, query: &[(String, String)]) -> Result<HttpRequest, ApiError> {
    let mut url = [cfg.base_url.as_str(), &endpoint.path(cfg.version, params)].concat();
    for (i, (k, v)) in query.iter().enumerate() {
        url.push(if i == 0 { '?' } else { '&' });
        url.push_str(&encode_component(k));
        url.push('=');
        url.push_str(&encode_component(v));
    }
    let mut headers = vec![("Accept".to_owned(), "application/json".to_owned())];
    let always_multipart = matches!(endpoint, Endpoint::Submit(op) | Endpoint::Price(op) if op.multipart);
    let body = match params {
        Some(p) => {
            let p = json_body(p)?;
            if always_multipart || has_file(&p) {
                let mut parts = Vec::new();
                if let Json::Obj(pairs) = &p {
                    for (k, v) in pairs {
                        flatten(&mut parts, k.clone(), v);
                    }
                }
                Some(Body::Multipart(parts))
            } else {
                headers.push(("Content-Type".to_owned(), "application/json".to_owned()));
                Some(Body::Json(p))
            }
        }
        None => None,
    };
    key_headers(cfg, &mut headers);
    Ok(HttpRequest { method: endpoint.method(), url, headers, body, is_submission: endpoint.is_submission(), bucket: endpoint.bucket() })
}

/// The key (or keyless proxy mode's marker) and the `headers` option, as every request sends them.
fn key_headers(cfg: &Config, headers: &mut Vec<(String, String)>) {
    match &cfg.api_key {
        Some(key) => headers.push(("Authorization".to_owned(), ["Bearer ", key].concat())),
        // Keyless proxy mode: a header a cross-site `<form>` cannot send, which `createProxy`
        // requires on uploads (core::proxy::CLIENT_HEADER). Not sent to deAPI itself: a custom
        // header would make every direct browser call a CORS preflight.
        None => headers.push(("X-Deapi-Client".to_owned(), "deapi-wasm".to_owned())),
    }
    for (k, v) in &cfg.headers {
        match headers.iter_mut().find(|(name, _)| name.eq_ignore_ascii_case(k)) {
            Some(slot) => slot.1 = v.clone(),
            None => headers.push((k.clone(), v.clone())),
        }
    }
}

/// The realtime auth request's headers (`POST realtime.authEndpoint`, a JSON body): the same as
/// every call's — the Bearer key (none in keyless proxy mode: the proxy adds it) and `headers`.
pub fn auth_headers(cfg: &Config) -> Vec<(String, String)> {
    let mut headers = vec![("Accept".to_owned(), "application/json".to_owned()), ("Content-Type".to_owned(), "application/json".to_owned())];
    key_headers(cfg, &mut headers);
    headers
}

/// The JSON body of a POST: the params object with `null`/`undefined` fields left out.
/// Numbers that JSON cannot carry (NaN, ±Infinity) are reported as a validation error on their
/// field instead of being sent as `null`.
pub fn json_body(params: &Json) -> Result<Json, ApiError> {
    let Json::Obj(pairs) = params else {
        return Err(ApiError::new(
            Kind::InvalidOptions,
            ["Invalid argument `params`: expected an object of deAPI fields, got ", params.type_name()].concat(),
        ));
    };
    let mut bad = Vec::new();
    let mut kept = Vec::with_capacity(pairs.len());
    for (k, v) in pairs {
        if v.is_null() {
            continue;
        }
        if has_non_finite(v) {
            bad.push(FieldError { field: k.clone(), message: crate::core::messages::field_message(k, &["must be a finite number."]) });
        }
        kept.push((k.clone(), v.clone()));
    }
    if let Some(first) = bad.first() {
        let mut e = ApiError::new(Kind::Validation, first.message.clone());
        e.errors = bad;
        return Err(e);
    }
    Ok(Json::Obj(kept))
}

fn has_file(v: &Json) -> bool {
    match v {
        Json::File(_) => true,
        Json::Arr(items) => items.iter().any(has_file),
        Json::Obj(pairs) => pairs.iter().any(|(_, v)| has_file(v)),
        _ => false,
    }
}

/// One value as form fields, PHP style: booleans `1`/`0`; a list of scalars or files repeats
/// `name[]` (deAPI's `images[]`); a list of objects and an object use `name[i][key]`
/// (`loras[0][name]`); nulls are left out.
fn flatten(out: &mut Vec<(String, Part)>, name: String, v: &Json) {
    match v {
        Json::Null => {}
        Json::Bool(b) => out.push((name, Part::Text(if *b { "1" } else { "0" }.to_owned()))),
        Json::Num(n) => out.push((name, Part::Num(*n))),
        Json::Str(s) => out.push((name, Part::Text(s.clone()))),
        Json::File(i) => out.push((name, Part::File(*i))),
        Json::Arr(items) => {
            for (i, item) in items.iter().enumerate() {
                let key = match item {
                    Json::Arr(_) | Json::Obj(_) => [&name, "[", &dec(i as u64), "]"].concat(),
                    _ => [&name, "[]"].concat(),
                };
                flatten(out, key, item);
            }
        }
        Json::Obj(pairs) => {
            for (k, item) in pairs {
                flatten(out, [&name, "[", k, "]"].concat(), item);
            }
        }
    }
}

fn has_non_finite(v: &Json) -> bool {
    match v {
        Json::Num(n) => !n.is_finite(),
        Json::Arr(items) => items.iter().any(has_non_finite),
        Json::Obj(pairs) => pairs.iter().any(|(_, v)| has_non_finite(v)),
        _ => false,
    }
}

/// The MIME type of an upload from its first bytes (for raw bytes sent without a type).
pub fn sniff_mime(head: &[u8]) -> Option<&'static str> {
    let at = |i: usize, sig: &[u8]| head.get(i..i + sig.len()) == Some(sig);
    Some(match head {
        [0x89, b'P', b'N', b'G', ..] => "image/png",
        [0xFF, 0xD8, 0xFF, ..] => "image/jpeg",
        [b'G', b'I', b'F', b'8', ..] => "image/gif",
        [b'B', b'M', ..] => "image/bmp",
        [b'R', b'I', b'F', b'F', ..] if at(8, b"WEBP") => "image/webp",
        [b'R', b'I', b'F', b'F', ..] if at(8, b"WAVE") => "audio/wav",
        [b'R', b'I', b'F', b'F', ..] if at(8, b"AVI ") => "video/x-msvideo",
        [b'I', b'D', b'3', ..] => "audio/mpeg",
        [0xFF, b, ..] if b & 0xF6 == 0xF0 => "audio/aac",
        [0xFF, b, ..] if b & 0xE0 == 0xE0 => "audio/mpeg",
        [b'O', b'g', b'g', b'S', ..] => "audio/ogg",
        [b'f', b'L', b'a', b'C', ..] => "audio/flac",
        [0x1A, 0x45, 0xDF, 0xA3, ..] => "video/webm",
        [0x30, 0x26, 0xB2, 0x75, ..] => "video/x-ms-wmv",
        [0x00, 0x00, 0x01, 0xBA | 0xB3, ..] => "video/mpeg",
        _ if at(4, b"ftyp") && at(8, b"M4A ") => "audio/mp4",
        _ if at(4, b"ftyp") && at(8, b"qt  ") => "video/quicktime",
        _ if at(4, b"ftyp") => "video/mp4",
        _ => return None,
    })
}

/// A file name extension for a MIME type (for uploads that came without a name).
pub fn extension(mime: &str) -> &'static str {
    let essence = mime.split(';').next().unwrap_or("").trim();
    match essence {
        "image/png" => "png",
        "image/jpeg" => "jpg",
        "image/gif" => "gif",
        "image/bmp" => "bmp",
        "image/webp" => "webp",
        "audio/wav" | "audio/x-wav" => "wav",
        "audio/mpeg" => "mp3",
        "audio/aac" => "aac",
        "audio/ogg" => "ogg",
        "audio/flac" => "flac",
        "audio/mp4" => "m4a",
        "audio/webm" | "video/webm" => "webm",
        "video/mp4" => "mp4",
        "video/quicktime" => "mov",
        "video/mpeg" => "mpeg",
        "video/x-msvideo" => "avi",
        "video/x-ms-wmv" => "wmv",
        _ => "bin",
    }
}

/// The file name for an upload without one: the field (`images[]` → `images`) and an extension.
pub fn default_filename(field: &str, mime: &str) -> String {
    let base = field.split('[').next().filter(|b| !b.is_empty()).unwrap_or("file");
    [base, ".", extension(mime)].concat()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::api::{find_op, ApiVersion};
    use crate::core::config::{parse_options, Runtime};
    use crate::core::test_util::j;

    fn cfg(extra: &str) -> Config {
        parse_options(&j(&format!(r#"{{"apiKey":"1|secret"{extra}}}"#)), &[], Runtime::Server).unwrap()
    }

    #[test]
    fn submit_request_v2_and_v1() {
        let op = find_op("images.generate").unwrap();
        let params = j(r#"{"prompt":"a fox","model":"Flux1schnell","width":1024,"negative_prompt":null,"seed":-1}"#);
        let r = build(&cfg(""), &Endpoint::Submit(op), Some(&params), &[]).unwrap();
        assert_eq!((r.method, r.url.as_str(), r.is_submission), ("POST", "https://api.deapi.ai/api/v2/images/generations", true));
        assert_eq!(
            r.headers,
            [
                ("Accept".into(), "application/json".into()),
                ("Content-Type".into(), "application/json".into()),
                ("Authorization".into(), "Bearer 1|secret".into())
            ]
        );
        // null fields are left out, the rest kept as typed
        assert_eq!(r.body, Some(Body::Json(j(r#"{"prompt":"a fox","model":"Flux1schnell","width":1024,"seed":-1}"#))));
        let r = build(&cfg(r#","apiVersion":"v1","baseUrl":"http://127.0.0.1:8080/""#), &Endpoint::Price(op), Some(&params), &[]).unwrap();
        assert_eq!(r.url, "http://127.0.0.1:8080/api/v1/client/txt2img/price-calculation");
        assert!(!r.is_submission);
    }

    #[test]
    fn get_with_query_and_custom_headers() {
        let c = cfg(r#","headers":{"X-App":"demo","accept":"application/json; q=1"}"#);
        let q = [("limit".to_owned(), "50".to_owned()), ("filter[inference_types]".to_owned(), "txt2img,img2img".to_owned())];
        let r = build(&c, &Endpoint::Models, None, &q).unwrap();
        assert_eq!(r.url, "https://api.deapi.ai/api/v2/models?limit=50&filter%5Binference_types%5D=txt2img%2Cimg2img");
        assert_eq!(r.body, None);
        assert_eq!(r.headers.len(), 3);
        assert_eq!(r.headers[0], ("Accept".into(), "application/json; q=1".into()));
        assert_eq!(r.headers[2], ("X-App".into(), "demo".into()));
    }

    #[test]
    fn keyless_proxy_mode_sends_no_authorization() {
        let c = parse_options(&j(r#"{"baseUrl":"https://proxy.example/deapi"}"#), &[], Runtime::Server).unwrap();
        let r = build(&c, &Endpoint::Balance, None, &[]).unwrap();
        assert_eq!(r.url, "https://proxy.example/deapi/api/v2/account/balance");
        assert!(r.headers.iter().all(|(k, _)| !k.eq_ignore_ascii_case("authorization")));
        assert!(r.headers.contains(&("X-Deapi-Client".to_owned(), "deapi-wasm".to_owned())), "the header createProxy wants on uploads");
        assert_eq!(c.version, ApiVersion::V2);
        let keyed = build(&cfg(""), &Endpoint::Balance, None, &[]).unwrap();
        assert!(keyed.headers.iter().all(|(k, _)| k != "X-Deapi-Client"), "not sent to deAPI itself");
    }

    #[test]
    fn bad_params() {
        let op = find_op("images.generate").unwrap();
        let e = build(&cfg(""), &Endpoint::Submit(op), Some(&Json::str("a fox")), &[]).unwrap_err();
        assert_eq!(e.kind, Kind::InvalidOptions);
        assert!(e.message.contains("got string"));
        let p = Json::Obj(vec![("width".into(), Json::Num(f64::NAN)), ("loras".into(), Json::Arr(vec![Json::Num(f64::INFINITY)]))]);
        let e = build(&cfg(""), &Endpoint::Submit(op), Some(&p), &[]).unwrap_err();
        assert_eq!(e.kind, Kind::Validation);
        assert_eq!(e.status, None);
        assert_eq!(e.errors.iter().map(|f| f.field.as_str()).collect::<Vec<_>>(), ["width", "loras"]);
        assert_eq!(e.message, "The width field must be a finite number.");
    }

    #[test]
    fn a_file_makes_the_body_multipart() {
        let op = find_op("images.edit").unwrap();
        let mut params = j(
            r#"{"prompt":"fox","model":"QwenImageEdit_Plus_NF4","steps":20,"seed":-1,"enhance_prompt":true,"negative_prompt":null,
                "loras":[{"name":"a","weight":0.5},{"name":"b","weight":1}],"tags":["x","y"],"meta":{"k":"v"}}"#,
        );
        let Json::Obj(pairs) = &mut params else { panic!() };
        pairs.push(("images".into(), Json::Arr(vec![Json::File(0), Json::File(1)])));
        let r = build(&cfg(""), &Endpoint::Submit(op), Some(&params), &[]).unwrap();
        assert!(r.headers.iter().all(|(k, _)| k != "Content-Type"), "fetch sets the multipart boundary itself");
        let t = |s: &str| Part::Text(s.into());
        assert_eq!(
            r.body,
            Some(Body::Multipart(vec![
                ("prompt".into(), t("fox")),
                ("model".into(), t("QwenImageEdit_Plus_NF4")),
                ("steps".into(), Part::Num(20.0)),
                ("seed".into(), Part::Num(-1.0)),
                ("enhance_prompt".into(), t("1")),
                ("loras[0][name]".into(), t("a")),
                ("loras[0][weight]".into(), Part::Num(0.5)),
                ("loras[1][name]".into(), t("b")),
                ("loras[1][weight]".into(), Part::Num(1.0)),
                ("tags[]".into(), t("x")),
                ("tags[]".into(), t("y")),
                ("meta[k]".into(), t("v")),
                ("images[]".into(), Part::File(0)),
                ("images[]".into(), Part::File(1)),
            ]))
        );
    }

    #[test]
    fn json_without_files_and_the_booster_always_multipart() {
        let p = j(r#"{"prompt":"a cat","type":"images.generations","model_slug":"Flux1schnell","include_ts":false}"#);
        let r = build(&cfg(""), &Endpoint::Submit(find_op("prompts.enhance").unwrap()), Some(&p), &[]).unwrap();
        assert!(matches!(r.body, Some(Body::Multipart(ref parts)) if parts.len() == 4 && parts[3] == ("include_ts".into(), Part::Text("0".into()))));
        let r = build(&cfg(""), &Endpoint::Price(find_op("audio.transcribe").unwrap()), Some(&p), &[]).unwrap();
        assert!(matches!(r.body, Some(Body::Json(_))));
    }

    #[test]
    fn upload_types_from_magic_bytes() {
        let cases: [(&[u8], Option<&str>, &str); 12] = [
            (b"\x89PNG\r\n\x1a\n", Some("image/png"), "png"),
            (b"\xFF\xD8\xFF\xE0", Some("image/jpeg"), "jpg"),
            (b"GIF89a", Some("image/gif"), "gif"),
            (b"RIFF\0\0\0\0WEBPVP8 ", Some("image/webp"), "webp"),
            (b"RIFF\0\0\0\0WAVEfmt ", Some("audio/wav"), "wav"),
            (b"ID3\x04", Some("audio/mpeg"), "mp3"),
            (b"\xFF\xFB\x90", Some("audio/mpeg"), "mp3"),
            (b"\xFF\xF1\x50", Some("audio/aac"), "aac"),
            (b"OggS\0", Some("audio/ogg"), "ogg"),
            (b"\0\0\0\x18ftypmp42", Some("video/mp4"), "mp4"),
            (b"\0\0\0\x14ftypqt  ", Some("video/quicktime"), "mov"),
            (b"hello", None, "bin"),
        ];
        for (head, mime, ext) in cases {
            assert_eq!(sniff_mime(head), mime, "{head:?}");
            assert_eq!(extension(mime.unwrap_or("application/octet-stream")), ext);
        }
        assert_eq!(sniff_mime(b""), None);
        assert_eq!(default_filename("images[]", "image/png"), "images.png");
        assert_eq!(default_filename("ref_audio", "audio/mpeg; codecs=mp3"), "ref_audio.mp3");
        assert_eq!(default_filename("", ""), "file.bin");
    }

    #[test]
    fn authorization_is_redacted_for_hooks() {
        let r = build(&cfg(""), &Endpoint::Balance, None, &[]).unwrap();
        let h = r.redacted_headers();
        assert!(h.contains(&("Authorization".into(), "Bearer [REDACTED]".into())));
        assert!(!format!("{h:?}").contains("secret"));
    }

    #[test]
    fn every_secret_header_is_redacted_for_hooks() {
        let c = parse_options(
            &j(
                r#"{"baseUrl":"https://proxy.test","headers":{"authorization":"Session tok-authz-123","Proxy-Authorization":"Basic cHJveHk6cHc=",
                   "Cookie":"sid=cookie-value-123","X-Api-Key":"apikey-value-123","x-auth-token":"authtoken-123","X-Session-Id":"sess-id-123",
                   "X-Client-Secret":"client-secret-123","X-App":"demo"}}"#,
            ),
            &[],
            Runtime::Server,
        )
        .unwrap();
        let h = build(&c, &Endpoint::Balance, None, &[]).unwrap().redacted_headers();
        let shown = |name: &str| h.iter().find(|(k, _)| k == name).map(|(_, v)| v.as_str()).unwrap();
        assert_eq!(shown("authorization"), "Session [REDACTED]");
        assert_eq!(shown("Proxy-Authorization"), "Basic [REDACTED]");
        for name in ["Cookie", "X-Api-Key", "x-auth-token", "X-Session-Id", "X-Client-Secret"] {
            assert_eq!(shown(name), "[REDACTED]", "{name}");
        }
        assert_eq!((shown("X-App"), shown("Accept")), ("demo", "application/json"), "other headers are shown as they are");
        let dump = format!("{h:?}");
        for secret in ["tok-authz", "cHJveHk6cHc", "cookie-value", "apikey-value", "authtoken", "sess-id", "client-secret-123"] {
            assert!(!dump.contains(secret), "{secret} in {dump}");
        }
    }
}
