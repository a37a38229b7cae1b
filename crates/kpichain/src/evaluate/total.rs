//! A subject's total: weights (scaled up when items were excluded), adjustments, vetoes,
//! the grade and the payout.

use super::result::*;
use super::rules;
use super::subject::SubjectSlot;
use super::table::{ItemOut, SubjectExtra, SubjectRow};
use crate::compile::CompiledPlan;
use crate::decimal::{self as dec, HUNDRED, clamp};
use crate::error::Code;
use crate::error::Issue;
use crate::formula::{EvalFailure, Value, Var};
use rust_decimal::Decimal;

impl CompiledPlan {
    /// Weighs a subject's scored items (those from `first` on in `items`) and totals them:
    /// adjustments, vetoes, the grade and the payout. `eager` is the sum of the weighted
    /// scores when the item loop already weighed every item on the fast path.
    #[allow(clippy::too_many_arguments)]
    pub(super) fn total<R: ItemOut>(
        &self,
        s: &SubjectSlot,
        row: &[Option<Decimal>],
        scores: &[Option<Decimal>],
        items: &mut [R],
        first: usize,
        eager: Option<rules::Sum>,
        mut warnings: Vec<Warning>,
    ) -> Result<SubjectRow, Vec<Issue>> {
        let rp = &self.plan.rounding;
        let role = s.role;
        let subject: &str = &s.assignment.subject;
        let overflow = |path: String| {
            Issue::new(
                Code::ArithmeticOverflow,
                path,
                format!(
                    "subject '{subject}': the calculation does not fit a decimal (overflow or division by zero)"
                ),
            )
        };
        let eager_all = eager.is_some();
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
        let mut sum = eager.unwrap_or_else(rules::Sum::new);
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
            let weighted = rp.weighted_scale.round(weighted, rp.mode);
            it.set_weighted(weighted);
            sum.add(weighted).map_err(|_| vec![overflow(path())])?;
        }
        // Without adjustments or vetoes, a total still in fixed point is rounded there (the
        // sum is only ever in fixed point when the shortcuts are on).
        let simple_total = if role.adjustments.is_empty() && role.vetoes.is_empty() {
            sum.fx()
                .and_then(|t| t.round_stage(rp.total_scale, rp.mode.strategy()))
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
            let points = rp.item_scale.round(clamp(raw, adj.min, adj.max), rp.mode);
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
            None => rp.total_scale.round(total, rp.mode),
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
            total = rp.total_scale.round(t, rp.mode);
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
        let payout =
            match s.assignment.bonus_base {
                Some(base) => Some(rp.payout_scale.round(
                    dec::mul(base, coefficient).map_err(|_| {
                        vec![overflow(format!("assignments[{}].bonus_base", s.index))]
                    })?,
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
}
