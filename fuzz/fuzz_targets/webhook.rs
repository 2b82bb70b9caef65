//! Bytes as a webhook delivery (`props::checks::check_hook`: `verify` against the spec computed
//! with another HMAC): `secret \0 timestamp \0 signature \0 payload`; a first byte below 128 has the
//! delivery signed correctly (by the oracle) instead of with the given signature.
#![no_main]
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]
#[path = "../../tests/props/mod.rs"]
mod props;

use libfuzzer_sys::fuzz_target;
use props::checks::Hook;
use props::oracles::{hex, hmac_sha256};
use props::{Bytes, Txt};

fuzz_target!(|data: &[u8]| {
    let Some((&first, rest)) = data.split_first() else { return };
    let mut parts = rest.splitn(4, |b| *b == 0);
    let mut text = || String::from_utf8_lossy(parts.next().unwrap_or_default()).into_owned();
    let (secret, timestamp, signature) = (text(), text(), text());
    let payload = parts.next().unwrap_or_default().to_vec();
    let signature = if first < 128 { format!("sha256={}", hex(&hmac_sha256(secret.as_bytes(), &[timestamp.trim().as_bytes(), b".", &payload]))) } else { signature };
    let now = 1_786_102_994.0 + f64::from(first % 16) * 60.0;
    let hook = Hook { payload: Bytes(payload), signature: Some(Txt(signature)), timestamp: Some(Txt(timestamp)), secret: Txt(secret), tolerance: 300.0, max_payload: 1_048_576.0, now, tampered: None };
    props::checks::check_hook(&hook);
});
