//! Node.js binding of kpichain (napi-rs 3). It converts and maps errors; every number is
//! computed by the core crate.
//!
//! The native layer speaks JSON text in the core's own shape (snake_case, decimals as
//! strings) so that the plan and results look the same in Rust, Python and JavaScript. The
//! hand-written `kpichain.js` wrapper turns objects into that text and back.

/// mimalloc: many small, short-lived result allocations per batch, and memory kept for the
/// next batch instead of being handed back to the system and faulted in again.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

mod batch;
mod batch_result;
mod cells;
mod failure;
mod js;
mod json;
mod plan;
mod scorer;
mod versions;

pub use batch::{BatchTask, NativeBatch};
pub use batch_result::NativeBatchResult;
pub use failure::{IssueIn, error_message};
pub use plan::{NativePlan, ScoreTask};
pub use versions::NativeVersions;

use failure::{Failure, Outcome, guard, run};
use kpichain::Code;
use kpichain::{CompiledPlan, Issue, Plan};
use napi::bindgen_prelude::*;
use napi_derive::napi;

/// The JSON Schema (draft 2020-12) of the plan format, as JSON text.
#[napi(catch_unwind)]
pub fn plan_schema() -> String {
    kpichain::plan_schema()
}

/// The JSON Schema of evaluation inputs (assignments, long-format actuals, targets), as JSON text.
#[napi(catch_unwind)]
pub fn inputs_schema() -> String {
    kpichain::inputs_schema()
}

/// The JSON Schema of evaluation results (decimals are strings), as JSON text.
#[napi(catch_unwind)]
pub fn result_schema() -> String {
    kpichain::result_schema()
}

/// The JSON Schema of a plan with effective-dated versions, as JSON text.
#[napi(catch_unwind)]
pub fn versions_schema() -> String {
    kpichain::versions_schema()
}

/// The JSON Schema of a plan diff (decimals are strings), as JSON text.
#[napi(catch_unwind)]
pub fn diff_schema() -> String {
    kpichain::diff_schema()
}

fn diff_of(
    before: &str,
    before_format: Option<&str>,
    after: &str,
    after_format: Option<&str>,
) -> Outcome<kpichain::diff::PlanDiff> {
    let before = parse_plan(before, before_format)?;
    let after = parse_plan(after, after_format)?;
    Ok(kpichain::diff::diff_plans(&before, &after))
}

/// What changed from plan `before` to plan `after` (JSON or TOML text; `format` as in
/// `validatePlan`), as JSON text `{from, to, changes}`. The plans are read, not compiled, so
/// a draft that does not compile can be compared. Throws `KPI_PLAN_INVALID` when a plan
/// cannot be read.
#[napi(
    catch_unwind,
    ts_args_type = "before: string, beforeFormat: 'json' | 'toml' | undefined | null, after: string, afterFormat: 'json' | 'toml' | undefined | null"
)]
pub fn diff_plans(
    env: Env,
    before: String,
    before_format: Option<String>,
    after: String,
    after_format: Option<String>,
) -> Result<Latin1String> {
    run(&env, || {
        let diff = diff_of(
            &before,
            before_format.as_deref(),
            &after,
            after_format.as_deref(),
        )?;
        json::to_ascii_json(&diff)
    })
}

/// The same diff as text for an HR user: a header line and one line per change.
#[napi(
    catch_unwind,
    ts_args_type = "before: string, beforeFormat: 'json' | 'toml' | undefined | null, after: string, afterFormat: 'json' | 'toml' | undefined | null"
)]
pub fn diff_plans_text(
    env: Env,
    before: String,
    before_format: Option<String>,
    after: String,
    after_format: Option<String>,
) -> Result<String> {
    run(&env, || {
        diff_of(
            &before,
            before_format.as_deref(),
            &after,
            after_format.as_deref(),
        )
        .map(|d| d.to_string())
    })
}

/// Derives actuals from records given as text rows with measure definitions
/// (`kpichain::measure::derive_json`): `{time_zone, period, records: {NAME: {fields, rows,
/// source?, time_zone?}}, measures, bad_records?, subjects?}` as JSON text. Returns `{actuals,
/// report}` as JSON text (decimals as strings); throws `KPI_INPUT_INVALID` with every problem.
#[napi(catch_unwind)]
pub fn derive_actuals(env: Env, request: String) -> Result<Latin1String> {
    run(&env, || {
        let derived = kpichain::measure::derive_json(&request)?;
        json::to_ascii_json(&derived)
    })
}

/// Checks a plan given as JSON or TOML text and returns every problem as JSON text: an array
/// of `{code, path, message}`, empty when the plan is valid. `format` is `"json"`, `"toml"`
/// or absent (JSON when the text starts with `{`, TOML otherwise).
#[napi(
    catch_unwind,
    ts_args_type = "text: string, format?: 'json' | 'toml' | undefined | null"
)]
pub fn validate_plan(env: Env, text: String, format: Option<String>) -> Result<String> {
    run(&env, || {
        issues_json(parse_plan(&text, format.as_deref()).and_then(compile))
    })
}

/// Like `validatePlan`, for a file; the format follows the extension (`.toml`, `.json`),
/// else the content. Throws `KPI_IO_ERROR` when the file cannot be read.
#[napi(catch_unwind)]
pub fn validate_plan_file(env: Env, path: String) -> Result<String> {
    run(&env, || {
        issues_json(read_plan_file(&path).and_then(compile))
    })
}

/// Panics inside the binding on purpose, synchronously or on the thread pool, so that tests
/// can check a panic becomes a `KPI_PANIC` error instead of ending the process. Not part of
/// the public API.
#[napi(
    catch_unwind,
    js_name = "__panicForTests",
    ts_return_type = "string | Promise<string>"
)]
pub fn panic_for_tests(
    env: Env,
    on_thread_pool: bool,
) -> Result<Either<String, AsyncTask<PanicTask>>> {
    if on_thread_pool {
        return Ok(Either::B(AsyncTask::new(PanicTask)));
    }
    run(&env, || -> Outcome<String> { deliberate_panic() }).map(Either::A)
}

#[allow(clippy::panic)]
fn deliberate_panic() -> Outcome<String> {
    panic!("deliberate panic for tests")
}

/// Task behind [`panic_for_tests`] on the thread pool.
pub struct PanicTask;

impl Task for PanicTask {
    type Output = Outcome<String>;
    type JsValue = String;

    fn compute(&mut self) -> Result<Self::Output> {
        Ok(guard(deliberate_panic))
    }

    fn resolve(&mut self, env: Env, output: Self::Output) -> Result<Self::JsValue> {
        output.map_err(|f| f.into_napi(&env))
    }
}

fn parse_plan(text: &str, format: Option<&str>) -> Outcome<Plan> {
    let plan = match format {
        None => Plan::from_text(text),
        Some("json") => Plan::from_json(text),
        Some("toml") => Plan::from_toml(text),
        Some(other) => {
            return Err(Failure::new(
                failure::PLAN_INVALID,
                Issue::new(
                    Code::UnknownFormat,
                    "",
                    format!("unknown plan format '{other}' (expected \"json\" or \"toml\")"),
                ),
            ));
        }
    };
    Ok(plan?)
}

fn compile(plan: Plan) -> Outcome<CompiledPlan> {
    Ok(CompiledPlan::compile(plan)?)
}

/// Reads a plan file through `kpichain_io` (format by extension, byte order mark ignored).
fn read_plan_file(path: &str) -> Outcome<Plan> {
    kpichain_io::read_plan(path).map_err(Failure::from)
}

fn issues_json(compiled: Outcome<CompiledPlan>) -> Outcome<String> {
    let issues = match compiled {
        Ok(_) => Vec::new(),
        Err(f) if f.code == failure::PLAN_INVALID => f.issues,
        Err(f) => return Err(f),
    };
    serde_json::to_string(&issues).map_err(|e| Failure::internal(e.to_string()))
}
