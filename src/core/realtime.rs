//! Realtime job events (pure): deAPI's WebSocket, the Pusher protocol (version 7) on soketi
//! (`/work/shared/realtime.md`). Everything the binding needs to decide, with no socket, timer or
//! JS value in it:
//! - [`parse`]: the `realtime` client options (`clientId`, `url`, `authEndpoint`,
//!   `reconcileIntervalMs`, `relay`, `WebSocket`) → [`RealtimeConfig`];
//! - [`socket_url`] and [`channel`]: where to connect, what to subscribe to;
//! - [`decode_frame`]: one text frame from the server → a [`Frame`] (hostile input is
//!   [`Frame::Other`], never a panic);
//! - [`JobEvent::to_status`]: a `request.status.updated` event → the `JobStatus` `onProgress` gets;
//! - [`subscribe_frame`], [`PING_FRAME`], [`PONG_FRAME`], [`auth_body`], [`decode_auth`]: what the
//!   client sends, and the auth endpoint's answer;
//! - the connection policy: [`ping_after_ms`], [`pong_deadline_ms`], [`after_close`],
//!   [`backoff_ms`] (the random source is a parameter), and [`EarlyEvents`], the bounded buffer of
//!   events that arrive before their submission's response;
//! - [`Link`]: all of it as one state machine — the binding feeds it what happened ([`Input`]) and
//!   carries out what it returns ([`Action`]: connect, send, authorise, timers, events, state).
//!
//! Decisions (also in the tests below):
//! - `clientId`: a string of 1–64 ASCII letters, digits, `_` or `-` (trimmed), or a non-negative
//!   integer (written in decimal). deAPI's are numeric account ids from the dashboard; nothing else
//!   fits in a Pusher channel name safely. Absent (or `null`) with no `relay`: realtime stays off
//!   and waits poll — as deAPI's own tester does — so `clientId: process.env.X` with X unset is not
//!   an error; an empty string or another type is.
//! - `url`: `ws://` or `wss://`, a host (with an optional port) and the path `/app/<key>`, nothing
//!   else (no query, fragment, credentials or other path). `ws://` (clear text: the events carry
//!   signed result URLs) only for a loopback host or with `allowInsecureHttp: true`.
//! - `authEndpoint`: the origin of `baseUrl` + `/broadcasting/auth` by default (deAPI's auth route
//!   lives at the API root, not under `/api/v2`); without a key (keyless proxy mode) `baseUrl` +
//!   `/broadcasting/auth`, the route `createProxy` serves under its prefix. Given: an absolute `http(s)` URL, or in a browser a path starting with `/`; no
//!   credentials; `http://` with a key only for loopback or with `allowInsecureHttp: true` (the
//!   Bearer key goes there).
//! - `reconcileIntervalMs`: 10 000 by default, from 100 to 3 600 000.
//! - `relay`: a URL template holding `{requestId}` (an absolute `http(s)` URL or a path) or a
//!   function; with it, realtime is on without a `clientId` (a keyless browser reads its own job's
//!   stream). `WebSocket`: a function (the constructor) only; the binding keeps both functions.
//! - Frames over [`MAX_FRAME_BYTES`], not JSON, without an `event`, with an unknown event, for
//!   another channel, or with a payload of the wrong shape are [`Frame::Other`] with the reason:
//!   the binding ignores them (they still prove the socket alive). `data` may be a JSON string
//!   (double-encoded, as soketi relays deAPI's events) or an object.
//! - A status event as a `JobStatus`: `in_progress` is `processing`, other words as sent;
//!   `progress` a number clamped to 0–100 (null when it is no number); `preview` kept only as a
//!   `data:image/` URI or an http(s) URL, `result_url` only as an http(s) URL; `request_id` as
//!   `session::request_id` accepts ids (else the event is malformed).
//! - Closes: 4000–4099 never reconnect (unavailable, waits poll); 4200–4299 at once on the first
//!   attempt, then with backoff; everything else (4100–4199, 1000–3999 with 1006, unknown codes)
//!   after a backoff of 1 s doubling to 20 s, times 1–1.5 for jitter. A missing pong counts as
//!   4201. An auth answer of 401/403 (or any 4xx but 408/429, or one that is no signature) and a
//!   `subscription_error` make realtime unavailable; a 5xx, 408, 429 or no answer back off and
//!   retry. Unavailable stays so for the client (a misconfiguration does not heal by retrying).
//! - Called by `config::parse_options` (the `realtime` cargo feature: the server module; the
//!   browser module leaves it out for now, see Cargo.toml).

use crate::core::config::{is_loopback, origin, url_problem, Runtime, UrlProblem};
use crate::core::error::ApiError;
use crate::core::json::{dec, parse_json, Json};

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
            if crate::core::json::find_str(t, "{requestId}", 0).is_some()
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
            match url_problem(a, cx.runtime) {
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
    let port_ok = port.is_none_or(|p| p.len() <= 5 && crate::core::json::digits(p).is_some_and(|n| (1.0..=65_535.0).contains(&n)));
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

/// Frames longer than this (bytes of text) are ignored unread. soketi's default payload limit is
/// 100 KB; a preview is a small JPEG.
pub const MAX_FRAME_BYTES: usize = 1024 * 1024;
/// Longest server message kept (`pusher:error`, `subscription_error`).
const MAX_MESSAGE: usize = 200;
/// Longest socket id accepted.
const MAX_SOCKET_ID: usize = 64;
/// Longest status word kept.
const MAX_STATUS: usize = 32;

/// Why a frame is ignored.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Ignored {
    /// Longer than [`MAX_FRAME_BYTES`].
    TooLarge,
    /// Not JSON, or not an object with a string `event`.
    NotJson,
    /// A known event whose payload has the wrong shape (e.g. no `request_id`).
    Malformed,
    /// An event this client does not handle (client events, presence, `pusher:signin_success`, …).
    UnknownEvent,
    /// An event or subscription answer for another channel.
    OtherChannel,
}

/// One decoded server frame.
#[derive(Clone, Debug, PartialEq)]
pub enum Frame {
    /// `pusher:connection_established`: the socket id to authorise with; `activity_timeout` in
    /// seconds (`None` when absent or not a positive number).
    ConnectionEstablished { socket_id: String, activity_timeout: Option<f64> },
    Ping,
    Pong,
    /// `pusher_internal:subscription_succeeded` for our channel.
    SubscriptionSucceeded { channel: String },
    /// `pusher:subscription_error` (soketi: `{type:"AuthError", error, status:401}`).
    SubscriptionError { status: Option<u16>, kind: Option<String>, message: Option<String> },
    /// `pusher:error` (`{message, code}`): sent before the server closes the socket.
    Error { code: Option<u16>, message: String },
    /// `request.status.updated` on our channel.
    StatusEvent(JobEvent),
    Other(Ignored),
}

/// A `request.status.updated` payload, normalised.
#[derive(Clone, Debug, PartialEq)]
pub struct JobEvent {
    pub request_id: String,
    /// The SDK's job state: `in_progress` (socket only) is `processing`; others as sent.
    pub status: String,
    /// 0–100 (the socket sends text such as `"45.50"`); `None` when absent or not a number.
    pub progress: Option<f64>,
    /// A `data:image/…` URI or an http(s) URL; anything else is dropped.
    pub preview: Option<String>,
    /// An http(s) URL; anything else is dropped.
    pub result_url: Option<String>,
}

impl JobEvent {
    /// The `JobStatus` handed to `onProgress` and to `realtime.subscribe` listeners: `request_id`,
    /// `status`, `progress` (a number or null), `preview`, `result_url`.
    pub fn to_status(&self) -> Json {
        let opt = |v: &Option<String>| v.as_deref().map_or(Json::Null, Json::str);
        Json::Obj(vec![
            ("request_id".to_owned(), Json::str(&self.request_id)),
            ("status".to_owned(), Json::str(&self.status)),
            ("progress".to_owned(), self.progress.map_or(Json::Null, Json::Num)),
            ("preview".to_owned(), opt(&self.preview)),
            ("result_url".to_owned(), opt(&self.result_url)),
        ])
    }
    /// `done` or `error` (also `completed`/`failed`): the wait makes its one status GET.
    pub fn is_terminal(&self) -> bool {
        ["done", "completed", "error", "failed"].iter().any(|w| self.status.eq_ignore_ascii_case(w))
    }
    /// Bytes held (for [`EarlyEvents`]' budget).
    fn size(&self) -> usize {
        self.request_id.len() + self.status.len() + self.preview.as_ref().map_or(0, String::len) + self.result_url.as_ref().map_or(0, String::len) + 32
    }
}

fn short(s: &str, max: usize) -> String {
    let mut end = s.len().min(max);
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    s.get(..end).unwrap_or_default().to_owned()
}

fn code_of(v: Option<&Json>) -> Option<u16> {
    v.and_then(Json::as_f64_lenient).filter(|n| n.fract() == 0.0 && (0.0..=65_535.0).contains(n)).map(|n| n as u16)
}

fn is_url(s: &str) -> bool {
    (s.starts_with("https://") || s.starts_with("http://")) && !s.contains(char::is_whitespace)
}

/// A server frame (`text`) on a socket subscribed to `channel` → what it is. Never panics.
/// (Read in place: each field looked up in the parsed frame, as `JSON.parse` would give it — the
/// last of repeated keys — and only what the frame keeps copied out.)
pub fn decode_frame(text: &str, channel: &str) -> Frame {
    if text.len() > MAX_FRAME_BYTES {
        return Frame::Other(Ignored::TooLarge);
    }
    let Some(frame) = parse_json(text) else { return Frame::Other(Ignored::NotJson) };
    let Some(event) = frame.get("event").and_then(Json::as_str) else { return Frame::Other(Ignored::NotJson) };
    let on_channel = match frame.get("channel") {
        Some(Json::Str(c)) => Some(c == channel),
        None | Some(Json::Null) => None,
        Some(_) => Some(false),
    };
    // `data`: a JSON string holding the object (double-encoded, as soketi relays deAPI's events) or
    // the object; anything else has no fields
    let inner;
    let data = match frame.get("data") {
        Some(Json::Str(s)) => {
            inner = parse_json(s);
            inner.as_ref()
        }
        d => d,
    };
    let field = |key: &str| data.and_then(|d| d.get(key));
    let text = |key: &str| field(key).and_then(Json::as_str);
    let message = |key: &str| text(key).map(|s| short(s, MAX_MESSAGE));
    match event {
        "pusher:connection_established" => match text("socket_id") {
            Some(s) if valid_socket_id(s) => Frame::ConnectionEstablished {
                socket_id: s.to_owned(),
                activity_timeout: field("activity_timeout").and_then(Json::as_f64_lenient).filter(|n| *n > 0.0),
            },
            _ => Frame::Other(Ignored::Malformed),
        },
        "pusher:ping" => Frame::Ping,
        "pusher:pong" => Frame::Pong,
        "pusher_internal:subscription_succeeded" | "pusher:subscription_succeeded" if on_channel == Some(true) => Frame::SubscriptionSucceeded { channel: channel.to_owned() },
        "pusher:subscription_error" if on_channel != Some(false) => Frame::SubscriptionError {
            status: code_of(field("status")),
            kind: message("type"),
            message: message("error").or_else(|| message("message")),
        },
        "pusher:error" => Frame::Error { code: code_of(field("code")), message: message("message").unwrap_or_default() },
        STATUS_EVENT if on_channel == Some(true) => job_event(&field).map_or(Frame::Other(Ignored::Malformed), Frame::StatusEvent),
        "pusher_internal:subscription_succeeded" | "pusher:subscription_succeeded" | "pusher:subscription_error" | STATUS_EVENT => Frame::Other(Ignored::OtherChannel),
        _ => Frame::Other(Ignored::UnknownEvent),
    }
}

/// Pusher socket ids are two integers joined by a dot (`123.456`).
fn valid_socket_id(s: &str) -> bool {
    let mut parts = s.split('.');
    let digits = |p: Option<&str>| p.is_some_and(|p| !p.is_empty() && p.bytes().all(|b| b.is_ascii_digit()));
    s.len() <= MAX_SOCKET_ID && digits(parts.next()) && digits(parts.next()) && parts.next().is_none()
}

/// The payload of a status event (`field`: its fields by name) → the event, or `None` when it has
/// no usable `request_id` or `status`.
fn job_event<'a>(field: &dyn Fn(&str) -> Option<&'a Json>) -> Option<JobEvent> {
    let text = |key: &str| field(key).and_then(Json::as_str);
    let request_id = text("request_id").filter(|s| crate::core::session::is_request_id(s))?.to_owned();
    let status = text("status").filter(|s| !s.trim().is_empty() && s.len() <= MAX_STATUS).map(|s| normalise_status(s.trim()))?;
    let progress = field("progress").and_then(Json::as_f64_lenient).map(|p| p.clamp(0.0, 100.0));
    let preview = text("preview").filter(|s| s.starts_with("data:image/") || is_url(s)).map(str::to_owned);
    let result_url = text("result_url").filter(|s| is_url(s)).map(str::to_owned);
    Some(JobEvent { request_id, status, progress, preview, result_url })
}

/// The socket's status words as the SDK's job states: `in_progress` (not in deAPI's REST enum) is
/// `processing`; every other word is kept as sent, as `jobs::decode_status` keeps REST's.
pub fn normalise_status(s: &str) -> String {
    if s.eq_ignore_ascii_case("in_progress") {
        "processing".to_owned()
    } else {
        s.to_owned()
    }
}

// ───────────────────────────── frames and requests out ─────────────────────────────

pub const PING_FRAME: &str = r#"{"event":"pusher:ping","data":{}}"#;
pub const PONG_FRAME: &str = r#"{"event":"pusher:pong","data":{}}"#;

/// `s` as a JSON string literal (written here: serde_json's serializer stays out of the module).
fn push_json_str(out: &mut String, s: &str) {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    out.push('"');
    // (by bytes: the characters to escape are ASCII; the text between them is copied whole)
    let mut from = 0;
    for (i, b) in s.bytes().enumerate() {
        if b == b'"' || b == b'\\' || b < 0x20 {
            out.push_str(s.get(from..i).unwrap_or_default());
            from = i + 1;
            out.push('\\');
            if b < 0x20 {
                out.push_str("u00");
                out.push(char::from(HEX.get(usize::from(b >> 4)).copied().unwrap_or(b'0')));
                out.push(char::from(HEX.get(usize::from(b & 0xf)).copied().unwrap_or(b'0')));
            } else {
                out.push(char::from(b));
            }
        }
    }
    out.push_str(s.get(from..).unwrap_or_default());
    out.push('"');
}

fn object(pairs: &[(&str, &str)]) -> String {
    let mut out = String::from("{");
    for (i, (k, v)) in pairs.iter().enumerate() {
        if i > 0 {
            out.push(',');
        }
        push_json_str(&mut out, k);
        out.push(':');
        push_json_str(&mut out, v);
    }
    out.push('}');
    out
}

/// `{"event":"pusher:subscribe","data":{"auth":"…","channel":"…"}}`.
pub fn subscribe_frame(channel: &str, auth: &str) -> String {
    ["{\"event\":\"pusher:subscribe\",\"data\":", &object(&[("auth", auth), ("channel", channel)]), "}"].concat()
}

/// `{"event":"pusher:unsubscribe","data":{"channel":"…"}}`.
pub fn unsubscribe_frame(channel: &str) -> String {
    ["{\"event\":\"pusher:unsubscribe\",\"data\":", &object(&[("channel", channel)]), "}"].concat()
}

/// The auth request's JSON body, `{"socket_id":"…","channel_name":"…"}` (POSTed with the Bearer
/// key and `Content-Type: application/json`).
pub fn auth_body(socket_id: &str, channel: &str) -> String {
    object(&[("socket_id", socket_id), ("channel_name", channel)])
}

/// Why the auth endpoint gave no signature.
#[derive(Clone, Debug, PartialEq)]
pub enum AuthFailure {
    /// 401 or 403: the key is not allowed this channel (a `clientId` that is not the key's
    /// account, or a revoked key).
    Refused { status: u16 },
    /// Another HTTP error status.
    Http { status: u16 },
    /// A 2xx answer that is not `{"auth":"<app key>:<64 hex>"}`; the reason.
    Invalid(&'static str),
}

impl AuthFailure {
    /// Worth trying again later (after a backoff): a 5xx, 408 or 429. Anything else is a
    /// misconfiguration, and realtime stays unavailable (waits poll).
    pub fn retryable(&self) -> bool {
        matches!(self, AuthFailure::Http { status } if *status >= 500 || *status == 408 || *status == 429)
    }
    pub fn message(&self) -> String {
        match self {
            AuthFailure::Refused { status } => [
                "realtime: the auth endpoint refused the channel (HTTP ",
                &dec(u64::from(*status)),
                "): check that `realtime.clientId` is the client ID of this API key's account (deAPI dashboard); jobs are polled instead",
            ]
            .concat(),
            AuthFailure::Http { status } => ["realtime: the auth endpoint answered HTTP ", &dec(u64::from(*status)), "; jobs are polled meanwhile"].concat(),
            AuthFailure::Invalid(why) => ["realtime: the auth endpoint's answer is not a channel signature (", why, "); check `realtime.authEndpoint`"].concat(),
        }
    }
}

/// The auth endpoint's answer (`status`, body text) → the `auth` string to subscribe with.
/// Expected: `{"auth":"<app_key>:<hex HMAC-SHA256>"}`, signed for this socket's app key.
pub fn decode_auth(status: u16, body: &str, app_key: &str) -> Result<String, AuthFailure> {
    if status == 401 || status == 403 {
        return Err(AuthFailure::Refused { status });
    }
    if !(200..300).contains(&status) {
        return Err(AuthFailure::Http { status });
    }
    if body.len() > 64 * 1024 {
        return Err(AuthFailure::Invalid("too long"));
    }
    let Some(j) = parse_json(body) else { return Err(AuthFailure::Invalid("not JSON")) };
    let Some(auth) = j.get("auth").and_then(Json::as_str) else { return Err(AuthFailure::Invalid("no `auth` string")) };
    let Some((key, sig)) = auth.bytes().rposition(|b| b == b':').and_then(|i| Some((auth.get(..i)?, auth.get(i + 1..)?))) else {
        return Err(AuthFailure::Invalid("`auth` is not key:signature"));
    };
    if sig.len() != 64 || !sig.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(AuthFailure::Invalid("the signature is not 64 hex digits"));
    }
    if key != app_key {
        return Err(AuthFailure::Invalid("signed for another app key than `realtime.url`'s"));
    }
    Ok(auth.to_owned())
}

// ───────────────────────────── the connection policy ─────────────────────────────

/// Ping after this much silence when the server announces no `activity_timeout` (PDOC's default).
pub const DEFAULT_ACTIVITY_MS: f64 = 120_000.0;
/// Shortest ping interval (a server announcing less is not taken at its word).
pub const MIN_ACTIVITY_MS: f64 = 1_000.0;
/// Longest wait for a pong (pusher-js's `pongTimeout`).
pub const MAX_PONG_WAIT_MS: f64 = 30_000.0;
/// Give up on a connection that has not said `connection_established` by then (pusher-js's first
/// `timeout`).
pub const HANDSHAKE_TIMEOUT_MS: f64 = 15_000.0;
/// The backoff's first step and its cap before jitter.
pub const BACKOFF_BASE_MS: f64 = 1_000.0;
pub const BACKOFF_CAP_MS: f64 = 20_000.0;

/// How long a silent socket waits before sending `pusher:ping`: the server's `activity_timeout`
/// (seconds), at most [`DEFAULT_ACTIVITY_MS`], at least [`MIN_ACTIVITY_MS`]. Any frame received
/// restarts this timer.
pub fn ping_after_ms(activity_timeout_s: Option<f64>) -> f64 {
    activity_timeout_s
        .filter(|s| s.is_finite() && *s > 0.0)
        .map_or(DEFAULT_ACTIVITY_MS, |s| (s * 1000.0).min(DEFAULT_ACTIVITY_MS))
        .max(MIN_ACTIVITY_MS)
}

/// How long to wait for the pong (any frame counts) after a ping before the socket is taken for
/// dead and closed (then reconnected as after a 4201 close): the ping interval, at most
/// [`MAX_PONG_WAIT_MS`] — 30 s against deAPI, short against a test server announcing 1 s.
pub fn pong_deadline_ms(ping_after_ms: f64) -> f64 {
    ping_after_ms.clamp(MIN_ACTIVITY_MS, MAX_PONG_WAIT_MS)
}

/// What to do after the socket closed (Pusher close-code classes, PDOC §Connection closure).
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Reconnect {
    /// 4000–4099: the server refuses this connection (unknown app, over quota, unauthorized):
    /// realtime is unavailable, waits poll.
    Never,
    /// Reconnect after this many ms (0: at once).
    After(f64),
}

/// The close `code` of a socket that was open or opening; `attempt`: how many reconnects in a row
/// have not reached a subscription (0 after a subscribed socket closed); `random` ∈ [0, 1).
/// - 4000–4099: never.
/// - 4200–4299 (server restarting, 4201 missing pong): at once on the first attempt, then backoff
///   (no hot loop against a server that keeps closing).
/// - 4100–4199 (over capacity), 1000–3999 (1006: dropped), anything else: backoff with jitter.
pub fn after_close(code: u16, attempt: u32, random: f64) -> Reconnect {
    match code {
        4000..=4099 => Reconnect::Never,
        4200..=4299 if attempt == 0 => Reconnect::After(0.0),
        4200..=4299 => Reconnect::After(backoff_ms(attempt - 1, random)),
        _ => Reconnect::After(backoff_ms(attempt, random)),
    }
}

/// The wait before reconnect number `attempt + 1`: 1 s doubling per attempt up to 20 s, times a
/// jitter factor from 1 to 1.5 (`random` ∈ [0, 1); out-of-range values are clamped, NaN is 0.5).
/// Always at least 1 s (PDOC: "at least 1 second") and at most 30 s.
pub fn backoff_ms(attempt: u32, random: f64) -> f64 {
    let r = if random.is_nan() { 0.5 } else { random.clamp(0.0, 1.0) };
    let exp = (BACKOFF_BASE_MS * 2f64.powi(attempt.min(30) as i32)).min(BACKOFF_CAP_MS);
    exp * (1.0 + 0.5 * r)
}

/// The socket's state, as `deapi.realtime.state` shows it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum State {
    /// Not opened yet (no wait or listener needed it).
    Idle,
    /// Opening, authorising or subscribing (also between reconnects).
    Connecting,
    /// Subscribed: events flow.
    Connected,
    /// Refused (auth 401/403, `subscription_error`, a 4000–4099 close) or no WebSocket in the
    /// runtime: waits poll.
    Unavailable,
    /// `close()` was called.
    Closed,
}

impl State {
    pub fn name(self) -> &'static str {
        match self {
            State::Idle => "idle",
            State::Connecting => "connecting",
            State::Connected => "connected",
            State::Unavailable => "unavailable",
            State::Closed => "closed",
        }
    }
}

// ───────────────────────────── the state machine ─────────────────────────────

/// The timers a [`Link`] asks the binding to run (one of each kind at a time).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Timer {
    /// The socket must say `connection_established` by then ([`HANDSHAKE_TIMEOUT_MS`]).
    Handshake,
    /// Silence for this long: send `pusher:ping` (restarted by every frame).
    Ping,
    /// No frame since the ping: the socket is dead.
    Pong,
    /// Open the socket again.
    Reconnect,
}

/// What happened, as the binding tells a [`Link`].
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Input<'a> {
    /// A wait or a listener needs the socket (ignored unless idle).
    Open,
    /// No wait or listener is left: close everything, back to idle.
    Release,
    /// `close()`: closed for good; waits poll.
    Close,
    /// The socket could not be made (no WebSocket in the runtime, a refused URL): the reason.
    CannotConnect(&'a str),
    /// A text frame.
    Frame(&'a str),
    /// The auth endpoint's answer to the [`Action::Authorize`] for `socket_id` (an answer for an
    /// older socket is ignored).
    AuthAnswer { socket_id: &'a str, status: u16, body: &'a str },
    /// The auth request for `socket_id` failed without an answer (network, timeout).
    AuthUnreachable { socket_id: &'a str },
    /// The socket closed (not by us), with its close code (1006 when it dropped).
    Closed { code: u16 },
    /// A timer it asked for fired.
    Fired(Timer),
}

/// What the binding does, in order.
#[derive(Clone, Debug, PartialEq)]
pub enum Action {
    /// Open a socket to this URL (none is open; its frames and close are then reported).
    Connect(String),
    /// Close the socket, if one is open, and clear every timer.
    Disconnect,
    Send(String),
    /// POST `body` (JSON) to the auth endpoint (with the key, as every call), then report the
    /// answer with this `socket_id` ([`Input::AuthAnswer`] or [`Input::AuthUnreachable`]).
    Authorize { socket_id: String, body: String },
    /// (Re)start a timer.
    Start(Timer, f64),
    Stop(Timer),
    /// Subscribed (again): events flow; check each pending job once over REST (events sent while
    /// the socket was down are lost).
    Subscribed,
    /// A job event for the waits and listeners.
    Event(JobEvent),
    /// `state` changed.
    State(State),
    /// Realtime gave up (waits poll): the reason, for `onError`.
    Unavailable(String),
}

/// One client's socket as a state machine (realtime.md §2.8): the binding feeds it each
/// [`Input`] and carries out the [`Action`]s it returns; every decision lives here.
#[derive(Clone, Debug, PartialEq)]
pub struct Link {
    state: State,
    url: String,
    channel: String,
    app_key: String,
    socket_id: Option<String>,
    /// A socket is open (Connect done, no Disconnect or close since): inputs of a socket that is
    /// gone, and timers that fire late, are ignored.
    socket: bool,
    /// Reconnects in a row that have not reached a subscription.
    attempt: u32,
    ping_after: f64,
    awaiting_pong: bool,
}

impl Link {
    /// `None` without a `clientId` (a relay only: no socket of its own).
    pub fn new(cfg: &RealtimeConfig) -> Option<Link> {
        let id = cfg.client_id.as_deref()?;
        Some(Link {
            state: State::Idle,
            url: socket_url(cfg),
            channel: channel(id),
            app_key: cfg.app_key.clone(),
            socket_id: None,
            socket: false,
            attempt: 0,
            ping_after: DEFAULT_ACTIVITY_MS,
            awaiting_pong: false,
        })
    }
    pub fn state(&self) -> State {
        self.state
    }
    /// The current socket id (after the handshake).
    pub fn socket_id(&self) -> Option<&str> {
        self.socket_id.as_deref()
    }
    fn set(&mut self, state: State, out: &mut Vec<Action>) {
        if self.state != state {
            self.state = state;
            out.push(Action::State(state));
        }
    }
    /// Close the socket and clear every timer.
    fn disconnect(&mut self, out: &mut Vec<Action>) {
        out.push(Action::Disconnect);
        self.socket = false;
        self.socket_id = None;
        self.awaiting_pong = false;
    }
    fn give_up(&mut self, why: String, out: &mut Vec<Action>) {
        self.disconnect(out);
        self.set(State::Unavailable, out);
        out.push(Action::Unavailable(why));
    }
    /// Closed (or found dead) with `code`: reconnect when the policy says so.
    fn lost(&mut self, code: u16, random: f64, out: &mut Vec<Action>) {
        self.disconnect(out);
        match after_close(code, self.attempt, random) {
            Reconnect::Never => {
                self.set(State::Unavailable, out);
                out.push(Action::Unavailable(["realtime: the server refused the connection (close code ", &dec(u64::from(code)), "); jobs are polled"].concat()));
            }
            Reconnect::After(ms) => {
                self.attempt = self.attempt.saturating_add(1);
                self.set(State::Connecting, out);
                out.push(Action::Start(Timer::Reconnect, ms));
            }
        }
    }
    fn connect(&mut self, out: &mut Vec<Action>) {
        self.set(State::Connecting, out);
        self.socket = true;
        out.push(Action::Connect(self.url.clone()));
        out.push(Action::Start(Timer::Handshake, HANDSHAKE_TIMEOUT_MS));
    }

    /// What to do after `input`; `random` ∈ [0, 1) is the jitter of any backoff this decides.
    pub fn on(&mut self, input: Input, random: f64) -> Vec<Action> {
        let mut out = Vec::new();
        // a socket is open and wanted
        let live = self.socket && matches!(self.state, State::Connecting | State::Connected);
        let current = |id: &str| self.socket_id.as_deref() == Some(id);
        match input {
            Input::Open if self.state == State::Idle => self.connect(&mut out),
            Input::Release | Input::Close if self.state != State::Closed => {
                self.disconnect(&mut out);
                self.attempt = 0;
                let next = if input == Input::Close { State::Closed } else if self.state == State::Unavailable { State::Unavailable } else { State::Idle };
                self.set(next, &mut out);
            }
            Input::CannotConnect(why) if live => self.give_up(["realtime: cannot open a WebSocket (", why, "); jobs are polled"].concat(), &mut out),
            Input::Closed { code } if live => self.lost(code, random, &mut out),
            Input::AuthUnreachable { socket_id } if live && current(socket_id) => self.lost(1006, random, &mut out),
            Input::AuthAnswer { socket_id, status, body } if live && current(socket_id) => match decode_auth(status, body, &self.app_key) {
                Ok(auth) => out.push(Action::Send(subscribe_frame(&self.channel, &auth))),
                Err(f) if f.retryable() => self.lost(1006, random, &mut out),
                Err(f) => self.give_up(f.message(), &mut out),
            },
            Input::Fired(Timer::Reconnect) if self.state == State::Connecting && !self.socket => self.connect(&mut out),
            Input::Fired(Timer::Handshake) if live && self.socket_id.is_none() => self.lost(1006, random, &mut out),
            Input::Fired(Timer::Ping) if live && self.socket_id.is_some() => {
                self.awaiting_pong = true;
                out.push(Action::Send(PING_FRAME.to_owned()));
                out.push(Action::Start(Timer::Pong, pong_deadline_ms(self.ping_after)));
            }
            // no frame since the ping: dead, reconnect as after 4201 (at once the first time)
            Input::Fired(Timer::Pong) if live && self.awaiting_pong => self.lost(4201, random, &mut out),
            Input::Frame(text) if live => self.frame(text, &mut out),
            _ => {}
        }
        out
    }

    fn frame(&mut self, text: &str, out: &mut Vec<Action>) {
        // any frame proves the socket alive
        if self.awaiting_pong {
            self.awaiting_pong = false;
            out.push(Action::Stop(Timer::Pong));
        }
        if self.socket_id.is_some() {
            out.push(Action::Start(Timer::Ping, self.ping_after));
        }
        match decode_frame(text, &self.channel) {
            Frame::ConnectionEstablished { socket_id, activity_timeout } if self.socket_id.is_none() => {
                self.ping_after = ping_after_ms(activity_timeout);
                out.push(Action::Stop(Timer::Handshake));
                out.push(Action::Start(Timer::Ping, self.ping_after));
                out.push(Action::Authorize { body: auth_body(&socket_id, &self.channel), socket_id: socket_id.clone() });
                self.socket_id = Some(socket_id);
            }
            Frame::Ping => out.push(Action::Send(PONG_FRAME.to_owned())),
            Frame::SubscriptionSucceeded { .. } if self.socket_id.is_some() => {
                self.attempt = 0;
                self.set(State::Connected, out);
                out.push(Action::Subscribed);
            }
            Frame::SubscriptionError { status, message, .. } => {
                let why = [
                    "realtime: the subscription was refused (",
                    &status.map_or_else(|| "no status".to_owned(), |s| dec(u64::from(s))),
                    message.as_deref().map_or("", |_| ": "),
                    message.as_deref().unwrap_or(""),
                    "); check `realtime.clientId` and `realtime.url`; jobs are polled",
                ]
                .concat();
                self.give_up(why, out);
            }
            Frame::StatusEvent(e) => out.push(Action::Event(e)),
            // pusher:error comes before the close, which decides; the rest is ignored
            _ => {}
        }
    }
}

// ───────────────────────────── early events ─────────────────────────────

/// Recent events by `request_id`, for an event that arrives before its submission's response (it
/// happens: a fast job's `done` can beat the HTTP answer). Bounded in ids, age and bytes; one event
/// per id is kept — the latest, except that a terminal event is never replaced by a running one.
#[derive(Clone, Debug, PartialEq)]
pub struct EarlyEvents {
    entries: Vec<(f64, JobEvent)>,
    max_ids: usize,
    max_age_ms: f64,
    max_bytes: usize,
}

impl Default for EarlyEvents {
    /// 256 ids, 60 s, 4 MiB.
    fn default() -> Self {
        EarlyEvents::new(256, 60_000.0, 4 * 1024 * 1024)
    }
}

impl EarlyEvents {
    pub fn new(max_ids: usize, max_age_ms: f64, max_bytes: usize) -> Self {
        EarlyEvents { entries: Vec::new(), max_ids, max_age_ms, max_bytes }
    }
    pub fn len(&self) -> usize {
        self.entries.len()
    }
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }
    fn bytes(&self) -> usize {
        self.entries.iter().map(|(_, e)| e.size()).sum()
    }
    /// Drop what is older than the age bound (at `now`, ms).
    pub fn prune(&mut self, now: f64) {
        let max_age = self.max_age_ms;
        self.entries.retain(|(at, _)| now - at <= max_age);
    }
    /// Keep `event` (received at `now`).
    pub fn push(&mut self, now: f64, event: JobEvent) {
        self.prune(now);
        if event.size() > self.max_bytes || self.max_ids == 0 {
            return;
        }
        if let Some(i) = self.entries.iter().position(|(_, e)| e.request_id == event.request_id) {
            if self.entries.get(i).is_some_and(|(_, e)| e.is_terminal()) && !event.is_terminal() {
                return;
            }
            self.entries.remove(i);
        }
        self.entries.push((now, event));
        while self.entries.len() > self.max_ids || self.bytes() > self.max_bytes {
            self.entries.remove(0);
        }
    }
    /// The kept event of `request_id` (removed), if it is recent enough.
    pub fn take(&mut self, request_id: &str, now: f64) -> Option<JobEvent> {
        self.prune(now);
        let i = self.entries.iter().position(|(_, e)| e.request_id == request_id)?;
        Some(self.entries.remove(i).1)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::config::MAX_TIMER_MS;
    use crate::core::error::Kind;
    use crate::core::json::parse as pj;

    fn cx() -> Context<'static> {
        Context { base_url: "https://api.deapi.ai", runtime: Runtime::Server, has_key: true, allow_insecure: false }
    }
    fn rt(text: &str) -> Result<Option<RealtimeConfig>, ApiError> {
        parse(&pj(text).unwrap(), &[], cx())
    }
    fn err(text: &str) -> String {
        let e = rt(text).unwrap_err();
        assert_eq!(e.kind, Kind::InvalidOptions);
        e.message.clone()
    }

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
        let c = parse(&pj(r#"{"clientId":"7"}"#).unwrap(), &[], Context { base_url: "https://proxy.test:8443/t/deapi", ..cx() }).unwrap().unwrap();
        assert_eq!(c.auth_endpoint, "https://proxy.test:8443/broadcasting/auth");
        // keyless proxy mode: under the proxy's path (createProxy serves `<prefix>/broadcasting/auth`)
        let b = Context { base_url: "/api/deapi", runtime: Runtime::Browser, has_key: false, allow_insecure: false };
        let c = parse(&pj(r#"{"clientId":"7"}"#).unwrap(), &[], b).unwrap().unwrap();
        assert_eq!(c.auth_endpoint, "/api/deapi/broadcasting/auth");
        let server = Context { base_url: "https://app.test/api/deapi", has_key: false, ..cx() };
        assert_eq!(parse(&pj(r#"{"clientId":"7"}"#).unwrap(), &[], server).unwrap().unwrap().auth_endpoint, "https://app.test/api/deapi/broadcasting/auth");
        let c = parse(&pj(r#"{"clientId":"7","authEndpoint":"/api/deapi/broadcasting/auth"}"#).unwrap(), &[], b).unwrap().unwrap();
        assert_eq!(c.auth_endpoint, "/api/deapi/broadcasting/auth");
        // everything given
        let c = rt(r#"{"clientId":"1","url":"ws://127.0.0.1:8080/app/test-key/","authEndpoint":"https://a.test/auth","reconcileIntervalMs":250,"relay":"/e/{requestId}"}"#).unwrap().unwrap();
        assert_eq!((c.url.as_str(), c.app_key.as_str(), c.auth_endpoint.as_str()), ("ws://127.0.0.1:8080/app/test-key", "test-key", "https://a.test/auth"));
        assert_eq!((c.reconcile_interval_ms, c.relay), (250.0, Some(Relay::Template("/e/{requestId}".into()))));
        // functions the binding keeps
        let c = parse(&pj(r#"{"clientId":"1"}"#).unwrap(), &["WebSocket", "relay"], cx()).unwrap().unwrap();
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
            if let Some(j) = pj(&format!(r#"{{"clientId":"1","reconcileIntervalMs":{n}}}"#)) {
                assert!(parse(&j, &[], cx()).unwrap_err().message.contains("`realtime.reconcileIntervalMs`"), "{n}");
            }
        }
        assert!(err(r#"{"clientId":"1","relay":"/events/x"}"#).contains("`realtime.relay`"));
        assert!(err(r#"{"clientId":"1","relay":3}"#).contains("`realtime.relay`"));
        assert!(err(r#"{"clientId":"1","WebSocket":"ws"}"#).contains("`realtime.WebSocket`: must be a WebSocket constructor"));
        let e = parse(&pj(r#"{"clientId":"1"}"#).unwrap(), &["clientId"], cx()).unwrap_err();
        assert!(e.message.contains("`realtime.clientId`: expected a value, got a function"));
    }

    #[test]
    fn clear_text_is_allowed_on_loopback_or_when_asked() {
        for ok in [r#"{"clientId":"1","url":"ws://localhost:9/app/k","authEndpoint":"http://127.0.0.1:9/broadcasting/auth"}"#, r#"{"clientId":"1","url":"ws://[::1]/app/k"}"#] {
            assert!(rt(ok).is_ok(), "{ok}");
        }
        let insecure = Context { allow_insecure: true, ..cx() };
        let j = pj(r#"{"clientId":"1","url":"ws://lan.test/app/k","authEndpoint":"http://lan.test/auth"}"#).unwrap();
        assert!(parse(&j, &[], insecure).is_ok());
        // keyless (a proxy adds the key): an http auth endpoint carries no key
        let keyless = Context { has_key: false, ..cx() };
        assert!(parse(&pj(r#"{"clientId":"1","authEndpoint":"http://proxy.test/auth"}"#).unwrap(), &[], keyless).is_ok());
        // the default endpoint follows an http loopback baseUrl
        let local = Context { base_url: "http://127.0.0.1:4010", ..cx() };
        assert_eq!(parse(&pj(r#"{"clientId":"1"}"#).unwrap(), &[], local).unwrap().unwrap().auth_endpoint, "http://127.0.0.1:4010/broadcasting/auth");
    }

    #[test]
    fn url_and_channel() {
        let c = rt(r#"{"clientId":"42"}"#).unwrap().unwrap();
        assert_eq!(socket_url(&c), ["wss://soketi.deapi.ai/app/depin-api-prod-key?protocol=7&client=deapi-wasm&version=", env!("CARGO_PKG_VERSION"), "&flash=false"].concat());
        assert_eq!(channel("42"), "private-client.42");
    }

    const CH: &str = "private-client.42";

    #[test]
    fn handshake_ping_pong_and_subscription() {
        let f = decode_frame(r#"{"event":"pusher:connection_established","data":"{\"socket_id\":\"123.456\",\"activity_timeout\":30}"}"#, CH);
        assert_eq!(f, Frame::ConnectionEstablished { socket_id: "123.456".into(), activity_timeout: Some(30.0) });
        // data as an object, activity_timeout missing
        let f = decode_frame(r#"{"event":"pusher:connection_established","data":{"socket_id":"1.2"}}"#, CH);
        assert_eq!(f, Frame::ConnectionEstablished { socket_id: "1.2".into(), activity_timeout: None });
        for bad in [r#"{"socket_id":"12"}"#, r#"{"socket_id":"a.b"}"#, r#"{"socket_id":1.2}"#, r#"{}"#, r#""not json""#] {
            let text = format!(r#"{{"event":"pusher:connection_established","data":{bad}}}"#);
            assert_eq!(decode_frame(&text, CH), Frame::Other(Ignored::Malformed), "{bad}");
        }
        assert_eq!(decode_frame(r#"{"event":"pusher:ping","data":{}}"#, CH), Frame::Ping);
        assert_eq!(decode_frame(r#"{"event":"pusher:pong","data":"{}"}"#, CH), Frame::Pong);
        assert_eq!(
            decode_frame(r#"{"event":"pusher_internal:subscription_succeeded","channel":"private-client.42"}"#, CH),
            Frame::SubscriptionSucceeded { channel: CH.into() }
        );
        assert_eq!(decode_frame(r#"{"event":"pusher_internal:subscription_succeeded","channel":"private-client.43"}"#, CH), Frame::Other(Ignored::OtherChannel));
        let f = decode_frame(
            r#"{"event":"pusher:subscription_error","channel":"private-client.42","data":{"type":"AuthError","error":"The connection is unauthorized.","status":401}}"#,
            CH,
        );
        assert_eq!(f, Frame::SubscriptionError { status: Some(401), kind: Some("AuthError".into()), message: Some("The connection is unauthorized.".into()) });
        let f = decode_frame(r#"{"event":"pusher:error","data":{"code":4001,"message":"App key x does not exist."}}"#, CH);
        assert_eq!(f, Frame::Error { code: Some(4001), message: "App key x does not exist.".into() });
        assert_eq!(decode_frame(r#"{"event":"pusher:error","data":"oops"}"#, CH), Frame::Error { code: None, message: String::new() });
    }

    #[test]
    fn status_events() {
        let text = r#"{"event":"request.status.updated","channel":"private-client.42","data":"{\"request_id\":\"123e4567-e89b-12d3-a456-426614174000\",\"status\":\"in_progress\",\"preview\":\"data:image/jpeg;base64,/9j/4AAQ\",\"result_url\":null,\"progress\":\"45.50\"}"}"#;
        let Frame::StatusEvent(e) = decode_frame(text, CH) else { panic!() };
        assert_eq!(e.status, "processing");
        assert_eq!(e.progress, Some(45.5));
        assert_eq!(e.preview.as_deref(), Some("data:image/jpeg;base64,/9j/4AAQ"));
        assert!(!e.is_terminal());
        assert_eq!(
            e.to_status(),
            pj(r#"{"request_id":"123e4567-e89b-12d3-a456-426614174000","status":"processing","progress":45.5,"preview":"data:image/jpeg;base64,/9j/4AAQ","result_url":null}"#).unwrap()
        );
        // data as an object (not double-encoded), done with a result URL
        let text = r#"{"event":"request.status.updated","channel":"private-client.42","data":{"request_id":"r-1","status":"done","progress":100,"result_url":"https://r.test/x.png","preview":null}}"#;
        let Frame::StatusEvent(e) = decode_frame(text, CH) else { panic!() };
        assert!(e.is_terminal());
        assert_eq!((e.progress, e.result_url.as_deref(), e.status.as_str()), (Some(100.0), Some("https://r.test/x.png"), "done"));
        // odd fields dropped, not the event
        let text = r#"{"event":"request.status.updated","channel":"private-client.42","data":{"request_id":"r-1","status":"processing","progress":"abc","preview":"javascript:alert(1)","result_url":"ftp://x"}}"#;
        let Frame::StatusEvent(e) = decode_frame(text, CH) else { panic!() };
        assert_eq!((e.progress, e.preview, e.result_url), (None, None, None));
        // progress clamped to 0–100
        let f = |p: &str| match decode_frame(&format!(r#"{{"event":"request.status.updated","channel":"private-client.42","data":{{"request_id":"r","status":"processing","progress":{p}}}}}"#), CH) {
            Frame::StatusEvent(e) => e.progress,
            other => panic!("{other:?}"),
        };
        assert_eq!((f("\"150\""), f("-3"), f("1e999"), f("\"NaN\"")), (Some(100.0), Some(0.0), None, None));
        // unknown statuses kept
        let text = r#"{"event":"request.status.updated","channel":"private-client.42","data":{"request_id":"r","status":"queued"}}"#;
        assert!(matches!(decode_frame(text, CH), Frame::StatusEvent(e) if e.status == "queued" && e.progress.is_none()));
    }

    #[test]
    fn hostile_frames_are_ignored() {
        let ev = |channel: &str, data: &str| format!(r#"{{"event":"request.status.updated","channel":{channel},"data":{data}}}"#);
        let cases: &[(String, Ignored)] = &[
            ("not json".into(), Ignored::NotJson),
            ("".into(), Ignored::NotJson),
            ("[1,2]".into(), Ignored::NotJson),
            (r#"{"event":5}"#.into(), Ignored::NotJson),
            (r#"{"data":{}}"#.into(), Ignored::NotJson),
            (r#"{"event":"client-x","channel":"private-client.42","data":{}}"#.into(), Ignored::UnknownEvent),
            (r#"{"event":"pusher_internal:member_added","data":{}}"#.into(), Ignored::UnknownEvent),
            (ev(r#""private-client.43""#, r#"{"request_id":"r","status":"done"}"#), Ignored::OtherChannel),
            (ev("null", r#"{"request_id":"r","status":"done"}"#), Ignored::OtherChannel),
            (ev("42", r#"{"request_id":"r","status":"done"}"#), Ignored::OtherChannel),
            (ev(r#""private-client.42""#, r#""{not json""#), Ignored::Malformed),
            (ev(r#""private-client.42""#, r#"[1]"#), Ignored::Malformed),
            (ev(r#""private-client.42""#, r#"{"status":"done"}"#), Ignored::Malformed),
            (ev(r#""private-client.42""#, r#"{"request_id":"../x","status":"done"}"#), Ignored::Malformed),
            (ev(r#""private-client.42""#, r#"{"request_id":7,"status":"done"}"#), Ignored::Malformed),
            (ev(r#""private-client.42""#, r#"{"request_id":"r","status":""}"#), Ignored::Malformed),
            (ev(r#""private-client.42""#, r#"{"request_id":"r","status":{"a":1}}"#), Ignored::Malformed),
        ];
        for (text, why) in cases {
            assert_eq!(decode_frame(text, CH), Frame::Other(*why), "{text}");
        }
        // a multi-MiB preview: too large, unread
        let big = ev(r#""private-client.42""#, &format!(r#"{{"request_id":"r","status":"processing","preview":"data:image/jpeg;base64,{}"}}"#, "A".repeat(3 << 20)));
        assert_eq!(decode_frame(&big, CH), Frame::Other(Ignored::TooLarge));
        // just under the cap is read
        let fits = ev(r#""private-client.42""#, &format!(r#"{{"request_id":"r","status":"processing","preview":"data:image/jpeg;base64,{}"}}"#, "A".repeat(MAX_FRAME_BYTES - 200)));
        assert!(fits.len() <= MAX_FRAME_BYTES && matches!(decode_frame(&fits, CH), Frame::StatusEvent(_)));
    }

    #[test]
    fn frames_out() {
        assert_eq!(subscribe_frame(CH, "k:ab"), r#"{"event":"pusher:subscribe","data":{"auth":"k:ab","channel":"private-client.42"}}"#);
        assert_eq!(unsubscribe_frame(CH), r#"{"event":"pusher:unsubscribe","data":{"channel":"private-client.42"}}"#);
        assert_eq!(auth_body("1.2", CH), r#"{"socket_id":"1.2","channel_name":"private-client.42"}"#);
        // escaped as JSON, and read back the same
        let odd = "a\"b\\c\u{1}d\u{1f}é";
        let j = pj(&auth_body(odd, odd)).unwrap();
        assert_eq!(j.get("socket_id").and_then(Json::as_str), Some(odd));
        for f in [PING_FRAME, PONG_FRAME] {
            assert!(pj(f).is_some());
        }
        assert_eq!(decode_frame(PING_FRAME, CH), Frame::Ping);
        assert_eq!(decode_frame(PONG_FRAME, CH), Frame::Pong);
    }

    #[test]
    fn auth_answers() {
        let sig = "58df8b0c36d6982b82c3ecf6b4662e34fe8c25bba48f5369f135bf843651c3a4";
        let ok = format!(r#"{{"auth":"278d425bdf160c739803:{sig}"}}"#);
        assert_eq!(decode_auth(200, &ok, "278d425bdf160c739803"), Ok(format!("278d425bdf160c739803:{sig}")));
        assert_eq!(decode_auth(403, &ok, "k"), Err(AuthFailure::Refused { status: 403 }));
        assert_eq!(decode_auth(401, "", "k"), Err(AuthFailure::Refused { status: 401 }));
        assert_eq!(decode_auth(503, "", "k"), Err(AuthFailure::Http { status: 503 }));
        assert!(AuthFailure::Http { status: 503 }.retryable() && AuthFailure::Http { status: 429 }.retryable());
        assert!(!AuthFailure::Http { status: 404 }.retryable() && !AuthFailure::Refused { status: 403 }.retryable());
        assert!(AuthFailure::Refused { status: 403 }.message().contains("realtime.clientId"));
        for (body, why) in [
            ("<html>", "not JSON"),
            (r#"{"auth":5}"#, "no `auth` string"),
            (r#"{"message":"ok"}"#, "no `auth` string"),
            (r#"{"auth":"nocolon"}"#, "`auth` is not key:signature"),
            (r#"{"auth":"k:xyz"}"#, "the signature is not 64 hex digits"),
        ] {
            assert_eq!(decode_auth(200, body, "k"), Err(AuthFailure::Invalid(why)), "{body}");
        }
        assert_eq!(decode_auth(200, &ok, "depin-api-prod-key"), Err(AuthFailure::Invalid("signed for another app key than `realtime.url`'s")));
        assert!(!AuthFailure::Invalid("x").retryable());
    }

    #[test]
    fn ping_and_pong_timing() {
        assert_eq!(ping_after_ms(Some(30.0)), 30_000.0);
        assert_eq!(ping_after_ms(Some(500.0)), 120_000.0, "at most PDOC's 120 s");
        assert_eq!(ping_after_ms(None), 120_000.0);
        assert_eq!(ping_after_ms(Some(0.01)), 1_000.0);
        assert_eq!(ping_after_ms(Some(f64::NAN)), 120_000.0);
        assert_eq!(pong_deadline_ms(30_000.0), 30_000.0);
        assert_eq!(pong_deadline_ms(120_000.0), 30_000.0);
        assert_eq!(pong_deadline_ms(1_000.0), 1_000.0);
    }

    #[test]
    fn close_codes() {
        for code in [4000, 4001, 4004, 4009, 4099] {
            assert_eq!(after_close(code, 0, 0.3), Reconnect::Never, "{code}");
        }
        for code in [4200, 4201, 4202, 4299] {
            assert_eq!(after_close(code, 0, 0.3), Reconnect::After(0.0), "{code}");
            assert_eq!(after_close(code, 1, 0.0), Reconnect::After(1_000.0), "no hot loop: {code}");
        }
        for code in [4100, 4199, 1000, 1001, 1006, 1011, 3999, 4300, 4999, 0] {
            let Reconnect::After(d) = after_close(code, 0, 0.5) else { panic!("{code}") };
            assert!((1_000.0..=1_500.0).contains(&d), "{code}: {d}");
        }
    }

    #[test]
    fn backoff_with_jitter() {
        assert_eq!((backoff_ms(0, 0.0), backoff_ms(0, 1.0)), (1_000.0, 1_500.0));
        assert_eq!(backoff_ms(1, 0.0), 2_000.0);
        assert_eq!(backoff_ms(4, 0.0), 16_000.0);
        assert_eq!(backoff_ms(5, 0.0), 20_000.0);
        assert!((backoff_ms(99, 0.999_999) - 29_999.99).abs() < 1e-6);
        assert_eq!(backoff_ms(u32::MAX, 1.0), 30_000.0);
        assert_eq!((backoff_ms(0, f64::NAN), backoff_ms(0, -5.0), backoff_ms(0, 7.0)), (1_250.0, 1_000.0, 1_500.0));
        // jitter spreads clients: different random draws, different delays
        let spread: Vec<f64> = [0.1, 0.4, 0.9].iter().map(|r| backoff_ms(2, *r)).collect();
        for (got, want) in spread.iter().zip([4_200.0, 4_800.0, 5_800.0]) {
            assert!((got - want).abs() < 1e-6, "{spread:?}");
        }
        for a in 0..40 {
            for r in [0.0, 0.25, 0.5, 0.999] {
                let d = backoff_ms(a, r);
                assert!((1_000.0..=30_000.0).contains(&d) && d <= MAX_TIMER_MS);
            }
        }
    }

    fn link() -> Link {
        Link::new(&rt(r#"{"clientId":"42","url":"ws://127.0.0.1:9/app/k"}"#).unwrap().unwrap()).unwrap()
    }
    const HELLO: &str = r#"{"event":"pusher:connection_established","data":"{\"socket_id\":\"1.2\",\"activity_timeout\":30}"}"#;
    const OK_SUB: &str = r#"{"event":"pusher_internal:subscription_succeeded","channel":"private-client.42"}"#;
    fn signed() -> String {
        format!(r#"{{"auth":"k:{}"}}"#, "a".repeat(64))
    }
    /// A link driven to Connected.
    fn connected() -> Link {
        let mut l = link();
        l.on(Input::Open, 0.5);
        l.on(Input::Frame(HELLO), 0.5);
        l.on(Input::AuthAnswer { socket_id: "1.2", status: 200, body: &signed() }, 0.5);
        l.on(Input::Frame(OK_SUB), 0.5);
        assert_eq!(l.state(), State::Connected);
        l
    }

    #[test]
    fn link_connects_authorises_subscribes() {
        let mut l = link();
        assert_eq!(l.state(), State::Idle);
        let url = ["ws://127.0.0.1:9/app/k?protocol=7&client=deapi-wasm&version=", env!("CARGO_PKG_VERSION"), "&flash=false"].concat();
        assert_eq!(l.on(Input::Open, 0.5), [Action::State(State::Connecting), Action::Connect(url), Action::Start(Timer::Handshake, HANDSHAKE_TIMEOUT_MS)]);
        assert_eq!(l.on(Input::Open, 0.5), [], "one socket");
        assert_eq!(
            l.on(Input::Frame(HELLO), 0.5),
            [
                Action::Stop(Timer::Handshake),
                Action::Start(Timer::Ping, 30_000.0),
                Action::Authorize { socket_id: "1.2".into(), body: r#"{"socket_id":"1.2","channel_name":"private-client.42"}"#.into() }
            ]
        );
        assert_eq!(l.socket_id(), Some("1.2"));
        let sub = l.on(Input::AuthAnswer { socket_id: "1.2", status: 200, body: &signed() }, 0.5);
        assert_eq!(sub, [Action::Send(subscribe_frame("private-client.42", &format!("k:{}", "a".repeat(64))))]);
        assert_eq!(l.on(Input::Frame(OK_SUB), 0.5), [Action::Start(Timer::Ping, 30_000.0), Action::State(State::Connected), Action::Subscribed]);
        // events, server pings
        let ev = r#"{"event":"request.status.updated","channel":"private-client.42","data":"{\"request_id\":\"r\",\"status\":\"in_progress\",\"progress\":\"5.5\"}"}"#;
        let acts = l.on(Input::Frame(ev), 0.5);
        assert!(matches!(acts.as_slice(), [Action::Start(Timer::Ping, _), Action::Event(e)] if e.status == "processing" && e.progress == Some(5.5)));
        assert_eq!(l.on(Input::Frame(PING_FRAME), 0.5), [Action::Start(Timer::Ping, 30_000.0), Action::Send(PONG_FRAME.into())]);
        // hostile frames: only the activity timer
        assert_eq!(l.on(Input::Frame("garbage"), 0.5), [Action::Start(Timer::Ping, 30_000.0)]);
        assert!(Link::new(&rt(r#"{"relay":"/e/{requestId}"}"#).unwrap().unwrap()).is_none(), "a relay only: no socket");
    }

    #[test]
    fn link_pings_and_reconnects_on_a_missing_pong() {
        let mut l = connected();
        assert_eq!(l.on(Input::Fired(Timer::Ping), 0.5), [Action::Send(PING_FRAME.into()), Action::Start(Timer::Pong, 30_000.0)]);
        // a pong in time
        assert_eq!(l.on(Input::Frame(PONG_FRAME), 0.5), [Action::Stop(Timer::Pong), Action::Start(Timer::Ping, 30_000.0)]);
        assert_eq!(l.on(Input::Fired(Timer::Pong), 0.5), [], "a stale pong timer is ignored");
        // no pong: dead, reconnect at once (as 4201), then the next failure backs off
        l.on(Input::Fired(Timer::Ping), 0.5);
        assert_eq!(l.on(Input::Fired(Timer::Pong), 0.0), [Action::Disconnect, Action::State(State::Connecting), Action::Start(Timer::Reconnect, 0.0)]);
        assert_eq!(l.socket_id(), None);
        assert!(matches!(l.on(Input::Fired(Timer::Reconnect), 0.5).as_slice(), [Action::Connect(_), Action::Start(Timer::Handshake, _)]));
        assert_eq!(l.on(Input::Fired(Timer::Handshake), 0.0), [Action::Disconnect, Action::Start(Timer::Reconnect, 2_000.0)], "attempt 2 backs off");
        // a new handshake: authorised again with the new socket id, resubscribed, attempts reset
        l.on(Input::Fired(Timer::Reconnect), 0.5);
        let acts = l.on(Input::Frame(&HELLO.replace("1.2", "3.4")), 0.5);
        assert!(acts.contains(&Action::Authorize { socket_id: "3.4".into(), body: auth_body("3.4", "private-client.42") }));
        assert_eq!(l.on(Input::AuthAnswer { socket_id: "1.2", status: 403, body: "" }, 0.5), [], "an answer for the old socket is ignored");
        l.on(Input::AuthAnswer { socket_id: "3.4", status: 200, body: &signed() }, 0.5);
        assert!(l.on(Input::Frame(OK_SUB), 0.5).contains(&Action::Subscribed));
        assert_eq!(l.on(Input::Closed { code: 4200 }, 0.5), [Action::Disconnect, Action::State(State::Connecting), Action::Start(Timer::Reconnect, 0.0)]);
    }

    #[test]
    fn link_close_codes_and_refusals() {
        let mut l = connected();
        assert_eq!(l.on(Input::Closed { code: 1006 }, 0.0), [Action::Disconnect, Action::State(State::Connecting), Action::Start(Timer::Reconnect, 1_000.0)]);
        let mut l = connected();
        let acts = l.on(Input::Closed { code: 4009 }, 0.0);
        assert_eq!(l.state(), State::Unavailable);
        assert!(matches!(acts.as_slice(), [Action::Disconnect, Action::State(State::Unavailable), Action::Unavailable(m)] if m.contains("4009")));
        assert_eq!(l.on(Input::Open, 0.5), [], "unavailable stays so: waits poll");
        // auth refused
        let mut l = link();
        l.on(Input::Open, 0.5);
        l.on(Input::Frame(HELLO), 0.5);
        let acts = l.on(Input::AuthAnswer { socket_id: "1.2", status: 403, body: "{}" }, 0.5);
        assert!(matches!(acts.as_slice(), [Action::Disconnect, Action::State(State::Unavailable), Action::Unavailable(m)] if m.contains("realtime.clientId")));
        // auth down: retried after a backoff
        let mut l = link();
        l.on(Input::Open, 0.5);
        l.on(Input::Frame(HELLO), 0.5);
        assert_eq!(l.on(Input::AuthAnswer { socket_id: "1.2", status: 503, body: "" }, 0.0), [Action::Disconnect, Action::Start(Timer::Reconnect, 1_000.0)]);
        // subscription refused
        let mut l = link();
        l.on(Input::Open, 0.5);
        l.on(Input::Frame(HELLO), 0.5);
        let err = r#"{"event":"pusher:subscription_error","channel":"private-client.42","data":{"type":"AuthError","error":"The connection is unauthorized.","status":401}}"#;
        let acts = l.on(Input::Frame(err), 0.5);
        assert!(matches!(acts.last(), Some(Action::Unavailable(m)) if m.contains("401: The connection is unauthorized.")), "{acts:?}");
        // no WebSocket in the runtime
        let mut l = link();
        l.on(Input::Open, 0.5);
        assert!(matches!(l.on(Input::CannotConnect("no WebSocket"), 0.5).last(), Some(Action::Unavailable(m)) if m.contains("no WebSocket")));
    }

    #[test]
    fn link_release_and_close_leave_nothing() {
        let mut l = connected();
        assert_eq!(l.on(Input::Release, 0.5), [Action::Disconnect, Action::State(State::Idle)]);
        assert!(matches!(l.on(Input::Open, 0.5).get(1), Some(Action::Connect(_))), "opened again on the next need");
        assert_eq!(l.on(Input::Close, 0.5), [Action::Disconnect, Action::State(State::Closed)]);
        for input in [Input::Open, Input::Fired(Timer::Reconnect), Input::Closed { code: 1006 }, Input::Frame(HELLO), Input::Close] {
            assert_eq!(l.on(input, 0.5), [], "{input:?}");
        }
        // late timers and a closed socket's frames do nothing
        let mut l = connected();
        l.on(Input::Closed { code: 1006 }, 0.5);
        for input in [Input::Fired(Timer::Ping), Input::Fired(Timer::Pong), Input::Fired(Timer::Handshake), Input::Frame(OK_SUB), Input::Closed { code: 1006 }] {
            assert_eq!(l.on(input, 0.5), [], "{input:?}");
        }
        assert_eq!(l.on(Input::Fired(Timer::Reconnect), 0.5).len(), 2);
        assert_eq!(l.on(Input::Fired(Timer::Reconnect), 0.5), [], "one socket");
        // a reconnect timer that fires after close() does nothing
        let mut l = connected();
        l.on(Input::Closed { code: 1006 }, 0.5);
        l.on(Input::Close, 0.5);
        assert_eq!(l.on(Input::Fired(Timer::Reconnect), 0.5), []);
    }

    fn event(id: &str, status: &str, preview: usize) -> JobEvent {
        JobEvent { request_id: id.into(), status: status.into(), progress: None, preview: (preview > 0).then(|| "p".repeat(preview)), result_url: None }
    }

    #[test]
    fn early_events_are_kept_bounded() {
        let mut b = EarlyEvents::new(3, 1_000.0, 10_000);
        b.push(0.0, event("a", "processing", 0));
        b.push(1.0, event("a", "done", 0));
        b.push(2.0, event("a", "processing", 0));
        assert_eq!(b.len(), 1);
        assert_eq!(b.take("a", 3.0).map(|e| e.status), Some("done".into()), "a terminal event is not replaced");
        assert_eq!(b.take("a", 3.0), None, "taken once");
        // count
        for (i, id) in ["a", "b", "c", "d"].iter().enumerate() {
            b.push(i as f64, event(id, "processing", 0));
        }
        assert_eq!(b.len(), 3);
        assert_eq!(b.take("a", 10.0), None, "the oldest went");
        assert!(b.take("d", 10.0).is_some());
        // age
        b.push(100.0, event("e", "done", 0));
        assert_eq!(b.take("e", 1_101.0), None);
        assert!(b.is_empty());
        // bytes
        let mut b = EarlyEvents::new(100, 60_000.0, 10_000);
        b.push(0.0, event("big", "processing", 20_000));
        assert!(b.is_empty(), "larger than the whole budget");
        for i in 0..5 {
            b.push(0.0, event(&format!("p{i}"), "processing", 3_000));
        }
        assert!(b.len() <= 3 && b.take("p4", 0.0).is_some());
        assert!(EarlyEvents::default().is_empty());
    }

    #[test]
    fn state_names() {
        let all = [State::Idle, State::Connecting, State::Connected, State::Unavailable, State::Closed];
        assert_eq!(all.map(State::name), ["idle", "connecting", "connected", "unavailable", "closed"]);
    }
}
