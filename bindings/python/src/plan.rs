//! `Plan`: a compiled, immutable plan (shared by reference, safe to use from many threads),
//! and the module functions that load and validate plans.

use std::path::PathBuf;
use std::sync::Arc;

use kpichain::measure::RecordSets;
use kpichain::{
    Cell, CompiledPlan, Evaluation, Format, Inputs, Intake, IntakeBuilder, Issue, Plan, PlanError,
    Scheme,
};
use kpichain_arrow::intake::List;
use pyo3::exceptions::{PyTypeError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyDict, PyList, PyString};

use crate::errors::{self, Kind, detached, guard, input_error, load_error, plan_error};
use crate::intake;
use crate::result::{PyEvaluation, json_loads};
use crate::{pyjson, records};

/// Where a plan (or a versions document) comes from.
pub(crate) enum Source {
    /// Text in a known format (a dict is serialized to JSON), or sniffed (`None`).
    Text(String, Option<Format>),
    /// A dict that has no JSON form: the problems found.
    Invalid(Vec<Issue>),
    /// A file, read by `kpichain_io`.
    File(PathBuf),
}

/// A dict (or any mapping) as JSON text, or the problems found writing it.
pub(crate) fn dict_source(obj: &Bound<'_, PyAny>) -> PyResult<Source> {
    Ok(match pyjson::to_json_text(obj, false)? {
        Ok(t) => Source::Text(t, Some(Format::Json)),
        Err(issues) => Source::Invalid(issues),
    })
}

fn path_of(obj: &Bound<'_, PyAny>) -> PyResult<PathBuf> {
    obj.extract()
}

/// dict → its JSON; Path/os.PathLike → the file; str → text (JSON when it starts with `{`,
/// TOML when it has a line break) or else a file path; bytes → text.
/// `what` names the thing with its verb (`a plan is`), for the errors.
pub(crate) fn source(obj: &Bound<'_, PyAny>, what: &str) -> PyResult<Source> {
    if obj.cast::<PyDict>().is_ok() || obj.cast::<pyo3::types::PyMapping>().is_ok() {
        return dict_source(obj);
    }
    if let Ok(b) = obj.cast::<PyBytes>() {
        let text = std::str::from_utf8(b.as_bytes())
            .map_err(|e| PyValueError::new_err(format!("the bytes are not UTF-8: {e}")))?;
        return Ok(Source::Text(text.to_string(), None));
    }
    if let Ok(s) = obj.cast::<PyString>() {
        let s = s.to_cow()?;
        if kpichain_io::is_text(&s) {
            return Ok(Source::Text(s.into_owned(), None));
        }
        return Ok(Source::File(path_of(obj)?));
    }
    if obj.hasattr("__fspath__")? {
        return Ok(Source::File(path_of(obj)?));
    }
    Err(PyTypeError::new_err(format!(
        "{what} loaded from a dict, text or a file path; got {}",
        obj.get_type().name()?
    )))
}

/// Reads a plan without compiling it (for diffs).
pub(crate) fn parse(py: Python<'_>, source: Source) -> PyResult<Plan> {
    let parsed = match source {
        Source::Invalid(issues) => Err(kpichain_io::LoadError::Plan(PlanError { issues })),
        Source::Text(t, format) => Format::parse_plan(format, &t).map_err(Into::into),
        Source::File(path) => kpichain_io::read_plan(path),
    };
    parsed.map_err(|e| load_error(py, e))
}

/// Reads and compiles a plan (with the interpreter released).
fn compile(py: Python<'_>, source: Source) -> PyResult<Result<CompiledPlan, PlanError>> {
    let outcome = detached(
        py,
        move || -> Result<CompiledPlan, kpichain_io::LoadError> {
            let plan = match source {
                Source::Invalid(issues) => return Err(PlanError { issues }.into()),
                Source::Text(t, format) => Format::parse_plan(format, &t)?,
                Source::File(path) => kpichain_io::read_plan(path)?,
            };
            Ok(CompiledPlan::compile(plan)?)
        },
    )?;
    match outcome {
        Ok(c) => Ok(Ok(c)),
        Err(kpichain_io::LoadError::Plan(e)) => Ok(Err(e)),
        Err(e) => Err(load_error(py, e)),
    }
}

fn build(py: Python<'_>, source: Source) -> PyResult<PyPlan> {
    match compile(py, source)? {
        Ok(c) => Ok(PyPlan { inner: Arc::new(c) }),
        Err(e) => Err(plan_error(py, &e)),
    }
}

/// A compiled kpichain plan (考核方案): validated, indexed and immutable.
///
/// Load one with :meth:`Plan.load` (dict, JSON/TOML text or file path) or the ``from_*``
/// constructors; an invalid plan raises :class:`kpichain.PlanError` listing every problem.
/// Score subjects with :meth:`score` (rows or data frames) or :meth:`evaluate` (the core's
/// JSON input shape). A plan can be shared freely between threads; scoring releases the GIL.
#[pyclass(frozen, module = "kpichain._kpichain", name = "Plan")]
pub struct PyPlan {
    pub(crate) inner: Arc<CompiledPlan>,
}

impl PyPlan {
    /// This plan as the scheme that scores, explains and renders its results.
    pub(crate) fn scheme(&self) -> Scheme {
        Scheme::from(self.inner.clone())
    }
}

#[pymethods]
impl PyPlan {
    /// Loads and compiles a plan from a dict, JSON text, TOML text or a file path
    /// (``str`` or ``os.PathLike``). A ``str`` starting with ``{`` is JSON text, a ``str``
    /// with a line break is TOML text, any other ``str`` is a path. Files ending in ``.json``
    /// or ``.toml`` are read as such.
    #[staticmethod]
    fn load(py: Python<'_>, source: &Bound<'_, PyAny>) -> PyResult<PyPlan> {
        guard(py, || build(py, self::source(source, "a plan is")?))
    }

    /// Compiles a plan given as a dict (as parsed from JSON, or built in Python). Numbers may
    /// be ``Decimal``, ``int``, ``str`` or ``float`` (by its shortest repr).
    #[staticmethod]
    fn from_dict(py: Python<'_>, plan: &Bound<'_, PyAny>) -> PyResult<PyPlan> {
        guard(py, || build(py, dict_source(plan)?))
    }

    /// Compiles a plan from JSON text.
    #[staticmethod]
    fn from_json(py: Python<'_>, text: String) -> PyResult<PyPlan> {
        guard(py, || build(py, Source::Text(text, Some(Format::Json))))
    }

    /// Compiles a plan from TOML text.
    #[staticmethod]
    fn from_toml(py: Python<'_>, text: String) -> PyResult<PyPlan> {
        guard(py, || build(py, Source::Text(text, Some(Format::Toml))))
    }

    /// Compiles a plan from a file (``.json``, ``.toml``, or sniffed from the content).
    #[staticmethod]
    fn from_file(py: Python<'_>, path: &Bound<'_, PyAny>) -> PyResult<PyPlan> {
        guard(py, || build(py, Source::File(path_of(path)?)))
    }

    /// The plan's id.
    #[getter]
    fn id(&self) -> &str {
        &self.inner.plan().id
    }

    /// The plan's version label; results name it.
    #[getter]
    fn version(&self) -> &str {
        &self.inner.plan().version
    }

    /// The plan's display name, if any.
    #[getter]
    fn name(&self) -> Option<&str> {
        self.inner.plan().name.as_deref()
    }

    /// ``sha256:`` + the hex SHA-256 of the plan's canonical JSON.
    #[getter]
    fn fingerprint(&self) -> &str {
        self.inner.fingerprint()
    }

    /// The ids of the indicator library, in plan order.
    #[getter]
    fn indicators(&self) -> Vec<String> {
        self.inner
            .plan()
            .indicators
            .iter()
            .map(|i| i.id.clone())
            .collect()
    }

    /// The role ids, in plan order.
    #[getter]
    fn roles(&self) -> Vec<String> {
        self.inner
            .plan()
            .roles
            .iter()
            .map(|r| r.id.clone())
            .collect()
    }

    /// The plan as canonical JSON text (decimals as strings).
    fn to_json(&self) -> String {
        self.inner.plan().to_json()
    }

    /// The plan as plain Python data (decimals as strings).
    fn to_dict<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        json_loads(py, &self.inner.plan().to_json())
    }

    /// Scores a batch of subjects.
    ///
    /// ``assignments`` says who holds which role: a data frame (pandas, polars, pyarrow, or
    /// anything exporting ``__arrow_c_stream__``) or a list of dicts/tuples, with ``subject``
    /// and ``role`` and optionally ``name``, ``unit``, ``region``, ``manager``,
    /// ``bonus_base``; other columns are kept as attributes.
    ///
    /// ``actuals`` are the measured values, long (``subject, indicator, value``) or wide (a
    /// ``subject`` column and one column per indicator); ``layout`` forces one. When
    /// ``actuals`` is omitted, the assignments' columns named after indicators are the
    /// actuals. ``targets`` optionally gives subjects their own targets (``subject,
    /// indicator, target[, threshold, stretch]``).
    ///
    /// ``units`` is the org tree (``id[, name, parent, region]``, rows or a data frame), for
    /// items and roles that read a unit's actual and for unit variants of a scorecard.
    ///
    /// ``records`` maps each record set the plan declares (``records`` in the plan) to a data
    /// frame or a list of rows (dicts); indicators with a ``measure`` are derived from them
    /// for ``period``. Frame columns are read by the field's declared kind: text from string
    /// or categorical columns; decimal from decimals (exact), integers, floats (shortest
    /// repr) or decimal text; timestamp from timestamp columns (with a time zone: that
    /// instant; naive: wall time in the plan's ``time_zone``) or text; date from date columns
    /// or ``YYYY-MM-DD`` text; boolean from booleans or ``true``/``false`` text. A null is a
    /// missing value. A bad record (a missing required value, NaN or ±inf, text that does not
    /// parse) raises ``InputError`` naming ``records.SET[i].FIELD``, or, when the plan says
    /// ``bad_records: skip``, is left out and counted in :attr:`Evaluation.derivation`.
    ///
    /// Numbers: ``Decimal``, ``int`` and ``str`` are exact, ``float`` is taken by its
    /// shortest repr; ``bool``, NaN, ±inf and out-of-range values raise ``InputError``
    /// naming the subject and indicator. In actuals data frames NaN and null mean *missing*.
    /// Data frames are read through the Arrow C data interface, and scoring runs with the GIL
    /// released. Raises ``InputError`` listing every problem (each with ``code``, ``path``,
    /// ``loc``, ``message`` and, for a data frame's row, ``origin``); there are no partial
    /// results. A column of nulls, of any type, holds no values; a pandas column mixing text and
    /// numbers, or a polars ``LazyFrame`` (``.collect()`` it), is an ``InputError`` naming it.
    #[pyo3(signature = (assignments, actuals = None, *, targets = None, period = None, layout = "auto", units = None, records = None))]
    #[allow(clippy::too_many_arguments)]
    fn score(
        &self,
        py: Python<'_>,
        assignments: &Bound<'_, PyAny>,
        actuals: Option<&Bound<'_, PyAny>>,
        targets: Option<&Bound<'_, PyAny>>,
        period: Option<String>,
        layout: &str,
        units: Option<&Bound<'_, PyAny>>,
        records: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<PyEvaluation> {
        let args = ScoreArgs {
            assignments,
            actuals,
            targets,
            period,
            layout,
            units,
            records,
        };
        score_with(py, self.scheme(), args)
    }

    /// Evaluates inputs given in the core's JSON shape — ``{"period", "assignments",
    /// "actuals", "targets", "units", "records"}`` — as a dict or as JSON text. This is the lowest-level entry:
    /// JSON text is parsed and evaluated entirely in Rust with the GIL released.
    fn evaluate(&self, py: Python<'_>, inputs: &Bound<'_, PyAny>) -> PyResult<PyEvaluation> {
        evaluate_with(py, self.scheme(), inputs)
    }

    /// Benchmark hook (not public API): times the core alone on inputs JSON text, as a Rust
    /// program would run it — `Inputs::from_json`, `CompiledPlan::evaluate`, `serde_json`
    /// serialization — and returns the seconds of each stage (best of `repeat` runs) and
    /// whether this is an optimized build.
    fn _bench_native<'py>(
        &self,
        py: Python<'py>,
        inputs: String,
        repeat: usize,
    ) -> PyResult<Bound<'py, PyDict>> {
        let plan = self.inner.clone();
        let times = detached(py, move || -> Result<[f64; 3], kpichain::InputError> {
            let mut best = [f64::INFINITY; 3];
            for _ in 0..repeat.max(1) {
                let t0 = std::time::Instant::now();
                let parsed = Inputs::from_json(&inputs)?;
                let t1 = std::time::Instant::now();
                let eval = plan.evaluate(&parsed)?;
                let t2 = std::time::Instant::now();
                let text = serde_json::to_string(&eval).unwrap_or_default();
                let t3 = std::time::Instant::now();
                std::hint::black_box(text);
                let stages = [
                    t1.duration_since(t0),
                    t2.duration_since(t1),
                    t3.duration_since(t2),
                ];
                for (b, d) in best.iter_mut().zip(stages) {
                    *b = b.min(d.as_secs_f64());
                }
            }
            Ok(best)
        })?
        .map_err(|e| input_error(py, &e))?;
        let d = PyDict::new(py);
        d.set_item("parse", times[0])?;
        d.set_item("evaluate", times[1])?;
        d.set_item("serialize", times[2])?;
        d.set_item("optimized", !cfg!(debug_assertions))?;
        Ok(d)
    }

    fn __repr__(&self) -> String {
        let p = self.inner.plan();
        format!(
            "<Plan id={:?} version={:?}: {} indicators, {} roles>",
            p.id,
            p.version,
            p.indicators.len(),
            p.roles.len()
        )
    }
}

/// The arguments of a `score` call, as Python gave them.
pub(crate) struct ScoreArgs<'a, 'py> {
    pub(crate) assignments: &'a Bound<'py, PyAny>,
    pub(crate) actuals: Option<&'a Bound<'py, PyAny>>,
    pub(crate) targets: Option<&'a Bound<'py, PyAny>>,
    pub(crate) period: Option<String>,
    pub(crate) layout: &'a str,
    pub(crate) units: Option<&'a Bound<'py, PyAny>>,
    pub(crate) records: Option<&'a Bound<'py, PyAny>>,
}

/// Scores rows or data frames with a plan or with versions: Python rows are fed to the core's
/// intake with the interpreter, tables and record sets without it, then the batch is scored.
pub(crate) fn score_with(
    py: Python<'_>,
    scheme: Scheme,
    args: ScoreArgs<'_, '_>,
) -> PyResult<PyEvaluation> {
    guard(py, || {
        let ScoreArgs {
            assignments,
            actuals,
            targets,
            period,
            layout,
            units,
            records,
        } = args;
        let long = match layout {
            "auto" | "wide" => false,
            "long" => true,
            _ => {
                return Err(PyValueError::new_err(format!(
                    "layout must be 'auto', 'long' or 'wide', not {layout:?}"
                )));
            }
        };
        let mut b = IntakeBuilder::new();
        b.indicators(scheme.indicator_ids());
        if actuals.is_none() {
            b.combined();
        }
        b.period(period.as_deref().map_or(Cell::Null, Cell::Text));
        let mut tables = Vec::new();
        let parts = [
            (List::Assignments, Some(assignments)),
            (List::Actuals, actuals),
            (List::Targets, targets),
            (List::Units, units),
        ];
        for (list, obj) in parts {
            match obj {
                Some(obj) if intake::is_table(obj)? => {
                    tables.push((list, intake::import_table(py, obj, list.name())?))
                }
                Some(obj) => intake::rows(&mut b, list, obj, long)?,
                None => {}
            }
        }
        // Records are read as the plan (or the version in force at the period's start)
        // declares them. Without such a plan the evaluation fails on the period anyway.
        let record_sets = match (records, scheme.plan_for(period.as_deref())) {
            (Some(r), Ok(plan)) => records::collect(py, plan, r, &mut b)?,
            _ => Vec::new(),
        };
        // One wide frame for a plan: the core's columnar kernel, when it is the plain case
        // (see `kpichain_arrow::batch::wide`); its errors are always the intake's.
        // An assignments frame with wide actuals beside it, in the same order, too.
        let plain = targets.is_none() && units.is_none() && records.is_none() && !long;
        if let (true, Some(plan)) = (plain, scheme.as_plan()) {
            let (plan, period) = (plan.clone(), period.clone());
            let scored = match tables.as_slice() {
                [(List::Assignments, t)] if actuals.is_none() => detached(py, move || {
                    kpichain_arrow::batch::wide(&plan, t, period, true).and_then(|b| b.score().ok())
                })?,
                [(List::Assignments, a), (List::Actuals, t)] => detached(py, move || {
                    kpichain_arrow::batch::wide_pair(&plan, a, t, period, true)
                        .and_then(|b| b.score().ok())
                })?,
                _ => None,
            };
            if let Some(scores) = scored {
                return Ok(PyEvaluation::from_columns(scores, scheme));
            }
        }
        let owned = scheme.clone();
        let outcome = detached(py, move || -> Result<Evaluation, kpichain::InputError> {
            for (list, t) in &tables {
                intake::table(&mut b, *list, t, long);
            }
            let sets = match owned.plan_for(period.as_deref()) {
                Ok(plan) => kpichain_arrow::records::record_sets(plan, record_sets, &mut b),
                Err(_) => RecordSets::new(),
            };
            owned.evaluate_intake_records(&b.finish()?, &sets)
        })?;
        match outcome {
            Ok(eval) => Ok(PyEvaluation::new(eval, scheme)),
            Err(e) => Err(input_error(py, &e)),
        }
    })
}

/// Evaluates inputs in the core's JSON shape (a dict, or JSON text parsed in Rust).
pub(crate) fn evaluate_with(
    py: Python<'_>,
    scheme: Scheme,
    inputs: &Bound<'_, PyAny>,
) -> PyResult<PyEvaluation> {
    guard(py, || {
        let text = if let Ok(s) = inputs.cast::<PyString>() {
            s.to_cow()?.into_owned()
        } else {
            match pyjson::to_json_text(inputs, true)? {
                Ok(t) => t,
                Err(issues) => return Err(errors::to_pyerr(py, Kind::Input, &issues)),
            }
        };
        let owned = scheme.clone();
        let outcome = detached(py, move || {
            owned.evaluate_intake(&Intake::from_json(&text)?)
        })?;
        match outcome {
            Ok(eval) => Ok(PyEvaluation::new(eval, scheme)),
            Err(e) => Err(input_error(py, &e)),
        }
    })
}

/// The explanation, as text, of one subject's result (by subject id or position) in
/// `evaluation`, by `scheme`.
pub(crate) fn explain_with(
    scheme: &Scheme,
    evaluation: &PyEvaluation,
    subject: &Bound<'_, PyAny>,
) -> PyResult<String> {
    evaluation.explain_by(subject.py(), scheme, subject)
}

/// Loads and compiles a plan (same as :meth:`Plan.load`).
#[pyfunction]
pub(crate) fn load_plan(py: Python<'_>, source: &Bound<'_, PyAny>) -> PyResult<PyPlan> {
    PyPlan::load(py, source)
}

/// Checks a plan (dict, JSON/TOML text or file path) and returns every problem as a dict with
/// ``code``, ``path`` and ``message``; an empty list means the plan is valid. Plan problems
/// never raise (an unreadable file still raises ``OSError``).
#[pyfunction]
pub(crate) fn validate<'py>(
    py: Python<'py>,
    source: &Bound<'py, PyAny>,
) -> PyResult<Bound<'py, PyList>> {
    guard(py, || {
        let s = self::source(source, "a plan is")?;
        match compile(py, s)? {
            Ok(_) => Ok(PyList::empty(py)),
            Err(e) => errors::issues_to_py(py, &e.issues),
        }
    })
}

/// The JSON Schema of the plan format (draft 2020-12), as a dict.
#[pyfunction]
pub(crate) fn plan_schema(py: Python<'_>) -> PyResult<Bound<'_, PyAny>> {
    json_loads(py, &kpichain::plan_schema())
}

/// The JSON Schema of evaluation inputs (assignments, actuals, targets), as a dict.
#[pyfunction]
pub(crate) fn inputs_schema(py: Python<'_>) -> PyResult<Bound<'_, PyAny>> {
    json_loads(py, &kpichain::inputs_schema())
}

/// The JSON Schema of evaluation results (decimals are strings), as a dict.
#[pyfunction]
pub(crate) fn result_schema(py: Python<'_>) -> PyResult<Bound<'_, PyAny>> {
    json_loads(py, &kpichain::result_schema())
}
