//! Where the request is sent: `fetch` (the global one through a wasm-bindgen binding — windows,
//! workers, Node 18+, Deno, Bun alike — or the `fetch` option), one `AbortController` per attempt
//! (aborted by the per-attempt timeout — the global `setTimeout` calling the controller's own `abort`,
//! bound, so no wasm closure is made per attempt — or by the caller's signal), the
//! retry loop that `core` decides ([`crate::core::session::Session::verdict`]/`failure`), backoff sleeps on
//! gloo-timers, the scheduler's gate, and the hooks (`onRequest`, `onResponse`, `onRetry`). The body
//! it sends is made by [`super::body`].

use super::state::Inner;
use super::convert::{get, object, set};
use super::errors::{abort_error, rate_limit, to_error};
use super::time::{sleep_or_abort, Signal, Turn};
use crate::core::config::MAX_TIMER_MS;
use crate::core::error::RateLimit;
use crate::core::json::Json;
use crate::core::jobs::WaitOptions;
use crate::core::plan::Plan;
use crate::core::session::{Admit, After, Attempt, Failure, Oversize, PollState, Verdict, HEADER_NAMES};
use js_sys::{ArrayBuffer, Function, Object, Promise, Uint8Array};
use std::cell::Cell;
use std::rc::Rc;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;
use web_sys::{AbortController, RequestInit, RequestRedirect};

#[wasm_bindgen]
extern "C" {
    /// The global scope's `fetch` (not `window.fetch`: there is no window in Node or a worker).
    #[wasm_bindgen(catch, js_name = fetch)]
    pub(super) fn global_fetch(url: &str, init: &RequestInit) -> Result<Promise, JsValue>;

    /// What `fetch` resolved with, read by shape (a `fetch` option may resolve with any object).
    /// Its properties are read as properties, not with `Reflect.get` and a key string made for each
    /// read; a throwing getter is an `Err` (read as undefined, as before).
    pub(super) type Res;
    #[wasm_bindgen(method, getter, structural, catch)]
    pub(super) fn status(this: &Res) -> Result<JsValue, JsValue>;
    #[wasm_bindgen(method, getter, structural, catch)]
    pub(super) fn headers(this: &Res) -> Result<JsValue, JsValue>;
    #[wasm_bindgen(method, getter, structural, catch)]
    fn text(this: &Res) -> Result<JsValue, JsValue>;
    /// `headers.get(name)` (a missing or throwing `get` is an `Err`: no header).
    #[wasm_bindgen(method, structural, catch, js_name = get)]
    pub(super) fn header(this: &Res, name: &JsValue) -> Result<JsValue, JsValue>;
    /// The body's `ReadableStream` (null for a body-less answer; absent on a plain object).
    #[wasm_bindgen(method, getter, structural, catch)]
    fn body(this: &Res) -> Result<JsValue, JsValue>;
    /// `"opaqueredirect"` for a redirect a browser hides (status 0).
    #[wasm_bindgen(method, getter, structural, catch, js_name = type)]
    fn kind(this: &Res) -> Result<JsValue, JsValue>;

    /// The body stream and its reader, read by shape (a `fetch` option's Response may come from
    /// another realm or library).
    pub(super) type Stream;
    #[wasm_bindgen(method, structural, catch, js_name = getReader)]
    pub(super) fn get_reader(this: &Stream) -> Result<Reader, JsValue>;
    pub(super) type Reader;
    #[wasm_bindgen(method, structural, catch)]
    pub(super) fn read(this: &Reader) -> Result<Promise, JsValue>;
    /// (`createProxy` cancels a request body past its limit.)
    #[wasm_bindgen(method, structural, catch)]
    pub(super) fn cancel(this: &Reader) -> Result<Promise, JsValue>;
    /// `new TextDecoder()`: UTF-8, a leading BOM dropped, invalid bytes → U+FFFD (what `text()` does).
    #[wasm_bindgen(js_name = TextDecoder)]
    type Decoder;
    #[wasm_bindgen(constructor, js_class = TextDecoder)]
    fn new_decoder() -> Decoder;
    #[wasm_bindgen(method, catch, js_class = TextDecoder)]
    fn decode(this: &Decoder, bytes: &Uint8Array) -> Result<String, JsValue>;
    /// The same, kept as a JS string.
    #[wasm_bindgen(method, catch, js_class = TextDecoder, js_name = decode)]
    fn decode_js(this: &Decoder, bytes: &Uint8Array) -> Result<js_sys::JsString, JsValue>;
    /// What `read()` resolves with: `{ value, done }` (`value` undefined when done).
    #[wasm_bindgen(method, getter, structural, catch)]
    fn value(this: &Res) -> Result<JsValue, JsValue>;

    /// The global `setTimeout`/`clearTimeout` (as gloo-timers binds them), for the per-attempt
    /// timeout: its callback is the controller's own `abort`, bound — no wasm closure per attempt.
    #[wasm_bindgen(js_name = setTimeout)]
    fn set_timeout(callback: &Function, ms: i32) -> JsValue;
    #[wasm_bindgen(js_name = clearTimeout)]
    fn clear_timeout(id: &JsValue);
}

thread_local! {
    /// `AbortController.prototype.abort`, and the reason the per-attempt timeout aborts with (so a
    /// failed attempt can tell its timeout from the caller's abort).
    static TIMEOUT_ABORT: (Option<Function>, JsValue) = (
        AbortController::new().ok().and_then(|c| get(&c, "abort").dyn_into::<Function>().ok()),
        js_sys::Error::new("deapi-wasm: per-attempt timeout").into(),
    );
}

/// The per-attempt timeout: `controller.abort(TIMEOUT)` after `ms`; cleared when dropped.
pub(super) struct AttemptTimer(JsValue);

impl AttemptTimer {
    pub(super) fn start(controller: &AbortController, ms: f64) -> AttemptTimer {
        TIMEOUT_ABORT.with(|(abort, reason)| {
            // (an AbortController always has `abort`; without it there would be nothing to call)
            let id = abort.as_ref().map_or(JsValue::UNDEFINED, |f| {
                set_timeout(f.bind1(controller, reason).unchecked_ref(), ms.clamp(0.0, MAX_TIMER_MS) as i32)
            });
            AttemptTimer(id)
        })
    }
}

impl Drop for AttemptTimer {
    fn drop(&mut self) {
        clear_timeout(&self.0);
    }
}

/// Did this controller's signal fire for the per-attempt timeout?
pub(super) fn timed_out(controller: &AbortController) -> bool {
    TIMEOUT_ABORT.with(|(_, reason)| controller.signal().reason() == *reason)
}

thread_local! {
    /// The response headers' names as JS strings, made once.
    static HEADER_KEYS: [JsValue; 9] = HEADER_NAMES.map(JsValue::from_str);
    static CONTENT_LENGTH: JsValue = JsValue::from_str("content-length");
    static DECODER: Decoder = Decoder::new_decoder();
}

/// What an attempt read: the body's text, or the size past `maxResponseBytes`.
enum Read {
    Text(String),
    Over(Oversize),
}

/// What [`read_capped`] got: the body's bytes, `text()`'s string (a response without a stream), or
/// the count of bytes at which reading stopped.
pub(super) enum Capped {
    Bytes(Uint8Array),
    Text(js_sys::JsString),
    Over(f64),
}

/// Read a response's body whole, counting bytes, as long as `over(count)` says no: the stream chunk
/// by chunk, stopping as soon as the count passes (the attempt's controller is aborted: fetch cancels
/// the body and closes the connection); the chunks stay in JS, joined once. Without a stream (a `fetch`
/// option's plain object with only `text()`), `text()` itself, its length checked before anyone copies
/// it (UTF-8 takes at least a byte per UTF-16 unit). One await site for both. Used by every call
/// ([`read_body`]) and by `createProxy` (`super::proxy`).
pub(super) async fn read_capped(res: &Res, over: &dyn Fn(f64) -> bool, controller: &AbortController) -> Result<Capped, JsValue> {
    let reader = res.body().ok().filter(JsValue::is_object).and_then(|s| s.unchecked_into::<Stream>().get_reader().ok());
    let mut next = match &reader {
        Some(r) => r.read()?,
        None => {
            let text = res.text().ok().and_then(|f| f.dyn_into::<Function>().ok()).ok_or_else(|| JsValue::from(js_sys::TypeError::new("the Response has no text()")))?;
            Promise::resolve(&text.call0(res)?)
        }
    };
    let mut chunks: Vec<Uint8Array> = Vec::new();
    let mut read = 0.0;
    loop {
        let got = JsFuture::from(next).await?;
        let Some(reader) = &reader else {
            let text: js_sys::JsString = got.dyn_into().unwrap_or_else(|_| js_sys::JsString::from(""));
            let units = f64::from(text.length());
            return Ok(if over(units) { Capped::Over(units) } else { Capped::Text(text) });
        };
        let value = got.unchecked_into::<Res>().value()?;
        if value.is_undefined() {
            break;
        }
        if !ArrayBuffer::is_view(&value) {
            return Err(js_sys::TypeError::new("the response body gave a chunk that is not bytes").into());
        }
        let bytes: Uint8Array = value.unchecked_into();
        read += f64::from(bytes.byte_length());
        if over(read) {
            controller.abort();
            return Ok(Capped::Over(read));
        }
        chunks.push(bytes);
        next = reader.read()?;
    }
    Ok(Capped::Bytes(match chunks.as_slice() {
        [one] => one.clone(),
        _ => {
            let all = Uint8Array::new_with_length(read as u32);
            let mut at = 0;
            for c in &chunks {
                all.set(c, at);
                at += c.byte_length();
            }
            all
        }
    }))
}

/// The text of a body [`read_capped`] read, decoded as `text()` decodes (UTF-8, a BOM dropped,
/// invalid bytes → U+FFFD), as a JS string (nothing copied into the module).
#[cfg(feature = "proxy")]
pub(super) fn decode_js(bytes: &Uint8Array) -> Result<js_sys::JsString, JsValue> {
    DECODER.with(|d| d.decode_js(bytes))
}

/// Read the body as `text()` would, up to `maxResponseBytes` ([`read_capped`]), then copy the text
/// into the module (its length checked again in bytes: `text()`'s string was measured in units).
async fn read_body(inner: &Inner, res: &Res, controller: &AbortController) -> Result<Read, JsValue> {
    let session = &inner.session;
    let text = match read_capped(res, &|n| session.read_too_large(n).is_some(), controller).await? {
        Capped::Over(n) => return Ok(Read::Over(Oversize::Read(n))),
        Capped::Bytes(all) => return DECODER.with(|d| d.decode(&all)).map(Read::Text),
        Capped::Text(t) => String::from(t),
    };
    Ok(match session.read_too_large(text.len() as f64) {
        Some(over) => Read::Over(over),
        None => Read::Text(text),
    })
}

/// A 2xx answer: the decoded value, and what the response said.
pub struct Answer {
    pub value: Json,
    pub status: u16,
    pub rate_limit: Option<Box<RateLimit>>,
    /// For a poll of a `wait()`: what comes next.
    pub after: Option<After>,
}

/// A poll of a `wait()`: its number, when the wait began, its options.
#[derive(Clone, Copy)]
pub struct Poll {
    pub polls: u32,
    pub started: f64,
    pub options: WaitOptions,
}

/// Call a hook; what it throws or returns is ignored, so a faulty logger cannot break a call.
pub fn notify(hook: &Option<Function>, event: &JsValue) {
    if let Some(f) = hook {
        let _ = f.call1(&JsValue::UNDEFINED, event);
    }
}

fn headers_object(list: &[(String, String)]) -> Object {
    let o = Object::new();
    for (k, v) in list {
        set(&o, k, &JsValue::from_str(v));
    }
    o
}

/// `{ data, status, rateLimit }` for `withResponse`.
pub fn with_response(a: &Answer, data: JsValue) -> JsValue {
    let rl = a.rate_limit.as_ref().map_or(JsValue::NULL, |rl| rate_limit(rl, false).into());
    object(&[("data", data), ("status", JsValue::from_f64(f64::from(a.status))), ("rateLimit", rl)]).into()
}

fn text_of(v: &JsValue, key: &str) -> String {
    get(v, key).as_string().unwrap_or_default()
}

/// How far an attempt got: an error while `Sending` is a failure to connect; once the headers are
/// in, the body was cut off.
#[derive(Clone, Copy, PartialEq)]
enum Stage {
    Sending,
    HeadersIn,
}

/// A hook's event for attempt `attempt` of `plan`: `{ method, url, attempt }`, then `more`.
fn hook_event(plan: &Plan, attempt: u32, more: &[(&str, JsValue)]) -> JsValue {
    let event = object(&[("method", JsValue::from_str(plan.method)), ("url", JsValue::from_str(&plan.url)), ("attempt", JsValue::from_f64(f64::from(attempt)))]);
    for (k, v) in more {
        set(&event, k, v);
    }
    event.into()
}

/// What one attempt got: a response (status, headers read, the body or its size past the limit), or a
/// redirect a browser hides.
struct Response {
    status: u16,
    headers: Vec<Option<String>>,
    body: Read,
    opaque_redirect: bool,
}

/// Send one attempt with `init` (its signal set here), and read the whole response.
async fn attempt(inner: &Inner, plan: &Plan, init: &RequestInit, controller: &AbortController, attempt: u32, stage: &Cell<Stage>) -> Result<Response, JsValue> {
    let started = inner.hooks.on_response.as_ref().map(|_| js_sys::Date::now());
    let returned = match &inner.fetch {
        Some(f) => f.call2(&JsValue::UNDEFINED, &JsValue::from_str(&plan.url), init),
        // Called first, looked for on a throw only: no global `fetch`, or not a function, is our TypeError.
        None => global_fetch(&plan.url, init).map(JsValue::from).map_err(|e| {
            if get(&js_sys::global(), "fetch").is_function() {
                e
            } else {
                js_sys::TypeError::new("no global fetch in this runtime (Node 18+ has one); pass the `fetch` option").into()
            }
        }),
    }?;
    let res: Res = JsFuture::from(Promise::resolve(&returned)).await?.unchecked_into();
    let status = res.status().ok().and_then(|s| s.as_f64());
    let Some(status) = status.filter(|_| res.is_object()) else {
        return Err(js_sys::TypeError::new("fetch resolved with something that is not a Response").into());
    };
    stage.set(Stage::HeadersIn);
    let status = status as u16;
    let h: Res = res.headers().unwrap_or(JsValue::UNDEFINED).unchecked_into();
    let read = |key: &JsValue| h.header(key).ok().and_then(|v| v.as_string());
    let headers = HEADER_KEYS.with(|keys| {
        // A 2xx without rate-limit headers (models, balance) needs no other header.
        let remaining = keys.iter().zip(HEADER_NAMES).find(|(_, n)| *n == "x-ratelimit-remaining").map(|(k, _)| k);
        if (200..300).contains(&status) && remaining.and_then(read).is_none() {
            Vec::new()
        } else {
            keys.iter().map(read).collect()
        }
    });
    // (a browser's redirect under `redirect: "manual"`: status 0, no headers, no body)
    let opaque_redirect = status == 0 && res.kind().ok().and_then(|k| k.as_string()).as_deref() == Some("opaqueredirect");
    // `Content-Length` first: a body announced past `maxResponseBytes` is not read at all.
    let announced = inner.session.announced_too_large(CONTENT_LENGTH.with(read).as_deref());
    let body = match announced {
        Some(over) => {
            // not read: fetch cancels the body and closes the connection
            controller.abort();
            Read::Over(over)
        }
        None => read_body(inner, &res, controller).await?,
    };
    // The event is built only for a hook (its dozen crossings are the bulk of a call's own work).
    if let Some(started) = started {
        let more = [("status", JsValue::from_f64(f64::from(status))), ("durationMs", JsValue::from_f64(js_sys::Date::now() - started))];
        notify(&inner.hooks.on_response, &hook_event(plan, attempt, &more));
    }
    Ok(Response { status, headers, body, opaque_redirect })
}

/// Send a plan, retrying as `core` decides, until a 2xx or the final error (the JS error object).
pub async fn send(inner: &Rc<Inner>, plan: &Plan, body: Option<&JsValue>, signal: &Signal, poll: Option<Poll>) -> Result<Answer, JsValue> {
    let init = RequestInit::new();
    init.set_method(plan.method);
    init.set_headers(&headers_object(&plan.headers));
    // deAPI never redirects an API call; following one would re-send the headers (and a 307/308's
    // body) to wherever it points. A 3xx comes back as it is (a browser's as an opaque redirect) and
    // `core` refuses it, naming the Location where the runtime shows it.
    init.set_redirect(RequestRedirect::Manual);
    if let Some(b) = body {
        init.set_body(b);
    }
    let session = &inner.session;
    let mut attempts = 0u32;
    loop {
        attempts += 1;
        if signal.aborted() {
            return Err(abort_error(attempts - 1, signal.reason(), &plan.id));
        }
        on_request(inner, plan, attempts);
        let permit = if session.scheduled() { acquire(inner, plan, attempts - 1, signal).await? } else { false };
        let controller = AbortController::new()?;
        let timer = AttemptTimer::start(&controller, plan.timeout_ms);
        let relay = signal.0.as_ref().map(|s| {
            let c = controller.clone();
            super::time::Listener::new(s, move || c.abort())
        });
        init.set_signal(Some(&controller.signal()));
        let stage = Cell::new(Stage::Sending);
        let outcome = attempt(inner, plan, &init, &controller, attempts, &stage).await;
        drop(timer);
        drop(relay);
        let at = Attempt { plan, number: attempts, permit };
        let (verdict, cause) = match outcome {
            Ok(r) => {
                let header = |name: &str| HEADER_NAMES.iter().position(|h| *h == name).and_then(|i| r.headers.get(i).cloned().flatten());
                #[cfg(feature = "fleet")]
                if inner.store.is_some() && plan.limited {
                    if let Some(report) = crate::core::fleet::report_of(r.status, &header, session.now_ms()) {
                        super::fleet::tell(inner, plan.bucket, report);
                    }
                }
                let verdict = match &r.body {
                    _ if r.opaque_redirect => session.redirected(at),
                    Read::Over(size) => session.oversized(at, r.status, &header, *size),
                    Read::Text(text) => {
                        let state = poll.map(|p| PollState { polls: p.polls, waited_ms: js_sys::Date::now() - p.started, options: p.options });
                        session.verdict(at, r.status, &header, text, state)
                    }
                };
                (verdict, None)
            }
            Err(e) => {
                if signal.aborted() {
                    if permit {
                        session.release(plan.bucket, plan.limited);
                        wake(inner);
                    }
                    return Err(abort_error(attempts, signal.reason(), &plan.id));
                }
                let why = get(&e, "cause");
                let detail = if why.is_object() { Some(text_of(&why, "code")).filter(|c| !c.is_empty()).unwrap_or_else(|| text_of(&why, "message")) } else { String::new() };
                let timed_out = timed_out(&controller);
                let what = if timed_out {
                    Failure::TimedOut
                } else if stage.get() == Stage::HeadersIn {
                    Failure::Cut
                } else {
                    Failure::Connect
                };
                let message = if e.is_object() { text_of(&e, "message") } else { String::new() };
                let verdict = session.failure(at, what, &message, &detail);
                (verdict, if timed_out { None } else { Some(e) })
            }
        };
        if permit {
            wake(inner);
        }
        match verdict {
            Verdict::Ok { value, status, rate_limit, after } => return Ok(Answer { value, status, rate_limit, after }),
            Verdict::Fail(e) => return Err(to_error(&e, cause.as_ref())),
            Verdict::Retry { delay_ms, reason, error } => {
                let error = to_error(&error, cause.as_ref());
                if inner.hooks.on_retry.is_some() {
                    let more = [("delayMs", JsValue::from_f64(delay_ms)), ("reason", JsValue::from_str(reason)), ("error", error)];
                    notify(&inner.hooks.on_retry, &hook_event(plan, attempts, &more));
                }
                if sleep_or_abort(delay_ms, signal).await.is_err() {
                    return Err(abort_error(attempts, signal.reason(), &plan.id));
                }
            }
        }
    }
}

/// Wake every request waiting for the scheduler's concurrency cap (one finished).
pub fn wake(inner: &Inner) {
    let turns: Vec<Rc<Turn>> = inner.turns.borrow_mut().drain(..).collect();
    for t in turns {
        t.go();
    }
}

/// Wait until the scheduler lets a request of this plan go (`true`: it holds a permit). With a quota
/// store, a rate-limited request passes this process's concurrency cap, then the store's verdict for
/// the fleet; while the store does not answer (the breaker open), the local rules decide as without one.
async fn acquire(inner: &Rc<Inner>, plan: &Plan, attempts: u32, signal: &Signal) -> Result<bool, JsValue> {
    loop {
        #[cfg(feature = "fleet")]
        if let Some(store) = inner.store.as_ref().filter(|_| plan.limited) {
            use crate::core::fleet::Answer;
            let session = &inner.session;
            let waited = match session.gate_cap(plan.bucket, true) {
                Admit::Slot => Some(wait_turn(inner, signal).await),
                _ if !store.in_use(session.now_ms()) => {
                    session.release(plan.bucket, true); // the breaker is open: the local rules below
                    None
                }
                _ => match super::fleet::ask(inner, store, plan.bucket).await {
                    Some(Answer::Go) => return Ok(true),
                    answer => {
                        session.release(plan.bucket, true);
                        wake(inner);
                        match answer {
                            Some(Answer::Wait(ms, why)) => match session.store_wait(plan.bucket, ms, why, attempts) {
                                Ok(until) => Some(sleep_or_abort(until - js_sys::Date::now(), signal).await),
                                Err(e) => return Err(to_error(&e, None)),
                            },
                            _ => None, // the store failed: the local rules below
                        }
                    }
                },
            };
            match waited {
                Some(Err(())) => return Err(abort_error(attempts, signal.reason(), &plan.id)),
                Some(Ok(())) => continue,
                None => {}
            }
        }
        let waited = match inner.session.gate(plan.bucket, plan.limited, attempts) {
            Ok(Admit::Go) => return Ok(true),
            Err(e) => return Err(to_error(&e, None)),
            Ok(Admit::Until(t)) => sleep_or_abort(t - js_sys::Date::now(), signal).await,
            Ok(Admit::Slot) => wait_turn(inner, signal).await,
        };
        if waited.is_err() {
            return Err(abort_error(attempts, signal.reason(), &plan.id));
        }
    }
}

/// Wait for a request to finish (the concurrency cap), or the caller's abort (`Err`).
async fn wait_turn(inner: &Inner, signal: &Signal) -> Result<(), ()> {
    let turn = Rc::new(Turn::default());
    inner.turns.borrow_mut().push(Rc::clone(&turn));
    let r = signal.race(turn.wait()).await;
    if r.is_err() {
        inner.turns.borrow_mut().retain(|t| !Rc::ptr_eq(t, &turn));
    }
    r
}

/// The `onRequest` hook's event for an attempt (headers as `plan.shown_headers`: the key redacted).
fn on_request(inner: &Inner, plan: &Plan, attempt: u32) {
    if inner.hooks.on_request.is_some() {
        let shown = plan.shown_headers.as_deref().unwrap_or(&[]);
        notify(&inner.hooks.on_request, &hook_event(plan, attempt, &[("headers", headers_object(shown).into())]));
    }
}

/// One attempt of `plan` with the text `body` (the realtime auth request): the same path as every
/// call — its headers (the Bearer key, or none in keyless proxy mode), the `fetch` option or the
/// global fetch, redirects refused (`redirect: "manual"`: a 3xx or a browser's opaque redirect comes
/// back as its status), the per-attempt timeout, the body read up to `maxResponseBytes` (past it: an
/// empty text), `onRequest` and `onResponse` — without the retry loop: the caller's state machine decides.
/// `Err`: no answer (network, timeout, or `controller` aborted).
#[cfg(feature = "realtime")]
pub async fn send_once(inner: &Rc<Inner>, plan: &Plan, body: &str, controller: &AbortController) -> Result<(u16, String), JsValue> {
    let init = RequestInit::new();
    init.set_method(plan.method);
    init.set_headers(&headers_object(&plan.headers));
    init.set_redirect(RequestRedirect::Manual);
    init.set_body(&JsValue::from_str(body));
    let timer = AttemptTimer::start(controller, plan.timeout_ms);
    init.set_signal(Some(&controller.signal()));
    on_request(inner, plan, 1);
    let r = attempt(inner, plan, &init, controller, 1, &Cell::new(Stage::Sending)).await;
    drop(timer);
    let r = r?;
    Ok((r.status, match r.body {
        Read::Text(t) => t,
        Read::Over(_) => String::new(),
    }))
}
