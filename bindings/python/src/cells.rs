//! Python objects and Arrow columns → the core's [`Cell`]s. What a cell *means* (a number, an
//! id, no value) is the core's one policy ([`Cell::number`], [`Cell::text`]); here only the
//! Python- and Arrow-specific types are named: `decimal.Decimal`, numpy scalars, pandas'
//! missing values, `datetime`, and NaN in a float column (pandas' and polars' mark of a
//! missing value).

use arrow_array::cast::AsArray;
use arrow_array::types::{Decimal128Type, Float32Type, Float64Type, Int64Type, UInt64Type};
use arrow_array::{Array, ArrayRef};
use arrow_cast::{CastOptions, cast_with_options};
use arrow_schema::DataType;
use kpichain::Cell;
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::{PyBool, PyFloat, PyInt, PyString, PyType};

use crate::numbers::decimal_class;

static DATE: PyOnceLock<Py<PyType>> = PyOnceLock::new();

/// A Python value as an owned cell.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Value {
    Null,
    Text(String),
    Int(i128),
    Float(f64),
    Decimal(i128, u32),
    Bool(bool),
    Other(String),
}

impl Value {
    pub(crate) fn cell(&self) -> Cell<'_> {
        match self {
            Value::Null => Cell::Null,
            Value::Text(t) => Cell::Text(t),
            Value::Int(i) => Cell::Int(*i),
            Value::Float(f) => Cell::Float(*f),
            Value::Decimal(mantissa, scale) => Cell::Decimal {
                mantissa: *mantissa,
                scale: *scale,
            },
            Value::Bool(b) => Cell::Bool(*b),
            Value::Other(t) => Cell::Other(t),
        }
    }
}

pub(crate) fn type_name(obj: &Bound<'_, PyAny>) -> String {
    obj.get_type()
        .name()
        .map(|n| n.to_string())
        .unwrap_or_else(|_| "?".to_string())
}

fn text(obj: &Bound<'_, PyAny>) -> PyResult<String> {
    Ok(obj.str()?.to_cow()?.into_owned())
}

/// One Python value as a cell: `None` and pandas' `NA`/`NaT` are no value; `str`, `int`,
/// `float`, `bool` as they are; a `decimal.Decimal` exactly (NaN and infinities as their
/// text, which the core refuses); numpy scalars by their own type (a float by its own
/// shortest text); `date`/`datetime` by their ISO text (a naive `datetime` with a space, so
/// it reads as wall time); anything else is [`Cell::Other`] naming its type.
pub(crate) fn value(obj: &Bound<'_, PyAny>) -> PyResult<Value> {
    if obj.is_none() {
        return Ok(Value::Null);
    }
    if let Ok(s) = obj.cast::<PyString>() {
        return Ok(Value::Text(s.to_cow()?.into_owned()));
    }
    if obj.is_instance_of::<PyBool>() {
        return Ok(Value::Bool(obj.is_truthy()?));
    }
    if obj.is_instance_of::<PyInt>() {
        return Ok(match obj.extract::<i128>() {
            Ok(i) => Value::Int(i),
            Err(_) => Value::Text(text(obj)?),
        });
    }
    if obj.is_instance_of::<PyFloat>() {
        return Ok(Value::Float(obj.extract()?));
    }
    let py = obj.py();
    if obj.is_instance(decimal_class(py)?)? {
        let t = obj.call_method1("__format__", ("f",))?;
        let t = t.cast::<PyString>()?.to_cow()?;
        return Ok(match kpichain::decimal::parse_decimal(&t) {
            Ok(d) => Value::Decimal(d.mantissa(), d.scale()),
            Err(_) => Value::Text(t.into_owned()),
        });
    }
    let ty = obj.get_type();
    let name = ty.name()?.to_cow()?.into_owned();
    let module = ty.module()?.to_cow()?.into_owned();
    match name.as_str() {
        "NAType" | "NaTType" => return Ok(Value::Null),
        "bool" | "bool_" => return Ok(Value::Bool(obj.is_truthy()?)),
        "datetime64" => {
            let t = text(obj)?;
            return Ok(if t == "NaT" {
                Value::Null
            } else {
                Value::Text(t)
            });
        }
        _ => {}
    }
    if obj.is_instance(DATE.import(py, "datetime", "date")?)? {
        let naive = obj.hasattr("utcoffset")? && obj.call_method0("utcoffset")?.is_none();
        let iso = if naive {
            obj.call_method1("isoformat", (" ",))?
        } else {
            obj.call_method0("isoformat")?
        };
        return Ok(Value::Text(text(&iso)?));
    }
    if module == "numpy" && obj.hasattr("__index__")? {
        return value(&obj.call_method0("__index__")?);
    }
    if module == "numpy" && obj.hasattr("__float__")? {
        return Ok(Value::Text(text(obj)?));
    }
    Ok(Value::Other(name))
}

const STRICT: CastOptions<'static> = CastOptions {
    safe: false,
    format_options: arrow_cast::display::FormatOptions::new(),
};

/// An Arrow column read as cells.
pub(crate) enum Column {
    Null,
    Text(ArrayRef),
    Int(ArrayRef),
    UInt(ArrayRef),
    F32(ArrayRef),
    F64(ArrayRef),
    Decimal(ArrayRef, i8),
    Bool(ArrayRef),
    /// A type that holds neither numbers nor text (a list, a struct): each value is
    /// [`Cell::Other`] with the type's name.
    Other(ArrayRef, String),
}

impl Column {
    /// Strings, integers, floats, decimals and booleans as such (dictionary-encoded ones
    /// decoded); a column of nulls, whatever its type, as nulls; other types as their text
    /// (dates, timestamps) or, when they have none, as [`Column::Other`].
    pub(crate) fn new(col: &ArrayRef) -> Column {
        use DataType as D;
        let dt = col.data_type();
        if col.null_count() == col.len() {
            return Column::Null;
        }
        let to = |t: &DataType| cast_with_options(col, t, &STRICT).ok();
        let read = match dt {
            D::Dictionary(_, value) => to(value).map(|c| Column::new(&c)),
            D::Utf8 | D::LargeUtf8 | D::Utf8View => to(&D::LargeUtf8).map(Column::Text),
            D::Int8 | D::Int16 | D::Int32 | D::Int64 | D::UInt8 | D::UInt16 | D::UInt32 => {
                to(&D::Int64).map(Column::Int)
            }
            D::UInt64 => Some(Column::UInt(col.clone())),
            D::Float16 | D::Float32 => to(&D::Float32).map(Column::F32),
            D::Float64 => Some(Column::F64(col.clone())),
            D::Decimal128(_, s) => Some(Column::Decimal(col.clone(), *s)),
            D::Decimal32(_, s) | D::Decimal64(_, s) | D::Decimal256(_, s) => {
                to(&D::Decimal128(38, *s)).map(|c| Column::Decimal(c, *s))
            }
            D::Boolean => Some(Column::Bool(col.clone())),
            _ if dt.is_nested() => None,
            D::Binary | D::LargeBinary | D::BinaryView | D::FixedSizeBinary(_) => None,
            _ => to(&D::LargeUtf8).map(Column::Text),
        };
        read.unwrap_or_else(|| Column::Other(col.clone(), dt.to_string()))
    }

    /// The cell at row `i`.
    pub(crate) fn get(&self, i: usize) -> Cell<'_> {
        fn val<T: arrow_array::ArrowPrimitiveType>(a: &ArrayRef, i: usize) -> Option<T::Native> {
            let p = a.as_primitive_opt::<T>()?;
            if p.is_null(i) { None } else { Some(p.value(i)) }
        }
        let cell = match self {
            Column::Null => None,
            Column::Text(a) => a
                .as_string_opt::<i64>()
                .filter(|t| !t.is_null(i))
                .map(|t| Cell::Text(t.value(i))),
            Column::Int(a) => val::<Int64Type>(a, i).map(|v| Cell::Int(v.into())),
            Column::UInt(a) => val::<UInt64Type>(a, i).map(|v| Cell::Int(v.into())),
            // A 32-bit float by its own shortest text (`0.1f32` is 0.1, as numpy prints it).
            Column::F32(a) => val::<Float32Type>(a, i)
                .map(|v| Cell::Float(v.to_string().parse().unwrap_or(f64::NAN))),
            Column::F64(a) => val::<Float64Type>(a, i).map(Cell::Float),
            Column::Decimal(a, s) => val::<Decimal128Type>(a, i).map(|m| {
                match u32::try_from(*s) {
                    Ok(scale) => Cell::Decimal { mantissa: m, scale },
                    // A negative scale: whole numbers, multiplied out (or too large).
                    Err(_) => 10i128
                        .checked_pow(u32::from(s.unsigned_abs()))
                        .and_then(|f| m.checked_mul(f))
                        .map_or(Cell::Float(f64::MAX), Cell::Int),
                }
            }),
            Column::Bool(a) => a
                .as_boolean_opt()
                .filter(|b| !b.is_null(i))
                .map(|b| Cell::Bool(b.value(i))),
            Column::Other(a, t) => (!a.is_null(i)).then_some(Cell::Other(t)),
        };
        cell.unwrap_or(Cell::Null)
    }
}
