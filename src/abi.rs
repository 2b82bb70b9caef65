//! The shipped module's boundary: a plain C ABI instead of wasm-bindgen (measured: 4.8 KiB gzip
//! less, module and glue, for a package whose calls pass only text, bytes and numbers). Built only
//! without the `std` feature; builds with it (the wasm-bindgen test levels) export the same methods
//! through `#[wasm_bindgen]`. The JS side is `js/abi.js`.
//!
//! The conventions, all of them:
//! - **Arguments**: numbers as they are (booleans as 0/1); a string or a byte array as a pointer and
//!   a length into the *scratch* buffer, which JS first sizes with [`scratch`] and then fills
//!   (`TextEncoder.encodeInto`, always valid UTF-8; checked anyway: invalid text reads as "").
//!   The buffer is reused by the next call, so arguments cost no allocation and nothing to free.
//! - **Answers** (text): the function returns a pointer to the answer; [`answer_len`] gives its
//!   length. JS copies it out (`TextDecoder`) before the next call, which replaces it.
//! - **The core**: [`core_new`] returns a pointer that the other `core_*` calls take first;
//!   [`core_free`] releases it (the glue also registers it with a `FinalizationRegistry`).
//! - **Imports** (module `env`): `now()` is `Date.now()`, `number(n, buf)` writes `String(n)` (at
//!   most 32 ASCII bytes) at `buf` and returns its length, `error(ptr, len)` is `console.error`.
//!
//! wasm is single-threaded here (no `atomics`): the two buffers are plain statics behind
//! `UnsafeCell`, touched only by these functions, never while a reference from another is alive.

#[cfg(target_feature = "atomics")]
compile_error!("src/abi.rs assumes a single-threaded module (its buffers are unsynchronised statics): build without the atomics feature");

use crate::client::{file_type, memory_bytes, tables, Core};
use crate::prelude::*;
use core::cell::UnsafeCell;

struct Shared<T>(UnsafeCell<T>);
// SAFETY: the module runs on one thread (wasm32 without the atomics feature: see lib.rs).
unsafe impl<T> Sync for Shared<T> {}

static SCRATCH: Shared<Vec<u8>> = Shared(UnsafeCell::new(Vec::new()));
static ANSWER: Shared<String> = Shared(UnsafeCell::new(String::new()));

#[link(wasm_import_module = "env")]
extern "C" {
    #[link_name = "now"]
    fn env_now() -> f64;
    #[link_name = "number"]
    fn env_number(n: f64, buf: *mut u8) -> usize;
    #[link_name = "error"]
    fn env_error(ptr: *const u8, len: usize);
}

/// `Date.now()`.
pub fn date_now() -> f64 {
    // SAFETY: an import without pointers.
    unsafe { env_now() }
}

/// JS's `String(n)`: its shortest round-trip text.
pub fn number_text(n: f64) -> String {
    let mut buf = [0u8; 32];
    // SAFETY: JS writes at most 32 bytes (the longest `String(n)` of a double is 24).
    let len = unsafe { env_number(n, buf.as_mut_ptr()) };
    buf.get(..len).and_then(|b| core::str::from_utf8(b).ok()).unwrap_or("NaN").to_owned()
}

/// `console.error(s)`.
pub fn console_error(s: &str) {
    // SAFETY: JS reads `len` bytes at `ptr` and keeps nothing.
    unsafe { env_error(s.as_ptr(), s.len()) }
}

/// Makes room for `len` bytes of arguments; returns where to write them.
#[no_mangle]
pub extern "C" fn scratch(len: usize) -> *mut u8 {
    // SAFETY: single thread; no argument slice of an earlier call is alive (calls do not nest).
    let buf = unsafe { &mut *SCRATCH.0.get() };
    buf.clear();
    buf.reserve(len);
    buf.as_mut_ptr()
}

/// The length of the last answer.
#[no_mangle]
pub extern "C" fn answer_len() -> usize {
    // SAFETY: single thread; a shared read.
    unsafe { (&*ANSWER.0.get()).len() }
}

fn answer(s: String) -> *const u8 {
    // SAFETY: single thread; JS has copied the previous answer out.
    let slot = unsafe { &mut *ANSWER.0.get() };
    *slot = s;
    slot.as_ptr()
}

/// An argument's bytes (`ptr`, `len` from the scratch buffer, written by JS).
fn bytes<'a>(ptr: *const u8, len: usize) -> &'a [u8] {
    if len == 0 {
        return &[];
    }
    // SAFETY: JS wrote `len` bytes at `ptr` inside the scratch buffer's capacity (`scratch`), which
    // stays put until the next `scratch` call.
    unsafe { core::slice::from_raw_parts(ptr, len) }
}

/// An argument's text.
fn text<'a>(ptr: *const u8, len: usize) -> &'a str {
    core::str::from_utf8(bytes(ptr, len)).unwrap_or_default()
}

/// The core behind a pointer from [`core_new`].
fn core<'a>(c: *const Core) -> &'a Core {
    // SAFETY: `c` came from `core_new` and has not been freed (the glue drops its pointer on free).
    unsafe { &*c }
}

#[no_mangle]
pub extern "C" fn core_new(options: *const u8, options_len: usize, browser: u32) -> *mut Core {
    Box::into_raw(Box::new(Core::new(text(options, options_len), browser != 0)))
}

/// # Safety
/// `c` comes from [`core_new`] and is freed once (the glue forgets its pointer when it frees it).
#[no_mangle]
pub unsafe extern "C" fn core_free(c: *mut Core) {
    if !c.is_null() {
        // SAFETY: as the function's contract says.
        drop(unsafe { Box::from_raw(c) });
    }
}

#[no_mangle]
pub extern "C" fn core_error(c: *const Core) -> *const u8 {
    answer(core(c).error())
}

#[no_mangle]
pub extern "C" fn core_scheduled(c: *const Core) -> u32 {
    u32::from(core(c).scheduled())
}

#[no_mangle]
pub extern "C" fn core_plan(c: *const Core, what: u32, name: *const u8, name_len: usize, params: *const u8, params_len: usize, opts: *const u8, opts_len: usize, n: f64) -> *const u8 {
    answer(core(c).plan(what, text(name, name_len), text(params, params_len), text(opts, opts_len), n))
}

#[no_mangle]
pub extern "C" fn core_set_catalogue(c: *const Core, t: *const u8, t_len: usize) {
    core(c).set_catalogue(text(t, t_len));
}

#[no_mangle]
pub extern "C" fn core_gate(c: *const Core, k: *const u8, k_len: usize, limited: u32, attempts: u32) -> *const u8 {
    answer(core(c).gate(text(k, k_len), limited != 0, attempts))
}

#[no_mangle]
pub extern "C" fn core_release(c: *const Core, k: *const u8, k_len: usize, limited: u32) {
    core(c).release(text(k, k_len), limited != 0);
}

#[no_mangle]
#[allow(clippy::too_many_arguments)]
pub extern "C" fn core_decide(
    c: *const Core, d: u32, s: u32, k: *const u8, k_len: usize, l: u32, i: *const u8, i_len: usize, attempts: u32, status: u32,
    headers: *const u8, headers_len: usize, body: *const u8, body_len: usize, permit: u32, polls: u32, waited: f64, pi: f64, mp: f64, mw: f64,
) -> *const u8 {
    let status = u16::try_from(status).unwrap_or(0);
    answer(core(c).decide_wait(d, s != 0, text(k, k_len), l != 0, text(i, i_len), attempts, status, text(headers, headers_len), text(body, body_len), permit != 0, polls, waited, pi, mp, mw))
}

#[no_mangle]
#[allow(clippy::too_many_arguments)]
pub extern "C" fn core_fail(
    c: *const Core, d: u32, s: u32, k: *const u8, k_len: usize, l: u32, i: *const u8, i_len: usize, attempts: u32, what: u32, timeout_ms: f64,
    message: *const u8, message_len: usize, detail: *const u8, detail_len: usize, permit: u32,
) -> *const u8 {
    answer(core(c).fail(d, s != 0, text(k, k_len), l != 0, text(i, i_len), attempts, what, timeout_ms, text(message, message_len), text(detail, detail_len), permit != 0))
}

#[no_mangle]
pub extern "C" fn core_wait_plan(c: *const Core, id: *const u8, id_len: usize, opts: *const u8, opts_len: usize) -> *const u8 {
    answer(core(c).wait_plan(text(id, id_len), text(opts, opts_len)))
}

#[no_mangle]
pub extern "C" fn core_rate_limits(c: *const Core) -> *const u8 {
    answer(core(c).rate_limits())
}

#[no_mangle]
pub extern "C" fn op_tables() -> *const u8 {
    answer(tables())
}

#[no_mangle]
pub extern "C" fn file_type_of(head: *const u8, head_len: usize, mime: *const u8, mime_len: usize, field: *const u8, field_len: usize) -> *const u8 {
    answer(file_type(bytes(head, head_len), text(mime, mime_len), text(field, field_len)))
}

#[no_mangle]
pub extern "C" fn verify_webhook(kind: u32, t: *const u8, t_len: usize, b: *const u8, b_len: usize, rest: *const u8, rest_len: usize) -> *const u8 {
    answer(crate::webhook::verify_webhook_js(kind, text(t, t_len), bytes(b, b_len), text(rest, rest_len)))
}

#[no_mangle]
pub extern "C" fn memory_size() -> f64 {
    memory_bytes()
}

/// Test only (feature `panic-probe`): see `panic::panic_probe`.
#[cfg(feature = "panic-probe")]
#[no_mangle]
pub extern "C" fn panic_probe(kind: u32) -> u32 {
    crate::panic::panic_probe(kind)
}
