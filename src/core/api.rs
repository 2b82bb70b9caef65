//! deAPI's operations as data: one row per operation, and the utility endpoints
//! (deapi-api.md §2.1).
//!
//! The JS facade builds its namespaces from [`OPS`] (`images.generate`, `images.generatePrice`, …),
//! so a new operation is one new row here (plus its mock route and tests).
//!
//! Each row carries its validation [`Rules`], written after deAPI's published spec
//! (`tests/spec/openapi-v2.json`, `openapi-v1.json`): `tests/spec_rules.rs` checks them against it
//! both ways — every constraint the spec states is enforced here in deAPI's wording, and every rule
//! here is in the spec or in `tests/spec/corrections.json` `"rules"` — and names each difference by
//! operation and field.

use crate::core::json::Json;

/// deAPI's API origin: the default `baseUrl`.
pub const DEFAULT_BASE_URL: &str = "https://api.deapi.ai";

/// What a field's value must be (the spec's `type`; default a string).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Type {
    Str,
    /// `:int` (Laravel `integer`: a whole number or its text)
    Int,
    /// `:num` (Laravel `numeric`)
    Num,
    /// `:bool` (Laravel `boolean`: `true`/`false`/`1`/`0`/`"1"`/`"0"`)
    Bool,
    /// `:file` an upload
    File,
    /// `:files` a list of uploads (`images[]`)
    Files,
    /// `:loras` a list of `{name, weight}`
    Loras,
    /// `:texts` a string or a list of strings (`input`)
    Texts,
}

/// One token of a rule string (see [`Rules::submit`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Field {
    pub name: &'static str,
    /// `a|b|c`: the fields whose presence stands in for this one (`"b|c"`; empty when none).
    pub without: &'static str,
    pub ty: Type,
    pub optional: bool,
    /// `?2`: optional, and only sent to v2 (v1 does not know the field).
    pub v2_only: bool,
}

impl Field {
    /// `name[|other…][:type][?|?2]`, e.g. `width|image:int`, `images:files?`, `quality?2`.
    pub fn parse(token: &'static str) -> Field {
        let v2_only = token.ends_with("?2");
        let optional = v2_only || token.ends_with('?');
        let body = token.trim_end_matches('2').trim_end_matches('?');
        let (names, ty) = match body.split_once(':') {
            Some((names, ty)) => (names, ty),
            None => (body, ""),
        };
        let ty = match ty {
            "int" => Type::Int,
            "num" => Type::Num,
            "bool" => Type::Bool,
            "file" => Type::File,
            "files" => Type::Files,
            "loras" => Type::Loras,
            "texts" => Type::Texts,
            _ => Type::Str,
        };
        let (name, without) = names.split_once('|').unwrap_or((names, ""));
        Field { name, without, ty, optional, v2_only }
    }
    /// The fields named after `|`.
    pub fn others(&self) -> impl Iterator<Item = &'static str> {
        self.without.split('|').filter(|w| !w.is_empty())
    }
}

/// The webhook fields every job submission accepts (deapi-api.md §2.3), after the operation's own.
pub const WEBHOOKS: &str = "webhook_url? webhook_secret?2";
/// Shortest and longest lengths in characters, when there is one.
pub type LenBounds = (Option<usize>, Option<usize>);
/// The webhook fields' lengths: the URL ≤ 2048, the secret 32–255.
pub const WEBHOOK_LEN: &[(&str, LenBounds)] = &[("webhook_url", (None, Some(2048))), ("webhook_secret", (Some(32), Some(255)))];

/// The validation rules of one operation.
#[derive(Debug, PartialEq)]
pub struct Rules {
    /// The submit call's fields in the order deAPI checks them (the spec's property order), one
    /// token each: `name` required, `name?` optional, `name?2` optional and v2 only, `a|b` a is
    /// required when b is not present, `:int`/`:num`/`:bool`/`:file`/`:files`/`:loras`/`:texts`
    /// the value's type (a string when none); see [`Field::parse`].
    pub submit: &'static str,
    /// The price call's fields, written the same way.
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
    /// Fixed lower bounds (the spec's `minimum`); a model's `info.limits.min_<field>` may be stricter.
    pub min: &'static [(&'static str, f64)],
    /// Fixed upper bounds (the spec's `maximum`); a model's `max_<field>` may be stricter.
    pub max: &'static [(&'static str, f64)],
    /// Shortest strings, in characters (`minLength`).
    pub min_len: &'static [(&'static str, usize)],
    /// Longest strings, in characters (`maxLength`).
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
            max: &[],
            min_len: &[],
            max_len: &[],
            max_items: &[],
            prohibited_unless: &[],
        }
    }
    /// The fields of the submit call (`price` false: with the webhook fields unless `sync`) or of
    /// the price call, in order.
    pub fn fields(&self, price: bool, sync: bool) -> impl Iterator<Item = Field> {
        let own = if price { self.price } else { self.submit };
        let webhooks = if price || sync { "" } else { WEBHOOKS };
        own.split(' ').chain(webhooks.split(' ')).filter(|t| !t.is_empty()).map(Field::parse)
    }
}

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
/// The spec's `minimum: 1` on a video's steps, frames and fps.
const VIDEO_MIN: &[(&str, f64)] = &[("steps", 1.0), ("frames", 1.0), ("fps", 1.0)];
const VIDEO_PRICE: &str = "width:int height:int steps:int frames:int fps:int model";

// Fields, types, bounds and lists as deAPI's spec states them (tests/spec/openapi-v2.json, v1 for
// the v1-only routes), in its property order; where deAPI does otherwise, tests/spec/corrections.json
// "rules" says what and why. tests/spec_rules.rs holds the two to each other.
pub const OPS: &[Op] = &[
    op("images.generate", "images/generations", "txt2img", Rules { min: &[("steps", 1.0)], ..rules(&["txt2img"], "Text To Image",
        "prompt negative_prompt? model loras:loras? width:int height:int guidance:num steps:int quality?2 seed:int enhance_prompt:bool?2",
        "prompt negative_prompt? model loras:loras? width:int height:int guidance:num steps:int quality?2 seed:int") }),
    op("images.edit", "images/edits", "img2img", Rules { exclusive: &[&["image", "images"]], min: &[("steps", 1.0)], ..rules(&["img2img"], "Image To Image",
        "image|images:file images:files? prompt negative_prompt? width:int? height:int? model loras:loras? guidance:num? steps:int quality?2 seed:int enhance_prompt:bool?2",
        "prompt negative_prompt? model loras:loras? guidance:num? steps:int quality?2 seed:int") }),
    op("images.upscale", "images/upscales", "img-upscale", rules(&["img-upscale"], "Image Upscale",
        "image:file model", "image:file? width|image:int height|image:int model")),
    op("images.removeBackground", "images/background-removals", "img-rmbg", rules(&["img-rmbg"], "Image Background Removal",
        "image:file model", "image:file? width|image:int height|image:int model")),
    op("images.ocr", "images/ocr", "img2txt", Rules { enums: &[("format", &["text", "json"])], ..rules(&["img2txt"], "Image To Text",
        "image:file model language? format? return_result_in_response:bool?", "image:file? width|image:int height|image:int model language? format?") }),
    op("videos.generate", "videos/generations", "txt2video", Rules { min: VIDEO_MIN, ..rules(&["txt2video"], "Text To Video",
        "prompt negative_prompt? width:int height:int guidance:num steps:int frames:int fps:int seed:int enhance_prompt:bool?2 model", VIDEO_PRICE) }),
    op("videos.animate", "videos/animations", "img2video", Rules { min: VIDEO_MIN, ..rules(&["img2video"], "Image To Video",
        "prompt negative_prompt? first_frame_image:file last_frame_image:file? width:int height:int guidance:num steps:int frames:int fps:int seed:int enhance_prompt:bool?2 model",
        VIDEO_PRICE) }),
    op("videos.audioSync", "videos/audio-syncs", "aud2video", Rules { min: VIDEO_MIN, ..rules(&["audio2video"], "Audio To Video",
        "prompt negative_prompt? audio:file first_frame_image:file? last_frame_image:file? width:int height:int guidance:num? steps:int? frames:int fps:int seed:int model",
        "width:int height:int steps:int? frames:int fps:int model") }),
    op("videos.upscale", "videos/upscales", "vid-upscale", Rules {
        prohibited_unless: &[("scale", "supports_scale")],
        min: &[("duration", 0.1), ("scale", 1.0)],
        max: &[("scale", 16.0)],
        ..rules(&["vid-upscale"], "Video Upscale", "video:file model scale:int?", "video:file? width|video:int height|video:int duration:num? model scale:int?")
    }),
    op("videos.removeBackground", "videos/background-removals", "vid-rmbg", rules(&["vid-rmbg"], "Video Background Removal",
        "video:file model", "video:file? width|video:int height|video:int model")),
    Op {
        v1_price: Some("videos/replace/price"),
        ..op("videos.replace", "videos/replacements", "videos/replace", Rules { together: &[&["width", "height"]], ..rules(&["video-replace"], "Video Replace",
            "video:file ref_image:file prompt? width:int? height:int? steps:int? seed:int? model", "video:file? duration|video:num width:int? height:int? model") })
    },
    op("audio.speech", "audio/speech", "txt2audio", Rules {
        enums: &[("mode", &["custom_voice", "voice_clone", "voice_design"]), ("format", FORMATS)],
        required_if: &[("voice", "mode", "custom_voice"), ("ref_audio", "mode", "voice_clone"), ("instruct", "mode", "voice_design")],
        ..rules(&["txt2audio"], "Text To Audio", "text model mode? voice? lang speed:num format sample_rate:num ref_audio:file? ref_text? instruct?",
            "text|count_text count_text:int? model mode? voice? lang speed:num format sample_rate:num instruct?")
    }),
    op("audio.music", "audio/music", "txt2music", Rules {
        enums: &[("format", FORMATS)],
        int_in: &[("timesignature", &[2.0, 3.0, 4.0, 6.0])],
        min_len: &[("lyrics", 1)],
        ..rules(&["txt2music"], "Text To Music",
            "caption model lyrics duration:num bpm:int? keyscale? timesignature:int? vocal_language? inference_steps:int guidance_scale:num seed:int format reference_audio:file?",
            "model duration:num inference_steps:int")
    }),
    Op {
        v1_routes: &[
            legacy("video_url", "vid2txt", "vid2txt/price-calculation", &["video2text"], "Video To Text",
                "video_url include_ts:bool model return_result_in_response:bool?", "video_url|duration_seconds include_ts:bool model duration_seconds:num?"),
            legacy("audio_url", "aud2txt", "aud2txt/price-calculation", &["audio2text"], "Audio To Text",
                "audio_url include_ts:bool model return_result_in_response:bool?", "audio_url|duration_seconds duration_seconds:num? include_ts:bool model"),
            legacy("audio", "audiofile2txt", "audiofile2txt/price-calculation", &["audio_file2text"], "Audio File To Text",
                "audio:file include_ts:bool model return_result_in_response:bool?", "audio|duration_seconds:file duration_seconds:int? include_ts:bool model"),
            legacy("video", "videofile2txt", "videofile2txt/price-calculation", &["video_file2text"], "Video File To Text",
                "video:file include_ts:bool model return_result_in_response:bool?", "video|duration_seconds:file duration_seconds:int? include_ts:bool model"),
        ],
        ..op("audio.transcribe", "audio/transcriptions", "transcribe", Rules {
            enums: &[("ts_level", &["segment", "word", "char"]), ("platform", &["youtube", "twitter", "twitch", "kick", "tiktok"])],
            exclusive: &[&["source_url", "source_file"]],
            max_len: &[("lang", 16)],
            ..rules(TRANSCRIBE_TYPES, "Transcription",
                "source_url|source_file source_file:file? include_ts:bool ts_level?2 diarize:bool?2 lang?2 model include_metadata:bool?2 return_result_in_response:bool?",
                "source_url|source_file|duration_seconds source_file:file? duration_seconds:num? include_ts:bool ts_level?2 diarize:bool?2 lang?2 include_metadata:bool?2 platform?2 model")
        })
    },
    op("embeddings.create", "embeddings", "txt2embedding", Rules { max_items: &[("input", 2048)], ..rules(&["txt2embedding"], "Text To Embedding",
        "input:texts model return_result_in_response:bool?", "input:texts model") }),
    Op {
        v1: None,
        sync: true,
        multipart: true,
        ..op("prompts.enhance", "prompts/enhancements", "", Rules {
            enums: &[("type", &["images.generations", "images.edits", "videos.generations", "videos.animations", "audio.speech", "audio.music"])],
            min_len: &[("prompt", 3), ("negative_prompt", 3)],
            ..rules(&[], "Prompt Enhancement", "prompt negative_prompt? type model_slug", "prompt negative_prompt? type model_slug")
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
    use crate::core::test_util::j;

    fn paths(name: &str, params: &str) -> [String; 4] {
        let op = find_op(name).unwrap();
        let p = j(params);
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
