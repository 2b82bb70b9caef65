//! `verifyWebhook(options)`: the payload is read as it is (text or bytes), the other options as
//! data; `core::webhook` decides. Resolves with the parsed event, rejects with the
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
    crate::core::webhook::{verify_options, Payload},
    js_sys::ArrayBuffer,
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

#[cfg(feature = "webhooks")]
fn verify(options: &JsValue) -> Result<JsValue, JsValue> {
    let options = options.clone();
    let verdict = (|| {
        let fields: Vec<(String, crate::core::session::Arg)> = if options.is_object() && !options.is_null() {
            ["signature", "timestamp", "secret", "toleranceSec"]
                .iter()
                .filter_map(|k| {
                    let v = get(&options, k);
                    (!v.is_undefined()).then(|| ((*k).to_owned(), convert::arg(&v)))
                })
                .collect()
        } else {
            return verify_options(None, Payload::Missing, js_sys::Date::now() / 1000.0);
        };
        let p = get(&options, "payload");
        let bytes;
        let payload = if let Some(t) = p.as_string() {
            Payload::Text(t)
        } else if ArrayBuffer::is_view(&p) || p.is_instance_of::<ArrayBuffer>() {
            bytes = bytes_of(&p).to_vec();
            Payload::Bytes(bytes)
        } else if p.is_null() || p.is_undefined() {
            Payload::Missing
        } else if p.is_object() {
            Payload::Object
        } else {
            Payload::Other
        };
        verify_options(Some(&fields), payload, js_sys::Date::now() / 1000.0)
    })();
    match verdict {
        Ok(body) => Ok(parse_json(&body).map_or(JsValue::NULL, |j| to_js(&j))),
        Err(mut e) => {
            e.finish(&[]);
            Err(to_error(&e, None))
        }
    }
}
