//! deapi-wasm: a client for the deAPI inference API — a Rust core compiled to WebAssembly, with
//! promise-based functions for JavaScript that reject with structured error objects.
//!
//! Two rooms; read them in this order:
//! - [`core`](mod@core): pure logic, no JS — options, the operation table, request building, retry
//!   and rate-limit rules, the error and envelope decoders, job polling, validation, webhook
//!   verification, and one client's decisions ([`core::session`]). Tested natively with `cargo test`.
//! - [`wasm`]: the binding, the only code that touches JS values. `wasm::client` exports the
//!   `Client` (a `Promise` out of every method, state behind `Rc`); `wasm::transport` is **where the
//!   request is sent** (the global `fetch` through wasm-bindgen, `AbortController`, the per-attempt
//!   timeout, the retry loop, hooks); `wasm::jobs` polls; `wasm::time` sleeps on gloo-timers;
//!   `wasm::convert` crosses values with serde-wasm-bindgen; `wasm::errors` constructs the JS errors.
//!
//! `core` never imports `wasm`. [`panic`](mod@panic): a panic writes one readable `console.error`
//! line before the trap. The JS beside the crate (`js/facade.js`) holds the error classes, their form
//! adapters, the namespaces and `Job` — no engine.
// Tests may panic, and may use what the size rules keep out of the module (clippy.toml's disallowed-*).
#![cfg_attr(test, allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing))]
#![cfg_attr(test, allow(clippy::disallowed_methods, clippy::disallowed_macros, clippy::disallowed_types))]

pub mod core;
pub mod panic;
pub mod wasm;

/// The module's allocator: talc, which grows the wasm memory as needed like the default dlmalloc
/// but is smaller (see Cargo.toml). The leak check (tests/leak) runs against it.
#[cfg(all(target_arch = "wasm32", not(target_feature = "atomics")))]
#[global_allocator]
static ALLOC: talc::wasm::WasmDynamicTalc = talc::wasm::new_wasm_dynamic_allocator();
