//! Bytes split at NULs as the small parsers' inputs (`props::checks::check_parsers`): a number, an
//! HTTP date, a Retry-After, a file's first bytes, a form field and a MIME type.
#![no_main]
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]
#[path = "../../tests/props/mod.rs"]
mod props;

use libfuzzer_sys::fuzz_target;
use props::checks::ParserCase;
use props::{Bytes, Txt};

fuzz_target!(|data: &[u8]| {
    let mut parts = data.split(|b| *b == 0);
    let mut next = || parts.next().unwrap_or_default();
    let mut text = || Txt(String::from_utf8_lossy(next()).into_owned());
    let (number, date, retry_after, field, mime) = (text(), text(), text(), text(), text());
    let head = Bytes(data.iter().rev().take(16).copied().collect());
    let n = f64::from_le_bytes(data.get(..8).and_then(|b| b.try_into().ok()).unwrap_or_default());
    props::checks::check_parsers(&ParserCase { number, date, date_expected: None, retry_after, now: 1.786e12, n, head, field, mime });
});
