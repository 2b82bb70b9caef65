//! Panics in the wasm build. Nothing in the SDK is meant to panic (the lints deny
//! `unwrap`/`expect`/`panic!`/indexing, and `tests/fuzz.rs` looks for panics); if one happens anyway
//! (a bug), the module traps with a bare `RuntimeError: unreachable`. Before that, ONE readable line
//! goes to `console.error`:
//! `deapi-wasm: internal error (a bug — please report it): <message> at <file:line>`.
//!
//! The module's start function installs a std panic hook that writes that line (tested in Node,
//! Chromium and a worker by `tests/panic_hook.rs`). No stack trace: the message and its location.


use wasm_bindgen::prelude::*;

#[wasm_bindgen]
extern "C" {
    #[wasm_bindgen(js_namespace = console, js_name = error)]
    fn console_error(s: &str);
}

/// The line written for a panic with message `payload` at `file:line` (`file` empty: no location).
pub fn panic_message(payload: &str, file: &str, line: u32) -> String {
    let mut out = String::from("deapi-wasm: internal error (a bug — please report it): ");
    out.push_str(if payload.is_empty() { "panic" } else { payload });
    if !file.is_empty() {
        out.push_str(" at ");
        out.push_str(file);
        out.push(':');
        out.push_str(&crate::core::text::dec(u64::from(line)));
    }
    out
}

/// Installs the hook. Runs once when the module is instantiated (`#[wasm_bindgen(start)]`; the
/// crate must have no other start function; `private`: not exported to JS). wasm-bindgen does not
/// run start functions in its test harness, so tests call it themselves.
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
