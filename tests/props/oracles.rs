//! Oracles: what the properties compare the crate's answers against. None of them is the code under
//! test: the webhook verifier's HMAC (`hmac` + `sha2`) is checked against another implementation
//! (`hmac-sha256`, itself checked against RFC 4231's published vectors), and the crate's JSON reader
//! (serde_json underneath) against Node's `JSON.parse`.

use super::checks::Hook;
use deapi_wasm::core::json::{Json, MAX_DEPTH};
use std::io::{BufRead, BufReader, Write};
use std::process::{Child, ChildStdin, ChildStdout, Command, Stdio};
use std::sync::Mutex;

// ---- HMAC-SHA256 ----------------------------------------------------------------------------------

/// HMAC-SHA256 of the concatenated `parts` (the `hmac-sha256` crate: its own SHA-256 and HMAC).
pub fn hmac_sha256(key: &[u8], parts: &[&[u8]]) -> [u8; 32] {
    let mut h = hmac_sha256::HMAC::new(key);
    for p in parts {
        h.update(p);
    }
    h.finalize()
}

pub fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// RFC 4231 §4.2–4.8: (key, data, HMAC-SHA-256 as hex; test case 5 is truncated to 128 bits).
pub fn rfc4231() -> Vec<(Vec<u8>, Vec<u8>, &'static str)> {
    vec![
        (vec![0x0b; 20], b"Hi There".to_vec(), "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7"),
        (b"Jefe".to_vec(), b"what do ya want for nothing?".to_vec(), "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"),
        (vec![0xaa; 20], vec![0xdd; 50], "773ea91e36800e46854db8ebd09181a72959098b3ef8c122d9635514ced565fe"),
        ((1..=25).collect(), vec![0xcd; 50], "82558a389a443c0ea4cc819899f2083a85f0faa3e578f8077a2e3ff46729665b"),
        (vec![0x0c; 20], b"Test With Truncation".to_vec(), "a3b6167473100ee06e0c796c2955552b"),
        (vec![0xaa; 131], b"Test Using Larger Than Block-Size Key - Hash Key First".to_vec(), "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54"),
        (
            vec![0xaa; 131],
            b"This is a test using a larger than block-size key and a larger than block-size data. The key needs to be hashed before being used by the HMAC algorithm.".to_vec(),
            "9b09ffa71b942fcb27635fbcd5b0e944bfdc63644f0713938a7f51535c3a35e2",
        ),
    ]
}

/// What `verify` should answer, from the spec in `src/core/webhook.rs`'s docs: the reason, or "ok".
pub fn webhook_oracle(c: &Hook) -> &'static str {
    if c.secret.0.is_empty() {
        return "bad_secret";
    }
    let tolerance_ok = c.tolerance.is_finite() && (0.0..=86_400.0).contains(&c.tolerance);
    let max_payload_ok = c.max_payload.fract() == 0.0 && (1.0..=67_108_864.0).contains(&c.max_payload);
    if !tolerance_ok || !max_payload_ok {
        return "invalid_options";
    }
    let sig = c.signature.as_ref().map_or("", |s| s.0.trim());
    if sig.is_empty() {
        return "missing_signature";
    }
    let Some(hex_part) = sig.strip_prefix("sha256=") else { return "malformed_signature" };
    if hex_part.len() != 64 || !hex_part.bytes().all(|b| b.is_ascii_hexdigit()) {
        return "malformed_signature";
    }
    let ts = c.timestamp.as_ref().map_or("", |s| s.0.trim());
    if ts.is_empty() || ts.len() > 15 || !ts.bytes().all(|b| b.is_ascii_digit()) {
        return "bad_timestamp";
    }
    // freshness and size before the MAC (they need no hashing, and no copy of the body)
    let age = c.now - ts.parse::<f64>().unwrap();
    if age > c.tolerance {
        return "stale";
    }
    if -age > c.tolerance {
        return "future";
    }
    if c.payload.0.len() as f64 > c.max_payload {
        return "payload_too_large";
    }
    let mac = hmac_sha256(c.secret.0.as_bytes(), &[ts.as_bytes(), b".", &c.payload.0]);
    if !hex_part.eq_ignore_ascii_case(&hex(&mac)) {
        return "mismatch";
    }
    if std::str::from_utf8(&c.payload.0).is_err() {
        return "bad_payload";
    }
    "ok"
}

// ---- dates ------------------------------------------------------------------------------------------

/// Days since 1970-01-01, by counting (independent of the crate's `days_from_civil`).
pub fn days_since_epoch(y: i64, m: i64, d: i64) -> i64 {
    let leap = |y: i64| (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    let before_year = |y: i64| {
        let p = y - 1;
        365 * p + p / 4 - p / 100 + p / 400
    };
    let mut days = before_year(y) - before_year(1970);
    let month_days = [31, if leap(y) { 29 } else { 28 }, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31];
    days += month_days.iter().take((m - 1) as usize).sum::<i64>();
    days + d - 1
}

// ---- JSON.parse, by Node ----------------------------------------------------------------------------

/// Node's side: one JSON string per line in (the text to read), one line out per text — `null` when
/// `JSON.parse` throws, else the value as a flat list of tokens in prefix order (so that reading it
/// back needs no nesting): `"n"` null, `"t"`/`"f"`, `"d", number`, `"s", string`, `"a", count, items…`,
/// `"o", count, (key, value)…` (every own key, `__proto__` too). Strings are made well-formed (a lone
/// surrogate → U+FFFD, which is what the crate keeps), ±Infinity (`1e999`) is null and a value nested
/// deeper than `MAX_DEPTH` is null: the crate's documented departures from `JSON.parse`
/// (`core::json::parse_json`).
const NODE_SCRIPT: &str = r#"
const MAX_DEPTH = Number(process.argv[1]);
const flat = (v, d, out) => {
  if (d > MAX_DEPTH || v === null) out.push('n');
  else if (v === true || v === false) out.push(v ? 't' : 'f');
  else if (typeof v === 'number') { if (Number.isFinite(v)) out.push('d', v); else out.push('n'); }
  else if (typeof v === 'string') out.push('s', v.toWellFormed());
  else if (Array.isArray(v)) { out.push('a', v.length); for (const x of v) flat(x, d + 1, out); }
  else { const ks = Object.keys(v); out.push('o', ks.length); for (const k of ks) { out.push(k.toWellFormed()); flat(v[k], d + 1, out); } }
  return out;
};
const rl = require('readline').createInterface({ input: process.stdin, crlfDelay: Infinity });
rl.on('line', (line) => {
  let out;
  try { out = JSON.stringify(flat(JSON.parse(JSON.parse(line)), 0, [])); } catch { out = 'null'; }
  process.stdout.write(out + '\n');
});
"#;

struct Node {
    _child: Child,
    input: ChildStdin,
    output: BufReader<ChildStdout>,
}

/// The one Node process of this test binary (`None`: no `node` on the PATH; said once).
static NODE: Mutex<Option<Option<Node>>> = Mutex::new(None);

fn start_node() -> Option<Node> {
    let spawned = Command::new("node").args(["-e", NODE_SCRIPT, &MAX_DEPTH.to_string()]).stdin(Stdio::piped()).stdout(Stdio::piped()).stderr(Stdio::inherit()).spawn();
    match spawned {
        Ok(mut child) => {
            let input = child.stdin.take()?;
            let output = BufReader::new(child.stdout.take()?);
            Some(Node { _child: child, input, output })
        }
        Err(e) => {
            println!("fuzz: skipped: the JSON.parse oracle needs node on the PATH ({e})");
            None
        }
    }
}

/// `JSON.parse(text)` as Node reads it (see [`NODE_SCRIPT`] for the form), or `None` when there is
/// no Node. `Some(None)`: Node throws a SyntaxError.
pub fn node_parse(text: &str) -> Option<Option<Json>> {
    let mut guard = NODE.lock().unwrap_or_else(|p| p.into_inner());
    let node = guard.get_or_insert_with(start_node).as_mut()?;
    let line = serde_json::to_string(text).unwrap();
    node.input.write_all(line.as_bytes()).and_then(|()| node.input.write_all(b"\n")).and_then(|()| node.input.flush()).expect("write to node");
    let mut answer = String::new();
    node.output.read_line(&mut answer).expect("read from node");
    let v: serde_json::Value = serde_json::from_str(&answer).unwrap_or_else(|e| panic!("node answered {answer:?}: {e}"));
    Some(v.as_array().map(|tokens| from_tokens(&mut tokens.iter())))
}

/// Node's token list (see [`NODE_SCRIPT`]) as a [`Json`].
fn from_tokens<'a>(t: &mut impl Iterator<Item = &'a serde_json::Value>) -> Json {
    let tag = t.next().and_then(|v| v.as_str()).expect("a tag");
    let mut next = || t.next().expect("a token");
    match tag {
        "n" => Json::Null,
        "t" => Json::Bool(true),
        "f" => Json::Bool(false),
        "d" => Json::Num(next().as_f64().unwrap()),
        "s" => Json::Str(next().as_str().unwrap().to_owned()),
        "a" => {
            let n = next().as_u64().unwrap();
            Json::Arr((0..n).map(|_| from_tokens(t)).collect())
        }
        "o" => {
            let n = next().as_u64().unwrap();
            Json::Obj((0..n).map(|_| (t.next().and_then(|k| k.as_str()).unwrap().to_owned(), from_tokens(t))).collect())
        }
        other => panic!("node's token {other:?}"),
    }
}

/// Two values the same to a JS program: objects compared as maps (a repeated key's last value; JS
/// orders integer-like keys first, so the order is not compared), numbers by `==` (−0 equals 0;
/// JSON.stringify cannot tell them apart either).
pub fn same_js_value(a: &Json, b: &Json) -> bool {
    fn folded(pairs: &[(String, Json)]) -> Vec<(&str, &Json)> {
        let mut out: Vec<(&str, &Json)> = Vec::new();
        for (k, v) in pairs {
            match out.iter_mut().find(|(key, _)| *key == k.as_str()) {
                Some(slot) => slot.1 = v,
                None => out.push((k, v)),
            }
        }
        out.sort_by(|x, y| x.0.cmp(y.0));
        out
    }
    match (a, b) {
        (Json::Num(x), Json::Num(y)) => x == y,
        (Json::Arr(x), Json::Arr(y)) => x.len() == y.len() && x.iter().zip(y).all(|(x, y)| same_js_value(x, y)),
        (Json::Obj(x), Json::Obj(y)) => {
            let (x, y) = (folded(x), folded(y));
            x.len() == y.len() && x.iter().zip(&y).all(|((kx, vx), (ky, vy))| kx == ky && same_js_value(vx, vy))
        }
        _ => a == b,
    }
}
