//! Panics in the wasm build. Nothing in the SDK is meant to panic (the lints deny
//! `unwrap`/`expect`/`panic!`/indexing, and `tests/fuzz.rs` looks for panics); if one happens anyway
//! (a bug), the module traps with a bare `RuntimeError: unreachable`. Before that, ONE readable line
//! goes to `console.error`:
//! `deapi-wasm: internal error (a bug — please report it): <message> at <file:line>`.
//!
//! Two ways, one line: the shipped module has no standard library (`std` feature off), so its
//! `on_panic` is the `#[panic_handler]` (tested by `tests/panic/probe.mjs`); builds with `std` (the
//! wasm-bindgen test levels) install a std panic hook at start instead (`tests/panic_hook.rs`).
//! Kept small on purpose: the message is the panic's plain string payload, never formatted (no
//! stack trace, no `core::fmt`).

use crate::prelude::*;

#[cfg(feature = "std")]
use wasm_bindgen::prelude::*;

#[cfg(feature = "std")]
#[wasm_bindgen]
extern "C" {
    #[wasm_bindgen(js_namespace = console, js_name = error)]
    fn console_error(s: &str);
}
#[cfg(all(target_arch = "wasm32", not(feature = "std")))]
use crate::abi::console_error;

/// The line written for a panic with message `payload` at `file:line` (`file` empty: no location).
pub fn panic_message(payload: &str, file: &str, line: u32) -> String {
    let mut out = String::from("deapi-wasm: internal error (a bug — please report it): ");
    out.push_str(if payload.is_empty() { "panic" } else { payload });
    if !file.is_empty() {
        out.push_str(" at ");
        out.push_str(file);
        out.push(':');
        out.push_str(&crate::num::uint(line.into()));
    }
    out
}

/// Installs the hook. Runs once when the module is instantiated (`#[wasm_bindgen(start)]`; the
/// crate must have no other start function; `private`: not exported to JS). wasm-bindgen does not
/// run start functions in its test harness, so tests call it themselves.
#[cfg(feature = "std")]
#[wasm_bindgen(start, private)]
pub fn install_panic_hook() {
    // The hook's argument type is not named: `PanicHookInfo` is newer than the crate's MSRV and
    // the older name `PanicInfo` is deprecated.
    std::panic::set_hook(Box::new(|info| {
        let payload = info.payload();
        let message = payload
            .downcast_ref::<&str>()
            .copied()
            .or_else(|| payload.downcast_ref::<String>().map(String::as_str))
            .unwrap_or("panic");
        let (file, line) = info.location().map_or(("", 0), |l| (l.file(), l.line()));
        console_error(&panic_message(message, file, line));
    }));
}

/// The shipped build has no standard library (`std` off): this is its panic handler, the same line
/// then a trap. The message is written only when it is a plain string (a formatted one would pull
/// `core::fmt` into the module).
#[cfg(all(not(feature = "std"), target_arch = "wasm32", not(test)))]
#[panic_handler]
pub fn on_panic(info: &core::panic::PanicInfo) -> ! {
    let message = info.message().as_str().unwrap_or("panic");
    let (file, line) = info.location().map_or(("", 0), |l| (l.file(), l.line()));
    console_error(&panic_message(message, file, line));
    core::arch::wasm32::unreachable()
}

/// Test only (feature `panic-probe`, never in the package): panics on purpose, so that
/// `tests/panic/probe.mjs` sees the shipped build's handler at work. 0: a plain message, 1: an
/// `unwrap` on `None` (what a bug looks like), 2: a formatted message.
#[cfg(feature = "panic-probe")]
#[allow(clippy::panic, clippy::unwrap_used)]
#[cfg_attr(feature = "std", wasm_bindgen(js_name = "__panicProbe"))]
pub fn panic_probe(kind: u32) -> u32 {
    match kind {
        0 => panic!("static message"),
        1 => core::hint::black_box(None::<u32>).unwrap(),
        _ => panic!("formatted {}", core::hint::black_box(kind)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_readable_line() {
        assert_eq!(
            panic_message("index out of bounds", "src/decode.rs", 42),
            "deapi-wasm: internal error (a bug — please report it): index out of bounds at src/decode.rs:42"
        );
        assert_eq!(panic_message("", "", 0), "deapi-wasm: internal error (a bug — please report it): panic");
    }
}
