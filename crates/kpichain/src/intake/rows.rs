//! Rows of cells in the caller's layout → [`Intake`]: what Python rows and data frames, CSV
//! files and other tables feed to the core.

use std::collections::HashSet;
use std::sync::Arc;

use super::{Cell, Intake, NumberProblem, Place, Rows};
use crate::error::{Code, InputError, Issue, Origin, Path};
use crate::model::{Actual, Assignment, Inputs, TargetOverride, Unit};

/// At most this many problems are listed; the rest are counted in one `too_many_errors`.
pub const MAX_ISSUES: usize = 100;

/// The fields of an assignment row; other columns are attributes, or actuals in a
/// combined table (see [`IntakeBuilder::indicators`]).
pub const ASSIGNMENT_FIELDS: [&str; 7] = [
    "subject",
    "role",
    "name",
    "unit",
    "region",
    "manager",
    "bonus_base",
];

/// Builds an [`Intake`] from rows of [`Cell`]s, one call per row, with the caller's row
/// number and (optionally) its own name for the row ([`Origin`]). Every problem is collected
/// and [`finish`](IntakeBuilder::finish) reports them all at once (at most [`MAX_ISSUES`]).
///
/// The layouts:
/// - **assignments**: `subject`, `role`, and optionally `name`, `unit`, `region`, `manager`,
///   `bonus_base`; any other column is an attribute — or, in a *combined* table, an actual
///   when the column is an indicator of the plan ([`indicators`](Self::indicators));
/// - **actuals**, *long*: `subject`, `indicator`, `value`; *wide*: `subject` and one column
///   per indicator;
/// - **targets**: `subject`, `indicator`, `target`, and optionally `threshold`, `stretch`;
/// - **units**: `id`, and optionally `name`, `parent`, `region`.
///
/// Numbers follow [`Cell::number`]; ids are text or integers ([`Cell::text`]); a null or
/// blank cell is no value (no actual, an absent optional field).
///
/// ```
/// use kpichain::{Cell, IntakeBuilder};
/// let mut b = IntakeBuilder::new();
/// b.assignment(0, None, &[("subject", Cell::Int(1001)), ("role", Cell::Text("rep"))]);
/// b.actual(0, None, &[("subject", Cell::Int(1001)), ("sales", Cell::Float(0.1))]);
/// b.actual(1, None, &[("subject", Cell::Text("1001")), ("repeat", Cell::Text("12,5"))]);
/// let err = b.finish().unwrap_err();
/// assert_eq!(err.issues[0].code.as_str(), "invalid_number");
/// assert_eq!(err.issues[0].path.to_string(), "actuals[1].repeat");
/// ```
#[derive(Debug, Default)]
pub struct IntakeBuilder {
    inputs: Inputs,
    places: Vec<Place>,
    rows: Rows,
    indicators: HashSet<Arc<str>>,
    combined: bool,
    /// Columns already reported as unknown (`actuals.salse`, `units.parnet`).
    unknown: HashSet<String>,
    issues: Vec<Issue>,
    dropped: usize,
}

/// The origin narrowed to `column`, unless it names one already.
fn in_column(origin: &Option<Origin>, column: &str) -> Option<Origin> {
    match origin {
        Some(o) if o.column.is_none() => Some(o.clone().column(column)),
        other => other.clone(),
    }
}

/// The columns a table of `list` must have, and what each holds.
fn required(list: &str, long: bool) -> &'static [(&'static str, &'static str)] {
    match list {
        "assignments" => &[
            ("subject", "the subject id"),
            ("role", "the role id from the plan"),
        ],
        "actuals" if long => &[
            ("subject", "the subject id"),
            ("indicator", "the indicator id"),
            ("value", "the measured value"),
        ],
        "actuals" => &[("subject", "the subject id")],
        "targets" => &[
            ("subject", "the subject id"),
            ("indicator", "the indicator id"),
            ("target", "the subject's target"),
        ],
        "units" => &[("id", "the unit id")],
        _ => &[],
    }
}

fn owner(subject: Option<&str>) -> String {
    match subject {
        Some(s) => format!("subject '{s}'"),
        None => "the row".to_string(),
    }
}

impl IntakeBuilder {
    /// An empty builder.
    pub fn new() -> IntakeBuilder {
        IntakeBuilder::default()
    }

    /// The plan's indicator ids. A column of wide actuals that names none of them (nor an
    /// assignment field, which is ignored) is reported once as `unknown_indicator`; without
    /// them every column of a wide row is read as an actual.
    pub fn indicators<S: Into<Arc<str>>>(&mut self, ids: impl IntoIterator<Item = S>) {
        self.indicators = ids.into_iter().map(Into::into).collect();
    }

    /// The assignments carry the actuals: columns of an assignments row named after an
    /// indicator ([`indicators`](Self::indicators)) are actuals (a *combined* table: one row
    /// per subject with its role and its values).
    pub fn combined(&mut self) {
        self.combined = true;
    }

    /// Checks the column names of a whole table of `list` (`assignments`, `actuals`,
    /// `targets`, `units`) before its rows: a missing required column is `missing_column`, a
    /// column of a units table that is not a unit field is `unknown_column`, a column of wide
    /// actuals that names no indicator is `unknown_indicator` — each reported once, at
    /// `list.column`, rather than on every row. Returns whether the rows can be read.
    ///
    /// ```
    /// use kpichain::IntakeBuilder;
    /// let mut b = IntakeBuilder::new();
    /// b.indicators(["sales"]);
    /// assert!(!b.columns("assignments", &["subject"]));
    /// assert!(b.columns("actuals", &["subject", "sales", "salse"]));
    /// let err = b.finish().unwrap_err();
    /// assert_eq!(err.issues[0].path.to_string(), "assignments.role");
    /// assert_eq!(err.issues[1].code.as_str(), "unknown_indicator");
    /// assert_eq!(err.issues[1].path.to_string(), "actuals.salse");
    /// ```
    pub fn columns(&mut self, list: &str, names: &[&str]) -> bool {
        let long = names.contains(&"indicator");
        let mut ok = true;
        for (name, what) in required(list, long) {
            if !names.contains(name) {
                ok = false;
                self.issue(Issue::new(
                    Code::MissingColumn,
                    Path::root().key(list).key(*name),
                    format!("the {list} table has no `{name}` column ({what}); its columns are {names:?}"),
                ));
            }
        }
        for name in names {
            let at = Path::root().key(list).key(*name);
            if list == "units"
                && !matches!(*name, "id" | "name" | "parent" | "region")
                && self.unknown.insert(format!("units.{name}"))
            {
                self.issue(Issue::new(
                    Code::UnknownColumn,
                    at,
                    format!("the units table has `id`, `name`, `parent` and `region` columns; `{name}` is not one of them"),
                ));
            } else if list == "actuals" && !long && *name != "subject" {
                self.unknown_column(at, name);
            }
        }
        ok
    }

    /// Whether `column` of a wide actuals row is read as an actual; reports it (once) when it
    /// names no indicator of the plan.
    fn unknown_column(&mut self, at: Path, column: &str) -> bool {
        if self.indicators.is_empty() || self.indicators.contains(column) {
            return false;
        }
        if !ASSIGNMENT_FIELDS.contains(&column) && self.unknown.insert(format!("actuals.{column}"))
        {
            self.issue(Issue::new(
                Code::UnknownIndicator,
                at,
                format!("column '{column}' is neither `subject` nor an indicator of the plan; rename it, drop it, or pass the table in long format (subject, indicator, value)"),
            ));
        }
        true
    }

    /// Records a problem the caller found itself (a row that is not a record, say).
    pub fn issue(&mut self, issue: Issue) {
        if self.issues.len() < MAX_ISSUES {
            self.issues.push(issue.at_field());
        } else {
            self.dropped = self.dropped.saturating_add(1);
        }
    }

    fn problem(&mut self, path: Path, origin: &Option<Origin>, p: NumberProblem, what: &str) {
        let origin = match path.segments().last() {
            Some(crate::error::Segment::Key(k)) => in_column(origin, k),
            _ => origin.clone(),
        };
        self.issue(Issue::new(p.code, path, p.message(what)).with_origin(origin));
    }

    /// The period assessed (`2022-03`); no value leaves it unset.
    pub fn period(&mut self, cell: Cell<'_>) {
        match cell.text() {
            Ok(p) => self.inputs.period = p.map(|p| p.trim().to_string()),
            Err(p) => self.problem(Path::root().key("period"), &None, p, "the period"),
        }
    }

    fn text(
        &mut self,
        at: &Path,
        origin: &Option<Origin>,
        field: &str,
        cell: Option<Cell<'_>>,
        required: bool,
    ) -> Option<String> {
        let path = at.clone().key(field);
        match cell.map(|c| c.text()) {
            Some(Ok(Some(t))) => return Some(t.trim().to_string()),
            Some(Err(p)) => self.problem(path, origin, p, &format!("`{field}`")),
            Some(Ok(None)) | None if required => self.issue(
                Issue::new(Code::MissingField, path, format!("`{field}` is required"))
                    .with_origin(in_column(origin, field)),
            ),
            _ => {}
        }
        None
    }

    fn number(
        &mut self,
        at: &Path,
        origin: &Option<Origin>,
        field: &str,
        cell: Option<Cell<'_>>,
        what: &str,
    ) -> Option<rust_decimal::Decimal> {
        match cell.map(|c| c.number()) {
            Some(Ok(d)) => d,
            Some(Err(p)) => {
                self.problem(at.clone().key(field), origin, p, what);
                None
            }
            None => None,
        }
    }

    /// One assignment row (see the type docs for its columns).
    pub fn assignment(&mut self, row: usize, origin: Option<Origin>, fields: &[(&str, Cell<'_>)]) {
        let at = Path::root().key("assignments").index(row);
        let get = |name: &str| fields.iter().find(|(k, _)| *k == name).map(|(_, c)| *c);
        let subject = self.text(&at, &origin, "subject", get("subject"), true);
        let role = self.text(&at, &origin, "role", get("role"), true);
        let mut a = Assignment {
            name: self.text(&at, &origin, "name", get("name"), false),
            unit: self.text(&at, &origin, "unit", get("unit"), false),
            region: self.text(&at, &origin, "region", get("region"), false),
            manager: self.text(&at, &origin, "manager", get("manager"), false),
            ..Assignment::default()
        };
        let whose = format!("the bonus_base of {}", owner(subject.as_deref()));
        a.bonus_base = self.number(&at, &origin, "bonus_base", get("bonus_base"), &whose);
        let shared: Option<Arc<str>> = subject.as_deref().map(Arc::from);
        for (key, cell) in fields {
            if ASSIGNMENT_FIELDS.contains(key) {
                continue;
            }
            if self.combined && self.indicators.contains(*key) {
                if let Some(s) = &shared {
                    let place = Place::wide(row, Arc::from(*key)).in_list("assignments");
                    self.value(&at, s, key, *cell, place.with_origin(origin.clone()));
                }
                continue;
            }
            match cell.text() {
                Ok(Some(t)) => {
                    a.attributes.insert((*key).to_string(), t.into_owned());
                }
                Ok(None) => {}
                Err(_) => {
                    let shown = match cell {
                        Cell::Bool(b) => b.to_string(),
                        Cell::Float(f) => f.to_string(),
                        Cell::Decimal { .. } => match cell.number() {
                            Ok(Some(d)) => d.to_string(),
                            _ => String::new(),
                        },
                        _ => String::new(),
                    };
                    if shown.is_empty() {
                        self.problem(
                            at.clone().key(*key),
                            &origin,
                            NumberProblem {
                                code: Code::InvalidType,
                                reason: "is neither text nor a number".to_string(),
                            },
                            &format!("the attribute `{key}`"),
                        );
                    } else {
                        a.attributes.insert((*key).to_string(), shown);
                    }
                }
            }
        }
        if let (Some(s), Some(r)) = (shared, role) {
            a.subject = s;
            a.role = r;
            self.rows.assignments.push((row, origin));
            self.inputs.assignments.push(a);
        }
    }

    /// One actual read from a cell; no value is no actual.
    fn value(
        &mut self,
        at: &Path,
        subject: &Arc<str>,
        indicator: &str,
        cell: Cell<'_>,
        place: Place,
    ) {
        match cell.number() {
            Ok(None) => {}
            Ok(Some(value)) => {
                self.inputs.actuals.push(Actual {
                    subject: subject.clone(),
                    indicator: Arc::from(indicator),
                    value,
                });
                self.places.push(place);
            }
            Err(p) => {
                let path = match &place.column {
                    Some(c) => at.clone().key(&**c),
                    None => at.clone().key("value"),
                };
                let what = format!("the actual of subject '{subject}' for indicator '{indicator}'");
                self.problem(path, &place.origin, p, &what);
            }
        }
    }

    /// One actuals row: long (`subject`, `indicator`, `value`) when it has an `indicator`
    /// column, else wide (`subject` and one column per indicator).
    pub fn actual(&mut self, row: usize, origin: Option<Origin>, fields: &[(&str, Cell<'_>)]) {
        let at = Path::root().key("actuals").index(row);
        let get = |name: &str| fields.iter().find(|(k, _)| *k == name).map(|(_, c)| *c);
        let Some(subject) = self.text(&at, &origin, "subject", get("subject"), true) else {
            return;
        };
        let subject: Arc<str> = Arc::from(subject);
        if let Some(indicator) = get("indicator") {
            let Some(indicator) = self.text(&at, &origin, "indicator", Some(indicator), true)
            else {
                return;
            };
            if let Some((key, _)) = fields
                .iter()
                .find(|(k, _)| !matches!(*k, "subject" | "indicator" | "value"))
            {
                self.issue(
                    Issue::new(
                        Code::UnknownField,
                        at.clone().key(*key),
                        format!("unknown field `{key}` in a long-format row (expected `subject`, `indicator`, `value`; a row without `indicator` is read as wide format)"),
                    )
                    .with_origin(origin.clone()),
                );
                return;
            }
            let cell = get("value").unwrap_or(Cell::Null);
            let place = Place::long(row).with_origin(origin);
            self.value(&at, &subject, &indicator, cell, place);
            return;
        }
        for (key, cell) in fields {
            if *key == "subject" || self.unknown_column(at.clone().key(*key), key) {
                continue;
            }
            let place = Place::wide(row, Arc::from(*key)).with_origin(origin.clone());
            self.value(&at, &subject, key, *cell, place);
        }
    }

    /// One per-subject target row.
    pub fn target(&mut self, row: usize, origin: Option<Origin>, fields: &[(&str, Cell<'_>)]) {
        let at = Path::root().key("targets").index(row);
        let get = |name: &str| fields.iter().find(|(k, _)| *k == name).map(|(_, c)| *c);
        let subject = self.text(&at, &origin, "subject", get("subject"), true);
        let indicator = self.text(&at, &origin, "indicator", get("indicator"), true);
        let whose = |f: &str| {
            format!(
                "the {f} of {} for indicator '{}'",
                owner(subject.as_deref()),
                indicator.as_deref().unwrap_or("?")
            )
        };
        let target = self.number(&at, &origin, "target", get("target"), &whose("target"));
        let threshold = self.number(
            &at,
            &origin,
            "threshold",
            get("threshold"),
            &whose("threshold"),
        );
        let stretch = self.number(&at, &origin, "stretch", get("stretch"), &whose("stretch"));
        let (Some(subject), Some(indicator)) = (subject, indicator) else {
            return;
        };
        let Some(target) = target else {
            if get("target").is_none_or(|c| matches!(c.number(), Ok(None))) {
                self.issue(
                    Issue::new(
                        Code::MissingField,
                        at.clone().key("target"),
                        "`target` is required",
                    )
                    .with_origin(origin),
                );
            }
            return;
        };
        self.rows.targets.push((row, origin));
        self.inputs.targets.push(TargetOverride {
            subject: subject.into(),
            indicator: indicator.into(),
            target,
            threshold,
            stretch,
        });
    }

    /// One org unit row.
    pub fn unit(&mut self, row: usize, origin: Option<Origin>, fields: &[(&str, Cell<'_>)]) {
        let at = Path::root().key("units").index(row);
        let get = |name: &str| fields.iter().find(|(k, _)| *k == name).map(|(_, c)| *c);
        for (key, _) in fields {
            if !matches!(*key, "id" | "name" | "parent" | "region")
                && !self.unknown.contains(&format!("units.{key}"))
            {
                self.issue(
                    Issue::new(
                        Code::UnknownField,
                        at.clone().key(*key),
                        format!("a unit has `id`, `name`, `parent` and `region`; `{key}` is not one of them"),
                    )
                    .with_origin(in_column(&origin, key)),
                );
            }
        }
        let id = self.text(&at, &origin, "id", get("id"), true);
        let unit = Unit {
            id: id.clone().unwrap_or_default(),
            name: self.text(&at, &origin, "name", get("name"), false),
            parent: self.text(&at, &origin, "parent", get("parent"), false),
            region: self.text(&at, &origin, "region", get("region"), false),
        };
        if id.is_some() {
            self.rows.units.push((row, origin));
            self.inputs.units.push(unit);
        }
    }

    /// Raw records of a record set, as JSON objects (the plan declares their fields).
    pub fn records(
        &mut self,
        set: &str,
        rows: Vec<std::collections::BTreeMap<String, serde_json::Value>>,
    ) {
        self.inputs.records.insert(set.to_string(), rows);
    }

    /// The inputs, or every problem found.
    pub fn finish(mut self) -> Result<Intake, InputError> {
        if self.dropped > 0 {
            self.issues.push(Issue::new(
                Code::TooManyErrors,
                Path::root(),
                format!(
                    "{} more problems of the same kinds were not listed",
                    self.dropped
                ),
            ));
        }
        if !self.issues.is_empty() {
            return Err(InputError {
                issues: self.issues,
            });
        }
        let mut intake = Intake::new(self.inputs, self.places);
        intake.rows = self.rows;
        Ok(intake)
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::indexing_slicing)]
mod tests {
    use super::*;

    #[test]
    fn frame_rows_keep_their_origin_narrowed_to_the_column() {
        let mut b = IntakeBuilder::new();
        b.indicators(["sales"]);
        assert!(b.columns("units", &["id", "parnet"]));
        let row = |i: u64| Some(Origin::row("actuals", i));
        b.actual(
            0,
            row(0),
            &[
                ("subject", Cell::Text("E1")),
                ("sales", Cell::Float(f64::NAN)),
            ],
        );
        b.actual(
            1,
            row(1),
            &[("subject", Cell::Null), ("sales", Cell::Int(1))],
        );
        b.unit(
            0,
            None,
            &[("id", Cell::Text("S")), ("parnet", Cell::Text("CO"))],
        );
        b.unit(
            1,
            None,
            &[("id", Cell::Text("N")), ("prent", Cell::Text("CO"))],
        );
        let err = b.finish().unwrap_err();
        let got: Vec<(String, String, Option<String>)> = err
            .issues
            .iter()
            .map(|i| {
                let origin = i.origin.as_ref().map(ToString::to_string);
                (i.code.as_str().to_string(), i.path.to_string(), origin)
            })
            .collect();
        let at = |c: &str, p: &str, o: Option<&str>| (c.into(), p.into(), o.map(Into::into));
        assert_eq!(
            got,
            vec![
                at("unknown_column", "units.parnet", None),
                at(
                    "invalid_number",
                    "actuals[0].sales",
                    Some("actuals[0].sales")
                ),
                at(
                    "missing_field",
                    "actuals[1].subject",
                    Some("actuals[1].subject")
                ),
                at("unknown_field", "units[1].prent", None),
            ]
        );
    }

    #[test]
    fn a_wide_origin_is_given_back_with_its_column() {
        let mut b = IntakeBuilder::new();
        let fields = [("subject", Cell::Text("E9")), ("sales", Cell::Int(1))];
        b.actual(4, Some(Origin::row("actuals", 4)), &fields);
        let intake = b.finish().unwrap();
        let error = InputError {
            issues: vec![Issue::new(Code::UnknownSubject, "actuals[0].subject", "?")],
        };
        let issue = &intake.relocate(error).issues[0];
        assert_eq!(issue.path.to_string(), "actuals[4].subject");
        assert_eq!(
            issue.origin,
            Some(Origin::row("actuals", 4).column("subject"))
        );
    }
}
