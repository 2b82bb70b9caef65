//! Planning a call (pure: tested natively): what each kind of call is given ([`Call`]), its options
//! checked, its params validated ([`crate::core::validate`], with the model catalogue when needed),
//! and the request built ([`crate::core::request`]) into a [`Plan`] the binding sends: the method,
//! URL, headers, a JSON or multipart body (each upload's type and file name decided here), the
//! timeout and how the answer is decoded. `wait()`'s options are planned here too ([`WaitPlan`]).

use crate::core::api::{find_op, Endpoint, Op, OPS};
use crate::core::args::{call_options, request_id, Arg, Opts, Params, Upload, CALL_KEYS, PLAIN_KEYS, VALIDATE_KEYS, WAIT_KEYS};
use crate::core::config::{parse_call_retries, parse_call_timeout, Config};
use crate::core::decode;
use crate::core::error::ApiError;
use crate::core::jobs::WaitOptions;
use crate::core::json::Json;
use crate::core::request::{build, default_filename, sniff_mime, Body as ReqBody, Part};
use crate::core::text::dec;
use crate::core::validate::{self, ModelInfo};

/// A call, with what it was given.
#[derive(Clone, Debug, PartialEq)]
pub enum Call {
    /// Operation `op` (`images.generate`, …): submit it.
    Submit { op: String, params: Params },
    /// The price of operation `op` with these params.
    Price { op: String, params: Params },
    /// One status poll of job `id`.
    Status { id: Arg },
    /// A models page: `query` (`{ inference_types, page, limit }`); `page`: page n of `models.all`,
    /// which pages itself (the query's own `page` is still checked).
    Models { query: Params, page: Option<u32> },
    Balance,
    /// Validate only: operation `op` (its name may end in `Price`) with these params.
    Validate { op: String, params: Params },
}

/// How a 2xx body is read.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Decoder {
    Submit,
    Price,
    Enhanced,
    Status,
    Models,
    Balance,
}

/// One multipart field as the binding sends it.
#[derive(Clone, Debug, PartialEq)]
pub enum FormPart {
    Text(String),
    /// Written as the runtime's `String(n)`.
    Num(f64),
    /// Upload number `index` of the params. `mime`: its type (`None`: a Blob without one — the
    /// binding sniffs its first bytes with [`file_type`]); `filename` (`None`: made from the field and
    /// the type); `reuse`: the Blob already has that type and goes as it is.
    File { index: usize, wrapper: bool, mime: Option<String>, filename: Option<String>, reuse: bool },
    Missing,
}

#[derive(Clone, Debug, PartialEq)]
pub enum PlanBody {
    /// A JSON body: the binding writes it with `JSON.stringify` (serde_json's serializer and float
    /// formatter stay out of the module).
    Json(Json),
    Form(Vec<(String, FormPart)>),
}

/// A request, ready to send, and how to read its answer.
#[derive(Clone, Debug, PartialEq)]
pub struct Plan {
    pub method: &'static str,
    pub url: String,
    pub headers: Vec<(String, String)>,
    /// The headers with the key hidden, when an `onRequest` hook will see them.
    pub shown_headers: Option<Vec<(String, String)>>,
    pub body: Option<PlanBody>,
    pub timeout_ms: f64,
    /// Retries after a failed attempt (the call's `maxRetries`, else the client's).
    pub max_retries: u32,
    /// `withResponse`: resolve with `{ data, status, rateLimit }`.
    pub with_response: bool,
    pub decoder: Decoder,
    pub submission: bool,
    /// The rate-limit bucket, and whether it is rate limited.
    pub bucket: &'static str,
    pub limited: bool,
    /// The job id of a status call ("" otherwise).
    pub id: String,
}

/// What [`Planner::plan`] found.
#[derive(Debug, PartialEq)]
pub enum Planned {
    Request(Box<Plan>),
    /// Validation needs the model catalogue: fetch it ([`crate::core::session::Session::set_catalogue`]) and plan again.
    NeedCatalogue,
    /// Validate only: the params are valid.
    Valid,
}

/// A `wait()`'s options.
#[derive(Clone, Debug, PartialEq)]
pub struct WaitPlan {
    pub id: String,
    pub timeout_ms: f64,
    /// Each poll's `maxRetries` (the wait's, else the client's).
    pub max_retries: u32,
    pub options: WaitOptions,
    /// Events may drive this wait (`realtime: false` → it polls).
    pub realtime: bool,
}

/// Models query `{ inference_types, page, limit }` → query pairs (`limit` defaults to 50, the
/// API's maximum; without it deAPI silently returns only 25).
fn models_query(q: &Json, page: Option<f64>) -> Result<Vec<(String, String)>, ApiError> {
    if let Json::Obj(pairs) = q {
        for (k, _) in pairs {
            if !matches!(k.as_str(), "inference_types" | "page" | "limit") {
                return Err(ApiError::invalid_option(k, "unknown models query field (accepted: inference_types, page, limit)"));
            }
        }
    } else if !q.is_null() {
        return Err(ApiError::invalid_option("query", "must be an object such as { inference_types: [\"txt2img\"] }"));
    }
    let int = |name: &str, max: f64, problem: &str| -> Result<Option<u32>, ApiError> {
        match q.get(name) {
            None | Some(Json::Null) => Ok(None),
            Some(Json::Num(n)) if n.fract() == 0.0 && *n >= 1.0 && *n <= max => Ok(Some(*n as u32)),
            Some(_) => Err(ApiError::invalid_option(name, problem)),
        }
    };
    let limit = int("limit", 50.0, "must be an integer from 1 to 50")?.unwrap_or(50);
    let page = match page {
        Some(p) => p as u32,
        None => int("page", 1_000_000.0, "must be an integer from 1 to 1000000")?.unwrap_or(1),
    };
    let mut out = vec![("limit".to_owned(), dec(u64::from(limit))), ("page".to_owned(), dec(u64::from(page)))];
    let types = match q.get("inference_types") {
        None | Some(Json::Null) => None,
        Some(Json::Str(s)) => Some(s.clone()),
        Some(Json::Arr(items)) => {
            let names: Option<Vec<&str>> = items.iter().map(Json::as_str).collect();
            Some(names.ok_or_else(|| ApiError::invalid_option("inference_types", "must be a list of strings"))?.join(","))
        }
        Some(_) => return Err(ApiError::invalid_option("inference_types", "must be a string or a list of strings")),
    };
    if let Some(t) = types.filter(|t| !t.is_empty()) {
        out.push(("filter[inference_types]".to_owned(), t));
    }
    Ok(out)
}

/// Size and MIME type of an upload (the wrapper's or Blob's `type`, else sniffed from the bytes).
fn file_info(u: &Upload) -> Option<(f64, String)> {
    let mime = u.given_type.clone().or_else(|| u.own_type.clone()).filter(|t| !t.is_empty());
    Some((u.size?, mime.unwrap_or_else(|| sniff_mime(&u.head).unwrap_or_default().to_owned())))
}

/// How one upload is sent.
fn form_file(u: &Upload, index: usize, field: &str) -> FormPart {
    let name = u.name.clone().filter(|n| !n.is_empty());
    let own_type = if u.bytes { None } else { u.own_type.clone().filter(|t| !t.is_empty()) };
    let mime = match u.given_type.clone().filter(|t| !t.is_empty()).or_else(|| own_type.clone()) {
        Some(t) => Some(t),
        None if u.bytes => Some(sniff_mime(&u.head).unwrap_or("application/octet-stream").to_owned()),
        None => None,
    };
    let filename = name.or_else(|| mime.as_deref().map(|m| default_filename(field, m)));
    let reuse = own_type.is_some() && own_type == mime;
    FormPart::File { index, wrapper: u.wrapper, mime, filename, reuse }
}

/// An upload whose type the plan could not know (a Blob without one: its first bytes read later):
/// `mime` when it has one, else the type its first bytes show (`application/octet-stream` when
/// unknown); and the file name it gets when it has none (the field and the type's extension).
pub fn file_type(head: &[u8], mime: Option<&str>, field: &str) -> (String, String) {
    let mime = match mime {
        Some(m) if !m.is_empty() => m,
        _ => sniff_mime(head).unwrap_or("application/octet-stream"),
    };
    (mime.to_owned(), default_filename(field, mime))
}

/// The operations' names (`images.generate`, …), in table order.
pub fn operation_names() -> Vec<&'static str> {
    OPS.iter().map(|op| op.name).collect()
}

/// What planning reads of a client ([`crate::core::session::Session`] makes one for each plan): its
/// options, the model catalogue when it has been fetched, and whether an `onRequest` hook will see
/// the headers. Its errors are not finished yet (the session redacts and cuts them).
pub struct Planner<'a> {
    pub cfg: &'a Config,
    pub catalogue: Option<&'a [Json]>,
    pub show_headers: bool,
}

impl Planner<'_> {
    /// Client-side validation with the model given or looked up in the catalogue. `Ok(false)`: the
    /// catalogue is needed first.
    fn check(&self, op: &Op, price: bool, params: &Json, files: &[Upload], model: Option<&Json>, no_catalogue: bool) -> Result<bool, ApiError> {
        let slug = params.get("model").and_then(Json::as_str);
        let use_catalogue = model.is_none() && slug.is_some() && !op.sync;
        if use_catalogue && self.catalogue.is_none() && !no_catalogue {
            return Ok(false);
        }
        let catalogue = if use_catalogue { self.catalogue } else { None };
        let found = catalogue.and_then(|c| c.iter().find(|m| m.get("slug").and_then(Json::as_str) == slug));
        let info = match (model, catalogue, found) {
            (Some(m), _, _) => ModelInfo::Found(m),
            (None, Some(_), Some(m)) => ModelInfo::Found(m),
            (None, Some(_), None) => ModelInfo::Missing,
            _ => ModelInfo::Unknown,
        };
        let sizes = |i: u32| files.get(i as usize).and_then(file_info);
        validate::check(op, price, self.cfg.version, params, info, &sizes)?;
        Ok(true)
    }

    /// Plan one call. For submit, price and validate, `no_catalogue` says the model catalogue could
    /// not be had (model checks skipped).
    pub fn plan(&self, call: &Call, opts: &Opts, no_catalogue: bool) -> Result<Planned, ApiError> {
        let not_op = |name: &str| ApiError::invalid_option("operation", &["`", name, "` is not a deAPI operation"].concat());
        let allowed = match call {
            // a status poll is one request (`jobs.get.withResponse`); a page of `models.all` is one of many
            Call::Models { page: Some(_), .. } => PLAIN_KEYS,
            Call::Validate { .. } => VALIDATE_KEYS,
            _ => CALL_KEYS,
        };
        let o = call_options(opts, allowed)?;
        let timeout = parse_call_timeout(&o, self.cfg.timeout_ms)?;
        let max_retries = parse_call_retries(&o, self.cfg.retry.max_retries)?;
        let mut job = String::new();
        let mut files: &[Upload] = &[];
        let (endpoint, body, query, decoder) = match call {
            Call::Validate { op, params } => {
                let (base, price) = match op.strip_suffix("Price") {
                    Some(base) => (base, true),
                    None => (op.as_str(), false),
                };
                let op = find_op(base).ok_or_else(|| not_op(base))?;
                let (params, files) = params.as_ref().map_err(|_| ApiError::invalid_option("params", "must be an object of deAPI fields"))?;
                let model = match o.get("model") {
                    Some(m @ Json::Obj(_)) => Some(decode::model(m)),
                    Some(Json::Null) | None => None,
                    Some(_) => return Err(ApiError::invalid_option("model", "must be a model object from models.list() or models.all()")),
                };
                let done = self.check(op, price, params, files, model.as_ref(), no_catalogue)?;
                return Ok(if done { Planned::Valid } else { Planned::NeedCatalogue });
            }
            Call::Submit { op, params } | Call::Price { op, params } => {
                let op = find_op(op).ok_or_else(|| not_op(op))?;
                let (p, f) = params.as_ref().map_err(|_| {
                    ApiError::invalid_option("params", "must be an object of deAPI fields: JSON values and files (Blob, File, Uint8Array, ArrayBuffer)")
                })?;
                files = f;
                let price = matches!(call, Call::Price { .. });
                if self.cfg.validate && !self.check(op, price, p, files, None, no_catalogue)? {
                    return Ok(Planned::NeedCatalogue);
                }
                let d = match (price, op.sync) {
                    (true, _) => Decoder::Price,
                    (false, true) => Decoder::Enhanced,
                    (false, false) => Decoder::Submit,
                };
                (if price { Endpoint::Price(op) } else { Endpoint::Submit(op) }, Some(p), Vec::new(), d)
            }
            Call::Status { id } => {
                job = request_id(id)?;
                (Endpoint::Job(&job), None, Vec::new(), Decoder::Status)
            }
            Call::Models { query, page } => {
                let (q, _) = query.as_ref().map_err(|_| ApiError::invalid_option("query", "must be a plain object"))?;
                // a bad `page` in the query is reported even when paging through every model
                let mut pairs = models_query(q, None)?;
                if let Some(n) = page {
                    pairs = models_query(q, Some(f64::from((*n).max(1))))?;
                }
                (Endpoint::Models, None, pairs, Decoder::Models)
            }
            Call::Balance => (Endpoint::Balance, None, Vec::new(), Decoder::Balance),
        };
        let mut req = build(self.cfg, &endpoint, body, &query)?;
        let shown_headers = self.show_headers.then(|| req.redacted_headers());
        let body = match req.body.take() {
            Some(ReqBody::Json(j)) => Some(PlanBody::Json(j)),
            Some(ReqBody::Multipart(parts)) => Some(PlanBody::Form(
                parts
                    .into_iter()
                    .map(|(field, part)| {
                        let p = match part {
                            Part::Text(t) => FormPart::Text(t),
                            Part::Num(x) => FormPart::Num(x),
                            Part::File(f) => match files.get(f as usize) {
                                Some(u) => form_file(u, f as usize, &field),
                                None => FormPart::Missing,
                            },
                        };
                        (field, p)
                    })
                    .collect(),
            )),
            None => None,
        };
        Ok(Planned::Request(Box::new(Plan {
            method: req.method,
            url: req.url.clone(),
            headers: req.headers.clone(),
            shown_headers,
            body,
            timeout_ms: timeout,
            max_retries,
            with_response: matches!(o.get("withResponse"), Some(Json::Bool(true))),
            decoder,
            submission: req.is_submission,
            bucket: req.bucket,
            limited: !matches!(req.bucket, "models" | "balance"),
            id: job,
        })))
    }

    /// The realtime auth request (`POST realtime.authEndpoint`; its body, the JSON text of
    /// [`crate::core::realtime::auth_body`], is sent by the binding as it is), headed as every call;
    /// `None` when realtime is off. Sent once per socket id (the [`crate::core::realtime::Link`]
    /// decides what follows a failure).
    pub fn auth_plan(&self) -> Option<Plan> {
        let rt = self.cfg.realtime.as_ref()?;
        Some(Plan {
            method: "POST",
            url: rt.auth_endpoint.clone(),
            headers: crate::core::request::auth_headers(self.cfg),
            shown_headers: None,
            body: None,
            timeout_ms: self.cfg.timeout_ms,
            max_retries: 0,
            with_response: false,
            decoder: Decoder::Balance,
            submission: false,
            bucket: "",
            limited: false,
            id: String::new(),
        })
    }

    /// `wait()`'s options, and the job id checked and trimmed.
    pub fn wait_plan(&self, id: &Arg, opts: &Opts) -> Result<WaitPlan, ApiError> {
        let o = call_options(opts, WAIT_KEYS)?;
        let options = WaitOptions::parse(&o)?;
        let id = request_id(id)?;
        let timeout_ms = parse_call_timeout(&o, self.cfg.timeout_ms)?;
        let max_retries = parse_call_retries(&o, self.cfg.retry.max_retries)?;
        let realtime = match o.get("realtime") {
            None | Some(Json::Null) => true,
            Some(Json::Bool(b)) => *b,
            Some(_) => return Err(ApiError::invalid_option("realtime", "must be true or false (false: this wait polls)")),
        };
        Ok(WaitPlan { id, timeout_ms, max_retries, options, realtime })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_upload_without_a_type_is_sniffed_and_named() {
        let png = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];
        assert_eq!(file_type(&png, None, "image"), ("image/png".to_owned(), "image.png".to_owned()));
        assert_eq!(file_type(&[], Some("image/webp"), "画像").1, "画像.webp");
        assert_eq!(file_type(&[1, 2], None, "f").0, "application/octet-stream");
    }
}
