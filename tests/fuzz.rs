//! Property tests of the pure modules (proptest): no input makes the decoders, the JSON reader, the
//! webhook verifier, validation or the request builder panic, and each keeps its promises. The
//! properties live in `tests/props/` (shared with the coverage-guided targets in `fuzz/`), the
//! strategies in `tests/fuzz/gen.rs`.
//!
//! Run (the test command; ~20 s of cases in all, split evenly over the 17 targets, which libtest runs
//! in parallel):
//!     cargo test --release --test fuzz -- --nocapture
//! Longer: `FUZZ_SECS=600` (total seconds; default 20, 4 in a debug build). A fixed number of cases
//! per target instead of a time budget: `PROPTEST_CASES=N`. Integer overflow too (the wasm release
//! build wraps silently): `CARGO_PROFILE_RELEASE_OVERFLOW_CHECKS=true`. `FUZZ_FULL=1` shows failing
//! inputs whole (long texts are cut at 300 characters otherwise).
//!
//! A failing case is shrunk (proptest: shorter lists, simpler alternatives, smaller numbers, fewer
//! mutations) and reported with the panic's message; its seed is appended to
//! `proptest-regressions/fuzz.txt`, which is committed: every later run replays the persisted seeds
//! first, so a failure once found stays a test (delete a line only with the fix that makes it pass
//! for a reason the commit gives).
//!
//! Targets and their properties:
//! - `error_decoder` (`decode_http_error`, any status, headers and body): a non-blank message; the
//!   status kept; the kind from the status (422 with a `balance` field error: insufficient balance);
//!   one `FieldError` per string message of `errors` (object or list form), in order, a field without
//!   one getting a message of its own; the server's message (`message`/`error`, string or `{message}`)
//!   or the default "deAPI request failed: HTTP n"; the body kept; `finish` cuts long texts on a char
//!   boundary with `…`, keeps at most `MAX_FIELD_ERRORS` errors within `MAX_ERRORS_TEXT` bytes and a
//!   pruned body; a finite, non-negative `retry_after`; `rate_limit` iff rate-limit headers.
//! - `job_status` (`decode_status`, `phase`, `failure`, `timeout`): accepted iff `status` (in `data`
//!   or at the top) is a string; `request_id` first and once; `progress` present, null or finite;
//!   the phase from the status word; failure and timeout errors name the job; otherwise an
//!   InvalidResponseError with the status and body.
//! - `models` (`model`, `models_page`): keys kept in order; `inference_types` a list of strings;
//!   `info` with `limits`, `features`, `defaults` first, no numeric strings left in limits/defaults,
//!   lenient booleans made booleans; a page accepted iff `data` is a list, one model per object,
//!   `lastPage ≥ currentPage`, finite numbers.
//! - `envelopes` (`submit`, `price`, `balance`, `enhanced`): a non-empty request id from
//!   `data.request_id` (string or number); a finite price, a boolean `is_estimated`; a finite balance;
//!   a string prompt; otherwise InvalidResponseError with the status and body.
//! - `webhook` (`verify`): the answer (ok or the reason) equals the spec's, computed with another
//!   HMAC-SHA256 implementation (`props::oracles`, RFC 4231-checked); a tampered payload, secret,
//!   timestamp or signature is never accepted; an accepted delivery returns the raw body; the secret
//!   never appears in an error.
//! - `validate` (`validate::check` over every operation in `api::OPS`): only ValidationErrors, never
//!   without field errors, no blank field or message, the message "first (and n more errors)".
//! - `request` (`parse_options`, `build`, `json_body`, `redacted_headers`): a normalised config
//!   (base URL, timeouts, retries, a clean key) or an InvalidOptionsError; `json_body` agrees with
//!   `build`; one ValidationError per top-level field holding a non-finite number; the method, the
//!   URL under the base URL with every byte percent-encoded, the job id encoded, one `?` per query;
//!   one Authorization header `Bearer <key>`, shown redacted; a JSON body without null fields, in
//!   order, iff no upload and the operation is not multipart; otherwise one form part per non-null
//!   leaf, in document order, holding that leaf (uploads by index, booleans as 1/0) under its key.
//! - `policy` (`RetryPolicy`, `WaitOptions`, `parse_call_timeout`): finite, non-negative backoffs and
//!   delays; no retry past `max_retries` or of a status other than 429/500/502/503/504; a Retry-After
//!   wait capped by `max_retry_after_ms`; poll delays within the maximum; timeouts within the timer range.
//! - `parsers`: `parse_number` accepts only what `str::parse::<f64>` accepts, with the same value;
//!   `parse_http_date` of a well-formed date equals a count of days (`oracles::days_since_epoch`);
//!   `parse_retry_after` finite and non-negative, a number as itself; `fmt_num` round-trips to 6
//!   decimals, writes integers past 2^53 exactly and says "(past 2^64)" beyond; every sniffed MIME
//!   type has an extension; `default_filename` ends with the extension.
//! - `redaction`: a key planted anywhere in an error's strings (message, fields, body keys and values,
//!   rate-limit headers, job fields) is gone after `redact`, and after `finish` neither the key nor
//!   its secret half nor a prefix of 8+ characters left by a cut survives.
//! - `raw_bytes`: bytes (mutated seeds, random, generated) as a response body into every decoder,
//!   validation and the request builder, with the properties above.
//! - `json_text` (JSON text in odd styles — escapes, lone surrogates, long and overflowing numbers,
//!   deep and wide values, mutated bodies): the reader agrees with Node's `JSON.parse` (accepts the
//!   same texts, makes the same values up to the documented departures), `read_json` with
//!   `parse_json`, depth ≤ `MAX_DEPTH + 1`; the writer's text reads back (by the crate and by
//!   `JSON.parse`) as the same value; then as every header, as a signed webhook payload (accepted,
//!   returned as is) and into every decoder.
//! - `realtime_frames` (`decode_frame`; real soketi frames mutated, structured frames with wrong
//!   types, other channels, double-encoded or object `data`, previews past the frame cap):
//!   deterministic; over the cap ignored unread; not a JSON object → NotJson; socket ids `n.n`, ping
//!   and pong deadlines in range; events only for our channel, progress in 0–100, safe request ids,
//!   http(s)/data:image URLs, the JobStatus five fields that read back the same.
//! - `realtime_auth`: the subscribe frame and auth body read back as what was put in; `after_close`
//!   never reconnects on 4000–4099, else within 0–30 s (at once only for 42xx on the first attempt,
//!   else ≥ 1 s); the early-event buffer holds ≤ 8 jobs; `decode_auth` accepts only a 2xx JSON
//!   `{"auth": "<app key>:<64 hex>"}`, else Refused (401/403), Http or Invalid.
//! - `realtime_link` (`Link` fed random inputs): one socket at a time, nothing sent without one,
//!   nothing done after `close()`, timers in range, the state reported as it is, Connected only with
//!   a subscription.
//! - `relay_stream` (`relay::Stream`): each write is one event as `EventSource` reads it (WHATWG
//!   rules), named as asked, its data the text redacted with line breaks as `\n`; `status` only while
//!   running; nothing after `done` or `error`; the key never written.
//! - `fleet_quota` (`core::fleet`): a report's pause within a day, only a 429 pauses; store answers
//!   read strictly (a wait is a finite delay ≥ 1 ms); a key's tag is `keyless` or 16 hex digits, one
//!   hash tag per Redis key, the key's secret never in a name; a closed breaker asks the store.
//! - `oracles`: the oracles themselves (RFC 4231's seven vectors, the day count, Node's JSON.parse
//!   form, the seeds are JSON where they should be).
#![cfg(not(target_arch = "wasm32"))]
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]
#![allow(clippy::disallowed_methods, clippy::disallowed_macros, clippy::disallowed_types)] // the size rules (clippy.toml) are for the module

#[path = "fuzz/strategies.rs"]
mod gen;
#[path = "props/mod.rs"]
mod props;

use props::checks::*;
use props::oracles::{days_since_epoch, hex, hmac_sha256, node_parse, rfc4231, same_js_value};
use proptest::strategy::Strategy;
use proptest::test_runner::{Config, FileFailurePersistence, TestCaseError, TestError, TestRunner};
use std::cell::{Cell, RefCell};
use std::fmt::Debug;
use std::sync::Once;
use std::time::{Duration, Instant};

/// Number of `#[test]` targets below that share `FUZZ_SECS`.
const TARGETS: u32 = 17;

thread_local! {
    static IN_CASE: Cell<bool> = const { Cell::new(false) };
}

/// A panic inside a case is a failed property that proptest reports (after shrinking) with its
/// message: the default hook would print every one of the shrinking steps' panics too.
fn quiet_panics_in_cases() {
    static ONCE: Once = Once::new();
    ONCE.call_once(|| {
        let default = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            if !IN_CASE.with(Cell::get) {
                default(info);
            }
        }));
    });
}

fn budget() -> Duration {
    let default = if cfg!(debug_assertions) { 4.0 } else { 20.0 };
    let total = std::env::var("FUZZ_SECS").ok().and_then(|v| v.trim().parse::<f64>().ok()).filter(|s| s.is_finite() && *s >= 0.0).unwrap_or(default);
    Duration::from_secs_f64(total / f64::from(TARGETS))
}

/// Run `check` on inputs of `strategy`: first the seeds persisted in `proptest-regressions/fuzz.txt`,
/// then batches of new cases until the target's share of `FUZZ_SECS` is spent (or `PROPTEST_CASES`
/// cases, when set). A failure is shrunk, persisted and reported.
fn fuzz<T: Debug + Clone>(name: &str, strategy: impl Strategy<Value = T>, check: fn(&T) -> &'static str) {
    quiet_panics_in_cases();
    let fixed = std::env::var("PROPTEST_CASES").ok().and_then(|v| v.trim().parse::<u32>().ok());
    let config = Config {
        cases: fixed.unwrap_or(32),
        failure_persistence: Some(Box::new(FileFailurePersistence::Direct("proptest-regressions/fuzz.txt"))),
        source_file: Some(file!()),
        // shrinking a large input may take many steps; past a minute, the smallest input so far
        max_shrink_time: 60_000,
        ..Config::default()
    };
    let (start, budget) = (Instant::now(), budget());
    let labels: RefCell<Vec<(&'static str, u64)>> = RefCell::new(Vec::new());
    let mut run = 0u64;
    loop {
        let mut runner = TestRunner::new(config.clone());
        let result = runner.run(&strategy, |input| {
            IN_CASE.with(|c| c.set(true));
            let outcome = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| check(&input)));
            IN_CASE.with(|c| c.set(false));
            match outcome {
                Ok(label) => {
                    let mut l = labels.borrow_mut();
                    match l.iter_mut().find(|(x, _)| *x == label) {
                        Some(slot) => slot.1 += 1,
                        None => l.push((label, 1)),
                    }
                    Ok(())
                }
                Err(e) => {
                    let why = e.downcast_ref::<String>().cloned().or_else(|| e.downcast_ref::<&str>().map(|s| (*s).to_owned())).unwrap_or_else(|| "a panic".into());
                    Err(TestCaseError::fail(why))
                }
            }
        });
        run += u64::from(config.cases);
        match result {
            Ok(()) => {}
            Err(TestError::Fail(why, input)) => {
                panic!("fuzz target `{name}` failed: {why}\n-- minimal failing input (shrunk; its seed is persisted in proptest-regressions/fuzz.txt):\n{input:#?}")
            }
            Err(TestError::Abort(why)) => panic!("fuzz target `{name}` aborted: {why}"),
        }
        if fixed.is_some() || start.elapsed() >= budget {
            break;
        }
    }
    let secs = start.elapsed().as_secs_f64();
    let mut labels = labels.into_inner();
    labels.sort_by_key(|l| std::cmp::Reverse(l.1));
    let total: u64 = labels.iter().map(|l| l.1).sum();
    let shown: Vec<String> = labels.iter().take(8).map(|(l, n)| format!("{l} {:.0}%", *n as f64 * 100.0 / total.max(1) as f64)).collect();
    println!("fuzz {name:<15} {run:>7} cases in {secs:5.1} s; outcomes: {}", shown.join(", "));
}

#[test]
fn fuzz_error_decoder() {
    fuzz("error_decoder", gen::error_case(), |c| check_error(&c.meta, &c.body.body(), c.now));
}

#[test]
fn fuzz_job_status() {
    let st = (gen::status(), proptest::prop_oneof![6 => gen::job_status(), 1 => gen::any_body()], proptest::prop_oneof![4 => proptest::strategy::Just("c08a339c-73e5".to_owned()), 1 => gen::string()]);
    fuzz("job_status", st, |(status, body, rid)| check_status(*status, body, rid));
}

#[test]
fn fuzz_models() {
    let st = (proptest::prop_oneof![6 => gen::models_page_body(), 1 => gen::any_body()], proptest::prop_oneof![9 => gen::model_json(&[]), 1 => gen::json(4, gen::RESPONSE)]);
    fuzz("models", st.prop_map(|(p, o)| (props::J(p), props::J(o))), |(page, one)| check_models(&page.0, &one.0));
}

#[test]
fn fuzz_envelopes() {
    let st = (proptest::sample::select(&[200u16, 201, 202][..]), proptest::prop_oneof![4 => gen::envelope_body(), 1 => gen::any_body()]);
    fuzz("envelopes", st.prop_map(|(s, b)| (s, props::J(b))), |(status, body)| check_envelopes(*status, &body.0));
}

#[test]
fn fuzz_webhook() {
    fuzz("webhook", gen::hook(), check_hook);
}

#[test]
fn fuzz_validate() {
    fuzz("validate", gen::validate_case(), check_validate);
}

#[test]
fn fuzz_request() {
    fuzz("request", gen::request_case(), check_request);
}

#[test]
fn fuzz_policy() {
    fuzz("policy", gen::policy_case(), check_policy);
}

#[test]
fn fuzz_parsers() {
    fuzz("parsers", gen::parser_case(), check_parsers);
}

#[test]
fn fuzz_redaction() {
    fuzz("redaction", gen::redact_case(), check_redact);
}

#[test]
fn fuzz_raw_bytes() {
    let ops = proptest::sample::select(deapi_wasm::core::api::OPS.iter().map(|o| o.name).collect::<Vec<_>>());
    let st = (gen::body_bytes(), gen::status(), ops);
    fuzz("raw_bytes", st.prop_map(|(b, s, o)| (props::Bytes(b), s, o)), |(bytes, status, op)| feed_decoders(&String::from_utf8_lossy(&bytes.0), *status, op));
}

#[test]
fn fuzz_json_text() {
    fuzz("json_text", gen::json_text_case(), check_json_text);
}

#[test]
fn fuzz_realtime_frames() {
    fuzz("realtime_frames", gen::rt_frame().prop_map(props::Txt), |t| check_frame(&t.0));
}

#[test]
fn fuzz_realtime_auth() {
    fuzz("realtime_auth", gen::auth_case(), check_auth);
}

#[test]
fn fuzz_realtime_link() {
    fuzz("realtime_link", gen::link_case(), check_link);
}

#[test]
fn fuzz_relay_stream() {
    fuzz("relay_stream", gen::relay_case(), check_relay);
}

#[test]
fn fuzz_fleet_quota() {
    fuzz("fleet_quota", gen::fleet_case(), check_fleet);
}

// =================================================================================================
// The oracles themselves
// =================================================================================================

#[test]
fn oracles() {
    // RFC 4231's seven HMAC-SHA-256 test cases (case 5: the first 128 bits)
    for (key, data, want) in rfc4231() {
        let mac = hex(&hmac_sha256(&key, &[&data]));
        assert_eq!(&mac[..want.len()], want, "RFC 4231 vector with a {}-byte key", key.len());
    }
    // in parts, as the webhook's signed text ("<ts>.<payload>") is fed
    assert_eq!(hex(&hmac_sha256(b"Jefe", &[b"what do ya want ", b"for nothing?"])), "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
    // the date oracle: 1994-11-06T08:49:37Z
    assert_eq!(days_since_epoch(1994, 11, 6) * 86_400 + 8 * 3600 + 49 * 60 + 37, 784_111_777);
    assert_eq!(days_since_epoch(2000, 3, 1), 11_017);
    // Node's JSON.parse, in the oracle's form: repeated keys fold, a lone surrogate becomes U+FFFD,
    // 1e999 null, nesting past MAX_DEPTH null; a syntax error is no value
    use deapi_wasm::core::json::{parse_json, Json, MAX_DEPTH};
    match node_parse(r#"{"b":1,"a":[true,null,"x\u0000","\ud800",1e999,-0],"b":2}"#) {
        Some(node) => {
            let want = parse_json(r#"{"b":2,"a":[true,null,"x\u0000","\ufffd",null,0]}"#).unwrap();
            assert!(same_js_value(node.as_ref().unwrap(), &want), "{node:?}");
            assert_eq!(node_parse("{\"a\":1,}"), Some(None));
            assert_eq!(node_parse("[1] 2"), Some(None));
            let deep = "[".repeat(MAX_DEPTH as usize + 3) + &"]".repeat(MAX_DEPTH as usize + 3);
            let node = node_parse(&deep).unwrap().unwrap();
            assert!(same_js_value(&node, &parse_json(&deep).unwrap()));
            assert_eq!(node.depth(), MAX_DEPTH + 1);
            // the comparison is not vacuous
            assert!(!same_js_value(&Json::Num(1.0), &Json::Str("1".into())));
            assert!(!same_js_value(&parse_json(r#"{"a":1}"#).unwrap(), &parse_json(r#"{"a":1,"b":1}"#).unwrap()));
        }
        None => println!("fuzz: skipped: the JSON.parse oracle's own checks (no node)"),
    }
    // every seed body is what the corpus claims (JSON where it should be)
    assert!(props::seeds::SEEDS.iter().filter(|s| parse_json(s).is_some()).count() >= 25);
    assert!(props::seeds::RT_SEEDS.iter().all(|s| parse_json(s).is_some()));
}
