//! Real-world inputs: the strategies start from them (mutated as trees and as bytes), and the fuzz
//! targets use them as their dictionary.


pub const SEEDS: &[&str] = &[
    r#"{"message":"The width field must be at least 512. (and 2 more errors)","errors":{"width":["The width field must be at least 512."],"height":["The height field must be at least 512."],"steps":["The steps field must be at least 8."]}}"#,
    r#"{"data":null,"message":"The prompt field is required.","errors":[{"field":"prompt","messages":["The prompt field is required."]}],"statusCode":422}"#,
    r#"{"data":null,"message":"Unauthenticated.","errors":[],"statusCode":401}"#,
    r#"{"message":"Unauthenticated."}"#,
    r#"{"message":"Your account has been suspended."}"#,
    r#"{"message":"No query results for the requested resource."}"#,
    r#"{"message":"Too Many Attempts."}"#,
    r#"{"message":"Server Error"}"#,
    r#"{"message":"Not enough balance.","errors":{"balance":["Not enough balance."]}}"#,
    r#"{"message":"The selected model does not exist.","errors":{"model":["The selected model does not exist."]}}"#,
    r#"{"message":"Model 'WhisperLargeV3Ct2' does not support ts_level 'char'. Supported levels: segment, word.","errors":{"ts_level":["Model 'WhisperLargeV3Ct2' does not support ts_level 'char'. Supported levels: segment, word."]}}"#,
    r#"{"error":{"message":"bad mask","type":"invalid_request_error"}}"#,
    r#"<html><head><title>502 Bad Gateway</title></head><body><center><h1>502 Bad Gateway</h1></center><hr><center>cloudflare</center></body></html>"#,
    r#"{"data":{"request_id":"c08a339c-73e5-4d67-a4d5-231302fbff9a"}}"#,
    r#"{"data":{"price":0.0123}}"#,
    r#"{"data":{"price":"0.5","is_estimated":true}}"#,
    r#"{"data":{"balance":19.72}}"#,
    r#"{"prompt":"a vivid red fox in the snow, golden hour","negative_prompt":null}"#,
    r#"{"data":{"status":"processing","progress":"45.50","preview":"https://x/preview.jpg"}}"#,
    r#"{"data":{"status":"done","progress":100,"result_url":"https://results.deapi.ai/a.png?X-Amz-Signature=x","results_alt_formats":{"jpg":"j","webp":"w"},"price":{"amount":0.0123,"is_estimated":false}}}"#,
    r#"{"data":{"status":"error","error_code":"PROCESSING_ERROR","error_message":"age-restricted","error_reason":"SOURCE_RESTRICTED","retryable":false,"refunded":"1","failed_at":"2026-06-16T09:30:00+00:00"}}"#,
    r#"{"data":{"status":"done","result":"text","transcription":{"language":"en","ts_level":"segment","diarization_available":false,"structured":true},"prompt_boosted":true,"prompt_boost":{"prompt":"p","prompt_original":"o"}}}"#,
    r#"{"data":[{"name":"Flux","slug":"Flux1schnell","inference_types":["txt2img"],"info":{"limits":{"min_width":"256","max_width":2048,"resolution_step":16,"max_steps":10,"timestamp_levels":["segment"]},"features":{"supports_guidance":"0","supports_steps":true},"defaults":{"steps":"4","voice":"af_sky"}}},{"name":"Odd","slug":"Odd","inference_types":{"txt2img":{},"img2img":{"x":1}},"info":[]},"junk",{"slug":"Bare"}],"links":{"first":"f","last":"l","prev":null,"next":"n"},"meta":{"current_page":1,"last_page":"2","per_page":50,"total":60}}"#,
    r#"{"data":[{"name":"Kokoro","slug":"Kokoro","inference_types":["txt2audio"],"tags":["new"],"status":"standard_model","info":{"limits":{"min_text":3,"max_text":5000,"min_speed":0.5,"max_speed":2},"defaults":{"lang":"en-us","voice":"af_sky","speed":1,"format":"mp3","sample_rate":24000}},"languages":[{"name":"English","slug":"en-us","voices":[{"name":"Sky","slug":"af_sky","gender":"f"}]}],"loras":null}],"meta":{"current_page":1,"last_page":1}}"#,
    r#"{"event":"job.completed","delivery_id":"5f0c6a2e-8d4b-4b8e-9f51-0a7c1e2d3b4f","timestamp":"2026-08-07T11:43:14+00:00","data":{"job_request_id":"c0ffee00-1111-2222-3333-444455556666","status":"done","previous_status":"processing","job_type":"txt2img","result_url":"https:\/\/storage.deapi.ai\/results\/fox.png?X-Amz-Signature=abc"}}"#,
    "",
    "null",
    "[]",
    "Too Many Requests",
];

pub const TOKENS: &[&str] = &[
    "{", "}", "[", "]", ":", ",", "null", "true", "false", "\"", "\"message\":", "\"errors\":", "\"data\":", "\"status\":",
    "\"progress\":", "\"info\":", "\"limits\":", "\"inference_types\":", "\"price\":", "\"request_id\":", "1e999", "-0", "\\u0000",
    "\\ud800", "\\/", "0.0000001", "18446744073709551616", "[[[[[[[[", "{\"a\":{\"a\":{\"a\":",
];

pub const RT_CHANNEL: &str = "private-client.42";

/// Real frames as soketi sends them (deAPI's events double-encoded), the seeds of `realtime_frames`.
pub const RT_SEEDS: &[&str] = &[
    r#"{"event":"pusher:connection_established","data":"{\"socket_id\":\"123456.789012\",\"activity_timeout\":30}"}"#,
    r#"{"event":"pusher_internal:subscription_succeeded","channel":"private-client.42"}"#,
    r#"{"event":"pusher:subscription_error","channel":"private-client.42","data":{"type":"AuthError","error":"The connection is unauthorized.","status":401}}"#,
    r#"{"event":"pusher:pong","data":{}}"#,
    r#"{"event":"pusher:ping","data":{}}"#,
    r#"{"event":"pusher:error","data":{"code":4200,"message":"Server is closing. Please reconnect shortly."}}"#,
    r#"{"event":"request.status.updated","channel":"private-client.42","data":"{\"request_id\":\"123e4567-e89b-12d3-a456-426614174000\",\"status\":\"in_progress\",\"preview\":\"data:image\/jpeg;base64,\/9j\/4AAQSkZJRg\",\"result_url\":null,\"progress\":\"45.50\"}"}"#,
    r#"{"event":"request.status.updated","channel":"private-client.42","data":"{\"request_id\":\"c08a339c-73e5\",\"status\":\"done\",\"preview\":null,\"result_url\":\"https:\/\/r.test\/a.png?sig=1\",\"progress\":\"100.00\"}"}"#,
    r#"{"event":"request.status.updated","channel":"private-client.42","data":{"request_id":"c08a339c-73e5","status":"processing","progress":null}}"#,
];
