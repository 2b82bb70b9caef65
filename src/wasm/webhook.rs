//! `verifyWebhook(options)`: the other options are read as data and checked first (configuration,
//! the headers' syntax, freshness: `core::webhook::precheck`), then the payload's length as JS
//! reports it (`maxPayloadBytes`), and only then are its bytes copied into the module (text or
//! bytes); `core::webhook` decides. Resolves with the parsed event, rejects with the
//! `WebhookVerificationError` (with `reason`) or `InvalidOptionsError` constructed here.
//!
//! Without the `webhooks` feature (the browser build) the export stays, and rejects with an
//! `InvalidOptionsError` that says where it runs: browsers do not download the verifier.

use js_sys::Promise;
use wasm_bindgen::prelude::*;
#[cfg(not(feature = "webhooks"))]
use super::errors::invalid_options;
#[cfg(feature = "webhooks")]
use {
    super::convert::{self, bytes_of, get, to_js},
    super::errors::to_error,
    crate::core::json::parse_json,
    crate::core::json::Json,
    crate::core::args::Arg,
    crate::core::webhook::options::{precheck, Payload},
    js_sys::{ArrayBuffer, JsString},
};

/// `verifyWebhook(options)`: a promise of the event, or of the rejection.
#[wasm_bindgen(js_name = "verifyWebhook")]
pub fn verify_webhook(options: JsValue) -> Promise {
    wasm_bindgen_futures::future_to_promise(async move { verify(&options) })
}

#[cfg(not(feature = "webhooks"))]
fn verify(_options: &JsValue) -> Result<JsValue, JsValue> {
    Err(invalid_options(
        "verifyWebhook is not in deapi-wasm's browser build: a webhook secret belongs on a server. Verify deliveries in Node, Deno, Bun or a Cloudflare Worker (the package's server entries have it)",
        None,
    ))
}

/// Header values longer than this are not copied into the module (a signature is 71 characters, a
/// timestamp at most 15): they are passed as text that fails the syntax check.
#[cfg(feature = "webhooks")]
const MAX_HEADER: u32 = 256;

#[cfg(feature = "webhooks")]
fn verify(options: &JsValue) -> Result<JsValue, JsValue> {
    let options = options.clone();
    let now = js_sys::Date::now() / 1000.0;
    let verdict = (|| {
        if !options.is_object() {
            return precheck(None, now).map(|_| String::new());
        }
        let fields: Vec<(String, Arg)> = ["signature", "timestamp", "secret", "toleranceSec", "maxPayloadBytes"]
            .iter()
            .filter_map(|k| {
                let v = get(&options, k);
                let long = *k != "secret" && v.dyn_ref::<JsString>().is_some_and(|s| s.length() > MAX_HEADER);
                let arg = if long { Arg::Data(Json::str("(too long)")) } else { convert::arg(&v) };
                (!v.is_undefined()).then(|| ((*k).to_owned(), arg))
            })
            .collect();
        // configuration, the headers' syntax and freshness: no payload needed
        let checked = precheck(Some(&fields), now)?;
        let p = get(&options, "payload");
        let payload = if let Some(t) = p.dyn_ref::<JsString>() {
            checked.admit(f64::from(t.length()), true)?;
            Payload::Text(p.as_string().unwrap_or_default())
        } else if ArrayBuffer::is_view(&p) || p.is_instance_of::<ArrayBuffer>() {
            let bytes = bytes_of(&p);
            checked.admit(f64::from(bytes.length()), false)?;
            Payload::Bytes(bytes.to_vec())
        } else if p.is_null() || p.is_undefined() {
            Payload::Missing
        } else if p.is_object() {
            Payload::Object
        } else {
            Payload::Other
        };
        checked.verify(&payload)
    })();
    match verdict {
        Ok(body) => Ok(parse_json(&body).map_or(JsValue::NULL, |j| to_js(&j))),
        Err(mut e) => {
            e.finish(&[]);
            Err(to_error(&e, None))
        }
    }
}
