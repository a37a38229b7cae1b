//! Where an input row came from, in the caller's terms: a file and line, a list or data frame
//! and its row, and the column or field.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use std::fmt;
use std::sync::Arc;

/// Where a row of the inputs came from, as the caller named it. Attached to the [`Issue`]s
/// about that row, so a problem reads `actuals.csv:17: column "value": …` or
/// `actuals[5].sales: …` rather than the position the core gave the row.
///
/// ```
/// use kpichain::Origin;
/// assert_eq!(Origin::line("actuals.csv", 17).column("value").to_string(),
///            "actuals.csv:17: column \"value\"");
/// assert_eq!(Origin::row("actuals", 5).column("sales").to_string(), "actuals[5].sales");
/// ```
///
/// [`Issue`]: crate::Issue
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize, JsonSchema)]
pub struct Origin {
    /// The file, table, frame or argument the row was read from (`actuals.csv`, `actuals`).
    pub source: Arc<str>,
    /// The 1-based line of a text file.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub line: Option<u64>,
    /// The 0-based row of a table or position in a list.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub row: Option<u64>,
    /// The column or field of the row concerned.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub column: Option<Arc<str>>,
}

impl Origin {
    /// A line of a text file.
    pub fn line(source: impl Into<Arc<str>>, line: u64) -> Origin {
        Origin {
            source: source.into(),
            line: Some(line),
            row: None,
            column: None,
        }
    }

    /// A row of a table or a position in a list.
    pub fn row(source: impl Into<Arc<str>>, row: u64) -> Origin {
        Origin {
            source: source.into(),
            line: None,
            row: Some(row),
            column: None,
        }
    }

    /// The same place, narrowed to a column or field.
    #[must_use]
    pub fn column(mut self, column: impl Into<Arc<str>>) -> Origin {
        self.column = Some(column.into());
        self
    }
}

impl fmt::Display for Origin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.source)?;
        if let Some(line) = self.line {
            write!(f, ":{line}")?;
            if let Some(row) = self.row {
                write!(f, ": [{row}]")?;
            }
            if let Some(column) = &self.column {
                write!(f, ": column \"{column}\"")?;
            }
            return Ok(());
        }
        if let Some(row) = self.row {
            write!(f, "[{row}]")?;
        }
        if let Some(column) = &self.column {
            write!(f, ".{column}")?;
        }
        Ok(())
    }
}
