//! wasm-bindgen tests of the JS boundary: value conversion, the error objects, and the transport's
//! retry loop, timeout and abort through an injected `fetch` (no server needed). The same tests
//! run in Node (`cargo test --target wasm32-unknown-unknown`) and in headless Chromium
//! (`WASM_BINDGEN_USE_BROWSER=1`).
#![cfg(target_arch = "wasm32")]
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

use deapi_wasm::api::Endpoint;
use deapi_wasm::client::Core;
use deapi_wasm::config::{parse_options, Runtime};
use deapi_wasm::error::{ApiError, Kind};
use deapi_wasm::js::{error_to_js, get, to_js, to_json};
use deapi_wasm::json::{Json, MAX_DEPTH};
use deapi_wasm::request::build;
use deapi_wasm::transport::{sleep, CallCtx, Hooks, Transport};
use js_sys::{Array, Function, Promise, Reflect, JSON};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;
use wasm_bindgen_test::*;

fn js(text: &str) -> JsValue {
    JSON::parse(text).unwrap()
}

/// A fetch that answers from a script: each entry is `[status, body]` or `"hang"`; it records
/// every call in `calls`.
fn scripted_fetch(script: &str) -> (Function, Array) {
    let calls = Array::new();
    let f = Function::new_with_args(
        "script, calls",
        "return (url, init) => { calls.push({ url, init }); const s = script.shift();
           if (s === 'hang') return new Promise((_, reject) => init.signal.addEventListener('abort', () => reject(init.signal.reason)));
           return Promise.resolve(new Response(s[1], { status: s[0], headers: s[2] || {} })); }",
    );
    let fetch = f.call2(&JsValue::UNDEFINED, &js(script), &calls).unwrap();
    (fetch.unchecked_into(), calls)
}

fn transport(fetch: Function, extra: &str) -> Transport {
    let opts = format!(r#"{{"apiKey":"1|wasmtestkey","baseUrl":"https://api.test","retryBaseDelayMs":1{extra}}}"#);
    let cfg = parse_options(&to_json(&js(&opts)).unwrap(), &[], Runtime::Server).unwrap();
    Transport { cfg, fetch: Some(fetch), hooks: Hooks::default(), models: Default::default(), quotas: Default::default(), scheduler: None, waiting: Default::default() }
}

fn ctx() -> CallCtx {
    CallCtx { signal: None, timeout_ms: 5_000.0 }
}

#[wasm_bindgen_test]
fn json_round_trip_keeps_order_and_types() {
    let v = js(r#"{"b":1,"a":[true,null,"x",2.5],"c":{"d":"e"}}"#);
    let j = to_json(&v).unwrap();
    let Json::Obj(pairs) = &j else { panic!("not an object") };
    assert_eq!(pairs.iter().map(|(k, _)| k.as_str()).collect::<Vec<_>>(), ["b", "a", "c"]);
    let back = JSON::stringify(&to_js(&j)).unwrap();
    assert_eq!(back, r#"{"b":1,"a":[true,null,"x",2.5],"c":{"d":"e"}}"#);
    // undefined is null; functions are refused
    assert_eq!(to_json(&JsValue::UNDEFINED).unwrap(), Json::Null);
    assert!(to_json(&Function::new_no_args("")).is_err());
}

#[wasm_bindgen_test]
fn deep_js_values_are_cut() {
    let text = "[".repeat(200) + &"]".repeat(200);
    assert_eq!(to_json(&js(&text)).unwrap().depth(), MAX_DEPTH + 1);
}

#[wasm_bindgen_test]
fn errors_become_js_errors_with_every_property() {
    let mut e = ApiError::new(Kind::Validation, "The width field must be at least 256.");
    e.status = Some(422);
    e.errors = vec![deapi_wasm::error::FieldError { field: "width".into(), message: "The width field must be at least 256.".into() }];
    let v = error_to_js(&e, None, None);
    assert!(v.is_instance_of::<js_sys::Error>());
    assert_eq!(get(&v, "name").as_string().unwrap(), "ValidationError");
    assert_eq!(get(&v, "code").as_string().unwrap(), "validation");
    assert_eq!(get(&v, "status").as_f64(), Some(422.0));
    assert_eq!(JSON::stringify(&get(&v, "fieldErrors")).unwrap(), r#"{"width":["The width field must be at least 256."]}"#);
    assert_eq!(JSON::stringify(&get(&v, "errors")).unwrap(), r#"[{"field":"width","message":"The width field must be at least 256."}]"#);
}

#[wasm_bindgen_test]
fn bad_options_throw_invalid_options() {
    let err = Core::new(js(r#"{"apiKey":"1|abcdef","maxRetries":-1}"#)).err().unwrap();
    assert_eq!(get(&err, "name").as_string().unwrap(), "InvalidOptionsError");
    assert!(get(&err, "message").as_string().unwrap().contains("`maxRetries`"));
}

#[wasm_bindgen_test]
async fn retries_server_errors_then_succeeds() {
    let (fetch, calls) = scripted_fetch(
        r#"[[500,"{\"message\":\"Server Error\"}"],[502,"<html>bad gateway</html>",{"content-type":"text/html"}],[503,""],[200,"{\"data\":{\"balance\":5}}"]]"#,
    );
    let t = transport(fetch, "");
    let req = build(&t.cfg, &Endpoint::Balance, None, &[]).unwrap();
    let reply = t.send(&req, &[], &ctx()).await.ok().unwrap();
    assert_eq!(reply.status, 200);
    assert_eq!(reply.body.get("data").unwrap().get("balance"), Some(&Json::Num(5.0)));
    assert_eq!(calls.length(), 4);
    let init = get(&calls.get(0), "init");
    let headers = get(&init, "headers");
    assert_eq!(get(&headers, "Authorization").as_string().unwrap(), "Bearer 1|wasmtestkey");
    assert_eq!(get(&headers, "Accept").as_string().unwrap(), "application/json");
    assert_eq!(get(&calls.get(0), "url").as_string().unwrap(), "https://api.test/api/v2/account/balance");
}

#[wasm_bindgen_test]
async fn gives_up_after_max_retries_with_the_last_error() {
    let (fetch, calls) = scripted_fetch(r#"[[500,"{}"],[500,"{}"],[500,"{}"],[500,"{\"message\":\"last\"}"]]"#);
    let t = transport(fetch, "");
    let req = build(&t.cfg, &Endpoint::Balance, None, &[]).unwrap();
    let f = t.send(&req, &[], &ctx()).await.err().unwrap();
    assert_eq!((f.err.kind, f.err.status, f.err.attempts, f.err.message.as_str()), (Kind::Server, Some(500), 4, "last"));
    assert_eq!(calls.length(), 4);
}

#[wasm_bindgen_test]
async fn json_body_is_sent_for_posts() {
    let (fetch, calls) = scripted_fetch(r#"[[200,"{\"data\":{\"request_id\":\"r1\"}}"]]"#);
    let t = transport(fetch, "");
    let op = deapi_wasm::api::find_op("images.generate").unwrap();
    let params = to_json(&js(r#"{"prompt":"fox","width":512,"negative_prompt":null}"#)).unwrap();
    let req = build(&t.cfg, &Endpoint::Submit(op), Some(&params), &[]).unwrap();
    t.send(&req, &[], &ctx()).await.ok().unwrap();
    let init = get(&calls.get(0), "init");
    assert_eq!(get(&init, "method").as_string().unwrap(), "POST");
    assert_eq!(get(&init, "body").as_string().unwrap(), r#"{"prompt":"fox","width":512}"#);
}

#[wasm_bindgen_test]
async fn a_hang_times_out_per_attempt() {
    let (fetch, calls) = scripted_fetch(r#"["hang","hang"]"#);
    let t = transport(fetch, r#","maxRetries":1"#);
    let req = build(&t.cfg, &Endpoint::Balance, None, &[]).unwrap();
    let f = t.send(&req, &[], &CallCtx { signal: None, timeout_ms: 20.0 }).await.err().unwrap();
    assert_eq!((f.err.kind, f.err.attempts), (Kind::Timeout, 2));
    assert_eq!(calls.length(), 2);
}

#[wasm_bindgen_test]
async fn the_callers_signal_aborts_a_request() {
    let (fetch, _calls) = scripted_fetch(r#"["hang"]"#);
    let t = transport(fetch, "");
    let req = build(&t.cfg, &Endpoint::Balance, None, &[]).unwrap();
    let controller = web_sys::AbortController::new().unwrap();
    let c2 = controller.clone();
    let abort_later = gloo_timers::callback::Timeout::new(10, move || c2.abort());
    let f = t.send(&req, &[], &CallCtx { signal: Some(controller.signal()), timeout_ms: 5_000.0 }).await.err().unwrap();
    drop(abort_later);
    assert_eq!((f.err.kind, f.err.attempts), (Kind::Aborted, 1));
}

#[wasm_bindgen_test]
async fn sleep_stops_early_on_abort() {
    let controller = web_sys::AbortController::new().unwrap();
    let c2 = controller.clone();
    let _t = gloo_timers::callback::Timeout::new(5, move || c2.abort_with_reason(&JsValue::from_str("stop")));
    let started = js_sys::Date::now();
    let r = sleep(60_000.0, Some(&controller.signal())).await;
    assert_eq!(r.err().and_then(|v| v.as_string()).as_deref(), Some("stop"));
    assert!(js_sys::Date::now() - started < 30_000.0);
    assert!(sleep(1.0, None).await.is_ok());
}

#[wasm_bindgen_test]
async fn core_rejects_with_error_objects() {
    let (fetch, _calls) = scripted_fetch(r#"[[401,"{\"message\":\"Unauthenticated.\"}"]]"#);
    let opts = js(r#"{"apiKey":"1|abcdef","baseUrl":"https://api.test","dangerouslyAllowBrowser":true}"#);
    Reflect::set(&opts, &"fetch".into(), &fetch).unwrap();
    let core = Core::new(opts).ok().unwrap();
    let p: Promise = core.balance(JsValue::UNDEFINED);
    let err = JsFuture::from(p).await.err().unwrap();
    assert_eq!(get(&err, "name").as_string().unwrap(), "AuthenticationError");
    assert_eq!(get(&err, "status").as_f64(), Some(401.0));
    assert_eq!(get(&err, "message").as_string().unwrap(), "Unauthenticated.");
}

#[wasm_bindgen_test]
fn numbers_survive_the_trip_to_js_exactly() {
    let nums = [
        0.0, -0.0, 1.0, -1.0, 0.1, 0.0123, 19.72, 45.5, 1e-7, 123_456.789, 1e21, -0.5, 5e-324, 1.797_693_134_862_315_7e308,
        0.300_000_000_000_000_04, 2048.0, 9_007_199_254_740_993.0, 1.0 / 3.0, 2.0f64.sqrt(), 1e-300,
    ];
    for n in nums {
        let v = to_js(&Json::Num(n));
        let back = v.as_f64().unwrap();
        assert!(back == n && back.is_sign_negative() == n.is_sign_negative(), "{n:e} came back as {back:e}");
    }
    assert!(to_js(&Json::Num(f64::NAN)).is_null());
}
