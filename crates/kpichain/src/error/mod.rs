//! Errors are values: every problem carries a stable [`Code`], a [`Path`] to the place in the
//! plan or input (`roles[2].items[1].weight`), a sentence a vendor can show an HR user, and —
//! when the caller said where its rows came from — an [`Origin`] in the caller's own terms
//! (`actuals.csv:17`, a data frame's row and column).

mod code;
mod origin;
mod path;
mod report;

pub use code::{Code, UnknownCode};
pub use origin::Origin;
pub use path::{Path, Segment};
pub use report::{ErrorKind, ErrorReport};

use serde::{Deserialize, Serialize};
use std::fmt;

/// One problem found in a plan or in the inputs of an evaluation.
///
/// In JSON: `{"code", "path", "loc", "message", "origin"?}`, where `loc` is the path's
/// segments (field names as strings, list positions as integers).
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct Issue {
    /// Stable machine-readable code, e.g. `weights_do_not_sum`.
    pub code: Code,
    /// Where the problem is, e.g. `roles[2].items[1].weight`; empty for the whole document.
    pub path: Path,
    /// One sentence describing the problem.
    pub message: String,
    /// Where the row concerned came from, in the caller's terms, when the caller said so.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub origin: Option<Origin>,
}

impl Issue {
    /// Builds an issue from its three parts.
    pub fn new(code: Code, path: impl Into<Path>, message: impl Into<String>) -> Self {
        Issue {
            code,
            path: path.into(),
            message: message.into(),
            origin: None,
        }
    }

    /// The same issue, coming from `origin`.
    #[must_use]
    pub fn with_origin(mut self, origin: Option<Origin>) -> Self {
        self.origin = origin;
        self
    }

    /// The same issue with its origin narrowed to the field its path names: an issue at
    /// `actuals[16].value` from `actuals.csv:17` is at `actuals.csv:17: column "value"`.
    /// An origin that already names a column is kept.
    #[must_use]
    pub fn at_field(mut self) -> Self {
        self.narrow_to_field();
        self
    }

    /// Narrows the origin in place, as [`Issue::at_field`] does.
    pub fn narrow_to_field(&mut self) {
        if let (Some(origin), [Segment::Key(_), Segment::Index(_), Segment::Key(field), ..]) =
            (&mut self.origin, self.path.segments())
        {
            if origin.column.is_none() && (origin.line.is_some() || origin.row.is_some()) {
                origin.column = Some((&**field).into());
            }
        }
    }

    /// The same issue with its path under `prefix` (e.g. a version's plan under
    /// `versions[1].plan`).
    #[must_use]
    pub fn under(mut self, prefix: &Path) -> Self {
        self.path = self.path.prefixed(prefix);
        self
    }
}

/// How an [`Issue`] is written in JSON.
#[derive(Serialize, schemars::JsonSchema)]
#[schemars(rename = "Issue")]
struct IssueOut<'a> {
    /// Stable machine-readable code, e.g. `weights_do_not_sum`.
    code: Code,
    /// Where the problem is, e.g. `roles[2].items[1].weight`; empty for the whole document.
    path: &'a Path,
    /// The path's segments: field names as strings, list positions as integers.
    #[schemars(with = "Vec<LocItem>")]
    loc: Loc<'a>,
    /// One sentence describing the problem.
    message: &'a str,
    /// Where the row concerned came from, in the caller's terms, when the caller said so.
    #[serde(skip_serializing_if = "Option::is_none")]
    origin: Option<&'a Origin>,
}

/// A segment of `loc`: a field name or a list position.
#[derive(schemars::JsonSchema)]
#[allow(dead_code)]
#[serde(untagged)]
enum LocItem {
    /// A field name.
    Key(String),
    /// A list position.
    Index(u64),
}

struct Loc<'a>(&'a Path);

impl Serialize for Loc<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeSeq;
        let mut seq = s.serialize_seq(Some(self.0.segments().len()))?;
        for segment in self.0.segments() {
            match segment {
                Segment::Key(k) => seq.serialize_element(&**k)?,
                Segment::Index(i) => seq.serialize_element(i)?,
            }
        }
        seq.end()
    }
}

impl Serialize for Issue {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        IssueOut {
            code: self.code,
            path: &self.path,
            loc: Loc(&self.path),
            message: &self.message,
            origin: self.origin.as_ref(),
        }
        .serialize(s)
    }
}

impl schemars::JsonSchema for Issue {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "Issue".into()
    }
    fn json_schema(generator: &mut schemars::SchemaGenerator) -> schemars::Schema {
        IssueOut::json_schema(generator)
    }
}

impl fmt::Display for Issue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.origin {
            Some(origin) => write!(f, "{origin}: {} [{}]", self.message, self.code),
            None if self.path.is_empty() => write!(f, "{} [{}]", self.message, self.code),
            None => write!(f, "{}: {} [{}]", self.path, self.message, self.code),
        }
    }
}

fn write_issues(f: &mut fmt::Formatter<'_>, what: &str, issues: &[Issue]) -> fmt::Result {
    match issues {
        [one] => write!(f, "{what}: {one}"),
        _ => {
            write!(f, "{what}: {} problems", issues.len())?;
            for issue in issues {
                write!(f, "\n  - {issue}")?;
            }
            Ok(())
        }
    }
}

/// A plan could not be read or compiled. Lists every problem found, not only the first.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub struct PlanError {
    /// All problems, in document order.
    pub issues: Vec<Issue>,
}

impl fmt::Display for PlanError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write_issues(f, "invalid plan", &self.issues)
    }
}

/// The inputs of an evaluation (assignments, actuals, targets) were rejected.
/// Nothing is evaluated when inputs are invalid: there is no partial result.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub struct InputError {
    /// All problems found in the inputs.
    pub issues: Vec<Issue>,
}

impl fmt::Display for InputError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write_issues(f, "invalid input", &self.issues)
    }
}

/// Any error the library returns.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The plan is invalid.
    #[error(transparent)]
    Plan(#[from] PlanError),
    /// The inputs of an evaluation are invalid.
    #[error(transparent)]
    Input(#[from] InputError),
}

impl Error {
    /// The problems this error carries.
    pub fn issues(&self) -> &[Issue] {
        match self {
            Error::Plan(e) => &e.issues,
            Error::Input(e) => &e.issues,
        }
    }

    /// `plan_invalid` or `input_invalid`.
    pub fn kind(&self) -> &'static str {
        match self {
            Error::Plan(_) => "plan_invalid",
            Error::Input(_) => "input_invalid",
        }
    }
}

/// Collects issues while validating, so that every problem is reported at once.
#[derive(Debug, Default)]
pub(crate) struct Issues(pub(crate) Vec<Issue>);

impl Issues {
    pub(crate) fn push(&mut self, code: Code, path: impl Into<Path>, message: impl Into<String>) {
        self.0.push(Issue::new(code, path, message));
    }
    /// Checks an id at `path`: `empty_field` when blank (`the {what} must not be empty`), else
    /// `duplicate_id` with `duplicate()`'s sentence unless `fresh()` says it is new. Whether
    /// the id is usable.
    pub(crate) fn id(
        &mut self,
        path: String,
        id: &str,
        what: &str,
        fresh: impl FnOnce() -> bool,
        duplicate: impl FnOnce() -> String,
    ) -> bool {
        if id.trim().is_empty() {
            self.push(
                Code::EmptyField,
                path,
                format!("the {what} must not be empty"),
            );
            false
        } else if !fresh() {
            self.push(Code::DuplicateId, path, duplicate());
            false
        } else {
            true
        }
    }
    pub(crate) fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}
