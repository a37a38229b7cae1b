//! One subject: its items scored in evaluation order, then weighted and totalled.

use super::result::*;
use super::rules::{self, Targets, targets_for};
use super::table::{ItemNumbers, ItemOut, SubjectRow};
use crate::compile::{CItem, CRole, CRule, CompiledPlan};
use crate::decimal::{ArithmeticError, clamp};
use crate::error::Code;
use crate::error::Issue;
use crate::formula::{EvalFailure, Value, Var};
use crate::model::{Assignment, TargetOverride};
use crate::model::{MissingDataPolicy, RoundingPolicy};
use rust_decimal::Decimal;
use std::collections::HashMap;

/// Where a subject's values live in the flat value table.
pub(super) struct SubjectSlot<'a> {
    pub(super) assignment: &'a Assignment,
    /// The assignment's index in the inputs.
    pub(super) index: u32,
    pub(super) role: &'a CRole,
    /// The scorecard's index in the compiled roles.
    pub(super) role_pos: u32,
    pub(super) offset: usize,
}

/// Per-subject targets by value slot: their index in `inputs.targets`, and the target.
pub(super) type Overrides<'a> = HashMap<usize, (u32, &'a TargetOverride)>;

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
                        let zero = rp.item_scale.round(Decimal::ZERO, rp.mode);
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
        let eager = eager_all.then_some(eager_sum);
        self.total(s, row, scores, items, first, eager, warnings)
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
            .map(|a| rp.achievement_scale.round(a, rp.mode)),
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
        let score = rp.item_scale.round(scored.raw, rp.mode);
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
