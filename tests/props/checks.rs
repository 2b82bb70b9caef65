//! The properties, one `check_*` function per target (see `tests/fuzz.rs`'s header for the list),
//! and the inputs they take. A check panics when a property fails and returns a label of the outcome.

use super::oracles::{hex, hmac_sha256, node_parse, same_js_value, webhook_oracle};
use super::seeds::RT_CHANNEL;
use super::{BodyIn, Bytes, Txt, J};
use deapi_wasm::core::api::{encode_component, ApiVersion, Endpoint, Op, OPS};
use deapi_wasm::core::config::{is_secret_header, parse_call_timeout, parse_options, Config, Runtime, MAX_TIMER_MS};
use deapi_wasm::core::decode;
use deapi_wasm::core::http_date::{parse_http_date, parse_retry_after};
use deapi_wasm::core::error::{decode_http_error, key_parts, ApiError, Body, Kind, ResponseMeta, MAX_BODY, MAX_ERRORS_TEXT, MAX_FIELD, MAX_FIELD_ERRORS, MAX_TEXT};
use deapi_wasm::core::fleet::{self, Answer, Breaker};
use deapi_wasm::core::jobs::{self, Phase, WaitOptions};
use deapi_wasm::core::json::{self as crate_json, parse_number, Json, Unread, MAX_DEPTH, MAX_VALUES};
use deapi_wasm::core::realtime::{
    after_close, auth_body, decode_auth, decode_frame, ping_after_ms, pong_deadline_ms, subscribe_frame, Action, AuthFailure, EarlyEvents, Frame, Ignored, Input, JobEvent, Link, Reconnect, State, Timer,
    MAX_FRAME_BYTES,
};
use deapi_wasm::core::relay;
use deapi_wasm::core::request::{self, build, default_filename, extension, json_body, sniff_mime, Part};
use deapi_wasm::core::retry::{Decision, Outcome, Reason as RetryReason, RetryPolicy};
use deapi_wasm::core::validate::{self, fmt_num, ModelInfo};
use deapi_wasm::core::webhook::{reason_of, verify, Delivery};

pub fn expected_kind(status: u16, has_balance_error: bool) -> Kind {
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
pub fn expected_field_errors(body: &Json) -> Vec<(String, Option<String>)> {
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
pub fn expected_server_message(body: &Json) -> Option<String> {
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

pub fn check_error(meta: &ResponseMeta, body: &Body, now: f64) -> &'static str {
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

pub fn check_status(http_status: u16, body: &Json, rid: &str) -> &'static str {
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
            let t = jobs::timeout(rid, f64::from(http_status) * 1_000.0, &st);
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

pub fn check_model_normalised(input: &Json, out: &Json) {
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

pub fn check_models(page: &Json, one: &Json) -> &'static str {
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
pub fn field<'a>(body: &'a Json, key: &str) -> Option<&'a Json> {
    body.get("data").and_then(|d| d.get(key)).or_else(|| body.get(key)).filter(|v| !v.is_null())
}

pub fn check_envelopes(status: u16, body: &Json) -> &'static str {
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
pub fn strings_of(e: &ApiError) -> Vec<String> {
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


#[derive(Debug, Clone)]
pub struct Hook {
    pub payload: Bytes,
    pub signature: Option<Txt>,
    pub timestamp: Option<Txt>,
    pub secret: Txt,
    pub tolerance: f64,
    pub max_payload: f64,
    pub now: f64,
    /// Signed correctly, then changed in `payload`, `secret`, `timestamp` or `signature`.
    pub tampered: Option<&'static str>,
}

pub fn check_hook(c: &Hook) -> &'static str {
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

#[derive(Debug, Clone)]
pub struct ValidateCase {
    pub op: &'static str,
    pub price: bool,
    pub v1: bool,
    pub params: J,
    /// 0 unknown, 1 missing, 2 found
    pub model_kind: u8,
    pub model: J,
    /// (size, mime) per file index
    pub files: Vec<(f64, &'static str)>,
}

pub fn find_op(name: &str) -> &'static Op {
    OPS.iter().find(|o| o.name == name).expect("op")
}

pub fn check_validate(c: &ValidateCase) -> &'static str {
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

#[derive(Debug, Clone)]
pub struct RequestCase {
    pub options: J,
    pub function_keys: Vec<String>,
    pub browser: bool,
    /// 0 submit, 1 price, 2 job, 3 models, 4 balance
    pub endpoint: u8,
    pub op: &'static str,
    pub job_id: Txt,
    pub params: Option<J>,
    pub query: Vec<(String, String)>,
}

/// The scalars of `j` in document order, nulls left out (uploads included). The request checks
/// derive what they expect from this one list (is there an upload? a non-finite number? which form
/// parts?) rather than from copies of the builder's own tree walks.
pub fn leaves(j: &Json) -> Vec<&Json> {
    let mut out = Vec::new();
    let mut stack = vec![j];
    while let Some(v) = stack.pop() {
        match v {
            Json::Null => {}
            Json::Arr(items) => stack.extend(items.iter().rev()),
            Json::Obj(pairs) => stack.extend(pairs.iter().rev().map(|(_, v)| v)),
            scalar => out.push(scalar),
        }
    }
    out
}

fn any_leaf(j: &Json, pred: fn(&Json) -> bool) -> bool {
    leaves(j).into_iter().any(pred)
}

fn is_file(j: &Json) -> bool {
    matches!(j, Json::File(_))
}

fn is_non_finite(j: &Json) -> bool {
    matches!(j, Json::Num(n) if !n.is_finite())
}

pub fn obj(pairs: Vec<(&str, Json)>) -> Json {
    Json::Obj(pairs.into_iter().map(|(k, v)| (k.to_owned(), v)).collect())
}

pub fn s(v: &str) -> Json {
    Json::Str(v.to_owned())
}

pub fn fallback_config() -> Config {
    parse_options(&obj(vec![("apiKey", s("1|fallbackKeyValue"))]), &[], Runtime::Server).expect("fallback config")
}

pub fn check_request(c: &RequestCase) -> &'static str {
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
                    let want: Vec<&str> = pairs.iter().filter(|(_, v)| any_leaf(v, is_non_finite)).map(|(k, _)| k.as_str()).collect();
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
            assert!(!any_leaf(p, is_file) && !op.multipart);
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
            assert!(any_leaf(p, is_file) || op.multipart);
            // one form part per non-null leaf, in order, holding that leaf (booleans as PHP's 1/0),
            // named after its top-level key
            let want = leaves(p);
            assert_eq!(parts.len(), want.len(), "one form part per non-null leaf");
            for ((name, part), leaf) in parts.iter().zip(want) {
                let same = match (part, leaf) {
                    (Part::File(i), Json::File(j)) => i == j,
                    (Part::Num(a), Json::Num(b)) => a.to_bits() == b.to_bits(),
                    (Part::Text(t), Json::Str(v)) => t == v,
                    (Part::Text(t), Json::Bool(b)) => t == if *b { "1" } else { "0" },
                    _ => false,
                };
                assert!(same, "part {name} = {part:?} for the leaf {leaf:?}");
            }
            let Json::Obj(inp) = p else { panic!("a form from {p:?}") };
            for (name, _) in parts {
                assert!(inp.iter().any(|(k, _)| name == k || name.strip_prefix(k.as_str()).is_some_and(|r| r.starts_with('['))), "part {name} under no key");
            }
            "multipart"
        }
        (b, p) => panic!("body {b:?} for params {p:?}"),
    }
}

// ---- retry policy and wait options ----------------------------------------------------------------

#[derive(Debug, Clone)]
pub struct PolicyCase {
    pub policy: RetryPolicy,
    pub attempts: u32,
    pub outcome: Outcome,
    pub submission: bool,
    pub wait: J,
    pub call: J,
    pub polls: u32,
}

pub fn check_policy(c: &PolicyCase) -> &'static str {
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

#[derive(Debug, Clone)]
pub struct ParserCase {
    pub number: Txt,
    pub date: Txt,
    pub date_expected: Option<f64>,
    pub retry_after: Txt,
    pub now: f64,
    pub n: f64,
    pub head: Bytes,
    pub field: Txt,
    pub mime: Txt,
}

pub fn check_parsers(c: &ParserCase) -> &'static str {
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

#[derive(Debug, Clone)]
pub struct RedactCase {
    pub key: Txt,
    pub meta: ResponseMeta,
    pub body: BodyIn,
    pub status_body: J,
    pub request_id: Txt,
}

/// Put `key` (or its secret half) into some of the strings of `j` (values and keys, anywhere).
pub fn check_redact(c: &RedactCase) -> &'static str {
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

/// `text` as a response body into every decoder, validation and the request builder. No panic,
/// and each one's properties.
pub fn feed_decoders(text: &str, status: u16, op: &str) -> &'static str {
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

/// values, mutated bodies) as a response body, as header values and as a webhook payload.
#[derive(Debug, Clone)]
pub struct JsonTextCase {
    pub text: Txt,
    pub status: u16,
    pub op: &'static str,
    pub now: f64,
}

/// The crate's JSON reader and writer against Node's `JSON.parse` (skipped, said once, without
/// `node`): the reader accepts what `JSON.parse` accepts and makes the value it makes (up to the
/// documented departures, `oracles::node_parse`); what the writer makes of a value, `JSON.parse`
/// and the reader read back as that value. `read_json` agrees with `parse_json`, and a text shorter
/// than `MAX_VALUES` bytes cannot hold too many values.
pub fn check_json_reader(text: &str) -> &'static str {
    let read = crate_json::read_json(text);
    match &read {
        Ok(j) => assert_eq!(crate_json::parse_json(text).as_ref(), Some(j)),
        Err(Unread::NotJson) => assert_eq!(crate_json::parse_json(text), None),
        Err(Unread::TooLarge) => {
            assert!(text.len() > MAX_VALUES, "too large at {} bytes", text.len());
            return "too large";
        }
    }
    let ours = read.ok();
    if let Some(theirs) = node_parse(text) {
        match (&ours, &theirs) {
            (Some(a), Some(b)) => assert!(same_js_value(a, b), "the crate read {text:?} as {:?}, JSON.parse as {:?}", J(a.clone()), J(b.clone())),
            (None, None) => {}
            _ => panic!("JSON.parse {} {text:?}, the crate {}", if theirs.is_some() { "reads" } else { "rejects" }, if ours.is_some() { "reads it" } else { "does not" }),
        }
    }
    let Some(j) = ours else { return "not json" };
    assert!(j.depth() <= MAX_DEPTH + 1, "depth {}", j.depth());
    let written = crate_json::to_text(&j);
    assert_eq!(crate_json::parse_json(&written).as_ref(), Some(&j), "written as {written}");
    if let Some(Some(back)) = node_parse(&written) {
        assert!(same_js_value(&back, &j), "JSON.parse({written:?}) = {:?}", J(back.clone()));
    }
    "json"
}

pub fn check_json_text(c: &JsonTextCase) -> &'static str {
    let text = &c.text.0;
    check_json_reader(text);
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


pub fn check_frame(text: &str) -> &'static str {
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

#[derive(Debug, Clone)]
pub struct AuthCase {
    pub status: u16,
    pub body: Txt,
    pub app_key: Txt,
    pub socket_id: Txt,
    pub close: u16,
    pub attempt: u32,
    pub random: f64,
    /// Early events: (request id, status, preview bytes, ms since the previous push).
    pub pushes: Vec<(u8, bool, usize, f64)>,
}

pub fn check_auth(c: &AuthCase) -> &'static str {
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

#[derive(Debug, Clone)]
pub struct LinkCase {
    pub steps: Vec<LinkStep>,
}

#[derive(Debug, Clone)]
pub enum LinkStep {
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

pub const TIMERS: [Timer; 4] = [Timer::Handshake, Timer::Ping, Timer::Pong, Timer::Reconnect];
pub fn check_link(c: &LinkCase) -> &'static str {
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

#[derive(Debug, Clone)]
pub struct RelayCase {
    /// The API key whose parts must never be written.
    pub key: Txt,
    pub steps: Vec<RelayStep>,
}

#[derive(Debug, Clone)]
pub enum RelayStep {
    /// (the status word, the status as text)
    Status(Txt, Txt),
    Done(Txt),
    Error(Json),
}

pub const RELAY_WORDS: &[&str] = &["pending", "processing", "in_progress", "done", "DONE", "completed", "error", "failed", "", "queued"];
/// The events a text/event-stream holds, read by the WHATWG rules (`event:`, `data:` lines joined
/// with "\n", a blank line dispatches, `:` comments ignored).
pub fn read_sse(stream: &str) -> Vec<(String, String)> {
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

pub fn check_relay(c: &RelayCase) -> &'static str {
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

#[derive(Debug, Clone)]
pub struct FleetCase {
    pub status: u16,
    pub headers: Vec<(&'static str, String)>,
    pub answer: (Option<bool>, Option<f64>, Option<String>),
    pub reply: (f64, f64),
    pub key: String,
    pub steps: Vec<(bool, f64)>,
}

pub fn check_fleet(c: &FleetCase) -> &'static str {
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

