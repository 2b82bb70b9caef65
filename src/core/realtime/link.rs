//! [`Link`], the socket's state machine: the binding feeds it what happened ([`Input`]) and carries
//! out what it returns ([`Action`]); and [`EarlyEvents`], the bounded buffer of events that arrive
//! before their submission's response.

use super::*;
use crate::core::text::dec;

/// The socket's state, as `deapi.realtime.state` shows it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum State {
    /// Not opened yet (no wait or listener needed it).
    Idle,
    /// Opening, authorising or subscribing (also between reconnects).
    Connecting,
    /// Subscribed: events flow.
    Connected,
    /// Refused (auth 401/403, `subscription_error`, a 4000–4099 close) or no WebSocket in the
    /// runtime: waits poll.
    Unavailable,
    /// `close()` was called.
    Closed,
}

impl State {
    pub fn name(self) -> &'static str {
        match self {
            State::Idle => "idle",
            State::Connecting => "connecting",
            State::Connected => "connected",
            State::Unavailable => "unavailable",
            State::Closed => "closed",
        }
    }
}

// ───────────────────────────── the state machine ─────────────────────────────

/// The timers a [`Link`] asks the binding to run (one of each kind at a time).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Timer {
    /// The socket must say `connection_established` by then ([`HANDSHAKE_TIMEOUT_MS`]).
    Handshake,
    /// Silence for this long: send `pusher:ping` (restarted by every frame).
    Ping,
    /// No frame since the ping: the socket is dead.
    Pong,
    /// Open the socket again.
    Reconnect,
}

/// What happened, as the binding tells a [`Link`].
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Input<'a> {
    /// A wait or a listener needs the socket (ignored unless idle).
    Open,
    /// No wait or listener is left: close everything, back to idle.
    Release,
    /// `close()`: closed for good; waits poll.
    Close,
    /// The socket could not be made (no WebSocket in the runtime, a refused URL): the reason.
    CannotConnect(&'a str),
    /// A text frame.
    Frame(&'a str),
    /// The auth endpoint's answer to the [`Action::Authorize`] for `socket_id` (an answer for an
    /// older socket is ignored).
    AuthAnswer { socket_id: &'a str, status: u16, body: &'a str },
    /// The auth request for `socket_id` failed without an answer (network, timeout).
    AuthUnreachable { socket_id: &'a str },
    /// The socket closed (not by us), with its close code (1006 when it dropped).
    Closed { code: u16 },
    /// A timer it asked for fired.
    Fired(Timer),
}

/// What the binding does, in order.
#[derive(Clone, Debug, PartialEq)]
pub enum Action {
    /// Open a socket to this URL (none is open; its frames and close are then reported).
    Connect(String),
    /// Close the socket, if one is open, and clear every timer.
    Disconnect,
    Send(String),
    /// POST `body` (JSON) to the auth endpoint (with the key, as every call), then report the
    /// answer with this `socket_id` ([`Input::AuthAnswer`] or [`Input::AuthUnreachable`]).
    Authorize { socket_id: String, body: String },
    /// (Re)start a timer.
    Start(Timer, f64),
    Stop(Timer),
    /// Subscribed (again): events flow; check each pending job once over REST (events sent while
    /// the socket was down are lost).
    Subscribed,
    /// A job event for the waits and listeners.
    Event(JobEvent),
    /// `state` changed.
    State(State),
    /// Realtime gave up (waits poll): the reason, for `onError`.
    Unavailable(String),
}

/// One client's socket as a state machine (realtime.md §2.8): the binding feeds it each
/// [`Input`] and carries out the [`Action`]s it returns; every decision lives here.
#[derive(Clone, Debug, PartialEq)]
pub struct Link {
    state: State,
    url: String,
    channel: String,
    app_key: String,
    socket_id: Option<String>,
    /// A socket is open (Connect done, no Disconnect or close since): inputs of a socket that is
    /// gone, and timers that fire late, are ignored.
    socket: bool,
    /// Reconnects in a row that have not reached a subscription.
    attempt: u32,
    ping_after: f64,
    awaiting_pong: bool,
}

impl Link {
    /// `None` without a `clientId` (a relay only: no socket of its own).
    pub fn new(cfg: &RealtimeConfig) -> Option<Link> {
        let id = cfg.client_id.as_deref()?;
        Some(Link {
            state: State::Idle,
            url: socket_url(cfg),
            channel: channel(id),
            app_key: cfg.app_key.clone(),
            socket_id: None,
            socket: false,
            attempt: 0,
            ping_after: DEFAULT_ACTIVITY_MS,
            awaiting_pong: false,
        })
    }
    pub fn state(&self) -> State {
        self.state
    }
    /// The current socket id (after the handshake).
    pub fn socket_id(&self) -> Option<&str> {
        self.socket_id.as_deref()
    }
    fn set(&mut self, state: State, out: &mut Vec<Action>) {
        if self.state != state {
            self.state = state;
            out.push(Action::State(state));
        }
    }
    /// Close the socket and clear every timer.
    fn disconnect(&mut self, out: &mut Vec<Action>) {
        out.push(Action::Disconnect);
        self.socket = false;
        self.socket_id = None;
        self.awaiting_pong = false;
    }
    fn give_up(&mut self, why: String, out: &mut Vec<Action>) {
        self.disconnect(out);
        self.set(State::Unavailable, out);
        out.push(Action::Unavailable(why));
    }
    /// Closed (or found dead) with `code`: reconnect when the policy says so.
    fn lost(&mut self, code: u16, random: f64, out: &mut Vec<Action>) {
        self.disconnect(out);
        match after_close(code, self.attempt, random) {
            Reconnect::Never => {
                self.set(State::Unavailable, out);
                out.push(Action::Unavailable(["realtime: the server refused the connection (close code ", &dec(u64::from(code)), "); jobs are polled"].concat()));
            }
            Reconnect::After(ms) => {
                self.attempt = self.attempt.saturating_add(1);
                self.set(State::Connecting, out);
                out.push(Action::Start(Timer::Reconnect, ms));
            }
        }
    }
    fn connect(&mut self, out: &mut Vec<Action>) {
        self.set(State::Connecting, out);
        self.socket = true;
        out.push(Action::Connect(self.url.clone()));
        out.push(Action::Start(Timer::Handshake, HANDSHAKE_TIMEOUT_MS));
    }

    /// What to do after `input`; `random` ∈ [0, 1) is the jitter of any backoff this decides.
    pub fn on(&mut self, input: Input, random: f64) -> Vec<Action> {
        let mut out = Vec::new();
        // a socket is open and wanted
        let live = self.socket && matches!(self.state, State::Connecting | State::Connected);
        let current = |id: &str| self.socket_id.as_deref() == Some(id);
        match input {
            Input::Open if self.state == State::Idle => self.connect(&mut out),
            Input::Release | Input::Close if self.state != State::Closed => {
                self.disconnect(&mut out);
                self.attempt = 0;
                let next = if input == Input::Close { State::Closed } else if self.state == State::Unavailable { State::Unavailable } else { State::Idle };
                self.set(next, &mut out);
            }
            Input::CannotConnect(why) if live => self.give_up(["realtime: cannot open a WebSocket (", why, "); jobs are polled"].concat(), &mut out),
            Input::Closed { code } if live => self.lost(code, random, &mut out),
            Input::AuthUnreachable { socket_id } if live && current(socket_id) => self.lost(1006, random, &mut out),
            Input::AuthAnswer { socket_id, status, body } if live && current(socket_id) => match decode_auth(status, body, &self.app_key) {
                Ok(auth) => out.push(Action::Send(subscribe_frame(&self.channel, &auth))),
                Err(f) if f.retryable() => self.lost(1006, random, &mut out),
                Err(f) => self.give_up(f.message(), &mut out),
            },
            Input::Fired(Timer::Reconnect) if self.state == State::Connecting && !self.socket => self.connect(&mut out),
            Input::Fired(Timer::Handshake) if live && self.socket_id.is_none() => self.lost(1006, random, &mut out),
            Input::Fired(Timer::Ping) if live && self.socket_id.is_some() => {
                self.awaiting_pong = true;
                out.push(Action::Send(PING_FRAME.to_owned()));
                out.push(Action::Start(Timer::Pong, pong_deadline_ms(self.ping_after)));
            }
            // no frame since the ping: dead, reconnect as after 4201 (at once the first time)
            Input::Fired(Timer::Pong) if live && self.awaiting_pong => self.lost(4201, random, &mut out),
            Input::Frame(text) if live => self.frame(text, &mut out),
            _ => {}
        }
        out
    }

    fn frame(&mut self, text: &str, out: &mut Vec<Action>) {
        // any frame proves the socket alive
        if self.awaiting_pong {
            self.awaiting_pong = false;
            out.push(Action::Stop(Timer::Pong));
        }
        if self.socket_id.is_some() {
            out.push(Action::Start(Timer::Ping, self.ping_after));
        }
        match decode_frame(text, &self.channel) {
            Frame::ConnectionEstablished { socket_id, activity_timeout } if self.socket_id.is_none() => {
                self.ping_after = ping_after_ms(activity_timeout);
                out.push(Action::Stop(Timer::Handshake));
                out.push(Action::Start(Timer::Ping, self.ping_after));
                out.push(Action::Authorize { body: auth_body(&socket_id, &self.channel), socket_id: socket_id.clone() });
                self.socket_id = Some(socket_id);
            }
            Frame::Ping => out.push(Action::Send(PONG_FRAME.to_owned())),
            Frame::SubscriptionSucceeded { .. } if self.socket_id.is_some() => {
                self.attempt = 0;
                self.set(State::Connected, out);
                out.push(Action::Subscribed);
            }
            Frame::SubscriptionError { status, message, .. } => {
                let why = [
                    "realtime: the subscription was refused (",
                    &status.map_or_else(|| "no status".to_owned(), |s| dec(u64::from(s))),
                    message.as_deref().map_or("", |_| ": "),
                    message.as_deref().unwrap_or(""),
                    "); check `realtime.clientId` and `realtime.url`; jobs are polled",
                ]
                .concat();
                self.give_up(why, out);
            }
            Frame::StatusEvent(e) => out.push(Action::Event(e)),
            // pusher:error comes before the close, which decides; the rest is ignored
            _ => {}
        }
    }
}

// ───────────────────────────── early events ─────────────────────────────

/// Recent events by `request_id`, for an event that arrives before its submission's response (it
/// happens: a fast job's `done` can beat the HTTP answer). Bounded in ids, age and bytes; one event
/// per id is kept — the latest, except that a terminal event is never replaced by a running one.
#[derive(Clone, Debug, PartialEq)]
pub struct EarlyEvents {
    entries: Vec<(f64, JobEvent)>,
    max_ids: usize,
    max_age_ms: f64,
    max_bytes: usize,
}

impl Default for EarlyEvents {
    /// 256 ids, 60 s, 4 MiB.
    fn default() -> Self {
        EarlyEvents::new(256, 60_000.0, 4 * 1024 * 1024)
    }
}

impl EarlyEvents {
    pub fn new(max_ids: usize, max_age_ms: f64, max_bytes: usize) -> Self {
        EarlyEvents { entries: Vec::new(), max_ids, max_age_ms, max_bytes }
    }
    pub fn len(&self) -> usize {
        self.entries.len()
    }
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }
    fn bytes(&self) -> usize {
        self.entries.iter().map(|(_, e)| e.size()).sum()
    }
    /// Drop what is older than the age bound (at `now`, ms).
    pub fn prune(&mut self, now: f64) {
        let max_age = self.max_age_ms;
        self.entries.retain(|(at, _)| now - at <= max_age);
    }
    /// Keep `event` (received at `now`).
    pub fn push(&mut self, now: f64, event: JobEvent) {
        self.prune(now);
        if event.size() > self.max_bytes || self.max_ids == 0 {
            return;
        }
        if let Some(i) = self.entries.iter().position(|(_, e)| e.request_id == event.request_id) {
            if self.entries.get(i).is_some_and(|(_, e)| e.is_terminal()) && !event.is_terminal() {
                return;
            }
            self.entries.remove(i);
        }
        self.entries.push((now, event));
        while self.entries.len() > self.max_ids || self.bytes() > self.max_bytes {
            self.entries.remove(0);
        }
    }
    /// The kept event of `request_id` (removed), if it is recent enough.
    pub fn take(&mut self, request_id: &str, now: f64) -> Option<JobEvent> {
        self.prune(now);
        let i = self.entries.iter().position(|(_, e)| e.request_id == request_id)?;
        Some(self.entries.remove(i).1)
    }
}

#[cfg(test)]
mod tests {
    use crate::core::realtime::test_support::*;

    fn link() -> Link {
        Link::new(&rt(r#"{"clientId":"42","url":"ws://127.0.0.1:9/app/k"}"#).unwrap().unwrap()).unwrap()
    }
    const HELLO: &str = r#"{"event":"pusher:connection_established","data":"{\"socket_id\":\"1.2\",\"activity_timeout\":30}"}"#;
    const OK_SUB: &str = r#"{"event":"pusher_internal:subscription_succeeded","channel":"private-client.42"}"#;
    fn signed() -> String {
        format!(r#"{{"auth":"k:{}"}}"#, "a".repeat(64))
    }
    /// A link driven to Connected.
    fn connected() -> Link {
        let mut l = link();
        l.on(Input::Open, 0.5);
        l.on(Input::Frame(HELLO), 0.5);
        l.on(Input::AuthAnswer { socket_id: "1.2", status: 200, body: &signed() }, 0.5);
        l.on(Input::Frame(OK_SUB), 0.5);
        assert_eq!(l.state(), State::Connected);
        l
    }

    #[test]
    fn link_connects_authorises_subscribes() {
        let mut l = link();
        assert_eq!(l.state(), State::Idle);
        let url = ["ws://127.0.0.1:9/app/k?protocol=7&client=deapi-wasm&version=", env!("CARGO_PKG_VERSION"), "&flash=false"].concat();
        assert_eq!(l.on(Input::Open, 0.5), [Action::State(State::Connecting), Action::Connect(url), Action::Start(Timer::Handshake, HANDSHAKE_TIMEOUT_MS)]);
        assert_eq!(l.on(Input::Open, 0.5), [], "one socket");
        assert_eq!(
            l.on(Input::Frame(HELLO), 0.5),
            [
                Action::Stop(Timer::Handshake),
                Action::Start(Timer::Ping, 30_000.0),
                Action::Authorize { socket_id: "1.2".into(), body: r#"{"socket_id":"1.2","channel_name":"private-client.42"}"#.into() }
            ]
        );
        assert_eq!(l.socket_id(), Some("1.2"));
        let sub = l.on(Input::AuthAnswer { socket_id: "1.2", status: 200, body: &signed() }, 0.5);
        assert_eq!(sub, [Action::Send(subscribe_frame("private-client.42", &format!("k:{}", "a".repeat(64))))]);
        assert_eq!(l.on(Input::Frame(OK_SUB), 0.5), [Action::Start(Timer::Ping, 30_000.0), Action::State(State::Connected), Action::Subscribed]);
        // events, server pings
        let ev = r#"{"event":"request.status.updated","channel":"private-client.42","data":"{\"request_id\":\"r\",\"status\":\"in_progress\",\"progress\":\"5.5\"}"}"#;
        let acts = l.on(Input::Frame(ev), 0.5);
        assert!(matches!(acts.as_slice(), [Action::Start(Timer::Ping, _), Action::Event(e)] if e.status == "processing" && e.progress == Some(5.5)));
        assert_eq!(l.on(Input::Frame(PING_FRAME), 0.5), [Action::Start(Timer::Ping, 30_000.0), Action::Send(PONG_FRAME.into())]);
        // hostile frames: only the activity timer
        assert_eq!(l.on(Input::Frame("garbage"), 0.5), [Action::Start(Timer::Ping, 30_000.0)]);
        assert!(Link::new(&rt(r#"{"relay":"/e/{requestId}"}"#).unwrap().unwrap()).is_none(), "a relay only: no socket");
    }

    #[test]
    fn link_pings_and_reconnects_on_a_missing_pong() {
        let mut l = connected();
        assert_eq!(l.on(Input::Fired(Timer::Ping), 0.5), [Action::Send(PING_FRAME.into()), Action::Start(Timer::Pong, 30_000.0)]);
        // a pong in time
        assert_eq!(l.on(Input::Frame(PONG_FRAME), 0.5), [Action::Stop(Timer::Pong), Action::Start(Timer::Ping, 30_000.0)]);
        assert_eq!(l.on(Input::Fired(Timer::Pong), 0.5), [], "a stale pong timer is ignored");
        // no pong: dead, reconnect at once (as 4201), then the next failure backs off
        l.on(Input::Fired(Timer::Ping), 0.5);
        assert_eq!(l.on(Input::Fired(Timer::Pong), 0.0), [Action::Disconnect, Action::State(State::Connecting), Action::Start(Timer::Reconnect, 0.0)]);
        assert_eq!(l.socket_id(), None);
        assert!(matches!(l.on(Input::Fired(Timer::Reconnect), 0.5).as_slice(), [Action::Connect(_), Action::Start(Timer::Handshake, _)]));
        assert_eq!(l.on(Input::Fired(Timer::Handshake), 0.0), [Action::Disconnect, Action::Start(Timer::Reconnect, 2_000.0)], "attempt 2 backs off");
        // a new handshake: authorised again with the new socket id, resubscribed, attempts reset
        l.on(Input::Fired(Timer::Reconnect), 0.5);
        let acts = l.on(Input::Frame(&HELLO.replace("1.2", "3.4")), 0.5);
        assert!(acts.contains(&Action::Authorize { socket_id: "3.4".into(), body: auth_body("3.4", "private-client.42") }));
        assert_eq!(l.on(Input::AuthAnswer { socket_id: "1.2", status: 403, body: "" }, 0.5), [], "an answer for the old socket is ignored");
        l.on(Input::AuthAnswer { socket_id: "3.4", status: 200, body: &signed() }, 0.5);
        assert!(l.on(Input::Frame(OK_SUB), 0.5).contains(&Action::Subscribed));
        assert_eq!(l.on(Input::Closed { code: 4200 }, 0.5), [Action::Disconnect, Action::State(State::Connecting), Action::Start(Timer::Reconnect, 0.0)]);
    }

    #[test]
    fn link_close_codes_and_refusals() {
        let mut l = connected();
        assert_eq!(l.on(Input::Closed { code: 1006 }, 0.0), [Action::Disconnect, Action::State(State::Connecting), Action::Start(Timer::Reconnect, 1_000.0)]);
        let mut l = connected();
        let acts = l.on(Input::Closed { code: 4009 }, 0.0);
        assert_eq!(l.state(), State::Unavailable);
        assert!(matches!(acts.as_slice(), [Action::Disconnect, Action::State(State::Unavailable), Action::Unavailable(m)] if m.contains("4009")));
        assert_eq!(l.on(Input::Open, 0.5), [], "unavailable stays so: waits poll");
        // auth refused
        let mut l = link();
        l.on(Input::Open, 0.5);
        l.on(Input::Frame(HELLO), 0.5);
        let acts = l.on(Input::AuthAnswer { socket_id: "1.2", status: 403, body: "{}" }, 0.5);
        assert!(matches!(acts.as_slice(), [Action::Disconnect, Action::State(State::Unavailable), Action::Unavailable(m)] if m.contains("realtime.clientId")));
        // auth down: retried after a backoff
        let mut l = link();
        l.on(Input::Open, 0.5);
        l.on(Input::Frame(HELLO), 0.5);
        assert_eq!(l.on(Input::AuthAnswer { socket_id: "1.2", status: 503, body: "" }, 0.0), [Action::Disconnect, Action::Start(Timer::Reconnect, 1_000.0)]);
        // subscription refused
        let mut l = link();
        l.on(Input::Open, 0.5);
        l.on(Input::Frame(HELLO), 0.5);
        let err = r#"{"event":"pusher:subscription_error","channel":"private-client.42","data":{"type":"AuthError","error":"The connection is unauthorized.","status":401}}"#;
        let acts = l.on(Input::Frame(err), 0.5);
        assert!(matches!(acts.last(), Some(Action::Unavailable(m)) if m.contains("401: The connection is unauthorized.")), "{acts:?}");
        // no WebSocket in the runtime
        let mut l = link();
        l.on(Input::Open, 0.5);
        assert!(matches!(l.on(Input::CannotConnect("no WebSocket"), 0.5).last(), Some(Action::Unavailable(m)) if m.contains("no WebSocket")));
    }

    #[test]
    fn link_release_and_close_leave_nothing() {
        let mut l = connected();
        assert_eq!(l.on(Input::Release, 0.5), [Action::Disconnect, Action::State(State::Idle)]);
        assert!(matches!(l.on(Input::Open, 0.5).get(1), Some(Action::Connect(_))), "opened again on the next need");
        assert_eq!(l.on(Input::Close, 0.5), [Action::Disconnect, Action::State(State::Closed)]);
        for input in [Input::Open, Input::Fired(Timer::Reconnect), Input::Closed { code: 1006 }, Input::Frame(HELLO), Input::Close] {
            assert_eq!(l.on(input, 0.5), [], "{input:?}");
        }
        // late timers and a closed socket's frames do nothing
        let mut l = connected();
        l.on(Input::Closed { code: 1006 }, 0.5);
        for input in [Input::Fired(Timer::Ping), Input::Fired(Timer::Pong), Input::Fired(Timer::Handshake), Input::Frame(OK_SUB), Input::Closed { code: 1006 }] {
            assert_eq!(l.on(input, 0.5), [], "{input:?}");
        }
        assert_eq!(l.on(Input::Fired(Timer::Reconnect), 0.5).len(), 2);
        assert_eq!(l.on(Input::Fired(Timer::Reconnect), 0.5), [], "one socket");
        // a reconnect timer that fires after close() does nothing
        let mut l = connected();
        l.on(Input::Closed { code: 1006 }, 0.5);
        l.on(Input::Close, 0.5);
        assert_eq!(l.on(Input::Fired(Timer::Reconnect), 0.5), []);
    }

    fn event(id: &str, status: &str, preview: usize) -> JobEvent {
        JobEvent { request_id: id.into(), status: status.into(), progress: None, preview: (preview > 0).then(|| "p".repeat(preview)), result_url: None }
    }

    #[test]
    fn early_events_are_kept_bounded() {
        let mut b = EarlyEvents::new(3, 1_000.0, 10_000);
        b.push(0.0, event("a", "processing", 0));
        b.push(1.0, event("a", "done", 0));
        b.push(2.0, event("a", "processing", 0));
        assert_eq!(b.len(), 1);
        assert_eq!(b.take("a", 3.0).map(|e| e.status), Some("done".into()), "a terminal event is not replaced");
        assert_eq!(b.take("a", 3.0), None, "taken once");
        // count
        for (i, id) in ["a", "b", "c", "d"].iter().enumerate() {
            b.push(i as f64, event(id, "processing", 0));
        }
        assert_eq!(b.len(), 3);
        assert_eq!(b.take("a", 10.0), None, "the oldest went");
        assert!(b.take("d", 10.0).is_some());
        // age
        b.push(100.0, event("e", "done", 0));
        assert_eq!(b.take("e", 1_101.0), None);
        assert!(b.is_empty());
        // bytes
        let mut b = EarlyEvents::new(100, 60_000.0, 10_000);
        b.push(0.0, event("big", "processing", 20_000));
        assert!(b.is_empty(), "larger than the whole budget");
        for i in 0..5 {
            b.push(0.0, event(&format!("p{i}"), "processing", 3_000));
        }
        assert!(b.len() <= 3 && b.take("p4", 0.0).is_some());
        assert!(EarlyEvents::default().is_empty());
    }

    #[test]
    fn state_names() {
        let all = [State::Idle, State::Connecting, State::Connected, State::Unavailable, State::Closed];
        assert_eq!(all.map(State::name), ["idle", "connecting", "connected", "unavailable", "closed"]);
    }
}
