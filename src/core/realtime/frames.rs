//! Frames in and out: a server text frame → a [`Frame`] ([`decode_frame`]; hostile input is
//! [`Frame::Other`], never a panic), a status event → a `JobStatus` ([`JobEvent::to_status`]), the
//! frames the client writes, and the auth endpoint's body and answer ([`auth_body`], [`decode_auth`]).

use super::STATUS_EVENT;
use crate::core::json::{parse_json, Json};
use crate::core::text::dec;

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
    /// Bytes held (for [`super::EarlyEvents`]' budget).
    pub(super) fn size(&self) -> usize {
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
    let request_id = text("request_id").filter(|s| crate::core::args::is_request_id(s))?.to_owned();
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

#[cfg(test)]
mod tests {
    use crate::core::realtime::test_support::*;

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
            j(r#"{"request_id":"123e4567-e89b-12d3-a456-426614174000","status":"processing","progress":45.5,"preview":"data:image/jpeg;base64,/9j/4AAQ","result_url":null}"#)
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
        let body = j(&auth_body(odd, odd));
        assert_eq!(body.get("socket_id").and_then(Json::as_str), Some(odd));
        for f in [PING_FRAME, PONG_FRAME] {
            assert!(crate::core::json::parse_json(f).is_some());
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
}
