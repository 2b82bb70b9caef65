//! The wasm panic hook (`src/panic.rs`): a real panic inside the module writes ONE readable line to
//! `console.error`. Run with `cargo test --target wasm32-unknown-unknown --test panic_hook` (Node),
//! `WASM_BINDGEN_USE_BROWSER=1` for headless Chromium.
//!
//! What is and is not covered: wasm-bindgen's test harness does not run `#[wasm_bindgen(start)]`
//! functions (and installs its own panic hook), so the test calls `install_panic_hook` itself —
//! the function the module's start runs. That the built package really calls it at load is seen
//! in the glue (`wasm.__wbindgen_start()`), not here. A panic on wasm32 (panic=abort) traps: a JS
//! helper calls into Rust with `console.error` replaced by a recorder, catches the trap
//! (`RuntimeError: unreachable`) and hands back the recorded lines.
#![cfg(target_arch = "wasm32")]
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, clippy::indexing_slicing)]
#![allow(clippy::disallowed_methods, clippy::disallowed_macros, clippy::disallowed_types)] // the size rules (clippy.toml) are for the module

use deapi_wasm::panic::{install_panic_hook, panic_message};
use js_sys::{Array, Function};
use wasm_bindgen::prelude::*;
use wasm_bindgen_test::*;

/// Run `f` (which panics) with `console.error` recorded: the lines written, and what was thrown.
fn capture(f: impl FnMut() + 'static) -> (Vec<String>, Option<String>) {
    let f = Closure::<dyn FnMut()>::new(f);
    let run = Function::new_with_args(
        "f",
        "const original = console.error; const lines = []; let thrown = null;
         console.error = (...args) => { lines.push(args.map(String).join(' ')); };
         try { f(); } catch (e) { thrown = String(e); } finally { console.error = original; }
         return [lines, thrown];",
    );
    let out: Array = run.call1(&JsValue::UNDEFINED, f.as_ref()).unwrap().into();
    let lines: Array = out.get(0).into();
    (lines.iter().map(|l| l.as_string().unwrap()).collect(), out.get(1).as_string())
}

const PREFIX: &str = "deapi-wasm: internal error (a bug — please report it): ";

/// `<PREFIX><message> at tests/panic_hook.rs:<line>`
fn assert_line(lines: &[String], message: &str) {
    assert_eq!(lines.len(), 1, "exactly one console.error line: {lines:?}");
    let rest = lines[0].strip_prefix(PREFIX).unwrap_or_else(|| panic!("prefix: {:?}", lines[0]));
    let at = rest.strip_prefix(message).and_then(|r| r.strip_prefix(" at tests/panic_hook.rs:"));
    assert!(at.is_some_and(|line| line.parse::<u32>().is_ok()), "{:?}", lines[0]);
}

#[wasm_bindgen_test]
fn a_panic_writes_one_readable_console_error_line() {
    install_panic_hook();

    // a `&'static str` payload
    let (lines, thrown) = capture(|| panic!("static message"));
    assert!(thrown.is_some_and(|t| t.contains("unreachable")), "the panic traps");
    assert_line(&lines, "static message");

    // a formatted (`String`) payload
    let n = 7;
    let (lines, _) = capture(move || panic!("formatted {n} and {}", "more"));
    assert_line(&lines, "formatted 7 and more");

    // what a bug in library code looks like (an `unwrap` on `None`)
    let (lines, _) = capture(|| {
        let empty: Option<u8> = std::hint::black_box(None);
        empty.unwrap();
    });
    assert_line(&lines, "called `Option::unwrap()` on a `None` value");

    // the line itself (also tested natively in src/panic.rs)
    assert_eq!(panic_message("m", "src/x.rs", 3), format!("{PREFIX}m at src/x.rs:3"));
}
