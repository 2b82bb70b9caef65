//! The floor probe: the card's stack doing one deAPI-style call, and nothing more (see Cargo.toml).

use gloo_timers::callback::Timeout;
use gloo_timers::future::TimeoutFuture;
use js_sys::{Array, Promise, Reflect};
use serde::Serialize;
use std::rc::Rc;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::{future_to_promise, JsFuture};
use web_sys::{AbortController, Headers, RequestInit, Response};

#[wasm_bindgen]
extern "C" {
    #[wasm_bindgen(catch, js_name = fetch)]
    fn global_fetch(url: &str, init: &RequestInit) -> Result<Promise, JsValue>;
}

struct Inner {
    base_url: String,
    api_key: String,
    timeout_ms: u32,
    max_retries: u32,
}

/// One field's message of a 422, as the package's `errors` array has it.
#[derive(Serialize)]
struct FieldError {
    field: String,
    message: String,
}

#[wasm_bindgen]
pub struct Client {
    inner: Rc<Inner>,
}

#[wasm_bindgen]
impl Client {
    #[wasm_bindgen(constructor)]
    pub fn new(base_url: String, api_key: String) -> Client {
        Client { inner: Rc::new(Inner { base_url, api_key, timeout_ms: 30_000, max_retries: 3 }) }
    }

    /// `GET {baseUrl}{path}` → the parsed JSON body, or a rejection with an `Error` that has
    /// `status`, `message` and `errors`.
    pub fn get(&self, path: String) -> Promise {
        let inner = Rc::clone(&self.inner);
        future_to_promise(async move { inner.call("GET", &path, None).await })
    }

    /// `POST {baseUrl}{path}` with `params` as its JSON body.
    pub fn post(&self, path: String, params: JsValue) -> Promise {
        let inner = Rc::clone(&self.inner);
        future_to_promise(async move {
            let body: serde_json::Value = serde_wasm_bindgen::from_value(params)?;
            let text = serde_json::to_string(&body).map_err(|e| JsValue::from(js_sys::Error::new(&e.to_string())))?;
            inner.call("POST", &path, Some(text)).await
        })
    }
}

impl Inner {
    async fn call(&self, method: &str, path: &str, body: Option<String>) -> Result<JsValue, JsValue> {
        let url = format!("{}{}", self.base_url, path);
        let mut attempt = 0;
        loop {
            let (status, retry_after, text) = self.attempt(method, &url, body.as_deref()).await?;
            let body: serde_json::Value = match serde_json::from_str(&text) {
                Ok(v) => v,
                Err(_) => serde_json::Value::Null,
            };
            if (200..300).contains(&status) {
                let ser = serde_wasm_bindgen::Serializer::json_compatible();
                return body.serialize(&ser).map_err(JsValue::from);
            }
            let retryable = status == 429 || status >= 500;
            if retryable && attempt < self.max_retries {
                let wait = match retry_after {
                    Some(s) if status == 429 => s * 1000,
                    _ => 1000 << attempt,
                };
                TimeoutFuture::new(wait).await;
                attempt += 1;
                continue;
            }
            return Err(error(status, &body));
        }
    }

    /// One attempt: headers, a fresh AbortController aborted by a timer, the global fetch.
    async fn attempt(&self, method: &str, url: &str, body: Option<&str>) -> Result<(u16, Option<u32>, String), JsValue> {
        let headers = Headers::new()?;
        headers.set("Authorization", &format!("Bearer {}", self.api_key))?;
        headers.set("Accept", "application/json")?;
        let controller = AbortController::new()?;
        let init = RequestInit::new();
        init.set_method(method);
        if let Some(body) = body {
            headers.set("Content-Type", "application/json")?;
            init.set_body(&JsValue::from_str(body));
        }
        init.set_headers(&headers);
        init.set_signal(Some(&controller.signal()));
        let abort = controller.clone();
        let timer = Timeout::new(self.timeout_ms, move || abort.abort());
        let result = async {
            let response: Response = JsFuture::from(global_fetch(url, &init)?).await?.dyn_into()?;
            let retry_after = response.headers().get("retry-after")?.and_then(|s| s.trim().parse().ok());
            let text = JsFuture::from(response.text()?).await?.as_string().unwrap_or_default();
            Ok((response.status(), retry_after, text))
        }
        .await;
        drop(timer);
        result
    }
}

/// `new Error(message)` with `status` and `errors` (`[{ field, message }]`, from Laravel's
/// `{ errors: { field: [messages] } }`).
fn error(status: u16, body: &serde_json::Value) -> JsValue {
    let message = body.get("message").and_then(|m| m.as_str()).unwrap_or("request failed");
    let err = js_sys::Error::new(message);
    let mut fields = Vec::new();
    if let Some(map) = body.get("errors").and_then(|e| e.as_object()) {
        for (field, list) in map {
            for m in list.as_array().into_iter().flatten() {
                if let Some(m) = m.as_str() {
                    fields.push(FieldError { field: field.clone(), message: m.to_owned() });
                }
            }
        }
    }
    let ser = serde_wasm_bindgen::Serializer::json_compatible();
    let errors = fields.serialize(&ser).unwrap_or_else(|_| Array::new().into());
    let _ = Reflect::set(&err, &"status".into(), &JsValue::from(status));
    let _ = Reflect::set(&err, &"errors".into(), &errors);
    err.into()
}
