//! deAPI's operations as data: one row per submit operation, and the utility endpoints.
//!
//! The JS facade builds its namespaces from [`OPS`] (`images.generate`, `images.generatePrice`, …),
//! so a new operation is one new row here (plus its mock route and tests).

/// `apiVersion`: the v2 resource paths (default) or the deprecated v1 task paths.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ApiVersion {
    V1,
    V2,
}

impl ApiVersion {
    pub fn prefix(self) -> &'static str {
        match self {
            ApiVersion::V1 => "/api/v1/client/",
            ApiVersion::V2 => "/api/v2/",
        }
    }
}

/// One submit operation and its price companion.
#[derive(Debug, PartialEq, Eq)]
pub struct Op {
    /// `namespace.method` as seen from JS; the price method is `namespace.methodPrice`.
    pub name: &'static str,
    pub v2: &'static str,
    pub v1: &'static str,
    pub price_v2: &'static str,
    pub price_v1: &'static str,
}

pub const OPS: &[Op] = &[Op {
    name: "images.generate",
    v2: "images/generations",
    v1: "txt2img",
    price_v2: "images/generations/price",
    price_v1: "txt2img/price-calculation",
}];

pub fn find_op(name: &str) -> Option<&'static Op> {
    OPS.iter().find(|op| op.name == name)
}

/// Every request the client makes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Endpoint<'a> {
    Submit(&'static Op),
    Price(&'static Op),
    Job(&'a str),
    Models,
    Balance,
}

impl Endpoint<'_> {
    pub fn method(&self) -> &'static str {
        match self {
            Endpoint::Submit(_) | Endpoint::Price(_) => "POST",
            _ => "GET",
        }
    }
    /// Job submissions create billed work; the retry policy treats them with care.
    pub fn is_submission(&self) -> bool {
        matches!(self, Endpoint::Submit(_))
    }
    /// Path below the API root, without the leading slash.
    pub fn path(&self, version: ApiVersion) -> String {
        let v1 = version == ApiVersion::V1;
        let fixed = match self {
            Endpoint::Submit(op) => if v1 { op.v1 } else { op.v2 },
            Endpoint::Price(op) => if v1 { op.price_v1 } else { op.price_v2 },
            Endpoint::Models => "models",
            Endpoint::Balance => if v1 { "balance" } else { "account/balance" },
            Endpoint::Job(id) => {
                let base = if v1 { "request-status/" } else { "jobs/" };
                return format!("{}{}{}", version.prefix(), base, encode_component(id));
            }
        };
        format!("{}{}", version.prefix(), fixed)
    }
}

/// Percent-encode everything but RFC 3986 unreserved characters (path segments and query parts).
pub fn encode_component(s: &str) -> String {
    const HEX: &[u8; 16] = b"0123456789ABCDEF";
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            out.push(b as char);
        } else {
            out.push('%');
            for nibble in [b >> 4, b & 15] {
                out.push(HEX.get(nibble as usize).map_or('0', |&h| h as char));
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_v2_and_v1() {
        let op = find_op("images.generate").unwrap();
        let cases = [
            (Endpoint::Submit(op), "/api/v2/images/generations", "/api/v1/client/txt2img"),
            (Endpoint::Price(op), "/api/v2/images/generations/price", "/api/v1/client/txt2img/price-calculation"),
            (Endpoint::Models, "/api/v2/models", "/api/v1/client/models"),
            (Endpoint::Balance, "/api/v2/account/balance", "/api/v1/client/balance"),
            (Endpoint::Job("c08a339c-73e5"), "/api/v2/jobs/c08a339c-73e5", "/api/v1/client/request-status/c08a339c-73e5"),
        ];
        for (ep, v2, v1) in cases {
            assert_eq!(ep.path(ApiVersion::V2), v2);
            assert_eq!(ep.path(ApiVersion::V1), v1);
        }
        assert!(Endpoint::Submit(op).is_submission() && !Endpoint::Price(op).is_submission());
        assert_eq!((Endpoint::Submit(op).method(), Endpoint::Job("x").method()), ("POST", "GET"));
        assert!(find_op("images.nope").is_none());
    }

    #[test]
    fn job_ids_cannot_escape_their_path_segment() {
        assert_eq!(Endpoint::Job("../account/balance").path(ApiVersion::V2), "/api/v2/jobs/..%2Faccount%2Fbalance");
        assert_eq!(encode_component("a b?&=é"), "a%20b%3F%26%3D%C3%A9");
    }
}
