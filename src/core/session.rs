//! One client's state and its decisions (pure: no JS value, no await; tested natively).
//!
//! The binding (`crate::wasm`) runs every call as a loop over these decisions: [`Session::plan`]
//! (options, params and the request, validated), [`Session::gate`] (the scheduler), then for each
//! attempt it sends the request and asks [`Session::verdict`] (status, headers and body → the result,
//! a retry after a delay, or the error) or [`Session::failure`] (timeout, network failure, cut body).
//! Retry policy, error decoding, quotas, scheduling, validation and the wait schedule stay here.

use crate::core::api::{find_op, Endpoint, Op, OPS};
use crate::core::config::{origin, parse_call_timeout, parse_options, Config, Runtime, FUNCTION_OPTIONS};
use crate::core::decode;
use crate::core::error::{decode_http_error, name_404_request, ApiError, Body, Kind, RateLimit, ResponseMeta};
use crate::core::http_date::parse_retry_after;
use crate::core::jobs::{self, Next, WaitOptions};
use crate::core::json::{dec, digits, read_json, redact_str, Json, Unread, MAX_VALUES};
use crate::core::ratelimit::{describe_429, limit_type, Gate, Quotas, Scheduler};
use crate::core::request::{build, default_filename, sniff_mime, Body as ReqBody, Part};
use crate::core::retry::{Decision, Outcome, Reason};
use crate::core::validate::{self, ModelInfo};
use std::cell::RefCell;

/// A value JS passed, as the core sees it: data (JSON), or a stand-in for what JSON cannot hold.
#[derive(Clone, Debug, PartialEq)]
pub enum Arg {
    Data(Json),
    /// A function (a hook, `fetch`, `onProgress`); the binding keeps it.
    Function,
    /// An `AbortSignal`; the binding keeps it.
    Signal,
    /// A symbol, a bigint, a function or upload where data belongs, a cycle.
    NotJson,
}

/// An options argument: absent (`undefined`/`null`), an object's top-level keys, or another type
/// (its name: `string`, `array`, `function`, …).
#[derive(Clone, Debug, PartialEq)]
pub enum Opts {
    Missing,
    Object(Vec<(String, Arg)>),
    Other(&'static str),
}

/// Params that are not JSON (a function, symbol or cycle in them).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct NotJson;

/// One upload among the params, as the binding found it.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Upload {
    /// `{ data, filename?, name?, type? }`.
    pub wrapper: bool,
    /// Raw bytes (ArrayBuffer, typed array, DataView, Node Buffer) rather than a Blob or File.
    pub bytes: bool,
    pub size: Option<f64>,
    /// The wrapper's `type`.
    pub given_type: Option<String>,
    /// The Blob's own `type`.
    pub own_type: Option<String>,
    /// The wrapper's `filename` (or `name`), or the File's `name`.
    pub name: Option<String>,
    /// The first bytes of raw bytes (for sniffing the type).
    pub head: Vec<u8>,
}

/// Params: data with [`Json::File`] where an upload was (its description at that index).
pub type Params = Result<(Json, Vec<Upload>), NotJson>;

/// The response headers [`Session::verdict`] reads.
pub const HEADER_NAMES: [&str; 9] = [
    "content-type",
    "retry-after",
    "x-ratelimit-limit",
    "x-ratelimit-remaining",
    "x-ratelimit-daily-limit",
    "x-ratelimit-daily-remaining",
    "x-ratelimit-type",
    "x-ratelimit-source",
    "location",
];

/// The message of a redirect the client refused (requests go with `redirect: "manual"`: deAPI never
/// redirects an API call, and following one would send the request's headers and a 307/308's body to
/// wherever it points).
fn redirect_message(status: u16, location: Option<&str>) -> String {
    const WHY: &str = ": the client does not follow redirects (deAPI never redirects an API call; check `baseUrl`)";
    match location {
        Some(to) => ["deAPI answered HTTP ", &dec(u64::from(status)), " with a redirect to ", to.trim(), WHY].concat(),
        None => ["deAPI answered with a redirect (its Location is hidden by the browser)", WHY].concat(),
    }
}

/// A clock: milliseconds since 1970. The binding gives the runtime's (`Date.now`); natively,
/// [`system_clock`]. (`core` imports nothing from JS.)
pub type Clock = fn() -> f64;

/// The system's clock (native builds: tests, fuzzing; wasm32-unknown-unknown has none).
#[cfg(any(not(target_arch = "wasm32"), test))]
pub fn system_clock() -> f64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0.0, |d| d.as_secs_f64() * 1000.0)
}

/// What a call is.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Call {
    Submit,
    Price,
    Status,
    Models,
    Balance,
    /// Page n of `models.all`.
    ModelsPage(u32),
    /// Validate only (the operation's name may end in `Price`).
    Validate,
}

/// How a 2xx body is read.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Decoder {
    Submit,
    Price,
    Enhanced,
    Status,
    Models,
    Balance,
}

/// One multipart field as the binding sends it.
#[derive(Clone, Debug, PartialEq)]
pub enum FormPart {
    Text(String),
    /// Written as the runtime's `String(n)`.
    Num(f64),
    /// Upload number `index` of the params. `mime`: its type (`None`: a Blob without one — the
    /// binding sniffs its first bytes with [`file_type`]); `filename` (`None`: made from the field and
    /// the type); `reuse`: the Blob already has that type and goes as it is.
    File { index: usize, wrapper: bool, mime: Option<String>, filename: Option<String>, reuse: bool },
    Missing,
}

#[derive(Clone, Debug, PartialEq)]
pub enum PlanBody {
    /// A JSON body: the binding writes it with `JSON.stringify` (serde_json's serializer and float
    /// formatter stay out of the module).
    Json(Json),
    Form(Vec<(String, FormPart)>),
}

/// A request, ready to send, and how to read its answer.
#[derive(Clone, Debug, PartialEq)]
pub struct Plan {
    pub method: &'static str,
    pub url: String,
    pub headers: Vec<(String, String)>,
    /// The headers with the key hidden, when an `onRequest` hook will see them.
    pub shown_headers: Option<Vec<(String, String)>>,
    pub body: Option<PlanBody>,
    pub timeout_ms: f64,
    /// `withResponse`: resolve with `{ data, status, rateLimit }`.
    pub with_response: bool,
    pub decoder: Decoder,
    pub submission: bool,
    /// The rate-limit bucket, and whether it is rate limited.
    pub bucket: &'static str,
    pub limited: bool,
    /// The job id of a status call ("" otherwise).
    pub id: String,
}

/// What [`Session::plan`] found.
#[derive(Debug, PartialEq)]
pub enum Planned {
    Request(Box<Plan>),
    /// Validation needs the model catalogue: fetch it ([`Session::set_catalogue`]) and plan again.
    NeedCatalogue,
    /// Validate only: the params are valid.
    Valid,
}

/// A `wait()`'s options.
#[derive(Clone, Debug, PartialEq)]
pub struct WaitPlan {
    pub id: String,
    pub timeout_ms: f64,
    pub options: WaitOptions,
    /// Events may drive this wait (`realtime: false` → it polls).
    pub realtime: bool,
}

/// Where a `wait()` is, for the verdict on one of its polls.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct PollState {
    /// This poll's number (1, 2, …).
    pub polls: u32,
    /// Milliseconds since the wait began.
    pub waited_ms: f64,
    pub options: WaitOptions,
}

/// What comes after a poll of a `wait()`.
#[derive(Debug, PartialEq)]
pub enum After {
    PollIn(f64),
    Done,
    /// The job failed or the wait ran out of time (the status is still the result, for `onProgress`).
    Fail(ApiError),
}

/// The verdict on one attempt.
#[derive(Debug, PartialEq)]
pub enum Verdict {
    Ok { value: Json, status: u16, rate_limit: Option<Box<RateLimit>>, after: Option<After> },
    /// Retry after `delay_ms`; `error` is what this attempt failed with (for `onRetry`).
    Retry { delay_ms: f64, reason: &'static str, error: ApiError },
    Fail(ApiError),
}

/// How an attempt ended without a (complete) response.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Failure {
    TimedOut,
    /// Could not connect (the runtime's error message and its cause's code or message).
    Connect,
    /// The body was cut off.
    Cut,
}

/// A response larger than `maxResponseBytes` (the binding stops reading it; [`Session::oversized`]).
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Oversize {
    /// Its `Content-Length` said this many bytes: the body was not read.
    Announced(f64),
    /// The count passed the limit while reading: this many bytes had been read; the rest was not.
    Read(f64),
}

/// What the scheduler says about a request.
#[derive(Debug, PartialEq)]
pub enum Admit {
    /// Go (counted as started: release it with the verdict, or [`Session::release`]).
    Go,
    /// Wait until then (ms since 1970).
    Until(f64),
    /// Wait until a request finishes.
    Slot,
}

/// One client's state. Construct with [`Session::create`].
pub struct Session {
    pub cfg: Config,
    /// What the last response of each bucket said about its rate limits.
    quotas: RefCell<Quotas>,
    /// The opt-in scheduler (`schedule` / `maxConcurrency`).
    scheduler: Option<RefCell<Scheduler>>,
    /// The model catalogue, fetched once for client-side validation.
    models: RefCell<Option<Vec<Json>>>,
    /// An `onRequest` hook is set: plans carry the headers with the key hidden.
    show_headers: bool,
    clock: Clock,
}

/// Per-call options: the data keys as [`Json`] (the signal and functions are the binding's),
/// checked against the keys this call accepts.
pub fn call_options(opts: &Opts, allowed: &[&str]) -> Result<Json, ApiError> {
    let pairs = match opts {
        Opts::Missing => return Ok(Json::Null),
        Opts::Other("AbortSignal") => return Err(ApiError::invalid_option("options", "got an AbortSignal where the options go: pass it as { signal } (e.g. job.wait({ signal }))")),
        Opts::Other(_) => return Err(ApiError::invalid_option("options", "the last argument must be an options object such as { signal, timeoutMs }")),
        Opts::Object(pairs) => pairs,
    };
    let mut data = Vec::new();
    for (k, v) in pairs {
        if !allowed.contains(&k.as_str()) {
            return Err(ApiError::invalid_option(k, &["unknown call option (accepted: ", &allowed.join(", "), ")"].concat()));
        }
        match (k.as_str(), v) {
            (_, Arg::Data(Json::Null)) => {}
            ("signal", Arg::Signal) | ("onProgress", Arg::Function) => {}
            ("signal", _) => return Err(ApiError::invalid_option("signal", "must be an AbortSignal (e.g. from new AbortController().signal)")),
            ("onProgress", _) => return Err(ApiError::invalid_option("onProgress", "must be a function")),
            (_, Arg::Data(j)) => data.push((k.clone(), j.clone())),
            (_, _) => return Err(ApiError::invalid_option(k, "must be a plain value")),
        }
    }
    Ok(Json::Obj(data))
}

pub const CALL_KEYS: &[&str] = &["signal", "timeoutMs", "withResponse"];
/// Calls that make several requests (or none of their own) have no single response to show.
pub const PLAIN_KEYS: &[&str] = &["signal", "timeoutMs"];
pub const WAIT_KEYS: &[&str] = &["signal", "timeoutMs", "onProgress", "pollIntervalMs", "maxPollIntervalMs", "maxWaitMs", "realtime"];
pub const VALIDATE_KEYS: &[&str] = &["signal", "timeoutMs", "model"];

/// Longest job id accepted (deAPI's are 36-character UUIDs).
pub const MAX_ID_LEN: usize = 128;

/// The job id argument, trimmed: a request id as deAPI makes them — UUIDs in practice; accepted are
/// 1 to [`MAX_ID_LEN`] ASCII letters, digits, `-` and `_`. Anything else is refused before a request:
/// `.` and `..` would be dot-segments of the status URL (`GET /api/v2/jobs/..` is `GET /api/v2/`
/// with the key), and a `/`, `?`, `%` or space is no id either. The message does not echo the value.
pub fn request_id(id: &Arg) -> Result<String, ApiError> {
    match id {
        Arg::Data(Json::Str(s)) if is_request_id(s.trim()) => Ok(s.trim().to_owned()),
        _ => Err(ApiError::invalid_option(
            "requestId",
            "must be the request id a submit call returned (1–128 ASCII letters, digits, - or _)",
        )),
    }
}

/// A request id as [`request_id`] accepts it (also the job-status paths `createProxy` forwards).
pub fn is_request_id(s: &str) -> bool {
    (1..=MAX_ID_LEN).contains(&s.len()) && s.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

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
            Some(Json::Num(n)) if n.fract() == 0.0 && *n >= 1.0 && *n <= max => Ok(Some(*n as u32)),
            Some(_) => Err(ApiError::invalid_option(name, problem)),
        }
    };
    let limit = int("limit", 50.0, "must be an integer from 1 to 50")?.unwrap_or(50);
    let page = match page {
        Some(p) => p as u32,
        None => int("page", 1_000_000.0, "must be an integer from 1 to 1000000")?.unwrap_or(1),
    };
    let mut out = vec![("limit".to_owned(), dec(u64::from(limit))), ("page".to_owned(), dec(u64::from(page)))];
    let types = match q.get("inference_types") {
        None | Some(Json::Null) => None,
        Some(Json::Str(s)) => Some(s.clone()),
        Some(Json::Arr(items)) => {
            let names: Option<Vec<&str>> = items.iter().map(Json::as_str).collect();
            Some(names.ok_or_else(|| ApiError::invalid_option("inference_types", "must be a list of strings"))?.join(","))
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

/// How one upload is sent.
fn form_file(u: &Upload, index: usize, field: &str) -> FormPart {
    let name = u.name.clone().filter(|n| !n.is_empty());
    let own_type = if u.bytes { None } else { u.own_type.clone().filter(|t| !t.is_empty()) };
    let mime = match u.given_type.clone().filter(|t| !t.is_empty()).or_else(|| own_type.clone()) {
        Some(t) => Some(t),
        None if u.bytes => Some(sniff_mime(&u.head).unwrap_or("application/octet-stream").to_owned()),
        None => None,
    };
    let filename = name.or_else(|| mime.as_deref().map(|m| default_filename(field, m)));
    let reuse = own_type.is_some() && own_type == mime;
    FormPart::File { index, wrapper: u.wrapper, mime, filename, reuse }
}

/// An upload whose type the plan could not know (a Blob without one: its first bytes read later):
/// `mime` when it has one, else the type its first bytes show (`application/octet-stream` when
/// unknown); and the file name it gets when it has none (the field and the type's extension).
pub fn file_type(head: &[u8], mime: Option<&str>, field: &str) -> (String, String) {
    let mime = match mime {
        Some(m) if !m.is_empty() => m,
        _ => sniff_mime(head).unwrap_or("application/octet-stream"),
    };
    (mime.to_owned(), default_filename(field, mime))
}

/// A 2xx JSON body read by decoder `d`.
fn decode_ok(d: Decoder, status: u16, body: Json, id: &str) -> Result<Json, ApiError> {
    match d {
        Decoder::Submit => decode::submit(status, &body).map(Json::Str),
        Decoder::Price => decode::price(status, &body),
        Decoder::Enhanced => decode::enhanced(status, &body),
        Decoder::Status => jobs::decode_status(status, body, id),
        Decoder::Models => decode::models_page(status, &body),
        Decoder::Balance => decode::balance(status, &body),
    }
}

/// The operations' names (`images.generate`, …), in table order.
pub fn operation_names() -> Vec<&'static str> {
    OPS.iter().map(|op| op.name).collect()
}

impl Session {
    /// A session for `options`; `browser`: the code runs in a page or a worker (the key guard).
    pub fn create(options: &Opts, browser: bool, clock: Clock) -> Result<Session, ApiError> {
        let pairs: &[(String, Arg)] = match options {
            Opts::Missing => &[],
            Opts::Object(pairs) => pairs,
            Opts::Other(kind) => return Err(ApiError::new(Kind::InvalidOptions, ["DeapiClient options must be an object, got ", kind].concat())),
        };
        let mut data = Vec::new();
        let mut function_keys = Vec::new();
        let mut show_headers = false;
        for (k, v) in pairs {
            match v {
                Arg::Function => {
                    show_headers |= k == "onRequest";
                    function_keys.push(k.clone());
                }
                Arg::Signal => data.push((k.clone(), Json::Obj(Vec::new()))),
                Arg::Data(j) => {
                    if FUNCTION_OPTIONS.contains(&k.as_str()) && !j.is_null() {
                        return Err(ApiError::invalid_option(k, "must be a function"));
                    }
                    data.push((k.clone(), j.clone()));
                }
                Arg::NotJson => return Err(ApiError::invalid_option(k, "must be a plain value")),
            }
        }
        let runtime = if browser { Runtime::Browser } else { Runtime::Server };
        let cfg: Config = parse_options(&Json::Obj(data), &function_keys, runtime)?;
        let scheduler = cfg.max_concurrency.map(|n| RefCell::new(Scheduler::new(n, cfg.retry.max_retry_after_ms)));
        Ok(Session { cfg, quotas: Default::default(), scheduler, models: Default::default(), show_headers, clock })
    }

    /// Now, by this session's clock.
    pub fn now_ms(&self) -> f64 {
        (self.clock)()
    }

    /// Is the scheduler on?
    pub fn scheduled(&self) -> bool {
        self.scheduler.is_some()
    }

    /// Redact and cut an error for JS (the key never leaves the session).
    pub fn finish(&self, mut e: ApiError) -> ApiError {
        e.finish(&self.cfg.secrets());
        e
    }

    /// The model catalogue for validation (`models.all()`'s list).
    pub fn set_catalogue(&self, models: Vec<Json>) {
        *self.models.borrow_mut() = Some(models);
    }

    fn release_inner(&self, k: &str, limited: bool, learned: bool) {
        if let Some(s) = &self.scheduler {
            let quotas = self.quotas.borrow();
            let quota = if learned { quotas.get(k) } else { None };
            s.borrow_mut().finish(k, limited, quota);
        }
    }

    /// A request that [`Session::gate`] let go ended without a response (aborted).
    pub fn release(&self, k: &str, limited: bool) {
        self.release_inner(k, limited, false);
    }

    /// Name the job of a status call; redact and cut.
    fn finish_for(&self, mut err: ApiError, d: Decoder, id: &str) -> ApiError {
        if d == Decoder::Status && err.request_id.is_none() {
            err.request_id = Some(id.to_owned());
        }
        self.finish(err)
    }

    fn after_failure(&self, mut err: ApiError, outcome: Outcome, attempts: u32, submission: bool, d: Decoder, id: &str) -> Verdict {
        err.attempts = attempts;
        match self.cfg.retry.decide(attempts, outcome, submission) {
            Decision::Retry { delay_ms, reason } => Verdict::Retry { delay_ms, reason: reason.as_str(), error: self.finish_for(err, d, id) },
            Decision::GiveUp { reason } => {
                if reason == Reason::RetryAfterTooLong {
                    if let Some(secs) = err.retry_after {
                        err.message = [err.message.trim_end(), " Retry after ", &dec(secs.ceil() as u64), " s."].concat();
                    }
                }
                Verdict::Fail(self.finish_for(err, d, id))
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

    /// Plan one call. `name`: the operation (submit, price, validate); `params`: its fields or the
    /// models query; `id`: a status call's job id; for submit, price and validate, `no_catalogue`
    /// says the model catalogue could not be had (model checks skipped). Errors are finished
    /// (redacted, cut).
    pub fn plan(&self, what: Call, name: &str, params: &Params, id: &Arg, opts: &Opts, no_catalogue: bool) -> Result<Planned, ApiError> {
        self.plan_inner(what, name, params, id, opts, no_catalogue).map_err(|e| self.finish(e))
    }

    fn plan_inner(&self, what: Call, name: &str, params: &Params, id: &Arg, opts: &Opts, no_catalogue: bool) -> Result<Planned, ApiError> {
        let not_op = |name: &str| ApiError::invalid_option("operation", &["`", name, "` is not a deAPI operation"].concat());
        let allowed = match what {
            // a status poll is one request (`jobs.get.withResponse`); a models page is one of many
            Call::ModelsPage(_) => PLAIN_KEYS,
            Call::Validate => VALIDATE_KEYS,
            _ => CALL_KEYS,
        };
        if what == Call::Validate {
            let (base, price) = match name.strip_suffix("Price") {
                Some(base) => (base, true),
                None => (name, false),
            };
            let op = find_op(base).ok_or_else(|| not_op(base))?;
            let (params, files) = params.as_ref().map_err(|_| ApiError::invalid_option("params", "must be an object of deAPI fields"))?;
            let o = call_options(opts, allowed)?;
            let model = match o.get("model") {
                Some(m @ Json::Obj(_)) => Some(decode::model(m)),
                Some(Json::Null) | None => None,
                Some(_) => return Err(ApiError::invalid_option("model", "must be a model object from models.list() or models.all()")),
            };
            parse_call_timeout(&o, self.cfg.timeout_ms)?;
            let done = self.check(op, price, params, files, model.as_ref(), no_catalogue)?;
            return Ok(if done { Planned::Valid } else { Planned::NeedCatalogue });
        }
        let o = call_options(opts, allowed)?;
        let timeout = parse_call_timeout(&o, self.cfg.timeout_ms)?;
        let mut job = String::new();
        let mut files: &[Upload] = &[];
        let (endpoint, body, query, decoder) = match what {
            Call::Submit | Call::Price => {
                let op = find_op(name).ok_or_else(|| not_op(name))?;
                let (p, f) = params.as_ref().map_err(|_| {
                    ApiError::invalid_option("params", "must be an object of deAPI fields: JSON values and files (Blob, File, Uint8Array, ArrayBuffer)")
                })?;
                files = f;
                let price = what == Call::Price;
                if self.cfg.validate && !self.check(op, price, p, files, None, no_catalogue)? {
                    return Ok(Planned::NeedCatalogue);
                }
                let d = match (price, op.sync) {
                    (true, _) => Decoder::Price,
                    (false, true) => Decoder::Enhanced,
                    (false, false) => Decoder::Submit,
                };
                (if price { Endpoint::Price(op) } else { Endpoint::Submit(op) }, Some(p), Vec::new(), d)
            }
            Call::Status => {
                job = request_id(id)?;
                (Endpoint::Job(""), None, Vec::new(), Decoder::Status)
            }
            Call::Models | Call::ModelsPage(_) => {
                let (q, _) = params.as_ref().map_err(|_| ApiError::invalid_option("query", "must be a plain object"))?;
                let page = if let Call::ModelsPage(n) = what { Some(f64::from(n.max(1))) } else { None };
                // a bad `page` in the query is reported even when paging through every model
                let mut query = models_query(q, None)?;
                if page.is_some() {
                    query = models_query(q, page)?;
                }
                (Endpoint::Models, None, query, Decoder::Models)
            }
            Call::Balance => (Endpoint::Balance, None, Vec::new(), Decoder::Balance),
            Call::Validate => return Err(not_op(name)),
        };
        let endpoint = if what == Call::Status { Endpoint::Job(&job) } else { endpoint };
        let mut req = build(&self.cfg, &endpoint, body, &query)?;
        let shown_headers = self.show_headers.then(|| req.redacted_headers());
        let body = match req.body.take() {
            Some(ReqBody::Json(j)) => Some(PlanBody::Json(j)),
            Some(ReqBody::Multipart(parts)) => Some(PlanBody::Form(
                parts
                    .into_iter()
                    .map(|(field, part)| {
                        let p = match part {
                            Part::Text(t) => FormPart::Text(t),
                            Part::Num(x) => FormPart::Num(x),
                            Part::File(f) => match files.get(f as usize) {
                                Some(u) => form_file(u, f as usize, &field),
                                None => FormPart::Missing,
                            },
                        };
                        (field, p)
                    })
                    .collect(),
            )),
            None => None,
        };
        Ok(Planned::Request(Box::new(Plan {
            method: req.method,
            url: req.url.clone(),
            headers: req.headers.clone(),
            shown_headers,
            body,
            timeout_ms: timeout,
            with_response: matches!(o.get("withResponse"), Some(Json::Bool(true))),
            decoder,
            submission: req.is_submission,
            bucket: req.bucket,
            limited: !matches!(req.bucket, "models" | "balance"),
            id: job,
        })))
    }

    /// The realtime auth request (`POST realtime.authEndpoint`; its body, the JSON text of
    /// [`crate::core::realtime::auth_body`], is sent by the binding as it is), headed as every call;
    /// `None` when realtime is off. Sent once per socket id (the [`crate::core::realtime::Link`]
    /// decides what follows a failure).
    pub fn auth_plan(&self) -> Option<Plan> {
        let rt = self.cfg.realtime.as_ref()?;
        Some(Plan {
            method: "POST",
            url: rt.auth_endpoint.clone(),
            headers: crate::core::request::auth_headers(&self.cfg),
            shown_headers: None,
            body: None,
            timeout_ms: self.cfg.timeout_ms,
            with_response: false,
            decoder: Decoder::Balance,
            submission: false,
            bucket: "",
            limited: false,
            id: String::new(),
        })
    }

    /// `wait()`'s options, and the job id checked and trimmed.
    pub fn wait_plan(&self, id: &Arg, opts: &Opts) -> Result<WaitPlan, ApiError> {
        let planned = (|| {
            let o = call_options(opts, WAIT_KEYS)?;
            let options = WaitOptions::parse(&o)?;
            let id = request_id(id)?;
            let timeout_ms = parse_call_timeout(&o, self.cfg.timeout_ms)?;
            let realtime = match o.get("realtime") {
                None | Some(Json::Null) => true,
                Some(Json::Bool(b)) => *b,
                Some(_) => return Err(ApiError::invalid_option("realtime", "must be true or false (false: this wait polls)")),
            };
            Ok::<_, ApiError>(WaitPlan { id, timeout_ms, options, realtime })
        })();
        planned.map_err(|e| self.finish(e))
    }

    /// May a request of bucket `k` go now? Without the scheduler, always. `Err`: the daily quota
    /// is used up (the request is not sent).
    pub fn gate(&self, k: &str, limited: bool, attempts: u32) -> Result<Admit, ApiError> {
        let Some(s) = &self.scheduler else { return Ok(Admit::Go) };
        let now = self.now_ms();
        let gate = s.borrow_mut().gate(k, limited, now);
        match gate {
            Gate::Go => {
                s.borrow_mut().start(k, limited);
                Ok(Admit::Go)
            }
            Gate::WaitForSlot => Ok(Admit::Slot),
            Gate::WaitUntil(t) => Ok(Admit::Until(t)),
            Gate::DailyExhausted(until) | Gate::RetryAfterTooLong(until) => {
                Err(self.not_sent(k, matches!(gate, Gate::DailyExhausted(_)), until, now, attempts))
            }
        }
    }

    /// The `RateLimitError` of a request the scheduler (or the fleet's store) holds: the daily quota is
    /// used up (`daily`), or a 429's `Retry-After` holds the bucket past `maxRetryAfterMs`, until `until`.
    fn not_sent(&self, k: &str, daily: bool, until: f64, now: f64, attempts: u32) -> ApiError {
        let secs = ((until - now) / 1000.0).ceil();
        let message = if daily {
            ["The daily rate limit of ", k, " is used up until midnight UTC; the request was not sent (schedule)"].concat()
        } else {
            ["The rate limit of ", k, " holds requests longer than maxRetryAfterMs; the request was not sent (schedule). Retry after ", &dec(secs as u64), " s."].concat()
        };
        let mut err = ApiError::new(Kind::RateLimit, message);
        err.retry_after = Some(secs);
        err.rate_limit = self.quotas.borrow().get(k).map(|q| {
            let mut rl = q.info.clone();
            rl.kind = Some(if daily { "daily" } else { limit_type(&q.info, Some(secs)) }.into());
            rl.reset_at_ms = Some(until);
            Box::new(rl)
        });
        err.attempts = attempts;
        self.finish(err)
    }

    /// With a quota store (`quotaStore`): may a request go as far as this process's concurrency cap
    /// says? (`Go` counts it as started; the store is asked next.)
    pub fn gate_cap(&self, k: &str, limited: bool) -> Admit {
        let Some(s) = &self.scheduler else { return Admit::Go };
        let mut s = s.borrow_mut();
        match s.gate_cap() {
            Gate::Go => {
                s.start(k, limited);
                Admit::Go
            }
            _ => Admit::Slot,
        }
    }

    /// The store said wait `ms` (`reason`): until when, or the `RateLimitError` of a request not sent —
    /// the daily quota is spent, or the fleet's pause lasts longer than `maxRetryAfterMs`.
    #[cfg(feature = "fleet")]
    pub fn store_wait(&self, k: &str, ms: f64, reason: crate::core::fleet::Reason, attempts: u32) -> Result<f64, ApiError> {
        use crate::core::fleet::Reason;
        let now = self.now_ms();
        let daily = match reason {
            Reason::Daily => true,
            Reason::Paused if ms > self.cfg.retry.max_retry_after_ms => false,
            _ => return Ok(now + ms),
        };
        let mut e = self.not_sent(k, daily, now + ms, now, attempts);
        // another process learned it: this one may have no response of the bucket yet
        let rl = e.rate_limit.get_or_insert_with(Default::default);
        rl.kind = Some(if daily { "daily" } else { "minute" }.into());
        rl.reset_at_ms = Some(now + ms);
        Err(e)
    }

    /// An attempt got a response: `status`, a header getter and the body text. `permit`: the
    /// attempt went through [`Session::gate`]. `poll`: this is a poll of a `wait()`.
    #[allow(clippy::too_many_arguments)]
    pub fn verdict(&self, plan: &Plan, attempts: u32, status: u16, header: &dyn Fn(&str) -> Option<String>, text: &str, permit: bool, poll: Option<PollState>) -> Verdict {
        let (d, i) = (plan.decoder, plan.id.as_str());
        let (meta, now) = self.observe(plan, status, header, permit);
        if (300..400).contains(&status) {
            if let Some(location) = header("location").filter(|l| !l.trim().is_empty()) {
                return self.refuse(plan, attempts, status, &meta, redirect_message(status, Some(&location)));
            }
        }
        let body = match read_json(text) {
            Ok(j) => Body::Json(j),
            Err(Unread::NotJson) => Body::Text(text.to_owned()),
            Err(Unread::TooLarge) => {
                let what = ["deAPI's response (HTTP ", &dec(u64::from(status)), ") holds more than ", &dec(MAX_VALUES as u64), " JSON values; it was not decoded"].concat();
                return self.refuse(plan, attempts, status, &meta, what);
            }
        };
        if (200..300).contains(&status) {
            let decoded = match body {
                Body::Json(j) => decode_ok(d, status, j, i),
                Body::Text(t) => {
                    let what = if t.trim().is_empty() { "an empty body" } else { "a body that is not JSON" };
                    let mut err = ApiError::new(Kind::InvalidResponse, ["deAPI returned HTTP ", &dec(u64::from(status)), " with ", what].concat());
                    err.status = Some(status);
                    err.body = Some(Body::Text(t));
                    Err(err)
                }
            };
            return match decoded {
                Ok(value) => {
                    let rl = &meta.rate_limit;
                    let rate_limit = if rl.is_empty() { None } else { Some(Box::new(rl.clone())) };
                    let after = poll.map(|p| match p.options.next(i, value.clone(), p.polls, p.waited_ms) {
                        Next::PollIn(delay) => After::PollIn(delay),
                        Next::Finished(Ok(_)) => After::Done,
                        Next::Finished(Err(e)) => After::Fail(self.finish(e)),
                    });
                    Verdict::Ok { value, status, rate_limit, after }
                }
                Err(mut err) => {
                    err.attempts = attempts;
                    Verdict::Fail(self.finish_for(err, d, i))
                }
            };
        }
        let mut err = decode_http_error(&meta, body, now);
        if status == 429 {
            describe_429(&mut err, now, self.cfg.window_ms);
        }
        name_404_request(&mut err, plan.method, &plan.url, &self.cfg.base_url);
        let outcome = Outcome::Status { status, retry_after: err.retry_after };
        self.after_failure(err, outcome, attempts, plan.submission, d, i)
    }

    /// What every response says, whatever its body: the rate-limit headers recorded, the scheduler's
    /// permit released.
    fn observe(&self, plan: &Plan, status: u16, header: &dyn Fn(&str) -> Option<String>, permit: bool) -> (ResponseMeta, f64) {
        let meta = ResponseMeta::from_headers(status, |name| header(name).filter(|v| !v.is_empty()));
        let now = self.now_ms();
        let retry_after = meta.retry_after.as_deref().and_then(|v| parse_retry_after(v, now));
        self.quotas.borrow_mut().record(plan.bucket, &meta, retry_after, now, self.cfg.window_ms);
        if permit {
            self.release_inner(plan.bucket, plan.limited, !meta.rate_limit.is_empty() || status == 429);
        }
        // a 429's Retry-After holds the scheduler's bucket (gate fails fast while it is past maxRetryAfterMs)
        if let (Some(s), Some(secs), 429) = (&self.scheduler, retry_after, status) {
            s.borrow_mut().hold(plan.bucket, now + secs * 1000.0);
        }
        (meta, now)
    }

    /// A response the client will not read or decode: an `InvalidResponseError` with its status, not
    /// retried (the same answer would come again).
    fn refuse(&self, plan: &Plan, attempts: u32, status: u16, meta: &ResponseMeta, message: String) -> Verdict {
        let mut err = ApiError::new(Kind::InvalidResponse, message);
        err.status = Some(status);
        err.attempts = attempts;
        if !meta.rate_limit.is_empty() {
            err.rate_limit = Some(Box::new(meta.rate_limit.clone()));
        }
        Verdict::Fail(self.finish_for(err, plan.decoder, &plan.id))
    }

    /// An attempt got a redirect the runtime hides (a browser's `opaqueredirect` response: status 0,
    /// no headers): an `InvalidResponseError`, not retried.
    pub fn redirected(&self, plan: &Plan, attempts: u32, permit: bool) -> Verdict {
        let (meta, _) = self.observe(plan, 0, &|_| None, permit);
        let mut v = self.refuse(plan, attempts, 0, &meta, redirect_message(0, None));
        if let Verdict::Fail(e) = &mut v {
            e.status = None;
        }
        v
    }

    /// Is the body too large to read, by its `Content-Length` (digits; anything else is not a length
    /// and leaves the decision to the count while reading)?
    pub fn announced_too_large(&self, content_length: Option<&str>) -> Option<Oversize> {
        let n = digits(content_length?.trim())?;
        (n > self.cfg.max_response_bytes).then_some(Oversize::Announced(n))
    }

    /// Is `read` bytes of body past `maxResponseBytes`?
    pub fn read_too_large(&self, read: f64) -> Option<Oversize> {
        (read > self.cfg.max_response_bytes).then_some(Oversize::Read(read))
    }

    /// An attempt got a response larger than `maxResponseBytes` (see [`Oversize`]): an
    /// `InvalidResponseError` naming the limit and the size, not retried.
    pub fn oversized(&self, plan: &Plan, attempts: u32, status: u16, header: &dyn Fn(&str) -> Option<String>, size: Oversize, permit: bool) -> Verdict {
        let (meta, _) = self.observe(plan, status, header, permit);
        let limit = dec(self.cfg.max_response_bytes as u64);
        let code = dec(u64::from(status));
        let message = match size {
            Oversize::Announced(n) => ["deAPI's response (HTTP ", &code, ") is larger than maxResponseBytes (", &limit, " bytes): its Content-Length is ", &dec(n as u64), " bytes; it was not read"].concat(),
            Oversize::Read(n) => ["deAPI's response (HTTP ", &code, ") is larger than maxResponseBytes (", &limit, " bytes): reading stopped after ", &dec(n as u64), " bytes"].concat(),
        };
        self.refuse(plan, attempts, status, &meta, message)
    }

    /// An attempt got no (complete) response. `message` and `detail`: the runtime's error message
    /// and its cause's code or message (connection failures, cut bodies).
    pub fn failure(&self, plan: &Plan, attempts: u32, what: Failure, message: &str, detail: &str, permit: bool) -> Verdict {
        if permit {
            self.release_inner(plan.bucket, plan.limited, false);
        }
        // The base URL's origin only: a proxy's path or query may hold a token, so it is named
        // nowhere, not even where the runtime's message quotes the URL (Deno's does).
        let origin = origin(&self.cfg.base_url);
        let path = self.cfg.base_url.get(origin.len()..).unwrap_or_default();
        let hide = |text: &str| {
            let mut t = text.to_owned();
            redact_str(&mut t, path);
            t
        };
        let (message, detail) = (hide(message), hide(detail));
        let (message, detail) = (message.as_str(), detail.as_str());
        let (msg, outcome, kind) = match what {
            Failure::TimedOut => (["deAPI did not answer within ", &dec(plan.timeout_ms.round() as u64), " ms (timeoutMs)"].concat(), Outcome::Timeout, Kind::Timeout),
            Failure::Cut => {
                let mut m = String::from("deAPI's response was cut off before its body was complete");
                if !message.is_empty() {
                    m = [&m, " (", message, ")"].concat();
                }
                (m, Outcome::Interrupted, Kind::Connection)
            }
            Failure::Connect => {
                let mut m = if origin.is_empty() { "Could not reach deAPI at this page's origin".to_owned() } else { ["Could not reach deAPI at ", origin].concat() };
                if !message.is_empty() {
                    m = [&m, ": ", message].concat();
                }
                // Node's undici puts the system error (ECONNREFUSED, ECONNRESET, …) in `cause.cause`.
                if !detail.is_empty() {
                    m = [&m, " (", detail, ")"].concat();
                }
                (m, Outcome::ConnectionFailure, Kind::Connection)
            }
        };
        self.after_failure(ApiError::new(kind, msg), outcome, attempts, plan.submission, plan.decoder, &plan.id)
    }

    /// What the last response of each rate-limited bucket said.
    pub fn quotas(&self) -> std::cell::Ref<'_, Quotas> {
        self.quotas.borrow()
    }
}

#[cfg(test)]
mod tests {
    //! The session natively, as the binding drives it (the binding itself is tested in the real
    //! runtimes by tests/wasm.rs and over the built package).
    use super::*;

    fn data(pairs: &[(&str, Json)]) -> Opts {
        Opts::Object(pairs.iter().map(|(k, v)| (k.to_string(), Arg::Data(v.clone()))).collect())
    }
    fn session(extra: &[(&str, Json)]) -> Session {
        let mut pairs = vec![("apiKey", Json::str("1|nativekey123")), ("baseUrl", Json::str("https://api.test")), ("retryBaseDelayMs", Json::Num(1.0))];
        pairs.extend_from_slice(extra);
        Session::create(&data(&pairs), false, system_clock).unwrap()
    }
    fn obj(text: &str) -> Json {
        crate::core::json::parse_json(text).unwrap()
    }
    fn request(p: Result<Planned, ApiError>) -> Plan {
        match p.unwrap() {
            Planned::Request(p) => *p,
            other => panic!("not a request: {other:?}"),
        }
    }
    fn headers(list: &'static [(&'static str, &'static str)]) -> impl Fn(&str) -> Option<String> {
        move |name: &str| list.iter().find(|(k, _)| *k == name).map(|(_, v)| v.to_string())
    }
    const NONE: &[(&str, &str)] = &[];

    #[test]
    fn a_submission_is_planned_answered_and_retried() {
        let s = session(&[]);
        let params = Ok((obj(r#"{"prompt":"fox","width":512,"seed":null}"#), Vec::new()));
        let p = request(s.plan(Call::Submit, "images.generate", &params, &Arg::NotJson, &Opts::Missing, false));
        assert_eq!((p.method, p.url.as_str()), ("POST", "https://api.test/api/v2/images/generations"));
        assert!(matches!(&p.body, Some(PlanBody::Json(j)) if crate::core::json::to_text(j) == r#"{"prompt":"fox","width":512}"#), "{:?}", p.body);
        assert_eq!((p.submission, p.bucket, p.limited), (true, "images/generations", true));
        match s.verdict(&p, 1, 503, &headers(NONE), "", false, None) {
            Verdict::Retry { delay_ms, reason, error } => assert_eq!((delay_ms, reason, error.kind.class_name()), (1.0, "server_error", "ServerError")),
            other => panic!("{other:?}"),
        }
        match s.verdict(&p, 2, 200, &headers(NONE), r#"{"data":{"request_id":"r-1"}}"#, false, None) {
            Verdict::Ok { value, .. } => assert_eq!(value, Json::str("r-1")),
            other => panic!("{other:?}"),
        }
        // the key never comes back, even when the server echoes it
        match s.verdict(&p, 4, 422, &headers(NONE), r#"{"message":"1|nativekey123","errors":{"prompt":["nativekey123"]}}"#, false, None) {
            Verdict::Fail(e) => assert!(!format!("{e:?}").contains("nativekey123")),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn a_429_with_a_long_retry_after_fails_at_once_and_says_when() {
        let s = session(&[]);
        let p = request(s.plan(Call::Balance, "", &Ok((Json::Null, Vec::new())), &Arg::NotJson, &Opts::Missing, false));
        match s.verdict(&p, 1, 429, &headers(&[("retry-after", "86400")]), r#"{"message":"Too Many Attempts."}"#, false, None) {
            Verdict::Fail(e) => {
                assert_eq!((e.kind.class_name(), e.retry_after), ("RateLimitError", Some(86400.0)));
                assert!(e.message.ends_with("Retry after 86400 s."), "{}", e.message);
            }
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn the_scheduler_waits_for_the_window_after_the_quota_is_spent() {
        let s = session(&[("maxConcurrency", Json::Num(4.0))]);
        assert_eq!(s.gate("jobs", true, 0), Ok(Admit::Go), "the first request learns the limits");
        assert_eq!(s.gate("jobs", true, 0), Ok(Admit::Slot), "one at a time until then");
        let p = request(s.plan(Call::Status, "", &Err(NotJson), &Arg::Data(Json::str("j")), &Opts::Missing, false));
        let v = s.verdict(&p, 1, 200, &headers(&[("x-ratelimit-limit", "2"), ("x-ratelimit-remaining", "0")]), r#"{"data":{"status":"pending"}}"#, true, None);
        assert!(matches!(v, Verdict::Ok { rate_limit: Some(ref rl), .. } if rl.remaining == Some(0.0)), "{v:?}");
        match s.gate("jobs", true, 0) {
            Ok(Admit::Until(t)) => assert!(t > system_clock()),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn after_a_429_longer_than_max_retry_after_the_scheduler_fails_fast() {
        let s = session(&[("maxConcurrency", Json::Num(4.0))]);
        let p = request(s.plan(Call::Balance, "", &Ok((Json::Null, Vec::new())), &Arg::NotJson, &Opts::Missing, false));
        let p = Plan { bucket: "price", limited: true, ..p };
        assert_eq!(s.gate("price", true, 0), Ok(Admit::Go));
        let h = headers(&[("retry-after", "315360000"), ("x-ratelimit-type", "minute"), ("x-ratelimit-limit", "5"), ("x-ratelimit-remaining", "0")]);
        match s.verdict(&p, 1, 429, &h, r#"{"message":"Too Many Attempts."}"#, true, None) {
            Verdict::Fail(e) => assert_eq!((e.kind, e.retry_after, e.attempts), (Kind::RateLimit, Some(315_360_000.0), 1)),
            other => panic!("{other:?}"),
        }
        // the next scheduled request is refused at once, not parked for ten years
        let e = s.gate("price", true, 0).unwrap_err();
        assert_eq!((e.kind, e.attempts), (Kind::RateLimit, 0));
        assert!(e.retry_after.is_some_and(|r| r > 315_359_000.0), "{:?}", e.retry_after);
        assert!(e.message.contains("maxRetryAfterMs") && e.message.contains("not sent"), "{}", e.message);
        let rl = e.rate_limit.as_ref().unwrap();
        assert_eq!(rl.kind.as_deref(), Some("minute"));
        // a Retry-After within the cap still waits for the window
        let s = session(&[("maxConcurrency", Json::Num(4.0))]);
        assert_eq!(s.gate("price", true, 0), Ok(Admit::Go));
        let h = headers(&[("retry-after", "30"), ("x-ratelimit-type", "minute"), ("x-ratelimit-limit", "5"), ("x-ratelimit-remaining", "0")]);
        assert!(matches!(s.verdict(&p, 4, 429, &h, "{}", true, None), Verdict::Fail(_)));
        assert!(matches!(s.gate("price", true, 0), Ok(Admit::Until(_))));
    }

    #[cfg(feature = "fleet")]
    #[test]
    fn with_a_quota_store_the_cap_is_local_and_the_store_decides_the_bucket() {
        use crate::core::fleet::Reason;
        let s = session(&[("maxConcurrency", Json::Num(2.0)), ("maxRetryAfterMs", Json::Num(60_000.0))]);
        assert_eq!(s.gate_cap("jobs", true), Admit::Go);
        assert_eq!(s.gate_cap("jobs", true), Admit::Go, "no one-at-a-time probe locally: the store probes for the fleet");
        assert_eq!(s.gate_cap("price", true), Admit::Slot, "the cap holds");
        s.release("jobs", true);
        assert_eq!(s.gate_cap("price", true), Admit::Go);
        let until = s.store_wait("jobs", 250.0, Reason::Minute, 0).unwrap();
        assert!((until - system_clock() - 250.0).abs() < 1000.0);
        assert!(s.store_wait("jobs", 59_000.0, Reason::Paused, 0).is_ok(), "a pause within maxRetryAfterMs is waited for");
        let e = s.store_wait("jobs", 120_000.0, Reason::Paused, 2).unwrap_err();
        assert_eq!((e.kind, e.attempts, e.retry_after), (Kind::RateLimit, 2, Some(120.0)));
        assert!(e.message.contains("maxRetryAfterMs"), "{}", e.message);
        let e = s.store_wait("images/generations", 3_600_000.0, Reason::Daily, 0).unwrap_err();
        assert!(e.message.contains("daily rate limit of images/generations"), "{}", e.message);
        let rl = e.rate_limit.as_ref().unwrap();
        assert_eq!(rl.kind.as_deref(), Some("daily"), "known from the fleet, not from this process's responses");
    }

    #[test]
    fn bad_calls_are_refused_before_any_request() {
        let s = session(&[]);
        let none = Ok((Json::Null, Vec::new()));
        for (what, name, params, id, opts, problem) in [
            (Call::Submit, "images.nope", Ok((obj("{}"), Vec::new())), Arg::NotJson, Opts::Missing, "`images.nope` is not a deAPI operation"),
            (Call::Submit, "images.generate", Err(NotJson), Arg::NotJson, Opts::Missing, "`params`"),
            (Call::Balance, "", none.clone(), Arg::NotJson, data(&[("timeoutMs", Json::Num(0.0))]), "`timeoutMs`"),
            (Call::Balance, "", none.clone(), Arg::NotJson, data(&[("signal", obj("{}"))]), "must be an AbortSignal"),
            (Call::Models, "", Ok((obj(r#"{"limit":51}"#), Vec::new())), Arg::NotJson, Opts::Missing, "`limit`"),
            (Call::Status, "", none.clone(), Arg::Data(Json::Num(42.0)), Opts::Missing, "`requestId`"),
            (Call::Balance, "", none.clone(), Arg::NotJson, Opts::Other("string"), "options object"),
            (Call::Balance, "", none, Arg::NotJson, Opts::Other("AbortSignal"), "as { signal }"),
        ] {
            let e = s.plan(what, name, &params, &id, &opts, false).unwrap_err();
            assert_eq!(e.kind, Kind::InvalidOptions, "{what:?}");
            assert!(e.message.contains(problem), "{}", e.message);
        }
    }

    #[test]
    fn a_connection_error_names_the_origin_only() {
        let s = session(&[("baseUrl", Json::str("https://proxy.test:8443/t0ken-in-path/deapi?k=q1"))]);
        let p = request(s.plan(Call::Balance, "", &Ok((Json::Null, Vec::new())), &Arg::NotJson, &Opts::Missing, false));
        assert!(p.url.contains("t0ken-in-path"), "the request itself goes to the path");
        let quoted = "error sending request for url (https://proxy.test:8443/t0ken-in-path/deapi?k=q1/api/v2/account/balance)";
        for what in [Failure::Connect, Failure::Cut] {
            let e = match s.failure(&p, 4, what, quoted, "ECONNREFUSED", false) {
                Verdict::Fail(e) | Verdict::Retry { error: e, .. } => e,
                other => panic!("{other:?}"),
            };
            assert!(!format!("{e:?}").contains("t0ken-in-path"), "{}", e.message);
        }
        let Verdict::Fail(e) = s.failure(&p, 4, Failure::Connect, "fetch failed", "ECONNREFUSED", false) else { panic!() };
        assert_eq!(e.message, "Could not reach deAPI at https://proxy.test:8443: fetch failed (ECONNREFUSED)");
    }

    #[test]
    fn secret_header_values_are_redacted_from_errors() {
        let s = Session::create(
            &data(&[
                ("baseUrl", Json::str("https://proxy.test")),
                ("headers", obj(r#"{"Authorization":"Bearer authz-tok3n","X-Api-Key":"xapikey-value","Cookie":"sid=cookie-sess10n"}"#)),
            ]),
            false,
            system_clock,
        )
        .unwrap();
        let p = request(s.plan(Call::Balance, "", &Ok((Json::Null, Vec::new())), &Arg::NotJson, &Opts::Missing, false));
        let echo = r#"{"message":"got Bearer authz-tok3n, authz-tok3n","errors":{"xapikey-value":["sid=cookie-sess10n","cookie-sess10n"]},"h":{"authorization":"Bearer authz-tok3n"}}"#;
        let Verdict::Fail(e) = s.verdict(&p, 1, 422, &headers(NONE), echo, false, None) else { panic!() };
        let dump = format!("{e:?}");
        for secret in ["authz-tok3n", "xapikey-value", "cookie-sess10n"] {
            assert!(!dump.contains(secret), "{secret} in {dump}");
        }
        // a secret straddling the 4 KiB cut of a text body does not survive in part
        let long = "x".repeat(4090) + "xapikey-value";
        let Verdict::Fail(e) = s.verdict(&p, 4, 502, &headers(NONE), &long, false, None) else { panic!() };
        assert!(!format!("{e:?}").contains("xapikey"), "{:?}", e.body);
    }

    #[test]
    fn job_ids_are_ids_and_nothing_else() {
        let s = session(&[]);
        for ok in ["c08a339c-73e5-4d67-a4d5-231302fbff9a", " r-1 ", "j", "A_b-9", &"a".repeat(128)] {
            let p = request(s.plan(Call::Status, "", &Err(NotJson), &Arg::Data(Json::str(ok)), &Opts::Missing, false));
            assert_eq!(p.url, ["https://api.test/api/v2/jobs/", ok.trim()].concat());
        }
        let long = "a".repeat(129);
        for bad in [".", "..", " .. ", "../account/balance", "a/b", "a.b", "a?b", "a%2e", "a b", "", "   ", "é", "a\u{0}", long.as_str()] {
            let e = s.plan(Call::Status, "", &Err(NotJson), &Arg::Data(Json::str(bad)), &Opts::Missing, false).unwrap_err();
            assert_eq!(e.kind, Kind::InvalidOptions, "{bad:?}");
            assert!(e.message.contains("`requestId`"), "{}", e.message);
            let w = s.wait_plan(&Arg::Data(Json::str(bad)), &Opts::Missing).unwrap_err();
            assert!(w.message.contains("`requestId`"), "{bad:?}");
        }
        let e = request_id(&Arg::Data(Json::str("1|nativekey123"))).unwrap_err();
        assert!(!e.message.contains("nativekey123"), "the value is not echoed");
    }

    #[test]
    fn a_response_past_max_response_bytes_is_an_invalid_response_not_retried() {
        let s = session(&[("maxResponseBytes", Json::Num(4096.0)), ("maxRetries", Json::Num(3.0))]);
        let p = request(s.plan(Call::Balance, "", &Ok((Json::Null, Vec::new())), &Arg::NotJson, &Opts::Missing, false));
        // Content-Length: refused before reading when over; not a length, or within → read and count
        assert_eq!(s.announced_too_large(Some(" 4097 ")), Some(Oversize::Announced(4097.0)));
        for fine in [None, Some("4096"), Some(""), Some("12, 12"), Some("-5"), Some("1e9")] {
            assert_eq!(s.announced_too_large(fine), None, "{fine:?}");
        }
        assert!(matches!(s.announced_too_large(Some("99999999999999999999999")), Some(Oversize::Announced(n)) if n > 9e22), "no overflow");
        assert_eq!((s.read_too_large(4096.0), s.read_too_large(4097.0)), (None, Some(Oversize::Read(4097.0))));
        for (status, size, says) in [
            (200, Oversize::Announced(140_000_000.0), "its Content-Length is 140000000 bytes"),
            (503, Oversize::Read(8192.0), "reading stopped after 8192 bytes"),
        ] {
            match s.oversized(&p, 1, status, &headers(&[("x-ratelimit-remaining", "7")]), size, false) {
                Verdict::Fail(e) => {
                    assert_eq!((e.kind, e.status, e.attempts), (Kind::InvalidResponse, Some(status), 1), "a 5xx too: not retried");
                    assert!(e.message.contains("maxResponseBytes (4096 bytes)") && e.message.contains(says), "{}", e.message);
                    assert_eq!(e.rate_limit.as_ref().and_then(|r| r.remaining), Some(7.0));
                }
                other => panic!("{other:?}"),
            }
        }
        // a body within the limit that decodes to too many values is refused the same way
        let zeros = format!("[{}0]", "0,".repeat(crate::core::json::MAX_VALUES));
        match s.verdict(&p, 1, 200, &headers(NONE), &zeros, false, None) {
            Verdict::Fail(e) => assert!(e.kind == Kind::InvalidResponse && e.message.contains("more than 1048576 JSON values"), "{}", e.message),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn a_redirect_is_refused_and_names_its_location() {
        let s = session(&[("maxRetries", Json::Num(3.0))]);
        let p = request(s.plan(Call::Balance, "", &Ok((Json::Null, Vec::new())), &Arg::NotJson, &Opts::Missing, false));
        for status in [301, 302, 303, 307, 308] {
            match s.verdict(&p, 1, status, &headers(&[("location", "https://elsewhere.test/api/v2/account/balance")]), r#"{"data":{"balance":1}}"#, false, None) {
                Verdict::Fail(e) => {
                    assert_eq!((e.kind, e.status, e.attempts), (Kind::InvalidResponse, Some(status), 1));
                    assert!(e.message.contains("redirect to https://elsewhere.test/api/v2/account/balance") && e.message.contains("does not follow redirects"), "{}", e.message);
                }
                other => panic!("{status}: {other:?}"),
            }
        }
        // a 3xx without a Location is an HTTP error as before (fetch itself returns it as it is)
        match s.verdict(&p, 1, 308, &headers(NONE), r#"{"message":"Permanent Redirect"}"#, false, None) {
            Verdict::Fail(e) => assert_eq!((e.kind, e.message.as_str()), (Kind::Http, "Permanent Redirect")),
            other => panic!("{other:?}"),
        }
        // a browser's opaque redirect: no status, no Location to name
        match s.redirected(&p, 1, false) {
            Verdict::Fail(e) => assert!(e.kind == Kind::InvalidResponse && e.status.is_none() && e.message.contains("hidden by the browser"), "{e:?}"),
            other => panic!("{other:?}"),
        }
        // the key is redacted from a Location that carries it
        match s.verdict(&p, 1, 302, &headers(&[("location", "https://x.test/?k=1|nativekey123")]), "", false, None) {
            Verdict::Fail(e) => assert!(!e.message.contains("nativekey123"), "{}", e.message),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn an_upload_without_a_type_is_sniffed_and_named() {
        let png = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];
        assert_eq!(file_type(&png, None, "image"), ("image/png".to_owned(), "image.png".to_owned()));
        assert_eq!(file_type(&[], Some("image/webp"), "画像").1, "画像.webp");
        assert_eq!(file_type(&[1, 2], None, "f").0, "application/octet-stream");
    }
}
