//! Errors as data (pure): the error value every failure becomes, and the decoder that turns an
//! HTTP error response (status, headers, body) into one. The one conversion into a JS error object
//! is `crate::wasm::errors` (its `props`); the kinds' names reach the package's JS through
//! `crate::wasm::errors::kinds`, which the error classes are built from.
//!
//! The decoder accepts every body deAPI has been seen to send (deapi-api.md §4.1):
//! the verified shape `{message, errors: {field: [msgs]}}`, the stale one
//! `{data: null, message, errors: [{field, messages}], statusCode}`, `errors: []` (PHP's empty
//! map), and non-JSON bodies (HTML from a proxy, plain text, empty).


use crate::core::api::DEFAULT_BASE_URL;
use crate::core::http_date::parse_retry_after;
use crate::core::json::{parse_number, Json};
use crate::core::messages::field_message;
use crate::core::text::{dec, find_str, redact_str, truncate};
use crate::core::url::origin;

/// The stable discriminant of an error (`error.code` in JS). Each maps to one JS class, which the
/// package defines from [`Kind::ALL`] (exported by `crate::wasm::errors::kinds`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Kind {
    Authentication,
    PermissionDenied,
    NotFound,
    Validation,
    InsufficientBalance,
    PayloadTooLarge,
    RateLimit,
    Server,
    Http,
    Connection,
    Timeout,
    Aborted,
    JobFailed,
    JobTimeout,
    InvalidOptions,
    InvalidResponse,
    WebhookVerification,
}

impl Kind {
    /// Every kind, each after the kind its class extends ([`Kind::parent`]): the order the package
    /// defines its error classes in.
    pub const ALL: [Kind; 17] = [
        Kind::Http,
        Kind::Authentication,
        Kind::PermissionDenied,
        Kind::NotFound,
        Kind::Validation,
        Kind::InsufficientBalance,
        Kind::PayloadTooLarge,
        Kind::RateLimit,
        Kind::Server,
        Kind::Connection,
        Kind::Timeout,
        Kind::Aborted,
        Kind::JobFailed,
        Kind::JobTimeout,
        Kind::InvalidOptions,
        Kind::InvalidResponse,
        Kind::WebhookVerification,
    ];

    /// The kind whose class this kind's class extends: `None` for `DeapiError` ([`Kind::Http`]), the
    /// base of them all; `InsufficientBalanceError` is a `ValidationError` (a form shows it by field).
    pub fn parent(self) -> Option<Kind> {
        match self {
            Kind::Http => None,
            Kind::InsufficientBalance => Some(Kind::Validation),
            _ => Some(Kind::Http),
        }
    }

    pub fn code(self) -> &'static str {
        match self {
            Kind::Authentication => "authentication",
            Kind::PermissionDenied => "permission_denied",
            Kind::NotFound => "not_found",
            Kind::Validation => "validation",
            Kind::InsufficientBalance => "insufficient_balance",
            Kind::PayloadTooLarge => "payload_too_large",
            Kind::RateLimit => "rate_limit",
            Kind::Server => "server",
            Kind::Http => "http",
            Kind::Connection => "connection",
            Kind::Timeout => "timeout",
            Kind::Aborted => "aborted",
            Kind::JobFailed => "job_failed",
            Kind::JobTimeout => "job_timeout",
            Kind::InvalidOptions => "invalid_options",
            Kind::InvalidResponse => "invalid_response",
            Kind::WebhookVerification => "webhook_verification",
        }
    }
    /// The JS class name (`error.name`).
    pub fn class_name(self) -> &'static str {
        match self {
            Kind::Authentication => "AuthenticationError",
            Kind::PermissionDenied => "PermissionDeniedError",
            Kind::NotFound => "NotFoundError",
            Kind::Validation => "ValidationError",
            Kind::InsufficientBalance => "InsufficientBalanceError",
            Kind::PayloadTooLarge => "PayloadTooLargeError",
            Kind::RateLimit => "RateLimitError",
            Kind::Server => "ServerError",
            Kind::Http => "DeapiError",
            Kind::Connection => "ConnectionError",
            Kind::Timeout => "RequestTimeoutError",
            Kind::Aborted => "AbortError",
            Kind::JobFailed => "JobFailedError",
            Kind::JobTimeout => "JobTimeoutError",
            Kind::InvalidOptions => "InvalidOptionsError",
            Kind::InvalidResponse => "InvalidResponseError",
            Kind::WebhookVerification => "WebhookVerificationError",
        }
    }
    fn for_status(status: u16) -> Kind {
        match status {
            401 => Kind::Authentication,
            403 => Kind::PermissionDenied,
            404 => Kind::NotFound,
            413 => Kind::PayloadTooLarge,
            422 => Kind::Validation,
            429 => Kind::RateLimit,
            500..=599 => Kind::Server,
            _ => Kind::Http,
        }
    }
}

#[derive(Clone, Debug, PartialEq)]
pub struct FieldError {
    pub field: String,
    pub message: String,
}

/// deAPI's rate-limit headers, all optional (§4.3).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct RateLimit {
    pub limit: Option<f64>,
    pub remaining: Option<f64>,
    pub daily_limit: Option<f64>,
    pub daily_remaining: Option<f64>,
    /// `X-RateLimit-Type`: `minute` or `daily`.
    pub kind: Option<String>,
    /// `X-RateLimit-Source`: which bucket applied.
    pub source: Option<String>,
    /// When the limit that was hit resets (a 429; daily: the next midnight UTC), ms since 1970.
    pub reset_at_ms: Option<f64>,
}

impl RateLimit {
    pub fn is_empty(&self) -> bool {
        *self == RateLimit::default()
    }
}

/// The response headers the SDK reads (`Session::verdict` fills it from the response's headers).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ResponseMeta {
    pub status: u16,
    pub content_type: Option<String>,
    pub retry_after: Option<String>,
    pub rate_limit: RateLimit,
}

impl ResponseMeta {
    /// Fill from a header lookup (`name` is lower-case).
    pub fn from_headers(status: u16, get: impl Fn(&str) -> Option<String>) -> ResponseMeta {
        let num = |name: &str| get(name).and_then(|v| parse_number(&v));
        ResponseMeta {
            status,
            content_type: get("content-type"),
            retry_after: get("retry-after"),
            rate_limit: RateLimit {
                limit: num("x-ratelimit-limit"),
                remaining: num("x-ratelimit-remaining"),
                daily_limit: num("x-ratelimit-daily-limit"),
                daily_remaining: num("x-ratelimit-daily-remaining"),
                kind: get("x-ratelimit-type"),
                source: get("x-ratelimit-source"),
                reset_at_ms: None,
            },
        }
    }
}

/// A response body as received: parsed JSON, or the raw text when it was not JSON.
#[derive(Clone, Debug, PartialEq)]
pub enum Body {
    Json(Json),
    Text(String),
}

/// Every failure of the SDK, as data: one pointer to its [`Props`], so that every
/// `Result<_, ApiError>` moves a word, not the whole error (the module is smaller: each move of a
/// large value is inlined as loads and stores). Fields are read and written through `Deref`.
#[derive(Clone, Debug, PartialEq)]
pub struct ApiError(Box<Props>);

impl core::ops::Deref for ApiError {
    type Target = Props;
    fn deref(&self) -> &Props {
        &self.0
    }
}

impl core::ops::DerefMut for ApiError {
    fn deref_mut(&mut self) -> &mut Props {
        &mut self.0
    }
}

/// What an [`ApiError`] says.
#[derive(Clone, Debug, PartialEq)]
pub struct Props {
    pub kind: Kind,
    pub status: Option<u16>,
    pub message: String,
    pub errors: Vec<FieldError>,
    pub body: Option<Body>,
    pub request_id: Option<String>,
    /// Seconds, from `Retry-After`.
    pub retry_after: Option<f64>,
    pub rate_limit: Option<Box<RateLimit>>,
    /// HTTP attempts made (0 when none was: bad options, client-side checks).
    pub attempts: u32,
    /// Job failure details (`JobFailedError`).
    pub job: Option<Box<JobFailure>>,
}

#[derive(Clone, Debug, Default, PartialEq)]
pub struct JobFailure {
    pub error_code: Option<String>,
    /// The server's own text (`error_message`, or v1's `error`), for showing to a user.
    pub error_message: Option<String>,
    pub error_reason: Option<String>,
    pub retryable: Option<bool>,
    pub refunded: Option<bool>,
}

impl ApiError {
    pub fn new(kind: Kind, message: impl Into<String>) -> ApiError {
        ApiError(Box::new(Props {
            kind,
            status: None,
            message: message.into(),
            errors: Vec::new(),
            body: None,
            request_id: None,
            retry_after: None,
            rate_limit: None,
            attempts: 0,
            job: None,
        }))
    }

    /// A bad option or argument, naming it.
    pub fn invalid_option(name: &str, problem: &str) -> ApiError {
        ApiError::new(Kind::InvalidOptions, ["Invalid option `", name, "`: ", problem].concat())
    }

    /// `{field: [messages]}` in first-seen field order (the Laravel shape).
    pub fn field_errors(&self) -> Vec<(&str, Vec<&str>)> {
        let mut out: Vec<(&str, Vec<&str>)> = Vec::new();
        for e in &self.errors {
            match out.iter_mut().find(|(f, _)| *f == e.field) {
                Some((_, msgs)) => msgs.push(&e.message),
                None => out.push((&e.field, vec![&e.message])),
            }
        }
        out
    }

    /// Make the error safe to hand out: every trace of each secret removed (the client's
    /// `Config::secrets`: the API key and its secret half, which alone is as good as the key, and
    /// the values of secret headers such as `Authorization`), then everything bounded (a JSON
    /// `message`, a text body of megabytes or a 422 of a hundred thousand fields would otherwise end
    /// up in every log line): the message and text body cut to [`MAX_TEXT`], the first field errors
    /// kept ([`MAX_FIELD_ERRORS`], [`MAX_FIELD`], [`MAX_ERRORS_TEXT`]), a JSON body pruned to about
    /// [`MAX_BODY`]. Redaction comes first, so a secret that straddles a cut cannot survive in part.
    pub fn finish(&mut self, secrets: &[&str]) {
        for secret in secrets {
            self.redact(secret);
        }
        self.message = truncate(core::mem::take(&mut self.message), MAX_TEXT);
        // the first field errors, in server order, while they fit
        let mut budget = MAX_ERRORS_TEXT;
        let mut kept = 0;
        for e in self.errors.iter_mut().take(MAX_FIELD_ERRORS) {
            e.field = truncate(core::mem::take(&mut e.field), MAX_FIELD);
            e.message = truncate(core::mem::take(&mut e.message), MAX_TEXT);
            let size = e.field.len() + e.message.len();
            if kept > 0 && size > budget {
                break;
            }
            budget = budget.saturating_sub(size);
            kept += 1;
        }
        self.errors.truncate(kept);
        match &mut self.body {
            Some(Body::Text(t)) => *t = truncate(core::mem::take(t), MAX_TEXT),
            Some(Body::Json(j)) => j.prune(&mut MAX_BODY.clone(), MAX_TEXT),
            None => {}
        }
    }

    /// Remove every occurrence of `secret` from the error.
    pub fn redact(&mut self, secret: &str) {
        redact_str(&mut self.message, secret);
        for e in &mut self.errors {
            redact_str(&mut e.field, secret);
            redact_str(&mut e.message, secret);
        }
        match &mut self.body {
            Some(Body::Json(j)) => j.redact(secret),
            Some(Body::Text(t)) => redact_str(t, secret),
            None => {}
        }
        if let Some(id) = &mut self.request_id {
            redact_str(id, secret);
        }
        if let Some(job) = &mut self.job {
            for s in [&mut job.error_code, &mut job.error_message, &mut job.error_reason].into_iter().flatten() {
                redact_str(s, secret);
            }
        }
        if let Some(rl) = &mut self.rate_limit {
            for s in [&mut rl.kind, &mut rl.source].into_iter().flatten() {
                redact_str(s, secret);
            }
        }
    }
}

/// Longest message or raw (non-JSON) body text kept on an error, in bytes.
pub const MAX_TEXT: usize = 4096;
/// Most field errors kept on an error (a form shows the first; the server's `message` says how many
/// more there were).
pub const MAX_FIELD_ERRORS: usize = 256;
/// Longest field name kept, in bytes.
pub const MAX_FIELD: usize = 256;
/// Most bytes of field names and messages kept in `errors`, all together (the first error is always
/// kept).
pub const MAX_ERRORS_TEXT: usize = 16 * 1024;
/// About the most bytes of JSON text a JSON `body` keeps ([`Json::prune`]). With the limits above, an
/// error's `toJSON()` (message, `errors`, `fieldErrors` and `body`) stays under about 64 KiB of
/// JSON text whatever the server sent (more only where JSON escapes characters: control
/// characters take 6 each).
pub const MAX_BODY: usize = 16 * 1024;

/// The strings to redact for an API key: the key, and its secret half (`<id>|<secret>`).
pub fn key_parts(key: &str) -> impl Iterator<Item = &str> {
    let secret = key.split_once('|').map(|(_, s)| s).filter(|s| s.len() >= 8);
    core::iter::once(key).chain(secret)
}

/// Decode an HTTP error response. `now_ms` resolves an HTTP-date `Retry-After`.
pub fn decode_http_error(meta: &ResponseMeta, body: Body, now_ms: f64) -> ApiError {
    let status = meta.status;
    let mut err = ApiError::new(Kind::for_status(status), String::new());
    err.status = Some(status);
    let mut server_message = None;
    let body = match body {
        Body::Json(json) => {
            if let Json::Obj(_) = json {
                server_message = message_of(&json);
                err.errors = field_errors_of(&json);
            }
            Body::Json(json)
        }
        Body::Text(text) => Body::Text(text),
    };
    err.message = server_message.unwrap_or_else(|| default_message(status, &body, meta));
    if err.kind == Kind::Validation && err.errors.iter().any(|e| e.field == "balance") {
        err.kind = Kind::InsufficientBalance;
    }
    err.retry_after = meta.retry_after.as_deref().and_then(|v| parse_retry_after(v, now_ms));
    if !meta.rate_limit.is_empty() {
        err.rate_limit = Some(Box::new(meta.rate_limit.clone()));
    }
    err.body = Some(body);
    err
}

/// A 404 without deAPI's JSON error (no `message`: an empty body, an HTML page, another server's
/// text) did not come from deAPI's API: most likely `baseUrl` points elsewhere. The decoder's message
/// then names the request — `method` and `url` (`base_url` followed by the operation's path) — and
/// says to check `baseUrl`. Of the base URL only the origin is written, as in a `ConnectionError`'s
/// message: a proxy's path or query may hold a token (`/…` stands for it). A key is redacted from
/// the message with the rest of the error ([`ApiError::finish`]).
pub fn name_404_request(err: &mut ApiError, method: &str, url: &str, base_url: &str) {
    if err.status != Some(404) || matches!(&err.body, Some(Body::Json(j)) if message_of(j).is_some()) {
        return;
    }
    let origin = origin(base_url);
    let (hidden, note) = if base_url.len() > origin.len() { ("/…", " (/…: baseUrl's path, not shown)") } else { ("", "") };
    let path = url.strip_prefix(base_url).unwrap_or_default();
    let said = [&err.message, " for ", method, " ", origin, hidden, path, note, ": check `baseUrl` (deAPI's is ", DEFAULT_BASE_URL, ")"];
    err.message = said.concat();
}

fn message_of(body: &Json) -> Option<String> {
    ["message", "error"]
        .iter()
        .filter_map(|k| body.get(k))
        .find_map(|m| match m {
            Json::Str(s) if !s.trim().is_empty() => Some(s.clone()),
            // `{"error": {"message": "..."}}` (gateway / OpenAI style)
            Json::Obj(_) => m.get("message").and_then(Json::as_str).filter(|s| !s.trim().is_empty()).map(str::to_owned),
            _ => None,
        })
}

/// Every `{field, message}` of the body, in server order, one per message.
fn field_errors_of(body: &Json) -> Vec<FieldError> {
    let mut out = Vec::new();
    match body.get("errors") {
        // verified shape: {"field": ["msg", ...]} (a bare string is tolerated)
        Some(Json::Obj(pairs)) => {
            for (field, msgs) in pairs {
                push_messages(&mut out, field, msgs);
            }
        }
        // stale shape: [{"field": "...", "messages": [...]}] (or "message")
        Some(Json::Arr(items)) => {
            for item in items {
                let Some(field) = item.get("field").and_then(Json::as_str) else {
                    continue;
                };
                let msgs = item.get("messages").or_else(|| item.get("message"));
                push_messages(&mut out, field, msgs.unwrap_or(&Json::Null));
            }
        }
        _ => {}
    }
    out
}

fn push_messages(out: &mut Vec<FieldError>, field: &str, msgs: &Json) {
    let before = out.len();
    let mut push = |m: &Json| {
        if let Json::Str(s) = m {
            out.push(FieldError { field: field.to_owned(), message: s.clone() });
        }
    };
    match msgs {
        Json::Arr(items) => items.iter().for_each(&mut push),
        other => push(other),
    }
    if out.len() == before {
        // The field was named but no readable message came with it: keep the field visible.
        out.push(FieldError {
            field: field.to_owned(),
            message: field_message(field, &["is invalid."]),
        });
    }
}

fn default_message(status: u16, body: &Body, meta: &ResponseMeta) -> String {
    let reason = reason_phrase(status);
    let what = match body {
        Body::Text(t) if t.trim().is_empty() => " with an empty body",
        Body::Text(_) => match meta.content_type.as_deref() {
            Some(ct) if find_str(ct, "html", 0).is_some() => " with an HTML page instead of JSON (likely a proxy or gateway error)",
            _ => " with a non-JSON body",
        },
        Body::Json(_) => "",
    };
    match reason {
        Some(r) => ["deAPI request failed: HTTP ", &dec(u64::from(status)), " ", r, what].concat(),
        None => ["deAPI request failed: HTTP ", &dec(u64::from(status)), what].concat(),
    }
}

fn reason_phrase(status: u16) -> Option<&'static str> {
    Some(match status {
        400 => "Bad Request",
        401 => "Unauthorized",
        403 => "Forbidden",
        404 => "Not Found",
        405 => "Method Not Allowed",
        408 => "Request Timeout",
        409 => "Conflict",
        410 => "Gone",
        413 => "Payload Too Large",
        422 => "Unprocessable Content",
        429 => "Too Many Requests",
        500 => "Internal Server Error",
        502 => "Bad Gateway",
        503 => "Service Unavailable",
        504 => "Gateway Timeout",
        _ => return None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::test_util::{j, pairs};

    fn meta(status: u16) -> ResponseMeta {
        ResponseMeta { status, ..Default::default() }
    }
    fn decode(status: u16, body: &str) -> ApiError {
        let b = crate::core::json::parse_json(body).map(Body::Json).unwrap_or_else(|| Body::Text(body.to_owned()));
        decode_http_error(&meta(status), b, 0.0)
    }

    #[test]
    fn every_kind_listed_once_after_its_parent() {
        // Adding a variant breaks this match until the variant is placed here, and the test then
        // fails until it is in `Kind::ALL`.
        let listed = |k: Kind| match k {
            Kind::Authentication | Kind::PermissionDenied | Kind::NotFound | Kind::Validation | Kind::InsufficientBalance
            | Kind::PayloadTooLarge | Kind::RateLimit | Kind::Server | Kind::Http | Kind::Connection | Kind::Timeout
            | Kind::Aborted | Kind::JobFailed | Kind::JobTimeout | Kind::InvalidOptions | Kind::InvalidResponse
            | Kind::WebhookVerification => Kind::ALL.iter().filter(|x| **x == k).count(),
        };
        for (i, k) in Kind::ALL.iter().enumerate() {
            assert_eq!(listed(*k), 1, "{k:?}");
            match k.parent() {
                None => assert_eq!((i, k.class_name()), (0, "DeapiError"), "one base, first"),
                Some(p) => assert!(Kind::ALL.iter().position(|x| *x == p) < Some(i), "{k:?} after {p:?}"),
            }
            for other in &Kind::ALL[..i] {
                assert_ne!(other.code(), k.code());
                assert_ne!(other.class_name(), k.class_name());
            }
        }
        assert_eq!(Kind::InsufficientBalance.parent(), Some(Kind::Validation));
    }

    #[test]
    fn verified_422_shape_in_server_order() {
        let e = decode(
            422,
            r#"{"message":"The width field must be at least 512. (and 2 more errors)",
               "errors":{"width":["The width field must be at least 512.","The width field must be a multiple of 16."],
                         "height":["The height field must be at least 512."],
                         "steps":["The steps field must be at least 8."]}}"#,
        );
        assert_eq!(e.kind, Kind::Validation);
        assert_eq!(e.status, Some(422));
        assert_eq!(e.message, "The width field must be at least 512. (and 2 more errors)");
        assert_eq!(
            pairs(&e),
            [
                ("width", "The width field must be at least 512."),
                ("width", "The width field must be a multiple of 16."),
                ("height", "The height field must be at least 512."),
                ("steps", "The steps field must be at least 8."),
            ]
        );
        let fe = e.field_errors();
        assert_eq!(fe.len(), 3);
        assert_eq!(fe[0], ("width", vec!["The width field must be at least 512.", "The width field must be a multiple of 16."]));
    }

    #[test]
    fn stale_shape_with_status_code_and_array_errors() {
        let e = decode(
            422,
            r#"{"data":null,"message":"The prompt field is required.",
               "errors":[{"field":"prompt","messages":["The prompt field is required."]},
                         {"field":"seed","messages":["The seed field is required.","x"]}],"statusCode":422}"#,
        );
        assert_eq!(e.kind, Kind::Validation);
        assert_eq!(
            pairs(&e),
            [
                ("prompt", "The prompt field is required."),
                ("seed", "The seed field is required."),
                ("seed", "x")
            ]
        );
        let e = decode(401, r#"{"data":null,"message":"Unauthenticated.","errors":[],"statusCode":401}"#);
        assert_eq!((e.kind, e.message.as_str(), e.errors.len()), (Kind::Authentication, "Unauthenticated.", 0));
    }

    #[test]
    fn status_classes() {
        for (status, kind) in [
            (400, Kind::Http),
            (401, Kind::Authentication),
            (403, Kind::PermissionDenied),
            (404, Kind::NotFound),
            (410, Kind::Http),
            (413, Kind::PayloadTooLarge),
            (418, Kind::Http),
            (422, Kind::Validation),
            (429, Kind::RateLimit),
            (500, Kind::Server),
            (502, Kind::Server),
            (599, Kind::Server),
        ] {
            assert_eq!(decode(status, r#"{"message":"m"}"#).kind, kind, "{status}");
        }
    }

    #[test]
    fn empty_errors_array_and_odd_members() {
        let e = decode(422, r#"{"message":"Bad.","errors":[]}"#);
        assert_eq!((e.kind, e.errors.len()), (Kind::Validation, 0));
        let e = decode(422, r#"{"message":"Bad.","errors":null}"#);
        assert_eq!(e.errors.len(), 0);
        // bare string instead of a list; non-string messages; a field with no readable message
        let e = decode(422, r#"{"message":7,"errors":{"a":"A is bad.","b":[1,"B is bad."],"c_d":[{}]}}"#);
        assert_eq!(pairs(&e), [("a", "A is bad."), ("b", "B is bad."), ("c_d", "The c d field is invalid.")]);
        assert_eq!(e.message, "deAPI request failed: HTTP 422 Unprocessable Content");
    }

    #[test]
    fn a_404_that_is_not_deapis_names_the_request_and_baseurl() {
        let named = |body: &str, url: &str, base: &str| {
            let mut e = decode(404, body);
            name_404_request(&mut e, "GET", url, base);
            e.message.clone()
        };
        let url = "https://example.test/api/v2/account/balance";
        assert_eq!(
            named("", url, "https://example.test"),
            "deAPI request failed: HTTP 404 Not Found with an empty body for GET https://example.test/api/v2/account/balance: \
             check `baseUrl` (deAPI's is https://api.deapi.ai)"
        );
        assert!(named("Cannot GET /api/v2/account/balance", url, "https://example.test").contains("with a non-JSON body for GET https://example.test/api/"));
        assert!(named("{}", url, "https://example.test").ends_with("Not Found for GET https://example.test/api/v2/account/balance: check `baseUrl` (deAPI's is https://api.deapi.ai)"));
        // deAPI's own 404 (an unknown job) keeps its message; other statuses are left alone
        assert_eq!(named(r#"{"message":"Job not found."}"#, url, "https://example.test"), "Job not found.");
        let mut e = decode(500, "");
        name_404_request(&mut e, "GET", url, "https://example.test");
        assert!(!e.message.contains("baseUrl"));
        // a base URL's path and query are not written (a proxy's token may be there), nor a key after finish()
        let base = "https://proxy.test:8443/t0ken-in-path/deapi?k=q1";
        let m = named("", &[base, "/api/v2/jobs/abc"].concat(), base);
        assert!(m.contains("for GET https://proxy.test:8443/…/api/v2/jobs/abc (/…: baseUrl's path, not shown): check"), "{m}");
        assert!(!m.contains("t0ken") && !m.contains("q1"), "{m}");
        let m = named("", "/api/deapi/api/v2/account/balance", "/api/deapi");
        assert!(m.contains("for GET /…/api/v2/account/balance ("), "a relative baseUrl: {m}");
        let key = "424242|CanaryKeyNeverLeaks";
        let mut e = decode(404, "");
        name_404_request(&mut e, "GET", "https://example.test/api/v2/jobs/424242|CanaryKeyNeverLeaks", "https://example.test");
        e.finish(&key_parts(key).collect::<Vec<_>>());
        assert!(e.message.contains("/api/v2/jobs/[REDACTED]") && !e.message.contains("Canary"), "{}", e.message);
    }

    #[test]
    fn insufficient_balance_is_a_validation_subclass() {
        let e = decode(422, r#"{"message":"Not enough balance.","errors":{"balance":["Not enough balance."]}}"#);
        assert_eq!(e.kind, Kind::InsufficientBalance);
    }

    #[test]
    fn non_json_bodies() {
        let html = "<html><head><title>502 Bad Gateway</title></head><body>nginx</body></html>";
        let m = ResponseMeta { status: 502, content_type: Some("text/html".into()), ..Default::default() };
        let e = decode_http_error(&m, Body::Text(html.into()), 0.0);
        assert_eq!(e.kind, Kind::Server);
        assert!(e.message.contains("HTTP 502 Bad Gateway with an HTML page"), "{}", e.message);
        assert_eq!(e.body, Some(Body::Text(html.into())));

        let e = decode(503, "");
        assert_eq!(e.message, "deAPI request failed: HTTP 503 Service Unavailable with an empty body");
        let e = decode(599, "oops");
        assert_eq!(e.message, "deAPI request failed: HTTP 599 with a non-JSON body");
        // JSON that is not an object
        for body in ["null", "[]", "\"text\"", "12"] {
            let e = decode(500, body);
            assert_eq!((e.kind, e.errors.len()), (Kind::Server, 0), "{body}");
            assert!(e.message.starts_with("deAPI request failed: HTTP 500"), "{body}");
        }
    }

    #[test]
    fn long_texts_are_cut_on_a_char_boundary_after_redaction() {
        let text = "é".repeat(5000);
        let mut e = decode(502, &text);
        e.finish(&[]);
        let Some(Body::Text(t)) = &e.body else { panic!() };
        assert!(t.len() <= MAX_TEXT + 3 && t.ends_with('…'));
        // a key straddling the cut does not survive in part
        let key = "424242|CanaryKeyNeverLeaks";
        let mut e = decode(502, &("x".repeat(4080) + key));
        e.finish(&key_parts(key).collect::<Vec<_>>());
        assert!(!format!("{e:?}").contains("Canary"), "{:?}", e.body);
        // a huge JSON message is cut too
        let mut e = decode(500, &format!(r#"{{"message":"{}"}}"#, "m".repeat(100_000)));
        e.finish(&[]);
        assert!(e.message.len() <= MAX_TEXT + 3);
    }

    #[test]
    fn a_huge_422_gives_a_bounded_error_after_redaction() {
        let key = "424242|CanaryKeyNeverLeaks";
        // 100 000 fields, each echoing the key; a 1 MB message; a 100 000-byte field name; a huge extra member
        let fields: Vec<String> = (0..100_000).map(|i| format!(r#""field_{i}":["The field_{i} field is invalid ({key})."]"#)).collect();
        let text = format!(
            r#"{{"message":"{}{key}","errors":{{"{}":["long name"],{}}},"trace":["{}"]}}"#,
            "m".repeat(1_000_000),
            "f".repeat(100_000),
            fields.join(","),
            "t".repeat(5_000_000)
        );
        let mut e = decode(422, &text);
        assert_eq!(e.errors.len(), 100_001);
        e.finish(&key_parts(key).collect::<Vec<_>>());
        let dump = format!("{e:?}");
        assert!(!dump.contains("CanaryKey"), "redacted before the cut");
        assert!(e.message.len() <= MAX_TEXT + 3);
        assert!(e.errors.len() <= MAX_FIELD_ERRORS && e.errors.len() > 100, "{}", e.errors.len());
        assert!(e.errors.first().is_some_and(|f| f.field.len() <= MAX_FIELD + 3 && f.field.ends_with('…')));
        assert!(e.errors.iter().map(|f| f.field.len() + f.message.len()).sum::<usize>() <= MAX_ERRORS_TEXT + 6);
        assert_eq!(e.errors.get(1).map(|f| f.field.as_str()), Some("field_0"), "server order kept");
        let Some(Body::Json(body)) = &e.body else { panic!() };
        let written = crate::core::json::to_text(body).len();
        assert!(written <= MAX_BODY + 64, "{written}");
        assert!(body.get("message").and_then(Json::as_str).is_some_and(|m| m.ends_with('…')), "the body keeps its shape and first members");
        // the whole error, as toJSON writes it (message, errors twice, body) stays under 64 KiB
        let errors: usize = e.errors.iter().map(|f| f.field.len() + f.message.len() + 24).sum();
        assert!(e.message.len() + 2 * errors + written < 64 * 1024, "{}", e.message.len() + 2 * errors + written);
        // a small 422 is kept whole
        let mut e = decode(422, r#"{"message":"Bad.","errors":{"a":["A."],"b":["B."]},"x":[1,2,{"y":null}]}"#);
        let before = e.clone();
        e.finish(&[]);
        assert_eq!(e, before);
    }

    #[test]
    fn the_secret_half_of_the_key_is_redacted_alone() {
        let key = "424242|CanaryKeyNeverLeaks";
        let mut e = decode(401, r#"{"message":"Token CanaryKeyNeverLeaks (424242&#124;CanaryKeyNeverLeaks) has been revoked."}"#);
        e.finish(&key_parts(key).collect::<Vec<_>>());
        assert_eq!(e.message, "Token [REDACTED] (424242&#124;[REDACTED]) has been revoked.");
        assert_eq!(key_parts("1|short").collect::<Vec<_>>(), ["1|short"], "a short secret half would match noise");
    }

    #[test]
    fn gateway_style_error_object() {
        let e = decode(400, r#"{"error":{"message":"bad mask","type":"invalid_request_error"}}"#);
        assert_eq!(e.message, "bad mask");
        let e = decode(500, r#"{"error":"Boom"}"#);
        assert_eq!(e.message, "Boom");
    }

    #[test]
    fn rate_limit_headers_and_retry_after() {
        let h = |n: &str| {
            Some(
                match n {
                    "retry-after" => "86400",
                    "x-ratelimit-limit" => "3",
                    "x-ratelimit-remaining" => "0",
                    "x-ratelimit-daily-limit" => "100",
                    "x-ratelimit-daily-remaining" => "0",
                    "x-ratelimit-type" => "daily",
                    "x-ratelimit-source" => "images/generations",
                    _ => return None,
                }
                .to_owned(),
            )
        };
        let m = ResponseMeta::from_headers(429, h);
        let e = decode_http_error(&m, Body::Json(j(r#"{"message":"Too Many Attempts."}"#)), 0.0);
        assert_eq!(e.kind, Kind::RateLimit);
        assert_eq!(e.retry_after, Some(86400.0));
        let rl = e.rate_limit.clone().unwrap();
        assert_eq!((rl.limit, rl.remaining, rl.daily_limit, rl.daily_remaining), (Some(3.0), Some(0.0), Some(100.0), Some(0.0)));
        assert_eq!((rl.kind.as_deref(), rl.source.as_deref()), (Some("daily"), Some("images/generations")));
    }

    #[test]
    fn redaction_reaches_every_string() {
        let key = "1234|SecretKeyValue";
        let mut e = decode(
            422,
            r#"{"message":"bad key 1234|SecretKeyValue","errors":{"k1234|SecretKeyValue":["echo 1234|SecretKeyValue"]},"x":["1234|SecretKeyValue"]}"#,
        );
        e.redact(key);
        let dump = format!("{e:?}");
        assert!(!dump.contains("SecretKeyValue"), "{dump}");
        let mut e = decode(500, "token=1234|SecretKeyValue");
        e.redact(key);
        assert!(!format!("{e:?}").contains("SecretKeyValue"));
    }
}
