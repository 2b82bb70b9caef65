//! `deapi.realtime.relay(requestId, opts)`: one job's progress as a `text/event-stream` `Response`
//! for a browser (servers; the `realtime` cargo feature). It runs the client's own
//! [`super::jobs::wait`] — the REST checks, and the socket's events where waits use them — with an
//! `onProgress` of its own, and writes what [`crate::core::relay::Stream`] makes of each status, the
//! result or the error into a `ReadableStream` made here (UTF-8 bytes enqueued on its controller).
//!
//! The stream ends after the `done` or `error` event. Its reader cancelling it (the browser went
//! away; a server closing the response) or the `signal` option aborting ends the wait at once —
//! its status request aborted, its sleep dropped — and the `: ping` heartbeat (a gloo-timers
//! `Interval`) stops with the stream, so nothing is left to keep a process alive. `createProxy`
//! answers `GET {prefix}/events/{requestId}` with [`open`] (src/wasm/proxy.rs).
//!
//! Without the `realtime` feature (the browser module) the method throws an `InvalidOptionsError`
//! that says where it runs.

#[cfg(not(feature = "relay"))]
use super::errors::invalid_options;
use wasm_bindgen::prelude::*;
#[cfg(feature = "relay")]
use {
    super::state::Inner,
    js_sys::Promise,
    std::rc::Rc,
    super::convert::{self, get, object, set},
    super::errors::to_error,
    super::time::Listener,
    crate::core::error::key_parts,
    crate::core::json::Json,
    crate::core::relay::{self, Stream},
    crate::core::args::Arg,
    gloo_timers::callback::Interval,
    js_sys::{Object, Uint8Array},
    std::cell::{Cell, RefCell},
    wasm_bindgen::JsCast,
    web_sys::AbortController,
};

/// (the browser module) `relay` needs a server: the `InvalidOptionsError` it throws.
#[cfg(not(feature = "relay"))]
pub fn on_servers_only() -> JsValue {
    invalid_options("deapi.realtime.relay runs on servers (Node, Deno, Bun, Workers): it is not in the browser build", None)
}

/// `relay(requestId, opts)` as a promise (a rejection is told to `onError` first, as every call's).
#[cfg(feature = "relay")]
pub fn promise(inner: &Rc<Inner>, id: &JsValue, opts: &JsValue) -> Promise {
    match relay(inner, id, opts) {
        Ok(response) => Promise::resolve(&response),
        Err(e) => {
            super::transport::notify(&inner.hooks.on_error, &e);
            Promise::reject(&e)
        }
    }
}

#[cfg(feature = "relay")]
#[wasm_bindgen]
extern "C" {
    /// A `ReadableStreamDefaultController`, used by shape.
    #[derive(Clone)]
    type Controller;
    #[wasm_bindgen(method, structural, catch)]
    fn enqueue(this: &Controller, chunk: &Uint8Array) -> Result<(), JsValue>;
    #[wasm_bindgen(method, structural, catch)]
    fn close(this: &Controller) -> Result<(), JsValue>;

    /// The global `ReadableStream` class.
    #[wasm_bindgen(js_name = ReadableStream)]
    type WebStream;
    #[wasm_bindgen(constructor, js_class = "ReadableStream", catch)]
    fn make(source: &Object) -> Result<WebStream, JsValue>;

    /// The global `Response` class.
    #[wasm_bindgen(js_name = Response)]
    type WebResponse;
    #[wasm_bindgen(constructor, js_class = "Response", catch)]
    fn make(body: &JsValue, init: &JsValue) -> Result<WebResponse, JsValue>;
}

/// `relay(requestId, opts)`: the `Response`. Bad options are an `Err` (an `InvalidOptionsError`);
/// an id that is not one is a 400 answer (it usually comes from the URL a browser asked for).
#[cfg(feature = "relay")]
pub fn relay(inner: &Rc<Inner>, id: &JsValue, opts: &JsValue) -> Result<JsValue, JsValue> {
    let fail = |e| to_error(&inner.session.finish(e), None);
    let o = relay::options(&convert::opts(opts)).map_err(fail)?;
    let id = match relay::request_id(&convert::arg(id)) {
        Ok(id) => id,
        Err(body) => {
            let headers = object(&[("content-type", JsValue::from_str("application/json")), ("cache-control", JsValue::from_str("no-store"))]);
            return response(400, &JsValue::from_str(body), headers);
        }
    };
    // the rest of the options as wait() checks them (before anything is sent)
    inner.session.wait_plan(&Arg::Data(Json::str(&id)), &o.wait).map_err(fail)?;
    let stream = open(inner, id, opts, o.heartbeat_ms)?;
    response(200, &stream, headers())
}

/// The stream's headers (`createProxy` adds its CORS ones).
#[cfg(feature = "relay")]
pub fn headers() -> Object {
    object(&[
        ("content-type", JsValue::from_str(relay::CONTENT_TYPE)),
        ("cache-control", JsValue::from_str("no-store")),
        // nginx (and proxies that follow it) would buffer the stream
        ("x-accel-buffering", JsValue::from_str("no")),
    ])
}

#[cfg(feature = "relay")]
fn response(status: u16, body: &JsValue, headers: Object) -> Result<JsValue, JsValue> {
    let init = object(&[("status", JsValue::from_f64(f64::from(status))), ("headers", headers.into())]);
    Ok(WebResponse::make(body, &init)?.into())
}

/// One relay's output side.
#[cfg(feature = "relay")]
struct Out {
    /// `None` once the stream is closed or cancelled.
    controller: RefCell<Option<Controller>>,
    heartbeat: RefCell<Option<Interval>>,
    stream: RefCell<Stream>,
    /// Ends the wait (the reader cancelled, or the `signal` option aborted).
    stop: AbortController,
    cancelled: Cell<bool>,
}

#[cfg(feature = "relay")]
impl Out {
    /// Enqueue `text` as UTF-8 bytes; a stream that takes no more is ended.
    fn write(&self, text: Option<String>) {
        let Some(text) = text else { return };
        let controller = self.controller.borrow().as_ref().cloned();
        if let Some(c) = controller {
            if c.enqueue(&Uint8Array::from(text.as_bytes())).is_err() {
                self.end();
            }
        }
    }

    /// Close the stream (if still open) and stop the heartbeat.
    fn end(&self) {
        let gone = self.heartbeat.borrow_mut().take();
        drop(gone);
        let controller = self.controller.borrow_mut().take();
        if let Some(c) = controller {
            let _ = c.close();
        }
    }
}

/// The `ReadableStream` of job `id`'s events, its wait started. `opts`: the relay's (their `signal`
/// ends it; the wait options go on to `wait()`, already checked).
#[cfg(feature = "relay")]
pub fn open(inner: &Rc<Inner>, id: String, opts: &JsValue, heartbeat_ms: f64) -> Result<JsValue, JsValue> {
    let secrets = inner.session.cfg.api_key.as_deref().map(|k| key_parts(k).map(str::to_owned).collect()).unwrap_or_default();
    let out = Rc::new(Out {
        controller: RefCell::new(None),
        heartbeat: RefCell::new(None),
        stream: RefCell::new(Stream::new(secrets)),
        stop: AbortController::new()?,
        cancelled: Cell::new(false),
    });
    let weak = Rc::downgrade(&out);
    // called once, inside the constructor
    let start = Closure::once_into_js(move |controller: JsValue| {
        if let Some(out) = weak.upgrade() {
            *out.controller.borrow_mut() = Some(controller.unchecked_into());
        }
    });
    let weak = Rc::downgrade(&out);
    let cancel = Closure::<dyn FnMut(JsValue)>::new(move |_reason: JsValue| {
        if let Some(out) = weak.upgrade() {
            out.cancelled.set(true);
            // (a cancelled stream takes no close())
            drop(out.controller.borrow_mut().take());
            out.end();
            out.stop.abort();
        }
    })
    .into_js_value();
    let stream = WebStream::make(&object(&[("start", start), ("cancel", cancel)]))?;
    if out.controller.borrow().is_none() {
        return Err(js_sys::TypeError::new("ReadableStream did not call start()").into());
    }
    let weak = Rc::downgrade(&out);
    let beat = Interval::new(relay::timer_ms(heartbeat_ms), move || {
        if let Some(out) = weak.upgrade() {
            out.write(Some(relay::PING.to_owned()));
        }
    });
    *out.heartbeat.borrow_mut() = Some(beat);

    // wait()'s options: the caller's, with this relay's signal and onProgress
    let wait_opts = Object::new();
    if opts.is_object() {
        for key in Object::keys(opts.unchecked_ref::<Object>()).iter() {
            let Some(k) = key.as_string() else { continue };
            if k != "signal" && k != "heartbeatMs" {
                set(&wait_opts, &k, &get(opts, &k));
            }
        }
    }
    set(&wait_opts, "signal", &out.stop.signal());
    let signal = convert::signal_of(opts);
    let inner = Rc::clone(inner);
    wasm_bindgen_futures::spawn_local(async move {
        let stop = out.stop.clone();
        let _left = signal.0.as_ref().map(|s| {
            let (stop, s2) = (stop.clone(), s.clone());
            Listener::new(s, move || stop.abort_with_reason(&s2.reason()))
        });
        if signal.aborted() {
            stop.abort_with_reason(&signal.reason());
        }
        let weak = Rc::downgrade(&out);
        let on_progress = Closure::<dyn FnMut(JsValue)>::new(move |status: JsValue| {
            let (Some(out), Some(json)) = (weak.upgrade(), stringify(&status)) else { return };
            let state = get(&status, "status").as_string().unwrap_or_default();
            let text = out.stream.borrow_mut().status(&state, json);
            out.write(text);
        });
        set(&wait_opts, "onProgress", on_progress.as_ref());
        let result = super::jobs::wait(inner, JsValue::from_str(&id), wait_opts.into()).await;
        drop(on_progress);
        let text = match result {
            Ok(status) => out.stream.borrow_mut().done(stringify(&status).unwrap_or_else(|| "null".to_owned())),
            Err(_) if out.cancelled.get() => None,
            Err(e) => {
                let fields = convert::to_js(&relay::error_fields(error_data(&e)));
                out.stream.borrow_mut().error(stringify(&fields).unwrap_or_else(|| "{}".to_owned()))
            }
        };
        out.write(text);
        out.end();
    });
    Ok(stream.into())
}

/// A value as the runtime's `JSON.stringify` writes it (one line).
#[cfg(feature = "relay")]
fn stringify(v: &JsValue) -> Option<String> {
    js_sys::JSON::stringify(v).ok().and_then(|s| s.as_string())
}

/// An error as `toJSON()` gives it (else its `name` and `message`).
#[cfg(feature = "relay")]
fn error_data(e: &JsValue) -> Json {
    convert::data(e).unwrap_or_else(|_| {
        let text = |k: &str| get(e, k).as_string().map_or(Json::Null, Json::Str);
        Json::Obj(vec![("name".to_owned(), text("name")), ("message".to_owned(), text("message"))])
    })
}
