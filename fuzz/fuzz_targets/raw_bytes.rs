//! Bytes as a response body into every decoder, validation and the request builder
//! (`props::checks::feed_decoders`); the first two bytes pick the HTTP status.
#![no_main]
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]
#[path = "../../tests/props/mod.rs"]
mod props;

use deapi_wasm::core::api::OPS;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let (status, body) = match data {
        [a, b, rest @ ..] => (u16::from_le_bytes([*a, *b]), rest),
        _ => (422, data),
    };
    props::checks::feed_decoders(&String::from_utf8_lossy(body), status, OPS[data.len() % OPS.len()].name);
});
