//! Realtime job events (pure): deAPI's WebSocket, the Pusher protocol (version 7) on soketi
//! (`/work/shared/realtime.md`). Everything the binding needs to decide, with no socket, timer or
//! JS value in it:
//! - [`parse`]: the `realtime` client options (`clientId`, `url`, `authEndpoint`,
//!   `reconcileIntervalMs`, `relay`, `WebSocket`) → [`RealtimeConfig`];
//! - [`socket_url`] and [`channel`]: where to connect, what to subscribe to;
//! - [`decode_frame`]: one text frame from the server → a [`Frame`] (hostile input is
//!   [`Frame::Other`], never a panic);
//! - [`JobEvent::to_status`]: a `request.status.updated` event → the `JobStatus` `onProgress` gets;
//! - [`subscribe_frame`], [`PING_FRAME`], [`PONG_FRAME`], [`auth_body`], [`decode_auth`]: what the
//!   client sends, and the auth endpoint's answer;
//! - the connection policy: [`ping_after_ms`], [`pong_deadline_ms`], [`after_close`],
//!   [`backoff_ms`] (the random source is a parameter), and [`EarlyEvents`], the bounded buffer of
//!   events that arrive before their submission's response;
//! - [`Link`]: all of it as one state machine — the binding feeds it what happened ([`Input`]) and
//!   carries out what it returns ([`Action`]: connect, send, authorise, timers, events, state).
//!
//! Decisions (each tested beside its code, in the parts below):
//! - `clientId`: a string of 1–64 ASCII letters, digits, `_` or `-` (trimmed), or a non-negative
//!   integer (written in decimal). deAPI's are numeric account ids from the dashboard; nothing else
//!   fits in a Pusher channel name safely. Absent (or `null`) with no `relay`: realtime stays off
//!   and waits poll — as deAPI's own tester does — so `clientId: process.env.X` with X unset is not
//!   an error; an empty string or another type is.
//! - `url`: `ws://` or `wss://`, a host (with an optional port) and the path `/app/<key>`, nothing
//!   else (no query, fragment, credentials or other path). `ws://` (clear text: the events carry
//!   signed result URLs) only for a loopback host or with `allowInsecureHttp: true`.
//! - `authEndpoint`: the origin of `baseUrl` + `/broadcasting/auth` by default (deAPI's auth route
//!   lives at the API root, not under `/api/v2`); without a key (keyless proxy mode) `baseUrl` +
//!   `/broadcasting/auth`, the route `createProxy` serves under its prefix. Given: an absolute `http(s)` URL, or in a browser a path starting with `/`; no
//!   credentials; `http://` with a key only for loopback or with `allowInsecureHttp: true` (the
//!   Bearer key goes there).
//! - `reconcileIntervalMs`: 10 000 by default, from 100 to 3 600 000.
//! - `relay`: a URL template holding `{requestId}` (an absolute `http(s)` URL or a path) or a
//!   function; with it, realtime is on without a `clientId` (a keyless browser reads its own job's
//!   stream). `WebSocket`: a function (the constructor) only; the binding keeps both functions.
//! - Frames over [`MAX_FRAME_BYTES`], not JSON, without an `event`, with an unknown event, for
//!   another channel, or with a payload of the wrong shape are [`Frame::Other`] with the reason:
//!   the binding ignores them (they still prove the socket alive). `data` may be a JSON string
//!   (double-encoded, as soketi relays deAPI's events) or an object.
//! - A status event as a `JobStatus`: `in_progress` is `processing`, other words as sent;
//!   `progress` a number clamped to 0–100 (null when it is no number); `preview` kept only as a
//!   `data:image/` URI or an http(s) URL, `result_url` only as an http(s) URL; `request_id` as
//!   `session::request_id` accepts ids (else the event is malformed).
//! - Closes: 4000–4099 never reconnect (unavailable, waits poll); 4200–4299 at once on the first
//!   attempt, then with backoff; everything else (4100–4199, 1000–3999 with 1006, unknown codes)
//!   after a backoff of 1 s doubling to 20 s, times 1–1.5 for jitter. A missing pong counts as
//!   4201. An auth answer of 401/403 (or any 4xx but 408/429, or one that is no signature) and a
//!   `subscription_error` make realtime unavailable; a 5xx, 408, 429 or no answer back off and
//!   retry. Unavailable stays so for the client (a misconfiguration does not heal by retrying).
//! - [`parse`] is called by `config::parse_options` in every build (the `realtime-relay` cargo
//!   feature); the socket that [`Link`] drives is the `realtime` feature's (servers, and the
//!   `deapi-wasm/realtime` browser module; see Cargo.toml).

mod frames;
mod link;
mod options;
mod policy;

pub use frames::*;
pub use link::*;
pub use options::*;
pub use policy::*;

/// What the tests of every part share.
#[cfg(test)]
mod test_support {
    pub use super::*;
    pub use crate::core::config::{Runtime, MAX_TIMER_MS};
    pub use crate::core::error::{ApiError, Kind};
    pub use crate::core::json::Json;
    pub use crate::core::test_util::j;


    pub fn cx() -> Context<'static> {
        Context { base_url: "https://api.deapi.ai", runtime: Runtime::Server, has_key: true, allow_insecure: false }
    }
    pub fn rt(text: &str) -> Result<Option<RealtimeConfig>, ApiError> {
        parse(&j(text), &[], cx())
    }
    pub fn err(text: &str) -> String {
        let e = rt(text).unwrap_err();
        assert_eq!(e.kind, Kind::InvalidOptions);
        e.message.clone()
    }

    pub const CH: &str = "private-client.42";
}
