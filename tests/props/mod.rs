//! The properties of the pure modules, shared by the property tests (`tests/fuzz.rs`, proptest's
//! strategies and shrinking) and the coverage-guided fuzz targets (`fuzz/`, cargo-fuzz on nightly):
//! each `check_*` function takes one input, panics when a property fails, and returns a label of the
//! outcome (tallied by `tests/fuzz.rs` to show which branches the inputs reach).
//!
//! - `oracles`: what the checks compare against, none of it the code under test — HMAC-SHA256 from
//!   the `hmac-sha256` crate (the verifier uses `hmac` + `sha2`) checked against RFC 4231's vectors,
//!   JSON text read by Node's `JSON.parse` (a child process, when `node` is on the PATH), dates by
//!   counting days, the spec of `verify` written out from `src/core/webhook.rs`'s docs.
//! - `checks`: the properties, one function per target, and the input types they take.
//! - `seeds`: real-world inputs (deAPI bodies, soketi frames), the strategies' examples and the
//!   fuzz targets' dictionary.
#![allow(dead_code)]

pub mod checks;
pub mod oracles;
pub mod seeds;

use deapi_wasm::core::error::Body;
use deapi_wasm::core::json::{self as crate_json, Json};
use std::fmt;

/// Inputs are shown with long texts cut to this many characters; `FUZZ_FULL=1` shows them whole.
fn limit() -> usize {
    if std::env::var_os("FUZZ_FULL").is_some() {
        usize::MAX
    } else {
        300
    }
}

fn cut(text: &str) -> String {
    let n = text.chars().count();
    if n <= limit() {
        return text.to_owned();
    }
    let kept: String = text.chars().take(limit()).collect();
    format!("{kept}/*…+{} chars*/", n - limit())
}

/// A `Json` shown as its JSON text (serde_json's writer; NaN, ±Infinity and uploads shown as `null`).
#[derive(Clone, PartialEq)]
pub struct J(pub Json);

impl fmt::Debug for J {
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str(&cut(&crate_json::to_text(&self.0)))
    }
}

/// A string shown quoted, with long runs cut.
#[derive(Clone, PartialEq)]
pub struct Txt(pub String);

impl fmt::Debug for Txt {
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        write!(f, "{:?}", cut(&self.0))
    }
}

#[derive(Clone, PartialEq)]
pub struct Bytes(pub Vec<u8>);

impl fmt::Debug for Bytes {
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        let shown: Vec<u8> = self.0.iter().copied().take(limit().saturating_mul(4)).collect();
        write!(f, "b\"{}\"", shown.escape_ascii())?;
        if shown.len() < self.0.len() {
            write!(f, "/*…+{} bytes*/", self.0.len() - shown.len())?;
        }
        Ok(())
    }
}

/// A response body (JSON or text), shown compactly.
#[derive(Clone)]
pub enum BodyIn {
    Json(J),
    Text(Txt),
}

impl fmt::Debug for BodyIn {
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        match self {
            BodyIn::Json(j) => write!(f, "Json({j:?})"),
            BodyIn::Text(t) => write!(f, "Text({t:?})"),
        }
    }
}

impl BodyIn {
    pub fn from(b: Body) -> BodyIn {
        match b {
            Body::Json(j) => BodyIn::Json(J(j)),
            Body::Text(t) => BodyIn::Text(Txt(t)),
        }
    }
    pub fn body(&self) -> Body {
        match self {
            BodyIn::Json(j) => Body::Json(j.0.clone()),
            BodyIn::Text(t) => Body::Text(t.0.clone()),
        }
    }
}

/// What the decoders get for a response's bytes (`core::session::Session::verdict`): the JSON value
/// of the text or, when it is not JSON, the text.
pub fn body_from_bytes(b: &[u8]) -> Body {
    match std::str::from_utf8(b).ok().and_then(crate_json::parse_json) {
        Some(j) => Body::Json(j),
        None => Body::Text(String::from_utf8_lossy(b).into_owned()),
    }
}
