//! The core's surface: `Core`, the client's decisions as synchronous calls (exported by `abi` as a
//! plain C ABI in the shipped build, by `#[wasm_bindgen]` in the test builds).
//!
//! The core is sans-I/O: it never awaits. The JS facade (`js/facade.js`) runs each call as a small
//! loop — `plan` (options, params and the request, validated), `gate` (the scheduler), then for each
//! attempt `fetch` and `decide` (status, headers and body → the result, a retry after a delay, or the
//! error) or `fail` (timeout, network failure, cut body → retry or error). Retry policy, error
//! decoding, quotas, scheduling, validation and the wait schedule stay here, pure and tested; the
//! facade only moves bytes, sets timers and calls hooks. Keeping `fetch`, timers and promises in JS
//! is what makes the module small (no futures, closures or web-sys classes in wasm) and a call cheap
//! (two boundary crossings per attempt, no per-call wasm closures).
//!
//! Every answer is one JSON text (parsed once by the runtime), an object whose keys say what it is:
//! `e` an error (the props of the facade's error classes, API key already removed), `ok` a result,
//! `r` a retry delay, and so on (documented per method).

use crate::num::{self, uint};
use crate::prelude::*;

use crate::api::{find_op, Endpoint, Op, OPS};
use crate::config::{parse_call_timeout, parse_options, Config, Runtime, FUNCTION_OPTIONS};
use crate::decode;
use crate::error::{decode_http_error, parse_retry_after, ApiError, Body, Kind, RateLimit, ResponseMeta};
use crate::jobs::{self, Next, WaitOptions};
use crate::js::{from_wire, from_wire_keys, write_json, write_json_str, write_num, NotJson, Upload, FUNCTION, SIGNAL};
use crate::json::{parse_json, Json};
use crate::ratelimit::{describe_429, Gate, Quotas, Scheduler};
use crate::request::{build, default_filename, sniff_mime, Body as ReqBody, Part};
use crate::retry::{Decision, Outcome, Reason};
use crate::validate::{self, ModelInfo};
use core::cell::RefCell;
use wasm_bindgen::prelude::*;

/// The client core. Construct through the package's `DeapiClient`.
#[wasm_bindgen]
pub struct Core {
    cfg: Config,
    /// What the last response of each bucket said about its rate limits.
    quotas: RefCell<Quotas>,
    /// The opt-in scheduler (`schedule` / `maxConcurrency`).
    scheduler: Option<RefCell<Scheduler>>,
    /// The model catalogue, fetched once (by the facade) for client-side validation.
    models: RefCell<Option<Vec<Json>>>,
    /// An `onRequest` hook is set: plans carry the headers with the key hidden.
    show_headers: bool,
    /// The options were refused: the props of the `InvalidOptionsError` (the core is then inert).
    refused: Option<String>,
}

/// The response headers `decide` reads, in the order the facade passes their values.
pub const HEADER_NAMES: [&str; 8] = [
    "content-type",
    "retry-after",
    "x-ratelimit-limit",
    "x-ratelimit-remaining",
    "x-ratelimit-daily-limit",
    "x-ratelimit-daily-remaining",
    "x-ratelimit-type",
    "x-ratelimit-source",
];

/// A JSON object written key by key (the answers of the core).
pub struct Out(String);

impl Out {
    pub fn new() -> Out {
        Out(String::from("{"))
    }
    fn key(&mut self, k: &str) -> &mut String {
        if self.0.len() > 1 {
            self.0.push(',');
        }
        write_json_str(&mut self.0, k);
        self.0.push(':');
        &mut self.0
    }
    pub fn num(&mut self, k: &str, n: f64) -> &mut Out {
        write_num(self.key(k), n);
        self
    }
    pub fn str(&mut self, k: &str, s: &str) -> &mut Out {
        write_json_str(self.key(k), s);
        self
    }
    pub fn json(&mut self, k: &str, j: &Json) -> &mut Out {
        write_json(self.key(k), j);
        self
    }
    /// `text` is already JSON.
    pub fn raw(&mut self, k: &str, text: &str) -> &mut Out {
        self.key(k).push_str(text);
        self
    }
    pub fn opt_num(&mut self, k: &str, n: Option<f64>) -> &mut Out {
        match n {
            Some(n) => self.num(k, n),
            None => self.raw(k, "null"),
        }
    }
    pub fn opt_str(&mut self, k: &str, s: Option<&str>) -> &mut Out {
        match s {
            Some(s) => self.str(k, s),
            None => self.raw(k, "null"),
        }
    }
    pub fn done(&mut self) -> String {
        let mut s = core::mem::take(&mut self.0);
        s.push('}');
        s
    }
}

impl Default for Out {
    fn default() -> Self {
        Out::new()
    }
}

#[cfg(target_arch = "wasm32")]
#[wasm_bindgen]
extern "C" {
    /// JS's `Date.now()`.
    #[wasm_bindgen(js_namespace = Date, js_name = now)]
    fn date_now() -> f64;
}

/// Milliseconds since 1970: the runtime's clock in wasm, the system's natively (so that the whole
/// core also runs in native tests).
pub fn now_ms() -> f64 {
    #[cfg(target_arch = "wasm32")]
    {
        date_now()
    }
    #[cfg(not(target_arch = "wasm32"))]
    {
        std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0.0, |d| d.as_secs_f64() * 1000.0)
    }
}

fn rate_limit_text(rl: &RateLimit, reset_at: bool) -> String {
    let mut o = Out::new();
    o.opt_num("limit", rl.limit)
        .opt_num("remaining", rl.remaining)
        .opt_num("dailyLimit", rl.daily_limit)
        .opt_num("dailyRemaining", rl.daily_remaining)
        .opt_str("type", rl.kind.as_deref())
        .opt_str("source", rl.source.as_deref());
    if reset_at {
        o.opt_num("resetAt", rl.reset_at_ms);
    }
    o.done()
}

/// The props of the facade's error classes for `e` (which must be finished: redacted and cut).
/// Field errors travel as `[[field, message], …]`.
pub fn error_text(e: &ApiError) -> String {
    let mut o = Out::new();
    o.str("name", e.kind.class_name()).str("code", e.kind.code()).str("message", &e.message).num("attempts", f64::from(e.attempts));
    if let Some(s) = e.status {
        o.num("status", f64::from(s));
    }
    if let Some(r) = e.retry_after {
        o.num("retryAfter", r);
    }
    if !e.errors.is_empty() {
        let mut list = String::from("[");
        for (i, f) in e.errors.iter().enumerate() {
            if i > 0 {
                list.push(',');
            }
            list.push('[');
            write_json_str(&mut list, &f.field);
            list.push(',');
            write_json_str(&mut list, &f.message);
            list.push(']');
        }
        list.push(']');
        o.raw("pairs", &list);
    }
    match &e.body {
        Some(Body::Json(j)) => o.json("body", j),
        Some(Body::Text(t)) => o.str("body", t),
        None => &mut o,
    };
    if let Some(id) = &e.request_id {
        o.str("requestId", id);
    }
    if let Some(rl) = &e.rate_limit {
        o.raw("rateLimit", &rate_limit_text(rl, true));
    }
    if let Some(job) = &e.job {
        let flag = |v: Option<bool>| match v {
            Some(true) => "true",
            Some(false) => "false",
            None => "null",
        };
        o.opt_str("errorCode", job.error_code.as_deref())
            .opt_str("errorMessage", job.error_message.as_deref())
            .opt_str("errorReason", job.error_reason.as_deref())
            .raw("retryable", flag(job.retryable))
            .raw("refunded", flag(job.refunded));
    }
    if let Some(reason) = crate::webhook::reason_of(e) {
        o.str("reason", reason);
    }
    o.done()
}

/// `{"e": props}`.
fn err_answer(e: &ApiError) -> String {
    let mut o = Out::new();
    o.raw("e", &error_text(e));
    o.done()
}

/// The facade's tables: the operations' names (`images.generate`, …; each also has a `…Price`
/// method), comma-separated, then a newline and the response headers `decide` reads, comma-separated,
/// in the order it wants their values. (One export: each costs the module and its glue.)
#[wasm_bindgen]
pub fn tables() -> String {
    let mut out = num::join(&OPS.iter().map(|op| op.name).collect::<Vec<_>>(), ",");
    out.push('\n');
    out.push_str(&num::join(&HEADER_NAMES, ","));
    out
}

/// An upload whose type the plan could not know (a Blob without one: its bytes are read later):
/// `mime` when it has one, else the type its first bytes show (`application/octet-stream` when
/// unknown); then a newline and the file name it gets when it has none (the field and the type's
/// extension).
#[wasm_bindgen(js_name = "fileType")]
pub fn file_type(head: &[u8], mime: &str, field: &str) -> String {
    let mime = if mime.is_empty() { sniff_mime(head).unwrap_or("application/octet-stream") } else { mime };
    let mut out = mime.to_owned();
    out.push('\n');
    out.push_str(&default_filename(field, mime));
    out
}

/// Bytes of wasm linear memory (for the leak check; not part of the public API).
#[cfg(target_arch = "wasm32")]
fn memory_pages() -> f64 {
    core::arch::wasm32::memory_size(0) as f64
}
#[cfg(not(target_arch = "wasm32"))]
fn memory_pages() -> f64 {
    0.0
}

#[wasm_bindgen(js_name = "__memoryBytes")]
pub fn memory_bytes() -> f64 {
    memory_pages() * 65_536.0
}

/// Per-call options (the facade's wire text): the data keys as [`Json`] (the signal and functions
/// are the facade's), checked against the keys this call accepts.
fn call_options(opts: &str, allowed: &[&str]) -> Result<Json, ApiError> {
    let pairs = match from_wire_keys(opts) {
        Ok(pairs) => pairs,
        Err(Ok(Json::Null)) => return Ok(Json::Null),
        Err(_) => return Err(ApiError::invalid_option("options", "the last argument must be an options object such as { signal, timeoutMs }")),
    };
    let mut data = Vec::new();
    for (k, v) in pairs {
        if !allowed.contains(&k.as_str()) {
            let mut problem = String::from("unknown call option (accepted: ");
            problem.push_str(&num::join(allowed, ", "));
            problem.push(')');
            return Err(ApiError::invalid_option(&k, &problem));
        }
        if matches!(v, Ok(Json::Null)) {
            continue;
        }
        // the facade's stand-ins for a function and an AbortSignal (both stay in JS)
        let kept = match &v {
            Ok(Json::Str(s)) if s == FUNCTION || s == SIGNAL => Some(s.as_str()),
            _ => None,
        };
        match (k.as_str(), kept) {
            ("signal", Some(SIGNAL)) | ("onProgress", Some(FUNCTION)) => {}
            ("signal", _) => return Err(ApiError::invalid_option("signal", "must be an AbortSignal (e.g. from new AbortController().signal)")),
            ("onProgress", _) => return Err(ApiError::invalid_option("onProgress", "must be a function")),
            (_, None) => match v {
                Ok(j) => data.push((k, j)),
                Err(NotJson) => return Err(ApiError::invalid_option(&k, "must be a plain value")),
            },
            (_, Some(_)) => return Err(ApiError::invalid_option(&k, "must be a plain value")),
        }
    }
    Ok(Json::Obj(data))
}

const CALL_KEYS: &[&str] = &["signal", "timeoutMs", "withResponse"];
/// Calls that make several requests (or none of their own) have no single response to show.
const PLAIN_KEYS: &[&str] = &["signal", "timeoutMs"];
const WAIT_KEYS: &[&str] = &["signal", "timeoutMs", "onProgress", "pollIntervalMs", "maxPollIntervalMs", "maxWaitMs"];
const VALIDATE_KEYS: &[&str] = &["signal", "timeoutMs", "model"];

/// The job id (the facade's wire text of the argument).
fn request_id(id: &str) -> Result<String, ApiError> {
    match from_wire(id, false, false) {
        Ok((Json::Str(s), _)) if !s.trim().is_empty() => Ok(s.trim().to_owned()),
        _ => Err(ApiError::invalid_option("requestId", "must be the non-empty string id returned by a submit call")),
    }
}

/// What `plan` is asked for.
const SUBMIT: u32 = 0;
const PRICE: u32 = 1;
const STATUS: u32 = 2;
const MODELS: u32 = 3;
const BALANCE: u32 = 4;
/// One page of `models.all` (`n` is the page).
const MODELS_PAGE: u32 = 5;
const VALIDATE: u32 = 6;

/// How `decide` reads a 2xx body (`plan` puts it in the plan as `d`).
const D_SUBMIT: u32 = 0;
const D_PRICE: u32 = 1;
const D_ENHANCED: u32 = 2;
const D_STATUS: u32 = 3;
const D_MODELS: u32 = 4;
const D_BALANCE: u32 = 5;

/// Models query `{ inference_types, page, limit }` → query pairs (`limit` defaults to 50, the
/// API's maximum; without it deAPI silently returns only 25).
fn models_query(q: &Json, page: Option<f64>) -> Result<Vec<(String, String)>, ApiError> {
    if let Json::Obj(pairs) = q {
        for (k, _) in pairs {
            if !matches!(k.as_str(), "inference_types" | "page" | "limit") {
                return Err(ApiError::invalid_option(k, "unknown models query field (accepted: inference_types, page, limit)"));
            }
        }
    } else if !q.is_null() {
        return Err(ApiError::invalid_option("query", "must be an object such as { inference_types: [\"txt2img\"] }"));
    }
    let int = |name: &str, max: f64, problem: &str| -> Result<Option<u32>, ApiError> {
        match q.get(name) {
            None | Some(Json::Null) => Ok(None),
            Some(Json::Num(n)) if num::fract(*n) == 0.0 && *n >= 1.0 && *n <= max => Ok(Some(*n as u32)),
            Some(_) => Err(ApiError::invalid_option(name, problem)),
        }
    };
    let limit = int("limit", 50.0, "must be an integer from 1 to 50")?.unwrap_or(50);
    let page = match page {
        Some(p) => p as u32,
        None => int("page", 1_000_000.0, "must be an integer from 1 to 1000000")?.unwrap_or(1),
    };
    let mut out = vec![("limit".to_owned(), uint(limit.into())), ("page".to_owned(), uint(page.into()))];
    let types = match q.get("inference_types") {
        None | Some(Json::Null) => None,
        Some(Json::Str(s)) => Some(s.clone()),
        Some(Json::Arr(items)) => {
            let names: Option<Vec<&str>> = items.iter().map(Json::as_str).collect();
            Some(num::join(&names.ok_or_else(|| ApiError::invalid_option("inference_types", "must be a list of strings"))?, ","))
        }
        Some(_) => return Err(ApiError::invalid_option("inference_types", "must be a string or a list of strings")),
    };
    if let Some(t) = types.filter(|t| !t.is_empty()) {
        out.push(("filter[inference_types]".to_owned(), t));
    }
    Ok(out)
}

/// Size and MIME type of an upload (the wrapper's or Blob's `type`, else sniffed from the bytes).
fn file_info(u: &Upload) -> Option<(f64, String)> {
    let mime = u.given_type.clone().or_else(|| u.own_type.clone()).filter(|t| !t.is_empty());
    Some((u.size?, mime.unwrap_or_else(|| sniff_mime(&u.head).unwrap_or_default().to_owned())))
}

/// How the facade sends one upload: `{f: index, w: 1 when a {data, filename, type} wrapper,
/// t: MIME type (null: a Blob without one — the facade sniffs its first bytes), n: file name
/// (null: made from the field and the type), o: 1 when the Blob already has that type}`.
fn upload_text(u: &Upload, index: usize, field: &str) -> String {
    let name = u.name.clone().filter(|n| !n.is_empty());
    let own_type = if u.bytes { None } else { u.own_type.clone().filter(|t| !t.is_empty()) };
    let mime = match u.given_type.clone().filter(|t| !t.is_empty()).or_else(|| own_type.clone()) {
        Some(t) => Some(t),
        None if u.bytes => Some(sniff_mime(&u.head).unwrap_or("application/octet-stream").to_owned()),
        None => None,
    };
    let filename = name.or_else(|| mime.as_deref().map(|m| default_filename(field, m)));
    let reuse = own_type.is_some() && own_type == mime;
    let mut o = Out::new();
    o.num("f", index as f64).num("w", if u.wrapper { 1.0 } else { 0.0 }).opt_str("t", mime.as_deref()).opt_str("n", filename.as_deref());
    o.num("o", if reuse { 1.0 } else { 0.0 });
    o.done()
}

fn want_response(o: &Json) -> bool {
    matches!(o.get("withResponse"), Some(Json::Bool(true)))
}

#[wasm_bindgen]
impl Core {
    /// `options`: the facade's wire text of the options; `browser`: the code runs in a page or a
    /// worker (the key guard). Refused options leave an inert core whose `error` says why (no JS
    /// exception crosses the boundary: the module needs none of wasm-bindgen's externref machinery).
    #[wasm_bindgen(constructor)]
    pub fn new(options: &str, browser: bool) -> Core {
        Core::create(options, browser).unwrap_or_else(|mut e| {
            e.finish(None);
            Core::with(Config::default(), false, Some(error_text(&e)))
        })
    }

    /// "" when the options were accepted; otherwise the props (JSON text) of the `InvalidOptionsError`.
    #[wasm_bindgen(getter)]
    pub fn error(&self) -> String {
        self.refused.clone().unwrap_or_default()
    }

    /// Is the scheduler on?
    #[wasm_bindgen(getter)]
    pub fn scheduled(&self) -> bool {
        self.scheduler.is_some()
    }

    /// Plan one call. `what`: 0 submit and 1 price (`name` the operation, `params` its fields),
    /// 2 job status (`params` the request id), 3 a models page (`params` the query), 4 balance,
    /// 5 page `n` of `models.all`, 6 validate only (`name` may end in `Price`). For 0, 1 and 6, `n`
    /// = 1 says the model catalogue could not be had (model checks are then skipped).
    ///
    /// Answers: `{e}` an error; `{c: 1}` validation needs the model catalogue (the facade fetches
    /// it, gives it to `setCatalogue`, and plans again); `{v: 1}` valid (6); else the request:
    /// `{m: method, u: url, h: headers, rh: headers with the key hidden (with an onRequest hook),
    /// b: JSON body text | p: multipart parts [[name, text | number | upload]] (an upload points at
    /// the facade's list of the params' uploads), t: timeout ms, w: withResponse, d: decoder, s: is a
    /// submission, k: rate bucket, l: the bucket is rate limited, i: job id}`.
    pub fn plan(&self, what: u32, name: &str, params: &str, opts: &str, n: f64) -> String {
        self.answer(self.plan_inner(what, name, params, opts, n))
    }

    /// The model catalogue for validation (the JSON text of `models.all()`'s list).
    #[wasm_bindgen(js_name = "setCatalogue")]
    pub fn set_catalogue(&self, text: &str) {
        if let Some(Json::Arr(items)) = parse_json(text) {
            *self.models.borrow_mut() = Some(items);
        }
    }

    /// May a request of bucket `k` go now? `{g: 1}` yes (it is counted as started: pass `permit`
    /// to `decide`/`fail`, or call `release`), `{u: time}` wait until then (ms since 1970), `{s: 1}`
    /// wait until a request finishes, `{e}` the daily quota is used up. Always `{g: 1}` without
    /// the scheduler.
    pub fn gate(&self, k: &str, limited: bool, attempts: u32) -> String {
        let Some(s) = &self.scheduler else { return "{\"g\":1}".to_owned() };
        let now = now_ms();
        let gate = s.borrow_mut().gate(k, limited, now);
        match gate {
            Gate::Go => {
                s.borrow_mut().start(k, limited);
                "{\"g\":1}".to_owned()
            }
            Gate::WaitForSlot => "{\"s\":1}".to_owned(),
            Gate::WaitUntil(t) => Out::new().num("u", t).done(),
            Gate::DailyExhausted(until) => {
                let mut msg = String::from("The daily rate limit of ");
                msg.push_str(k);
                msg.push_str(" is used up until midnight UTC; the request was not sent (schedule)");
                let mut err = ApiError::new(Kind::RateLimit, msg);
                err.retry_after = Some(num::ceil((until - now) / 1000.0));
                err.rate_limit = self.quotas.borrow().get(k).map(|q| {
                    let mut rl = q.info.clone();
                    rl.kind = Some("daily".into());
                    rl.reset_at_ms = Some(until);
                    Box::new(rl)
                });
                err.attempts = attempts;
                err.finish(self.cfg.api_key.as_deref());
                err_answer(&err)
            }
        }
    }

    /// A request that `gate` let go ended without a response (aborted).
    pub fn release(&self, k: &str, limited: bool) {
        self.release_inner(k, limited, false);
    }

    /// An attempt got a response: `status`, the values of [`HEADER_NAMES`] joined by newlines (""
    /// for none read), and the body text. `d`, `s`, `k`, `l`, `i` come from the plan; `permit`: the
    /// attempt went through `gate`. Answers `{ok: result, st: status, rl: rate limits | null}`,
    /// `{r: delay ms, why: reason, e}` (retry after the delay; `e` is the error for `onRetry`), or
    /// `{e}`. For poll number `polls` (1, 2, …; 0: not a poll) of a `wait()` (`waited` ms into it;
    /// `pi`, `mp`, `mw` from `waitPlan`), a status also says what comes next — `n: delay ms` poll
    /// again after it; no `n`: done; `we`: the wait's error (failed or out of time), with the status in
    /// `ok` for `onProgress`. (One export for both: each export costs the module and its glue.)
    #[wasm_bindgen(js_name = "decide")]
    #[allow(clippy::too_many_arguments)]
    pub fn decide_wait(&self, d: u32, s: bool, k: &str, l: bool, i: &str, attempts: u32, status: u16, headers: &str, text: &str, permit: bool, polls: u32, waited: f64, pi: f64, mp: f64, mw: f64) -> String {
        match self.verdict(d, s, k, l, i, attempts, status, headers, text, permit) {
            Verdict::Ok(mut o, _) if polls == 0 => o.done(),
            Verdict::Ok(mut o, value) => {
                let w = WaitOptions { poll_interval_ms: pi, max_poll_interval_ms: mp, max_wait_ms: mw };
                match w.next(i, value, polls, waited) {
                    Next::PollIn(delay) => o.num("n", delay),
                    Next::Finished(Ok(_)) => &mut o,
                    Next::Finished(Err(mut e)) => {
                        e.finish(self.cfg.api_key.as_deref());
                        o.raw("we", &error_text(&e))
                    }
                };
                o.done()
            }
            Verdict::Text(t) => t,
        }
    }
    /// An attempt got no (complete) response: `what` 0 timed out, 1 could not connect (`message`
    /// and `detail` from the runtime's error), 2 the body was cut off. Answers `{r, why, e}` or `{e}`
    /// like `decide`.
    #[allow(clippy::too_many_arguments)]
    pub fn fail(&self, d: u32, s: bool, k: &str, l: bool, i: &str, attempts: u32, what: u32, timeout_ms: f64, message: &str, detail: &str, permit: bool) -> String {
        if permit {
            self.release_inner(k, l, false);
        }
        let (msg, outcome) = match what {
            0 => {
                let mut m = String::from("deAPI did not answer within ");
                m.push_str(&uint(num::round(timeout_ms) as u64));
                m.push_str(" ms (timeoutMs)");
                (m, Outcome::Timeout)
            }
            2 => {
                let mut m = String::from("deAPI's response was cut off before its body was complete");
                if !message.is_empty() {
                    m.push_str(" (");
                    m.push_str(message);
                    m.push(')');
                }
                (m, Outcome::Interrupted)
            }
            _ => {
                let mut m = String::from("Could not reach deAPI at ");
                m.push_str(&self.cfg.base_url);
                if !message.is_empty() {
                    m.push_str(": ");
                    m.push_str(message);
                }
                // Node's undici puts the system error (ECONNREFUSED, ECONNRESET, …) in `cause.cause`.
                if !detail.is_empty() {
                    m.push_str(" (");
                    m.push_str(detail);
                    m.push(')');
                }
                (m, Outcome::ConnectionFailure)
            }
        };
        let kind = if what == 0 { Kind::Timeout } else { Kind::Connection };
        self.after_failure(ApiError::new(kind, msg), outcome, attempts, s, d, i)
    }

    /// `wait()`'s options: `{t: timeout ms, pi, mp, mw: poll interval, longest interval, longest
    /// wait}` or `{e}`; `id` is checked (and trimmed: `i`).
    #[wasm_bindgen(js_name = "waitPlan")]
    pub fn wait_plan(&self, id: &str, opts: &str) -> String {
        let planned = (|| {
            let o = call_options(opts, WAIT_KEYS)?;
            let w = WaitOptions::parse(&o)?;
            let id = request_id(id)?;
            let t = parse_call_timeout(&o, self.cfg.timeout_ms)?;
            let mut out = Out::new();
            out.str("i", &id).num("t", t).num("pi", w.poll_interval_ms).num("mp", w.max_poll_interval_ms).num("mw", w.max_wait_ms);
            Ok::<_, ApiError>(out.done())
        })();
        self.answer(planned)
    }

    /// What the last response of each rate-limited bucket said: `{ [bucket]: { limit, remaining,
    /// dailyLimit, dailyRemaining, type, source, resetAt, dailyResetAt, updatedAt } }` (JSON text;
    /// times in ms, the facade makes them Dates).
    #[wasm_bindgen(js_name = "rateLimits")]
    pub fn rate_limits(&self) -> String {
        let quotas = self.quotas.borrow();
        let mut all = Out::new();
        for q in &quotas.buckets {
            let mut one = Out::new();
            one.str("bucket", &q.bucket)
                .opt_num("limit", q.info.limit)
                .opt_num("remaining", q.info.remaining)
                .opt_num("dailyLimit", q.info.daily_limit)
                .opt_num("dailyRemaining", q.info.daily_remaining)
                .opt_str("type", q.info.kind.as_deref())
                .opt_str("source", q.info.source.as_deref())
                .opt_num("resetAt", q.reset_at_ms)
                .num("dailyResetAt", q.daily_reset_at_ms)
                .num("updatedAt", q.updated_at_ms);
            all.raw(&q.bucket, &one.done());
        }
        all.done()
    }
}

/// A 2xx JSON body read by decoder `d`.
fn decode_ok(d: u32, status: u16, body: Json, id: &str) -> Result<Json, ApiError> {
    match d {
        D_SUBMIT => decode::submit(status, &body).map(Json::Str),
        D_PRICE => decode::price(status, &body),
        D_ENHANCED => decode::enhanced(status, &body),
        D_STATUS => jobs::decode_status(status, body, id),
        D_MODELS => decode::models_page(status, &body),
        _ => decode::balance(status, &body),
    }
}

/// What `decide` found: a result (its answer so far, and the value), or the whole answer.
enum Verdict {
    Ok(Out, Json),
    Text(String),
}

impl Core {
    /// `decide` outside a `wait()` (what the facade's `decide(…, 0, 0, 0, 0, 0)` is).
    #[allow(clippy::too_many_arguments)]
    pub fn decide(&self, d: u32, s: bool, k: &str, l: bool, i: &str, attempts: u32, status: u16, headers: &str, text: &str, permit: bool) -> String {
        self.decide_wait(d, s, k, l, i, attempts, status, headers, text, permit, 0, 0.0, 0.0, 0.0, 0.0)
    }

    #[allow(clippy::too_many_arguments)]
    fn verdict(&self, d: u32, s: bool, k: &str, l: bool, i: &str, attempts: u32, status: u16, headers: &str, text: &str, permit: bool) -> Verdict {
        let mut values = headers.split('\n');
        let got: Vec<&str> = HEADER_NAMES.iter().map(|_| values.next().unwrap_or("")).collect();
        let meta = ResponseMeta::from_headers(status, |name| {
            let at = HEADER_NAMES.iter().position(|h| *h == name)?;
            got.get(at).filter(|v| !v.is_empty()).map(|v| (*v).to_owned())
        });
        let now = now_ms();
        let retry_after = meta.retry_after.as_deref().and_then(|v| parse_retry_after(v, now));
        self.quotas.borrow_mut().record(k, &meta, retry_after, now, self.cfg.window_ms);
        if permit {
            self.release_inner(k, l, !meta.rate_limit.is_empty() || status == 429);
        }
        let body = match parse_json(text) {
            Some(j) => Body::Json(j),
            None => Body::Text(text.to_owned()),
        };
        if (200..300).contains(&status) {
            let decoded = match body {
                Body::Json(j) => decode_ok(d, status, j, i),
                Body::Text(t) => {
                    let what = if t.trim().is_empty() { "an empty body" } else { "a body that is not JSON" };
                    let mut msg = String::from("deAPI returned HTTP ");
                    msg.push_str(&uint(status.into()));
                    msg.push_str(" with ");
                    msg.push_str(what);
                    let mut err = ApiError::new(Kind::InvalidResponse, msg);
                    err.status = Some(status);
                    err.body = Some(Body::Text(t));
                    Err(err)
                }
            };
            return match decoded {
                Ok(value) => {
                    let rl = &meta.rate_limit;
                    let mut o = Out::new();
                    o.json("ok", &value).num("st", f64::from(status));
                    if rl.is_empty() {
                        o.raw("rl", "null");
                    } else {
                        o.raw("rl", &rate_limit_text(rl, false));
                    }
                    Verdict::Ok(o, value)
                }
                Err(mut err) => {
                    err.attempts = attempts;
                    self.finish_for(&mut err, d, i);
                    Verdict::Text(err_answer(&err))
                }
            };
        }
        let mut err = decode_http_error(&meta, body, now);
        if status == 429 {
            describe_429(&mut err, now);
        }
        let outcome = Outcome::Status { status, retry_after: err.retry_after };
        Verdict::Text(self.after_failure(err, outcome, attempts, s, d, i))
    }

    fn create(options: &str, browser: bool) -> Result<Core, ApiError> {
        let pairs = match from_wire_keys(options) {
            Ok(pairs) => pairs,
            Err(Ok(Json::Null)) => Vec::new(),
            Err(v) => {
                let kind = match &v {
                    Ok(Json::Str(s)) if s == FUNCTION => "function",
                    Ok(j) => j.type_name(),
                    Err(_) => crate::js::wire_type(options).unwrap_or("a value JSON cannot hold"),
                };
                let mut msg = String::from("DeapiClient options must be an object, got ");
                msg.push_str(kind);
                return Err(ApiError::new(Kind::InvalidOptions, msg));
            }
        };
        let mut data = Vec::new();
        let mut function_keys = Vec::new();
        let mut show_headers = false;
        for (k, v) in pairs {
            match v {
                Ok(Json::Str(s)) if s == FUNCTION => {
                    show_headers |= k == "onRequest";
                    function_keys.push(k);
                }
                Ok(Json::Str(s)) if s == SIGNAL => data.push((k, Json::Obj(Vec::new()))),
                Ok(j) => {
                    if FUNCTION_OPTIONS.contains(&k.as_str()) && !j.is_null() {
                        return Err(ApiError::invalid_option(&k, "must be a function"));
                    }
                    data.push((k, j));
                }
                Err(NotJson) => return Err(ApiError::invalid_option(&k, "must be a plain value")),
            }
        }
        let runtime = if browser { Runtime::Browser } else { Runtime::Server };
        let cfg: Config = parse_options(&Json::Obj(data), &function_keys, runtime)?;
        Ok(Core::with(cfg, show_headers, None))
    }

    /// A core for `cfg` (its scheduler when `cfg` asks for one), with nothing seen yet.
    fn with(cfg: Config, show_headers: bool, refused: Option<String>) -> Core {
        let scheduler = cfg.max_concurrency.map(|n| RefCell::new(Scheduler::new(n)));
        Core { cfg, quotas: Default::default(), scheduler, models: Default::default(), show_headers, refused }
    }

    /// The answer text, or the error's (redacted and cut).
    fn answer(&self, r: Result<String, ApiError>) -> String {
        r.unwrap_or_else(|mut e| {
            e.finish(self.cfg.api_key.as_deref());
            err_answer(&e)
        })
    }

    fn release_inner(&self, k: &str, limited: bool, learned: bool) {
        if let Some(s) = &self.scheduler {
            let quotas = self.quotas.borrow();
            let quota = if learned { quotas.get(k) } else { None };
            s.borrow_mut().finish(k, limited, quota);
        }
    }

    /// Redact, cut, and name the job of a status call.
    fn finish_for(&self, err: &mut ApiError, d: u32, id: &str) {
        if d == D_STATUS && err.request_id.is_none() {
            err.request_id = Some(id.to_owned());
        }
        err.finish(self.cfg.api_key.as_deref());
    }

    fn after_failure(&self, mut err: ApiError, outcome: Outcome, attempts: u32, submission: bool, d: u32, id: &str) -> String {
        err.attempts = attempts;
        match self.cfg.retry.decide(attempts, outcome, submission) {
            Decision::Retry { delay_ms, reason } => {
                self.finish_for(&mut err, d, id);
                let mut o = Out::new();
                o.num("r", delay_ms).str("why", reason.as_str()).raw("e", &error_text(&err));
                o.done()
            }
            Decision::GiveUp { reason } => {
                if reason == Reason::RetryAfterTooLong {
                    if let Some(secs) = err.retry_after {
                        let mut m = err.message.trim_end().to_owned();
                        m.push_str(" Retry after ");
                        m.push_str(&uint(num::ceil(secs) as u64));
                        m.push_str(" s.");
                        err.message = m;
                    }
                }
                self.finish_for(&mut err, d, id);
                err_answer(&err)
            }
        }
    }

    /// Client-side validation with the model given or looked up in the catalogue. `Ok(false)`: the
    /// catalogue is needed first.
    fn check(&self, op: &Op, price: bool, params: &Json, files: &[Upload], model: Option<&Json>, no_catalogue: bool) -> Result<bool, ApiError> {
        let slug = params.get("model").and_then(Json::as_str);
        let models = self.models.borrow();
        let use_catalogue = model.is_none() && slug.is_some() && !op.sync;
        if use_catalogue && models.is_none() && !no_catalogue {
            return Ok(false);
        }
        let catalogue = if use_catalogue { models.as_deref() } else { None };
        let found = catalogue.and_then(|c| c.iter().find(|m| m.get("slug").and_then(Json::as_str) == slug));
        let info = match (model, catalogue, found) {
            (Some(m), _, _) => ModelInfo::Found(m),
            (None, Some(_), Some(m)) => ModelInfo::Found(m),
            (None, Some(_), None) => ModelInfo::Missing,
            _ => ModelInfo::Unknown,
        };
        let sizes = |i: u32| files.get(i as usize).and_then(file_info);
        validate::check(op, price, self.cfg.version, params, info, &sizes)?;
        Ok(true)
    }

    fn plan_inner(&self, what: u32, name: &str, params: &str, opts: &str, n: f64) -> Result<String, ApiError> {
        let not_op = |name: &str| {
            let mut p = String::from("`");
            p.push_str(name);
            p.push_str("` is not a deAPI operation");
            ApiError::invalid_option("operation", &p)
        };
        let allowed = match what {
            // a status poll is one request (`jobs.get.withResponse`); a models page is one of many
            MODELS_PAGE => PLAIN_KEYS,
            VALIDATE => VALIDATE_KEYS,
            _ => CALL_KEYS,
        };
        if what == VALIDATE {
            let (base, price) = match name.strip_suffix("Price") {
                Some(base) => (base, true),
                None => (name, false),
            };
            let op = find_op(base).ok_or_else(|| not_op(base))?;
            let (params, files) = from_wire(params, true, false).map_err(|_| ApiError::invalid_option("params", "must be an object of deAPI fields"))?;
            let o = call_options(opts, allowed)?;
            let model = match o.get("model") {
                Some(m @ Json::Obj(_)) => Some(decode::model(m)),
                Some(Json::Null) | None => None,
                Some(_) => return Err(ApiError::invalid_option("model", "must be a model object from models.list() or models.all()")),
            };
            parse_call_timeout(&o, self.cfg.timeout_ms)?;
            let done = self.check(op, price, &params, &files, model.as_ref(), n == 1.0)?;
            return Ok(if done { "{\"v\":1}" } else { "{\"c\":1}" }.to_owned());
        }
        let o = call_options(opts, allowed)?;
        let timeout = parse_call_timeout(&o, self.cfg.timeout_ms)?;
        let mut id = String::new();
        let mut files = Vec::new();
        let (endpoint, body, query, decoder) = match what {
            SUBMIT | PRICE => {
                let op = find_op(name).ok_or_else(|| not_op(name))?;
                let (p, f) = from_wire(params, true, false).map_err(|_| {
                    ApiError::invalid_option("params", "must be an object of deAPI fields: JSON values and files (Blob, File, Uint8Array, ArrayBuffer)")
                })?;
                files = f;
                let price = what == PRICE;
                if self.cfg.validate && !self.check(op, price, &p, &files, None, n == 1.0)? {
                    return Ok("{\"c\":1}".to_owned());
                }
                let d = match (price, op.sync) {
                    (true, _) => D_PRICE,
                    (false, true) => D_ENHANCED,
                    (false, false) => D_SUBMIT,
                };
                (if price { Endpoint::Price(op) } else { Endpoint::Submit(op) }, Some(p), Vec::new(), d)
            }
            STATUS => {
                id = request_id(params)?;
                (Endpoint::Job(""), None, Vec::new(), D_STATUS)
            }
            MODELS | MODELS_PAGE => {
                let (q, _) = from_wire(params, false, false).map_err(|_| ApiError::invalid_option("query", "must be a plain object"))?;
                let mut query = models_query(&q, None)?;
                if what == MODELS_PAGE {
                    query = models_query(&q, Some(n.max(1.0)))?;
                }
                (Endpoint::Models, None, query, D_MODELS)
            }
            BALANCE => (Endpoint::Balance, None, Vec::new(), D_BALANCE),
            _ => return Err(ApiError::invalid_option("operation", "is not one the core knows (a facade bug)")),
        };
        let endpoint = if what == STATUS { Endpoint::Job(&id) } else { endpoint };
        let req = build(&self.cfg, &endpoint, body.as_ref(), &query)?;
        let mut out = Out::new();
        out.str("m", req.method).str("u", &req.url);
        let headers = |list: &[(String, String)]| {
            let mut h = Out::new();
            for (k, v) in list {
                h.str(k, v);
            }
            h.done()
        };
        out.raw("h", &headers(&req.headers));
        if self.show_headers {
            out.raw("rh", &headers(&req.redacted_headers()));
        }
        match &req.body {
            Some(ReqBody::Json(j)) => {
                let mut text = String::new();
                write_json(&mut text, j);
                out.str("b", &text);
            }
            Some(ReqBody::Multipart(parts)) => {
                let mut list = String::from("[");
                for (at, (field, part)) in parts.iter().enumerate() {
                    if at > 0 {
                        list.push(',');
                    }
                    list.push('[');
                    write_json_str(&mut list, field);
                    list.push(',');
                    match part {
                        Part::Text(t) => write_json_str(&mut list, t),
                        Part::Num(x) => write_num(&mut list, *x),
                        Part::File(f) => match files.get(*f as usize) {
                            Some(v) => list.push_str(&upload_text(v, *f as usize, field)),
                            None => list.push_str("null"),
                        },
                    }
                    list.push(']');
                }
                list.push(']');
                out.raw("p", &list);
                if !files.is_empty() {
                    out.num("f", files.len() as f64);
                }
            }
            None => {}
        }
        out.num("t", timeout)
            .raw("w", if want_response(&o) { "true" } else { "false" })
            .num("d", f64::from(decoder))
            .raw("s", if req.is_submission { "true" } else { "false" })
            .str("k", req.bucket)
            .raw("l", if matches!(req.bucket, "models" | "balance") { "false" } else { "true" })
            .str("i", &id);
        Ok(out.done())
    }
}

#[cfg(test)]
mod tests {
    //! The core natively, as the facade drives it (the same calls run in the real runtimes in
    //! tests/wasm.rs). Answers are parsed with serde_json.
    use super::*;
    use serde_json::Value;

    fn answer(text: &str) -> Value {
        serde_json::from_str(text).unwrap_or_else(|e| panic!("not JSON ({e}): {text}"))
    }
    fn core(extra: &str) -> Core {
        Core::create(&format!(r#"{{"apiKey":"1|nativekey123","baseUrl":"https://api.test","retryBaseDelayMs":1{extra}}}"#), false).unwrap()
    }

    #[test]
    fn a_submission_is_planned_answered_and_retried() {
        let c = core("");
        let p = answer(&c.plan(SUBMIT, "images.generate", r#"{"prompt":"fox","width":512,"seed":null}"#, "null", 0.0));
        assert_eq!((p["m"].as_str(), p["u"].as_str()), (Some("POST"), Some("https://api.test/api/v2/images/generations")));
        assert_eq!(p["b"].as_str(), Some(r#"{"prompt":"fox","width":512}"#));
        assert_eq!((p["s"].as_bool(), p["k"].as_str(), p["l"].as_bool()), (Some(true), Some("images/generations"), Some(true)));
        let d = p["d"].as_u64().unwrap() as u32;
        let retry = answer(&c.decide(d, true, "images/generations", true, "", 1, 503, "", "", false));
        assert_eq!((retry["r"].as_f64(), retry["why"].as_str(), retry["e"]["name"].as_str()), (Some(1.0), Some("server_error"), Some("ServerError")));
        let ok = answer(&c.decide(d, true, "images/generations", true, "", 2, 200, "", r#"{"data":{"request_id":"r-1"}}"#, false));
        assert_eq!(ok["ok"].as_str(), Some("r-1"));
        // the key never comes back, even when the server echoes it
        let echoed = c.decide(d, true, "images/generations", true, "", 4, 422, "", r#"{"message":"1|nativekey123","errors":{"prompt":["nativekey123"]}}"#, false);
        assert!(!echoed.contains("nativekey123"), "{echoed}");
    }

    #[test]
    fn a_429_with_a_long_retry_after_fails_at_once_and_says_when() {
        let c = core("");
        let headers = HEADER_NAMES.iter().map(|h| if *h == "retry-after" { "86400" } else { "" }).collect::<Vec<_>>().join("\n");
        let v = answer(&c.decide(D_BALANCE, false, "jobs", true, "", 1, 429, &headers, r#"{"message":"Too Many Attempts."}"#, false));
        assert!(v.get("r").is_none());
        assert_eq!((v["e"]["name"].as_str(), v["e"]["retryAfter"].as_f64()), (Some("RateLimitError"), Some(86400.0)));
        assert!(v["e"]["message"].as_str().unwrap().ends_with("Retry after 86400 s."));
    }

    #[test]
    fn the_scheduler_waits_for_the_window_after_the_quota_is_spent() {
        let c = core(r#","maxConcurrency":4"#);
        assert_eq!(c.gate("jobs", true, 0), r#"{"g":1}"#, "the first request learns the limits");
        assert_eq!(c.gate("jobs", true, 0), r#"{"s":1}"#, "one at a time until then");
        let headers = HEADER_NAMES.iter().map(|h| match *h { "x-ratelimit-limit" => "2", "x-ratelimit-remaining" => "0", _ => "" }).collect::<Vec<_>>().join("\n");
        let d = answer(&c.decide(D_STATUS, false, "jobs", true, "j", 1, 200, &headers, r#"{"data":{"status":"pending"}}"#, true));
        assert_eq!(d["rl"]["remaining"].as_f64(), Some(0.0));
        let wait = answer(&c.gate("jobs", true, 0));
        assert!(wait["u"].as_f64().unwrap() > now_ms(), "{wait}");
    }

    #[test]
    fn bad_calls_are_refused_before_any_request() {
        let c = core("");
        for (what, name, params, opts, problem) in [
            (SUBMIT, "images.nope", "{}", "null", "`images.nope` is not a deAPI operation"),
            (SUBMIT, "images.generate", r#"{"a":{"\u0000":"x","t":"function"}}"#, "null", "`params`"),
            (BALANCE, "", "null", r#"{"timeoutMs":0}"#, "`timeoutMs`"),
            (BALANCE, "", "null", r#"{"signal":{}}"#, "must be an AbortSignal"),
            (MODELS, "", r#"{"limit":51}"#, "null", "`limit`"),
            (STATUS, "", "42", "null", "`requestId`"),
            (99, "", "null", "null", "a facade bug"),
        ] {
            let e = answer(&c.plan(what, name, params, opts, 0.0));
            assert_eq!(e["e"]["name"].as_str(), Some("InvalidOptionsError"), "{what} {params}");
            assert!(e["e"]["message"].as_str().unwrap().contains(problem), "{e}");
        }
    }
}
