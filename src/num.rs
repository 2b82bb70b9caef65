//! Numbers and text without `core::fmt` or the standard library. The shipped module is `no_std`
//! (`core` has no `floor`/`round`/`powi`) and writes its messages without `format!` (`core::fmt`
//! costs the module ~2 KiB gzip). Used on every target, so the native tests check the code that
//! ships. The float operations are exact for every `f64` (values of 2^52 or more are integers).

use crate::prelude::*;

/// A signed integer in decimal.
pub fn int(n: i64) -> String {
    let digits = uint(n.unsigned_abs());
    if n < 0 {
        cat(&["-", &digits])
    } else {
        digits
    }
}

/// The pieces joined: what `format!` would write, without `core::fmt`.
pub fn cat(parts: &[&str]) -> String {
    join(parts, "")
}

/// The pieces with `sep` between them (`[&str]::join` without its generic copy loop: smaller).
pub fn join(parts: &[&str], sep: &str) -> String {
    let mut out = String::new();
    for (i, p) in parts.iter().enumerate() {
        if i > 0 {
            out.push_str(sep);
        }
        out.push_str(p);
    }
    out
}

/// How many characters (Unicode scalar values) `s` has: its bytes that do not continue a UTF-8
/// sequence (`str::chars().count()` without its unrolled counting loop).
pub fn char_count(s: &str) -> usize {
    s.bytes().filter(|b| b & 0xC0 != 0x80).count()
}

/// An unsigned integer in decimal.
pub fn uint(n: u64) -> String {
    let mut digits = [0u8; 20];
    let mut i = digits.len();
    let mut n = n;
    loop {
        i -= 1;
        if let Some(d) = digits.get_mut(i) {
            *d = b'0' + (n % 10) as u8;
        }
        n /= 10;
        if n == 0 || i == 0 {
            break;
        }
    }
    digits
        .get(i..)
        .map(|d| d.iter().map(|&b| char::from(b)).collect())
        .unwrap_or_default()
}

const INTEGRAL: f64 = 4_503_599_627_370_496.0; // 2^52

/// Rounds toward zero.
pub fn trunc(x: f64) -> f64 {
    if x.abs() < INTEGRAL {
        (x as i64) as f64
    } else {
        x
    }
}

/// The fractional part (`x - trunc(x)`); NaN for infinities, like `f64::fract`.
pub fn fract(x: f64) -> f64 {
    x - trunc(x)
}

pub fn floor(x: f64) -> f64 {
    let t = trunc(x);
    if t > x {
        t - 1.0
    } else {
        t
    }
}

pub fn ceil(x: f64) -> f64 {
    let t = trunc(x);
    if t < x {
        t + 1.0
    } else {
        t
    }
}

/// Rounds half away from zero, like `f64::round`.
pub fn round(x: f64) -> f64 {
    let t = trunc(x);
    let d = x - t;
    if d >= 0.5 {
        t + 1.0
    } else if d <= -0.5 {
        t - 1.0
    } else {
        t
    }
}

/// `x` to an integer power by repeated squaring: the algorithm of compiler-builtins' `__powidf2`,
/// which `f64::powi` calls on wasm32, so results are the same as before.
pub fn powi(x: f64, n: i32) -> f64 {
    let mut base = x;
    let mut pow = n.unsigned_abs();
    let mut acc = 1.0;
    loop {
        if pow & 1 != 0 {
            acc *= base;
        }
        pow >>= 1;
        if pow == 0 {
            break;
        }
        base *= base;
    }
    if n < 0 {
        1.0 / acc
    } else {
        acc
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const SAMPLES: &[f64] = &[
        0.0,
        -0.0,
        0.5,
        -0.5,
        1.5,
        -1.5,
        2.5,
        -2.5,
        0.49999999999999994,
        -0.49999999999999994,
        1.0,
        -1.0,
        3.7,
        -3.7,
        1e-300,
        -1e-300,
        123456.789,
        -123456.789,
        4503599627370495.5,
        -4503599627370495.5,
        4503599627370496.0,
        9007199254740993.0,
        1e300,
        -1e300,
        f64::MAX,
        f64::MIN,
        f64::EPSILON,
        f64::MIN_POSITIVE,
    ];

    fn same(a: f64, b: f64) -> bool {
        a == b || (a.is_nan() && b.is_nan())
    }

    #[test]
    fn as_the_standard_library() {
        for &x in SAMPLES
            .iter()
            .chain(&[f64::INFINITY, f64::NEG_INFINITY, f64::NAN])
        {
            assert!(same(trunc(x), x.trunc()), "trunc {x}");
            assert!(same(fract(x), x.fract()), "fract {x}");
            assert!(same(floor(x), x.floor()), "floor {x}");
            assert!(same(ceil(x), x.ceil()), "ceil {x}");
            assert!(same(round(x), x.round()), "round {x}");
        }
        // a sweep through the ranges the core meets (milliseconds, seconds, prices)
        let mut x = -1e7;
        while x < 1e7 {
            for y in [x, x + 0.25, x + 0.5, x + 0.75] {
                assert_eq!(
                    (floor(y), ceil(y), round(y), fract(y)),
                    (y.floor(), y.ceil(), y.round(), y.fract()),
                    "{y}"
                );
            }
            x += 997.0;
        }
    }

    #[test]
    fn integers() {
        for n in [
            0,
            1,
            9,
            10,
            99,
            100,
            12345,
            4294967295,
            9007199254740993,
            u64::MAX,
        ] {
            assert_eq!(uint(n), n.to_string());
        }
        for n in [0, -1, 7, -12345, i64::MIN, i64::MAX] {
            assert_eq!(int(n), n.to_string());
        }
        assert_eq!(cat(&["a", "", "bc"]), "abc");
    }

    #[test]
    fn text_as_the_standard_library() {
        let lists: &[&[&str]] = &[&[], &[""], &["a"], &["a", "b"], &["", "x", ""], &["é", "日本", "🦊"]];
        for parts in lists {
            for sep in ["", ",", " / ", "→"] {
                assert_eq!(join(parts, sep), parts.join(sep), "{parts:?} {sep:?}");
            }
            assert_eq!(cat(parts), parts.concat());
        }
        for s in ["", "abc", "é", "naïve café", "日本語", "🦊🦊", "a\u{0}b", "\u{7f}\u{80}\u{7ff}\u{800}\u{ffff}\u{10000}\u{10ffff}"] {
            assert_eq!(char_count(s), s.chars().count(), "{s:?}");
        }
    }

    #[test]
    fn powers() {
        for n in -330..=330 {
            assert_eq!(powi(10.0, n), 10f64.powi(n), "10^{n}");
        }
        for n in 0..=60 {
            assert_eq!(powi(2.0, n), 2f64.powi(n));
            assert_eq!(powi(1.5, n), 1.5f64.powi(n), "1.5^{n}");
        }
    }
}
