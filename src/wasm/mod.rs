//! The binding: the only code that touches JS values. Read in this order:
//! - [`client`]    the exported `Client`: options in, a `Promise` out of every method
//! - [`state`]     one client's state behind an `Rc`: session, hooks, scheduler turns, the poller
//! - [`transport`] where the request is sent: fetch, per-attempt timeout and abort, the response
//!   read up to its cap, the retry loop, the scheduler's gate, hooks
//! - [`body`]      a request's body: the JSON text, or a `FormData` with the uploads
//! - [`jobs`]      `wait()`: polling, and the shared poller of a scheduled client
//! - [`realtime`]  `deapi.realtime`: the WebSocket made and driven here, `core::realtime::Link`'s
//!   actions carried out (frames, the auth request through `transport`, timers, listeners)
//! - [`relay`]     `deapi.realtime.relay`: one job's events as a `text/event-stream` `Response`
//!   (a `ReadableStream` fed by `jobs::wait`; servers)
//! - [`eventsource`] a wait reading its job's relay stream (`realtime.relay`) in a browser
//! - [`time`]      gloo-timers sleeps raced against the caller's `AbortSignal`
//! - [`convert`]   params, options and results through serde-wasm-bindgen; uploads found with js-sys
//! - [`errors`]    `core` errors → the JS error objects (constructed here)
//! - `fleet`     `quotaStore`: the store asked before each rate-limited request and told what each
//!   response taught, with a timeout and a breaker; `RedisQuotaStore`, the Redis store (servers)
//! - [`webhook`]   `verifyWebhook(options)`
//! - [`proxy`]     `createProxy(options)`: forwards a browser's requests to deAPI with the key (servers)

pub mod body;
pub mod client;
pub mod convert;
pub mod errors;
#[cfg(feature = "realtime-relay")]
pub mod eventsource;
#[cfg(feature = "fleet")]
pub mod fleet;
pub mod jobs;
pub mod state;
pub mod time;
pub mod transport;
pub mod proxy;
pub mod realtime;
pub mod relay;
pub mod webhook;
