//! wasm-bindgen tests of the binding in the real runtimes — Node (`cargo test --target
//! wasm32-unknown-unknown`), headless Chromium (`WASM_BINDGEN_USE_BROWSER=1`) and a dedicated worker
//! (`WASM_BINDGEN_USE_DEDICATED_WORKER=1`): the transport itself against the mock deAPI (a request
//! sent by fetch, the retry schedule, timeout and abort, an upload as FormData, the shared poller),
//! and values across the boundary. The mock's URL is compiled in: `DEAPI_MOCK_URL`, which
//! scripts/test.sh sets after starting `tests/mock/server.mjs` (CORS lets Chromium's test page call it).
#![cfg(target_arch = "wasm32")]
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]
#![allow(clippy::disallowed_methods, clippy::disallowed_macros, clippy::disallowed_types)] // the size rules (clippy.toml) are for the module

use deapi_wasm::core::json::{parse_json, Json};
use deapi_wasm::wasm::client::Client;
use deapi_wasm::wasm::convert::{self, to_js};
use js_sys::{Array, Function, Object, Promise, Reflect, Uint8Array, JSON};
use std::cell::Cell;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;
use wasm_bindgen_test::*;

const MOCK: &str = match option_env!("DEAPI_MOCK_URL") {
    Some(url) => url,
    None => "http://127.0.0.1:8799",
};

#[wasm_bindgen]
extern "C" {
    #[wasm_bindgen(js_name = fetch)]
    fn fetch_str(url: &str, init: &JsValue) -> Promise;
}

thread_local! {
    static KEYS: Cell<u32> = const { Cell::new(0) };
}

/// A key of its own for each test (the mock keeps jobs, faults and its log per key).
fn new_key() -> String {
    let n = KEYS.with(|k| {
        k.set(k.get() + 1);
        k.get()
    });
    format!("77|wasmtest{n}x{}", js_sys::Date::now() as u64)
}

fn get(v: &JsValue, path: &str) -> JsValue {
    path.split('.').fold(v.clone(), |v, k| Reflect::get(&v, &JsValue::from_str(k)).unwrap_or(JsValue::UNDEFINED))
}

fn js(text: &str) -> JsValue {
    JSON::parse(text).unwrap()
}

/// The mock's control API.
async fn control(method: &str, path: &str, body: Option<&str>) -> JsValue {
    let init = Object::new();
    Reflect::set(&init, &"method".into(), &method.into()).unwrap();
    if let Some(b) = body {
        Reflect::set(&init, &"body".into(), &b.into()).unwrap();
        Reflect::set(&init, &"headers".into(), &js(r#"{"content-type":"application/json"}"#)).unwrap();
    }
    let res = JsFuture::from(fetch_str(&format!("{MOCK}{path}"), &init)).await.unwrap();
    let text = JsFuture::from(res.unchecked_into::<web_sys::Response>().text().unwrap()).await.unwrap();
    js(&text.as_string().unwrap())
}

/// The requests the mock saw from `key`.
async fn requests(key: &str) -> Array {
    let q = js_sys::encode_uri_component(key);
    get(&control("GET", &format!("/__mock/requests?key={q}"), None).await, "requests").unchecked_into()
}

/// A client on the mock with `key` and these extra options (a JS object literal's JSON).
fn client(key: &str, extra: &str) -> Client {
    let options = js(&format!(r#"{{"apiKey":"{key}","baseUrl":"{MOCK}","retryBaseDelayMs":20{extra}}}"#));
    Client::new(options, false).unwrap_or_else(|e| panic!("options refused: {:?}", get(&e, "message")))
}

fn with(options: &str, key: &str, value: &JsValue) -> JsValue {
    let o = js(options);
    Reflect::set(&o, &key.into(), value).unwrap();
    o
}

async fn settle(p: Promise) -> Result<JsValue, JsValue> {
    JsFuture::from(p).await
}

#[wasm_bindgen_test]
async fn a_request_is_sent_by_fetch_and_resolves_with_the_decoded_result() {
    let key = new_key();
    let balance = settle(client(&key, "").balance(JsValue::UNDEFINED)).await.unwrap();
    assert_eq!(get(&balance, "balance").as_f64(), Some(19.72));
    let seen = requests(&key).await;
    assert_eq!(seen.length(), 1);
    let r = seen.get(0);
    assert_eq!((get(&r, "method").as_string().unwrap(), get(&r, "path").as_string().unwrap()), ("GET".into(), "/api/v2/account/balance".into()));
    assert_eq!(get(&r, "headers.authorization").as_string(), Some(format!("Bearer {key}")));
}

#[wasm_bindgen_test]
async fn a_422_rejects_with_the_structured_error_made_in_rust() {
    let key = new_key();
    let e = settle(client(&key, "").submit("images.generate".into(), js(r#"{"prompt":"a fox","model":"Flux1schnell","width":100}"#), JsValue::UNDEFINED)).await.unwrap_err();
    assert!(e.is_instance_of::<js_sys::Error>(), "an Error");
    assert_eq!(get(&e, "name").as_string().as_deref(), Some("ValidationError"));
    assert_eq!(get(&e, "status").as_f64(), Some(422.0));
    let errors: Array = get(&e, "errors").unchecked_into();
    let fields: Vec<String> = errors.iter().map(|x| get(&x, "field").as_string().unwrap()).collect();
    assert!(fields.contains(&"width".to_owned()), "{fields:?}");
    assert!(get(&e, "message").as_string().unwrap().contains("width"));
    assert_eq!(get(&e, "attempts").as_f64(), Some(1.0));
}

#[wasm_bindgen_test]
async fn server_errors_are_retried_on_the_backoff_schedule() {
    let key = new_key();
    let faults = format!(r#"{{"key":"{key}","path":"/account/balance","responses":[{{"status":503}},{{"status":500}}]}}"#);
    control("POST", "/__mock/faults", Some(&faults)).await;
    let retries = Array::new();
    let on_retry = Function::new_with_args("ev", "this.push([ev.attempt, ev.delayMs, ev.reason, ev.error.status]);").bind0(&retries);
    let options = with(&format!(r#"{{"apiKey":"{key}","baseUrl":"{MOCK}","retryBaseDelayMs":20}}"#), "onRetry", &on_retry);
    let c = Client::new(options, false).unwrap();
    let started = js_sys::Date::now();
    let balance = settle(c.balance(JsValue::UNDEFINED)).await.unwrap();
    assert_eq!(get(&balance, "balance").as_f64(), Some(19.72));
    assert_eq!(JSON::stringify(&retries).unwrap(), r#"[[1,20,"server_error",503],[2,40,"server_error",500]]"#);
    assert!(js_sys::Date::now() - started >= 55.0, "slept 20 + 40 ms between the attempts");
    assert_eq!(requests(&key).await.length(), 3);
}

#[wasm_bindgen_test]
async fn a_timeout_aborts_the_attempt_and_rejects_with_request_timeout() {
    let key = new_key();
    let faults = format!(r#"{{"key":"{key}","responses":[{{"preset":"hang"}}]}}"#);
    control("POST", "/__mock/faults", Some(&faults)).await;
    let e = settle(client(&key, r#","maxRetries":0"#).balance(js(r#"{"timeoutMs":150}"#))).await.unwrap_err();
    assert_eq!(get(&e, "name").as_string().as_deref(), Some("RequestTimeoutError"));
    assert_eq!(get(&e, "message").as_string().as_deref(), Some("deAPI did not answer within 150 ms (timeoutMs)"));
}

#[wasm_bindgen_test]
async fn the_callers_signal_aborts_a_request_in_flight() {
    let key = new_key();
    let faults = format!(r#"{{"key":"{key}","responses":[{{"preset":"hang"}}]}}"#);
    control("POST", "/__mock/faults", Some(&faults)).await;
    let controller = web_sys::AbortController::new().unwrap();
    let pending = client(&key, "").balance(with("{}", "signal", &controller.signal()));
    gloo_timers::future::TimeoutFuture::new(50).await;
    controller.abort_with_reason(&"user left".into());
    let e = settle(pending).await.unwrap_err();
    assert_eq!(get(&e, "name").as_string().as_deref(), Some("AbortError"));
    assert_eq!(get(&e, "cause").as_string().as_deref(), Some("user left"));
    assert_eq!(get(&e, "attempts").as_f64(), Some(1.0));
}

#[wasm_bindgen_test]
async fn an_abort_during_the_backoff_ends_the_sleep_at_once() {
    let key = new_key();
    let faults = format!(r#"{{"key":"{key}","responses":[{{"status":503}}]}}"#);
    control("POST", "/__mock/faults", Some(&faults)).await;
    let controller = web_sys::AbortController::new().unwrap();
    let options = js(&format!(r#"{{"apiKey":"{key}","baseUrl":"{MOCK}","retryBaseDelayMs":60000}}"#));
    let c = Client::new(options, false).unwrap();
    let pending = c.balance(with("{}", "signal", &controller.signal()));
    gloo_timers::future::TimeoutFuture::new(200).await;
    let started = js_sys::Date::now();
    controller.abort();
    let e = settle(pending).await.unwrap_err();
    assert_eq!(get(&e, "code").as_string().as_deref(), Some("aborted"));
    assert!(js_sys::Date::now() - started < 30_000.0, "did not sleep out the 60 s backoff");
}

#[wasm_bindgen_test]
async fn an_upload_goes_as_form_data_with_its_file_name_and_type() {
    let key = new_key();
    let png = [0x89u8, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 13, b'I', b'H', b'D', b'R'];
    let params = with(r#"{"model":"RealESRGAN_x4"}"#, "image", &Uint8Array::from(&png[..]));
    let id = settle(client(&key, "").submit("images.upscale".into(), params, JsValue::UNDEFINED)).await.unwrap();
    assert!(id.as_string().is_some_and(|s| !s.is_empty()), "a job id");
    let seen = requests(&key).await;
    let parts: Array = get(&seen.get(0), "parts").unchecked_into();
    let image = parts.iter().find(|p| get(p, "name").as_string().as_deref() == Some("image")).expect("an image part");
    assert_eq!(get(&image, "filename").as_string().as_deref(), Some("image.png"));
    assert_eq!(get(&image, "contentType").as_string().as_deref(), Some("image/png"));
    assert_eq!(get(&image, "size").as_f64(), Some(png.len() as f64));
}

#[wasm_bindgen_test]
async fn a_job_is_waited_for_until_done() {
    let key = new_key();
    let c = client(&key, "");
    let id = settle(c.submit("images.generate".into(), js(r#"{"prompt":"a fox","model":"Flux1schnell","width":512,"height":512,"guidance":3.5,"steps":4,"seed":1}"#), JsValue::UNDEFINED)).await.unwrap();
    let progress = Array::new();
    let on_progress = Function::new_with_args("s", "this.push(s.status);").bind0(&progress);
    let opts = with(r#"{"pollIntervalMs":10}"#, "onProgress", &on_progress);
    let done = settle(c.job_wait(id, opts)).await.unwrap();
    assert_eq!(get(&done, "status").as_string().as_deref(), Some("done"));
    assert!(get(&done, "result_url").as_string().is_some());
    let seen: Vec<String> = progress.iter().map(|s| s.as_string().unwrap()).collect();
    assert_eq!(seen.last().map(String::as_str), Some("done"));
    assert!(seen.len() >= 3, "{seen:?}");
}

#[wasm_bindgen_test]
async fn waits_share_one_poller_when_scheduled() {
    let key = new_key();
    let c = client(&key, r#","maxConcurrency":4"#);
    let body = js(r#"{"prompt":"a fox","model":"Flux1schnell","width":512,"height":512,"guidance":3.5,"steps":4,"seed":1}"#);
    let a = settle(c.submit("images.generate".into(), body.clone(), JsValue::UNDEFINED)).await.unwrap();
    let b = settle(c.submit("images.generate".into(), body, JsValue::UNDEFINED)).await.unwrap();
    let opts = js(r#"{"pollIntervalMs":10}"#);
    let both = Promise::all(&Array::of2(&c.job_wait(a, opts.clone()).into(), &c.job_wait(b, opts).into()));
    let done: Array = settle(both).await.unwrap().unchecked_into();
    assert!(done.iter().all(|d| get(&d, "status").as_string().as_deref() == Some("done")));
}

#[wasm_bindgen_test]
fn bad_options_throw_invalid_options_without_echoing_the_key() {
    let e = Client::new(js(r#"{"apiKey":"1|abcdefgh","maxRetries":-1}"#), false).err().unwrap();
    assert_eq!(get(&e, "name").as_string().as_deref(), Some("InvalidOptionsError"));
    assert!(get(&e, "message").as_string().unwrap().contains("`maxRetries`"));
    let e = Client::new(js(r#"{"apiKey":"1|abcdefgh"}"#), true).err().unwrap();
    let message = get(&e, "message").as_string().unwrap();
    assert!(message.contains("dangerouslyAllowBrowser") && !message.contains("abcdefgh"), "{message}");
}

#[wasm_bindgen_test]
fn values_cross_the_boundary_and_back_exactly() {
    let text = r#"{"b":1,"a":[true,null,"x",2.5,"é🦊\n\"q\"",-0,1e300,5e-324],"c":{"d":"e"}}"#;
    let j = convert::data(&js(text)).unwrap();
    let Json::Obj(pairs) = &j else { panic!("not an object") };
    assert_eq!(pairs.iter().map(|(k, _)| k.as_str()).collect::<Vec<_>>(), ["b", "a", "c"]);
    assert_eq!(JSON::stringify(&to_js(&j)).unwrap(), JSON::stringify(&js(text)).unwrap());
    assert_eq!(parse_json(text), Some(j));
    // -0 keeps its sign
    let zero = to_js(&Json::Num(-0.0)).as_f64().unwrap();
    assert!(zero == 0.0 && zero.is_sign_negative());
}

#[wasm_bindgen_test]
fn a_cycle_or_a_function_in_params_is_not_data() {
    let cyclic = js(r#"{"prompt":"a"}"#);
    Reflect::set(&cyclic, &"self".into(), &cyclic).unwrap();
    assert!(convert::data(&cyclic).is_err());
    let with_fn = with("{}", "f", &Function::new_no_args("return 1"));
    assert!(convert::data(&with_fn).is_err());
    // a Date goes as its toJSON() text
    assert_eq!(convert::data(&js_sys::Date::new(&0.0.into()).into()).unwrap(), Json::str("1970-01-01T00:00:00.000Z"));
}
