//! Result objects. They share the core's `Evaluation` (behind an `Arc`) and create Python
//! values — `decimal.Decimal` for every number — only when an attribute is read, so a million
//! results cost no more Python objects than the caller looks at.

use std::collections::HashMap;
use std::sync::{Arc, OnceLock};

use kpichain::{ColumnScores, Evaluation, Explanation, ItemResult, Scheme, SubjectResult};
use kpichain_arrow::results::TableError;
use pyo3::exceptions::{PyIndexError, PyKeyError, PyTypeError, PyValueError};
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyList, PyString};

use crate::errors::{guard, input_error};
use crate::html;
use crate::numbers::{opt_to_py, to_py};

/// Parses JSON text into Python objects with the standard `json` module.
pub(crate) fn json_loads<'py>(py: Python<'py>, text: &str) -> PyResult<Bound<'py, PyAny>> {
    py.import("json")?.call_method1("loads", (text,))
}

fn to_json<T: serde::Serialize>(value: &T, indent: Option<usize>) -> String {
    match indent {
        None => serde_json::to_string(value).unwrap_or_default(),
        Some(n) => {
            let pad = vec![b' '; n];
            let mut out = Vec::new();
            let fmt = serde_json::ser::PrettyFormatter::with_indent(&pad);
            let mut ser = serde_json::Serializer::with_formatter(&mut out, fmt);
            match value.serialize(&mut ser) {
                Ok(()) => String::from_utf8(out).unwrap_or_default(),
                Err(_) => String::new(),
            }
        }
    }
}

/// The results of scoring a batch of subjects against one plan.
///
/// Behaves like a read-only sequence of :class:`SubjectResult` (``len(ev)``, ``ev[0]``,
/// iteration) that can also be indexed by subject id (``ev["E001"]``). Convert it with
/// :meth:`to_pandas`, :meth:`to_polars`, :meth:`to_arrow` (exact decimal columns unless
/// ``floats=True``, through the Arrow C stream: no Python object per subject) or :meth:`to_dict` / :meth:`to_json` (the core's JSON shape, decimals as
/// strings). In Jupyter it displays as a table.
#[pyclass(frozen, module = "kpichain._kpichain", name = "Evaluation")]
pub struct PyEvaluation {
    /// The owned evaluation: given, or made from `columns` when first needed.
    eval: OnceLock<Arc<Evaluation>>,
    /// The columns of the core's columnar kernel, when it scored the batch.
    columns: Option<Arc<ColumnScores>>,
    pub(crate) scheme: Scheme,
    index: OnceLock<HashMap<Arc<str>, usize>>,
}

impl PyEvaluation {
    pub(crate) fn new(eval: Evaluation, scheme: Scheme) -> PyEvaluation {
        PyEvaluation {
            eval: OnceLock::from(Arc::new(eval)),
            columns: None,
            scheme,
            index: OnceLock::new(),
        }
    }

    /// A batch scored by the columnar kernel: its owned results are made when first needed
    /// (all of them for `results`, iteration or JSON; one for `ev[i]`).
    pub(crate) fn from_columns(scores: ColumnScores, scheme: Scheme) -> PyEvaluation {
        PyEvaluation {
            eval: OnceLock::new(),
            columns: Some(Arc::new(scores)),
            scheme,
            index: OnceLock::new(),
        }
    }

    /// The whole owned evaluation (made from the columns, without the GIL, the first time).
    pub(crate) fn evaluation(&self, py: Python<'_>) -> PyResult<Arc<Evaluation>> {
        if let Some(e) = self.eval.get() {
            return Ok(e.clone());
        }
        let Some(columns) = self.columns.clone() else {
            return Err(PyValueError::new_err("an evaluation without results"));
        };
        let made = py
            .detach(move || columns.to_evaluation())
            .map_err(|e| input_error(py, &e))?;
        Ok(self.eval.get_or_init(|| Arc::new(made)).clone())
    }

    fn len(&self) -> usize {
        match (&self.columns, self.eval.get()) {
            (Some(c), _) => c.len(),
            (None, Some(e)) => e.results.len(),
            (None, None) => 0,
        }
    }

    /// Result `i` as a `SubjectResult`: from the whole evaluation when it is held, else from
    /// an evaluation of that subject alone.
    fn subject(&self, py: Python<'_>, i: usize) -> PyResult<PySubjectResult> {
        let (eval, index) = match (self.eval.get(), &self.columns) {
            (Some(e), _) => (e.clone(), i),
            (None, Some(c)) => {
                let one = c.result(i).map_err(|e| input_error(py, &e))?;
                let plan = c.plan();
                let eval = Evaluation {
                    plan_id: plan.plan().id.clone(),
                    plan_version: plan.plan().version.clone(),
                    plan_fingerprint: plan.fingerprint().to_string(),
                    period: c.batch().period().map(str::to_string),
                    results: vec![one],
                    derivation: None,
                    versions: Vec::new(),
                };
                (Arc::new(eval), 0)
            }
            (None, None) => return Err(PyIndexError::new_err("result index out of range")),
        };
        Ok(PySubjectResult {
            eval,
            scheme: self.scheme.clone(),
            index,
            segment: None,
        })
    }

    /// The explanation, as text, of one subject's result (by subject id or position), by
    /// `scheme`: from that subject's result alone when the batch was scored in columns.
    pub(crate) fn explain_by(
        &self,
        py: Python<'_>,
        scheme: &Scheme,
        key: &Bound<'_, PyAny>,
    ) -> PyResult<String> {
        let one = self.subject(py, self.position(key)?)?;
        Ok(scheme.explain(&one.eval, one.r()?).to_string())
    }

    pub(crate) fn position(&self, key: &Bound<'_, PyAny>) -> PyResult<usize> {
        let n = self.len();
        if let Ok(s) = key.cast::<PyString>() {
            let s = s.to_cow()?;
            let index = self
                .index
                .get_or_init(|| match (&self.columns, self.eval.get()) {
                    (Some(c), _) => (0..c.len()).map(|i| (Arc::from(c.subject(i)), i)).collect(),
                    (None, Some(e)) => e
                        .results
                        .iter()
                        .enumerate()
                        .map(|(i, r)| (r.subject.clone(), i))
                        .collect(),
                    (None, None) => HashMap::new(),
                });
            return index
                .get(s.as_ref())
                .copied()
                .ok_or_else(|| PyKeyError::new_err(s.into_owned()));
        }
        let i: isize = key.extract().map_err(|_| {
            PyTypeError::new_err("index an Evaluation by position (int) or by subject id (str)")
        })?;
        let n_signed = isize::try_from(n).unwrap_or(isize::MAX);
        let j = if i < 0 { i.saturating_add(n_signed) } else { i };
        usize::try_from(j)
            .ok()
            .filter(|&j| j < n)
            .ok_or_else(|| PyIndexError::new_err("result index out of range"))
    }
}

#[pymethods]
impl PyEvaluation {
    /// The plan's id.
    #[getter]
    fn plan_id(&self) -> String {
        match (self.eval.get(), &self.columns) {
            (Some(e), _) => e.plan_id.clone(),
            (None, Some(c)) => c.plan().plan().id.clone(),
            (None, None) => String::new(),
        }
    }

    /// The plan's version.
    #[getter]
    fn plan_version(&self) -> String {
        match (self.eval.get(), &self.columns) {
            (Some(e), _) => e.plan_version.clone(),
            (None, Some(c)) => c.plan().plan().version.clone(),
            (None, None) => String::new(),
        }
    }

    /// The plan's fingerprint (``sha256:…``).
    #[getter]
    fn plan_fingerprint(&self) -> String {
        match (self.eval.get(), &self.columns) {
            (Some(e), _) => e.plan_fingerprint.clone(),
            (None, Some(c)) => c.plan().fingerprint().to_string(),
            (None, None) => String::new(),
        }
    }

    /// The period given with the inputs, if any.
    #[getter]
    fn period(&self) -> Option<String> {
        match (self.eval.get(), &self.columns) {
            (Some(e), _) => e.period.clone(),
            (None, Some(c)) => c.batch().period().map(str::to_string),
            (None, None) => None,
        }
    }

    /// How actuals were derived from records, as plain Python data (``period``,
    /// ``time_zone``, ``record_sets`` with the records read, good and bad, ``bad_records``
    /// skipped under the plan's ``bad_records: skip``, and per measure the actuals given and
    /// notes); ``None`` when no records were given.
    #[getter]
    fn derivation<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        if self.eval.get().is_none() {
            // A batch scored in columns derives nothing.
            return Ok(py.None().into_bound(py));
        }
        match &self.evaluation(py)?.derivation {
            Some(report) => json_loads(py, &to_json(report, None)),
            None => Ok(py.None().into_bound(py)),
        }
    }

    /// The plan versions applied to the period (a versioned plan only; empty for a single
    /// plan): dicts with ``version``, ``fingerprint``, ``effective_from`` (the version's first
    /// day in force), ``from`` and ``to`` (the days of the period it scored, inclusive) and
    /// ``days``. One entry, unless the period spans a change and the plan's span rule is
    /// ``pro_rata``.
    #[getter]
    fn versions<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyList>> {
        let list = PyList::empty(py);
        if self.eval.get().is_none() {
            return Ok(list);
        }
        for v in &self.evaluation(py)?.versions {
            let d = PyDict::new(py);
            d.set_item("version", &v.version)?;
            d.set_item("fingerprint", &v.fingerprint)?;
            d.set_item("effective_from", &v.effective_from)?;
            d.set_item("from", &v.from)?;
            d.set_item("to", &v.to)?;
            d.set_item("days", v.days)?;
            list.append(d)?;
        }
        Ok(list)
    }

    /// Every subject's result, in the order of the assignments.
    #[getter]
    fn results(&self, py: Python<'_>) -> PyResult<Vec<PySubjectResult>> {
        self.evaluation(py)?;
        (0..self.len()).map(|i| self.subject(py, i)).collect()
    }

    fn __len__(&self) -> usize {
        self.len()
    }

    /// Diagnostics (not part of the API): how many subjects the core's columnar kernel scored
    /// in fixed point, in exact fractions and by its engine; ``None`` when the batch was not
    /// scored in columns.
    fn _paths(&self) -> Option<(usize, usize, usize)> {
        self.columns.as_ref().map(|c| c.paths())
    }

    fn __getitem__(&self, py: Python<'_>, key: &Bound<'_, PyAny>) -> PyResult<PySubjectResult> {
        self.subject(py, self.position(key)?)
    }

    fn __contains__(&self, key: &Bound<'_, PyAny>) -> bool {
        key.cast::<PyString>().is_ok() && self.position(key).is_ok()
    }

    fn __iter__(slf: PyRef<'_, Self>) -> PyResult<ResultIterator> {
        Ok(ResultIterator {
            eval: slf.evaluation(slf.py())?,
            scheme: slf.scheme.clone(),
            next: std::sync::atomic::AtomicUsize::new(0),
        })
    }

    /// The human-readable explanation of one subject's result (by subject id or position).
    fn explain(&self, py: Python<'_>, subject: &Bound<'_, PyAny>) -> PyResult<String> {
        self.subject(py, self.position(subject)?)?.explain()
    }

    /// Number of subjects per grade, in the order of the plan's grade scale (for versions,
    /// the scale of the version applied last).
    fn grade_counts<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let d = PyDict::new(py);
        if let (None, Some(c)) = (self.eval.get(), &self.columns) {
            let mut counts = vec![0usize; c.plan().grade_names().len()];
            for i in 0..c.len() {
                if let Some(n) = c.grade_index(i).and_then(|g| counts.get_mut(g)) {
                    *n = n.saturating_add(1);
                }
            }
            for (g, n) in c.plan().grade_names().into_iter().zip(counts) {
                d.set_item(g, n)?;
            }
            return Ok(d);
        }
        let eval = self.evaluation(py)?;
        for (g, n) in self.scheme.grade_counts(&eval) {
            d.set_item(g, n)?;
        }
        Ok(d)
    }

    /// The evaluation as JSON text in the core's shape (decimals as strings such as ``"87.50"``).
    #[pyo3(signature = (*, indent = None))]
    fn to_json(&self, py: Python<'_>, indent: Option<usize>) -> PyResult<String> {
        let eval = self.evaluation(py)?;
        crate::errors::detached(py, move || to_json(&*eval, indent))
    }

    /// The evaluation as plain Python data in the core's JSON shape (decimals as strings).
    fn to_dict<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        let text = self.to_json(py, None)?;
        json_loads(py, &text)
    }

    /// One row per subject (``items=False``) or per subject and item (``items=True``) as an
    /// Arrow table exported through the Arrow PyCapsule interface; numbers are
    /// ``Decimal128(38, s)`` columns, or ``float64`` with ``floats=True``.
    #[pyo3(signature = (*, items = false, floats = false))]
    fn _arrow(&self, py: Python<'_>, items: bool, floats: bool) -> PyResult<pyo3_arrow::PyTable> {
        guard(py, || {
            let columns = self.columns.as_ref().filter(|_| !items);
            let batch = match columns {
                Some(c) => py.detach(|| kpichain_arrow::results::column_subjects(c, floats)),
                None => {
                    let e = self.evaluation(py)?;
                    py.detach(|| {
                        if items {
                            kpichain_arrow::results::items(&e, floats)
                        } else {
                            kpichain_arrow::results::subjects(&e, floats)
                        }
                    })
                }
            }
            .map_err(|e| match e {
                TableError::DoesNotFit { .. } => {
                    PyValueError::new_err(format!("{e}; use floats=True"))
                }
                e => PyValueError::new_err(e.to_string()),
            })?;
            pyo3_arrow::PyTable::try_new(vec![batch.clone()], batch.schema())
        })
    }

    /// A ``pyarrow.Table`` with one row per subject (or per item with ``items=True``), taken
    /// over through the Arrow C stream (no copy, no Python object per subject). Numbers are
    /// exact ``decimal128(38, s)`` columns unless ``floats=True``. Needs pyarrow.
    #[pyo3(signature = (*, items = false, floats = false))]
    fn to_arrow<'py>(
        &self,
        py: Python<'py>,
        items: bool,
        floats: bool,
    ) -> PyResult<Bound<'py, PyAny>> {
        let t = self._arrow(py, items, floats)?;
        import_optional(py, "pyarrow", "to_arrow()")?.call_method1("table", (t,))
    }

    /// A ``pandas.DataFrame`` with one row per subject (or per item with ``items=True``).
    /// Number columns are exact ``pd.ArrowDtype(pa.decimal128(38, s))`` columns (numeric:
    /// comparisons, ``sum()``, ``mean()``, sorting), or ``float64`` with ``floats=True``; text
    /// columns are Arrow-backed strings. Built from the Arrow table column by column: no
    /// Python object per subject. Needs pandas and pyarrow.
    #[pyo3(signature = (*, items = false, floats = false))]
    fn to_pandas<'py>(
        &self,
        py: Python<'py>,
        items: bool,
        floats: bool,
    ) -> PyResult<Bound<'py, PyAny>> {
        let pd = import_optional(py, "pandas", "to_pandas()")?;
        let table = self.to_arrow(py, items, floats)?;
        let types = py.import("pyarrow")?.getattr("types")?;
        // pandas 3 turns Arrow text into its Arrow-backed `str` dtype by itself; pandas 2
        // would make a Python `str` per row (object dtype) unless asked for `string[pyarrow]`.
        let version: String = pd.getattr("__version__")?.extract()?;
        let old_strings = version
            .split('.')
            .next()
            .and_then(|m| m.parse::<u32>().ok())
            .is_some_and(|major| major < 3);
        let mapping = PyDict::new(py);
        for field in table.getattr("schema")?.try_iter()? {
            let ty = field?.getattr("type")?;
            if types.call_method1("is_decimal", (&ty,))?.is_truthy()? {
                mapping.set_item(&ty, pd.call_method1("ArrowDtype", (&ty,))?)?;
            } else if old_strings && (types.call_method1("is_string", (&ty,))?).is_truthy()? {
                mapping.set_item(&ty, pd.call_method1("StringDtype", ("pyarrow",))?)?;
            }
        }
        let kwargs = PyDict::new(py);
        kwargs.set_item("types_mapper", mapping.getattr("get")?)?;
        table.call_method("to_pandas", (), Some(&kwargs))
    }

    /// A ``polars.DataFrame`` with one row per subject (or per item with ``items=True``),
    /// read from the Arrow C stream (no Python object per subject). Number columns are exact
    /// ``pl.Decimal(38, s)`` unless ``floats=True``. Needs polars (not pyarrow).
    #[pyo3(signature = (*, items = false, floats = false))]
    fn to_polars<'py>(
        &self,
        py: Python<'py>,
        items: bool,
        floats: bool,
    ) -> PyResult<Bound<'py, PyAny>> {
        let t = self._arrow(py, items, floats)?;
        import_optional(py, "polars", "to_polars()")?.call_method1("DataFrame", (t,))
    }

    /// Arrow PyCapsule stream of the per-subject table, so ``pyarrow.table(ev)`` and
    /// ``polars.DataFrame(ev)`` work directly.
    #[pyo3(signature = (requested_schema = None))]
    fn __arrow_c_stream__<'py>(
        &self,
        py: Python<'py>,
        requested_schema: Option<Bound<'py, PyAny>>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let t = self._arrow(py, false, false)?.into_pyobject(py)?;
        t.call_method1("__arrow_c_stream__", (requested_schema,))
    }

    /// HTML table for Jupyter.
    fn _repr_html_(&self, py: Python<'_>) -> PyResult<String> {
        Ok(html::evaluation(&*self.evaluation(py)?, &self.scheme, 50))
    }

    fn __repr__(&self) -> String {
        let period = self
            .period()
            .map_or_else(String::new, |p| format!(", period={p:?}"));
        format!(
            "<Evaluation plan={:?} version={:?}{period}, {} subjects>",
            self.plan_id(),
            self.plan_version(),
            self.len()
        )
    }
}

fn import_optional<'py>(
    py: Python<'py>,
    module: &str,
    what: &str,
) -> PyResult<Bound<'py, PyModule>> {
    py.import(module).map_err(|e| {
        let err = pyo3::exceptions::PyImportError::new_err(format!(
            "{what} needs the `{module}` package: pip install {module}"
        ));
        err.set_cause(py, Some(e));
        err
    })
}

/// Iterator over an evaluation's results.
#[pyclass(frozen, module = "kpichain._kpichain")]
pub struct ResultIterator {
    eval: Arc<Evaluation>,
    scheme: Scheme,
    next: std::sync::atomic::AtomicUsize,
}

#[pymethods]
impl ResultIterator {
    fn __iter__(slf: PyRef<'_, Self>) -> PyRef<'_, Self> {
        slf
    }

    fn __next__(&self) -> Option<PySubjectResult> {
        let i = self.next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        (i < self.eval.results.len()).then(|| PySubjectResult {
            eval: self.eval.clone(),
            scheme: self.scheme.clone(),
            index: i,
            segment: None,
        })
    }
}

/// One subject's result: total, grade, coefficient, payout and every item, with
/// ``decimal.Decimal`` numbers at the plan's scales (``Decimal('87.50')``).
///
/// A subject scored pro rata across plan versions has its total, grade, coefficient and
/// payout here and no items; each version's full result is in :attr:`segments`.
#[pyclass(frozen, module = "kpichain._kpichain", name = "SubjectResult")]
pub struct PySubjectResult {
    eval: Arc<Evaluation>,
    scheme: Scheme,
    index: usize,
    /// The pro-rata segment this is the result of, for a segment's own result.
    segment: Option<usize>,
}

/// The result at `index` (and, within it, segment `segment`).
fn result_at(eval: &Evaluation, index: usize, segment: Option<usize>) -> Option<&SubjectResult> {
    let r = eval.results.get(index)?;
    match segment {
        None => Some(r),
        Some(s) => r.segments.get(s).map(|s| &s.result),
    }
}

impl PySubjectResult {
    fn r(&self) -> PyResult<&SubjectResult> {
        result_at(&self.eval, self.index, self.segment)
            .ok_or_else(|| PyIndexError::new_err("result index out of range"))
    }

    fn explanation_of(&self) -> PyResult<Explanation> {
        let segment = self.segment.and_then(|s| {
            self.eval
                .results
                .get(self.index)
                .and_then(|r| r.segments.get(s))
        });
        Ok(match segment {
            Some(s) => self.scheme.explain_segment(&self.eval, s),
            None => self.scheme.explain(&self.eval, self.r()?),
        })
    }
}

#[pymethods]
impl PySubjectResult {
    /// Subject id.
    #[getter]
    fn subject(&self) -> PyResult<&str> {
        Ok(&self.r()?.subject)
    }

    /// Display name from the assignment.
    #[getter]
    fn name(&self) -> PyResult<Option<&str>> {
        Ok(self.r()?.name.as_deref())
    }

    /// Role id.
    #[getter]
    fn role(&self) -> PyResult<&str> {
        Ok(&self.r()?.role)
    }

    /// Org unit from the assignment.
    #[getter]
    fn unit(&self) -> PyResult<Option<&str>> {
        Ok(self.r()?.unit.as_deref())
    }

    /// Region from the assignment.
    #[getter]
    fn region(&self) -> PyResult<Option<&str>> {
        Ok(self.r()?.region.as_deref())
    }

    /// The variant of the role's scorecard applied (by unit or region), if any.
    #[getter]
    fn variant(&self) -> PyResult<Option<&str>> {
        Ok(self.r()?.variant.as_deref())
    }

    /// Where items that do not read the subject's own actual took it from: dicts with
    /// ``item``, ``from`` (``unit``, ``subject`` or ``role``), ``id`` (the unit, subject or
    /// role read) and ``detail`` (one sentence).
    #[getter]
    fn sources<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyList>> {
        let list = PyList::empty(py);
        for s in &self.r()?.sources {
            let d = PyDict::new(py);
            d.set_item("item", &*s.item)?;
            d.set_item("from", s.from)?;
            d.set_item("id", &s.id)?;
            d.set_item("detail", &s.detail)?;
            list.append(d)?;
        }
        Ok(list)
    }

    /// Sum of weighted item scores plus adjustments, before rounding and vetoes.
    #[getter]
    fn total_unrounded<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        to_py(py, &self.r()?.total_unrounded)
    }

    /// The final total at the plan's total scale (after vetoes).
    #[getter]
    fn total<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        to_py(py, &self.r()?.total)
    }

    /// The grade (S/A/B/C/D …).
    #[getter]
    fn grade(&self) -> PyResult<&str> {
        Ok(&self.r()?.grade)
    }

    /// The grade's coefficient.
    #[getter]
    fn coefficient<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        to_py(py, &self.r()?.coefficient)
    }

    /// Bonus base × coefficient at the payout scale, when a bonus base was given.
    #[getter]
    fn payout<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        opt_to_py(py, &self.r()?.payout)
    }

    /// Every item of the scorecard, in scorecard order.
    #[getter]
    fn items(&self) -> PyResult<Vec<PyItemResult>> {
        Ok((0..self.r()?.items.len())
            .map(|j| PyItemResult {
                eval: self.eval.clone(),
                subject: self.index,
                segment: self.segment,
                index: j,
            })
            .collect())
    }

    /// Adjustments (bonus/penalty points): dicts with ``id``, ``actual``, ``raw_points``,
    /// ``points`` (``Decimal``) and ``capped`` (bool).
    #[getter]
    fn adjustments<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyList>> {
        let list = PyList::empty(py);
        for a in &self.r()?.adjustments {
            let d = PyDict::new(py);
            d.set_item("id", &*a.id)?;
            d.set_item("actual", to_py(py, &a.actual)?)?;
            d.set_item("raw_points", to_py(py, &a.raw_points)?)?;
            d.set_item("points", to_py(py, &a.points)?)?;
            d.set_item("capped", a.capped)?;
            list.append(d)?;
        }
        Ok(list)
    }

    /// Vetoes whose condition held: dicts with ``id``, ``force_grade``, ``force_total``.
    #[getter]
    fn vetoes<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyList>> {
        let list = PyList::empty(py);
        for v in &self.r()?.vetoes {
            let d = PyDict::new(py);
            d.set_item("id", &*v.id)?;
            d.set_item("force_grade", v.force_grade.as_deref())?;
            d.set_item("force_total", opt_to_py(py, &v.force_total)?)?;
            list.append(d)?;
        }
        Ok(list)
    }

    /// Warnings (missing data handled by policy, values outside bands …): dicts with
    /// ``code``, ``path`` and ``message``.
    #[getter]
    fn warnings<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyList>> {
        let list = PyList::empty(py);
        for w in &self.r()?.warnings {
            let d = PyDict::new(py);
            d.set_item("code", w.code.as_str())?;
            d.set_item("path", w.path.to_string())?;
            d.set_item("message", &w.message)?;
            list.append(d)?;
        }
        Ok(list)
    }

    /// The item with this item id (or indicator id).
    fn item(&self, key: &str) -> PyResult<PyItemResult> {
        let r = self.r()?;
        r.items
            .iter()
            .position(|it| &*it.item == key)
            .or_else(|| r.items.iter().position(|it| &*it.indicator == key))
            .map(|j| PyItemResult {
                eval: self.eval.clone(),
                subject: self.index,
                segment: self.segment,
                index: j,
            })
            .ok_or_else(|| PyKeyError::new_err(key.to_string()))
    }

    /// The versions' parts of a result scored pro rata across plan versions (empty
    /// otherwise): dicts with ``version``, ``from``, ``to`` (inclusive), ``days`` (the part's
    /// weight in the total) and ``result``, the subject's full :class:`SubjectResult` under
    /// that version for the whole period (with its items).
    #[getter]
    fn segments<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyList>> {
        let list = PyList::empty(py);
        if self.segment.is_some() {
            return Ok(list);
        }
        for (k, s) in self.r()?.segments.iter().enumerate() {
            let d = PyDict::new(py);
            d.set_item("version", &s.version)?;
            d.set_item("from", &s.from)?;
            d.set_item("to", &s.to)?;
            d.set_item("days", s.days)?;
            d.set_item(
                "result",
                PySubjectResult {
                    eval: self.eval.clone(),
                    scheme: self.scheme.clone(),
                    index: self.index,
                    segment: Some(k),
                },
            )?;
            list.append(d)?;
        }
        Ok(list)
    }

    /// The explanation for an HR user: every item's actual, target, rule, score and weight,
    /// adjustments, vetoes, rounding, grade and coefficient, as text. A result scored pro
    /// rata across plan versions explains each version's part and the day-weighted total.
    fn explain(&self) -> PyResult<String> {
        Ok(self.explanation_of()?.to_string())
    }

    /// The same explanation as structured data (decimals as strings).
    fn explanation<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        json_loads(py, &to_json(&self.explanation_of()?, None))
    }

    /// This result as JSON text in the core's shape (decimals as strings).
    #[pyo3(signature = (*, indent = None))]
    fn to_json(&self, indent: Option<usize>) -> PyResult<String> {
        Ok(to_json(self.r()?, indent))
    }

    /// This result as plain Python data in the core's JSON shape (decimals as strings).
    fn to_dict<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        json_loads(py, &to_json(self.r()?, None))
    }

    /// HTML for Jupyter: the result with its items.
    fn _repr_html_(&self) -> PyResult<String> {
        Ok(html::subject(&self.explanation_of()?, self.r()?))
    }

    fn __repr__(&self) -> PyResult<String> {
        let r = self.r()?;
        Ok(format!(
            "SubjectResult(subject={:?}, role={:?}, total=Decimal('{}'), grade={:?}, coefficient=Decimal('{}'))",
            &*r.subject, &*r.role, r.total, &*r.grade, r.coefficient
        ))
    }
}

/// One item's numbers: the actual, the targets used, achievement, the rule's raw and rounded
/// score, the weight (and the weight applied) and the weighted score, as ``decimal.Decimal``.
#[pyclass(frozen, module = "kpichain._kpichain", name = "ItemResult")]
pub struct PyItemResult {
    eval: Arc<Evaluation>,
    subject: usize,
    segment: Option<usize>,
    index: usize,
}

impl PyItemResult {
    fn it(&self) -> PyResult<&ItemResult> {
        result_at(&self.eval, self.subject, self.segment)
            .and_then(|r| r.items.get(self.index))
            .ok_or_else(|| PyIndexError::new_err("item index out of range"))
    }
}

#[pymethods]
impl PyItemResult {
    /// Item id.
    #[getter]
    fn item(&self) -> PyResult<&str> {
        Ok(&self.it()?.item)
    }

    /// Indicator id.
    #[getter]
    fn indicator(&self) -> PyResult<&str> {
        Ok(&self.it()?.indicator)
    }

    /// The rule type applied (``linear``, ``ratio``, ``bands`` …).
    #[getter]
    fn rule(&self) -> PyResult<&'static str> {
        Ok(self.it()?.rule)
    }

    /// ``scored``, ``missing_zero`` or ``excluded``.
    #[getter]
    fn status(&self) -> PyResult<&'static str> {
        Ok(self.it()?.status.as_str())
    }

    /// The actual value, or None when missing.
    #[getter]
    fn actual<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        opt_to_py(py, &self.it()?.actual)
    }

    /// The target used (the subject's own when given).
    #[getter]
    fn target<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        opt_to_py(py, &self.it()?.target)
    }

    /// The threshold used.
    #[getter]
    fn threshold<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        opt_to_py(py, &self.it()?.threshold)
    }

    /// The stretch value used.
    #[getter]
    fn stretch<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        opt_to_py(py, &self.it()?.stretch)
    }

    /// Achievement percentage at the plan's achievement scale; None when undefined.
    #[getter]
    fn achievement<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        opt_to_py(py, &self.it()?.achievement)
    }

    /// The rule's score before rounding.
    #[getter]
    fn raw_score<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        to_py(py, &self.it()?.raw_score)
    }

    /// The score at the plan's item scale.
    #[getter]
    fn score<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        to_py(py, &self.it()?.score)
    }

    /// The weight in the plan (percent).
    #[getter]
    fn weight<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        to_py(py, &self.it()?.weight)
    }

    /// The weight applied (differs from ``weight`` when other items were excluded).
    #[getter]
    fn effective_weight<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        to_py(py, &self.it()?.effective_weight)
    }

    /// score × effective weight ÷ 100 at the plan's weighted scale.
    #[getter]
    fn weighted<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        to_py(py, &self.it()?.weighted)
    }

    /// This item as plain Python data in the core's JSON shape (decimals as strings).
    fn to_dict<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        json_loads(py, &to_json(self.it()?, None))
    }

    fn __repr__(&self) -> PyResult<String> {
        let it = self.it()?;
        let actual = it
            .actual
            .map_or_else(|| "None".to_string(), |a| format!("Decimal('{a}')"));
        Ok(format!(
            "ItemResult(item={:?}, rule={:?}, actual={actual}, score=Decimal('{}'), weight=Decimal('{}'), weighted=Decimal('{}'))",
            &*it.item, it.rule, it.score, it.weight, it.weighted
        ))
    }
}
