//! Request building (pure): URL, headers and body from the client config and the user's params.

use crate::api::{encode_component, Endpoint};
use crate::config::Config;
use crate::error::{ApiError, FieldError, Kind};
use crate::json::Json;

#[derive(Clone, Debug, PartialEq)]
pub struct HttpRequest {
    pub method: &'static str,
    pub url: String,
    pub headers: Vec<(String, String)>,
    /// A JSON body (serialised by the transport).
    pub body: Option<Json>,
    pub is_submission: bool,
}

impl HttpRequest {
    /// The headers with the `Authorization` value hidden, for hooks and logs.
    pub fn redacted_headers(&self) -> Vec<(String, String)> {
        self.headers
            .iter()
            .map(|(k, v)| {
                let v = if k.eq_ignore_ascii_case("authorization") { redact_auth(v) } else { v.clone() };
                (k.clone(), v)
            })
            .collect()
    }
}

fn redact_auth(v: &str) -> String {
    match v.split_once(' ') {
        Some((scheme, _)) => format!("{scheme} [REDACTED]"),
        None => "[REDACTED]".to_owned(),
    }
}

/// Build a request. `params` is the user's body object (POST), `query` the query pairs (GET).
pub fn build(cfg: &Config, endpoint: &Endpoint, params: Option<&Json>, query: &[(String, String)]) -> Result<HttpRequest, ApiError> {
    let mut url = format!("{}{}", cfg.base_url, endpoint.path(cfg.version));
    for (i, (k, v)) in query.iter().enumerate() {
        url.push(if i == 0 { '?' } else { '&' });
        url.push_str(&encode_component(k));
        url.push('=');
        url.push_str(&encode_component(v));
    }
    let mut headers = vec![("Accept".to_owned(), "application/json".to_owned())];
    let body = match params {
        Some(p) => {
            headers.push(("Content-Type".to_owned(), "application/json".to_owned()));
            Some(json_body(p)?)
        }
        None => None,
    };
    if let Some(key) = &cfg.api_key {
        headers.push(("Authorization".to_owned(), format!("Bearer {key}")));
    }
    for (k, v) in &cfg.headers {
        match headers.iter_mut().find(|(name, _)| name.eq_ignore_ascii_case(k)) {
            Some(slot) => slot.1 = v.clone(),
            None => headers.push((k.clone(), v.clone())),
        }
    }
    Ok(HttpRequest { method: endpoint.method(), url, headers, body, is_submission: endpoint.is_submission() })
}

/// The JSON body of a POST: the params object with `null`/`undefined` fields left out.
/// Numbers that JSON cannot carry (NaN, ±Infinity) are reported as a validation error on their
/// field instead of being sent as `null`.
pub fn json_body(params: &Json) -> Result<Json, ApiError> {
    let Json::Obj(pairs) = params else {
        return Err(ApiError::new(
            Kind::InvalidOptions,
            format!("Invalid argument `params`: expected an object of deAPI fields, got {}", params.type_name()),
        ));
    };
    let mut bad = Vec::new();
    let mut kept = Vec::with_capacity(pairs.len());
    for (k, v) in pairs {
        if v.is_null() {
            continue;
        }
        if has_non_finite(v) {
            bad.push(FieldError { field: k.clone(), message: format!("The {} field must be a finite number.", k.replace('_', " ")) });
        }
        kept.push((k.clone(), v.clone()));
    }
    if let Some(first) = bad.first() {
        let mut e = ApiError::new(Kind::Validation, first.message.clone());
        e.errors = bad;
        return Err(e);
    }
    Ok(Json::Obj(kept))
}

fn has_non_finite(v: &Json) -> bool {
    match v {
        Json::Num(n) => !n.is_finite(),
        Json::Arr(items) => items.iter().any(has_non_finite),
        Json::Obj(pairs) => pairs.iter().any(|(_, v)| has_non_finite(v)),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::api::{find_op, ApiVersion};
    use crate::config::{parse_options, Runtime};
    use crate::json::parse;

    fn cfg(extra: &str) -> Config {
        parse_options(&parse(&format!(r#"{{"apiKey":"1|secret"{extra}}}"#)).unwrap(), &[], Runtime::Server).unwrap()
    }

    #[test]
    fn submit_request_v2_and_v1() {
        let op = find_op("images.generate").unwrap();
        let params = parse(r#"{"prompt":"a fox","model":"Flux1schnell","width":1024,"negative_prompt":null,"seed":-1}"#).unwrap();
        let r = build(&cfg(""), &Endpoint::Submit(op), Some(&params), &[]).unwrap();
        assert_eq!((r.method, r.url.as_str(), r.is_submission), ("POST", "https://api.deapi.ai/api/v2/images/generations", true));
        assert_eq!(
            r.headers,
            [
                ("Accept".into(), "application/json".into()),
                ("Content-Type".into(), "application/json".into()),
                ("Authorization".into(), "Bearer 1|secret".into())
            ]
        );
        // null fields are left out, the rest kept as typed
        assert_eq!(r.body, parse(r#"{"prompt":"a fox","model":"Flux1schnell","width":1024,"seed":-1}"#));
        let r = build(&cfg(r#","apiVersion":"v1","baseUrl":"http://127.0.0.1:8080/""#), &Endpoint::Price(op), Some(&params), &[]).unwrap();
        assert_eq!(r.url, "http://127.0.0.1:8080/api/v1/client/txt2img/price-calculation");
        assert!(!r.is_submission);
    }

    #[test]
    fn get_with_query_and_custom_headers() {
        let c = cfg(r#","headers":{"X-App":"demo","accept":"application/json; q=1"}"#);
        let q = [("limit".to_owned(), "50".to_owned()), ("filter[inference_types]".to_owned(), "txt2img,img2img".to_owned())];
        let r = build(&c, &Endpoint::Models, None, &q).unwrap();
        assert_eq!(r.url, "https://api.deapi.ai/api/v2/models?limit=50&filter%5Binference_types%5D=txt2img%2Cimg2img");
        assert_eq!(r.body, None);
        assert_eq!(r.headers.len(), 3);
        assert_eq!(r.headers[0], ("Accept".into(), "application/json; q=1".into()));
        assert_eq!(r.headers[2], ("X-App".into(), "demo".into()));
    }

    #[test]
    fn keyless_proxy_mode_sends_no_authorization() {
        let c = parse_options(&parse(r#"{"baseUrl":"https://proxy.example/deapi"}"#).unwrap(), &[], Runtime::Server).unwrap();
        let r = build(&c, &Endpoint::Balance, None, &[]).unwrap();
        assert_eq!(r.url, "https://proxy.example/deapi/api/v2/account/balance");
        assert!(r.headers.iter().all(|(k, _)| !k.eq_ignore_ascii_case("authorization")));
        assert_eq!(c.version, ApiVersion::V2);
    }

    #[test]
    fn bad_params() {
        let op = find_op("images.generate").unwrap();
        let e = build(&cfg(""), &Endpoint::Submit(op), Some(&Json::str("a fox")), &[]).unwrap_err();
        assert_eq!(e.kind, Kind::InvalidOptions);
        assert!(e.message.contains("got string"));
        let p = Json::Obj(vec![("width".into(), Json::Num(f64::NAN)), ("loras".into(), Json::Arr(vec![Json::Num(f64::INFINITY)]))]);
        let e = build(&cfg(""), &Endpoint::Submit(op), Some(&p), &[]).unwrap_err();
        assert_eq!(e.kind, Kind::Validation);
        assert_eq!(e.status, None);
        assert_eq!(e.errors.iter().map(|f| f.field.as_str()).collect::<Vec<_>>(), ["width", "loras"]);
        assert_eq!(e.message, "The width field must be a finite number.");
    }

    #[test]
    fn authorization_is_redacted_for_hooks() {
        let r = build(&cfg(""), &Endpoint::Balance, None, &[]).unwrap();
        let h = r.redacted_headers();
        assert!(h.contains(&("Authorization".into(), "Bearer [REDACTED]".into())));
        assert!(!format!("{h:?}").contains("secret"));
    }
}
