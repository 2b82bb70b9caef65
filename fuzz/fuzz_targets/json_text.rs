//! Bytes as JSON text: the reader against Node's `JSON.parse` and the writer's round trip, then the
//! text as headers, as a signed webhook payload and into every decoder (`props::checks::check_json_text`).
#![no_main]
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]
#[path = "../../tests/props/mod.rs"]
mod props;

use deapi_wasm::core::api::OPS;
use libfuzzer_sys::fuzz_target;
use props::checks::{check_json_text, JsonTextCase};

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data).into_owned();
    let op = OPS[data.len() % OPS.len()].name;
    let status = [200, 400, 401, 422, 429, 500][data.len() % 6];
    check_json_text(&JsonTextCase { text: props::Txt(text), status, op, now: 1.786e12 });
});
