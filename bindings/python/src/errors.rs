//! Error mapping: core issues → `kpichain.PlanError` / `kpichain.InputError`, and the last line
//! of defence against panics (`catch_unwind` → `kpichain.KpichainError`).
//!
//! The exception classes live in the pure-Python module `kpichain._errors` (so they can inherit
//! from both `KpichainError` and `ValueError` and carry typed properties); they are imported
//! once, when the first error is raised.

use kpichain::Code;
use std::panic::{AssertUnwindSafe, catch_unwind};

use kpichain::{Issue, Segment};
use pyo3::exceptions::{PyRuntimeError, PyValueError};
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::{PyDict, PyInt, PyList, PyString, PyTuple, PyType};

static KPICHAIN_ERROR: PyOnceLock<Py<PyType>> = PyOnceLock::new();
static PLAN_ERROR: PyOnceLock<Py<PyType>> = PyOnceLock::new();
static INPUT_ERROR: PyOnceLock<Py<PyType>> = PyOnceLock::new();

/// Which exception class to raise.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Kind {
    /// `kpichain.PlanError`.
    Plan,
    /// `kpichain.InputError`.
    Input,
    /// `kpichain.KpichainError` (internal failures).
    Internal,
}

/// The issues as a Python list of `{"code", "path", "loc", "message"[, "origin"]}` dicts:
/// `loc` is the path's segments (str keys, int indices), `origin` the caller's place
/// (`source`, and `line`, `row`, `column` when known).
pub(crate) fn issues_to_py<'py>(py: Python<'py>, issues: &[Issue]) -> PyResult<Bound<'py, PyList>> {
    let list = PyList::empty(py);
    for issue in issues {
        let d = PyDict::new(py);
        d.set_item("code", issue.code.as_str())?;
        d.set_item("path", issue.path.to_string())?;
        let loc = issue.path.segments().iter().map(|s| match s {
            Segment::Key(k) => PyString::new(py, k).into_any(),
            Segment::Index(i) => PyInt::new(py, *i).into_any(),
        });
        d.set_item("loc", PyTuple::new(py, loc)?)?;
        d.set_item("message", &issue.message)?;
        if let Some(o) = &issue.origin {
            let origin = PyDict::new(py);
            origin.set_item("source", &*o.source)?;
            if let Some(line) = o.line {
                origin.set_item("line", line)?;
            }
            if let Some(row) = o.row {
                origin.set_item("row", row)?;
            }
            if let Some(column) = &o.column {
                origin.set_item("column", &**column)?;
            }
            d.set_item("origin", origin)?;
        }
        list.append(d)?;
    }
    Ok(list)
}

/// The exception's message: the core's own summary of the issues.
fn summary(kind: Kind, issues: &[Issue]) -> String {
    let issues = issues.to_vec();
    match kind {
        Kind::Plan => kpichain::PlanError { issues }.to_string(),
        Kind::Input => kpichain::InputError { issues }.to_string(),
        Kind::Internal => issues
            .iter()
            .map(|i| format!("internal error: {i}"))
            .collect::<Vec<_>>()
            .join("\n"),
    }
}

/// Builds the Python exception for `issues`.
pub(crate) fn to_pyerr(py: Python<'_>, kind: Kind, issues: &[Issue]) -> PyErr {
    let message = summary(kind, issues);
    let (cell, name) = match kind {
        Kind::Plan => (&PLAN_ERROR, "PlanError"),
        Kind::Input => (&INPUT_ERROR, "InputError"),
        Kind::Internal => (&KPICHAIN_ERROR, "KpichainError"),
    };
    let build = || -> PyResult<PyErr> {
        let cls = cell.import(py, "kpichain._errors", name)?;
        let value = cls.call1((message.clone(), issues_to_py(py, issues)?))?;
        Ok(PyErr::from_value(value))
    };
    match build() {
        Ok(err) => err,
        // Only when the native module is used outside its package.
        Err(_) => match kind {
            Kind::Internal => PyRuntimeError::new_err(message),
            _ => PyValueError::new_err(message),
        },
    }
}

/// `kpichain.PlanError` from a core `PlanError`.
pub(crate) fn plan_error(py: Python<'_>, e: &kpichain::PlanError) -> PyErr {
    to_pyerr(py, Kind::Plan, &e.issues)
}

/// `OSError` (e.g. `FileNotFoundError`) naming the file that cannot be read, or
/// `kpichain.PlanError` for a file that was read.
pub(crate) fn load_error(py: Python<'_>, e: kpichain_io::LoadError) -> PyErr {
    match e {
        kpichain_io::LoadError::Plan(e) => plan_error(py, &e),
        kpichain_io::LoadError::Io { kind, .. } => {
            PyErr::from(std::io::Error::new(kind, e.to_string()))
        }
        other => PyErr::from(std::io::Error::other(other.to_string())),
    }
}

/// `kpichain.InputError` from a core `InputError`.
pub(crate) fn input_error(py: Python<'_>, e: &kpichain::InputError) -> PyErr {
    to_pyerr(py, Kind::Input, &e.issues)
}

fn panic_issue(payload: &(dyn std::any::Any + Send)) -> Issue {
    let what = payload
        .downcast_ref::<&str>()
        .map(|s| (*s).to_string())
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "unknown panic".to_string());
    Issue::new(
        Code::InternalError,
        "",
        format!(
            "kpichain hit an internal error and stopped this call; nothing else was affected. Please report it: {what}"
        ),
    )
}

/// Runs `f` (attached to the interpreter), turning a panic into `KpichainError`.
pub(crate) fn guard<T>(py: Python<'_>, f: impl FnOnce() -> PyResult<T>) -> PyResult<T> {
    match catch_unwind(AssertUnwindSafe(f)) {
        Ok(result) => result,
        Err(payload) => Err(to_pyerr(
            py,
            Kind::Internal,
            &[panic_issue(payload.as_ref())],
        )),
    }
}

/// Runs `f` with the interpreter released (`py.detach`), turning a panic into `KpichainError`.
/// `f` must not touch Python objects.
pub(crate) fn detached<T: Send>(py: Python<'_>, f: impl FnOnce() -> T + Send) -> PyResult<T> {
    let outcome =
        py.detach(|| catch_unwind(AssertUnwindSafe(f)).map_err(|p| panic_issue(p.as_ref())));
    outcome.map_err(|issue| to_pyerr(py, Kind::Internal, &[issue]))
}
