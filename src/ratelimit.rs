//! Rate limits as data (pure): what each response said about its bucket's quota, kept per bucket,
//! and when a limit resets (deapi-api.md §4.3). deAPI limits each endpoint per minute and per day
//! (UTC); responses carry `X-RateLimit-*` headers, a 429 adds `Retry-After` and `X-RateLimit-Type`.

use crate::error::{ApiError, RateLimit, ResponseMeta};

const DAY_MS: f64 = 86_400_000.0;
const MINUTE_MS: f64 = 60_000.0;

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
    /// Record a response of `bucket` (nothing when it carried no rate-limit header).
    pub fn record(&mut self, bucket: &str, meta: &ResponseMeta, retry_after_secs: Option<f64>, now_ms: f64) {
        if meta.rate_limit.is_empty() && meta.status != 429 {
            return;
        }
        let minute_reset = match retry_after_secs {
            Some(s) if meta.status == 429 && limit_type(&meta.rate_limit, Some(s)) == "minute" => Some(now_ms + s * 1000.0),
            _ if meta.rate_limit.remaining.is_some() => Some(now_ms + MINUTE_MS),
            _ => None,
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

/// Complete a 429's error: the limit type and when it resets (daily: the next midnight UTC).
pub fn describe_429(e: &mut ApiError, now_ms: f64) -> Option<(&'static str, f64)> {
    let info = e.rate_limit.clone().unwrap_or_default();
    let kind = limit_type(&info, e.retry_after);
    let reset = match (kind, e.retry_after) {
        ("daily", _) => next_midnight_utc(now_ms),
        (_, Some(s)) => now_ms + s * 1000.0,
        _ => now_ms + MINUTE_MS,
    };
    let mut rl = info;
    rl.kind = Some(kind.to_owned());
    rl.reset_at_ms = Some(reset);
    e.rate_limit = Some(rl);
    Some((kind, reset))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::{Body, Kind};
    use crate::json::Json;

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
        q.record("balance", &meta(200, &[]), None, 0.0);
        assert!(q.buckets.is_empty(), "no headers, nothing recorded");
        q.record("images/generations", &meta(200, &[("x-ratelimit-limit", "3"), ("x-ratelimit-remaining", "2"), ("x-ratelimit-source", "images/generations")]), None, 1000.0);
        q.record("jobs", &meta(200, &[("x-ratelimit-limit", "50"), ("x-ratelimit-remaining", "49")]), None, 2000.0);
        q.record("images/generations", &meta(200, &[("x-ratelimit-limit", "3"), ("x-ratelimit-remaining", "1")]), None, 3000.0);
        assert_eq!(q.buckets.len(), 2);
        let g = q.get("images/generations").unwrap();
        assert_eq!((g.info.limit, g.info.remaining, g.reset_at_ms, g.updated_at_ms), (Some(3.0), Some(1.0), Some(63_000.0), 3000.0));
        assert_eq!(g.daily_reset_at_ms, DAY_MS);
    }

    #[test]
    fn a_429_says_minute_or_daily_and_when_it_resets() {
        let mut q = Quotas::default();
        let m = meta(429, &[("retry-after", "42"), ("x-ratelimit-type", "minute"), ("x-ratelimit-remaining", "0")]);
        q.record("images/generations", &m, Some(42.0), 10_000.0);
        assert_eq!(q.get("images/generations").unwrap().reset_at_ms, Some(52_000.0));

        let mut e = ApiError::new(Kind::RateLimit, "Too Many Attempts.");
        e.retry_after = Some(42.0);
        e.rate_limit = Some(m.rate_limit.clone());
        assert_eq!(describe_429(&mut e, 10_000.0), Some(("minute", 52_000.0)));
        // no type header: a wait of hours means the daily limit, which resets at midnight UTC
        let mut e = ApiError::new(Kind::RateLimit, "Too Many Attempts.");
        e.retry_after = Some(50_000.0);
        e.body = Some(Body::Json(Json::Null));
        assert_eq!(describe_429(&mut e, 1_795_690_800_000.0), Some(("daily", 1_795_737_600_000.0)));
        assert_eq!(e.rate_limit.unwrap().kind.as_deref(), Some("daily"));
    }
}
