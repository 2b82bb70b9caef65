//! A wait that reads its own job's relay stream (`realtime.relay`: a server's
//! `deapi.realtime.relay(requestId)`, e.g. `createProxy`'s `{prefix}/events/{requestId}`) through an
//! `EventSource` the module makes (the global class, by `Reflect.construct`; none in Node: the wait
//! polls). `status` events go to `onProgress`; `done` resolves the wait with the server's final
//! status (its one status GET), so a keyless browser makes no status call of its own. Anything else
//! — the stream's `error` event (the job failed, or the server's wait ended), a connection that
//! fails, a `done` that is not a status, `maxWaitMs` — hands the wait back to polling, whose first
//! GET decides at once (a failed job's `JobFailedError` is made there, as for every wait).
//!
//! The stream is closed, and its listeners removed, whatever ends the read.

use super::convert::get;
use super::state::Inner;
use super::time::{sleep_or_ring, Bell, Signal};
use super::transport::notify;
use crate::core::realtime::Relay;
use js_sys::{Array, Function, Reflect, JSON};
use std::cell::RefCell;
use std::rc::Rc;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

#[wasm_bindgen]
extern "C" {
    /// A WHATWG EventSource, used by shape.
    type Source;
    #[wasm_bindgen(method, structural, catch, js_name = addEventListener)]
    fn listen(this: &Source, name: &str, f: &JsValue) -> Result<(), JsValue>;
    #[wasm_bindgen(method, structural, catch, js_name = removeEventListener)]
    fn unlisten(this: &Source, name: &str, f: &JsValue) -> Result<(), JsValue>;
    #[wasm_bindgen(method, structural, catch)]
    fn close(this: &Source) -> Result<(), JsValue>;
}

/// How a relay read ended.
pub enum Relayed {
    /// `done`: the final status.
    Done(JsValue),
    /// The caller's signal aborted.
    Aborted,
    /// Poll from now on (no relay, no `EventSource`, the stream failed or said `error`).
    Poll,
}

const NAMES: [&str; 3] = ["status", "done", "error"];

/// The open stream and its listeners; dropping it removes them and closes the stream.
struct Open {
    source: Source,
    handler: Closure<dyn FnMut(JsValue)>,
}

impl Drop for Open {
    fn drop(&mut self) {
        for name in NAMES {
            let _ = self.source.unlisten(name, self.handler.as_ref());
        }
        let _ = self.source.close();
    }
}

/// The relay URL of job `id`, if the client has one: the template with `{requestId}` replaced (ids
/// are `[A-Za-z0-9_-]`, nothing to escape), or what the `realtime.relay` function returns for it.
fn url(inner: &Inner, id: &str) -> Option<String> {
    match inner.session.cfg.realtime.as_ref()?.relay.as_ref()? {
        Relay::Template(t) => Some(fill(t, id)),
        Relay::Function => inner.realtime.relay_fn()?.call1(&JsValue::UNDEFINED, &JsValue::from_str(id)).ok()?.as_string(),
    }
}

/// `template` with every `{requestId}` replaced by `id` (by byte search: `str::replace`'s searcher
/// would link core's char-boundary panic path into the browser module).
fn fill(template: &str, id: &str) -> String {
    const HOLE: &str = "{requestId}";
    let mut out = String::with_capacity(template.len() + id.len());
    let mut from = 0;
    while let Some(at) = crate::core::text::find_str(template, HOLE, from) {
        out.push_str(template.get(from..at).unwrap_or_default());
        out.push_str(id);
        from = at + HOLE.len();
    }
    out.push_str(template.get(from..).unwrap_or_default());
    out
}

/// Read job `id`'s relay stream until it ends the wait (`Done`), hands it to polling, the signal
/// aborts or `max_ms` passes.
pub async fn read(inner: &Rc<Inner>, id: &str, on_progress: Option<Function>, signal: &Signal, max_ms: f64) -> Relayed {
    let Some(url) = url(inner, id) else { return Relayed::Poll };
    let Ok(class) = get(&js_sys::global(), "EventSource").dyn_into::<Function>() else { return Relayed::Poll };
    let Ok(source) = Reflect::construct(&class, &Array::of1(&JsValue::from_str(&url))) else { return Relayed::Poll };
    let source: Source = source.unchecked_into();
    // what ended it: Some(Some(status)) done, Some(None) poll
    let outcome: Rc<RefCell<Option<Option<JsValue>>>> = Rc::default();
    let bell = Rc::new(Bell::default());
    let (seen, ring) = (Rc::clone(&outcome), Rc::clone(&bell));
    let handler = Closure::<dyn FnMut(JsValue)>::new(move |e: JsValue| {
        if seen.borrow().is_some() {
            return;
        }
        let kind = get(&e, "type").as_string().unwrap_or_default();
        // a status: one line of JSON text holding an object with a string `status`
        let status = get(&e, "data").as_string().and_then(|d| JSON::parse(&d).ok()).filter(|s| get(s, "status").is_string());
        let end = match (kind.as_str(), status) {
            ("status", Some(s)) => {
                notify(&on_progress, &s);
                return;
            }
            ("done", Some(s)) if get(&s, "status").as_string().is_some_and(|st| st.eq_ignore_ascii_case("done") || st.eq_ignore_ascii_case("completed")) => Some(s),
            ("status", None) => return, // an odd frame: ignored
            _ => None,
        };
        *seen.borrow_mut() = Some(end);
        ring.ring();
    });
    let open = Open { source, handler };
    for name in NAMES {
        if open.source.listen(name, open.handler.as_ref()).is_err() {
            return Relayed::Poll;
        }
    }
    let deadline = js_sys::Date::now() + max_ms;
    let end = loop {
        if let Some(end) = outcome.borrow_mut().take() {
            break end;
        }
        let left = deadline - js_sys::Date::now();
        if left <= 0.0 {
            break None;
        }
        if signal.race(sleep_or_ring(left, &bell)).await.is_err() {
            return Relayed::Aborted; // (`open` dropped: the stream closed)
        }
    };
    drop(open);
    end.map_or(Relayed::Poll, Relayed::Done)
}
