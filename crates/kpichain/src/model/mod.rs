//! The plan model (考核方案): plain serde structs that are the single source of truth for the
//! plan format in every language. JSON and TOML text are accepted; numbers may be written as
//! JSON numbers or as decimal strings and are parsed exactly, never through binary floats.

mod input;
mod link;
mod rule;

pub use input::{Actual, Assignment, Inputs, TargetOverride, Unit};
pub use link::{Aggregate, LinkScope, RecordSetDecl, RoleVariant, Rollup, Source};
pub use rule::{
    Band, BandsRule, DeductionRule, FormulaRule, LinearRule, LookupRow, LookupRule, Over,
    PassFailRule, PerUnitBasis, PerUnitRule, RatioRule, ScoreRule,
};

use crate::decimal::RoundingMode;
use crate::error::{Issue, PlanError};
use crate::measure::{BadRecordPolicy, Measure, UtcOffset};
use rust_decimal::Decimal;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

/// A whole assessment scheme: the indicator library, the roles and their scorecards, the grade
/// scale and the policies for rounding and missing data.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Plan {
    /// Stable identifier of the plan, e.g. `company-a-2022`.
    pub id: String,
    /// Human-readable name (any language).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Version label; results name the version they were computed with.
    pub version: String,
    /// First day the plan applies (`YYYY-MM-DD`), informational.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub effective_from: Option<String>,
    /// Free text shown to users.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Rounding mode and the scale of each stage.
    #[serde(default)]
    pub rounding: RoundingPolicy,
    /// What happens when an item has no actual value. Items may override it.
    #[serde(default)]
    pub missing_data: MissingDataPolicy,
    /// The time zone periods are placed in when actuals are derived from records, as a fixed
    /// offset such as `+08:00`. Required when an indicator has a `measure`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub time_zone: Option<UtcOffset>,
    /// The record sets the measures read, with their typed fields.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub records: Vec<RecordSetDecl>,
    /// What records that cannot be read do: stop the evaluation (`error`, the default) or be
    /// left out, counted and reported (`skip`).
    #[serde(default, skip_serializing_if = "is_error_policy")]
    pub bad_records: BadRecordPolicy,
    /// The indicator library (指标库).
    pub indicators: Vec<Indicator>,
    /// Roles (岗位), each with one scorecard.
    pub roles: Vec<Role>,
    /// Adjustments applied to every role, in addition to the role's own.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub adjustments: Vec<Adjustment>,
    /// Vetoes applied to every role, in addition to the role's own.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub vetoes: Vec<Veto>,
    /// The grade scale (绩效等级), from the total to a grade and its coefficient.
    pub grades: Vec<Grade>,
}

/// Direction of an indicator (正向/逆向指标).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Direction {
    /// Higher is better (sales growth).
    #[default]
    HigherIsBetter,
    /// Lower is better (order processing hours, complaint rate).
    LowerIsBetter,
}

impl Direction {
    /// `higher_is_better` or `lower_is_better`.
    pub fn as_str(self) -> &'static str {
        match self {
            Direction::HigherIsBetter => "higher_is_better",
            Direction::LowerIsBetter => "lower_is_better",
        }
    }
}

/// A measurable quantity in the indicator library (指标).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Indicator {
    /// Identifier used by items, actuals and formulas (letters, digits, `_`; not starting with a digit).
    pub id: String,
    /// Display name, e.g. `销售增长率`.
    pub name: String,
    /// Unit shown next to values, e.g. `%`, `h`, `count`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unit: Option<String>,
    /// Whether higher or lower values are better.
    #[serde(default)]
    pub direction: Direction,
    /// How the indicator is defined.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// How the actual is derived from records (取数口径), instead of being supplied.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub measure: Option<Measure>,
    /// How an org unit's actual is rolled up from its members' when the unit has none of its
    /// own. Without it a unit's actual must be derived from records or supplied.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rollup: Option<Rollup>,
}

/// A position (岗位) with its scorecard (考核表).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Role {
    /// Identifier used in assignments.
    pub id: String,
    /// Display name, e.g. `总经理`.
    pub name: String,
    /// The scorecard's items; their weights sum to exactly 100.
    pub items: Vec<Item>,
    /// Bonus/penalty items outside the weights (加减分项).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub adjustments: Vec<Adjustment>,
    /// Conditions that force the total or the grade (一票否决).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub vetoes: Vec<Veto>,
    /// Where the items take their actuals from unless they say otherwise, e.g.
    /// `{"from": "unit"}` to measure the role on the subject's org unit.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<Source>,
    /// Regional or unit variants of the scorecard (区域差异化考核).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub variants: Vec<RoleVariant>,
}

/// One indicator on a scorecard (考核项).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Item {
    /// Identifier within the scorecard; defaults to the indicator id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// The indicator this item measures.
    pub indicator: String,
    /// Weight in percent; a scorecard's weights sum to exactly 100.
    pub weight: Decimal,
    /// Target value (目标值). Required by every rule except `deduction` and `formula`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target: Option<Decimal>,
    /// Threshold value (门槛值): the worst value that still earns the floor score.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub threshold: Option<Decimal>,
    /// Stretch value (挑战值): the value that earns the maximum score.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stretch: Option<Decimal>,
    /// How the actual becomes a score (评分规则).
    pub rule: ScoreRule,
    /// Overrides the plan's missing-data policy for this item.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub missing_data: Option<MissingDataPolicy>,
    /// Where the actual comes from, when not the subject's own (overrides the role's source).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<Source>,
}

impl Item {
    /// The item's identifier: its `id`, or its indicator's id when no `id` is given.
    pub fn key(&self) -> &str {
        self.id.as_deref().unwrap_or(&self.indicator)
    }
}

/// A bonus or penalty outside the weights (加减分项): `points_per_unit` × the indicator's actual,
/// kept within `[min, max]`. A missing actual counts as zero occurrences.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Adjustment {
    /// Identifier, unique among the adjustments that apply to a role.
    pub id: String,
    /// Display name, e.g. `流程优化提案加分`.
    pub name: String,
    /// The indicator counted, e.g. the number of accepted proposals.
    pub indicator: String,
    /// Points per unit of the actual; negative for penalties.
    pub points_per_unit: Decimal,
    /// Largest total this adjustment may add (e.g. `10`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max: Option<Decimal>,
    /// Smallest total this adjustment may add (e.g. `-10` for a penalty).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min: Option<Decimal>,
}

/// A condition that forces the total or the grade (一票否决), e.g. a serious compliance
/// breach forcing grade D.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Veto {
    /// Identifier, unique among the vetoes that apply to a role.
    pub id: String,
    /// Display name, e.g. `重大合规事故`.
    pub name: String,
    /// A boolean formula, e.g. `compliance_breaches >= 1`. Names are indicator actuals
    /// (a missing actual makes the condition false, with a warning), `total` (the total before
    /// vetoes) and `score.ITEM`.
    pub condition: String,
    /// Grade forced when the condition holds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub force_grade: Option<String>,
    /// Total forced when the condition holds.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub force_total: Option<Decimal>,
}

/// One step of the grade scale: totals at or above `min` (and below the next higher grade's
/// `min`) get this grade. The lowest grade may omit `min` to cover everything below.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Grade {
    /// Grade name, e.g. `S`, `A`, `B`, `C`, `D`.
    pub grade: String,
    /// Smallest total (inclusive) that earns this grade; absent for the catch-all lowest grade.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min: Option<Decimal>,
    /// Performance coefficient (绩效系数) used for payout, e.g. `1.5`.
    pub coefficient: Decimal,
    /// Display label, e.g. `卓越`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub label: Option<String>,
}

/// Rounding mode and the scale (decimal places) of each stage.
///
/// A stage's scale may be `"none"`: that stage is not rounded, and its value is kept at the
/// engine's full precision — exact while it terminates within 28 decimal places, otherwise a
/// non-terminating quotient (a slope such as 40 ÷ 3, an achievement such as 88.2 ÷ 98) held to
/// 28 significant digits as `rust_decimal` divides — and written in its shortest form (`22`,
/// not `22.00`). A plan that rounds only its total declares
/// `"item_scale": "none", "weighted_scale": "none"`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields, default)]
pub struct RoundingPolicy {
    /// Mode used at every stage; default `half_up`.
    pub mode: RoundingMode,
    /// Scale of achievement percentages (default 2). Rules over achievement use the rounded value.
    pub achievement_scale: Scale,
    /// Scale of item scores (default 2).
    pub item_scale: Scale,
    /// Scale of weighted item scores (default 4). The total sums these.
    pub weighted_scale: Scale,
    /// Scale of the total (default 2). Grades are looked up on the rounded total.
    pub total_scale: Scale,
    /// Scale of payouts, bonus base × coefficient (default 2).
    pub payout_scale: Scale,
}

impl Default for RoundingPolicy {
    fn default() -> Self {
        RoundingPolicy {
            mode: RoundingMode::HalfUp,
            achievement_scale: Scale::Places(2),
            item_scale: Scale::Places(2),
            weighted_scale: Scale::Places(4),
            total_scale: Scale::Places(2),
            payout_scale: Scale::Places(2),
        }
    }
}

/// The scale of one rounding stage: a number of decimal places (0 to 20), or `"none"` for a
/// stage that is not rounded (see [`RoundingPolicy`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Scale {
    /// Rounded to this many decimal places by the plan's mode (and padded with zeros to it).
    Places(u32),
    /// Not rounded: the value keeps the engine's full precision.
    Unrounded,
}

impl Scale {
    /// The number of places, or `None` for an unrounded stage.
    pub fn places(self) -> Option<u32> {
        match self {
            Scale::Places(p) => Some(p),
            Scale::Unrounded => None,
        }
    }

    /// `value` rounded at this stage; for a stage that is not rounded, the same value in its
    /// shortest form (no trailing zeros), so that how it was computed cannot show in its
    /// digits.
    pub fn round(self, value: Decimal, mode: RoundingMode) -> Decimal {
        match self {
            Scale::Places(p) => crate::decimal::round_fixed(value, p, mode),
            Scale::Unrounded => value.normalize(),
        }
    }
}

impl From<u32> for Scale {
    fn from(places: u32) -> Scale {
        Scale::Places(places)
    }
}

impl std::fmt::Display for Scale {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Scale::Places(p) => write!(f, "{p}"),
            Scale::Unrounded => f.write_str("none"),
        }
    }
}

impl Serialize for Scale {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            Scale::Places(p) => s.serialize_u32(*p),
            Scale::Unrounded => s.serialize_str("none"),
        }
    }
}

impl<'de> Deserialize<'de> for Scale {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Scale, D::Error> {
        use serde::de::{Error, Unexpected};
        const EXPECTED: &str = "a number of decimal places or \"none\"";
        match serde_json::Value::deserialize(d)? {
            serde_json::Value::String(s) if s == "none" => Ok(Scale::Unrounded),
            serde_json::Value::String(s) => {
                Err(D::Error::invalid_value(Unexpected::Str(&s), &EXPECTED))
            }
            serde_json::Value::Number(n) => {
                let text = n.to_string();
                match text.parse::<u32>() {
                    Ok(p) => Ok(Scale::Places(p)),
                    Err(_) => Err(D::Error::invalid_value(
                        Unexpected::Other(&format!("number {text}")),
                        &EXPECTED,
                    )),
                }
            }
            serde_json::Value::Bool(b) => {
                Err(D::Error::invalid_type(Unexpected::Bool(b), &EXPECTED))
            }
            serde_json::Value::Null => Err(D::Error::invalid_type(Unexpected::Unit, &EXPECTED)),
            serde_json::Value::Array(_) => Err(D::Error::invalid_type(Unexpected::Seq, &EXPECTED)),
            serde_json::Value::Object(_) => Err(D::Error::invalid_type(Unexpected::Map, &EXPECTED)),
        }
    }
}

impl JsonSchema for Scale {
    fn schema_name() -> std::borrow::Cow<'static, str> {
        "Scale".into()
    }
    fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
        schemars::json_schema!({
            "description": "A number of decimal places (0 to 20), or \"none\": the stage is not rounded.",
            "oneOf": [
                {"type": "integer", "minimum": 0, "maximum": 20},
                {"const": "none"}
            ]
        })
    }
}

/// What to do when an item has no actual value.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum MissingDataPolicy {
    /// The evaluation fails with an input error naming the subject and indicator.
    #[default]
    Error,
    /// The item scores zero, with a warning.
    Zero,
    /// The item is left out and the other items' weights are scaled up to 100, with a warning.
    Exclude,
}

impl MissingDataPolicy {
    /// The policy's name as written in a plan.
    pub fn as_str(self) -> &'static str {
        match self {
            MissingDataPolicy::Error => "error",
            MissingDataPolicy::Zero => "zero",
            MissingDataPolicy::Exclude => "exclude",
        }
    }
}

fn is_error_policy(p: &BadRecordPolicy) -> bool {
    *p == BadRecordPolicy::Error
}

fn plan_error(issue: Issue) -> PlanError {
    PlanError {
        issues: vec![issue],
    }
}

impl Plan {
    /// Reads a plan from JSON text. Numbers may be JSON numbers or decimal strings; both are
    /// parsed exactly.
    ///
    /// ```
    /// let plan = kpichain::Plan::from_json(r#"{"id":"p","version":"1","indicators":[],
    ///     "roles":[],"grades":[{"grade":"B","coefficient":"1.0"}]}"#)?;
    /// assert_eq!(plan.id, "p");
    /// # Ok::<(), kpichain::PlanError>(())
    /// ```
    pub fn from_json(text: &str) -> Result<Plan, PlanError> {
        Plan::from_value(crate::read::json_value(text, "plan").map_err(plan_error)?)
    }

    /// Reads a plan from TOML text. Prefer quoted decimals (`weight = "12.5"`) in TOML; bare
    /// floats are taken by their shortest representation.
    pub fn from_toml(text: &str) -> Result<Plan, PlanError> {
        Plan::from_value(crate::read::toml_value(text, "plan").map_err(plan_error)?)
    }

    /// Reads a plan from a JSON value (already parsed by the caller). Every format problem
    /// is reported — unknown fields, missing fields, bad numbers, unknown rule types — each at
    /// its path, not only the first.
    pub fn from_value(value: serde_json::Value) -> Result<Plan, PlanError> {
        crate::read::all_problems(value).map_err(|issues| PlanError { issues })
    }

    /// Reads a plan from text, JSON when it starts with `{` and TOML otherwise.
    pub fn from_text(text: &str) -> Result<Plan, PlanError> {
        if text.trim_start().starts_with('{') {
            Plan::from_json(text)
        } else {
            Plan::from_toml(text)
        }
    }

    /// The plan as canonical JSON text (decimals as strings).
    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).unwrap_or_default()
    }
}

/// The text format of a plan (versions documents are JSON).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    /// JSON.
    Json,
    /// TOML.
    Toml,
}

impl Format {
    /// The format a file name's extension names: `.json` or `.toml`, in any case; `None`
    /// for any other name (the text then decides).
    pub fn of_name(name: &str) -> Option<Format> {
        let lower = name.to_ascii_lowercase();
        if lower.ends_with(".json") {
            Some(Format::Json)
        } else if lower.ends_with(".toml") {
            Some(Format::Toml)
        } else {
            None
        }
    }

    /// Reads a plan in `format`, or, without one, JSON when the text starts with `{` and
    /// TOML otherwise.
    pub fn parse_plan(format: Option<Format>, text: &str) -> Result<Plan, PlanError> {
        match format {
            Some(Format::Json) => Plan::from_json(text),
            Some(Format::Toml) => Plan::from_toml(text),
            None => Plan::from_text(text),
        }
    }
}
