//! Strategies: structure-aware generators of the targets' inputs (deAPI's body shapes with wrong
//! types at the known keys, deep nesting, huge strings, odd numbers), the real-world seeds of
//! `props::seeds` mutated as trees and as bytes, and raw bytes. Every random choice is a strategy,
//! so proptest shrinks a failing input (a shorter list, a simpler alternative — the first one of a
//! `prop_oneof!` — a smaller number, fewer mutations).

use crate::props::checks::{obj, s, AuthCase, FleetCase, Hook, JsonTextCase, LinkCase, LinkStep, ParserCase, PolicyCase, RedactCase, RelayCase, RelayStep, RequestCase, ValidateCase, RELAY_WORDS};
use crate::props::oracles::{days_since_epoch, hex, hmac_sha256};
use crate::props::seeds::{RT_CHANNEL, RT_SEEDS, SEEDS, TOKENS};
use crate::props::{body_from_bytes, BodyIn, Bytes, Txt, J};
use deapi_wasm::core::api::{Field, Op, Type, OPS};
use deapi_wasm::core::config::MAX_TIMER_MS;
use deapi_wasm::core::error::{Body, RateLimit, ResponseMeta, MAX_TEXT};
use deapi_wasm::core::json::{self as crate_json, parse_number, Json, MAX_DEPTH};
use deapi_wasm::core::realtime::MAX_FRAME_BYTES;
use deapi_wasm::core::retry::{Outcome, RetryPolicy};
use deapi_wasm::core::validate::fmt_num;
use proptest::collection::vec;
use proptest::option::weighted;
use proptest::prelude::*;
use proptest::sample::{select, Index};
use proptest::strategy::Union;

pub type S<T> = BoxedStrategy<T>;

fn one(xs: &'static [&'static str]) -> S<String> {
    select(xs).prop_map(str::to_owned).boxed()
}

/// `Some(v)` with probability `p`.
fn maybe<T: std::fmt::Debug + Clone + 'static>(p: f64, st: S<T>) -> S<Option<T>> {
    weighted(p, st).boxed()
}

/// Mostly a value of the right kind, sometimes anything.
fn or_any(right: S<Json>, f: Flavor) -> S<Json> {
    prop_oneof![3 => right, 1 => json(3, f)].boxed()
}

/// `v` permuted by swaps (`swaps[i]` picks the item swapped with item `i`); no swaps keep the order.
fn permute<T>(v: &mut [T], swaps: &[Index]) {
    for (i, ix) in swaps.iter().enumerate() {
        if v.len() > 1 {
            let (a, b) = (i % v.len(), ix.index(v.len()));
            v.swap(a, b);
        }
    }
}

fn swaps() -> S<Vec<Index>> {
    vec(any::<Index>(), 0..8).boxed()
}

// ---- scalars ----------------------------------------------------------------------------------------

/// Keys deAPI bodies and the decoders use, and a few more.
const KEYS: &[&str] = &[
    "message", "errors", "error", "data", "status", "statusCode", "progress", "info", "limits", "features", "defaults",
    "inference_types", "price", "request_id", "balance", "field", "messages", "meta", "current_page", "last_page",
    "per_page", "total", "prompt", "negative_prompt", "is_estimated", "slug", "name", "result_url", "preview",
    "error_code", "error_message", "error_reason", "retryable", "refunded", "amount", "type", "links", "min_width",
    "max_width", "resolution_step", "min_steps", "max_steps", "timestamp_levels", "supports_steps", "supports_scale",
    "width", "height", "steps", "model", "result", "x", "", "__proto__", "constructor", "0", "message ", "Message",
];

const STRINGS: &[&str] = &[
    "", " ", "\t\n", "1", "0", "-1", "true", "false", "null", "45.50", "1e3", " 12 ", "-5", "abc", "done", "error",
    "failed", "completed", "DONE", "Failed", "processing", "pending", "queued", "é", "\u{0}", "🦊", "a\u{301}", "\u{200b}",
    "\u{feff}", "\u{a0}", "\u{3000}1", "\u{202e}txt", "NaN", "Infinity", "-0", "0x10", "1,5", "1_000", "Sun, 06 Nov 1994 08:49:37 GMT",
    "txt2img", "img2img", "txt2audio", "segment", "word", "char", "https://", "https://example.com/hook", "Flux1schnell",
    "The width field must be at least 512.", "Unauthenticated.", "Too Many Attempts.", "<html>", "</script>", "\\", "\"", "%", "%2F",
    "../", "a|b", "1234|secretKEY", "[REDACTED]", "sha256=", "9007199254740993", "1e308", "1e309", "4.9e-324", ".5", "7.",
];

pub const STATUSES: &[u16] = &[
    400, 401, 403, 404, 405, 408, 409, 410, 413, 418, 422, 429, 500, 501, 502, 503, 504, 599, 0, 1, 100, 200, 204, 299, 300, 399, 600, 999, 65535,
];

const SPECIAL: &[f64] = &[
    0.0, -0.0, 1.0, -1.0, 0.5, 2.0, 3.0, 4.0, 10.0, 16.0, 100.0, 255.0, 256.0, 512.0, 1000.0, 1e6, 2_147_483_647.0, 2_147_483_648.0,
    4_294_967_296.0, 9_007_199_254_740_992.0, 9.0e15, 8_999_999_999_999_999.0, 1.8e19, 1e21, 1e300, f64::MAX, f64::MIN, f64::MIN_POSITIVE,
    5e-324, -1e308, 0.1, 1.5, 45.5, 19.72, 0.0123, 0.49, -3.5, 1e-7, 0.999_999_9,
];

/// A number: special values, small integers, cents, any bit pattern, any magnitude; NaN and
/// ±Infinity when `nonfinite`.
pub fn num(nonfinite: bool) -> S<f64> {
    let mut arms: Vec<(u32, S<f64>)> = vec![
        (2, (-20i64..=2100).prop_map(|i| i as f64).boxed()),
        (2, select(SPECIAL).boxed()),
        (1, (-1_000_000i64..=1_000_000).prop_map(|i| i as f64 / 100.0).boxed()),
        (1, any::<u64>().prop_map(move |b| Some(f64::from_bits(b)).filter(|f| f.is_finite() || nonfinite).unwrap_or(0.5)).boxed()),
        (2, (0.0..1.0f64, -10i32..=20).prop_map(|(u, e)| u * 10f64.powi(e)).boxed()),
    ];
    if nonfinite {
        arms.push((1, select(&[f64::NAN, f64::INFINITY, f64::NEG_INFINITY][..]).boxed()));
    }
    Union::new_weighted(arms).boxed()
}

/// Text of a number, well-formed or not: signs, leading zeros, long mantissas and exponents, odd
/// whitespace, a junk character now and then.
pub fn number_text() -> S<String> {
    const WS: &[&str] = &["", " ", "\t", "\n", "\u{a0}", "\u{3000}", "\u{2028}"];
    let int = prop_oneof![7 => "[0-9]{1,6}", 1 => Just(String::new()), 1 => "[0-9]{0,40}", 1 => "[0-9]{0,400}"];
    let frac = maybe(0.5, prop_oneof![9 => "[0-9]{0,7}", 1 => "[0-9]{0,400}"].boxed());
    let exp = maybe(0.35, (select(&["e", "E"][..]), select(&["", "", "-", "+"][..]), "[0-9]{0,5}").prop_map(|(e, s, d)| format!("{e}{s}{d}")).boxed());
    let junk = maybe(0.05, (any::<Index>(), select(&['x', '.', 'e', ' ', '_', ',', '١', 'Ⅻ'][..])).boxed());
    (select(WS), select(&["", "", "", "-", "+", "--", "+-"][..]), int, frac, exp, junk, select(WS))
        .prop_map(|(w1, sign, int, frac, exp, junk, w2)| {
            let mut t = format!("{w1}{sign}{int}");
            if let Some(f) = frac {
                t.push('.');
                t.push_str(&f);
            }
            t.push_str(&exp.unwrap_or_default());
            if let Some((at, c)) = junk {
                let at = at.index(t.len() + 1);
                if t.is_char_boundary(at) {
                    t.insert(at, c);
                }
            }
            t + w2
        })
        .boxed()
}

const DAYS: &[&str] = &["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun", "Sunday", "Monday"];
const MONTHS: &[&str] = &["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

/// A date, valid or not, in one of the three HTTP forms (or a broken one); with its expected value
/// (by `days_since_epoch`) when it is a well-formed date of years 1970–9999.
pub fn date_text() -> S<(String, Option<f64>)> {
    let year = prop_oneof![
        7 => 1970i64..=2200,
        1 => 0i64..=99,
        1 => -5i64..=100_000,
        1 => select(&[i64::MAX, 99_999_999_999_999_999, 999_999_999_999, 25_000_000_000_000_000, 292_277_026_596][..]),
    ];
    let day = prop_oneof![9 => (1i64..=31).prop_map(|d| (d, true)), 1 => (-1i64..=40).prop_map(|d| (d, false))];
    let time = prop_oneof![9 => (0i64..24, 0i64..60, 0i64..60), 1 => (-1i64..=99, -1i64..=99, -1i64..=99)];
    let month_name = prop_oneof![19 => Just(None), 1 => select(&["Foo", "jan", "DEC", "Sept", ""][..]).prop_map(Some)];
    let broken = (any::<Index>(), any::<Index>(), select(&[" ", ",", "-", "  ", ", "][..]));
    (year, 1i64..=12, day, time, month_name, select(DAYS), 0usize..4, broken)
        .prop_map(|(year, month, (day, clamp), (h, mi, se), mname, dname, form, (a, b, sep))| {
            let dim = match month {
                2 if (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 => 29,
                2 => 28,
                4 | 6 | 9 | 11 => 30,
                _ => 31,
            };
            let day = if clamp { day.min(dim) } else { day };
            let mname = mname.map_or_else(|| MONTHS[(month - 1) as usize].to_owned(), str::to_owned);
            let time = format!("{h:02}:{mi:02}:{se:02}");
            let text = match form {
                0 => format!("{dname}, {day:02} {mname} {year} {time} GMT"),
                1 => format!("{dname}, {day:02}-{mname}-{:02} {time} GMT", year.rem_euclid(100)),
                2 => format!("{dname} {mname} {day:>2} {time} {year}"),
                _ => {
                    let mut parts = [dname.to_string(), day.to_string(), mname.clone(), year.to_string(), time.clone(), "GMT".into()];
                    parts.swap(a.index(6), b.index(6));
                    parts.join(sep)
                }
            };
            let well_formed = form < 3
                && (1970..=9999).contains(&year)
                && (form != 1 || (1970..=2069).contains(&year))
                && (1..=dim).contains(&day)
                && (0..24).contains(&h)
                && (0..60).contains(&mi)
                && (0..60).contains(&se)
                && mname.len() == 3
                && MONTHS.contains(&mname.as_str());
            let expected = well_formed.then(|| (days_since_epoch(year, month, day) * 86_400 + h * 3600 + mi * 60 + se) as f64);
            (text, expected)
        })
        .boxed()
}

/// Any string: the dictionary, numbers and dates as text, printable ASCII, odd characters, huge
/// runs (rarely a megabyte), keys, bytes read as UTF-8.
pub fn string() -> S<String> {
    const CHARS: &[char] = &['a', 'é', 'ß', '中', '🦊', '\u{301}', '\u{0}', '\u{1f}', '\u{7f}', '\u{fffd}', '"', '\\', '/', ' ', '|', '\u{10ffff}', '\u{2028}'];
    prop_oneof![
        120 => one(STRINGS),
        40 => number_text(),
        20 => date_text().prop_map(|d| d.0),
        60 => "[ -~]{0,19}",
        40 => vec(select(CHARS), 0..12).prop_map(|v| v.into_iter().collect()),
        1 => (prop_oneof![19 => 0usize..100_000, 1 => Just(1usize << 20)], select(&["a", "é", "🦊", " ", "1"][..])).prop_map(|(n, u)| u.repeat(n)),
        40 => one(KEYS),
        20 => vec(any::<u8>(), 0..16).prop_map(|b| String::from_utf8_lossy(&b).into_owned()),
        40 => (select(STRINGS), select(KEYS)).prop_map(|(a, b)| format!("{a}{b}")),
    ]
    .boxed()
}

pub fn key() -> S<String> {
    prop_oneof![4 => one(KEYS), 1 => string()].boxed()
}

/// What a value may hold besides JSON's own.
#[derive(Clone, Copy)]
pub struct Flavor {
    /// NaN and ±Infinity (JS values; never from a JSON response).
    pub nonfinite: bool,
    /// `Json::File` (params only).
    pub files: bool,
}

pub const RESPONSE: Flavor = Flavor { nonfinite: false, files: false };
pub const PARAMS: Flavor = Flavor { nonfinite: true, files: true };

pub fn scalar(f: Flavor) -> S<Json> {
    let mut arms: Vec<(u32, S<Json>)> = vec![
        (1, Just(Json::Null).boxed()),
        (1, any::<bool>().prop_map(Json::Bool).boxed()),
        (3, num(f.nonfinite).prop_map(Json::Num).boxed()),
        (7, string().prop_map(Json::Str).boxed()),
    ];
    if f.files {
        arms.push((1, (0u32..6).prop_map(Json::File).boxed()));
    }
    Union::new_weighted(arms).boxed()
}

/// Any JSON value, at most `depth` levels deep; now and then a long container of scalars, or a
/// chain nested past `MAX_DEPTH`.
pub fn json(depth: u32, f: Flavor) -> S<Json> {
    let tree = scalar(f)
        .prop_recursive(depth, 64, 6, move |inner| prop_oneof![vec(inner.clone(), 0..6).prop_map(Json::Arr), vec((key(), inner), 0..6).prop_map(Json::Obj)])
        .boxed();
    if depth == 0 {
        return tree;
    }
    let long = prop_oneof![vec(scalar(f), 0..300).prop_map(Json::Arr), vec((key(), scalar(f)), 0..300).prop_map(Json::Obj)];
    prop_oneof![96 => tree, 3 => long, 1 => deep(f)].boxed()
}

/// A chain nested up to just past the depth the real decoders keep.
pub fn deep(f: Flavor) -> S<Json> {
    let levels = (20usize..=MAX_DEPTH as usize + 2).prop_flat_map(|n| vec((any::<bool>(), one(KEYS)), n));
    (scalar(f), levels)
        .prop_map(|(mut v, levels)| {
            for (arr, k) in levels {
                v = if arr { Json::Arr(vec![v]) } else { Json::Obj(vec![(k, v)]) };
            }
            v
        })
        .boxed()
}

// ---- tree mutation ----------------------------------------------------------------------------------

/// One change at one node of a tree (the node picked by its index in document order).
#[derive(Clone, Debug)]
pub enum Mutation {
    Replace(Index, Json),
    WrapArr(Index),
    WrapObj(Index, String),
    Remove(Index, Index),
    /// a repeated key in an object (JSON.parse keeps the last value; so do the crate's parser and `get`),
    /// an item pushed onto an array, a deep chain in place of a scalar
    Repeat(Index, Index, Json, Json),
    Insert(Index, Index, String, Json, String),
    /// type confusion of a scalar: number ↔ string, boolean → 1/0
    Confuse(Index, bool, String, f64),
    Shuffle(Index, Vec<Index>),
}

fn count_nodes(j: &Json) -> usize {
    1 + match j {
        Json::Arr(items) => items.iter().map(count_nodes).sum(),
        Json::Obj(pairs) => pairs.iter().map(|(_, v)| count_nodes(v)).sum(),
        _ => 0,
    }
}

fn nth_node<'a>(j: &'a mut Json, k: &mut usize) -> Option<&'a mut Json> {
    if *k == 0 {
        return Some(j);
    }
    *k -= 1;
    match j {
        Json::Arr(items) => items.iter_mut().find_map(|v| nth_node(v, k)),
        Json::Obj(pairs) => pairs.iter_mut().find_map(|(_, v)| nth_node(v, k)),
        _ => None,
    }
}

fn apply(root: &mut Json, m: &Mutation) {
    let at = match m {
        Mutation::Replace(i, ..) | Mutation::WrapArr(i) | Mutation::WrapObj(i, _) | Mutation::Remove(i, _) | Mutation::Repeat(i, ..) | Mutation::Insert(i, ..) | Mutation::Confuse(i, ..) | Mutation::Shuffle(i, _) => i,
    };
    let mut k = at.index(count_nodes(root));
    let Some(node) = nth_node(root, &mut k) else { return };
    match (m, node) {
        (Mutation::Replace(_, v), node) => *node = v.clone(),
        (Mutation::WrapArr(_), node) => *node = Json::Arr(vec![std::mem::take(node)]),
        (Mutation::WrapObj(_, k), node) => *node = Json::Obj(vec![(k.clone(), std::mem::take(node))]),
        (Mutation::Remove(_, i), Json::Arr(items)) if !items.is_empty() => {
            items.remove(i.index(items.len()));
        }
        (Mutation::Remove(_, i), Json::Obj(pairs)) if !pairs.is_empty() => {
            pairs.remove(i.index(pairs.len()));
        }
        (Mutation::Remove(..), node) => *node = Json::Null,
        (Mutation::Repeat(_, i, v, _), Json::Obj(pairs)) if !pairs.is_empty() => {
            let k = pairs[i.index(pairs.len())].0.clone();
            pairs.push((k, v.clone()));
        }
        (Mutation::Repeat(_, _, v, _), Json::Arr(items)) => items.push(v.clone()),
        (Mutation::Repeat(_, _, _, chain), node) => *node = chain.clone(),
        (Mutation::Insert(_, i, k, v, _), Json::Obj(pairs)) => pairs.insert(i.index(pairs.len() + 1), (k.clone(), v.clone())),
        (Mutation::Insert(_, i, _, v, _), Json::Arr(items)) => items.insert(i.index(items.len() + 1), v.clone()),
        (Mutation::Insert(.., text), node) => *node = Json::Str(text.clone()),
        (Mutation::Confuse(_, as_fmt, text, n), node) => {
            let swapped = match &*node {
                Json::Num(x) => Some(Json::Str(if *as_fmt { fmt_num(*x) } else { text.clone() })),
                Json::Str(t) => Some(Json::Num(parse_number(t).unwrap_or(*n))),
                Json::Bool(b) => Some(if *as_fmt { s(if *b { "1" } else { "0" }) } else { Json::Num(if *b { 1.0 } else { 0.0 }) }),
                _ => None,
            };
            if let Some(v) = swapped {
                *node = v;
            }
        }
        (Mutation::Shuffle(_, sw), Json::Obj(pairs)) => permute(pairs, sw),
        (Mutation::Shuffle(_, sw), Json::Arr(items)) => permute(items, sw),
        (Mutation::Shuffle(..), _) => {}
    }
}

fn mutation(f: Flavor) -> S<Mutation> {
    let ix = any::<Index>;
    prop_oneof![
        2 => (ix(), json(3, f)).prop_map(|(i, v)| Mutation::Replace(i, v)),
        1 => (ix(), scalar(f)).prop_map(|(i, v)| Mutation::Replace(i, v)),
        1 => ix().prop_map(Mutation::WrapArr),
        1 => (ix(), key()).prop_map(|(i, k)| Mutation::WrapObj(i, k)),
        1 => (ix(), ix()).prop_map(|(i, j)| Mutation::Remove(i, j)),
        1 => (ix(), ix(), json(2, f), deep(f)).prop_map(|(i, j, v, d)| Mutation::Repeat(i, j, v, d)),
        1 => (ix(), ix(), key(), json(2, f), string()).prop_map(|(i, j, k, v, t)| Mutation::Insert(i, j, k, v, t)),
        1 => (ix(), any::<bool>(), number_text(), num(f.nonfinite)).prop_map(|(i, b, t, n)| Mutation::Confuse(i, b, t, n)),
        1 => (ix(), swaps()).prop_map(|(i, sw)| Mutation::Shuffle(i, sw)),
    ]
    .boxed()
}

/// `base` with up to five mutations (none in two cases of seven).
pub fn mutate_some(base: S<Json>, f: Flavor) -> S<Json> {
    (base, prop_oneof![2 => Just(Vec::new()), 5 => vec(mutation(f), 1..=5)])
        .prop_map(|(mut j, ms)| {
            for m in &ms {
                apply(&mut j, m);
            }
            j
        })
        .boxed()
}

// ---- byte mutation ----------------------------------------------------------------------------------

/// One byte-level change of a text: a bit flip, an inserted byte, a deleted run, a duplicated run,
/// a dictionary token, a splice with (the tail of) a seed, a cut.
#[derive(Clone, Debug)]
pub enum ByteOp {
    Flip(Index, u8),
    Insert(Index, u8),
    Delete(Index, usize),
    Duplicate(Index, usize, Index),
    Token(Index, &'static str),
    Splice(Index, &'static str, Index),
    Truncate(Index),
}

fn byte_op() -> S<ByteOp> {
    let ix = any::<Index>;
    prop_oneof![
        (ix(), 0u8..8).prop_map(|(i, b)| ByteOp::Flip(i, b)),
        (ix(), any::<u8>()).prop_map(|(i, b)| ByteOp::Insert(i, b)),
        (ix(), 0usize..16).prop_map(|(i, n)| ByteOp::Delete(i, n)),
        (ix(), 0usize..32, ix()).prop_map(|(i, n, to)| ByteOp::Duplicate(i, n, to)),
        (ix(), select(TOKENS)).prop_map(|(i, t)| ByteOp::Token(i, t)),
        (ix(), select(SEEDS), ix()).prop_map(|(i, seed, from)| ByteOp::Splice(i, seed, from)),
        ix().prop_map(ByteOp::Truncate),
    ]
    .boxed()
}

pub fn apply_bytes(b: &mut Vec<u8>, ops: &[ByteOp]) {
    for op in ops {
        let at = |i: &Index, b: &Vec<u8>| i.index(b.len() + 1);
        match op {
            ByteOp::Flip(i, bit) if !b.is_empty() => {
                let i = i.index(b.len());
                b[i] ^= 1 << bit;
            }
            ByteOp::Insert(i, x) => b.insert(at(i, b), *x),
            ByteOp::Delete(i, n) => {
                let a = at(i, b);
                b.drain(a..(a + n).min(b.len()));
            }
            ByteOp::Duplicate(i, n, to) => {
                let a = at(i, b);
                let chunk: Vec<u8> = b[a..(a + n).min(b.len())].to_vec();
                let to = at(to, b);
                b.splice(to..to, chunk);
            }
            ByteOp::Token(i, t) => {
                let a = at(i, b);
                b.splice(a..a, t.bytes());
            }
            ByteOp::Splice(i, seed, from) => {
                let a = at(i, b);
                b.truncate(a);
                b.extend_from_slice(&seed.as_bytes()[from.index(seed.len() + 1)..]);
            }
            ByteOp::Truncate(i) => b.truncate(at(i, b)),
            ByteOp::Flip(..) => {}
        }
    }
}

/// `text`'s bytes with one to four byte-level changes.
pub fn mutate_bytes(text: S<Vec<u8>>) -> S<Vec<u8>> {
    (text, vec(byte_op(), 1..=4))
        .prop_map(|(mut b, ops)| {
            apply_bytes(&mut b, &ops);
            b
        })
        .boxed()
}

pub fn seed_bytes(seeds: &'static [&'static str]) -> S<Vec<u8>> {
    select(seeds).prop_map(|t| t.as_bytes().to_vec()).boxed()
}

/// Bytes a response body could be: a mutated seed (7 in 10), random bytes, or a generated value's text.
pub fn body_bytes() -> S<Vec<u8>> {
    prop_oneof![
        7 => mutate_bytes(seed_bytes(SEEDS)),
        1 => vec(any::<u8>(), 0..64),
        2 => json(6, RESPONSE).prop_map(|j| crate_json::to_text(&j).into_bytes()),
    ]
    .boxed()
}

/// A seed body as a value (mutated as a tree); `null` for the seeds that are not JSON.
pub fn seed_json() -> S<Json> {
    mutate_some(select(SEEDS).prop_map(|t| crate_json::parse_json(t).unwrap_or(Json::Null)).boxed(), RESPONSE)
}

// ---- deAPI shapes with wrong types at the known keys ------------------------------------------------

fn str_json() -> S<Json> {
    string().prop_map(Json::Str).boxed()
}

/// An object from optional pairs, in an order the swaps pick.
fn object(pairs: Vec<S<Option<(&'static str, Json)>>>) -> S<Json> {
    (pairs, swaps())
        .prop_map(|(pairs, sw)| {
            let mut kept: Vec<(&str, Json)> = pairs.into_iter().flatten().collect();
            permute(&mut kept, &sw);
            obj(kept)
        })
        .boxed()
}

/// `key: value` in 3 cases of 4.
fn field(key: &'static str, value: S<Json>) -> S<Option<(&'static str, Json)>> {
    maybe(0.75, value.prop_map(move |v| (key, v)).boxed())
}

fn messages() -> S<Json> {
    prop_oneof![
        1 => str_json(),
        1 => json(2, RESPONSE),
        4 => vec(prop_oneof![6 => str_json(), 1 => scalar(RESPONSE)], 0..4).prop_map(Json::Arr),
    ]
    .boxed()
}

pub fn error_body() -> S<Json> {
    let message = prop_oneof![1 => json(2, RESPONSE), 1 => or_any(str_json(), RESPONSE).prop_map(|m| obj(vec![("message", m)])), 6 => str_json()].boxed();
    let error = maybe(0.2, prop_oneof![str_json(), or_any(str_json(), RESPONSE).prop_map(|m| obj(vec![("message", m), ("type", s("invalid_request_error"))]))].boxed());
    let item = (maybe(0.75, or_any(key().prop_map(Json::Str).boxed(), RESPONSE)), any::<bool>(), messages()).prop_map(|(f, plural, m)| {
        let mut p: Vec<(&str, Json)> = f.map(|f| ("field", f)).into_iter().collect();
        p.push((if plural { "messages" } else { "message" }, m));
        obj(p)
    });
    let errors = prop_oneof![
        1 => Just(Json::Arr(vec![])),
        1 => Just(Json::Null),
        2 => vec(or_any(item.boxed(), RESPONSE), 0..4).prop_map(Json::Arr),
        1 => json(3, RESPONSE),
        2 => vec((key(), messages()), 0..5).prop_map(Json::Obj),
    ]
    .boxed();
    let status_code = maybe(0.3, select(STATUSES).boxed());
    let body = (object(vec![field("message", message), field("errors", errors)]), error, status_code).prop_map(|(mut o, error, code)| {
        if let Json::Obj(pairs) = &mut o {
            pairs.extend(error.map(|e| ("error".to_owned(), e)));
            if let Some(code) = code {
                pairs.push(("data".into(), Json::Null));
                pairs.push(("statusCode".into(), Json::Num(f64::from(code))));
            }
        }
        o
    });
    mutate_some(body.boxed(), RESPONSE)
}

pub fn job_status() -> S<Json> {
    const ST: &[&str] = &["pending", "processing", "done", "error", "completed", "failed", "DONE", "Error", "queued", "in_progress", "", "dönë"];
    let progress = prop_oneof![number_text().prop_map(Json::Str), num(false).prop_map(Json::Num), Just(Json::Null), json(2, RESPONSE)].boxed();
    let lenient = || select(vec![Json::Bool(true), Json::Bool(false), s("1"), s("0"), s("true"), s(""), Json::Num(1.0), Json::Num(2.0), Json::Null]).boxed();
    let mut fields = vec![field("status", or_any(one(ST).prop_map(Json::Str).boxed(), RESPONSE)), field("progress", progress)];
    for k in ["error_code", "error_message", "error_reason", "error", "request_id", "preview", "result_url"] {
        fields.push(maybe(0.3, or_any(str_json(), RESPONSE).prop_map(move |v| (k, v)).boxed()));
    }
    for k in ["retryable", "refunded"] {
        fields.push(maybe(0.4, lenient().prop_map(move |v| (k, v)).boxed()));
    }
    fields.push(maybe(0.2, (num(false), any::<bool>()).prop_map(|(a, e)| ("price", obj(vec![("amount", Json::Num(a)), ("is_estimated", Json::Bool(e))]))).boxed()));
    let data = object(fields);
    let body = prop_oneof![
        4 => data.clone().prop_map(|d| obj(vec![("data", d)])),
        1 => data,
        1 => json(2, RESPONSE).prop_map(|d| obj(vec![("data", d)])),
    ];
    mutate_some(body.boxed(), RESPONSE)
}

fn limits() -> S<Json> {
    const L: &[&str] = &[
        "min_width", "max_width", "min_height", "max_height", "resolution_step", "min_steps", "max_steps", "min_guidance", "max_guidance",
        "min_frames", "max_frames", "min_fps", "max_fps", "min_duration", "max_duration", "min_text", "max_text", "min_speed", "max_speed",
        "max_input_images", "min_scale", "max_scale", "min_bpm", "max_bpm", "min_seed", "max_seed", "min_sample_rate",
    ];
    let value = prop_oneof![1 => number_text().prop_map(Json::Str), 1 => json(1, RESPONSE), 3 => num(false).prop_map(Json::Num)];
    let levels = maybe(0.3, or_any(vec(or_any(one(&["segment", "word", "char"]).prop_map(Json::Str).boxed(), RESPONSE), 0..4).prop_map(Json::Arr).boxed(), RESPONSE));
    (vec((select(L), value), 0..8), levels)
        .prop_map(|(pairs, levels)| {
            let mut p: Vec<(String, Json)> = pairs.into_iter().map(|(k, v)| (k.to_owned(), v)).collect();
            p.extend(levels.map(|l| ("timestamp_levels".to_owned(), l)));
            Json::Obj(p)
        })
        .boxed()
}

/// A model as deAPI lists it (`types`: inference types it may claim, besides the usual ones).
pub fn model_json(types: &'static [&'static str]) -> S<Json> {
    let mut names: Vec<&'static str> = types.to_vec();
    names.extend_from_slice(&["txt2img", "img2img", "txt2audio", "video2text", "nope"]);
    let chosen = (vec(any::<bool>(), names.len()), any::<bool>()).prop_map(move |(keep, _)| names.iter().zip(keep).filter(|(_, k)| *k).map(|(n, _)| *n).collect::<Vec<&str>>());
    let inference_types = (chosen, 0usize..5, select(&[",", ", ", " ,", ",,"][..]), json(1, RESPONSE), json(2, RESPONSE))
        .prop_map(|(chosen, form, sep, v1, v2)| match form {
            0 => Json::Obj(chosen.iter().map(|t| (t.to_string(), v1.clone())).collect()),
            1 => Json::Str(chosen.join(sep)),
            2 => v2,
            _ => Json::Arr(chosen.iter().map(|t| s(t)).collect()),
        })
        .boxed();
    let flag = select(vec![Json::Bool(true), Json::Bool(false), s("1"), s("0"), s("true"), s("yes"), Json::Num(1.0), Json::Null]);
    let features = vec(maybe(0.5, flag.boxed()), 5).prop_map(|v| {
        Json::Obj(["supports_scale", "supports_steps", "supports_guidance", "supports_last_frame", "x"].iter().zip(v).filter_map(|(k, v)| v.map(|v| (k.to_string(), v))).collect())
    });
    let defaults = vec((key(), prop_oneof![number_text().prop_map(Json::Str), scalar(RESPONSE)]), 0..4).prop_map(Json::Obj);
    let info = (object(vec![field("limits", limits()), field("features", features.boxed()), field("defaults", defaults.boxed())]), maybe(0.2, json(2, RESPONSE))).prop_map(|(mut info, extra)| {
        if let (Json::Obj(p), Some(e)) = (&mut info, extra) {
            p.push(("extra".into(), e));
        }
        info
    });
    let info = prop_oneof![6 => info, 1 => Just(Json::Arr(vec![])) /* PHP's empty map */, 1 => json(2, RESPONSE)];
    let slug = or_any(one(&["Flux1schnell", "Kokoro", "WhisperLargeV3Ct2", "x"]).prop_map(Json::Str).boxed(), RESPONSE);
    let model = object(vec![
        field("name", str_json()),
        field("slug", slug),
        field("inference_types", inference_types),
        field("info", info.boxed()),
        maybe(0.2, json(2, RESPONSE).prop_map(|v| ("loras", v)).boxed()),
    ]);
    mutate_some(model, RESPONSE)
}

pub fn models_page_body() -> S<Json> {
    let items = vec(prop_oneof![6 => model_json(&[]), 1 => scalar(RESPONSE)], 0..5).prop_map(Json::Arr).boxed();
    let n = prop_oneof![1 => number_text().prop_map(Json::Str), 1 => scalar(RESPONSE), 2 => (-2i64..=100).prop_map(|n| Json::Num(n as f64))].boxed();
    let meta = or_any(object(["current_page", "last_page", "per_page", "total"].into_iter().map(|k| field(k, n.clone())).collect()), RESPONSE);
    let page = (or_any(items, RESPONSE), maybe(0.75, meta)).prop_map(|(data, meta)| {
        let mut p = vec![("data", data)];
        p.extend(meta.map(|m| ("meta", m)));
        obj(p)
    });
    mutate_some(page.boxed(), RESPONSE)
}

pub fn envelope_body() -> S<Json> {
    let value = prop_oneof![str_json(), number_text().prop_map(Json::Str), num(false).prop_map(Json::Num), Just(Json::Null), json(2, RESPONSE)].boxed();
    let d = object(["request_id", "price", "balance", "prompt", "negative_prompt", "is_estimated"].into_iter().map(|k| maybe(0.4, value.clone().prop_map(move |v| (k, v)).boxed())).collect());
    let body = prop_oneof![7 => d.clone().prop_map(|d| obj(vec![("data", d)])), 3 => d];
    mutate_some(body.boxed(), RESPONSE)
}

/// Any response body, by one of the means above.
pub fn any_body() -> S<Json> {
    prop_oneof![
        3 => json(6, RESPONSE),
        1 => error_body(),
        1 => job_status(),
        1 => models_page_body(),
        1 => model_json(&[]),
        1 => envelope_body(),
        1 => seed_json(),
        1 => body_bytes().prop_map(|b| std::str::from_utf8(&b).ok().and_then(crate_json::parse_json).unwrap_or(Json::Null)),
    ]
    .boxed()
}

pub fn status() -> S<u16> {
    prop_oneof![4 => select(STATUSES), 1 => any::<u16>()].boxed()
}

pub fn now_ms() -> S<f64> {
    prop_oneof![3 => (-1_000_000_000i64..=1_000_000_000).prop_map(|d| 1.786e12 + d as f64), 1 => Just(0.0), 1 => num(false)].boxed()
}

pub fn headers_meta() -> S<ResponseMeta> {
    let value = prop_oneof![
        1 => Just(None),
        1 => number_text().prop_map(Some),
        1 => date_text().prop_map(|d| Some(d.0)),
        1 => (0i64..=100_000).prop_map(|n| Some(n.to_string())),
        2 => string().prop_map(Some),
    ]
    .boxed();
    let ct = prop_oneof![3 => one(&["application/json", "text/html; charset=UTF-8", "text/plain", "application/problem+json"]).prop_map(Some), 2 => value.clone()];
    (status(), ct, vec(value, 7))
        .prop_map(|(status, ct, values)| {
            let names = ["retry-after", "x-ratelimit-limit", "x-ratelimit-remaining", "x-ratelimit-daily-limit", "x-ratelimit-daily-remaining", "x-ratelimit-type", "x-ratelimit-source"];
            let mut table: Vec<(&str, String)> = ct.map(|v| ("content-type", v)).into_iter().collect();
            table.extend(names.iter().zip(values).filter_map(|(n, v)| v.map(|v| (*n, v))));
            ResponseMeta::from_headers(status, |name| table.iter().find(|(n, _)| *n == name).map(|(_, v)| v.clone()))
        })
        .boxed()
}

// ---- the targets' inputs ----------------------------------------------------------------------------

#[derive(Debug, Clone)]
pub struct ErrCase {
    pub meta: ResponseMeta,
    pub body: BodyIn,
    pub now: f64,
}

pub fn error_case() -> S<ErrCase> {
    let bare = (status(), maybe(0.5, string()), maybe(0.5, string()), maybe(0.3, string())).prop_map(|(status, content_type, retry_after, kind)| ResponseMeta {
        status,
        content_type,
        retry_after,
        rate_limit: RateLimit { kind, ..RateLimit::default() },
    });
    let meta = prop_oneof![7 => headers_meta(), 3 => bare];
    let body = prop_oneof![
        4 => error_body().prop_map(Body::Json),
        1 => json(5, RESPONSE).prop_map(Body::Json),
        2 => body_bytes().prop_map(|b| body_from_bytes(&b)),
        1 => string().prop_map(Body::Text),
        1 => (select(&["é", "a", "🦊", "<p>"][..]), 1000usize..3000).prop_map(|(u, n)| Body::Text(u.repeat(n))),
        1 => seed_json().prop_map(Body::Json),
    ];
    (meta, body, now_ms()).prop_map(|(meta, body, now)| ErrCase { meta, body: BodyIn::from(body), now }).boxed()
}

// ---- webhooks ---------------------------------------------------------------------------------------

/// A delivery signed correctly (by the oracle's HMAC), then often broken: odd timestamps and
/// signature forms, options out of range, and one change after signing (`tampered`).
pub fn hook() -> S<Hook> {
    let payload = prop_oneof![3 => body_bytes(), 1 => vec(any::<u8>(), 0..200), 1 => Just(Vec::new())];
    let secret = prop_oneof![
        5 => any::<u64>().prop_flat_map(|x| (1usize..6).prop_map(move |n| format!("whsec_{}", hex(&x.to_le_bytes()).repeat(n)))),
        1 => Just(String::new()),
        1 => string(),
        1 => (0usize..200).prop_map(|n| "k".repeat(n)), // around the 64-byte HMAC block
    ];
    let tolerance = prop_oneof![7 => Just(300.0), 1 => select(&[0.0, -1.0, f64::NAN, f64::INFINITY, 1e300, 0.5, 299.999, 86_400.0, 86_400.001][..])];
    // Ok: that many bytes; Err(d): the payload's length + d
    let max_payload = prop_oneof![6 => Just(Ok(1_048_576.0)), 1 => select(&[0.0, 1.0, 0.5, -1.0, f64::NAN, 67_108_864.0, 67_108_865.0, 1e300][..]).prop_map(Ok), 1 => (-2i64..=2).prop_map(Err)];
    let now = prop_oneof![4 => (-100_000i64..=100_000, 0.0..1.0f64).prop_map(|(d, u)| 1_786_102_994.0 + d as f64 + u), 1 => num(false), 1 => Just(0.0)];
    // the timestamp: (form, number choice, offsets)
    let ts = (0usize..12, 0usize..8, 0i64..=999_999_999_999_999, -2i64..=2, -400i64..=400, string(), select(&[" ", "\t", "\u{a0}", ""][..]), select(&["\n", " ", ""][..]), one(&["-5", "+5", "1.5", "1e9", "١٢٣", "1234567890123456", ""]));
    let sig = (0usize..12, string(), vec(any::<u8>(), 32), select(&[" ", "\t", "\u{3000}", "SHA256=", "sha1=", "sha256 ="][..]), select(&["", " ", "0", "é"][..]), 0usize..10, vec(any::<bool>(), 64));
    let tamper = maybe(0.3, (0usize..6, any::<Index>(), 0u8..8, any::<u8>(), 1u8..10).boxed());
    let (payload, secret, tolerance, now) = (payload.boxed(), secret.boxed(), tolerance.boxed(), now.boxed());
    (payload, secret, tolerance, max_payload.boxed(), now, ts, sig, (tamper, weighted(0.95, Just(()))))
        .prop_map(|(payload, secret, tolerance, max_payload, now, ts, sig, (tamper, has_ts))| {
            let max_payload = max_payload.unwrap_or_else(|d| (payload.len() as f64 + d as f64).max(0.0));
            let (form, pick, any_ts, edge, near, text, pre, post, odd) = ts;
            let ts_num: i64 = match pick {
                0 => any_ts,
                1 => ((now - tolerance).floor() as i64).saturating_add(edge),
                2 => ((now + tolerance).ceil() as i64).saturating_add(edge),
                _ => (now as i64).saturating_add(near),
            };
            let mut ts = match form {
                0 => text,
                1 => format!("0{ts_num}"),
                2 => format!("{pre}{ts_num}{post}"),
                3 => odd,
                _ => ts_num.max(0).to_string(),
            };
            let signed_ts = ts.trim().to_owned();
            let mac = hmac_sha256(secret.as_bytes(), &[signed_ts.as_bytes(), b".", &payload]);
            let (sform, stext, random, spre, spost, case, upper) = sig;
            let mut hex_sig = hex(&mac);
            if case < 2 {
                hex_sig = hex_sig.to_uppercase();
            } else if case == 2 {
                hex_sig = hex_sig.chars().zip(&upper).map(|(c, u)| if *u { c.to_ascii_uppercase() } else { c }).collect();
            }
            let mut sig = match sform {
                0 => None,
                1 => Some(stext),
                2 => Some(format!("sha256={}", hex(&random))),
                3 => Some(format!("{spre}sha256={hex_sig}{spost}")),
                4 => Some(hex_sig.clone()),
                _ => Some(format!("sha256={hex_sig}")),
            };
            let (mut payload, mut secret, mut tampered) = (payload, secret, None);
            if let Some((what, at, bit, byte, step)) = tamper {
                match what {
                    0 | 1 => {
                        if payload.is_empty() {
                            payload.push(byte);
                        } else {
                            let i = at.index(payload.len());
                            payload[i] ^= 1 << bit;
                        }
                        tampered = Some("payload");
                    }
                    2 if !secret.is_empty() => {
                        // one character changed, kept UTF-8 (the secret is a JS string)
                        let mut chars: Vec<char> = secret.chars().collect();
                        let i = at.index(chars.len());
                        chars[i] = if chars[i] == 'x' { 'y' } else { 'x' };
                        secret = chars.into_iter().collect();
                        tampered = Some("secret");
                    }
                    3 => {
                        if let Some(pos) = ts.find(|c: char| c.is_ascii_digit()) {
                            let d = ts.as_bytes()[pos];
                            ts.replace_range(pos..=pos, &char::from(b'0' + (d - b'0' + step) % 10).to_string());
                            tampered = Some("timestamp");
                        }
                    }
                    _ => {
                        if let Some(sg) = &mut sig {
                            if let Some(i) = sg.find("sha256=").map(|i| i + 7 + at.index(64)) {
                                if let Some(c) = sg.get(i..=i).and_then(|c| c.chars().next()).and_then(|c| c.to_digit(16)) {
                                    let other = char::from_digit((c + u32::from(step)) % 16, 16).unwrap_or('0');
                                    sg.replace_range(i..=i, &other.to_string());
                                    tampered = Some("signature");
                                }
                            }
                        }
                    }
                }
            }
            Hook { payload: Bytes(payload), signature: sig.map(Txt), timestamp: has_ts.map(|()| Txt(ts)), secret: Txt(secret), tolerance, max_payload, now, tampered }
        })
        .boxed()
}

// ---- params for validation and requests ---------------------------------------------------------------

const INT_FIELDS: &[&str] = &["width", "height", "steps", "seed", "frames", "fps", "inference_steps", "timesignature", "bpm", "count_text", "scale"];
const NUM_FIELDS: &[&str] = &["guidance", "speed", "guidance_scale", "duration", "duration_seconds", "sample_rate"];
const BOOL_FIELDS: &[&str] = &["enhance_prompt", "include_ts", "return_result_in_response", "diarize", "include_metadata"];

/// Every field name the operation's rules mention, and whether it is a file.
fn op_fields(op: &Op) -> Vec<(&'static str, bool)> {
    let mut specs = vec![op.rules.submit, op.rules.price];
    for r in op.v1_routes {
        specs.push(r.rules.submit);
        specs.push(r.rules.price);
    }
    let mut out: Vec<(&'static str, bool)> = Vec::new();
    let fields: Vec<Field> = specs.iter().flat_map(|s| s.split(' ')).filter(|t| !t.is_empty()).map(Field::parse).collect();
    // each field with its own type first, then the names only mentioned after `|`
    let named = fields.iter().map(|f| (f.name, matches!(f.ty, Type::File | Type::Files)));
    for (name, file) in named.chain(fields.iter().flat_map(|f| f.others().map(|o| (o, false)))) {
        if !out.iter().any(|(n, _)| *n == name) {
            out.push((name, file));
        }
    }
    for extra in ["webhook_url", "webhook_secret", "type", "image", "images", "loras", "model", "video_url", "audio_url", "audio", "video"] {
        if !out.iter().any(|(n, _)| *n == extra) {
            out.push((extra, matches!(extra, "image" | "images" | "audio" | "video")));
        }
    }
    out
}

fn field_value(op: &'static Op, name: &'static str, file: bool, f: Flavor) -> S<Json> {
    let right: S<Json> = if file || name == "images" {
        let files = vec(prop_oneof![9 => (0u32..6).prop_map(Json::File), 1 => scalar(f)], 0..6).prop_map(Json::Arr);
        if name == "images" {
            prop_oneof![1 => str_json(), 2 => files, 3 => (0u32..6).prop_map(Json::File)].boxed()
        } else {
            prop_oneof![1 => str_json(), 5 => (0u32..6).prop_map(Json::File)].boxed()
        }
    } else if INT_FIELDS.contains(&name) || NUM_FIELDS.contains(&name) {
        let common = select(&[0.0, 1.0, 2.0, 3.0, 4.0, 6.0, 8.0, 16.0, 255.0, 256.0, 512.0, 520.0, 768.0, 1024.0, 2048.0, 4096.0, -1.0, 0.5, 3.5, 24.0, 120.0][..]);
        prop_oneof![4 => common.prop_map(Json::Num), 1 => number_text().prop_map(Json::Str), 1 => num(f.nonfinite).prop_map(Json::Num)].boxed()
    } else if BOOL_FIELDS.contains(&name) {
        select(vec![Json::Bool(true), Json::Bool(false), Json::Num(1.0), Json::Num(0.0), s("1"), s("0"), s("true"), Json::Num(2.0)]).boxed()
    } else if let Some((_, allowed)) = op.rules.enums.iter().find(|(f, _)| *f == name) {
        prop_oneof![7 => select(*allowed).prop_map(s), 3 => str_json()].boxed()
    } else {
        match name {
            "loras" => {
                let lora = object(vec![field("name", or_any(one(&["a", " ", ""]).prop_map(Json::Str).boxed(), f)), field("weight", or_any(num(f.nonfinite).prop_map(Json::Num).boxed(), f))]);
                vec(or_any(lora, f), 0..4).prop_map(Json::Arr).boxed()
            }
            "input" => prop_oneof![
                5 => str_json(),
                10 => vec(prop_oneof![4 => str_json(), 1 => scalar(f)], 0..5).prop_map(Json::Arr),
                1 => Just(Json::Arr((0..2049).map(|i| s(&i.to_string())).collect())),
            ]
            .boxed(),
            "webhook_url" => one(&["https://example.com/h", "http://example.com/h", "https://", "ftp://x", "https://x", ""]).prop_map(Json::Str).boxed(),
            "webhook_secret" => select(&[0usize, 31, 32, 255, 256][..]).prop_map(|n| Json::Str("s".repeat(n))).boxed(),
            "model" | "model_slug" => or_any(one(&["Flux1schnell", "Kokoro", "M"]).prop_map(Json::Str).boxed(), f),
            "ts_level" => one(&["segment", "word", "char", "x"]).prop_map(Json::Str).boxed(),
            "lang" => (0usize..20).prop_map(|n| Json::Str("l".repeat(n))).boxed(),
            _ => str_json(),
        }
    };
    prop_oneof![1 => Just(Json::Null), 1 => json(3, f), 18 => right].boxed()
}

/// Params for `op`: uploads in half of the cases (a file makes the body multipart), NaN/Infinity in
/// some, unknown keys, now and then not an object at all.
pub fn params(op: &'static Op) -> S<Json> {
    let flavor = |files: bool, nonfinite: bool| {
        let f = Flavor { nonfinite, files };
        let fields: Vec<S<Option<(String, Json)>>> = op_fields(op)
            .into_iter()
            .map(|(name, file)| if file && !files { Just(None).boxed() } else { maybe(0.8, field_value(op, name, file, f).prop_map(move |v| (name.to_owned(), v)).boxed()) })
            .collect();
        let p = (fields, vec((key(), json(3, f)), 0..3), swaps()).prop_map(|(fields, extra, sw)| {
            let mut pairs: Vec<(String, Json)> = fields.into_iter().flatten().chain(extra).collect();
            permute(&mut pairs, &sw);
            Json::Obj(pairs)
        });
        prop_oneof![1 => scalar(f), 27 => p.clone().boxed(), 7 => mutate_some(p.boxed(), f)].boxed()
    };
    prop_oneof![7 => flavor(false, false), 3 => flavor(false, true), 7 => flavor(true, false), 3 => flavor(true, true)].boxed()
}

/// One strategy per operation, built once (a `prop_flat_map` would build them for every case).
fn per_op<T: std::fmt::Debug + 'static>(each: impl Fn(&'static Op) -> S<T>) -> S<(&'static Op, T)> {
    Union::new(OPS.iter().map(|op| each(op).prop_map(move |v| (op, v)).boxed())).boxed()
}

fn op() -> S<&'static Op> {
    select(OPS.iter().collect::<Vec<&'static Op>>()).boxed()
}

pub fn validate_case() -> S<ValidateCase> {
    let file = (
        prop_oneof![
            1 => (0.0..1.0f64).prop_map(|u| u * 100.0 * 1024.0 * 1024.0),
            1 => select(&[0.0, 10_485_760.0, 10_485_761.0, 20_971_520.0, 20_971_521.0, 52_428_800.0, 52_428_801.0][..]),
            1 => num(false).prop_map(f64::abs),
            1 => (0u32..20_000_000).prop_map(f64::from),
        ],
        select(&["image/png", "audio/mpeg", "audio/wav", "video/mp4", "", "application/octet-stream"][..]),
    );
    let per = per_op(|op| (params(op), model_json(op.rules.types)).boxed());
    (per, weighted(0.4, Just(())), weighted(0.3, Just(())), select(&[0u8, 1, 2, 2, 2][..]), vec(file, 6))
        .prop_map(|((op, (params, model)), price, v1, model_kind, files)| ValidateCase {
            op: op.name,
            price: price.is_some(),
            v1: v1.is_some(),
            params: J(params),
            model_kind,
            model: J(model),
            files,
        })
        .boxed()
}

pub fn request_case() -> S<RequestCase> {
    let api_key = prop_oneof![4 => (1u32..=99_999, any::<u64>()).prop_map(|(n, x)| Json::Str(format!("{n}|{}", hex(&x.to_le_bytes())))), 1 => str_json(), 1 => json(1, PARAMS)];
    let base_url = or_any(one(&["https://api.deapi.ai", "http://localhost:8080/", "/api/deapi", "", "https://a b", "ftp://x", "https://x.test///"]).prop_map(Json::Str).boxed(), PARAMS);
    let header = (
        select(&["X-Trace", "authorization", "Accept", "content-type", "bad name", "", "x-ok", "X-Api-Key", "cookie", "x-session-id", "Host"][..]),
        or_any(one(&["v", "Basic abc", "a\nb", ""]).prop_map(Json::Str).boxed(), PARAMS),
    );
    let headers = or_any(vec(header, 0..4).prop_map(|h| Json::Obj(h.into_iter().map(|(k, v)| (k.to_owned(), v)).collect())).boxed(), PARAMS);
    let nums: Vec<S<Option<(&'static str, Json)>>> = ["timeoutMs", "maxRetries", "retryBaseDelayMs", "maxRetryAfterMs"].into_iter().map(|k| maybe(0.2, num(true).prop_map(move |n| (k, Json::Num(n))).boxed())).collect();
    let bools: Vec<S<Option<(&'static str, Json)>>> =
        ["retrySubmissions", "dangerouslyAllowBrowser", "validate"].into_iter().map(|k| maybe(0.2, or_any(any::<bool>().prop_map(Json::Bool).boxed(), PARAMS).prop_map(move |b| (k, b)).boxed())).collect();
    let mut fields = vec![
        field("apiKey", api_key.boxed()),
        maybe(0.4, base_url.prop_map(|u| ("baseUrl", u)).boxed()),
        maybe(0.3, or_any(one(&["v1", "v2", "v3"]).prop_map(Json::Str).boxed(), PARAMS).prop_map(|v| ("apiVersion", v)).boxed()),
        maybe(0.3, headers.prop_map(|h| ("headers", h)).boxed()),
        maybe(0.05, json(1, PARAMS).prop_map(|v| ("unknownOption", v)).boxed()),
    ];
    fields.extend(nums);
    fields.extend(bools);
    // options that pass, mostly: a key and an http(s) base URL alone
    let options = (object(fields), any::<bool>()).prop_map(|(o, clean)| match o {
        Json::Obj(mut pairs) if clean => {
            pairs.retain(|(k, v)| (k == "apiKey" && matches!(v, Json::Str(_))) || (k == "baseUrl" && matches!(v, Json::Str(u) if u.starts_with("http"))));
            Json::Obj(pairs)
        }
        o => o,
    });
    let options = prop_oneof![32 => options, 1 => json(2, PARAMS)];
    let function_keys = vec(one(&["fetch", "onRequest", "onError", "apiKey", "bogus"]), 0..3);
    let job_id = prop_oneof![Just("c08a339c-73e5-4d67-a4d5-231302fbff9a".to_owned()), string()];
    let per = per_op(|op| prop_oneof![4 => params(op), 1 => json(4, PARAMS)].boxed());
    (options, function_keys, weighted(0.3, Just(())), per, 0u8..5, job_id, vec((string(), string()), 0..3))
        .prop_map(|(options, function_keys, browser, (op, params), endpoint, job_id, query)| RequestCase {
            options: J(options),
            function_keys,
            browser: browser.is_some(),
            endpoint,
            op: op.name,
            job_id: Txt(job_id),
            params: (endpoint < 2).then_some(J(params)),
            query,
        })
        .boxed()
}

pub fn policy_case() -> S<PolicyCase> {
    let ms = || prop_oneof![4 => (0.0..1.0f64, select(&[1e-6, 1e-3, 1.0][..])).prop_map(|(u, s)| u * MAX_TIMER_MS * s), 1 => select(&[0.0, MAX_TIMER_MS, 1.0][..])].boxed();
    let policy = (0u32..11, ms(), ms(), any::<bool>()).prop_map(|(max_retries, base_delay_ms, max_retry_after_ms, retry_submissions)| RetryPolicy { max_retries, base_delay_ms, max_retry_after_ms, retry_submissions });
    let retry_after = prop_oneof![1 => Just(None), 1 => num(false).prop_map(|n| Some(n.abs())), 2 => select(&[0.0, 1.0, 60.0, 86_400.0, 1e300, 0.001][..]).prop_map(Some)];
    let outcome = prop_oneof![
        1 => Just(Outcome::ConnectionFailure),
        1 => select(vec![Outcome::Timeout, Outcome::Interrupted]),
        3 => (status(), retry_after).prop_map(|(status, retry_after)| Outcome::Status { status, retry_after }),
    ];
    let wait = object(["pollIntervalMs", "maxPollIntervalMs", "maxWaitMs"].into_iter().map(|k| maybe(0.5, or_any(ms().prop_map(Json::Num).boxed(), PARAMS).prop_map(move |v| (k, v)).boxed())).collect());
    let call = or_any(num(true).prop_map(Json::Num).boxed(), PARAMS).prop_map(|t| obj(vec![("timeoutMs", t)]));
    (policy, select(&[0u32, 1, 2, 3, 4, 10, 11, u32::MAX][..]), outcome, any::<bool>(), wait, call, select(&[0u32, 1, 2, 5, 30, 61, 1000, u32::MAX][..]))
        .prop_map(|(policy, attempts, outcome, submission, wait, call, polls)| PolicyCase { policy, attempts, outcome, submission, wait: J(wait), call: J(call), polls })
        .boxed()
}

pub fn parser_case() -> S<ParserCase> {
    const MAGIC: &[&[u8]] = &[
        b"\x89PNG\r\n\x1a\n", b"\xFF\xD8\xFF", b"GIF89a", b"BM", b"RIFF\0\0\0\0WEBP", b"RIFF\0\0\0\0WAVE", b"RIFF\0\0\0\0AVI ", b"ID3", b"\xFF\xF1",
        b"\xFF\xFB", b"OggS", b"fLaC", b"\x1A\x45\xDF\xA3", b"\x30\x26\xB2\x75", b"\0\0\x01\xBA", b"\0\0\0\x20ftypM4A ", b"\0\0\0\x18ftypisom", b"\0\0\0\x14ftypqt  ",
    ];
    let magic = prop_oneof![7 => select(MAGIC).prop_map(<[u8]>::to_vec), 3 => Just(Vec::new())];
    let head = (magic, maybe(0.3, any::<Index>().boxed()), vec(any::<u8>(), 0..12), prop_oneof![4 => Just(Vec::new()), 1 => vec(byte_op(), 1..=4)]).prop_map(|(mut b, cut, tail, ops)| {
        if let Some(c) = cut {
            b.truncate(c.index(b.len() + 1));
        }
        b.extend(tail);
        apply_bytes(&mut b, &ops);
        b
    });
    let retry_after = prop_oneof![number_text(), date_text().prop_map(|d| d.0), string()];
    let field = prop_oneof![one(&["images[]", "image", "[0]", "", "a[b][c]", "audio"]), string()];
    let mime = prop_oneof![one(&["image/png", "audio/mpeg; charset=x", " video/mp4 ", "", "x"]), string()];
    (prop_oneof![9 => number_text(), 1 => string()], date_text(), retry_after, now_ms(), num(true), head, field, mime)
        .prop_map(|(number, (date, date_expected), retry_after, now, n, head, field, mime)| ParserCase {
            number: Txt(number),
            date: Txt(date),
            date_expected,
            retry_after: Txt(retry_after),
            now,
            n,
            head: Bytes(head),
            field: Txt(field),
            mime: Txt(mime),
        })
        .boxed()
}

// ---- redaction ----------------------------------------------------------------------------------------

/// Where `plant` puts the key in a string: whole, in front, behind, after `Bearer ` inside, or past
/// a long run (straddling the cut of long texts).
#[derive(Clone, Debug)]
pub struct Plant {
    pub here: bool,
    pub how: u8,
    pub at: Index,
    pub secret_half: bool,
}

fn plants() -> S<Vec<Plant>> {
    vec((any::<bool>(), 0u8..5, any::<Index>(), weighted(0.2, Just(()))).prop_map(|(here, how, at, half)| Plant { here, how, at, secret_half: half.is_some() }), 1..16).boxed()
}

/// Put `key` (or its secret half) into some of the strings of `j` (values and keys, anywhere), as the
/// plan (cycled) says.
pub fn plant(j: &mut Json, key: &str, plan: &[Plant]) {
    fn into(s: &mut String, key: &str, p: &Plant) {
        let key = if p.secret_half { key.split_once('|').map_or(key, |(_, secret)| secret) } else { key };
        match p.how {
            4 => *s = "x".repeat(MAX_TEXT - p.at.index(40)) + key + s,
            0 => *s = key.to_owned(),
            1 => s.insert_str(0, key),
            2 => s.push_str(key),
            _ => {
                let at = (0..=s.len()).filter(|i| s.is_char_boundary(*i)).nth(p.at.index(s.chars().count() + 1)).unwrap_or(0);
                s.insert_str(at, &format!("Bearer {key} "));
            }
        }
    }
    fn walk(j: &mut Json, key: &str, plan: &[Plant], n: &mut usize) {
        fn next<'a>(plan: &'a [Plant], n: &mut usize) -> &'a Plant {
            *n += 1;
            &plan[*n % plan.len()]
        }
        match j {
            Json::Str(s) => {
                let p = next(plan, n);
                if p.here {
                    into(s, key, p);
                }
            }
            Json::Arr(items) => items.iter_mut().for_each(|v| walk(v, key, plan, n)),
            Json::Obj(pairs) => pairs.iter_mut().for_each(|(k, v)| {
                let p = next(plan, n);
                if p.here && p.how != 4 {
                    into(k, key, p);
                }
                walk(v, key, plan, n);
            }),
            _ => {}
        }
    }
    if !plan.is_empty() {
        walk(j, key, plan, &mut 0);
    }
}

pub fn redact_case() -> S<RedactCase> {
    let key = (1u32..=99_999, "[a-zA-Z0-9]{20,48}").prop_map(|(n, secret)| format!("{n}|{secret}"));
    let body = prop_oneof![4 => prop_oneof![7 => error_body(), 3 => any_body()].prop_map(Some), 1 => Just(None)];
    (key, headers_meta(), (any::<bool>(), any::<bool>()), body, string(), job_status(), plants(), any::<u64>())
        .prop_map(|(key, mut meta, (in_kind, in_source), body, text, mut status_body, plan, rid)| {
            if in_kind {
                meta.rate_limit.kind.iter_mut().for_each(|s| s.push_str(&key));
            }
            if in_source {
                meta.rate_limit.source.iter_mut().for_each(|s| s.push_str(&key));
            }
            let body = match body {
                Some(mut j) => {
                    plant(&mut j, &key, &plan);
                    Body::Json(j)
                }
                None => {
                    let mut t = Json::Str(text);
                    plant(&mut t, &key, &plan);
                    let t = t.as_str().unwrap_or_default().to_owned();
                    Body::Text(if t.contains(&key) { t } else { key.clone() + &t })
                }
            };
            plant(&mut status_body, &key, &plan);
            RedactCase { key: Txt(key), meta, body: BodyIn::from(body), status_body: J(status_body), request_id: Txt(hex(&rid.to_le_bytes())) }
        })
        .boxed()
}

// ---- JSON text in odd styles --------------------------------------------------------------------------

/// How `json_text` writes a value: whitespace between tokens, `\uXXXX` escapes (surrogate pairs for
/// astral characters; upper or lower case), `\/`, numbers in `{:?}` or `{:e}` form. Choices cycle.
#[derive(Clone, Debug)]
pub struct Style {
    pub ws: Vec<Option<(u8, u8)>>,
    pub escape: Vec<bool>,
    pub upper: Vec<bool>,
    pub exp: Vec<bool>,
}

fn style() -> S<Style> {
    (vec(weighted(0.2, (0u8..3, 0u8..4)), 1..16), vec(weighted(0.05, Just(())).prop_map(|e| e.is_some()), 1..32), vec(any::<bool>(), 1..8), vec(any::<bool>(), 1..8))
        .prop_map(|(ws, escape, upper, exp)| Style { ws, escape, upper, exp })
        .boxed()
}

/// JSON text of `j` in a `style`.
pub fn json_text(j: &Json, st: &Style) -> String {
    struct W<'a> {
        st: &'a Style,
        n: usize,
        out: String,
    }
    impl W<'_> {
        fn tick(&mut self) -> usize {
            self.n += 1;
            self.n
        }
        fn ws(&mut self) {
            let n = self.tick();
            if let Some((count, kind)) = self.st.ws[n % self.st.ws.len()] {
                for i in 0..=count {
                    self.out.push([' ', '\t', '\n', '\r'][usize::from((kind + i) % 4)]);
                }
            }
        }
        fn string(&mut self, v: &str) {
            self.out.push('"');
            for c in v.chars() {
                let n = self.tick();
                let escape = self.st.escape[n % self.st.escape.len()];
                match c {
                    '"' => self.out.push_str("\\\""),
                    '\\' => self.out.push_str("\\\\"),
                    '/' if escape => self.out.push_str("\\/"),
                    c if (c as u32) < 0x20 || escape => {
                        let upper = self.st.upper[n % self.st.upper.len()];
                        let mut units = [0u16; 2];
                        for u in c.encode_utf16(&mut units) {
                            self.out.push_str(&if upper { format!("\\u{u:04X}") } else { format!("\\u{u:04x}") });
                        }
                    }
                    c => self.out.push(c),
                }
            }
            self.out.push('"');
        }
        fn value(&mut self, j: &Json) {
            self.ws();
            match j {
                Json::Null | Json::File(_) => self.out.push_str("null"),
                Json::Bool(b) => self.out.push_str(if *b { "true" } else { "false" }),
                Json::Num(x) if x.is_finite() => {
                    let n = self.tick();
                    let t = if self.st.exp[n % self.st.exp.len()] { format!("{x:e}") } else { format!("{x:?}") };
                    self.out.push_str(&t);
                }
                Json::Num(_) => self.out.push_str("null"),
                Json::Str(v) => self.string(v),
                Json::Arr(items) => {
                    self.out.push('[');
                    self.ws();
                    for (i, v) in items.iter().enumerate() {
                        if i > 0 {
                            self.out.push(',');
                        }
                        self.value(v);
                    }
                    self.out.push(']');
                }
                Json::Obj(pairs) => {
                    self.out.push('{');
                    self.ws();
                    for (i, (k, v)) in pairs.iter().enumerate() {
                        if i > 0 {
                            self.out.push(',');
                        }
                        self.ws();
                        self.string(k);
                        self.ws();
                        self.out.push(':');
                        self.value(v);
                    }
                    self.out.push('}');
                }
            }
            self.ws();
        }
    }
    let mut w = W { st, n: 0, out: String::new() };
    w.value(j);
    w.out
}

/// A JSON number lexeme, with long mantissas and exponents past 4 digits (leading 0 or 3 at times).
fn number_lexeme() -> S<String> {
    let int = prop_oneof![1 => Just("0".to_owned()), 4 => (1u8..10, select(&[0usize, 1, 2, 5, 15, 17, 20, 40, 330][..])).prop_flat_map(|(d, n)| vec(0u8..10, n).prop_map(move |ds| std::iter::once(d).chain(ds).map(|x| char::from(b'0' + x)).collect::<String>()))];
    let digits = |lens: &'static [usize]| select(lens).prop_flat_map(|n| vec(0u8..10, n)).prop_map(|ds| ds.into_iter().map(|x| char::from(b'0' + x)).collect::<String>());
    let frac = maybe(0.5, digits(&[1, 2, 3, 6, 17, 25, 330]).boxed());
    let exp = maybe(0.4, (select(&['e', 'E'][..]), select(&["", "+", "-"][..]), digits(&[1, 1, 2, 3, 3, 4, 5, 6]), select(&[None, None, Some('0'), Some('3')][..])).boxed());
    (any::<bool>(), int, frac, exp)
        .prop_map(|(neg, int, frac, exp)| {
            let mut t = if neg { format!("-{int}") } else { int };
            if let Some(f) = frac {
                t = format!("{t}.{f}");
            }
            if let Some((e, sign, mut d, lead)) = exp {
                if let (Some(c), true) = (lead, d.len() >= 3) {
                    d.replace_range(0..1, &c.to_string());
                }
                t = format!("{t}{e}{sign}{d}");
            }
            t
        })
        .boxed()
}

const JSON_JUNK: &[&str] = &[
    "\\ud800", "\\udc00", "\\ud800\\udc00", "\\uD83D\\uDE00", "\\ud800\\u0041", "\\ud800\\", "\\u12", "\\u+041", "\\u-041", "\\u 041",
    "\\x41", "\\'", "\\U0041", "\u{1}", "\u{7f}", "\u{0}", "é", "\\u0000", "\\/",
];

/// Text for the parser: generated JSON in random styles, odd numbers and escapes, deep or wide
/// values, mutated seed bodies and bytes.
pub fn parser_text() -> S<String> {
    let styled = (any_body(), style()).prop_map(|(j, st)| json_text(&j, &st));
    let numbers = vec(number_lexeme(), 1..=4).prop_map(|n| format!("[{}]", n.join(",")));
    let escapes = vec((select(JSON_JUNK), any::<bool>()), 1..=3).prop_map(|e| format!("{{\"k{}\":1}}", e.into_iter().map(|(j, x)| if x { format!("{j}x") } else { j.to_owned() }).collect::<String>()));
    let nesting = (vec(any::<bool>(), MAX_DEPTH as usize - 2..=MAX_DEPTH as usize + 4), select(&["1", "\"s\"", "[]", "{}", "tru", "[,]", "{1:2}", "1,2", "01", "[}"][..])).prop_map(|(open, inner)| {
        let mut t = String::new();
        for o in &open {
            t.push_str(if *o { "{\"a\":" } else { "[" });
        }
        t.push_str(inner);
        for o in open.iter().rev() {
            t.push(if *o { '}' } else { ']' });
        }
        t
    });
    // wide: many keys (the parser folds a repeated key among the earlier ones)
    let wide = prop_oneof![9 => 0usize..300, 1 => Just(2_000usize)].prop_flat_map(|n| vec(weighted(0.1, any::<Index>()), n)).prop_map(|ks| {
        let n = ks.len();
        let pairs: Vec<String> = ks.iter().enumerate().map(|(i, k)| format!("\"k{}\":{i}", k.as_ref().map_or(i, |k| k.index(n.max(1))))).collect();
        format!("{{{}}}", pairs.join(","))
    });
    let lossy = |b: Vec<u8>| String::from_utf8_lossy(&b).into_owned();
    prop_oneof![
        4 => styled.clone(),
        1 => (json(8, RESPONSE), style()).prop_map(|(j, st)| json_text(&j, &st)),
        1 => numbers,
        1 => escapes,
        1 => nesting,
        1 => wide,
        1 => mutate_bytes(seed_bytes(SEEDS)).prop_map(lossy),
        2 => mutate_bytes(styled.prop_map(String::into_bytes).boxed()).prop_map(lossy),
    ]
    .boxed()
}

pub fn json_text_case() -> S<JsonTextCase> {
    (parser_text(), status(), op(), 0i64..=1_000_000_000).prop_map(|(text, status, op, d)| JsonTextCase { text: Txt(text), status, op: op.name, now: 1.786e12 + d as f64 }).boxed()
}

// ---- realtime ---------------------------------------------------------------------------------------

const RT_EVENTS: &[&str] = &[
    "pusher:connection_established", "pusher:ping", "pusher:pong", "pusher_internal:subscription_succeeded", "pusher:subscription_succeeded",
    "pusher:subscription_error", "pusher:error", "request.status.updated", "request.status.updated", "client-x", "pusher:signin_success", "",
];

fn rt_value(key: &'static str) -> S<Json> {
    let right: S<Json> = match key {
        "socket_id" => one(&["1.2", "123456.789012", "12", ".5", "1.2.3", "a.b", "1 .2", "99999999999999999999.1"]).prop_map(Json::Str).boxed(),
        "activity_timeout" => or_any(prop_oneof![num(false).prop_map(Json::Num), number_text().prop_map(Json::Str)].boxed(), RESPONSE),
        "request_id" => one(&["123e4567-e89b-12d3-a456-426614174000", "c08a339c-73e5", "r", "id_1", "", "../x", "a/b", "x y"]).prop_map(Json::Str).boxed(),
        "status" => one(&["processing", "in_progress", "IN_PROGRESS", "done", "error", "pending", "", " ", "completed", "queued"]).prop_map(Json::Str).boxed(),
        "progress" => prop_oneof![
            num(false).prop_map(Json::Num),
            number_text().prop_map(Json::Str),
            one(&["45.50", "100.00", "0", "-1", "1e999", "NaN", "abc", "150"]).prop_map(Json::Str),
            Just(Json::Null),
        ]
        .boxed(),
        "preview" => prop_oneof![
            // now and then a preview past the frame cap (a multi-MiB frame)
            1 => prop_oneof![9 => 0usize..20_000, 1 => MAX_FRAME_BYTES..MAX_FRAME_BYTES + (1 << 20)].prop_map(|n| s(&format!("data:image/jpeg;base64,{}", "A".repeat(n)))),
            1 => Just(s("https://r.test/p.png")),
            1 => one(&["javascript:alert(1)", "data:text/html,<b>", "", " https://x"]).prop_map(Json::Str),
            2 => Just(Json::Null),
        ]
        .boxed(),
        "result_url" => one(&["https://r.test/a.png?X-Amz-Signature=1", "http://127.0.0.1/r.png", "ftp://x", "", "https://a b"]).prop_map(Json::Str).boxed(),
        "status_code" | "code" => select(&[401.0, 4001.0, 4200.0, -1.0, 70_000.0, 1.5, 4009.0][..]).prop_map(Json::Num).boxed(),
        _ => str_json(),
    };
    prop_oneof![7 => right, 1 => json(3, RESPONSE)].boxed()
}

/// A frame: a structured one (known events, our channel or another, data double-encoded or not,
/// wrong types), a mutated real frame, or bytes.
pub fn rt_frame() -> S<String> {
    let event = prop_oneof![5 => Just(s("request.status.updated")), 4 => one(RT_EVENTS).prop_map(Json::Str), 1 => json(2, RESPONSE)];
    let channel = prop_oneof![3 => Just(s(RT_CHANNEL)), 1 => one(&["private-client.43", "private-client.4", "", "private-client.42 "]).prop_map(Json::Str), 1 => json(1, RESPONSE)];
    let keys = ["socket_id", "activity_timeout", "request_id", "status", "progress", "preview", "result_url", "type", "error", "message", "code"];
    let data_fields: Vec<S<Option<(&'static str, Json)>>> = keys
        .into_iter()
        .map(|k| {
            let p = if matches!(k, "request_id" | "status" | "socket_id") { 0.85 } else { 0.5 };
            let v = if k == "status" { prop_oneof![4 => rt_value("status"), 1 => rt_value("status_code")].boxed() } else { rt_value(k) };
            maybe(p, v.prop_map(move |v| (k, v)).boxed())
        })
        .collect();
    let data = (object(data_fields), 0usize..5, json(2, RESPONSE)).prop_map(|(d, form, other)| match form {
        0 | 1 => Json::Str(crate_json::to_text(&d)), // double-encoded, as soketi relays
        2 | 3 => d,
        _ => other,
    });
    let structured = object(vec![maybe(0.95, event.prop_map(|e| ("event", e)).boxed()), field("channel", channel.boxed()), field("data", data.boxed())]).prop_map(|f| crate_json::to_text(&f));
    prop_oneof![
        7 => structured,
        2 => mutate_bytes(seed_bytes(RT_SEEDS)).prop_map(|b| String::from_utf8_lossy(&b).into_owned()),
        1 => body_bytes().prop_map(|b| String::from_utf8_lossy(&b).into_owned()),
    ]
    .boxed()
}

pub fn auth_case() -> S<AuthCase> {
    let app_key = prop_oneof![7 => Just("depin-api-prod-key".to_owned()), 3 => string()];
    let sig = (select(&[64usize, 64, 64, 63, 65, 0][..]).prop_flat_map(|n| vec(select(&b"0123456789abcdefABCDEF"[..]), n)), maybe(0.1, one(&["x", "g", " ", "é"]))).prop_map(|(cs, first)| {
        let mut t: String = cs.into_iter().map(char::from).collect();
        if let (Some(f), false) = (first, t.is_empty()) {
            t.replace_range(0..1, &f);
        }
        t
    });
    let status = prop_oneof![3 => Just(200u16), 2 => select(&[201u16, 204, 400, 401, 403, 404, 408, 419, 429, 500, 502, 503, 302, 100][..])];
    let close = select(&[1000u16, 1001, 1005, 1006, 1011, 3000, 4000, 4001, 4004, 4009, 4099, 4100, 4199, 4200, 4201, 4299, 4300, 4999, 0, 65535][..]);
    let random = prop_oneof![4 => 0.0..1.0f64, 1 => Just(f64::NAN), 1 => num(true)];
    let push = (0u8..12, weighted(0.2, Just(())), prop_oneof![9 => 0usize..2_000, 1 => 0usize..3_000_000], 0.0..20_000.0f64).prop_map(|(id, done, preview, dt)| (id, done.is_some(), preview, dt));
    let answer = (app_key, sig, 0usize..4, string(), 0usize..6, json(2, RESPONSE), weighted(0.9, Just(())), vec(byte_op(), 1..=4), body_bytes(), string());
    (answer, (status, close, 0u32..64, random, vec(push, 0..60), string()))
        .prop_map(|((app_key, sig, form, other, body_form, odd_auth, plain, ops, bytes, text), (status, close, attempt, random, pushes, socket_id))| {
            let auth = match form {
                0 => format!("{app_key}:{sig}"),
                1 => format!("other-key:{sig}"),
                2 => sig,
                _ => other,
            };
            let body = match body_form {
                0..=2 => crate_json::to_text(&obj(vec![("auth", if plain.is_some() { s(&auth) } else { odd_auth })])),
                3 => {
                    let mut b = crate_json::to_text(&obj(vec![("auth", s(&auth))])).into_bytes();
                    apply_bytes(&mut b, &ops);
                    String::from_utf8_lossy(&b).into_owned()
                }
                4 => String::from_utf8_lossy(&bytes).into_owned(),
                _ => text,
            };
            AuthCase { status, body: Txt(body), app_key: Txt(app_key), socket_id: Txt(socket_id), close, attempt, random, pushes }
        })
        .boxed()
}

pub fn link_case() -> S<LinkCase> {
    let signed = || format!(r#"{{"auth":"depin-api-prod-key:{}"}}"#, "ab".repeat(32));
    let step = prop_oneof![
        2 => Just(LinkStep::Open),
        1 => Just(LinkStep::Release),
        1 => weighted(0.3, Just(LinkStep::Close)).prop_map(|s| s.unwrap_or(LinkStep::Release)),
        1 => weighted(0.2, Just(LinkStep::CannotConnect)).prop_map(|s| s.unwrap_or(LinkStep::Release)),
        5 => prop_oneof![3 => one(RT_SEEDS), 7 => rt_frame()].prop_map(|t| LinkStep::Frame(Txt(t))),
        2 => (weighted(0.8, Just(())), select(&[200u16, 200, 200, 401, 403, 500, 503, 404][..]), prop_oneof![7 => Just(signed()), 3 => string()]).prop_map(|(now, st, body)| LinkStep::Auth(now.is_some(), st, Txt(body))),
        1 => weighted(0.8, Just(())).prop_map(|now| LinkStep::AuthUnreachable(now.is_some())),
        2 => select(&[1000u16, 1006, 4001, 4009, 4100, 4200, 4201, 4301][..]).prop_map(LinkStep::Closed),
        5 => (0usize..4).prop_map(LinkStep::Fired),
    ];
    // half the cases start with a good connection (open, handshake, signed, subscribed)
    (any::<bool>(), vec(step, 0..40))
        .prop_map(move |(good, steps)| {
            let mut all = Vec::new();
            if good {
                all = vec![LinkStep::Open, LinkStep::Frame(Txt(RT_SEEDS[0].to_owned())), LinkStep::Auth(true, 200, Txt(signed())), LinkStep::Frame(Txt(RT_SEEDS[1].to_owned()))];
            }
            all.extend(steps);
            LinkCase { steps: all }
        })
        .boxed()
}

/// A piece put into a relay text: the key, its secret half, a line break of some kind, any string.
#[derive(Clone, Debug)]
pub enum Piece {
    Key,
    Secret,
    Text(&'static str),
    Any(String),
}

pub fn relay_case() -> S<RelayCase> {
    // text that may hold the key, its secret half, line breaks of every kind, JSON or not
    let piece = prop_oneof![Just(Piece::Key), Just(Piece::Secret), select(&["\r\n", "\r", "\n"][..]).prop_map(Piece::Text), string().prop_map(Piece::Any)];
    let text = (prop_oneof![json(3, RESPONSE).prop_map(|j| crate_json::to_text(&j)), string()], vec((piece, any::<Index>()), 0..4)).boxed();
    #[derive(Clone, Debug)]
    enum Step {
        Status(&'static str, (String, Vec<(Piece, Index)>)),
        Done((String, Vec<(Piece, Index)>)),
        Error(Option<Json>, (String, Vec<(Piece, Index)>)),
    }
    let step = prop_oneof![
        8 => (select(RELAY_WORDS), text.clone()).prop_map(|(w, t)| Step::Status(w, t)),
        1 => text.clone().prop_map(Step::Done),
        1 => (weighted(0.5, json(3, RESPONSE)), text).prop_map(|(j, t)| Step::Error(j, t)),
    ];
    ((1u32..=99_999), "[aZ09qk]{8,24}", vec(step, 0..12))
        .prop_map(|(n, secret, steps)| {
            let key = format!("{n}|k{secret}");
            let put = |(mut t, pieces): (String, Vec<(Piece, Index)>)| {
                for (p, at) in pieces {
                    let p = match p {
                        Piece::Key => key.clone(),
                        Piece::Secret => format!("k{secret}"),
                        Piece::Text(t) => t.to_owned(),
                        Piece::Any(t) => t,
                    };
                    let at = (0..=t.len()).filter(|i| t.is_char_boundary(*i)).nth(at.index(t.chars().count() + 1)).unwrap_or(t.len());
                    t.insert_str(at, &p);
                }
                t
            };
            let steps = steps
                .into_iter()
                .map(|st| match st {
                    Step::Status(w, t) => RelayStep::Status(Txt(w.to_owned()), Txt(put(t))),
                    Step::Done(t) => RelayStep::Done(Txt(put(t))),
                    Step::Error(Some(j), _) => RelayStep::Error(j),
                    Step::Error(None, t) => RelayStep::Error(obj(vec![("name", s("JobFailedError")), ("message", s(&put(t))), ("status", Json::Null)])),
                })
                .collect();
            RelayCase { key: Txt(key.clone()), steps }
        })
        .boxed()
}

pub fn fleet_case() -> S<FleetCase> {
    const NAMES: &[&str] = &["retry-after", "x-ratelimit-limit", "x-ratelimit-remaining", "x-ratelimit-daily-limit", "x-ratelimit-daily-remaining", "x-ratelimit-type"];
    let value = prop_oneof![5 => number_text(), 2 => date_text().prop_map(|d| d.0), 3 => string()].boxed();
    let headers = vec(maybe(0.6, value), NAMES.len()).prop_map(|vs| NAMES.iter().zip(vs).filter_map(|(n, v)| v.map(|v| (*n, v))).collect::<Vec<_>>());
    let opt_num = || maybe(0.8, num(true));
    let answer = (maybe(0.8, any::<bool>().boxed()), opt_num(), maybe(0.7, one(&["minute", "paused", "daily", "probe", "", "MINUTE", "later"])));
    let key = (0usize..4, number_text(), string()).prop_map(|(form, n, secret)| match form {
        0 => [&n, "|", &secret].concat(),
        1 => secret,
        2 => String::new(),
        _ => ["|", &secret].concat(),
    });
    (prop_oneof![Just(429u16), select(STATUSES)], headers, answer, (num(true), num(true)), key, vec((any::<bool>(), 0.0..10_000.0f64), 0..20))
        .prop_map(|(status, headers, answer, reply, key, steps)| FleetCase { status, headers, answer, reply, key, steps })
        .boxed()
}
