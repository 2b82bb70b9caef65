//! The `#[wasm_bindgen]` surface: `Core`, which the JS facade (`js/facade.js`) wraps into
//! `DeapiClient` with its namespaces and `Job` handles.

use crate::api::{find_op, Endpoint, Op, OPS};
use crate::config::{parse_call_timeout, parse_options, Config, Runtime, FUNCTION_OPTIONS};
use crate::decode;
use crate::error::{ApiError, Kind};
use crate::jobs::{self, Next, WaitOptions};
use crate::js::{byte_head, call_hook, get, is_file_wrapper, keys, string_array, to_js, to_json, to_params};
use crate::json::Json;
use crate::request::build;
use crate::validate::{self, ModelInfo};
use crate::transport::{now_ms, sleep, until_aborted, CallCtx, Failure, Hooks, Reply, Transport};
use js_sys::{Function, Promise};
use std::cell::{Cell, RefCell};
use std::future::{poll_fn, Future};
use std::task::{Poll, Waker};
use std::pin::Pin;
use std::rc::Rc;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::future_to_promise;
use web_sys::AbortSignal;

/// The client core. Construct through the package's `DeapiClient`.
#[wasm_bindgen]
pub struct Core {
    t: Rc<Transport>,
    poller: Rc<Poller>,
}

/// One `wait()` served by the shared poller.
struct Waiter {
    id: String,
    w: WaitOptions,
    started: f64,
    polls: u32,
    next_at: f64,
    on_progress: Option<Function>,
    /// Where the poller puts the outcome, and the task to wake then.
    slot: Rc<RefCell<Option<Result<Json, Failure>>>>,
    waker: Rc<RefCell<Option<Waker>>>,
}

/// With the scheduler on, every `wait()` of a client shares one poller: one status request at a
/// time, spaced by the shortest poll interval, round robin over the waiting jobs — so N waits
/// cost the status bucket what one does.
#[derive(Default)]
struct Poller {
    waiters: RefCell<Vec<Waiter>>,
    running: Cell<bool>,
}

impl Poller {
    /// Hand a waiter its outcome and wake it.
    fn finish(&self, slot: &Rc<RefCell<Option<Result<Json, Failure>>>>, outcome: Result<Json, Failure>) {
        let mut waiters = self.waiters.borrow_mut();
        if let Some(pos) = waiters.iter().position(|w| Rc::ptr_eq(&w.slot, slot)) {
            let w = waiters.remove(pos);
            *w.slot.borrow_mut() = Some(outcome);
            let waker = w.waker.borrow_mut().take();
            if let Some(waker) = waker {
                waker.wake();
            }
        }
    }
}

async fn poll_loop(t: Rc<Transport>, poller: Rc<Poller>) {
    loop {
        let next = {
            let waiters = poller.waiters.borrow();
            let tick = waiters.iter().map(|w| w.w.poll_interval_ms).fold(f64::INFINITY, f64::min);
            waiters
                .iter()
                .min_by(|a, b| a.next_at.total_cmp(&b.next_at))
                .map(|w| (w.id.clone(), w.next_at, Rc::clone(&w.slot), w.on_progress.clone(), tick))
        };
        let Some((id, at, slot, on_progress, tick)) = next else {
            poller.running.set(false);
            return;
        };
        let now = now_ms();
        if at > now {
            let _ = sleep(at - now, None).await;
            continue;
        }
        let ctx = CallCtx { signal: None, timeout_ms: t.cfg.timeout_ms };
        let result = job_status(&t, &id, &ctx).await;
        let now = now_ms();
        match result {
            Err(f) => poller.finish(&slot, Err(f)),
            Ok(status) => {
                call_hook(on_progress.as_ref(), &to_js(&status));
                let next = {
                    let mut waiters = poller.waiters.borrow_mut();
                    waiters.iter_mut().find(|w| Rc::ptr_eq(&w.slot, &slot)).map(|w| {
                        w.polls += 1;
                        let next = w.w.next(&id, status, w.polls, now - w.started);
                        if let Next::PollIn(delay) = next {
                            w.next_at = now + delay;
                        }
                        next
                    })
                };
                if let Some(Next::Finished(outcome)) = next {
                    poller.finish(&slot, outcome.map_err(Failure::from));
                }
            }
        }
        // one status request per tick, whoever asked
        if tick.is_finite() && tick > 0.0 {
            let _ = sleep(tick, None).await;
        }
    }
}

/// `wait()` through the shared poller.
async fn shared_wait(t: Rc<Transport>, poller: Rc<Poller>, id: String, signal: Option<AbortSignal>, w: WaitOptions, on_progress: Option<Function>) -> Result<Json, Failure> {
    let reason = |signal: &Option<AbortSignal>| signal.as_ref().map(|s| get(s, "reason"));
    if signal.as_ref().is_some_and(AbortSignal::aborted) {
        return Err(aborted_wait(&id, reason(&signal)));
    }
    let slot = Rc::new(RefCell::new(None));
    let waker: Rc<RefCell<Option<Waker>>> = Rc::new(RefCell::new(None));
    let now = now_ms();
    poller.waiters.borrow_mut().push(Waiter {
        id: id.clone(),
        w,
        started: now,
        polls: 0,
        next_at: now,
        on_progress,
        slot: Rc::clone(&slot),
        waker: Rc::clone(&waker),
    });
    if !poller.running.get() {
        poller.running.set(true);
        wasm_bindgen_futures::spawn_local(poll_loop(Rc::clone(&t), Rc::clone(&poller)));
    }
    let outcome = poll_fn(|cx| match slot.borrow_mut().take() {
        Some(r) => Poll::Ready(r),
        None => {
            *waker.borrow_mut() = Some(cx.waker().clone());
            Poll::Pending
        }
    });
    match until_aborted(outcome, signal.as_ref()).await {
        Ok(r) => r,
        Err(why) => {
            poller.waiters.borrow_mut().retain(|w| !Rc::ptr_eq(&w.slot, &slot));
            Err(aborted_wait(&id, Some(why)))
        }
    }
}

/// Names of the operations (`images.generate`, …); each also has a `…Price` method. `submit`
/// resolves to a request id (a job), or to the result itself for synchronous operations.
#[wasm_bindgen]
pub fn operations() -> JsValue {
    string_array(OPS.iter().map(|op| op.name))
}

/// Bytes of wasm linear memory (for the leak check; not part of the public API).
#[wasm_bindgen(js_name = "__memoryBytes")]
pub fn memory_bytes() -> f64 {
    wasm_bindgen::memory().unchecked_into::<js_sys::WebAssembly::Memory>().buffer().unchecked_into::<js_sys::ArrayBuffer>().byte_length() as f64
}

fn runtime() -> Runtime {
    let g: JsValue = js_sys::global().into();
    let browser = !get(&g, "document").is_undefined() || get(&g, "importScripts").is_function();
    if browser {
        Runtime::Browser
    } else {
        Runtime::Server
    }
}

fn function_of(options: &JsValue, name: &str) -> Result<Option<Function>, ApiError> {
    let v = get(options, name);
    if v.is_undefined() || v.is_null() {
        return Ok(None);
    }
    v.dyn_into::<Function>().map(Some).map_err(|_| ApiError::invalid_option(name, "must be a function"))
}

/// Per-call options: the data keys as [`Json`], plus the signal and functions, checked against
/// the keys this call accepts.
struct CallOptions {
    data: Json,
    signal: Option<AbortSignal>,
    on_progress: Option<Function>,
}

fn call_options(opts: &JsValue, allowed: &[&str]) -> Result<CallOptions, ApiError> {
    if opts.is_undefined() || opts.is_null() {
        return Ok(CallOptions { data: Json::Null, signal: None, on_progress: None });
    }
    if !opts.is_object() || opts.is_function() {
        return Err(ApiError::invalid_option("options", "the last argument must be an options object such as { signal, timeoutMs }"));
    }
    let mut data = Vec::new();
    let mut signal = None;
    let mut on_progress = None;
    for k in keys(opts) {
        if !allowed.contains(&k.as_str()) {
            return Err(ApiError::invalid_option(&k, &format!("unknown call option (accepted: {})", allowed.join(", "))));
        }
        let v = get(opts, &k);
        if v.is_undefined() || v.is_null() {
            continue;
        }
        match k.as_str() {
            "signal" => {
                if get(&v, "aborted").as_bool().is_none() || !get(&v, "addEventListener").is_function() {
                    return Err(ApiError::invalid_option("signal", "must be an AbortSignal (e.g. from new AbortController().signal)"));
                }
                signal = Some(v.unchecked_into());
            }
            "onProgress" => {
                on_progress = Some(v.dyn_into().map_err(|_| ApiError::invalid_option("onProgress", "must be a function"))?);
            }
            _ => {
                let j = to_json(&v).map_err(|_| ApiError::invalid_option(&k, "must be a plain value"))?;
                data.push((k, j));
            }
        }
    }
    Ok(CallOptions { data: Json::Obj(data), signal, on_progress })
}

const CALL_KEYS: &[&str] = &["signal", "timeoutMs", "withResponse"];
/// Calls that make several requests (or none of their own) have no single response to show.
const PLAIN_KEYS: &[&str] = &["signal", "timeoutMs"];
const WAIT_KEYS: &[&str] = &["signal", "timeoutMs", "onProgress", "pollIntervalMs", "maxPollIntervalMs", "maxWaitMs"];

fn request_id(id: &JsValue) -> Result<String, ApiError> {
    match id.as_string() {
        Some(s) if !s.trim().is_empty() => Ok(s.trim().to_owned()),
        _ => Err(ApiError::invalid_option("requestId", "must be the non-empty string id returned by a submit call")),
    }
}

impl Core {
    /// Run `work` and turn its failure into the JS error (redacted, reported to `onError`).
    /// Every method funnels through this one boxed future type, so `future_to_promise` is
    /// instantiated once instead of once per method (a few KiB of wasm each).
    fn promise<F>(&self, work: impl FnOnce(Rc<Transport>) -> F) -> Promise
    where
        F: Future<Output = Result<JsValue, Failure>> + 'static,
    {
        let t = self.t.clone();
        let fut: Pin<Box<dyn Future<Output = Result<JsValue, Failure>>>> = Box::pin(work(t.clone()));
        to_promise(t, fut)
    }

    fn ctx(&self, o: &CallOptions) -> Result<CallCtx, ApiError> {
        Ok(CallCtx { signal: o.signal.clone(), timeout_ms: parse_call_timeout(&o.data, self.t.cfg.timeout_ms)? })
    }
}

fn to_promise(t: Rc<Transport>, fut: Pin<Box<dyn Future<Output = Result<JsValue, Failure>>>>) -> Promise {
    future_to_promise(async move { fut.await.map_err(|f| t.reject(f)) })
}

/// Every model (`models.all`): page by page, at most 100 pages.
async fn all_models(t: &Transport, q: &Json, ctx: &CallCtx) -> Result<Vec<Json>, Failure> {
    let mut all = Vec::new();
    let mut page = 1.0;
    loop {
        let query = models_query(q, Some(page))?;
        let reply = fetch_json(t, Endpoint::Models, None, &query, ctx).await?;
        let p = reply.decode(decode::models_page)?;
        if let Some(Json::Arr(items)) = p.get("data") {
            all.extend(items.iter().cloned());
        }
        let last = p.get("lastPage").and_then(Json::as_f64_lenient).unwrap_or(page);
        if page >= last || page >= 100.0 {
            return Ok(all);
        }
        page += 1.0;
    }
}

/// Client-side validation of `params`, with the model given or looked up in the catalogue
/// (fetched once; if it cannot be fetched, model checks are skipped and the server decides).
async fn check_params(t: &Transport, op: &Op, price: bool, params: &Json, files: &[JsValue], model: Option<&Json>, ctx: &CallCtx) -> Result<(), Failure> {
    let slug = params.get("model").and_then(Json::as_str);
    let catalogue = match (model, slug) {
        (None, Some(_)) if !op.sync => {
            let cached = t.models.borrow().clone();
            match cached {
                Some(c) => Some(c),
                None => match all_models(t, &Json::Null, ctx).await {
                    Ok(list) => {
                        let list = Rc::new(list);
                        *t.models.borrow_mut() = Some(list.clone());
                        Some(list)
                    }
                    Err(f) if f.err.kind == Kind::Aborted => return Err(f),
                    Err(_) => None,
                },
            }
        }
        _ => None,
    };
    let found = catalogue.as_ref().and_then(|c| c.iter().find(|m| m.get("slug").and_then(Json::as_str) == slug));
    let info = match (model, &catalogue, found) {
        (Some(m), _, _) => ModelInfo::Found(m),
        (None, Some(_), Some(m)) => ModelInfo::Found(m),
        (None, Some(_), None) => ModelInfo::Missing,
        _ => ModelInfo::Unknown,
    };
    let sizes = |i: u32| files.get(i as usize).and_then(file_info);
    Ok(validate::check(op, price, t.cfg.version, params, info, &sizes)?)
}

/// Size and MIME type of an upload (the wrapper's or Blob's `type`, else sniffed from the bytes).
fn file_info(v: &JsValue) -> Option<(f64, String)> {
    let wrapper = is_file_wrapper(v);
    let data = if wrapper { get(v, "data") } else { v.clone() };
    let size = get(&data, "size").as_f64().or_else(|| get(&data, "byteLength").as_f64())?;
    let given = if wrapper { get(v, "type").as_string() } else { None };
    let mime = given.or_else(|| get(&data, "type").as_string()).filter(|t| !t.is_empty()).unwrap_or_else(|| {
        let head = byte_head(&data).unwrap_or_default();
        crate::request::sniff_mime(&head).unwrap_or_default().to_owned()
    });
    Some((size, mime))
}

/// With `{ withResponse: true }`: `{ data, status, rateLimit }` instead of the data alone.
fn with_response(data: JsValue, reply: &Reply, wanted: bool) -> JsValue {
    if !wanted {
        return data;
    }
    let rl = &reply.rate_limit;
    let num = |n: Option<f64>| n.map_or(Json::Null, Json::Num);
    let text = |s: &Option<String>| s.as_deref().map_or(Json::Null, Json::str);
    let rate = if rl.is_empty() {
        Json::Null
    } else {
        Json::Obj(vec![
            ("limit".into(), num(rl.limit)),
            ("remaining".into(), num(rl.remaining)),
            ("dailyLimit".into(), num(rl.daily_limit)),
            ("dailyRemaining".into(), num(rl.daily_remaining)),
            ("type".into(), text(&rl.kind)),
            ("source".into(), text(&rl.source)),
        ])
    };
    let out = to_js(&Json::Obj(vec![("status".into(), Json::Num(f64::from(reply.status))), ("rateLimit".into(), rate)]));
    crate::js::set(&out, "data", &data);
    out
}

fn wants_response(o: &CallOptions) -> bool {
    matches!(o.data.get("withResponse"), Some(Json::Bool(true)))
}

async fn fetch_json(t: &Transport, endpoint: Endpoint<'_>, params: Option<&Json>, query: &[(String, String)], ctx: &CallCtx) -> Result<Reply, Failure> {
    let req = build(&t.cfg, &endpoint, params, query)?;
    t.send(&req, &[], ctx).await
}

async fn job_status(t: &Transport, id: &str, ctx: &CallCtx) -> Result<Json, Failure> {
    let reply = fetch_json(t, Endpoint::Job(id), None, &[], ctx).await.map_err(|mut f| {
        f.err.request_id.get_or_insert_with(|| id.to_owned());
        f
    })?;
    reply.decode(|status, body| jobs::decode_status(status, body, id))
}

async fn wait(t: &Transport, id: &str, ctx: &CallCtx, w: WaitOptions, on_progress: Option<&Function>) -> Result<Json, Failure> {
    let started = now_ms();
    let mut polls = 0;
    loop {
        let status = job_status(t, id, ctx).await?;
        polls += 1;
        call_hook(on_progress, &to_js(&status));
        match w.next(id, status, polls, now_ms() - started) {
            Next::Finished(outcome) => return Ok(outcome?),
            Next::PollIn(delay) => {
                if let Err(reason) = sleep(delay, ctx.signal.as_ref()).await {
                    return Err(aborted_wait(id, Some(reason)));
                }
            }
        }
    }
}

/// The `AbortError` of a `wait()`.
fn aborted_wait(id: &str, reason: Option<JsValue>) -> Failure {
    let mut err = ApiError::new(Kind::Aborted, "The request was aborted");
    err.request_id = Some(id.to_owned());
    Failure { err, cause: reason.filter(|r| !r.is_undefined()), body_text: None }
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
    let int = |name: &str, min: f64, max: f64| -> Result<Option<u32>, ApiError> {
        match q.get(name) {
            None | Some(Json::Null) => Ok(None),
            Some(Json::Num(n)) if n.fract() == 0.0 && *n >= min && *n <= max => Ok(Some(*n as u32)),
            Some(_) => Err(ApiError::invalid_option(name, &format!("must be an integer from {} to {}", min as u32, max as u32))),
        }
    };
    let limit = int("limit", 1.0, 50.0)?.unwrap_or(50);
    let page = match page {
        Some(p) => p as u32,
        None => int("page", 1.0, 1_000_000.0)?.unwrap_or(1),
    };
    let mut out = vec![("limit".to_owned(), limit.to_string()), ("page".to_owned(), page.to_string())];
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

#[wasm_bindgen]
impl Core {
    #[wasm_bindgen(constructor)]
    pub fn new(options: JsValue) -> Result<Core, JsValue> {
        Core::create(&options).map_err(|e| crate::js::error_to_js(&e, None, None))
    }

    /// Submit a job; resolves to its request id.
    pub fn submit(&self, op: &str, params: JsValue, opts: JsValue) -> Promise {
        self.post(op, params, opts, false)
    }

    /// The price of an operation; resolves to `{ price, is_estimated? }`.
    pub fn price(&self, op: &str, params: JsValue, opts: JsValue) -> Promise {
        self.post(op, params, opts, true)
    }

    /// One job status poll.
    #[wasm_bindgen(js_name = "jobStatus")]
    pub fn job_status(&self, id: JsValue, opts: JsValue) -> Promise {
        let prep = (|| Ok::<_, ApiError>((request_id(&id)?, self.ctx(&call_options(&opts, PLAIN_KEYS)?)?)))();
        self.promise(move |t| async move {
            let (id, ctx) = prep?;
            Ok(to_js(&job_status(&t, &id, &ctx).await?))
        })
    }

    /// Poll until the job is done (resolves with the status) or failed (`JobFailedError`).
    #[wasm_bindgen(js_name = "jobWait")]
    pub fn job_wait(&self, id: JsValue, opts: JsValue) -> Promise {
        let prep = (|| {
            let o = call_options(&opts, WAIT_KEYS)?;
            let w = WaitOptions::parse(&o.data)?;
            Ok::<_, ApiError>((request_id(&id)?, self.ctx(&o)?, w, o.on_progress))
        })();
        let poller = Rc::clone(&self.poller);
        self.promise(move |t| async move {
            let (id, ctx, w, on_progress) = prep?;
            let status = if t.scheduler.is_some() {
                shared_wait(Rc::clone(&t), poller, id, ctx.signal.clone(), w, on_progress).await?
            } else {
                wait(&t, &id, &ctx, w, on_progress.as_ref()).await?
            };
            Ok(to_js(&status))
        })
    }

    /// One page of models.
    #[wasm_bindgen(js_name = "modelsList")]
    pub fn models_list(&self, query: JsValue, opts: JsValue) -> Promise {
        let prep = (|| {
            let q = to_json(&query).map_err(|_| ApiError::invalid_option("query", "must be a plain object"))?;
            let o = call_options(&opts, CALL_KEYS)?;
            Ok::<_, ApiError>((models_query(&q, None)?, self.ctx(&o)?, wants_response(&o)))
        })();
        self.promise(move |t| async move {
            let (query, ctx, want) = prep?;
            let reply = fetch_json(&t, Endpoint::Models, None, &query, &ctx).await?;
            Ok(with_response(to_js(&reply.decode(decode::models_page)?), &reply, want))
        })
    }

    /// Every model, walking `meta.last_page` (at most 100 pages).
    #[wasm_bindgen(js_name = "modelsAll")]
    pub fn models_all(&self, query: JsValue, opts: JsValue) -> Promise {
        let prep = (|| {
            let q = to_json(&query).map_err(|_| ApiError::invalid_option("query", "must be a plain object"))?;
            models_query(&q, None)?;
            Ok::<_, ApiError>((q, self.ctx(&call_options(&opts, PLAIN_KEYS)?)?))
        })();
        self.promise(move |t| async move {
            let (q, ctx) = prep?;
            Ok(to_js(&Json::Arr(all_models(&t, &q, &ctx).await?)))
        })
    }

    /// Check params client-side (`op` is `images.generate` or `images.generatePrice`); resolves
    /// when valid, rejects with the `ValidationError` the server would send. `{ model }` gives
    /// the model object; otherwise the catalogue is fetched once and cached.
    pub fn validate(&self, op: &str, params: JsValue, opts: JsValue) -> Promise {
        let prep = (|| {
            let (name, price) = match op.strip_suffix("Price") {
                Some(base) => (base, true),
                None => (op, false),
            };
            let op = find_op(name).ok_or_else(|| ApiError::invalid_option("operation", &format!("`{name}` is not a deAPI operation")))?;
            let (params, files) = to_params(&params).map_err(|_| ApiError::invalid_option("params", "must be an object of deAPI fields"))?;
            let o = call_options(&opts, &["signal", "timeoutMs", "model"])?;
            let model = match o.data.get("model") {
                Some(m @ Json::Obj(_)) => Some(decode::model(m)),
                Some(Json::Null) | None => None,
                Some(_) => return Err(ApiError::invalid_option("model", "must be a model object from models.list() or models.all()")),
            };
            Ok::<_, ApiError>((op, price, params, files, model, self.ctx(&o)?))
        })();
        self.promise(move |t| async move {
            let (op, price, params, files, model, ctx) = prep?;
            check_params(&t, op, price, &params, &files, model.as_ref(), &ctx).await?;
            Ok(JsValue::UNDEFINED)
        })
    }

    /// What the last response of each rate-limited bucket said: `{ [bucket]: { limit, remaining,
    /// dailyLimit, dailyRemaining, type, source, resetAt, dailyResetAt, updatedAt } }` (times in ms;
    /// the facade makes them Dates).
    #[wasm_bindgen(js_name = "rateLimits")]
    pub fn rate_limits(&self) -> JsValue {
        let num = |n: Option<f64>| n.map_or(Json::Null, Json::Num);
        let text = |s: &Option<String>| s.as_deref().map_or(Json::Null, Json::str);
        let quotas = self.t.quotas.borrow();
        let buckets = quotas.buckets.iter().map(|q| {
            let v = Json::Obj(vec![
                ("bucket".into(), Json::str(&q.bucket)),
                ("limit".into(), num(q.info.limit)),
                ("remaining".into(), num(q.info.remaining)),
                ("dailyLimit".into(), num(q.info.daily_limit)),
                ("dailyRemaining".into(), num(q.info.daily_remaining)),
                ("type".into(), text(&q.info.kind)),
                ("source".into(), text(&q.info.source)),
                ("resetAt".into(), num(q.reset_at_ms)),
                ("dailyResetAt".into(), Json::Num(q.daily_reset_at_ms)),
                ("updatedAt".into(), Json::Num(q.updated_at_ms)),
            ]);
            (q.bucket.clone(), v)
        });
        to_js(&Json::Obj(buckets.collect()))
    }

    /// The account balance: `{ balance }` (USD).
    pub fn balance(&self, opts: JsValue) -> Promise {
        let prep = call_options(&opts, CALL_KEYS).and_then(|o| Ok((self.ctx(&o)?, wants_response(&o))));
        self.promise(move |t| async move {
            let (ctx, want) = prep?;
            let reply = fetch_json(&t, Endpoint::Balance, None, &[], &ctx).await?;
            Ok(with_response(to_js(&reply.decode(decode::balance)?), &reply, want))
        })
    }
}

impl Core {
    fn create(options: &JsValue) -> Result<Core, ApiError> {
        let mut data = Vec::new();
        let mut function_keys = Vec::new();
        if options.is_object() && !options.is_function() {
            for k in keys(options) {
                let v = get(options, &k);
                if v.is_function() {
                    function_keys.push(k);
                } else {
                    let j = to_json(&v).map_err(|_| ApiError::invalid_option(&k, "must be a plain value"))?;
                    data.push((k, j));
                }
            }
        } else if !options.is_undefined() && !options.is_null() {
            let kind = options.js_typeof().as_string().unwrap_or_default();
            return Err(ApiError::new(Kind::InvalidOptions, format!("DeapiClient options must be an object, got {kind}")));
        }
        let cfg: Config = parse_options(&Json::Obj(data), &function_keys, runtime())?;
        let mut hooks = Hooks::default();
        let fetch = function_of(options, "fetch")?;
        for name in FUNCTION_OPTIONS {
            let f = function_of(options, name)?;
            match *name {
                "onRequest" => hooks.on_request = f,
                "onResponse" => hooks.on_response = f,
                "onRetry" => hooks.on_retry = f,
                "onError" => hooks.on_error = f,
                _ => {}
            }
        }
        let scheduler = cfg.max_concurrency.map(|n| std::cell::RefCell::new(crate::ratelimit::Scheduler::new(n)));
        Ok(Core {
            t: Rc::new(Transport { cfg, fetch, hooks, models: Default::default(), quotas: Default::default(), scheduler, waiting: Default::default() }),
            poller: Rc::default(),
        })
    }

    fn post(&self, op_name: &str, params: JsValue, opts: JsValue, price: bool) -> Promise {
        let prep = (|| {
            let op = find_op(op_name).ok_or_else(|| ApiError::invalid_option("operation", &format!("`{op_name}` is not a deAPI operation")))?;
            let (params, files) = to_params(&params).map_err(|_| {
                ApiError::invalid_option("params", "must be an object of deAPI fields: JSON values and files (Blob, File, Uint8Array, ArrayBuffer)")
            })?;
            let o = call_options(&opts, CALL_KEYS)?;
            let ctx = self.ctx(&o)?;
            let endpoint = if price { Endpoint::Price(op) } else { Endpoint::Submit(op) };
            Ok::<_, ApiError>((build(&self.t.cfg, &endpoint, Some(&params), &[])?, files, ctx, op, params, wants_response(&o)))
        })();
        self.promise(move |t| async move {
            let (req, files, ctx, op, params, want) = prep?;
            if t.cfg.validate {
                check_params(&t, op, price, &params, &files, None, &ctx).await?;
            }
            let sync = op.sync;
            let reply = t.send(&req, &files, &ctx).await?;
            let data = match (price, sync) {
                (true, _) => to_js(&reply.decode(decode::price)?),
                (false, true) => to_js(&reply.decode(decode::enhanced)?),
                (false, false) => JsValue::from_str(&reply.decode(decode::submit)?),
            };
            Ok(with_response(data, &reply, want))
        })
    }
}
