//! deAPI's operations as data: one row per operation, and the utility endpoints
//! (deapi-api.md §2.1).
//!
//! The JS facade builds its namespaces from [`OPS`] (`images.generate`, `images.generatePrice`, …),
//! so a new operation is one new row here (plus its mock route and tests).


use crate::core::json::Json;

/// `apiVersion`: the v2 resource paths (default) or the deprecated v1 task paths.
/// The validation rules of one operation.
#[derive(Debug, PartialEq)]
pub struct Rules {
    pub submit: &'static str,
    pub price: &'static str,
    /// Inference types a model must support (`txt2img`, …).
    pub types: &'static [&'static str],
    /// How deAPI names the operation in "The selected model does not support …".
    pub label: &'static str,
    /// Fields with a closed list of values.
    pub enums: &'static [(&'static str, &'static [&'static str])],
    /// Groups of which at most one may be present (Laravel `prohibits`; submit only).
    pub exclusive: &'static [&'static [&'static str]],
    /// Groups that come together (`required_with`).
    pub together: &'static [&'static [&'static str]],
    /// `(field, other, value)`: field required when other is value (`required_if`; submit only).
    pub required_if: &'static [(&'static str, &'static str, &'static str)],
    /// Integer fields with a closed list of values.
    pub int_in: &'static [(&'static str, &'static [f64])],
    /// Fixed lower bounds.
    pub min: &'static [(&'static str, f64)],
    /// Longest strings, in characters.
    pub max_len: &'static [(&'static str, usize)],
    /// Longest lists.
    pub max_items: &'static [(&'static str, usize)],
    /// `(field, feature)`: the field is refused when the model lacks the feature flag.
    pub prohibited_unless: &'static [(&'static str, &'static str)],
}

impl Rules {
    pub const fn new(types: &'static [&'static str], label: &'static str, submit: &'static str, price: &'static str) -> Rules {
        Rules {
            submit,
            price,
            types,
            label,
            enums: &[],
            exclusive: &[],
            together: &[],
            required_if: &[],
            int_in: &[],
            min: &[],
            max_len: &[],
            max_items: &[],
            prohibited_unless: &[],
        }
    }
}

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
#[derive(Debug, PartialEq)]
pub struct Route {
    pub field: &'static str,
    pub path: &'static str,
    pub price: &'static str,
    pub rules: Rules,
}

/// One operation and its price companion.
#[derive(Debug, PartialEq)]
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
    /// Client-side validation rules (see `validate`).
    pub rules: Rules,
}

impl Op {
    /// The rules that apply: a v1 legacy transcription route has its own.
    pub fn rules_for(&self, version: ApiVersion, params: &Json) -> &Rules {
        match self.route(version, Some(params)) {
            Some(r) => &r.rules,
            None => &self.rules,
        }
    }
    fn route(&self, version: ApiVersion, params: Option<&Json>) -> Option<&Route> {
        if version != ApiVersion::V1 || self.v1.is_none() {
            return None;
        }
        self.v1_routes.iter().find(|r| params.and_then(|p| p.get(r.field)).is_some_and(|v| !v.is_null()))
    }
}

const fn op(name: &'static str, v2: &'static str, v1: &'static str, rules: Rules) -> Op {
    Op { name, v2, v1: Some(v1), v1_price: None, v1_routes: &[], sync: false, multipart: false, rules }
}

const fn rules(types: &'static [&'static str], label: &'static str, submit: &'static str, price: &'static str) -> Rules {
    Rules::new(types, label, submit, price)
}

const FORMATS: &[&str] = &["mp3", "wav", "flac"];
const TRANSCRIBE_TYPES: &[&str] = &["video2text", "audio2text", "video_file2text", "audio_file2text"];
const fn legacy(field: &'static str, path: &'static str, price: &'static str, types: &'static [&'static str], label: &'static str, submit: &'static str, price_rules: &'static str) -> Route {
    Route { field, path, price, rules: rules(types, label, submit, price_rules) }
}

// Rules follow deapi-api.md §2.3 (the fields the API enforces) and match the mock deAPI's.
pub const OPS: &[Op] = &[
    op("images.generate", "images/generations", "txt2img", rules(&["txt2img"], "Text To Image",
        "prompt model width height guidance steps seed negative_prompt? loras? quality?2 enhance_prompt?2",
        "prompt model width height guidance steps seed negative_prompt? loras? quality?2")),
    op("images.edit", "images/edits", "img2img", Rules { exclusive: &[&["image", "images"]], ..rules(&["img2img"], "Image To Image",
        "@image|images @images? prompt model steps seed negative_prompt? width? height? loras? guidance? quality?2 enhance_prompt?2",
        "prompt model steps seed negative_prompt? loras? guidance? quality?2") }),
    op("images.upscale", "images/upscales", "img-upscale", rules(&["img-upscale"], "Image Upscale",
        "@image model", "model width|image height|image @image?")),
    op("images.removeBackground", "images/background-removals", "img-rmbg", rules(&["img-rmbg"], "Image Background Removal",
        "@image model", "model width|image height|image @image?")),
    op("images.ocr", "images/ocr", "img2txt", Rules { enums: &[("format", &["text", "json"])], ..rules(&["img2txt"], "Image To Text",
        "@image model language? format? return_result_in_response?", "model width|image height|image @image? language? format?") }),
    op("videos.generate", "videos/generations", "txt2video", rules(&["txt2video"], "Text To Video",
        "prompt model width height guidance steps frames fps seed negative_prompt? enhance_prompt?2",
        "model width height frames steps fps")),
    op("videos.animate", "videos/animations", "img2video", rules(&["img2video"], "Image To Video",
        "prompt model @first_frame_image @last_frame_image? width height guidance steps frames fps seed negative_prompt? enhance_prompt?2",
        "model width height frames steps fps")),
    op("videos.audioSync", "videos/audio-syncs", "aud2video", rules(&["audio2video"], "Audio To Video",
        "prompt @audio model width height seed frames fps negative_prompt? @first_frame_image? @last_frame_image? guidance? steps?",
        "model width height frames fps steps?")),
    op("videos.upscale", "videos/upscales", "vid-upscale", Rules {
        prohibited_unless: &[("scale", "supports_scale")],
        min: &[("duration", 0.1)],
        ..rules(&["vid-upscale"], "Video Upscale", "@video model scale?", "model width|video height|video @video? duration? scale?")
    }),
    op("videos.removeBackground", "videos/background-removals", "vid-rmbg", rules(&["vid-rmbg"], "Video Background Removal",
        "@video model", "model width|video height|video @video?")),
    Op {
        v1_price: Some("videos/replace/price"),
        ..op("videos.replace", "videos/replacements", "videos/replace", Rules { together: &[&["width", "height"]], ..rules(&["video-replace"], "Video Replace",
            "@video @ref_image model prompt? width? height? steps? seed?", "model duration|video @video? width? height?") })
    },
    op("audio.speech", "audio/speech", "txt2audio", Rules {
        enums: &[("format", FORMATS), ("mode", &["custom_voice", "voice_clone", "voice_design"])],
        required_if: &[("voice", "mode", "custom_voice"), ("instruct", "mode", "voice_design"), ("ref_audio", "mode", "voice_clone")],
        ..rules(&["txt2audio"], "Text To Audio", "text model lang speed format sample_rate mode? voice? instruct? @ref_audio? ref_text?",
            "model lang speed format sample_rate text|count_text count_text? mode? voice? instruct?")
    }),
    op("audio.music", "audio/music", "txt2music", Rules { enums: &[("format", FORMATS)], int_in: &[("timesignature", &[2.0, 3.0, 4.0, 6.0])], ..rules(&["txt2music"], "Text To Music",
        "caption model lyrics duration inference_steps guidance_scale seed format bpm? keyscale? timesignature? vocal_language? @reference_audio?",
        "model duration inference_steps") }),
    Op {
        v1_routes: &[
            legacy("video_url", "vid2txt", "vid2txt/price-calculation", &["video2text"], "Video To Text",
                "video_url include_ts model return_result_in_response?", "video_url|duration_seconds duration_seconds? include_ts model"),
            legacy("audio_url", "aud2txt", "aud2txt/price-calculation", &["audio2text"], "Audio To Text",
                "audio_url include_ts model return_result_in_response?", "audio_url|duration_seconds duration_seconds? include_ts model"),
            legacy("audio", "audiofile2txt", "audiofile2txt/price-calculation", &["audio_file2text"], "Audio File To Text",
                "@audio include_ts model return_result_in_response?", "@audio|duration_seconds duration_seconds? include_ts model"),
            legacy("video", "videofile2txt", "videofile2txt/price-calculation", &["video_file2text"], "Video File To Text",
                "@video include_ts model return_result_in_response?", "@video|duration_seconds duration_seconds? include_ts model"),
        ],
        ..op("audio.transcribe", "audio/transcriptions", "transcribe", Rules {
            enums: &[("ts_level", &["segment", "word", "char"]), ("platform", &["youtube", "twitter", "twitch", "kick", "tiktok"])],
            exclusive: &[&["source_url", "source_file"]],
            max_len: &[("lang", 16)],
            ..rules(TRANSCRIBE_TYPES, "Transcription",
                "source_url|source_file @source_file? include_ts model return_result_in_response? ts_level?2 diarize?2 lang?2 include_metadata?2",
                "duration_seconds|source_url|source_file source_url? @source_file? include_ts model ts_level?2 diarize?2 lang?2 include_metadata?2 platform?2")
        })
    },
    op("embeddings.create", "embeddings", "txt2embedding", Rules { max_items: &[("input", 2048)], ..rules(&["txt2embedding"], "Text To Embedding",
        "input model return_result_in_response?", "input model") }),
    Op {
        v1: None,
        sync: true,
        multipart: true,
        ..op("prompts.enhance", "prompts/enhancements", "", Rules {
            enums: &[("type", &["images.generations", "images.edits", "videos.generations", "videos.animations", "audio.speech", "audio.music"])],
            ..rules(&[], "Prompt Enhancement", "prompt type model_slug negative_prompt?", "prompt type model_slug negative_prompt?")
        })
    },
];

pub fn find_op(name: &str) -> Option<&'static Op> {
    OPS.iter().find(|op| op.name == name)
}

/// Every request the client makes.
#[derive(Clone, Copy, Debug, PartialEq)]
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
    /// The rate-limit bucket (deapi-api.md §4.3): each submit resource has its own, every price
    /// endpoint shares one, job status has one; models and balance are not limited.
    pub fn bucket(&self) -> &'static str {
        match self {
            Endpoint::Submit(op) => op.v2,
            Endpoint::Price(_) => "price",
            Endpoint::Job(_) => "jobs",
            Endpoint::Models => "models",
            Endpoint::Balance => "balance",
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
                        let path = match (op.route(version, params), price) {
                            (Some(r), false) => r.path.to_owned(),
                            (Some(r), true) => r.price.to_owned(),
                            (None, false) => v1_path.to_owned(),
                            (None, true) => op.v1_price.map_or_else(|| [v1_path, "/price-calculation"].concat(), str::to_owned),
                        };
                        [ApiVersion::V1.prefix(), &path].concat()
                    }
                    _ => {
                        let suffix = if price { "/price" } else { "" };
                        [ApiVersion::V2.prefix(), op.v2, suffix].concat()
                    }
                }
            }
            Endpoint::Models => [version.prefix(), "models"].concat(),
            Endpoint::Balance => [version.prefix(), if v1 { "balance" } else { "account/balance" }].concat(),
            Endpoint::Job(id) => {
                let base = if v1 { "request-status/" } else { "jobs/" };
                [version.prefix(), base, &encode_component(id)].concat()
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
    use crate::core::json::parse;

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
