//! JavaScript values → owned copies of the core's [`Cell`]s, read straight from the engine
//! (no JSON text). What a cell *means* — a number, an id, no value, a bad value — is the core's
//! one policy ([`Cell::number`], [`Cell::text`]); here only JavaScript's types are named, the
//! way `JSON.stringify` would have written them for `score`:
//!
//! - `null`, `undefined` (and functions, symbols) → no value;
//! - a string → text; a boolean → a bool;
//! - a number → a float, taken by its shortest round-trip text (NaN and ±Infinity stay
//!   themselves, and the core refuses them as `invalid_number`);
//! - a BigInt → its decimal digits, as text (exact);
//! - an object with a `toJSON` method (a `Date`, a decimal library's number) → what that
//!   method returns, read by the same rules; an array → a value of type `array`; any other
//!   object → a value of type `object` (both refused as `invalid_type` where a number or an id
//!   is expected).
//!
//! Reading uses the raw Node-API calls: one element or property read, one type check and one
//! value copy per cell, in a handle scope per block of values so that a large slice holds no
//! more than a few thousand handles at once.

#![allow(unsafe_code)]

use kpichain::Cell;
use napi::sys;
use std::ffi::CString;
use std::ptr;

/// One value as JavaScript gave it, owned (it outlives the call that read it, and crosses to
/// the thread pool).
#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    /// `null`, `undefined`, a function or a symbol.
    Null,
    /// A string, or the digits of a BigInt.
    Text(Box<str>),
    /// A number.
    Float(f64),
    /// A boolean.
    Bool(bool),
    /// An array (`array`) or another object (`object`).
    Other(&'static str),
}

impl Value {
    /// The core's cell for this value.
    pub fn cell(&self) -> Cell<'_> {
        match self {
            Value::Null => Cell::Null,
            Value::Text(t) => Cell::Text(t),
            Value::Float(f) => Cell::Float(*f),
            Value::Bool(b) => Cell::Bool(*b),
            Value::Other(t) => Cell::Other(t),
        }
    }
}

/// A failed Node-API call (the engine is shutting down, or a getter threw).
#[derive(Debug)]
pub struct Failed(pub &'static str);

type Read<T> = Result<T, Failed>;

fn check(status: sys::napi_status, what: &'static str) -> Read<()> {
    if status == sys::Status::napi_ok {
        Ok(())
    } else {
        Err(Failed(what))
    }
}

/// The engine and the handle of one JavaScript value, valid for the current call.
#[derive(Clone, Copy)]
pub struct Js {
    env: sys::napi_env,
}

/// Values read in one handle scope before it is closed and a new one opened.
const BLOCK: u32 = 2048;

impl Js {
    /// For the engine of the current call.
    pub fn new(env: sys::napi_env) -> Js {
        Js { env }
    }

    fn type_of(self, v: sys::napi_value) -> Read<sys::napi_valuetype> {
        let mut t = 0;
        check(unsafe { sys::napi_typeof(self.env, v, &mut t) }, "typeof")?;
        Ok(t)
    }

    /// The length of `array`; `None` when it is not an array.
    pub fn array_len(self, array: sys::napi_value) -> Read<Option<u32>> {
        let mut is = false;
        check(
            unsafe { sys::napi_is_array(self.env, array, &mut is) },
            "is_array",
        )?;
        if !is {
            return Ok(None);
        }
        let mut n = 0u32;
        check(
            unsafe { sys::napi_get_array_length(self.env, array, &mut n) },
            "array length",
        )?;
        Ok(Some(n))
    }

    fn element(self, array: sys::napi_value, i: u32) -> Read<sys::napi_value> {
        let mut v = ptr::null_mut();
        check(
            unsafe { sys::napi_get_element(self.env, array, i, &mut v) },
            "array element",
        )?;
        Ok(v)
    }

    fn named(self, object: sys::napi_value, name: &str) -> Read<sys::napi_value> {
        let name = CString::new(name).map_err(|_| Failed("property name"))?;
        let mut v = ptr::null_mut();
        check(
            unsafe { sys::napi_get_named_property(self.env, object, name.as_ptr(), &mut v) },
            "property",
        )?;
        Ok(v)
    }

    /// A string's text.
    pub fn string(self, v: sys::napi_value) -> Read<String> {
        let mut len = 0usize;
        check(
            unsafe { sys::napi_get_value_string_utf8(self.env, v, ptr::null_mut(), 0, &mut len) },
            "string length",
        )?;
        let mut buf = vec![0u8; len.saturating_add(1)];
        let mut written = 0usize;
        check(
            unsafe {
                sys::napi_get_value_string_utf8(
                    self.env,
                    v,
                    buf.as_mut_ptr().cast(),
                    buf.len(),
                    &mut written,
                )
            },
            "string",
        )?;
        buf.truncate(written);
        // Lone surrogates come out as U+FFFD, as JSON.stringify + a UTF-8 reader would give.
        Ok(String::from_utf8(buf)
            .unwrap_or_else(|e| String::from_utf8_lossy(e.as_bytes()).into_owned()))
    }

    fn bigint_digits(self, v: sys::napi_value) -> Read<String> {
        let mut sign = 0;
        let mut count = 0usize;
        check(
            unsafe {
                sys::napi_get_value_bigint_words(
                    self.env,
                    v,
                    ptr::null_mut(),
                    &mut count,
                    ptr::null_mut(),
                )
            },
            "bigint size",
        )?;
        let mut words = vec![0u64; count.max(1)];
        check(
            unsafe {
                sys::napi_get_value_bigint_words(
                    self.env,
                    v,
                    &mut sign,
                    &mut count,
                    words.as_mut_ptr(),
                )
            },
            "bigint",
        )?;
        words.truncate(count);
        let digits = decimal_digits(words);
        Ok(if sign != 0 && digits != "0" {
            format!("-{digits}")
        } else {
            digits
        })
    }

    /// One value, by the rules of the module docs. `to_json` is false for the value a
    /// `toJSON` method returned (JSON.stringify calls it once, not again on its result).
    pub fn value(self, v: sys::napi_value) -> Read<Value> {
        self.value_with(v, true)
    }

    fn value_with(self, v: sys::napi_value, to_json: bool) -> Read<Value> {
        use sys::ValueType as T;
        Ok(match self.type_of(v)? {
            T::napi_number => {
                let mut f = 0f64;
                check(
                    unsafe { sys::napi_get_value_double(self.env, v, &mut f) },
                    "number",
                )?;
                Value::Float(f)
            }
            T::napi_string => Value::Text(self.string(v)?.into_boxed_str()),
            T::napi_boolean => {
                let mut b = false;
                check(
                    unsafe { sys::napi_get_value_bool(self.env, v, &mut b) },
                    "boolean",
                )?;
                Value::Bool(b)
            }
            T::napi_bigint => Value::Text(self.bigint_digits(v)?.into_boxed_str()),
            T::napi_object => {
                if self.array_len(v)?.is_some() {
                    return Ok(Value::Other("array"));
                }
                if to_json {
                    let method = self.named(v, "toJSON")?;
                    if self.type_of(method)? == T::napi_function {
                        let mut out = ptr::null_mut();
                        check(
                            unsafe {
                                sys::napi_call_function(
                                    self.env,
                                    v,
                                    method,
                                    0,
                                    ptr::null(),
                                    &mut out,
                                )
                            },
                            "toJSON",
                        )?;
                        return self.value_with(out, false);
                    }
                }
                Value::Other("object")
            }
            _ => Value::Null,
        })
    }

    /// The length of a column: an array or a typed array (`Float64Array`, `Int32Array`, …);
    /// `None` when it is neither.
    pub fn column_len(self, column: sys::napi_value) -> Read<Option<u32>> {
        if let Some(n) = self.array_len(column)? {
            return Ok(Some(n));
        }
        Ok(self
            .typed(column)?
            .map(|t| u32::try_from(t.len).unwrap_or(u32::MAX)))
    }

    fn typed(self, v: sys::napi_value) -> Read<Option<Typed>> {
        let mut is = false;
        check(
            unsafe { sys::napi_is_typedarray(self.env, v, &mut is) },
            "is_typedarray",
        )?;
        if !is {
            return Ok(None);
        }
        let mut kind = 0;
        let mut len = 0usize;
        let mut data = ptr::null_mut();
        let mut buffer = ptr::null_mut();
        let mut offset = 0usize;
        check(
            unsafe {
                sys::napi_get_typedarray_info(
                    self.env,
                    v,
                    &mut kind,
                    &mut len,
                    &mut data,
                    &mut buffer,
                    &mut offset,
                )
            },
            "typed array",
        )?;
        Ok(Some(Typed { kind, len, data }))
    }

    /// The values `column[from..to]` (an array or a typed array), appended to `out`.
    pub fn values(
        self,
        array: sys::napi_value,
        from: u32,
        to: u32,
        out: &mut Vec<Value>,
    ) -> Read<()> {
        out.reserve(usize::try_from(to.saturating_sub(from)).unwrap_or(0));
        if let Some(typed) = self.typed(array)? {
            typed.values(from, to, out);
            return Ok(());
        }
        let mut start = from;
        while start < to {
            let end = start.saturating_add(BLOCK).min(to);
            self.scoped(|| {
                for i in start..end {
                    out.push(self.value(self.element(array, i)?)?);
                }
                Ok(())
            })?;
            start = end;
        }
        Ok(())
    }

    /// The rows `array[from..to]`, each an object read as its own properties, appended to
    /// `out`; a row that is not an object is kept as what it is (the intake reports it).
    pub fn rows(
        self,
        array: sys::napi_value,
        from: u32,
        to: u32,
        names: &mut Names,
        out: &mut Vec<Row>,
    ) -> Read<()> {
        out.reserve(usize::try_from(to.saturating_sub(from)).unwrap_or(0));
        let mut start = from;
        while start < to {
            let end = start.saturating_add(BLOCK / 8).min(to);
            self.scoped(|| {
                for i in start..end {
                    let row = self.element(array, i)?;
                    out.push(self.row(row, names)?);
                }
                Ok(())
            })?;
            start = end;
        }
        Ok(())
    }

    /// One row: its own enumerable string-keyed properties, in their order. A nested
    /// `attributes` object of an assignment (the core's JSON shape) is flattened.
    fn row(self, row: sys::napi_value, names: &mut Names) -> Read<Row> {
        use sys::ValueType as T;
        match self.type_of(row)? {
            T::napi_object if self.array_len(row)?.is_none() => {}
            T::napi_object => return Ok(Row::Not("array")),
            T::napi_null | T::napi_undefined => return Ok(Row::Not("null")),
            T::napi_string => return Ok(Row::Not("string")),
            T::napi_number => return Ok(Row::Not("number")),
            T::napi_boolean => return Ok(Row::Not("bool")),
            _ => return Ok(Row::Not("value")),
        }
        let mut fields = Vec::new();
        self.fields(row, names, &mut fields, true)?;
        Ok(Row::Fields(fields))
    }

    fn fields(
        self,
        object: sys::napi_value,
        names: &mut Names,
        fields: &mut Vec<(u32, Value)>,
        nested: bool,
    ) -> Read<()> {
        let mut keys = ptr::null_mut();
        check(
            unsafe { sys::napi_get_property_names(self.env, object, &mut keys) },
            "property names",
        )?;
        let n = self.array_len(keys)?.unwrap_or(0);
        for k in 0..n {
            let key = self.element(keys, k)?;
            if self.type_of(key)? != sys::ValueType::napi_string {
                continue;
            }
            let name = self.string(key)?;
            let mut v = ptr::null_mut();
            check(
                unsafe { sys::napi_get_property(self.env, object, key, &mut v) },
                "property",
            )?;
            let t = self.type_of(v)?;
            // JSON.stringify leaves out undefined, functions and symbols.
            if matches!(
                t,
                sys::ValueType::napi_undefined
                    | sys::ValueType::napi_function
                    | sys::ValueType::napi_symbol
            ) {
                continue;
            }
            if nested
                && name == "attributes"
                && t == sys::ValueType::napi_object
                && self.array_len(v)?.is_none()
            {
                self.fields(v, names, fields, false)?;
                continue;
            }
            let value = self.value(v)?;
            fields.push((names.id(&name), value));
        }
        Ok(())
    }

    fn scoped(self, f: impl FnOnce() -> Read<()>) -> Read<()> {
        let mut scope = ptr::null_mut();
        check(
            unsafe { sys::napi_open_handle_scope(self.env, &mut scope) },
            "handle scope",
        )?;
        let out = f();
        let closed = check(
            unsafe { sys::napi_close_handle_scope(self.env, scope) },
            "handle scope",
        );
        out.and(closed)
    }
}

/// A typed array's element type, length and data, valid for the current call.
struct Typed {
    kind: sys::napi_typedarray_type,
    len: usize,
    data: *mut std::ffi::c_void,
}

impl Typed {
    /// The elements `from..to`, as the numbers JavaScript reads from them (a BigInt64Array's
    /// elements as their digits).
    fn values(&self, from: u32, to: u32, out: &mut Vec<Value>) {
        use sys::TypedarrayType as K;
        let from = usize::try_from(from).unwrap_or(usize::MAX).min(self.len);
        let to = usize::try_from(to)
            .unwrap_or(usize::MAX)
            .min(self.len)
            .max(from);
        fn read<T: Copy>(data: *mut std::ffi::c_void, len: usize) -> &'static [T] {
            if data.is_null() || len == 0 {
                return &[];
            }
            // The engine keeps the buffer alive and unmoved for the call; a typed array's data
            // is aligned to its element size.
            unsafe { std::slice::from_raw_parts(data.cast::<T>(), len) }
        }
        macro_rules! push {
            ($t:ty, $f:expr) => {
                out.extend(
                    read::<$t>(self.data, self.len)
                        .get(from..to)
                        .unwrap_or(&[])
                        .iter()
                        .map($f),
                )
            };
        }
        match self.kind {
            K::float64_array => push!(f64, |v| Value::Float(*v)),
            K::float32_array => push!(f32, |v| Value::Float(f64::from(*v))),
            K::int8_array => push!(i8, |v| Value::Float(f64::from(*v))),
            K::uint8_array | K::uint8_clamped_array => push!(u8, |v| Value::Float(f64::from(*v))),
            K::int16_array => push!(i16, |v| Value::Float(f64::from(*v))),
            K::uint16_array => push!(u16, |v| Value::Float(f64::from(*v))),
            K::int32_array => push!(i32, |v| Value::Float(f64::from(*v))),
            K::uint32_array => push!(u32, |v| Value::Float(f64::from(*v))),
            K::bigint64_array => push!(i64, |v| Value::Text(v.to_string().into_boxed_str())),
            K::biguint64_array => push!(u64, |v| Value::Text(v.to_string().into_boxed_str())),
            _ => out.extend((from..to).map(|_| Value::Other("object"))),
        }
    }
}

/// One row of a list: its fields (name id, value), or what it was when not an object.
#[derive(Debug, Clone, PartialEq)]
pub enum Row {
    /// An object's fields.
    Fields(Vec<(u32, Value)>),
    /// Not an object: the type's name.
    Not(&'static str),
}

/// Field names, each stored once and referred to by number.
#[derive(Debug, Default)]
pub struct Names {
    names: Vec<Box<str>>,
    ids: std::collections::HashMap<Box<str>, u32>,
}

impl Names {
    /// The number of `name`, added when new.
    pub fn id(&mut self, name: &str) -> u32 {
        if let Some(id) = self.ids.get(name) {
            return *id;
        }
        let id = u32::try_from(self.names.len()).unwrap_or(u32::MAX);
        self.names.push(name.into());
        self.ids.insert(name.into(), id);
        id
    }

    /// The name numbered `id`.
    pub fn name(&self, id: u32) -> &str {
        usize::try_from(id)
            .ok()
            .and_then(|i| self.names.get(i))
            .map_or("", |n| n)
    }
}

/// The decimal digits of an unsigned integer given as little-endian 64-bit words.
fn decimal_digits(mut words: Vec<u64>) -> String {
    const CHUNK: u64 = 10_000_000_000_000_000_000; // 10^19
    while words.last() == Some(&0) {
        words.pop();
    }
    if words.is_empty() {
        return "0".to_string();
    }
    let mut chunks: Vec<u64> = Vec::new();
    while !words.is_empty() {
        let mut rem: u128 = 0;
        for w in words.iter_mut().rev() {
            let cur = (rem << 64) | u128::from(*w);
            *w = u64::try_from(cur.checked_div(u128::from(CHUNK)).unwrap_or(0)).unwrap_or(u64::MAX);
            rem = cur.checked_rem(u128::from(CHUNK)).unwrap_or(0);
        }
        chunks.push(u64::try_from(rem).unwrap_or(0));
        while words.last() == Some(&0) {
            words.pop();
        }
    }
    let mut out = String::new();
    for (k, c) in chunks.iter().rev().enumerate() {
        if k == 0 {
            out.push_str(&c.to_string());
        } else {
            out.push_str(&format!("{c:019}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::decimal_digits;

    #[test]
    fn bigint_words_become_their_digits() {
        assert_eq!(decimal_digits(vec![0]), "0");
        assert_eq!(decimal_digits(vec![1001]), "1001");
        assert_eq!(decimal_digits(vec![0, 1]), "18446744073709551616");
        assert_eq!(
            decimal_digits(vec![u64::MAX, u64::MAX]),
            "340282366920938463463374607431768211455"
        );
        assert_eq!(
            decimal_digits(vec![0, 0, 1]),
            "340282366920938463463374607431768211456"
        );
    }
}
