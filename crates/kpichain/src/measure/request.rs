//! A whole derivation as one JSON document — records as text rows, measures, period, time
//! zone — for trying measures on sample data and for the bindings' test suites.

use crate::error::Code;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

use super::builder::RecordSetBuilder;
use super::def::MeasureDef;
use super::derive::derive_actuals;
use super::records::{Field, RecordSets, Schema};
use super::report::{BadRecordPolicy, DeriveOptions, Derived};
use super::time::{Period, UtcOffset};
use crate::error::{InputError, Issue};

/// One derivation: record sets as text rows, measures, a period and a time zone.
///
/// ```
/// let derived = kpichain::measure::derive_json(r#"{
///   "time_zone": "+08:00", "period": "2022-03",
///   "records": {"orders": {
///     "fields": [{"name": "rep", "kind": "text"}, {"name": "at", "kind": "timestamp"},
///                {"name": "amount", "kind": "decimal"}],
///     "rows": [["E1", "2022-03-01 00:00", "12.50"], ["E1", "2022-02-28 23:59", "99"]]}},
///   "measures": [{"indicator": "sales", "measure": {"records": "orders", "subject": "rep",
///     "time": "at", "value": {"type": "sum", "field": "amount"}}}]
/// }"#)?;
/// assert_eq!(derived.actuals[0].value.to_string(), "12.50");
/// # Ok::<(), kpichain::InputError>(())
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct DeriveRequest {
    /// The plan's time zone, e.g. `+08:00`.
    pub time_zone: UtcOffset,
    /// The period, e.g. `2022-03`.
    #[schemars(with = "String")]
    pub period: String,
    /// What bad records do; default `error`.
    #[serde(default)]
    pub bad_records: BadRecordPolicy,
    /// Derive exactly these subjects, in this order.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub subjects: Option<Vec<String>>,
    /// The record sets by name, in the order given.
    #[schemars(with = "BTreeMap<String, RowSet>")]
    pub records: serde_json::Map<String, serde_json::Value>,
    /// The measures.
    pub measures: Vec<MeasureDef>,
}

/// A record set as text rows.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct RowSet {
    /// The typed fields.
    pub fields: Vec<Field>,
    /// One list of text cells per record, in field order (`""` or `null` is empty).
    pub rows: Vec<Vec<Option<String>>>,
    /// A file name: row `i` is labelled `SOURCE:<i + 2>` (line 1 is the header).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
    /// The time zone local timestamps were read in, when not the request's.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub time_zone: Option<UtcOffset>,
}

/// Runs a [`DeriveRequest`] given as JSON text; other keys of the document are ignored.
pub fn derive_json(text: &str) -> Result<Derived, InputError> {
    let value = crate::read::json_value(text, "request").map_err(|issue| InputError {
        issues: vec![issue],
    })?;
    let request: DeriveRequest =
        crate::read::all_problems(value).map_err(|issues| InputError { issues })?;
    derive_request(&request)
}

/// Builds the record sets from the rows (so cell parsing is part of the request) and derives.
pub fn derive_request(request: &DeriveRequest) -> Result<Derived, InputError> {
    let period: Period = request.period.parse().map_err(|e: String| InputError {
        issues: vec![Issue::new(Code::InvalidPeriod, "period", e)],
    })?;
    let mut sets = RecordSets::new();
    for (name, set) in &request.records {
        let set: RowSet = serde_json::from_value(set.clone()).map_err(|e| InputError {
            issues: vec![Issue::new(
                Code::ParseError,
                format!("records.{name}"),
                crate::read::friendly(&e.to_string()),
            )],
        })?;
        let schema = Schema::new(set.fields.clone())?;
        let tz = set.time_zone.unwrap_or(request.time_zone);
        let mut builder = RecordSetBuilder::new(name.clone(), schema, tz);
        for (i, row) in set.rows.iter().enumerate() {
            let cells: Vec<&str> = row.iter().map(|c| c.as_deref().unwrap_or("")).collect();
            let label = set
                .source
                .as_ref()
                .map(|s| format!("{s}:{}", i.saturating_add(2)));
            builder.push_row(&cells, label.as_deref());
        }
        sets.insert(builder.finish())?;
    }
    let mut options = DeriveOptions::new(request.time_zone);
    options.bad_records = request.bad_records;
    options.subjects.clone_from(&request.subjects);
    derive_actuals(&request.measures, &sets, &period, &options)
}
