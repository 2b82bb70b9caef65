//! Not a test: a measurement (a cargo test target only to run in wasm; `bash scripts/bench.sh` runs
//! it and prints the figures; nothing is asserted). How should
//! the module read a JSON response body — as text with serde_json (what it does: `Response.text()`,
//! then `serde_json` into the core's value), or as `JSON.parse` in the runtime followed by
//! serde-wasm-bindgen? Both, on the bodies the SDK reads most (a job status, a 422 with 5 and 100
//! field errors, a models page), in Node:
//! `cargo test --release --target wasm32-unknown-unknown --test decode_bench -- --nocapture`.
#![cfg(target_arch = "wasm32")]
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]
#![allow(clippy::disallowed_methods, clippy::disallowed_macros, clippy::disallowed_types)] // the size rules (clippy.toml) are for the module

use deapi_wasm::core::json::{parse_json, Json};
use serde::Deserialize;
use wasm_bindgen::prelude::*;
use wasm_bindgen_test::*;

#[wasm_bindgen]
extern "C" {
    #[wasm_bindgen(js_namespace = console, js_name = log)]
    fn log(s: &str);
    #[wasm_bindgen(js_namespace = performance, js_name = now)]
    fn now() -> f64;
}

fn bodies() -> Vec<(&'static str, String)> {
    let status = r#"{"data":{"status":"processing","progress":"45.50","preview":"https:\/\/storage.deapi.ai\/p\/x.png","result_url":null,"results_alt_formats":null,"result":null,"price":null,"error_code":null,"error_message":null,"error_reason":null,"retryable":null,"refunded":null,"failed_at":null}}"#.to_owned();
    let fields = |n: usize| {
        let errors: Vec<String> = (0..n).map(|i| format!(r#""field_{i}":["The field {i} field is invalid."]"#)).collect();
        format!(r#"{{"message":"The field 0 field is invalid. (and {} more errors)","errors":{{{}}}}}"#, n - 1, errors.join(","))
    };
    let models = {
        let one = r#"{"name":"Flux.1 schnell","slug":"Flux1schnell","inference_types":["txt2img"],"info":{"limits":{"min_width":256,"max_width":2048,"min_height":256,"max_height":2048,"resolution_step":128,"min_steps":1,"max_steps":10}},"tags":[],"status":"active"}"#;
        format!(r#"{{"data":[{}],"links":{{}},"meta":{{"current_page":1,"last_page":2,"per_page":50,"total":60}}}}"#, vec![one; 50].join(","))
    };
    vec![("job status", status), ("422, 5 fields", fields(5)), ("422, 100 fields", fields(100)), ("models page (50)", models)]
}

#[wasm_bindgen_test]
fn text_with_serde_json_vs_json_parse_with_serde_wasm_bindgen() {
    for (name, text) in bodies() {
        let n = if text.len() > 10_000 { 300 } else { 3000 };
        let mut best = [f64::INFINITY; 2];
        for _ in 0..5 {
            let t0 = now();
            for _ in 0..n {
                std::hint::black_box(parse_json(std::hint::black_box(&text)));
            }
            best[0] = best[0].min((now() - t0) * 1000.0 / f64::from(n));
            let t0 = now();
            for _ in 0..n {
                let v = js_sys::JSON::parse(std::hint::black_box(&text)).unwrap();
                std::hint::black_box(Json::deserialize(serde_wasm_bindgen::Deserializer::from(v)).unwrap());
            }
            best[1] = best[1].min((now() - t0) * 1000.0 / f64::from(n));
        }
        log(&format!(
            "decode {name:<18} {:>6} bytes: text + serde_json {:>8.1} µs, JSON.parse + serde-wasm-bindgen {:>8.1} µs (ratio {:.2})",
            text.len(),
            best[0],
            best[1],
            best[1] / best[0]
        ));
    }
}
