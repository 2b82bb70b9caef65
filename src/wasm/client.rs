//! The exported client: options in, a `Promise` out of every method. State lives in an
//! `Rc<Inner>`; every method is `&self` and synchronous — it clones the `Rc` and hands the work to
//! `future_to_promise` — so no wasm-bindgen borrow is held across an `await` (concurrent calls on
//! one client work, and the JS object can be freed while calls are pending).

use super::convert::{self, get, object, signal_of, to_js};
use super::errors::{put_rate_limit, to_error};
use super::jobs;
use super::realtime::{self, Realtime};
use super::state::{Hooks, Inner, Poller};
use super::time::Signal;
use super::body::body_of;
use super::transport::{notify, send, with_response, Answer};
use crate::core::json::Json;
use crate::core::args::{Opts, Params, PLAIN_KEYS};
use crate::core::plan::{Call, Planned};
use crate::core::session::Session;
use js_sys::{Date, Function, Object, Promise};
use std::cell::RefCell;
use std::future::Future;
use std::pin::Pin;
use std::rc::Rc;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::future_to_promise;

/// The client behind the package's `DeapiClient` (which adds the namespaces and `Job` handles).
#[wasm_bindgen]
pub struct Client {
    inner: Rc<Inner>,
}

fn function(options: &JsValue, key: &str) -> Option<Function> {
    get(options, key).dyn_into::<Function>().ok()
}

/// The [`PLAIN_KEYS`] of a call's options (`{ signal, timeoutMs }`: for the requests a call makes on
/// the side).
pub fn plain_opts(opts: &Opts) -> Opts {
    match opts {
        Opts::Object(pairs) => Opts::Object(pairs.iter().filter(|(k, _)| PLAIN_KEYS.contains(&k.as_str())).cloned().collect()),
        other => other.clone(),
    }
}

/// A promise for `work`; its rejection is reported to `onError` first. `work` is boxed: one
/// future_to_promise instance for every method, not one per future type.
fn promise(inner: &Rc<Inner>, work: Pin<Box<dyn Future<Output = Result<JsValue, JsValue>>>>) -> Promise {
    let inner = Rc::clone(inner);
    future_to_promise(async move {
        let r = work.await;
        if let Err(e) = &r {
            notify(&inner.hooks.on_error, e);
        }
        r
    })
}

/// Plan a call (fetching the model catalogue first when validation needs it).
async fn planned(inner: &Rc<Inner>, call: &Call, opts: &JsValue) -> Result<Planned, JsValue> {
    let o = convert::opts(opts);
    let s = &inner.session;
    let first = s.plan(call, &o, false).map_err(|e| to_error(&e, None))?;
    if first != Planned::NeedCatalogue {
        return Ok(first);
    }
    let have = catalogue(inner, &o, &signal_of(opts)).await?;
    s.plan(call, &o, !have).map_err(|e| to_error(&e, None))
}

/// The model catalogue for validation, fetched with the call's signal and timeout: true when the
/// session has it. A failure other than an abort skips the model checks (the server decides).
async fn catalogue(inner: &Rc<Inner>, opts: &Opts, signal: &Signal) -> Result<bool, JsValue> {
    match all_models(inner, &Ok((Json::Null, Vec::new())), &plain_opts(opts), signal).await {
        Ok(models) => {
            inner.session.set_catalogue(models);
            Ok(true)
        }
        Err(e) if get(&e, "code").as_string().as_deref() == Some("aborted") => Err(e),
        Err(_) => Ok(false),
    }
}

/// Every model: page by page, at most 100 pages.
async fn all_models(inner: &Rc<Inner>, query: &Params, opts: &Opts, signal: &Signal) -> Result<Vec<Json>, JsValue> {
    let mut all = Vec::new();
    let mut page = 1u32;
    loop {
        let call = Call::Models { query: query.clone(), page: Some(page) };
        let planned = inner.session.plan(&call, opts, false).map_err(|e| to_error(&e, None))?;
        let Planned::Request(plan) = planned else { return Ok(all) };
        let r = send(inner, &plan, None, signal, None).await?;
        if let Some(Json::Arr(items)) = r.value.get("data") {
            all.extend(items.iter().cloned());
        }
        let last = match r.value.get("lastPage") {
            Some(Json::Num(n)) => *n,
            _ => f64::from(page),
        };
        if f64::from(page) >= last || page >= 100 {
            return Ok(all);
        }
        page += 1;
    }
}

/// Plan, send, and shape one call's result. `uploads`: the params' files, by index.
async fn request(inner: Rc<Inner>, call: Call, uploads: Vec<JsValue>, opts: JsValue) -> Result<JsValue, JsValue> {
    let plan = match planned(&inner, &call, &opts).await? {
        Planned::Request(plan) => plan,
        // validation only
        Planned::Valid | Planned::NeedCatalogue => return Ok(JsValue::UNDEFINED),
    };
    let body = body_of(&plan, &uploads).await?;
    let r: Answer = send(&inner, &plan, body.as_ref(), &signal_of(&opts), None).await?;
    let data = to_js(&r.value);
    Ok(if plan.with_response { with_response(&r, data) } else { data })
}

/// A call on operation `op` with `params` (uploads allowed), as `make` builds it.
fn on_op(inner: &Rc<Inner>, make: fn(String, Params) -> Call, op: String, params: &JsValue, opts: JsValue) -> Promise {
    let (params, uploads) = convert::params(params, true);
    promise(inner, Box::pin(request(Rc::clone(inner), make(op, params), uploads, opts)))
}

impl Client {
    /// The client's state, for a client made in Rust (`createProxy`'s events path).
    pub fn shared(self) -> Rc<Inner> {
        Rc::clone(&self.inner)
    }
}

#[wasm_bindgen]
impl Client {
    /// `options`: the `DeapiClient` options; `browser`: the code runs in a page or a worker (the
    /// key guard). Bad options throw an `InvalidOptionsError`.
    #[wasm_bindgen(constructor)]
    pub fn new(options: JsValue, browser: bool) -> Result<Client, JsValue> {
        let mut opts = convert::opts(&options);
        realtime::nested_functions(&options, &mut opts);
        #[cfg(feature = "fleet")]
        super::fleet::check_option(&options, &mut opts)?;
        // (the browser module has no store: `Session::create` refuses `quotaStore` as servers only)
        let session = Session::create(&opts, browser, js_sys::Date::now).map_err(|mut e| {
            e.finish(&[]);
            to_error(&e, None)
        })?;
        let hooks = Hooks {
            on_request: function(&options, "onRequest"),
            on_response: function(&options, "onResponse"),
            on_retry: function(&options, "onRetry"),
            on_error: function(&options, "onError"),
        };
        let realtime = Realtime::new(&options, session.cfg.realtime.as_ref());
        #[cfg(feature = "fleet")]
        let store = super::fleet::Store::new(&options, &session.cfg);
        let inner = Inner {
            fetch: function(&options, "fetch"),
            hooks,
            turns: RefCell::default(),
            poller: Poller::default(),
            realtime,
            #[cfg(feature = "fleet")]
            store,
            session,
        };
        Ok(Client { inner: Rc::new(inner) })
    }

    /// Submit operation `name` (`images.generate`, …): resolves with the job id, or the result of
    /// a synchronous operation (`prompts.enhance`).
    pub fn submit(&self, name: String, params: JsValue, opts: JsValue) -> Promise {
        on_op(&self.inner, |op, params| Call::Submit { op, params }, name, &params, opts)
    }

    /// The price of operation `name` with these params.
    pub fn price(&self, name: String, params: JsValue, opts: JsValue) -> Promise {
        on_op(&self.inner, |op, params| Call::Price { op, params }, name, &params, opts)
    }

    /// One status poll of a job.
    #[wasm_bindgen(js_name = "jobStatus")]
    pub fn job_status(&self, id: JsValue, opts: JsValue) -> Promise {
        let call = Call::Status { id: convert::arg(&id) };
        promise(&self.inner, Box::pin(request(Rc::clone(&self.inner), call, Vec::new(), opts)))
    }

    /// Poll until done (resolves with the status), failed or out of time (rejects).
    #[wasm_bindgen(js_name = "jobWait")]
    pub fn job_wait(&self, id: JsValue, opts: JsValue) -> Promise {
        promise(&self.inner, Box::pin(jobs::wait(Rc::clone(&self.inner), id, opts)))
    }

    /// One page of the model list.
    #[wasm_bindgen(js_name = "modelsList")]
    pub fn models_list(&self, query: JsValue, opts: JsValue) -> Promise {
        let call = Call::Models { query: convert::params(&query, false).0, page: None };
        promise(&self.inner, Box::pin(request(Rc::clone(&self.inner), call, Vec::new(), opts)))
    }

    /// Every model (page by page).
    #[wasm_bindgen(js_name = "modelsAll")]
    pub fn models_all(&self, query: JsValue, opts: JsValue) -> Promise {
        let inner = Rc::clone(&self.inner);
        promise(&self.inner, Box::pin(async move {
            let (q, _) = convert::params(&query, false);
            let o = convert::opts(&opts);
            let all = all_models(&inner, &q, &o, &signal_of(&opts)).await?;
            Ok(to_js(&Json::Arr(all)))
        }))
    }

    /// The account balance.
    pub fn balance(&self, opts: JsValue) -> Promise {
        promise(&self.inner, Box::pin(request(Rc::clone(&self.inner), Call::Balance, Vec::new(), opts)))
    }

    /// Check params client-side (resolves with nothing, or rejects with the ValidationError).
    pub fn validate(&self, operation: String, params: JsValue, opts: JsValue) -> Promise {
        on_op(&self.inner, |op, params| Call::Validate { op, params }, operation, &params, opts)
    }

    /// A job id checked and trimmed (for `deapi.job(requestId)`); a bad one throws an
    /// `InvalidOptionsError`.
    #[wasm_bindgen(js_name = "jobId")]
    pub fn job_id(&self, id: JsValue) -> Result<String, JsValue> {
        crate::core::args::request_id(&convert::arg(&id)).map_err(|e| to_error(&self.inner.session.finish(e), None))
    }

    /// `deapi.realtime.subscribe(listener)`: every job event of the account as a `JobStatus`; opens
    /// the socket on first need. Returns `off()` (the last one closes the socket). A listener that
    /// is no function throws an `InvalidOptionsError`.
    #[wasm_bindgen(js_name = "realtimeSubscribe")]
    pub fn realtime_subscribe(&self, listener: JsValue) -> Result<JsValue, JsValue> {
        realtime::subscribe(&self.inner, listener)
    }

    /// `deapi.realtime.state`: "idle" | "connecting" | "connected" | "unavailable" | "closed".
    #[wasm_bindgen(js_name = "realtimeState")]
    pub fn realtime_state(&self) -> String {
        self.inner.realtime.state().to_owned()
    }

    /// `deapi.realtime.relay(requestId, opts)`: a `Response` streaming job `requestId`'s events as
    /// Server-Sent Events (`status`, then `done` or `error`) for a browser; a bad id is a 400
    /// answer, bad options reject with an `InvalidOptionsError`. Servers only (see `wasm::relay`).
    #[cfg(feature = "relay")]
    #[wasm_bindgen(js_name = "realtimeRelay", unchecked_return_type = "Promise<Response>")]
    pub fn realtime_relay(&self, id: JsValue, opts: JsValue) -> Promise {
        super::relay::promise(&self.inner, &id, &opts)
    }
    /// (the browser module) Throws: the relay runs on servers.
    #[cfg(not(feature = "relay"))]
    #[wasm_bindgen(js_name = "realtimeRelay")]
    pub fn realtime_relay(&self) -> Result<(), JsValue> {
        Err(super::relay::on_servers_only())
    }

    /// `deapi.realtime.close()`: the socket, its timers and listeners gone for good.
    #[wasm_bindgen(js_name = "realtimeClose")]
    pub fn realtime_close(&self) {
        realtime::close(&self.inner);
    }

    /// What the last response of each rate-limited bucket said (times as Dates).
    #[wasm_bindgen(js_name = "rateLimits")]
    pub fn rate_limits(&self) -> JsValue {
        let all = Object::new();
        let date = |ms: Option<f64>| ms.map_or(JsValue::NULL, |ms| Date::new(&JsValue::from_f64(ms)).into());
        for q in &self.inner.session.quotas().buckets {
            let one = object(&[("bucket", JsValue::from_str(&q.bucket))]);
            put_rate_limit(&one, &q.info);
            convert::set(&one, "resetAt", &date(q.reset_at_ms));
            convert::set(&one, "dailyResetAt", &date(Some(q.daily_reset_at_ms)));
            convert::set(&one, "updatedAt", &date(Some(q.updated_at_ms)));
            convert::set(&all, &q.bucket, &one.into());
        }
        all.into()
    }
}

/// The operations' names (`images.generate`, …), comma-separated (the package builds its
/// namespaces from them).
#[wasm_bindgen]
pub fn operations() -> String {
    crate::core::plan::operation_names().join(",")
}

/// The reasons `onRetry` gives (`server_error`, `rate_limited`, …), comma-separated: what a retry is
/// made for ([`crate::core::retry::Reason::RETRIED`]). Read by the types' test (`RetryEvent.reason`).
#[cfg(feature = "lists")]
#[wasm_bindgen(js_name = "retryReasons")]
pub fn retry_reasons() -> String {
    crate::core::retry::Reason::RETRIED.map(|r| r.as_str()).join(",")
}

/// Bytes of wasm linear memory (for the leak check; not part of the public API).
#[wasm_bindgen(js_name = "__memoryBytes")]
pub fn memory_bytes() -> f64 {
    #[cfg(target_arch = "wasm32")]
    {
        core::arch::wasm32::memory_size(0) as f64 * 65_536.0
    }
    #[cfg(not(target_arch = "wasm32"))]
    {
        0.0
    }
}
