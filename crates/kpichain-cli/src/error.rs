//! How the command fails: a user error (exit 1) lists every problem found as an [`Issue`]
//! with its code and place, an internal failure (exit 3) is one sentence. Both are written
//! as text, or as one JSON [`ErrorReport`] when the command's output format is JSON.

use kpichain::{Code, ErrorKind, ErrorReport, Issue, Origin, Path};
use std::fmt::Display;

/// Exit code for invalid plans, invalid inputs and unreadable or unwritable files.
pub const EXIT_USER: u8 = 1;
/// Exit code for internal failures (bugs, standard output not writable).
pub const EXIT_INTERNAL: u8 = 3;

/// Why a command failed.
#[derive(Debug)]
pub struct Failure {
    /// What kind of failure (`plan_invalid`, `input_invalid`, `io_error`, …).
    pub kind: ErrorKind,
    /// Every problem, each naming its place.
    pub issues: Vec<Issue>,
    /// One sentence summing up, printed last as `error: …`; `None` when the failure is its
    /// single issue.
    pub summary: Option<String>,
}

/// The whole file `file` as an origin (a plan file, an input file that cannot be read).
pub fn file(source: impl Display) -> Origin {
    kpichain_io::records::whole(&source.to_string())
}

impl Failure {
    /// A failure that is one problem.
    pub fn one(kind: ErrorKind, issue: Issue) -> Self {
        Failure {
            kind,
            issues: vec![issue],
            summary: None,
        }
    }

    /// A failure listing `issues`, summed up by `summary`.
    pub fn many(kind: ErrorKind, issues: Vec<Issue>, summary: impl Display) -> Self {
        Failure {
            kind,
            issues,
            summary: Some(summary.to_string()),
        }
    }

    /// Problems of the input files: `io_error` when every one is a file that cannot be read,
    /// else `input_invalid`.
    pub fn inputs(issues: Vec<Issue>, summary: impl Display) -> Self {
        let kind = if issues.iter().all(|i| i.code == Code::IoError) {
            ErrorKind::IoError
        } else {
            ErrorKind::InputInvalid
        };
        Failure::many(kind, issues, summary)
    }

    /// A file that cannot be read or written.
    pub fn io(origin: Origin, message: impl Into<String>) -> Self {
        let issue = Issue::new(Code::IoError, Path::root(), message).with_origin(Some(origin));
        Failure::one(ErrorKind::IoError, issue)
    }

    /// Arguments that cannot be used together: one sentence, no issue.
    pub fn usage(summary: impl Display) -> Self {
        Failure::many(ErrorKind::UsageError, Vec::new(), summary)
    }

    /// Something that is not the user's fault.
    pub fn internal(summary: impl Display) -> Self {
        Failure::many(ErrorKind::InternalError, Vec::new(), summary)
    }

    /// Both failures' problems, so that every problem is listed at once; the kind is this
    /// one's.
    #[must_use]
    pub fn and(mut self, other: Failure, summary: impl FnOnce(String, String) -> String) -> Self {
        let first = self.message();
        let second = other.message();
        self.issues.extend(other.issues);
        self.summary = Some(summary(first, second));
        self
    }

    /// The process exit code.
    pub fn exit_code(&self) -> u8 {
        match self.kind {
            ErrorKind::InternalError => EXIT_INTERNAL,
            _ => EXIT_USER,
        }
    }

    /// The summary, or the single issue's place and message.
    pub fn message(&self) -> String {
        match (&self.summary, self.issues.as_slice()) {
            (Some(s), _) => s.clone(),
            (None, [one]) => place_and_message(one),
            (None, _) => format!("{} problems", self.issues.len()),
        }
    }

    /// The text written to standard error: one line per issue, then `error: …`.
    pub fn render(&self) -> String {
        if self.kind == ErrorKind::InternalError {
            return format!("internal error: {}\n", self.message());
        }
        let mut out = String::new();
        if let (None, [one]) = (&self.summary, self.issues.as_slice()) {
            return format!("error: {}\n", line(one));
        }
        for issue in &self.issues {
            out.push_str(&line(issue));
            out.push('\n');
        }
        out.push_str(&format!("error: {}\n", self.message()));
        out
    }

    /// The JSON document written to standard error with `--format json`.
    pub fn render_json(&self) -> String {
        let report = ErrorReport {
            error: self.kind,
            message: self.message(),
            issues: self.issues.clone(),
        };
        let mut text = serde_json::to_string_pretty(&report).unwrap_or_default();
        text.push('\n');
        text
    }
}

/// `actuals.csv:17: column "value": message`, or `plan.json: roles[2].items: message`: the
/// origin, then the path unless the origin names a line or row, then the message.
fn place_and_message(issue: &Issue) -> String {
    let mut parts = Vec::with_capacity(3);
    let whole_file = match &issue.origin {
        Some(origin) => {
            parts.push(origin.to_string());
            origin.line.is_none() && origin.row.is_none()
        }
        None => true,
    };
    if whole_file && !issue.path.is_empty() {
        parts.push(issue.path.to_string());
    }
    parts.push(issue.message.clone());
    parts.join(": ")
}

/// One issue on one line, with its code.
fn line(issue: &Issue) -> String {
    format!("{} [{}]", place_and_message(issue), issue.code)
}

/// `1 problem`, `3 problems`.
pub fn count(n: usize, what: &str) -> String {
    if n == 1 {
        format!("1 {what}")
    } else {
        format!("{n} {what}s")
    }
}
