//! Text helpers the pure modules share, none of them about JSON: integers in decimal, a substring
//! search, cutting a message, ASCII digits, hex digits, and hiding a secret inside a text. Written
//! out so that `core::fmt`, `str::parse` and core's substring searcher stay out of the module (each
//! helper says what it avoids).

/// `n` in decimal (itoa, which serde_json writes integers with: no `core::fmt` in messages).
pub fn dec(n: u64) -> String {
    itoa::Buffer::new().format(n).to_owned()
}

/// Where `needle` first occurs in `hay` at or after byte `from` (`None` for an empty needle).
/// Written out rather than `str::contains`/`replace`: core's two-way substring searcher brings its
/// char-boundary panic path and `char`'s `Debug` into the module (≈ 5 KiB); a key is short, and a
/// first-byte scan is as fast here. A match of a whole UTF-8 needle starts and ends on char boundaries.
pub fn find_str(hay: &str, needle: &str, from: usize) -> Option<usize> {
    let (h, n) = (hay.as_bytes(), needle.as_bytes());
    let first = *n.first()?;
    let last = h.len().checked_sub(n.len())?;
    (from..=last).find(|&i| h.get(i) == Some(&first) && h.get(i..i + n.len()) == Some(n))
}

/// `text` cut to at most `max` bytes on a char boundary, with `…` appended when cut.
pub fn truncate(mut text: String, max: usize) -> String {
    if text.len() > max {
        let mut cut = max;
        while !text.is_char_boundary(cut) {
            cut -= 1;
        }
        text.truncate(cut);
        text.push('…');
    }
    text
}

/// The value of a text of ASCII decimal digits (a `Content-Length`, a Unix timestamp); `None` when it
/// is empty or holds anything else. (Not `str::parse`: a float parser adds kilobytes to the module,
/// and an integer one would overflow where this only grows.)
pub fn digits(s: &str) -> Option<f64> {
    if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    Some(s.bytes().fold(0.0, |n, b| n * 10.0 + f64::from(b - b'0')))
}

/// The value of an ASCII hex digit (percent-escapes, signatures).
pub fn hex_digit(b: u8) -> Option<u8> {
    match b {
        b'0'..=b'9' => Some(b - b'0'),
        b'a'..=b'f' => Some(b - b'a' + 10),
        b'A'..=b'F' => Some(b - b'A' + 10),
        _ => None,
    }
}

/// Replace `secret` inside `s`; an empty or very short secret is left alone (it would match noise).
pub fn redact_str(s: &mut String, secret: &str) {
    if secret.len() < 3 {
        return;
    }
    let Some(mut at) = find_str(s, secret, 0) else { return };
    let mut out = String::with_capacity(s.len());
    let mut done = 0;
    loop {
        out.push_str(s.get(done..at).unwrap_or_default());
        out.push_str("[REDACTED]");
        done = at + secret.len();
        match find_str(s, secret, done) {
            Some(next) => at = next,
            None => break,
        }
    }
    out.push_str(s.get(done..).unwrap_or_default());
    *s = out;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redaction_agrees_with_str_replace() {
        let cases = [
            ("", "abc"), ("abc", "abc"), ("abcabc", "abc"), ("aabcabcc", "abc"), ("ab", "abc"), ("xxabxabcx", "abc"),
            ("ééKeyé", "Key"), ("1|k1|k1|k", "1|k"), ("aaaa", "aaa"), ("Bearer 1|sekret!", "1|sekret"), ("日本1|日本", "1|日"),
        ];
        for (hay, key) in cases {
            let mut s = hay.to_owned();
            redact_str(&mut s, key);
            assert_eq!(s, hay.replace(key, "[REDACTED]"), "{hay} / {key}");
            assert_eq!(find_str(hay, key, 0), hay.find(key), "{hay} / {key}");
        }
        assert_eq!(find_str("abc", "", 0), None);
        assert_eq!(find_str("abcabc", "abc", 1), Some(3));
        assert_eq!(find_str("abc", "abc", 9), None);
    }

    #[test]
    fn digits_truncate_and_dec() {
        assert_eq!((digits("0"), digits("1024"), digits(""), digits("1e3"), digits(" 1"), digits("-1")), (Some(0.0), Some(1024.0), None, None, None, None));
        assert_eq!(truncate("héllo".to_owned(), 2), "h…", "cut on a char boundary");
        assert_eq!(truncate("abc".to_owned(), 3), "abc");
        assert_eq!((dec(0), dec(u64::MAX)), ("0".to_owned(), "18446744073709551615".to_owned()));
        assert_eq!((hex_digit(b'f'), hex_digit(b'F'), hex_digit(b'9'), hex_digit(b'g')), (Some(15), Some(15), Some(9), None));
    }
}
