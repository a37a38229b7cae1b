//! What the row and frame converters share: the column names, the issue collector, and the
//! mapping from the core's paths (`actuals[17]`) back to the caller's rows and columns.

use kpichain::Code;
use std::collections::HashSet;

use kpichain::{Inputs, Issue};

use crate::numbers::NumProblem;

pub(crate) const SUBJECT: &str = "subject";
pub(crate) const ROLE: &str = "role";
pub(crate) const NAME: &str = "name";
pub(crate) const UNIT: &str = "unit";
pub(crate) const REGION: &str = "region";
pub(crate) const MANAGER: &str = "manager";
pub(crate) const BONUS_BASE: &str = "bonus_base";
pub(crate) const INDICATOR: &str = "indicator";
pub(crate) const VALUE: &str = "value";
pub(crate) const TARGET: &str = "target";
pub(crate) const THRESHOLD: &str = "threshold";
pub(crate) const STRETCH: &str = "stretch";
pub(crate) const ID: &str = "id";
pub(crate) const PARENT: &str = "parent";

/// Columns/keys of an org unit.
pub(crate) const UNIT_FIELDS: [&str; 4] = [ID, NAME, PARENT, REGION];

/// Columns/keys that describe an assignment rather than an indicator.
pub(crate) const ASSIGNMENT_FIELDS: [&str; 7] =
    [SUBJECT, ROLE, NAME, UNIT, REGION, MANAGER, BONUS_BASE];

/// At most this many conversion problems are listed; the rest are counted.
const MAX_ISSUES: usize = 100;

/// How actuals are laid out.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Layout {
    /// Long when there are `indicator` and `value` columns/keys, wide otherwise.
    Auto,
    /// One row per (subject, indicator, value).
    Long,
    /// One row per subject, one column per indicator.
    Wide,
}

impl Layout {
    pub(crate) fn parse(s: &str) -> Option<Layout> {
        match s {
            "auto" => Some(Layout::Auto),
            "long" => Some(Layout::Long),
            "wide" => Some(Layout::Wide),
            _ => None,
        }
    }
}

/// Collects conversion problems, keeping the first `MAX_ISSUES`.
#[derive(Debug, Default)]
pub(crate) struct Collector {
    issues: Vec<Issue>,
    dropped: usize,
}

impl Collector {
    pub(crate) fn push(
        &mut self,
        code: Code,
        path: impl Into<kpichain::Path>,
        message: impl Into<String>,
    ) {
        if self.issues.len() < MAX_ISSUES {
            self.issues.push(Issue::new(code, path, message));
        } else {
            self.dropped = self.dropped.saturating_add(1);
        }
    }

    pub(crate) fn issue(&mut self, issue: Issue) {
        self.push(issue.code, issue.path, issue.message);
    }

    pub(crate) fn number(
        &mut self,
        path: impl Into<kpichain::Path>,
        problem: &NumProblem,
        what: &str,
    ) {
        self.push(problem.code(), path, problem.message(what));
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.issues.is_empty()
    }

    pub(crate) fn into_issues(mut self) -> Vec<Issue> {
        if self.dropped > 0 {
            self.issues.push(Issue::new(
                Code::TooManyErrors,
                "",
                format!(
                    "{} more problems of the same kinds were not listed",
                    self.dropped
                ),
            ));
        }
        self.issues
    }
}

/// Where each converted actual came from, so that the core's `actuals[i]` paths can be given
/// back in the caller's terms (`actuals[5]` for a long row, `actuals[5].sales` for a wide cell).
#[derive(Debug)]
pub(crate) struct Origins {
    /// The caller's list the actuals came from (`actuals`, or `assignments` for a combined table).
    pub(crate) list: &'static str,
    /// Column names of a wide layout; empty for long.
    pub(crate) columns: Vec<String>,
    /// Per actual: (row, index into `columns` or `u32::MAX` for long rows).
    pub(crate) cells: Vec<(u32, u32)>,
}

impl Origins {
    pub(crate) fn new(list: &'static str) -> Origins {
        Origins {
            list,
            columns: Vec::new(),
            cells: Vec::new(),
        }
    }

    pub(crate) fn long(&mut self, row: usize) {
        self.cells
            .push((u32::try_from(row).unwrap_or(u32::MAX), u32::MAX));
    }

    pub(crate) fn wide(&mut self, row: usize, column: usize) {
        self.cells.push((
            u32::try_from(row).unwrap_or(u32::MAX),
            u32::try_from(column).unwrap_or(u32::MAX),
        ));
    }

    /// Rewrites a core path starting with `actuals[i]`.
    fn rewrite(&self, path: &str) -> Option<String> {
        let rest = path.strip_prefix("actuals[")?;
        let close = rest.find(']')?;
        let index: usize = rest.get(..close)?.parse().ok()?;
        let tail = rest.get(close.saturating_add(1)..).unwrap_or("");
        let &(row, col) = self.cells.get(index)?;
        if col == u32::MAX {
            return Some(format!("{}[{row}]{tail}", self.list));
        }
        let column = self.columns.get(col as usize)?;
        let field = if tail == ".subject" {
            SUBJECT
        } else {
            column.as_str()
        };
        Some(format!("{}[{row}].{field}", self.list))
    }
}

/// Converted inputs plus what is needed to report problems in the caller's terms.
#[derive(Debug)]
pub(crate) struct Converted {
    pub(crate) inputs: Inputs,
    pub(crate) origins: Origins,
}

impl Converted {
    /// Gives the core's issue paths back in the caller's terms.
    pub(crate) fn rewrite(&self, issues: &mut [Issue]) {
        for issue in issues {
            if let Some(p) = self.origins.rewrite(&issue.path.to_string()) {
                issue.path = p.into();
            }
        }
    }
}

/// What a column of a wide table is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum WideColumn {
    /// The subject id.
    Subject,
    /// An assignment field (role, name, …) in a combined table.
    Assignment,
    /// An indicator's actual.
    Indicator,
    /// A column pandas adds for a non-default index (`__index_level_0__`): ignored.
    Ignored,
    /// Anything else: an attribute (combined table) or an error (actuals table).
    Other,
}

/// Columns pandas adds when a frame with a non-default, unnamed index is exported to Arrow.
pub(crate) fn is_index_artifact(name: &str) -> bool {
    name.starts_with("__index_level_") && name.ends_with("__")
}

/// Classifies a column of a wide table.
pub(crate) fn classify(name: &str, indicators: &HashSet<String>) -> WideColumn {
    if name == SUBJECT {
        WideColumn::Subject
    } else if indicators.contains(name) {
        WideColumn::Indicator
    } else if ASSIGNMENT_FIELDS.contains(&name) {
        WideColumn::Assignment
    } else if is_index_artifact(name) {
        WideColumn::Ignored
    } else {
        WideColumn::Other
    }
}

/// The issue for a column of a wide actuals table that is not an indicator of the plan.
pub(crate) fn unknown_column(c: &mut Collector, list: &str, name: &str) {
    c.push(
        Code::UnknownIndicator,
        format!("{list}.{name}"),
        format!(
            "column '{name}' is neither `subject` nor an indicator of the plan; rename it, drop it, or pass the table in long format (subject, indicator, value)"
        ),
    );
}

/// "the actual of subject 'E1' for indicator 'sales'".
pub(crate) fn actual_what(subject: &str, indicator: &str) -> String {
    format!("the actual of subject '{subject}' for indicator '{indicator}'")
}
