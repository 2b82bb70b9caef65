//! One client's state, shared by its pending calls through an `Rc` (so no wasm-bindgen borrow is
//! held across an `await`): the session (`core`), the `fetch` option and hooks, the requests waiting
//! for the scheduler's concurrency cap, and the shared job poller's waiters.

use super::realtime::Watching;
use super::time::{Bell, Turn};
use crate::core::plan::{Plan, WaitPlan};
use crate::core::session::Session;
use js_sys::Function;
use std::cell::{Cell, RefCell};
use std::rc::Rc;
use wasm_bindgen::JsValue;

/// The hooks of a client (observers; what they throw is ignored).
#[derive(Default)]
pub struct Hooks {
    pub on_request: Option<Function>,
    pub on_response: Option<Function>,
    pub on_retry: Option<Function>,
    pub on_error: Option<Function>,
}

/// One client's state.
pub struct Inner {
    pub session: Session,
    /// The `fetch` option (else the global fetch).
    pub fetch: Option<Function>,
    pub hooks: Hooks,
    /// Requests waiting for the scheduler's concurrency cap.
    pub turns: RefCell<Vec<Rc<Turn>>>,
    /// The shared job poller (scheduler on).
    pub poller: Poller,
    /// `deapi.realtime`: the socket, its timers and listeners.
    pub realtime: super::realtime::Realtime,
    /// The `quotaStore` option: the fleet's shared quota (servers).
    #[cfg(feature = "fleet")]
    pub store: Option<super::fleet::Store>,
}

/// One wait on the shared poller.
pub struct Waiter {
    pub w: WaitPlan,
    pub started: f64,
    pub polls: Cell<u32>,
    /// Its last status GET: when it went, and when the poll schedule wants the next.
    pub last: Cell<Option<(f64, f64)>>,
    /// Its job's events (`deapi.realtime`), if any.
    pub watching: Option<Watching>,
    pub on_progress: Option<Function>,
    pub plan: RefCell<Option<Plan>>,
    pub result: RefCell<Option<Result<JsValue, JsValue>>>,
    pub done: Turn,
}

/// The shared poller of a client (scheduler on).
#[derive(Default)]
pub struct Poller {
    pub waiters: RefCell<Vec<Rc<Waiter>>>,
    pub polling: Cell<bool>,
    /// Rung when a waiter should be checked sooner than the poller sleeps for (a new waiter, an
    /// event, a subscription).
    pub bell: Rc<Bell>,
}

impl Poller {
    /// End `me`'s wait with `result` (if it is still waiting).
    pub fn settle(&self, me: &Rc<Waiter>, result: Result<JsValue, JsValue>) {
        let mut list = self.waiters.borrow_mut();
        let Some(at) = list.iter().position(|x| Rc::ptr_eq(x, me)) else { return };
        list.remove(at);
        drop(list);
        *me.result.borrow_mut() = Some(result);
        me.done.go();
    }
    pub fn waiting(&self, me: &Rc<Waiter>) -> bool {
        self.waiters.borrow().iter().any(|x| Rc::ptr_eq(x, me))
    }
}

