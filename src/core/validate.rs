//! Client-side validation (pure): the checks deAPI makes, run before any request, producing the
//! same `ValidationError` as a server 422 (`status` undefined) in the server's wording
//! ("The width field must be at least 256.").
//!
//! What is checked: required fields (and "one of" pairs), types, enumerations, and the chosen
//! model's `info.limits` (`min_<field>`/`max_<field>`, `resolution_step`, `max_input_images`,
//! `timestamp_levels`), text lengths, file size caps (deapi-api.md §2.3, §2.7). Anything the
//! server might accept is let through: the server stays the judge.
//!
//! The rules are data, per operation ([`crate::core::api::Rules`]: each field's type, bounds and
//! lists, written after deAPI's spec); this module applies them in order. What stays by name here
//! is what the catalogue or deAPI's documentation decides, not the spec: `model`'s existence and
//! inference type, the model's `info.limits` (and which limit a field reads), `ts_level`'s
//! per-model levels, speech `text`'s per-model length, file size caps, the webhook URL's scheme and
//! its pairing with `webhook_secret`, and the booster's `image` for the types that edit one.
//! `tests/spec_rules.rs` checks the data against the spec, and tries each rule here.

use crate::core::api::{ApiVersion, Field, Op, Rules, Type, WEBHOOK_LEN};
use crate::core::error::{ApiError, FieldError, Kind};
use crate::core::json::{Json, MAX_SAFE_INTEGER};
use crate::core::messages::{attr, field_message};
use crate::core::text::dec;

fn lookup<'a, T>(table: &'a [(&'static str, T)], key: &str) -> Option<&'a T> {
    table.iter().find(|(k, _)| *k == key).map(|(_, v)| v)
}

/// Upload caps in KiB (deapi-api.md §2.7): video 50 MB, audio 20 MB, everything else 10 MB.
fn file_cap_kb(field: &str) -> f64 {
    match field {
        "video" | "source_file" => 51_200.0,
        "audio" => 20_480.0,
        _ => 10_240.0,
    }
}

/// How the chosen model was found.
pub enum ModelInfo<'a> {
    /// No catalogue at hand: model checks are skipped.
    Unknown,
    /// The catalogue has no model of this slug.
    Missing,
    Found(&'a Json),
}

/// Size in bytes and MIME type (empty when unknown) of the upload `Json::File(i)` points at.
pub type FileSizes<'a> = &'a dyn Fn(u32) -> Option<(f64, String)>;

struct Errors(Vec<FieldError>);

impl Errors {
    fn add(&mut self, field: &str, message: String) {
        self.0.push(FieldError { field: field.to_owned(), message });
    }
    /// An error in Laravel's wording: see [`field_message`].
    fn field(&mut self, field: &str, tail: &[&str]) {
        self.add(field, field_message(field, tail));
    }
}

/// A number as deAPI writes it in messages (`256`, `0.5`): at most six decimals, no trailing zeros.
/// Messages only get numbers below 2^53 (rule constants, and model limits, which [`limit`] keeps
/// below it); past it a double is an integer, written in full below 2^64 (`1e20`'s exact value is
/// `100000000000000000000`), and said to be past 2^64 beyond — no float formatter is linked for
/// numbers no message holds.
pub fn fmt_num(n: f64) -> String {
    if !n.is_finite() {
        return "0".to_owned();
    }
    if n.abs() >= MAX_SAFE_INTEGER {
        let sign = if n < 0.0 { "-" } else { "" };
        return if n.abs() < 18_446_744_073_709_551_616.0 { [sign, &dec(n.abs() as u64)].concat() } else { [sign, "(past 2^64)"].concat() };
    }
    let neg = n < 0.0;
    let scaled = (n.abs() * 1e6).round();
    let int = (scaled / 1e6).trunc();
    // the fraction in millionths
    let frac = (scaled - int * 1e6) as u64;
    let mut s = if neg && scaled > 0.0 { "-".to_owned() } else { String::new() };
    s.push_str(&dec(int as u64));
    if frac > 0 {
        s.push('.');
        let digits = dec(frac + 1_000_000); // 1 and six digits, zeros kept
        s.push_str(digits.get(1..).unwrap_or_default().trim_end_matches('0'));
    }
    s
}

fn filled(v: Option<&Json>) -> bool {
    match v {
        None | Some(Json::Null) => false,
        Some(Json::Str(s)) => !s.trim().is_empty(),
        Some(Json::Obj(p)) => !p.is_empty(),
        Some(_) => true,
    }
}

/// A model's limit. One past 2^53 (a catalogue's nonsense: no exact integer there) is not applied —
/// the server stays the judge — so every number in a message is below 2^53 (see [`fmt_num`]).
fn limit(model: Option<&Json>, key: &str) -> Option<f64> {
    model?.get("info")?.get("limits")?.get(key).and_then(Json::as_f64_lenient).filter(|n| n.abs() < MAX_SAFE_INTEGER)
}

/// Does the model support one of the operation's inference types (list or object form)?
fn supports(model: &Json, types: &[&str]) -> bool {
    match model.get("inference_types") {
        Some(Json::Arr(items)) => items.iter().any(|t| t.as_str().is_some_and(|t| types.contains(&t))),
        Some(Json::Obj(pairs)) => pairs.iter().any(|(k, _)| types.contains(&k.as_str())),
        _ => false,
    }
}

struct Ctx<'a> {
    rules: &'a Rules,
    model: Option<&'a Json>,
    sizes: FileSizes<'a>,
}

/// Check `params` for `op` (its price call when `price`); `Err` is the `ValidationError`.
pub fn check(op: &Op, price: bool, version: ApiVersion, params: &Json, model: ModelInfo, sizes: FileSizes) -> Result<(), ApiError> {
    let rules = op.rules_for(version, params);
    let mut errors = Errors(Vec::new());
    if !matches!(params, Json::Obj(_)) {
        return Ok(()); // the request builder reports non-object params
    }
    let usable = match model {
        ModelInfo::Found(m) if supports(m, rules.types) => Some(m),
        _ => None,
    };
    let ctx = Ctx { rules, model: usable, sizes };
    for field in rules.fields(price, op.sync) {
        if field.v2_only && version != ApiVersion::V2 {
            continue;
        }
        let name = field.name;
        let value = params.get(name);
        if !filled(value) {
            let with_other = rules.together.iter().find(|g| g.contains(&name)).and_then(|g| g.iter().find(|o| **o != name && filled(params.get(o))));
            let required_if = rules.required_if.iter().find(|(f, other, value)| !price && *f == name && params.get(other).and_then(Json::as_str) == Some(*value));
            if !field.optional && !field.others().any(|w| filled(params.get(w))) {
                match field.others().count() {
                    0 => errors.field(name, &["is required."]),
                    1 => errors.field(name, &["is required when ", &attr(field.without), " is not present."]),
                    _ => errors.field(name, &["is required when none of ", &attr(&field.others().collect::<Vec<_>>().join(" / ")), " are present."]),
                }
            } else if name == "webhook_url" && version == ApiVersion::V2 && filled(params.get("webhook_secret")) {
                errors.add(name, "The webhook url field is required when webhook secret is present.".to_owned());
            } else if let Some(other) = with_other {
                errors.field(name, &["is required when ", &attr(other), " is present."]);
            } else if let Some((_, other, value)) = required_if {
                errors.field(name, &["is required when ", &attr(other), " is ", value, "."]);
            }
            continue;
        }
        // Laravel `prohibits` runs before the field's type rules and does not stop them.
        for group in rules.exclusive.iter().filter(|g| !price && g.contains(&name)) {
            let others: Vec<&str> = group.iter().copied().filter(|o| *o != name).collect();
            if others.iter().any(|o| filled(params.get(o))) {
                let list = attr(&others.join(" / ")); // one `join` for &str lists only: `attr` keeps " / "
                errors.field(name, &["prohibits ", &list, " from being present."]);
            }
        }
        if let (Some(feature), Some(m)) = (lookup(rules.prohibited_unless, name), usable) {
            let has = m.get("info").and_then(|i| i.get("features")).and_then(|f| f.get(feature)).and_then(Json::as_bool_lenient) == Some(true);
            if !has {
                errors.field(name, &["is prohibited."]);
                continue;
            }
        }
        if let Some(v) = value {
            check_value(&ctx, &field, v, &model, &mut errors);
        }
    }
    if let Some(t @ ("images.edits" | "videos.animations")) = params.get("type").and_then(Json::as_str) {
        if op.sync && !filled(params.get("image")) {
            errors.field("image", &["is required when type is ", t, "."]);
        }
    }
    let Some(first) = errors.0.first() else { return Ok(()) };
    let more = errors.0.len() - 1;
    let mut message = first.message.clone();
    if more > 0 {
        message.push_str(&[" (and ", &dec(more as u64), " more error", if more > 1 { "s" } else { "" }, ")"].concat());
    }
    let mut e = ApiError::new(Kind::Validation, message);
    e.errors = errors.0;
    Err(e)
}

fn check_value(ctx: &Ctx, field: &Field, v: &Json, model: &ModelInfo, errors: &mut Errors) {
    let name = field.name;
    let a = attr(name);
    let lim = |k: &str| limit(ctx.model, k);
    let file_ok = |key: &str, f: &Json, errors: &mut Errors| match f {
        Json::File(i) => {
            let info = (ctx.sizes)(*i);
            // an audio source_file is capped like audio (20 MB), a video one like video (50 MB)
            let audio = info.as_ref().is_some_and(|(_, mime)| mime.starts_with("audio/"));
            let kb = if name == "source_file" && audio { file_cap_kb("audio") } else { file_cap_kb(name) };
            if info.is_some_and(|(size, _)| size > kb * 1024.0) {
                errors.field(key, &["must not be greater than ", &fmt_num(kb), " kilobytes."]);
            }
        }
        _ => errors.field(key, &["must be a file."]),
    };
    match field.ty {
        Type::File => file_ok(name, v, errors),
        Type::Files => {
            let Json::Arr(items) = v else {
                return errors.field(name, &["must be an array."]);
            };
            let max = lim("max_input_images").unwrap_or(1.0);
            if ctx.model.is_some() && items.len() as f64 > max {
                errors.field(name, &["must not have more than ", &fmt_num(max), " items."]);
            }
            for (i, f) in items.iter().enumerate() {
                file_ok(&[name, ".", &dec(i as u64)].concat(), f, errors);
            }
        }
        Type::Loras => loras(v, errors),
        Type::Int | Type::Num => number(ctx, field, v, errors),
        Type::Bool => {
            let ok = matches!(v, Json::Bool(_)) || matches!(v, Json::Num(n) if *n == 0.0 || *n == 1.0) || matches!(v, Json::Str(s) if s == "0" || s == "1");
            if !ok {
                errors.field(name, &["must be true or false."]);
            }
        }
        Type::Texts => match v {
            Json::Str(_) => {}
            Json::Arr(items) => {
                if let Some(max) = lookup(ctx.rules.max_items, name).filter(|m| items.len() > **m) {
                    errors.field(name, &["must not have more than ", &dec(*max as u64), " items."]);
                }
                for (i, item) in items.iter().enumerate() {
                    let k = [name, ".", &dec(i as u64)].concat();
                    if !filled(Some(item)) {
                        errors.field(&k, &["is required."]);
                    } else if !matches!(item, Json::Str(_)) {
                        errors.field(&k, &["must be a string."]);
                    }
                }
            }
            _ => errors.field(name, &["must be a string or an array of strings."]),
        },
        Type::Str => {
            let Json::Str(s) = v else {
                return errors.field(name, &["must be a string."]);
            };
            if name == "model" {
                match model {
                    ModelInfo::Missing => errors.add(name, "The selected model does not exist.".to_owned()),
                    ModelInfo::Found(_) if ctx.model.is_none() => errors.add(name, ["The selected model does not support ", ctx.rules.label, "."].concat()),
                    _ => {}
                }
                return;
            }
            text(ctx, name, &a, s, errors);
        }
    }
}

/// `loras`: a list of `{name, weight}`, names first (Laravel checks `loras.*.name` before `loras.*.weight`).
fn loras(v: &Json, errors: &mut Errors) {
    let Json::Arr(items) = v else {
        return errors.field("loras", &["must be an array."]);
    };
    for (i, l) in items.iter().enumerate() {
        let k = ["loras.", &dec(i as u64), ".name"].concat();
        match l.get("name") {
            Some(Json::Str(s)) if !s.trim().is_empty() => {}
            Some(n) if filled(Some(n)) => errors.field(&k, &["must be a string."]),
            _ => errors.field(&k, &["is required."]),
        }
    }
    for (i, l) in items.iter().enumerate() {
        let k = ["loras.", &dec(i as u64), ".weight"].concat();
        match l.get("weight") {
            w if !filled(w) => errors.field(&k, &["is required."]),
            Some(w) => match w.as_f64_lenient() {
                None => errors.field(&k, &["must be a number."]),
                Some(n) if n < 0.0 => errors.field(&k, &["must be at least 0."]),
                Some(_) => {}
            },
            None => {}
        }
    }
}

/// An integer or a number: its type, its list, then one lower and one upper bound — the stricter
/// of the rule's (the spec's `minimum`/`maximum`) and the model's `info.limits` — then the
/// resolution step of an image's size.
fn number(ctx: &Ctx, field: &Field, v: &Json, errors: &mut Errors) {
    let name = field.name;
    let int = field.ty == Type::Int;
    let n = match v.as_f64_lenient() {
        Some(n) if !int || n.fract() == 0.0 => n,
        _ => return errors.field(name, &["must be ", if int { "an integer" } else { "a number" }, "."]),
    };
    if lookup(ctx.rules.int_in, name).is_some_and(|allowed| !allowed.contains(&n)) {
        return errors.add(name, ["The selected ", &attr(name), " is invalid."].concat());
    }
    // the model's limit of a differently named field
    let key = match name {
        "inference_steps" => "steps",
        "guidance_scale" => "guidance",
        other => other,
    };
    let lim = |k: &str| limit(ctx.model, k);
    let stricter = |a: Option<f64>, b: Option<f64>, low: bool| match (a, b) {
        (Some(a), Some(b)) => Some(if (a > b) == low { a } else { b }),
        (a, b) => a.or(b),
    };
    let min = stricter(lookup(ctx.rules.min, name).copied(), lim(&["min_", key].concat()), true);
    if let Some(min) = min.filter(|m| n < *m) {
        errors.field(name, &["must be at least ", &fmt_num(min), "."]);
    }
    let max = stricter(lookup(ctx.rules.max, name).copied(), lim(&["max_", key].concat()), false);
    if let Some(max) = max.filter(|m| n > *m) {
        errors.field(name, &["must not be greater than ", &fmt_num(max), "."]);
    }
    if matches!(name, "width" | "height") && ctx.rules.types.contains(&"txt2img") {
        if let Some(step) = lim("resolution_step").filter(|s| *s > 0.0 && (n / s).fract() != 0.0) {
            errors.field(name, &["must be a multiple of ", &fmt_num(step), "."]);
        }
    }
}

/// A string: its list, what deAPI checks by name, then its length bounds.
fn text(ctx: &Ctx, name: &str, a: &str, s: &str, errors: &mut Errors) {
    if lookup(ctx.rules.enums, name).is_some_and(|allowed| !allowed.contains(&s)) {
        return errors.add(name, ["The selected ", a, " is invalid."].concat());
    }
    let count = s.chars().count();
    let lim = |k: &str| limit(ctx.model, k);
    let chars = count as f64;
    match name {
        "text" => {
            if let Some(min) = lim("min_text").filter(|m| chars < *m) {
                errors.field(name, &["must be at least ", &fmt_num(min), " characters."]);
            }
            if let Some(max) = lim("max_text").filter(|m| chars > *m) {
                errors.field(name, &["must not be greater than ", &fmt_num(max), " characters."]);
            }
        }
        "ts_level" => {
            if let Some(m) = ctx.model {
                let levels: Vec<&str> = match m.get("info").and_then(|i| i.get("limits")).and_then(|l| l.get("timestamp_levels")) {
                    Some(Json::Arr(items)) => items.iter().filter_map(Json::as_str).collect(),
                    _ => vec!["segment"],
                };
                if !levels.contains(&s) {
                    let slug = m.get("slug").and_then(Json::as_str).unwrap_or_default();
                    errors.add(name, ["Model '", slug, "' does not support ts_level '", s, "'. Supported levels: ", &levels.join(", "), "."].concat());
                }
            }
        }
        "webhook_url" => {
            if !(s.starts_with("https://") || s.starts_with("http://")) || s.len() < 9 {
                errors.add(name, "The webhook url field must be a valid URL.".to_owned());
            } else if !s.starts_with("https://") {
                errors.add(name, "The webhook url field must start with one of the following: https://.".to_owned());
            }
        }
        _ => {}
    }
    let (min_len, max_len) = match lookup(WEBHOOK_LEN, name) {
        Some(bounds) => *bounds,
        None => (lookup(ctx.rules.min_len, name).copied(), lookup(ctx.rules.max_len, name).copied()),
    };
    if let Some(min) = min_len.filter(|m| count < *m) {
        errors.field(name, &["must be at least ", &dec(min as u64), " characters."]);
    }
    if let Some(max) = max_len.filter(|m| count > *m) {
        errors.field(name, &["must not be greater than ", &dec(max as u64), " characters."]);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::api::find_op;
    use crate::core::test_util::{j, pairs};

    fn flux() -> Json {
        j(r#"{"slug":"Flux1schnell","inference_types":["txt2img"],"info":{"limits":{"min_width":256,"max_width":2048,"min_height":256,"max_height":2048,"resolution_step":16,"min_steps":1,"max_steps":10,"min_guidance":0,"max_guidance":10}}}"#)
    }
    fn no_files(_: u32) -> Option<(f64, String)> {
        None
    }
    fn run(op: &str, price: bool, params: &str, model: ModelInfo) -> Result<(), ApiError> {
        check(find_op(op).unwrap(), price, ApiVersion::V2, &j(params), model, &no_files)
    }

    #[test]
    fn valid_params_pass() {
        let m = flux();
        let ok = r#"{"prompt":"a fox","model":"Flux1schnell","width":512,"height":768,"guidance":3.5,"steps":4,"seed":-1,"negative_prompt":null,"loras":[{"name":"a","weight":0.5}]}"#;
        assert!(run("images.generate", false, ok, ModelInfo::Found(&m)).is_ok());
        assert!(run("images.generate", true, ok, ModelInfo::Found(&m)).is_ok());
        assert!(run("images.generate", false, ok, ModelInfo::Unknown).is_ok());
    }

    #[test]
    fn limits_past_2_pow_53_are_not_applied() {
        // a catalogue's nonsense: the server judges; a limit within range still applies
        let m = j(r#"{"slug":"Flux1schnell","inference_types":["txt2img"],"info":{"limits":{"min_width":1e20,"max_height":-1e300,"min_steps":"9007199254740993","max_steps":10}}}"#);
        let ok = r#"{"prompt":"a fox","model":"Flux1schnell","width":512,"height":768,"guidance":3.5,"steps":4,"seed":-1}"#;
        assert!(run("images.generate", false, ok, ModelInfo::Found(&m)).is_ok());
        let e = run("images.generate", false, &ok.replace(r#""steps":4"#, r#""steps":11"#), ModelInfo::Found(&m)).unwrap_err();
        assert_eq!(pairs(&e), [("steps", "The steps field must not be greater than 10.")]);
    }

    #[test]
    fn messages_in_the_servers_wording_and_order() {
        let m = flux();
        let e = run("images.generate", false, r#"{"prompt":"a fox","model":"Flux1schnell","width":100,"height":5000,"guidance":3.5,"seed":1}"#, ModelInfo::Found(&m)).unwrap_err();
        assert_eq!(e.kind, Kind::Validation);
        assert_eq!(e.status, None);
        assert_eq!(
            pairs(&e),
            [
                ("width", "The width field must be at least 256."),
                ("width", "The width field must be a multiple of 16."),
                ("height", "The height field must not be greater than 2048."),
                ("height", "The height field must be a multiple of 16."),
                ("steps", "The steps field is required."),
            ]
        );
        assert_eq!(e.message, "The width field must be at least 256. (and 4 more errors)");
    }

    #[test]
    fn types_enums_and_models() {
        let m = flux();
        let e = run("images.generate", false, r#"{"prompt":7,"model":"Nope","width":"wide","height":512.5,"guidance":"x","steps":4,"seed":1,"enhance_prompt":"yes"}"#, ModelInfo::Missing).unwrap_err();
        assert_eq!(
            pairs(&e),
            [
                ("prompt", "The prompt field must be a string."),
                ("model", "The selected model does not exist."),
                ("width", "The width field must be an integer."),
                ("height", "The height field must be an integer."),
                ("guidance", "The guidance field must be a number."),
                ("enhance_prompt", "The enhance prompt field must be true or false."),
            ]
        );
        let e = run("images.upscale", false, r#"{"image":"not a file","model":"Flux1schnell"}"#, ModelInfo::Found(&m)).unwrap_err();
        assert_eq!(pairs(&e), [("image", "The image field must be a file."), ("model", "The selected model does not support Image Upscale.")]);
        let e = run("audio.speech", false, r#"{"text":"hi","model":"Kokoro","lang":"en-us","speed":1,"format":"ogg","sample_rate":24000}"#, ModelInfo::Unknown).unwrap_err();
        assert_eq!(pairs(&e), [("format", "The selected format is invalid.")]);
    }

    #[test]
    fn one_of_and_files() {
        let big = |i: u32| Some((if i == 1 { 11.0 * 1024.0 * 1024.0 } else { 10.0 }, "image/png".to_owned()));
        let op = find_op("images.edit").unwrap();
        let e = check(op, false, ApiVersion::V2, &j(r#"{"prompt":"x","model":"m","steps":4,"seed":1}"#), ModelInfo::Unknown, &big).unwrap_err();
        assert_eq!(pairs(&e)[0], ("image", "The image field is required when images is not present."));
        let params = Json::Obj(vec![
            ("images".into(), Json::Arr(vec![Json::File(0), Json::File(1)])),
            ("prompt".into(), Json::str("x")),
            ("model".into(), Json::str("QwenImageEdit_Plus_NF4")),
            ("steps".into(), Json::Num(4.0)),
            ("seed".into(), Json::Num(1.0)),
        ]);
        let m = j(r#"{"slug":"QwenImageEdit_Plus_NF4","inference_types":{"img2img":{}},"info":{"limits":{"max_input_images":1}}}"#);
        let e = check(op, false, ApiVersion::V2, &params, ModelInfo::Found(&m), &big).unwrap_err();
        assert_eq!(
            pairs(&e),
            [("images", "The images field must not have more than 1 items."), ("images.1", "The images.1 field must not be greater than 10240 kilobytes.")]
        );
    }

    #[test]
    fn version_webhooks_and_transcription_levels() {
        // v2-only fields are not checked on v1; webhook rules
        let e = run("images.generate", false, r#"{"prompt":"a","model":"m","width":512,"height":512,"guidance":1,"steps":1,"seed":1,"webhook_url":"http://x.test/h","webhook_secret":"short"}"#, ModelInfo::Unknown).unwrap_err();
        assert_eq!(
            pairs(&e),
            [
                ("webhook_url", "The webhook url field must start with one of the following: https://."),
                ("webhook_secret", "The webhook secret field must be at least 32 characters.")
            ]
        );
        let w = j(r#"{"slug":"WhisperLargeV3","inference_types":["video2text"],"info":{"limits":{"timestamp_levels":["segment"]}}}"#);
        let e = run("audio.transcribe", false, r#"{"source_url":"https://youtu.be/x","include_ts":true,"model":"WhisperLargeV3","ts_level":"word"}"#, ModelInfo::Found(&w)).unwrap_err();
        assert_eq!(pairs(&e), [("ts_level", "Model 'WhisperLargeV3' does not support ts_level 'word'. Supported levels: segment.")]);
        // v1 legacy route rules
        let op = find_op("audio.transcribe").unwrap();
        let e = check(op, false, ApiVersion::V1, &j(r#"{"video_url":"https://youtu.be/x"}"#), ModelInfo::Unknown, &no_files).unwrap_err();
        assert_eq!(pairs(&e), [("include_ts", "The include ts field is required."), ("model", "The model field is required.")]);
    }

    #[test]
    fn exclusive_together_required_if_and_lists() {
        let op = find_op("images.edit").unwrap();
        let params = Json::Obj(vec![
            ("image".into(), Json::File(0)),
            ("images".into(), Json::Arr(vec![Json::File(1)])),
            ("prompt".into(), Json::str("x")),
            ("model".into(), Json::str("m")),
            ("steps".into(), Json::Num(4.0)),
            ("seed".into(), Json::Num(1.0)),
        ]);
        let e = check(op, false, ApiVersion::V2, &params, ModelInfo::Unknown, &no_files).unwrap_err();
        assert_eq!(
            pairs(&e),
            [("image", "The image field prohibits images from being present."), ("images", "The images field prohibits image from being present.")]
        );
        let e = run("audio.speech", false, r#"{"text":"hi","model":"Kokoro","lang":"en-us","speed":1,"format":"mp3","sample_rate":24000,"mode":"voice_design"}"#, ModelInfo::Unknown).unwrap_err();
        assert_eq!(pairs(&e), [("instruct", "The instruct field is required when mode is voice_design.")]);
        let e = run("audio.music", false, r#"{"caption":"c","model":"m","lyrics":"l","duration":30,"inference_steps":8,"guidance_scale":1,"seed":1,"format":"mp3","timesignature":5}"#, ModelInfo::Unknown).unwrap_err();
        assert_eq!(pairs(&e), [("timesignature", "The selected timesignature is invalid.")]);
        let e = run("videos.replacePrice".trim_end_matches("Price"), true, r#"{"model":"m","duration":3,"width":512}"#, ModelInfo::Unknown).unwrap_err();
        assert_eq!(pairs(&e), [("height", "The height field is required when width is present.")]);
        let e = run("embeddings.create", false, r#"{"input":["a",5,""],"model":"m"}"#, ModelInfo::Unknown).unwrap_err();
        assert_eq!(pairs(&e), [("input.1", "The input.1 field must be a string."), ("input.2", "The input.2 field is required.")]);
        let m = j(r#"{"slug":"RealESRGAN_Vid_x2","inference_types":["vid-upscale"],"info":{"features":{"supports_scale":false}}}"#);
        let e = check(find_op("videos.upscale").unwrap(), false, ApiVersion::V2, &Json::Obj(vec![("video".into(), Json::File(0)), ("model".into(), Json::str("RealESRGAN_Vid_x2")), ("scale".into(), Json::Num(2.0))]), ModelInfo::Found(&m), &no_files).unwrap_err();
        assert_eq!(pairs(&e), [("scale", "The scale field is prohibited.")]);
    }

    #[test]
    fn a_fields_type_comes_from_its_operations_rules() {
        // a field no other operation has: its rule token alone makes it a number (there is no
        // global list of numeric names to forget it in)
        use crate::core::api::Rules;
        let op = Op {
            name: "x.new",
            v2: "x/new",
            v1: None,
            v1_price: None,
            v1_routes: &[],
            sync: true,
            multipart: false,
            rules: Rules { max: &[("strength", 2.0)], ..Rules::new(&[], "X", "strength:num flag:bool? label?", "") },
        };
        let check = |p: &str| check(&op, false, ApiVersion::V2, &j(p), ModelInfo::Unknown, &no_files);
        assert!(check(r#"{"strength":1.5,"flag":"1","label":"a"}"#).is_ok());
        let e = check(r#"{"strength":"strong","flag":"yes","label":3}"#).unwrap_err();
        assert_eq!(
            pairs(&e),
            [("strength", "The strength field must be a number."), ("flag", "The flag field must be true or false."), ("label", "The label field must be a string.")]
        );
        assert_eq!(pairs(&check(r#"{"strength":2.5}"#).unwrap_err()), [("strength", "The strength field must not be greater than 2.")]);
    }

    #[test]
    fn spec_bounds_and_the_models_the_stricter_one_message() {
        // videos.upscale's scale: the spec's 1–16, FlashVSR's 2–4
        let flash = j(r#"{"slug":"FlashVSR_Tiny","inference_types":["vid-upscale"],"info":{"features":{"supports_scale":true},"limits":{"min_scale":2,"max_scale":4}}}"#);
        let op = find_op("videos.upscale").unwrap();
        let scale = |n: f64, m: ModelInfo| {
            let p = Json::Obj(vec![("video".into(), Json::File(0)), ("model".into(), Json::str("FlashVSR_Tiny")), ("scale".into(), Json::Num(n))]);
            check(op, false, ApiVersion::V2, &p, m, &no_files).err().map(|e| pairs(&e).iter().map(|(_, m)| m.to_string()).collect::<Vec<_>>())
        };
        assert_eq!(scale(17.0, ModelInfo::Unknown), Some(vec!["The scale field must not be greater than 16.".to_owned()]));
        assert_eq!(scale(0.0, ModelInfo::Unknown), Some(vec!["The scale field must be at least 1.".to_owned()]));
        assert_eq!(scale(8.0, ModelInfo::Unknown), None);
        assert_eq!(scale(8.0, ModelInfo::Found(&flash)), Some(vec!["The scale field must not be greater than 4.".to_owned()]));
        assert_eq!(scale(1.0, ModelInfo::Found(&flash)), Some(vec!["The scale field must be at least 2.".to_owned()]));
    }

    #[test]
    fn the_booster() {
        let e = run("prompts.enhance", false, r#"{"prompt":"ab","type":"images.edits","model_slug":"Flux1schnell"}"#, ModelInfo::Unknown).unwrap_err();
        assert_eq!(
            pairs(&e),
            [("prompt", "The prompt field must be at least 3 characters."), ("image", "The image field is required when type is images.edits.")]
        );
    }

    #[test]
    fn numbers_in_messages() {
        assert_eq!(fmt_num(256.0), "256");
        assert_eq!(fmt_num(0.5), "0.5");
        assert_eq!(fmt_num(-1.25), "-1.25");
        // the fraction's leading zeros kept, its trailing ones dropped
        assert_eq!(fmt_num(0.05), "0.05");
        assert_eq!(fmt_num(2.000001), "2.000001");
        assert_eq!(fmt_num(7.0100), "7.01");
        assert_eq!(fmt_num(10240.0), "10240");
        assert_eq!(fmt_num(0.0000004), "0");
        assert_eq!(fmt_num(f64::NAN), "0");
        // past 2^53 (no message gets one: `limit` drops such limits) the exact integer below 2^64
        assert_eq!(fmt_num(-9_007_199_254_740_994.0), "-9007199254740994");
        assert_eq!(fmt_num(1.8e19), "18000000000000000000");
        assert_eq!(fmt_num(1e20), "(past 2^64)");
        assert_eq!(fmt_num(-3e300), "-(past 2^64)");
        assert_eq!(fmt_num(9_007_199_254_740_991.0), "9007199254740991");
    }
}
