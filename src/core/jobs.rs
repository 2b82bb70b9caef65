//! Jobs (pure): decoding a job status, telling running from finished, the failure error, and the
//! polling schedule of `wait()` (deapi-api.md §3).


use crate::core::config::MAX_TIMER_MS;
use crate::core::decode::invalid_response;
use crate::core::error::{ApiError, Body, JobFailure, Kind};
use crate::core::json::Json;
use crate::core::text::dec;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Phase {
    Running,
    Done,
    Failed,
}

/// `{"data":{status, progress, …}}` → the status object, with `status` a string, `progress` a
/// number or null, and `request_id` set. Every other field is kept as sent. Takes the body by
/// value: a poll's fields move into the result instead of being copied (this runs on every poll).
pub fn decode_status(http_status: u16, body: Json, request_id: &str) -> Result<Json, ApiError> {
    let wrapped = matches!(body.get("data"), Some(Json::Obj(_)));
    // tolerate an unwrapped status object
    if !wrapped && !matches!(body.get("status"), Some(Json::Str(_))) {
        return Err(invalid_response(http_status, &body, "the job status has no `data` object"));
    }
    let data = if wrapped { body.get("data") } else { Some(&body) };
    if !matches!(data.and_then(|d| d.get("status")), Some(Json::Str(_))) {
        return Err(invalid_response(http_status, &body, "the job status has no `status`"));
    }
    let pairs = match body {
        // the last `data`, as `get` reads it (an object past json::FOLD_UP_TO keys may repeat one)
        Json::Obj(outer) if wrapped => outer.into_iter().rev().find_map(|(k, v)| match v {
            Json::Obj(inner) if k == "data" => Some(inner),
            _ => None,
        }),
        Json::Obj(pairs) => Some(pairs),
        _ => None,
    }
    .unwrap_or_default();
    let mut out: Vec<(String, Json)> = Vec::with_capacity(pairs.len() + 2);
    out.push(("request_id".to_owned(), Json::str(request_id)));
    let mut progress = false;
    for (k, v) in pairs {
        let v = match k.as_str() {
            "request_id" => continue,
            "progress" => {
                progress = true;
                v.as_f64_lenient().map_or(Json::Null, Json::Num)
            }
            _ => v,
        };
        out.push((k, v));
    }
    if !progress {
        out.push(("progress".to_owned(), Json::Null));
    }
    Ok(Json::Obj(out))
}

/// `done` and `error` are terminal (also the `completed`/`failed` spellings some clients use);
/// any other status, known or not, is still running.
pub fn phase(status: &Json) -> Phase {
    let s = status.get("status").and_then(Json::as_str).unwrap_or_default();
    let is = |words: [&str; 2]| words.iter().any(|w| s.eq_ignore_ascii_case(w));
    if is(["done", "completed"]) {
        Phase::Done
    } else if is(["error", "failed"]) {
        Phase::Failed
    } else {
        Phase::Running
    }
}

/// The `JobFailedError` for a failed status (v2 failure fields, v1's `error` as fallback).
pub fn failure(request_id: &str, status: &Json) -> ApiError {
    let text = |k: &str| status.get(k).and_then(Json::as_str).filter(|s| !s.trim().is_empty()).map(str::to_owned);
    let detail = text("error_message").or_else(|| text("error"));
    let message = match &detail {
        Some(d) => ["Job ", request_id, " failed: ", d].concat(),
        None => ["Job ", request_id, " failed"].concat(),
    };
    let mut e = ApiError::new(Kind::JobFailed, message);
    e.request_id = Some(request_id.to_owned());
    e.job = Some(Box::new(JobFailure {
        error_code: text("error_code"),
        error_message: detail,
        error_reason: text("error_reason"),
        retryable: status.get("retryable").and_then(Json::as_bool_lenient),
        refunded: status.get("refunded").and_then(Json::as_bool_lenient),
    }));
    e.body = Some(Body::Json(status.clone()));
    e
}

pub fn timeout(request_id: &str, waited_ms: f64, last: &Json) -> ApiError {
    let secs = (waited_ms / 1000.0).round() as u64;
    let mut e = ApiError::new(
        Kind::JobTimeout,
        ["Job ", request_id, " was still running after ", &dec(secs), " s (maxWaitMs); it may still finish: call wait() again or check it later"].concat(),
    );
    e.request_id = Some(request_id.to_owned());
    e.body = Some(Body::Json(last.clone()));
    e
}

/// `wait()` options.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct WaitOptions {
    /// First delay between polls.
    pub poll_interval_ms: f64,
    /// Longest delay between polls (the delay grows ×1.5 per poll up to this).
    pub max_poll_interval_ms: f64,
    /// Give up (JobTimeoutError) after this long.
    pub max_wait_ms: f64,
}

impl Default for WaitOptions {
    fn default() -> Self {
        // deAPI: poll images every 2–5 s, video and music 10–30 s; status is rate limited
        // (Basic: 50/min, 200/day), so back off.
        WaitOptions { poll_interval_ms: 2000.0, max_poll_interval_ms: 10_000.0, max_wait_ms: 600_000.0 }
    }
}

pub const POLL_FACTOR: f64 = 1.5;

/// What a wait does after a poll. (Made once per poll and matched at once; boxing the large
/// variant would only add an allocation.)
#[derive(Debug, PartialEq)]
#[allow(clippy::large_enum_variant)]
pub enum Next {
    Finished(Result<Json, ApiError>),
    PollIn(f64),
}

impl WaitOptions {
    pub fn parse(options: &Json) -> Result<WaitOptions, ApiError> {
        let d = WaitOptions::default();
        let num = |name: &str, default: f64, min: f64| match options.get(name) {
            None | Some(Json::Null) => Ok(default),
            Some(Json::Num(n)) if n.is_finite() && *n >= min && *n <= MAX_TIMER_MS => Ok(*n),
            Some(_) => Err(ApiError::invalid_option(name, "must be a number of milliseconds from 0 to 2147483647")),
        };
        let poll_interval_ms = num("pollIntervalMs", d.poll_interval_ms, 0.0)?;
        let max_poll_interval_ms = num("maxPollIntervalMs", d.max_poll_interval_ms.max(poll_interval_ms), 0.0)?;
        let max_wait_ms = num("maxWaitMs", d.max_wait_ms, 0.0)?;
        Ok(WaitOptions { poll_interval_ms, max_poll_interval_ms: max_poll_interval_ms.max(poll_interval_ms), max_wait_ms })
    }

    /// After poll number `polls` returned `status`, `waited_ms` after the wait began: the outcome
    /// when the wait is over (done, failed, or out of time), else the delay before the next poll.
    pub fn next(&self, id: &str, status: Json, polls: u32, waited_ms: f64) -> Next {
        match phase(&status) {
            Phase::Done => Next::Finished(Ok(status)),
            Phase::Failed => Next::Finished(Err(failure(id, &status))),
            Phase::Running if waited_ms >= self.max_wait_ms => Next::Finished(Err(timeout(id, waited_ms, &status))),
            Phase::Running => Next::PollIn(self.delay_after(polls).min(self.max_wait_ms - waited_ms)),
        }
    }

    /// Delay before poll number `n + 1` (n ≥ 1 polls made).
    pub fn delay_after(&self, n: u32) -> f64 {
        let grown = self.poll_interval_ms * POLL_FACTOR.powi(n.saturating_sub(1).min(60) as i32);
        grown.min(self.max_poll_interval_ms)
    }
}

/// Where a wait's realtime socket stands (the wait's view of `deapi.realtime`).
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Live {
    /// No events for this wait (realtime off, unavailable or closed, or `wait({ realtime: false })`):
    /// it polls.
    Off,
    /// The socket is opening (the first time, or again after it dropped): the wait polls, but a wait
    /// that has not polled yet gives the socket up to `pollIntervalMs` first.
    Connecting,
    /// Subscribed at this time (ms): events drive the wait.
    Connected { since: f64 },
}

/// What one wait knows, for [`Watch::due`].
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct Watch {
    /// When the wait began (ms).
    pub started: f64,
    /// Its last status GET: when it was sent, and when the poll schedule wants the next one (the
    /// answer's time + `After::PollIn`'s delay).
    pub last: Option<(f64, f64)>,
    /// When the job's last event came.
    pub heard_at: Option<f64>,
    /// A `done` or `error` event came after the last GET.
    pub ended: bool,
}

impl Watch {
    /// When the wait's next status GET is due (ms; at or before now: at once). Polling, the poll
    /// schedule as without realtime. Connected: once right after each (re)subscription for a wait
    /// whose last check (or start) came before it — events sent while the socket was down are
    /// lost — at once after a terminal event (the one GET that resolves the wait), else
    /// `reconcile_ms` after the last check or event (failures never come as events). Never past
    /// the wait's `maxWaitMs`.
    pub fn due(&self, live: Live, options: &WaitOptions, reconcile_ms: f64) -> f64 {
        if self.ended {
            return f64::NEG_INFINITY;
        }
        let polling = |first: f64| self.last.map_or(first, |(_, next)| next);
        let at = match live {
            Live::Off => polling(self.started),
            Live::Connecting => polling(self.started + options.poll_interval_ms),
            Live::Connected { since } => {
                let checked = self.last.map_or(self.started, |(sent, _)| sent);
                if checked < since {
                    since
                } else {
                    checked.max(self.heard_at.unwrap_or(checked)) + reconcile_ms
                }
            }
        };
        at.min(self.started + options.max_wait_ms)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::test_util::j;


    #[test]
    fn status_is_normalised_and_kept() {
        let s = decode_status(200, j(r#"{"data":{"status":"processing","progress":"45.50","preview":"p.jpg","x":1}}"#), "id-1").unwrap();
        assert_eq!(s, j(r#"{"request_id":"id-1","status":"processing","progress":45.5,"preview":"p.jpg","x":1}"#));
        assert_eq!(phase(&s), Phase::Running);
        let s = decode_status(200, j(r#"{"data":{"status":"done","result_url":"u"}}"#), "id").unwrap();
        assert_eq!(s.get("progress"), Some(&Json::Null));
        assert_eq!(phase(&s), Phase::Done);
        // unwrapped object tolerated
        assert!(decode_status(200, j(r#"{"status":"pending"}"#), "id").is_ok());
    }

    #[test]
    fn unknown_statuses_are_running_and_odd_bodies_are_errors() {
        for st in ["pending", "queued", "in_progress", "waiting", "running", "something-new"] {
            assert_eq!(phase(&j(&format!(r#"{{"status":"{st}"}}"#))), Phase::Running, "{st}");
        }
        assert_eq!(phase(&j(r#"{"status":"FAILED"}"#)), Phase::Failed);
        assert_eq!(phase(&j(r#"{"status":"completed"}"#)), Phase::Done);
        for bad in [r#"{}"#, r#"{"data":null}"#, r#"{"data":{"progress":5}}"#, r#"{"data":{"status":7}}"#, r#"[]"#] {
            let e = decode_status(200, j(bad), "id").unwrap_err();
            assert_eq!(e.kind, Kind::InvalidResponse, "{bad}");
        }
    }

    #[test]
    fn failure_fields() {
        let s = j(r#"{"status":"error","error_code":"PROCESSING_ERROR","error_message":"age-restricted","error_reason":"SOURCE_RESTRICTED","retryable":false,"refunded":"1"}"#);
        let e = failure("id-9", &s);
        assert_eq!(e.kind, Kind::JobFailed);
        assert_eq!(e.message, "Job id-9 failed: age-restricted");
        assert_eq!(e.request_id.as_deref(), Some("id-9"));
        assert_eq!(
            e.job,
            Some(Box::new(JobFailure {
                error_code: Some("PROCESSING_ERROR".into()),
                error_message: Some("age-restricted".into()),
                error_reason: Some("SOURCE_RESTRICTED".into()),
                retryable: Some(false),
                refunded: Some(true)
            }))
        );
        // v1: a single `error` field
        let v1 = failure("a", &j(r#"{"status":"error","error":"boom"}"#));
        assert_eq!((v1.message.as_str(), v1.job.as_ref().unwrap().error_message.as_deref()), ("Job a failed: boom", Some("boom")));
        assert_eq!(failure("a", &j(r#"{"status":"error"}"#)).message, "Job a failed");
    }

    #[test]
    fn after_each_poll() {
        let w = WaitOptions::parse(&j(r#"{"pollIntervalMs":10,"maxWaitMs":100}"#)).unwrap();
        assert_eq!(w.next("id", j(r#"{"status":"processing"}"#), 1, 5.0), Next::PollIn(10.0));
        assert_eq!(w.next("id", j(r#"{"status":"processing"}"#), 3, 95.0), Next::PollIn(5.0), "never past maxWaitMs");
        assert!(matches!(w.next("id", j(r#"{"status":"done"}"#), 2, 5.0), Next::Finished(Ok(_))));
        assert!(matches!(w.next("id", j(r#"{"status":"error"}"#), 2, 5.0), Next::Finished(Err(ref e)) if e.kind == Kind::JobFailed));
        assert!(matches!(w.next("id", j(r#"{"status":"pending"}"#), 9, 100.0), Next::Finished(Err(ref e)) if e.kind == Kind::JobTimeout));
    }

    #[test]
    fn poll_schedule_backs_off_to_the_cap() {
        let w = WaitOptions::default();
        let d: Vec<f64> = (1..=6).map(|n| w.delay_after(n)).collect();
        assert_eq!(d, [2000.0, 3000.0, 4500.0, 6750.0, 10_000.0, 10_000.0]);
        let w = WaitOptions::parse(&j(r#"{"pollIntervalMs":20000}"#)).unwrap();
        assert_eq!((w.delay_after(1), w.delay_after(9)), (20_000.0, 20_000.0));
        let w = WaitOptions::parse(&j(r#"{"pollIntervalMs":10,"maxPollIntervalMs":30,"maxWaitMs":100}"#)).unwrap();
        assert_eq!((w.delay_after(1), w.delay_after(2), w.delay_after(4)), (10.0, 15.0, 30.0));
        assert!(WaitOptions::parse(&j(r#"{"maxWaitMs":-1}"#)).is_err());
        assert!(WaitOptions::parse(&j(r#"{"pollIntervalMs":"1s"}"#)).unwrap_err().message.contains("`pollIntervalMs`"));
    }

    #[test]
    fn when_a_wait_checks_its_job() {
        let o = WaitOptions::parse(&j(r#"{"pollIntervalMs":2000,"maxWaitMs":60000}"#)).unwrap();
        let fresh = Watch { started: 1000.0, ..Watch::default() };
        // polling: at once, then as the poll schedule says
        assert_eq!(fresh.due(Live::Off, &o, 10_000.0), 1000.0);
        let polled = Watch { last: Some((1000.0, 3500.0)), ..fresh };
        assert_eq!(polled.due(Live::Off, &o, 10_000.0), 3500.0);
        // the socket opening: a new wait gives it one poll interval; a wait that polled goes on polling
        assert_eq!(fresh.due(Live::Connecting, &o, 10_000.0), 3000.0);
        assert_eq!(polled.due(Live::Connecting, &o, 10_000.0), 3500.0);
        // subscribed after the wait began (or after its last check): one check at once
        assert_eq!(fresh.due(Live::Connected { since: 1500.0 }, &o, 10_000.0), 1500.0);
        assert_eq!(polled.due(Live::Connected { since: 1500.0 }, &o, 10_000.0), 1500.0);
        // subscribed before: the next check a reconcile interval after the last check or event
        let after = Watch { started: 2000.0, ..Watch::default() };
        assert_eq!(after.due(Live::Connected { since: 1500.0 }, &o, 10_000.0), 12_000.0);
        let checked = Watch { last: Some((1600.0, 4000.0)), ..fresh };
        assert_eq!(checked.due(Live::Connected { since: 1500.0 }, &o, 10_000.0), 11_600.0);
        let heard = Watch { heard_at: Some(9000.0), ..checked };
        assert_eq!(heard.due(Live::Connected { since: 1500.0 }, &o, 10_000.0), 19_000.0);
        // a done or error event: at once, whatever the socket
        let ended = Watch { ended: true, ..heard };
        for live in [Live::Off, Live::Connecting, Live::Connected { since: 1500.0 }] {
            assert!(ended.due(live, &o, 10_000.0) < 0.0);
        }
        // never past maxWaitMs
        let late = Watch { started: 1000.0, last: Some((55_000.0, 58_000.0)), ..Watch::default() };
        assert_eq!(late.due(Live::Connected { since: 1500.0 }, &o, 10_000.0), 61_000.0);
        assert_eq!(late.due(Live::Off, &o, 10_000.0), 58_000.0);
    }
}
