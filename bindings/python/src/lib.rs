//! Python bindings of kpichain: the native module `kpichain._kpichain`.
//!
//! Thin by design: it converts Python values and Arrow tables into the core's inputs, maps the
//! core's errors to Python exceptions, and exposes results; every number is computed by the
//! `kpichain` crate. See `bindings/python/README.md` for the Python API.

/// mimalloc: many small, short-lived result allocations per batch, and memory kept for the
/// next batch instead of being handed back to the system and faulted in again.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

mod cells;
mod diff;
mod errors;
mod html;
mod intake;
mod measure;
mod numbers;
mod plan;
mod pyjson;
mod records;
mod result;
mod versions;

use pyo3::prelude::*;

/// kpichain native module (use the `kpichain` package, which re-exports everything).
#[pymodule]
fn _kpichain(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    m.add_class::<plan::PyPlan>()?;
    m.add_class::<result::PyEvaluation>()?;
    m.add_class::<result::PySubjectResult>()?;
    m.add_class::<result::PyItemResult>()?;
    m.add_class::<result::ResultIterator>()?;
    m.add_class::<versions::PyPlanVersions>()?;
    m.add_class::<diff::PyPlanDiff>()?;
    m.add_function(wrap_pyfunction!(plan::load_plan, m)?)?;
    m.add_function(wrap_pyfunction!(plan::validate, m)?)?;
    m.add_function(wrap_pyfunction!(plan::plan_schema, m)?)?;
    m.add_function(wrap_pyfunction!(plan::inputs_schema, m)?)?;
    m.add_function(wrap_pyfunction!(plan::result_schema, m)?)?;
    m.add_function(wrap_pyfunction!(versions::load_versions, m)?)?;
    m.add_function(wrap_pyfunction!(versions::versions_schema, m)?)?;
    m.add_function(wrap_pyfunction!(diff::diff, m)?)?;
    m.add_function(wrap_pyfunction!(diff::diff_schema, m)?)?;
    m.add_function(wrap_pyfunction!(measure::derive_actuals, m)?)?;
    // Test hook (not public API): proves that a panic surfaces as `KpichainError`.
    m.setattr("_panic_for_tests", wrap_pyfunction!(panic_for_tests, m)?)?;
    Ok(())
}

/// Panics inside the boundary guard, attached and detached; used by the test suite only.
#[pyfunction]
#[allow(clippy::panic)]
fn panic_for_tests(py: Python<'_>, detached: bool) -> PyResult<()> {
    if detached {
        errors::detached(py, || panic!("test panic (detached)"))
    } else {
        errors::guard(py, || panic!("test panic"))
    }
}
