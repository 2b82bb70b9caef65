//! `createProxy(options)`: a Web-standard handler, `(request: Request) => Promise<Response>`, that
//! forwards what [`crate::core::proxy::decide`] allows to deAPI with the key added. The request to
//! deAPI is sent from here like every call: the global `fetch` (or the `fetch` option), an
//! `AbortController` with the per-attempt timer ([`super::transport::AttemptTimer`]), no redirect
//! followed, the body read with a cap. The promise always resolves with a `Response`: a refusal,
//! an upstream failure (502/504 JSON) and a throwing `authorize` hook are answers, never a crash.
//!
//! With the `realtime` option (and cargo feature), `GET {prefix}/events/{requestId}` is answered by
//! a client of the proxy's own (its key, `baseUrl`, `timeoutMs`, `fetch` and `realtime`) through
//! [`super::relay::open`]: one job's events as Server-Sent Events, after the same checks and hook.
//!
//! Without the `proxy` feature (the browser module) the export stays and its constructor throws an
//! `InvalidOptionsError` that says where it runs.

use js_sys::Promise;
use wasm_bindgen::prelude::*;
#[cfg(not(feature = "proxy"))]
use super::errors::invalid_options;
#[cfg(feature = "proxy")]
use {
    super::convert::{self, get, object, set},
    super::errors::to_error,
    super::time::Listener,
    super::transport::{decode_js, global_fetch, read_capped, timed_out, AttemptTimer, Capped, Res, Stream},
    crate::core::error::key_parts,
    crate::core::proxy::{content_length, decide, forwarded_response_header, message_body, parse_proxy_options, too_large, Decision, Forward, Incoming, ProxyConfig, CLIENT_HEADER},
    crate::core::args::{Arg, Opts},
    js_sys::{Array, Function, JsString, Object, Uint8Array},
    std::rc::Rc,
    wasm_bindgen::JsCast,
    wasm_bindgen_futures::{future_to_promise, JsFuture},
    web_sys::{AbortController, AbortSignal, Blob, RequestInit},
};

/// The handler behind `createProxy`.
#[wasm_bindgen]
pub struct Proxy {
    #[cfg(feature = "proxy")]
    inner: Rc<Inner>,
}

#[cfg(feature = "proxy")]
struct Inner {
    cfg: ProxyConfig,
    fetch: Option<Function>,
    authorize: Option<Function>,
    on_error: Option<Function>,
    /// The client behind `GET {prefix}/events/{requestId}` (the `realtime` option).
    #[cfg(feature = "relay")]
    relay: Option<Rc<super::state::Inner>>,
}

#[cfg(not(feature = "proxy"))]
#[wasm_bindgen]
impl Proxy {
    #[wasm_bindgen(constructor)]
    pub fn new(_options: JsValue) -> Result<Proxy, JsValue> {
        Err(invalid_options(
            "createProxy is not in deapi-wasm's browser build: it holds your API key, so it runs on a server (Node, Deno, Bun, a Next.js route handler or a Cloudflare Worker)",
            None,
        ))
    }
    pub fn handle(&self, _request: JsValue) -> Promise {
        Promise::resolve(&JsValue::UNDEFINED)
    }
}

#[cfg(feature = "proxy")]
#[wasm_bindgen]
extern "C" {
    /// The incoming request, read by shape (a `Request`, or any object with these properties).
    type Req;
    #[wasm_bindgen(method, getter, structural, catch)]
    fn method(this: &Req) -> Result<JsValue, JsValue>;
    #[wasm_bindgen(method, getter, structural, catch)]
    fn url(this: &Req) -> Result<JsValue, JsValue>;
    #[wasm_bindgen(method, getter, structural, catch)]
    fn headers(this: &Req) -> Result<JsValue, JsValue>;
    #[wasm_bindgen(method, getter, structural, catch)]
    fn body(this: &Req) -> Result<JsValue, JsValue>;
    #[wasm_bindgen(method, getter, structural, catch)]
    fn signal(this: &Req) -> Result<JsValue, JsValue>;

    /// The global `Response` class: the answers made here.
    #[wasm_bindgen(js_name = Response)]
    type WebResponse;
    #[wasm_bindgen(constructor, js_class = "Response", catch)]
    fn make(body: &JsValue, init: &JsValue) -> Result<WebResponse, JsValue>;
}

/// Response headers an allowed other origin's page may read.
#[cfg(feature = "proxy")]
const EXPOSE: &str = "Retry-After, X-RateLimit-Limit, X-RateLimit-Remaining, X-RateLimit-Daily-Limit, X-RateLimit-Daily-Remaining, X-RateLimit-Type, X-RateLimit-Source";

#[cfg(feature = "proxy")]
#[wasm_bindgen]
impl Proxy {
    /// `options`: `createProxy`'s. Bad options throw an `InvalidOptionsError` naming them.
    #[wasm_bindgen(constructor)]
    pub fn new(options: JsValue) -> Result<Proxy, JsValue> {
        let fail = |mut e: crate::core::error::ApiError| {
            e.finish(&[]);
            to_error(&e, None)
        };
        #[allow(unused_mut)]
        let mut opts = convert::opts(&options);
        // `realtime`'s functions (`WebSocket`) as `realtime.<key>`, as a client's
        #[cfg(feature = "relay")]
        super::realtime::nested_functions(&options, &mut opts);
        let (data, functions) = match opts {
            Opts::Object(pairs) => {
                let mut data = Vec::new();
                let mut functions = Vec::new();
                for (k, v) in pairs {
                    match v {
                        Arg::Data(j) => data.push((k, j)),
                        Arg::Function => functions.push(k),
                        _ => return Err(fail(crate::core::error::ApiError::invalid_option(&k, "must be a plain value"))),
                    }
                }
                (crate::core::json::Json::Obj(data), functions)
            }
            _ => (crate::core::json::Json::Null, Vec::new()),
        };
        let cfg = parse_proxy_options(&data, &functions).map_err(fail)?;
        let function = |key: &str| get(&options, key).dyn_into::<Function>().ok();
        #[cfg(feature = "relay")]
        let relay = if cfg.relay { Some(relay_client(&options, function("onError"))?) } else { None };
        let inner = Inner {
            cfg,
            fetch: function("fetch"),
            authorize: function("authorize"),
            on_error: function("onError"),
            #[cfg(feature = "relay")]
            relay,
        };
        Ok(Proxy { inner: Rc::new(inner) })
    }

    /// Answer one request: a promise of a `Response`, never rejected.
    pub fn handle(&self, request: JsValue) -> Promise {
        let inner = Rc::clone(&self.inner);
        future_to_promise(async move {
            let answer = respond(&inner, &request).await;
            Ok(answer.unwrap_or_else(|e| {
                report(&inner, "proxy", &e);
                // a Response that cannot be made (no global Response) is the one failure left
                json(500, "Internal Server Error: the deAPI proxy could not answer", None, None).map_or(e, JsValue::from)
            }))
        })
    }
}

/// The events path's client: the proxy's key, `baseUrl`, `timeoutMs`, `maxResponseBytes`,
/// `allowInsecureHttp`, `fetch` and `realtime`; what its `onError` hears (realtime giving up) goes to
/// the proxy's as `{ stage: "realtime", error }`.
#[cfg(all(feature = "proxy", feature = "relay"))]
fn relay_client(options: &JsValue, on_error: Option<Function>) -> Result<Rc<super::state::Inner>, JsValue> {
    let o = Object::new();
    for k in ["apiKey", "baseUrl", "timeoutMs", "maxResponseBytes", "allowInsecureHttp", "fetch", "realtime"] {
        let v = get(options, k);
        if !v.is_undefined() {
            set(&o, k, &v);
        }
    }
    if let Some(f) = on_error {
        let hear = Closure::<dyn FnMut(JsValue)>::new(move |error: JsValue| {
            let event = object(&[("stage", JsValue::from_str("realtime")), ("error", error)]);
            let _ = f.call1(&JsValue::UNDEFINED, &event);
        });
        set(&o, "onError", &hear.into_js_value());
    }
    Ok(super::client::Client::new(o.into(), false)?.shared())
}

/// Tell the `onError` hook (what it throws is ignored).
#[cfg(feature = "proxy")]
fn report(inner: &Inner, stage: &str, error: &JsValue) {
    if let Some(f) = &inner.on_error {
        let event = object(&[("stage", JsValue::from_str(stage)), ("error", error.clone())]);
        let _ = f.call1(&JsValue::UNDEFINED, &event);
    }
}

/// A JSON answer `{"message": …}` (and `Allow`, CORS headers when given).
#[cfg(feature = "proxy")]
fn json(status: u16, message: &str, allow: Option<&str>, cors: Option<&str>) -> Result<JsValue, JsValue> {
    let headers = Object::new();
    set(&headers, "content-type", &JsValue::from_str("application/json"));
    if let Some(a) = allow {
        set(&headers, "allow", &JsValue::from_str(a));
    }
    answer(status, &JsValue::from_str(&message_body(message)), headers, cors)
}

#[cfg(feature = "proxy")]
fn answer(status: u16, body: &JsValue, headers: Object, cors: Option<&str>) -> Result<JsValue, JsValue> {
    set(&headers, "cache-control", &JsValue::from_str("no-store"));
    if let Some(origin) = cors {
        set(&headers, "access-control-allow-origin", &JsValue::from_str(origin));
        set(&headers, "access-control-expose-headers", &JsValue::from_str(EXPOSE));
        set(&headers, "vary", &JsValue::from_str("Origin"));
    }
    let init = object(&[("status", JsValue::from_f64(f64::from(status))), ("headers", headers.into())]);
    Ok(WebResponse::make(body, &init)?.into())
}

#[cfg(feature = "proxy")]
fn text_of(v: Result<JsValue, JsValue>) -> Option<String> {
    v.ok().and_then(|v| v.as_string())
}

#[cfg(feature = "proxy")]
async fn respond(inner: &Rc<Inner>, request: &JsValue) -> Result<JsValue, JsValue> {
    if !request.is_object() {
        return json(400, "Bad Request: the deAPI proxy handler takes a Request", None, None);
    }
    let r: &Req = request.unchecked_ref();
    // (its `headers.get(name)` read as the client reads a response's)
    let h: Res = r.headers().unwrap_or(JsValue::UNDEFINED).unchecked_into();
    let header = |name: &str| if h.is_object() { text_of(h.header(&JsValue::from_str(name))) } else { None };
    let (method, url) = (text_of(r.method()).unwrap_or_default(), text_of(r.url()).unwrap_or_default());
    let [origin, fetch_site, content_type, content_length, client, pre_method, pre_headers] =
        ["origin", "sec-fetch-site", "content-type", "content-length", CLIENT_HEADER, "access-control-request-method", "access-control-request-headers"].map(header);
    let incoming = Incoming {
        method: &method,
        url: &url,
        origin: origin.as_deref(),
        fetch_site: fetch_site.as_deref(),
        content_type: content_type.as_deref(),
        content_length: content_length.as_deref(),
        client_header: client.is_some(),
        preflight_method: pre_method.as_deref(),
        preflight_headers: pre_headers.as_deref(),
    };
    match decide(&inner.cfg, &incoming) {
        Decision::Refuse(no) => json(no.status, &no.message, no.allow, None),
        Decision::Preflight { origin, allow_headers } => {
            let headers = object(&[
                ("access-control-allow-methods", JsValue::from_str("GET, POST")),
                ("access-control-allow-headers", JsValue::from_str(&allow_headers)),
                ("access-control-max-age", JsValue::from_str("600")),
            ]);
            answer(204, &JsValue::NULL, headers, Some(&origin))
        }
        Decision::Forward(f) => forward(inner, r, &f).await,
        #[cfg(feature = "relay")]
        Decision::Relay(e) => events(inner, r, &e).await,
        #[cfg(not(feature = "relay"))]
        Decision::Relay(_) => json(404, "Not Found", None, None),
    }
}

/// `GET {prefix}/events/{requestId}`: the hook, then the relay's stream (ended when the browser
/// goes away: the request's `signal`, or the stream's cancel).
#[cfg(all(feature = "proxy", feature = "relay"))]
async fn events(inner: &Rc<Inner>, r: &Req, e: &crate::core::proxy::Events) -> Result<JsValue, JsValue> {
    let cors = e.cors.as_deref();
    if let Some(refused) = authorized(inner, r, "realtime.relay", "GET", &e.path, false, cors).await {
        return refused;
    }
    let Some(client) = &inner.relay else { return json(404, "Not Found", None, cors) };
    let signal = r.signal().unwrap_or(JsValue::UNDEFINED);
    let opts = object(&[("signal", signal)]);
    let stream = super::relay::open(client, e.request_id.clone(), &opts, crate::core::relay::DEFAULT_HEARTBEAT_MS)?;
    answer(200, &stream, super::relay::headers(), cors)
}

/// What reading a body gave.
#[cfg(feature = "proxy")]
enum Read {
    Chunks(Array),
    TooLarge,
}

/// Read the request's `ReadableStream` whole, counting bytes; past `max`, cancel it and stop.
#[cfg(feature = "proxy")]
async fn read_request(stream: &JsValue, max: f64) -> Result<Read, JsValue> {
    let reader = stream.unchecked_ref::<Stream>().get_reader()?;
    let chunks = Array::new();
    let mut total = 0.0;
    loop {
        let step = JsFuture::from(reader.read()?).await?;
        if get(&step, "done").is_truthy() {
            return Ok(Read::Chunks(chunks));
        }
        let value = get(&step, "value");
        let Some(chunk) = value.dyn_ref::<Uint8Array>() else {
            return Err(js_sys::TypeError::new("a body chunk that is not bytes").into());
        };
        total += f64::from(chunk.length());
        if total > max {
            if let Ok(p) = reader.cancel() {
                let _ = JsFuture::from(p).await; // (a cancel that fails leaves nothing to do)
            }
            return Ok(Read::TooLarge);
        }
        chunks.push(&value);
    }
}

/// The `authorize` hook's verdict: `None` to go on, else the answer.
#[cfg(feature = "proxy")]
async fn authorized(inner: &Rc<Inner>, r: &Req, operation: &str, method: &str, path: &str, submission: bool, cors: Option<&str>) -> Option<Result<JsValue, JsValue>> {
    let authorize = inner.authorize.as_ref()?;
    let info = object(&[
        ("operation", JsValue::from_str(operation)),
        ("method", JsValue::from_str(method)),
        ("path", JsValue::from_str(path)),
        ("submission", JsValue::from_bool(submission)),
    ]);
    let verdict = match authorize.call2(&JsValue::UNDEFINED, r, &info) {
        Ok(v) => JsFuture::from(Promise::resolve(&v)).await,
        Err(e) => Err(e),
    };
    match verdict {
        Ok(v) if v.is_instance_of::<WebResponse>() => Some(Ok(v)),
        Ok(v) if v == JsValue::TRUE => None,
        Ok(v) if v == JsValue::FALSE => Some(json(403, "Forbidden: this app does not allow the request (authorize)", None, cors)),
        Ok(_) => {
            let e = js_sys::TypeError::new("createProxy: authorize must return (or resolve to) true, false or a Response");
            report(inner, "authorize", &e);
            Some(json(500, "Internal Server Error: the app's authorize hook answered neither true, false nor a Response", None, cors))
        }
        Err(e) => {
            report(inner, "authorize", &e);
            Some(json(500, "Internal Server Error: the app's authorize hook failed", None, cors))
        }
    }
}

#[cfg(feature = "proxy")]
async fn forward(inner: &Rc<Inner>, r: &Req, f: &Forward) -> Result<JsValue, JsValue> {
    let cors = f.cors.as_deref();
    if let Some(refused) = authorized(inner, r, &f.operation, f.method, &f.path, f.submission, cors).await {
        return refused;
    }
    let body = if f.method == "POST" {
        let stream = r.body().unwrap_or(JsValue::NULL);
        if stream.is_null() || stream.is_undefined() {
            None
        } else {
            match read_request(&stream, inner.cfg.max_request_bytes).await {
                Ok(Read::Chunks(chunks)) => Some(Blob::new_with_u8_array_sequence(&chunks)?),
                Ok(Read::TooLarge) => {
                    let Decision::Refuse(no) = too_large(&inner.cfg) else { return json(413, "Payload Too Large", None, cors) };
                    return json(no.status, &no.message, None, cors);
                }
                Err(e) => {
                    report(inner, "request", &e);
                    return json(400, "Bad Request: the request body could not be read", None, cors);
                }
            }
        }
    } else {
        None
    };
    let headers = object(&[("accept", JsValue::from_str("application/json"))]);
    if let Some(ct) = &f.content_type {
        set(&headers, "content-type", &JsValue::from_str(ct));
    }
    if let Some(key) = &inner.cfg.client.api_key {
        set(&headers, "authorization", &JsValue::from_str(&["Bearer ", key].concat()));
    }
    let init = RequestInit::new();
    init.set_method(f.method);
    init.set_headers(&headers);
    if let Some(b) = &body {
        init.set_body(b);
    }
    // deAPI never redirects an API call: a 3xx is answered as a failure, not followed with the key
    set(init.unchecked_ref(), "redirect", &JsValue::from_str("manual"));
    let controller = AbortController::new()?;
    init.set_signal(Some(&controller.signal()));
    let timer = AttemptTimer::start(&controller, inner.cfg.client.timeout_ms);
    // the browser went away: stop the upstream request too
    let left = r.signal().ok().and_then(|s| s.dyn_into::<AbortSignal>().ok());
    let gone = left.as_ref().map(|s| {
        let c = controller.clone();
        Listener::new(s, move || c.abort())
    });
    let sent = async {
        let returned = match &inner.fetch {
            Some(fetch) => fetch.call2(&JsValue::UNDEFINED, &JsValue::from_str(&f.url), &init)?,
            None => global_fetch(&f.url, &init)?.into(),
        };
        let res: Res = JsFuture::from(Promise::resolve(&returned)).await?.unchecked_into();
        let status = res.status().ok().and_then(|s| s.as_f64()).filter(|_| res.is_object());
        let Some(status) = status else { return Err(js_sys::TypeError::new("fetch resolved with something that is not a Response").into()) };
        let rh: Res = res.headers().unwrap_or(JsValue::UNDEFINED).unchecked_into();
        let length = if rh.is_object() { rh.header(&JsValue::from_str("content-length")).ok().and_then(|v| v.as_string()) } else { None };
        let max = inner.cfg.client.max_response_bytes;
        if length.as_deref().and_then(content_length).is_some_and(|n| n > max) {
            return Ok(Err("Bad Gateway: deAPI's answer is larger than the proxy passes on"));
        }
        // the same capped reading as every call's (transport::read_capped)
        let text = match read_capped(&res, &|n| n > max, &controller).await? {
            Capped::Over(_) => return Ok(Err("Bad Gateway: deAPI's answer is larger than the proxy passes on")),
            Capped::Bytes(bytes) => decode_js(&bytes)?,
            Capped::Text(text) => text,
        };
        Ok(Ok((status, rh, text)))
    };
    let outcome: Result<Result<(f64, Res, JsString), &str>, JsValue> = sent.await;
    drop(gone);
    drop(timer);
    let (status, rh, text) = match outcome {
        Ok(Ok(got)) => got,
        Ok(Err(message)) => return json(502, message, None, cors),
        Err(e) => {
            if left.as_ref().is_some_and(AbortSignal::aborted) {
                // nobody is waiting for this answer (not deAPI's failure: not reported)
                return json(502, "Bad Gateway: the request was cancelled", None, cors);
            }
            if timed_out(&controller) {
                let ms = crate::core::text::dec(inner.cfg.client.timeout_ms as u64);
                return json(504, &["Gateway Timeout: deAPI did not answer within ", &ms, " ms"].concat(), None, cors);
            }
            report(inner, "upstream", &e);
            let cause = get(&e, "cause");
            let code = if cause.is_object() { get(&cause, "code").as_string() } else { None };
            let message = match code {
                Some(c) => ["Bad Gateway: the deAPI proxy could not reach deAPI (", &c, ")"].concat(),
                None => "Bad Gateway: the deAPI proxy could not reach deAPI".to_owned(),
            };
            return json(502, &message, None, cors);
        }
    };
    if !(200.0..600.0).contains(&status) || (300.0..400.0).contains(&status) {
        return json(502, "Bad Gateway: deAPI answered with a redirect or an odd status, which the proxy does not pass on", None, cors);
    }
    // the key never goes back to the browser, even if deAPI echoed it
    let mut body = text;
    if let Some(key) = &inner.cfg.client.api_key {
        for part in key_parts(key) {
            if body.includes(part, 0) {
                body = body.replace_all(part, "[REDACTED]");
            }
        }
    }
    let out = Object::new();
    if let Ok(Some(entries)) = js_sys::try_iter(&rh) {
        for pair in entries.flatten() {
            let name = get(&pair, "0").as_string().unwrap_or_default();
            if forwarded_response_header(&name) {
                set(&out, &name.to_ascii_lowercase(), &get(&pair, "1"));
            }
        }
    }
    let empty = matches!(status as u16, 204 | 205 | 304);
    let body: JsValue = if empty { JsValue::NULL } else { body.into() };
    answer(status as u16, &body, out, cors)
}
