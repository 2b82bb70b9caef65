//! The JS error objects, constructed here from `core` errors. The classes themselves (an `Error`
//! subclass per kind, with the form adapters) are JS (`js/facade.js`); the package hands their
//! factory to the module once at load ([`set_error_factory`]), and every rejection is made by
//! calling it with the props Rust decided: `name`, `code`, `message`, `status`, `errors`, `body`,
//! `requestId`, `retryAfter`, `rateLimit`, `attempts`, `cause`, and the job's or webhook's details.
//! Which classes there are is the module's to say too: the package builds them from [`kinds`].

use super::convert::{object, set, to_js};
use crate::core::error::{ApiError, Body, FieldError, Kind, RateLimit};
use js_sys::{Array, Function, Object};
use std::cell::RefCell;
use wasm_bindgen::prelude::*;

thread_local! {
    static FACTORY: RefCell<Option<Function>> = const { RefCell::new(None) };
}

/// Called once by the package at load: `factory(props)` returns the error object of `props.name`'s
/// class. (Until then — the wasm-bindgen test harness — errors are plain `Error`s with the props.)
#[wasm_bindgen(js_name = "__setErrorFactory")]
pub fn set_error_factory(factory: Function) {
    FACTORY.with(|f| *f.borrow_mut() = Some(factory));
}

/// The error classes, one entry per [`Kind`] in [`Kind::ALL`]'s order (a class after the class it
/// extends), comma-separated: `name:code:parent` — `DeapiError:http:` (the base: no parent),
/// `AuthenticationError:authentication:DeapiError`, …, `InsufficientBalanceError:insufficient_balance:ValidationError`.
/// The package defines its `Error` subclasses from this list (js/facade.js; the browser entries from
/// the copy scripts/build.mjs read: the browser modules leave this out, cargo feature `lists`).
#[cfg(feature = "lists")]
#[wasm_bindgen]
pub fn kinds() -> String {
    Kind::ALL.map(|k| [k.class_name(), ":", k.code(), ":", k.parent().map_or("", Kind::class_name)].concat()).join(",")
}

fn num(n: f64) -> JsValue {
    JsValue::from_f64(n)
}

fn opt_num(n: Option<f64>) -> JsValue {
    n.map_or(JsValue::NULL, num)
}

fn opt_str(s: Option<&str>) -> JsValue {
    s.map_or(JsValue::NULL, JsValue::from_str)
}

/// Write deAPI's rate-limit headers onto `o`: `limit`, `remaining`, `dailyLimit`, `dailyRemaining`,
/// `type`, `source` (`null` when not sent). The one JS shape of [`RateLimit`]: an error's
/// `rateLimit`, a `withResponse` result's, and each bucket of `rateLimits()` (`client.rs`).
pub fn put_rate_limit(o: &Object, rl: &RateLimit) {
    set(o, "limit", &opt_num(rl.limit));
    set(o, "remaining", &opt_num(rl.remaining));
    set(o, "dailyLimit", &opt_num(rl.daily_limit));
    set(o, "dailyRemaining", &opt_num(rl.daily_remaining));
    set(o, "type", &opt_str(rl.kind.as_deref()));
    set(o, "source", &opt_str(rl.source.as_deref()));
}

/// `{ limit, remaining, dailyLimit, dailyRemaining, type, source }` (+ `resetAt` ms when `reset_at`).
pub fn rate_limit(rl: &RateLimit, reset_at: bool) -> Object {
    let o = Object::new();
    put_rate_limit(&o, rl);
    if reset_at {
        set(&o, "resetAt", &opt_num(rl.reset_at_ms));
    }
    o
}

fn field_errors(list: &[FieldError]) -> Array {
    list.iter()
        .map(|f| JsValue::from(object(&[("field", JsValue::from_str(&f.field)), ("message", JsValue::from_str(&f.message))])))
        .collect()
}

/// The props of `e` (already finished: redacted and cut), as the error classes take them.
pub fn props(e: &ApiError) -> Object {
    let o = object(&[
        ("name", JsValue::from_str(e.kind.class_name())),
        ("code", JsValue::from_str(e.kind.code())),
        ("message", JsValue::from_str(&e.message)),
        ("attempts", num(f64::from(e.attempts))),
        ("errors", field_errors(&e.errors).into()),
    ]);
    if let Some(s) = e.status {
        set(&o, "status", &num(f64::from(s)));
    }
    if let Some(r) = e.retry_after {
        set(&o, "retryAfter", &num(r));
    }
    match &e.body {
        Some(Body::Json(j)) => set(&o, "body", &to_js(j)),
        Some(Body::Text(t)) => set(&o, "body", &JsValue::from_str(t)),
        None => {}
    }
    if let Some(id) = &e.request_id {
        set(&o, "requestId", &JsValue::from_str(id));
    }
    if let Some(rl) = &e.rate_limit {
        set(&o, "rateLimit", &rate_limit(rl, true).into());
    }
    if let Some(job) = &e.job {
        let flag = |v: Option<bool>| v.map_or(JsValue::NULL, JsValue::from_bool);
        set(&o, "errorCode", &opt_str(job.error_code.as_deref()));
        set(&o, "errorMessage", &opt_str(job.error_message.as_deref()));
        set(&o, "errorReason", &opt_str(job.error_reason.as_deref()));
        set(&o, "retryable", &flag(job.retryable));
        set(&o, "refunded", &flag(job.refunded));
    }
    #[cfg(feature = "webhooks")]
    if let Some(reason) = crate::core::webhook::reason_of(e) {
        set(&o, "reason", &JsValue::from_str(reason));
    }
    o
}

/// The error object for `e` (finished), with `cause` when the failure had one.
pub fn to_error(e: &ApiError, cause: Option<&JsValue>) -> JsValue {
    let p = props(e);
    if let Some(c) = cause {
        set(&p, "cause", c);
    }
    construct(p)
}

/// An error `onError` hears of beside the calls (nothing rejects with it): `kind`'s class and
/// props, with its own `code` — `quota_store` (the fleet's store failed: the process paces itself),
/// `realtime_unavailable` (realtime gave up: waits poll).
pub fn notice(kind: Kind, code: &str, message: &str, cause: Option<&JsValue>) -> JsValue {
    let p = props(&ApiError::new(kind, message));
    set(&p, "code", &JsValue::from_str(code));
    if let Some(c) = cause {
        set(&p, "cause", c);
    }
    construct(p)
}

/// The error object for these props.
pub fn construct(p: Object) -> JsValue {
    let made = FACTORY.with(|f| f.borrow().as_ref().map(|f| f.call1(&JsValue::UNDEFINED, &p)));
    match made {
        Some(Ok(e)) => e,
        _ => {
            let message = super::convert::get(&p, "message").as_string().unwrap_or_default();
            let e = js_sys::Error::new(&message);
            let _ = Object::assign(e.unchecked_ref(), &p);
            e.into()
        }
    }
}

/// `AbortError`: the caller's signal fired (`cause`: its reason).
pub fn abort_error(attempts: u32, reason: JsValue, request_id: &str) -> JsValue {
    let mut e = ApiError::new(Kind::Aborted, "The request was aborted");
    e.attempts = attempts;
    if !request_id.is_empty() {
        e.request_id = Some(request_id.to_owned());
    }
    to_error(&e, Some(&reason))
}

/// An `InvalidOptionsError` for a problem found in the binding (not by `core`).
pub fn invalid_options(message: &str, cause: Option<&JsValue>) -> JsValue {
    to_error(&ApiError::new(Kind::InvalidOptions, message), cause)
}
