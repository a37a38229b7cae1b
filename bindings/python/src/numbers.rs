//! Results' decimals → `decimal.Decimal` (numbers *into* kpichain are cells read by the core's
//! one number policy, see `cells.rs`).

use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::PyType;
use rust_decimal::Decimal;

static DECIMAL_CLS: PyOnceLock<Py<PyType>> = PyOnceLock::new();

/// The `decimal.Decimal` class, imported once.
pub(crate) fn decimal_class(py: Python<'_>) -> PyResult<&Bound<'_, PyType>> {
    DECIMAL_CLS.import(py, "decimal", "Decimal")
}

/// `Decimal` → `decimal.Decimal`, keeping the scale (`87.50` stays `Decimal('87.50')`).
pub(crate) fn to_py<'py>(py: Python<'py>, value: &Decimal) -> PyResult<Bound<'py, PyAny>> {
    decimal_class(py)?.call1((value.to_string(),))
}

/// `Option<Decimal>` → `decimal.Decimal | None`.
pub(crate) fn opt_to_py<'py>(
    py: Python<'py>,
    value: &Option<Decimal>,
) -> PyResult<Bound<'py, PyAny>> {
    match value {
        Some(v) => to_py(py, v),
        None => Ok(py.None().into_bound(py)),
    }
}
