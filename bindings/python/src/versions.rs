//! `PlanVersions`: a plan with effective-dated versions (方案版本), compiled once and scored
//! like a `Plan`, with the version(s) in force for the period.

use std::sync::{Arc, OnceLock};

use kpichain::{CompiledPlan, CompiledVersions, Issue};
use pyo3::exceptions::{PyKeyError, PyTypeError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::{IntoPyDict, PyBytes, PyDict, PyMapping, PyString, PyTuple};

use crate::diff::PyPlanDiff;
use crate::errors::{Kind, detached, guard, plan_error, to_pyerr};
use crate::plan::{PyPlan, ScoreArgs, evaluate_with, score_with};
use crate::pyjson;
use crate::result::{PyEvaluation, json_loads};
use crate::scorer::Scorer;

/// The document's JSON text and, for a file, its folder (plan files named in it are relative
/// to it); or the problems found reading it (a dict that has no JSON form).
type DocText = Result<(String, Option<std::path::PathBuf>), Vec<Issue>>;

/// Reads a file with `pathlib` (so that a missing file raises the usual `OSError`).
fn read_text<'py>(
    py: Python<'py>,
    path: &Bound<'py, PyAny>,
) -> PyResult<(String, Bound<'py, PyAny>)> {
    let p = py.import("pathlib")?.getattr("Path")?.call1((path,))?;
    let text: String = p
        .call_method(
            "read_text",
            (),
            Some(&[("encoding", "utf-8")].into_py_dict(py)?),
        )?
        .extract()?;
    Ok((text, p))
}

/// A versions file: its text, and its folder, against which the core resolves plan files
/// named by a version's `plan` (`.json`, `.toml`, or sniffed).
fn file_text(py: Python<'_>, path: &Bound<'_, PyAny>) -> PyResult<DocText> {
    let (text, p) = read_text(py, path)?;
    let dir: std::path::PathBuf = p.getattr("parent")?.extract()?;
    Ok(Ok((text, Some(dir))))
}

/// dict → its JSON; str starting with `{` → JSON text; other str or os.PathLike → a file;
/// bytes → JSON text.
fn document(py: Python<'_>, obj: &Bound<'_, PyAny>) -> PyResult<DocText> {
    if obj.cast::<PyDict>().is_ok() || obj.cast::<PyMapping>().is_ok() {
        return Ok(pyjson::to_json_text(obj)?.map(|t| (t, None)));
    }
    if let Ok(b) = obj.cast::<PyBytes>() {
        let text = std::str::from_utf8(b.as_bytes())
            .map_err(|e| PyValueError::new_err(format!("versions bytes are not UTF-8: {e}")))?;
        return Ok(Ok((text.to_string(), None)));
    }
    if let Ok(s) = obj.cast::<PyString>() {
        let s = s.to_cow()?;
        if s.trim_start().starts_with('{') {
            return Ok(Ok((s.into_owned(), None)));
        }
        return file_text(py, obj);
    }
    if obj.hasattr("__fspath__")? {
        return file_text(py, obj);
    }
    Err(PyTypeError::new_err(format!(
        "plan versions are loaded from a dict, JSON text or a file path; got {}",
        obj.get_type().name()?
    )))
}

fn build(py: Python<'_>, text: DocText) -> PyResult<PyPlanVersions> {
    let (text, dir) = match text {
        Ok(t) => t,
        Err(issues) => return Err(to_pyerr(py, Kind::Plan, &issues)),
    };
    let (compiled, unreadable) = detached(py, move || match dir {
        Some(dir) => {
            // A plan file that cannot be read raises the usual `OSError` (e.g.
            // `FileNotFoundError`), as the versions file itself does.
            let mut unreadable: Option<std::io::Error> = None;
            let compiled = CompiledVersions::from_text_with(&text, |name| {
                let path = dir.join(name);
                std::fs::read_to_string(&path).map_err(|e| {
                    let message = format!("cannot read the plan file '{}': {e}", path.display());
                    if unreadable.is_none() {
                        unreadable = Some(std::io::Error::new(e.kind(), message.clone()));
                    }
                    message
                })
            });
            (compiled, unreadable)
        }
        None => (CompiledVersions::from_text(&text), None),
    })?;
    if let Some(e) = unreadable {
        return Err(PyErr::from(e));
    }
    match compiled {
        Ok(c) => Ok(PyPlanVersions {
            inner: Arc::new(c),
            plans: OnceLock::new(),
        }),
        Err(e) => Err(plan_error(py, &e)),
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
    /// Each version as a standalone `Plan`, compiled on first use.
    plans: OnceLock<Vec<Arc<CompiledPlan>>>,
}

impl PyPlanVersions {
    /// Each version as a standalone compiled plan (compiled again once: the versions compiled
    /// inside `CompiledVersions` cannot be shared as `Arc`s).
    fn plans(&self, py: Python<'_>) -> PyResult<&[Arc<CompiledPlan>]> {
        if let Some(p) = self.plans.get() {
            return Ok(p);
        }
        let inner = self.inner.clone();
        let compiled = detached(py, move || {
            inner
                .versions()
                .map(|(_, p)| CompiledPlan::compile(p.plan().clone()).map(Arc::new))
                .collect::<Result<Vec<_>, _>>()
        })?
        .map_err(|e| plan_error(py, &e))?;
        let _ = self.plans.set(compiled);
        Ok(self.plans.get().map(Vec::as_slice).unwrap_or_default())
    }

    fn plan_named(&self, py: Python<'_>, version: &str) -> PyResult<Option<PyPlan>> {
        Ok(self
            .plans(py)?
            .iter()
            .find(|p| p.plan().version == version)
            .map(|p| PyPlan { inner: p.clone() }))
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
        guard(py, || build(py, document(py, source)?))
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
        let days: Vec<String> = self.inner.versions().map(|(d, _)| d).collect();
        let plans = self.plans(py)?;
        days.into_iter()
            .zip(plans)
            .map(|(day, p)| {
                let plan = Bound::new(py, PyPlan { inner: p.clone() })?;
                PyTuple::new(py, [day.into_pyobject(py)?.into_any(), plan.into_any()])
            })
            .collect()
    }

    /// The version labelled ``version`` (its plan's ``version``), as a :class:`Plan`.
    /// Raises ``KeyError`` for an unknown label.
    fn version(&self, py: Python<'_>, version: &str) -> PyResult<PyPlan> {
        self.plan_named(py, version)?
            .ok_or_else(|| self.unknown(version))
    }

    /// The version in force on ``day`` (``YYYY-MM-DD``), or ``None`` before the first one
    /// (or for a day that is not a date).
    fn in_force(&self, py: Python<'_>, day: &str) -> PyResult<Option<PyPlan>> {
        match self.inner.in_force(day) {
            Some(p) => self.plan_named(py, &p.plan().version.clone()),
            None => Ok(None),
        }
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
        let scorer = Scorer::Versions(self.inner.clone());
        let args = ScoreArgs {
            assignments,
            actuals,
            targets,
            period: Some(period),
            layout,
            units,
            records,
        };
        score_with(py, &scorer, args)
    }

    /// Evaluates inputs in the core's JSON shape (a dict or JSON text, with ``period``), as
    /// :meth:`Plan.evaluate` does.
    fn evaluate(&self, py: Python<'_>, inputs: &Bound<'_, PyAny>) -> PyResult<PyEvaluation> {
        evaluate_with(py, &Scorer::Versions(self.inner.clone()), inputs)
    }

    /// The explanation, as text, of one subject's result (by subject id or position) in an
    /// evaluation of these versions: the version's own explanation, or for a result scored
    /// pro rata, each version's part and the day-weighted total.
    fn explain(&self, evaluation: &PyEvaluation, subject: &Bound<'_, PyAny>) -> PyResult<String> {
        let i = evaluation.position(subject)?;
        let eval = &evaluation.eval;
        let result = eval
            .results
            .get(i)
            .ok_or_else(|| PyKeyError::new_err("result index out of range"))?;
        Ok(self.inner.explain(eval, result).to_string())
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
