//! `deapi.realtime.relay(requestId, opts)`'s decisions (pure): one job's progress as Server-Sent
//! Events for a browser, so a multi-user app never hands a browser the account's channel (which
//! carries every user's jobs). The binding (`crate::wasm::relay`) runs the client's `wait()` with an
//! `onProgress` of its own and writes what [`Stream`] returns into a `ReadableStream`.
//!
//! The stream (README "Realtime → relay"; `js/index.d.ts` `RelayEvent`):
//! - `event: status` — a `JobStatus` while the job runs (`pending`, `processing`, …), as `onProgress`
//!   gets it; a status equal to the previous one is not sent again;
//! - `event: done` — the final `JobStatus` (the wait's one status GET after `done`), then the end;
//! - `event: error` — the wait's error as `toJSON()` writes it (`{ name, code, message, requestId,
//!   errorCode, errorReason, retryable, refunded, … }`: a `JobFailedError`, `JobTimeoutError`, a
//!   `NotFoundError` for an unknown id, an `AbortError` when the server's `signal` ended it), then the end;
//! - `: ping` — a comment every [`DEFAULT_HEARTBEAT_MS`] (`heartbeatMs`), so proxies keep an idle
//!   stream open; `EventSource` ignores it.
//!
//! Every `data:` is one line of JSON text; the API key (and its secret half) never appears in it,
//! even if deAPI echoed it. A request id that is not one (`session::is_request_id`) is a 400 answer
//! before anything is sent.

use crate::core::error::ApiError;
use crate::core::jobs::{phase, Phase};
use crate::core::config::MAX_TIMER_MS;
use crate::core::json::Json;
use crate::core::text::redact_str;
use crate::core::args::{Arg, Opts};

/// The stream's `Content-Type`.
pub const CONTENT_TYPE: &str = "text/event-stream";
/// How often the `: ping` comment is sent by default: under the 30–100 s idle limits of common
/// proxies and load balancers.
pub const DEFAULT_HEARTBEAT_MS: f64 = 15_000.0;
/// The heartbeat comment.
pub const PING: &str = ": ping\n\n";
/// Event names.
pub const STATUS: &str = "status";
pub const DONE: &str = "done";
pub const ERROR: &str = "error";
/// The relay's own option; every other one goes to `wait()`.
const HEARTBEAT: &str = "heartbeatMs";

/// One Server-Sent Event: `event: <name>`, one `data:` line per line of `data` (`\r\n`, `\r` and
/// `\n` all end a line, as `EventSource` reads them, so nothing in `data` can start a field of its
/// own), and the blank line that dispatches it. `name` is one of this module's constants.
pub fn frame(name: &str, data: &str) -> String {
    let mut out = String::with_capacity(data.len() + name.len() + 16);
    out.push_str("event: ");
    out.push_str(name);
    out.push('\n');
    let mut rest = data;
    loop {
        let end = rest.find(['\r', '\n']).unwrap_or(rest.len());
        out.push_str("data: ");
        out.push_str(rest.get(..end).unwrap_or_default());
        out.push('\n');
        let tail = rest.get(end..).unwrap_or_default();
        let tail = tail.strip_prefix("\r\n").or_else(|| tail.strip_prefix('\r')).or_else(|| tail.strip_prefix('\n'));
        match tail {
            Some(t) => rest = t,
            None => break,
        }
    }
    out.push('\n');
    out
}

/// The relay's options, checked.
#[derive(Clone, Debug, PartialEq)]
pub struct Options {
    pub heartbeat_ms: f64,
    /// What goes on to `wait()` (checked there: `signal`, `timeoutMs`, `pollIntervalMs`,
    /// `maxPollIntervalMs`, `maxWaitMs`).
    pub wait: Opts,
}

/// `relay(requestId, opts)`'s `opts`: `heartbeatMs` taken out, `onProgress` refused (the progress
/// goes to the browser), the rest left for `wait()` to check.
pub fn options(opts: &Opts) -> Result<Options, ApiError> {
    let pairs = match opts {
        Opts::Missing => return Ok(Options { heartbeat_ms: DEFAULT_HEARTBEAT_MS, wait: Opts::Missing }),
        Opts::Other("AbortSignal") => return Err(ApiError::invalid_option("options", "got an AbortSignal where the options go: pass it as { signal: request.signal }")),
        Opts::Other(_) => return Err(ApiError::invalid_option("options", "the last argument must be an options object such as { signal: request.signal }")),
        Opts::Object(pairs) => pairs,
    };
    let mut heartbeat_ms = DEFAULT_HEARTBEAT_MS;
    let mut wait = Vec::with_capacity(pairs.len());
    for (k, v) in pairs {
        match (k.as_str(), v) {
            (HEARTBEAT, Arg::Data(Json::Null)) => {}
            (HEARTBEAT, Arg::Data(Json::Num(n))) if n.fract() == 0.0 && *n >= 1.0 && *n <= MAX_TIMER_MS => heartbeat_ms = *n,
            (HEARTBEAT, _) => return Err(ApiError::invalid_option(HEARTBEAT, "must be a whole number of milliseconds from 1 to 2147483647 (default 15000)")),
            ("onProgress", _) => {
                return Err(ApiError::invalid_option("onProgress", "is not a relay option: the relay sends the job's progress to the browser as `status` events (on the server, use wait({ onProgress }))"))
            }
            _ => wait.push((k.clone(), v.clone())),
        }
    }
    Ok(Options { heartbeat_ms, wait: Opts::Object(wait) })
}

/// The 400 answer's JSON body for an id that is not one (`{"message": …}`, as the proxy's refusals).
pub const BAD_ID: &str = r#"{"message":"Bad Request: not a deAPI request id (1–128 ASCII letters, digits, - or _)"}"#;

/// The request id of a relay, trimmed; `Err`: the 400 answer's JSON body (the id usually comes from
/// a URL a browser asked for, so it is answered, not thrown).
pub fn request_id(id: &Arg) -> Result<String, &'static str> {
    crate::core::args::request_id(id).map_err(|_| BAD_ID)
}

/// An error's `toJSON()` data as the `error` event carries it: absent fields (`undefined` in JS,
/// null here) left out, as `JSON.stringify` leaves them; a `name` and a `message` always there.
pub fn error_fields(error: Json) -> Json {
    let mut pairs: Vec<(String, Json)> = match error {
        Json::Obj(p) => p.into_iter().filter(|(_, v)| !v.is_null()).collect(),
        _ => Vec::new(),
    };
    for (key, fallback) in [("message", "the relay's wait failed"), ("name", "Error")] {
        if !matches!(pairs.iter().find(|(k, _)| k == key), Some((_, Json::Str(_)))) {
            pairs.retain(|(k, _)| k != key);
            pairs.insert(0, (key.to_owned(), Json::str(fallback)));
        }
    }
    Json::Obj(pairs)
}

/// One relay's stream: what to write for each thing the wait tells. The values come as JSON text
/// (the binding's `JSON.stringify`: the module carries no JSON writer of its own).
#[derive(Debug, Default)]
pub struct Stream {
    /// The last `status` event's data (a repeat is not sent).
    last: Option<String>,
    ended: bool,
    /// Text never written (the key, its secret half).
    secrets: Vec<String>,
}

impl Stream {
    pub fn new(secrets: Vec<String>) -> Stream {
        Stream { secrets, ..Stream::default() }
    }

    /// The stream has had its last event.
    pub fn ended(&self) -> bool {
        self.ended
    }

    /// (JSON text: a secret is made of letters, digits and `|`, which JSON writes as they are)
    fn data(&self, mut text: String) -> String {
        for s in &self.secrets {
            redact_str(&mut text, s);
        }
        text
    }

    /// A status `onProgress` got (`state`: its `status` word; `json`: the status as JSON text): a
    /// `status` event, unless the job is finished (the wait's result, [`Stream::done`] or
    /// [`Stream::error`], says that) or nothing changed since the last one.
    pub fn status(&mut self, state: &str, json: String) -> Option<String> {
        let word = Json::Obj(vec![("status".to_owned(), Json::str(state))]);
        if self.ended || phase(&word) != Phase::Running {
            return None;
        }
        let text = self.data(json);
        if self.last.as_deref() == Some(text.as_str()) {
            return None;
        }
        let out = frame(STATUS, &text);
        self.last = Some(text);
        Some(out)
    }

    /// The wait resolved with this status (JSON text): the `done` event, the last one.
    pub fn done(&mut self, json: String) -> Option<String> {
        if std::mem::replace(&mut self.ended, true) {
            return None;
        }
        Some(frame(DONE, &self.data(json)))
    }

    /// The wait rejected: the `error` event (`json`: [`error_fields`] as JSON text), the last one.
    pub fn error(&mut self, json: String) -> Option<String> {
        if std::mem::replace(&mut self.ended, true) {
            return None;
        }
        Some(frame(ERROR, &self.data(json)))
    }
}

/// Whole milliseconds for a timer (the option is checked to fit).
pub fn timer_ms(ms: f64) -> u32 {
    if ms.is_finite() {
        ms.clamp(1.0, MAX_TIMER_MS) as u32
    } else {
        DEFAULT_HEARTBEAT_MS as u32
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::test_util::j;

    /// (what the binding does: the state word, and the value as JSON.stringify writes it)
    fn st(s: &mut Stream, text: &str) -> Option<String> {
        let v = j(text);
        let state = v.get("status").and_then(Json::as_str).unwrap_or_default().to_owned();
        s.status(&state, crate::core::json::to_text(&v))
    }
    fn err(s: &mut Stream, text: &str) -> Option<String> {
        s.error(crate::core::json::to_text(&error_fields(j(text))))
    }

    #[test]
    fn frames_one_data_line_per_line() {
        assert_eq!(frame(STATUS, r#"{"a":1}"#), "event: status\ndata: {\"a\":1}\n\n");
        assert_eq!(frame(DONE, ""), "event: done\ndata: \n\n");
        // every line ending EventSource knows starts a new data line: nothing can begin a field
        assert_eq!(frame(ERROR, "a\nevent: x\r\nb\rc\n"), "event: error\ndata: a\ndata: event: x\ndata: b\ndata: c\ndata: \n\n");
        assert_eq!(PING, ": ping\n\n");
    }

    #[test]
    fn json_data_is_one_line() {
        let mut s = Stream::new(Vec::new());
        let out = st(&mut s, r#"{"request_id":"r1","status":"processing","progress":50,"preview":"a\nb"}"#).unwrap();
        assert_eq!(out.matches('\n').count(), 3, "{out}");
        assert!(out.starts_with("event: status\ndata: {\"request_id\":\"r1\""));
    }

    #[test]
    fn status_events_while_running_only_and_no_repeats() {
        let mut s = Stream::new(Vec::new());
        assert!(st(&mut s, r#"{"status":"pending","progress":0}"#).is_some());
        assert!(st(&mut s, r#"{"status":"pending","progress":0}"#).is_none(), "the same status again");
        assert!(st(&mut s, r#"{"status":"processing","progress":25}"#).is_some());
        assert!(st(&mut s, r#"{"status":"pending","progress":0}"#).is_some(), "a change back is a change");
        // the final status comes from the wait's result, not from onProgress
        assert!(st(&mut s, r#"{"status":"done","progress":100}"#).is_none());
        assert!(st(&mut s, r#"{"status":"error"}"#).is_none());
        assert!(!s.ended());
        let done = s.done(r#"{"status":"done","result_url":"https://x/r.png"}"#.to_owned()).unwrap();
        assert_eq!(done, "event: done\ndata: {\"status\":\"done\",\"result_url\":\"https://x/r.png\"}\n\n");
        assert!(s.ended());
        // nothing after the end
        assert!(st(&mut s, r#"{"status":"processing"}"#).is_none());
        assert!(s.done("{}".to_owned()).is_none());
        assert!(err(&mut s, r#"{"name":"X","message":"m"}"#).is_none());
    }

    #[test]
    fn error_events_keep_the_error_shape() {
        let mut s = Stream::new(Vec::new());
        let e = err(&mut s, r#"{"name":"JobFailedError","code":"job_failed","status":null,"message":"Job r1 failed: boom","requestId":"r1","errorCode":"PROCESSING_ERROR","retryable":true,"rateLimit":null}"#)
            .unwrap();
        assert_eq!(
            e,
            "event: error\ndata: {\"name\":\"JobFailedError\",\"code\":\"job_failed\",\"message\":\"Job r1 failed: boom\",\"requestId\":\"r1\",\"errorCode\":\"PROCESSING_ERROR\",\"retryable\":true}\n\n"
        );
        // something that is no DeapiError still gets a name and a message
        for odd in ["{}", "null", "\"text\"", r#"{"name":5,"message":null,"x":1}"#] {
            let mut s = Stream::new(Vec::new());
            let out = s.error(crate::core::json::to_text(&error_fields(j(odd)))).unwrap();
            assert!(out.starts_with("event: error\ndata: {\"name\":\"Error\",\"message\":\"the relay's wait failed\""), "{odd}: {out}");
        }
    }

    #[test]
    fn never_the_key() {
        let key = "42|relaySecretValue1";
        let secrets = crate::core::error::key_parts(key).map(str::to_owned).collect();
        let mut s = Stream::new(secrets);
        let out = st(&mut s, r#"{"status":"processing","note":"echo 42|relaySecretValue1 and relaySecretValue1"}"#).unwrap();
        assert!(!out.contains("relaySecretValue1"), "{out}");
        assert!(out.contains("[REDACTED]"));
        let out = err(&mut s, r#"{"name":"ServerError","message":"Bearer 42|relaySecretValue1"}"#).unwrap();
        assert!(!out.contains("relaySecretValue1"), "{out}");
    }

    #[test]
    fn ids() {
        assert_eq!(request_id(&Arg::Data(Json::str(" 7f0c1d2e-0000-4000-8000-00000000c0de "))).unwrap(), "7f0c1d2e-0000-4000-8000-00000000c0de");
        for bad in [Arg::Data(Json::str("")), Arg::Data(Json::str("../admin")), Arg::Data(Json::str("a b")), Arg::Data(Json::Num(5.0)), Arg::NotJson, Arg::Function] {
            let body = request_id(&bad).unwrap_err();
            assert!(crate::core::json::parse_json(body).is_some_and(|b| b.get("message").and_then(Json::as_str).is_some_and(|m| m.starts_with("Bad Request"))), "{body}");
        }
        assert!(crate::core::json::parse_json(BAD_ID).is_some());
    }

    #[test]
    fn relay_options() {
        let o = |pairs: Vec<(&str, Arg)>| Opts::Object(pairs.into_iter().map(|(k, v)| (k.to_owned(), v)).collect());
        assert_eq!(options(&Opts::Missing).unwrap(), Options { heartbeat_ms: DEFAULT_HEARTBEAT_MS, wait: Opts::Missing });
        let got = options(&o(vec![("signal", Arg::Signal), ("heartbeatMs", Arg::Data(Json::Num(20.0))), ("maxWaitMs", Arg::Data(Json::Num(5.0)))])).unwrap();
        assert_eq!(got, Options { heartbeat_ms: 20.0, wait: o(vec![("signal", Arg::Signal), ("maxWaitMs", Arg::Data(Json::Num(5.0)))]) });
        assert_eq!(options(&o(vec![("heartbeatMs", Arg::Data(Json::Null))])).unwrap().heartbeat_ms, DEFAULT_HEARTBEAT_MS);
        for bad in [Json::Num(0.0), Json::Num(1.5), Json::Num(3e9), Json::str("15000")] {
            let e = options(&o(vec![("heartbeatMs", Arg::Data(bad))])).unwrap_err();
            assert!(e.message.contains("`heartbeatMs`"), "{}", e.message);
        }
        assert!(options(&o(vec![("onProgress", Arg::Function)])).unwrap_err().message.contains("`onProgress`"));
        assert!(options(&Opts::Other("string")).unwrap_err().message.contains("`options`"));
        assert_eq!((timer_ms(20.0), timer_ms(f64::NAN), timer_ms(0.0)), (20, 15_000, 1));
    }
}
