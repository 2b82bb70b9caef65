//! Laravel's wording (pure): how deAPI's server words a field in its validation messages, so
//! that the client-side checks ([`crate::core::validate`], [`crate::core::request`]) and the error
//! decoder ([`crate::core::error`]) say what a server 422 would.

/// "The `<field>` field `<tail…>`": Laravel's wording, the head of most of its messages (written in this
/// one place, for the client-side checks and the error decoder alike).
pub fn field_message(field: &str, tail: &[&str]) -> String {
    let mut message = ["The ", &attr(field), " field "].concat();
    message.push_str(&tail.concat());
    message
}

/// A field name as Laravel writes it in messages (`negative_prompt` → `negative prompt`).
pub fn attr(field: &str) -> String {
    // an ASCII byte for an ASCII byte keeps the text UTF-8 (so the fallback is never taken)
    String::from_utf8(field.bytes().map(|b| if b == b'_' { b' ' } else { b }).collect()).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn laravel_wording() {
        assert_eq!(attr("negative_prompt"), "negative prompt");
        assert_eq!(attr("loras.0.weight"), "loras.0.weight");
        assert_eq!(field_message("guidance_scale", &["must be at least ", "1", "."]), "The guidance scale field must be at least 1.");
    }
}
