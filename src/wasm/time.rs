//! Waiting: gloo-timers sleeps raced against the caller's `AbortSignal`. Whatever ends first, the
//! timer and the signal's listener are gone afterwards (dropping a gloo `TimeoutFuture` clears its
//! timer; [`Listener`] removes itself on drop), so nothing is left to keep Node alive.

use gloo_timers::future::TimeoutFuture;
use std::cell::{Cell, RefCell};
use std::future::Future;
use std::pin::pin;
use std::rc::Rc;
use std::task::{Poll, Waker};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use web_sys::{AbortSignal, AddEventListenerOptions};

use crate::core::config::MAX_TIMER_MS;

/// A listener on an `AbortSignal`'s `abort` event, removed when dropped.
pub struct Listener {
    signal: AbortSignal,
    callback: Closure<dyn FnMut()>,
}

impl Listener {
    pub fn new(signal: &AbortSignal, f: impl FnMut() + 'static) -> Listener {
        let callback = Closure::<dyn FnMut()>::new(f);
        let options = AddEventListenerOptions::new();
        options.set_once(true);
        let _ = signal.add_event_listener_with_callback_and_add_event_listener_options("abort", callback.as_ref().unchecked_ref(), &options);
        Listener { signal: signal.clone(), callback }
    }
}

impl Drop for Listener {
    fn drop(&mut self) {
        let _ = self.signal.remove_event_listener_with_callback("abort", self.callback.as_ref().unchecked_ref());
    }
}

/// The caller's signal (or none).
#[derive(Clone, Default)]
pub struct Signal(pub Option<AbortSignal>);

impl Signal {
    pub fn aborted(&self) -> bool {
        self.0.as_ref().is_some_and(AbortSignal::aborted)
    }
    /// Why it aborted (`signal.reason`).
    pub fn reason(&self) -> JsValue {
        self.0.as_ref().map_or(JsValue::UNDEFINED, AbortSignal::reason)
    }

    /// Run `f` until it ends or the signal aborts (`Err`). `f` is dropped at once on abort.
    pub async fn race<F: Future>(&self, f: F) -> Result<F::Output, ()> {
        let Some(signal) = &self.0 else { return Ok(f.await) };
        if signal.aborted() {
            return Err(());
        }
        let state = Rc::new((Cell::new(false), RefCell::new(None::<Waker>)));
        let seen = Rc::clone(&state);
        let _listener = Listener::new(signal, move || {
            seen.0.set(true);
            if let Some(w) = seen.1.borrow_mut().take() {
                w.wake();
            }
        });
        let mut f = pin!(f);
        std::future::poll_fn(|cx| {
            if state.0.get() {
                return Poll::Ready(Err(()));
            }
            if let Poll::Ready(v) = f.as_mut().poll(cx) {
                return Poll::Ready(Ok(v));
            }
            *state.1.borrow_mut() = Some(cx.waker().clone());
            Poll::Pending
        })
        .await
    }
}

/// Sleep `ms` on a gloo-timers timer (clamped to what JS timers honour).
pub async fn sleep(ms: f64) {
    let ms = if ms.is_finite() { ms.clamp(0.0, MAX_TIMER_MS) } else { 0.0 };
    TimeoutFuture::new(ms as u32).await;
}

/// Sleep `ms`, or stop early (`Err`) when the signal aborts.
pub async fn sleep_or_abort(ms: f64, signal: &Signal) -> Result<(), ()> {
    signal.race(sleep(ms)).await
}

/// A one-shot wake-up that a future can wait for ([`Turn::wait`]).
#[derive(Default)]
pub struct Turn {
    ready: Cell<bool>,
    waker: RefCell<Option<Waker>>,
}

impl Turn {
    pub fn go(&self) {
        self.ready.set(true);
        if let Some(w) = self.waker.borrow_mut().take() {
            w.wake();
        }
    }
    pub async fn wait(&self) {
        std::future::poll_fn(|cx| {
            if self.ready.get() {
                Poll::Ready(())
            } else {
                *self.waker.borrow_mut() = Some(cx.waker().clone());
                Poll::Pending
            }
        })
        .await
    }
}

/// A wake-up that rings any number of times: [`Bell::rung`] resolves once it rang since it last
/// resolved (a wait hears an event, a subscription or a state change of `deapi.realtime`).
#[derive(Default)]
pub struct Bell {
    rang: Cell<bool>,
    waker: RefCell<Option<Waker>>,
}

impl Bell {
    pub fn ring(&self) {
        self.rang.set(true);
        if let Some(w) = self.waker.borrow_mut().take() {
            w.wake();
        }
    }
    pub async fn rung(&self) {
        std::future::poll_fn(|cx| {
            if self.rang.replace(false) {
                Poll::Ready(())
            } else {
                *self.waker.borrow_mut() = Some(cx.waker().clone());
                Poll::Pending
            }
        })
        .await
    }
}

/// Sleep `ms`, or less if `bell` rings first (then the timer is cleared).
pub async fn sleep_or_ring(ms: f64, bell: &Bell) {
    let mut slept = pin!(sleep(ms));
    let mut rung = pin!(bell.rung());
    std::future::poll_fn(|cx| {
        if slept.as_mut().poll(cx).is_ready() || rung.as_mut().poll(cx).is_ready() {
            Poll::Ready(())
        } else {
            Poll::Pending
        }
    })
    .await
}
