//! Explanations: everything needed to retrace a subject's result, with the plan's own names.

use super::result::{Evaluation, ItemStatus, SubjectResult, VetoResult, Warning};
use crate::compile::CompiledPlan;
use crate::model::{Item, Over, PerUnitBasis, Role, Scale, ScoreRule};
use rust_decimal::Decimal;
use schemars::JsonSchema;
use serde::Serialize;
use std::fmt::{self, Write as _};

/// A structured, self-contained explanation of one subject's result. `Display` renders it as
/// text for an HR user; serialize it for a UI.
#[derive(Debug, Clone, PartialEq, Serialize, JsonSchema)]
pub struct Explanation {
    /// Subject id.
    pub subject: String,
    /// Subject name.
    pub name: Option<String>,
    /// Role id.
    pub role: String,
    /// Role name from the plan (the variant's name when a variant applied).
    pub role_name: String,
    /// The variant of the role's scorecard applied, if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub variant: Option<String>,
    /// Plan id.
    pub plan_id: String,
    /// Plan version.
    pub plan_version: String,
    /// Plan fingerprint.
    pub plan_fingerprint: String,
    /// The period assessed, when the explanation was made from the whole evaluation
    /// ([`CompiledPlan::explain_in`], [`crate::CompiledVersions::explain`]).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub period: Option<String>,
    /// Rounding mode name (`half_up`).
    pub rounding_mode: String,
    /// Decimal places of item scores, or `"none"` when they are not rounded.
    pub item_scale: Scale,
    /// Decimal places of the total, or `"none"` when it is not rounded.
    pub total_scale: Scale,
    /// Each item, in scorecard order.
    pub items: Vec<ExplainedItem>,
    /// Each adjustment.
    pub adjustments: Vec<ExplainedAdjustment>,
    /// Vetoes that fired, with their names and conditions.
    pub vetoes: Vec<ExplainedVeto>,
    /// Total before rounding and vetoes.
    pub total_unrounded: Decimal,
    /// Final total.
    pub total: Decimal,
    /// Grade.
    pub grade: String,
    /// Grade label from the plan.
    pub grade_label: Option<String>,
    /// Coefficient.
    pub coefficient: Decimal,
    /// Payout, when a bonus base was given.
    pub payout: Option<Decimal>,
    /// Warnings.
    pub warnings: Vec<Warning>,
    /// For a period scored pro rata across plan versions: each version's explanation.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub segments: Vec<ExplainedSegment>,
}

/// One plan version's part of a pro-rata result, explained.
#[derive(Debug, Clone, PartialEq, Serialize, JsonSchema)]
pub struct ExplainedSegment {
    /// The version label.
    pub version: String,
    /// First day.
    pub from: String,
    /// Last day (inclusive).
    pub to: String,
    /// Days, the segment's weight.
    pub days: u32,
    /// The result under this version, explained.
    pub explanation: Explanation,
}

impl Explanation {
    /// An explanation with only what the result itself says (no plan at hand).
    pub(crate) fn bare(result: &SubjectResult) -> Explanation {
        Explanation {
            subject: result.subject.to_string(),
            name: result.name.clone(),
            role: result.role.to_string(),
            role_name: result.role.to_string(),
            variant: result.variant.as_deref().map(str::to_string),
            plan_id: String::new(),
            plan_version: String::new(),
            plan_fingerprint: String::new(),
            period: None,
            rounding_mode: String::new(),
            item_scale: Scale::Places(0),
            total_scale: Scale::Places(0),
            items: Vec::new(),
            adjustments: Vec::new(),
            vetoes: Vec::new(),
            total_unrounded: result.total_unrounded,
            total: result.total,
            grade: result.grade.to_string(),
            grade_label: None,
            coefficient: result.coefficient,
            payout: result.payout,
            warnings: result.warnings.clone(),
            segments: Vec::new(),
        }
    }
}

/// One item, explained.
#[derive(Debug, Clone, PartialEq, Serialize, JsonSchema)]
pub struct ExplainedItem {
    /// Item id.
    pub item: String,
    /// Indicator id.
    pub indicator: String,
    /// Indicator name.
    pub indicator_name: String,
    /// Unit.
    pub unit: Option<String>,
    /// `higher_is_better` or `lower_is_better`.
    pub direction: String,
    /// The rule in words, with its parameters.
    pub rule: String,
    /// How the item was treated.
    pub status: ItemStatus,
    /// Actual.
    pub actual: Option<Decimal>,
    /// Target used.
    pub target: Option<Decimal>,
    /// Threshold used.
    pub threshold: Option<Decimal>,
    /// Where the actual came from, when not from the subject itself.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
    /// Stretch used.
    pub stretch: Option<Decimal>,
    /// Achievement percentage.
    pub achievement: Option<Decimal>,
    /// Raw score.
    pub raw_score: Decimal,
    /// Rounded score.
    pub score: Decimal,
    /// Plan weight.
    pub weight: Decimal,
    /// Applied weight.
    pub effective_weight: Decimal,
    /// Weighted score.
    pub weighted: Decimal,
}

/// One adjustment, explained.
#[derive(Debug, Clone, PartialEq, Serialize, JsonSchema)]
pub struct ExplainedAdjustment {
    /// Adjustment id.
    pub id: String,
    /// Adjustment name.
    pub name: String,
    /// Counted value.
    pub actual: Decimal,
    /// Points per unit.
    pub points_per_unit: Decimal,
    /// Points before caps.
    pub raw_points: Decimal,
    /// Points applied.
    pub points: Decimal,
    /// Lower cap.
    pub min: Option<Decimal>,
    /// Upper cap.
    pub max: Option<Decimal>,
    /// Whether a cap applied.
    pub capped: bool,
}

/// A fired veto, explained.
#[derive(Debug, Clone, PartialEq, Serialize, JsonSchema)]
pub struct ExplainedVeto {
    /// Veto id.
    pub id: String,
    /// Veto name.
    pub name: String,
    /// The condition that held.
    pub condition: String,
    /// Forced grade.
    pub force_grade: Option<String>,
    /// Forced total.
    pub force_total: Option<Decimal>,
}

fn opt(d: Option<Decimal>) -> String {
    d.map_or_else(|| "—".to_string(), |d| d.to_string())
}

fn bound(d: Option<Decimal>, open: &str) -> String {
    d.map_or_else(|| open.to_string(), |d| d.to_string())
}

/// Describes a rule and its parameters in words.
pub(crate) fn describe_rule(rule: &ScoreRule) -> String {
    match rule {
        ScoreRule::Linear(r) => format!(
            "linear: {}threshold → {}, target → {}, stretch → {}, straight lines in between",
            r.below_score
                .map_or(String::new(), |b| format!("beyond the threshold → {b}, ")),
            r.floor_score,
            r.target_score,
            r.stretch_score
        ),
        ScoreRule::Ratio(r) => format!(
            "ratio: score = achievement %, floor {}, cap {}",
            r.floor,
            bound(r.cap, "none")
        ),
        ScoreRule::Bands(r) => {
            let bands: Vec<String> = r
                .bands
                .iter()
                .map(|b| match b.from {
                    Some(from) => format!("[{from}, {}) → {}", bound(b.to, "∞"), b.score),
                    None => format!("(-∞, {}) → {}", bound(b.to, "∞"), b.score),
                })
                .collect();
            format!(
                "bands over {}: {}; otherwise {}",
                r.over.as_str(),
                bands.join("; "),
                r.outside_score
            )
        }
        ScoreRule::PerUnit(r) => {
            let unit = match r.basis {
                PerUnitBasis::Percent => format!("{}% of target", r.step),
                PerUnitBasis::Actual => format!("{} unit(s)", r.step),
            };
            format!(
                "per unit: {} + {} per {unit} better than target, − {} per {unit} worse{}, floor {}, cap {}",
                r.base,
                r.points_above,
                r.points_below,
                if r.whole_steps {
                    " (whole steps only)"
                } else {
                    ""
                },
                r.floor,
                bound(r.cap, "none")
            )
        }
        ScoreRule::Deduction(r) => format!(
            "deduction: {} − {} per occurrence, floor {}",
            r.start, r.points, r.floor
        ),
        ScoreRule::PassFail(r) => format!(
            "pass/fail: target met → {}, otherwise {}",
            r.pass_score, r.fail_score
        ),
        ScoreRule::Lookup(r) => {
            let rows: Vec<String> = r
                .rows
                .iter()
                .map(|x| {
                    let label = in_parens(x.label.as_deref());
                    format!(
                        "[{}, {}] → {}{label}",
                        bound(x.min, "-∞"),
                        bound(x.max, "∞"),
                        x.score
                    )
                })
                .collect();
            let over = if r.over == Over::Achievement {
                "achievement"
            } else {
                "actual"
            };
            format!(
                "lookup over {over}: {}; otherwise {}",
                rows.join("; "),
                r.default_score
            )
        }
        ScoreRule::Formula(r) => format!(
            "formula: {}, floor {}, cap {}",
            r.expression,
            bound(r.floor, "none"),
            bound(r.cap, "none")
        ),
    }
}

impl CompiledPlan {
    /// The explanation of one result of `evaluation`, which names the period assessed.
    ///
    /// ```
    /// use kpichain::{CompiledPlan, Inputs};
    /// let plan = CompiledPlan::from_text(r#"{
    ///   "id": "demo", "version": "1",
    ///   "indicators": [{"id": "sales", "name": "销售额"}],
    ///   "roles": [{"id": "rep", "name": "销售代表", "items": [
    ///     {"indicator": "sales", "weight": 100, "target": 80, "rule": {"type": "ratio", "cap": 120}}]}],
    ///   "grades": [{"grade": "A", "min": 100, "coefficient": 1.2}, {"grade": "B", "coefficient": 1}]
    /// }"#)?;
    /// let inputs = Inputs::from_json(r#"{"period": "2022-01",
    ///   "assignments": [{"subject": "E1", "role": "rep"}],
    ///   "actuals": [{"subject": "E1", "indicator": "sales", "value": "70"}]}"#)?;
    /// let evaluation = plan.evaluate(&inputs)?;
    /// let text = plan.explain_in(&evaluation, &evaluation.results[0]).to_string();
    /// assert!(text.lines().nth(1).unwrap().ends_with(", period 2022-01"));
    /// # Ok::<(), kpichain::Error>(())
    /// ```
    pub fn explain_in(&self, evaluation: &Evaluation, result: &SubjectResult) -> Explanation {
        let mut explanation = self.explain(result);
        explanation.period = evaluation.period.clone();
        explanation
    }

    /// Builds the explanation of one result produced by this plan (without the period, which
    /// the result does not hold: see [`CompiledPlan::explain_in`]).
    pub fn explain(&self, result: &SubjectResult) -> Explanation {
        let plan = &self.plan;
        let role: Option<&Role> = self
            .role_index
            .get(&*result.role)
            .and_then(|&i| plan.roles.get(i));
        let variant = role.and_then(|r| {
            result
                .variant
                .as_deref()
                .and_then(|v| r.variants.iter().find(|x| x.id == v))
        });
        let card: &[Item] = match (variant, role) {
            (Some(v), _) => &v.items,
            (None, Some(r)) => &r.items,
            (None, None) => &[],
        };
        let find_item = |key: &str| -> Option<&Item> { card.iter().find(|i| i.key() == key) };
        let items = result
            .items
            .iter()
            .map(|it| {
                let ind = self
                    .indicator_index
                    .get(&*it.indicator)
                    .and_then(|&i| plan.indicators.get(i));
                ExplainedItem {
                    item: it.item.to_string(),
                    indicator: it.indicator.to_string(),
                    indicator_name: ind
                        .map_or_else(|| it.indicator.to_string(), |i| i.name.clone()),
                    unit: ind.and_then(|i| i.unit.clone()),
                    direction: ind
                        .map_or("higher_is_better", |i| i.direction.as_str())
                        .to_string(),
                    rule: find_item(&it.item)
                        .map_or_else(|| it.rule.to_string(), |i| describe_rule(&i.rule)),
                    source: result
                        .sources
                        .iter()
                        .find(|s| s.item == it.item)
                        .map(|s| s.detail.clone()),
                    status: it.status,
                    actual: it.actual,
                    target: it.target,
                    threshold: it.threshold,
                    stretch: it.stretch,
                    achievement: it.achievement,
                    raw_score: it.raw_score,
                    score: it.score,
                    weight: it.weight,
                    effective_weight: it.effective_weight,
                    weighted: it.weighted,
                }
            })
            .collect();
        let all_adjustments = || {
            plan.adjustments.iter().chain(
                variant
                    .and_then(|v| v.adjustments.as_ref())
                    .or(role.map(|r| &r.adjustments))
                    .into_iter()
                    .flatten(),
            )
        };
        let adjustments = result
            .adjustments
            .iter()
            .map(|a| {
                let def = all_adjustments().find(|d| *d.id == *a.id);
                ExplainedAdjustment {
                    id: a.id.to_string(),
                    name: def.map_or_else(|| a.id.to_string(), |d| d.name.clone()),
                    actual: a.actual,
                    points_per_unit: def.map_or(Decimal::ZERO, |d| d.points_per_unit),
                    raw_points: a.raw_points,
                    points: a.points,
                    min: def.and_then(|d| d.min),
                    max: def.and_then(|d| d.max),
                    capped: a.capped,
                }
            })
            .collect();
        let all_vetoes = || {
            plan.vetoes.iter().chain(
                variant
                    .and_then(|v| v.vetoes.as_ref())
                    .or(role.map(|r| &r.vetoes))
                    .into_iter()
                    .flatten(),
            )
        };
        let vetoes = result
            .vetoes
            .iter()
            .map(|v: &VetoResult| {
                let def = all_vetoes().find(|d| *d.id == *v.id);
                ExplainedVeto {
                    id: v.id.to_string(),
                    name: def.map_or_else(|| v.id.to_string(), |d| d.name.clone()),
                    condition: def.map_or_else(String::new, |d| d.condition.clone()),
                    force_grade: v.force_grade.clone(),
                    force_total: v.force_total,
                }
            })
            .collect();
        Explanation {
            subject: result.subject.to_string(),
            name: result.name.clone(),
            role: result.role.to_string(),
            role_name: variant
                .and_then(|v| v.name.clone())
                .or_else(|| role.map(|r| r.name.clone()))
                .unwrap_or_else(|| result.role.to_string()),
            variant: result.variant.as_deref().map(str::to_string),
            plan_id: plan.id.clone(),
            plan_version: plan.version.clone(),
            plan_fingerprint: self.fingerprint.clone(),
            period: None,
            rounding_mode: plan.rounding.mode.as_str().to_string(),
            item_scale: plan.rounding.item_scale,
            total_scale: plan.rounding.total_scale,
            items,
            adjustments,
            vetoes,
            total_unrounded: result.total_unrounded,
            total: result.total,
            grade: result.grade.to_string(),
            grade_label: plan
                .grades
                .iter()
                .find(|g| *g.grade == *result.grade)
                .and_then(|g| g.label.clone()),
            coefficient: result.coefficient,
            payout: result.payout,
            warnings: result.warnings.clone(),
            segments: Vec::new(),
        }
    }
}

impl Explanation {
    fn fmt_segments(&self, f: &mut fmt::Formatter<'_>, who: &str) -> fmt::Result {
        let days: u32 = self.segments.iter().map(|s| s.days).sum();
        writeln!(
            f,
            "scored pro rata by days across {} plan versions ({days} days)",
            self.segments.len()
        )?;
        for s in &self.segments {
            writeln!(f)?;
            writeln!(
                f,
                "=== version {}: {} to {} ({} days) ===",
                s.version, s.from, s.to, s.days
            )?;
            write!(f, "{}", s.explanation)?;
        }
        writeln!(f)?;
        let parts: Vec<String> = self
            .segments
            .iter()
            .map(|s| format!("{} × {}", s.days, s.explanation.total))
            .collect();
        writeln!(
            f,
            "{who}: total ({}) ÷ {days} = {} → {} ({})",
            parts.join(" + "),
            self.total_unrounded,
            self.total,
            rounding_note(&self.rounding_mode, self.total_scale)
        )?;
        self.write_grade(f)?;
        writeln!(f)
    }

    /// `grade: S (卓越), coefficient 1.5, payout 9000.00`
    fn write_grade(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let label = in_parens(self.grade_label.as_deref());
        write!(
            f,
            "grade: {}{label}, coefficient {}",
            self.grade, self.coefficient
        )?;
        if let Some(p) = self.payout {
            write!(f, ", payout {p}")?;
        }
        Ok(())
    }
}

/// ` (label)`, or nothing without a label.
fn in_parens(label: Option<&str>) -> String {
    label.map_or_else(String::new, |l| format!(" ({l})"))
}

impl fmt::Display for Explanation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let who = match &self.name {
            Some(n) => format!("{n} ({})", self.subject),
            None => self.subject.clone(),
        };
        match &self.variant {
            Some(v) => writeln!(f, "{who} — {} [{}, variant {v}]", self.role_name, self.role)?,
            None => writeln!(f, "{who} — {} [{}]", self.role_name, self.role)?,
        }
        let short = self
            .plan_fingerprint
            .get(..19)
            .unwrap_or(&self.plan_fingerprint);
        let period = self
            .period
            .as_deref()
            .map_or_else(String::new, |p| format!(", period {p}"));
        writeln!(
            f,
            "plan {} version {} ({short}…){period}",
            self.plan_id, self.plan_version
        )?;
        if !self.segments.is_empty() {
            return self.fmt_segments(f, &who);
        }
        for (n, it) in self.items.iter().enumerate() {
            let unit = it
                .unit
                .as_deref()
                .map_or_else(String::new, |u| format!("{u}, "));
            let dir = if it.direction == "lower_is_better" {
                "lower is better"
            } else {
                "higher is better"
            };
            writeln!(f)?;
            writeln!(
                f,
                "{:>2}. {} [{}] ({unit}{dir}) — weight {}",
                n.saturating_add(1),
                it.indicator_name,
                it.item,
                it.weight
            )?;
            writeln!(f, "    rule: {}", it.rule)?;
            if let Some(source) = &it.source {
                writeln!(f, "    actual from {source}")?;
            }
            let mut line = format!("    actual {}   target {}", opt(it.actual), opt(it.target));
            if it.threshold.is_some() {
                let _ = write!(line, "   threshold {}", opt(it.threshold));
            }
            if it.stretch.is_some() {
                let _ = write!(line, "   stretch {}", opt(it.stretch));
            }
            if let Some(a) = it.achievement {
                let _ = write!(line, "   achievement {a}%");
            }
            writeln!(f, "{line}")?;
            match it.status {
                ItemStatus::Excluded => writeln!(
                    f,
                    "    no actual: item left out, other weights scaled up (missing-data policy `exclude`)"
                )?,
                ItemStatus::MissingZero => {
                    writeln!(f, "    no actual: scored 0 (missing-data policy `zero`)")?
                }
                ItemStatus::Scored => {
                    let rounding = if it.raw_score == it.score {
                        String::new()
                    } else {
                        format!("{} → ", it.raw_score.normalize())
                    };
                    writeln!(
                        f,
                        "    score {rounding}{} ({})",
                        it.score,
                        rounding_note(&self.rounding_mode, self.item_scale)
                    )?;
                }
            }
            if it.status != ItemStatus::Excluded {
                let weight = if it.effective_weight == it.weight {
                    format!("{}%", it.weight)
                } else {
                    format!("{}% (scaled from {}%)", it.effective_weight, it.weight)
                };
                writeln!(f, "    weighted {} × {weight} = {}", it.score, it.weighted)?;
            }
        }
        if !self.adjustments.is_empty() {
            writeln!(f)?;
            writeln!(f, "adjustments:")?;
            for a in &self.adjustments {
                let caps = match (a.min, a.max) {
                    (None, None) => String::new(),
                    (lo, hi) => format!(", limits [{}, {}]", bound(lo, "-∞"), bound(hi, "∞")),
                };
                writeln!(
                    f,
                    "    {} [{}]: {} × {} = {}{caps} → {}{}",
                    a.name,
                    a.id,
                    a.actual,
                    a.points_per_unit,
                    a.raw_points.normalize(),
                    a.points,
                    if a.capped { " (capped)" } else { "" }
                )?;
            }
        }
        writeln!(f)?;
        let parts: Vec<String> = self
            .items
            .iter()
            .filter(|i| i.status != ItemStatus::Excluded)
            .map(|i| i.weighted.to_string())
            .chain(self.adjustments.iter().map(|a| a.points.to_string()))
            .collect();
        writeln!(
            f,
            "total: {} = {} → {} ({})",
            parts.join(" + "),
            self.total_unrounded,
            self.total,
            rounding_note(&self.rounding_mode, self.total_scale)
        )?;
        for v in &self.vetoes {
            let forced: Vec<String> = v
                .force_total
                .map(|t| format!("total {t}"))
                .into_iter()
                .chain(v.force_grade.as_ref().map(|g| format!("grade {g}")))
                .collect();
            writeln!(
                f,
                "veto: {} [{}] — `{}` holds → forces {}",
                v.name,
                v.id,
                v.condition,
                forced.join(" and ")
            )?;
        }
        self.write_grade(f)?;
        writeln!(f)?;
        for w in &self.warnings {
            writeln!(f, "warning [{}]: {}", w.code, w.message)?;
        }
        Ok(())
    }
}

/// `half_up, 2 dp`, or `not rounded` for a stage declared unrounded.
fn rounding_note(mode: &str, scale: Scale) -> String {
    match scale {
        Scale::Places(p) => format!("{mode}, {p} dp"),
        Scale::Unrounded => "not rounded".to_string(),
    }
}
