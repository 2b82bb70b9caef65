//! Success envelopes (pure): submit, price, balance and model pages, read leniently
//! (deapi-api.md §2.2, §2.5). A 2xx whose body is not the expected envelope becomes an
//! `InvalidResponseError` that keeps the body.


use crate::core::error::{ApiError, Body, Kind};
use crate::core::json::Json;
use crate::core::text::dec;

pub fn invalid_response(status: u16, body: &Json, what: &str) -> ApiError {
    let mut e = ApiError::new(Kind::InvalidResponse, ["deAPI returned HTTP ", &dec(u64::from(status)), " but ", what].concat());
    e.status = Some(status);
    e.body = Some(Body::Json(body.clone()));
    e
}

/// `data.<key>` or a top-level `<key>` (deAPI moves some fields between the two).
fn field<'a>(body: &'a Json, key: &str) -> Option<&'a Json> {
    body.get("data").and_then(|d| d.get(key)).or_else(|| body.get(key)).filter(|v| !v.is_null())
}

/// `{"data":{"request_id":"…"}}` → the request id.
pub fn submit(status: u16, body: &Json) -> Result<String, ApiError> {
    match field(body, "request_id") {
        Some(Json::Str(id)) if !id.is_empty() => Ok(id.clone()),
        Some(Json::Num(n)) if n.fract() == 0.0 && *n >= 0.0 && *n < 9.0e15 => Ok(dec(*n as u64)),
        _ => Err(invalid_response(status, body, "the body has no `data.request_id`")),
    }
}

/// The prompt booster's answer: top-level `{"prompt", "negative_prompt"}` (also read from `data`).
pub fn enhanced(status: u16, body: &Json) -> Result<Json, ApiError> {
    let Some(Json::Str(prompt)) = field(body, "prompt") else {
        return Err(invalid_response(status, body, "the body has no `prompt`"));
    };
    let negative = match field(body, "negative_prompt") {
        Some(Json::Str(n)) => Json::Str(n.clone()),
        _ => Json::Null,
    };
    Ok(Json::Obj(vec![("prompt".to_owned(), Json::Str(prompt.clone())), ("negative_prompt".to_owned(), negative)]))
}

/// `{"data":{"price":0.01}}` or `{"price":0.01}` → `{price, is_estimated?}`.
pub fn price(status: u16, body: &Json) -> Result<Json, ApiError> {
    let price = field(body, "price")
        .and_then(Json::as_f64_lenient)
        .ok_or_else(|| invalid_response(status, body, "the body has no numeric `price`"))?;
    let mut out = vec![("price".to_owned(), Json::Num(price))];
    if let Some(est) = field(body, "is_estimated").and_then(Json::as_bool_lenient) {
        out.push(("is_estimated".to_owned(), Json::Bool(est)));
    }
    Ok(Json::Obj(out))
}

/// `{"data":{"balance":19.72}}` or `{"balance":19.72}` → `{balance}`.
pub fn balance(status: u16, body: &Json) -> Result<Json, ApiError> {
    let balance = field(body, "balance")
        .and_then(Json::as_f64_lenient)
        .ok_or_else(|| invalid_response(status, body, "the body has no numeric `balance`"))?;
    Ok(Json::Obj(vec![("balance".to_owned(), Json::Num(balance))]))
}

/// A Laravel paginator page of models → `{data, currentPage, lastPage, perPage, total}`.
pub fn models_page(status: u16, body: &Json) -> Result<Json, ApiError> {
    let Some(Json::Arr(items)) = body.get("data") else {
        return Err(invalid_response(status, body, "the body has no `data` list of models"));
    };
    let models = items.iter().filter(|m| matches!(m, Json::Obj(_))).map(model).collect();
    let meta = body.get("meta");
    let meta_num = |k: &str| meta.and_then(|m| m.get(k)).and_then(Json::as_f64_lenient);
    let current = meta_num("current_page").unwrap_or(1.0);
    let last = meta_num("last_page").unwrap_or(current).max(current);
    let mut out = vec![
        ("data".to_owned(), Json::Arr(models)),
        ("currentPage".to_owned(), Json::Num(current)),
        ("lastPage".to_owned(), Json::Num(last)),
    ];
    for (from, to) in [("per_page", "perPage"), ("total", "total")] {
        if let Some(n) = meta_num(from) {
            out.push((to.to_owned(), Json::Num(n)));
        }
    }
    Ok(Json::Obj(out))
}

/// One model, normalised: `inference_types` always a list of strings, `info` always an object
/// with `limits` and `defaults` (numeric strings as numbers) and `features` (flags as booleans).
pub fn model(m: &Json) -> Json {
    let Json::Obj(pairs) = m else { return m.clone() };
    let mut out: Vec<(String, Json)> = Vec::with_capacity(pairs.len() + 1);
    for (k, v) in pairs {
        let v = match k.as_str() {
            "inference_types" => inference_types(v),
            "info" => info(v),
            _ => v.clone(),
        };
        out.push((k.clone(), v));
    }
    for (k, default) in [("inference_types", Json::Arr(vec![])), ("info", info(&Json::Null))] {
        if !out.iter().any(|(key, _)| key == k) {
            out.push((k.to_owned(), default));
        }
    }
    Json::Obj(out)
}

fn inference_types(v: &Json) -> Json {
    match v {
        Json::Arr(items) => Json::Arr(items.iter().filter(|t| matches!(t, Json::Str(_))).cloned().collect()),
        Json::Obj(pairs) => Json::Arr(pairs.iter().map(|(k, _)| Json::Str(k.clone())).collect()),
        Json::Str(s) => Json::Arr(s.split(',').map(str::trim).filter(|s| !s.is_empty()).map(Json::str).collect()),
        _ => Json::Arr(vec![]),
    }
}

fn info(v: &Json) -> Json {
    let section = |name: &str, fix: fn(&Json) -> Json| -> (String, Json) {
        let fixed = match v.get(name) {
            Some(Json::Obj(pairs)) => Json::Obj(pairs.iter().map(|(k, v)| (k.clone(), fix(v))).collect()),
            _ => Json::Obj(vec![]),
        };
        (name.to_owned(), fixed)
    };
    let numeric = |v: &Json| match v {
        Json::Str(_) => v.as_f64_lenient().map_or_else(|| v.clone(), Json::Num),
        _ => v.clone(),
    };
    let mut out = vec![
        section("limits", numeric),
        section("features", |v| v.as_bool_lenient().map_or_else(|| v.clone(), Json::Bool)),
        section("defaults", numeric),
    ];
    if let Json::Obj(pairs) = v {
        out.extend(pairs.iter().filter(|(k, _)| !matches!(k.as_str(), "limits" | "features" | "defaults")).cloned());
    }
    Json::Obj(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::test_util::j;


    #[test]
    fn submit_envelopes() {
        assert_eq!(submit(200, &j(r#"{"data":{"request_id":"c08a339c"}}"#)).unwrap(), "c08a339c");
        assert_eq!(submit(200, &j(r#"{"data":{"request_id":1}}"#)).unwrap(), "1");
        for bad in [r#"{"data":{}}"#, r#"{}"#, r#"[]"#, r#"{"data":{"request_id":""}}"#, r#"{"data":{"request_id":[1]}}"#] {
            let e = submit(200, &j(bad)).unwrap_err();
            assert_eq!((e.kind, e.status), (Kind::InvalidResponse, Some(200)), "{bad}");
            assert!(e.message.contains("request_id"));
        }
    }

    #[test]
    fn booster_envelope() {
        assert_eq!(enhanced(200, &j(r#"{"prompt":"a vivid fox","negative_prompt":null}"#)).unwrap(), j(r#"{"prompt":"a vivid fox","negative_prompt":null}"#));
        assert_eq!(enhanced(200, &j(r#"{"data":{"prompt":"p","negative_prompt":"n"}}"#)).unwrap(), j(r#"{"prompt":"p","negative_prompt":"n"}"#));
        assert_eq!(enhanced(200, &j(r#"{"prompt":5}"#)).unwrap_err().kind, Kind::InvalidResponse);
    }

    #[test]
    fn price_and_balance_envelopes() {
        assert_eq!(price(200, &j(r#"{"data":{"price":0.0123}}"#)).unwrap(), j(r#"{"price":0.0123}"#));
        assert_eq!(price(200, &j(r#"{"price":"0.5","is_estimated":true}"#)).unwrap(), j(r#"{"price":0.5,"is_estimated":true}"#));
        assert!(price(200, &j(r#"{"data":{"price":null}}"#)).is_err());
        assert_eq!(balance(200, &j(r#"{"data":{"balance":19.72}}"#)).unwrap(), j(r#"{"balance":19.72}"#));
        assert_eq!(balance(200, &j(r#"{"balance":3}"#)).unwrap(), j(r#"{"balance":3}"#));
        assert_eq!(balance(200, &j(r#"{"data":{}}"#)).unwrap_err().kind, Kind::InvalidResponse);
    }

    #[test]
    fn lenient_models() {
        let page = models_page(
            200,
            &j(r#"{"data":[
                {"name":"Flux","slug":"Flux1schnell","inference_types":["txt2img"],
                 "info":{"limits":{"min_width":"256","max_steps":10,"timestamp_levels":["segment"]},"features":{"supports_guidance":"0","supports_steps":true},"defaults":{"steps":"4","voice":"af_sky"}}},
                {"name":"Odd","slug":"Odd","inference_types":{"txt2img":{},"img2img":{"x":1}},"info":[]},
                "junk",
                {"slug":"Bare"}
              ],"meta":{"current_page":1,"last_page":"2","per_page":50,"total":60}}"#),
        )
        .unwrap();
        assert_eq!(page.get("currentPage"), Some(&Json::Num(1.0)));
        assert_eq!(page.get("lastPage"), Some(&Json::Num(2.0)));
        assert_eq!(page.get("total"), Some(&Json::Num(60.0)));
        let Some(Json::Arr(models)) = page.get("data") else { panic!() };
        assert_eq!(models.len(), 3);
        let flux = &models[0];
        let limits = flux.get("info").unwrap().get("limits").unwrap();
        assert_eq!(limits.get("min_width"), Some(&Json::Num(256.0)));
        assert_eq!(limits.get("timestamp_levels"), Some(&j(r#"["segment"]"#)));
        let features = flux.get("info").unwrap().get("features").unwrap();
        assert_eq!(features, &j(r#"{"supports_guidance":false,"supports_steps":true}"#));
        assert_eq!(flux.get("info").unwrap().get("defaults"), Some(&j(r#"{"steps":4,"voice":"af_sky"}"#)));
        assert_eq!(models[1].get("inference_types"), Some(&j(r#"["txt2img","img2img"]"#)));
        assert_eq!(models[1].get("info"), Some(&j(r#"{"limits":{},"features":{},"defaults":{}}"#)));
        assert_eq!(models[2].get("inference_types"), Some(&j("[]")));
        assert!(models_page(200, &j(r#"{"data":{}}"#)).is_err());
        // missing meta: one page
        let p = models_page(200, &j(r#"{"data":[]}"#)).unwrap();
        assert_eq!(p.get("lastPage"), Some(&Json::Num(1.0)));
    }
}
