//! `wait()`: checking a job until it is done, failed or out of time. Without the scheduler each
//! wait checks on its own; with it, every wait of a client shares one poller (one status request at
//! a time, spaced by the shortest poll interval, soonest due first — so N waits cost the status
//! bucket what one does). When a status GET is due is [`crate::core::jobs::Watch::due`]'s call:
//! the poll schedule, or, with `deapi.realtime` subscribed, once per subscription, on a terminal
//! event and every `reconcileIntervalMs` without events ([`super::realtime::watch`] brings the
//! events to `onProgress`). Sleeps are gloo-timers, cut short by the wait's bell; the caller's
//! signal ends a wait at once.

use super::convert::{self, get, signal_of, to_js};
use super::errors::{abort_error, invalid_options, to_error};
use super::realtime::{next_check, watch};
use super::state::{Inner, Waiter};
use super::time::{sleep, sleep_or_ring, Bell, Signal, Turn};
use super::transport::{notify, send, Answer, Poll};
use crate::core::json::Json;
use crate::core::args::{Arg, Opts};
use crate::core::plan::{Call, Plan, Planned, WaitPlan};
use crate::core::session::After;
use js_sys::Function;
use std::cell::{Cell, RefCell};
use std::rc::Rc;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

/// The status request of a wait (planned once: every poll is the same request), with the wait's
/// `timeoutMs` (`None`: the client's) and `maxRetries`, which `wait_plan` checked already.
fn status_plan(inner: &Inner, id: &str, timeout_ms: Option<f64>, max_retries: u32) -> Result<Plan, JsValue> {
    match inner.session.plan(&Call::Status { id: Arg::Data(Json::str(id)) }, &Opts::Missing, false) {
        Ok(Planned::Request(p)) => {
            let mut plan = *p;
            plan.timeout_ms = timeout_ms.unwrap_or(plan.timeout_ms);
            plan.max_retries = max_retries;
            Ok(plan)
        }
        // (a status call is never validation-only: `plan` answers it with a request)
        Ok(_) => Err(invalid_options("deapi-wasm could not plan the job's status request", None)),
        Err(e) => Err(to_error(&e, None)),
    }
}

/// What a wait does after one status answer.
enum Polled {
    /// Check again: the poll went at `.0`, the schedule wants the next at `.1` (ms since 1970).
    Again((f64, f64)),
    /// The wait is over: the final status, or its error (`JobFailedError`, `JobTimeoutError`).
    End(Result<JsValue, JsValue>),
}

/// One status answer `r` of a poll sent at `sent`: shown to `onProgress` (the status made a JS
/// object only for someone who sees it: `onProgress`, or the caller at the end), then what comes next.
fn polled(on_progress: &Option<Function>, r: &Answer, sent: f64) -> Polled {
    let shown = on_progress.as_ref().map(|_| to_js(&r.value));
    if let Some(status) = &shown {
        notify(on_progress, status);
    }
    match &r.after {
        Some(After::Fail(e)) => Polled::End(Err(to_error(e, None))),
        Some(After::PollIn(delay)) => Polled::Again((sent, js_sys::Date::now() + delay)),
        Some(After::Done) | None => Polled::End(Ok(shown.unwrap_or_else(|| to_js(&r.value)))),
    }
}

/// `wait(id, opts)`.
pub async fn wait(inner: Rc<Inner>, id: JsValue, opts: JsValue) -> Result<JsValue, JsValue> {
    let w = inner.session.wait_plan(&convert::arg(&id), &convert::opts(&opts)).map_err(|e| to_error(&e, None))?;
    let signal = signal_of(&opts);
    let on_progress = if opts.is_object() { get(&opts, "onProgress").dyn_into::<Function>().ok() } else { None };
    let started = js_sys::Date::now();
    // a relay stream first (realtime.relay); it hands the wait back to polling when it cannot end it
    #[cfg(feature = "realtime-relay")]
    if w.realtime {
        use super::eventsource::{read, Relayed};
        match read(&inner, &w.id, on_progress.clone(), &signal, w.options.max_wait_ms).await {
            Relayed::Done(status) => return Ok(status),
            Relayed::Aborted => return Err(abort_error(0, signal.reason(), &w.id)),
            Relayed::Poll => {}
        }
    }
    if inner.session.scheduled() {
        return shared_wait(&inner, w, signal, on_progress, started).await;
    }
    let plan = status_plan(&inner, &w.id, Some(w.timeout_ms), w.max_retries)?;
    let bell = Rc::new(Bell::default());
    let watching = if w.realtime { watch(&inner, &w.id, on_progress.clone(), Rc::clone(&bell)) } else { None };
    // the last status GET: when it went, and when the poll schedule wants the next
    let mut last: Option<(f64, f64)> = None;
    let mut polls = 1;
    loop {
        loop {
            let due = next_check(watching.as_ref(), started, last, &w.options);
            let now = js_sys::Date::now();
            if due <= now {
                break;
            }
            if signal.race(sleep_or_ring(due - now, &bell)).await.is_err() {
                return Err(abort_error(0, signal.reason(), &w.id));
            }
        }
        if let Some(x) = &watching {
            x.checking();
        }
        let sent = js_sys::Date::now();
        let r = send(&inner, &plan, None, &signal, Some(Poll { polls, started, options: w.options })).await?;
        match polled(&on_progress, &r, sent) {
            Polled::Again(next) => last = Some(next),
            Polled::End(result) => return result,
        }
        polls += 1;
    }
}

async fn shared_wait(inner: &Rc<Inner>, w: WaitPlan, signal: Signal, on_progress: Option<Function>, started: f64) -> Result<JsValue, JsValue> {
    if signal.aborted() {
        return Err(abort_error(0, signal.reason(), &w.id));
    }
    let poller = &inner.poller;
    let watching = if w.realtime { watch(inner, &w.id, on_progress.clone(), Rc::clone(&poller.bell)) } else { None };
    let me = Rc::new(Waiter {
        w,
        started,
        polls: Cell::new(0),
        last: Cell::new(None),
        watching,
        on_progress,
        plan: RefCell::new(None),
        result: RefCell::new(None),
        done: Turn::default(),
    });
    poller.waiters.borrow_mut().push(Rc::clone(&me));
    if poller.polling.get() {
        poller.bell.ring(); // the poller may be sleeping towards a later check than this one's
    } else {
        poller.polling.set(true);
        wasm_bindgen_futures::spawn_local(poll(Rc::clone(inner)));
    }
    match signal.race(me.done.wait()).await {
        Ok(()) => me.result.borrow_mut().take().unwrap_or(Ok(JsValue::UNDEFINED)),
        Err(()) => {
            let error = abort_error(0, signal.reason(), &me.w.id);
            poller.settle(&me, Err(error.clone()));
            Err(error)
        }
    }
}

/// The poller's loop. It ends, and clears `polling` in the same step, once nobody waits (so a
/// wait() that arrives just then starts a new loop instead of waiting on a finished one).
async fn poll(inner: Rc<Inner>) {
    loop {
        if inner.poller.waiters.borrow().is_empty() {
            inner.poller.polling.set(false);
            return;
        }
        poll_once(&inner).await;
    }
}

/// One status request for the waiter due soonest, then a tick.
async fn poll_once(inner: &Rc<Inner>) {
    let poller = &inner.poller;
    let (tick, me, due) = {
        let list = poller.waiters.borrow();
        let tick = list.iter().map(|x| x.w.options.poll_interval_ms).fold(f64::INFINITY, f64::min);
        let due = |x: &Waiter| next_check(x.watching.as_ref(), x.started, x.last.get(), &x.w.options);
        let Some((me, due)) = list.iter().map(|x| (x, due(x))).min_by(|a, b| a.1.total_cmp(&b.1)) else { return };
        (tick, Rc::clone(me), due)
    };
    let now = js_sys::Date::now();
    if due > now {
        sleep_or_ring(due - now, &poller.bell).await;
        return;
    }
    if let Some(x) = &me.watching {
        x.checking();
    }
    let sent = now;
    if me.plan.borrow().is_none() {
        match status_plan(inner, &me.w.id, None, me.w.max_retries) {
            Ok(p) => *me.plan.borrow_mut() = Some(p),
            Err(e) => {
                poller.settle(&me, Err(e));
                return;
            }
        }
    }
    let Some(plan) = me.plan.borrow().clone() else { return };
    let poll = Poll { polls: me.polls.get() + 1, started: me.started, options: me.w.options };
    match send(inner, &plan, None, &Signal::default(), Some(poll)).await {
        Ok(r) => {
            let next = polled(&me.on_progress, &r, sent);
            if poller.waiting(&me) {
                me.polls.set(me.polls.get() + 1);
                match next {
                    Polled::Again(next) => me.last.set(Some(next)),
                    Polled::End(result) => poller.settle(&me, result),
                }
            }
        }
        Err(e) => poller.settle(&me, Err(e)),
    }
    if tick > 0.0 && tick.is_finite() {
        sleep(tick).await;
    }
}
