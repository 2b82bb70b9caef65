//! HTTP through the global `fetch` (Node 18+, browsers, workers) or an injected one: per-attempt
//! timeout, the caller's `AbortSignal`, and the retry loop driven by [`crate::retry`].

use crate::config::Config;
use crate::error::{decode_http_error, key_parts, parse_retry_after, ApiError, Body, Kind, ResponseMeta};
use crate::js::{byte_head, call_hook, error_to_js, get, headers_object, is_file_wrapper, object, set, to_js};
use crate::json::{parse_json, Json};
use crate::request::{default_filename, sniff_mime, Body as ReqBody, HttpRequest, Part};
use crate::ratelimit::{describe_429, Gate, Quotas, Scheduler};
use crate::retry::{Decision, Outcome, Reason};
use gloo_timers::callback::Timeout;
use gloo_timers::future::TimeoutFuture;
use js_sys::{Function, Promise};
use std::cell::Cell;
use std::future::{poll_fn, Future};
use std::pin::Pin;
use std::rc::Rc;
use std::task::Poll;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;
use web_sys::{AbortController, AbortSignal, Blob, BlobPropertyBag, FormData, Response};

/// User hooks (`onRequest`, `onResponse`, `onRetry`, `onError`).
#[derive(Default)]
pub struct Hooks {
    pub on_request: Option<Function>,
    pub on_response: Option<Function>,
    pub on_retry: Option<Function>,
    pub on_error: Option<Function>,
}

pub struct Transport {
    pub cfg: Config,
    /// The `fetch` option; the global `fetch` when absent.
    pub fetch: Option<Function>,
    pub hooks: Hooks,
    /// The model catalogue, fetched once for client-side validation.
    pub models: std::cell::RefCell<Option<Rc<Vec<Json>>>>,
    /// What the last response of each bucket said about its rate limits.
    pub quotas: std::cell::RefCell<Quotas>,
    /// The opt-in scheduler and the requests waiting for it (their promise resolvers).
    pub scheduler: Option<std::cell::RefCell<Scheduler>>,
    pub waiting: std::cell::RefCell<Vec<Function>>,
}

/// A request the scheduler let go; handed back when its attempt ends.
struct Permit {
    limited: bool,
}

/// Per-call settings: `{ signal, timeoutMs }`.
#[derive(Clone, Default)]
pub struct CallCtx {
    pub signal: Option<AbortSignal>,
    pub timeout_ms: f64,
}

/// A failure on its way to JS: the error value, the underlying JS error if any, and the
/// response's JSON text (handed to JS as is unless it holds the key).
pub struct Failure {
    pub err: ApiError,
    pub cause: Option<JsValue>,
    pub body_text: Option<String>,
}

impl From<ApiError> for Failure {
    fn from(err: ApiError) -> Failure {
        Failure { err, cause: None, body_text: None }
    }
}

/// A 2xx response, its body parsed.
pub struct Reply {
    pub status: u16,
    pub body: Json,
    pub attempts: u32,
    /// The response's rate-limit headers (empty when it had none).
    pub rate_limit: crate::error::RateLimit,
}

impl Reply {
    /// Decode the body with `f`; a body that is not the expected envelope becomes an
    /// `InvalidResponseError` that counts the attempts made.
    pub fn decode<T>(&self, f: impl FnOnce(u16, &Json) -> Result<T, ApiError>) -> Result<T, Failure> {
        f(self.status, &self.body).map_err(|mut e| {
            e.attempts = self.attempts;
            e.into()
        })
    }
}

enum AttemptError {
    Aborted(JsValue),
    Timeout,
    Network(JsValue),
    /// Status and headers came, then reading the body failed.
    BodyCut(JsValue),
}

pub fn now_ms() -> f64 {
    js_sys::Date::now()
}

impl Transport {
    /// The JS error for a failure: redacted, reported to `onError`.
    pub fn reject(&self, f: Failure) -> JsValue {
        let (err, text) = self.redacted(f.err, f.body_text.as_deref());
        let js = error_to_js(&err, f.cause.as_ref(), text);
        call_hook(self.hooks.on_error.as_ref(), &js);
        js
    }

    /// The error without the API key anywhere, and the body text when it may go to JS as is.
    fn redacted<'t>(&self, mut err: ApiError, text: Option<&'t str>) -> (ApiError, Option<&'t str>) {
        let key = self.cfg.api_key.as_deref();
        // The raw text is checked too: values nested past the parser's depth limit are not in `j`.
        let leaked = match (&err.body, key) {
            (Some(Body::Json(j)), Some(k)) => key_parts(k).any(|part| j.contains_str(part) || text.is_some_and(|t| t.contains(part))),
            _ => false,
        };
        err.finish(key);
        (err, if leaked { None } else { text })
    }

    /// Send `req`, retrying as the policy says, until a 2xx (parsed) or a final failure.
    /// `files` are the uploads its multipart parts point at.
    pub async fn send(&self, req: &HttpRequest, files: &[JsValue], ctx: &CallCtx) -> Result<Reply, Failure> {
        let body: Option<JsValue> = match &req.body {
            Some(ReqBody::Json(b)) => Some(
                js_sys::JSON::stringify(&to_js(b))
                    .map_err(|e| Failure { err: ApiError::invalid_option("params", "could not be serialised to JSON"), cause: Some(e), body_text: None })?
                    .into(),
            ),
            Some(ReqBody::Multipart(parts)) => Some(form_data(parts, files).await?.into()),
            None => None,
        };
        let headers = headers_object(&req.headers);
        let mut attempts: u32 = 0;
        let mut last_text = String::new();
        loop {
            attempts += 1;
            if let Some(reason) = aborted(ctx.signal.as_ref()) {
                return Err(abort_failure(attempts - 1, reason));
            }
            let url = JsValue::from_str(&req.url);
            let method = JsValue::from_str(req.method);
            if self.hooks.on_request.is_some() {
                let ev = object(&[
                    ("method", method.clone()),
                    ("url", url.clone()),
                    ("headers", headers_object(&req.redacted_headers())),
                    ("attempt", attempts.into()),
                ]);
                call_hook(self.hooks.on_request.as_ref(), &ev);
            }
            let permit = self.acquire(req, ctx, attempts - 1).await?;
            let started = now_ms();
            let result = self.attempt(req, &headers, body.as_ref(), ctx).await;
            let mut learned = false;
            if let Ok((_, meta, _)) = &result {
                let retry_after = meta.retry_after.as_deref().and_then(|v| parse_retry_after(v, now_ms()));
                self.quotas.borrow_mut().record(req.bucket, meta, retry_after, now_ms(), self.cfg.window_ms);
                learned = !meta.rate_limit.is_empty() || meta.status == 429;
            }
            if let Some(p) = permit {
                self.release(req, p, learned);
            }
            let (mut err, outcome, cause) = match result {
                Ok((status, meta, text)) => {
                    if self.hooks.on_response.is_some() {
                        let ev = object(&[
                            ("method", method.clone()),
                            ("url", url.clone()),
                            ("status", status.into()),
                            ("attempt", attempts.into()),
                            ("durationMs", (now_ms() - started).into()),
                        ]);
                        call_hook(self.hooks.on_response.as_ref(), &ev);
                    }
                    if (200..300).contains(&status) {
                        return success(meta, &text, attempts);
                    }
                    let mut err = decode_http_error(&meta, parse_body(&text), now_ms());
                    if status == 429 {
                        describe_429(&mut err, now_ms());
                    }
                    last_text = text;
                    let outcome = Outcome::Status { status, retry_after: err.retry_after };
                    (err, outcome, None)
                }
                Err(AttemptError::Aborted(reason)) => return Err(abort_failure(attempts, reason)),
                Err(AttemptError::Timeout) => {
                    let ms = ctx.timeout_ms.round() as u64;
                    let err = ApiError::new(Kind::Timeout, format!("deAPI did not answer within {ms} ms (timeoutMs)"));
                    (err, Outcome::Timeout, None)
                }
                Err(AttemptError::Network(cause)) => {
                    let err = ApiError::new(Kind::Connection, connection_message(&self.cfg.base_url, &cause));
                    (err, Outcome::ConnectionFailure, Some(cause))
                }
                Err(AttemptError::BodyCut(cause)) => {
                    let mut msg = String::from("deAPI's response was cut off before its body was complete");
                    if let Some(m) = get(&cause, "message").as_string() {
                        msg.push_str(" (");
                        msg.push_str(&m);
                        msg.push(')');
                    }
                    (ApiError::new(Kind::Connection, msg), Outcome::Interrupted, Some(cause))
                }
            };
            let body_text = if matches!(err.body, Some(Body::Json(_))) { Some(last_text.clone()) } else { None };
            err.attempts = attempts;
            match self.cfg.retry.decide(attempts, outcome, req.is_submission) {
                Decision::Retry { delay_ms, reason } => {
                    if self.hooks.on_retry.is_some() {
                        let (shown, text) = self.redacted(err.clone(), body_text.as_deref());
                        let ev = object(&[
                            ("method", method),
                            ("url", url),
                            ("attempt", attempts.into()),
                            ("delayMs", delay_ms.into()),
                            ("reason", reason.as_str().into()),
                            ("error", error_to_js(&shown, cause.as_ref(), text)),
                        ]);
                        call_hook(self.hooks.on_retry.as_ref(), &ev);
                    }
                    if let Err(reason) = sleep(delay_ms, ctx.signal.as_ref()).await {
                        return Err(abort_failure(attempts, reason));
                    }
                }
                Decision::GiveUp { reason } => {
                    if reason == Reason::RetryAfterTooLong {
                        if let Some(secs) = err.retry_after {
                            err.message = format!("{} Retry after {} s.", err.message.trim_end(), secs.ceil() as u64);
                        }
                    }
                    return Err(Failure { err, cause, body_text });
                }
            }
        }
    }

    /// Wait until the scheduler lets a request of this bucket go (no-op without a scheduler).
    async fn acquire(&self, req: &HttpRequest, ctx: &CallCtx, attempts: u32) -> Result<Option<Permit>, Failure> {
        let Some(s) = &self.scheduler else { return Ok(None) };
        let limited = !matches!(req.bucket, "models" | "balance");
        loop {
            let now = now_ms();
            let gate = s.borrow_mut().gate(req.bucket, limited, now);
            let waited = match gate {
                Gate::Go => {
                    s.borrow_mut().start(req.bucket, limited);
                    return Ok(Some(Permit { limited }));
                }
                Gate::DailyExhausted(until) => {
                    let mut err = ApiError::new(Kind::RateLimit, format!(
                        "The daily rate limit of {} is used up until midnight UTC; the request was not sent (schedule)",
                        req.bucket
                    ));
                    err.retry_after = Some(((until - now) / 1000.0).ceil());
                    err.rate_limit = self.quotas.borrow().get(req.bucket).map(|q| {
                        let mut rl = q.info.clone();
                        rl.kind = Some("daily".into());
                        rl.reset_at_ms = Some(until);
                        rl
                    });
                    err.attempts = attempts;
                    return Err(err.into());
                }
                Gate::WaitUntil(t) => sleep(t - now, ctx.signal.as_ref()).await,
                Gate::WaitForSlot => self.wait_turn(ctx.signal.as_ref()).await,
            };
            if let Err(reason) = waited {
                return Err(abort_failure(attempts, reason));
            }
        }
    }

    /// Wait until a scheduled request finishes (or the caller aborts).
    async fn wait_turn(&self, signal: Option<&AbortSignal>) -> Result<(), JsValue> {
        if let Some(reason) = aborted(signal) {
            return Err(reason);
        }
        let mut resolve = None;
        let promise = Promise::new(&mut |res: Function, _rej: Function| resolve = Some(res));
        if let Some(r) = resolve {
            self.waiting.borrow_mut().push(r);
        }
        until_aborted(JsFuture::from(promise), signal).await.map(|_| ())
    }

    /// An attempt ended: give its place back and wake the waiting requests to look again.
    fn release(&self, req: &HttpRequest, p: Permit, learned: bool) {
        if let Some(s) = &self.scheduler {
            let quotas = self.quotas.borrow();
            let quota = if learned { quotas.get(req.bucket) } else { None };
            s.borrow_mut().finish(req.bucket, p.limited, quota);
        }
        let waiting = std::mem::take(&mut *self.waiting.borrow_mut());
        for resolve in waiting {
            let _ = resolve.call0(&JsValue::UNDEFINED);
        }
    }

    /// One HTTP attempt: status, headers and the whole body text.
    async fn attempt(
        &self,
        req: &HttpRequest,
        headers: &JsValue,
        body: Option<&JsValue>,
        ctx: &CallCtx,
    ) -> Result<(u16, ResponseMeta, String), AttemptError> {
        let controller = AbortController::new().map_err(AttemptError::Network)?;
        let timed_out = Rc::new(Cell::new(false));
        let _timer = {
            let (flag, c) = (timed_out.clone(), controller.clone());
            Timeout::new(ctx.timeout_ms.clamp(0.0, u32::MAX as f64) as u32, move || {
                flag.set(true);
                c.abort();
            })
        };
        let _link = ctx.signal.as_ref().map(|s| AbortLink::new(s, &controller));
        let classify = |e: JsValue| match aborted(ctx.signal.as_ref()) {
            Some(reason) => AttemptError::Aborted(reason),
            None if timed_out.get() => AttemptError::Timeout,
            None => AttemptError::Network(e),
        };

        let init = object(&[
            ("method", JsValue::from_str(req.method)),
            ("headers", headers.clone()),
            ("signal", controller.signal().into()),
        ]);
        if let Some(b) = body {
            set(&init, "body", b);
        }
        let promise = self.call_fetch(&req.url, &init).map_err(classify)?;
        let resp = JsFuture::from(promise).await.map_err(classify)?;
        let resp: Response = resp
            .dyn_into()
            .or_else(|v| if get(&v, "status").as_f64().is_some() { Ok(v.unchecked_into()) } else { Err(v) })
            .map_err(|_| AttemptError::Network(js_sys::Error::new("fetch resolved with something that is not a Response").into()))?;
        let status = resp.status();
        // Each header read crosses into JS: a 2xx is read in full only when it carries rate-limit
        // headers (models and balance have none).
        let h = resp.headers();
        let meta = if (200..300).contains(&status) && h.get("x-ratelimit-remaining").ok().flatten().is_none() {
            ResponseMeta { status, ..Default::default() }
        } else {
            ResponseMeta::from_headers(status, |name| h.get(name).ok().flatten())
        };
        let body_failed = |e: JsValue| match classify(e) {
            AttemptError::Network(e) => AttemptError::BodyCut(e),
            other => other,
        };
        let text = resp.text().map_err(body_failed)?;
        let text = JsFuture::from(text).await.map_err(body_failed)?;
        Ok((status, meta, text.as_string().unwrap_or_default()))
    }

    fn call_fetch(&self, url: &str, init: &JsValue) -> Result<Promise, JsValue> {
        let global = js_sys::global();
        let (f, this) = match &self.fetch {
            Some(f) => (f.clone(), JsValue::UNDEFINED),
            None => {
                let f = get(&global, "fetch");
                let Some(f) = f.dyn_ref::<Function>() else {
                    return Err(js_sys::Error::new("no global fetch in this runtime (Node 18+ has one); pass the `fetch` option").into());
                };
                (f.clone(), global.into())
            }
        };
        let ret = f.call2(&this, &JsValue::from_str(url), init)?;
        Ok(ret.dyn_into::<Promise>().unwrap_or_else(|v| Promise::resolve(&v)))
    }
}

/// The `FormData` of a multipart body: text fields, numbers as the runtime writes them, and
/// uploads as Blobs with a file name (given, or made from the field and the sniffed type).
async fn form_data(parts: &[(String, Part)], files: &[JsValue]) -> Result<FormData, Failure> {
    let fail = |e: JsValue| Failure { err: ApiError::invalid_option("params", "could not be encoded as multipart/form-data"), cause: Some(e), body_text: None };
    let fd = FormData::new().map_err(fail)?;
    for (name, part) in parts {
        match part {
            Part::Text(t) => fd.append_with_str(name, t).map_err(fail)?,
            Part::Num(n) => {
                let text: String = js_sys::Number::from(*n).to_string_with_radix(10).map_err(fail)?.into();
                fd.append_with_str(name, &text).map_err(fail)?
            }
            Part::File(i) => {
                let v = files.get(*i as usize).cloned().unwrap_or(JsValue::UNDEFINED);
                let (blob, filename) = upload(&v, name).await.map_err(fail)?;
                fd.append_with_blob_and_filename(name, &blob, &filename).map_err(fail)?
            }
        }
    }
    Ok(fd)
}

/// One upload as a Blob and its file name. Raw bytes, and Blobs without a type, get the type
/// their first bytes show (PNG, JPEG, MP3, MP4, …).
async fn upload(v: &JsValue, field: &str) -> Result<(Blob, String), JsValue> {
    let (data, name, given_type) = if is_file_wrapper(v) {
        let name = get(v, "filename").as_string().or_else(|| get(v, "name").as_string());
        (get(v, "data"), name, get(v, "type").as_string())
    } else {
        (v.clone(), None, None)
    };
    let bytes_like = js_sys::ArrayBuffer::is_view(&data) || data.is_instance_of::<js_sys::ArrayBuffer>();
    let name = name.or_else(|| if bytes_like { None } else { get(&data, "name").as_string() }).filter(|n| !n.is_empty());
    let own_type = if bytes_like { None } else { get(&data, "type").as_string().filter(|t| !t.is_empty()) };
    let mime = match given_type.filter(|t| !t.is_empty()).or_else(|| own_type.clone()) {
        Some(t) => t,
        None => sniff_mime(&head(&data).await?).unwrap_or("application/octet-stream").to_owned(),
    };
    let filename = name.unwrap_or_else(|| default_filename(field, &mime));
    let blob = if own_type.as_deref() == Some(mime.as_str()) {
        data.unchecked_into()
    } else {
        let opts = BlobPropertyBag::new();
        opts.set_type(&mime);
        Blob::new_with_blob_sequence_and_options(&js_sys::Array::of1(&data), &opts)?
    };
    Ok((blob, filename))
}

/// The first 16 bytes of a typed array, ArrayBuffer or Blob.
async fn head(data: &JsValue) -> Result<Vec<u8>, JsValue> {
    if let Some(bytes) = byte_head(data) {
        return Ok(bytes);
    }
    let blob: &Blob = data.unchecked_ref();
    let slice = blob.slice_with_i32_and_i32(0, 16)?;
    Ok(js_sys::Uint8Array::new(&JsFuture::from(slice.array_buffer()).await?).to_vec())
}

fn success(meta: ResponseMeta, text: &str, attempts: u32) -> Result<Reply, Failure> {
    let status = meta.status;
    match parse_body(text) {
        Body::Json(body) => Ok(Reply { status, body, attempts, rate_limit: meta.rate_limit }),
        Body::Text(t) => {
            let what = if t.trim().is_empty() { "an empty body" } else { "a body that is not JSON" };
            let mut err = ApiError::new(Kind::InvalidResponse, format!("deAPI returned HTTP {status} with {what}"));
            err.status = Some(status);
            err.attempts = attempts;
            err.body = Some(Body::Text(t));
            Err(err.into())
        }
    }
}

/// Parse a body as JSON; keep the text when it is not JSON.
fn parse_body(text: &str) -> Body {
    match parse_json(text) {
        Some(j) => Body::Json(j),
        None => Body::Text(text.to_owned()),
    }
}

fn connection_message(base_url: &str, cause: &JsValue) -> String {
    let mut msg = format!("Could not reach deAPI at {base_url}");
    if let Some(m) = get(cause, "message").as_string() {
        msg.push_str(": ");
        msg.push_str(&m);
    }
    // Node's undici puts the system error (ECONNREFUSED, ECONNRESET, …) in `cause.cause`.
    let inner = get(cause, "cause");
    if let Some(detail) = get(&inner, "code").as_string().or_else(|| get(&inner, "message").as_string()) {
        msg.push_str(" (");
        msg.push_str(&detail);
        msg.push(')');
    }
    msg
}

fn aborted(signal: Option<&AbortSignal>) -> Option<JsValue> {
    signal.filter(|s| s.aborted()).map(|s| get(s, "reason"))
}

fn abort_failure(attempts: u32, reason: JsValue) -> Failure {
    let mut err = ApiError::new(Kind::Aborted, "The request was aborted");
    err.attempts = attempts;
    let cause = if reason.is_undefined() { None } else { Some(reason) };
    Failure { err, cause, body_text: None }
}

/// Aborts `controller` when the caller's signal aborts; removes its listener when dropped.
struct AbortLink {
    signal: AbortSignal,
    listener: Closure<dyn FnMut()>,
}

impl AbortLink {
    fn new(signal: &AbortSignal, controller: &AbortController) -> AbortLink {
        let c = controller.clone();
        let listener = Closure::<dyn FnMut()>::new(move || c.abort());
        let _ = signal.add_event_listener_with_callback("abort", listener.as_ref().unchecked_ref());
        AbortLink { signal: signal.clone(), listener }
    }
}

impl Drop for AbortLink {
    fn drop(&mut self) {
        let _ = self.signal.remove_event_listener_with_callback("abort", self.listener.as_ref().unchecked_ref());
    }
}

/// Resolves when the signal aborts; removes its listener when dropped.
struct AbortWait {
    future: JsFuture,
    signal: AbortSignal,
    resolve: Option<Function>,
}

impl AbortWait {
    fn new(signal: &AbortSignal) -> AbortWait {
        let mut resolve = None;
        let promise = Promise::new(&mut |res: Function, _rej: Function| {
            let _ = signal.add_event_listener_with_callback("abort", &res);
            resolve = Some(res);
        });
        AbortWait { future: JsFuture::from(promise), signal: signal.clone(), resolve }
    }
}

impl AbortWait {
    /// Has the signal aborted (registering the task to be woken when it does)?
    fn poll(&mut self, cx: &mut std::task::Context<'_>) -> Poll<()> {
        Pin::new(&mut self.future).poll(cx).map(|_| ())
    }
}

impl Drop for AbortWait {
    fn drop(&mut self) {
        if let Some(f) = &self.resolve {
            let _ = self.signal.remove_event_listener_with_callback("abort", f);
        }
    }
}

/// Sleep `ms`, or stop early with the abort reason when the caller's signal aborts. The timer is
/// cleared either way.
pub async fn sleep(ms: f64, signal: Option<&AbortSignal>) -> Result<(), JsValue> {
    until_aborted(TimeoutFuture::new(ms.clamp(0.0, u32::MAX as f64) as u32), signal).await
}

/// Run `fut`, or stop early with the abort reason when the caller's signal aborts (at once if it
/// already has). Whatever does not finish is dropped, which clears its timer or listener.
pub async fn until_aborted<F: Future + Unpin>(mut fut: F, signal: Option<&AbortSignal>) -> Result<F::Output, JsValue> {
    let Some(signal) = signal else {
        return Ok(fut.await);
    };
    if let Some(reason) = aborted(Some(signal)) {
        return Err(reason);
    }
    let mut abort = AbortWait::new(signal);
    poll_fn(|cx| {
        if let Poll::Ready(out) = Pin::new(&mut fut).poll(cx) {
            return Poll::Ready(Ok(out));
        }
        if abort.poll(cx).is_ready() {
            return Poll::Ready(Err(get(signal, "reason")));
        }
        Poll::Pending
    })
    .await
}
