//! `PlanDiff`: what changed between two versions of a plan (方案变更), as data and as text.

use kpichain::Plan;
use kpichain::diff::{PlanDiff, diff_plans};
use pyo3::prelude::*;

use crate::errors::guard;
use crate::plan::{PyPlan, parse, source};
use crate::result::json_loads;

/// Everything that changed from one plan version to another: one change per added or removed
/// entity (indicator, role, item, adjustment, veto, variant, grade) and per changed field,
/// matched by identity, never by position.
///
/// ``str(diff)`` is the text for an HR user (a header line and one line per change, with
/// the plan's names); :attr:`changes` and :meth:`to_dict` give the same as data (values as
/// in the plan's JSON, decimals as exact strings).
#[pyclass(frozen, module = "kpichain._kpichain", name = "PlanDiff")]
pub struct PyPlanDiff {
    inner: PlanDiff,
}

impl PyPlanDiff {
    pub(crate) fn new(inner: PlanDiff) -> PyPlanDiff {
        PyPlanDiff { inner }
    }
}

fn json<T: serde::Serialize>(value: &T) -> String {
    serde_json::to_string(value).unwrap_or_default()
}

#[pymethods]
impl PyPlanDiff {
    /// The old plan: a dict with ``id``, ``version`` and ``fingerprint``.
    #[getter]
    fn from_<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        json_loads(py, &json(&self.inner.from))
    }

    /// The new plan: a dict with ``id``, ``version`` and ``fingerprint``.
    #[getter]
    fn to<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        json_loads(py, &json(&self.inner.to))
    }

    /// The changes, in plan order: dicts with ``kind`` (``added``, ``removed``,
    /// ``changed``), ``section`` (``plan``, ``indicator``, ``role``, ``item`` …), ``path``
    /// (``roles[2].items[0].weight``), ``role``, ``item``, ``id``, ``field``, ``before``,
    /// ``after`` (as in the plan's JSON; decimals as strings) and ``message`` (one line).
    #[getter]
    fn changes<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        json_loads(py, &json(&self.inner.changes))
    }

    /// Whether nothing changed.
    fn is_empty(&self) -> bool {
        self.inner.is_empty()
    }

    /// The diff as plain Python data: ``{"from", "to", "changes"}``.
    fn to_dict<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        json_loads(py, &json(&self.inner))
    }

    /// The diff as JSON text (the core's shape).
    fn to_json(&self) -> String {
        json(&self.inner)
    }

    fn __len__(&self) -> usize {
        self.inner.changes.len()
    }

    fn __str__(&self) -> String {
        self.inner.to_string()
    }

    fn __repr__(&self) -> String {
        format!(
            "<PlanDiff {} {} → {} {}: {} changes>",
            self.inner.from.id,
            self.inner.from.version,
            self.inner.to.id,
            self.inner.to.version,
            self.inner.changes.len()
        )
    }
}

/// A plan to compare: a `Plan`, or anything `load_plan` reads (read, not compiled).
fn plan_of(py: Python<'_>, obj: &Bound<'_, PyAny>) -> PyResult<Plan> {
    if let Ok(p) = obj.cast::<PyPlan>() {
        return Ok(p.get().inner.plan().clone());
    }
    parse(py, source(obj, "a plan is")?)
}

/// What changed from plan ``before`` to plan ``after``: each a :class:`Plan`, a dict, JSON or
/// TOML text, or a file path. The plans are read but need not compile, so a broken draft
/// can be compared with the plan in force; a plan that cannot be read raises
/// :class:`kpichain.PlanError`.
#[pyfunction]
pub(crate) fn diff(
    py: Python<'_>,
    before: &Bound<'_, PyAny>,
    after: &Bound<'_, PyAny>,
) -> PyResult<PyPlanDiff> {
    guard(py, || {
        let before = plan_of(py, before)?;
        let after = plan_of(py, after)?;
        Ok(PyPlanDiff::new(diff_plans(&before, &after)))
    })
}

/// The JSON Schema of a plan diff, as a dict.
#[pyfunction]
pub(crate) fn diff_schema(py: Python<'_>) -> PyResult<Bound<'_, PyAny>> {
    json_loads(py, &kpichain::diff_schema())
}
