//! Intake: a caller's data → the core's [`Inputs`], with one number policy ([`Cell`]) and the
//! caller's coordinates kept for every actual ([`Intake`]), so that a problem found later —
//! an unknown subject, a missing actual — is reported at the caller's row and column
//! (`actuals[5].sales` for a wide row), never at a position the core invented.

mod cell;
mod json;
mod rows;

pub use cell::{Cell, NumberProblem};
pub use rows::{ASSIGNMENT_FIELDS, IntakeBuilder, MAX_ISSUES};

use std::sync::Arc;

use crate::error::{InputError, Issue, Origin, Path, Segment};
use crate::model::Inputs;

/// Where one actual came from among the caller's rows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Place {
    /// The caller's list or table the actual came from: `actuals`, or `assignments` for a
    /// combined table (assignments with one column per indicator).
    pub list: &'static str,
    /// The caller's row (0-based) in its list or table of actuals.
    pub row: usize,
    /// The indicator column of a wide row; `None` for a long row (`subject, indicator, value`).
    pub column: Option<Arc<str>>,
    /// The caller's own name for the place (`actuals.csv:17`), when it gave one.
    pub origin: Option<Origin>,
}

impl Place {
    /// A long row.
    pub fn long(row: usize) -> Place {
        Place {
            list: "actuals",
            row,
            column: None,
            origin: None,
        }
    }

    /// The cell of a wide row in the column `column`.
    pub fn wide(row: usize, column: Arc<str>) -> Place {
        Place {
            list: "actuals",
            row,
            column: Some(column),
            origin: None,
        }
    }

    /// The same place, in the caller's list `list`.
    #[must_use]
    pub fn in_list(mut self, list: &'static str) -> Place {
        self.list = list;
        self
    }

    /// The same place, with the caller's name for it.
    #[must_use]
    pub fn with_origin(mut self, origin: Option<Origin>) -> Place {
        self.origin = origin;
        self
    }
}

/// Inputs ready for the core, with the caller's place of each actual (in the order of
/// `inputs.actuals`). Issues from evaluating [`Intake::inputs`] are given back in the caller's
/// terms by [`Intake::relocate`].
///
/// ```
/// use kpichain::{CompiledPlan, Intake};
/// let plan = CompiledPlan::from_text(r#"{"id": "p", "version": "1",
///   "indicators": [{"id": "sales", "name": "Sales"}],
///   "roles": [{"id": "rep", "name": "Rep", "items": [
///     {"indicator": "sales", "weight": 100, "target": 100, "rule": {"type": "ratio"}}]}],
///   "grades": [{"grade": "A", "min": 100, "coefficient": 1}, {"grade": "B", "coefficient": 0}]}"#)?;
/// // A wide row: one column per indicator.
/// let intake = Intake::from_json(r#"{"assignments": [{"subject": "E1", "role": "rep"}],
///   "actuals": [{"subject": "E1", "sales": 120}, {"subject": "E9", "sales": 80}]}"#)?;
/// let err = plan.evaluate(intake.inputs()).map_err(|e| intake.relocate(e)).unwrap_err();
/// assert_eq!(err.issues[0].path.to_string(), "actuals[1].subject");
/// // A bad number has the same code through every entry point.
/// let bad = Intake::from_json(r#"{"assignments": [], "actuals": [
///   {"subject": "E1", "indicator": "sales", "value": "12,5"}]}"#).unwrap_err();
/// assert_eq!(bad.issues[0].code.as_str(), "invalid_number");
/// # Ok::<(), kpichain::Error>(())
/// ```
#[derive(Debug, Clone, Default)]
pub struct Intake {
    inputs: Inputs,
    places: Vec<Place>,
    rows: Rows,
}

/// The caller's row and origin of each assignment, target and unit, in the core's order
/// (empty when they are the same as the caller's).
#[derive(Debug, Clone, Default)]
pub(crate) struct Rows {
    pub(crate) assignments: Vec<(usize, Option<Origin>)>,
    pub(crate) targets: Vec<(usize, Option<Origin>)>,
    pub(crate) units: Vec<(usize, Option<Origin>)>,
}

impl Intake {
    /// Inputs and the caller's place of each actual, in the same order.
    pub fn new(inputs: Inputs, places: Vec<Place>) -> Intake {
        Intake {
            inputs,
            places,
            rows: Rows::default(),
        }
    }

    /// Reads inputs from JSON text: the [`Inputs`] shape, with `actuals` rows long
    /// (`{subject, indicator, value}`) or wide (`{subject, <indicator>: value, …}`); a `null`
    /// or empty value is no actual; subject ids may be text or integers.
    pub fn from_json(text: &str) -> Result<Intake, InputError> {
        json::read(text)
    }

    /// The inputs to evaluate.
    pub fn inputs(&self) -> &Inputs {
        &self.inputs
    }

    /// The inputs, owned.
    pub fn into_inputs(self) -> Inputs {
        self.inputs
    }

    /// The caller's place of each actual.
    pub fn places(&self) -> &[Place] {
        &self.places
    }

    /// Gives the paths of `error` in the caller's terms: `actuals[i]…` (the core's position)
    /// becomes the caller's row, and the column of a wide row; the origin is attached.
    pub fn relocate(&self, mut error: InputError) -> InputError {
        for issue in &mut error.issues {
            self.relocate_issue(issue);
        }
        error
    }

    fn relocate_issue(&self, issue: &mut Issue) {
        let (list, i, rest) = match issue.path.segments() {
            [Segment::Key(list), Segment::Index(i), rest @ ..] => (&**list, *i, rest.to_vec()),
            _ => return,
        };
        let rows = match list {
            "assignments" => &self.rows.assignments,
            "targets" => &self.rows.targets,
            "units" => &self.rows.units,
            _ => &Vec::new(),
        };
        if let Some((row, origin)) = rows.get(i) {
            issue.path = Path::root().key(list).index(*row).join(&Path::from(rest));
            if issue.origin.is_none() {
                issue.origin.clone_from(origin);
                issue.narrow_to_field();
            }
            return;
        }
        if list != "actuals" {
            return;
        }
        let Some(place) = self.places.get(i) else {
            return;
        };
        let at = Path::root().key(place.list).index(place.row);
        issue.path = match (&place.column, rest.as_slice()) {
            (None, _) => at.join(&Path::from(rest)),
            (Some(_), [Segment::Key(k)]) if &**k == "subject" => at.key("subject"),
            (Some(column), _) => at.key(&**column),
        };
        if issue.origin.is_none() {
            // The row's origin, narrowed to the column the path names.
            issue.origin.clone_from(&place.origin);
            issue.narrow_to_field();
        }
    }
}

impl Inputs {
    /// Reads inputs from JSON text (numbers or decimal strings, parsed exactly), through
    /// [`Intake::from_json`](crate::Intake::from_json): `actuals` rows may be long or wide, and
    /// a `null` value is no actual.
    pub fn from_json(text: &str) -> Result<Inputs, InputError> {
        Intake::from_json(text).map(Intake::into_inputs)
    }
}
