//! `quotaStore`: the scheduler's per-bucket quota shared by every process on one key. The transport's
//! gate asks the store before each request of a rate-limited bucket ([`ask`]) and reports what each
//! response taught ([`tell`]); each store call has a timeout, and a breaker (`core::fleet::Breaker`)
//! lets the process pace itself alone while the store does not answer (`onError` hears of it once per
//! outage). Also the Redis store itself, [`RedisQuotaStore`]: `core::fleet::SCRIPT` run through the
//! `eval` function that the package's `redisQuotaStore(client)` adapter makes of the user's client
//! (ioredis, node-redis, @upstash/redis) — the adapter only speaks that client's eval signature.

use super::convert::{get, number_text, object};
use super::errors::{invalid_options, notice};
use crate::core::error::Kind;
use super::state::Inner;
use super::time::sleep;
use super::transport::notify;
use crate::core::fleet::{self, Answer, Breaker, Report};
use crate::core::args::Opts;
use js_sys::{Array, Function, JsString, Promise};
use std::cell::RefCell;
use std::future::Future;
use std::pin::pin;
use std::rc::Rc;
use std::task::Poll;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::{future_to_promise, JsFuture};

/// A client's quota store: the object and its two methods, the timeout per call, the breaker, and the
/// request fields every call carries (the key's tag, the log's width, the probe lease).
pub struct Store {
    this: JsValue,
    acquire: Function,
    report: Function,
    timeout_ms: f64,
    tag: String,
    window_ms: f64,
    lease_ms: f64,
    breaker: RefCell<Breaker>,
}

fn store_methods(v: &JsValue) -> Option<(Function, Function)> {
    if !v.is_object() {
        return None;
    }
    Some((get(v, "acquire").dyn_into().ok()?, get(v, "report").dyn_into().ok()?))
}

/// The `quotaStore` option checked before `core` reads the options: a store (an object with
/// `acquire` and `report` methods) is kept by the binding (`core` sees it as an object it does not read,
/// which turns the scheduler on); `null`/`undefined` is no store.
pub fn check_option(options: &JsValue, opts: &mut Opts) -> Result<(), JsValue> {
    let Opts::Object(pairs) = opts else { return Ok(()) };
    let v = get(options, "quotaStore");
    if v.is_undefined() || v.is_null() {
        pairs.retain(|(k, _)| k != "quotaStore");
        return Ok(());
    }
    if store_methods(&v).is_none() {
        return Err(invalid_options(
            "Invalid option `quotaStore`: must be a quota store, an object with acquire() and report() methods (redisQuotaStore(client) makes one)",
            None,
        ));
    }
    if let Some(slot) = pairs.iter_mut().find(|(k, _)| k == "quotaStore") {
        slot.1 = crate::core::args::Arg::Function;
    }
    Ok(())
}

impl Store {
    /// The store of checked options (`None` without one).
    pub fn new(options: &JsValue, cfg: &crate::core::config::Config) -> Option<Store> {
        let this = get(options, "quotaStore");
        let (acquire, report) = store_methods(&this)?;
        let timeout_ms = get(&this, "timeoutMs").as_f64().filter(|t| t.is_finite() && *t > 0.0).unwrap_or(fleet::DEFAULT_TIMEOUT_MS);
        Some(Store {
            this,
            acquire,
            report,
            timeout_ms,
            tag: fleet::key_tag(cfg.api_key.as_deref()),
            window_ms: fleet::log_window_ms(cfg.window_ms),
            lease_ms: fleet::lease_ms(cfg.window_ms),
            breaker: RefCell::default(),
        })
    }

    /// Ask the store for this request now? (The breaker: `false` while it is open.)
    pub fn in_use(&self, now: f64) -> bool {
        self.breaker.borrow_mut().use_store(now)
    }

    /// `f.call(store, arg)` raced against the timeout: the settled value, or why not.
    async fn call(&self, f: &Function, arg: &JsValue) -> Result<JsValue, JsValue> {
        let p = f.call1(&self.this, arg)?;
        let answer = JsFuture::from(Promise::resolve(&p));
        match race(answer, sleep(self.timeout_ms)).await {
            Some(r) => r,
            None => Err(js_sys::Error::new(&["no answer within ", &number_text(self.timeout_ms), " ms (timeoutMs)"].concat()).into()),
        }
    }

    fn request(&self, bucket: &str) -> JsValue {
        object(&[
            ("key", JsValue::from_str(&self.tag)),
            ("bucket", JsValue::from_str(bucket)),
            ("windowMs", JsValue::from_f64(self.window_ms)),
            ("leaseMs", JsValue::from_f64(self.lease_ms)),
        ])
        .into()
    }

    fn failed(&self, inner: &Inner, what: &str, cause: &JsValue) {
        if self.breaker.borrow_mut().failure(inner.session.now_ms()) {
            let message = ["The quota store failed (", what, "): this process paces itself until it answers again"].concat();
            notify(&inner.hooks.on_error, &notice(Kind::Http, "quota_store", &message, Some(cause)));
        }
    }
}

/// Run `a` until it ends, unless `b` ends first (`None`; `a` is dropped).
async fn race<A: Future, B: Future>(a: A, b: B) -> Option<A::Output> {
    let mut a = pin!(a);
    let mut b = pin!(b);
    std::future::poll_fn(|cx| {
        if let Poll::Ready(v) = a.as_mut().poll(cx) {
            return Poll::Ready(Some(v));
        }
        if b.as_mut().poll(cx).is_ready() {
            return Poll::Ready(None);
        }
        Poll::Pending
    })
    .await
}

/// Ask the store about one request of `bucket`: its answer, or `None` when it failed (the breaker is
/// open now: the caller paces this request locally).
pub async fn ask(inner: &Inner, store: &Store, bucket: &str) -> Option<Answer> {
    let answer = store.call(&store.acquire, &store.request(bucket)).await;
    let read = answer.as_ref().ok().and_then(|a| {
        let reason = get(a, "reason").as_string();
        fleet::read_answer(get(a, "ok").as_bool(), get(a, "waitMs").as_f64(), reason.as_deref())
    });
    match (read, answer) {
        (Some(a), _) => {
            store.breaker.borrow_mut().success();
            Some(a)
        }
        (None, Ok(_)) => {
            store.failed(inner, "acquire() did not resolve with { ok, waitMs, reason }", &JsValue::UNDEFINED);
            None
        }
        (None, Err(e)) => {
            store.failed(inner, "acquire", &e);
            None
        }
    }
}

/// Report what a response of `bucket` taught to the fleet (in the background; skipped while the
/// breaker is open).
pub fn tell(inner: &Rc<Inner>, bucket: &str, r: Report) {
    let Some(store) = inner.store.as_ref() else { return };
    if store.breaker.borrow().is_open() {
        return;
    }
    let num = |n: Option<f64>| n.map_or(JsValue::NULL, JsValue::from_f64);
    let o = object(&[
        ("key", JsValue::from_str(&store.tag)),
        ("bucket", JsValue::from_str(bucket)),
        ("windowMs", JsValue::from_f64(store.window_ms)),
        ("limit", num(r.limit)),
        ("remaining", num(r.remaining)),
        ("dailyLimit", num(r.daily_limit)),
        ("dailyRemaining", num(r.daily_remaining)),
        ("pauseMs", JsValue::from_f64(r.pause_ms)),
        ("dailySpent", JsValue::from_bool(r.daily_spent)),
    ]);
    let inner = Rc::clone(inner);
    wasm_bindgen_futures::spawn_local(async move {
        let Some(store) = inner.store.as_ref() else { return };
        if let Err(e) = store.call(&store.report, &o.into()).await {
            store.failed(&inner, "report", &e);
        }
    });
}

/// One `future_to_promise` instance for both methods (each future boxed).
fn promise(work: std::pin::Pin<Box<dyn Future<Output = Result<JsValue, JsValue>>>>) -> Promise {
    future_to_promise(work)
}

thread_local! {
    /// The script and its SHA-1 as JS strings, made once (not copied out of the module per call).
    static SCRIPT: (JsValue, JsValue) = (JsString::from(fleet::SCRIPT).into(), JsString::from(fleet::SCRIPT_SHA1).into());
}

/// The Redis quota store (`redisQuotaStore(client, { prefix, timeoutMs })` in the package): the fleet's
/// quota in Redis, one Lua script per call (`core::fleet::SCRIPT`), its clock Redis `TIME`.
#[wasm_bindgen]
pub struct RedisQuotaStore {
    inner: Rc<Redis>,
}

struct Redis {
    /// `(sha1, script, keys, args) => Promise` — the adapter's call of the client's EVALSHA (EVAL on NOSCRIPT).
    eval: Function,
    prefix: String,
    timeout_ms: f64,
}

fn text(v: &JsValue, key: &str) -> Option<String> {
    get(v, key).as_string()
}

/// A tag or a bucket name as a key part: not empty, no braces (the hash tag), at most 128 bytes.
fn key_part(s: Option<String>) -> Result<String, JsValue> {
    s.filter(|s| !s.is_empty() && s.len() <= 128 && !s.contains(['{', '}']))
        .ok_or_else(|| JsValue::from(js_sys::TypeError::new("a quota request needs `key` and `bucket` (strings without braces)")))
}

/// A number argument of the script (`""`: not said).
fn arg_num(v: &JsValue, key: &str) -> JsValue {
    match get(v, key).as_f64().filter(|n| n.is_finite()) {
        Some(n) => JsValue::from_str(&number_text(n.ceil())),
        None => JsValue::from_str(""),
    }
}

impl Redis {
    async fn run(&self, req: &JsValue, args: Array) -> Result<JsValue, JsValue> {
        let [log, meta] = fleet::redis_keys(&self.prefix, &key_part(text(req, "key"))?, &key_part(text(req, "bucket"))?);
        let keys = Array::of2(&JsValue::from_str(&log), &JsValue::from_str(&meta));
        let call = SCRIPT.with(|(script, sha)| self.eval.apply(&JsValue::UNDEFINED, &Array::of4(sha, script, &keys, &args)))?;
        JsFuture::from(Promise::resolve(&call)).await
    }
}

#[wasm_bindgen]
impl RedisQuotaStore {
    /// `eval`: the adapter's `(sha1, script, keys, args) => Promise`; `options`: `{ prefix, timeoutMs }`.
    #[wasm_bindgen(constructor)]
    pub fn new(eval: JsValue, options: JsValue) -> Result<RedisQuotaStore, JsValue> {
        let eval: Function = eval.dyn_into().map_err(|_| invalid_options("redisQuotaStore(client): the client has no eval", None))?;
        let prefix = match get(&options, "prefix") {
            p if p.is_undefined() || p.is_null() => fleet::DEFAULT_PREFIX.to_owned(),
            p => p.as_string().filter(|p| fleet::valid_prefix(p)).ok_or_else(|| {
                invalid_options("Invalid option `prefix`: must be a non-empty string of at most 64 bytes without { or } (the key's hash tag follows it)", None)
            })?,
        };
        let timeout_ms = match get(&options, "timeoutMs") {
            t if t.is_undefined() || t.is_null() => fleet::DEFAULT_TIMEOUT_MS,
            t => t.as_f64().filter(|t| t.is_finite() && (1.0..=60_000.0).contains(t)).ok_or_else(|| {
                invalid_options("Invalid option `timeoutMs`: must be a number of milliseconds from 1 to 60000", None)
            })?,
        };
        Ok(RedisQuotaStore { inner: Rc::new(Redis { eval, prefix, timeout_ms }) })
    }

    /// How long the scheduler waits for one call of this store.
    #[wasm_bindgen(getter, js_name = timeoutMs)]
    pub fn timeout_ms(&self) -> f64 {
        self.inner.timeout_ms
    }

    /// `acquire({ key, bucket, windowMs, leaseMs })` → `{ ok, waitMs, reason }`.
    #[wasm_bindgen(unchecked_return_type = "Promise<QuotaAnswer>")]
    pub fn acquire(&self, request: JsValue) -> Promise {
        let redis = Rc::clone(&self.inner);
        promise(Box::pin(async move {
            let args = Array::of4(&JsValue::from_str("acquire"), &JsValue::from_str(""), &arg_num(&request, "windowMs"), &arg_num(&request, "leaseMs"));
            let reply = redis.run(&request, args).await?;
            // (integers: every client returns the script's integer replies as numbers)
            let n = |i: u32| Array::from(&reply).get(i).as_f64().unwrap_or(f64::NAN);
            let answer = fleet::script_answer(n(0), n(1));
            let answer = answer.ok_or_else(|| JsValue::from(js_sys::TypeError::new("the quota script's reply was not {code, ms}")))?;
            Ok(match answer {
                Answer::Go => object(&[("ok", JsValue::TRUE), ("waitMs", JsValue::from_f64(0.0))]).into(),
                Answer::Wait(ms, why) => object(&[("ok", JsValue::FALSE), ("waitMs", JsValue::from_f64(ms)), ("reason", JsValue::from_str(why.as_str()))]).into(),
            })
        }))
    }

    /// `report({ key, bucket, windowMs, limit, remaining, dailyLimit, dailyRemaining, pauseMs, dailySpent })`.
    #[wasm_bindgen(unchecked_return_type = "Promise<void>")]
    pub fn report(&self, report: JsValue) -> Promise {
        let redis = Rc::clone(&self.inner);
        promise(Box::pin(async move {
            let args = Array::new();
            for v in [JsValue::from_str("report"), JsValue::from_str("")] {
                args.push(&v);
            }
            for k in ["windowMs", "limit", "remaining", "dailyLimit", "dailyRemaining", "pauseMs"] {
                args.push(&arg_num(&report, k));
            }
            args.push(&JsValue::from_str(if get(&report, "dailySpent").is_truthy() { "1" } else { "" }));
            redis.run(&report, args).await?;
            Ok(JsValue::UNDEFINED)
        }))
    }
}
