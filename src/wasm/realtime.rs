//! `deapi.realtime`: the client's one WebSocket to deAPI's soketi, driven from here. The socket is
//! made here (the `realtime.WebSocket` constructor with `Reflect.construct`, else the global
//! `WebSocket` read off the global scope — never `window`); its frames and close go into
//! [`crate::core::realtime::Link`], whose actions are carried out here: frames sent, the auth
//! request (through [`super::transport::send_once`], the path of every call: headers, key,
//! redirects refused, capped reading), the handshake, ping, pong and reconnect timers on
//! gloo-timers, events to the listeners as `JobStatus` objects, `onError` told why realtime gave up.
//!
//! Opened by the first `subscribe`, closed by `close()` or when the last listener leaves: then the
//! socket (its handlers unhooked), every timer and a pending auth request are gone, so nothing keeps
//! a Node process alive. Without `realtime.clientId` there is no link: `state` stays `"idle"` and a
//! listener never hears anything.
//!
//! Without the `realtime` cargo feature (the browser module, for now: see Cargo.toml) the driver is
//! left out: `state` is `"unavailable"` when `realtime.clientId` is set, and the first `subscribe`
//! tells `onError` why; listeners never hear anything.

use super::convert::get;
use super::errors::{construct, invalid_options};
use super::state::Inner;
use super::transport::notify;
use crate::core::session::Opts;
use std::cell::Cell;
use std::rc::Rc;
use wasm_bindgen::prelude::*;
#[cfg(feature = "realtime")]
use {
    crate::core::realtime::{Input, Link, Timer},
    crate::core::session::Arg,
    drive::{run, Socket},
    gloo_timers::callback::Timeout,
    js_sys::{Array, Function, Object},
    std::cell::RefCell,
    wasm_bindgen::JsCast,
    web_sys::AbortController,
};

/// One client's realtime side (in [`Inner`]).
#[cfg(feature = "realtime")]
#[derive(Default)]
pub struct Realtime {
    /// `None` without `realtime.clientId`.
    link: RefCell<Option<Link>>,
    /// `realtime.WebSocket`.
    ctor: Option<Function>,
    socket: RefCell<Option<Socket>>,
    timers: RefCell<Vec<(Timer, Timeout)>>,
    /// The pending auth request's controller (aborted on disconnect).
    auth: RefCell<Option<AbortController>>,
    listeners: RefCell<Vec<(u32, Function)>>,
    next_id: Cell<u32>,
}

/// (the browser stub) `realtime.clientId` is set; `onError` was told; `close()` was called.
#[cfg(not(feature = "realtime"))]
#[derive(Default)]
pub struct Realtime {
    requested: bool,
    told: Cell<bool>,
    closed: Cell<bool>,
}

/// Functions nested in the `realtime` option (`WebSocket`, `relay`) become `realtime.<key>` entries
/// of the client's options, and the option itself its data without them, so `core` sees both.
#[cfg(feature = "realtime")]
pub fn nested_functions(options: &JsValue, opts: &mut Opts) {
    let rt = get(options, "realtime");
    let Opts::Object(pairs) = opts else { return };
    if !rt.is_object() || rt.is_function() || Array::is_array(&rt) {
        return;
    }
    let data = Object::new();
    let mut functions = Vec::new();
    for key in Object::keys(rt.unchecked_ref::<Object>()).iter() {
        let Some(k) = key.as_string() else { continue };
        let v = get(&rt, &k);
        if v.is_function() {
            functions.push((["realtime.", &k].concat(), Arg::Function));
        } else {
            super::convert::set(&data, &k, &v);
        }
    }
    if let Some(slot) = pairs.iter_mut().find(|(k, _)| k == "realtime") {
        slot.1 = super::convert::arg(&data);
    }
    pairs.extend(functions);
}

/// (the browser stub) The `realtime` option is not read: `core` sees none.
#[cfg(not(feature = "realtime"))]
pub fn nested_functions(_options: &JsValue, opts: &mut Opts) {
    if let Opts::Object(pairs) = opts {
        pairs.retain(|(k, _)| k != "realtime");
    }
}

impl Realtime {
    /// The realtime side for validated options (`cfg`: the session's `realtime`).
    #[cfg(feature = "realtime")]
    pub fn new(options: &JsValue, cfg: Option<&crate::core::realtime::RealtimeConfig>) -> Realtime {
        let ctor = cfg.filter(|c| c.web_socket).and_then(|_| get(&get(options, "realtime"), "WebSocket").dyn_into::<Function>().ok());
        Realtime { link: RefCell::new(cfg.and_then(Link::new)), ctor, ..Default::default() }
    }
    #[cfg(not(feature = "realtime"))]
    pub fn new(options: &JsValue, _cfg: Option<&crate::core::realtime::RealtimeConfig>) -> Realtime {
        let id = get(&get(options, "realtime"), "clientId");
        Realtime { requested: !id.is_undefined() && !id.is_null(), ..Default::default() }
    }

    #[cfg(feature = "realtime")]
    pub fn state(&self) -> &'static str {
        self.link.borrow().as_ref().map_or("idle", |l| l.state().name())
    }
    #[cfg(not(feature = "realtime"))]
    pub fn state(&self) -> &'static str {
        match (self.closed.get(), self.requested) {
            (true, _) => "closed",
            (_, true) => "unavailable",
            _ => "idle",
        }
    }
}

/// Tell `onError` that realtime gave up (a `ConnectionError`, code `realtime_unavailable`).
fn unavailable(inner: &Inner, why: &str) {
    let p = super::convert::object(&[
        ("name", JsValue::from_str("ConnectionError")),
        ("code", JsValue::from_str("realtime_unavailable")),
        ("message", JsValue::from_str(why)),
        ("attempts", JsValue::from_f64(0.0)),
    ]);
    notify(&inner.hooks.on_error, &construct(p));
}

const NOT_A_LISTENER: &str = "Invalid argument `listener`: deapi.realtime.subscribe(listener) takes a function";

/// `deapi.realtime.subscribe(listener)`: `off()`.
#[cfg(feature = "realtime")]
pub fn subscribe(inner: &Rc<Inner>, listener: JsValue) -> Result<JsValue, JsValue> {
    let Ok(f) = listener.dyn_into::<Function>() else { return Err(invalid_options(NOT_A_LISTENER, None)) };
    let rt = &inner.realtime;
    let id = rt.next_id.get().wrapping_add(1);
    rt.next_id.set(id);
    rt.listeners.borrow_mut().push((id, f));
    run(inner, Input::Open);
    let weak = Rc::downgrade(inner);
    let off = Closure::<dyn FnMut()>::new(move || {
        let Some(inner) = weak.upgrade() else { return };
        let mut list = inner.realtime.listeners.borrow_mut();
        let before = list.len();
        list.retain(|(i, _)| *i != id);
        let last = before > list.len() && list.is_empty();
        drop(list);
        if last {
            run(&inner, Input::Release);
        }
    });
    Ok(off.into_js_value())
}

/// (the browser stub) The first `subscribe` with a `clientId` tells `onError` why nothing comes;
/// `off()` is a function that does nothing.
#[cfg(not(feature = "realtime"))]
pub fn subscribe(inner: &Rc<Inner>, listener: JsValue) -> Result<JsValue, JsValue> {
    if !listener.is_function() {
        return Err(invalid_options(NOT_A_LISTENER, None));
    }
    let rt = &inner.realtime;
    if rt.requested && !rt.closed.get() && !rt.told.replace(true) {
        unavailable(inner, "realtime: this build (the browser module) has no WebSocket client yet; jobs are polled");
    }
    Ok(noop())
}

/// `Function.prototype`: a function that does nothing, made without `eval`.
fn noop() -> JsValue {
    get(&get(&js_sys::global(), "Function"), "prototype")
}

/// `deapi.realtime.close()`: closed for good (listeners dropped).
#[cfg(feature = "realtime")]
pub fn close(inner: &Rc<Inner>) {
    inner.realtime.listeners.borrow_mut().clear();
    run(inner, Input::Close);
}
#[cfg(not(feature = "realtime"))]
pub fn close(inner: &Rc<Inner>) {
    inner.realtime.closed.set(true);
}

/// The socket driver (servers; see the `realtime` cargo feature).
#[cfg(feature = "realtime")]
mod drive {
    use super::super::convert::{get, to_js};
    use super::super::state::Inner;
    use super::super::transport::send_once;
    use crate::core::realtime::{Action, Input, Timer};
    use gloo_timers::callback::Timeout;
    use js_sys::{Array, Function, Reflect};
    use std::rc::{Rc, Weak};
    use wasm_bindgen::prelude::*;
    use wasm_bindgen::JsCast;
    use web_sys::AbortController;

    #[wasm_bindgen]
    extern "C" {
        /// A WHATWG WebSocket (the global class's or the injected constructor's instance), used by shape.
        type Sock;
        #[wasm_bindgen(method, structural, catch)]
        fn send(this: &Sock, data: &str) -> Result<(), JsValue>;
        #[wasm_bindgen(method, structural, catch)]
        fn close(this: &Sock) -> Result<(), JsValue>;
        #[wasm_bindgen(method, structural, catch, setter)]
        fn set_onmessage(this: &Sock, f: &JsValue) -> Result<(), JsValue>;
        #[wasm_bindgen(method, structural, catch, setter)]
        fn set_onclose(this: &Sock, f: &JsValue) -> Result<(), JsValue>;
        #[wasm_bindgen(method, structural, catch, setter)]
        fn set_onerror(this: &Sock, f: &JsValue) -> Result<(), JsValue>;
    }


    /// An open socket and its handlers; dropping it unhooks them and closes the socket.
    pub(super) struct Socket {
        sock: Sock,
        _on_message: Closure<dyn FnMut(JsValue)>,
        _on_close: Closure<dyn FnMut(JsValue)>,
    }

    impl Drop for Socket {
        fn drop(&mut self) {
            let _ = self.sock.set_onmessage(&JsValue::NULL);
            let _ = self.sock.set_onclose(&JsValue::NULL);
            let _ = self.sock.close();
        }
    }

    /// Feed `input` to the link and carry out its actions.
    pub(super) fn run(inner: &Rc<Inner>, input: Input) {
        let actions = match inner.realtime.link.borrow_mut().as_mut() {
            Some(l) => l.on(input, js_sys::Math::random()),
            None => return,
        };
        let mut failed = None;
        for a in actions {
            if let Err(why) = act(inner, a) {
                failed = Some(why);
            }
        }
        // (after the whole list: its later actions — the handshake timer — are undone by this one)
        if let Some(why) = failed {
            run(inner, Input::CannotConnect(&why));
        }
    }

    /// Carry out one action; `Err`: the socket could not be made (why).
    fn act(inner: &Rc<Inner>, action: Action) -> Result<(), String> {
        let rt = &inner.realtime;
        match action {
            Action::Connect(url) => {
                let sock = open(inner, &url)?;
                *rt.socket.borrow_mut() = Some(sock);
            }
            Action::Disconnect => {
                let gone = rt.socket.borrow_mut().take();
                drop(gone);
                let timers = std::mem::take(&mut *rt.timers.borrow_mut());
                drop(timers);
                if let Some(c) = rt.auth.borrow_mut().take() {
                    c.abort();
                }
            }
            Action::Send(text) => {
                if let Some(s) = rt.socket.borrow().as_ref() {
                    let _ = s.sock.send(&text);
                }
            }
            Action::Authorize { socket_id, body } => authorize(inner, socket_id, body),
            Action::Start(timer, ms) => {
                let weak = Rc::downgrade(inner);
                let ms = if ms.is_finite() {
                    ms.clamp(0.0, crate::wasm::time::MAX_TIMER_MS) as u32
                } else {
                    0
                };
                let t = Timeout::new(ms, move || {
                    if let Some(inner) = weak.upgrade() {
                        // (this fired timer leaves its slot first)
                        let fired: Vec<(Timer, Timeout)> = {
                            let mut list = inner.realtime.timers.borrow_mut();
                            let (gone, kept) = std::mem::take(&mut *list)
                                .into_iter()
                                .partition(|(k, _)| *k == timer);
                            *list = kept;
                            gone
                        };
                        drop(fired);
                        run(&inner, Input::Fired(timer));
                    }
                });
                let mut list = rt.timers.borrow_mut();
                list.retain(|(k, _)| *k != timer);
                list.push((timer, t));
            }
            Action::Stop(timer) => {
                let gone: Vec<(Timer, Timeout)> = {
                    let mut list = rt.timers.borrow_mut();
                    let (gone, kept) = std::mem::take(&mut *list)
                        .into_iter()
                        .partition(|(k, _)| *k == timer);
                    *list = kept;
                    gone
                };
                drop(gone);
            }
            Action::Event(e) => {
                let status = to_js(&e.to_status());
                let listeners: Vec<Function> = rt
                    .listeners
                    .borrow()
                    .iter()
                    .map(|(_, f)| f.clone())
                    .collect();
                for f in listeners {
                    // what a listener throws is ignored
                    let _ = f.call1(&JsValue::UNDEFINED, &status);
                }
            }
            Action::Unavailable(why) => super::unavailable(inner, &why),
            // stage 2b: waits check their jobs once; `state` is read from the link
            Action::Subscribed | Action::State(_) => {}
        }
        Ok(())
    }

    /// Make the socket and hook its frames and close into the link.
    fn open(inner: &Rc<Inner>, url: &str) -> Result<Socket, String> {
        let ctor = match &inner.realtime.ctor {
        Some(c) => c.clone(),
        None => get(&js_sys::global(), "WebSocket")
            .dyn_into::<Function>()
            .map_err(|_| "no WebSocket in this runtime: pass `realtime.WebSocket`, e.g. the `ws` package's on Node 20".to_owned())?,
    };
        let made =
            Reflect::construct(&ctor, &Array::of1(&JsValue::from_str(url))).map_err(|e| {
                let m = get(&e, "message").as_string().unwrap_or_default();
                if m.is_empty() {
                    "the WebSocket constructor threw".to_owned()
                } else {
                    m
                }
            })?;
        let sock: Sock = made.unchecked_into();
        let weak: Weak<Inner> = Rc::downgrade(inner);
        let on_message = Closure::<dyn FnMut(JsValue)>::new(move |e: JsValue| {
            // text frames only (Pusher sends no binary)
            if let (Some(inner), Some(text)) = (weak.upgrade(), get(&e, "data").as_string()) {
                run(&inner, Input::Frame(&text));
            }
        });
        let weak: Weak<Inner> = Rc::downgrade(inner);
        let on_close = Closure::<dyn FnMut(JsValue)>::new(move |e: JsValue| {
            if let Some(inner) = weak.upgrade() {
                let code = get(&e, "code")
                    .as_f64()
                    .filter(|c| (0.0..=65_535.0).contains(c))
                    .map_or(1006, |c| c as u16);
                run(&inner, Input::Closed { code });
            }
        });
        let hooked = sock
            .set_onerror(&super::noop())
            .and_then(|_| sock.set_onmessage(on_message.as_ref()))
            .and_then(|_| sock.set_onclose(on_close.as_ref()));
        let socket = Socket {
            sock,
            _on_message: on_message,
            _on_close: on_close,
        };
        hooked.map_err(|_| "the WebSocket takes no handlers".to_owned())?;
        Ok(socket)
    }

    /// POST the auth body for `socket_id`, then report the answer.
    fn authorize(inner: &Rc<Inner>, socket_id: String, body: String) {
        let (Some(plan), Ok(controller)) = (inner.session.auth_plan(), AbortController::new())
        else {
            return;
        };
        if let Some(old) = inner.realtime.auth.borrow_mut().replace(controller.clone()) {
            old.abort();
        }
        let inner = Rc::clone(inner);
        wasm_bindgen_futures::spawn_local(async move {
            let answer = send_once(&inner, &plan, &body, &controller).await;
            if controller.signal().aborted() {
                return;
            }
            inner.realtime.auth.borrow_mut().take();
            match answer {
                Ok((status, text)) => run(
                    &inner,
                    Input::AuthAnswer {
                        socket_id: &socket_id,
                        status,
                        body: &text,
                    },
                ),
                Err(_) => run(
                    &inner,
                    Input::AuthUnreachable {
                        socket_id: &socket_id,
                    },
                ),
            }
        });
    }
}
