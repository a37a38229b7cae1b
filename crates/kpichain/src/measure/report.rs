//! What a derivation takes besides measures and records, and what it gives back.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

use super::records::BadRecord;
use super::time::{Period, UtcOffset};
use crate::Actual;

/// What happens to records that could not be read.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum BadRecordPolicy {
    /// The derivation fails with an input error listing every problem of every bad record.
    /// The default.
    #[default]
    Error,
    /// Bad records are left out, counted and listed in the report.
    Skip,
}

/// How a derivation runs.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct DeriveOptions {
    /// The plan's time zone: periods start at local midnight in it, and local timestamps in
    /// conditions are read in it. Record sets built from text must have been read in it too.
    pub time_zone: UtcOffset,
    /// What bad records do; default `error`.
    #[serde(default)]
    pub bad_records: BadRecordPolicy,
    /// The subjects to derive actuals for, in this order (e.g. the assigned employees). Each
    /// gets a value or a note; records of other subjects are left out, with a note. Without
    /// it, every subject with a record in the period (or, for growth, in the base period) of
    /// a record set the measure reads gets one, in the order of their ids.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub subjects: Option<Vec<String>>,
}

impl DeriveOptions {
    /// Options with `time_zone`, stopping on bad records, for every subject found.
    pub fn new(time_zone: UtcOffset) -> DeriveOptions {
        DeriveOptions {
            time_zone,
            bad_records: BadRecordPolicy::Error,
            subjects: None,
        }
    }
}

/// The result of a derivation: the actuals and how they were found.
#[derive(Debug, Clone, PartialEq, Serialize, JsonSchema)]
pub struct Derived {
    /// One actual per measure and subject with a value, in measure order, then subject
    /// order. Subjects without a value are named in the measure's notes instead; the plan's
    /// missing-data policy decides what their items score.
    pub actuals: Vec<Actual>,
    /// Records read, bad records, and notes per measure.
    pub report: DeriveReport,
}

/// How a derivation went.
#[derive(Debug, Clone, PartialEq, Serialize, JsonSchema)]
pub struct DeriveReport {
    /// The period derived.
    pub period: Period,
    /// The time zone periods were placed in.
    pub time_zone: UtcOffset,
    /// Per record set: records read, good and bad.
    pub record_sets: Vec<RecordSetReport>,
    /// Every bad record that was skipped (under the `skip` policy).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub bad_records: Vec<BadRecord>,
    /// Per measure: actuals given and notes.
    pub measures: Vec<MeasureReport>,
}

/// Records read from one record set.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, JsonSchema)]
pub struct RecordSetReport {
    /// The record set's name.
    pub name: String,
    /// Every record given, good or bad.
    pub records_read: usize,
    /// Records that could be read.
    pub records: usize,
    /// Records that could not be read.
    pub bad_records: usize,
}

/// What one measure gave.
#[derive(Debug, Clone, PartialEq, Serialize, JsonSchema)]
pub struct MeasureReport {
    /// The indicator.
    pub indicator: String,
    /// Where the measure is, e.g. `measures[2]`.
    pub path: crate::error::Path,
    /// How many actuals it gave.
    pub actuals: usize,
    /// Subjects without a value and records left out, with reasons.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub notes: Vec<MeasureNote>,
}

/// Something a vendor should be able to show about a measure's result: subjects without a
/// value (`no_records`, `zero_denominator`, `zero_base`), or records left out
/// (`missing_time`, `missing_subject`, `missing_value`, `other_subjects`) or worth a look
/// (`negative_duration`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, JsonSchema)]
pub struct MeasureNote {
    /// Stable code, e.g. `zero_denominator`.
    pub code: crate::error::Code,
    /// The calculation concerned, e.g. `measures[0].measure.value.denominator`.
    pub path: crate::error::Path,
    /// The period concerned, when the note is about one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub period: Option<Period>,
    /// How many records the note is about (record notes).
    #[serde(skip_serializing_if = "is_zero")]
    pub records: usize,
    /// The subjects the note is about (value notes).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub subjects: Vec<String>,
    /// One sentence for an HR user.
    pub message: String,
}

fn is_zero(n: &usize) -> bool {
    *n == 0
}
