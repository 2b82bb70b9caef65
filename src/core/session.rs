//! One client's state and its decisions (pure: no JS value, no await; tested natively).
//!
//! The binding (`crate::wasm`) runs every call as a loop over these decisions: [`Session::plan`]
//! (options, params and the request, validated), [`Session::gate`] (the scheduler), then for each
//! attempt it sends the request and asks [`Session::verdict`] (status, headers and body → the result,
//! a retry after a delay, or the error) or [`Session::failure`] (timeout, network failure, cut body).
//! Retry policy, error decoding, quotas, scheduling, validation and the wait schedule stay here.

use crate::core::args::{Arg, Opts};
use crate::core::config::{parse_options, Config, Runtime, FUNCTION_OPTIONS};
use crate::core::decode;
use crate::core::error::{decode_http_error, name_404_request, ApiError, Body, Kind, RateLimit, ResponseMeta};
use crate::core::http_date::parse_retry_after;
use crate::core::jobs::{self, Next, WaitOptions};
use crate::core::json::{read_json, Json, Unread, MAX_VALUES};
use crate::core::plan::{Call, Decoder, Plan, Planned, Planner, WaitPlan};
use crate::core::ratelimit::{describe_429, limit_type, Gate, Quotas, Scheduler};
use crate::core::retry::{Decision, Outcome, Reason, RetryPolicy};
use crate::core::text::{dec, digits, redact_str};
use crate::core::url::origin;
use std::cell::RefCell;

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
/// `system_clock`. (`core` imports nothing from JS.)
pub type Clock = fn() -> f64;

/// The system's clock (native builds: tests, fuzzing; wasm32-unknown-unknown has none).
#[cfg(any(not(target_arch = "wasm32"), test))]
pub fn system_clock() -> f64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0.0, |d| d.as_secs_f64() * 1000.0)
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

/// One attempt of a plan, as the verdicts on it need it.
#[derive(Clone, Copy, Debug)]
pub struct Attempt<'a> {
    pub plan: &'a Plan,
    /// Its number: 1, 2, …
    pub number: u32,
    /// It went through [`Session::gate`]: the verdict releases its permit.
    pub permit: bool,
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
            // the browser module has no quota store (it is not an unknown option, nor a bad value)
            #[cfg(not(feature = "fleet"))]
            if k == "quotaStore" && *v != Arg::Data(Json::Null) {
                return Err(ApiError::invalid_option(k, "servers only: a page shares a fleet's quota through your server (createProxy)"));
            }
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

    /// What planning reads of this client, with the model catalogue `catalogue` (when it is needed).
    fn planner<'a>(&'a self, catalogue: Option<&'a [Json]>) -> Planner<'a> {
        Planner { cfg: &self.cfg, catalogue, show_headers: self.show_headers }
    }

    /// Plan one call (see [`Planner::plan`]). Errors are finished (redacted, cut).
    pub fn plan(&self, call: &Call, opts: &Opts, no_catalogue: bool) -> Result<Planned, ApiError> {
        let models = self.models.borrow();
        self.planner(models.as_deref()).plan(call, opts, no_catalogue).map_err(|e| self.finish(e))
    }

    /// `wait()`'s options, and the job id checked and trimmed. Errors are finished.
    pub fn wait_plan(&self, id: &Arg, opts: &Opts) -> Result<WaitPlan, ApiError> {
        self.planner(None).wait_plan(id, opts).map_err(|e| self.finish(e))
    }

    /// The realtime auth request (see [`Planner::auth_plan`]); `None` when realtime is off.
    pub fn auth_plan(&self) -> Option<Plan> {
        self.planner(None).auth_plan()
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

    fn after_failure(&self, at: Attempt, mut err: ApiError, outcome: Outcome) -> Verdict {
        let (d, id) = (at.plan.decoder, at.plan.id.as_str());
        err.attempts = at.number;
        let policy = RetryPolicy { max_retries: at.plan.max_retries, ..self.cfg.retry };
        match policy.decide(at.number, outcome, at.plan.submission) {
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

    /// An attempt got a response: `status`, a header getter and the body text. `poll`: this is a
    /// poll of a `wait()`.
    pub fn verdict(&self, at: Attempt, status: u16, header: &dyn Fn(&str) -> Option<String>, text: &str, poll: Option<PollState>) -> Verdict {
        let (d, i) = (at.plan.decoder, at.plan.id.as_str());
        let (meta, now) = self.observe(at, status, header);
        if (300..400).contains(&status) {
            if let Some(location) = header("location").filter(|l| !l.trim().is_empty()) {
                return self.refuse(at, status, &meta, redirect_message(status, Some(&location)));
            }
        }
        let body = match read_json(text) {
            Ok(j) => Body::Json(j),
            Err(Unread::NotJson) => Body::Text(text.to_owned()),
            Err(Unread::TooLarge) => {
                let what = ["deAPI's response (HTTP ", &dec(u64::from(status)), ") holds more than ", &dec(MAX_VALUES as u64), " JSON values; it was not decoded"].concat();
                return self.refuse(at, status, &meta, what);
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
                    err.attempts = at.number;
                    Verdict::Fail(self.finish_for(err, d, i))
                }
            };
        }
        let mut err = decode_http_error(&meta, body, now);
        if status == 429 {
            describe_429(&mut err, now, self.cfg.window_ms);
        }
        name_404_request(&mut err, at.plan.method, &at.plan.url, &self.cfg.base_url);
        let outcome = Outcome::Status { status, retry_after: err.retry_after };
        self.after_failure(at, err, outcome)
    }

    /// What every response says, whatever its body: the rate-limit headers recorded, the scheduler's
    /// permit released.
    fn observe(&self, at: Attempt, status: u16, header: &dyn Fn(&str) -> Option<String>) -> (ResponseMeta, f64) {
        let plan = at.plan;
        let meta = ResponseMeta::from_headers(status, |name| header(name).filter(|v| !v.is_empty()));
        let now = self.now_ms();
        let retry_after = meta.retry_after.as_deref().and_then(|v| parse_retry_after(v, now));
        self.quotas.borrow_mut().record(plan.bucket, &meta, retry_after, now, self.cfg.window_ms);
        if at.permit {
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
    fn refuse(&self, at: Attempt, status: u16, meta: &ResponseMeta, message: String) -> Verdict {
        let mut err = ApiError::new(Kind::InvalidResponse, message);
        err.status = Some(status);
        err.attempts = at.number;
        if !meta.rate_limit.is_empty() {
            err.rate_limit = Some(Box::new(meta.rate_limit.clone()));
        }
        Verdict::Fail(self.finish_for(err, at.plan.decoder, &at.plan.id))
    }

    /// An attempt got a redirect the runtime hides (a browser's `opaqueredirect` response: status 0,
    /// no headers): an `InvalidResponseError`, not retried.
    pub fn redirected(&self, at: Attempt) -> Verdict {
        let (meta, _) = self.observe(at, 0, &|_| None);
        let mut v = self.refuse(at, 0, &meta, redirect_message(0, None));
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
    pub fn oversized(&self, at: Attempt, status: u16, header: &dyn Fn(&str) -> Option<String>, size: Oversize) -> Verdict {
        let (meta, _) = self.observe(at, status, header);
        let limit = dec(self.cfg.max_response_bytes as u64);
        let code = dec(u64::from(status));
        let message = match size {
            Oversize::Announced(n) => ["deAPI's response (HTTP ", &code, ") is larger than maxResponseBytes (", &limit, " bytes): its Content-Length is ", &dec(n as u64), " bytes; it was not read"].concat(),
            Oversize::Read(n) => ["deAPI's response (HTTP ", &code, ") is larger than maxResponseBytes (", &limit, " bytes): reading stopped after ", &dec(n as u64), " bytes"].concat(),
        };
        self.refuse(at, status, &meta, message)
    }

    /// An attempt got no (complete) response. `message` and `detail`: the runtime's error message
    /// and its cause's code or message (connection failures, cut bodies).
    pub fn failure(&self, at: Attempt, what: Failure, message: &str, detail: &str) -> Verdict {
        let plan = at.plan;
        if at.permit {
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
        self.after_failure(at, ApiError::new(kind, msg), outcome)
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
    use crate::core::test_util::j;
    use crate::core::args::{request_id, NotJson, Params};
    use crate::core::plan::PlanBody;

    fn data(pairs: &[(&str, Json)]) -> Opts {
        Opts::Object(pairs.iter().map(|(k, v)| (k.to_string(), Arg::Data(v.clone()))).collect())
    }
    fn session(extra: &[(&str, Json)]) -> Session {
        let mut pairs = vec![("apiKey", Json::str("1|nativekey123")), ("baseUrl", Json::str("https://api.test")), ("retryBaseDelayMs", Json::Num(1.0))];
        pairs.extend_from_slice(extra);
        Session::create(&data(&pairs), false, system_clock).unwrap()
    }
    fn request(p: Result<Planned, ApiError>) -> Plan {
        match p.unwrap() {
            Planned::Request(p) => *p,
            other => panic!("not a request: {other:?}"),
        }
    }
    fn at(plan: &Plan, number: u32, permit: bool) -> Attempt<'_> {
        Attempt { plan, number, permit }
    }

    fn headers(list: &'static [(&'static str, &'static str)]) -> impl Fn(&str) -> Option<String> {
        move |name: &str| list.iter().find(|(k, _)| *k == name).map(|(_, v)| v.to_string())
    }
    const NONE: &[(&str, &str)] = &[];

    #[test]
    fn a_submission_is_planned_answered_and_retried() {
        let s = session(&[]);
        let params = Ok((j(r#"{"prompt":"fox","width":512,"seed":null}"#), Vec::new()));
        let p = request(s.plan(&Call::Submit { op: "images.generate".into(), params: params.clone() }, &Opts::Missing, false));
        assert_eq!((p.method, p.url.as_str()), ("POST", "https://api.test/api/v2/images/generations"));
        assert!(matches!(&p.body, Some(PlanBody::Json(j)) if crate::core::json::to_text(j) == r#"{"prompt":"fox","width":512}"#), "{:?}", p.body);
        assert_eq!((p.submission, p.bucket, p.limited), (true, "images/generations", true));
        match s.verdict(at(&p, 1, false), 503, &headers(NONE), "", None) {
            Verdict::Retry { delay_ms, reason, error } => assert_eq!((delay_ms, reason, error.kind.class_name()), (1.0, "server_error", "ServerError")),
            other => panic!("{other:?}"),
        }
        match s.verdict(at(&p, 2, false), 200, &headers(NONE), r#"{"data":{"request_id":"r-1"}}"#, None) {
            Verdict::Ok { value, .. } => assert_eq!(value, Json::str("r-1")),
            other => panic!("{other:?}"),
        }
        // the key never comes back, even when the server echoes it
        match s.verdict(at(&p, 4, false), 422, &headers(NONE), r#"{"message":"1|nativekey123","errors":{"prompt":["nativekey123"]}}"#, None) {
            Verdict::Fail(e) => assert!(!format!("{e:?}").contains("nativekey123")),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn a_429_with_a_long_retry_after_fails_at_once_and_says_when() {
        let s = session(&[]);
        let p = request(s.plan(&Call::Balance, &Opts::Missing, false));
        match s.verdict(at(&p, 1, false), 429, &headers(&[("retry-after", "86400")]), r#"{"message":"Too Many Attempts."}"#, None) {
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
        let p = request(s.plan(&Call::Status { id: Arg::Data(Json::str("j")) }, &Opts::Missing, false));
        let v = s.verdict(at(&p, 1, true), 200, &headers(&[("x-ratelimit-limit", "2"), ("x-ratelimit-remaining", "0")]), r#"{"data":{"status":"pending"}}"#, None);
        assert!(matches!(v, Verdict::Ok { rate_limit: Some(ref rl), .. } if rl.remaining == Some(0.0)), "{v:?}");
        match s.gate("jobs", true, 0) {
            Ok(Admit::Until(t)) => assert!(t > system_clock()),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn after_a_429_longer_than_max_retry_after_the_scheduler_fails_fast() {
        let s = session(&[("maxConcurrency", Json::Num(4.0))]);
        let p = request(s.plan(&Call::Balance, &Opts::Missing, false));
        let p = Plan { bucket: "price", limited: true, ..p };
        assert_eq!(s.gate("price", true, 0), Ok(Admit::Go));
        let h = headers(&[("retry-after", "315360000"), ("x-ratelimit-type", "minute"), ("x-ratelimit-limit", "5"), ("x-ratelimit-remaining", "0")]);
        match s.verdict(at(&p, 1, true), 429, &h, r#"{"message":"Too Many Attempts."}"#, None) {
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
        assert!(matches!(s.verdict(at(&p, 4, true), 429, &h, "{}", None), Verdict::Fail(_)));
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
    fn a_calls_max_retries_replaces_the_clients() {
        let s = session(&[("maxRetries", Json::Num(3.0))]);
        let retries = |opts: Opts| {
            let p = request(s.plan(&Call::Balance, &opts, false));
            (1..=11).take_while(|n| matches!(s.verdict(at(&p, *n, false), 503, &headers(NONE), "{}", None), Verdict::Retry { .. })).count()
        };
        assert_eq!(retries(Opts::Missing), 3);
        assert_eq!(retries(data(&[("maxRetries", Json::Num(0.0))])), 0);
        assert_eq!(retries(data(&[("maxRetries", Json::Num(10.0))])), 10);
        assert_eq!(retries(data(&[("maxRetries", Json::Null)])), 3);
        for bad in [Json::Num(11.0), Json::Num(-1.0), Json::Num(0.5), Json::str("1")] {
            let e = s.plan(&Call::Balance, &data(&[("maxRetries", bad)]), false).unwrap_err();
            assert!(e.kind == Kind::InvalidOptions && e.message.contains("`maxRetries`"), "{}", e.message);
        }
        let w = s.wait_plan(&Arg::Data(Json::str("r-1")), &data(&[("maxRetries", Json::Num(1.0))])).unwrap();
        assert_eq!(w.max_retries, 1);
    }

    #[test]
    fn bad_calls_are_refused_before_any_request() {
        let s = session(&[]);
        let none = Ok((Json::Null, Vec::new()));
        let op = |op: &str, params: Params| Call::Submit { op: op.to_owned(), params };
        for (call, opts, problem) in [
            (op("images.nope", Ok((j("{}"), Vec::new()))), Opts::Missing, "`images.nope` is not a deAPI operation"),
            (op("images.generate", Err(NotJson)), Opts::Missing, "`params`"),
            (Call::Balance, data(&[("timeoutMs", Json::Num(0.0))]), "`timeoutMs`"),
            (Call::Balance, data(&[("signal", j("{}"))]), "must be an AbortSignal"),
            (Call::Models { query: Ok((j(r#"{"limit":51}"#), Vec::new())), page: None }, Opts::Missing, "`limit`"),
            (Call::Models { query: none, page: Some(2) }, data(&[("withResponse", Json::Bool(true))]), "unknown call option"),
            (Call::Status { id: Arg::Data(Json::Num(42.0)) }, Opts::Missing, "`requestId`"),
            (Call::Validate { op: "images.nope".into(), params: Ok((j("{}"), Vec::new())) }, Opts::Missing, "`images.nope` is not a deAPI operation"),
            (Call::Balance, Opts::Other("string"), "options object"),
            (Call::Balance, Opts::Other("AbortSignal"), "as { signal }"),
        ] {
            let e = s.plan(&call, &opts, false).unwrap_err();
            assert_eq!(e.kind, Kind::InvalidOptions, "{call:?}");
            assert!(e.message.contains(problem), "{}", e.message);
        }
    }

    #[test]
    fn a_connection_error_names_the_origin_only() {
        let s = session(&[("baseUrl", Json::str("https://proxy.test:8443/t0ken-in-path/deapi?k=q1"))]);
        let p = request(s.plan(&Call::Balance, &Opts::Missing, false));
        assert!(p.url.contains("t0ken-in-path"), "the request itself goes to the path");
        let quoted = "error sending request for url (https://proxy.test:8443/t0ken-in-path/deapi?k=q1/api/v2/account/balance)";
        for what in [Failure::Connect, Failure::Cut] {
            let e = match s.failure(at(&p, 4, false), what, quoted, "ECONNREFUSED") {
                Verdict::Fail(e) | Verdict::Retry { error: e, .. } => e,
                other => panic!("{other:?}"),
            };
            assert!(!format!("{e:?}").contains("t0ken-in-path"), "{}", e.message);
        }
        let Verdict::Fail(e) = s.failure(at(&p, 4, false), Failure::Connect, "fetch failed", "ECONNREFUSED") else { panic!() };
        assert_eq!(e.message, "Could not reach deAPI at https://proxy.test:8443: fetch failed (ECONNREFUSED)");
    }

    #[test]
    fn secret_header_values_are_redacted_from_errors() {
        let s = Session::create(
            &data(&[
                ("baseUrl", Json::str("https://proxy.test")),
                ("headers", j(r#"{"Authorization":"Bearer authz-tok3n","X-Api-Key":"xapikey-value","Cookie":"sid=cookie-sess10n"}"#)),
            ]),
            false,
            system_clock,
        )
        .unwrap();
        let p = request(s.plan(&Call::Balance, &Opts::Missing, false));
        let echo = r#"{"message":"got Bearer authz-tok3n, authz-tok3n","errors":{"xapikey-value":["sid=cookie-sess10n","cookie-sess10n"]},"h":{"authorization":"Bearer authz-tok3n"}}"#;
        let Verdict::Fail(e) = s.verdict(at(&p, 1, false), 422, &headers(NONE), echo, None) else { panic!() };
        let dump = format!("{e:?}");
        for secret in ["authz-tok3n", "xapikey-value", "cookie-sess10n"] {
            assert!(!dump.contains(secret), "{secret} in {dump}");
        }
        // a secret straddling the 4 KiB cut of a text body does not survive in part
        let long = "x".repeat(4090) + "xapikey-value";
        let Verdict::Fail(e) = s.verdict(at(&p, 4, false), 502, &headers(NONE), &long, None) else { panic!() };
        assert!(!format!("{e:?}").contains("xapikey"), "{:?}", e.body);
    }

    #[test]
    fn job_ids_are_ids_and_nothing_else() {
        let s = session(&[]);
        for ok in ["c08a339c-73e5-4d67-a4d5-231302fbff9a", " r-1 ", "j", "A_b-9", &"a".repeat(128)] {
            let p = request(s.plan(&Call::Status { id: Arg::Data(Json::str(ok)) }, &Opts::Missing, false));
            assert_eq!(p.url, ["https://api.test/api/v2/jobs/", ok.trim()].concat());
        }
        let long = "a".repeat(129);
        for bad in [".", "..", " .. ", "../account/balance", "a/b", "a.b", "a?b", "a%2e", "a b", "", "   ", "é", "a\u{0}", long.as_str()] {
            let e = s.plan(&Call::Status { id: Arg::Data(Json::str(bad)) }, &Opts::Missing, false).unwrap_err();
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
        let p = request(s.plan(&Call::Balance, &Opts::Missing, false));
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
            match s.oversized(at(&p, 1, false), status, &headers(&[("x-ratelimit-remaining", "7")]), size) {
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
        match s.verdict(at(&p, 1, false), 200, &headers(NONE), &zeros, None) {
            Verdict::Fail(e) => assert!(e.kind == Kind::InvalidResponse && e.message.contains("more than 1048576 JSON values"), "{}", e.message),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn a_redirect_is_refused_and_names_its_location() {
        let s = session(&[("maxRetries", Json::Num(3.0))]);
        let p = request(s.plan(&Call::Balance, &Opts::Missing, false));
        for status in [301, 302, 303, 307, 308] {
            match s.verdict(at(&p, 1, false), status, &headers(&[("location", "https://elsewhere.test/api/v2/account/balance")]), r#"{"data":{"balance":1}}"#, None) {
                Verdict::Fail(e) => {
                    assert_eq!((e.kind, e.status, e.attempts), (Kind::InvalidResponse, Some(status), 1));
                    assert!(e.message.contains("redirect to https://elsewhere.test/api/v2/account/balance") && e.message.contains("does not follow redirects"), "{}", e.message);
                }
                other => panic!("{status}: {other:?}"),
            }
        }
        // a 3xx without a Location is an HTTP error as before (fetch itself returns it as it is)
        match s.verdict(at(&p, 1, false), 308, &headers(NONE), r#"{"message":"Permanent Redirect"}"#, None) {
            Verdict::Fail(e) => assert_eq!((e.kind, e.message.as_str()), (Kind::Http, "Permanent Redirect")),
            other => panic!("{other:?}"),
        }
        // a browser's opaque redirect: no status, no Location to name
        match s.redirected(at(&p, 1, false)) {
            Verdict::Fail(e) => assert!(e.kind == Kind::InvalidResponse && e.status.is_none() && e.message.contains("hidden by the browser"), "{e:?}"),
            other => panic!("{other:?}"),
        }
        // the key is redacted from a Location that carries it
        match s.verdict(at(&p, 1, false), 302, &headers(&[("location", "https://x.test/?k=1|nativekey123")]), "", None) {
            Verdict::Fail(e) => assert!(!e.message.contains("nativekey123"), "{}", e.message),
            other => panic!("{other:?}"),
        }
    }
}
