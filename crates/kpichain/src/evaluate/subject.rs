//! One subject: its items scored in evaluation order, then weighted and totalled.

use super::batch::{Overrides, SubjectSlot};
use super::result::*;
use super::rules::{self, Targets, targets_for};
use super::table::{ItemNumbers, ItemOut, SubjectExtra, SubjectRow};
use crate::compile::{CItem, CRole, CRule, CompiledPlan};
use crate::decimal::{self as dec, ArithmeticError, HUNDRED, clamp, round_fixed};
use crate::error::Code;
use crate::error::Issue;
use crate::formula::{EvalFailure, Value, Var};
use crate::model::{MissingDataPolicy, RoundingPolicy};
use rust_decimal::Decimal;

impl CompiledPlan {
    /// Scores one subject, appending its items to `items`. On an error the items already
    /// appended stay: the whole batch fails then, and its rows are dropped.
    pub(super) fn score_subject<R: ItemOut>(
        &self,
        s: &SubjectSlot,
        row: &[Option<Decimal>],
        overrides: &Overrides,
        scores: &mut Vec<Option<Decimal>>,
        items: &mut Vec<R>,
    ) -> Result<SubjectRow, Vec<Issue>> {
        let rp = &self.plan.rounding;
        let role = s.role;
        let subject: &str = &s.assignment.subject;
        let mut issues = Vec::new();
        let mut warnings = Vec::new();
        let overflow = |path: String| {
            Issue::new(
                Code::ArithmeticOverflow,
                path,
                format!(
                    "subject '{subject}': the calculation does not fit a decimal (overflow or division by zero)"
                ),
            )
        };

        let n = role.items.len();
        let first = items.len();
        // Without exclusions or reordering, fast items are weighted and summed as they are
        // scored; should one not be, the weights are applied below as usual.
        let eager = !role.any_exclude && role.identity_order && crate::fixed::enabled();
        let mut eager_sum = rules::Sum::new();
        let mut eager_all = eager;
        scores.clear();
        scores.resize(n, None);
        for &ii in &role.order {
            let Some(item) = role.items.get(ii) else {
                continue;
            };
            let path = || format!("{}.items[{}]", role.path, item.source);
            let ovr = if overrides.is_empty() {
                None
            } else {
                overrides.get(&s.offset.saturating_add(item.slot)).copied()
            };
            let index = u32::try_from(ii).unwrap_or(u32::MAX);
            let actual = row.get(item.slot).copied().flatten();
            let make = |status, achievement, raw, score, weighted| {
                let n = ItemNumbers {
                    status,
                    actual,
                    achievement,
                    raw,
                    score,
                    weighted,
                };
                R::make(item, index, ovr, n)
            };
            // Most items take the exact fixed-point path (identical numbers, no note).
            let fast = match (actual, ovr) {
                (Some(a), None) => rules::score_fast(item, a, rp),
                _ => None,
            };
            if let Some(fast) = fast {
                let mut weighted = Decimal::ZERO;
                if eager_all {
                    let w = item
                        .factors
                        .fast
                        .as_ref()
                        .and_then(|f| f.weight)
                        .and_then(|w| {
                            rules::weighted_fx(fast.score_fx, w, rp.weighted_scale, rp.mode)
                        })
                        .filter(|&w| eager_sum.add_fx(w).is_ok() && eager_sum.is_fx());
                    match w {
                        Some(w) => weighted = w.dec(),
                        None => eager_all = false,
                    }
                }
                if let Some(slot) = scores.get_mut(ii) {
                    *slot = Some(fast.score);
                }
                items.push(make(
                    ItemStatus::Scored,
                    fast.achievement,
                    fast.raw,
                    fast.score,
                    weighted,
                ));
                continue;
            }
            eager_all = false;
            let t = targets_for(item, ovr.map(|o| o.1));
            let outcome = self.score_item(role, item, actual, t, row, scores, rp);
            match outcome {
                Ok(Outcome::Scored(sc)) => {
                    if let Some((code, message)) = sc.note {
                        warnings.push(Warning {
                            code,
                            path: path().into(),
                            message: format!("subject '{subject}', item '{}': {message}", item.key),
                        });
                    }
                    if let Some(slot) = scores.get_mut(ii) {
                        *slot = Some(sc.score);
                    }
                    items.push(make(
                        ItemStatus::Scored,
                        sc.achievement,
                        sc.raw,
                        sc.score,
                        Decimal::ZERO,
                    ));
                }
                Ok(Outcome::Missing(what)) => {
                    let what = self.source_of_missing(s, ii).unwrap_or(what);
                    match item.missing {
                    MissingDataPolicy::Error => issues.push(Issue::new(
                        Code::MissingActual,
                        path(),
                        format!("subject '{subject}' has no actual for {what} (item '{}' of role '{}'), and the missing-data policy is `error`", item.key, role.id),
                    )),
                    policy => {
                        let (status, code, verb) = if policy == MissingDataPolicy::Zero {
                            (ItemStatus::MissingZero, Code::MissingActualZero, "scored zero")
                        } else {
                            (ItemStatus::Excluded, Code::MissingActualExcluded, "left out and the other weights scaled up")
                        };
                        warnings.push(Warning { code, path: path().into(), message: format!("subject '{subject}' has no actual for {what}; item '{}' was {verb}", item.key) });
                        let zero = round_fixed(Decimal::ZERO, rp.item_scale, rp.mode);
                        if status == ItemStatus::MissingZero {
                            if let Some(sc) = scores.get_mut(ii) {
                                *sc = Some(zero);
                            }
                        }
                        items.push(make(status, None, Decimal::ZERO, zero, Decimal::ZERO));
                    }
                    }
                }
                Err(ArithmeticError) => issues.push(overflow(path())),
            }
        }
        if !issues.is_empty() {
            return Err(issues);
        }
        let items = items.get_mut(first..).unwrap_or_default();
        if !role.identity_order {
            // Formula dependencies changed the evaluation order: restore the scorecard's order.
            items.sort_by_key(|it| it.index(role));
        }
        let weight_of = |it: &R| {
            role.items
                .get(it.index(role))
                .map_or(Decimal::ZERO, |c| c.weight)
        };

        // Weights: scaled up when items were excluded.
        let included: Decimal = if role.any_exclude {
            let mut sum = Decimal::ZERO;
            for it in items
                .iter()
                .filter(|it| it.status() != ItemStatus::Excluded)
            {
                sum = dec::add(sum, weight_of(it))
                    .map_err(|_| vec![overflow(role.path.to_string())])?;
            }
            sum
        } else {
            HUNDRED
        };
        if included.is_zero() {
            return Err(vec![Issue::new(
                Code::NoItemsLeft,
                format!("{}.items", role.path),
                format!(
                    "subject '{subject}' has no actual for any item of role '{}', so nothing can be scored",
                    role.id
                ),
            )]);
        }
        let all_in = included == HUNDRED;
        let mut sum = if eager_all {
            eager_sum
        } else {
            rules::Sum::new()
        };
        let weigh = if eager_all {
            &mut [][..]
        } else {
            &mut items[..]
        };
        for (k, it) in weigh.iter_mut().enumerate() {
            if it.status() == ItemStatus::Excluded {
                it.set_effective_weight(Decimal::ZERO);
                continue;
            }
            let path = || format!("{}.items[{k}]", role.path);
            let weight = weight_of(it);
            let fast = if all_in {
                rules::weighted_fast(it.score(), weight, rp.weighted_scale, rp.mode)
            } else {
                None
            };
            if let Some(weighted) = fast {
                it.set_weighted(weighted.dec());
                sum.add_fx(weighted).map_err(|_| vec![overflow(path())])?;
                continue;
            }
            let weighted = if all_in {
                dec::mul(it.score(), weight).and_then(dec::div_by_100)
            } else {
                it.set_effective_weight(
                    dec::div(
                        dec::mul(weight, HUNDRED).map_err(|_| vec![overflow(path())])?,
                        included,
                    )
                    .map_err(|_| vec![overflow(path())])?
                    .normalize(),
                );
                dec::div(
                    dec::mul(it.score(), weight).map_err(|_| vec![overflow(path())])?,
                    included,
                )
            }
            .map_err(|_| vec![overflow(path())])?;
            let weighted = round_fixed(weighted, rp.weighted_scale, rp.mode);
            it.set_weighted(weighted);
            sum.add(weighted).map_err(|_| vec![overflow(path())])?;
        }
        // Without adjustments or vetoes, a total still in fixed point is rounded there (the
        // sum is only ever in fixed point when the shortcuts are on).
        let simple_total = if role.adjustments.is_empty() && role.vetoes.is_empty() {
            sum.fx()
                .and_then(|t| t.round_fixed(rp.total_scale, rp.mode))
        } else {
            None
        };
        let mut total = sum.value();

        // Adjustments.
        let mut adjustments = Vec::with_capacity(role.adjustments.len());
        for adj in &role.adjustments {
            let actual = row
                .get(adj.slot)
                .copied()
                .flatten()
                .unwrap_or(Decimal::ZERO);
            let path = || {
                if adj.source.0 {
                    format!("adjustments[{}]", adj.source.1)
                } else {
                    format!("{}[{}]", role.adjustments_path, adj.source.1)
                }
            };
            let raw = dec::mul(actual, adj.points_per_unit).map_err(|_| vec![overflow(path())])?;
            let points = round_fixed(clamp(raw, adj.min, adj.max), rp.item_scale, rp.mode);
            let capped = adj.min.is_some_and(|m| raw < m) || adj.max.is_some_and(|m| raw > m);
            if capped {
                warnings.push(Warning {
                    code: Code::AdjustmentCapped,
                    path: path().into(),
                    message: format!(
                        "subject '{subject}': adjustment '{}' of {} points was limited to {points}",
                        adj.id,
                        raw.normalize()
                    ),
                });
            }
            total = dec::add(total, points).map_err(|_| vec![overflow(path())])?;
            adjustments.push(AdjustmentResult {
                id: adj.id.clone(),
                actual,
                raw_points: raw,
                points,
                capped,
            });
        }
        let total_unrounded = total;
        let mut total = match simple_total {
            Some(rounded) => rounded.dec(),
            None => round_fixed(total, rp.total_scale, rp.mode),
        };

        // Vetoes: the most severe fired veto wins (lowest forced total, lowest forced grade).
        let mut vetoes = Vec::new();
        let mut forced_grade: Option<usize> = None;
        let mut forced_total: Option<Decimal> = None;
        for v in &role.vetoes {
            let path = || {
                if v.source.0 {
                    format!("vetoes[{}]", v.source.1)
                } else {
                    format!("{}[{}]", role.vetoes_path, v.source.1)
                }
            };
            let vars = |var: Var| -> Option<Decimal> {
                match var {
                    Var::Total => Some(total),
                    Var::ItemScore(j) => scores.get(j).copied().flatten(),
                    Var::Indicator(i) => role
                        .slot_of
                        .get(i)
                        .and_then(|&sl| row.get(sl as usize))
                        .copied()
                        .flatten(),
                    _ => None,
                }
            };
            match v.condition.eval(&vars) {
                Ok(Value::Bool(true)) => {
                    if let Some(g) = v.force_grade {
                        forced_grade = Some(forced_grade.map_or(g, |f| f.max(self.grades.get(g).map_or(g, |x| x.rank))));
                    }
                    if let Some(t) = v.force_total {
                        forced_total = Some(forced_total.map_or(t, |f| f.min(t)));
                    }
                    vetoes.push(VetoResult { id: v.id.clone(), force_grade: v.force_grade.and_then(|g| self.grades.get(g)).map(|g| g.name.to_string()), force_total: v.force_total });
                }
                Ok(_) => {}
                Err(EvalFailure::Missing(var)) => warnings.push(Warning {
                    code: Code::VetoNotEvaluated,
                    path: path().into(),
                    message: format!("subject '{subject}': veto '{}' could not be checked because {} has no value; it did not fire", v.id, self.var_name(role, var)),
                }),
                Err(EvalFailure::Arithmetic) => return Err(vec![overflow(path())]),
            }
        }
        if let Some(t) = forced_total {
            total = round_fixed(t, rp.total_scale, rp.mode);
        }
        // Grades are compared in fixed point when the shortcuts are on and the total fits.
        let total_fx = match simple_total {
            Some(rounded) => Some(rounded),
            None if crate::fixed::enabled() => crate::fixed::Fx::of(total),
            None => None,
        };
        let grade_index = match forced_grade.filter(|&g| g < self.grades.len()) {
            Some(g) => g,
            None => match self
                .grades
                .iter()
                .position(|g| match (g.min, g.min_fx, total_fx) {
                    (None, _, _) => true,
                    (Some(_), Some(m), Some(t)) => m.le(t),
                    (Some(m), _, _) => dec::at_least(total, m),
                }) {
                Some(g) => g,
                None => {
                    return Err(vec![Issue::new(
                        Code::NoGrade,
                        "grades",
                        format!(
                            "subject '{subject}': the total {total} is below every grade of the scale"
                        ),
                    )]);
                }
            },
        };
        let coefficient = self
            .grades
            .get(grade_index)
            .map_or(Decimal::ZERO, |g| g.coefficient);
        let payout = match s.assignment.bonus_base {
            Some(base) => Some(round_fixed(
                dec::mul(base, coefficient).map_err(|_| vec![overflow("grades".into())])?,
                rp.payout_scale,
                rp.mode,
            )),
            None => None,
        };
        let extra = if adjustments.is_empty() && vetoes.is_empty() && warnings.is_empty() {
            None
        } else {
            Some(Box::new(SubjectExtra {
                adjustments,
                vetoes,
                warnings,
                ..Default::default()
            }))
        };
        Ok(SubjectRow {
            assignment: s.index,
            role: s.role_pos,
            grade: u32::try_from(grade_index).unwrap_or(u32::MAX),
            first: u32::try_from(first).unwrap_or(u32::MAX),
            total_unrounded,
            total,
            payout,
            extra,
        })
    }

    pub(super) fn var_name(&self, role: &CRole, var: Var) -> String {
        match var {
            Var::Indicator(i) => self
                .plan
                .indicators
                .get(i)
                .map_or_else(String::new, |ind| format!("indicator '{}'", ind.id)),
            Var::ItemScore(j) => role
                .items
                .get(j)
                .map_or_else(String::new, |it| format!("the score of item '{}'", it.key)),
            Var::Actual => "the actual".into(),
            Var::Target => "the target".into(),
            Var::Threshold => "the threshold".into(),
            Var::Stretch => "the stretch value".into(),
            Var::Achievement => "the achievement".into(),
            Var::Total => "the total".into(),
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn score_item(
        &self,
        role: &CRole,
        item: &CItem,
        actual: Option<Decimal>,
        t: Targets,
        row: &[Option<Decimal>],
        scores: &[Option<Decimal>],
        rp: &RoundingPolicy,
    ) -> Result<Outcome, ArithmeticError> {
        let Some(actual) = actual else {
            return Ok(Outcome::Missing(format!(
                "indicator '{}'",
                item.indicator_id
            )));
        };
        let achievement = match t.target {
            Some(tg) => rules::achievement(
                actual,
                tg,
                item.direction,
                if t.from_plan {
                    item.factors.achievement
                } else {
                    None
                },
            )?
            .map(|a| round_fixed(a, rp.achievement_scale, rp.mode)),
            None => None,
        };
        let scored = match &item.rule {
            CRule::Formula { expr, floor, cap } => {
                let vars = |var: Var| -> Option<Decimal> {
                    match var {
                        Var::Actual => Some(actual),
                        Var::Target => t.target,
                        Var::Threshold => t.threshold,
                        Var::Stretch => t.stretch,
                        Var::Achievement => achievement,
                        Var::Indicator(i) => role
                            .slot_of
                            .get(i)
                            .and_then(|&sl| row.get(sl as usize))
                            .copied()
                            .flatten(),
                        Var::ItemScore(j) => scores.get(j).copied().flatten(),
                        Var::Total => None,
                    }
                };
                match expr.eval(&vars) {
                    Ok(Value::Num(v)) => rules::Scored {
                        raw: clamp(v, *floor, *cap),
                        note: None,
                    },
                    Ok(Value::Bool(_)) | Err(EvalFailure::Arithmetic) => {
                        return Err(ArithmeticError);
                    }
                    Err(EvalFailure::Missing(var)) => {
                        return Ok(Outcome::Missing(self.var_name(role, var)));
                    }
                }
            }
            _ => rules::score(item, actual, t, achievement)?,
        };
        let score = round_fixed(scored.raw, rp.item_scale, rp.mode);
        Ok(Outcome::Scored(ItemScore {
            achievement,
            raw: scored.raw,
            score,
            note: scored.note,
        }))
    }
}

/// The numbers of a scored item, before they are placed in its result.
struct ItemScore {
    achievement: Option<Decimal>,
    raw: Decimal,
    score: Decimal,
    note: Option<(Code, String)>,
}

enum Outcome {
    Scored(ItemScore),
    Missing(String),
}
