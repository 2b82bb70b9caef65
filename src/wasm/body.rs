//! A request's body as fetch takes it ([`body_of`]): the JSON text the runtime's `JSON.stringify`
//! writes, or a `FormData` of the plan's parts — text, numbers as the runtime writes them, and the
//! uploads as Blobs with a file name (a Blob without a type sniffed from its first bytes; what each
//! part is was decided by `core::plan`).

use super::convert::{get, number_text, to_js};
use super::errors::invalid_options;
use crate::core::plan::{file_type, FormPart, Plan, PlanBody};
use js_sys::{Array, Uint8Array};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;
use web_sys::{Blob, BlobPropertyBag, FormData};

/// The multipart body of a plan: text parts, numbers as the runtime writes them, uploads as Blobs
/// with a file name (a Blob without a type is sniffed from its first bytes).
async fn form_data(parts: &[(String, FormPart)], uploads: &[JsValue]) -> Result<FormData, JsValue> {
    let fd = FormData::new()?;
    for (name, part) in parts {
        match part {
            FormPart::Text(t) => fd.append_with_str(name, t)?,
            FormPart::Num(n) => fd.append_with_str(name, &number_text(*n))?,
            FormPart::Missing => fd.append_with_str(name, "null")?,
            FormPart::File { index, wrapper, mime, filename, reuse } => {
                let raw = uploads.get(*index).cloned().unwrap_or(JsValue::UNDEFINED);
                let data = if *wrapper { get(&raw, "data") } else { raw };
                let (mime, made_name) = match (mime, filename) {
                    (Some(m), Some(f)) => (m.clone(), f.clone()),
                    _ => {
                        let head = if mime.is_some() {
                            Vec::new()
                        } else {
                            let blob: &Blob = data.unchecked_ref();
                            let first = blob.slice_with_i32_and_i32(0, 16)?;
                            Uint8Array::new(&JsFuture::from(first.array_buffer()).await?).to_vec()
                        };
                        file_type(&head, mime.as_deref(), name)
                    }
                };
                let filename = filename.clone().unwrap_or(made_name);
                let blob: Blob = if *reuse {
                    data.unchecked_into()
                } else {
                    let bag = BlobPropertyBag::new();
                    bag.set_type(&mime);
                    Blob::new_with_u8_array_sequence_and_options(&Array::of1(&data), &bag)?
                };
                fd.append_with_blob_and_filename(name, &blob, &filename)?;
            }
        }
    }
    Ok(fd)
}

/// The request's body as fetch takes it.
pub async fn body_of(plan: &Plan, uploads: &[JsValue]) -> Result<Option<JsValue>, JsValue> {
    match &plan.body {
        None => Ok(None),
        // One JS value made by serde-wasm-bindgen, written by the runtime's JSON.stringify (it cannot
        // throw on it: plain objects, arrays, strings, finite numbers, booleans and nulls only).
        Some(PlanBody::Json(j)) => match js_sys::JSON::stringify(&to_js(j)) {
            Ok(text) => Ok(Some(text.into())),
            Err(cause) => Err(invalid_options("Invalid option `params`: could not be encoded as JSON", Some(&cause))),
        },
        Some(PlanBody::Form(parts)) => match form_data(parts, uploads).await {
            Ok(fd) => Ok(Some(fd.into())),
            Err(cause) => Err(invalid_options("Invalid option `params`: could not be encoded as multipart/form-data", Some(&cause))),
        },
    }
}
