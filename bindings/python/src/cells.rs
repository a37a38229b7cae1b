//! Python objects → the core's [`Cell`]s (Arrow columns are read by `kpichain_arrow`). What a
//! cell *means* (a number, an id, no value) is the core's one policy ([`Cell::number`],
//! [`Cell::text`]); here only the Python-specific types are named: `decimal.Decimal`, numpy
//! scalars, pandas' missing values and `datetime`.

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
