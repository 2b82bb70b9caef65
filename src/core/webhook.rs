//! Webhook signatures (deapi-api.md §5.1): is a delivery really from deAPI, unchanged and fresh?
//!
//! deAPI signs every delivery with the job's `webhook_secret` (v2) or the account's webhook secret:
//! `X-DeAPI-Signature: sha256=<hex(HMAC_SHA256(secret, X-DeAPI-Timestamp + "." + raw_body))>`,
//! `X-DeAPI-Timestamp: <Unix seconds>`. The MAC covers the RAW body bytes exactly as received
//! (PHP escapes `/` as `\/`; re-serialising a parsed object changes the bytes and breaks it).
//! Deliveries more than `tolerance_sec` from now (300 s by default, either way; at most a day) are
//! rejected as replays or clock trouble. The MAC is compared in constant time. The headers' syntax
//! and the timestamp's freshness are checked first, and the payload's size (`maxPayloadBytes`,
//! 1 MiB by default) before its bytes are copied into the module ([`options::precheck`], [`options::Checked`]).
//!
//! The logic ([`verify`]) is pure and tested natively with a `now_secs` parameter; the JS binding
//! (`verifyWebhook`) is `crate::wasm::webhook`; the options it reads are checked in [`options`].


use crate::core::error::{ApiError, Body, Kind};
use crate::core::json::Json;
use crate::core::text::{digits, hex_digit};
use hmac::{Hmac, Mac};
use sha2::Sha256;

/// Largest accepted |now − timestamp| unless the caller says otherwise (deAPI's own advice).
pub const DEFAULT_TOLERANCE_SEC: f64 = 300.0;
/// The largest `toleranceSec`: a day. Past the window a captured delivery can be replayed, and the
/// receiver must remember every `delivery_id` it saw within it to refuse a replay; a day already
/// covers any clock skew or queueing delay.
pub const MAX_TOLERANCE_SEC: f64 = 86_400.0;
/// `maxPayloadBytes` by default: 1 MiB (deAPI's deliveries are about a kilobyte).
pub const DEFAULT_MAX_PAYLOAD_BYTES: f64 = 1_048_576.0;
/// The largest `maxPayloadBytes`: 64 MiB.
pub const MAX_PAYLOAD_BYTES: f64 = 67_108_864.0;

const PREFIX: &str = "sha256=";
/// Longest accepted timestamp: 15 digits stay exact in an f64 (and reach year 31 million).
const MAX_TIMESTAMP_DIGITS: usize = 15;

/// Why a delivery was rejected: `error.reason` in JS.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Reason {
    MissingSignature,
    MalformedSignature,
    Mismatch,
    Stale,
    Future,
    BadTimestamp,
    BadSecret,
    BadPayload,
    PayloadTooLarge,
}

impl Reason {
    pub fn as_str(self) -> &'static str {
        match self {
            Reason::MissingSignature => "missing_signature",
            Reason::MalformedSignature => "malformed_signature",
            Reason::Mismatch => "mismatch",
            Reason::Stale => "stale",
            Reason::Future => "future",
            Reason::BadTimestamp => "bad_timestamp",
            Reason::BadSecret => "bad_secret",
            Reason::BadPayload => "bad_payload",
            Reason::PayloadTooLarge => "payload_too_large",
        }
    }
}

/// A `WebhookVerificationError`: code `webhook_verification`, `body: {reason}`, message `detail`.
pub fn rejection(reason: Reason, detail: &str) -> ApiError {
    let mut e = ApiError::new(Kind::WebhookVerification, detail.to_owned());
    e.body = Some(Body::Json(Json::Obj(vec![("reason".into(), Json::str(reason.as_str()))])));
    e
}

/// The reason of a [`rejection`] (`None` for any other error).
pub fn reason_of(e: &ApiError) -> Option<&str> {
    match (&e.kind, &e.body) {
        (Kind::WebhookVerification, Some(Body::Json(j))) => j.get("reason").and_then(Json::as_str),
        _ => None,
    }
}

/// One delivery as the caller's HTTP framework hands it over.
#[derive(Clone, Copy, Debug)]
pub struct Delivery<'a> {
    /// The raw request body, byte for byte.
    pub payload: &'a [u8],
    /// `X-DeAPI-Signature` (`None` when the header is absent).
    pub signature: Option<&'a str>,
    /// `X-DeAPI-Timestamp` (`None` when the header is absent).
    pub timestamp: Option<&'a str>,
    pub secret: &'a str,
    /// Largest accepted |now − timestamp|, in seconds.
    pub tolerance_sec: f64,
    /// Largest accepted payload, in bytes.
    pub max_payload_bytes: f64,
}

/// The checks on the caller's own configuration, done before anything is read from the delivery.
/// The secret is never put into a message.
pub fn check_config(secret: &str, tolerance_sec: f64, max_payload_bytes: f64) -> Result<(), ApiError> {
    if secret.is_empty() {
        return Err(rejection(
            Reason::BadSecret,
            "`secret` must be a non-empty string (the job's webhook_secret, \
             or the account's webhook secret from the deAPI dashboard)",
        ));
    }
    if !(tolerance_sec.is_finite() && (0.0..=MAX_TOLERANCE_SEC).contains(&tolerance_sec)) {
        return Err(ApiError::invalid_option("toleranceSec", "must be a number of seconds from 0 to 86400 (a day; default 300)"));
    }
    if !(max_payload_bytes.fract() == 0.0 && (1.0..=MAX_PAYLOAD_BYTES).contains(&max_payload_bytes)) {
        return Err(ApiError::invalid_option("maxPayloadBytes", "must be an integer from 1 to 67108864 (64 MiB; default 1048576)"));
    }
    Ok(())
}

/// Is a delivery signed at `ts` fresh at `now_secs`?
fn fresh(ts: f64, now_secs: f64, tolerance_sec: f64) -> Result<(), ApiError> {
    let age = now_secs - ts;
    if age > tolerance_sec {
        return Err(rejection(
            Reason::Stale,
            &["X-DeAPI-Timestamp is ", itoa::Buffer::new().format(whole(age)), " s old, more than toleranceSec", &shown(tolerance_sec), ": \
                 a replayed or long-delayed delivery, or a wrong server clock"].concat(),
        ));
    }
    if -age > tolerance_sec {
        return Err(rejection(
            Reason::Future,
            &["X-DeAPI-Timestamp is ", itoa::Buffer::new().format(whole(-age)), " s in the future, more than toleranceSec", &shown(tolerance_sec), ": \
                 check this server's clock"].concat(),
        ));
    }
    Ok(())
}

/// Is a payload of `size` bytes (`at_least`: a lower bound, a string's UTF-16 length) within the limit?
fn within(size: f64, at_least: bool, max_payload_bytes: f64) -> Result<(), ApiError> {
    if size <= max_payload_bytes {
        return Ok(());
    }
    let size = itoa::Buffer::new().format(size as u64).to_owned();
    Err(rejection(
        Reason::PayloadTooLarge,
        &["the payload is ", if at_least { "at least " } else { "" }, &size, " bytes, more than maxPayloadBytes (", itoa::Buffer::new().format(max_payload_bytes as u64), "): \
             deAPI's deliveries are about a kilobyte"].concat(),
    ))
}

/// The MAC of `timestamp + "." + payload` under `secret`, compared with `expected` in constant time.
fn authentic(secret: &str, timestamp: &str, payload: &[u8], expected: &[u8; 32]) -> Result<(), ApiError> {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes())
        .map_err(|_| rejection(Reason::BadSecret, "the secret cannot be used as an HMAC key"))?;
    mac.update(timestamp.as_bytes());
    mac.update(b".");
    mac.update(payload);
    // `verify_slice` compares in constant time (the `subtle` crate).
    mac.verify_slice(expected).map_err(|_| {
        rejection(
            Reason::Mismatch,
            "the signature does not match. Either the body is not the raw \
             bytes deAPI sent (pass the body exactly as received, never a re-serialised object) or the \
             secret is wrong (a job's webhook_secret replaces the account secret for that job)",
        )
    })
}

/// Verify a delivery at time `now_secs` (Unix seconds). On success, the body as text (for the
/// caller to parse as JSON). Checks in order: configuration, signature syntax, timestamp syntax,
/// freshness, the payload's size, the MAC (constant time), UTF-8 — what needs no payload first, so
/// a replayed or malformed delivery costs no hashing (and, in the binding, no copy of its body).
pub fn verify<'a>(d: &Delivery<'a>, now_secs: f64) -> Result<&'a str, ApiError> {
    check_config(d.secret, d.tolerance_sec, d.max_payload_bytes)?;
    let expected = parse_signature(d.signature)?;
    let timestamp = parse_timestamp(d.timestamp)?;
    fresh(timestamp.secs, now_secs, d.tolerance_sec)?;
    within(d.payload.len() as f64, false, d.max_payload_bytes)?;
    authentic(d.secret, timestamp.text, d.payload, &expected)?;
    core::str::from_utf8(d.payload)
        .map_err(|_| rejection(Reason::BadPayload, "the signed body is not UTF-8 text"))
}

/// `sha256=<64 hex digits>` (hex in either case) → the 32 MAC bytes.
fn parse_signature(header: Option<&str>) -> Result<[u8; 32], ApiError> {
    let value = header.map(str::trim).unwrap_or("");
    if value.is_empty() {
        return Err(rejection(
            Reason::MissingSignature,
            "X-DeAPI-Signature is missing or empty. deAPI sends deliveries \
             unsigned when neither the job's webhook_secret nor an account webhook secret is configured: \
             configure a secret to receive signed deliveries",
        ));
    }
    let malformed = |what: &str| {
        rejection(
            Reason::MalformedSignature,
            &["X-DeAPI-Signature must be `sha256=` followed by 64 hex digits (", what, ")"].concat(),
        )
    };
    let hex = value.strip_prefix(PREFIX).ok_or_else(|| malformed("the `sha256=` prefix is missing"))?;
    if hex.len() != 64 {
        return Err(malformed("wrong length"));
    }
    let mut out = [0u8; 32];
    for (slot, pair) in out.iter_mut().zip(hex.as_bytes().chunks_exact(2)) {
        let byte = match pair {
            [hi, lo] => hex_digit(*hi).zip(hex_digit(*lo)).map(|(h, l)| h << 4 | l),
            _ => None,
        };
        *slot = byte.ok_or_else(|| malformed("not hexadecimal"))?;
    }
    Ok(out)
}

struct Timestamp<'a> {
    /// The digits, as signed.
    text: &'a str,
    secs: f64,
}

/// Unix seconds: ASCII digits only (surrounding whitespace ignored).
fn parse_timestamp(header: Option<&str>) -> Result<Timestamp<'_>, ApiError> {
    let text = header.map(str::trim).unwrap_or("");
    if text.is_empty() {
        return Err(rejection(
            Reason::BadTimestamp,
            "X-DeAPI-Timestamp is missing: pass that header's value (Unix seconds)",
        ));
    }
    let Some(secs) = digits(text).filter(|_| text.len() <= MAX_TIMESTAMP_DIGITS) else {
        return Err(rejection(
            Reason::BadTimestamp,
            "X-DeAPI-Timestamp must be Unix seconds (digits only)",
        ));
    };
    Ok(Timestamp { text, secs })
}

/// Seconds as a whole number for messages (integer formatting only: float formatting would add
/// several KiB to the module).
fn whole(secs: f64) -> i64 {
    secs.round() as i64
}

/// ` (300 s)` when the tolerance is a whole number of seconds, else nothing.
fn shown(tolerance_sec: f64) -> String {
    if tolerance_sec.fract() == 0.0 {
        [" (", itoa::Buffer::new().format(whole(tolerance_sec)), " s)"].concat()
    } else {
        String::new()
    }
}

pub mod options;

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::core::args::Arg;
    use crate::core::webhook::options::{precheck, Payload};

    // Vectors computed independently with Python's hmac module:
    //   python3 -c 'import hmac,hashlib; print(hmac.new(SECRET, b"1786102994." + BODY, hashlib.sha256).hexdigest())'
    // with SECRET and BODY the bytes below (BODY with its `\/` escapes, as PHP sends it).
    pub(crate) const SECRET: &str = "whsec_test_0123456789abcdef0123456789abcdef";
    pub(crate) const TS: &str = "1786102994"; // 2026-08-07T11:43:14Z, the payload's own timestamp
    pub(crate) const BODY: &str = r#"{"event":"job.completed","delivery_id":"5f0c6a2e-8d4b-4b8e-9f51-0a7c1e2d3b4f","timestamp":"2026-08-07T11:43:14+00:00","data":{"job_request_id":"c0ffee00-1111-2222-3333-444455556666","status":"done","previous_status":"processing","job_type":"txt2img","result_url":"https:\/\/storage.deapi.ai\/results\/fox.png?X-Amz-Signature=abc"}}"#;
    pub(crate) const SIG: &str = "sha256=1267bf6c48de11aa462d858a2bb13fca0666b6965c27d82a26c4e4d5c8a4f442";
    // The same with every `\/` replaced by `/` (what a re-serialised object would be signed as).
    pub(crate) const SIG_UNESCAPED: &str = "sha256=82bef92bf049b44718420e46be6e320acf30a9c11d9c2302125c2caa10ec8044";
    pub(crate) const NOW: f64 = 1_786_102_994.4;

    fn delivery<'a>(body: &'a str, sig: Option<&'a str>) -> Delivery<'a> {
        Delivery { payload: body.as_bytes(), signature: sig, timestamp: Some(TS), secret: SECRET, tolerance_sec: 300.0, max_payload_bytes: DEFAULT_MAX_PAYLOAD_BYTES }
    }
    pub(crate) fn reason(r: Result<&str, ApiError>) -> String {
        let e = r.expect_err("expected a rejection");
        assert!(!e.message.contains(SECRET) && !format!("{e:?}").contains(SECRET), "secret leaked: {e:?}");
        reason_of(&e).map_or_else(|| e.kind.code().to_owned(), str::to_owned)
    }

    #[test]
    fn valid_delivery_returns_the_raw_text() {
        assert_eq!(verify(&delivery(BODY, Some(SIG)), NOW).unwrap(), BODY);
        // surrounding whitespace on the headers is ignored
        let d = Delivery { signature: Some(" sha256=1267bf6c48de11aa462d858a2bb13fca0666b6965c27d82a26c4e4d5c8a4f442 "), timestamp: Some(" 1786102994\t"), ..delivery(BODY, None) };
        assert_eq!(verify(&d, NOW).unwrap(), BODY);
    }

    #[test]
    fn escaped_slashes_are_signed_as_sent() {
        // The raw bytes with `\/` verify; the same event without the escapes (a re-serialisation) does not.
        let unescaped = BODY.replace("\\/", "/");
        assert_eq!(reason(verify(&delivery(&unescaped, Some(SIG)), NOW)), "mismatch");
        // ... and the other way round, to show the vector really differs only by the escapes.
        assert_eq!(verify(&delivery(&unescaped, Some(SIG_UNESCAPED)), NOW).unwrap(), unescaped);
        assert_eq!(reason(verify(&delivery(BODY, Some(SIG_UNESCAPED)), NOW)), "mismatch");
    }

    #[test]
    fn uppercase_hex_accepted() {
        let upper = format!("sha256={}", SIG.trim_start_matches("sha256=").to_uppercase());
        assert_eq!(verify(&delivery(BODY, Some(&upper)), NOW).unwrap(), BODY);
    }

    #[test]
    fn tampered_body_and_wrong_secret() {
        let tampered = BODY.replace("\"done\"", "\"dune\"");
        assert_eq!(reason(verify(&delivery(&tampered, Some(SIG)), NOW)), "mismatch");
        let d = Delivery { secret: "whsec_test_0123456789abcdef0123456789abcdeF", ..delivery(BODY, Some(SIG)) };
        assert_eq!(reason(verify(&d, NOW)), "mismatch");
        // the timestamp is part of the signed message
        let d = Delivery { timestamp: Some("1786102995"), ..delivery(BODY, Some(SIG)) };
        assert_eq!(reason(verify(&d, NOW)), "mismatch");
        // one flipped hex digit
        let flipped = SIG.replace("f442", "f443");
        assert_eq!(reason(verify(&delivery(BODY, Some(&flipped)), NOW)), "mismatch");
    }

    #[test]
    fn stale_and_future() {
        let d = delivery(BODY, Some(SIG));
        // exactly at the tolerance is still fresh, either way
        let ts = 1_786_102_994.0;
        assert!(verify(&d, ts + 300.0).is_ok());
        assert!(verify(&d, ts - 300.0).is_ok());
        assert_eq!(reason(verify(&d, ts + 300.01)), "stale");
        assert_eq!(reason(verify(&d, ts - 300.01)), "future");
        let e = verify(&d, NOW + 301.0).unwrap_err();
        assert_eq!(reason_of(&e), Some("stale"));
        assert!(e.message.contains("301 s old") && e.message.contains("(300 s)"), "{}", e.message);
        let e = verify(&d, NOW - 1000.4).unwrap_err();
        assert_eq!(reason_of(&e), Some("future"));
        assert!(e.message.contains("1000 s in the future"), "{}", e.message);
        // a custom tolerance, and 0
        let d60 = Delivery { tolerance_sec: 60.0, ..d };
        assert_eq!(reason(verify(&d60, NOW + 61.0)), "stale");
        assert!(verify(&d60, NOW + 59.0).is_ok());
        let d0 = Delivery { tolerance_sec: 0.0, ..d };
        assert!(verify(&d0, 1_786_102_994.0).is_ok());
        assert_eq!(reason(verify(&d0, NOW)), "stale");
        // freshness is checked before the MAC (and before the payload is read at all): a stale delivery
        // with a bad MAC is stale (its timestamp is the sender's claim either way: nothing is revealed)
        assert_eq!(reason(verify(&delivery("{}", Some(SIG)), NOW + 5000.0)), "stale");
    }

    #[test]
    fn missing_and_malformed_signatures() {
        assert_eq!(reason(verify(&delivery(BODY, None), NOW)), "missing_signature");
        assert_eq!(reason(verify(&delivery(BODY, Some("")), NOW)), "missing_signature");
        assert_eq!(reason(verify(&delivery(BODY, Some("  ")), NOW)), "missing_signature");
        let e = verify(&delivery(BODY, Some("")), NOW).unwrap_err();
        assert!(e.message.contains("unsigned"), "{}", e.message);

        let bare = SIG.trim_start_matches("sha256=");
        assert_eq!(reason(verify(&delivery(BODY, Some(bare)), NOW)), "malformed_signature");
        let e = verify(&delivery(BODY, Some(bare)), NOW).unwrap_err();
        assert!(e.message.contains("prefix"), "{}", e.message);
        for bad in [
            format!("sha1={bare}"),
            format!("SHA256={bare}"),
            "sha256=".to_owned(),
            format!("sha256={}", bare.get(..62).unwrap()),
            format!("sha256={bare}00"),
            format!("sha256={}zz", bare.get(..62).unwrap()),
            format!("sha256={}é", bare.get(..62).unwrap()), // 64 bytes, not 64 hex digits
        ] {
            assert_eq!(reason(verify(&delivery(BODY, Some(&bad)), NOW)), "malformed_signature", "{bad}");
        }
    }

    #[test]
    fn bad_timestamps() {
        for ts in [None, Some(""), Some("abc"), Some("-1786102994"), Some("1786102994.0"), Some("1.7e9"), Some("+1786102994"), Some("1234567890123456")] {
            let d = Delivery { timestamp: ts, ..delivery(BODY, Some(SIG)) };
            assert_eq!(reason(verify(&d, NOW)), "bad_timestamp", "{ts:?}");
        }
    }

    #[test]
    fn bad_configuration() {
        let d = Delivery { secret: "", ..delivery(BODY, Some(SIG)) };
        assert_eq!(reason(verify(&d, NOW)), "bad_secret");
        for tol in [-1.0, f64::NAN, f64::INFINITY, 86_400.5, 1e300] {
            let d = Delivery { tolerance_sec: tol, ..delivery(BODY, Some(SIG)) };
            let e = verify(&d, NOW).unwrap_err();
            assert_eq!((e.kind, reason_of(&e)), (Kind::InvalidOptions, None), "{tol}");
            assert!(e.message.contains("toleranceSec"));
        }
        // the configuration is checked first
        let d = Delivery { secret: "", ..delivery(BODY, None) };
        assert_eq!(reason(verify(&d, NOW)), "bad_secret");
    }

    #[test]
    fn non_utf8_body_after_a_valid_signature() {
        // python3 -c 'import hmac,hashlib; print(hmac.new(b"whsec_test_0123456789abcdef0123456789abcdef", b"1786102994.\xff\xfe", hashlib.sha256).hexdigest())'
        let d = Delivery {
            payload: b"\xff\xfe",
            signature: Some("sha256=aeecee3708916cfd40693ab8cdd96eec3ee9b685d659efef4872e1290a67cf5f"),
            ..delivery(BODY, None)
        };
        assert_eq!(reason(verify(&d, NOW)), "bad_payload");
    }

    #[test]
    fn rejection_shape() {
        let e = rejection(Reason::Stale, "m");
        assert_eq!((e.kind.code(), e.kind.class_name()), ("webhook_verification", "WebhookVerificationError"));
        assert_eq!(e.body, Some(Body::Json(Json::Obj(vec![("reason".into(), Json::str("stale"))]))));
        assert_eq!(reason_of(&ApiError::new(Kind::Http, "x")), None);
    }

    #[test]
    fn the_payload_size_is_bounded_and_checked_after_the_headers() {
        // a day of tolerance is accepted, and the whole range of maxPayloadBytes
        let d = Delivery { tolerance_sec: 86_400.0, max_payload_bytes: BODY.len() as f64, ..delivery(BODY, Some(SIG)) };
        assert_eq!(verify(&d, NOW + 86_000.0).unwrap(), BODY);
        // one byte over the limit: refused before the MAC is computed (a bad MAC is not what is reported)
        let d = Delivery { max_payload_bytes: BODY.len() as f64 - 1.0, ..delivery(BODY, Some(SIG)) };
        let e = verify(&d, NOW).unwrap_err();
        assert_eq!(reason_of(&e), Some("payload_too_large"));
        assert!(e.message.contains(&format!("{} bytes, more than maxPayloadBytes ({})", BODY.len(), BODY.len() - 1)), "{}", e.message);
        let d = Delivery { payload: &[0u8; 2048], max_payload_bytes: 1024.0, ..delivery(BODY, Some(SIG)) };
        assert_eq!(reason(verify(&d, NOW)), "payload_too_large");
        // but after the headers and freshness
        let d = Delivery { payload: &[0u8; 2048], max_payload_bytes: 1024.0, ..delivery(BODY, Some("sha256=zz")) };
        assert_eq!(reason(verify(&d, NOW)), "malformed_signature");
        let d = Delivery { payload: &[0u8; 2048], max_payload_bytes: 1024.0, ..delivery(BODY, Some(SIG)) };
        assert_eq!(reason(verify(&d, NOW + 400.0)), "stale");
        for bad in [0.0, 0.5, 67_108_865.0, f64::NAN] {
            let e = verify(&Delivery { max_payload_bytes: bad, ..delivery(BODY, Some(SIG)) }, NOW).unwrap_err();
            assert!(e.kind == Kind::InvalidOptions && e.message.contains("`maxPayloadBytes`"), "{bad}: {}", e.message);
        }
        // the binding's order: precheck (no payload), then the length JS reports, then the bytes
        let text = |t: &str| Arg::Data(Json::str(t));
        let opts = |extra: Vec<(String, Arg)>| {
            let mut o = vec![("signature".to_owned(), text(SIG)), ("timestamp".to_owned(), text(TS)), ("secret".to_owned(), text(SECRET))];
            o.extend(extra);
            o
        };
        let c = precheck(Some(&opts(vec![("maxPayloadBytes".to_owned(), Arg::Data(Json::Num(1024.0)))])), NOW).unwrap();
        assert_eq!(reason(c.admit(1025.0, false).map(|()| "")), "payload_too_large");
        let e = c.admit(2000.0, true).unwrap_err();
        assert!(e.message.contains("at least 2000 bytes"), "{}", e.message);
        assert!(c.admit(1024.0, true).is_ok());
        // a string within the limit in UTF-16 units but past it in UTF-8 bytes: caught on the bytes
        assert_eq!(reason(c.verify(&Payload::Text("é".repeat(600))).as_deref().map_err(Clone::clone)), "payload_too_large");
        assert_eq!(precheck(Some(&opts(vec![])), NOW).unwrap().verify(&Payload::Text(BODY.to_owned())).unwrap(), BODY);
        // a stale delivery is refused by the precheck, before any payload exists
        assert_eq!(reason(precheck(Some(&opts(vec![])), NOW + 301.0).map(|_| "")), "stale");
        let e = precheck(Some(&opts(vec![("maxPayloadBytes".to_owned(), text("1MiB"))])), NOW).unwrap_err();
        assert_eq!(e.kind, Kind::InvalidOptions);
    }
}
