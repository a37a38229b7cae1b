//! `derive_actuals`: the measure engine (取数口径) on one JSON request — records as text rows,
//! measures, a period and a time zone — for trying measures on sample data.

use pyo3::exceptions::PyTypeError;
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyDict, PyMapping, PyString};

use crate::errors::{Kind, detached, guard, input_error, to_pyerr};
use crate::pyjson;
use crate::result::json_loads;

/// Derives indicators' actuals from business records, exactly as a plan's measures do.
///
/// ``request`` is a dict or its JSON text: ``time_zone`` (``+08:00``), ``period``
/// (``2022-03``, ``2022-Q1`` or ``2022``), ``records`` (record set name → ``{"fields":
/// [{"name", "kind", "optional"?}], "rows": [[cell, ...], ...], "source"?, "time_zone"?}``,
/// cells as text, ``""`` or ``None`` empty), ``measures`` (``[{"indicator", "measure"}]``)
/// and optionally ``bad_records`` (``error`` or ``skip``) and ``subjects``. Other keys are
/// ignored.
///
/// Returns ``{"actuals": [{"subject", "indicator", "value"}], "report": {...}}`` in the
/// core's JSON shape (decimals as strings such as ``"12.50"``). Raises
/// :class:`kpichain.InputError` listing every problem (``.errors``, with paths such as
/// ``measures[0].measure.value.field`` or ``records.orders[3].amount``).
#[pyfunction]
pub(crate) fn derive_actuals<'py>(
    py: Python<'py>,
    request: &Bound<'py, PyAny>,
) -> PyResult<Bound<'py, PyAny>> {
    guard(py, || {
        let text = if let Ok(s) = request.cast::<PyString>() {
            s.to_cow()?.into_owned()
        } else if let Ok(b) = request.cast::<PyBytes>() {
            String::from_utf8_lossy(b.as_bytes()).into_owned()
        } else if request.cast::<PyDict>().is_ok() || request.cast::<PyMapping>().is_ok() {
            match pyjson::to_json_text(request, false)? {
                Ok(t) => t,
                Err(issues) => return Err(to_pyerr(py, Kind::Input, &issues)),
            }
        } else {
            return Err(PyTypeError::new_err(format!(
                "a derivation request is a dict or its JSON text; got {}",
                request.get_type().name()?
            )));
        };
        let outcome = detached(py, move || {
            kpichain::measure::derive_json(&text)
                .map(|d| serde_json::to_string(&d).unwrap_or_default())
        })?;
        match outcome {
            Ok(json) => json_loads(py, &json),
            Err(e) => Err(input_error(py, &e)),
        }
    })
}
