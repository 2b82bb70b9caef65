//! HTTP dates (pure): `Retry-After` read as seconds from now, whether the server sent
//! delay-seconds or an HTTP-date in any of the three forms RFC 9110 allows. The error decoder
//! ([`crate::core::error`]), the session and the fleet's store read `Retry-After` through
//! [`parse_retry_after`].

use crate::core::json::parse_number;

/// `Retry-After` as seconds from now: delay-seconds or an HTTP-date (RFC 9110 §10.2.3).
pub fn parse_retry_after(value: &str, now_ms: f64) -> Option<f64> {
    let v = value.trim();
    if let Some(secs) = parse_number(v) {
        return (secs >= 0.0).then_some(secs);
    }
    let at = parse_http_date(v)?;
    Some(((at * 1000.0 - now_ms) / 1000.0).max(0.0).ceil())
}

/// Seconds since the Unix epoch of an IMF-fixdate (`Sun, 06 Nov 1994 08:49:37 GMT`), also
/// accepting RFC 850 (`Sunday, 06-Nov-94 08:49:37 GMT`) and asctime (`Sun Nov  6 08:49:37 1994`).
pub fn parse_http_date(s: &str) -> Option<f64> {
    let parts: Vec<&str> = s
        .split([' ', '-', ','])
        .filter(|p| !p.is_empty())
        .collect();
    // Find day, month, year, time among the parts, whatever their order.
    let (mut day, mut month, mut year, mut time) = (None, None, None, None);
    for p in parts.iter().skip(1) {
        if let Some(m) = month_index(p) {
            month = Some(m);
        } else if p.contains(':') {
            time = Some(*p);
        } else if let Some(n) = whole_number(p) {
            if day.is_none() && p.len() <= 2 && year.is_none() {
                day = Some(n);
            } else {
                year = Some(if p.len() == 2 { if n < 70 { 2000 + n } else { 1900 + n } } else { n });
            }
        }
    }
    let (day, month, year, time) = (day?, month?, year?, time?);
    let mut hms = time.split(':').map(whole_number);
    let (h, mi, se) = (hms.next()??, hms.next()??, hms.next()??);
    if !(1..=31).contains(&day) || !(1..=9999).contains(&year) || h > 23 || mi > 59 || se > 60 {
        return None;
    }
    let days = days_from_civil(year, month, day);
    Some((days * 86_400 + h * 3600 + mi * 60 + se) as f64)
}

/// `s` as a non-negative integer, read as `str::parse::<i64>` reads it (an optional `+`, then
/// digits; `None` on overflow): the standard parser is 0.2 KiB of wasm more. A `-` never reaches
/// here (the date is split on it).
fn whole_number(s: &str) -> Option<i64> {
    let digits = s.strip_prefix('+').unwrap_or(s);
    if digits.is_empty() {
        return None;
    }
    digits.bytes().try_fold(0i64, |n, b| if b.is_ascii_digit() { n.checked_mul(10)?.checked_add(i64::from(b - b'0')) } else { None })
}

fn month_index(s: &str) -> Option<i64> {
    const MONTHS: [&str; 12] =
        ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
    MONTHS.iter().position(|m| m.eq_ignore_ascii_case(s)).map(|i| i as i64 + 1)
}

/// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's algorithm).
pub fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retry_after_forms() {
        assert_eq!(parse_retry_after("120", 0.0), Some(120.0));
        assert_eq!(parse_retry_after(" 0 ", 0.0), Some(0.0));
        assert_eq!(parse_retry_after("-5", 0.0), None);
        assert_eq!(parse_retry_after("soon", 0.0), None);
        // 1994-11-06T08:49:37Z = 784111777
        assert_eq!(parse_http_date("Sun, 06 Nov 1994 08:49:37 GMT"), Some(784_111_777.0));
        assert_eq!(parse_http_date("Sunday, 06-Nov-94 08:49:37 GMT"), Some(784_111_777.0));
        assert_eq!(parse_http_date("Sun Nov  6 08:49:37 1994"), Some(784_111_777.0));
        let now = 784_111_777_000.0 - 30_000.0;
        assert_eq!(parse_retry_after("Sun, 06 Nov 1994 08:49:37 GMT", now), Some(30.0));
        // a date in the past means "now"
        assert_eq!(parse_retry_after("Sun, 06 Nov 1994 08:49:37 GMT", now + 99_000.0), Some(0.0));
        assert_eq!(parse_http_date("Sun, 32 Nov 1994 08:49:37 GMT"), None);
        assert_eq!(parse_http_date("Sun, 06 Foo 1994 08:49:37 GMT"), None);
        assert_eq!(days_from_civil(2000, 3, 1), 11_017);
    }

    #[test]
    fn whole_numbers_as_the_standard_parser_reads_them() {
        for s in ["0", "06", "+06", "1994", "9223372036854775807", "9223372036854775808", "", "+", "++1", "1a", " 1", "1 ", "٣", "-1"] {
            let std = if s.starts_with('-') { None } else { s.parse::<i64>().ok() };
            assert_eq!(whole_number(s), std, "{s:?}");
        }
    }
}
