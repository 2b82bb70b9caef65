//! `deapi.realtime`: the client's one WebSocket to deAPI's soketi, driven from here. The socket is
//! made here (the `realtime.WebSocket` constructor with `Reflect.construct`, else the global
//! `WebSocket` read off the global scope — never `window`); its frames and close go into
//! [`crate::core::realtime::Link`], whose actions are carried out here: frames sent, the auth
//! request (through [`super::transport::send_once`], the path of every call: headers, key,
//! redirects refused, capped reading), the handshake, ping, pong and reconnect timers on
//! gloo-timers, events to the listeners as `JobStatus` objects, `onError` told why realtime gave up.
//!
//! Opened by the first `subscribe` or `wait()`, closed by `close()` or when the last listener and
//! wait leave: then the socket (its handlers unhooked), every timer and a pending auth request are
//! gone, so nothing keeps a Node process alive. Without `realtime.clientId` there is no link:
//! `state` stays `"idle"`, a listener never hears anything and waits poll.
//!
//! Waits ([`watch`]): each registers its job here; an event for it goes to its `onProgress` (an
//! event that came before its wait is kept a while, [`EarlyEvents`]), and a terminal event, a
//! (re)subscription or a state change rings its bell, so it works out again when its next status GET
//! is due ([`crate::core::jobs::Watch::due`]).
//!
//! Without the `realtime` cargo feature (the browser module, for now: see Cargo.toml) the driver is
//! left out: `state` is `"unavailable"` when `realtime.clientId` is set, and the first `subscribe`
//! tells `onError` why; listeners never hear anything.

use super::convert::get;
use super::errors::{invalid_options, notice};
use crate::core::error::Kind;
use super::state::Inner;
use super::time::Bell;
use super::transport::notify;
use crate::core::jobs::{Live, Watch, WaitOptions};
use crate::core::args::Opts;
use js_sys::Function;
use std::cell::Cell;
use std::rc::Rc;
use wasm_bindgen::prelude::*;
#[cfg(feature = "realtime")]
use {
    crate::core::realtime::{EarlyEvents, Input, Link, State, Timer},
    drive::{run, Socket},
    gloo_timers::callback::Timeout,
    std::cell::RefCell,
    web_sys::AbortController,
};
#[cfg(feature = "realtime-relay")]
use {
    crate::core::args::Arg,
    js_sys::{Array, Object},
    wasm_bindgen::JsCast,
};

/// One client's realtime side (in [`Inner`]).
#[cfg(feature = "realtime")]
#[derive(Default)]
pub struct Realtime {
    /// `None` without `realtime.clientId`.
    link: RefCell<Option<Link>>,
    /// `realtime.WebSocket`.
    ctor: Option<Function>,
    /// `realtime.relay` when it is a function.
    relay: Option<Function>,
    socket: RefCell<Option<Socket>>,
    timers: RefCell<Vec<(Timer, Timeout)>>,
    /// The pending auth request's controller (aborted on disconnect).
    auth: RefCell<Option<AbortController>>,
    listeners: RefCell<Vec<(u32, Function)>>,
    next_id: Cell<u32>,
    /// The waits driven by events.
    watches: RefCell<Vec<Rc<Watcher>>>,
    /// Events no wait took yet.
    early: RefCell<EarlyEvents>,
    /// When the socket last (re)subscribed.
    since: Cell<f64>,
    /// `realtime.reconcileIntervalMs`.
    reconcile_ms: f64,
}

/// One wait's job, as the socket sees it.
#[cfg(feature = "realtime")]
struct Watcher {
    id: String,
    on_progress: Option<Function>,
    heard_at: Cell<Option<f64>>,
    ended: Cell<bool>,
    bell: Rc<Bell>,
}

/// (the browser stub) `realtime.clientId` is set; `onError` was told; `close()` was called; the
/// `realtime.relay` function (the relay reader is in the browser module: `realtime-relay` feature).
#[cfg(not(feature = "realtime"))]
#[derive(Default)]
pub struct Realtime {
    requested: bool,
    told: Cell<bool>,
    closed: Cell<bool>,
    #[cfg(feature = "realtime-relay")]
    relay: Option<Function>,
}

/// Functions nested in the `realtime` option (`WebSocket`, `relay`) become `realtime.<key>` entries
/// of the client's options, and the option itself its data without them, so `core` sees both.
#[cfg(feature = "realtime-relay")]
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

/// (a build without the `realtime` option) The option is not read: `core` sees none.
#[cfg(not(feature = "realtime-relay"))]
pub fn nested_functions(_options: &JsValue, opts: &mut Opts) {
    if let Opts::Object(pairs) = opts {
        pairs.retain(|(k, _)| k != "realtime");
    }
}

impl Realtime {
    /// The realtime side for validated options (`cfg`: the session's `realtime`).
    #[cfg(feature = "realtime")]
    pub fn new(options: &JsValue, cfg: Option<&crate::core::realtime::RealtimeConfig>) -> Realtime {
        let function = |k: &str| cfg.and_then(|_| get(&get(options, "realtime"), k).dyn_into::<Function>().ok());
        Realtime {
            link: RefCell::new(cfg.and_then(Link::new)),
            ctor: cfg.filter(|c| c.web_socket).and_then(|_| function("WebSocket")),
            relay: function("relay"),
            reconcile_ms: cfg.map_or(crate::core::realtime::DEFAULT_RECONCILE_MS, |c| c.reconcile_interval_ms),
            ..Default::default()
        }
    }
    #[cfg(not(feature = "realtime"))]
    pub fn new(options: &JsValue, _cfg: Option<&crate::core::realtime::RealtimeConfig>) -> Realtime {
        let id = get(&get(options, "realtime"), "clientId");
        Realtime {
            requested: !id.is_undefined() && !id.is_null(),
            #[cfg(feature = "realtime-relay")]
            relay: _cfg.and_then(|_| get(&get(options, "realtime"), "relay").dyn_into::<Function>().ok()),
            ..Default::default()
        }
    }

    /// `realtime.relay` when it is a function (`relay(requestId)` → the stream's URL).
    #[cfg(feature = "realtime-relay")]
    pub fn relay_fn(&self) -> Option<&Function> {
        self.relay.as_ref()
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

/// A wait registered with the socket ([`watch`]); it leaves when dropped (the socket closes when
/// no wait or listener is left).
#[cfg(feature = "realtime")]
pub struct Watching {
    inner: Rc<Inner>,
    watcher: Rc<Watcher>,
}
/// (the browser stub: never made)
#[cfg(not(feature = "realtime"))]
pub enum Watching {}

/// Register a wait for job `id` with the socket (opening it if it is the first need); `None`
/// (the wait polls) without realtime. An event kept from before the wait goes to `on_progress`
/// now. `bell` rings when the wait should work out its next check again.
#[cfg(feature = "realtime")]
pub fn watch(inner: &Rc<Inner>, id: &str, on_progress: Option<Function>, bell: Rc<Bell>) -> Option<Watching> {
    let rt = &inner.realtime;
    if !matches!(rt.link.borrow().as_ref().map(Link::state), Some(State::Idle | State::Connecting | State::Connected)) {
        return None;
    }
    let watcher = Rc::new(Watcher { id: id.to_owned(), on_progress, heard_at: Cell::new(None), ended: Cell::new(false), bell });
    rt.watches.borrow_mut().push(Rc::clone(&watcher));
    let now = js_sys::Date::now();
    let early = rt.early.borrow_mut().take(id, now);
    if let Some(e) = early {
        watcher.heard(now, &e);
    }
    run(inner, Input::Open);
    Some(Watching { inner: Rc::clone(inner), watcher })
}
#[cfg(not(feature = "realtime"))]
pub fn watch(_inner: &Rc<Inner>, _id: &str, _on_progress: Option<Function>, _bell: Rc<Bell>) -> Option<Watching> {
    None
}

#[cfg(feature = "realtime")]
impl Watcher {
    /// An event for this job: to `onProgress`; a terminal one rings the bell.
    fn heard(&self, now: f64, e: &crate::core::realtime::JobEvent) {
        self.heard_at.set(Some(now));
        notify(&self.on_progress, &super::convert::to_js(&e.to_status()));
        if e.is_terminal() {
            self.ended.set(true);
            self.bell.ring();
        }
    }
}

#[cfg(feature = "realtime")]
impl Watching {
    /// What the wait knows, for [`Watch::due`]: `started`, `last` (its last GET) and what it heard.
    pub fn due(&self, started: f64, last: Option<(f64, f64)>, options: &WaitOptions) -> f64 {
        let rt = &self.inner.realtime;
        let live = match rt.link.borrow().as_ref().map(Link::state) {
            Some(State::Connected) => Live::Connected { since: rt.since.get() },
            Some(State::Idle | State::Connecting) => Live::Connecting,
            _ => Live::Off,
        };
        let w = &self.watcher;
        Watch { started, last, heard_at: w.heard_at.get(), ended: w.ended.get() }.due(live, options, rt.reconcile_ms)
    }
    /// A status GET is about to go: a terminal event before it is answered by it.
    pub fn checking(&self) {
        self.watcher.ended.set(false);
    }
}
#[cfg(not(feature = "realtime"))]
impl Watching {
    pub fn due(&self, _started: f64, _last: Option<(f64, f64)>, _options: &WaitOptions) -> f64 {
        match *self {}
    }
    pub fn checking(&self) {
        match *self {}
    }
}

#[cfg(feature = "realtime")]
impl Drop for Watching {
    fn drop(&mut self) {
        let rt = &self.inner.realtime;
        rt.watches.borrow_mut().retain(|w| !Rc::ptr_eq(w, &self.watcher));
        release_if_unused(&self.inner);
    }
}

/// With no listener and no wait left, the socket closes (back to idle).
#[cfg(feature = "realtime")]
fn release_if_unused(inner: &Rc<Inner>) {
    let rt = &inner.realtime;
    if rt.listeners.borrow().is_empty() && rt.watches.borrow().is_empty() {
        run(inner, Input::Release);
    }
}

/// When a wait's next status GET is due: by the socket's events when the wait is registered with it
/// (`watching`), else by the poll schedule (no realtime, or `wait({ realtime: false })`).
pub fn next_check(watching: Option<&Watching>, started: f64, last: Option<(f64, f64)>, options: &WaitOptions) -> f64 {
    match watching {
        Some(w) => w.due(started, last, options),
        None => Watch { started, last, ..Watch::default() }.due(Live::Off, options, 0.0),
    }
}

/// Tell `onError` that realtime gave up (a `ConnectionError`, code `realtime_unavailable`).
fn unavailable(inner: &Inner, why: &str) {
    notify(&inner.hooks.on_error, &notice(Kind::Connection, "realtime_unavailable", why, None));
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
        let left = before > list.len();
        drop(list);
        if left {
            release_if_unused(&inner);
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
                    ms.clamp(0.0, crate::core::config::MAX_TIMER_MS) as u32
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
                let now = js_sys::Date::now();
                let waits: Vec<_> = rt.watches.borrow().iter().filter(|w| w.id == e.request_id).cloned().collect();
                if waits.is_empty() {
                    rt.early.borrow_mut().push(now, e);
                } else {
                    for w in waits {
                        w.heard(now, &e);
                    }
                }
            }
            Action::Unavailable(why) => super::unavailable(inner, &why),
            // every wait works out its next check again: once now after a (re)subscription, by
            // polling when the socket is gone
            Action::Subscribed => {
                rt.since.set(js_sys::Date::now());
                ring_all(inner);
            }
            Action::State(_) => ring_all(inner),
        }
        Ok(())
    }

    fn ring_all(inner: &Inner) {
        let bells: Vec<_> = inner.realtime.watches.borrow().iter().map(|w| Rc::clone(&w.bell)).collect();
        for b in bells {
            b.ring();
        }
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
