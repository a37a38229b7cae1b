//! A failure as one document: what a host writes when it reports errors as JSON (the CLI's
//! `--format json` on standard error).

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::Issue;

/// What kind of failure an error report is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum ErrorKind {
    /// The plan or versions document is invalid.
    PlanInvalid,
    /// The inputs (files, rows, values, the period) are invalid or do not fit the plan.
    InputInvalid,
    /// A file could not be read or written.
    IoError,
    /// The command was given arguments that cannot be used together.
    UsageError,
    /// A bug in kpichain, or an output that could not be written.
    InternalError,
}

/// A failure with every problem found, e.g.
/// `{"error": "input_invalid", "message": "…", "issues": [{"code": "invalid_number", …}]}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub struct ErrorReport {
    /// The kind of failure.
    pub error: ErrorKind,
    /// One sentence summing up the failure.
    pub message: String,
    /// Every problem found, each with its code, path and, when known, the caller's origin.
    pub issues: Vec<Issue>,
}
