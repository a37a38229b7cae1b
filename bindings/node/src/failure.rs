//! Error mapping: every failure becomes a JavaScript `Error` with a stable `code`
//! (`KPI_PLAN_INVALID`, `KPI_INPUT_INVALID`, `KPI_IO_ERROR`, `KPI_PANIC`, `KPI_INTERNAL`)
//! and an `errors` array of `{ code, path, message }`, one per problem.

use kpichain::Code;
use kpichain::{InputError, Issue, PlanError};
use napi::bindgen_prelude::{Env, JsValue, Object, Status};
use std::panic::{AssertUnwindSafe, catch_unwind};

/// `error.code` values.
pub const PLAN_INVALID: &str = "KPI_PLAN_INVALID";
pub const INPUT_INVALID: &str = "KPI_INPUT_INVALID";
pub const IO_ERROR: &str = "KPI_IO_ERROR";
pub const PANIC: &str = "KPI_PANIC";
pub const INTERNAL: &str = "KPI_INTERNAL";

/// A failure on its way to JavaScript. Built on any thread; turned into a JS `Error` on the
/// JavaScript thread by [`Failure::into_napi`].
#[derive(Debug)]
pub struct Failure {
    pub code: &'static str,
    pub message: String,
    pub issues: Vec<Issue>,
}

pub type Outcome<T> = Result<T, Failure>;

impl Failure {
    pub fn new(code: &'static str, issue: Issue) -> Self {
        Failure {
            code,
            message: issue.to_string(),
            issues: vec![issue],
        }
    }

    pub fn internal(message: impl Into<String>) -> Self {
        let message = message.into();
        Failure::new(INTERNAL, Issue::new(Code::InternalError, "", message))
    }

    /// Builds the JavaScript `Error` object (`message`, `code`, `errors`) and wraps it so that
    /// napi throws or rejects with exactly that object.
    pub fn into_napi(self, env: &Env) -> napi::Error {
        let code = self.code;
        match self.build(env) {
            Ok(error) => error,
            // Creating the object failed (the environment is shutting down): fall back to a
            // plain error that still carries the code.
            Err(e) => napi::Error::new(Status::GenericFailure, format!("{code}: {}", e.reason)),
        }
    }

    fn build(self, env: &Env) -> napi::Result<napi::Error> {
        let mut error: Object =
            env.create_error(napi::Error::new(Status::GenericFailure, self.message))?;
        error.set("code", self.code)?;
        let mut list = env.create_array(u32::try_from(self.issues.len()).unwrap_or(u32::MAX))?;
        for (i, issue) in self.issues.into_iter().enumerate() {
            let mut item = Object::new(env)?;
            item.set("code", issue.code.as_str())?;
            item.set("path", issue.path.to_string())?;
            let segments = issue.path.segments();
            let mut loc = env.create_array(u32::try_from(segments.len()).unwrap_or(u32::MAX))?;
            for (j, segment) in segments.iter().enumerate() {
                let j = u32::try_from(j).unwrap_or(u32::MAX);
                match segment {
                    kpichain::Segment::Key(k) => loc.set(j, &**k)?,
                    kpichain::Segment::Index(n) => {
                        loc.set(j, u32::try_from(*n).unwrap_or(u32::MAX))?
                    }
                }
            }
            item.set("loc", loc)?;
            item.set("message", issue.message)?;
            if let Some(origin) = issue.origin {
                let mut o = Object::new(env)?;
                o.set("source", &*origin.source)?;
                if let Some(line) = origin.line {
                    o.set("line", line as f64)?;
                }
                if let Some(row) = origin.row {
                    o.set("row", row as f64)?;
                }
                if let Some(column) = origin.column.as_deref() {
                    o.set("column", column)?;
                }
                item.set("origin", o)?;
            }
            list.set(u32::try_from(i).unwrap_or(u32::MAX), item)?;
        }
        error.set("errors", list)?;
        Ok(napi::Error::from(error.to_unknown()))
    }
}

impl From<PlanError> for Failure {
    fn from(e: PlanError) -> Self {
        Failure {
            code: PLAN_INVALID,
            message: e.to_string(),
            issues: e.issues,
        }
    }
}

impl From<InputError> for Failure {
    fn from(e: InputError) -> Self {
        Failure {
            code: INPUT_INVALID,
            message: e.to_string(),
            issues: e.issues,
        }
    }
}

impl From<kpichain_io::LoadError> for Failure {
    fn from(e: kpichain_io::LoadError) -> Self {
        match e {
            kpichain_io::LoadError::Plan(e) => Failure::from(e),
            other => Failure::new(IO_ERROR, Issue::new(Code::IoError, "", other.to_string())),
        }
    }
}

/// The message of an error with `issues`, as the core writes it (`invalid input: …`), for
/// errors raised in JavaScript before the inputs reach the core.
#[napi_derive::napi(js_name = "__errorMessage", catch_unwind)]
pub fn error_message(code: String, errors: Vec<IssueIn>) -> String {
    let issues = errors
        .into_iter()
        .map(|e| {
            Issue::new(
                e.code.parse().unwrap_or(Code::InternalError),
                e.path,
                e.message,
            )
        })
        .collect();
    if code == PLAN_INVALID {
        PlanError { issues }.to_string()
    } else {
        InputError { issues }.to_string()
    }
}

/// A problem as JavaScript describes it.
#[napi_derive::napi(object)]
pub struct IssueIn {
    /// Stable machine-readable code.
    pub code: String,
    /// Where the problem is; empty for the whole document.
    pub path: String,
    /// One sentence.
    pub message: String,
}

/// Runs `f`, turning a panic into a `KPI_PANIC` failure so that no panic can unwind into
/// Node (the last line of defence; the core itself is written not to panic).
pub fn guard<T>(f: impl FnOnce() -> Outcome<T>) -> Outcome<T> {
    match catch_unwind(AssertUnwindSafe(f)) {
        Ok(outcome) => outcome,
        Err(payload) => {
            let what = payload
                .downcast_ref::<&str>()
                .map(|s| (*s).to_string())
                .or_else(|| payload.downcast_ref::<String>().cloned())
                .unwrap_or_else(|| "unknown panic".to_string());
            Err(Failure::new(
                PANIC,
                Issue::new(
                    Code::InternalError,
                    "",
                    format!("kpichain hit an internal error and stopped this call safely: {what}"),
                ),
            ))
        }
    }
}

/// Runs `f` under [`guard`] on the JavaScript thread and maps a failure to a thrown `Error`.
pub fn run<T>(env: &Env, f: impl FnOnce() -> Outcome<T>) -> napi::Result<T> {
    guard(f).map_err(|failure| failure.into_napi(env))
}
