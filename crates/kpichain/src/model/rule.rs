//! Score rules (评分规则): how an actual value becomes an item score.

use rust_decimal::Decimal;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};

fn d0() -> Decimal {
    Decimal::ZERO
}
fn d100() -> Decimal {
    Decimal::ONE_HUNDRED
}
fn d1() -> Decimal {
    Decimal::ONE
}

/// A score rule, chosen by its `type`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ScoreRule {
    /// Interpolation over threshold → target → stretch (区间法).
    Linear(LinearRule),
    /// Achievement ratio × 100 (比率法).
    Ratio(RatioRule),
    /// Half-open bands over the actual or the achievement (阶梯/分段).
    Bands(BandsRule),
    /// Base score ± points per unit of deviation from target (加减分法).
    PerUnit(PerUnitRule),
    /// Start score − points per occurrence (扣分法).
    Deduction(DeductionRule),
    /// Full score when the target is met, else a fixed score (达标制).
    PassFail(PassFailRule),
    /// Inclusive ranges checked in order, first match wins (lookup table).
    Lookup(LookupRule),
    /// An exact expression over named values.
    Formula(FormulaRule),
}

impl ScoreRule {
    /// The rule's `type` as written in a plan.
    pub fn kind(&self) -> &'static str {
        match self {
            ScoreRule::Linear(_) => "linear",
            ScoreRule::Ratio(_) => "ratio",
            ScoreRule::Bands(_) => "bands",
            ScoreRule::PerUnit(_) => "per_unit",
            ScoreRule::Deduction(_) => "deduction",
            ScoreRule::PassFail(_) => "pass_fail",
            ScoreRule::Lookup(_) => "lookup",
            ScoreRule::Formula(_) => "formula",
        }
    }
}

/// Linear interpolation: at or beyond the threshold's bad side → `floor_score`; threshold →
/// `floor_score`; target → `target_score`; stretch → `stretch_score`; straight lines in between;
/// beyond stretch → `stretch_score`. Without a stretch value the score stops at `target_score`.
/// Needs the item's `threshold` and `target`. Works for both directions.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct LinearRule {
    /// Score at the threshold (default 0), and beyond it on the bad side unless `below_score`
    /// is given.
    #[serde(default = "d0")]
    pub floor_score: Decimal,
    /// Score strictly beyond the threshold on the bad side, when it differs from the score at
    /// the threshold: a cliff (e.g. 60 at the threshold, 0 below it). Must not be above
    /// `floor_score`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub below_score: Option<Decimal>,
    /// Score at the target (default 100).
    #[serde(default = "d100")]
    pub target_score: Decimal,
    /// Score at and beyond the stretch value (default 120).
    #[serde(default = "default_stretch_score")]
    pub stretch_score: Decimal,
}

fn default_stretch_score() -> Decimal {
    Decimal::from(120)
}

/// Ratio: the score is the achievement percentage, kept within `[floor, cap]`.
/// Achievement is actual ÷ target × 100 (higher is better) or target ÷ actual × 100 (lower is
/// better) for a positive target; for a negative target it is (1 ± (actual − target) ÷ |target|) × 100;
/// for a zero target, or a lower-is-better actual at or below zero, it is undefined and the
/// score is `cap` (or 100 without a cap) when the target is met and `floor` otherwise.
/// A lower-is-better ratio rule must have a cap.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct RatioRule {
    /// Lowest score (default 0).
    #[serde(default = "d0")]
    pub floor: Decimal,
    /// Highest score; none means unbounded.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cap: Option<Decimal>,
}

/// What a bands or lookup rule is matched against.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum Over {
    /// The actual value.
    #[default]
    Actual,
    /// The achievement percentage (rounded at the achievement stage).
    Achievement,
}

impl Over {
    /// `actual` or `achievement`.
    pub fn as_str(self) -> &'static str {
        match self {
            Over::Actual => "actual",
            Over::Achievement => "achievement",
        }
    }
}

/// Bands: each band covers `[from, to)`; an absent `from`/`to` is open-ended. Bands must not
/// overlap nor leave gaps between the lowest `from` and the highest `to`. A value outside all
/// bands scores `outside_score`, with a warning.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct BandsRule {
    /// Match against the actual (default) or the achievement.
    #[serde(default)]
    pub over: Over,
    /// The bands, in any order.
    pub bands: Vec<Band>,
    /// Score for a value outside every band (default 0).
    #[serde(default = "d0")]
    pub outside_score: Decimal,
}

/// One band `[from, to)` and its score.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct Band {
    /// Inclusive lower bound; absent = no lower bound.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub from: Option<Decimal>,
    /// Exclusive upper bound; absent = no upper bound.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub to: Option<Decimal>,
    /// Score for values in the band.
    pub score: Decimal,
}

/// What a per-unit rule measures the deviation from target in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum PerUnitBasis {
    /// Percent of the target: (actual − target) ÷ |target| × 100.
    #[default]
    Percent,
    /// Units of the actual: actual − target.
    Actual,
}

/// Per-unit plus/minus: `base` + `points_above` per `step` of deviation on the good side of
/// the target, − `points_below` per `step` on the bad side, kept within `[floor, cap]`.
/// With `whole_steps` only complete steps count. A percent basis with a zero target scores
/// `base` with a warning.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct PerUnitRule {
    /// Score at the target (default 100).
    #[serde(default = "d100")]
    pub base: Decimal,
    /// Deviation in percent of target (default) or in units of the actual.
    #[serde(default)]
    pub basis: PerUnitBasis,
    /// Size of one step of deviation (default 1).
    #[serde(default = "d1")]
    pub step: Decimal,
    /// Points added per step beyond the target.
    pub points_above: Decimal,
    /// Points taken per step short of the target.
    pub points_below: Decimal,
    /// Count only whole steps (default false: proportional).
    #[serde(default)]
    pub whole_steps: bool,
    /// Lowest score (default 0).
    #[serde(default = "d0")]
    pub floor: Decimal,
    /// Highest score; none means unbounded.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cap: Option<Decimal>,
}

/// Deduction: `start` − `points` × occurrences (the actual), not below `floor`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct DeductionRule {
    /// Score with no occurrences (default 100).
    #[serde(default = "d100")]
    pub start: Decimal,
    /// Points taken per occurrence.
    pub points: Decimal,
    /// Lowest score (default 0).
    #[serde(default = "d0")]
    pub floor: Decimal,
}

/// Pass/fail: `pass_score` when the actual meets the target (≥ for higher is better, ≤ for
/// lower is better), else `fail_score`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct PassFailRule {
    /// Score when the target is met (default 100).
    #[serde(default = "d100")]
    pub pass_score: Decimal,
    /// Score otherwise (default 0).
    #[serde(default = "d0")]
    pub fail_score: Decimal,
}

/// Lookup table: rows are checked in order; the first whose inclusive range `[min, max]`
/// contains the value gives the score; no match gives `default_score`, with a warning.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct LookupRule {
    /// Match against the actual (default) or the achievement.
    #[serde(default)]
    pub over: Over,
    /// The rows.
    pub rows: Vec<LookupRow>,
    /// Score when no row matches (default 0).
    #[serde(default = "d0")]
    pub default_score: Decimal,
}

/// One lookup row.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct LookupRow {
    /// Inclusive lower bound; absent = no lower bound.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min: Option<Decimal>,
    /// Inclusive upper bound; absent = no upper bound.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max: Option<Decimal>,
    /// Score for a match.
    pub score: Decimal,
    /// Label shown in explanations, e.g. `优秀`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub label: Option<String>,
}

/// Formula: an exact expression. Names: `actual`, `target`, `threshold`, `stretch`,
/// `achievement` (this item), any indicator id (that indicator's actual for the subject),
/// `score.ITEM` (another item's rounded score on the same scorecard). Operators `+ - * /`,
/// comparisons, `and`, `or`, `not`; functions `min`, `max`, `abs`, `clamp(x, lo, hi)`,
/// `if(cond, a, b)`, `round(x, places)` (half-up). The result is kept within `[floor, cap]`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct FormulaRule {
    /// The expression, e.g. `min(actual / target * 100, 120)`.
    pub expression: String,
    /// Lowest score; none means unbounded.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub floor: Option<Decimal>,
    /// Highest score; none means unbounded.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cap: Option<Decimal>,
}
