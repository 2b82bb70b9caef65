//! One key, many processes (pure): the decisions of the fleet-wide quota (`quotaStore`). The scheduler
//! asks the store before each request of a rate-limited bucket (its [`Answer`]) and reports
//! what each response taught ([`Report`]); the store keeps one sliding log per key and bucket
//! (`quota.lua` for Redis). Here: the store's names for a key and its buckets, the log's width (the
//! server's window plus a margin), what a response reports, the answers read, and the breaker that
//! lets each process pace itself alone while the store does not answer.
//!
//! The Redis store's script, `quota.lua` ([`SCRIPT`], shipped without this documentation):
//!
//! ```text
//! -- deapi-wasm's fleet quota: one bucket of one API key, shared by every process through Redis.
//! -- One script, two operations (ARGV[1]): "acquire" reserves one request or answers how long to wait;
//! -- "report" records what a response said (X-RateLimit-* and a 429's Retry-After).
//! --
//! -- KEYS[1]  <prefix>:{<hash of the key id>}:<bucket>:log   ZSET of reservations (score: ms), one per request
//! -- KEYS[2]  <prefix>:{<hash of the key id>}:<bucket>:meta  HASH: l (minute limit learned), dl (daily limit
//! --          learned), d (UTC day of dc), dc (reservations that day), p (paused until, ms), df (UTC day whose
//! --          quota a 429 said is spent), pr (probe lease until, ms: no limit known yet), s (member sequence)
//! -- Both keys carry the same {hash tag}: one Redis Cluster slot, so one node's TIME is the fleet's clock.
//! --
//! -- ARGV[2]  now in ms, "" for Redis TIME (the one clock; tests inject theirs)
//! -- ARGV[3]  the log's width W in ms: the server's window plus a margin, so that no server window of the
//! --          server's length, anchored anywhere, sees more than the limit
//! -- acquire: ARGV[4] the probe lease in ms (while no limit is known, one request per lease or per answer)
//! -- report:  ARGV[4] limit, ARGV[5] remaining, ARGV[6] daily limit, ARGV[7] daily remaining ("" = not said),
//! --          ARGV[8] pause in ms (a 429's Retry-After; 0 none), ARGV[9] "1" when the daily quota is spent
//! --
//! -- Reply {code, ms}: 1 go (reserved) · 0 wait ms (the minute quota is in use) · 2 wait ms (paused by a
//! -- 429) · 3 daily quota spent, ms until midnight UTC · 4 wait ms (no limit known: another process probes)
//! -- Every key expires: the log W after its newest entry, the meta hash at the latest W after midnight UTC
//! -- or after its pause; a process killed mid-flight leaves only its reservation, which ages out with W.
//! ```

use crate::core::error::ResponseMeta;
use crate::core::http_date::parse_retry_after;
use crate::core::ratelimit::limit_type;
use sha2::{Digest, Sha256};

/// The Redis store's script (one script: `acquire` and `report`).
pub const SCRIPT: &str = include_str!("quota.lua");
/// SHA-1 of [`SCRIPT`], for `EVALSHA` (tests/fleet/store.test.mjs checks it against the file).
pub const SCRIPT_SHA1: &str = "ed28a583fee71d8d27fd17496a1d263337f3b8c8";
/// The Redis store's default key prefix.
pub const DEFAULT_PREFIX: &str = "deapi";
/// How long one store call may take before the process paces itself alone (the store's `timeoutMs`).
pub const DEFAULT_TIMEOUT_MS: f64 = 1000.0;
/// After a store call failed, how long each process paces itself before it asks the store again.
pub const BREAKER_OPEN_MS: f64 = 2000.0;

/// The store's name for an API key: 16 hex digits of SHA-256 over the key's id (the part before `|`
/// of deAPI's `<id>|<secret>`; the whole key when it has no id) — never the key. Keyless clients
/// (a proxy's browser side) share `keyless`.
pub fn key_tag(api_key: Option<&str>) -> String {
    let Some(key) = api_key.filter(|k| !k.is_empty()) else { return "keyless".to_owned() };
    let id = match key.split_once('|') {
        Some((id, _)) if !id.is_empty() => id,
        _ => key,
    };
    let digest = Sha256::new().chain_update(b"deapi-wasm quota key id\0").chain_update(id.as_bytes()).finalize();
    digest.iter().take(8).flat_map(|b| [b >> 4, b & 15]).filter_map(|n| char::from_digit(u32::from(n), 16)).collect()
}

/// The Redis keys of one bucket, `[log, meta]`: `<prefix>:{<tag>}:<bucket>:…` — one hash tag, so both
/// live in one Redis Cluster slot (one node, whose `TIME` is the clock).
pub fn redis_keys(prefix: &str, tag: &str, bucket: &str) -> [String; 2] {
    let base = [prefix, ":{", tag, "}:", bucket, ":"].concat();
    [[&base, "log"].concat(), [&base, "meta"].concat()]
}

/// A prefix usable in Redis keys: not empty, no braces (they would move the hash tag), at most 64 bytes.
pub fn valid_prefix(prefix: &str) -> bool {
    !prefix.is_empty() && prefix.len() <= 64 && !prefix.contains(['{', '}'])
}

/// The margin added to the server's window: a request reserved at `t` reaches the server a little
/// later (how much later varies: event loops stall, connections queue), and no window of the
/// server's, anchored anywhere, may see more than the limit. That delay is a matter of milliseconds,
/// not of the window's length: at least 500 ms, a thirtieth of longer windows, at most 2 s (deAPI's
/// minute: 2 s, 97 % of the limit usable). (The floor only matters for short windows, as in tests:
/// 250 ms was exceeded there by a loaded 2-core machine's event-loop stalls.)
pub fn margin_ms(window_ms: f64) -> f64 {
    (window_ms / 30.0).clamp(500.0, 2000.0)
}

/// The log's width: the server's window plus [`margin_ms`].
pub fn log_window_ms(window_ms: f64) -> f64 {
    (window_ms + margin_ms(window_ms)).ceil()
}

/// While no limit is known, one request of the fleet probes at a time: the others ask again after
/// this lease (or sooner, once its answer taught the limit). A tenth of the window, 10 ms to 1 s.
pub fn lease_ms(window_ms: f64) -> f64 {
    (window_ms / 10.0).clamp(10.0, 1000.0).ceil()
}

/// What the store says about one more request.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Answer {
    /// Reserved: send it.
    Go,
    /// Wait this long (ms), then ask again.
    Wait(f64, Reason),
}

/// Why the store says wait.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Reason {
    /// The window's quota is in use.
    Minute,
    /// A 429's `Retry-After` holds the bucket.
    Paused,
    /// The daily quota is spent (the wait: until midnight UTC).
    Daily,
    /// No limit known yet: another request probes.
    Probe,
}

impl Reason {
    pub fn as_str(self) -> &'static str {
        match self {
            Reason::Minute => "minute",
            Reason::Paused => "paused",
            Reason::Daily => "daily",
            Reason::Probe => "probe",
        }
    }
    fn parse(s: &str) -> Option<Reason> {
        Some(match s {
            "minute" => Reason::Minute,
            "paused" => Reason::Paused,
            "daily" => Reason::Daily,
            "probe" => Reason::Probe,
            _ => return None,
        })
    }
}

/// A store's answer object `{ ok, waitMs, reason }` read; `None`: not an answer (a store failure).
pub fn read_answer(ok: Option<bool>, wait_ms: Option<f64>, reason: Option<&str>) -> Option<Answer> {
    match ok? {
        true => Some(Answer::Go),
        false => {
            let ms = wait_ms.filter(|m| m.is_finite() && *m >= 0.0)?;
            Some(Answer::Wait(ms.max(1.0), reason.and_then(Reason::parse).unwrap_or(Reason::Minute)))
        }
    }
}

/// The script's reply `{code, ms}` read (`quota.lua`); `None`: not a reply of it.
pub fn script_answer(code: f64, ms: f64) -> Option<Answer> {
    if !code.is_finite() {
        return None;
    }
    let reason = match code as i64 {
        1 => return Some(Answer::Go),
        0 => Reason::Minute,
        2 => Reason::Paused,
        3 => Reason::Daily,
        4 => Reason::Probe,
        _ => return None,
    };
    (ms.is_finite() && ms >= 0.0).then_some(Answer::Wait(ms.max(1.0), reason))
}

/// What a response teaches the fleet.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Report {
    pub limit: Option<f64>,
    pub remaining: Option<f64>,
    pub daily_limit: Option<f64>,
    pub daily_remaining: Option<f64>,
    /// A 429's `Retry-After`, in ms (0: none): the bucket pauses for the fleet (extend-only).
    pub pause_ms: f64,
    /// A 429 of the daily limit: spent for the fleet until midnight UTC.
    pub daily_spent: bool,
}

/// The report of a response (`None`: it said nothing about the quota).
pub fn report_of(status: u16, header: &dyn Fn(&str) -> Option<String>, now_ms: f64) -> Option<Report> {
    let meta = ResponseMeta::from_headers(status, |name| header(name).filter(|v| !v.is_empty()));
    let rl = &meta.rate_limit;
    let mut r = Report { limit: rl.limit, remaining: rl.remaining, daily_limit: rl.daily_limit, daily_remaining: rl.daily_remaining, ..Report::default() };
    if status == 429 {
        let secs = meta.retry_after.as_deref().and_then(|v| parse_retry_after(v, now_ms));
        r.daily_spent = limit_type(rl, secs) == "daily";
        // a 429 without Retry-After: the window's rest is unknown, pause for a second
        r.pause_ms = (secs.unwrap_or(1.0) * 1000.0).min(86_400_000.0);
    }
    (r != Report::default()).then_some(r)
}

/// The breaker over store calls: closed (the store paces the fleet); open after a failure (this process
/// paces itself, as without a store) for [`BREAKER_OPEN_MS`]; then one call probes the store, and its
/// success closes the breaker again.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Breaker {
    open_until: Option<f64>,
    probing: bool,
}

impl Breaker {
    /// Ask the store for this request? (`false`: pace locally.)
    pub fn use_store(&mut self, now_ms: f64) -> bool {
        match self.open_until {
            None => true,
            Some(t) if now_ms >= t && !self.probing => {
                self.probing = true;
                true
            }
            Some(_) => false,
        }
    }
    /// The store answered: `true` when that ends an outage (fleet pacing resumes).
    pub fn success(&mut self) -> bool {
        self.probing = false;
        self.open_until.take().is_some()
    }
    /// A store call failed or timed out: `true` when that starts an outage (tell `onError`).
    pub fn failure(&mut self, now_ms: f64) -> bool {
        self.probing = false;
        let started = self.open_until.is_none();
        self.open_until = Some(now_ms + BREAKER_OPEN_MS);
        started
    }
    pub fn is_open(&self) -> bool {
        self.open_until.is_some()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_key_is_named_by_a_hash_of_its_id_never_the_key() {
        let a = key_tag(Some("1234|SecretPartNeverShown"));
        assert_eq!(a.len(), 16);
        assert!(a.bytes().all(|b| b.is_ascii_hexdigit()));
        assert!(!a.contains("1234") || a != "1234");
        assert_eq!(a, key_tag(Some("1234|another-secret-same-id")), "the id names it");
        assert_ne!(a, key_tag(Some("1235|SecretPartNeverShown")));
        let whole = key_tag(Some("no-id-secret-key"));
        assert_eq!(whole.len(), 16);
        assert!(!whole.contains("secret"));
        assert_eq!(key_tag(None), "keyless");
        assert_eq!(key_tag(Some("")), "keyless");
        let [log, meta] = redis_keys("deapi", &a, "images/generations");
        assert_eq!(log, ["deapi:{", &a, "}:images/generations:log"].concat());
        assert_eq!(meta, ["deapi:{", &a, "}:images/generations:meta"].concat());
        assert!(!log.contains("Secret") && !meta.contains("Secret"));
        assert!(valid_prefix("deapi") && valid_prefix("app:prod"));
        assert!(!valid_prefix("") && !valid_prefix("a{b") && !valid_prefix("}") && !valid_prefix(&"p".repeat(65)));
    }

    #[test]
    fn the_log_is_wider_than_the_server_window() {
        assert_eq!(log_window_ms(60_000.0), 62_000.0);
        assert_eq!(log_window_ms(15_000.0), 15_500.0);
        assert_eq!(log_window_ms(5000.0), 5500.0);
        assert_eq!(log_window_ms(1000.0), 1500.0);
        assert_eq!((lease_ms(60_000.0), lease_ms(1000.0), lease_ms(20.0)), (1000.0, 100.0, 10.0));
    }

    #[test]
    fn answers_are_read_strictly() {
        assert_eq!(read_answer(Some(true), None, None), Some(Answer::Go));
        assert_eq!(read_answer(Some(false), Some(250.0), Some("paused")), Some(Answer::Wait(250.0, Reason::Paused)));
        assert_eq!(read_answer(Some(false), Some(0.2), Some("whatever")), Some(Answer::Wait(1.0, Reason::Minute)));
        for bad in [read_answer(None, Some(1.0), None), read_answer(Some(false), None, None), read_answer(Some(false), Some(f64::NAN), None), read_answer(Some(false), Some(-1.0), None)] {
            assert_eq!(bad, None);
        }
        assert_eq!(script_answer(1.0, 0.0), Some(Answer::Go));
        assert_eq!(script_answer(0.0, 40.0), Some(Answer::Wait(40.0, Reason::Minute)));
        assert_eq!(script_answer(3.0, 5.0), Some(Answer::Wait(5.0, Reason::Daily)));
        assert_eq!(script_answer(4.0, 9.0), Some(Answer::Wait(9.0, Reason::Probe)));
        assert_eq!(script_answer(7.0, 9.0), None);
        assert_eq!(script_answer(f64::NAN, 9.0), None);
        assert_eq!(script_answer(0.0, f64::NAN), None);
    }

    #[test]
    fn a_response_reports_its_limits_and_a_429_its_pause() {
        let h = |list: &'static [(&'static str, &'static str)]| move |n: &str| list.iter().find(|(k, _)| *k == n).map(|(_, v)| (*v).to_owned());
        assert_eq!(report_of(200, &h(&[]), 0.0), None, "nothing said");
        let r = report_of(200, &h(&[("x-ratelimit-limit", "3"), ("x-ratelimit-remaining", "2")]), 0.0).unwrap();
        assert_eq!((r.limit, r.remaining, r.pause_ms, r.daily_spent), (Some(3.0), Some(2.0), 0.0, false));
        let r = report_of(429, &h(&[("retry-after", "7"), ("x-ratelimit-type", "minute"), ("x-ratelimit-limit", "3"), ("x-ratelimit-remaining", "0")]), 0.0).unwrap();
        assert_eq!((r.pause_ms, r.daily_spent), (7000.0, false));
        let r = report_of(429, &h(&[("retry-after", "50000")]), 0.0).unwrap();
        assert!(r.daily_spent, "hours: the daily limit");
        assert_eq!(report_of(429, &h(&[]), 0.0).unwrap().pause_ms, 1000.0);
        assert_eq!(report_of(429, &h(&[("retry-after", "315360000")]), 0.0).unwrap().pause_ms, 86_400_000.0, "capped at a day");
    }

    #[test]
    fn the_breaker_opens_on_failure_and_one_probe_closes_it() {
        let mut b = Breaker::default();
        assert!(b.use_store(0.0));
        assert!(b.failure(10.0), "an outage starts");
        assert!(!b.failure(11.0), "not a new one");
        assert!(!b.use_store(100.0) && b.is_open(), "paced locally meanwhile");
        let t = 11.0 + BREAKER_OPEN_MS;
        assert!(b.use_store(t), "one probe");
        assert!(!b.use_store(t), "only one");
        assert!(!b.failure(t + 5.0), "the probe failed: still the same outage");
        assert!(!b.use_store(t + 6.0));
        assert!(b.use_store(t + 5.0 + BREAKER_OPEN_MS));
        assert!(b.success(), "it answered: fleet pacing resumes");
        assert!(!b.is_open() && b.use_store(t + 6.0 + BREAKER_OPEN_MS));
        assert!(!b.success());
    }
}
