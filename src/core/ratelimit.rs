//! Rate limits as data (pure): what each response said about its bucket's quota, kept per bucket,
//! and when a limit resets (deapi-api.md §4.3). deAPI limits each endpoint per minute and per day
//! (UTC); responses carry `X-RateLimit-*` headers, a 429 adds `Retry-After` and `X-RateLimit-Type`.


use crate::core::error::{ApiError, RateLimit, ResponseMeta};

const DAY_MS: f64 = 86_400_000.0;

/// The start of the next day, UTC, after `now_ms` (when a daily limit resets).
pub fn next_midnight_utc(now_ms: f64) -> f64 {
    ((now_ms / DAY_MS).floor() + 1.0) * DAY_MS
}

/// What the client last learned about one bucket.
#[derive(Clone, Debug, PartialEq)]
pub struct Quota {
    /// The client's name for the bucket: the v2 resource (`images/generations`), `price`, `jobs`.
    pub bucket: String,
    pub info: RateLimit,
    /// When the minute window is over at the latest (a 429's `Retry-After`, else one minute after
    /// the last response that used the window).
    pub reset_at_ms: Option<f64>,
    /// When the daily quota comes back: the next midnight UTC.
    pub daily_reset_at_ms: f64,
    pub updated_at_ms: f64,
}

/// `minute` or `daily`: the header when sent, else inferred from how long the server asks to wait.
pub fn limit_type(info: &RateLimit, retry_after_secs: Option<f64>) -> &'static str {
    match info.kind.as_deref() {
        Some(t) if t.eq_ignore_ascii_case("daily") || t.eq_ignore_ascii_case("day") => "daily",
        Some(_) => "minute",
        None if info.daily_remaining == Some(0.0) || retry_after_secs.is_some_and(|s| s > 3600.0) => "daily",
        None => "minute",
    }
}

/// Quotas by bucket, updated from every response that carries rate-limit headers.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Quotas {
    pub buckets: Vec<Quota>,
}

impl Quotas {
    /// Record a response of `bucket` (nothing when it carried no rate-limit header). deAPI does
    /// not say when a window started, so a window is taken to end `window_ms` after the first
    /// response seen in it (an upper bound), unless a 429's `Retry-After` says exactly.
    pub fn record(&mut self, bucket: &str, meta: &ResponseMeta, retry_after_secs: Option<f64>, now_ms: f64, window_ms: f64) {
        if meta.rate_limit.is_empty() && meta.status != 429 {
            return;
        }
        let current = self.get(bucket).and_then(|q| q.reset_at_ms).filter(|t| *t > now_ms);
        let minute_reset = match retry_after_secs {
            Some(s) if meta.status == 429 && limit_type(&meta.rate_limit, Some(s)) == "minute" => Some(now_ms + s * 1000.0),
            _ if meta.rate_limit.remaining.is_some() => Some(current.unwrap_or(now_ms + window_ms)),
            _ => current,
        };
        let q = Quota {
            bucket: bucket.to_owned(),
            info: meta.rate_limit.clone(),
            reset_at_ms: minute_reset,
            daily_reset_at_ms: next_midnight_utc(now_ms),
            updated_at_ms: now_ms,
        };
        match self.buckets.iter_mut().find(|b| b.bucket == bucket) {
            Some(slot) => *slot = q,
            None => self.buckets.push(q),
        }
    }

    pub fn get(&self, bucket: &str) -> Option<&Quota> {
        self.buckets.iter().find(|b| b.bucket == bucket)
    }
}

/// Complete a 429's error: the limit type and when it resets (`rateLimit.type`, `rateLimit.resetAt`):
/// daily, the next midnight UTC; else after its `Retry-After`, or without one, a window
/// (`window_ms`: the `rateLimitWindowMs` option) from now.
pub fn describe_429(e: &mut ApiError, now_ms: f64, window_ms: f64) {
    let mut rl = e.rate_limit.take().unwrap_or_default();
    let kind = limit_type(&rl, e.retry_after);
    let reset = match (kind, e.retry_after) {
        ("daily", _) => next_midnight_utc(now_ms),
        (_, Some(s)) => now_ms + s * 1000.0,
        _ => now_ms + window_ms,
    };
    rl.kind = Some(kind.to_owned());
    rl.reset_at_ms = Some(reset);
    e.rate_limit = Some(rl);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::config::DEFAULT_WINDOW_MS as MINUTE_MS;
    use crate::core::error::{Body, Kind};
    use crate::core::json::Json;

    fn meta(status: u16, headers: &[(&str, &str)]) -> ResponseMeta {
        ResponseMeta::from_headers(status, |n| headers.iter().find(|(k, _)| *k == n).map(|(_, v)| (*v).to_owned()))
    }

    #[test]
    fn midnight_utc() {
        // 2026-11-26T11:00:00Z → 2026-11-27T00:00:00Z
        let now = 1_795_690_800_000.0;
        assert_eq!(next_midnight_utc(now), 1_795_737_600_000.0);
        assert_eq!(next_midnight_utc(1_795_737_600_000.0), 1_795_824_000_000.0, "at midnight: the next one");
    }

    #[test]
    fn records_per_bucket() {
        let mut q = Quotas::default();
        q.record("balance", &meta(200, &[]), None, 0.0, MINUTE_MS);
        assert!(q.buckets.is_empty(), "no headers, nothing recorded");
        q.record("images/generations", &meta(200, &[("x-ratelimit-limit", "3"), ("x-ratelimit-remaining", "2"), ("x-ratelimit-source", "images/generations")]), None, 1000.0, MINUTE_MS);
        q.record("jobs", &meta(200, &[("x-ratelimit-limit", "50"), ("x-ratelimit-remaining", "49")]), None, 2000.0, MINUTE_MS);
        q.record("images/generations", &meta(200, &[("x-ratelimit-limit", "3"), ("x-ratelimit-remaining", "1")]), None, 3000.0, MINUTE_MS);
        assert_eq!(q.buckets.len(), 2);
        let g = q.get("images/generations").unwrap();
        assert_eq!((g.info.limit, g.info.remaining, g.reset_at_ms, g.updated_at_ms), (Some(3.0), Some(1.0), Some(61_000.0), 3000.0), "the window ends a minute after its first response");
        assert_eq!(g.daily_reset_at_ms, DAY_MS);
    }

    #[test]
    fn a_429_says_minute_or_daily_and_when_it_resets() {
        let mut q = Quotas::default();
        let m = meta(429, &[("retry-after", "42"), ("x-ratelimit-type", "minute"), ("x-ratelimit-remaining", "0")]);
        q.record("images/generations", &m, Some(42.0), 10_000.0, MINUTE_MS);
        assert_eq!(q.get("images/generations").unwrap().reset_at_ms, Some(52_000.0));

        let said = |e: &ApiError| e.rate_limit.as_ref().map(|rl| (rl.kind.clone().unwrap_or_default(), rl.reset_at_ms));
        let mut e = ApiError::new(Kind::RateLimit, "Too Many Attempts.");
        e.retry_after = Some(42.0);
        e.rate_limit = Some(Box::new(m.rate_limit.clone()));
        describe_429(&mut e, 10_000.0, MINUTE_MS);
        assert_eq!(said(&e), Some(("minute".into(), Some(52_000.0))));
        assert_eq!(e.rate_limit.as_ref().unwrap().remaining, Some(0.0), "the headers kept");
        // no type header: a wait of hours means the daily limit, which resets at midnight UTC
        let mut e = ApiError::new(Kind::RateLimit, "Too Many Attempts.");
        e.retry_after = Some(50_000.0);
        e.body = Some(Body::Json(Json::Null));
        describe_429(&mut e, 1_795_690_800_000.0, MINUTE_MS);
        assert_eq!(said(&e), Some(("daily".into(), Some(1_795_737_600_000.0))));
    }

    #[test]
    fn a_429_without_retry_after_resets_one_window_from_now() {
        let said = |window_ms| {
            let mut e = ApiError::new(Kind::RateLimit, "Too Many Attempts.");
            describe_429(&mut e, 10_000.0, window_ms);
            e.rate_limit.as_ref().and_then(|rl| rl.reset_at_ms)
        };
        assert_eq!(said(MINUTE_MS), Some(70_000.0));
        assert_eq!(said(5_000.0), Some(15_000.0), "the rateLimitWindowMs option, not a fixed minute");
    }
}

/// What the scheduler says about sending one more request of a bucket now.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Gate {
    Go,
    /// The concurrency cap is reached: wait for a request to finish.
    WaitForSlot,
    /// The bucket's minute quota is used up: wait until then (ms since 1970).
    WaitUntil(f64),
    /// The bucket's daily quota is used up until then: fail now rather than wait for hours.
    DailyExhausted(f64),
    /// A 429's `Retry-After` holds the bucket until then, longer from now than the client sleeps
    /// for a `Retry-After` (`maxRetryAfterMs`): fail now, as an unscheduled request does.
    RetryAfterTooLong(f64),
}

#[derive(Clone, Debug, PartialEq)]
struct BucketState {
    bucket: String,
    in_flight: u32,
    /// Requests the window still allows, as far as the client knows (`None`: no response yet,
    /// so one request at a time until the first answer tells the limits).
    left: Option<f64>,
    reset_at_ms: Option<f64>,
    daily_until_ms: Option<f64>,
    /// Until when the last 429's `Retry-After` asked the bucket to wait.
    retry_until_ms: Option<f64>,
}

/// The opt-in client-side scheduler (`schedule: true` / `maxConcurrency`): a concurrency cap over
/// all requests, and per bucket the last known quota, so that a batch stays within the limits
/// instead of running into 429s.
#[derive(Clone, Debug, PartialEq)]
pub struct Scheduler {
    pub max_concurrency: u32,
    /// The longest `Retry-After` waited for (`maxRetryAfterMs`); a longer one fails fast.
    pub max_wait_ms: f64,
    in_flight: u32,
    buckets: Vec<BucketState>,
}

impl Scheduler {
    pub fn new(max_concurrency: u32, max_wait_ms: f64) -> Scheduler {
        Scheduler { max_concurrency: max_concurrency.max(1), max_wait_ms, in_flight: 0, buckets: Vec::new() }
    }

    fn state(&mut self, bucket: &str) -> Option<&mut BucketState> {
        if !self.buckets.iter().any(|b| b.bucket == bucket) {
            self.buckets.push(BucketState { bucket: bucket.to_owned(), in_flight: 0, left: None, reset_at_ms: None, daily_until_ms: None, retry_until_ms: None });
        }
        self.buckets.iter_mut().find(|b| b.bucket == bucket)
    }

    /// May a request of `bucket` go now? (Models and balance are not limited: only the cap.)
    pub fn gate(&mut self, bucket: &str, limited: bool, now_ms: f64) -> Gate {
        if self.in_flight >= self.max_concurrency {
            return Gate::WaitForSlot;
        }
        if !limited {
            return Gate::Go;
        }
        let max_wait = self.max_wait_ms;
        let Some(b) = self.state(bucket) else { return Gate::Go };
        if let Some(until) = b.daily_until_ms.filter(|u| *u > now_ms) {
            return Gate::DailyExhausted(until);
        }
        // Waiting would park the request for longer than any Retry-After is slept (for years, with
        // a hostile header); once the rest of the wait is within the cap, the rules below apply.
        if let Some(until) = b.retry_until_ms.filter(|u| *u - now_ms > max_wait) {
            return Gate::RetryAfterTooLong(until);
        }
        match b.left {
            None if b.in_flight > 0 => Gate::WaitForSlot, // the first answer tells the limits
            Some(left) if left - f64::from(b.in_flight) < 1.0 => match b.reset_at_ms {
                Some(t) if t > now_ms => Gate::WaitUntil(t),
                _ if b.in_flight > 0 => Gate::WaitForSlot,
                _ => {
                    b.left = None; // the window is over: learn the limits again
                    Gate::Go
                }
            },
            _ => Gate::Go,
        }
    }

    /// The concurrency cap alone: a fleet's quota store paces the buckets (`quotaStore`).
    pub fn gate_cap(&self) -> Gate {
        if self.in_flight >= self.max_concurrency {
            Gate::WaitForSlot
        } else {
            Gate::Go
        }
    }

    pub fn start(&mut self, bucket: &str, limited: bool) {
        self.in_flight += 1;
        if let Some(b) = self.state(bucket).filter(|_| limited) {
            b.in_flight += 1;
        }
    }

    /// A 429 of `bucket` said `Retry-After`: the bucket is held until `until_ms`.
    pub fn hold(&mut self, bucket: &str, until_ms: f64) {
        if let Some(b) = self.state(bucket) {
            b.retry_until_ms = Some(until_ms);
        }
    }

    /// A request of `bucket` finished; `quota` is what its response said (if anything).
    pub fn finish(&mut self, bucket: &str, limited: bool, quota: Option<&Quota>) {
        self.in_flight = self.in_flight.saturating_sub(1);
        if !limited {
            return;
        }
        let Some(b) = self.state(bucket) else { return };
        b.in_flight = b.in_flight.saturating_sub(1);
        if let Some(q) = quota {
            let daily_out = q.info.daily_remaining == Some(0.0) || q.info.kind.as_deref() == Some("daily");
            if daily_out {
                b.daily_until_ms = Some(q.daily_reset_at_ms);
            }
            if let Some(r) = q.info.remaining {
                b.left = Some(r);
                b.reset_at_ms = q.reset_at_ms;
            }
        }
    }
}

#[cfg(test)]
mod scheduler_tests {
    use super::*;
    use crate::core::config::DEFAULT_WINDOW_MS as MINUTE_MS;

    fn quota(remaining: f64, reset: f64, now: f64) -> Quota {
        Quota {
            bucket: "b".into(),
            info: RateLimit { limit: Some(5.0), remaining: Some(remaining), ..Default::default() },
            reset_at_ms: Some(reset),
            daily_reset_at_ms: next_midnight_utc(now),
            updated_at_ms: now,
        }
    }

    #[test]
    fn first_request_probes_then_the_quota_is_spent_and_waited_for() {
        let mut s = Scheduler::new(10, MINUTE_MS);
        assert_eq!(s.gate("b", true, 0.0), Gate::Go);
        s.start("b", true);
        assert_eq!(s.gate("b", true, 0.0), Gate::WaitForSlot, "one at a time until the limits are known");
        s.finish("b", true, Some(&quota(4.0, 60_000.0, 10.0)));
        for _ in 0..4 {
            assert_eq!(s.gate("b", true, 20.0), Gate::Go);
            s.start("b", true);
        }
        assert_eq!(s.gate("b", true, 20.0), Gate::WaitUntil(60_000.0));
        // answers come back; the server says 0 left
        for _ in 0..4 {
            s.finish("b", true, Some(&quota(0.0, 60_000.0, 30.0)));
        }
        assert_eq!(s.gate("b", true, 59_999.0), Gate::WaitUntil(60_000.0));
        assert_eq!(s.gate("b", true, 60_000.0), Gate::Go, "the window is over");
        // other buckets are independent; unlimited ones only see the cap
        assert_eq!(s.gate("c", true, 30.0), Gate::Go);
        assert_eq!(s.gate("models", false, 30.0), Gate::Go);
    }

    #[test]
    fn concurrency_cap_and_daily_exhaustion() {
        let mut s = Scheduler::new(2, MINUTE_MS);
        s.start("x", false);
        s.start("y", false);
        assert_eq!(s.gate("z", false, 0.0), Gate::WaitForSlot);
        s.finish("x", false, None);
        assert_eq!(s.gate("z", false, 0.0), Gate::Go);
        let mut q = quota(0.0, 1000.0, 5.0);
        q.info.kind = Some("daily".into());
        q.info.daily_remaining = Some(0.0);
        s.start("b", true);
        s.finish("b", true, Some(&q));
        assert_eq!(s.gate("b", true, 6.0), Gate::DailyExhausted(next_midnight_utc(5.0)));
    }

    #[test]
    fn a_retry_after_longer_than_the_cap_fails_fast_and_a_shorter_one_waits() {
        let mut s = Scheduler::new(4, 60_000.0);
        s.start("b", true);
        // a 429 with Retry-After: 10 years (and remaining 0)
        let far = 10.0 * 365.0 * 86_400_000.0;
        s.finish("b", true, Some(&quota(0.0, 1000.0 + far, 1000.0)));
        s.hold("b", 1000.0 + far);
        assert_eq!(s.gate("b", true, 2000.0), Gate::RetryAfterTooLong(1000.0 + far), "not WaitUntil: that would park the request for years");
        assert_eq!(s.gate("b", true, 1000.0 + far - 60_000.0), Gate::WaitUntil(1000.0 + far), "within the cap: waited for, as before");
        assert_eq!(s.gate("c", true, 2000.0), Gate::Go, "other buckets are not held");
        // a short Retry-After: waits as before
        let mut s = Scheduler::new(4, 60_000.0);
        s.start("b", true);
        s.finish("b", true, Some(&quota(0.0, 31_000.0, 1000.0)));
        s.hold("b", 31_000.0);
        assert_eq!(s.gate("b", true, 2000.0), Gate::WaitUntil(31_000.0));
        assert_eq!(s.gate("b", true, 31_000.0), Gate::Go, "the window is over");
    }
}
