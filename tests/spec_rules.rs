//! core::api's validation rules against deAPI's published spec, both ways (issue 26, part 1).
//!
//! - Every constraint the spec states for a request body — a field, `required` (oneOf branches
//!   included), `type`, `minimum`, `maximum`, `enum`, `minLength`, `maxLength` — must be a rule of
//!   core::api, and every rule of core::api must be in the spec; where they differ on purpose,
//!   `tests/spec/corrections.json` `"rules"` lists the difference (operation, field, rule, what the
//!   spec says, what the SDK does, why). A difference without an entry fails, named by operation and
//!   field (`POST /api/v2/videos/upscales · scale: spec maximum 32, SDK 16 (no correction listed)`);
//!   so does an entry that no longer differs (stale).
//! - The field order (deAPI reports errors in its rules' order; the spec lists properties in it).
//! - core::api's rules are read as data (`Rules`, `Field::parse`), then each one is tried on
//!   `validate::check`: a value just past the rule must give deAPI's message (Laravel's wording,
//!   written out here, not taken from the code), a value on it none.
//!
//! Run on other specs (a new release, before `npm run spec:update` commits it):
//!   DEAPI_SPEC=path/to/openapi-v2.json[,path/to/openapi-v1.json] cargo test --test spec_rules -- --nocapture
//! The corrections come from DEAPI_CORRECTIONS (default tests/spec/corrections.json).

#![allow(clippy::disallowed_methods, clippy::disallowed_macros, clippy::disallowed_types)] // the size rules (clippy.toml) are for the module

#![cfg(not(target_arch = "wasm32"))] // reads files
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)] // a test

use std::collections::BTreeMap;

use deapi_wasm::core::api::{ApiVersion, Endpoint, Field, Op, Rules, Type, OPS, WEBHOOK_LEN};
use deapi_wasm::core::json::Json;
use deapi_wasm::core::validate::{self, fmt_num, ModelInfo};
use serde_json::Value;

/// `(field, rule)` → value, as text (`"integer"`, `"16"`, `"text, json"`, `"always"`).
type Facts = BTreeMap<(String, String), String>;

struct Schema {
    facts: Facts,
    order: Vec<String>,
}

fn root() -> std::path::PathBuf {
    std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn read_json(path: &std::path::Path) -> Value {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn num(v: &Value) -> String {
    v.as_f64().map_or_else(|| v.to_string(), fmt_num)
}

/// A correction's or the spec's value as fact text: lists joined with ", ", `{without: [..]}` as
/// "without a, b", numbers as deAPI writes them.
fn text(v: &Value) -> Option<String> {
    match v {
        Value::Null => None,
        Value::Bool(b) => Some(if *b { "yes" } else { "no" }.to_owned()),
        Value::Number(_) => Some(num(v)),
        Value::String(s) => Some(s.clone()),
        Value::Array(items) => Some(items.iter().filter_map(text).collect::<Vec<_>>().join(", ")),
        Value::Object(o) => o.get("without").and_then(text).map(|w| format!("without {w}")),
    }
}

// ───────────── the spec ─────────────

fn deref<'a>(spec: &'a Value, v: &'a Value) -> &'a Value {
    match v.get("$ref").and_then(Value::as_str) {
        Some(r) => deref(spec, spec.pointer(r.trim_start_matches('#')).unwrap_or(&Value::Null)),
        None => v,
    }
}

/// `images[]` is PHP's spelling of the list `images`.
fn plain(name: &str) -> String {
    name.trim_end_matches("[]").to_owned()
}

fn property_facts(spec: &Value, name: &str, p: &Value, facts: &mut Facts) {
    let p = deref(spec, p);
    let mut put = |rule: &str, v: String| {
        facts.entry((name.to_owned(), rule.to_owned())).or_insert(v);
    };
    put("field", "yes".into());
    let ty = p.get("type").and_then(Value::as_str).unwrap_or("");
    let items = p.get("items").map(|i| deref(spec, i));
    let ty = match (ty, p.get("format").and_then(Value::as_str), items) {
        ("string", Some("binary"), _) => "file".to_owned(),
        ("array", _, Some(i)) if i.get("format").and_then(Value::as_str) == Some("binary") => "files".to_owned(),
        ("", _, _) if p.get("oneOf").is_some() => {
            let kinds: Vec<&str> = p["oneOf"].as_array().into_iter().flatten().filter_map(|o| deref(spec, o).get("type")?.as_str()).collect();
            kinds.join("|")
        }
        (t, _, _) => t.to_owned(),
    };
    put("type", ty);
    for (key, rule) in [("minimum", "minimum"), ("maximum", "maximum"), ("minLength", "minLength"), ("maxLength", "maxLength"), ("enum", "enum")] {
        if let Some(v) = p.get(key).and_then(text) {
            put(rule, v);
        }
    }
    // a list of objects: its items' fields as `name.*.field`
    if let Some(item) = items.filter(|i| i.get("properties").is_some()) {
        let required: Vec<&str> = item.get("required").and_then(Value::as_array).into_iter().flatten().filter_map(Value::as_str).collect();
        for (sub, sp) in item["properties"].as_object().into_iter().flatten() {
            let key = format!("{name}.*.{sub}");
            property_facts(spec, &key, sp, facts);
            if required.contains(&sub.as_str()) {
                facts.insert((key, "required".into()), "always".into());
            }
        }
    }
}

/// A request schema's facts. oneOf branches: the fields every branch requires are required; of
/// the rest, the branch requiring the most fields (the first on a tie) gives each of its own a
/// "required without" the other branches' own fields (Laravel `required_without[_all]`, the
/// message deAPI gives), and those others are "one of"; a branch requiring nothing of its own
/// makes the others optional. Properties are merged in order: a field first seen in a later branch
/// goes before the next field of its branch already placed.
fn schema(spec: &Value, s: &Value) -> Schema {
    let s = deref(spec, s);
    let branches: Vec<&Value> = match s.get("oneOf").and_then(Value::as_array) {
        Some(list) => list.iter().map(|b| deref(spec, b)).collect(),
        None => vec![s],
    };
    let mut facts = Facts::new();
    let mut order: Vec<String> = Vec::new();
    let mut required: Vec<Vec<String>> = Vec::new();
    for b in &branches {
        let props: Vec<(&String, &Value)> = b.get("properties").and_then(Value::as_object).into_iter().flatten().collect();
        for (i, (name, p)) in props.iter().enumerate() {
            let name = plain(name);
            property_facts(spec, &name, p, &mut facts);
            if !order.contains(&name) {
                let next = props.get(i + 1..).unwrap_or_default().iter().find_map(|(n, _)| order.iter().position(|o| *o == plain(n)));
                order.insert(next.unwrap_or(order.len()), name);
            }
        }
        required.push(b.get("required").and_then(Value::as_array).into_iter().flatten().filter_map(Value::as_str).map(plain).collect());
    }
    let common: Vec<String> = order.iter().filter(|f| required.iter().all(|r| r.contains(f))).cloned().collect();
    for f in &common {
        facts.insert((f.clone(), "required".into()), "always".into());
    }
    let own: Vec<Vec<String>> = required.iter().map(|r| r.iter().filter(|f| !common.contains(f)).cloned().collect()).collect();
    if own.len() > 1 && own.iter().all(|o| !o.is_empty()) {
        let head = (0..own.len()).fold(0, |best, i| if own[i].len() > own[best].len() { i } else { best });
        let mut others: Vec<String> = Vec::new();
        for o in own.iter().enumerate().filter(|(i, _)| *i != head).map(|(_, o)| o) {
            for f in o {
                if !others.contains(f) && !own[head].contains(f) {
                    others.push(f.clone());
                }
            }
        }
        for f in &own[head] {
            facts.insert((f.clone(), "required".into()), format!("without {}", others.join(", ")));
        }
        for f in &others {
            facts.insert((f.clone(), "required".into()), "one of".into());
        }
    }
    Schema { facts, order }
}

/// Every operation of a spec with a request body: `POST /api/v2/images/generations` → its schema.
fn spec_operations(spec: &Value) -> Vec<(String, Schema)> {
    let mut out = Vec::new();
    for (path, item) in spec["paths"].as_object().into_iter().flatten() {
        for (method, op) in item.as_object().into_iter().flatten() {
            let Some(content) = op.pointer("/requestBody/content").and_then(Value::as_object) else { continue };
            // JSON and multipart state the same fields; the first one given is read
            if let Some(body) = content.values().next().and_then(|c| c.get("schema")) {
                out.push((format!("{} {path}", method.to_uppercase()), schema(spec, body)));
            }
        }
    }
    out
}

// ───────────── core::api ─────────────

/// The rules core::api applies to a request path, if any: (op, rules, price, version).
fn sdk_for(path: &str) -> Option<(&'static Op, &'static Rules, bool, ApiVersion)> {
    let path = path.strip_prefix("POST ")?;
    for op in OPS {
        for version in [ApiVersion::V2, ApiVersion::V1] {
            if version == ApiVersion::V1 && op.v1.is_none() {
                continue;
            }
            for (price, ep) in [(false, Endpoint::Submit(op)), (true, Endpoint::Price(op))] {
                if ep.path(version, None) == path {
                    return Some((op, &op.rules, price, version));
                }
            }
        }
        for r in op.v1_routes {
            for (price, p) in [(false, r.path), (true, r.price)] {
                if [ApiVersion::V1.prefix(), p].concat() == path {
                    return Some((op, &r.rules, price, ApiVersion::V1));
                }
            }
        }
    }
    None
}

fn lookup<'a, T>(table: &'a [(&'static str, T)], key: &str) -> Option<&'a T> {
    table.iter().find(|(k, _)| *k == key).map(|(_, v)| v)
}

fn type_name(t: Type) -> &'static str {
    match t {
        Type::Str => "string",
        Type::Int => "integer",
        Type::Num => "number",
        Type::Bool => "boolean",
        Type::File => "file",
        Type::Files => "files",
        Type::Loras => "array",
        Type::Texts => "string|array",
    }
}

fn fields(op: &Op, rules: &Rules, price: bool, version: ApiVersion) -> Vec<Field> {
    rules.fields(price, op.sync).filter(|f| !(f.v2_only && version != ApiVersion::V2)).collect()
}

/// core::api's rules for one call, as the spec would state them.
fn sdk_schema(op: &Op, rules: &Rules, price: bool, version: ApiVersion) -> Schema {
    let mut facts = Facts::new();
    let mut order = Vec::new();
    let mut put = |f: &str, rule: &str, v: String| {
        facts.insert((f.to_owned(), rule.to_owned()), v);
    };
    let fields = fields(op, rules, price, version);
    for f in &fields {
        let n = f.name;
        order.push(n.to_owned());
        put(n, "field", "yes".into());
        put(n, "type", type_name(f.ty).into());
        if !f.optional {
            let others: Vec<&str> = f.others().collect();
            put(n, "required", if others.is_empty() { "always".into() } else { format!("without {}", others.join(", ")) });
        }
        if let Some(values) = lookup(rules.enums, n) {
            put(n, "enum", values.join(", "));
        }
        if let Some(values) = lookup(rules.int_in, n) {
            put(n, "enum", values.iter().map(|v| fmt_num(*v)).collect::<Vec<_>>().join(", "));
        }
        let (min_len, max_len) = lookup(WEBHOOK_LEN, n).copied().unwrap_or((lookup(rules.min_len, n).copied(), lookup(rules.max_len, n).copied()));
        let bounds = [
            ("minimum", lookup(rules.min, n).map(|v| fmt_num(*v))),
            ("maximum", lookup(rules.max, n).map(|v| fmt_num(*v))),
            ("minLength", min_len.map(|v| v.to_string())),
            ("maxLength", max_len.map(|v| v.to_string())),
            ("maxItems", lookup(rules.max_items, n).map(|v| v.to_string())),
            ("prohibitedUnless", lookup(rules.prohibited_unless, n).map(|v| v.to_string())),
        ];
        for (rule, v) in bounds {
            if let Some(v) = v {
                put(n, rule, v);
            }
        }
        if f.ty == Type::Loras {
            for (sub, ty) in [("name", "string"), ("weight", "number")] {
                let key = format!("{n}.*.{sub}");
                put(&key, "field", "yes".into());
                put(&key, "type", ty.into());
                put(&key, "required", "always".into());
            }
            put(&format!("{n}.*.weight"), "minimum", "0".into());
        }
    }
    // a field named after `|` is one of the alternatives
    for f in &fields {
        for o in f.others() {
            let key = (o.to_owned(), "required".to_owned());
            facts.entry(key).or_insert_with(|| "one of".into());
        }
    }
    let present = |n: &str| fields.iter().any(|f| f.name == n);
    for (f, other, value) in rules.required_if.iter().filter(|_| !price) {
        if present(f) {
            facts.insert((f.to_string(), "requiredIf".into()), format!("{other}, {value}"));
        }
    }
    for group in rules.together {
        for f in group.iter().filter(|f| present(f)) {
            let others: Vec<&str> = group.iter().copied().filter(|o| o != f).collect();
            facts.insert((f.to_string(), "requiredWith".into()), others.join(", "));
        }
    }
    if version == ApiVersion::V2 && present("webhook_secret") {
        facts.insert(("webhook_url".into(), "requiredWith".into()), "webhook_secret".into());
    }
    for group in rules.exclusive.iter().filter(|_| !price) {
        for f in group.iter().filter(|f| present(f)) {
            let others: Vec<&str> = group.iter().copied().filter(|o| o != f).collect();
            facts.insert((f.to_string(), "prohibits".into()), others.join(", "));
        }
    }
    Schema { facts, order }
}

// ───────────── the comparison ─────────────

struct Correction {
    /// `POST /api/v2/audio/speech`, or several; one ending in `*` names every operation under it.
    operations: Vec<String>,
    field: String,
    rule: String,
    spec: Option<String>,
    sdk: Option<String>,
}

impl Correction {
    fn covers(&self, operation: &str) -> bool {
        self.operations.iter().any(|o| o == operation || o.strip_suffix('*').is_some_and(|p| operation.starts_with(p)))
    }
}

fn corrections(list: &Value) -> Vec<Correction> {
    let rules = list.get("rules").and_then(Value::as_array).map(Vec::as_slice).unwrap_or_default();
    rules
        .iter()
        .map(|c| {
            let s = |k: &str| c.get(k).and_then(Value::as_str).unwrap_or_else(|| panic!("corrections.json rules: {k} missing in {c}")).to_owned();
            assert!(c.get("why").and_then(Value::as_str).is_some_and(|w| w.len() > 10), "corrections.json rules: no why in {c}");
            let operations = match c.get("operation") {
                Some(Value::Array(list)) => list.iter().filter_map(Value::as_str).map(str::to_owned).collect(),
                _ => vec![s("operation")],
            };
            // a "field" entry's values are the field's type (the mock's for one the spec lacks): present or not
            let value = |k: &str| c.get(k).and_then(text).map(|v| if s("rule") == "field" { "yes".to_owned() } else { v });
            Correction { operations, field: s("field"), rule: s("rule"), spec: value("spec"), sdk: value("sdk") }
        })
        .collect()
}

fn said(rule: &str, v: &Option<String>) -> String {
    match (rule, v) {
        ("field", Some(_)) => "has the field".into(),
        ("field", None) => "does not have the field".into(),
        (rule, Some(v)) => format!("{rule} {v}"),
        (rule, None) => format!("no {rule}"),
    }
}

/// Every difference between the spec and core::api, as "operation · field: …" lines, and how
/// many facts agree (directly or through a listed correction).
fn compare(spec: &Value, fixes: &[Correction]) -> (Vec<String>, usize) {
    let version_prefix = if spec["paths"].as_object().is_some_and(|p| p.keys().any(|k| k.starts_with("/api/v2/"))) { "/api/v2/" } else { "/api/v1/" };
    let mut problems = Vec::new();
    let mut agree = 0;
    let mut used: Vec<Vec<String>> = vec![Vec::new(); fixes.len()];
    let ops = spec_operations(spec);
    for (operation, theirs) in &ops {
        let Some((op, rules, price, version)) = sdk_for(operation) else {
            problems.push(format!("{operation}: no operation of core::api sends this request"));
            continue;
        };
        let ours = sdk_schema(op, rules, price, version);
        let keys: std::collections::BTreeSet<&(String, String)> = theirs.facts.keys().chain(ours.facts.keys()).collect();
        for key in keys {
            let (field, rule) = key;
            let (s, d) = (theirs.facts.get(key).cloned(), ours.facts.get(key).cloned());
            // a field one side lacks: its "field" line says it, its other rules are not repeated
            let absent = |f: &Facts| !f.contains_key(&(field.clone(), "field".to_owned()));
            if rule != "field" && (absent(&theirs.facts) || absent(&ours.facts)) {
                continue;
            }
            let fix = fixes.iter().position(|c| c.covers(operation) && &c.field == field && &c.rule == rule);
            match fix {
                Some(i) => {
                    used[i].push(operation.clone());
                    let c = &fixes[i];
                    if s == d {
                        problems.push(format!("{operation} · {field}: stale correction: spec and SDK agree on {} (delete the entry)", said(rule, &s)));
                    } else if c.spec != s || c.sdk != d {
                        problems.push(format!(
                            "{operation} · {field}: spec {}, SDK {}; the correction lists spec {}, SDK {}",
                            said(rule, &s),
                            said(rule, &d),
                            said(rule, &c.spec),
                            said(rule, &c.sdk)
                        ));
                    } else {
                        agree += 1;
                    }
                }
                None if s == d => agree += 1,
                None => problems.push(format!("{operation} · {field}: spec {}, SDK {} (no correction listed)", said(rule, &s), said(rule, &d))),
            }
        }
        let common: Vec<&String> = theirs.order.iter().filter(|f| ours.order.contains(f)).collect();
        let ours_common: Vec<&String> = ours.order.iter().filter(|f| theirs.order.contains(f)).collect();
        if common == ours_common {
            agree += 1;
        } else {
            problems.push(format!("{operation}: field order: spec {common:?}, SDK {ours_common:?}"));
        }
    }
    // every operation an entry names, in this spec, must still differ
    for (c, used) in fixes.iter().zip(used) {
        for o in &c.operations {
            let here: Vec<&String> = ops.iter().map(|(op, _)| op).filter(|op| c.covers(op) && (o == *op || o.ends_with('*'))).collect();
            let listed_here = o.contains(version_prefix) && (o.ends_with('*') || here.iter().any(|op| op == &o));
            if !o.contains(version_prefix) {
                continue; // the other version's spec
            } else if !listed_here {
                problems.push(format!("{o}: stale correction ({} {}): the spec has no such operation", c.field, c.rule));
            } else if !here.iter().any(|op| used.contains(op)) {
                problems.push(format!("{o} · {}: stale correction: no {} difference left (spec {})", c.field, c.rule, said(&c.rule, &c.spec)));
            }
        }
    }
    (problems, agree)
}

// ───────────── core::api's rules on validate::check ─────────────

fn attr(field: &str) -> String {
    field.replace('_', " ")
}

fn check(op: &Op, price: bool, version: ApiVersion, params: &[(String, Json)]) -> Vec<(String, String)> {
    let no_files = |_: u32| None;
    let p = Json::Obj(params.to_vec());
    match validate::check(op, price, version, &p, ModelInfo::Unknown, &no_files) {
        Ok(()) => vec![],
        Err(e) => e.errors.iter().map(|f| (f.field.clone(), f.message.clone())).collect(),
    }
}

fn s(v: &str) -> Json {
    Json::Str(v.to_owned())
}

/// A value the field's rules accept.
fn valid(name: &str, facts: &Facts) -> Json {
    let get = |rule: &str| facts.get(&(name.to_owned(), rule.to_owned()));
    let bound = |rule: &str| get(rule).and_then(|v| v.parse::<f64>().ok());
    let ty = get("type").map_or("string", String::as_str);
    if let Some(e) = get("enum") {
        let first = e.split(", ").next().unwrap_or_default();
        return if ty == "integer" { Json::Num(first.parse().unwrap_or(0.0)) } else { s(first) };
    }
    match ty {
        "integer" | "number" => Json::Num(bound("minimum").unwrap_or(1.0).min(bound("maximum").unwrap_or(f64::MAX))),
        "boolean" => Json::Bool(true),
        "file" => Json::File(0),
        "files" => Json::Arr(vec![Json::File(0)]),
        "array" => Json::Arr(vec![Json::Obj(vec![("name".into(), s("a")), ("weight".into(), Json::Num(0.5))])]),
        _ if name == "webhook_url" => s("https://example.com/hook"),
        _ => s(&"a".repeat((bound("minLength").unwrap_or(5.0) as usize).max(1))),
    }
}

fn string_of(name: &str, len: usize) -> Json {
    if name == "webhook_url" {
        let head = "https://example.com/";
        return s(&[head, &"a".repeat(len.saturating_sub(head.len()))].concat());
    }
    s(&"a".repeat(len))
}

/// Every rule of core::api for one call tried on `validate::check`; a problem line for each rule
/// not enforced in deAPI's wording. Returns the number of rules tried.
fn probe(operation: &str, op: &Op, rules: &Rules, price: bool, version: ApiVersion, problems: &mut Vec<String>) -> usize {
    let ours = sdk_schema(op, rules, price, version);
    let facts = &ours.facts;
    let base: Vec<(String, Json)> = fields(op, rules, price, version).iter().filter(|f| !f.optional).map(|f| (f.name.to_owned(), valid(f.name, facts))).collect();
    let errs = check(op, price, version, &base);
    if !errs.is_empty() {
        problems.push(format!("{operation}: the SDK refuses its own required fields: {errs:?}"));
        return 0;
    }
    let mut tried = 0;
    for ((field, rule), value) in facts {
        // the params with `field` set to `v` (a list item's field inside a one-item list)
        let with = |v: Json| -> (Vec<(String, Json)>, String) {
            let mut p: Vec<(String, Json)> = base.iter().filter(|(n, _)| facts.get(&(field.clone(), "prohibits".into())).is_none_or(|o| !o.split(", ").any(|x| x == n))).cloned().collect();
            let (top, key) = match field.split_once(".*.") {
                Some((list, sub)) => {
                    let mut item = vec![("name".to_owned(), s("a")), ("weight".to_owned(), Json::Num(0.5))];
                    item.retain(|(k, _)| k != sub);
                    if !matches!(v, Json::Null) {
                        item.push((sub.to_owned(), v));
                    }
                    ((list.to_owned(), Json::Arr(vec![Json::Obj(item)])), format!("{list}.0.{sub}"))
                }
                None => ((field.clone(), v), field.clone()),
            };
            p.retain(|(n, _)| *n != top.0);
            if !matches!(top.1, Json::Null) {
                p.push(top);
            }
            (p, key)
        };
        let a = if field.contains(".*.") { field.replace(".*.", ".0.") } else { attr(field) };
        let n = value.parse::<f64>().unwrap_or(0.0);
        let int = facts.get(&(field.clone(), "type".into())).is_some_and(|t| t == "integer");
        let step = if int { 1.0 } else { 0.01 };
        let (bad, message, good): (Json, String, Vec<Json>) = match rule.as_str() {
            // a v1 legacy route is chosen by its field: without it the call is another route's
            "required" if op.v1_routes.iter().any(|r| std::ptr::eq(&r.rules, rules) && r.field == field) => continue,
            "required" if value == "always" => (Json::Null, format!("The {a} field is required."), vec![]),
            "type" => match value.as_str() {
                "integer" => (Json::Num(1.5), format!("The {a} field must be an integer."), vec![]),
                "number" => (s("abc"), format!("The {a} field must be a number."), vec![]),
                "boolean" => (s("yes"), format!("The {a} field must be true or false."), vec![]),
                "string" => (Json::Num(7.0), format!("The {a} field must be a string."), vec![]),
                "file" => (s("not a file"), format!("The {a} field must be a file."), vec![]),
                "files" | "array" => (s("x"), format!("The {a} field must be an array."), vec![]),
                _ => (Json::Num(42.0), format!("The {a} field must be a string or an array of strings."), vec![]),
            },
            "minimum" => (Json::Num(n - step), format!("The {a} field must be at least {value}."), vec![Json::Num(n)]),
            "maximum" => (Json::Num(n + step), format!("The {a} field must not be greater than {value}."), vec![Json::Num(n)]),
            "enum" => {
                let values: Vec<&str> = value.split(", ").collect();
                let good = values.iter().map(|v| if int { Json::Num(v.parse().unwrap_or(0.0)) } else { s(v) }).collect();
                let bad = if int { Json::Num(values.iter().filter_map(|v| v.parse::<f64>().ok()).fold(0.0, f64::max) + 1.0) } else { s("not-listed") };
                (bad, format!("The selected {a} is invalid."), good)
            }
            "minLength" if n > 1.0 => (string_of(field, n as usize - 1), format!("The {a} field must be at least {value} characters."), vec![string_of(field, n as usize)]),
            "maxLength" => (string_of(field, n as usize + 1), format!("The {a} field must not be greater than {value} characters."), vec![string_of(field, n as usize)]),
            "maxItems" => (Json::Arr(vec![s("a"); n as usize + 1]), format!("The {a} field must not have more than {value} items."), vec![Json::Arr(vec![s("a"); n as usize])]),
            _ => continue,
        };
        tried += 1;
        let (params, key) = with(bad);
        let got = check(op, price, version, &params);
        if !got.iter().any(|(f, m)| *f == key && *m == message) {
            let mine: Vec<&String> = got.iter().filter(|(f, _)| *f == key).map(|(_, m)| m).collect();
            problems.push(format!("{operation} · {field}: core::api lists {rule} {value}, but validate says {mine:?} where deAPI says {message:?}"));
        }
        for g in good {
            let (params, key) = with(g);
            let got: Vec<String> = check(op, price, version, &params).into_iter().filter(|(f, _)| *f == key).map(|(_, m)| m).collect();
            if !got.is_empty() {
                problems.push(format!("{operation} · {field}: a value within {rule} {value} is refused: {got:?}"));
            }
        }
    }
    tried
}

/// The whole check of one spec: differences, then every core::api rule of its operations tried.
fn run(spec: &Value, fixes: &[Correction]) -> (Vec<String>, usize) {
    let (mut problems, agree) = compare(spec, fixes);
    let mut tried = 0;
    for (operation, _) in spec_operations(spec) {
        if let Some((op, rules, price, version)) = sdk_for(&operation) {
            tried += probe(&operation, op, rules, price, version, &mut problems);
        }
    }
    (problems, agree + tried)
}

fn spec_paths() -> Vec<std::path::PathBuf> {
    match std::env::var("DEAPI_SPEC") {
        Ok(list) if !list.trim().is_empty() => list.split(',').map(|p| std::path::PathBuf::from(p.trim())).collect(),
        _ => vec![root().join("tests/spec/openapi-v2.json"), root().join("tests/spec/openapi-v1.json")],
    }
}

fn committed_corrections() -> Vec<Correction> {
    let path = std::env::var("DEAPI_CORRECTIONS").map_or_else(|_| root().join("tests/spec/corrections.json"), std::path::PathBuf::from);
    corrections(&read_json(&path))
}

#[test]
fn the_rules_match_the_spec_both_ways() {
    let fixes = committed_corrections();
    let mut all = Vec::new();
    for path in spec_paths() {
        let (problems, agree) = run(&read_json(&path), &fixes);
        println!("spec rules ({}): {agree} facts agree, {} differ", path.display(), problems.len());
        for p in &problems {
            println!("  !! {p}");
        }
        all.extend(problems);
    }
    assert!(all.is_empty(), "{} difference(s) between core::api and the spec:\n{}", all.len(), all.join("\n"));
}

/// The proof: a copy of the committed spec with a bound moved, an enum value added and a field
/// renamed gives exactly those differences, each named by operation and field.
#[test]
fn a_changed_spec_is_named_by_operation_and_field() {
    let mut spec = read_json(&root().join("tests/spec/openapi-v2.json"));
    // the JSON pointer of a POST's request schema (its $ref's target when it has one)
    let at = |spec: &Value, path: &str| -> String {
        let content = format!("/paths/{}/post/requestBody/content", path.replace('/', "~1"));
        let kind = spec.pointer(&content).and_then(Value::as_object).and_then(|c| c.keys().next().cloned()).unwrap();
        let inline = format!("{content}/{}/schema", kind.replace('/', "~1"));
        match spec.pointer(&inline).and_then(|s| s.get("$ref")).and_then(Value::as_str) {
            Some(r) => r.trim_start_matches('#').to_owned(),
            None => inline,
        }
    };
    // 1. a bound moved: video upscale's scale maximum 16 → 32
    let s = spec.pointer_mut(&at(&spec, "/api/v2/videos/upscales")).unwrap();
    s["properties"]["scale"]["maximum"] = 32.into();
    // 2. an enum value added: OCR's format gains "markdown"
    let s = spec.pointer_mut(&at(&spec, "/api/v2/images/ocr")).unwrap();
    s["properties"]["format"]["enum"].as_array_mut().unwrap().push("markdown".into());
    // 3. a field renamed: text-to-image's guidance → cfg_scale (and in `required`)
    let s = spec.pointer_mut(&at(&spec, "/api/v2/images/generations")).unwrap();
    let props = std::mem::take(s["properties"].as_object_mut().unwrap());
    s["properties"] = props.into_iter().map(|(k, v)| (if k == "guidance" { "cfg_scale".to_owned() } else { k }, v)).collect();
    for r in s["required"].as_array_mut().unwrap() {
        if r == "guidance" {
            *r = "cfg_scale".into();
        }
    }
    // a copy on disk, read back as DEAPI_SPEC would be
    let copy = std::env::temp_dir().join(format!("deapi-spec-changed-{}.json", std::process::id()));
    std::fs::write(&copy, serde_json::to_string_pretty(&spec).unwrap()).unwrap();
    let changed = read_json(&copy);
    std::fs::remove_file(&copy).unwrap();
    let (problems, _) = run(&changed, &committed_corrections());
    let want = [
        "POST /api/v2/images/generations · cfg_scale: spec has the field, SDK does not have the field (no correction listed)",
        "POST /api/v2/images/generations · guidance: spec does not have the field, SDK has the field (no correction listed)",
        "POST /api/v2/images/ocr · format: spec enum text, json, markdown, SDK enum text, json (no correction listed)",
        "POST /api/v2/videos/upscales · scale: spec maximum 32, SDK maximum 16 (no correction listed)",
    ];
    let mut got = problems.clone();
    got.sort();
    assert_eq!(got, want, "{problems:#?}");
    // the committed spec: no difference
    let (problems, agree) = compare(&read_json(&root().join("tests/spec/openapi-v2.json")), &committed_corrections());
    assert!(problems.is_empty() && agree > 100, "{problems:#?}");
}

/// A correction that no longer differs from the spec fails, and so does one that misstates it.
#[test]
fn stale_and_wrong_corrections_fail() {
    let spec = read_json(&root().join("tests/spec/openapi-v2.json"));
    let mut fixes = committed_corrections();
    let entry = |field: &str, rule: &str, spec: Option<&str>, sdk: Option<&str>| Correction {
        operations: vec!["POST /api/v2/images/generations".into()],
        field: field.into(),
        rule: rule.into(),
        spec: spec.map(str::to_owned),
        sdk: sdk.map(str::to_owned),
    };
    fixes.push(entry("width", "type", Some("integer"), Some("number")));
    fixes.push(entry("steps", "maximum", Some("50"), None));
    let (mut problems, _) = compare(&spec, &fixes);
    problems.sort();
    assert_eq!(
        problems,
        [
            "POST /api/v2/images/generations · steps: stale correction: no maximum difference left (spec maximum 50)",
            "POST /api/v2/images/generations · width: stale correction: spec and SDK agree on type integer (delete the entry)",
        ]
    );
}
