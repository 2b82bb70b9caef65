//! deAPI's operations as data: one row per operation, and the utility endpoints
//! (deapi-api.md §2.1).
//!
//! The JS facade builds its namespaces from [`OPS`] (`images.generate`, `images.generatePrice`, …),
//! so a new operation is one new row here (plus its mock route and tests).

use crate::json::Json;

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

/// A v1 endpoint chosen by the presence of a field (v1's legacy transcription endpoints).
#[derive(Debug, PartialEq, Eq)]
pub struct Route {
    pub field: &'static str,
    pub path: &'static str,
    pub price: &'static str,
}

/// One operation and its price companion.
#[derive(Debug, PartialEq, Eq)]
pub struct Op {
    /// `namespace.method` as seen from JS; the price method is `namespace.methodPrice`.
    pub name: &'static str,
    /// v2 path below `/api/v2/`; the price path appends `/price`.
    pub v2: &'static str,
    /// v1 path below `/api/v1/client/`; `None`: the operation exists only on v2 (its v2 path is
    /// used whatever `apiVersion` says).
    pub v1: Option<&'static str>,
    /// v1 price path when it is not `<v1>/price-calculation`.
    pub v1_price: Option<&'static str>,
    /// v1 endpoints picked by a field of the params (first match wins).
    pub v1_routes: &'static [Route],
    /// Answers at once (no job): the prompt booster.
    pub sync: bool,
    /// Always multipart, even without a file (the prompt booster in every client and example).
    pub multipart: bool,
}

const fn op(name: &'static str, v2: &'static str, v1: &'static str) -> Op {
    Op { name, v2, v1: Some(v1), v1_price: None, v1_routes: &[], sync: false, multipart: false }
}

pub const OPS: &[Op] = &[
    op("images.generate", "images/generations", "txt2img"),
    op("images.edit", "images/edits", "img2img"),
    op("images.upscale", "images/upscales", "img-upscale"),
    op("images.removeBackground", "images/background-removals", "img-rmbg"),
    op("images.ocr", "images/ocr", "img2txt"),
    op("videos.generate", "videos/generations", "txt2video"),
    op("videos.animate", "videos/animations", "img2video"),
    op("videos.audioSync", "videos/audio-syncs", "aud2video"),
    op("videos.upscale", "videos/upscales", "vid-upscale"),
    op("videos.removeBackground", "videos/background-removals", "vid-rmbg"),
    Op { v1_price: Some("videos/replace/price"), ..op("videos.replace", "videos/replacements", "videos/replace") },
    op("audio.speech", "audio/speech", "txt2audio"),
    op("audio.music", "audio/music", "txt2music"),
    Op {
        v1_routes: &[
            Route { field: "video_url", path: "vid2txt", price: "vid2txt/price-calculation" },
            Route { field: "audio_url", path: "aud2txt", price: "aud2txt/price-calculation" },
            Route { field: "audio", path: "audiofile2txt", price: "audiofile2txt/price-calculation" },
            Route { field: "video", path: "videofile2txt", price: "videofile2txt/price-calculation" },
        ],
        ..op("audio.transcribe", "audio/transcriptions", "transcribe")
    },
    op("embeddings.create", "embeddings", "txt2embedding"),
    Op { v1: None, sync: true, multipart: true, ..op("prompts.enhance", "prompts/enhancements", "") },
];

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
    /// Submissions create billed work; the retry policy treats them with care.
    pub fn is_submission(&self) -> bool {
        matches!(self, Endpoint::Submit(_))
    }
    /// Path below the API root. `params` picks v1's legacy transcription endpoints.
    pub fn path(&self, version: ApiVersion, params: Option<&Json>) -> String {
        let v1 = version == ApiVersion::V1;
        match self {
            Endpoint::Submit(op) | Endpoint::Price(op) => {
                let price = matches!(self, Endpoint::Price(_));
                match (v1, op.v1) {
                    (true, Some(v1_path)) => {
                        let routed = op.v1_routes.iter().find(|r| params.and_then(|p| p.get(r.field)).is_some_and(|v| !v.is_null()));
                        let path = match (routed, price) {
                            (Some(r), false) => r.path.to_owned(),
                            (Some(r), true) => r.price.to_owned(),
                            (None, false) => v1_path.to_owned(),
                            (None, true) => op.v1_price.map_or_else(|| format!("{v1_path}/price-calculation"), str::to_owned),
                        };
                        format!("{}{path}", ApiVersion::V1.prefix())
                    }
                    _ => {
                        let suffix = if price { "/price" } else { "" };
                        format!("{}{}{suffix}", ApiVersion::V2.prefix(), op.v2)
                    }
                }
            }
            Endpoint::Models => format!("{}models", version.prefix()),
            Endpoint::Balance => format!("{}{}", version.prefix(), if v1 { "balance" } else { "account/balance" }),
            Endpoint::Job(id) => {
                let base = if v1 { "request-status/" } else { "jobs/" };
                format!("{}{}{}", version.prefix(), base, encode_component(id))
            }
        }
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
    use crate::json::parse;

    fn paths(name: &str, params: &str) -> [String; 4] {
        let op = find_op(name).unwrap();
        let p = parse(params).unwrap();
        [
            Endpoint::Submit(op).path(ApiVersion::V2, Some(&p)),
            Endpoint::Price(op).path(ApiVersion::V2, Some(&p)),
            Endpoint::Submit(op).path(ApiVersion::V1, Some(&p)),
            Endpoint::Price(op).path(ApiVersion::V1, Some(&p)),
        ]
    }

    #[test]
    fn every_operation_has_v2_and_v1_paths() {
        let want = [
            ("images.generate", "images/generations", "txt2img"),
            ("images.edit", "images/edits", "img2img"),
            ("images.upscale", "images/upscales", "img-upscale"),
            ("images.removeBackground", "images/background-removals", "img-rmbg"),
            ("images.ocr", "images/ocr", "img2txt"),
            ("videos.generate", "videos/generations", "txt2video"),
            ("videos.animate", "videos/animations", "img2video"),
            ("videos.audioSync", "videos/audio-syncs", "aud2video"),
            ("videos.upscale", "videos/upscales", "vid-upscale"),
            ("videos.removeBackground", "videos/background-removals", "vid-rmbg"),
            ("audio.speech", "audio/speech", "txt2audio"),
            ("audio.music", "audio/music", "txt2music"),
            ("audio.transcribe", "audio/transcriptions", "transcribe"),
            ("embeddings.create", "embeddings", "txt2embedding"),
        ];
        for (name, v2, v1) in want {
            assert_eq!(
                paths(name, "{}"),
                [
                    format!("/api/v2/{v2}"),
                    format!("/api/v2/{v2}/price"),
                    format!("/api/v1/client/{v1}"),
                    format!("/api/v1/client/{v1}/price-calculation")
                ],
                "{name}"
            );
        }
        assert_eq!(OPS.len(), 16);
    }

    #[test]
    fn odd_paths() {
        // v1's video replace price is not `/price-calculation`
        assert_eq!(
            paths("videos.replace", "{}"),
            ["/api/v2/videos/replacements", "/api/v2/videos/replacements/price", "/api/v1/client/videos/replace", "/api/v1/client/videos/replace/price"]
        );
        // the prompt booster exists only on v2
        assert_eq!(
            paths("prompts.enhance", "{}"),
            ["/api/v2/prompts/enhancements", "/api/v2/prompts/enhancements/price", "/api/v2/prompts/enhancements", "/api/v2/prompts/enhancements/price"]
        );
        assert!(find_op("prompts.enhance").unwrap().sync);
    }

    #[test]
    fn v1_transcription_routes_by_field() {
        let t = |params: &str| paths("audio.transcribe", params);
        assert_eq!(t(r#"{"video_url":"https://youtu.be/x"}"#)[2..], ["/api/v1/client/vid2txt", "/api/v1/client/vid2txt/price-calculation"]);
        assert_eq!(t(r#"{"audio_url":"https://x.com/i/spaces/1"}"#)[2..], ["/api/v1/client/aud2txt", "/api/v1/client/aud2txt/price-calculation"]);
        assert_eq!(t(r#"{"audio":"f"}"#)[2..], ["/api/v1/client/audiofile2txt", "/api/v1/client/audiofile2txt/price-calculation"]);
        assert_eq!(t(r#"{"video":"f"}"#)[2..], ["/api/v1/client/videofile2txt", "/api/v1/client/videofile2txt/price-calculation"]);
        assert_eq!(t(r#"{"source_url":"u","video_url":null}"#)[2..], ["/api/v1/client/transcribe", "/api/v1/client/transcribe/price-calculation"]);
        // v2 has one unified endpoint
        assert_eq!(t(r#"{"video_url":"u"}"#)[0], "/api/v2/audio/transcriptions");
    }

    #[test]
    fn utility_paths() {
        let cases = [
            (Endpoint::Models, "/api/v2/models", "/api/v1/client/models"),
            (Endpoint::Balance, "/api/v2/account/balance", "/api/v1/client/balance"),
            (Endpoint::Job("c08a339c-73e5"), "/api/v2/jobs/c08a339c-73e5", "/api/v1/client/request-status/c08a339c-73e5"),
        ];
        for (ep, v2, v1) in cases {
            assert_eq!(ep.path(ApiVersion::V2, None), v2);
            assert_eq!(ep.path(ApiVersion::V1, None), v1);
        }
        let op = find_op("images.generate").unwrap();
        assert!(Endpoint::Submit(op).is_submission() && !Endpoint::Price(op).is_submission());
        assert_eq!((Endpoint::Submit(op).method(), Endpoint::Job("x").method()), ("POST", "GET"));
        assert!(find_op("images.nope").is_none());
    }

    #[test]
    fn job_ids_cannot_escape_their_path_segment() {
        assert_eq!(Endpoint::Job("../account/balance").path(ApiVersion::V2, None), "/api/v2/jobs/..%2Faccount%2Fbalance");
        assert_eq!(encode_component("a b?&=é"), "a%20b%3F%26%3D%C3%A9");
    }
}
