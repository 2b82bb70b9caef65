//! `createProxy`'s decisions (pure): its options, and for each request a browser sends it, whether
//! it goes on to deAPI (where, with which body type), is a CORS preflight to answer, or is refused
//! (with the status and the sentence the browser's client shows). The binding (`crate::wasm::proxy`)
//! reads the request, asks [`decide`], and sends what it allows with the same fetch, timer and
//! bounded reading as every call.
//!
//! What it guarantees (README "Security"):
//! - **Only this site's pages** reach deAPI through it from a browser: `Sec-Fetch-Site` (set by the
//!   browser, not by a page) must say `same-origin`; without it, `Origin` must be the request's own
//!   origin; other origins only when listed in `allowedOrigins`. A request with neither header is not
//!   from a browser page — the app's `authorize` hook decides about it.
//! - **Only requests a page cannot forge without a CORS preflight**: POST bodies are JSON, or
//!   multipart with the `X-Deapi-Client` header (which `<form>` cannot set; the SDK sends it).
//! - **Only deAPI's operations**: the method and path must be one the SDK sends (the rows of
//!   [`crate::core::api::OPS`], models, balance, job status, and the realtime auth), rebuilt from
//!   decoded segments; dot segments, encoded slashes and odd bytes are refused.
//! - With the `realtime` option (servers with the `realtime` cargo feature), `GET {prefix}/events/{id}`
//!   is one job's event stream, answered by the proxy's own client (`deapi.realtime.relay`,
//!   src/wasm/relay.rs) after the same origin checks and the `authorize` hook; without it, a 404.

use crate::core::api::{encode_component, ApiVersion, Endpoint, OPS};
use crate::core::config::{parse_options, Config, Runtime};
use crate::core::error::ApiError;
use crate::core::json::Json;
use crate::core::text::{dec, digits, hex_digit};
use crate::core::args::is_request_id;

/// Where the proxy is mounted by default (the browser's `baseUrl`).
pub const DEFAULT_PREFIX: &str = "/api/deapi";
/// deAPI's own cap on a request body (75 MB: its 413); larger bodies are refused before reading.
pub const DEFAULT_MAX_REQUEST_BYTES: f64 = 75.0 * 1024.0 * 1024.0;
/// The request header the SDK sends in keyless mode. A cross-site `<form>` cannot set a header,
/// and a page's `fetch` with one needs a CORS preflight (which only allowed origins pass).
pub const CLIENT_HEADER: &str = "x-deapi-client";

/// The options of `createProxy` that hold functions (the binding keeps them).
pub const FUNCTION_OPTIONS: &[&str] = &["authorize", "fetch", "onError"];
/// Options shared with `DeapiClient` (checked by the same code: the key, the upstream URL, the
/// timeout, plain `http` only to loopback).
const CLIENT_OPTIONS: &[&str] = &["apiKey", "baseUrl", "timeoutMs", "allowInsecureHttp", "maxResponseBytes"];
const OWN_OPTIONS: &[&str] = &["prefix", "allowedOrigins", "maxRequestBytes"];
/// `realtime`: the events path's client's `realtime` option, checked as a client's (its functions,
/// such as `WebSocket`, come as `realtime.<key>` function keys). Servers with the `realtime` feature.
const REALTIME_OPTION: &str = "realtime";
const HAS_REALTIME: bool = cfg!(feature = "relay");
/// Where a job's event stream is served, below the prefix.
pub const EVENTS_PATH: &str = "/events/";

#[derive(Clone, Debug, PartialEq)]
pub struct ProxyConfig {
    /// The key, the upstream `baseUrl` and `timeoutMs` (per request to deAPI), as a client has them.
    pub client: Config,
    /// The path the proxy answers under (no trailing slash; `""`: the site's root).
    pub prefix: String,
    /// Other origins whose pages may call it (`https://app.example`), lower case.
    pub allowed_origins: Vec<String>,
    pub max_request_bytes: f64,
    /// The `realtime` option was given: `GET {prefix}/events/{requestId}` is served (a relay).
    pub relay: bool,
}

fn bad(name: &str, problem: &str) -> ApiError {
    ApiError::invalid_option(name, problem)
}

/// `createProxy(options)`'s data options (`function_keys`: the names of its function values).
pub fn parse_proxy_options(options: &Json, function_keys: &[String]) -> Result<ProxyConfig, ApiError> {
    let pairs: &[(String, Json)] = match options {
        Json::Obj(p) => p,
        _ => return Err(bad("options", "createProxy takes an object such as { apiKey: process.env.DEAPI_API_KEY }")),
    };
    let mut shared = Vec::new();
    for (k, v) in pairs {
        if v.is_null() {
            continue;
        }
        if CLIENT_OPTIONS.contains(&k.as_str()) || (HAS_REALTIME && k == REALTIME_OPTION) {
            shared.push((k.clone(), v.clone()));
        } else if FUNCTION_OPTIONS.contains(&k.as_str()) {
            return Err(bad(k, "must be a function"));
        } else if !OWN_OPTIONS.contains(&k.as_str()) {
            return Err(bad(
                k,
                if HAS_REALTIME {
                    "unknown createProxy option (accepted: apiKey, baseUrl, prefix, allowedOrigins, authorize, timeoutMs, maxRequestBytes, maxResponseBytes, allowInsecureHttp, fetch, onError, realtime)"
                } else {
                    "unknown createProxy option (accepted: apiKey, baseUrl, prefix, allowedOrigins, authorize, timeoutMs, maxRequestBytes, maxResponseBytes, allowInsecureHttp, fetch, onError)"
                },
            ));
        }
    }
    let mut nested = Vec::new();
    for k in function_keys {
        if HAS_REALTIME && k.starts_with("realtime.") {
            nested.push(k.clone());
        } else if !FUNCTION_OPTIONS.contains(&k.as_str()) {
            return Err(bad(k, "expected a value, got a function"));
        }
    }
    if options.get("apiKey").filter(|v| !v.is_null()).is_none() {
        return Err(bad("apiKey", "is required: the proxy adds it to every request it forwards (e.g. apiKey: process.env.DEAPI_API_KEY)"));
    }
    // (any other value is checked as a client's `realtime` below)
    let relay = HAS_REALTIME && matches!(options.get(REALTIME_OPTION), Some(Json::Obj(_)));
    let client = parse_options(&Json::Obj(shared), &nested, Runtime::Server)?;
    let get = |name: &str| options.get(name).filter(|v| !v.is_null());
    let prefix = match get("prefix") {
        None => DEFAULT_PREFIX.to_owned(),
        Some(Json::Str(p)) => {
            let p = p.trim_end_matches('/');
            let segments_ok = p.split('/').skip(1).all(|s| !s.is_empty() && s != "." && s != ".." && s.bytes().all(|b| b.is_ascii_alphanumeric() || b"-_.~".contains(&b)));
            if !(p.is_empty() || p.starts_with('/') && segments_ok) {
                return Err(bad("prefix", "must be a path such as \"/api/deapi\" (letters, digits, - _ . ~ between slashes): where the proxy is mounted, the browser client's baseUrl"));
            }
            p.to_owned()
        }
        Some(_) => return Err(bad("prefix", "must be a string such as \"/api/deapi\"")),
    };
    let allowed_origins = match get("allowedOrigins") {
        None => Vec::new(),
        Some(Json::Arr(items)) => {
            let mut out = Vec::new();
            for item in items {
                let Some(o) = item.as_str() else { return Err(bad("allowedOrigins", "must be a list of origins such as [\"https://app.example\"]")) };
                out.push(origin_of_option(o)?);
            }
            out
        }
        Some(_) => return Err(bad("allowedOrigins", "must be a list of origins such as [\"https://app.example\"]")),
    };
    let max_request_bytes = match get("maxRequestBytes") {
        None => DEFAULT_MAX_REQUEST_BYTES,
        Some(Json::Num(n)) if n.fract() == 0.0 && *n >= 0.0 && *n <= 1024.0 * 1024.0 * 1024.0 => *n,
        Some(_) => return Err(bad("maxRequestBytes", "must be an integer number of bytes from 0 to 1073741824 (default 75 MiB, deAPI's own limit)")),
    };
    Ok(ProxyConfig { client, prefix, allowed_origins, max_request_bytes, relay })
}

/// An `allowedOrigins` entry: `scheme://host[:port]`, http or https, no path; lower-cased.
fn origin_of_option(o: &str) -> Result<String, ApiError> {
    let o = o.trim().trim_end_matches('/').to_ascii_lowercase();
    if o == "*" || o == "null" {
        return Err(bad("allowedOrigins", "must list origins one by one: \"*\" would let every website spend the key, and \"null\" is any sandboxed page"));
    }
    let rest = o.strip_prefix("https://").or_else(|| o.strip_prefix("http://")).unwrap_or("");
    let host_ok = !rest.is_empty() && rest.bytes().all(|b| b.is_ascii_alphanumeric() || b"-.:[]".contains(&b));
    if !host_ok {
        return Err(bad("allowedOrigins", &["`", &o, "` is not an origin such as https://app.example (scheme, host and port only)"].concat()));
    }
    Ok(o)
}

/// A request as the proxy sees it (the headers it reads; `None`: absent).
#[derive(Clone, Copy, Debug, Default)]
pub struct Incoming<'a> {
    pub method: &'a str,
    /// Absolute, as `Request.url` is.
    pub url: &'a str,
    pub origin: Option<&'a str>,
    pub fetch_site: Option<&'a str>,
    pub content_type: Option<&'a str>,
    pub content_length: Option<&'a str>,
    /// The [`CLIENT_HEADER`] is present.
    pub client_header: bool,
    /// `Access-Control-Request-Method` and `-Headers` (a preflight).
    pub preflight_method: Option<&'a str>,
    pub preflight_headers: Option<&'a str>,
}

/// A request to send to deAPI.
#[derive(Clone, Debug, PartialEq)]
pub struct Forward {
    pub method: &'static str,
    pub url: String,
    /// The upstream path (for the `authorize` hook and logs; no query).
    pub path: String,
    /// The SDK method this request is (`images.generate`, `images.generatePrice`, `jobs.get`,
    /// `models.list`, `account.balance`, `realtime.auth`).
    pub operation: String,
    /// It creates billed work.
    pub submission: bool,
    /// The body's `Content-Type`, sent on as it came (a multipart boundary included).
    pub content_type: Option<String>,
    /// An allowed other origin: the CORS headers to add to the answer.
    pub cors: Option<String>,
}

/// What to answer without deAPI.
#[derive(Clone, Debug, PartialEq)]
pub struct Refusal {
    pub status: u16,
    pub message: String,
    /// `Allow` (405).
    pub allow: Option<&'static str>,
}

/// A job's event stream to answer (with the proxy's relay).
#[derive(Clone, Debug, PartialEq)]
pub struct Events {
    pub request_id: String,
    /// `/events/{requestId}` (for the `authorize` hook; operation `realtime.relay`).
    pub path: String,
    /// An allowed other origin: the CORS headers to add to the answer.
    pub cors: Option<String>,
}

#[derive(Clone, Debug, PartialEq)]
pub enum Decision {
    Forward(Box<Forward>),
    /// `GET {prefix}/events/{requestId}` with the relay on.
    Relay(Box<Events>),
    /// A CORS preflight from an allowed origin: 204 with these headers.
    Preflight { origin: String, allow_headers: String },
    Refuse(Refusal),
}

fn refuse(status: u16, message: &str) -> Decision {
    Decision::Refuse(Refusal { status, message: message.to_owned(), allow: None })
}

/// `scheme://authority`, path and query of an absolute URL.
fn split_url(url: &str) -> Option<(&str, &str, &str)> {
    let at = crate::core::text::find_str(url, "://", 0)? + 3;
    let after = url.get(at..)?;
    let auth_len = after.find(['/', '?', '#']).unwrap_or(after.len());
    let (origin, rest) = url.split_at(at + auth_len);
    let rest = rest.split('#').next().unwrap_or("");
    let (path, query) = rest.split_once('?').unwrap_or((rest, ""));
    Some((origin, path, query))
}

/// Percent-decoded text (`plus`: `+` is a space, as in a query). `None`: a bad escape or not UTF-8.
fn decode(s: &str, plus: bool) -> Option<String> {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while let Some(&c) = b.get(i) {
        match c {
            b'%' => {
                let v = hex_digit(*b.get(i + 1)?)? << 4 | hex_digit(*b.get(i + 2)?)?;
                out.push(v);
                i += 3;
            }
            b'+' if plus => {
                out.push(b' ');
                i += 1;
            }
            _ => {
                out.push(c);
                i += 1;
            }
        }
    }
    String::from_utf8(out).ok()
}

/// The operation a method and upstream path are, if the SDK sends it: `(name, submission)`.
fn operation(method: &str, path: &str) -> Option<(String, bool)> {
    if method == "GET" {
        for v in [ApiVersion::V2, ApiVersion::V1] {
            if path == Endpoint::Models.path(v, None) {
                return Some(("models.list".into(), false));
            }
            if path == Endpoint::Balance.path(v, None) {
                return Some(("account.balance".into(), false));
            }
            let jobs = Endpoint::Job("").path(v, None);
            // a job id as the client itself accepts them (session::is_request_id)
            if path.strip_prefix(jobs.as_str()).is_some_and(is_request_id) {
                return Some(("jobs.get".into(), false));
            }
        }
        return None;
    }
    if path == "/broadcasting/auth" {
        return Some(("realtime.auth".into(), false));
    }
    for op in OPS {
        for (price, endpoint) in [(false, Endpoint::Submit(op)), (true, Endpoint::Price(op))] {
            let mut paths = vec![endpoint.path(ApiVersion::V2, None), endpoint.path(ApiVersion::V1, None)];
            for r in op.v1_routes {
                paths.push([ApiVersion::V1.prefix(), if price { r.price } else { r.path }].concat());
            }
            if paths.iter().any(|p| p == path) {
                let name = if price { [op.name, "Price"].concat() } else { op.name.to_owned() };
                return Some((name, !price));
            }
        }
    }
    None
}

/// The upstream path below the prefix, rebuilt from decoded segments. `Err`: the refusal.
fn rebuild_path(rest: &str) -> Result<String, Decision> {
    let mut out = String::with_capacity(rest.len());
    for raw in rest.split('/').skip(1) {
        let seg = decode(raw, false).ok_or_else(|| refuse(400, "Bad Request: the path has an invalid percent-escape"))?;
        let odd = seg.is_empty() || seg == "." || seg == ".." || seg.bytes().any(|b| b == b'/' || b == b'\\' || b < 0x20 || b == 0x7f);
        if odd {
            return Err(refuse(400, "Bad Request: empty or dot segments, encoded slashes and control characters are not allowed in a deAPI path"));
        }
        out.push('/');
        out.push_str(&encode_component(&seg));
    }
    Ok(out)
}

/// The query rebuilt from decoded pairs (`+` read as a space, every part re-encoded).
fn rebuild_query(query: &str) -> Result<String, Decision> {
    let mut out = String::with_capacity(query.len());
    for pair in query.split('&').filter(|p| !p.is_empty()) {
        let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
        let bad_escape = || refuse(400, "Bad Request: the query has an invalid percent-escape");
        let (k, v) = (decode(k, true).ok_or_else(bad_escape)?, decode(v, true).ok_or_else(bad_escape)?);
        out.push(if out.is_empty() { '?' } else { '&' });
        out.push_str(&encode_component(&k));
        out.push('=');
        out.push_str(&encode_component(&v));
    }
    Ok(out)
}

/// Is the request from this site's own pages, an allowed origin's, or not from a page at all?
/// `Ok(Some(origin))`: an allowed other origin (its answer carries CORS headers).
fn check_site(cfg: &ProxyConfig, r: &Incoming, own: &str) -> Result<Option<String>, Decision> {
    let origin = r.origin.map(str::trim).filter(|o| !o.is_empty()).map(str::to_ascii_lowercase);
    let allowed = origin.clone().filter(|o| cfg.allowed_origins.contains(o));
    let refused = |why: &str| Err(refuse(403, &["Forbidden: ", why, " (createProxy answers only its own site's pages; list other sites in allowedOrigins)"].concat()));
    match r.fetch_site.map(|s| s.trim().to_ascii_lowercase()).as_deref() {
        // the browser itself says where the request comes from; a page cannot change it
        Some("same-origin") => Ok(None),
        Some("none") if r.method == "GET" => Ok(None),
        Some(_) => match allowed {
            Some(o) => Ok(Some(o)),
            None => refused("a request from another site"),
        },
        // older browsers send Origin on every cross-origin request and on same-origin POSTs
        None => match origin {
            None => Ok(None),
            Some(o) if o == own.to_ascii_lowercase() => Ok(None),
            Some(_) if allowed.is_some() => Ok(allowed),
            Some(_) => refused("a request from another origin"),
        },
    }
}

/// Decide what to do with one request.
pub fn decide(cfg: &ProxyConfig, r: &Incoming) -> Decision {
    let Some((own, path, query)) = split_url(r.url) else { return refuse(400, "Bad Request: the request URL is not absolute") };
    let under = if cfg.prefix.is_empty() {
        Some(path)
    } else {
        path.strip_prefix(cfg.prefix.as_str()).filter(|rest| rest.is_empty() || rest.starts_with('/'))
    };
    let Some(rest) = under else { return refuse(404, "Not Found: not below the deAPI proxy's prefix") };
    if r.method == "OPTIONS" {
        return preflight(cfg, r);
    }
    let method: &'static str = match r.method {
        "GET" => "GET",
        "POST" => "POST",
        _ => return Decision::Refuse(Refusal { status: 405, message: "Method Not Allowed: the deAPI proxy forwards GET and POST only".into(), allow: Some("GET, POST") }),
    };
    let cors = match check_site(cfg, r, own) {
        Ok(c) => c,
        Err(d) => return d,
    };
    let upstream = match rebuild_path(rest) {
        Ok(p) => p,
        Err(d) => return d,
    };
    if let Some(id) = upstream.strip_prefix(EVENTS_PATH).filter(|_| cfg.relay) {
        if method != "GET" {
            return Decision::Refuse(Refusal { status: 405, message: ["Method Not Allowed: ", &upstream, " takes GET"].concat(), allow: Some("GET") });
        }
        if !is_request_id(id) {
            return refuse(400, "Bad Request: not a deAPI request id (1–128 ASCII letters, digits, - or _)");
        }
        return Decision::Relay(Box::new(Events { request_id: id.to_owned(), path: upstream.clone(), cors }));
    }
    let Some((operation, submission)) = operation(method, &upstream) else {
        let other = if method == "GET" { "POST" } else { "GET" };
        if operation(other, &upstream).is_some() {
            return Decision::Refuse(Refusal { status: 405, message: ["Method Not Allowed: ", &upstream, " takes ", other].concat(), allow: Some(other) });
        }
        return refuse(404, &["Not Found: ", method, " ", &upstream, " is not a deAPI operation the proxy forwards"].concat());
    };
    let query = match rebuild_query(query) {
        Ok(q) => q,
        Err(d) => return d,
    };
    let mut content_type = None;
    if method == "POST" {
        let ct = r.content_type.unwrap_or("").trim();
        let media = ct.split(';').next().unwrap_or("").trim().to_ascii_lowercase();
        match media.as_str() {
            "application/json" => {}
            "multipart/form-data" if r.client_header => {}
            "multipart/form-data" => {
                return refuse(403, "Forbidden: a multipart upload must carry the X-Deapi-Client header (the SDK sends it; a cross-site form cannot)");
            }
            _ => return refuse(415, "Unsupported Media Type: the deAPI proxy forwards JSON bodies and multipart uploads only"),
        }
        content_type = Some(ct.to_owned());
        match r.content_length.map(content_length) {
            Some(Some(n)) if n > cfg.max_request_bytes => return too_large(cfg),
            Some(None) => return refuse(400, "Bad Request: Content-Length is not a number"),
            _ => {}
        }
    }
    let url = [cfg.client.base_url.as_str(), &upstream, &query].concat();
    Decision::Forward(Box::new(Forward { method, url, path: upstream, operation, submission, content_type, cors }))
}

/// A `Content-Length` value: at most 15 decimal digits ([`digits`]).
pub fn content_length(v: &str) -> Option<f64> {
    let v = v.trim();
    digits(v).filter(|_| v.len() <= 15)
}

/// 413: the body is over `maxRequestBytes` (found from `Content-Length`, or while reading).
pub fn too_large(cfg: &ProxyConfig) -> Decision {
    refuse(413, &["Payload Too Large: the request body is over the proxy's maxRequestBytes (", &dec(cfg.max_request_bytes as u64), " bytes)"].concat())
}

fn preflight(cfg: &ProxyConfig, r: &Incoming) -> Decision {
    let origin = r.origin.map(|o| o.trim().to_ascii_lowercase()).filter(|o| cfg.allowed_origins.contains(o));
    let method_ok = matches!(r.preflight_method.map(str::trim), Some("GET" | "POST"));
    let headers = r.preflight_headers.unwrap_or("").trim();
    let headers_ok = headers.bytes().all(|b| b.is_ascii_alphanumeric() || b"-_, ".contains(&b));
    match origin {
        Some(origin) if method_ok && headers_ok => Decision::Preflight { origin, allow_headers: headers.to_owned() },
        _ => refuse(403, "Forbidden: a CORS preflight from an origin that is not in allowedOrigins"),
    }
}

/// The JSON body of a refusal or of an upstream failure: `{"message": …}`, as deAPI's errors.
pub fn message_body(message: &str) -> String {
    let mut out = String::with_capacity(message.len() + 16);
    out.push_str("{\"message\":\"");
    for c in message.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if (c as u32) < 0x20 => out.push(' '),
            c => out.push(c),
        }
    }
    out.push_str("\"}");
    out
}

/// The headers of deAPI's answer that reach the browser (its body's type, the retry and rate-limit
/// headers the client reads); nothing else (no cookies, no server details).
pub fn forwarded_response_header(name: &str) -> bool {
    let n = name.to_ascii_lowercase();
    n == "content-type" || n == "retry-after" || n.starts_with("x-ratelimit-")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::test_util::j;

    fn cfg(extra: &str) -> ProxyConfig {
        let text = ["{\"apiKey\":\"1|proxySecret123\",\"baseUrl\":\"https://api.test\"", extra, "}"].concat();
        parse_proxy_options(&j(&text), &[]).unwrap()
    }
    fn req<'a>(method: &'a str, url: &'a str) -> Incoming<'a> {
        Incoming { method, url, fetch_site: Some("same-origin"), content_type: Some("application/json"), ..Default::default() }
    }
    fn forward(d: Decision) -> Forward {
        match d {
            Decision::Forward(f) => *f,
            other => panic!("not forwarded: {other:?}"),
        }
    }
    fn status(d: Decision) -> u16 {
        match d {
            Decision::Refuse(r) => r.status,
            other => panic!("not refused: {other:?}"),
        }
    }

    #[test]
    fn options() {
        let c = cfg("");
        assert_eq!((c.prefix.as_str(), c.client.base_url.as_str(), c.max_request_bytes), ("/api/deapi", "https://api.test", DEFAULT_MAX_REQUEST_BYTES));
        assert_eq!(cfg(",\"prefix\":\"/\"").prefix, "");
        assert_eq!(cfg(",\"allowedOrigins\":[\"https://App.example/\"]").allowed_origins, ["https://app.example"]);
        let err = |text: &str, fns: &[String]| parse_proxy_options(&j(text), fns).unwrap_err().message.clone();
        assert!(err("{}", &[]).contains("`apiKey`: is required"));
        assert!(err(r#"{"apiKey":"k","prefix":"api"}"#, &[]).contains("`prefix`"));
        assert!(err(r#"{"apiKey":"k","prefix":"/a/../b"}"#, &[]).contains("`prefix`"));
        assert!(err(r#"{"apiKey":"k","allowedOrigins":["*"]}"#, &[]).contains("every website"));
        assert!(err(r#"{"apiKey":"k","allowedOrigins":"https://a.example"}"#, &[]).contains("`allowedOrigins`"));
        assert!(err(r#"{"apiKey":"k","allowedOrigins":["https://a.example/path"]}"#, &[]).contains("not an origin"));
        assert!(err(r#"{"apiKey":"k","authorize":true}"#, &[]).contains("`authorize`: must be a function"));
        assert!(err(r#"{"apiKey":"k","headers":{}}"#, &[]).contains("unknown createProxy option"));
        assert!(err(r#"{"apiKey":"k","maxRequestBytes":-1}"#, &[]).contains("`maxRequestBytes`"));
        assert!(err(r#"{"apiKey":"k","timeoutMs":0}"#, &[]).contains("`timeoutMs`"));
        assert!(err(r#"{"apiKey":"k"}"#, &["prefix".to_owned()]).contains("got a function"));
        // the key is checked as a client's is, and never shown
        let e = err(r#"{"apiKey":"1|has space"}"#, &[]);
        assert!(e.contains("`apiKey`") && !e.contains("has space"));
    }

    #[test]
    fn operations_go_to_the_same_path_upstream() {
        let c = cfg("");
        let f = forward(decide(&c, &req("POST", "http://app.test/api/deapi/api/v2/images/generations")));
        assert_eq!((f.method, f.url.as_str(), f.operation.as_str(), f.submission), ("POST", "https://api.test/api/v2/images/generations", "images.generate", true));
        let f = forward(decide(&c, &req("POST", "http://app.test/api/deapi/api/v1/client/txt2img/price-calculation")));
        assert_eq!((f.operation.as_str(), f.submission), ("images.generatePrice", false));
        let f = forward(decide(&c, &req("POST", "http://app.test/api/deapi/api/v1/client/vid2txt")));
        assert_eq!(f.operation, "audio.transcribe");
        let f = forward(decide(&c, &req("GET", "http://app.test/api/deapi/api/v2/models?limit=50&filter%5Binference_types%5D=txt2img,img2img")));
        assert_eq!(f.url, "https://api.test/api/v2/models?limit=50&filter%5Binference_types%5D=txt2img%2Cimg2img");
        let f = forward(decide(&c, &req("GET", "http://app.test/api/deapi/api/v2/jobs/7f0c1d2e-0000-4000-8000-00000000c0de")));
        assert_eq!((f.operation.as_str(), f.path.as_str()), ("jobs.get", "/api/v2/jobs/7f0c1d2e-0000-4000-8000-00000000c0de"));
        assert_eq!(forward(decide(&c, &req("GET", "http://app.test/api/deapi/api/v1/client/balance"))).operation, "account.balance");
        assert_eq!(forward(decide(&c, &req("POST", "http://app.test/api/deapi/broadcasting/auth"))).url, "https://api.test/broadcasting/auth");
        // a query's `+` is a space, and stays one
        assert!(forward(decide(&c, &req("GET", "http://app.test/api/deapi/api/v2/models?q=a+b"))).url.ends_with("?q=a%20b"));
        // mounted at the root
        let root = cfg(",\"prefix\":\"\"");
        assert_eq!(forward(decide(&root, &req("GET", "http://app.test/api/v2/account/balance"))).url, "https://api.test/api/v2/account/balance");
    }

    #[test]
    fn only_deapi_operations_pass() {
        let c = cfg("");
        for (method, url, want) in [
            ("GET", "http://app.test/other", 404),
            ("GET", "http://app.test/api/deapix/api/v2/models", 404),
            ("GET", "http://app.test/api/deapi/api/v2/", 400),
            ("GET", "http://app.test/api/deapi/api/v3/models", 404),
            ("GET", "http://app.test/api/deapi/admin", 404),
            ("GET", "http://app.test/api/deapi/api/v2/jobs/%2e%2e", 400),
            ("GET", "http://app.test/api/deapi/api/v2/jobs/.", 400),
            ("GET", "http://app.test/api/deapi/api/v2/jobs/..%2F..%2Fadmin", 400),
            ("GET", "http://app.test/api/deapi/api/v2/jobs/a%5Cb", 400),
            ("GET", "http://app.test/api/deapi/api/v2//models", 400),
            ("GET", "http://app.test/api/deapi/api/v2/jobs/a%zz", 400),
            ("GET", "http://app.test/api/deapi/api/v2/jobs/a%00b", 400),
            ("GET", "http://app.test/api/deapi/api/v2/jobs/a%20b", 404),
            ("GET", "http://app.test/api/deapi/api/v2/images/generations", 405),
            ("POST", "http://app.test/api/deapi/api/v2/account/balance", 405),
            ("HEAD", "http://app.test/api/deapi/api/v2/models", 405),
            ("PUT", "http://app.test/api/deapi/api/v2/images/generations", 405),
            ("DELETE", "http://app.test/api/deapi/api/v2/jobs/x", 405),
            ("GET", "/api/deapi/api/v2/models", 400),
        ] {
            assert_eq!(status(decide(&c, &req(method, url))), want, "{method} {url}");
        }
        // %252e stays what it is: one decoding, then re-encoded
        let f = forward(decide(&c, &req("GET", "http://app.test/api/deapi/api/v2/models?x=%252e")));
        assert!(f.url.ends_with("?x=%252e"), "{}", f.url);
    }

    #[test]
    fn other_sites_cannot_use_it() {
        let c = cfg(",\"allowedOrigins\":[\"https://app.example\"]");
        let url = "http://app.test/api/deapi/api/v2/images/generations";
        let with = |origin: Option<&'static str>, site: Option<&'static str>| Incoming { origin, fetch_site: site, ..req("POST", url) };
        // the browser's word: same-origin passes, even behind a TLS-terminating proxy (Origin https://…, URL http://…)
        assert!(matches!(decide(&c, &with(Some("https://app.test"), Some("same-origin"))), Decision::Forward(_)));
        assert_eq!(status(decide(&c, &with(Some("https://evil.example"), Some("cross-site")))), 403);
        assert_eq!(status(decide(&c, &with(Some("https://sub.app.test"), Some("same-site")))), 403);
        assert_eq!(status(decide(&c, &with(None, Some("none")))), 403, "a POST is never a typed-in navigation");
        // without fetch metadata: Origin must be the request's own
        assert!(matches!(decide(&c, &with(Some("http://app.test"), None)), Decision::Forward(_)));
        assert_eq!(status(decide(&c, &with(Some("https://evil.example"), None))), 403);
        assert_eq!(status(decide(&c, &with(Some("null"), None))), 403);
        // no Origin, no Sec-Fetch-Site: not a browser page (the authorize hook decides)
        assert!(matches!(decide(&c, &with(None, None)), Decision::Forward(_)));
        // an allowed other origin gets CORS headers
        assert_eq!(forward(decide(&c, &with(Some("https://App.example"), Some("cross-site")))).cors.as_deref(), Some("https://app.example"));
        // preflights
        let pre = |origin, method| Incoming { origin: Some(origin), preflight_method: Some(method), preflight_headers: Some("content-type,x-deapi-client"), ..req("OPTIONS", url) };
        assert!(matches!(decide(&c, &pre("https://app.example", "POST")), Decision::Preflight { .. }));
        assert_eq!(status(decide(&c, &pre("https://evil.example", "POST"))), 403);
        assert_eq!(status(decide(&c, &pre("https://app.example", "DELETE"))), 403);
    }

    #[test]
    fn only_bodies_a_page_cannot_forge() {
        let c = cfg(",\"maxRequestBytes\":1000");
        let url = "http://app.test/api/deapi/api/v2/images/upscales";
        let with = |ct: Option<&'static str>, client_header: bool| Incoming { content_type: ct, client_header, ..req("POST", url) };
        assert!(matches!(decide(&c, &with(Some("application/json; charset=utf-8"), false)), Decision::Forward(_)));
        assert_eq!(forward(decide(&c, &with(Some("multipart/form-data; boundary=x"), true))).content_type.as_deref(), Some("multipart/form-data; boundary=x"));
        assert_eq!(status(decide(&c, &with(Some("multipart/form-data; boundary=x"), false))), 403);
        assert_eq!(status(decide(&c, &with(Some("application/x-www-form-urlencoded"), true))), 415);
        assert_eq!(status(decide(&c, &with(Some("text/plain"), true))), 415);
        assert_eq!(status(decide(&c, &with(None, true))), 415);
        let big = Incoming { content_length: Some("1001"), ..with(Some("application/json"), false) };
        assert_eq!(status(decide(&c, &big)), 413);
        let odd = Incoming { content_length: Some("ten"), ..with(Some("application/json"), false) };
        assert_eq!(status(decide(&c, &odd)), 400);
        assert_eq!((content_length(" 1000 "), content_length("1e3"), content_length("-1"), content_length("")), (Some(1000.0), None, None, None));
    }

    #[test]
    #[cfg(feature = "relay")]
    fn events_path_with_the_realtime_option() {
        let id = "7f0c1d2e-0000-4000-8000-00000000c0de";
        let url = ["http://app.test/api/deapi/events/", id].concat();
        // without `realtime`: not a deAPI operation, as before
        assert_eq!(status(decide(&cfg(""), &req("GET", &url))), 404);
        let c = cfg(",\"realtime\":{\"clientId\":\"42\"},\"allowedOrigins\":[\"https://app.example\"]");
        assert!(c.relay && c.client.realtime.as_ref().is_some_and(|r| r.client_id.as_deref() == Some("42")));
        match decide(&c, &req("GET", &[url.as_str(), "?x=1"].concat())) {
            Decision::Relay(e) => assert_eq!((e.request_id.as_str(), e.path.as_str(), e.cors), (id, ["/events/", id].concat().as_str(), None)),
            other => panic!("{other:?}"),
        }
        // a relay without a clientId (the wait polls) is still a relay
        assert!(cfg(",\"realtime\":{}").relay);
        assert!(!cfg(",\"realtime\":null").relay);
        for (method, url, want) in [
            ("POST", url.as_str(), 405),
            ("GET", "http://app.test/api/deapi/events/a%20b", 400),
            ("GET", "http://app.test/api/deapi/events/a/b", 400),
            ("GET", "http://app.test/api/deapi/events/..", 400),
            ("GET", "http://app.test/api/deapi/events", 404),
            ("GET", "http://app.test/elsewhere/events/abc", 404),
        ] {
            assert_eq!(status(decide(&c, &req(method, url))), want, "{method} {url}");
        }
        // the same origin checks as every path: other sites refused, allowed ones get CORS
        let from = |origin: &'static str, site: &'static str| Incoming { origin: Some(origin), fetch_site: Some(site), ..req("GET", &url) };
        assert_eq!(status(decide(&c, &from("https://evil.example", "cross-site"))), 403);
        match decide(&c, &from("https://app.example", "cross-site")) {
            Decision::Relay(e) => assert_eq!(e.cors.as_deref(), Some("https://app.example")),
            other => panic!("{other:?}"),
        }
        // its options are checked as a client's, functions nested in it included
        let err = |text: &str, fns: &[String]| parse_proxy_options(&j(text), fns).unwrap_err().message.clone();
        assert!(err(r#"{"apiKey":"1|proxySecret123","realtime":{"clientId":""}}"#, &[]).contains("`realtime.clientId`"));
        assert!(err(r#"{"apiKey":"1|proxySecret123","realtime":"42"}"#, &[]).contains("`realtime`"));
        assert!(err(r#"{"apiKey":"1|proxySecret123","realtime":{"clientId":"42"}}"#, &["realtime.nope".to_owned()]).contains("`realtime.nope`"));
        let text = r#"{"apiKey":"1|proxySecret123","realtime":{"clientId":"42"}}"#;
        assert!(parse_proxy_options(&j(text), &["realtime.WebSocket".to_owned()]).unwrap().client.realtime.unwrap().web_socket);
    }

    #[test]
    fn messages_are_json() {
        assert_eq!(message_body("a \"b\" \\ c\nd"), r#"{"message":"a \"b\" \\ c d"}"#);
        assert!(crate::core::json::parse_json(&message_body("é ✓")).is_some());
        assert!(forwarded_response_header("X-RateLimit-Remaining") && forwarded_response_header("Retry-After"));
        assert!(!forwarded_response_header("set-cookie") && !forwarded_response_header("server"));
    }
}
