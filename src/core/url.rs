//! URL checks the options share (pure): an absolute URL's origin, whether an `http://` host is
//! loopback, and what is wrong with a URL option. (Byte scans throughout: std's substring searcher
//! would add kilobytes to the module.)

/// The origin of an absolute base URL (`scheme://host[:port]`, no path, query or fragment: a proxy's
/// path may hold a token); `""` for a same-origin path (browsers).
pub fn origin(url: &str) -> &str {
    let Some(scheme) = ["https://", "http://"].into_iter().find(|s| url.starts_with(s)) else { return "" };
    let rest = url.get(scheme.len()..).unwrap_or("");
    let end = rest.bytes().position(|b| matches!(b, b'/' | b'?' | b'#')).unwrap_or(rest.len());
    url.get(..scheme.len() + end).unwrap_or(url)
}

/// Is the host of `http://` URL `url` a loopback address: `127.0.0.0/8` (dotted decimal), `[::1]`,
/// `localhost` or a name under `.localhost`? (Other spellings of loopback — `127.1`, `0x7f.0.0.1`,
/// `[0:0:0:0:0:0:0:1]`, a trailing dot — are not recognised: they are refused, never let through.)
pub fn is_loopback(url: &str) -> bool {
    let o = origin(url);
    let authority = o.strip_prefix("http://").or_else(|| o.strip_prefix("https://")).unwrap_or("").to_ascii_lowercase();
    if authority.starts_with('[') {
        return authority == "[::1]" || authority.starts_with("[::1]:");
    }
    let host = authority.split(':').next().unwrap_or("");
    if host == "localhost" || (host.len() > ".localhost".len() && host.ends_with(".localhost")) {
        return true;
    }
    // each part 1–3 digits: whatever base a URL parser reads them in, 127.x.y.z stays in 127.0.0.0/8
    host.starts_with("127.") && host.split('.').count() == 4 && host.split('.').all(|p| (1..=3).contains(&p.len()) && p.bytes().all(|b| b.is_ascii_digit()))
}

/// What is wrong with a URL option ([`url_problem`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum UrlProblem {
    /// Not an absolute http(s) URL (nor, in a browser, a same-origin path), or it holds white space.
    Shape,
    /// `user:password@`: sent by one runtime, refused by another (fetch), and shown in every
    /// connection message.
    Credentials,
}

/// Check a URL option (`baseUrl`, `realtime.authEndpoint`): an absolute http(s) URL, or a path when
/// `path_ok` (in a browser: same-origin); no white space, no credentials. (Byte scans: std's
/// substring searcher would add kilobytes to the module.)
pub fn url_problem(u: &str, path_ok: bool) -> Option<UrlProblem> {
    let absolute = u.starts_with("https://") || u.starts_with("http://");
    if !(absolute || (u.starts_with('/') && path_ok)) || u.contains(char::is_whitespace) {
        return Some(UrlProblem::Shape);
    }
    let rest = u.strip_prefix("https://").or_else(|| u.strip_prefix("http://")).unwrap_or("");
    rest.bytes().take_while(|b| !matches!(b, b'/' | b'?' | b'#')).any(|b| b == b'@').then_some(UrlProblem::Credentials)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn loopback_hosts_and_origins() {
        for u in ["http://127.0.0.1", "http://127.0.0.1:8080/x", "http://127.255.1.09", "http://localhost", "http://LOCALHOST:3000", "http://api.localhost/p", "http://[::1]", "http://[::1]:9/a?b"] {
            assert!(is_loopback(u), "{u}");
        }
        for u in ["http://example.com", "http://128.0.0.1", "http://127.0.0.1.evil.test", "http://localhost.evil.test", "http://evillocalhost", "http://.localhost",
            "http://127.1", "http://0x7f.0.0.1", "http://0127.0.0.1", "http://127.0.0.1.", "http://[::2]", "http://[::1].evil", "http://10.0.0.1"] {
            assert!(!is_loopback(u), "{u}");
        }
        assert_eq!(origin("https://proxy.test:8443/t0ken/deapi?x#y"), "https://proxy.test:8443");
        assert_eq!(origin("http://127.0.0.1:9"), "http://127.0.0.1:9");
        assert_eq!(origin("/api/deapi"), "");
    }

    #[test]
    fn url_options() {
        assert_eq!(url_problem("https://api.test/x", false), None);
        assert_eq!(url_problem("/api/deapi", true), None);
        assert_eq!(url_problem("/api/deapi", false), Some(UrlProblem::Shape));
        assert_eq!(url_problem("https://a b.test", false), Some(UrlProblem::Shape));
        assert_eq!(url_problem("ftp://a.test", false), Some(UrlProblem::Shape));
        assert_eq!(url_problem("https://u:p@a.test/x", false), Some(UrlProblem::Credentials));
        assert_eq!(url_problem("https://a.test/x?u=a@b", false), None, "an @ past the host is no credential");
    }
}
