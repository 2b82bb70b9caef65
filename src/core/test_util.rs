//! Helpers the native tests share (test builds only).

use crate::core::error::ApiError;
use crate::core::json::{parse_json, Json};

/// A JSON text as a value. The text is the test's own: one that is not JSON is the test's bug.
pub fn j(text: &str) -> Json {
    parse_json(text).unwrap_or_else(|| panic!("not JSON: {text}"))
}

/// An object from its members, in order.
pub fn obj(members: &[(&str, Json)]) -> Json {
    Json::Obj(members.iter().map(|(k, v)| ((*k).to_owned(), v.clone())).collect())
}

/// An error's field errors as `(field, message)` pairs, in order.
pub fn pairs(e: &ApiError) -> Vec<(&str, &str)> {
    e.errors.iter().map(|f| (f.field.as_str(), f.message.as_str())).collect()
}
