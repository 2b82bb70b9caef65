//! Client options (pure): validation of everything `new DeapiClient(options)` accepts that is
//! data. Function-valued options (`fetch`, hooks) are kept by the binding; `Session::create` checks
//! that each of them is a function ([`FUNCTION_OPTIONS`]) and tells this parser their names.


use crate::core::api::{ApiVersion, DEFAULT_BASE_URL};
use crate::core::error::{key_parts, ApiError, Kind};
use crate::core::json::Json;
use crate::core::url::{is_loopback, url_problem, UrlProblem};
use crate::core::text::{dec, find_str};
#[cfg(feature = "realtime-relay")]
use crate::core::realtime;
use crate::core::realtime::RealtimeConfig;
use crate::core::retry::RetryPolicy;

/// Per-attempt timeout default.
pub const DEFAULT_TIMEOUT_MS: f64 = 30_000.0;
/// Largest timer delay JS honours (2^31 - 1 ms); longer values fire at once.
pub const MAX_TIMER_MS: f64 = 2_147_483_647.0;

/// Options that hold functions or objects the JS layer keeps; listed so they are not "unknown".
/// (`quotaStore`: an object with methods, which the binding checks and keeps; it turns the scheduler on.
/// Servers only: in the browser module `Session::create` refuses it, saying so.)
#[cfg(feature = "fleet")]
pub const FUNCTION_OPTIONS: &[&str] = &["fetch", "onRequest", "onResponse", "onRetry", "onError", "quotaStore"];
#[cfg(not(feature = "fleet"))]
pub const FUNCTION_OPTIONS: &[&str] = &["fetch", "onRequest", "onResponse", "onRetry", "onError"];
const DATA_OPTIONS: &[&str] = &[
    "apiKey",
    "baseUrl",
    "apiVersion",
    "timeoutMs",
    "maxRetries",
    "retryBaseDelayMs",
    "maxRetryAfterMs",
    "retrySubmissions",
    "headers",
    "dangerouslyAllowBrowser",
    "allowInsecureHttp",
    "validate",
    "schedule",
    "maxConcurrency",
    "rateLimitWindowMs",
    "maxResponseBytes",
    "realtime",
];

#[derive(Clone, Debug, PartialEq)]
pub struct Config {
    pub api_key: Option<String>,
    /// Without a trailing slash.
    pub base_url: String,
    pub version: ApiVersion,
    pub timeout_ms: f64,
    pub retry: RetryPolicy,
    pub headers: Vec<(String, String)>,
    /// Check params client-side before every submit and price request.
    pub validate: bool,
    /// The client-side scheduler's concurrency cap (`schedule: true` / `maxConcurrency`), if on.
    pub max_concurrency: Option<u32>,
    /// Length of deAPI's rate-limit window (a minute; other values for tests or a proxy).
    pub window_ms: f64,
    /// Most bytes of a response body read (`maxResponseBytes`): a larger `Content-Length` is refused
    /// before the body is read, and reading stops as soon as the count passes it.
    pub max_response_bytes: f64,
    /// The `realtime` option ([`crate::core::realtime::parse`]): `None` when off (waits poll).
    pub realtime: Option<RealtimeConfig>,
}

/// The defaults of every option.
impl Default for Config {
    fn default() -> Self {
        Config {
            api_key: None,
            base_url: DEFAULT_BASE_URL.to_owned(),
            version: ApiVersion::V2,
            timeout_ms: DEFAULT_TIMEOUT_MS,
            retry: RetryPolicy::default(),
            headers: Vec::new(),
            validate: false,
            max_concurrency: None,
            window_ms: DEFAULT_WINDOW_MS,
            max_response_bytes: DEFAULT_MAX_RESPONSE_BYTES,
            realtime: None,
        }
    }
}

impl Config {
    /// What must never leave the client in an error (for [`ApiError::finish`]), longest first: the
    /// API key and its secret half; the value of every secret header ([`is_secret_header`]) and,
    /// when it has a scheme (`Bearer <token>`), the token on its own (and its secret half when it is
    /// a deAPI key); of a `Cookie`, each cookie's value of 8 bytes or more as well (shorter ones would
    /// match noise, as a short secret half would).
    pub fn secrets(&self) -> Vec<&str> {
        let mut out: Vec<&str> = Vec::new();
        if let Some(k) = &self.api_key {
            key_parts(k).for_each(|p| out.push(p));
        }
        for (name, value) in &self.headers {
            if !is_secret_header(name) {
                continue;
            }
            out.push(value);
            if name.eq_ignore_ascii_case("cookie") {
                for cookie in value.split(';') {
                    if let Some((_, v)) = cookie.split_once('=').filter(|(_, v)| v.trim().len() >= 8) {
                        out.push(v.trim());
                    }
                }
            } else if let Some((_, token)) = value.trim().split_once(' ') {
                key_parts(token.trim()).for_each(|p| out.push(p));
            }
        }
        // longest first, so a secret that holds another goes whole (an insertion sort: a handful of
        // items, and the standard sorts would add kilobytes to the module)
        for i in 1..out.len() {
            let mut j = i;
            while j > 0 && out.get(j - 1).map(|s| s.len()) < out.get(j).map(|s| s.len()) {
                out.swap(j - 1, j);
                j -= 1;
            }
        }
        out.dedup();
        out
    }
}

/// `maxResponseBytes` by default: 16 MiB (deAPI's answers are kilobytes; a models page of 50 models
/// is about 60 KiB).
pub const DEFAULT_MAX_RESPONSE_BYTES: f64 = 16_777_216.0;
/// `maxResponseBytes`' range: 1 KiB to 256 MiB. The top keeps a body, its decoded strings and the
/// JS strings made of them within wasm32's 4 GiB and V8's longest string (2^29 − 24 UTF-16 units).
pub const MIN_RESPONSE_BYTES: f64 = 1024.0;
pub const MAX_RESPONSE_BYTES: f64 = 268_435_456.0;

/// deAPI's rate-limit window (`rateLimitWindowMs`).
pub const DEFAULT_WINDOW_MS: f64 = 60_000.0;

/// Concurrency cap of `schedule: true` without `maxConcurrency`.
pub const DEFAULT_CONCURRENCY: u32 = 6;

/// Where the client runs, for the browser key guard.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Runtime {
    Browser,
    Server,
}

fn bad(name: &str, problem: &str) -> ApiError {
    ApiError::invalid_option(name, problem)
}

/// Is a request header named `name` a secret — its value shown as `[REDACTED]` to hooks and removed
/// from every error? `Authorization`, `Proxy-Authorization`, `Cookie`, and every name that contains
/// (in any case) `key`, `token`, `secret`, `auth` or `session` (`X-Api-Key`, `X-Auth-Token`,
/// `X-Session-Id`). A harmless name caught by the rule (`X-Monkey`) is only shown redacted.
pub fn is_secret_header(name: &str) -> bool {
    let lower = name.to_ascii_lowercase();
    lower == "cookie" || ["key", "token", "secret", "auth", "session"].iter().any(|w| find_str(&lower, w, 0).is_some())
}

/// Header names the runtime writes itself (framing and routing): refused in `headers`.
const RUNTIME_HEADERS: [&str; 5] = ["host", "content-length", "transfer-encoding", "connection", "upgrade"];

/// Validate the data options. `options` is the options object with function values already
/// removed (their names are in `function_keys`; a function nested in `realtime` is named
/// `realtime.<key>`, e.g. `realtime.WebSocket`).
pub fn parse_options(options: &Json, function_keys: &[String], runtime: Runtime) -> Result<Config, ApiError> {
    let pairs: &[(String, Json)] = match options {
        Json::Obj(p) => p,
        Json::Null => &[],
        other => {
            return Err(ApiError::new(
                Kind::InvalidOptions,
                ["DeapiClient options must be an object, got ", other.type_name()].concat(),
            ))
        }
    };
    for (k, v) in pairs {
        if !DATA_OPTIONS.contains(&k.as_str()) && !FUNCTION_OPTIONS.contains(&k.as_str()) && !v.is_null() {
            return Err(bad(k, "unknown option (check its spelling; options are camelCase, e.g. `apiKey`)"));
        }
    }
    let mut realtime_functions: Vec<&str> = Vec::new();
    for k in function_keys {
        if let Some(inner) = k.strip_prefix("realtime.") {
            realtime_functions.push(inner);
        } else if !FUNCTION_OPTIONS.contains(&k.as_str()) {
            return Err(bad(k, "expected a value, got a function"));
        }
    }
    let get = |name: &str| options.get(name).filter(|v| !v.is_null());

    let api_key = match get("apiKey") {
        None => None,
        Some(Json::Str(k)) => {
            let k = k.trim();
            if k.is_empty() {
                return Err(bad("apiKey", "must not be empty"));
            }
            if k.chars().any(|c| c.is_control() || c == ' ') {
                return Err(bad("apiKey", "contains spaces or control characters; copy the key again from your deAPI dashboard"));
            }
            Some(k.to_owned())
        }
        Some(other) => return Err(bad("apiKey", &["must be a string, got ", other.type_name()].concat())),
    };

    let base_url = match get("baseUrl") {
        None => None,
        Some(Json::Str(u)) => {
            let u = u.trim().trim_end_matches('/');
            match url_problem(u, runtime == Runtime::Browser) {
                Some(UrlProblem::Shape) if !(u.is_empty() && runtime == Runtime::Browser) => {
                    return Err(bad(
                        "baseUrl",
                        "must be an absolute http(s) URL such as https://api.deapi.ai (in a browser, a path such as /api/deapi for a same-origin proxy)",
                    ))
                }
                Some(UrlProblem::Credentials) => {
                    return Err(bad("baseUrl", "must not carry credentials (user:password@): they would show in error messages; send them in `headers`"))
                }
                _ => {}
            }
            Some(u.to_owned())
        }
        Some(other) => return Err(bad("baseUrl", &["must be a string, got ", other.type_name()].concat())),
    };

    let version = match get("apiVersion").map(|v| v.as_str()) {
        None | Some(Some("v2")) => ApiVersion::V2,
        Some(Some("v1")) => ApiVersion::V1,
        Some(_) => return Err(bad("apiVersion", "must be \"v2\" or \"v1\"")),
    };

    let number = |name: &str, default: f64, min: f64, max: f64, integer: bool| -> Result<f64, ApiError> {
        match get(name) {
            None => Ok(default),
            Some(Json::Num(n)) if n.is_finite() && *n >= min && *n <= max && (!integer || n.fract() == 0.0) => Ok(*n),
            Some(_) => {
                let kind = if integer { "an integer" } else { "a number" };
                Err(bad(name, &["must be ", kind, " from ", &dec(min as u64), " to ", &dec(max as u64)].concat()))
            }
        }
    };
    let timeout_ms = number("timeoutMs", DEFAULT_TIMEOUT_MS, 1.0, MAX_TIMER_MS, false)?;
    let max_retries = number("maxRetries", 3.0, 0.0, MAX_RETRIES, true)? as u32;
    let base_delay_ms = number("retryBaseDelayMs", 1000.0, 0.0, MAX_TIMER_MS, false)?;
    let max_retry_after_ms = number("maxRetryAfterMs", 60_000.0, 0.0, MAX_TIMER_MS, false)?;

    let boolean = |name: &str, default: bool| match get(name) {
        None => Ok(default),
        Some(Json::Bool(b)) => Ok(*b),
        Some(_) => Err(bad(name, "must be true or false")),
    };
    let retry_submissions = boolean("retrySubmissions", true)?;
    let allow_browser = boolean("dangerouslyAllowBrowser", false)?;
    let allow_http = boolean("allowInsecureHttp", false)?;
    let validate = boolean("validate", false)?;
    let window_ms = number("rateLimitWindowMs", DEFAULT_WINDOW_MS, 1.0, MAX_TIMER_MS, false)?;
    let max_response_bytes = number("maxResponseBytes", DEFAULT_MAX_RESPONSE_BYTES, MIN_RESPONSE_BYTES, MAX_RESPONSE_BYTES, true)?;
    // a quota store (checked by the binding) makes the scheduler's per-bucket quota fleet-wide: it is on
    #[cfg(feature = "fleet")]
    let schedule = boolean("schedule", false)? || function_keys.iter().any(|k| k == "quotaStore");
    #[cfg(not(feature = "fleet"))]
    let schedule = boolean("schedule", false)?;
    let max_concurrency = match get("maxConcurrency") {
        None => schedule.then_some(DEFAULT_CONCURRENCY),
        Some(_) => Some(number("maxConcurrency", 0.0, 1.0, 256.0, true)? as u32),
    };

    let mut headers = Vec::new();
    match get("headers") {
        None => {}
        Some(Json::Obj(pairs)) => {
            for (name, value) in pairs {
                let valid_name = !name.is_empty() && name.bytes().all(|b| b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b));
                if !valid_name {
                    return Err(bad("headers", &["`", name, "` is not a valid header name"].concat()));
                }
                let value = match value {
                    Json::Str(s) if !s.contains(['\r', '\n']) => s.clone(),
                    Json::Null => continue,
                    _ => return Err(bad("headers", &["the value of `", name, "` must be a single-line string"].concat())),
                };
                // HTTP sends header values as bytes: tab, visible ASCII and Latin-1 only (as fetch's
                // ByteString and Node's checks; caught here, not as a connection failure per attempt)
                if !value.chars().all(|c| c == '\t' || (' '..='~').contains(&c) || ('\u{80}'..='\u{ff}').contains(&c)) {
                    return Err(bad("headers", &["the value of `", name, "` has a character HTTP headers cannot carry (control characters, or text beyond Latin-1: percent-encode it)"].concat()));
                }
                if name.eq_ignore_ascii_case("content-type") {
                    return Err(bad("headers", "must not set Content-Type: the SDK sets it per request (JSON, or multipart with its boundary)"));
                }
                if RUNTIME_HEADERS.iter().any(|h| name.eq_ignore_ascii_case(h)) {
                    return Err(bad("headers", &["must not set ", name, ": the runtime writes it"].concat()));
                }
                if name.eq_ignore_ascii_case("authorization") && api_key.is_some() {
                    return Err(bad("headers", "sets Authorization and `apiKey` is set too; use one of them"));
                }
                headers.push((name.clone(), value));
            }
        }
        Some(_) => return Err(bad("headers", "must be an object of header names to string values")),
    }

    if api_key.is_none() && base_url.is_none() {
        return Err(bad(
            "apiKey",
            match runtime {
                Runtime::Browser => "is missing: in a browser, set `baseUrl` to a proxy on your server that adds the key (keyless proxy mode, e.g. baseUrl: \"/api/deapi\") rather than shipping the key to every visitor",
                Runtime::Server => "is required (pass `apiKey`, e.g. from process.env.DEAPI_API_KEY); to call a proxy that adds the key on the server, omit `apiKey` and set `baseUrl` to the proxy",
            },
        ));
    }
    // An Authorization header is a key too: the same browser guard, and the clear-text rule below.
    let authorization = headers.iter().any(|(name, _)| name.eq_ignore_ascii_case("authorization"));
    if (api_key.is_some() || authorization) && runtime == Runtime::Browser && !allow_browser {
        let (name, what) = if api_key.is_some() { ("apiKey", "") } else { ("headers", "sets Authorization, a key: ") };
        return Err(bad(
            name,
            &[what, "refused in a browser: anyone who opens the page can read the key. Keep the key on a server and point `baseUrl` at a proxy that adds it (keyless proxy mode), or pass `dangerouslyAllowBrowser: true` if you accept the risk"].concat(),
        ));
    }
    if let Some(u) = base_url.as_deref().filter(|u| u.starts_with("http://")) {
        if (api_key.is_some() || authorization) && !allow_http && !is_loopback(u) {
            let what = if api_key.is_some() { "`apiKey` is set" } else { "`headers` sets Authorization" };
            return Err(bad(
                "baseUrl",
                &["is http:// and ", what, ": the key would travel in clear text. Use https:// (or a loopback host: 127.0.0.1, [::1], localhost), or pass `allowInsecureHttp: true` if you trust the network"].concat(),
            ));
        }
    }

    #[cfg(feature = "realtime-relay")]
    let realtime = {
        let cx = realtime::Context {
            base_url: base_url.as_deref().unwrap_or(DEFAULT_BASE_URL),
            runtime,
            has_key: api_key.is_some() || authorization,
            allow_insecure: allow_http,
        };
        realtime::parse(get("realtime").unwrap_or(&Json::Null), &realtime_functions, cx)?
    };
    // (the browser module: not validated, off — see the `realtime` cargo feature)
    #[cfg(not(feature = "realtime-relay"))]
    let realtime: Option<RealtimeConfig> = {
        let _ = realtime_functions;
        None
    };

    Ok(Config {
        api_key,
        base_url: base_url.unwrap_or_else(|| DEFAULT_BASE_URL.to_owned()),
        version,
        timeout_ms,
        retry: RetryPolicy { max_retries, base_delay_ms, max_retry_after_ms, retry_submissions },
        headers,
        validate,
        max_concurrency,
        window_ms,
        max_response_bytes,
        realtime,
    })
}

/// Per-call options: `{ signal, timeoutMs }` (the signal is handled by the JS layer).
pub fn parse_call_timeout(options: &Json, default: f64) -> Result<f64, ApiError> {
    match options.get("timeoutMs") {
        None | Some(Json::Null) => Ok(default),
        Some(Json::Num(n)) if n.is_finite() && *n >= 1.0 && *n <= MAX_TIMER_MS => Ok(*n),
        Some(_) => Err(bad("timeoutMs", "must be a number of milliseconds from 1 to 2147483647")),
    }
}

/// Most retries the `maxRetries` option (the client's or a call's) may ask for.
pub const MAX_RETRIES: f64 = 10.0;

/// A call's `maxRetries`: an integer from 0 to 10, or `default` (the client's) when absent.
pub fn parse_call_retries(options: &Json, default: u32) -> Result<u32, ApiError> {
    match options.get("maxRetries") {
        None | Some(Json::Null) => Ok(default),
        Some(Json::Num(n)) if n.fract() == 0.0 && *n >= 0.0 && *n <= MAX_RETRIES => Ok(*n as u32),
        Some(_) => Err(bad("maxRetries", "must be an integer from 0 to 10")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::test_util::j;

    fn opts(text: &str) -> Result<Config, ApiError> {
        parse_options(&j(text), &[], Runtime::Server)
    }
    fn err(text: &str) -> String {
        let e = opts(text).unwrap_err();
        assert_eq!(e.kind, Kind::InvalidOptions);
        e.message.clone()
    }

    #[test]
    fn defaults() {
        let c = opts(r#"{"apiKey":"1|abc"}"#).unwrap();
        assert_eq!(c.api_key.as_deref(), Some("1|abc"));
        assert_eq!(c.base_url, "https://api.deapi.ai");
        assert_eq!(c.version, ApiVersion::V2);
        assert_eq!(c.timeout_ms, 30_000.0);
        assert_eq!(c.retry, RetryPolicy::default());
        assert_eq!(c.max_response_bytes, 16.0 * 1024.0 * 1024.0);
    }

    #[test]
    fn max_response_bytes_is_bounded() {
        assert_eq!(opts(r#"{"apiKey":"k","maxResponseBytes":1024}"#).unwrap().max_response_bytes, 1024.0);
        assert_eq!(opts(r#"{"apiKey":"k","maxResponseBytes":268435456}"#).unwrap().max_response_bytes, 268_435_456.0);
        for bad in ["1023", "268435457", "1e12", "2048.5", "-1", "\"16MiB\"", "true"] {
            let m = err(&format!(r#"{{"apiKey":"k","maxResponseBytes":{bad}}}"#));
            assert!(m.contains("`maxResponseBytes`: must be an integer from 1024 to 268435456"), "{bad}: {m}");
        }
    }

    #[test]
    fn every_option_is_read() {
        let c = opts(
            r#"{"apiKey":" 1|abc ","baseUrl":"http://127.0.0.1:9/","apiVersion":"v1","timeoutMs":500,"maxRetries":5,
               "retryBaseDelayMs":10,"maxRetryAfterMs":0,"retrySubmissions":false,"headers":{"X-App":"demo"},
               "dangerouslyAllowBrowser":false,"validate":true}"#,
        )
        .unwrap();
        assert_eq!(c.api_key.as_deref(), Some("1|abc"));
        assert_eq!(c.base_url, "http://127.0.0.1:9");
        assert_eq!(c.version, ApiVersion::V1);
        assert_eq!(c.timeout_ms, 500.0);
        assert_eq!(c.retry, RetryPolicy { max_retries: 5, base_delay_ms: 10.0, max_retry_after_ms: 0.0, retry_submissions: false });
        assert_eq!(c.headers, [("X-App".to_owned(), "demo".to_owned())]);
        assert!(c.validate);
        assert_eq!(c.max_concurrency, None);
        assert_eq!(opts(r#"{"apiKey":"k","schedule":true}"#).unwrap().max_concurrency, Some(DEFAULT_CONCURRENCY));
        assert_eq!(opts(r#"{"apiKey":"k","maxConcurrency":3}"#).unwrap().max_concurrency, Some(3));
        assert!(err(r#"{"apiKey":"k","maxConcurrency":0}"#).contains("`maxConcurrency`"));
        assert!(err(r#"{"apiKey":"k","schedule":"yes"}"#).contains("`schedule`"));
        // a quota store (its object kept by the binding) turns the scheduler on
        #[cfg(feature = "fleet")]
        let with_store = parse_options(&crate::core::json::parse_json(r#"{"apiKey":"k"}"#).unwrap(), &["quotaStore".to_owned()], Runtime::Server).unwrap();
        #[cfg(feature = "fleet")]
        assert_eq!(with_store.max_concurrency, Some(DEFAULT_CONCURRENCY));
    }

    #[test]
    fn bad_options_are_named() {
        assert!(err(r#"{"apikey":"x"}"#).contains("`apikey`: unknown option"));
        assert!(err(r#"{}"#).contains("`apiKey`: is required"));
        assert!(err(r#"{"apiKey":""}"#).contains("`apiKey`: must not be empty"));
        assert!(err(r#"{"apiKey":42}"#).contains("`apiKey`: must be a string, got number"));
        assert!(err(r#"{"apiKey":"a b"}"#).contains("`apiKey`"));
        assert!(err(r#"{"apiKey":"k","baseUrl":"api.deapi.ai"}"#).contains("`baseUrl`"));
        assert!(err(r#"{"apiKey":"k","apiVersion":"v3"}"#).contains("`apiVersion`"));
        assert!(err(r#"{"apiKey":"k","timeoutMs":0}"#).contains("`timeoutMs`"));
        assert!(err(r#"{"apiKey":"k","timeoutMs":"100"}"#).contains("`timeoutMs`"));
        assert!(err(r#"{"apiKey":"k","maxRetries":1.5}"#).contains("`maxRetries`: must be an integer from 0 to 10"));
        assert!(err(r#"{"apiKey":"k","maxRetries":11}"#).contains("`maxRetries`"));
        assert!(err(r#"{"apiKey":"k","retryBaseDelayMs":-1}"#).contains("`retryBaseDelayMs`"));
        assert!(err(r#"{"apiKey":"k","maxRetryAfterMs":true}"#).contains("`maxRetryAfterMs`"));
        assert!(err(r#"{"apiKey":"k","retrySubmissions":"no"}"#).contains("`retrySubmissions`: must be true or false"));
        assert!(err(r#"{"apiKey":"k","validate":1}"#).contains("`validate`"));
        assert!(err(r#"{"apiKey":"k","headers":[]}"#).contains("`headers`"));
        assert!(err(r#"{"apiKey":"k","headers":{"X-A":1}}"#).contains("`X-A` must be a single-line string"));
        assert!(err(r#"{"apiKey":"k","headers":{"X-A":"a\r\nb"}}"#).contains("`headers`"));
        assert!(err(r#"{"apiKey":"k","headers":{"Bad Name":"v"}}"#).contains("not a valid header name"));
        assert!(err(r#"{"apiKey":"k","headers":{"X-Name":"日本"}}"#).contains("`X-Name` has a character HTTP headers cannot carry"));
        assert!(err(r#"{"apiKey":"k","headers":{"X-Name":"a\u0000b"}}"#).contains("cannot carry"));
        assert!(opts(r#"{"apiKey":"k","headers":{"X-Name":"naïve\tq ~"}}"#).is_ok(), "Latin-1 and tabs are fine");
        let creds = err(r#"{"apiKey":"k","baseUrl":"https://user:s3cret@proxy.test/api"}"#);
        assert!(creds.contains("must not carry credentials") && !creds.contains("s3cret"), "{creds}");
        assert!(opts(r#"{"apiKey":"k","baseUrl":"https://proxy.test/a@b"}"#).is_ok(), "an @ in the path is not a credential");
        assert!(err(r#"{"apiKey":"k","headers":{"authorization":"Bearer x"}}"#).contains("use one of them"));
        assert!(err(r#"{"apiKey":"k","headers":{"content-type":"text/plain"}}"#).contains("must not set Content-Type"));
        let e = parse_options(&Json::str("k"), &[], Runtime::Server).unwrap_err();
        assert!(e.message.contains("must be an object, got string"));
        let e = parse_options(&j(r#"{"apiKey":"k"}"#), &["apiVersion".into()], Runtime::Server).unwrap_err();
        assert!(e.message.contains("`apiVersion`: expected a value, got a function"));
    }

    #[test]
    fn null_means_unset() {
        let c = opts(r#"{"apiKey":"k","baseUrl":null,"timeoutMs":null,"unknownButNull":null}"#).unwrap();
        assert_eq!(c.base_url, DEFAULT_BASE_URL);
    }

    #[test]
    fn browser_key_guard_and_proxy_mode() {
        let key = j(r#"{"apiKey":"1|abc"}"#);
        let e = parse_options(&key, &[], Runtime::Browser).unwrap_err();
        assert!(e.message.contains("refused in a browser") && e.message.contains("dangerouslyAllowBrowser"));
        let allowed = j(r#"{"apiKey":"1|abc","dangerouslyAllowBrowser":true}"#);
        assert!(parse_options(&allowed, &[], Runtime::Browser).is_ok());
        // keyless proxy mode: no key, a baseUrl (relative paths only in a browser)
        let proxy = j(r#"{"baseUrl":"/api/deapi"}"#);
        let c = parse_options(&proxy, &[], Runtime::Browser).unwrap();
        assert_eq!((c.api_key, c.base_url.as_str()), (None, "/api/deapi"));
        assert!(parse_options(&proxy, &[], Runtime::Server).is_err());
        let c = opts(r#"{"baseUrl":"https://my.app/deapi","headers":{"Authorization":"Session s"}}"#).unwrap();
        assert_eq!(c.headers.len(), 1);
    }

    #[test]
    fn secret_header_names() {
        for name in ["Authorization", "proxy-authorization", "Cookie", "COOKIE", "X-Api-Key", "x-auth-token", "X-Session-Id", "X-Client-Secret", "X-Token", "Apikey", "X-Monkey"] {
            assert!(is_secret_header(name), "{name}");
        }
        for name in ["Accept", "X-App", "X-Request-Id", "User-Agent", "Cookies-Policy-Version", "Content-Type", "X-Trace"] {
            assert!(!is_secret_header(name), "{name}");
        }
    }

    #[test]
    fn the_secrets_of_a_config() {
        let c = opts(r#"{"apiKey":"1|abcdefghij","headers":{"X-App":"demo","X-Api-Key":"k-value-1","Cookie":"theme=dark; sid=sessioncookie1","x-auth-token":"Bearer 2|tokensecret1"}}"#).unwrap();
        assert_eq!(c.secrets(), ["theme=dark; sid=sessioncookie1", "Bearer 2|tokensecret1", "sessioncookie1", "2|tokensecret1", "1|abcdefghij", "tokensecret1", "abcdefghij", "k-value-1"]);
        let c = opts(r#"{"baseUrl":"https://proxy.test","headers":{"Authorization":"Bearer tok"}}"#).unwrap();
        assert_eq!(c.secrets(), ["Bearer tok", "tok"], "the token alone too; \"dark\" (a short cookie value) and X-App are not secrets");
        assert!(opts(r#"{"apiKey":"1|short"}"#).unwrap().secrets() == ["1|short"]);
    }

    #[test]
    fn runtime_headers_are_refused() {
        for name in ["Host", "content-length", "Transfer-Encoding", "CONNECTION", "Upgrade"] {
            let m = err(&format!(r#"{{"apiKey":"k","headers":{{"{name}":"x"}}}}"#));
            assert!(m.contains("`headers`") && m.contains(&format!("must not set {name}")), "{m}");
        }
        assert!(opts(r#"{"apiKey":"k","headers":{"X-Host":"x","Keep":"y"}}"#).is_ok());
    }

    #[test]
    fn an_authorization_header_is_a_key_in_a_browser() {
        let o = j(r#"{"baseUrl":"/api/deapi","headers":{"authorization":"Bearer t0ken"}}"#);
        let e = parse_options(&o, &[], Runtime::Browser).unwrap_err();
        assert!(e.message.contains("`headers`: sets Authorization") && e.message.contains("refused in a browser") && e.message.contains("dangerouslyAllowBrowser: true"), "{}", e.message);
        assert!(!e.message.contains("t0ken"));
        let o = j(r#"{"baseUrl":"/api/deapi","headers":{"authorization":"Bearer t0ken"},"dangerouslyAllowBrowser":true}"#);
        assert!(parse_options(&o, &[], Runtime::Browser).is_ok());
        // other headers need no opt-in
        assert!(parse_options(&j(r#"{"baseUrl":"/api/deapi","headers":{"X-App":"a"}}"#), &[], Runtime::Browser).is_ok());
    }

    #[test]
    fn a_key_over_plain_http_is_refused_unless_loopback_or_allowed() {
        let m = err(r#"{"apiKey":"1|abc","baseUrl":"http://proxy.test/deapi"}"#);
        assert!(m.contains("`baseUrl`: is http:// and `apiKey` is set") && m.contains("clear text") && m.contains("allowInsecureHttp: true"), "{m}");
        let m = err(r#"{"baseUrl":"http://proxy.test/deapi","headers":{"Authorization":"Bearer t0ken"}}"#);
        assert!(m.contains("`headers` sets Authorization") && !m.contains("t0ken"), "{m}");
        for ok in [
            r#"{"apiKey":"1|abc","baseUrl":"http://127.0.0.1:8787"}"#,
            r#"{"apiKey":"1|abc","baseUrl":"http://localhost:3000/api"}"#,
            r#"{"apiKey":"1|abc","baseUrl":"http://[::1]:3000"}"#,
            r#"{"apiKey":"1|abc","baseUrl":"https://proxy.test"}"#,
            r#"{"apiKey":"1|abc","baseUrl":"http://proxy.test","allowInsecureHttp":true}"#,
            r#"{"baseUrl":"http://proxy.test/deapi"}"#,
            r#"{"baseUrl":"http://proxy.test/deapi","headers":{"X-App":"a"}}"#,
        ] {
            assert!(opts(ok).is_ok(), "{ok}");
        }
        assert!(err(r#"{"apiKey":"k","allowInsecureHttp":"yes"}"#).contains("`allowInsecureHttp`: must be true or false"));
    }

    #[test]
    fn call_timeout() {
        assert_eq!(parse_call_timeout(&Json::Null, 7.0).unwrap(), 7.0);
        assert_eq!(parse_call_timeout(&j(r#"{"timeoutMs":5}"#), 7.0).unwrap(), 5.0);
        assert!(parse_call_timeout(&j(r#"{"timeoutMs":-5}"#), 7.0).is_err());
    }

    #[test]
    #[cfg(feature = "realtime-relay")]
    fn realtime_is_parsed_with_its_nested_functions() {
        let off = opts(r#"{"apiKey":"1|abc"}"#).unwrap();
        assert_eq!(off.realtime, None, "absent: off, as before");
        let text = r#"{"apiKey":"1|abc","baseUrl":"https://api.example.com/api/x","realtime":{"clientId":42}}"#;
        let fns = ["realtime.WebSocket".to_owned()];
        let c = parse_options(&j(text), &fns, Runtime::Server).unwrap();
        let rt = c.realtime.unwrap();
        assert_eq!(rt.client_id.as_deref(), Some("42"));
        assert!(rt.web_socket, "the nested constructor is seen");
        assert_eq!(rt.auth_endpoint, "https://api.example.com/broadcasting/auth", "the origin of baseUrl");
        let e = parse_options(&j(r#"{"apiKey":"1|abc","realtime":{"clientId":""}}"#), &[], Runtime::Server).unwrap_err();
        assert!(e.message.contains("`realtime.clientId`"), "{}", e.message);
        let e = parse_options(&j(r#"{"apiKey":"1|abc","realtime":{"clientId":"1"}}"#), &["realtime.nope".to_owned()], Runtime::Server).unwrap_err();
        assert!(e.message.contains("`realtime.nope`"), "{}", e.message);
        // a key over http:// to another host is refused for the auth endpoint too
        let e = parse_options(&j(r#"{"apiKey":"1|abc","realtime":{"clientId":"1","authEndpoint":"http://example.com/auth"}}"#), &[], Runtime::Server).unwrap_err();
        assert!(e.message.contains("`realtime.authEndpoint`"), "{}", e.message);
    }
}
