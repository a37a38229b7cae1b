//! Measure definitions (取数口径): serde structs, the single source of truth of the measure
//! format in every language.

use rust_decimal::Decimal;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

use super::time::text_type;
use crate::decimal::{RoundingMode, parse_decimal};
use crate::error::InputError;

/// A measure bound to the indicator whose actuals it derives.
///
/// ```
/// let defs = kpichain::measure::parse_measures(r#"[{
///   "indicator": "sales",
///   "measure": {"records": "orders", "subject": "rep", "time": "confirmed_at",
///               "value": {"type": "sum", "field": "amount"}}
/// }]"#)?;
/// assert_eq!(defs[0].measure.value.kind(), "sum");
/// # Ok::<(), kpichain::InputError>(())
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct MeasureDef {
    /// The indicator id the derived actuals are for.
    pub indicator: String,
    /// How the actuals are derived.
    pub measure: Measure,
}

/// How an indicator's actual is derived from records (取数口径): which record set, which field
/// names the subject, which timestamp or date field places a record in a period, which
/// records count, and the calculation.
///
/// Every aggregation in `value` reads `records` unless it names its own record set, uses the
/// `subject` and `time` fields unless it names its own, and keeps only records meeting
/// `filter` (when it reads this record set) and its own `filter`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Measure {
    /// The record set read, e.g. `orders`.
    pub records: String,
    /// The text field naming the subject, e.g. `rep`.
    pub subject: String,
    /// The timestamp or date field that places a record in a period, e.g. `confirmed_at`.
    pub time: String,
    /// Conditions every record must meet (all of them), e.g. `status eq confirmed`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub filter: Vec<Condition>,
    /// The calculation.
    pub value: Calc,
    /// Decimal places the derived value is rounded to with `rounding`. Without it values are
    /// exact; a quotient that does not terminate is cut at 28 significant digits.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub scale: Option<u32>,
    /// Rounding mode used with `scale`; default `half_up`.
    #[serde(default, skip_serializing_if = "is_half_up")]
    pub rounding: RoundingMode,
    /// What the measure means, for readers.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
}

fn is_half_up(mode: &RoundingMode) -> bool {
    *mode == RoundingMode::HalfUp
}

/// A calculation, chosen by its `type`. Empty groups: `count`, `sum` and `distinct_count`
/// give 0; `avg`, `min`, `max`, `duration` and `share` give no value.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum Calc {
    /// The number of records.
    Count(CountCalc),
    /// The sum of a decimal field (missing values are skipped).
    Sum(FieldCalc),
    /// The mean of a decimal field (missing values are skipped).
    Avg(FieldCalc),
    /// The smallest value of a decimal field.
    Min(FieldCalc),
    /// The largest value of a decimal field.
    Max(FieldCalc),
    /// The number of distinct values of a field (missing values are not counted).
    DistinctCount(FieldCalc),
    /// The percentage of records meeting `condition`: matching ÷ all × 100.
    Share(ShareCalc),
    /// A statistic of the hours between two timestamp (or date) fields, `to − from`.
    Duration(DurationCalc),
    /// `numerator ÷ denominator`, × 100 when `percent`.
    Ratio(RatioCalc),
    /// `(this period − base period) ÷ base period × 100` of another calculation.
    Growth(GrowthCalc),
}

impl Calc {
    /// The calculation's `type` as written.
    pub fn kind(&self) -> &'static str {
        match self {
            Calc::Count(_) => "count",
            Calc::Sum(_) => "sum",
            Calc::Avg(_) => "avg",
            Calc::Min(_) => "min",
            Calc::Max(_) => "max",
            Calc::DistinctCount(_) => "distinct_count",
            Calc::Share(_) => "share",
            Calc::Duration(_) => "duration",
            Calc::Ratio(_) => "ratio",
            Calc::Growth(_) => "growth",
        }
    }
}

/// Counts records.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct CountCalc {
    /// Another record set than the measure's.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub records: Option<String>,
    /// Another subject field than the measure's.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub subject: Option<String>,
    /// Another time field than the measure's.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub time: Option<String>,
    /// Conditions for this calculation only, in addition to the measure's.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub filter: Vec<Condition>,
}

/// Aggregates one field.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct FieldCalc {
    /// The field aggregated, e.g. `amount`.
    pub field: String,
    /// Another record set than the measure's.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub records: Option<String>,
    /// Another subject field than the measure's.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub subject: Option<String>,
    /// Another time field than the measure's.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub time: Option<String>,
    /// Conditions for this calculation only, in addition to the measure's.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub filter: Vec<Condition>,
}

/// The percentage of records meeting a condition.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct ShareCalc {
    /// What a matching record meets (all conditions), e.g. `delivered_at le promised_at + 24h`.
    pub condition: Vec<Condition>,
    /// Another record set than the measure's.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub records: Option<String>,
    /// Another subject field than the measure's.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub subject: Option<String>,
    /// Another time field than the measure's.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub time: Option<String>,
    /// Conditions for this calculation only, in addition to the measure's; records failing
    /// them are in neither count.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub filter: Vec<Condition>,
}

/// A statistic of `to − from` in hours, over records where both are present.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct DurationCalc {
    /// The start, e.g. `submitted_at`.
    pub from: String,
    /// The end, e.g. `confirmed_at`.
    pub to: String,
    /// `avg`, `median` or a percentile `pNN` (nearest rank).
    pub statistic: Statistic,
    /// Another record set than the measure's.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub records: Option<String>,
    /// Another subject field than the measure's.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub subject: Option<String>,
    /// Another time field than the measure's.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub time: Option<String>,
    /// Conditions for this calculation only, in addition to the measure's.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub filter: Vec<Condition>,
}

/// One calculation divided by another.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RatioCalc {
    /// The dividend.
    pub numerator: Box<Calc>,
    /// The divisor; zero (or no value) gives no value, with a note.
    pub denominator: Box<Calc>,
    /// Multiply by 100 (a percentage). Default `false`.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub percent: bool,
}

/// Growth of a calculation against a base period, in percent.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct GrowthCalc {
    /// The calculation compared, e.g. the sum of order amounts.
    pub of: Box<Calc>,
    /// The period compared with.
    pub base: GrowthBase,
}

/// The period a growth rate compares with.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum GrowthBase {
    /// The period just before (环比): `2022-03` → `2022-02`, `2022-Q1` → `2021-Q4`.
    PreviousPeriod,
    /// The same period one year earlier (同比): `2022-03` → `2021-03`.
    SamePeriodLastYear,
}

/// A statistic of durations.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Statistic {
    /// The mean, `avg`.
    Avg,
    /// The middle value, or the mean of the two middle values, `median`.
    Median,
    /// The nearest-rank percentile `pNN` (1..=100): the smallest value with at least NN% of
    /// the values at or below it, i.e. the ⌈NN/100 × n⌉-th smallest.
    Percentile(u8),
}

impl FromStr for Statistic {
    type Err = String;
    fn from_str(s: &str) -> Result<Statistic, String> {
        match s {
            "avg" => Ok(Statistic::Avg),
            "median" => Ok(Statistic::Median),
            _ => s
                .strip_prefix('p')
                .filter(|n| !n.starts_with('0') && n.bytes().all(|b| b.is_ascii_digit()))
                .and_then(|n| n.parse::<u8>().ok())
                .filter(|n| (1..=100).contains(n))
                .map(Statistic::Percentile)
                .ok_or_else(|| {
                    format!("\"{s}\" is not a statistic (write avg, median, or a percentile p1 to p100 such as p90)")
                }),
        }
    }
}

impl fmt::Display for Statistic {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Statistic::Avg => f.write_str("avg"),
            Statistic::Median => f.write_str("median"),
            Statistic::Percentile(n) => write!(f, "p{n}"),
        }
    }
}

text_type!(
    Statistic,
    "Statistic",
    "^(avg|median|p([1-9][0-9]?|100))$",
    "`avg`, `median`, or a nearest-rank percentile `p1` … `p100`."
);

/// A condition on a record: `field op value`, `field in values`, `field op other_field [+ plus]`
/// or `field is_null`. A comparison with a missing value is false (only `is_null` and
/// `not_null` look at missing values).
///
/// Literals are read by the field's kind: decimals exactly (a JSON number or a decimal
/// string), timestamps as RFC 3339 or local `YYYY-MM-DD HH:MM[:SS]` in the plan's time zone,
/// dates as `YYYY-MM-DD`. Text compares by Unicode code points (`lt` on text is not a
/// collation). `plus` is a span for timestamps (`24h`, `-30m`, `1.5h`, `3d`, `90s`),
/// whole days for dates (`3d`), a decimal for decimals.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Condition {
    /// The field tested.
    pub field: String,
    /// The comparison.
    pub op: CompareOp,
    /// The value compared with (`eq` … `ge`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub value: Option<Literal>,
    /// The values of `in` and `not_in`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub values: Option<Vec<Literal>>,
    /// Another field of the same record compared with (`eq` … `ge`), of the same kind.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub other_field: Option<String>,
    /// Added to `other_field` before comparing, e.g. `24h`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub plus: Option<Literal>,
}

/// A comparison operator.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum CompareOp {
    /// Equal.
    Eq,
    /// Not equal.
    Ne,
    /// Less than.
    Lt,
    /// Less than or equal.
    Le,
    /// Greater than.
    Gt,
    /// Greater than or equal.
    Ge,
    /// Equal to one of `values`.
    In,
    /// Present and equal to none of `values`.
    NotIn,
    /// The value is missing.
    IsNull,
    /// The value is present.
    NotNull,
}

impl CompareOp {
    /// The operator as written (`le`).
    pub fn as_str(self) -> &'static str {
        match self {
            CompareOp::Eq => "eq",
            CompareOp::Ne => "ne",
            CompareOp::Lt => "lt",
            CompareOp::Le => "le",
            CompareOp::Gt => "gt",
            CompareOp::Ge => "ge",
            CompareOp::In => "in",
            CompareOp::NotIn => "not_in",
            CompareOp::IsNull => "is_null",
            CompareOp::NotNull => "not_null",
        }
    }
}

/// A literal in a condition: a string, an exact number or a boolean.
#[derive(Debug, Clone, PartialEq)]
pub enum Literal {
    /// Text, also the form of timestamps, dates, spans and decimal strings.
    Text(String),
    /// A JSON number, read exactly.
    Number(Decimal),
    /// `true` or `false`.
    Bool(bool),
}

impl fmt::Display for Literal {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Literal::Text(s) => write!(f, "\"{s}\""),
            Literal::Number(d) => write!(f, "{d}"),
            Literal::Bool(b) => write!(f, "{b}"),
        }
    }
}

impl Serialize for Literal {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            Literal::Text(t) => s.serialize_str(t),
            Literal::Number(d) => Serialize::serialize(d, s),
            Literal::Bool(b) => s.serialize_bool(*b),
        }
    }
}

impl<'de> Deserialize<'de> for Literal {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Literal, D::Error> {
        use serde::de::Error;
        match serde_json::Value::deserialize(d)? {
            serde_json::Value::String(s) => Ok(Literal::Text(s)),
            serde_json::Value::Bool(b) => Ok(Literal::Bool(b)),
            serde_json::Value::Number(n) => parse_decimal(&n.to_string())
                .map(Literal::Number)
                .map_err(D::Error::custom),
            other => Err(D::Error::custom(format!(
                "expected a string, a number or a boolean, found {other}"
            ))),
        }
    }
}

impl JsonSchema for Literal {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "Literal".into()
    }
    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schemars::json_schema!({
            "description": "A string, an exact number or a boolean, read by the field's kind.",
            "type": ["string", "number", "boolean"],
        })
    }
}

/// Reads a JSON array of measure definitions, reporting where it is wrong with the paths
/// [`derive_actuals`](super::derive_actuals) uses (e.g. `measures[2].measure.value`).
pub fn parse_measures(text: &str) -> Result<Vec<MeasureDef>, InputError> {
    let under = crate::error::Path::root().key("measures");
    let value = crate::read::json_value(text, "measure list").map_err(|issue| InputError {
        issues: vec![issue.under(&under)],
    })?;
    crate::read::all_problems(value).map_err(|issues| InputError {
        issues: issues.into_iter().map(|i| i.under(&under)).collect(),
    })
}

/// The JSON Schema of a list of measure definitions, as pretty-printed JSON text.
pub fn measures_schema() -> String {
    let schema = schemars::generate::SchemaSettings::draft2020_12()
        .into_generator()
        .into_root_schema_for::<Vec<MeasureDef>>();
    let mut text = serde_json::to_string_pretty(&schema).unwrap_or_default();
    text.push('\n');
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statistics_read_and_print() {
        for s in ["avg", "median", "p1", "p90", "p100"] {
            assert_eq!(s.parse::<Statistic>().unwrap().to_string(), s);
        }
        for s in ["p0", "p101", "p09", "p", "mean", "P90", "p9.5"] {
            assert!(s.parse::<Statistic>().is_err(), "{s}");
        }
    }

    #[test]
    fn literals_are_exact() {
        let c: Condition =
            serde_json::from_str(r#"{"field":"amount","op":"ge","value":0.1}"#).unwrap();
        assert_eq!(c.value, Some(Literal::Number(Decimal::new(1, 1))));
        let c: Condition = serde_json::from_str(
            r#"{"field":"x","op":"in","values":["a", 12345678901234567890.123, true]}"#,
        )
        .unwrap();
        assert_eq!(c.values.unwrap()[1].to_string(), "12345678901234567890.123");
        assert!(
            serde_json::from_str::<Condition>(r#"{"field":"x","op":"eq","value":[1]}"#).is_err()
        );
    }

    #[test]
    fn measures_round_trip_and_report_paths() {
        let text = r#"[{"indicator":"on_time","measure":{"records":"deliveries","subject":"buyer",
          "time":"promised_at","value":{"type":"share","condition":[
            {"field":"delivered_at","op":"le","other_field":"promised_at","plus":"24h"}]},"scale":2}}]"#;
        let defs = parse_measures(text).unwrap();
        let again: Vec<MeasureDef> =
            serde_json::from_str(&serde_json::to_string(&defs).unwrap()).unwrap();
        assert_eq!(defs, again);
        let err = parse_measures(
            r#"[{"indicator":"x","measure":{"records":"o","subject":"r","time":"t",
              "value":{"type":"ratio","numerator":{"type":"count"},"denominator":{"type":"median"}}}}]"#,
        )
        .unwrap_err();
        // serde reads a tagged calculation whole, so the path stops at the calculation.
        assert_eq!(err.issues[0].path, "measures[0].measure.value");
        assert!(
            err.issues[0].message.contains("median"),
            "{}",
            err.issues[0].message
        );
        let err = parse_measures(
            r#"[{"indicator":"x","measure":{"records":"o","subject":"r","time":"t","value":{"type":"count","colour":1}}}]"#,
        )
        .unwrap_err();
        assert!(
            err.issues[0].message.contains("colour"),
            "{}",
            err.issues[0].message
        );
    }

    #[test]
    fn the_schema_names_every_calculation() {
        let schema = measures_schema();
        for kind in [
            "distinct_count",
            "share",
            "duration",
            "growth",
            "same_period_last_year",
        ] {
            assert!(schema.contains(kind), "{kind}");
        }
    }
}
