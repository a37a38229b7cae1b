//! Effective-dated plan versions (方案版本): a plan that changes during the year, e.g. from
//! 2022-03 the purchasing manager's on-time weight goes from 50 to 60. A period is scored
//! with the version in force; a period spanning a change follows the declared rule (the
//! version at the period's start, or each version pro rata by days), and the result names
//! the version(s) applied.
//!
//! ```
//! use kpichain::{CompiledVersions, Inputs};
//! let card = |w: u32| format!(r#"{{"id": "p", "version": "v{w}",
//!   "indicators": [{{"id": "a", "name": "A"}}, {{"id": "b", "name": "B"}}],
//!   "roles": [{{"id": "r", "name": "R", "items": [
//!     {{"indicator": "a", "weight": {w}, "target": 100, "rule": {{"type": "ratio", "cap": 200}}}},
//!     {{"indicator": "b", "weight": {}, "target": 100, "rule": {{"type": "ratio", "cap": 200}}}}]}}],
//!   "grades": [{{"grade": "A", "min": 100, "coefficient": 1.2}}, {{"grade": "B", "coefficient": 1}}]}}"#, 100 - w);
//! let text = format!(r#"{{"id": "p", "span": "pro_rata", "versions": [
//!   {{"effective_from": "2022-01-01", "plan": {}}},
//!   {{"effective_from": "2022-03-01", "plan": {}}}]}}"#, card(50), card(80));
//! let versions = CompiledVersions::from_text(&text)?;
//! let inputs = Inputs::from_json(r#"{"period": "2022-Q1",
//!   "assignments": [{"subject": "E1", "role": "r"}],
//!   "actuals": [{"subject": "E1", "indicator": "a", "value": 150},
//!               {"subject": "E1", "indicator": "b", "value": 50}]}"#)?;
//! let result = versions.evaluate(&inputs)?;
//! // January–February (59 days) under v50: 100; March (31 days) under v80: 130.
//! // (59 × 100 + 31 × 130) ÷ 90 = 110.33…
//! assert_eq!(result.results[0].total.to_string(), "110.33");
//! assert_eq!(result.versions.len(), 2);
//! # Ok::<(), kpichain::Error>(())
//! ```

use crate::error::{Code, Path};
use chrono::NaiveDate;
use rust_decimal::Decimal;
use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use std::sync::Arc;

use crate::compile::CompiledPlan;
use crate::error::{InputError, Issue, PlanError};
use crate::evaluate::{AppliedVersion, Evaluation, Explanation, Segment, SubjectResult};
use crate::measure::{Period, RecordSets, parse_date};
use crate::model::Format;
use crate::model::Inputs;
use crate::model::Plan;

/// A plan with effective-dated versions.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct PlanVersions {
    /// Identifier of the versioned plan, e.g. `company-a-2022`.
    pub id: String,
    /// Display name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// How a period that spans a change is scored; default `period_start`.
    #[serde(default)]
    pub span: SpanRule,
    /// The versions, in order of their effective dates.
    pub versions: Vec<PlanVersion>,
}

/// One version and the day it takes effect.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct PlanVersion {
    /// First day (`YYYY-MM-DD`) the version is in force; it stays in force until the next
    /// version's first day.
    pub effective_from: String,
    /// The plan of this version (its `version` names it in results).
    pub plan: Plan,
}

/// How a period that spans a version change is scored.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "snake_case")]
pub enum SpanRule {
    /// The whole period with the version in force on its first day.
    #[default]
    PeriodStart,
    /// Each version for the days it was in force: the total is the day-weighted mean of the
    /// versions' totals.
    ProRata,
}

impl SpanRule {
    /// `period_start` or `pro_rata`.
    pub fn as_str(self) -> &'static str {
        match self {
            SpanRule::PeriodStart => "period_start",
            SpanRule::ProRata => "pro_rata",
        }
    }
}

/// Compiled, validated versions. `Send + Sync`. Each version's compiled plan is shared
/// (`Arc`), so it can be handed out as a plan of its own without compiling it again.
#[derive(Debug)]
pub struct CompiledVersions {
    doc: PlanVersions,
    fingerprint: String,
    /// First day of each version (days since 1970-01-01) and its compiled plan.
    versions: Vec<(i32, Arc<CompiledPlan>)>,
    /// The last version (a compiled document always has one).
    latest: Arc<CompiledPlan>,
}

fn day_text(days: i32) -> String {
    NaiveDate::from_num_days_from_ce_opt(days.saturating_add(719_163))
        .map_or_else(|| days.to_string(), |d| d.format("%Y-%m-%d").to_string())
}

impl CompiledVersions {
    /// Validates and compiles every version, reporting every problem (paths like
    /// `versions[1].plan.roles[2].items`).
    pub fn compile(doc: PlanVersions) -> Result<CompiledVersions, PlanError> {
        let mut issues = Vec::new();
        if doc.id.trim().is_empty() {
            issues.push(Issue::new(
                Code::EmptyField,
                "id",
                "the plan id must not be empty",
            ));
        }
        if doc.versions.is_empty() {
            issues.push(Issue::new(
                Code::NoVersions,
                "versions",
                "a versioned plan needs at least one version",
            ));
        }
        let mut versions = Vec::with_capacity(doc.versions.len());
        let mut last: Option<i32> = None;
        for (i, v) in doc.versions.iter().enumerate() {
            let day = match parse_date(&v.effective_from) {
                Ok(d) => Some(d),
                Err(e) => {
                    issues.push(Issue::new(
                        Code::InvalidDate,
                        format!("versions[{i}].effective_from"),
                        e,
                    ));
                    None
                }
            };
            if let (Some(d), Some(l)) = (day, last) {
                if d <= l {
                    issues.push(Issue::new(
                        Code::VersionsOutOfOrder,
                        format!("versions[{i}].effective_from"),
                        format!(
                            "version '{}' takes effect on {}, not after the version before it ({})",
                            v.plan.version,
                            v.effective_from,
                            day_text(l)
                        ),
                    ));
                }
            }
            if doc
                .versions
                .iter()
                .take(i)
                .any(|w| w.plan.version == v.plan.version)
            {
                issues.push(Issue::new(
                    Code::DuplicateVersion,
                    format!("versions[{i}].plan.version"),
                    format!("version '{}' appears more than once", v.plan.version),
                ));
            }
            last = day.or(last);
            match CompiledPlan::compile(v.plan.clone()) {
                Ok(c) => {
                    if let Some(d) = day {
                        versions.push((d, Arc::new(c)));
                    }
                }
                Err(e) => {
                    let under = Path::root().key("versions").index(i).key("plan");
                    issues.extend(e.issues.into_iter().map(|x| x.under(&under)));
                }
            }
        }
        let latest = match versions.last() {
            Some((_, c)) if issues.is_empty() => c.clone(),
            _ => return Err(PlanError { issues }),
        };
        let canonical = serde_json::to_vec(&doc).unwrap_or_default();
        let digest = Sha256::digest(&canonical);
        let mut fingerprint = String::from("sha256:");
        for byte in digest {
            fingerprint.push_str(&format!("{byte:02x}"));
        }
        Ok(CompiledVersions {
            doc,
            fingerprint,
            versions,
            latest,
        })
    }

    /// Reads a document whose versions' `plan` may be the name of a plan file instead of a
    /// plan: `read` turns a name into the file's text (the caller decides where names are
    /// relative to; the core does no I/O). JSON or TOML by the name's extension, else by the
    /// text. Problems in a plan file are reported at `versions[i].plan.…`.
    ///
    /// ```
    /// let doc = r#"{"id": "p", "versions": [{"effective_from": "2022-01-01", "plan": "v1.json"}]}"#;
    /// let plan = r#"{"id": "p", "version": "v1", "indicators": [{"id": "a", "name": "A"}],
    ///   "roles": [{"id": "r", "name": "R", "items": [{"indicator": "a", "weight": 100,
    ///     "target": 1, "rule": {"type": "ratio"}}]}], "grades": [{"grade": "A", "coefficient": 1}]}"#;
    /// let versions = kpichain::CompiledVersions::from_text_with(doc, |name| {
    ///     if name == "v1.json" { Ok(plan.to_string()) } else { Err("no such file".into()) }
    /// })?;
    /// assert_eq!(versions.for_period("2022-03").unwrap().plan().version, "v1");
    /// # Ok::<(), kpichain::PlanError>(())
    /// ```
    pub fn from_text_with(
        text: &str,
        mut read: impl FnMut(&str) -> Result<String, String>,
    ) -> Result<CompiledVersions, PlanError> {
        let text = text.strip_prefix('\u{feff}').unwrap_or(text);
        let Ok(mut doc) = serde_json::from_str::<serde_json::Value>(text) else {
            // Not JSON: the plain reader says why.
            return CompiledVersions::from_text(text);
        };
        let mut issues = Vec::new();
        if let Some(list) = doc
            .get_mut("versions")
            .and_then(serde_json::Value::as_array_mut)
        {
            for (i, v) in list.iter_mut().enumerate() {
                let Some(name) = v
                    .get("plan")
                    .and_then(serde_json::Value::as_str)
                    .map(str::to_string)
                else {
                    continue;
                };
                let at = format!("versions[{i}].plan");
                let plan_text = match read(&name) {
                    Ok(t) => t,
                    Err(e) => {
                        issues.push(Issue::new(
                            Code::UnreadablePlanFile,
                            at,
                            format!("cannot read the plan file '{name}': {e}"),
                        ));
                        continue;
                    }
                };
                let plan_text = plan_text.strip_prefix('\u{feff}').unwrap_or(&plan_text);
                let parsed = Format::parse_plan(Format::of_name(&name), plan_text);
                match parsed.and_then(|p| {
                    serde_json::to_value(&p).map_err(|e| PlanError {
                        issues: vec![Issue::new(Code::ParseError, "", e.to_string())],
                    })
                }) {
                    Ok(value) => {
                        if let Some(slot) = v.get_mut("plan") {
                            *slot = value;
                        }
                    }
                    Err(e) => issues.extend(e.issues.into_iter().map(|mut x| {
                        x.path = x.path.prefixed(&Path::parse(&at));
                        x.message = format!("{name}: {}", x.message);
                        x
                    })),
                }
            }
        }
        if !issues.is_empty() {
            return Err(PlanError { issues });
        }
        CompiledVersions::from_text(&doc.to_string())
    }

    /// Reads (JSON text) and compiles.
    pub fn from_text(text: &str) -> Result<CompiledVersions, PlanError> {
        let value =
            crate::read::json_value(text, "versions document").map_err(|issue| PlanError {
                issues: vec![issue],
            })?;
        let doc: PlanVersions =
            crate::read::all_problems(value).map_err(|issues| PlanError { issues })?;
        CompiledVersions::compile(doc)
    }

    /// The document as given.
    pub fn document(&self) -> &PlanVersions {
        &self.doc
    }

    /// `sha256:` of the whole document's canonical JSON.
    pub fn fingerprint(&self) -> &str {
        &self.fingerprint
    }

    /// The compiled versions with their first day (`YYYY-MM-DD`), in order.
    pub fn versions(&self) -> impl Iterator<Item = (String, &Arc<CompiledPlan>)> {
        self.versions.iter().map(|(d, c)| (day_text(*d), c))
    }

    /// The last version (the one in force from the latest effective date on).
    pub fn latest(&self) -> &Arc<CompiledPlan> {
        &self.latest
    }

    /// The compiled plan of version `version` (its plan's `version` label).
    pub fn version(&self, version: &str) -> Option<&Arc<CompiledPlan>> {
        self.versions
            .iter()
            .map(|(_, c)| c)
            .find(|c| c.plan().version == version)
    }

    /// A builder for the record set `name` as the version in force on the first day of
    /// `period` declares it (`None` for an unknown period, no version in force, or no such
    /// record set). Record sets are read once and shared by every version applied.
    pub fn record_builder(
        &self,
        period: &str,
        name: &str,
    ) -> Option<crate::measure::RecordSetBuilder> {
        self.for_period(period)?.record_builder(name)
    }

    /// The version in force on the first day of `period` (`2022-03`, `2022-Q1`, `2022`): the
    /// one whose declared record sets are read for it. `None` for text that is not a period
    /// or a period before the first version.
    pub fn for_period(&self, period: &str) -> Option<&Arc<CompiledPlan>> {
        let period: Period = period.parse().ok()?;
        self.in_force(&period.first_day())
    }

    /// Like [`CompiledVersions::for_period`], saying why there is no version: no period
    /// (`missing_period`), text that is not a period (`invalid_period`), or a period before
    /// the first version (`no_version_in_force`), with the same issue `evaluate` reports.
    pub fn plan_for(&self, period: Option<&str>) -> Result<&Arc<CompiledPlan>, Issue> {
        let period = parse_period(period)?;
        let first = period.first_day();
        self.in_force(&first)
            .ok_or_else(|| self.not_in_force(period, &first))
    }

    /// The one version that scores `period` whole: the version in force on its first day
    /// under `period_start`, or under `pro_rata` when no change falls inside the period
    /// (`spans_versions` otherwise).
    pub fn single_plan_for(&self, period: Option<&str>) -> Result<&Arc<CompiledPlan>, Issue> {
        let parsed = parse_period(period)?;
        match self.segments(parsed)?.as_slice() {
            [(k, _, _)] => self
                .versions
                .get(*k)
                .map(|(_, p)| p)
                .ok_or_else(|| self.not_in_force(parsed, &parsed.first_day())),
            _ => Err(Issue::new(
                Code::SpansVersions,
                "period",
                format!(
                    "{parsed} is scored pro rata by several versions of plan '{}', which gives no single score table; use evaluate",
                    self.doc.id
                ),
            )),
        }
    }

    /// `no_version_in_force` for `period`, whose first day is `first`.
    fn not_in_force(&self, period: Period, first: &str) -> Issue {
        Issue::new(
            Code::NoVersionInForce,
            "period",
            format!(
                "no version of plan '{}' is in force on {first}, the first day of {period}",
                self.doc.id
            ),
        )
    }

    /// The version in force on a day (`YYYY-MM-DD`).
    pub fn in_force(&self, day: &str) -> Option<&Arc<CompiledPlan>> {
        let d = parse_date(day).ok()?;
        self.versions
            .iter()
            .rev()
            .find(|(from, _)| *from <= d)
            .map(|(_, c)| c)
    }

    /// What changed between two versions (by their `version` labels).
    pub fn diff(&self, before: &str, after: &str) -> Option<crate::diff::PlanDiff> {
        Some(crate::diff::diff_plans(
            self.version(before)?.plan(),
            self.version(after)?.plan(),
        ))
    }

    /// The versions applied to `period` and their days, by the span rule.
    fn segments(&self, period: Period) -> Result<Vec<(usize, i32, i32)>, Issue> {
        let (start, end) = period.day_range().ok_or_else(|| {
            Issue::new(
                Code::InvalidPeriod,
                "period",
                format!("{period} is out of range"),
            )
        })?;
        let first = self
            .versions
            .iter()
            .rposition(|(from, _)| *from <= start)
            .ok_or_else(|| self.not_in_force(period, &day_text(start)))?;
        if self.doc.span == SpanRule::PeriodStart {
            return Ok(vec![(first, start, end)]);
        }
        let mut out = Vec::new();
        let mut k = first;
        let mut from = start;
        while from < end {
            let next = self
                .versions
                .get(k.saturating_add(1))
                .map_or(end, |(d, _)| (*d).min(end));
            out.push((k, from, next));
            from = next;
            k = k.saturating_add(1);
        }
        Ok(out)
    }

    /// Scores `inputs` (whose `period` is required) with the version(s) in force.
    pub fn evaluate(&self, inputs: &Inputs) -> Result<Evaluation, InputError> {
        self.evaluate_records(inputs, &RecordSets::new())
    }

    /// Like [`CompiledVersions::evaluate`], with typed record sets.
    pub fn evaluate_records(
        &self,
        inputs: &Inputs,
        records: &RecordSets,
    ) -> Result<Evaluation, InputError> {
        let fail = |issue: Issue| InputError {
            issues: vec![issue],
        };
        let period = parse_period(inputs.period.as_deref()).map_err(fail)?;
        let segments = self.segments(period).map_err(fail)?;
        let total_days: i64 = segments
            .iter()
            .map(|(_, a, b)| i64::from(b.saturating_sub(*a)))
            .sum();
        let mut evaluations = Vec::with_capacity(segments.len());
        for (k, _, _) in &segments {
            let Some((_, plan)) = self.versions.get(*k) else {
                continue;
            };
            evaluations.push(plan.evaluate_records(inputs, records)?);
        }
        let applied: Vec<AppliedVersion> = segments
            .iter()
            .filter_map(|(k, a, b)| {
                let (from, plan) = self.versions.get(*k)?;
                Some(AppliedVersion {
                    version: plan.plan().version.clone(),
                    fingerprint: plan.fingerprint().to_string(),
                    effective_from: day_text(*from),
                    from: day_text(*a),
                    to: day_text(b.saturating_sub(1)),
                    days: u32::try_from(b.saturating_sub(*a)).unwrap_or(0),
                })
            })
            .collect();
        let mut evaluations = evaluations.into_iter();
        let Some(first) = evaluations.next() else {
            return Err(fail(Issue::new(
                Code::NoVersionInForce,
                "period",
                "no version applies",
            )));
        };
        if applied.len() == 1 {
            let mut e = first;
            e.plan_id = self.doc.id.clone();
            e.versions = applied;
            return Ok(e);
        }
        // Pro rata: combine each subject's results, day-weighted.
        let rest: Vec<Evaluation> = evaluations.collect();
        let Some((_, last_plan)) = segments.last().and_then(|(k, _, _)| self.versions.get(*k))
        else {
            return Err(fail(Issue::new(
                Code::NoVersionInForce,
                "period",
                "no version applies",
            )));
        };
        let mut results = Vec::with_capacity(first.results.len());
        let mut all: Vec<std::vec::IntoIter<SubjectResult>> = std::iter::once(first.results)
            .chain(rest.iter().map(|e| e.results.clone()))
            .map(Vec::into_iter)
            .collect();
        let total_days = Decimal::from(total_days);
        loop {
            let parts: Vec<SubjectResult> = all.iter_mut().filter_map(Iterator::next).collect();
            if parts.is_empty() {
                break;
            }
            results.push(combine(last_plan, parts, &applied, total_days, inputs)?);
        }
        let versions_label: Vec<&str> = applied.iter().map(|a| a.version.as_str()).collect();
        Ok(Evaluation {
            plan_id: self.doc.id.clone(),
            plan_version: versions_label.join("+"),
            plan_fingerprint: self.fingerprint.clone(),
            period: inputs.period.clone(),
            results,
            derivation: rest.into_iter().last().and_then(|e| e.derivation),
            versions: applied,
        })
    }

    /// The explanation of a result of [`CompiledVersions::evaluate`]: the version's own for a
    /// single version, else each segment's with the day-weighted combination.
    pub fn explain(&self, evaluation: &Evaluation, result: &SubjectResult) -> Explanation {
        let plan_of = |version: &str| self.version(version);
        if result.segments.is_empty() {
            let version = evaluation
                .versions
                .first()
                .map_or(evaluation.plan_version.as_str(), |v| v.version.as_str());
            return plan_of(version)
                .unwrap_or(&self.latest)
                .explain_in(evaluation, result);
        }
        let mut base = Explanation::bare(result);
        base.period = evaluation.period.clone();
        base.plan_id = self.doc.id.clone();
        base.plan_version = evaluation.plan_version.clone();
        base.plan_fingerprint = self.fingerprint.clone();
        if let Some(last) = result.segments.last().and_then(|s| plan_of(&s.version)) {
            base.role_name = last
                .plan()
                .roles
                .iter()
                .find(|r| *r.id == *result.role)
                .map_or_else(|| result.role.to_string(), |r| r.name.clone());
            base.rounding_mode = last.plan().rounding.mode.as_str().to_string();
            base.total_scale = last.plan().rounding.total_scale;
            base.item_scale = last.plan().rounding.item_scale;
            base.grade_label = last
                .plan()
                .grades
                .iter()
                .find(|g| *g.grade == *result.grade)
                .and_then(|g| g.label.clone());
        }
        base.segments = result
            .segments
            .iter()
            .filter_map(|s| {
                let plan = plan_of(&s.version)?;
                Some(crate::evaluate::ExplainedSegment {
                    version: s.version.clone(),
                    from: s.from.clone(),
                    to: s.to.clone(),
                    days: s.days,
                    explanation: plan.explain(&s.result),
                })
            })
            .collect();
        base
    }
}

/// The period of a versioned evaluation: `missing_period` without one, `invalid_period` for
/// text that is not a period.
fn parse_period(text: Option<&str>) -> Result<Period, Issue> {
    let text = text.ok_or_else(|| {
        Issue::new(
            Code::MissingPeriod,
            "period",
            "a versioned plan needs the period (e.g. \"2022-03\") to choose the version in force",
        )
    })?;
    text.parse()
        .map_err(|e: String| Issue::new(Code::InvalidPeriod, "period", e))
}

/// One subject's pro-rata result: the day-weighted mean of the versions' totals, graded
/// with the last version's scale (a veto that fired in any version still forces its grade).
fn combine(
    last: &CompiledPlan,
    parts: Vec<SubjectResult>,
    applied: &[AppliedVersion],
    total_days: Decimal,
    inputs: &Inputs,
) -> Result<SubjectResult, InputError> {
    let rp = &last.plan().rounding;
    let overflow = |subject: &str| InputError {
        issues: vec![Issue::new(
            Code::ArithmeticOverflow,
            "period",
            format!("subject '{subject}': the pro-rata total does not fit a decimal"),
        )],
    };
    let Some(head) = parts.last() else {
        return Err(overflow(""));
    };
    let subject = head.subject.clone();
    let mut sum = Decimal::ZERO;
    for (p, a) in parts.iter().zip(applied) {
        sum = p
            .total
            .checked_mul(Decimal::from(a.days))
            .and_then(|x| sum.checked_add(x))
            .ok_or_else(|| overflow(&subject))?;
    }
    let unrounded = sum
        .checked_div(total_days)
        .ok_or_else(|| overflow(&subject))?
        .normalize();
    let total = rp.total_scale.round(unrounded, rp.mode);
    let grades = &last.grades;
    let forced = parts
        .iter()
        .flat_map(|p| p.vetoes.iter())
        .filter_map(|v| v.force_grade.as_deref())
        .filter_map(|g| grades.iter().find(|x| &*x.name == g))
        .max_by_key(|g| g.rank);
    let grade = match forced.or_else(|| grades.iter().find(|g| g.min.is_none_or(|m| total >= m))) {
        Some(g) => g,
        None => {
            return Err(InputError {
                issues: vec![Issue::new(
                    Code::NoGrade,
                    "grades",
                    format!(
                        "subject '{subject}': the total {total} is below every grade of the scale"
                    ),
                )],
            });
        }
    };
    let bonus = inputs
        .assignments
        .iter()
        .find(|a| a.subject == subject)
        .and_then(|a| a.bonus_base);
    let payout = match bonus {
        Some(b) => Some(
            rp.payout_scale.round(
                b.checked_mul(grade.coefficient)
                    .ok_or_else(|| overflow(&subject))?,
                rp.mode,
            ),
        ),
        None => None,
    };
    let warnings = parts.iter().flat_map(|p| p.warnings.clone()).collect();
    let segments = parts
        .into_iter()
        .zip(applied)
        .map(|(result, a)| Segment {
            version: a.version.clone(),
            from: a.from.clone(),
            to: a.to.clone(),
            days: a.days,
            result,
        })
        .collect::<Vec<_>>();
    let first = segments.last().map(|s| &s.result);
    Ok(SubjectResult {
        subject,
        name: first.and_then(|r| r.name.clone()),
        role: first.map_or_else(|| Arc::from(""), |r| r.role.clone()),
        unit: first.and_then(|r| r.unit.clone()),
        region: first.and_then(|r| r.region.clone()),
        variant: first.and_then(|r| r.variant.clone()),
        total_unrounded: unrounded,
        total,
        grade: grade.name.clone(),
        coefficient: grade.coefficient,
        payout,
        items: Vec::new(),
        adjustments: Vec::new(),
        vetoes: Vec::new(),
        warnings,
        sources: Vec::new(),
        segments,
    })
}
