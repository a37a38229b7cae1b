//! Tables of `score` inputs — assignments, actuals (long or wide), targets, units — fed row by
//! row, as cells, to the core's [`IntakeBuilder`], which reads every layout and reports every
//! problem at the table's row (`actuals[5]`, narrowed to the column of a problem).

use std::sync::Arc;

use kpichain::{Cell, Code, IntakeBuilder, Issue, Origin, Path};

use crate::{Column, Table};

/// A list of the `score` inputs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum List {
    /// Who holds which role (with attributes, or with indicator columns: *combined*).
    Assignments,
    /// The measured values, long (`subject, indicator, value`) or wide (a column per indicator).
    Actuals,
    /// Subjects' own targets.
    Targets,
    /// The org tree.
    Units,
}

impl List {
    /// The list's name in paths and messages: `assignments`, `actuals`, `targets`, `units`.
    pub fn name(self) -> &'static str {
        match self {
            List::Assignments => "assignments",
            List::Actuals => "actuals",
            List::Targets => "targets",
            List::Units => "units",
        }
    }

    /// Feeds one row of this list to the builder.
    pub fn push(
        self,
        b: &mut IntakeBuilder,
        row: usize,
        origin: Option<Origin>,
        fields: &[(&str, Cell<'_>)],
    ) {
        match self {
            List::Assignments => b.assignment(row, origin, fields),
            List::Actuals => b.actual(row, origin, fields),
            List::Targets => b.target(row, origin, fields),
            List::Units => b.unit(row, origin, fields),
        }
    }
}

/// How a table is read.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Options {
    /// Actuals are long (`subject, indicator, value`): a table without an `indicator`
    /// column is `missing_column` rather than read as wide.
    pub long: bool,
    /// NaN in a float column is a missing value (pandas' and polars' mark of one) rather
    /// than `invalid_number`.
    pub nan_is_missing: bool,
}

/// Feeds a table of `list` to the builder: its column names are checked once
/// ([`IntakeBuilder::columns`]), then each row goes in with its origin (the list's name and
/// the row, 0-based across batches).
pub fn feed(b: &mut IntakeBuilder, list: List, table: &Table, options: Options) {
    let name = list.name();
    let names: Vec<&str> = (table.schema.fields().iter())
        .map(|f| f.name().as_str())
        .collect();
    if options.long && list == List::Actuals && !names.contains(&"indicator") {
        b.issue(Issue::new(
            Code::MissingColumn,
            Path::root().key(name).key("indicator"),
            "layout='long' needs an `indicator` column",
        ));
        return;
    }
    if !b.columns(name, &names) {
        return;
    }
    let source: Arc<str> = name.into();
    let mut row0 = 0usize;
    for batch in &table.batches {
        let mut cells = Vec::with_capacity(names.len());
        let columns: Vec<(&str, Column)> = (names.iter().zip(batch.columns()))
            .map(|(n, c)| (*n, Column::new(c)))
            .collect();
        for i in 0..batch.num_rows() {
            let row = row0.saturating_add(i);
            cells.clear();
            cells.extend(columns.iter().map(|(n, c)| match c.get(i) {
                Cell::Float(f) if f.is_nan() && options.nan_is_missing => (*n, Cell::Null),
                cell => (*n, cell),
            }));
            let origin = Origin::row(source.clone(), u64::try_from(row).unwrap_or(u64::MAX));
            list.push(b, row, Some(origin), &cells);
        }
        row0 = row0.saturating_add(batch.num_rows());
    }
}
