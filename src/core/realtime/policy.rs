//! The connection's timing policy: when to ping, how long to wait for a pong, what a close code
//! means ([`after_close`]) and the backoff with jitter (the random draw is a parameter).

/// Ping after this much silence when the server announces no `activity_timeout` (PDOC's default).
pub const DEFAULT_ACTIVITY_MS: f64 = 120_000.0;
/// Shortest ping interval (a server announcing less is not taken at its word).
pub const MIN_ACTIVITY_MS: f64 = 1_000.0;
/// Longest wait for a pong (pusher-js's `pongTimeout`).
pub const MAX_PONG_WAIT_MS: f64 = 30_000.0;
/// Give up on a connection that has not said `connection_established` by then (pusher-js's first
/// `timeout`).
pub const HANDSHAKE_TIMEOUT_MS: f64 = 15_000.0;
/// The backoff's first step and its cap before jitter.
pub const BACKOFF_BASE_MS: f64 = 1_000.0;
pub const BACKOFF_CAP_MS: f64 = 20_000.0;

/// How long a silent socket waits before sending `pusher:ping`: the server's `activity_timeout`
/// (seconds), at most [`DEFAULT_ACTIVITY_MS`], at least [`MIN_ACTIVITY_MS`]. Any frame received
/// restarts this timer.
pub fn ping_after_ms(activity_timeout_s: Option<f64>) -> f64 {
    activity_timeout_s
        .filter(|s| s.is_finite() && *s > 0.0)
        .map_or(DEFAULT_ACTIVITY_MS, |s| (s * 1000.0).min(DEFAULT_ACTIVITY_MS))
        .max(MIN_ACTIVITY_MS)
}

/// How long to wait for the pong (any frame counts) after a ping before the socket is taken for
/// dead and closed (then reconnected as after a 4201 close): the ping interval, at most
/// [`MAX_PONG_WAIT_MS`] — 30 s against deAPI, short against a test server announcing 1 s.
pub fn pong_deadline_ms(ping_after_ms: f64) -> f64 {
    ping_after_ms.clamp(MIN_ACTIVITY_MS, MAX_PONG_WAIT_MS)
}

/// What to do after the socket closed (Pusher close-code classes, PDOC §Connection closure).
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Reconnect {
    /// 4000–4099: the server refuses this connection (unknown app, over quota, unauthorized):
    /// realtime is unavailable, waits poll.
    Never,
    /// Reconnect after this many ms (0: at once).
    After(f64),
}

/// The close `code` of a socket that was open or opening; `attempt`: how many reconnects in a row
/// have not reached a subscription (0 after a subscribed socket closed); `random` ∈ [0, 1).
/// - 4000–4099: never.
/// - 4200–4299 (server restarting, 4201 missing pong): at once on the first attempt, then backoff
///   (no hot loop against a server that keeps closing).
/// - 4100–4199 (over capacity), 1000–3999 (1006: dropped), anything else: backoff with jitter.
pub fn after_close(code: u16, attempt: u32, random: f64) -> Reconnect {
    match code {
        4000..=4099 => Reconnect::Never,
        4200..=4299 if attempt == 0 => Reconnect::After(0.0),
        4200..=4299 => Reconnect::After(backoff_ms(attempt - 1, random)),
        _ => Reconnect::After(backoff_ms(attempt, random)),
    }
}

/// The wait before reconnect number `attempt + 1`: 1 s doubling per attempt up to 20 s, times a
/// jitter factor from 1 to 1.5 (`random` ∈ [0, 1); out-of-range values are clamped, NaN is 0.5).
/// Always at least 1 s (PDOC: "at least 1 second") and at most 30 s.
pub fn backoff_ms(attempt: u32, random: f64) -> f64 {
    let r = if random.is_nan() { 0.5 } else { random.clamp(0.0, 1.0) };
    let exp = (BACKOFF_BASE_MS * 2f64.powi(attempt.min(30) as i32)).min(BACKOFF_CAP_MS);
    exp * (1.0 + 0.5 * r)
}

#[cfg(test)]
mod tests {
    use crate::core::realtime::test_support::*;

    #[test]
    fn ping_and_pong_timing() {
        assert_eq!(ping_after_ms(Some(30.0)), 30_000.0);
        assert_eq!(ping_after_ms(Some(500.0)), 120_000.0, "at most PDOC's 120 s");
        assert_eq!(ping_after_ms(None), 120_000.0);
        assert_eq!(ping_after_ms(Some(0.01)), 1_000.0);
        assert_eq!(ping_after_ms(Some(f64::NAN)), 120_000.0);
        assert_eq!(pong_deadline_ms(30_000.0), 30_000.0);
        assert_eq!(pong_deadline_ms(120_000.0), 30_000.0);
        assert_eq!(pong_deadline_ms(1_000.0), 1_000.0);
    }

    #[test]
    fn close_codes() {
        for code in [4000, 4001, 4004, 4009, 4099] {
            assert_eq!(after_close(code, 0, 0.3), Reconnect::Never, "{code}");
        }
        for code in [4200, 4201, 4202, 4299] {
            assert_eq!(after_close(code, 0, 0.3), Reconnect::After(0.0), "{code}");
            assert_eq!(after_close(code, 1, 0.0), Reconnect::After(1_000.0), "no hot loop: {code}");
        }
        for code in [4100, 4199, 1000, 1001, 1006, 1011, 3999, 4300, 4999, 0] {
            let Reconnect::After(d) = after_close(code, 0, 0.5) else { panic!("{code}") };
            assert!((1_000.0..=1_500.0).contains(&d), "{code}: {d}");
        }
    }

    #[test]
    fn backoff_with_jitter() {
        assert_eq!((backoff_ms(0, 0.0), backoff_ms(0, 1.0)), (1_000.0, 1_500.0));
        assert_eq!(backoff_ms(1, 0.0), 2_000.0);
        assert_eq!(backoff_ms(4, 0.0), 16_000.0);
        assert_eq!(backoff_ms(5, 0.0), 20_000.0);
        assert!((backoff_ms(99, 0.999_999) - 29_999.99).abs() < 1e-6);
        assert_eq!(backoff_ms(u32::MAX, 1.0), 30_000.0);
        assert_eq!((backoff_ms(0, f64::NAN), backoff_ms(0, -5.0), backoff_ms(0, 7.0)), (1_250.0, 1_000.0, 1_500.0));
        // jitter spreads clients: different random draws, different delays
        let spread: Vec<f64> = [0.1, 0.4, 0.9].iter().map(|r| backoff_ms(2, *r)).collect();
        for (got, want) in spread.iter().zip([4_200.0, 4_800.0, 5_800.0]) {
            assert!((got - want).abs() < 1e-6, "{spread:?}");
        }
        for a in 0..40 {
            for r in [0.0, 0.25, 0.5, 0.999] {
                let d = backoff_ms(a, r);
                assert!((1_000.0..=30_000.0).contains(&d) && d <= MAX_TIMER_MS);
            }
        }
    }
}
