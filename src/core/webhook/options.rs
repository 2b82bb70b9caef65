//! The checks of `verifyWebhook(options)` (its binding is `crate::wasm::webhook`): the options
//! object as the core sees it ([`Arg`]s), the payload's kind ([`Payload`]), the configuration,
//! headers and freshness first ([`precheck`]), then the payload's size and bytes ([`Checked`]).

use super::{authentic, check_config, fresh, parse_signature, parse_timestamp, rejection, within, Reason, DEFAULT_MAX_PAYLOAD_BYTES, DEFAULT_TOLERANCE_SEC};
use crate::core::args::Arg;
use crate::core::error::ApiError;
use crate::core::json::Json;

/// What `options.payload` is.
#[derive(Clone, Debug, PartialEq)]
pub enum Payload {
    Text(String),
    /// The bytes of an ArrayBuffer or a view of one (Uint8Array, Node Buffer, …).
    Bytes(Vec<u8>),
    Missing,
    /// A parsed object (not the raw body).
    Object,
    /// Another type.
    Other,
}

/// A delivery whose configuration, headers and freshness passed ([`precheck`]): its payload is
/// checked next — its size before it is copied ([`Checked::admit`]), then [`Checked::verify`].
#[derive(Clone, Debug)]
pub struct Checked {
    secret: String,
    expected: [u8; 32],
    timestamp: String,
    max_payload_bytes: f64,
}

/// `verifyWebhook({payload, signature, timestamp, secret, toleranceSec = 300, maxPayloadBytes =
/// 1 MiB})` up to the payload: `fields` are the options other than the payload (`None`: the options
/// are not an object). `Err`: a `WebhookVerificationError` (with `reason`) or an
/// `InvalidOptionsError`. Pure (`now_secs` given).
pub fn precheck(fields: Option<&[(String, Arg)]>, now_secs: f64) -> Result<Checked, ApiError> {
    let Some(pairs) = fields else {
        return Err(ApiError::invalid_option(
            "options",
            "verifyWebhook takes one object: { payload, signature, timestamp, secret, toleranceSec?, maxPayloadBytes? }",
        ));
    };
    let field = |name: &str| {
        pairs.iter().find(|(k, _)| k == name).map(|(_, v)| match v {
            Arg::Data(j) => Ok(j),
            _ => Err(()),
        })
    };
    // A non-string secret is reported like an empty one.
    let secret = match field("secret") {
        Some(Ok(Json::Str(s))) => s.clone(),
        _ => String::new(),
    };
    let number = |name: &str, default: f64| match field(name) {
        None => default,
        Some(Ok(Json::Num(n))) => *n,
        Some(_) => f64::NAN,
    };
    let tolerance_sec = number("toleranceSec", DEFAULT_TOLERANCE_SEC);
    let max_payload_bytes = number("maxPayloadBytes", DEFAULT_MAX_PAYLOAD_BYTES);
    check_config(&secret, tolerance_sec, max_payload_bytes)?;
    let signature = signature_text(field("signature"))?;
    let timestamp = timestamp_text(field("timestamp"))?;
    let expected = parse_signature(signature.as_deref())?;
    let ts = parse_timestamp(timestamp.as_deref())?;
    fresh(ts.secs, now_secs, tolerance_sec)?;
    let timestamp = ts.text.to_owned();
    Ok(Checked { secret, expected, timestamp, max_payload_bytes })
}

impl Checked {
    /// The payload's length as JS tells it, before its bytes are copied: a byte array's `byteLength`,
    /// or a string's `length` (`text: true`; UTF-8 takes at least a byte per UTF-16 unit).
    pub fn admit(&self, length: f64, text: bool) -> Result<(), ApiError> {
        within(length, text, self.max_payload_bytes)
    }

    /// The payload: its kind, its exact size, the MAC, UTF-8; the verified body (a JSON object's
    /// text, as sent).
    pub fn verify(&self, payload: &Payload) -> Result<String, ApiError> {
        let bytes = payload_bytes(payload)?;
        within(bytes.len() as f64, false, self.max_payload_bytes)?;
        authentic(&self.secret, &self.timestamp, bytes, &self.expected)?;
        let body = core::str::from_utf8(bytes).map_err(|_| rejection(Reason::BadPayload, "the signed body is not UTF-8 text"))?;
        match crate::core::json::parse_json(body) {
            Some(Json::Obj(_)) => Ok(body.to_owned()),
            _ => Err(rejection(Reason::BadPayload, "the signature is valid but the body is not a JSON object")),
        }
    }
}

/// [`precheck`] then [`Checked::verify`] (the binding checks the payload's size between the two).
pub fn verify_options(fields: Option<&[(String, Arg)]>, payload: Payload, now_secs: f64) -> Result<String, ApiError> {
    precheck(fields, now_secs)?.verify(&payload)
}

/// Appended to every payload problem.
const RAW_BODY_HINT: &str = ": pass the raw request body exactly as received: `await req.text()` (fetch, Next.js \
    route handlers) or `express.raw({ type: \"application/json\" })` (Express; req.body is then a Buffer)";

/// The payload's bytes: a string (as UTF-8), or the bytes of any ArrayBuffer view (Uint8Array,
/// Node Buffer, …) or ArrayBuffer.
fn payload_bytes(payload: &Payload) -> Result<&[u8], ApiError> {
    let mut problem = String::from(match payload {
        Payload::Text(text) => return Ok(text.as_bytes()),
        Payload::Bytes(bytes) => return Ok(bytes),
        Payload::Missing => "`payload` is missing",
        Payload::Object => {
            "`payload` is a parsed object, not the raw body. The signature covers the exact bytes deAPI sent \
             and re-serialising changes them (PHP escapes `/` as `\\/`)"
        }
        _ => "`payload` must be a string, Uint8Array/Buffer or ArrayBuffer",
    });
    problem.push_str(RAW_BODY_HINT);
    Err(rejection(Reason::BadPayload, &problem))
}

/// The signature header's value; `null`/absent → absent.
fn signature_text(v: Option<Result<&Json, ()>>) -> Result<Option<String>, ApiError> {
    match v {
        None | Some(Ok(Json::Null)) => Ok(None),
        Some(Ok(Json::Str(s))) => Ok(Some(s.clone())),
        Some(_) => Err(rejection(
            Reason::MalformedSignature,
            "`signature` must be the X-DeAPI-Signature header's value (a string)",
        )),
    }
}

/// The timestamp header's value, or a whole number of seconds; `null`/absent → absent.
fn timestamp_text(v: Option<Result<&Json, ()>>) -> Result<Option<String>, ApiError> {
    match v {
        None | Some(Ok(Json::Null)) => Ok(None),
        Some(Ok(Json::Str(s))) => Ok(Some(s.clone())),
        // 1e15: the same 15-digit bound as the header text.
        Some(Ok(Json::Num(n))) if n.is_finite() && *n >= 0.0 && n.fract() == 0.0 && *n < 1e15 => Ok(Some(crate::core::text::dec(*n as u64))),
        Some(_) => Err(rejection(
            Reason::BadTimestamp,
            "`timestamp` must be the X-DeAPI-Timestamp header's value \
             (Unix seconds, as a string or a whole number)",
        )),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::error::Kind;
    use crate::core::webhook::tests::{reason, BODY, NOW, SECRET, SIG, TS};

    #[test]
    fn the_binding_reads_every_payload_kind_and_option_type() {
        let text = |t: &str| Arg::Data(Json::str(t));
        let opts = |sig: Arg, ts: Arg| vec![("signature".to_owned(), sig), ("timestamp".to_owned(), ts), ("secret".to_owned(), text(SECRET))];
        let ok = opts(text(SIG), text(TS));
        let body = || Payload::Text(BODY.to_owned());
        // text and bytes verify alike; the body comes back as text
        assert_eq!(verify_options(Some(&ok), body(), NOW).unwrap(), BODY);
        assert_eq!(verify_options(Some(&ok), Payload::Bytes(BODY.as_bytes().to_vec()), NOW).unwrap(), BODY);
        // a whole-number timestamp works like its text
        assert_eq!(verify_options(Some(&opts(text(SIG), Arg::Data(Json::Num(1_786_102_994.0)))), body(), NOW).unwrap(), BODY);
        let why = |fields: &[(String, Arg)], payload| reason(verify_options(Some(fields), payload, NOW).as_deref().map_err(Clone::clone));
        assert_eq!(why(&ok, Payload::Missing), "bad_payload");
        assert_eq!(why(&ok, Payload::Object), "bad_payload");
        assert_eq!(why(&ok, Payload::Other), "bad_payload");
        assert_eq!(why(&opts(Arg::Data(Json::Num(42.0)), text(TS)), body()), "malformed_signature");
        assert_eq!(why(&opts(text(SIG), Arg::Data(Json::Num(1.5))), body()), "bad_timestamp");
        assert_eq!(why(&opts(text(SIG), Arg::Function), body()), "bad_timestamp");
        // options that are not an object, and a signed body that is not a JSON object
        let e = verify_options(None, Payload::Missing, NOW).unwrap_err();
        assert_eq!(e.kind, Kind::InvalidOptions);
        assert!(e.message.contains("verifyWebhook takes one object"));
        // a secret that is not a string counts as missing; a tolerance that is not a number is refused
        assert_eq!(why(&[("secret".to_owned(), Arg::Data(Json::Num(42.0)))], body()), "bad_secret");
        let e = verify_options(Some(&[("secret".to_owned(), text(SECRET)), ("toleranceSec".to_owned(), text("300"))]), body(), NOW).unwrap_err();
        assert_eq!(e.kind, Kind::InvalidOptions, "{}", e.message);
        let array = r#"["signed","but an array"]"#;
        let sig = |body: &str| {
            use hmac::Mac;
            let mut mac = hmac::Hmac::<sha2::Sha256>::new_from_slice(SECRET.as_bytes()).unwrap();
            mac.update(format!("{TS}.{body}").as_bytes());
            let hex: String = mac.finalize().into_bytes().iter().map(|b| format!("{b:02x}")).collect();
            format!("sha256={hex}")
        };
        assert_eq!(why(&opts(text(&sig(array)), text(TS)), Payload::Text(array.to_owned())), "bad_payload");
    }
}
