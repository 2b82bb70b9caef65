//! The pure modules: no wasm-bindgen, web-sys or js-sys — tested natively with `cargo test` (and
//! fuzzed: `tests/fuzz.rs`). The data path reads top to bottom:
//! - [`config`]    client options, validated
//! - [`api`]       the operations as data: one table row per operation (v2 path, v1 path, body kind,
//!   file fields, price path, result kind, validation rules)
//! - [`request`]   URL, headers and the JSON or multipart body from user params
//! - [`retry`]     which outcomes retry, the delay schedule
//! - [`ratelimit`] quota per bucket from the `X-RateLimit-*` headers; the scheduler's rules
//! - `fleet`     one key's quota shared by many processes (`quotaStore`): the store's key names, the log's
//!   width, reports, answers, the breaker; `quota.lua`, the Redis store's script (servers only)
//! - [`error`]     errors as data; the decoder of HTTP error responses (every body variant)
//! - [`http_date`] `Retry-After`: delay-seconds or an HTTP-date, as seconds from now
//! - [`messages`]  Laravel's wording of a field in its messages (`The negative prompt field …`)
//! - [`decode`]    success envelopes (submit, price, balance, models)
//! - [`jobs`]      job status, terminal states, the polling schedule
//! - [`validate`]  client-side checks producing the same error as a server 422
//! - [`webhook`]   signature verification (HMAC-SHA256, constant time, freshness)
//! - `proxy`     `createProxy`'s decisions: which browser requests reach deAPI, and where (servers only)
//! - [`realtime`]  deAPI's WebSocket (Pusher protocol): the `realtime` options, frames in and out,
//!   the auth answer, ping/close-code/backoff policy, the buffer of early events
//! - `relay`     `deapi.realtime.relay`'s decisions: one job's progress as Server-Sent Events, the
//!   event names and framing, its options (servers only)
//! - [`json`]      the JSON value the modules work on (read and written through serde)
//! - [`text`]      text helpers every module shares (decimal, search, cut, digits, redaction)
//! - [`url`]       URL checks the options share (origin, loopback, what is wrong with a URL option)
//! - [`args`]      the JS arguments as the core sees them; the option keys each call accepts
//! - [`plan`]      planning a call: options, validation, the request and its body, the decoder
//! - [`session`]   one client's state and decisions (gate, verdicts), which the binding (`crate::wasm`) runs

pub mod api;
pub mod args;
pub mod config;
pub mod decode;
pub mod error;
pub mod http_date;
pub mod jobs;
pub mod json;
pub mod messages;
pub mod plan;
pub mod ratelimit;
pub mod realtime;
pub mod request;
pub mod retry;
pub mod session;
pub mod text;
pub mod url;
#[cfg(test)]
pub mod test_util;
pub mod validate;
#[cfg(feature = "fleet")]
pub mod fleet;
#[cfg(feature = "proxy")]
pub mod proxy;
#[cfg(feature = "relay")]
pub mod relay;
#[cfg(feature = "webhooks")]
pub mod webhook;
