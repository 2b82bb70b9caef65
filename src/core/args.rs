//! The JS arguments as the core sees them (pure: tested natively): a value ([`Arg`]), an options
//! argument ([`Opts`]), params with their uploads ([`Params`], [`Upload`]); the option keys each kind
//! of call accepts, and the job id argument. `crate::wasm::convert` makes these from JS values.

use crate::core::error::ApiError;
use crate::core::json::Json;

/// A value JS passed, as the core sees it: data (JSON), or a stand-in for what JSON cannot hold.
#[derive(Clone, Debug, PartialEq)]
pub enum Arg {
    Data(Json),
    /// A function (a hook, `fetch`, `onProgress`); the binding keeps it.
    Function,
    /// An `AbortSignal`; the binding keeps it.
    Signal,
    /// A symbol, a bigint, a function or upload where data belongs, a cycle.
    NotJson,
}

/// An options argument: absent (`undefined`/`null`), an object's top-level keys, or another type
/// (its name: `string`, `array`, `function`, …).
#[derive(Clone, Debug, PartialEq)]
pub enum Opts {
    Missing,
    Object(Vec<(String, Arg)>),
    Other(&'static str),
}

/// Params that are not JSON (a function, symbol or cycle in them).
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct NotJson;

/// One upload among the params, as the binding found it.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Upload {
    /// `{ data, filename?, name?, type? }`.
    pub wrapper: bool,
    /// Raw bytes (ArrayBuffer, typed array, DataView, Node Buffer) rather than a Blob or File.
    pub bytes: bool,
    pub size: Option<f64>,
    /// The wrapper's `type`.
    pub given_type: Option<String>,
    /// The Blob's own `type`.
    pub own_type: Option<String>,
    /// The wrapper's `filename` (or `name`), or the File's `name`.
    pub name: Option<String>,
    /// The first bytes of raw bytes (for sniffing the type).
    pub head: Vec<u8>,
}

/// Params: data with [`Json::File`] where an upload was (its description at that index).
pub type Params = Result<(Json, Vec<Upload>), NotJson>;

/// Per-call options: the data keys as [`Json`] (the signal and functions are the binding's),
/// checked against the keys this call accepts.
pub fn call_options(opts: &Opts, allowed: &[&str]) -> Result<Json, ApiError> {
    let pairs = match opts {
        Opts::Missing => return Ok(Json::Null),
        Opts::Other("AbortSignal") => return Err(ApiError::invalid_option("options", "got an AbortSignal where the options go: pass it as { signal } (e.g. job.wait({ signal }))")),
        Opts::Other(_) => return Err(ApiError::invalid_option("options", "the last argument must be an options object such as { signal, timeoutMs }")),
        Opts::Object(pairs) => pairs,
    };
    let mut data = Vec::new();
    for (k, v) in pairs {
        if !allowed.contains(&k.as_str()) {
            return Err(ApiError::invalid_option(k, &["unknown call option (accepted: ", &allowed.join(", "), ")"].concat()));
        }
        match (k.as_str(), v) {
            (_, Arg::Data(Json::Null)) => {}
            ("signal", Arg::Signal) | ("onProgress", Arg::Function) => {}
            ("signal", _) => return Err(ApiError::invalid_option("signal", "must be an AbortSignal (e.g. from new AbortController().signal)")),
            ("onProgress", _) => return Err(ApiError::invalid_option("onProgress", "must be a function")),
            (_, Arg::Data(j)) => data.push((k.clone(), j.clone())),
            (_, _) => return Err(ApiError::invalid_option(k, "must be a plain value")),
        }
    }
    Ok(Json::Obj(data))
}

pub const CALL_KEYS: &[&str] = &["signal", "timeoutMs", "maxRetries", "withResponse"];
/// Calls that make several requests (or none of their own) have no single response to show.
pub const PLAIN_KEYS: &[&str] = &["signal", "timeoutMs", "maxRetries"];
pub const WAIT_KEYS: &[&str] = &["signal", "timeoutMs", "maxRetries", "onProgress", "pollIntervalMs", "maxPollIntervalMs", "maxWaitMs", "realtime"];
pub const VALIDATE_KEYS: &[&str] = &["signal", "timeoutMs", "maxRetries", "model"];

/// Longest job id accepted (deAPI's are 36-character UUIDs).
pub const MAX_ID_LEN: usize = 128;

/// The job id argument, trimmed: a request id as deAPI makes them — UUIDs in practice; accepted are
/// 1 to [`MAX_ID_LEN`] ASCII letters, digits, `-` and `_`. Anything else is refused before a request:
/// `.` and `..` would be dot-segments of the status URL (`GET /api/v2/jobs/..` is `GET /api/v2/`
/// with the key), and a `/`, `?`, `%` or space is no id either. The message does not echo the value.
pub fn request_id(id: &Arg) -> Result<String, ApiError> {
    match id {
        Arg::Data(Json::Str(s)) if is_request_id(s.trim()) => Ok(s.trim().to_owned()),
        _ => Err(ApiError::invalid_option(
            "requestId",
            "must be the request id a submit call returned (1–128 ASCII letters, digits, - or _)",
        )),
    }
}

/// A request id as [`request_id`] accepts it (also the job-status paths `createProxy` forwards).
pub fn is_request_id(s: &str) -> bool {
    (1..=MAX_ID_LEN).contains(&s.len()) && s.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}
