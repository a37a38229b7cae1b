//! What an evaluation returns: per subject the total, grade, coefficient and every item with
//! the numbers and the rule that produced it, plus adjustments, vetoes and warnings.

use rust_decimal::Decimal;
use schemars::JsonSchema;
use serde::Serialize;
use std::sync::Arc;

/// The result of evaluating a batch of subjects against one compiled plan.
#[derive(Debug, Clone, PartialEq, Serialize, JsonSchema)]
pub struct Evaluation {
    /// The plan's id.
    pub plan_id: String,
    /// The plan's version.
    pub plan_version: String,
    /// The plan's fingerprint (`sha256:…`).
    pub plan_fingerprint: String,
    /// The period, as given in the inputs.
    pub period: Option<String>,
    /// One result per assignment, in the order of the assignments.
    pub results: Vec<SubjectResult>,
    /// How actuals were derived from records (records read, bad records skipped, subjects
    /// without a value), when records were given.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub derivation: Option<crate::measure::DeriveReport>,
    /// The plan versions applied, when scored with effective-dated versions.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub versions: Vec<AppliedVersion>,
}

/// A plan version applied to (part of) a period.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, JsonSchema)]
pub struct AppliedVersion {
    /// The version label.
    pub version: String,
    /// The version's plan fingerprint.
    pub fingerprint: String,
    /// The version's first day in force.
    pub effective_from: String,
    /// First day of the period it applied to.
    pub from: String,
    /// Last day (inclusive) of the period it applied to.
    pub to: String,
    /// Days it applied.
    pub days: u32,
}

/// One version's part of a pro-rata result.
#[derive(Debug, Clone, PartialEq, Serialize, JsonSchema)]
pub struct Segment {
    /// The version label.
    pub version: String,
    /// First day.
    pub from: String,
    /// Last day (inclusive).
    pub to: String,
    /// Days, the segment's weight in the total.
    pub days: u32,
    /// The subject's full result under this version for the whole period.
    pub result: SubjectResult,
}

impl Evaluation {
    /// The sum of all payouts given, or `None` if it does not fit a decimal.
    pub fn payout_total(&self) -> Option<Decimal> {
        self.results
            .iter()
            .filter_map(|r| r.payout)
            .try_fold(Decimal::ZERO, |acc, p| acc.checked_add(p))
    }
}

impl SubjectResult {
    /// The sum of the adjustment points applied, or `None` if it does not fit a decimal.
    pub fn adjustment_points(&self) -> Option<Decimal> {
        self.adjustments
            .iter()
            .try_fold(Decimal::ZERO, |acc, a| acc.checked_add(a.points))
    }
}

/// One subject's result.
#[derive(Debug, Clone, PartialEq, Serialize, JsonSchema)]
pub struct SubjectResult {
    /// Subject id.
    #[schemars(with = "String")]
    pub subject: Arc<str>,
    /// Display name from the assignment.
    pub name: Option<String>,
    /// Role id.
    #[schemars(with = "String")]
    pub role: Arc<str>,
    /// Org unit from the assignment.
    pub unit: Option<String>,
    /// Region from the assignment.
    pub region: Option<String>,
    /// The variant of the role's scorecard applied (by region or unit), if any.
    #[schemars(with = "Option<String>")]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub variant: Option<Arc<str>>,
    /// Sum of weighted item scores plus adjustments, before rounding and vetoes.
    pub total_unrounded: Decimal,
    /// The final total at the total scale (after vetoes).
    pub total: Decimal,
    /// The grade.
    #[schemars(with = "String")]
    pub grade: Arc<str>,
    /// The grade's coefficient.
    pub coefficient: Decimal,
    /// Bonus base × coefficient at the payout scale, when a bonus base was given.
    pub payout: Option<Decimal>,
    /// Every item of the scorecard.
    pub items: Vec<ItemResult>,
    /// Every adjustment that applies to the role.
    pub adjustments: Vec<AdjustmentResult>,
    /// Vetoes whose condition held.
    pub vetoes: Vec<VetoResult>,
    /// Things the user should know (missing data handled by policy, values outside bands…).
    pub warnings: Vec<Warning>,
    /// Where items that do not read the subject's own actual took it from (a unit, another
    /// subject, another role's results).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub sources: Vec<ItemSource>,
    /// For a period scored pro rata across plan versions: each version's result and days.
    /// The total is the day-weighted mean of their totals; the items are in the segments.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub segments: Vec<Segment>,
}

/// Where an item's actual came from, when not from the subject itself.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, JsonSchema)]
pub struct ItemSource {
    /// Item id.
    #[schemars(with = "String")]
    pub item: Arc<str>,
    /// `unit`, `subject` or `role`.
    pub from: &'static str,
    /// The unit, subject or role id read.
    pub id: String,
    /// One sentence: what was read and how it was found.
    pub detail: String,
}

/// How an item was treated.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum ItemStatus {
    /// Scored from its actual.
    Scored,
    /// No actual; scored zero by the missing-data policy.
    MissingZero,
    /// No actual; left out and the other weights scaled up by the missing-data policy.
    Excluded,
}

impl ItemStatus {
    /// `scored`, `missing_zero` or `excluded`, as serialized.
    pub fn as_str(self) -> &'static str {
        match self {
            ItemStatus::Scored => "scored",
            ItemStatus::MissingZero => "missing_zero",
            ItemStatus::Excluded => "excluded",
        }
    }
}

/// One item's numbers.
#[derive(Debug, Clone, PartialEq, Serialize, JsonSchema)]
pub struct ItemResult {
    /// Item id.
    #[schemars(with = "String")]
    pub item: Arc<str>,
    /// Indicator id.
    #[schemars(with = "String")]
    pub indicator: Arc<str>,
    /// The rule type applied.
    pub rule: &'static str,
    /// How the item was treated.
    pub status: ItemStatus,
    /// The actual value, if any.
    pub actual: Option<Decimal>,
    /// The target used (the subject's own when given).
    pub target: Option<Decimal>,
    /// The threshold used.
    pub threshold: Option<Decimal>,
    /// The stretch value used.
    pub stretch: Option<Decimal>,
    /// Achievement percentage at the achievement scale; none when undefined.
    pub achievement: Option<Decimal>,
    /// The rule's score before rounding.
    pub raw_score: Decimal,
    /// The score at the item scale.
    pub score: Decimal,
    /// The weight in the plan.
    pub weight: Decimal,
    /// The weight actually applied (differs when other items were excluded).
    pub effective_weight: Decimal,
    /// score × effective weight ÷ 100 at the weighted scale.
    pub weighted: Decimal,
}

/// One adjustment's points.
#[derive(Debug, Clone, PartialEq, Serialize, JsonSchema)]
pub struct AdjustmentResult {
    /// Adjustment id.
    #[schemars(with = "String")]
    pub id: Arc<str>,
    /// The counted value (zero when missing).
    pub actual: Decimal,
    /// actual × points per unit, before the caps.
    pub raw_points: Decimal,
    /// Points applied, within the caps, at the item scale.
    pub points: Decimal,
    /// Whether a cap (min or max) limited the points.
    pub capped: bool,
}

/// A veto that fired.
#[derive(Debug, Clone, PartialEq, Serialize, JsonSchema)]
pub struct VetoResult {
    /// Veto id.
    #[schemars(with = "String")]
    pub id: Arc<str>,
    /// Grade it forces, if any.
    pub force_grade: Option<String>,
    /// Total it forces, if any.
    pub force_total: Option<Decimal>,
}

/// A note attached to a result.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, JsonSchema)]
pub struct Warning {
    /// Stable code, e.g. `missing_actual_excluded`.
    pub code: crate::error::Code,
    /// The item, adjustment or veto concerned.
    pub path: crate::error::Path,
    /// One sentence.
    pub message: String,
}
