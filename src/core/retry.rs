//! The retry policy (pure): which outcomes are retried, after what delay, and when to give up.
//!
//! deAPI's guidance (deapi-api.md §4.2): back off 1 s, 2 s, 4 s on 5xx; honour `Retry-After` on
//! 429. deAPI has no idempotency key, so a job submission retried after a 5xx or a timeout may
//! create a second billed job: `retry_submissions: false` limits submissions to 429 and
//! connection failures (the request never reached the server).


/// What one HTTP attempt ended with.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Outcome {
    /// A response with this status; `retry_after` in seconds when the header was readable.
    Status { status: u16, retry_after: Option<f64> },
    /// No response: refused, reset, DNS, CORS, offline.
    ConnectionFailure,
    /// The per-attempt timeout fired.
    Timeout,
    /// The response started (status and headers came) but its body was cut off: the server got
    /// the request, so this is as ambiguous as a timeout.
    Interrupted,
}

#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Decision {
    /// Sleep `delay_ms`, then make attempt number `attempts + 1`.
    Retry { delay_ms: f64, reason: Reason },
    /// Stop and report this outcome.
    GiveUp { reason: Reason },
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Reason {
    /// Success or a status that is never retried (4xx other than 429, 501, …).
    NotRetryable,
    /// A retryable outcome on a job submission with `retry_submissions: false`.
    SubmissionNotRetried,
    /// `max_retries` retries were already made.
    Exhausted,
    /// The server asked to wait longer than `max_retry_after_ms`.
    RetryAfterTooLong,
    ServerError,
    RateLimited,
    ConnectionFailure,
    Timeout,
    Interrupted,
}

impl Reason {
    /// The reasons a retry is made for ([`Decision::Retry`]'s: what `onRetry` hears as `reason`).
    pub const RETRIED: [Reason; 5] = [Reason::ServerError, Reason::RateLimited, Reason::ConnectionFailure, Reason::Timeout, Reason::Interrupted];

    pub fn as_str(self) -> &'static str {
        match self {
            Reason::NotRetryable => "not_retryable",
            Reason::SubmissionNotRetried => "submission_not_retried",
            Reason::Exhausted => "retries_exhausted",
            Reason::RetryAfterTooLong => "retry_after_too_long",
            Reason::ServerError => "server_error",
            Reason::RateLimited => "rate_limited",
            Reason::ConnectionFailure => "connection_failure",
            Reason::Timeout => "timeout",
            Reason::Interrupted => "interrupted",
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq)]
pub struct RetryPolicy {
    pub max_retries: u32,
    pub base_delay_ms: f64,
    pub max_retry_after_ms: f64,
    pub retry_submissions: bool,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy { max_retries: 3, base_delay_ms: 1000.0, max_retry_after_ms: 60_000.0, retry_submissions: true }
    }
}

impl RetryPolicy {
    /// Backoff before retry number `retry` (1-based): base, 2×base, 4×base, …
    pub fn backoff_ms(&self, retry: u32) -> f64 {
        self.base_delay_ms * 2f64.powi(retry.saturating_sub(1).min(30) as i32)
    }

    /// Decide after attempt number `attempts` (1-based) ended with `outcome`.
    pub fn decide(&self, attempts: u32, outcome: Outcome, is_submission: bool) -> Decision {
        let (reason, server_asks_ms) = match outcome {
            Outcome::Status { status: 429, retry_after } => (Reason::RateLimited, retry_after.map(|s| s * 1000.0)),
            // A 503 may say when to come back; never sooner than the backoff.
            Outcome::Status { status: 500 | 502 | 503 | 504, retry_after } => {
                let backoff = self.backoff_ms(attempts);
                (Reason::ServerError, retry_after.map(|s| (s * 1000.0).max(backoff)))
            }
            Outcome::Status { .. } => return Decision::GiveUp { reason: Reason::NotRetryable },
            Outcome::ConnectionFailure => (Reason::ConnectionFailure, None),
            Outcome::Timeout => (Reason::Timeout, None),
            Outcome::Interrupted => (Reason::Interrupted, None),
        };
        // A wait the caller would not accept is reported at once, whatever retries are left.
        if let Some(ms) = server_asks_ms {
            if ms > self.max_retry_after_ms {
                return Decision::GiveUp { reason: Reason::RetryAfterTooLong };
            }
        }
        let ambiguous = matches!(reason, Reason::ServerError | Reason::Timeout | Reason::Interrupted);
        if is_submission && ambiguous && !self.retry_submissions {
            return Decision::GiveUp { reason: Reason::SubmissionNotRetried };
        }
        if attempts > self.max_retries {
            return Decision::GiveUp { reason: Reason::Exhausted };
        }
        let delay_ms = server_asks_ms.unwrap_or_else(|| self.backoff_ms(attempts));
        Decision::Retry { delay_ms, reason }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn status(s: u16) -> Outcome {
        Outcome::Status { status: s, retry_after: None }
    }
    /// Run the policy against a sequence of outcomes; return the delays it asked for and the
    /// final decision.
    fn run(p: &RetryPolicy, outcomes: &[Outcome], submission: bool) -> (Vec<f64>, Option<Reason>) {
        let mut delays = Vec::new();
        for (i, o) in outcomes.iter().enumerate() {
            match p.decide(i as u32 + 1, *o, submission) {
                Decision::Retry { delay_ms, .. } => delays.push(delay_ms),
                Decision::GiveUp { reason } => return (delays, Some(reason)),
            }
        }
        (delays, None)
    }

    #[test]
    fn every_retry_gives_one_of_the_retried_reasons_and_each_occurs() {
        let mut seen = Vec::new();
        let outcomes = (100..=599)
            .flat_map(|s| [None, Some(0.0), Some(5.0), Some(99_999.0)].map(|r| Outcome::Status { status: s, retry_after: r }))
            .chain([Outcome::ConnectionFailure, Outcome::Timeout, Outcome::Interrupted]);
        for o in outcomes {
            for submission in [false, true] {
                for p in [RetryPolicy::default(), RetryPolicy { retry_submissions: false, ..Default::default() }] {
                    if let Decision::Retry { reason, .. } = p.decide(1, o, submission) {
                        assert!(Reason::RETRIED.contains(&reason), "{o:?} retried for {reason:?}");
                        if !seen.contains(&reason) {
                            seen.push(reason);
                        }
                    }
                }
            }
        }
        assert_eq!(seen.len(), Reason::RETRIED.len(), "every listed reason is one a retry is made for: {seen:?}");
    }

    #[test]
    fn server_errors_back_off_1_2_4_then_give_up() {
        let p = RetryPolicy::default();
        let (d, end) = run(&p, &[status(500), status(502), status(503), status(504)], false);
        assert_eq!(d, [1000.0, 2000.0, 4000.0]);
        assert_eq!(end, Some(Reason::Exhausted));
    }

    #[test]
    fn base_and_count_are_configurable() {
        let p = RetryPolicy { max_retries: 5, base_delay_ms: 10.0, ..Default::default() };
        let (d, end) = run(&p, &[status(500); 7], false);
        assert_eq!(d, [10.0, 20.0, 40.0, 80.0, 160.0]);
        assert_eq!(end, Some(Reason::Exhausted));
        let p = RetryPolicy { max_retries: 0, ..Default::default() };
        assert_eq!(run(&p, &[status(500)], false), (vec![], Some(Reason::Exhausted)));
    }

    #[test]
    fn never_retried_statuses() {
        let p = RetryPolicy::default();
        for s in [200, 400, 401, 403, 404, 410, 413, 422, 501, 505] {
            assert_eq!(p.decide(1, status(s), false), Decision::GiveUp { reason: Reason::NotRetryable }, "{s}");
        }
    }

    #[test]
    fn connection_failures_and_timeouts_retry() {
        let p = RetryPolicy::default();
        let (d, end) = run(&p, &[Outcome::ConnectionFailure, Outcome::Timeout, Outcome::ConnectionFailure], false);
        assert_eq!((d, end), (vec![1000.0, 2000.0, 4000.0], None));
    }

    #[test]
    fn rate_limit_honours_retry_after_up_to_the_cap() {
        let p = RetryPolicy::default();
        let o = |s| Outcome::Status { status: 429, retry_after: Some(s) };
        assert_eq!(p.decide(1, o(3.0), false), Decision::Retry { delay_ms: 3000.0, reason: Reason::RateLimited });
        assert_eq!(p.decide(1, o(60.0), true), Decision::Retry { delay_ms: 60_000.0, reason: Reason::RateLimited });
        assert_eq!(p.decide(1, o(60.5), false), Decision::GiveUp { reason: Reason::RetryAfterTooLong });
        assert_eq!(p.decide(1, o(86400.0), false), Decision::GiveUp { reason: Reason::RetryAfterTooLong });
        // no Retry-After: exponential backoff
        assert_eq!(p.decide(2, status(429), false), Decision::Retry { delay_ms: 2000.0, reason: Reason::RateLimited });
        // 429s count against max_retries too
        assert_eq!(p.decide(4, o(1.0), false), Decision::GiveUp { reason: Reason::Exhausted });
    }

    #[test]
    fn submissions_without_retry_only_429_and_connection_failures() {
        let p = RetryPolicy { retry_submissions: false, ..Default::default() };
        assert_eq!(p.decide(1, status(500), true), Decision::GiveUp { reason: Reason::SubmissionNotRetried });
        assert_eq!(p.decide(1, Outcome::Timeout, true), Decision::GiveUp { reason: Reason::SubmissionNotRetried });
        assert_eq!(p.decide(1, Outcome::Interrupted, true), Decision::GiveUp { reason: Reason::SubmissionNotRetried });
        assert!(matches!(p.decide(1, Outcome::Interrupted, false), Decision::Retry { reason: Reason::Interrupted, .. }));
        assert!(matches!(p.decide(1, Outcome::ConnectionFailure, true), Decision::Retry { .. }));
        assert!(matches!(p.decide(1, status(429), true), Decision::Retry { .. }));
        // reads are unaffected
        assert!(matches!(p.decide(1, status(500), false), Decision::Retry { .. }));
        // and the default retries submissions (deAPI's guidance)
        assert!(matches!(RetryPolicy::default().decide(1, status(500), true), Decision::Retry { .. }));
    }

    #[test]
    fn server_errors_honour_a_retry_after_that_is_longer_than_the_backoff() {
        let p = RetryPolicy::default();
        let o = |s| Outcome::Status { status: 503, retry_after: Some(s) };
        assert_eq!(p.decide(1, o(5.0), false), Decision::Retry { delay_ms: 5000.0, reason: Reason::ServerError });
        assert_eq!(p.decide(1, o(0.0), false), Decision::Retry { delay_ms: 1000.0, reason: Reason::ServerError });
        assert_eq!(p.decide(1, o(3600.0), false), Decision::GiveUp { reason: Reason::RetryAfterTooLong });
    }

    #[test]
    fn backoff_does_not_overflow() {
        let p = RetryPolicy { max_retries: u32::MAX, ..Default::default() };
        assert!(p.backoff_ms(u32::MAX).is_finite());
    }
}
