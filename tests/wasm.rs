//! wasm-bindgen tests of the JS boundary: value conversion, and the sans-I/O core as the facade
//! drives it — plans, verdicts on responses and failures, the scheduler's gate, the wait schedule —
//! with real JS values (uploads, AbortSignal-free; the I/O itself is the facade's, tested over the
//! built package in tests/js and tests/reliability). The same tests run in Node (`cargo test
//! --target wasm32-unknown-unknown`), in headless Chromium (`WASM_BINDGEN_USE_BROWSER=1`) and in a
//! dedicated worker.
#![cfg(target_arch = "wasm32")]
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]

use deapi_wasm::client::{error_text, file_type, tables, Core};
use deapi_wasm::error::{ApiError, FieldError, Kind};
use deapi_wasm::js::{from_wire, write_json};
use deapi_wasm::json::{Json, MAX_DEPTH};
use js_sys::{Reflect, JSON};
use wasm_bindgen::prelude::*;
use wasm_bindgen_test::*;

/// A value as JS receives the core's answers: written as JSON text, parsed by the runtime.
fn to_js(j: &Json) -> JsValue {
    let mut text = String::new();
    write_json(&mut text, j);
    JSON::parse(&text).unwrap_or(JsValue::NULL)
}

fn get(v: &JsValue, key: &str) -> JsValue {
    Reflect::get(v, &JsValue::from_str(key)).unwrap_or(JsValue::UNDEFINED)
}

/// A core answer (JSON text) as a JS value.
fn answer(text: &str) -> JsValue {
    JSON::parse(text).unwrap_or_else(|_| panic!("not JSON: {text}"))
}

fn s(v: &JsValue, path: &str) -> String {
    let mut v = v.clone();
    for k in path.split('.') {
        v = get(&v, k);
    }
    v.as_string().unwrap_or_else(|| format!("<{v:?}>"))
}

fn n(v: &JsValue, path: &str) -> f64 {
    let mut v = v.clone();
    for k in path.split('.') {
        v = get(&v, k);
    }
    v.as_f64().unwrap_or(f64::NAN)
}

fn core(extra: &str) -> Core {
    let c = Core::new(&format!(r#"{{"apiKey":"1|wasmtestkey123","baseUrl":"https://api.test","retryBaseDelayMs":1{extra}}}"#), false);
    assert_eq!(c.error(), "", "the options were accepted");
    c
}

const BALANCE: u32 = 4;
const D_BALANCE: u32 = 5;

#[wasm_bindgen_test]
fn wire_text_round_trips_through_the_runtime() {
    // what JSON.stringify gives → the core's Json → the core's JSON text → JSON.parse: same value
    let text = JSON::stringify(&JSON::parse(r#"{"b":1,"a":[true,null,"x",2.5,"é🦊\n\"q\""],"c":{"d":"e"}}"#).unwrap()).unwrap().as_string().unwrap();
    let (j, files) = from_wire(&text, false, false).unwrap();
    assert!(files.is_empty());
    let Json::Obj(pairs) = &j else { panic!("not an object") };
    assert_eq!(pairs.iter().map(|(k, _)| k.as_str()).collect::<Vec<_>>(), ["b", "a", "c"]);
    let mut out = String::new();
    write_json(&mut out, &j);
    assert_eq!(JSON::stringify(&JSON::parse(&out).unwrap()).unwrap().as_string().unwrap(), text);
    assert_eq!(JSON::stringify(&to_js(&j)).unwrap().as_string().unwrap(), text);
}

#[wasm_bindgen_test]
fn deep_wire_values_are_cut() {
    let text = "[".repeat(200) + &"]".repeat(200);
    assert_eq!(from_wire(&text, false, false).unwrap().0.depth(), MAX_DEPTH + 1);
}

#[wasm_bindgen_test]
fn error_props_carry_every_field_and_pairs() {
    let mut e = ApiError::new(Kind::Validation, "The width field must be at least 256.");
    e.status = Some(422);
    e.errors = vec![FieldError { field: "width".into(), message: "The width field must be at least 256.".into() }];
    let v = answer(&error_text(&e));
    assert_eq!(s(&v, "name"), "ValidationError");
    assert_eq!(s(&v, "code"), "validation");
    assert_eq!(n(&v, "status"), 422.0);
    assert_eq!(JSON::stringify(&get(&v, "pairs")).unwrap(), r#"[["width","The width field must be at least 256."]]"#);
}

#[wasm_bindgen_test]
fn bad_options_leave_an_inert_core_with_invalid_options_props() {
    let props = answer(&Core::new(r#"{"apiKey":"1|abcdef","maxRetries":-1}"#, false).error());
    assert_eq!(s(&props, "name"), "InvalidOptionsError");
    assert!(s(&props, "message").contains("`maxRetries`"));
    // a function where data is expected, and data where a function is expected
    let bad = r#"{"apiKey":"1|abcdef","onRetry":5}"#;
    let props = answer(&Core::new(bad, false).error());
    assert_eq!(s(&props, "message"), "Invalid option `onRetry`: must be a function");
    // a key in a page without dangerouslyAllowBrowser
    let props = answer(&Core::new(r#"{"apiKey":"1|abcdef"}"#, true).error());
    assert!(s(&props, "message").contains("dangerouslyAllowBrowser"));
    assert!(!s(&props, "message").contains("abcdef"), "the key is not echoed");
}

#[wasm_bindgen_test]
fn a_plan_has_the_request_and_what_decides_it() {
    let c = core("");
    let p = answer(&c.plan(BALANCE, "", "null", r#"{"timeoutMs":1234,"withResponse":true}"#, 0.0));
    assert_eq!(s(&p, "m"), "GET");
    assert_eq!(s(&p, "u"), "https://api.test/api/v2/account/balance");
    assert_eq!(s(&p, "h.Authorization"), "Bearer 1|wasmtestkey123");
    assert_eq!(s(&p, "h.Accept"), "application/json");
    assert!(get(&p, "rh").is_undefined(), "redacted headers only with an onRequest hook");
    assert_eq!((n(&p, "t"), n(&p, "d")), (1234.0, f64::from(D_BALANCE)));
    assert_eq!(get(&p, "w"), JsValue::TRUE);
    assert_eq!(s(&p, "k"), "balance");
    // unknown call options are refused, naming the accepted ones
    let e = answer(&c.plan(BALANCE, "", "null", r#"{"tiemoutMs":5}"#, 0.0));
    assert!(s(&e, "e.message").contains("`tiemoutMs`: unknown call option (accepted: signal, timeoutMs, withResponse)"));
}

#[wasm_bindgen_test]
fn posts_carry_json_text_and_uploads_become_parts() {
    let c = core("");
    let p = answer(&c.plan(0, "images.generate", r#"{"prompt":"fox","width":512,"negative_prompt":null}"#, "null", 0.0));
    assert_eq!(s(&p, "m"), "POST");
    assert_eq!(s(&p, "b"), r#"{"prompt":"fox","width":512}"#);
    assert_eq!(s(&p, "h.Content-Type"), "application/json");
    assert_eq!(get(&p, "s"), JsValue::TRUE);
    // a PNG as bytes (the facade's description of it): multipart, the type sniffed, a file name made
    let params = r#"{"prompt":"fox","steps":4,"image":{"\u0000":"file","w":0,"b":1,"size":10,"given":null,"own":null,"name":null,"head":[137,80,78,71,13,10,26,10,0,0]}}"#;
    let p = answer(&c.plan(0, "images.edit", params, "null", 0.0));
    assert!(get(&p, "b").is_undefined());
    assert_eq!(JSON::stringify(&get(&p, "p")).unwrap(), r#"[["prompt","fox"],["steps",4],["image",{"f":0,"w":0,"t":"image/png","n":"image.png","o":0}]]"#);
    // an upload where none may be, a function in params, text that is not JSON: refused
    for bad in [r#"{"prompt":{"\u0000":"x","t":"function"}}"#, "{not json"] {
        let e = answer(&c.plan(0, "images.generate", bad, "null", 0.0));
        assert_eq!(s(&e, "e.name"), "InvalidOptionsError", "{bad}");
        assert!(s(&e, "e.message").contains("`params`"));
    }
}

#[wasm_bindgen_test]
fn verdicts_retry_server_errors_then_give_up_with_the_last() {
    let c = core("");
    for attempt in 1..=3 {
        let v = answer(&c.decide(D_BALANCE, false, "balance", false, "", attempt, 500, "", r#"{"message":"Server Error"}"#, false));
        assert_eq!(n(&v, "r"), f64::from(1u32 << (attempt - 1)), "attempt {attempt}");
        assert_eq!(s(&v, "why"), "server_error");
        assert_eq!(s(&v, "e.name"), "ServerError");
    }
    let v = answer(&c.decide(D_BALANCE, false, "balance", false, "", 4, 502, "text/html", "<html>bad gateway</html>", false));
    assert!(get(&v, "r").is_undefined());
    assert_eq!((s(&v, "e.name"), n(&v, "e.status"), n(&v, "e.attempts")), ("ServerError".into(), 502.0, 4.0));
    let ok = answer(&c.decide(D_BALANCE, false, "balance", false, "", 1, 200, "", r#"{"data":{"balance":5}}"#, false));
    assert_eq!((n(&ok, "ok.balance"), n(&ok, "st")), (5.0, 200.0));
    assert!(get(&ok, "rl").is_null());
}

#[wasm_bindgen_test]
fn rate_limit_headers_are_read_in_order_and_recorded() {
    let c = core("");
    let t = tables();
    let (ops, headers) = t.split_once('\n').unwrap();
    assert!(ops.split(',').any(|op| op == "images.generate"), "{ops}");
    let names: Vec<String> = headers.split(',').map(str::to_owned).collect();
    let value = |name: &str| match name {
        "x-ratelimit-limit" => "10",
        "x-ratelimit-remaining" => "7",
        "x-ratelimit-type" => "minute",
        _ => "",
    };
    let headers = names.iter().map(|h| value(h)).collect::<Vec<_>>().join("\n");
    let ok = answer(&c.decide(0, true, "images/generations", true, "", 1, 200, &headers, r#"{"data":{"request_id":"r1"}}"#, false));
    assert_eq!(s(&ok, "ok"), "r1");
    assert_eq!((n(&ok, "rl.limit"), n(&ok, "rl.remaining"), s(&ok, "rl.type")), (10.0, 7.0, "minute".into()));
    let all = answer(&c.rate_limits());
    assert_eq!(n(&all, "images/generations.remaining"), 7.0);
}

#[wasm_bindgen_test]
fn failures_name_the_fault_and_never_the_key() {
    let c = core(r#","maxRetries":1"#);
    let v = answer(&c.fail(D_BALANCE, false, "balance", false, "", 1, 0, 20.0, "", "", false));
    assert_eq!(s(&v, "why"), "timeout");
    let v = answer(&c.fail(D_BALANCE, false, "balance", false, "", 2, 0, 20.0, "", "", false));
    assert_eq!((s(&v, "e.name"), s(&v, "e.message")), ("RequestTimeoutError".into(), "deAPI did not answer within 20 ms (timeoutMs)".into()));
    let v = answer(&c.fail(D_BALANCE, false, "balance", false, "", 2, 1, 20.0, "fetch failed", "ECONNREFUSED", false));
    assert_eq!(s(&v, "e.message"), "Could not reach deAPI at https://api.test: fetch failed (ECONNREFUSED)");
    // a body that echoes the key (or its secret half) comes out without it
    let v = answer(&c.decide(D_BALANCE, false, "balance", false, "", 2, 400, "", r#"{"message":"bad key 1|wasmtestkey123","echo":"wasmtestkey123"}"#, false));
    let text = JSON::stringify(&v).unwrap().as_string().unwrap();
    assert!(!text.contains("wasmtestkey123"), "{text}");
    assert_eq!(s(&v, "e.body.echo"), "[REDACTED]");
}

#[wasm_bindgen_test]
fn the_scheduler_gate_caps_concurrency() {
    let open = core("");
    assert_eq!(open.gate("jobs", true, 0), r#"{"g":1}"#);
    let c = core(r#","maxConcurrency":1"#);
    assert_eq!(c.gate("balance", false, 0), r#"{"g":1}"#);
    assert_eq!(c.gate("balance", false, 0), r#"{"s":1}"#);
    c.release("balance", false);
    assert_eq!(c.gate("balance", false, 0), r#"{"g":1}"#);
}

#[wasm_bindgen_test]
fn the_wait_schedule_backs_off_and_ends() {
    let c = core("");
    let w = answer(&c.wait_plan(r#"" job-1 ""#, r#"{"pollIntervalMs":100,"maxPollIntervalMs":150}"#));
    assert_eq!((s(&w, "i"), n(&w, "pi"), n(&w, "mp"), n(&w, "mw")), ("job-1".into(), 100.0, 150.0, 600_000.0));
    let poll = |body: &str, polls: u32, waited: f64| answer(&c.decide_wait(3, false, "jobs", true, "job-1", 1, 200, "", body, false, polls, waited, 100.0, 150.0, 600_000.0));
    let running = r#"{"data":{"status":"processing","progress":"10"}}"#;
    let first = poll(running, 1, 0.0);
    assert_eq!((n(&first, "n"), n(&first, "ok.progress"), s(&first, "ok.request_id")), (100.0, 10.0, "job-1".into()));
    assert_eq!(n(&poll(running, 2, 100.0), "n"), 150.0);
    let done = poll(r#"{"data":{"status":"done","result_url":"u"}}"#, 3, 300.0);
    assert_eq!(s(&done, "ok.result_url"), "u");
    assert!(get(&done, "n").is_undefined() && get(&done, "we").is_undefined());
    let failed = poll(r#"{"data":{"status":"error","error_code":"oom"}}"#, 3, 300.0);
    assert_eq!((s(&failed, "we.name"), s(&failed, "we.requestId"), s(&failed, "ok.status")), ("JobFailedError".into(), "job-1".into(), "error".into()));
    let late = poll(running, 9, 700_000.0);
    assert_eq!(s(&late, "we.name"), "JobTimeoutError");
    // a bad id is refused before any request
    assert_eq!(s(&answer(&c.wait_plan("1", "null")), "e.name"), "InvalidOptionsError");
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

#[wasm_bindgen_test]
fn an_upload_without_a_type_is_sniffed_and_named() {
    let png = [0x89u8, b'P', b'N', b'G', 0x0d, 0x0a, 0x1a, 0x0a, 0, 0, 0, 0x0d];
    assert_eq!(file_type(&png, "", "image"), "image/png\nimage.png");
    assert_eq!(file_type(&[1, 2, 3], "", "video"), "application/octet-stream\nvideo.bin");
    // a known type is kept (no bytes needed), and names the file
    assert_eq!(file_type(&[], "audio/mpeg", "audio"), "audio/mpeg\naudio.mp3");
}
