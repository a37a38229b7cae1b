//! `PlanVersions`: a plan with effective-dated versions (方案版本), compiled once and scored
//! like a `Plan`, with the version(s) in force for the period.

use std::sync::Arc;

use kpichain::{CompiledVersions, Format, PlanError, Scheme};
use pyo3::exceptions::PyKeyError;
use pyo3::prelude::*;
use pyo3::types::PyTuple;

use crate::diff::PyPlanDiff;
use crate::errors::{detached, guard, load_error};
use crate::plan::{self, PyPlan, ScoreArgs, Source, evaluate_with, explain_with, score_with};
use crate::result::{PyEvaluation, json_loads};

/// As a plan's source (dict, text, bytes or a file path), text always read as JSON.
fn document(obj: &Bound<'_, PyAny>) -> PyResult<Source> {
    match plan::source(obj, "plan versions are")? {
        // A versions document is JSON: TOML-looking text is read (and rejected) as JSON.
        Source::Text(t, _) => Ok(Source::Text(t, Some(Format::Json))),
        other => Ok(other),
    }
}

fn build(py: Python<'_>, source: Source) -> PyResult<PyPlanVersions> {
    let outcome = detached(py, move || match source {
        Source::Invalid(issues) => Err(PlanError { issues }.into()),
        Source::Text(t, _) => CompiledVersions::from_text(&t).map_err(Into::into),
        Source::File(path) => kpichain_io::load_versions(path),
    })?;
    match outcome {
        Ok(c) => Ok(PyPlanVersions { inner: Arc::new(c) }),
        Err(e) => Err(load_error(py, e)),
    }
}

/// A plan with effective-dated versions (方案版本), compiled and validated: e.g. from
/// 2022-03 the purchasing manager's on-time weight goes from 50 to 60.
///
/// Load one with :func:`kpichain.load_versions`. A period is scored with the version in force
/// on its first day, or, when the document's ``span`` is ``pro_rata`` and the period spans a
/// change, with each version for its days (the total is the day-weighted mean of the
/// versions' totals, graded with the last version's scale). Results name the version(s)
/// applied in :attr:`Evaluation.versions`. Immutable and safe to share between threads.
#[pyclass(frozen, module = "kpichain._kpichain", name = "PlanVersions")]
pub struct PyPlanVersions {
    inner: Arc<CompiledVersions>,
}

impl PyPlanVersions {
    /// These versions as the scheme that scores, explains and renders their results.
    fn scheme(&self) -> Scheme {
        Scheme::from(self.inner.clone())
    }

    /// The version labelled `version` as a `Plan` (the compiled version itself, shared).
    fn plan_named(&self, version: &str) -> Option<PyPlan> {
        self.inner
            .version(version)
            .map(|p| PyPlan { inner: p.clone() })
    }

    fn unknown(&self, version: &str) -> PyErr {
        let known: Vec<String> = self
            .inner
            .versions()
            .map(|(_, p)| p.plan().version.clone())
            .collect();
        PyKeyError::new_err(format!(
            "plan '{}' has no version '{version}' (its versions are {})",
            self.inner.document().id,
            known.join(", ")
        ))
    }
}

#[pymethods]
impl PyPlanVersions {
    /// Loads and compiles plan versions from a dict, JSON text or a file path (``str`` or
    /// ``os.PathLike``; a ``str`` starting with ``{`` is JSON text). In a file, a version's
    /// ``plan`` may be the path of a plan file (JSON or TOML), relative to the file.
    #[staticmethod]
    fn load(py: Python<'_>, source: &Bound<'_, PyAny>) -> PyResult<PyPlanVersions> {
        guard(py, || build(py, document(source)?))
    }

    /// The versioned plan's id.
    #[getter]
    fn id(&self) -> &str {
        &self.inner.document().id
    }

    /// Its display name, if any.
    #[getter]
    fn name(&self) -> Option<&str> {
        self.inner.document().name.as_deref()
    }

    /// How a period spanning a change is scored: ``period_start`` or ``pro_rata``.
    #[getter]
    fn span(&self) -> &'static str {
        self.inner.document().span.as_str()
    }

    /// ``sha256:`` + the hex SHA-256 of the whole document's canonical JSON.
    #[getter]
    fn fingerprint(&self) -> &str {
        self.inner.fingerprint()
    }

    /// The versions in order: ``(effective_from, Plan)`` pairs, ``effective_from`` as
    /// ``YYYY-MM-DD``.
    #[getter]
    fn versions<'py>(&self, py: Python<'py>) -> PyResult<Vec<Bound<'py, PyTuple>>> {
        self.inner
            .versions()
            .map(|(day, p)| {
                let plan = Bound::new(py, PyPlan { inner: p.clone() })?;
                PyTuple::new(py, [day.into_pyobject(py)?.into_any(), plan.into_any()])
            })
            .collect()
    }

    /// The version labelled ``version`` (its plan's ``version``), as a :class:`Plan`.
    /// Raises ``KeyError`` for an unknown label.
    fn version(&self, version: &str) -> PyResult<PyPlan> {
        self.plan_named(version)
            .ok_or_else(|| self.unknown(version))
    }

    /// The version in force on ``day`` (``YYYY-MM-DD``), or ``None`` before the first one
    /// (or for a day that is not a date).
    fn in_force(&self, day: &str) -> Option<PyPlan> {
        self.inner
            .in_force(day)
            .map(|p| PyPlan { inner: p.clone() })
    }

    /// What changed from version ``before`` to version ``after`` (their labels).
    fn diff(&self, before: &str, after: &str) -> PyResult<PyPlanDiff> {
        for label in [before, after] {
            if self.inner.version(label).is_none() {
                return Err(self.unknown(label));
            }
        }
        self.inner
            .diff(before, after)
            .map(PyPlanDiff::new)
            .ok_or_else(|| self.unknown(before))
    }

    /// Scores a batch exactly as :meth:`Plan.score` does, with the version(s) in force for
    /// ``period`` (required: ``2022-03``, ``2022-Q1`` or ``2022``). ``records`` are read as the
    /// version in force on the period's first day declares them, once for every version
    /// applied. A period before the first version raises ``InputError``
    /// (``no_version_in_force``).
    #[pyo3(signature = (assignments, actuals = None, *, period, targets = None, layout = "auto", units = None, records = None))]
    #[allow(clippy::too_many_arguments)]
    fn score(
        &self,
        py: Python<'_>,
        assignments: &Bound<'_, PyAny>,
        actuals: Option<&Bound<'_, PyAny>>,
        period: String,
        targets: Option<&Bound<'_, PyAny>>,
        layout: &str,
        units: Option<&Bound<'_, PyAny>>,
        records: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<PyEvaluation> {
        let args = ScoreArgs {
            assignments,
            actuals,
            targets,
            period: Some(period),
            layout,
            units,
            records,
        };
        score_with(py, self.scheme(), args)
    }

    /// Evaluates inputs in the core's JSON shape (a dict or JSON text, with ``period``), as
    /// :meth:`Plan.evaluate` does.
    fn evaluate(&self, py: Python<'_>, inputs: &Bound<'_, PyAny>) -> PyResult<PyEvaluation> {
        evaluate_with(py, self.scheme(), inputs)
    }

    /// The explanation, as text, of one subject's result (by subject id or position) in an
    /// evaluation of these versions: the version's own explanation, or for a result scored
    /// pro rata, each version's part and the day-weighted total.
    fn explain(&self, evaluation: &PyEvaluation, subject: &Bound<'_, PyAny>) -> PyResult<String> {
        explain_with(&self.scheme(), evaluation, subject)
    }

    /// The document as canonical JSON text (every version's plan inline).
    fn to_json(&self) -> String {
        serde_json::to_string(self.inner.document()).unwrap_or_default()
    }

    /// The document as plain Python data (decimals as strings).
    fn to_dict<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        json_loads(py, &self.to_json())
    }

    fn __repr__(&self) -> String {
        let labels: Vec<String> = self
            .inner
            .versions()
            .map(|(d, p)| format!("{} from {d}", p.plan().version))
            .collect();
        format!(
            "<PlanVersions id={:?} span={}: {}>",
            self.inner.document().id,
            self.inner.document().span.as_str(),
            labels.join(", ")
        )
    }
}

/// Loads and compiles plan versions (same as :meth:`PlanVersions.load`): a dict, JSON text
/// or a path to a JSON file, whose versions' ``plan`` may be plan file paths relative to it.
/// Raises :class:`kpichain.PlanError` listing every problem of every version (paths like
/// ``versions[1].plan.roles[0].items``).
#[pyfunction]
pub(crate) fn load_versions(py: Python<'_>, source: &Bound<'_, PyAny>) -> PyResult<PyPlanVersions> {
    PyPlanVersions::load(py, source)
}

/// The JSON Schema of a plan with effective-dated versions, as a dict.
#[pyfunction]
pub(crate) fn versions_schema(py: Python<'_>) -> PyResult<Bound<'_, PyAny>> {
    json_loads(py, &kpichain::versions_schema())
}
