//! deapi-wasm: a client for the deAPI inference API, compiled to WebAssembly for JavaScript.
//!
//! The data path reads top to bottom. Pure modules (no JS) are tested natively with `cargo test`:
//! - [`config`]   client options, validated
//! - [`api`]      the operations as data: one row per operation, paths for v2 and v1
//! - [`request`]  URL, headers and body of a request
//! - [`retry`]    which outcomes are retried and after what delay
//! - [`ratelimit`] quota per bucket from the `X-RateLimit-*` headers, reset times
//! - [`error`]    errors as data; the decoder of HTTP error responses
//! - [`decode`]   success envelopes (submit, price, balance, models)
//! - [`jobs`]     job status, terminal states, polling schedule
//! - [`validate`] client-side checks with the server's messages
//! - [`json`]     the JSON value the pure modules work on (read and written with serde_json)
//! - [`webhook`]  webhook signatures: HMAC-SHA256, constant time, freshness (+ its `verifyWebhook` binding)
//!
//! [`js`] reads the facade's wire (JSON text with markers for uploads, functions and signals) and
//! writes JSON text; [`client`] is the surface the JS facade (`js/facade.js`) wraps, exported by
//! `abi` as a plain C ABI in the shipped (no std) build and by `#[wasm_bindgen]` in the test builds.
//! Only text, bytes and numbers cross (no JS value, no exception): the module imports just
//! `Date.now` and `console.error`. It is sans-I/O: synchronous decisions (plan a request, decide on
//! its response or failure, gate it, schedule the next poll); the facade runs the requests (Node:
//! `node:http`; elsewhere `fetch`), timers and hooks, so no future or closure lives in the module;
//! [`panic`](mod@panic): a panic writes one readable `console.error` line before the trap.
#![cfg_attr(test, allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing))]

pub mod api;
pub mod config;
pub mod decode;
pub mod error;
pub mod jobs;
pub mod json;
pub mod request;
pub mod ratelimit;
pub mod retry;
pub mod validate;
pub mod webhook;

pub mod panic;
pub mod session;
pub mod wasm;

/// The module's allocator: talc, which grows the wasm memory as needed like the default dlmalloc
/// but is smaller (see Cargo.toml). The leak check (tests/leak) runs against it.
#[cfg(all(target_arch = "wasm32", not(target_feature = "atomics")))]
#[global_allocator]
static ALLOC: talc::wasm::WasmDynamicTalc = talc::wasm::new_wasm_dynamic_allocator();
