//! Time-boxed fuzzing of the pure modules on stable Rust (issue #6): no input makes the decoders,
//! the webhook verifier, validation or the request builder panic, and each keeps its promises
//! (the properties in the `check_*` functions).
//!
//! Run (the test command; ~20 s of fuzzing in total, split evenly over the targets, which libtest
//! runs in parallel):
//!     cargo test --release --test fuzz -- --nocapture
//! A long run (10 minutes of fuzzing):
//!     FUZZ_SECS=600 cargo test --release --test fuzz -- --nocapture
//! Also catch integer overflow (the wasm release build wraps silently; plain `cargo test` checks):
//!     CARGO_PROFILE_RELEASE_OVERFLOW_CHECKS=true FUZZ_SECS=600 cargo test --release --test fuzz -- --nocapture
//!
//! Environment: `FUZZ_SECS` total seconds (default 20; 4 in a debug build, so that a plain
//! `cargo test` stays quick), `FUZZ_SEED` (default random; printed), `FUZZ_REPLAY=<target>:<case>`
//! runs one case of a seed and prints its input in full, `FUZZ_HANG_SECS` (default 30) aborts the
//! run when one case takes longer (a hang), printing how to replay it.
//!
//! Targets (one `#[test]` each): `error_decoder` (decode_http_error with any headers),
//! `job_status` (decode_status, phase, failure, timeout), `models` (model, models_page),
//! `envelopes` (submit, price, balance, enhanced), `webhook` (verify against an independent
//! HMAC oracle, tampered deliveries), `validate` (check over every operation in `api::OPS`),
//! `request` (parse_options, build, json_body, redacted headers), `policy` (retry decisions, wait
//! options), `parsers` (parse_number against `str::parse`, parse_http_date, parse_retry_after,
//! fmt_num, sniff_mime, default_filename), `redaction` (a planted API key is gone after
//! `ApiError::redact`), `json_text` (JSON text in odd styles — escapes, lone surrogates, overflowing
//! numbers, deep and wide values — through `parse_json` and `write_json`, into every decoder, as
//! rate-limit and Retry-After headers and as a signed webhook payload), `raw_bytes`
//! (bytes → `parse_json` → every decoder), `realtime_frames` (socket frames → `realtime::decode_frame`:
//! real soketi frames mutated, structured frames with wrong types, other channels, double-encoded
//! or object `data`, previews past the frame cap) and `realtime_auth` (the auth endpoint's answer →
//! `decode_auth`; the frames the client writes; the close-code policy and backoff; the early-event
//! buffer's bounds), `realtime_link` (the socket's state machine fed random inputs: one socket at
//! a time, nothing sent without one, nothing done after `close()`) and `relay_stream` (the SSE
//! relay's `relay::Stream`: each write one event as `EventSource` reads it, whatever line breaks
//! the text holds; `status` only while running; nothing after `done` or `error`; the key never written)
//! and `fleet_quota` (`core::fleet`: any rate-limit headers → a report whose pause is bounded, store
//! answers read strictly, a key's name in the store never holding the key, the breaker's rules).
//!
//! How: no coverage feedback (libFuzzer needs nightly). Every case is generated from
//! (seed, target, case number) alone, so any case replays exactly. Inputs come from structure-aware
//! generators (deAPI's body shapes with wrong types at the known keys, deep nesting, huge strings,
//! odd numbers), from a seed corpus of real deAPI bodies (deapi-api.md) mutated as trees or as
//! bytes, and from raw bytes. A panic or a failed property is recorded with its input; the run goes
//! on (to find other distinct failures) and the test fails at the end, printing for each failure
//! location the smallest input seen.
#![cfg(not(target_arch = "wasm32"))]
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]
#![allow(clippy::disallowed_methods, clippy::disallowed_macros, clippy::disallowed_types)] // the size rules (clippy.toml) are for the module

use deapi_wasm::core::api::{encode_component, ApiVersion, Endpoint, Field, Op, Type, OPS};
use deapi_wasm::core::config::{is_secret_header, parse_call_timeout, parse_options, Config, Runtime, MAX_TIMER_MS};
use deapi_wasm::core::decode;
use deapi_wasm::core::http_date::{parse_http_date, parse_retry_after};
use deapi_wasm::core::error::{decode_http_error, key_parts, ApiError, Body, Kind, RateLimit, ResponseMeta, MAX_BODY, MAX_ERRORS_TEXT, MAX_FIELD, MAX_FIELD_ERRORS, MAX_TEXT};
use deapi_wasm::core::jobs::{self, Phase, WaitOptions};
use deapi_wasm::core::json::{self as crate_json, parse_number, Json, Unread, MAX_DEPTH, MAX_VALUES};
use deapi_wasm::core::fleet::{self, Answer, Breaker};
use deapi_wasm::core::relay;
use deapi_wasm::core::realtime::{
    after_close, auth_body, decode_auth, decode_frame, ping_after_ms, pong_deadline_ms, subscribe_frame, Action, AuthFailure, EarlyEvents, Frame, Ignored, Input, JobEvent, Link, Reconnect, State, Timer,
    MAX_FRAME_BYTES,
};
use deapi_wasm::core::request::{self, build, default_filename, extension, json_body, sniff_mime, Part};
use deapi_wasm::core::retry::{Decision, Outcome, Reason as RetryReason, RetryPolicy};
use deapi_wasm::core::validate::{self, fmt_num, ModelInfo};
use deapi_wasm::core::webhook::{reason_of, verify, Delivery};
use std::cell::{Cell, RefCell};
use std::fmt;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Once, OnceLock};
use std::time::{Duration, Instant};

// =================================================================================================
// Harness
// =================================================================================================

/// Number of `#[test]` targets below: `FUZZ_SECS` is split evenly between them.
const TARGETS: u32 = 16;

fn env_f64(name: &str) -> Option<f64> {
    std::env::var(name).ok().and_then(|v| v.trim().parse().ok())
}

fn seed() -> u64 {
    static SEED: OnceLock<u64> = OnceLock::new();
    *SEED.get_or_init(|| {
        let s = std::env::var("FUZZ_SEED").ok().and_then(|v| v.trim().parse().ok()).unwrap_or_else(|| {
            let t = std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).map_or(0, |d| d.as_nanos() as u64);
            splitmix(t ^ (u64::from(std::process::id()) << 32))
        });
        println!("fuzz: FUZZ_SEED={s} (set it to replay this run)");
        s
    })
}

fn budget() -> Duration {
    let default = if cfg!(debug_assertions) { 4.0 } else { 20.0 };
    let total = env_f64("FUZZ_SECS").filter(|s| s.is_finite() && *s >= 0.0).unwrap_or(default);
    Duration::from_secs_f64(total / f64::from(TARGETS))
}

/// `FUZZ_REPLAY=<target>:<case>`.
fn replay() -> Option<(String, u64)> {
    let v = std::env::var("FUZZ_REPLAY").ok()?;
    let (t, c) = v.split_once(':')?;
    Some((t.to_owned(), c.trim().parse().ok()?))
}

/// Inputs are shown with long strings cut, except when a single case is replayed.
static FULL: AtomicBool = AtomicBool::new(false);

thread_local! {
    static IN_CASE: Cell<bool> = const { Cell::new(false) };
    static CAUGHT: RefCell<Option<String>> = const { RefCell::new(None) };
}

/// A panic inside a case is recorded (location and message) instead of printed.
fn install_hook() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        let default = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            if IN_CASE.with(Cell::get) {
                CAUGHT.with(|c| *c.borrow_mut() = Some(info.to_string()));
            } else {
                default(info);
            }
        }));
    });
}

struct Failure {
    /// `panicked at file:line:col:` — failures are grouped by it.
    location: String,
    message: String,
    case: u64,
    input: String,
    count: u64,
}

/// Run `check(gen(rng))` for the target's share of `FUZZ_SECS`. `check` returns a label of the
/// outcome (tallied, to show which branches the inputs reach) and panics when a property fails.
fn fuzz<I: fmt::Debug>(name: &str, gen: fn(&mut Rng) -> I, check: fn(&I) -> &'static str) {
    install_hook();
    let seed = seed();
    let target_seed = seed ^ name.bytes().fold(0xcbf2_9ce4_8422_2325u64, |h, b| (h ^ u64::from(b)).wrapping_mul(0x100_0000_01b3));
    let case_rng = |case: u64| Rng::new(splitmix(target_seed ^ splitmix(case)));
    let replaying = replay();
    let cases: Box<dyn Iterator<Item = u64>> = match &replaying {
        Some((t, _)) if t != name => return,
        Some((_, c)) => {
            FULL.store(true, Ordering::Relaxed);
            Box::new(std::iter::once(*c))
        }
        None => Box::new(0..),
    };
    let budget = budget();
    let hang = Duration::from_secs_f64(env_f64("FUZZ_HANG_SECS").unwrap_or(30.0));
    let start = Instant::now();
    let progress = AtomicU64::new(0);
    let done = AtomicBool::new(false);
    let mut failures: Vec<Failure> = Vec::new();
    let mut labels: Vec<(&'static str, u64)> = Vec::new();
    let mut slowest = (Duration::ZERO, 0u64);
    let mut run = 0u64;
    std::thread::scope(|s| {
        // Watchdog: a case that never ends cannot be caught; report it and stop the process.
        s.spawn(|| {
            let mut last = (u64::MAX, Instant::now());
            while !done.load(Ordering::Relaxed) {
                std::thread::sleep(Duration::from_millis(200));
                let p = progress.load(Ordering::Relaxed);
                if p != last.0 {
                    last = (p, Instant::now());
                } else if last.1.elapsed() > hang {
                    eprintln!(
                        "\nFUZZ HANG in `{name}`: case {p} ran over {} s. Replay: FUZZ_SEED={seed} FUZZ_REPLAY={name}:{p} cargo test --release --test fuzz -- --nocapture",
                        hang.as_secs()
                    );
                    std::process::exit(101);
                }
            }
        });
        for case in cases {
            if replaying.is_none() && case >= 100 && start.elapsed() >= budget {
                break;
            }
            progress.store(case, Ordering::Relaxed);
            let t0 = Instant::now();
            IN_CASE.with(|c| c.set(true));
            let outcome = catch_unwind(AssertUnwindSafe(|| {
                let input = gen(&mut case_rng(case));
                if replaying.is_some() {
                    println!("replay {name}:{case}: generated in {:.1} ms:\n{input:?}", t0.elapsed().as_secs_f64() * 1000.0);
                }
                check(&input)
            }));
            IN_CASE.with(|c| c.set(false));
            let took = t0.elapsed();
            if took > slowest.0 {
                slowest = (took, case);
            }
            run += 1;
            match outcome {
                Ok(label) => match labels.iter_mut().find(|(l, _)| *l == label) {
                    Some(slot) => slot.1 += 1,
                    None => labels.push((label, 1)),
                },
                Err(_) => {
                    let text = CAUGHT.with(|c| c.borrow_mut().take()).unwrap_or_else(|| "panic (no message)".to_owned());
                    let (location, message) = text.split_once('\n').map_or((text.clone(), String::new()), |(l, m)| (l.to_owned(), m.to_owned()));
                    // the input again, from its case number (the generator is deterministic)
                    let input = catch_unwind(AssertUnwindSafe(|| format!("{:?}", gen(&mut case_rng(case))))).unwrap_or_else(|_| "<the generator panicked>".to_owned());
                    match failures.iter_mut().find(|f| f.location == location) {
                        Some(f) => {
                            f.count += 1;
                            if input.len() < f.input.len() {
                                (f.case, f.input, f.message) = (case, input, message);
                            }
                        }
                        None => failures.push(Failure { location, message, case, input, count: 1 }),
                    }
                }
            }
        }
        done.store(true, Ordering::Relaxed);
    });
    let secs = start.elapsed().as_secs_f64();
    labels.sort_by_key(|l| std::cmp::Reverse(l.1));
    let shown: Vec<String> = labels.iter().take(8).map(|(l, n)| format!("{l} {:.0}%", *n as f64 * 100.0 / run.max(1) as f64)).collect();
    println!(
        "fuzz {name:<14} {run:>9} cases in {secs:5.1} s ({:>8.0}/s), slowest case #{} {:.1} ms; outcomes: {}",
        run as f64 / secs.max(1e-9),
        slowest.1,
        slowest.0.as_secs_f64() * 1000.0,
        shown.join(", ")
    );
    if failures.is_empty() {
        return;
    }
    let mut report = String::new();
    for f in &failures {
        report.push_str(&format!(
            "\n== FUZZ FAILURE in `{name}` ({} case(s)) {}\n{}\n-- smallest input (case {}):\n{}\n-- replay: FUZZ_SEED={seed} FUZZ_REPLAY={name}:{} cargo test --release --test fuzz -- --nocapture\n",
            f.count, f.location, f.message, f.case, f.input, f.case
        ));
    }
    eprintln!("{report}");
    panic!("fuzz target `{name}`: {} distinct failure(s), see above (FUZZ_SEED={seed})", failures.len());
}

// =================================================================================================
// Random numbers
// =================================================================================================

fn splitmix(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// xoshiro256**.
struct Rng([u64; 4]);

impl Rng {
    fn new(seed: u64) -> Rng {
        let a = splitmix(seed);
        let b = splitmix(a);
        let c = splitmix(b);
        let d = splitmix(c);
        Rng([a, b, c, d])
    }
    fn u64(&mut self) -> u64 {
        let s = &mut self.0;
        let out = s[1].wrapping_mul(5).rotate_left(7).wrapping_mul(9);
        let t = s[1] << 17;
        s[2] ^= s[0];
        s[3] ^= s[1];
        s[1] ^= s[2];
        s[0] ^= s[3];
        s[2] ^= t;
        s[3] = s[3].rotate_left(45);
        out
    }
    /// 0..n (0 when n is 0).
    fn below(&mut self, n: usize) -> usize {
        if n == 0 {
            0
        } else {
            (self.u64() % n as u64) as usize
        }
    }
    /// lo..=hi
    fn int(&mut self, lo: i64, hi: i64) -> i64 {
        lo.wrapping_add((self.u64() % (hi.wrapping_sub(lo) as u64).wrapping_add(1).max(1)) as i64)
    }
    /// true with probability p.
    fn p(&mut self, p: f64) -> bool {
        ((self.u64() >> 11) as f64 / (1u64 << 53) as f64) < p
    }
    fn unit(&mut self) -> f64 {
        (self.u64() >> 11) as f64 / (1u64 << 53) as f64
    }
    fn pick<'a, T>(&mut self, xs: &'a [T]) -> &'a T {
        &xs[self.below(xs.len())]
    }
    fn one<'a>(&mut self, xs: &[&'a str]) -> &'a str {
        xs[self.below(xs.len())]
    }
    fn byte(&mut self) -> u8 {
        self.u64() as u8
    }
}

// =================================================================================================
// Generators
// =================================================================================================

/// Keys deAPI bodies and the decoders use, and a few more.
const KEYS: &[&str] = &[
    "message", "errors", "error", "data", "status", "statusCode", "progress", "info", "limits", "features", "defaults",
    "inference_types", "price", "request_id", "balance", "field", "messages", "meta", "current_page", "last_page",
    "per_page", "total", "prompt", "negative_prompt", "is_estimated", "slug", "name", "result_url", "preview",
    "error_code", "error_message", "error_reason", "retryable", "refunded", "amount", "type", "links", "min_width",
    "max_width", "resolution_step", "min_steps", "max_steps", "timestamp_levels", "supports_steps", "supports_scale",
    "width", "height", "steps", "model", "result", "x", "", "__proto__", "constructor", "0", "message ", "Message",
];

const STRINGS: &[&str] = &[
    "", " ", "\t\n", "1", "0", "-1", "true", "false", "null", "45.50", "1e3", " 12 ", "-5", "abc", "done", "error",
    "failed", "completed", "DONE", "Failed", "processing", "pending", "queued", "é", "\u{0}", "🦊", "a\u{301}", "\u{200b}",
    "\u{feff}", "\u{a0}", "\u{3000}1", "\u{202e}txt", "NaN", "Infinity", "-0", "0x10", "1,5", "1_000", "Sun, 06 Nov 1994 08:49:37 GMT",
    "txt2img", "img2img", "txt2audio", "segment", "word", "char", "https://", "https://example.com/hook", "Flux1schnell",
    "The width field must be at least 512.", "Unauthenticated.", "Too Many Attempts.", "<html>", "</script>", "\\", "\"", "%", "%2F",
    "../", "a|b", "1234|secretKEY", "[REDACTED]", "sha256=", "9007199254740993", "1e308", "1e309", "4.9e-324", ".5", "7.",
];

const STATUSES: &[u16] = &[
    400, 401, 403, 404, 405, 408, 409, 410, 413, 418, 422, 429, 500, 501, 502, 503, 504, 599, 0, 1, 100, 200, 204, 299, 300, 399, 600, 999, 65535,
];

fn num(r: &mut Rng, nonfinite: bool) -> f64 {
    const SPECIAL: &[f64] = &[
        0.0, -0.0, 1.0, -1.0, 0.5, 2.0, 3.0, 4.0, 10.0, 16.0, 100.0, 255.0, 256.0, 512.0, 1000.0, 1e6, 2_147_483_647.0, 2_147_483_648.0,
        4_294_967_296.0, 9_007_199_254_740_992.0, 9.0e15, 8_999_999_999_999_999.0, 1.8e19, 1e21, 1e300, f64::MAX, f64::MIN, f64::MIN_POSITIVE,
        5e-324, -1e308, 0.1, 1.5, 45.5, 19.72, 0.0123, 0.49, -3.5, 1e-7, 0.999_999_9,
    ];
    match r.below(8) {
        0 | 1 => *r.pick(SPECIAL),
        2 | 3 => r.int(-20, 2100) as f64,
        4 => r.int(-1_000_000, 1_000_000) as f64 / 100.0,
        5 => {
            let f = f64::from_bits(r.u64());
            if f.is_finite() || nonfinite {
                f
            } else {
                r.unit()
            }
        }
        6 if nonfinite => *r.pick(&[f64::NAN, f64::INFINITY, f64::NEG_INFINITY]),
        _ => r.unit() * 10f64.powi(r.int(-10, 20) as i32),
    }
}

fn number_text(r: &mut Rng) -> String {
    let mut s = String::new();
    let ws = ["", " ", "\t", "\n", "\u{a0}", "\u{3000}", "\u{2028}"];
    s.push_str(r.one(&ws));
    s.push_str(r.one(&["", "", "", "-", "+", "--", "+-"]));
    let digits = |r: &mut Rng, n: usize| -> String {
        (0..n).map(|i| if i == 0 && r.p(0.3) { '0' } else { char::from(b'0' + r.below(10) as u8) }).collect()
    };
    let int_len = match r.below(10) {
        0 => 0,
        1 => r.below(40),
        2 => r.below(400),
        _ => r.below(6) + 1,
    };
    s.push_str(&digits(r, int_len));
    if r.p(0.5) {
        s.push('.');
        let n = if r.p(0.1) { r.below(400) } else { r.below(8) };
        s.push_str(&digits(r, n));
    }
    if r.p(0.35) {
        s.push(*r.pick(&['e', 'E']));
        s.push_str(r.one(&["", "", "-", "+"]));
        let n = *r.pick(&[0, 1, 1, 2, 3, 3, 4, 5]);
        s.push_str(&digits(r, n));
    }
    if r.p(0.05) {
        let junk = ['x', '.', 'e', ' ', '_', ',', '١', 'Ⅻ'];
        let at = r.below(s.len() + 1);
        if s.is_char_boundary(at) {
            s.insert(at, *r.pick(&junk));
        }
    }
    s.push_str(r.one(&ws));
    s
}

const DAYS: &[&str] = &["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun", "Sunday", "Monday"];
const MONTHS: &[&str] = &["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

/// A date, valid or not, in one of the three HTTP forms (or a broken one); with its expected value
/// when it is a well-formed date of years 1970–9999.
fn date_text(r: &mut Rng) -> (String, Option<f64>) {
    let year = match r.below(10) {
        0 => r.int(0, 99),
        1 => r.int(-5, 100_000),
        2 => *r.pick(&[i64::MAX, 99_999_999_999_999_999, 999_999_999_999, 25_000_000_000_000_000, 292_277_026_596]),
        _ => r.int(1970, 2200),
    };
    let month = r.int(1, 12);
    let dim = match month {
        2 if (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    };
    let day = if r.p(0.9) { r.int(1, dim) } else { r.int(-1, 40) };
    let (h, mi, se) = if r.p(0.9) { (r.int(0, 23), r.int(0, 59), r.int(0, 59)) } else { (r.int(-1, 99), r.int(-1, 99), r.int(-1, 99)) };
    let mname = if r.p(0.95) { MONTHS[(month - 1) as usize].to_owned() } else { r.pick(&["Foo", "jan", "DEC", "Sept", ""]).to_string() };
    let dname = r.pick(DAYS);
    let time = format!("{h:02}:{mi:02}:{se:02}");
    let form = r.below(4);
    let text = match form {
        0 => format!("{dname}, {day:02} {mname} {year} {time} GMT"),
        1 => format!("{dname}, {day:02}-{mname}-{:02} {time} GMT", year.rem_euclid(100)),
        2 => format!("{dname} {mname} {day:>2} {time} {year}"),
        _ => {
            let mut parts = [dname.to_string(), day.to_string(), mname.clone(), year.to_string(), time.clone(), "GMT".into()];
            let (a, b) = (r.below(6), r.below(6));
            parts.swap(a, b);
            parts.join(r.one(&[" ", ",", "-", "  ", ", "]))
        }
    };
    let well_formed = form < 3
        && (1970..=9999).contains(&year)
        && (form != 1 || (1970..=2069).contains(&year))
        && (1..=dim).contains(&day)
        && (0..24).contains(&h)
        && (0..60).contains(&mi)
        && (0..60).contains(&se)
        && mname.len() == 3
        && MONTHS.contains(&mname.as_str());
    let expected = well_formed.then(|| (days_since_epoch(year, month, day) * 86_400 + h * 3600 + mi * 60 + se) as f64);
    (text, expected)
}

/// Days since 1970-01-01, by counting (independent of the crate's `days_from_civil`).
fn days_since_epoch(y: i64, m: i64, d: i64) -> i64 {
    let leap = |y: i64| (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    let before_year = |y: i64| {
        let p = y - 1;
        365 * p + p / 4 - p / 100 + p / 400
    };
    let mut days = before_year(y) - before_year(1970);
    let month_days = [31, if leap(y) { 29 } else { 28 }, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
    days += month_days.iter().take((m - 1) as usize).sum::<i64>();
    days + d - 1
}

fn string(r: &mut Rng) -> String {
    match r.below(20) {
        0..=5 => r.pick(STRINGS).to_string(),
        6 | 7 => number_text(r),
        8 => date_text(r).0,
        9..=11 => (0..r.below(20)).map(|_| char::from(r.int(32, 126) as u8)).collect(),
        12 | 13 => {
            const CHARS: &[char] = &['a', 'é', 'ß', '中', '🦊', '\u{301}', '\u{0}', '\u{1f}', '\u{7f}', '\u{fffd}', '"', '\\', '/', ' ', '|', '\u{10ffff}', '\u{2028}'];
            (0..r.below(12)).map(|_| *r.pick(CHARS)).collect()
        }
        14 if r.p(0.05) => {
            // huge: up to 100 000 chars, rarely a megabyte
            let n = if r.p(0.05) { 1 << 20 } else { r.below(100_000) };
            let unit = r.pick(&["a", "é", "🦊", " ", "1"]).to_string();
            unit.repeat(n)
        }
        15 | 16 => r.pick(KEYS).to_string(),
        17 => String::from_utf8_lossy(&(0..r.below(16)).map(|_| r.byte()).collect::<Vec<u8>>()).into_owned(),
        _ => {
            let (a, b) = (r.pick(STRINGS), r.pick(KEYS));
            format!("{a}{b}")
        }
    }
}

#[derive(Clone, Copy)]
struct Flavor {
    /// NaN and ±Infinity (JS values; never from a JSON response).
    nonfinite: bool,
    /// `Json::File` (params only).
    files: bool,
}

const RESPONSE: Flavor = Flavor { nonfinite: false, files: false };
const PARAMS: Flavor = Flavor { nonfinite: true, files: true };

fn scalar(r: &mut Rng, f: Flavor) -> Json {
    match r.below(12) {
        0 => Json::Null,
        1 => Json::Bool(r.p(0.5)),
        2..=4 => Json::Num(num(r, f.nonfinite)),
        11 if f.files => Json::File(r.below(6) as u32),
        _ => Json::Str(string(r)),
    }
}

fn key(r: &mut Rng) -> String {
    if r.p(0.8) {
        r.pick(KEYS).to_string()
    } else {
        string(r)
    }
}

/// Any JSON value, at most `depth` more levels deep.
fn json(r: &mut Rng, depth: u32, f: Flavor) -> Json {
    if depth == 0 || r.p(0.45) {
        return scalar(r, f);
    }
    if r.p(0.01) {
        return deep(r, f);
    }
    // now and then a long container, of scalars only (nested long ones would explode)
    let long = r.p(0.03);
    let n = if long { r.below(300) } else { r.below(6) };
    let child = |r: &mut Rng| if long { scalar(r, f) } else { json(r, depth - 1, f) };
    if r.p(0.5) {
        Json::Arr((0..n).map(|_| child(r)).collect())
    } else {
        Json::Obj((0..n).map(|_| (key(r), child(r))).collect())
    }
}

/// A chain nested up to just past the depth the real decoders keep.
fn deep(r: &mut Rng, f: Flavor) -> Json {
    let levels = r.int(20, i64::from(MAX_DEPTH) + 2);
    let mut v = scalar(r, f);
    for _ in 0..levels {
        v = if r.p(0.5) { Json::Arr(vec![v]) } else { Json::Obj(vec![(key(r), v)]) };
    }
    v
}

fn obj(pairs: Vec<(&str, Json)>) -> Json {
    Json::Obj(pairs.into_iter().map(|(k, v)| (k.to_owned(), v)).collect())
}

fn s(v: &str) -> Json {
    Json::Str(v.to_owned())
}

/// Mostly a value of the right kind, sometimes anything.
fn or_any(r: &mut Rng, right: impl FnOnce(&mut Rng) -> Json, f: Flavor) -> Json {
    if r.p(0.75) {
        right(r)
    } else {
        json(r, 3, f)
    }
}

fn maybe(r: &mut Rng, pairs: &mut Vec<(&'static str, Json)>, key: &'static str, value: Json) {
    if r.p(0.75) {
        pairs.push((key, value));
    }
}

fn shuffle<T>(r: &mut Rng, v: &mut [T]) {
    for i in (1..v.len()).rev() {
        let j = r.below(i + 1);
        v.swap(i, j);
    }
}

// ---- tree mutation ------------------------------------------------------------------------------

fn count_nodes(j: &Json) -> usize {
    1 + match j {
        Json::Arr(items) => items.iter().map(count_nodes).sum(),
        Json::Obj(pairs) => pairs.iter().map(|(_, v)| count_nodes(v)).sum(),
        _ => 0,
    }
}

fn nth_node<'a>(j: &'a mut Json, k: &mut usize) -> Option<&'a mut Json> {
    if *k == 0 {
        return Some(j);
    }
    *k -= 1;
    match j {
        Json::Arr(items) => items.iter_mut().find_map(|v| nth_node(v, k)),
        Json::Obj(pairs) => pairs.iter_mut().find_map(|(_, v)| nth_node(v, k)),
        _ => None,
    }
}

/// One random change somewhere in the tree.
fn mutate(r: &mut Rng, root: &mut Json, f: Flavor) {
    let mut k = r.below(count_nodes(root));
    let Some(node) = nth_node(root, &mut k) else { return };
    match r.below(10) {
        0 | 1 => *node = json(r, 3, f),
        2 => *node = scalar(r, f),
        3 => *node = Json::Arr(vec![std::mem::take(node)]),
        4 => *node = Json::Obj(vec![(key(r), std::mem::take(node))]),
        5 => match node {
            Json::Arr(items) if !items.is_empty() => {
                let i = r.below(items.len());
                items.remove(i);
            }
            Json::Obj(pairs) if !pairs.is_empty() => {
                let i = r.below(pairs.len());
                pairs.remove(i);
            }
            _ => *node = Json::Null,
        },
        6 => match node {
            // duplicate a key (JSON.parse keeps the last value; so does the crate's parser, and `get`)
            Json::Obj(pairs) if !pairs.is_empty() => {
                let i = r.below(pairs.len());
                let k = pairs[i].0.clone();
                let v = json(r, 2, f);
                pairs.push((k, v));
            }
            Json::Arr(items) => items.push(json(r, 2, f)),
            _ => *node = deep(r, f),
        },
        7 => match node {
            Json::Obj(pairs) => {
                let v = json(r, 2, f);
                let at = r.below(pairs.len() + 1);
                pairs.insert(at, (key(r), v));
            }
            Json::Arr(items) => {
                let v = json(r, 2, f);
                let at = r.below(items.len() + 1);
                items.insert(at, v);
            }
            _ => *node = Json::Str(string(r)),
        },
        // type confusion of a scalar: number ↔ string
        8 => {
            let swapped = match &*node {
                Json::Num(n) => Some(Json::Str(if r.p(0.5) { fmt_num(*n) } else { number_text(r) })),
                Json::Str(t) => Some(parse_number(t).map_or_else(|| Json::Num(num(r, f.nonfinite)), Json::Num)),
                Json::Bool(b) => Some(r.pick(&[s(if *b { "1" } else { "0" }), Json::Num(if *b { 1.0 } else { 0.0 })]).clone()),
                _ => None,
            };
            if let Some(v) = swapped {
                *node = v;
            }
        }
        _ => shuffle_children(r, node),
    }
}

fn shuffle_children(r: &mut Rng, node: &mut Json) {
    match node {
        Json::Obj(pairs) => shuffle(r, pairs),
        Json::Arr(items) => shuffle(r, items),
        _ => {}
    }
}

fn mutate_some(r: &mut Rng, mut j: Json, f: Flavor) -> Json {
    let n = *r.pick(&[0, 0, 1, 1, 2, 3, 5]);
    for _ in 0..n {
        mutate(r, &mut j, f);
    }
    j
}

// ---- seed corpus: real deAPI bodies (deapi-api.md §2.5, §3.2, §4.1, §4.2, §5.1) ---------------

const SEEDS: &[&str] = &[
    r#"{"message":"The width field must be at least 512. (and 2 more errors)","errors":{"width":["The width field must be at least 512."],"height":["The height field must be at least 512."],"steps":["The steps field must be at least 8."]}}"#,
    r#"{"data":null,"message":"The prompt field is required.","errors":[{"field":"prompt","messages":["The prompt field is required."]}],"statusCode":422}"#,
    r#"{"data":null,"message":"Unauthenticated.","errors":[],"statusCode":401}"#,
    r#"{"message":"Unauthenticated."}"#,
    r#"{"message":"Your account has been suspended."}"#,
    r#"{"message":"No query results for the requested resource."}"#,
    r#"{"message":"Too Many Attempts."}"#,
    r#"{"message":"Server Error"}"#,
    r#"{"message":"Not enough balance.","errors":{"balance":["Not enough balance."]}}"#,
    r#"{"message":"The selected model does not exist.","errors":{"model":["The selected model does not exist."]}}"#,
    r#"{"message":"Model 'WhisperLargeV3Ct2' does not support ts_level 'char'. Supported levels: segment, word.","errors":{"ts_level":["Model 'WhisperLargeV3Ct2' does not support ts_level 'char'. Supported levels: segment, word."]}}"#,
    r#"{"error":{"message":"bad mask","type":"invalid_request_error"}}"#,
    r#"<html><head><title>502 Bad Gateway</title></head><body><center><h1>502 Bad Gateway</h1></center><hr><center>cloudflare</center></body></html>"#,
    r#"{"data":{"request_id":"c08a339c-73e5-4d67-a4d5-231302fbff9a"}}"#,
    r#"{"data":{"price":0.0123}}"#,
    r#"{"data":{"price":"0.5","is_estimated":true}}"#,
    r#"{"data":{"balance":19.72}}"#,
    r#"{"prompt":"a vivid red fox in the snow, golden hour","negative_prompt":null}"#,
    r#"{"data":{"status":"processing","progress":"45.50","preview":"https://x/preview.jpg"}}"#,
    r#"{"data":{"status":"done","progress":100,"result_url":"https://results.deapi.ai/a.png?X-Amz-Signature=x","results_alt_formats":{"jpg":"j","webp":"w"},"price":{"amount":0.0123,"is_estimated":false}}}"#,
    r#"{"data":{"status":"error","error_code":"PROCESSING_ERROR","error_message":"age-restricted","error_reason":"SOURCE_RESTRICTED","retryable":false,"refunded":"1","failed_at":"2026-06-16T09:30:00+00:00"}}"#,
    r#"{"data":{"status":"done","result":"text","transcription":{"language":"en","ts_level":"segment","diarization_available":false,"structured":true},"prompt_boosted":true,"prompt_boost":{"prompt":"p","prompt_original":"o"}}}"#,
    r#"{"data":[{"name":"Flux","slug":"Flux1schnell","inference_types":["txt2img"],"info":{"limits":{"min_width":"256","max_width":2048,"resolution_step":16,"max_steps":10,"timestamp_levels":["segment"]},"features":{"supports_guidance":"0","supports_steps":true},"defaults":{"steps":"4","voice":"af_sky"}}},{"name":"Odd","slug":"Odd","inference_types":{"txt2img":{},"img2img":{"x":1}},"info":[]},"junk",{"slug":"Bare"}],"links":{"first":"f","last":"l","prev":null,"next":"n"},"meta":{"current_page":1,"last_page":"2","per_page":50,"total":60}}"#,
    r#"{"data":[{"name":"Kokoro","slug":"Kokoro","inference_types":["txt2audio"],"tags":["new"],"status":"standard_model","info":{"limits":{"min_text":3,"max_text":5000,"min_speed":0.5,"max_speed":2},"defaults":{"lang":"en-us","voice":"af_sky","speed":1,"format":"mp3","sample_rate":24000}},"languages":[{"name":"English","slug":"en-us","voices":[{"name":"Sky","slug":"af_sky","gender":"f"}]}],"loras":null}],"meta":{"current_page":1,"last_page":1}}"#,
    r#"{"event":"job.completed","delivery_id":"5f0c6a2e-8d4b-4b8e-9f51-0a7c1e2d3b4f","timestamp":"2026-08-07T11:43:14+00:00","data":{"job_request_id":"c0ffee00-1111-2222-3333-444455556666","status":"done","previous_status":"processing","job_type":"txt2img","result_url":"https:\/\/storage.deapi.ai\/results\/fox.png?X-Amz-Signature=abc"}}"#,
    "",
    "null",
    "[]",
    "Too Many Requests",
];

/// A seed body as a value (mutated as a tree), or `None` when it is not JSON.
fn seed_json(r: &mut Rng) -> Option<Json> {
    parse_json(r.pick(SEEDS).as_bytes())
}

const TOKENS: &[&str] = &[
    "{", "}", "[", "]", ":", ",", "null", "true", "false", "\"", "\"message\":", "\"errors\":", "\"data\":", "\"status\":",
    "\"progress\":", "\"info\":", "\"limits\":", "\"inference_types\":", "\"price\":", "\"request_id\":", "1e999", "-0", "\\u0000",
    "\\ud800", "\\/", "0.0000001", "18446744073709551616", "[[[[[[[[", "{\"a\":{\"a\":{\"a\":",
];

/// Byte-level mutation of a text (bit flips, inserts, deletes, duplications, dictionary tokens,
/// splices with another seed).
fn mutate_bytes(r: &mut Rng, b: &mut Vec<u8>) {
    for _ in 0..=r.below(4) {
        let at = r.below(b.len() + 1);
        match r.below(7) {
            0 if !b.is_empty() => {
                let i = r.below(b.len());
                b[i] ^= 1 << r.below(8);
            }
            1 => b.insert(at, r.byte()),
            2 if !b.is_empty() => {
                let end = (at + r.below(16)).min(b.len());
                b.drain(at..end);
            }
            3 if !b.is_empty() => {
                let end = (at + r.below(32)).min(b.len());
                let chunk: Vec<u8> = b[at..end].to_vec();
                let to = r.below(b.len() + 1);
                b.splice(to..to, chunk);
            }
            4 => {
                let t = r.pick(TOKENS).as_bytes();
                b.splice(at..at, t.iter().copied());
            }
            5 => {
                let other = r.pick(SEEDS).as_bytes();
                let from = r.below(other.len() + 1);
                b.truncate(at);
                b.extend_from_slice(&other[from..]);
            }
            _ => {
                let at = at.min(b.len());
                b.truncate(at);
            }
        }
    }
}

/// Bytes a response body could be: a mutated seed, random bytes, or a generated value's text.
fn body_bytes(r: &mut Rng) -> Vec<u8> {
    match r.below(10) {
        0 => (0..r.below(64)).map(|_| r.byte()).collect(),
        1 | 2 => to_text(&json(r, 6, RESPONSE)).into_bytes(),
        _ => {
            let mut b = r.pick(SEEDS).as_bytes().to_vec();
            mutate_bytes(r, &mut b);
            b
        }
    }
}

/// `JSON.parse` or, failing that, the text: what `Core::decide` hands the decoders.
fn body_from_bytes(b: &[u8]) -> Body {
    match parse_json(b) {
        Some(j) => Body::Json(j),
        None => Body::Text(String::from_utf8_lossy(b).into_owned()),
    }
}

// ---- deAPI shapes with wrong types at the known keys --------------------------------------------

fn messages(r: &mut Rng) -> Json {
    match r.below(6) {
        0 => Json::Str(string(r)),
        1 => json(r, 2, RESPONSE),
        _ => Json::Arr((0..r.below(4)).map(|_| if r.p(0.85) { Json::Str(string(r)) } else { scalar(r, RESPONSE) }).collect()),
    }
}

fn error_body(r: &mut Rng) -> Json {
    let mut p: Vec<(&str, Json)> = Vec::new();
    let message = match r.below(8) {
        0 => json(r, 2, RESPONSE),
        1 => obj(vec![("message", or_any(r, |r| Json::Str(string(r)), RESPONSE))]),
        _ => Json::Str(string(r)),
    };
    maybe(r, &mut p, "message", message);
    if r.p(0.2) {
        let e = if r.p(0.5) { Json::Str(string(r)) } else { obj(vec![("message", or_any(r, |r| Json::Str(string(r)), RESPONSE)), ("type", s("invalid_request_error"))]) };
        p.push(("error", e));
    }
    let errors = match r.below(7) {
        0 => Json::Arr(vec![]),
        1 => Json::Null,
        2 | 3 => Json::Arr(
            (0..r.below(4))
                .map(|_| {
                    let mut item: Vec<(&str, Json)> = Vec::new();
                    let field = or_any(r, |r| Json::Str(key(r)), RESPONSE);
                    maybe(r, &mut item, "field", field);
                    let m = messages(r);
                    item.push((if r.p(0.7) { "messages" } else { "message" }, m));
                    or_any(r, |_| obj(item), RESPONSE)
                })
                .collect(),
        ),
        4 => json(r, 3, RESPONSE),
        _ => Json::Obj((0..r.below(5)).map(|_| (key(r), messages(r))).collect()),
    };
    maybe(r, &mut p, "errors", errors);
    if r.p(0.3) {
        p.push(("data", Json::Null));
        p.push(("statusCode", Json::Num(f64::from(*r.pick(STATUSES)))));
    }
    shuffle(r, &mut p);
    mutate_some(r, obj(p), RESPONSE)
}

fn status_text(r: &mut Rng) -> Json {
    const ST: &[&str] = &["pending", "processing", "done", "error", "completed", "failed", "DONE", "Error", "queued", "in_progress", "", "dönë"];
    or_any(r, |r| s(r.one(ST)), RESPONSE)
}

fn job_status(r: &mut Rng) -> Json {
    let mut d: Vec<(&str, Json)> = Vec::new();
    let st = status_text(r);
    maybe(r, &mut d, "status", st);
    let progress = match r.below(4) {
        0 => Json::Str(number_text(r)),
        1 => Json::Num(num(r, false)),
        2 => Json::Null,
        _ => json(r, 2, RESPONSE),
    };
    maybe(r, &mut d, "progress", progress);
    for k in ["error_code", "error_message", "error_reason", "error", "request_id", "preview", "result_url"] {
        if r.p(0.3) {
            let v = or_any(r, |r| Json::Str(string(r)), RESPONSE);
            d.push((k, v));
        }
    }
    for k in ["retryable", "refunded"] {
        if r.p(0.4) {
            let v = r.pick(&[Json::Bool(true), Json::Bool(false), s("1"), s("0"), s("true"), s(""), Json::Num(1.0), Json::Num(2.0), Json::Null]).clone();
            d.push((k, v));
        }
    }
    if r.p(0.2) {
        d.push(("price", obj(vec![("amount", Json::Num(num(r, false))), ("is_estimated", Json::Bool(r.p(0.5)))])));
    }
    shuffle(r, &mut d);
    let data = obj(d);
    let body = match r.below(6) {
        0 => data,                        // unwrapped
        1 => obj(vec![("data", json(r, 2, RESPONSE))]), // wrong data
        _ => obj(vec![("data", data)]),
    };
    mutate_some(r, body, RESPONSE)
}

fn limits(r: &mut Rng) -> Json {
    const L: &[&str] = &[
        "min_width", "max_width", "min_height", "max_height", "resolution_step", "min_steps", "max_steps", "min_guidance", "max_guidance",
        "min_frames", "max_frames", "min_fps", "max_fps", "min_duration", "max_duration", "min_text", "max_text", "min_speed", "max_speed",
        "max_input_images", "min_scale", "max_scale", "min_bpm", "max_bpm", "min_seed", "max_seed", "min_sample_rate",
    ];
    let mut p: Vec<(String, Json)> = Vec::new();
    for _ in 0..r.below(8) {
        let v = match r.below(5) {
            0 => Json::Str(number_text(r)),
            1 => json(r, 1, RESPONSE),
            _ => Json::Num(num(r, false)),
        };
        p.push((r.pick(L).to_string(), v));
    }
    if r.p(0.3) {
        let levels = Json::Arr((0..r.below(4)).map(|_| or_any(r, |r| s(r.one(&["segment", "word", "char"])), RESPONSE)).collect());
        p.push(("timestamp_levels".into(), or_any(r, |_| levels, RESPONSE)));
    }
    Json::Obj(p)
}

fn model_json(r: &mut Rng, types: &[&str]) -> Json {
    let mut p: Vec<(&str, Json)> = Vec::new();
    let name = Json::Str(string(r));
    maybe(r, &mut p, "name", name);
    let slug = or_any(r, |r| s(r.one(&["Flux1schnell", "Kokoro", "WhisperLargeV3Ct2", "x"])), RESPONSE);
    maybe(r, &mut p, "slug", slug);
    let mut names: Vec<&str> = types.to_vec();
    names.extend_from_slice(&["txt2img", "img2img", "txt2audio", "video2text", "nope"]);
    let chosen: Vec<&str> = names.iter().copied().filter(|_| r.p(0.4)).collect();
    let it = match r.below(5) {
        0 => Json::Obj(chosen.iter().map(|t| (t.to_string(), json(r, 1, RESPONSE))).collect()),
        1 => Json::Str(chosen.join(r.one(&[",", ", ", " ,", ",,"]))),
        2 => json(r, 2, RESPONSE),
        _ => Json::Arr(chosen.iter().map(|t| s(t)).collect()),
    };
    maybe(r, &mut p, "inference_types", it);
    let mut info: Vec<(&str, Json)> = Vec::new();
    let l = limits(r);
    maybe(r, &mut info, "limits", l);
    let mut features = Vec::new();
    for k in ["supports_scale", "supports_steps", "supports_guidance", "supports_last_frame", "x"] {
        if r.p(0.5) {
            let v = r.pick(&[Json::Bool(true), Json::Bool(false), s("1"), s("0"), s("true"), s("yes"), Json::Num(1.0), Json::Null]).clone();
            features.push((k.to_owned(), v));
        }
    }
    let features = Json::Obj(features);
    maybe(r, &mut info, "features", features);
    let defaults = Json::Obj((0..r.below(4)).map(|_| (key(r), if r.p(0.5) { Json::Str(number_text(r)) } else { scalar(r, RESPONSE) })).collect());
    maybe(r, &mut info, "defaults", defaults);
    if r.p(0.2) {
        info.push(("extra", json(r, 2, RESPONSE)));
    }
    let info = match r.below(8) {
        0 => Json::Arr(vec![]), // PHP's empty map
        1 => json(r, 2, RESPONSE),
        _ => obj(info),
    };
    maybe(r, &mut p, "info", info);
    if r.p(0.2) {
        p.push(("loras", json(r, 2, RESPONSE)));
    }
    shuffle(r, &mut p);
    mutate_some(r, obj(p), RESPONSE)
}

fn models_page_body(r: &mut Rng) -> Json {
    let items = (0..r.below(5)).map(|_| if r.p(0.85) { model_json(r, &[]) } else { scalar(r, RESPONSE) }).collect();
    let mut p: Vec<(&str, Json)> = vec![("data", or_any(r, |_| Json::Arr(items), RESPONSE))];
    let mut meta: Vec<(&str, Json)> = Vec::new();
    for k in ["current_page", "last_page", "per_page", "total"] {
        let v = match r.below(4) {
            0 => Json::Str(number_text(r)),
            1 => scalar(r, RESPONSE),
            _ => Json::Num(r.int(-2, 100) as f64),
        };
        maybe(r, &mut meta, k, v);
    }
    let meta = or_any(r, |_| obj(meta), RESPONSE);
    maybe(r, &mut p, "meta", meta);
    mutate_some(r, obj(p), RESPONSE)
}

fn envelope_body(r: &mut Rng) -> Json {
    let mut d: Vec<(&str, Json)> = Vec::new();
    for k in ["request_id", "price", "balance", "prompt", "negative_prompt", "is_estimated"] {
        if r.p(0.4) {
            let v = match r.below(5) {
                0 => Json::Str(string(r)),
                1 => Json::Str(number_text(r)),
                2 => Json::Num(num(r, false)),
                3 => Json::Null,
                _ => json(r, 2, RESPONSE),
            };
            d.push((k, v));
        }
    }
    let top = r.p(0.3);
    let body = if top { obj(d) } else { obj(vec![("data", obj(d))]) };
    mutate_some(r, body, RESPONSE)
}

/// Any response body, by one of the means above.
fn any_body(r: &mut Rng) -> Json {
    match r.below(9) {
        0 => error_body(r),
        1 => job_status(r),
        2 => models_page_body(r),
        3 => model_json(r, &[]),
        4 => envelope_body(r),
        5 => seed_json(r).map_or(Json::Null, |j| mutate_some(r, j, RESPONSE)),
        6 => parse_json(&body_bytes(r)).unwrap_or(Json::Null),
        _ => json(r, 6, RESPONSE),
    }
}

fn headers_meta(r: &mut Rng, status: u16) -> ResponseMeta {
    let value = |r: &mut Rng| -> Option<String> {
        match r.below(6) {
            0 => None,
            1 => Some(number_text(r)),
            2 => Some(date_text(r).0),
            3 => Some(r.int(0, 100_000).to_string()),
            _ => Some(string(r)),
        }
    };
    let names = ["content-type", "retry-after", "x-ratelimit-limit", "x-ratelimit-remaining", "x-ratelimit-daily-limit", "x-ratelimit-daily-remaining", "x-ratelimit-type", "x-ratelimit-source"];
    let mut table: Vec<(&str, String)> = Vec::new();
    for n in names {
        if let Some(v) = value(r) {
            let v = if n == "content-type" && r.p(0.6) { r.pick(&["application/json", "text/html; charset=UTF-8", "text/plain", "application/problem+json"]).to_string() } else { v };
            table.push((n, v));
        }
    }
    ResponseMeta::from_headers(status, |name| table.iter().find(|(n, _)| *n == name).map(|(_, v)| v.clone()))
}

fn status(r: &mut Rng) -> u16 {
    if r.p(0.8) {
        *r.pick(STATUSES)
    } else {
        r.u64() as u16
    }
}

fn now_ms(r: &mut Rng) -> f64 {
    match r.below(5) {
        0 => 0.0,
        1 => num(r, false),
        _ => 1.786e12 + r.int(-1_000_000_000, 1_000_000_000) as f64,
    }
}

// =================================================================================================
// JSON text → `Json`: the crate's own reader (`json::parse_json`, serde_json underneath)
// =================================================================================================

fn parse_json(b: &[u8]) -> Option<Json> {
    crate_json::parse_json(std::str::from_utf8(b).ok()?)
}

fn push_str_lit(out: &mut String, v: &str, limit: usize) {
    out.push('"');
    let n = v.chars().count();
    for c in v.chars().take(limit) {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if (c as u32) < 0x20 || c == '\u{7f}' || c == '\u{2028}' || c == '\u{2029}' => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    if n > limit {
        out.push_str(&format!("/*…+{} chars*/", n - limit));
    }
}

/// Compact JSON text (`NaN`/`Infinity` and `<file #i>` where JSON has no spelling).
fn show_json(out: &mut String, j: &Json, limit: usize) {
    match j {
        Json::Null => out.push_str("null"),
        Json::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Json::Num(n) if n.is_finite() => out.push_str(&format!("{n:?}")),
        Json::Num(n) => out.push_str(&n.to_string()),
        Json::Str(v) => push_str_lit(out, v, limit),
        Json::File(i) => out.push_str(&format!("<file #{i}>")),
        Json::Arr(items) => {
            out.push('[');
            for (i, v) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                show_json(out, v, limit);
            }
            out.push(']');
        }
        Json::Obj(pairs) => {
            out.push('{');
            for (i, (k, v)) in pairs.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                push_str_lit(out, k, limit);
                out.push(':');
                show_json(out, v, limit);
            }
            out.push('}');
        }
    }
}

fn limit() -> usize {
    if FULL.load(Ordering::Relaxed) {
        usize::MAX
    } else {
        200
    }
}

fn to_text(j: &Json) -> String {
    let mut out = String::new();
    show_json(&mut out, j, usize::MAX);
    out
}

/// A `Json` shown as JSON text in failure reports.
struct J(Json);

impl fmt::Debug for J {
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        let mut out = String::new();
        show_json(&mut out, &self.0, limit());
        f.write_str(&out)
    }
}

/// A string shown with long runs cut.
struct Txt(String);

impl fmt::Debug for Txt {
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        let mut out = String::new();
        push_str_lit(&mut out, &self.0, limit());
        f.write_str(&out)
    }
}

struct Bytes(Vec<u8>);

impl fmt::Debug for Bytes {
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        let shown: Vec<u8> = self.0.iter().copied().take(limit().saturating_mul(4)).collect();
        write!(f, "b\"{}\"", shown.escape_ascii())?;
        if shown.len() < self.0.len() {
            write!(f, "/*…+{} bytes*/", self.0.len() - shown.len())?;
        }
        Ok(())
    }
}

enum BodyIn {
    Json(J),
    Text(Txt),
}

impl fmt::Debug for BodyIn {
    fn fmt(&self, f: &mut fmt::Formatter) -> fmt::Result {
        match self {
            BodyIn::Json(j) => write!(f, "Json({j:?})"),
            BodyIn::Text(t) => write!(f, "Text({t:?})"),
        }
    }
}

impl BodyIn {
    fn from(b: Body) -> BodyIn {
        match b {
            Body::Json(j) => BodyIn::Json(J(j)),
            Body::Text(t) => BodyIn::Text(Txt(t)),
        }
    }
    fn body(&self) -> Body {
        match self {
            BodyIn::Json(j) => Body::Json(j.0.clone()),
            BodyIn::Text(t) => Body::Text(t.0.clone()),
        }
    }
}

// =================================================================================================
// Properties
// =================================================================================================

fn expected_kind(status: u16, has_balance_error: bool) -> Kind {
    match status {
        401 => Kind::Authentication,
        403 => Kind::PermissionDenied,
        404 => Kind::NotFound,
        413 => Kind::PayloadTooLarge,
        422 if has_balance_error => Kind::InsufficientBalance,
        422 => Kind::Validation,
        429 => Kind::RateLimit,
        500..=599 => Kind::Server,
        _ => Kind::Http,
    }
}

/// `(field, Some(message))` per string message in `errors`; `(field, None)` for a named field
/// without any (the decoder then writes its own message).
fn expected_field_errors(body: &Json) -> Vec<(String, Option<String>)> {
    fn push(out: &mut Vec<(String, Option<String>)>, field: &str, msgs: &Json) {
        let strs: Vec<&str> = match msgs {
            Json::Arr(items) => items.iter().filter_map(Json::as_str).collect(),
            Json::Str(m) => vec![m],
            _ => vec![],
        };
        if strs.is_empty() {
            out.push((field.to_owned(), None));
        }
        out.extend(strs.into_iter().map(|m| (field.to_owned(), Some(m.to_owned()))));
    }
    let mut out = Vec::new();
    match body.get("errors") {
        Some(Json::Obj(pairs)) => pairs.iter().for_each(|(f, m)| push(&mut out, f, m)),
        Some(Json::Arr(items)) => {
            for item in items {
                if let Some(Json::Str(f)) = item.get("field") {
                    push(&mut out, f, item.get("messages").or_else(|| item.get("message")).unwrap_or(&Json::Null));
                }
            }
        }
        _ => {}
    }
    out
}

/// What the server's own message should be: a non-blank `message`/`error` string, or the
/// `message` of an `error`/`message` object (when not blank).
fn expected_server_message(body: &Json) -> Option<String> {
    for k in ["message", "error"] {
        match body.get(k) {
            Some(Json::Str(m)) if !m.trim().is_empty() => return Some(m.clone()),
            Some(o @ Json::Obj(_)) => match o.get("message") {
                Some(Json::Str(m)) if !m.trim().is_empty() => return Some(m.clone()),
                _ => {}
            },
            _ => {}
        }
    }
    None
}

fn check_error(meta: &ResponseMeta, body: &Body, now: f64) -> &'static str {
    let e = decode_http_error(meta, body.clone(), now);
    assert!(!e.message.trim().is_empty(), "blank message {:?}", e.message);
    assert_eq!(e.status, Some(meta.status), "status");
    assert_eq!(e.kind, expected_kind(meta.status, e.errors.iter().any(|f| f.field == "balance")), "kind");
    assert_eq!((e.attempts, &e.job, &e.request_id), (0, &None, &None));
    match body {
        Body::Json(j @ Json::Obj(_)) => {
            let want = expected_field_errors(j);
            assert_eq!(e.errors.len(), want.len(), "one FieldError per string message: got {:?}", e.errors);
            for (got, (field, msg)) in e.errors.iter().zip(&want) {
                assert_eq!(&got.field, field);
                match msg {
                    Some(m) => assert_eq!(&got.message, m),
                    None => assert!(!got.message.trim().is_empty(), "blank field message"),
                }
            }
            match expected_server_message(j) {
                Some(m) => assert_eq!(e.message, m, "server message"),
                None => assert!(e.message.starts_with(&format!("deAPI request failed: HTTP {}", meta.status)), "default message {:?}", e.message),
            }
            assert_eq!(e.body.as_ref(), Some(body), "the body is kept");
        }
        Body::Json(_) => {
            assert!(e.errors.is_empty());
            assert!(e.message.starts_with(&format!("deAPI request failed: HTTP {}", meta.status)), "{:?}", e.message);
            assert_eq!(e.body.as_ref(), Some(body), "the body is kept");
        }
        Body::Text(t) => {
            assert!(e.errors.is_empty());
            assert_eq!(e.body.as_ref(), Some(&Body::Text(t.clone())), "the text body is kept");
        }
    }
    // `finish` (what every error goes through before JS sees it) cuts long texts on a char boundary
    let mut done = e.clone();
    done.finish(&[]);
    // the body JS receives is written whole (it crosses through serde; nesting is capped by
    // `parse_json` for real bodies)
    if let Some(Body::Json(j)) = &done.body {
        let text = crate_json::to_text(j);
        assert!(!text.is_empty());
    }
    let cut_ok = |before: &str, after: &str| {
        if before.len() <= MAX_TEXT {
            assert_eq!(after, before);
        } else {
            let cut = after.strip_suffix('…').expect("truncation mark");
            assert!(cut.len() <= MAX_TEXT && cut.len() + 4 > MAX_TEXT && before.starts_with(cut), "cut to {} bytes", cut.len());
        }
    };
    cut_ok(&e.message, &done.message);
    assert!(!done.message.trim().is_empty());
    for (a, b) in e.errors.iter().zip(&done.errors) {
        cut_ok(&a.message, &b.message);
    }
    // the error is bounded whatever the body: the first field errors (server order), a pruned JSON body
    assert!(done.errors.len() <= MAX_FIELD_ERRORS.min(e.errors.len()) && (e.errors.is_empty() || !done.errors.is_empty()));
    for (a, b) in e.errors.iter().zip(&done.errors) {
        assert!(b.field.len() <= MAX_FIELD + 3 && a.field.starts_with(b.field.trim_end_matches('…')), "field {:?}", b.field);
    }
    let kept: usize = done.errors.iter().skip(1).map(|f| f.field.len() + f.message.len()).sum();
    assert!(kept <= MAX_ERRORS_TEXT, "{kept} bytes of field errors");
    if let Some(Body::Json(j)) = &done.body {
        // (JSON escapes a control character as 6 characters: the budget counts bytes)
        assert!(crate_json::to_text(j).len() <= 6 * (MAX_BODY + MAX_TEXT) + 64, "pruned body {}", crate_json::to_text(j).len());
    }
    if let (Some(Body::Text(a)), Some(Body::Text(b))) = (&e.body, &done.body) {
        cut_ok(a, b);
    }
    if let Some(ra) = e.retry_after {
        assert!(ra.is_finite() && ra >= 0.0, "retry_after {ra}");
    }
    assert_eq!(e.rate_limit.is_some(), !meta.rate_limit.is_empty(), "rate_limit");
    match (e.kind, &e.body) {
        (_, Some(Body::Text(_))) => "text",
        (Kind::Validation | Kind::InsufficientBalance, _) if !e.errors.is_empty() => "validation+fields",
        (k, _) => k.code(),
    }
}

fn check_status(http_status: u16, body: &Json, rid: &str) -> &'static str {
    let data_status = body.get("data").filter(|d| matches!(d, Json::Obj(_))).map(|d| d.get("status"));
    let should_be_ok = match data_status {
        Some(st) => matches!(st, Some(Json::Str(_))),
        None => matches!(body.get("status"), Some(Json::Str(_))),
    };
    // the failure error of any value, too
    let f = jobs::failure(rid, body);
    assert!(f.message.starts_with(&format!("Job {rid} failed")), "{}", f.message);
    match jobs::decode_status(http_status, body.clone(), rid) {
        Ok(st) => {
            assert!(should_be_ok, "accepted a status without a string `status`: {st:?}");
            let Json::Obj(pairs) = &st else { panic!("not an object: {st:?}") };
            assert_eq!(pairs.first(), Some(&("request_id".to_owned(), Json::str(rid))), "request_id first");
            assert_eq!(pairs.iter().filter(|(k, _)| k == "request_id").count(), 1, "one request_id");
            let progress: Vec<&Json> = pairs.iter().filter(|(k, _)| k == "progress").map(|(_, v)| v).collect();
            assert!(!progress.is_empty(), "progress present");
            for p in progress {
                assert!(matches!(p, Json::Null) || matches!(p, Json::Num(n) if n.is_finite()), "progress {p:?}");
            }
            let text = st.get("status").and_then(Json::as_str).expect("status string").to_ascii_lowercase();
            let want = match text.as_str() {
                "done" | "completed" => Phase::Done,
                "error" | "failed" => Phase::Failed,
                _ => Phase::Running,
            };
            let phase = jobs::phase(&st);
            assert_eq!(phase, want);
            let e = jobs::failure(rid, &st);
            assert_eq!((e.kind, e.request_id.as_deref()), (Kind::JobFailed, Some(rid)));
            assert_eq!(e.body, Some(Body::Json(st.clone())));
            let t = jobs::timeout(rid, num(&mut Rng::new(http_status.into()), false), &st);
            assert!(t.message.contains(rid) && t.kind == Kind::JobTimeout);
            match phase {
                Phase::Done => "done",
                Phase::Failed => "failed",
                Phase::Running => "running",
            }
        }
        Err(e) => {
            assert!(!should_be_ok, "rejected a valid status: {e:?}");
            assert_eq!((e.kind, e.status), (Kind::InvalidResponse, Some(http_status)));
            assert_eq!(e.body, Some(Body::Json(body.clone())));
            "invalid_response"
        }
    }
}

fn check_model_normalised(input: &Json, out: &Json) {
    let Json::Obj(inp) = input else {
        assert_eq!(out, input, "a non-object model is kept as is");
        return;
    };
    let Json::Obj(pairs) = out else { panic!("model not an object: {out:?}") };
    let keys: Vec<&str> = pairs.iter().map(|(k, _)| k.as_str()).collect();
    let in_keys: Vec<&str> = inp.iter().map(|(k, _)| k.as_str()).collect();
    assert_eq!(&keys[..in_keys.len()], &in_keys[..], "keys kept in order");
    for (k, v) in pairs {
        match k.as_str() {
            "inference_types" => {
                let Json::Arr(items) = v else { panic!("inference_types {v:?}") };
                assert!(items.iter().all(|t| matches!(t, Json::Str(_))), "inference_types {v:?}");
            }
            "info" => {
                let Json::Obj(info) = v else { panic!("info {v:?}") };
                let first: Vec<&str> = info.iter().take(3).map(|(k, _)| k.as_str()).collect();
                assert_eq!(first, ["limits", "features", "defaults"]);
                for (name, section) in info.iter().take(3) {
                    let Json::Obj(entries) = section else { panic!("{name} {section:?}") };
                    for (_, x) in entries {
                        if name == "features" {
                            assert!(x.as_bool_lenient().is_none() || matches!(x, Json::Bool(_)), "feature {x:?}");
                        } else if let Json::Str(t) = x {
                            assert!(parse_number(t).is_none(), "numeric string left in {name}: {t:?}");
                        }
                    }
                }
            }
            _ => {}
        }
    }
    assert!(out.get("inference_types").is_some() && out.get("info").is_some());
}

fn check_models(page: &Json, one: &Json) -> &'static str {
    check_model_normalised(one, &decode::model(one));
    match decode::models_page(200, page) {
        Ok(p) => {
            let Some(Json::Arr(items)) = page.get("data") else { panic!("accepted a page without a data list") };
            let Some(Json::Arr(models)) = p.get("data") else { panic!("no data: {p:?}") };
            let objects: Vec<&Json> = items.iter().filter(|m| matches!(m, Json::Obj(_))).collect();
            assert_eq!(models.len(), objects.len());
            for (m, i) in models.iter().zip(objects) {
                check_model_normalised(i, m);
            }
            let n = |k: &str| match p.get(k) {
                Some(Json::Num(n)) if n.is_finite() => *n,
                other => panic!("{k}: {other:?}"),
            };
            assert!(n("lastPage") >= n("currentPage"));
            for k in ["perPage", "total"] {
                if p.get(k).is_some() {
                    n(k);
                }
            }
            if models.is_empty() {
                "page(empty)"
            } else {
                "page"
            }
        }
        Err(e) => {
            assert!(!matches!(page.get("data"), Some(Json::Arr(_))), "rejected a data list");
            assert_eq!((e.kind, e.status), (Kind::InvalidResponse, Some(200)));
            "invalid_response"
        }
    }
}

/// `data.<key>` (when `data` has the key) or the top-level one, non-null.
fn field<'a>(body: &'a Json, key: &str) -> Option<&'a Json> {
    body.get("data").and_then(|d| d.get(key)).or_else(|| body.get(key)).filter(|v| !v.is_null())
}

fn check_envelopes(status: u16, body: &Json) -> &'static str {
    let invalid = |e: &ApiError| {
        assert_eq!((e.kind, e.status), (Kind::InvalidResponse, Some(status)));
        assert_eq!(e.body, Some(Body::Json(body.clone())));
    };
    let mut ok = 0;
    match decode::submit(status, body) {
        Ok(id) => {
            ok += 1;
            assert!(!id.is_empty());
            match field(body, "request_id") {
                Some(Json::Str(s)) => assert_eq!(&id, s),
                Some(Json::Num(n)) => assert_eq!(id.parse::<f64>().ok(), Some(*n), "numeric id {n}"),
                other => panic!("request id from {other:?}"),
            }
        }
        Err(e) => invalid(&e),
    }
    match decode::price(status, body) {
        Ok(p) => {
            ok += 1;
            assert!(matches!(p.get("price"), Some(Json::Num(n)) if n.is_finite()), "{p:?}");
            assert!(matches!(p.get("is_estimated"), None | Some(Json::Bool(_))));
        }
        Err(e) => invalid(&e),
    }
    match decode::balance(status, body) {
        Ok(b) => {
            ok += 1;
            assert!(matches!(b.get("balance"), Some(Json::Num(n)) if n.is_finite()), "{b:?}");
        }
        Err(e) => invalid(&e),
    }
    match decode::enhanced(status, body) {
        Ok(p) => {
            ok += 1;
            assert!(matches!(p.get("prompt"), Some(Json::Str(_))));
            assert!(matches!(p.get("negative_prompt"), Some(Json::Str(_) | Json::Null)));
        }
        Err(e) => invalid(&e),
    }
    ["0 ok", "1 ok", "2 ok", "3 ok", "4 ok"][ok]
}

/// Every string an error carries (what `redact` must clean).
fn strings_of(e: &ApiError) -> Vec<String> {
    fn walk(j: &Json, out: &mut Vec<String>) {
        match j {
            Json::Str(s) => out.push(s.clone()),
            Json::Arr(items) => items.iter().for_each(|v| walk(v, out)),
            Json::Obj(pairs) => pairs.iter().for_each(|(k, v)| {
                out.push(k.clone());
                walk(v, out);
            }),
            _ => {}
        }
    }
    let mut out = vec![e.message.clone()];
    for f in &e.errors {
        out.push(f.field.clone());
        out.push(f.message.clone());
    }
    match &e.body {
        Some(Body::Json(j)) => walk(j, &mut out),
        Some(Body::Text(t)) => out.push(t.clone()),
        None => {}
    }
    out.extend(e.request_id.clone());
    if let Some(rl) = &e.rate_limit {
        out.extend(rl.kind.clone());
        out.extend(rl.source.clone());
    }
    if let Some(job) = &e.job {
        out.extend(job.error_code.clone());
        out.extend(job.error_message.clone());
        out.extend(job.error_reason.clone());
    }
    out
}

// ---- the webhook oracle -------------------------------------------------------------------------

/// HMAC-SHA256 written out (RFC 2104), independent of the `hmac` crate the verifier uses.
fn hmac_sha256(key: &[u8], parts: &[&[u8]]) -> [u8; 32] {
    use sha2::{Digest, Sha256};
    let mut k = [0u8; 64];
    if key.len() > 64 {
        k[..32].copy_from_slice(&Sha256::digest(key));
    } else {
        k[..key.len()].copy_from_slice(key);
    }
    let mut inner = Sha256::new();
    inner.update(k.map(|b| b ^ 0x36));
    for p in parts {
        inner.update(p);
    }
    let inner = inner.finalize();
    let mut outer = Sha256::new();
    outer.update(k.map(|b| b ^ 0x5c));
    outer.update(inner);
    outer.finalize().into()
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// What `verify` should answer, from the spec in webhook.rs's docs: the reason, or "ok".
fn webhook_oracle(c: &Hook) -> &'static str {
    if c.secret.0.is_empty() {
        return "bad_secret";
    }
    let tolerance_ok = c.tolerance.is_finite() && (0.0..=86_400.0).contains(&c.tolerance);
    let max_payload_ok = c.max_payload.fract() == 0.0 && (1.0..=67_108_864.0).contains(&c.max_payload);
    if !tolerance_ok || !max_payload_ok {
        return "invalid_options";
    }
    let sig = c.signature.as_ref().map_or("", |s| s.0.trim());
    if sig.is_empty() {
        return "missing_signature";
    }
    let Some(hex_part) = sig.strip_prefix("sha256=") else { return "malformed_signature" };
    if hex_part.len() != 64 || !hex_part.bytes().all(|b| b.is_ascii_hexdigit()) {
        return "malformed_signature";
    }
    let ts = c.timestamp.as_ref().map_or("", |s| s.0.trim());
    if ts.is_empty() || ts.len() > 15 || !ts.bytes().all(|b| b.is_ascii_digit()) {
        return "bad_timestamp";
    }
    // freshness and size before the MAC (they need no hashing, and no copy of the body)
    let age = c.now - ts.parse::<f64>().unwrap();
    if age > c.tolerance {
        return "stale";
    }
    if -age > c.tolerance {
        return "future";
    }
    if c.payload.0.len() as f64 > c.max_payload {
        return "payload_too_large";
    }
    let mac = hmac_sha256(c.secret.0.as_bytes(), &[ts.as_bytes(), b".", &c.payload.0]);
    if !hex_part.eq_ignore_ascii_case(&hex(&mac)) {
        return "mismatch";
    }
    if std::str::from_utf8(&c.payload.0).is_err() {
        return "bad_payload";
    }
    "ok"
}

#[derive(Debug)]
struct Hook {
    payload: Bytes,
    signature: Option<Txt>,
    timestamp: Option<Txt>,
    secret: Txt,
    tolerance: f64,
    max_payload: f64,
    now: f64,
    /// Signed correctly, then changed in `payload`, `secret`, `timestamp` or `signature`.
    tampered: Option<&'static str>,
}

fn gen_hook(r: &mut Rng) -> Hook {
    let payload: Vec<u8> = match r.below(5) {
        0 => (0..r.below(200)).map(|_| r.byte()).collect(),
        1 => Vec::new(),
        _ => body_bytes(r),
    };
    let secret = match r.below(8) {
        0 => String::new(),
        1 => string(r),
        2 => "k".repeat(r.below(200)), // around the 64-byte HMAC block
        _ => format!("whsec_{}", hex(&r.u64().to_le_bytes()).repeat(1 + r.below(5))),
    };
    let tolerance = match r.below(8) {
        0 => *r.pick(&[0.0, -1.0, f64::NAN, f64::INFINITY, 1e300, 0.5, 299.999, 86_400.0, 86_400.001]),
        _ => 300.0,
    };
    let max_payload = match r.below(8) {
        0 => *r.pick(&[0.0, 1.0, 0.5, -1.0, f64::NAN, 67_108_864.0, 67_108_865.0, 1e300]),
        1 => (payload.len() as f64 + r.int(-2, 2) as f64).max(0.0),
        _ => 1_048_576.0,
    };
    let now = match r.below(6) {
        0 => num(r, false),
        1 => 0.0,
        _ => 1_786_102_994.0 + r.int(-100_000, 100_000) as f64 + r.unit(),
    };
    let ts_num: i64 = match r.below(8) {
        0 => r.int(0, 999_999_999_999_999),
        1 => ((now - tolerance).floor() as i64).saturating_add(r.int(-2, 2)),
        2 => ((now + tolerance).ceil() as i64).saturating_add(r.int(-2, 2)),
        _ => (now as i64).saturating_add(r.int(-400, 400)),
    };
    let mut ts = match r.below(12) {
        0 => string(r),
        1 => format!("0{ts_num}"),
        2 => format!("{}{ts_num}{}", r.pick(&[" ", "\t", "\u{a0}", ""]), r.pick(&["\n", " ", ""])),
        3 => r.pick(&["-5", "+5", "1.5", "1e9", "١٢٣", "1234567890123456", ""]).to_string(),
        _ => ts_num.max(0).to_string(),
    };
    let signed_ts = ts.trim().to_owned();
    let mac = hmac_sha256(secret.as_bytes(), &[signed_ts.as_bytes(), b".", &payload]);
    let mut hex_sig = hex(&mac);
    if r.p(0.2) {
        hex_sig = hex_sig.to_uppercase();
    } else if r.p(0.1) {
        hex_sig = hex_sig.chars().map(|c| if r.p(0.5) { c.to_ascii_uppercase() } else { c }).collect();
    }
    let mut sig = match r.below(12) {
        0 => None,
        1 => Some(string(r)),
        2 => Some(format!("sha256={}", hex(&(0..32).map(|_| r.byte()).collect::<Vec<u8>>()))),
        3 => Some(format!("{}sha256={hex_sig}{}", r.pick(&[" ", "\t", "\u{3000}", "SHA256=", "sha1=", "sha256 ="]), r.pick(&["", " ", "0", "é"]))),
        4 => Some(hex_sig.clone()),
        _ => Some(format!("sha256={hex_sig}")),
    };
    let mut payload = payload;
    let mut secret = secret;
    let mut tampered = None;
    if r.p(0.3) {
        match r.below(6) {
            0 | 1 => {
                if payload.is_empty() {
                    payload.push(r.byte());
                } else {
                    let i = r.below(payload.len());
                    payload[i] ^= 1 << r.below(8);
                }
                tampered = Some("payload");
            }
            2 if !secret.is_empty() => {
                // one byte changed, kept UTF-8 (the secret is a JS string)
                let mut chars: Vec<char> = secret.chars().collect();
                let i = r.below(chars.len());
                chars[i] = if chars[i] == 'x' { 'y' } else { 'x' };
                secret = chars.into_iter().collect();
                tampered = Some("secret");
            }
            3 => {
                if let Some(pos) = ts.find(|c: char| c.is_ascii_digit()) {
                    let d = ts.as_bytes()[pos];
                    ts.replace_range(pos..=pos, &char::from(b'0' + (d - b'0' + 1 + r.below(9) as u8) % 10).to_string());
                    tampered = Some("timestamp");
                }
            }
            _ => {
                if let Some(s) = &mut sig {
                    if let Some(at) = s.find("sha256=").map(|i| i + 7 + r.below(64)) {
                        if let Some(c) = s.get(at..=at).and_then(|c| c.chars().next()).and_then(|c| c.to_digit(16)) {
                            let other = char::from_digit((c + 1 + r.below(15) as u32) % 16, 16).unwrap_or('0');
                            s.replace_range(at..=at, &other.to_string());
                            tampered = Some("signature");
                        }
                    }
                }
            }
        }
    }
    Hook { payload: Bytes(payload), signature: sig.map(Txt), timestamp: Some(ts).filter(|_| r.p(0.95)).map(Txt), secret: Txt(secret), tolerance, max_payload, now, tampered }
}

fn check_hook(c: &Hook) -> &'static str {
    let d = Delivery {
        payload: &c.payload.0,
        signature: c.signature.as_ref().map(|s| s.0.as_str()),
        timestamp: c.timestamp.as_ref().map(|s| s.0.as_str()),
        secret: &c.secret.0,
        tolerance_sec: c.tolerance,
        max_payload_bytes: c.max_payload,
    };
    let want = webhook_oracle(c);
    let got = match verify(&d, c.now) {
        Ok(text) => {
            assert_eq!(text.as_bytes(), &c.payload.0[..], "returns the raw body");
            "ok"
        }
        Err(e) => {
            if c.secret.0.starts_with("whsec_") {
                assert!(!format!("{e:?}").contains(&c.secret.0), "the secret leaked into the error: {e:?}");
            }
            assert!(!e.message.trim().is_empty());
            match reason_of(&e) {
                Some(r) => ["missing_signature", "malformed_signature", "mismatch", "stale", "future", "bad_timestamp", "bad_secret", "bad_payload", "payload_too_large"]
                    .into_iter()
                    .find(|x| *x == r)
                    .unwrap_or("unknown reason"),
                None => {
                    assert_eq!(e.kind, Kind::InvalidOptions);
                    "invalid_options"
                }
            }
        }
    };
    if let Some(what) = c.tampered {
        assert_ne!(got, "ok", "accepted a delivery with a tampered {what}");
    }
    assert_eq!(got, want, "verify disagrees with the spec");
    match (c.tampered, got) {
        (Some(_), "mismatch") => "tampered→mismatch",
        (_, g) => g,
    }
}

// ---- params for validation and requests -----------------------------------------------------------

const INT_FIELDS: &[&str] = &["width", "height", "steps", "seed", "frames", "fps", "inference_steps", "timesignature", "bpm", "count_text", "scale"];
const NUM_FIELDS: &[&str] = &["guidance", "speed", "guidance_scale", "duration", "duration_seconds", "sample_rate"];
const BOOL_FIELDS: &[&str] = &["enhance_prompt", "include_ts", "return_result_in_response", "diarize", "include_metadata"];

/// Every field name the operation's rules mention, and whether it is a file.
fn op_fields(op: &Op) -> Vec<(&'static str, bool)> {
    let mut specs = vec![op.rules.submit, op.rules.price];
    for r in op.v1_routes {
        specs.push(r.rules.submit);
        specs.push(r.rules.price);
    }
    let mut out: Vec<(&'static str, bool)> = Vec::new();
    let fields: Vec<Field> = specs.iter().flat_map(|s| s.split(' ')).filter(|t| !t.is_empty()).map(Field::parse).collect();
    // each field with its own type first, then the names only mentioned after `|`
    let named = fields.iter().map(|f| (f.name, matches!(f.ty, Type::File | Type::Files)));
    for (name, file) in named.chain(fields.iter().flat_map(|f| f.others().map(|o| (o, false)))) {
        if !out.iter().any(|(n, _)| *n == name) {
            out.push((name, file));
        }
    }
    for extra in ["webhook_url", "webhook_secret", "type", "image", "images", "loras", "model", "video_url", "audio_url", "audio", "video"] {
        if !out.iter().any(|(n, _)| *n == extra) {
            out.push((extra, matches!(extra, "image" | "images" | "audio" | "video")));
        }
    }
    out
}

fn field_value(r: &mut Rng, op: &Op, name: &str, file: bool, f: Flavor) -> Json {
    if r.p(0.1) {
        return json(r, 3, f);
    }
    if file || name == "images" {
        return match r.below(6) {
            0 => Json::Str(string(r)),
            1 | 2 if name == "images" => Json::Arr((0..r.below(6)).map(|_| if r.p(0.9) { Json::File(r.below(6) as u32) } else { scalar(r, f) }).collect()),
            _ => Json::File(r.below(6) as u32),
        };
    }
    if INT_FIELDS.contains(&name) || NUM_FIELDS.contains(&name) {
        return match r.below(6) {
            0 => Json::Str(number_text(r)),
            1 => Json::Num(num(r, f.nonfinite)),
            _ => Json::Num(*r.pick(&[0.0, 1.0, 2.0, 3.0, 4.0, 6.0, 8.0, 16.0, 255.0, 256.0, 512.0, 520.0, 768.0, 1024.0, 2048.0, 4096.0, -1.0, 0.5, 3.5, 24.0, 120.0])),
        };
    }
    if BOOL_FIELDS.contains(&name) {
        return r.pick(&[Json::Bool(true), Json::Bool(false), Json::Num(1.0), Json::Num(0.0), s("1"), s("0"), s("true"), Json::Num(2.0)]).clone();
    }
    if let Some((_, allowed)) = op.rules.enums.iter().find(|(f, _)| *f == name) {
        if r.p(0.7) {
            return s(r.one(allowed));
        }
    }
    match name {
        "loras" => Json::Arr(
            (0..r.below(4))
                .map(|_| {
                    let mut p: Vec<(&str, Json)> = Vec::new();
                    let n = or_any(r, |r| s(r.one(&["a", " ", ""])), f);
                    maybe(r, &mut p, "name", n);
                    let w = or_any(r, |r| Json::Num(num(r, f.nonfinite)), f);
                    maybe(r, &mut p, "weight", w);
                    or_any(r, |_| obj(p), f)
                })
                .collect(),
        ),
        "input" => match r.below(4) {
            0 => Json::Str(string(r)),
            1 if r.p(0.05) => Json::Arr((0..2049).map(|i| s(&i.to_string())).collect()),
            _ => Json::Arr((0..r.below(5)).map(|_| if r.p(0.8) { Json::Str(string(r)) } else { scalar(r, f) }).collect()),
        },
        "webhook_url" => s(r.one(&["https://example.com/h", "http://example.com/h", "https://", "ftp://x", "https://x", ""])),
        "webhook_secret" => Json::Str("s".repeat(*r.pick(&[0, 31, 32, 255, 256]))),
        "model" | "model_slug" => or_any(r, |r| s(r.one(&["Flux1schnell", "Kokoro", "M"])), f),
        "ts_level" => s(r.one(&["segment", "word", "char", "x"])),
        "lang" => Json::Str("l".repeat(r.below(20))),
        _ => Json::Str(string(r)),
    }
}

fn gen_params(r: &mut Rng, op: &Op) -> Json {
    // uploads in half of the cases (a file makes the body multipart); NaN/Infinity in some
    let files = r.p(0.5);
    let f = Flavor { nonfinite: r.p(0.3), files };
    if r.p(0.03) {
        return scalar(r, f); // not an object
    }
    let mut pairs: Vec<(String, Json)> = Vec::new();
    for (name, file) in op_fields(op) {
        if r.p(if file && !files { 0.0 } else { 0.8 }) {
            let v = if r.p(0.05) { Json::Null } else { field_value(r, op, name, file, f) };
            pairs.push((name.to_owned(), v));
        }
    }
    for _ in 0..r.below(3) {
        pairs.push((key(r), json(r, 3, f)));
    }
    shuffle(r, &mut pairs);
    let p = Json::Obj(pairs);
    if r.p(0.2) {
        mutate_some(r, p, f)
    } else {
        p
    }
}

#[derive(Debug)]
struct ValidateCase {
    op: &'static str,
    price: bool,
    v1: bool,
    params: J,
    /// 0 unknown, 1 missing, 2 found
    model_kind: u8,
    model: J,
    /// (size, mime) per file index
    files: Vec<(f64, &'static str)>,
}

fn gen_validate(r: &mut Rng) -> ValidateCase {
    let op = r.pick(OPS);
    let files = (0..6)
        .map(|_| {
            let size = match r.below(4) {
                0 => r.unit() * 100.0 * 1024.0 * 1024.0,
                1 => *r.pick(&[0.0, 10_485_760.0, 10_485_761.0, 20_971_520.0, 20_971_521.0, 52_428_800.0, 52_428_801.0]),
                2 => num(r, false).abs(),
                _ => r.below(20_000_000) as f64,
            };
            (size, *r.pick(&["image/png", "audio/mpeg", "audio/wav", "video/mp4", "", "application/octet-stream"]))
        })
        .collect();
    ValidateCase {
        op: op.name,
        price: r.p(0.4),
        v1: r.p(0.3),
        params: J(gen_params(r, op)),
        model_kind: *r.pick(&[0, 1, 2, 2, 2]),
        model: J(model_json(r, op.rules.types)),
        files,
    }
}

fn find_op(name: &str) -> &'static Op {
    OPS.iter().find(|o| o.name == name).expect("op")
}

fn check_validate(c: &ValidateCase) -> &'static str {
    let op = find_op(c.op);
    let version = if c.v1 { ApiVersion::V1 } else { ApiVersion::V2 };
    let model = match c.model_kind {
        0 => ModelInfo::Unknown,
        1 => ModelInfo::Missing,
        _ => ModelInfo::Found(&c.model.0),
    };
    let sizes = |i: u32| c.files.get(i as usize).map(|(s, m)| (*s, (*m).to_owned()));
    match validate::check(op, c.price, version, &c.params.0, model, &sizes) {
        Ok(()) => "valid",
        Err(e) => {
            assert_eq!(e.kind, Kind::Validation, "{e:?}");
            assert!(!e.errors.is_empty(), "a ValidationError without errors");
            for f in &e.errors {
                assert!(!f.field.trim().is_empty() && !f.message.trim().is_empty(), "blank field error {f:?}");
            }
            let first = &e.errors[0].message;
            let n = e.errors.len() - 1;
            let want = match n {
                0 => first.clone(),
                1 => format!("{first} (and 1 more error)"),
                _ => format!("{first} (and {n} more errors)"),
            };
            assert_eq!(e.message, want);
            // which kind of check the last error came from (to see which checks the inputs reach)
            const KINDS: &[(&str, &str)] = &[
                ("is required when", "required_when"), ("is required", "required"), ("must be a file", "file"), ("kilobytes", "file_size"),
                ("prohibits", "prohibits"), ("is prohibited", "prohibited"), ("does not exist", "model_missing"), ("does not support ts_level", "ts_level"),
                ("does not support", "model_unsupported"), ("multiple of", "step"), ("must be at least", "min"), ("must not be greater", "max"),
                ("must not have more than", "max_items"), ("must be an integer", "type"), ("must be a number", "type"), ("must be a string", "type"),
                ("must be true or false", "type"), ("must be an array", "type"), ("selected", "enum"), ("valid URL", "url"), ("start with", "url"),
            ];
            let last = &e.errors[e.errors.len() - 1].message;
            KINDS.iter().find(|(pat, _)| last.contains(pat)).map_or("other", |(_, k)| k)
        }
    }
}

// ---- request building -----------------------------------------------------------------------------

#[derive(Debug)]
struct RequestCase {
    options: J,
    function_keys: Vec<String>,
    browser: bool,
    /// 0 submit, 1 price, 2 job, 3 models, 4 balance
    endpoint: u8,
    op: &'static str,
    job_id: Txt,
    params: Option<J>,
    query: Vec<(String, String)>,
}

fn gen_request(r: &mut Rng) -> RequestCase {
    let mut o: Vec<(&str, Json)> = Vec::new();
    let clean = r.p(0.5); // options that pass, mostly
    let key = match if clean { 5 } else { r.below(6) } {
        0 => Json::Str(string(r)),
        1 => json(r, 1, PARAMS),
        _ => Json::Str(format!("{}|{}", r.int(1, 99_999), hex(&r.u64().to_le_bytes()))),
    };
    maybe(r, &mut o, "apiKey", key);
    if r.p(0.4) {
        let u = or_any(r, |r| s(r.one(&["https://api.deapi.ai", "http://localhost:8080/", "/api/deapi", "", "https://a b", "ftp://x", "https://x.test///"])), PARAMS);
        o.push(("baseUrl", u));
    }
    if r.p(0.3) {
        o.push(("apiVersion", or_any(r, |r| s(r.one(&["v1", "v2", "v3"])), PARAMS)));
    }
    for k in ["timeoutMs", "maxRetries", "retryBaseDelayMs", "maxRetryAfterMs"] {
        if r.p(0.2) {
            o.push((k, Json::Num(num(r, true))));
        }
    }
    for k in ["retrySubmissions", "dangerouslyAllowBrowser", "validate"] {
        if r.p(0.2) {
            o.push((k, or_any(r, |r| Json::Bool(r.p(0.5)), PARAMS)));
        }
    }
    if r.p(0.3) {
        let h = Json::Obj(
            (0..r.below(4))
                .map(|_| {
                    let name = r.pick(&["X-Trace", "authorization", "Accept", "content-type", "bad name", "", "x-ok", "X-Api-Key", "cookie", "x-session-id", "Host"]).to_string();
                    let v = or_any(r, |r| s(r.one(&["v", "Basic abc", "a\nb", ""])), PARAMS);
                    (name, v)
                })
                .collect(),
        );
        o.push(("headers", or_any(r, |_| h, PARAMS)));
    }
    if r.p(0.05) {
        o.push(("unknownOption", json(r, 1, PARAMS)));
    }
    if clean {
        o.retain(|(k, v)| *k == "apiKey" || (*k == "baseUrl" && matches!(v, Json::Str(u) if u.starts_with("http"))));
    }
    let function_keys = (0..r.below(3)).map(|_| r.pick(&["fetch", "onRequest", "onError", "apiKey", "bogus"]).to_string()).collect();
    let op = r.pick(OPS);
    let endpoint = r.below(5) as u8;
    let params = match endpoint {
        0 | 1 => Some(J(if r.p(0.8) { gen_params(r, op) } else { json(r, 4, PARAMS) })),
        _ => None,
    };
    let query = (0..r.below(3)).map(|_| (string(r), string(r))).collect();
    RequestCase {
        options: J(if r.p(0.03) { json(r, 2, PARAMS) } else { obj(o) }),
        function_keys,
        browser: r.p(0.3),
        endpoint,
        op: op.name,
        job_id: Txt(if r.p(0.5) { string(r) } else { "c08a339c-73e5-4d67-a4d5-231302fbff9a".to_owned() }),
        params,
        query,
    }
}

fn leaves(j: &Json) -> usize {
    match j {
        Json::Null => 0,
        Json::Arr(items) => items.iter().map(leaves).sum(),
        Json::Obj(pairs) => pairs.iter().map(|(_, v)| leaves(v)).sum(),
        _ => 1,
    }
}

fn has_file(j: &Json) -> bool {
    match j {
        Json::File(_) => true,
        Json::Arr(items) => items.iter().any(has_file),
        Json::Obj(pairs) => pairs.iter().any(|(_, v)| has_file(v)),
        _ => false,
    }
}

fn has_non_finite(j: &Json) -> bool {
    match j {
        Json::Num(n) => !n.is_finite(),
        Json::Arr(items) => items.iter().any(has_non_finite),
        Json::Obj(pairs) => pairs.iter().any(|(_, v)| has_non_finite(v)),
        _ => false,
    }
}

fn fallback_config() -> Config {
    parse_options(&obj(vec![("apiKey", s("1|fallbackKeyValue"))]), &[], Runtime::Server).expect("fallback config")
}

fn check_request(c: &RequestCase) -> &'static str {
    let runtime = if c.browser { Runtime::Browser } else { Runtime::Server };
    let (cfg, label_cfg) = match parse_options(&c.options.0, &c.function_keys, runtime) {
        Ok(cfg) => {
            assert!(!cfg.base_url.ends_with('/') && !cfg.base_url.contains(char::is_whitespace), "base_url {:?}", cfg.base_url);
            assert!(cfg.timeout_ms >= 1.0 && cfg.timeout_ms <= MAX_TIMER_MS);
            assert!(cfg.retry.max_retries <= 10 && cfg.retry.base_delay_ms.is_finite() && cfg.retry.max_retry_after_ms.is_finite());
            if let Some(k) = &cfg.api_key {
                assert!(!k.is_empty() && !k.contains(' ') && !k.chars().any(char::is_control));
            }
            (cfg, true)
        }
        Err(e) => {
            assert_eq!(e.kind, Kind::InvalidOptions, "{e:?}");
            assert!(!e.message.trim().is_empty());
            (fallback_config(), false)
        }
    };
    let op = find_op(c.op);
    let endpoint = match c.endpoint {
        0 => Endpoint::Submit(op),
        1 => Endpoint::Price(op),
        2 => Endpoint::Job(&c.job_id.0),
        3 => Endpoint::Models,
        _ => Endpoint::Balance,
    };
    let params = c.params.as_ref().map(|p| &p.0);
    let built = build(&cfg, &endpoint, params, &c.query);
    if let Some(p) = params {
        // json_body alone agrees with build
        assert_eq!(json_body(p).is_ok(), built.is_ok());
    }
    let req = match built {
        Ok(req) => req,
        Err(e) => {
            let p = params.expect("a GET request cannot fail");
            match p {
                Json::Obj(pairs) => {
                    assert_eq!(e.kind, Kind::Validation);
                    let want: Vec<&str> = pairs.iter().filter(|(_, v)| !v.is_null() && has_non_finite(v)).map(|(k, _)| k.as_str()).collect();
                    let got: Vec<&str> = e.errors.iter().map(|f| f.field.as_str()).collect();
                    assert_eq!(got, want, "one error per non-finite field");
                    return "non_finite";
                }
                _ => {
                    assert_eq!(e.kind, Kind::InvalidOptions);
                    return "not_an_object";
                }
            }
        }
    };
    assert_eq!(req.method, if c.endpoint < 2 { "POST" } else { "GET" });
    assert_eq!(req.is_submission, c.endpoint == 0);
    let Some(rest) = req.url.strip_prefix(&cfg.base_url) else { panic!("{} is not below {}", req.url, cfg.base_url) };
    assert!(rest.bytes().all(|b| b.is_ascii_graphic()), "raw characters in {rest:?}");
    if let Endpoint::Job(id) = endpoint {
        let path = req.url.split('?').next().unwrap_or_default();
        assert!(path.ends_with(&format!("/{}", encode_component(id))), "job path {path:?}");
    }
    assert_eq!(rest.matches('?').count(), usize::from(!c.query.is_empty()), "query {rest:?}");
    let auth: Vec<&(String, String)> = req.headers.iter().filter(|(k, _)| k.eq_ignore_ascii_case("authorization")).collect();
    assert!(auth.len() <= 1, "one Authorization header");
    if let Some(key) = &cfg.api_key {
        assert_eq!(auth.first().map(|(_, v)| v.clone()), Some(format!("Bearer {key}")));
    }
    for (k, v) in req.redacted_headers() {
        if is_secret_header(&k) {
            assert!(v.ends_with("[REDACTED]"), "secret header {k} shown: {v:?}");
        }
        if k.eq_ignore_ascii_case("authorization") {
            assert!(v.ends_with("[REDACTED]"), "authorization shown: {v:?}");
            if cfg.api_key.is_some() {
                assert_eq!(v, "Bearer [REDACTED]", "key shown");
            }
        }
    }
    match (&req.body, params) {
        (None, None) => "get",
        (Some(request::Body::Json(b)), Some(p)) => {
            assert!(!has_file(p) && !op.multipart);
            let Json::Obj(pairs) = b else { panic!("body not an object") };
            assert!(pairs.iter().all(|(_, v)| !v.is_null()), "null fields sent");
            let Json::Obj(inp) = p else { panic!() };
            let want: Vec<&str> = inp.iter().filter(|(_, v)| !v.is_null()).map(|(k, _)| k.as_str()).collect();
            let got: Vec<&str> = pairs.iter().map(|(k, _)| k.as_str()).collect();
            assert_eq!(got, want);
            assert!(req.headers.iter().any(|(k, v)| k == "Content-Type" && v == "application/json"));
            if label_cfg {
                "json"
            } else {
                "json(fallback cfg)"
            }
        }
        (Some(request::Body::Multipart(parts)), Some(p)) => {
            assert!(has_file(p) || op.multipart);
            assert_eq!(parts.len(), leaves(p), "one form part per non-null leaf");
            let files = parts.iter().filter(|(_, part)| matches!(part, Part::File(_))).count();
            assert_eq!(files > 0, has_file(p));
            "multipart"
        }
        (b, p) => panic!("body {b:?} for params {p:?}"),
    }
}

// ---- retry policy and wait options ----------------------------------------------------------------

#[derive(Debug)]
struct PolicyCase {
    policy: RetryPolicy,
    attempts: u32,
    outcome: Outcome,
    submission: bool,
    wait: J,
    call: J,
    polls: u32,
}

fn gen_policy(r: &mut Rng) -> PolicyCase {
    let ms = |r: &mut Rng| if r.p(0.8) { r.unit() * MAX_TIMER_MS * *r.pick(&[1e-6, 1e-3, 1.0]) } else { *r.pick(&[0.0, MAX_TIMER_MS, 1.0]) };
    let policy = RetryPolicy { max_retries: r.below(11) as u32, base_delay_ms: ms(r), max_retry_after_ms: ms(r), retry_submissions: r.p(0.5) };
    let retry_after = match r.below(4) {
        0 => None,
        1 => Some(num(r, false).abs()),
        _ => Some(*r.pick(&[0.0, 1.0, 60.0, 86_400.0, 1e300, 0.001])),
    };
    let outcome = match r.below(5) {
        0 => Outcome::ConnectionFailure,
        1 => *r.pick(&[Outcome::Timeout, Outcome::Interrupted]),
        _ => Outcome::Status { status: status(r), retry_after },
    };
    let mut wait: Vec<(&str, Json)> = Vec::new();
    for k in ["pollIntervalMs", "maxPollIntervalMs", "maxWaitMs"] {
        if r.p(0.5) {
            let v = or_any(r, |r| Json::Num(ms(r)), PARAMS);
            wait.push((k, v));
        }
    }
    let call = obj(vec![("timeoutMs", or_any(r, |r| Json::Num(num(r, true)), PARAMS))]);
    PolicyCase {
        policy,
        attempts: *r.pick(&[0, 1, 2, 3, 4, 10, 11, u32::MAX]),
        outcome,
        submission: r.p(0.5),
        wait: J(obj(wait)),
        call: J(call),
        polls: *r.pick(&[0, 1, 2, 5, 30, 61, 1000, u32::MAX]),
    }
}

fn check_policy(c: &PolicyCase) -> &'static str {
    let p = &c.policy;
    for n in [0, 1, 2, 31, 1000, u32::MAX] {
        let b = p.backoff_ms(n);
        assert!(b.is_finite() && b >= 0.0, "backoff {b}");
    }
    if let Ok(w) = WaitOptions::parse(&c.wait.0) {
        assert!(w.max_poll_interval_ms >= w.poll_interval_ms);
        let d = w.delay_after(c.polls);
        assert!(d.is_finite() && d >= 0.0 && d <= w.max_poll_interval_ms, "delay {d}");
    }
    if let Ok(t) = parse_call_timeout(&c.call.0, 30_000.0) {
        assert!((1.0..=MAX_TIMER_MS).contains(&t));
    }
    match p.decide(c.attempts, c.outcome, c.submission) {
        Decision::Retry { delay_ms, reason } => {
            assert!(delay_ms.is_finite() && delay_ms >= 0.0, "delay {delay_ms}");
            assert!(c.attempts <= p.max_retries, "retried past max_retries");
            assert!(!matches!(c.outcome, Outcome::Status { status, .. } if !matches!(status, 429 | 500 | 502 | 503 | 504)));
            if let Outcome::Status { retry_after: Some(_), .. } = c.outcome {
                assert!(delay_ms <= p.max_retry_after_ms, "waits longer than max_retry_after_ms");
            }
            reason.as_str()
        }
        Decision::GiveUp { reason } => {
            if c.attempts > p.max_retries {
                assert_ne!(reason, RetryReason::RateLimited);
            }
            reason.as_str()
        }
    }
}

// ---- small parsers --------------------------------------------------------------------------------

#[derive(Debug)]
struct ParserCase {
    number: Txt,
    date: Txt,
    date_expected: Option<f64>,
    retry_after: Txt,
    now: f64,
    n: f64,
    head: Bytes,
    field: Txt,
    mime: Txt,
}

fn gen_parsers(r: &mut Rng) -> ParserCase {
    let (date, date_expected) = date_text(r);
    let head: Vec<u8> = {
        const MAGIC: &[&[u8]] = &[
            b"\x89PNG\r\n\x1a\n", b"\xFF\xD8\xFF", b"GIF89a", b"BM", b"RIFF\0\0\0\0WEBP", b"RIFF\0\0\0\0WAVE", b"RIFF\0\0\0\0AVI ", b"ID3", b"\xFF\xF1",
            b"\xFF\xFB", b"OggS", b"fLaC", b"\x1A\x45\xDF\xA3", b"\x30\x26\xB2\x75", b"\0\0\x01\xBA", b"\0\0\0\x20ftypM4A ", b"\0\0\0\x14ftypqt  ", b"\0\0\0\x18ftypisom",
        ];
        let mut b = if r.p(0.7) { r.pick(MAGIC).to_vec() } else { Vec::new() };
        if r.p(0.3) {
            b.truncate(r.below(b.len() + 1));
        }
        for _ in 0..r.below(12) {
            let x = r.byte();
            b.push(x);
        }
        if r.p(0.2) {
            mutate_bytes(r, &mut b);
        }
        b
    };
    ParserCase {
        number: Txt(if r.p(0.9) { number_text(r) } else { string(r) }),
        date: Txt(date),
        date_expected,
        retry_after: Txt(match r.below(3) {
            0 => number_text(r),
            1 => date_text(r).0,
            _ => string(r),
        }),
        now: now_ms(r),
        n: num(r, true),
        head: Bytes(head),
        field: Txt(if r.p(0.5) { r.pick(&["images[]", "image", "[0]", "", "a[b][c]", "audio"]).to_string() } else { string(r) }),
        mime: Txt(if r.p(0.5) { r.pick(&["image/png", "audio/mpeg; charset=x", " video/mp4 ", "", "x"]).to_string() } else { string(r) }),
    }
}

fn check_parsers(c: &ParserCase) -> &'static str {
    let mut label = "number rejected";
    // parse_number agrees with Rust's float parser on what it accepts
    if let Some(x) = parse_number(&c.number.0) {
        label = "number accepted";
        let y: f64 = c.number.0.trim().parse().unwrap_or_else(|_| panic!("accepted what str::parse rejects: {:?} → {x}", c.number.0));
        assert!(x.is_finite(), "non-finite {x}");
        // relative, except that a result below the normal range may flush to zero
        let tolerance = (1e-9 * y.abs()).max(f64::MIN_POSITIVE);
        assert!((x - y).abs() <= tolerance, "parse_number({:?}) = {x:e}, str::parse = {y:e}", c.number.0);
    }
    // HTTP dates
    let d = parse_http_date(&c.date.0);
    if let Some(v) = d {
        assert!(v.is_finite());
    }
    if let Some(want) = c.date_expected {
        assert_eq!(d, Some(want), "parse_http_date({:?})", c.date.0);
    }
    if let Some(secs) = parse_retry_after(&c.retry_after.0, c.now) {
        assert!(secs.is_finite() && secs >= 0.0, "retry_after {secs}");
        if let Some(n) = parse_number(&c.retry_after.0) {
            assert_eq!(secs, n);
        }
    }
    // fmt_num round-trips through parse_number to 6 decimals (where an f64 holds them); past 2^53
    // (no message gets one: the validator drops such limits) the exact integer below 2^64, which a
    // correctly rounded reader (str::parse, as JS's) reads back as the same double, and beyond it
    // a text that says so
    let f = fmt_num(c.n);
    if c.n.is_finite() && c.n.abs() >= 18_446_744_073_709_551_616.0 {
        assert!(f.ends_with("(past 2^64)"), "fmt_num({}) = {f}", c.n);
    } else if c.n.is_finite() && c.n.abs() >= 9_007_199_254_740_992.0 {
        assert_eq!(f.parse::<f64>(), Ok(c.n), "fmt_num({}) = {f}", c.n);
        assert!(f.trim_start_matches('-').bytes().all(|b| b.is_ascii_digit()), "fmt_num({}) = {f}", c.n);
    } else {
        assert!(!f.is_empty() && !f.contains(['e', 'E', 'N', 'i']), "fmt_num({}) = {f}", c.n);
    }
    if c.n.is_finite() && c.n.abs() < 1e12 {
        let back = parse_number(&f).expect("fmt_num output parses");
        assert!((back - c.n).abs() <= 5e-7 + 1e-15 * c.n.abs(), "fmt_num({}) = {f}", c.n);
    }
    // every sniffed MIME type has a file extension
    if let Some(m) = sniff_mime(&c.head.0) {
        assert_ne!(extension(m), "bin", "no extension for sniffed {m}");
        assert!(default_filename("images[]", m).starts_with("images."));
    }
    let name = default_filename(&c.field.0, &c.mime.0);
    assert!(name.ends_with(&format!(".{}", extension(&c.mime.0))) && name.len() > extension(&c.mime.0).len() + 1, "{name}");
    label
}

// ---- redaction --------------------------------------------------------------------------------------

#[derive(Debug)]
struct RedactCase {
    key: Txt,
    meta: ResponseMeta,
    body: BodyIn,
    status_body: J,
    request_id: Txt,
}

/// Put `key` (or its secret half) into some of the strings of `j` (values and keys, anywhere).
fn plant(r: &mut Rng, j: &mut Json, key: &str) {
    let key = if r.p(0.2) { key.split_once('|').map_or(key, |(_, secret)| secret) } else { key };
    let into = |r: &mut Rng, s: &mut String| match r.below(5) {
        // straddling the cut of long texts
        4 => *s = "x".repeat(MAX_TEXT - r.below(40)) + key + s,
        0 => *s = key.to_owned(),
        1 => s.insert_str(0, key),
        2 => s.push_str(key),
        _ => {
            let at = (0..=s.len()).filter(|i| s.is_char_boundary(*i)).nth(r.below(s.chars().count() + 1)).unwrap_or(0);
            s.insert_str(at, &format!("Bearer {key} "));
        }
    };
    match j {
        Json::Str(s) if r.p(0.5) => into(r, s),
        Json::Arr(items) => items.iter_mut().for_each(|v| plant(r, v, key)),
        Json::Obj(pairs) => pairs.iter_mut().for_each(|(k, v)| {
            if r.p(0.3) {
                into(r, k);
            }
            plant(r, v, key);
        }),
        _ => {}
    }
}

fn gen_redact(r: &mut Rng) -> RedactCase {
    let key = format!("{}|{}", r.int(1, 99_999), (0..r.int(20, 48)).map(|_| *r.pick(b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789") as char).collect::<String>());
    let st = status(r);
    let mut meta = headers_meta(r, st);
    for s in [&mut meta.rate_limit.kind, &mut meta.rate_limit.source].into_iter().flatten() {
        if r.p(0.5) {
            s.push_str(&key);
        }
    }
    let body = if r.p(0.8) {
        let mut j = if r.p(0.7) { error_body(r) } else { any_body(r) };
        plant(r, &mut j, &key);
        Body::Json(j)
    } else {
        let mut t = Json::Str(string(r));
        plant(r, &mut t, &key);
        let Json::Str(t) = t else { unreachable!() };
        Body::Text(if t.contains(&key) { t } else { key.clone() + &t })
    };
    let mut status_body = job_status(r);
    plant(r, &mut status_body, &key);
    RedactCase { key: Txt(key), meta, body: BodyIn::from(body), status_body: J(status_body), request_id: Txt(hex(&r.u64().to_le_bytes())) }
}

fn check_redact(c: &RedactCase) -> &'static str {
    let key = &c.key.0;
    let parts: Vec<&str> = key_parts(key).collect();
    assert_eq!(parts.len(), 2, "the generated key has a secret half");
    let clean = |e: ApiError, what: &str| {
        // `redact(key)`: the whole key is gone
        let mut r = e.clone();
        r.redact(key);
        for s in strings_of(&r) {
            assert!(!s.contains(key.as_str()), "the key survived redact() of {what} in {s:?}");
        }
        // `finish(&[key, secret half])` (the path of every error the core answers with): the key and its secret half
        // are gone, also in part where a long text was cut
        let mut f = e;
        f.finish(&parts);
        for s in strings_of(&f) {
            for p in &parts {
                assert!(!s.contains(p), "{p:?} survived finish() of {what} in {s:?}");
                if let Some(cut) = s.strip_suffix('…') {
                    for n in (8..p.len()).filter(|n| p.is_char_boundary(*n)) {
                        assert!(!cut.ends_with(&p[..n]), "a cut left {:?} of the key in {what}", &p[..n]);
                    }
                }
            }
        }
    };
    clean(decode_http_error(&c.meta, c.body.body(), 0.0), "an HTTP error");
    let sb = &c.status_body.0;
    clean(jobs::failure(&c.request_id.0, sb), "a job failure");
    if let Err(e) = jobs::decode_status(200, sb.clone(), &c.request_id.0) {
        clean(e, "an invalid status");
    }
    if let Err(e) = decode::models_page(200, sb) {
        clean(e, "an invalid models page");
    }
    "redacted"
}

// =================================================================================================
// Targets
// =================================================================================================

#[derive(Debug)]
struct ErrCase {
    meta: ResponseMeta,
    body: BodyIn,
    now: f64,
}

fn gen_error(r: &mut Rng) -> ErrCase {
    let st = status(r);
    let meta = if r.p(0.7) {
        headers_meta(r, st)
    } else {
        ResponseMeta {
            status: st,
            content_type: Some(string(r)).filter(|_| r.p(0.5)),
            retry_after: Some(string(r)).filter(|_| r.p(0.5)),
            rate_limit: RateLimit { kind: Some(string(r)).filter(|_| r.p(0.3)), ..RateLimit::default() },
        }
    };
    let body = match r.below(10) {
        0..=3 => Body::Json(error_body(r)),
        4 => Body::Json(json(r, 5, RESPONSE)),
        5 | 6 => body_from_bytes(&body_bytes(r)),
        7 => Body::Text(string(r)),
        8 => Body::Text(r.pick(&["é", "a", "🦊", "<p>"]).repeat(r.int(1000, 3000) as usize)),
        _ => Body::Json(seed_json(r).map_or(Json::Null, |j| mutate_some(r, j, RESPONSE))),
    };
    ErrCase { meta, body: BodyIn::from(body), now: now_ms(r) }
}

#[test]
fn fuzz_error_decoder() {
    fuzz("error_decoder", gen_error, |c| check_error(&c.meta, &c.body.body(), c.now));
}

#[derive(Debug)]
struct StatusCase {
    http_status: u16,
    body: J,
    request_id: Txt,
}

#[test]
fn fuzz_job_status() {
    fuzz(
        "job_status",
        |r| StatusCase {
            http_status: status(r),
            body: J(if r.p(0.85) { job_status(r) } else { any_body(r) }),
            request_id: Txt(if r.p(0.8) { "c08a339c-73e5".to_owned() } else { string(r) }),
        },
        |c| check_status(c.http_status, &c.body.0, &c.request_id.0),
    );
}

#[derive(Debug)]
struct ModelsCase {
    page: J,
    one: J,
}

#[test]
fn fuzz_models() {
    fuzz(
        "models",
        |r| ModelsCase {
            page: J(if r.p(0.85) { models_page_body(r) } else { any_body(r) }),
            one: J(if r.p(0.9) { model_json(r, &[]) } else { json(r, 4, RESPONSE) }),
        },
        |c| check_models(&c.page.0, &c.one.0),
    );
}

#[derive(Debug)]
struct EnvelopeCase {
    status: u16,
    body: J,
}

#[test]
fn fuzz_envelopes() {
    fuzz(
        "envelopes",
        |r| EnvelopeCase { status: *r.pick(&[200, 201, 202]), body: J(if r.p(0.8) { envelope_body(r) } else { any_body(r) }) },
        |c| check_envelopes(c.status, &c.body.0),
    );
}

#[test]
fn fuzz_webhook() {
    fuzz("webhook", gen_hook, check_hook);
}

#[test]
fn fuzz_validate() {
    fuzz("validate", gen_validate, check_validate);
}

#[test]
fn fuzz_request() {
    fuzz("request", gen_request, check_request);
}

#[test]
fn fuzz_policy() {
    fuzz("policy", gen_policy, check_policy);
}

#[test]
fn fuzz_parsers() {
    fuzz("parsers", gen_parsers, check_parsers);
}

#[test]
fn fuzz_redaction() {
    fuzz("redaction", gen_redact, check_redact);
}

/// Raw bytes as the facade hands them to the core (`Response.text()`, then the crate's `parse_json`, the
/// text kept when it is not JSON) into every decoder: no panic, and each decoder's properties.
#[derive(Debug)]
struct RawCase {
    bytes: Bytes,
    status: u16,
    op: &'static str,
}

/// `text` as a response body into every decoder, validation and the request builder. No panic,
/// and each one's properties.
fn feed_decoders(text: &str, status: u16, op: &str) -> &'static str {
    let body = match crate_json::parse_json(text) {
        Some(j) => Body::Json(j),
        None => Body::Text(text.to_owned()),
    };
    let meta = ResponseMeta { status, content_type: Some("application/json".into()), ..ResponseMeta::default() };
    check_error(&meta, &body, 0.0);
    let Body::Json(j) = body else { return "not json" };
    check_status(status, &j, "id");
    check_models(&j, &j);
    check_envelopes(200, &j);
    let op = find_op(op);
    let no_files = |_: u32| None;
    for (price, version) in [(false, ApiVersion::V2), (true, ApiVersion::V1)] {
        if let Err(e) = validate::check(op, price, version, &j, ModelInfo::Found(&j), &no_files) {
            assert_eq!(e.kind, Kind::Validation);
        }
    }
    let _ = build(&fallback_config(), &Endpoint::Submit(op), Some(&j), &[]);
    if matches!(j, Json::Obj(_)) {
        "json object"
    } else {
        "json other"
    }
}

#[test]
fn fuzz_raw_bytes() {
    fuzz(
        "raw_bytes",
        |r| RawCase { bytes: Bytes(body_bytes(r)), status: status(r), op: r.pick(OPS).name },
        |c| feed_decoders(&String::from_utf8_lossy(&c.bytes.0), c.status, c.op),
    );
}

// ---- JSON text in odd styles into the reader, the writer and every decoder --------------------------

/// JSON text of `j` in a random style: whitespace between tokens, `\uXXXX` escapes (surrogate pairs
/// for astral characters), `\/`.
fn json_text(r: &mut Rng, j: &Json, out: &mut String) {
    let ws = |r: &mut Rng, out: &mut String| {
        if r.p(0.2) {
            for _ in 0..=r.below(3) {
                out.push(*r.pick(&[' ', '\t', '\n', '\r']));
            }
        }
    };
    let string = |r: &mut Rng, v: &str, out: &mut String| {
        out.push('"');
        for c in v.chars() {
            let escape = r.p(0.05);
            match c {
                '"' => out.push_str("\\\""),
                '\\' => out.push_str("\\\\"),
                '/' if escape => out.push_str("\\/"),
                c if (c as u32) < 0x20 || escape => {
                    let mut units = [0u16; 2];
                    for u in c.encode_utf16(&mut units) {
                        out.push_str(&if r.p(0.5) { format!("\\u{:04x}", u) } else { format!("\\u{:04X}", u) });
                    }
                }
                c => out.push(c),
            }
        }
        out.push('"');
    };
    ws(r, out);
    match j {
        Json::Null | Json::File(_) => out.push_str("null"),
        Json::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Json::Num(n) if n.is_finite() => out.push_str(&if r.p(0.5) { format!("{n:?}") } else { format!("{n:e}") }),
        Json::Num(_) => out.push_str("null"),
        Json::Str(v) => string(r, v, out),
        Json::Arr(items) => {
            out.push('[');
            ws(r, out);
            for (i, v) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                json_text(r, v, out);
            }
            out.push(']');
        }
        Json::Obj(pairs) => {
            out.push('{');
            ws(r, out);
            for (i, (k, v)) in pairs.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                ws(r, out);
                string(r, k, out);
                ws(r, out);
                out.push(':');
                json_text(r, v, out);
            }
            out.push('}');
        }
    }
    ws(r, out);
}

/// A JSON number lexeme (valid unless `junk`), with long mantissas and exponents past 4 digits.
fn number_lexeme(r: &mut Rng) -> String {
    let mut s = String::new();
    if r.p(0.3) {
        s.push('-');
    }
    let digits = |r: &mut Rng, n: usize| -> String { (0..n).map(|_| char::from(b'0' + r.below(10) as u8)).collect() };
    if r.p(0.2) {
        s.push('0');
    } else {
        s.push(char::from(b'1' + r.below(9) as u8));
        let n = *r.pick(&[0, 1, 2, 5, 15, 17, 20, 40, 330]);
        s.push_str(&digits(r, n));
    }
    if r.p(0.5) {
        s.push('.');
        let n = *r.pick(&[1, 2, 3, 6, 17, 25, 330]);
        s.push_str(&digits(r, n));
    }
    if r.p(0.4) {
        s.push(*r.pick(&['e', 'E']));
        s.push_str(r.one(&["", "+", "-"]));
        let n = *r.pick(&[1, 1, 2, 3, 3, 4, 5, 6]);
        let mut d = digits(r, n);
        if r.p(0.5) && n >= 3 {
            d.replace_range(0..1, r.one(&["0", "3"]));
        }
        s.push_str(&d);
    }
    s
}

const JSON_JUNK: &[&str] = &[
    "\\ud800", "\\udc00", "\\ud800\\udc00", "\\uD83D\\uDE00", "\\ud800\\u0041", "\\ud800\\", "\\u12", "\\u+041", "\\u-041", "\\u 041",
    "\\x41", "\\'", "\\U0041", "\u{1}", "\u{7f}", "\u{0}", "é", "\\u0000", "\\/",
];

/// Text for the parser: generated JSON in random styles, odd numbers and escapes, deep or wide
/// values, mutated seed bodies and bytes.
fn parser_text(r: &mut Rng) -> String {
    let mut out = String::new();
    match r.below(12) {
        0..=3 => {
            let j = any_body(r);
            json_text(r, &j, &mut out);
        }
        4 => {
            let j = json(r, 8, RESPONSE);
            json_text(r, &j, &mut out);
        }
        5 => {
            // numbers as raw lexemes
            out.push('[');
            for i in 0..=r.below(4) {
                if i > 0 {
                    out.push(',');
                }
                out.push_str(&number_lexeme(r));
            }
            out.push(']');
        }
        6 => {
            // escapes, valid and not
            out.push_str("{\"k");
            for _ in 0..=r.below(3) {
                out.push_str(r.one(JSON_JUNK));
                if r.p(0.5) {
                    out.push('x');
                }
            }
            out.push_str("\":1}");
        }
        7 => {
            // nesting around the depth the parser keeps, sometimes with junk inside
            let n = r.int(i64::from(MAX_DEPTH) - 2, i64::from(MAX_DEPTH) + 4) as usize;
            let open: Vec<bool> = (0..n).map(|_| r.p(0.5)).collect();
            for o in &open {
                out.push_str(if *o { "{\"a\":" } else { "[" });
            }
            out.push_str(r.one(&["1", "\"s\"", "[]", "{}", "tru", "[,]", "{1:2}", "1,2", "01", "[}"]));
            for o in open.iter().rev() {
                out.push(if *o { '}' } else { ']' });
            }
        }
        8 => {
            // wide: many keys (the parser looks each key up among the previous ones)
            let n = if r.p(0.1) { 2_000 } else { r.below(300) };
            out.push('{');
            for i in 0..n {
                if i > 0 {
                    out.push(',');
                }
                let k = if r.p(0.1) { r.below(n.max(1)) } else { i };
                out.push_str(&format!("\"k{k}\":{i}"));
            }
            out.push('}');
        }
        9 => {
            let mut b = r.pick(SEEDS).as_bytes().to_vec();
            mutate_bytes(r, &mut b);
            out = String::from_utf8_lossy(&b).into_owned();
        }
        _ => {
            let j = any_body(r);
            json_text(r, &j, &mut out);
            let mut b = out.into_bytes();
            mutate_bytes(r, &mut b);
            out = String::from_utf8_lossy(&b).into_owned();
        }
    }
    out
}

/// JSON text in odd styles (escapes, lone surrogates, long and overflowing numbers, deep and wide
/// values, mutated bodies) as a response body, as header values and as a webhook payload.
#[derive(Debug)]
struct JsonTextCase {
    text: Txt,
    status: u16,
    op: &'static str,
    now: f64,
}

fn check_json_text(c: &JsonTextCase) -> &'static str {
    let text = &c.text.0;
    // the reader cuts nesting; what the writer makes of a value reads back as the same value
    // read_json agrees with parse_json; a text shorter than MAX_VALUES cannot hold too many values
    match crate_json::read_json(text) {
        Ok(j) => assert_eq!(crate_json::parse_json(text), Some(j)),
        Err(Unread::NotJson) => assert_eq!(crate_json::parse_json(text), None),
        Err(Unread::TooLarge) => assert!(text.len() > MAX_VALUES, "too large at {} bytes", text.len()),
    }
    if let Some(j) = crate_json::parse_json(text) {
        assert!(j.depth() <= MAX_DEPTH + 1, "depth {}", j.depth());
        let written = crate_json::to_text(&j);
        assert_eq!(crate_json::parse_json(&written).as_ref(), Some(&j), "written as {written}");
    }
    // the text as every rate-limit header and Retry-After
    let meta = ResponseMeta::from_headers(c.status, |_| Some(text.clone()));
    check_error(&meta, &Body::Text(text.clone()), c.now);
    // the text as a webhook payload, signed: accepted and returned as it is
    let secret = "whsec_fuzz_0123456789abcdef";
    let ts = format!("{}", (c.now / 1000.0).floor());
    let mac = hmac_sha256(secret.as_bytes(), &[ts.as_bytes(), b".", text.as_bytes()]);
    let hook = Hook {
        payload: Bytes(text.as_bytes().to_vec()),
        signature: Some(Txt(format!("sha256={}", hex(&mac)))),
        timestamp: Some(Txt(ts)),
        secret: Txt(secret.to_owned()),
        tolerance: 300.0,
        max_payload: 67_108_864.0,
        now: (c.now / 1000.0).floor(),
        tampered: None,
    };
    assert_eq!(check_hook(&hook), "ok");
    feed_decoders(text, c.status, c.op)
}

#[test]
fn fuzz_json_text() {
    fuzz(
        "json_text",
        |r| JsonTextCase { text: Txt(parser_text(r)), status: status(r), op: r.pick(OPS).name, now: 1.786e12 + r.int(0, 1_000_000_000) as f64 },
        check_json_text,
    );
}

// ---- realtime: frames from the socket, the auth answer, the connection policy ----------------------

const RT_CHANNEL: &str = "private-client.42";

/// Real frames as soketi sends them (deAPI's events double-encoded), the seeds of `realtime_frames`.
const RT_SEEDS: &[&str] = &[
    r#"{"event":"pusher:connection_established","data":"{\"socket_id\":\"123456.789012\",\"activity_timeout\":30}"}"#,
    r#"{"event":"pusher_internal:subscription_succeeded","channel":"private-client.42"}"#,
    r#"{"event":"pusher:subscription_error","channel":"private-client.42","data":{"type":"AuthError","error":"The connection is unauthorized.","status":401}}"#,
    r#"{"event":"pusher:pong","data":{}}"#,
    r#"{"event":"pusher:ping","data":{}}"#,
    r#"{"event":"pusher:error","data":{"code":4200,"message":"Server is closing. Please reconnect shortly."}}"#,
    r#"{"event":"request.status.updated","channel":"private-client.42","data":"{\"request_id\":\"123e4567-e89b-12d3-a456-426614174000\",\"status\":\"in_progress\",\"preview\":\"data:image\/jpeg;base64,\/9j\/4AAQSkZJRg\",\"result_url\":null,\"progress\":\"45.50\"}"}"#,
    r#"{"event":"request.status.updated","channel":"private-client.42","data":"{\"request_id\":\"c08a339c-73e5\",\"status\":\"done\",\"preview\":null,\"result_url\":\"https:\/\/r.test\/a.png?sig=1\",\"progress\":\"100.00\"}"}"#,
    r#"{"event":"request.status.updated","channel":"private-client.42","data":{"request_id":"c08a339c-73e5","status":"processing","progress":null}}"#,
];

const RT_EVENTS: &[&str] = &[
    "pusher:connection_established", "pusher:ping", "pusher:pong", "pusher_internal:subscription_succeeded", "pusher:subscription_succeeded",
    "pusher:subscription_error", "pusher:error", "request.status.updated", "request.status.updated", "client-x", "pusher:signin_success", "",
];

fn rt_value(r: &mut Rng, key: &str) -> Json {
    match (key, r.below(8)) {
        (_, 0) => json(r, 3, RESPONSE),
        ("socket_id", _) => s(r.one(&["1.2", "123456.789012", "12", ".5", "1.2.3", "a.b", "1 .2", "99999999999999999999.1"])),
        ("activity_timeout", _) => or_any(r, |r| if r.p(0.5) { Json::Num(num(r, false)) } else { s(&number_text(r)) }, RESPONSE),
        ("request_id", _) => s(r.one(&["123e4567-e89b-12d3-a456-426614174000", "c08a339c-73e5", "r", "id_1", "", "../x", "a/b", "x y"])),
        ("status", _) => s(r.one(&["processing", "in_progress", "IN_PROGRESS", "done", "error", "pending", "", " ", "completed", "queued"])),
        ("progress", _) => match r.below(4) {
            0 => Json::Num(num(r, false)),
            1 => s(&number_text(r)),
            2 => s(r.one(&["45.50", "100.00", "0", "-1", "1e999", "NaN", "abc", "150"])),
            _ => Json::Null,
        },
        ("preview", _) => match r.below(5) {
            0 => {
                // now and then a preview past the frame cap (a multi-MiB frame)
                let n = if r.p(0.1) { MAX_FRAME_BYTES + r.below(1 << 20) } else { r.below(20_000) };
                s(&format!("data:image/jpeg;base64,{}", "A".repeat(n)))
            }
            1 => s("https://r.test/p.png"),
            2 => s(r.one(&["javascript:alert(1)", "data:text/html,<b>", "", " https://x"])),
            _ => Json::Null,
        },
        ("result_url", _) => s(r.one(&["https://r.test/a.png?X-Amz-Signature=1", "http://127.0.0.1/r.png", "ftp://x", "", "https://a b"])),
        ("status_code", _) | ("code", _) => Json::Num(*r.pick(&[401.0, 4001.0, 4200.0, -1.0, 70_000.0, 1.5, 4009.0])),
        _ => s(&string(r)),
    }
}

/// A frame: a structured one (known events, our channel or another, data double-encoded or not,
/// wrong types), a mutated real frame, or bytes.
fn rt_frame(r: &mut Rng) -> String {
    match r.below(10) {
        0..=6 => {
            let mut pairs: Vec<(&str, Json)> = Vec::new();
            let event = match r.below(10) {
                0..=4 => s("request.status.updated"),
                5..=8 => s(r.one(RT_EVENTS)),
                _ => json(r, 2, RESPONSE),
            };
            if r.p(0.95) {
                pairs.push(("event", event));
            }
            let channel = match r.below(5) {
                0..=2 => s(RT_CHANNEL),
                3 => s(r.one(&["private-client.43", "private-client.4", "", "private-client.42 "])),
                _ => json(r, 1, RESPONSE),
            };
            maybe(r, &mut pairs, "channel", channel);
            let keys = ["socket_id", "activity_timeout", "request_id", "status", "progress", "preview", "result_url", "type", "error", "message", "code"];
            let mut data: Vec<(&str, Json)> = Vec::new();
            for k in keys {
                if r.p(if matches!(k, "request_id" | "status" | "socket_id") { 0.85 } else { 0.5 }) {
                    let k2 = if k == "status" && r.p(0.2) { "status_code" } else { k };
                    let v = rt_value(r, k2);
                    data.push((k, v));
                }
            }
            let data = obj(data);
            let data = match r.below(5) {
                0 | 1 => Json::Str(crate_json::to_text(&data)), // double-encoded, as soketi relays
                2 | 3 => data,
                _ => json(r, 2, RESPONSE),
            };
            maybe(r, &mut pairs, "data", data);
            shuffle(r, &mut pairs);
            crate_json::to_text(&obj(pairs))
        }
        7 | 8 => {
            let mut b = r.pick(RT_SEEDS).as_bytes().to_vec();
            mutate_bytes(r, &mut b);
            String::from_utf8_lossy(&b).into_owned()
        }
        _ => String::from_utf8_lossy(&body_bytes(r)).into_owned(),
    }
}

#[derive(Debug)]
struct FrameCase {
    text: Txt,
}

fn check_frame(c: &FrameCase) -> &'static str {
    let text = &c.text.0;
    let frame = decode_frame(text, RT_CHANNEL);
    assert_eq!(decode_frame(text, RT_CHANNEL), frame, "deterministic");
    if text.len() > MAX_FRAME_BYTES {
        assert_eq!(frame, Frame::Other(Ignored::TooLarge), "every frame over the cap is ignored unread");
        return "too large";
    }
    let parsed = crate_json::parse_json(text);
    if !matches!(&parsed, Some(Json::Obj(_))) {
        assert_eq!(frame, Frame::Other(Ignored::NotJson), "not a JSON object");
        return "not json";
    }
    let j = parsed.unwrap_or_default();
    let our_channel = j.get("channel").and_then(Json::as_str) == Some(RT_CHANNEL);
    match frame {
        Frame::ConnectionEstablished { socket_id, activity_timeout } => {
            let (a, b) = socket_id.split_once('.').expect("n.n");
            assert!(!a.is_empty() && !b.is_empty() && (a.to_owned() + b).bytes().all(|c| c.is_ascii_digit()) && socket_id.len() <= 64, "{socket_id:?}");
            assert!(activity_timeout.is_none_or(|t| t.is_finite() && t > 0.0));
            let ping = ping_after_ms(activity_timeout);
            assert!((1_000.0..=120_000.0).contains(&ping));
            assert!((1_000.0..=30_000.0).contains(&pong_deadline_ms(ping)));
            "established"
        }
        Frame::SubscriptionSucceeded { channel } => {
            assert!(our_channel && channel == RT_CHANNEL);
            "subscribed"
        }
        Frame::SubscriptionError { kind, message, .. } => {
            assert!(kind.is_none_or(|k| k.len() <= 200) && message.is_none_or(|m| m.len() <= 200));
            "subscription error"
        }
        Frame::Error { message, .. } => {
            assert!(message.len() <= 200);
            "error"
        }
        Frame::StatusEvent(e) => {
            assert!(our_channel, "an event for another channel was taken");
            assert_eq!(j.get("event").and_then(Json::as_str), Some("request.status.updated"));
            assert!(e.progress.is_none_or(|p| p.is_finite() && (0.0..=100.0).contains(&p)), "progress {:?}", e.progress);
            assert!(!e.request_id.is_empty() && e.request_id.len() <= 128 && e.request_id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_'));
            assert!(!e.status.trim().is_empty() && !e.status.eq_ignore_ascii_case("in_progress"));
            let url = |u: &str| (u.starts_with("https://") || u.starts_with("http://")) && !u.contains(char::is_whitespace);
            assert!(e.preview.as_deref().is_none_or(|p| p.starts_with("data:image/") || url(p)));
            assert!(e.result_url.as_deref().is_none_or(url));
            // the JobStatus: five fields, JSON that reads back the same
            let st = e.to_status();
            let Json::Obj(pairs) = &st else { panic!("not an object") };
            assert_eq!(pairs.iter().map(|(k, _)| k.as_str()).collect::<Vec<_>>(), ["request_id", "status", "progress", "preview", "result_url"]);
            assert_eq!(crate_json::parse_json(&crate_json::to_text(&st)).as_ref(), Some(&st));
            assert_eq!(jobs::phase(&st) != Phase::Running, e.is_terminal());
            if e.progress.is_some() { "status event with progress" } else { "status event" }
        }
        Frame::Ping | Frame::Pong => "ping/pong",
        Frame::Other(Ignored::OtherChannel) => {
            assert!(!our_channel || !j.get("event").and_then(Json::as_str).is_some_and(|e| e == "request.status.updated" || e.contains("subscription_succeeded")));
            "other channel"
        }
        Frame::Other(Ignored::TooLarge) => panic!("TooLarge under the cap"),
        Frame::Other(why) => match why {
            Ignored::NotJson => "no event",
            Ignored::Malformed => "malformed",
            _ => "unknown event",
        },
    }
}

#[test]
fn fuzz_realtime_frames() {
    fuzz("realtime_frames", |r| FrameCase { text: Txt(rt_frame(r)) }, check_frame);
}

/// The auth endpoint's answer, the frames the client writes, and the connection policy.
#[derive(Debug)]
struct AuthCase {
    status: u16,
    body: Txt,
    app_key: Txt,
    socket_id: Txt,
    close: u16,
    attempt: u32,
    random: f64,
    /// Early events: (request id, status, preview bytes, ms since the previous push).
    pushes: Vec<(u8, bool, usize, f64)>,
}

fn gen_auth(r: &mut Rng) -> AuthCase {
    let app_key = if r.p(0.7) { "depin-api-prod-key".to_owned() } else { string(r) };
    let mut sig: String = (0..*r.pick(&[64, 64, 64, 63, 65, 0])).map(|_| char::from(*r.pick(b"0123456789abcdefABCDEF"))).collect();
    if r.p(0.1) && !sig.is_empty() {
        sig.replace_range(0..1, r.one(&["x", "g", " ", "é"]));
    }
    let auth = match r.below(4) {
        0 => format!("{app_key}:{sig}"),
        1 => format!("other-key:{sig}"),
        2 => sig.clone(),
        _ => string(r),
    };
    let body = match r.below(6) {
        0..=2 => {
            let auth = if r.p(0.9) { s(&auth) } else { json(r, 2, RESPONSE) };
            crate_json::to_text(&obj(vec![("auth", auth)]))
        }
        3 => {
            let mut b = crate_json::to_text(&obj(vec![("auth", s(&auth))])).into_bytes();
            mutate_bytes(r, &mut b);
            String::from_utf8_lossy(&b).into_owned()
        }
        4 => String::from_utf8_lossy(&body_bytes(r)).into_owned(),
        _ => string(r),
    };
    let status = if r.p(0.6) { 200 } else { *r.pick(&[201, 204, 400, 401, 403, 404, 408, 419, 429, 500, 502, 503, 302, 100]) };
    let close = *r.pick(&[1000, 1001, 1005, 1006, 1011, 3000, 4000, 4001, 4004, 4009, 4099, 4100, 4199, 4200, 4201, 4299, 4300, 4999, 0, 65535]);
    let random = match r.below(6) {
        0 => f64::NAN,
        1 => num(r, true),
        _ => r.unit(),
    };
    let pushes = (0..r.below(60)).map(|_| (r.below(12) as u8, r.p(0.2), if r.p(0.1) { r.below(3_000_000) } else { r.below(2_000) }, r.unit() * 20_000.0)).collect();
    AuthCase { status, body: Txt(body), app_key: Txt(app_key), socket_id: Txt(string(r)), close, attempt: r.below(64) as u32, random, pushes }
}

fn check_auth(c: &AuthCase) -> &'static str {
    let (body, key) = (&c.body.0, &c.app_key.0);
    // the frames the client writes read back as what was put in, whatever the strings
    let sub = crate_json::parse_json(&subscribe_frame(RT_CHANNEL, body)).expect("subscribe frame is JSON");
    assert_eq!(sub.get("data").and_then(|d| d.get("auth")).and_then(Json::as_str), Some(body.as_str()));
    let ab = crate_json::parse_json(&auth_body(&c.socket_id.0, RT_CHANNEL)).expect("auth body is JSON");
    assert_eq!(ab.get("socket_id").and_then(Json::as_str), Some(c.socket_id.0.as_str()));
    assert_eq!(ab.get("channel_name").and_then(Json::as_str), Some(RT_CHANNEL));
    // the policy
    match after_close(c.close, c.attempt, c.random) {
        Reconnect::Never => assert!((4000..=4099).contains(&c.close)),
        Reconnect::After(d) => {
            assert!(!(4000..=4099).contains(&c.close));
            assert!(d.is_finite() && (0.0..=30_000.0).contains(&d), "{d}");
            assert_eq!(d == 0.0, (4200..=4299).contains(&c.close) && c.attempt == 0);
            if d > 0.0 {
                assert!(d >= 1_000.0, "at least 1 s");
            }
        }
    }
    // the early-event buffer stays bounded
    let mut early = EarlyEvents::new(8, 10_000.0, 1 << 20);
    let mut now = 0.0;
    for (id, done, preview, dt) in &c.pushes {
        now += dt;
        let event = JobEvent { request_id: format!("r{id}"), status: if *done { "done" } else { "processing" }.into(), progress: None, preview: Some("p".repeat(*preview)), result_url: None };
        early.push(now, event);
        assert!(early.len() <= 8);
    }
    if let Some((id, ..)) = c.pushes.last() {
        let _ = early.take(&format!("r{id}"), now);
    }
    // the auth answer
    match decode_auth(c.status, body, key) {
        Ok(auth) => {
            assert!((200..300).contains(&c.status));
            let j = crate_json::parse_json(body).expect("an accepted answer is JSON");
            assert_eq!(j.get("auth").and_then(Json::as_str), Some(auth.as_str()));
            let (k, sig) = auth.rsplit_once(':').expect("key:sig");
            assert!(k == key && sig.len() == 64 && sig.bytes().all(|b| b.is_ascii_hexdigit()));
            "signed"
        }
        Err(e) => {
            assert!(!e.message().is_empty());
            match e {
                AuthFailure::Refused { status } => assert!(status == c.status && (status == 401 || status == 403)),
                AuthFailure::Http { status } => assert!(status == c.status && !(200..300).contains(&status) && status != 401 && status != 403),
                AuthFailure::Invalid(_) => assert!((200..300).contains(&c.status) && !e.retryable()),
            }
            if e.retryable() { "retryable" } else { "refused or invalid" }
        }
    }
}

#[test]
fn fuzz_realtime_auth() {
    fuzz("realtime_auth", gen_auth, check_auth);
}

/// A [`Link`] fed a random sequence of inputs (frames from `rt_frame`, auth answers, closes, timers).
#[derive(Debug)]
struct LinkCase {
    steps: Vec<LinkStep>,
}

#[derive(Debug)]
enum LinkStep {
    Open,
    Release,
    Close,
    CannotConnect,
    Frame(Txt),
    /// (for the current socket, status, body)
    Auth(bool, u16, Txt),
    AuthUnreachable(bool),
    Closed(u16),
    Fired(usize),
}

const TIMERS: [Timer; 4] = [Timer::Handshake, Timer::Ping, Timer::Pong, Timer::Reconnect];

fn gen_link(r: &mut Rng) -> LinkCase {
    // half the cases start with a good connection (open, handshake, signed, subscribed)
    let mut start = Vec::new();
    if r.p(0.5) {
        let signed = format!(r#"{{"auth":"depin-api-prod-key:{}"}}"#, "ab".repeat(32));
        start = vec![LinkStep::Open, LinkStep::Frame(Txt(RT_SEEDS[0].to_owned())), LinkStep::Auth(true, 200, Txt(signed)), LinkStep::Frame(Txt(RT_SEEDS[1].to_owned()))];
    }
    let steps = (0..r.below(40))
        .map(|_| match r.below(20) {
            0 | 1 => LinkStep::Open,
            2 => LinkStep::Release,
            3 if r.p(0.3) => LinkStep::Close,
            4 if r.p(0.2) => LinkStep::CannotConnect,
            5..=9 => LinkStep::Frame(Txt(if r.p(0.3) { r.one(RT_SEEDS).to_owned() } else { rt_frame(r) })),
            10 | 11 => {
                let body = if r.p(0.7) { format!(r#"{{"auth":"depin-api-prod-key:{}"}}"#, "ab".repeat(32)) } else { string(r) };
                LinkStep::Auth(r.p(0.8), *r.pick(&[200, 200, 200, 401, 403, 500, 503, 404]), Txt(body))
            }
            12 => LinkStep::AuthUnreachable(r.p(0.8)),
            13 | 14 => LinkStep::Closed(*r.pick(&[1000, 1006, 4001, 4009, 4100, 4200, 4201, 4301])),
            _ => LinkStep::Fired(r.below(4)),
        })
        .collect::<Vec<_>>();
    start.extend(steps);
    LinkCase { steps: start }
}

fn check_link(c: &LinkCase) -> &'static str {
    let cfg = deapi_wasm::core::realtime::RealtimeConfig {
        client_id: Some("42".into()),
        url: "wss://soketi.deapi.ai/app/depin-api-prod-key".into(),
        app_key: "depin-api-prod-key".into(),
        auth_endpoint: "https://api.deapi.ai/broadcasting/auth".into(),
        reconcile_interval_ms: 10_000.0,
        relay: None,
        web_socket: false,
    };
    let mut link = Link::new(&cfg).expect("a link");
    // the binding's view: is a socket open?
    let mut open = false;
    let mut subscribed = false;
    for (i, step) in c.steps.iter().enumerate() {
        let random = (i as f64 * 0.37) % 1.0;
        let before = link.state();
        let current = link.socket_id().map(str::to_owned);
        let id = |now: &bool| if *now { current.as_deref().unwrap_or("0.0") } else { "7.7" };
        let input = match step {
            LinkStep::Open => Input::Open,
            LinkStep::Release => Input::Release,
            LinkStep::Close => Input::Close,
            LinkStep::CannotConnect => Input::CannotConnect("no WebSocket"),
            LinkStep::Frame(t) => Input::Frame(&t.0),
            LinkStep::Auth(now, status, body) => Input::AuthAnswer { socket_id: id(now), status: *status, body: &body.0 },
            LinkStep::AuthUnreachable(now) => Input::AuthUnreachable { socket_id: id(now) },
            LinkStep::Closed(code) => Input::Closed { code: *code },
            LinkStep::Fired(t) => Input::Fired(TIMERS[*t]),
        };
        // the binding reports a close of the open socket only
        if matches!(step, LinkStep::Closed(_)) && !open {
            continue;
        }
        if matches!(step, LinkStep::Closed(_)) {
            open = false;
        }
        // frames come from an open socket only
        if matches!(step, LinkStep::Frame(_)) && !open {
            continue;
        }
        let actions = link.on(input, random);
        if before == State::Closed {
            assert!(actions.is_empty(), "closed, yet {actions:?}");
        }
        for a in &actions {
            match a {
                Action::Connect(url) => {
                    assert!(!open, "a second socket");
                    assert!(url.starts_with("wss://soketi.deapi.ai/app/depin-api-prod-key?protocol=7&client=deapi-wasm"));
                    assert_eq!(link.state(), State::Connecting);
                    open = true;
                }
                Action::Disconnect => {
                    open = false;
                    subscribed = false;
                }
                Action::Start(t, ms) => {
                    assert!(ms.is_finite() && *ms >= 0.0 && *ms <= 120_000.0, "{t:?} {ms}");
                    if *t == Timer::Reconnect {
                        assert!(!open && *ms <= 30_000.0);
                    }
                }
                Action::Send(frame) => {
                    assert!(open, "sent on no socket: {frame}");
                    assert!(crate_json::parse_json(frame).is_some());
                }
                Action::Authorize { socket_id, body } => {
                    assert!(open);
                    assert_eq!(Some(socket_id.as_str()), link.socket_id());
                    assert_eq!(crate_json::parse_json(body).as_ref().and_then(|j| j.get("socket_id")).and_then(Json::as_str), Some(socket_id.as_str()));
                }
                Action::Subscribed => {
                    assert!(open && link.state() == State::Connected);
                    subscribed = true;
                }
                Action::Event(e) => assert!(open && e.progress.is_none_or(|p| (0.0..=100.0).contains(&p))),
                Action::State(s) => assert_eq!(*s, link.state()),
                Action::Unavailable(m) => assert!(m.starts_with("realtime: ") && link.state() == State::Unavailable && !open),
                Action::Stop(_) => {}
            }
        }
        if matches!(link.state(), State::Idle | State::Unavailable | State::Closed) {
            assert!(!open, "{:?} with a socket open", link.state());
        }
    }
    match (link.state(), subscribed) {
        (State::Connected, true) => "connected",
        (State::Connected, false) => panic!("connected without a subscription"),
        (State::Unavailable, _) => "unavailable",
        (State::Closed, _) => "closed",
        (State::Connecting, _) => "connecting",
        (State::Idle, _) => "idle",
    }
}

#[test]
fn fuzz_realtime_link() {
    fuzz("realtime_link", gen_link, check_link);
}

// =================================================================================================
// The SSE relay's stream (core::relay): framing, event order, the key never written
// =================================================================================================

#[derive(Debug)]
struct RelayCase {
    /// The API key whose parts must never be written.
    key: Txt,
    steps: Vec<RelayStep>,
}

#[derive(Debug)]
enum RelayStep {
    /// (the status word, the status as text)
    Status(Txt, Txt),
    Done(Txt),
    Error(Json),
}

const RELAY_WORDS: &[&str] = &["pending", "processing", "in_progress", "done", "DONE", "completed", "error", "failed", "", "queued"];

fn gen_relay(r: &mut Rng) -> RelayCase {
    let secret: String = (0..r.int(8, 24)).map(|_| *r.pick(&['a', 'Z', '0', '9', 'q', 'k'])).collect();
    let key = format!("{}|k{secret}", r.int(1, 99_999));
    // text that may hold the key, its secret half, line breaks of every kind, JSON or not
    let text = |r: &mut Rng| -> String {
        let mut t = if r.p(0.5) { crate_json::to_text(&json(r, 3, RESPONSE)) } else { string(r) };
        for _ in 0..r.below(4) {
            let piece = match r.below(6) {
                0 => key.clone(),
                1 => key.split_once('|').map(|(_, s)| s.to_owned()).unwrap_or_default(),
                2 => "\r\n".to_owned(),
                3 => "\r".to_owned(),
                4 => "\n".to_owned(),
                _ => string(r),
            };
            let at = (0..=t.len()).filter(|i| t.is_char_boundary(*i)).nth(r.below(t.chars().count() + 1)).unwrap_or(t.len());
            t.insert_str(at, &piece);
        }
        t
    };
    let steps = (0..r.below(12))
        .map(|_| match r.below(10) {
            0 => RelayStep::Done(Txt(text(r))),
            1 => RelayStep::Error(if r.p(0.5) { json(r, 3, RESPONSE) } else { obj(vec![("name", s("JobFailedError")), ("message", s(&text(r))), ("status", Json::Null)]) }),
            _ => RelayStep::Status(Txt(r.pick(RELAY_WORDS).to_string()), Txt(text(r))),
        })
        .collect();
    RelayCase { key: Txt(key), steps }
}

/// The events a text/event-stream holds, read by the WHATWG rules (`event:`, `data:` lines joined
/// with "\n", a blank line dispatches, `:` comments ignored).
fn read_sse(stream: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let (mut name, mut data): (String, Option<String>) = (String::new(), None);
    let mut rest = stream;
    while !rest.is_empty() {
        let end = rest.find(['\r', '\n']).unwrap_or(rest.len());
        let line = &rest[..end];
        let tail = &rest[end..];
        rest = tail.strip_prefix("\r\n").or_else(|| tail.strip_prefix('\r')).or_else(|| tail.strip_prefix('\n')).unwrap_or("");
        if line.is_empty() {
            if let Some(d) = data.take() {
                out.push((std::mem::take(&mut name), d));
            }
            name.clear();
        } else if line.starts_with(':') {
        } else {
            let (field, value) = line.split_once(':').map_or((line, ""), |(f, v)| (f, v.strip_prefix(' ').unwrap_or(v)));
            match field {
                "event" => name = value.to_owned(),
                "data" => data = Some(match data.take() { Some(d) => d + "\n" + value, None => value.to_owned() }),
                _ => {}
            }
        }
    }
    out
}

fn check_relay(c: &RelayCase) -> &'static str {
    let parts: Vec<String> = key_parts(&c.key.0).map(str::to_owned).collect();
    let mut stream = relay::Stream::new(parts.clone());
    let mut ended = false;
    let mut written = String::new();
    let lines = |t: &str| t.replace("\r\n", "\n").replace('\r', "\n");
    for step in &c.steps {
        let (out, want_name, text) = match step {
            RelayStep::Status(word, text) => (stream.status(&word.0, text.0.clone()), relay::STATUS, text.0.clone()),
            RelayStep::Done(text) => (stream.done(text.0.clone()), relay::DONE, text.0.clone()),
            RelayStep::Error(e) => {
                let text = crate_json::to_text(&relay::error_fields(e.clone()));
                (stream.error(text.clone()), relay::ERROR, text)
            }
        };
        let Some(out) = out else { continue };
        assert!(!ended, "nothing is written after done or error");
        if want_name == relay::STATUS {
            let RelayStep::Status(word, _) = step else { unreachable!() };
            assert_eq!(jobs::phase(&obj(vec![("status", s(&word.0))])), Phase::Running, "a status event only while running");
        } else {
            ended = true;
        }
        // exactly one event, named as asked, whose data is the text (redacted) with its line breaks as "\n"
        let events = read_sse(&out);
        assert_eq!(events.len(), 1, "one event per write: {out:?}");
        assert_eq!(events[0].0, want_name);
        let mut redacted = text;
        for p in &parts {
            deapi_wasm::core::text::redact_str(&mut redacted, p);
        }
        assert_eq!(events[0].1, lines(&redacted));
        assert!(out.ends_with("\n\n"));
        written.push_str(&out);
    }
    for p in &parts {
        assert!(!written.contains(p.as_str()), "the key is never written");
    }
    assert_eq!(stream.ended(), ended);
    if ended { "ended" } else if written.is_empty() { "nothing" } else { "open" }
}

#[test]
fn fuzz_relay_stream() {
    fuzz("relay_stream", gen_relay, check_relay);
}

// ---- fleet_quota: core::fleet ----

#[derive(Debug)]
struct FleetCase {
    status: u16,
    headers: Vec<(&'static str, String)>,
    answer: (Option<bool>, Option<f64>, Option<String>),
    reply: (f64, f64),
    key: String,
    steps: Vec<(bool, f64)>,
}

fn gen_fleet(r: &mut Rng) -> FleetCase {
    const NAMES: &[&str] = &["retry-after", "x-ratelimit-limit", "x-ratelimit-remaining", "x-ratelimit-daily-limit", "x-ratelimit-daily-remaining", "x-ratelimit-type"];
    let status = if r.p(0.5) { 429 } else { *r.pick(STATUSES) };
    let mut headers = Vec::new();
    for n in NAMES {
        if r.p(0.6) {
            let v = if r.p(0.5) { number_text(r) } else if r.p(0.3) { date_text(r).0 } else { string(r) };
            headers.push((*n, v));
        }
    }
    let opt_num = |r: &mut Rng| r.p(0.8).then(|| num(r, true));
    let answer = (r.p(0.8).then(|| r.p(0.5)), opt_num(r), r.p(0.7).then(|| r.one(&["minute", "paused", "daily", "probe", "", "MINUTE", "later"]).to_owned()));
    let reply = (num(r, true), num(r, true));
    let secret = string(r);
    let key = match r.below(4) {
        0 => [&number_text(r), "|", &secret].concat(),
        1 => secret,
        2 => String::new(),
        _ => ["|", &secret].concat(),
    };
    let steps = (0..r.below(20)).map(|_| (r.p(0.5), r.unit() * 10_000.0)).collect();
    FleetCase { status, headers, answer, reply, key, steps }
}

fn check_fleet(c: &FleetCase) -> &'static str {
    let header = |n: &str| c.headers.iter().find(|(k, _)| *k == n).map(|(_, v)| v.clone());
    let report = fleet::report_of(c.status, &header, 1_795_690_800_000.0);
    if let Some(rep) = &report {
        assert!(rep.pause_ms.is_finite() && (0.0..=86_400_000.0).contains(&rep.pause_ms), "{rep:?}");
        if c.status != 429 {
            assert!(rep.pause_ms == 0.0 && !rep.daily_spent, "only a 429 pauses: {rep:?}");
        }
    } else if c.status == 429 {
        // (a Retry-After of 0 s, or a date already past: the server says retry now, no fleet pause)
        assert!(header("retry-after").is_some(), "a 429 without Retry-After pauses the fleet for a second");
    }
    for a in [fleet::read_answer(c.answer.0, c.answer.1, c.answer.2.as_deref()), fleet::script_answer(c.reply.0, c.reply.1)] {
        if let Some(Answer::Wait(ms, _)) = a {
            assert!(ms.is_finite() && ms >= 1.0, "a wait is a finite delay: {ms}");
        }
    }
    let tag = fleet::key_tag(Some(&c.key));
    assert!(tag == "keyless" || (tag.len() == 16 && tag.bytes().all(|b| b.is_ascii_hexdigit())), "{tag}");
    let [log, meta] = fleet::redis_keys(fleet::DEFAULT_PREFIX, &tag, "images/generations");
    assert_eq!((log.matches('{').count(), meta.matches('}').count()), (1, 1), "one hash tag");
    if let Some((_, secret)) = c.key.split_once('|') {
        if secret.len() >= 8 {
            assert!(!log.contains(secret) && !meta.contains(secret), "the key's secret never names a key");
        }
    }
    let mut b = Breaker::default();
    let mut now = 0.0;
    for (fail, dt) in &c.steps {
        now += dt;
        if b.use_store(now) {
            if *fail {
                b.failure(now);
            } else {
                b.success();
            }
        }
        if !b.is_open() {
            assert!(b.use_store(now), "a closed breaker asks the store");
            b.success();
        }
    }
    match report {
        Some(r) if r.pause_ms > 0.0 => "paused",
        Some(_) => "reported",
        None => "silent",
    }
}

#[test]
fn fuzz_fleet_quota() {
    fuzz("fleet_quota", gen_fleet, check_fleet);
}

// =================================================================================================
// Sanity of the test's own oracles
// =================================================================================================

#[test]
fn oracle_sanity() {
    // RFC 4231 test cases 2 and 6 (a key longer than the block)
    assert_eq!(hex(&hmac_sha256(b"Jefe", &[b"what do ya want ", b"for nothing?"])), "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
    assert_eq!(
        hex(&hmac_sha256(&[0xaa; 131], &[b"Test Using Larger Than Block-Size Key - Hash Key First"])),
        "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54"
    );
    // the date oracle: 1994-11-06T08:49:37Z
    assert_eq!(days_since_epoch(1994, 11, 6) * 86_400 + 8 * 3600 + 49 * 60 + 37, 784_111_777);
    assert_eq!(days_since_epoch(2000, 3, 1), 11_017);
    // JSON text round trip and the depth cut
    let j = parse_json(br#"{"b":1,"a":[true,null,"x\u0000"],"b":2}"#).unwrap();
    assert_eq!(to_text(&j), r#"{"b":2.0,"a":[true,null,"x\u0000"]}"#);
    let deep = "[".repeat(100) + &"]".repeat(100);
    assert!(parse_json(deep.as_bytes()).is_some());
    // every seed body is what the corpus claims (JSON where it should be)
    assert!(SEEDS.iter().filter(|s| parse_json(s.as_bytes()).is_some()).count() >= 25);
    // a generated case is a pure function of its seed
    let a = format!("{:?}", gen_error(&mut Rng::new(7)));
    let b = format!("{:?}", gen_error(&mut Rng::new(7)));
    assert_eq!(a, b);
}
