//! A `serde_json::Value` (a result in the core's JSON shape) → the JavaScript value that
//! `JSON.parse` would give for its text, built directly (no text in between). Keys keep their
//! order, so `JSON.stringify` of the object is the text `score` returns.

#![allow(unsafe_code)]

use napi::bindgen_prelude::{Env, Unknown};
use napi::{Error, Result, Status, sys};
use std::ptr;

fn check(status: sys::napi_status, what: &str) -> Result<()> {
    if status == sys::Status::napi_ok {
        Ok(())
    } else {
        Err(Error::new(
            Status::GenericFailure,
            format!("could not create a JavaScript {what}"),
        ))
    }
}

fn len(s: &str) -> isize {
    isize::try_from(s.len()).unwrap_or(isize::MAX)
}

/// Objects and arrays nested deeper than this are not built (results nest a few levels).
const MAX_DEPTH: usize = 64;

fn build(env: sys::napi_env, value: &serde_json::Value, depth: usize) -> Result<sys::napi_value> {
    use serde_json::Value as V;
    let mut out = ptr::null_mut();
    match value {
        V::Null => check(unsafe { sys::napi_get_null(env, &mut out) }, "null")?,
        V::Bool(b) => check(
            unsafe { sys::napi_get_boolean(env, *b, &mut out) },
            "boolean",
        )?,
        V::Number(n) => {
            // As JSON.parse reads the number's text.
            let f = n
                .as_f64()
                .unwrap_or_else(|| n.to_string().parse().unwrap_or(f64::NAN));
            check(
                unsafe { sys::napi_create_double(env, f, &mut out) },
                "number",
            )?
        }
        V::String(s) => check(
            unsafe { sys::napi_create_string_utf8(env, s.as_ptr().cast(), len(s), &mut out) },
            "string",
        )?,
        V::Array(items) if depth < MAX_DEPTH => {
            check(
                unsafe { sys::napi_create_array_with_length(env, items.len(), &mut out) },
                "array",
            )?;
            for (i, item) in items.iter().enumerate() {
                let v = build(env, item, depth.saturating_add(1))?;
                let i = u32::try_from(i).unwrap_or(u32::MAX);
                check(unsafe { sys::napi_set_element(env, out, i, v) }, "array")?;
            }
        }
        V::Object(map) if depth < MAX_DEPTH => {
            check(unsafe { sys::napi_create_object(env, &mut out) }, "object")?;
            for (k, item) in map {
                let mut key = ptr::null_mut();
                check(
                    unsafe {
                        sys::napi_create_string_utf8(env, k.as_ptr().cast(), len(k), &mut key)
                    },
                    "string",
                )?;
                let v = build(env, item, depth.saturating_add(1))?;
                check(
                    unsafe { sys::napi_set_property(env, out, key, v) },
                    "object",
                )?;
            }
        }
        V::Array(_) | V::Object(_) => {
            return Err(Error::new(
                Status::GenericFailure,
                "a result nests too deep to build",
            ));
        }
    }
    Ok(out)
}

/// `value` as a JavaScript value.
pub fn to_js<'env>(env: &'env Env, value: &serde_json::Value) -> Result<Unknown<'env>> {
    let raw = build(env.raw(), value, 0)?;
    Ok(unsafe { Unknown::from_raw_unchecked(env.raw(), raw) })
}
