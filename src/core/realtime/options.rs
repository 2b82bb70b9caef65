//! The `realtime` client options ([`parse`] → [`RealtimeConfig`]); where to connect ([`socket_url`]) and
//! what to subscribe to ([`channel`]).

use crate::core::config::Runtime;

use crate::core::url::{is_loopback, origin, url_problem, UrlProblem};
use crate::core::error::ApiError;
use crate::core::json::Json;
use crate::core::text::dec;

/// deAPI's soketi app (public key, the same for every account).
pub const DEFAULT_URL: &str = "wss://soketi.deapi.ai/app/depin-api-prod-key";
/// deAPI's broadcasting auth route, at the API root.
pub const AUTH_PATH: &str = "/broadcasting/auth";
/// `reconcileIntervalMs`: a job with no event for this long gets a status GET.
pub const DEFAULT_RECONCILE_MS: f64 = 10_000.0;
pub const MIN_RECONCILE_MS: f64 = 100.0;
pub const MAX_RECONCILE_MS: f64 = 3_600_000.0;
/// The Pusher protocol version this client speaks.
pub const PROTOCOL: u32 = 7;
/// The event deAPI broadcasts for every job of the account.
pub const STATUS_EVENT: &str = "request.status.updated";
/// Longest `clientId`.
pub const MAX_CLIENT_ID: usize = 64;

/// `realtime` options that hold functions the binding keeps (their names are the `function_keys`
/// of [`parse`]).
pub const FUNCTION_OPTIONS: &[&str] = &["WebSocket", "relay"];
const DATA_OPTIONS: &[&str] = &["clientId", "url", "authEndpoint", "reconcileIntervalMs", "relay"];

/// Where a keyless browser reads its own job's events.
#[derive(Clone, Debug, PartialEq)]
pub enum Relay {
    /// A URL template with `{requestId}`.
    Template(String),
    /// A function the binding keeps.
    Function,
}

/// The `realtime` options, validated.
#[derive(Clone, Debug, PartialEq)]
pub struct RealtimeConfig {
    /// `None` with a relay only (no socket of its own).
    pub client_id: Option<String>,
    /// The Pusher app URL, `ws(s)://host[:port]/app/<key>` (no query).
    pub url: String,
    /// The app key (the last path segment of `url`): the auth answer is signed for it.
    pub app_key: String,
    pub auth_endpoint: String,
    pub reconcile_interval_ms: f64,
    pub relay: Option<Relay>,
    /// A `WebSocket` constructor was given (else the runtime's global one).
    pub web_socket: bool,
}

/// What [`parse`] needs of the rest of the client's options.
#[derive(Clone, Copy, Debug)]
pub struct Context<'a> {
    /// The client's `baseUrl` (validated, without a trailing slash).
    pub base_url: &'a str,
    pub runtime: Runtime,
    /// An API key (or an Authorization header) is set: it goes to the auth endpoint.
    pub has_key: bool,
    /// `allowInsecureHttp: true`.
    pub allow_insecure: bool,
}

fn bad(field: &str, problem: &str) -> ApiError {
    ApiError::invalid_option(&["realtime.", field].concat(), problem)
}

/// The `realtime` option (`Json::Null` when absent) → `None` (off: waits poll) or the config.
/// `function_keys`: the names of `realtime`'s function-valued keys (`WebSocket`, `relay`), whose
/// values the binding removed from `value`.
///
/// Called by `config::parse_options` for `Config.realtime` (with the `realtime` cargo feature;
/// measured: linked into the browser module it costs 2.4 KiB gzip, the whole socket side 10.5 KiB,
/// over the issue's allowance, so the browser module leaves it out: README, Size).
pub fn parse(value: &Json, function_keys: &[&str], cx: Context) -> Result<Option<RealtimeConfig>, ApiError> {
    let pairs: &[(String, Json)] = match value {
        Json::Null | Json::Bool(false) => {
            if let Some(k) = function_keys.first() {
                return Err(bad(k, "is set but `realtime` is not an object"));
            }
            return Ok(None);
        }
        Json::Obj(p) => p,
        other => {
            return Err(ApiError::invalid_option(
                "realtime",
                &["must be an object such as { clientId: \"42\" } (the client ID from your deAPI dashboard), got ", other.type_name()].concat(),
            ))
        }
    };
    for (k, v) in pairs {
        if !DATA_OPTIONS.contains(&k.as_str()) && !FUNCTION_OPTIONS.contains(&k.as_str()) && !v.is_null() {
            return Err(bad(k, "unknown option (accepted: clientId, url, authEndpoint, reconcileIntervalMs, relay, WebSocket)"));
        }
    }
    for k in function_keys {
        if !FUNCTION_OPTIONS.contains(k) {
            return Err(bad(k, "expected a value, got a function"));
        }
    }
    let get = |name: &str| value.get(name).filter(|v| !v.is_null());
    let is_fn = |name: &str| function_keys.contains(&name);
    // the string options, trimmed (`None`: absent)
    let text = |name: &str| match get(name) {
        None => Ok(None),
        Some(Json::Str(s)) => Ok(Some(s.trim())),
        Some(other) => Err(bad(name, &["must be a string, got ", other.type_name()].concat())),
    };

    let client_id = match get("clientId") {
        Some(Json::Num(n)) if n.is_finite() && *n >= 0.0 && n.fract() == 0.0 && *n <= crate::core::json::MAX_SAFE_INTEGER => Some(dec(*n as u64)),
        Some(Json::Num(_)) => return Err(bad("clientId", "must be a whole number of 0 or more, or a string (the client ID from your deAPI dashboard)")),
        Some(Json::Str(_)) | None => match text("clientId")? {
            None => None,
            Some("") => return Err(bad("clientId", "must not be empty (the client ID from your deAPI dashboard, e.g. \"42\")")),
            Some(s) if s.len() > MAX_CLIENT_ID || !s.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-') => {
                return Err(bad("clientId", "must be the client ID from your deAPI dashboard: up to 64 letters, digits, `_` or `-` (e.g. \"42\")"))
            }
            Some(s) => Some(s.to_owned()),
        },
        Some(other) => return Err(bad("clientId", &["must be a string or a number, got ", other.type_name()].concat())),
    };

    if get("WebSocket").is_some() {
        return Err(bad("WebSocket", "must be a WebSocket constructor (e.g. `WebSocket` from the `ws` package on Node 20)"));
    }
    let relay = match text("relay") {
        _ if is_fn("relay") => Some(Relay::Function),
        Ok(None) => None,
        Ok(Some(t))
            if crate::core::text::find_str(t, "{requestId}", 0).is_some()
                && (t.starts_with("https://") || t.starts_with("http://") || t.starts_with('/'))
                && !t.contains(char::is_whitespace) =>
        {
            Some(Relay::Template(t.to_owned()))
        }
        _ => return Err(bad("relay", "must be a URL or a path holding {requestId}, such as \"/api/deapi/events/{requestId}\", or a function")),
    };

    let url = text("url")?.map_or(DEFAULT_URL, |u| u.trim_end_matches('/'));
    let Some(app_key) = app_key_of(url) else {
        return Err(bad("url", "must be a Pusher app URL ws(s)://host[:port]/app/<key> with no query, such as wss://soketi.deapi.ai/app/depin-api-prod-key"));
    };
    if let Some(rest) = url.strip_prefix("ws://") {
        if !cx.allow_insecure && !is_loopback(&["http://", rest].concat()) {
            return Err(bad("url", "is ws:// (clear text, and the events carry signed result URLs): use wss:// (or a loopback host), or pass `allowInsecureHttp: true` if you trust the network"));
        }
    }

    let auth_endpoint = match text("authEndpoint")? {
        // keyless proxy mode: `baseUrl` is the proxy, which serves the route under its own path
        // (`createProxy`'s `<prefix>/broadcasting/auth`)
        None if !cx.has_key => [cx.base_url, AUTH_PATH].concat(),
        None => [origin(cx.base_url), AUTH_PATH].concat(),
        Some(a) => {
            match url_problem(a, cx.runtime == Runtime::Browser) {
                Some(UrlProblem::Shape) => {
                    return Err(bad(
                        "authEndpoint",
                        "must be an absolute http(s) URL such as https://api.deapi.ai/broadcasting/auth (in a browser, a path such as /api/deapi/broadcasting/auth)",
                    ))
                }
                Some(UrlProblem::Credentials) => return Err(bad("authEndpoint", "must not carry credentials (user:password@)")),
                None => {}
            }
            a.to_owned()
        }
    };
    if auth_endpoint.starts_with("http://") && cx.has_key && !cx.allow_insecure && !is_loopback(&auth_endpoint) {
        return Err(bad(
            "authEndpoint",
            "is http:// and the key is sent there in clear text: use https:// (or a loopback host), or pass `allowInsecureHttp: true` if you trust the network",
        ));
    }

    let reconcile_interval_ms = match get("reconcileIntervalMs") {
        None => DEFAULT_RECONCILE_MS,
        Some(Json::Num(n)) if n.is_finite() && (MIN_RECONCILE_MS..=MAX_RECONCILE_MS).contains(n) => *n,
        Some(_) => return Err(bad("reconcileIntervalMs", "must be a number of milliseconds from 100 to 3600000")),
    };

    if client_id.is_none() && relay.is_none() {
        // off, as deAPI's tester runs without a client ID: waits poll
        return Ok(None);
    }
    Ok(Some(RealtimeConfig {
        client_id,
        url: url.to_owned(),
        app_key: app_key.to_owned(),
        auth_endpoint,
        reconcile_interval_ms,
        relay,
        web_socket: is_fn("WebSocket"),
    }))
}

/// The app key of `ws(s)://host[:port]/app/<key>`, when the URL is exactly that shape. (Byte
/// scans: no substring or char searcher, no integer parser.)
fn app_key_of(url: &str) -> Option<&str> {
    let rest = url.strip_prefix("wss://").or_else(|| url.strip_prefix("ws://"))?;
    let slash = rest.bytes().position(|b| b == b'/')?;
    let (authority, path) = (rest.get(..slash)?, rest.get(slash..)?);
    // `host:port`, unless the colon is inside an IPv6 host (`[::1]`) or the host would end with one
    let colon = authority.bytes().rposition(|b| b == b':');
    let (host, port) = match colon.and_then(|i| Some((authority.get(..i)?, authority.get(i + 1..)?))) {
        Some((h, p)) if !authority.ends_with(']') && !h.ends_with(':') && (!h.starts_with('[') || h.ends_with(']')) => (h, Some(p)),
        _ => (authority, None),
    };
    let host_ok = !host.is_empty() && host.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b'[' | b']' | b':'));
    let port_ok = port.is_none_or(|p| p.len() <= 5 && crate::core::text::digits(p).is_some_and(|n| (1.0..=65_535.0).contains(&n)));
    let key = path.strip_prefix("/app/")?;
    let key_ok = !key.is_empty() && key.len() <= 128 && key.bytes().all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'));
    (host_ok && port_ok && key_ok).then_some(key)
}

/// The URL the socket opens: the app URL with the query pusher-js sends.
pub fn socket_url(cfg: &RealtimeConfig) -> String {
    // (PROTOCOL written out: 7)
    [&cfg.url, "?protocol=7&client=deapi-wasm&version=", env!("CARGO_PKG_VERSION"), "&flash=false"].concat()
}

/// The account's private channel.
pub fn channel(client_id: &str) -> String {
    ["private-client.", client_id].concat()
}

// ───────────────────────────── frames in ─────────────────────────────

#[cfg(test)]
mod tests {
    use crate::core::realtime::test_support::*;

    #[test]
    fn options_and_defaults() {
        let c = rt(r#"{"clientId":"42"}"#).unwrap().unwrap();
        assert_eq!(c.client_id.as_deref(), Some("42"));
        assert_eq!((c.url.as_str(), c.app_key.as_str()), (DEFAULT_URL, "depin-api-prod-key"));
        assert_eq!(c.auth_endpoint, "https://api.deapi.ai/broadcasting/auth");
        assert_eq!(c.reconcile_interval_ms, 10_000.0);
        assert_eq!((c.relay, c.web_socket), (None, false));
        assert_eq!(rt(r#"{"clientId":42}"#).unwrap().unwrap().client_id.as_deref(), Some("42"));
        assert_eq!(rt(r#"{"clientId":" ab_C-9 "}"#).unwrap().unwrap().client_id.as_deref(), Some("ab_C-9"));
        // the auth route at the ORIGIN of baseUrl (not under its path)
        let c = parse(&j(r#"{"clientId":"7"}"#), &[], Context { base_url: "https://proxy.test:8443/t/deapi", ..cx() }).unwrap().unwrap();
        assert_eq!(c.auth_endpoint, "https://proxy.test:8443/broadcasting/auth");
        // keyless proxy mode: under the proxy's path (createProxy serves `<prefix>/broadcasting/auth`)
        let b = Context { base_url: "/api/deapi", runtime: Runtime::Browser, has_key: false, allow_insecure: false };
        let c = parse(&j(r#"{"clientId":"7"}"#), &[], b).unwrap().unwrap();
        assert_eq!(c.auth_endpoint, "/api/deapi/broadcasting/auth");
        let server = Context { base_url: "https://app.test/api/deapi", has_key: false, ..cx() };
        assert_eq!(parse(&j(r#"{"clientId":"7"}"#), &[], server).unwrap().unwrap().auth_endpoint, "https://app.test/api/deapi/broadcasting/auth");
        let c = parse(&j(r#"{"clientId":"7","authEndpoint":"/api/deapi/broadcasting/auth"}"#), &[], b).unwrap().unwrap();
        assert_eq!(c.auth_endpoint, "/api/deapi/broadcasting/auth");
        // everything given
        let c = rt(r#"{"clientId":"1","url":"ws://127.0.0.1:8080/app/test-key/","authEndpoint":"https://a.test/auth","reconcileIntervalMs":250,"relay":"/e/{requestId}"}"#).unwrap().unwrap();
        assert_eq!((c.url.as_str(), c.app_key.as_str(), c.auth_endpoint.as_str()), ("ws://127.0.0.1:8080/app/test-key", "test-key", "https://a.test/auth"));
        assert_eq!((c.reconcile_interval_ms, c.relay), (250.0, Some(Relay::Template("/e/{requestId}".into()))));
        // functions the binding keeps
        let c = parse(&j(r#"{"clientId":"1"}"#), &["WebSocket", "relay"], cx()).unwrap().unwrap();
        assert_eq!((c.web_socket, c.relay), (true, Some(Relay::Function)));
    }

    #[test]
    fn off_without_client_id_or_relay() {
        assert_eq!(rt("null").unwrap(), None);
        assert_eq!(rt("false").unwrap(), None);
        assert_eq!(rt("{}").unwrap(), None, "no clientId: waits poll, as deAPI's tester does");
        assert_eq!(rt(r#"{"clientId":null,"reconcileIntervalMs":500}"#).unwrap(), None);
        // but what is given is still checked
        assert!(err(r#"{"reconcileIntervalMs":5}"#).contains("`realtime.reconcileIntervalMs`"));
        // a relay alone is on (a keyless browser)
        let c = rt(r#"{"relay":"https://app.test/events/{requestId}"}"#).unwrap().unwrap();
        assert_eq!(c.client_id, None);
    }

    #[test]
    fn bad_options_are_named() {
        assert!(err("true").contains("`realtime`: must be an object"));
        assert!(err(r#""42""#).contains("`realtime`: must be an object"));
        assert!(err(r#"{"clientID":"42"}"#).contains("`realtime.clientID`: unknown option"));
        assert!(err(r#"{"clientId":""}"#).contains("`realtime.clientId`: must not be empty"));
        assert!(err(r#"{"clientId":"4 2"}"#).contains("`realtime.clientId`"));
        assert!(err(r#"{"clientId":"a.b"}"#).contains("`realtime.clientId`"));
        assert!(err(&format!(r#"{{"clientId":"{}"}}"#, "1".repeat(65))).contains("`realtime.clientId`"));
        assert!(err(r#"{"clientId":-1}"#).contains("`realtime.clientId`"));
        assert!(err(r#"{"clientId":1.5}"#).contains("`realtime.clientId`"));
        assert!(err(r#"{"clientId":true}"#).contains("`realtime.clientId`: must be a string or a number, got boolean"));
        for u in [
            "https://soketi.deapi.ai/app/k", "wss://soketi.deapi.ai", "wss://soketi.deapi.ai/app/", "wss://soketi.deapi.ai/app/k?x=1",
            "wss://soketi.deapi.ai/app/k#f", "wss://u:p@soketi.deapi.ai/app/k", "wss://soketi.deapi.ai/apps/k", "wss://soketi.deapi.ai/app/k/x",
            "wss:///app/k", "wss://h:99999/app/k", "wss://h:/app/k", "wss://h:0/app/k", "wss://h o/app/k", "soketi.deapi.ai/app/k",
        ] {
            assert!(err(&format!(r#"{{"clientId":"1","url":"{u}"}}"#)).contains("`realtime.url`: must be a Pusher app URL"), "{u}");
        }
        assert!(err(r#"{"clientId":"1","url":7}"#).contains("`realtime.url`: must be a string"));
        let m = err(r#"{"clientId":"1","url":"ws://soketi.example/app/k"}"#);
        assert!(m.contains("`realtime.url`: is ws://"), "{m}");
        assert!(err(r#"{"clientId":"1","authEndpoint":"/broadcasting/auth"}"#).contains("`realtime.authEndpoint`"), "a path only in a browser");
        assert!(err(r#"{"clientId":"1","authEndpoint":"https://u:p@a.test/auth"}"#).contains("credentials"));
        assert!(err(r#"{"clientId":"1","authEndpoint":"http://a.test/auth"}"#).contains("clear text"));
        assert!(err(r#"{"clientId":"1","authEndpoint":["x"]}"#).contains("`realtime.authEndpoint`: must be a string, got array"));
        for n in ["99", "3600001", "\"1000\"", "null1"] {
            if let Some(v) = crate::core::json::parse_json(&format!(r#"{{"clientId":"1","reconcileIntervalMs":{n}}}"#)) {
                assert!(parse(&v, &[], cx()).unwrap_err().message.contains("`realtime.reconcileIntervalMs`"), "{n}");
            }
        }
        assert!(err(r#"{"clientId":"1","relay":"/events/x"}"#).contains("`realtime.relay`"));
        assert!(err(r#"{"clientId":"1","relay":3}"#).contains("`realtime.relay`"));
        assert!(err(r#"{"clientId":"1","WebSocket":"ws"}"#).contains("`realtime.WebSocket`: must be a WebSocket constructor"));
        let e = parse(&j(r#"{"clientId":"1"}"#), &["clientId"], cx()).unwrap_err();
        assert!(e.message.contains("`realtime.clientId`: expected a value, got a function"));
    }

    #[test]
    fn clear_text_is_allowed_on_loopback_or_when_asked() {
        for ok in [r#"{"clientId":"1","url":"ws://localhost:9/app/k","authEndpoint":"http://127.0.0.1:9/broadcasting/auth"}"#, r#"{"clientId":"1","url":"ws://[::1]/app/k"}"#] {
            assert!(rt(ok).is_ok(), "{ok}");
        }
        let insecure = Context { allow_insecure: true, ..cx() };
        let lan = j(r#"{"clientId":"1","url":"ws://lan.test/app/k","authEndpoint":"http://lan.test/auth"}"#);
        assert!(parse(&lan, &[], insecure).is_ok());
        // keyless (a proxy adds the key): an http auth endpoint carries no key
        let keyless = Context { has_key: false, ..cx() };
        assert!(parse(&j(r#"{"clientId":"1","authEndpoint":"http://proxy.test/auth"}"#), &[], keyless).is_ok());
        // the default endpoint follows an http loopback baseUrl
        let local = Context { base_url: "http://127.0.0.1:4010", ..cx() };
        assert_eq!(parse(&j(r#"{"clientId":"1"}"#), &[], local).unwrap().unwrap().auth_endpoint, "http://127.0.0.1:4010/broadcasting/auth");
    }

    #[test]
    fn url_and_channel() {
        let c = rt(r#"{"clientId":"42"}"#).unwrap().unwrap();
        assert_eq!(socket_url(&c), ["wss://soketi.deapi.ai/app/depin-api-prod-key?protocol=7&client=deapi-wasm&version=", env!("CARGO_PKG_VERSION"), "&flash=false"].concat());
        assert_eq!(channel("42"), "private-client.42");
    }
}
